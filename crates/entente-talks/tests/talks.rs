//! The reference case's course, its counterfactuals, the channels, and the
//! talks format: asserted on the events, not on the printed text.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use entente_formats::FormatError;
use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_model::talks::{Counterfactual, DAY, HOUR, Talks};
use entente_protocols::package::{ClauseState, Event, Reason};
use entente_talks::assessment::Blockage;
use entente_talks::log::{Entry, Role, Visibility, export_for};
use entente_talks::sim::{Ending, TalksRun};
use entente_talks::simulate;
use proptest::prelude::*;

fn istanbul() -> Talks {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    read_talks(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn events(run: &TalksRun) -> Vec<&Event> {
    run.log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event } => Some(event),
            _ => None,
        })
        .collect()
}

fn at(day: u64, hour: u64, minute: u64) -> u64 {
    (day - 1) * DAY + hour * HOUR + minute
}

fn title(run: &TalksRun, clause: u32) -> &str {
    run.clauses.iter().find(|c| c.clause == clause).map_or("?", |c| c.title.as_str())
}

#[test]
fn the_reference_course() {
    let talks = istanbul();
    let run = simulate(&talks).unwrap();
    let ev = events(&run);
    // Clauses close (become PROVISIONAL) on day 1, day 2 and day 3 before the break.
    let closures: Vec<u64> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Transition { to: ClauseState::Provisional, time, .. } => Some(*time),
            _ => None,
        })
        .collect();
    for (from, to, day) in
        [(at(1, 0, 0), at(2, 0, 0), 1), (at(2, 0, 0), at(3, 0, 0), 2), (at(3, 0, 0), at(3, 16, 0), 3)]
    {
        assert!(closures.iter().any(|&t| (from..to).contains(&t)), "a clause closes on day {day}: {closures:?}");
    }
    // During the day-3 break the delegation tables the guarantor item on khost's instructions.
    let tabled: Vec<&Event> = ev.iter().copied().filter(|e| matches!(e, Event::ItemTabled { .. })).collect();
    assert_eq!(tabled.len(), 1);
    let Event::ItemTabled { clause, actor, time: tabled_at, reason, item } = tabled[0] else { unreachable!() };
    assert_eq!(item.title, "guarantor");
    assert_eq!(run.actor_names.iter().find(|(a, _)| a == actor).map(|(_, n)| n.as_str()), Some("state_b"));
    assert!((at(3, 16, 0)..at(3, 18, 0)).contains(tabled_at), "tabled in the break: {tabled_at}");
    assert!(matches!(reason, Some(Reason::Tabled { bloc, .. }) if bloc == "khost"));
    assert!(item.requires_consent.is_some() || item.commitment.as_ref().is_some_and(|c| c.guarantor.is_some()));
    // Agreed clauses are reopened after it, by the delegation, with a reason
    // (and, on day 2, by state_a after the incident).
    let delegation = run.actor_names.iter().find(|(_, n)| n == "state_b").map(|(a, _)| *a).unwrap();
    let reopened: Vec<(&str, u64)> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Transition { clause, to: ClauseState::Reopened, time, reason, actor, .. } => {
                assert!(reason.is_some(), "every reopening says why");
                (*actor == delegation && *time >= *tabled_at).then(|| (title(&run, clause.0), *time))
            }
            _ => None,
        })
        .collect();
    assert!(reopened.len() >= 2, "{reopened:?}");
    let incident_reopening = ev.iter().any(|e| {
        matches!(e, Event::Transition { to: ClauseState::Reopened, actor, time, .. } if *actor != delegation && *time < *tabled_at)
    });
    assert!(incident_reopening, "the day-2 incident reopens a security clause");
    // The guarantor never consents (absent), the item stays unsettled, nothing is adopted.
    assert!(!ev.iter().any(|e| matches!(e, Event::Adopted { .. })));
    assert!(!ev.iter().any(|e| matches!(e, Event::Consent { .. })));
    assert_ne!(run.clauses.iter().find(|c| c.clause == clause.0).unwrap().state, ClauseState::Provisional);
    let Ending::NotAdopted { at: end, .. } = run.ending else { panic!("{:?}", run.ending) };
    assert!((at(4, 0, 0)..at(5, 0, 0)).contains(&end), "ended on day 4");
    assert!(ev.iter().any(|e| matches!(e, Event::Ended { .. })));
    // The diagnosis: blocked internally, naming khost and the injected item.
    let a = run.assessment.as_ref().unwrap();
    assert_eq!(a.blockage, Blockage::Internal);
    assert!(a.unitary_zone > 0 && a.bloc_zone == 0);
    assert!(a.blocking_blocs.contains(&("state_b".to_string(), "khost".to_string())), "{:?}", a.blocking_blocs);
    let item = a.injected.iter().find(|i| i.item == "guarantor").unwrap();
    assert_eq!(item.on_instructions_of.as_deref(), Some("khost"));
    assert!(a.package.as_ref().is_some_and(|p| p.iter().any(|(i, v)| i == "guarantor" && v == "none")));
    // The round against its baseline: nothing added, the ceasefire breached by incidents.
    let b = run.baseline.as_ref().unwrap();
    assert!(b.added.is_empty() && !b.left_open.is_empty());
    assert!(b.breached.iter().any(|(c, _)| c.starts_with("ceasefire")));
}

#[test]
fn counterfactuals_are_not_scripted() {
    let talks = istanbul();
    for which in [Counterfactual::Unified, Counterfactual::NoInjection] {
        let run = simulate(&talks.counterfactual(which).unwrap()).unwrap();
        assert!(matches!(run.ending, Ending::Adopted { .. }), "{}: {:?}", which.name(), run.ending);
        assert!(events(&run).iter().any(|e| matches!(e, Event::Adopted { .. })));
        assert_eq!(run.assessment.as_ref().unwrap().blockage, Blockage::None);
    }
    // A guarantor that consents: it answers, but the other party's refusal of a
    // guarantor still blocks (reported, not adopted).
    let run = simulate(&talks.counterfactual(Counterfactual::GuarantorConsents).unwrap()).unwrap();
    assert!(events(&run).iter().any(|e| matches!(e, Event::Consent { given: true, .. })));
    assert!(!matches!(run.ending, Ending::Adopted { .. }));
}

#[test]
fn same_seed_same_log() {
    let talks = istanbul();
    let a = serde_json::to_string(&simulate(&talks).unwrap().log).unwrap();
    let b = serde_json::to_string(&simulate(&talks).unwrap().log).unwrap();
    assert_eq!(a, b);
}

#[test]
fn channels_keep_private_things_private() {
    let talks = istanbul();
    let run = simulate(&talks).unwrap();
    let state_a = export_for(&run.log, Role::Party { party: 0 });
    let state_b = export_for(&run.log, Role::Party { party: 1 });
    let mediators = export_for(&run.log, Role::Mediator);
    let observer = export_for(&run.log, Role::Observer);
    let instruction = |e: &&entente_talks::log::LogEntry| matches!(e.entry, Entry::Instruction { .. });
    let assessment = |e: &&entente_talks::log::LogEntry| matches!(e.entry, Entry::Assessment { .. });
    assert!(state_b.iter().filter(instruction).count() >= 2, "the delegation sees its blocs' instructions");
    for (who, export) in [("state_a", &state_a), ("mediators", &mediators), ("observer", &observer)] {
        assert_eq!(export.iter().filter(instruction).count(), 0, "{who} must not see state_b's instructions");
    }
    assert_eq!(mediators.iter().filter(assessment).count(), 1);
    for export in [&state_a, &state_b, &observer] {
        assert_eq!(export.iter().filter(assessment).count(), 0);
        assert!(export.iter().all(|e| e.visibility != Visibility::Mediators));
    }
    // The capital's decisions are the delegation's business.
    assert!(state_a.iter().all(|e| !matches!(e.entry, Entry::Package { event: Event::CapitalDecided { .. } })));
    assert!(state_b.iter().any(|e| matches!(e.entry, Entry::Package { event: Event::CapitalDecided { .. } })));
    // Public statements reach everybody.
    assert!(observer.iter().any(|e| matches!(e.entry, Entry::Statement { .. })));
}

fn error_at(text: &str, needle: &str) {
    match parse_talks(text, Path::new("t.toml")) {
        Ok(_) => panic!("expected an error containing {needle:?}"),
        Err(FormatError::Syntax { file, message, .. }) => {
            assert_eq!(file, Path::new("t.toml"));
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
        Err(e) => assert!(e.to_string().contains(needle), "{e} lacks {needle:?}"),
    }
}

#[test]
fn talks_errors_are_located() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    let text = std::fs::read_to_string(path).unwrap();
    error_at(&text.replace("bloc = \"khost\"", "bloc = \"gardez\""), "there is no bloc \"gardez\"");
    error_at(
        &text.replace("party = \"state_b\"\nbloc = \"kandahar\"", "party = \"state_c\"\nbloc = \"kandahar\""),
        "there is no party \"state_c\"",
    );
    error_at(&text.replace("time = \"17:00\"", "time = \"25:00\""), "time must be HH:MM");
    error_at(&text.replace("agenda = [\"assurances\"", "agenda = [\"assurance\""), "there is no issue \"assurance\"");
    error_at(
        &text.replace("guarantor = \"united_states\" }", "guarantor = \"france\" }"),
        "there is no guarantor \"france\"",
    );
    error_at(&text.replace("hours = 11", "hours = -1"), "hours must be above 0");
    error_at(&text.replace("[talks]", "[talkz]"), "");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Whatever the conduct and pace, the log is in time order, every reopening
    /// is logged with a reason, an adoption only follows a complete package, and
    /// no role sees another's private entries.
    #[test]
    fn talks_invariants(ea in 0.3f64..4.0, eb in 0.3f64..4.0, step in 15u64..120, seed in 0u64..1000, delay in 0u64..300) {
        let mut talks = istanbul();
        talks.conduct[0].exponent = ea;
        talks.conduct[1].exponent = eb;
        talks.conduct[1].capital_delay = delay;
        talks.step_minutes = step;
        talks.seed = seed;
        let run = simulate(&talks).unwrap();
        prop_assert!(run.log.entries().windows(2).all(|w| w[0].time <= w[1].time));
        for e in events(&run) {
            if let Event::Transition { to: ClauseState::Reopened, reason, .. } = e {
                prop_assert!(reason.is_some());
            }
        }
        if matches!(run.ending, Ending::Adopted { .. }) {
            prop_assert!(run.clauses.iter().all(|c| c.state == ClauseState::Provisional || c.state == ClauseState::Withdrawn));
        }
        for role in [Role::Party { party: 0 }, Role::Party { party: 1 }, Role::Mediator, Role::Observer] {
            for e in export_for(&run.log, role) {
                prop_assert!(role.may_see(&e.visibility));
            }
        }
    }
}
