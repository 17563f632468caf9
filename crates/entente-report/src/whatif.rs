//! `entente whatif`: the document `entente.whatif/1` and the side-by-side
//! text of a base case and a changed case.

use std::fmt::Write as _;

use entente_core::UtilityFunction;
use entente_core::analysis::zones::{DelegationReport, Diagnosis, ZonePoint, ZoneReport};
use entente_core::blocs::Rule;
use entente_protocols::EndReason;
use entente_protocols::scenario::{RunReport, Scenario};
use serde::{Deserialize, Serialize};

use crate::outcome::{describe, finite, fmt_u, pairs};
use crate::run::RunSummary;
use crate::zones::{DelegationState, ZonesDoc};

/// The schema of [`WhatIfDoc`].
pub const WHATIF_SCHEMA: &str = "entente.whatif/1";

/// One case (base or changed) as the renderers need it: the scenario, its
/// delegations' states and zone analysis at the analysed time, and its
/// simulated negotiation (or why it was not simulated).
pub struct WhatIfCase<'a> {
    pub scenario: &'a Scenario,
    pub delegations: &'a [DelegationState],
    pub report: &'a ZoneReport,
    pub run: Result<&'a RunReport, &'a str>,
}

/// A change and what it did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeDoc {
    /// The change as written (`veto delegation_b.khost off`).
    pub change: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CasePartyDoc {
    pub name: String,
    pub strategy: Option<String>,
    pub reservation: Option<f64>,
    pub delegation: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseBlocDoc {
    pub name: String,
    pub weight: f64,
    pub veto: bool,
    /// Its veto's part: `veto, binding`, `veto, absorbed`, `no veto`, …
    pub role: String,
    pub accepts: usize,
    pub red_lines: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseDelegationDoc {
    pub party: String,
    pub rule: String,
    pub win_set: usize,
    pub blocs: Vec<CaseBlocDoc>,
}

/// One case of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseDoc {
    pub outcomes: usize,
    pub issues: Vec<String>,
    pub n_steps: u32,
    pub parties: Vec<CasePartyDoc>,
    pub delegations: Vec<CaseDelegationDoc>,
    pub unitary_zone: usize,
    pub bloc_zone: usize,
    /// `no_agreement_in_substance`, `blocked_internally` or `possible`.
    pub diagnosis: String,
    pub zones: ZonesDoc,
    /// The simulated negotiation, without its offers (`null` when not simulated).
    pub run: Option<RunSummary>,
    /// Why it was not simulated.
    pub run_skipped: Option<String>,
}

/// `entente whatif --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WhatIfDoc {
    /// [`WHATIF_SCHEMA`].
    pub schema: String,
    pub scenario: String,
    pub seed: u64,
    pub at: f64,
    pub changes: Vec<ChangeDoc>,
    pub base: CaseDoc,
    pub changed: CaseDoc,
}

impl WhatIfDoc {
    /// `changes`: each change as written, with its note.
    pub fn new(base: &WhatIfCase, changed: &WhatIfCase, changes: Vec<ChangeDoc>, seed: u64, at: f64) -> Self {
        WhatIfDoc {
            schema: WHATIF_SCHEMA.into(),
            scenario: base.scenario.name.clone(),
            seed,
            at,
            changes,
            base: CaseDoc::new(base, at),
            changed: CaseDoc::new(changed, at),
        }
    }
}

impl CaseDoc {
    pub fn new(c: &WhatIfCase, at: f64) -> Self {
        let s = c.scenario;
        let (run, run_skipped) = match c.run {
            Ok(r) => (Some(RunSummary::new(s, r)), None),
            Err(e) => (None, Some(e.to_string())),
        };
        CaseDoc {
            outcomes: c.report.outcomes,
            issues: s.space.issues().iter().map(|i| i.name.clone()).collect(),
            n_steps: s.config.n_steps,
            parties: s
                .parties
                .iter()
                .map(|p| CasePartyDoc {
                    name: p.name.clone(),
                    strategy: p.strategy.map(|x| x.name().to_string()),
                    reservation: finite(p.utility.reservation()),
                    delegation: p.delegation.is_some(),
                })
                .collect(),
            delegations: views(c)
                .into_iter()
                .map(|d| CaseDelegationDoc {
                    party: d.party,
                    rule: d.rule,
                    win_set: d.win_set,
                    blocs: d.blocs.into_iter().map(|b| b.2).collect(),
                })
                .collect(),
            unitary_zone: c.report.unitary_zone,
            bloc_zone: c.report.bloc_zone,
            diagnosis: diagnosis_name(&c.report.diagnosis).into(),
            zones: ZonesDoc::new(s, c.report, at),
            run,
            run_skipped,
        }
    }
}

fn rule_text(rule: &Rule, state: &DelegationState) -> String {
    match *rule {
        Rule::Unanimity => "unanimity".into(),
        Rule::WeightedSum => "weighted-sum".into(),
        Rule::Quota { quota } => format!("quota {quota}"),
        Rule::Dominant { bloc } => format!("dominant {}", state.blocs.get(bloc).map_or("?", |b| b.name.as_str())),
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

/// Per delegation: its rule, win-set and blocs (name, text, document) in the case.
struct DelegationView {
    party: String,
    rule: String,
    win_set: usize,
    blocs: Vec<(String, String, CaseBlocDoc)>,
}

fn views(c: &WhatIfCase) -> Vec<DelegationView> {
    let mut out = Vec::new();
    for (dk, state) in c.delegations.iter().enumerate() {
        let Some(d) = c.report.delegations.get(dk) else { continue };
        let blocs = state
            .blocs
            .iter()
            .map(|b| {
                let r = role(d, &b.name, b.veto);
                let text = format!("w {}, {r}, accepts {}", b.weight, b.accepts);
                let doc = CaseBlocDoc {
                    name: b.name.clone(),
                    weight: b.weight,
                    veto: b.veto,
                    role: r.into(),
                    accepts: b.accepts,
                    red_lines: b.red_lines,
                };
                (b.name.clone(), text, doc)
            })
            .collect();
        out.push(DelegationView {
            party: c.scenario.parties[state.party].name.clone(),
            rule: rule_text(&state.rule, state),
            win_set: d.win_set,
            blocs,
        });
    }
    out
}

fn package_text(s: &Scenario, p: &Option<ZonePoint>) -> String {
    p.as_ref().map_or_else(|| "-".into(), |p| crate::zones::package_text(s, p))
}

fn agreement_text(s: &Scenario, run: &RunReport) -> String {
    match run.agreement {
        Some(a) => describe(s, a as u128),
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

/// The side-by-side comparison; `changes`: each change as written, with its note.
pub fn whatif_text(base: &WhatIfCase, changed: &WhatIfCase, changes: &[ChangeDoc], seed: u64, at: f64) -> String {
    let mut out = String::new();
    let mut t = Table::default();
    let _ =
        writeln!(out, "What if: {} (seed {seed}; delegations' instructions in force at t = {at})", base.scenario.name);
    for (k, c) in changes.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}: {}", k + 1, c.change, c.note);
    }
    out.push('\n');
    t.row("outcomes", &base.report.outcomes.to_string(), &changed.report.outcomes.to_string());
    let (db, dc) = (views(base), views(changed));
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
    let (rb, rc) = (base.report, changed.report);
    t.row("unitary zone", &format!("{} outcomes", rb.unitary_zone), &format!("{} outcomes", rc.unitary_zone));
    t.row("bloc-level zone", &format!("{} outcomes", rb.bloc_zone), &format!("{} outcomes", rc.bloc_zone));
    t.row("diagnosis", &diagnosis_text(&rb.diagnosis), &diagnosis_text(&rc.diagnosis));
    let (bb, bc) = (blocking_text(&rb.diagnosis), blocking_text(&rc.diagnosis));
    if bb != "-" || bc != "-" {
        t.row("  blocking", &bb, &bc);
    }
    match (base.run, changed.run) {
        (Ok(b), Ok(c)) => {
            t.row("negotiation", &end_text(base.scenario, b), &end_text(changed.scenario, c));
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
            let why = |r: Result<&RunReport, &str>| match r {
                Ok(r) => end_text(base.scenario, r),
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
        &package_text(base.scenario, &rb.unitary_nash),
        &package_text(changed.scenario, &rc.unitary_nash),
    );
    long(
        &mut out,
        "bloc-level Nash",
        &package_text(base.scenario, &rb.bloc_nash),
        &package_text(changed.scenario, &rc.bloc_nash),
    );
    if let (Ok(b), Ok(c)) = (base.run, changed.run) {
        long(&mut out, "agreement", &agreement_text(base.scenario, b), &agreement_text(changed.scenario, c));
    }
    out
}
