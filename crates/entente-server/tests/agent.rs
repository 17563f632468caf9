//! An external agent over the WebSocket protocol: the example agent in
//! Python (examples/agent.py, standard library only) takes the first
//! delegation's seat of the reference case in a room whose clock runs on by
//! itself, and negotiates to the end; a forged token is refused at the
//! handshake.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use entente_talks::Prompt;
use entente_talks::actors::ActorRef;

fn python() -> Option<&'static str> {
    if Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Some("python3");
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("python3 is missing, and CI=true requires it");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: python3 not found: the example agent cannot run");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_example_agent_negotiates_the_reference_case_to_its_end() {
    let Some(py) = python() else { return };
    let f = fixture("sqlite::memory:").await;
    let id = f
        .state
        .open_room("agent", entente_server::REFERENCE_TALKS, &[ActorRef::Party(0)], true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let token = f.seat(&id, ActorRef::Party(0)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = tokio::spawn(axum::serve(listener, f.app.clone()).into_future());
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/agent.py");
    let url = format!("ws://{addr}/rooms/{id}/agent");
    let run = |token: String| {
        let (script, url) = (script.clone(), url.clone());
        tokio::task::spawn_blocking(move || Command::new(py).arg(script).arg(url).arg(token).output())
    };
    // A forged token: refused at the handshake.
    let forged = run("0".repeat(64));
    let o = tokio::time::timeout(Duration::from_secs(60), forged).await.ok().and_then(|r| r.ok()).and_then(|r| r.ok());
    let o = o.unwrap_or_else(|| panic!("the agent did not finish"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("403"), "{}", String::from_utf8_lossy(&o.stderr));
    // The seat's token: to the end.
    let o =
        tokio::time::timeout(Duration::from_secs(120), run(token)).await.ok().and_then(|r| r.ok()).and_then(|r| r.ok());
    let o = o.unwrap_or_else(|| panic!("the agent did not finish in time"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with("settings: delegation of state_a"), "{out}");
    assert!(out.contains("your_turn: "), "{out}");
    assert!(out.contains("finished: {\"result\": \"adopted\""), "{out}");
    let room = f.state.room(&id).await.ok().flatten().unwrap_or_else(|| panic!("no room"));
    let r = room.lock().await;
    assert!(matches!(r.round().ending(), Some(entente_talks::sim::Ending::Adopted { .. })));
    let moves: Vec<_> =
        r.round().turns().iter().filter(|t| t.actor == ActorRef::Party(0) && t.prompt == Prompt::Initiative).collect();
    assert!(!moves.is_empty());
    let logged = serde_json::to_string(r.round().log()).unwrap_or_default();
    assert!(logged.contains("cooperative agent"), "the agent's reason is in the record");
    // Its public statement is on the record.
    let said = r.round().log().entries().iter().any(|e| {
        matches!(&e.entry, entente_talks::log::Entry::Message { actor: ActorRef::Party(0), to: entente_talks::log::Channel::Public, text, .. }
            if text == "The agent of the delegation of state_a is at the table")
    });
    assert!(said, "the agent's statement is not on the record");
    server.abort();
}
