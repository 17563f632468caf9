//! The standard negotiation figure, as an SVG document.
//!
//! [`render_svg`] draws, from plain data ([`PlotInput`]) however it was computed:
//!
//! * **the utility plane** (x = one party's utility, y = another's): every outcome as a light dot, the Pareto
//!   frontier, the Nash and Kalai–Smorodinsky points (labelled), each party's offers as a trajectory in its
//!   colour, the agreement as a star, the reservation values as dashed lines with the region below them shaded.
//!   Two parties get one plane; three or more get one plane per pair of parties (i < j), a pairwise projection.
//! * **utility over time**, one panel per party: the utility *to that party* of its own offers (solid line,
//!   filled dots) and of the offers it received (dashed lines, hollow dots, in the proposer's colour), its
//!   reservation line and the agreement. Left out when there are no offers (`entente analyze`).
//! * a title, an optional subtitle and a legend below the panels (it never covers data).
//!
//! A party has the same colour in every panel. The output depends only on the input: the same input gives the
//! same bytes. Text is written as SVG `<text>` (no font is needed to produce the file; the viewer picks a
//! sans-serif font); layout uses a conservative width estimate (DejaVu Sans metrics, wider than Helvetica or
//! Arial), so labels keep clear of each other whatever font renders them.
//!
//! Very large outcome sets are thinned deterministically: dots falling in the same 3-pixel cell are drawn once
//! (invisible at this dot size), and if more than [`MAX_OUTCOME_MARKERS`] remain in a panel, every k-th is kept
//! together with the extreme outcomes (lowest and highest on each axis); the panel's caption then says so.

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontFamily, FontStyle, FontTransform};

/// What the figure shows. Utility vectors have one entry per party, in the order of `party_names`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlotInput {
    /// The figure's title (e.g. the scenario's name).
    pub title: String,
    /// A line under the title (e.g. parties, strategies, outcome count); `None` for none.
    pub subtitle: Option<String>,
    /// The parties' names, n >= 2 (and at most [`MAX_PARTIES`]). An empty name is shown as "party i".
    pub party_names: Vec<String>,
    /// Utilities of all outcomes (or of a sample, for huge spaces): one vector per outcome.
    pub outcomes: Vec<Vec<f64>>,
    /// The Pareto frontier's points (utility vectors), in any order; may be empty.
    pub pareto: Vec<Vec<f64>>,
    /// The Nash bargaining point.
    pub nash: Option<Vec<f64>>,
    /// The Kalai–Smorodinsky point (textbook definition).
    pub kalai_smorodinsky: Option<Vec<f64>>,
    /// Each party's reservation value (`None`: none). An empty vector means none for every party.
    pub reservations: Vec<Option<f64>>,
    /// Every offer, in the order made; empty for `entente analyze` (then the time panels are left out).
    pub offers: Vec<PlotOffer>,
    /// The agreement's utilities, if the negotiation ended in one.
    pub agreement: Option<Vec<f64>>,
    /// Relative time of the agreement. `None`: the time of the last offer with the agreement's utilities, if any.
    pub agreement_t: Option<f64>,
}

/// One offer: who made it, when, and every party's utility of it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOffer {
    /// Index of the proposing party in `party_names`.
    pub party: usize,
    /// Relative time in [0, 1] (the x axis of the time panels).
    pub t: f64,
    /// The round (not drawn; kept so callers can pass their trace as it is).
    pub round: u32,
    /// Every party's utility of the offered outcome.
    pub utilities: Vec<f64>,
}

/// Why a figure could not be drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum PlotError {
    /// The input cannot be drawn; the message says which value and why.
    Invalid(String),
    /// The drawing backend failed.
    Backend(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Invalid(msg) => write!(f, "cannot plot: {msg}"),
            PlotError::Backend(msg) => write!(f, "drawing failed: {msg}"),
        }
    }
}

impl std::error::Error for PlotError {}

/// At most this many outcome dots per panel (after merging dots that fall on the same spot).
pub const MAX_OUTCOME_MARKERS: usize = 20_000;
/// The most parties a figure can show (45 pairwise planes).
pub const MAX_PARTIES: usize = 10;

/// Writes the figure for `input` to `path` (an SVG file).
pub fn write_svg(input: &PlotInput, path: &Path) -> anyhow::Result<()> {
    let svg = render_svg(input)?;
    std::fs::write(path, svg).with_context(|| format!("cannot write the plot to {}", path.display()))
}

/// Draws the figure for `input` and returns the SVG document.
pub fn render_svg(input: &PlotInput) -> Result<String, PlotError> {
    validate(input)?;
    let fig = Figure::new(input);
    let layout = Layout::new(&fig);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (layout.width as u32, layout.height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(backend)?;
        draw_figure(&root, &fig, &layout)?;
        root.present().map_err(backend)?;
    }
    let mut svg = tidy_font_sizes(&svg);
    // A <title> names the document (browser tabs, screen readers).
    if let Some(end) = svg.find('>') {
        let title = if input.title.trim().is_empty() { "Negotiation" } else { input.title.trim() };
        svg.insert_str(end + 1, &format!("\n<title>{}</title>", xml_escape(title)));
    }
    Ok(svg)
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

fn validate(input: &PlotInput) -> Result<(), PlotError> {
    let n = input.party_names.len();
    if n < 2 {
        return Err(invalid(format!("a figure needs at least 2 parties, got {n}")));
    }
    if n > MAX_PARTIES {
        return Err(invalid(format!("a figure shows at most {MAX_PARTIES} parties, got {n}")));
    }
    let check = |what: &str, u: &[f64]| -> Result<(), PlotError> {
        if u.len() != n {
            return Err(invalid(format!("{what} has {} utilities for {n} parties", u.len())));
        }
        match u.iter().position(|v| !v.is_finite()) {
            Some(p) => Err(invalid(format!("{what}: the utility for party {p} is {} (not finite)", u[p]))),
            None => Ok(()),
        }
    };
    for (k, u) in input.outcomes.iter().enumerate() {
        check(&format!("outcome {k}"), u)?;
    }
    for (k, u) in input.pareto.iter().enumerate() {
        check(&format!("Pareto point {k}"), u)?;
    }
    if let Some(u) = &input.nash {
        check("the Nash point", u)?;
    }
    if let Some(u) = &input.kalai_smorodinsky {
        check("the Kalai–Smorodinsky point", u)?;
    }
    if let Some(u) = &input.agreement {
        check("the agreement", u)?;
    }
    if let Some(t) = input.agreement_t
        && !t.is_finite()
    {
        return Err(invalid(format!("the agreement's time is {t} (not finite)")));
    }
    if !input.reservations.is_empty() && input.reservations.len() != n {
        return Err(invalid(format!("{} reservation values for {n} parties", input.reservations.len())));
    }
    for (p, r) in input.reservations.iter().enumerate() {
        if let Some(r) = r
            && !r.is_finite()
        {
            return Err(invalid(format!("the reservation value of party {p} is {r} (not finite)")));
        }
    }
    for (k, o) in input.offers.iter().enumerate() {
        if o.party >= n {
            return Err(invalid(format!("offer {k} is by party {}, but there are {n} parties", o.party)));
        }
        if !o.t.is_finite() {
            return Err(invalid(format!("offer {k}: its time is {} (not finite)", o.t)));
        }
        check(&format!("offer {k}"), &o.utilities)?;
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn invalid(msg: String) -> PlotError {
    PlotError::Invalid(msg)
}

fn backend<E: fmt::Display>(e: E) -> PlotError {
    PlotError::Backend(e.to_string())
}

// ---------------------------------------------------------------------------------------------------------------
// Style

const FAMILY: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";
const MARGIN: i32 = 24;

const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x55, 0x5B, 0x63);
const TICK_TEXT: RGBColor = RGBColor(0x44, 0x44, 0x44);
const GRID: RGBColor = RGBColor(0xE8, 0xEA, 0xED);
const FRAME: RGBColor = RGBColor(0x9A, 0x9F, 0xA6);
const OUTCOME: RGBColor = RGBColor(0xC3, 0xC9, 0xD1);
const PARETO: RGBColor = RGBColor(0x3A, 0x3D, 0x42);
const NASH: RGBColor = RGBColor(0x11, 0x11, 0x11);
const KS_FILL: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
const STAR: RGBColor = RGBColor(0xFF, 0xC2, 0x0A);
const STAR_EDGE: RGBColor = RGBColor(0x6B, 0x4E, 0x00);
const RESERVATION: RGBColor = RGBColor(0x6E, 0x74, 0x7C);

/// Okabe–Ito colours (readable by colour-blind readers), then a few more.
const PARTY_COLOURS: [RGBColor; 10] = [
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

fn party_colour(p: usize) -> RGBColor {
    PARTY_COLOURS[p % PARTY_COLOURS.len()]
}

#[derive(Clone, Copy)]
struct Font {
    px: f64,
    bold: bool,
    colour: RGBColor,
}

const TITLE_FONT: Font = Font { px: 20.0, bold: true, colour: TEXT };
const SUBTITLE_FONT: Font = Font { px: 13.0, bold: false, colour: MUTED };
const CAPTION_FONT: Font = Font { px: 14.0, bold: true, colour: TEXT };
const NOTE_FONT: Font = Font { px: 12.0, bold: false, colour: MUTED };
const TICK_FONT: Font = Font { px: 12.0, bold: false, colour: TICK_TEXT };
const AXIS_FONT: Font = Font { px: 13.0, bold: false, colour: TEXT };
const LEGEND_FONT: Font = Font { px: 13.0, bold: false, colour: TEXT };
const LABEL_FONT: Font = Font { px: 12.0, bold: true, colour: TEXT };

/// A width estimate for `s` in pixels: DejaVu Sans advance widths (wider than Helvetica and Arial), +8% for bold.
fn text_width(s: &str, font: Font) -> i32 {
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

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn text(area: &Area, s: &str, at: (i32, i32), font: Font, h: HPos, v: VPos) -> Result<(), PlotError> {
    text_styled(area, s, at, font, Pos::new(h, v), FontTransform::None)
}

fn text_styled(
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
fn plotters_size(px: f64) -> f64 {
    px * 1.24
}

/// Rewrites every `font-size="13.000000000000002"` as `font-size="13"` (two decimals at most).
fn tidy_font_sizes(svg: &str) -> String {
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

fn stroke(colour: RGBAColor, width: u32) -> ShapeStyle {
    ShapeStyle { color: colour, filled: false, stroke_width: width }
}

fn fill(colour: RGBAColor) -> ShapeStyle {
    ShapeStyle { color: colour, filled: true, stroke_width: 0 }
}

fn opaque(c: RGBColor) -> RGBAColor {
    c.to_rgba()
}

fn line(area: &Area, points: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), PlotError> {
    if points.len() < 2 {
        return Ok(());
    }
    area.draw(&PathElement::new(points, style)).map_err(backend)
}

/// A dashed polyline: dashes of `on` pixels every `on + off` pixels along the path.
fn dashed(area: &Area, points: &[(i32, i32)], on: f64, off: f64, style: ShapeStyle) -> Result<(), PlotError> {
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
enum Shape {
    Circle,
    HollowCircle,
    Square,
    Diamond,
    Triangle,
    Star,
}

/// Draws a marker of "radius" `r` pixels centred on `c`; `edge` outlines it.
fn marker(
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

// ---------------------------------------------------------------------------------------------------------------
// Data prepared for drawing

/// One axis: its data range and ticks.
#[derive(Clone, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    decimals: usize,
}

impl Axis {
    /// An axis covering `[min, max]`, padded by 3% on each side. Utilities that look normalised (all within
    /// [-0.25, 1.25]) get at least [0, 1]; others their own range (and a unit around a single value).
    fn covering(min: f64, max: f64, target_ticks: usize) -> Axis {
        let (min, max) = if min.is_nan() || max.is_nan() || min > max {
            (0.0, 1.0) // no data
        } else if min >= -0.25 && max <= 1.25 {
            (min.min(0.0), max.max(1.0))
        } else if max - min < 1e-9 * max.abs().max(1.0) {
            let half = 0.5 * (max.abs() * 0.1).max(1.0);
            (min - half, max + half)
        } else {
            (min, max)
        };
        let pad = (max - min) * 0.03;
        let (lo, hi) = (min - pad, max + pad);
        let (ticks, decimals) = nice_ticks(min, max, target_ticks);
        Axis { lo, hi, ticks, decimals }
    }

    /// A tick label: fixed-point with the axis's decimals; scientific (as many digits as the step needs) for
    /// very large or very fine scales.
    fn label(&self, v: f64) -> String {
        let largest = self.lo.abs().max(self.hi.abs());
        if largest >= 1e7 || self.decimals > 6 {
            if v == 0.0 {
                return "0".into();
            }
            let step = match self.ticks.as_slice() {
                [a, b, ..] => (b - a).abs(),
                _ => largest,
            };
            let digits = (largest.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
            format!("{v:.digits$e}")
        } else {
            format!("{:.*}", self.decimals, v)
        }
    }
}

/// Ticks at multiples of 1, 2 or 5 × 10^k between `lo` and `hi`, about `target` of them (the step nearest to
/// span/target on a log scale), and the number of decimals that shows each one exactly.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return (vec![lo], 1);
    }
    let raw = span / target.max(2) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let distance = |m: f64| (m * mag / raw).ln().abs();
    let mult = [1.0, 2.0, 5.0, 10.0].into_iter().min_by(|a, b| distance(*a).total_cmp(&distance(*b))).unwrap_or(1.0);
    let step = mult * mag;
    let decimals = ((-(step.log10().floor())).max(0.0) as usize).min(12);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if !step.is_normal() || last.saturating_sub(first) > 100 {
        // Beyond f64's resolution (e.g. a span tiny next to the values): the ends only.
        return (vec![lo, hi], decimals);
    }
    let ticks = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect();
    (ticks, decimals)
}

/// The input, checked, with everything the panels share.
struct Figure<'a> {
    input: &'a PlotInput,
    n: usize,
    names: Vec<String>,
    axes: Vec<Axis>,
    time: Axis,
    reservations: Vec<Option<f64>>,
    agreement_t: Option<f64>,
}

impl<'a> Figure<'a> {
    fn new(input: &'a PlotInput) -> Figure<'a> {
        let n = input.party_names.len();
        let names = input
            .party_names
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let s = s.trim();
                if s.is_empty() { format!("party {i}") } else { shorten(s, 28) }
            })
            .collect();
        let reservations = if input.reservations.is_empty() { vec![None; n] } else { input.reservations.clone() };
        let points = || {
            input
                .outcomes
                .iter()
                .chain(&input.pareto)
                .chain(input.nash.iter())
                .chain(input.kalai_smorodinsky.iter())
                .chain(input.agreement.iter())
                .chain(input.offers.iter().map(|o| &o.utilities))
        };
        let axes = (0..n)
            .map(|p| {
                let values = points().filter_map(|u| u.get(p).copied()).chain(reservations[p]);
                let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
                Axis::covering(min, max, 6)
            })
            .collect();
        let (tmin, tmax) = input
            .offers
            .iter()
            .map(|o| o.t)
            .chain(input.agreement_t)
            .fold((0.0f64, 1.0f64), |(a, b), t| (a.min(t), b.max(t)));
        let mut time = Axis::covering(tmin, tmax, 5);
        time.lo = tmin - (tmax - tmin) * 0.02;
        time.hi = tmax + (tmax - tmin) * 0.02;
        let agreement_t = input.agreement_t.or_else(|| {
            let a = input.agreement.as_ref()?;
            input.offers.iter().rev().find(|o| &o.utilities == a).map(|o| o.t)
        });
        Figure { input, n, names, axes, time, reservations, agreement_t }
    }

    fn has_offers(&self) -> bool {
        !self.input.offers.is_empty()
    }

    fn pairs(&self) -> Vec<(usize, usize)> {
        (0..self.n).flat_map(|i| (i + 1..self.n).map(move |j| (i, j))).collect()
    }

    fn has_reservation(&self) -> bool {
        self.reservations.iter().any(Option::is_some)
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

/// `s`, cut with an ellipsis if needed so that it is at most `max_px` wide in `font`.
fn fit(s: &str, font: Font, max_px: i32) -> String {
    if text_width(s, font) <= max_px {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    (1..chars.len())
        .rev()
        .map(|k| {
            let mut t: String = chars[..k].iter().collect::<String>().trim_end().to_string();
            t.push('…');
            t
        })
        .find(|t| text_width(t, font) <= max_px)
        .unwrap_or_else(|| "…".to_string())
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Layout

#[derive(Clone, Copy, Debug)]
struct Rect {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Rect {
    fn right(&self) -> i32 {
        self.x + self.w
    }
    fn bottom(&self) -> i32 {
        self.y + self.h
    }
    fn intersects(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }
}

#[derive(Clone, Debug)]
enum PanelKind {
    /// The utility plane of parties (x, y).
    Plane(usize, usize),
    /// Utility of offers over time for one party.
    Time(usize),
}

#[derive(Clone, Debug)]
struct Panel {
    kind: PanelKind,
    /// The plotting area (inside the axes).
    plot: Rect,
    caption: Option<String>,
    x_desc: bool,
}

struct Layout {
    width: i32,
    height: i32,
    panels: Vec<Panel>,
    /// Section headings (text, left x, centre y).
    headings: Vec<(String, i32, i32)>,
    legend: Vec<LegendItem>,
    legend_top: i32,
    /// Width of the area left of a plot for tick labels and the axis description.
    left_axis: i32,
    /// Left edge of the content (the legend starts there).
    content_x: i32,
}

const CAPTION_H: i32 = 24;
const X_TICKS_H: i32 = 24;
const X_DESC_H: i32 = 22;

impl Layout {
    fn new(fig: &Figure) -> Layout {
        let widest_tick = fig
            .axes
            .iter()
            .flat_map(|a| a.ticks.iter().map(move |&t| text_width(&a.label(t), TICK_FONT)))
            .max()
            .unwrap_or(24);
        let left_axis = widest_tick + 8 + 10 + AXIS_FONT.px as i32 + 4;
        let title_h = if fig.input.subtitle.is_some() { 66 } else { 46 };
        let top = MARGIN / 2 + title_h;
        let mut panels = Vec::new();
        let mut headings = Vec::new();
        let body_bottom;
        let width;
        let mut content_x = MARGIN;
        if fig.n == 2 {
            let side = 480;
            let plane = Rect { x: MARGIN + left_axis, y: top + CAPTION_H, w: side, h: side };
            panels.push(Panel {
                kind: PanelKind::Plane(0, 1),
                plot: plane,
                caption: Some("Outcomes in the utility plane".into()),
                x_desc: true,
            });
            body_bottom = plane.bottom() + X_TICKS_H + X_DESC_H;
            if fig.has_offers() {
                width = 1400;
                let x = plane.right() + 56 + left_axis;
                let w = width - MARGIN - 8 - x;
                let h = (side - X_TICKS_H - CAPTION_H - 8) / 2;
                for p in 0..2 {
                    let y = plane.y + p as i32 * (h + X_TICKS_H + CAPTION_H + 8);
                    panels.push(Panel {
                        kind: PanelKind::Time(p),
                        plot: Rect { x, y, w, h },
                        caption: Some(format!("Every offer, as {} values it", fig.names[p])),
                        x_desc: p == 1,
                    });
                }
            } else {
                width = plane.right() + 40 + MARGIN;
            }
        } else {
            let pairs = fig.pairs();
            let cols = match pairs.len() {
                0..=3 => pairs.len(),
                4..=6 => 3,
                7..=16 => 4,
                17..=25 => 5,
                26..=36 => 6,
                _ => 7,
            } as i32;
            let side = match cols {
                0..=3 => 340,
                4 => 300,
                _ => 260,
            };
            let cell_w = left_axis + side + 36;
            width = (2 * MARGIN + cols * cell_w).max(if fig.has_offers() { 1400 } else { 0 });
            let grid_x = MARGIN + (width - 2 * MARGIN - cols * cell_w) / 2;
            content_x = grid_x;
            headings.push(("Outcomes in the utility plane, pairwise".to_string(), grid_x, top + 8));
            let grid_top = top + CAPTION_H;
            let cell_h = side + X_TICKS_H + X_DESC_H + 16;
            for (k, &(i, j)) in pairs.iter().enumerate() {
                let (r, c) = (k as i32 / cols, k as i32 % cols);
                panels.push(Panel {
                    kind: PanelKind::Plane(i, j),
                    plot: Rect { x: grid_x + c * cell_w + left_axis, y: grid_top + r * cell_h + 4, w: side, h: side },
                    caption: None,
                    x_desc: true,
                });
            }
            let rows = (pairs.len() as i32 + cols - 1) / cols;
            let mut bottom = grid_top + rows * cell_h;
            if fig.has_offers() {
                // The same columns as the planes above.
                let tcols = cols;
                let th = 200;
                let t_top = bottom + 16;
                headings.push(("Every offer over time, as each party values it".to_string(), grid_x, t_top + 8));
                let tcell_h = CAPTION_H + th + X_TICKS_H + X_DESC_H + 12;
                for p in 0..fig.n {
                    let (r, c) = (p as i32 / tcols, p as i32 % tcols);
                    panels.push(Panel {
                        kind: PanelKind::Time(p),
                        plot: Rect {
                            x: grid_x + c * cell_w + left_axis,
                            y: t_top + CAPTION_H + r * tcell_h + CAPTION_H,
                            w: side,
                            h: th,
                        },
                        caption: Some(fig.names[p].clone()),
                        x_desc: true,
                    });
                }
                let trows = (fig.n as i32 + tcols - 1) / tcols;
                bottom = t_top + CAPTION_H + trows * tcell_h;
            }
            body_bottom = bottom;
        }
        let legend = legend_items(fig);
        let legend_top = body_bottom + 14;
        let rows = legend_rows(&legend, width - MARGIN - content_x);
        let height = legend_top + rows.len() as i32 * LEGEND_ROW_H + MARGIN / 2;
        Layout { width, height, panels, headings, legend, legend_top, left_axis, content_x }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Legend

#[derive(Clone, Debug)]
enum Swatch {
    Marker(ShapeKind),
    /// A line (dashed or not) with an optional marker in its middle.
    Line {
        colour: RGBColor,
        dashed: bool,
        width: u32,
        marker: Option<ShapeKind>,
    },
    /// A dashed line over a shaded patch (reservation value, region below it).
    Reservation,
}

#[derive(Clone, Copy, Debug)]
struct ShapeKind {
    shape: ShapeId,
    colour: RGBColor,
}

/// `Shape` without drawing data, for the legend (Debug for the layout).
#[derive(Clone, Copy, Debug, PartialEq)]
enum ShapeId {
    Outcome,
    Pareto,
    Nash,
    Ks,
    Agreement,
    Offer,
    Received,
}

#[derive(Clone, Debug)]
struct LegendItem {
    swatch: Swatch,
    label: String,
    /// Items of a new group start a new row: the analysis's marks, then the offers.
    group: u8,
}

const LEGEND_ROW_H: i32 = 24;
const SWATCH_W: i32 = 32;

fn legend_items(fig: &Figure) -> Vec<LegendItem> {
    let input = fig.input;
    let mut items = Vec::new();
    let item = |swatch, label: &str| LegendItem { swatch, label: label.to_string(), group: 0 };
    if !input.outcomes.is_empty() {
        items.push(item(Swatch::Marker(ShapeKind { shape: ShapeId::Outcome, colour: OUTCOME }), "outcome"));
    }
    if !input.pareto.is_empty() {
        let label = if fig.n == 2 { "Pareto frontier" } else { "Pareto-optimal outcome" };
        let marker = Some(ShapeKind { shape: ShapeId::Pareto, colour: PARETO });
        let swatch = if fig.n == 2 {
            Swatch::Line { colour: PARETO, dashed: false, width: 2, marker }
        } else {
            Swatch::Marker(ShapeKind { shape: ShapeId::Pareto, colour: PARETO })
        };
        items.push(item(swatch, label));
    }
    if input.nash.is_some() {
        items.push(item(Swatch::Marker(ShapeKind { shape: ShapeId::Nash, colour: NASH }), "Nash point"));
    }
    if input.kalai_smorodinsky.is_some() {
        items.push(item(Swatch::Marker(ShapeKind { shape: ShapeId::Ks, colour: NASH }), "Kalai–Smorodinsky point"));
    }
    if input.agreement.is_some() {
        items.push(item(Swatch::Marker(ShapeKind { shape: ShapeId::Agreement, colour: STAR }), "agreement"));
    }
    if fig.has_reservation() {
        items.push(item(Swatch::Reservation, "reservation value (shaded: below it)"));
    }
    for p in 0..fig.n {
        if input.offers.iter().any(|o| o.party == p) {
            let c = party_colour(p);
            let marker = Some(ShapeKind { shape: ShapeId::Offer, colour: c });
            items.push(LegendItem {
                swatch: Swatch::Line { colour: c, dashed: false, width: 2, marker },
                label: format!("offers by {}", fig.names[p]),
                group: 1,
            });
        }
    }
    if fig.has_offers() {
        let marker = Some(ShapeKind { shape: ShapeId::Received, colour: MUTED });
        items.push(LegendItem {
            swatch: Swatch::Line { colour: MUTED, dashed: true, width: 1, marker },
            label: "offers received, over time (in the proposer's colour)".into(),
            group: 1,
        });
    }
    items
}

fn legend_item_width(item: &LegendItem) -> i32 {
    SWATCH_W + 8 + text_width(&item.label, LEGEND_FONT) + 26
}

/// Splits the legend into rows that fit `width`: (first item, items in the row).
fn legend_rows(items: &[LegendItem], width: i32) -> Vec<(usize, usize)> {
    let mut rows = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (k, item) in items.iter().enumerate() {
        let w = legend_item_width(item);
        if k > start && (used + w > width || item.group != items[k - 1].group) {
            rows.push((start, k - start));
            start = k;
            used = 0;
        }
        used += w;
    }
    if start < items.len() {
        rows.push((start, items.len() - start));
    }
    rows
}

fn draw_swatch_marker(area: &Area, kind: ShapeKind, c: (i32, i32)) -> Result<(), PlotError> {
    match kind.shape {
        ShapeId::Outcome => marker(area, Shape::Circle, c, 3, kind.colour, None),
        ShapeId::Pareto => marker(area, Shape::Square, c, 3, kind.colour, None),
        ShapeId::Nash => marker(area, Shape::Diamond, c, 5, NASH, Some(WHITE)),
        ShapeId::Ks => marker(area, Shape::Triangle, c, 5, KS_FILL, Some(NASH)),
        ShapeId::Agreement => marker(area, Shape::Star, c, 10, STAR, Some(STAR_EDGE)),
        ShapeId::Offer => marker(area, Shape::Circle, c, 3, kind.colour, None),
        ShapeId::Received => marker(area, Shape::HollowCircle, c, 3, kind.colour, None),
    }
}

fn draw_legend(area: &Area, layout: &Layout) -> Result<(), PlotError> {
    let rows = legend_rows(&layout.legend, layout.width - MARGIN - layout.content_x);
    if rows.is_empty() {
        return Ok(());
    }
    // A hairline above the legend separates it from the panels.
    let sep_y = layout.legend_top - 4;
    line(area, vec![(MARGIN, sep_y), (layout.width - MARGIN, sep_y)], stroke(opaque(GRID), 1))?;
    for (r, &(start, count)) in rows.iter().enumerate() {
        let cy = layout.legend_top + r as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let mut x = layout.content_x;
        for item in &layout.legend[start..start + count] {
            let mid = (x + SWATCH_W / 2, cy);
            match &item.swatch {
                Swatch::Marker(kind) => draw_swatch_marker(area, *kind, mid)?,
                Swatch::Line { colour, dashed: d, width, marker } => {
                    let pts = vec![(x, cy), (x + SWATCH_W, cy)];
                    if *d {
                        dashed(area, &pts, 5.0, 3.0, stroke(opaque(*colour), *width))?;
                    } else {
                        line(area, pts, stroke(opaque(*colour), *width))?;
                    }
                    if let Some(kind) = marker {
                        draw_swatch_marker(area, *kind, mid)?;
                    }
                }
                Swatch::Reservation => {
                    area.draw(&Rectangle::new([(x, cy - 8), (x + SWATCH_W, cy + 1)], fill(BLACK.mix(0.06))))
                        .map_err(backend)?;
                    dashed(area, &[(x, cy), (x + SWATCH_W, cy)], 5.0, 3.0, stroke(opaque(RESERVATION), 1))?;
                }
            }
            text(area, &item.label, (x + SWATCH_W + 8, cy), LEGEND_FONT, HPos::Left, VPos::Center)?;
            x += legend_item_width(item);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing

fn draw_figure(area: &Area, fig: &Figure, layout: &Layout) -> Result<(), PlotError> {
    let title = if fig.input.title.trim().is_empty() { "Negotiation" } else { fig.input.title.trim() };
    let title = shorten(title, 110);
    text(area, &title, (MARGIN, MARGIN / 2 + 16), TITLE_FONT, HPos::Left, VPos::Center)?;
    if let Some(sub) = &fig.input.subtitle {
        text(area, &shorten(sub, 180), (MARGIN, MARGIN / 2 + 42), SUBTITLE_FONT, HPos::Left, VPos::Center)?;
    }
    for (s, x, y) in &layout.headings {
        text(area, s, (*x, *y), CAPTION_FONT, HPos::Left, VPos::Center)?;
    }
    for panel in &layout.panels {
        match panel.kind {
            PanelKind::Plane(i, j) => draw_plane(area, fig, layout, panel, i, j)?,
            PanelKind::Time(p) => draw_time(area, fig, layout, panel, p)?,
        }
    }
    draw_legend(area, layout)
}

/// Maps data coordinates to pixels in a panel.
struct Frame<'a> {
    plot: Rect,
    x: &'a Axis,
    y: &'a Axis,
}

impl Frame<'_> {
    fn px(&self, x: f64) -> i32 {
        let f = (x - self.x.lo) / (self.x.hi - self.x.lo);
        (f64::from(self.plot.x) + f * f64::from(self.plot.w)).round() as i32
    }
    fn py(&self, y: f64) -> i32 {
        let f = (y - self.y.lo) / (self.y.hi - self.y.lo);
        (f64::from(self.plot.bottom()) - f * f64::from(self.plot.h)).round() as i32
    }
    fn map(&self, x: f64, y: f64) -> (i32, i32) {
        (self.px(x), self.py(y))
    }
}

/// Background, grid, ticks, tick labels and axis descriptions.
fn draw_axes(area: &Area, frame: &Frame, layout: &Layout, x_desc: Option<&str>, y_desc: &str) -> Result<(), PlotError> {
    let p = frame.plot;
    let grid = stroke(opaque(GRID), 1);
    // Label every k-th x tick if the labels would otherwise touch.
    let widest = frame.x.ticks.iter().map(|&t| text_width(&frame.x.label(t), TICK_FONT)).max().unwrap_or(0);
    let spacing = match frame.x.ticks.as_slice() {
        [a, b, ..] => (frame.px(*b) - frame.px(*a)).abs().max(1),
        _ => i32::MAX,
    };
    let every = ((widest + 12) as usize).div_ceil(spacing as usize).max(1);
    for (k, &t) in frame.x.ticks.iter().enumerate() {
        let x = frame.px(t);
        line(area, vec![(x, p.y), (x, p.bottom())], grid)?;
        line(area, vec![(x, p.bottom()), (x, p.bottom() + 5)], stroke(opaque(FRAME), 1))?;
        if k % every == 0 {
            text(area, &frame.x.label(t), (x, p.bottom() + 8), TICK_FONT, HPos::Center, VPos::Top)?;
        }
    }
    for &t in &frame.y.ticks {
        let y = frame.py(t);
        line(area, vec![(p.x, y), (p.right(), y)], grid)?;
        line(area, vec![(p.x - 5, y), (p.x, y)], stroke(opaque(FRAME), 1))?;
        text(area, &frame.y.label(t), (p.x - 8, y), TICK_FONT, HPos::Right, VPos::Center)?;
    }
    if let Some(d) = x_desc {
        let d = fit(d, AXIS_FONT, p.w);
        text(area, &d, (p.x + p.w / 2, p.bottom() + X_TICKS_H + 6), AXIS_FONT, HPos::Center, VPos::Top)?;
    }
    let yx = p.x - layout.left_axis + AXIS_FONT.px as i32 / 2 + 2;
    let y_desc = fit(y_desc, AXIS_FONT, p.h);
    text_styled(
        area,
        &y_desc,
        (yx, p.y + p.h / 2),
        AXIS_FONT,
        Pos::new(HPos::Center, VPos::Center),
        FontTransform::Rotate270,
    )
}

fn draw_frame(area: &Area, plot: Rect) -> Result<(), PlotError> {
    area.draw(&Rectangle::new([(plot.x, plot.y), (plot.right(), plot.bottom())], stroke(opaque(FRAME), 1)))
        .map_err(backend)
}

fn draw_caption(area: &Area, panel: &Panel, note: Option<&str>) -> Result<(), PlotError> {
    if let Some(c) = &panel.caption {
        let y = panel.plot.y - CAPTION_H / 2 - 2;
        let room = panel.plot.w - note.map_or(0, |n| text_width(n, NOTE_FONT) + 12) - 20;
        text(area, &fit(c, CAPTION_FONT, room), (panel.plot.x, y), CAPTION_FONT, HPos::Left, VPos::Center)?;
        if let Some(note) = note {
            text(area, note, (panel.plot.right(), y), NOTE_FONT, HPos::Right, VPos::Center)?;
        }
    } else if let Some(note) = note {
        text(area, note, (panel.plot.right(), panel.plot.y - 8), NOTE_FONT, HPos::Right, VPos::Center)?;
    }
    Ok(())
}

/// Indices of the points to draw (ascending): one per `cell`-pixel square, the first in input order; and, if more
/// than `cap` squares are occupied, the extremes on each axis plus every k-th of the others, at most `cap` in all
/// (or the extremes alone, when there are more of them than `cap`).
/// The flag says whether that sampling happened. Deterministic.
fn thin(pixels: &[(i32, i32)], cell: i32, cap: usize) -> (Vec<usize>, bool) {
    let mut seen = std::collections::HashSet::with_capacity(pixels.len().min(1 << 16));
    let kept: Vec<usize> = (0..pixels.len())
        .filter(|&k| seen.insert((pixels[k].0.div_euclid(cell), pixels[k].1.div_euclid(cell))))
        .collect();
    if kept.len() <= cap {
        return (kept, false);
    }
    // The first point with the lowest / highest x and y.
    let by = |key: fn(&(i32, i32)) -> i32| {
        let lo = kept.iter().copied().min_by_key(|&k| (key(&pixels[k]), k));
        let hi = kept.iter().copied().min_by_key(|&k| (-key(&pixels[k]), k));
        [lo, hi]
    };
    let mut extremes: Vec<usize> = by(|p| p.0).into_iter().chain(by(|p| p.1)).flatten().collect();
    extremes.sort_unstable();
    extremes.dedup();
    let others: Vec<usize> = kept.iter().copied().filter(|k| extremes.binary_search(k).is_err()).collect();
    let room = cap.saturating_sub(extremes.len());
    let stride = others.len().div_ceil(room.max(1)).max(1);
    let mut out: Vec<usize> = others.into_iter().step_by(stride).take(room).chain(extremes).collect();
    out.sort_unstable();
    (out, true)
}

fn same_point(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-12 * (1.0 + x.abs().max(y.abs())))
}

fn draw_plane(area: &Area, fig: &Figure, layout: &Layout, panel: &Panel, i: usize, j: usize) -> Result<(), PlotError> {
    let input = fig.input;
    let frame = Frame { plot: panel.plot, x: &fig.axes[i], y: &fig.axes[j] };
    let p = frame.plot;
    let at = |u: &[f64]| frame.map(u[i], u[j]);

    // Shade the region where a party gets less than its reservation value.
    let shade = fill(BLACK.mix(0.045));
    if let Some(r) = fig.reservations[i] {
        let x = frame.px(r).clamp(p.x, p.right());
        area.draw(&Rectangle::new([(p.x, p.y), (x, p.bottom())], shade)).map_err(backend)?;
    }
    if let Some(r) = fig.reservations[j] {
        let y = frame.py(r).clamp(p.y, p.bottom());
        let x0 = fig.reservations[i].map_or(p.x, |r| frame.px(r).clamp(p.x, p.right()));
        area.draw(&Rectangle::new([(x0, y), (p.right(), p.bottom())], shade)).map_err(backend)?;
    }
    draw_axes(
        area,
        &frame,
        layout,
        panel.x_desc.then(|| format!("utility for {}", fig.names[i])).as_deref(),
        &format!("utility for {}", fig.names[j]),
    )?;

    // Outcomes.
    let pixels: Vec<(i32, i32)> = input.outcomes.iter().map(|u| at(u)).collect();
    let (kept, sampled) = thin(&pixels, 3, MAX_OUTCOME_MARKERS);
    for &k in &kept {
        marker(area, Shape::Circle, pixels[k], 2, OUTCOME, None)?;
    }

    // Reservation lines.
    let dash = stroke(opaque(RESERVATION), 1);
    if let Some(r) = fig.reservations[i] {
        let x = frame.px(r);
        dashed(area, &[(x, p.bottom()), (x, p.y)], 6.0, 4.0, dash)?;
    }
    if let Some(r) = fig.reservations[j] {
        let y = frame.py(r);
        dashed(area, &[(p.x, y), (p.right(), y)], 6.0, 4.0, dash)?;
    }

    // Pareto frontier: a line with markers for two parties; markers only for a projection.
    if !input.pareto.is_empty() {
        let mut pts: Vec<(f64, f64)> = input.pareto.iter().map(|u| (u[i], u[j])).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let px: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| frame.map(x, y)).collect();
        if fig.n == 2 {
            let mut path = px.clone();
            path.dedup();
            line(area, path, stroke(opaque(PARETO), 2))?;
        }
        let (cell, r) = if fig.n == 2 { (6, 3) } else { (4, 2) };
        for k in thin(&px, cell, 2_000).0 {
            marker(area, Shape::Square, px[k], r, PARETO, None)?;
        }
    }

    // Offer trajectories, one per party.
    for q in 0..fig.n {
        let pts: Vec<(i32, i32)> = input.offers.iter().filter(|o| o.party == q).map(|o| at(&o.utilities)).collect();
        if pts.is_empty() {
            continue;
        }
        let c = party_colour(q);
        let r = if pts.len() > 150 { 2 } else { 3 };
        let mut path = pts.clone();
        path.dedup();
        // Projections of three or more parties get busy: thinner lines there.
        let width = if fig.n == 2 { 2 } else { 1 };
        line(area, path, stroke(c.mix(0.8), width))?;
        for k in thin(&pts, 4, 400).0 {
            marker(area, Shape::Circle, pts[k], r, c, (r > 2).then_some(WHITE))?;
        }
    }

    // Special points with labels placed clear of each other.
    let mut taken: Vec<Rect> = Vec::new();
    let mut labels: Vec<(String, (i32, i32), i32)> = Vec::new();
    let both_same = matches!((&input.nash, &input.kalai_smorodinsky), (Some(a), Some(b)) if same_point(a, b));
    if let Some(ks) = &input.kalai_smorodinsky {
        let c = at(ks);
        marker(area, Shape::Triangle, c, 6, KS_FILL, Some(NASH))?;
        taken.push(Rect { x: c.0 - 8, y: c.1 - 8, w: 16, h: 16 });
        if !both_same {
            labels.push(("KS".into(), c, 6));
        }
    }
    if let Some(nash) = &input.nash {
        let c = at(nash);
        marker(area, Shape::Diamond, c, 5, NASH, Some(WHITE))?;
        taken.push(Rect { x: c.0 - 8, y: c.1 - 8, w: 16, h: 16 });
        labels.push((if both_same { "Nash = KS".into() } else { "Nash".into() }, c, 6));
    }
    if let Some(a) = &input.agreement {
        let c = at(a);
        marker(area, Shape::Star, c, 11, STAR, Some(STAR_EDGE))?;
        taken.push(Rect { x: c.0 - 11, y: c.1 - 11, w: 22, h: 22 });
    }
    for (s, c, gap) in labels {
        place_label(area, &s, c, gap, p, &mut taken)?;
    }
    draw_frame(area, p)?;
    let note = sampled.then(|| format!("{} of {} outcomes shown", thousands(kept.len()), thousands(pixels.len())));
    draw_caption(area, panel, note.as_deref())
}

/// Writes `s` next to the point `c`, at the first of eight positions (up-right first: beyond the Pareto frontier,
/// where no outcome lies) that stays inside `bounds` and overlaps nothing in `taken`; on a white backing.
fn place_label(
    area: &Area,
    s: &str,
    c: (i32, i32),
    gap: i32,
    bounds: Rect,
    taken: &mut Vec<Rect>,
) -> Result<(), PlotError> {
    let (w, h) = (text_width(s, LABEL_FONT) + 6, LABEL_FONT.px as i32 + 6);
    let candidates = |gap: i32| {
        [
            (c.0 + gap, c.1 - gap - h),
            (c.0 + gap + 2, c.1 - h / 2),
            (c.0 - w / 2, c.1 - gap - h - 2),
            (c.0 - gap - w, c.1 - gap - h),
            (c.0 + gap, c.1 + gap),
            (c.0 - gap - w - 2, c.1 - h / 2),
            (c.0 - w / 2, c.1 + gap + 2),
            (c.0 - gap - w, c.1 + gap),
        ]
    };
    let inner = Rect { x: bounds.x + 2, y: bounds.y + 2, w: bounds.w - 4, h: bounds.h - 4 };
    let Some(r) = [gap, gap + 8, gap + 18]
        .into_iter()
        .flat_map(candidates)
        .map(|(x, y)| Rect { x, y, w, h })
        .find(|r| inner.contains(r) && !taken.iter().any(|t| t.intersects(r)))
    else {
        return Ok(()); // no free spot: the legend still names the marker
    };
    area.draw(&Rectangle::new([(r.x, r.y), (r.right(), r.bottom())], fill(WHITE.mix(0.85)))).map_err(backend)?;
    text(area, s, (r.x + 3, r.y + h / 2), LABEL_FONT, HPos::Left, VPos::Center)?;
    taken.push(r);
    Ok(())
}

fn draw_time(area: &Area, fig: &Figure, layout: &Layout, panel: &Panel, p: usize) -> Result<(), PlotError> {
    let input = fig.input;
    let frame = Frame { plot: panel.plot, x: &fig.time, y: &fig.axes[p] };
    let plot = frame.plot;
    if let Some(r) = fig.reservations[p] {
        let y = frame.py(r).clamp(plot.y, plot.bottom());
        area.draw(&Rectangle::new([(plot.x, y), (plot.right(), plot.bottom())], fill(BLACK.mix(0.045))))
            .map_err(backend)?;
    }
    let desc = "relative time";
    draw_axes(area, &frame, layout, panel.x_desc.then_some(desc), &format!("utility for {}", fig.names[p]))?;
    if let Some(r) = fig.reservations[p] {
        let y = frame.py(r);
        dashed(area, &[(plot.x, y), (plot.right(), y)], 6.0, 4.0, stroke(opaque(RESERVATION), 1))?;
    }
    // Offers received first (underneath), then the party's own.
    let order = (0..fig.n).filter(|&q| q != p).chain(std::iter::once(p));
    for q in order {
        let pts: Vec<(i32, i32)> =
            input.offers.iter().filter(|o| o.party == q).map(|o| frame.map(o.t, o.utilities[p])).collect();
        if pts.is_empty() {
            continue;
        }
        let c = party_colour(q);
        let r = if pts.len() > 150 { 2 } else { 3 };
        if q == p {
            line(area, pts.clone(), stroke(c.mix(0.85), 2))?;
            for k in thin(&pts, 4, 400).0 {
                marker(area, Shape::Circle, pts[k], r, c, (r > 2).then_some(WHITE))?;
            }
        } else {
            dashed(area, &pts, 5.0, 3.0, stroke(c.mix(0.9), 1))?;
            for k in thin(&pts, 4, 400).0 {
                marker(area, Shape::HollowCircle, pts[k], r, c, None)?;
            }
        }
    }
    if let (Some(a), Some(t)) = (&input.agreement, fig.agreement_t) {
        marker(area, Shape::Star, frame.map(t, a[p]), 10, STAR, Some(STAR_EDGE))?;
    }
    draw_frame(area, plot)?;
    // A colour key for the panel's party beside its caption.
    if let Some(c) = &panel.caption {
        let x = plot.x + text_width(&fit(c, CAPTION_FONT, plot.w - 20), CAPTION_FONT) + 10;
        let y = plot.y - CAPTION_H / 2 - 2;
        area.draw(&Rectangle::new([(x, y - 5), (x + 10, y + 5)], fill(opaque(party_colour(p))))).map_err(backend)?;
    }
    draw_caption(area, panel, None)
}

// ---------------------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic generator for test data (SplitMix64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A random linear additive domain with issues of `sizes` values: each party's utilities of every outcome.
    /// Party 1's value utilities lean against party 0's, so the parties are opposed as in real domains.
    fn additive_domain(n: usize, sizes: &[usize], seed: u64) -> Vec<Vec<f64>> {
        let mut rng = Rng(seed);
        let mut weights = vec![vec![0.0; sizes.len()]; n];
        let mut values: Vec<Vec<Vec<f64>>> = vec![Vec::new(); n];
        for p in 0..n {
            let w: Vec<f64> = sizes.iter().map(|_| 0.2 + rng.next()).collect();
            let s: f64 = w.iter().sum();
            weights[p] = w.iter().map(|x| x / s).collect();
            for (k, &m) in sizes.iter().enumerate() {
                let mut v: Vec<f64> = (0..m)
                    .map(|x| {
                        let base = x as f64 / (m - 1) as f64;
                        let lean = if p % 2 == 0 { base } else { 1.0 - base };
                        (0.75 * lean + 0.25 * rng.next()).clamp(0.0, 1.0)
                    })
                    .collect();
                let max = v.iter().cloned().fold(0.0, f64::max);
                v.iter_mut().for_each(|x| *x /= max);
                let _ = k;
                values[p].push(v);
            }
        }
        let count: usize = sizes.iter().product();
        (0..count)
            .map(|mut idx| {
                let mut choice = vec![0; sizes.len()];
                for k in (0..sizes.len()).rev() {
                    choice[k] = idx % sizes[k];
                    idx /= sizes[k];
                }
                (0..n).map(|p| (0..sizes.len()).map(|k| weights[p][k] * values[p][k][choice[k]]).sum()).collect()
            })
            .collect()
    }

    fn dominates(a: &[f64], b: &[f64]) -> bool {
        a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
    }

    fn pareto(outcomes: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let mut f: Vec<Vec<f64>> =
            outcomes.iter().filter(|u| !outcomes.iter().any(|v| dominates(v, u))).cloned().collect();
        f.sort_by(|a, b| a[0].total_cmp(&b[0]));
        f.dedup();
        f
    }

    fn nash(frontier: &[Vec<f64>], res: &[f64]) -> Option<Vec<f64>> {
        frontier
            .iter()
            .filter(|u| u.iter().zip(res).all(|(x, r)| x > r))
            .max_by(|a, b| {
                let pa: f64 = a.iter().zip(res).map(|(x, r)| x - r).product();
                let pb: f64 = b.iter().zip(res).map(|(x, r)| x - r).product();
                pa.total_cmp(&pb)
            })
            .cloned()
    }

    fn ks(frontier: &[Vec<f64>], res: &[f64]) -> Option<Vec<f64>> {
        let n = res.len();
        let best: Vec<f64> = (0..n).map(|p| frontier.iter().map(|u| u[p]).fold(f64::NEG_INFINITY, f64::max)).collect();
        frontier
            .iter()
            .filter(|u| u.iter().zip(res).all(|(x, r)| x >= r))
            .max_by(|a, b| {
                let m =
                    |u: &Vec<f64>| (0..n).map(|p| (u[p] - res[p]) / (best[p] - res[p])).fold(f64::INFINITY, f64::min);
                m(a).total_cmp(&m(b))
            })
            .cloned()
    }

    /// A time-based negotiation: party p's aspiration is `r + (1 - r)(1 - t^(1/e_p))`; it offers the outcome
    /// of least utility to itself at or above it and accepts offers at or above it.
    fn negotiate(
        outcomes: &[Vec<f64>],
        res: &[f64],
        exps: &[f64],
        steps: u32,
    ) -> (Vec<PlotOffer>, Option<(Vec<f64>, f64)>) {
        let n = res.len();
        let mut offers = Vec::new();
        for round in 0..steps {
            let t = f64::from(round + 1) / f64::from(steps + 1);
            for p in 0..n {
                let asp = |q: usize| res[q] + (1.0 - res[q]) * (1.0 - t.powf(1.0 / exps[q]));
                let a = asp(p);
                let Some(best) = outcomes
                    .iter()
                    .filter(|u| u[p] >= a)
                    .min_by(|x, y| x[p].total_cmp(&y[p]).then(y[(p + 1) % n].total_cmp(&x[(p + 1) % n])))
                else {
                    continue;
                };
                offers.push(PlotOffer { party: p, t, round, utilities: best.clone() });
                if (0..n).filter(|&q| q != p).all(|q| best[q] >= asp(q)) {
                    return (offers, Some((best.clone(), t)));
                }
            }
        }
        (offers, None)
    }

    fn sample(n: usize, with_offers: bool) -> PlotInput {
        let outcomes = additive_domain(n, &[8, 10, 12], 7 + n as u64);
        let res: Vec<f64> = [0.35, 0.3, 0.25, 0.2].iter().take(n).copied().collect();
        let frontier = pareto(&outcomes);
        let names: Vec<String> = ["buyer", "seller", "bank", "broker"].iter().take(n).map(|s| s.to_string()).collect();
        let (offers, agreement) =
            if with_offers { negotiate(&outcomes, &res, &[0.25, 2.0, 1.0, 0.5][..n], 60) } else { (Vec::new(), None) };
        PlotInput {
            title: format!("Random additive domain, {n} parties"),
            subtitle: Some(format!(
                "{} outcomes · {} Pareto-optimal · {} offers",
                thousands(outcomes.len()),
                frontier.len(),
                offers.len()
            )),
            party_names: names,
            nash: nash(&frontier, &res),
            kalai_smorodinsky: ks(&frontier, &res),
            pareto: frontier,
            outcomes,
            reservations: res.into_iter().map(Some).collect(),
            offers,
            agreement_t: agreement.as_ref().map(|a| a.1),
            agreement: agreement.map(|a| a.0),
        }
    }

    /// Parses `svg` as XML (panics if it is not well-formed) and returns its number of elements and the
    /// contents of its `<text>` elements, trimmed and unescaped.
    fn parse(svg: &str) -> (usize, Vec<String>) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut elements, mut texts, mut current) = (0, Vec::new(), None::<String>);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) => {
                    elements += 1;
                    if e.name().as_ref() == "text" {
                        current = Some(String::new());
                    }
                }
                Ok(Event::Empty(_)) => elements += 1,
                Ok(Event::Text(t)) => {
                    if let Some(c) = current.as_mut() {
                        c.push_str(&t);
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    let ch = match &*r {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    if let Some(c) = current.as_mut() {
                        c.push_str(ch);
                    }
                }
                Ok(Event::End(e)) => {
                    if e.name().as_ref() == "text"
                        && let Some(c) = current.take()
                    {
                        texts.push(c.trim().to_string());
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("the SVG is not well-formed XML at {}: {e}", reader.buffer_position()),
            }
        }
        (elements, texts)
    }

    fn parse_xml(svg: &str) -> usize {
        parse(svg).0
    }

    fn texts(svg: &str) -> Vec<String> {
        parse(svg).1
    }

    fn has_text(svg: &str, s: &str) -> bool {
        texts(svg).iter().any(|t| t == s)
    }

    fn count_text(svg: &str, s: &str) -> usize {
        texts(svg).iter().filter(|t| *t == s).count()
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    const OUTCOME_DOT: &str = r##"r="2" opacity="1" fill="#C3C9D1""##;

    #[test]
    fn sample_figures() {
        for (n, name) in [(2, "2p"), (3, "3p")] {
            let input = sample(n, true);
            let path = std::env::temp_dir().join(format!("entente-plot-{name}.svg"));
            write_svg(&input, &path).expect("writes");
            let svg = std::fs::read_to_string(&path).expect("reads back");
            assert!(parse_xml(&svg) > 100);
        }
        let path = std::env::temp_dir().join("entente-plot-analyze.svg");
        write_svg(&sample(2, false), &path).expect("writes");
    }

    /// More figures to look at (`cargo test -p entente-cli visual_gallery -- --ignored`): four parties, an
    /// analysis of three, a huge space, long runs, long names, utilities outside [0, 1], one outcome.
    /// Adds a party named `name` to a figure, with `next()` as its utility of every point.
    fn add_party(input: &mut PlotInput, name: &str, mut next: impl FnMut() -> f64) {
        input.party_names.push(name.into());
        for u in input
            .outcomes
            .iter_mut()
            .chain(input.pareto.iter_mut())
            .chain(input.nash.iter_mut())
            .chain(input.kalai_smorodinsky.iter_mut())
            .chain(input.agreement.iter_mut())
            .chain(input.offers.iter_mut().map(|o| &mut o.utilities))
        {
            u.push(next());
        }
        input.reservations.push(None);
    }

    #[test]
    #[ignore]
    fn visual_gallery() {
        let dir = std::env::temp_dir();
        let save = |name: &str, input: &PlotInput| {
            write_svg(input, &dir.join(format!("entente-plot-{name}.svg"))).expect("writes");
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
            &PlotInput {
                title: "100,000 outcomes, 1,000 rounds, a very long scenario title that goes on".into(),
                subtitle: None,
                party_names: vec!["The Municipality of Somewhere Quite Far".into(), "a".into()],
                nash: nash(&frontier, &[0.2, 0.2]),
                kalai_smorodinsky: None,
                pareto: frontier,
                outcomes,
                reservations: vec![Some(0.2), Some(0.2)],
                offers,
                agreement_t: None,
                agreement: agreement.map(|a| a.0),
            },
        );
        let million = PlotInput {
            title: "A million outcomes".into(),
            party_names: vec!["a".into(), "b".into()],
            outcomes: additive_domain(2, &[10; 6], 9),
            ..PlotInput::default()
        };
        let start = std::time::Instant::now();
        save("million", &million);
        eprintln!("a million outcomes: drawn in {:?}", start.elapsed());
        let mut scaled = sample(2, true);
        let f = |u: &mut Vec<f64>| {
            u[0] = u[0] * 2000.0 - 400.0;
            u[1] = -u[1] * 3.0;
        };
        scaled.outcomes.iter_mut().for_each(f);
        scaled.pareto.clear();
        scaled.offers.iter_mut().for_each(|o| f(&mut o.utilities));
        scaled.nash.iter_mut().for_each(f);
        scaled.kalai_smorodinsky.iter_mut().for_each(f);
        scaled.agreement.iter_mut().for_each(f);
        scaled.reservations = vec![Some(-100.0), None];
        save("scaled", &scaled);
        save(
            "one",
            &PlotInput {
                title: "One outcome".into(),
                party_names: vec!["a".into(), "b".into()],
                outcomes: vec![vec![0.5, 0.5]],
                pareto: vec![vec![0.5, 0.5]],
                nash: Some(vec![0.5, 0.5]),
                kalai_smorodinsky: Some(vec![0.5, 0.5]),
                agreement: Some(vec![0.5, 0.5]),
                offers: vec![PlotOffer { party: 0, t: 0.5, round: 0, utilities: vec![0.5, 0.5] }],
                ..PlotInput::default()
            },
        );
    }

    #[test]
    fn two_parties_well_formed_with_legend_and_names() {
        let input = sample(2, true);
        assert!(input.agreement.is_some(), "the sample negotiation should agree");
        let svg = render_svg(&input).expect("renders");
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
        assert!(dots > 100 && dots <= input.outcomes.len() + 1, "{dots}");
    }

    #[test]
    fn three_parties_pairwise() {
        let input = sample(3, true);
        let svg = render_svg(&input).expect("renders");
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

    /// The boxes of every `<text>` of `svg` (estimated with [`text_width`], one pixel in from each side), with
    /// their contents: `(x0, y0, x1, y1, content)`.
    fn text_boxes(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
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
        long.party_names = vec!["the delegation of the northern states".into(), "municipality".into()];
        let mut one = sample(2, true);
        let p = vec![0.5, 0.5];
        one.nash = Some(p.clone());
        one.kalai_smorodinsky = Some(p.clone());
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
            let svg = render_svg(&input).expect("renders");
            let (width, height) = {
                let attr = |k: &str| {
                    let at = svg.find(&format!(" {k}=\"")).expect("size") + k.len() + 3;
                    svg[at..].split('"').next().and_then(|v| v.parse::<f64>().ok()).expect("number")
                };
                (attr("width"), attr("height"))
            };
            let boxes = text_boxes(&svg);
            assert!(boxes.len() > 20, "{name}: {} texts", boxes.len());
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
    }

    #[test]
    fn four_parties() {
        let mut input = sample(3, true);
        let mut rng = Rng(3);
        add_party(&mut input, "auditor", || rng.next());
        let svg = render_svg(&input).expect("renders");
        parse_xml(&svg);
        // Three planes with the auditor, and its time panel.
        assert_eq!(count_text(&svg, "utility for auditor"), 4);
    }

    #[test]
    fn analyze_mode_has_no_time_panels() {
        let input = sample(2, false);
        let svg = render_svg(&input).expect("renders");
        parse_xml(&svg);
        assert!(!svg.contains("relative time"));
        assert!(!svg.contains("offers by"));
        assert!(has_text(&svg, "Nash point"));
        let width: i32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("a width");
        assert!(width < 800, "one panel only: {width}");
        let svg3 = render_svg(&sample(3, false)).expect("renders");
        parse_xml(&svg3);
        assert!(!svg3.contains("relative time"));
    }

    #[test]
    fn deterministic_bytes() {
        let input = sample(2, true);
        assert_eq!(render_svg(&input).expect("renders"), render_svg(&input.clone()).expect("renders"));
        let input = sample(3, true);
        assert_eq!(render_svg(&input).expect("renders"), render_svg(&input.clone()).expect("renders"));
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
        let input = PlotInput {
            title: "Huge".into(),
            party_names: vec!["a".into(), "b".into()],
            outcomes,
            ..PlotInput::default()
        };
        let svg = render_svg(&input).expect("renders");
        parse_xml(&svg);
        let dots = count(&svg, OUTCOME_DOT);
        assert!(dots <= MAX_OUTCOME_MARKERS + 1, "{dots} outcome dots");
        assert!(dots > MAX_OUTCOME_MARKERS / 2, "{dots} outcome dots");
        assert!(texts(&svg).iter().any(|t| t.ends_with("of 200,000 outcomes shown")), "the sampling is noted");
        assert!(svg.len() < 3_000_000, "{} bytes", svg.len());
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
    fn degenerate_inputs_render() {
        let one = PlotInput {
            title: "One outcome".into(),
            party_names: vec!["a".into(), "b".into()],
            outcomes: vec![vec![0.5, 0.5]],
            pareto: vec![vec![0.5, 0.5]],
            nash: Some(vec![0.5, 0.5]),
            kalai_smorodinsky: Some(vec![0.5, 0.5]),
            agreement: Some(vec![0.5, 0.5]),
            offers: vec![PlotOffer { party: 0, t: 0.5, round: 0, utilities: vec![0.5, 0.5] }],
            ..PlotInput::default()
        };
        let svg = render_svg(&one).expect("renders");
        parse_xml(&svg);
        assert!(has_text(&svg, "Nash = KS"));
        let equal = PlotInput {
            title: "All equal".into(),
            party_names: vec!["a".into(), String::new()],
            outcomes: vec![vec![3.0, 3.0]; 50],
            reservations: vec![Some(3.0), None],
            ..PlotInput::default()
        };
        let svg = render_svg(&equal).expect("renders");
        parse_xml(&svg);
        assert!(has_text(&svg, "utility for party 1"));
        let empty = PlotInput { party_names: vec!["a".into(), "b".into()], ..PlotInput::default() };
        parse_xml(&render_svg(&empty).expect("renders"));
        let escaped = PlotInput {
            title: "<script> & \"quotes\"".into(),
            party_names: vec!["A&B".into(), "<c>".into()],
            outcomes: vec![vec![-2.0, 1500.0], vec![0.25, -30.0]],
            ..PlotInput::default()
        };
        let svg = render_svg(&escaped).expect("renders");
        parse_xml(&svg);
        assert!(!svg.contains("<script>"));
        assert!(has_text(&svg, "<script> & \"quotes\""));
        assert!(has_text(&svg, "utility for A&B"));
    }

    #[test]
    fn extreme_values_render() {
        for (a, b) in [(1e300, -1e300), (1e15, 1e15 + 0.5), (-1e-300, 2e-300), (5e7, 9e7), (f64::MAX, f64::MIN)] {
            let input = PlotInput {
                title: format!("{a} {b}"),
                party_names: vec!["a".into(), "b".into()],
                outcomes: vec![vec![a, b], vec![b, a]],
                nash: Some(vec![a, a]),
                reservations: vec![Some(b), None],
                offers: vec![PlotOffer { party: 1, t: 1e9, round: 0, utilities: vec![a, b] }],
                ..PlotInput::default()
            };
            let svg = render_svg(&input).expect("renders");
            parse_xml(&svg);
            assert!(texts(&svg).iter().all(|t| t.len() < 120), "{a} {b}: no runaway labels");
        }
        let input = PlotInput {
            party_names: vec!["a".into(), "b".into()],
            outcomes: vec![vec![5e7, 9e7], vec![9e7, 5e7]],
            ..PlotInput::default()
        };
        let svg = render_svg(&input).expect("renders");
        assert!(has_text(&svg, "8.0e7"), "{:?}", texts(&svg));
        std::fs::write(std::env::temp_dir().join("entente-plot-big.svg"), svg).expect("writes");
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let base = sample(2, true);
        let err = |input: &PlotInput| match render_svg(input) {
            Err(PlotError::Invalid(msg)) => msg,
            other => panic!("expected an input error, got {other:?}"),
        };
        let mut nan = base.clone();
        nan.outcomes[17][1] = f64::NAN;
        assert_eq!(err(&nan), "outcome 17: the utility for party 1 is NaN (not finite)");
        let mut inf = base.clone();
        inf.offers[3].utilities[0] = f64::INFINITY;
        assert_eq!(err(&inf), "offer 3: the utility for party 0 is inf (not finite)");
        let mut nan_nash = base.clone();
        nan_nash.nash = Some(vec![0.5, f64::NAN]);
        assert!(err(&nan_nash).contains("Nash"));
        let mut nan_t = base.clone();
        nan_t.offers[0].t = f64::NAN;
        assert!(err(&nan_t).contains("offer 0: its time"));
        let mut res = base.clone();
        res.reservations = vec![Some(f64::NAN), None];
        assert!(err(&res).contains("reservation value of party 0"));
        let mut short = base.clone();
        short.pareto[0].pop();
        assert_eq!(err(&short), "Pareto point 0 has 1 utilities for 2 parties");
        let mut who = base.clone();
        who.offers[0].party = 5;
        assert!(err(&who).contains("by party 5"));
        let mut one = base.clone();
        one.party_names.truncate(1);
        assert!(err(&one).contains("at least 2 parties"));
        let many = PlotInput { party_names: vec!["p".into(); MAX_PARTIES + 1], ..PlotInput::default() };
        assert!(err(&many).contains("at most"));
        let mut wrong_res = base;
        wrong_res.reservations = vec![None; 3];
        assert!(err(&wrong_res).contains("3 reservation values"));
        let e = PlotError::Invalid("x".into());
        assert_eq!(e.to_string(), "cannot plot: x");
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
}
