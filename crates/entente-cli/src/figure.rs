//! `--plot FILE.svg`: the negotiation figure's data from an analysis (and a run), drawn by `entente-plot`.

use std::path::Path;

use anyhow::Context as _;
use entente_core::UtilityFunction;
use entente_core::analysis::DomainAnalysis;
use entente_plot::{AnalysisFigure, Offer, RunFigure};
use entente_protocols::scenario::{RunReport, Scenario};

/// At most this many outcome points go to a figure (the plot thins further).
const PLOT_SAMPLE: u128 = 200_000;
/// Seed of the uniform sample of a large space's outcomes (the same figure every time).
const PLOT_SEED: u64 = 0x005e_ed0f_9107;

/// splitmix64: the next number of a seeded sequence.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Why a scenario gets no figure, if it does not (more parties than a figure shows).
pub fn no_plot_reason(scenario: &Scenario) -> Option<String> {
    let p = scenario.parties.len();
    (p > entente_plot::MAX_PARTIES)
        .then(|| format!("no figure: {p} parties, and a figure shows at most {}", entente_plot::MAX_PARTIES))
}

/// Refuses a `--plot` file name that does not end in `.svg` (the figures are SVG), before any work.
pub fn check_svg_name(path: &Path) -> anyhow::Result<()> {
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
        anyhow::bail!(
            "--plot {}: the figure is written as SVG; give a file name ending in .svg (convert it to PNG afterwards \
             if needed, e.g. with rsvg-convert)",
            path.display()
        );
    }
    Ok(())
}

/// Draws the figure of `scenario`'s analysis (and of the negotiation `run`, when given) to the SVG file `path`.
pub fn write_plot(
    path: &Path,
    scenario: &Scenario,
    analysis: &DomainAnalysis,
    run: Option<&RunReport>,
) -> anyhow::Result<()> {
    let figure = analysis_figure(scenario, analysis, run)?;
    let svg = match run {
        Some(r) => entente_plot::render_run(&run_figure(figure, r))?,
        None => entente_plot::render_analysis(&figure)?,
    };
    write_svg(path, &svg)
}

/// Writes a figure's SVG text to `path`.
pub fn write_svg(path: &Path, svg: &str) -> anyhow::Result<()> {
    std::fs::write(path, svg).with_context(|| format!("cannot write the plot to {}", path.display()))
}

/// The figure of a domain; the subtitle counts the offers and rounds of `run`, when given.
fn analysis_figure(scenario: &Scenario, a: &DomainAnalysis, run: Option<&RunReport>) -> anyhow::Result<AnalysisFigure> {
    let n = scenario.space.cardinality();
    // All outcomes of small spaces; a seeded uniform sample of large ones (a stride would draw one slice of
    // the space on some domains, and show a gap to the frontier that does not exist).
    let sampled = n > PLOT_SAMPLE;
    let mut outcomes = Vec::with_capacity(n.min(PLOT_SAMPLE) as usize);
    let mut values = vec![0u32; scenario.space.issues().len()];
    let mut state = PLOT_SEED;
    for k in 0..n.min(PLOT_SAMPLE) {
        let o = if sampled {
            let wide = (u128::from(splitmix64(&mut state)) << 64) | u128::from(splitmix64(&mut state));
            wide % n
        } else {
            k
        };
        scenario.space.values_into(o, &mut values)?;
        outcomes.push(scenario.parties.iter().map(|p| p.utility.utility(&values)).collect());
    }
    let s = &a.solutions;
    let nash = s.nash_negmas.first().or(s.nash_genius.as_ref()).map(|p| p.utilities.clone());
    let subtitle = {
        let mut parts = vec![format!("{n} outcomes"), format!("{} Pareto-optimal", a.pareto.distinct)];
        if sampled {
            parts.push(format!("{PLOT_SAMPLE} drawn at random"));
        }
        if let Some(r) = run {
            parts.push(format!("{} offers", r.offers.len()));
            parts.push(format!("{} rounds", r.rounds));
        }
        Some(parts.join(" · "))
    };
    Ok(AnalysisFigure {
        title: scenario.name.clone(),
        subtitle,
        party_names: scenario.parties.iter().map(|p| p.name.clone()).collect(),
        outcomes,
        pareto: a.frontier.iter().map(|p| p.utilities.clone()).collect(),
        nash,
        kalai_smorodinsky: s.kalai_smorodinsky.as_ref().map(|p| p.utilities.clone()),
        reservations: scenario
            .parties
            .iter()
            .map(|p| {
                let r = p.utility.reservation();
                r.is_finite().then_some(r)
            })
            .collect(),
    })
}

/// The figure of the negotiation `r` over the domain of `analysis`.
fn run_figure(analysis: AnalysisFigure, r: &RunReport) -> RunFigure {
    RunFigure {
        analysis,
        offers: r.offers.iter().map(|o| Offer { party: o.party, t: o.t, utilities: o.utilities.clone() }).collect(),
        agreement: r.agreement.map(|_| r.utilities.clone()),
        agreement_t: Some(r.t),
    }
}
