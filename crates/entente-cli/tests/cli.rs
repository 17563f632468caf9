//! The `entente` binary, end to end.

// Test code: reads its fixtures, the environment and the clock (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared is missing, and CI=true requires it");
    }
    // Not eprintln!, which the test harness captures: a skip must show in the output.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: ../shared not found beside the project");
    None
}

#[test]
fn run_without_arguments_runs_the_embedded_default() {
    let o = entente(&["run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Used car purchase: 2 parties, 3 issues, 325 outcomes"), "{out}");
    assert!(out.contains("Ended: "));
    assert!(out.contains("round  party"));
}

#[test]
fn json_output_is_complete_and_consistent() {
    let o = entente(&["run", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["schema"], "entente.run/1");
    let offers = v["offers"].as_array().unwrap();
    assert!(!offers.is_empty());
    let rounds = v["rounds"].as_u64().unwrap();
    assert!(rounds >= 1 && rounds <= v["n_steps"].as_u64().unwrap());
    for o in offers {
        assert_eq!(o["utilities"].as_array().unwrap().len(), 2);
        assert_eq!(o["outcome"].as_object().unwrap().len(), 3);
    }
    match v["end"]["reason"].as_str().unwrap() {
        "agreement" => {
            let last = offers.last().unwrap();
            assert_eq!(v["agreement"]["outcome"], last["outcome"]);
            assert_eq!(v["utilities"], last["utilities"]);
        }
        _ => assert!(v["agreement"].is_null()),
    }
}

#[test]
fn same_seed_same_result_and_seed_override() {
    let f = root().join("scenarios/job-offer.toml");
    let f = f.to_str().unwrap();
    let a = entente(&["run", f, "--json", "--seed", "9", "--strategy", "employer=random"]);
    let b = entente(&["run", f, "--json", "--seed", "9", "--strategy", "employer=random"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(v["seed"], 9);
    assert_eq!(v["parties"][0]["strategy"], "Random");
}

#[test]
fn errors_name_the_file_and_position_and_exit_non_zero() {
    let dir = std::env::temp_dir().join(format!("entente-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(root().join("scenarios/car-purchase.toml")).unwrap();
    std::fs::write(&bad, text.replace("n_steps = 60", "n_steps = -3")).unwrap();
    let o = entente(&["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.toml:") && err.contains("n_steps must be from 1"), "{err}");
    let o = entente(&["run", "--strategy", "buyer=bolware"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown strategy \"bolware\""));
    let o = entente(&["run", "--strategy", "nobody=boulware"]);
    assert!(stderr(&o).contains("no party \"nobody\""));
    let o = entente(&["run", "/nonexistent/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/scenario.toml"));
}

#[test]
fn conformance_counts_passes_and_names_the_diverging_round() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("parity/cases");
    let dir = std::env::temp_dir().join(format!("entente-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Three real cases without ties replay exactly.
    for name in [
        "anac2011_Camera__Boul-Lin__n100.json",
        "rand_3x10_integrative_s0__Lin-Lin__n10.json",
        "rand3p_2x7_integrative_s2__TFT-TFT-TFT__n10.json",
    ] {
        copy_case(&cases, name, &dir);
    }
    // A case whose recorded trace we alter at its third offer: it must fail there.
    let src = std::fs::read_to_string(cases.join("rand_3x10_integrative_s0__Lin-Lin__n10.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&src).unwrap();
    let round = v["trace"][2][0].as_u64().unwrap();
    let first = v["trace"][2][2][0].as_u64().unwrap();
    v["trace"][2][2][0] = serde_json::json!((first + 1) % 10);
    std::fs::write(dir.join("altered.json"), v.to_string()).unwrap();
    // A file that is not a case at all.
    std::fs::write(dir.join("broken.json"), "{\"id\": 3").unwrap();
    let o = entente(&["conformance", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.trim_end().ends_with("3 passed, 2 failed"), "{out}");
    assert!(out.contains(&format!("FAILED altered.json: diverged at round {round}")), "{out}");
    assert!(out.contains("FAILED broken.json"), "{out}");
}

fn copy_case(cases: &Path, name: &str, dir: &Path) {
    let path = cases.join(name);
    assert!(path.exists(), "missing parity case {name}");
    std::fs::copy(path, dir.join(name)).unwrap();
}

#[test]
fn run_reads_genius_and_geniusweb_folders_and_convert_round_trips() {
    let Some(shared) = shared() else { return };
    let camera = shared.join("domains/anac2011_Camera");
    let o =
        entente(&["run", camera.to_str().unwrap(), "--json", "--strategy", "0=boulware", "--strategy", "1=conceder"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["n_outcomes"], "3600");
    assert_eq!(v["parties"][0]["name"], "camera_buyer_utility");
    // Without strategies a folder cannot run: the error says what to do.
    let o = entente(&["run", camera.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no negotiator"), "{}", stderr(&o));
    // GENIUS -> TOML, then the TOML runs to the same result.
    let dir = std::env::temp_dir().join(format!("entente-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("camera.toml");
    let _ = std::fs::remove_file(&toml);
    let o = entente(&["convert", camera.to_str().unwrap(), toml.to_str().unwrap(), "--to", "toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o2 =
        entente(&["run", toml.to_str().unwrap(), "--json", "--strategy", "0=boulware", "--strategy", "1=conceder"]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let w: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(v["offers"], w["offers"]);
    assert_eq!(v["agreement"], w["agreement"]);
    let web = shared.join("domains/geniusweb_anl2023_domain00");
    let o = entente(&["run", web.to_str().unwrap(), "--strategy", "0=aspiration", "--strategy", "1=linear"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("6480 outcomes"));
}

#[test]
fn analyze_reports_frontier_and_solutions_and_draws() {
    let o = entente(&["analyze", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "entente.analysis/2");
    assert_eq!(v["outcomes"], "325");
    let frontier = v["frontier"].as_array().unwrap();
    assert_eq!(frontier.len() as u64, v["pareto"]["distinct"].as_u64().unwrap());
    // The Nash point is a frontier point.
    let nash = &v["nash_negmas"][0]["utilities"];
    assert!(frontier.iter().any(|p| &p["utilities"] == nash));
    let text = entente(&["analyze"]);
    let out = stdout(&text);
    for needle in ["Pareto frontier:", "Nash (NegMAS)", "Kalai-Smorodinsky (textbook)", "GENIUS \"KS\"", "Opposition"] {
        assert!(out.contains(needle), "{needle} missing from:\n{out}");
    }
    let svg = std::env::temp_dir().join(format!("entente-analyze-{}.svg", std::process::id()));
    let o = entente(&["analyze", "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = std::fs::read_to_string(&svg).unwrap();
    assert!(doc.starts_with("<svg") && doc.contains("Pareto frontier") && doc.contains("buyer"));
}

#[test]
fn run_reports_agreement_measures_and_draws_the_negotiation() {
    let svg = std::env::temp_dir().join(format!("entente-run-{}.svg", std::process::id()));
    let o = entente(&["run", "--json", "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let m = &v["agreement_measures"];
    let u: Vec<f64> = v["utilities"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(m["welfare"].as_f64().unwrap(), u[0] + u[1]);
    assert!(m["pareto_distance"].as_f64().unwrap() >= 0.0);
    assert!(m["nash_distance"].as_f64().unwrap() >= 0.0);
    let doc = std::fs::read_to_string(&svg).unwrap();
    assert!(doc.contains("agreement") && doc.contains("offers by buyer"), "legend entries in the figure");
}

#[test]
fn analyze_merges_large_additive_domains() {
    let Some(shared) = shared() else { return };
    let ampo = shared.join("domains/other_AMPOvsCity");
    let o = entente(&["analyze", ampo.to_str().unwrap(), "--method", "merge", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // REFERENCE_STATS: 192 distinct frontier points, 283 with ties, Nash (0.7060, 0.7830).
    assert_eq!(v["pareto"]["distinct"], 192);
    assert_eq!(v["pareto"]["with_ties"], "283");
    let nash: Vec<f64> =
        v["nash_genius"]["utilities"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!((nash[0] - 0.7060).abs() < 5e-5 && (nash[1] - 0.7830).abs() < 5e-5, "{nash:?}");
}

#[test]
fn analyze_diagnoses_divided_delegations() {
    let f = root().join("scenarios/delegation-unanimity.toml");
    let o = entente(&["analyze", f.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &v["delegations"]["report"];
    assert_eq!(r["diagnosis"]["case"], "blocked_internally");
    assert_eq!(r["bloc_zone"], 0);
    assert!(r["unitary_zone"].as_u64().unwrap() > 0);
    let responsible: Vec<&str> =
        r["diagnosis"]["responsible"].as_array().unwrap().iter().map(|p| p[1].as_str().unwrap()).collect();
    assert!(responsible.contains(&"khost"), "{responsible:?}");
    let text = stdout(&entente(&["analyze", f.to_str().unwrap()]));
    assert!(text.contains("Diagnosis: possible in substance but blocked internally"), "{text}");
    // After the break, the weighted example's hardliners hold a veto.
    let w = root().join("scenarios/delegation-weighted.toml");
    let before: serde_json::Value =
        serde_json::from_str(&stdout(&entente(&["analyze", w.to_str().unwrap(), "--json"]))).unwrap();
    let after: serde_json::Value =
        serde_json::from_str(&stdout(&entente(&["analyze", w.to_str().unwrap(), "--json", "--at", "0.6"]))).unwrap();
    let win = |v: &serde_json::Value| v["delegations"]["report"]["win_sets"][1][1].as_u64().unwrap();
    assert!(win(&after) < win(&before), "a new veto shrinks the win-set");
}

#[test]
fn run_reports_involuntary_defection() {
    let w = root().join("scenarios/delegation-weighted.toml");
    let o = entente(&["run", w.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["end"]["reason"], "agreement");
    let r = &v["ratification"][1];
    assert_eq!(r["ratified"], false);
    assert_eq!(r["rejecting"][0], "hardliners");
    assert!(stdout(&entente(&["run", w.to_str().unwrap()])).contains("NOT RATIFIED by debtor"));
}

#[test]
fn analyze_estimates_the_probability_of_ratification() {
    let f = root().join("scenarios/delegation-quota.toml");
    let run = || entente(&["analyze", f.to_str().unwrap(), "--json", "--draws", "400", "--seed", "3"]);
    let (a, b) = (run(), run());
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b), "same seed, same estimate");
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let r = &v["ratification"];
    assert!(r.is_object(), "{v}");
    let text = stdout(&entente(&["analyze", f.to_str().unwrap(), "--draws", "400", "--seed", "3"]));
    assert!(text.contains("Probability of ratification under uncertainty (400 draws, seed 3"), "{text}");
}

#[test]
fn talks_print_the_reference_case_and_export_by_role() {
    let o = entente(&["talks"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "=== Day 1 ===",
        "=== Day 4 ===",
        "NEW ITEM tabled by state_b: guarantor",
        "REOPENED",
        "The mediators' assessment",
    ] {
        assert!(out.contains(needle), "{needle} missing");
    }
    let v: serde_json::Value = serde_json::from_str(&stdout(&entente(&["talks", "--json"]))).unwrap();
    assert_eq!(v["schema"], "entente.talks/2");
    assert_eq!(v["run"]["assessment"]["blockage"], "internal");
    let a: serde_json::Value = serde_json::from_str(&stdout(&entente(&["talks", "--export", "state_a"]))).unwrap();
    assert_eq!(a["schema"], "entente.export/1");
    assert!(
        a["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["visibility"]["channel"] == "public" || e["visibility"]["party"] == 0)
    );
    // The names the indices refer to, as the scenario file writes them.
    assert_eq!(a["issues"][0]["name"], "assurances");
    assert_eq!(a["issues"][0]["kind"]["discrete"]["values"][2], "written");
    assert_eq!(a["parties"][1], "state_b");
    assert!(a["actors"].as_array().unwrap().iter().any(|x| x["name"] == "capital of state_b"), "{}", a["actors"]);
    let o = entente(&["talks", "--export", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    let u = stdout(&entente(&["talks", "--counterfactual", "unified"]));
    assert!(u.contains("ADOPTED"), "{u}");
}

#[test]
fn run_on_a_talks_file_points_to_the_talks_command() {
    let file = root().join("scenarios/istanbul-2025.toml");
    let o = entente(&["run", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("entente talks"), "{}", stderr(&o));
    let plain = entente(&["run", root().join("scenarios/job-offer.toml").to_str().unwrap()]);
    assert!(!stderr(&plain).contains("entente talks"));
}

/// The README's figure of the reference case is what `entente talks --plot` draws (regenerate it with
/// `cargo run --release -- talks --plot docs/figures/talks-istanbul.svg`).
#[test]
fn the_committed_talks_figure_is_what_the_command_draws() {
    let dir = std::env::temp_dir().join(format!("entente-talks-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("talks-istanbul.svg");
    let o = entente(&["talks", "--plot", path.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("Istanbul round"), "the transcript is still printed");
    let drawn = std::fs::read_to_string(&path).expect("the figure");
    let committed = std::fs::read_to_string(root().join("docs/figures/talks-istanbul.svg")).expect("committed");
    assert!(drawn == committed, "docs/figures/talks-istanbul.svg is stale: regenerate it (see the test's doc)");
    // A party's figure: its own curves and blocs, never the other side's.
    let o = entente(&["talks", "--plot", path.to_str().expect("utf-8"), "--export", "state_b"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let b = std::fs::read_to_string(&path).expect("the figure");
    assert!(b.contains("state_b: utility of the text") && !b.contains("state_a: utility of the text"));
    // A counterfactual: the base round above the changed one.
    let o = entente(&["talks", "--plot", path.to_str().expect("utf-8"), "--counterfactual", "unified"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let both = std::fs::read_to_string(&path).expect("the figure");
    assert!(
        both.contains("Base round — no agreement")
            && both.contains("Counterfactual: unified — the package was adopted")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
