//! `entente analyze-bench`: the speed of domain analysis (issue 3).
//!
//! Figures, one thread, best and median of `--repeat` runs:
//! - **enumerated, 2 parties**: random utilities of `N` outcomes (default
//!   10^6 and 10^7): the Pareto frontier alone ([`pareto_2`]), the frontier
//!   plus Nash (every bargaining solution: min/max pass, both readings of the
//!   frontier, [`solve`]), and the whole [`analyze`] from utility tables
//!   (adds opposition and the zone of agreement, one more pass); three
//!   parties, enumerated ([`pareto_n`], the sort-filter skyline);
//! - **additive 6×10** (10^6 outcomes): the same random additive utilities
//!   NegMAS is timed on by `scripts/negmas_analysis_bench.py --additive`,
//!   enumerated and merged;
//! - **additive merge** ([`analyze_additive`]): spaces shaped like
//!   `other_AMPOvsCity` (10 discrete issues, 1.9 million outcomes) and
//!   `anac2016_AgentHp2_energy_grid` (8 integer issues of 7 values, 5.8
//!   million), with GENIUS-style random preferences, each against enumeration;
//!   15 issues × 10 values (10^15 outcomes), GENIUS-style and with continuous
//!   random value utilities; 30 issues × 10 values (10^30) with random value
//!   utilities; three parties over 10^8 and 10^15 outcomes.
//!
//! Random numbers and domains: `entente_core::synthetic` (`u_p[i] = (splitmix64(seed << 48 ^ p << 40 ^ i) >> 11)
//! · 2^-53`), reproduced exactly by the Python script so both time the same numbers.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use entente_core::analysis::{
    AnalysisOptions, DomainAnalysis, Limits, MergeLimits, Method, PartyRange, Requested, additive_frontier,
    analyze_additive, analyze_with, pareto_2, pareto_2_within, pareto_n, ranges, solve,
};
use entente_core::synthetic::{energy_grid, genius_style, integer_space, random_additive, random_utilities};
use entente_core::{LinearAdditive, OutcomeSpace, UtilityTable};
use entente_report::bench::{AnalysisFigure as Figure, analysis_bench_text};

#[derive(Args, Debug, Clone)]
pub struct AnalyzeBenchArgs {
    /// Outcome counts of the enumerated two-party figures.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000_000usize, 10_000_000])]
    pub sizes: Vec<usize>,
    /// The random additive case, ISSUESxVALUES (also timed with NegMAS by
    /// `scripts/negmas_analysis_bench.py --additive`).
    #[arg(long, default_value = "6x10")]
    pub additive: String,
    /// Seed of the random utilities.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Runs per figure (best and median reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn time<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut ms = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let out = black_box(f());
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    ms.sort_by(f64::total_cmp);
    (ms[0], ms[ms.len() / 2], last.expect("at least one run"))
}

fn nash_of(a: &DomainAnalysis) -> Vec<Vec<f64>> {
    a.solutions.nash_negmas.iter().map(|p| p.utilities.clone()).collect()
}

fn figure(case: &str, method: &str, outcomes: u128, t: (f64, f64), a: &DomainAnalysis, note: String) -> Figure {
    Figure {
        case: case.into(),
        method: method.into(),
        outcomes: outcomes.to_string(),
        best_ms: t.0,
        median_ms: t.1,
        frontier: a.pareto.distinct,
        frontier_with_ties: a.pareto.with_ties.to_string(),
        nash: nash_of(a),
        note,
    }
}

/// Enumerated two-party figures over `n` random outcomes.
fn enumerated(n: usize, seed: u64, repeat: usize, out: &mut Vec<Figure>) -> anyhow::Result<()> {
    let case = format!("random, 2 parties, {n} outcomes");
    let u: Vec<Vec<f64>> = (0..2).map(|p| random_utilities(seed, p, n)).collect();
    let (b, m, f) = time(repeat, || pareto_2(&u[0], &u[1]));
    out.push(Figure {
        case: case.clone(),
        method: "pareto_2 (frontier only)".into(),
        outcomes: n.to_string(),
        best_ms: b,
        median_ms: m,
        frontier: f.distinct(),
        frontier_with_ties: f.with_ties().to_string(),
        nash: Vec::new(),
        note: String::new(),
    });
    let (b, m, (f, s)) = time(repeat, || {
        let r = ranges(&[&u[0], &u[1]]);
        let f = pareto_2_within(&u[0], &u[1], r[0].0, r[0].1);
        let ranges: Vec<PartyRange> =
            r.iter().map(|&(min, max)| PartyRange { reservation: f64::NEG_INFINITY, min, max }).collect();
        let negmas = f.negmas(&[f64::NEG_INFINITY; 2]);
        let s = solve(&f.points, &negmas, &ranges);
        (f, s)
    });
    out.push(Figure {
        case: case.clone(),
        method: "Pareto + Nash (and every solution)".into(),
        outcomes: n.to_string(),
        best_ms: b,
        median_ms: m,
        frontier: f.distinct(),
        frontier_with_ties: f.with_ties().to_string(),
        nash: s.nash_negmas.iter().map(|p| p.utilities.clone()).collect(),
        note: String::new(),
    });
    let tables: Vec<UtilityTable> =
        u.into_iter().map(|x| UtilityTable::from_utilities(x, f64::NEG_INFINITY)).collect::<Result<_, _>>()?;
    let opts = AnalysisOptions::default();
    let (b, m, a) = time(repeat, || analyze_with(&[&tables[0], &tables[1]], &opts));
    let a = a?;
    out.push(figure(&case, "analyze (everything, from tables)", n as u128, (b, m), &a, String::new()));
    Ok(())
}

fn merge_and_enumerate(
    case: &str,
    space: &OutcomeSpace,
    ufuns: &[LinearAdditive],
    repeat: usize,
    enumerate: bool,
    out: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    let refs: Vec<&LinearAdditive> = ufuns.iter().collect();
    let (b, m, a) = time(repeat, || analyze_additive(space, &refs, MergeLimits::default()));
    let a = a?;
    let stats = additive_frontier(space, &refs, MergeLimits::default())?.stats;
    let note = format!(
        "{} candidates, largest step {}, largest level {}",
        stats.candidates,
        stats.largest_step,
        stats.kept.iter().max().unwrap_or(&0)
    );
    out.push(figure(case, "additive merge (analyze_additive)", space.cardinality(), (b, m), &a, note));
    if enumerate {
        let (b, m, res) = time(repeat.min(3), || -> anyhow::Result<DomainAnalysis> {
            let tables: Vec<UtilityTable> =
                ufuns.iter().map(|u| UtilityTable::new(space, u)).collect::<Result<_, _>>()?;
            let t: Vec<&UtilityTable> = tables.iter().collect();
            Ok(analyze_with(&t, &AnalysisOptions::default())?)
        });
        let e = res?;
        if e.frontier != a.frontier {
            bail!("{case}: the merge and enumeration disagree");
        }
        out.push(figure(
            case,
            "enumerated (tables + analyze)",
            space.cardinality(),
            (b, m),
            &e,
            "same frontier".into(),
        ));
    }
    Ok(())
}

/// Runs every figure and prints them.
pub fn run(args: AnalyzeBenchArgs) -> anyhow::Result<ExitCode> {
    if args.sizes.iter().any(|&n| n == 0 || n > (1 << 30)) {
        bail!("--sizes: each size must be between 1 and 2^30");
    }
    for &n in &args.sizes {
        // Two parties' random utilities and tables, and the sweep (three parties for the smallest size).
        crate::budget::check(
            (n as u128)
                * (2 * crate::budget::TABLE_BYTES_PER_OUTCOME_AND_PARTY + crate::budget::ANALYSIS_BYTES_PER_OUTCOME),
            format!("--sizes {n}"),
            "give smaller sizes",
        )?;
    }
    let seed = args.seed;
    let mut figs = Vec::new();
    let spinner = crate::progress::Spinner::new("bench-analysis: enumerated figures");
    for &n in &args.sizes {
        enumerated(n, seed, args.repeat, &mut figs)?;
    }
    // n parties, enumerated: the sort-filter skyline
    let n3 = args.sizes.iter().copied().min().unwrap_or(1_000_000);
    let u3: Vec<Vec<f64>> = (0..3).map(|p| random_utilities(seed, p, n3)).collect();
    let (b, m, f) = time(args.repeat, || pareto_n(&[&u3[0], &u3[1], &u3[2]]));
    figs.push(Figure {
        case: format!("random, 3 parties, {n3} outcomes"),
        method: "pareto_n (skyline)".into(),
        outcomes: n3.to_string(),
        best_ms: b,
        median_ms: m,
        frontier: f.distinct(),
        frontier_with_ties: f.with_ties().to_string(),
        nash: Vec::new(),
        note: String::new(),
    });

    // The additive case NegMAS is timed on (same numbers).
    let (ni, nv) = args
        .additive
        .to_lowercase()
        .split_once('x')
        .and_then(|(i, v)| Some((i.trim().parse::<usize>().ok()?, v.trim().parse::<u32>().ok()?)))
        .filter(|&(i, v)| i > 0 && v > 0)
        .ok_or_else(|| anyhow::anyhow!("--additive: expected ISSUESxVALUES such as 6x10"))?;
    spinner.set(format!("bench-analysis: additive {ni}x{nv}, then the merge figures"));
    let s6 = integer_space(&vec![nv; ni])?;
    let u6 = random_additive(seed, &s6)?;
    // Enumerated as well when `analyze` would enumerate it.
    let enumerable = Limits::default()
        .choose_method(s6.cardinality(), true, Requested::Auto)
        .is_ok_and(|c| c.method == Method::Enumerate);
    merge_and_enumerate(&format!("additive {ni}x{nv}, random values"), &s6, &u6, args.repeat, enumerable, &mut figs)?;

    let ampo = integer_space(&[6, 5, 6, 5, 3, 4, 3, 6, 2, 5])?;
    merge_and_enumerate(
        "AMPOvsCity-shaped (10 issues), GENIUS-style",
        &ampo,
        &genius_style(seed, &ampo, 2, 100)?,
        args.repeat,
        true,
        &mut figs,
    )?;

    let (grid, grid_ufuns) = energy_grid(seed)?;
    merge_and_enumerate("energy-grid-shaped (8 integer issues)", &grid, &grid_ufuns, args.repeat, true, &mut figs)?;

    let big = integer_space(&[10; 15])?;
    merge_and_enumerate(
        "15 issues x 10 values, GENIUS-style (evaluations 1..10)",
        &big,
        &genius_style(seed, &big, 2, 10)?,
        args.repeat,
        false,
        &mut figs,
    )?;
    let random15 = random_additive(seed, &big)?;
    merge_and_enumerate("15 issues x 10 values, random values", &big, &random15, args.repeat, false, &mut figs)?;

    let huge = integer_space(&[10; 30])?;
    let random30 = random_additive(seed, &huge)?;
    merge_and_enumerate("30 issues x 10 values, random values", &huge, &random30, args.repeat, false, &mut figs)?;

    let three = integer_space(&[10; 8])?;
    merge_and_enumerate(
        "3 parties, 8 issues x 10 values, GENIUS-style (evaluations 1..10)",
        &three,
        &genius_style(seed, &three, 3, 10)?,
        args.repeat,
        false,
        &mut figs,
    )?;

    let three15 = integer_space(&[10; 15])?;
    merge_and_enumerate(
        "3 parties, 15 issues x 10 values, GENIUS-style (evaluations 1..10)",
        &three15,
        &genius_style(seed, &three15, 3, 10)?,
        args.repeat.min(3),
        false,
        &mut figs,
    )?;

    drop(spinner);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&figs)?);
    } else {
        out!("{}", analysis_bench_text(seed, args.repeat, &figs));
    }
    Ok(ExitCode::SUCCESS)
}
