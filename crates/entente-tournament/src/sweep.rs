//! Sweeps: how likely is an agreement if a parameter took other values?
//!
//! A [`SweepSpec`] names the changes to vary (each a change in `entente
//! whatif`'s compact form with one `{…}` slot: a grid `a:b:step`, a list
//! `x,y,z`, or a uniform draw `a~b` with `draws`), the fixed changes, the
//! repetitions and the seed. [`Sweep::new`] builds every setting (the grid's
//! product, or `draws` seeded draws of every slot) from a [`SweepBase`] (a
//! scenario, or a round of talks) and so checks them all before anything
//! runs; [`Sweep::run`] runs the settings of a [`Shard`] on a caller's pool,
//! each `repetitions` times with the same seeds (`party_seed(seed, r)`:
//! common random numbers), and returns the [`SweepDoc`] (`entente.sweep/1`,
//! what `entente sweep --json` prints): per setting the probability of
//! agreement with its Wilson interval, the mean utilities and rounds and every
//! distinct outcome with its count. Shards split the settings; [`merge`]
//! joins the docs of shards `1/k … k/k` into the whole sweep's, setting for
//! setting. Nothing here depends on the thread count.
//!
//! The command line (`entente sweep`) and the Python package
//! (`entente.sweep`) both call this module; syntax and semantics:
//! docs/tournaments.md.

use std::collections::BTreeMap;

use entente_model::strategy::{StrategyError, TimeBasedName};
use entente_model::talks::{Effect, Talks};
use entente_model::whatif::{WhatIf, WhatIfError, apply_noted, parse_change};
use entente_model::{Scenario, StrategyOptions, StrategySpec};
use entente_protocols::scenario::{ScenarioError, party_seed};
use entente_protocols::{EndReason, Prepared, RunScenario};
use entente_talks::sim::{Ending, TalksError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Shard;
use crate::stats::{Interval, wilson};

/// At most this many settings (the grid's product, or draws).
pub const MAX_SETTINGS: u64 = 10_000;
/// At most this many runs in all (settings × repetitions).
pub const MAX_RUNS: u64 = 100_000_000;
/// The format tag of the document.
pub const FORMAT: &str = "entente.sweep/1";
/// Settings prepared (utility tables) and run at a time, so that memory stays bounded.
const CHUNK: usize = 64;

/// Errors of a sweep. Messages name the command line's flags (`--vary`, `--change`, `--draws`,
/// `--repetitions`, `--level`), which are the Python keywords too (`vary`, `changes`, ...).
#[derive(Debug, Error)]
pub enum SweepError {
    /// A `--vary` whose slot cannot be read.
    #[error("--vary {text:?}: {why}")]
    Slot { text: String, why: String },
    /// A `--vary` with one of its values that does not apply.
    #[error("--vary {text:?} with {value:?}")]
    Vary {
        text: String,
        value: String,
        #[source]
        source: Box<ChangeError>,
    },
    /// A fixed `--change` that does not apply.
    #[error("--change {text:?}")]
    Change {
        text: String,
        #[source]
        source: Box<ChangeError>,
    },
    #[error("--vary {0:?}: a uniform draw {{a~b}} needs --draws N (how many settings to draw)")]
    DrawNeedsDraws(String),
    #[error("--vary: the grid has {total} settings ({sizes}); at most {MAX_SETTINGS}: use fewer values, or --draws N")]
    GridTooLarge { total: u64, sizes: String },
    #[error("--draws {0}: at most {MAX_SETTINGS} settings")]
    TooManyDraws(u64),
    #[error("--draws must be at least 1")]
    NoDraws,
    #[error("--vary: give at least one change to vary")]
    NothingVaried,
    #[error(
        "--repetitions {repetitions}: {settings} settings × {repetitions} repetitions = {runs} runs; at most {MAX_RUNS}"
    )]
    TooManyRuns { repetitions: u64, settings: u64, runs: u64 },
    #[error("--repetitions must be at least 1")]
    NoRepetitions,
    #[error("--level must be in (0, 1), not {0}")]
    Level(f64),
    /// A setting whose preferences cannot be tabulated.
    #[error("{setting}")]
    Prepare {
        setting: String,
        #[source]
        source: Box<ScenarioError>,
    },
    /// A run that failed.
    #[error("{setting}, repetition {repetition}")]
    Run {
        setting: String,
        repetition: u64,
        #[source]
        source: Box<RunFailure>,
    },
    /// Shards that are not the complete shards of one sweep.
    #[error("merge: {0}")]
    Merge(String),
}

/// Why a change does not apply to a setting.
#[derive(Debug, Error)]
pub enum ChangeError {
    #[error(transparent)]
    WhatIf(#[from] WhatIfError),
    #[error("strategy {name:?}")]
    Strategy {
        name: &'static str,
        #[source]
        source: StrategyError,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Why a run failed.
#[derive(Debug, Error)]
pub enum RunFailure {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Talks(#[from] TalksError),
}

fn invalid(why: impl Into<String>) -> ChangeError {
    ChangeError::Invalid(why.into())
}

/// What a sweep runs: one negotiation (SAO), or a round of talks.
#[derive(Clone, Debug)]
pub enum SweepBase {
    Sao(Scenario),
    Talks(Box<Talks>),
}

impl SweepBase {
    pub fn scenario(&self) -> &Scenario {
        match self {
            SweepBase::Sao(s) => s,
            SweepBase::Talks(t) => &t.scenario,
        }
    }
    fn scenario_mut(&mut self) -> &mut Scenario {
        match self {
            SweepBase::Sao(s) => s,
            SweepBase::Talks(t) => &mut t.scenario,
        }
    }
    /// The seed a sweep uses when its spec gives none: the scenario's (the talks' for talks).
    pub fn seed(&self) -> u64 {
        match self {
            SweepBase::Sao(s) => s.seed,
            SweepBase::Talks(t) => t.seed,
        }
    }
}

/// What to vary and how often to run each setting.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// Changes with one `{…}` slot each; the settings are their product (first slowest).
    pub vary: Vec<String>,
    /// Changes applied to every setting first.
    pub changes: Vec<String>,
    /// Draw this many settings instead of the grid.
    pub draws: Option<u64>,
    /// Runs per setting.
    pub repetitions: u64,
    /// The seed of the runs and of the draws (default: the base's).
    pub seed: Option<u64>,
    /// Confidence level of the Wilson intervals.
    pub level: f64,
}

impl Default for SweepSpec {
    fn default() -> Self {
        SweepSpec { vary: Vec::new(), changes: Vec::new(), draws: None, repetitions: 100, seed: None, level: 0.95 }
    }
}

/// The values a slot takes.
#[derive(Clone, Debug)]
enum Domain {
    /// A grid or a list: the values as written into the change.
    Values(Vec<String>),
    /// A uniform draw in `[a, b]` (with draws only).
    Uniform(f64, f64),
}

/// One varied change: the text around its slot.
#[derive(Clone, Debug)]
struct Vary {
    text: String,
    before: String,
    after: String,
    domain: Domain,
}

impl Vary {
    fn change(&self, value: &str) -> String {
        format!("{}{value}{}", self.before, self.after)
    }
    /// The parameter's name: the change without its slot.
    fn parameter(&self) -> String {
        format!("{}…{}", self.before, self.after).trim().to_string()
    }
}

/// A number as a grid writes it: at most 12 significant digits, so that
/// `0.1 + 2·0.1` is written `0.3`.
fn grid_number(x: f64) -> String {
    let s = format!("{:.12e}", x);
    let v: f64 = s.parse().unwrap_or(x);
    let v = if v == 0.0 { 0.0 } else { v };
    format!("{v}")
}

fn parse_vary(text: &str) -> Result<Vary, SweepError> {
    let bad = |why: String| SweepError::Slot { text: text.to_string(), why };
    let open = text.find('{').ok_or_else(|| {
        bad("no {…} slot; write the values in braces, e.g. \"reservation buyer={0:1:0.1}\" (a grid from:to:step), \
             \"{on,off}\" (a list) or \"{0.2~0.8}\" (a uniform draw, with --draws)"
            .into())
    })?;
    let close = text[open..].find('}').map(|k| open + k).ok_or_else(|| bad("the { slot is not closed by }".into()))?;
    if text[close + 1..].contains(['{', '}']) || text[..open].contains('}') {
        return Err(bad("only one {…} slot per --vary (give several --vary for several parameters)".into()));
    }
    let inner = text[open + 1..close].trim();
    let num = |s: &str, what: &str| -> Result<f64, SweepError> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(format!("{what} {:?} is not a finite number", s.trim())))
    };
    let domain = if inner.is_empty() {
        return Err(bad("the grid is empty: {} has no value".into()));
    } else if let Some((a, b)) = inner.split_once('~') {
        let (a, b) = (num(a, "the draw's lower end")?, num(b, "the draw's upper end")?);
        if a > b {
            return Err(bad(format!("the draw {{{inner}}} is empty: {a} > {b}")));
        }
        Domain::Uniform(a, b)
    } else if !inner.contains(',') && inner.split(':').count() == 3 {
        let parts: Vec<&str> = inner.split(':').collect();
        let (a, b, step) =
            (num(parts[0], "the grid's start")?, num(parts[1], "the grid's end")?, num(parts[2], "the grid's step")?);
        if step <= 0.0 {
            return Err(bad(format!("the grid's step must be positive, not {step}")));
        }
        if a > b {
            return Err(bad(format!("the grid {{{inner}}} is empty: start {a} > end {b}")));
        }
        let count = ((b - a) / step + 1e-9).floor() + 1.0;
        if count > MAX_SETTINGS as f64 {
            return Err(bad(format!(
                "the grid {{{inner}}} has {count} values; at most {MAX_SETTINGS} settings in all"
            )));
        }
        Domain::Values((0..count as u64).map(|k| grid_number(a + k as f64 * step)).collect())
    } else if inner.contains(':') && !inner.contains(',') {
        return Err(bad(format!("expected a grid from:to:step, not {{{inner}}}")));
    } else {
        let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(|v| v.is_empty()) {
            return Err(bad(format!("the list {{{inner}}} has an empty value")));
        }
        Domain::Values(values)
    };
    Ok(Vary { text: text.to_string(), before: text[..open].to_string(), after: text[close + 1..].to_string(), domain })
}

fn party_index(s: &Scenario, name: &str) -> Result<usize, ChangeError> {
    s.parties.iter().position(|p| p.name == name.trim()).ok_or_else(|| {
        let names: Vec<&str> = s.parties.iter().map(|p| p.name.as_str()).collect();
        invalid(format!("no party {:?}; the parties are {}", name.trim(), names.join(", ")))
    })
}

/// `PARTY.FIELD=V` or `N.FIELD=V` / `N on|off`: splits into (target, field, value).
fn split_target(rest: &str, form: &str) -> Result<(String, Option<String>, String), ChangeError> {
    let rest = rest.trim();
    if let Some((lhs, value)) = rest.split_once('=') {
        let (target, field) = match lhs.trim().rsplit_once('.') {
            Some((t, f)) => (t.trim().to_string(), Some(f.trim().to_string())),
            None => (lhs.trim().to_string(), None),
        };
        return Ok((target, field, value.trim().to_string()));
    }
    match rest.rsplit_once(char::is_whitespace) {
        Some((target, value)) => Ok((target.trim().to_string(), None, value.trim().to_string())),
        None => Err(invalid(format!("expected `{form}`"))),
    }
}

fn on_off(v: &str) -> Result<bool, ChangeError> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(invalid(format!("expected on or off, not {v:?}"))),
    }
}

fn number(v: &str, what: &str) -> Result<f64, ChangeError> {
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| invalid(format!("{what} must be a finite number, not {v:?}")))
}

/// `param PARTY.FIELD=V`: one parameter of a party's declared strategy, checked as a file's would be.
fn set_param(s: &mut Scenario, rest: &str) -> Result<(), ChangeError> {
    const FORM: &str = "param PARTY.FIELD=V (FIELD: exponent, tolerance, max_aspiration, rational_only, kindness, \
                        punish, p_accept, p_reject, p_end)";
    let (party, field, value) = split_target(rest, FORM)?;
    let field = field.ok_or_else(|| invalid(format!("expected `{FORM}`")))?;
    let k = party_index(s, &party)?;
    let spec = s.parties[k].strategy.ok_or_else(|| {
        invalid(format!("party {party:?} has no negotiator (give one with --strategy {party}=STRATEGY)"))
    })?;
    let mut o = StrategyOptions::default();
    let name = match spec {
        StrategySpec::TimeBased { name, params } => {
            o.exponent = Some(params.exponent);
            o.tolerance = Some(params.tolerance);
            o.max_aspiration = Some(params.max_aspiration);
            o.rational_only = Some(params.rational_only);
            match name {
                TimeBasedName::Boulware => "boulware",
                TimeBasedName::Linear => "linear",
                TimeBasedName::Conceder => "conceder",
                TimeBasedName::Aspiration => "aspiration",
                TimeBasedName::TimeBased => "time-based",
            }
        }
        StrategySpec::TitForTat(p) => {
            o.kindness = Some(p.kindness);
            o.punish = Some(p.punish);
            "tit-for-tat"
        }
        StrategySpec::Tough => "tough",
        StrategySpec::Random(p) => {
            o.p_accept = Some(p.p_accept);
            o.p_reject = Some(p.p_reject);
            o.p_end = Some(p.p_end);
            "random"
        }
    };
    match field.replace('-', "_").as_str() {
        "exponent" => o.exponent = Some(number(&value, &field)?),
        "tolerance" => o.tolerance = Some(number(&value, &field)?),
        "max_aspiration" => o.max_aspiration = Some(number(&value, &field)?),
        "kindness" => o.kindness = Some(number(&value, &field)?),
        "p_accept" => o.p_accept = Some(number(&value, &field)?),
        "p_reject" => o.p_reject = Some(number(&value, &field)?),
        "p_end" => o.p_end = Some(number(&value, &field)?),
        "rational_only" => o.rational_only = Some(on_off(&value)?),
        "punish" => o.punish = Some(on_off(&value)?),
        other => return Err(invalid(format!("unknown strategy parameter {other:?}; expected `{FORM}`"))),
    }
    s.parties[k].strategy =
        Some(StrategySpec::from_name(name, &o).map_err(|source| ChangeError::Strategy { name, source })?);
    Ok(())
}

fn item(n: &str, len: usize, what: &str) -> Result<usize, ChangeError> {
    match n.trim().parse::<usize>() {
        Ok(k) if (1..=len).contains(&k) => Ok(k - 1),
        _ => Err(invalid(format!(
            "{what} {n:?}: expected a number from 1 to {len} (the [[talks.{what}s]] in file order)"
        ))),
    }
}

/// Instructions and incidents switched off (removed once every change is applied, so numbers stay stable).
#[derive(Clone, Default)]
struct Removed {
    instructions: Vec<bool>,
    incidents: Vec<bool>,
}

/// The talks-only changes: instructions, incidents, conduct.
fn talks_change(t: &mut Talks, kind: &str, rest: &str, removed: &mut Removed) -> Result<(), ChangeError> {
    match kind {
        "instruction" => {
            let (n, field, value) = split_target(rest, "instruction N on|off")?;
            let i = item(&n, t.instructions.len(), "instruction")?;
            match field.as_deref() {
                None => removed.instructions[i] = !on_off(&value)?,
                Some(f) => {
                    return Err(invalid(format!(
                        "instruction {n}: unknown field {f:?}; expected `instruction N on|off`"
                    )));
                }
            }
        }
        "incident" => {
            let (n, field, value) = split_target(rest, "incident N on|off")?;
            let i = item(&n, t.incidents.len(), "incident")?;
            let inc = &mut t.incidents[i];
            match field.as_deref() {
                None => removed.incidents[i] = !on_off(&value)?,
                Some("reservation") => {
                    let by = number(&value, "incident.reservation")?;
                    let mut found = false;
                    for e in &mut inc.effects {
                        if let Effect::LowerReservation { by: b, .. } = e {
                            *b = by;
                            found = true;
                        }
                    }
                    if !found {
                        return Err(invalid(format!("incident {n} has no lower_reservation effect")));
                    }
                }
                Some("breakdown") => {
                    let add = number(&value, "incident.breakdown")?;
                    if !(0.0..=1.0).contains(&add) {
                        return Err(invalid(format!(
                            "incident {n}.breakdown must be a probability in [0, 1], not {add}"
                        )));
                    }
                    let mut found = false;
                    for e in &mut inc.effects {
                        if let Effect::BreakdownRisk { add: a } = e {
                            *a = add;
                            found = true;
                        }
                    }
                    if !found {
                        return Err(invalid(format!("incident {n} has no breakdown_risk effect")));
                    }
                }
                Some(f) => {
                    return Err(invalid(format!(
                        "incident {n}: unknown field {f:?}; expected `incident N on|off`, `incident N.reservation=BY` \
                         or `incident N.breakdown=ADD`"
                    )));
                }
            }
        }
        _ => {
            // "conduct"
            let (party, field, value) = split_target(rest, "conduct PARTY.exponent=E")?;
            let k = party_index(&t.scenario, &party)?;
            match field.as_deref() {
                Some("exponent") => {
                    let e = number(&value, "conduct.exponent")?;
                    if e <= 0.0 {
                        return Err(invalid(format!("conduct {party}.exponent must be positive, not {e}")));
                    }
                    t.conduct[k].exponent = e;
                }
                Some("capital_delay" | "capital-delay") => {
                    t.conduct[k].capital_delay = value
                        .parse()
                        .map_err(|_| invalid(format!("capital_delay must be whole minutes, not {value:?}")))?;
                }
                _ => {
                    return Err(invalid(
                        "expected `conduct PARTY.exponent=E` or `conduct PARTY.capital_delay=MINUTES`",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// For talks: a whatif change of a bloc's veto, weight or reversion, or of a quota, holds for the whole
/// round, as it holds for the whole negotiation in whatif: the same field is cleared from the talks'
/// instructions of that bloc (or delegation).
fn clear_timed(t: &mut Talks, w: &WhatIf) {
    let bloc_of = |t: &Talks, party: &str, bloc: &str| -> Option<(usize, usize)> {
        let p = t.scenario.parties.iter().position(|x| x.name == party)?;
        let b = t.scenario.parties[p].delegation.as_ref()?.blocs.iter().position(|x| x.bloc.name == bloc)?;
        Some((p, b))
    };
    match w {
        WhatIf::Veto { party, bloc, .. } => {
            if let Some((p, b)) = bloc_of(t, party, bloc) {
                t.instructions.iter_mut().filter(|i| i.party == p && i.bloc == b).for_each(|i| i.veto = None);
            }
        }
        WhatIf::Weight { party, bloc, .. } => {
            if let Some((p, b)) = bloc_of(t, party, bloc) {
                t.instructions.iter_mut().filter(|i| i.party == p && i.bloc == b).for_each(|i| i.weight = None);
            }
        }
        WhatIf::Reversion { party, bloc, .. } => {
            if let Some((p, b)) = bloc_of(t, party, bloc) {
                t.instructions.iter_mut().filter(|i| i.party == p && i.bloc == b).for_each(|i| i.reversion = None);
            }
        }
        WhatIf::Quota { party, .. } => {
            if let Some(p) = t.scenario.parties.iter().position(|x| &x.name == party) {
                t.instructions.iter_mut().filter(|i| i.party == p).for_each(|i| i.quota = None);
            }
        }
        _ => {}
    }
}

/// Applies one change (whatif's compact form, or a sweep's own kind) to `base`.
fn apply_change(base: &mut SweepBase, change: &str, removed: &mut Removed) -> Result<(), ChangeError> {
    let trimmed = change.trim();
    let (kind, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    match kind.as_str() {
        "param" => set_param(base.scenario_mut(), rest),
        "instruction" | "incident" | "conduct" => match base {
            SweepBase::Talks(t) => talks_change(t, &kind, rest, removed),
            SweepBase::Sao(_) => Err(invalid(format!("`{kind}` changes apply to talks files only (a [talks] table)"))),
        },
        _ => {
            let w = parse_change(trimmed)?;
            if let SweepBase::Talks(t) = base {
                if matches!(
                    w,
                    WhatIf::Merge { .. }
                        | WhatIf::DropIssue { .. }
                        | WhatIf::AddIssue { .. }
                        | WhatIf::DropValue { .. }
                        | WhatIf::AddValue { .. }
                        | WhatIf::Rounds { .. }
                        | WhatIf::Strategy { .. }
                ) {
                    return Err(invalid(format!(
                        "`{kind}` changes the issues, the blocs or the SAO protocol, which a round of talks \
                         refers to by position; sweeps of talks take veto, weight, quota, rule, reservation, \
                         reversion, utility, instruction, incident and conduct changes"
                    )));
                }
                clear_timed(t, &w);
            }
            let applied = apply_noted(base.scenario(), &w)?;
            *base.scenario_mut() = applied.scenario;
            Ok(())
        }
    }
}

/// One setting: the base with the fixed changes and one value per slot. Errors name the change and the value.
fn build_setting(
    base: &SweepBase,
    fixed: &[String],
    varies: &[Vary],
    values: &[String],
) -> Result<SweepBase, SweepError> {
    let mut b = base.clone();
    let mut removed = match &b {
        SweepBase::Talks(t) => {
            Removed { instructions: vec![false; t.instructions.len()], incidents: vec![false; t.incidents.len()] }
        }
        SweepBase::Sao(_) => Removed::default(),
    };
    for c in fixed {
        apply_change(&mut b, c, &mut removed)
            .map_err(|source| SweepError::Change { text: c.clone(), source: Box::new(source) })?;
    }
    for (v, x) in varies.iter().zip(values) {
        apply_change(&mut b, &v.change(x), &mut removed).map_err(|source| SweepError::Vary {
            text: v.text.clone(),
            value: x.clone(),
            source: Box::new(source),
        })?;
    }
    if let SweepBase::Talks(t) = &mut b {
        let mut k = 0;
        t.instructions.retain(|_| {
            k += 1;
            !removed.instructions[k - 1]
        });
        let mut k = 0;
        t.incidents.retain(|_| {
            k += 1;
            !removed.incidents[k - 1]
        });
    }
    Ok(b)
}

/// One run's result.
#[derive(Clone, Debug)]
struct RunResult {
    agreement: bool,
    outcome: String,
    utilities: Vec<f64>,
    rounds: f64,
}

/// A setting ready to run (tables prepared once for SAO).
enum Ready<'a> {
    Sao(&'a Scenario, Vec<Prepared>),
    Talks(&'a Talks),
}

impl Ready<'_> {
    fn run(&self, seed: u64) -> Result<RunResult, RunFailure> {
        match self {
            Ready::Sao(s, prepared) => {
                let r = s.run_prepared(prepared, Some(seed))?;
                let ratified = r.ratification.iter().all(|x| x.as_ref().is_none_or(|x| x.ratified));
                let describe = |o| s.describe(o).iter().map(|(i, v)| format!("{i}={v}")).collect::<Vec<_>>().join(", ");
                let outcome = match r.agreement {
                    Some(o) if ratified => describe(o),
                    Some(o) => format!("not ratified: {}", describe(o)),
                    None => format!(
                        "no agreement ({})",
                        match r.reason {
                            EndReason::Timeout => "timeout".to_string(),
                            EndReason::TimeLimit => "time limit".to_string(),
                            EndReason::BrokenOff { by } => format!("broken off by {}", s.parties[by].name),
                            EndReason::Agreement => "agreement".to_string(),
                        }
                    ),
                };
                Ok(RunResult {
                    agreement: r.agreement.is_some() && ratified,
                    outcome,
                    utilities: r.utilities,
                    rounds: r.rounds as f64,
                })
            }
            Ready::Talks(t) => {
                let mut t = (*t).clone();
                t.seed = seed;
                let run = entente_talks::simulate(&t)?;
                let steps = run.texts.len() as f64;
                let text = |x: &[u32]| {
                    t.scenario
                        .space
                        .issues()
                        .iter()
                        .zip(x)
                        .map(|(i, &v)| format!("{}={}", i.name, i.value(v).map(|l| l.to_string()).unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let (agreement, outcome) = match &run.ending {
                    Ending::Adopted { text: x, .. } => (true, format!("adopted: {}", text(x))),
                    Ending::NotAdopted { .. } => (false, "not adopted".to_string()),
                    Ending::BrokeDown { by, .. } => (false, format!("broke down ({by} walked out)")),
                };
                let utilities = run.texts.last().map(|s| s.utilities.clone()).unwrap_or_default();
                Ok(RunResult { agreement, outcome, utilities, rounds: steps })
            }
        }
    }
}

/// An outcome and how many runs of a setting ended in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeCount {
    pub outcome: String,
    pub count: u64,
}

/// One setting's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingDoc {
    /// The value of each slot, in `vary` order.
    pub values: Vec<String>,
    /// The changes applied (the fixed ones not repeated).
    pub changes: Vec<String>,
    pub runs: u64,
    pub agreements: u64,
    pub probability: f64,
    pub interval: Interval,
    /// Mean over runs of each party's utility (its reservation value without agreement; for talks, of the
    /// final text; `None` (JSON null) when not a number, e.g. talks without any text).
    pub mean_utilities: Vec<Option<f64>>,
    /// Mean rounds (SAO) or mediation steps (talks).
    pub mean_rounds: f64,
    /// Every distinct outcome with its count, most frequent first.
    pub outcomes: Vec<OutcomeCount>,
}

/// Which part of a sweep a document holds (absent for a whole sweep).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOf {
    /// `i` of `i/k` (from 1).
    pub index: u64,
    /// `k`.
    pub count: u64,
    /// The position of the shard's first setting in the whole sweep.
    pub first_setting: u64,
    /// The whole sweep's number of settings.
    pub total_settings: u64,
}

/// The `entente.sweep/1` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepDoc {
    pub format: String,
    pub scenario: String,
    /// `"sao"` or `"talks"`.
    pub kind: String,
    pub parties: Vec<String>,
    /// `"grid"` or `"draws"`.
    pub mode: String,
    pub vary: Vec<String>,
    pub parameters: Vec<String>,
    pub fixed_changes: Vec<String>,
    pub repetitions: u64,
    pub seed: u64,
    pub level: f64,
    pub interval: String,
    /// A shard's part of the sweep; absent for the whole sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    pub settings: Vec<SettingDoc>,
}

/// A sweep: every setting built and checked, ready to run.
pub struct Sweep {
    spec: SweepSpec,
    kind: &'static str,
    scenario: String,
    parties: Vec<String>,
    varies: Vec<Vary>,
    seed: u64,
    values: Vec<Vec<String>>,
    settings: Vec<SweepBase>,
}

impl Sweep {
    /// Builds every setting of `spec` over `base` (and so checks them all).
    pub fn new(base: SweepBase, spec: SweepSpec) -> Result<Sweep, SweepError> {
        if spec.repetitions == 0 {
            return Err(SweepError::NoRepetitions);
        }
        if !(spec.level > 0.0 && spec.level < 1.0) {
            return Err(SweepError::Level(spec.level));
        }
        if spec.draws == Some(0) {
            return Err(SweepError::NoDraws);
        }
        if spec.vary.is_empty() {
            return Err(SweepError::NothingVaried);
        }
        let varies: Vec<Vary> = spec.vary.iter().map(|v| parse_vary(v)).collect::<Result<_, _>>()?;
        let seed = spec.seed.unwrap_or(base.seed());
        let values: Vec<Vec<String>> = match spec.draws {
            None => {
                let mut total: u64 = 1;
                for v in &varies {
                    match &v.domain {
                        Domain::Uniform(..) => return Err(SweepError::DrawNeedsDraws(v.text.clone())),
                        Domain::Values(x) => total = total.saturating_mul(x.len() as u64),
                    }
                }
                if total > MAX_SETTINGS {
                    let sizes: Vec<String> = varies
                        .iter()
                        .map(|v| match &v.domain {
                            Domain::Values(x) => x.len().to_string(),
                            Domain::Uniform(..) => "?".into(),
                        })
                        .collect();
                    return Err(SweepError::GridTooLarge { total, sizes: sizes.join(" × ") });
                }
                let mut out: Vec<Vec<String>> = vec![Vec::new()];
                for v in &varies {
                    if let Domain::Values(values) = &v.domain {
                        out = out
                            .into_iter()
                            .flat_map(|s| values.iter().map(move |x| [s.clone(), vec![x.clone()]].concat()))
                            .collect();
                    }
                }
                out
            }
            Some(n) => {
                if n > MAX_SETTINGS {
                    return Err(SweepError::TooManyDraws(n));
                }
                let mut rng = ChaCha8Rng::seed_from_u64(party_seed(seed, 0x5eed));
                (0..n)
                    .map(|_| {
                        varies
                            .iter()
                            .map(|v| match &v.domain {
                                Domain::Values(x) => x[rng.random_range(0..x.len())].clone(),
                                Domain::Uniform(a, b) => grid_number(a + (b - a) * rng.random::<f64>()),
                            })
                            .collect()
                    })
                    .collect()
            }
        };
        let runs = (values.len() as u64).saturating_mul(spec.repetitions);
        if runs > MAX_RUNS {
            return Err(SweepError::TooManyRuns { repetitions: spec.repetitions, settings: values.len() as u64, runs });
        }
        let settings: Vec<SweepBase> =
            values.iter().map(|x| build_setting(&base, &spec.changes, &varies, x)).collect::<Result<_, _>>()?;
        Ok(Sweep {
            kind: if matches!(base, SweepBase::Talks(_)) { "talks" } else { "sao" },
            scenario: base.scenario().name.clone(),
            parties: base.scenario().parties.iter().map(|p| p.name.clone()).collect(),
            spec,
            varies,
            seed,
            values,
            settings,
        })
    }

    /// The number of settings.
    pub fn len(&self) -> u64 {
        self.values.len() as u64
    }

    /// Whether there is no setting (never, once built).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The number of runs in all.
    pub fn runs(&self) -> u64 {
        self.len() * self.spec.repetitions
    }

    /// The seed of the runs (the spec's, or the base's).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether the sweep runs talks.
    pub fn is_talks(&self) -> bool {
        self.kind == "talks"
    }

    fn describe(&self, s: usize) -> String {
        let changes: Vec<String> = self.varies.iter().zip(&self.values[s]).map(|(v, x)| v.change(x)).collect();
        format!("the setting {}", changes.join("; "))
    }

    /// Runs the settings of `shard` (`Shard::WHOLE` for all) on `pool` and returns their document. Settings
    /// are prepared and run a chunk at a time (memory stays bounded); the result does not depend on the
    /// pool's size.
    pub fn run(&self, shard: Shard, pool: &rayon::ThreadPool) -> Result<SweepDoc, SweepError> {
        let range = shard.range(self.len());
        let reps = self.spec.repetitions;
        let indices: Vec<usize> = (range.start as usize..range.end as usize).collect();
        let mut results: Vec<RunResult> = Vec::with_capacity(indices.len() * reps as usize);
        for chunk in indices.chunks(CHUNK) {
            #[allow(clippy::disallowed_methods)] // inside the caller's pool
            let ready: Vec<Ready> = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|&s| -> Result<Ready, SweepError> {
                        Ok(match &self.settings[s] {
                            SweepBase::Sao(sc) => Ready::Sao(
                                sc,
                                sc.prepare().map_err(|source| SweepError::Prepare {
                                    setting: self.describe(s),
                                    source: Box::new(source),
                                })?,
                            ),
                            SweepBase::Talks(t) => Ready::Talks(t),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?;
            #[allow(clippy::disallowed_methods)] // inside the caller's pool
            let part: Vec<RunResult> = pool.install(|| {
                (0..chunk.len() as u64 * reps)
                    .into_par_iter()
                    .map(|k| {
                        let (i, r) = ((k / reps) as usize, k % reps);
                        ready[i].run(party_seed(self.seed, r as usize)).map_err(|source| SweepError::Run {
                            setting: self.describe(chunk[i]),
                            repetition: r,
                            source: Box::new(source),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?;
            results.extend(part);
        }
        let settings = indices
            .iter()
            .enumerate()
            .map(|(j, &s)| self.setting_doc(s, &results[j * reps as usize..(j + 1) * reps as usize]))
            .collect();
        Ok(SweepDoc {
            format: FORMAT.into(),
            scenario: self.scenario.clone(),
            kind: self.kind.into(),
            parties: self.parties.clone(),
            mode: if self.spec.draws.is_some() { "draws" } else { "grid" }.into(),
            vary: self.spec.vary.clone(),
            parameters: self.varies.iter().map(Vary::parameter).collect(),
            fixed_changes: self.spec.changes.clone(),
            repetitions: reps,
            seed: self.seed,
            level: self.spec.level,
            interval: "wilson".into(),
            shard: (shard != Shard::WHOLE).then_some(ShardOf {
                index: shard.index,
                count: shard.count,
                first_setting: range.start,
                total_settings: self.len(),
            }),
            settings,
        })
    }

    fn setting_doc(&self, s: usize, rs: &[RunResult]) -> SettingDoc {
        let reps = rs.len() as u64;
        let values = &self.values[s];
        let agreements = rs.iter().filter(|r| r.agreement).count() as u64;
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for r in rs {
            *counts.entry(&r.outcome).or_default() += 1;
        }
        let mut outcomes: Vec<OutcomeCount> =
            counts.into_iter().map(|(o, count)| OutcomeCount { outcome: o.to_string(), count }).collect();
        outcomes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.outcome.cmp(&b.outcome)));
        let mean_utilities = (0..self.parties.len())
            .map(|k| {
                let m = rs.iter().map(|r| r.utilities.get(k).copied().unwrap_or(f64::NAN)).sum::<f64>() / reps as f64;
                m.is_finite().then_some(m)
            })
            .collect();
        SettingDoc {
            values: values.clone(),
            changes: self.varies.iter().zip(values).map(|(v, x)| v.change(x)).collect(),
            runs: reps,
            agreements,
            probability: agreements as f64 / reps as f64,
            interval: wilson(agreements, reps, self.spec.level).unwrap_or(Interval { low: 0.0, high: 1.0 }),
            mean_utilities,
            mean_rounds: rs.iter().map(|r| r.rounds).sum::<f64>() / reps as f64,
            outcomes,
        }
    }
}

/// Joins the documents of shards `1/k … k/k` of one sweep, in order, into the whole sweep's document
/// (the same, setting for setting, as one run). Refuses parts of different sweeps, a missing, repeated
/// or misplaced shard.
pub fn merge(parts: Vec<SweepDoc>) -> Result<SweepDoc, SweepError> {
    let bad = |why: String| SweepError::Merge(why);
    let Some(first) = parts.first() else {
        return Err(bad("no shard to merge".into()));
    };
    let head = |d: &SweepDoc| SweepDoc { shard: None, settings: Vec::new(), ..d.clone() };
    let same = head(first);
    let k = first.shard.map_or(1, |s| s.count);
    if parts.len() as u64 != k {
        return Err(bad(format!("{} shards given; the sweep was split into {k}", parts.len())));
    }
    let total = first.shard.map_or(first.settings.len() as u64, |s| s.total_settings);
    let mut settings = Vec::with_capacity(total as usize);
    for (j, part) in parts.into_iter().enumerate() {
        if head(&part) != same {
            return Err(bad(format!(
                "part {} is another sweep's (its scenario, changes, seed or repetitions differ)",
                j + 1
            )));
        }
        let at = settings.len() as u64;
        match part.shard {
            None if k == 1 => {}
            Some(s)
                if s.count == k && s.index == j as u64 + 1 && s.first_setting == at && s.total_settings == total => {}
            Some(s) => {
                return Err(bad(format!(
                    "part {} is shard {}/{} (from setting {}); expected shard {}/{k} from setting {at}",
                    j + 1,
                    s.index,
                    s.count,
                    s.first_setting,
                    j + 1
                )));
            }
            None => return Err(bad(format!("part {} is a whole sweep, not a shard of {k}", j + 1))),
        }
        settings.extend(part.settings);
    }
    if settings.len() as u64 != total {
        return Err(bad(format!("the shards hold {} settings; the sweep has {total}", settings.len())));
    }
    Ok(SweepDoc { shard: None, settings, ..same })
}
