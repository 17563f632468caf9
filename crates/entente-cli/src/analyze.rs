//! `entente analyze`: the Pareto frontier, bargaining solutions and zone of
//! agreement of a domain, for the chosen parties.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use entente_core::analysis::{AnalysisOptions, DomainAnalysis, MergeLimits, Point, analyze_additive, analyze_with};
use entente_core::{LinearAdditive, OutcomeIndex, UtilityFunction, UtilityTable};
use entente_formats::talks_toml::{has_talks, read_talks};
use entente_model::Scenario;
use entente_model::timeline::When;
use serde_json::{Map, json};

use crate::plot::{PlotInput, write_svg};
use crate::source::SourceArgs;

/// Spaces up to this size are enumerated; larger additive ones are merged.
pub const ENUMERATION_LIMIT: u128 = 1 << 25;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Enumerate small spaces; merge issue by issue when every party is linear additive and the space is large.
    Auto,
    /// Evaluate every outcome (any utility function; at most 2^30 outcomes).
    Enumerate,
    /// The exact frontier of linear additive utilities, issue by issue, without enumerating the space.
    Merge,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print the full analysis as JSON (frontier points included).
    #[arg(long)]
    pub json: bool,
    /// Draw the utility plane (outcomes, frontier, Nash and KS points) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// How to find the frontier.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// List the reservation-rational outcomes in the JSON when there are at most this many.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub list_rational: usize,
    /// For divided delegations: analyse the instructions in force at this time: a relative time in
    /// [0, 1], or, for a scenario with [talks], a time of the talks ("day 3 17:30"). On a talks file
    /// every instruction counts, from [[parties.changes]] or from the talks.
    #[arg(long, default_value = "0", value_name = "T")]
    pub at: String,
    #[command(flatten)]
    pub ratification: crate::ratification::RatificationArgs,
}

/// The analysis of a scenario's parties, by the method asked for.
pub fn analyze_scenario(scenario: &Scenario, method: Method, list_rational: usize) -> anyhow::Result<DomainAnalysis> {
    let n = scenario.space.cardinality();
    let additive: Option<Vec<&LinearAdditive>> = scenario.parties.iter().map(|p| p.utility.as_additive()).collect();
    let merge = match method {
        Method::Merge => true,
        Method::Enumerate => false,
        Method::Auto => n > ENUMERATION_LIMIT && additive.is_some(),
    };
    if merge {
        let Some(ufuns) = additive else {
            bail!("--method merge needs linear additive utilities for every party");
        };
        return analyze_additive(&scenario.space, &ufuns, MergeLimits::default())
            .context("the issue-by-issue merge failed (try --method enumerate on a smaller space)");
    }
    if n > ENUMERATION_LIMIT && method == Method::Auto {
        bail!(
            "{n} outcomes are too many to enumerate, and not every party is linear additive \
             (the merge method needs that)"
        );
    }
    let tables: Vec<UtilityTable> = scenario
        .parties
        .iter()
        .map(|p| UtilityTable::new(&scenario.space, &p.utility))
        .collect::<Result<_, _>>()
        .context("tabulating the utilities")?;
    let refs: Vec<&UtilityTable> = tables.iter().collect();
    Ok(analyze_with(&refs, &AnalysisOptions { list_rational_up_to: list_rational })?)
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let when = When::parse(&args.at).with_context(|| format!("--at {:?}", args.at))?;
    let scenario = args.source.load()?;
    let talks = match &args.source.scenario {
        Some(p) if std::fs::read_to_string(p).is_ok_and(|t| has_talks(&t)) => Some(read_talks(p)?),
        _ => None,
    };
    let in_force = when.in_force(&scenario, talks.as_ref()).with_context(|| format!("--at {:?}", args.at))?;
    let at = in_force.at;
    let analysis = analyze_scenario(&scenario, args.method, args.list_rational)?;
    let zones =
        if crate::ratification::too_large(&scenario) { None } else { crate::zones::zone_report(&scenario, &in_force)? };
    let extra = crate::ratification::report(&scenario, zones.as_ref().map(|(_, z)| z), &in_force, &args.ratification)?;
    if let Some(path) = &args.plot {
        let input = plot_input(&scenario, &analysis, None)?;
        write_svg(&input, path).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let mut doc = to_json(&scenario, &analysis);
        if let Some((_, z)) = &zones {
            doc["delegations"] = crate::zones::zone_json(&scenario, z, at);
        }
        if let Some(e) = &extra {
            e.add_to(&mut doc);
        }
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", to_text(&scenario, &analysis));
        if let Some((inputs, z)) = &zones {
            out!("{}", crate::zones::zone_text(&scenario, inputs, z, at));
        }
        if let Some(e) = &extra {
            out!("{}", e.text);
        }
        if let Some(path) = &args.plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The outcome as `issue=value, …`.
pub fn describe(scenario: &Scenario, outcome: OutcomeIndex) -> String {
    match scenario.space.labels(outcome) {
        Ok(labels) => scenario
            .space
            .issues()
            .iter()
            .zip(labels)
            .map(|(i, v)| format!("{}={v}", i.name))
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => format!("outcome {outcome}"),
    }
}

/// A package as `(u1, u2, …) issue=value, …`, utilities to four decimals.
pub fn package_line(scenario: &Scenario, outcome: OutcomeIndex, utilities: &[f64]) -> String {
    let u: Vec<String> = utilities.iter().map(|x| format!("{x:.4}")).collect();
    format!("({}) {}", u.join(", "), describe(scenario, outcome))
}

pub fn outcome_json(scenario: &Scenario, outcome: OutcomeIndex) -> serde_json::Value {
    let mut m = Map::new();
    if let Ok(labels) = scenario.space.labels(outcome) {
        for (issue, v) in scenario.space.issues().iter().zip(labels) {
            m.insert(issue.name.clone(), crate::run::value_json(&v));
        }
    }
    serde_json::Value::Object(m)
}

fn point_json(scenario: &Scenario, p: &Point) -> serde_json::Value {
    json!({"utilities": p.utilities, "outcome": outcome_json(scenario, p.outcome), "outcome_index": p.outcome.to_string()})
}

fn points_json(scenario: &Scenario, ps: &[Point]) -> serde_json::Value {
    serde_json::Value::Array(ps.iter().map(|p| point_json(scenario, p)).collect())
}

/// The JSON document of an analysis (schema `entente.analysis/1`).
pub fn to_json(scenario: &Scenario, a: &DomainAnalysis) -> serde_json::Value {
    let s = &a.solutions;
    let opt = |p: &Option<Point>| p.as_ref().map_or(serde_json::Value::Null, |p| point_json(scenario, p));
    let parties: Vec<_> = scenario
        .parties
        .iter()
        .zip(&a.parties)
        .map(|(p, sum)| {
            json!({
                "name": p.name,
                "reservation": sum.reservation,
                "disagreement": sum.disagreement,
                "min": sum.min,
                "max": sum.max,
                "best": point_json(scenario, &sum.best),
                "worst": point_json(scenario, &sum.worst),
            })
        })
        .collect();
    let frontier = |points: &[entente_core::analysis::FrontierPoint]| -> Vec<serde_json::Value> {
        points
            .iter()
            .map(|p| {
                json!({
                    "utilities": p.utilities,
                    "outcome": outcome_json(scenario, p.outcome),
                    "outcome_index": p.outcome.to_string(),
                    "ties": p.ties.to_string(),
                })
            })
            .collect()
    };
    json!({
        "schema": "entente.analysis/1",
        "scenario": scenario.name,
        "outcomes": a.outcomes.to_string(),
        "parties": parties,
        "pareto": {
            "distinct": a.pareto.distinct,
            "with_ties": a.pareto.with_ties.to_string(),
            "negmas": a.pareto.negmas,
        },
        "frontier": frontier(&a.frontier),
        "frontier_negmas": frontier(&a.frontier_negmas),
        "nash_negmas": points_json(scenario, &s.nash_negmas),
        "nash_genius": opt(&s.nash_genius),
        "kalai_smorodinsky": opt(&s.kalai_smorodinsky),
        "ks_negmas": points_json(scenario, &s.ks_negmas),
        "ks_genius": opt(&s.ks_genius),
        "egalitarian": points_json(scenario, &s.egalitarian),
        "max_welfare": points_json(scenario, &s.max_welfare),
        "max_welfare_genius": opt(&s.max_welfare_genius),
        "opposition": a.opposition,
        "opposition_negmas": a.opposition_negmas,
        "rational": a.rational.as_ref().map(|r| json!({
            "count": r.count.to_string(),
            "outcomes": r.outcomes.as_ref().map(|o| o.iter().map(|&x| outcome_json(scenario, x)).collect::<Vec<_>>()),
        })),
    })
}

fn fmt_utils(u: &[f64]) -> String {
    let parts: Vec<String> = u.iter().map(|x| format!("{x:.4}")).collect();
    format!("({})", parts.join(", "))
}

/// The human-readable report of an analysis.
pub fn to_text(scenario: &Scenario, a: &DomainAnalysis) -> String {
    let mut out = String::new();
    let names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(
        out,
        "{}: {} parties ({}), {} issues, {} outcomes",
        scenario.name,
        names.len(),
        names.join(", "),
        scenario.space.issues().len(),
        a.outcomes
    );
    let _ = writeln!(out, "Utilities are listed in party order {}.", fmt_names(&names));
    let _ = writeln!(out);
    for (p, sum) in scenario.parties.iter().zip(&a.parties) {
        let rv = sum.reservation.map_or("none".to_string(), |r| format!("{r:.4}"));
        let _ = writeln!(out, "{}: utility from {:.4} to {:.4}; reservation {rv}", p.name, sum.min, sum.max);
        let _ = writeln!(out, "  best  {} {}", fmt_utils(&sum.best.utilities), describe(scenario, sum.best.outcome));
        let _ = writeln!(out, "  worst {} {}", fmt_utils(&sum.worst.utilities), describe(scenario, sum.worst.outcome));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Pareto frontier: {} points ({} outcomes counting ties); {} of them reservation-rational (NegMAS's frontier)",
        a.pareto.distinct, a.pareto.with_ties, a.pareto.negmas
    );
    let s = &a.solutions;
    let line = |out: &mut String, label: &str, p: Option<&Point>, more: usize| match p {
        Some(p) => {
            let extra = if more > 1 { format!(" (and {} more tied)", more - 1) } else { String::new() };
            let _ = writeln!(out, "  {label:<34} {} {}{extra}", fmt_utils(&p.utilities), describe(scenario, p.outcome));
        }
        None => {
            let _ = writeln!(out, "  {label:<34} none (no rational outcome)");
        }
    };
    line(&mut out, "Nash (NegMAS)", s.nash_negmas.first(), s.nash_negmas.len());
    line(&mut out, "Nash (GENIUS)", s.nash_genius.as_ref(), 1);
    line(&mut out, "Kalai-Smorodinsky (textbook)", s.kalai_smorodinsky.as_ref(), 1);
    line(&mut out, "Kalai-Smorodinsky (NegMAS ks)", s.ks_negmas.first(), s.ks_negmas.len());
    line(&mut out, "GENIUS \"KS\" (equal utilities)", s.ks_genius.as_ref(), 1);
    line(&mut out, "Egalitarian (NegMAS kalai)", s.egalitarian.first(), s.egalitarian.len());
    line(&mut out, "Max welfare (NegMAS)", s.max_welfare.first(), s.max_welfare.len());
    line(&mut out, "Max welfare (GENIUS)", s.max_welfare_genius.as_ref(), 1);
    let _ = writeln!(out);
    match a.opposition {
        Some(o) => {
            let _ = writeln!(out, "Opposition (GENIUS: nearest outcome to all ones): {o:.4}");
        }
        None => {
            let _ = writeln!(out, "Opposition (GENIUS): not computed by the merge (some utility exceeds 1)");
        }
    }
    if let Some(o) = a.opposition_negmas {
        let _ = writeln!(out, "Opposition (NegMAS opposition_level): {o:.4}");
    }
    match &a.rational {
        Some(r) => {
            let _ = writeln!(
                out,
                "Reservation-rational outcomes (every party's utility at least its reservation value): {}",
                r.count
            );
        }
        None => {
            let _ = writeln!(out, "Reservation-rational outcomes: not counted (the merge does not enumerate outcomes)");
        }
    }
    out
}

fn fmt_names(names: &[&str]) -> String {
    format!("({})", names.join(", "))
}

/// At most this many outcome points go to a figure (the plot thins further).
const PLOT_SAMPLE: u128 = 200_000;

/// The figure of a domain (and of a negotiation, when `run` is given).
pub fn plot_input(
    scenario: &Scenario,
    a: &DomainAnalysis,
    run: Option<&entente_protocols::scenario::RunReport>,
) -> anyhow::Result<PlotInput> {
    let n = scenario.space.cardinality();
    // All outcomes of small spaces; an even sample of large ones (every k-th outcome).
    let step = n.div_ceil(PLOT_SAMPLE).max(1);
    let mut outcomes = Vec::with_capacity(n.min(PLOT_SAMPLE) as usize);
    let mut values = vec![0u32; scenario.space.issues().len()];
    let mut o: u128 = 0;
    while o < n {
        scenario.space.values_into(o, &mut values)?;
        outcomes.push(scenario.parties.iter().map(|p| p.utility.utility(&values)).collect());
        o += step;
    }
    let s = &a.solutions;
    let nash = s.nash_negmas.first().or(s.nash_genius.as_ref()).map(|p| p.utilities.clone());
    let subtitle = {
        let mut parts = vec![format!("{n} outcomes"), format!("{} Pareto-optimal", a.pareto.distinct)];
        if step > 1 {
            parts.push(format!("every {step}th outcome drawn"));
        }
        if let Some(r) = run {
            parts.push(format!("{} offers", r.offers.len()));
            parts.push(format!("{} rounds", r.rounds));
        }
        Some(parts.join(" · "))
    };
    Ok(PlotInput {
        title: scenario.name.clone(),
        subtitle,
        party_names: scenario.parties.iter().map(|p| p.name.clone()).collect(),
        outcomes,
        pareto: a.frontier.iter().map(|p| p.utilities.clone()).collect(),
        nash,
        kalai_smorodinsky: s.kalai_smorodinsky.as_ref().map(|p| p.utilities.clone()),
        reservations: scenario
            .parties
            .iter()
            .map(|p| {
                let r = p.utility.reservation();
                r.is_finite().then_some(r)
            })
            .collect(),
        offers: run
            .map(|r| {
                r.offers
                    .iter()
                    .map(|o| crate::plot::PlotOffer {
                        party: o.party,
                        t: o.t,
                        round: o.round,
                        utilities: o.utilities.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        agreement: run.and_then(|r| r.agreement.map(|_| r.utilities.clone())),
        agreement_t: run.map(|r| r.t),
    })
}
