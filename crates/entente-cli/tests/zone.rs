//! Issue 9: one definition of the zone of possible agreement (every party
//! strictly prefers the outcome to no agreement) in `analyze`, `whatif` and
//! `talks`, and `analyze` on a talks file analysing what the talks negotiate.
//! Fixtures of these tests' own (`tests/fixtures/`), counts by hand.

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

fn json(args: &[&str]) -> serde_json::Value {
    let o = entente(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document: {e}"))
}

/// `tie-talks.toml`: six outcomes, three of them at or above both reservation
/// values, and only one strictly above both (x=b, y=q; see the file's table).
#[test]
fn one_file_one_zone_in_analyze_whatif_and_talks() {
    let f = fixture("tie-talks.toml");
    let a = json(&["analyze", &f, "--json"]);
    assert_eq!(a["schema"], "entente.analysis/2");
    assert_eq!(a["rational"]["count"], "1", "analyze: {}", a["rational"]);
    let listed = a["rational"]["outcomes"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["x"], "b");
    assert_eq!(listed[0]["y"], "q");
    // NegMAS's frontier keeps its own reading (u >= rv): (0.75, 0.75) only, the
    // points at a reservation value being dominated by it or irrational.
    assert_eq!(a["pareto"]["negmas"], 1);

    let w = json(&["whatif", &f, "--change", "rounds 10", "--json"]);
    assert_eq!(w["base"]["unitary_zone"], 1, "whatif");
    assert_eq!(w["base"]["bloc_zone"], 1, "whatif");

    let t = json(&["talks", &f, "--json"]);
    let s = &t["run"]["assessment"];
    assert_eq!(s["unitary_zone"], 1, "talks");
    assert_eq!(s["bloc_zone"], 1, "talks");
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The talks' assessment and `analyze`'s zone analysis of the same file at
/// the end of the round: the same counts, diagnosis, blocking blocs and package.
fn same_as_the_assessment(file: &str) -> (serde_json::Value, serde_json::Value) {
    let t = json(&["talks", file, "--json"]);
    let s = t["run"]["assessment"].clone();
    let a = json(&["analyze", file, "--at", "1", "--json"]);
    let z = &a["delegations"]["report"];
    assert_eq!(z["unitary_zone"], s["unitary_zone"], "{file}: unitary zone");
    assert_eq!(z["bloc_zone"], s["bloc_zone"], "{file}: bloc-level zone");
    // The domain analysis counts the same zone.
    assert_eq!(a["rational"]["count"].as_str().unwrap(), s["unitary_zone"].to_string(), "{file}");
    let d = &z["diagnosis"];
    match s["blockage"].as_str().unwrap() {
        "internal" => {
            assert_eq!(d["case"], "blocked_internally", "{file}");
            assert_eq!(d["responsible"], s["blocking_blocs"], "{file}");
            assert_eq!(d["red_lines"], s["red_lines"], "{file}");
            let package: Vec<(String, String)> = serde_json::from_value(s["package"].clone()).unwrap();
            for (issue, value) in package {
                assert_eq!(d["substance_package"]["outcome_values"][&issue], value.as_str(), "{file}: {issue}");
            }
        }
        "not_reached" => {
            assert_eq!(d["case"], "possible", "{file}");
            let package: Vec<(String, String)> = serde_json::from_value(s["package"].clone()).unwrap();
            for (issue, value) in package {
                assert_eq!(d["package"]["outcome_values"][&issue], value.as_str(), "{file}: {issue}");
            }
        }
        other => panic!("{file}: an ending these tests do not expect: {other}"),
    }
    (a, s)
}

/// The reference case: at the end of the round `analyze` says what the talks'
/// assessment says (blocked internally by kandahar and khost, 33 packages in
/// substance, none ratifiable), over the agenda and the guarantor item tabled
/// on day 3, with the ceasefire held as it stands, not "agreement possible"
/// over packages that let the ceasefire lapse.
#[test]
fn analyze_on_the_reference_talks_agrees_with_their_assessment() {
    let file = root().join("scenarios/istanbul-2025.toml").to_string_lossy().into_owned();
    let (a, s) = same_as_the_assessment(&file);
    assert_eq!(s["blockage"], "internal");
    assert_eq!(
        a["talks"]["negotiated"],
        serde_json::json!(["assurances", "designation", "dismantle_days", "verification", "guarantor"])
    );
    assert_eq!(a["talks"]["fixed"], serde_json::json!([["ceasefire", "holds"]]));
    assert_eq!(a["talks"]["clock"], "day 4, 15:00");
    // Before the day-3 instructions the guarantor is off the agenda too.
    let a = json(&["analyze", &file, "--at", "day 3 16:59", "--json"]);
    assert_eq!(a["talks"]["fixed"], serde_json::json!([["guarantor", "none"], ["ceasefire", "holds"]]));
    // 3 · 2 · 4 · 3 negotiated outcomes, each issue off the agenda at one value.
    assert_eq!(a["outcomes"], "72");
    for p in a["frontier"].as_array().unwrap() {
        assert_eq!(p["outcome"]["ceasefire"], "holds");
        assert_eq!(p["outcome"]["guarantor"], "none");
    }
    // The text says what it analyses.
    let o = entente(&["analyze", &file, "--at", "day 3 17:30"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("Talks: what the talks negotiate on day 3, 17:30"), "{text}");
    assert!(text.contains("held as they stand: ceasefire=holds"), "{text}");
}

/// `harbour-talks.toml` (counts by hand in the file): pilotage is off the
/// agenda at its default; the zone of what the talks negotiate holds 2
/// outcomes (4 over the whole space), the Nash package fee=mid, hours=day.
#[test]
fn analyze_on_a_talks_file_analyses_the_agenda() {
    let file = fixture("harbour-talks.toml");
    let (a, s) = same_as_the_assessment(&file);
    assert_eq!(s["blockage"], "not_reached", "one step is too short to settle anything");
    assert_eq!(s["unitary_zone"], 2);
    assert_eq!(a["outcomes"], "6");
    assert_eq!(a["rational"]["count"], "2");
    let listed: Vec<(String, String)> = a["rational"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["fee"].as_str().unwrap().to_string(), o["hours"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(listed, [("mid".to_string(), "day".to_string()), ("high".to_string(), "night".to_string())]);
    assert_eq!(a["talks"]["fixed"], serde_json::json!([["pilot", "none"]]));
    let d = &a["delegations"]["report"]["diagnosis"];
    assert_eq!(d["case"], "possible");
    assert_eq!(d["package"]["outcome_values"]["fee"], "mid");
    assert_eq!(d["package"]["outcome_values"]["hours"], "day");
    assert_eq!(d["package"]["outcome_values"]["pilot"], "none");
    // The same file read as a plain scenario (no [talks]): the whole space, 4 outcomes in the zone.
    let plain = std::env::temp_dir().join(format!("entente-zone-{}-harbour.toml", std::process::id()));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&plain, &text[..text.find("[talks]").unwrap()]).unwrap();
    let a = json(&["analyze", plain.to_str().unwrap(), "--json"]);
    assert_eq!(a["outcomes"], "12");
    assert_eq!(a["rational"]["count"], "4");
    assert!(a.get("talks").is_none());
    let _ = std::fs::remove_file(&plain);
}
