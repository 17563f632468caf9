//! Outcomes as documents show them (`{"issue": value, …}`, in issue order),
//! outcome indices as decimal strings, and the small text formats every
//! renderer shares.

use std::fmt;

use entente_core::{OutcomeIndex, Value};
use entente_protocols::scenario::Scenario;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An outcome as `issue → value`, in the order of the space's issues.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome(pub Vec<(String, Value)>);

impl Outcome {
    /// The labels of `outcome` in `scenario`'s space (empty when the index is
    /// out of the space).
    pub fn of(scenario: &Scenario, outcome: OutcomeIndex) -> Self {
        let mut pairs = Vec::new();
        if let Ok(labels) = scenario.space.labels(outcome) {
            for (issue, v) in scenario.space.issues().iter().zip(labels) {
                pairs.push((issue.name.clone(), v));
            }
        }
        Outcome(pairs)
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Outcome;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of issue names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    pairs.push((k, v));
                }
                Ok(Outcome(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// `u128` (outcome counts and indices, which may exceed 2^64) as a decimal string.
pub mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(x: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(x)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(|_| D::Error::custom(format!("{s:?} is not a decimal number")))
    }
}

/// `Some(x)` when `x` is finite (documents write `null` for "none").
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The outcome as `issue=value, …`.
pub fn describe(scenario: &Scenario, outcome: OutcomeIndex) -> String {
    match scenario.space.labels(outcome) {
        Ok(labels) => scenario
            .space
            .issues()
            .iter()
            .zip(labels)
            .map(|(i, v)| format!("{}={v}", i.name))
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => format!("outcome {outcome}"),
    }
}

/// A package as `(u1, u2, …) issue=value, …`, utilities to four decimals.
pub fn package_line(scenario: &Scenario, outcome: OutcomeIndex, utilities: &[f64]) -> String {
    let u: Vec<String> = utilities.iter().map(|x| format!("{x:.4}")).collect();
    format!("({}) {}", u.join(", "), describe(scenario, outcome))
}

/// A utility to four decimals, or "none" when it is not finite.
pub fn fmt_u(u: f64) -> String {
    if u.is_finite() { format!("{u:.4}") } else { "none".to_string() }
}

/// Utilities as `(u1, u2, …)` to four decimals.
pub fn fmt_utils(u: &[f64]) -> String {
    let parts: Vec<String> = u.iter().map(|x| format!("{x:.4}")).collect();
    format!("({})", parts.join(", "))
}

/// `bloc (party), …`.
pub fn pairs(v: &[(String, String)]) -> String {
    v.iter().map(|(p, b)| format!("{b} ({p})")).collect::<Vec<_>>().join(", ")
}
