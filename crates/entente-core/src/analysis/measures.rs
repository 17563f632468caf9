//! Where an agreement lies: its distance to the Pareto frontier and to the
//! bargaining solutions, and its welfare.
//!
//! Distances are Euclidean in the utility space of all parties,
//! `sqrt(Σ_i (u_i − v_i)²)` accumulated in party order. The distance to a
//! set of points (the frontier, or several tied Nash points) is the distance
//! to the nearest of them: NegMAS's `distance_to` on its discrete frontier
//! (`calc_outcome_distances`), not to the segments between frontier points.
//! A distance is `None` when the set is empty (no rational outcome, say).

use serde::{Deserialize, Serialize};

use super::DomainAnalysis;
use super::pareto::welfare;

/// Measures of one agreement (or any utility vector) against an analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgreementMeasures {
    /// `Σ_i u_i`.
    pub welfare: f64,
    /// To the nearest point of NegMAS's frontier (rational points only), as
    /// NegMAS reports it.
    pub pareto_distance: Option<f64>,
    /// To the nearest point of the whole frontier (GENIUS's Pareto set): zero
    /// exactly when the agreement is Pareto-optimal.
    pub pareto_distance_genius: Option<f64>,
    /// To the nearest of NegMAS's Nash points.
    pub nash_distance: Option<f64>,
    /// To GENIUS's Nash point.
    pub nash_distance_genius: Option<f64>,
    /// To the textbook Kalai–Smorodinsky point.
    pub ks_distance: Option<f64>,
    /// To the nearest of NegMAS's `ks_points`.
    pub ks_distance_negmas: Option<f64>,
    /// To GENIUS's equal-utility "KS" point.
    pub ks_distance_genius: Option<f64>,
}

/// Euclidean distance between two utility vectors of the same length.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s.sqrt()
}

/// Distance from `u` to the nearest of `points` (`None` if there are none).
pub fn distance_to_nearest<'a>(u: &[f64], points: impl IntoIterator<Item = &'a [f64]>) -> Option<f64> {
    points.into_iter().map(|p| distance(u, p)).reduce(f64::min)
}

/// The measures of the utility vector `utilities` (one per party, in the
/// analysis's party order).
pub fn agreement_measures(utilities: &[f64], analysis: &DomainAnalysis) -> AgreementMeasures {
    let s = &analysis.solutions;
    let one = |p: &Option<super::Point>| p.as_ref().map(|p| distance(utilities, &p.utilities));
    AgreementMeasures {
        welfare: welfare(utilities),
        pareto_distance: distance_to_nearest(utilities, analysis.frontier_negmas.iter().map(|p| &p.utilities[..])),
        pareto_distance_genius: distance_to_nearest(utilities, analysis.frontier.iter().map(|p| &p.utilities[..])),
        nash_distance: distance_to_nearest(utilities, s.nash_negmas.iter().map(|p| &p.utilities[..])),
        nash_distance_genius: one(&s.nash_genius),
        ks_distance: one(&s.kalai_smorodinsky),
        ks_distance_negmas: distance_to_nearest(utilities, s.ks_negmas.iter().map(|p| &p.utilities[..])),
        ks_distance_genius: one(&s.ks_genius),
    }
}
