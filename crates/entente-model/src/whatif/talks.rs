//! What-if changes to a round of talks (`entente talks --change "…"`): the
//! scenario's changes ([`WhatIf`]) that fit talks, and the talks' own.
//!
//! # Compact syntax
//!
//! Every change of `entente whatif` that leaves the issues as they are
//! (veto, weight, quota, rule, merge, reservation, reversion, utility), and:
//!
//! ```text
//! red-lines PARTY.BLOC=ISSUE:VALUE[,ISSUE:VALUE…]|none   a bloc's red lines, for the whole round
//! unify PARTY|all                     a delegation speaks with one voice (its starting mandate, no instructions)
//! drop-instruction N|all|tabling|PARTY.BLOC   drop the N-th [[talks.instructions]] (from 1), all, those
//!                                     that table an item, or those of a bloc
//! drop-incident N|all                 drop the N-th [[talks.incidents]] (from 1), or all
//! drop-tabling N|all                  drop the N-th [[talks.tabling]] (from 1), or all
//! guarantor NAME|all consents|refuses|absent|present
//! add-session DAY HH:MM DURATION      a new session (DURATION: 8h, 90m or minutes)
//! lengthen-session N|last DURATION    a session N (from 1) made longer
//! exponent PARTY=E                    a party's concession exponent (> 0)
//! drafting MEDIATOR=RULE              a mediator's drafting rule (margin, nash, kalai-smorodinsky,
//!                                     egalitarian, lean:PARTY:W)
//! table BY ISSUE DAY HH:MM [GUARANTOR] a party or a mediator tables an item off the agenda
//! guarantee ISSUE=GUARANTOR|none      an agenda clause needs (or no longer needs) a guarantor's consent
//! ```
//!
//! # Semantics
//!
//! - A change to a bloc's veto, weight, reversion or red lines, or to a
//!   quota, holds for the whole round, as in `entente whatif`: it also
//!   removes that field from the bloc's instructions during the talks (the
//!   instructions themselves stay: their text, tabled item and statement).
//! - **merge**: the talks' instructions of the merged blocs become
//!   instructions of the merged bloc, with the merged weight (the sum), veto
//!   (any), reversion (the weight-weighted average of the start) and red lines
//!   (the union) after each of them.
//! - Changes of the issues (drop-issue, add-issue, drop-value, add-value) are
//!   refused (the agenda, defaults and instructions name issues); so are
//!   `rounds` (talks have sessions, not a round limit) and `strategy` (the
//!   talks' concession is `exponent`).
//! - The named counterfactuals are shorthands: `unified` is `unify all`,
//!   `no-injection` is `drop-instruction tabling`, `guarantor-consents` is
//!   `guarantor all consents` ([`crate::talks::Counterfactual::changes`]).

use std::fmt;

use entente_core::UtilityFunction;
use entente_core::blocs::{Bloc, Change, Delegation, RedLine, Reversion};
use thiserror::Error;

use super::{WhatIf, WhatIfError, parse_compact};
use crate::talks::{Drafting, HOUR, Session, Talks};
use crate::timeline::Timeline;

/// One change to a round of talks.
#[derive(Clone, Debug, PartialEq)]
pub enum TalksChange {
    /// A change of the scenario (its parties and delegations).
    Scenario(WhatIf),
    /// A bloc's red lines, replaced for the whole round (`(issue, value)` by name).
    RedLines { party: String, bloc: String, red_lines: Vec<(String, String)> },
    /// A delegation (or every one: `None`) speaks with one voice.
    Unify { party: Option<String> },
    /// Drop instructions of the talks.
    DropInstruction { which: InstructionSel },
    /// Drop incidents (`None`: all; `Some(n)`: the n-th, from 1).
    DropIncident { which: Option<usize> },
    /// Drop items tabled on a party's or a mediator's own initiative (`None`: all; `Some(n)`: the n-th, from 1).
    DropTabling { which: Option<usize> },
    /// A guarantor (or every one: `None`) answers otherwise.
    Guarantor { name: Option<String>, answer: GuarantorAnswer },
    /// A new session: its day, its start (minutes after midnight) and length in minutes.
    AddSession { day: u32, start: u64, minutes: u64 },
    /// A session (`None`: the last; `Some(n)`: the n-th, from 1) made longer by `minutes`.
    LengthenSession { session: Option<usize>, minutes: u64 },
    /// A party's concession exponent.
    Exponent { party: String, exponent: f64 },
    /// A mediator's drafting rule.
    Drafting { mediator: String, rule: Drafting },
    /// An item tabled on `by`'s own initiative (a party or a mediator) at
    /// `day`, `time` (minutes after midnight), with an optional guarantor.
    Table { by: String, issue: String, day: u32, time: u64, guarantor: Option<String> },
    /// An agenda clause needs a guarantor's consent (`None`: no longer).
    Guarantee { issue: String, guarantor: Option<String> },
}

/// Which instructions `drop-instruction` drops.
#[derive(Clone, Debug, PartialEq)]
pub enum InstructionSel {
    /// The n-th of the talks' instructions, from 1.
    Number(usize),
    All,
    /// Those that table an item.
    Tabling,
    /// Those of a bloc.
    Bloc {
        party: String,
        bloc: String,
    },
}

/// How a guarantor answers in the changed talks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuarantorAnswer {
    /// Present and consenting.
    Consents,
    /// Present and refusing.
    Refuses,
    /// Absent: it never answers.
    Absent,
    /// Present, with its declared answer.
    Present,
}

impl GuarantorAnswer {
    fn word(self) -> &'static str {
        match self {
            GuarantorAnswer::Consents => "consents",
            GuarantorAnswer::Refuses => "refuses",
            GuarantorAnswer::Absent => "absent",
            GuarantorAnswer::Present => "present",
        }
    }
}

fn duration(minutes: u64) -> String {
    if minutes.is_multiple_of(HOUR) { format!("{}h", minutes / HOUR) } else { format!("{minutes}m") }
}

impl fmt::Display for TalksChange {
    /// The compact form, which [`parse_talks_change`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TalksChange::Scenario(c) => c.fmt(f),
            TalksChange::RedLines { party, bloc, red_lines } => {
                if red_lines.is_empty() {
                    write!(f, "red-lines {party}.{bloc}=none")
                } else {
                    let items: Vec<String> = red_lines.iter().map(|(i, v)| format!("{i}:{v}")).collect();
                    write!(f, "red-lines {party}.{bloc}={}", items.join(","))
                }
            }
            TalksChange::Unify { party } => write!(f, "unify {}", party.as_deref().unwrap_or("all")),
            TalksChange::DropInstruction { which } => match which {
                InstructionSel::Number(n) => write!(f, "drop-instruction {n}"),
                InstructionSel::All => f.write_str("drop-instruction all"),
                InstructionSel::Tabling => f.write_str("drop-instruction tabling"),
                InstructionSel::Bloc { party, bloc } => write!(f, "drop-instruction {party}.{bloc}"),
            },
            TalksChange::DropIncident { which } => match which {
                Some(n) => write!(f, "drop-incident {n}"),
                None => f.write_str("drop-incident all"),
            },
            TalksChange::DropTabling { which } => match which {
                Some(n) => write!(f, "drop-tabling {n}"),
                None => f.write_str("drop-tabling all"),
            },
            TalksChange::Guarantor { name, answer } => {
                write!(f, "guarantor {} {}", name.as_deref().unwrap_or("all"), answer.word())
            }
            TalksChange::AddSession { day, start, minutes } => {
                write!(f, "add-session {day} {:02}:{:02} {}", start / HOUR, start % HOUR, duration(*minutes))
            }
            TalksChange::LengthenSession { session, minutes } => match session {
                Some(n) => write!(f, "lengthen-session {n} {}", duration(*minutes)),
                None => write!(f, "lengthen-session last {}", duration(*minutes)),
            },
            TalksChange::Exponent { party, exponent } => write!(f, "exponent {party}={exponent}"),
            TalksChange::Drafting { mediator, rule } => write!(f, "drafting {mediator}={rule}"),
            TalksChange::Table { by, issue, day, time, guarantor } => {
                write!(f, "table {by} {issue} {day} {:02}:{:02}", time / HOUR, time % HOUR)?;
                match guarantor {
                    Some(g) => write!(f, " {g}"),
                    None => Ok(()),
                }
            }
            TalksChange::Guarantee { issue, guarantor } => {
                write!(f, "guarantee {issue}={}", guarantor.as_deref().unwrap_or("none"))
            }
        }
    }
}

const TALKS_SYNTAX: &str = "talks changes: red-lines PARTY.BLOC=ISSUE:VALUE[,…]|none; unify PARTY|all; \
     drop-instruction N|all|tabling|PARTY.BLOC; drop-incident N|all; drop-tabling N|all; \
     guarantor NAME|all consents|refuses|absent|present; add-session DAY HH:MM DURATION; \
     lengthen-session N|last DURATION; exponent PARTY=E; \
     drafting MEDIATOR=margin|nash|kalai-smorodinsky|egalitarian|lean:PARTY:W; \
     table BY ISSUE DAY HH:MM [GUARANTOR]; guarantee ISSUE=GUARANTOR|none";

/// Why a talks change cannot be read.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum TalksSyntaxError {
    #[error("expected `{form}`")]
    ExpectedForm { form: &'static str },
    #[error("{what} must be {expected}, not {text:?}")]
    Bad { what: &'static str, expected: &'static str, text: String },
    #[error(
        "unknown change {kind:?}; expected a change of `entente whatif` (veto, weight, quota, rule, merge, reservation, reversion, utility) or one of the {TALKS_SYNTAX}"
    )]
    UnknownChange { kind: String },
    #[error(transparent)]
    Scenario(#[from] super::ChangeSyntaxError),
}

/// Why a talks change does not fit the talks it is applied to.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum TalksApplyError {
    #[error(transparent)]
    Scenario(#[from] super::ChangeApplyError),
    #[error(
        "{kind} changes the issues, which the talks' agenda, defaults and instructions name; edit the file instead"
    )]
    ChangesIssues { kind: &'static str },
    #[error("talks have no round limit: their length is their sessions (add-session, lengthen-session)")]
    Rounds,
    #[error("a strategy has no effect on talks; change the concession with `exponent {party}=E`")]
    Strategy { party: String },
    #[error("no party {party:?}; the parties are {}", parties.join(", "))]
    NoParty { party: String, parties: Vec<String> },
    #[error("{party:?} is not a delegation; the delegations are {}", if delegations.is_empty() { "(none)".to_string() } else { delegations.join(", ") })]
    NotADelegation { party: String, delegations: Vec<String> },
    #[error("no issue {issue:?}; the issues are {}", issues.join(", "))]
    NoIssue { issue: String, issues: Vec<String> },
    #[error("issue {issue:?} has no value {value:?}")]
    NoValue { issue: String, value: String },
    #[error("there is no {what} {n}: the talks have {count}")]
    NoSuch { what: &'static str, n: usize, count: usize },
    #[error("no guarantor {name:?}; the guarantors are {}", if names.is_empty() { "(none)".to_string() } else { names.join(", ") })]
    NoGuarantor { name: String, names: Vec<String> },
    #[error("no mediator {name:?}; the mediators are {}", names.join(", "))]
    NoMediator { name: String, names: Vec<String> },
    #[error("the session {new} would overlap {other}")]
    Overlap { new: String, other: String },
    #[error("a session lasts from 1 minute to 72 hours, not {minutes} minutes")]
    SessionLength { minutes: u64 },
    #[error("the day must be from 1 to 366, not {day}")]
    Day { day: u32 },
    #[error("an exponent must be a positive number, not {exponent}")]
    Exponent { exponent: f64 },
    #[error("lean: the weight must be in (0, 1], not {weight}")]
    LeanWeight { weight: f64 },
    #[error("{name:?} is neither a party nor a mediator ({})", names.join(", "))]
    NoTabler { name: String, names: Vec<String> },
    #[error("issue {issue:?} is on the agenda; only an item off it can be tabled")]
    OnAgenda { issue: String },
    #[error("issue {issue:?} is already tabled at {at}")]
    Tabled { issue: String, at: String },
    #[error("{at} is at or after the end of the last session ({end}): the item would never be tabled")]
    AfterTheEnd { at: String, end: String },
    #[error(
        "issue {issue:?} is not on the agenda; an item tabled later names its guarantor (table BY ISSUE DAY HH:MM GUARANTOR)"
    )]
    OffAgenda { issue: String },
}

/// Errors of talks changes, naming the change.
#[derive(Debug, Error)]
pub enum TalksChangeError {
    #[error("change {input:?}: {error}")]
    Syntax { input: String, error: TalksSyntaxError },
    #[error("change `{change}`: {error}")]
    Apply { change: String, error: TalksApplyError },
    #[error(transparent)]
    WhatIf(#[from] WhatIfError),
}

fn bad(what: &'static str, expected: &'static str, text: &str) -> TalksSyntaxError {
    TalksSyntaxError::Bad { what, expected, text: text.trim().to_string() }
}

fn party_bloc(s: &str, form: &'static str) -> Result<(String, String), TalksSyntaxError> {
    match s.trim().split_once('.') {
        Some((p, b)) if !p.trim().is_empty() && !b.trim().is_empty() => {
            Ok((p.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(TalksSyntaxError::ExpectedForm { form }),
    }
}

fn all_or_number(s: &str, what: &'static str) -> Result<Option<usize>, TalksSyntaxError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    match t.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad(what, "a number from 1, or all", t)),
    }
}

/// `8h`, `90m`, `1.5h` or a number of minutes.
fn parse_duration(s: &str) -> Result<u64, TalksSyntaxError> {
    let t = s.trim();
    let err = || bad("the duration", "a duration such as 8h, 90m or 480 (minutes)", t);
    let minutes = if let Some(h) = t.strip_suffix('h') {
        let h: f64 = h.trim().parse().map_err(|_| err())?;
        if !(h.is_finite() && h > 0.0) {
            return Err(err());
        }
        (h * 60.0).round()
    } else {
        let m = t.strip_suffix('m').unwrap_or(t).trim();
        m.parse::<u64>().map_err(|_| err())? as f64
    };
    if !(1.0..=72.0 * 60.0).contains(&minutes) {
        return Err(bad("the duration", "from 1 minute to 72 hours", t));
    }
    Ok(minutes as u64)
}

fn parse_hhmm(s: &str) -> Result<u64, TalksSyntaxError> {
    let t = s.trim();
    let err = || bad("the start", "HH:MM (00:00 to 23:59)", t);
    let (h, m) = t.split_once(':').ok_or_else(err)?;
    let (h, m): (u64, u64) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if h > 23 || m > 59 || t.len() > 5 {
        return Err(err());
    }
    Ok(h * HOUR + m)
}

/// Reads one talks change in the compact form: a talks change, or any change
/// of `entente whatif`.
pub fn parse_talks_change(input: &str) -> Result<TalksChange, TalksChangeError> {
    parse_talks_compact(input).map_err(|error| TalksChangeError::Syntax { input: input.to_string(), error })
}

/// Reads one talks change in the compact form (the error without the input).
pub fn parse_talks_compact(input: &str) -> Result<TalksChange, TalksSyntaxError> {
    let text = input.trim();
    let (kind, rest) = match text.split_once(char::is_whitespace) {
        Some((k, r)) => (k, r.trim()),
        None => (text, ""),
    };
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    Ok(match kind.as_str() {
        "red-lines" | "red-line" => {
            const FORM: &str = "red-lines PARTY.BLOC=ISSUE:VALUE[,ISSUE:VALUE…]|none";
            let (target, lines) = rest.split_once('=').ok_or(TalksSyntaxError::ExpectedForm { form: FORM })?;
            let (party, bloc) = party_bloc(target, FORM)?;
            let red_lines = if lines.trim().eq_ignore_ascii_case("none") {
                Vec::new()
            } else {
                lines
                    .split(',')
                    .map(|item| match item.split_once(':') {
                        Some((i, v)) if !i.trim().is_empty() && !v.trim().is_empty() => {
                            Ok((i.trim().to_string(), v.trim().to_string()))
                        }
                        _ => Err(bad("a red line", "ISSUE:VALUE", item)),
                    })
                    .collect::<Result<_, _>>()?
            };
            TalksChange::RedLines { party, bloc, red_lines }
        }
        "unify" => {
            if rest.is_empty() {
                return Err(TalksSyntaxError::ExpectedForm { form: "unify PARTY|all" });
            }
            TalksChange::Unify { party: (!rest.eq_ignore_ascii_case("all")).then(|| rest.to_string()) }
        }
        "drop-instruction" => {
            let which = match rest.to_ascii_lowercase().as_str() {
                "" => return Err(TalksSyntaxError::ExpectedForm { form: "drop-instruction N|all|tabling|PARTY.BLOC" }),
                "all" => InstructionSel::All,
                "tabling" => InstructionSel::Tabling,
                _ if rest.contains('.') => {
                    let (party, bloc) = party_bloc(rest, "drop-instruction PARTY.BLOC")?;
                    InstructionSel::Bloc { party, bloc }
                }
                _ => match rest.parse::<usize>() {
                    Ok(n) if n >= 1 => InstructionSel::Number(n),
                    _ => return Err(bad("the instruction", "a number from 1, all, tabling or PARTY.BLOC", rest)),
                },
            };
            TalksChange::DropInstruction { which }
        }
        "drop-incident" => TalksChange::DropIncident { which: all_or_number(rest, "the incident")? },
        "drop-tabling" => TalksChange::DropTabling { which: all_or_number(rest, "the tabled item")? },
        "guarantor" => {
            const FORM: &str = "guarantor NAME|all consents|refuses|absent|present";
            let (name, answer) =
                rest.rsplit_once(char::is_whitespace).ok_or(TalksSyntaxError::ExpectedForm { form: FORM })?;
            let answer = match answer.trim().to_ascii_lowercase().as_str() {
                "consents" | "consent" => GuarantorAnswer::Consents,
                "refuses" | "refuse" => GuarantorAnswer::Refuses,
                "absent" => GuarantorAnswer::Absent,
                "present" => GuarantorAnswer::Present,
                _ => return Err(bad("the guarantor's answer", "consents, refuses, absent or present", answer)),
            };
            let name = name.trim();
            TalksChange::Guarantor { name: (!name.eq_ignore_ascii_case("all")).then(|| name.to_string()), answer }
        }
        "add-session" => {
            const FORM: &str = "add-session DAY HH:MM DURATION";
            let parts: Vec<&str> = rest.split_whitespace().collect();
            let [day, start, length] = parts[..] else { return Err(TalksSyntaxError::ExpectedForm { form: FORM }) };
            let day = day.trim_end_matches(',');
            let day: u32 = match day.parse() {
                Ok(d) if (1..=366).contains(&d) => d,
                _ => return Err(bad("the day", "a number from 1 to 366", day)),
            };
            TalksChange::AddSession { day, start: parse_hhmm(start)?, minutes: parse_duration(length)? }
        }
        "lengthen-session" => {
            const FORM: &str = "lengthen-session N|last DURATION";
            let (n, by) = rest.split_once(char::is_whitespace).ok_or(TalksSyntaxError::ExpectedForm { form: FORM })?;
            let session = if n.eq_ignore_ascii_case("last") {
                None
            } else {
                match n.parse::<usize>() {
                    Ok(n) if n >= 1 => Some(n),
                    _ => return Err(bad("the session", "a number from 1, or last", n)),
                }
            };
            TalksChange::LengthenSession { session, minutes: parse_duration(by)? }
        }
        "exponent" => {
            let (p, e) = rest.split_once('=').ok_or(TalksSyntaxError::ExpectedForm { form: "exponent PARTY=E" })?;
            let exponent = match e.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => x,
                _ => return Err(bad("the exponent", "a positive number", e)),
            };
            if p.trim().is_empty() {
                return Err(TalksSyntaxError::ExpectedForm { form: "exponent PARTY=E" });
            }
            TalksChange::Exponent { party: p.trim().to_string(), exponent }
        }
        "table" => {
            const FORM: &str = "table BY ISSUE DAY HH:MM [GUARANTOR]";
            let parts: Vec<&str> = rest.split_whitespace().collect();
            let (by, issue, day, time, guarantor) = match parts[..] {
                [by, issue, day, time] => (by, issue, day, time, None),
                [by, issue, day, time, g] => (by, issue, day, time, Some(g.to_string())),
                _ => return Err(TalksSyntaxError::ExpectedForm { form: FORM }),
            };
            let day: u32 = match day.trim_end_matches(',').parse() {
                Ok(d) if (1..=366).contains(&d) => d,
                _ => return Err(bad("the day", "a number from 1 to 366", day)),
            };
            TalksChange::Table { by: by.to_string(), issue: issue.to_string(), day, time: parse_hhmm(time)?, guarantor }
        }
        "guarantee" => {
            const FORM: &str = "guarantee ISSUE=GUARANTOR|none";
            let (i, g) = rest.split_once('=').ok_or(TalksSyntaxError::ExpectedForm { form: FORM })?;
            let (i, g) = (i.trim(), g.trim());
            if i.is_empty() || g.is_empty() {
                return Err(TalksSyntaxError::ExpectedForm { form: FORM });
            }
            TalksChange::Guarantee {
                issue: i.to_string(),
                guarantor: (!g.eq_ignore_ascii_case("none")).then(|| g.to_string()),
            }
        }
        "drafting" => {
            const FORM: &str = "drafting MEDIATOR=RULE";
            let (m, r) = rest.split_once('=').ok_or(TalksSyntaxError::ExpectedForm { form: FORM })?;
            if m.trim().is_empty() {
                return Err(TalksSyntaxError::ExpectedForm { form: FORM });
            }
            let rule = r.trim().parse::<Drafting>().map_err(|_| {
                bad("the drafting rule", "margin, nash, kalai-smorodinsky, egalitarian or lean:PARTY:W", r)
            })?;
            TalksChange::Drafting { mediator: m.trim().to_string(), rule }
        }
        _ => match parse_compact(text) {
            Ok(c) => TalksChange::Scenario(c),
            Err(super::ChangeSyntaxError::UnknownChange { kind }) => {
                return Err(TalksSyntaxError::UnknownChange { kind });
            }
            Err(e) => return Err(e.into()),
        },
    })
}

impl std::str::FromStr for TalksChange {
    type Err = TalksChangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_talks_change(s)
    }
}

/// Applies talks changes in order; returns the changed talks and one note per change.
pub fn apply_talks_changes(talks: &Talks, changes: &[TalksChange]) -> Result<(Talks, Vec<String>), TalksChangeError> {
    let mut t = talks.clone();
    let mut notes = Vec::with_capacity(changes.len());
    for c in changes {
        let (next, note) = apply_talks_change(&t, c)?;
        t = next;
        notes.push(note);
    }
    Ok((t, notes))
}

/// Applies one talks change and says what changed; the talks given are left as they were.
pub fn apply_talks_change(talks: &Talks, change: &TalksChange) -> Result<(Talks, String), TalksChangeError> {
    let mut t = talks.clone();
    let note = apply_in_place(&mut t, change)?;
    Ok((t, note))
}

fn apply_err(change: &TalksChange, error: impl Into<TalksApplyError>) -> TalksChangeError {
    TalksChangeError::Apply { change: change.to_string(), error: error.into() }
}

fn party_index(t: &Talks, party: &str) -> Result<usize, TalksApplyError> {
    t.scenario.parties.iter().position(|p| p.name == party).ok_or_else(|| TalksApplyError::NoParty {
        party: party.to_string(),
        parties: t.scenario.parties.iter().map(|p| p.name.clone()).collect(),
    })
}

fn delegations(t: &Talks) -> Vec<String> {
    t.scenario.parties.iter().filter(|p| p.delegation.is_some()).map(|p| p.name.clone()).collect()
}

/// Party and bloc indices of `PARTY.BLOC` (a party's name may hold dots).
fn bloc_of(t: &Talks, party: &str, bloc: &str) -> Result<(usize, usize), TalksApplyError> {
    Ok(super::resolve_bloc(&t.scenario, party, bloc)?)
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

fn overrides(n: usize) -> String {
    if n == 0 { String::new() } else { format!(" (overrides {} of the talks)", plural(n, "instruction")) }
}

fn apply_in_place(t: &mut Talks, change: &TalksChange) -> Result<String, TalksChangeError> {
    let err = |e: TalksApplyError| apply_err(change, e);
    match change {
        TalksChange::Scenario(c) => scenario_change(t, c),
        TalksChange::RedLines { party, bloc, red_lines } => {
            let (k, f) = bloc_of(t, party, bloc).map_err(err)?;
            let space = &t.scenario.space;
            let mut lines = Vec::with_capacity(red_lines.len());
            for (issue, value) in red_lines {
                let i = space.issue_position(issue).ok_or_else(|| {
                    err(TalksApplyError::NoIssue {
                        issue: issue.clone(),
                        issues: space.issues().iter().map(|x| x.name.clone()).collect(),
                    })
                })?;
                let v = (0..space.radices()[i])
                    .find(|&j| space.issues()[i].value(j).is_some_and(|x| x.to_string() == *value))
                    .ok_or_else(|| err(TalksApplyError::NoValue { issue: issue.clone(), value: value.clone() }))?;
                lines.push(RedLine::Value { issue: i, value: v });
            }
            let dels = delegations(t);
            let p = &mut t.scenario.parties[k];
            let d = p
                .delegation
                .as_mut()
                .ok_or_else(|| err(TalksApplyError::NotADelegation { party: party.clone(), delegations: dels }))?;
            let was = d.blocs[f].bloc.red_lines.len();
            d.blocs[f].bloc.red_lines = lines;
            for c in d.changes.iter_mut().filter(|c| c.bloc == Some(f)) {
                c.red_lines = None;
                c.add_red_lines.clear();
            }
            let mut n = 0;
            for i in t.instructions.iter_mut().filter(|i| i.party == k && i.bloc == f) {
                if i.red_lines.is_some() || !i.add_red_lines.is_empty() {
                    n += 1;
                }
                i.red_lines = None;
                i.add_red_lines.clear();
            }
            let name = t.scenario.parties[k].delegation.as_ref().map_or("", |d| d.blocs[f].bloc.name.as_str());
            Ok(format!(
                "red lines of {name} ({}): {} → {}{}",
                t.scenario.parties[k].name,
                plural(was, "red line"),
                plural(red_lines.len(), "red line"),
                overrides(n)
            ))
        }
        TalksChange::Unify { party } => {
            let targets: Vec<usize> = match party {
                Some(name) => {
                    let k = party_index(t, name).map_err(err)?;
                    if t.scenario.parties[k].delegation.is_none() {
                        return Err(err(TalksApplyError::NotADelegation {
                            party: name.clone(),
                            delegations: delegations(t),
                        }));
                    }
                    vec![k]
                }
                None => (0..t.scenario.parties.len()).collect(),
            };
            let mut unified = Vec::new();
            for k in targets {
                let Some(d) = t.scenario.parties[k].delegation.take() else { continue };
                t.scenario.parties[k].utility = crate::timeline::start_mandate(&t.scenario.space, &d)
                    .map_err(|e| err(super::ChangeApplyError::Model(e).into()))?;
                t.instructions.retain(|i| i.party != k);
                unified.push(t.scenario.parties[k].name.clone());
            }
            Ok(if unified.is_empty() {
                "no delegation to unify".to_string()
            } else {
                format!(
                    "{} speak{} with one voice (the starting mandate, no instructions)",
                    unified.join(", "),
                    if unified.len() == 1 { "s" } else { "" }
                )
            })
        }
        TalksChange::DropInstruction { which } => {
            let before = t.instructions.len();
            match which {
                InstructionSel::Number(n) => {
                    if *n > before {
                        return Err(err(TalksApplyError::NoSuch { what: "instruction", n: *n, count: before }));
                    }
                    t.instructions.remove(n - 1);
                }
                InstructionSel::All => t.instructions.clear(),
                InstructionSel::Tabling => t.instructions.retain(|i| i.table.is_none()),
                InstructionSel::Bloc { party, bloc } => {
                    let (k, f) = bloc_of(t, party, bloc).map_err(err)?;
                    t.instructions.retain(|i| !(i.party == k && i.bloc == f));
                }
            }
            Ok(format!("{} dropped", plural(before - t.instructions.len(), "instruction")))
        }
        TalksChange::DropIncident { which } => {
            let before = t.incidents.len();
            match which {
                Some(n) if *n > before => {
                    return Err(err(TalksApplyError::NoSuch { what: "incident", n: *n, count: before }));
                }
                Some(n) => {
                    t.incidents.remove(n - 1);
                }
                None => t.incidents.clear(),
            }
            Ok(format!("{} dropped", plural(before - t.incidents.len(), "incident")))
        }
        TalksChange::DropTabling { which } => {
            let before = t.tabling.len();
            match which {
                Some(n) if *n > before => {
                    return Err(err(TalksApplyError::NoSuch { what: "tabled item", n: *n, count: before }));
                }
                Some(n) => {
                    t.tabling.remove(n - 1);
                }
                None => t.tabling.clear(),
            }
            Ok(format!("{} dropped", plural(before - t.tabling.len(), "tabled item")))
        }
        TalksChange::Guarantor { name, answer } => {
            let targets: Vec<usize> = match name {
                Some(n) => vec![t.guarantors.iter().position(|g| g.name == *n).ok_or_else(|| {
                    err(TalksApplyError::NoGuarantor {
                        name: n.clone(),
                        names: t.guarantors.iter().map(|g| g.name.clone()).collect(),
                    })
                })?],
                None => (0..t.guarantors.len()).collect(),
            };
            for &g in &targets {
                let gu = &mut t.guarantors[g];
                match answer {
                    GuarantorAnswer::Consents => (gu.present, gu.consents) = (true, true),
                    GuarantorAnswer::Refuses => (gu.present, gu.consents) = (true, false),
                    GuarantorAnswer::Absent => gu.present = false,
                    GuarantorAnswer::Present => gu.present = true,
                }
            }
            let names: Vec<&str> = targets.iter().map(|&g| t.guarantors[g].name.as_str()).collect();
            let what = match answer {
                GuarantorAnswer::Consents => "present and consenting",
                GuarantorAnswer::Refuses => "present and refusing",
                GuarantorAnswer::Absent => "absent",
                GuarantorAnswer::Present => "present",
            };
            Ok(if names.is_empty() { "no guarantor".to_string() } else { format!("{}: {what}", names.join(", ")) })
        }
        TalksChange::AddSession { day, start, minutes } => {
            if !(1..=366).contains(day) {
                return Err(err(TalksApplyError::Day { day: *day }));
            }
            if !(1..=72 * HOUR).contains(minutes) {
                return Err(err(TalksApplyError::SessionLength { minutes: *minutes }));
            }
            let s = Session {
                day: *day,
                label: format!("day {day}"),
                start: (u64::from(*day) - 1) * crate::talks::DAY + start,
                minutes: *minutes,
            };
            if let Some(o) = t.sessions.iter().find(|o| s.start < o.end() && o.start < s.end()) {
                return Err(err(TalksApplyError::Overlap { new: session_text(&s), other: session_text(o) }));
            }
            let note = format!("new session {}", session_text(&s));
            let at = t.sessions.iter().position(|o| o.start > s.start).unwrap_or(t.sessions.len());
            t.sessions.insert(at, s);
            Ok(note)
        }
        TalksChange::LengthenSession { session, minutes } => {
            let count = t.sessions.len();
            let n = match session {
                Some(n) if *n > count || *n == 0 => {
                    return Err(err(TalksApplyError::NoSuch { what: "session", n: *n, count }));
                }
                Some(n) => n - 1,
                None => {
                    count.checked_sub(1).ok_or_else(|| err(TalksApplyError::NoSuch { what: "session", n: 1, count }))?
                }
            };
            let total = t.sessions[n].minutes + minutes;
            if total > 72 * HOUR {
                return Err(err(TalksApplyError::SessionLength { minutes: total }));
            }
            let mut longer = t.sessions[n].clone();
            longer.minutes = total;
            if let Some(o) = t.sessions.get(n + 1).filter(|o| o.start < longer.end()) {
                return Err(err(TalksApplyError::Overlap { new: session_text(&longer), other: session_text(o) }));
            }
            let note = format!("session {} ({}) lengthened by {}", n + 1, t.sessions[n].label, duration(*minutes));
            t.sessions[n] = longer;
            Ok(note)
        }
        TalksChange::Exponent { party, exponent } => {
            if !(exponent.is_finite() && *exponent > 0.0) {
                return Err(err(TalksApplyError::Exponent { exponent: *exponent }));
            }
            let k = party_index(t, party).map_err(err)?;
            let parties: Vec<String> = t.scenario.parties.iter().map(|p| p.name.clone()).collect();
            // Talks whose conduct is missing for this party (not read from a file): no party to change.
            let c =
                t.conduct.get_mut(k).ok_or_else(|| err(TalksApplyError::NoParty { party: party.clone(), parties }))?;
            let was = c.exponent;
            c.exponent = *exponent;
            Ok(format!("concession exponent of {party}: {was} → {exponent}"))
        }
        TalksChange::Table { by, issue, day, time, guarantor } => {
            let tabler = match t.scenario.parties.iter().position(|p| p.name == *by) {
                Some(k) => crate::talks::Tabler::Party(k),
                None => match t.mediators.iter().position(|m| m == by) {
                    Some(m) => crate::talks::Tabler::Mediator(m),
                    None => {
                        let mut names: Vec<String> = t.scenario.parties.iter().map(|p| p.name.clone()).collect();
                        names.extend(t.mediators.iter().cloned());
                        return Err(err(TalksApplyError::NoTabler { name: by.clone(), names }));
                    }
                },
            };
            let i = issue_of(t, issue).map_err(err)?;
            if t.agenda.contains(&i) {
                return Err(err(TalksApplyError::OnAgenda { issue: issue.clone() }));
            }
            let earlier = t.instructions.iter().filter_map(|x| Some((x.table.as_ref()?.issue, x.at)));
            let earlier = earlier.chain(t.tabling.iter().map(|x| (x.item.issue, x.at)));
            if let Some((_, at)) = earlier.clone().find(|(x, _)| *x == i) {
                return Err(err(TalksApplyError::Tabled { issue: issue.clone(), at: crate::talks::clock(at) }));
            }
            let at = (u64::from(*day) - 1) * crate::talks::DAY + time;
            if at >= t.end() {
                return Err(err(TalksApplyError::AfterTheEnd {
                    at: crate::talks::clock(at),
                    end: crate::talks::clock(t.end()),
                }));
            }
            let g = guarantor.as_ref().map(|g| guarantor_of(t, g)).transpose().map_err(err)?;
            t.tabling.push(crate::talks::Tabling {
                at,
                by: tabler,
                item: crate::talks::TableItem { issue: i, guarantor: g },
                text: None,
            });
            let with = guarantor.as_ref().map_or(String::new(), |g| format!(", guaranteed by {g}"));
            Ok(format!("{by} tables {issue} on {}{with}", crate::talks::clock(at)))
        }
        TalksChange::Guarantee { issue, guarantor } => {
            let i = issue_of(t, issue).map_err(err)?;
            if !t.agenda.contains(&i) {
                return Err(err(TalksApplyError::OffAgenda { issue: issue.clone() }));
            }
            let was = t
                .guarantees
                .iter()
                .find(|(x, _)| *x == i)
                .and_then(|&(_, g)| t.guarantors.get(g))
                .map(|g| g.name.clone());
            t.guarantees.retain(|(x, _)| *x != i);
            if let Some(g) = guarantor {
                let g = guarantor_of(t, g).map_err(err)?;
                t.guarantees.push((i, g));
                t.guarantees.sort_unstable();
            }
            Ok(format!(
                "guarantor of {issue}: {} → {}",
                was.as_deref().unwrap_or("none"),
                guarantor.as_deref().unwrap_or("none")
            ))
        }
        TalksChange::Drafting { mediator, rule } => {
            let m = t.mediators.iter().position(|x| x == mediator).ok_or_else(|| {
                err(TalksApplyError::NoMediator { name: mediator.clone(), names: t.mediators.clone() })
            })?;
            if let Drafting::Lean { party, weight } = rule {
                party_index(t, party).map_err(err)?;
                if !(weight.is_finite() && *weight > 0.0 && *weight <= 1.0) {
                    return Err(err(TalksApplyError::LeanWeight { weight: *weight }));
                }
            }
            t.drafting.resize(t.mediators.len(), Drafting::Margin);
            let was = std::mem::replace(&mut t.drafting[m], rule.clone());
            Ok(format!("drafting rule of {mediator}: {was} → {rule}"))
        }
    }
}

fn issue_of(t: &Talks, issue: &str) -> Result<usize, TalksApplyError> {
    t.scenario.space.issue_position(issue).ok_or_else(|| TalksApplyError::NoIssue {
        issue: issue.to_string(),
        issues: t.scenario.space.issues().iter().map(|x| x.name.clone()).collect(),
    })
}

fn guarantor_of(t: &Talks, name: &str) -> Result<usize, TalksApplyError> {
    t.guarantors.iter().position(|g| g.name == name).ok_or_else(|| TalksApplyError::NoGuarantor {
        name: name.to_string(),
        names: t.guarantors.iter().map(|g| g.name.clone()).collect(),
    })
}

fn session_text(s: &Session) -> String {
    format!("{} ({} to {})", s.label, crate::talks::clock(s.start), crate::talks::clock(s.end()))
}

/// A scenario change applied to the talks' scenario, and what it means for
/// the talks' instructions.
fn scenario_change(t: &mut Talks, c: &WhatIf) -> Result<String, TalksChangeError> {
    let refuse = |e: TalksApplyError| TalksChangeError::Apply { change: c.to_string(), error: e };
    match c {
        WhatIf::DropIssue { .. } => return Err(refuse(TalksApplyError::ChangesIssues { kind: "drop-issue" })),
        WhatIf::AddIssue { .. } => return Err(refuse(TalksApplyError::ChangesIssues { kind: "add-issue" })),
        WhatIf::DropValue { .. } => return Err(refuse(TalksApplyError::ChangesIssues { kind: "drop-value" })),
        WhatIf::AddValue { .. } => return Err(refuse(TalksApplyError::ChangesIssues { kind: "add-value" })),
        WhatIf::Rounds { .. } => return Err(refuse(TalksApplyError::Rounds)),
        WhatIf::Strategy { party, .. } => return Err(refuse(TalksApplyError::Strategy { party: party.clone() })),
        _ => {}
    }
    // The bloc a change names, resolved before the change (a merge renumbers blocs).
    let target = match c {
        WhatIf::Veto { party, bloc, .. }
        | WhatIf::Weight { party, bloc, .. }
        | WhatIf::Reversion { party, bloc, .. } => Some(bloc_of(t, party, bloc).map_err(refuse)?),
        _ => None,
    };
    let before = t.scenario.parties.clone();
    let applied = super::apply_noted(&t.scenario, c)?;
    t.scenario = applied.scenario;
    let mut note = applied.note;
    let mut n = 0;
    match (c, target) {
        (WhatIf::Veto { .. }, Some((k, f))) => {
            for i in t.instructions.iter_mut().filter(|i| i.party == k && i.bloc == f) {
                n += usize::from(i.veto.take().is_some());
            }
        }
        (WhatIf::Weight { .. }, Some((k, f))) => {
            for i in t.instructions.iter_mut().filter(|i| i.party == k && i.bloc == f) {
                n += usize::from(i.weight.take().is_some());
            }
        }
        (WhatIf::Reversion { .. }, Some((k, f))) => {
            for i in t.instructions.iter_mut().filter(|i| i.party == k && i.bloc == f) {
                n += usize::from(i.reversion.take().is_some());
            }
        }
        (WhatIf::Quota { party, .. }, _) => {
            let k = party_index(t, party).map_err(refuse)?;
            for i in t.instructions.iter_mut().filter(|i| i.party == k) {
                n += usize::from(i.quota.take().is_some());
            }
        }
        (WhatIf::Merge { party, blocs, name }, _) => {
            let k = t.scenario.parties.iter().position(|p| p.name == *party).or_else(|| {
                // A party whose name holds a dot: the one whose blocs changed.
                let names = |p: &crate::Party| -> Vec<String> {
                    p.delegation.as_ref().map_or(vec![], |d| d.blocs.iter().map(|b| b.bloc.name.clone()).collect())
                };
                (0..before.len()).find(|&k| names(&before[k]) != names(&t.scenario.parties[k]))
            });
            if let Some(k) = k
                && let (Some(old), Some(new)) = (&before[k].delegation, t.scenario.parties[k].delegation.clone())
            {
                let new = &new;
                n = merge_instructions(t, k, old, new, blocs, name);
            }
            if n > 0 {
                note.push_str(&format!("; {} of the talks now apply to {name}", plural(n, "instruction")));
            }
            return Ok(note);
        }
        _ => {}
    }
    note.push_str(&overrides(n));
    Ok(note)
}

/// Translates party `k`'s instructions after its blocs `merged` (names in
/// `old`) became bloc `name` of `new`; returns how many instructions were of
/// merged blocs.
fn merge_instructions(
    t: &mut Talks,
    k: usize,
    old: &Delegation,
    new: &Delegation,
    merged: &[String],
    name: &str,
) -> usize {
    let space = t.scenario.space.clone();
    let idx: Vec<usize> = merged.iter().filter_map(|m| old.blocs.iter().position(|b| b.bloc.name == *m)).collect();
    let Some(merged_at) = new.blocs.iter().position(|b| b.bloc.name == name.trim()) else { return 0 };
    let total: f64 = idx.iter().map(|&f| old.blocs[f].bloc.weight).sum();
    let shares: Vec<f64> = idx
        .iter()
        .map(|&f| if total <= 0.0 { 1.0 / idx.len() as f64 } else { old.blocs[f].bloc.weight / total })
        .collect();
    let start = Timeline::from_start(old.declared(), 0.0, old.changes.iter().filter(|c| c.at <= 0.0).cloned()).start();
    let mut states: Vec<Bloc> = idx.iter().map(|&f| start.blocs[f].clone()).collect();
    let reversion = |states: &[Bloc]| -> Reversion {
        if let Some(Reversion::Outcome(o)) = states.first().map(|b| b.reversion)
            && states.iter().all(|b| b.reversion == Reversion::Outcome(o))
        {
            return Reversion::Outcome(o);
        }
        let mut r = 0.0;
        for ((b, &f), a) in states.iter().zip(&idx).zip(&shares) {
            let u = match b.reversion {
                Reversion::Utility(u) => u,
                Reversion::Outcome(o) => space.values_of(o as u128).map_or(0.0, |v| old.blocs[f].utility.utility(&v)),
            };
            r += a * u;
        }
        Reversion::Utility(r)
    };
    let mut order: Vec<usize> = (0..t.instructions.len()).filter(|&i| t.instructions[i].party == k).collect();
    order.sort_by_key(|&i| t.instructions[i].at);
    let mut n = 0;
    for i in order {
        let ins = &mut t.instructions[i];
        match idx.iter().position(|&f| f == ins.bloc) {
            Some(m) => {
                n += 1;
                let mut rule = old.rule;
                let change = Change { bloc: Some(m), quota: None, ..ins.change() };
                change.apply(&mut states, &mut rule);
                let red = ins.red_lines.is_some() || !ins.add_red_lines.is_empty();
                ins.bloc = merged_at;
                ins.weight = ins.weight.map(|_| states.iter().map(|b| b.weight).sum());
                ins.veto = ins.veto.map(|_| states.iter().any(|b| b.veto));
                ins.reversion = ins.reversion.map(|_| reversion(&states));
                ins.add_red_lines.clear();
                ins.red_lines = red.then(|| {
                    let mut out: Vec<RedLine> = Vec::new();
                    for r in states.iter().flat_map(|b| &b.red_lines) {
                        if !out.contains(r) {
                            out.push(*r);
                        }
                    }
                    out
                });
            }
            None => {
                if let Some(b) = old.blocs.get(ins.bloc) {
                    ins.bloc = new.blocs.iter().position(|x| x.bloc.name == b.bloc.name).unwrap_or(ins.bloc);
                }
            }
        }
    }
    n
}
