//! The scenario format: examples load and run, errors point at the right
//! place, writing and reading again keeps every utility, and no input panics.

// Test code: reads and writes its fixtures (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use entente_core::UtilityFunction;
use entente_formats::{FormatError, parse_scenario, read_scenario, write_scenario};
use entente_protocols::RunScenario;
use proptest::prelude::*;

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

const SMALL: &str = r#"
name = "small"
[protocol]
n_steps = 20
[[issues]]
name = "price"
values = ["low", "mid", "high"]
[[issues]]
name = "qty"
min = 1
max = 3
[[parties]]
name = "a"
reservation = 0.1
negotiator = { strategy = "linear" }
[parties.issues]
price = { weight = 0.7, values = { low = 1.0, mid = 0.5, high = 0.0 } }
qty = { weight = 0.3, linear = { slope = 0.5, intercept = -0.5 } }
[[parties]]
name = "b"
negotiator = { strategy = "conceder" }
[parties.issues]
price = { weight = 0.6, values = [0.0, 0.5, 1.0] }
qty = { weight = 0.4, values = [1.0, 0.5, 0.0] }
"#;

fn parse(text: &str) -> Result<entente_model::Scenario, FormatError> {
    parse_scenario(text, Path::new("test.toml"))
}

/// Asserts an error at `line:column` whose message contains `needle`.
fn error_at(text: &str, line: usize, column: usize, needle: &str) {
    match parse(text) {
        Ok(_) => panic!("expected an error containing {needle:?}"),
        Err(FormatError::Syntax { file, line: l, column: c, message }) => {
            assert_eq!(file, Path::new("test.toml"));
            assert!(message.contains(needle), "message {message:?} lacks {needle:?}");
            assert_eq!((l, c), (line, column), "position of {message:?}");
        }
        Err(e) => panic!("expected a located error, got {e}"),
    }
}

#[test]
fn every_shipped_scenario_loads_and_runs() {
    let mut n = 0;
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let s = read_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
            let report = s.run(None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(report.rounds >= 1 && report.rounds <= s.config.n_steps);
            assert!(!report.offers.is_empty());
            n += 1;
        }
    }
    assert!(n >= 3, "expected at least three example scenarios, found {n}");
}

#[test]
fn small_scenario_reads_as_written() {
    let s = parse(SMALL).unwrap();
    assert_eq!(s.space.cardinality(), 9);
    assert_eq!(s.config.n_steps, 20);
    let a = &s.parties[0].utility;
    // price=low (1.0), qty=3 (0.5*3-0.5 = 1.0)
    assert_eq!(a.utility(&[0, 2]), (0.0 + 0.7 * 1.0) + 0.3 * 1.0);
    assert_eq!(a.reservation(), 0.1);
    assert_eq!(s.parties[1].utility.reservation(), f64::NEG_INFINITY);
    assert_eq!(s.parties[1].utility.utility(&[2, 0]), (0.0 + 0.6 * 1.0) + 0.4 * 1.0);
}

#[test]
fn errors_name_line_column_and_expectation() {
    error_at(&SMALL.replace("n_steps = 20", "n_steps = 0"), 4, 11, "n_steps must be from 1");
    error_at(&SMALL.replace("\"linear\" }", "\"bolware\" }"), 15, 14, "unknown strategy \"bolware\"");
    error_at(&SMALL.replace("mid = 0.5, high", "middle = 0.5, high"), 17, 34, "has no value \"middle\"");
    error_at(&SMALL.replace("[0.0, 0.5, 1.0]", "[0.0, 0.5]"), 23, 34, "has 3 values but 2 utilities");
    error_at(&SMALL.replace("weight = 0.7", "weight = nan"), 17, 20, "finite");
    error_at(&SMALL.replace("weight = 0.4", "wieght = 0.4"), 24, 9, "unknown field `wieght`");
    error_at(&SMALL.replace("min = 1", "min = 5"), 9, 8, "min 5 is above max 3");
    error_at(&SMALL.replace("\"mid\", \"high\"", "\"mid\", \"mid\""), 7, 25, "listed twice");
    error_at(&SMALL.replace("name = \"b\"", "name = \"a\""), 20, 8, "two parties are named \"a\"");
    error_at(&SMALL.replace("qty = { weight = 0.4", "quantity = { weight = 0.4"), 24, 12, "no issue \"quantity\"");
    error_at(&SMALL.replace("reservation = 0.1", "reservation = inf"), 14, 15, "finite");
    error_at(&SMALL.replace("[protocol]", "[protocol"), 3, 10, "");
    error_at(
        &SMALL.replace(
            "negotiator = { strategy = \"linear\" }",
            "negotiator = { strategy = \"linear\", exponent = -2.0 }",
        ),
        15,
        14,
        "exponent: must be a positive number",
    );
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let err = read_scenario(Path::new("/nonexistent/x.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/x.toml"));
}

#[test]
fn written_scenarios_read_back_with_identical_utilities() {
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let a = read_scenario(&path).unwrap();
        let text = write_scenario(&a).unwrap();
        let b =
            parse(&text).unwrap_or_else(|e| panic!("{}: rewritten text does not parse: {e}\n{text}", path.display()));
        assert_eq!(a.space, b.space);
        assert_eq!(a.config, b.config);
        assert_eq!(a.seed, b.seed);
        for (pa, pb) in a.parties.iter().zip(&b.parties) {
            assert_eq!(pa.name, pb.name);
            assert_eq!(pa.strategy, pb.strategy);
            assert_eq!(pa.utility.reservation().to_bits(), pb.utility.reservation().to_bits());
            a.space.for_each_outcome(|v| {
                assert_eq!(pa.utility.utility(v).to_bits(), pb.utility.utility(v).to_bits());
                true
            });
            match (&pa.delegation, &pb.delegation) {
                (None, None) => {}
                (Some(da), Some(db)) => {
                    assert_eq!(da.rule, db.rule);
                    assert_eq!(da.defection, db.defection);
                    assert_eq!(da.changes, db.changes);
                    assert_eq!(da.blocs.len(), db.blocs.len());
                    for (ba, bb) in da.blocs.iter().zip(&db.blocs) {
                        assert_eq!(ba.bloc, bb.bloc);
                        assert_eq!(ba.uncertainty, bb.uncertainty);
                        a.space.for_each_outcome(|v| {
                            assert_eq!(ba.utility.utility(v).to_bits(), bb.utility.utility(v).to_bits());
                            true
                        });
                    }
                }
                _ => panic!("{}: delegation lost in writing", path.display()),
            }
        }
    }
}

/// Pieces that often break readers: non-numbers, extremes, empty things.
fn hostile_token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "nan",
        "inf",
        "-inf",
        "-1",
        "0",
        "1e308",
        "-1e308",
        "99999999999999999999",
        "\"\"",
        "[]",
        "{}",
        "\"x\"",
        "true",
        "[nan]",
        "[1, 2]",
        "0.5",
        "4294967296",
        "-9223372036854775808",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// Replacing any value of a valid scenario by a hostile token never panics;
    /// when it still parses, the scenario runs without panicking.
    #[test]
    fn hostile_values_never_panic(picks in prop::collection::vec((0usize..64, hostile_token()), 1..4)) {
        let mut text = SMALL.to_string();
        for (k, tok) in picks {
            // the k-th "= value" on a line, replaced by the token
            let lines: Vec<&str> = text.lines().collect();
            let candidates: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.contains(" = ")).map(|(i, _)| i).collect();
            let i = candidates[k % candidates.len()];
            let line = lines[i];
            let eq = line.find(" = ").unwrap();
            let new_line = format!("{} = {}", &line[..eq], tok);
            let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            out[i] = new_line;
            text = out.join("\n");
        }
        if let Ok(s) = parse(&text) {
            let mut s = s;
            s.config.n_steps = s.config.n_steps.min(50);
            let _ = s.run(None);
        }
    }

    /// Cutting the text anywhere or deleting a span never panics.
    #[test]
    fn truncated_and_mangled_text_never_panics(cut in 0usize..700, del in 0usize..40, at in 0usize..700) {
        let t: String = SMALL.chars().take(cut).collect();
        let _ = parse(&t);
        let chars: Vec<char> = SMALL.chars().collect();
        let a = at.min(chars.len());
        let b = (a + del).min(chars.len());
        let mangled: String = chars[..a].iter().chain(chars[b..].iter()).collect();
        if let Ok(mut s) = parse(&mangled) {
            s.config.n_steps = s.config.n_steps.min(50);
            let _ = s.run(None);
        }
    }

    /// Generated scenarios with arbitrary sizes, weights and reservation values:
    /// parse errors or runs, never panics; runs are reproducible.
    #[test]
    fn generated_scenarios_parse_or_fail_cleanly(
        n_values in prop::collection::vec(0usize..5, 0..4),
        weights in prop::collection::vec(prop::num::f64::ANY, 8),
        rv in prop::num::f64::ANY,
        n_steps in prop::sample::select(vec![0i64, 1, 7, 150, -5, 100_000_001, i64::MAX, i64::MIN]),
        duplicate_issue in prop::bool::weighted(0.2),
        duplicate_party in prop::bool::weighted(0.2),
        strategy in prop::sample::select(vec!["boulware", "linear", "conceder", "aspiration", "tit-for-tat", "tough", "random", "nonsense"]),
    ) {
        let mut text = format!("[protocol]\nn_steps = {n_steps}\nseed = 3\n");
        for (k, n) in n_values.iter().enumerate() {
            let vals: Vec<String> = (0..*n).map(|j| format!("\"v{j}\"")).collect();
            let name = if duplicate_issue && k > 0 { 0 } else { k };
            text += &format!("[[issues]]\nname = \"i{name}\"\nvalues = [{}]\n", vals.join(", "));
        }
        for p in 0..2 {
            let p_name = if duplicate_party { 0 } else { p };
            let r = if p == 0 { format!("{rv:?}").replace("NaN", "nan") } else { "0.0".into() };
            text += &format!("[[parties]]\nname = \"p{p_name}\"\nreservation = {r}\nnegotiator = {{ strategy = \"{strategy}\" }}\n[parties.issues]\n");
            for (k, n) in n_values.iter().enumerate() {
                let w = weights[(k + p) % weights.len()];
                let w = format!("{w:?}").replace("NaN", "nan");
                let vals: Vec<String> = (0..*n).map(|j| format!("{}", (j as f64) / 3.0)).collect();
                text += &format!("i{k} = {{ weight = {w}, values = [{}] }}\n", vals.join(", "));
            }
        }
        match parse(&text) {
            Ok(s) => {
                let a = s.run(None);
                let b = s.run(None);
                if let (Ok(a), Ok(b)) = (a, b) {
                    prop_assert_eq!(a.agreement, b.agreement);
                    prop_assert_eq!(a.rounds, b.rounds);
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("test.toml")),
        }
    }
}

#[test]
fn discount_applies_to_reported_utilities_at_the_end_time() {
    let text = SMALL.replace("reservation = 0.1\n", "reservation = 0.1\ndiscount = 0.5\n");
    let s = parse(&text).unwrap();
    let report = s.run(None).unwrap();
    let (u, d) = (report.utilities[0], report.discounted_utilities[0]);
    assert_eq!(d, u * 0.5f64.powf(report.t));
    assert!(report.t > 0.0 && report.t <= 1.0);
    // The other party has no discount.
    assert_eq!(report.discounted_utilities[1], report.utilities[1]);
}
