//! Every JSON document the CLI prints reads back into its `entente_report`
//! type and writes out again byte for byte (JSON -> typed document -> JSON).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests write temporary scenario files

use std::path::PathBuf;
use std::process::Command;

use entente_core::analysis::{Method, Requested};
use entente_report::analysis::{AnalysisDoc, DelegationsDoc};
use entente_report::bench::{AnalysisFigure, BenchCase};
use entente_report::{RunDoc, WhatIfDoc};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `entente args` and returns its standard output.
fn json_of(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_entente")).current_dir(root()).args(args).output().expect("run entente");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// `text` (a document as printed, with its final newline) reads into `T` and
/// writes back identically; returns the document.
fn round_trip<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let doc: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {}", &text[..text.len().min(400)]));
    let again = serde_json::to_string_pretty(&doc).expect("serialises") + "\n";
    assert!(again == text, "the document does not write back identically:\n{again}");
    doc
}

#[test]
fn run_documents_round_trip() {
    for args in [
        &["run", "--json"][..],
        &["run", "scenarios/job-offer.toml", "--json", "--seed", "9", "--strategy", "employer=random"],
        &["run", "scenarios/delegation-unanimity.toml", "--json"],
        &["run", "scenarios/istanbul-2025.toml", "--json"],
        &["run", "scenarios/hardliner.toml", "--json"],
    ] {
        let doc: RunDoc = round_trip(&json_of(args));
        assert_eq!(doc.schema, "entente.run/1");
    }
}

#[test]
fn analysis_documents_round_trip() {
    let doc: AnalysisDoc = round_trip(&json_of(&["analyze", "--json"]));
    assert_eq!(doc.schema, "entente.analysis/2");
    assert!(doc.delegations.is_none() && doc.ratification.is_none());
    // The method the analysis library chose, with its limit.
    assert_eq!((doc.method.frontier, doc.method.requested), (Method::Enumerate, Requested::Auto));
    assert_eq!(doc.method.enumeration_limit, 1 << 25);
    assert_eq!((doc.method.zones, doc.method.zone_enumeration_limit), (None, None));
    let text = json_of(&["analyze"]);
    assert!(text.contains("\nMethod: the frontier by enumerating all 325 outcomes (spaces up to 33554432"), "{text}");
    let doc: AnalysisDoc = round_trip(&json_of(&["analyze", "scenarios/delegation-unanimity.toml", "--json"]));
    assert!(matches!(doc.delegations, Some(DelegationsDoc::Enumerated(_))));
    assert_eq!((doc.method.zones, doc.method.zone_enumeration_limit), (Some(Method::Enumerate), Some(1 << 26)));
    let doc: AnalysisDoc =
        round_trip(&json_of(&["analyze", "scenarios/delegation-quota.toml", "--json", "--draws", "20", "--seed", "3"]));
    assert!(doc.ratification.is_some());
    let doc: AnalysisDoc = round_trip(&json_of(&["analyze", "scenarios/istanbul-2025.toml", "--json"]));
    assert!(doc.delegations.is_some());
    let doc: AnalysisDoc =
        round_trip(&json_of(&["analyze", "scenarios/car-purchase.toml", "--json", "--list-rational", "5"]));
    assert!(doc.rational.is_some());
}

/// 12 issues of 10 values, a delegation of two blocs: a space too large to enumerate.
fn large_scenario() -> PathBuf {
    let mut t = String::from("name = \"large\"\n[protocol]\nseed = 5\n");
    let values: Vec<String> = (0..10).map(|j| format!("\"v{j}\"")).collect();
    for k in 0..12 {
        t += &format!("[[issues]]\nname = \"i{k}\"\nvalues = [{}]\n", values.join(", "));
    }
    let ramp = |up: bool| -> String {
        let v: Vec<String> = (0..10).map(|j| format!("{}", if up { j } else { 9 - j } as f64 / 9.0)).collect();
        format!("[{}]", v.join(", "))
    };
    let issues = |low_first: bool| -> String {
        (0..12).map(|k| format!("i{k} = {{ weight = 0.0833, values = {} }}\n", ramp(!(low_first && k < 3)))).collect()
    };
    t += &format!("[[parties]]\nname = \"a\"\nreservation = 0.5\n[parties.issues]\n{}", issues(false));
    t += "[[parties]]\nname = \"d\"\n[parties.delegation]\nrule = \"unanimity\"\n";
    t += &format!(
        "[[parties.blocs]]\nname = \"x\"\nweight = 0.5\nveto = true\nreversion = 0.45\n\
         uncertainty = {{ values = 0.05, reversion = 0.05 }}\n[parties.blocs.issues]\n{}",
        issues(true)
    );
    t += &format!(
        "[[parties.blocs]]\nname = \"y\"\nweight = 0.5\nveto = true\nreversion = 0.3\n\
         red_lines = [{{ issue = \"i0\", value = \"v9\" }}]\n[parties.blocs.issues]\n{}",
        issues(false)
    );
    let path = std::env::temp_dir().join(format!("entente-documents-{}-large.toml", std::process::id()));
    std::fs::write(&path, t).expect("write the scenario");
    path
}

#[test]
fn large_space_analysis_documents_round_trip() {
    let path = large_scenario();
    let text = json_of(&["analyze", path.to_str().unwrap(), "--json", "--samples", "2000", "--draws", "10"]);
    let _ = std::fs::remove_file(&path);
    let doc: AnalysisDoc = round_trip(&text);
    assert!(matches!(doc.delegations, Some(DelegationsDoc::LargeSpace(_))));
    assert_eq!((doc.method.frontier, doc.method.zones), (Method::Merge, Some(Method::Sample)));
    assert!(doc.ratification.is_some());
}

#[test]
fn whatif_documents_round_trip() {
    for args in [
        &["whatif", "scenarios/delegation-unanimity.toml", "--change", "veto delegation_b.khost off", "--json"][..],
        &["whatif", "scenarios/car-purchase.toml", "--change", "reservation buyer=0.9", "--json"],
        &["whatif", "scenarios/istanbul-2025.toml", "--change", "veto state_b.kandahar off", "--json"],
    ] {
        let doc: WhatIfDoc = round_trip(&json_of(args));
        assert_eq!(doc.schema, "entente.whatif/1");
        assert_eq!(doc.changes.len(), 1);
    }
}

#[test]
fn bench_documents_round_trip() {
    // Figures as `entente bench --json` and `bench-analysis --json` print them
    // (timings vary, so these are recorded ones).
    let bench = r#"[
  {
    "case": "3x10",
    "issues": 3,
    "values": 10,
    "outcomes": 1000,
    "steps": 100,
    "scenarios": 8,
    "seed": 0,
    "setup_table_micros": 12.5,
    "setup_sort_micros": 20.25,
    "load_average": "0.50 0.40 0.30",
    "figures": [
      {
        "mode": "setup-included",
        "threads": 1,
        "per_second": 20000.0,
        "per_second_min": 19000.0,
        "per_second_max": 21000.0,
        "micros": 50.0,
        "negotiations": 30000,
        "samples": 5,
        "agreement_rate": 1.0,
        "mean_rounds": 88.5
      }
    ]
  }
]
"#;
    let cases: Vec<BenchCase> = round_trip(bench);
    assert_eq!(cases[0].figures[0].mode, "setup-included");
    let analysis = r#"[
  {
    "case": "random, 2 parties, 1000 outcomes",
    "method": "pareto_2 (frontier only)",
    "outcomes": "1000",
    "best_ms": 0.5,
    "median_ms": 0.75,
    "frontier": 12,
    "frontier_with_ties": "12",
    "nash": [
      [
        0.5,
        0.75
      ]
    ],
    "note": ""
  }
]
"#;
    let figures: Vec<AnalysisFigure> = round_trip(analysis);
    assert_eq!(figures[0].frontier, 12);
}

#[test]
fn talks_documents_round_trip() {
    use entente_talks::{CompareDocument, Export, TalksDocument};
    for args in [
        &["talks", "--json"][..],
        &["talks", "--counterfactual", "unified", "--json"],
        &["talks", "--change", "unify all", "--change", "guarantor all consents", "--json"],
    ] {
        let doc: TalksDocument = round_trip(&json_of(args));
        assert_eq!(doc.schema, entente_talks::SCHEMA, "{args:?}");
        assert_eq!(doc.measures.end, doc.run.ending.at().max(doc.measures.start), "{args:?}");
    }
    let doc: CompareDocument = round_trip(&json_of(&["talks", "--compare", "--counterfactual", "unified", "--json"]));
    assert_eq!((doc.schema.as_str(), doc.changes.len()), (entente_talks::COMPARE_SCHEMA, 1));
    for role in ["observer", "mediator", "state_b"] {
        let e: Export = round_trip(&json_of(&["talks", "--export", role]));
        assert_eq!(e.schema, entente_talks::EXPORT_SCHEMA);
    }
}
