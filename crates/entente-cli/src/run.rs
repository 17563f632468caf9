//! `entente run`: one negotiation, printed for people or as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_core::UtilityTable;
use entente_core::analysis::{AnalysisOptions, agreement_measures, analyze_with};
use entente_formats::NegotiatorDecl;
use entente_model::Scenario;
use entente_protocols::RunScenario;
use entente_report::run::{Dynamics, RunDoc, run_text};

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
    /// (e.g. buyer=tit-for-tat, 1=boulware); repeatable. Strategies: boulware, linear, conceder, aspiration,
    /// time-based, tit-for-tat, tough, random (or a NegMAS class name such as BoulwareTBNegotiator).
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
    if let Some(path) = &args.plot {
        crate::figure::check_svg_name(path)?;
    }
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
    crate::budget::check_tables(&scenario)?;
    let rounds = match (args.n_steps, &args.source.scenario) {
        (Some(n), _) => format!("--n-steps {n}"),
        (None, Some(p)) => format!("n_steps = {} ([protocol] of {})", scenario.config.n_steps, p.display()),
        (None, None) => format!("n_steps = {}", scenario.config.n_steps),
    };
    crate::budget::check_offers(
        &scenario,
        1,
        args.json,
        format!("{rounds} ({} parties' offers)", scenario.parties.len()),
    )?;
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
        let doc = RunDoc::new(&scenario, &report, measures.as_ref(), &dynamics);
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", run_text(&scenario, &report, measures.as_ref(), &dynamics, args.full));
        if let Some(path) = &args.plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
