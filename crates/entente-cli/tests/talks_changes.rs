//! `entente talks --change/--changes/--compare/--save` and the side-by-side
//! figure, on a case of these tests' own (`tests/fixtures/talks-short.toml`):
//! one session of an hour is too short to agree; with three more hours the
//! package (a1, b1) is adopted at 12:00 (bracket a, bracket b, put a1, put b1,
//! a step an hour from 09:00; both parties give up nothing on their best
//! options, and the vote follows at once).

// Test code: reads its fixtures, the environment and the clock (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The whole of stdout is one JSON document.
fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(o)))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-talks-changes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn refused(o: &Output, needles: &[&str]) {
    assert_eq!(o.status.code(), Some(2), "{}", stdout(o));
    let e = stderr(o);
    for n in needles {
        assert!(e.contains(n), "{n:?} not in: {e}");
    }
    assert!(!e.contains("panicked"), "{e}");
}

const ADOPTED_AT_NOON: u64 = 12 * 60;

#[test]
fn a_change_of_ones_own_runs_the_changed_talks() {
    let file = fixture("talks-short.toml");
    let base = json(&entente(&["talks", &file, "--json"]));
    assert_eq!(base["run"]["ending"]["result"], "not_adopted");
    let doc = json(&entente(&["talks", &file, "--change", "lengthen-session 1 3h", "--json"]));
    assert_eq!(doc["run"]["ending"]["result"], "adopted");
    assert_eq!(doc["run"]["ending"]["at"], ADOPTED_AT_NOON);
    assert_eq!(doc["run"]["ending"]["text"], serde_json::json!([1, 1]));
    assert_eq!(doc["changes"][0]["change"], "lengthen-session 1 3h");
    assert!(doc["changes"][0]["note"].as_str().unwrap().contains("lengthened by 3h"));
    // The same change from a changes file, with a scenario change in the `kind` form.
    let dir = scratch("file");
    let changes = dir.join("changes.toml");
    std::fs::write(
        &changes,
        "[[change]]\nchange = \"lengthen-session 1 3h\"\n\n[[change]]\nkind = \"reservation\"\nparty = \"A\"\nreservation = 0.1\n",
    )
    .unwrap();
    let from_file = json(&entente(&["talks", &file, "--changes", changes.to_str().unwrap(), "--json"]));
    assert_eq!(from_file["run"]["ending"], doc["run"]["ending"]);
    assert_eq!(from_file["changes"][1]["change"], "reservation A=0.1");
    // A talks change in the `kind` form is refused with the compact form suggested.
    std::fs::write(&changes, "[[change]]\nkind = \"unify\"\nparty = \"A\"\n").unwrap();
    refused(&entente(&["talks", &file, "--changes", changes.to_str().unwrap()]), &["change = \"unify ...\""]);
    // The text starts with the changes and their notes.
    let o = entente(&["talks", &file, "--change", "lengthen-session 1 3h"]);
    assert!(
        stdout(&o).starts_with("Changes:\n  lengthen-session 1 3h: session 1 (day 1) lengthened by 3h\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn compare_prints_both_runs_side_by_side_in_text_and_in_one_json_document() {
    let file = fixture("talks-short.toml");
    let doc = json(&entente(&["talks", &file, "--change", "add-session 2 09:00 8h", "--compare", "--json"]));
    assert_eq!(doc["schema"], "entente.talks-compare/1");
    assert_eq!(doc["base"]["run"]["ending"]["result"], "not_adopted");
    // Day 1 brackets a; day 2: bracket b (09:00), put a1 (10:00), put b1 (11:00): adopted at 11:00 on day 2.
    assert_eq!(doc["changed"]["run"]["ending"]["result"], "adopted");
    assert_eq!(doc["changed"]["run"]["ending"]["at"], 1440 + 11 * 60);
    assert_eq!(doc["changed"]["measures"]["drafts"][0]["put"], 2);
    assert_eq!(doc["changed"]["measures"]["drafts"][0]["accepted"], 2);
    assert_eq!(doc["changes"][0]["change"], "add-session 2 09:00 8h");
    let o = entente(&["talks", &file, "--change", "add-session 2 09:00 8h", "--compare"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let ending = text.lines().find(|l| l.starts_with("ending")).unwrap_or_default();
    assert!(ending.contains("no agreement") && ending.contains("adopted on day 2, 11:00"), "{text}");
    assert!(text.contains("Assessment (base):") && text.contains("Assessment (changed):"), "{text}");
    refused(&entente(&["talks", &file, "--compare"]), &["--compare needs a change"]);
}

#[test]
fn bad_changes_are_refused_naming_the_flag_and_the_change() {
    let file = fixture("talks-short.toml");
    refused(&entente(&["talks", &file, "--change", "bogus 1"]), &["--change", "unknown change \"bogus\""]);
    refused(
        &entente(&["talks", &file, "--change", "lengthen-session 4 1h"]),
        &["lengthen-session 4 1h", "there is no session 4"],
    );
    refused(&entente(&["talks", &file, "--change", "veto A.x off"]), &["veto A.x off", "not a delegation"]);
    refused(&entente(&["talks", &file, "--changes", "/nonexistent/changes.toml"]), &["--changes"]);
}

#[test]
fn a_changed_scenario_is_saved_and_runs_the_same_round() {
    let file = fixture("talks-short.toml");
    let dir = scratch("save");
    let new = dir.join("new.toml");
    let new = new.to_str().unwrap();
    let changed = json(&entente(&["talks", &file, "--change", "lengthen-session 1 3h", "--save", new, "--json"]));
    let saved = json(&entente(&["talks", new, "--json"]));
    assert_eq!(saved["run"], changed["run"]);
    // Never over an existing file unless asked.
    refused(&entente(&["talks", &file, "--save", new]), &["--save", "the file exists", "--force"]);
    let o = entente(&["talks", &file, "--save", new, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&entente(&["talks", new, "--json"]))["run"]["ending"]["result"], "not_adopted");
}

#[test]
fn the_figure_of_a_change_draws_the_base_and_the_changed_round() {
    let file = fixture("talks-short.toml");
    let dir = scratch("plot");
    let svg = dir.join("compare.svg");
    let o =
        entente(&["talks", &file, "--change", "lengthen-session 1 3h", "--compare", "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.contains("Base round"), "no base round");
    assert!(drawn.contains("Changed: lengthen-session 1 3h"), "no changed round");
}

#[test]
fn the_named_counterfactuals_run_as_their_shorthands() {
    for (name, change) in [
        ("unified", "unify all"),
        ("no-injection", "drop-instruction tabling"),
        ("guarantor-consents", "guarantor all consents"),
    ] {
        let a = json(&entente(&["talks", "--counterfactual", name, "--json"]));
        let b = json(&entente(&["talks", "--change", change, "--json"]));
        assert_eq!(a["run"], b["run"], "{name}");
        assert_eq!(a["counterfactual"]["name"], name);
    }
}
