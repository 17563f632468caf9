//! Analysis of negotiation domains: Pareto frontier, bargaining solutions,
//! opposition, the zone of possible agreement, and agreement measures.
//!
//! Definitions follow `../shared/reference/negotiation-semantics.md`
//! ("Bargaining solutions and frontier (NegMAS definitions)") and
//! `../shared/reference/genius-format.md` ("GENIUS analysis definitions").
//! Where the two tools differ both variants are computed, named after their
//! tool (see [`Solutions`]):
//!
//! | concept | NegMAS | GENIUS |
//! |---|---|---|
//! | Pareto frontier | rational outcomes only, weakly dominated and duplicates dropped, welfare descending ([`DomainAnalysis::frontier_negmas`]) | every outcome not strictly dominated, identical vectors all kept ([`DomainAnalysis::frontier`], `ties`) |
//! | Nash | max `Π(u_i − d_i)`, all within 1e-12 | max `Π(u_i − rv_i)`, missing rv = 0, first wins |
//! | Kalai–Smorodinsky | `ks_points`: min `max r_i − min r_i` | "KS": min `Σ_{i<j} abs(u_i − u_j)` |
//! | egalitarian | `kalai_points`: max `min(u_i − d_i)` | – |
//! | max welfare | max `Σ u_i` over its frontier | max `Σ u_i`, first wins |
//! | opposition | `opposition_level`: rational outcomes, `u_i / max_i` | min distance of any outcome to `(1, …, 1)` |
//!
//! plus the textbook Kalai–Smorodinsky solution (max `min_i (u_i − d_i)/(a_i − d_i)`).
//!
//! Three ways to the frontier:
//! - [`analyze`]: from utility tables of an enumerated space, any number of
//!   parties ([`pareto_2`]: 10^6 outcomes in a few milliseconds; [`pareto_n`]).
//! - [`analyze_additive`] / [`additive_frontier`]: linear additive utilities,
//!   exact, without enumerating the space (spaces of 10^15 outcomes and more).
//! - [`agreement_measures`]: where an agreement lies relative to all of this.
//!
//! Which way, and the size limits: [`plan`] ([`Limits::choose_method`],
//! [`ENUMERATION_LIMIT`], [`ZONE_ENUMERATION_LIMIT`]), decided there once.

pub mod additive;
pub mod dynamics;
pub mod measures;
pub mod pareto;
pub mod plan;
mod skyline;
pub mod solutions;
pub mod zones;
pub mod zones_sampled;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use additive::{AdditiveFrontier, MergeLimits, MergeStats, additive_frontier};
pub use measures::{AgreementMeasures, agreement_measures, distance};
pub use pareto::{Frontier, FrontierPoint, pareto_2, pareto_2_within, pareto_n, ranges, welfare};
pub use plan::{
    Choice, ENUMERATION_LIMIT, Limits, Method, PlanError, Requested, ZONE_ENUMERATION_LIMIT, analyze_preferences,
};
pub use solutions::{NearestToOnes, PartyRange, Point, Solutions, disagreement, solve};

use crate::error::ModelError;
use crate::space::{OutcomeIndex, OutcomeSpace};
use crate::table::UtilityTable;
use crate::utility::{LinearAdditive, UtilityFunction};

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalysisError {
    #[error("an analysis needs at least one party")]
    NoParties,
    #[error("party {party} has {got} utilities, party 0 has {expected}: the tables must cover the same outcomes")]
    LengthMismatch { party: usize, expected: usize, got: usize },
    #[error(
        "the additive merge would examine {candidates} partial outcomes at issue {issue:?}, more than the limit of {limit}"
    )]
    TooManyCandidates { issue: String, candidates: u128, limit: usize },
    #[error("{0}")]
    Model(#[from] ModelError),
}

/// Each party's facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartySummary {
    /// Reservation value (`None` when the party has none).
    pub reservation: Option<f64>,
    /// NegMAS's disagreement point `d_i` (see [`disagreement`]).
    pub disagreement: f64,
    /// Worst and best utility over the whole outcome space.
    pub min: f64,
    pub max: f64,
    /// The party's best and worst outcome (its utility function's extreme
    /// outcomes, as its negotiator sees them), with everyone's utilities.
    pub best: Point,
    pub worst: Point,
}

/// Sizes of the Pareto frontier in each reading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParetoCounts {
    /// GENIUS, distinct utility vectors.
    pub distinct: usize,
    /// GENIUS, outcomes with identical vectors all counted.
    pub with_ties: u128,
    /// NegMAS: distinct rational vectors.
    pub negmas: usize,
}

/// The zone of possible agreement: the outcomes every party strictly prefers
/// to no agreement (every `u_i > rv_i`, [`zones::prefers_to_no_agreement`];
/// all outcomes when no party has a reservation value). The same definition
/// as the zones of `whatif` and `talks` (`docs/zone.md`); NegMAS's rational
/// outcomes (`u_i >= rv_i`) are used only for its frontier and opposition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RationalOutcomes {
    pub count: u128,
    /// The outcomes themselves, when at most [`AnalysisOptions::list_rational_up_to`].
    pub outcomes: Option<Vec<OutcomeIndex>>,
}

/// Everything [`analyze`] reports about a domain and a choice of parties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainAnalysis {
    /// Number of outcomes of the space.
    pub outcomes: u128,
    /// One per party, in party order.
    pub parties: Vec<PartySummary>,
    pub pareto: ParetoCounts,
    /// GENIUS's Pareto set: distinct vectors not strictly dominated, ascending
    /// in party 1's utility, each with its first outcome and tie count.
    pub frontier: Vec<FrontierPoint>,
    /// NegMAS's Pareto frontier: rational points only, welfare descending.
    pub frontier_negmas: Vec<FrontierPoint>,
    pub solutions: Solutions,
    /// GENIUS opposition: the smallest Euclidean distance of any outcome to
    /// the all-ones point `(1, …, 1)` (`n` parties: `sqrt(Σ_i (1 − u_i)²)`),
    /// correctly rounded (see [`NearestToOnes`]).
    /// `None` from the additive merge when some party's utility exceeds 1
    /// (the minimum is then not necessarily on the frontier).
    pub opposition: Option<f64>,
    /// NegMAS `opposition_level` (with each party's maximum as `max_utils`):
    /// the smallest `sqrt(Σ_i (1 − u_i / max_i)²)` over rational outcomes.
    pub opposition_negmas: Option<f64>,
    /// The zone of possible agreement, every `u_i > rv_i` (`None` from the
    /// additive merge, which does not enumerate outcomes).
    pub rational: Option<RationalOutcomes>,
}

/// Options of [`analyze_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// List the rational outcomes when there are at most this many.
    pub list_rational_up_to: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { list_rational_up_to: 1000 }
    }
}

/// Analyses an enumerated space from each party's utility table (the tables
/// must cover the same outcomes; reservation values come from the tables).
pub fn analyze(tables: &[&UtilityTable]) -> Result<DomainAnalysis, AnalysisError> {
    analyze_with(tables, &AnalysisOptions::default())
}

/// [`analyze`] with options.
pub fn analyze_with(tables: &[&UtilityTable], options: &AnalysisOptions) -> Result<DomainAnalysis, AnalysisError> {
    let Some(first) = tables.first() else { return Err(AnalysisError::NoParties) };
    let n = first.len();
    for (party, t) in tables.iter().enumerate() {
        if t.len() != n {
            return Err(AnalysisError::LengthMismatch { party, expected: n, got: t.len() });
        }
    }
    let utils: Vec<&[f64]> = tables.iter().map(|t| t.utilities()).collect();
    let ranges: Vec<PartyRange> = tables
        .iter()
        .zip(pareto::ranges(&utils))
        .map(|(t, (min, max))| PartyRange { reservation: t.reservation(), min, max })
        .collect();
    let frontier = if utils.len() == 2 {
        pareto::pareto_2_within(utils[0], utils[1], ranges[0].min, ranges[0].max)
    } else {
        pareto_n(&utils)
    };
    let at = |i: usize| Point { utilities: utils.iter().map(|u| u[i]).collect(), outcome: i as OutcomeIndex };
    let parties =
        tables.iter().zip(&ranges).map(|(t, r)| summary(r, at(t.best() as usize), at(t.worst() as usize))).collect();

    // Opposition over the frontier where its minimum lies there; otherwise,
    // and for the zone of agreement, one pass over the outcomes.
    let (opp_frontier, opp_neg_frontier) = frontier_oppositions(&frontier.points, &ranges);
    let rv: Vec<f64> = ranges.iter().map(|r| r.reservation).collect();
    let max: Vec<f64> = ranges.iter().map(|r| r.max).collect();
    // Every outcome in the zone (strictly above every reservation value).
    let all_in_zone = ranges.iter().all(|r| zones::prefers_to_no_agreement(r.min, r.reservation));
    let mut opp = solutions::NearestToOnes::default();
    let mut zone = Zone {
        max: &max,
        negmas: opp_neg_frontier.is_none(),
        opp_neg: f64::INFINITY,
        count: 0,
        listed: Vec::new(),
        limit: options.list_rational_up_to,
    };
    if all_in_zone && opp_frontier.is_some() && opp_neg_frontier.is_some() {
        zone.count = n as u128;
        if n <= zone.limit {
            zone.listed = (0..n as OutcomeIndex).collect();
        }
    } else if let [a, b] = utils[..] {
        // the common case, without iterators over parties
        let (r0, r1) = (rv[0], rv[1]);
        let genius = opp_frontier.is_none();
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            if genius {
                opp.push([x, y].into_iter());
            }
            if x >= r0 && y >= r1 {
                let inside = zones::prefers_to_no_agreement(x, r0) && zones::prefers_to_no_agreement(y, r1);
                zone.push(i, inside, [x, y].into_iter());
            }
        }
    } else {
        for i in 0..n {
            if opp_frontier.is_none() {
                opp.push(utils.iter().map(|u| u[i]));
            }
            if utils.iter().zip(&rv).all(|(u, r)| u[i] >= *r) {
                let inside = utils.iter().zip(&rv).all(|(u, r)| zones::prefers_to_no_agreement(u[i], *r));
                zone.push(i, inside, utils.iter().map(|u| u[i]));
            }
        }
    }
    let count = zone.count;
    let opposition = opp_frontier.unwrap_or_else(|| opp.distance());
    let opposition_negmas = opp_neg_frontier.unwrap_or_else(|| zone.opp_neg.is_finite().then(|| zone.opp_neg.sqrt()));
    let rational =
        RationalOutcomes { count, outcomes: (count <= options.list_rational_up_to as u128).then_some(zone.listed) };
    Ok(assemble(n as u128, parties, &ranges, frontier, opposition, opposition_negmas, Some(rational)))
}

/// Both oppositions from the frontier alone, where their minima lie (the
/// outer `None` when the frontier does not suffice):
/// - GENIUS's when every utility is at most 1: an outcome's distance to
///   `(1, …, 1)` only shrinks when a utility grows up to 1;
/// - NegMAS's when every maximum is non-negative: `(1 − u_i / max_i)²` only
///   shrinks as `u_i` grows, and every rational outcome is weakly dominated by a
///   rational frontier point.
///
/// Rounded operations are monotone, so the minimum is the same number as over
/// every outcome.
fn frontier_oppositions(points: &[FrontierPoint], ranges: &[PartyRange]) -> (Option<Option<f64>>, Option<Option<f64>>) {
    let genius = ranges.iter().all(|r| r.max <= 1.0).then(|| {
        let mut near = solutions::NearestToOnes::default();
        for p in points {
            near.push(p.utilities.iter().copied());
        }
        near.distance()
    });
    let max: Vec<f64> = ranges.iter().map(|r| r.max).collect();
    let negmas = ranges.iter().all(|r| r.max >= 0.0).then(|| {
        let m = points
            .iter()
            .filter(|p| p.utilities.iter().zip(ranges).all(|(u, r)| *u >= r.reservation))
            .map(|p| solutions::opposition_negmas_sq(p.utilities.iter().copied(), &max))
            .fold(f64::INFINITY, f64::min);
        m.is_finite().then(|| m.sqrt())
    });
    (genius, negmas)
}

/// The outcomes of the zone seen so far, and NegMAS's opposition over its
/// rational outcomes (`u_i >= rv_i`, NegMAS's reading).
struct Zone<'a> {
    max: &'a [f64],
    /// Whether NegMAS's opposition is taken here (not from the frontier).
    negmas: bool,
    opp_neg: f64,
    count: u128,
    listed: Vec<OutcomeIndex>,
    limit: usize,
}

impl Zone<'_> {
    /// A NegMAS-rational outcome; `inside`: in the zone (strictly above every
    /// reservation value).
    #[inline]
    fn push(&mut self, i: usize, inside: bool, u: impl Iterator<Item = f64>) {
        if self.negmas {
            self.opp_neg = self.opp_neg.min(solutions::opposition_negmas_sq(u, self.max));
        }
        if !inside {
            return;
        }
        self.count += 1;
        if self.listed.len() <= self.limit {
            self.listed.push(i as OutcomeIndex);
        }
    }
}

fn summary(r: &PartyRange, best: Point, worst: Point) -> PartySummary {
    PartySummary {
        reservation: r.reservation.is_finite().then_some(r.reservation),
        disagreement: r.disagreement(),
        min: r.min,
        max: r.max,
        best,
        worst,
    }
}

fn assemble(
    outcomes: u128,
    parties: Vec<PartySummary>,
    ranges: &[PartyRange],
    frontier: Frontier,
    opposition: Option<f64>,
    opposition_negmas: Option<f64>,
    rational: Option<RationalOutcomes>,
) -> DomainAnalysis {
    let rv: Vec<f64> = ranges.iter().map(|r| r.reservation).collect();
    let negmas = frontier.negmas(&rv);
    let solutions = solve(&frontier.points, &negmas, ranges);
    DomainAnalysis {
        outcomes,
        parties,
        pareto: ParetoCounts { distinct: frontier.distinct(), with_ties: frontier.with_ties(), negmas: negmas.len() },
        frontier: frontier.points,
        frontier_negmas: negmas,
        solutions,
        opposition,
        opposition_negmas,
        rational,
    }
}

/// Analyses linear additive utilities over `space` without enumerating it:
/// the frontier comes from [`additive_frontier`], extremes issue by issue.
/// Opposition is taken over the frontier, where its minimum lies when every
/// utility is at most 1 (GENIUS) or every maximum is non-negative (NegMAS);
/// otherwise it is `None`. The rational outcomes are not counted (`None`).
pub fn analyze_additive(
    space: &OutcomeSpace,
    ufuns: &[&LinearAdditive],
    limits: MergeLimits,
) -> Result<DomainAnalysis, AnalysisError> {
    let merged = additive_frontier(space, ufuns, limits)?;
    let point = |values: &[u32]| -> Result<Point, AnalysisError> {
        Ok(Point { utilities: ufuns.iter().map(|u| u.utility(values)).collect(), outcome: space.index_of(values)? })
    };
    let mut ranges = Vec::with_capacity(ufuns.len());
    let mut parties = Vec::with_capacity(ufuns.len());
    for (p, u) in ufuns.iter().enumerate() {
        let (worst, best) = u.extremes(space);
        let (worst, best) = (point(&worst)?, point(&best)?);
        let r = PartyRange { reservation: u.reservation(), min: worst.utilities[p], max: best.utilities[p] };
        parties.push(summary(&r, best, worst));
        ranges.push(r);
    }
    let (opposition, opposition_negmas) = frontier_oppositions(&merged.frontier.points, &ranges);
    let (opposition, opposition_negmas) = (opposition.flatten(), opposition_negmas.flatten());
    Ok(assemble(space.cardinality(), parties, &ranges, merged.frontier, opposition, opposition_negmas, None))
}

#[cfg(test)]
mod tests;
