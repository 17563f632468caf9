//! The server: the record (migrations, append-only, hash chain, replay
//! after a restart), invitations and sign-in, refusals that write nothing,
//! the event stream (ids, reconnection, live delivery).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::time::Duration;

use common::*;
use entente_protocols::package::{Action, ClauseId, ClauseState, Event};
use entente_server::auth::Grant;
use entente_server::chain::{self, BrokenLink};
use entente_server::db::Db;
use entente_server::rooms::{Room, RoomError};
use entente_talks::actors::{ActorRef, Actors};
use entente_talks::log::{Entry, LogEntry, Role, export_for};
use entente_talks::sim::TalksError;
use entente_talks::{Answer, Prompt};

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("entente-server-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("entente.db");
    let url = format!("sqlite:{}", file.display());
    (dir, url)
}

async fn count(db: &Db, room: &str) -> usize {
    db.events(room).await.unwrap_or_else(|e| panic!("{e}")).len()
}

#[tokio::test]
async fn migrations_apply_once_and_the_events_refuse_update_and_delete() {
    let (dir, url) = temp_db("append-only");
    let f = fixture(&url).await;
    let id = f.state.open_room("r", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let n = count(&f.state.db, &id).await;
    assert!(n >= 2, "creation and opening stored");
    // A second connection to the same file: nothing to migrate again.
    let again = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.applied().await.unwrap_or_default(), vec![1]);
    for sql in ["UPDATE events SET body = '{}' WHERE seq = 0", "DELETE FROM events WHERE seq = 1", "DELETE FROM events"]
    {
        let err = again.execute_unchecked(sql).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("append-only"), "{sql}: {err:?}");
    }
    assert_eq!(count(&again, &id).await, n);
    // Inserting is what the record allows.
    assert!(chain::verify(&again.all_events().await.unwrap_or_default()).is_ok());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_room_replays_from_its_record_after_a_restart() {
    let (dir, url) = temp_db("restart");
    let (id, log, turns, text) = {
        let f = fixture(&url).await;
        let id = f.state.open_room("r", SMALL, &[ActorRef::Party(1)], false).await.unwrap_or_else(|e| panic!("{e}"));
        let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
        let mut r = room.lock().await;
        // Until B is asked; B agrees; on to the end.
        r.until_turn(&f.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
        let asked = r.awaiting(ActorRef::Party(1));
        let Some(Prompt::Proposal { clause, option }) = asked.first().map(|t| t.prompt.clone()) else {
            panic!("B is not asked: {asked:?}")
        };
        r.act(&f.state.db, ActorRef::Party(1), Answer::act(Action::AgreeAdRef { clause, option }))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        r.until_turn(&f.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
        (id, r.round().log().clone(), r.round().turns().to_vec(), r.round().text().to_vec())
    };
    // A new server on the same file.
    let f = fixture(&url).await;
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("room not found after restart"));
    let r = room.lock().await;
    assert_eq!(r.round().log(), &log);
    assert_eq!(r.round().turns(), &turns[..]);
    assert_eq!(r.round().text(), &text[..]);
    assert!(r.round().turns().iter().any(|t| t.actor == ActorRef::Party(1) && t.prompt == Prompt::Initiative));
    let events = f.state.db.events(&id).await.unwrap_or_default();
    assert_eq!(chain::verify(&events), Ok(events.len()));
    // Every log entry is stored once, in order, after the input that produced it.
    let stored: Vec<LogEntry> =
        events.iter().filter(|e| e.kind == "entry").filter_map(|e| serde_json::from_str(&e.body).ok()).collect();
    assert_eq!(stored, log.entries());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_tampered_record_does_not_replay_and_names_the_first_broken_link() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    {
        let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
        room.lock().await.until_turn(&f.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let events = f.state.db.events(&id).await.unwrap_or_default();
    assert!(Room::replay(&events).is_ok());
    // An export with one entry altered (a score changed).
    let k = events.iter().position(|e| e.body.contains("text_scored")).unwrap_or_else(|| panic!("no score"));
    let mut altered = events.clone();
    altered[k].body = altered[k].body.replace("\"utility\":0.5", "\"utility\":0.9");
    assert_ne!(altered[k].body, events[k].body);
    assert_eq!(chain::verify(&altered), Err(BrokenLink::Altered { room: id.clone(), seq: k as i64 }));
    assert!(matches!(Room::replay(&altered), Err(RoomError::Chain(_))));
    // Altered and re-hashed to hide it: the next link breaks, and were the
    // whole chain recomputed, the replay still finds the entry is not the
    // round's.
    let mut rechained = altered.clone();
    let mut prev = if k == 0 { chain::GENESIS.to_string() } else { rechained[k - 1].hash.clone() };
    for e in rechained.iter_mut().skip(k) {
        e.prev_hash = prev.clone();
        e.hash = chain::hash(&e.prev_hash, &e.room, e.seq, &e.kind, &e.body);
        prev = e.hash.clone();
    }
    assert!(chain::verify(&rechained).is_ok());
    let err = Room::replay(&rechained).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains(&format!("event {k} is not the entry the round produces")), "{err}");
}

#[tokio::test]
async fn a_refused_move_is_explained_and_writes_nothing() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[ActorRef::Party(0)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let mut r = room.lock().await;
    let n = count(&f.state.db, &id).await;
    let log = r.round().log().clone();
    // At the opening the mediator bracketed clause 0; clause 1 is OPEN: no agreement to it yet.
    assert_eq!(r.round().package().clause(ClauseId(1)).map(|c| c.state), Some(ClauseState::Open));
    let agree = Answer::act(Action::AgreeAdRef { clause: ClauseId(1), option: 1 });
    let err = r.act(&f.state.db, ActorRef::Party(0), agree.clone()).await.err();
    assert!(matches!(err, Some(RoomError::Talks(TalksError::Refused { .. }))), "{err:?}");
    assert!(err.map(|e| e.to_string()).unwrap_or_default().contains("needs BRACKETED"));
    // Party B's seat is its agent's: a person may not move for it.
    let err = r.act(&f.state.db, ActorRef::Party(1), agree).await.err();
    assert!(matches!(err, Some(RoomError::NotAPerson(_))), "{err:?}");
    // A party may not call the vote.
    let err = r.act(&f.state.db, ActorRef::Party(0), Answer::act(Action::CallVote)).await.err();
    assert!(matches!(err, Some(RoomError::Talks(TalksError::Refused { .. }))), "{err:?}");
    assert_eq!(count(&f.state.db, &id).await, n);
    assert_eq!(r.round().log(), &log);
}

#[tokio::test]
async fn invitations_sign_in_and_are_refused_when_forged_revoked_expired_or_for_another_room() {
    let f = fixture("sqlite::memory:").await;
    let a = f.state.open_room("a", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let b = f.state.open_room("b", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&a, ActorRef::Party(0)).await;
    // Only the hash is stored.
    let stored = f.state.db.invitations(Some(&a)).await.unwrap_or_default();
    assert_eq!(stored.len(), 1);
    assert!(f.state.db.invitation_by_hash(&token).await.ok().flatten().is_none());
    // The link sets the cookie and leads to the room.
    let (status, headers, _) = f
        .request(
            axum::http::Request::get(format!("/join/{token}"))
                .body(axum::body::Body::empty())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await;
    assert_eq!(status.as_u16(), 303);
    assert_eq!(headers.get("location").and_then(|v| v.to_str().ok()), Some(format!("/rooms/{a}").as_str()));
    let cookie = headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.starts_with(&format!("entente={token};")) && cookie.contains("HttpOnly"), "{cookie}");
    let (status, _, page) = f.get(&format!("/rooms/{a}"), &token).await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("delegation of A"));
    // Another room: refused.
    let (status, _, page) = f.get(&format!("/rooms/{b}"), &token).await;
    assert_eq!(status.as_u16(), 403);
    assert!(page.contains("another room"));
    // Forged: one digit changed; not hex; empty.
    let mut forged = token.clone().into_bytes();
    forged[0] = if forged[0] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap_or_default();
    for t in [forged.as_str(), "not-a-token", "' OR 1=1 --"] {
        let (status, _, page) = f.get(&format!("/rooms/{a}"), t).await;
        assert_eq!(status.as_u16(), 403, "{t}");
        assert!(page.contains("not valid"), "{t}: {page}");
    }
    let (status, _, _) = f
        .request(
            axum::http::Request::get(format!("/rooms/{a}"))
                .body(axum::body::Body::empty())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await;
    assert_eq!(status.as_u16(), 401);
    // Expired: a day and a minute later.
    f.clock.set(T0 + 24 * HOUR + 60_000);
    let (status, _, page) = f.get(&format!("/rooms/{a}"), &token).await;
    assert_eq!((status.as_u16(), page.contains("expired")), (403, true));
    f.clock.set(T0);
    // Revoked by the convener.
    let convener = f.token(None, Grant::Convener).await;
    let page = f.get(&format!("/rooms/{a}"), &convener).await.2;
    let csrf = csrf_in(&page);
    let form = format!("csrf={csrf}&id={}", stored[0].id);
    let (status, _, _) = f.post_form(&format!("/rooms/{a}/revoke"), &convener, &form, None).await;
    assert_eq!(status.as_u16(), 303);
    let (status, _, page) = f.get(&format!("/rooms/{a}"), &token).await;
    assert_eq!((status.as_u16(), page.contains("revoked")), (403, true));
}

fn csrf_in(page: &str) -> String {
    let i = page.find("name=\"csrf\" value=\"").map(|i| i + 19).unwrap_or_else(|| panic!("no csrf field"));
    page[i..i + 64].to_string()
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_another_site_and_oversized_or_malformed_requests_write_nothing() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[ActorRef::Mediator(0)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&id, ActorRef::Mediator(0)).await;
    let n = count(&f.state.db, &id).await;
    let page = f.get(&format!("/rooms/{id}"), &token).await.2;
    let csrf = csrf_in(&page);
    let bracket = serde_json::to_string(&Answer::act(Action::Propose { clause: ClauseId(0), options: vec![0, 1] }))
        .unwrap_or_default();
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let uri = format!("/rooms/{id}/act");
    // No token, a wrong token, another site.
    for (form, origin) in [
        (format!("answer={}", enc(&bracket)), None),
        (format!("csrf={}&answer={}", "0".repeat(64), enc(&bracket)), None),
        (format!("csrf={csrf}&answer={}", enc(&bracket)), Some("http://evil.example")),
    ] {
        let (status, _, page) = f.post_form(&uri, &token, &form, origin).await;
        assert_eq!(status.as_u16(), 403, "{form} {origin:?}");
        assert!(page.contains("CSRF"));
    }
    // Malformed move; oversized body.
    let (status, _, page) = f.post_form(&uri, &token, &format!("csrf={csrf}&answer=%7Bnope"), None).await;
    assert_eq!((status.as_u16(), page.contains("does not read")), (400, true), "{page}");
    let big = format!("csrf={csrf}&answer={}&reason={}", enc(&bracket), "x".repeat(entente_server::MAX_BODY_BYTES));
    let (status, _, _) = f.post_form(&uri, &token, &big, None).await;
    assert_eq!(status.as_u16(), 413);
    assert_eq!(count(&f.state.db, &id).await, n, "nothing written");
    // The same form, right: the clause is bracketed, with the person's reason.
    let form = format!("csrf={csrf}&answer={}&reason=to+start", enc(&bracket));
    let (status, _, page) = f.post_form(&uri, &token, &form, Some("http://localhost")).await;
    assert_eq!(status.as_u16(), 303, "{page}");
    assert!(count(&f.state.db, &id).await > n);
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    assert_eq!(room.lock().await.round().package().clause(ClauseId(0)).map(|c| c.state), Some(ClauseState::Bracketed));
    // A delegation's seat may not advance the clock or invite.
    let party = f.seat(&id, ActorRef::Party(0)).await;
    let pcsrf = entente_server::auth::csrf_of(&party);
    let (status, _, _) =
        f.post_form(&format!("/rooms/{id}/advance"), &party, &format!("csrf={pcsrf}&mode=next"), None).await;
    assert_eq!(status.as_u16(), 403);
}

#[tokio::test]
async fn the_event_stream_sends_each_role_its_entries_with_the_logs_ids_replays_what_was_missed_and_goes_on_live() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[ActorRef::Party(1)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    room.lock().await.until_turn(&f.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
    let log = room.lock().await.round().log().clone();
    let uri = format!("/rooms/{id}/events?format=json");
    for (actor, role) in [
        (ActorRef::Party(0), Role::Party { party: 0 }),
        (ActorRef::Party(1), Role::Party { party: 1 }),
        (ActorRef::Mediator(0), Role::Mediator),
        (ActorRef::Observer, Role::Observer),
    ] {
        let token = f.seat(&id, actor).await;
        let expected = export_for(&log, role);
        let frames = f.sse(&uri, &token, None, expected.len(), Duration::from_millis(100)).await;
        let ids: Vec<u64> = frames.iter().map(|x| x.0).collect();
        assert_eq!(ids, expected.iter().map(|e| e.seq).collect::<Vec<_>>(), "{role:?}");
        let sent: Vec<LogEntry> = frames.iter().filter_map(|x| serde_json::from_str(&x.1).ok()).collect();
        assert_eq!(sent, expected, "{role:?}");
        // Reconnecting after the third: the rest, once each.
        let after = expected[2].seq;
        let rest = f.sse(&uri, &token, Some(after), expected.len() - 3, Duration::from_millis(100)).await;
        assert_eq!(rest.iter().map(|x| x.0).collect::<Vec<_>>(), ids[3..].to_vec(), "{role:?}");
    }
    // Live: a stream open while the person moves receives the move.
    let token = f.seat(&id, ActorRef::Mediator(0)).await;
    let last = log.entries().last().map(|e| e.seq).unwrap_or(0);
    let req = axum::http::Request::get(&uri)
        .header("authorization", format!("Bearer {token}"))
        .header("last-event-id", last.to_string())
        .body(axum::body::Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let resp = tower::ServiceExt::oneshot(f.app.clone(), req).await.unwrap_or_else(|e| match e {});
    let reader = tokio::spawn(common::read_sse(resp.into_body(), 1, Duration::from_millis(300)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    {
        let mut r = room.lock().await;
        let asked = r.awaiting(ActorRef::Party(1));
        let Some(Prompt::Proposal { clause, option }) = asked.first().map(|t| t.prompt.clone()) else {
            panic!("B is not asked: {asked:?}")
        };
        r.act(&f.state.db, ActorRef::Party(1), Answer::act(Action::AgreeAdRef { clause, option }))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let live = reader.await.unwrap_or_default();
    let now = room.lock().await.round().log().clone();
    let expected: Vec<u64> = export_for(&now, Role::Mediator).iter().map(|e| e.seq).filter(|&s| s > last).collect();
    assert!(!expected.is_empty());
    assert_eq!(live.iter().map(|x| x.0).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn the_chair_gives_a_seat_to_a_person_and_back_to_its_agent() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let csrf = entente_server::auth::csrf_of(&convener);
    let seat = |to: &str| format!("csrf={csrf}&seat=%7B%22actor%22%3A%22party%22%2C%22index%22%3A1%7D&to={to}");
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &seat("person"), None).await;
    assert_eq!(status.as_u16(), 303);
    assert!(room.lock().await.persons().contains(&ActorRef::Party(1)));
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &seat("agent"), None).await;
    assert_eq!(status.as_u16(), 303);
    assert!(room.lock().await.persons().is_empty());
    // A seat the talks do not have; a delegation may not change seats.
    let bad = format!("csrf={csrf}&seat=%7B%22actor%22%3A%22party%22%2C%22index%22%3A9%7D&to=person");
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &bad, None).await;
    assert_eq!(status.as_u16(), 403);
    let party = f.seat(&id, ActorRef::Party(0)).await;
    let form = format!(
        "csrf={}&seat=%7B%22actor%22%3A%22party%22%2C%22index%22%3A1%7D&to=person",
        entente_server::auth::csrf_of(&party)
    );
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/seat"), &party, &form, None).await;
    assert_eq!(status.as_u16(), 403);
    // The record replays with the seat changes.
    let events = f.state.db.events(&id).await.unwrap_or_default();
    assert_eq!(events.iter().filter(|e| e.kind == "seat").count(), 2);
    assert!(Room::replay(&events).is_ok_and(|r| r.persons().is_empty()));
}

#[tokio::test]
async fn the_analysis_of_the_small_case_by_hand() {
    // SMALL at the opening: the text is a0, b0 (A: 0.5·0 + 0.5·1 = 0.5; B: 0.5·1 + 0.5·0 = 0.5).
    // The other texts: a1,b0 (1, 0), a0,b1 (0, 1), a1,b1 (0.5, 0.5): none is at least as good for both
    // and better for one, so no package improves on the text.
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let mediator = f.seat(&id, ActorRef::Mediator(0)).await;
    let page = f.get(&format!("/rooms/{id}"), &mediator).await.2;
    assert!(page.contains("A: the text scores 0.500; beats its reservation value"), "{page}");
    assert!(page.contains("B: the text scores 0.500; beats its reservation value"));
    assert!(page.contains("No package improves on the text"));
    let a = f.seat(&id, ActorRef::Party(0)).await;
    let page = f.get(&format!("/rooms/{id}"), &a).await.2;
    assert!(page.contains("A: the text scores 0.500"));
    assert!(!page.contains("B: the text scores"));
    assert!(!page.contains("No package improves"));
}

#[tokio::test]
async fn a_join_link_leads_the_convener_to_a_room_and_nobody_elsewhere() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let seat = f.seat(&id, ActorRef::Party(0)).await;
    let f = &f;
    let location = |uri: String| {
        let req = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap_or_else(|e| panic!("{e}"));
        async move { f.request(req).await.1.get("location").and_then(|v| v.to_str().ok()).map(str::to_string) }
    };
    assert_eq!(location(format!("/join/{convener}?room={id}")).await, Some(format!("/rooms/{id}")));
    assert_eq!(location(format!("/join/{convener}?room=//evil.example")).await, Some("/".to_string()));
    assert_eq!(location(format!("/join/{convener}")).await, Some("/".to_string()));
    // A seat's link always leads to its own room.
    assert_eq!(location(format!("/join/{seat}?room=abc")).await, Some(format!("/rooms/{id}")));
}

#[tokio::test]
async fn the_rooms_figure_shows_each_role_what_it_may_see_and_follows_the_round() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("fig", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let a = f.seat(&id, ActorRef::Party(0)).await;
    let observer = f.seat(&id, ActorRef::Observer).await;
    let (status, _, before) = f.get(&format!("/rooms/{id}/figure.svg"), &a).await;
    assert_eq!(status.as_u16(), 200, "{before}");
    assert!(before.starts_with("<svg") && before.contains("under way"), "{before}");
    // With every seat an agent's, the round runs to its end.
    room.lock().await.until_turn(&f.state.db, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
    let (_, _, svg) = f.get(&format!("/rooms/{id}/figure.svg"), &a).await;
    assert!(svg.contains("A: utility of the text"), "A sees its own utility");
    assert!(!svg.contains("B: utility of the text"), "A is shown B's utility");
    assert!(svg.contains("As A sees it"));
    assert!(!svg.contains("under way"), "the round has ended: {svg}");
    let (_, _, public) = f.get(&format!("/rooms/{id}/figure.svg"), &observer).await;
    assert!(!public.contains("utility of the text"), "an observer is shown a utility");
    // Nobody signed in: no figure.
    let (status, _, _) = f.get(&format!("/rooms/{id}/figure.svg"), "forged").await;
    assert_ne!(status.as_u16(), 200);
    // The page embeds it.
    let (_, _, page) = f.get(&format!("/rooms/{id}"), &a).await;
    assert!(page.contains(&format!("/rooms/{id}/figure.svg")));
}

#[tokio::test]
async fn the_measures_so_far_are_the_mediators_only() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("m", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    room.lock().await.until_turn(&f.state.db, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
    let mediator = f.seat(&id, ActorRef::Mediator(0)).await;
    let (status, _, body) = f.get(&format!("/rooms/{id}/measures"), &mediator).await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert!(body.contains("closure (live clauses provisional)"), "{body}");
    // The round is over: the mediators' assessment is there, as the simulator gives it.
    let talks =
        entente_formats::talks_toml::parse_talks(SMALL, std::path::Path::new("s")).unwrap_or_else(|e| panic!("{e}"));
    let run = entente_talks::simulate(&talks).unwrap_or_else(|e| panic!("{e}"));
    let text = run.assessment.map(|a| a.text).unwrap_or_default();
    assert!(!text.is_empty() && body.contains(&askama_escape(&text)), "{text}\n{body}");
    let (_, _, page) = f.get(&format!("/rooms/{id}"), &mediator).await;
    assert!(page.contains(&format!("/rooms/{id}/measures")));
    for actor in [ActorRef::Party(0), ActorRef::Party(1), ActorRef::Observer] {
        let token = f.seat(&id, actor).await;
        let (status, _, body) = f.get(&format!("/rooms/{id}/measures"), &token).await;
        assert_eq!(status.as_u16(), 403, "{actor:?}: {body}");
        assert!(!body.contains("closure"), "{actor:?}: {body}");
        let (_, _, page) = f.get(&format!("/rooms/{id}"), &token).await;
        assert!(!page.contains("/measures"), "{actor:?}");
    }
}

#[tokio::test]
async fn the_chair_seats_an_entente_strategy_at_a_delegations_place_and_the_record_replays_it() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("s", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let csrf = entente_server::auth::csrf_of(&convener);
    let party0 = "%7B%22actor%22%3A%22party%22%2C%22index%22%3A0%7D";
    let form = |seat: &str, strategy: &str| format!("csrf={csrf}&seat={seat}&to=strategy&strategy={strategy}");
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let before = count(&f.state.db, &id).await;
    // Refused, nothing written: a strategy that answers offers, an unknown one, a mediator's seat, no name.
    let mediator = "%7B%22actor%22%3A%22mediator%22%2C%22index%22%3A0%7D";
    for (seat, strategy, says) in [
        (party0, "tit-for-tat", "cannot hold a seat"),
        (party0, "bulware", "unknown strategy"),
        (mediator, "boulware", "expected margin, nash"),
        (party0, "", "needs the strategy"),
    ] {
        let (status, _, body) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &form(seat, strategy), None).await;
        assert_eq!(status.as_u16(), 400, "{strategy}: {body}");
        assert!(body.contains(says), "{strategy}: {body}");
    }
    assert_eq!(count(&f.state.db, &id).await, before);
    // Tough at A's place: the page says so; A agrees to nothing that costs it (a1 and b0 are its best).
    let (status, _, _) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &form(party0, "tough"), None).await;
    assert_eq!(status.as_u16(), 303);
    let (_, _, page) = f.get(&format!("/rooms/{id}"), &convener).await;
    assert!(page.contains("the strategy tough"), "{page}");
    let log = {
        let mut r = room.lock().await;
        r.until_turn(&f.state.db, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(r.is_over());
        r.round().log().clone()
    };
    let a = Actors::of(&room.lock().await.talks).id(ActorRef::Party(0));
    let agreed: Vec<(u32, u32)> = log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event: Event::AdRefAgreed { clause, option, actor, .. } } if Some(*actor) == a => {
                Some((clause.0, *option))
            }
            _ => None,
        })
        .collect();
    assert!(agreed.iter().all(|&x| x == (0, 1) || x == (1, 0)), "{agreed:?}");
    // The record replays with the strategy in its seat.
    let events = f.state.db.events(&id).await.unwrap_or_default();
    let replayed = Room::replay(&events).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(replayed.round().log(), &log);
    assert_eq!(replayed.holder(ActorRef::Party(0)), "the strategy tough");
}

#[tokio::test]
async fn the_chair_gives_a_co_mediator_a_drafting_rule_and_the_room_runs_as_the_scenario_declaring_it() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("d", SMALL, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let convener = f.token(None, Grant::Convener).await;
    let csrf = entente_server::auth::csrf_of(&convener);
    let form =
        format!("csrf={csrf}&seat=%7B%22actor%22%3A%22mediator%22%2C%22index%22%3A0%7D&to=strategy&strategy=nash");
    let (status, _, body) = f.post_form(&format!("/rooms/{id}/seat"), &convener, &form, None).await;
    assert_eq!(status.as_u16(), 303, "{body}");
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let log = {
        let mut r = room.lock().await;
        assert_eq!(r.holder(ActorRef::Mediator(0)), "the strategy nash");
        r.until_turn(&f.state.db, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
        r.round().log().clone()
    };
    // The same talks with `drafting = { M = "nash" }` declared, simulated.
    let declared = SMALL.replace("mediators = [\"M\"]", "mediators = [\"M\"]\ndrafting = { M = \"nash\" }");
    assert_ne!(declared, SMALL);
    let talks = entente_formats::talks_toml::parse_talks(&declared, std::path::Path::new("d"))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = entente_talks::simulate(&talks).unwrap_or_else(|e| panic!("{e}"));
    let simulated: Vec<_> = run.log.entries().iter().take(log.entries().len()).cloned().collect();
    assert_eq!(log.entries(), &simulated[..]);
}

/// Text as the pages escape it.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

#[tokio::test]
async fn a_person_tables_an_issue_off_the_agenda_with_a_reason() {
    // The small case with a third issue off the agenda.
    let scenario = SMALL.replace(
        "[[parties]]\nname = \"A\"",
        "[[issues]]\nname = \"c\"\nvalues = [\"c0\", \"c1\"]\n[[parties]]\nname = \"A\"",
    );
    let scenario = scenario
        .replace(
            "b = { weight = 0.5, values = [1.0, 0.0] }",
            "b = { weight = 0.5, values = [1.0, 0.0] }\nc = { weight = 0.0, values = [0.0, 1.0] }",
        )
        .replace(
            "b = { weight = 0.5, values = [0.0, 1.0] }",
            "b = { weight = 0.5, values = [0.0, 1.0] }\nc = { weight = 0.0, values = [1.0, 0.0] }",
        )
        .replace("defaults = { a = \"a0\", b = \"b0\" }", "defaults = { a = \"a0\", b = \"b0\", c = \"c0\" }");
    let f = fixture("sqlite::memory:").await;
    let persons = [ActorRef::Party(0), ActorRef::Mediator(0)];
    let id = f.state.open_room("t", &scenario, &persons, false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let label = "Table c (options: c0, c1)";
    let offered = |actor: ActorRef| {
        let room = room.clone();
        async move { entente_server::pages::moves(&*room.lock().await, actor).into_iter().find(|m| m.label == label) }
    };
    assert!(offered(ActorRef::Mediator(0)).await.is_some(), "a mediator may table c");
    assert!(offered(ActorRef::Party(1)).await.is_none(), "B's seat is its agent's: no buttons");
    let button = offered(ActorRef::Party(0)).await.unwrap_or_else(|| panic!("A is not offered to table c"));
    let answer: Answer = serde_json::from_str(&button.answer).unwrap_or_else(|e| panic!("{e}"));
    let answer =
        answer.because(entente_protocols::package::Reason::Free { text: "on our capital's instructions".into() });
    room.lock().await.act(&f.state.db, ActorRef::Party(0), answer).await.unwrap_or_else(|e| panic!("{e}"));
    let r = room.lock().await;
    let a = Actors::of(&r.talks).id(ActorRef::Party(0));
    let tabled = r.round().log().entries().iter().find_map(|e| match &e.entry {
        Entry::Package { event: Event::ItemTabled { clause, actor, reason, .. } } => {
            Some((*clause, *actor, reason.clone()))
        }
        _ => None,
    });
    let Some((clause, by, reason)) = tabled else { panic!("nothing tabled") };
    assert_eq!(Some(by), a);
    assert!(format!("{reason:?}").contains("on our capital's instructions"), "{reason:?}");
    assert_eq!(r.round().package().clause(clause).and_then(|c| c.issue), Some(2));
    // On the table now: nobody is offered it again.
    drop(r);
    assert!(offered(ActorRef::Party(0)).await.is_none());
    assert!(offered(ActorRef::Mediator(0)).await.is_none());
}

#[tokio::test]
async fn the_mediators_see_where_the_talks_stand_as_analyze_at_that_time_says() {
    // The reference case, every seat an agent, run to day 3, 17:30: the internal blockage (kandahar and khost
    // binding) that `entente analyze scenarios/istanbul-2025.toml --at "day 3 17:30"` reports.
    let f = fixture("sqlite::memory:").await;
    let id =
        f.state.open_room("z", entente_server::REFERENCE_TALKS, &[], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let day3 = 2 * 24 * 60 + 17 * 60 + 30;
    {
        let mut r = room.lock().await;
        while r.round().next_due().is_some_and(|d| d <= day3) {
            r.next(&f.state.db).await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let mediator = f.seat(&id, ActorRef::Mediator(0)).await;
    let (status, _, body) = f.get(&format!("/rooms/{id}/measures"), &mediator).await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let body = body.replace("&#39;", "'");
    assert!(body.contains("Where the talks stand"), "{body}");
    for line in [
        "state_b ratifies by unanimity of its veto blocs: win-set 23 of 144 outcomes",
        "bloc kandahar     weight 0.4    accepts     48 outcomes; veto, binding (without it the zone would hold 2)",
        "bloc level (the delegations' win-sets):               0 outcomes",
        "Blocking: kandahar (state_b), khost (state_b)",
    ] {
        assert!(body.contains(line), "missing {line:?}:\n{body}");
    }
}

#[tokio::test]
async fn a_reason_longer_than_500_characters_is_refused_and_writes_nothing() {
    let f = fixture("sqlite::memory:").await;
    let id = f.state.open_room("r", SMALL, &[ActorRef::Party(0)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&id, ActorRef::Party(0)).await;
    let before = count(&f.state.db, &id).await;
    let body = serde_json::json!({
        "answer": {"answer": "act", "action": {"action": "reopen", "clause": 0}},
        "reason": "x".repeat(501),
    });
    let req = axum::http::Request::post(format!("/api/rooms/{id}/act"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, _, text) = f.request(req).await;
    assert_eq!(status.as_u16(), 400, "{text}");
    assert!(text.contains("a reason is at most 500 characters"), "{text}");
    assert_eq!(count(&f.state.db, &id).await, before);
}
