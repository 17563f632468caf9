//! A clause's versions and the difference between two: a short round of
//! the small case played by hand through the room, its versions written
//! down from the moves made (who, when, why, state, brackets, agreed), and
//! the page's diff between two of them; the fold's last version against the
//! package machine over a whole simulated round of the reference case.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::sync::Arc;

use common::*;
use entente_protocols::package::{Action, ClauseId, ClauseState, Reason};
use entente_server::history::versions;
use entente_talks::actors::ActorRef;
use entente_talks::log::{Role, export_for};
use entente_talks::{Answer, Round, Seats};

#[tokio::test]
async fn the_versions_of_a_clause_played_by_hand_and_their_difference() {
    let f = fixture("sqlite::memory:").await;
    let (m, a, b) = (ActorRef::Mediator(0), ActorRef::Party(0), ActorRef::Party(1));
    let id = f.state.open_room("h", SMALL, &[m, a, b], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let c0 = ClauseId(0);
    {
        let mut r = room.lock().await;
        let db = &f.state.db;
        let go = |x: Result<(), entente_server::rooms::RoomError>| x.unwrap_or_else(|e| panic!("{e}"));
        go(r.act(db, m, Answer::act(Action::Propose { clause: c0, options: vec![0, 1] })).await);
        let why = Reason::Free { text: "we can live with a1".into() };
        go(r.act(db, a, Answer::act(Action::AgreeAdRef { clause: c0, option: 1 }).because(why)).await);
        go(r.act(db, b, Answer::act(Action::AgreeAdRef { clause: c0, option: 1 })).await);
        go(r.act(db, a, Answer::act(Action::Reopen { clause: c0 })).await);
    }
    let r = room.lock().await;
    let clause = r.round().package().clause(c0).unwrap_or_else(|| panic!("no clause 0"));
    let v = versions(&r.talks, &export_for(r.round().log(), Role::Observer), clause);
    type Row<'a> = (&'a str, &'a str, &'a str, ClauseState, Vec<u32>, Option<u32>);
    let got: Vec<Row> = v
        .iter()
        .map(|v| (v.who.as_str(), v.what.as_str(), v.why.as_str(), v.state, v.brackets.clone(), v.agreed))
        .collect();
    use ClauseState::*;
    // By hand: the opening; M's proposal brackets both options, then the
    // clause moves to BRACKETED; A and B agree to a1 (A says why); the last
    // agreement moves it to AD_REF (a1 agreed) and, with no capital to
    // consult (unitary parties), on to PROVISIONAL; A reopens it (a1 under review).
    let want = vec![
        ("the agenda", "on the agenda", "", Open, vec![], None),
        ("M", "brackets a0 / a1", "", Open, vec![0, 1], None),
        ("M", "moves it from OPEN to BRACKETED", "", Bracketed, vec![0, 1], None),
        ("A", "agrees ad referendum to a1", "we can live with a1", Bracketed, vec![0, 1], None),
        ("B", "agrees ad referendum to a1", "", Bracketed, vec![0, 1], None),
        ("B", "moves it from BRACKETED to AD_REF", "", AdRef, vec![0, 1], Some(1)),
        ("B", "moves it from AD_REF to PROVISIONAL", "", Provisional, vec![0, 1], Some(1)),
        ("A", "moves it from PROVISIONAL to REOPENED", "", Reopened, vec![0, 1], Some(1)),
    ];
    assert_eq!(got, want, "{v:#?}");
    assert!(v.iter().skip(1).all(|v| v.when == "day 1, 09:00"), "{v:#?}");
    drop(r);
    // The page: every version in its table, and the difference picked in the form.
    let token = f.seat(&id, ActorRef::Observer).await;
    let (status, _, page) = f.get(&format!("/rooms/{id}/clauses/0?from=1&to=7"), &token).await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert_eq!(page.matches("<tr id=\"v").count(), 8);
    assert!(page.contains("<option value=\"1\" selected>") && page.contains("<option value=\"7\" selected>"), "{page}");
    let diff = &page[page.find("id=\"diff\"").unwrap_or(0)..];
    for row in [
        "<tr class=\"changed\"><th scope=\"row\">State</th><td>OPEN</td><td>REOPENED</td>",
        "<tr><th scope=\"row\">Options in brackets</th><td>a0 / a1</td><td>a0 / a1</td><td>same</td>",
        "<tr class=\"changed\"><th scope=\"row\">Agreed option</th><td>none</td><td>a1</td>",
    ] {
        assert!(diff.contains(row), "{row} not in {diff}");
    }
    let (_, _, page) = f.get(&format!("/rooms/{id}/clauses/0?from=0&to=2"), &token).await;
    let diff = &page[page.find("id=\"diff\"").unwrap_or(0)..];
    assert!(
        diff.contains("<tr class=\"changed\"><th scope=\"row\">Entered the brackets</th><td></td><td>a0 / a1</td>"),
        "{diff}"
    );
    // A clause that does not exist, and versions past the last: named, not a crash.
    let (status, _, _) = f.get(&format!("/rooms/{id}/clauses/9"), &token).await;
    assert_eq!(status.as_u16(), 400);
    let (status, _, _) = f.get(&format!("/rooms/{id}/clauses/0?from=99&to=x"), &token).await;
    assert_eq!(status.as_u16(), 400);
}

/// Over a whole simulated round of the reference case (incidents reopen
/// clauses, capitals decline), each clause's last version read from the
/// mediators' and each delegation's view is the package machine's clause.
#[test]
fn the_last_version_is_the_machines_clause_over_a_whole_round() {
    let talks =
        entente_formats::talks_toml::parse_talks(entente_server::REFERENCE_TALKS, std::path::Path::new("r.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let mut round = Round::new(Arc::new(talks.clone())).unwrap_or_else(|e| panic!("{e}"));
    let mut seats = Seats::simulated();
    round.advance_to(u64::MAX, &mut seats).unwrap_or_else(|e| panic!("{e}"));
    let roles = [Role::Mediator, Role::Observer, Role::Party { party: 0 }, Role::Party { party: 1 }];
    let mut moved = 0;
    for role in roles {
        let view = export_for(round.log(), role);
        for c in round.package().clauses() {
            let v = versions(&talks, &view, c);
            let last = v.last().unwrap_or_else(|| panic!("no version"));
            assert_eq!((last.state, &last.brackets, last.agreed), (c.state, &c.brackets, c.agreed), "{role:?} {v:#?}");
            moved += v.len();
        }
    }
    assert!(moved > 20, "a round with few moves ({moved})");
}

/// An agent posts through `POST /api/rooms/ID/post` (bearer token): on its
/// own channels, accepted; on the mediators' channel, `403` with the reason;
/// malformed, `400`; nothing written on a refusal.
#[tokio::test]
async fn an_agent_posts_through_the_api() {
    let f = fixture("sqlite::memory:").await;
    let a = ActorRef::Party(0);
    let id = f.state.open_room("api", SMALL, &[a], false).await.unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&id, a).await;
    let post = |body: &str| {
        axum::http::Request::post(format!("/api/rooms/{id}/post"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let n = f.state.db.events(&id).await.unwrap_or_default().len();
    for (body, status, says) in [
        (r#"{"kind":"message","to":{"channel":"mediators"},"text":"may I?"}"#, 403, "only the mediators speak"),
        (r#"{"kind":"message","to":{"channel":"caucus","party":1},"text":"hello"}"#, 403, "its caucus"),
        (r#"{"kind":"message","to":{"channel":"public"},"text":""}"#, 400, "the message is empty"),
        (r#"{"kind":"document","clause":5,"to":{"channel":"public"},"title":"t","body":"b"}"#, 400, "no clause 5"),
        (r#"{"kind":"shout"}"#, 400, "does not read"),
    ] {
        let (s, _, out) = f.request(post(body)).await;
        assert_eq!(s.as_u16(), status, "{body}: {out}");
        assert!(out.contains(says), "{body}: {out}");
    }
    assert_eq!(f.state.db.events(&id).await.unwrap_or_default().len(), n, "a refused post wrote");
    let (s, _, out) =
        f.request(post(r#"{"kind":"message","to":{"channel":"confidence","party":0},"text":"between us"}"#)).await;
    assert_eq!(s.as_u16(), 200, "{out}");
    assert_eq!(f.state.db.events(&id).await.unwrap_or_default().len(), n + 2, "the input and its entry");
}

/// Every field of a person's room page and of a clause's page has its
/// label, every page one h1; the observer's page offers no form to post.
#[tokio::test]
async fn every_field_has_a_label_and_an_observer_is_offered_no_post() {
    let f = fixture("sqlite::memory:").await;
    let a = ActorRef::Party(0);
    let id = f.state.open_room("labels", SMALL, &[a], false).await.unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&id, a).await;
    for uri in [format!("/rooms/{id}"), format!("/rooms/{id}/clauses/1")] {
        let (status, _, page) = f.get(&uri, &token).await;
        assert_eq!(status.as_u16(), 200);
        assert_eq!(page.matches("<h1").count(), 1, "{uri}");
        let mut fields = 0;
        for tag in ["<select id=\"", "<textarea id=\"", "<input id=\""] {
            for (i, _) in page.match_indices(tag) {
                let field = page[i + tag.len()..].split('"').next().unwrap_or("");
                assert!(page.contains(&format!("<label for=\"{field}\"")), "{uri}: {field} has no label");
                fields += 1;
            }
        }
        assert!(fields >= 2, "{uri}: {fields} fields");
    }
    let (_, _, page) = f.get(&format!("/rooms/{id}"), &token).await;
    // A's channels: public, its caucus, its confidence with the mediators; nothing else.
    let select = page.split("<select id=\"post-to\"").nth(1).and_then(|s| s.split("</select>").next()).unwrap_or("");
    let labels: Vec<&str> = select.split("\">").skip(2).filter_map(|s| s.split("</option>").next()).collect();
    assert_eq!(labels, ["public", "A&#39;s caucus", "A and the mediators, in confidence"], "{select}");
    let observer = f.seat(&id, ActorRef::Observer).await;
    let (_, _, page) = f.get(&format!("/rooms/{id}"), &observer).await;
    assert!(!page.contains("/post\""), "an observer is offered a post form");
    assert!(page.contains("An observer reads the public record and posts nothing"));
}
