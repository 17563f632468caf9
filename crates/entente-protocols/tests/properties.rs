//! Property tests of the SAO machine and of whole simulated negotiations.

use entente_core::UtilityTable;
use entente_protocols::negotiators::{BuildNegotiator, Prepared, StrategyOptions, StrategySpec};
use entente_protocols::{Action, EndReason, Event, NoClock, ProtocolError, Sao, SaoConfig, run_sao_traced};
use proptest::prelude::*;

fn action() -> impl Strategy<Value = (usize, Action<u32>)> {
    (0usize..5, prop_oneof![Just(Action::Accept), (0u32..6).prop_map(Action::Offer), Just(Action::End)])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Any sequence of actions, legal or not: no panic; refused actions change
    /// nothing; exactly one End event; agreement only after every party accepted.
    #[test]
    fn machine_invariants(n in 2usize..5, n_steps in 1u32..8, actions in prop::collection::vec(action(), 0..80)) {
        let mut sao = Sao::<u32>::new(n, SaoConfig { n_steps, time_limit: None }).unwrap();
        let mut log: Vec<Event<u32>> = Vec::new();
        for (party, a) in actions {
            let before = (sao.turn(), sao.outcome());
            let mut events = Vec::new();
            let r = sao.act(party, a, &mut |e| events.push(e));
            match r {
                Ok(()) => log.extend(events),
                Err(e) => {
                    prop_assert!(events.is_empty());
                    prop_assert_eq!(before, (sao.turn(), sao.outcome()));
                    if before.1.is_some() { prop_assert_eq!(e, ProtocolError::Ended); }
                }
            }
        }
        let ends = log.iter().filter(|e| matches!(e, Event::End { .. })).count();
        prop_assert_eq!(ends, usize::from(sao.is_ended()));
        if let Some((reason, rounds, agreement)) = sao.outcome() {
            prop_assert!(rounds <= n_steps);
            match reason {
                EndReason::Agreement => {
                    let a = agreement.unwrap();
                    // The last offer is the agreement, followed by n-1 acceptances of it.
                    let tail: Vec<_> = log.iter().rev().skip(1).take(n - 1).collect();
                    for e in tail { let ok = matches!(e, Event::Accept { outcome, .. } if *outcome == a); prop_assert!(ok); }
                }
                EndReason::Timeout => prop_assert_eq!(rounds, n_steps),
                _ => prop_assert!(agreement.is_none()),
            }
        }
    }

    /// Whole negotiations between any strategies on random tables: no panic,
    /// offers in range, rounds within the limit, the same seed gives the same run.
    #[test]
    fn simulated_negotiations_are_sound_and_reproducible(
        n_outcomes in 1usize..60,
        raw in prop::collection::vec((0u32..20, 0u32..20), 60),
        rvs in (prop::option::of(0.0f64..1.2), prop::option::of(0.0f64..1.2)),
        names in (0usize..7, 0usize..7),
        n_steps in 1u32..40,
        seed in 0u64..1000,
    ) {
        const NAMES: [&str; 7] = ["boulware", "linear", "conceder", "aspiration", "tit-for-tat", "tough", "random"];
        let u0: Vec<f64> = raw[..n_outcomes].iter().map(|p| p.0 as f64 / 19.0).collect();
        let u1: Vec<f64> = raw[..n_outcomes].iter().map(|p| p.1 as f64 / 19.0).collect();
        let p0 = Prepared::new(UtilityTable::from_utilities(u0, rvs.0.unwrap_or(f64::NEG_INFINITY)).unwrap());
        let p1 = Prepared::new(UtilityTable::from_utilities(u1, rvs.1.unwrap_or(f64::NEG_INFINITY)).unwrap());
        let s0 = StrategySpec::from_name(NAMES[names.0], &StrategyOptions::default()).unwrap();
        let s1 = StrategySpec::from_name(NAMES[names.1], &StrategyOptions::default()).unwrap();
        let config = SaoConfig { n_steps, time_limit: None };
        let run = || {
            let mut negs = vec![s0.build(&p0, seed), s1.build(&p1, seed.wrapping_add(1))];
            let mut trace = Vec::new();
            let out = run_sao_traced(&mut negs, config, n_outcomes, &mut NoClock, &mut trace).unwrap();
            (out, trace)
        };
        let (a, ta) = run();
        let (b, tb) = run();
        prop_assert_eq!(a, b);
        prop_assert_eq!(&ta, &tb);
        prop_assert!(a.rounds >= 1 && a.rounds <= n_steps);
        prop_assert!(ta.iter().all(|e| (e.outcome as usize) < n_outcomes && e.round < n_steps));
        if let Some(ag) = a.agreement { prop_assert_eq!(ta.last().map(|e| e.outcome), Some(ag)); }
    }
}

/// On spaces large enough for time-based negotiators to schedule their offers
/// instead of sorting, the negotiation is the same offer for offer.
#[test]
fn scheduled_and_sorted_negotiations_agree_on_large_spaces() {
    use entente_core::{Issue, LinearAdditive, OutcomeSpace, ValueFunction};
    let space = OutcomeSpace::new((0..5).map(|k| Issue::integer(format!("i{k}"), 0, 9)).collect()).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for case in 0..3 {
        let mut ufun = |ascending: bool| {
            let w: Vec<f64> = (0..5).map(|_| rnd()).collect();
            let f = (0..5)
                .map(|_| {
                    let mut t: Vec<f64> = (0..10).map(|_| rnd()).collect();
                    t.sort_by(f64::total_cmp);
                    if !ascending {
                        t.reverse();
                    }
                    ValueFunction::Table(t)
                })
                .collect();
            LinearAdditive::new(&space, w, f, 0.0, if case == 2 { 1.0 } else { 0.0 }, None).unwrap()
        };
        let (a, b) = (ufun(true), ufun(false));
        let table = |u: &LinearAdditive| UtilityTable::new(&space, u).unwrap();
        for (s0, s1) in
            [(StrategySpec::BOULWARE, StrategySpec::CONCEDER), (StrategySpec::ASPIRATION, StrategySpec::LINEAR)]
        {
            let config = SaoConfig { n_steps: 100, time_limit: None };
            let run = |presort: bool| {
                let (pa, pb) = (Prepared::new(table(&a)), Prepared::new(table(&b)));
                if presort {
                    pa.presort();
                    pb.presort();
                }
                let mut negs = vec![s0.build_for(&pa, 0, &config), s1.build_for(&pb, 0, &config)];
                let mut trace = Vec::new();
                let out = run_sao_traced(&mut negs, config, 100_000, &mut NoClock, &mut trace).unwrap();
                (out, trace, pa.is_sorted())
            };
            let (scheduled, sorted) = (run(false), run(true));
            assert!(!scheduled.2, "the fresh run should not have sorted the space");
            assert_eq!(scheduled.0, sorted.0);
            assert_eq!(scheduled.1, sorted.1);
        }
    }
}

/// The same scenario and seed give the same negotiation on any thread, run
/// alone or alongside others.
#[test]
fn results_do_not_depend_on_threads() {
    let utils = |k: u64| -> Vec<f64> { (0..500u64).map(|i| ((i * 7919 + k * 104_729) % 997) as f64 / 996.0).collect() };
    let parties: Vec<Prepared> =
        (0..2).map(|k| Prepared::new(UtilityTable::from_utilities(utils(k), 0.1).unwrap())).collect();
    let config = SaoConfig { n_steps: 60, time_limit: None };
    let run = |seed: u64| {
        let mut negs = vec![
            StrategySpec::from_name("random", &StrategyOptions::default()).unwrap().build_for(
                &parties[0],
                seed,
                &config,
            ),
            StrategySpec::ASPIRATION.build_for(&parties[1], seed ^ 1, &config),
        ];
        let mut trace = Vec::new();
        let out = run_sao_traced(&mut negs, config, 500, &mut NoClock, &mut trace).unwrap();
        (out, trace)
    };
    let sequential: Vec<_> = (0..16).map(run).collect();
    let threaded: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16).map(|seed| s.spawn(move || run(seed))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sequential, threaded);
    assert!(sequential.windows(2).any(|w| w[0] != w[1]), "different seeds should give different runs");
}

/// A wall-clock limit that has passed ends the negotiation without agreement.
#[test]
fn time_limit_ends_the_negotiation() {
    let p = Prepared::new(UtilityTable::from_utilities(vec![0.1, 0.5, 0.9], 0.0).unwrap());
    let q = Prepared::new(UtilityTable::from_utilities(vec![0.9, 0.5, 0.1], 0.0).unwrap());
    let config = SaoConfig { n_steps: 1_000_000, time_limit: Some(1e-9) };
    let mut negs = vec![StrategySpec::Tough.build_for(&p, 0, &config), StrategySpec::Tough.build_for(&q, 0, &config)];
    let mut trace = Vec::new();
    // The caller's clock: every turn takes a tenth of the limit.
    let mut turns = 0u32;
    let mut clock = || {
        turns += 1;
        f64::from(turns) * 1e-10
    };
    let out = run_sao_traced(&mut negs, config, 3, &mut clock, &mut trace).unwrap();
    assert_eq!(out.reason, EndReason::TimeLimit);
    assert_eq!(out.agreement, None);
    assert!(out.rounds < 1_000_000);
    assert_eq!(turns, 10, "the run ends at the first turn whose elapsed time reaches the limit");
}

/// The caller's clock decides the relative time under a time limit, and is
/// never asked without one.
#[test]
fn the_clock_comes_from_the_caller() {
    let p = Prepared::new(UtilityTable::from_utilities(vec![0.1, 0.5, 0.9], 0.0).unwrap());
    let q = Prepared::new(UtilityTable::from_utilities(vec![0.9, 0.5, 0.1], 0.0).unwrap());
    let untimed = SaoConfig { n_steps: 20, time_limit: None };
    let build = |config: &SaoConfig| {
        vec![StrategySpec::Tough.build_for(&p, 0, config), StrategySpec::Tough.build_for(&q, 0, config)]
    };
    let mut never = || -> f64 { panic!("the clock is not asked without a time limit") };
    let mut trace = Vec::new();
    let out = run_sao_traced(&mut build(&untimed), untimed, 3, &mut never, &mut trace).unwrap();
    assert_eq!(out.reason, EndReason::Timeout);
    // Without time passing, a time limit never expires: the run is the step-driven one.
    let timed = SaoConfig { n_steps: 20, time_limit: Some(5.0) };
    let mut frozen_trace = Vec::new();
    let frozen = run_sao_traced(&mut build(&timed), timed, 3, &mut NoClock, &mut frozen_trace).unwrap();
    assert_eq!(frozen.reason, EndReason::Timeout);
    assert_eq!((frozen.rounds, frozen.agreement), (out.rounds, out.agreement));
    assert_eq!(frozen_trace, trace);
    // Half the limit gone at once: every turn sees relative time at least 0.5.
    let mut half = || 2.5;
    let late = run_sao_traced(&mut build(&timed), timed, 3, &mut half, &mut Vec::new()).unwrap();
    assert!(late.t >= 0.5, "relative time {} under a clock at half the limit", late.t);
}
