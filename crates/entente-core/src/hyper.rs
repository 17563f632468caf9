//! Hyper-rectangle utility functions: the non-linear preferences of ANAC 2014
//! (GENIUS's `NonlinearUtilitySpace`).
//!
//! A *rectangle* constrains some integer issues to inclusive ranges and is
//! worth `utility · weight`:
//!
//! - an inclusive rectangle (GENIUS `INCLUDES`) when the outcome satisfies every
//!   range;
//! - an exclusive rectangle (GENIUS `EXCLUDES`) when the outcome violates at
//!   least one range;
//! - a rectangle without ranges always.
//!
//! A [`RectangleFunction`] (GENIUS `ufun`) aggregates its rectangles, then its
//! nested functions (each times its own weight), by sum, minimum or maximum, in
//! that order. The utility of an outcome is `min(1, f(x) / max_utility)` where
//! `f` is the root function (whose own weight GENIUS does not apply).
//!
//! Every expression follows GENIUS 10.4 operation for operation, so utilities
//! are bit-identical to GENIUS's. The spaces these functions come with (10^10
//! outcomes and more) cannot be enumerated: evaluating single outcomes is cheap.

use crate::error::ModelError;
use crate::space::{IssueKind, OutcomeSpace};
use crate::utility::UtilityFunction;

/// How a [`RectangleFunction`] combines the utilities of its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// The sum (starting from 0).
    Sum,
    /// The minimum (starting from 2^31 − 1, as GENIUS does).
    Min,
    /// The maximum (starting from −(2^31 − 1), as GENIUS does).
    Max,
}

impl Aggregation {
    /// The name used in files: `sum`, `min` or `max`.
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
        }
    }

    /// Parses `sum`, `min` or `max` (any case).
    pub fn from_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sum" => Some(Aggregation::Sum),
            "min" => Some(Aggregation::Min),
            "max" => Some(Aggregation::Max),
            _ => None,
        }
    }

    fn start(self) -> f64 {
        match self {
            Aggregation::Sum => 0.0,
            Aggregation::Min => i32::MAX as f64,
            Aggregation::Max => -(i32::MAX as f64),
        }
    }

    #[inline]
    fn combine(self, acc: f64, u: f64) -> f64 {
        match self {
            Aggregation::Sum => acc + u,
            Aggregation::Min => {
                if acc > u {
                    u
                } else {
                    acc
                }
            }
            Aggregation::Max => {
                if acc < u {
                    u
                } else {
                    acc
                }
            }
        }
    }
}

/// Which outcomes a rectangle rewards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RectangleKind {
    /// Outcomes inside every range (GENIUS `INCLUDES`).
    Inclusive,
    /// Outcomes outside at least one range (GENIUS `EXCLUDES`).
    Exclusive,
}

/// An inclusive range of integer values of one issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// Position of the issue in the outcome space.
    pub issue: usize,
    pub min: i64,
    pub max: i64,
}

/// One hyper-rectangle: its ranges and what it is worth.
#[derive(Clone, Debug, PartialEq)]
pub struct Rectangle {
    pub kind: RectangleKind,
    /// With no bounds the rectangle holds for every outcome, whatever its kind.
    pub bounds: Vec<Bound>,
    pub utility: f64,
    /// GENIUS's rectangle weight (1 when the file gives none).
    pub weight: f64,
}

/// A GENIUS `ufun`: rectangles and nested functions, aggregated.
#[derive(Clone, Debug, PartialEq)]
pub struct RectangleFunction {
    pub aggregation: Aggregation,
    /// Multiplies this function's value where its parent aggregates it (GENIUS
    /// ignores the root's weight).
    pub weight: f64,
    pub rectangles: Vec<Rectangle>,
    pub functions: Vec<RectangleFunction>,
}

/// Non-linear preferences: `U(x) = min(1, f(x) / max_utility)`.
#[derive(Clone, Debug, PartialEq)]
pub struct HyperRectangles {
    max_utility: f64,
    root: RectangleFunction,
    reservation: f64,
    discount: Option<f64>,
    /// For each issue, the integer value of its value index 0.
    origins: Vec<i64>,
}

impl Rectangle {
    #[inline]
    fn value(&self, values: &[u32], origins: &[i64]) -> f64 {
        let inside = |b: &Bound| {
            let v = origins[b.issue] + values[b.issue] as i64;
            !(b.min > v || v > b.max)
        };
        let counts = match self.kind {
            _ if self.bounds.is_empty() => true,
            RectangleKind::Inclusive => self.bounds.iter().all(inside),
            RectangleKind::Exclusive => !self.bounds.iter().all(inside),
        };
        if counts { self.utility * self.weight } else { 0.0 }
    }
}

impl RectangleFunction {
    fn value(&self, values: &[u32], origins: &[i64]) -> f64 {
        let mut acc = self.aggregation.start();
        for r in &self.rectangles {
            acc = self.aggregation.combine(acc, r.value(values, origins));
        }
        for f in &self.functions {
            acc = self.aggregation.combine(acc, f.value(values, origins) * f.weight);
        }
        acc
    }

    fn check(&self, space: &OutcomeSpace, depth: usize) -> Result<(), ModelError> {
        if depth > 64 {
            return Err(ModelError::Utility("hyper-rectangle functions nest more than 64 deep".into()));
        }
        if !self.weight.is_finite() {
            return Err(ModelError::Utility(format!("a function weight must be a finite number, not {}", self.weight)));
        }
        for r in &self.rectangles {
            if !r.utility.is_finite() || !r.weight.is_finite() {
                return Err(ModelError::Utility(format!(
                    "a rectangle's utility and weight must be finite numbers, not {} and {}",
                    r.utility, r.weight
                )));
            }
            for b in &r.bounds {
                let Some(issue) = space.issues().get(b.issue) else {
                    return Err(ModelError::Utility(format!(
                        "a rectangle bounds issue {} of a space with {} issues",
                        b.issue,
                        space.issues().len()
                    )));
                };
                if !matches!(issue.kind, IssueKind::Integer { .. }) {
                    return Err(ModelError::Issue {
                        issue: issue.name.clone(),
                        reason: "hyper-rectangles bound integer issues only".into(),
                    });
                }
            }
        }
        self.functions.iter().try_for_each(|f| f.check(space, depth + 1))
    }
}

impl HyperRectangles {
    /// Builds and checks the function for `space`: every bounded issue must be
    /// an integer issue, `max_utility` a positive number, every number finite.
    pub fn new(
        space: &OutcomeSpace,
        max_utility: f64,
        root: RectangleFunction,
        reservation: f64,
        discount: Option<f64>,
    ) -> Result<Self, ModelError> {
        if !(max_utility.is_finite() && max_utility > 0.0) {
            return Err(ModelError::Utility(format!("maxutility must be a positive number, not {max_utility}")));
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
        root.check(space, 0)?;
        let origins = space
            .issues()
            .iter()
            .map(|i| match i.kind {
                IssueKind::Integer { min, .. } => min,
                _ => 0,
            })
            .collect();
        Ok(HyperRectangles { max_utility, root, reservation, discount, origins })
    }

    pub fn max_utility(&self) -> f64 {
        self.max_utility
    }

    pub fn root(&self) -> &RectangleFunction {
        &self.root
    }

    /// `f(x)`, the aggregated value before dividing by `max_utility`.
    pub fn raw_value(&self, values: &[u32]) -> f64 {
        self.root.value(values, &self.origins)
    }

    /// A copy with another reservation value.
    pub fn with_reservation(mut self, reservation: f64) -> Self {
        self.reservation = reservation;
        self
    }
}

impl UtilityFunction for HyperRectangles {
    #[inline]
    fn utility(&self, values: &[u32]) -> f64 {
        let u = self.raw_value(values) / self.max_utility;
        if u > 1.0 { 1.0 } else { u }
    }

    fn reservation(&self) -> f64 {
        self.reservation
    }

    fn discount(&self) -> Option<f64> {
        self.discount
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Issue;

    fn space() -> OutcomeSpace {
        OutcomeSpace::new((0..3).map(|k| Issue::integer(format!("i{k}"), 0, 9)).collect()).unwrap()
    }

    fn rect(kind: RectangleKind, bounds: &[(usize, i64, i64)], utility: f64) -> Rectangle {
        Rectangle {
            kind,
            bounds: bounds.iter().map(|&(issue, min, max)| Bound { issue, min, max }).collect(),
            utility,
            weight: 1.0,
        }
    }

    #[test]
    fn inclusive_exclusive_and_unbounded_rectangles_sum() {
        let s = space();
        let root = RectangleFunction {
            aggregation: Aggregation::Sum,
            weight: 1.0,
            rectangles: vec![
                rect(RectangleKind::Inclusive, &[(0, 0, 4), (2, 5, 9)], 30.0),
                rect(RectangleKind::Exclusive, &[(1, 3, 6)], 20.0),
                rect(RectangleKind::Inclusive, &[], 5.0),
            ],
            functions: vec![],
        };
        let u = HyperRectangles::new(&s, 50.0, root, 0.75, Some(0.5)).unwrap();
        // inside the first, inside the excluded box (so not rewarded), plus 5
        assert_eq!(u.raw_value(&[2, 4, 7]), (0.0 + 30.0) + 0.0 + 5.0);
        assert_eq!(u.utility(&[2, 4, 7]), 35.0 / 50.0);
        // outside the first, outside the excluded box
        assert_eq!(u.raw_value(&[5, 9, 7]), 0.0 + 20.0 + 5.0);
        // capped at 1
        assert_eq!(u.utility(&[0, 0, 9]), 1.0);
        assert_eq!(u.reservation(), 0.75);
        assert_eq!(u.discount(), Some(0.5));
    }

    #[test]
    fn nested_functions_are_weighted_and_aggregated() {
        let s = space();
        let inner = RectangleFunction {
            aggregation: Aggregation::Max,
            weight: 0.5,
            rectangles: vec![
                rect(RectangleKind::Inclusive, &[(0, 0, 0)], 8.0),
                rect(RectangleKind::Inclusive, &[(1, 0, 0)], 6.0),
            ],
            functions: vec![],
        };
        let root = RectangleFunction {
            aggregation: Aggregation::Min,
            weight: 1.0,
            rectangles: vec![rect(RectangleKind::Inclusive, &[], 10.0)],
            functions: vec![inner],
        };
        let u = HyperRectangles::new(&s, 10.0, root, f64::NEG_INFINITY, None).unwrap();
        assert_eq!(u.raw_value(&[0, 0, 0]), 4.0); // min(10, 0.5 * max(8, 6))
        assert_eq!(u.raw_value(&[1, 0, 0]), 3.0);
        // the inner max starts at -(2^31 - 1): with no rectangle satisfied it is 0
        assert_eq!(u.raw_value(&[1, 1, 0]), 0.0);
    }

    #[test]
    fn bad_functions_are_refused() {
        let s = space();
        let ok =
            RectangleFunction { aggregation: Aggregation::Sum, weight: 1.0, rectangles: vec![], functions: vec![] };
        assert!(HyperRectangles::new(&s, 0.0, ok.clone(), 0.0, None).is_err());
        assert!(HyperRectangles::new(&s, 1.0, ok.clone(), f64::NAN, None).is_err());
        let bad_issue =
            RectangleFunction { rectangles: vec![rect(RectangleKind::Inclusive, &[(7, 0, 1)], 1.0)], ..ok.clone() };
        assert!(HyperRectangles::new(&s, 1.0, bad_issue, 0.0, None).is_err());
        let discrete = OutcomeSpace::new(vec![Issue::discrete("d", ["a", "b"])]).unwrap();
        let on_discrete =
            RectangleFunction { rectangles: vec![rect(RectangleKind::Inclusive, &[(0, 0, 1)], 1.0)], ..ok };
        assert!(HyperRectangles::new(&discrete, 1.0, on_discrete, 0.0, None).is_err());
    }
}
