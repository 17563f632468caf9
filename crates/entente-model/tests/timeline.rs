//! One timeline of instructions: `[[parties.changes]]` (relative time) and the
//! talks' instructions (minutes) on the same timeline, checked by hand.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read scenario files

use entente_core::blocs::{Bloc, BlocSpec, Change, Delegation, RedLine, Reversion, Rule};
use entente_core::{Issue, LinearAdditive, OutcomeId, OutcomeSpace, Preferences, ValueFunction};
use entente_model::talks::{Conduct, Instruction, Session, Talks, parse_clock};
use entente_model::timeline::{DelegationState, InForce, Timeline, TimelineError, When, WhenError};
use entente_model::{Party, SaoConfig, Scenario};

/// Two issues `a`, `b` of three values each (outcome id = 3a + b). Blocs:
/// kandahar wants `a` high, kabul `b` high, khost `a` low, each with
/// reversion 0.4; khost's red line is `b = 2`. Rule: quota 0.6, no veto.
fn delegation(changes: Vec<Change>) -> (OutcomeSpace, Delegation) {
    let space = OutcomeSpace::new(vec![Issue::integer("a", 0, 2), Issue::integer("b", 0, 2)]).unwrap();
    let spec = |name: &str, weight: f64, red_lines: Vec<RedLine>, w: [f64; 2], a: [f64; 3]| BlocSpec {
        bloc: Bloc { name: name.into(), weight, veto: false, reversion: Reversion::Utility(0.4), red_lines },
        utility: Preferences::Additive(
            LinearAdditive::new(
                &space,
                w.to_vec(),
                vec![ValueFunction::Table(a.to_vec()), ValueFunction::Table(vec![0.0, 0.5, 1.0])],
                0.0,
                f64::NEG_INFINITY,
                None,
            )
            .unwrap(),
        ),
        uncertainty: None,
    };
    let d = Delegation {
        blocs: vec![
            spec("kandahar", 0.5, vec![], [1.0, 0.0], [0.0, 0.5, 1.0]),
            spec("kabul", 0.3, vec![], [0.0, 1.0], [0.0, 0.5, 1.0]),
            spec("khost", 0.2, vec![RedLine::Value { issue: 1, value: 2 }], [1.0, 0.0], [1.0, 0.5, 0.0]),
        ],
        rule: Rule::Quota { quota: 0.6 },
        defection: false,
        changes,
    };
    (space, d)
}

fn change(at: f64, bloc: usize) -> Change {
    Change {
        at,
        bloc: Some(bloc),
        weight: None,
        veto: None,
        reversion: None,
        red_lines: None,
        add_red_lines: vec![],
        quota: None,
    }
}

fn instruction(at: u64, bloc: usize) -> Instruction {
    Instruction {
        at,
        party: 1,
        bloc,
        text: format!("instruction at {at}"),
        weight: None,
        veto: None,
        reversion: None,
        red_lines: None,
        add_red_lines: vec![],
        quota: None,
        table: None,
        statement: None,
    }
}

/// A round of one session, day 1 from 10:00 to 20:00 (minutes 600 to 1200),
/// between a unitary party and the delegation.
fn talks(changes: Vec<Change>, instructions: Vec<Instruction>) -> Talks {
    let (space, d) = delegation(changes);
    let unitary = Preferences::Additive(
        LinearAdditive::new(
            &space,
            vec![0.5, 0.5],
            vec![ValueFunction::Table(vec![1.0, 0.5, 0.0]), ValueFunction::Table(vec![1.0, 0.5, 0.0])],
            0.0,
            0.3,
            None,
        )
        .unwrap(),
    );
    let mandate = entente_model::timeline::start_mandate(&space, &d).unwrap();
    let scenario = Scenario {
        name: "t".into(),
        description: None,
        space,
        parties: vec![
            Party { name: "a".into(), utility: unitary, strategy: None, delegation: None },
            Party { name: "d".into(), utility: mandate, strategy: None, delegation: Some(d) },
        ],
        config: SaoConfig { n_steps: 10, time_limit: None },
        seed: 0,
    };
    Talks {
        scenario,
        mediators: vec!["m".into()],
        drafting: vec![],
        guarantors: vec![],
        guarantees: vec![],
        agenda: vec![0, 1],
        defaults: vec![0, 0],
        sessions: vec![Session { day: 1, label: "day 1".into(), start: 600, minutes: 600 }],
        instructions,
        tabling: vec![],
        incidents: vec![],
        baseline: None,
        conduct: vec![Conduct { exponent: 1.0, capital_delay: 60, confided_to_mediators: true }; 2],
        step_minutes: 30,
        seed: 0,
    }
}

fn ids(s: &entente_core::blocs::OutcomeSet) -> Vec<OutcomeId> {
    s.iter().collect()
}

/// The interleaved case: a `[[parties.changes]]` entry at τ = 0.5 (kandahar's
/// weight to 0.1: minute 900) between two instructions of the talks (khost
/// gains a veto and the red line `a = 0` at minute 800; at minute 1000 kabul's
/// red lines become `a = 2` and the quota moves to 0.3).
fn interleaved() -> Talks {
    let mut khost = instruction(800, 2);
    khost.veto = Some(true);
    khost.add_red_lines = vec![RedLine::Value { issue: 0, value: 0 }];
    let mut kabul = instruction(1000, 1);
    kabul.red_lines = Some(vec![RedLine::Value { issue: 0, value: 2 }]);
    kabul.quota = Some(0.3);
    let mut kandahar = change(0.5, 0);
    kandahar.weight = Some(0.1);
    talks(vec![kandahar], vec![kabul, khost])
}

#[test]
fn relative_times_map_to_minutes_of_the_round() {
    let t = talks(vec![], vec![]);
    assert_eq!((t.start(), t.end()), (600, 1200));
    assert_eq!(
        [t.minute(0.0), t.minute(0.5), t.minute(1.0 / 3.0), t.minute(0.001), t.minute(1.0)],
        [600, 900, 800, 601, 1200]
    );
    // The first minute at which the relative time is reached.
    for tau in [0.001, 0.25, 1.0 / 3.0, 0.77, 0.999] {
        let m = t.minute(tau);
        assert!(t.relative(m) >= tau && t.relative(m - 1) < tau, "tau = {tau}");
    }
    assert_eq!([t.minute(-1.0), t.minute(2.0), t.minute(f64::NAN)], [600, 1200, 600]);
}

#[test]
fn both_sources_on_one_timeline_by_hand() {
    let t = interleaved();
    let tl = t.timeline(1).unwrap();
    assert!(t.timeline(0).is_none());
    // Time order, whatever the order of declaration.
    let times: Vec<f64> = tl.entries().iter().map(|c| c.at).collect();
    assert_eq!(times, [800.0, 900.0, 1000.0]);
    assert_eq!(tl.origin(), 600.0);
    let weights = |i: &entente_core::blocs::Instructions| i.blocs.iter().map(|b| b.weight).collect::<Vec<_>>();
    let vetoes = |i: &entente_core::blocs::Instructions| i.blocs.iter().map(|b| b.veto).collect::<Vec<_>>();
    let a0 = RedLine::Value { issue: 0, value: 0 };
    let a2 = RedLine::Value { issue: 0, value: 2 };
    let b2 = RedLine::Value { issue: 1, value: 2 };
    for minute in [0, 600, 799] {
        let i = tl.at(minute as f64);
        assert_eq!(weights(&i), [0.5, 0.3, 0.2], "minute {minute}");
        assert_eq!(vetoes(&i), [false, false, false]);
        assert_eq!(i.blocs[2].red_lines, [b2]);
        assert_eq!(i.rule, Rule::Quota { quota: 0.6 });
    }
    // 800: khost's veto and added red line (its own stays).
    let i = tl.at(800.0);
    assert_eq!(vetoes(&i), [false, false, true]);
    assert_eq!(i.blocs[2].red_lines, [b2, a0]);
    assert_eq!(weights(&i), [0.5, 0.3, 0.2]);
    assert_eq!(tl.at(899.0), i);
    // 900: the relative-time change (τ = 0.5) on top of it.
    let i = tl.at(900.0);
    assert_eq!(weights(&i), [0.1, 0.3, 0.2]);
    assert_eq!(vetoes(&i), [false, false, true]);
    assert_eq!(i.blocs[2].red_lines, [b2, a0]);
    assert_eq!(i.rule, Rule::Quota { quota: 0.6 });
    // 1000: kabul's red lines replaced (it had none) and the quota moved.
    for minute in [1000, 1200, 5000] {
        let i = tl.at(minute as f64);
        assert_eq!(weights(&i), [0.1, 0.3, 0.2]);
        assert_eq!(i.blocs[1].red_lines, [a2]);
        assert_eq!(i.blocs[2].red_lines, [b2, a0]);
        assert_eq!(i.rule, Rule::Quota { quota: 0.3 });
        assert_eq!(i.from, 1000.0);
    }
    assert_eq!(tl.epochs().iter().map(|e| e.from).collect::<Vec<_>>(), [600.0, 800.0, 900.0, 1000.0]);
    // The same through `InForce` (with a relative time: τ = 0.5 is minute 900).
    assert_eq!(InForce::talks(&t, 900).instructions[1], Some(tl.at(900.0)));
    assert_eq!(When::Relative(0.5).in_force(&t.scenario, Some(&t)).unwrap().instructions[1], Some(tl.at(900.0)));
    assert_eq!(InForce::talks(&t, 900).at, 0.5);
}

#[test]
fn the_state_at_several_times_by_hand() {
    // Acceptable sets (outcome 3a + b): kandahar a >= 1: 3..=8; kabul b >= 1: 1 2 4 5 7 8;
    // khost a <= 1 and b != 2: 0 1 3 4.
    let t = interleaved();
    let tl = t.timeline(1).unwrap();
    let (space, d) = (&t.scenario.space, t.scenario.parties[1].delegation.as_ref().unwrap());
    let tables = DelegationState::bloc_tables(space, d).unwrap();
    let state = |minute: u64| DelegationState::new(space, d, &tables, &tl.at(minute as f64)).unwrap();
    // Before 800, quota 0.6: kandahar with kabul (0.8) or with khost (0.7).
    let s = state(700);
    assert_eq!(ids(&s.win_set), [3, 4, 5, 7, 8]);
    assert_eq!(ids(&s.acceptable[2]), [0, 1, 3, 4]);
    // 800: khost's veto, and its red line a = 0: it accepts a = 1, b < 2 only.
    let s = state(800);
    assert_eq!(ids(&s.acceptable[2]), [3, 4]);
    assert_eq!(ids(&s.win_set), [3, 4]);
    // 900: kandahar's weight 0.1: no pair reaches 0.6, all three must accept.
    let s = state(900);
    assert_eq!(ids(&s.win_set), [4]);
    // 1000: kabul's red line a = 2 (1 2 4 5), quota 0.3: kabul alone, or kandahar with khost
    // (0.1 + 0.2), within khost's veto (3 4): 3 (kandahar and khost), 4 (all).
    let s = state(1000);
    assert_eq!(ids(&s.acceptable[1]), [1, 2, 4, 5]);
    assert_eq!(ids(&s.win_set), [3, 4]);
    // The mandate follows the weights: from 900 on it is (0.1 u_kandahar + 0.3 u_kabul + 0.2 u_khost) / 0.6.
    let u = |o: OutcomeId| s.table.utility(o);
    let (a, b) = (1.0_f64, 1.0_f64);
    let expected = (0.1 * (a / 2.0) + 0.3 * (b / 2.0) + 0.2 * ((2.0 - a) / 2.0)) / 0.6;
    assert!((u(4) - expected).abs() < 1e-12);
    assert!((s.reservation - 0.4).abs() < 1e-12);
}

#[test]
fn the_relative_timeline_of_a_scenario() {
    let mut w = change(0.3, 0);
    w.weight = Some(0.1);
    let mut v = change(0.7, 1);
    v.weight = Some(0.9);
    v.add_red_lines = vec![RedLine::Outcome(4)];
    let mut q = change(0.0, 2);
    q.quota = Some(0.5);
    let (_, d) = delegation(vec![v, w, q]);
    let tl = Timeline::new(&d);
    let epochs = tl.epochs();
    // A change at the origin belongs to the first period.
    assert_eq!(epochs.iter().map(|e| e.from).collect::<Vec<_>>(), [0.0, 0.3, 0.7]);
    assert_eq!(epochs[0].rule, Rule::Quota { quota: 0.5 });
    for (t, k) in [(-1.0, 0), (0.0, 0), (0.29, 0), (0.3, 1), (0.69, 1), (0.7, 2), (1.0, 2), (f64::NAN, 0)] {
        assert_eq!(tl.at(t), epochs[k], "t = {t}");
    }
    assert_eq!(tl.at(0.5).blocs[0].weight, 0.1);
    assert_eq!(tl.at(0.9).blocs[1].red_lines, [RedLine::Outcome(4)]);
    assert_eq!(tl.start(), epochs[0]);
    assert_eq!(tl.after(0), Timeline::from_start(d.declared(), 0.0, []).start());
    assert_eq!(Timeline::epoch_at([0.0, 0.3, 0.7], 0.5), 1);
}

#[test]
fn the_start_mandate_is_the_first_periods() {
    let utilities = |p: &Preferences, space: &OutcomeSpace| {
        let mut u = Vec::new();
        space.for_each_outcome(|v| {
            u.push(entente_core::UtilityFunction::utility(p, v).to_bits());
            true
        });
        (u, entente_core::UtilityFunction::reservation(p).to_bits())
    };
    let mut at0 = change(0.0, 2);
    at0.weight = Some(0.6);
    let mut later = change(0.5, 0);
    later.weight = Some(0.0);
    let (space, d) = delegation(vec![at0, later]);
    let start = entente_model::timeline::start_mandate(&space, &d).unwrap();
    let first = d.mandate(&space, &Timeline::new(&d).epochs()[0].blocs).unwrap();
    assert_eq!(utilities(&start, &space), utilities(&first, &space));
    let undeclared = d.mandate(&space, &d.declared().blocs).unwrap();
    assert_ne!(utilities(&start, &space), utilities(&undeclared, &space));
}

#[test]
fn changes_become_instructions_of_the_talks() {
    let mut t = interleaved();
    let before = t.timeline(1).unwrap();
    t.adopt_changes().unwrap();
    // Moved, at minute 900, after the declared instructions; the timeline is unchanged.
    assert!(t.scenario.parties[1].delegation.as_ref().unwrap().changes.is_empty());
    assert_eq!(t.instructions.len(), 3);
    let adopted = &t.instructions[2];
    assert_eq!((adopted.at, adopted.bloc, adopted.weight), (900, 0, Some(0.1)));
    assert!(adopted.text.contains("[[parties.changes]]"), "{}", adopted.text);
    assert_eq!(t.timeline(1).unwrap().epochs(), before.epochs());
    // Each instruction, applied in the talks' order, gives the timeline's state.
    assert_eq!(t.instructions_after(1), Some(before.at(800.0)));
    assert_eq!(t.instructions_after(2), Some(before.at(900.0)));
    assert_eq!(t.instructions_after(0), Some(before.at(1000.0)));
    assert_eq!(t.instructions_after(3), None);
    // A change at τ = 0 stays: the delegation starts with it.
    let mut start = change(0.0, 1);
    start.weight = Some(0.7);
    let mut t = talks(vec![start], vec![]);
    t.adopt_changes().unwrap();
    assert!(t.instructions.is_empty());
    assert_eq!(t.timeline(1).unwrap().after(0).blocs[1].weight, 0.7);
    // A quota change without a bloc cannot be an instruction of a bloc.
    let mut quota = change(0.5, 0);
    quota.bloc = None;
    quota.quota = Some(0.5);
    let mut t = talks(vec![quota], vec![]);
    assert_eq!(t.adopt_changes(), Err(TimelineError::NoBloc { party: "d".into(), at: 0.5 }));
}

#[test]
fn instructions_at_the_same_minute_apply_in_order() {
    let mut first = instruction(700, 0);
    first.weight = Some(0.2);
    let mut second = instruction(700, 0);
    second.weight = Some(0.9);
    let t = talks(vec![], vec![first, second]);
    assert_eq!(t.timeline(1).unwrap().at(700.0).blocs[0].weight, 0.9);
    assert_eq!(t.instructions_after(0).unwrap().blocs[0].weight, 0.2);
    assert_eq!(t.instructions_after(1).unwrap().blocs[0].weight, 0.9);
}

#[test]
fn times_as_written() {
    assert_eq!(parse_clock("day 3 17:30"), Some(2 * 1440 + 17 * 60 + 30));
    assert_eq!(parse_clock("day 3, 17:30"), Some(2 * 1440 + 17 * 60 + 30));
    assert_eq!(parse_clock(" day 1,09:05 "), Some(9 * 60 + 5));
    assert_eq!(parse_clock(&entente_model::talks::clock(5000)), Some(5000));
    for bad in
        ["day 0 10:00", "day 3 24:00", "day 3 10:60", "day 3", "3 17:30", "day x 10:00", "day 3 1730", "day 3 17:3"]
    {
        assert_eq!(parse_clock(bad), None, "{bad}");
    }
    assert_eq!(When::parse("0.8"), Ok(When::Relative(0.8)));
    assert_eq!(When::parse("0"), Ok(When::Relative(0.0)));
    assert_eq!(When::parse("day 3 17:30"), Ok(When::Minute(3930)));
    assert_eq!(When::parse("1.5"), Err(WhenError::OutOfRange(1.5)));
    assert!(matches!(When::parse("tomorrow"), Err(WhenError::Unreadable(_))));
    let t = talks(vec![], vec![]);
    assert!(matches!(When::Minute(700).in_force(&t.scenario, None), Err(WhenError::NoTalks(_))));
    let i = When::Relative(0.5).in_force(&t.scenario, None).unwrap();
    assert_eq!(i.instructions[1], Some(Timeline::new(t.scenario.parties[1].delegation.as_ref().unwrap()).at(0.5)));
    assert_eq!(i.instructions[0], None);
}
