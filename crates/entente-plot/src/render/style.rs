//! The figure's look: colours, fonts and their width estimate, and the drawing primitives (text, lines, dashes,
//! markers) on plotters' SVG backend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontFamily, FontStyle, FontTransform};

use super::backend;
use crate::error::PlotError;

pub(super) const FAMILY: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";
pub(super) const MARGIN: i32 = 24;

pub(crate) const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const MUTED: RGBColor = RGBColor(0x55, 0x5B, 0x63);
pub(super) const TICK_TEXT: RGBColor = RGBColor(0x44, 0x44, 0x44);
pub(super) const GRID: RGBColor = RGBColor(0xE8, 0xEA, 0xED);
pub(super) const FRAME: RGBColor = RGBColor(0x9A, 0x9F, 0xA6);
pub(super) const OUTCOME: RGBColor = RGBColor(0xC3, 0xC9, 0xD1);
pub(super) const PARETO: RGBColor = RGBColor(0x3A, 0x3D, 0x42);
pub(super) const NASH: RGBColor = RGBColor(0x11, 0x11, 0x11);
pub(super) const KS_FILL: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
pub(super) const STAR: RGBColor = RGBColor(0xFF, 0xC2, 0x0A);
pub(super) const STAR_EDGE: RGBColor = RGBColor(0x6B, 0x4E, 0x00);
pub(super) const RESERVATION: RGBColor = RGBColor(0x6E, 0x74, 0x7C);

/// Okabe–Ito colours (readable by colour-blind readers), then a few more.
pub(super) const PARTY_COLOURS: [RGBColor; 10] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x6A, 0x3D, 0x9A),
    RGBColor(0x8C, 0x56, 0x4B),
    RGBColor(0x7F, 0x7F, 0x7F),
    RGBColor(0xB8, 0xA2, 0x00),
];

pub(super) fn party_colour(p: usize) -> RGBColor {
    PARTY_COLOURS[p % PARTY_COLOURS.len()]
}

#[derive(Clone, Copy)]
pub(crate) struct Font {
    pub(crate) px: f64,
    pub(crate) bold: bool,
    pub(crate) colour: RGBColor,
}

pub(super) const TITLE_FONT: Font = Font { px: 20.0, bold: true, colour: TEXT };
pub(super) const SUBTITLE_FONT: Font = Font { px: 13.0, bold: false, colour: MUTED };
pub(super) const CAPTION_FONT: Font = Font { px: 14.0, bold: true, colour: TEXT };
pub(super) const NOTE_FONT: Font = Font { px: 12.0, bold: false, colour: MUTED };
pub(super) const TICK_FONT: Font = Font { px: 12.0, bold: false, colour: TICK_TEXT };
pub(super) const AXIS_FONT: Font = Font { px: 13.0, bold: false, colour: TEXT };
pub(super) const LEGEND_FONT: Font = Font { px: 13.0, bold: false, colour: TEXT };
pub(super) const LABEL_FONT: Font = Font { px: 12.0, bold: true, colour: TEXT };

/// A width estimate for `s` in pixels: DejaVu Sans advance widths (wider than Helvetica and Arial), +8% for bold.
pub(crate) fn text_width(s: &str, font: Font) -> i32 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '\'' | '|' | '!' => 0.28,
            '.' | ',' | ':' | ';' | ' ' | '·' => 0.33,
            'f' | 't' | 'r' | 'I' | 'J' | '(' | ')' | '[' | ']' | '/' | '-' => 0.41,
            's' | 'c' | 'z' => 0.55,
            'm' | 'M' => 0.98,
            'w' | 'W' => 0.99,
            '–' | '_' => 0.5,
            '—' | '…' => 1.0,
            '=' | '+' | '×' | '<' | '>' => 0.84,
            '0'..='9' => 0.64,
            'A'..='Z' => 0.72,
            _ if c.is_ascii() => 0.62,
            _ => 0.8,
        })
        .sum();
    let bold = if font.bold { 1.08 } else { 1.0 };
    (em * font.px * bold).ceil() as i32
}

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub(super) fn text(area: &Area, s: &str, at: (i32, i32), font: Font, h: HPos, v: VPos) -> Result<(), PlotError> {
    text_styled(area, s, at, font, Pos::new(h, v), FontTransform::None)
}

pub(super) fn text_styled(
    area: &Area,
    s: &str,
    at: (i32, i32),
    font: Font,
    pos: Pos,
    transform: FontTransform,
) -> Result<(), PlotError> {
    let style = if font.bold { FontStyle::Bold } else { FontStyle::Normal };
    let desc = FontDesc::new(FontFamily::Name(FAMILY), plotters_size(font.px), style).transform(transform);
    let style = desc.color(&font.colour).pos(pos);
    area.draw(&Text::new(s.to_string(), at, style)).map_err(backend)
}

/// The size to give plotters for a `font-size` of `px`: it writes the size divided by 1.24 (with a rounding
/// error that [`tidy_font_sizes`] removes).
pub(super) fn plotters_size(px: f64) -> f64 {
    px * 1.24
}

/// Rewrites every `font-size="13.000000000000002"` as `font-size="13"` (two decimals at most).
pub(super) fn tidy_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(k) = rest.find(KEY) {
        let (head, tail) = rest.split_at(k + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(v) => {
                let s = format!("{v:.2}");
                out.push_str(s.trim_end_matches('0').trim_end_matches('.'));
            }
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

pub(super) fn stroke(colour: RGBAColor, width: u32) -> ShapeStyle {
    ShapeStyle { color: colour, filled: false, stroke_width: width }
}

pub(super) fn fill(colour: RGBAColor) -> ShapeStyle {
    ShapeStyle { color: colour, filled: true, stroke_width: 0 }
}

pub(super) fn opaque(c: RGBColor) -> RGBAColor {
    c.to_rgba()
}

pub(super) fn line(area: &Area, points: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), PlotError> {
    if points.len() < 2 {
        return Ok(());
    }
    area.draw(&PathElement::new(points, style)).map_err(backend)
}

/// A dashed polyline: dashes of `on` pixels every `on + off` pixels along the path.
pub(super) fn dashed(
    area: &Area,
    points: &[(i32, i32)],
    on: f64,
    off: f64,
    style: ShapeStyle,
) -> Result<(), PlotError> {
    let mut dash: Vec<(i32, i32)> = Vec::new();
    let mut phase = 0.0; // position within the on+off pattern
    let period = on + off;
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let len = dx.hypot(dy);
        let at = |s: f64| -> (i32, i32) {
            let f = if len > 0.0 { s / len } else { 0.0 };
            ((f64::from(a.0) + dx * f).round() as i32, (f64::from(a.1) + dy * f).round() as i32)
        };
        let mut s = 0.0;
        while s < len {
            if phase < on {
                if dash.is_empty() {
                    dash.push(at(s));
                }
                let step = (on - phase).min(len - s);
                s += step;
                phase += step;
                dash.push(at(s));
                if phase >= on {
                    line(area, std::mem::take(&mut dash), style)?;
                }
            } else {
                let step = (period - phase).min(len - s);
                s += step;
                phase += step;
                if phase >= period {
                    phase = 0.0;
                }
            }
        }
    }
    line(area, dash, style)
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shape {
    Circle,
    HollowCircle,
    Square,
    Diamond,
    Triangle,
    Star,
}

/// Draws a marker of "radius" `r` pixels centred on `c`; `edge` outlines it.
pub(super) fn marker(
    area: &Area,
    shape: Shape,
    c: (i32, i32),
    r: i32,
    colour: RGBColor,
    edge: Option<RGBColor>,
) -> Result<(), PlotError> {
    let (x, y) = c;
    let rf = f64::from(r);
    let polygon = |pts: Vec<(i32, i32)>| -> Result<(), PlotError> {
        area.draw(&Polygon::new(pts.clone(), fill(opaque(colour)))).map_err(backend)?;
        if let Some(e) = edge {
            let mut closed = pts;
            if let Some(&first) = closed.first() {
                closed.push(first);
            }
            line(area, closed, stroke(opaque(e), 1))?;
        }
        Ok(())
    };
    let off = |dx: f64, dy: f64| (x + dx.round() as i32, y + dy.round() as i32);
    match shape {
        Shape::Circle => {
            area.draw(&Circle::new(c, r, fill(opaque(colour)))).map_err(backend)?;
            if let Some(e) = edge {
                area.draw(&Circle::new(c, r, stroke(opaque(e), 1))).map_err(backend)?;
            }
            Ok(())
        }
        Shape::HollowCircle => {
            area.draw(&Circle::new(c, r, fill(opaque(WHITE)))).map_err(backend)?;
            area.draw(&Circle::new(c, r, stroke(opaque(colour), 1))).map_err(backend)
        }
        Shape::Square => polygon(vec![off(-rf, -rf), off(rf, -rf), off(rf, rf), off(-rf, rf)]),
        Shape::Diamond => {
            let d = rf * 1.35;
            polygon(vec![off(0.0, -d), off(d, 0.0), off(0.0, d), off(-d, 0.0)])
        }
        Shape::Triangle => {
            let d = rf * 1.3;
            polygon(vec![off(0.0, -d), off(d * 0.95, d * 0.6), off(-d * 0.95, d * 0.6)])
        }
        Shape::Star => {
            let pts = (0..10)
                .map(|k| {
                    let a = std::f64::consts::PI * (f64::from(k) / 5.0 - 0.5);
                    let rr = if k % 2 == 0 { rf } else { rf * 0.45 };
                    off(rr * a.cos(), rr * a.sin())
                })
                .collect();
            polygon(pts)
        }
    }
}
