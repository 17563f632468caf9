//! The clause-by-clause package protocol ("nothing is agreed until everything
//! is agreed") as a sans-IO state machine.
//!
//! The machine holds no clock, thread, socket or strategy. Whoever drives it (the
//! simulator's talks driver, later a server with people) submits [`Move`]s with
//! [`Package::act`]: an actor, a time given by the caller, an [`Action`] and an
//! optional free-text reason. A legal move changes the state and reports what
//! happened as [`Event`]s through a caller-supplied sink; an illegal one is
//! refused with a [`PackageError`] that says why, and changes nothing (no event,
//! no state change). `docs/package-protocol.md` has the same rules as tables.
//!
//! # Actors
//!
//! Every actor is registered up front with an [`ActorId`] and a [`Capacity`]:
//!
//! - a **party** is a delegation at the table: it brackets, agrees, reopens,
//!   tables items and votes (at least two parties);
//! - a **mediator** brackets, restarts reopened clauses, tables items, calls and
//!   withdraws the final vote and ends the talks (talks without a mediator let
//!   any party call the vote and end the talks);
//! - a **guarantor** is a third state that may be asked to guarantee a clause;
//!   it only gives or refuses its consent, and it may be absent: it then simply
//!   never acts, and the clause waits;
//! - a **capital** belongs to one party: it confirms or declines what its
//!   delegation agreed ad referendum. A party without a capital has full
//!   powers; a party with several (blocs at home) needs every one to confirm.
//!   A driver that models a ratification rule (quota, dominant bloc) gives the
//!   party one capital and decides for it.
//!
//! # Clauses
//!
//! A clause is negotiated over a set of options (`u32`: the value indices of
//! an issue of an [`OutcomeSpace`] when [`ClauseSpec::issue`] says which, or
//! free-standing). Its [`ClauseState`]:
//!
//! ```text
//!          propose          every party agreed         every capital confirmed
//!   OPEN ───────────> BRACKETED ──────────────> AD_REF ─────────────────────────> PROVISIONAL
//!    ^                  │   ^    on one option    │    (and the guarantor consented)    │
//!    │   rebracket,     └───┘                     │                                     │ a party
//!    │   agree (one party)  ^  a capital declines │                                     │ reopens
//!    │                      └─────────────────────┘                                     v
//!    └───────────────────────────────── restart ─────────────────────────────────── REOPENED
//!
//!   OPEN, BRACKETED, AD_REF, REOPENED ── the raiser withdraws the item ──> WITHDRAWN (final)
//! ```
//!
//! - `OPEN → BRACKETED`: a party or the mediator proposes options (brackets).
//!   `Rebracket` narrows or replaces them; agreements on options still in
//!   brackets stand.
//! - `BRACKETED → AD_REF`: each party agrees ad referendum to one bracketed
//!   option (and may change its choice); when every party has agreed to the
//!   same option the clause is AD_REF on that option.
//! - `AD_REF → PROVISIONAL`: when every capital has confirmed and, for a
//!   guarantor clause, the guarantor has consented. With no capital and no
//!   consent to wait for, the clause goes on to PROVISIONAL in the same move
//!   (two transitions are logged). `AD_REF → BRACKETED`: a capital declines;
//!   the parties' agreements and the confirmations are cleared, the brackets
//!   stay.
//! - `PROVISIONAL → REOPENED`: any party, until adoption (the option stays
//!   "under review"); `REOPENED → OPEN`: a party or the mediator restarts it
//!   (brackets, option and guarantor consent are cleared).
//! - `→ WITHDRAWN`: the actor that raised an item withdraws it (not from
//!   PROVISIONAL: reopen it first, so that the reopening is logged). A
//!   withdrawn clause no longer counts: it is not part of the package.
//!
//! Every transition is an [`Event::Transition`] with clause, from, to, actor,
//! time and reason.
//!
//! # Dynamic agenda, commitments, guarantors
//!
//! Any party or mediator may [`Action::Table`] a new item during the talks: it
//! enters OPEN, records who raised it and when ([`Origin::Tabled`]), and blocks
//! adoption until it is PROVISIONAL or withdrawn. A clause may carry a
//! [`Commitment`] (an obligor, a deadline in days after adoption, fixed or per
//! option, and an optional guarantor). A clause that names a guarantor (by
//! `requires_consent` or by its commitment) cannot become PROVISIONAL until that
//! guarantor consents; the guarantor may give or refuse consent, and change its
//! mind, until the clause is PROVISIONAL (then its consent is locked); a restart
//! (REOPENED → OPEN) asks it again.
//!
//! # The final vote
//!
//! The mediator calls the vote only on a complete package: at least one live
//! clause, every live clause PROVISIONAL (hence every consent given); otherwise
//! the call is refused with the list of [`Blocker`]s. While the vote is open
//! nothing else may happen but votes, the mediator's withdrawal of the call and
//! the end of the talks. Each party votes once; the package is adopted when every
//! party has voted yes ([`Event::Adopted`] with the agreed option of every clause
//! and the binding commitments, due dates included). A single no fails the vote
//! ([`Event::VoteFailed`]) and the talks go on: whether they end is the driver's
//! decision ([`Action::End`]).
//!
//! # Time
//!
//! A [`Timestamp`] is a number of minutes since the start of the talks, given by
//! the caller with each move. The machine only checks that it never goes back:
//! a move earlier than the last accepted one is refused. Commitment due dates
//! are `adoption time + days × 1440`.
//!
//! # Persistence and replay
//!
//! Every type here is `serde`-serialisable, the machine's state included. The
//! first event of each accepted move says what the move was (an
//! [`Event::ItemTabled`] is a [`Action::Table`], an [`Event::AdRefAgreed`] an
//! [`Action::AgreeAdRef`], a transition to REOPENED a [`Action::Reopen`], ...),
//! so the setup and the event log alone rebuild the state: [`Package::replay`]
//! re-applies the moves it reads and checks that each produces exactly the
//! logged events, so a log that was altered or written by another version of
//! the rules is refused rather than silently misread.
//!
//! [`OutcomeSpace`]: entente_core::OutcomeSpace

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use entente_core::{Issue, OutcomeSpace, Value};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::machine::Machine;
pub use crate::record::{ActorId, Objection, Reason, Record, Timestamp};

/// An option of a clause: a value index of its issue, or a free-standing number.
pub type OptionId = u32;

/// Minutes in a day, for commitment due dates.
pub const MINUTES_PER_DAY: u64 = 24 * 60;

/// The most options a clause may have (a guard against absurd inputs).
pub const MAX_OPTIONS: usize = 4096;

/// A clause of the package, numbered by the machine: the initial agenda from 0,
/// then tabled items in the order they were tabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClauseId(pub u32);

impl fmt::Display for ClauseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "clause {}", self.0)
    }
}

/// What an actor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Capacity {
    /// A delegation at the table; parties vote.
    Party,
    /// A mediator (co-mediators are several actors with this role).
    Mediator,
    /// A third state that may guarantee clauses; it may never act.
    Guarantor,
    /// The capital (or a bloc at home) of party `of`: confirms or declines what
    /// its delegation agreed ad referendum.
    Capital { of: ActorId },
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capacity::Party => f.write_str("party"),
            Capacity::Mediator => f.write_str("mediator"),
            Capacity::Guarantor => f.write_str("guarantor"),
            Capacity::Capital { of } => write!(f, "capital of {of}"),
        }
    }
}

/// A registered actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: ActorId,
    pub name: String,
    pub role: Capacity,
}

impl Actor {
    pub fn new(id: u32, name: impl Into<String>, role: Capacity) -> Self {
        Actor { id: ActorId(id), name: name.into(), role }
    }
}

/// Where a clause is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClauseState {
    /// On the agenda, no options yet.
    Open,
    /// Options in brackets, not yet agreed.
    Bracketed,
    /// Agreed by every delegation on one option, subject to the capitals.
    AdRef,
    /// Agreed and confirmed; binds only when the whole package is adopted.
    Provisional,
    /// A provisional clause put back under review by a party.
    Reopened,
    /// Taken off the agenda by the actor that raised it (final).
    Withdrawn,
}

impl fmt::Display for ClauseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClauseState::Open => "OPEN",
            ClauseState::Bracketed => "BRACKETED",
            ClauseState::AdRef => "AD_REF",
            ClauseState::Provisional => "PROVISIONAL",
            ClauseState::Reopened => "REOPENED",
            ClauseState::Withdrawn => "WITHDRAWN",
        })
    }
}

/// When a commitment falls due, counted in days from the adoption of the package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The same deadline whatever option is agreed.
    Days(u32),
    /// A deadline per option (e.g. the options are "30", "60" and "90" days);
    /// an option not listed carries no deadline (e.g. "none").
    PerOption(Vec<(OptionId, u32)>),
}

impl Deadline {
    /// The deadline in days when `option` is agreed.
    pub fn days_for(&self, option: OptionId) -> Option<u32> {
        match self {
            Deadline::Days(d) => Some(*d),
            Deadline::PerOption(list) => list.iter().find(|(o, _)| *o == option).map(|(_, d)| *d),
        }
    }

    /// A per-option deadline read from an issue whose values are numbers of
    /// days (`"30"`, `60`, `90.0`); values that are not whole non-negative
    /// numbers (`"none"`) carry no deadline. `None` if no value is a number of days.
    pub fn from_issue(issue: &Issue) -> Option<Deadline> {
        let n = u32::try_from(issue.cardinality()).ok()?;
        let mut list = Vec::new();
        for index in 0..n.min(MAX_OPTIONS as u32) {
            let days = match issue.value(index) {
                Some(Value::Int(i)) => u32::try_from(i).ok(),
                Some(Value::Real(x)) if x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x) => Some(x as u32),
                Some(Value::Text(s)) => s.trim().parse::<u32>().ok(),
                _ => None,
            };
            if let Some(days) = days {
                list.push((index, days));
            }
        }
        (!list.is_empty()).then_some(Deadline::PerOption(list))
    }
}

/// An obligation the clause creates, binding once the package is adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    /// The party that commits (`None`: every party).
    pub obligor: Option<ActorId>,
    pub deadline: Option<Deadline>,
    /// A guarantor of the commitment; its consent is then required.
    pub guarantor: Option<ActorId>,
}

/// A clause to put on the agenda: the initial agenda, or an item tabled during the talks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseSpec {
    pub title: String,
    /// The issue of the outcome space the options are value indices of, if any.
    #[serde(default)]
    pub issue: Option<u32>,
    /// The options the clause is negotiated over (non-empty, no duplicates).
    pub options: Vec<OptionId>,
    #[serde(default)]
    pub commitment: Option<Commitment>,
    /// A guarantor whose consent the clause needs (if the commitment names a
    /// guarantor too, it must be the same).
    #[serde(default)]
    pub requires_consent: Option<ActorId>,
    /// Who raised the item. On the initial agenda: anyone, or nobody. When
    /// tabled: nobody or the tabling actor itself (the machine records the
    /// tabling actor either way).
    #[serde(default)]
    pub raised_by: Option<ActorId>,
}

impl ClauseSpec {
    /// A free-standing clause over `options`.
    pub fn new(title: impl Into<String>, options: impl IntoIterator<Item = OptionId>) -> Self {
        ClauseSpec {
            title: title.into(),
            issue: None,
            options: options.into_iter().collect(),
            commitment: None,
            requires_consent: None,
            raised_by: None,
        }
    }

    /// A clause over every value of issue `issue` of `space`, titled with the
    /// issue's name. Refused if there is no such issue or it has more than
    /// [`MAX_OPTIONS`] values.
    pub fn for_issue(space: &OutcomeSpace, issue: usize) -> Result<Self, PackageError> {
        let Some(found) = space.issues().get(issue) else {
            return Err(PackageError::NoSuchIssue { issue, issues: space.issues().len() });
        };
        let n = found.cardinality();
        if n > MAX_OPTIONS as u64 {
            return Err(PackageError::TooManyOptions { title: found.name.clone(), count: n, max: MAX_OPTIONS });
        }
        let Ok(index) = u32::try_from(issue) else {
            return Err(PackageError::NoSuchIssue { issue, issues: space.issues().len() });
        };
        let mut spec = ClauseSpec::new(found.name.clone(), 0..n as u32);
        spec.issue = Some(index);
        Ok(spec)
    }

    pub fn with_commitment(mut self, commitment: Commitment) -> Self {
        self.commitment = Some(commitment);
        self
    }

    pub fn with_consent_of(mut self, guarantor: ActorId) -> Self {
        self.requires_consent = Some(guarantor);
        self
    }

    pub fn raised_by(mut self, actor: ActorId) -> Self {
        self.raised_by = Some(actor);
        self
    }

    /// The guarantor whose consent the clause needs, if any.
    pub fn guarantor(&self) -> Option<ActorId> {
        self.requires_consent.or(self.commitment.as_ref().and_then(|c| c.guarantor))
    }
}

/// Where a clause came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// On the agenda from the start (time 0), raised by `raised_by` if known.
    Agenda { raised_by: Option<ActorId> },
    /// Tabled during the talks by `by` at `at` (an off-agenda injection).
    Tabled { by: ActorId, at: Timestamp },
}

/// A guarantor's answer about a clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Pending,
    Given,
    Refused,
}

/// A guarantor whose consent a clause needs, and its answer so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuarantorConsent {
    pub guarantor: ActorId,
    pub consent: Consent,
}

/// A clause and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub id: ClauseId,
    pub title: String,
    pub issue: Option<u32>,
    pub options: Vec<OptionId>,
    pub state: ClauseState,
    /// The options in brackets (BRACKETED, and kept through AD_REF).
    pub brackets: Vec<OptionId>,
    /// The option agreed: AD_REF and PROVISIONAL; under review when REOPENED.
    pub agreed: Option<OptionId>,
    /// Each party's ad referendum agreement while BRACKETED.
    pub agreements: BTreeMap<ActorId, OptionId>,
    /// The capitals that confirmed while AD_REF.
    pub confirmations: BTreeSet<ActorId>,
    pub origin: Origin,
    pub commitment: Option<Commitment>,
    pub consent: Option<GuarantorConsent>,
}

impl Clause {
    /// Who raised the item, if known.
    pub fn raised_by(&self) -> Option<ActorId> {
        match self.origin {
            Origin::Agenda { raised_by } => raised_by,
            Origin::Tabled { by, .. } => Some(by),
        }
    }

    /// When the item was raised (0 for the initial agenda).
    pub fn raised_at(&self) -> Timestamp {
        match self.origin {
            Origin::Agenda { .. } => 0,
            Origin::Tabled { at, .. } => at,
        }
    }

    fn consent_ok(&self) -> bool {
        self.consent.is_none_or(|c| c.consent == Consent::Given)
    }
}

/// What an actor does. Who may do what is in the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Put options in brackets on an OPEN clause (→ BRACKETED). Party or mediator.
    Propose { clause: ClauseId, options: Vec<OptionId> },
    /// Replace (narrow, widen, change) the brackets of a BRACKETED clause. Party or mediator.
    Rebracket { clause: ClauseId, options: Vec<OptionId> },
    /// Agree ad referendum to one bracketed option of a BRACKETED clause (or
    /// change one's choice). Party.
    AgreeAdRef { clause: ClauseId, option: OptionId },
    /// Confirm an AD_REF clause. Capital.
    Confirm { clause: ClauseId },
    /// Decline an AD_REF clause (→ BRACKETED). Capital.
    Decline { clause: ClauseId },
    /// Give (`given: true`) or refuse consent to guarantee a clause. The guarantor it names.
    Consent { clause: ClauseId, given: bool },
    /// Put a PROVISIONAL clause under review (→ REOPENED). Party.
    Reopen { clause: ClauseId },
    /// Start a REOPENED clause afresh (→ OPEN). Party or mediator.
    Restart { clause: ClauseId },
    /// Table a new agenda item (enters OPEN). Party or mediator.
    Table { item: ClauseSpec },
    /// Withdraw an item that is not PROVISIONAL (→ WITHDRAWN). The actor that raised it.
    Withdraw { clause: ClauseId },
    /// Call the final vote on a complete package. Mediator.
    CallVote,
    /// Vote on the package while a vote is open. Party, once per vote.
    Vote { yes: bool },
    /// Withdraw the call for a vote (the vote fails). Mediator.
    CancelVote,
    /// End the talks without adoption. Mediator.
    End,
}

impl Action {
    /// A short name of the action, as used in errors.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Propose { .. } => "propose options",
            Action::Rebracket { .. } => "rebracket",
            Action::AgreeAdRef { .. } => "agree ad referendum",
            Action::Confirm { .. } => "confirm",
            Action::Decline { .. } => "decline",
            Action::Consent { .. } => "answer for consent",
            Action::Reopen { .. } => "reopen",
            Action::Restart { .. } => "restart",
            Action::Table { .. } => "table an item",
            Action::Withdraw { .. } => "withdraw an item",
            Action::CallVote => "call the vote",
            Action::Vote { .. } => "vote",
            Action::CancelVote => "withdraw the call for a vote",
            Action::End => "end the talks",
        }
    }
}

/// One actor's action at a time, with an optional reason for the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub actor: ActorId,
    pub time: Timestamp,
    pub action: Action,
    #[serde(default)]
    pub reason: Option<Reason>,
}

impl Move {
    pub fn new(actor: ActorId, time: Timestamp, action: Action) -> Self {
        Move { actor, time, action, reason: None }
    }

    pub fn because(mut self, reason: impl Into<Reason>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A commitment of the adopted package, with its due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingCommitment {
    pub obligor: Option<ActorId>,
    pub deadline_days: Option<u32>,
    /// `adoption time + deadline_days × 1440` minutes (saturating).
    pub due: Option<Timestamp>,
    pub guarantor: Option<ActorId>,
}

/// A clause of the adopted package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreedClause {
    pub clause: ClauseId,
    pub option: OptionId,
    pub commitment: Option<BindingCommitment>,
}

/// What happened, in order. Every event carries the acting actor and the time
/// of the move that caused it (and its reason, where the event is the move's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// A new agenda item, OPEN, raised by `actor` at `time`.
    ItemTabled {
        clause: ClauseId,
        item: ClauseSpec,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// The clause's brackets are now `options` (a proposal on an OPEN clause,
    /// followed by its transition, or a rebracketing).
    Bracketed {
        clause: ClauseId,
        options: Vec<OptionId>,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// A clause changed state.
    Transition {
        clause: ClauseId,
        from: ClauseState,
        to: ClauseState,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// Party `actor` agreed ad referendum to `option`.
    AdRefAgreed {
        clause: ClauseId,
        option: OptionId,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// Capital `actor` confirmed (or declined) the clause.
    CapitalDecided {
        clause: ClauseId,
        confirmed: bool,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// Guarantor `actor` gave (or refused) its consent.
    Consent {
        clause: ClauseId,
        given: bool,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    VoteCalled {
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    VoteCast {
        yes: bool,
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// The vote failed: `actor` voted no, or the mediator withdrew the call.
    /// The talks go on.
    VoteFailed {
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
    /// Every party voted yes: the package binds. `actor` cast the last vote.
    Adopted {
        package: Vec<AgreedClause>,
        actor: ActorId,
        time: Timestamp,
    },
    /// The talks ended without adoption.
    Ended {
        actor: ActorId,
        time: Timestamp,
        reason: Option<Reason>,
    },
}

impl Event {
    pub fn time(&self) -> Timestamp {
        match self {
            Event::ItemTabled { time, .. }
            | Event::Bracketed { time, .. }
            | Event::Transition { time, .. }
            | Event::AdRefAgreed { time, .. }
            | Event::CapitalDecided { time, .. }
            | Event::Consent { time, .. }
            | Event::VoteCalled { time, .. }
            | Event::VoteCast { time, .. }
            | Event::VoteFailed { time, .. }
            | Event::Adopted { time, .. }
            | Event::Ended { time, .. } => *time,
        }
    }

    /// The reason of the move that caused the event (none for an adoption).
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Event::ItemTabled { reason, .. }
            | Event::Bracketed { reason, .. }
            | Event::Transition { reason, .. }
            | Event::AdRefAgreed { reason, .. }
            | Event::CapitalDecided { reason, .. }
            | Event::Consent { reason, .. }
            | Event::VoteCalled { reason, .. }
            | Event::VoteCast { reason, .. }
            | Event::VoteFailed { reason, .. }
            | Event::Ended { reason, .. } => reason.as_ref(),
            Event::Adopted { .. } => None,
        }
    }

    pub fn actor(&self) -> ActorId {
        match self {
            Event::ItemTabled { actor, .. }
            | Event::Bracketed { actor, .. }
            | Event::Transition { actor, .. }
            | Event::AdRefAgreed { actor, .. }
            | Event::CapitalDecided { actor, .. }
            | Event::Consent { actor, .. }
            | Event::VoteCalled { actor, .. }
            | Event::VoteCast { actor, .. }
            | Event::VoteFailed { actor, .. }
            | Event::Adopted { actor, .. }
            | Event::Ended { actor, .. } => *actor,
        }
    }
}

/// Why a clause blocks adoption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BlockReason {
    /// No options proposed yet.
    Open,
    /// Options in brackets; `agreements` so far, `waiting_for` the parties that
    /// have not agreed to any option.
    Bracketed { options: Vec<OptionId>, agreements: Vec<(ActorId, OptionId)>, waiting_for: Vec<ActorId> },
    /// Agreed ad referendum on `option`, waiting for these capitals.
    AwaitingCapitals { option: OptionId, waiting_for: Vec<ActorId> },
    /// Waiting for (or refused) the guarantor's consent.
    AwaitingConsent { guarantor: ActorId, refused: bool },
    /// Under review (`under_review`: the option that was provisional).
    Reopened { under_review: Option<OptionId> },
}

/// A clause that blocks adoption, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub clause: ClauseId,
    pub why: BlockReason,
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.clause;
        match &self.why {
            BlockReason::Open => write!(f, "{c} is OPEN"),
            BlockReason::Bracketed { waiting_for, .. } if waiting_for.is_empty() => {
                write!(f, "{c} is BRACKETED: the parties agreed to different options")
            }
            BlockReason::Bracketed { waiting_for, .. } => {
                write!(f, "{c} is BRACKETED: waiting for {} to agree", list(waiting_for))
            }
            BlockReason::AwaitingCapitals { waiting_for, .. } => {
                write!(f, "{c} is AD_REF: waiting for {} to confirm", list(waiting_for))
            }
            BlockReason::AwaitingConsent { guarantor, refused: false } => {
                write!(f, "{c} waits for the consent of guarantor {guarantor}")
            }
            BlockReason::AwaitingConsent { guarantor, refused: true } => {
                write!(f, "{c}: guarantor {guarantor} refused its consent")
            }
            BlockReason::Reopened { .. } => write!(f, "{c} is REOPENED"),
        }
    }
}

/// The vote on the package, if any, and whether the talks are over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    Negotiating,
    /// A vote is open; `yes` holds the parties that voted yes so far.
    Voting {
        called_by: ActorId,
        at: Timestamp,
        yes: BTreeSet<ActorId>,
    },
    Adopted {
        by: ActorId,
        at: Timestamp,
        package: Vec<AgreedClause>,
    },
    Ended {
        by: ActorId,
        at: Timestamp,
    },
}

/// Closure of the package: clauses PROVISIONAL out of the live (not withdrawn) ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub provisional: usize,
    pub live: usize,
}

impl Closure {
    /// `provisional / live`, 0 when there is no live clause.
    pub fn ratio(&self) -> f64 {
        if self.live == 0 { 0.0 } else { self.provisional as f64 / self.live as f64 }
    }
}

/// A refused move (state unchanged), or a setup that does not hold together.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PackageError {
    // Setup and items.
    #[error("talks need at least 2 parties, not {0}")]
    TooFewParties(usize),
    #[error("two actors have the id {0}")]
    DuplicateActor(ActorId),
    #[error("{capital} is the capital of {of}, which is not a party")]
    CapitalOfNonParty { capital: ActorId, of: ActorId },
    #[error("{actor} is not a guarantor (a clause can only need the consent of a guarantor)")]
    NotAGuarantor { actor: ActorId },
    #[error("{actor} is not a party (only a party can be the obligor of a commitment)")]
    NotAParty { actor: ActorId },
    #[error("item {title:?}: an item needs a title")]
    EmptyTitle { title: String },
    #[error("item {title:?}: a clause needs at least one option")]
    NoOptions { title: String },
    #[error("item {title:?}: {count} options, more than {max}")]
    TooManyOptions { title: String, count: u64, max: usize },
    #[error("item {title:?}: option {option} is listed twice")]
    DuplicateItemOption { title: String, option: OptionId },
    #[error("item {title:?}: it needs the consent of {consent} but its commitment names {commitment} as guarantor")]
    GuarantorMismatch { title: String, consent: ActorId, commitment: ActorId },
    #[error("item {title:?}: the deadline is given for option {option}, which the clause does not have")]
    DeadlineUnknownOption { title: String, option: OptionId },
    #[error("item {title:?}: the deadline of option {option} is given twice")]
    DeadlineDuplicate { title: String, option: OptionId },
    #[error("item {title:?}: {actor} cannot table an item raised by {raised_by}")]
    RaiserMismatch { title: String, actor: ActorId, raised_by: ActorId },
    #[error("there is no issue {issue} (the outcome space has {issues})")]
    NoSuchIssue { issue: usize, issues: usize },
    #[error("the agenda cannot hold more clauses")]
    TooManyClauses,

    // Moves.
    #[error("the package has been adopted: nothing more can happen")]
    AlreadyAdopted,
    #[error("the talks have ended")]
    Ended,
    #[error("{0} is not an actor of these talks")]
    UnknownActor(ActorId),
    #[error("time went backwards: the last move was at {last}, this one is at {got}")]
    TimeWentBackwards { last: Timestamp, got: Timestamp },
    #[error("{actor} ({role}) may not {action}: only {allowed} may")]
    NotAllowed { actor: ActorId, role: Capacity, action: &'static str, allowed: &'static str },
    #[error("a vote is open: only votes, the withdrawal of the call and the end of the talks are possible")]
    VoteInProgress,
    #[error("{0} is not on the agenda")]
    UnknownClause(ClauseId),
    #[error("{clause} is {state}: cannot {action}, which needs {needs}")]
    WrongState { clause: ClauseId, state: ClauseState, action: &'static str, needs: &'static str },
    #[error("{clause}: no options given")]
    NoOptionsGiven { clause: ClauseId },
    #[error("{clause} has no option {option}")]
    NoSuchOption { clause: ClauseId, option: OptionId },
    #[error("{clause}: option {option} is given twice")]
    DuplicateOption { clause: ClauseId, option: OptionId },
    #[error("{clause}: the brackets are already these options")]
    BracketsUnchanged { clause: ClauseId },
    #[error("{clause}: option {option} is not in brackets (brackets: {})", list(.brackets))]
    NotInBrackets { clause: ClauseId, option: OptionId, brackets: Vec<OptionId> },
    #[error("{clause}: {party} has already agreed to option {option}")]
    AlreadyAgreed { clause: ClauseId, party: ActorId, option: OptionId },
    #[error("{clause}: {capital} has already confirmed")]
    AlreadyConfirmed { clause: ClauseId, capital: ActorId },
    #[error("{clause} needs no guarantor's consent")]
    NoConsentNeeded { clause: ClauseId },
    #[error("{clause} needs the consent of {guarantor}, not of {actor}")]
    NotTheGuarantor { clause: ClauseId, guarantor: ActorId, actor: ActorId },
    #[error("{clause} is PROVISIONAL: its guarantor's consent is locked until it is reopened")]
    ConsentLocked { clause: ClauseId },
    #[error("{clause}: the guarantor's answer is already {consent:?}")]
    ConsentUnchanged { clause: ClauseId, consent: Consent },
    #[error("{clause} can only be withdrawn by the actor that raised it ({})", match .raised_by { Some(a) => a.to_string(), None => "nobody: it is on the initial agenda".into() })]
    NotRaiser { clause: ClauseId, raised_by: Option<ActorId> },
    #[error("there is no vote open")]
    NoVoteOpen,
    #[error("{party} has already voted")]
    AlreadyVoted { party: ActorId },
    #[error("the package has no clause to adopt")]
    EmptyPackage,
    #[error("the package is not complete: {}", list(.blockers))]
    PackageIncomplete { blockers: Vec<Blocker> },
}

/// A log that does not replay.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ReplayError {
    #[error("the setup is refused: {0}")]
    Setup(PackageError),
    #[error("event {index} does not start a move")]
    NotAMove { index: usize },
    #[error("event {index}: the move is refused: {error}")]
    Refused { index: usize, error: PackageError },
    #[error("event {index}: the log says {logged:?}, the move produces {produced:?}")]
    Diverged { index: usize, logged: Option<Box<Event>>, produced: Option<Box<Event>> },
}

/// Who may do something.
#[derive(Clone, Copy)]
enum Who {
    Party,
    PartyOrMediator,
    Capital,
    Guarantor,
    /// The mediator; any party when the talks have no mediator.
    Chair,
}

impl Machine for Package {
    type Move = Move;
    type Event = Event;
    type Error = PackageError;

    fn apply(&mut self, mv: &Move, sink: &mut dyn FnMut(Event)) -> Result<(), PackageError> {
        Package::act(self, mv, &mut |e| sink(e))
    }

    fn move_of(&self, events: &[Event]) -> Option<Move> {
        self.move_of_event(events.first()?)
    }
}

impl Package {
    /// [`Package::act`], each event in its [`Record`] (sequence number,
    /// actor, time, reason).
    pub fn act_recorded(&mut self, mv: &Move, sink: &mut dyn FnMut(Record<Event>)) -> Result<(), PackageError> {
        let mut seq = self.records;
        Package::act(self, mv, &mut |event| {
            sink(Record { seq, actor: event.actor(), time: event.time(), reason: mv.reason.clone(), event });
            seq += 1;
        })
    }

    /// Continues from this state with `records` (the envelopes this machine
    /// emitted next): each record's envelope must agree with its event, and
    /// the moves replay through the one contract ([`crate::machine::replay`]).
    pub fn replay_from(self, records: &[Record<Event>]) -> Result<Self, ReplayError> {
        for (index, r) in records.iter().enumerate() {
            if r.seq != self.records + index as u64 || r.time != r.event.time() || r.actor != r.event.actor() {
                return Err(ReplayError::NotAMove { index });
            }
        }
        let events: Vec<Event> = records.iter().map(|r| r.event.clone()).collect();
        crate::machine::replay(self, &events).map_err(|e| match e {
            crate::machine::ReplayError::NotAMove { index } => ReplayError::NotAMove { index },
            crate::machine::ReplayError::Refused { index, error } => ReplayError::Refused { index, error },
            crate::machine::ReplayError::Diverged { index, logged, produced } => {
                ReplayError::Diverged { index, logged, produced }
            }
        })
    }
}

/// The acting actor, time and reason of the move being applied.
struct Ctx<'a> {
    actor: ActorId,
    time: Timestamp,
    reason: &'a Option<Reason>,
}

/// The package protocol's state machine.
///
/// Its state serialises with serde; deserialising one trusts it as it is. To
/// rebuild talks from storage that may have been altered, replay the setup and
/// the event log with [`Package::replay`], which checks every step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    actors: Vec<Actor>,
    clauses: Vec<Clause>,
    status: Status,
    /// The time of the last accepted move.
    time: Timestamp,
    /// How many events the machine has emitted (the next record's `seq`).
    #[serde(default)]
    records: u64,
}

impl Package {
    /// Talks between `actors` (at least two parties; ids unique; capitals of
    /// parties) on the initial `agenda` (which may be empty: items can be
    /// tabled later). Initial clauses are numbered 0, 1, ... and start OPEN.
    pub fn new(actors: Vec<Actor>, agenda: Vec<ClauseSpec>) -> Result<Self, PackageError> {
        let mut seen = BTreeSet::new();
        for a in &actors {
            if !seen.insert(a.id) {
                return Err(PackageError::DuplicateActor(a.id));
            }
        }
        for a in &actors {
            if let Capacity::Capital { of } = a.role
                && !actors.iter().any(|p| p.id == of && p.role == Capacity::Party)
            {
                return Err(PackageError::CapitalOfNonParty { capital: a.id, of });
            }
        }
        let parties = actors.iter().filter(|a| a.role == Capacity::Party).count();
        if parties < 2 {
            return Err(PackageError::TooFewParties(parties));
        }
        let mut package = Package { actors, clauses: Vec::new(), status: Status::Negotiating, time: 0, records: 0 };
        for spec in agenda {
            if let Some(raiser) = spec.raised_by
                && package.role_of(raiser).is_err()
            {
                return Err(PackageError::UnknownActor(raiser));
            }
            let id = package.next_clause_id()?;
            let clause = package.clause_from(id, spec.clone(), Origin::Agenda { raised_by: spec.raised_by })?;
            package.clauses.push(clause);
        }
        Ok(package)
    }

    /// Rebuilds talks from their setup and event log: the first event of each
    /// move gives the move, which is applied again and must produce exactly the
    /// logged events. The result equals the state that produced the log.
    pub fn replay(actors: Vec<Actor>, agenda: Vec<ClauseSpec>, events: &[Event]) -> Result<Self, ReplayError> {
        let records: Vec<Record<Event>> = events
            .iter()
            .enumerate()
            .map(|(seq, e)| Record {
                seq: seq as u64,
                actor: e.actor(),
                time: e.time(),
                reason: e.reason().cloned(),
                event: e.clone(),
            })
            .collect();
        Package::replay_records(actors, agenda, &records)
    }

    /// [`Package::replay`] over records (the machine's envelopes).
    pub fn replay_records(
        actors: Vec<Actor>,
        agenda: Vec<ClauseSpec>,
        records: &[Record<Event>],
    ) -> Result<Self, ReplayError> {
        Package::new(actors, agenda).map_err(ReplayError::Setup)?.replay_from(records)
    }

    /// The move that `event` starts, if it is the first event of a move.
    fn move_of_event(&self, event: &Event) -> Option<Move> {
        let (actor, time, reason, action) = match event.clone() {
            Event::ItemTabled { item, actor, time, reason, .. } => (actor, time, reason, Action::Table { item }),
            Event::Bracketed { clause, options, actor, time, reason } => {
                let action = match self.clause(clause)?.state {
                    ClauseState::Open => Action::Propose { clause, options },
                    _ => Action::Rebracket { clause, options },
                };
                (actor, time, reason, action)
            }
            Event::Transition { clause, from, to, actor, time, reason } => {
                let action = match (from, to) {
                    (ClauseState::Provisional, ClauseState::Reopened) => Action::Reopen { clause },
                    (ClauseState::Reopened, ClauseState::Open) => Action::Restart { clause },
                    (_, ClauseState::Withdrawn) => Action::Withdraw { clause },
                    _ => return None,
                };
                (actor, time, reason, action)
            }
            Event::AdRefAgreed { clause, option, actor, time, reason } => {
                (actor, time, reason, Action::AgreeAdRef { clause, option })
            }
            Event::CapitalDecided { clause, confirmed, actor, time, reason } => {
                let action = if confirmed { Action::Confirm { clause } } else { Action::Decline { clause } };
                (actor, time, reason, action)
            }
            Event::Consent { clause, given, actor, time, reason } => {
                (actor, time, reason, Action::Consent { clause, given })
            }
            Event::VoteCalled { actor, time, reason } => (actor, time, reason, Action::CallVote),
            Event::VoteCast { yes, actor, time, reason } => (actor, time, reason, Action::Vote { yes }),
            Event::VoteFailed { actor, time, reason } => (actor, time, reason, Action::CancelVote),
            Event::Ended { actor, time, reason } => (actor, time, reason, Action::End),
            Event::Adopted { .. } => return None,
        };
        Some(Move { actor, time, action, reason })
    }

    // ----- queries -----

    pub fn actors(&self) -> &[Actor] {
        &self.actors
    }

    pub fn actor(&self, id: ActorId) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }

    /// The parties, in registration order.
    pub fn parties(&self) -> impl Iterator<Item = ActorId> + '_ {
        self.actors.iter().filter(|a| a.role == Capacity::Party).map(|a| a.id)
    }

    /// The capitals of `party`.
    pub fn capitals_of(&self, party: ActorId) -> impl Iterator<Item = ActorId> + '_ {
        self.actors.iter().filter(move |a| a.role == Capacity::Capital { of: party }).map(|a| a.id)
    }

    /// Every clause, withdrawn ones included, by id.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    pub fn clause(&self, id: ClauseId) -> Option<&Clause> {
        self.clauses.get(id.0 as usize)
    }

    /// Every clause's state, by id.
    pub fn states(&self) -> Vec<(ClauseId, ClauseState)> {
        self.clauses.iter().map(|c| (c.id, c.state)).collect()
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The time of the last accepted move (0 before any).
    pub fn time(&self) -> Timestamp {
        self.time
    }

    pub fn is_adopted(&self) -> bool {
        matches!(self.status, Status::Adopted { .. })
    }

    /// Adopted or ended: no move will be accepted any more.
    pub fn is_closed(&self) -> bool {
        matches!(self.status, Status::Adopted { .. } | Status::Ended { .. })
    }

    /// The adopted package, once adopted.
    pub fn adopted(&self) -> Option<&[AgreedClause]> {
        match &self.status {
            Status::Adopted { package, .. } => Some(package),
            _ => None,
        }
    }

    /// How many live clauses are PROVISIONAL.
    pub fn closure(&self) -> Closure {
        let live = self.clauses.iter().filter(|c| c.state != ClauseState::Withdrawn);
        let (mut provisional, mut total) = (0, 0);
        for c in live {
            total += 1;
            provisional += usize::from(c.state == ClauseState::Provisional);
        }
        Closure { provisional, live: total }
    }

    /// The share of live clauses that are PROVISIONAL (0 with no live clause).
    pub fn closure_ratio(&self) -> f64 {
        self.closure().ratio()
    }

    /// The current text: for every live clause, the agreed option (AD_REF or
    /// PROVISIONAL), or `None`.
    pub fn current_text(&self) -> Vec<(ClauseId, Option<OptionId>)> {
        self.clauses
            .iter()
            .filter(|c| c.state != ClauseState::Withdrawn)
            .map(|c| {
                (c.id, matches!(c.state, ClauseState::AdRef | ClauseState::Provisional).then_some(c.agreed).flatten())
            })
            .collect()
    }

    /// The clauses that block adoption, and why (empty when every live clause is
    /// PROVISIONAL; a clause may appear twice, e.g. waiting for capitals and consent).
    pub fn blockers(&self) -> Vec<Blocker> {
        let mut out = Vec::new();
        for c in self.clauses.iter().filter(|c| c.state != ClauseState::Withdrawn) {
            let why = match c.state {
                ClauseState::Open => Some(BlockReason::Open),
                ClauseState::Bracketed => Some(BlockReason::Bracketed {
                    options: c.brackets.clone(),
                    agreements: c.agreements.iter().map(|(a, o)| (*a, *o)).collect(),
                    waiting_for: self.parties().filter(|p| !c.agreements.contains_key(p)).collect(),
                }),
                ClauseState::AdRef => {
                    let waiting_for: Vec<ActorId> = self.capitals().filter(|k| !c.confirmations.contains(k)).collect();
                    match c.agreed {
                        Some(option) if !waiting_for.is_empty() => {
                            Some(BlockReason::AwaitingCapitals { option, waiting_for })
                        }
                        _ => None,
                    }
                }
                ClauseState::Reopened => Some(BlockReason::Reopened { under_review: c.agreed }),
                ClauseState::Provisional | ClauseState::Withdrawn => None,
            };
            if let Some(why) = why {
                out.push(Blocker { clause: c.id, why });
            }
            if matches!(c.state, ClauseState::AdRef | ClauseState::Provisional)
                && let Some(g) = c.consent
                && g.consent != Consent::Given
            {
                let why =
                    BlockReason::AwaitingConsent { guarantor: g.guarantor, refused: g.consent == Consent::Refused };
                out.push(Blocker { clause: c.id, why });
            }
        }
        out
    }

    /// Whether `mv` would be accepted now, without applying it.
    pub fn check(&self, mv: &Move) -> Result<(), PackageError> {
        self.clone().act(mv, &mut |_| {})
    }

    // ----- the machine -----

    /// Applies a move. A refused move returns the reason, emits nothing and
    /// changes nothing. Checks, in order: the talks are open; the actor is
    /// known; time does not go back; no vote is open (unless voting, withdrawing
    /// the call or ending); the actor's role; the clause; its state; the arguments.
    pub fn act(&mut self, mv: &Move, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        let mut emitted = 0;
        let result = self.apply(mv, &mut |e| {
            emitted += 1;
            sink(e)
        });
        self.records += emitted;
        result
    }

    /// How many events the machine has emitted so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    fn apply(&mut self, mv: &Move, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        match self.status {
            Status::Adopted { .. } => return Err(PackageError::AlreadyAdopted),
            Status::Ended { .. } => return Err(PackageError::Ended),
            Status::Negotiating | Status::Voting { .. } => {}
        }
        self.role_of(mv.actor)?;
        if mv.time < self.time {
            return Err(PackageError::TimeWentBackwards { last: self.time, got: mv.time });
        }
        if matches!(self.status, Status::Voting { .. })
            && !matches!(mv.action, Action::Vote { .. } | Action::CancelVote | Action::End)
        {
            return Err(PackageError::VoteInProgress);
        }
        let cx = Ctx { actor: mv.actor, time: mv.time, reason: &mv.reason };
        let name = mv.action.name();
        match &mv.action {
            Action::Propose { clause, options } => self.propose(&cx, *clause, options, name, sink)?,
            Action::Rebracket { clause, options } => self.rebracket(&cx, *clause, options, name, sink)?,
            Action::AgreeAdRef { clause, option } => self.agree(&cx, *clause, *option, name, sink)?,
            Action::Confirm { clause } => self.confirm(&cx, *clause, name, sink)?,
            Action::Decline { clause } => self.decline(&cx, *clause, name, sink)?,
            Action::Consent { clause, given } => self.consent(&cx, *clause, *given, name, sink)?,
            Action::Reopen { clause } => self.reopen(&cx, *clause, name, sink)?,
            Action::Restart { clause } => self.restart(&cx, *clause, name, sink)?,
            Action::Table { item } => self.table(&cx, item, name, sink)?,
            Action::Withdraw { clause } => self.withdraw(&cx, *clause, name, sink)?,
            Action::CallVote => self.call_vote(&cx, name, sink)?,
            Action::Vote { yes } => self.vote(&cx, *yes, name, sink)?,
            Action::CancelVote => self.cancel_vote(&cx, name, sink)?,
            Action::End => self.end(&cx, name, sink)?,
        }
        self.time = mv.time;
        Ok(())
    }

    fn propose(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        options: &[OptionId],
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::PartyOrMediator, name)?;
        let c = self.clause_in(clause, &[ClauseState::Open], name, "OPEN")?;
        check_selection(c, options)?;
        let c = self.clause_mut(clause)?;
        c.brackets = options.to_vec();
        sink(Event::Bracketed {
            clause,
            options: options.to_vec(),
            actor: cx.actor,
            time: cx.time,
            reason: cx.reason.clone(),
        });
        self.transition(cx, clause, ClauseState::Bracketed, sink)
    }

    fn rebracket(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        options: &[OptionId],
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::PartyOrMediator, name)?;
        let c = self.clause_in(clause, &[ClauseState::Bracketed], name, "BRACKETED")?;
        check_selection(c, options)?;
        let (mut old, mut new) = (c.brackets.clone(), options.to_vec());
        old.sort_unstable();
        new.sort_unstable();
        if old == new {
            return Err(PackageError::BracketsUnchanged { clause });
        }
        let c = self.clause_mut(clause)?;
        c.brackets = options.to_vec();
        c.agreements.retain(|_, o| options.contains(o));
        sink(Event::Bracketed {
            clause,
            options: options.to_vec(),
            actor: cx.actor,
            time: cx.time,
            reason: cx.reason.clone(),
        });
        Ok(())
    }

    fn agree(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        option: OptionId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Party, name)?;
        let c = self.clause_in(clause, &[ClauseState::Bracketed], name, "BRACKETED")?;
        if !c.brackets.contains(&option) {
            return Err(PackageError::NotInBrackets { clause, option, brackets: c.brackets.clone() });
        }
        if c.agreements.get(&cx.actor) == Some(&option) {
            return Err(PackageError::AlreadyAgreed { clause, party: cx.actor, option });
        }
        let parties: Vec<ActorId> = self.parties().collect();
        let c = self.clause_mut(clause)?;
        c.agreements.insert(cx.actor, option);
        sink(Event::AdRefAgreed { clause, option, actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        if parties.iter().all(|p| c.agreements.get(p) == Some(&option)) {
            c.agreed = Some(option);
            c.agreements.clear();
            c.confirmations.clear();
            self.transition(cx, clause, ClauseState::AdRef, sink)?;
            self.settle(cx, clause, sink)?;
        }
        Ok(())
    }

    fn confirm(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Capital, name)?;
        let c = self.clause_in(clause, &[ClauseState::AdRef], name, "AD_REF")?;
        if c.confirmations.contains(&cx.actor) {
            return Err(PackageError::AlreadyConfirmed { clause, capital: cx.actor });
        }
        let c = self.clause_mut(clause)?;
        c.confirmations.insert(cx.actor);
        sink(Event::CapitalDecided {
            clause,
            confirmed: true,
            actor: cx.actor,
            time: cx.time,
            reason: cx.reason.clone(),
        });
        self.settle(cx, clause, sink)
    }

    fn decline(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Capital, name)?;
        self.clause_in(clause, &[ClauseState::AdRef], name, "AD_REF")?;
        let c = self.clause_mut(clause)?;
        c.agreed = None;
        c.agreements.clear();
        c.confirmations.clear();
        sink(Event::CapitalDecided {
            clause,
            confirmed: false,
            actor: cx.actor,
            time: cx.time,
            reason: cx.reason.clone(),
        });
        self.transition(cx, clause, ClauseState::Bracketed, sink)
    }

    fn consent(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        given: bool,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Guarantor, name)?;
        let c = self.clause_in(
            clause,
            &[
                ClauseState::Open,
                ClauseState::Bracketed,
                ClauseState::AdRef,
                ClauseState::Provisional,
                ClauseState::Reopened,
            ],
            name,
            "a clause that is not withdrawn",
        )?;
        let Some(g) = c.consent else {
            return Err(PackageError::NoConsentNeeded { clause });
        };
        if g.guarantor != cx.actor {
            return Err(PackageError::NotTheGuarantor { clause, guarantor: g.guarantor, actor: cx.actor });
        }
        if c.state == ClauseState::Provisional {
            return Err(PackageError::ConsentLocked { clause });
        }
        let answer = if given { Consent::Given } else { Consent::Refused };
        if g.consent == answer {
            return Err(PackageError::ConsentUnchanged { clause, consent: answer });
        }
        let c = self.clause_mut(clause)?;
        c.consent = Some(GuarantorConsent { guarantor: g.guarantor, consent: answer });
        sink(Event::Consent { clause, given, actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        self.settle(cx, clause, sink)
    }

    fn reopen(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Party, name)?;
        self.clause_in(clause, &[ClauseState::Provisional], name, "PROVISIONAL")?;
        let c = self.clause_mut(clause)?;
        c.confirmations.clear();
        self.transition(cx, clause, ClauseState::Reopened, sink)
    }

    fn restart(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::PartyOrMediator, name)?;
        self.clause_in(clause, &[ClauseState::Reopened], name, "REOPENED")?;
        let c = self.clause_mut(clause)?;
        c.brackets.clear();
        c.agreed = None;
        c.agreements.clear();
        c.confirmations.clear();
        if let Some(g) = &mut c.consent {
            g.consent = Consent::Pending;
        }
        self.transition(cx, clause, ClauseState::Open, sink)
    }

    fn table(
        &mut self,
        cx: &Ctx,
        item: &ClauseSpec,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::PartyOrMediator, name)?;
        if let Some(raised_by) = item.raised_by
            && raised_by != cx.actor
        {
            return Err(PackageError::RaiserMismatch { title: item.title.clone(), actor: cx.actor, raised_by });
        }
        let id = self.next_clause_id()?;
        let clause = self.clause_from(id, item.clone(), Origin::Tabled { by: cx.actor, at: cx.time })?;
        self.clauses.push(clause);
        sink(Event::ItemTabled {
            clause: id,
            item: item.clone(),
            actor: cx.actor,
            time: cx.time,
            reason: cx.reason.clone(),
        });
        Ok(())
    }

    fn withdraw(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::PartyOrMediator, name)?;
        let c = self.clause(clause).ok_or(PackageError::UnknownClause(clause))?;
        if c.raised_by() != Some(cx.actor) {
            return Err(PackageError::NotRaiser { clause, raised_by: c.raised_by() });
        }
        self.clause_in(
            clause,
            &[ClauseState::Open, ClauseState::Bracketed, ClauseState::AdRef, ClauseState::Reopened],
            name,
            "OPEN, BRACKETED, AD_REF or REOPENED (reopen a PROVISIONAL clause first)",
        )?;
        let c = self.clause_mut(clause)?;
        c.agreements.clear();
        c.confirmations.clear();
        self.transition(cx, clause, ClauseState::Withdrawn, sink)
    }

    fn call_vote(&mut self, cx: &Ctx, name: &'static str, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Chair, name)?;
        self.package_text(cx.time)?;
        self.status = Status::Voting { called_by: cx.actor, at: cx.time, yes: BTreeSet::new() };
        sink(Event::VoteCalled { actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        Ok(())
    }

    fn vote(
        &mut self,
        cx: &Ctx,
        yes: bool,
        name: &'static str,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Party, name)?;
        let Status::Voting { yes: ayes, .. } = &self.status else {
            return Err(PackageError::NoVoteOpen);
        };
        if ayes.contains(&cx.actor) {
            return Err(PackageError::AlreadyVoted { party: cx.actor });
        }
        let cast = Event::VoteCast { yes, actor: cx.actor, time: cx.time, reason: cx.reason.clone() };
        if !yes {
            self.status = Status::Negotiating;
            sink(cast);
            sink(Event::VoteFailed { actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
            return Ok(());
        }
        let complete = self.parties().all(|p| p == cx.actor || ayes.contains(&p));
        if complete {
            // Checked before anything changes, though a complete package cannot
            // have changed while the vote was open.
            let package = self.package_text(cx.time)?;
            self.status = Status::Adopted { by: cx.actor, at: cx.time, package: package.clone() };
            sink(cast);
            sink(Event::Adopted { package, actor: cx.actor, time: cx.time });
        } else {
            if let Status::Voting { yes: ayes, .. } = &mut self.status {
                ayes.insert(cx.actor);
            }
            sink(cast);
        }
        Ok(())
    }

    fn cancel_vote(&mut self, cx: &Ctx, name: &'static str, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Chair, name)?;
        if !matches!(self.status, Status::Voting { .. }) {
            return Err(PackageError::NoVoteOpen);
        }
        self.status = Status::Negotiating;
        sink(Event::VoteFailed { actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        Ok(())
    }

    fn end(&mut self, cx: &Ctx, name: &'static str, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        self.require(cx.actor, Who::Chair, name)?;
        self.status = Status::Ended { by: cx.actor, at: cx.time };
        sink(Event::Ended { actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        Ok(())
    }

    // ----- helpers -----

    fn capitals(&self) -> impl Iterator<Item = ActorId> + '_ {
        self.actors.iter().filter(|a| matches!(a.role, Capacity::Capital { .. })).map(|a| a.id)
    }

    fn role_of(&self, actor: ActorId) -> Result<Capacity, PackageError> {
        self.actor(actor).map(|a| a.role).ok_or(PackageError::UnknownActor(actor))
    }

    fn require(&self, actor: ActorId, who: Who, action: &'static str) -> Result<(), PackageError> {
        let role = self.role_of(actor)?;
        let has_mediator = self.actors.iter().any(|a| a.role == Capacity::Mediator);
        let (ok, allowed) = match who {
            Who::Party => (role == Capacity::Party, "a party"),
            Who::PartyOrMediator => (matches!(role, Capacity::Party | Capacity::Mediator), "a party or a mediator"),
            Who::Capital => (matches!(role, Capacity::Capital { .. }), "a capital"),
            Who::Guarantor => (role == Capacity::Guarantor, "a guarantor"),
            Who::Chair if has_mediator => (role == Capacity::Mediator, "a mediator"),
            Who::Chair => (role == Capacity::Party, "a party (there is no mediator)"),
        };
        if ok { Ok(()) } else { Err(PackageError::NotAllowed { actor, role, action, allowed }) }
    }

    /// The clause, if it exists and is in one of `states`.
    fn clause_in(
        &self,
        clause: ClauseId,
        states: &[ClauseState],
        action: &'static str,
        needs: &'static str,
    ) -> Result<&Clause, PackageError> {
        let c = self.clause(clause).ok_or(PackageError::UnknownClause(clause))?;
        if states.contains(&c.state) {
            Ok(c)
        } else {
            Err(PackageError::WrongState { clause, state: c.state, action, needs })
        }
    }

    fn clause_mut(&mut self, clause: ClauseId) -> Result<&mut Clause, PackageError> {
        self.clauses.get_mut(clause.0 as usize).ok_or(PackageError::UnknownClause(clause))
    }

    fn next_clause_id(&self) -> Result<ClauseId, PackageError> {
        u32::try_from(self.clauses.len())
            .ok()
            .filter(|&n| n < u32::MAX)
            .map(ClauseId)
            .ok_or(PackageError::TooManyClauses)
    }

    /// Moves the clause to `to`, logging the transition.
    fn transition(
        &mut self,
        cx: &Ctx,
        clause: ClauseId,
        to: ClauseState,
        sink: &mut impl FnMut(Event),
    ) -> Result<(), PackageError> {
        let c = self.clause_mut(clause)?;
        let from = c.state;
        c.state = to;
        sink(Event::Transition { clause, from, to, actor: cx.actor, time: cx.time, reason: cx.reason.clone() });
        Ok(())
    }

    /// AD_REF → PROVISIONAL once every capital confirmed and the consent is given.
    fn settle(&mut self, cx: &Ctx, clause: ClauseId, sink: &mut impl FnMut(Event)) -> Result<(), PackageError> {
        let capitals: Vec<ActorId> = self.capitals().collect();
        let c = self.clause(clause).ok_or(PackageError::UnknownClause(clause))?;
        if c.state == ClauseState::AdRef && capitals.iter().all(|k| c.confirmations.contains(k)) && c.consent_ok() {
            self.transition(cx, clause, ClauseState::Provisional, sink)?;
        }
        Ok(())
    }

    /// The package as it would be adopted at `time`, or why it cannot be.
    fn package_text(&self, time: Timestamp) -> Result<Vec<AgreedClause>, PackageError> {
        let blockers = self.blockers();
        if !blockers.is_empty() {
            return Err(PackageError::PackageIncomplete { blockers });
        }
        let mut package = Vec::new();
        for c in self.clauses.iter().filter(|c| c.state != ClauseState::Withdrawn) {
            let (ClauseState::Provisional, Some(option), true) = (c.state, c.agreed, c.consent_ok()) else {
                // Unreachable when there is no blocker; refuse rather than adopt.
                return Err(PackageError::PackageIncomplete {
                    blockers: vec![Blocker { clause: c.id, why: BlockReason::Open }],
                });
            };
            let commitment = c.commitment.as_ref().map(|k| {
                let deadline_days = k.deadline.as_ref().and_then(|d| d.days_for(option));
                BindingCommitment {
                    obligor: k.obligor,
                    deadline_days,
                    due: deadline_days.map(|d| time.saturating_add(u64::from(d).saturating_mul(MINUTES_PER_DAY))),
                    guarantor: k.guarantor,
                }
            });
            package.push(AgreedClause { clause: c.id, option, commitment });
        }
        if package.is_empty() {
            return Err(PackageError::EmptyPackage);
        }
        Ok(package)
    }

    /// A clause from a checked spec.
    fn clause_from(&self, id: ClauseId, spec: ClauseSpec, origin: Origin) -> Result<Clause, PackageError> {
        let title = spec.title.clone();
        if spec.title.trim().is_empty() {
            return Err(PackageError::EmptyTitle { title });
        }
        if spec.options.is_empty() {
            return Err(PackageError::NoOptions { title });
        }
        if spec.options.len() > MAX_OPTIONS {
            return Err(PackageError::TooManyOptions { title, count: spec.options.len() as u64, max: MAX_OPTIONS });
        }
        if let Some(option) = first_duplicate(&spec.options) {
            return Err(PackageError::DuplicateItemOption { title, option });
        }
        if let (Some(consent), Some(commitment)) =
            (spec.requires_consent, spec.commitment.as_ref().and_then(|c| c.guarantor))
            && consent != commitment
        {
            return Err(PackageError::GuarantorMismatch { title, consent, commitment });
        }
        if let Some(g) = spec.guarantor()
            && self.role_of(g)? != Capacity::Guarantor
        {
            return Err(PackageError::NotAGuarantor { actor: g });
        }
        if let Some(commitment) = &spec.commitment {
            if let Some(obligor) = commitment.obligor
                && self.role_of(obligor)? != Capacity::Party
            {
                return Err(PackageError::NotAParty { actor: obligor });
            }
            if let Some(Deadline::PerOption(list)) = &commitment.deadline {
                let mut seen = BTreeSet::new();
                for (option, _) in list {
                    if !spec.options.contains(option) {
                        return Err(PackageError::DeadlineUnknownOption { title, option: *option });
                    }
                    if !seen.insert(*option) {
                        return Err(PackageError::DeadlineDuplicate { title, option: *option });
                    }
                }
            }
        }
        let consent = spec.guarantor().map(|guarantor| GuarantorConsent { guarantor, consent: Consent::Pending });
        Ok(Clause {
            id,
            title: spec.title,
            issue: spec.issue,
            options: spec.options,
            state: ClauseState::Open,
            brackets: Vec::new(),
            agreed: None,
            agreements: BTreeMap::new(),
            confirmations: BTreeSet::new(),
            origin,
            commitment: spec.commitment,
            consent,
        })
    }
}

/// Options for brackets: non-empty, the clause's own, no duplicates.
fn check_selection(c: &Clause, options: &[OptionId]) -> Result<(), PackageError> {
    if options.is_empty() {
        return Err(PackageError::NoOptionsGiven { clause: c.id });
    }
    if let Some(&option) = options.iter().find(|o| !c.options.contains(o)) {
        return Err(PackageError::NoSuchOption { clause: c.id, option });
    }
    if let Some(option) = first_duplicate(options) {
        return Err(PackageError::DuplicateOption { clause: c.id, option });
    }
    Ok(())
}

fn first_duplicate(options: &[OptionId]) -> Option<OptionId> {
    let mut seen = BTreeSet::new();
    options.iter().copied().find(|o| !seen.insert(*o))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ActorId = ActorId(0); // party
    const B: ActorId = ActorId(1); // party, with a capital
    const M: ActorId = ActorId(2); // mediator
    const K: ActorId = ActorId(3); // B's capital
    const G: ActorId = ActorId(4); // guarantor
    const C0: ClauseId = ClauseId(0);
    const C1: ClauseId = ClauseId(1);

    fn actors() -> Vec<Actor> {
        vec![
            Actor::new(0, "pakistan", Capacity::Party),
            Actor::new(1, "afghanistan", Capacity::Party),
            Actor::new(2, "mediators", Capacity::Mediator),
            Actor::new(3, "kabul", Capacity::Capital { of: B }),
            Actor::new(4, "united_states", Capacity::Guarantor),
        ]
    }

    fn dismantle() -> ClauseSpec {
        ClauseSpec::new("dismantle_days", [0, 1, 2, 3]).raised_by(A).with_commitment(Commitment {
            obligor: Some(B),
            deadline: Some(Deadline::PerOption(vec![(1, 90), (2, 60), (3, 30)])),
            guarantor: None,
        })
    }

    fn talks() -> Package {
        Package::new(actors(), vec![ClauseSpec::new("assurances", [0, 1, 2]).raised_by(A), dismantle()]).unwrap()
    }

    fn mv(actor: ActorId, time: Timestamp, action: Action) -> Move {
        Move::new(actor, time, action)
    }

    /// Applies a move that must be accepted; returns its events.
    fn ok(p: &mut Package, m: Move) -> Vec<Event> {
        let mut events = Vec::new();
        if let Err(e) = p.act(&m, &mut |e| events.push(e)) {
            panic!("{m:?} refused: {e}");
        }
        events
    }

    /// Applies a move that must be refused: checks that nothing changed and returns the error.
    fn refused(p: &mut Package, m: Move) -> PackageError {
        let before = p.clone();
        let mut events = Vec::new();
        let Err(e) = p.act(&m, &mut |e| events.push(e)) else { panic!("{m:?} accepted") };
        assert!(events.is_empty(), "a refused move emitted {events:?}");
        assert_eq!(*p, before, "a refused move changed the state");
        assert_eq!(p.check(&m), Err(e.clone()));
        e
    }

    /// Clause `c` of `p` to PROVISIONAL on `option` (with B's capital confirming).
    fn close(p: &mut Package, c: ClauseId, option: OptionId, t: Timestamp) {
        ok(p, mv(M, t, Action::Propose { clause: c, options: vec![option] }));
        ok(p, mv(A, t, Action::AgreeAdRef { clause: c, option }));
        ok(p, mv(B, t, Action::AgreeAdRef { clause: c, option }));
        ok(p, mv(K, t, Action::Confirm { clause: c }));
        assert_eq!(p.clause(c).unwrap().state, ClauseState::Provisional);
    }

    fn tr(clause: ClauseId, from: ClauseState, to: ClauseState, actor: ActorId, time: Timestamp) -> Event {
        Event::Transition { clause, from, to, actor, time, reason: None }
    }

    #[test]
    fn the_full_course_logs_every_transition_and_adopts() {
        use ClauseState::*;
        let mut p = talks();
        let e = ok(&mut p, mv(M, 10, Action::Propose { clause: C0, options: vec![0, 2] }).because("mediators' text"));
        assert_eq!(
            e,
            vec![
                Event::Bracketed {
                    clause: C0,
                    options: vec![0, 2],
                    actor: M,
                    time: 10,
                    reason: Some("mediators' text".into())
                },
                Event::Transition {
                    clause: C0,
                    from: Open,
                    to: Bracketed,
                    actor: M,
                    time: 10,
                    reason: Some("mediators' text".into())
                },
            ]
        );
        let e = ok(&mut p, mv(A, 20, Action::AgreeAdRef { clause: C0, option: 2 }));
        assert_eq!(e, vec![Event::AdRefAgreed { clause: C0, option: 2, actor: A, time: 20, reason: None }]);
        let e = ok(&mut p, mv(B, 30, Action::AgreeAdRef { clause: C0, option: 2 }));
        assert_eq!(e[1], tr(C0, Bracketed, AdRef, B, 30));
        assert_eq!(e.len(), 2, "B has a capital: the clause waits AD_REF");
        assert_eq!(p.current_text(), vec![(C0, Some(2)), (C1, None)]);
        assert_eq!(p.clause(C0).unwrap().agreed, Some(2));
        let e = ok(&mut p, mv(K, 40, Action::Confirm { clause: C0 }));
        assert_eq!(
            e,
            vec![
                Event::CapitalDecided { clause: C0, confirmed: true, actor: K, time: 40, reason: None },
                tr(C0, AdRef, Provisional, K, 40),
            ]
        );
        assert_eq!(p.closure(), Closure { provisional: 1, live: 2 });
        assert_eq!(p.closure_ratio(), 0.5);
        close(&mut p, C1, 2, 50);
        assert!(p.blockers().is_empty());
        ok(&mut p, mv(M, 60, Action::CallVote));
        assert_eq!(ok(&mut p, mv(A, 61, Action::Vote { yes: true })).len(), 1);
        let e = ok(&mut p, mv(B, 62, Action::Vote { yes: true }));
        let package = vec![
            AgreedClause { clause: C0, option: 2, commitment: None },
            AgreedClause {
                clause: C1,
                option: 2,
                commitment: Some(BindingCommitment {
                    obligor: Some(B),
                    deadline_days: Some(60),
                    due: Some(62 + 60 * MINUTES_PER_DAY),
                    guarantor: None,
                }),
            },
        ];
        assert_eq!(e[1], Event::Adopted { package: package.clone(), actor: B, time: 62 });
        assert!(p.is_adopted() && p.is_closed());
        assert_eq!(p.adopted(), Some(&package[..]));
        assert_eq!(refused(&mut p, mv(M, 70, Action::End)), PackageError::AlreadyAdopted);
    }

    #[test]
    fn without_capitals_ad_ref_becomes_provisional_in_the_same_move() {
        use ClauseState::*;
        let actors = vec![Actor::new(0, "a", Capacity::Party), Actor::new(1, "b", Capacity::Party)];
        let mut p = Package::new(actors, vec![ClauseSpec::new("x", [5, 6])]).unwrap();
        ok(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![5, 6] }));
        ok(&mut p, mv(A, 2, Action::AgreeAdRef { clause: C0, option: 6 }));
        let e = ok(&mut p, mv(B, 3, Action::AgreeAdRef { clause: C0, option: 6 }).because("fine"));
        let r = Some(Reason::from("fine"));
        assert_eq!(
            e[1..],
            [
                Event::Transition { clause: C0, from: Bracketed, to: AdRef, actor: B, time: 3, reason: r.clone() },
                Event::Transition { clause: C0, from: AdRef, to: Provisional, actor: B, time: 3, reason: r },
            ]
        );
        // Without a mediator, a party calls the vote and ends the talks.
        ok(&mut p, mv(B, 4, Action::CallVote));
        ok(&mut p, mv(A, 5, Action::Vote { yes: false }));
        ok(&mut p, mv(A, 6, Action::End));
        assert_eq!(p.status(), &Status::Ended { by: A, at: 6 });
    }

    /// Clause 0 of the talks, brought to `state` by legal moves.
    fn clause_in_state(state: ClauseState) -> Package {
        let mut p = talks();
        match state {
            ClauseState::Open => {}
            ClauseState::Bracketed => {
                ok(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![0, 1] }));
            }
            ClauseState::AdRef => {
                ok(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![0, 1] }));
                ok(&mut p, mv(A, 1, Action::AgreeAdRef { clause: C0, option: 1 }));
                ok(&mut p, mv(B, 1, Action::AgreeAdRef { clause: C0, option: 1 }));
            }
            ClauseState::Provisional => close(&mut p, C0, 1, 1),
            ClauseState::Reopened => {
                close(&mut p, C0, 1, 1);
                ok(&mut p, mv(B, 1, Action::Reopen { clause: C0 }));
            }
            ClauseState::Withdrawn => {
                ok(&mut p, mv(A, 1, Action::Withdraw { clause: C0 }));
            }
        }
        assert_eq!(p.clause(C0).unwrap().state, state);
        p
    }

    #[test]
    fn every_clause_action_in_every_state_is_accepted_or_refused_with_the_state() {
        use ClauseState::*;
        let states = [Open, Bracketed, AdRef, Provisional, Reopened, Withdrawn];
        // (actor, action, the states it is legal in, the state it leads to)
        let cases: Vec<(ActorId, Action, Vec<ClauseState>, ClauseState)> = vec![
            (M, Action::Propose { clause: C0, options: vec![2] }, vec![Open], Bracketed),
            (A, Action::Rebracket { clause: C0, options: vec![2] }, vec![Bracketed], Bracketed),
            (A, Action::AgreeAdRef { clause: C0, option: 0 }, vec![Bracketed], Bracketed),
            (K, Action::Confirm { clause: C0 }, vec![AdRef], Provisional),
            (K, Action::Decline { clause: C0 }, vec![AdRef], Bracketed),
            (A, Action::Reopen { clause: C0 }, vec![Provisional], Reopened),
            (M, Action::Restart { clause: C0 }, vec![Reopened], Open),
            (A, Action::Withdraw { clause: C0 }, vec![Open, Bracketed, AdRef, Reopened], Withdrawn),
        ];
        for state in states {
            for (actor, action, legal, to) in &cases {
                let mut p = clause_in_state(state);
                let m = mv(*actor, 5, action.clone());
                if legal.contains(&state) {
                    let events = ok(&mut p, m);
                    assert_eq!(p.clause(C0).unwrap().state, *to, "{action:?} from {state}");
                    if state != *to {
                        let last = events.last().unwrap();
                        assert!(
                            matches!(last, Event::Transition { from, to: t, actor: a, time: 5, .. } if *from == state && t == to && a == actor),
                            "{action:?} from {state}: {events:?}"
                        );
                    }
                } else {
                    match refused(&mut p, m) {
                        PackageError::WrongState { clause, state: s, .. } => {
                            assert_eq!((clause, s), (C0, state), "{action:?}");
                        }
                        other => panic!("{action:?} from {state}: {other}"),
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_right_roles_may_act() {
        let mut p = clause_in_state(ClauseState::Bracketed);
        let not_allowed = |e: PackageError, who: ActorId, role: Capacity| match e {
            PackageError::NotAllowed { actor, role: r, .. } => assert_eq!((actor, r), (who, role)),
            other => panic!("{other}"),
        };
        not_allowed(
            refused(&mut p, mv(G, 5, Action::Rebracket { clause: C0, options: vec![0] })),
            G,
            Capacity::Guarantor,
        );
        not_allowed(
            refused(&mut p, mv(K, 5, Action::AgreeAdRef { clause: C0, option: 0 })),
            K,
            Capacity::Capital { of: B },
        );
        not_allowed(refused(&mut p, mv(M, 5, Action::AgreeAdRef { clause: C0, option: 0 })), M, Capacity::Mediator);
        not_allowed(refused(&mut p, mv(A, 5, Action::Confirm { clause: C0 })), A, Capacity::Party);
        not_allowed(refused(&mut p, mv(A, 5, Action::CallVote)), A, Capacity::Party);
        not_allowed(refused(&mut p, mv(B, 5, Action::End)), B, Capacity::Party);
        not_allowed(refused(&mut p, mv(M, 5, Action::Vote { yes: true })), M, Capacity::Mediator);
        not_allowed(
            refused(&mut p, mv(K, 5, Action::Table { item: ClauseSpec::new("x", [0]) })),
            K,
            Capacity::Capital { of: B },
        );
        let mut p = clause_in_state(ClauseState::Provisional);
        not_allowed(refused(&mut p, mv(M, 5, Action::Reopen { clause: C0 })), M, Capacity::Mediator);
        let e = refused(&mut p, mv(A, 5, Action::CallVote));
        assert_eq!(e.to_string(), "actor 0 (party) may not call the vote: only a mediator may");
        assert_eq!(refused(&mut p, mv(ActorId(9), 5, Action::End)), PackageError::UnknownActor(ActorId(9)));
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        let mut p = talks();
        assert_eq!(
            refused(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![] })),
            PackageError::NoOptionsGiven { clause: C0 }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![1, 7] })),
            PackageError::NoSuchOption { clause: C0, option: 7 }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![1, 2, 1] })),
            PackageError::DuplicateOption { clause: C0, option: 1 }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, Action::Propose { clause: ClauseId(9), options: vec![1] })),
            PackageError::UnknownClause(ClauseId(9))
        );
        ok(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![0, 1] }));
        assert_eq!(
            refused(&mut p, mv(B, 1, Action::Rebracket { clause: C0, options: vec![1, 0] })),
            PackageError::BracketsUnchanged { clause: C0 }
        );
        let e = refused(&mut p, mv(A, 1, Action::AgreeAdRef { clause: C0, option: 2 }));
        assert_eq!(e, PackageError::NotInBrackets { clause: C0, option: 2, brackets: vec![0, 1] });
        assert_eq!(e.to_string(), "clause 0: option 2 is not in brackets (brackets: 0, 1)");
        ok(&mut p, mv(A, 2, Action::AgreeAdRef { clause: C0, option: 0 }));
        assert_eq!(
            refused(&mut p, mv(A, 3, Action::AgreeAdRef { clause: C0, option: 0 })),
            PackageError::AlreadyAgreed { clause: C0, party: A, option: 0 }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, Action::AgreeAdRef { clause: C0, option: 1 })),
            PackageError::TimeWentBackwards { last: 2, got: 1 }
        );
        // Equal times are fine: several moves in the same minute.
        ok(&mut p, mv(A, 2, Action::AgreeAdRef { clause: C0, option: 1 }));
    }

    #[test]
    fn rebracketing_keeps_agreements_on_options_still_in_brackets() {
        let mut p = talks();
        ok(&mut p, mv(M, 1, Action::Propose { clause: C0, options: vec![0, 1, 2] }));
        ok(&mut p, mv(A, 2, Action::AgreeAdRef { clause: C0, option: 1 }));
        ok(&mut p, mv(B, 3, Action::AgreeAdRef { clause: C0, option: 2 }));
        ok(&mut p, mv(M, 4, Action::Rebracket { clause: C0, options: vec![1] }).because("narrowed"));
        assert_eq!(p.clause(C0).unwrap().agreements, BTreeMap::from([(A, 1)]));
        assert_eq!(
            p.blockers()[0],
            Blocker {
                clause: C0,
                why: BlockReason::Bracketed { options: vec![1], agreements: vec![(A, 1)], waiting_for: vec![B] }
            }
        );
        let e = ok(&mut p, mv(B, 5, Action::AgreeAdRef { clause: C0, option: 1 }));
        assert_eq!(e[1], tr(C0, ClauseState::Bracketed, ClauseState::AdRef, B, 5));
    }

    #[test]
    fn a_capital_that_declines_sends_the_clause_back_to_brackets() {
        let mut p = clause_in_state(ClauseState::AdRef);
        assert_eq!(
            p.blockers()[0].why,
            BlockReason::AwaitingCapitals { option: 1, waiting_for: vec![K] },
            "{}",
            p.blockers()[0]
        );
        assert_eq!(p.blockers()[0].to_string(), "clause 0 is AD_REF: waiting for actor 3 to confirm");
        let e = ok(&mut p, mv(K, 9, Action::Decline { clause: C0 }).because("Kandahar says no"));
        assert_eq!(
            e[1],
            Event::Transition {
                clause: C0,
                from: ClauseState::AdRef,
                to: ClauseState::Bracketed,
                actor: K,
                time: 9,
                reason: Some("Kandahar says no".into()),
            }
        );
        let c = p.clause(C0).unwrap();
        assert_eq!((c.brackets.clone(), c.agreed, c.agreements.len()), (vec![0, 1], None, 0));
    }

    #[test]
    fn every_capital_must_confirm_once() {
        let mut actors = actors();
        actors.push(Actor::new(5, "kandahar", Capacity::Capital { of: B }));
        let mut p = Package::new(actors, vec![ClauseSpec::new("assurances", [0, 1])]).unwrap();
        ok(&mut p, mv(A, 1, Action::Propose { clause: C0, options: vec![0] }));
        ok(&mut p, mv(A, 1, Action::AgreeAdRef { clause: C0, option: 0 }));
        ok(&mut p, mv(B, 1, Action::AgreeAdRef { clause: C0, option: 0 }));
        assert_eq!(ok(&mut p, mv(K, 2, Action::Confirm { clause: C0 })).len(), 1);
        assert_eq!(
            refused(&mut p, mv(K, 2, Action::Confirm { clause: C0 })),
            PackageError::AlreadyConfirmed { clause: C0, capital: K }
        );
        let e = ok(&mut p, mv(ActorId(5), 3, Action::Confirm { clause: C0 }));
        assert_eq!(e[1], tr(C0, ClauseState::AdRef, ClauseState::Provisional, ActorId(5), 3));
    }

    #[test]
    fn reopening_is_logged_and_restart_clears_the_clause() {
        let mut p = clause_in_state(ClauseState::Provisional);
        let e = ok(&mut p, mv(B, 100, Action::Reopen { clause: C0 }).because("after a call to the capital"));
        assert_eq!(
            e,
            vec![Event::Transition {
                clause: C0,
                from: ClauseState::Provisional,
                to: ClauseState::Reopened,
                actor: B,
                time: 100,
                reason: Some("after a call to the capital".into()),
            }]
        );
        assert_eq!(p.blockers()[0].why, BlockReason::Reopened { under_review: Some(1) });
        assert_eq!(p.current_text()[0], (C0, None));
        assert_eq!(p.closure_ratio(), 0.0);
        ok(&mut p, mv(M, 101, Action::Restart { clause: C0 }));
        let c = p.clause(C0).unwrap();
        assert_eq!((c.state, c.agreed, c.brackets.is_empty()), (ClauseState::Open, None, true));
    }

    #[test]
    fn a_tabled_guarantor_item_blocks_until_the_guarantor_consents() {
        let mut p = talks();
        close(&mut p, C0, 0, 10);
        close(&mut p, C1, 3, 20);
        let item = ClauseSpec::new("third-state guarantor", [0, 1]).with_consent_of(G);
        let e = ok(&mut p, mv(B, 30, Action::Table { item: item.clone() }).because("new condition from a bloc"));
        let c2 = ClauseId(2);
        assert_eq!(
            e,
            vec![Event::ItemTabled {
                clause: c2,
                item,
                actor: B,
                time: 30,
                reason: Some("new condition from a bloc".into())
            }]
        );
        let c = p.clause(c2).unwrap();
        assert_eq!(
            (c.state, c.origin, c.raised_by(), c.raised_at()),
            (ClauseState::Open, Origin::Tabled { by: B, at: 30 }, Some(B), 30)
        );
        assert_eq!(p.closure(), Closure { provisional: 2, live: 3 });
        let e = refused(&mut p, mv(M, 31, Action::CallVote));
        assert_eq!(
            e,
            PackageError::PackageIncomplete { blockers: vec![Blocker { clause: c2, why: BlockReason::Open }] }
        );
        assert_eq!(e.to_string(), "the package is not complete: clause 2 is OPEN");

        ok(&mut p, mv(M, 32, Action::Propose { clause: c2, options: vec![1] }));
        ok(&mut p, mv(A, 33, Action::AgreeAdRef { clause: c2, option: 1 }));
        ok(&mut p, mv(B, 33, Action::AgreeAdRef { clause: c2, option: 1 }));
        ok(&mut p, mv(K, 34, Action::Confirm { clause: c2 }));
        // The capital confirmed, but the guarantor has not consented: still AD_REF.
        assert_eq!(p.clause(c2).unwrap().state, ClauseState::AdRef);
        let blockers = p.blockers();
        assert_eq!(
            blockers,
            vec![Blocker { clause: c2, why: BlockReason::AwaitingConsent { guarantor: G, refused: false } }]
        );
        assert_eq!(refused(&mut p, mv(M, 35, Action::CallVote)), PackageError::PackageIncomplete { blockers });

        assert_eq!(
            refused(&mut p, mv(A, 35, Action::Consent { clause: c2, given: true })),
            PackageError::NotAllowed {
                actor: A,
                role: Capacity::Party,
                action: "answer for consent",
                allowed: "a guarantor"
            }
        );
        assert_eq!(
            refused(&mut p, mv(G, 35, Action::Consent { clause: C0, given: true })),
            PackageError::NoConsentNeeded { clause: C0 }
        );
        ok(&mut p, mv(G, 36, Action::Consent { clause: c2, given: false }));
        assert_eq!(p.blockers()[0].why, BlockReason::AwaitingConsent { guarantor: G, refused: true });
        assert_eq!(
            refused(&mut p, mv(G, 37, Action::Consent { clause: c2, given: false })),
            PackageError::ConsentUnchanged { clause: c2, consent: Consent::Refused }
        );
        let e = ok(&mut p, mv(G, 38, Action::Consent { clause: c2, given: true }));
        assert_eq!(e[1], tr(c2, ClauseState::AdRef, ClauseState::Provisional, G, 38));
        assert_eq!(
            refused(&mut p, mv(G, 39, Action::Consent { clause: c2, given: false })),
            PackageError::ConsentLocked { clause: c2 }
        );
        // Reopening and restarting asks the guarantor again.
        ok(&mut p, mv(A, 40, Action::Reopen { clause: c2 }));
        ok(&mut p, mv(A, 41, Action::Restart { clause: c2 }));
        assert_eq!(p.clause(c2).unwrap().consent, Some(GuarantorConsent { guarantor: G, consent: Consent::Pending }));
        // The raiser withdraws it; the rest of the package can then be adopted.
        assert_eq!(
            refused(&mut p, mv(A, 42, Action::Withdraw { clause: c2 })),
            PackageError::NotRaiser { clause: c2, raised_by: Some(B) }
        );
        ok(&mut p, mv(B, 42, Action::Withdraw { clause: c2 }));
        assert_eq!(p.closure(), Closure { provisional: 2, live: 2 });
        assert_eq!(
            refused(&mut p, mv(G, 43, Action::Consent { clause: c2, given: true })),
            PackageError::WrongState {
                clause: c2,
                state: ClauseState::Withdrawn,
                action: "answer for consent",
                needs: "a clause that is not withdrawn"
            }
        );
        ok(&mut p, mv(M, 44, Action::CallVote));
        ok(&mut p, mv(A, 45, Action::Vote { yes: true }));
        let e = ok(&mut p, mv(B, 45, Action::Vote { yes: true }));
        let Event::Adopted { package, .. } = &e[1] else { panic!("{e:?}") };
        assert_eq!(package.iter().map(|a| (a.clause, a.option)).collect::<Vec<_>>(), vec![(C0, 0), (C1, 3)]);
        assert_eq!(package[1].commitment.as_ref().unwrap().deadline_days, Some(30));
    }

    #[test]
    fn a_commitment_with_a_guarantor_needs_its_consent_and_an_absent_guarantor_blocks() {
        let spec = ClauseSpec::new("dismantle", [0]).with_commitment(Commitment {
            obligor: Some(B),
            deadline: Some(Deadline::Days(90)),
            guarantor: Some(G),
        });
        let mut p = Package::new(actors(), vec![spec]).unwrap();
        ok(&mut p, mv(M, 1, Action::Propose { clause: C0, options: vec![0] }));
        ok(&mut p, mv(A, 1, Action::AgreeAdRef { clause: C0, option: 0 }));
        ok(&mut p, mv(B, 1, Action::AgreeAdRef { clause: C0, option: 0 }));
        ok(&mut p, mv(K, 1, Action::Confirm { clause: C0 }));
        // The guarantor never acts: the clause never closes, and the vote cannot be called.
        assert!(matches!(refused(&mut p, mv(M, 2, Action::CallVote)), PackageError::PackageIncomplete { .. }));
        assert_eq!(
            refused(&mut p, mv(ActorId(0), 3, Action::Consent { clause: C0, given: true })),
            PackageError::NotAllowed {
                actor: A,
                role: Capacity::Party,
                action: "answer for consent",
                allowed: "a guarantor"
            }
        );
        ok(&mut p, mv(G, 3, Action::Consent { clause: C0, given: true }));
        ok(&mut p, mv(M, 4, Action::CallVote));
        ok(&mut p, mv(A, 4, Action::Vote { yes: true }));
        let e = ok(&mut p, mv(B, 4, Action::Vote { yes: true }));
        let Event::Adopted { package, .. } = &e[1] else { panic!("{e:?}") };
        assert_eq!(
            package[0].commitment,
            Some(BindingCommitment {
                obligor: Some(B),
                deadline_days: Some(90),
                due: Some(4 + 90 * MINUTES_PER_DAY),
                guarantor: Some(G)
            })
        );
    }

    #[test]
    fn a_second_guarantor_cannot_consent_for_the_first() {
        let mut actors = actors();
        actors.push(Actor::new(6, "another state", Capacity::Guarantor));
        let mut p = Package::new(actors, vec![ClauseSpec::new("guarantee", [0]).with_consent_of(G)]).unwrap();
        assert_eq!(
            refused(&mut p, mv(ActorId(6), 1, Action::Consent { clause: C0, given: true })),
            PackageError::NotTheGuarantor { clause: C0, guarantor: G, actor: ActorId(6) }
        );
    }

    #[test]
    fn the_vote_is_unanimous_and_freezes_the_talks() {
        let mut p = talks();
        assert_eq!(refused(&mut p, mv(A, 0, Action::Vote { yes: true })), PackageError::NoVoteOpen);
        assert_eq!(refused(&mut p, mv(M, 0, Action::CancelVote)), PackageError::NoVoteOpen);
        close(&mut p, C0, 0, 1);
        close(&mut p, C1, 1, 2);
        ok(&mut p, mv(M, 3, Action::CallVote));
        assert_eq!(refused(&mut p, mv(M, 3, Action::CallVote)), PackageError::VoteInProgress);
        assert_eq!(refused(&mut p, mv(A, 3, Action::Reopen { clause: C0 })), PackageError::VoteInProgress);
        assert_eq!(
            refused(&mut p, mv(B, 3, Action::Table { item: ClauseSpec::new("new", [0]) })),
            PackageError::VoteInProgress
        );
        ok(&mut p, mv(A, 4, Action::Vote { yes: true }));
        assert_eq!(refused(&mut p, mv(A, 4, Action::Vote { yes: false })), PackageError::AlreadyVoted { party: A });
        let e = ok(&mut p, mv(B, 5, Action::Vote { yes: false }).because("not without a guarantor"));
        let r = Some(Reason::from("not without a guarantor"));
        assert_eq!(
            e,
            vec![
                Event::VoteCast { yes: false, actor: B, time: 5, reason: r.clone() },
                Event::VoteFailed { actor: B, time: 5, reason: r }
            ]
        );
        assert_eq!(p.status(), &Status::Negotiating);
        // The talks go on: a reopening, then the mediator ends them.
        ok(&mut p, mv(B, 6, Action::Reopen { clause: C0 }));
        let e = refused(&mut p, mv(M, 7, Action::CallVote));
        assert_eq!(e.to_string(), "the package is not complete: clause 0 is REOPENED");
        ok(&mut p, mv(M, 8, Action::End));
    }

    #[test]
    fn the_mediator_withdraws_a_call_and_ends_the_talks() {
        let mut p = talks();
        close(&mut p, C0, 0, 1);
        close(&mut p, C1, 1, 2);
        ok(&mut p, mv(M, 3, Action::CallVote));
        ok(&mut p, mv(A, 4, Action::Vote { yes: true }));
        assert_eq!(
            ok(&mut p, mv(M, 5, Action::CancelVote)),
            vec![Event::VoteFailed { actor: M, time: 5, reason: None }]
        );
        ok(&mut p, mv(M, 6, Action::CallVote));
        // A yes of the earlier vote does not count.
        ok(&mut p, mv(B, 7, Action::Vote { yes: true }));
        assert!(!p.is_adopted());
        ok(&mut p, mv(M, 8, Action::End).because("no agreement this round"));
        assert!(p.is_closed() && !p.is_adopted());
        assert_eq!(refused(&mut p, mv(A, 9, Action::Vote { yes: true })), PackageError::Ended);
    }

    #[test]
    fn withdrawal_rules() {
        let mut p = talks();
        let item = ClauseSpec::new("nobody's", [0]);
        let mut p2 = Package::new(actors(), vec![item]).unwrap();
        assert_eq!(
            refused(&mut p2, mv(A, 1, Action::Withdraw { clause: C0 })),
            PackageError::NotRaiser { clause: C0, raised_by: None }
        );
        close(&mut p, C0, 0, 1);
        assert!(matches!(
            refused(&mut p, mv(A, 2, Action::Withdraw { clause: C0 })),
            PackageError::WrongState { state: ClauseState::Provisional, .. }
        ));
        ok(&mut p, mv(A, 2, Action::Withdraw { clause: C1 }));
        ok(&mut p, mv(B, 3, Action::Reopen { clause: C0 }));
        let e = ok(&mut p, mv(A, 3, Action::Withdraw { clause: C0 }));
        assert_eq!(e, vec![tr(C0, ClauseState::Reopened, ClauseState::Withdrawn, A, 3)]);
        assert_eq!(p.current_text(), vec![]);
    }

    #[test]
    fn withdrawing_every_clause_leaves_nothing_to_vote_on() {
        let mut p = Package::new(actors(), vec![]).unwrap();
        assert_eq!(refused(&mut p, mv(M, 1, Action::CallVote)), PackageError::EmptyPackage);
        ok(&mut p, mv(M, 2, Action::Table { item: ClauseSpec::new("x", [0]) }));
        ok(&mut p, mv(M, 3, Action::Withdraw { clause: C0 }));
        assert_eq!(refused(&mut p, mv(M, 4, Action::CallVote)), PackageError::EmptyPackage);
        assert_eq!(p.closure(), Closure { provisional: 0, live: 0 });
        assert_eq!(p.closure_ratio(), 0.0);
    }

    #[test]
    fn items_and_setups_that_do_not_hold_together_are_refused() {
        let mut p = talks();
        let table = |item: ClauseSpec| Action::Table { item };
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new("x", [0]).raised_by(B)))),
            PackageError::RaiserMismatch { title: "x".into(), actor: A, raised_by: B }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new("x", [0]).with_consent_of(B)))),
            PackageError::NotAGuarantor { actor: B }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new("x", [0]).with_consent_of(ActorId(42))))),
            PackageError::UnknownActor(ActorId(42))
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new(" ", [0])))),
            PackageError::EmptyTitle { title: " ".into() }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new("x", [])))),
            PackageError::NoOptions { title: "x".into() }
        );
        assert_eq!(
            refused(&mut p, mv(A, 1, table(ClauseSpec::new("x", [3, 3])))),
            PackageError::DuplicateItemOption { title: "x".into(), option: 3 }
        );
        let with = |c: Commitment| table(ClauseSpec::new("x", [0, 1]).with_commitment(c));
        let c = Commitment { obligor: Some(M), deadline: None, guarantor: None };
        assert_eq!(refused(&mut p, mv(A, 1, with(c))), PackageError::NotAParty { actor: M });
        let c = Commitment { obligor: None, deadline: Some(Deadline::PerOption(vec![(2, 30)])), guarantor: None };
        assert_eq!(
            refused(&mut p, mv(A, 1, with(c))),
            PackageError::DeadlineUnknownOption { title: "x".into(), option: 2 }
        );
        let c =
            Commitment { obligor: None, deadline: Some(Deadline::PerOption(vec![(1, 30), (1, 60)])), guarantor: None };
        assert_eq!(
            refused(&mut p, mv(A, 1, with(c))),
            PackageError::DeadlineDuplicate { title: "x".into(), option: 1 }
        );
        let mut actors2 = actors();
        actors2.push(Actor::new(6, "other", Capacity::Guarantor));
        let spec = ClauseSpec::new("x", [0]).with_consent_of(G).with_commitment(Commitment {
            obligor: None,
            deadline: None,
            guarantor: Some(ActorId(6)),
        });
        assert_eq!(
            Package::new(actors2, vec![spec]),
            Err(PackageError::GuarantorMismatch { title: "x".into(), consent: G, commitment: ActorId(6) })
        );

        assert_eq!(
            Package::new(vec![Actor::new(0, "a", Capacity::Party), Actor::new(1, "m", Capacity::Mediator)], vec![]),
            Err(PackageError::TooFewParties(1))
        );
        assert_eq!(
            Package::new(vec![Actor::new(0, "a", Capacity::Party), Actor::new(0, "b", Capacity::Party)], vec![]),
            Err(PackageError::DuplicateActor(A))
        );
        let bad = vec![
            Actor::new(0, "a", Capacity::Party),
            Actor::new(1, "b", Capacity::Party),
            Actor::new(2, "k", Capacity::Capital { of: ActorId(7) }),
        ];
        assert_eq!(
            Package::new(bad, vec![]),
            Err(PackageError::CapitalOfNonParty { capital: ActorId(2), of: ActorId(7) })
        );
        assert_eq!(
            Package::new(actors(), vec![ClauseSpec::new("x", [0]).raised_by(ActorId(8))]),
            Err(PackageError::UnknownActor(ActorId(8)))
        );
    }

    #[test]
    fn clauses_from_issues_and_deadlines_from_values() {
        use entente_core::Issue;
        let space = OutcomeSpace::new(vec![
            Issue::discrete("assurances", ["none", "verbal", "written"]),
            Issue::discrete("dismantle_days", ["none", "90", "60", "30"]),
            Issue::integer("monitors", 0, 5),
        ])
        .unwrap();
        let spec = ClauseSpec::for_issue(&space, 1).unwrap();
        assert_eq!(
            (spec.title.as_str(), spec.issue, spec.options.clone()),
            ("dismantle_days", Some(1), vec![0, 1, 2, 3])
        );
        assert_eq!(
            Deadline::from_issue(&space.issues()[1]),
            Some(Deadline::PerOption(vec![(1, 90), (2, 60), (3, 30)]))
        );
        assert_eq!(Deadline::from_issue(&space.issues()[0]), None);
        assert_eq!(
            Deadline::from_issue(&space.issues()[2]),
            Some(Deadline::PerOption((0..6).map(|i| (i, i)).collect()))
        );
        assert_eq!(Deadline::PerOption(vec![(1, 90)]).days_for(0), None);
        assert_eq!(ClauseSpec::for_issue(&space, 3), Err(PackageError::NoSuchIssue { issue: 3, issues: 3 }));
        let big = OutcomeSpace::new(vec![Issue::integer("n", 0, 100_000)]).unwrap();
        assert!(matches!(ClauseSpec::for_issue(&big, 0), Err(PackageError::TooManyOptions { .. })));
    }

    /// A course with every kind of move, and its log.
    fn eventful() -> (Package, Vec<Event>, Vec<Move>) {
        let mut p = talks();
        let mut log = Vec::new();
        let moves = vec![
            mv(M, 0, Action::Propose { clause: C0, options: vec![0, 1, 2] }).because("opening text"),
            mv(A, 5, Action::AgreeAdRef { clause: C0, option: 2 }),
            mv(B, 6, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(A, 7, Action::Rebracket { clause: C0, options: vec![1, 2] }),
            mv(A, 8, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(K, 9, Action::Decline { clause: C0 }),
            mv(A, 10, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(B, 10, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(K, 11, Action::Confirm { clause: C0 }),
            mv(B, 12, Action::Table { item: ClauseSpec::new("guarantor", [0]).with_consent_of(G) }),
            mv(G, 13, Action::Consent { clause: ClauseId(2), given: false }),
            mv(B, 14, Action::Reopen { clause: C0 }).because("under review"),
            mv(M, 15, Action::Restart { clause: C0 }),
            mv(B, 16, Action::Withdraw { clause: ClauseId(2) }),
            mv(M, 17, Action::Propose { clause: C0, options: vec![1] }),
            mv(A, 17, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(B, 17, Action::AgreeAdRef { clause: C0, option: 1 }),
            mv(K, 17, Action::Confirm { clause: C0 }),
            mv(M, 18, Action::Propose { clause: C1, options: vec![3] }),
            mv(A, 18, Action::AgreeAdRef { clause: C1, option: 3 }),
            mv(B, 18, Action::AgreeAdRef { clause: C1, option: 3 }),
            mv(K, 19, Action::Confirm { clause: C1 }),
            mv(M, 20, Action::CallVote),
            mv(A, 21, Action::Vote { yes: false }),
            mv(M, 22, Action::CallVote),
            mv(A, 23, Action::Vote { yes: true }),
            mv(M, 24, Action::CancelVote),
            mv(M, 25, Action::CallVote),
            mv(A, 26, Action::Vote { yes: true }),
            mv(B, 27, Action::Vote { yes: true }),
        ];
        for m in &moves {
            log.extend(ok(&mut p, m.clone()));
        }
        assert!(p.is_adopted());
        (p, log, moves)
    }

    #[test]
    fn the_log_replays_to_the_same_state() {
        let (p, log, moves) = eventful();
        assert_eq!(Package::replay(actors(), talks_agenda(), &log), Ok(p.clone()));
        // Applying the moves again gives the same state and log.
        let mut q = talks();
        let mut log2 = Vec::new();
        for m in &moves {
            q.act(m, &mut |e| log2.push(e)).unwrap();
        }
        assert_eq!((q, log2), (p, log.clone()));
        // A prefix of the log replays too.
        let cut = log.iter().position(|e| matches!(e, Event::ItemTabled { .. })).unwrap();
        assert!(Package::replay(actors(), talks_agenda(), &log[..cut]).is_ok());
    }

    fn talks_agenda() -> Vec<ClauseSpec> {
        vec![ClauseSpec::new("assurances", [0, 1, 2]).raised_by(A), dismantle()]
    }

    #[test]
    fn an_altered_log_does_not_replay() {
        let (_, log, _) = eventful();
        // A consequence dropped.
        let mut bad = log.clone();
        let i = bad.iter().position(|e| matches!(e, Event::Transition { to: ClauseState::AdRef, .. })).unwrap();
        bad.remove(i);
        assert!(matches!(Package::replay(actors(), talks_agenda(), &bad), Err(ReplayError::Diverged { .. })));
        // An actor changed.
        let mut bad = log.clone();
        if let Event::AdRefAgreed { actor, .. } = &mut bad[2] {
            *actor = K;
        }
        assert!(matches!(Package::replay(actors(), talks_agenda(), &bad), Err(ReplayError::Refused { index: 2, .. })));
        // A log that starts with a consequence.
        assert_eq!(Package::replay(actors(), talks_agenda(), &log[1..]), Err(ReplayError::NotAMove { index: 0 }));
        // A truncated move (the Adopted event missing) diverges.
        assert!(matches!(
            Package::replay(actors(), talks_agenda(), &log[..log.len() - 1]),
            Err(ReplayError::Diverged { logged: None, .. })
        ));
    }
}
