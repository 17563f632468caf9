//! What people type (`Round::post`): messages on every channel and
//! documents attached to clauses. Who may post where is the table below,
//! written from the channels' definition (not from the code); a refused post
//! writes nothing; texts are bounded; each role's export holds exactly the
//! posts of the channels it may read.

// Test code: reads its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;
use std::sync::Arc;

use entente_formats::talks_toml::read_talks;
use entente_protocols::package::ClauseId;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Channel, Entry, Role, Visibility, export_for};
use entente_talks::sim::{MAX_DOCUMENT_CHARS, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, Post, PostError, TalksError};
use entente_talks::{Round, Seats};

fn round() -> (Round, Seats) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    let talks = read_talks(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated();
    let mut round = Round::new(Arc::new(talks.clone())).unwrap_or_else(|e| panic!("{e}"));
    round.advance_to(talks.start(), &mut seats).unwrap_or_else(|e| panic!("{e}"));
    (round, seats)
}

fn message(to: Channel, text: &str) -> Post {
    Post::Message { to, text: text.to_string() }
}

/// The reference case: parties state_a (0, unitary) and state_b (1, with a
/// capital), two mediators, a guarantor.
#[test]
fn who_may_post_on_which_channel() {
    use ActorRef::*;
    let channels = [
        Channel::Public,
        Channel::Caucus { party: 0 },
        Channel::Caucus { party: 1 },
        Channel::Capital { party: 1 },
        Channel::Confidence { party: 0 },
        Channel::Confidence { party: 1 },
        Channel::Mediators,
    ];
    // Rows: the seats; columns: the channels above (1: may post).
    let table: [(ActorRef, [u8; 7]); 7] = [
        (Party(0), [1, 1, 0, 0, 1, 0, 0]),
        (Party(1), [1, 0, 1, 0, 0, 1, 0]),
        (Capital(1), [1, 0, 0, 1, 0, 0, 0]),
        (Mediator(0), [1, 0, 0, 0, 1, 1, 1]),
        (Mediator(1), [1, 0, 0, 0, 1, 1, 1]),
        (Guarantor(0), [1, 0, 0, 0, 0, 0, 0]),
        (Observer, [0, 0, 0, 0, 0, 0, 0]),
    ];
    let (mut round, mut seats) = round();
    let at = round.log().entries().last().map_or(0, |e| e.time);
    for (actor, row) in table {
        for (to, may) in channels.iter().zip(row) {
            let before = round.log().entries().len();
            let result = round.post(actor, message(*to, &format!("{actor:?} on {to:?}")), at, &mut seats);
            if may == 1 {
                let seq = result.unwrap_or_else(|e| panic!("{actor:?} on {to:?}: {e}"));
                let e = &round.log().entries()[seq as usize];
                assert_eq!(e.visibility, to.visibility());
                assert!(matches!(&e.entry, Entry::Message { actor: a, to: t, .. } if *a == actor && t == to));
            } else {
                assert!(
                    matches!(result, Err(TalksError::Post { error: PostError::Channel(_), .. })),
                    "{actor:?} on {to:?}: {result:?}"
                );
                assert_eq!(round.log().entries().len(), before, "a refused post wrote");
            }
        }
    }
    // Each role's export: exactly the posts of the channels it reads.
    let expected = |role: Role, to: &Channel| match (role, to) {
        (_, Channel::Public) => true,
        (Role::Party { party }, Channel::Caucus { party: p } | Channel::Capital { party: p }) => party == *p,
        (Role::Party { party }, Channel::Confidence { party: p }) => party == *p,
        (Role::Mediator, Channel::Confidence { .. } | Channel::Mediators) => true,
        _ => false,
    };
    for role in [Role::Party { party: 0 }, Role::Party { party: 1 }, Role::Mediator, Role::Observer] {
        let export = export_for(round.log(), role);
        let posts: Vec<&Channel> = export
            .iter()
            .filter_map(|e| match &e.entry {
                Entry::Message { to, .. } => Some(to),
                _ => None,
            })
            .collect();
        let all = round.log().entries().iter().filter_map(|e| match &e.entry {
            Entry::Message { to, .. } => Some(to),
            _ => None,
        });
        let want: Vec<&Channel> = all.filter(|to| expected(role, to)).collect();
        assert_eq!(posts, want, "{role:?}");
    }
}

#[test]
fn texts_are_bounded_and_documents_name_a_clause() {
    let (mut round, mut seats) = round();
    let at = round.log().entries().last().map_or(0, |e| e.time);
    let a = ActorRef::Party(0);
    let n = round.log().entries().len();
    let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
    for (post, want) in [
        (message(Channel::Public, "   "), PostError::Empty { field: "message" }),
        (
            message(Channel::Public, &long),
            PostError::TooLong { field: "message", got: MAX_MESSAGE_CHARS + 1, max: MAX_MESSAGE_CHARS },
        ),
        (
            Post::Document { clause: ClauseId(99), to: Channel::Public, title: "t".into(), body: "b".into() },
            PostError::NoSuchClause(99),
        ),
        (
            Post::Document { clause: ClauseId(0), to: Channel::Public, title: "".into(), body: "b".into() },
            PostError::Empty { field: "document's title" },
        ),
        (
            Post::Document {
                clause: ClauseId(0),
                to: Channel::Public,
                title: "t".repeat(MAX_TITLE_CHARS + 1),
                body: "b".into(),
            },
            PostError::TooLong { field: "document's title", got: MAX_TITLE_CHARS + 1, max: MAX_TITLE_CHARS },
        ),
        (
            Post::Document {
                clause: ClauseId(0),
                to: Channel::Public,
                title: "t".into(),
                body: "é".repeat(MAX_DOCUMENT_CHARS + 1),
            },
            PostError::TooLong { field: "document's text", got: MAX_DOCUMENT_CHARS + 1, max: MAX_DOCUMENT_CHARS },
        ),
        (
            message(Channel::Caucus { party: 7 }, "x"),
            PostError::Channel(entente_talks::log::ChannelRefused::NotItsCaucus),
        ),
    ] {
        match round.post(a, post.clone(), at, &mut seats) {
            Err(TalksError::Post { error, .. }) => assert_eq!(error, want, "{post:?}"),
            other => panic!("{post:?}: {other:?}"),
        }
        assert_eq!(round.log().entries().len(), n);
    }
    // At the bounds, accepted (counted in characters, not bytes), trimmed.
    let seq = round
        .post(a, message(Channel::Public, &format!("  {}  ", "é".repeat(MAX_MESSAGE_CHARS))), at, &mut seats)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(&round.log().entries()[seq as usize].entry, Entry::Message { text, .. } if text.chars().count() == MAX_MESSAGE_CHARS)
    );
    let dossier = Post::Document {
        clause: ClauseId(1),
        to: Channel::Confidence { party: 0 },
        title: "Evidence".into(),
        body: "b".repeat(MAX_DOCUMENT_CHARS),
    };
    let seq = round.post(a, dossier, at, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let e = &round.log().entries()[seq as usize];
    assert_eq!(e.visibility, Visibility::Confided { party: 0 });
    assert!(matches!(&e.entry, Entry::Document { clause: 1, title, .. } if title == "Evidence"));
    assert!(export_for(round.log(), Role::Party { party: 1 }).iter().all(|x| x.seq != seq));
    assert!(export_for(round.log(), Role::Observer).iter().all(|x| x.seq != seq));
    assert!(export_for(round.log(), Role::Mediator).iter().any(|x| x.seq == seq));
}

/// A post at a later minute first brings the round to it (what is due
/// before happens first), so the log stays in time order; the same posts
/// at the same minutes give the same log.
#[test]
fn a_post_keeps_the_log_in_time_order_and_replays() {
    let run = || {
        let (mut round, mut seats) = round();
        let at = round.log().entries().last().map_or(0, |e| e.time) + 200;
        round
            .post(ActorRef::Mediator(0), message(Channel::Mediators, "later"), at, &mut seats)
            .unwrap_or_else(|e| panic!("{e}"));
        round.advance_to(at + 100, &mut seats).unwrap_or_else(|e| panic!("{e}"));
        round.log().clone()
    };
    let log = run();
    assert!(log.entries().windows(2).all(|w| w[0].time <= w[1].time));
    let note =
        log.entries().iter().find(|e| matches!(e.entry, Entry::Message { .. })).unwrap_or_else(|| panic!("no note"));
    assert!(log.entries().iter().any(|e| e.seq < note.seq && e.time > note.time - 200), "nothing happened before");
    assert_eq!(run(), log);
}
