//! Issue 9's capabilities on cases of our own: changes of the talks
//! (counterfactuals as their shorthands), talks written back to TOML, items
//! tabled by anyone, guarantors for agenda clauses, co-mediators with drafting
//! rules of their own. Every expectation is computed by hand in the comments.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::Path;

use entente_formats::talks_toml::{parse_talks, write_talks};
use entente_model::talks::{Counterfactual, Talks};
use entente_model::whatif::talks::{TalksChange, apply_talks_changes, parse_talks_change};
use entente_protocols::package::{Event, Timestamp};
use entente_talks::log::Entry;
use entente_talks::measures::{measures, measures_text};
use entente_talks::sim::{Ending, TalksRun};
use entente_talks::simulate;

fn talks(text: &str) -> Talks {
    parse_talks(text, Path::new("case.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn minute(day: u64, h: u64, m: u64) -> Timestamp {
    (day - 1) * 1440 + h * 60 + m
}

fn changed(t: &Talks, changes: &[&str]) -> Talks {
    let changes: Vec<TalksChange> =
        changes.iter().map(|c| parse_talks_change(c).unwrap_or_else(|e| panic!("{e}"))).collect();
    apply_talks_changes(t, &changes).unwrap_or_else(|e| panic!("{e}")).0
}

fn change_error(t: &Talks, change: &str) -> String {
    match parse_talks_change(change) {
        Err(e) => e.to_string(),
        Ok(c) => match apply_talks_changes(t, &[c]) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{change} was accepted"),
        },
    }
}

/// Package events with the name of their actor.
fn events(run: &TalksRun) -> Vec<(String, &Event)> {
    run.log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event } => {
                let name = run.actor_names.iter().find(|(a, _)| *a == event.actor()).map_or("?", |(_, n)| n.as_str());
                Some((name.to_string(), event))
            }
            _ => None,
        })
        .collect()
}

/// Who agreed ad referendum to which option, when.
fn agreed(run: &TalksRun) -> Vec<(String, u32, Timestamp)> {
    events(run)
        .into_iter()
        .filter_map(|(who, e)| match e {
            Event::AdRefAgreed { option, time, .. } => Some((who, *option, *time)),
            _ => None,
        })
        .collect()
}

fn json(run: &TalksRun) -> serde_json::Value {
    serde_json::to_value(run).unwrap()
}

/// Two unitary parties that both want (a1, b1); reservation 0.2; one mediator,
/// a step an hour; one session of one hour on day 1 from 09:00.
const SHORT: &str = r#"
name = "short"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "b"
values = ["b0", "b1"]
[[parties]]
name = "A"
reservation = 0.2
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
[[parties]]
name = "B"
reservation = 0.2
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
[talks]
mediators = ["M"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0" }
step_minutes = 60
[[talks.sessions]]
day = 1
start = "09:00"
minutes = 60
"#;

#[test]
fn sessions_added_or_lengthened_give_the_round_the_time_it_needs() {
    // Steps of the mediator, round robin over the unsettled clauses: bracket a, bracket b, put a1, put b1
    // (each party gives up nothing on its best option, so both agree; unitary parties: PROVISIONAL at once),
    // then the vote at the same step. One step (09:00) is not enough.
    let base = talks(SHORT);
    let run = simulate(&base).unwrap();
    assert!(matches!(run.ending, Ending::NotAdopted { .. }), "{:?}", run.ending);

    // A session of 4 hours: steps at 09:00, 10:00, 11:00, 12:00; adopted at 12:00 on day 1.
    let longer = simulate(&changed(&base, &["lengthen-session 1 3h"])).unwrap();
    assert_eq!(longer.ending, Ending::Adopted { at: minute(1, 12, 0), text: vec![1, 1] });

    // A second session on day 2 from 09:00: bracket a on day 1; bracket b, put a1, put b1 on day 2 (09:00,
    // 10:00, 11:00): adopted at 11:00 on day 2.
    let more = simulate(&changed(&base, &["add-session 2 09:00 8h"])).unwrap();
    assert_eq!(more.ending, Ending::Adopted { at: minute(2, 11, 0), text: vec![1, 1] });

    // Errors name the change and what was expected.
    let e = change_error(&base, "lengthen-session 2 1h");
    assert!(e.contains("lengthen-session 2 1h") && e.contains("there is no session 2: the talks have 1"), "{e}");
    let e = change_error(&base, "add-session 1 09:30 1h");
    assert!(e.contains("would overlap day 1"), "{e}");
    let e = change_error(&base, "add-session 2 25:00 1h");
    assert!(e.contains("HH:MM"), "{e}");
    let e = change_error(&base, "add-session 2 09:00 soon");
    assert!(e.contains("a duration such as 8h, 90m or 480"), "{e}");
    let e = change_error(&base, "rounds 10");
    assert!(e.contains("talks have no round limit"), "{e}");
    let e = change_error(&base, "drop-issue a=a0");
    assert!(e.contains("drop-issue changes the issues"), "{e}");
    let e = change_error(&base, "reservation C=0.1");
    assert!(e.contains("no party \"C\""), "{e}");
}

/// A unitary party A and a delegation B answering to one bloc `home`, both
/// wanting (a1, b1); the bloc orders B to table `c` (nobody cares about it)
/// with guarantor `g`, who is absent; a second instruction adds the red line
/// a = a1, which no text the mediators would put can then avoid.
const GUARANTEED: &str = r#"
name = "guaranteed"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "b"
values = ["b0", "b1"]
[[issues]]
name = "c"
values = ["c0", "c1"]
[[parties]]
name = "A"
reservation = 0.2
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
c = { weight = 0.0, values = [0.0, 0.0] }
[[parties]]
name = "B"
[parties.delegation]
rule = "unanimity"
[[parties.blocs]]
name = "home"
weight = 1.0
veto = true
reversion = 0.3
[parties.blocs.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
c = { weight = 0.0, values = [0.0, 0.0] }
[talks]
mediators = ["M"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0", c = "c0" }
step_minutes = 60
[talks.conduct.B]
capital_delay_minutes = 30
[[talks.sessions]]
day = 1
start = "09:00"
hours = 10
[[talks.guarantors]]
name = "g"
present = false
[[talks.instructions]]
day = 1
time = "08:00"
party = "B"
bloc = "home"
text = "Table c, guaranteed by g."
table = { issue = "c", guarantor = "g" }
[[talks.instructions]]
day = 1
time = "08:30"
party = "B"
bloc = "home"
text = "Never a1."
red_lines = [{ issue = "a", value = "a1" }]
"#;

#[test]
fn counterfactuals_are_shorthands_for_changes() {
    let base = talks(GUARANTEED);
    for (which, compact) in [
        (Counterfactual::Unified, "unify all"),
        (Counterfactual::NoInjection, "drop-instruction tabling"),
        (Counterfactual::GuarantorConsents, "guarantor all consents"),
    ] {
        let shorthand: Vec<String> = which.changes().iter().map(|c| c.to_string()).collect();
        assert_eq!(shorthand, vec![compact.to_string()]);
        let a = simulate(&base.counterfactual(which).unwrap()).unwrap();
        let b = simulate(&changed(&base, &[compact])).unwrap();
        assert_eq!(json(&a), json(&b), "{compact}");
    }
}

#[test]
fn changes_of_ones_own_change_the_round_as_computed_by_hand() {
    let base = talks(GUARANTEED);
    // Base: B tables c at 08:00 (before the opening), the absent g never answers; the red line a = a1 keeps
    // B's capital from confirming a1, so nothing is adopted.
    let run = simulate(&base).unwrap();
    assert!(matches!(run.ending, Ending::NotAdopted { .. }));
    let ev = events(&run);
    assert!(ev.iter().any(|(who, e)| who == "B" && matches!(e, Event::ItemTabled { .. })));
    assert!(!ev.iter().any(|(_, e)| matches!(e, Event::Consent { .. })));

    // Without the second instruction (drop-instruction 2) and with g consenting: g consents at 08:00 when c
    // is tabled; the mediator brackets and puts a1, b1 and c0 (c0 is the first of c's options, which ties
    // with c1 on every count: nobody gives anything up on c), B's capital confirms each (the text is in the
    // win-set of home: 1 > 0.3), and the package (a1, b1, c0) is adopted.
    let t = changed(&base, &["drop-instruction 2", "guarantor g consents"]);
    assert_eq!(t.instructions.len(), 1);
    let run = simulate(&t).unwrap();
    let Ending::Adopted { text, .. } = &run.ending else { panic!("{:?}", run.ending) };
    assert_eq!(text, &vec![1, 1, 0]);
    let consents: Vec<_> = events(&run)
        .into_iter()
        .filter_map(|(who, e)| match e {
            Event::Consent { given, time, .. } => Some((who, *given, *time)),
            _ => None,
        })
        .collect();
    assert_eq!(consents, vec![("g".to_string(), true, minute(1, 8, 0))]);

    // The red line replaced for the whole round by none: the same as dropping the instruction's red line.
    let t = changed(&base, &["red-lines B.home=none", "guarantor g consents"]);
    assert!(t.instructions.iter().all(|i| i.add_red_lines.is_empty() && i.red_lines.is_none()));
    assert!(matches!(simulate(&t).unwrap().ending, Ending::Adopted { .. }));

    // One voice for B (its mandate, reservation 0.3; no instructions, so c is never tabled): adopted (a1, b1).
    let t = changed(&base, &["unify B"]);
    assert!(t.scenario.parties[1].delegation.is_none() && t.instructions.is_empty());
    let Ending::Adopted { text, .. } = simulate(&t).unwrap().ending else { panic!() };
    assert_eq!(text, vec![1, 1, 0]);

    // Errors name the change and what was expected.
    let e = change_error(&base, "drop-instruction 3");
    assert!(e.contains("drop-instruction 3") && e.contains("there is no instruction 3: the talks have 2"), "{e}");
    let e = change_error(&base, "unify A");
    assert!(e.contains("\"A\" is not a delegation; the delegations are B"), "{e}");
    let e = change_error(&base, "guarantor h consents");
    assert!(e.contains("no guarantor \"h\"; the guarantors are g"), "{e}");
    let e = change_error(&base, "guarantor g maybe");
    assert!(e.contains("consents, refuses, absent or present"), "{e}");
    let e = change_error(&base, "red-lines B.home=a:a7");
    assert!(e.contains("issue \"a\" has no value \"a7\""), "{e}");
    let e = change_error(&base, "veto B.away off");
    assert!(e.contains("has no bloc \"away\""), "{e}");
}

/// A delegation with three blocs and instructions of two of them during the talks.
const BLOCS: &str = r#"
name = "blocs"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[parties]]
name = "A"
reservation = 0.2
[parties.issues]
a = { weight = 1.0, values = [0.0, 1.0] }
[[parties]]
name = "B"
[parties.delegation]
rule = "unanimity"
[[parties.blocs]]
name = "x"
weight = 1.0
veto = true
reversion = 0.2
[parties.blocs.issues]
a = { weight = 1.0, values = [0.0, 1.0] }
[[parties.blocs]]
name = "y"
weight = 1.0
veto = false
reversion = 0.6
[parties.blocs.issues]
a = { weight = 1.0, values = [1.0, 0.0] }
[[parties.blocs]]
name = "z"
weight = 2.0
veto = false
reversion = 0.1
[parties.blocs.issues]
a = { weight = 1.0, values = [0.5, 0.5] }
[talks]
mediators = ["M"]
agenda = ["a"]
defaults = { a = "a0" }
[[talks.sessions]]
day = 1
start = "09:00"
hours = 4
[[talks.instructions]]
day = 1
time = "10:00"
party = "B"
bloc = "y"
text = "Never a1."
veto = true
red_lines = [{ issue = "a", value = "a1" }]
[[talks.instructions]]
day = 1
time = "11:00"
party = "B"
bloc = "z"
text = "More weight."
weight = 3.0
[[talks.instructions]]
day = 1
time = "11:30"
party = "B"
bloc = "x"
text = "Less weight."
weight = 0.5
reversion = 0.4
"#;

#[test]
fn a_merge_carries_the_talks_instructions_over_to_the_merged_bloc() {
    let base = talks(BLOCS);
    let t = changed(&base, &["merge B.x+y as xy"]);
    let d = t.scenario.parties[1].delegation.as_ref().unwrap();
    let names: Vec<&str> = d.blocs.iter().map(|b| b.bloc.name.as_str()).collect();
    assert_eq!(names, ["xy", "z"]);
    // y's instruction (10:00): veto any(x true, y true) = true; red lines the union {a = a1}, as a replacement.
    let i = &t.instructions[0];
    assert_eq!((i.bloc, i.veto, i.weight, i.reversion), (0, Some(true), None, None));
    assert_eq!(i.red_lines, Some(vec![entente_core::blocs::RedLine::Value { issue: 0, value: 1 }]));
    assert!(i.add_red_lines.is_empty());
    // z's instruction: z is now bloc 1, unchanged.
    assert_eq!((t.instructions[1].bloc, t.instructions[1].weight), (1, Some(3.0)));
    // x's instruction (11:30): weight 0.5 + 1 (y's) = 1.5; reversion: the average of the start's shares
    // (weights 1 and 1: one half each) of x's new 0.4 and y's 0.6 = 0.5.
    let i = &t.instructions[2];
    assert_eq!((i.bloc, i.weight), (0, Some(1.5)));
    assert_eq!(i.reversion, Some(entente_core::blocs::Reversion::Utility(0.5 * 0.4 + 0.5 * 0.6)));
    // The merged talks run.
    simulate(&t).unwrap();

    // A veto removed for the whole round also removes it from the bloc's instruction.
    let t = changed(&base, &["veto B.y off"]);
    assert_eq!(t.instructions[0].veto, None);
    assert_eq!(t.instructions[0].add_red_lines.len(), 1);
    let t = changed(&base, &["weight B.z=1"]);
    assert_eq!(t.instructions[1].weight, None);
}

/// Anyone may table: the unitary party A tables c, the mediator M tables d;
/// the agenda clause b needs guarantor g's consent.
const TABLING: &str = r#"
name = "tabling"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "b"
values = ["b0", "b1"]
[[issues]]
name = "c"
values = ["c0", "c1"]
[[issues]]
name = "d"
values = ["d0", "d1"]
[[parties]]
name = "A"
reservation = 0.2
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
c = { weight = 0.0, values = [0.0, 0.0] }
d = { weight = 0.0, values = [0.0, 0.0] }
[[parties]]
name = "B"
reservation = 0.2
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
c = { weight = 0.0, values = [0.0, 0.0] }
d = { weight = 0.0, values = [0.0, 0.0] }
[talks]
mediators = ["M"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0", c = "c0", d = "d0" }
step_minutes = 60
guarantees = { b = "g" }
[[talks.sessions]]
day = 1
start = "09:00"
hours = 12
[[talks.guarantors]]
name = "g"
present = true
consents = true
[[talks.tabling]]
day = 1
time = "09:30"
by = "A"
issue = "c"
text = "A raises c."
[[talks.tabling]]
day = 1
time = "10:30"
by = "M"
issue = "d"
"#;

#[test]
fn a_unitary_party_and_a_mediator_table_items_and_an_agenda_clause_needs_its_guarantor() {
    let t = talks(TABLING);
    let run = simulate(&t).unwrap();
    let ev = events(&run);
    // g is asked at the opening (09:00) for the agenda clause b, and consents.
    let consents: Vec<_> = ev
        .iter()
        .filter_map(|(who, e)| match e {
            Event::Consent { given, time, .. } => Some((who.as_str(), *given, *time)),
            _ => None,
        })
        .collect();
    assert_eq!(consents, vec![("g", true, minute(1, 9, 0))]);
    // A tables c at 09:30 with the scenario's reason, M tables d at 10:30 with a neutral one.
    let tabled: Vec<_> = run
        .log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event: ev @ Event::ItemTabled { time, reason, .. } } => {
                let who = run.actor_names.iter().find(|(a, _)| *a == ev.actor()).map(|(_, n)| n.clone());
                Some((who, *time, reason.clone().map(|r| r.to_string())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        tabled,
        vec![
            (Some("A".to_string()), minute(1, 9, 30), Some("A raises c.".to_string())),
            (Some("M".to_string()), minute(1, 10, 30), Some("on its own initiative".to_string())),
        ]
    );
    let summary: Vec<_> = run.clauses.iter().map(|c| (c.title.as_str(), c.tabled.clone())).collect();
    assert_eq!(
        summary,
        vec![
            ("a", None),
            ("b", None),
            ("c", Some(("A".to_string(), minute(1, 9, 30)))),
            ("d", Some(("M".to_string(), minute(1, 10, 30))))
        ]
    );
    // Everything is agreed in the end: (a1, b1, c0, d0) (c and d tie; the first option is put).
    let Ending::Adopted { text, .. } = &run.ending else { panic!("{:?}", run.ending) };
    assert_eq!(text, &vec![1, 1, 0, 0]);

    // g refusing: b can never become provisional: no adoption.
    let refused = simulate(&changed(&t, &["guarantor g refuses"])).unwrap();
    assert!(matches!(refused.ending, Ending::NotAdopted { .. }));
    assert!(events(&refused).iter().any(|(who, e)| who == "g" && matches!(e, Event::Consent { given: false, .. })));
    // Dropping the tablings: two clauses only.
    let run = simulate(&changed(&t, &["drop-tabling all"])).unwrap();
    assert_eq!(run.clauses.len(), 2);
    let e = change_error(&t, "drop-tabling 3");
    assert!(e.contains("there is no tabled item 3: the talks have 2"), "{e}");

    // The same as changes: without the guarantee, nobody is asked at the opening; B tables c at 09:15 instead
    // of A at 09:30, and needs g's consent for it (asked at once).
    let c = changed(&t, &["guarantee b=none", "drop-tabling 1", "table B c 1 09:15 g"]);
    let run = simulate(&c).unwrap();
    let ev = events(&run);
    let consents: Vec<_> = ev
        .iter()
        .filter_map(|(who, e)| match e {
            Event::Consent { given, time, .. } => Some((who.as_str(), *given, *time)),
            _ => None,
        })
        .collect();
    assert_eq!(consents, vec![("g", true, minute(1, 9, 15))]);
    // Clauses are numbered in the order they are tabled: c (09:15) before d (10:30).
    let summary: Vec<_> = run.clauses.iter().map(|c| (c.title.as_str(), c.tabled.clone())).collect();
    assert_eq!(
        summary,
        vec![
            ("a", None),
            ("b", None),
            ("c", Some(("B".to_string(), minute(1, 9, 15)))),
            ("d", Some(("M".to_string(), minute(1, 10, 30)))),
        ]
    );
    for (change, needle) in [
        ("table Z c 1 10:00", "\"Z\" is neither a party nor a mediator (A, B, M)"),
        ("table A a 1 10:00", "issue \"a\" is on the agenda"),
        ("table B c 1 10:00", "issue \"c\" is already tabled at day 1, 09:30"),
        ("table A e 1 10:00", "no issue \"e\"; the issues are a, b, c, d"),
    ] {
        let e = change_error(&t, change);
        assert!(e.contains(change) && e.contains(needle), "{e}");
    }
    let e = change_error(&changed(&t, &["drop-tabling all"]), "table A c 2 10:00");
    assert!(e.contains("day 2, 10:00 is at or after the end of the last session (day 1, 21:00)"), "{e}");
    let e = change_error(&t, "guarantee c=g");
    assert!(e.contains("issue \"c\" is not on the agenda"), "{e}");
    let e = change_error(&t, "guarantee a=h");
    assert!(e.contains("no guarantor \"h\"; the guarantors are g"), "{e}");
}

#[test]
fn bad_tabling_and_guarantees_are_refused_naming_the_field() {
    let refused = |text: String, needle: &str| match parse_talks(&text, Path::new("case.toml")) {
        Ok(_) => panic!("accepted: {needle}"),
        Err(e) => assert!(e.to_string().contains(needle), "{e}"),
    };
    refused(
        TABLING.replace("by = \"M\"", "by = \"Z\""),
        "tabling: `by` must be a party or a mediator (A, B, M), not \"Z\"",
    );
    refused(TABLING.replace("issue = \"d\"", "issue = \"a\""), "tabling: issue \"a\" is already on the agenda");
    refused(
        TABLING.replace("issue = \"d\"", "issue = \"c\""),
        "tabling: issue \"c\" is already tabled at day 1, 09:30",
    );
    refused(
        TABLING.replace("time = \"10:30\"", "time = \"21:00\""),
        "tabling: dated day 1, 21:00, at or after the end",
    );
    refused(
        TABLING.replace("guarantees = { b = \"g\" }", "guarantees = { c = \"g\" }"),
        "guarantees: issue \"c\" is not on the agenda",
    );
    refused(TABLING.replace("guarantees = { b = \"g\" }", "guarantees = { b = \"h\" }"), "there is no guarantor \"h\"");
    refused(
        TABLING.replace("step_minutes = 60", "step_minutes = 60\ndrafting = { M = \"fair\" }"),
        "drafting of \"M\": expected margin",
    );
    refused(
        TABLING.replace("step_minutes = 60", "step_minutes = 60\ndrafting = { N = \"nash\" }"),
        "drafting: \"N\" is not a mediator",
    );
    refused(
        TABLING.replace("step_minutes = 60", "step_minutes = 60\ndrafting = { M = \"lean:Q:0.5\" }"),
        "no party \"Q\" to lean toward",
    );
}

/// One issue, three options: A wants x0 (1, 0.6, 0), B wants x2 (0, 0.7, 1);
/// reservations 0; concession exponent 0.01 (from the second step on each
/// party is ready to give up about 98.6% of its range on a clause); two
/// co-mediators, a step an hour, one session of 4 hours.
const COMEDIATORS: &str = r#"
name = "co-mediators"
[[issues]]
name = "x"
values = ["x0", "x1", "x2"]
[[parties]]
name = "A"
reservation = 0.0
[parties.issues]
x = { weight = 1.0, values = [1.0, 0.6, 0.0] }
[[parties]]
name = "B"
reservation = 0.0
[parties.issues]
x = { weight = 1.0, values = [0.0, 0.7, 1.0] }
[talks]
mediators = ["M0", "M1"]
agenda = ["x"]
defaults = { x = "x0" }
step_minutes = 60
drafting = { M0 = "lean:A:1", M1 = "lean:B:1" }
[talks.conduct.A]
exponent = 0.01
[talks.conduct.B]
exponent = 0.01
[[talks.sessions]]
day = 1
start = "09:00"
hours = 4
"#;

#[test]
fn co_mediators_draft_by_their_own_rules_and_the_measures_say_whose_drafts_were_accepted() {
    let t = talks(COMEDIATORS);
    // M0 brackets x at 09:00. M1 (leaning wholly to B) puts x2 at 10:00: B agrees (it gives up nothing), A
    // would give up its whole range (1 > 0.25^0.01 = 0.986) and refuses; M0 (leaning to A) puts x0 at 11:00:
    // A agrees, B refuses (1 > 0.5^0.01 = 0.993); M1 puts x2 at 12:00: B's agreement stands (no new event),
    // A refuses (1 > 0.75^0.01 = 0.997): no adoption. M0: 1 put, 0 accepted; M1: 2 put, 0 accepted.
    let run = simulate(&t).unwrap();
    assert!(matches!(run.ending, Ending::NotAdopted { .. }));
    assert_eq!(agreed(&run), vec![("B".to_string(), 2, minute(1, 10, 0)), ("A".to_string(), 0, minute(1, 11, 0))]);
    let drafts: Vec<(&str, &str, usize, usize)> =
        run.drafts.iter().map(|d| (d.mediator.as_str(), d.rule.as_str(), d.put, d.accepted)).collect();
    assert_eq!(drafts, vec![("M0", "lean:A:1", 1, 0), ("M1", "lean:B:1", 2, 0)]);
    let m = measures(&t, &run).unwrap();
    assert_eq!(m.drafts, run.drafts);
    assert!(
        measures_text(&m, &t)
            .contains("drafts by mediator: M0 (lean:A:1) 1 put, 0 accepted; M1 (lean:B:1) 2 put, 0 accepted")
    );

    // M1 egalitarian: the smallest gain is 0 for x0 and x2, min(0.6, 0.7) = 0.6 for x1: it puts x1 at 10:00;
    // A gives up 0.4, B 0.3, both within 0.986: adopted at 10:00 with x1.
    for rule in ["egalitarian", "nash", "kalai-smorodinsky", "margin"] {
        let c = changed(&t, &[&format!("drafting M1={rule}")]);
        let run = simulate(&c).unwrap();
        assert_eq!(run.ending, Ending::Adopted { at: minute(1, 10, 0), text: vec![1] }, "{rule}");
        assert_eq!((run.drafts[1].put, run.drafts[1].accepted), (1, 1), "{rule}");
    }
    // Leaning half-way to A: 0.5·g_A + 0.5·mean: x0 0.75, x1 0.625, x2 0.25: M1 puts x0 (10:00, 12:00),
    // which B refuses, as it refuses M0's x0 (11:00).
    let c = changed(&t, &["drafting M1=lean:A:0.5"]);
    let run = simulate(&c).unwrap();
    assert!(matches!(run.ending, Ending::NotAdopted { .. }));
    let drafts: Vec<(usize, usize)> = run.drafts.iter().map(|d| (d.put, d.accepted)).collect();
    assert_eq!(drafts, vec![(1, 0), (2, 0)]);
    // A agrees to x0 at 10:00; its agreement stands at 11:00 and 12:00.
    assert_eq!(agreed(&run), vec![("A".to_string(), 0, minute(1, 10, 0))]);
    // Without rules (both margin), the measures say nothing of drafts.
    let plain = changed(&t, &["drafting M0=margin", "drafting M1=margin"]);
    let run = simulate(&plain).unwrap();
    assert!(!measures_text(&measures(&plain, &run).unwrap(), &plain).contains("drafts by mediator"));
    let e = change_error(&t, "drafting M2=nash");
    assert!(e.contains("no mediator \"M2\"; the mediators are M0, M1"), "{e}");
    let e = change_error(&t, "drafting M1=lean:A:2");
    assert!(e.contains("lean:PARTY:W"), "{e}");
}

/// Talks read, written back and read again run the same round.
#[test]
fn talks_written_back_run_the_same_round() {
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/istanbul-2025.toml"))
        .expect("the reference case");
    let base = talks(GUARANTEED);
    let cases: Vec<(&str, Talks)> = vec![
        ("reference", talks(&reference)),
        ("short", talks(SHORT)),
        ("guaranteed", base.clone()),
        ("blocs", talks(BLOCS)),
        ("tabling", talks(TABLING)),
        ("co-mediators", talks(COMEDIATORS)),
        ("changed", changed(&base, &["guarantor g consents", "add-session 2 09:00 2h", "exponent A=2"])),
        ("merged", changed(&talks(BLOCS), &["merge B.x+y as xy", "drop-instruction 2"])),
        ("unified", changed(&base, &["unify all", "drop-incident all"])),
    ];
    let fishery = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../entente-cli/tests/fixtures/fishery-talks.toml"
    ))
    .expect("the fishery talks");
    let mut cases = cases;
    cases.push(("fishery", talks(&fishery)));
    cases.push(("fishery unified", talks(&fishery).counterfactual(Counterfactual::Unified).unwrap()));
    for (name, t) in cases {
        let text = write_talks(&t).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = parse_talks(&text, Path::new("back.toml")).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(json(&simulate(&t).unwrap()), json(&simulate(&back).unwrap()), "{name}");
        // Written again: the same text.
        assert_eq!(write_talks(&back).unwrap(), text, "{name}");
    }
}

mod random {
    use super::*;
    use proptest::prelude::*;

    /// Changes, well-formed or not, over the names of `GUARANTEED` (and some that do not exist).
    fn change() -> impl Strategy<Value = String> {
        let party = prop::sample::select(vec!["A", "B", "C"]);
        let bloc = prop::sample::select(vec!["home", "away"]);
        let n = 0usize..4;
        prop_oneof![
            (party.clone(), bloc.clone(), any::<bool>())
                .prop_map(|(p, b, v)| format!("veto {p}.{b} {}", if v { "on" } else { "off" })),
            (party.clone(), bloc.clone(), -1.0f64..3.0).prop_map(|(p, b, w)| format!("weight {p}.{b}={w}")),
            (party.clone(), bloc.clone(), -1.0f64..2.0).prop_map(|(p, b, r)| format!("reversion {p}.{b}={r}")),
            (party.clone(), -1.0f64..2.0).prop_map(|(p, r)| format!("reservation {p}={r}")),
            (party.clone(), bloc.clone(), prop::sample::select(vec!["none", "a:a1", "a:a0,b:b1", "c:c9", "z:a1"]))
                .prop_map(|(p, b, r)| format!("red-lines {p}.{b}={r}")),
            prop::sample::select(vec!["unify all", "unify A", "unify B", "unify C"]).prop_map(String::from),
            n.clone().prop_map(|n| format!("drop-instruction {n}")),
            prop::sample::select(vec!["drop-instruction tabling", "drop-instruction all", "drop-instruction B.home"])
                .prop_map(String::from),
            n.clone().prop_map(|n| format!("drop-incident {n}")),
            (
                prop::sample::select(vec!["g", "h", "all"]),
                prop::sample::select(vec!["consents", "refuses", "absent", "present", "soon"])
            )
                .prop_map(|(g, a)| format!("guarantor {g} {a}")),
            (0u32..4, 0u64..26, 0u64..70, prop::sample::select(vec!["1h", "90m", "0m", "80h", "x"]))
                .prop_map(|(d, h, m, l)| format!("add-session {d} {h:02}:{m:02} {l}")),
            (n, prop::sample::select(vec!["1h", "30m", "72h"])).prop_map(|(n, l)| format!("lengthen-session {n} {l}")),
            (party.clone(), -1.0f64..3.0).prop_map(|(p, e)| format!("exponent {p}={e}")),
            (
                prop::sample::select(vec!["M", "N"]),
                prop::sample::select(vec!["nash", "egalitarian", "ks", "lean:A:0.5", "lean:C:0.5", "lean:B:0", "odd"])
            )
                .prop_map(|(m, r)| format!("drafting {m}={r}")),
            (
                prop::sample::select(vec!["A", "B", "M", "Z"]),
                prop::sample::select(vec!["a", "c", "e"]),
                0u32..3,
                prop::sample::select(vec!["", " g", " h"])
            )
                .prop_map(|(by, i, d, g)| format!("table {by} {i} {d} 10:00{g}")),
            (prop::sample::select(vec!["a", "b", "c"]), prop::sample::select(vec!["g", "h", "none"]))
                .prop_map(|(i, g)| format!("guarantee {i}={g}")),
            "[ -~]{0,24}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Any changes: refused with an error naming the change, or applied to talks that run, and that run
        /// the same round once written back and read again.
        #[test]
        fn any_changes_are_refused_or_run_and_write_back(changes in prop::collection::vec(change(), 1..4)) {
            let base = talks(GUARANTEED);
            let mut parsed = Vec::new();
            for c in &changes {
                match parse_talks_change(c) {
                    Ok(x) => parsed.push(x),
                    Err(e) => {
                        prop_assert!(e.to_string().starts_with("change "), "{e}");
                        return Ok(());
                    }
                }
            }
            let t = match apply_talks_changes(&base, &parsed) {
                Ok((t, _)) => t,
                Err(e) => {
                    prop_assert!(e.to_string().starts_with("change "), "{e}");
                    return Ok(());
                }
            };
            let run = simulate(&t).map_err(|e| TestCaseError::fail(format!("{changes:?}: {e}")))?;
            let text = write_talks(&t).map_err(|e| TestCaseError::fail(format!("{changes:?}: {e}")))?;
            let back = parse_talks(&text, Path::new("back.toml")).map_err(|e| TestCaseError::fail(format!("{changes:?}: {e}\n{text}")))?;
            prop_assert_eq!(json(&run), json(&simulate(&back).unwrap()));
        }
    }
}
