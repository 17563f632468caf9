//! `assessment::Standing::at`: the talks as their schedule determines them at
//! a moment, checked against the simulated round's own state at its end (its
//! reservation values and instructions) and by hand, on a case of these tests.

use std::path::Path;

use entente_formats::talks_toml::parse_talks;
use entente_talks::assessment::{Standing, assess};
use entente_talks::sim::Ending;
use entente_talks::simulate;

/// A unitary party A (reservation 0.4) and a delegation B under unanimity of
/// its veto blocs. home1 (veto, reversion 0.6) accepts only a0 b0, which A
/// values 0: the zone is empty and the round runs to its end. At 12:00 home2
/// gains a veto and has B table item c with guarantor g, present and refusing.
/// Incidents lower A's reservation by 0.1 (11:00) and B's by 0.05 twice: at
/// 10:00 (wiped by the 12:00 instruction, which recomputes B's position) and at
/// 13:00 (kept).
const CASE: &str = r#"
name = "standing"
[[issues]]
name = "a"
values = ["a0", "a1"]
[[issues]]
name = "b"
values = ["b0", "b1"]
[[issues]]
name = "c"
values = ["c0", "c1"]
[[parties]]
name = "A"
reservation = 0.4
[parties.issues]
a = { weight = 0.5, values = [0.0, 1.0] }
b = { weight = 0.5, values = [0.0, 1.0] }
c = { weight = 0.0, values = [0.0, 0.0] }
[[parties]]
name = "B"
[parties.delegation]
rule = "unanimity"
[[parties.blocs]]
name = "home1"
weight = 0.5
veto = true
reversion = 0.6
[parties.blocs.issues]
a = { weight = 0.4, values = [1.0, 0.0] }
b = { weight = 0.4, values = [1.0, 0.0] }
c = { weight = 0.2, values = [0.0, 1.0] }
[[parties.blocs]]
name = "home2"
weight = 0.5
reversion = 0.3
[parties.blocs.issues]
a = { weight = 0.4, values = [1.0, 0.0] }
b = { weight = 0.4, values = [1.0, 0.0] }
c = { weight = 0.2, values = [0.0, 1.0] }
[talks]
mediators = ["m"]
agenda = ["a", "b"]
defaults = { a = "a0", b = "b0", c = "c0" }
step_minutes = 60
[[talks.sessions]]
day = 1
start = "09:00"
hours = 8
[[talks.guarantors]]
name = "g"
present = true
consents = false
[[talks.instructions]]
day = 1
time = "12:00"
party = "B"
bloc = "home2"
text = "Table c."
veto = true
table = { issue = "c", guarantor = "g" }
[[talks.incidents]]
day = 1
time = "10:00"
place = "x"
text = "first"
effects = [{ lower_reservation = { party = "B", by = 0.05 } }]
[[talks.incidents]]
day = 1
time = "11:00"
place = "x"
text = "second"
effects = [{ lower_reservation = { party = "A", by = 0.1 } }]
[[talks.incidents]]
day = 1
time = "13:00"
place = "x"
text = "third"
effects = [{ lower_reservation = { party = "B", by = 0.05 } }]
"#;

#[test]
fn the_standing_at_the_end_is_the_round_at_its_end() {
    let talks = parse_talks(CASE, Path::new("standing.toml")).unwrap_or_else(|e| panic!("{e}"));
    let run = simulate(&talks).unwrap();
    assert!(!matches!(run.ending, Ending::Adopted { .. }), "the case is built so that nothing is adopted");
    let end = talks.end();
    let s = Standing::at(&talks, end).unwrap();
    // By hand: A 0.4 − 0.1; B the mean of its blocs' reversions, 0.45, less the incident after the instruction.
    assert!((s.reservations[0] - 0.3).abs() < 1e-12, "{:?}", s.reservations);
    assert!((s.reservations[1] - 0.40).abs() < 1e-12, "{:?}", s.reservations);
    // And as the simulated round has them at its end.
    assert_eq!(s.reservations, run.reservations);
    assert_eq!(s.instructions, run.instructions);
    // c was tabled, and stays at its default: its guarantor refused.
    let mut negotiated = s.negotiated.clone();
    negotiated.sort_unstable();
    assert_eq!(negotiated, vec![0, 1, 2]);
    assert_eq!(s.fixed, vec![(2, 0)]);
    // The assessment (from the run) and the standing (from the schedule) analyse the same zones.
    let a = assess(&talks, &run).unwrap();
    let z = s.zones(&talks).unwrap();
    assert_eq!((a.unitary_zone, a.bloc_zone), (z.unitary_zone, z.bloc_zone));
    assert!(!a.refusals.is_empty());

    // Before the instruction: c off the agenda at its default, B's first incident counts, A's not yet.
    let s = Standing::at(&talks, 10 * 60 + 30).unwrap();
    assert_eq!(s.negotiated, vec![0, 1]);
    assert_eq!(s.fixed, vec![(2, 0)]);
    assert!((s.reservations[0] - 0.4).abs() < 1e-12);
    assert!((s.reservations[1] - 0.40).abs() < 1e-12, "0.45 − 0.05: {:?}", s.reservations);
    // The reduced scenario: c keeps one value, the others both; reservation values as they stand.
    let reduced = s.negotiated_scenario(&talks).unwrap();
    assert_eq!(reduced.space.radices(), &[2, 2, 1]);
    use entente_core::UtilityFunction as _;
    assert!((reduced.parties[1].utility.reservation() - s.reservations[1]).abs() < 1e-12);
}
