//! The one place that decides how a domain is analysed: by enumerating its
//! outcomes, by merging linear additive utilities issue by issue, or (for the
//! zones of divided delegations on spaces too large to enumerate) by the exact
//! additive check and sampling; and the size limits behind the decision.
//!
//! Callers ask [`Limits::choose_method`] (the frontier and bargaining
//! solutions) and [`Limits::choose_zone_method`] (win-sets and zones) once and
//! report the [`Choice`] they got with the results.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{AnalysisError, AnalysisOptions, DomainAnalysis, MergeLimits, analyze_additive, analyze_with};
use crate::space::OutcomeSpace;
use crate::table::UtilityTable;
use crate::utility::Preferences;

/// Spaces up to this many outcomes are enumerated for the frontier and the
/// bargaining solutions (2^25: two utility tables of 256 MiB); larger spaces
/// whose parties are all linear additive are merged issue by issue.
pub const ENUMERATION_LIMIT: u128 = 1 << 25;

/// Spaces up to this many outcomes are enumerated for the zones of divided
/// delegations (2^26: the zone analysis keeps bit sets, not tables); larger
/// ones get the exact check for linear additive utilities and a sampling
/// estimate.
pub const ZONE_ENUMERATION_LIMIT: u128 = 1 << 26;

/// Spaces up to this many outcomes can hold a round of mediated talks (2^24:
/// the simulator keeps a table per party and bloc, and the assessment
/// enumerates the space); larger ones are refused.
pub const TALKS_ENUMERATION_LIMIT: u128 = 1 << 24;

/// How an analysis is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Every outcome evaluated.
    Enumerate,
    /// The exact frontier of linear additive utilities, issue by issue.
    Merge,
    /// The exact check for linear additive utilities where it applies, and
    /// uniform samples (zones of spaces too large to enumerate).
    Sample,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Enumerate => "enumerate",
            Method::Merge => "merge",
            Method::Sample => "sample",
        }
    }
}

/// What the caller asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requested {
    /// Enumerate up to the limit; beyond it, merge when every party is linear additive.
    #[default]
    Auto,
    /// Enumerate whatever the size (up to [`crate::table::MAX_TABLE_OUTCOMES`]).
    Enumerate,
    /// Merge whatever the size.
    Merge,
}

/// The method chosen, and the limit it was chosen against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub method: Method,
    /// What was asked for.
    pub requested: Requested,
    /// Spaces up to this many outcomes are enumerated (under [`Requested::Auto`]).
    pub limit: u128,
    /// Outcomes of the space.
    pub outcomes: u128,
}

/// Why no method fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("the merge needs linear additive utilities for every party")]
    MergeNeedsAdditive,
    #[error(
        "{outcomes} outcomes are too many to enumerate, and not every party is linear additive \
         (the merge method needs that)"
    )]
    TooLarge { outcomes: u128 },
}

/// The size limits of the analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// [`ENUMERATION_LIMIT`].
    pub enumeration: u128,
    /// [`ZONE_ENUMERATION_LIMIT`].
    pub zone_enumeration: u128,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { enumeration: ENUMERATION_LIMIT, zone_enumeration: ZONE_ENUMERATION_LIMIT }
    }
}

impl Limits {
    /// How to find the frontier and the bargaining solutions of a space of
    /// `outcomes` outcomes; `additive`: every party is linear additive.
    pub fn choose_method(&self, outcomes: u128, additive: bool, requested: Requested) -> Result<Choice, PlanError> {
        let method = match requested {
            Requested::Merge if !additive => return Err(PlanError::MergeNeedsAdditive),
            Requested::Merge => Method::Merge,
            Requested::Enumerate => Method::Enumerate,
            Requested::Auto if outcomes <= self.enumeration => Method::Enumerate,
            Requested::Auto if additive => Method::Merge,
            Requested::Auto => return Err(PlanError::TooLarge { outcomes }),
        };
        Ok(Choice { method, requested, limit: self.enumeration, outcomes })
    }

    /// How to find the win-sets and zones of divided delegations over a
    /// space of `outcomes` outcomes: enumeration up to the zone limit, else
    /// [`Method::Sample`].
    pub fn choose_zone_method(&self, outcomes: u128) -> Choice {
        let method = if outcomes <= self.zone_enumeration { Method::Enumerate } else { Method::Sample };
        Choice { method, requested: Requested::Auto, limit: self.zone_enumeration, outcomes }
    }
}

/// Analyses the parties' preferences over `space` by the chosen method
/// (as [`Limits::choose_method`] chose it: [`Method::Merge`] when every
/// party is linear additive; otherwise, and for [`Method::Sample`], which
/// does not apply to the frontier, the space is enumerated).
pub fn analyze_preferences(
    space: &OutcomeSpace,
    preferences: &[&Preferences],
    choice: &Choice,
    options: &AnalysisOptions,
) -> Result<DomainAnalysis, AnalysisError> {
    if choice.method == Method::Merge {
        let additive: Option<Vec<_>> = preferences.iter().map(|p| p.as_additive()).collect();
        if let Some(ufuns) = additive {
            return analyze_additive(space, &ufuns, MergeLimits::default());
        }
    }
    let tables: Vec<UtilityTable> =
        preferences.iter().map(|p| UtilityTable::new(space, *p)).collect::<Result<_, _>>()?;
    let refs: Vec<&UtilityTable> = tables.iter().collect();
    analyze_with(&refs, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_enumerates_up_to_the_limit_then_merges_additive_spaces() {
        let l = Limits::default();
        let c = l.choose_method(ENUMERATION_LIMIT, false, Requested::Auto).unwrap();
        assert_eq!((c.method, c.limit), (Method::Enumerate, ENUMERATION_LIMIT));
        assert_eq!(l.choose_method(ENUMERATION_LIMIT + 1, true, Requested::Auto).unwrap().method, Method::Merge);
        assert_eq!(
            l.choose_method(ENUMERATION_LIMIT + 1, false, Requested::Auto),
            Err(PlanError::TooLarge { outcomes: ENUMERATION_LIMIT + 1 })
        );
        assert_eq!(l.choose_method(10, false, Requested::Merge), Err(PlanError::MergeNeedsAdditive));
        assert_eq!(l.choose_method(10, true, Requested::Merge).unwrap().method, Method::Merge);
        assert_eq!(l.choose_method(1 << 40, false, Requested::Enumerate).unwrap().method, Method::Enumerate);
    }

    #[test]
    fn zones_are_enumerated_up_to_their_limit_then_sampled() {
        let l = Limits::default();
        assert_eq!(l.choose_zone_method(ZONE_ENUMERATION_LIMIT).method, Method::Enumerate);
        assert_eq!(l.choose_zone_method(ZONE_ENUMERATION_LIMIT + 1).method, Method::Sample);
        assert_eq!(l.choose_zone_method(1).limit, ZONE_ENUMERATION_LIMIT);
    }
}
