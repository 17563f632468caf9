//! Utility functions.
//!
//! [`UtilityFunction`] is what a protocol or strategy needs from preferences;
//! [`LinearAdditive`] is the classic `bias + Σ_i w_i · v_i(x_i)`. Non-linear
//! utilities (hyper-rectangles, constraints) implement the same trait.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::hyper::HyperRectangles;
use crate::space::{IssueKind, OutcomeSpace};

/// Preferences over the outcomes of one space.
pub trait UtilityFunction: Send + Sync + std::fmt::Debug {
    /// Utility of the outcome given by its value indices (one per issue).
    fn utility(&self, values: &[u32]) -> f64;

    /// Utility of having no agreement. `f64::NEG_INFINITY` when none is set.
    fn reservation(&self) -> f64;

    /// Discount factor `d` in `(0, 1)`: the utility at relative time `t` is
    /// `u · d^t` (and so is the reservation value). `None`: no discounting.
    fn discount(&self) -> Option<f64> {
        None
    }

    /// Utility at relative time `t` in `[0, 1]`, with the discount applied.
    fn discounted(&self, utility: f64, t: f64) -> f64 {
        match self.discount() {
            Some(d) => utility * d.powf(t),
            None => utility,
        }
    }

    /// Writes the utility of every outcome, in enumeration order, into `out`
    /// (whose length is the space's cardinality).
    fn fill(&self, space: &OutcomeSpace, out: &mut [f64]) {
        let mut i = 0;
        space.for_each_outcome(|v| {
            out[i] = self.utility(v);
            i += 1;
            true
        });
    }

    /// Value indices of the (worst, best) outcomes when the function has a
    /// rule of its own for them (linear additive utilities: NegMAS's, issue by
    /// issue). `None` (the default): the first minimum and first maximum in
    /// enumeration order, which [`UtilityFunction::extremes`] finds by
    /// enumerating the space and [`UtilityTable::new`](crate::UtilityTable::new)
    /// from the utilities it has just tabulated.
    ///
    /// A function whose extreme outcomes differ from that scan overrides this
    /// method, not `extremes`.
    fn own_extremes(&self, _space: &OutcomeSpace) -> Option<(Vec<u32>, Vec<u32>)> {
        None
    }

    /// Value indices of the (worst, best) outcomes.
    ///
    /// The default is [`UtilityFunction::own_extremes`] when the function has
    /// such a rule, else it enumerates the space (first minimum, first maximum).
    fn extremes(&self, space: &OutcomeSpace) -> (Vec<u32>, Vec<u32>) {
        if let Some(e) = self.own_extremes(space) {
            return e;
        }
        let n = space.issues().len();
        let (mut worst, mut best) = (vec![0; n], vec![0; n]);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        space.for_each_outcome(|v| {
            let u = self.utility(v);
            if u < lo {
                lo = u;
                worst.copy_from_slice(v);
            }
            if u > hi {
                hi = u;
                best.copy_from_slice(v);
            }
            true
        });
        (worst, best)
    }
}

/// A party's preferences: a linear additive utility function, hyper-rectangles
/// (ANAC 2014's non-linear profiles), or any other implementation of
/// [`UtilityFunction`]. The named variants can be written back to files.
#[derive(Clone, Debug)]
pub enum Preferences {
    Additive(LinearAdditive),
    Rectangles(HyperRectangles),
    Other(std::sync::Arc<dyn UtilityFunction>),
}

impl Preferences {
    /// The linear additive function, if that is what these preferences are.
    pub fn as_additive(&self) -> Option<&LinearAdditive> {
        match self {
            Preferences::Additive(u) => Some(u),
            _ => None,
        }
    }

    /// The hyper-rectangle function, if that is what these preferences are.
    pub fn as_rectangles(&self) -> Option<&HyperRectangles> {
        match self {
            Preferences::Rectangles(u) => Some(u),
            _ => None,
        }
    }

    fn inner(&self) -> &dyn UtilityFunction {
        match self {
            Preferences::Additive(u) => u,
            Preferences::Rectangles(u) => u,
            Preferences::Other(u) => u.as_ref(),
        }
    }
}

impl From<HyperRectangles> for Preferences {
    fn from(u: HyperRectangles) -> Self {
        Preferences::Rectangles(u)
    }
}

impl From<LinearAdditive> for Preferences {
    fn from(u: LinearAdditive) -> Self {
        Preferences::Additive(u)
    }
}

impl UtilityFunction for Preferences {
    fn utility(&self, values: &[u32]) -> f64 {
        self.inner().utility(values)
    }
    fn reservation(&self) -> f64 {
        self.inner().reservation()
    }
    fn discount(&self) -> Option<f64> {
        self.inner().discount()
    }
    fn fill(&self, space: &OutcomeSpace, out: &mut [f64]) {
        self.inner().fill(space, out)
    }
    fn own_extremes(&self, space: &OutcomeSpace) -> Option<(Vec<u32>, Vec<u32>)> {
        self.inner().own_extremes(space)
    }
    fn extremes(&self, space: &OutcomeSpace) -> (Vec<u32>, Vec<u32>) {
        self.inner().extremes(space)
    }
}

/// Utility of the values of one issue.
///
/// Each numeric variant documents its expression: the order of floating-point
/// operations is part of the contract (the GENIUS and GeniusWeb variants copy
/// the expressions of those platforms, so that utilities read from their files
/// are bit-identical to theirs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueFunction {
    /// One utility per value, in the issue's value order.
    Table(Vec<f64>),
    /// `intercept + slope · x` over the numeric value `x` (integer and real issues).
    Linear { slope: f64, intercept: f64 },
    /// 0 at `start` and `end` (and outside), 1 at `peak`, linear in between
    /// (integer and real issues).
    Triangular { start: f64, peak: f64, end: f64 },
    /// `clamp01(slope · (x − origin) + offset)`, computed exactly in that order
    /// and then clamped to `[0, 1]` (integer and real issues).
    ///
    /// GENIUS's integer evaluator is this with `origin` = the issue's lower
    /// bound; its real `linear` evaluator (`parameter1 · x + parameter0`) is this
    /// with `origin = 0`, `slope = parameter1`, `offset = parameter0`.
    ClampedLinear { slope: f64, origin: f64, offset: f64 },
    /// The same utility for every value (GENIUS's `constant` evaluator).
    Constant { value: f64 },
    /// GENIUS's `triangular` evaluator (`parameter0` = `low`, `parameter1` =
    /// `high`, `parameter2` = `top`): 0 below `low`; `(x − low) / (top − low)`
    /// below `top`; `1 − (x − top) / (high − top)` below `high`; 0 from `high` on.
    /// Not clamped (integer and real issues).
    GeniusTriangular { low: f64, high: f64, top: f64 },
    /// GeniusWeb's `NumberValueSetUtilities`: 0 outside `[low_value, high_value]`,
    /// else `low_utility + (high_utility − low_utility) · (x − low_value) /
    /// (high_value − low_value)` (integer and real issues).
    Interpolated { low_value: f64, low_utility: f64, high_value: f64, high_utility: f64 },
}

/// `x` clamped to `[0, 1]` as GENIUS does it (`if u < 0 then 0 else if u > 1 then 1`).
#[inline]
fn clamp01(u: f64) -> f64 {
    // f64::clamp compares the same way (and keeps -0.0 and NaN as they are).
    u.clamp(0.0, 1.0)
}

impl ValueFunction {
    /// Utility of the numeric value `x` (NaN for a table, which needs an index).
    pub fn eval_numeric(&self, x: f64) -> f64 {
        match *self {
            ValueFunction::Table(_) => f64::NAN,
            ValueFunction::Linear { slope, intercept } => intercept + slope * x,
            ValueFunction::Triangular { start, peak, end } => {
                if x <= start || x >= end {
                    if x == peak { 1.0 } else { 0.0 }
                } else if x <= peak {
                    if peak == start { 1.0 } else { (x - start) / (peak - start) }
                } else if end == peak {
                    1.0
                } else {
                    (end - x) / (end - peak)
                }
            }
            ValueFunction::ClampedLinear { slope, origin, offset } => clamp01(slope * (x - origin) + offset),
            ValueFunction::Constant { value } => value,
            ValueFunction::GeniusTriangular { low, high, top } => {
                if x < low {
                    0.0
                } else if x < top {
                    (x - low) / (top - low)
                } else if x < high {
                    1.0 - (x - top) / (high - top)
                } else {
                    0.0
                }
            }
            ValueFunction::Interpolated { low_value, low_utility, high_value, high_utility } => {
                if x < low_value || x > high_value {
                    0.0
                } else {
                    low_utility + (high_utility - low_utility) * (x - low_value) / (high_value - low_value)
                }
            }
        }
    }

    /// Checks the parameters: finite numbers, and the shape each variant needs.
    pub fn check(&self) -> Result<(), ValueFunctionError> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            ValueFunction::Table(ref t) => match t.iter().find(|x| !x.is_finite()) {
                Some(&value) => Err(ValueFunctionError::TableNotFinite { value }),
                None => Ok(()),
            },
            ValueFunction::Linear { slope, intercept } => {
                if finite(&[slope, intercept]) {
                    Ok(())
                } else {
                    Err(ValueFunctionError::LinearNotFinite)
                }
            }
            ValueFunction::Triangular { start, peak, end } => {
                if finite(&[start, peak, end]) && start <= peak && peak <= end {
                    Ok(())
                } else {
                    Err(ValueFunctionError::TriangularShape { start, peak, end })
                }
            }
            ValueFunction::ClampedLinear { slope, origin, offset } => {
                if finite(&[slope, origin, offset]) {
                    Ok(())
                } else {
                    Err(ValueFunctionError::ClampedLinearNotFinite)
                }
            }
            ValueFunction::Constant { value } => {
                if value.is_finite() {
                    Ok(())
                } else {
                    Err(ValueFunctionError::ConstantNotFinite { value })
                }
            }
            ValueFunction::GeniusTriangular { low, high, top } => {
                if finite(&[low, high, top]) {
                    Ok(())
                } else {
                    Err(ValueFunctionError::GeniusTriangularNotFinite)
                }
            }
            ValueFunction::Interpolated { low_value, low_utility, high_value, high_utility } => {
                if !finite(&[low_value, low_utility, high_value, high_utility]) {
                    Err(ValueFunctionError::InterpolatedNotFinite)
                } else if low_value >= high_value {
                    Err(ValueFunctionError::InterpolatedOrder { low_value, high_value })
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A value function whose parameters do not hold together (see
/// [`ValueFunction::check`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ValueFunctionError {
    #[error("value utilities must be finite numbers, found {value}")]
    TableNotFinite { value: f64 },
    #[error("linear slope and intercept must be finite numbers")]
    LinearNotFinite,
    #[error("triangular needs finite start <= peak <= end")]
    TriangularShape { start: f64, peak: f64, end: f64 },
    #[error("clamped linear slope, origin and offset must be finite numbers")]
    ClampedLinearNotFinite,
    #[error("a constant utility must be a finite number, not {value}")]
    ConstantNotFinite { value: f64 },
    #[error("GENIUS triangular parameters must be finite numbers")]
    GeniusTriangularNotFinite,
    #[error("interpolated values and utilities must be finite numbers")]
    InterpolatedNotFinite,
    #[error("interpolated needs low_value < high_value, not {low_value} and {high_value}")]
    InterpolatedOrder { low_value: f64, high_value: f64 },
}

/// `u(x) = bias + Σ_i w_i · v_i(x_i)`, accumulated from `bias` in issue order
/// (the order of floating-point operations is part of the contract: it is the
/// order NegMAS uses, and results near acceptance thresholds depend on it).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearAdditive {
    bias: f64,
    weights: Vec<f64>,
    functions: Vec<ValueFunction>,
    /// `weighted[k][j] = weights[k] * v_k(j)`: the exact product the sum adds.
    weighted: Vec<Vec<f64>>,
    reservation: f64,
    discount: Option<f64>,
    /// The issues, for issues too large to tabulate.
    issues: Vec<crate::space::Issue>,
}

/// Issues with more values than this keep no materialised table.
const MAX_TABLE_VALUES: u64 = 1 << 24;

impl LinearAdditive {
    /// Builds and checks a linear additive utility function for `space`.
    ///
    /// Errors name the issue and what is wrong: a weight or value utility that
    /// is not a finite number, a table whose length differs from the issue's
    /// value count, a numeric function on a discrete issue.
    pub fn new(
        space: &OutcomeSpace,
        weights: Vec<f64>,
        functions: Vec<ValueFunction>,
        bias: f64,
        reservation: f64,
        discount: Option<f64>,
    ) -> Result<Self, ModelError> {
        let issues = space.issues();
        if weights.len() != issues.len() || functions.len() != issues.len() {
            return Err(ModelError::Utility(format!(
                "{} issues but {} weights and {} value functions",
                issues.len(),
                weights.len(),
                functions.len()
            )));
        }
        if !bias.is_finite() {
            return Err(ModelError::Utility(format!("bias must be a finite number, not {bias}")));
        }
        if reservation.is_nan() || reservation == f64::INFINITY {
            return Err(ModelError::Utility(format!(
                "reservation value must be a number or absent, not {reservation}"
            )));
        }
        if let Some(d) = discount
            && !(d > 0.0 && d <= 1.0)
        {
            return Err(ModelError::Utility(format!("discount factor must be in (0, 1], not {d}")));
        }
        let mut weighted = Vec::with_capacity(issues.len());
        for ((issue, w), f) in issues.iter().zip(&weights).zip(&functions) {
            let err = |reason: String| ModelError::Issue { issue: issue.name.clone(), reason };
            if !w.is_finite() {
                return Err(err(format!("weight must be a finite number, not {w}")));
            }
            let n = issue.cardinality();
            f.check().map_err(|e| err(e.to_string()))?;
            match (f, &issue.kind) {
                (ValueFunction::Table(t), _) if t.len() as u64 != n => {
                    return Err(err(format!("{} value utilities given for {n} values", t.len())));
                }
                (ValueFunction::Table(_) | ValueFunction::Constant { .. }, _) => {}
                (_, IssueKind::Discrete { .. }) => {
                    return Err(err("a discrete issue needs a table of value utilities (or a constant)".into()));
                }
                _ => {}
            }
            let table = if n <= MAX_TABLE_VALUES {
                (0..n as u32).map(|j| w * value_of(f, issue.numeric(j), j)).collect::<Vec<_>>()
            } else {
                Vec::new()
            };
            if let Some(x) = table.iter().find(|x| !x.is_finite()) {
                return Err(err(format!("weighted value utility overflows to {x}")));
            }
            weighted.push(table);
        }
        Ok(LinearAdditive { bias, weights, functions, weighted, reservation, discount, issues: issues.to_vec() })
    }

    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn functions(&self) -> &[ValueFunction] {
        &self.functions
    }

    pub fn bias(&self) -> f64 {
        self.bias
    }

    /// A copy with another reservation value.
    pub fn with_reservation(mut self, reservation: f64) -> Self {
        self.reservation = reservation;
        self
    }

    /// Utility of value `j` of issue `k`, before weighting.
    pub fn value_utility(&self, space: &OutcomeSpace, k: usize, j: u32) -> f64 {
        value_of(&self.functions[k], space.issues()[k].numeric(j), j)
    }

    #[inline]
    fn term(&self, k: usize, j: u32) -> f64 {
        match self.weighted[k].get(j as usize) {
            Some(x) => *x,
            None => self.weights[k] * value_of(&self.functions[k], self.issues[k].numeric(j), j),
        }
    }
}

fn value_of(f: &ValueFunction, numeric: Option<f64>, j: u32) -> f64 {
    match (f, numeric) {
        (ValueFunction::Table(t), _) => t[j as usize],
        (ValueFunction::Constant { value }, _) => *value,
        (f, Some(x)) => f.eval_numeric(x),
        (_, None) => f64::NAN,
    }
}

impl UtilityFunction for LinearAdditive {
    #[inline]
    fn utility(&self, values: &[u32]) -> f64 {
        let mut u = self.bias;
        for (k, &j) in values.iter().enumerate() {
            u += self.term(k, j);
        }
        u
    }

    fn reservation(&self) -> f64 {
        self.reservation
    }

    fn discount(&self) -> Option<f64> {
        self.discount
    }

    /// Prefix sums over the issues: each outcome costs one addition, and the
    /// result is bit-identical to [`UtilityFunction::utility`].
    fn fill(&self, space: &OutcomeSpace, out: &mut [f64]) {
        let radices = space.radices();
        let n = radices.len();
        if self.weighted.iter().any(|t| t.is_empty()) {
            // An issue too large for a table: evaluate outcome by outcome.
            let mut i = 0;
            space.for_each_outcome(|v| {
                out[i] = self.utility(v);
                i += 1;
                true
            });
            return;
        }
        let last = &self.weighted[n - 1];
        let mut prefix = vec![0.0; n];
        let mut cur = vec![0u32; n];
        // prefix[k] = bias + Σ_{i<k} w_i v_i(cur_i)
        prefix[0] = self.bias;
        for k in 1..n {
            prefix[k] = prefix[k - 1] + self.weighted[k - 1][0];
        }
        let mut pos = 0;
        let inner = last.len();
        loop {
            let p = prefix[n - 1];
            for (o, &t) in out[pos..pos + inner].iter_mut().zip(last) {
                *o = p + t;
            }
            pos += inner;
            // advance the odometer over issues 0..n-1
            let mut k = n - 1;
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                cur[k] += 1;
                if cur[k] < radices[k] {
                    break;
                }
                cur[k] = 0;
            }
            for i in k..n - 1 {
                prefix[i + 1] = prefix[i] + self.weighted[i][cur[i] as usize];
            }
        }
    }

    /// NegMAS's rule: per issue, the best value is the *last* index with the
    /// maximal value utility and the worst the *first* with the minimal one;
    /// with a weight that is not positive the two are swapped.
    fn own_extremes(&self, space: &OutcomeSpace) -> Option<(Vec<u32>, Vec<u32>)> {
        let n = self.weights.len();
        let (mut worst, mut best) = (vec![0; n], vec![0; n]);
        for k in 0..n {
            let card = space.radices()[k];
            let (mut imax, mut imin) = (0u32, 0u32);
            let (mut vmax, mut vmin) = (f64::NEG_INFINITY, f64::INFINITY);
            for j in 0..card {
                let v = self.value_utility(space, k, j);
                if v >= vmax {
                    vmax = v;
                    imax = j;
                }
                if v < vmin {
                    vmin = v;
                    imin = j;
                }
            }
            if self.weights[k] > 0.0 {
                best[k] = imax;
                worst[k] = imin;
            } else {
                best[k] = imin;
                worst[k] = imax;
            }
        }
        Some((worst, best))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Issue;

    fn space() -> OutcomeSpace {
        OutcomeSpace::new(vec![
            Issue::discrete("a", ["x", "y", "z"]),
            Issue::integer("b", 0, 3),
            Issue::real("c", 0.0, 1.0, 3),
        ])
        .unwrap()
    }

    fn ufun(s: &OutcomeSpace) -> LinearAdditive {
        LinearAdditive::new(
            s,
            vec![0.5, 0.3, 0.2],
            vec![
                ValueFunction::Table(vec![0.1, 1.0, 0.4]),
                ValueFunction::Linear { slope: 1.0 / 3.0, intercept: 0.0 },
                ValueFunction::Triangular { start: 0.0, peak: 0.5, end: 1.0 },
            ],
            0.05,
            0.2,
            None,
        )
        .unwrap()
    }

    #[test]
    fn utility_is_bias_plus_weighted_values_left_to_right() {
        let s = space();
        let u = ufun(&s);
        // hand computed: a=y (1.0), b=3 (1.0), c=0.5 (1.0)
        let expected = ((0.05 + 0.5 * 1.0) + 0.3 * (1.0 / 3.0 * 3.0)) + 0.2 * 1.0;
        assert_eq!(u.utility(&[1, 3, 1]), expected);
        assert_eq!(u.utility(&[0, 0, 0]), ((0.05 + 0.5 * 0.1) + 0.3 * 0.0) + 0.2 * 0.0);
    }

    #[test]
    fn fill_is_bit_identical_to_utility() {
        let s = space();
        let u = ufun(&s);
        let mut table = vec![0.0; 36];
        u.fill(&s, &mut table);
        let mut i = 0;
        s.for_each_outcome(|v| {
            assert_eq!(table[i].to_bits(), u.utility(v).to_bits(), "outcome {v:?}");
            i += 1;
            true
        });
    }

    #[test]
    fn extremes_follow_the_negmas_rule() {
        let s = OutcomeSpace::new(vec![Issue::discrete("a", ["p", "q", "r", "s"])]).unwrap();
        let t = vec![0.2, 0.9, 0.2, 0.9];
        let pos = LinearAdditive::new(&s, vec![1.0], vec![ValueFunction::Table(t.clone())], 0.0, 0.0, None).unwrap();
        // best: last maximum (3); worst: first minimum (0)
        assert_eq!(pos.extremes(&s), (vec![0], vec![3]));
        let neg = LinearAdditive::new(&s, vec![-1.0], vec![ValueFunction::Table(t)], 0.0, 0.0, None).unwrap();
        assert_eq!(neg.extremes(&s), (vec![3], vec![0]));
    }

    #[test]
    fn invalid_inputs_are_named() {
        let s = space();
        let bad_table = LinearAdditive::new(
            &s,
            vec![0.5, 0.3, 0.2],
            vec![
                ValueFunction::Table(vec![0.1, 1.0]),
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
            ],
            0.0,
            0.0,
            None,
        );
        assert!(matches!(bad_table, Err(ModelError::Issue { ref issue, .. }) if issue == "a"));
        let nan_weight = LinearAdditive::new(
            &s,
            vec![f64::NAN, 0.3, 0.2],
            vec![
                ValueFunction::Table(vec![0.1, 1.0, 0.3]),
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
            ],
            0.0,
            0.0,
            None,
        );
        assert!(nan_weight.is_err());
        let numeric_on_discrete = LinearAdditive::new(
            &s,
            vec![0.5, 0.3, 0.2],
            vec![
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
            ],
            0.0,
            0.0,
            None,
        );
        assert!(numeric_on_discrete.is_err());
        let huge = LinearAdditive::new(
            &s,
            vec![f64::MAX, 0.3, 0.2],
            vec![
                ValueFunction::Table(vec![2.0, 1.0, 0.3]),
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 1.0, intercept: 0.0 },
            ],
            0.0,
            0.0,
            None,
        );
        assert!(huge.is_err(), "w * v overflowing to infinity must be refused");
    }

    #[test]
    fn discount_applies_to_utility() {
        let s = space();
        let u = LinearAdditive::new(
            &s,
            vec![1.0, 0.0, 0.0],
            vec![
                ValueFunction::Table(vec![0.0, 1.0, 0.5]),
                ValueFunction::Linear { slope: 0.0, intercept: 0.0 },
                ValueFunction::Linear { slope: 0.0, intercept: 0.0 },
            ],
            0.0,
            0.0,
            Some(0.5),
        )
        .unwrap();
        assert_eq!(u.discounted(1.0, 1.0), 0.5);
        assert_eq!(u.discounted(1.0, 0.0), 1.0);
        assert!(LinearAdditive::new(&s, vec![1.0, 0.0, 0.0], u.functions().to_vec(), 0.0, 0.0, Some(1.5)).is_err());
    }

    #[test]
    fn genius_and_geniusweb_value_functions_follow_their_expressions() {
        // GENIUS integer evaluator: clamp01(slope * (x - lower) + offset)
        let f = ValueFunction::ClampedLinear { slope: 0.08, origin: -5.0, offset: 0.3 };
        assert_eq!(f.eval_numeric(-5.0), 0.3);
        assert_eq!(f.eval_numeric(0.0), 0.08 * 5.0 + 0.3);
        assert_eq!(f.eval_numeric(5.0), 1.0, "1.1 is clamped");
        let g = ValueFunction::ClampedLinear { slope: -0.15, origin: 8.0, offset: 1.0 };
        assert_eq!(g.eval_numeric(14.0), -0.15 * (14.0 - 8.0) + 1.0);
        assert_eq!(ValueFunction::ClampedLinear { slope: -1.0, origin: 0.0, offset: 0.5 }.eval_numeric(1.0), 0.0);
        // GENIUS triangular (parameter0 = low, parameter1 = high, parameter2 = top)
        let t = ValueFunction::GeniusTriangular { low: 0.0, high: 1.0, top: 0.5 };
        assert_eq!(t.eval_numeric(-0.1), 0.0);
        assert_eq!(t.eval_numeric(0.0), 0.0);
        assert_eq!(t.eval_numeric(0.25), 0.5);
        assert_eq!(t.eval_numeric(0.5), 1.0);
        assert_eq!(t.eval_numeric(0.7), 1.0 - (0.7 - 0.5) / (1.0 - 0.5));
        assert_eq!(t.eval_numeric(1.0), 0.0);
        // a top at the upper end is never reached: GENIUS gives 0 there
        let edge = ValueFunction::GeniusTriangular { low: 0.0, high: 1.0, top: 1.0 };
        assert_eq!(edge.eval_numeric(1.0), 0.0);
        assert_eq!(ValueFunction::Constant { value: 0.3 }.eval_numeric(7.0), 0.3);
        // GeniusWeb number utilities: 0 outside the range
        let w = ValueFunction::Interpolated { low_value: 1.0, low_utility: 0.2, high_value: 3.0, high_utility: 1.0 };
        assert_eq!(w.eval_numeric(0.5), 0.0);
        assert_eq!(w.eval_numeric(2.0), 0.2 + (1.0 - 0.2) * (2.0 - 1.0) / (3.0 - 1.0));
        assert_eq!(w.eval_numeric(3.5), 0.0);
    }

    #[test]
    fn constants_fit_any_issue_and_bad_parameters_are_refused() {
        let s = space();
        let u = LinearAdditive::new(
            &s,
            vec![0.5, 0.3, 0.2],
            vec![
                ValueFunction::Constant { value: 0.4 },
                ValueFunction::ClampedLinear { slope: 1.0 / 3.0, origin: 0.0, offset: 0.0 },
                ValueFunction::GeniusTriangular { low: 0.0, high: 1.0, top: 0.5 },
            ],
            0.0,
            0.0,
            None,
        )
        .unwrap();
        assert_eq!(u.utility(&[2, 3, 1]), ((0.0 + 0.5 * 0.4) + 0.3 * (1.0 / 3.0 * 3.0)) + 0.2 * 1.0);
        let bad = |f: ValueFunction| {
            LinearAdditive::new(
                &s,
                vec![0.5, 0.3, 0.2],
                vec![ValueFunction::Table(vec![0.0, 0.5, 1.0]), f, ValueFunction::Constant { value: 0.0 }],
                0.0,
                0.0,
                None,
            )
            .is_err()
        };
        assert!(bad(ValueFunction::Interpolated {
            low_value: 1.0,
            low_utility: 0.0,
            high_value: 1.0,
            high_utility: 1.0
        }));
        assert!(bad(ValueFunction::ClampedLinear { slope: f64::NAN, origin: 0.0, offset: 0.0 }));
        assert!(bad(ValueFunction::Constant { value: f64::INFINITY }));
        assert!(bad(ValueFunction::GeniusTriangular { low: 0.0, high: f64::INFINITY, top: 0.5 }));
    }
}
