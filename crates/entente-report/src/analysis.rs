//! `entente analyze`: the document `entente.analysis/2` and the printed
//! analysis of a domain (frontier, bargaining solutions, opposition).

use std::fmt::Write as _;

use entente_core::analysis::{Choice, DomainAnalysis, FrontierPoint, Method, Point, Requested};
use entente_protocols::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, decimal, describe, fmt_utils};
use crate::ratification::{LargeZonesDoc, RatificationDoc};
use crate::zones::ZonesDoc;

/// The schema of [`AnalysisDoc`].
pub const ANALYSIS_SCHEMA: &str = "entente.analysis/2";

/// A point of the utility space: every party's utility of an outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointDoc {
    pub utilities: Vec<f64>,
    pub outcome: Outcome,
    #[serde(with = "decimal")]
    pub outcome_index: u128,
}

impl PointDoc {
    pub fn new(scenario: &Scenario, p: &Point) -> Self {
        PointDoc { utilities: p.utilities.clone(), outcome: Outcome::of(scenario, p.outcome), outcome_index: p.outcome }
    }
}

/// A frontier point, with how many outcomes share its utilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPointDoc {
    pub utilities: Vec<f64>,
    pub outcome: Outcome,
    #[serde(with = "decimal")]
    pub outcome_index: u128,
    #[serde(with = "decimal")]
    pub ties: u128,
}

impl FrontierPointDoc {
    pub fn new(scenario: &Scenario, p: &FrontierPoint) -> Self {
        FrontierPointDoc {
            utilities: p.utilities.clone(),
            outcome: Outcome::of(scenario, p.outcome),
            outcome_index: p.outcome,
            ties: p.ties,
        }
    }
}

/// One party's range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartySummaryDoc {
    pub name: String,
    pub reservation: Option<f64>,
    pub disagreement: f64,
    pub min: f64,
    pub max: f64,
    pub best: PointDoc,
    pub worst: PointDoc,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParetoDoc {
    pub distinct: usize,
    #[serde(with = "decimal")]
    pub with_ties: u128,
    pub negmas: usize,
}

/// The zone of possible agreement: the outcomes every party strictly prefers
/// to no agreement (`u_i > rv_i`; in `entente.analysis/1`, `u_i >= rv_i`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RationalDoc {
    #[serde(with = "decimal")]
    pub count: u128,
    pub outcomes: Option<Vec<Outcome>>,
}

/// The `delegations` part: the enumerated zone analysis, or the analysis of a
/// space too large to enumerate (`"method": "large_space"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DelegationsDoc {
    LargeSpace(Box<LargeZonesDoc>),
    Enumerated(Box<ZonesDoc>),
}

/// How the domain was analysed ([`Limits::choose_method`] and
/// [`Limits::choose_zone_method`] of `entente_core::analysis::plan`).
///
/// [`Limits::choose_method`]: entente_core::analysis::Limits::choose_method
/// [`Limits::choose_zone_method`]: entente_core::analysis::Limits::choose_zone_method
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodDoc {
    /// The frontier and solutions: `enumerate` or `merge`.
    pub frontier: Method,
    /// What was asked for: `auto`, `enumerate` or `merge`.
    pub requested: Requested,
    /// Spaces up to this many outcomes are enumerated (under `auto`).
    pub enumeration_limit: u64,
    /// The zones of divided delegations: `enumerate` or `sample` (`null`
    /// without delegation).
    pub zones: Option<Method>,
    /// Zones of spaces up to this many outcomes are enumerated (`null`
    /// without delegation).
    pub zone_enumeration_limit: Option<u64>,
}

impl MethodDoc {
    pub fn new(choice: &Choice, zones: Option<&Choice>) -> Self {
        let limit = |x: u128| u64::try_from(x).unwrap_or(u64::MAX);
        MethodDoc {
            frontier: choice.method,
            requested: choice.requested,
            enumeration_limit: limit(choice.limit),
            zones: zones.map(|z| z.method),
            zone_enumeration_limit: zones.map(|z| limit(z.limit)),
        }
    }
}

/// On a talks file: what the analysis covers, the talks as they stand at the
/// time asked (the same analysis as the talks' assessment).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TalksScopeDoc {
    /// The minute of the round (`day 3, 17:30`), and as a relative time of the round.
    pub minute: u64,
    pub clock: String,
    pub at: f64,
    /// The issues under negotiation then: the agenda and the items tabled by then.
    pub negotiated: Vec<String>,
    /// The other issues, each held at the value that holds while it is off
    /// the agenda (the baseline's, else the default); a tabled item whose
    /// guarantor refuses, at its default.
    pub fixed: Vec<(String, String)>,
    /// Every party's reservation value then (incidents may have moved it).
    pub reservations: Vec<f64>,
}

impl TalksScopeDoc {
    /// The line that says what the analysis covers.
    pub fn text(&self) -> String {
        let fixed = self.fixed.iter().map(|(i, v)| format!("{i}={v}")).collect::<Vec<_>>().join(", ");
        let held = if fixed.is_empty() { String::new() } else { format!("; held as they stand: {fixed}") };
        format!(
            "Talks: what the talks negotiate on {} (t = {:.3} of the round), as their assessment sees it: the agenda \
             ({}){held}; the instructions in force and the reservation values then.\n",
            self.clock,
            self.at,
            self.negotiated.join(", ")
        )
    }
}

/// `entente analyze --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisDoc {
    /// [`ANALYSIS_SCHEMA`].
    pub schema: String,
    pub scenario: String,
    #[serde(with = "decimal")]
    pub outcomes: u128,
    pub parties: Vec<PartySummaryDoc>,
    pub pareto: ParetoDoc,
    pub frontier: Vec<FrontierPointDoc>,
    pub frontier_negmas: Vec<FrontierPointDoc>,
    pub nash_negmas: Vec<PointDoc>,
    pub nash_genius: Option<PointDoc>,
    pub kalai_smorodinsky: Option<PointDoc>,
    pub ks_negmas: Vec<PointDoc>,
    pub ks_genius: Option<PointDoc>,
    pub egalitarian: Vec<PointDoc>,
    pub max_welfare: Vec<PointDoc>,
    pub max_welfare_genius: Option<PointDoc>,
    pub opposition: Option<f64>,
    pub opposition_negmas: Option<f64>,
    /// The zone of possible agreement (the field keeps its name; its meaning
    /// changed with version 2: strictly above every reservation value).
    pub rational: Option<RationalDoc>,
    /// How the analysis library chose to analyse the domain, and its limits.
    pub method: MethodDoc,
    /// Divided delegations (absent without delegation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegations: Option<DelegationsDoc>,
    /// The probability of ratification under uncertainty (absent when not estimated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratification: Option<RatificationDoc>,
    /// On a talks file: what the talks negotiate at the time asked; the
    /// frontier and solutions above are over those outcomes only (their
    /// `outcome_index` numbers the reduced space), the `delegations` part over
    /// the same outcomes of the whole space (absent on other files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talks: Option<TalksScopeDoc>,
}

impl AnalysisDoc {
    /// The document of `a`, the analysis of `scenario`'s parties by the
    /// method `choice` (`zones`: how the zones of its delegations are found),
    /// without the delegations' parts: set [`AnalysisDoc::delegations`] and
    /// [`AnalysisDoc::ratification`].
    pub fn new(scenario: &Scenario, a: &DomainAnalysis, choice: &Choice, zones: Option<&Choice>) -> Self {
        let s = &a.solutions;
        let point = |p: &Point| PointDoc::new(scenario, p);
        let points = |ps: &[Point]| ps.iter().map(point).collect::<Vec<_>>();
        let frontier = |ps: &[FrontierPoint]| ps.iter().map(|p| FrontierPointDoc::new(scenario, p)).collect();
        AnalysisDoc {
            schema: ANALYSIS_SCHEMA.into(),
            scenario: scenario.name.clone(),
            outcomes: a.outcomes,
            parties: scenario
                .parties
                .iter()
                .zip(&a.parties)
                .map(|(p, sum)| PartySummaryDoc {
                    name: p.name.clone(),
                    reservation: sum.reservation,
                    disagreement: sum.disagreement,
                    min: sum.min,
                    max: sum.max,
                    best: point(&sum.best),
                    worst: point(&sum.worst),
                })
                .collect(),
            pareto: ParetoDoc { distinct: a.pareto.distinct, with_ties: a.pareto.with_ties, negmas: a.pareto.negmas },
            frontier: frontier(&a.frontier),
            frontier_negmas: frontier(&a.frontier_negmas),
            nash_negmas: points(&s.nash_negmas),
            nash_genius: s.nash_genius.as_ref().map(point),
            kalai_smorodinsky: s.kalai_smorodinsky.as_ref().map(point),
            ks_negmas: points(&s.ks_negmas),
            ks_genius: s.ks_genius.as_ref().map(point),
            egalitarian: points(&s.egalitarian),
            max_welfare: points(&s.max_welfare),
            max_welfare_genius: s.max_welfare_genius.as_ref().map(point),
            opposition: a.opposition,
            opposition_negmas: a.opposition_negmas,
            rational: a.rational.as_ref().map(|r| RationalDoc {
                count: r.count,
                outcomes: r.outcomes.as_ref().map(|o| o.iter().map(|&x| Outcome::of(scenario, x)).collect()),
            }),
            method: MethodDoc::new(choice, zones),
            delegations: None,
            ratification: None,
            talks: None,
        }
    }
}

fn fmt_names(names: &[&str]) -> String {
    format!("({})", names.join(", "))
}

/// The human-readable report of an analysis.
pub fn analysis_text(scenario: &Scenario, a: &DomainAnalysis) -> String {
    let mut out = String::new();
    let names: Vec<&str> = scenario.parties.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(
        out,
        "{}: {} parties ({}), {} issues, {} outcomes",
        scenario.name,
        names.len(),
        names.join(", "),
        scenario.space.issues().len(),
        a.outcomes
    );
    let _ = writeln!(out, "Utilities are listed in party order {}.", fmt_names(&names));
    let _ = writeln!(out);
    for (p, sum) in scenario.parties.iter().zip(&a.parties) {
        let rv = sum.reservation.map_or("none".to_string(), |r| format!("{r:.4}"));
        let _ = writeln!(out, "{}: utility from {:.4} to {:.4}; reservation {rv}", p.name, sum.min, sum.max);
        let _ = writeln!(out, "  best  {} {}", fmt_utils(&sum.best.utilities), describe(scenario, sum.best.outcome));
        let _ = writeln!(out, "  worst {} {}", fmt_utils(&sum.worst.utilities), describe(scenario, sum.worst.outcome));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Pareto frontier: {} points ({} outcomes counting ties); {} of them NegMAS-rational, at or above every reservation value (NegMAS's frontier)",
        a.pareto.distinct, a.pareto.with_ties, a.pareto.negmas
    );
    let s = &a.solutions;
    let line = |out: &mut String, label: &str, p: Option<&Point>, more: usize| match p {
        Some(p) => {
            let extra = if more > 1 { format!(" (and {} more tied)", more - 1) } else { String::new() };
            let _ = writeln!(out, "  {label:<34} {} {}{extra}", fmt_utils(&p.utilities), describe(scenario, p.outcome));
        }
        None => {
            let _ = writeln!(out, "  {label:<34} none (no rational outcome)");
        }
    };
    line(&mut out, "Nash (NegMAS)", s.nash_negmas.first(), s.nash_negmas.len());
    line(&mut out, "Nash (GENIUS)", s.nash_genius.as_ref(), 1);
    line(&mut out, "Kalai-Smorodinsky (textbook)", s.kalai_smorodinsky.as_ref(), 1);
    line(&mut out, "Kalai-Smorodinsky (NegMAS ks)", s.ks_negmas.first(), s.ks_negmas.len());
    line(&mut out, "GENIUS \"KS\" (equal utilities)", s.ks_genius.as_ref(), 1);
    line(&mut out, "Egalitarian (NegMAS kalai)", s.egalitarian.first(), s.egalitarian.len());
    line(&mut out, "Max welfare (NegMAS)", s.max_welfare.first(), s.max_welfare.len());
    line(&mut out, "Max welfare (GENIUS)", s.max_welfare_genius.as_ref(), 1);
    let _ = writeln!(out);
    match a.opposition {
        Some(o) => {
            let _ = writeln!(out, "Opposition (GENIUS: nearest outcome to all ones): {o:.4}");
        }
        None => {
            let _ = writeln!(out, "Opposition (GENIUS): not computed by the merge (some utility exceeds 1)");
        }
    }
    if let Some(o) = a.opposition_negmas {
        let _ = writeln!(out, "Opposition (NegMAS opposition_level): {o:.4}");
    }
    match &a.rational {
        Some(r) => {
            let _ = writeln!(
                out,
                "Zone of possible agreement (outcomes every party strictly prefers to no agreement): {}",
                r.count
            );
        }
        None => {
            let _ = writeln!(out, "Zone of possible agreement: not counted (the merge does not enumerate outcomes)");
        }
    }
    out
}

/// The line that says how the domain was analysed: the frontier's method
/// and limit, and (`zones`) how the delegations' zones were found.
pub fn method_text(choice: &Choice, zones: Option<&Choice>) -> String {
    let asked = choice.requested != Requested::Auto;
    let frontier = match (choice.method, asked) {
        (Method::Merge, true) => {
            "the frontier by the issue-by-issue merge of linear additive utilities, as asked".into()
        }
        (Method::Merge, false) => format!(
            "the frontier by the issue-by-issue merge of linear additive utilities ({} outcomes, more than the {} enumerated)",
            choice.outcomes, choice.limit
        ),
        (_, true) => format!("the frontier by enumerating all {} outcomes, as asked", choice.outcomes),
        (_, false) => format!(
            "the frontier by enumerating all {} outcomes (spaces up to {} outcomes are enumerated, larger linear additive ones merged)",
            choice.outcomes, choice.limit
        ),
    };
    let zones = match zones {
        Some(z) if z.method == Method::Enumerate => {
            format!("; the delegations' zones by enumeration (up to {} outcomes)", z.limit)
        }
        Some(z) => format!(
            "; the delegations' zones by the exact linear additive check and sampling (more than the {} outcomes enumerated)",
            z.limit
        ),
        None => String::new(),
    };
    format!("Method: {frontier}{zones}.\n")
}
