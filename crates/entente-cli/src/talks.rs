//! `entente talks`: a round of mediated talks, simulated, with its transcript.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use entente_formats::talks_toml::{parse_talks, read_talks};
use entente_talks::log::Role;
use entente_talks::measures::{measures, measures_text};
use entente_talks::transcript::transcript;

/// The embedded default talks (`scenarios/istanbul-2025.toml`).
pub const DEFAULT_TALKS: &str = include_str!("../../../scenarios/istanbul-2025.toml");
pub const DEFAULT_TALKS_NAME: &str = "scenarios/istanbul-2025.toml (embedded)";

#[derive(Args)]
pub struct TalksArgs {
    /// A scenario file with a [talks] table. Default: the reference case (embedded).
    pub scenario: Option<PathBuf>,
    /// List every move of the package protocol.
    #[arg(long)]
    pub verbose: bool,
    /// Print the whole run as JSON (log, texts, clauses, ending, assessment, baseline).
    #[arg(long)]
    pub json: bool,
    /// Print the log as one role may see it, as JSON (with the names of issues, values, clauses and
    /// actors): a party's name, "mediator" or "observer".
    #[arg(long, value_name = "ROLE")]
    pub export: Option<String>,
    /// Run a counterfactual instead: unified, no-injection, guarantor-consents.
    #[arg(long, value_parser = ["unified", "no-injection", "guarantor-consents"])]
    pub counterfactual: Option<String>,
    /// Seed of the talks' random draws (the breakdown risk of incidents), instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Draw the round to this SVG file: sessions, clause lanes, markers, closure and utilities over time. With
    /// --export ROLE, only what that role may see; with --counterfactual, the base round above the changed one.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

pub fn run(args: TalksArgs) -> anyhow::Result<ExitCode> {
    let mut base = match &args.scenario {
        Some(p) => read_talks(p)?,
        None => parse_talks(DEFAULT_TALKS, Path::new(DEFAULT_TALKS_NAME))?,
    };
    if let Some(seed) = args.seed {
        base.seed = seed;
    }
    // JSON output is one document on stdout: the counterfactual goes into it (and to stderr for
    // `--export`, whose document is the log alone), the sentence to the text only.
    let machine = args.json || args.export.is_some();
    let mut counterfactual = None;
    let talks = match args.counterfactual.as_deref() {
        Some(name) => {
            let which = entente_talks::model::Counterfactual::ALL
                .into_iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| anyhow::anyhow!("unknown counterfactual {name:?}"))?;
            if args.export.is_some() {
                eprintln!("note: counterfactual: {}.", which.describe());
            } else if !machine {
                outln!("Counterfactual: {}.\n", which.describe());
            }
            counterfactual = Some(serde_json::json!({"name": which.name(), "description": which.describe()}));
            base.counterfactual(which)?
        }
        None => base.clone(),
    };
    let run = entente_talks::simulate(&talks)?;
    let measures = measures(&talks, &run)?;
    let role = args
        .export
        .as_deref()
        .map(|r| Role::named(&talks, r).map_err(|e| anyhow::anyhow!("--export {e}")))
        .transpose()?;
    if let Some(path) = &args.plot {
        let figure = match args.counterfactual.as_deref() {
            Some(name) => {
                let base_run = entente_talks::simulate(&base)?;
                let changed = format!("counterfactual: {name}");
                entente_talks::figure::compare_figure((&base, &base_run), (&talks, &run), &changed, role)?
            }
            None => entente_talks::figure::talks_figure(&talks, &run, role)?,
        };
        crate::figure::write_svg(path, &entente_plot::render_talks(&figure)?)?;
        eprintln!("Figure written to {}", path.display());
    }
    if let Some(role) = role {
        outln!("{}", serde_json::to_string_pretty(&entente_talks::Export::new(&talks, &run, role))?);
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"schema": entente_talks::SCHEMA, "talks": talks.scenario.name,
                    "counterfactual": counterfactual, "run": run, "measures": measures})
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    out!("{}", transcript(&talks, &run, args.verbose));
    out!("\n{}", measures_text(&measures, &talks));
    Ok(ExitCode::SUCCESS)
}
