//! The talks figure's data (`entente_talks::figure`) for the reference case, by role: golden values read off the
//! transcript and computed by hand from the scenario file, not from the figure's own output.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_model::talks::{DAY, HOUR, Talks};
use entente_plot::testing::assert_texts_clear;
use entente_plot::{LaneState, MarkerKind, TalksRound, render_talks};
use entente_talks::figure::{round, talks_figure};
use entente_talks::log::Role;
use entente_talks::sim::TalksRun;
use entente_talks::simulate;

fn istanbul() -> (Talks, TalksRun) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    let talks = read_talks(&path).unwrap_or_else(|e| panic!("{e}"));
    let run = simulate(&talks).expect("simulates");
    (talks, run)
}

fn at(day: u64, hour: u64, minute: u64) -> u64 {
    (day - 1) * DAY + hour * HOUR + minute
}

fn view(role: Option<Role>) -> TalksRound {
    let (talks, run) = istanbul();
    round(&talks, &run, role, None).expect("figure data")
}

/// A step series' value at minute `t` (the last point at or before it).
fn value_at(series: &[(u64, f64)], t: u64) -> Option<f64> {
    series.iter().take_while(|p| p.0 <= t).last().map(|p| p.1)
}

fn lane_at(r: &TalksRound, title: &str, t: u64) -> Option<LaneState> {
    let lane = r.clauses.iter().find(|c| c.title == title).expect("lane");
    (lane.from <= t).then(|| lane.states.iter().take_while(|s| s.0 <= t).last().map_or(LaneState::Open, |s| s.1))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The transcript: assurances PROVISIONAL on day 2, 21:00, REOPENED by state_b on day 3, 17:00; verification
/// PROVISIONAL on day 1, 15:45, REOPENED after the incident on day 2, 04:30; guarantor tabled by state_b on day 3,
/// 17:00 and BRACKETED at the end.
#[test]
fn lanes_follow_the_transcript() {
    let r = view(None);
    let titles: Vec<&str> = r.clauses.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["assurances", "designation", "dismantle_days", "verification", "guarantor"]);
    assert_eq!(lane_at(&r, "assurances", at(2, 20, 59)), Some(LaneState::AdRef));
    assert_eq!(lane_at(&r, "assurances", at(2, 21, 0)), Some(LaneState::Provisional));
    assert_eq!(lane_at(&r, "assurances", at(3, 16, 59)), Some(LaneState::Provisional));
    assert_eq!(lane_at(&r, "assurances", at(3, 17, 0)), Some(LaneState::Reopened));
    let assurances = &r.clauses[0];
    let k = assurances.states.iter().position(|s| s.1 == LaneState::Reopened).expect("reopened");
    assert_eq!(assurances.states[k], (at(3, 17, 0), LaneState::Reopened));
    assert_eq!(assurances.states[k - 1], (at(2, 21, 0), LaneState::Provisional));
    assert_eq!(lane_at(&r, "verification", at(1, 15, 45)), Some(LaneState::Provisional));
    assert_eq!(lane_at(&r, "verification", at(2, 4, 30)), Some(LaneState::Reopened));
    let guarantor = &r.clauses[4];
    assert_eq!((guarantor.from, guarantor.tabled_by.as_deref()), (at(3, 17, 0), Some("state_b")));
    assert_eq!(lane_at(&r, "guarantor", at(3, 16, 59)), None);
    // Final states, as the session of day 4 closes: assurances BRACKETED, designation BRACKETED, dismantle_days
    // AD_REF, verification AD_REF, guarantor BRACKETED.
    let last: Vec<LaneState> = r.clauses.iter().map(|c| c.states.last().expect("a state").1).collect();
    use LaneState::*;
    assert_eq!(last, [Bracketed, Bracketed, AdRef, AdRef, Bracketed]);
    // The five sessions as labelled in the file; the round ends on day 4, 15:00.
    let labels: Vec<&str> = r.sessions.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["day 1", "day 2", "day 3, first sitting", "day 3, second sitting", "day 4"]);
    assert_eq!((r.sessions[3].start, r.sessions[3].end), (at(3, 18, 0), at(4, 6, 0)));
    assert_eq!(r.end, at(4, 15, 0));
}

/// The measures' closure at each session's end (day 1: 25%, day 2: 50%, day 3 first sitting: 75%, then 0%), and
/// the simulation's own closure at every text it proposed.
#[test]
fn closure_follows_the_lanes() {
    let (talks, run) = istanbul();
    let r = round(&talks, &run, None, None).expect("figure data");
    for (t, v) in [(at(2, 4, 0), 0.25), (at(2, 23, 0), 0.5), (at(3, 16, 0), 0.75), (at(4, 6, 0), 0.0)] {
        assert!(close(value_at(&r.closure, t), v), "closure at {t}: {:?}", value_at(&r.closure, t));
    }
    assert!(close(value_at(&r.closure, at(3, 17, 0)), 0.0));
    for snap in &run.texts {
        assert!(close(value_at(&r.closure, snap.time), snap.closure), "at {}", snap.time);
    }
}

#[test]
fn markers_name_what_happened() {
    let r = view(None);
    let has = |at: u64, kind: MarkerKind, label: &str| {
        r.markers.iter().any(|m| m.at == at && m.kind == kind && m.label == label)
    };
    assert!(has(at(2, 4, 30), MarkerKind::Incident, "incident at border district"), "{:?}", r.markers);
    assert!(has(at(5, 6, 0), MarkerKind::Incident, "incident at border"));
    assert!(has(at(3, 17, 0), MarkerKind::Instruction, "khost instructs state_b"));
    assert!(has(at(3, 17, 30), MarkerKind::Instruction, "kandahar instructs state_b"));
    assert!(has(at(3, 17, 0), MarkerKind::Statement, "statement by state_b"));
    assert!(has(at(3, 17, 0), MarkerKind::Tabled, "guarantor tabled by state_b"));
    assert!(has(at(4, 15, 0), MarkerKind::End, "the talks end: no agreement"));
    assert!(!r.markers.iter().any(|m| m.kind == MarkerKind::Vote), "no vote was called");
}

/// Utilities by hand from the scenario file. The day-3 text (from 10:00) is assurances=written, designation=no,
/// dismantle_days=90, verification=mediators, guarantor=none:
/// state_a: 0.25·1 + 0.2·0 + 0.25·0.55 + 0.1·1 + 0.2·1 = 0.6875 (the first text: 0.25 + 0.25·0.8 + 0.1 + 0.2 =
/// 0.75); khost: 0.15·0.3 + 0.25·1 + 0.2·0.6 + 0.1·0.5 + 0.3·0 = 0.465; kandahar: 0.2·0.6 + 0.3·1 + 0.3·0.75 +
/// 0.1·0.7 + 0.1·0.7 = 0.785; kabul: 0.2·0.75 + 0.2·0.8 + 0.25·0.8 + 0.15·0.9 + 0.2·0.7 = 0.785.
#[test]
fn curves_by_hand() {
    let r = view(None);
    let a = r.parties.iter().find(|p| p.name == "state_a").expect("state_a");
    assert!(close(value_at(&a.utility, at(1, 9, 0)), 0.75));
    assert!(close(value_at(&a.utility, at(3, 10, 0)), 0.6875));
    assert_eq!(a.reservation, vec![(at(1, 9, 0), 0.55)], "no incident moves state_a's reservation value");
    let d = r.delegations.iter().find(|d| d.party == "state_b").expect("state_b's blocs");
    let bloc = |n: &str| d.blocs.iter().find(|b| b.name == n).expect("bloc");
    let t = at(3, 10, 0);
    assert!(close(value_at(&bloc("khost").utility, t), 0.465));
    assert!(close(value_at(&bloc("kandahar").utility, t), 0.785));
    assert!(close(value_at(&bloc("kabul").utility, t), 0.785));
    // Reversion points: khost 0.3, then 0.6 from its instructions (day 3, 17:00); kandahar 0.4, then 0.74 from
    // day 3, 17:30; kabul 0.35 throughout.
    let khost = &bloc("khost").reversion;
    assert!(close(value_at(khost, at(3, 16, 59)), 0.3) && close(value_at(khost, at(3, 17, 0)), 0.6), "{khost:?}");
    let kandahar = &bloc("kandahar").reversion;
    assert!(close(value_at(kandahar, at(3, 17, 29)), 0.4) && close(value_at(kandahar, at(3, 17, 30)), 0.74));
    assert!(close(value_at(&bloc("kabul").reversion, at(4, 15, 0)), 0.35));
    // Every text keeps guarantor=none, on khost's red line from 17:00 (khost then holds a veto): outside the
    // win-set from then to the end; inside before (kabul and kandahar above their reversion points).
    assert_eq!(d.outside_win_set, vec![(at(3, 17, 0), at(4, 15, 0))]);
}

/// A party sees its own utilities and blocs only; an observer none; the mediators the confided utilities but no
/// bloc.
#[test]
fn each_role_sees_what_it_may() {
    let names = |r: &TalksRound| r.parties.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    let instructions = |r: &TalksRound| r.markers.iter().filter(|m| m.kind == MarkerKind::Instruction).count();
    let analyst = view(None);
    assert_eq!(names(&analyst), ["state_a", "state_b"]);
    assert_eq!(instructions(&analyst), 2);
    let b = view(Some(Role::Party { party: 1 }));
    assert_eq!(names(&b), ["state_b"]);
    assert_eq!(b.delegations.len(), 1);
    assert_eq!(instructions(&b), 2);
    assert!(!b.parties[0].reservation.is_empty(), "state_b sees its own reservation value");
    let a = view(Some(Role::Party { party: 0 }));
    assert_eq!(names(&a), ["state_a"]);
    assert!(a.delegations.is_empty(), "state_a does not see state_b's blocs");
    assert_eq!(instructions(&a), 0);
    let observer = view(Some(Role::Observer));
    assert!(observer.parties.is_empty() && observer.delegations.is_empty());
    assert_eq!(instructions(&observer), 0);
    let mediators = view(Some(Role::Mediator));
    assert_eq!(names(&mediators), ["state_a", "state_b"], "both parties confide their preferences");
    assert!(mediators.delegations.is_empty() && instructions(&mediators) == 0);
    assert!(mediators.parties[1].reservation.is_empty(), "state_b's reservation value comes from its blocs");
    // The public record is the same for every role: sessions, lanes, the public markers.
    for r in [&a, &b, &observer, &mediators] {
        assert_eq!(r.clauses, analyst.clauses);
        assert_eq!(r.sessions, analyst.sessions);
        assert_eq!(r.closure, analyst.closure);
    }
}

/// The drawn figure: state_b's has no curve of state_a's and names its own blocs; the observer's no instructions.
#[test]
fn figures_by_role() {
    let (talks, run) = istanbul();
    let svg = |role| render_talks(&talks_figure(&talks, &run, role).expect("figure data")).expect("renders");
    let analyst = svg(None);
    for s in [
        "day 3, second sitting",
        "tabled by state_b",
        "incident at border district",
        "state_a: utility of the text",
        "khost (state_b)",
    ] {
        assert!(analyst.contains(s), "{s}");
    }
    let b = svg(Some(Role::Party { party: 1 }));
    assert!(!b.contains("state_a: utility of the text") && b.contains("state_b: utility of the text"));
    assert!(b.contains("khost instructs state_b") && b.contains("kandahar (state_b)"));
    let observer = svg(Some(Role::Observer));
    assert!(!observer.contains("instructs") && !observer.contains("utility of the text"));
    assert!(observer.contains("guarantor tabled by state_b"));
}

/// Generated talks: `parties` parties (the last a delegation of two blocs, whose second bloc gains a veto and
/// tables the last issue during the round), `clauses` issues of two values (all but the last on the agenda),
/// `sessions` sessions (two sittings a day), names long or short, an incident; a deterministic mix of preferences.
fn generated(parties: usize, clauses: usize, sessions: usize, long: bool) -> Talks {
    let name = |base: &str, k: usize| {
        if long { format!("{base} of the northern federated states {k}") } else { format!("{base}{k}") }
    };
    let issue = |k: usize| name("clause_on_sanctuaries", k).replace(' ', "_");
    let party = |k: usize| name("delegation", k).replace(' ', "_");
    let mut x = (parties * 1000 + clauses * 10 + sessions) as u64;
    let mut next = move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) % 1000) as f64 / 1000.0
    };
    let mut s = format!("name = \"{}\"\n[protocol]\nseed = 7\n", name("generated talks", parties));
    for k in 0..clauses {
        let _ = writeln!(s, "[[issues]]\nname = \"{}\"\nvalues = [\"v0\", \"v1\"]", issue(k));
    }
    let table = |s: &mut String, header: &str, lean: bool, next: &mut dyn FnMut() -> f64| {
        let _ = writeln!(s, "[{header}]");
        for k in 0..clauses {
            let (a, b) = (next(), next());
            let (a, b) = if lean { (a.min(b), a.max(b)) } else { (a.max(b), a.min(b)) };
            let _ = writeln!(s, "{} = {{ weight = {:.3}, values = [{a:.3}, {b:.3}] }}", issue(k), 0.2 + next());
        }
    };
    for k in 0..parties {
        let _ = writeln!(s, "[[parties]]\nname = \"{}\"", party(k));
        if k + 1 < parties {
            let _ = writeln!(s, "reservation = 0.3");
            table(&mut s, "parties.issues", k % 2 == 0, &mut next);
        } else {
            let _ = writeln!(s, "[parties.delegation]\nrule = \"unanimity\"");
            for b in 0..2 {
                let _ = writeln!(
                    s,
                    "[[parties.blocs]]\nname = \"{}\"\nweight = 0.5\nveto = {}\nreversion = 0.3",
                    name("bloc", b),
                    b == 0
                );
                table(&mut s, "parties.blocs.issues", b == 1, &mut next);
            }
        }
    }
    let agenda: Vec<String> = (0..clauses - 1).map(|k| format!("\"{}\"", issue(k))).collect();
    let defaults: Vec<String> = (0..clauses).map(|k| format!("{} = \"v0\"", issue(k))).collect();
    let _ = writeln!(
        s,
        "[talks]\nmediators = [\"m0\", \"m1\"]\nagenda = [{}]\ndefaults = {{ {} }}\nstep_minutes = 45",
        agenda.join(", "),
        defaults.join(", ")
    );
    for k in 0..sessions {
        let (day, sitting) = (k / 2 + 1, k % 2);
        let label = if long {
            format!("day {day}, {} sitting of the plenary", ["first", "second"][sitting])
        } else {
            format!("day {day}")
        };
        let _ = writeln!(
            s,
            "[[talks.sessions]]\nday = {day}\nstart = \"{}\"\nhours = {}\nlabel = \"{label}\"",
            ["09:00", "15:00"][sitting],
            if sessions == 1 { 8 } else { 4 }
        );
    }
    // Parties that concede late keep long rounds going.
    for k in 0..parties {
        let _ = writeln!(s, "[talks.conduct.{}]\nexponent = 4.0", party(k));
    }
    // In the first break (during the only session when there is one).
    let day = 1;
    let _ = writeln!(
        s,
        "[[talks.instructions]]\nday = {day}\ntime = \"{}\"\nparty = \"{}\"\nbloc = \"{}\"\ntext = \"a new condition\"\nveto = true\ntable = {{ issue = \"{}\" }}\nstatement = \"We have a new condition.\"",
        if sessions == 1 { "12:00" } else { "14:00" },
        party(parties - 1),
        name("bloc", 1),
        issue(clauses - 1)
    );
    let _ = writeln!(
        s,
        "[[talks.incidents]]\nday = 1\ntime = \"10:30\"\nplace = \"{}\"\ntext = \"an attack\"\nissues = [\"{}\"]",
        name("the border district", 0),
        issue(0)
    );
    parse_talks(&s, Path::new("generated.toml")).unwrap_or_else(|e| panic!("{e}\n{s}"))
}

/// No text of the figure overlaps another or leaves the canvas, for simulated talks of 2 to 4 parties, 3 to 12
/// clauses, long names and 1 to 20 sessions, in every role's view and side by side.
#[test]
fn no_text_overlaps_in_generated_talks() {
    for parties in [2, 3, 4] {
        for (clauses, sessions) in [(3, 1), (12, 2), (7, 5), (12, 20), (3, 20)] {
            for long in [false, true] {
                let talks = generated(parties, clauses, sessions, long);
                let run = simulate(&talks).expect("simulates");
                let case = format!("{parties} parties, {clauses} clauses, {sessions} sessions, long names {long}");
                let roles = [
                    None,
                    Some(Role::Party { party: parties - 1 }),
                    Some(Role::Party { party: 0 }),
                    Some(Role::Observer),
                ];
                for role in roles {
                    let figure = talks_figure(&talks, &run, role).expect("figure data");
                    // One lane per clause (the tabled one only if the round lasted until it was tabled).
                    assert_eq!(figure.rounds[0].clauses.len(), run.clauses.len(), "{case}");
                    assert!(run.clauses.len() >= clauses - 1, "{case}");
                    assert_eq!(figure.rounds[0].sessions.len(), sessions);
                    let svg = render_talks(&figure).expect("renders");
                    assert_texts_clear(&format!("{case}, {role:?}"), &svg, 10);
                }
                let unified = talks.counterfactual(entente_model::talks::Counterfactual::Unified).expect("unified");
                let changed = simulate(&unified).expect("simulates");
                let figure = entente_talks::figure::compare_figure(
                    (&talks, &run),
                    (&unified, &changed),
                    "counterfactual: unified",
                    None,
                )
                .expect("figure data");
                assert_texts_clear(&format!("{case}, compared"), &render_talks(&figure).expect("renders"), 10);
            }
        }
    }
}
