//! Issues and outcome spaces.
//!
//! An outcome assigns one value to every issue. Values are addressed by their
//! position in the issue (a *value index*), and a whole outcome by a single
//! mixed-radix [`OutcomeIndex`]: the last issue varies fastest, which is the
//! enumeration order of `itertools.product` and therefore of NegMAS.
//!
//! Counts are `u128` with checked arithmetic: a space of 10^30 outcomes is
//! representable and addressable; a space beyond `u128` is refused at
//! construction, never wrapped silently.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// Position of an outcome in the mixed-radix enumeration of its space.
pub type OutcomeIndex = u128;

/// Largest number of values a single issue may have.
///
/// Value indices are `u32`, which keeps outcomes compact; an issue with more
/// values than this cannot be negotiated value by value anyway.
pub const MAX_ISSUE_VALUES: u64 = u32::MAX as u64;

/// What an issue ranges over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Named values, in the order given (that order is the enumeration order).
    Discrete { values: Vec<String> },
    /// Every integer from `min` to `max`, both included.
    Integer { min: i64, max: i64 },
    /// A bounded real interval, negotiated over `steps` evenly spaced points
    /// from `min` to `max`, both included (`steps >= 2`, or 1 when `min == max`).
    Real { min: f64, max: f64, steps: u32 },
}

/// One negotiated issue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub name: String,
    pub kind: IssueKind,
}

/// The value of an issue in an outcome, as a user would write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Real(f64),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Real(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

impl Issue {
    /// A discrete issue with the given named values.
    pub fn discrete<S: Into<String>>(name: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        Issue { name: name.into(), kind: IssueKind::Discrete { values: values.into_iter().map(Into::into).collect() } }
    }

    /// An integer issue over `min..=max`.
    pub fn integer(name: impl Into<String>, min: i64, max: i64) -> Self {
        Issue { name: name.into(), kind: IssueKind::Integer { min, max } }
    }

    /// A real issue over `[min, max]`, discretised into `steps` points.
    pub fn real(name: impl Into<String>, min: f64, max: f64, steps: u32) -> Self {
        Issue { name: name.into(), kind: IssueKind::Real { min, max, steps } }
    }

    /// Checks the issue and returns its number of values.
    pub fn validate(&self) -> Result<u64, ModelError> {
        let bad = |reason: String| ModelError::Issue { issue: self.name.clone(), reason };
        if self.name.trim().is_empty() {
            return Err(ModelError::Issue {
                issue: self.name.clone(),
                reason: "an issue needs a non-empty name".into(),
            });
        }
        let n = match &self.kind {
            IssueKind::Discrete { values } => {
                if values.is_empty() {
                    return Err(bad("a discrete issue needs at least one value".into()));
                }
                let mut seen = std::collections::HashSet::with_capacity(values.len());
                for v in values {
                    if !seen.insert(v.as_str()) {
                        return Err(bad(format!("value {v:?} is listed twice")));
                    }
                }
                values.len() as u64
            }
            IssueKind::Integer { min, max } => {
                if min > max {
                    return Err(bad(format!("min {min} is above max {max}")));
                }
                // i128 avoids overflow for the full i64 range.
                let n = (*max as i128 - *min as i128 + 1) as u128;
                if n > MAX_ISSUE_VALUES as u128 {
                    return Err(bad(format!("{n} values is more than the {MAX_ISSUE_VALUES} an issue may have")));
                }
                n as u64
            }
            IssueKind::Real { min, max, steps } => {
                if !min.is_finite() || !max.is_finite() {
                    return Err(bad("real bounds must be finite numbers".into()));
                }
                if min > max {
                    return Err(bad(format!("min {min} is above max {max}")));
                }
                if *steps == 0 {
                    return Err(bad("a real issue needs steps >= 1 (its discretisation)".into()));
                }
                if *steps == 1 && min != max {
                    return Err(bad("steps = 1 only fits a real issue with min == max".into()));
                }
                *steps as u64
            }
        };
        Ok(n)
    }

    /// Number of values (assumes a validated issue).
    pub fn cardinality(&self) -> u64 {
        match &self.kind {
            IssueKind::Discrete { values } => values.len() as u64,
            IssueKind::Integer { min, max } => (*max as i128 - *min as i128 + 1) as u64,
            IssueKind::Real { steps, .. } => *steps as u64,
        }
    }

    /// The numeric value at a value index, for integer and real issues.
    pub fn numeric(&self, index: u32) -> Option<f64> {
        match &self.kind {
            IssueKind::Discrete { .. } => None,
            IssueKind::Integer { min, .. } => Some((*min as i128 + index as i128) as f64),
            IssueKind::Real { min, max, steps } => Some(real_point(*min, *max, *steps, index)),
        }
    }

    /// The value at a value index.
    pub fn value(&self, index: u32) -> Option<Value> {
        if index as u64 >= self.cardinality() {
            return None;
        }
        Some(match &self.kind {
            IssueKind::Discrete { values } => Value::Text(values[index as usize].clone()),
            IssueKind::Integer { min, .. } => Value::Int((*min as i128 + index as i128) as i64),
            IssueKind::Real { min, max, steps } => Value::Real(real_point(*min, *max, *steps, index)),
        })
    }

    /// The value index of a value, if the issue has it.
    ///
    /// Discrete issues match the text exactly; integer issues accept integers
    /// (and integral reals); real issues accept the exact grid points (within
    /// 1e-9 of the step).
    pub fn index_of(&self, value: &Value) -> Option<u32> {
        match (&self.kind, value) {
            (IssueKind::Discrete { values }, Value::Text(s)) => values.iter().position(|v| v == s).map(|p| p as u32),
            (IssueKind::Discrete { values }, other) => {
                let s = other.to_string();
                values.iter().position(|v| *v == s).map(|p| p as u32)
            }
            (IssueKind::Integer { min, max }, Value::Int(i)) => {
                (*min..=*max).contains(i).then(|| (*i as i128 - *min as i128) as u32)
            }
            (IssueKind::Integer { .. }, Value::Real(x)) if x.fract() == 0.0 && x.is_finite() => {
                self.index_of(&Value::Int(*x as i64))
            }
            (IssueKind::Integer { .. }, Value::Text(s)) => {
                s.trim().parse::<i64>().ok().and_then(|i| self.index_of(&Value::Int(i)))
            }
            (IssueKind::Real { min, max, steps }, v) => {
                let x = match v {
                    Value::Real(x) => *x,
                    Value::Int(i) => *i as f64,
                    Value::Text(s) => s.trim().parse::<f64>().ok()?,
                };
                if !x.is_finite() || *steps == 0 {
                    return None;
                }
                if *steps == 1 {
                    return ((x - min).abs() <= 1e-9).then_some(0);
                }
                let step = (max - min) / (*steps as f64 - 1.0);
                let k = ((x - min) / step).round();
                if k < 0.0 || k >= *steps as f64 {
                    return None;
                }
                let k = k as u32;
                ((real_point(*min, *max, *steps, k) - x).abs() <= 1e-9 * step.max(1.0)).then_some(k)
            }
            _ => None,
        }
    }
}

/// The k-th of `steps` evenly spaced points of `[min, max]`; the last is exactly `max`.
fn real_point(min: f64, max: f64, steps: u32, k: u32) -> f64 {
    if steps <= 1 {
        return min;
    }
    if k + 1 == steps {
        return max;
    }
    min + (max - min) * (k as f64) / ((steps - 1) as f64)
}

/// A validated set of issues with its mixed-radix addressing.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeSpace {
    issues: Vec<Issue>,
    radices: Vec<u32>,
    strides: Vec<u128>,
    cardinality: u128,
}

impl OutcomeSpace {
    /// Validates the issues: at least one, unique non-empty names, every issue
    /// non-empty, and a total count that fits in `u128`.
    pub fn new(issues: Vec<Issue>) -> Result<Self, ModelError> {
        if issues.is_empty() {
            return Err(ModelError::EmptySpace);
        }
        let mut names = std::collections::HashSet::new();
        let mut radices = Vec::with_capacity(issues.len());
        for issue in &issues {
            if !names.insert(issue.name.as_str()) {
                return Err(ModelError::Issue {
                    issue: issue.name.clone(),
                    reason: "two issues have this name".into(),
                });
            }
            radices.push(issue.validate()? as u32);
        }
        let mut strides = vec![0u128; issues.len()];
        let mut acc: u128 = 1;
        for k in (0..issues.len()).rev() {
            strides[k] = acc;
            acc = acc.checked_mul(radices[k] as u128).ok_or(ModelError::TooLarge)?;
        }
        Ok(OutcomeSpace { issues, radices, strides, cardinality: acc })
    }

    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Number of values of each issue.
    pub fn radices(&self) -> &[u32] {
        &self.radices
    }

    /// Number of outcomes.
    pub fn cardinality(&self) -> u128 {
        self.cardinality
    }

    /// Number of outcomes if the space can be enumerated into in-memory tables
    /// of at most `limit` entries.
    pub fn enumerable(&self, limit: usize) -> Result<usize, ModelError> {
        if self.cardinality > limit as u128 {
            return Err(ModelError::NotEnumerable { outcomes: self.cardinality, limit });
        }
        Ok(self.cardinality as usize)
    }

    /// Mixed-radix index of an outcome given by value indices.
    pub fn index_of(&self, values: &[u32]) -> Result<OutcomeIndex, ModelError> {
        if values.len() != self.issues.len() {
            return Err(ModelError::Outcome(format!(
                "an outcome needs {} values, one per issue, not {}",
                self.issues.len(),
                values.len()
            )));
        }
        let mut idx: u128 = 0;
        for (k, &v) in values.iter().enumerate() {
            if v >= self.radices[k] {
                return Err(ModelError::Outcome(format!(
                    "value index {v} is out of range for issue {:?} ({} values)",
                    self.issues[k].name, self.radices[k]
                )));
            }
            idx += v as u128 * self.strides[k];
        }
        Ok(idx)
    }

    /// Value indices of the outcome at `index`.
    pub fn values_of(&self, index: OutcomeIndex) -> Result<Vec<u32>, ModelError> {
        let mut out = vec![0u32; self.issues.len()];
        self.values_into(index, &mut out)?;
        Ok(out)
    }

    /// Writes the value indices of the outcome at `index` into `out` (one per issue).
    pub fn values_into(&self, index: OutcomeIndex, out: &mut [u32]) -> Result<(), ModelError> {
        if index >= self.cardinality {
            return Err(ModelError::Outcome(format!(
                "outcome index {index} is beyond the {} outcomes",
                self.cardinality
            )));
        }
        let mut rest = index;
        for (o, &stride) in out.iter_mut().zip(&self.strides) {
            *o = (rest / stride) as u32;
            rest %= stride;
        }
        Ok(())
    }

    /// The outcome at `index` as named values.
    pub fn labels(&self, index: OutcomeIndex) -> Result<Vec<Value>, ModelError> {
        let values = self.values_of(index)?;
        Ok(values.iter().zip(&self.issues).map(|(&v, issue)| issue.value(v).unwrap_or(Value::Int(v as i64))).collect())
    }

    /// Index of the outcome written as values (one per issue, in issue order).
    pub fn index_of_labels(&self, values: &[Value]) -> Result<OutcomeIndex, ModelError> {
        if values.len() != self.issues.len() {
            return Err(ModelError::Outcome(format!(
                "an outcome needs {} values, one per issue, not {}",
                self.issues.len(),
                values.len()
            )));
        }
        let mut idx = Vec::with_capacity(values.len());
        for (issue, v) in self.issues.iter().zip(values) {
            idx.push(
                issue
                    .index_of(v)
                    .ok_or_else(|| ModelError::Outcome(format!("issue {:?} has no value {v}", issue.name)))?,
            );
        }
        self.index_of(&idx)
    }

    /// Position of the issue with this name.
    pub fn issue_position(&self, name: &str) -> Option<usize> {
        self.issues.iter().position(|i| i.name == name)
    }

    /// Visits every outcome in enumeration order, passing its value indices.
    /// Stops early when `f` returns `false`.
    pub fn for_each_outcome(&self, mut f: impl FnMut(&[u32]) -> bool) {
        let n = self.issues.len();
        let mut cur = vec![0u32; n];
        loop {
            if !f(&cur) {
                return;
            }
            let mut k = n;
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                cur[k] += 1;
                if cur[k] < self.radices[k] {
                    break;
                }
                cur[k] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> OutcomeSpace {
        OutcomeSpace::new(vec![
            Issue::discrete("colour", ["red", "green", "blue"]),
            Issue::integer("qty", 1, 4),
            Issue::real("price", 0.0, 1.0, 5),
        ])
        .unwrap()
    }

    #[test]
    fn mixed_radix_round_trip_follows_product_order() {
        let s = space();
        assert_eq!(s.cardinality(), 60);
        let mut expected = 0u128;
        s.for_each_outcome(|v| {
            assert_eq!(s.index_of(v).unwrap(), expected);
            assert_eq!(s.values_of(expected).unwrap(), v);
            expected += 1;
            true
        });
        assert_eq!(expected, 60);
        // last issue fastest
        assert_eq!(s.values_of(1).unwrap(), vec![0, 0, 1]);
        assert_eq!(s.values_of(5).unwrap(), vec![0, 1, 0]);
    }

    #[test]
    fn labels_round_trip() {
        let s = space();
        for i in 0..60u128 {
            let labels = s.labels(i).unwrap();
            assert_eq!(s.index_of_labels(&labels).unwrap(), i);
        }
        assert_eq!(s.labels(59).unwrap(), vec![Value::Text("blue".into()), Value::Int(4), Value::Real(1.0)]);
    }

    #[test]
    fn huge_spaces_are_counted_exactly_and_overflow_is_refused() {
        let issues: Vec<Issue> = (0..30).map(|k| Issue::integer(format!("i{k}"), 0, 9)).collect();
        let s = OutcomeSpace::new(issues).unwrap();
        assert_eq!(s.cardinality(), 10u128.pow(30));
        let last = s.cardinality() - 1;
        assert_eq!(s.values_of(last).unwrap(), vec![9; 30]);
        assert!(s.enumerable(1 << 20).is_err());
        let too_many: Vec<Issue> = (0..40).map(|k| Issue::integer(format!("i{k}"), 0, 9)).collect();
        assert!(matches!(OutcomeSpace::new(too_many), Err(ModelError::TooLarge)));
    }

    #[test]
    fn invalid_issues_are_refused() {
        assert!(OutcomeSpace::new(vec![]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::discrete("a", Vec::<String>::new())]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::discrete("a", ["x", "x"])]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::integer("a", 3, 2)]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::integer("a", i64::MIN, i64::MAX)]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::real("a", 0.0, f64::NAN, 3)]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::real("a", 0.0, 1.0, 0)]).is_err());
        assert!(OutcomeSpace::new(vec![Issue::integer("a", 0, 1), Issue::integer("a", 0, 1)]).is_err());
    }

    #[test]
    fn out_of_range_outcomes_are_errors() {
        let s = space();
        assert!(s.index_of(&[3, 0, 0]).is_err());
        assert!(s.index_of(&[0, 0]).is_err());
        assert!(s.values_of(60).is_err());
        assert!(s.index_of_labels(&[Value::Text("pink".into()), Value::Int(1), Value::Real(0.0)]).is_err());
        assert!(s.index_of_labels(&[Value::Text("red".into()), Value::Int(9), Value::Real(0.0)]).is_err());
        assert!(s.index_of_labels(&[Value::Text("red".into()), Value::Int(1), Value::Real(0.3)]).is_err());
    }
}
