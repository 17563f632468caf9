//! One record for the events of every protocol machine: the envelope
//! ([`Record`]: sequence number, actor, time, typed reason, event), the typed
//! reasons a move may give ([`Reason`]). The contract every machine follows
//! is [`crate::machine::Machine`].
//!
//! The machines hold no clock: the caller gives every move its time. A
//! refused action returns the machine's error and emits nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A time in minutes, given by the caller (the machines never read a clock).
pub type Timestamp = u64;

/// An actor of a protocol machine, as numbered by the caller (the talks
/// allocate them with a registry: distinct ids, no number ranges).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActorId(pub u32);

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "actor {}", self.0)
    }
}

/// A bloc that objects to a text, and the red lines of it the text crosses
/// (`None`: the text is above no red line but below the bloc's reversion
/// point), each as `issue=value` or `this exact package`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub bloc: String,
    pub red_lines: Option<Vec<String>>,
}

impl fmt::Display for Objection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.red_lines {
            None => f.write_str(&self.bloc),
            Some(r) => write!(f, "{} (red line: {})", self.bloc, r.join(", ")),
        }
    }
}

/// Why an actor moved: typed, so that what reads the record (the assessment,
/// the measures, a server) never parses prose back. [`fmt::Display`] gives the
/// prose of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Reason {
    /// The mediators put their draft's options in brackets.
    MediatorsDraft,
    /// A reopened clause goes back to the table.
    BackToTable,
    /// A party tables an item on the instructions of one of its blocs.
    Tabled { party: usize, bloc: String },
    /// A delegation reopens a clause when it reviews the text on new instructions of a bloc.
    UnderReview { party: usize, bloc: String },
    /// A guarantor answers the request to guarantee a clause.
    GuarantorAnswer { consents: bool },
    /// A party reopens a clause after incident number `index` (of the talks' incidents) at `place`.
    Incident { index: usize, place: String },
    /// A capital confirms: the text is within its delegation's win-set.
    WithinWinSet,
    /// A capital declines: the blocs that object, and the red lines crossed.
    Declined { objections: Vec<Objection> },
    /// A party agrees ad referendum: it gives up `loss` of its utility range
    /// here, is ready for `allowance`, and the text is worth `value` to it.
    /// Derived from the party's private preferences: the talks log shows it
    /// to that party only (see [`Reason::is_private`]).
    Concession { loss: f64, allowance: f64, value: f64 },
    /// A reason that the record withholds from this reader (it went to the
    /// private channel of the actor that gave it).
    Withheld,
    /// The mediators call the vote: every clause is provisional.
    AllProvisional,
    /// A party votes yes: the package beats no agreement.
    VoteFor,
    /// A party votes no: the package is not ratified at home.
    VoteAgainst,
    /// The mediators end the talks without adoption: what blocked it.
    NoAdoptionByEnd { blockers: Vec<String> },
    /// A party walked out after a failed step.
    WalkedOut { party: String },
    /// A head of delegation allowed to sign outside its win-set signs on its
    /// own authority (its capital's ratification may then fail).
    OnOwnAuthority,
    /// Free text (a person typing a reason).
    Free { text: String },
}

impl Reason {
    /// Whether the reason carries values derived from the acting party's
    /// private preferences (it must reach only that party's channel).
    pub fn is_private(&self) -> bool {
        matches!(self, Reason::Concession { .. })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::MediatorsDraft => f.write_str("the mediators' draft"),
            Reason::BackToTable => f.write_str("back to the table"),
            Reason::Tabled { bloc, .. } => write!(f, "tabled on the instructions of {bloc}"),
            Reason::UnderReview { bloc, .. } => write!(f, "under review on the instructions of {bloc}"),
            Reason::GuarantorAnswer { consents: true } => f.write_str("agrees to guarantee it"),
            Reason::GuarantorAnswer { consents: false } => f.write_str("declines to guarantee it"),
            Reason::Incident { place, .. } => write!(f, "reopened after the incident at {place}"),
            Reason::WithinWinSet => f.write_str("the text as it stands is within what the blocs ratify"),
            Reason::Declined { objections } => {
                let o: Vec<String> = objections.iter().map(ToString::to_string).collect();
                write!(f, "declined: {}", o.join(", "))
            }
            Reason::Concession { loss, allowance, value } => write!(
                f,
                "gives up {:.0}% of its range here (ready for {:.0}%); the text is worth {value:.3}",
                loss * 100.0,
                allowance * 100.0
            ),
            Reason::Withheld => f.write_str("reason withheld"),
            Reason::AllProvisional => f.write_str("every clause is provisional"),
            Reason::VoteFor => f.write_str("the package beats no agreement"),
            Reason::VoteAgainst => f.write_str("the package is not ratified at home"),
            Reason::NoAdoptionByEnd { blockers } => {
                if blockers.is_empty() {
                    f.write_str("no adoption by the end of the last session")
                } else {
                    write!(f, "no adoption by the end of the last session: {}", blockers.join("; "))
                }
            }
            Reason::WalkedOut { party } => write!(f, "{party} walked out after a failed step"),
            Reason::OnOwnAuthority => f.write_str("the head of delegation signs on its own authority"),
            Reason::Free { text } => f.write_str(text),
        }
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Reason::Free { text: text.to_string() }
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        Reason::Free { text }
    }
}

/// One event of a protocol machine in its envelope: its place in the
/// machine's record (`seq`, from 0, strictly increasing), who acted, when, why,
/// and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record<E> {
    pub seq: u64,
    pub actor: ActorId,
    pub time: Timestamp,
    pub reason: Option<Reason>,
    pub event: E,
}
