//! `--plot FILE.svg`: the negotiation figure's data from an analysis (and a run), drawn by `entente-plot`.

use std::path::Path;

use anyhow::Context as _;
use entente_core::UtilityFunction;
use entente_core::analysis::DomainAnalysis;
use entente_plot::{AnalysisFigure, Offer, RunFigure};
use entente_protocols::scenario::{RunReport, Scenario};

/// At most this many outcome points go to a figure (the plot thins further).
const PLOT_SAMPLE: u128 = 200_000;

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
    // All outcomes of small spaces; an even sample of large ones (every k-th outcome).
    let step = n.div_ceil(PLOT_SAMPLE).max(1);
    let mut outcomes = Vec::with_capacity(n.min(PLOT_SAMPLE) as usize);
    let mut values = vec![0u32; scenario.space.issues().len()];
    let mut o: u128 = 0;
    while o < n {
        scenario.space.values_into(o, &mut values)?;
        outcomes.push(scenario.parties.iter().map(|p| p.utility.utility(&values)).collect());
        o += step;
    }
    let s = &a.solutions;
    let nash = s.nash_negmas.first().or(s.nash_genius.as_ref()).map(|p| p.utilities.clone());
    let subtitle = {
        let mut parts = vec![format!("{n} outcomes"), format!("{} Pareto-optimal", a.pareto.distinct)];
        if step > 1 {
            parts.push(format!("every {step}th outcome drawn"));
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
