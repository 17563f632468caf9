//! Brute-force checks of every frontier method and solution concept on small
//! random spaces, ties and rounding included.

use proptest::prelude::*;

use super::*;
use crate::space::Issue;
use crate::utility::ValueFunction;

/// GENIUS's Pareto set by its definition: every outcome that no outcome
/// strictly dominates; identical vectors grouped (lowest outcome, count).
fn brute_frontier(u: &[Vec<f64>]) -> Vec<(Vec<f64>, u128, u128)> {
    let n = u[0].len();
    let vec_of = |i: usize| u.iter().map(|p| p[i]).collect::<Vec<f64>>();
    let mut out: Vec<(Vec<f64>, u128, u128)> = Vec::new();
    for i in 0..n {
        let vi = vec_of(i);
        let dominated = (0..n).any(|j| {
            let vj = vec_of(j);
            vj.iter().zip(&vi).all(|(a, b)| a >= b) && vj.iter().zip(&vi).any(|(a, b)| a > b)
        });
        if dominated {
            continue;
        }
        match out.iter_mut().find(|(v, _, _)| *v == vi) {
            Some(e) => e.2 += 1,
            None => out.push((vi, i as u128, 1)),
        }
    }
    out.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    out
}

fn as_tuples(f: &Frontier) -> Vec<(Vec<f64>, u128, u128)> {
    f.points.iter().map(|p| (p.utilities.clone(), p.outcome, p.ties)).collect()
}

/// Utilities with many ties: multiples of 1/8 (some negative) and of 1/3
/// (some above 1).
fn tied_utils(n: usize, parties: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    proptest::collection::vec(proptest::collection::vec((0u32..9, 0u32..4), n), parties).prop_map(|v| {
        v.into_iter()
            .map(|p| {
                p.into_iter()
                    .map(|(k, t)| match t {
                        0 => k as f64 / 3.0,
                        1 => (k as f64 - 6.0) / 8.0,
                        _ => k as f64 / 8.0,
                    })
                    .collect()
            })
            .collect()
    })
}

fn random_space(radices: &[u32]) -> OutcomeSpace {
    OutcomeSpace::new(
        radices.iter().enumerate().map(|(k, &r)| Issue::integer(format!("i{k}"), 0, r as i64 - 1)).collect(),
    )
    .unwrap()
}

/// Value utilities chosen to make rounding matter: tenths (inexact in binary),
/// tiny offsets below an ulp of the sums, exact duplicates, a large bias.
fn hostile_ufun(space: &OutcomeSpace, seed: &[u32], rv: f64) -> LinearAdditive {
    let mut it = seed.iter().cycle().copied();
    let mut next = move || it.next().unwrap();
    let m = space.issues().len();
    let weights: Vec<f64> = (0..m).map(|_| [1.0, 0.1, 0.3, -0.2, 0.7, 1000.0, 1e6][next() as usize % 7]).collect();
    let functions = space
        .radices()
        .iter()
        .map(|&r| {
            ValueFunction::Table(
                (0..r)
                    .map(|_| {
                        let x = next();
                        match x % 5 {
                            0 => (x % 10) as f64 / 10.0,
                            1 => (x % 10) as f64 / 10.0 + (x % 3) as f64 * f64::EPSILON / 4.0,
                            2 => (x % 3) as f64 * 0.1,
                            3 => (x % 7) as f64 / 7.0,
                            _ => (x % 3) as f64 * 1e-17,
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    let bias = [0.0, 1000.0, 0.1, -3.0, 0.0][next() as usize % 5];
    LinearAdditive::new(space, weights, functions, bias, rv, None).unwrap()
}

fn tables(space: &OutcomeSpace, ufuns: &[&LinearAdditive]) -> Vec<UtilityTable> {
    ufuns.iter().map(|u| UtilityTable::new(space, *u).unwrap()).collect()
}

/// The brute-force bargaining solutions (utility vectors only), by the text of
/// the definitions, over the brute-force frontier.
#[derive(Debug, PartialEq)]
struct Brute {
    nash_negmas: Vec<Vec<f64>>,
    nash_genius: Option<Vec<f64>>,
    ks_negmas: Vec<Vec<f64>>,
    ks_genius: Option<Vec<f64>>,
    ks_textbook: Option<Vec<f64>>,
    egalitarian: Vec<Vec<f64>>,
    max_welfare: Vec<Vec<f64>>,
    opposition: f64,
    opposition_negmas: Option<f64>,
    rational: u128,
}

fn brute_solutions(u: &[Vec<f64>], rv: &[f64]) -> Brute {
    let np = u.len();
    let n = u[0].len();
    let genius: Vec<Vec<f64>> = brute_frontier(u).into_iter().map(|x| x.0).collect();
    let rational = |v: &[f64]| v.iter().zip(rv).all(|(a, r)| a >= r);
    let mut negmas: Vec<Vec<f64>> = genius.iter().filter(|v| rational(v)).cloned().collect();
    let sum = |v: &[f64]| v.iter().fold(0.0, |s, x| s + x);
    negmas.sort_by(|a, b| sum(b).total_cmp(&sum(a)));
    let min: Vec<f64> = u.iter().map(|p| p.iter().copied().fold(f64::INFINITY, f64::min)).collect();
    let max: Vec<f64> = u.iter().map(|p| p.iter().copied().fold(f64::NEG_INFINITY, f64::max)).collect();
    let d: Vec<f64> = rv.iter().zip(&min).map(|(&r, &m)| if r.is_finite() && r >= m { r } else { m }).collect();
    let degenerate = (0..np).any(|i| max[i] - d[i] <= 1e-12);
    let within = |f: &dyn Fn(&[f64]) -> f64| -> Vec<Vec<f64>> {
        if degenerate {
            return negmas.clone();
        }
        let best = negmas.iter().map(|v| f(v)).fold(f64::NEG_INFINITY, f64::max);
        negmas.iter().filter(|v| f(v) >= best - 1e-12).cloned().collect()
    };
    let first = |set: &[Vec<f64>], f: &dyn Fn(&[f64]) -> f64| -> Option<Vec<f64>> {
        let mut best: Option<(f64, Vec<f64>)> = None;
        for v in set {
            let x = f(v);
            if best.as_ref().is_none_or(|b| x > b.0) {
                best = Some((x, v.clone()));
            }
        }
        best.map(|b| b.1)
    };
    let prod = |v: &[f64], r: &[f64]| v.iter().zip(r).fold(1.0, |p, (a, b)| p * (a - b));
    let rv0: Vec<f64> = rv.iter().map(|r| if r.is_finite() { *r } else { 0.0 }).collect();
    let ideal: Vec<f64> = (0..np).map(|i| negmas.iter().map(|v| v[i]).fold(f64::NEG_INFINITY, f64::max)).collect();
    let rational_genius: Vec<Vec<f64>> = genius.iter().filter(|v| rational(v)).cloned().collect();
    let mut opposition = f64::INFINITY;
    let mut opposition_negmas = None::<f64>;
    let mut count = 0;
    for i in 0..n {
        let v: Vec<f64> = u.iter().map(|p| p[i]).collect();
        opposition = opposition.min(v.iter().fold(0.0, |s, x| s + (1.0 - x) * (1.0 - x)));
        if v.iter().zip(rv).all(|(a, r)| a > r) {
            count += 1;
        }
        if rational(&v) {
            // NegMAS opposition_level: Σ (1 − u/max)², (1 − u)² when max = 0
            let o = (0..np).fold(0.0, |s, p| {
                let e = if max[p] != 0.0 { 1.0 - v[p] / max[p] } else { 1.0 - v[p] };
                s + e * e
            });
            opposition_negmas = Some(opposition_negmas.map_or(o, |m| m.min(o)));
        }
    }
    Brute {
        nash_negmas: within(&|v| prod(v, &d)),
        nash_genius: first(&genius, &|v| prod(v, &rv0)),
        ks_negmas: within(&|v| {
            let r: Vec<f64> = (0..np)
                .map(|i| if max[i] - d[i] != 0.0 { (v[i] - d[i]) / (max[i] - d[i]) } else { v[i] - d[i] })
                .collect();
            -(r.iter().copied().fold(f64::NEG_INFINITY, f64::max) - r.iter().copied().fold(f64::INFINITY, f64::min))
        }),
        ks_genius: first(&genius, &|v| {
            let mut s = 0.0;
            for i in 0..np {
                for j in i + 1..np {
                    s += (v[i] - v[j]).abs();
                }
            }
            -s
        }),
        ks_textbook: first(&rational_genius, &|v| {
            let r: Vec<f64> =
                (0..np).filter(|&i| ideal[i] != d[i]).map(|i| (v[i] - d[i]) / (ideal[i] - d[i])).collect();
            if r.is_empty() { 1.0 } else { r.into_iter().fold(f64::INFINITY, f64::min) }
        }),
        egalitarian: within(&|v| (0..np).map(|i| v[i] - d[i]).fold(f64::INFINITY, f64::min)),
        max_welfare: within(&|v| sum(v)),
        opposition: opposition.sqrt(),
        opposition_negmas: opposition_negmas.map(f64::sqrt),
        rational: count,
    }
}

fn check_analysis(a: &DomainAnalysis, b: &Brute) {
    let vecs = |p: &[Point]| p.iter().map(|x| x.utilities.clone()).collect::<Vec<_>>();
    let one = |p: &Option<Point>| p.as_ref().map(|x| x.utilities.clone());
    let s = &a.solutions;
    assert_eq!(vecs(&s.nash_negmas), b.nash_negmas, "NegMAS Nash");
    assert_eq!(one(&s.nash_genius), b.nash_genius, "GENIUS Nash");
    assert_eq!(vecs(&s.ks_negmas), b.ks_negmas, "NegMAS KS");
    assert_eq!(one(&s.ks_genius), b.ks_genius, "GENIUS KS");
    assert_eq!(one(&s.kalai_smorodinsky), b.ks_textbook, "textbook KS");
    assert_eq!(vecs(&s.egalitarian), b.egalitarian, "egalitarian");
    assert_eq!(vecs(&s.max_welfare), b.max_welfare, "max welfare");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The fast two-party frontier and the n-party skyline equal the definition.
    #[test]
    fn frontiers_equal_brute_force(u in (1usize..60).prop_flat_map(|n| tied_utils(n, 2))) {
        let expected = brute_frontier(&u);
        prop_assert_eq!(as_tuples(&pareto_2(&u[0], &u[1])), expected.clone());
        // any bounds give the same frontier (only speed depends on them)
        for (lo, hi) in [(0.3, 0.5), (2.0, -1.0), (f64::NEG_INFINITY, 1.0), (0.0, f64::NAN)] {
            prop_assert_eq!(as_tuples(&pareto_2_within(&u[0], &u[1], lo, hi)), expected.clone());
        }
        // the generic skyline on two parties (exercised directly)
        let mut got = Vec::new();
        skyline::skyline_n(u[0].len(), 2, |i, p| u[p][i as usize], &[0.0, 0.0], |run| {
            got.push((vec![u[0][run[0] as usize], u[1][run[0] as usize]], run[0] as u128, run.len() as u128))
        });
        got.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn n_party_frontier_equals_brute_force(u in (1usize..50, 3usize..5).prop_flat_map(|(n, p)| tied_utils(n, p))) {
        let slices: Vec<&[f64]> = u.iter().map(|p| &p[..]).collect();
        prop_assert_eq!(as_tuples(&pareto_n(&slices)), brute_frontier(&u));
    }

    /// Every solution concept equals its definition evaluated by brute force.
    #[test]
    fn solutions_equal_brute_force(
        u in (1usize..40, 2usize..4).prop_flat_map(|(n, p)| tied_utils(n, p)),
        rv_raw in proptest::collection::vec(0u32..12, 4),
    ) {
        let np = u.len();
        // reservation: none, below the minimum, or inside the range
        let rv: Vec<f64> = rv_raw[..np].iter().map(|&r| if r >= 10 { f64::NEG_INFINITY } else { r as f64 / 10.0 - 0.1 }).collect();
        let tables: Vec<UtilityTable> = u.iter().zip(&rv).map(|(p, &r)| UtilityTable::from_utilities(p.clone(), r).unwrap()).collect();
        let refs: Vec<&UtilityTable> = tables.iter().collect();
        let a = analyze(&refs).unwrap();
        let b = brute_solutions(&u, &rv);
        check_analysis(&a, &b);
        // correctly rounded, so within an ulp of the naive minimum
        let opp = a.opposition.unwrap();
        prop_assert!((opp - b.opposition).abs() <= f64::EPSILON * b.opposition, "{} vs {}", opp, b.opposition);
        prop_assert_eq!(a.opposition_negmas, b.opposition_negmas);
        prop_assert_eq!(a.rational.as_ref().unwrap().count, b.rational);
        let listed = a.rational.as_ref().unwrap().outcomes.as_ref().unwrap();
        prop_assert_eq!(listed.len() as u128, b.rational);
        prop_assert_eq!(a.pareto.with_ties, brute_frontier(&u).iter().map(|x| x.2).sum::<u128>());
    }

    /// The additive merge equals enumeration bit for bit: the same vectors,
    /// lowest outcomes and tie counts, on utilities built to make rounding bite.
    #[test]
    fn additive_merge_equals_enumeration(
        radices in proptest::collection::vec(1u32..6, 1..5),
        seeds in proptest::collection::vec(proptest::collection::vec(0u32..1000, 1..40), 3),
        parties in 2usize..4,
    ) {
        let space = random_space(&radices);
        let ufuns: Vec<LinearAdditive> = seeds[..parties].iter().map(|s| hostile_ufun(&space, s, f64::NEG_INFINITY)).collect();
        let refs: Vec<&LinearAdditive> = ufuns.iter().collect();
        let t = tables(&space, &refs);
        let slices: Vec<&[f64]> = t.iter().map(|t| t.utilities()).collect();
        let enumerated = pareto_n(&slices);
        let merged = additive_frontier(&space, &refs, MergeLimits::default()).unwrap();
        let bits = |f: &Frontier| f.points.iter().map(|p| (p.utilities.iter().map(|x| (*x + 0.0).to_bits()).collect::<Vec<_>>(), p.outcome, p.ties)).collect::<Vec<_>>();
        prop_assert_eq!(bits(&merged.frontier), bits(&enumerated));
        // every tied outcome is recovered
        for (i, p) in merged.frontier.points.iter().enumerate() {
            let all = merged.outcomes_of(i, usize::MAX);
            prop_assert_eq!(all.len() as u128, p.ties);
            for o in all {
                for (party, t) in t.iter().enumerate() {
                    prop_assert_eq!(t.utility(o as u32), p.utilities[party]);
                }
            }
        }
    }

    /// The analysis from the merge equals the analysis from tables.
    #[test]
    fn additive_analysis_equals_enumerated(
        radices in proptest::collection::vec(1u32..5, 1..4),
        seeds in proptest::collection::vec(proptest::collection::vec(0u32..1000, 1..30), 2),
        rv in proptest::collection::vec(0u32..12, 2),
    ) {
        let space = random_space(&radices);
        let ufuns: Vec<LinearAdditive> = seeds
            .iter()
            .zip(&rv)
            .map(|(s, &r)| {
                let u = hostile_ufun(&space, s, f64::NEG_INFINITY);
                let t = UtilityTable::new(&space, &u).unwrap();
                let r = if r >= 10 { f64::NEG_INFINITY } else { t.min() + (t.max() - t.min()) * r as f64 / 10.0 };
                u.with_reservation(r)
            })
            .collect();
        let refs: Vec<&LinearAdditive> = ufuns.iter().collect();
        let t = tables(&space, &refs);
        let trefs: Vec<&UtilityTable> = t.iter().collect();
        let a = analyze(&trefs).unwrap();
        let b = analyze_additive(&space, &refs, MergeLimits::default()).unwrap();
        prop_assert_eq!(&a.frontier, &b.frontier);
        prop_assert_eq!(&a.frontier_negmas, &b.frontier_negmas);
        prop_assert_eq!(&a.solutions, &b.solutions);
        prop_assert_eq!(&a.parties, &b.parties);
        if b.opposition.is_some() {
            prop_assert_eq!(a.opposition, b.opposition);
        }
        if b.opposition_negmas.is_some() {
            prop_assert_eq!(a.opposition_negmas, b.opposition_negmas);
        }
    }
}

#[test]
fn rounding_ties_are_kept_by_the_merge() {
    // Party 1: issue 0 adds 1e-16 or 0 to a bias of 1; issue 1 adds 0.5.
    // (1 + 1e-16) rounds to 1: the "better" partial sum is a tie at the end.
    let space = random_space(&[2, 1]);
    let u1 = LinearAdditive::new(
        &space,
        vec![1.0, 1.0],
        vec![ValueFunction::Table(vec![0.0, 1e-16]), ValueFunction::Table(vec![0.5])],
        1.0,
        f64::NEG_INFINITY,
        None,
    )
    .unwrap();
    let u2 = LinearAdditive::new(
        &space,
        vec![1.0, 1.0],
        vec![ValueFunction::Table(vec![0.0, 0.0]), ValueFunction::Table(vec![0.0])],
        0.0,
        f64::NEG_INFINITY,
        None,
    )
    .unwrap();
    assert_eq!(u1.utility(&[0, 0]), u1.utility(&[1, 0]));
    let merged = additive_frontier(&space, &[&u1, &u2], MergeLimits::default()).unwrap();
    assert_eq!(merged.frontier.points.len(), 1);
    assert_eq!(merged.frontier.points[0].ties, 2, "both outcomes reach the same utilities");
    assert_eq!(merged.outcomes_of(0, 10), vec![0, 1]);
}

#[test]
fn merge_handles_a_space_of_ten_to_the_fifteen() {
    // 15 issues × 10 values, two parties with opposed quantised preferences.
    let space = random_space(&[10; 15]);
    let mk = |flip: bool| {
        let functions = (0..15)
            .map(|k| {
                ValueFunction::Table(
                    (0..10)
                        .map(|j| ((j * (k + 3) + 7 * k) % 10) as f64 / 10.0)
                        .map(|v| if flip { 1.0 - v } else { v })
                        .collect(),
                )
            })
            .collect();
        let weights = (0..15).map(|k| (k % 4 + 1) as f64 / 40.0).collect();
        LinearAdditive::new(&space, weights, functions, 0.0, 0.2, None).unwrap()
    };
    let (a, b) = (mk(false), mk(true));
    let merged = additive_frontier(&space, &[&a, &b], MergeLimits::default()).unwrap();
    assert_eq!(space.cardinality(), 10u128.pow(15));
    let f = &merged.frontier;
    assert!(f.distinct() > 1);
    // frontier points are mutually non-dominated and their utilities exact
    for (i, p) in f.points.iter().enumerate() {
        let values = space.values_of(p.outcome).unwrap();
        assert_eq!(a.utility(&values), p.utilities[0]);
        assert_eq!(b.utility(&values), p.utilities[1]);
        if i > 0 {
            assert!(p.utilities[0] > f.points[i - 1].utilities[0] && p.utilities[1] < f.points[i - 1].utilities[1]);
        }
    }
}

#[test]
fn measures_are_distances_to_the_solutions() {
    let u1 = vec![0.0, 0.5, 1.0, 0.25];
    let u2 = vec![1.0, 0.5, 0.0, 0.25];
    let t: Vec<UtilityTable> = [u1, u2].into_iter().map(|u| UtilityTable::from_utilities(u, 0.0).unwrap()).collect();
    let a = analyze(&[&t[0], &t[1]]).unwrap();
    assert_eq!(a.pareto.distinct, 3);
    assert_eq!(a.solutions.nash_genius.as_ref().unwrap().utilities, vec![0.5, 0.5]);
    let m = agreement_measures(&[0.25, 0.25], &a);
    assert_eq!(m.welfare, 0.5);
    assert_eq!(m.nash_distance, Some(distance(&[0.25, 0.25], &[0.5, 0.5])));
    assert_eq!(m.pareto_distance, m.nash_distance);
    assert_eq!(agreement_measures(&[0.5, 0.5], &a).pareto_distance_genius, Some(0.0));
}

#[test]
fn errors_are_clear() {
    assert_eq!(analyze(&[]).unwrap_err(), AnalysisError::NoParties);
    let a = UtilityTable::from_utilities(vec![0.0, 1.0], 0.0).unwrap();
    let b = UtilityTable::from_utilities(vec![0.0], 0.0).unwrap();
    assert!(matches!(analyze(&[&a, &b]), Err(AnalysisError::LengthMismatch { party: 1, .. })));
    let space = random_space(&[10; 4]);
    let opposed = |sign: f64| {
        let f = (0..4).map(|_| ValueFunction::Table((0..10).map(|j| sign * j as f64).collect())).collect();
        LinearAdditive::new(&space, vec![1.0; 4], f, 0.0, f64::NEG_INFINITY, None).unwrap()
    };
    let (u, v) = (opposed(1.0), opposed(-1.0));
    let err = additive_frontier(&space, &[&u, &v], MergeLimits { max_candidates: 3 }).unwrap_err();
    assert!(matches!(err, AnalysisError::TooManyCandidates { .. }), "{err}");
}

/// The zone is strictly above every reservation value, in the domain analysis
/// as in the zone analysis; NegMAS's frontier and opposition keep `u >= rv`.
/// Six outcomes (by hand): (0, 1), (0.5, 0.75), (0.25, 1), (0.75, 0.75),
/// (0.5, 0.5), (1, 0.25), reservation values 0.5 and 0.5.
#[test]
fn the_zone_excludes_outcomes_at_a_reservation_value() {
    let north = UtilityTable::from_utilities(vec![0.0, 0.5, 0.25, 0.75, 0.5, 1.0], 0.5).unwrap();
    let south = UtilityTable::from_utilities(vec![1.0, 0.75, 1.0, 0.75, 0.5, 0.25], 0.5).unwrap();
    for parties in [vec![&north, &south], vec![&north, &south, &south]] {
        let a = analyze(&parties).unwrap();
        let r = a.rational.unwrap();
        assert_eq!(r.count, 1, "{} parties", parties.len());
        assert_eq!(r.outcomes, Some(vec![3]));
        // NegMAS: rational points (u >= rv) of the frontier: (0.75, 0.75) alone.
        assert_eq!(a.pareto.negmas, 1);
        // NegMAS opposition over its rational outcomes: the nearest is (0.75, 0.75), max 1 each.
        let o = a.opposition_negmas.unwrap();
        let expected = ((parties.len() as f64) * 0.25 * 0.25).sqrt();
        assert!((o - expected).abs() < 1e-12, "{o} vs {expected}");
    }
    let input = |name, own| zones::PartyInput { name, own, reservation: 0.5, delegation: None };
    let z = zones::analyze_zones(&[input("north", &north), input("south", &south)]);
    assert_eq!((z.unitary_zone, z.bloc_zone), (1, 1));
    // Both parties exactly at their reservation values: the zone is empty.
    let flat = UtilityTable::from_utilities(vec![0.5; 6], 0.5).unwrap();
    let a = analyze(&[&flat, &flat]).unwrap();
    assert_eq!(a.rational.unwrap().count, 0);
    assert_eq!(a.pareto.negmas, 1, "NegMAS keeps the point at the reservation values");
    let z = zones::analyze_zones(&[input("a", &flat), input("b", &flat)]);
    assert_eq!(z.unitary_zone, 0);
    assert!(matches!(z.diagnosis, zones::Diagnosis::NoAgreementInSubstance));
}
