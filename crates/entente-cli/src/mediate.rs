//! `entente mediate`: the mediated single negotiating text on a scenario,
//! GENIUS or GeniusWeb folder, over many seeds, and two set-ups compared on
//! the same seeds. The work is `entente_tournament::mediate`'s; this file reads
//! the flags and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_plot::intervals::{IntervalChart, IntervalPoint, IntervalSeries, render_intervals};
use entente_tournament::mediate::{MediateDoc, MediateDomain, MediateSetup, parse_seeds};

use crate::source::SourceArgs;

/// At most this many seeds.
const MAX_SEEDS: usize = 1_000_000;

#[derive(Args)]
pub struct MediateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The mediator: `veto` (the text changes only when every party accepts) or `annealing` (keeps a proposal
    /// some rejected with a probability falling over the run).
    #[arg(long, default_value = "annealing", value_parser = ["veto", "annealing"])]
    pub mediator: String,
    /// The annealing mediator's initial temperature (default 1 for rejections, 0.2 for losses).
    #[arg(long, value_name = "T0")]
    pub mediator_t0: Option<f64>,
    /// What the annealing mediator weighs against keeping a rejected proposal: the number of rejections or the
    /// rejecting parties' summed utility losses.
    #[arg(long, default_value = "rejections", value_parser = ["rejections", "losses"])]
    pub measure: String,
    /// The voters (every party alike): `hill-climbing` (accept only a better text) or `annealing` (also a worse
    /// one, with probability exp(-Δu/T)).
    #[arg(long, default_value = "hill-climbing", value_parser = ["hill-climbing", "annealing"])]
    pub voters: String,
    /// The annealing voters' initial temperature (default 0.2).
    #[arg(long, value_name = "T0")]
    pub voter_t0: Option<f64>,
    /// Steps (proposals) of each run.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub steps: u32,
    /// The seeds, one run each: `1..50` (both ends included), `7`, `1,2,9`, `1..10,20..30`.
    #[arg(long, default_value = "1..20", value_name = "SEEDS")]
    pub seeds: String,
    /// Compare with a second set-up on the same seeds (paired): KEY=VALUE pairs over the first set-up's, e.g.
    /// `mediator=veto,voters=hill-climbing` (keys: mediator, voters, measure, mediator-t0, voter-t0, steps).
    #[arg(long, value_name = "SETUP", conflicts_with = "compare")]
    pub vs: Option<String>,
    /// Compare with the veto mediator and hill-climbing voters (Klein et al.'s baseline) on the same seeds.
    #[arg(long)]
    pub compare: bool,
    /// Threads running the seeds (default: one per CPU, or RAYON_NUM_THREADS). The result does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_name = "P")]
    pub level: f64,
    /// Print one JSON document (entente.mediate/1): the set-ups' summaries, the comparison and every run.
    #[arg(long)]
    pub json: bool,
    /// Draw the joint welfare over the steps (mean over the seeds, with its interval), one line per set-up.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// The first set-up, from the flags.
fn first_setup(args: &MediateArgs) -> anyhow::Result<MediateSetup> {
    let mut text =
        format!("mediator={},voters={},measure={},steps={}", args.mediator, args.voters, args.measure, args.steps);
    if let Some(t) = args.mediator_t0 {
        text.push_str(&format!(",mediator-t0={t}"));
    }
    if let Some(t) = args.voter_t0 {
        text.push_str(&format!(",voter-t0={t}"));
    }
    MediateSetup::default()
        .parse_over(&text)
        .map_err(|e| anyhow::anyhow!("{e} (flags --mediator, --voters, --measure, --steps, --mediator-t0, --voter-t0)"))
}

pub fn run(args: MediateArgs) -> anyhow::Result<ExitCode> {
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level {}: a confidence level is between 0 and 1 (e.g. 0.95)", args.level);
    }
    if args.steps == 0 {
        bail!("--steps 0: a run needs at least one step");
    }
    if args.threads == Some(0) {
        bail!("--threads 0: give at least one thread");
    }
    if let Some(path) = &args.plot {
        crate::figure::check_svg_name(path)?;
    }
    let seeds = parse_seeds(&args.seeds, MAX_SEEDS).map_err(|e| anyhow::anyhow!("--seeds {:?}: {e}", args.seeds))?;
    let a = first_setup(&args)?;
    let b = match (&args.vs, args.compare) {
        (Some(text), _) => Some(a.parse_over(text).map_err(|e| anyhow::anyhow!("--vs: {e}"))?),
        (None, true) => Some(MediateSetup::baseline(a.n_steps)),
        (None, false) => None,
    };
    let setups: Vec<MediateSetup> = std::iter::once(a).chain(b).collect();

    let scenario = args.source.load()?;
    if scenario.parties.len() < 2 {
        bail!("single-text mediation needs at least 2 parties; the scenario has {}", scenario.parties.len());
    }
    let outcomes = scenario.space.cardinality();
    if outcomes > entente_core::table::MAX_TABLE_OUTCOMES as u128 {
        bail!(
            "the single text mutates an enumerated space of at most {} outcomes; this one has {outcomes}",
            entente_core::table::MAX_TABLE_OUTCOMES
        );
    }
    crate::budget::check_tables(&scenario)?;
    // While running: each thread holds one run's log (a proposal, every vote and a result per step); the
    // document keeps every run's summary.
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())) as u128;
    let parties = scenario.parties.len() as u128;
    let max_steps = setups.iter().map(|s| s.n_steps).max().unwrap_or(0) as u128;
    let per_run_log = max_steps.saturating_mul((parties + 4).saturating_mul(48));
    let records = (seeds.len() as u128).saturating_mul(setups.len() as u128).saturating_mul(parties * 8 + 400);
    crate::budget::check(
        threads.saturating_mul(per_run_log).saturating_add(records),
        format!("--steps {max_steps} over {} seeds on {threads} threads", seeds.len()),
        "ask for fewer steps, seeds or threads",
    )?;

    let spinner = crate::progress::Spinner::new(format!(
        "single text on {} outcomes: tabulating and finding the Pareto frontier",
        outcomes
    ));
    let domain = MediateDomain::new(&scenario).context("preparing the domain")?;
    spinner.set(format!("single text: {} set-up(s) x {} seeds", setups.len(), seeds.len()));
    let pool = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new().num_threads(n).build().context("--threads")?,
        None => rayon::ThreadPoolBuilder::new().build()?,
    };
    let doc = MediateDoc::build(&domain, &setups, &seeds, args.level, &pool)?;
    drop(spinner);

    if let Some(path) = &args.plot {
        let series = doc
            .trajectories()
            .into_iter()
            .zip(&doc.setups)
            .enumerate()
            .map(|(k, (points, s))| IntervalSeries {
                name: format!("{}: {}", if k == 0 { "A" } else { "B" }, s.setup.short_label()),
                points: points
                    .into_iter()
                    .map(|(step, e)| IntervalPoint { x: step as f64, y: e.mean, low: e.low, high: e.high })
                    .collect(),
            })
            .collect();
        let chart = IntervalChart {
            title: format!("Single negotiating text: {}", doc.domain.scenario),
            subtitle: Some(format!(
                "joint welfare (mediator / voters), mean over {} seeds with its {:.0}% interval; best {:.4}",
                seeds.len(),
                args.level * 100.0,
                doc.domain.max_welfare
            )),
            x_label: "step".into(),
            y_label: "joint welfare".into(),
            categories: None,
            y_range: None,
            series,
            lines: true,
        };
        let svg = render_intervals(&chart).context("drawing the figure")?;
        crate::figure::write_svg(path, &svg).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        out!("{}", doc.text());
        if let Some(path) = &args.plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
