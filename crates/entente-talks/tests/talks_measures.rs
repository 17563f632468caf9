//! The measures of the reference case (scenarios/istanbul-2025.toml) and its
//! counterfactuals, checked against the course the scenario reproduces.

use std::path::Path;

use entente_formats::talks_toml::parse_talks;
use entente_model::talks::{Counterfactual, Talks};
use entente_protocols::package::ClauseState;
use entente_talks::measures::{measures, measures_text, value_at};
use entente_talks::{TalksRun, simulate};

const ISTANBUL: &str = include_str!("../../../scenarios/istanbul-2025.toml");

fn reference_case() -> Talks {
    match parse_talks(ISTANBUL, Path::new("scenarios/istanbul-2025.toml")) {
        Ok(t) => t,
        Err(e) => panic!("the reference case does not parse: {e}"),
    }
}

fn run(talks: &Talks) -> TalksRun {
    match simulate(talks) {
        Ok(r) => r,
        Err(e) => panic!("the talks do not simulate: {e}"),
    }
}

#[test]
fn the_reference_case_backtracks_reopens_and_injects() {
    let talks = reference_case();
    let run = run(&talks);
    let m = match measures(&talks, &run) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let text = measures_text(&m, &talks);
    println!("{text}");

    // At least one backtracking episode, and one that never recovered.
    assert!(m.backtracking.iter().any(|e| e.recovered_at.is_none() && e.depth > 0.0), "{text}");

    // One item tabled, by state_b, counted for the day-3 sitting after the break, and no other.
    assert_eq!(m.injections.items.len(), 1);
    assert_eq!(m.injections.items[0].actor, "state_b");
    assert_eq!(m.injections.items[0].title, "guarantor");
    for s in &m.sessions {
        let expected = usize::from(s.label == "day 3, second sitting");
        assert_eq!(s.injections, expected, "{}", s.label);
    }
    assert_eq!(m.injections.per_actor.len(), 1);
    assert_eq!((m.injections.per_actor[0].actor.as_str(), m.injections.per_actor[0].count), ("state_b", 1));

    // state_b reopened clauses that had closed (on the instructions of a bloc).
    let b = m.reopens.per_actor.iter().find(|a| a.actor == "state_b");
    assert!(b.is_some_and(|b| b.reopenings > 0 && b.rate.is_some_and(|r| r > 0.0)), "{:?}", m.reopens);
    assert!(m.reopens.closures >= m.reopens.reopenings);
    // The actors' rates add up to the package's, and so do the counts.
    let sum: f64 = m.reopens.per_actor.iter().filter_map(|a| a.rate).sum();
    assert!(m.reopens.rate.is_some_and(|r| (r - sum).abs() < 1e-12));
    let per_clause: usize = m.reopens.per_clause.iter().map(|c| c.reopenings).sum();
    assert_eq!(per_clause, m.reopens.reopenings);
    // The talks end with the mediators' end, not with an aftermath entry of the log.
    assert_eq!(
        m.end,
        run.log
            .entries()
            .iter()
            .find_map(|e| match &e.entry {
                entente_talks::log::Entry::Package { event: entente_protocols::package::Event::Ended { time, .. } } =>
                    Some(*time),
                _ => None,
            })
            .unwrap_or(u64::MAX)
    );

    // Clauses closed on days 1-3 (C rises), then the talks stalled to the end.
    let at = |label: &str| m.sessions.iter().find(|s| s.label == label).map(|s| s.closure);
    assert!(at("day 1").is_some_and(|c| c > 0.0));
    assert!(at("day 3, first sitting").is_some_and(|c| c > at("day 1").unwrap_or(1.0)));
    assert_eq!(at("day 4"), Some(0.0));
    assert!(m.stall.since.is_some_and(|t| t < m.end));
    assert!(m.stall.minutes > 0 && m.stall.session_minutes <= m.stall.minutes);

    // The closure ratio and waiting share rebuilt from the events agree with
    // the simulator's own snapshots (the last one of each minute).
    for (k, s) in run.texts.iter().enumerate() {
        if run.texts.get(k + 1).is_some_and(|n| n.time == s.time) {
            continue;
        }
        let p = value_at(&m.curve, s.time);
        assert_eq!(p.map(|p| p.closure), Some(s.closure), "closure at {}", s.time);
        assert_eq!(p.map(|p| p.waiting), Some(s.waiting), "waiting at {}", s.time);
    }
    let live = run.clauses.iter().filter(|c| c.state != ClauseState::Withdrawn).count();
    let provisional = run.clauses.iter().filter(|c| c.state == ClauseState::Provisional).count();
    assert_eq!(m.curve.last().map(|p| (p.live, p.provisional)), Some((live, provisional)));

    // Waiting share is a share; the distances are measured on every text.
    assert!(m.waiting_mean.is_some_and(|w| (0.0..=1.0).contains(&w)));
    let d = m.distances.as_ref().map_or(0, |d| d.over_time.len());
    assert!(d >= 1);
    assert!(m.distances.iter().flat_map(|d| &d.over_time).all(|p| p.pareto.is_some_and(|x| x >= 0.0)));
    assert_eq!(m.steps.len(), 2);

    // The JSON form.
    let json = serde_json::to_value(&m).map_err(|e| e.to_string());
    assert!(json.as_ref().is_ok_and(|j| j["backtracking"].is_array() && j["sessions"].is_array()), "{json:?}");
}

#[test]
fn without_the_injection_nothing_is_tabled_and_the_closure_ends_higher() {
    let talks = reference_case();
    let Ok(cf) = talks.counterfactual(Counterfactual::NoInjection) else { panic!("counterfactual") };
    let base = measures(&talks, &run(&talks)).map_err(|e| e.to_string());
    let m = measures(&cf, &run(&cf)).map_err(|e| e.to_string());
    let (Ok(base), Ok(m)) = (base, m) else { panic!("measures") };
    println!("{}", measures_text(&m, &cf));
    assert!(m.injections.items.is_empty());
    assert!(m.sessions.iter().all(|s| s.injections == 0));
    let last = |m: &entente_talks::measures::Measures| m.curve.last().map_or(0.0, |p| p.closure);
    assert!(last(&m) > last(&base));
}

#[test]
fn a_round_under_way_is_measured_up_to_now_and_at_its_end_as_when_finished() {
    use entente_talks::measures::so_far;
    use entente_talks::{Round, Seats};
    use std::sync::Arc;
    let talks = Arc::new(reference_case());
    let finished = run(&talks);
    let whole = measures(&talks, &finished).unwrap_or_else(|e| panic!("{e}"));
    let mut round = Round::new(Arc::clone(&talks)).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated();
    // An hour into the second session.
    let mut starts: Vec<u64> = talks.sessions.iter().map(|s| s.start).collect();
    starts.sort_unstable();
    let now = starts[1] + 60;
    round.advance_to(now, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let m = so_far(&talks, &round, now, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.end, now);
    // The sessions begun by then, the second one cut at now; the closure curve is the whole round's up to now.
    assert_eq!(m.sessions.len(), 2, "{:?}", m.sessions.iter().map(|s| &s.label).collect::<Vec<_>>());
    assert_eq!(m.sessions[1].end, now);
    let before: Vec<_> = whole.curve.iter().filter(|p| p.time <= now).cloned().collect();
    assert_eq!(m.curve, before);
    assert!(m.injections.items.is_empty(), "the guarantor is tabled on day 3");
    assert!(m.distances.is_some());
    // Without the parties' preferences: the package's events alone.
    let p = so_far(&talks, &round, now, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.curve, m.curve);
    assert_eq!(p.reopens, m.reopens);
    assert!(p.distances.is_none());
    assert!(p.steps.iter().all(|s| s.steps.is_empty()), "{:?}", p.steps);
    // At its end, the round under way measures as the finished one (the mediators' drafts come with the run).
    round.advance_to(u64::MAX, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let mut end = so_far(&talks, &round, u64::MAX, true).unwrap_or_else(|e| panic!("{e}"));
    end.drafts = whole.drafts.clone();
    assert_eq!(end, whole);
}

#[test]
fn a_round_stands_at_its_end_as_its_assessment_says() {
    use entente_talks::{Round, Seats};
    use std::sync::Arc;
    let talks = Arc::new(reference_case());
    let mut round = Round::new(Arc::clone(&talks)).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated();
    // Day 1: nothing tabled yet; the agenda is what is negotiated.
    let mut starts: Vec<u64> = talks.sessions.iter().map(|s| s.start).collect();
    starts.sort_unstable();
    round.advance_to(starts[0] + 60, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let early = round.standing();
    let mut agenda = talks.agenda.clone();
    agenda.sort_unstable();
    let mut negotiated = early.negotiated.clone();
    negotiated.sort_unstable();
    assert_eq!(negotiated, agenda);
    // At the end the zones are those of the mediators' assessment.
    round.advance_to(u64::MAX, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let zones = round.standing().zones(&talks).unwrap_or_else(|e| panic!("{e}"));
    let run = run(&talks);
    let a = run.assessment.unwrap_or_else(|| panic!("no assessment"));
    assert_eq!((zones.unitary_zone, zones.bloc_zone), (a.unitary_zone, a.bloc_zone));
    assert!(round.standing().negotiated.len() > talks.agenda.len(), "the guarantor item was tabled");
}
