//! The talks apply the one timeline of instructions: a `[[parties.changes]]`
//! table in a talks file takes effect at its minute of the round.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests read scenario files

use std::path::{Path, PathBuf};

use entente_core::blocs::Reversion;
use entente_formats::talks_toml::parse_talks;
use entente_model::talks::{DAY, HOUR};
use entente_talks::assessment::Blockage;
use entente_talks::log::Entry;
use entente_talks::simulate;

fn reference_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    std::fs::read_to_string(path).unwrap()
}

/// The reference case's day-3, 17:30 instruction of kandahar.
const KANDAHAR: &str = r#"[[talks.instructions]]
day = 3
time = "17:30"
party = "state_b"
bloc = "kandahar"
text = "Review what was cleared: nothing beyond what the leadership approved in Doha."
reversion = 0.74
"#;

#[test]
fn a_relative_time_change_in_a_talks_file_takes_effect() {
    let text = reference_text();
    assert!(text.contains(KANDAHAR));
    let reference = parse_talks(&text, Path::new("istanbul-2025.toml")).unwrap();
    // Day 3, 17:30 as a relative time of the round: sessions from day 1, 09:00 to day 4, 15:00.
    let (start, end) = (reference.start(), reference.end());
    let minute = 2 * DAY + 17 * HOUR + 30;
    let tau = ((minute - start) as f64 - 0.5) / (end - start) as f64;
    assert_eq!(reference.minute(tau), minute);
    // The same instruction given as `[[parties.changes]]` of state_b (its last table before [talks]).
    let change = format!("[[parties.changes]]\nat = {tau}\nbloc = \"kandahar\"\nreversion = 0.74\n\n");
    let changed = text.replace(KANDAHAR, "").replace("# --- The talks", &format!("{change}# --- The talks"));
    let talks = parse_talks(&changed, Path::new("changed.toml")).unwrap();
    let adopted: Vec<_> = talks.instructions.iter().filter(|i| i.text.contains("[[parties.changes]]")).collect();
    assert_eq!(adopted.len(), 1);
    assert_eq!((adopted[0].at, adopted[0].party, adopted[0].bloc), (minute, 1, 1));
    assert_eq!(talks.timeline(1).unwrap().at(minute as f64), reference.timeline(1).unwrap().at(minute as f64));

    let run = simulate(&talks).unwrap();
    let base = simulate(&reference).unwrap();
    // It took effect: kandahar's reversion at the end, an instruction in state_b's log at 17:30.
    let end_instructions = run.instructions[1].as_ref().unwrap();
    assert_eq!(end_instructions.blocs[1].reversion, Reversion::Utility(0.74));
    assert!(run.log.entries().iter().any(
        |e| e.time == minute && matches!(&e.entry, Entry::Instruction { party: 1, bloc, .. } if bloc == "kandahar")
    ));
    // And the round ends as the reference does: blocked internally by kandahar and khost.
    let (a, b) = (run.assessment.as_ref().unwrap(), base.assessment.as_ref().unwrap());
    assert_eq!(a.blockage, Blockage::Internal);
    assert_eq!(a.blockage, b.blockage);
    assert_eq!(a.blocking_blocs, b.blocking_blocs);
    let blocking: Vec<&str> = a.blocking_blocs.iter().map(|(_, bloc)| bloc.as_str()).collect();
    assert_eq!(blocking, ["kandahar", "khost"]);
    assert_eq!(run.text, base.text);

    // Without it, kandahar keeps its declared reversion.
    let dropped = parse_talks(&text.replace(KANDAHAR, ""), Path::new("dropped.toml")).unwrap();
    let run = simulate(&dropped).unwrap();
    assert_eq!(run.instructions[1].as_ref().unwrap().blocs[1].reversion, Reversion::Utility(0.4));
}

#[test]
fn a_change_without_a_bloc_is_refused_in_talks() {
    let changed = reference_text().replace("# --- The talks", "[[parties.changes]]\nat = 0.5\n\n# --- The talks");
    let e = parse_talks(&changed, Path::new("changed.toml")).unwrap_err().to_string();
    assert!(e.contains("parties.changes") && e.contains("state_b") && e.contains("bloc"), "{e}");
}
