//! `entente mediate`, end to end: one JSON document, the same result whatever
//! the thread count, GENIUS folders with several parties, figures, and bad
//! input refused with the flag named.

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

fn scenario(name: &str) -> String {
    root().join("scenarios").join(name).to_string_lossy().into_owned()
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
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document: {e}"))
}

fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared is missing, and CI=true requires it");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: ../shared not found beside the project");
    None
}

#[test]
fn json_is_one_document_with_both_setups_and_the_comparison() {
    let s = scenario("job-offer.toml");
    let v = json(&["mediate", &s, "--seeds", "1..12", "--steps", "100", "--compare", "--json"]);
    assert_eq!(v["schema"], "entente.mediate/1");
    assert_eq!(v["seeds"].as_array().unwrap().len(), 12);
    let setups = v["setups"].as_array().unwrap();
    assert_eq!(setups.len(), 2);
    assert_eq!(setups[0]["setup"]["mediator"], "annealing");
    assert_eq!(setups[1]["setup"]["mediator"], "veto");
    assert_eq!(setups[1]["setup"]["voters"], "hill-climbing");
    for s in setups {
        let runs = s["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 12);
        // The summary's mean is the mean of the runs.
        let mean = runs.iter().map(|r| r["welfare"].as_f64().unwrap()).sum::<f64>() / 12.0;
        assert!((s["summary"]["welfare"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
        let pareto = runs.iter().filter(|r| r["pareto"] == true).count();
        assert_eq!(s["summary"]["pareto"]["count"], pareto);
    }
    let c = &v["comparison"];
    let d: f64 = (0..12)
        .map(|k| setups[0]["runs"][k]["nash"].as_f64().unwrap() - setups[1]["runs"][k]["nash"].as_f64().unwrap())
        .sum::<f64>()
        / 12.0;
    assert!((c["nash"]["difference"]["mean"].as_f64().unwrap() - d).abs() < 1e-12);
    // Without a second set-up there is no comparison.
    let v = json(&["mediate", &s, "--seeds", "4", "--steps", "20", "--voters", "annealing", "--json"]);
    assert!(v["comparison"].is_null());
    assert_eq!(v["setups"][0]["setup"]["voters"], "annealing");
}

#[test]
fn the_same_output_whatever_the_thread_count() {
    let s = scenario("job-offer.toml");
    let args = |t: &'static str| {
        vec!["mediate", s.as_str(), "--seeds", "1..16", "--steps", "150", "--vs", "voters=annealing", "--threads", t]
    };
    let one = entente(&args("1"));
    assert!(one.status.success(), "{}", stderr(&one));
    for t in ["2", "5"] {
        let other = entente(&args(t));
        assert_eq!(stdout(&one), stdout(&other), "--threads {t}");
    }
    assert!(stdout(&one).contains("Paired over the same seeds"), "{}", stdout(&one));
}

#[test]
fn delegations_bring_their_veto_blocs_and_a_figure_is_drawn() {
    let s = scenario("delegation-unanimity.toml");
    let dir = std::env::temp_dir().join(format!("entente-mediate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("welfare.svg");
    let o = entente(&["mediate", &s, "--seeds", "1..5", "--steps", "60", "--compare", "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("veto blocs judging the final text"), "{}", stdout(&o));
    let figure = std::fs::read_to_string(&svg).unwrap();
    assert!(figure.starts_with("<svg") && figure.contains("joint welfare"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_genius_folder_with_three_parties() {
    let Some(shared) = shared() else { return };
    let folder = shared.join("domains/anac2015_group2-politics");
    let v = json(&[
        "mediate",
        folder.to_str().unwrap(),
        "--all-profiles",
        "--seeds",
        "1..3",
        "--steps",
        "50",
        "--compare",
        "--json",
    ]);
    assert_eq!(v["domain"]["outcomes"], 23040);
    assert_eq!(v["domain"]["parties"].as_array().unwrap().len(), 3);
    assert_eq!(v["setups"][0]["runs"][0]["utilities"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_input_is_refused_with_the_flag_named() {
    let s = scenario("job-offer.toml");
    for (args, says) in [
        (vec!["--seeds", "9..2"], "--seeds"),
        (vec!["--seeds", "1..2000000"], "more than"),
        (vec!["--threads", "0"], "--threads"),
        (vec!["--vs", "mediator=boss"], "--vs"),
        (vec!["--level", "1.5"], "--level"),
        (vec!["--steps", "0"], "steps"),
        (vec!["--plot", "figure.png"], ".png"),
        (vec!["--steps", "4000000000", "--memory-budget", "64M"], "memory budget"),
    ] {
        let mut all = vec!["mediate", s.as_str()];
        all.extend(args.iter().copied());
        let o = entente(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{all:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{all:?}");
    }
    // One party: nothing to mediate.
    let dir = std::env::temp_dir().join(format!("entente-mediate-one-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let one = dir.join("one.toml");
    std::fs::write(
        &one,
        "name = \"one\"\n[[issues]]\nname = \"x\"\nvalues = [\"a\", \"b\"]\n[[parties]]\nname = \"solo\"\n\
         [parties.issues]\nx = { weight = 1.0, values = { a = 0.0, b = 1.0 } }\n",
    )
    .unwrap();
    let o = entente(&["mediate", one.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("party") || stderr(&o).contains("parties"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
