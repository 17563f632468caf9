//! `entente talks`: a round of mediated talks, simulated, with its transcript.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use entente_formats::talks_toml::{parse_talks, read_talks};
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
    /// Run a counterfactual instead: unified, no-injection, guarantor-consents.
    #[arg(long, value_parser = ["unified", "no-injection", "guarantor-consents"])]
    pub counterfactual: Option<String>,
}

pub fn run(args: TalksArgs) -> anyhow::Result<ExitCode> {
    let talks = match &args.scenario {
        Some(p) => read_talks(p)?,
        None => parse_talks(DEFAULT_TALKS, Path::new(DEFAULT_TALKS_NAME))?,
    };
    let talks = match args.counterfactual.as_deref() {
        Some(name) => {
            let which = entente_talks::model::Counterfactual::ALL
                .into_iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| anyhow::anyhow!("unknown counterfactual {name:?}"))?;
            println!("Counterfactual: {}.\n", which.describe());
            talks.counterfactual(which)?
        }
        None => talks,
    };
    let run = entente_talks::simulate(&talks)?;
    print!("{}", transcript(&talks, &run, args.verbose));
    Ok(ExitCode::SUCCESS)
}
