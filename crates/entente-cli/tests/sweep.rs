//! `entente sweep`, end to end: hand-computable probabilities (0 where no
//! agreement is possible, 1 where every outcome suits everybody), the same
//! document whatever the thread count, talks sweeps, and bad input refused
//! with the flag named.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests run the binary on temporary files

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(name).to_str().unwrap().to_string()
}

fn json(args: &[&str]) -> Value {
    let o = entente(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON document on stdout")
}

fn error(args: &[&str]) -> String {
    let o = entente(args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail");
    assert!(o.stdout.is_empty());
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// z²  for 95% (z = 1.959963985): Wilson's interval of n successes in n runs is [n / (n + z²), 1].
const Z2: f64 = 3.841_458_820_694_124;

#[test]
fn no_agreement_possible_gives_zero() {
    // Every utility of the car purchase is at most 1 (weights summing to 1, values in [0, 1]); with both
    // reservations above 1, a time-based negotiator accepts nothing, so no offer is ever accepted.
    let doc = json(&[
        "sweep",
        &scenario("car-purchase.toml"),
        "--strategy",
        "dealer=conceder",
        "--change",
        "reservation dealer=1.5",
        "--vary",
        "reservation buyer={1.25:2:0.25}",
        "--repetitions",
        "30",
        "--json",
    ]);
    let settings = doc["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 4);
    for (s, value) in settings.iter().zip(["1.25", "1.5", "1.75", "2"]) {
        assert_eq!(s["values"][0], value);
        assert_eq!(s["agreements"], 0);
        assert_eq!(s["probability"], 0.0);
        assert_eq!(s["interval"]["low"], 0.0);
        let high = s["interval"]["high"].as_f64().unwrap();
        assert!((high - Z2 / (30.0 + Z2)).abs() < 1e-9, "{high}");
        assert!(s["outcomes"][0]["outcome"].as_str().unwrap().starts_with("no agreement"));
    }
}

/// Two parties, two outcomes both worth 1 to both: the first offer is accepted, whatever the seed.
const EASY: &str = r#"
name = "easy"
[protocol]
n_steps = 10
[[issues]]
name = "x"
values = ["a", "b"]
[[parties]]
name = "p"
reservation = 0.0
negotiator = { strategy = "conceder" }
[parties.issues]
x = { weight = 1.0, values = { "a" = 1.0, "b" = 1.0 } }
[[parties]]
name = "q"
reservation = 0.0
negotiator = { strategy = "boulware" }
[parties.issues]
x = { weight = 1.0, values = { "a" = 1.0, "b" = 1.0 } }
"#;

#[test]
fn certain_agreement_gives_one() {
    let path = std::env::temp_dir().join(format!("entente-sweep-easy-{}.toml", std::process::id()));
    std::fs::write(&path, EASY).unwrap();
    // Time-based negotiators accept an offer worth at least their aspiration, which never exceeds 1.
    let doc = json(&[
        "sweep",
        path.to_str().unwrap(),
        "--vary",
        "param q.exponent={0.5,1,2}",
        "--vary",
        "reservation p={0:0.5:0.25}",
        "--repetitions",
        "40",
        "--json",
    ]);
    let settings = doc["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 9, "3 × 3 grid");
    for s in settings {
        assert_eq!(s["agreements"], 40, "{s}");
        assert_eq!(s["probability"], 1.0);
        assert_eq!(s["interval"]["high"], 1.0);
        let low = s["interval"]["low"].as_f64().unwrap();
        assert!((low - 40.0 / (40.0 + Z2)).abs() < 1e-9, "{low}");
        assert_eq!(s["mean_rounds"], 1.0, "the first offer is accepted in round 1");
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn same_document_with_one_and_two_threads_grid_and_draws() {
    for extra in [
        vec!["--vary", "param buyer.exponent={0.2,1,5}", "--vary", "reservation dealer={0:0.6:0.3}"],
        vec!["--vary", "reservation buyer={0.1~0.7}", "--vary", "strategy dealer={random,conceder}", "--draws", "7"],
    ] {
        let mut args = vec!["sweep", "--strategy", "dealer=random", "--repetitions", "60", "--seed", "11", "--json"];
        let car = scenario("car-purchase.toml");
        args.insert(1, &car);
        args.extend_from_slice(&extra);
        let one = entente(&[&args[..], &["--threads", "1"]].concat());
        let two = entente(&[&args[..], &["--threads", "2"]].concat());
        assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
        assert_eq!(one.stdout, two.stdout, "{extra:?}");
        let doc: Value = serde_json::from_slice(&one.stdout).unwrap();
        let mut strictly_between = 0;
        for s in doc["settings"].as_array().unwrap() {
            let total: u64 = s["outcomes"].as_array().unwrap().iter().map(|o| o["count"].as_u64().unwrap()).sum();
            assert_eq!(total, 60, "the outcome distribution counts every run");
            let p = s["probability"].as_f64().unwrap();
            let (lo, hi) = (s["interval"]["low"].as_f64().unwrap(), s["interval"]["high"].as_f64().unwrap());
            assert!(lo <= p && p <= hi);
            strictly_between += (p > 0.0 && p < 1.0) as u32;
        }
        assert!(strictly_between > 0, "a random dealer makes some probabilities fractional");
    }
}

#[test]
fn talks_sweep_runs_the_talks_simulation() {
    let dir = std::env::temp_dir().join(format!("entente-sweep-talks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("p.svg");
    let doc = json(&[
        "sweep",
        &scenario("istanbul-2025.toml"),
        "--vary",
        "instruction 1 {on,off}",
        "--vary",
        "veto state_b.khost {on,off}",
        "--repetitions",
        "8",
        "--json",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(doc["kind"], "talks");
    assert_eq!(doc["format"], "entente.sweep/1");
    let settings = doc["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 4);
    for s in settings {
        let outcomes = s["outcomes"].as_array().unwrap();
        let adopted: u64 = outcomes
            .iter()
            .filter(|o| o["outcome"].as_str().unwrap().starts_with("adopted"))
            .map(|o| o["count"].as_u64().unwrap())
            .sum();
        assert_eq!(s["agreements"].as_u64().unwrap(), adopted);
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("instruction 1"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_names_the_flag() {
    let car = scenario("car-purchase.toml");
    let cases: [(&[&str], &str); 9] = [
        (&["--vary", "reservatoin buyer={0,1}"], "--vary \"reservatoin buyer={0,1}\""),
        (&["--vary", "reservation byer={0,1}"], "no party \"byer\""),
        (&["--vary", "param buyer.exponnt={1,2}"], "unknown strategy parameter \"exponnt\""),
        (&["--vary", "reservation buyer={}"], "the grid is empty"),
        (&["--vary", "reservation buyer={1:0:0.1}"], "is empty: start 1 > end 0"),
        (&["--vary", "reservation buyer"], "no {…} slot"),
        (
            &["--vary", "reservation buyer={0:1:0.01}", "--vary", "reservation dealer={0:1:0.01}"],
            "--vary: the grid has 10201 settings (101 × 101); at most 10000",
        ),
        (&["--vary", "reservation buyer={0.2~0.8}"], "needs --draws N"),
        (&["--vary", "incident 1 {on,off}"], "talks files only"),
    ];
    for (extra, expected) in cases {
        let e = error(&[&["sweep", car.as_str()], extra].concat());
        assert!(e.contains(expected), "{extra:?}: {e}");
        assert!(e.contains("--vary"), "{extra:?}: {e}");
    }
    let e = error(&["sweep", &scenario("istanbul-2025.toml"), "--vary", "drop-issue guarantor={none}"]);
    assert!(e.contains("--vary") && e.contains("refers to by position"), "{e}");
    let e = error(&["sweep", car.as_str(), "--vary", "reservation buyer={0,1}", "--repetitions", "0"]);
    assert!(e.contains("--repetitions"), "{e}");
}

#[test]
fn settings_are_checked_whole_and_slots_sit_anywhere() {
    // The quota needs the quota rule, which another --vary sets: each setting is checked as a whole.
    let doc = json(&[
        "sweep",
        &scenario("delegation-unanimity.toml"),
        "--vary",
        "rule delegation_b=quota:{0.5,0.9}",
        "--vary",
        "quota delegation_b={0.3:0.6:0.3}",
        "--vary",
        "rounds {5,20}",
        "--repetitions",
        "3",
        "--json",
    ]);
    let settings = doc["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 8);
    assert_eq!(
        settings[7]["changes"],
        serde_json::json!(["rule delegation_b=quota:0.9", "quota delegation_b=0.6", "rounds 20"])
    );
    for s in settings {
        assert!(s["mean_rounds"].as_f64().unwrap() <= s["values"][2].as_str().unwrap().parse::<f64>().unwrap());
    }
}

#[test]
fn shards_split_the_settings_and_join_into_the_whole_sweep() {
    let car = scenario("car-purchase.toml");
    let base = [
        "sweep",
        car.as_str(),
        "--vary",
        "reservation buyer={0:0.8:0.2}",
        "--vary",
        "strategy dealer={conceder,random}",
        "--repetitions",
        "6",
        "--seed",
        "3",
        "--json",
    ];
    let whole = json(&base);
    assert!(whole.get("shard").is_none(), "a whole sweep's document has no shard field");
    let total = whole["settings"].as_array().unwrap().len();
    assert_eq!(total, 10);
    let mut joined: Vec<Value> = Vec::new();
    for i in 1..=3 {
        let part = json(&[&base[..], &["--shard", &format!("{i}/3"), "--threads", "1"]].concat());
        // ⌊(i−1)·10/3⌋ .. ⌊i·10/3⌋: 0..3, 3..6, 6..10.
        assert_eq!(part["shard"]["index"], i);
        assert_eq!(part["shard"]["count"], 3);
        assert_eq!(part["shard"]["first_setting"].as_u64().unwrap() as usize, joined.len());
        assert_eq!(part["shard"]["total_settings"].as_u64().unwrap() as usize, total);
        joined.extend(part["settings"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(joined, *whole["settings"].as_array().unwrap());
    let e = error(&[&base[..], &["--shard", "4/3"]].concat());
    assert!(e.contains("--shard") && e.contains("i must be between 1 and k = 3"), "{e}");
    // `entente sweep-merge` joins the shards' documents, in any order, into the whole sweep's, byte for byte.
    let dir = std::env::temp_dir().join(format!("entente-sweep-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for i in [3, 1, 2] {
        let o = entente(&[&base[..], &["--shard", &format!("{i}/3")]].concat());
        assert!(o.status.success());
        let f = dir.join(format!("part-{i}.json"));
        std::fs::write(&f, &o.stdout).unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    let parts: Vec<&str> = files.iter().map(String::as_str).collect();
    let merged = entente(&[&["sweep-merge", "--json"][..], &parts].concat());
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    let whole_text = entente(&base);
    assert_eq!(String::from_utf8_lossy(&merged.stdout), String::from_utf8_lossy(&whole_text.stdout));
    // A shard missing, a shard twice, a file that is no sweep's: refused by name.
    let e = error(&["sweep-merge", parts[0], parts[1]]);
    assert!(e.contains("shard"), "{e}");
    let e = error(&["sweep-merge", parts[0], parts[0], parts[1], parts[2]]);
    assert!(e.contains("shard"), "{e}");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    let e = error(&["sweep-merge", bad.to_str().unwrap()]);
    assert!(e.contains("bad.json") && e.contains("not a sweep's document"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
