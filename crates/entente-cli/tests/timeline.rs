//! `entente analyze --at` on the one timeline of instructions: relative times
//! and times of the talks, checked against what `entente talks` assesses.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read scenario files

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn reference() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml").display().to_string()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

/// The diagnosis of `analyze --json --at AT` on the reference case.
fn diagnosis(at: &str) -> Value {
    let doc = json(&entente(&["analyze", &reference(), "--json", "--at", at]));
    doc["delegations"]["report"]["diagnosis"].clone()
}

#[test]
fn the_reference_case_at_day_3_shows_the_blockage_the_talks_assess() {
    let talks = json(&entente(&["talks", "--json"]));
    let assessment = &talks["run"]["assessment"];
    assert_eq!(assessment["blockage"], "internal");
    let blocking = assessment["blocking_blocs"].clone();
    assert_eq!(blocking, serde_json::json!([["state_b", "kandahar"], ["state_b", "khost"]]));

    for at in ["day 3 17:30", "day 3, 17:30", "0.8", "day 4 12:00"] {
        let d = diagnosis(at);
        assert_eq!(d["case"], "blocked_internally", "--at {at}: {d}");
        assert_eq!(d["responsible"], blocking, "--at {at}");
        // What would pass in substance: the talks' package, on the issues they negotiated.
        for pair in assessment["package"].as_array().unwrap() {
            let (issue, value) = (pair[0].as_str().unwrap(), &pair[1]);
            assert_eq!(&d["substance_package"]["outcome_values"][issue], value, "--at {at}: {issue}");
        }
    }
    // Before the day-3 instructions there is no blockage; khost's (17:00) alone leaves a zone, kandahar's
    // (17:30) closes it.
    for at in ["0", "day 1 12:00", "day 3 16:59", "day 3 17:29"] {
        let d = diagnosis(at);
        assert_eq!(d["case"], "possible", "--at {at}: {d}");
    }
}

#[test]
fn at_names_the_flag_when_it_cannot_be_read() {
    for (file, at, needle) in [
        (reference(), "tomorrow", "expected a relative time in [0, 1]"),
        (reference(), "1.5", "a relative time must be in [0, 1]"),
        (reference(), "day 3 25:00", "expected a relative time"),
        (
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../scenarios/delegation-unanimity.toml")
                .display()
                .to_string(),
            "day 3 17:30",
            "declares no talks",
        ),
    ] {
        let o = entente(&["analyze", &file, "--at", at]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--at {at}: {err}");
        assert!(err.contains(&format!("--at {at:?}")) && err.contains(needle), "--at {at}: {err}");
    }
}
