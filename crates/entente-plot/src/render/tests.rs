//! Unit tests of the layout: no text overlaps another (measured with the layout's own width estimate), the
//! thinning of outcome dots, tick choice and the width estimate. The figure's behaviour through the public API is
//! tested in `tests/figure.rs`.

use super::*;
use crate::testing::assert_texts_clear;
use crate::{AnalysisFigure, Offer, RunFigure, render_run};

#[path = "../../tests/common/mod.rs"]
pub(super) mod common;

use common::{add_party, sample};

/// No two texts of a figure overlap, nor leave the canvas: titles, captions, tick labels, axis names,
/// legends and the point labels, for two, three and four parties, analysis and negotiation figures, long
/// names, and points that coincide.
#[test]
fn no_text_overlaps_another() {
    let mut long = sample(2, true);
    long.analysis.party_names = vec!["the delegation of the northern states".into(), "municipality".into()];
    let mut one = sample(2, true);
    let p = vec![0.5, 0.5];
    one.analysis.nash = Some(p.clone());
    one.analysis.kalai_smorodinsky = Some(p.clone());
    one.agreement = Some(p);
    let mut four = sample(3, true);
    add_party(&mut four, "auditor", || 0.5);
    for (name, input) in [
        ("2 parties", sample(2, true)),
        ("2 parties, analysis", sample(2, false)),
        ("3 parties", sample(3, true)),
        ("3 parties, analysis", sample(3, false)),
        ("4 parties", four),
        ("long names", long),
        ("coinciding points", one),
    ] {
        let svg = render_run(&input).expect("renders");
        assert_texts_clear(name, &svg, 20);
    }
}

#[test]
fn thinning_caps_and_keeps_extremes() {
    let pixels: Vec<(i32, i32)> =
        (0..100_000i64).map(|k| ((k * 7919 % 1000) as i32, (k * 104_729 % 997) as i32)).collect();
    let (kept, sampled) = thin(&pixels, 1, 500);
    assert!(sampled);
    assert!(kept.len() <= 500, "{}", kept.len());
    let xs: Vec<i32> = kept.iter().map(|&k| pixels[k].0).collect();
    let ys: Vec<i32> = kept.iter().map(|&k| pixels[k].1).collect();
    assert_eq!(xs.iter().min(), Some(&0));
    assert_eq!(xs.iter().max(), Some(&999));
    assert_eq!(ys.iter().min(), Some(&0));
    assert_eq!(ys.iter().max(), Some(&996));
    assert_eq!(kept, thin(&pixels, 1, 500).0, "deterministic");
    assert!(kept.windows(2).all(|w| w[0] < w[1]));
    // Below the cap, one point per cell, nothing sampled.
    assert_eq!(thin(&[(0, 0), (1, 1), (5, 5)], 3, 10), (vec![0, 2], false));
    // A cap smaller than the extremes still holds.
    assert!(thin(&pixels, 1, 2).0.len() <= 4);
}

#[test]
fn nice_ticks_are_round() {
    let (t, d) = nice_ticks(0.0, 1.0, 6);
    let a = Axis { lo: 0.0, hi: 1.0, ticks: t.clone(), decimals: d };
    let labels: Vec<String> = t.iter().map(|&v| a.label(v)).collect();
    assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    let (t, d) = nice_ticks(0.0, 1000.0, 6);
    assert_eq!((t.len(), d), (6, 0));
    let (t, d) = nice_ticks(-0.1, 1.2, 6);
    assert_eq!((t.len(), d), (7, 1), "{t:?}");
    assert_eq!(t.first(), Some(&0.0));
    let (t, d) = nice_ticks(0.0, 1.0, 3);
    assert_eq!((t.len(), d), (3, 1), "{t:?}");
    let (t, d) = nice_ticks(-1250.0, 20.0, 6);
    assert_eq!((t.first(), t.last(), d), (Some(&-1200.0), Some(&0.0), 0), "{t:?}");
    assert_eq!(nice_ticks(2.0, 2.0, 5).0, vec![2.0]);
}

#[test]
fn text_width_is_conservative() {
    // DejaVu Sans at 13 px: "Kalai–Smorodinsky point" is about 160 px wide.
    let w = text_width("Kalai–Smorodinsky point", LEGEND_FONT);
    assert!((150..200).contains(&w), "{w}");
}
