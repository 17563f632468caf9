//! The standard negotiation figure of entente, as an SVG document, drawn from plain data.
//!
//! [`render_analysis`] draws a domain's analysis ([`AnalysisFigure`]); [`render_run`] draws a negotiation
//! ([`RunFigure`]: the analysis, the offers and the agreement). Both return the SVG text; writing it somewhere is
//! the caller's business. The input is plain data (names and utility vectors), independent of how it was
//! computed: this crate depends on no other crate of entente.
//!
//! * **the utility plane** (x = one party's utility, y = another's): every outcome as a light dot, the Pareto
//!   frontier, the Nash and Kalai–Smorodinsky points (labelled), each party's offers as a trajectory in its
//!   colour, the agreement as a star, the reservation values as dashed lines with the region below them shaded.
//!   Two parties get one plane; three or more get one plane per pair of parties (i < j), a pairwise projection.
//! * **utility over time**, one panel per party: the utility *to that party* of its own offers (solid line,
//!   filled dots) and of the offers it received (dashed lines, hollow dots, in the proposer's colour), its
//!   reservation line and the agreement. Left out when there are no offers (an analysis).
//! * a title, an optional subtitle and a legend below the panels (it never covers data).
//!
//! A party has the same colour in every panel. The output depends only on the input: the same input gives the
//! same bytes (the renderer reads no clock, no file and no environment). Text is written as SVG `<text>` (no font
//! is needed to produce the file; the viewer picks a sans-serif font); layout uses a conservative width estimate
//! (DejaVu Sans metrics, wider than Helvetica or Arial), so labels keep clear of each other whatever font renders
//! them.
//!
//! Very large outcome sets are thinned deterministically: dots falling in the same 3-pixel cell are drawn once
//! (invisible at this dot size), and if more than [`MAX_OUTCOME_MARKERS`] remain in a panel, every k-th is kept
//! together with the extreme outcomes (lowest and highest on each axis); the panel's caption then says so.
//!
//! ```
//! use entente_plot::{AnalysisFigure, Offer, RunFigure, render_analysis, render_run};
//!
//! let analysis = AnalysisFigure {
//!     title: "Two outcomes".into(),
//!     party_names: vec!["buyer".into(), "seller".into()],
//!     outcomes: vec![vec![0.2, 0.9], vec![0.8, 0.4]],
//!     pareto: vec![vec![0.2, 0.9], vec![0.8, 0.4]],
//!     reservations: vec![Some(0.1), None],
//!     ..AnalysisFigure::default()
//! };
//! let svg = render_analysis(&analysis)?;
//! assert!(svg.starts_with("<svg"));
//!
//! let run = RunFigure {
//!     offers: vec![Offer { party: 0, t: 0.5, utilities: vec![0.8, 0.4] }],
//!     agreement: Some(vec![0.8, 0.4]),
//!     agreement_t: Some(0.5),
//!     analysis,
//! };
//! assert!(render_run(&run)?.contains("relative time"));
//! # Ok::<(), entente_plot::PlotError>(())
//! ```

#![warn(missing_docs)]

mod error;
mod input;
pub mod intervals;
mod render;
mod talks;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;

pub use error::{Datum, InvalidInput, PlotError};
pub use input::{AnalysisFigure, Offer, RunFigure};
pub use talks::{
    BlocCurves, ClauseLane, DelegationCurves, LaneState, MarkerKind, PartyCurves, SessionBand, TalksFigure,
    TalksMarker, TalksRound,
};

/// At most this many outcome dots per panel (after merging dots that fall on the same spot).
pub const MAX_OUTCOME_MARKERS: usize = 20_000;
/// The most parties a figure can show (45 pairwise planes).
pub const MAX_PARTIES: usize = 10;
/// The most rounds a talks figure shows one above the other.
pub const MAX_ROUNDS: usize = 4;

/// Draws the figure of an analysis (the utility plane or planes, no time panels) and returns the SVG document.
///
/// # Errors
///
/// [`PlotError::Invalid`] for input that cannot be drawn (fewer than 2 or more than [`MAX_PARTIES`] parties, a
/// utility vector of the wrong length, a value that is not finite); [`PlotError::Backend`] if drawing fails.
pub fn render_analysis(figure: &AnalysisFigure) -> Result<String, PlotError> {
    render::svg(&input::View::analysis(figure))
}

/// Draws the figure of a negotiation (the analysis, the offers, the agreement; utilities over time when there are
/// offers) and returns the SVG document.
///
/// # Errors
///
/// As [`render_analysis`]; besides, an offer by a party that does not exist, or a time that is not finite.
pub fn render_run(figure: &RunFigure) -> Result<String, PlotError> {
    render::svg(&input::View::run(figure))
}

/// Draws the figure of a round of talks (or of rounds one above the other, on one time axis) and returns the SVG
/// document: the sessions as bands with breaks compressed, one lane per clause coloured by its state over time
/// with its final state at the right edge, markers for instructions, statements, tabled items, incidents, the
/// vote and the end, the closure ratio, each party's utility of the text with its reservation value, and each
/// divided delegation's blocs with their reversion points.
///
/// # Errors
///
/// [`PlotError::Invalid`] for input that cannot be drawn (no round or more than [`MAX_ROUNDS`], a round without
/// sessions or with sessions out of order, a value that is not finite); [`PlotError::Backend`] if drawing fails.
pub fn render_talks(figure: &TalksFigure) -> Result<String, PlotError> {
    figure.validate()?;
    render::talks::svg(figure)
}
