//! The figure's behaviour through its public API: what the SVG shows, for two, three and four parties, analyses
//! and negotiations; degenerate, huge and extreme inputs; determinism; and the errors for input that cannot be
//! drawn.

// The tests may write figures to the temporary directory (to look at) and time the largest one.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use common::*;
use entente_plot::{
    AnalysisFigure, Datum, InvalidInput, MAX_OUTCOME_MARKERS, MAX_PARTIES, Offer, PlotError, RunFigure,
    render_analysis, render_run,
};

/// A negotiation over one outcome: every special point on it.
fn one_outcome() -> RunFigure {
    RunFigure {
        analysis: AnalysisFigure {
            title: "One outcome".into(),
            party_names: vec!["a".into(), "b".into()],
            outcomes: vec![vec![0.5, 0.5]],
            pareto: vec![vec![0.5, 0.5]],
            nash: Some(vec![0.5, 0.5]),
            kalai_smorodinsky: Some(vec![0.5, 0.5]),
            ..AnalysisFigure::default()
        },
        agreement: Some(vec![0.5, 0.5]),
        offers: vec![Offer { party: 0, t: 0.5, utilities: vec![0.5, 0.5] }],
        ..RunFigure::default()
    }
}

#[test]
fn sample_figures() {
    for (n, name) in [(2, "2p"), (3, "3p")] {
        let input = sample(n, true);
        let path = std::env::temp_dir().join(format!("entente-plot-{name}.svg"));
        std::fs::write(&path, render_run(&input).expect("renders")).expect("writes");
        let svg = std::fs::read_to_string(&path).expect("reads back");
        assert!(parse_xml(&svg) > 100);
    }
    let path = std::env::temp_dir().join("entente-plot-analyze.svg");
    std::fs::write(&path, render_analysis(&sample(2, false).analysis).expect("renders")).expect("writes");
}

/// More figures to look at (`cargo test -p entente-plot visual_gallery -- --ignored`, written to the temporary
/// directory): four parties, an analysis of three, a huge space, long runs, long names, utilities outside [0, 1],
/// one outcome.
#[test]
#[ignore]
fn visual_gallery() {
    let dir = std::env::temp_dir();
    let save = |name: &str, input: &RunFigure| {
        let svg = render_run(input).expect("renders");
        std::fs::write(dir.join(format!("entente-plot-{name}.svg")), svg).expect("writes");
    };
    save("3p-analyze", &sample(3, false));
    let mut four = sample(3, true);
    let mut rng = Rng(3);
    add_party(&mut four, "auditor", || rng.next());
    save("4p", &four);
    let outcomes = additive_domain(2, &[10, 10, 10, 10, 10], 5);
    let mut sorted = outcomes.clone();
    sorted.sort_by(|a, b| b[0].total_cmp(&a[0]).then(b[1].total_cmp(&a[1])));
    let mut frontier: Vec<Vec<f64>> = Vec::new();
    for u in sorted {
        if frontier.last().is_none_or(|f| u[1] > f[1]) {
            frontier.push(u);
        }
    }
    let (offers, agreement) = negotiate(&outcomes[..20_000], &[0.2, 0.2], &[0.2, 0.2], 1000);
    save(
        "huge",
        &RunFigure {
            analysis: AnalysisFigure {
                title: "100,000 outcomes, 1,000 rounds, a very long scenario title that goes on".into(),
                subtitle: None,
                party_names: vec!["The Municipality of Somewhere Quite Far".into(), "a".into()],
                nash: nash(&frontier, &[0.2, 0.2]),
                kalai_smorodinsky: None,
                pareto: frontier,
                outcomes,
                reservations: vec![Some(0.2), Some(0.2)],
            },
            offers,
            agreement_t: None,
            agreement: agreement.map(|a| a.0),
        },
    );
    let million = RunFigure {
        analysis: AnalysisFigure {
            title: "A million outcomes".into(),
            party_names: vec!["a".into(), "b".into()],
            outcomes: additive_domain(2, &[10; 6], 9),
            ..AnalysisFigure::default()
        },
        ..RunFigure::default()
    };
    let start = std::time::Instant::now();
    save("million", &million);
    eprintln!("a million outcomes: drawn in {:?}", start.elapsed());
    let mut scaled = sample(2, true);
    let f = |u: &mut Vec<f64>| {
        u[0] = u[0] * 2000.0 - 400.0;
        u[1] = -u[1] * 3.0;
    };
    scaled.analysis.outcomes.iter_mut().for_each(f);
    scaled.analysis.pareto.clear();
    scaled.offers.iter_mut().for_each(|o| f(&mut o.utilities));
    scaled.analysis.nash.iter_mut().for_each(f);
    scaled.analysis.kalai_smorodinsky.iter_mut().for_each(f);
    scaled.agreement.iter_mut().for_each(f);
    scaled.analysis.reservations = vec![Some(-100.0), None];
    save("scaled", &scaled);
    save("one", &one_outcome());
}

#[test]
fn two_parties_well_formed_with_legend_and_names() {
    let input = sample(2, true);
    assert!(input.agreement.is_some(), "the sample negotiation should agree");
    let svg = render_run(&input).expect("renders");
    parse_xml(&svg);
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("<title>Random additive domain, 2 parties</title>"));
    for size in ["12", "13", "14", "20"] {
        assert!(svg.contains(&format!(r#"font-size="{size}""#)), "font size {size}");
    }
    assert!(!svg.contains("font-size=\"13.0"));
    assert!(svg.contains(r#"width="1400""#));
    for label in [
        "outcome",
        "Pareto frontier",
        "Nash point",
        "Kalai–Smorodinsky point",
        "agreement",
        "reservation value (shaded: below it)",
        "offers received, over time (in the proposer's colour)",
        "Nash",
        "KS",
        "relative time",
    ] {
        assert!(has_text(&svg, label), "text {label:?}");
    }
    for name in ["buyer", "seller"] {
        assert!(has_text(&svg, &format!("offers by {name}")), "legend entry for {name}");
        // Axis labels: the plane, and the party's time panel.
        assert_eq!(count_text(&svg, &format!("utility for {name}")), 2, "axis labels for {name}");
        assert!(has_text(&svg, &format!("Every offer, as {name} values it")));
    }
    assert!(has_text(&svg, "Random additive domain, 2 parties"));
    let dots = count(&svg, OUTCOME_DOT);
    assert!(dots > 100 && dots <= input.analysis.outcomes.len() + 1, "{dots}");
}

#[test]
fn three_parties_pairwise() {
    let input = sample(3, true);
    let svg = render_run(&input).expect("renders");
    parse_xml(&svg);
    assert!(has_text(&svg, "Pareto-optimal outcome"));
    assert!(has_text(&svg, "Outcomes in the utility plane, pairwise"));
    for name in ["buyer", "seller", "bank"] {
        // Three planes (buyer×seller, buyer×bank, seller×bank): each party's axis label twice there, plus
        // once in its time panel.
        assert_eq!(count_text(&svg, &format!("utility for {name}")), 3, "axis labels for {name}");
        assert!(has_text(&svg, name), "time panel for {name}");
        assert!(has_text(&svg, &format!("offers by {name}")));
    }
}

#[test]
fn four_parties() {
    let mut input = sample(3, true);
    let mut rng = Rng(3);
    add_party(&mut input, "auditor", || rng.next());
    let svg = render_run(&input).expect("renders");
    parse_xml(&svg);
    // Three planes with the auditor, and its time panel.
    assert_eq!(count_text(&svg, "utility for auditor"), 4);
}

#[test]
fn analyze_mode_has_no_time_panels() {
    let input = sample(2, false).analysis;
    let svg = render_analysis(&input).expect("renders");
    parse_xml(&svg);
    assert!(!svg.contains("relative time"));
    assert!(!svg.contains("offers by"));
    assert!(has_text(&svg, "Nash point"));
    let width: i32 =
        svg.split("width=\"").nth(1).and_then(|s| s.split('"').next()).and_then(|s| s.parse().ok()).expect("a width");
    assert!(width < 800, "one panel only: {width}");
    let svg3 = render_analysis(&sample(3, false).analysis).expect("renders");
    parse_xml(&svg3);
    assert!(!svg3.contains("relative time"));
    // A negotiation without offers is drawn as its analysis.
    assert_eq!(render_run(&sample(2, false)).expect("renders"), svg);
    let svg3 = render_run(&sample(3, false)).expect("renders");
    parse_xml(&svg3);
    assert!(!svg3.contains("relative time"));
}

#[test]
fn deterministic_bytes() {
    let input = sample(2, true);
    assert_eq!(render_run(&input).expect("renders"), render_run(&input.clone()).expect("renders"));
    let input = sample(3, true);
    assert_eq!(render_run(&input).expect("renders"), render_run(&input.clone()).expect("renders"));
}

#[test]
fn huge_outcome_sets_are_thinned() {
    let mut rng = Rng(11);
    let outcomes: Vec<Vec<f64>> = (0..200_000)
        .map(|_| {
            let a = rng.next();
            let b = rng.next();
            vec![a, b]
        })
        .collect();
    let input = AnalysisFigure {
        title: "Huge".into(),
        party_names: vec!["a".into(), "b".into()],
        outcomes,
        ..AnalysisFigure::default()
    };
    let svg = render_analysis(&input).expect("renders");
    parse_xml(&svg);
    let dots = count(&svg, OUTCOME_DOT);
    assert!(dots <= MAX_OUTCOME_MARKERS + 1, "{dots} outcome dots");
    assert!(dots > MAX_OUTCOME_MARKERS / 2, "{dots} outcome dots");
    assert!(texts(&svg).iter().any(|t| t.ends_with("of 200,000 outcomes shown")), "the sampling is noted");
    assert!(svg.len() < 3_000_000, "{} bytes", svg.len());
}

#[test]
fn degenerate_inputs_render() {
    let one = one_outcome();
    let svg = render_run(&one).expect("renders");
    parse_xml(&svg);
    assert!(has_text(&svg, "Nash = KS"));
    let equal = AnalysisFigure {
        title: "All equal".into(),
        party_names: vec!["a".into(), String::new()],
        outcomes: vec![vec![3.0, 3.0]; 50],
        reservations: vec![Some(3.0), None],
        ..AnalysisFigure::default()
    };
    let svg = render_analysis(&equal).expect("renders");
    parse_xml(&svg);
    assert!(has_text(&svg, "utility for party 1"));
    let empty = AnalysisFigure { party_names: vec!["a".into(), "b".into()], ..AnalysisFigure::default() };
    parse_xml(&render_analysis(&empty).expect("renders"));
    let escaped = AnalysisFigure {
        title: "<script> & \"quotes\"".into(),
        party_names: vec!["A&B".into(), "<c>".into()],
        outcomes: vec![vec![-2.0, 1500.0], vec![0.25, -30.0]],
        ..AnalysisFigure::default()
    };
    let svg = render_analysis(&escaped).expect("renders");
    parse_xml(&svg);
    assert!(!svg.contains("<script>"));
    assert!(has_text(&svg, "<script> & \"quotes\""));
    assert!(has_text(&svg, "utility for A&B"));
}

#[test]
fn extreme_values_render() {
    for (a, b) in [(1e300, -1e300), (1e15, 1e15 + 0.5), (-1e-300, 2e-300), (5e7, 9e7), (f64::MAX, f64::MIN)] {
        let input = RunFigure {
            analysis: AnalysisFigure {
                title: format!("{a} {b}"),
                party_names: vec!["a".into(), "b".into()],
                outcomes: vec![vec![a, b], vec![b, a]],
                nash: Some(vec![a, a]),
                reservations: vec![Some(b), None],
                ..AnalysisFigure::default()
            },
            offers: vec![Offer { party: 1, t: 1e9, utilities: vec![a, b] }],
            ..RunFigure::default()
        };
        let svg = render_run(&input).expect("renders");
        parse_xml(&svg);
        assert!(texts(&svg).iter().all(|t| t.len() < 120), "{a} {b}: no runaway labels");
    }
    let input = AnalysisFigure {
        party_names: vec!["a".into(), "b".into()],
        outcomes: vec![vec![5e7, 9e7], vec![9e7, 5e7]],
        ..AnalysisFigure::default()
    };
    let svg = render_analysis(&input).expect("renders");
    assert!(has_text(&svg, "8.0e7"), "{:?}", texts(&svg));
    std::fs::write(std::env::temp_dir().join("entente-plot-big.svg"), svg).expect("writes");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let base = sample(2, true);
    let err = |input: &RunFigure| match render_run(input) {
        Err(PlotError::Invalid(reason)) => reason.to_string(),
        other => panic!("expected an input error, got {other:?}"),
    };
    let mut nan = base.clone();
    nan.analysis.outcomes[17][1] = f64::NAN;
    assert_eq!(err(&nan), "outcome 17: the utility for party 1 is NaN (not finite)");
    let mut inf = base.clone();
    inf.offers[3].utilities[0] = f64::INFINITY;
    assert_eq!(err(&inf), "offer 3: the utility for party 0 is inf (not finite)");
    let mut nan_nash = base.clone();
    nan_nash.analysis.nash = Some(vec![0.5, f64::NAN]);
    assert!(err(&nan_nash).contains("Nash"));
    let mut nan_t = base.clone();
    nan_t.offers[0].t = f64::NAN;
    assert!(err(&nan_t).contains("offer 0: its time"));
    let mut res = base.clone();
    res.analysis.reservations = vec![Some(f64::NAN), None];
    assert!(err(&res).contains("reservation value of party 0"));
    let mut short = base.clone();
    short.analysis.pareto[0].pop();
    assert_eq!(err(&short), "Pareto point 0 has 1 utilities for 2 parties");
    let mut who = base.clone();
    who.offers[0].party = 5;
    assert!(err(&who).contains("by party 5"));
    let mut one = base.clone();
    one.analysis.party_names.truncate(1);
    assert!(err(&one).contains("at least 2 parties"));
    let many = AnalysisFigure { party_names: vec!["p".into(); MAX_PARTIES + 1], ..AnalysisFigure::default() };
    match render_analysis(&many) {
        Err(PlotError::Invalid(reason)) => assert!(reason.to_string().contains("at most")),
        other => panic!("expected an input error, got {other:?}"),
    }
    let mut wrong_res = base;
    wrong_res.analysis.reservations = vec![None; 3];
    assert!(err(&wrong_res).contains("3 reservation values"));
    let e = PlotError::Invalid(InvalidInput::TooFewParties { parties: 1 });
    assert_eq!(e.to_string(), "cannot plot: a figure needs at least 2 parties, got 1");
    // The reason is typed: which value, and why.
    let mut typed = sample(2, true);
    typed.offers[3].utilities[0] = f64::INFINITY;
    assert_eq!(
        render_run(&typed),
        Err(PlotError::Invalid(InvalidInput::NotFinite { datum: Datum::Offer(3), party: 0, value: f64::INFINITY }))
    );
}
