//! The drawing: layout, panels, legend, on plotters' SVG backend.

mod legend;
mod scale;
pub(crate) mod style;
pub(crate) mod talks;

use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::MAX_OUTCOME_MARKERS;
use crate::error::PlotError;
use crate::input::{AnalysisFigure, Offer, View};
use legend::*;
use scale::*;
use style::*;

/// Draws the figure for `view` and returns the SVG document.
pub(crate) fn svg(view: &View) -> Result<String, PlotError> {
    view.validate()?;
    let fig = Figure::new(view);
    let layout = Layout::new(&fig);
    document(layout.width, layout.height, fig.title(), |root| draw_figure(root, &fig, &layout))
}

/// An SVG document of `width` × `height` pixels on a white ground, drawn by `draw`, named `title`.
pub(crate) fn document(
    width: i32,
    height: i32,
    title: &str,
    draw: impl FnOnce(&Area) -> Result<(), PlotError>,
) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(backend)?;
        draw(&root)?;
        root.present().map_err(backend)?;
    }
    let mut svg = tidy_font_sizes(&svg);
    // A <title> names the document (browser tabs, screen readers).
    if let Some(end) = svg.find('>') {
        svg.insert_str(end + 1, &format!("\n<title>{}</title>", xml_escape(title)));
    }
    Ok(svg)
}

/// Escapes text for an SVG element or attribute.
pub(crate) fn xml_escape(s: &str) -> String {
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

fn backend<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Backend(e.to_string())
}

/// The input, checked, with everything the panels share.
struct Figure<'a> {
    input: &'a AnalysisFigure,
    offers: &'a [Offer],
    agreement: Option<&'a [f64]>,
    n: usize,
    names: Vec<String>,
    axes: Vec<Axis>,
    time: Axis,
    reservations: Vec<Option<f64>>,
    agreement_t: Option<f64>,
}

impl<'a> Figure<'a> {
    fn new(view: &View<'a>) -> Figure<'a> {
        let (input, offers, agreement) = (view.analysis, view.offers, view.agreement);
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
                .map(Vec::as_slice)
                .chain(agreement)
                .chain(offers.iter().map(|o| o.utilities.as_slice()))
        };
        let axes = (0..n)
            .map(|p| {
                let values = points().filter_map(|u| u.get(p).copied()).chain(reservations[p]);
                let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
                Axis::covering(min, max, 6)
            })
            .collect();
        let (tmin, tmax) =
            offers.iter().map(|o| o.t).chain(view.agreement_t).fold((0.0f64, 1.0f64), |(a, b), t| (a.min(t), b.max(t)));
        let mut time = Axis::covering(tmin, tmax, 5);
        time.lo = tmin - (tmax - tmin) * 0.02;
        time.hi = tmax + (tmax - tmin) * 0.02;
        let agreement_t = view.agreement_t.or_else(|| {
            let a = agreement?;
            offers.iter().rev().find(|o| o.utilities.as_slice() == a).map(|o| o.t)
        });
        Figure { input, offers, agreement, n, names, axes, time, reservations, agreement_t }
    }

    /// The title as drawn (before shortening) and as the document's `<title>`.
    fn title(&self) -> &str {
        let title = self.input.title.trim();
        if title.is_empty() { "Negotiation" } else { title }
    }

    fn has_offers(&self) -> bool {
        !self.offers.is_empty()
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
    fit_by(s, font, max_px, |chars, k| {
        let mut t: String = chars[..k].iter().collect::<String>().trim_end().to_string();
        t.push('…');
        t
    })
}

/// `s`, with its middle replaced by "…" if needed so that it is at most `max_px` wide in `font`.
fn fit_middle(s: &str, font: Font, max_px: i32) -> String {
    fit_by(s, font, max_px, |chars, k| {
        let (head, tail) = (k.div_ceil(2), k / 2);
        let mut t: String = chars[..head].iter().collect();
        t.push('…');
        t.extend(&chars[chars.len() - tail..]);
        t
    })
}

/// `s` if it fits in `max_px`, else the longest `shorten(chars, k)` (k characters kept) that fits, else "…".
fn fit_by(s: &str, font: Font, max_px: i32, shorten: impl Fn(&[char], usize) -> String) -> String {
    if text_width(s, font) <= max_px {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    (1..chars.len())
        .rev()
        .map(|k| shorten(&chars, k))
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
// Drawing

fn draw_figure(area: &Area, fig: &Figure, layout: &Layout) -> Result<(), PlotError> {
    let title = shorten(fig.title(), 110);
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
    draw_legend(area, &layout.legend, layout.legend_top, layout.content_x, layout.width)
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
        let pts: Vec<(i32, i32)> = fig.offers.iter().filter(|o| o.party == q).map(|o| at(&o.utilities)).collect();
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
    if let Some(a) = fig.agreement {
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
            fig.offers.iter().filter(|o| o.party == q).map(|o| frame.map(o.t, o.utilities[p])).collect();
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
    if let (Some(a), Some(t)) = (fig.agreement, fig.agreement_t) {
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

#[cfg(test)]
mod tests;
