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
    let name = format!("entente_test_{}_{}", std::process::id(), T0 % 1000);
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
