//! `entente sweep SCENARIO --vary "…"`: how likely is an agreement if a
//! parameter took other values? Each `--vary` is a change in `entente
//! whatif`'s compact form with one `{…}` slot (a grid `a:b:step`, a list
//! `x,y,z`, or a uniform draw `a~b` with `--draws`); every setting (the grid's
//! product, or one draw of every slot) is run `--repetitions` times with the
//! same seeds, and the probability of agreement is reported with its Wilson
//! interval and the distribution of outcomes, as a table, JSON and an SVG
//! figure. A talks file runs the talks simulation (`entente_talks::simulate`).
//! Syntax and semantics: docs/tournaments.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use entente_formats::whatif::{WhatIf, apply_noted, parse_change};
use entente_model::strategy::TimeBasedName;
use entente_model::talks::{Effect, Talks};
use entente_model::{Scenario, StrategyOptions, StrategySpec};
use entente_plot::intervals::{IntervalChart, IntervalPoint, IntervalSeries, render_intervals};
use entente_protocols::scenario::party_seed;
use entente_protocols::{EndReason, RunScenario};
use entente_talks::sim::Ending;
use entente_tournament::stats::{Interval, wilson};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::source::ReadArgs;

/// At most this many settings (the grid's product, or draws).
pub const MAX_SETTINGS: u64 = 10_000;
/// At most this many runs in all (settings × repetitions).
pub const MAX_RUNS: u64 = 100_000_000;
/// The format tag of `--json`.
pub const FORMAT: &str = "entente.sweep/1";

#[derive(Args)]
pub struct SweepArgs {
    /// A scenario file (.toml; a file with a [talks] table runs the talks), a GENIUS or GeniusWeb folder.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
    /// A change with one {…} slot: a grid {a:b:step}, a list {x,y,z} or a uniform draw {a~b} (with
    /// --draws), e.g. "reservation buyer={0:0.8:0.1}", "veto delegation_b.khost {on,off}",
    /// "param seller.exponent={0.2,1,5}"; repeatable (the grid is the product). Syntax: docs/tournaments.md.
    #[arg(long = "vary", value_name = "CHANGE", required = true)]
    pub vary: Vec<String>,
    /// Draw this many settings at random (every slot drawn from its range or list) instead of the grid.
    #[arg(long, value_name = "N")]
    pub draws: Option<u64>,
    /// Runs per setting (seeds derived from --seed: the same seeds in every setting).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub repetitions: u64,
    /// Seed of the runs and of the draws (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A fixed change applied before the varied ones (whatif's compact form); repeatable.
    #[arg(long = "change", value_name = "CHANGE")]
    pub changes: Vec<String>,
    /// Negotiator of a party, as PARTY=STRATEGY (as in `run`); repeatable.
    #[arg(long = "strategy", value_name = "PARTY=STRATEGY")]
    pub strategies: Vec<String>,
    /// Threads (default: one per CPU). The results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Draw the probability of agreement against the first varied parameter to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_name = "L")]
    pub level: f64,
}

/// The values a slot takes.
#[derive(Clone, Debug)]
enum Domain {
    /// A grid or a list: the values as written into the change.
    Values(Vec<String>),
    /// A uniform draw in `[a, b]` (with `--draws` only).
    Uniform(f64, f64),
}

/// One `--vary`: the change around its slot.
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

fn parse_vary(text: &str) -> anyhow::Result<Vary> {
    let bad = |why: String| anyhow!("--vary {text:?}: {why}");
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
    let num = |s: &str, what: &str| -> anyhow::Result<f64> {
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

/// What a sweep runs: one negotiation, or a round of talks.
#[derive(Clone)]
enum Base {
    Sao(Scenario),
    Talks(Box<Talks>),
}

impl Base {
    fn scenario(&self) -> &Scenario {
        match self {
            Base::Sao(s) => s,
            Base::Talks(t) => &t.scenario,
        }
    }
    fn scenario_mut(&mut self) -> &mut Scenario {
        match self {
            Base::Sao(s) => s,
            Base::Talks(t) => &mut t.scenario,
        }
    }
}

fn party_index(s: &Scenario, name: &str) -> anyhow::Result<usize> {
    s.parties.iter().position(|p| p.name == name.trim()).ok_or_else(|| {
        let names: Vec<&str> = s.parties.iter().map(|p| p.name.as_str()).collect();
        anyhow!("no party {:?}; the parties are {}", name.trim(), names.join(", "))
    })
}

/// `PARTY.FIELD=V` or `N.FIELD=V` / `N on|off`: splits into (target, field, value).
fn split_target(rest: &str, form: &str) -> anyhow::Result<(String, Option<String>, String)> {
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
        None => bail!("expected `{form}`"),
    }
}

fn on_off(v: &str) -> anyhow::Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => bail!("expected on or off, not {v:?}"),
    }
}

fn number(v: &str, what: &str) -> anyhow::Result<f64> {
    v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| anyhow!("{what} must be a finite number, not {v:?}"))
}

/// `param PARTY.FIELD=V`: one parameter of a party's declared strategy, checked as a file's would be.
fn set_param(s: &mut Scenario, rest: &str) -> anyhow::Result<()> {
    const FORM: &str = "param PARTY.FIELD=V (FIELD: exponent, tolerance, max_aspiration, rational_only, kindness, \
                        punish, p_accept, p_reject, p_end)";
    let (party, field, value) = split_target(rest, FORM)?;
    let field = field.ok_or_else(|| anyhow!("expected `{FORM}`"))?;
    let k = party_index(s, &party)?;
    let spec = s.parties[k]
        .strategy
        .ok_or_else(|| anyhow!("party {party:?} has no negotiator (give one with --strategy {party}=STRATEGY)"))?;
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
    let slot = match field.replace('-', "_").as_str() {
        "exponent" => &mut o.exponent,
        "tolerance" => &mut o.tolerance,
        "max_aspiration" => &mut o.max_aspiration,
        "kindness" => &mut o.kindness,
        "p_accept" => &mut o.p_accept,
        "p_reject" => &mut o.p_reject,
        "p_end" => &mut o.p_end,
        "rational_only" => {
            o.rational_only = Some(on_off(&value)?);
            &mut None
        }
        "punish" => {
            o.punish = Some(on_off(&value)?);
            &mut None
        }
        other => bail!("unknown strategy parameter {other:?}; expected `{FORM}`"),
    };
    if !matches!(field.as_str(), "rational_only" | "punish") {
        *slot = Some(number(&value, &field)?);
    }
    s.parties[k].strategy = Some(StrategySpec::from_name(name, &o).map_err(|e| anyhow!("strategy {name:?}: {e}"))?);
    Ok(())
}

/// The talks-only changes: instructions, incidents, conduct.
fn talks_change(t: &mut Talks, kind: &str, rest: &str, removed: &mut Removed) -> anyhow::Result<()> {
    match kind {
        "instruction" => {
            let (n, field, value) = split_target(rest, "instruction N on|off")?;
            let i = item(&n, t.instructions.len(), "instruction")?;
            match field.as_deref() {
                None => {
                    removed.instructions[i] = !on_off(&value)?;
                }
                Some(f) => bail!("instruction {n}: unknown field {f:?}; expected `instruction N on|off`"),
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
                        bail!("incident {n} has no lower_reservation effect");
                    }
                }
                Some("breakdown") => {
                    let add = number(&value, "incident.breakdown")?;
                    if !(0.0..=1.0).contains(&add) {
                        bail!("incident {n}.breakdown must be a probability in [0, 1], not {add}");
                    }
                    let mut found = false;
                    for e in &mut inc.effects {
                        if let Effect::BreakdownRisk { add: a } = e {
                            *a = add;
                            found = true;
                        }
                    }
                    if !found {
                        bail!("incident {n} has no breakdown_risk effect");
                    }
                }
                Some(f) => bail!(
                    "incident {n}: unknown field {f:?}; expected `incident N on|off`, `incident N.reservation=BY` \
                     or `incident N.breakdown=ADD`"
                ),
            }
        }
        "conduct" => {
            let (party, field, value) = split_target(rest, "conduct PARTY.exponent=E")?;
            let k = party_index(&t.scenario, &party)?;
            match field.as_deref() {
                Some("exponent") => {
                    let e = number(&value, "conduct.exponent")?;
                    if e <= 0.0 {
                        bail!("conduct {party}.exponent must be positive, not {e}");
                    }
                    t.conduct[k].exponent = e;
                }
                Some("capital_delay" | "capital-delay") => {
                    t.conduct[k].capital_delay =
                        value.parse().map_err(|_| anyhow!("capital_delay must be whole minutes, not {value:?}"))?;
                }
                _ => bail!("expected `conduct PARTY.exponent=E` or `conduct PARTY.capital_delay=MINUTES`"),
            }
        }
        _ => unreachable!("talks_change is called for talks kinds only"),
    }
    Ok(())
}

fn item(n: &str, len: usize, what: &str) -> anyhow::Result<usize> {
    match n.trim().parse::<usize>() {
        Ok(k) if (1..=len).contains(&k) => Ok(k - 1),
        _ => bail!("{what} {n:?}: expected a number from 1 to {len} (the [[talks.{what}s]] in file order)"),
    }
}

/// Instructions and incidents switched off (removed once every change is applied, so numbers stay stable).
#[derive(Clone, Default)]
struct Removed {
    instructions: Vec<bool>,
    incidents: Vec<bool>,
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
fn apply_change(base: &mut Base, change: &str, removed: &mut Removed) -> anyhow::Result<()> {
    let trimmed = change.trim();
    let (kind, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    match kind.as_str() {
        "param" => set_param(base.scenario_mut(), rest),
        "instruction" | "incident" | "conduct" => match base {
            Base::Talks(t) => talks_change(t, &kind, rest, removed),
            Base::Sao(_) => bail!("`{kind}` changes apply to talks files only (a [talks] table)"),
        },
        _ => {
            let w = parse_change(trimmed)?;
            if let Base::Talks(t) = base {
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
                    bail!(
                        "`{kind}` changes the issues, the blocs or the SAO protocol, which a round of talks \
                         refers to by position; sweeps of talks take veto, weight, quota, rule, reservation, \
                         reversion, utility, instruction, incident and conduct changes"
                    );
                }
                clear_timed(t, &w);
            }
            let applied = apply_noted(base.scenario(), &w)?;
            *base.scenario_mut() = applied.scenario;
            Ok(())
        }
    }
}

/// One setting: the base with the fixed changes and one value per slot.
/// Errors name the flag and the value.
fn build_setting(base: &Base, fixed: &[String], varies: &[Vary], values: &[String]) -> anyhow::Result<Base> {
    let mut b = base.clone();
    let mut removed = match &b {
        Base::Talks(t) => {
            Removed { instructions: vec![false; t.instructions.len()], incidents: vec![false; t.incidents.len()] }
        }
        Base::Sao(_) => Removed::default(),
    };
    for c in fixed {
        apply_change(&mut b, c, &mut removed).with_context(|| format!("--change {c:?}"))?;
    }
    for (v, x) in varies.iter().zip(values) {
        apply_change(&mut b, &v.change(x), &mut removed).with_context(|| format!("--vary {:?} with {x:?}", v.text))?;
    }
    if let Base::Talks(t) = &mut b {
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
enum Ready {
    Sao(Box<Scenario>, Vec<entente_protocols::Prepared>),
    Talks(Box<Talks>),
}

impl Ready {
    fn run(&self, seed: u64) -> anyhow::Result<RunResult> {
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
                let mut t = (**t).clone();
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

#[derive(Serialize)]
struct OutcomeCount {
    outcome: String,
    count: u64,
}

#[derive(Serialize)]
struct SettingDoc {
    /// The value of each slot, in --vary order.
    values: Vec<String>,
    /// The changes applied (the fixed ones not repeated).
    changes: Vec<String>,
    runs: u64,
    agreements: u64,
    probability: f64,
    interval: Interval,
    /// Mean over runs of each party's utility (its reservation value without agreement; for talks, of the
    /// final text).
    mean_utilities: Vec<f64>,
    /// Mean rounds (SAO) or mediation steps (talks).
    mean_rounds: f64,
    /// Every distinct outcome with its count, most frequent first.
    outcomes: Vec<OutcomeCount>,
}

#[derive(Serialize)]
struct SweepDoc {
    format: &'static str,
    scenario: String,
    kind: &'static str,
    parties: Vec<String>,
    mode: &'static str,
    vary: Vec<String>,
    parameters: Vec<String>,
    fixed_changes: Vec<String>,
    repetitions: u64,
    seed: u64,
    level: f64,
    interval: &'static str,
    settings: Vec<SettingDoc>,
}

fn load(args: &SweepArgs) -> anyhow::Result<Base> {
    let path = &args.scenario;
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        if entente_formats::talks_toml::has_talks(&text) {
            if !args.strategies.is_empty() {
                bail!("--strategy: a round of talks has no SAO negotiators (its parties follow [talks.conduct])");
            }
            return Ok(Base::Talks(Box::new(entente_formats::talks_toml::parse_talks(&text, path)?)));
        }
    }
    let mut s = args.read.load(path)?;
    crate::run::apply_strategies(&mut s, &args.strategies)?;
    Ok(Base::Sao(s))
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    if args.repetitions == 0 {
        bail!("--repetitions must be at least 1");
    }
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level must be in (0, 1), not {}", args.level);
    }
    if args.draws == Some(0) {
        bail!("--draws must be at least 1");
    }
    let varies: Vec<Vary> = args.vary.iter().map(|v| parse_vary(v)).collect::<anyhow::Result<_>>()?;
    let base = load(&args)?;
    let seed = args.seed.unwrap_or(match &base {
        Base::Sao(s) => s.seed,
        Base::Talks(t) => t.seed,
    });
    // The settings: the grid's product, or draws.
    let settings: Vec<Vec<String>> = match args.draws {
        None => {
            let mut total: u64 = 1;
            for v in &varies {
                match &v.domain {
                    Domain::Uniform(..) => {
                        bail!("--vary {:?}: a uniform draw {{a~b}} needs --draws N (how many settings to draw)", v.text)
                    }
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
                bail!(
                    "--vary: the grid has {total} settings ({}); at most {MAX_SETTINGS}: use fewer values, or --draws N",
                    sizes.join(" × ")
                );
            }
            let mut out: Vec<Vec<String>> = vec![Vec::new()];
            for v in &varies {
                let Domain::Values(values) = &v.domain else { unreachable!() };
                out = out
                    .into_iter()
                    .flat_map(|s| values.iter().map(move |x| [s.clone(), vec![x.clone()]].concat()))
                    .collect();
            }
            out
        }
        Some(n) => {
            if n > MAX_SETTINGS {
                bail!("--draws {n}: at most {MAX_SETTINGS} settings");
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
    let runs = (settings.len() as u64).saturating_mul(args.repetitions);
    if runs > MAX_RUNS {
        bail!(
            "--repetitions {}: {} settings × {} repetitions = {runs} runs; at most {MAX_RUNS}",
            args.repetitions,
            settings.len(),
            args.repetitions
        );
    }
    // Every setting is built (and so checked) before anything runs; errors name the flag and the value.
    let bases: Vec<Base> = settings
        .iter()
        .map(|values| build_setting(&base, &args.changes, &varies, values))
        .collect::<anyhow::Result<_>>()?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).build()?;
    let reps = args.repetitions;
    let describe = |s: usize| -> String {
        let changes: Vec<String> = varies.iter().zip(&settings[s]).map(|(v, x)| v.change(x)).collect();
        format!("the setting {}", changes.join("; "))
    };
    // Settings are prepared (utility tables) and run a chunk at a time, so memory stays bounded; runs are
    // collected in order: k = setting · reps + r, with seed party_seed(seed, r), the same in every setting.
    let mut results: Vec<RunResult> = Vec::with_capacity((bases.len() as u64 * reps) as usize);
    let indices: Vec<usize> = (0..bases.len()).collect();
    for chunk in indices.chunks(64) {
        let ready: Vec<Ready> = pool.install(|| {
            chunk
                .par_iter()
                .map(|&s| -> anyhow::Result<Ready> {
                    Ok(match &bases[s] {
                        Base::Sao(sc) => Ready::Sao(Box::new(sc.clone()), sc.prepare().with_context(|| describe(s))?),
                        Base::Talks(t) => Ready::Talks(t.clone()),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })?;
        let part: Vec<RunResult> = pool.install(|| {
            (0..chunk.len() as u64 * reps)
                .into_par_iter()
                .map(|k| {
                    let (i, r) = ((k / reps) as usize, k % reps);
                    ready[i]
                        .run(party_seed(seed, r as usize))
                        .with_context(|| format!("{}, repetition {r}", describe(chunk[i])))
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })?;
        results.extend(part);
    }
    let n_parties = base.scenario().parties.len();
    let docs: Vec<SettingDoc> = settings
        .iter()
        .enumerate()
        .map(|(s, values)| {
            let rs = &results[s * reps as usize..(s + 1) * reps as usize];
            let agreements = rs.iter().filter(|r| r.agreement).count() as u64;
            let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
            for r in rs {
                *counts.entry(&r.outcome).or_default() += 1;
            }
            let mut outcomes: Vec<OutcomeCount> =
                counts.into_iter().map(|(o, count)| OutcomeCount { outcome: o.to_string(), count }).collect();
            outcomes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.outcome.cmp(&b.outcome)));
            let mean_utilities = (0..n_parties)
                .map(|k| rs.iter().map(|r| r.utilities.get(k).copied().unwrap_or(f64::NAN)).sum::<f64>() / reps as f64)
                .collect();
            SettingDoc {
                values: values.clone(),
                changes: varies.iter().zip(values).map(|(v, x)| v.change(x)).collect(),
                runs: reps,
                agreements,
                probability: agreements as f64 / reps as f64,
                interval: wilson(agreements, reps, args.level).unwrap_or(Interval { low: 0.0, high: 1.0 }),
                mean_utilities,
                mean_rounds: rs.iter().map(|r| r.rounds).sum::<f64>() / reps as f64,
                outcomes,
            }
        })
        .collect();
    let doc = SweepDoc {
        format: FORMAT,
        scenario: base.scenario().name.clone(),
        kind: if matches!(base, Base::Talks(_)) { "talks" } else { "sao" },
        parties: base.scenario().parties.iter().map(|p| p.name.clone()).collect(),
        mode: if args.draws.is_some() { "draws" } else { "grid" },
        vary: args.vary.clone(),
        parameters: varies.iter().map(Vary::parameter).collect(),
        fixed_changes: args.changes.clone(),
        repetitions: reps,
        seed,
        level: args.level,
        interval: "wilson",
        settings: docs,
    };
    if let Some(path) = &args.plot {
        write_plot(path, &doc).with_context(|| format!("--plot {}", path.display()))?;
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", render(&doc));
        if let Some(path) = &args.plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render(doc: &SweepDoc) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let what = if doc.kind == "talks" { "rounds of talks" } else { "negotiations" };
    let _ = writeln!(
        s,
        "Sweep of {:?} ({} settings{}, {} {what} each; seeds from {}, the same in every setting)",
        doc.scenario,
        doc.settings.len(),
        if doc.mode == "draws" { " drawn at random" } else { "" },
        doc.repetitions,
        doc.seed
    );
    for c in &doc.fixed_changes {
        let _ = writeln!(s, "fixed: {c}");
    }
    let pct = (doc.level * 100.0).round();
    let _ = writeln!(s, "P(agree): share of runs ending in a (ratified) agreement, with its {pct}% Wilson interval\n");
    let widths: Vec<usize> = doc
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            doc.settings.iter().map(|x| x.values[j].chars().count()).max().unwrap_or(0).max(p.chars().count())
        })
        .collect();
    for (p, w) in doc.parameters.iter().zip(&widths) {
        let _ = write!(s, "{p:<w$}  ");
    }
    let steps = if doc.kind == "talks" { "texts" } else { "rounds" };
    let _ = writeln!(s, "{:>6} {:>8} {:>17} {:>7}  most frequent outcome", "agree", "P(agree)", "interval", steps);
    for x in &doc.settings {
        for (v, w) in x.values.iter().zip(&widths) {
            let _ = write!(s, "{v:<w$}  ");
        }
        let top = x.outcomes.first().map(|o| format!("{} ({})", o.outcome, o.count)).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>6} {:>8.3} {:>17} {:>7.1}  {top}",
            format!("{}/{}", x.agreements, x.runs),
            x.probability,
            format!("[{:.3}, {:.3}]", x.interval.low, x.interval.high),
            x.mean_rounds
        );
    }
    s
}

/// The figure: P(agreement) with its interval against the first parameter (numeric when every value is a
/// number, otherwise one category per value), one series per combination of the other parameters.
fn write_plot(path: &Path, doc: &SweepDoc) -> anyhow::Result<()> {
    let first: Vec<&str> = doc.settings.iter().map(|x| x.values[0].as_str()).collect();
    let numeric = first.iter().all(|v| v.parse::<f64>().is_ok_and(f64::is_finite));
    let mut categories: Vec<String> = Vec::new();
    if !numeric {
        for v in &first {
            if !categories.iter().any(|c| c == v) {
                categories.push(v.to_string());
            }
        }
    }
    let mut series: Vec<IntervalSeries> = Vec::new();
    for x in &doc.settings {
        // Drawn settings: one series (the other parameters are drawn too); a grid: one per combination.
        let name = if doc.parameters.len() > 1 && doc.mode == "grid" {
            doc.parameters[1..]
                .iter()
                .zip(&x.values[1..])
                .map(|(p, v)| p.replace('…', v))
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            "P(agreement)".into()
        };
        let px = if numeric {
            x.values[0].parse::<f64>().unwrap_or(0.0)
        } else {
            categories.iter().position(|c| *c == x.values[0]).unwrap_or(0) as f64
        };
        let point = IntervalPoint { x: px, y: x.probability, low: x.interval.low, high: x.interval.high };
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push(point),
            None => series.push(IntervalSeries { name, points: vec![point] }),
        }
    }
    if doc.mode == "draws" {
        for s in &mut series {
            s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
    }
    let chart = IntervalChart {
        title: format!("Probability of agreement: {}", doc.scenario),
        subtitle: Some(format!(
            "{} runs per setting{}; {}% Wilson intervals",
            doc.repetitions,
            if doc.mode == "draws" { ", settings drawn at random" } else { "" },
            (doc.level * 100.0).round()
        )),
        x_label: doc.parameters[0].clone(),
        y_label: "probability of agreement".into(),
        categories: if numeric { None } else { Some(categories) },
        y_range: Some((0.0, 1.0)),
        series,
        lines: doc.mode == "grid" && numeric,
    };
    std::fs::write(path, render_intervals(&chart)?)?;
    Ok(())
}
