//! Privacy is a property of the record: over random small talks and every
//! role, no export holds a value computed from another party's preferences;
//! the talks run reads back from its JSON; 150 mediators are 150 actors.
//!
//! These tests live in entente-formats for now (they build the talks from
//! TOML, and entente-formats depends on entente-talks); they move to
//! entente-talks/tests once formats no longer depends on talks.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_talks::log::{Entry, Role, Visibility, export_for};
use entente_talks::sim::TalksRun;
use entente_talks::simulate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const ISSUES: [(&str, usize); 3] = [("a", 3), ("b", 2), ("c", 3)];

/// A random small talks scenario, as TOML.
#[derive(Clone, Debug)]
struct Case {
    /// Per party: per issue, per value, a utility; a weight per issue; a reservation.
    parties: Vec<(Vec<Vec<f64>>, Vec<f64>, f64)>,
    /// The last party is a delegation of two blocs (their values).
    delegation: Option<[Vec<Vec<f64>>; 2]>,
    confided: Vec<bool>,
    exponents: Vec<f64>,
    /// (day-minute, bloc, red line on issue c=value 0?, table issue c?)
    instruction: Option<(u64, usize, bool)>,
    /// (minute, party, lower reservation by, reopen issue)
    incidents: Vec<(u64, usize, f64, bool)>,
    step: u64,
    seed: u64,
    /// The co-mediators' drafting rules (indices into `RULES`), an item c
    /// tabled by a party or a mediator (minute, who: parties then mediators),
    /// and whether the agenda clause b needs the guarantor's consent.
    extras: ([usize; 2], Option<(u64, usize)>, bool),
}

const RULES: [&str; 6] = ["margin", "nash", "kalai-smorodinsky", "egalitarian", "lean:p0:0.5", "lean:p1:1"];

fn values() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (prop::collection::vec(0u32..=20, 3), prop::collection::vec(0u32..=20, 2), prop::collection::vec(0u32..=20, 3))
        .prop_map(|(a, b, c)| {
            [a, b, c].into_iter().map(|v| v.into_iter().map(|x| f64::from(x) / 20.0).collect()).collect()
        })
}

fn case() -> impl Strategy<Value = Case> {
    let party = (values(), prop::collection::vec(1u32..=10, 3), 0u32..=10)
        .prop_map(|(v, w, r)| (v, w.into_iter().map(f64::from).collect(), f64::from(r) / 20.0));
    (
        prop::collection::vec(party, 2..=3),
        prop::option::of((values(), values()).prop_map(|(x, y)| [x, y])),
        prop::collection::vec(any::<bool>(), 3),
        prop::collection::vec(0.5f64..3.0, 3),
        prop::option::of((60u64..1200, 0usize..2, any::<bool>())),
        prop::collection::vec((0u64..1400, 0usize..3, -0.2f64..0.3, any::<bool>()), 1..3),
        15u64..90,
        0u64..1000,
        ([0usize..6, 0usize..6], prop::option::of((60u64..900, 0usize..5)), any::<bool>()),
    )
        .prop_map(|(parties, delegation, confided, exponents, instruction, incidents, step, seed, extras)| Case {
            parties,
            delegation,
            confided,
            exponents,
            instruction,
            incidents,
            step,
            seed,
            extras,
        })
}

fn issue_table(out: &mut String, header: &str, values: &[Vec<f64>], weights: &[f64]) {
    let _ = writeln!(out, "[{header}]");
    for (i, (name, _)) in ISSUES.iter().enumerate() {
        let v: Vec<String> = values[i].iter().map(|x| format!("{x:?}")).collect();
        let _ = writeln!(out, "{name} = {{ weight = {:?}, values = [{}] }}", weights[i], v.join(", "));
    }
}

fn toml(c: &Case) -> String {
    let mut s = format!("name = \"random talks\"\n[protocol]\nseed = {}\n", c.seed);
    for (name, n) in ISSUES {
        let v: Vec<String> = (0..n).map(|k| format!("\"v{k}\"")).collect();
        let _ = writeln!(s, "[[issues]]\nname = \"{name}\"\nvalues = [{}]", v.join(", "));
    }
    let n = c.parties.len();
    for (k, (values, weights, reservation)) in c.parties.iter().enumerate() {
        let _ = writeln!(s, "[[parties]]\nname = \"p{k}\"");
        match (&c.delegation, k + 1 == n) {
            (Some(blocs), true) => {
                let _ = writeln!(s, "[parties.delegation]\nrule = \"unanimity\"");
                for (b, v) in blocs.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "[[parties.blocs]]\nname = \"bloc{b}\"\nweight = 0.5\nveto = {}\nreversion = 0.3",
                        b == 0
                    );
                    issue_table(&mut s, "parties.blocs.issues", v, weights);
                }
            }
            _ => {
                let _ = writeln!(s, "reservation = {reservation:?}");
                issue_table(&mut s, "parties.issues", values, weights);
            }
        }
    }
    s.push_str("[talks]\nmediators = [\"m0\", \"m1\"]\nagenda = [\"a\", \"b\"]\n");
    s.push_str("defaults = { a = \"v0\", b = \"v0\", c = \"v0\" }\n");
    let _ = writeln!(s, "step_minutes = {}", c.step);
    let ([r0, r1], tabling, guarantee) = c.extras;
    let _ = writeln!(s, "drafting = {{ m0 = \"{}\", m1 = \"{}\" }}", RULES[r0], RULES[r1]);
    if guarantee {
        s.push_str("guarantees = { b = \"g\" }\n");
    }
    s.push_str("[[talks.sessions]]\nday = 1\nstart = \"09:00\"\nhours = 8\n");
    s.push_str("[[talks.sessions]]\nday = 2\nstart = \"09:00\"\nhours = 8\n");
    for k in 0..n {
        let _ = writeln!(
            s,
            "[talks.conduct.p{k}]\nexponent = {:?}\nconfided_to_mediators = {}",
            c.exponents[k], c.confided[k]
        );
    }
    s.push_str("[[talks.guarantors]]\nname = \"g\"\npresent = true\n");
    if let (Some((at, bloc, table)), Some(_)) = (c.instruction, &c.delegation) {
        let _ = writeln!(
            s,
            "[[talks.instructions]]\nday = 1\ntime = \"{:02}:{:02}\"\nparty = \"p{}\"\nbloc = \"bloc{bloc}\"\ntext = \"new line\"\nveto = true\nred_lines = [{{ issue = \"a\", value = \"v0\" }}]",
            at / 60 % 24,
            at % 60,
            n - 1
        );
        if table {
            s.push_str("table = { issue = \"c\", guarantor = \"g\" }\n");
        }
    }
    let tables_c = matches!((c.instruction, &c.delegation), (Some((_, _, true)), Some(_)));
    if let (Some((at, who)), false) = (tabling, tables_c) {
        let by = if who < n { format!("p{who}") } else { format!("m{}", who % 2) };
        let _ = writeln!(
            s,
            "[[talks.tabling]]\nday = 1\ntime = \"{:02}:{:02}\"\nby = \"{by}\"\nissue = \"c\"\nguarantor = \"g\"",
            9 + at / 60 % 8,
            at % 60
        );
    }
    for &(at, party, by, reopen) in &c.incidents {
        let party = party % n;
        let _ = writeln!(
            s,
            "[[talks.incidents]]\nday = {}\ntime = \"{:02}:{:02}\"\nplace = \"x\"\ntext = \"incident\"\nissues = [\"a\"]",
            1 + at / 700,
            (at % 700) / 60 + 8,
            at % 60
        );
        let mut effects = vec![format!("{{ lower_reservation = {{ party = \"p{party}\", by = {by:?} }} }}")];
        if reopen {
            effects.push(format!("{{ reopen = {{ party = \"p{party}\", issues = [\"a\", \"b\"] }} }}"));
        }
        let _ = writeln!(s, "effects = [{}]", effects.join(", "));
    }
    s
}

/// Every non-integer number in a JSON value.
fn numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => out.extend(n.as_f64()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

/// The party an entry is private to, if it derives from its preferences.
fn private_party(e: &Entry) -> Option<usize> {
    match e {
        Entry::TextScored { party, .. } | Entry::Rationale { party, .. } | Entry::ReservationMoved { party, .. } => {
            Some(*party)
        }
        _ => None,
    }
}

static RATIONALES: AtomicUsize = AtomicUsize::new(0);
static MOVES: AtomicUsize = AtomicUsize::new(0);
static DELEGATIONS: AtomicUsize = AtomicUsize::new(0);
static NOT_CONFIDED: AtomicUsize = AtomicUsize::new(0);

fn check(c: &Case) -> Result<(), TestCaseError> {
    let talks = parse_talks(&toml(c), Path::new("random.toml")).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let run = simulate(&talks).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let n = talks.scenario.parties.len();
    // Every value computed from party j's preferences: its utility of every text.
    let scores: Vec<Vec<f64>> = (0..n).map(|j| run.texts.iter().map(|t| t.utilities[j]).collect()).collect();
    let mut roles: Vec<Role> = (0..n).map(|party| Role::Party { party }).collect();
    roles.extend([Role::Mediator, Role::Observer]);
    let entries = run.log.entries();
    let scored = entries.iter().any(|e| matches!(e.entry, Entry::TextScored { .. }));
    prop_assert!(scored, "no text was scored");
    RATIONALES
        .fetch_add(entries.iter().filter(|e| matches!(e.entry, Entry::Rationale { .. })).count(), Ordering::Relaxed);
    MOVES.fetch_add(
        entries.iter().filter(|e| matches!(e.entry, Entry::ReservationMoved { .. })).count(),
        Ordering::Relaxed,
    );
    if talks.scenario.parties.iter().any(|p| p.delegation.is_some()) {
        DELEGATIONS.fetch_add(1, Ordering::Relaxed);
    }
    if talks.conduct.iter().any(|c| !c.confided_to_mediators) {
        NOT_CONFIDED.fetch_add(1, Ordering::Relaxed);
    }
    for role in roles {
        let export = export_for(&run.log, role);
        // Structurally: a private entry reaches its party (and the mediators if confided).
        for e in &export {
            if let Some(p) = private_party(&e.entry) {
                match role {
                    Role::Party { party } => prop_assert_eq!(party, p, "{:?} saw {:?}", role, e),
                    Role::Mediator => prop_assert!(talks.conduct[p].confided_to_mediators, "mediators saw {:?}", e),
                    Role::Observer => prop_assert!(false, "an observer saw {:?}", e),
                }
            }
            if let Entry::Package { event } = &e.entry {
                prop_assert!(event.reason().is_none_or(|r| !r.is_private()), "{:?} saw {:?}", role, e);
            }
            let theirs = match (&e.visibility, role) {
                (Visibility::Party { party: p } | Visibility::Confided { party: p }, Role::Party { party }) => {
                    *p == party
                }
                (Visibility::Party { .. }, _) => false,
                _ => true,
            };
            prop_assert!(theirs, "{:?} saw {:?}", role, e);
        }
        // By value: no number of the export is another party's score of a text
        // (unless the reader may see that party's scores, or has the same one itself).
        let json = serde_json::to_value(&export).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut seen = Vec::new();
        numbers(&json, &mut seen);
        for j in 0..n {
            let may = match role {
                Role::Party { party } => party == j,
                Role::Mediator => talks.conduct[j].confided_to_mediators,
                Role::Observer => false,
            };
            if may {
                continue;
            }
            // The values the reader may see (its scores, every number of the
            // private entries it may see) may coincide with another's: not a leak.
            let mut own: Vec<f64> = match role {
                Role::Party { party } => scores[party].clone(),
                _ => Vec::new(),
            };
            for e in &export {
                // (checked above: a private entry in the export is the reader's to see)
                if private_party(&e.entry).is_some() {
                    numbers(&serde_json::to_value(e).map_err(|e| TestCaseError::fail(e.to_string()))?, &mut own);
                }
            }
            for x in &seen {
                let leaked = scores[j].contains(x) && !own.contains(x);
                prop_assert!(!leaked, "{:?} sees {} = a score of party {}", role, x, j);
            }
        }
    }
    // The run reads back from its JSON.
    let back: TalksRun =
        serde_json::from_str(&serde_json::to_string(&run).map_err(|e| TestCaseError::fail(e.to_string()))?)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut expected = run.clone();
    expected.instructions.clear();
    prop_assert_eq!(back, expected);
    Ok(())
}

/// Over random rounds (2-3 parties, a delegation sometimes, instructions,
/// incidents that move reservation values, parties that confide in the
/// mediators or not) and every role, no export leaks another party's
/// preference-derived values. The generator reaches the interesting cases:
/// private rationales, reservation moves, delegations, unconfided parties.
#[test]
fn no_export_leaks_another_partys_preferences() {
    let mut runner = TestRunner::new(Config { cases: 48, ..Config::default() });
    if let Err(e) = runner.run(&case(), |c| check(&c)) {
        panic!("{e}");
    }
    for (what, n) in [
        ("rationales", &RATIONALES),
        ("reservation moves", &MOVES),
        ("delegations", &DELEGATIONS),
        ("unconfided parties", &NOT_CONFIDED),
    ] {
        assert!(n.load(Ordering::Relaxed) > 0, "the generator never reached {what}");
    }
}

fn istanbul() -> entente_talks::Talks {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/istanbul-2025.toml");
    read_talks(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The reference case: the run reads back from JSON into the same value, and
/// the public channel carries no party's score of a text.
#[test]
fn reference_round_trips_and_keeps_scores_private() {
    let talks = istanbul();
    let run = simulate(&talks).unwrap();
    let back: TalksRun = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
    let mut expected = run.clone();
    expected.instructions.clear();
    assert_eq!(back, expected);
    // So do the measures, the third part of the `entente.talks/2` document.
    let measures = entente_talks::measures::measures(&talks, &run).unwrap();
    let json = serde_json::to_string(&measures).unwrap();
    let back: entente_talks::measures::Measures = serde_json::from_str(&json).unwrap();
    assert_eq!(back, measures);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let observer = serde_json::to_string(&export_for(&run.log, Role::Observer)).unwrap();
    assert!(!observer.contains("utilit"));
    assert!(!observer.contains("text_scored"));
    let state_a = export_for(&run.log, Role::Party { party: 0 });
    assert!(state_a.iter().any(|e| matches!(e.entry, Entry::TextScored { party: 0, .. })));
    assert!(state_a.iter().all(|e| private_party(&e.entry).is_none_or(|p| p == 0)));
}

/// 150 mediators are 150 distinct actors (no number ranges), taking turns.
#[test]
fn a_hundred_and_fifty_mediators() {
    let mut talks = istanbul();
    talks.mediators = (0..150).map(|m| format!("mediator {m}")).collect();
    let run = simulate(&talks).unwrap();
    let ids: std::collections::BTreeSet<_> = run.actor_names.iter().map(|(a, _)| *a).collect();
    assert_eq!(ids.len(), run.actor_names.len());
    assert!(run.actor_names.iter().any(|(_, n)| n == "mediator 149"));
    // Several distinct mediators acted.
    let acted: std::collections::BTreeSet<_> = run
        .log
        .entries()
        .iter()
        .filter_map(|e| match &e.entry {
            Entry::Package { event } => Some(event.actor()),
            _ => None,
        })
        .filter(|a| run.actor_names.iter().any(|(id, n)| id == a && n.starts_with("mediator ")))
        .collect();
    assert!(acted.len() > 10, "{} mediators acted", acted.len());
}
