//! Every document reads back from its JSON into the same value, and writes
//! out again identically (JSON -> typed document -> JSON).

use entente_core::analysis::zones::{PartyInput, analyze_zones};
use entente_core::analysis::{Limits, Requested, agreement_measures, analyze};
use entente_core::synthetic::integrative_bilateral;
use entente_core::{UtilityFunction, UtilityTable};
use entente_protocols::RunScenario;
use entente_protocols::scenario::{Party, RunReport, Scenario};
use entente_protocols::{SaoConfig, StrategySpec};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::analysis::{AnalysisDoc, analysis_text, method_text};
use crate::run::{Dynamics, RunDoc, run_text};
use crate::whatif::{ChangeDoc, WhatIfCase, WhatIfDoc, whatif_text};

/// A bilateral synthetic scenario of 3 issues × 5 values, Boulware against Conceder.
fn scenario(seed: u64) -> Scenario {
    let d = integrative_bilateral(3, 5, seed).expect("a valid domain");
    let strategies = [StrategySpec::BOULWARE, StrategySpec::CONCEDER];
    Scenario {
        name: format!("synthetic {seed}"),
        description: None,
        space: d.space.clone(),
        parties: d
            .ufuns
            .iter()
            .zip(strategies)
            .enumerate()
            .map(|(k, (u, s))| Party {
                name: format!("p{k}"),
                utility: u.clone().into(),
                strategy: Some(s),
                delegation: None,
            })
            .collect(),
        config: SaoConfig { n_steps: 30, time_limit: None },
        seed,
    }
}

fn tables(s: &Scenario) -> Vec<UtilityTable> {
    s.parties.iter().map(|p| UtilityTable::new(&s.space, &p.utility).expect("small")).collect()
}

/// Writes `doc`, reads it back, writes it again: the same value, the same text.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(doc: &T) -> String {
    let text = serde_json::to_string_pretty(doc).expect("serialises");
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(&back, doc);
    assert_eq!(serde_json::to_string_pretty(&back).expect("serialises"), text);
    text
}

fn run(s: &Scenario) -> RunReport {
    s.run(None).expect("a valid run")
}

#[test]
fn run_documents_round_trip() {
    for seed in 0..4 {
        let s = scenario(seed);
        let report = run(&s);
        let t = tables(&s);
        let analysis = analyze(&t.iter().collect::<Vec<_>>()).expect("analysis");
        let measures = report.agreement.map(|_| agreement_measures(&report.utilities, &analysis));
        let dynamics = Dynamics::of(&report, &analysis);
        let doc = RunDoc::new(&s, &report, measures.as_ref(), &dynamics);
        let text = round_trip(&doc);
        assert!(text.starts_with("{\n  \"schema\": \"entente.run/1\",\n  \"scenario\": \"synthetic"), "{text}");
        assert_eq!(doc.offers.len(), report.offers.len());
        let printed = run_text(&s, &report, measures.as_ref(), &dynamics, false);
        assert!(printed.contains("Steps between each party's consecutive offers:"), "{printed}");
    }
}

#[test]
fn analysis_documents_round_trip() {
    let s = scenario(5);
    let t = tables(&s);
    let analysis = analyze(&t.iter().collect::<Vec<_>>()).expect("analysis");
    let choice = Limits::default().choose_method(s.space.cardinality(), true, Requested::Auto).expect("a method");
    let doc = AnalysisDoc::new(&s, &analysis, &choice, None);
    let text = round_trip(&doc);
    assert!(text.contains("\"schema\": \"entente.analysis/2\""));
    assert!(text.contains("\"method\": {\n    \"frontier\": \"enumerate\",\n    \"requested\": \"auto\""), "{text}");
    assert!(!text.contains("\"delegations\""), "absent without delegation");
    assert!(analysis_text(&s, &analysis).contains("Pareto frontier:"));
    assert_eq!(
        method_text(&choice, None),
        "Method: the frontier by enumerating all 125 outcomes (spaces up to 33554432 outcomes are enumerated, \
         larger linear additive ones merged).\n"
    );
}

#[test]
fn whatif_documents_round_trip() {
    let (base, changed) = (scenario(1), scenario(2));
    let zones = |s: &Scenario| {
        let t = tables(s);
        let parties: Vec<PartyInput> = s
            .parties
            .iter()
            .zip(&t)
            .map(|(p, own)| PartyInput { name: &p.name, own, reservation: p.utility.reservation(), delegation: None })
            .collect();
        analyze_zones(&parties)
    };
    let (zb, zc) = (zones(&base), zones(&changed));
    let rb = run(&base);
    let case_b = WhatIfCase { scenario: &base, delegations: &[], report: &zb, run: Ok(&rb) };
    let case_c = WhatIfCase { scenario: &changed, delegations: &[], report: &zc, run: Err("no negotiator") };
    let changes = vec![ChangeDoc { change: "seed 2".into(), note: "another draw".into() }];
    let doc = WhatIfDoc::new(&case_b, &case_c, changes.clone(), 7, 0.0);
    let text = round_trip(&doc);
    assert!(text.contains("\"schema\": \"entente.whatif/1\""));
    assert!(doc.base.run.is_some() && doc.base.run_skipped.is_none());
    assert_eq!((doc.changed.run.as_ref(), doc.changed.run_skipped.as_deref()), (None, Some("no negotiator")));
    let printed = whatif_text(&case_b, &case_c, &changes, 7, 0.0);
    assert!(printed.contains("not simulated: no negotiator"), "{printed}");
}
