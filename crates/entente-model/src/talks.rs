//! A round of mediated talks, as declared: the scenario (issues, parties,
//! delegations and their blocs), the mediators, the agenda, the sessions, the
//! instructions blocs send during the talks, the incidents, and the earlier
//! agreement the round starts from.

use entente_core::blocs::{RedLine, Reversion};
use serde::Serialize;

use crate::Scenario;

/// Minutes since the start of the talks (day 1, 00:00).
pub type Timestamp = u64;

/// Minutes in an hour.
pub const HOUR: u64 = 60;
/// Minutes in a day.
pub const DAY: u64 = 24 * HOUR;

/// A working session of the talks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session {
    /// Day of the talks, from 1.
    pub day: u32,
    pub label: String,
    /// Minutes since the start of the talks (day 1, 00:00).
    pub start: Timestamp,
    /// Length in minutes.
    pub minutes: u64,
}

impl Session {
    pub fn end(&self) -> Timestamp {
        self.start + self.minutes
    }
}

/// A third state that may be asked to guarantee a clause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Guarantor {
    pub name: String,
    /// Whether it answers at all (an absent guarantor never acts).
    pub present: bool,
    /// Its answer when asked, if present.
    pub consents: bool,
}

/// A new item a party tables on the instructions of a bloc.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableItem {
    /// The issue the item puts on the agenda.
    pub issue: usize,
    /// The guarantor whose consent the clause needs, if any (index into
    /// [`Talks::guarantors`]).
    pub guarantor: Option<usize>,
}

/// Who tables an item on its own initiative.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "index")]
pub enum Tabler {
    /// A party (index into the scenario's parties): a unitary party or a delegation's head.
    Party(usize),
    /// A mediator (index into [`Talks::mediators`]).
    Mediator(usize),
}

/// An item tabled off the agenda on a party's or a mediator's own initiative
/// (`[[talks.tabling]]`); a delegation tabling on a bloc's instructions is an
/// [`Instruction`] with `table`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tabling {
    pub at: Timestamp,
    pub by: Tabler,
    pub item: TableItem,
    /// Why, for the log (the reason of the tabling move); neutral when not given.
    pub text: Option<String>,
}

/// How a mediator drafts the option it puts to the parties on a bracketed
/// clause (each co-mediator may have its own).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Drafting {
    /// The option that leaves the parties the largest margin between what
    /// they are ready to give up and what it costs them (ties: the largest
    /// Nash product): the default.
    #[default]
    Margin,
    /// The option whose text has the largest product of gains over the
    /// reservation values (ties: the largest margin).
    Nash,
    /// The option whose text has the largest smallest gain as a share of each
    /// party's best possible gain (ties: the largest margin).
    KalaiSmorodinsky,
    /// The option whose text has the largest smallest gain over the
    /// reservation values (ties: the largest margin).
    Egalitarian,
    /// The option whose text maximises `w · g_p + (1 − w) · mean of the gains`,
    /// leaning toward party `party` (gains over the reservation values; ties:
    /// the largest margin).
    Lean { party: String, weight: f64 },
}

impl std::fmt::Display for Drafting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drafting::Margin => f.write_str("margin"),
            Drafting::Nash => f.write_str("nash"),
            Drafting::KalaiSmorodinsky => f.write_str("kalai-smorodinsky"),
            Drafting::Egalitarian => f.write_str("egalitarian"),
            Drafting::Lean { party, weight } => write!(f, "lean:{party}:{weight}"),
        }
    }
}

/// A drafting rule that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected margin, nash, kalai-smorodinsky, egalitarian or lean:PARTY:W (W in (0, 1]), not {0:?}")]
pub struct DraftingError(pub String);

impl std::str::FromStr for Drafting {
    type Err = DraftingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase().replace('_', "-");
        Ok(match lower.as_str() {
            "margin" => Drafting::Margin,
            "nash" => Drafting::Nash,
            "kalai-smorodinsky" | "ks" => Drafting::KalaiSmorodinsky,
            "egalitarian" => Drafting::Egalitarian,
            _ => {
                let rest = t.strip_prefix("lean:").ok_or_else(|| DraftingError(t.to_string()))?;
                let (party, w) = rest.rsplit_once(':').ok_or_else(|| DraftingError(t.to_string()))?;
                let weight: f64 = w.trim().parse().map_err(|_| DraftingError(t.to_string()))?;
                if party.trim().is_empty() || !(weight.is_finite() && weight > 0.0 && weight <= 1.0) {
                    return Err(DraftingError(t.to_string()));
                }
                Drafting::Lean { party: party.trim().to_string(), weight }
            }
        })
    }
}

/// Instructions a bloc sends its delegation (during a break, or by phone): an
/// entry of the delegation's timeline in minutes ([`Instruction::change`],
/// [`Talks::timeline`]), with what the talks also need (text, tabled item,
/// statement).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instruction {
    pub at: Timestamp,
    pub party: usize,
    pub bloc: usize,
    /// What the instruction says, for the log.
    pub text: String,
    pub weight: Option<f64>,
    pub veto: Option<bool>,
    pub reversion: Option<Reversion>,
    /// Replaces the bloc's red lines (before `add_red_lines`).
    pub red_lines: Option<Vec<RedLine>>,
    /// Red lines added to the bloc's.
    pub add_red_lines: Vec<RedLine>,
    /// Moves the delegation's quota (rule `quota` only).
    pub quota: Option<f64>,
    /// An item the delegation must table.
    pub table: Option<TableItem>,
    /// A public statement the delegation makes, if any.
    pub statement: Option<String>,
}

/// What an incident does to the talks.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "effect")]
pub enum Effect {
    /// Lowers a party's reservation value (it needs the deal more) or raises it (negative `by`).
    LowerReservation { party: usize, by: f64 },
    /// Raises the risk that the talks break down after a failed step.
    BreakdownRisk { add: f64 },
    /// The party reopens the provisional clauses of these issues.
    Reopen { party: usize, issues: Vec<usize> },
}

/// A dated event on the ground, linked to clauses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    pub at: Timestamp,
    pub place: String,
    pub casualties: u32,
    pub attributed_to: Option<String>,
    pub text: String,
    /// The issues (clauses, or baseline commitments) it bears on.
    pub issues: Vec<usize>,
    pub effects: Vec<Effect>,
}

/// An earlier agreement the round continues (e.g. a ceasefire).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Baseline {
    pub name: String,
    /// Its clauses: `(issue, value)`, in force when the round starts.
    pub clauses: Vec<(usize, u32)>,
}

/// How a party conducts the talks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conduct {
    /// Concession exponent over the talks: the party agrees to a text worth at
    /// least `r + (max − r)(1 − τ^e)` of its own utility at relative time τ.
    pub exponent: f64,
    /// Minutes its capital takes to answer a call (delegations).
    pub capital_delay: u64,
    /// Whether the party confides its preferences to the mediators: then the
    /// log's entries derived from them reach the mediators too (default true).
    pub confided_to_mediators: bool,
}

/// A round of talks.
#[derive(Clone, Debug)]
pub struct Talks {
    pub scenario: Scenario,
    pub mediators: Vec<String>,
    /// Per mediator: its drafting rule (missing entries: [`Drafting::Margin`]).
    pub drafting: Vec<Drafting>,
    pub guarantors: Vec<Guarantor>,
    /// Agenda clauses that need a guarantor's consent: `(issue, guarantor index)`.
    pub guarantees: Vec<(usize, usize)>,
    /// The issues on the initial agenda, in the order the mediators take them.
    pub agenda: Vec<usize>,
    /// Per issue: the value that holds when nothing is agreed on it (the
    /// status quo; for an issue off the agenda, what everybody assumes).
    pub defaults: Vec<u32>,
    pub sessions: Vec<Session>,
    pub instructions: Vec<Instruction>,
    /// Items tabled on a party's or a mediator's own initiative.
    pub tabling: Vec<Tabling>,
    pub incidents: Vec<Incident>,
    pub baseline: Option<Baseline>,
    /// Per party.
    pub conduct: Vec<Conduct>,
    /// Minutes a mediation step takes.
    pub step_minutes: u64,
    pub seed: u64,
}

impl Talks {
    /// Mediator `m`'s drafting rule.
    pub fn drafting_of(&self, m: usize) -> &Drafting {
        const MARGIN: Drafting = Drafting::Margin;
        self.drafting.get(m).unwrap_or(&MARGIN)
    }

    /// Whether party `k` confides its preferences to the mediators (the
    /// default when its conduct is not declared).
    pub fn confides(&self, k: usize) -> bool {
        self.conduct.get(k).is_none_or(|c| c.confided_to_mediators)
    }

    /// Whether every party confides its preferences to the mediators.
    pub fn all_confide(&self) -> bool {
        (0..self.scenario.parties.len()).all(|k| self.confides(k))
    }

    /// Start of the first session.
    pub fn start(&self) -> Timestamp {
        self.sessions.first().map_or(0, |s| s.start)
    }

    /// End of the last session.
    pub fn end(&self) -> Timestamp {
        self.sessions.iter().map(Session::end).max().unwrap_or(0)
    }

    /// Relative time of minute `t` over the whole round, in [0, 1].
    pub fn relative(&self, t: Timestamp) -> f64 {
        let (s, e) = (self.start(), self.end());
        if e <= s { 1.0 } else { (t.saturating_sub(s) as f64 / (e - s) as f64).clamp(0.0, 1.0) }
    }
}

/// `day 3, 14:30` for a minute of the talks.
pub fn clock(t: Timestamp) -> String {
    let day = t / DAY + 1;
    let m = t % DAY;
    format!("day {day}, {:02}:{:02}", m / HOUR, m % HOUR)
}

/// The minute of `day D HH:MM` or `day D, HH:MM` (as [`clock`] writes it):
/// `None` unless the day is from 1 and the time is from 00:00 to 23:59.
pub fn parse_clock(s: &str) -> Option<Timestamp> {
    let rest = s.trim().strip_prefix("day")?;
    let rest = rest.trim_start();
    let split = rest.find(|c: char| !c.is_ascii_digit())?;
    let (day, rest) = rest.split_at(split);
    let day: u64 = day.parse().ok()?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim();
    let (h, m) = rest.split_once(':')?;
    if h.is_empty() || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    if day == 0 || h > 23 || m > 59 {
        return None;
    }
    day.checked_sub(1)?.checked_mul(DAY)?.checked_add(h * HOUR + m)
}

/// A change to the talks that asks "what if".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counterfactual {
    /// Every delegation speaks with one voice: a unitary party with its
    /// starting mandate as utility and reservation value; no instructions.
    Unified,
    /// No item is tabled off the agenda: the instructions that table one are dropped.
    NoInjection,
    /// Every guarantor is present and consents.
    GuarantorConsents,
}

impl Counterfactual {
    pub const ALL: [Counterfactual; 3] =
        [Counterfactual::Unified, Counterfactual::NoInjection, Counterfactual::GuarantorConsents];

    pub fn name(self) -> &'static str {
        match self {
            Counterfactual::Unified => "unified",
            Counterfactual::NoInjection => "no-injection",
            Counterfactual::GuarantorConsents => "guarantor-consents",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Counterfactual::Unified => {
                "every delegation speaks with one voice (its starting mandate, no instructions from blocs)"
            }
            Counterfactual::NoInjection => {
                "no item is tabled off the agenda (the instructions that table one are dropped)"
            }
            Counterfactual::GuarantorConsents => "every guarantor is present and consents",
        }
    }
}

impl Counterfactual {
    /// The counterfactual as talks changes (its shorthand): `unify all`,
    /// `drop-instruction tabling`, `guarantor all consents`.
    pub fn changes(self) -> Vec<crate::whatif::talks::TalksChange> {
        use crate::whatif::talks::{GuarantorAnswer, InstructionSel, TalksChange};
        match self {
            Counterfactual::Unified => vec![TalksChange::Unify { party: None }],
            Counterfactual::NoInjection => vec![TalksChange::DropInstruction { which: InstructionSel::Tabling }],
            Counterfactual::GuarantorConsents => {
                vec![TalksChange::Guarantor { name: None, answer: GuarantorAnswer::Consents }]
            }
        }
    }
}

impl Talks {
    /// The talks under a counterfactual: its changes ([`Counterfactual::changes`]) applied.
    pub fn counterfactual(&self, which: Counterfactual) -> Result<Talks, crate::whatif::talks::TalksChangeError> {
        crate::whatif::talks::apply_talks_changes(self, &which.changes()).map(|(t, _)| t)
    }
}
