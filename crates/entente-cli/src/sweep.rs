//! `entente sweep SCENARIO --vary "…"`: how likely is an agreement if a
//! parameter took other values? The sweep itself (grids and seeded draws of
//! changes, the settings, running them) is `entente_tournament::sweep`, which
//! the Python package calls too; this file reads the scenario, prints the table
//! or the JSON document and draws the figure. Syntax and semantics:
//! docs/tournaments.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use entente_plot::intervals::{IntervalChart, IntervalPoint, IntervalSeries, render_intervals};
use entente_tournament::Shard;
use entente_tournament::sweep::{Sweep, SweepBase, SweepDoc, SweepSpec};

use crate::source::ReadArgs;

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
    /// Run only the settings of shard i/k (1-based; the settings split in k contiguous parts, e.g. one per
    /// cluster job); the JSON of the k shards joins into the whole sweep's (`entente sweep-merge`,
    /// `entente.merge_sweep` in Python).
    #[arg(long, value_name = "i/k")]
    pub shard: Option<String>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_name = "L")]
    pub level: f64,
}

#[derive(Args)]
pub struct SweepMergeArgs {
    /// The shards' documents (`entente sweep --shard i/k --json > part-i.json`), in any order.
    #[arg(required = true, value_name = "PART.json")]
    pub parts: Vec<PathBuf>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Draw the probability of agreement against the first varied parameter to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// The largest shard document `sweep-merge` reads.
const MAX_PART_BYTES: u64 = 256 << 20;

/// `entente sweep-merge`: the shards joined (every shard once, of one sweep), printed as `entente sweep` prints.
pub fn merge(args: SweepMergeArgs) -> anyhow::Result<ExitCode> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let shown = path.display();
        let text = crate::budget::read_text(path, MAX_PART_BYTES, &shown, "a sweep's shard document")?;
        let doc: SweepDoc = serde_json::from_str(&text)
            .with_context(|| format!("{shown}: not a sweep's document (entente sweep --shard i/k --json)"))?;
        parts.push(doc);
    }
    // In the shards' order, whatever the order of the files (part-10.json after part-9.json).
    parts.sort_by_key(|d| d.shard.as_ref().map(|s| s.index));
    let doc = entente_tournament::sweep::merge(parts)?;
    print(&doc, args.json, args.plot.as_deref())
}

fn print(doc: &SweepDoc, json: bool, plot: Option<&Path>) -> anyhow::Result<ExitCode> {
    if let Some(path) = plot {
        write_plot(path, doc).with_context(|| format!("--plot {}", path.display()))?;
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(doc)?);
    } else {
        out!("{}", render(doc));
        if let Some(path) = plot {
            outln!("Figure written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load(args: &SweepArgs) -> anyhow::Result<SweepBase> {
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
            return Ok(SweepBase::Talks(Box::new(entente_formats::talks_toml::parse_talks(&text, path)?)));
        }
    }
    let mut s = args.read.load(path)?;
    crate::run::apply_strategies(&mut s, &args.strategies)?;
    Ok(SweepBase::Sao(s))
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).context("--shard")?,
        None => Shard::WHOLE,
    };
    // Checked before the scenario is read, so that such errors come first.
    let spec = SweepSpec {
        vary: args.vary.clone(),
        changes: args.changes.clone(),
        draws: args.draws,
        repetitions: args.repetitions,
        seed: args.seed,
        level: args.level,
    };
    if spec.repetitions == 0 {
        bail!("--repetitions must be at least 1");
    }
    let base = load(&args)?;
    // Every setting is built (and so checked) before anything runs; errors name the flag and the value.
    let sweep = Sweep::new(base, spec)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).build()?;
    let doc = sweep.run(shard, &pool)?;
    print(&doc, args.json, args.plot.as_deref())
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
