//! What-if changes to a scenario: remove or grant a bloc's veto, change a
//! weight, a quota or a rule, merge blocs, drop or add an issue or a value,
//! change a reservation or reversion point, a strategy, the round limit or a
//! utility. [`apply`] returns a new scenario and leaves the given one as it was.
//!
//! This is model editing: no file is read here (the changes file is read by
//! `entente_formats::whatif`).
//!
//! # Compact syntax (`entente whatif --change "…"`)
//!
//! ```text
//! veto PARTY.BLOC off|on              remove or grant a veto (also no/yes, false/true)
//! weight PARTY.BLOC=W                 a bloc's weight (a number >= 0)
//! quota PARTY=Q                       the quota of a delegation under rule "quota", in (0, total weight]
//! rule PARTY=RULE                     unanimity | weighted-sum | quota:Q | dominant:BLOC
//! merge PARTY.B1+B2[+…] as NAME       merge blocs into one
//! drop-issue ISSUE=VALUE              take an issue off the table, fixed at VALUE
//! add-issue NAME=V1,V2,…              a new discrete issue (weight 0 for everybody)
//! drop-value ISSUE=VALUE              remove one value of an issue
//! add-value ISSUE=VALUE               a new value of a discrete issue (value utility 0 for everybody)
//! reservation PARTY=R|none            a unitary party's reservation value
//! reversion PARTY.BLOC=R              a bloc's reversion utility
//! strategy PARTY=NAME                 a party's negotiator (default parameters)
//! rounds N                            the round limit
//! utility TARGET ISSUE=W[:U1,U2,…]    weight (and value utilities, in value order) of an
//!                                     issue in a linear additive utility; TARGET is PARTY or PARTY.BLOC
//! ```
//!
//! Kinds are case-insensitive and `_` may stand for `-`. Names containing
//! `.`, `=`, `+` or `,` are best given in a changes file. Where a party's name
//! itself contains `.`, `PARTY.BLOC` is resolved against the scenario.
//!
//! # Semantics
//!
//! - A change to a bloc's veto, weight or reversion, or to a quota, holds for
//!   the whole negotiation: it sets the instruction at the start and removes
//!   the same field from the bloc's timed changes (the note says how many).
//! - **merge**: the merged bloc takes the place of the first merged bloc; its
//!   weight is the sum of the weights; its utility the weight-weighted average
//!   `Σ (w_f / W) u_f` (an exact linear additive function when every merged
//!   bloc is linear additive, built as [`Delegation::mandate`] builds a
//!   mandate; otherwise a weighted sum); it holds a veto if any merged bloc
//!   did; its reversion is the weight-weighted average of their reversion
//!   utilities (the status-quo outcome itself when they all share one); its
//!   red lines the union of theirs. With a total weight of 0 the average is
//!   plain. A dominant rule naming a merged bloc names the merged one. Timed
//!   changes of merged blocs are translated into changes of the merged bloc at
//!   the same times (weight: the sum; veto: any; reversion: the same average;
//!   red lines: the union), the merged utility keeping the mix of the start;
//!   the note says when a merged bloc's weight changes over time.
//! - **drop-issue** `ISSUE=VALUE`: every utility is restricted to
//!   `ISSUE = VALUE`: the constant term `w · v(VALUE)` of linear additive
//!   utilities folds into the bias (other utilities are evaluated through the
//!   fixed value), so every remaining outcome keeps its utility (equal in
//!   value; the summation order changes, so the last bit may differ). A red
//!   line on another value of the issue can no longer be crossed and is
//!   removed; a red line on `VALUE` itself now covers every outcome (the bloc
//!   accepts nothing; the note says so). Red-line and status-quo outcomes with
//!   another value disappear: a red line is removed, a status quo is kept as
//!   its utility to the bloc.
//! - **add-issue**: a discrete issue appended last, with weight 0 (an empty
//!   table) in every linear additive utility (others ignore it); a red-line
//!   outcome covers every value of it; a status-quo outcome takes its first
//!   value. Give it weight with `utility` changes.
//! - **drop-value**: outcomes with the value disappear (red lines on them are
//!   removed, status quos kept as utilities); an integer issue losing its
//!   minimum or maximum stays an integer issue, otherwise the issue becomes
//!   discrete. The edited issue's value functions become tables.
//! - **add-value** (discrete issues): appended last, value utility 0 in every
//!   linear additive utility; refused for other utilities.
//! - A delegation's own utility (its mandate) is recomputed after every
//!   change.

use std::fmt;
use std::sync::Arc;

use crate::{Party, Scenario};
use entente_core::blocs::{Bloc, BlocSpec, Change, Delegation, RedLine, Reversion, Rule, Uncertainty, WeightedSum};
use entente_core::{
    Issue, IssueKind, LinearAdditive, OutcomeId, OutcomeSpace, Preferences, UtilityFunction, Value, ValueFunction,
};
use thiserror::Error;

use crate::strategy::{StrategyOptions, StrategySpec};

pub mod talks;

/// One change to a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum WhatIf {
    /// Remove (`false`) or grant (`true`) a bloc's veto.
    Veto { party: String, bloc: String, veto: bool },
    /// A bloc's weight.
    Weight { party: String, bloc: String, weight: f64 },
    /// The quota of a delegation under the quota rule.
    Quota { party: String, quota: f64 },
    /// A delegation's ratification rule.
    Rule { party: String, rule: RuleChange },
    /// Merge blocs into one named `name`.
    Merge { party: String, blocs: Vec<String>, name: String },
    /// Take an issue off the table, fixed at `value`.
    DropIssue { issue: String, value: Value },
    /// A new discrete issue nobody cares about yet.
    AddIssue { issue: String, values: Vec<String> },
    /// Remove one value of an issue.
    DropValue { issue: String, value: Value },
    /// A new value of a discrete issue (utility 0 for everybody).
    AddValue { issue: String, value: String },
    /// A unitary party's reservation value (`None`: no reservation).
    Reservation { party: String, reservation: Option<f64> },
    /// A bloc's reversion utility.
    Reversion { party: String, bloc: String, reversion: f64 },
    /// A party's negotiator, by strategy name with default parameters.
    Strategy { party: String, strategy: String },
    /// The round limit.
    Rounds { rounds: u32 },
    /// An issue's weight, and optionally its value utilities, in the linear
    /// additive utility of a unitary party or of a bloc.
    Utility { party: String, bloc: Option<String>, issue: String, weight: f64, values: Option<Vec<f64>> },
}

/// A rule as a what-if gives it (blocs by name).
#[derive(Clone, Debug, PartialEq)]
pub enum RuleChange {
    Unanimity,
    WeightedSum,
    Quota(f64),
    Dominant(String),
}

impl fmt::Display for RuleChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleChange::Unanimity => f.write_str("unanimity"),
            RuleChange::WeightedSum => f.write_str("weighted-sum"),
            RuleChange::Quota(q) => write!(f, "quota:{q}"),
            RuleChange::Dominant(b) => write!(f, "dominant:{b}"),
        }
    }
}

fn list<T: fmt::Display>(xs: &[T], sep: &str) -> String {
    xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(sep)
}

impl fmt::Display for WhatIf {
    /// The compact form, which [`parse_change`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhatIf::Veto { party, bloc, veto } => {
                write!(f, "veto {party}.{bloc} {}", if *veto { "on" } else { "off" })
            }
            WhatIf::Weight { party, bloc, weight } => write!(f, "weight {party}.{bloc}={weight}"),
            WhatIf::Quota { party, quota } => write!(f, "quota {party}={quota}"),
            WhatIf::Rule { party, rule } => write!(f, "rule {party}={rule}"),
            WhatIf::Merge { party, blocs, name } => write!(f, "merge {party}.{} as {name}", blocs.join("+")),
            WhatIf::DropIssue { issue, value } => write!(f, "drop-issue {issue}={value}"),
            WhatIf::AddIssue { issue, values } => write!(f, "add-issue {issue}={}", values.join(",")),
            WhatIf::DropValue { issue, value } => write!(f, "drop-value {issue}={value}"),
            WhatIf::AddValue { issue, value } => write!(f, "add-value {issue}={value}"),
            WhatIf::Reservation { party, reservation } => match reservation {
                Some(r) => write!(f, "reservation {party}={r}"),
                None => write!(f, "reservation {party}=none"),
            },
            WhatIf::Reversion { party, bloc, reversion } => write!(f, "reversion {party}.{bloc}={reversion}"),
            WhatIf::Strategy { party, strategy } => write!(f, "strategy {party}={strategy}"),
            WhatIf::Rounds { rounds } => write!(f, "rounds {rounds}"),
            WhatIf::Utility { party, bloc, issue, weight, values } => {
                write!(f, "utility {party}")?;
                if let Some(b) = bloc {
                    write!(f, ".{b}")?;
                }
                write!(f, " {issue}={weight}")?;
                if let Some(v) = values {
                    write!(f, ":{}", list(v, ","))?;
                }
                Ok(())
            }
        }
    }
}

/// Errors of what-if changes: a change that cannot be read, or a change that
/// does not fit the scenario.
#[derive(Debug, Error)]
pub enum WhatIfError {
    #[error("change {input:?}: {error}")]
    Syntax { input: String, error: ChangeSyntaxError },
    #[error("change `{change}`: {error}")]
    Apply { change: String, error: ChangeApplyError },
}

/// A changed scenario and what changed, in words.
#[derive(Clone, Debug)]
pub struct Applied {
    pub scenario: Scenario,
    pub note: String,
}

// ---------------------------------------------------------------------------
// Parsing the compact form.

const SYNTAX: &str = "expected one of: veto PARTY.BLOC off|on; weight PARTY.BLOC=W; quota PARTY=Q; \
                      rule PARTY=unanimity|weighted-sum|quota:Q|dominant:BLOC; merge PARTY.B1+B2 as NAME; \
                      drop-issue ISSUE=VALUE; add-issue NAME=V1,V2; drop-value ISSUE=VALUE; add-value ISSUE=VALUE; \
                      reservation PARTY=R|none; reversion PARTY.BLOC=R; strategy PARTY=NAME; rounds N; \
                      utility PARTY[.BLOC] ISSUE=W[:U1,U2,...]";

/// Why a change in the compact form cannot be read.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ChangeSyntaxError {
    #[error("empty change; {SYNTAX}")]
    Empty,
    #[error("unknown change {kind:?}; {SYNTAX}")]
    UnknownChange { kind: String },
    #[error("expected `{form}`")]
    ExpectedForm { form: &'static str },
    #[error("expected PARTY.BLOC in `{form}`, not {text:?}")]
    ExpectedPartyBloc { form: &'static str, text: String },
    #[error("{what} must be a finite number, not {text:?}")]
    NotANumber { what: &'static str, text: String },
    #[error("{what} is missing")]
    Missing { what: &'static str },
    #[error("expected on or off, not {text:?}")]
    NotASwitch { text: String },
    #[error("expected a rule: unanimity, weighted-sum, quota:Q or dominant:BLOC, not {text:?}")]
    UnknownRule { text: String },
    #[error("rounds must be an integer from 1 to 100000000, not {text:?}")]
    Rounds { text: String },
    #[error("a merge needs at least two blocs: `{form}`")]
    MergeNeedsTwoBlocs { form: &'static str },
    #[error(transparent)]
    Strategy(#[from] crate::strategy::StrategyError),
}

fn number(s: &str, what: &'static str) -> Result<f64, ChangeSyntaxError> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(ChangeSyntaxError::NotANumber { what, text: t.to_string() }),
    }
}

fn name(s: &str, what: &'static str) -> Result<String, ChangeSyntaxError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ChangeSyntaxError::Missing { what });
    }
    Ok(t.to_string())
}

/// `PARTY.BLOC` split at the first dot (re-split against the scenario when
/// the party's name holds a dot).
fn party_bloc(s: &str, form: &'static str) -> Result<(String, String), ChangeSyntaxError> {
    let Some((p, b)) = s.trim().split_once('.') else {
        return Err(ChangeSyntaxError::ExpectedPartyBloc { form, text: s.trim().to_string() });
    };
    Ok((name(p, "the party")?, name(b, "the bloc")?))
}

fn assignment<'a>(rest: &'a str, form: &'static str) -> Result<(&'a str, &'a str), ChangeSyntaxError> {
    rest.split_once('=').ok_or(ChangeSyntaxError::ExpectedForm { form })
}

fn switch(s: &str) -> Result<bool, ChangeSyntaxError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "grant" => Ok(true),
        "off" | "no" | "false" | "remove" => Ok(false),
        other => Err(ChangeSyntaxError::NotASwitch { text: other.to_string() }),
    }
}

fn parse_rule(s: &str) -> Result<RuleChange, ChangeSyntaxError> {
    let t = s.trim();
    let (head, arg) = match t.split_once(':') {
        Some((h, a)) => (h.trim(), Some(a.trim())),
        None => (t, None),
    };
    match (head.to_ascii_lowercase().replace('_', "-").as_str(), arg) {
        ("unanimity", None) => Ok(RuleChange::Unanimity),
        ("weighted-sum", None) => Ok(RuleChange::WeightedSum),
        ("quota", Some(q)) => Ok(RuleChange::Quota(number(q, "the quota")?)),
        ("dominant", Some(b)) => Ok(RuleChange::Dominant(name(b, "the dominant bloc")?)),
        _ => Err(ChangeSyntaxError::UnknownRule { text: t.to_string() }),
    }
}

fn check_strategy(s: &str) -> Result<String, ChangeSyntaxError> {
    let n = name(s, "the strategy")?;
    StrategySpec::from_name(&n, &StrategyOptions::default())?;
    Ok(n)
}

fn parse_rounds(s: &str) -> Result<u32, ChangeSyntaxError> {
    let t = s.trim();
    match t.parse::<u32>() {
        Ok(n) if (1..=100_000_000).contains(&n) => Ok(n),
        _ => Err(ChangeSyntaxError::Rounds { text: t.to_string() }),
    }
}

/// Reads one change in the compact form.
pub fn parse_change(input: &str) -> Result<WhatIf, WhatIfError> {
    parse_compact(input).map_err(|error| WhatIfError::Syntax { input: input.to_string(), error })
}

impl std::str::FromStr for WhatIf {
    type Err = WhatIfError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_change(s)
    }
}

/// Reads one change in the compact form (the error without the input).
pub fn parse_compact(input: &str) -> Result<WhatIf, ChangeSyntaxError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(ChangeSyntaxError::Empty);
    }
    let (kind, rest) = match text.split_once(char::is_whitespace) {
        Some((k, r)) => (k, r.trim()),
        None => (text, ""),
    };
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    match kind.as_str() {
        "veto" => {
            const FORM: &str = "veto PARTY.BLOC off|on";
            let (target, state) = match rest.split_once('=') {
                Some(x) => x,
                None => rest.rsplit_once(char::is_whitespace).ok_or(ChangeSyntaxError::ExpectedForm { form: FORM })?,
            };
            let (party, bloc) = party_bloc(target, FORM)?;
            Ok(WhatIf::Veto { party, bloc, veto: switch(state)? })
        }
        "weight" => {
            const FORM: &str = "weight PARTY.BLOC=W";
            let (target, w) = assignment(rest, FORM)?;
            let (party, bloc) = party_bloc(target, FORM)?;
            Ok(WhatIf::Weight { party, bloc, weight: number(w, "the weight")? })
        }
        "quota" => {
            let (p, q) = assignment(rest, "quota PARTY=Q")?;
            Ok(WhatIf::Quota { party: name(p, "the party")?, quota: number(q, "the quota")? })
        }
        "rule" => {
            let (p, r) = assignment(rest, "rule PARTY=unanimity|weighted-sum|quota:Q|dominant:BLOC")?;
            Ok(WhatIf::Rule { party: name(p, "the party")?, rule: parse_rule(r)? })
        }
        "merge" => {
            const FORM: &str = "merge PARTY.BLOC1+BLOC2[+...] as NAME";
            let (left, new_name) = rest
                .rsplit_once(" as ")
                .or_else(|| rest.rsplit_once("\tas\t"))
                .ok_or(ChangeSyntaxError::ExpectedForm { form: FORM })?;
            let (party, blocs) = party_bloc(left, FORM)?;
            let blocs: Vec<String> = blocs.split('+').map(|b| name(b, "a merged bloc")).collect::<Result<_, _>>()?;
            if blocs.len() < 2 {
                return Err(ChangeSyntaxError::MergeNeedsTwoBlocs { form: FORM });
            }
            Ok(WhatIf::Merge { party, blocs, name: name(new_name, "the merged bloc's name")? })
        }
        "drop-issue" => {
            let (i, v) = assignment(rest, "drop-issue ISSUE=VALUE")?;
            Ok(WhatIf::DropIssue { issue: name(i, "the issue")?, value: Value::Text(name(v, "the value")?) })
        }
        "add-issue" => {
            let (i, vs) = assignment(rest, "add-issue NAME=V1,V2,...")?;
            let values: Vec<String> = vs.split(',').map(|v| name(v, "a value")).collect::<Result<_, _>>()?;
            Ok(WhatIf::AddIssue { issue: name(i, "the issue")?, values })
        }
        "drop-value" => {
            let (i, v) = assignment(rest, "drop-value ISSUE=VALUE")?;
            Ok(WhatIf::DropValue { issue: name(i, "the issue")?, value: Value::Text(name(v, "the value")?) })
        }
        "add-value" => {
            let (i, v) = assignment(rest, "add-value ISSUE=VALUE")?;
            Ok(WhatIf::AddValue { issue: name(i, "the issue")?, value: name(v, "the value")? })
        }
        "reservation" => {
            let (p, r) = assignment(rest, "reservation PARTY=R|none")?;
            let reservation =
                if r.trim().eq_ignore_ascii_case("none") { None } else { Some(number(r, "the reservation value")?) };
            Ok(WhatIf::Reservation { party: name(p, "the party")?, reservation })
        }
        "reversion" => {
            const FORM: &str = "reversion PARTY.BLOC=R";
            let (target, r) = assignment(rest, FORM)?;
            let (party, bloc) = party_bloc(target, FORM)?;
            Ok(WhatIf::Reversion { party, bloc, reversion: number(r, "the reversion utility")? })
        }
        "strategy" => {
            let (p, s) = assignment(rest, "strategy PARTY=NAME")?;
            Ok(WhatIf::Strategy { party: name(p, "the party")?, strategy: check_strategy(s)? })
        }
        "rounds" => {
            let n = rest.strip_prefix('=').unwrap_or(rest);
            Ok(WhatIf::Rounds { rounds: parse_rounds(n)? })
        }
        "utility" => {
            const FORM: &str = "utility PARTY[.BLOC] ISSUE=W[:U1,U2,...]";
            let (left, right) = assignment(rest, FORM)?;
            let (target, issue) =
                left.trim().rsplit_once(char::is_whitespace).ok_or(ChangeSyntaxError::ExpectedForm { form: FORM })?;
            let (party, bloc) = match target.trim().split_once('.') {
                Some((p, b)) => (name(p, "the party")?, Some(name(b, "the bloc")?)),
                None => (name(target, "the party")?, None),
            };
            let (w, values) = match right.split_once(':') {
                Some((w, vs)) => {
                    let values: Vec<f64> =
                        vs.split(',').map(|v| number(v, "a value utility")).collect::<Result<_, _>>()?;
                    (w, Some(values))
                }
                None => (right, None),
            };
            Ok(WhatIf::Utility {
                party,
                bloc,
                issue: name(issue, "the issue")?,
                weight: number(w, "the weight")?,
                values,
            })
        }
        other => Err(ChangeSyntaxError::UnknownChange { kind: other.to_string() }),
    }
}

// ---------------------------------------------------------------------------
// Applying changes.

/// Applies one change; the scenario given is left as it was.
pub fn apply(scenario: &Scenario, change: &WhatIf) -> Result<Scenario, WhatIfError> {
    apply_noted(scenario, change).map(|a| a.scenario)
}

/// Applies changes in order; returns the changed scenario and one note per change.
pub fn apply_all(scenario: &Scenario, changes: &[WhatIf]) -> Result<(Scenario, Vec<String>), WhatIfError> {
    let mut s = scenario.clone();
    let mut notes = Vec::with_capacity(changes.len());
    for c in changes {
        let a = apply_noted(&s, c)?;
        s = a.scenario;
        notes.push(a.note);
    }
    Ok((s, notes))
}

/// Applies one change and says what changed.
pub fn apply_noted(scenario: &Scenario, change: &WhatIf) -> Result<Applied, WhatIfError> {
    let mut s = scenario.clone();
    let note =
        apply_in_place(&mut s, change).map_err(|error| WhatIfError::Apply { change: change.to_string(), error })?;
    Ok(Applied { scenario: s, note })
}

/// Why a change does not fit the scenario it is applied to.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ChangeApplyError {
    #[error("no party {party:?}; the parties are {}", names_or_none(parties))]
    NoParty { party: String, parties: Vec<String> },
    #[error(
        "party {party:?} is not a delegation (it has no blocs); the delegations are {}",
        names_or_none(delegations)
    )]
    NotADelegation { party: String, delegations: Vec<String> },
    #[error("delegation {party:?} has no bloc {bloc:?}; its blocs are {}", names_or_none(blocs))]
    NoBloc { party: String, bloc: String, blocs: Vec<String> },
    #[error("no issue {issue:?}; the issues are {}", names_or_none(issues))]
    NoIssue { issue: String, issues: Vec<String> },
    #[error("issue {issue:?} has no value {value:?}; its values are {values}")]
    NoValue { issue: String, value: String, values: String },
    #[error("mandate of {party:?}: {error}")]
    Mandate { party: String, error: entente_core::ModelError },
    #[error("the blocs of {party:?} would have weights summing to 0; the mandate needs weight")]
    ZeroWeight { party: String },
    #[error(
        "the quota {quota} of {party:?} would be above the blocs' total weight {total}{}",
        if *lower_quota_first { "; lower the quota first (a `quota` change before this one)" } else { "" }
    )]
    QuotaAboveTotal { party: String, quota: f64, total: f64, lower_quota_first: bool },
    #[error("a weight must be a number >= 0, not {weight}")]
    NegativeWeight { weight: f64 },
    #[error("a weight must be a finite number, not {weight}")]
    WeightNotFinite { weight: f64 },
    #[error("{party:?} ratifies by {rule}, not by quota; change the rule with `rule {party}=quota:{quota}`")]
    NotByQuota { party: String, rule: String, quota: f64 },
    #[error("quota {quota} must be above 0 and at most the blocs' total weight {total}")]
    QuotaOutOfRange { quota: f64, total: f64 },
    #[error("{issue:?} is the only issue; a negotiation needs at least one")]
    OnlyIssue { issue: String },
    #[error("there is already an issue {issue:?}; the issues are {}", names_or_none(issues))]
    IssueExists { issue: String, issues: Vec<String> },
    #[error("issue {issue:?} has no other value; take the issue off the table with `drop-issue {issue}={value}`")]
    OnlyValue { issue: String, value: String },
    #[error("issue {issue:?} is {kind}; add-value applies to discrete issues")]
    AddValueNotDiscrete { issue: String, kind: String },
    #[error("issue {issue:?} is not discrete")]
    NotDiscrete { issue: String },
    #[error("issue {issue:?} already has value {value:?}")]
    ValueExists { issue: String, value: String },
    #[error(
        "{party:?} is a delegation: its reservation is its mandate's reversion, the weighted sum of its blocs' \
         reversions; change a bloc's with `reversion {party}.BLOC=R`"
    )]
    DelegationReservation { party: String },
    #[error("a reversion must be a finite number, not {reversion}")]
    ReversionNotFinite { reversion: f64 },
    #[error(transparent)]
    Strategy(#[from] crate::strategy::StrategyError),
    #[error("rounds must be from 1 to 100000000, not {rounds}")]
    Rounds { rounds: u32 },
    #[error(
        "{party:?} is a delegation: its utility is its mandate; change a bloc's utility with \
         `utility {party}.BLOC {issue}=...`"
    )]
    DelegationUtility { party: String, issue: String },
    #[error("the utility of {target} is not linear additive; `utility` changes need one")]
    NotAdditive { target: String },
    #[error("issue {issue:?} has {n} values ({values}), so {n} value utilities are needed, not {given}")]
    ValueCount { issue: String, n: usize, values: String, given: usize },
    #[error("the utility of {target}: {error}")]
    Utility { target: String, error: entente_core::ModelError },
    #[error("the utility of {target} is not linear additive: it has no utility for a new value")]
    NoUtilityForNewValue { target: String },
    #[error("a merge needs at least two blocs")]
    MergeNeedsTwoBlocs,
    #[error("bloc {bloc:?} is named twice")]
    BlocNamedTwice { bloc: String },
    #[error("the delegation already has a bloc {bloc:?} that is not merged; choose another name")]
    MergedNameTaken { bloc: String },
    #[error("the merged bloc needs a name")]
    MergedNameMissing,
    #[error("the merged utility: {0}")]
    MergedUtility(entente_core::ModelError),
    #[error("the changed space has {outcomes} outcomes: too many for a delegation's red lines and status quo")]
    TooManyOutcomes { outcomes: u128 },
    #[error("{who} has a red line on issue {issue}, which does not exist")]
    NoRedLineIssue { who: String, issue: usize },
    /// A party the change resolved as a delegation has none (a broken invariant).
    #[error("not a delegation")]
    NoDelegation,
    #[error(transparent)]
    Model(#[from] entente_core::ModelError),
}

/// A list of names for a message: "a, b" or "(none)".
fn names_or_none(v: &[String]) -> String {
    if v.is_empty() { "(none)".to_string() } else { v.join(", ") }
}

fn party_index(s: &Scenario, party: &str) -> Result<usize, ChangeApplyError> {
    s.parties.iter().position(|p| p.name == party).ok_or_else(|| ChangeApplyError::NoParty {
        party: party.to_string(),
        parties: s.parties.iter().map(|p| p.name.clone()).collect(),
    })
}

/// The party of a `PARTY.BLOC` target, re-splitting at later dots when the
/// party's name holds one; returns the party's index and the bloc's name.
fn resolve_party(s: &Scenario, party: &str, bloc: &str) -> Result<(usize, String), ChangeApplyError> {
    if let Ok(k) = party_index(s, party) {
        return Ok((k, bloc.to_string()));
    }
    let full = format!("{party}.{bloc}");
    for (i, _) in full.match_indices('.').skip(1) {
        if let Ok(k) = party_index(s, &full[..i]) {
            return Ok((k, full[i + 1..].to_string()));
        }
    }
    party_index(s, party).map(|k| (k, bloc.to_string()))
}

fn delegation_index(s: &Scenario, k: usize) -> Result<(), ChangeApplyError> {
    if s.parties[k].delegation.is_some() {
        return Ok(());
    }
    Err(ChangeApplyError::NotADelegation {
        party: s.parties[k].name.clone(),
        delegations: s.parties.iter().filter(|p| p.delegation.is_some()).map(|p| p.name.clone()).collect(),
    })
}

fn bloc_index(d: &Delegation, party: &str, bloc: &str) -> Result<usize, ChangeApplyError> {
    d.blocs.iter().position(|b| b.bloc.name == bloc).ok_or_else(|| ChangeApplyError::NoBloc {
        party: party.to_string(),
        bloc: bloc.to_string(),
        blocs: d.blocs.iter().map(|b| b.bloc.name.clone()).collect(),
    })
}

/// Party index and bloc index of `PARTY.BLOC`.
pub(crate) fn resolve_bloc(s: &Scenario, party: &str, bloc: &str) -> Result<(usize, usize), ChangeApplyError> {
    let (k, bloc) = resolve_party(s, party, bloc)?;
    delegation_index(s, k)?;
    let d = s.parties[k].delegation.as_ref().ok_or(ChangeApplyError::NoDelegation)?;
    Ok((k, bloc_index(d, &s.parties[k].name, &bloc)?))
}

fn total_weight(d: &Delegation) -> f64 {
    d.blocs.iter().map(|b| b.bloc.weight).sum()
}

/// Recomputes a delegation's own utility (its mandate at the start).
fn refresh_mandate(space: &OutcomeSpace, party: &mut Party) -> Result<(), ChangeApplyError> {
    if let Some(d) = &party.delegation {
        party.utility = crate::timeline::start_mandate(space, d)
            .map_err(|error| ChangeApplyError::Mandate { party: party.name.clone(), error })?;
    }
    Ok(())
}

/// The checks the reader makes of a delegation's weights and quota.
fn check_delegation(d: &Delegation, party: &str, lower_quota_first: bool) -> Result<(), ChangeApplyError> {
    let total = total_weight(d);
    if total <= 0.0 {
        return Err(ChangeApplyError::ZeroWeight { party: party.to_string() });
    }
    if let Rule::Quota { quota } = d.rule
        && quota > total
    {
        return Err(ChangeApplyError::QuotaAboveTotal { party: party.to_string(), quota, total, lower_quota_first });
    }
    Ok(())
}

fn fmt_reversion(space: &OutcomeSpace, r: &Reversion) -> String {
    match *r {
        Reversion::Utility(u) => format!("{u}"),
        Reversion::Outcome(o) => {
            let labels = space.labels(o as u128).unwrap_or_default();
            format!("the outcome ({})", list(&labels, ", "))
        }
    }
}

fn overridden(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (overrides 1 timed change)".into(),
        n => format!(" (overrides {n} timed changes)"),
    }
}

/// Removes a field from the timed changes of bloc `f` (or from all, for the
/// quota); drops changes left empty; returns how many were touched.
fn clear_timed(d: &mut Delegation, f: Option<usize>, clear: impl Fn(&mut Change) -> bool) -> usize {
    let mut n = 0;
    for c in &mut d.changes {
        if (f.is_none() || c.bloc == f) && clear(c) {
            n += 1;
        }
    }
    d.changes.retain(|c| {
        c.weight.is_some() || c.veto.is_some() || c.reversion.is_some() || c.red_lines.is_some() || c.quota.is_some()
    });
    n
}

fn apply_in_place(s: &mut Scenario, change: &WhatIf) -> Result<String, ChangeApplyError> {
    match change {
        WhatIf::Veto { party, bloc, veto } => {
            let (k, f) = resolve_bloc(s, party, bloc)?;
            let p = &mut s.parties[k];
            let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
            let was = d.blocs[f].bloc.veto;
            d.blocs[f].bloc.veto = *veto;
            let n = clear_timed(d, Some(f), |c| c.veto.take().is_some());
            let name = &d.blocs[f].bloc.name;
            let what = match (was, *veto) {
                (true, false) => "loses its veto",
                (false, true) => "gains a veto",
                (true, true) => "keeps its veto (it had one)",
                (false, false) => "has no veto (it had none)",
            };
            let note = format!("{name} ({}) {what}{}", p.name, overridden(n));
            refresh_mandate(&s.space, p)?;
            Ok(note)
        }
        WhatIf::Weight { party, bloc, weight } => {
            if !(weight.is_finite() && *weight >= 0.0) {
                return Err(ChangeApplyError::NegativeWeight { weight: *weight });
            }
            let (k, f) = resolve_bloc(s, party, bloc)?;
            let p = &mut s.parties[k];
            let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
            let before = total_weight(d);
            let was = d.blocs[f].bloc.weight;
            d.blocs[f].bloc.weight = *weight;
            let n = clear_timed(d, Some(f), |c| c.weight.take().is_some());
            check_delegation(d, &p.name, true)?;
            let note = format!(
                "weight of {} ({}): {was} → {weight}; the blocs' total weight {before} → {}{}",
                d.blocs[f].bloc.name,
                p.name,
                total_weight(d),
                overridden(n)
            );
            refresh_mandate(&s.space, p)?;
            Ok(note)
        }
        WhatIf::Quota { party, quota } => {
            let k = party_index(s, party)?;
            delegation_index(s, k)?;
            let p = &mut s.parties[k];
            let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
            let Rule::Quota { quota: was } = d.rule else {
                return Err(ChangeApplyError::NotByQuota { party: p.name.clone(), rule: rule_text(d), quota: *quota });
            };
            let total = total_weight(d);
            if !(quota.is_finite() && *quota > 0.0 && *quota <= total) {
                return Err(ChangeApplyError::QuotaOutOfRange { quota: *quota, total });
            }
            d.rule = Rule::Quota { quota: *quota };
            let n = clear_timed(d, None, |c| c.quota.take().is_some());
            Ok(format!("quota of {}: {was} → {quota} (the blocs' total weight is {total}){}", p.name, overridden(n)))
        }
        WhatIf::Rule { party, rule } => {
            let k = party_index(s, party)?;
            delegation_index(s, k)?;
            let p = &mut s.parties[k];
            let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
            let before = rule_text(d);
            d.rule = match rule {
                RuleChange::Unanimity => Rule::Unanimity,
                RuleChange::WeightedSum => Rule::WeightedSum,
                RuleChange::Quota(q) => {
                    let total = total_weight(d);
                    if !(q.is_finite() && *q > 0.0 && *q <= total) {
                        return Err(ChangeApplyError::QuotaOutOfRange { quota: *q, total });
                    }
                    Rule::Quota { quota: *q }
                }
                RuleChange::Dominant(b) => Rule::Dominant { bloc: bloc_index(d, &p.name, b)? },
            };
            Ok(format!("rule of {}: {before} → {}", p.name, rule_text(d)))
        }
        WhatIf::Merge { party, blocs, name } => merge(s, party, blocs, name),
        WhatIf::DropIssue { issue, value } => {
            let k = issue_index(&s.space, issue)?;
            let j = value_index(&s.space, k, value)?;
            if s.space.issues().len() < 2 {
                return Err(ChangeApplyError::OnlyIssue { issue: issue.clone() });
            }
            let edit = SpaceEdit::drop_issue(&s.space, k, j)?;
            let before = s.space.cardinality();
            let notes = edit.apply(s)?;
            Ok(with_notes(
                format!(
                    "issue {issue} fixed at {}: {before} → {} outcomes",
                    value_label(&edit.old, k, j),
                    s.space.cardinality()
                ),
                notes,
            ))
        }
        WhatIf::AddIssue { issue, values } => {
            if s.space.issue_position(issue).is_some() {
                return Err(ChangeApplyError::IssueExists {
                    issue: issue.clone(),
                    issues: s.space.issues().iter().map(|i| i.name.clone()).collect(),
                });
            }
            let edit = SpaceEdit::add_issue(&s.space, Issue::discrete(issue.clone(), values.clone()))?;
            let before = s.space.cardinality();
            let notes = edit.apply(s)?;
            Ok(with_notes(
                format!(
                    "new issue {issue} ({}): {before} → {} outcomes; weight 0 for every party and bloc",
                    values.join(", "),
                    s.space.cardinality()
                ),
                notes,
            ))
        }
        WhatIf::DropValue { issue, value } => {
            let k = issue_index(&s.space, issue)?;
            let j = value_index(&s.space, k, value)?;
            if s.space.radices()[k] < 2 {
                return Err(ChangeApplyError::OnlyValue { issue: issue.clone(), value: value.to_string() });
            }
            let edit = SpaceEdit::drop_value(&s.space, k, j)?;
            let before = s.space.cardinality();
            let notes = edit.apply(s)?;
            Ok(with_notes(
                format!(
                    "issue {issue} loses value {}: {before} → {} outcomes",
                    value_label(&edit.old, k, j),
                    s.space.cardinality()
                ),
                notes,
            ))
        }
        WhatIf::AddValue { issue, value } => {
            let k = issue_index(&s.space, issue)?;
            let i = &s.space.issues()[k];
            let IssueKind::Discrete { values } = &i.kind else {
                return Err(ChangeApplyError::AddValueNotDiscrete { issue: issue.clone(), kind: kind_text(i) });
            };
            if values.iter().any(|v| v == value) {
                return Err(ChangeApplyError::ValueExists { issue: issue.clone(), value: value.clone() });
            }
            let edit = SpaceEdit::add_value(&s.space, k, value)?;
            let before = s.space.cardinality();
            let notes = edit.apply(s)?;
            Ok(with_notes(
                format!(
                    "issue {issue} gains value {value} (value utility 0 for everybody): {before} → {} outcomes",
                    s.space.cardinality()
                ),
                notes,
            ))
        }
        WhatIf::Reservation { party, reservation } => {
            let k = party_index(s, party)?;
            let p = &mut s.parties[k];
            if p.delegation.is_some() {
                return Err(ChangeApplyError::DelegationReservation { party: p.name.clone() });
            }
            let r = reservation.unwrap_or(f64::NEG_INFINITY);
            let was = p.utility.reservation();
            p.utility = with_reservation(&p.utility, r);
            let fmt = |x: f64| if x.is_finite() { format!("{x}") } else { "none".to_string() };
            Ok(format!("reservation of {}: {} → {}", p.name, fmt(was), fmt(r)))
        }
        WhatIf::Reversion { party, bloc, reversion } => {
            if !reversion.is_finite() {
                return Err(ChangeApplyError::ReversionNotFinite { reversion: *reversion });
            }
            let (k, f) = resolve_bloc(s, party, bloc)?;
            let p = &mut s.parties[k];
            let before = p.utility.reservation();
            let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
            let was = fmt_reversion(&s.space, &d.blocs[f].bloc.reversion);
            d.blocs[f].bloc.reversion = Reversion::Utility(*reversion);
            let n = clear_timed(d, Some(f), |c| c.reversion.take().is_some());
            let bname = d.blocs[f].bloc.name.clone();
            refresh_mandate(&s.space, p)?;
            Ok(format!(
                "reversion of {bname} ({}): {was} → {reversion}; the delegation's reservation {before:.4} → {:.4}{}",
                p.name,
                p.utility.reservation(),
                overridden(n)
            ))
        }
        WhatIf::Strategy { party, strategy } => {
            let k = party_index(s, party)?;
            let spec = StrategySpec::from_name(strategy, &StrategyOptions::default())?;
            let p = &mut s.parties[k];
            let was = p.strategy.map_or("none", |x| x.name());
            p.strategy = Some(spec);
            Ok(format!("strategy of {}: {was} → {}", p.name, spec.name()))
        }
        WhatIf::Rounds { rounds } => {
            if !(1..=100_000_000).contains(rounds) {
                return Err(ChangeApplyError::Rounds { rounds: *rounds });
            }
            let was = s.config.n_steps;
            s.config.n_steps = *rounds;
            Ok(format!("round limit: {was} → {rounds}"))
        }
        WhatIf::Utility { party, bloc, issue, weight, values } => {
            set_utility(s, party, bloc.as_deref(), issue, *weight, values)
        }
    }
}

fn with_notes(head: String, notes: Vec<String>) -> String {
    if notes.is_empty() { head } else { format!("{head}; {}", notes.join("; ")) }
}

fn rule_text(d: &Delegation) -> String {
    match d.rule {
        Rule::Unanimity => "unanimity".into(),
        Rule::WeightedSum => "weighted-sum".into(),
        Rule::Quota { quota } => format!("quota {quota}"),
        Rule::Dominant { bloc } => format!("dominant {}", d.blocs.get(bloc).map_or("?", |b| b.bloc.name.as_str())),
    }
}

fn kind_text(i: &Issue) -> String {
    match &i.kind {
        IssueKind::Discrete { .. } => "discrete".into(),
        IssueKind::Integer { min, max } => format!("an integer issue ({min} to {max})"),
        IssueKind::Real { min, max, steps } => format!("a real issue ({steps} points from {min} to {max})"),
    }
}

fn issue_index(space: &OutcomeSpace, issue: &str) -> Result<usize, ChangeApplyError> {
    space.issue_position(issue).ok_or_else(|| ChangeApplyError::NoIssue {
        issue: issue.to_string(),
        issues: space.issues().iter().map(|i| i.name.clone()).collect(),
    })
}

fn value_label(space: &OutcomeSpace, k: usize, j: u32) -> String {
    space.issues()[k].value(j).map_or_else(|| j.to_string(), |v| v.to_string())
}

fn values_text(i: &Issue) -> String {
    match &i.kind {
        IssueKind::Discrete { values } => values.join(", "),
        IssueKind::Integer { min, max } => format!("the integers from {min} to {max}"),
        IssueKind::Real { steps, .. } if *steps <= 20 => {
            (0..*steps).filter_map(|j| i.value(j)).map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
        }
        IssueKind::Real { min, max, steps } => format!("{steps} evenly spaced points from {min} to {max}"),
    }
}

fn value_index(space: &OutcomeSpace, k: usize, value: &Value) -> Result<u32, ChangeApplyError> {
    let i = &space.issues()[k];
    i.index_of(value).ok_or_else(|| ChangeApplyError::NoValue {
        issue: i.name.clone(),
        value: value.to_string(),
        values: values_text(i),
    })
}

/// Preferences with another reservation value.
fn with_reservation(p: &Preferences, r: f64) -> Preferences {
    match p {
        Preferences::Additive(u) => Preferences::Additive(u.clone().with_reservation(r)),
        Preferences::Rectangles(u) => Preferences::Rectangles(u.clone().with_reservation(r)),
        Preferences::Other(_) => Preferences::Other(Arc::new(Reserved { inner: p.clone(), reservation: r })),
    }
}

/// Any preferences with their reservation value replaced.
#[derive(Debug)]
struct Reserved {
    inner: Preferences,
    reservation: f64,
}

impl UtilityFunction for Reserved {
    fn utility(&self, values: &[u32]) -> f64 {
        self.inner.utility(values)
    }
    fn reservation(&self) -> f64 {
        self.reservation
    }
    fn discount(&self) -> Option<f64> {
        self.inner.discount()
    }
    fn fill(&self, space: &OutcomeSpace, out: &mut [f64]) {
        self.inner.fill(space, out)
    }
}

fn set_utility(
    s: &mut Scenario,
    party: &str,
    bloc: Option<&str>,
    issue: &str,
    weight: f64,
    values: &Option<Vec<f64>>,
) -> Result<String, ChangeApplyError> {
    let (k, f) = match bloc {
        Some(b) => {
            let (k, f) = resolve_bloc(s, party, b)?;
            (k, Some(f))
        }
        None => {
            let k = party_index(s, party)?;
            if s.parties[k].delegation.is_some() {
                return Err(ChangeApplyError::DelegationUtility { party: party.to_string(), issue: issue.to_string() });
            }
            (k, None)
        }
    };
    let i = issue_index(&s.space, issue)?;
    if !weight.is_finite() {
        return Err(ChangeApplyError::WeightNotFinite { weight });
    }
    let space = s.space.clone();
    let p = &mut s.parties[k];
    let (target, pref): (String, &mut Preferences) = match (f, p.delegation.as_mut()) {
        (Some(f), Some(d)) => (format!("{} ({})", d.blocs[f].bloc.name, p.name), &mut d.blocs[f].utility),
        _ => (p.name.clone(), &mut p.utility),
    };
    let Some(u) = pref.as_additive() else {
        return Err(ChangeApplyError::NotAdditive { target });
    };
    let mut weights = u.weights().to_vec();
    let mut functions = u.functions().to_vec();
    let was = weights[i];
    weights[i] = weight;
    if let Some(v) = values {
        let n = space.radices()[i] as usize;
        if v.len() != n {
            return Err(ChangeApplyError::ValueCount {
                issue: issue.to_string(),
                n,
                values: values_text(&space.issues()[i]),
                given: v.len(),
            });
        }
        functions[i] = ValueFunction::Table(v.clone());
    }
    let new = LinearAdditive::new(&space, weights, functions, u.bias(), u.reservation(), u.discount())
        .map_err(|error| ChangeApplyError::Utility { target: target.clone(), error })?;
    *pref = Preferences::Additive(new);
    refresh_mandate(&space, p)?;
    let tail = if values.is_some() { ", with new value utilities" } else { "" };
    Ok(format!("utility of {target} on {issue}: weight {was} → {weight}{tail}"))
}

// ---------------------------------------------------------------------------
// Merging blocs.

fn merge(s: &mut Scenario, party: &str, merged: &[String], new_name: &str) -> Result<String, ChangeApplyError> {
    let first = merged.first().ok_or(ChangeApplyError::MergeNeedsTwoBlocs)?;
    let (k, first) = resolve_party(s, party, first)?;
    delegation_index(s, k)?;
    let space = s.space.clone();
    let p = &mut s.parties[k];
    let d = p.delegation.as_mut().ok_or(ChangeApplyError::NoDelegation)?;
    let mut idx: Vec<usize> = Vec::new();
    for b in std::iter::once(&first).chain(merged.iter().skip(1)) {
        let f = bloc_index(d, &p.name, b)?;
        if idx.contains(&f) {
            return Err(ChangeApplyError::BlocNamedTwice { bloc: b.clone() });
        }
        idx.push(f);
    }
    if idx.len() < 2 {
        return Err(ChangeApplyError::MergeNeedsTwoBlocs);
    }
    if let Some(other) = d.blocs.iter().enumerate().find(|(f, b)| !idx.contains(f) && b.bloc.name == new_name) {
        return Err(ChangeApplyError::MergedNameTaken { bloc: other.1.bloc.name.clone() });
    }
    if new_name.trim().is_empty() {
        return Err(ChangeApplyError::MergedNameMissing);
    }
    idx.sort_unstable();
    let parts: Vec<&BlocSpec> = idx.iter().map(|&f| &d.blocs[f]).collect();
    let total: f64 = parts.iter().map(|b| b.bloc.weight).sum();
    let plain = total <= 0.0;
    let shares: Vec<f64> =
        parts.iter().map(|b| if plain { 1.0 / parts.len() as f64 } else { b.bloc.weight / total }).collect();

    // The utility and reversion: a mandate of the merged blocs with their shares.
    let sub = Delegation {
        blocs: parts.iter().map(|b| (*b).clone()).collect(),
        rule: Rule::Unanimity,
        defection: false,
        changes: vec![],
    };
    let share_blocs: Vec<Bloc> =
        parts.iter().zip(&shares).map(|(b, &a)| Bloc { weight: a, ..b.bloc.clone() }).collect();
    let mix = sub.mandate(&space, &share_blocs).map_err(ChangeApplyError::MergedUtility)?;
    let reversion_of = |blocs: &[Bloc]| -> Result<Reversion, ChangeApplyError> {
        if let Some(Reversion::Outcome(o)) = blocs.first().map(|b| b.reversion)
            && blocs.iter().all(|b| b.reversion == Reversion::Outcome(o))
        {
            return Ok(Reversion::Outcome(o));
        }
        let mut r = 0.0;
        for ((b, spec), a) in blocs.iter().zip(&sub.blocs).zip(&shares) {
            let u = match b.reversion {
                Reversion::Utility(u) => u,
                Reversion::Outcome(o) => {
                    let values = space.values_of(o as u128)?;
                    spec.utility.utility(&values)
                }
            };
            r += a * u;
        }
        Ok(Reversion::Utility(r))
    };
    let union = |blocs: &[Bloc]| -> Vec<RedLine> {
        let mut out: Vec<RedLine> = Vec::new();
        for r in blocs.iter().flat_map(|b| &b.red_lines) {
            if !out.contains(r) {
                out.push(*r);
            }
        }
        out
    };
    let start: Vec<Bloc> = parts.iter().map(|b| b.bloc.clone()).collect();
    let utility = match mix {
        Preferences::Additive(u) => Preferences::Additive(u.with_reservation(f64::NEG_INFINITY)),
        _ => Preferences::Other(Arc::new(WeightedSum {
            parts: parts.iter().zip(&shares).map(|(b, &a)| (a, b.utility.clone())).collect(),
            reservation: f64::NEG_INFINITY,
        })),
    };
    let uncertainty = if parts.iter().any(|b| b.uncertainty.is_some()) {
        let (mut values, mut reversion) = (0.0, 0.0);
        for (b, a) in parts.iter().zip(&shares) {
            if let Some(u) = b.uncertainty {
                values += a * u.values;
                reversion += a * u.reversion;
            }
        }
        Some(Uncertainty { values, reversion })
    } else {
        None
    };
    let merged_bloc = Bloc {
        name: new_name.trim().to_string(),
        weight: parts.iter().map(|b| b.bloc.weight).sum(),
        veto: parts.iter().any(|b| b.bloc.veto),
        reversion: reversion_of(&start)?,
        red_lines: union(&start),
    };

    // New bloc order: the merged bloc in the place of the first merged one.
    let at = idx[0];
    let mut remap: Vec<usize> = vec![0; d.blocs.len()];
    let mut next = 0;
    for (f, slot) in remap.iter_mut().enumerate() {
        if f == at || !idx.contains(&f) {
            *slot = next;
            next += 1;
        } else {
            // A later merged bloc: the merged one, already placed (idx is sorted).
            *slot = usize::MAX;
        }
    }
    let merged_at = remap[at];
    for (f, slot) in remap.iter_mut().enumerate() {
        if idx.contains(&f) {
            *slot = merged_at;
        }
    }

    // Timed changes.
    let mut changes: Vec<Change> = Vec::new();
    let mut states = start.clone();
    let mut order: Vec<&Change> = d.changes.iter().collect();
    order.sort_by(|a, b| a.at.total_cmp(&b.at));
    let mut weight_changes = 0;
    let mut translated = 0;
    let mut i = 0;
    while i < order.len() {
        let t = order[i].at;
        let (mut w, mut v, mut r, mut red) = (false, false, false, false);
        while i < order.len() && order[i].at == t {
            let c = order[i];
            i += 1;
            match c.bloc.and_then(|f| idx.iter().position(|&x| x == f)) {
                Some(m) => {
                    translated += 1;
                    let st = &mut states[m];
                    if let Some(x) = c.weight {
                        st.weight = x;
                        w = true;
                        weight_changes += 1;
                    }
                    if let Some(x) = c.veto {
                        st.veto = x;
                        v = true;
                    }
                    if let Some(x) = c.reversion {
                        st.reversion = x;
                        r = true;
                    }
                    if let Some(x) = &c.red_lines {
                        st.red_lines = x.clone();
                        red = true;
                    }
                    if c.quota.is_some() {
                        changes.push(Change {
                            at: c.at,
                            bloc: None,
                            weight: None,
                            veto: None,
                            reversion: None,
                            red_lines: None,
                            add_red_lines: vec![],
                            quota: c.quota,
                        });
                    }
                }
                None => {
                    let mut c = c.clone();
                    c.bloc = c.bloc.and_then(|f| remap.get(f).copied());
                    changes.push(c);
                }
            }
        }
        if w || v || r || red {
            changes.push(Change {
                at: t,
                bloc: Some(merged_at),
                weight: w.then(|| states.iter().map(|b| b.weight).sum()),
                veto: v.then(|| states.iter().any(|b| b.veto)),
                reversion: if r { Some(reversion_of(&states)?) } else { None },
                red_lines: red.then(|| union(&states)),
                add_red_lines: vec![],
                quota: None,
            });
        }
    }

    let merged_names: Vec<String> = parts.iter().map(|b| b.bloc.name.clone()).collect();
    let mut blocs: Vec<BlocSpec> = Vec::with_capacity(d.blocs.len() + 1 - idx.len());
    for (f, b) in d.blocs.iter().enumerate() {
        if f == at {
            blocs.push(BlocSpec { bloc: merged_bloc.clone(), utility: utility.clone(), uncertainty });
        } else if !idx.contains(&f) {
            blocs.push(b.clone());
        }
    }
    let rule = match d.rule {
        Rule::Dominant { bloc } => Rule::Dominant { bloc: remap.get(bloc).copied().unwrap_or(0) },
        r => r,
    };
    *d = Delegation { blocs, rule, defection: d.defection, changes };
    check_delegation(d, &p.name, false)?;
    let mut note = format!(
        "{} ({}) merged into {}: weight {}, {}, reversion {}, {} red line(s)",
        merged_names.join(" + "),
        p.name,
        merged_bloc.name,
        merged_bloc.weight,
        if merged_bloc.veto { "veto" } else { "no veto" },
        match merged_bloc.reversion {
            Reversion::Utility(u) => format!("{u:.4}"),
            r => fmt_reversion(&space, &r),
        },
        merged_bloc.red_lines.len()
    );
    if plain {
        note.push_str("; their weights sum to 0: utility and reversion are plain averages");
    }
    if translated > 0 {
        note.push_str(&format!("; {translated} timed change(s) of the merged blocs now apply to {}", merged_bloc.name));
    }
    if weight_changes > 0 {
        note.push_str(&format!(
            "; note: {weight_changes} timed weight change(s) move the merged bloc's weight, while its utility keeps the mix of the start"
        ));
    }
    refresh_mandate(&space, p)?;
    Ok(note)
}

// ---------------------------------------------------------------------------
// Editing the outcome space.

/// Where an issue of the old space went.
#[derive(Clone, Debug)]
enum Source {
    /// Dropped, fixed at this value.
    Fixed(u32),
    /// Issue `new` of the new space; `to_new[j]`: the new index of old value
    /// `j` (`None`: dropped); `None` for an unchanged issue.
    Kept { new: usize, to_new: Option<Vec<Option<u32>>> },
}

/// Where an issue of the new space came from.
#[derive(Clone, Debug)]
enum Origin {
    Added,
    /// Old issue `old`; `from_old[j]`: the old index of new value `j`
    /// (`None`: a new value); `None` for an unchanged issue.
    Old {
        old: usize,
        from_old: Option<Vec<Option<u32>>>,
    },
}

struct SpaceEdit {
    old: OutcomeSpace,
    new: OutcomeSpace,
    sources: Vec<Source>,
    origins: Vec<Origin>,
}

impl SpaceEdit {
    fn drop_issue(old: &OutcomeSpace, k: usize, j: u32) -> Result<Self, ChangeApplyError> {
        let mut issues = old.issues().to_vec();
        issues.remove(k);
        let sources = (0..old.issues().len())
            .map(|i| match i.cmp(&k) {
                std::cmp::Ordering::Less => Source::Kept { new: i, to_new: None },
                std::cmp::Ordering::Equal => Source::Fixed(j),
                std::cmp::Ordering::Greater => Source::Kept { new: i - 1, to_new: None },
            })
            .collect();
        let origins =
            (0..issues.len()).map(|i| Origin::Old { old: if i < k { i } else { i + 1 }, from_old: None }).collect();
        Ok(SpaceEdit { old: old.clone(), new: OutcomeSpace::new(issues)?, sources, origins })
    }

    fn add_issue(old: &OutcomeSpace, issue: Issue) -> Result<Self, ChangeApplyError> {
        let mut issues = old.issues().to_vec();
        issues.push(issue);
        let n = old.issues().len();
        let sources = (0..n).map(|i| Source::Kept { new: i, to_new: None }).collect();
        let mut origins: Vec<Origin> = (0..n).map(|i| Origin::Old { old: i, from_old: None }).collect();
        origins.push(Origin::Added);
        Ok(SpaceEdit { old: old.clone(), new: OutcomeSpace::new(issues)?, sources, origins })
    }

    fn drop_value(old: &OutcomeSpace, k: usize, j: u32) -> Result<Self, ChangeApplyError> {
        let issue = &old.issues()[k];
        let n = old.radices()[k];
        let kind = match &issue.kind {
            IssueKind::Discrete { values } => {
                let mut v = values.clone();
                v.remove(j as usize);
                IssueKind::Discrete { values: v }
            }
            IssueKind::Integer { min, max } if j == 0 => IssueKind::Integer { min: min + 1, max: *max },
            IssueKind::Integer { min, max } if j + 1 == n => IssueKind::Integer { min: *min, max: max - 1 },
            _ => IssueKind::Discrete {
                values: (0..n).filter(|&x| x != j).filter_map(|x| issue.value(x)).map(|v| v.to_string()).collect(),
            },
        };
        let mut issues = old.issues().to_vec();
        issues[k] = Issue { name: issue.name.clone(), kind };
        let to_new: Vec<Option<u32>> = (0..n)
            .map(|x| {
                if x < j {
                    Some(x)
                } else if x == j {
                    None
                } else {
                    Some(x - 1)
                }
            })
            .collect();
        let from_old: Vec<Option<u32>> = (0..n - 1).map(|x| Some(if x < j { x } else { x + 1 })).collect();
        let sources = (0..old.issues().len())
            .map(|i| Source::Kept { new: i, to_new: (i == k).then(|| to_new.clone()) })
            .collect();
        let origins = (0..old.issues().len())
            .map(|i| Origin::Old { old: i, from_old: (i == k).then(|| from_old.clone()) })
            .collect();
        Ok(SpaceEdit { old: old.clone(), new: OutcomeSpace::new(issues)?, sources, origins })
    }

    fn add_value(old: &OutcomeSpace, k: usize, value: &str) -> Result<Self, ChangeApplyError> {
        let issue = &old.issues()[k];
        let IssueKind::Discrete { values } = &issue.kind else {
            return Err(ChangeApplyError::NotDiscrete { issue: issue.name.clone() });
        };
        let n = values.len() as u32;
        let mut v = values.clone();
        v.push(value.to_string());
        let mut issues = old.issues().to_vec();
        issues[k] = Issue::discrete(issue.name.clone(), v);
        let from_old: Vec<Option<u32>> = (0..=n).map(|x| (x < n).then_some(x)).collect();
        let sources = (0..old.issues().len())
            .map(|i| Source::Kept { new: i, to_new: (i == k).then(|| (0..n).map(Some).collect()) })
            .collect();
        let origins = (0..old.issues().len())
            .map(|i| Origin::Old { old: i, from_old: (i == k).then(|| from_old.clone()) })
            .collect();
        Ok(SpaceEdit { old: old.clone(), new: OutcomeSpace::new(issues)?, sources, origins })
    }

    /// The new outcomes an old outcome becomes: none if it left the space,
    /// several if an issue was added (one per value of it).
    fn map_outcome(&self, o: OutcomeId) -> Result<Vec<OutcomeId>, ChangeApplyError> {
        let old = self.old.values_of(o as u128)?;
        let mut new = vec![0u32; self.new.issues().len()];
        for (k, s) in self.sources.iter().enumerate() {
            match s {
                Source::Fixed(j) => {
                    if old[k] != *j {
                        return Ok(vec![]);
                    }
                }
                Source::Kept { new: i, to_new } => {
                    new[*i] = match to_new {
                        None => old[k],
                        Some(m) => match m.get(old[k] as usize).copied().flatten() {
                            Some(x) => x,
                            None => return Ok(vec![]),
                        },
                    };
                }
            }
        }
        let added: Vec<usize> =
            self.origins.iter().enumerate().filter(|(_, o)| matches!(o, Origin::Added)).map(|(i, _)| i).collect();
        let mut out = Vec::new();
        loop {
            let id = self.new.index_of(&new)?;
            out.push(
                OutcomeId::try_from(id)
                    .map_err(|_| ChangeApplyError::TooManyOutcomes { outcomes: self.new.cardinality() })?,
            );
            // Odometer over the added issues.
            let mut carry = true;
            for &i in added.iter().rev() {
                new[i] += 1;
                if new[i] < self.new.radices()[i] {
                    carry = false;
                    break;
                }
                new[i] = 0;
            }
            if carry {
                return Ok(out);
            }
        }
    }

    /// Red lines in the new space, with notes on those that changed meaning.
    fn map_red_lines(
        &self,
        red: &[RedLine],
        who: &str,
        notes: &mut Vec<String>,
    ) -> Result<Vec<RedLine>, ChangeApplyError> {
        let mut out: Vec<RedLine> = Vec::new();
        let push = |r: RedLine, out: &mut Vec<RedLine>| {
            if !out.contains(&r) {
                out.push(r);
            }
        };
        for r in red {
            match *r {
                RedLine::Value { issue, value } => match self.sources.get(issue) {
                    Some(Source::Fixed(j)) if *j == value => {
                        notes.push(format!(
                            "{who}'s red line {}={} now covers every outcome (it accepts nothing)",
                            self.old.issues()[issue].name,
                            value_label(&self.old, issue, value)
                        ));
                        // Every outcome: every value of the smallest issue.
                        let (k, n) = self
                            .new
                            .radices()
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, n)| **n)
                            .map(|(k, n)| (k, *n))
                            .unwrap_or((0, 0));
                        for v in 0..n {
                            push(RedLine::Value { issue: k, value: v }, &mut out);
                        }
                    }
                    Some(Source::Fixed(_)) => notes.push(format!(
                        "{who}'s red line {}={} can no longer be crossed: removed",
                        self.old.issues()[issue].name,
                        value_label(&self.old, issue, value)
                    )),
                    Some(Source::Kept { new, to_new }) => {
                        let v = match to_new {
                            None => Some(value),
                            Some(m) => m.get(value as usize).copied().flatten(),
                        };
                        match v {
                            Some(v) => push(RedLine::Value { issue: *new, value: v }, &mut out),
                            None => notes.push(format!(
                                "{who}'s red line {}={} can no longer be crossed: removed",
                                self.old.issues()[issue].name,
                                value_label(&self.old, issue, value)
                            )),
                        }
                    }
                    None => return Err(ChangeApplyError::NoRedLineIssue { who: who.to_string(), issue }),
                },
                RedLine::Outcome(o) => {
                    let ids = self.map_outcome(o)?;
                    if ids.is_empty() {
                        notes.push(format!("{who}'s red-line outcome {o} left the space: removed"));
                    }
                    for id in ids {
                        push(RedLine::Outcome(id), &mut out);
                    }
                }
            }
        }
        Ok(out)
    }

    /// A reversion in the new space: the status-quo outcome if it is still
    /// there (with the first value of an added issue), else its utility.
    fn map_reversion(
        &self,
        r: Reversion,
        old_utility: &Preferences,
        who: &str,
        notes: &mut Vec<String>,
    ) -> Result<Reversion, ChangeApplyError> {
        let Reversion::Outcome(o) = r else { return Ok(r) };
        if let Some(&id) = self.map_outcome(o)?.first() {
            return Ok(Reversion::Outcome(id));
        }
        let values = self.old.values_of(o as u128)?;
        let u = old_utility.utility(&values);
        notes.push(format!("{who}'s status quo left the space: kept as its utility {u:.4}"));
        Ok(Reversion::Utility(u))
    }

    /// Preferences over the new space, equal on every outcome that remains.
    fn map_preferences(&self, p: &Preferences, who: &str) -> Result<Preferences, ChangeApplyError> {
        if let Some(u) = p.as_additive() {
            let mut bias = u.bias();
            for (k, s) in self.sources.iter().enumerate() {
                if let Source::Fixed(j) = s {
                    bias += u.weights()[k] * u.value_utility(&self.old, k, *j);
                }
            }
            let mut weights = Vec::with_capacity(self.origins.len());
            let mut functions = Vec::with_capacity(self.origins.len());
            for (i, o) in self.origins.iter().enumerate() {
                match o {
                    Origin::Added => {
                        weights.push(0.0);
                        functions.push(ValueFunction::Table(vec![0.0; self.new.radices()[i] as usize]));
                    }
                    Origin::Old { old, from_old: None } => {
                        weights.push(u.weights()[*old]);
                        functions.push(u.functions()[*old].clone());
                    }
                    Origin::Old { old, from_old: Some(m) } => {
                        weights.push(u.weights()[*old]);
                        functions.push(ValueFunction::Table(
                            m.iter().map(|j| j.map_or(0.0, |j| u.value_utility(&self.old, *old, j))).collect(),
                        ));
                    }
                }
            }
            return LinearAdditive::new(&self.new, weights, functions, bias, u.reservation(), u.discount())
                .map(Preferences::Additive)
                .map_err(|error| ChangeApplyError::Utility { target: who.to_string(), error });
        }
        let mut sources = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            sources.push(match s {
                Source::Fixed(j) => ProjSource::Fixed(*j),
                Source::Kept { new, .. } => {
                    let map = match self.origins.get(*new) {
                        Some(Origin::Old { from_old: Some(m), .. }) => Some(
                            m.iter()
                                .map(|x| {
                                    x.ok_or_else(|| ChangeApplyError::NoUtilityForNewValue { target: who.to_string() })
                                })
                                .collect::<Result<Vec<u32>, ChangeApplyError>>()?,
                        ),
                        _ => None,
                    };
                    ProjSource::New { pos: *new, map }
                }
            });
        }
        Ok(Preferences::Other(Arc::new(Projected { inner: p.clone(), sources })))
    }

    /// Applies the edit to every party, bloc, red line and status quo.
    fn apply(&self, s: &mut Scenario) -> Result<Vec<String>, ChangeApplyError> {
        let mut notes = Vec::new();
        for p in &mut s.parties {
            match &mut p.delegation {
                Some(d) => {
                    let olds: Vec<Preferences> = d.blocs.iter().map(|b| b.utility.clone()).collect();
                    for b in &mut d.blocs {
                        let who = format!("{} ({})", b.bloc.name, p.name);
                        let old = b.utility.clone();
                        b.bloc.reversion = self.map_reversion(b.bloc.reversion, &old, &who, &mut notes)?;
                        b.bloc.red_lines = self.map_red_lines(&b.bloc.red_lines, &who, &mut notes)?;
                        b.utility = self.map_preferences(&old, &who)?;
                    }
                    for c in &mut d.changes {
                        let (who, old) = match c.bloc.and_then(|f| Some((d.blocs.get(f)?, olds.get(f)?))) {
                            Some((b, u)) => (format!("{} ({}, change at {})", b.bloc.name, p.name, c.at), u),
                            None => continue,
                        };
                        if let Some(r) = c.reversion {
                            c.reversion = Some(self.map_reversion(r, old, &who, &mut notes)?);
                        }
                        if let Some(r) = &c.red_lines {
                            c.red_lines = Some(self.map_red_lines(r, &who, &mut notes)?);
                        }
                    }
                }
                None => {
                    p.utility = self.map_preferences(&p.utility, &p.name)?;
                }
            }
        }
        s.space = self.new.clone();
        for p in &mut s.parties {
            refresh_mandate(&s.space, p)?;
        }
        Ok(notes)
    }
}

#[derive(Clone, Debug)]
enum ProjSource {
    Fixed(u32),
    /// From new issue `pos`, through `map` (new value → old value) if edited.
    New {
        pos: usize,
        map: Option<Vec<u32>>,
    },
}

/// Preferences over an edited space, evaluated through the old one.
#[derive(Debug)]
struct Projected {
    inner: Preferences,
    sources: Vec<ProjSource>,
}

impl UtilityFunction for Projected {
    fn utility(&self, values: &[u32]) -> f64 {
        let n = self.sources.len();
        let mut buf = [0u32; 32];
        let mut heap = Vec::new();
        let old: &mut [u32] = if n <= buf.len() {
            &mut buf[..n]
        } else {
            heap.resize(n, 0);
            &mut heap
        };
        for (o, s) in old.iter_mut().zip(&self.sources) {
            *o = match s {
                ProjSource::Fixed(j) => *j,
                ProjSource::New { pos, map } => {
                    let v = values.get(*pos).copied().unwrap_or(0);
                    match map {
                        None => v,
                        Some(m) => m.get(v as usize).copied().unwrap_or(0),
                    }
                }
            };
        }
        self.inner.utility(old)
    }
    fn reservation(&self) -> f64 {
        self.inner.reservation()
    }
    fn discount(&self) -> Option<f64> {
        self.inner.discount()
    }
}

// ---------------------------------------------------------------------------
// The pieces of the compact form, for the readers of other forms (the changes file).

/// A name that must not be empty (`what` names it in the error).
pub fn required_name(s: &str, what: &'static str) -> Result<String, ChangeSyntaxError> {
    name(s, what)
}

/// A strategy name that resolves to a strategy with default parameters.
pub fn strategy_name(s: &str) -> Result<String, ChangeSyntaxError> {
    check_strategy(s)
}

/// A round limit, from 1 to 100,000,000.
pub fn round_limit(s: &str) -> Result<u32, ChangeSyntaxError> {
    parse_rounds(s)
}
