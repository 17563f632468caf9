//! The statistics of a tournament's summary: means and spreads, seeded
//! percentile-bootstrap intervals, the exact two-sided sign test, Holm's
//! correction, and Bradley–Terry strengths fitted by Hunter's MM algorithm.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Arithmetic mean (`NaN` for no data).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() { f64::NAN } else { x.iter().sum::<f64>() / x.len() as f64 }
}

/// Sample standard deviation (`n − 1` in the denominator; 0 for one value,
/// `NaN` for none).
pub fn std_dev(x: &[f64]) -> f64 {
    match x.len() {
        0 => f64::NAN,
        1 => 0.0,
        n => {
            let m = mean(x);
            (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
        }
    }
}

/// A confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The `q`-quantile of sorted data, by linear interpolation between order
/// statistics (numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Above this many draws (`n × resamples`), [`bootstrap_mean`] uses the
/// normal approximation, which the bootstrap distribution of a mean of that
/// many values matches anyway: the summary stays fast on millions of records.
pub const BOOTSTRAP_BUDGET: usize = 20_000_000;

/// Standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.38357751867269e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Percentile-bootstrap interval at level `level` (e.g. 0.95) of the mean
/// of `x`, from `resamples` resamples drawn with a ChaCha8 stream seeded by
/// `seed`; beyond [`BOOTSTRAP_BUDGET`] draws, the normal interval
/// `mean ± z · sd / √n`.
pub fn bootstrap_mean(x: &[f64], resamples: usize, level: f64, seed: u64) -> Option<Interval> {
    if x.is_empty() || resamples == 0 {
        return None;
    }
    if x.len().saturating_mul(resamples) > BOOTSTRAP_BUDGET {
        let (m, half) = (mean(x), normal_quantile(0.5 + level / 2.0) * std_dev(x) / (x.len() as f64).sqrt());
        return Some(Interval { low: m - half, high: m + half });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = x.len();
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut s = 0.0;
            for _ in 0..n {
                s += x[rng.random_range(0..n)];
            }
            s / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some(Interval { low: quantile_sorted(&means, a), high: quantile_sorted(&means, 1.0 - a) })
}

/// The exact two-sided sign test of paired differences: under the null each
/// non-zero difference is positive with probability ½; zeros are dropped.
/// Returns `(positives, non-zero count, p-value)`.
pub fn sign_test(diffs: &[f64]) -> (u64, u64, f64) {
    let pos = diffs.iter().filter(|&&d| d > 0.0).count() as u64;
    let n = diffs.iter().filter(|&&d| d != 0.0 && !d.is_nan()).count() as u64;
    if n == 0 {
        return (0, 0, 1.0);
    }
    let k = pos.min(n - pos);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space.
    let mut log_pmf = n as f64 * 0.5f64.ln();
    let mut terms = Vec::with_capacity(k as usize + 1);
    for j in 0..=k {
        terms.push(log_pmf);
        log_pmf += ((n - j) as f64).ln() - ((j + 1) as f64).ln();
    }
    let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let cdf = m.exp() * terms.iter().map(|t| (t - m).exp()).sum::<f64>();
    (pos, n, (2.0 * cdf).min(1.0))
}

/// Holm's step-down adjustment of `p` (same order as given).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// Bradley–Terry log-strengths (centred to mean 0) from a matrix of wins:
/// `wins[i][j]` is how often `i` beat `j` (ties count ½ to each). Every pair
/// that met gets `prior` extra wins each way, so that the fit exists even
/// when one strategy always wins. Fitted by Hunter's (2004) MM iteration.
pub fn bradley_terry(wins: &[Vec<f64>], prior: f64) -> Vec<f64> {
    let m = wins.len();
    let games = |i: usize, j: usize| wins[i][j] + wins[j][i];
    let w: Vec<Vec<f64>> = (0..m)
        .map(|i| (0..m).map(|j| if i != j && games(i, j) > 0.0 { wins[i][j] + prior } else { 0.0 }).collect())
        .collect();
    let mut p = vec![1.0; m];
    for _ in 0..10_000 {
        let mut next = vec![0.0; m];
        for i in 0..m {
            let total_wins: f64 = w[i].iter().sum();
            let denom: f64 =
                (0..m).filter(|&j| j != i).map(|j| (w[i][j] + w[j][i]) / (p[i] + p[j])).filter(|x| *x > 0.0).sum();
            next[i] = if denom > 0.0 { total_wins / denom } else { p[i] };
        }
        // Normalise to geometric mean 1.
        let g = (next.iter().map(|x| x.ln()).sum::<f64>() / m as f64).exp();
        next.iter_mut().for_each(|x| *x /= g);
        let change = next.iter().zip(&p).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        p = next;
        if change < 1e-12 {
            break;
        }
    }
    p.iter().map(|x| x.ln()).collect()
}

/// Head-to-head results of one pair, as counts of scores 1, ½ and 0 for the
/// first strategy of the pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairCounts {
    pub wins: u64,
    pub ties: u64,
    pub losses: u64,
}

/// Bradley–Terry log-strengths with percentile-bootstrap intervals: each
/// resample redraws every pair's games (with replacement) from its observed
/// wins, ties and losses.
pub fn bradley_terry_bootstrap(
    pairs: &[Vec<PairCounts>],
    prior: f64,
    resamples: usize,
    level: f64,
    seed: u64,
) -> (Vec<f64>, Vec<Option<Interval>>) {
    let m = pairs.len();
    let to_wins = |c: &dyn Fn(usize, usize) -> PairCounts| -> Vec<Vec<f64>> {
        (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| {
                        if i == j {
                            return 0.0;
                        }
                        let pc = c(i, j);
                        pc.wins as f64 + 0.5 * pc.ties as f64
                    })
                    .collect()
            })
            .collect()
    };
    let point = bradley_terry(&to_wins(&|i, j| pairs[i][j]), prior);
    if resamples == 0 {
        return (point, vec![None; m]);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); m];
    for _ in 0..resamples {
        // Resample the upper triangle; the lower one mirrors it.
        let mut sample = vec![vec![PairCounts::default(); m]; m];
        for i in 0..m {
            for j in i + 1..m {
                let c = pairs[i][j];
                let n = c.wins + c.ties + c.losses;
                let mut r = PairCounts::default();
                if n > 2000 {
                    // The multinomial by its normal approximation (wins, then
                    // ties among the rest), rounded and clamped.
                    let mut normal = || {
                        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
                        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
                    };
                    let mut draw = |k: u64, p: f64| -> u64 {
                        let sd = (k as f64 * p * (1.0 - p)).sqrt();
                        (k as f64 * p + sd * normal()).round().clamp(0.0, k as f64) as u64
                    };
                    r.wins = draw(n, c.wins as f64 / n as f64);
                    let rest = n - r.wins;
                    let others = c.ties + c.losses;
                    r.ties = if others == 0 { 0 } else { draw(rest, c.ties as f64 / others as f64) };
                    r.losses = rest - r.ties;
                    sample[i][j] = r;
                    sample[j][i] = PairCounts { wins: r.losses, ties: r.ties, losses: r.wins };
                    continue;
                }
                for _ in 0..n {
                    let x = rng.random_range(0..n);
                    if x < c.wins {
                        r.wins += 1;
                    } else if x < c.wins + c.ties {
                        r.ties += 1;
                    } else {
                        r.losses += 1;
                    }
                }
                sample[i][j] = r;
                sample[j][i] = PairCounts { wins: r.losses, ties: r.ties, losses: r.wins };
            }
        }
        let fit = bradley_terry(&to_wins(&|i, j| sample[i][j]), prior);
        for (d, v) in draws.iter_mut().zip(fit) {
            d.push(v);
        }
    }
    let a = (1.0 - level) / 2.0;
    let intervals = draws
        .into_iter()
        .map(|mut d| {
            d.sort_by(f64::total_cmp);
            Some(Interval { low: quantile_sorted(&d, a), high: quantile_sorted(&d, 1.0 - a) })
        })
        .collect();
    (point, intervals)
}

/// Wilson's score interval at level `level` (e.g. 0.95) of a proportion of
/// `k` successes in `n` trials: `(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`.
/// Exactly 0 below with no success and exactly 1 above with no failure.
/// `None` for `n = 0`.
pub fn wilson(k: u64, n: u64, level: f64) -> Option<Interval> {
    if n == 0 || k > n {
        return None;
    }
    let z = normal_quantile(0.5 + level / 2.0);
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let low = if k == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if k == n { 1.0 } else { (centre + half).min(1.0) };
    Some(Interval { low, high })
}

/// `ln Γ(x)` for `x > 0`: Stirling's series from `x ≥ 15`, shifted there by
/// the recurrence `Γ(x) = Γ(x + 1)/x` below (relative error about 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    let mut shift = 0.0;
    let mut x = x;
    let mut product = 1.0;
    while x < 15.0 {
        product *= x;
        x += 1.0;
    }
    shift += product.ln();
    let x2 = x * x;
    // Bernoulli terms B_2k / (2k (2k − 1) x^(2k − 1)), k = 1..6.
    let inv = 1.0 / x;
    let inv2 = 1.0 / x2;
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0 + inv2 * (-1.0 / 1680.0 + inv2 * (1.0 / 1188.0 - inv2 * 691.0 / 360_360.0)))));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

/// The regularized incomplete beta function `I_x(a, b)`, by its continued
/// fraction (modified Lentz), using the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)`
/// where the fraction converges faster.
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..100_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The standard normal distribution function `Φ(x)`, through
/// `Φ(x) = I_{x²/(1+x²)}`-free form: `Φ(−|x|) = ½·Q(½, x²/2)`, the upper
/// regularized incomplete gamma function by its series or continued fraction.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let tail = 0.5 * upper_gamma_half(0.5 * x * x);
    if x < 0.0 { tail } else { 1.0 - tail }
}

/// `Q(½, y)` = `erfc(√y)`.
fn upper_gamma_half(y: f64) -> f64 {
    let a = 0.5;
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = -y + a * y.ln() - ln_gamma(a);
    if y < a + 1.0 {
        // Series of P(a, y).
        let (mut ap, mut del) = (a, 1.0 / a);
        let mut sum = del;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= y / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * ln_front.exp()
    } else {
        // Continued fraction of Q(a, y) (modified Lentz).
        const TINY: f64 = 1e-300;
        let mut b = y + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        ln_front.exp() * h
    }
}

/// Two-sided p-value of Student's t with `df` degrees of freedom:
/// `I_{df/(df+t²)}(df/2, ½)`.
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// The paired t-test of differences `d` (two-sided): `t = mean/(sd/√n)` with
/// `n − 1` degrees of freedom. Returns `(t, df, p)`; with fewer than two
/// differences `None`. Differences all equal: `t = ±∞, p = 0`, or, all zero,
/// `t = 0, p = 1` (scipy returns NaN there).
pub fn paired_t(d: &[f64]) -> Option<(f64, f64, f64)> {
    let n = d.len();
    if n < 2 {
        return None;
    }
    let (m, sd) = (mean(d), std_dev(d));
    let df = (n - 1) as f64;
    if sd == 0.0 {
        return Some(if m == 0.0 { (0.0, df, 1.0) } else { (m.signum() * f64::INFINITY, df, 0.0) });
    }
    let t = m / (sd / (n as f64).sqrt());
    Some((t, df, student_t_two_sided(t, df)))
}

/// The result of [`wilcoxon`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Non-zero differences (zeros are dropped, Wilcoxon's convention).
    pub n: u64,
    /// Sum of the ranks of the positive differences.
    pub w_plus: f64,
    /// `min(W+, W−)`, scipy's two-sided statistic.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Whether `p_value` is exact (n ≤ 50 and no tied magnitudes) or the normal approximation.
    pub exact: bool,
}

/// Wilcoxon's signed-rank test of paired differences, two-sided. Zeros are
/// dropped; magnitudes are ranked with average ranks for ties. The p-value is
/// exact (the distribution of `W+` over the `2^n` sign patterns) for `n ≤ 50`
/// without ties, otherwise normal with the tie correction of the variance and
/// no continuity correction (scipy's `method="approx"`). `None` without a
/// non-zero difference.
pub fn wilcoxon(d: &[f64]) -> Option<Wilcoxon> {
    let mut nz: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0 && !x.is_nan()).collect();
    let n = nz.len();
    if n == 0 {
        return None;
    }
    nz.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let mut ranks = vec![0.0; n];
    let mut ties = false;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && nz[j].abs() == nz[i].abs() {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        ranks[i..j].iter_mut().for_each(|r| *r = avg);
        let t = (j - i) as f64;
        if j - i > 1 {
            ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    let w_plus: f64 = nz.iter().zip(&ranks).filter(|(x, _)| **x > 0.0).map(|(_, r)| r).sum();
    let total = (n * (n + 1)) as f64 / 2.0;
    let statistic = w_plus.min(total - w_plus);
    let nf = n as f64;
    let (p_value, exact) = if n <= 50 && !ties {
        // counts[s]: sign patterns with W+ = s (exact in f64 below 2^53).
        let max = n * (n + 1) / 2;
        let mut counts = vec![0.0f64; max + 1];
        counts[0] = 1.0;
        for k in 1..=n {
            for s in (k..=max).rev() {
                counts[s] += counts[s - k];
            }
        }
        let below: f64 = counts[..=statistic as usize].iter().sum();
        ((2.0 * below / 2f64.powi(n as i32)).min(1.0), true)
    } else {
        let mean = nf * (nf + 1.0) / 4.0;
        let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
        if var <= 0.0 {
            (1.0, false)
        } else {
            let z = (statistic - mean) / var.sqrt();
            ((2.0 * normal_cdf(-z.abs())).min(1.0), false)
        }
    };
    Some(Wilcoxon { n: n as u64, w_plus, statistic, p_value, exact })
}
