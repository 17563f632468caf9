//! `entente run`: the document `entente.run/1` (docs/run-json.md) and the
//! printed summary of one negotiation.

use std::fmt::Write as _;

use entente_core::OutcomeIndex;
use entente_core::UtilityFunction;
use entente_core::analysis::dynamics::{
    DistanceOverTime, PartySteps, StepClass, StepCounts, distances_over_time, step_classes,
};
use entente_core::analysis::{AgreementMeasures, DomainAnalysis};
use entente_protocols::EndReason;
use entente_protocols::scenario::{RunReport, Scenario};
use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, decimal, describe, finite, fmt_u};

/// The schema of [`RunDoc`].
pub const RUN_SCHEMA: &str = "entente.run/1";

/// One party of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunParty {
    pub name: String,
    /// The negotiator's name (`null`: none declared).
    pub strategy: Option<String>,
    /// `null`: no reservation value.
    pub reservation: Option<f64>,
    pub discount: Option<f64>,
}

/// One offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunOffer {
    pub round: u32,
    pub party: usize,
    pub t: f64,
    pub outcome: Outcome,
    pub outcome_index: u32,
    pub utilities: Vec<f64>,
}

/// The agreement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunAgreement {
    pub outcome: Outcome,
    pub outcome_index: u32,
}

/// Why the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RunEnd {
    Agreement,
    Timeout,
    TimeLimit,
    BrokenOff { by: usize },
}

impl From<EndReason> for RunEnd {
    fn from(r: EndReason) -> Self {
        match r {
            EndReason::Agreement => RunEnd::Agreement,
            EndReason::Timeout => RunEnd::Timeout,
            EndReason::TimeLimit => RunEnd::TimeLimit,
            EndReason::BrokenOff { by } => RunEnd::BrokenOff { by },
        }
    }
}

/// What a delegation's blocs say of the agreement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRatification {
    pub ratified: bool,
    pub accepting: Vec<String>,
    pub rejecting: Vec<String>,
    pub instructions_from: f64,
}

/// A party's step classes: counts per class and the class of every step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartyStepsDoc {
    pub party: String,
    pub counts: StepCounts,
    pub steps: Vec<StepClass>,
}

/// How the negotiation moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DynamicsDoc {
    pub step_classes: Vec<PartyStepsDoc>,
    pub distance_over_time: Vec<DistanceOverTime>,
}

/// `entente run --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDoc {
    /// [`RUN_SCHEMA`].
    pub schema: String,
    pub scenario: String,
    pub seed: u64,
    pub n_steps: u32,
    pub time_limit: Option<f64>,
    #[serde(with = "decimal")]
    pub n_outcomes: u128,
    pub issues: Vec<String>,
    pub parties: Vec<RunParty>,
    pub offers: Vec<RunOffer>,
    pub agreement: Option<RunAgreement>,
    pub utilities: Vec<Option<f64>>,
    pub discounted_utilities: Vec<Option<f64>>,
    pub rounds: u32,
    pub end: RunEnd,
    pub ratification: Vec<Option<RunRatification>>,
    pub t_end: f64,
    /// `null` without agreement.
    pub agreement_measures: Option<AgreementMeasures>,
    pub dynamics: DynamicsDoc,
}

/// A run without its offers, as `entente whatif` embeds it (`n_offers` counts
/// them). The field order is the one `whatif` has always printed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// [`RUN_SCHEMA`].
    pub schema: String,
    pub scenario: String,
    pub seed: u64,
    pub n_steps: u32,
    pub time_limit: Option<f64>,
    #[serde(with = "decimal")]
    pub n_outcomes: u128,
    pub issues: Vec<String>,
    pub parties: Vec<RunParty>,
    pub t_end: f64,
    pub agreement: Option<RunAgreement>,
    pub utilities: Vec<Option<f64>>,
    pub discounted_utilities: Vec<Option<f64>>,
    pub rounds: u32,
    pub end: RunEnd,
    pub ratification: Vec<Option<RunRatification>>,
    pub n_offers: usize,
}

fn parties(scenario: &Scenario) -> Vec<RunParty> {
    scenario
        .parties
        .iter()
        .map(|p| RunParty {
            name: p.name.clone(),
            strategy: p.strategy.map(|s| s.name().to_string()),
            reservation: finite(p.utility.reservation()),
            discount: p.utility.discount(),
        })
        .collect()
}

fn agreement(scenario: &Scenario, report: &RunReport) -> Option<RunAgreement> {
    report.agreement.map(|a| RunAgreement { outcome: Outcome::of(scenario, a as OutcomeIndex), outcome_index: a })
}

fn ratification(report: &RunReport) -> Vec<Option<RunRatification>> {
    report
        .ratification
        .iter()
        .map(|r| {
            r.as_ref().map(|r| RunRatification {
                ratified: r.ratified,
                accepting: r.accepting.clone(),
                rejecting: r.rejecting.clone(),
                instructions_from: r.instructions_from,
            })
        })
        .collect()
}

fn issues(scenario: &Scenario) -> Vec<String> {
    scenario.space.issues().iter().map(|i| i.name.clone()).collect()
}

impl RunDoc {
    /// The document of `report`, a run of `scenario`; `measures` of its
    /// agreement (if any) and its dynamics.
    pub fn new(
        scenario: &Scenario,
        report: &RunReport,
        measures: Option<&AgreementMeasures>,
        dynamics: &Dynamics,
    ) -> Self {
        RunDoc {
            schema: RUN_SCHEMA.into(),
            scenario: scenario.name.clone(),
            seed: report.seed,
            n_steps: scenario.config.n_steps,
            time_limit: scenario.config.time_limit,
            n_outcomes: scenario.space.cardinality(),
            issues: issues(scenario),
            parties: parties(scenario),
            offers: report
                .offers
                .iter()
                .map(|o| RunOffer {
                    round: o.round,
                    party: o.party,
                    t: o.t,
                    outcome: Outcome::of(scenario, o.outcome as OutcomeIndex),
                    outcome_index: o.outcome,
                    utilities: o.utilities.clone(),
                })
                .collect(),
            agreement: agreement(scenario, report),
            utilities: report.utilities.iter().map(|&u| finite(u)).collect(),
            discounted_utilities: report.discounted_utilities.iter().map(|&u| finite(u)).collect(),
            rounds: report.rounds,
            end: report.reason.into(),
            ratification: ratification(report),
            t_end: report.t,
            agreement_measures: measures.cloned(),
            dynamics: dynamics.doc(scenario),
        }
    }
}

impl RunSummary {
    /// The summary of `report`, a run of `scenario`.
    pub fn new(scenario: &Scenario, report: &RunReport) -> Self {
        RunSummary {
            schema: RUN_SCHEMA.into(),
            scenario: scenario.name.clone(),
            seed: report.seed,
            n_steps: scenario.config.n_steps,
            time_limit: scenario.config.time_limit,
            n_outcomes: scenario.space.cardinality(),
            issues: issues(scenario),
            parties: parties(scenario),
            t_end: report.t,
            agreement: agreement(scenario, report),
            utilities: report.utilities.iter().map(|&u| finite(u)).collect(),
            discounted_utilities: report.discounted_utilities.iter().map(|&u| finite(u)).collect(),
            rounds: report.rounds,
            end: report.reason.into(),
            ratification: ratification(report),
            n_offers: report.offers.len(),
        }
    }
}

/// How the negotiation moved: step classes and distances over time.
pub struct Dynamics {
    pub steps: Vec<PartySteps>,
    pub distances: Vec<DistanceOverTime>,
}

impl Dynamics {
    /// The dynamics of `report` against the domain's `analysis`.
    pub fn of(report: &RunReport, analysis: &DomainAnalysis) -> Self {
        let n = report.utilities.len();
        let offers: Vec<(usize, &[f64])> = report.offers.iter().map(|o| (o.party, &o.utilities[..])).collect();
        let frontier: Vec<&[f64]> = analysis.frontier.iter().map(|p| &p.utilities[..]).collect();
        let nash = analysis.solutions.nash_negmas.first().map(|p| &p.utilities[..]);
        let distances = distances_over_time(report.offers.iter().map(|o| (o.t, &o.utilities[..])), &frontier, nash);
        Dynamics { steps: step_classes(n, &offers), distances }
    }

    /// The document part.
    pub fn doc(&self, scenario: &Scenario) -> DynamicsDoc {
        let step_classes = self
            .steps
            .iter()
            .map(|s| PartyStepsDoc {
                party: scenario.parties[s.party].name.clone(),
                counts: StepCounts::of(&s.steps),
                steps: s.steps.clone(),
            })
            .collect();
        DynamicsDoc { step_classes, distance_over_time: self.distances.clone() }
    }

    /// The printed part.
    pub fn text(&self, scenario: &Scenario) -> String {
        let mut out = String::from("Steps between each party's consecutive offers:\n");
        for s in &self.steps {
            let parts: Vec<String> = StepClass::ALL
                .iter()
                .zip(s.counts)
                .filter(|(_, n)| *n > 0)
                .map(|(c, n)| format!("{n} {}", c.name()))
                .collect();
            let listed = if parts.is_empty() { "none".to_string() } else { parts.join(", ") };
            let _ = writeln!(out, "  {}: {listed}", scenario.parties[s.party].name);
        }
        if let (Some(first), Some(last)) = (self.distances.first(), self.distances.last()) {
            let d = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.4}"));
            let _ = writeln!(
                out,
                "Distance of the offers to the Pareto frontier: {} at first, {} at last; to the Nash point: {} then {}.",
                d(first.pareto),
                d(last.pareto),
                d(first.nash),
                d(last.nash)
            );
        }
        out
    }
}

/// The agreement's measures, as printed.
pub fn measures_text(m: &AgreementMeasures) -> String {
    let d = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.4}"));
    format!(
        "The agreement: welfare {:.4}; distance to the Pareto frontier {}{}, to the Nash point {}, \
         to the Kalai-Smorodinsky point {}.\n",
        m.welfare,
        d(m.pareto_distance_genius),
        if m.pareto_distance_genius == Some(0.0) { " (Pareto-optimal)" } else { "" },
        d(m.nash_distance),
        d(m.ks_distance)
    )
}

/// The whole printed report of a run: the summary, the agreement's measures
/// (when there is an agreement) and the dynamics.
pub fn run_text(
    scenario: &Scenario,
    report: &RunReport,
    measures: Option<&AgreementMeasures>,
    dynamics: &Dynamics,
    full: bool,
) -> String {
    let mut out = summary_text(scenario, report, full);
    if let Some(m) = measures {
        out.push_str(&measures_text(m));
    }
    out.push_str(&dynamics.text(scenario));
    out
}

/// The human-readable summary of a run: parties, offers (a compact view
/// beyond 40 unless `full`), the end.
pub fn summary_text(scenario: &Scenario, report: &RunReport, full: bool) -> String {
    let mut out = String::new();
    let n_parties = scenario.parties.len();
    let _ = writeln!(
        out,
        "{}: {} parties, {} issues, {} outcomes; at most {} rounds; seed {}",
        scenario.name,
        n_parties,
        scenario.space.issues().len(),
        scenario.space.cardinality(),
        scenario.config.n_steps,
        report.seed
    );
    for p in &scenario.parties {
        let _ = writeln!(
            out,
            "  {:<12} {:<11} reservation {}",
            p.name,
            p.strategy.map_or("-", |s| s.name()),
            fmt_u(p.utility.reservation())
        );
    }
    let _ = writeln!(out);
    let width = scenario.parties.iter().map(|p| p.name.len()).max().unwrap_or(5).max(5);
    let mut header = format!("{:>5}  {:<width$}  ", "round", "party");
    let columns: Vec<usize> = scenario.parties.iter().map(|p| (p.name.chars().count() + 3).max(8)).collect();
    for (p, w) in scenario.parties.iter().zip(&columns) {
        let _ = write!(header, "{:>w$} ", format!("u({})", p.name));
    }
    header.push_str(" offer");
    let _ = writeln!(out, "{header}");
    let n = report.offers.len();
    let compact = !full && n > 40;
    for (i, o) in report.offers.iter().enumerate() {
        if compact && i == 10 {
            let _ = writeln!(out, "{:>5}  ... {} more offers (use --full to see them) ...", "", n - 20);
        }
        if compact && i >= 10 && i < n - 10 {
            continue;
        }
        let mut line = format!("{:>5}  {:<width$}  ", o.round, scenario.parties[o.party].name);
        for (u, w) in o.utilities.iter().zip(&columns) {
            let _ = write!(line, "{:>w$} ", format!("{u:.4}"));
        }
        let _ = write!(line, " {}", describe(scenario, o.outcome as OutcomeIndex));
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    match report.agreement {
        Some(a) => {
            let _ = writeln!(
                out,
                "Agreement after {} of {} rounds: {}",
                report.rounds,
                scenario.config.n_steps,
                describe(scenario, a as OutcomeIndex)
            );
        }
        None => {
            let why = match report.reason {
                EndReason::Timeout => format!("no agreement within {} rounds (time-out)", report.rounds),
                EndReason::TimeLimit => "no agreement before the time limit".to_string(),
                EndReason::BrokenOff { by } => {
                    format!("broken off by {} in round {}", scenario.parties[by].name, report.rounds.saturating_sub(1))
                }
                EndReason::Agreement => "agreement".to_string(),
            };
            let _ = writeln!(out, "No agreement: {why}");
        }
    }
    for (k, p) in scenario.parties.iter().enumerate() {
        let u = report.utilities[k];
        let d = report.discounted_utilities[k];
        let mut line = format!("  {:<width$}  utility {}", p.name, fmt_u(u));
        if p.utility.discount().is_some() {
            let _ = write!(line, " (discounted {})", fmt_u(d));
        }
        if report.agreement.is_some() {
            let _ = write!(line, "  (reservation {})", fmt_u(p.utility.reservation()));
        } else {
            line.push_str("  (its reservation value)");
        }
        let _ = writeln!(out, "{line}");
    }
    for (p, r) in scenario.parties.iter().zip(&report.ratification) {
        let Some(r) = r else { continue };
        if r.ratified {
            let _ = writeln!(out, "  Ratified by {}'s blocs ({} accept).", p.name, r.accepting.join(", "));
        } else {
            let _ = writeln!(
                out,
                "  NOT RATIFIED by {}: rejected by {} (involuntary defection: the delegation agreed to what its blocs do not ratify).",
                p.name,
                r.rejecting.join(", ")
            );
        }
    }
    let reason = match report.reason {
        EndReason::Agreement => "every party accepted the last offer",
        EndReason::Timeout => "the round limit was reached",
        EndReason::TimeLimit => "the time limit was reached",
        EndReason::BrokenOff { .. } => "a party left the negotiation",
    };
    let _ = writeln!(out, "Ended: {reason} ({} offers, {} rounds).", n, report.rounds);
    out
}
