//! Where a scenario comes from: entente's TOML file, a GENIUS folder, a
//! GeniusWeb folder, or the embedded default.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use entente_formats::{ReadOptions, folder_profiles, load_scenario, parse_scenario};
use entente_protocols::scenario::Scenario;

use crate::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME};

#[derive(Args, Clone, Debug)]
pub struct SourceArgs {
    /// A scenario file (.toml), a GENIUS folder (domain + profile XML files) or a
    /// GeniusWeb folder (domain + profile JSON files). Default: the embedded scenario.
    pub scenario: Option<PathBuf>,
    /// Profiles to use from a folder, by file stem (comma-separated; at least 2).
    /// Default: the first two in file-name order.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub profiles: Option<Vec<String>>,
    /// Use every profile of the folder.
    #[arg(long, conflicts_with = "profiles")]
    pub all_profiles: bool,
    /// Points each real (continuous) issue of a GENIUS domain is negotiated over,
    /// bounds included (default: 11).
    #[arg(long, value_name = "N")]
    pub real_steps: Option<u32>,
    /// NegMAS compatibility: read GENIUS discrete evaluations as written, without
    /// dividing by the maximum.
    #[arg(long)]
    pub raw_discrete: bool,
}

impl SourceArgs {
    /// Loads the scenario the arguments name.
    pub fn load(&self) -> anyhow::Result<Scenario> {
        let Some(path) = &self.scenario else {
            if self.profiles.is_some() || self.all_profiles {
                bail!("--profiles and --all-profiles need a GENIUS or GeniusWeb folder");
            }
            return Ok(parse_scenario(DEFAULT_SCENARIO, Path::new(DEFAULT_SCENARIO_NAME))?);
        };
        if self.real_steps.is_some_and(|n| n < 2) {
            bail!("--real-steps must be at least 2");
        }
        let opts = ReadOptions { real_steps: self.real_steps, raw_discrete: self.raw_discrete };
        let profiles = if self.all_profiles { Some(folder_profiles(path)?) } else { self.profiles.clone() };
        Ok(load_scenario(path, profiles.as_deref(), &opts)?)
    }
}
