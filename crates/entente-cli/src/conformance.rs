//! `entente conformance DIR`: replay NegMAS runs and compare offer by offer.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use entente_conformance::{ConformanceReport, Verdict, case_files, check_file_with};
use entente_core::TieOrder;
use rayon::prelude::*;

pub fn run(dir: &Path, verbose: bool, tie_order: TieOrder) -> anyhow::Result<ExitCode> {
    let files = case_files(dir).with_context(|| format!("cannot list cases in {}", dir.display()))?;
    if files.is_empty() {
        anyhow::bail!("{}: no case files (*.json) found", dir.display());
    }
    // Cases are independent; results are collected in file order.
    let verdicts: Vec<Verdict> = files.par_iter().map(|f| check_file_with(f, tie_order)).collect();
    let mut report = ConformanceReport::default();
    for (file, verdict) in files.iter().zip(verdicts) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match verdict {
            Verdict::Exact => {
                report.exact += 1;
                if verbose {
                    outln!("ok     {name}");
                }
            }
            Verdict::TieEquivalent { round, same_ending } => {
                if verbose {
                    let ending = if same_ending { "same" } else { "a different" };
                    outln!("tie    {name} (diverged at round {round} on an outcome of equal utility; {ending} ending)");
                }
                report.tie_equivalent.push((name, round, same_ending));
            }
            Verdict::Failed { round, reason } => {
                let at = round.map_or("before the first round".to_string(), |r| format!("round {r}"));
                outln!("FAILED {name}: diverged at {at}: {reason}");
                report.failed.push((file.clone(), round, reason));
            }
        }
    }
    let same = report.tie_equivalent.iter().filter(|t| t.2).count();
    outln!(
        "{} exact, {} tie-equivalent (diverged at an offer of exactly equal utility for its proposer, in a case flagged tie_order_sensitive; {} of them ended the same)",
        report.exact,
        report.tie_equivalent.len(),
        same
    );
    outln!("{} passed, {} failed", report.passed(), report.failed.len());
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
