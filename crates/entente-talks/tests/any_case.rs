//! Talks other than the reference case: scenarios written for these tests,
//! each asserting the run's events (the JSON), not the prose.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::Path;
use std::sync::Arc;

use entente_formats::talks_toml::parse_talks;
use entente_model::talks::Talks;
use entente_protocols::package::{Action, ClauseId, ClauseState, Event, Timestamp};
use entente_talks::actors::ActorRef;
use entente_talks::log::{Entry, IncidentEffect};
use entente_talks::sim::{Ending, TalksRun};
use entente_talks::transcript::transcript;
use entente_talks::{Answer, Prompt, Round, ScriptedParticipant, Seats, simulate};

fn talks(text: &str) -> Talks {
    parse_talks(text, Path::new("case.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn minute(day: u64, h: u64, m: u64) -> Timestamp {
    (day - 1) * 1440 + h * 60 + m
}

fn events(run: &TalksRun) -> Vec<(u64, &Event)> {
    run.package_events().collect()
}

fn name_of(run: &TalksRun, id: entente_protocols::package::ActorId) -> String {
    run.actor_name(id)
}

/// A unitary party and a delegation answering to one bloc at home, both
/// wanting (a1, b1); two co-mediators; a step an hour; the capital answers
/// in 45 minutes.
const CAPITAL: &str = r#"
name = "capital delay"
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
[talks]
mediators = ["M0", "M1"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0" }
step_minutes = 60
[talks.conduct.B]
capital_delay_minutes = 45
[[talks.sessions]]
day = 1
start = "09:00"
hours = 6
"#;

#[test]
fn the_vote_is_called_as_soon_as_the_last_capital_confirms() {
    let propose = |c: u32| vec![Answer::act(Action::Propose { clause: ClauseId(c), options: vec![0, 1] })];
    let turn = |t: usize| Prompt::MediatorTurn { turn: t };
    // Co-mediators alternate: M0 has turns 0 and 2, M1 turns 1 and 3.
    let m0 = ScriptedParticipant::new(vec![
        (turn(0), propose(0)),
        (turn(2), vec![Answer::put(ClauseId(0), 1)]),
        (Prompt::VoteDue, vec![Answer::act(Action::CallVote)]),
    ]);
    let m1 = ScriptedParticipant::new(vec![(turn(1), propose(1)), (turn(3), vec![Answer::put(ClauseId(1), 1)])]);
    let party = || {
        ScriptedParticipant::new(vec![
            (
                Prompt::Proposal { clause: ClauseId(0), option: 1 },
                vec![Answer::act(Action::AgreeAdRef { clause: ClauseId(0), option: 1 })],
            ),
            (
                Prompt::Proposal { clause: ClauseId(1), option: 1 },
                vec![Answer::act(Action::AgreeAdRef { clause: ClauseId(1), option: 1 })],
            ),
            (Prompt::Vote, vec![Answer::act(Action::Vote { yes: true })]),
        ])
    };
    // B's capital is the simulated one: it confirms (a1, b1), in its bloc's win-set.
    let mut seats = Seats::simulated()
        .seat(ActorRef::Mediator(0), m0)
        .seat(ActorRef::Mediator(1), m1)
        .seat(ActorRef::Party(0), party())
        .seat(ActorRef::Party(1), party());
    let mut round = Round::new(Arc::new(talks(CAPITAL))).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    let run = round.finish(&mut seats).unwrap();
    // Steps at 09:00, 10:00, 11:00 (a put), 12:00 (b put); B's capital
    // confirms a at 11:45 and b at 12:45, which completes the package: the
    // vote is called then, by M0 (the next on duty after M1's 12:00 step),
    // not at the 13:00 step.
    let ev = events(&run);
    let confirmed: Vec<u64> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            Event::CapitalDecided { confirmed: true, time, .. } => Some(*time),
            _ => None,
        })
        .collect();
    assert_eq!(confirmed, vec![minute(1, 11, 45), minute(1, 12, 45)]);
    let called: Vec<(u64, String)> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            Event::VoteCalled { time, actor, .. } => Some((*time, name_of(&run, *actor))),
            _ => None,
        })
        .collect();
    assert_eq!(called, vec![(minute(1, 12, 45), "M0".to_string())]);
    assert_eq!(run.ending, Ending::Adopted { at: minute(1, 12, 45), text: vec![1, 1] });
}

/// A trade dispute: an incident at a port with no casualties makes B reopen
/// the tariff clause.
const TRADE: &str = r#"
name = "trade dispute"
[[issues]]
name = "tariffs"
values = ["high", "low"]
[[issues]]
name = "quotas"
values = ["none", "some"]
[[parties]]
name = "A"
reservation = 0.1
[parties.issues]
tariffs = { weight = 0.6, values = [0.0, 1.0] }
quotas = { weight = 0.4, values = [0.0, 1.0] }
[[parties]]
name = "B"
reservation = 0.1
[parties.issues]
tariffs = { weight = 0.4, values = [0.2, 1.0] }
quotas = { weight = 0.6, values = [0.1, 1.0] }
[talks]
mediators = ["chair"]
agenda = ["tariffs", "quotas"]
defaults = { tariffs = "high", quotas = "none" }
step_minutes = 30
[[talks.sessions]]
day = 1
start = "09:00"
hours = 8
[[talks.sessions]]
day = 2
start = "09:00"
hours = 8
[[talks.incidents]]
day = 1
time = "10:15"
place = "the port"
text = "A shipment is seized."
issues = ["tariffs"]
effects = [{ reopen = { party = "B", issues = ["tariffs"] } }]
"#;

#[test]
fn an_incident_comes_before_the_reopenings_it_causes_in_neutral_words() {
    let t = talks(TRADE);
    let run = simulate(&t).unwrap();
    let entries = run.log.entries();
    let incident = entries.iter().find(|e| matches!(e.entry, Entry::Incident { .. })).expect("the incident is logged");
    let Entry::Incident { effects, casualties, .. } = &incident.entry else { unreachable!() };
    assert_eq!(*casualties, 0);
    assert_eq!(effects, &vec![IncidentEffect::Reopens { party: "B".into(), issues: vec!["tariffs".into()] }]);
    // The tariff clause is provisional at 10:00 (both parties want `low`), the
    // incident at 10:15 reopens it, and the reopening comes after it in the log.
    let reopened: Vec<(u64, u64)> = events(&run)
        .iter()
        .filter_map(|(seq, e)| match e {
            Event::Transition { to: ClauseState::Reopened, time, .. } => Some((*seq, *time)),
            _ => None,
        })
        .collect();
    assert!(!reopened.is_empty(), "the incident reopened the tariff clause");
    for (seq, time) in reopened {
        assert_eq!(time, minute(1, 10, 15));
        assert!(seq > incident.seq, "reopening {seq} logged before the incident {}", incident.seq);
    }
    let text = transcript(&t, &run, false);
    let line = text.lines().find(|l| l.contains("INCIDENT")).unwrap();
    assert!(line.ends_with("INCIDENT at the port: A shipment is seized. (B reopens the clauses on tariffs)"), "{line}");
    assert!(!text.contains("security") && !text.contains("casualties"), "{text}");
}

#[test]
fn an_incident_after_an_adoption_is_still_logged_and_reopens_nothing() {
    // The same dispute, the incident in the evening: the package was adopted at 10:30.
    let t = talks(&TRADE.replace("time = \"10:15\"", "time = \"20:00\""));
    let run = simulate(&t).unwrap();
    assert!(matches!(run.ending, Ending::Adopted { at, .. } if at == minute(1, 10, 30)), "{:?}", run.ending);
    let incident = run.log.entries().iter().find(|e| matches!(e.entry, Entry::Incident { .. }));
    assert_eq!(incident.map(|e| e.time), Some(minute(1, 20, 0)));
    assert!(events(&run).iter().all(|(_, e)| !matches!(e, Event::Transition { to: ClauseState::Reopened, .. })));
}

/// A delegation under a weighted quota without vetoes: two blocs (0.4 and
/// 0.3) against a quota of 0.6, both content with (a1, b1) until bloc q
/// draws a red line on a1 at 12:30.
const QUOTA: &str = r#"
name = "quota delegation"
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
[parties.delegation]
rule = "quota"
quota = 0.6
[[parties.blocs]]
name = "p"
weight = 0.4
reversion = 0.2
[parties.blocs.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
[[parties.blocs]]
name = "q"
weight = 0.3
reversion = 0.2
[parties.blocs.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
[talks]
mediators = ["chair"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0" }
step_minutes = 60
[[talks.sessions]]
day = 1
start = "09:00"
hours = 8
[[talks.instructions]]
day = 1
time = "12:30"
party = "B"
bloc = "q"
text = "Not a1."
red_lines = [{ issue = "a", value = "a1" }]
"#;

#[test]
fn a_delegation_under_a_quota_reopens_what_no_longer_reaches_it() {
    let t = talks(QUOTA);
    let run = simulate(&t).unwrap();
    // 11:00 a1 put and agreed, 12:00 B's capital confirms it (PROVISIONAL).
    // 12:30 q's red line leaves p alone (0.4 < 0.6): with a0 both blocs
    // accept (0.7), so B reopens clause a, on q's instructions.
    let reopened: Vec<(u64, u32, String)> = events(&run)
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Transition {
                clause,
                from: ClauseState::Provisional,
                to: ClauseState::Reopened,
                time,
                reason,
                ..
            } => Some((*time, clause.0, format!("{reason:?}"))),
            _ => None,
        })
        .collect();
    assert_eq!(reopened.len(), 1, "{reopened:?}");
    let (time, clause, reason) = &reopened[0];
    assert_eq!((*time, *clause), (minute(1, 12, 30), 0));
    assert!(reason.contains("UnderReview") && reason.contains("\"q\""), "{reason}");
}

#[test]
fn after_an_adoption_the_assessment_reports_the_adopted_text() {
    // The mediators put tariffs=high and quotas=some; both parties agree and vote yes.
    let t = talks(TRADE.split("[[talks.incidents]]").next().unwrap());
    let propose = |c: u32| vec![Answer::act(Action::Propose { clause: ClauseId(c), options: vec![0, 1] })];
    let turn = |t: usize| Prompt::MediatorTurn { turn: t };
    let chair = ScriptedParticipant::new(vec![
        (turn(0), propose(0)),
        (turn(1), propose(1)),
        (turn(2), vec![Answer::put(ClauseId(0), 0)]),
        (turn(3), vec![Answer::put(ClauseId(1), 1)]),
        (Prompt::VoteDue, vec![Answer::act(Action::CallVote)]),
    ]);
    let party = || {
        let agree = |c: u32, o: u32| {
            (
                Prompt::Proposal { clause: ClauseId(c), option: o },
                vec![Answer::act(Action::AgreeAdRef { clause: ClauseId(c), option: o })],
            )
        };
        ScriptedParticipant::new(vec![
            agree(0, 0),
            agree(1, 1),
            (Prompt::Vote, vec![Answer::act(Action::Vote { yes: true })]),
        ])
    };
    let mut seats = Seats::simulated()
        .seat(ActorRef::Mediator(0), chair)
        .seat(ActorRef::Party(0), party())
        .seat(ActorRef::Party(1), party());
    let mut round = Round::new(Arc::new(t)).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    let run = round.finish(&mut seats).unwrap();
    assert!(matches!(&run.ending, Ending::Adopted { text, .. } if text == &vec![0, 1]), "{:?}", run.ending);
    let a = run.assessment.as_ref().unwrap();
    let pair = |x: &str, y: &str| (x.to_string(), y.to_string());
    // By hand: A = 0.6·0 + 0.4·1 = 0.4; B = 0.4·0.2 + 0.6·1 = 0.68. The Nash
    // package of the zone is (low, some), worth 1 to both.
    assert_eq!(a.package, Some(vec![pair("tariffs", "high"), pair("quotas", "some")]));
    let u = a.package_utilities.clone().unwrap();
    assert!((u[0] - 0.4).abs() < 1e-9 && (u[1] - 0.68).abs() < 1e-9, "{u:?}");
    let entente_talks::assessment::Labelled { package: nash, utilities: nu } = a.nash.clone().unwrap();
    assert_eq!(nash, vec![pair("tariffs", "low"), pair("quotas", "some")]);
    assert!((nu[0] - 1.0).abs() < 1e-9 && (nu[1] - 1.0).abs() < 1e-9, "{nu:?}");
    assert!(a.text.contains("The adopted text: tariffs=high, quotas=some."), "{}", a.text);
}

/// A delegation whose bloc demands a guarantee by G, who refuses.
fn guarantee(red_line: bool) -> Talks {
    let red = if red_line { "red_lines = [{ issue = \"guarantee\", value = \"none\" }]\n" } else { "" };
    talks(&format!(
        r#"
name = "refused guarantee"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "guarantee"
values = ["none", "by_g"]
[[parties]]
name = "A"
reservation = 0.2
[parties.issues]
a = {{ weight = 0.8, values = [0.0, 1.0] }}
guarantee = {{ weight = 0.2, values = [0.5, 0.5] }}
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
a = {{ weight = 0.8, values = [0.0, 1.0] }}
guarantee = {{ weight = 0.2, values = [0.0, 1.0] }}
[talks]
mediators = ["chair"]
agenda = ["a"]
defaults = {{ a = "a0", guarantee = "none" }}
step_minutes = 30
[[talks.sessions]]
day = 1
start = "09:00"
hours = 8
[[talks.guarantors]]
name = "G"
present = true
consents = false
[[talks.instructions]]
day = 1
time = "10:00"
party = "B"
bloc = "home"
text = "Only with G's guarantee."
table = {{ issue = "guarantee", guarantor = "G" }}
{red}"#
    ))
}

#[test]
fn a_guarantors_refusal_is_named_as_the_cause() {
    for red_line in [false, true] {
        let run = simulate(&guarantee(red_line)).unwrap();
        assert!(matches!(run.ending, Ending::NotAdopted { .. }), "{:?}", run.ending);
        let a = run.assessment.as_ref().unwrap();
        assert_eq!(a.blockage, entente_talks::assessment::Blockage::GuarantorRefused, "{}", a.text);
        assert_eq!(a.refusals.len(), 1);
        assert_eq!((a.refusals[0].guarantor.as_str(), a.refusals[0].item.as_str()), ("G", "guarantee"));
        assert_eq!(a.refusals[0].at, minute(1, 10, 0));
        assert!(a.text.starts_with("G refused to guarantee \"guarantee\" on day 1, 10:00"), "{}", a.text);
        if red_line {
            // home's red line excludes every package without the guarantee G refused.
            assert_eq!(a.package, None, "{}", a.text);
            assert!(a.text.contains("Without that guarantee, no package can be ratified"), "{}", a.text);
        } else {
            // Without the guarantee, (a1, none) suits everybody (A 0.9, home 0.8 > 0.3).
            let pair = |x: &str, y: &str| (x.to_string(), y.to_string());
            assert_eq!(a.package, Some(vec![pair("a", "a1"), pair("guarantee", "none")]), "{}", a.text);
        }
    }
}

/// A delegation whose head may sign outside its win-set: its veto bloc of
/// hardliners accepts only (a1, b1), its mandate (0.7 moderates + 0.3
/// hardliners) is content with a1 alone.
const DEFECTION: &str = r#"
name = "defection"
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
b = { weight = 0.5, values = [1.0, 0.0] }
[[parties]]
name = "B"
[parties.delegation]
rule = "unanimity"
defection = true
[[parties.blocs]]
name = "moderates"
weight = 0.7
reversion = 0.1
[parties.blocs.issues]
a = { weight = 0.9, values = [0.0, 1.0] }
b = { weight = 0.1, values = [0.0, 1.0] }
[[parties.blocs]]
name = "hardliners"
weight = 0.3
veto = true
reversion = 0.8
[parties.blocs.issues]
a = { weight = 0.2, values = [0.0, 1.0] }
b = { weight = 0.8, values = [0.0, 1.0] }
[talks]
mediators = ["chair"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0" }
step_minutes = 60
[[talks.sessions]]
day = 1
start = "09:00"
hours = 8
"#;

#[test]
fn a_head_signing_outside_the_win_set_fails_ratification_at_home() {
    // The chair puts (a1, b0): by hand, worth 0.7·0.9 + 0.3·0.2 = 0.69 to
    // B's mandate (above its reservation, the weighted reversions
    // 0.7·0.1 + 0.3·0.8 = 0.31) and 1 to A; the hardliners
    // value it 0.2, under their 0.8 reversion, so it is outside B's
    // win-set. Everyone but the chair is simulated.
    let propose = |c: u32| vec![Answer::act(Action::Propose { clause: ClauseId(c), options: vec![0, 1] })];
    let turn = |t: usize| Prompt::MediatorTurn { turn: t };
    // The chair puts b0 again until B's allowance reaches it (13:00).
    let chair = |vote: bool| {
        let mut script =
            vec![(turn(0), propose(0)), (turn(1), propose(1)), (turn(2), vec![Answer::put(ClauseId(0), 1)])];
        script.extend((3..5).map(|t| (turn(t), vec![Answer::put(ClauseId(1), 0)])));
        if vote {
            script.push((Prompt::VoteDue, vec![Answer::act(Action::CallVote)]));
        }
        ScriptedParticipant::new(script)
    };
    let mut seats = Seats::simulated().seat(ActorRef::Mediator(0), chair(true));
    let run = {
        let mut round = Round::new(Arc::new(talks(DEFECTION))).unwrap();
        round.advance_to(Timestamp::MAX, &mut seats).unwrap();
        round.finish(&mut seats).unwrap()
    };
    assert!(
        matches!(&run.ending, Ending::Adopted { text, .. } if text == &vec![1, 0]),
        "{}",
        transcript(&talks(DEFECTION), &run, true)
    );
    // B's capital confirmed on its head's own authority.
    let confirmed: Vec<String> = run
        .log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event: Event::CapitalDecided { confirmed: true, reason, .. } } => {
                Some(format!("{reason:?}"))
            }
            _ => None,
        })
        .collect();
    assert!(!confirmed.is_empty() && confirmed.iter().all(|r| r.contains("OnOwnAuthority")), "{confirmed:?}");
    let ratifications: Vec<(usize, bool, Vec<String>)> = run
        .log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Ratification { party, ratified, rejected_by } => Some((*party, *ratified, rejected_by.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(ratifications, vec![(1, false, vec!["hardliners".to_string()])]);
    let a = run.assessment.as_ref().unwrap();
    assert_eq!(a.blockage, entente_talks::assessment::Blockage::InvoluntaryDefection);
    assert_eq!(a.blocking_blocs, vec![("B".to_string(), "hardliners".to_string())]);
    let t = transcript(&talks(DEFECTION), &run, false);
    assert!(t.contains("RATIFICATION FAILS in B: hardliners reject the package"), "{t}");

    // Without the licence to defect, B's capital declines (a1, b0) and
    // nothing is adopted.
    let strict = DEFECTION.replace("defection = true", "defection = false");
    let mut seats = Seats::simulated().seat(ActorRef::Mediator(0), chair(false));
    let mut round = Round::new(Arc::new(talks(&strict))).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    let run = round.finish(&mut seats).unwrap();
    assert!(!matches!(run.ending, Ending::Adopted { .. }), "{:?}", run.ending);
    assert!(run.log.entries().iter().all(|e| !matches!(e.entry, Entry::Ratification { .. })));
}
