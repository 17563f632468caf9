//! `entente bench` and `entente bench-analysis`: the measured figures, as
//! documents (`--json` prints a JSON array of them) and as text.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One measured figure of `entente bench`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchFigure {
    /// `setup-included`, `setup-included-full-sort` or `setup-reused`.
    pub mode: String,
    pub threads: usize,
    /// Median of the samples.
    pub per_second: f64,
    /// Slowest and fastest samples.
    pub per_second_min: f64,
    pub per_second_max: f64,
    /// Wall-clock microseconds per negotiation (from the median rate).
    pub micros: f64,
    pub negotiations: u64,
    pub samples: usize,
    pub agreement_rate: f64,
    pub mean_rounds: f64,
}

/// One case of `entente bench`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchCase {
    pub case: String,
    pub issues: usize,
    pub values: u32,
    pub outcomes: usize,
    pub steps: u32,
    pub scenarios: u64,
    pub seed: u64,
    /// Microseconds to build both parties' tables, and to sort them (single thread, median).
    pub setup_table_micros: f64,
    pub setup_sort_micros: f64,
    /// `/proc/loadavg` (1, 5, 15 minutes) when the case started, if readable:
    /// other work on the machine lowers the figures, the parallel ones most.
    pub load_average: Option<String>,
    pub figures: Vec<BenchFigure>,
}

/// The heading of `entente bench`'s text.
pub fn bench_heading(seconds: f64, samples: usize, threads: usize) -> String {
    format!(
        "entente bench: {} s per figure ({} samples, median shown); parallel figures on {} threads\n",
        seconds, samples, threads
    )
}

/// One case of `entente bench` as text.
pub fn bench_case_text(r: &BenchCase) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "case {} ({} issues x {} values = {} outcomes), {} steps, Boulware vs Boulware, {} scenarios from seed {}",
        r.case, r.issues, r.values, r.outcomes, r.steps, r.scenarios, r.seed
    );
    let _ = writeln!(
        out,
        "  per-party setup, both parties: tables {:.1} us, sorting {:.1} us{}",
        r.setup_table_micros,
        r.setup_sort_micros,
        r.load_average.as_ref().map_or(String::new(), |l| format!("; load average at start {l}"))
    );
    let _ = writeln!(
        out,
        "  {:<27} {:>7} {:>12} {:>18} {:>12} {:>10} {:>7}",
        "figure", "threads", "negot./s", "(min-max)", "us/negot.", "agreed", "rounds"
    );
    for f in &r.figures {
        let label = if f.threads == 1 { f.mode.to_string() } else { format!("{} (parallel)", f.mode) };
        let _ = writeln!(
            out,
            "  {:<27} {:>7} {:>12.0} {:>18} {:>12.2} {:>9.1}% {:>7.1}",
            label,
            f.threads,
            f.per_second,
            format!("({:.0}-{:.0})", f.per_second_min, f.per_second_max),
            f.micros,
            100.0 * f.agreement_rate,
            f.mean_rounds
        );
    }
    out
}

/// One measured figure of `entente bench-analysis`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisFigure {
    pub case: String,
    pub method: String,
    /// Outcomes of the space (a decimal string: it may exceed 2^64).
    pub outcomes: String,
    pub best_ms: f64,
    pub median_ms: f64,
    /// Frontier size, distinct utility vectors (GENIUS reading).
    pub frontier: usize,
    /// Outcomes on the frontier, ties counted.
    pub frontier_with_ties: String,
    /// NegMAS's Nash point(s).
    pub nash: Vec<Vec<f64>>,
    pub note: String,
}

/// `entente bench-analysis` as text.
pub fn analysis_bench_text(seed: u64, repeat: usize, figures: &[AnalysisFigure]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "entente analyze-bench: seed {seed}, best and median of {repeat} runs, one thread");
    for f in figures {
        let _ = writeln!(
            out,
            "{:<58} {:<36} {:>20} outcomes  best {:>10.3} ms  median {:>10.3} ms  frontier {:>6} ({} with ties)  Nash {:?}  {}",
            f.case, f.method, f.outcomes, f.best_ms, f.median_ms, f.frontier, f.frontier_with_ties, f.nash, f.note
        );
    }
    out
}
