//! `entente talks --record`: a live room's record printed as a simulated
//! round. A room whose every seat is an agent runs the same machines with the
//! same seed as `entente talks`: its record, replayed, must give the same
//! transcript and measures, the same export by role, and the same figure —
//! an independent path (the server's stored inputs and their replay) to the
//! same round.

// Test code: starts the binary, writes temporary files (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use entente_server::AppState;
use entente_server::clock::ManualClock;
use entente_server::db::Db;

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("entente-record-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The reference case held in a room with an agent in every seat, run on
/// (to its end when `steps` is large); its record written to `path`.
fn record(path: &Path, steps: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let db = Db::connect("sqlite::memory:").await.expect("database");
        let state = AppState::new(db, Arc::new(ManualClock::new(1_800_000_000_000)));
        let id = state.open_room("reference", entente_server::REFERENCE_TALKS, &[], false).await.expect("room");
        let room = state.room(&id).await.ok().flatten().expect("the room");
        let mut r = room.lock().await;
        for _ in 0..steps {
            if r.is_over() || r.next(&state.db).await.is_err() {
                break;
            }
        }
        let events = state.db.events(&id).await.expect("events");
        std::fs::write(path, serde_json::to_string(&events).expect("json")).expect("write");
    });
}

#[test]
fn a_finished_rooms_record_gives_the_simulated_round_by_every_reader() {
    let d = dir();
    let file = d.join("finished.json");
    record(&file, 100_000);
    let f = file.display().to_string();
    assert_eq!(
        stdout(&entente(&["talks", "--record", &f])),
        stdout(&entente(&["talks"])),
        "the transcript and measures"
    );
    for role in ["observer", "mediator", "state_a", "state_b"] {
        assert_eq!(
            stdout(&entente(&["talks", "--record", &f, "--export", role])),
            stdout(&entente(&["talks", "--export", role])),
            "the export for {role}"
        );
    }
    let live: serde_json::Value =
        serde_json::from_str(&stdout(&entente(&["talks", "--record", &f, "--json"]))).expect("json");
    let simulated: serde_json::Value = serde_json::from_str(&stdout(&entente(&["talks", "--json"]))).expect("json");
    assert_eq!(live["run"], simulated["run"]);
    assert_eq!(live["measures"], simulated["measures"]);
    assert_eq!(live["schema"], "entente.talks/2");
    let (a, b) = (d.join("live.svg"), d.join("simulated.svg"));
    stdout(&entente(&["talks", "--record", &f, "--export", "state_b", "--plot", &a.display().to_string()]));
    stdout(&entente(&["talks", "--export", "state_b", "--plot", &b.display().to_string()]));
    assert_eq!(std::fs::read(&a).expect("svg"), std::fs::read(&b).expect("svg"), "the figure");
}

#[test]
fn a_record_that_is_under_way_altered_or_not_a_record_is_refused_by_name() {
    let d = dir();
    let file = d.join("under-way.json");
    record(&file, 3);
    let f = file.display().to_string();
    let o = entente(&["talks", "--record", &f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&f) && err.contains("still under way"), "{err}");
    // An entry altered: the chain names it.
    let text = std::fs::read_to_string(&file).expect("read");
    let mut events: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    let n = events.len();
    assert!(n > 2, "the room logged nothing");
    events[n - 1]["body"] = serde_json::Value::String("{}".into());
    let altered = d.join("altered.json");
    std::fs::write(&altered, serde_json::to_string(&events).expect("json")).expect("write");
    let o = entente(&["talks", "--record", &altered.display().to_string()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("broken"), "{err}");
    // Not a record; no file; a scenario beside it.
    let toml = d.join("x.toml");
    std::fs::write(&toml, "name = 1").expect("write");
    let o = entente(&["talks", "--record", &toml.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("x.toml"));
    let o = entente(&["talks", "--record", &d.join("none.json").display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("none.json"));
    // Neither an SQLite database nor a record's export: verify-log says so, naming the file.
    let binary = d.join("binary.bin");
    std::fs::write(&binary, [0xffu8, 0xfe, 0x00, 0x80]).expect("write");
    let o = entente(&["verify-log", &binary.display().to_string()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("binary.bin") && err.contains("neither an SQLite database nor a record's export"), "{err}");
    let o = entente(&["talks", "scenarios/istanbul-2025.toml", "--record", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be used with"));
}
