//! Estimates with confidence intervals, as SVG: an interval chart (points with whiskers against a numeric or
//! categorical x axis, one series per colour; e.g. a sweep's probability of agreement against a varied
//! parameter) and a ranking (one row per entry, best first, its estimate and interval on a common axis; e.g. a
//! tournament's ratings).
//!
//! The SVG is written as text, without a backend: the same input gives the same bytes.
//!
//! ```
//! use entente_plot::intervals::{IntervalChart, IntervalPoint, IntervalSeries, render_intervals};
//!
//! let chart = IntervalChart {
//!     title: "P(agreement)".into(),
//!     x_label: "reservation of the buyer".into(),
//!     y_label: "probability of agreement".into(),
//!     y_range: Some((0.0, 1.0)),
//!     series: vec![IntervalSeries {
//!         name: "all".into(),
//!         points: vec![IntervalPoint { x: 0.1, y: 1.0, low: 0.96, high: 1.0 }],
//!     }],
//!     ..IntervalChart::default()
//! };
//! assert!(render_intervals(&chart)?.starts_with("<svg"));
//! # Ok::<(), entente_plot::intervals::ChartError>(())
//! ```

use crate::render::xml_escape;
use std::fmt::Write as _;

/// Why a chart could not be drawn.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// Nothing to draw.
    #[error("cannot plot: {0} is empty")]
    Empty(&'static str),
    /// A value that is NaN or infinite.
    #[error("cannot plot: {what} is {value} (not finite)")]
    NotFinite {
        /// Which value.
        what: String,
        /// The value.
        value: f64,
    },
    /// A categorical x that is not the index of a category.
    #[error("cannot plot: point {point} of series {series:?} has x = {x}, not a category index below {categories}")]
    Category {
        /// The series' name.
        series: String,
        /// The point's index.
        point: usize,
        /// Its x.
        x: f64,
        /// How many categories there are.
        categories: usize,
    },
}

/// A point estimate `y` at `x` with its interval `[low, high]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IntervalPoint {
    /// Position on the x axis (the category's index for a categorical axis).
    pub x: f64,
    /// The estimate.
    pub y: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// Points of one colour, joined by a line when the chart says so.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntervalSeries {
    /// Its name in the legend.
    pub name: String,
    /// Its points, drawn in this order.
    pub points: Vec<IntervalPoint>,
}

/// Estimates with intervals against a numeric or categorical x axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntervalChart {
    /// The title.
    pub title: String,
    /// A line under the title.
    pub subtitle: Option<String>,
    /// The x axis' label.
    pub x_label: String,
    /// The y axis' label.
    pub y_label: String,
    /// Labels of a categorical x axis (a point's `x` is then its category's index); `None`: numeric x.
    pub categories: Option<Vec<String>>,
    /// A fixed y range (e.g. `(0, 1)` for probabilities); `None`: from the data.
    pub y_range: Option<(f64, f64)>,
    /// The series (a legend is drawn when there are two or more).
    pub series: Vec<IntervalSeries>,
    /// Join each series' points with a line.
    pub lines: bool,
}

/// One entry of a ranking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RankRow {
    /// Its name.
    pub name: String,
    /// The estimate.
    pub value: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// A ranking: one row per entry, top to bottom in the given order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RankingFigure {
    /// The title.
    pub title: String,
    /// A line under the title.
    pub subtitle: Option<String>,
    /// The axis' label (what the estimates are).
    pub x_label: String,
    /// The entries, best first.
    pub rows: Vec<RankRow>,
    /// Draw a dashed reference line at this value (e.g. 0 for centred ratings).
    pub reference: Option<f64>,
}

const PALETTE: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const FONT: &str = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

/// A conservative text width in pixels (DejaVu Sans is about 0.62 em wide on average).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.62
}

fn finite(what: impl FnOnce() -> String, value: f64) -> Result<(), ChartError> {
    if value.is_finite() { Ok(()) } else { Err(ChartError::NotFinite { what: what(), value }) }
}

/// Ticks at 1, 2 or 5 times a power of ten covering `[lo, hi]`, about `target` of them.
fn ticks(lo: f64, hi: f64, target: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| span / s <= target * 1.5).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn fmt_tick(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `[lo, hi]` widened by a margin, and made non-degenerate.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 { lo.abs() * 0.1 } else { 1.0 };
        (lo - d, hi + d)
    } else {
        let m = (hi - lo) * 0.05;
        (lo - m, hi + m)
    }
}

struct Svg {
    out: String,
}

impl Svg {
    fn new(width: f64, height: f64, title: &str) -> Svg {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
             xmlns=\"http://www.w3.org/2000/svg\">"
        );
        let _ = writeln!(out, "<title>{}</title>", xml_escape(title));
        let _ = writeln!(out, "<rect x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>");
        Svg { out }
    }
    fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, s: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" {FONT} text-anchor=\"{anchor}\"{extra}>{}</text>",
            xml_escape(s)
        );
    }
    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), colour: &str, width: f64, extra: &str) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" \
             stroke-width=\"{width}\"{extra}/>"
        );
    }
    fn circle(&mut self, x: f64, y: f64, r: f64, colour: &str) {
        let _ = writeln!(self.out, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\" fill=\"{colour}\"/>");
    }
    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// Draws an interval chart and returns the SVG document.
///
/// # Errors
///
/// No series or no point; a value that is not finite; a categorical x that is not a category's index.
pub fn render_intervals(chart: &IntervalChart) -> Result<String, ChartError> {
    if chart.series.iter().all(|s| s.points.is_empty()) {
        return Err(ChartError::Empty("the chart's series"));
    }
    let n_cat = chart.categories.as_ref().map(|c| c.len());
    for s in &chart.series {
        for (k, p) in s.points.iter().enumerate() {
            for (name, v) in [("x", p.x), ("y", p.y), ("low", p.low), ("high", p.high)] {
                finite(|| format!("{name} of point {k} of series {:?}", s.name), v)?;
            }
            if let Some(n) = n_cat
                && (p.x < 0.0 || p.x.fract() != 0.0 || p.x as usize >= n)
            {
                return Err(ChartError::Category { series: s.name.clone(), point: k, x: p.x, categories: n });
            }
        }
    }
    let points = || chart.series.iter().flat_map(|s| s.points.iter());
    let (x_lo, x_hi) = match n_cat {
        Some(n) => (-0.5, n as f64 - 0.5),
        None => {
            let lo = points().map(|p| p.x).fold(f64::INFINITY, f64::min);
            let hi = points().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
            padded(lo, hi)
        }
    };
    let (y_lo, y_hi) = match chart.y_range {
        Some((a, b)) if a.is_finite() && b.is_finite() && b > a => (a - (b - a) * 0.03, b + (b - a) * 0.03),
        _ => {
            let lo = points().map(|p| p.low.min(p.y)).fold(f64::INFINITY, f64::min);
            let hi = points().map(|p| p.high.max(p.y)).fold(f64::NEG_INFINITY, f64::max);
            padded(lo, hi)
        }
    };
    let legend = chart.series.len() > 1;
    let (width, plot_h) = (760.0, 380.0);
    let (left, right, top) = (78.0, 24.0, if chart.subtitle.is_some() { 70.0 } else { 52.0 });
    let legend_rows = if legend { chart.series.len().div_ceil(3) } else { 0 };
    let bottom = 62.0 + legend_rows as f64 * 20.0;
    let height = top + plot_h + bottom;
    let plot_w = width - left - right;
    let sx = |x: f64| left + (x - x_lo) / (x_hi - x_lo) * plot_w;
    let sy = |y: f64| top + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h;
    let mut svg = Svg::new(width, height, &chart.title);
    svg.text(width / 2.0, 26.0, 17.0, "middle", " font-weight=\"bold\"", &chart.title);
    if let Some(sub) = &chart.subtitle {
        svg.text(width / 2.0, 48.0, 12.0, "middle", " fill=\"#444444\"", sub);
    }
    // Frame, grid, ticks.
    let y_ticks = match chart.y_range {
        Some((a, b)) if b > a => ticks(a, b, 5.0),
        _ => ticks(y_lo, y_hi, 5.0),
    };
    for &t in &y_ticks {
        svg.line((left, sy(t)), (left + plot_w, sy(t)), "#e5e5e5", 1.0, "");
        svg.text(left - 8.0, sy(t) + 4.0, 11.0, "end", "", &fmt_tick(t));
    }
    match &chart.categories {
        Some(cats) => {
            let every = (cats.len() as f64 / 12.0).ceil().max(1.0) as usize;
            for (k, c) in cats.iter().enumerate().filter(|(k, _)| k % every == 0) {
                let x = sx(k as f64);
                svg.line((x, top + plot_h), (x, top + plot_h + 5.0), "#333333", 1.0, "");
                svg.text(x, top + plot_h + 19.0, 11.0, "middle", "", c);
            }
        }
        None => {
            for t in ticks(x_lo, x_hi, 8.0) {
                let x = sx(t);
                svg.line((x, top), (x, top + plot_h), "#f0f0f0", 1.0, "");
                svg.line((x, top + plot_h), (x, top + plot_h + 5.0), "#333333", 1.0, "");
                svg.text(x, top + plot_h + 19.0, 11.0, "middle", "", &fmt_tick(t));
            }
        }
    }
    let _ = writeln!(
        svg.out,
        "<rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{plot_w:.1}\" height=\"{plot_h:.1}\" fill=\"none\" \
         stroke=\"#333333\" stroke-width=\"1\"/>"
    );
    svg.text(left + plot_w / 2.0, top + plot_h + 40.0, 13.0, "middle", "", &chart.x_label);
    let (yx, yy) = (20.0, top + plot_h / 2.0);
    svg.text(yx, yy, 13.0, "middle", &format!(" transform=\"rotate(-90 {yx:.1} {yy:.1})\""), &chart.y_label);
    // Data: with several series, each is nudged sideways so that whiskers at the same x stay apart.
    let m = chart.series.len();
    let nudge = |i: usize| if m > 1 { (i as f64 - (m - 1) as f64 / 2.0) * 4.0 } else { 0.0 };
    for (i, s) in chart.series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        if chart.lines && s.points.len() > 1 {
            let path: Vec<String> =
                s.points.iter().map(|p| format!("{:.1},{:.1}", sx(p.x) + nudge(i), sy(p.y))).collect();
            let _ = writeln!(
                svg.out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" opacity=\"0.8\"/>",
                path.join(" ")
            );
        }
        for p in &s.points {
            let x = sx(p.x) + nudge(i);
            svg.line((x, sy(p.low)), (x, sy(p.high)), colour, 1.5, "");
            svg.line((x - 4.0, sy(p.low)), (x + 4.0, sy(p.low)), colour, 1.5, "");
            svg.line((x - 4.0, sy(p.high)), (x + 4.0, sy(p.high)), colour, 1.5, "");
            svg.circle(x, sy(p.y), 3.5, colour);
        }
    }
    if legend {
        let y0 = top + plot_h + 60.0;
        let col_w = plot_w / 3.0;
        for (i, s) in chart.series.iter().enumerate() {
            let (x, y) = (left + (i % 3) as f64 * col_w, y0 + (i / 3) as f64 * 20.0);
            let colour = PALETTE[i % PALETTE.len()];
            svg.line((x, y - 4.0), (x + 18.0, y - 4.0), colour, 2.0, "");
            svg.circle(x + 9.0, y - 4.0, 3.5, colour);
            let max_chars = ((col_w - 30.0) / (11.0 * 0.62)) as usize;
            let name: String = if s.name.chars().count() > max_chars {
                s.name.chars().take(max_chars.saturating_sub(1)).chain(['…']).collect()
            } else {
                s.name.clone()
            };
            svg.text(x + 24.0, y, 11.0, "start", "", &name);
        }
    }
    Ok(svg.finish())
}

/// Draws a ranking and returns the SVG document.
///
/// # Errors
///
/// No row; a value that is not finite.
pub fn render_ranking(fig: &RankingFigure) -> Result<String, ChartError> {
    if fig.rows.is_empty() {
        return Err(ChartError::Empty("the ranking's rows"));
    }
    for r in &fig.rows {
        for (name, v) in [("value", r.value), ("low", r.low), ("high", r.high)] {
            finite(|| format!("{name} of {:?}", r.name), v)?;
        }
    }
    if let Some(r) = fig.reference {
        finite(|| "the reference".into(), r)?;
    }
    let lo = fig.rows.iter().map(|r| r.low.min(r.value)).chain(fig.reference).fold(f64::INFINITY, f64::min);
    let hi = fig.rows.iter().map(|r| r.high.max(r.value)).chain(fig.reference).fold(f64::NEG_INFINITY, f64::max);
    let (x_lo, x_hi) = padded(lo, hi);
    let name_w =
        fig.rows.iter().map(|r| text_width(&format!("{}. {}", fig.rows.len(), r.name), 12.0)).fold(0.0, f64::max);
    let left = (name_w + 24.0).max(90.0);
    let (width, right, top) = (left + 560.0, 24.0, if fig.subtitle.is_some() { 70.0 } else { 52.0 });
    let row_h = 26.0;
    let plot_h = row_h * fig.rows.len() as f64;
    let height = top + plot_h + 60.0;
    let plot_w = width - left - right;
    let sx = |x: f64| left + (x - x_lo) / (x_hi - x_lo) * plot_w;
    let mut svg = Svg::new(width, height, &fig.title);
    svg.text(width / 2.0, 26.0, 17.0, "middle", " font-weight=\"bold\"", &fig.title);
    if let Some(sub) = &fig.subtitle {
        svg.text(width / 2.0, 48.0, 12.0, "middle", " fill=\"#444444\"", sub);
    }
    for t in ticks(x_lo, x_hi, 8.0) {
        let x = sx(t);
        svg.line((x, top), (x, top + plot_h), "#e5e5e5", 1.0, "");
        svg.line((x, top + plot_h), (x, top + plot_h + 5.0), "#333333", 1.0, "");
        svg.text(x, top + plot_h + 19.0, 11.0, "middle", "", &fmt_tick(t));
    }
    if let Some(r) = fig.reference {
        svg.line((sx(r), top), (sx(r), top + plot_h), "#888888", 1.0, " stroke-dasharray=\"4 3\"");
    }
    let _ = writeln!(
        svg.out,
        "<rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{plot_w:.1}\" height=\"{plot_h:.1}\" fill=\"none\" \
         stroke=\"#333333\" stroke-width=\"1\"/>"
    );
    for (k, r) in fig.rows.iter().enumerate() {
        let y = top + row_h * (k as f64 + 0.5);
        svg.text(left - 10.0, y + 4.0, 12.0, "end", "", &format!("{}. {}", k + 1, r.name));
        let colour = PALETTE[0];
        svg.line((sx(r.low), y), (sx(r.high), y), colour, 2.0, "");
        svg.line((sx(r.low), y - 5.0), (sx(r.low), y + 5.0), colour, 1.5, "");
        svg.line((sx(r.high), y - 5.0), (sx(r.high), y + 5.0), colour, 1.5, "");
        svg.circle(sx(r.value), y, 4.5, colour);
    }
    svg.text(left + plot_w / 2.0, top + plot_h + 42.0, 13.0, "middle", "", &fig.x_label);
    Ok(svg.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> IntervalChart {
        IntervalChart {
            title: "t <&>".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            y_range: Some((0.0, 1.0)),
            series: vec![
                IntervalSeries {
                    name: "a".into(),
                    points: vec![
                        IntervalPoint { x: 0.0, y: 0.0, low: 0.0, high: 0.3 },
                        IntervalPoint { x: 1.0, y: 1.0, low: 0.9, high: 1.0 },
                    ],
                },
                IntervalSeries {
                    name: "b".into(),
                    points: vec![IntervalPoint { x: 0.5, y: 0.5, low: 0.2, high: 0.8 }],
                },
            ],
            lines: true,
            ..IntervalChart::default()
        }
    }

    #[test]
    fn chart_is_deterministic_escaped_and_complete() {
        let a = render_intervals(&chart()).unwrap();
        assert_eq!(a, render_intervals(&chart()).unwrap());
        assert!(a.starts_with("<svg") && a.trim_end().ends_with("</svg>"));
        assert!(a.contains("t &lt;&amp;&gt;") && !a.contains("t <&>"));
        assert_eq!(a.matches("<circle").count(), 3 + 2, "three points and two legend marks");
        assert_eq!(a.matches("<polyline").count(), 1, "only series a has two points");
    }

    #[test]
    fn bad_charts_are_refused() {
        let mut c = chart();
        c.series[0].points[0].y = f64::NAN;
        assert!(matches!(render_intervals(&c), Err(ChartError::NotFinite { .. })));
        let mut c = chart();
        c.categories = Some(vec!["one".into()]);
        assert!(matches!(render_intervals(&c), Err(ChartError::Category { .. })));
        assert!(matches!(render_intervals(&IntervalChart::default()), Err(ChartError::Empty(_))));
        assert!(matches!(render_ranking(&RankingFigure::default()), Err(ChartError::Empty(_))));
    }

    #[test]
    fn ranking_has_one_row_per_entry() {
        let fig = RankingFigure {
            title: "ranking".into(),
            x_label: "rating".into(),
            rows: vec![
                RankRow { name: "first".into(), value: 0.5, low: 0.2, high: 0.8 },
                RankRow { name: "second".into(), value: -0.5, low: -0.8, high: -0.2 },
            ],
            reference: Some(0.0),
            ..RankingFigure::default()
        };
        let svg = render_ranking(&fig).unwrap();
        assert!(svg.contains(">1. first<") && svg.contains(">2. second<"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 1.0, 5.0), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!(fmt_tick(0.6000000000000001), "0.6");
    }
}
