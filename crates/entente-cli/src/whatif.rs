//! `entente whatif`: change a scenario (a veto, a weight, a quota, merged
//! blocs, an issue or a value, a reservation point…) and compare the zones,
//! the diagnosis and the simulated negotiation with the base case, side by
//! side, with the same seed. The changes are `entente_formats::whatif`'s; the
//! syntax is in docs/whatif.md.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_core::UtilityFunction;
use entente_core::analysis::zones::{DelegationReport, Diagnosis, Package, ZoneReport};
use entente_core::blocs::Rule;
use entente_formats::whatif::{WhatIf, apply_noted, parse_change, read_changes_file};
use entente_protocols::EndReason;
use entente_protocols::RunScenario;
use entente_protocols::scenario::{RunReport, Scenario, ScenarioError};
use serde_json::json;

use crate::run::fmt_u;
use crate::source::SourceArgs;
use crate::zones::{ZoneInputs, pairs, zone_analysis, zone_json};

#[derive(Args)]
pub struct WhatIfArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// A change, e.g. "veto delegation_b.khost off" or "drop-issue guarantor=none";
    /// repeatable, applied in order (syntax: docs/whatif.md).
    #[arg(long = "change", value_name = "CHANGE")]
    pub changes: Vec<String>,
    /// A TOML file of [[change]] tables, applied before the --change ones.
    #[arg(long = "changes", value_name = "FILE")]
    pub changes_file: Option<PathBuf>,
    /// Seed of both simulated negotiations (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Analyse the delegations' instructions in force at this relative time.
    #[arg(long, value_name = "T", default_value_t = 0.0)]
    pub at: f64,
    /// Print one JSON document: { "base", "changed", "changes" }.
    #[arg(long)]
    pub json: bool,
    /// Negotiator of a party in both cases, as PARTY=STRATEGY (as in `run`); repeatable.
    #[arg(long = "strategy", value_name = "PARTY=STRATEGY")]
    pub strategies: Vec<String>,
}

/// One case (base or changed): its zones and its simulated negotiation.
struct Case {
    scenario: Scenario,
    inputs: ZoneInputs,
    report: ZoneReport,
    /// The run, or why it was not simulated.
    run: Result<RunReport, String>,
}

fn case(scenario: Scenario, at: f64, seed: u64) -> anyhow::Result<Case> {
    let (inputs, report) = zone_analysis(&scenario, &entente_model::timeline::InForce::relative(&scenario, at))?;
    let run = match scenario.run(Some(seed)) {
        Ok(r) => Ok(r),
        Err(ScenarioError::NoStrategy(p)) => {
            Err(format!("party {p:?} has no negotiator (give one with --strategy {p}=STRATEGY)"))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Case { scenario, inputs, report, run })
}

pub fn run(args: WhatIfArgs) -> anyhow::Result<ExitCode> {
    if !(args.at.is_finite() && (0.0..=1.0).contains(&args.at)) {
        bail!("--at must be a relative time in [0, 1], not {}", args.at);
    }
    let mut changes: Vec<WhatIf> = Vec::new();
    if let Some(path) = &args.changes_file {
        changes.extend(read_changes_file(path)?);
    }
    for c in &args.changes {
        changes.push(parse_change(c)?);
    }
    if changes.is_empty() {
        bail!("no change given: use --change \"...\" (repeatable) or --changes FILE (syntax: docs/whatif.md)");
    }
    let mut base = args.source.load()?;
    crate::run::apply_strategies(&mut base, &args.strategies)?;
    let mut changed = base.clone();
    let mut notes = Vec::with_capacity(changes.len());
    for c in &changes {
        let a = apply_noted(&changed, c)?;
        changed = a.scenario;
        notes.push(a.note);
    }
    let seed = args.seed.unwrap_or(base.seed);
    let base = case(base, args.at, seed).context("the base case")?;
    let changed = case(changed, args.at, seed).context("the changed case")?;
    if args.json {
        let doc = json!({
            "schema": "entente.whatif/1",
            "scenario": base.scenario.name,
            "seed": seed,
            "at": args.at,
            "changes": changes.iter().zip(&notes).map(|(c, n)| json!({ "change": c.to_string(), "note": n })).collect::<Vec<_>>(),
            "base": case_json(&base, args.at),
            "changed": case_json(&changed, args.at),
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", text(&base, &changed, &changes, &notes, seed, args.at));
    }
    Ok(ExitCode::SUCCESS)
}

fn rule_text(rule: &Rule, blocs: &[entente_core::blocs::Bloc]) -> String {
    match *rule {
        Rule::Unanimity => "unanimity".into(),
        Rule::WeightedSum => "weighted-sum".into(),
        Rule::Quota { quota } => format!("quota {quota}"),
        Rule::Dominant { bloc } => format!("dominant {}", blocs.get(bloc).map_or("?", |b| b.name.as_str())),
    }
}

/// A bloc's role in one word or two: its veto and whether it binds.
fn role(d: &DelegationReport, bloc: &str, veto: bool) -> &'static str {
    match d.vetoes.iter().find(|v| v.bloc == bloc) {
        Some(v) if v.absorbed => "veto, absorbed",
        Some(v) if v.binds_zone => "veto, binding",
        Some(_) => "veto, binds its win-set only",
        None if veto => "veto",
        None => "no veto",
    }
}

fn diagnosis_name(d: &Diagnosis) -> &'static str {
    match d {
        Diagnosis::NoAgreementInSubstance => "no_agreement_in_substance",
        Diagnosis::BlockedInternally { .. } => "blocked_internally",
        Diagnosis::Possible { .. } => "possible",
    }
}

fn diagnosis_text(d: &Diagnosis) -> String {
    match d {
        Diagnosis::NoAgreementInSubstance => "no agreement in substance".into(),
        Diagnosis::BlockedInternally { .. } => "blocked internally".into(),
        Diagnosis::Possible { .. } => "agreement possible".into(),
    }
}

fn blocking_text(d: &Diagnosis) -> String {
    match d {
        Diagnosis::BlockedInternally { responsible, .. } if responsible.is_empty() => "joint".into(),
        Diagnosis::BlockedInternally { responsible, .. } => pairs(responsible),
        _ => "-".into(),
    }
}

/// Per delegation: its rule, win-set and blocs (name, text) in the case.
struct DelegationView {
    party: String,
    rule: String,
    win_set: usize,
    blocs: Vec<(String, String, serde_json::Value)>,
}

fn delegations(c: &Case) -> Vec<DelegationView> {
    let mut out = Vec::new();
    let mut dk = 0;
    for (k, p) in c.scenario.parties.iter().enumerate() {
        let (Some(i), Some(sets)) = (&c.inputs.instructions[k], &c.inputs.sets[k]) else { continue };
        let Some(d) = c.report.delegations.get(dk) else { continue };
        dk += 1;
        let blocs = i
            .blocs
            .iter()
            .zip(sets)
            .map(|(b, s)| {
                let r = role(d, &b.name, b.veto);
                let accepts = s.acceptable().count();
                let text = format!("w {}, {r}, accepts {accepts}", b.weight);
                let j = json!({
                    "name": b.name,
                    "weight": b.weight,
                    "veto": b.veto,
                    "role": r,
                    "accepts": accepts,
                    "red_lines": b.red_lines.len(),
                });
                (b.name.clone(), text, j)
            })
            .collect();
        out.push(DelegationView {
            party: p.name.clone(),
            rule: rule_text(&i.rule, &i.blocs),
            win_set: d.win_set,
            blocs,
        });
    }
    out
}

fn package_text(s: &Scenario, p: &Option<Package>) -> String {
    p.as_ref().map_or_else(|| "-".into(), |p| crate::zones::package_text(s, p))
}

fn agreement_text(s: &Scenario, run: &RunReport) -> String {
    match run.agreement {
        Some(a) => crate::analyze::describe(s, a as u128),
        None => "-".into(),
    }
}

fn end_text(s: &Scenario, r: &RunReport) -> String {
    match r.reason {
        EndReason::Agreement => format!("agreement in round {}", r.rounds),
        EndReason::Timeout => format!("no agreement (time-out after {} rounds)", r.rounds),
        EndReason::TimeLimit => "no agreement (time limit)".into(),
        EndReason::BrokenOff { by } => {
            format!("no agreement (broken off by {})", s.parties.get(by).map_or("?", |p| p.name.as_str()))
        }
    }
}

/// Rows of "label  base  changed", aligned when rendered; a `*` marks rows that differ.
#[derive(Default)]
struct Table {
    rows: Vec<(String, String, String)>,
}

impl Table {
    fn row(&mut self, label: &str, base: &str, changed: &str) {
        self.rows.push((label.to_string(), base.to_string(), changed.to_string()));
    }

    fn render(&self, out: &mut String) {
        let lw = self.rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let bw = self.rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0).max(4);
        let _ = writeln!(out, "  {:<lw$}  {:<bw$}  changed   (* = differs)", "", "base");
        for (label, base, changed) in &self.rows {
            let mark = if base == changed { ' ' } else { '*' };
            let _ = writeln!(out, "{mark} {label:<lw$}  {base:<bw$}  {changed}");
        }
    }
}

/// A long value (a package, an agreement): base and changed on two lines.
fn long(out: &mut String, label: &str, base: &str, changed: &str) {
    let mark = if base == changed { ' ' } else { '*' };
    let _ = writeln!(out, "{mark} {label:<16} base:    {base}");
    let changed = if base == changed { "(the same)" } else { changed };
    let _ = writeln!(out, "  {:<16} changed: {changed}", "");
}

fn text(base: &Case, changed: &Case, changes: &[WhatIf], notes: &[String], seed: u64, at: f64) -> String {
    let mut out = String::new();
    let mut t = Table::default();
    let _ =
        writeln!(out, "What if: {} (seed {seed}; delegations' instructions in force at t = {at})", base.scenario.name);
    for (k, (c, n)) in changes.iter().zip(notes).enumerate() {
        let _ = writeln!(out, "  {}. {c}: {n}", k + 1);
    }
    out.push('\n');
    t.row("outcomes", &base.report.outcomes.to_string(), &changed.report.outcomes.to_string());
    let (db, dc) = (delegations(base), delegations(changed));
    for b in &db {
        let c = dc.iter().find(|c| c.party == b.party);
        t.row(&format!("{}: rule", b.party), &b.rule, &c.map_or("-".into(), |c| c.rule.clone()));
        t.row(
            &format!("{}: win-set", b.party),
            &b.win_set.to_string(),
            &c.map_or("-".into(), |c| c.win_set.to_string()),
        );
        let mut names: Vec<&str> = b.blocs.iter().map(|x| x.0.as_str()).collect();
        if let Some(c) = c {
            for x in &c.blocs {
                if !names.contains(&x.0.as_str()) {
                    names.push(&x.0);
                }
            }
        }
        for n in names {
            let get = |v: &DelegationView| v.blocs.iter().find(|x| x.0 == n).map_or("-".to_string(), |x| x.1.clone());
            t.row(&format!("  bloc {n}"), &get(b), &c.map_or("-".into(), get));
        }
    }
    let (rb, rc) = (&base.report, &changed.report);
    t.row("unitary zone", &format!("{} outcomes", rb.unitary_zone), &format!("{} outcomes", rc.unitary_zone));
    t.row("bloc-level zone", &format!("{} outcomes", rb.bloc_zone), &format!("{} outcomes", rc.bloc_zone));
    t.row("diagnosis", &diagnosis_text(&rb.diagnosis), &diagnosis_text(&rc.diagnosis));
    let (bb, bc) = (blocking_text(&rb.diagnosis), blocking_text(&rc.diagnosis));
    if bb != "-" || bc != "-" {
        t.row("  blocking", &bb, &bc);
    }
    match (&base.run, &changed.run) {
        (Ok(b), Ok(c)) => {
            t.row("negotiation", &end_text(&base.scenario, b), &end_text(&changed.scenario, c));
            for (k, p) in base.scenario.parties.iter().enumerate() {
                let u = |r: &RunReport| r.utilities.get(k).map_or("-".to_string(), |&u| fmt_u(u));
                t.row(&format!("  utility of {}", p.name), &u(b), &u(c));
            }
            for (k, p) in base.scenario.parties.iter().enumerate() {
                let rat = |r: &RunReport| match r.ratification.get(k) {
                    Some(Some(x)) if x.ratified => "ratified".to_string(),
                    Some(Some(x)) => format!("NOT ratified (rejected by {})", x.rejecting.join(", ")),
                    _ => "-".to_string(),
                };
                if p.delegation.is_some() || changed.scenario.parties.get(k).is_some_and(|q| q.delegation.is_some()) {
                    t.row(&format!("  ratification by {}", p.name), &rat(b), &rat(c));
                }
            }
        }
        (b, c) => {
            let why = |r: &Result<RunReport, String>| match r {
                Ok(r) => end_text(&base.scenario, r),
                Err(e) => format!("not simulated: {e}"),
            };
            t.row("negotiation", &why(b), &why(c));
        }
    }
    t.render(&mut out);
    let names: Vec<&str> = base.scenario.parties.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(out, "\nPackages (utilities in party order: {}):", names.join(", "));
    long(
        &mut out,
        "unitary Nash",
        &package_text(&base.scenario, &rb.unitary_nash),
        &package_text(&changed.scenario, &rc.unitary_nash),
    );
    long(
        &mut out,
        "bloc-level Nash",
        &package_text(&base.scenario, &rb.bloc_nash),
        &package_text(&changed.scenario, &rc.bloc_nash),
    );
    if let (Ok(b), Ok(c)) = (&base.run, &changed.run) {
        long(&mut out, "agreement", &agreement_text(&base.scenario, b), &agreement_text(&changed.scenario, c));
    }
    out
}

fn case_json(c: &Case, at: f64) -> serde_json::Value {
    let s = &c.scenario;
    let parties: Vec<_> = s
        .parties
        .iter()
        .map(|p| {
            let r = p.utility.reservation();
            json!({
                "name": p.name,
                "strategy": p.strategy.map(|x| x.name()),
                "reservation": crate::run::finite_or_null(r),
                "delegation": p.delegation.is_some(),
            })
        })
        .collect();
    let delegations: Vec<_> = delegations(c)
        .into_iter()
        .map(|d| {
            json!({
                "party": d.party,
                "rule": d.rule,
                "win_set": d.win_set,
                "blocs": d.blocs.into_iter().map(|b| b.2).collect::<Vec<_>>(),
            })
        })
        .collect();
    let (run, skipped) = match &c.run {
        Ok(r) => {
            let mut v = crate::run::to_json(s, r);
            if let Some(m) = v.as_object_mut() {
                let n = m.remove("offers").and_then(|o| o.as_array().map(Vec::len)).unwrap_or(0);
                m.insert("n_offers".into(), json!(n));
            }
            (v, serde_json::Value::Null)
        }
        Err(e) => (serde_json::Value::Null, json!(e)),
    };
    json!({
        "outcomes": c.report.outcomes,
        "issues": s.space.issues().iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
        "n_steps": s.config.n_steps,
        "parties": parties,
        "delegations": delegations,
        "unitary_zone": c.report.unitary_zone,
        "bloc_zone": c.report.bloc_zone,
        "diagnosis": diagnosis_name(&c.report.diagnosis),
        "zones": zone_json(s, &c.report, at),
        "run": run,
        "run_skipped": skipped,
    })
}
