//! The legend below the panels: which marks appear, in rows that fit the figure's width.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::*;
use super::{Figure, backend};
use crate::error::PlotError;
use crate::talks::MarkerKind;

#[derive(Clone, Debug)]
pub(super) enum Swatch {
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
    /// A filled patch of a colour (a clause's state; a shaded region).
    Patch(RGBAColor),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct ShapeKind {
    pub(super) shape: ShapeId,
    pub(super) colour: RGBColor,
}

/// `Shape` without drawing data, for the legend (Debug for the layout).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ShapeId {
    Outcome,
    Pareto,
    Nash,
    Ks,
    Agreement,
    Offer,
    Received,
    /// A marker of the talks figure.
    Talks(MarkerKind),
}

#[derive(Clone, Debug)]
pub(super) struct LegendItem {
    pub(super) swatch: Swatch,
    pub(super) label: String,
    /// Items of a new group start a new row: the analysis's marks, then the offers.
    pub(super) group: u8,
}

pub(super) const LEGEND_ROW_H: i32 = 24;
pub(super) const SWATCH_W: i32 = 32;

pub(super) fn legend_items(fig: &Figure) -> Vec<LegendItem> {
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
    if fig.agreement.is_some() {
        items.push(item(Swatch::Marker(ShapeKind { shape: ShapeId::Agreement, colour: STAR }), "agreement"));
    }
    if fig.has_reservation() {
        items.push(item(Swatch::Reservation, "reservation value (shaded: below it)"));
    }
    for p in 0..fig.n {
        if fig.offers.iter().any(|o| o.party == p) {
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

pub(super) fn legend_item_width(item: &LegendItem) -> i32 {
    SWATCH_W + 8 + text_width(&item.label, LEGEND_FONT) + 26
}

/// Splits the legend into rows that fit `width`: (first item, items in the row).
pub(super) fn legend_rows(items: &[LegendItem], width: i32) -> Vec<(usize, usize)> {
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

pub(super) fn draw_swatch_marker(area: &Area, kind: ShapeKind, c: (i32, i32)) -> Result<(), PlotError> {
    match kind.shape {
        ShapeId::Outcome => marker(area, Shape::Circle, c, 3, kind.colour, None),
        ShapeId::Pareto => marker(area, Shape::Square, c, 3, kind.colour, None),
        ShapeId::Nash => marker(area, Shape::Diamond, c, 5, NASH, Some(WHITE)),
        ShapeId::Ks => marker(area, Shape::Triangle, c, 5, KS_FILL, Some(NASH)),
        ShapeId::Agreement => marker(area, Shape::Star, c, 10, STAR, Some(STAR_EDGE)),
        ShapeId::Offer => marker(area, Shape::Circle, c, 3, kind.colour, None),
        ShapeId::Received => marker(area, Shape::HollowCircle, c, 3, kind.colour, None),
        ShapeId::Talks(k) => match k {
            MarkerKind::Instruction => marker(area, Shape::Diamond, c, 5, kind.colour, Some(WHITE)),
            MarkerKind::Statement => marker(area, Shape::HollowCircle, c, 5, kind.colour, None),
            MarkerKind::Tabled => marker(area, Shape::Square, c, 4, kind.colour, Some(WHITE)),
            MarkerKind::Incident => marker(area, Shape::Triangle, c, 5, kind.colour, Some(WHITE)),
            MarkerKind::Vote => marker(area, Shape::Circle, c, 5, kind.colour, Some(WHITE)),
            MarkerKind::End => marker(area, Shape::Star, c, 8, kind.colour, Some(STAR_EDGE)),
        },
    }
}

/// Draws the legend `items` in rows from `top`, from `content_x` to the right margin of a figure `width` wide.
pub(super) fn draw_legend(
    area: &Area,
    items: &[LegendItem],
    top: i32,
    content_x: i32,
    width: i32,
) -> Result<(), PlotError> {
    let rows = legend_rows(items, width - MARGIN - content_x);
    if rows.is_empty() {
        return Ok(());
    }
    // A hairline above the legend separates it from the panels.
    let sep_y = top - 4;
    line(area, vec![(MARGIN, sep_y), (width - MARGIN, sep_y)], stroke(opaque(GRID), 1))?;
    for (r, &(start, count)) in rows.iter().enumerate() {
        let cy = top + r as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let mut x = content_x;
        for item in &items[start..start + count] {
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
                Swatch::Patch(colour) => {
                    area.draw(&Rectangle::new([(x, cy - 7), (x + SWATCH_W, cy + 7)], fill(*colour)))
                        .map_err(backend)?;
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
