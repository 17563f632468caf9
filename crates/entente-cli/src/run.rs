//! `entente run`: one negotiation, printed for people or as JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use entente_core::analysis::dynamics::{DistanceOverTime, PartySteps, StepClass, distances_over_time, step_classes};
use entente_core::analysis::{AgreementMeasures, AnalysisOptions, DomainAnalysis, agreement_measures, analyze_with};
use entente_core::{OutcomeIndex, UtilityFunction, UtilityTable, Value};
use entente_formats::scenario::NegotiatorDecl;
use entente_protocols::EndReason;
use entente_protocols::RunScenario;
use entente_protocols::scenario::{RunReport, Scenario};
use serde_json::json;

use crate::analyze::{describe, outcome_json};
use crate::source::SourceArgs;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print the full result as one JSON document (schema: docs/run-json.md).
    #[arg(long)]
    pub json: bool,
    /// Seed of every random choice (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Negotiator of a party, as PARTY=STRATEGY, PARTY a name or an index from 0
    /// (e.g. buyer=tit-for-tat, 1=boulware); repeatable.
    #[arg(long = "strategy", value_name = "PARTY=STRATEGY")]
    pub strategies: Vec<String>,
    /// Override the scenario's number of rounds.
    #[arg(long)]
    pub n_steps: Option<u32>,
    /// Print every offer even in long runs (default: a compact view beyond 40 offers).
    #[arg(long)]
    pub full: bool,
    /// Draw the negotiation (utility plane with frontier, Nash and KS points, offer
    /// trajectories, agreement; utilities over time) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Applies `PARTY=STRATEGY` overrides.
pub fn apply_strategies(scenario: &mut Scenario, overrides: &[String]) -> anyhow::Result<()> {
    for o in overrides {
        let Some((party, strategy)) = o.split_once('=') else {
            bail!("--strategy {o:?}: expected PARTY=STRATEGY, e.g. buyer=boulware");
        };
        let names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
        let by_index = party.trim().parse::<usize>().ok().filter(|&k| k < names.len());
        let Some(k) = scenario.parties.iter().position(|p| p.name == party.trim()).or(by_index) else {
            bail!(
                "--strategy {o:?}: no party {party:?}; the parties are {} (or their indices from 0)",
                names.join(", ")
            );
        };
        let decl = NegotiatorDecl { strategy: strategy.trim().to_string(), ..Default::default() };
        scenario.parties[k].strategy = Some(decl.resolve().with_context(|| format!("--strategy {o:?}"))?);
    }
    Ok(())
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut scenario = args.source.load()?;
    if let Some(path) = args.source.scenario.as_ref().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if entente_formats::talks_toml::has_talks(&text) {
            eprintln!(
                "note: {} also declares mediated talks; `entente talks {}` runs them. \
                 Here its parties negotiate alone, in stacked alternating offers.",
                path.display(),
                path.display()
            );
        }
    }
    apply_strategies(&mut scenario, &args.strategies)?;
    if let Some(n) = args.n_steps {
        if n == 0 {
            bail!("--n-steps must be at least 1");
        }
        scenario.config.n_steps = n;
    }
    let prepared = scenario.prepare()?;
    let report = scenario.run_prepared_with_clock(&prepared, args.seed, &mut crate::WallClock::default())?;
    // The domain's analysis, on the tables the negotiation used.
    let tables: Vec<&UtilityTable> = prepared.iter().map(|p| p.table()).collect();
    let analysis = analyze_with(&tables, &AnalysisOptions { list_rational_up_to: 0 })?;
    let measures = report.agreement.map(|_| agreement_measures(&report.utilities, &analysis));
    if let Some(path) = &args.plot {
        crate::figure::write_plot(path, &scenario, &analysis, Some(&report))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let dynamics = Dynamics::of(&report, &analysis);
    if args.json {
        let mut doc = to_json(&scenario, &report);
        doc["agreement_measures"] = measures.as_ref().map_or(serde_json::Value::Null, measures_json);
        doc["dynamics"] = dynamics.json(&scenario);
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", to_text(&scenario, &report, args.full));
        if let Some(m) = &measures {
            out!("{}", measures_text(m));
        }
        out!("{}", dynamics.text(&scenario));
        if let Some(path) = &args.plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How the negotiation moved: step classes and distances over time.
struct Dynamics {
    steps: Vec<PartySteps>,
    distances: Vec<DistanceOverTime>,
}

impl Dynamics {
    fn of(report: &RunReport, analysis: &DomainAnalysis) -> Self {
        let n = report.utilities.len();
        let offers: Vec<(usize, &[f64])> = report.offers.iter().map(|o| (o.party, &o.utilities[..])).collect();
        let frontier: Vec<&[f64]> = analysis.frontier.iter().map(|p| &p.utilities[..]).collect();
        let nash = analysis.solutions.nash_negmas.first().map(|p| &p.utilities[..]);
        let distances = distances_over_time(report.offers.iter().map(|o| (o.t, &o.utilities[..])), &frontier, nash);
        Dynamics { steps: step_classes(n, &offers), distances }
    }

    fn json(&self, scenario: &Scenario) -> serde_json::Value {
        let steps: Vec<_> = self
            .steps
            .iter()
            .map(|s| {
                let counts: serde_json::Map<String, serde_json::Value> =
                    StepClass::ALL.iter().zip(s.counts).map(|(c, n)| (c.name().to_string(), json!(n))).collect();
                json!({"party": scenario.parties[s.party].name, "counts": counts, "steps": s.steps})
            })
            .collect();
        json!({"step_classes": steps, "distance_over_time": self.distances})
    }

    fn text(&self, scenario: &Scenario) -> String {
        let mut out = String::from("Steps between each party's consecutive offers:\n");
        for s in &self.steps {
            let parts: Vec<String> = StepClass::ALL
                .iter()
                .zip(s.counts)
                .filter(|(_, n)| *n > 0)
                .map(|(c, n)| format!("{n} {}", c.name()))
                .collect();
            let listed = if parts.is_empty() { "none".to_string() } else { parts.join(", ") };
            let _ = writeln!(out, "  {}: {listed}", scenario.parties[s.party].name);
        }
        if let (Some(first), Some(last)) = (self.distances.first(), self.distances.last()) {
            let d = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.4}"));
            let _ = writeln!(
                out,
                "Distance of the offers to the Pareto frontier: {} at first, {} at last; to the Nash point: {} then {}.",
                d(first.pareto),
                d(last.pareto),
                d(first.nash),
                d(last.nash)
            );
        }
        out
    }
}

fn measures_json(m: &AgreementMeasures) -> serde_json::Value {
    json!({
        "welfare": m.welfare,
        "pareto_distance": m.pareto_distance,
        "pareto_distance_genius": m.pareto_distance_genius,
        "nash_distance": m.nash_distance,
        "nash_distance_genius": m.nash_distance_genius,
        "ks_distance": m.ks_distance,
        "ks_distance_negmas": m.ks_distance_negmas,
        "ks_distance_genius": m.ks_distance_genius,
    })
}

fn measures_text(m: &AgreementMeasures) -> String {
    let d = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.4}"));
    format!(
        "The agreement: welfare {:.4}; distance to the Pareto frontier {}{}, to the Nash point {}, \
         to the Kalai-Smorodinsky point {}.\n",
        m.welfare,
        d(m.pareto_distance_genius),
        if m.pareto_distance_genius == Some(0.0) { " (Pareto-optimal)" } else { "" },
        d(m.nash_distance),
        d(m.ks_distance)
    )
}

pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(i) => json!(i),
        Value::Real(x) => json!(x),
        Value::Text(s) => json!(s),
    }
}

fn reason_json(r: EndReason) -> serde_json::Value {
    match r {
        EndReason::Agreement => json!({"reason": "agreement"}),
        EndReason::Timeout => json!({"reason": "timeout"}),
        EndReason::TimeLimit => json!({"reason": "time_limit"}),
        EndReason::BrokenOff { by } => json!({"reason": "broken_off", "by": by}),
    }
}

pub fn finite_or_null(x: f64) -> serde_json::Value {
    if x.is_finite() { json!(x) } else { serde_json::Value::Null }
}

/// The JSON document of a run (documented in docs/run-json.md).
pub fn to_json(scenario: &Scenario, report: &RunReport) -> serde_json::Value {
    let parties: Vec<_> = scenario
        .parties
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "strategy": p.strategy.map(|s| s.name()),
                "reservation": finite_or_null(p.utility.reservation()),
                "discount": p.utility.discount(),
            })
        })
        .collect();
    let issues: Vec<_> = scenario.space.issues().iter().map(|i| json!(i.name)).collect();
    let offers: Vec<_> = report
        .offers
        .iter()
        .map(|o| {
            json!({
                "round": o.round,
                "party": o.party,
                "t": o.t,
                "outcome": outcome_json(scenario, o.outcome as OutcomeIndex),
                "outcome_index": o.outcome,
                "utilities": o.utilities,
            })
        })
        .collect();
    let agreement = report.agreement.map(|a| {
        json!({
            "outcome": outcome_json(scenario, a as OutcomeIndex),
            "outcome_index": a,
        })
    });
    json!({
        "schema": "entente.run/1",
        "scenario": scenario.name,
        "seed": report.seed,
        "n_steps": scenario.config.n_steps,
        "time_limit": scenario.config.time_limit,
        "n_outcomes": scenario.space.cardinality().to_string(),
        "issues": issues,
        "parties": parties,
        "offers": offers,
        "agreement": agreement,
        "utilities": report.utilities.iter().map(|&u| finite_or_null(u)).collect::<Vec<_>>(),
        "discounted_utilities": report.discounted_utilities.iter().map(|&u| finite_or_null(u)).collect::<Vec<_>>(),
        "rounds": report.rounds,
        "end": reason_json(report.reason),
        "ratification": report.ratification,
        "t_end": report.t,
    })
}

/// A utility to four decimals, or "none" when it is not finite.
pub fn fmt_u(u: f64) -> String {
    if u.is_finite() { format!("{u:.4}") } else { "none".to_string() }
}

/// The human-readable summary of a run.
pub fn to_text(scenario: &Scenario, report: &RunReport, full: bool) -> String {
    let mut out = String::new();
    let n_parties = scenario.parties.len();
    let _ = writeln!(
        out,
        "{}: {} parties, {} issues, {} outcomes; at most {} rounds; seed {}",
        scenario.name,
        n_parties,
        scenario.space.issues().len(),
        scenario.space.cardinality(),
        scenario.config.n_steps,
        report.seed
    );
    for p in &scenario.parties {
        let _ = writeln!(
            out,
            "  {:<12} {:<11} reservation {}",
            p.name,
            p.strategy.map_or("-", |s| s.name()),
            fmt_u(p.utility.reservation())
        );
    }
    let _ = writeln!(out);
    let width = scenario.parties.iter().map(|p| p.name.len()).max().unwrap_or(5).max(5);
    let mut header = format!("{:>5}  {:<width$}  ", "round", "party");
    let columns: Vec<usize> = scenario.parties.iter().map(|p| (p.name.chars().count() + 3).max(8)).collect();
    for (p, w) in scenario.parties.iter().zip(&columns) {
        let _ = write!(header, "{:>w$} ", format!("u({})", p.name));
    }
    header.push_str(" offer");
    let _ = writeln!(out, "{header}");
    let n = report.offers.len();
    let compact = !full && n > 40;
    for (i, o) in report.offers.iter().enumerate() {
        if compact && i == 10 {
            let _ = writeln!(out, "{:>5}  ... {} more offers (use --full to see them) ...", "", n - 20);
        }
        if compact && i >= 10 && i < n - 10 {
            continue;
        }
        let mut line = format!("{:>5}  {:<width$}  ", o.round, scenario.parties[o.party].name);
        for (u, w) in o.utilities.iter().zip(&columns) {
            let _ = write!(line, "{:>w$} ", format!("{u:.4}"));
        }
        let _ = write!(line, " {}", describe(scenario, o.outcome as OutcomeIndex));
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    match report.agreement {
        Some(a) => {
            let _ = writeln!(
                out,
                "Agreement after {} of {} rounds: {}",
                report.rounds,
                scenario.config.n_steps,
                describe(scenario, a as OutcomeIndex)
            );
        }
        None => {
            let why = match report.reason {
                EndReason::Timeout => format!("no agreement within {} rounds (time-out)", report.rounds),
                EndReason::TimeLimit => "no agreement before the time limit".to_string(),
                EndReason::BrokenOff { by } => {
                    format!("broken off by {} in round {}", scenario.parties[by].name, report.rounds.saturating_sub(1))
                }
                EndReason::Agreement => "agreement".to_string(),
            };
            let _ = writeln!(out, "No agreement: {why}");
        }
    }
    for (k, p) in scenario.parties.iter().enumerate() {
        let u = report.utilities[k];
        let d = report.discounted_utilities[k];
        let mut line = format!("  {:<width$}  utility {}", p.name, fmt_u(u));
        if p.utility.discount().is_some() {
            let _ = write!(line, " (discounted {})", fmt_u(d));
        }
        if report.agreement.is_some() {
            let _ = write!(line, "  (reservation {})", fmt_u(p.utility.reservation()));
        } else {
            line.push_str("  (its reservation value)");
        }
        let _ = writeln!(out, "{line}");
    }
    for (p, r) in scenario.parties.iter().zip(&report.ratification) {
        let Some(r) = r else { continue };
        if r.ratified {
            let _ = writeln!(out, "  Ratified by {}'s blocs ({} accept).", p.name, r.accepting.join(", "));
        } else {
            let _ = writeln!(
                out,
                "  NOT RATIFIED by {}: rejected by {} (involuntary defection: the delegation agreed to what its blocs do not ratify).",
                p.name,
                r.rejecting.join(", ")
            );
        }
    }
    let reason = match report.reason {
        EndReason::Agreement => "every party accepted the last offer",
        EndReason::Timeout => "the round limit was reached",
        EndReason::TimeLimit => "the time limit was reached",
        EndReason::BrokenOff { .. } => "a party left the negotiation",
    };
    let _ = writeln!(out, "Ended: {reason} ({} offers, {} rounds).", n, report.rounds);
    out
}
