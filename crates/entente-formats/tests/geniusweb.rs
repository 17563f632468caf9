//! GeniusWeb JSON: the two ANL 2023 domains of `../shared/domains` load with
//! the published figures, utilities match a computation on the raw JSON,
//! reservation bids and number issues follow GeniusWeb, every domain
//! round-trips (also through GENIUS XML and TOML), malformed files give errors
//! with the field path, and mutated files never panic.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::path::{Path, PathBuf};

use entente_core::{IssueKind, OutcomeSpace, UtilityFunction, Value};
use entente_formats::{
    FormatError, ReadOptions, load_scenario, parse_scenario, read_geniusweb, read_geniusweb_folder, write_genius,
    write_geniusweb, write_scenario,
};
use entente_model::Scenario;
use proptest::prelude::*;
use serde_json::{Value as Json, json};

fn domains_dir() -> Option<PathBuf> {
    common::shared_dir("domains")
}

const FOLDERS: [(&str, &str, u128); 2] =
    [("geniusweb_anl2023_domain00", "domain00.json", 6480), ("geniusweb_anl2023_domain28", "domain28.json", 9600)];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-gw-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_same(a: &Scenario, b: &Scenario, what: &str) {
    assert_eq!(a.space.issues(), b.space.issues(), "{what}: issues");
    assert_eq!(a.parties.len(), b.parties.len(), "{what}");
    for (p, q) in a.parties.iter().zip(&b.parties) {
        assert_eq!(p.name, q.name, "{what}");
        assert_eq!(p.utility.reservation().to_bits(), q.utility.reservation().to_bits(), "{what}: {}", p.name);
        assert_eq!(p.utility.discount(), q.utility.discount(), "{what}: {}", p.name);
        a.space.for_each_outcome(|v| {
            assert_eq!(p.utility.utility(v).to_bits(), q.utility.utility(v).to_bits(), "{what}: {} at {v:?}", p.name);
            true
        });
    }
}

/// Σ w_i · u_i(x_i) over the raw profile JSON, in the domain's issue order.
fn raw_utility(profile: &Json, domain: &Json, labels: &[Value]) -> f64 {
    let la = &profile["LinearAdditiveUtilitySpace"];
    let mut u = 0.0;
    for ((issue, _), label) in domain["issuesValues"].as_object().unwrap().iter().zip(labels) {
        let Value::Text(v) = label else { panic!("discrete domains only") };
        let x = la["issueUtilities"][issue]["DiscreteValueSetUtilities"]["valueUtilities"][v].as_f64().unwrap();
        u += la["issueWeights"][issue].as_f64().unwrap() * x;
    }
    u
}

#[test]
fn the_anl_domains_load_and_match_the_raw_json() {
    let Some(dir) = domains_dir() else { return };
    for (folder, domain_file, n) in FOLDERS {
        let f = dir.join(folder);
        let s = read_geniusweb_folder(&f, None, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.space.cardinality(), n, "{folder}");
        assert_eq!(s.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["profileA", "profileB"]);
        let domain = read(&f.join(domain_file));
        assert_eq!(s.name, domain["name"].as_str().unwrap());
        // issues in the JSON object's order
        let names: Vec<&str> = s.space.issues().iter().map(|i| i.name.as_str()).collect();
        let json_names: Vec<&str> = domain["issuesValues"].as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, json_names);
        for p in &s.parties {
            assert_eq!(p.utility.reservation(), f64::NEG_INFINITY, "no reservationBid: no reservation value");
            assert_eq!(p.utility.discount(), None);
            let raw = read(&f.join(format!("{}.json", p.name)));
            for i in 0..n {
                let labels = s.space.labels(i).unwrap();
                let v = s.space.values_of(i).unwrap();
                let (ours, theirs) = (p.utility.utility(&v), raw_utility(&raw, &domain, &labels));
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{folder} {} outcome {i}", p.name);
            }
        }
        // The published special points: our utilities of their bids.
        let specials = read(&f.join("specials.json"));
        for key in ["nash", "kalai", "social_welfare"] {
            let bid = specials[key]["bid"].as_object().unwrap();
            let labels: Vec<Value> =
                s.space.issues().iter().map(|i| Value::Text(bid[&i.name].as_str().unwrap().into())).collect();
            let v = s.space.values_of(s.space.index_of_labels(&labels).unwrap()).unwrap();
            for (k, p) in s.parties.iter().enumerate() {
                let want = specials[key]["utility"][k].as_f64().unwrap();
                let got = p.utility.utility(&v);
                assert!((got - want).abs() < 1e-9, "{folder} {key} party {k}: {got} vs {want}");
            }
        }
    }
}

#[test]
fn every_domain_round_trips_through_geniusweb_genius_and_toml() {
    let Some(dir) = domains_dir() else { return };
    for (folder, domain_file, _) in FOLDERS {
        let f = dir.join(folder);
        let profiles = vec![f.join("profileA.json"), f.join("profileB.json")];
        let s = read_geniusweb(&f.join(domain_file), &profiles, &ReadOptions::default()).unwrap();
        let names: Vec<String> = s.parties.iter().map(|p| p.name.clone()).collect();
        let out = temp_dir(folder);
        write_geniusweb(&s, &out.join("web")).unwrap();
        let back = read_geniusweb_folder(&out.join("web"), Some(&names), &ReadOptions::default()).unwrap();
        assert_eq!(back.name, s.name);
        assert_same(&s, &back, &format!("{folder} via GeniusWeb"));
        // GeniusWeb utilities are already in [0, 1] with a maximum of 1: GENIUS can hold them exactly.
        write_genius(&s, &out.join("xml")).unwrap();
        let xml = load_scenario(&out.join("xml"), Some(&names), &ReadOptions::default()).unwrap();
        assert_same(&s, &xml, &format!("{folder} via GENIUS"));
        let toml = parse_scenario(&write_scenario(&s).unwrap(), Path::new("x.toml")).unwrap();
        assert_same(&s, &toml, &format!("{folder} via TOML"));
        write_geniusweb(&toml, &out.join("web2")).unwrap();
        let again = read_geniusweb_folder(&out.join("web2"), Some(&names), &ReadOptions::default()).unwrap();
        assert_same(&s, &again, &format!("{folder} via TOML and GeniusWeb"));
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// A small domain with discrete and number issues, in a fresh folder.
fn synthetic(name: &str, domain: &Json, profiles: &[(&str, Json)]) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("dom.json"), serde_json::to_string_pretty(domain).unwrap()).unwrap();
    for (n, p) in profiles {
        std::fs::write(dir.join(format!("{n}.json")), serde_json::to_string_pretty(p).unwrap()).unwrap();
    }
    dir
}

fn small_domain() -> Json {
    json!({"name": "small", "issuesValues": {
        "colour": {"values": ["red", "green"]},
        "price": {"range": {"low": 10, "high": 14, "step": 1}},
        "share": {"range": [0.0, 1.0, 0.25]}
    }})
}

fn small_profile(reservation: Option<Json>) -> Json {
    let mut la = json!({
        "issueUtilities": {
            "colour": {"DiscreteValueSetUtilities": {"valueUtilities": {"red": 0.25, "green": 1.0}}},
            "price": {"NumberValueSetUtilities": {"lowValue": 10, "lowUtility": 1.0, "highValue": 14, "highUtility": 0.2}},
            "share": {"NumberValueSetUtilities": {"lowValue": 0.25, "lowUtility": 0.0, "highValue": 1.0, "highUtility": 1.0}}
        },
        "issueWeights": {"colour": 0.5, "price": 0.3, "share": 0.2},
        "domain": small_domain(),
        "name": "p"
    });
    if let Some(r) = reservation {
        la["reservationBid"] = r;
    }
    json!({ "LinearAdditiveUtilitySpace": la })
}

#[test]
fn number_issues_and_reservation_bids_follow_geniusweb() {
    let bid = json!({"issuevalues": {"colour": "green", "price": 12, "share": 0.5}});
    let partial = json!({"issuevalues": {"price": 11}});
    let dir = synthetic(
        "numbers",
        &small_domain(),
        &[("a", small_profile(Some(bid))), ("b", small_profile(Some(partial))), ("c", small_profile(None))],
    );
    let s = load_scenario(&dir, Some(&["a".into(), "b".into(), "c".into()]), &ReadOptions::default()).unwrap();
    assert_eq!(s.space.issues()[1].kind, IssueKind::Integer { min: 10, max: 14 });
    assert_eq!(s.space.issues()[2].kind, IssueKind::Real { min: 0.0, max: 1.0, steps: 5 });
    let price = |x: f64| 1.0 + (0.2 - 1.0) * (x - 10.0) / (14.0 - 10.0);
    let share = |x: f64| if x < 0.25 { 0.0 } else { 0.0 + (1.0 - 0.0) * (x - 0.25) / (1.0 - 0.25) };
    let u = |c: f64, p: f64, sh: f64| ((0.0 + 0.5 * c) + 0.3 * price(p)) + 0.2 * share(sh);
    let v = s
        .space
        .values_of(s.space.index_of_labels(&[Value::Text("red".into()), Value::Int(13), Value::Real(0.75)]).unwrap())
        .unwrap();
    assert_eq!(s.parties[0].utility.utility(&v), u(0.25, 13.0, 0.75));
    // share 0 lies below lowValue 0.25: utility 0
    let v0 = s.space.values_of(0).unwrap();
    assert_eq!(s.parties[0].utility.utility(&v0), u(0.25, 10.0, 0.0));
    // the reservation value is the utility of the reservation bid (missing issues count 0)
    assert_eq!(s.parties[0].utility.reservation(), u(1.0, 12.0, 0.5));
    assert_eq!(s.parties[1].utility.reservation(), 0.0 + 0.3 * price(11.0));
    assert_eq!(s.parties[2].utility.reservation(), f64::NEG_INFINITY);
    // written back, the reservation becomes a bid of the same utility
    let out = temp_dir("numbers-out");
    write_geniusweb(&s, &out).unwrap();
    let names: Vec<String> = s.parties.iter().map(|p| p.name.clone()).collect();
    let back = read_geniusweb_folder(&out, Some(&names), &ReadOptions::default()).unwrap();
    assert_same(&s, &back, "synthetic numbers");
    let written = read(&out.join("a.json"));
    assert!(written["LinearAdditiveUtilitySpace"]["reservationBid"]["issuevalues"].is_object(), "{written}");
    assert_eq!(
        read(&out.join("domain.json"))["issuesValues"]["price"]["range"],
        json!({"low": 10, "high": 14, "step": 1})
    );
    // a reservation no bid has cannot be written: refused, naming the party
    let mut odd = s.clone();
    odd.parties[2].utility = entente_core::Preferences::Additive(
        odd.parties[2].utility.as_additive().unwrap().clone().with_reservation(0.123456789),
    );
    let err = write_geniusweb(&odd, &temp_dir("odd")).unwrap_err().to_string();
    assert!(err.contains("party \"c\"") && err.contains("reservationBid"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
}

fn field_error(r: Result<Scenario, FormatError>, file: &str, field: &str, needle: &str) {
    match r {
        Err(FormatError::Field { file: f, field: fd, message }) => {
            assert!(f.ends_with(file), "{f:?}");
            assert_eq!(fd, field, "{message}");
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
        other => panic!("expected an error at {field}, got {other:?}"),
    }
}

#[test]
fn malformed_files_give_errors_naming_the_file_and_field() {
    let Some(dir) = domains_dir() else { return };
    let src = dir.join("geniusweb_anl2023_domain00");
    let domain = read(&src.join("domain00.json"));
    let profile = read(&src.join("profileA.json"));
    let other = read(&src.join("profileB.json"));
    let load = |name: &str, d: &Json, p: &Json| {
        let dir = synthetic(name, d, &[("profileA", p.clone()), ("profileB", other.clone())]);
        let r = load_scenario(&dir, None, &ReadOptions::default());
        let _ = std::fs::remove_dir_all(&dir);
        r
    };
    load("ok", &domain, &profile).unwrap();
    let la = "LinearAdditiveUtilitySpace";

    // a weight that is not a number
    let mut p = profile.clone();
    p[la]["issueWeights"]["issueC"] = json!("abc");
    field_error(load("w", &domain, &p), "profileA.json", &format!("{la}.issueWeights.issueC"), "expected a number");
    // a missing weight
    let mut p = profile.clone();
    p[la]["issueWeights"].as_object_mut().unwrap().remove("issueD");
    field_error(
        load("mw", &domain, &p),
        "profileA.json",
        &format!("{la}.issueWeights"),
        "issue \"issueD\" has no weight",
    );
    // an issue the domain does not have
    let mut p = profile.clone();
    p[la]["issueWeights"]["issueZ"] = json!(0.1);
    field_error(load("ui", &domain, &p), "profileA.json", &format!("{la}.issueWeights.issueZ"), "no issue \"issueZ\"");
    let mut p = profile.clone();
    p[la]["issueUtilities"]["issueZ"] = p[la]["issueUtilities"]["issueA"].clone();
    field_error(
        load("uu", &domain, &p),
        "profileA.json",
        &format!("{la}.issueUtilities.issueZ"),
        "no issue \"issueZ\"",
    );
    // a value utility for a value the issue lacks, and a missing one
    let vu = format!("{la}.issueUtilities.issueA.DiscreteValueSetUtilities.valueUtilities");
    let mut p = profile.clone();
    p[la]["issueUtilities"]["issueA"]["DiscreteValueSetUtilities"]["valueUtilities"]["valueQ"] = json!(0.5);
    field_error(load("uv", &domain, &p), "profileA.json", &format!("{vu}.valueQ"), "no value \"valueQ\"");
    let mut p = profile.clone();
    p[la]["issueUtilities"]["issueA"]["DiscreteValueSetUtilities"]["valueUtilities"]
        .as_object_mut()
        .unwrap()
        .remove("valueB");
    field_error(load("mv", &domain, &p), "profileA.json", &vu, "\"valueB\" of issue \"issueA\" has no utility");
    // a value utility that is not a number
    let mut p = profile.clone();
    p[la]["issueUtilities"]["issueA"]["DiscreteValueSetUtilities"]["valueUtilities"]["valueB"] = json!(null);
    field_error(load("nv", &domain, &p), "profileA.json", &format!("{vu}.valueB"), "expected a number, found null");
    // a value listed twice in the domain (the profile embeds the same domain)
    let mut d = domain.clone();
    d["issuesValues"]["issueC"]["values"] = json!(["valueA", "valueA"]);
    field_error(load("dv", &d, &profile), "dom.json", "issuesValues.issueC.values[1]", "listed twice");
    // the profile's domain differs from the domain file
    let mut d = domain.clone();
    d["issuesValues"]["issueC"]["values"] = json!(["valueA", "valueB", "valueC"]);
    field_error(load("dd", &d, &profile), "profileA.json", &format!("{la}.domain"), "differs");
    // wrong kinds of utilities
    let mut p = profile.clone();
    p[la]["issueUtilities"]["issueA"] =
        json!({"NumberValueSetUtilities": {"lowValue": 0, "lowUtility": 0, "highValue": 1, "highUtility": 1}});
    field_error(
        load("wk", &domain, &p),
        "profileA.json",
        &format!("{la}.issueUtilities.issueA.NumberValueSetUtilities"),
        "discrete",
    );
    // not a profile at all
    let r = load_scenario(&src.join("specials.json"), None, &ReadOptions::default());
    assert!(r.is_err());
    // truncated: a syntax error with line and column
    let dir2 = synthetic("trunc", &domain, &[("profileB", other.clone())]);
    let text = serde_json::to_string_pretty(&profile).unwrap();
    std::fs::write(dir2.join("profileA.json"), &text[..text.len() / 2]).unwrap();
    match load_scenario(&dir2, None, &ReadOptions::default()) {
        Err(FormatError::Syntax { file, line, .. }) => {
            assert!(file.ends_with("profileA.json"));
            assert!(line > 1);
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir2);
}

#[test]
fn writers_refuse_what_geniusweb_cannot_express() {
    let text = r#"
[[issues]]
name = "a"
values = ["x", "y"]
[[issues]]
name = "n"
min = 0
max = 4
[[parties]]
name = "p"
discount = 0.9
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
n = { weight = 0.5, interpolated = { low_value = 0.0, low_utility = 0.0, high_value = 4.0, high_utility = 1.0 } }
[[parties]]
name = "q"
[parties.issues]
a = { weight = 0.5, values = [0.0, 2.0] }
n = { weight = 0.5, linear = { slope = 0.25, intercept = 0.0 } }
"#;
    let out = temp_dir("refuse");
    let s = parse_scenario(text, Path::new("t.toml")).unwrap();
    let err = write_geniusweb(&s, &out).unwrap_err().to_string();
    assert!(err.contains("party \"p\"") && err.contains("discount"), "{err}");
    let s = parse_scenario(&text.replace("discount = 0.9\n", ""), Path::new("t.toml")).unwrap();
    let err = write_geniusweb(&s, &out).unwrap_err().to_string();
    assert!(err.contains("party \"q\", issue \"a\"") && err.contains("[0, 1]"), "{err}");
    let s =
        parse_scenario(&text.replace("discount = 0.9\n", "").replace("[0.0, 2.0]", "[0.0, 1.0]"), Path::new("t.toml"))
            .unwrap();
    let err = write_geniusweb(&s, &out).unwrap_err().to_string();
    assert!(err.contains("party \"q\", issue \"n\"") && err.contains("NumberValueSetUtilities"), "{err}");
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------

fn corpus() -> Option<&'static (OutcomeSpace, Vec<String>)> {
    use std::sync::OnceLock;
    static C: OnceLock<Option<(OutcomeSpace, Vec<String>)>> = OnceLock::new();
    C.get_or_init(|| {
        let dir = domains_dir()?.join("geniusweb_anl2023_domain28");
        let space = entente_formats::read_geniusweb_domain(&dir.join("domain28.json")).unwrap().space;
        let texts = ["domain28.json", "profileA.json", "profileB.json"]
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect();
        Some((space, texts))
    })
    .as_ref()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_geniusweb_files_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec((any::<usize>(), 0usize..3, any::<u8>(), 1usize..40), 1..6),
    ) {
        let Some((space, texts)) = corpus() else { return Ok(()) };
        let mut b = texts[which].as_bytes().to_vec();
        for (at, kind, byte, len) in edits {
            let n = b.len().max(1);
            let at = at % n;
            match kind {
                0 => { let end = (at + len).min(b.len()); if at < end { b.drain(at..end); } }
                1 => { let at = at.min(b.len()); b.splice(at..at, std::iter::repeat_n(byte, len % 4 + 1)); }
                _ => { if !b.is_empty() { b[at] = byte; } }
            }
        }
        let dir = temp_dir(&format!("fuzz-{which}"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.json");
        std::fs::write(&path, &b).unwrap();
        if which == 0 {
            let _ = entente_formats::read_geniusweb_domain(&path);
        } else if let Ok(p) = entente_formats::read_geniusweb_profile(space, &path) {
            prop_assert!(p.utility(&vec![0u32; space.issues().len()]).is_finite());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
