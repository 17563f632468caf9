//! Issue 9, the command-line part: JSON documents, refusals of huge requests,
//! messages, completions and manual pages, on scenarios of these tests' own
//! (`tests/fixtures/`), not the reference case.

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

/// A fresh scratch folder of this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-issue9-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn talks_json_with_a_counterfactual_is_one_document() {
    let f = fixture("fishery-talks.toml");
    let v = json(&entente(&["talks", &f, "--counterfactual", "unified", "--json"]));
    assert_eq!(v["counterfactual"]["name"], "unified");
    assert!(v["counterfactual"]["description"].as_str().unwrap().contains("one voice"));
    assert_eq!(v["talks"], "Fishery talks (test case)");
    // Without a counterfactual the key is there, null.
    let v = json(&entente(&["talks", &f, "--json"]));
    assert!(v["counterfactual"].is_null());
    // The export is the log and its names; the note goes to stderr.
    let o = entente(&["talks", &f, "--counterfactual", "no-injection", "--export", "observer"]);
    assert!(json(&o)["entries"].is_array());
    assert!(stderr(&o).contains("counterfactual"), "{}", stderr(&o));
    // The text keeps its sentence.
    let o = entente(&["talks", &f, "--counterfactual", "unified"]);
    assert!(stdout(&o).starts_with("Counterfactual: "), "{}", stdout(&o));
}

#[test]
fn every_json_output_is_one_document() {
    let f = fixture("fishery-talks.toml");
    for args in [
        vec!["run", f.as_str(), "--json"],
        vec!["analyze", f.as_str(), "--json"],
        vec!["whatif", f.as_str(), "--change", "veto fleet.unions on", "--json"],
    ] {
        let o = entente(&args);
        let v = json(&o);
        assert!(v.is_object(), "{args:?}");
    }
}

#[test]
fn convert_refuses_to_overwrite_its_input() {
    let dir = scratch("convert");
    let f = dir.join("f.toml");
    std::fs::copy(fixture("fishery-talks.toml"), &f).unwrap();
    let before = std::fs::read(&f).unwrap();
    let p = f.to_str().unwrap();
    let o = entente(&["convert", p, p, "--to", "toml"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("never overwrites its input"), "{}", stderr(&o));
    // The same file by another name.
    let other = dir.join(".").join("f.toml");
    let o = entente(&["convert", p, other.to_str().unwrap(), "--to", "toml"]);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert_eq!(std::fs::read(&f).unwrap(), before, "the input is untouched");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A two-party scenario over one issue: `p` (random, `negotiator` as given) and `q` (the opposite preferences).
fn random_scenario(negotiator: &str) -> String {
    format!(
        "name = \"random test\"\n[protocol]\nn_steps = 60\n[[issues]]\nname = \"x\"\nvalues = [\"a\", \"b\", \"c\", \"d\"]\n\
         [[parties]]\nname = \"p\"\nreservation = 0.6\nnegotiator = {negotiator}\n\
         [parties.issues]\nx = {{ weight = 1.0, values = [1.0, 0.7, 0.3, 0.0] }}\n\
         [[parties]]\nname = \"q\"\nnegotiator = {{ strategy = \"tough\" }}\n\
         [parties.issues]\nx = {{ weight = 1.0, values = [0.0, 0.3, 0.7, 1.0] }}\n"
    )
}

#[test]
fn random_strategy_with_every_probability_zero_is_refused() {
    let dir = scratch("random0");
    let f = dir.join("r.toml");
    std::fs::write(&f, random_scenario(r#"{ strategy = "random", p_accept = 0.0, p_reject = 0.0, p_end = 0.0 }"#))
        .unwrap();
    let o = entente(&["run", f.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("r.toml:10:14: party \"p\": negotiator: p_accept:"), "located: {e}");
    assert!(e.contains("p_accept, p_reject and p_end are all 0"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn random_strategy_agrees_below_its_reservation_only_when_asked() {
    let dir = scratch("random-rv");
    let f = dir.join("r.toml");
    // The tough partner only ever offers d (worth 0 to p, below its reservation 0.6).
    std::fs::write(&f, random_scenario(r#"{ strategy = "random", p_accept = 1.0, p_reject = 0.0, p_end = 0.0 }"#))
        .unwrap();
    for seed in ["1", "2", "3"] {
        let v = json(&entente(&["run", f.to_str().unwrap(), "--json", "--seed", seed]));
        if !v["agreement"].is_null() {
            assert!(v["utilities"][0].as_f64().unwrap() >= 0.6, "agreement below p's reservation: {}", v["utilities"]);
        }
    }
    let asked =
        r#"{ strategy = "random", p_accept = 1.0, p_reject = 0.0, p_end = 0.0, accept_below_reservation = true }"#;
    std::fs::write(&f, random_scenario(asked)).unwrap();
    let v = json(&entente(&["run", f.to_str().unwrap(), "--json", "--seed", "1"]));
    assert_eq!(v["utilities"][0].as_f64(), Some(0.0), "asked to, it accepts the tough partner's offer: {v}");
    // Only the random strategy takes the parameter.
    let other = r#"{ strategy = "boulware", accept_below_reservation = true }"#;
    std::fs::write(&f, random_scenario(other)).unwrap();
    let o = entente(&["run", f.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("accept_below_reservation: strategy \"boulware\" takes no such parameter"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `entente ARGS` under a 4 GB address-space limit (`ulimit -v 4000000`), as a shell runs it.
fn entente_limited(args: &[&str]) -> Output {
    let mut script = String::from("ulimit -v 4000000 && exec \"$0\"");
    for k in 0..args.len() {
        script.push_str(&format!(" \"${}\"", k + 1));
    }
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_entente"))
        .args(args)
        .output()
        .expect("run entente under ulimit")
}

/// Refused (exit code 2, not a signal) with a message naming `what`, the limit and how to raise it.
fn refused_for_memory(o: &Output, what: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected a refusal, got {:?}: {e}", o.status);
    assert!(e.contains(what), "{e:?} lacks {what:?}");
    assert!(e.contains("above the memory budget of 2.0 GiB"), "{e}");
    assert!(e.contains("--memory-budget SIZE"), "{e}");
    assert!(stdout(o).is_empty(), "nothing printed before the refusal");
}

const HUGE_INTEGER: &str = r#"name = "huge integer issue"
[[issues]]
name = "price"
min = 0
max = 99999999
[[parties]]
name = "buyer"
negotiator = { strategy = "boulware" }
[parties.issues]
price = { weight = 1.0, clamped_linear = { slope = -0.00000001, origin = 0.0, offset = 1.0 } }
[[parties]]
name = "seller"
negotiator = { strategy = "boulware" }
[parties.issues]
price = { weight = 1.0, clamped_linear = { slope = 0.00000001, origin = 0.0, offset = 0.0 } }
"#;

#[test]
fn huge_requests_are_refused_before_allocating() {
    let dir = scratch("huge");
    let f = fixture("fishery-talks.toml");
    refused_for_memory(&entente_limited(&["run", &f, "--n-steps", "100000000"]), "--n-steps 100000000");
    refused_for_memory(
        &entente_limited(&["whatif", &f, "--change", "rounds 100000000"]),
        "--change \"rounds 100000000\" (the changed case)",
    );
    refused_for_memory(&entente_limited(&["analyze", &f, "--draws", "1000000000"]), "--draws 1000000000");
    refused_for_memory(&entente_limited(&["bench-analysis", "--sizes", "1000000000"]), "--sizes 1000000000");
    let int = dir.join("int.toml");
    std::fs::write(&int, HUGE_INTEGER).unwrap();
    let int = int.to_str().unwrap();
    refused_for_memory(&entente_limited(&["run", int]), "Tabulating the space of 100000000 outcomes");
    refused_for_memory(
        &entente_limited(&["analyze", int]),
        "Issue \"price\" of \"huge integer issue\", with 100000000 values",
    );
    // A GENIUS folder with a real issue, written by convert.
    let real = dir.join("real.toml");
    std::fs::write(
        &real,
        HUGE_INTEGER.replace("min = 0\nmax = 99999999", "min = 0.0\nmax = 1.0\nsteps = 5").replace("0.00000001", "1.0"),
    )
    .unwrap();
    let genius = dir.join("genius");
    let o = entente(&["convert", real.to_str().unwrap(), genius.to_str().unwrap(), "--to", "genius"]);
    assert!(o.status.success(), "{}", stderr(&o));
    refused_for_memory(
        &entente_limited(&["analyze", genius.to_str().unwrap(), "--real-steps", "1000000000"]),
        "--real-steps 1000000000",
    );
    // The budget can be lowered (and raised) and is stated.
    let o = entente(&["--memory-budget", "1M", "run", &f, "--n-steps", "100000"]);
    assert!(stderr(&o).contains("above the memory budget of 1.0 MiB"), "{}", stderr(&o));
    let o = entente(&["run", &f, "--n-steps", "100000", "--memory-budget", "lots"]);
    assert!(stderr(&o).contains("--memory-budget \"lots\": expected a size such as 512M"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn messages_for_devices_negative_values_and_plot_names() {
    let f = fixture("fishery-talks.toml");
    for cmd in ["run", "analyze", "talks"] {
        let o = entente(&[cmd, "/dev/null"]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains("/dev/null: not a regular file or a folder"), "{cmd}: {e}");
        assert!(!e.contains("no such file"), "{cmd}: {e}");
    }
    let o = entente(&["run", &f, "--n-steps", "-1"]);
    assert_eq!(stderr(&o).trim(), "error: --n-steps -1: --n-steps takes a number from 0 up, not a negative one");
    let o = entente(&["run", &f, "--seed", "-5"]);
    assert!(stderr(&o).contains("--seed takes a number from 0 up"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("-- -5"), "no suggestion to pass it after --");
    let o = entente(&["analyze", &f, "--max-seconds", "-1"]);
    assert!(stderr(&o).contains("--max-seconds must be a number of seconds above 0, not -1"), "{}", stderr(&o));
    let dir = scratch("plot-name");
    for cmd in ["run", "analyze"] {
        let png = dir.join("x.png");
        let o = entente(&[cmd, &f, "--plot", png.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("x.png: the figure is written as SVG; give a file name ending in .svg"),
            "{}",
            stderr(&o)
        );
        assert!(!png.exists(), "nothing written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn analyze_is_bounded_by_max_seconds() {
    // Five parties over 30 issues of 10 values (10^30 outcomes): the merge runs for minutes.
    let dir = scratch("max-seconds");
    let text = many(5, 30);
    let f = dir.join("five.toml");
    std::fs::write(&f, text).unwrap();
    let start = std::time::Instant::now();
    let o = entente(&["analyze", f.to_str().unwrap(), "--max-seconds", "1"]);
    let took = start.elapsed().as_secs_f64();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(took < 30.0, "stopped after {took} s");
    assert!(
        stderr(&o).contains(
            "the analysis of 1000000000000000000000000000000 outcomes of 5 parties did not finish within --max-seconds 1"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folders_given_to_talks_are_explained() {
    let dir = scratch("talks-folder");
    let toml = dir.join("d.toml");
    // GeniusWeb gives a reservation as an outcome: 0.7 is one.
    std::fs::write(&toml, random_scenario(r#"{ strategy = "boulware" }"#).replace("0.6\n", "0.7\n")).unwrap();
    for (to, name) in [("genius", "GENIUS"), ("geniusweb", "GeniusWeb")] {
        let out = dir.join(to);
        let o = entente(&["convert", toml.to_str().unwrap(), out.to_str().unwrap(), "--to", to]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = entente(&["talks", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains(&format!("a {name} folder holds a domain and preferences, not talks")), "{e}");
        assert!(e.contains("a [talks] table") && e.contains("--to toml"), "{e}");
        assert!(!e.contains("os error"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn byte_order_marks_and_latin1_are_read() {
    let dir = scratch("encodings");
    let toml = dir.join("d.toml");
    std::fs::write(
        &toml,
        random_scenario(r#"{ strategy = "boulware" }"#).replace("\"d\"]", "\"café\"]").replace("0.6\n", "0.7\n"),
    )
    .unwrap();
    // GeniusWeb: a profile with a UTF-8 byte-order mark is read as without it.
    let web = dir.join("web");
    assert!(entente(&["convert", toml.to_str().unwrap(), web.to_str().unwrap(), "--to", "geniusweb"]).status.success());
    let profile = web.join("p.json");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(std::fs::read(&profile).unwrap());
    std::fs::write(&profile, bytes).unwrap();
    let v = json(&entente(&["analyze", web.to_str().unwrap(), "--json"]));
    assert!(v.to_string().contains("café"), "{v}");
    // GENIUS: a Latin-1 file is decoded (é is the single byte 0xE9), not read with U+FFFD.
    let genius = dir.join("genius");
    assert!(entente(&["convert", toml.to_str().unwrap(), genius.to_str().unwrap(), "--to", "genius"]).status.success());
    let mut latin1 = 0;
    for entry in std::fs::read_dir(&genius).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
        let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
        latin1 += bytes.contains(&0xE9) as usize;
        std::fs::write(&path, bytes).unwrap();
    }
    assert!(latin1 >= 1, "the GENIUS files name the value café");
    let v = json(&entente(&["analyze", genius.to_str().unwrap(), "--json"]));
    let s = v.to_string();
    assert!(s.contains("café") && !s.contains('\u{FFFD}'), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `2^k` for a power of two.
fn power(n: u128) -> String {
    assert!(n.is_power_of_two());
    format!("2^{}", n.trailing_zeros())
}

#[test]
fn the_enumeration_limits_are_stated_as_the_constants_say() {
    use entente_core::analysis::plan::{ENUMERATION_LIMIT, TALKS_ENUMERATION_LIMIT, ZONE_ENUMERATION_LIMIT};
    let table = entente_core::table::MAX_TABLE_OUTCOMES as u128;
    let help = stdout(&entente(&["analyze", "--help"]));
    assert!(help.contains(&format!("Enumerate spaces up to {} outcomes", power(ENUMERATION_LIMIT))), "{help}");
    assert!(help.contains(&format!("at most {} outcomes, a table's limit", power(table))), "{help}");
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    for (n, name) in [
        (ENUMERATION_LIMIT, "ENUMERATION_LIMIT"),
        (ZONE_ENUMERATION_LIMIT, "ZONE_ENUMERATION_LIMIT"),
        (TALKS_ENUMERATION_LIMIT, "TALKS_ENUMERATION_LIMIT"),
        (table, "MAX_TABLE_OUTCOMES"),
    ] {
        let said = format!("{} ", power(n));
        let at = readme.find(&format!("(`{name}`")).unwrap_or_else(|| panic!("README names {name}"));
        let before = &readme[at.saturating_sub(120)..at];
        assert!(before.contains(&said), "README states {name} as {said}: {before:?}");
    }
    assert!(readme.contains(&format!("Spaces up to {} outcomes are enumerated", power(ENUMERATION_LIMIT))));
}

#[test]
fn completions_manual_pages_versions_and_strategies_in_help() {
    for shell in ["bash", "zsh", "fish"] {
        let o = entente(&["completions", shell]);
        assert!(o.status.success(), "{}", stderr(&o));
        let s = stdout(&o);
        assert!(s.contains("entente") && s.contains("bench-analysis") && s.contains("memory-budget"), "{shell}");
    }
    let o = entente(&["man"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains(".TH entente 1"), "{}", stdout(&o));
    let dir = scratch("man");
    let o = entente(&["man", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in ["entente.1", "entente-run.1", "entente-talks.1", "entente-analyze.1"] {
        assert!(dir.join(page).is_file(), "{page}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let version = env!("CARGO_PKG_VERSION");
    for cmd in ["run", "talks", "analyze", "whatif"] {
        let o = entente(&[cmd, "--version"]);
        assert!(o.status.success());
        assert_eq!(stdout(&o).trim(), format!("entente-{cmd} {version}"));
    }
    // Every strategy the help lists is one the model accepts, and the model's list is the help's.
    let help = stdout(&entente(&["run", "--help"]));
    let listed = help.split("Strategies: ").nth(1).unwrap().split(" (or").next().unwrap();
    let names: Vec<&str> = listed
        .split(',')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|s| s.leak() as &str)
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    let unknown = entente_model::StrategySpec::from_name("nope", &Default::default()).unwrap_err().to_string();
    for n in &names {
        assert!(unknown.contains(n), "{n} not in {unknown}");
    }
}

#[test]
fn talks_take_a_seed() {
    let f = fixture("fishery-talks.toml");
    let v = json(&entente(&["talks", &f, "--json", "--seed", "99"]));
    assert!(v["run"].is_object());
    let o = entente(&["talks", &f, "--seed", "-1"]);
    assert!(stderr(&o).contains("--seed takes a number from 0 up"), "{}", stderr(&o));
}

/// A scenario of `parties` parties over `issues` issues of 10 values, with made-up additive utilities.
fn many(parties: u64, issues: u64) -> String {
    let mut text = format!("name = \"{parties} parties\"\n");
    for i in 0..issues {
        text.push_str(&format!("[[issues]]\nname = \"i{i}\"\nvalues = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"j\", \"k\"]\n"));
    }
    for p in 0..parties {
        text.push_str(&format!("[[parties]]\nname = \"p{p}\"\n[parties.issues]\n"));
        for i in 0..issues {
            let v: Vec<String> = (0..10u64)
                .map(|j| format!("{:.3}", ((p * 7919 + i * 104729 + j * 1299709) % 1000) as f64 / 1000.0))
                .collect();
            text.push_str(&format!("i{i} = {{ weight = 1.0, values = [{}] }}\n", v.join(", ")));
        }
    }
    text
}

#[test]
fn a_plot_of_17_parties_prints_the_analysis_and_says_why_there_is_none() {
    let dir = scratch("plot17");
    let f = dir.join("p17.toml");
    std::fs::write(&f, many(17, 2)).unwrap();
    let svg = dir.join("p17.svg");
    let o = entente(&["analyze", f.to_str().unwrap(), "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Pareto"), "{}", stdout(&o));
    assert!(stderr(&o).contains("no figure: 17 parties, and a figure shows at most 10"), "{}", stderr(&o));
    assert!(!svg.exists());
    // And the JSON stays one document.
    let v = json(&entente(&["analyze", f.to_str().unwrap(), "--plot", svg.to_str().unwrap(), "--json"]));
    assert!(v.is_object());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn large_domains_are_plotted_from_a_uniform_sample() {
    let dir = scratch("plot-sample");
    let f = dir.join("big.toml");
    std::fs::write(&f, many(2, 6)).unwrap();
    let svg = dir.join("big.svg");
    let o = entente(&["analyze", f.to_str().unwrap(), "--plot", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("200000 drawn at random"), "the subtitle says how the cloud was drawn");
    assert!(!s.contains("th outcome drawn"));
    let _ = std::fs::remove_dir_all(&dir);
}
