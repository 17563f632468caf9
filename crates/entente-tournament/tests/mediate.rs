//! `entente_tournament::mediate`: every measure of a run checked against a
//! brute-force computation on small spaces, the paired comparison against
//! its definition, and the runs against the thread count.

use entente_core::{Issue, LinearAdditive, OutcomeSpace, Preferences, ValueFunction};
use entente_model::{Party, SaoConfig, Scenario};
use entente_tournament::mediate::{
    MediateDoc, MediateDomain, MediateSetup, MediatorKind, VoterKind, compare, parse_seeds, run_setup,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n_parties` random linear additive parties over `radices`, reservation `rv`.
fn scenario(n_parties: usize, radices: &[u32], rv: f64, seed: u64) -> Scenario {
    let space = OutcomeSpace::new(
        radices
            .iter()
            .enumerate()
            .map(|(i, &r)| Issue::discrete(format!("i{i}"), (0..r).map(|v| format!("v{v}"))))
            .collect(),
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let parties = (0..n_parties)
        .map(|k| {
            let raw: Vec<f64> = radices.iter().map(|_| rng.random_range(0.1..1.0)).collect();
            let total: f64 = raw.iter().sum();
            let weights = raw.iter().map(|w| w / total).collect();
            let functions = radices
                .iter()
                .map(|&r| ValueFunction::Table((0..r).map(|_| rng.random_range(0.0..1.0)).collect()))
                .collect();
            let u = LinearAdditive::new(&space, weights, functions, 0.0, rv, None).unwrap();
            Party { name: format!("p{k}"), utility: Preferences::Additive(u), strategy: None, delegation: None }
        })
        .collect();
    Scenario {
        name: format!("test-{seed}"),
        description: None,
        space,
        parties,
        config: SaoConfig { n_steps: 10, time_limit: None },
        seed,
    }
}

fn utilities(s: &Scenario, o: u32) -> Vec<f64> {
    let values = s.space.values_of(o as u128).unwrap();
    s.parties.iter().map(|p| entente_core::UtilityFunction::utility(&p.utility, &values)).collect()
}

/// Pareto-optimal by brute force: no outcome at least as good for all and better for one.
fn brute_pareto(s: &Scenario, o: u32) -> bool {
    let u = utilities(s, o);
    let n = s.space.cardinality() as u32;
    !(0..n).any(|x| {
        let v = utilities(s, x);
        v.iter().zip(&u).all(|(a, b)| a >= b) && v.iter().zip(&u).any(|(a, b)| a > b)
    })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

#[test]
fn every_measure_of_a_run_is_what_brute_force_says() {
    for (parties, radices, rv) in [(2, vec![3u32, 4, 2], 0.3), (3, vec![2, 3, 2, 2], 0.45), (5, vec![2, 2, 3], 0.0)] {
        let s = scenario(parties, &radices, rv, parties as u64);
        let domain = MediateDomain::new(&s).unwrap();
        let n = s.space.cardinality() as u32;
        // The domain's best welfare and Nash product by brute force (d_i = rv, which is at least each worst utility
        // here only if rv >= min; compute d_i as the definition says).
        let all: Vec<Vec<f64>> = (0..n).map(|o| utilities(&s, o)).collect();
        let min: Vec<f64> = (0..parties).map(|k| all.iter().map(|u| u[k]).fold(f64::INFINITY, f64::min)).collect();
        let d: Vec<f64> = min.iter().map(|&m| if rv >= m { rv } else { m }).collect();
        let nash = |u: &[f64]| u.iter().zip(&d).fold(1.0, |p, (x, d)| p * (x - d).max(0.0));
        let best_welfare = all.iter().map(|u| u.iter().sum::<f64>()).fold(f64::NEG_INFINITY, f64::max);
        let best_nash = all.iter().map(|u| nash(u)).fold(0.0, f64::max);
        assert!((domain.facts.max_welfare - best_welfare).abs() < 1e-12);
        assert!((domain.facts.max_nash - best_nash).abs() < 1e-12);
        assert_eq!(domain.facts.disagreement, d);
        for o in 0..n {
            assert_eq!(domain.on_frontier(o), brute_pareto(&s, o), "outcome {o}");
        }
        for setup in [
            MediateSetup { n_steps: 60, ..MediateSetup::default() },
            MediateSetup { voters: VoterKind::Annealing, n_steps: 60, ..MediateSetup::baseline(60) },
        ] {
            let runs = run_setup(&domain, &setup, &[1, 2, 3, 4, 5, 6], &pool(2)).unwrap();
            for r in &runs {
                let u = utilities(&s, r.final_text);
                assert_eq!(r.utilities, u);
                assert!((r.welfare - u.iter().sum::<f64>()).abs() < 1e-12);
                assert!((r.nash - nash(&u)).abs() < 1e-15);
                assert_eq!(r.pareto, brute_pareto(&s, r.final_text));
                assert_eq!(r.agreement, u.iter().all(|&x| x > rv), "strictly above every reservation value");
                assert_eq!(r.accepted + r.kept + r.rejected, r.steps);
                assert_eq!(r.welfare_at.last().copied(), Some(r.welfare));
                let u0 = utilities(&s, r.initial_text);
                assert!((r.welfare_at[0] - u0.iter().sum::<f64>()).abs() < 1e-12);
                if setup.mediator == MediatorKind::Veto && setup.voters == VoterKind::HillClimbing {
                    // Every change was accepted by all hill-climbers: nobody lost.
                    assert!(u.iter().zip(&u0).all(|(a, b)| a >= b));
                }
            }
        }
    }
}

#[test]
fn the_paired_comparison_is_its_definition() {
    let s = scenario(3, &[3, 3, 3, 2], 0.2, 11);
    let domain = MediateDomain::new(&s).unwrap();
    let seeds: Vec<u64> = (1..=12).collect();
    let a = run_setup(&domain, &MediateSetup { n_steps: 80, ..MediateSetup::default() }, &seeds, &pool(2)).unwrap();
    let b = run_setup(&domain, &MediateSetup::baseline(80), &seeds, &pool(2)).unwrap();
    let c = compare(("a", &a), ("b", &b), 0.95).unwrap();
    let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x.welfare - y.welfare).collect();
    let m = d.iter().sum::<f64>() / d.len() as f64;
    assert!((c.welfare.difference.mean - m).abs() < 1e-12);
    assert!(c.welfare.difference.low <= m && m <= c.welfare.difference.high);
    assert_eq!(c.welfare.a_better, d.iter().filter(|&&x| x > 0.0).count() as u64);
    assert_eq!(c.welfare.b_better, d.iter().filter(|&&x| x < 0.0).count() as u64);
    let pa = a.iter().filter(|r| r.pareto).count() as f64 - b.iter().filter(|r| r.pareto).count() as f64;
    assert!((c.pareto.difference.mean - pa / 12.0).abs() < 1e-12);
    // A set-up against itself: every difference 0.
    let same = compare(("a", &a), ("a", &a), 0.95).unwrap();
    assert_eq!((same.welfare.difference.mean, same.welfare.ties), (0.0, 12));
    assert_eq!(same.welfare.t_test_p, Some(1.0));
    assert_eq!(same.welfare.wilcoxon_p, None);
    // Different seeds cannot be paired.
    assert!(compare(("a", &a), ("b", &b[1..]), 0.95).is_err());
}

/// Klein et al.'s finding on independent issues: an annealing mediator reaches more joint welfare than the veto
/// mediator with hill-climbing voters, which stops at the first text no single change improves for everybody.
#[test]
fn annealing_beats_the_veto_on_the_same_seeds() {
    let s = scenario(4, &[4, 4, 4, 4, 4], 0.0, 3);
    let domain = MediateDomain::new(&s).unwrap();
    let seeds: Vec<u64> = (1..=20).collect();
    let setups = [MediateSetup { n_steps: 300, ..MediateSetup::default() }, MediateSetup::baseline(300)];
    let doc = MediateDoc::build(&domain, &setups, &seeds, 0.95, &pool(2)).unwrap();
    let c = doc.comparison.as_ref().unwrap();
    assert!(c.welfare.difference.low > 0.0, "{:?}", c.welfare);
    assert!(c.welfare.t_test_p.unwrap() < 0.01);
    let text = doc.text();
    assert!(text.contains("Paired over the same seeds"), "{text}");
}

#[test]
fn the_same_result_whatever_the_thread_count() {
    let s = scenario(3, &[5, 4, 3, 3], 0.3, 5);
    let domain = MediateDomain::new(&s).unwrap();
    let seeds: Vec<u64> = (1..=17).collect();
    let setups = [
        MediateSetup { voters: VoterKind::Annealing, n_steps: 120, ..MediateSetup::default() },
        MediateSetup::baseline(120),
    ];
    let one = MediateDoc::build(&domain, &setups, &seeds, 0.95, &pool(1)).unwrap();
    for threads in [2, 3, 8] {
        let other = MediateDoc::build(&domain, &setups, &seeds, 0.95, &pool(threads)).unwrap();
        assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&other).unwrap(), "{threads} threads");
    }
    // And the runs come in seed order.
    assert_eq!(one.setups[0].runs.iter().map(|r| r.seed).collect::<Vec<_>>(), seeds);
}

#[test]
fn seeds_and_setups_are_read_or_refused_clearly() {
    assert_eq!(parse_seeds("1..5", 100).unwrap(), vec![1, 2, 3, 4, 5]);
    assert_eq!(parse_seeds("3, 9,1..2", 100).unwrap(), vec![3, 9, 1, 2]);
    assert!(parse_seeds("5..1", 100).unwrap_err().contains("ends before it starts"));
    assert!(parse_seeds("1..1000", 100).unwrap_err().contains("more than 100"));
    assert!(parse_seeds("1,1", 100).unwrap_err().contains("twice"));
    assert!(parse_seeds("x", 100).unwrap_err().contains("not a seed"));
    assert!(parse_seeds("", 100).is_err());
    let base = MediateSetup::default();
    let s = base.parse_over("mediator=veto, voters=annealing, voter-t0=0.5, steps=40").unwrap();
    assert_eq!((s.mediator, s.voters, s.voter_t0, s.n_steps), (MediatorKind::Veto, VoterKind::Annealing, 0.5, 40));
    let s = base.parse_over("measure=losses").unwrap();
    assert_eq!(s.mediator_t0, entente_protocols::single_text_agents::AnnealingMediator::DEFAULT_T0_LOSSES);
    for bad in ["mediator=boss", "steps=0", "voter-t0=-1", "colour=red", "voters"] {
        assert!(base.parse_over(bad).is_err(), "{bad}");
    }
}

#[test]
fn too_few_parties_are_refused() {
    let mut s = scenario(2, &[2, 2], 0.0, 1);
    s.parties.pop();
    assert!(MediateDomain::new(&s).is_err());
}

#[test]
fn the_document_reads_back_byte_for_byte() {
    let s = scenario(3, &[3, 2, 2], 0.25, 9);
    let domain = MediateDomain::new(&s).unwrap();
    let setups = [MediateSetup { n_steps: 40, ..MediateSetup::default() }, MediateSetup::baseline(40)];
    let doc = MediateDoc::build(&domain, &setups, &[4, 5, 6], 0.9, &pool(2)).unwrap();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let back: MediateDoc = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), text);
    assert_eq!(doc.schema, "entente.mediate/1");
}
