//! Strategies by name and parameters, as users and files declare them.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A strategy with every parameter set and checked.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum StrategySpec {
    /// Boulware, Linear, Conceder, Aspiration, or any exponent.
    TimeBased {
        name: TimeBasedName,
        params: TimeBasedParams,
    },
    TitForTat(TitForTatParams),
    Tough,
    Random(RandomParams),
}

/// Which named time-based strategy (for display and NegMAS class names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasedName {
    Boulware,
    Linear,
    Conceder,
    Aspiration,
    TimeBased,
}

/// A strategy that cannot be built as declared.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum StrategyError {
    #[error("unknown strategy {0:?}; expected one of: {KNOWN}")]
    Unknown(String),
    #[error("{field}: {reason}")]
    Parameter { field: &'static str, reason: String },
}

const KNOWN: &str = "boulware, linear, conceder, aspiration, time-based, tit-for-tat, tough, random \
                     (or a NegMAS class name such as BoulwareTBNegotiator)";

/// Optional parameters as a user may give them; absent ones take defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyOptions {
    pub exponent: Option<f64>,
    pub tolerance: Option<f64>,
    pub max_aspiration: Option<f64>,
    pub rational_only: Option<bool>,
    pub kindness: Option<f64>,
    pub punish: Option<bool>,
    pub p_accept: Option<f64>,
    pub p_reject: Option<f64>,
    pub p_end: Option<f64>,
}

impl StrategySpec {
    pub const BOULWARE: Self =
        StrategySpec::TimeBased { name: TimeBasedName::Boulware, params: TimeBasedParams::BOULWARE };
    pub const LINEAR: Self = StrategySpec::TimeBased { name: TimeBasedName::Linear, params: TimeBasedParams::LINEAR };
    pub const CONCEDER: Self =
        StrategySpec::TimeBased { name: TimeBasedName::Conceder, params: TimeBasedParams::CONCEDER };
    pub const ASPIRATION: Self =
        StrategySpec::TimeBased { name: TimeBasedName::Aspiration, params: TimeBasedParams::ASPIRATION };

    /// Builds a strategy from its name (ours, case-insensitive, or a NegMAS
    /// class name) and optional parameters. Parameters that the strategy does
    /// not take are refused, so that a typo never passes silently.
    pub fn from_name(name: &str, o: &StrategyOptions) -> Result<Self, StrategyError> {
        let key = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let time_based = |tb: TimeBasedName, base: TimeBasedParams| -> Result<Self, StrategyError> {
            refuse(o.kindness.is_some(), "kindness", name)?;
            refuse(o.punish.is_some(), "punish", name)?;
            refuse(o.p_accept.is_some() || o.p_reject.is_some() || o.p_end.is_some(), "p_accept/p_reject/p_end", name)?;
            let mut p = base;
            if let Some(e) = o.exponent {
                p.exponent = e;
            } else if tb == TimeBasedName::TimeBased {
                return Err(StrategyError::Parameter {
                    field: "exponent",
                    reason: "time-based needs an exponent".into(),
                });
            }
            if let Some(t) = o.tolerance {
                p.tolerance = t;
            }
            if let Some(m) = o.max_aspiration {
                p.max_aspiration = m;
            }
            if let Some(r) = o.rational_only {
                p.rational_only = r;
            }
            check(p.exponent.is_finite() && p.exponent > 0.0, "exponent", "must be a positive number")?;
            check(p.tolerance.is_finite() && p.tolerance >= 0.0, "tolerance", "must be a number >= 0")?;
            check(
                p.max_aspiration.is_finite() && (0.0..=1.0).contains(&p.max_aspiration),
                "max_aspiration",
                "must be in [0, 1]",
            )?;
            Ok(StrategySpec::TimeBased { name: tb, params: p })
        };
        let only_none = |what: &str| -> Result<(), StrategyError> {
            refuse(o.exponent.is_some(), "exponent", what)?;
            refuse(o.tolerance.is_some(), "tolerance", what)?;
            refuse(o.max_aspiration.is_some(), "max_aspiration", what)?;
            refuse(o.rational_only.is_some(), "rational_only", what)
        };
        match key.as_str() {
            "boulware" | "boulwaretbnegotiator" => time_based(TimeBasedName::Boulware, TimeBasedParams::BOULWARE),
            "linear" | "lineartbnegotiator" => time_based(TimeBasedName::Linear, TimeBasedParams::LINEAR),
            "conceder" | "concedertbnegotiator" => time_based(TimeBasedName::Conceder, TimeBasedParams::CONCEDER),
            "aspiration" | "aspirationnegotiator" => time_based(TimeBasedName::Aspiration, TimeBasedParams::ASPIRATION),
            "time-based" | "timebased" => time_based(TimeBasedName::TimeBased, TimeBasedParams::BOULWARE),
            "tit-for-tat" | "titfortat" | "tft" | "naivetitfortatnegotiator" => {
                only_none(name)?;
                refuse(
                    o.p_accept.is_some() || o.p_reject.is_some() || o.p_end.is_some(),
                    "p_accept/p_reject/p_end",
                    name,
                )?;
                let mut p = TitForTatParams::default();
                if let Some(k) = o.kindness {
                    check(k.is_finite() && (-1.0..=1.0).contains(&k), "kindness", "must be in [-1, 1]")?;
                    p.kindness = k;
                }
                if let Some(b) = o.punish {
                    p.punish = b;
                }
                Ok(StrategySpec::TitForTat(p))
            }
            "tough" | "hardliner" | "toughnegotiator" => {
                only_none(name)?;
                refuse(o.kindness.is_some() || o.punish.is_some(), "kindness/punish", name)?;
                refuse(
                    o.p_accept.is_some() || o.p_reject.is_some() || o.p_end.is_some(),
                    "p_accept/p_reject/p_end",
                    name,
                )?;
                Ok(StrategySpec::Tough)
            }
            "random" | "randomnegotiator" => {
                only_none(name)?;
                refuse(o.kindness.is_some() || o.punish.is_some(), "kindness/punish", name)?;
                let d = RandomParams::default();
                let p = RandomParams {
                    p_accept: o.p_accept.unwrap_or(d.p_accept),
                    p_reject: o.p_reject.unwrap_or(d.p_reject),
                    p_end: o.p_end.unwrap_or(d.p_end),
                    accept_below_reservation: false,
                };
                for (field, x) in [("p_accept", p.p_accept), ("p_reject", p.p_reject), ("p_end", p.p_end)] {
                    check(x.is_finite() && (0.0..=1.0).contains(&x), field, "must be a probability in [0, 1]")?;
                }
                check(
                    p.p_accept + p.p_reject + p.p_end <= 1.0 + 1e-9,
                    "p_accept",
                    "the three probabilities sum above 1",
                )?;
                check(
                    p.p_accept + p.p_reject + p.p_end > 0.0,
                    "p_accept",
                    "p_accept, p_reject and p_end are all 0: the random negotiator would have no answer to draw; \
                     give at least one of them a positive probability (defaults: 0.15, 0.75, 0.1)",
                )?;
                Ok(StrategySpec::Random(p))
            }
            _ => Err(StrategyError::Unknown(name.to_string())),
        }
    }

    /// The strategy's display name.
    pub fn name(&self) -> &'static str {
        match self {
            StrategySpec::TimeBased { name, .. } => match name {
                TimeBasedName::Boulware => "Boulware",
                TimeBasedName::Linear => "Linear",
                TimeBasedName::Conceder => "Conceder",
                TimeBasedName::Aspiration => "Aspiration",
                TimeBasedName::TimeBased => "TimeBased",
            },
            StrategySpec::TitForTat(_) => "TitForTat",
            StrategySpec::Tough => "Tough",
            StrategySpec::Random(_) => "Random",
        }
    }

    /// Whether the strategy needs the outcomes sorted by utility.
    pub fn needs_sorting(&self) -> bool {
        matches!(self, StrategySpec::TimeBased { .. } | StrategySpec::TitForTat(_))
    }
}

/// Parameters of a time-based negotiator.
///
/// The aspiration at relative time `t` is `max_aspiration · (1 − t^exponent)`
/// of the way from `umin = max(worst utility, reservation)` to the best utility.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeBasedParams {
    /// Concession exponent: 4 Boulware, 1 Linear, 0.25 Conceder.
    pub exponent: f64,
    /// Tolerance subtracted from the lower edge of the acceptable band
    /// (NegMAS: 1e-4 for the `*TB` negotiators, 1e-3 for Aspiration).
    pub tolerance: f64,
    /// Aspiration at `t = 0` (1.0: start at the best outcome).
    pub max_aspiration: f64,
    /// Search only rational outcomes when offering (the `*TB` classes);
    /// Aspiration searches all outcomes. They differ only under ties.
    pub rational_only: bool,
}

impl TimeBasedParams {
    /// NegMAS `BoulwareTBNegotiator`.
    pub const BOULWARE: Self = Self { exponent: 4.0, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `LinearTBNegotiator`.
    pub const LINEAR: Self = Self { exponent: 1.0, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `ConcederTBNegotiator`.
    pub const CONCEDER: Self = Self { exponent: 0.25, tolerance: 1e-4, max_aspiration: 1.0, rational_only: true };
    /// NegMAS `AspirationNegotiator` (defaults).
    pub const ASPIRATION: Self = Self { exponent: 4.0, tolerance: 1e-3, max_aspiration: 1.0, rational_only: false };
}

/// Parameters of naive tit-for-tat.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TitForTatParams {
    /// Added to every concession from round 3 on (NegMAS default 0).
    pub kindness: f64,
    /// Answer a negative partner concession with a negative one (default false).
    pub punish: bool,
}

impl Default for TitForTatParams {
    fn default() -> Self {
        TitForTatParams { kindness: 0.0, punish: false }
    }
}

/// Probabilities of each answer to an offer (NegMAS `RandomNegotiator`
/// defaults: 0.15 accept, 0.75 reject, 0.1 end). What is left up to 1 counts
/// as a rejection. At least one of the three is positive.
///
/// A drawn acceptance of an offer worth less than the party's reservation
/// value is a rejection, unless `accept_below_reservation` (as every strategy:
/// none accepts below its reservation value unless asked to).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomParams {
    pub p_accept: f64,
    pub p_reject: f64,
    pub p_end: f64,
    /// Accept offers below the reservation value when the draw says accept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accept_below_reservation: bool,
}

impl Default for RandomParams {
    fn default() -> Self {
        RandomParams { p_accept: 0.15, p_reject: 0.75, p_end: 0.1, accept_below_reservation: false }
    }
}

fn refuse(given: bool, field: &'static str, strategy: &str) -> Result<(), StrategyError> {
    if given {
        return Err(StrategyError::Parameter {
            field,
            reason: format!("strategy {strategy:?} takes no such parameter"),
        });
    }
    Ok(())
}

fn check(ok: bool, field: &'static str, reason: &str) -> Result<(), StrategyError> {
    if ok { Ok(()) } else { Err(StrategyError::Parameter { field, reason: reason.to_string() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_defaults() {
        let none = StrategyOptions::default();
        assert_eq!(StrategySpec::from_name("Boulware", &none).unwrap(), StrategySpec::BOULWARE);
        assert_eq!(StrategySpec::from_name("BoulwareTBNegotiator", &none).unwrap(), StrategySpec::BOULWARE);
        assert_eq!(StrategySpec::from_name("aspiration", &none).unwrap(), StrategySpec::ASPIRATION);
        assert_eq!(StrategySpec::from_name("tit_for_tat", &none).unwrap(), StrategySpec::TitForTat(Default::default()));
        assert!(matches!(StrategySpec::from_name("bolware", &none), Err(StrategyError::Unknown(_))));
        assert!(StrategySpec::from_name("time-based", &none).is_err(), "time-based needs an exponent");
    }

    #[test]
    fn parameters_are_checked() {
        let o = |f: fn(&mut StrategyOptions)| {
            let mut o = StrategyOptions::default();
            f(&mut o);
            o
        };
        let e2 = o(|o| o.exponent = Some(2.0));
        assert!(matches!(
            StrategySpec::from_name("linear", &e2).unwrap(),
            StrategySpec::TimeBased { params: TimeBasedParams { exponent: 2.0, .. }, .. }
        ));
        assert!(StrategySpec::from_name("linear", &o(|o| o.exponent = Some(f64::NAN))).is_err());
        assert!(StrategySpec::from_name("linear", &o(|o| o.exponent = Some(-1.0))).is_err());
        assert!(StrategySpec::from_name("linear", &o(|o| o.tolerance = Some(-1.0))).is_err());
        assert!(StrategySpec::from_name("linear", &o(|o| o.kindness = Some(0.1))).is_err());
        assert!(StrategySpec::from_name("tough", &e2).is_err());
        assert!(StrategySpec::from_name("random", &o(|o| o.p_accept = Some(0.9))).is_err(), "sums above 1");
        assert!(StrategySpec::from_name("random", &o(|o| o.p_end = Some(f64::INFINITY))).is_err());
        assert!(StrategySpec::from_name("tft", &o(|o| o.kindness = Some(0.05))).is_ok());
    }
}
