//! `entente whatif`, end to end: assertions on the JSON, determinism, the
//! changes file, and hostile changes (exit status 2 with a message, never a
//! panic).

// Test code: reads its fixtures, the environment and the clock (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn unanimity() -> String {
    root().join("scenarios/delegation-unanimity.toml").to_string_lossy().into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = entente(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

/// A file in the temporary directory, unique to this test process.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("entente-whatif-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write a temporary file");
    path
}

#[test]
fn removing_khost_s_veto_turns_blocked_internally_into_an_agreement() {
    let s = unanimity();
    let v = json(&["whatif", &s, "--change", "veto delegation_b.khost off", "--json"]);
    assert_eq!(v["schema"], "entente.whatif/1");
    assert_eq!(v["seed"], 4, "the scenario's seed");
    assert_eq!(v["changes"][0]["change"], "veto delegation_b.khost off");
    assert!(v["changes"][0]["note"].as_str().unwrap_or("").contains("loses its veto"));

    let (base, changed) = (&v["base"], &v["changed"]);
    assert_eq!(base["diagnosis"], "blocked_internally");
    assert_eq!(base["zones"]["report"]["diagnosis"]["case"], "blocked_internally");
    assert_eq!(base["bloc_zone"], 0);
    assert_eq!(base["unitary_zone"], 8);
    assert_eq!(changed["diagnosis"], "possible");
    assert_eq!(changed["zones"]["report"]["diagnosis"]["case"], "possible");
    assert_eq!(changed["unitary_zone"], 8, "the unitary zone does not depend on vetoes");
    assert!(changed["bloc_zone"].as_u64().unwrap_or(0) > 0);

    // Win-sets and roles.
    let (db, dc) = (&base["delegations"][0], &changed["delegations"][0]);
    assert_eq!(db["party"], "delegation_b");
    assert!(dc["win_set"].as_u64() > db["win_set"].as_u64());
    assert_eq!(db["blocs"][2]["name"], "khost");
    assert_eq!(db["blocs"][2]["role"], "veto, binding");
    assert_eq!(dc["blocs"][2]["veto"], false);
    assert_eq!(dc["blocs"][2]["role"], "no veto");
    assert_eq!(db["blocs"][1]["role"], "veto, absorbed");

    // The negotiations, same seed: none in the base case, a ratified agreement after the change.
    assert_eq!(base["run"]["seed"], 4);
    assert_eq!(changed["run"]["seed"], 4);
    assert!(base["run"]["agreement"].is_null());
    assert_eq!(base["run"]["end"]["reason"], "timeout");
    assert!(changed["run"]["agreement"].is_object());
    assert_eq!(changed["run"]["end"]["reason"], "agreement");
    assert_eq!(changed["run"]["ratification"][1]["ratified"], true);
    assert!(changed["run"].get("offers").is_none() && changed["run"]["n_offers"].as_u64() > Some(0));
}

#[test]
fn the_same_seed_gives_the_same_json() {
    let s = unanimity();
    for args in [
        vec!["whatif", &s, "--change", "veto delegation_b.khost off", "--json"],
        vec![
            "whatif",
            &s,
            "--change",
            "reservation state_a=0.5",
            "--seed",
            "11",
            "--strategy",
            "state_a=random",
            "--json",
        ],
    ] {
        let (a, b) = (entente(&args), entente(&args));
        assert!(a.status.success(), "{}", stderr(&a));
        assert_eq!(stdout(&a), stdout(&b), "{args:?}");
    }
    let v = json(&["whatif", &s, "--change", "rounds 10", "--seed", "11", "--json"]);
    assert_eq!(v["seed"], 11);
    assert_eq!(v["base"]["run"]["seed"], 11);
    assert_eq!(v["changed"]["run"]["seed"], 11);
    assert_eq!(v["changed"]["n_steps"], 10);
}

#[test]
fn several_changes_and_a_changes_file() {
    let s = unanimity();
    let file = temp_file(
        "changes.toml",
        r#"
[[change]]
kind = "merge"
party = "delegation_b"
blocs = ["kandahar", "kabul"]
name = "south"

[[change]]
change = "drop-issue guarantor=none"
"#,
    );
    let f = file.to_string_lossy().into_owned();
    let v = json(&["whatif", &s, "--changes", &f, "--change", "veto delegation_b.khost off", "--json"]);
    let forms: Vec<&str> =
        v["changes"].as_array().map_or(vec![], |a| a.iter().filter_map(|c| c["change"].as_str()).collect());
    assert_eq!(
        forms,
        ["merge delegation_b.kandahar+kabul as south", "drop-issue guarantor=none", "veto delegation_b.khost off"]
    );
    let changed = &v["changed"];
    assert_eq!(changed["outcomes"], 24);
    assert_eq!(changed["issues"].as_array().map(Vec::len), Some(3));
    let blocs: Vec<&str> = changed["delegations"][0]["blocs"]
        .as_array()
        .map_or(vec![], |a| a.iter().filter_map(|b| b["name"].as_str()).collect());
    assert_eq!(blocs, ["south", "khost"]);
    // The same changes on the command line give the same document.
    let w = json(&[
        "whatif",
        &s,
        "--change",
        "merge delegation_b.kandahar+kabul as south",
        "--change",
        "drop-issue guarantor=none",
        "--change",
        "veto delegation_b.khost off",
        "--json",
    ]);
    assert_eq!(v, w);
    let _ = std::fs::remove_file(file);
}

#[test]
fn text_output_and_scenarios_without_delegations() {
    let s = unanimity();
    let o = entente(&["whatif", &s, "--change", "veto delegation_b.khost off"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("veto delegation_b.khost off: khost (delegation_b) loses its veto"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("* diagnosis") && l.contains("blocked internally") && l.contains("possible"))
    );
    // The embedded default scenario has no delegation: zones, diagnosis and runs still compare.
    let v = json(&["whatif", "--change", "reservation buyer=0.9", "--json"]);
    assert_eq!(v["base"]["delegations"].as_array().map(Vec::len), Some(0));
    assert!(v["changed"]["unitary_zone"].as_u64() < v["base"]["unitary_zone"].as_u64());
    assert_eq!(v["changed"]["parties"][0]["reservation"], 0.9);
}

#[test]
fn bad_invocations_exit_2_with_a_message() {
    let s = unanimity();
    let missing = root().join("no-such-changes.toml").to_string_lossy().into_owned();
    for (args, expected) in [
        (vec!["whatif", s.as_str()], "no change given"),
        (
            vec!["whatif", s.as_str(), "--change", "veto delegation_b.nobody off"],
            "its blocs are kandahar, kabul, khost",
        ),
        (vec!["whatif", s.as_str(), "--change", "veto x.khost off"], "the parties are state_a, delegation_b"),
        (vec!["whatif", s.as_str(), "--change", "drop-issue guarantor=un"], "its values are none, third_state"),
        (vec!["whatif", s.as_str(), "--change", "veto delegation_b.khost sometimes"], "expected on or off"),
        (vec!["whatif", s.as_str(), "--changes", missing.as_str()], "no-such-changes.toml"),
        (vec!["whatif", s.as_str(), "--change", "rounds 5", "--at", "2"], "--at must be a relative time"),
        (vec!["whatif", s.as_str(), "--change", "rounds 5", "--strategy", "nobody=boulware"], "no party"),
    ] {
        let o = entente(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: ") && err.contains(expected), "{args:?}: {err}");
    }
}

/// A small deterministic generator (SplitMix64) for hostile inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "veto",
    "weight",
    "quota",
    "rule",
    "merge",
    "drop-issue",
    "add-issue",
    "drop-value",
    "add-value",
    "reservation",
    "reversion",
    "strategy",
    "rounds",
    "utility",
    " ",
    ".",
    "=",
    "+",
    ",",
    ":",
    " as ",
    "on",
    "off",
    "delegation_b",
    "state_a",
    "khost",
    "kabul",
    "guarantor",
    "none",
    "1e308",
    "-0",
    "NaN",
    "\u{0}",
    "é",
    "[[change]]",
    "\"",
    "\n",
    "kind = ",
    "{",
    "}",
    "99999999999",
];

#[test]
fn hostile_changes_never_panic() {
    let s = unanimity();
    let mut rng = Rng(20_251_027);
    let mut refused = 0;
    for case in 0..40 {
        let n = 1 + rng.next() % 8;
        let change: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        // Arguments cannot hold NUL bytes.
        let change = change.replace('\u{0}', "");
        // `--change=…`: a value may begin with `-`.
        let o = entente(&["whatif", &s, &format!("--change={change}"), "--json"]);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{change:?}: {err}");
        match o.status.code() {
            Some(0) => {}
            Some(2) => {
                refused += 1;
                assert!(err.starts_with("error: change"), "{change:?}: {err}");
            }
            other => panic!("case {case}, {change:?}: exit {other:?}: {err}"),
        }
        // The same pieces as a changes file.
        let file = temp_file(&format!("hostile-{case}.toml"), &change);
        let o = entente(&["whatif", &s, "--changes", &file.to_string_lossy()]);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{change:?}: {err}");
        assert_eq!(o.status.code(), Some(2), "{change:?} as a file: {err}");
        assert!(err.starts_with("error: ") && err.contains("hostile"), "{err}");
        let _ = std::fs::remove_file(file);
    }
    assert!(refused > 30, "most random pieces are refused ({refused} of 40)");
}
