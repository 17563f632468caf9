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
