//! Where a scenario comes from: entente's TOML file, a GENIUS folder, a
//! GeniusWeb folder, or the embedded default.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use entente_formats::{DEFAULT_REAL_STEPS, ReadOptions, folder_profiles, load_scenario, parse_scenario};
use entente_model::Scenario;

use crate::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME};

#[derive(Args, Clone, Debug)]
pub struct SourceArgs {
    /// A scenario file (.toml), a GENIUS folder (domain + profile XML files) or a
    /// GeniusWeb folder (domain + profile JSON files). Default: the embedded scenario.
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// How to read a scenario file or folder (shared by every command that reads one).
#[derive(Args, Clone, Debug)]
pub struct ReadArgs {
    /// Profiles to read from a folder, by file stem (comma-separated or repeated; at least 2).
    /// Default: the first two in file-name order (GENIUS preference-uncertainty profiles last).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub profiles: Option<Vec<String>>,
    /// Read every profile of the folder.
    #[arg(long, conflicts_with = "profiles")]
    pub all_profiles: bool,
    /// Points each real (continuous) GENIUS issue is negotiated over, bounds included
    /// (default: the count the file records, else 11).
    #[arg(long, value_name = "N")]
    pub real_steps: Option<u32>,
    /// NegMAS compatibility: read GENIUS discrete evaluations as written, without dividing
    /// by the maximum.
    #[arg(long)]
    pub raw_discrete: bool,
}

impl ReadArgs {
    /// Reads the scenario file or folder at `path`.
    pub fn load(&self, path: &Path) -> anyhow::Result<Scenario> {
        if self.real_steps.is_some_and(|n| n < 2) {
            bail!("--real-steps must be at least 2 (the default is {DEFAULT_REAL_STEPS})");
        }
        if let Some(n) = self.real_steps {
            crate::budget::check(
                (n as u128) * crate::budget::REAL_POINT_BYTES,
                format!("--real-steps {n}"),
                "give fewer points per real issue",
            )?;
        }
        let opts = ReadOptions { real_steps: self.real_steps, raw_discrete: self.raw_discrete };
        let profiles = if self.all_profiles { Some(folder_profiles(path)?) } else { self.profiles.clone() };
        Ok(load_scenario(path, profiles.as_deref(), &opts)?)
    }
}

impl SourceArgs {
    /// Loads the scenario the arguments name.
    pub fn load(&self) -> anyhow::Result<Scenario> {
        match &self.scenario {
            Some(path) => self.read.load(path),
            None if self.read.profiles.is_some() || self.read.all_profiles => {
                bail!("--profiles and --all-profiles need a GENIUS or GeniusWeb folder")
            }
            None => Ok(parse_scenario(DEFAULT_SCENARIO, Path::new(DEFAULT_SCENARIO_NAME))?),
        }
    }
}
