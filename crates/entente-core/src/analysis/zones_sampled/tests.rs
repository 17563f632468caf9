//! The exact check and the sampling estimate against enumeration.

use proptest::prelude::*;

use super::*;
use crate::analysis::zones::{DelegationInput, PartyInput, analyze_zones, ratifiable_set, unitary_set};
use crate::blocs::{BlocSets, BlocSpec, Delegation, OutcomeSet, Reversion, rule_set};
use crate::space::Issue;
use crate::table::{OutcomeId, UtilityTable};
use crate::utility::ValueFunction;

/// SplitMix64: a small seeded generator for the tests (core has no RNG).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (rejection sampling, unbiased).
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }
    fn eighth(&mut self) -> f64 {
        self.below(9) as f64 / 8.0
    }
}

fn space(radices: &[u32]) -> OutcomeSpace {
    OutcomeSpace::new(
        radices
            .iter()
            .enumerate()
            .map(|(k, &r)| Issue::discrete(format!("i{k}"), (0..r).map(|j| format!("v{j}"))))
            .collect(),
    )
    .unwrap()
}

/// A random additive function with weights 1/4 (values in eighths).
fn quarter_la(s: &OutcomeSpace, rng: &mut Mix, reservation: f64) -> LinearAdditive {
    let weights = s.radices().iter().map(|_| 0.25).collect();
    let functions = s.radices().iter().map(|&r| ValueFunction::Table((0..r).map(|_| rng.eighth()).collect())).collect();
    LinearAdditive::new(s, weights, functions, 0.0, reservation, None).unwrap()
}

/// A random additive function on a grid of eighths (many exact ties).
fn random_la(s: &OutcomeSpace, rng: &mut Mix, reservation: f64) -> LinearAdditive {
    let weights = s.radices().iter().map(|_| rng.below(5) as f64 / 4.0).collect();
    let functions = s.radices().iter().map(|&r| ValueFunction::Table((0..r).map(|_| rng.eighth()).collect())).collect();
    LinearAdditive::new(s, weights, functions, 0.0, reservation, None).unwrap()
}

/// A scenario in memory: parties with own utilities, some delegations.
struct Case {
    space: OutcomeSpace,
    own: Vec<Preferences>,
    reservations: Vec<f64>,
    delegations: Vec<Option<(Delegation, Vec<Bloc>)>>,
}

impl Case {
    fn random(seed: u64) -> Case {
        let mut rng = Mix(seed);
        let m = 2 + rng.below(2) as usize;
        let radices: Vec<u32> = (0..m).map(|_| 2 + rng.below(3) as u32).collect();
        let s = space(&radices);
        let n = s.cardinality() as u64;
        let n_parties = 2 + (rng.below(4) == 0) as usize;
        let (mut own, mut reservations, mut delegations) = (vec![], vec![], vec![]);
        for k in 0..n_parties {
            if k == 0 || rng.below(4) == 0 {
                let n_blocs = 1 + rng.below(3) as usize;
                let mut specs = Vec::new();
                for f in 0..n_blocs {
                    let mut red_lines = Vec::new();
                    if rng.below(3) == 0 {
                        let issue = rng.below(m as u64) as usize;
                        red_lines.push(RedLine::Value { issue, value: rng.below(radices[issue] as u64) as u32 });
                    }
                    if rng.below(3) == 0 {
                        red_lines.push(RedLine::Outcome(rng.below(n) as OutcomeId));
                    }
                    let reversion = if rng.below(5) == 0 {
                        Reversion::Outcome(rng.below(n) as OutcomeId)
                    } else {
                        Reversion::Utility(rng.eighth())
                    };
                    let bloc = Bloc {
                        name: format!("b{f}"),
                        // never 0: the mandate is the weight-normalised mean
                        weight: (1 + rng.below(4)) as f64 / 4.0,
                        veto: rng.below(3) != 0,
                        reversion,
                        red_lines,
                    };
                    specs.push(BlocSpec {
                        bloc,
                        utility: Preferences::Additive(random_la(&s, &mut rng, f64::NEG_INFINITY)),
                        uncertainty: None,
                    });
                }
                let rule = match rng.below(4) {
                    0 => Rule::Unanimity,
                    1 => Rule::Quota { quota: rng.below(9) as f64 / 8.0 },
                    2 => Rule::Dominant { bloc: rng.below(n_blocs as u64 + 1) as usize },
                    _ => Rule::WeightedSum,
                };
                let d = Delegation { blocs: specs, rule, defection: false, changes: vec![] };
                let blocs: Vec<Bloc> = d.blocs.iter().map(|b| b.bloc.clone()).collect();
                let mandate = d.mandate(&s, &blocs).unwrap();
                reservations.push(mandate.reservation());
                own.push(mandate);
                delegations.push(Some((d, blocs)));
            } else {
                let r = if rng.below(5) == 0 { f64::NEG_INFINITY } else { rng.eighth() };
                own.push(Preferences::Additive(random_la(&s, &mut rng, r)));
                reservations.push(r);
                delegations.push(None);
            }
        }
        Case { space: s, own, reservations, delegations }
    }

    fn names(&self) -> Vec<String> {
        (0..self.own.len()).map(|k| format!("p{k}")).collect()
    }

    fn point<'a>(&'a self, names: &'a [String]) -> Vec<PointParty<'a>> {
        (0..self.own.len())
            .map(|k| PointParty {
                name: &names[k],
                own: &self.own[k],
                reservation: self.reservations[k],
                delegation: self.delegations[k].as_ref().map(|(d, blocs)| {
                    PointDelegation::new(&self.space, blocs, d.rule, d.blocs.iter().map(|b| &b.utility).collect())
                        .unwrap()
                }),
            })
            .collect()
    }

    fn tables(&self) -> Vec<UtilityTable> {
        self.own.iter().zip(&self.reservations).map(|(u, _)| UtilityTable::new(&self.space, u).unwrap()).collect()
    }

    fn bloc_sets(&self) -> Vec<Option<Vec<BlocSets>>> {
        let values_of = |o: OutcomeId, v: &mut [u32]| {
            let _ = self.space.values_into(o as u128, v);
        };
        let m = self.space.issues().len();
        self.delegations
            .iter()
            .map(|d| {
                d.as_ref().map(|(d, blocs)| {
                    blocs
                        .iter()
                        .zip(&d.blocs)
                        .map(|(b, spec)| {
                            BlocSets::new(b, &UtilityTable::new(&self.space, &spec.utility).unwrap(), m, &values_of)
                        })
                        .collect()
                })
            })
            .collect()
    }

    fn inputs<'a>(
        &'a self,
        names: &'a [String],
        tables: &'a [UtilityTable],
        sets: &[Option<Vec<BlocSets>>],
    ) -> Vec<PartyInput<'a>> {
        (0..self.own.len())
            .map(|k| PartyInput {
                name: &names[k],
                own: &tables[k],
                reservation: self.reservations[k],
                delegation: self.delegations[k].as_ref().map(|(d, blocs)| DelegationInput {
                    blocs,
                    rule: d.rule,
                    sets: sets[k].clone().unwrap_or_default(),
                }),
            })
            .collect()
    }
}

fn intersect(sets: &[OutcomeSet], n: usize) -> OutcomeSet {
    sets.iter().fold(OutcomeSet::full(n), |acc, s| acc.and(s))
}

/// Brute force: the largest `Π (u_i − d_i)` over the zone's outcomes where
/// every party gains, lowest outcome first among ties.
fn brute_nash(tables: &[UtilityTable], d: &[f64], zone: &OutcomeSet) -> Option<(f64, OutcomeId)> {
    let mut best: Option<(f64, OutcomeId)> = None;
    for o in zone.iter() {
        if tables.iter().zip(d).any(|(t, &d)| t.utility(o) < d) {
            continue;
        }
        let p = tables.iter().zip(d).fold(1.0, |acc, (t, &d)| acc * (t.utility(o) - d));
        if best.is_none_or(|(b, _)| p > b) {
            best = Some((p, o));
        }
    }
    best
}

fn check_case(seed: u64, options: ExactOptions) -> Result<(), TestCaseError> {
    let case = Case::random(seed);
    let names = case.names();
    let tables = case.tables();
    let sets = case.bloc_sets();
    let inputs = case.inputs(&names, &tables, &sets);
    let n = case.space.cardinality() as usize;
    let enumerated = analyze_zones(&inputs);
    let points = case.point(&names);
    let exact = exact_zones(&case.space, &points, options).unwrap();

    let unitary = intersect(&inputs.iter().map(unitary_set).collect::<Vec<_>>(), n);
    let bloc = intersect(&inputs.iter().map(ratifiable_set).collect::<Vec<_>>(), n);
    prop_assert_eq!(exact.unitary_zone.nonempty, !unitary.is_empty(), "unitary, seed {}", seed);
    prop_assert_eq!(exact.bloc_zone.nonempty, !bloc.is_empty(), "bloc level, seed {}", seed);
    let (uw, bw) = (
        unitary_zone_witness(&case.space, &points, options).unwrap(),
        bloc_zone_witness(&case.space, &points, options).unwrap(),
    );
    prop_assert_eq!(uw.is_some(), !unitary.is_empty());
    prop_assert_eq!(bw.is_some(), !bloc.is_empty());
    prop_assert!(
        uw.is_none_or(|w| unitary.contains(w as OutcomeId)) && bw.is_none_or(|w| bloc.contains(w as OutcomeId))
    );
    if let [a, b] = &case.own[..] {
        let (a, b) = (a.as_additive().unwrap(), b.as_additive().unwrap());
        let (ra, rb) = (case.reservations[0], case.reservations[1]);
        let two = unitary_zone_2(&case.space, a, ra, b, rb, MergeLimits::default()).unwrap();
        prop_assert_eq!(two.is_some(), !unitary.is_empty(), "two-party frontier check, seed {}", seed);
        if let Some((o, u)) = two {
            prop_assert!(unitary.contains(o as OutcomeId));
            prop_assert_eq!(u.to_vec(), vec![tables[0].utility(o as OutcomeId), tables[1].utility(o as OutcomeId)]);
        }
    }
    if let Some(w) = &exact.unitary_zone.witness {
        prop_assert!(unitary.contains(w.outcome as OutcomeId), "unitary witness outside, seed {}", seed);
    }
    if let Some(w) = &exact.bloc_zone.witness {
        prop_assert!(bloc.contains(w.outcome as OutcomeId), "bloc witness outside, seed {}", seed);
    }
    // Nash: the same product as brute force over the outcomes where every party gains.
    let d: Vec<f64> =
        tables.iter().zip(&case.reservations).map(|(t, &r)| if r.is_finite() { r } else { t.min() }).collect();
    for (zone, found) in [(&unitary, &exact.unitary_zone), (&bloc, &exact.bloc_zone)] {
        let brute = brute_nash(&tables, &d, zone);
        let got = found.nash.as_ref().map(|p| p.utilities.iter().zip(&d).fold(1.0, |acc, (u, d)| acc * (u - d)));
        prop_assert_eq!(got, brute.map(|b| b.0), "Nash product, seed {}", seed);
        if let Some(p) = &found.nash {
            prop_assert!(zone.contains(p.outcome as OutcomeId));
            let expected: Vec<f64> = tables.iter().map(|t| t.utility(p.outcome as OutcomeId)).collect();
            prop_assert_eq!(&p.utilities, &expected);
        }
    }
    // The diagnosis: the same case, the same blocs named.
    match (&enumerated.diagnosis, &exact.diagnosis) {
        (crate::analysis::zones::Diagnosis::NoAgreementInSubstance, LargeDiagnosis::NoAgreementInSubstance) => {}
        (crate::analysis::zones::Diagnosis::Possible { .. }, LargeDiagnosis::Possible { package }) => {
            prop_assert!(bloc.contains(package.outcome as OutcomeId));
        }
        (
            crate::analysis::zones::Diagnosis::BlockedInternally { responsible, red_lines, .. },
            LargeDiagnosis::BlockedInternally { responsible: r2, red_lines: l2, substance_package },
        ) => {
            prop_assert_eq!(responsible, r2, "responsible, seed {}", seed);
            prop_assert_eq!(red_lines, l2, "red lines, seed {}", seed);
            prop_assert!(unitary.contains(substance_package.outcome as OutcomeId));
        }
        (a, b) => prop_assert!(false, "diagnoses differ, seed {}: {:?} vs {:?}", seed, a, b),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The frontier-based existence check, its witnesses, Nash packages and
    /// diagnosis agree with enumeration on small random additive cases (red
    /// lines on values and on outcomes, reversions as outcomes, every rule).
    #[test]
    fn exact_check_matches_enumeration(seed in any::<u64>()) {
        // Depth first then merge (the default); merge alone; a search cut short.
        for dfs_budget in [100_000, 0, 2] {
            check_case(seed, ExactOptions { dfs_budget, ..ExactOptions::default() })?;
        }
    }

    /// The point-wise rule is the rule of `rule_set`, outcome by outcome.
    #[test]
    fn pointwise_rule_matches_rule_set(seed in any::<u64>()) {
        let case = Case::random(seed);
        let names = case.names();
        let tables = case.tables();
        let sets = case.bloc_sets();
        let points = case.point(&names);
        let mut accepts = Vec::new();
        let n = case.space.cardinality() as usize;
        for (k, p) in points.iter().enumerate() {
            let win = match (&case.delegations[k], &sets[k]) {
                (Some((d, blocs)), Some(s)) => {
                    let acceptable: Vec<OutcomeSet> = s.iter().map(BlocSets::acceptable).collect();
                    rule_set(blocs, d.rule, s, &acceptable, Some((&tables[k], case.reservations[k])), n)
                }
                _ => OutcomeSet::from_fn(n, |o| tables[k].utility(o) > case.reservations[k]),
            };
            for o in 0..n as u32 {
                let values = case.space.values_of(o as u128).unwrap();
                prop_assert_eq!(p.ratifies(o as u128, &values, &mut accepts), win.contains(o), "party {} outcome {}", k, o);
            }
        }
    }
}

#[test]
fn wilson_intervals_by_hand() {
    // 5 of 10: centre 0.5, half-width 1.96·sqrt(0.025 + 1.96²/400)/(1 + 1.96²/10) = 0.2634.
    let (lo, hi) = wilson(5, 10);
    assert!((lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4, "{lo} {hi}");
    // 0 of 10: [0, z²/(n + z²)] = [0, 0.2775].
    let (lo, hi) = wilson(0, 10);
    assert_eq!(lo, 0.0);
    assert!((hi - 0.2775).abs() < 1e-4, "{hi}");
    assert_eq!(wilson(10, 10).1, 1.0);
    assert_eq!(wilson(0, 0), (0.0, 1.0));
    assert_eq!(rule_of_three(1000), 0.003);
    let p = Proportion::new(30, 100);
    assert!((p.std_error - (0.3f64 * 0.7 / 100.0).sqrt()).abs() < 1e-15);
}

/// The sampling estimate covers the exact fraction: over 20 seeds, each of
/// the 95% intervals misses at most 3 times (19 expected hits per quantity).
#[test]
fn sampled_fractions_cover_the_enumerated_ones() {
    // A fixed case: a delegation of three blocs and a unitary party, 6·5·4·4 = 480 outcomes.
    let s = space(&[6, 5, 4, 4]);
    let mut rng = Mix(2024);
    let mut specs = Vec::new();
    for f in 0..3 {
        let bloc = Bloc {
            name: format!("b{f}"),
            weight: 1.0 / 3.0,
            veto: true,
            reversion: Reversion::Utility(0.35),
            red_lines: if f == 2 { vec![RedLine::Value { issue: 0, value: 5 }] } else { vec![] },
        };
        specs.push(BlocSpec {
            bloc,
            utility: Preferences::Additive(quarter_la(&s, &mut rng, f64::NEG_INFINITY)),
            uncertainty: None,
        });
    }
    let d = Delegation { blocs: specs, rule: Rule::Unanimity, defection: false, changes: vec![] };
    let blocs: Vec<Bloc> = d.blocs.iter().map(|b| b.bloc.clone()).collect();
    let mandate = d.mandate(&s, &blocs).unwrap();
    let other = Preferences::Additive(quarter_la(&s, &mut rng, 0.4));
    let case = Case {
        space: s,
        reservations: vec![mandate.reservation(), 0.4],
        own: vec![mandate, other],
        delegations: vec![Some((d, blocs)), None],
    };
    let names = case.names();
    let tables = case.tables();
    let sets = case.bloc_sets();
    let inputs = case.inputs(&names, &tables, &sets);
    let r = analyze_zones(&inputs);
    let n = case.space.cardinality() as f64;
    let exact =
        [r.win_sets[0].1 as f64 / n, r.unitary_sets[1].1 as f64 / n, r.unitary_zone as f64 / n, r.bloc_zone as f64 / n];
    // Every quantity strictly inside (0, 1), so the test means something.
    assert!(exact.iter().all(|&x| x > 0.02 && x < 0.98), "{exact:?}");
    let points = case.point(&names);
    let radices = case.space.radices().to_vec();
    let mut misses = [0; 4];
    for seed in 0..20u64 {
        let mut rng = Mix(seed);
        let mut draw = |v: &mut [u32]| {
            for (x, &r) in v.iter_mut().zip(&radices) {
                *x = rng.below(r as u64) as u32;
            }
        };
        let c = sample_zones(&case.space, &points, 2000, &mut draw).unwrap();
        let z = c.report(case.space.cardinality(), &["p0", "p1"]);
        let got = [&z.win_sets[0].1, &z.unitary_sets[1].1, &z.unitary_zone, &z.bloc_zone];
        for (i, (g, &e)) in got.iter().zip(&exact).enumerate() {
            if !(g.fraction.low <= e && e <= g.fraction.high) {
                misses[i] += 1;
            }
        }
        let w = z.bloc_zone.witness.unwrap();
        assert!(ratifiable_set(&inputs[0]).contains(w as u32) && unitary_set(&inputs[1]).contains(w as u32));
    }
    assert!(misses.iter().all(|&m| m <= 3), "{misses:?}");
}

/// A space of 10^12 outcomes whose zone is a single outcome: the exact check
/// finds it; 20,000 samples find nothing and say "empty, or below 0.015%".
#[test]
fn a_needle_in_a_large_space() {
    let s = space(&[10; 12]);
    // Both parties want value 9 on every issue (0.125 per issue, nothing else); each needs all twelve.
    let la = |reservation: f64| {
        let functions =
            (0..12).map(|_| ValueFunction::Table((0..10).map(|j| (j == 9) as u8 as f64).collect())).collect();
        Preferences::Additive(LinearAdditive::new(&s, vec![0.125; 12], functions, 0.0, reservation, None).unwrap())
    };
    let (a, b) = (la(1.4), la(1.45));
    let names = ["a", "b"];
    let parties = [
        PointParty { name: names[0], own: &a, reservation: 1.4, delegation: None },
        PointParty { name: names[1], own: &b, reservation: 1.45, delegation: None },
    ];
    let exact = exact_zones(&s, &parties, ExactOptions::default()).unwrap();
    assert!(exact.unitary_zone.nonempty);
    let all_nines = s.index_of(&[9; 12]).unwrap();
    assert_eq!(exact.unitary_zone.witness.as_ref().map(|w| w.outcome), Some(all_nines));
    assert!(matches!(exact.diagnosis, LargeDiagnosis::Possible { .. }));
    let mut rng = Mix(7);
    let mut draw = |v: &mut [u32]| v.iter_mut().for_each(|x| *x = rng.below(10) as u32);
    let z = sample_zones(&s, &parties, 20_000, &mut draw).unwrap().report(s.cardinality(), &names);
    assert_eq!(z.unitary_zone.fraction.hits, 0);
    assert_eq!(z.unitary_zone.empty_or_below, Some(3.0 / 20_000.0));
}

/// A search cut short by its work limit says so (the Nash search becomes a note).
#[test]
fn work_limits_are_reported() {
    let case = (0..200u64)
        .map(Case::random)
        .find(|c| c.space.cardinality() >= 27 && c.delegations.iter().flatten().count() == 1)
        .unwrap();
    let names = case.names();
    let points = case.point(&names);
    let options = ExactOptions { dfs_budget: 0, max_comparisons: 0, ..ExactOptions::default() };
    match exact_zones(&case.space, &points, options) {
        Err(ExactError::WorkLimit(0)) => {}
        Ok(z) => assert!(!z.unitary_zone.nonempty || z.notes.iter().any(|n| n.contains("comparisons")), "{z:?}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn quota_coalitions_are_minimal_and_hold_the_vetoes() {
    let bloc = |w: f64, veto: bool| Bloc {
        name: String::new(),
        weight: w,
        veto,
        reversion: Reversion::Utility(0.0),
        red_lines: vec![],
    };
    let blocs = [bloc(0.5, false), bloc(0.3, true), bloc(0.2, false), bloc(0.4, false)];
    let c = coalitions("d", &blocs, Rule::Quota { quota: 0.7 }).unwrap();
    // Holding bloc 1 (0.3): with 0 (0.8), with 3 (0.7); with 2 alone 0.5 is short, 2 + 3 = 0.9 but 1 + 3
    // already wins, so {1, 2, 3} is not minimal.
    assert_eq!(c, vec![vec![0, 1], vec![1, 3]]);
    assert_eq!(coalitions("d", &blocs, Rule::Dominant { bloc: 2 }).unwrap(), vec![vec![1, 2]]);
    assert!(coalitions("d", &blocs, Rule::Dominant { bloc: 9 }).unwrap().is_empty());
    let neg = [bloc(-0.5, false)];
    assert!(matches!(coalitions("d", &neg, Rule::Quota { quota: 0.1 }), Err(ExactError::NegativeWeight(_))));
}
