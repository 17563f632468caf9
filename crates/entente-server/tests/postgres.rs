//! The same server on PostgreSQL (ENTENTE_TEST_POSTGRES: a server where the
//! test may create a database; .ci/run starts one with
//! scripts/postgres-for-tests): migrations, the append-only events (UPDATE,
//! DELETE and TRUNCATE refused by the database), replay after a restart,
//! the record's check, and two servers writing to one room without forking
//! its record. Without it the test prints SKIPPED (and fails when CI=true).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use entente_protocols::package::Action;
use entente_server::chain;
use entente_server::db::Db;
use entente_talks::actors::ActorRef;
use entente_talks::{Answer, Prompt};

async fn database() -> Option<String> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let Ok(admin) = std::env::var("ENTENTE_TEST_POSTGRES") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("ENTENTE_TEST_POSTGRES is not set, and CI=true requires the PostgreSQL tests");
        }
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: the PostgreSQL tests (set ENTENTE_TEST_POSTGRES, e.g. from scripts/postgres-for-tests)"
        );
        return None;
    };
    let k = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("entente_test_{}_{k}", std::process::id());
    let db = Db::open(&admin).await.unwrap_or_else(|e| panic!("{admin}: {e}"));
    let _ = db.execute_unchecked(&format!("DROP DATABASE IF EXISTS {name}")).await;
    db.execute_unchecked(&format!("CREATE DATABASE {name}")).await.unwrap_or_else(|e| panic!("{e}"));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |x| x.0).to_string();
    Some(format!("{base}/{name}"))
}

#[tokio::test]
async fn the_server_on_postgresql() {
    let Some(url) = database().await else { return };
    let a = fixture(&url).await;
    assert_eq!(a.state.db.backend(), entente_server::db::Backend::Postgres);
    assert_eq!(a.state.db.applied().await.unwrap_or_default(), vec![1]);
    let id = a.state.open_room("pg", SMALL, &[ActorRef::Party(1)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let room_a = a.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    room_a.lock().await.until_turn(&a.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
    let n = a.state.db.events(&id).await.unwrap_or_default().len();
    for sql in ["UPDATE events SET body = '{}' WHERE seq = 0", "DELETE FROM events WHERE seq = 1", "TRUNCATE events"] {
        let err = a.state.db.execute_unchecked(sql).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(a.state.db.events(&id).await.unwrap_or_default().len(), n);

    // A second server on the same database: the room replays to the same state.
    let b = fixture(&url).await;
    let room_b = b.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room on the second server"));
    assert_eq!(room_b.lock().await.round().log(), room_a.lock().await.round().log());
    // The first moves (B agrees to what was put); the second, not knowing,
    // advances the clock: its write loses the race for the chain's next
    // number, it rebuilds the room from the record and applies its input
    // after the first's. One chain, no fork.
    {
        let mut r = room_a.lock().await;
        let asked = r.awaiting(ActorRef::Party(1));
        let Some(Prompt::Proposal { clause, option }) = asked.first().map(|t| t.prompt.clone()) else {
            panic!("B is not asked: {asked:?}")
        };
        r.act(&a.state.db, ActorRef::Party(1), Answer::act(Action::AgreeAdRef { clause, option }))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    room_b.lock().await.next(&b.state.db).await.unwrap_or_else(|e| panic!("{e}"));
    let events = b.state.db.events(&id).await.unwrap_or_default();
    assert_eq!(chain::verify(&events), Ok(events.len()));
    let kinds: Vec<&str> = events.iter().filter(|e| e.kind != "entry").map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds[kinds.len() - 2..], ["move", "advance"]);
    let v = entente_server::verify::verify_database(&url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.events, events.len());
    // A third start replays all of it.
    let c = fixture(&url).await;
    let room_c = c.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    assert_eq!(room_c.lock().await.round().log(), room_b.lock().await.round().log());
}

/// Reads `room`'s event stream (JSON) on `f` for `token` into a shared list
/// of `(id, entry)`, until the stream ends.
fn follow(f: &Fixture, room: &str, token: &str) -> std::sync::Arc<std::sync::Mutex<Vec<(u64, serde_json::Value)>>> {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let got: std::sync::Arc<std::sync::Mutex<Vec<(u64, serde_json::Value)>>> = Default::default();
    let req = axum::http::Request::get(format!("/rooms/{room}/events?format=json"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let (app, sink) = (f.app.clone(), std::sync::Arc::clone(&got));
    tokio::spawn(async move {
        let resp = app.oneshot(req).await.unwrap_or_else(|e| match e {});
        assert_eq!(resp.status(), 200);
        let mut body = resp.into_body();
        let mut buf = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else { continue };
            buf.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let id = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse().ok());
                let data = block.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim);
                if let (Some(id), Some(data)) = (id, data) {
                    let v = serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}"));
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push((id, v));
                }
            }
        }
    });
    got
}

/// Waits until `got` holds `n` entries (at most 10 s), then a moment more.
async fn until(got: &std::sync::Mutex<Vec<(u64, serde_json::Value)>>, n: usize) -> Vec<(u64, serde_json::Value)> {
    for _ in 0..200 {
        if got.lock().unwrap_or_else(|e| e.into_inner()).len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    got.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_relay_each_others_moves_to_their_streams_live() {
    use entente_talks::log::{Role, export_for};
    let Some(url) = database().await else { return };
    let a = fixture(&url).await;
    let b = fixture(&url).await;
    for f in [&a, &b] {
        entente_server::relay::spawn(&f.state).await.unwrap_or_else(|e| panic!("{e}")).expect("a relay on PostgreSQL");
    }
    let id = a.state.open_room("relay", SMALL, &[ActorRef::Party(1)], false).await.unwrap_or_else(|e| panic!("{e}"));
    let observer = a.seat(&id, ActorRef::Observer).await;
    let party = a.seat(&id, ActorRef::Party(1)).await;
    let convener = a.token(None, entente_server::auth::Grant::Convener).await;
    // Browsers on B (an observer, the person's delegation) and on A (the
    // delegation), their streams open before anything is done.
    let on_b = [(Role::Observer, follow(&b, &id, &observer)), (Role::Party { party: 1 }, follow(&b, &id, &party))];
    let on_a = follow(&a, &id, &party);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // A's chair runs the clock to B's turn; the person answers through A;
    // then B's chair moves the clock on, and A's streams must see that too.
    let room_a = a.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    room_a.lock().await.until_turn(&a.state.db, 1000).await.unwrap_or_else(|e| panic!("{e}"));
    let clause_option = {
        let r = room_a.lock().await;
        match r.awaiting(ActorRef::Party(1)).first().map(|t| t.prompt.clone()) {
            Some(Prompt::Proposal { clause, option }) => (clause, option),
            other => panic!("B is not asked: {other:?}"),
        }
    };
    let answer =
        serde_json::to_string(&Answer::act(Action::AgreeAdRef { clause: clause_option.0, option: clause_option.1 }))
            .unwrap_or_default();
    let body = serde_json::json!({ "answer": serde_json::from_str::<serde_json::Value>(&answer).unwrap_or_default() });
    let req = axum::http::Request::post(format!("/api/rooms/{id}/act"))
        .header("authorization", format!("Bearer {party}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    let before_move = room_a.lock().await.log_len();
    let (status, _, text) = a.request(req).await;
    assert_eq!(status, 200, "{text}");
    let after_move = room_a.lock().await.log_len();
    assert!(after_move > before_move);
    let after_a = a.state.db.events(&id).await.unwrap_or_default().len();
    for _ in 0..3 {
        let req = axum::http::Request::post(format!("/rooms/{id}/advance"))
            .header("authorization", format!("Bearer {convener}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("mode=next"))
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, _, text) = b.request(req).await;
        assert_eq!(status, 303, "{text}");
    }
    let events = a.state.db.events(&id).await.unwrap_or_default();
    assert!(events.len() > after_a, "B's advances were written");
    assert_eq!(chain::verify(&events), Ok(events.len()));

    // The log, as the record holds it (a fresh replay), and each stream against it.
    let log = entente_server::rooms::Room::replay(&events).unwrap_or_else(|e| panic!("{e}")).round().log().clone();
    assert!(log.entries().len() > 4);
    let check = |role: Role, got: &[(u64, serde_json::Value)], server: &str| {
        let expected: Vec<(u64, serde_json::Value)> =
            export_for(&log, role).iter().map(|e| (e.seq, serde_json::to_value(e).unwrap_or_default())).collect();
        let ids: Vec<u64> = got.iter().map(|x| x.0).collect();
        let want: Vec<u64> = expected.iter().map(|x| x.0).collect();
        assert_eq!(ids, want, "{role:?} on {server}: the ids are the log's sequence numbers, each once, in order");
        assert_eq!(got, expected, "{role:?} on {server}: the entries are the record's");
    };
    for (role, got) in &on_b {
        let n = export_for(&log, *role).len();
        check(*role, &until(got, n).await, "B");
    }
    let n = export_for(&log, Role::Party { party: 1 }).len();
    check(Role::Party { party: 1 }, &until(&on_a, n).await, "A");
    // The move made through A is among what B's observer saw live.
    let move_seen =
        on_b[1].1.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|(k, _)| (before_move..after_move).contains(k));
    assert!(move_seen, "the move made through A reached the delegation's stream on B");
    // And the rooms in memory on both servers are the record's.
    let room_b = b.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    assert_eq!(room_b.lock().await.round().log(), &log);
    assert_eq!(room_a.lock().await.round().log(), &log);
}
