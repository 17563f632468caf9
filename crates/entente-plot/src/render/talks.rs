//! The figure of rounds of talks: a time axis with the breaks compressed, session bands, markers, clause lanes
//! and the curves below them; rounds one above the other on the same axis; the legend below.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::legend::*;
use super::scale::Axis;
use super::style::*;
use super::{CAPTION_H, Rect, backend, document, fit, fit_middle};
use crate::error::PlotError;
use crate::talks::*;

const WIDTH: i32 = 1400;
const BAND_H: i32 = 22;
const MARKER_ROW_H: i32 = 18;
const LANE_PITCH: i32 = 28;
const LANE_H: i32 = 18;
const CLOSURE_H: i32 = 80;
const CURVE_H: i32 = 120;
/// The breaks together take at most this share of the sessions' time on the axis.
const BREAK_SHARE: f64 = 0.3;

const LANE_FONT: Font = Font { px: 12.0, bold: true, colour: TEXT };
const SMALL_FONT: Font = Font { px: 11.0, bold: false, colour: MUTED };
const BAND_FONT: Font = Font { px: 11.0, bold: true, colour: TEXT };
const STATE_FONT: Font = Font { px: 10.0, bold: false, colour: TEXT };
const FINAL_FONT: Font = Font { px: 11.0, bold: true, colour: TEXT };
const MARKER_FONT: Font = Font { px: 11.0, bold: false, colour: TEXT };

const SESSION_BAND: RGBColor = RGBColor(0xD5, 0xDC, 0xE4);
const SESSION_SHADE: RGBColor = RGBColor(0xF3, 0xF5, 0xF8);
const OUTSIDE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

fn state_colour(s: LaneState) -> RGBColor {
    match s {
        LaneState::Open => RGBColor(0xE3, 0xE6, 0xEA),
        LaneState::Bracketed => RGBColor(0xF5, 0xC1, 0x63),
        LaneState::AdRef => RGBColor(0x9B, 0xD3, 0xF2),
        LaneState::Provisional => RGBColor(0x4F, 0xBF, 0x9A),
        LaneState::Reopened => RGBColor(0xF0, 0x8C, 0x5A),
        LaneState::Withdrawn => RGBColor(0xB0, 0xB0, 0xB0),
    }
}

fn marker_shape(k: MarkerKind) -> ShapeKind {
    let colour = match k {
        MarkerKind::Instruction => RGBColor(0x6A, 0x3D, 0x9A),
        MarkerKind::Statement => RGBColor(0x3A, 0x3D, 0x42),
        MarkerKind::Tabled => RGBColor(0x00, 0x72, 0xB2),
        MarkerKind::Incident => RGBColor(0xC0, 0x39, 0x2B),
        MarkerKind::Vote => NASH,
        MarkerKind::End => STAR,
    };
    ShapeKind { shape: ShapeId::Talks(k), colour }
}

fn marker_meaning(k: MarkerKind) -> &'static str {
    match k {
        MarkerKind::Instruction => "a bloc's instructions (private to its delegation)",
        MarkerKind::Statement => "public statement",
        MarkerKind::Tabled => "item tabled off the agenda",
        MarkerKind::Incident => "incident",
        MarkerKind::Vote => "final vote",
        MarkerKind::End => "end of the round",
    }
}

/// A bloc's colour: after the parties' first colours, so that blocs and parties differ in a two-party figure.
fn bloc_colour(j: usize) -> RGBColor {
    party_colour(5 + j)
}

/// Minutes to pixels: sessions keep their length, breaks are compressed (each to at most an equal share of
/// [`BREAK_SHARE`] of the sessions' total time).
struct TimeAxis {
    /// `(from, to)` minutes and where they start on the virtual axis, in order.
    pieces: Vec<(u64, u64, f64, f64)>,
    total: f64,
    x0: i32,
    x1: i32,
}

impl TimeAxis {
    fn new(rounds: &[TalksRound], x0: i32, x1: i32) -> TimeAxis {
        let mut sessions: Vec<(u64, u64)> =
            rounds.iter().flat_map(|r| r.sessions.iter().map(|s| (s.start, s.end))).collect();
        sessions.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (a, b) in sessions {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let times = rounds.iter().flat_map(|r| {
            let curves = r.parties.iter().flat_map(|p| p.utility.iter().chain(&p.reservation));
            let blocs =
                r.delegations.iter().flat_map(|d| d.blocs.iter().flat_map(|b| b.utility.iter().chain(&b.reversion)));
            r.markers
                .iter()
                .map(|m| m.at)
                .chain(r.clauses.iter().map(|c| c.from))
                .chain(std::iter::once(r.end))
                .chain(r.closure.iter().chain(curves).chain(blocs).map(|p| p.0))
        });
        let (mut lo, mut hi) = (merged[0].0, merged[merged.len() - 1].1);
        for t in times {
            lo = lo.min(t);
            hi = hi.max(t);
        }
        // Sessions and the breaks around them, in order.
        let mut spans: Vec<(u64, u64, bool)> = Vec::new();
        let mut at = lo;
        for &(a, b) in &merged {
            if a > at {
                spans.push((at, a, false));
            }
            spans.push((a, b, true));
            at = b;
        }
        if hi > at {
            spans.push((at, hi, false));
        }
        let in_sessions: u64 = merged.iter().map(|(a, b)| b - a).sum();
        let breaks = spans.iter().filter(|s| !s.2).count().max(1);
        let cap = (in_sessions as f64 * BREAK_SHARE / breaks as f64).max(1.0);
        let mut pieces = Vec::new();
        let mut v = 0.0;
        for (a, b, session) in spans {
            let len = (b - a) as f64;
            let w = if session { len } else { len.min(cap) };
            pieces.push((a, b, v, w));
            v += w;
        }
        TimeAxis { pieces, total: v.max(1.0), x0, x1 }
    }

    fn x(&self, t: u64) -> i32 {
        let v = match self.pieces.iter().find(|p| t <= p.1) {
            Some(&(a, b, v0, w)) if t >= a => v0 + if b > a { (t - a) as f64 / (b - a) as f64 * w } else { 0.0 },
            Some(&(_, _, v0, _)) => v0,
            None => self.total,
        };
        let f = v / self.total;
        (f64::from(self.x0) + f * f64::from(self.x1 - self.x0)).round() as i32
    }
}

/// A marker placed in a row of the marker strip: its x, the box its label and symbol take, the label and where
/// the label starts.
struct Placed {
    kind: MarkerKind,
    x: i32,
    row: usize,
    label: String,
    label_x: i32,
    right: bool,
}

struct RoundLayout {
    heading_y: Option<i32>,
    band_y: i32,
    markers_top: i32,
    markers: Vec<Placed>,
    lanes_top: i32,
    closure: Option<Rect>,
    utility: Option<Rect>,
    blocs: Vec<Rect>,
    ticks_y: i32,
    bottom: i32,
}

struct Layout {
    height: i32,
    plot_r: i32,
    label_w: i32,
    time: TimeAxis,
    rounds: Vec<RoundLayout>,
    legend: Vec<LegendItem>,
    legend_top: i32,
}

fn lane_note(c: &ClauseLane) -> Option<String> {
    c.tabled_by.as_ref().map(|by| format!("tabled by {by}"))
}

impl Layout {
    fn new(fig: &TalksFigure) -> Layout {
        let widest_label = fig
            .rounds
            .iter()
            .flat_map(|r| &r.clauses)
            .map(|c| text_width(&c.title, LANE_FONT).max(lane_note(c).map_or(0, |n| text_width(&n, SMALL_FONT))))
            .max()
            .unwrap_or(0);
        let label_w = (widest_label + 8).clamp(90, 260);
        let plot_x = MARGIN + label_w + 14;
        let plot_r = WIDTH - MARGIN - text_width(LaneState::Provisional.name(), FINAL_FONT) - 14;
        let time = TimeAxis::new(&fig.rounds, plot_x, plot_r);
        let title_h = if fig.subtitle.is_some() { 66 } else { 46 };
        let mut y = MARGIN / 2 + title_h;
        let mut rounds = Vec::new();
        for r in &fig.rounds {
            let heading_y = r.heading.as_ref().map(|_| {
                let h = y + 10;
                y += 28;
                h
            });
            let band_y = y;
            y += BAND_H + 6;
            let markers_top = y;
            let markers = place_markers(&r.markers, &time);
            let rows = markers.iter().map(|m| m.row + 1).max().unwrap_or(0) as i32;
            y += rows * MARKER_ROW_H + if rows > 0 { 6 } else { 0 };
            let lanes_top = y;
            y += r.clauses.len() as i32 * LANE_PITCH + 8;
            let mut panel = |show: bool, h: i32| {
                show.then(|| {
                    y += CAPTION_H;
                    let rect = Rect { x: plot_x, y, w: plot_r - plot_x, h };
                    y += h + 12;
                    rect
                })
            };
            let closure = panel(!r.closure.is_empty(), CLOSURE_H);
            let utility = panel(!r.parties.is_empty(), CURVE_H);
            let blocs = r.delegations.iter().filter_map(|_| panel(true, CURVE_H)).collect();
            let ticks_y = y - 6;
            y += 14;
            rounds.push(RoundLayout {
                heading_y,
                band_y,
                markers_top,
                markers,
                lanes_top,
                closure,
                utility,
                blocs,
                ticks_y,
                bottom: y,
            });
            y += 16;
        }
        let legend = legend(fig);
        let legend_top = y + 4;
        let rows = legend_rows(&legend, WIDTH - 2 * MARGIN);
        let height = legend_top + rows.len() as i32 * LEGEND_ROW_H + MARGIN / 2;
        Layout { height, plot_r, label_w, time, rounds, legend, legend_top }
    }
}

/// Rows of the marker strip: each marker in the first row where its symbol and label clear the others, its label
/// to the right of the symbol (to the left near the right edge).
fn place_markers(markers: &[TalksMarker], time: &TimeAxis) -> Vec<Placed> {
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by_key(|&k| (markers[k].at, MarkerKind::ALL.iter().position(|m| *m == markers[k].kind)));
    let mut rows: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut placed = Vec::new();
    for k in order {
        let m = &markers[k];
        let x = time.x(m.at);
        let label = fit(m.label.trim(), MARKER_FONT, 360);
        let w = if label.is_empty() { 0 } else { text_width(&label, MARKER_FONT) };
        // The star of the end is wider than the other symbols.
        let gap = if m.kind == MarkerKind::End { 13 } else { 10 };
        let right = x + gap + w <= WIDTH - MARGIN;
        let (a, b, label_x) =
            if right { (x - gap, x + gap + w + 8, x + gap) } else { (x - gap - w - 8, x + gap, x - gap) };
        let row = rows.iter().position(|r| r.iter().all(|&(c, d)| b <= c || d <= a)).unwrap_or(rows.len());
        if row == rows.len() {
            rows.push(Vec::new());
        }
        rows[row].push((a, b));
        placed.push(Placed { kind: m.kind, x, row, label, label_x, right });
    }
    placed
}

fn legend(fig: &TalksFigure) -> Vec<LegendItem> {
    let mut items = Vec::new();
    let rounds = &fig.rounds;
    for s in LaneState::ALL {
        if rounds.iter().flat_map(|r| &r.clauses).any(|c| c.states.iter().any(|x| x.1 == s)) {
            let swatch = Swatch::Patch(opaque(state_colour(s)));
            items.push(LegendItem { swatch, label: s.name().to_string(), group: 0 });
        }
    }
    for k in MarkerKind::ALL {
        if rounds.iter().flat_map(|r| &r.markers).any(|m| m.kind == k) {
            let swatch = Swatch::Marker(marker_shape(k));
            items.push(LegendItem { swatch, label: marker_meaning(k).to_string(), group: 1 });
        }
    }
    let line = |colour, dashed| Swatch::Line { colour, dashed, width: if dashed { 1 } else { 2 }, marker: None };
    let mut parties: Vec<(usize, &str)> =
        rounds.iter().flat_map(|r| &r.parties).map(|p| (p.index, p.name.as_str())).collect();
    parties.sort_unstable();
    parties.dedup();
    if rounds.iter().any(|r| !r.closure.is_empty()) {
        items.push(LegendItem { swatch: line(PARETO, false), label: "closure ratio".into(), group: 2 });
    }
    for (index, name) in &parties {
        let label = format!("{name}: utility of the text");
        items.push(LegendItem { swatch: line(party_colour(*index), false), label, group: 2 });
    }
    if rounds.iter().flat_map(|r| &r.parties).any(|p| !p.reservation.is_empty()) {
        let label = "reservation value (in the party's colour)".into();
        items.push(LegendItem { swatch: line(MUTED, true), label, group: 2 });
    }
    let mut blocs: Vec<(usize, String)> = Vec::new();
    for d in rounds.iter().flat_map(|r| &r.delegations) {
        for (j, b) in d.blocs.iter().enumerate() {
            let label = format!("{} ({})", b.name, d.party);
            if !blocs.iter().any(|x| x.1 == label) {
                blocs.push((j, label));
            }
        }
    }
    for (j, label) in blocs {
        items.push(LegendItem { swatch: line(bloc_colour(j), false), label, group: 3 });
    }
    let delegations = rounds.iter().flat_map(|r| &r.delegations);
    if delegations.clone().flat_map(|d| &d.blocs).any(|b| !b.reversion.is_empty()) {
        let label = "reversion point (in the bloc's colour)".into();
        items.push(LegendItem { swatch: line(MUTED, true), label, group: 3 });
    }
    if delegations.clone().any(|d| !d.outside_win_set.is_empty()) {
        let label = "text outside the delegation's win-set".into();
        items.push(LegendItem { swatch: Swatch::Patch(OUTSIDE.mix(0.14)), label, group: 3 });
    }
    items
}

pub(crate) fn svg(fig: &TalksFigure) -> Result<String, PlotError> {
    let layout = Layout::new(fig);
    let title = if fig.title.trim().is_empty() { "Talks" } else { fig.title.trim() };
    document(WIDTH, layout.height, title, |area| {
        text(
            area,
            &fit(title, TITLE_FONT, WIDTH - 2 * MARGIN),
            (MARGIN, MARGIN / 2 + 16),
            TITLE_FONT,
            HPos::Left,
            VPos::Center,
        )?;
        if let Some(sub) = &fig.subtitle {
            let sub = fit(sub, SUBTITLE_FONT, WIDTH - 2 * MARGIN);
            text(area, &sub, (MARGIN, MARGIN / 2 + 42), SUBTITLE_FONT, HPos::Left, VPos::Center)?;
        }
        for (r, l) in fig.rounds.iter().zip(&layout.rounds) {
            draw_round(area, &layout, r, l)?;
        }
        draw_legend(area, &layout.legend, layout.legend_top, MARGIN, WIDTH)
    })
}

fn rect(area: &Area, x0: i32, y0: i32, x1: i32, y1: i32, colour: RGBAColor) -> Result<(), PlotError> {
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill(colour))).map_err(backend)
}

fn draw_round(area: &Area, layout: &Layout, r: &TalksRound, l: &RoundLayout) -> Result<(), PlotError> {
    let t = &layout.time;
    if let (Some(h), Some(y)) = (&r.heading, l.heading_y) {
        text(area, &fit(h, CAPTION_FONT, WIDTH - 2 * MARGIN), (MARGIN, y), CAPTION_FONT, HPos::Left, VPos::Center)?;
    }
    // Sessions: a band with the label, and a light shade down the round.
    for s in &r.sessions {
        let (x0, x1) = (t.x(s.start), t.x(s.end));
        rect(area, x0, l.band_y + BAND_H, x1, l.ticks_y, opaque(SESSION_SHADE))?;
        rect(area, x0, l.band_y, x1, l.band_y + BAND_H, opaque(SESSION_BAND))?;
        // The label in bold, else smaller; else its part before a comma ("day 3"); else cut.
        let room = x1 - x0 - 6;
        let small = Font { px: 10.0, bold: false, colour: TEXT };
        let label = s.label.trim();
        let head = label.split(',').next().unwrap_or(label).trim();
        let (label, font) = [(label, BAND_FONT), (label, small), (head, BAND_FONT), (head, small)]
            .into_iter()
            .find(|(l, f)| text_width(l, *f) <= room)
            .map_or_else(|| (fit(label, BAND_FONT, room), BAND_FONT), |(l, f)| (l.to_string(), f));
        if !label.is_empty() && text_width(&label, font) <= room {
            text(area, &label, ((x0 + x1) / 2, l.band_y + BAND_H / 2), font, HPos::Center, VPos::Center)?;
        }
    }
    // Markers, each with a light guide down through the lanes.
    let lanes_bottom = l.lanes_top + r.clauses.len() as i32 * LANE_PITCH;
    for m in &l.markers {
        let guide = stroke(FRAME.mix(0.55), 1);
        dashed(area, &[(m.x, l.lanes_top), (m.x, lanes_bottom)], 2.0, 3.0, guide)?;
    }
    for m in &l.markers {
        let y = l.markers_top + m.row as i32 * MARKER_ROW_H + MARKER_ROW_H / 2;
        draw_swatch_marker(area, marker_shape(m.kind), (m.x, y))?;
        if !m.label.is_empty() {
            let h = if m.right { HPos::Left } else { HPos::Right };
            text(area, &m.label, (m.label_x, y), MARKER_FONT, h, VPos::Center)?;
        }
    }
    // Lanes.
    for (i, c) in r.clauses.iter().enumerate() {
        let cy = l.lanes_top + i as i32 * LANE_PITCH + LANE_PITCH / 2;
        let room = layout.label_w;
        // Titles cut in the middle: long names that differ at the end stay apart.
        let title = fit_middle(&c.title, LANE_FONT, room);
        match lane_note(c) {
            Some(note) => {
                text(area, &title, (MARGIN, cy - 6), LANE_FONT, HPos::Left, VPos::Center)?;
                let note = fit_middle(&note, SMALL_FONT, room);
                text(area, &note, (MARGIN, cy + 7), SMALL_FONT, HPos::Left, VPos::Center)?;
            }
            None => text(area, &title, (MARGIN, cy), LANE_FONT, HPos::Left, VPos::Center)?,
        }
        let mut states = c.states.clone();
        states.sort_by_key(|s| s.0);
        for (k, &(from, state)) in states.iter().enumerate() {
            let from = from.max(c.from);
            let to = states.get(k + 1).map_or(r.end, |s| s.0).min(r.end);
            if to <= from {
                continue;
            }
            let (x0, x1) = (t.x(from), t.x(to));
            rect(area, x0, cy - LANE_H / 2, x1, cy + LANE_H / 2, opaque(state_colour(state)))?;
            let name = state.name();
            if text_width(name, STATE_FONT) + 8 <= x1 - x0 {
                text(area, name, ((x0 + x1) / 2, cy), STATE_FONT, HPos::Center, VPos::Center)?;
            }
        }
        if let Some(&(_, last)) = states.last() {
            let x = layout.plot_r + 8;
            rect(area, x, cy - 5, x + 4, cy + 5, opaque(state_colour(last)))?;
            text(area, last.name(), (x + 8, cy), FINAL_FONT, HPos::Left, VPos::Center)?;
        }
    }
    if let Some(p) = l.closure {
        let axis = Axis { lo: 0.0, hi: 1.0, ticks: vec![0.0, 0.5, 1.0], decimals: 0 };
        let caption = "Closure: the share of live clauses PROVISIONAL";
        panel_frame(area, p, &axis, caption, &|v| format!("{:.0}%", v * 100.0))?;
        let path = steps(&r.closure, r.end, t, p, &axis);
        line(area, path, stroke(opaque(PARETO), 2))?;
        area.draw(&Rectangle::new([(p.x, p.y), (p.right(), p.bottom())], stroke(opaque(FRAME), 1))).map_err(backend)?;
    }
    if let Some(p) = l.utility {
        let values =
            r.parties.iter().flat_map(|c| c.utility.iter().chain(&c.reservation)).map(|x| x.1).collect::<Vec<_>>();
        let axis = value_axis(&values);
        let caption = "Utility of the mediators' text, to each party (dashed: its reservation value)";
        panel_frame(area, p, &axis, caption, &|v| axis.label(v))?;
        for c in &r.parties {
            let colour = party_colour(c.index);
            dashed(area, &steps(&c.reservation, r.end, t, p, &axis), 6.0, 4.0, stroke(colour.mix(0.9), 1))?;
            line(area, steps(&c.utility, r.end, t, p, &axis), stroke(colour.mix(0.9), 2))?;
        }
        area.draw(&Rectangle::new([(p.x, p.y), (p.right(), p.bottom())], stroke(opaque(FRAME), 1))).map_err(backend)?;
    }
    for (d, &p) in r.delegations.iter().zip(&l.blocs) {
        for &(a, b) in &d.outside_win_set {
            let (x0, x1) = (t.x(a), t.x(b.min(r.end)));
            if x1 > x0 {
                rect(area, x0, p.y, x1, p.bottom(), OUTSIDE.mix(0.14))?;
            }
        }
        let values = d.blocs.iter().flat_map(|b| b.utility.iter().chain(&b.reversion)).map(|x| x.1).collect::<Vec<_>>();
        let axis = value_axis(&values);
        let caption = format!(
            "{}'s blocs: their utility of the text (dashed: reversion point; shaded: text outside the win-set)",
            d.party
        );
        panel_frame(area, p, &axis, &caption, &|v| axis.label(v))?;
        for (j, b) in d.blocs.iter().enumerate() {
            let colour = bloc_colour(j);
            dashed(area, &steps(&b.reversion, r.end, t, p, &axis), 6.0, 4.0, stroke(colour.mix(0.9), 1))?;
            line(area, steps(&b.utility, r.end, t, p, &axis), stroke(colour.mix(0.9), 2))?;
        }
        area.draw(&Rectangle::new([(p.x, p.y), (p.right(), p.bottom())], stroke(opaque(FRAME), 1))).map_err(backend)?;
    }
    // Clock times under the round: each session's start, where there is room.
    let mut free_from = i32::MIN;
    for s in &r.sessions {
        let x = t.x(s.start);
        let label = format!("{:02}:{:02}", s.start % 1440 / 60, s.start % 60);
        let w = text_width(&label, TICK_FONT);
        if x - w / 2 >= free_from && x + w / 2 <= WIDTH - MARGIN {
            text(area, &label, (x, l.ticks_y + 2), TICK_FONT, HPos::Center, VPos::Top)?;
            free_from = x + w / 2 + 8;
        }
    }
    debug_assert!(l.ticks_y + 16 <= l.bottom);
    Ok(())
}

/// An axis for utilities (at least [0, 1] for values that look normalised).
fn value_axis(values: &[f64]) -> Axis {
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    Axis::covering(lo, hi, 4)
}

fn py(p: Rect, axis: &Axis, v: f64) -> i32 {
    let f = (v - axis.lo) / (axis.hi - axis.lo);
    (f64::from(p.bottom()) - f * f64::from(p.h)).round() as i32
}

/// Grid, tick labels and caption of a panel.
fn panel_frame(
    area: &Area,
    p: Rect,
    axis: &Axis,
    caption: &str,
    label: &dyn Fn(f64) -> String,
) -> Result<(), PlotError> {
    for &v in &axis.ticks {
        let y = py(p, axis, v);
        line(area, vec![(p.x, y), (p.right(), y)], stroke(opaque(GRID), 1))?;
        text(area, &label(v), (p.x - 6, y), TICK_FONT, HPos::Right, VPos::Center)?;
    }
    let caption = fit(caption, CAPTION_FONT, p.w);
    text(area, &caption, (p.x, p.y - CAPTION_H / 2 - 2), CAPTION_FONT, HPos::Left, VPos::Center)
}

/// A step line through `(minute, value)` points, each value held until the next point (the last until `end`).
fn steps(points: &[(u64, f64)], end: u64, t: &TimeAxis, p: Rect, axis: &Axis) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    for (k, &(at, v)) in points.iter().enumerate() {
        if at > end {
            break;
        }
        let next = points.get(k + 1).map_or(end, |n| n.0.min(end));
        let y = py(p, axis, v);
        out.push((t.x(at), y));
        out.push((t.x(next), y));
    }
    out
}

#[cfg(test)]
mod tests;
