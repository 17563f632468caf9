use std::sync::atomic::AtomicBool;

use super::*;
use crate::generate::random_scenario;
use crate::stats::*;
use crate::summary::SummaryOptions;

fn spec(self_play: bool, rotate: bool, reps: u32) -> TournamentSpec {
    let none = entente_model::StrategyOptions::default();
    let strategies = ["boulware", "linear", "conceder", "random"]
        .iter()
        .map(|n| Entry { label: n.to_string(), spec: StrategySpec::from_name(n, &none).unwrap() })
        .collect();
    let scenarios =
        (0..2).map(|k| ScenarioEntry { scenario: random_scenario(2, 4, k, 20).unwrap(), n_steps: 20 }).collect();
    TournamentSpec { strategies, scenarios, repetitions: reps, self_play, rotate_preferences: rotate, seed: 7 }
}

fn run_all(t: &Tournament, ids: &[u64], threads: usize, chunk: usize) -> Vec<Record> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let mut out = Vec::new();
    t.run::<TournamentError>(ids, &pool, chunk, &AtomicBool::new(false), |r| {
        out.push(r.clone());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn plan_counts_and_coordinates() {
    // 4 strategies, 2 parties: 16 assignments with self-play, 12 without;
    // 2 rotations; 3 repetitions; 2 scenarios.
    let t = Tournament::new(spec(true, true, 3)).unwrap();
    assert_eq!(t.len(), 2 * 16 * 2 * 3);
    let t = Tournament::new(spec(false, false, 1)).unwrap();
    assert_eq!(t.len(), 2 * 12);
    let mut seen = std::collections::HashSet::new();
    for id in 0..t.len() {
        let n = t.negotiation(id);
        assert_ne!(n.strategies[0], n.strategies[1]);
        assert!(seen.insert((n.scenario, n.strategies.clone(), n.rotation, n.repetition)));
    }
    // Each strategy in each role, against each other one.
    assert_eq!(seen.len(), 24);
}

#[test]
fn records_do_not_depend_on_threads_chunks_or_shards() {
    let t = Tournament::new(spec(true, true, 2)).unwrap();
    let ids: Vec<u64> = (0..t.len()).collect();
    let one = run_all(&t, &ids, 1, 1000);
    let two = run_all(&t, &ids, 2, 7);
    assert_eq!(one, two);
    let mut sharded = Vec::new();
    for i in 1..=3 {
        let s = Shard { index: i, count: 3 };
        let part: Vec<u64> = s.range(t.len()).collect();
        sharded.extend(run_all(&t, &part, 2, 5));
    }
    assert_eq!(one, sharded);
    assert_eq!(one.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    // Another instance of the same spec: the same records and fingerprint.
    let t2 = Tournament::new(spec(true, true, 2)).unwrap();
    assert_eq!(t.fingerprint(), t2.fingerprint());
    assert_eq!(run_all(&t2, &ids[10..20], 2, 3), one[10..20].to_vec());
    let mut other = spec(true, true, 2);
    other.seed = 8;
    assert_ne!(Tournament::new(other).unwrap().fingerprint(), t.fingerprint());
}

#[test]
fn record_fields_are_consistent() {
    let t = Tournament::new(spec(false, true, 1)).unwrap();
    for id in 0..t.len() {
        let r = t.run_one(id).unwrap();
        assert_eq!(r.utilities.len(), 2);
        assert!((r.welfare - r.utilities.iter().sum::<f64>()).abs() < 1e-12);
        // Reservation values are 0 in generated scenarios.
        assert_eq!(r.utilities, r.advantages);
        assert_eq!(r.agreement.is_some(), r.nash_distance.is_some());
        if r.rotation == 1 {
            assert_eq!(r.profiles, vec!["b", "a"]);
        } else {
            assert_eq!(r.profiles, vec!["a", "b"]);
        }
        // The record matches a plain run of the scenario with the same seeds.
        let n = t.negotiation(id);
        let mut sc = spec(false, true, 1).scenarios[n.scenario].scenario.clone();
        if n.rotation == 1 {
            sc.parties.swap(0, 1);
        }
        for (k, p) in sc.parties.iter_mut().enumerate() {
            p.strategy = Some(t.strategies[n.strategies[k]].spec);
        }
        sc.config.n_steps = 20;
        let rep = entente_protocols::RunScenario::run(&sc, Some(n.seed)).unwrap();
        assert_eq!(rep.agreement, r.agreement);
        assert_eq!(rep.utilities, r.utilities);
        assert_eq!(rep.rounds, r.rounds);
    }
}

#[test]
fn shards_partition_exactly() {
    for total in [0u64, 1, 5, 17, 100] {
        for k in 1..7 {
            let mut all = Vec::new();
            for i in 1..=k {
                all.extend(Shard { index: i, count: k }.range(total));
            }
            assert_eq!(all, (0..total).collect::<Vec<_>>());
        }
    }
    assert!(Shard::parse("5/4").is_err());
    assert!(Shard::parse("0/4").is_err());
    assert!(Shard::parse("1/0").is_err());
    assert!(Shard::parse("x").is_err());
    assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
}

#[test]
fn bad_specs_are_refused() {
    let mut s = spec(false, true, 1);
    s.strategies.truncate(1);
    assert!(matches!(Tournament::new(s), Err(TournamentError::TooFewStrategies { .. })));
    let mut s = spec(true, true, 1);
    s.strategies[1].label = "boulware".into();
    assert!(matches!(Tournament::new(s), Err(TournamentError::DuplicateLabel(_))));
    let mut s = spec(true, true, 1);
    s.repetitions = 0;
    assert!(Tournament::new(s).is_err());
}

#[test]
fn three_parties() {
    let mut s = spec(false, true, 1);
    let mut sc = s.scenarios[0].scenario.clone();
    let mut third = sc.parties[0].clone();
    third.name = "c".into();
    sc.parties.push(third);
    s.scenarios = vec![ScenarioEntry { scenario: sc, n_steps: 10 }];
    let t = Tournament::new(s).unwrap();
    assert_eq!(t.len(), 4 * 3 * 2 * 3);
    let r = t.run_one(5).unwrap();
    assert_eq!(r.utilities.len(), 3);
}

#[test]
fn sign_test_by_hand() {
    // 9 of 10 positive: p = 2 (1 + 10) / 2^10.
    let d = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 0.0];
    let (pos, n, p) = sign_test(&d);
    assert_eq!((pos, n), (9, 10));
    assert!((p - 22.0 / 1024.0).abs() < 1e-14, "{p}");
    // Balanced: p = 1.
    assert_eq!(sign_test(&[1.0, -1.0]).2, 1.0);
    // Brute force against the binomial for n = 15.
    for pos in 0..=15u64 {
        let d: Vec<f64> = (0..15).map(|i| if i < pos { 1.0 } else { -1.0 }).collect();
        let k = pos.min(15 - pos);
        let choose = |n: u64, r: u64| (0..r).fold(1.0, |a, i| a * (n - i) as f64 / (i + 1) as f64);
        let cdf: f64 = (0..=k).map(|j| choose(15, j)).sum::<f64>() / 32768.0;
        assert!((sign_test(&d).2 - (2.0 * cdf).min(1.0)).abs() < 1e-12);
    }
}

#[test]
fn holm_by_hand() {
    let adj = holm(&[0.01, 0.04, 0.03]);
    // Sorted 0.01, 0.03, 0.04 -> 0.03, 0.06, max(0.06, 0.04).
    let want = [0.03, 0.06, 0.06];
    for (a, w) in adj.iter().zip(want) {
        assert!((a - w).abs() < 1e-15, "{adj:?}");
    }
    assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
}

#[test]
fn mean_std_quantile_by_hand() {
    assert_eq!(mean(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    assert!((std_dev(&[1.0, 2.0, 3.0, 4.0]) - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
    assert_eq!(quantile_sorted(&[0.0, 10.0], 0.25), 2.5);
}

#[test]
fn bootstrap_is_seeded_and_brackets_the_mean() {
    let x: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
    let a = bootstrap_mean(&x, 500, 0.95, 3).unwrap();
    assert_eq!(Some(a), bootstrap_mean(&x, 500, 0.95, 3));
    assert!(a.low < mean(&x) && mean(&x) < a.high);
    // A constant sample has a degenerate interval.
    let c = bootstrap_mean(&[2.0; 10], 100, 0.95, 1).unwrap();
    assert_eq!((c.low, c.high), (2.0, 2.0));
    // Two values, brute force: the resample mean of [0, 1] (n = 2) is 0, ½, 1
    // with probabilities ¼, ½, ¼; the 95% percentile interval is [0, 1].
    let b = bootstrap_mean(&[0.0, 1.0], 4000, 0.95, 9).unwrap();
    assert_eq!((b.low, b.high), (0.0, 1.0));
}

#[test]
fn bradley_terry_two_players_by_hand() {
    // With prior ½: strengths ratio (w + ½) / (l + ½).
    let wins = vec![vec![0.0, 7.0], vec![3.0, 0.0]];
    let r = bradley_terry(&wins, 0.5);
    assert!((r[0] - r[1] - (7.5f64 / 3.5).ln()).abs() < 1e-9, "{r:?}");
    assert!((r[0] + r[1]).abs() < 1e-12);
    // Three players in a consistent order rank in that order.
    let wins = vec![vec![0.0, 8.0, 9.0], vec![2.0, 0.0, 7.0], vec![1.0, 3.0, 0.0]];
    let r = bradley_terry(&wins, 0.5);
    assert!(r[0] > r[1] && r[1] > r[2]);
    // MM fixed point: expected wins equal observed (with the prior).
    let p: Vec<f64> = r.iter().map(|x| x.exp()).collect();
    for i in 0..3 {
        let obs: f64 = (0..3).filter(|&j| j != i).map(|j| wins[i][j] + 0.5).sum();
        let exp: f64 = (0..3).filter(|&j| j != i).map(|j| (wins[i][j] + wins[j][i] + 1.0) * p[i] / (p[i] + p[j])).sum();
        assert!((obs - exp).abs() < 1e-6);
    }
}

#[test]
fn summary_is_deterministic_and_consistent() {
    let t = Tournament::new(spec(true, true, 2)).unwrap();
    let ids: Vec<u64> = (0..t.len()).collect();
    let recs = run_all(&t, &ids, 2, 16);
    let o = SummaryOptions { resamples: 200, rating_resamples: 20, level: 0.95, seed: 1 };
    let s1 = summarize(&t.strategy_labels(), recs.clone(), &o);
    let s2 = summarize(&t.strategy_labels(), recs.clone(), &o);
    assert_eq!(s1, s2);
    assert_eq!(s1.records, t.len());
    assert_eq!(s1.comparisons.len(), 6);
    // Each strategy plays 2 roles in its self-play negotiations.
    for sc in &s1.scores {
        assert_eq!(sc.negotiations as u64, 2 * t.len() / 4);
        let adv: Vec<f64> = recs
            .iter()
            .flat_map(|r| r.strategies.iter().zip(&r.advantages).filter(|(s, _)| **s == sc.strategy).map(|(_, a)| *a))
            .collect();
        assert!((sc.advantage.mean - mean(&adv)).abs() < 1e-12);
    }
    assert!(s1.render().contains("Bradley-Terry"));
}

#[test]
fn normal_quantile_and_large_sample_interval() {
    assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
    assert!((normal_quantile(0.5)).abs() < 1e-12);
    assert!((normal_quantile(0.001) + 3.090232306167813).abs() < 1e-7);
    // Beyond the budget: mean ± 1.96 sd / sqrt(n).
    let x: Vec<f64> = (0..100_000).map(|i| (i % 2) as f64).collect();
    let i = bootstrap_mean(&x, 1000, 0.95, 0).unwrap();
    let half = 1.959963984540054 * std_dev(&x) / (x.len() as f64).sqrt();
    assert!((i.low - (0.5 - half)).abs() < 1e-9 && (i.high - (0.5 + half)).abs() < 1e-9);
    // Large pairs are resampled by the normal approximation, and intervals bracket the fit.
    let big = |w, t, l| PairCounts { wins: w, ties: t, losses: l };
    let pairs = vec![vec![big(0, 0, 0), big(6000, 1000, 3000)], vec![big(3000, 1000, 6000), big(0, 0, 0)]];
    let (point, ci) = bradley_terry_bootstrap(&pairs, 0.5, 50, 0.95, 1);
    let c = ci[0].unwrap();
    assert!(c.low < point[0] && point[0] < c.high, "{c:?} {point:?}");
}

#[test]
fn wilson_by_hand() {
    // z = 1.959963985 (95%). 0 of 10: [0, z²/(n + z²)] = [0, 3.841459/13.841459].
    let i = wilson(0, 10, 0.95).unwrap();
    assert_eq!(i.low, 0.0);
    assert!((i.high - 3.841_458_82 / 13.841_458_82).abs() < 1e-8, "{i:?}");
    // n of n: [n/(n + z²), 1].
    let i = wilson(100, 100, 0.95).unwrap();
    assert_eq!(i.high, 1.0);
    assert!((i.low - 100.0 / 103.841_458_82).abs() < 1e-8, "{i:?}");
    // 5 of 10: 0.5 ± z·√(0.025 + z²/400)/(1 + z²/10) = [0.236593, 0.763407] (textbook value).
    let i = wilson(5, 10, 0.95).unwrap();
    assert!((i.low - 0.236_593).abs() < 1e-6 && (i.high - 0.763_407).abs() < 1e-6, "{i:?}");
    assert!(wilson(0, 0, 0.95).is_none());
}

// Reference values below: scipy 1.17.1 (`scipy.stats.wilcoxon`, `ttest_1samp` on the differences, `norm.cdf`),
// run separately as an independent source, and closed forms where there are some.

#[test]
fn wilcoxon_textbook_and_scipy() {
    // Fisher's Zea mays differences (scipy's documented example): W = 24, exact p = 1352/32768.
    let d = [6.0, 8.0, 14.0, 16.0, 23.0, 24.0, 28.0, 29.0, 41.0, -48.0, 49.0, 56.0, 60.0, -67.0, 75.0];
    let w = wilcoxon(&d).unwrap();
    assert!(w.exact);
    assert_eq!((w.n, w.statistic, w.w_plus), (15, 24.0, 96.0));
    assert_eq!(w.p_value, 1352.0 / 32768.0);
    assert_eq!(w.p_value, 0.041259765625);
    // Ties and a zero: zero dropped, average ranks, normal approximation with the tie correction.
    let e = [0.5, -1.0, 2.0, 2.0, -2.0, 0.0, 3.5, 1.0, 1.0, 4.0, -0.5, 2.5];
    let w = wilcoxon(&e).unwrap();
    assert!(!w.exact);
    assert_eq!((w.n, w.statistic), (11, 12.5));
    assert!((w.p_value - 0.067_125_689_520_604_3).abs() < 1e-12, "{}", w.p_value);
    // By hand: n = 1, one positive difference: P(W+ >= 1 or <= 0) = 1; n = 3 all positive: 2·(1/8).
    assert_eq!(wilcoxon(&[2.0]).unwrap().p_value, 1.0);
    assert_eq!(wilcoxon(&[1.0, 2.0, 3.0]).unwrap().p_value, 0.25);
    assert!(wilcoxon(&[0.0, 0.0]).is_none());
}

#[test]
fn paired_t_closed_forms_and_scipy() {
    // One degree of freedom: Student's t is Cauchy, p = 1 − 2·atan(|t|)/π; d = (1, 3): t = 2.
    let (t, df, p) = paired_t(&[1.0, 3.0]).unwrap();
    assert_eq!((t, df), (2.0, 1.0));
    assert!((p - (1.0 - 2.0 * 2f64.atan() / std::f64::consts::PI)).abs() < 1e-13, "{p}");
    // Two degrees of freedom: p = 1 − |t|/√(2 + t²); d = (1, 2, 6): mean 3, sd √7, t = 3√3/√7.
    let (t, _, p) = paired_t(&[1.0, 2.0, 6.0]).unwrap();
    assert!((t - 3.0 * 3f64.sqrt() / 7f64.sqrt()).abs() < 1e-13);
    assert!((p - (1.0 - t / (2.0 + t * t).sqrt())).abs() < 1e-13, "{p}");
    let (t, _, p) = paired_t(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert!((t - 4.242_640_687_119_285).abs() < 1e-12 && (p - 0.013_235_599_563_682_69).abs() < 1e-12, "{t} {p}");
    let x = [0.3, -0.1, 0.25, 0.4, 0.05, 0.12, -0.02, 0.33, 0.18, 0.07];
    let (t, df, p) = paired_t(&x).unwrap();
    assert_eq!(df, 9.0);
    assert!((t - 3.083_126_549_136_364_4).abs() < 1e-12 && (p - 0.013_073_776_449_709_01).abs() < 1e-12);
    assert_eq!(paired_t(&[0.0, 0.0, 0.0]).unwrap().2, 1.0);
    assert_eq!(paired_t(&[0.5, 0.5]).unwrap().2, 0.0);
    assert!(paired_t(&[1.0]).is_none());
}

#[test]
fn special_functions() {
    assert!((normal_cdf(-1.5) - 0.066_807_201_268_858_07).abs() < 1e-15);
    assert!((normal_cdf(0.3) - 0.617_911_422_188_952_6).abs() < 1e-15);
    assert!((normal_cdf(-6.0) / 9.865_876_450_376_946e-10 - 1.0).abs() < 1e-12);
    assert_eq!(normal_cdf(0.0), 0.5);
    // Γ(1/2) = √π, Γ(5) = 24, Γ(10.5) = 1133278.3889487855...
    assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
    assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-14);
    // I_x(1, 1) = x; I_x(a, 1) = x^a.
    assert!((incomplete_beta(0.3, 1.0, 1.0) - 0.3).abs() < 1e-14);
    assert!((incomplete_beta(0.6, 3.0, 1.0) - 0.216).abs() < 1e-14);
}

#[test]
fn summary_paired_tests_and_holm() {
    let t = Tournament::new(spec(true, true, 2)).unwrap();
    let ids: Vec<u64> = (0..t.len()).collect();
    let recs = run_all(&t, &ids, 1, 64);
    let o = SummaryOptions { resamples: 50, rating_resamples: 10, level: 0.95, seed: 1 };
    let s = summarize(&t.strategy_labels(), recs.clone(), &o);
    let mut w_p = Vec::new();
    let mut t_p = Vec::new();
    for c in &s.comparisons {
        // The differences a − b, recomputed from the records.
        let d: Vec<f64> = recs
            .iter()
            .filter_map(|r| {
                let i = r.strategies.iter().position(|x| *x == c.a)?;
                let j = r.strategies.iter().position(|x| *x == c.b)?;
                Some(r.advantages[i] - r.advantages[j])
            })
            .collect();
        assert_eq!(d.len(), c.pairs);
        let w = wilcoxon(&d);
        assert_eq!(c.wilcoxon.as_ref().map(|x| x.p_value), w.map(|x| x.p_value));
        assert_eq!(c.t_test.as_ref().map(|x| x.p_value), paired_t(&d).map(|x| x.2));
        w_p.extend(c.wilcoxon.as_ref().map(|x| (x.p_value, x.p_holm)));
        t_p.extend(c.t_test.as_ref().map(|x| (x.p_value, x.p_holm)));
    }
    for family in [w_p, t_p] {
        let p: Vec<f64> = family.iter().map(|x| x.0).collect();
        let adjusted: Vec<f64> = family.iter().map(|x| x.1).collect();
        assert_eq!(holm(&p), adjusted);
        assert!(!p.is_empty());
    }
    let text = s.render();
    assert!(text.contains("p Wilcoxon") && text.contains("p t"));
}
