//! Axes: the range a panel shows and its ticks.

/// One axis: its data range and ticks.
#[derive(Clone, Debug)]
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) decimals: usize,
}

impl Axis {
    /// An axis covering `[min, max]`, padded by 3% on each side. Utilities that look normalised (all within
    /// [-0.25, 1.25]) get at least [0, 1]; others their own range (and a unit around a single value).
    pub(super) fn covering(min: f64, max: f64, target_ticks: usize) -> Axis {
        let (min, max) = if min.is_nan() || max.is_nan() || min > max {
            (0.0, 1.0) // no data
        } else if min >= -0.25 && max <= 1.25 {
            (min.min(0.0), max.max(1.0))
        } else if max - min < 1e-9 * max.abs().max(1.0) {
            let half = 0.5 * (max.abs() * 0.1).max(1.0);
            (min - half, max + half)
        } else {
            (min, max)
        };
        let pad = (max - min) * 0.03;
        let (lo, hi) = (min - pad, max + pad);
        let (ticks, decimals) = nice_ticks(min, max, target_ticks);
        Axis { lo, hi, ticks, decimals }
    }

    /// A tick label: fixed-point with the axis's decimals; scientific (as many digits as the step needs) for
    /// very large or very fine scales.
    pub(super) fn label(&self, v: f64) -> String {
        let largest = self.lo.abs().max(self.hi.abs());
        if largest >= 1e7 || self.decimals > 6 {
            if v == 0.0 {
                return "0".into();
            }
            let step = match self.ticks.as_slice() {
                [a, b, ..] => (b - a).abs(),
                _ => largest,
            };
            let digits = (largest.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
            format!("{v:.digits$e}")
        } else {
            format!("{:.*}", self.decimals, v)
        }
    }
}

/// Ticks at multiples of 1, 2 or 5 × 10^k between `lo` and `hi`, about `target` of them (the step nearest to
/// span/target on a log scale), and the number of decimals that shows each one exactly.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return (vec![lo], 1);
    }
    let raw = span / target.max(2) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let distance = |m: f64| (m * mag / raw).ln().abs();
    let mult = [1.0, 2.0, 5.0, 10.0].into_iter().min_by(|a, b| distance(*a).total_cmp(&distance(*b))).unwrap_or(1.0);
    let step = mult * mag;
    let decimals = ((-(step.log10().floor())).max(0.0) as usize).min(12);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if !step.is_normal() || last.saturating_sub(first) > 100 {
        // Beyond f64's resolution (e.g. a span tiny next to the values): the ends only.
        return (vec![lo, hi], decimals);
    }
    let ticks = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect();
    (ticks, decimals)
}
