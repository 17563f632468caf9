//! The summary of a tournament's records: a score table per strategy,
//! pairwise comparisons, Bradley–Terry ratings. Deterministic: the bootstrap
//! streams are seeded, and records are read in id order.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::Record;
use crate::stats::{
    Interval, PairCounts, bootstrap_mean, bradley_terry_bootstrap, holm, mean, paired_t, sign_test, std_dev, wilcoxon,
};

/// Options of [`summarize`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryOptions {
    /// Resamples of the bootstrap intervals of means.
    pub resamples: usize,
    /// Resamples of the rating intervals.
    pub rating_resamples: usize,
    /// Confidence level of every interval.
    pub level: f64,
    pub seed: u64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions { resamples: 1000, rating_resamples: 200, level: 0.95, seed: 0 }
    }
}

/// Mean, spread and interval of one measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub ci: Option<Interval>,
}

/// One strategy's scores over every role it played.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyScore {
    pub strategy: String,
    pub negotiations: usize,
    pub advantage: Stat,
    pub utility: Stat,
    pub agreement_rate: Stat,
    pub welfare: Stat,
    /// Over agreements only.
    pub nash_distance: Stat,
    pub rounds: Stat,
}

/// Strategy `a` against strategy `b` where they met: paired differences of
/// advantage (a − b) within the same negotiation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub pairs: usize,
    pub mean_difference: f64,
    pub ci: Option<Interval>,
    /// Pairs where `a` did better, and where either did (sign test).
    pub a_better: u64,
    pub decided: u64,
    pub p_value: f64,
    /// Holm-adjusted over all comparisons.
    pub p_holm: f64,
    /// Wilcoxon's signed-rank test of the same differences (none if all are zero).
    pub wilcoxon: Option<WilcoxonTest>,
    /// The paired t-test of the same differences (none with fewer than two pairs).
    pub t_test: Option<TTest>,
}

/// Wilcoxon's signed-rank test of a comparison (two-sided; zeros dropped).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonTest {
    /// Non-zero differences.
    pub n: u64,
    /// Sum of the ranks of the differences where `a` did better.
    pub w_plus: f64,
    /// `min(W+, W−)`.
    pub statistic: f64,
    /// Exact (n ≤ 50 without ties) or the normal approximation.
    pub exact: bool,
    pub p_value: f64,
    /// Holm-adjusted over all comparisons' Wilcoxon tests.
    pub p_holm: f64,
}

/// The paired t-test of a comparison (two-sided).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TTest {
    /// `mean / (sd / √n)`; none when every difference is the same (infinite, or 0/0).
    pub t: Option<f64>,
    pub df: f64,
    pub p_value: f64,
    /// Holm-adjusted over all comparisons' t-tests.
    pub p_holm: f64,
}

/// A Bradley–Terry rating (log-strength, mean 0) with its interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub strategy: String,
    pub rating: f64,
    pub ci: Option<Interval>,
}

/// Everything [`summarize`] reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub records: u64,
    pub level: f64,
    /// Sorted by mean advantage, best first.
    pub scores: Vec<StrategyScore>,
    pub comparisons: Vec<Comparison>,
    /// Sorted by rating, best first.
    pub ratings: Vec<Rating>,
}

#[derive(Default)]
struct Acc {
    advantage: Vec<f64>,
    utility: Vec<f64>,
    agreement: Vec<f64>,
    welfare: Vec<f64>,
    nash: Vec<f64>,
    rounds: Vec<f64>,
}

/// Summarises records of the strategies `labels` (read in the given order;
/// give them in id order for a reproducible summary).
pub fn summarize<I: IntoIterator<Item = Record>>(labels: &[String], records: I, o: &SummaryOptions) -> Summary {
    let m = labels.len();
    let index = |l: &str| labels.iter().position(|x| x == l);
    let mut acc: Vec<Acc> = (0..m).map(|_| Acc::default()).collect();
    let mut diffs: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); m]; m];
    let mut n_records = 0u64;
    for r in records {
        n_records += 1;
        let idx: Vec<Option<usize>> = r.strategies.iter().map(|s| index(s)).collect();
        for (k, s) in idx.iter().enumerate() {
            let Some(s) = *s else { continue };
            let a = &mut acc[s];
            a.advantage.push(r.advantages[k]);
            a.utility.push(r.utilities[k]);
            a.agreement.push(if r.agreement.is_some() { 1.0 } else { 0.0 });
            a.welfare.push(r.welfare);
            if let Some(d) = r.nash_distance {
                a.nash.push(d);
            }
            a.rounds.push(r.rounds as f64);
        }
        for j in 0..idx.len() {
            for k in j + 1..idx.len() {
                let (Some(a), Some(b)) = (idx[j], idx[k]) else { continue };
                if a == b {
                    continue;
                }
                let (lo, hi, d) = if a < b {
                    (a, b, r.advantages[j] - r.advantages[k])
                } else {
                    (b, a, r.advantages[k] - r.advantages[j])
                };
                diffs[lo][hi].push(d);
            }
        }
    }
    let stat = |x: &[f64], seed: u64| Stat {
        n: x.len(),
        mean: mean(x),
        std: std_dev(x),
        ci: bootstrap_mean(x, o.resamples, o.level, seed),
    };
    // Each interval its own stream: (summary seed, strategy, measure).
    let seed_of = |s: usize, measure: u64| crate::negotiation_seed(o.seed, s, measure as usize, 0, 0);
    let mut scores: Vec<StrategyScore> = acc
        .iter()
        .enumerate()
        .map(|(s, a)| StrategyScore {
            strategy: labels[s].clone(),
            negotiations: a.advantage.len(),
            advantage: stat(&a.advantage, seed_of(s, 0)),
            utility: stat(&a.utility, seed_of(s, 1)),
            agreement_rate: stat(&a.agreement, seed_of(s, 2)),
            welfare: stat(&a.welfare, seed_of(s, 3)),
            nash_distance: stat(&a.nash, seed_of(s, 4)),
            rounds: stat(&a.rounds, seed_of(s, 5)),
        })
        .collect();
    scores.sort_by(|x, y| y.advantage.mean.total_cmp(&x.advantage.mean).then_with(|| x.strategy.cmp(&y.strategy)));

    let mut comparisons = Vec::new();
    let mut counts = vec![vec![PairCounts::default(); m]; m];
    for a in 0..m {
        for b in a + 1..m {
            let d = &diffs[a][b];
            if d.is_empty() {
                continue;
            }
            let (pos, n, p) = sign_test(d);
            let c = PairCounts { wins: pos, ties: d.len() as u64 - n, losses: n - pos };
            counts[a][b] = c;
            counts[b][a] = PairCounts { wins: c.losses, ties: c.ties, losses: c.wins };
            comparisons.push(Comparison {
                a: labels[a].clone(),
                b: labels[b].clone(),
                pairs: d.len(),
                mean_difference: mean(d),
                ci: bootstrap_mean(d, o.resamples, o.level, seed_of(a * m + b, 6)),
                a_better: pos,
                decided: n,
                p_value: p,
                p_holm: p,
                wilcoxon: wilcoxon(d).map(|w| WilcoxonTest {
                    n: w.n,
                    w_plus: w.w_plus,
                    statistic: w.statistic,
                    exact: w.exact,
                    p_value: w.p_value,
                    p_holm: w.p_value,
                }),
                t_test: paired_t(d).map(|(t, df, p)| TTest {
                    t: t.is_finite().then_some(t),
                    df,
                    p_value: p,
                    p_holm: p,
                }),
            });
        }
    }
    let adjusted = holm(&comparisons.iter().map(|c| c.p_value).collect::<Vec<_>>());
    for (c, p) in comparisons.iter_mut().zip(adjusted) {
        c.p_holm = p;
    }
    // Each test's family: the comparisons where it is defined.
    let w_p: Vec<f64> = comparisons.iter().filter_map(|c| c.wilcoxon.as_ref().map(|w| w.p_value)).collect();
    let mut w_adj = holm(&w_p).into_iter();
    for w in comparisons.iter_mut().filter_map(|c| c.wilcoxon.as_mut()) {
        w.p_holm = w_adj.next().unwrap_or(w.p_value);
    }
    let t_p: Vec<f64> = comparisons.iter().filter_map(|c| c.t_test.as_ref().map(|t| t.p_value)).collect();
    let mut t_adj = holm(&t_p).into_iter();
    for t in comparisons.iter_mut().filter_map(|c| c.t_test.as_mut()) {
        t.p_holm = t_adj.next().unwrap_or(t.p_value);
    }
    let (bt, intervals) = bradley_terry_bootstrap(&counts, 0.5, o.rating_resamples, o.level, seed_of(m, 7));
    let mut ratings: Vec<Rating> =
        (0..m).map(|s| Rating { strategy: labels[s].clone(), rating: bt[s], ci: intervals[s] }).collect();
    ratings.sort_by(|x, y| y.rating.total_cmp(&x.rating).then_with(|| x.strategy.cmp(&y.strategy)));
    Summary { format: crate::FORMAT.into(), records: n_records, level: o.level, scores, comparisons, ratings }
}

fn ci(c: &Option<Interval>) -> String {
    match c {
        Some(i) => format!("[{:.4}, {:.4}]", i.low, i.high),
        None => "-".into(),
    }
}

impl Summary {
    /// The summary as text tables.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let pct = (self.level * 100.0).round();
        let _ = writeln!(s, "{} records; intervals: {pct}% percentile bootstrap\n", self.records);
        let _ = writeln!(
            s,
            "{:<16} {:>7} {:>9} {:>8} {:>20} {:>9} {:>7} {:>8} {:>8} {:>7}",
            "strategy", "n", "advantage", "std", "ci", "utility", "agree", "welfare", "nash_d", "rounds"
        );
        for r in &self.scores {
            let _ = writeln!(
                s,
                "{:<16} {:>7} {:>9.4} {:>8.4} {:>20} {:>9.4} {:>7.3} {:>8.4} {:>8.4} {:>7.1}",
                r.strategy,
                r.negotiations,
                r.advantage.mean,
                r.advantage.std,
                ci(&r.advantage.ci),
                r.utility.mean,
                r.agreement_rate.mean,
                r.welfare.mean,
                r.nash_distance.mean,
                r.rounds.mean
            );
        }
        if !self.comparisons.is_empty() {
            let _ = writeln!(
                s,
                "\npairwise (advantage a - b in the same negotiation; two-sided p-values: sign test, Wilcoxon \
                 signed-rank, paired t; each Holm-adjusted over the pairs)"
            );
            let _ = writeln!(
                s,
                "{:<16} {:<16} {:>7} {:>9} {:>20} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
                "a",
                "b",
                "pairs",
                "mean",
                "ci",
                "a better",
                "p sign",
                "(Holm)",
                "p Wilcoxon",
                "(Holm)",
                "p t",
                "(Holm)"
            );
            let p = |x: Option<f64>| x.map(|v| format!("{v:.3e}")).unwrap_or_else(|| "-".into());
            for c in &self.comparisons {
                let _ = writeln!(
                    s,
                    "{:<16} {:<16} {:>7} {:>9.4} {:>20} {:>9} {:>10.3e} {:>10.3e} {:>10} {:>10} {:>10} {:>10}",
                    c.a,
                    c.b,
                    c.pairs,
                    c.mean_difference,
                    ci(&c.ci),
                    format!("{}/{}", c.a_better, c.decided),
                    c.p_value,
                    c.p_holm,
                    p(c.wilcoxon.as_ref().map(|w| w.p_value)),
                    p(c.wilcoxon.as_ref().map(|w| w.p_holm)),
                    p(c.t_test.as_ref().map(|t| t.p_value)),
                    p(c.t_test.as_ref().map(|t| t.p_holm)),
                );
            }
        }
        let _ = writeln!(s, "\nBradley-Terry ratings (log-strength, mean 0; a win = higher advantage head to head)");
        for r in &self.ratings {
            let _ = writeln!(s, "{:<16} {:>8.4} {:>20}", r.strategy, r.rating, ci(&r.ci));
        }
        s
    }
}
