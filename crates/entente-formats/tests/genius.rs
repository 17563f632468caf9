//! GENIUS XML against the corpus in `../shared/domains`: every file set loads,
//! outcome counts match MANIFEST.json, utilities match a computation written
//! here (a separate XML walk and the GENIUS formulas, bit for bit), every
//! domain round-trips through GENIUS XML and TOML with identical utilities,
//! malformed files give located errors, and mutated files never panic.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use entente_core::{OutcomeSpace, UtilityFunction, Value};
use entente_formats::{
    FormatError, ReadOptions, load_scenario, parse_scenario, read_genius, read_genius_domain, read_genius_folder,
    write_genius, write_scenario,
};
use entente_formats::{parse_genius_domain, parse_genius_profile};
use entente_model::Scenario;
use proptest::prelude::*;
use quick_xml::events::Event;

fn domains_dir() -> Option<PathBuf> {
    common::shared_dir("domains")
}

fn manifest(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.json")).expect("MANIFEST.json");
    serde_json::from_str::<Vec<serde_json::Value>>(&text).expect("MANIFEST.json parses")
}

/// The GENIUS entries of the manifest: (folder, domain file, profile files, entry).
fn genius_sets(dir: &Path) -> Vec<(PathBuf, PathBuf, Vec<PathBuf>, serde_json::Value)> {
    manifest(dir)
        .into_iter()
        .filter(|e| e["format"] == "GENIUS XML")
        .map(|e| {
            let folder = dir.join(e["name"].as_str().unwrap());
            let domain = folder.join(e["domain_file"].as_str().unwrap());
            let profiles =
                e["profiles"].as_array().unwrap().iter().map(|p| folder.join(p["file"].as_str().unwrap())).collect();
            (folder, domain, profiles, e)
        })
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entente-genius-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Outcome indices to check: all of a small space, else a spread of `n` (the
/// first, the last and pseudo-random ones).
fn sample(space: &OutcomeSpace, n: u128) -> Vec<u128> {
    let card = space.cardinality();
    if card <= n {
        return (0..card).collect();
    }
    let mut out = vec![0, card - 1];
    let mut x: u128 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) & ((1u128 << 64) - 1);
        out.push((x >> 11) % card);
    }
    out
}

/// Asserts two scenarios have the same issues and, party by party, the same
/// names, reservation values, discounts and (bit-identical) utilities on a
/// sample of outcomes.
fn assert_same(a: &Scenario, b: &Scenario, what: &str) {
    assert_eq!(a.space.issues(), b.space.issues(), "{what}: issues");
    assert_eq!(a.parties.len(), b.parties.len(), "{what}: parties");
    let samples = sample(&a.space, 3000);
    let mut v = vec![0u32; a.space.issues().len()];
    for (p, q) in a.parties.iter().zip(&b.parties) {
        assert_eq!(p.name, q.name, "{what}");
        assert_eq!(p.utility.reservation().to_bits(), q.utility.reservation().to_bits(), "{what}: {} rv", p.name);
        assert_eq!(p.utility.discount(), q.utility.discount(), "{what}: {} discount", p.name);
        for &i in &samples {
            a.space.values_into(i, &mut v).unwrap();
            let (x, y) = (p.utility.utility(&v), q.utility.utility(&v));
            assert_eq!(x.to_bits(), y.to_bits(), "{what}: party {} outcome {i}: {x} vs {y}", p.name);
        }
    }
}

// ---------------------------------------------------------------------------
// An independent reading: a plain XML tree and the GENIUS formulas.

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: HashMap<String, String>,
    kids: Vec<Node>,
}

impl Node {
    fn get(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(|s| s.as_str())
    }
    fn num(&self, k: &str) -> f64 {
        self.get(k).unwrap_or_else(|| panic!("{} lacks {k}", self.name)).trim().parse().unwrap()
    }
    fn all<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Node>) {
        for k in &self.kids {
            if k.name == name {
                out.push(k);
            }
            k.all(name, out);
        }
    }
}

fn tree(path: &Path) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = quick_xml::Reader::from_str(&text);
    let mut stack = vec![Node::default()];
    let node = |e: &quick_xml::events::BytesStart| Node {
        name: e.name().as_ref().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
                )
            })
            .collect(),
        kids: vec![],
    };
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => stack.push(node(&e)),
            Event::Empty(e) => {
                let n = node(&e);
                stack.last_mut().unwrap().kids.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().kids.push(n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().kids.pop().unwrap()
}

/// A domain issue as read here: index, and for discrete issues the values.
struct RefIssue {
    index: String,
    values: Vec<String>,
    lower: f64,
}

fn ref_domain(path: &Path) -> Vec<RefIssue> {
    let t = tree(path);
    let mut issues = vec![];
    t.all("issue", &mut issues);
    issues
        .iter()
        .map(|i| RefIssue {
            index: i.get("index").unwrap().to_string(),
            values: i.kids.iter().filter(|k| k.name == "item").map(|k| k.get("value").unwrap().to_string()).collect(),
            lower: i.get("lowerbound").map_or(0.0, |v| v.parse().unwrap()),
        })
        .collect()
}

/// Utility of the outcome given by `labels` (one value per issue, as the
/// space labels them), by GENIUS's formulas on the raw XML.
fn ref_utility(profile: &Node, domain: &[RefIssue], labels: &[Value]) -> f64 {
    let mut weights = vec![];
    profile.all("weight", &mut weights);
    let mut issues = vec![];
    profile.all("issue", &mut issues);
    let mut u = 0.0;
    for (d, label) in domain.iter().zip(labels) {
        let issue = issues.iter().find(|i| i.get("index") == Some(d.index.as_str())).unwrap();
        let w = weights.iter().find(|w| w.get("index") == Some(d.index.as_str())).unwrap().num("value");
        let eval = match label {
            Value::Text(v) => {
                assert!(d.values.contains(v), "{v} is not in the domain");
                // last evaluation wins, as in GENIUS's map
                let items: Vec<&Node> = issue.kids.iter().filter(|k| k.name == "item").collect();
                let e = items.iter().rev().find(|k| k.get("value") == Some(v.as_str())).unwrap().num("evaluation");
                let max = items.iter().map(|k| k.num("evaluation")).fold(f64::NEG_INFINITY, f64::max);
                if max < 0.00001 { 0.0 } else { e / max }
            }
            Value::Int(x) => {
                let ev = issue.kids.iter().find(|k| k.name == "evaluator").unwrap();
                let lower = issue.get("lowerbound").map_or(d.lower, |v| v.parse().unwrap());
                (ev.num("slope") * (*x as f64 - lower) + ev.num("offset")).clamp(0.0, 1.0)
            }
            Value::Real(x) => {
                let ev = issue.kids.iter().find(|k| k.name == "evaluator").unwrap();
                let (p0, p1) = (ev.num("parameter0"), ev.num("parameter1"));
                match ev.get("ftype").unwrap() {
                    "linear" => (p1 * x + p0).clamp(0.0, 1.0),
                    "constant" => p0,
                    "triangular" => {
                        let top = ev.num("parameter2");
                        if *x < p0 {
                            0.0
                        } else if *x < top {
                            (x - p0) / (top - p0)
                        } else if *x < p1 {
                            1.0 - (x - top) / (p1 - top)
                        } else {
                            0.0
                        }
                    }
                    f => panic!("ftype {f}"),
                }
            }
        };
        u += w * eval;
    }
    u
}

/// Hyper-rectangle utility (ANAC 2014: one sum ufun, INCLUDES only), on the raw XML.
fn ref_nonlinear(profile: &Node, domain: &[RefIssue], labels: &[Value]) -> f64 {
    let mut utility = vec![];
    profile.all("utility", &mut utility);
    let max = utility[0].num("maxutility");
    let mut rects = vec![];
    profile.all("hyperRectangle", &mut rects);
    let mut f = 0.0;
    for r in rects {
        let inside = r.kids.iter().filter(|b| b.name == "INCLUDES").all(|b| {
            let k = domain.iter().position(|d| d.index == b.get("index").unwrap()).unwrap();
            let Value::Int(x) = labels[k] else { panic!() };
            b.num("min") <= x as f64 && x as f64 <= b.num("max")
        });
        if inside {
            f += r.num("utility");
        }
    }
    (f / max).min(1.0)
}

// ---------------------------------------------------------------------------

#[test]
fn every_genius_file_set_loads_with_the_manifest_figures() {
    let Some(dir) = domains_dir() else { return };
    let sets = genius_sets(&dir);
    assert_eq!(sets.len(), 21, "the manifest lists 21 GENIUS domains");
    let mut profiles_read = 0;
    for (folder, domain, profiles, entry) in &sets {
        let s = read_genius(domain, profiles, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let name = entry["name"].as_str().unwrap();
        assert_eq!(s.space.issues().len() as u64, entry["n_issues"].as_u64().unwrap(), "{name}");
        match entry["n_outcomes"].as_u64() {
            Some(n) => assert_eq!(s.space.cardinality(), n as u128, "{name}"),
            None => {
                // continuous: the default discretisation, 11 points per real issue
                assert_eq!(s.space.cardinality(), 11u128.pow(s.space.issues().len() as u32), "{name}");
                let five =
                    read_genius(domain, profiles, &ReadOptions { real_steps: Some(5), ..Default::default() }).unwrap();
                assert_eq!(five.space.cardinality(), 5u128.pow(s.space.issues().len() as u32));
            }
        }
        for (p, m) in s.parties.iter().zip(entry["profiles"].as_array().unwrap()) {
            let rv = m["reservation"].as_str().map(|r| r.parse::<f64>().unwrap());
            assert_eq!(p.utility.reservation(), rv.unwrap_or(f64::NEG_INFINITY), "{name} {}", p.name);
            let d = m["discount"].as_str().map(|r| r.parse::<f64>().unwrap()).filter(|d| *d > 0.0 && *d < 1.0);
            assert_eq!(p.utility.discount(), d, "{name} {}", p.name);
            assert_eq!(p.utility.as_rectangles().is_some(), m["type"] == "nonlinear", "{name} {}", p.name);
            profiles_read += 1;
        }
        // The folder reads the same way (one domain file detected by its root).
        let f = read_genius_folder(folder, None, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.name, name);
        assert!(f.parties.iter().all(|p| p.strategy.is_none()));
    }
    let listed: usize = sets.iter().map(|s| s.2.len()).sum();
    assert_eq!(profiles_read, listed);
    assert!(listed >= 90, "every profile of every domain: {listed}");
}

#[test]
fn utilities_match_an_independent_reading() {
    let Some(dir) = domains_dir() else { return };
    for (_, domain, profiles, entry) in genius_sets(&dir) {
        let name = entry["name"].as_str().unwrap();
        let d = read_genius_domain(&domain, &ReadOptions::default()).unwrap();
        let rd = ref_domain(&domain);
        let s = read_genius(&domain, &profiles, &ReadOptions::default()).unwrap();
        let samples = sample(&d.space, if name == "anac2014_10issuesDiscountedwithRV" { 3000 } else { 400 });
        let mut v = vec![0u32; d.space.issues().len()];
        for (p, path) in s.parties.iter().zip(&profiles) {
            let t = tree(path);
            for &i in &samples {
                let labels = s.space.labels(i).unwrap();
                s.space.values_into(i, &mut v).unwrap();
                let ours = p.utility.utility(&v);
                let theirs = if t.get("type") == Some("nonlinear") {
                    ref_nonlinear(&t, &rd, &labels)
                } else {
                    ref_utility(&t, &rd, &labels)
                };
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{name} {} outcome {i}: {ours} vs {theirs}", p.name);
            }
        }
    }
}

#[test]
fn hand_computed_utilities() {
    let Some(dir) = domains_dir() else { return };
    let load = |folder: &str| read_genius_folder(&dir.join(folder), None, &ReadOptions::default()).unwrap();
    let at = |s: &Scenario, party: usize, labels: &[Value]| {
        let i = s.space.index_of_labels(labels).unwrap();
        s.parties[party].utility.utility(&s.space.values_of(i).unwrap())
    };
    let t = |x: &str| Value::Text(x.into());
    // Laptop buyer: HP (30/30), 60 Gb (30/30), 19'' LCD (30/30): the weights sum to 1.0001 and are not renormalised.
    let laptop = load("anac2011_Laptop");
    let u = at(&laptop, 0, &[t("HP"), t("60 Gb"), t("19'' LCD")]);
    assert_eq!(u, (0.4452125771655631 + 0.37808251708013424) + 0.1767567099260568);
    assert!((u - 1.000051804171754).abs() < 1e-15);
    // Dell 12/30, 80 Gb 20/30, 20'' LCD 10/30
    assert_eq!(
        at(&laptop, 0, &[t("Dell"), t("80 Gb"), t("20'' LCD")]),
        (0.4452125771655631 * (12.0 / 30.0) + 0.37808251708013424 * (20.0 / 30.0)) + 0.1767567099260568 * (10.0 / 30.0)
    );
    // IntegerDomain: clamp01(0.08 (x + 5) + 0.3) and 0.1 (x + 5); NegMAS would give 0.75 * 1.1 + 0.25 * 1.0 at (5, 5).
    let int = load("genius_IntegerDomain");
    assert_eq!(at(&int, 0, &[Value::Int(5), Value::Int(5)]), 0.75 * 1.0 + 0.25 * (0.1 * 10.0));
    assert_eq!(at(&int, 0, &[Value::Int(-5), Value::Int(-5)]), 0.75 * 0.3 + 0.25 * 0.0);
    assert_eq!(at(&int, 0, &[Value::Int(0), Value::Int(1)]), 0.75 * (0.08 * 5.0 + 0.3) + 0.25 * (0.1 * 6.0));
    // Energy grid consumer: clamp01(-0.15 (x - 8) + 1) on every issue, weights as written.
    let grid = load("anac2016_AgentHp2_energy_grid");
    let w = [0.083, 0.083, 0.083, 0.083, 0.083, 0.085, 0.25, 0.25];
    assert_eq!(at(&grid, 0, &vec![Value::Int(8); 8]), w.iter().fold(0.0, |u, w| u + w * 1.0));
    let e14 = -0.15 * (14.0 - 8.0) + 1.0;
    assert_eq!(at(&grid, 0, &vec![Value::Int(14); 8]), w.iter().fold(0.0, |u, w| u + w * e14));
    // SON buyer at price 0.3, quality 0.7, time 0, penalty 1: 0.5 (1 - 0.3) + 0.1 (1 - 0.7) + 0.05 + 0
    let son = read_genius_folder(
        &dir.join("genius_SON"),
        Some(&["son_buyer".into(), "son_center_5".into()]),
        &Default::default(),
    )
    .unwrap();
    let r = |x: f64| Value::Real(x);
    let u = at(&son, 0, &[r(0.3), r(0.7), r(0.0), r(1.0)]);
    let p = |x: f64| (-x + 1.0f64).clamp(0.0, 1.0); // parameter1 = -1, parameter0 = 1
    assert_eq!(u, ((0.5 * p(0.3) + 0.1 * p(0.7)) + 0.05 * p(0.0)) + 0.35 * p(1.0));
    // son_center_5: quality is GENIUS's triangle 0 .. 0.5 .. 1
    let v = son.space.values_of(son.space.index_of_labels(&[r(0.0), r(0.7), r(0.0), r(0.0)]).unwrap()).unwrap();
    let tri = 1.0 - (0.7 - 0.5) / (1.0 - 0.5);
    let mut want = 0.0;
    for (w, e) in [(0.25, p(0.0)), (0.25, tri), (0.25, p(0.0)), (0.25, p(0.0))] {
        want += w * e;
    }
    assert_eq!(son.parties[1].utility.utility(&v), want);
}

#[test]
fn default_profiles_and_nash_points_agree_with_the_reference_stats() {
    let Some(dir) = domains_dir() else { return };
    let text = std::fs::read_to_string(dir.join("REFERENCE_STATS.json")).unwrap();
    let stats: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for (name, st) in &stats {
        let Some(profiles) = st.get("profiles").and_then(|p| p.as_array()) else { continue };
        let s = load_scenario(&dir.join(name), None, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let chosen: Vec<String> = s.parties.iter().map(|p| p.name.clone()).collect();
        let expected: Vec<String> = profiles
            .iter()
            .map(|p| Path::new(p.as_str().unwrap()).file_stem().unwrap().to_string_lossy().into())
            .collect();
        assert_eq!(chosen, expected, "{name}: default profiles");
        let nash = st["nash"].as_array().unwrap();
        let bid = nash[2].as_object().unwrap();
        let labels: Vec<Value> = s
            .space
            .issues()
            .iter()
            .map(|i| match &bid[&i.name] {
                serde_json::Value::String(x) => Value::Text(x.clone()),
                serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap()),
                other => panic!("{other}"),
            })
            .collect();
        let v = s.space.values_of(s.space.index_of_labels(&labels).unwrap()).unwrap();
        for (k, party) in s.parties.iter().take(2).enumerate() {
            let (ours, theirs) = (party.utility.utility(&v), nash[k].as_f64().unwrap());
            assert!((ours - theirs).abs() < 1e-9, "{name}: party {k} at the Nash bid: {ours} vs {theirs}");
        }
        checked += 1;
    }
    assert_eq!(checked, 21);
}

#[test]
fn nonlinear_pareto_pairs_are_rectangle_sums_over_maxutility() {
    let Some(dir) = domains_dir() else { return };
    let folder = dir.join("anac2014_10issuesDiscountedwithRV");
    let s = read_genius_folder(&folder, None, &ReadOptions::default()).unwrap();
    let max: Vec<f64> = s.parties.iter().map(|p| p.utility.as_rectangles().unwrap().max_utility()).collect();
    assert_eq!(max, vec![635.0, 750.0]);
    let text = std::fs::read_to_string(folder.join("pareto.xml")).unwrap();
    for line in text.lines().filter(|l| l.contains(',')) {
        for (k, x) in line.split(',').enumerate() {
            let f = x.trim().parse::<f64>().unwrap() * max[k];
            assert!((f - f.round()).abs() < 1e-3, "{line}: {f}");
        }
    }
}

#[test]
fn raw_reading_reproduces_negmas_tables() {
    let Some(dir) = domains_dir() else { return };
    let Some(cases) = common::shared_dir("parity/cases") else { return };
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&cases).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let raw = ReadOptions { raw_discrete: true, ..Default::default() };
    for f in files {
        let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let Some(g) = case["scenario"].get("genius") else { continue };
        let folder = g["folder"].as_str().unwrap();
        if !seen.insert(folder.to_string()) {
            continue;
        }
        let profiles: Vec<String> = g["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| Path::new(p.as_str().unwrap()).file_stem().unwrap().to_string_lossy().into())
            .collect();
        let s = read_genius_folder(&dir.join(folder), Some(&profiles), &raw).unwrap();
        if s.space.issues().iter().any(|i| !matches!(i.kind, entente_core::IssueKind::Discrete { .. })) {
            continue; // NegMAS reads integer evaluators its own way (unclamped, on the raw x)
        }
        for (p, np) in s.parties.iter().zip(case["scenario"]["parties"].as_array().unwrap()) {
            let u = p.utility.as_additive().unwrap();
            let w: Vec<f64> = np["weights"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            // NegMAS's weights can differ from the file's in the last bit (it rescales them).
            for (a, b) in u.weights().iter().zip(&w) {
                assert!((a - b).abs() <= 1e-15, "{folder} {}: weight {a} vs NegMAS {b}", p.name);
            }
            for (k, t) in np["tables"].as_array().unwrap().iter().enumerate() {
                let t: Vec<f64> = t.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                assert_eq!(u.functions()[k], entente_core::ValueFunction::Table(t), "{folder} {} issue {k}", p.name);
            }
        }
    }
    assert!(seen.len() >= 10, "expected the GENIUS parity cases, found {}", seen.len());
}

#[test]
fn every_domain_round_trips_through_genius_xml_and_toml() {
    let Some(dir) = domains_dir() else { return };
    for (_, domain, profiles, entry) in genius_sets(&dir) {
        let name = entry["name"].as_str().unwrap();
        let s = read_genius(&domain, &profiles, &ReadOptions::default()).unwrap();
        let names: Vec<String> = s.parties.iter().map(|p| p.name.clone()).collect();
        // GENIUS -> GENIUS
        let out = temp_dir(name);
        let files = write_genius(&s, &out).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(files.len(), s.parties.len() + 1);
        let mut back = read_genius_folder(&out, Some(&names), &ReadOptions::default()).unwrap();
        back.name = s.name.clone();
        assert_same(&s, &back, &format!("{name} via GENIUS"));
        // GENIUS -> TOML -> GENIUS
        let text = write_scenario(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        let toml = parse_scenario(&text, Path::new("x.toml")).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_same(&s, &toml, &format!("{name} via TOML"));
        let out2 = temp_dir(&format!("{name}-2"));
        write_genius(&toml, &out2).unwrap();
        let again = read_genius_folder(&out2, Some(&names), &ReadOptions::default()).unwrap();
        assert_same(&s, &again, &format!("{name} via TOML and GENIUS"));
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_dir_all(&out2);
    }
}

#[test]
fn real_steps_are_kept_when_written_and_can_be_overridden() {
    let Some(dir) = domains_dir() else { return };
    let folder = dir.join("genius_SON");
    let seven = ReadOptions { real_steps: Some(7), ..Default::default() };
    let s = read_genius_folder(&folder, None, &seven).unwrap();
    assert_eq!(s.space.cardinality(), 7u128.pow(4));
    let out = temp_dir("son-steps");
    write_genius(&s, &out).unwrap();
    let names: Vec<String> = s.parties.iter().map(|p| p.name.clone()).collect();
    assert_eq!(read_genius_folder(&out, Some(&names), &Default::default()).unwrap().space.cardinality(), 7u128.pow(4));
    let three = ReadOptions { real_steps: Some(3), ..Default::default() };
    assert_eq!(read_genius_folder(&out, Some(&names), &three).unwrap().space.cardinality(), 81);
    let one = ReadOptions { real_steps: Some(1), ..Default::default() };
    let err = read_genius_folder(&folder, None, &one).unwrap_err().to_string();
    assert!(err.contains("real_steps") && err.contains("son_domain.xml"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn writers_refuse_what_genius_cannot_express() {
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
[parties.issues]
a = { weight = 0.5, values = [0.2, 0.6] }
n = { weight = 0.5, linear = { slope = 0.25, intercept = 0.0 } }
[[parties]]
name = "q"
bias = 0.1
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
n = { weight = 0.5, clamped_linear = { slope = 0.25, origin = 0.0, offset = 0.0 } }
"#;
    let s = parse_scenario(text, Path::new("t.toml")).unwrap();
    let out = temp_dir("refuse");
    let err = write_genius(&s, &out).unwrap_err().to_string();
    assert!(err.contains("party \"p\", issue \"a\"") && err.contains("maximum 0.6"), "{err}");
    assert!(!out.exists(), "nothing is written when a party is refused");
    let fixed = text.replace("[0.2, 0.6]", "[0.2, 1.0]");
    let err = write_genius(&parse_scenario(&fixed, Path::new("t.toml")).unwrap(), &out).unwrap_err().to_string();
    assert!(err.contains("party \"p\", issue \"n\"") && err.contains("clamp01"), "{err}");
    let fixed = fixed.replace(
        "linear = { slope = 0.25, intercept = 0.0 }",
        "clamped_linear = { slope = 0.25, origin = 0.0, offset = 0.0 }",
    );
    let err = write_genius(&parse_scenario(&fixed, Path::new("t.toml")).unwrap(), &out).unwrap_err().to_string();
    assert!(err.contains("party \"q\"") && err.contains("bias"), "{err}");
    let ok = fixed.replace("bias = 0.1\n", "");
    write_genius(&parse_scenario(&ok, Path::new("t.toml")).unwrap(), &out).unwrap();
    // A folder holding other GENIUS files is not written into.
    let other = parse_scenario(&ok.replace("name = \"q\"", "name = \"r\""), Path::new("t.toml")).unwrap();
    let err = write_genius(&other, &out).unwrap_err().to_string();
    assert!(err.contains("q.xml") && err.contains("empty folder"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}

// ---------------------------------------------------------------------------
// Malformed files.

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    text[..at].matches('\n').count() + 1
}

fn located(r: Result<impl std::fmt::Debug, FormatError>, file: &str, line: usize, needles: &[&str]) {
    match r {
        Err(FormatError::Syntax { file: f, line: l, message, .. }) => {
            assert_eq!(f, Path::new(file), "{message}");
            assert_eq!(l, line, "{message}");
            for n in needles {
                assert!(message.contains(n), "{message:?} lacks {n:?}");
            }
        }
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn malformed_profiles_give_located_errors() {
    let Some(dir) = domains_dir() else { return };
    let folder = dir.join("anac2015_group9-killer_robot");
    let opts = ReadOptions::default();
    let d = read_genius_domain(&folder.join("KillerRobot.xml"), &opts).unwrap();
    let good = std::fs::read_to_string(folder.join("KillerRobot_util1.xml")).unwrap();
    let parse = |text: &str| parse_genius_profile(&d, text, Path::new("bad.xml"), &opts);
    parse(&good).unwrap();

    // truncated
    let cut = &good[..good.len() / 2];
    match parse(cut) {
        Err(FormatError::Syntax { file, message, .. }) => {
            assert_eq!(file, Path::new("bad.xml"));
            assert!(message.contains("truncated") || message.contains("malformed XML"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // a weight that is not a number
    let w = "<weight index=\"3\" value=\"0.06113094952802134\">";
    let bad = good.replace(w, "<weight index=\"3\" value=\"abc\">");
    located(parse(&bad), "bad.xml", line_of(&good, w), &["<weight index=\"3\"", "\"abc\"", "number"]);
    // a missing weight
    let bad =
        good.replace(w, "<nothing>").replacen("</weight>\n<weight index=\"4\"", "</nothing>\n<weight index=\"4\"", 1);
    located(
        parse(&bad),
        "bad.xml",
        line_of(&good, "<issue index=\"3\""),
        &["name=\"Guns\"", "no weight", "<weight index=\"3\" value="],
    );
    // a weight for an index no issue has
    let bad = good.replace(w, "<weight index=\"9\" value=\"0.06113094952802134\">");
    located(parse(&bad), "bad.xml", line_of(&good, "<issue index=\"3\""), &["no weight"]);
    let bad = good.replace("</objective>", "<weight index=\"42\" value=\"0.1\"/>\n</objective>");
    located(
        parse(&bad),
        "bad.xml",
        line_of(&good, "</objective>"),
        &["<weight index=\"42\"", "no issue or objective with index 42"],
    );
    // an issue index the domain does not have
    let bad = good.replace("<issue index=\"5\"", "<issue index=\"55\"");
    located(parse(&bad), "bad.xml", line_of(&good, "<issue index=\"5\""), &["index 55 is not in the domain"]);
    // an evaluation that is not a number
    let item = "<item index=\"2\" value=\"Block\" evaluation=\"3\">";
    let bad = good.replace(item, "<item index=\"2\" value=\"Block\" evaluation=\"three\">");
    located(parse(&bad), "bad.xml", line_of(&good, item), &["value=\"Block\"", "\"three\""]);
    // a missing evaluation, and a value the domain does not have
    let bad = good.replace(item, "<item index=\"2\" value=\"Block\">");
    located(parse(&bad), "bad.xml", line_of(&good, item), &["`evaluation` is missing"]);
    let bad = good.replace(item, "<item index=\"2\" value=\"Cube\" evaluation=\"3\">");
    located(parse(&bad), "bad.xml", line_of(&good, item), &["\"Cube\" is not a value of issue \"Torso\""]);
    // the wrong type for an issue
    let guns = "<issue index=\"3\" name=\"Guns\" lowerbound=\"1\" upperbound=\"10\" vtype=\"integer\" type=\"integer\"";
    let bad = good.replace(guns, &guns.replace("type=\"integer\"", "type=\"real\""));
    located(parse(&bad), "bad.xml", line_of(&good, guns), &["integer in the domain but real here"]);
    // an integer evaluator without its slope
    let bad = good.replacen("slope=\"-0.044444444444444446\" ", "", 1);
    located(parse(&bad), "bad.xml", line_of(&good, "slope=\"-0.0444"), &["<evaluator", "`slope` is missing"]);
    // a domain file given as a profile
    let domain_text = std::fs::read_to_string(folder.join("KillerRobot.xml")).unwrap();
    located(parse(&domain_text), "bad.xml", 1, &["looks like a GENIUS domain"]);
    // not XML at all
    assert!(parse("0.75, 1.0\n").is_err());
    assert!(parse("").is_err());
}

#[test]
fn malformed_domains_and_nonlinear_profiles_give_located_errors() {
    let Some(dir) = domains_dir() else { return };
    let opts = ReadOptions::default();
    let folder = dir.join("anac2015_group9-killer_robot");
    let good = std::fs::read_to_string(folder.join("KillerRobot.xml")).unwrap();
    let parse = |text: &str| parse_genius_domain(text, Path::new("dom.xml"), &opts);
    // a value listed twice
    let item = "<item index=\"2\" value=\"Block\">";
    let bad = good.replace(item, "<item index=\"2\" value=\"Humanoid\">");
    located(parse(&bad), "dom.xml", line_of(&good, item), &["\"Humanoid\" is listed twice"]);
    // an index used twice
    let bad = good.replace("<issue index=\"4\"", "<issue index=\"2\"");
    located(parse(&bad), "dom.xml", line_of(&good, "<issue index=\"4\""), &["issue index 2 is used twice"]);
    // bounds that are not integers
    let bad = good.replace("upperbound=\"50\"", "upperbound=\"fifty\"");
    located(parse(&bad), "dom.xml", line_of(&good, "upperbound=\"50\""), &["`upperbound` must be an integer"]);
    // an unknown type; `type` wins over `vtype`
    let bad = good.replace(
        "vtype=\"integer\" type=\"integer\" etype=\"integer\">\n</issue>\n<issue index=\"4\"",
        "vtype=\"integer\" type=\"money\" etype=\"integer\">\n</issue>\n<issue index=\"4\"",
    );
    located(parse(&bad), "dom.xml", line_of(&good, "<issue index=\"3\""), &["unknown issue type \"money\""]);
    let d = parse(&good.replace("name=\"Torso\" vtype=\"discrete\"", "name=\"Torso\" vtype=\"integer\"")).unwrap();
    assert!(matches!(d.space.issues()[0].kind, entente_core::IssueKind::Discrete { .. }));
    // a profile given as a domain
    let profile = std::fs::read_to_string(folder.join("KillerRobot_util1.xml")).unwrap();
    located(parse(&profile), "dom.xml", 1, &["looks like a GENIUS profile"]);
    // mismatched tags
    let bad = good.replacen("</issue>", "</isue>", 1);
    assert!(matches!(parse(&bad), Err(FormatError::Syntax { .. })));

    // Non-linear: an INCLUDES on an issue the domain lacks, a bad maxutility.
    let f14 = dir.join("anac2014_10issuesDiscountedwithRV");
    let d14 = read_genius_domain(&f14.join("10issuesDiscountedwithRV-domain.xml"), &opts).unwrap();
    let p14 = std::fs::read_to_string(f14.join("profile-1.xml")).unwrap();
    let parse14 = |text: &str| parse_genius_profile(&d14, text, Path::new("nl.xml"), &opts);
    parse14(&p14).unwrap();
    let inc = "<INCLUDES index=\"5\" min=\"9\" max=\"9\"/>";
    located(
        parse14(&p14.replacen(inc, "<INCLUDES index=\"42\" min=\"9\" max=\"9\"/>", 1)),
        "nl.xml",
        line_of(&p14, inc),
        &["index 42 is not in the domain"],
    );
    located(
        parse14(&p14.replace("maxutility=\"635\"", "maxutility=\"-3\"")),
        "nl.xml",
        line_of(&p14, "maxutility"),
        &["positive"],
    );
    located(
        parse14(&p14.replacen(inc, "<INCLUDES index=\"5\" min=\"x\" max=\"9\"/>", 1)),
        "nl.xml",
        line_of(&p14, inc),
        &["`min` must be an integer"],
    );
}

#[test]
fn folders_without_a_single_domain_are_refused() {
    let Some(dir) = domains_dir() else { return };
    let out = temp_dir("folders");
    std::fs::create_dir_all(&out).unwrap();
    let src = dir.join("anac2011_Laptop");
    std::fs::copy(src.join("laptop_buyer_utility.xml"), out.join("a.xml")).unwrap();
    std::fs::copy(src.join("laptop_seller_utility.xml"), out.join("b.xml")).unwrap();
    let err = load_scenario(&out, None, &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("neither a GENIUS domain"), "{err}");
    std::fs::copy(src.join("laptop_domain.xml"), out.join("d1.xml")).unwrap();
    let s = load_scenario(&out, None, &ReadOptions::default()).unwrap();
    assert_eq!(s.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    let err = load_scenario(&out, Some(&["a".into()]), &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("at least 2"), "{err}");
    let err = load_scenario(&out, Some(&["a".into(), "zz".into()]), &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("no GENIUS profile \"zz\"") && err.contains("a, b"), "{err}");
    std::fs::copy(src.join("laptop_domain.xml"), out.join("d2.xml")).unwrap();
    let err = load_scenario(&out, None, &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("several GENIUS domain files") && err.contains("d1.xml, d2.xml"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}

// ---------------------------------------------------------------------------
// Fuzzing: random edits of real files never panic.

struct Corpus {
    domains: Vec<(String, String)>,
    profiles: Vec<(usize, String)>,
}

fn corpus() -> Option<&'static Corpus> {
    use std::sync::OnceLock;
    static C: OnceLock<Option<Corpus>> = OnceLock::new();
    C.get_or_init(|| {
        let dir = domains_dir()?;
        let sets = [
            ("anac2011_Laptop", "laptop_domain.xml", "laptop_buyer_utility.xml"),
            ("anac2015_group9-killer_robot", "KillerRobot.xml", "KillerRobot_util1.xml"),
            ("genius_SON", "son_domain.xml", "son_center_5.xml"),
            ("anac2014_10issuesDiscountedwithRV", "10issuesDiscountedwithRV-domain.xml", "profile-2.xml"),
            ("genius_partydomain", "party_domain.xml", "party1_utility_u10.xml"),
            ("other_AMPOvsCity", "ampo_vs_city_template.xml", "ampo_vs_city_city_space.xml"),
        ];
        let mut c = Corpus { domains: vec![], profiles: vec![] };
        for (k, (f, d, p)) in sets.iter().enumerate() {
            let read = |x: &str| std::fs::read_to_string(dir.join(f).join(x)).unwrap();
            c.domains.push((f.to_string(), read(d)));
            c.profiles.push((k, read(p)));
        }
        Some(c)
    })
    .as_ref()
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let piece = prop::sample::select(vec![
        b"<".to_vec(),
        b">".to_vec(),
        b"\"".to_vec(),
        b"/>".to_vec(),
        b"</issue>".to_vec(),
        b"<issue index=\"1\">".to_vec(),
        b"&amp;".to_vec(),
        b"&#x0;".to_vec(),
        b"-1e308".to_vec(),
        b"NaN".to_vec(),
        b"\xff\xfe".to_vec(),
        b"<objective index=\"0\">".to_vec(),
        b"<weight index=\"1\" value=\"2\"/>".to_vec(),
        b"<ufun aggregation=\"min\">".to_vec(),
    ]);
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), 1usize..64).prop_map(|(a, n)| Edit::Delete(a, n)),
            (any::<usize>(), piece).prop_map(|(a, p)| Edit::Insert(a, p)),
            (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Edit::Replace(a, b)),
        ],
        1..8,
    )
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut b = text.as_bytes().to_vec();
    for e in edits {
        let n = b.len().max(1);
        match e {
            Edit::Delete(a, k) => {
                let a = a % n;
                let end = (a + k).min(b.len());
                if a < end {
                    b.drain(a..end);
                }
            }
            Edit::Insert(a, p) => {
                let a = a % (b.len() + 1);
                b.splice(a..a, p.iter().copied());
            }
            Edit::Replace(a, x) => {
                if !b.is_empty() {
                    let a = a % b.len();
                    b[a] = *x;
                }
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_genius_files_never_panic(which in 0usize..6, profile in any::<bool>(), e in edits()) {
        let Some(c) = corpus() else { return Ok(()) };
        let opts = ReadOptions::default();
        let (_, domain_text) = &c.domains[which];
        if profile {
            let d = parse_genius_domain(domain_text, Path::new("d.xml"), &opts).unwrap();
            let text = apply(&c.profiles[which].1, &e);
            if let Ok(p) = parse_genius_profile(&d, &text, Path::new("p.xml"), &opts) {
                // whatever was read evaluates to finite utilities
                let v = vec![0u32; d.space.issues().len()];
                prop_assert!(p.utility(&v).is_finite());
            }
        } else {
            let text = apply(domain_text, &e);
            if let Ok(d) = parse_genius_domain(&text, Path::new("d.xml"), &opts) {
                prop_assert!(d.space.cardinality() >= 1);
            }
        }
    }
}
