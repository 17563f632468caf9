//! Replays every NegMAS 0.16 parity case in `../shared/parity` and requires
//! identical traces (tie-equivalent passes only in cases flagged
//! `tie_order_sensitive`).

use std::path::PathBuf;

use entente_formats::parity::{Verdict, case_files, check_file};

fn parity_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/parity");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/parity is missing, and CI=true requires it");
    }
    eprintln!("SKIPPED: ../shared/parity not found beside the project (set up ../shared to run this test)");
    None
}

#[test]
fn every_parity_case_replays_exactly() {
    let Some(dir) = parity_dir() else { return };
    let files = case_files(&dir).expect("list parity cases");
    assert!(files.len() >= 500, "expected the 510 parity cases, found {}", files.len());
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
}
