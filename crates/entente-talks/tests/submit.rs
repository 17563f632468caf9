//! Moves from outside a prompt (`Round::submit`): a person in a seat answers
//! nothing when prompted and makes its moves later; the round they give is
//! the round in which the same moves were answers at the prompts.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_model::talks::Talks;
use entente_protocols::package::{Action, ClauseId, ClauseState, PackageError};
use entente_talks::Person;
use entente_talks::actors::ActorRef;
use entente_talks::sim::{TalksError, seat_persons};
use entente_talks::{Answer, Prompt, Round, Seats, TalksRun, Turn};

fn istanbul() -> Talks {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    read_talks(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Two unitary parties, one mediator, two clauses of two options, one
/// three-hour session with a step every 30 minutes.
const SMALL: &str = include_str!("fixtures/two-clauses.toml");

fn small() -> Talks {
    parse_talks(SMALL, Path::new("small.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The simulator's round and its turns.
fn simulated(talks: &Talks) -> (Vec<Turn>, TalksRun) {
    let mut seats = Seats::simulated();
    let mut round = Round::new(Arc::new(talks.clone())).unwrap_or_else(|e| panic!("{e}"));
    round.advance_to(u64::MAX, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let turns = round.turns().to_vec();
    (turns, round.finish(&mut seats).unwrap_or_else(|e| panic!("{e}")))
}

/// The round with `persons` in their seats, each submitting, at the minute
/// of each of its turns in `turns`, the answers it gave there: the round is
/// advanced one step at a time until the person is prompted as it was in
/// `turns`, then its moves are submitted.
fn submitted(talks: &Talks, turns: &[Turn], persons: &[ActorRef]) -> (Round, Seats) {
    let mut seats = seat_persons(Seats::simulated(), persons.iter().copied());
    let mut round = Round::new(Arc::new(talks.clone())).unwrap_or_else(|e| panic!("{e}"));
    let mut moves = 0;
    let actors = entente_talks::actors::Actors::of(talks);
    let prompted = |round: &Round| {
        round.turns().iter().filter(|t| persons.contains(&t.actor) && t.prompt != Prompt::Initiative).count()
    };
    for (n, t) in turns.iter().filter(|t| persons.contains(&t.actor)).enumerate() {
        while prompted(&round) <= n {
            assert!(round.next_due().is_some(), "the round ended before the person's turn {t:?}");
            round.step(&mut seats).unwrap_or_else(|e| panic!("{e}"));
        }
        let asked =
            round.turns().iter().filter(|t| persons.contains(&t.actor) && t.prompt != Prompt::Initiative).nth(n);
        assert_eq!(asked.map(|a| (a.time, a.actor, &a.prompt)), Some((t.time, t.actor, &t.prompt)));
        for a in &t.answers {
            // A proposal answered with the agreement that already stands is
            // no move (the round keeps the standing agreement).
            if let (Answer::Act { action: Action::AgreeAdRef { clause, option }, .. }, Some(id)) =
                (a, actors.id(t.actor))
                && round.package().clause(*clause).is_some_and(|c| {
                    c.agreements.get(&id) == Some(option)
                        || (matches!(c.state, ClauseState::AdRef | ClauseState::Provisional)
                            && c.agreed == Some(*option))
                })
            {
                continue;
            }
            round.submit(t.actor, a.clone(), t.time, &mut seats).unwrap_or_else(|e| panic!("{e}"));
            moves += 1;
        }
    }
    assert!(moves > 0, "the persons made no move: the test would prove nothing");
    (round, seats)
}

fn same_round(talks: &Talks, persons: &[ActorRef]) {
    let (turns, expected) = simulated(talks);
    let (round, mut seats) = submitted(talks, &turns, persons);
    // Each person was prompted where the simulator was, and answered nothing then.
    for p in persons {
        let prompted = round.turns().iter().filter(|t| t.actor == *p && t.prompt != Prompt::Initiative).count();
        assert!(prompted > 0, "{p:?} was never prompted");
        assert!(
            round
                .turns()
                .iter()
                .filter(|t| t.actor == *p && t.prompt != Prompt::Initiative)
                .all(|t| t.answers.is_empty())
        );
    }
    let run = round.finish(&mut seats).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.log, expected.log, "persons {persons:?}: the log differs");
    assert_eq!(run.ending, expected.ending);
    assert_eq!(run.texts, expected.texts);
}

#[test]
fn a_person_party_submitting_its_moves_gives_the_simulators_log() {
    let talks = small();
    same_round(&talks, &[ActorRef::Party(1)]);
}

#[test]
fn a_person_mediator_submitting_its_moves_gives_the_simulators_log() {
    same_round(&small(), &[ActorRef::Mediator(0)]);
    same_round(&istanbul(), &[ActorRef::Mediator(0)]);
}

#[test]
fn person_capitals_and_mediators_in_the_reference_case_give_the_simulators_log() {
    let talks = istanbul();
    let capitals: Vec<ActorRef> = (0..talks.scenario.parties.len())
        .filter(|&k| talks.scenario.parties[k].delegation.is_some())
        .map(ActorRef::Capital)
        .collect();
    assert!(!capitals.is_empty());
    same_round(&talks, &capitals);
    let mut all = capitals.clone();
    all.extend((0..talks.mediators.len()).map(ActorRef::Mediator));
    same_round(&talks, &all);
}

#[test]
fn a_refused_submission_names_the_reason_and_changes_nothing() {
    let talks = small();
    let mut seats = Seats::simulated().seat(ActorRef::Party(0), Person);
    let mut round = Round::new(Arc::new(talks)).unwrap_or_else(|e| panic!("{e}"));
    // Before the opening (09:00): clause 0 is OPEN.
    round.advance_to(9 * 60 - 1, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let log = round.log().clone();
    let turns = round.turns().len();
    // Clause 0 is OPEN at the opening: nobody may agree to an option of it yet.
    let agree = Answer::act(Action::AgreeAdRef { clause: ClauseId(0), option: 1 });
    let err = round.submit(ActorRef::Party(0), agree, 9 * 60 - 1, &mut seats).err();
    let Some(TalksError::Refused { actor, action, why, .. }) = err else { panic!("not refused: {err:?}") };
    assert_eq!(actor, "A");
    assert_eq!(action, "agree ad referendum");
    assert!(!matches!(why, PackageError::TimeWentBackwards { .. }));
    // A party may not call the vote; a party may not put an option.
    let err = round.submit(ActorRef::Party(0), Answer::act(Action::CallVote), 9 * 60 - 1, &mut seats).err();
    assert!(matches!(err, Some(TalksError::Refused { .. })), "{err:?}");
    let err = round.submit(ActorRef::Party(0), Answer::put(ClauseId(0), 1), 9 * 60 - 1, &mut seats).err();
    assert!(matches!(err, Some(TalksError::BadPut { .. })), "{err:?}");
    assert_eq!(round.log(), &log);
    assert_eq!(round.turns().len(), turns);
    assert_eq!(round.package().clause(ClauseId(0)).map(|c| c.state), Some(ClauseState::Open));
}

#[test]
fn a_person_is_awaited_where_it_was_prompted() {
    let talks = small();
    let mut seats = Seats::simulated().seat(ActorRef::Party(1), Person);
    let mut round = Round::new(Arc::new(talks)).unwrap_or_else(|e| panic!("{e}"));
    // Advance until the mediators put an option to the parties.
    while round.awaiting(ActorRef::Party(1)).is_empty() {
        let Some(due) = round.next_due() else { panic!("the person was never prompted") };
        round.advance_to(due, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    }
    let waiting = round.awaiting(ActorRef::Party(1));
    let Prompt::Proposal { clause, option } = waiting[0].prompt else { panic!("{:?}", waiting[0].prompt) };
    let now = waiting[0].time;
    round
        .submit(ActorRef::Party(1), Answer::act(Action::AgreeAdRef { clause, option }), now, &mut seats)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round.awaiting(ActorRef::Party(1)).is_empty(), "answered: no longer awaited");
    let agreed = round.package().clause(clause).map(|c| c.agreements.len());
    assert!(agreed.is_some_and(|n| n >= 1));
}

#[test]
fn a_position_is_shown_only_to_whom_its_view_would_show_it() {
    let talks = istanbul();
    let round = Round::new(Arc::new(talks.clone())).unwrap_or_else(|e| panic!("{e}"));
    let n = talks.scenario.parties.len();
    for k in 0..n {
        for j in 0..n {
            assert_eq!(round.position_for(ActorRef::Party(j), k).is_some(), j == k);
            assert_eq!(round.position_for(ActorRef::Capital(j), k).is_some(), j == k);
        }
        let confided = talks.conduct.get(k).is_none_or(|c| c.confided_to_mediators);
        assert_eq!(round.position_for(ActorRef::Mediator(0), k).is_some(), confided);
        assert!(round.position_for(ActorRef::Observer, k).is_none());
        assert!(round.position_for(ActorRef::Guarantor(0), k).is_none());
    }
}
