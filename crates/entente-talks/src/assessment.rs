//! The mediators' assessment at the end of a round: was the blockage in
//! substance or internal to a delegation, which bloc or injected item blocked
//! adoption, and what package would have passed.
//!
//! It is computed from the bloc analysis (`entente_core::analysis::zones`) of
//! the parties as they stand at the end (the delegations' instructions in
//! force, reservation values moved by incidents), over the outcomes that keep
//! the issues nobody negotiated as they were, and from the log (who tabled
//! what, on whose instructions).

use entente_core::analysis::zones::{
    DelegationInput, Diagnosis, PartyInput, ZonePoint, ZoneReport, analyze_zones_within,
};
use entente_core::blocs::{Instructions, OutcomeSet};
use entente_core::{Preferences, UtilityFunction, UtilityTable};
use entente_model::talks::{Effect, Timestamp};
use entente_model::timeline::DelegationState;
use entente_model::whatif::{WhatIf, WhatIfError};
use entente_protocols::package::{ClauseState, Event, Reason};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::log::Entry;
use crate::model::{Talks, clock};
use crate::sim::{Ending, TalksError, TalksRun};

/// Where the blockage lay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blockage {
    /// The package was adopted.
    None,
    /// No package beats no agreement for every party, even as unitary actors.
    Substantive,
    /// Some package suits every party as a unitary actor, but the blocs at home
    /// cannot ratify any.
    Internal,
    /// A ratifiable package existed; the round ended before it was reached.
    NotReached,
    /// A guarantor refused to guarantee an item that some party required:
    /// the refusal blocked adoption (see [`Assessment::refusals`]).
    GuarantorRefused,
    /// The package was adopted at the table, but a delegation's blocs at home
    /// rejected it: its head signed outside the win-set (involuntary
    /// defection; `blocking_blocs` names the blocs that rejected it).
    InvoluntaryDefection,
}

/// A package by its issues' labels, with every party's own utility of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    pub package: Vec<(String, String)>,
    pub utilities: Vec<f64>,
}

/// A guarantor's refusal to guarantee an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub guarantor: String,
    pub item: String,
    pub at: u64,
}

/// An item tabled during the talks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InjectedItem {
    pub item: String,
    pub tabled_by: String,
    pub at: u64,
    /// The bloc whose instructions it followed, if the log says so.
    pub on_instructions_of: Option<String>,
    pub state: ClauseState,
}

/// The mediators' assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub blockage: Blockage,
    /// `(party, bloc)` whose yielding alone would have opened a ratifiable zone.
    pub blocking_blocs: Vec<(String, String)>,
    /// `(party, bloc)` whose red lines alone close the zone.
    pub red_lines: Vec<(String, String)>,
    pub injected: Vec<InjectedItem>,
    /// Unitary and bloc-level zone sizes (within the negotiated issues).
    pub unitary_zone: usize,
    pub bloc_zone: usize,
    /// After an adoption, the adopted text; otherwise what would have
    /// passed: the Nash package of the bloc-level zone, or, when blocked
    /// internally, of the unitary zone (what would pass in substance). Only
    /// packages that every required guarantor accepts are proposed.
    pub package: Option<Vec<(String, String)>>,
    /// Every party's own utility of `package`.
    pub package_utilities: Option<Vec<f64>>,
    /// After an adoption: the Nash package of the bloc-level zone and every
    /// party's utility of it, to compare with the adopted text.
    #[serde(default)]
    pub nash: Option<Labelled>,
    /// Guarantors that refused to guarantee an item.
    #[serde(default)]
    pub refusals: Vec<Refusal>,
    /// The assessment in words.
    pub text: String,
}

/// Assesses a finished round.
pub fn assess(talks: &Talks, run: &TalksRun) -> Result<Assessment, TalksError> {
    let space = &talks.scenario.space;
    // Issues under negotiation: the agenda and the items tabled; the others stay as in the text, an item whose
    // guarantee was refused at its default.
    let (negotiated, fixed) = Standing::fixed_of(talks, &run.log, &run.clauses, &run.text);
    let mut refusals = Vec::new();
    for e in run.log.entries() {
        let Entry::Package { event: Event::Consent { clause, given: false, actor, time, .. } } = &e.entry else {
            continue;
        };
        let Some(c) = run.clauses.iter().find(|c| c.clause == clause.0) else { continue };
        let guarantor = run.actor_names.iter().find(|(a, _)| a == actor).map_or("?".to_string(), |(_, n)| n.clone());
        refusals.push(Refusal { guarantor, item: c.title.clone(), at: *time });
    }
    let standing = Standing {
        instructions: run.instructions.clone(),
        reservations: run.reservations.clone(),
        negotiated: negotiated.clone(),
        fixed,
    };
    let (own, zones) = standing.zones_and_tables(talks)?;

    // Items tabled during the talks, and on whose instructions.
    let mut injected = Vec::new();
    for c in &run.clauses {
        let Some((by, at)) = &c.tabled else { continue };
        let bloc =
            run.log.entries().iter().find_map(|e| match &e.entry {
                Entry::Package {
                    event: Event::ItemTabled { clause, reason: Some(Reason::Tabled { bloc, .. }), .. },
                } if clause.0 == c.clause => Some(bloc.clone()),
                _ => None,
            });
        injected.push(InjectedItem {
            item: c.title.clone(),
            tabled_by: by.clone(),
            at: *at,
            on_instructions_of: bloc,
            state: c.state,
        });
    }
    let open_injected: Vec<&InjectedItem> = injected.iter().filter(|i| i.state != ClauseState::Provisional).collect();

    let adopted = match &run.ending {
        Ending::Adopted { text, .. } => space.index_of(text).ok().map(|o| ZonePoint {
            outcome: o as entente_core::OutcomeId,
            utilities: own.iter().map(|t| t.utility(o as entente_core::OutcomeId)).collect(),
        }),
        _ => None,
    };
    let refused = !refusals.is_empty() && adopted.is_none();
    let rejections: Vec<(String, String)> = run
        .log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Ratification { party, ratified: false, rejected_by } => Some(
                rejected_by
                    .iter()
                    .map(|b| (talks.scenario.parties[*party].name.clone(), b.clone()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    let (blockage, blocking_blocs, red_lines, package) = match (&zones.diagnosis, &adopted) {
        (_, Some(text)) if !rejections.is_empty() => {
            (Blockage::InvoluntaryDefection, rejections.clone(), vec![], Some(text.clone()))
        }
        (_, Some(text)) => (Blockage::None, vec![], vec![], Some(text.clone())),
        (Diagnosis::NoAgreementInSubstance, _) => {
            (if refused { Blockage::GuarantorRefused } else { Blockage::Substantive }, vec![], vec![], None)
        }
        (Diagnosis::BlockedInternally { responsible, red_lines, substance_package, .. }, _) => (
            if refused { Blockage::GuarantorRefused } else { Blockage::Internal },
            responsible.clone(),
            red_lines.clone(),
            // After a refusal, only a ratifiable package is proposed.
            if refused { None } else { Some(substance_package.clone()) },
        ),
        (Diagnosis::Possible { package }, _) => (
            if refused { Blockage::GuarantorRefused } else { Blockage::NotReached },
            vec![],
            vec![],
            Some(package.clone()),
        ),
    };
    let labels = |p: &ZonePoint| -> Vec<(String, String)> {
        let v = space.labels(p.outcome as u128).unwrap_or_default();
        space
            .issues()
            .iter()
            .zip(v)
            .enumerate()
            .filter(|(i, _)| negotiated.contains(i))
            .map(|(_, (issue, v))| (issue.name.clone(), v.to_string()))
            .collect()
    };
    let package_labels = package.as_ref().map(labels);
    let nash = match (&adopted, &zones.bloc_nash) {
        (Some(_), Some(p)) => Some(Labelled { package: labels(p), utilities: p.utilities.clone() }),
        _ => None,
    };
    let facts = Facts { blockage, blocking: &blocking_blocs, red_lines: &red_lines, refusals: &refusals };
    let text = narrative(run, &facts, &open_injected, &zones, package_labels.as_deref(), nash.as_ref());
    Ok(Assessment {
        nash,
        refusals,
        blockage,
        blocking_blocs,
        red_lines,
        injected,
        unitary_zone: zones.unitary_zone,
        bloc_zone: zones.bloc_zone,
        package_utilities: package.as_ref().map(|p| p.utilities.clone()),
        package: package_labels,
        text,
    })
}

/// Why the scenario as the talks stand could not be built.
#[derive(Debug, Error)]
pub enum NegotiatedError {
    #[error(transparent)]
    Model(#[from] entente_core::ModelError),
    #[error(transparent)]
    WhatIf(#[from] WhatIfError),
    #[error("{party}'s reservation value moved during the talks, and its utility function cannot take another one")]
    Reservation { party: String },
}

/// A divided delegation as it stands ([`Standing::delegations`]).
#[derive(Clone, Debug)]
pub struct DelegationStanding {
    pub party: usize,
    pub instructions: Instructions,
    pub sets: Vec<entente_core::blocs::BlocSets>,
    /// Per bloc: how many of the outcomes the talks negotiate it accepts.
    pub accepts: Vec<usize>,
}

/// The parties of a round as they stand at one moment, and what the talks
/// negotiate then: the input of the zone analysis. The assessment builds it
/// from a finished run ([`assess`]); `entente analyze` on a talks file builds
/// it for any time of the round before running it ([`Standing::at`]). Both
/// analyse it with [`Standing::zones`].
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    /// Per party: the instructions in force (`None` for a unitary party).
    pub instructions: Vec<Option<Instructions>>,
    /// Per party: its reservation value (a delegation's as its instructions
    /// say, moved by incidents since).
    pub reservations: Vec<f64>,
    /// The issues under negotiation: the agenda and the items tabled.
    pub negotiated: Vec<usize>,
    /// `(issue, value)` held fixed: every issue off the agenda at the value
    /// that holds while it is (the baseline's, else the default), and an item
    /// whose guarantor refused, at its default.
    pub fixed: Vec<(usize, u32)>,
}

impl Standing {
    /// The round of `talks` at minute `t`, as its schedule determines it
    /// before anything is simulated: the instructions in force at `t` (on the
    /// delegations' timelines), the reservation values moved by the incidents
    /// up to `t` (a delegation's since its last instruction, which resets it,
    /// as in the round), the agenda with the items the instructions up to `t`
    /// table, and the issues off it at the values that hold. A tabled item
    /// whose guarantor is present and refuses stays at its default.
    pub fn at(talks: &Talks, t: Timestamp) -> Result<Standing, TalksError> {
        let scenario = &talks.scenario;
        let space = &scenario.space;
        let n_issues = space.issues().len();
        let in_force = entente_model::timeline::InForce::talks(talks, t);
        let mut instructions = Vec::with_capacity(scenario.parties.len());
        let mut reservations = Vec::with_capacity(scenario.parties.len());
        for (k, p) in scenario.parties.iter().enumerate() {
            let (ins, mut reservation, since) = match (&p.delegation, in_force.instructions.get(k).cloned().flatten()) {
                (Some(d), Some(i)) => {
                    let tables = DelegationState::bloc_tables(space, d)?;
                    let state = DelegationState::new(space, d, &tables, &i)?;
                    let last = talks.instructions.iter().filter(|x| x.party == k && x.at <= t).map(|x| x.at).max();
                    (Some(i), state.reservation, last)
                }
                _ => (None, p.utility.reservation(), None),
            };
            for inc in talks.incidents.iter().filter(|i| i.at <= t && since.is_none_or(|s| i.at >= s)) {
                for e in &inc.effects {
                    if let Effect::LowerReservation { party, by } = e
                        && *party == k
                    {
                        reservation -= by;
                    }
                }
            }
            instructions.push(ins);
            reservations.push(reservation);
        }
        let mut negotiated: Vec<usize> = talks.agenda.clone();
        let mut refused = Vec::new();
        for ins in talks.instructions.iter().filter(|i| i.at <= t) {
            let delegation = scenario.parties.get(ins.party).is_some_and(|p| p.delegation.is_some());
            let Some(item) = ins.table.as_ref().filter(|_| delegation) else { continue };
            if !negotiated.contains(&item.issue) {
                negotiated.push(item.issue);
            }
            let refuses =
                item.guarantor.and_then(|g| talks.guarantors.get(g)).is_some_and(|g| g.present && !g.consents);
            if refuses && let Some(&d) = talks.defaults.get(item.issue) {
                refused.push((item.issue, d));
            }
        }
        let mut held = talks.defaults.clone();
        if let Some(b) = &talks.baseline {
            for &(issue, value) in &b.clauses {
                if let Some(v) = held.get_mut(issue) {
                    *v = value;
                }
            }
        }
        let fixed = (0..n_issues)
            .filter(|i| !negotiated.contains(i))
            .filter_map(|i| held.get(i).map(|&v| (i, v)))
            .chain(refused)
            .collect();
        Ok(Standing { instructions, reservations, negotiated, fixed })
    }

    /// The scenario as the talks stand, reduced to what they negotiate: each
    /// delegation declared with the instructions in force (its mandate
    /// recomputed), every party's reservation value as it stands, and every
    /// fixed issue keeping only its value (what-if `drop-value` changes), so
    /// that the domain analysis (frontier, bargaining solutions, zone count)
    /// covers the same outcomes and parties as [`Standing::zones`].
    pub fn negotiated_scenario(&self, talks: &Talks) -> Result<entente_model::Scenario, NegotiatedError> {
        let mut scenario = talks.scenario.clone();
        let space = scenario.space.clone();
        for (k, p) in scenario.parties.iter_mut().enumerate() {
            let (Some(d), Some(Some(i))) = (&mut p.delegation, self.instructions.get(k)) else { continue };
            for (spec, b) in d.blocs.iter_mut().zip(&i.blocs) {
                spec.bloc = b.clone();
            }
            d.rule = i.rule;
            d.changes.clear();
            p.utility = d.mandate(&space, &i.blocs)?;
        }
        let mut changes = Vec::new();
        let mut seen = Vec::new();
        for &(i, keep) in &self.fixed {
            let Some(issue) = space.issues().get(i).filter(|_| !seen.contains(&i)) else { continue };
            seen.push(i);
            for v in (0..space.radices()[i]).filter(|&v| v != keep) {
                if let Some(value) = issue.value(v) {
                    changes.push(WhatIf::DropValue { issue: issue.name.clone(), value });
                }
            }
        }
        let (mut scenario, _) = entente_model::whatif::apply_all(&scenario, &changes)?;
        for (p, &r) in scenario.parties.iter_mut().zip(&self.reservations) {
            if p.utility.reservation() != r {
                p.utility = match &p.utility {
                    Preferences::Additive(u) => Preferences::Additive(u.clone().with_reservation(r)),
                    Preferences::Rectangles(u) => Preferences::Rectangles(u.clone().with_reservation(r)),
                    Preferences::Other(_) => return Err(NegotiatedError::Reservation { party: p.name.clone() }),
                };
            }
        }
        Ok(scenario)
    }

    /// The outcomes the talks negotiate: those that keep every fixed issue
    /// at its value.
    pub fn within(&self, talks: &Talks) -> Result<OutcomeSet, TalksError> {
        let space = &talks.scenario.space;
        let n = space
            .enumerable(entente_core::analysis::plan::TALKS_ENUMERATION_LIMIT as usize)
            .map_err(|_| TalksError::TooLarge(space.cardinality()))?;
        let mut values = vec![0u32; space.issues().len()];
        Ok(OutcomeSet::from_fn(n, |o| {
            let _ = space.values_into(o as u128, &mut values);
            self.fixed.iter().all(|&(i, v)| values[i] == v)
        }))
    }

    /// The issues negotiated (every clause's) and those held fixed: an issue
    /// off the table at its value in `text`, an item whose guarantor refused
    /// at its default.
    pub(crate) fn fixed_of(
        talks: &Talks,
        log: &crate::log::Log,
        clauses: &[crate::sim::ClauseSummary],
        text: &[u32],
    ) -> (Vec<usize>, Vec<(usize, u32)>) {
        let n_issues = talks.scenario.space.issues().len();
        let negotiated: Vec<usize> = clauses.iter().map(|c| c.issue).filter(|&i| i < n_issues).collect();
        let mut fixed: Vec<(usize, u32)> =
            (0..n_issues).filter(|i| !negotiated.contains(i)).map(|i| (i, text[i])).collect();
        for e in log.entries() {
            let Entry::Package { event: Event::Consent { clause, given: false, .. } } = &e.entry else { continue };
            let Some(c) = clauses.iter().find(|c| c.clause == clause.0) else { continue };
            if let Some(&d) = talks.defaults.get(c.issue) {
                fixed.push((c.issue, d));
            }
        }
        (negotiated, fixed)
    }

    /// Each divided delegation as it stands: its instructions in force, its
    /// blocs' sets, and how many of the outcomes the talks negotiate each
    /// bloc accepts.
    pub fn delegations(&self, talks: &Talks) -> Result<Vec<DelegationStanding>, TalksError> {
        let within = self.within(talks)?;
        let space = &talks.scenario.space;
        let mut out = Vec::new();
        for (k, p) in talks.scenario.parties.iter().enumerate() {
            let (Some(d), Some(Some(i))) = (&p.delegation, self.instructions.get(k)) else { continue };
            let tables = DelegationState::bloc_tables(space, d)?;
            let state = DelegationState::new(space, d, &tables, i)?;
            let accepts = state.sets.iter().map(|s| s.acceptable().and(&within).count()).collect();
            out.push(DelegationStanding { party: k, instructions: i.clone(), sets: state.sets, accepts });
        }
        Ok(out)
    }

    /// The zone analysis (unitary and bloc-level zones, vetoes, diagnosis) of
    /// the parties as they stand, over the outcomes the talks negotiate.
    pub fn zones(&self, talks: &Talks) -> Result<ZoneReport, TalksError> {
        Ok(self.zones_and_tables(talks)?.1)
    }

    /// [`Standing::zones`], with every party's own utility table (a
    /// delegation's mandate under its instructions).
    pub fn zones_and_tables(&self, talks: &Talks) -> Result<(Vec<UtilityTable>, ZoneReport), TalksError> {
        let within = self.within(talks)?;
        let space = &talks.scenario.space;
        let mut own = Vec::new();
        let mut sets = Vec::new();
        for (k, p) in talks.scenario.parties.iter().enumerate() {
            match (&p.delegation, self.instructions.get(k).and_then(|i| i.as_ref())) {
                (Some(d), Some(i)) => {
                    let tables = DelegationState::bloc_tables(space, d)?;
                    let state = DelegationState::new(space, d, &tables, i)?;
                    own.push(state.table);
                    sets.push(Some(state.sets));
                }
                _ => {
                    own.push(UtilityTable::new(space, &p.utility)?);
                    sets.push(None);
                }
            }
        }
        let parties: Vec<PartyInput> = talks
            .scenario
            .parties
            .iter()
            .enumerate()
            .map(|(k, p)| PartyInput {
                name: &p.name,
                own: &own[k],
                reservation: self.reservations[k],
                delegation: match (self.instructions.get(k).and_then(|i| i.as_ref()), &sets[k]) {
                    (Some(i), Some(s)) => Some(DelegationInput { blocs: &i.blocs, rule: i.rule, sets: s.clone() }),
                    _ => None,
                },
            })
            .collect();
        let zones = analyze_zones_within(&parties, &within);
        Ok((own, zones))
    }
}

/// What the narrative says why.
struct Facts<'a> {
    blockage: Blockage,
    blocking: &'a [(String, String)],
    red_lines: &'a [(String, String)],
    refusals: &'a [Refusal],
}

fn narrative(
    run: &TalksRun,
    facts: &Facts<'_>,
    open_injected: &[&InjectedItem],
    zones: &entente_core::analysis::zones::ZoneReport,
    package: Option<&[(String, String)]>,
    nash: Option<&Labelled>,
) -> String {
    let Facts { blockage, blocking, red_lines, refusals } = *facts;
    let blocs = |v: &[(String, String)]| v.iter().map(|(p, b)| format!("{b} ({p})")).collect::<Vec<_>>().join(", ");
    let pkg = |p: &[(String, String)]| p.iter().map(|(i, v)| format!("{i}={v}")).collect::<Vec<_>>().join(", ");
    let mut s = String::new();
    match blockage {
        Blockage::None => {
            s.push_str("The package was adopted");
            if let Ending::Adopted { at, .. } = run.ending {
                s.push_str(&format!(" on {}", clock(at)));
            }
            s.push('.');
        }
        Blockage::Substantive => {
            s.push_str(
                "The blockage is substantive: no package on the table beats no agreement for every party, \
                 even with each delegation taken as one actor.",
            );
        }
        Blockage::Internal => {
            s.push_str(&format!(
                "The demands on the table were agreeable in substance: {} packages suit every party as a unitary \
                 actor. The blockage is internal: the blocs at home can ratify none of them",
                zones.unitary_zone
            ));
            if !blocking.is_empty() {
                let who = if blocking.len() == 1 { "its yielding" } else { "each one's yielding" };
                s.push_str(&format!(
                    "; {} blocked adoption ({who} alone would open a ratifiable zone)",
                    blocs(blocking)
                ));
            }
            if !red_lines.is_empty() {
                s.push_str(&format!("; the red lines of {} close the zone", blocs(red_lines)));
            }
            s.push('.');
        }
        Blockage::NotReached => {
            s.push_str(&format!(
                "A ratifiable package existed ({} packages), but the round ended before the parties reached it.",
                zones.bloc_zone
            ));
        }
        Blockage::InvoluntaryDefection => {
            if let Ending::Adopted { at, .. } = run.ending {
                s.push_str(&format!("The package was adopted at the table on {}, but ", clock(at)));
            }
            s.push_str(&format!(
                "ratification failed at home: {} rejected it (involuntary defection: the head of delegation \
                 signed outside its win-set).",
                blocs(blocking)
            ));
            if zones.bloc_zone > 0 {
                s.push_str(&format!(
                    " A later round can renegotiate inside the win-sets ({} packages).",
                    zones.bloc_zone
                ));
            } else {
                s.push_str(" No package lies inside every win-set.");
            }
        }
        Blockage::GuarantorRefused => {
            let who: Vec<String> = refusals
                .iter()
                .map(|r| format!("{} refused to guarantee \"{}\" on {}", r.guarantor, r.item, clock(r.at)))
                .collect();
            s.push_str(&format!("{}; the refusal blocked adoption.", who.join("; ")));
            if zones.bloc_zone > 0 {
                s.push_str(&format!(" Without that guarantee, {} packages can be ratified.", zones.bloc_zone));
            } else {
                s.push_str(" Without that guarantee, no package can be ratified");
                if !blocking.is_empty() {
                    s.push_str(&format!(" (the blocs of {} would have to yield)", blocs(blocking)));
                } else if !red_lines.is_empty() {
                    s.push_str(&format!(" (the red lines of {} close the zone)", blocs(red_lines)));
                }
                s.push('.');
            }
        }
    }
    for item in open_injected {
        let by = item.on_instructions_of.as_deref().map_or(String::new(), |b| format!(" on the instructions of {b}"));
        s.push_str(&format!(
            " The item \"{}\", tabled off the agenda by {}{} on {}, was never settled ({}).",
            item.item,
            item.tabled_by,
            by,
            clock(item.at),
            item.state
        ));
    }
    if let Some(p) = package {
        let what = match blockage {
            Blockage::Internal => "What would have passed in substance",
            Blockage::None | Blockage::InvoluntaryDefection => "The adopted text",
            Blockage::GuarantorRefused => "What would pass without it",
            _ => "The package",
        };
        s.push_str(&format!(" {what}: {}.", pkg(p)));
    }
    if let (Some(Labelled { package: p, .. }), Some(adopted)) = (nash, package) {
        if p.as_slice() == adopted {
            s.push_str(" It is the Nash package of the ratifiable zone.");
        } else {
            s.push_str(&format!(" The Nash package of the ratifiable zone would have been: {}.", pkg(p)));
        }
    }
    s
}

/// The round's outcome against the agreement it continued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    pub name: String,
    /// Clauses the round added (`issue=value`), if its package was adopted.
    pub added: Vec<String>,
    /// Items negotiated but left without agreement.
    pub left_open: Vec<String>,
    /// Baseline commitments breached by incidents: `(commitment, incidents)`.
    pub breached: Vec<(String, usize)>,
    /// Breached commitments the round did not renew: they lapse.
    pub lapsed: Vec<String>,
}

/// Compares the round with its baseline (`None` without one).
pub fn baseline_report(talks: &Talks, run: &TalksRun) -> Option<BaselineReport> {
    let b = talks.baseline.as_ref()?;
    let space = &talks.scenario.space;
    let label = |i: usize, v: u32| {
        let issue = &space.issues()[i];
        format!("{}={}", issue.name, issue.value(v).map_or("?".to_string(), |x| x.to_string()))
    };
    let adopted = matches!(run.ending, Ending::Adopted { .. });
    let added = if adopted { run.clauses.iter().map(|c| label(c.issue, run.text[c.issue])).collect() } else { vec![] };
    let left_open = if adopted {
        vec![]
    } else {
        run.clauses.iter().filter(|c| c.state != ClauseState::Withdrawn).map(|c| c.title.clone()).collect()
    };
    let mut breached = Vec::new();
    let mut lapsed = Vec::new();
    for &(issue, value) in &b.clauses {
        let count = talks.incidents.iter().filter(|i| i.issues.contains(&issue)).count();
        if count > 0 {
            breached.push((label(issue, value), count));
            if !adopted {
                lapsed.push(label(issue, value));
            }
        }
    }
    Some(BaselineReport { name: b.name.clone(), added, left_open, breached, lapsed })
}
