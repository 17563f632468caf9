//! Zones of agreement with divided delegations, veto players, and the
//! diagnosis of why talks cannot close.
//!
//! Two readings of the same talks:
//!
//! - **unitary**: every party is one actor with its own utility (a
//!   delegation's mandate) and its reservation value; the zone is the set of
//!   outcomes every party strictly prefers to no agreement;
//! - **bloc level**: a delegation ratifies only its win-set (its blocs, red
//!   lines and rule; see [`crate::blocs`]); the zone is the intersection of the
//!   win-sets (a party without blocs contributes its unitary set).
//!
//! The diagnosis names the case: no agreement possible in substance (the
//! unitary zone is empty); possible in substance but blocked internally (the
//! unitary zone is not empty, the bloc-level one is, and the blocs whose
//! instructions block are named); possible (both non-empty, with the Nash
//! package of the bloc-level zone).

use serde::{Deserialize, Serialize};

use crate::blocs::{Bloc, BlocSets, OutcomeSet, Rule, rule_set};
use crate::table::{OutcomeId, UtilityTable};

/// A party as the zone analysis sees it.
pub struct PartyInput<'a> {
    pub name: &'a str,
    /// The party's own utilities (for a delegation, its mandate).
    pub own: &'a UtilityTable,
    /// Utility of no agreement to the party as a unitary actor.
    pub reservation: f64,
    pub delegation: Option<DelegationInput<'a>>,
}

/// A delegation's instructions at the time analysed.
pub struct DelegationInput<'a> {
    pub blocs: &'a [Bloc],
    pub rule: Rule,
    /// What each bloc thinks of every outcome.
    pub sets: Vec<BlocSets>,
}

impl DelegationInput<'_> {
    fn win_set(&self, own: &UtilityTable, reservation: f64, acceptable: &[OutcomeSet]) -> OutcomeSet {
        rule_set(self.blocs, self.rule, &self.sets, acceptable, Some((own, reservation)), own.len())
    }

    fn acceptable(&self) -> Vec<OutcomeSet> {
        self.sets.iter().map(BlocSets::acceptable).collect()
    }
}

/// A point of a zone: an outcome with every party's own utility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZonePoint {
    pub outcome: OutcomeId,
    pub utilities: Vec<f64>,
}

/// What a bloc's veto does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VetoReport {
    pub bloc: String,
    /// Removing its veto would leave the win-set as it is: the others'
    /// acceptable sets already exclude everything it objects to.
    pub absorbed: bool,
    /// Size of the delegation's win-set without this veto.
    pub win_set_without: usize,
    /// Size of the bloc-level zone without this veto.
    pub zone_without: usize,
    /// Removing its veto would enlarge the bloc-level zone.
    pub binds_zone: bool,
}

/// One delegation's part of the analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DelegationReport {
    pub party: String,
    pub win_set: usize,
    /// The status quo is stable: nothing can be ratified.
    pub status_quo_stable: bool,
    pub vetoes: Vec<VetoReport>,
    /// Per bloc: size of the bloc-level zone if that bloc accepted every outcome.
    pub zone_if_bloc_yields: Vec<(String, usize)>,
    /// Per bloc with red lines: size of the bloc-level zone without them.
    pub zone_without_red_lines: Vec<(String, usize)>,
}

/// Why the talks can or cannot close.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "case", rename_all = "snake_case")]
pub enum Diagnosis {
    /// No outcome is better than no agreement for every party.
    NoAgreementInSubstance,
    /// Some outcome is better for every party, but the delegations' blocs
    /// cannot all ratify any of them. `responsible`: `(party, bloc)` whose
    /// yielding alone would open a zone; `red_lines`: `(party, bloc)` whose red
    /// lines alone close it; `binding`: every bloc whose veto binds.
    BlockedInternally {
        responsible: Vec<(String, String)>,
        red_lines: Vec<(String, String)>,
        binding: Vec<(String, String)>,
        /// The Nash package of the unitary zone: what would pass in substance.
        substance_package: ZonePoint,
    },
    /// Agreement is possible: the Nash package of the bloc-level zone.
    Possible { package: ZonePoint },
}

/// The whole zone analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneReport {
    pub outcomes: usize,
    /// Per party: the size of its unitary set and of its win-set.
    pub unitary_sets: Vec<(String, usize)>,
    pub win_sets: Vec<(String, usize)>,
    pub unitary_zone: usize,
    pub bloc_zone: usize,
    /// Nash packages (maximising the product of gains over reservation values).
    pub unitary_nash: Option<ZonePoint>,
    pub bloc_nash: Option<ZonePoint>,
    pub delegations: Vec<DelegationReport>,
    pub diagnosis: Diagnosis,
}

/// The one definition of the zone of possible agreement, used by every
/// command (`analyze`, `whatif`, `talks`, `mediate`): an actor (a party, a
/// bloc) counts an outcome in its zone iff it **strictly** prefers it to no
/// agreement, `utility > reservation` (a bloc: `utility > reversion`). An
/// outcome exactly at the reservation value leaves the actor indifferent, and
/// is outside the zone. This is the reading of the talks model
/// (`../shared/reference/talks-model.md`: win-sets `v_r(x) > v_r(q)`, veto
/// players `u_i(x) > u_i(q)`). NegMAS's `is_rational` and its Pareto frontier
/// keep `u >= rv` (its own readings, kept where entente reproduces NegMAS's
/// numbers: [`crate::analysis::pareto::Frontier::negmas`] and the NegMAS
/// solutions); GENIUS has no zone (its Nash point accepts a product of 0).
/// See `docs/zone.md`.
#[inline]
pub fn prefers_to_no_agreement(utility: f64, reservation: f64) -> bool {
    utility > reservation
}

/// The unitary set of a party: outcomes it strictly prefers to no agreement.
pub fn unitary_set(p: &PartyInput) -> OutcomeSet {
    OutcomeSet::from_fn(p.own.len(), |o| prefers_to_no_agreement(p.own.utility(o), p.reservation))
}

/// The outcomes a party ratifies (a delegation's win-set, else its unitary set).
pub fn ratifiable_set(p: &PartyInput) -> OutcomeSet {
    match &p.delegation {
        Some(d) => d.win_set(p.own, p.reservation, &d.acceptable()),
        None => unitary_set(p),
    }
}

/// The package of `set` maximising `Π_i (u_i − d_i)`, with `d_i` the party's
/// reservation value (its worst utility when it has none); the first maximum
/// in enumeration order wins.
pub fn nash_package(parties: &[PartyInput], set: &OutcomeSet) -> Option<ZonePoint> {
    let d: Vec<f64> =
        parties.iter().map(|p| if p.reservation.is_finite() { p.reservation } else { p.own.min() }).collect();
    let mut best: Option<(f64, OutcomeId)> = None;
    for o in set.iter() {
        let product = parties.iter().zip(&d).fold(1.0, |acc, (p, &di)| acc * (p.own.utility(o) - di));
        if best.is_none_or(|(b, _)| product > b) {
            best = Some((product, o));
        }
    }
    best.map(|(_, o)| ZonePoint { outcome: o, utilities: parties.iter().map(|p| p.own.utility(o)).collect() })
}

fn intersect(sets: &[OutcomeSet], n: usize) -> OutcomeSet {
    sets.iter().fold(OutcomeSet::full(n), |acc, s| acc.and(s))
}

/// Analyses the zones, vetoes and the diagnosis. Every party's table covers
/// the same enumerated space.
pub fn analyze_zones(parties: &[PartyInput]) -> ZoneReport {
    let n = parties.first().map_or(0, |p| p.own.len());
    analyze_zones_within(parties, &OutcomeSet::full(n))
}

/// [`analyze_zones`] over the outcomes of `within` only (e.g. the outcomes
/// that leave the issues not under negotiation as they are).
pub fn analyze_zones_within(parties: &[PartyInput], within: &OutcomeSet) -> ZoneReport {
    let n = parties.first().map_or(0, |p| p.own.len());
    let unitary: Vec<OutcomeSet> = parties.iter().map(|p| unitary_set(p).and(within)).collect();
    let ratifiable: Vec<OutcomeSet> = parties.iter().map(|p| ratifiable_set(p).and(within)).collect();
    let unitary_zone = intersect(&unitary, n).and(within);
    let bloc_zone = intersect(&ratifiable, n).and(within);
    // The bloc-level zone with party k's win-set replaced by `w`.
    let zone_with = |k: usize, w: &OutcomeSet| -> OutcomeSet {
        ratifiable.iter().enumerate().fold(within.clone(), |acc, (i, s)| acc.and(if i == k { w } else { s }))
    };

    let mut delegations = Vec::new();
    let (mut responsible, mut red_responsible, mut binding) = (Vec::new(), Vec::new(), Vec::new());
    for (k, p) in parties.iter().enumerate() {
        let Some(d) = &p.delegation else { continue };
        let acceptable = d.acceptable();
        let win = &ratifiable[k];
        let mut vetoes = Vec::new();
        for (f, b) in d.blocs.iter().enumerate() {
            if !b.veto {
                continue;
            }
            let mut without: Vec<Bloc> = d.blocs.to_vec();
            without[f].veto = false;
            let w = rule_set(&without, d.rule, &d.sets, &acceptable, Some((p.own, p.reservation)), n).and(within);
            let zone = zone_with(k, &w);
            let binds_zone = zone.count() > bloc_zone.count();
            if binds_zone {
                binding.push((p.name.to_string(), b.name.clone()));
            }
            vetoes.push(VetoReport {
                bloc: b.name.clone(),
                absorbed: w == *win,
                win_set_without: w.count(),
                zone_without: zone.count(),
                binds_zone,
            });
        }
        let mut yields = Vec::new();
        let mut red = Vec::new();
        for (f, b) in d.blocs.iter().enumerate() {
            let mut relaxed = acceptable.clone();
            relaxed[f] = OutcomeSet::full(n);
            let w = d.win_set_relaxed(p, &relaxed, f, false).and(within);
            let size = zone_with(k, &w).count();
            if bloc_zone.is_empty() && size > 0 {
                responsible.push((p.name.to_string(), b.name.clone()));
            }
            yields.push((b.name.clone(), size));
            if !b.red_lines.is_empty() {
                let mut no_red = acceptable.clone();
                no_red[f] = d.sets[f].better.clone();
                let w = d.win_set_relaxed(p, &no_red, f, true).and(within);
                let size = zone_with(k, &w).count();
                if bloc_zone.is_empty() && size > 0 {
                    red_responsible.push((p.name.to_string(), b.name.clone()));
                }
                red.push((b.name.clone(), size));
            }
        }
        delegations.push(DelegationReport {
            party: p.name.to_string(),
            win_set: win.count(),
            status_quo_stable: win.is_empty(),
            vetoes,
            zone_if_bloc_yields: yields,
            zone_without_red_lines: red,
        });
    }

    let unitary_nash = nash_package(parties, &unitary_zone);
    let bloc_nash = nash_package(parties, &bloc_zone);
    let diagnosis = match (&unitary_nash, &bloc_nash) {
        (None, _) => Diagnosis::NoAgreementInSubstance,
        (Some(u), None) => Diagnosis::BlockedInternally {
            responsible,
            red_lines: red_responsible,
            binding,
            substance_package: u.clone(),
        },
        (Some(_), Some(b)) => Diagnosis::Possible { package: b.clone() },
    };
    ZoneReport {
        outcomes: within.count(),
        unitary_sets: parties.iter().zip(&unitary).map(|(p, s)| (p.name.to_string(), s.count())).collect(),
        win_sets: parties.iter().zip(&ratifiable).map(|(p, s)| (p.name.to_string(), s.count())).collect(),
        unitary_zone: unitary_zone.count(),
        bloc_zone: bloc_zone.count(),
        unitary_nash,
        bloc_nash,
        delegations,
        diagnosis,
    }
}

impl DelegationInput<'_> {
    /// The win-set with bloc `f`'s acceptable set replaced (it yields, or
    /// drops its red lines). Under the weighted-sum rule a yielding bloc's red
    /// lines no longer count either.
    fn win_set_relaxed(&self, p: &PartyInput, acceptable: &[OutcomeSet], f: usize, keep_better: bool) -> OutcomeSet {
        let n = p.own.len();
        let mut sets = self.sets.clone();
        sets[f].red = OutcomeSet::empty(n);
        if !keep_better {
            sets[f].better = OutcomeSet::full(n);
        }
        rule_set(self.blocs, self.rule, &sets, acceptable, Some((p.own, p.reservation)), n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocs::{RedLine, Reversion, win_set};
    use proptest::prelude::*;

    fn table(u: Vec<f64>) -> UtilityTable {
        UtilityTable::from_utilities(u, f64::NEG_INFINITY).unwrap()
    }

    /// Two issues a, b in {0, 1, 2}; outcome id = 3a + b.
    fn values_of(o: OutcomeId, v: &mut [u32]) {
        v[0] = o / 3;
        v[1] = o % 3;
    }

    fn bloc(name: &str, weight: f64, veto: bool, red_lines: Vec<RedLine>) -> Bloc {
        Bloc { name: name.into(), weight, veto, reversion: Reversion::Utility(0.4), red_lines }
    }

    /// The reference case in miniature: a delegation of three blocs (kandahar
    /// wants a high, kabul b high, khost a low and never b = 2) facing a
    /// unitary party that wants a and b low-ish.
    #[test]
    fn blocked_internally_by_hand() {
        let t_kandahar = table((0..9).map(|o| (o / 3) as f64 / 2.0).collect());
        let t_kabul = table((0..9).map(|o| (o % 3) as f64 / 2.0).collect());
        let t_khost = table((0..9).map(|o| (2 - o / 3) as f64 / 2.0).collect());
        let blocs = vec![
            bloc("kandahar", 0.5, true, vec![]),
            bloc("kabul", 0.25, true, vec![]),
            bloc("khost", 0.25, true, vec![RedLine::Value { issue: 1, value: 2 }]),
        ];
        let bloc_tables = [&t_kandahar, &t_kabul, &t_khost];
        let sets: Vec<BlocSets> =
            blocs.iter().zip(bloc_tables).map(|(b, t)| BlocSets::new(b, t, 2, &values_of)).collect();
        // The mandate: 0.5·a/2 + 0.25·b/2 + 0.25·(2 − a)/2 = a/8 + b/8 + 1/4, reversion 0.4:
        // it prefers a + b >= 2 (exact in binary: eighths).
        let mandate = table((0..9u32).map(|o| (o / 3) as f64 / 8.0 + (o % 3) as f64 / 8.0 + 0.25).collect());
        // The other party: u = (4 − a − b)/4, reservation 0.2: it prefers a + b <= 3.
        let other =
            UtilityTable::from_utilities((0..9u32).map(|o| (4 - o / 3 - o % 3) as f64 / 4.0).collect(), 0.2).unwrap();
        let parties = [
            PartyInput {
                name: "delegation",
                own: &mandate,
                reservation: 0.4,
                delegation: Some(DelegationInput { blocs: &blocs, rule: Rule::Unanimity, sets: sets.clone() }),
            },
            PartyInput { name: "other", own: &other, reservation: 0.2, delegation: None },
        ];
        // By hand: delegation's unitary set a + b >= 2: {2, 4, 5, 6, 7, 8}; the other's a + b <= 3:
        // every outcome but 8 (a = b = 2); unitary zone {2, 4, 5, 6, 7}.
        assert_eq!(unitary_set(&parties[0]).iter().collect::<Vec<_>>(), vec![2, 4, 5, 6, 7, 8]);
        assert_eq!(unitary_set(&parties[1]).count(), 8);
        // Win-set: kandahar a >= 1, kabul b >= 1, khost a <= 1 and b != 2: only (1, 1) = 4.
        assert_eq!(ratifiable_set(&parties[0]).iter().collect::<Vec<_>>(), vec![4]);
        let r = analyze_zones(&parties);
        assert_eq!((r.unitary_zone, r.bloc_zone), (5, 1));
        assert!(matches!(r.diagnosis, Diagnosis::Possible { package: ZonePoint { outcome: 4, .. } }));

        // Kabul's new instruction: b = 1 is off too (a red line), so nothing can be ratified.
        let mut blocs2 = blocs.clone();
        blocs2[1].red_lines = vec![RedLine::Value { issue: 1, value: 1 }];
        let sets2: Vec<BlocSets> =
            blocs2.iter().zip(bloc_tables).map(|(b, t)| BlocSets::new(b, t, 2, &values_of)).collect();
        let parties2 = [
            PartyInput {
                name: "delegation",
                own: &mandate,
                reservation: 0.4,
                delegation: Some(DelegationInput { blocs: &blocs2, rule: Rule::Unanimity, sets: sets2 }),
            },
            PartyInput { name: "other", own: &other, reservation: 0.2, delegation: None },
        ];
        let r = analyze_zones(&parties2);
        assert_eq!((r.unitary_zone, r.bloc_zone), (5, 0));
        let Diagnosis::BlockedInternally { responsible, red_lines, binding, substance_package } = &r.diagnosis else {
            panic!("expected an internal blockage, got {:?}", r.diagnosis);
        };
        // Kabul yielding alone: kandahar a >= 1 and khost a <= 1, b != 2 leave (1, 0) and (1, 1),
        // both acceptable to the other party. Khost yielding alone: kandahar a >= 1 and kabul b = 2
        // leave (1, 2) and (2, 2), and the other accepts (1, 2). Kandahar yielding: kabul's b = 2
        // and khost's b != 2 still exclude everything.
        assert_eq!(
            responsible,
            &vec![("delegation".to_string(), "kabul".to_string()), ("delegation".to_string(), "khost".to_string())]
        );
        // Red lines: dropping kabul's (b = 1 allowed again) reopens (1, 1); dropping khost's gives (1, 2).
        assert_eq!(red_lines.len(), 2);
        assert_eq!(binding.len(), 2, "{binding:?}");
        // What would pass in substance: the unitary Nash package.
        assert!([2, 4, 5, 6, 7].contains(&substance_package.outcome));
        let d = &r.delegations[0];
        assert!(d.status_quo_stable);
        // Kandahar's veto is absorbed: without it, kabul (b = 2 only) and khost (b != 2) still exclude everything.
        assert!(d.vetoes[0].absorbed);
        assert!(!d.vetoes[1].absorbed && !d.vetoes[2].absorbed);
    }

    #[test]
    fn no_agreement_in_substance() {
        let a = UtilityTable::from_utilities(vec![0.0, 0.5, 1.0], 0.9).unwrap();
        let b = UtilityTable::from_utilities(vec![1.0, 0.5, 0.0], 0.9).unwrap();
        let parties = [
            PartyInput { name: "a", own: &a, reservation: 0.9, delegation: None },
            PartyInput { name: "b", own: &b, reservation: 0.9, delegation: None },
        ];
        let r = analyze_zones(&parties);
        assert_eq!(r.diagnosis, Diagnosis::NoAgreementInSubstance);
        assert_eq!(r.unitary_zone, 0);
    }

    /// Random delegations on a grid of eighths (exact sums).
    fn arb_case() -> impl Strategy<Value = (Vec<Vec<u8>>, Vec<u8>, Vec<u8>, Vec<bool>)> {
        (2usize..5).prop_flat_map(|n_blocs| {
            (
                prop::collection::vec(prop::collection::vec(0u8..9, 12), n_blocs),
                prop::collection::vec(1u8..5, n_blocs),
                prop::collection::vec(0u8..9, n_blocs),
                prop::collection::vec(prop::bool::ANY, n_blocs),
            )
        })
    }

    fn build(utils: &[Vec<u8>], weights: &[u8], reversions: &[u8], vetoes: &[bool]) -> (Vec<Bloc>, Vec<UtilityTable>) {
        let blocs = weights
            .iter()
            .zip(reversions)
            .zip(vetoes)
            .enumerate()
            .map(|(k, ((&w, &r), &v))| Bloc {
                name: format!("b{k}"),
                weight: w as f64 / 8.0,
                veto: v,
                reversion: Reversion::Utility(r as f64 / 8.0),
                red_lines: vec![],
            })
            .collect();
        let tables = utils.iter().map(|u| table(u.iter().map(|&x| x as f64 / 8.0).collect())).collect();
        (blocs, tables)
    }

    fn no_values(_: OutcomeId, _: &mut [u32]) {}

    proptest! {
        /// Under unanimity of vetoes with every bloc holding one, the bloc-level
        /// zone lies inside the unitary zone (the mandate is the weighted sum).
        #[test]
        fn bloc_zone_within_unitary_zone_under_unanimity((utils, weights, reversions, _v) in arb_case(), other in prop::collection::vec(0u8..9, 12), other_rv in 0u8..9) {
            let vetoes = vec![true; weights.len()];
            let (blocs, tables) = build(&utils, &weights, &reversions, &vetoes);
            let mandate = table((0..12).map(|o| blocs.iter().zip(&tables).map(|(b, t)| b.weight * t.utility(o)).sum()).collect());
            let reservation: f64 = blocs.iter().map(|b| b.weight * b.reversion_utility(&tables[0])).sum();
            let sets = blocs.iter().zip(&tables).map(|(b, t)| BlocSets::new(b, t, 0, &no_values)).collect();
            let other = table(other.iter().map(|&x| x as f64 / 8.0).collect());
            let parties = [
                PartyInput { name: "d", own: &mandate, reservation, delegation: Some(DelegationInput { blocs: &blocs, rule: Rule::Unanimity, sets }) },
                PartyInput { name: "o", own: &other, reservation: other_rv as f64 / 8.0, delegation: None },
            ];
            let zone = intersect(&parties.iter().map(ratifiable_set).collect::<Vec<_>>(), 12);
            let unitary = intersect(&parties.iter().map(unitary_set).collect::<Vec<_>>(), 12);
            prop_assert!(zone.is_subset(&unitary));
            let r = analyze_zones(&parties);
            prop_assert!(r.bloc_zone <= r.unitary_zone);
        }

        /// Granting a veto never enlarges a win-set, whatever the rule.
        #[test]
        fn a_new_veto_never_enlarges_the_win_set((utils, weights, reversions, vetoes) in arb_case(), which in 0usize..4, rule in 0usize..4) {
            let (blocs, tables) = build(&utils, &weights, &reversions, &vetoes);
            let rule = [Rule::Unanimity, Rule::Quota { quota: 0.5 }, Rule::Dominant { bloc: 0 }, Rule::WeightedSum][rule];
            let mandate = table((0..12).map(|o| blocs.iter().zip(&tables).map(|(b, t)| b.weight * t.utility(o)).sum()).collect());
            let sets: Vec<BlocSets> = blocs.iter().zip(&tables).map(|(b, t)| BlocSets::new(b, t, 0, &no_values)).collect();
            let before = win_set(&blocs, rule, &sets, Some((&mandate, 0.3)));
            let mut more = blocs.clone();
            let f = which % more.len();
            more[f].veto = true;
            let after = win_set(&more, rule, &sets, Some((&mandate, 0.3)));
            prop_assert!(after.is_subset(&before));
        }

        /// A veto bloc whose acceptable set contains the other veto blocs'
        /// intersection is reported as absorbed (unanimity).
        #[test]
        fn containing_blocs_are_absorbed((utils, weights, reversions, _v) in arb_case()) {
            let vetoes = vec![true; weights.len()];
            let (blocs, tables) = build(&utils, &weights, &reversions, &vetoes);
            let sets: Vec<BlocSets> = blocs.iter().zip(&tables).map(|(b, t)| BlocSets::new(b, t, 0, &no_values)).collect();
            let mandate = table(vec![0.5; 12]);
            let parties = [
                PartyInput { name: "d", own: &mandate, reservation: 0.0, delegation: Some(DelegationInput { blocs: &blocs, rule: Rule::Unanimity, sets: sets.clone() }) },
                PartyInput { name: "o", own: &mandate, reservation: 0.0, delegation: None },
            ];
            let r = analyze_zones(&parties);
            let acceptable: Vec<OutcomeSet> = sets.iter().map(BlocSets::acceptable).collect();
            for (f, v) in r.delegations[0].vetoes.iter().enumerate() {
                let others = acceptable.iter().enumerate().filter(|(g, _)| *g != f).fold(OutcomeSet::full(12), |acc, (_, a)| acc.and(a));
                prop_assert_eq!(v.absorbed, others.is_subset(&acceptable[f]), "bloc {}", f);
            }
        }
    }
}
