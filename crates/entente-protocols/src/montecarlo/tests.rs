//! Monte Carlo estimates against deterministic ratification, hand-checked
//! margins, and the exact and sampled analyses of large spaces.

use entente_core::analysis::zones::{DelegationInput, PartyInput, analyze_zones};
use entente_core::analysis::zones_sampled::LargeDiagnosis;
use entente_core::blocs::{Change, RedLine, Rule, Uncertainty};
use entente_core::{Issue, OutcomeId};

use super::*;
use crate::delegation::PreparedDelegation;
use crate::sao::SaoConfig;
use crate::scenario::Party;

/// The tests' pool: two threads, so that draws really run in parallel.
static POOL: std::sync::LazyLock<rayon::ThreadPool> = std::sync::LazyLock::new(|| pool(2));

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a test thread pool")
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

fn la(s: &OutcomeSpace, weights: &[f64], values: &[&[f64]], reservation: f64) -> Preferences {
    let functions = values.iter().map(|v| ValueFunction::Table(v.to_vec())).collect();
    Preferences::Additive(LinearAdditive::new(s, weights.to_vec(), functions, 0.0, reservation, None).unwrap())
}

fn bloc(name: &str, weight: f64, veto: bool, reversion: Reversion, red_lines: Vec<RedLine>) -> Bloc {
    Bloc { name: name.into(), weight, veto, reversion, red_lines }
}

fn scenario(space: OutcomeSpace, other: Preferences, delegation: Delegation) -> Scenario {
    let blocs: Vec<Bloc> = delegation.blocs.iter().map(|b| b.bloc.clone()).collect();
    let mandate = delegation.mandate(&space, &blocs).unwrap();
    Scenario {
        name: "test".into(),
        description: None,
        parties: vec![
            Party { name: "other".into(), utility: other, strategy: None, delegation: None },
            Party { name: "delegation".into(), utility: mandate, strategy: None, delegation: Some(delegation) },
        ],
        space,
        config: SaoConfig { n_steps: 10, time_limit: None },
        seed: 0,
    }
}

/// The reference case in miniature (4 issues, 48 outcomes): three blocs, a
/// red line, an outcome reversion, a change of instructions at t = 0.5.
fn security(rule: Rule, uncertainty: Option<Uncertainty>, opaque: bool) -> Scenario {
    let s = space(&[3, 2, 4, 2]);
    let other =
        la(&s, &[0.25, 0.15, 0.3, 0.3], &[&[0.0, 0.4, 1.0], &[0.0, 1.0], &[0.0, 0.5, 0.8, 1.0], &[1.0, 0.0]], 0.5);
    let u = |w: &[f64], v: &[&[f64]]| {
        let p = la(&s, w, v, f64::NEG_INFINITY);
        // An opaque function: the same utilities, not seen as linear additive.
        if opaque { Preferences::Other(Arc::new(p)) } else { p }
    };
    let blocs = vec![
        BlocSpec {
            bloc: bloc("kandahar", 0.4, true, Reversion::Utility(0.55), vec![]),
            utility: u(&[0.2, 0.35, 0.3, 0.15], &[&[1.0, 0.8, 0.5], &[1.0, 0.2], &[1.0, 0.7, 0.4, 0.1], &[0.5, 0.8]]),
            uncertainty,
        },
        BlocSpec {
            bloc: bloc("kabul", 0.35, true, Reversion::Outcome(0), vec![]),
            utility: u(&[0.25, 0.25, 0.3, 0.2], &[&[0.6, 0.8, 0.7], &[0.8, 0.4], &[0.8, 0.8, 0.6, 0.3], &[0.6, 0.9]]),
            uncertainty,
        },
        BlocSpec {
            bloc: bloc("khost", 0.25, false, Reversion::Utility(0.3), vec![RedLine::Value { issue: 1, value: 1 }]),
            utility: u(&[0.2, 0.2, 0.2, 0.4], &[&[1.0, 0.7, 0.4], &[1.0, 0.0], &[1.0, 0.6, 0.3, 0.0], &[0.0, 1.0]]),
            uncertainty: None,
        },
    ];
    let changes = vec![Change {
        at: 0.5,
        bloc: Some(2),
        weight: None,
        veto: Some(true),
        reversion: None,
        red_lines: None,
        add_red_lines: vec![],
        quota: Some(0.6),
    }];
    scenario(s, other, Delegation { blocs, rule, defection: false, changes })
}

const RULES: [Rule; 4] = [Rule::Unanimity, Rule::Quota { quota: 0.7 }, Rule::Dominant { bloc: 0 }, Rule::WeightedSum];

/// Deterministic answers: ratification by the prepared delegation, and the
/// bloc-level zone by the enumerated analysis.
fn deterministic(sc: &Scenario, at: f64, package: OutcomeId) -> (bool, Vec<String>, bool) {
    let d = sc.parties[1].delegation.as_ref().unwrap();
    let prepared = PreparedDelegation::new(&sc.space, d).unwrap();
    let r = prepared.ratify(package, at);
    let times = AtTime::new(sc, &InForce::relative(sc, at)).unwrap();
    let tables: Vec<UtilityTable> = times.own.iter().map(|u| UtilityTable::new(&sc.space, u).unwrap()).collect();
    let i = times.instructions[1].as_ref().unwrap();
    let e = &prepared.epochs[prepared.epoch_at(at)];
    let values_of = |o: OutcomeId, v: &mut [u32]| {
        let _ = sc.space.values_into(o as u128, v);
    };
    let sets = i
        .blocs
        .iter()
        .zip(&d.blocs)
        .map(|(b, spec)| BlocSets::new(b, &UtilityTable::new(&sc.space, &spec.utility).unwrap(), 4, &values_of))
        .collect();
    let parties = [
        PartyInput { name: "other", own: &tables[0], reservation: times.reservations[0], delegation: None },
        PartyInput {
            name: "delegation",
            own: &tables[1],
            reservation: times.reservations[1],
            delegation: Some(DelegationInput { blocs: &i.blocs, rule: i.rule, sets }),
        },
    ];
    let z = analyze_zones(&parties);
    assert_eq!(z.win_sets[1].1, e.win_set.count());
    (r.ratified, r.accepting, z.bloc_zone > 0)
}

#[test]
fn zero_uncertainty_gives_the_deterministic_answers() {
    let zero = Some(Uncertainty { values: 0.0, reversion: 0.0 });
    let mut seen = [0; 2];
    for opaque in [false, true] {
        for rule in RULES {
            let sc = security(rule, zero, opaque);
            for at in [0.0, 0.7] {
                for package in 0..48u32 {
                    let e = ratification_probability(
                        &sc,
                        &InForce::relative(&sc, at),
                        Some(package as u128),
                        MonteCarloOptions::new(3, 9),
                        &POOL,
                    )
                    .unwrap();
                    let (ratified, accepting, zone) = deterministic(&sc, at, package);
                    let d = &e.delegations[0];
                    let p = d.ratified.unwrap();
                    assert_eq!(p.estimate, if ratified { 1.0 } else { 0.0 }, "{rule:?} at {at}, package {package}");
                    seen[ratified as usize] += 1;
                    for b in &d.blocs {
                        let expected = accepting.contains(&b.bloc) as u8 as f64;
                        assert_eq!(b.accepts.unwrap().estimate, expected, "{} {rule:?} {package}", b.bloc);
                    }
                    assert_eq!(e.zone_nonempty.unwrap().estimate, zone as u8 as f64, "{rule:?} at {at}");
                    assert_eq!(e.zone_method, ZoneMethod::Enumerated);
                    // Without noise the other party and the delegation decide the package for sure.
                    assert!(matches!(e.everyone_ratifies.unwrap().estimate, 0.0 | 1.0));
                }
            }
        }
    }
    // Both answers occur, so the comparison means something.
    assert!(seen[0] > 50 && seen[1] > 50, "{seen:?}");
}

#[test]
fn same_seed_same_result_whatever_the_threads() {
    let sc = security(Rule::Quota { quota: 0.7 }, Some(Uncertainty { values: 0.1, reversion: 0.05 }), false);
    let opts = MonteCarloOptions::new(300, 42);
    let a = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(17), opts, &POOL).unwrap();
    let (one, two, three) = (pool(1), pool(2), pool(3));
    let b = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(17), opts, &one).unwrap();
    assert_eq!(a, b);
    let b2 = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(17), opts, &two).unwrap();
    assert_eq!(b, b2, "1 vs 2 threads");
    assert_eq!(
        b,
        ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(17), opts, &three).unwrap(),
        "1 vs 3 threads"
    );
    // The draws run on the given pool: inside a 1-thread pool's work, the
    // computation is not spread onto rayon's global pool.
    #[allow(clippy::disallowed_methods)] // inside the 1-thread pool
    let on_one = one.install(|| {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        (0..64u32).into_par_iter().for_each(|_| {
            seen.lock().unwrap().insert(std::thread::current().id());
        });
        seen.into_inner().unwrap().len()
    });
    assert_eq!(on_one, 1);
    let c =
        ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(17), MonteCarloOptions::new(300, 43), &POOL)
            .unwrap();
    assert_ne!(a, c, "another seed, other draws");
    // The noise does something here: some bloc is neither always nor never accepting.
    let p = a.delegations[0].blocs.iter().map(|b| b.accepts.unwrap().estimate).collect::<Vec<_>>();
    assert!(p.iter().any(|&x| x > 0.0 && x < 1.0), "{p:?}");
}

/// One issue-pair space where a bloc's utility of the package is known by hand.
fn margin_case(reversion: f64, values: f64, r_noise: f64, opaque: bool) -> Scenario {
    let s = space(&[3, 3]);
    let other = la(&s, &[0.5, 0.5], &[&[0.0, 0.5, 1.0], &[0.0, 0.5, 1.0]], f64::NEG_INFINITY);
    let u = la(&s, &[0.5, 0.5], &[&[0.0, 0.5, 1.0], &[0.0, 0.5, 1.0]], f64::NEG_INFINITY);
    let u = if opaque { Preferences::Other(Arc::new(u)) } else { u };
    let blocs = vec![BlocSpec {
        bloc: bloc("b", 1.0, true, Reversion::Utility(reversion), vec![]),
        utility: u,
        uncertainty: Some(Uncertainty { values, reversion: r_noise }),
    }];
    scenario(s, other, Delegation { blocs, rule: Rule::Unanimity, defection: false, changes: vec![] })
}

/// Package (1, 1): utility 0.5·0.5 + 0.5·0.5 = 0.5 to the bloc.
const MIDDLE: u128 = 4;

#[test]
fn a_package_far_inside_is_ratified_for_sure() {
    // Reversion 0.2, noise ±0.1 on each value utility and ±0.05 on the reversion: the perturbed
    // utility is at least 0.5 − 0.5·0.1 − 0.5·0.1 = 0.4 > 0.25 >= the perturbed reversion.
    for opaque in [false, true] {
        let sc = margin_case(0.2, 0.1, 0.05, opaque);
        let e = ratification_probability(
            &sc,
            &InForce::relative(&sc, 0.0),
            Some(MIDDLE),
            MonteCarloOptions::new(500, 1),
            &POOL,
        )
        .unwrap();
        assert_eq!(e.delegations[0].ratified.unwrap().hits, 500);
        assert_eq!(e.everyone_ratifies.unwrap().hits, 500);
        assert_eq!(e.zone_nonempty.unwrap().hits, 500);
        // The best outcome (2, 2) is worth 1.0 ± 0.1 against 0.2 ± 0.05: the zone never empties.
    }
}

/// A package exactly at a bloc's margin is accepted half the time whatever
/// the noise (the perturbation is symmetric); slightly inside, with more noise
/// the probability falls from 1 towards 1/2.
#[test]
fn at_the_margin_the_probability_tends_to_one_half() {
    let draws = 4000;
    for opaque in [false, true] {
        for noise in [0.01, 0.2] {
            let sc = margin_case(0.5, noise, noise, opaque);
            let p = ratification_probability(
                &sc,
                &InForce::relative(&sc, 0.0),
                Some(MIDDLE),
                MonteCarloOptions::new(draws, 5),
                &POOL,
            )
            .unwrap();
            let p = p.delegations[0].ratified.unwrap();
            assert!((p.estimate - 0.5).abs() < 4.0 * 0.5 / (draws as f64).sqrt(), "{noise} {opaque}: {p:?}");
            assert!(p.low < 0.5 && 0.5 < p.high || (p.estimate - 0.5).abs() < 3.0 * p.std_error);
        }
    }
    // 0.02 inside the margin.
    let mut last = 1.0;
    for (noise, expected) in [(0.0, Some(1.0)), (0.01, Some(1.0)), (0.05, None), (0.2, None), (2.0, None)] {
        let sc = margin_case(0.48, noise, noise, false);
        let p = ratification_probability(
            &sc,
            &InForce::relative(&sc, 0.0),
            Some(MIDDLE),
            MonteCarloOptions::new(draws, 11),
            &POOL,
        )
        .unwrap();
        let p = p.delegations[0].ratified.unwrap();
        if let Some(x) = expected {
            // The noise (at most 0.5·0.01 + 0.5·0.01 + 0.01 = 0.02, reached with probability 0) cannot cross.
            assert_eq!(p.estimate, x, "{noise}");
        }
        assert!(p.estimate <= last + 3.0 * p.std_error, "not monotone at {noise}: {} after {last}", p.estimate);
        assert!(p.estimate > 0.5 - 4.0 * p.std_error, "{noise}: {p:?}");
        last = p.estimate;
    }
    // With noise 100 times the distance the probability is within 0.03 of 1/2.
    assert!((last - 0.5).abs() < 0.03, "{last}");
}

/// The exact additive check in every draw gives the answers of enumeration,
/// draw by draw (the same seed, so the same perturbations).
#[test]
fn exact_additive_zones_in_draws_match_enumeration() {
    let mut partial = 0;
    for rule in RULES {
        let sc = security(rule, Some(Uncertainty { values: 0.15, reversion: 0.1 }), false);
        let mut opts = MonteCarloOptions::new(200, 3);
        let a = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(20), opts, &POOL).unwrap();
        opts.shortcuts = false;
        let plain = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(20), opts, &POOL).unwrap();
        assert_eq!(a, plain, "shortcuts change nothing, {rule:?}");
        opts.enumerate_up_to = 0;
        let b = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(20), opts, &POOL).unwrap();
        assert_eq!(b.zone_method, ZoneMethod::ExactAdditive);
        assert_eq!(a.zone_nonempty, b.zone_nonempty, "{rule:?}");
        assert_eq!(a.delegations, b.delegations);
        opts.exact.dfs_budget = 0;
        let c = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(20), opts, &POOL).unwrap();
        assert_eq!(c.zone_nonempty, b.zone_nonempty, "merge only, {rule:?}");
        let z = a.zone_nonempty.unwrap();
        assert!(z.hits > 0, "{rule:?}: {z:?}");
        partial += (z.hits < z.samples) as usize;
    }
    // Some rule's zone is empty in some draws and not in others: both answers are compared.
    assert!(partial > 0);
    // Opaque utilities on a space too large to enumerate: no zone, the package still estimated.
    let sc = security(Rule::Unanimity, Some(Uncertainty { values: 0.15, reversion: 0.1 }), true);
    let mut opts = MonteCarloOptions::new(50, 3);
    opts.enumerate_up_to = 0;
    let e = ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(20), opts, &POOL).unwrap();
    assert!(matches!(e.zone_method, ZoneMethod::NotComputed { reason: ZoneNotComputed::TooLargeNotAdditive }));
    assert_eq!(
        serde_json::to_value(&e.zone_method).unwrap()["reason"],
        "the space is too large to enumerate and some utility is not linear additive"
    );
    assert_eq!(e.zone_nonempty, None);
    assert!(e.delegations[0].ratified.is_some());
}

#[test]
fn bad_requests_are_errors() {
    let sc = security(Rule::Unanimity, None, false);
    assert!(matches!(
        ratification_probability(&sc, &InForce::relative(&sc, 0.0), Some(48), MonteCarloOptions::new(10, 0), &POOL),
        Err(MonteCarloError::NoSuchOutcome(48, 48))
    ));
    let mut plain = sc.clone();
    plain.parties[1].delegation = None;
    assert!(matches!(
        ratification_probability(&plain, &InForce::relative(&plain, 0.0), None, MonteCarloOptions::new(10, 0), &POOL),
        Err(MonteCarloError::NoDelegation)
    ));
    assert!(!has_uncertainty(&sc));
    assert!(has_uncertainty(&security(Rule::Unanimity, Some(Uncertainty { values: 0.0, reversion: 0.1 }), false)));
}

/// A delegation over a space of 10^12 outcomes (12 issues of 10 values):
/// the parties conflict on the first three issues and agree on the others
/// (which keeps the searches small: tests run in debug builds).
fn large(red_line: bool) -> Scenario {
    let s = space(&[10; 12]);
    let ramp: Vec<f64> = (0..10).map(|j| j as f64 / 9.0).collect();
    let down: Vec<f64> = (0..10).map(|j| (9 - j) as f64 / 9.0).collect();
    let w = [1.0 / 12.0; 12];
    let pick = |f: &dyn Fn(usize) -> bool| -> Vec<&[f64]> {
        (0..12).map(|k| if k >= 3 || f(k) { &ramp[..] } else { &down[..] }).collect()
    };
    let other = la(&s, &w, &pick(&|_| true), 0.5);
    let a_values = pick(&|_| false);
    let b_values = pick(&|k| k % 2 == 0);
    let blocs = vec![
        BlocSpec {
            bloc: bloc("a", 0.5, true, Reversion::Utility(0.45), vec![]),
            utility: la(&s, &w, &a_values, f64::NEG_INFINITY),
            uncertainty: Some(Uncertainty { values: 0.05, reversion: 0.05 }),
        },
        BlocSpec {
            bloc: bloc(
                "b",
                0.5,
                true,
                Reversion::Utility(0.45),
                if red_line { (0..10).map(|v| RedLine::Value { issue: 0, value: v }).collect() } else { vec![] },
            ),
            utility: la(&s, &w, &b_values, f64::NEG_INFINITY),
            uncertainty: None,
        },
    ];
    scenario(s, other, Delegation { blocs, rule: Rule::Unanimity, defection: false, changes: vec![] })
}

#[test]
fn large_spaces_exact_and_sampled() {
    let sc = large(false);
    let r = large_zones(&sc, &InForce::relative(&sc, 0.0), 10_000, 7, ExactOptions::default(), &POOL).unwrap();
    let exact = r.exact.as_ref().unwrap();
    assert!(exact.unitary_zone.nonempty && exact.bloc_zone.nonempty);
    let w = exact.bloc_zone.witness.as_ref().unwrap();
    // The witness really is in the zone: every party ratifies it.
    let times = AtTime::new(&sc, &InForce::relative(&sc, 0.0)).unwrap();
    let parties = times.parties(&sc).unwrap();
    let values = sc.space.values_of(w.outcome).unwrap();
    assert!(parties.iter().all(|p| p.ratifies(w.outcome, &values, &mut vec![])));
    // Sampling: a fair share of the space in each set, a witness found, same seed same result.
    assert_eq!(r.sampled.samples, 10_000);
    assert!(r.sampled.bloc_zone.fraction.hits > 0);
    assert_eq!(r, large_zones(&sc, &InForce::relative(&sc, 0.0), 10_000, 7, ExactOptions::default(), &POOL).unwrap());
    assert_eq!(
        r,
        large_zones(&sc, &InForce::relative(&sc, 0.0), 10_000, 7, ExactOptions::default(), &pool(1)).unwrap(),
        "1 vs 2 threads"
    );
    // Monte Carlo on the large space: the zone by the exact additive check in every draw.
    let e = ratification_probability(
        &sc,
        &InForce::relative(&sc, 0.0),
        Some(w.outcome),
        MonteCarloOptions::new(20, 1),
        &POOL,
    )
    .unwrap();
    assert_eq!(e.zone_method, ZoneMethod::ExactAdditive);
    assert!(e.zone_nonempty.unwrap().hits > 0);

    // Bloc b bans every value of issue 0: nothing can be ratified, and b's red lines are to blame.
    let sc = large(true);
    let r = large_zones(&sc, &InForce::relative(&sc, 0.0), 5_000, 7, ExactOptions::default(), &POOL).unwrap();
    let exact = r.exact.as_ref().unwrap();
    assert!(exact.unitary_zone.nonempty && !exact.bloc_zone.nonempty);
    let LargeDiagnosis::BlockedInternally { responsible, red_lines, .. } = &exact.diagnosis else {
        panic!("{:?}", exact.diagnosis)
    };
    assert_eq!(responsible, &vec![("delegation".to_string(), "b".to_string())]);
    assert_eq!(red_lines, &vec![("delegation".to_string(), "b".to_string())]);
    assert_eq!(r.sampled.bloc_zone.fraction.hits, 0);
    assert_eq!(r.sampled.bloc_zone.empty_or_below, Some(3.0 / 5_000.0));
}

/// The scenario-level sampling covers the enumerated fractions (chunks of
/// [`SAMPLE_CHUNK`], the last one partial).
#[test]
fn scenario_sampling_covers_enumeration() {
    let sc = security(Rule::Quota { quota: 0.7 }, None, false);
    let n = sc.space.cardinality() as f64;
    let e = deterministic_sizes(&sc);
    let mut misses = 0;
    for seed in 0..10 {
        let r = large_zones(&sc, &InForce::relative(&sc, 0.0), 5_000, seed, ExactOptions::default(), &POOL).unwrap();
        let z = &r.sampled;
        for (set, exact) in [(&z.win_sets[1].1, e.0), (&z.unitary_zone, e.1), (&z.bloc_zone, e.2)] {
            let x = exact as f64 / n;
            misses += !(set.fraction.low <= x && x <= set.fraction.high) as usize;
        }
    }
    // 30 intervals at 95%: 1.5 misses expected.
    assert!(misses <= 5, "{misses}");
}

fn deterministic_sizes(sc: &Scenario) -> (usize, usize, usize) {
    let times = AtTime::new(sc, &InForce::relative(sc, 0.0)).unwrap();
    let parties = times.parties(sc).unwrap();
    let (mut w, mut u, mut b) = (0, 0, 0);
    let mut buf = vec![];
    for o in 0..sc.space.cardinality() {
        let v = sc.space.values_of(o).unwrap();
        let r: Vec<bool> = parties.iter().map(|p| p.ratifies(o, &v, &mut buf)).collect();
        w += r[1] as usize;
        u += parties.iter().all(|p| p.unitary(&v)) as usize;
        b += r.iter().all(|&x| x) as usize;
    }
    assert!(w > 0 && u > 0 && b > 0, "{w} {u} {b}");
    (w, u, b)
}
