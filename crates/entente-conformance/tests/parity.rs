//! Replays every NegMAS 0.16 parity case in `../shared/parity` through our
//! engine and compares traces, agreements and round counts.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use std::path::PathBuf;

use entente_conformance::{Verdict, case_files, check_file, check_file_with};
use entente_core::TieOrder;
use entente_formats::parity::ParityCase;

fn parity_dir() -> Option<PathBuf> {
    common::shared_dir("parity")
}

/// With numpy's AVX2 tie order (the corpus's), every case replays exactly:
/// the same offers, agreement and rounds, tie-order-sensitive cases included.
#[test]
fn every_parity_case_replays_exactly() {
    let Some(dir) = parity_dir() else { return };
    let files = case_files(&dir).expect("list parity cases");
    assert_eq!(files.len(), 510, "expected the 510 parity cases");
    let (mut exact, mut ties, mut failures) = (0, 0, Vec::new());
    for f in &files {
        match check_file(f) {
            Verdict::Exact => exact += 1,
            Verdict::TieEquivalent { .. } => ties += 1,
            Verdict::Failed { round, reason } => failures.push(format!("{}: round {round:?}: {reason}", f.display())),
        }
    }
    eprintln!("{exact} exact, {ties} tie-equivalent, {} failed of {}", failures.len(), files.len());
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(
        exact,
        files.len(),
        "with numpy's tie order every case should be exact, {ties} were only tie-equivalent"
    );
}

/// With the default stable tie order, ties may be broken otherwise: every case
/// without tied utilities still replays exactly, and every case passes
/// (exactly, or tie-equivalent where the corpus flags it tie-order sensitive).
#[test]
fn stable_tie_order_is_exact_without_ties() {
    let Some(dir) = parity_dir() else { return };
    let (mut exact, mut tie_equivalent, mut tie_cases) = (0, 0, 0);
    for f in case_files(&dir).expect("list parity cases") {
        let case: ParityCase = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let verdict = check_file_with(&f, TieOrder::Stable);
        if case.ties_in_utilities {
            tie_cases += 1;
            match verdict {
                Verdict::Exact => exact += 1,
                Verdict::TieEquivalent { .. } => tie_equivalent += 1,
                Verdict::Failed { .. } => panic!("{}: {verdict:?}", f.display()),
            }
        } else {
            assert_eq!(verdict, Verdict::Exact, "{}", f.display());
            exact += 1;
        }
    }
    eprintln!("stable tie order: {exact} exact, {tie_equivalent} tie-equivalent; {tie_cases} cases have ties");
    assert!(tie_equivalent > 0, "the tie-equivalence rule should have been exercised");
}
