//! `entente bench`: negotiations per second on the standard cases.
//!
//! The cases of issue 2: complete bilateral SAO negotiations, 100 steps, two
//! Boulware negotiators, on random integrative scenarios of 3 issues × 10
//! values (1,000 outcomes) and 5 issues × 10 values (100,000 outcomes).
//!
//! Scenarios: `entente_core::synthetic::integrative_bilateral`, the recipe of
//! the parity corpus (`bench_common.make_scenario`) with ChaCha8 random numbers
//! (seed `--seed`, scenario `k` uses `seed + k`).
//!
//! Figures, all on one thread unless labelled parallel:
//! - *setup included*: per negotiation, tabulate both parties' utilities over
//!   the outcome space, sort them, build the negotiators and run with a trace;
//! - *setup reused*: the parties' tables and sorted outcomes are built once
//!   per scenario (as a tournament does) and only negotiations are timed;
//! - *parallel*: the same two, whole negotiations spread over a rayon pool.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use entente_core::UtilityTable;
use entente_core::synthetic::{Bilateral, integrative_bilateral};
use entente_protocols::{BuildNegotiator, Prepared, SaoConfig, StrategySpec};
use entente_protocols::{NoClock, RunOutcome, TraceEntry, run_sao_traced};
use entente_report::bench::{BenchCase, BenchFigure, bench_case_text, bench_heading};
use rayon::prelude::*;

#[derive(Args)]
pub struct BenchArgs {
    /// Run each case briefly (for a quick look; figures are noisier).
    #[arg(long)]
    pub quick: bool,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Cases to run, as ISSUESxVALUES (repeatable; default: 3x10 and 5x10).
    #[arg(long = "case", value_name = "IxV")]
    pub cases: Vec<String>,
    /// Rounds per negotiation.
    #[arg(long, default_value_t = 100)]
    pub steps: u32,
    /// Seconds of measurement per figure (default 1.5, or 0.15 with --quick).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Distinct random scenarios per case, negotiated in turn.
    #[arg(long, default_value_t = 8)]
    pub scenarios: u64,
    /// Seed of the first scenario.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads of the parallel figures (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Skip the parallel figures.
    #[arg(long)]
    pub no_parallel: bool,
}

/// One benchmark scenario: the space and both parties' utility functions.
type BenchScenario = Bilateral;

/// A random integrative bilateral scenario (see the module documentation).
fn make_scenario(n_issues: usize, n_values: u32, seed: u64) -> anyhow::Result<BenchScenario> {
    Ok(integrative_bilateral(n_issues, n_values, seed)?)
}

/// Per-party setup: the utility table (evaluating the space) and, with
/// `presort`, the outcomes sorted by utility. Without it, the time-based
/// negotiators order what they need in one pass when they are built.
fn prepare(s: &BenchScenario, presort: bool) -> [Prepared; 2] {
    s.ufuns.each_ref().map(|u| {
        let p = Prepared::new(UtilityTable::new(&s.space, u).expect("benchmark spaces are small"));
        if presort {
            p.presort();
        }
        p
    })
}

/// One complete negotiation between two Boulware negotiators, with its trace.
fn negotiate(prepared: &[Prepared; 2], config: SaoConfig) -> RunOutcome {
    let mut negotiators = vec![
        StrategySpec::BOULWARE.build_for(&prepared[0], 0, &config),
        StrategySpec::BOULWARE.build_for(&prepared[1], 1, &config),
    ];
    let mut trace: Vec<TraceEntry> = Vec::with_capacity(2 * config.n_steps as usize);
    let n = prepared[0].table().len();
    let outcome =
        run_sao_traced(&mut negotiators, config, n, &mut NoClock, &mut trace).expect("benchmark runs are valid");
    black_box(&trace);
    outcome
}

/// Setup included: tabulate, order what the negotiators need (in one pass per
/// party, without sorting the whole space), negotiate.
fn negotiate_fresh(s: &BenchScenario, config: SaoConfig) -> RunOutcome {
    let prepared = prepare(black_box(s), false);
    negotiate(&prepared, config)
}

/// Setup included, sorting every party's outcome space in full.
fn negotiate_fresh_sorted(s: &BenchScenario, config: SaoConfig) -> RunOutcome {
    let prepared = prepare(black_box(s), true);
    negotiate(&prepared, config)
}

/// Running totals of a measurement.
#[derive(Clone, Copy, Default)]
struct Tally {
    negotiations: u64,
    agreements: u64,
    rounds: u64,
}

impl Tally {
    fn add(&mut self, o: &RunOutcome) {
        self.negotiations += 1;
        self.agreements += o.agreement.is_some() as u64;
        self.rounds += o.rounds as u64;
    }

    fn merge(mut self, other: Tally) -> Tally {
        self.negotiations += other.negotiations;
        self.agreements += other.agreements;
        self.rounds += other.rounds;
        self
    }
}

fn load_average() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// Runs `batch(i)` (which negotiates `n` times and returns its tally) in
/// samples of about `sample` each, after a warm-up.
fn measure(
    mode: &str,
    threads: usize,
    sample: Duration,
    samples: usize,
    mut batch: impl FnMut(u64, u64) -> Tally,
) -> BenchFigure {
    // Warm-up, and a first estimate of the batch size for ~1/20 of a sample.
    let mut n = 1u64;
    let mut start_index = 0u64;
    loop {
        let t0 = Instant::now();
        black_box(batch(start_index, n));
        start_index += n;
        let dt = t0.elapsed();
        if dt >= sample / 20 || n >= 1 << 30 {
            break;
        }
        n *= 2;
    }
    let mut rates = Vec::with_capacity(samples);
    let mut total = Tally::default();
    for _ in 0..samples {
        let t0 = Instant::now();
        let mut tally = Tally::default();
        while t0.elapsed() < sample {
            tally = tally.merge(batch(start_index, n));
            start_index += n;
        }
        let dt = t0.elapsed().as_secs_f64();
        rates.push(tally.negotiations as f64 / dt);
        total = total.merge(tally);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    BenchFigure {
        mode: mode.to_string(),
        threads,
        per_second: median,
        per_second_min: rates[0],
        per_second_max: rates[rates.len() - 1],
        micros: 1e6 / median,
        negotiations: total.negotiations,
        samples,
        agreement_rate: total.agreements as f64 / total.negotiations as f64,
        mean_rounds: total.rounds as f64 / total.negotiations as f64,
    }
}

fn parse_case(s: &str) -> anyhow::Result<(usize, u32)> {
    let (i, v) = s
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .context(format!("case {s:?}: expected ISSUESxVALUES, such as 3x10"))?;
    let i: usize = i.trim().parse().with_context(|| format!("case {s:?}: bad issue count"))?;
    let v: u32 = v.trim().parse().with_context(|| format!("case {s:?}: bad value count"))?;
    if i == 0 || v == 0 {
        bail!("case {s:?}: needs at least one issue and one value");
    }
    let n = (v as f64).powi(i as i32);
    if n > 5e7 {
        bail!("case {s:?}: {n} outcomes is too many for a benchmark");
    }
    Ok((i, v))
}

fn median_micros(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut xs: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn run_case(
    issues: usize,
    values: u32,
    args: &BenchArgs,
    sample: Duration,
    samples: usize,
    pool: Option<&rayon::ThreadPool>,
) -> anyhow::Result<BenchCase> {
    if args.scenarios == 0 {
        bail!("--scenarios must be at least 1");
    }
    let load_average = load_average();
    let config = SaoConfig { n_steps: args.steps, time_limit: None };
    let scenarios: Vec<BenchScenario> = (0..args.scenarios)
        .map(|k| make_scenario(issues, values, args.seed.wrapping_add(k)))
        .collect::<anyhow::Result<_>>()?;
    let k = scenarios.len() as u64;
    let outcomes = scenarios[0].space.enumerable(usize::MAX)?;

    // Where setup time goes (both parties).
    let s0 = &scenarios[0];
    let reps = if outcomes > 20_000 { 21 } else { 201 };
    let setup_table_micros = median_micros(
        || {
            for u in &s0.ufuns {
                black_box(UtilityTable::new(&s0.space, u).unwrap());
            }
        },
        reps,
    );
    let tables: Vec<UtilityTable> = s0.ufuns.iter().map(|u| UtilityTable::new(&s0.space, u).unwrap()).collect();
    let setup_sort_micros = median_micros(
        || {
            for t in &tables {
                black_box(t.sorted());
            }
        },
        reps,
    );

    let mut figures = Vec::new();
    figures.push(measure("setup-included", 1, sample, samples, |start, n| {
        let mut tally = Tally::default();
        for i in start..start + n {
            tally.add(&negotiate_fresh(&scenarios[(i % k) as usize], config));
        }
        tally
    }));
    figures.push(measure("setup-included-full-sort", 1, sample, samples, |start, n| {
        let mut tally = Tally::default();
        for i in start..start + n {
            tally.add(&negotiate_fresh_sorted(&scenarios[(i % k) as usize], config));
        }
        tally
    }));
    let prepared: Vec<[Prepared; 2]> = scenarios.iter().map(|s| prepare(s, true)).collect();
    figures.push(measure("setup-reused", 1, sample, samples, |start, n| {
        let mut tally = Tally::default();
        for i in start..start + n {
            tally.add(&negotiate(black_box(&prepared[(i % k) as usize]), config));
        }
        tally
    }));
    if let Some(pool) = pool {
        let threads = pool.current_num_threads();
        let par = |f: &(dyn Fn(u64) -> RunOutcome + Sync), start: u64, n: u64| -> Tally {
            pool.install(|| {
                (start..start + n)
                    .into_par_iter()
                    .fold(Tally::default, |mut t, i| {
                        t.add(&f(i));
                        t
                    })
                    .reduce(Tally::default, Tally::merge)
            })
        };
        figures.push(measure("setup-included", threads, sample, samples, |start, n| {
            par(&|i| negotiate_fresh(&scenarios[(i % k) as usize], config), start, n)
        }));
        figures.push(measure("setup-reused", threads, sample, samples, |start, n| {
            par(&|i| negotiate(&prepared[(i % k) as usize], config), start, n)
        }));
    }
    Ok(BenchCase {
        case: format!("{issues}x{values}"),
        issues,
        values,
        outcomes,
        steps: args.steps,
        scenarios: args.scenarios,
        seed: args.seed,
        setup_table_micros,
        setup_sort_micros,
        load_average,
        figures,
    })
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let seconds = args.seconds.unwrap_or(if args.quick { 0.15 } else { 1.5 });
    if !(seconds > 0.0 && seconds.is_finite()) {
        bail!("--seconds must be a positive number");
    }
    if args.steps == 0 {
        bail!("--steps must be at least 1");
    }
    let samples = if args.quick { 3 } else { 5 };
    let sample = Duration::from_secs_f64(seconds / samples as f64);
    let cases = if args.cases.is_empty() { vec!["3x10".to_string(), "5x10".to_string()] } else { args.cases.clone() };
    let cases: Vec<(usize, u32)> = cases.iter().map(|c| parse_case(c)).collect::<anyhow::Result<_>>()?;
    let pool = if args.no_parallel {
        None
    } else {
        Some(rayon::ThreadPoolBuilder::new().num_threads(args.threads).build().context("building the thread pool")?)
    };
    if !args.json {
        out!("{}", bench_heading(seconds, samples, pool.as_ref().map_or(0, |p| p.current_num_threads())));
    }
    let mut reports = Vec::new();
    for &(i, v) in &cases {
        let r = run_case(i, v, &args, sample, samples, pool.as_ref())?;
        if !args.json {
            out!("{}", bench_case_text(&r));
        }
        reports.push(r);
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use entente_model::{Party, Scenario};
    use entente_protocols::RunScenario;

    use super::*;

    #[test]
    fn benchmark_runs_match_scenario_runs() {
        let config = SaoConfig { n_steps: 100, time_limit: None };
        for seed in 0..4 {
            let s = make_scenario(3, 10, seed).unwrap();
            let scenario = Scenario {
                name: "bench".into(),
                description: None,
                space: s.space.clone(),
                parties: s
                    .ufuns
                    .iter()
                    .enumerate()
                    .map(|(k, u)| Party {
                        name: format!("p{k}"),
                        utility: u.clone().into(),
                        strategy: Some(StrategySpec::BOULWARE),
                        delegation: None,
                    })
                    .collect(),
                config,
                seed: 0,
            };
            let report = scenario.run(None).unwrap();
            let fresh = negotiate_fresh(&s, config);
            let reused = negotiate(&prepare(&s, true), config);
            assert_eq!((fresh.agreement, fresh.rounds), (report.agreement, report.rounds));
            assert_eq!((reused.agreement, reused.rounds), (report.agreement, report.rounds));
        }
    }

    #[test]
    fn cases_parse() {
        assert_eq!(parse_case("3x10").unwrap(), (3, 10));
        assert_eq!(parse_case("5X10").unwrap(), (5, 10));
        assert!(parse_case("3").is_err());
        assert!(parse_case("0x10").is_err());
        assert!(parse_case("20x10").is_err());
    }
}
