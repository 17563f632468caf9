//! File formats of entente.
//!
//! - entente's own scenario format (TOML: issues, parties, their utilities
//!   and negotiators, protocol settings): [`read_scenario`],
//!   [`write_scenario`]; the talks ([`talks_toml`]) and changes ([`whatif`]).
//! - GENIUS XML domains and profiles (linear additive and the ANAC 2014
//!   hyper-rectangles), read and written: [`read_genius`], [`write_genius`].
//! - GeniusWeb JSON domains and linear additive profiles, read and written:
//!   [`read_geniusweb`], [`write_geniusweb`].
//! - [`parity`]: NegMAS parity cases (negotiations with full offer traces).
//!
//! [`load_scenario`] reads any of the first three from a path: a `.toml` file,
//! a GENIUS folder or a GeniusWeb folder.

pub(crate) mod delegation_toml;
mod error;
mod genius;
mod geniusweb;
pub mod parity;
mod scenario;
pub mod talks_toml;
pub mod whatif;

use std::path::Path;

use entente_model::Scenario;

pub use delegation_toml::DelegationWriteError;
pub use error::FormatError;
pub use genius::{
    DEFAULT_REAL_STEPS, GeniusDomain, ReadOptions, parse_genius_domain, parse_genius_profile, read_genius,
    read_genius_domain, read_genius_folder, read_genius_profile, write_genius,
};
pub use geniusweb::{
    GeniusWebDomain, read_geniusweb, read_geniusweb_domain, read_geniusweb_folder, read_geniusweb_profile,
    write_geniusweb,
};
pub use scenario::{DEFAULT_N_STEPS, NegotiatorDecl, WriteError, parse_scenario, read_scenario, write_scenario};

/// The formats [`load_scenario`] recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// entente's scenario file (`.toml`).
    Toml,
    /// A folder with a GENIUS domain (`<negotiation_template>`) and profiles.
    Genius,
    /// A folder with a GeniusWeb domain (`issuesValues`) and/or profiles.
    GeniusWeb,
}

impl Format {
    /// The format's name in messages: "entente TOML", "GENIUS", "GeniusWeb".
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "entente TOML",
            Format::Genius => "GENIUS",
            Format::GeniusWeb => "GeniusWeb",
        }
    }
}

/// What `path` holds: a `.toml` file, a GENIUS folder or a GeniusWeb folder.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn detect_format(path: &Path) -> Result<Format, FormatError> {
    if path.is_file() {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            return Ok(Format::Toml);
        }
        return Err(FormatError::NotAScenario { file: path.to_path_buf() });
    }
    if !path.is_dir() {
        if path.exists() {
            return Err(FormatError::NotAFile { file: path.to_path_buf() });
        }
        return Err(FormatError::NotFound { file: path.to_path_buf() });
    }
    if !genius::scan_genius_folder(path)?.domains.is_empty() {
        return Ok(Format::Genius);
    }
    let (domains, profiles) = geniusweb::scan_geniusweb_folder(path)?;
    if !domains.is_empty() || !profiles.is_empty() {
        return Ok(Format::GeniusWeb);
    }
    Err(FormatError::UnknownFolder { file: path.to_path_buf() })
}

/// Reads a scenario from a `.toml` file, a GENIUS folder or a GeniusWeb folder.
///
/// `profiles` chooses the parties of a folder by profile file stem (at least
/// 2; default: the first two in file-name order, see [`read_genius_folder`]);
/// it does not apply to a `.toml` file. Scenarios read from folders have no
/// negotiators, [`scenario::DEFAULT_N_STEPS`] rounds and seed 0.
pub fn load_scenario(path: &Path, profiles: Option<&[String]>, opts: &ReadOptions) -> Result<Scenario, FormatError> {
    match detect_format(path)? {
        Format::Toml => {
            if profiles.is_some() {
                return Err(FormatError::ProfilesNotApplicable { file: path.to_path_buf() });
            }
            read_scenario(path)
        }
        Format::Genius => read_genius_folder(path, profiles, opts),
        Format::GeniusWeb => read_geniusweb_folder(path, profiles, opts),
    }
}

/// The profile names (file stems) of a GENIUS or GeniusWeb folder, in file-name
/// order: the names [`load_scenario`] accepts.
pub fn folder_profiles(dir: &Path) -> Result<Vec<String>, FormatError> {
    let files = match detect_format(dir)? {
        Format::Toml => {
            return Err(FormatError::NoProfilesInScenarioFile { file: dir.to_path_buf() });
        }
        Format::Genius => genius::scan_genius_folder(dir)?.profiles.into_iter().map(|(p, _)| p).collect(),
        Format::GeniusWeb => geniusweb::scan_geniusweb_folder(dir)?.1,
    };
    Ok(files.iter().map(|p| genius::party_name(p)).collect())
}
