//! The participant interface and the step-driven round: a round driven by
//! scripted participants only, a scripted delegation standing in for the
//! simulated one in the reference case, a round advanced step by step and
//! resumed from its turns, refused moves, and what a participant may see.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_model::talks::Talks;
use entente_protocols::package::{Action, ClauseId, Event, Timestamp};
use entente_talks::actors::ActorRef;
use entente_talks::log::Entry;
use entente_talks::role_of;
use entente_talks::sim::{Ending, TalksError};
use entente_talks::{Answer, Participant, Prompt, Round, ScriptedParticipant, Seats, View, simulate};
use entente_talks::{SimulatedMediator, SimulatedParty};

fn istanbul() -> Talks {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    read_talks(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Two unitary parties, one mediator, two agenda items of two options, one
/// three-hour session (09:00 to 12:00) with a step every 30 minutes.
const SMALL: &str = include_str!("fixtures/two-clauses.toml");

fn small() -> Talks {
    parse_talks(SMALL, Path::new("small.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn agree(clause: u32, option: u32) -> Answer {
    Answer::act(Action::AgreeAdRef { clause: ClauseId(clause), option })
}

fn proposal(clause: u32, option: u32) -> Prompt {
    Prompt::Proposal { clause: ClauseId(clause), option }
}

fn script(turns: Vec<(Prompt, Vec<Answer>)>) -> ScriptedParticipant {
    ScriptedParticipant::new(turns)
}

/// What the package recorded, as `(minute, who, what)`.
fn course(run: &entente_talks::TalksRun) -> Vec<(Timestamp, String, String)> {
    let name = |a: entente_protocols::package::ActorId| {
        run.actor_names.iter().find(|(x, _)| *x == a).map_or("?".to_string(), |(_, n)| n.clone())
    };
    run.log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event } => Some(event),
            _ => None,
        })
        .filter_map(|e| match e {
            Event::Transition { clause, from, to, time, .. } => {
                Some((*time, String::new(), format!("clause {} {from:?} -> {to:?}", clause.0)))
            }
            Event::AdRefAgreed { clause, option, actor, time, .. } => {
                Some((*time, name(*actor), format!("agrees to option {option} of clause {}", clause.0)))
            }
            Event::VoteCalled { actor, time, .. } => Some((*time, name(*actor), "calls the vote".into())),
            Event::VoteCast { yes, actor, time, .. } => Some((*time, name(*actor), format!("votes {yes}"))),
            Event::Adopted { time, .. } => Some((*time, String::new(), "adopted".into())),
            Event::Ended { time, .. } => Some((*time, String::new(), "ended".into())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_round_driven_by_scripted_participants_only() {
    let talks = small();
    let mediator = script(vec![
        (
            Prompt::MediatorTurn { turn: 0 },
            vec![Answer::act(Action::Propose { clause: ClauseId(0), options: vec![0, 1] })],
        ),
        (
            Prompt::MediatorTurn { turn: 1 },
            vec![Answer::act(Action::Propose { clause: ClauseId(1), options: vec![0, 1] })],
        ),
        (Prompt::MediatorTurn { turn: 2 }, vec![Answer::put(ClauseId(0), 1)]),
        (Prompt::MediatorTurn { turn: 3 }, vec![Answer::put(ClauseId(1), 0)]),
        (Prompt::MediatorTurn { turn: 4 }, vec![Answer::put(ClauseId(1), 1)]),
        (Prompt::VoteDue, vec![Answer::act(Action::CallVote)]),
    ]);
    let vote = |yes| (Prompt::Vote, vec![Answer::act(Action::Vote { yes })]);
    let a = script(vec![
        (proposal(0, 1), vec![agree(0, 1)]),
        (proposal(1, 0), vec![agree(1, 0)]),
        (proposal(1, 1), vec![agree(1, 1)]),
        vote(true),
    ]);
    // B lets option 0 of clause b pass.
    let b = script(vec![
        (proposal(0, 1), vec![agree(0, 1)]),
        (proposal(1, 0), vec![]),
        (proposal(1, 1), vec![agree(1, 1)]),
        vote(true),
    ]);
    let mut seats = Seats::simulated()
        .seat(ActorRef::Mediator(0), mediator)
        .seat(ActorRef::Party(0), a)
        .seat(ActorRef::Party(1), b);
    let mut round = Round::new(Arc::new(talks)).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    // Every prompt was the one the scripts expected, in order, and each was played.
    for turn in round.turns() {
        assert!(
            matches!(turn.actor, ActorRef::Mediator(0) | ActorRef::Party(_)),
            "only the seated actors are prompted: {turn:?}"
        );
    }
    assert_eq!(round.turns().len(), 6 + 4 + 4);
    let run = round.finish(&mut seats).unwrap();
    // By hand: 09:00 a bracketed; 09:30 b bracketed; 10:00 both agree to a1,
    // which, between parties with full powers, goes AD_REF then PROVISIONAL;
    // 10:30 A alone agrees to b0; 11:00 both agree to b1, b is PROVISIONAL,
    // the vote is called at once and both vote yes: adopted with (a1, b1).
    let (m, s) = (|h: u64, mi: u64| h * 60 + mi, String::from);
    let expected: Vec<(Timestamp, String, String)> = vec![
        (m(9, 0), s(""), s("clause 0 Open -> Bracketed")),
        (m(9, 30), s(""), s("clause 1 Open -> Bracketed")),
        (m(10, 0), s("A"), s("agrees to option 1 of clause 0")),
        (m(10, 0), s("B"), s("agrees to option 1 of clause 0")),
        (m(10, 0), s(""), s("clause 0 Bracketed -> AdRef")),
        (m(10, 0), s(""), s("clause 0 AdRef -> Provisional")),
        (m(10, 30), s("A"), s("agrees to option 0 of clause 1")),
        (m(11, 0), s("A"), s("agrees to option 1 of clause 1")),
        (m(11, 0), s("B"), s("agrees to option 1 of clause 1")),
        (m(11, 0), s(""), s("clause 1 Bracketed -> AdRef")),
        (m(11, 0), s(""), s("clause 1 AdRef -> Provisional")),
        (m(11, 0), s("M"), s("calls the vote")),
        (m(11, 0), s("A"), s("votes true")),
        (m(11, 0), s("B"), s("votes true")),
        (m(11, 0), s(""), s("adopted")),
    ];
    assert_eq!(course(&run), expected);
    assert_eq!(run.ending, Ending::Adopted { at: m(11, 0), text: vec![1, 1] });
}

/// Runs the reference case to the end of its sessions with `seats`, and
/// gives its turns and the finished run.
fn run_with(talks: &Talks, mut seats: Seats) -> (Vec<entente_talks::Turn>, entente_talks::TalksRun) {
    let mut round = Round::new(Arc::new(talks.clone())).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    let turns = round.turns().to_vec();
    (turns, round.finish(&mut seats).unwrap())
}

fn script_of(turns: &[entente_talks::Turn], actor: ActorRef) -> ScriptedParticipant {
    script(turns.iter().filter(|t| t.actor == actor).map(|t| (t.prompt.clone(), t.answers.clone())).collect())
}

#[test]
fn a_scripted_delegation_in_the_reference_case_gives_the_simulators_log() {
    let talks = istanbul();
    let b = talks.scenario.parties.iter().position(|p| p.name == "state_b").unwrap();
    assert!(talks.scenario.parties[b].delegation.is_some(), "state_b is the divided delegation");
    let (turns, simulated) = run_with(&talks, Seats::simulated());
    let delegation = ActorRef::Party(b);
    let mine: Vec<_> = turns.iter().filter(|t| t.actor == delegation).collect();
    // The delegation decides at proposals, on instructions and at incidents.
    assert!(mine.iter().any(|t| matches!(t.prompt, Prompt::Proposal { .. })));
    assert!(mine.iter().any(|t| matches!(&t.prompt, Prompt::Instructed { table: Some(_), .. })));
    assert!(
        mine.iter().any(|t| t.answers.iter().any(|a| matches!(a, Answer::Act { action: Action::Reopen { .. }, .. })))
    );
    let seats = Seats::simulated().seat(delegation, script_of(&turns, delegation));
    let (replayed_turns, scripted) = run_with(&talks, seats);
    // The script met exactly the prompts it was written for (an unexpected
    // prompt would have got no answer and changed the turns).
    assert_eq!(replayed_turns, turns);
    assert_eq!(scripted, simulated);
    assert_eq!(simulate(&talks).unwrap(), simulated, "simulate() is this round");
}

#[test]
fn a_round_advanced_step_by_step_is_the_round_run_at_once() {
    let talks = istanbul();
    let at_once = simulate(&talks).unwrap();
    for stride in [1, 17, 240, 1440] {
        let mut seats = Seats::simulated();
        let mut round = Round::new(Arc::new(talks.clone())).unwrap();
        let (mut now, mut last_due) = (0, 0);
        while let Some(due) = round.next_due() {
            assert!(due >= last_due, "due times never go back: {due} after {last_due}");
            last_due = due;
            now += stride;
            round.advance_to(now, &mut seats).unwrap();
            // Nothing due at or before `now` is left.
            assert!(round.next_due().is_none_or(|d| d > now));
        }
        assert_eq!(round.finish(&mut seats).unwrap(), at_once, "stride {stride}");
    }
}

#[test]
fn a_round_resumes_from_its_turns() {
    let talks = istanbul();
    let pause = 2 * 24 * 60 + 12 * 60; // day 3, 12:00
    let mut seats = Seats::simulated();
    let mut first = Round::new(Arc::new(talks.clone())).unwrap();
    first.advance_to(pause, &mut seats).unwrap();
    // What a server stores between steps: the turns (the talks themselves are the file).
    let stored = serde_json::to_string(first.turns()).unwrap();
    let turns: Vec<entente_talks::Turn> = serde_json::from_str(&stored).unwrap();
    assert!(!turns.is_empty());
    let actors: std::collections::BTreeSet<ActorRef> = turns.iter().map(|t| t.actor).collect();
    let mut replay = Seats::simulated();
    for &a in &actors {
        replay = replay.seat(a, script_of(&turns, a));
    }
    let mut resumed = Round::new(Arc::new(talks.clone())).unwrap();
    resumed.advance_to(pause, &mut replay).unwrap();
    assert_eq!(resumed.turns(), first.turns());
    assert_eq!(resumed.log(), first.log());
    assert_eq!(resumed.phase(), first.phase());
    // Back to the simulated actors for the rest of the round.
    for &a in &actors {
        assert!(replay.take(a).is_some());
    }
    assert_eq!(resumed.finish(&mut replay).unwrap(), first.finish(&mut seats).unwrap());
}

#[test]
fn a_refused_move_stops_the_round_naming_actor_action_and_reason() {
    // A party cannot confirm (only a capital can).
    let a = script(vec![(proposal(0, 1), vec![Answer::act(Action::Confirm { clause: ClauseId(0) })])]);
    let mediator = script(vec![
        (
            Prompt::MediatorTurn { turn: 0 },
            vec![Answer::act(Action::Propose { clause: ClauseId(0), options: vec![0, 1] })],
        ),
        (Prompt::MediatorTurn { turn: 1 }, vec![Answer::put(ClauseId(0), 1)]),
    ]);
    let mut seats = Seats::simulated().seat(ActorRef::Party(0), a).seat(ActorRef::Mediator(0), mediator);
    let mut round = Round::new(Arc::new(small())).unwrap();
    let err = round.advance_to(Timestamp::MAX, &mut seats).unwrap_err();
    let TalksError::Refused { actor, action, when, .. } = &err else { panic!("{err}") };
    assert_eq!((actor.as_str(), *action, when.as_str()), ("A", "confirm", "day 1, 09:30"));
    assert!(err.to_string().starts_with("A may not confirm at day 1, 09:30: "), "{err}");

    // A party cannot put an option to the parties.
    let b = script(vec![(proposal(0, 1), vec![Answer::put(ClauseId(0), 0)])]);
    let mediator = script(vec![
        (
            Prompt::MediatorTurn { turn: 0 },
            vec![Answer::act(Action::Propose { clause: ClauseId(0), options: vec![0, 1] })],
        ),
        (Prompt::MediatorTurn { turn: 1 }, vec![Answer::put(ClauseId(0), 1)]),
    ]);
    let mut seats = Seats::simulated().seat(ActorRef::Party(1), b).seat(ActorRef::Mediator(0), mediator);
    let mut round = Round::new(Arc::new(small())).unwrap();
    let err = round.advance_to(Timestamp::MAX, &mut seats).unwrap_err();
    assert!(matches!(&err, TalksError::BadPut { actor, .. } if actor == "B"), "{err}");

    // A mediator cannot put an option outside the brackets.
    let mediator = script(vec![
        (
            Prompt::MediatorTurn { turn: 0 },
            vec![Answer::act(Action::Propose { clause: ClauseId(0), options: vec![1] })],
        ),
        (Prompt::MediatorTurn { turn: 1 }, vec![Answer::put(ClauseId(0), 0)]),
    ]);
    let mut seats = Seats::simulated().seat(ActorRef::Mediator(0), mediator);
    let mut round = Round::new(Arc::new(small())).unwrap();
    let err = round.advance_to(Timestamp::MAX, &mut seats).unwrap_err();
    assert!(matches!(&err, TalksError::BadPut { actor, clause: 0, option: 0, .. } if actor == "M"), "{err}");
    // Nothing of the refused move reached the log.
    assert!(
        round.log().entries().iter().all(|e| !matches!(&e.entry, Entry::Package { event: Event::AdRefAgreed { .. } }))
    );
}

/// Behaves as the simulated actor and checks, at every prompt, that it sees
/// only what its role may see.
struct Probe {
    prompts: usize,
}

impl Participant for Probe {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        self.prompts += 1;
        let role = role_of(view.actor);
        assert_eq!(view.role(), role);
        assert!(view.entries().all(|e| role.may_see(&e.visibility)), "{:?} saw a private entry", view.actor);
        for k in 0..view.parties() {
            let mine = matches!(view.actor, ActorRef::Party(p) if p == k);
            match view.actor {
                ActorRef::Party(_) => assert_eq!(view.position(k).is_some(), mine, "party sees {k}'s position"),
                // In the reference case every party confides its preferences to the mediators.
                ActorRef::Mediator(_) => assert!(view.position(k).is_some()),
                _ => assert!(view.position(k).is_none()),
            }
        }
        match view.actor {
            ActorRef::Mediator(_) => SimulatedMediator.respond(prompt, view),
            _ => SimulatedParty.respond(prompt, view),
        }
    }
}

#[test]
fn a_participant_sees_only_what_its_role_may_see() {
    let talks = istanbul();
    let mut seats = Seats::simulated()
        .seat(ActorRef::Party(0), Probe { prompts: 0 })
        .seat(ActorRef::Party(1), Probe { prompts: 0 })
        .seat(ActorRef::Mediator(1), Probe { prompts: 0 });
    let mut round = Round::new(Arc::new(talks.clone())).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    let prompted: std::collections::BTreeSet<ActorRef> = round.turns().iter().map(|t| t.actor).collect();
    for a in [ActorRef::Party(0), ActorRef::Party(1), ActorRef::Mediator(1)] {
        assert!(prompted.contains(&a), "{a:?} was prompted");
    }
    // Probes behaving as the simulated actors change nothing.
    assert_eq!(round.finish(&mut seats).unwrap(), simulate(&talks).unwrap());
}

#[test]
fn a_mediator_weighs_only_the_parties_that_confide_in_it() {
    // B does not confide: the simulated mediators cannot see its position,
    // and the round still runs (the mediators draft from A's side alone).
    let text = format!("{SMALL}[talks.conduct.B]\nconfided_to_mediators = false\n");
    let talks = parse_talks(&text, Path::new("small.toml")).unwrap();
    struct Check;
    impl Participant for Check {
        fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
            assert!(view.position(0).is_some() && view.position(1).is_none());
            SimulatedMediator.respond(prompt, view)
        }
    }
    let mut seats = Seats::simulated().seat(ActorRef::Mediator(0), Check);
    let mut round = Round::new(Arc::new(talks)).unwrap();
    round.advance_to(Timestamp::MAX, &mut seats).unwrap();
    assert!(round.turns().iter().any(|t| t.actor == ActorRef::Mediator(0)));
}

/// `(clause, option)` of every agreement ad referendum by `party`'s delegation.
fn agreements_of(run: &entente_talks::TalksRun, party: &str) -> Vec<(u32, u32)> {
    let id = run.actor_names.iter().find(|(_, n)| n == party).map(|(a, _)| *a);
    run.package_events()
        .filter_map(|(_, e)| match e {
            entente_protocols::package::Event::AdRefAgreed { clause, option, actor, .. } if Some(*actor) == id => {
                Some((clause.0, *option))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_entente_strategy_in_a_partys_seat_concedes_on_its_own_curve() {
    use entente_model::{StrategyOptions, StrategySpec};
    use entente_talks::StrategyParty;
    let strategy = |name: &str, exponent: Option<f64>| {
        let spec = StrategySpec::from_name(name, &StrategyOptions { exponent, ..StrategyOptions::default() })
            .unwrap_or_else(|e| panic!("{e}"));
        StrategyParty::new(spec).unwrap_or_else(|e| panic!("{e}"))
    };
    let seated = |talks: &Talks, party: usize, s: StrategyParty| {
        let mut seats = Seats::simulated().seat(ActorRef::Party(party), s);
        entente_talks::simulate_with(talks, &mut seats).unwrap_or_else(|e| panic!("{e}"))
    };
    // A time-based strategy with the party's own exponent is the simulated party: the same round, entry for entry.
    let talks = small();
    let declared = talks.conduct[0].exponent;
    let same = seated(&talks, 0, strategy("time-based", Some(declared)));
    let simulated = simulate(&talks).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_value(&same).ok(), serde_json::to_value(&simulated).ok());
    // Tough gives up nothing: A (a1 and b0 are its best options) agrees to nothing else.
    let tough = seated(&talks, 0, strategy("tough", None));
    assert!(
        agreements_of(&tough, "A").iter().all(|&(c, o)| (c, o) == (0, 1) || (c, o) == (1, 0)),
        "{:?}",
        agreements_of(&tough, "A")
    );
    // The simulated A concedes something by the end (the test is not empty), a Conceder at least as soon.
    let costly = |run: &entente_talks::TalksRun| {
        agreements_of(run, "A").into_iter().filter(|&(c, o)| (c, o) == (0, 0) || (c, o) == (1, 1)).count()
    };
    assert!(costly(&simulated) > 0, "{:?}", agreements_of(&simulated, "A"));
    assert!(costly(&seated(&talks, 0, strategy("conceder", None))) >= costly(&simulated));
    // Strategies that answer offers, not texts, cannot hold a seat.
    let tft = StrategySpec::from_name("tit-for-tat", &StrategyOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let err = StrategyParty::new(tft).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("TitForTat") && err.contains("time-based"), "{err}");
}

#[test]
fn an_item_due_while_the_final_vote_is_open_is_not_tabled_and_the_round_goes_on() {
    // state_a is a person who agrees to everything put to it but takes its time to vote: every clause is
    // provisional, the vote opens and stays open until state_b's instructions to table the guarantor
    // arrive (day 3). The package refuses an item during the vote: the simulated delegation does not table it
    // then, and the round goes on.
    let talks = Arc::new(istanbul());
    let mut round = Round::new(Arc::clone(&talks)).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated().seat(ActorRef::Party(0), entente_talks::Person);
    let tabling = talks.instructions.iter().filter(|i| i.table.is_some()).map(|i| i.at).min().unwrap_or(u64::MAX);
    let mut voting_at_tabling = false;
    while let Some(due) = round.next_due() {
        if due > tabling && round.ending().is_none() {
            voting_at_tabling |= matches!(round.package().status(), entente_protocols::package::Status::Voting { .. });
        }
        round.advance_to(due, &mut seats).unwrap_or_else(|e| panic!("the round fails at {due}: {e}"));
        let asked: Vec<Prompt> = round.awaiting(ActorRef::Party(0)).into_iter().map(|t| t.prompt.clone()).collect();
        for p in asked {
            if let Prompt::Proposal { clause, option } = p {
                let agree = Answer::act(Action::AgreeAdRef { clause, option });
                let now = round.package().time();
                round.submit(ActorRef::Party(0), agree, now, &mut seats).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    assert!(voting_at_tabling, "the vote was not open when the item fell due: the test does not reach the case");
}

#[test]
fn a_co_mediator_seated_with_a_drafting_rule_drafts_by_it() {
    use entente_model::talks::Drafting;
    use entente_talks::DraftingMediator;
    let talks = istanbul();
    // Its own rule in its seat: the simulated mediator, entry for entry.
    let own = talks.drafting_of(0).clone();
    let mut seats = Seats::simulated().seat(ActorRef::Mediator(0), DraftingMediator { rule: own });
    let same = entente_talks::simulate_with(&talks, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let simulated = simulate(&talks).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_value(&same).ok(), serde_json::to_value(&simulated).ok());
    // Another rule: the same as the scenario declaring it for that mediator.
    let mut declared = talks.clone();
    declared.drafting = vec![Drafting::Egalitarian; declared.mediators.len()];
    let by_scenario = simulate(&declared).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated();
    for m in 0..talks.mediators.len() {
        seats = seats.seat(ActorRef::Mediator(m), DraftingMediator { rule: Drafting::Egalitarian });
    }
    let by_seat = entente_talks::simulate_with(&talks, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_value(&by_seat.log).ok(), serde_json::to_value(&by_scenario.log).ok());
}
