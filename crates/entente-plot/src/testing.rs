//! The text-overlap check of the figures (tests only: the crate's own, and other crates' with the `testing`
//! feature): every `<text>` of an SVG document measured with the layout's own width estimate.

use crate::render::style::{Font, TEXT, text_width};

/// The boxes of every `<text>` of `svg` (estimated with [`text_width`], one pixel in from each side), with
/// their contents: `(x0, y0, x1, y1, content)`.
pub fn text_boxes(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
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

/// Asserts that `svg` has more than `min_texts` texts, none of which overlaps another or leaves the canvas.
pub fn assert_texts_clear(name: &str, svg: &str, min_texts: usize) {
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
