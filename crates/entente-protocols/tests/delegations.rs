//! Divided delegations in scenario files: declarations, errors, and the
//! delegation held to its win-set at the table.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use entente_core::blocs::Rule;
use entente_formats::{FormatError, parse_scenario, read_scenario};
use entente_protocols::RunScenario;
use entente_protocols::delegation::PreparedDelegation;
use entente_protocols::negotiators::{StrategyOptions, StrategySpec};

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

const BASE: &str = r#"
name = "small delegation"
[protocol]
n_steps = 30
[[issues]]
name = "a"
values = ["x", "y", "z"]
[[issues]]
name = "b"
min = 0
max = 2
[[parties]]
name = "other"
reservation = 0.2
negotiator = { strategy = "conceder" }
[parties.issues]
a = { weight = 0.5, values = [1.0, 0.5, 0.0] }
b = { weight = 0.5, values = [1.0, 0.5, 0.0] }
[[parties]]
name = "deleg"
negotiator = { strategy = "boulware" }
[parties.delegation]
rule = "quota"
quota = 60
[[parties.blocs]]
name = "north"
weight = 50
veto = true
reversion = 0.3
red_lines = [{ issue = "a", value = "z" }]
[parties.blocs.issues]
a = { weight = 0.5, values = [0.0, 0.5, 1.0] }
b = { weight = 0.5, values = [0.0, 0.5, 1.0] }
[[parties.blocs]]
name = "south"
weight = 50
reversion = 0.2
[parties.blocs.issues]
a = { weight = 0.7, values = [0.2, 1.0, 0.4] }
b = { weight = 0.3, values = [1.0, 0.0, 0.5] }
[[parties.changes]]
at = 0.5
bloc = "south"
weight = 80
"#;

fn error_at(text: &str, line: usize, needle: &str) {
    match parse_scenario(text, Path::new("d.toml")) {
        Ok(_) => panic!("expected an error containing {needle:?}"),
        Err(FormatError::Syntax { file, line: l, message, .. }) => {
            assert_eq!(file, Path::new("d.toml"));
            assert!(message.contains(needle), "message {message:?} lacks {needle:?}");
            assert_eq!(l, line, "line of {message:?}");
        }
        Err(e) => panic!("expected a located error, got {e}"),
    }
}

#[test]
fn base_declaration_reads_as_written() {
    let s = parse_scenario(BASE, Path::new("d.toml")).unwrap();
    let d = s.parties[1].delegation.as_ref().unwrap();
    assert_eq!(d.rule, Rule::Quota { quota: 60.0 });
    assert_eq!(d.blocs.len(), 2);
    assert!(d.blocs[0].bloc.veto && !d.blocs[1].bloc.veto);
    assert_eq!(d.blocs[0].bloc.red_lines.len(), 1);
    let epochs = entente_model::timeline::Timeline::new(d).epochs();
    assert_eq!(epochs.len(), 2);
    assert_eq!(epochs[1].from, 0.5);
    assert_eq!(epochs[1].blocs[1].weight, 80.0);
    // The mandate is the weight-normalised mean of the blocs: at (x, 0) = 0.5 * 0 + 0.5 * (0.7 * 0.2 + 0.3 * 1.0).
    let mandate = &s.parties[1].utility;
    let expected = 0.5 * (0.5 * 0.0 + 0.5 * 0.0) + 0.5 * (0.7 * 0.2 + 0.3 * 1.0);
    assert!((entente_core::UtilityFunction::utility(mandate, &[0, 0]) - expected).abs() < 1e-12);
}

#[test]
fn declaration_errors_name_line_and_field() {
    error_at(
        &BASE.replace("quota = 60", "quota = 150"),
        24,
        "quota 150 must be above 0 and at most the blocs' total weight 100",
    );
    error_at(
        &BASE.replace("rule = \"quota\"\nquota = 60", "rule = \"dominant\"\ndominant = \"east\""),
        24,
        "there is no bloc \"east\"",
    );
    error_at(&BASE.replace("bloc = \"south\"", "bloc = \"sud\""), 43, "there is no bloc \"sud\"");
    error_at(&BASE.replace("value = \"z\" }", "value = \"w\" }"), 30, "issue \"a\" has no value w");
    error_at(&BASE.replace("issue = \"a\", value", "issue = \"c\", value"), 30, "there is no issue \"c\"");
    error_at(&BASE.replace("rule = \"quota\"", "rule = \"majority\""), 23, "unknown rule \"majority\"");
    error_at(&BASE.replace("at = 0.5", "at = 1.5"), 42, "must be a relative time in [0, 1]");
    error_at(&BASE.replace("reversion = 0.2\n", ""), 34, "give its `reversion`");
    error_at(
        &BASE.replace("weight = 50\nreversion = 0.2", "weight = -5\nreversion = 0.2"),
        36,
        "weight must be a number >= 0",
    );
    error_at(&BASE.replace("name = \"south\"", "name = \"north\""), 35, "two blocs are named \"north\"");
    error_at(
        &BASE.replace(
            "negotiator = { strategy = \"boulware\" }\n",
            "negotiator = { strategy = \"boulware\" }\nreservation = 0.4\n",
        ),
        22,
        "takes no `reservation` of its own",
    );
}

/// Held to its win-set (no defection), a delegation offers and accepts only
/// ratifiable outcomes: every agreement is ratified, with every strategy.
#[test]
fn a_delegation_without_defection_stays_in_its_win_set() {
    let mut checked = 0;
    for entry in std::fs::read_dir(scenarios()).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("delegation-") {
            continue;
        }
        let mut s = read_scenario(&path).unwrap();
        for (k, p) in s.clone().parties.iter().enumerate() {
            let Some(d) = &p.delegation else { continue };
            let mut d = d.clone();
            d.defection = false;
            s.parties[k].delegation = Some(d.clone());
            let prepared = PreparedDelegation::new(&s.space, &d).unwrap();
            for name in ["boulware", "linear", "conceder", "aspiration", "tit-for-tat", "random"] {
                s.parties[k].strategy = Some(StrategySpec::from_name(name, &StrategyOptions::default()).unwrap());
                for seed in 0..3 {
                    let report = s.run(Some(seed)).unwrap();
                    for o in report.offers.iter().filter(|o| o.party == k) {
                        let e = &prepared.epochs[prepared.epoch_at(o.t)];
                        assert!(
                            e.win_set.contains(o.outcome) || e.win_set.is_empty(),
                            "{}: {name} offered an outcome its blocs do not ratify",
                            path.display()
                        );
                    }
                    if let (Some(a), Some(r)) = (report.agreement, &report.ratification[k]) {
                        let e = &prepared.epochs[prepared.epoch_at(report.t)];
                        assert_eq!(r.ratified, e.win_set.contains(a));
                        if !e.win_set.is_empty() {
                            assert!(r.ratified, "{}: {name}: an agreement outside the win-set", path.display());
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 4 * 6 * 3, "every delegation example is exercised ({checked} runs)");
}
