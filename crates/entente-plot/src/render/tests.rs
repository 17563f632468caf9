//! Unit tests of the layout: no text overlaps another (measured with the layout's own width estimate), the
//! thinning of outcome dots, tick choice and the width estimate. The figure's behaviour through the public API is
//! tested in `tests/figure.rs`.

use super::*;
use crate::{AnalysisFigure, Offer, RunFigure, render_run};

#[path = "../../tests/common/mod.rs"]
pub(super) mod common;

use common::{add_party, sample};

/// The boxes of every `<text>` of `svg` (estimated with [`text_width`], one pixel in from each side), with
/// their contents: `(x0, y0, x1, y1, content)`.
pub(super) fn text_boxes(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut boxes = Vec::new();
    let mut open: Option<(std::collections::HashMap<String, String>, String)> = None;
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "text" => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).expect("value").into_owned(),
                        )
                    })
                    .collect();
                open = Some((attrs, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, c)) = open.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::GeneralRef(_) => {
                if let Some((_, c)) = open.as_mut() {
                    c.push('&'); // one character wide, whatever the entity
                }
            }
            Event::End(e) if e.name().as_ref() == "text" => {
                let Some((a, content)) = open.take() else { continue };
                let content = content.trim().to_string();
                let num = |k: &str| a.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
                let size = num("font-size");
                let font = Font { px: size, bold: a.contains_key("font-weight"), colour: TEXT };
                let w = text_width(&content, font) as f64;
                let (x, y) = (num("x"), num("y"));
                let (along0, along1) = match a.get("text-anchor").map(String::as_str) {
                    Some("middle") => (-w / 2.0, w / 2.0),
                    Some("end") => (-w, 0.0),
                    _ => (0.0, w),
                };
                // Across the line: centred (dy 0.5ex) or hanging from y (dy 0.76em).
                let (across0, across1) = match a.get("dy").map(String::as_str) {
                    Some("0.76em") => (0.0, 0.8 * size),
                    _ => (-0.4 * size, 0.4 * size),
                };
                let b = if a.get("transform").is_some_and(|t| t.starts_with("rotate(270")) {
                    (x + across0, y - along1, x + across1, y - along0)
                } else {
                    (x + along0, y + across0, x + along1, y + across1)
                };
                boxes.push((b.0 + 1.0, b.1 + 1.0, b.2 - 1.0, b.3 - 1.0, content));
            }
            _ => {}
        }
    }
    boxes
}

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

/// Asserts that `svg` has more than `min_texts` texts, none of which overlaps another or leaves the canvas.
pub(super) fn assert_texts_clear(name: &str, svg: &str, min_texts: usize) {
    let (width, height) = {
        let attr = |k: &str| {
            let at = svg.find(&format!(" {k}=\"")).expect("size") + k.len() + 3;
            svg[at..].split('"').next().and_then(|v| v.parse::<f64>().ok()).expect("number")
        };
        (attr("width"), attr("height"))
    };
    let boxes = text_boxes(svg);
    assert!(boxes.len() > min_texts, "{name}: {} texts", boxes.len());
    for (i, a) in boxes.iter().enumerate() {
        assert!(
            a.0 >= 0.0 && a.1 >= 0.0 && a.2 <= width && a.3 <= height,
            "{name}: {:?} leaves the canvas {width}x{height}: {a:?}",
            a.4
        );
        for b in &boxes[i + 1..] {
            let overlap = a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
            assert!(!overlap, "{name}: {:?} overlaps {:?}: {a:?} {b:?}", a.4, b.4);
        }
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
