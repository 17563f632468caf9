//! Errors of file readers: always with the file, and the line and column or
//! the field path, and what was expected.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::Format;

/// What went wrong reading or writing a file or folder. Every variant names
/// the file or folder; syntax errors add the line and column, field errors the
/// field path.
#[derive(Debug, Error)]
pub enum FormatError {
    /// A real I/O error (opening, reading, writing, listing). The error is
    /// part of the message (and so not also given as `source()`, which would
    /// print it twice in a chain).
    #[error("{}: {error}", file.display())]
    Io { file: PathBuf, error: std::io::Error },
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: {field}: {message}", file.display())]
    Field { file: PathBuf, field: String, message: String },
    /// The path is neither a file nor a folder.
    #[error("{}: no such file or folder", file.display())]
    NotFound { file: PathBuf },
    /// The path exists but is neither a regular file nor a folder (a device such as `/dev/null`, a pipe, a socket).
    #[error(
        "{}: not a regular file or a folder (a device, a pipe or a socket); give a scenario file (.toml), \
         or a GENIUS or GeniusWeb folder",
        file.display()
    )]
    NotAFile { file: PathBuf },
    /// A GENIUS or GeniusWeb folder given where talks are expected.
    #[error(
        "{}: a {} folder holds a domain and preferences, not talks; talks need a scenario file with a [talks] \
         table (mediators, agenda, sessions: docs/talks.md). Convert the folder first, \
         `entente convert {} talks.toml --to toml`, then add a [talks] table to talks.toml",
        file.display(), format.name(), file.display()
    )]
    FolderHasNoTalks { file: PathBuf, format: Format },
    /// A file that is not a `.toml` scenario file.
    #[error(
        "{}: expected a scenario file (.toml), or a folder of GENIUS (XML) or GeniusWeb (JSON) files; \
         for GENIUS and GeniusWeb give the folder, not one of its files",
        file.display()
    )]
    NotAScenario { file: PathBuf },
    /// A folder with neither GENIUS nor GeniusWeb files.
    #[error(
        "{}: this folder holds neither a GENIUS domain (an .xml file whose root is <negotiation_template>) \
         nor GeniusWeb files (.json with `issuesValues` or `LinearAdditiveUtilitySpace`)",
        file.display()
    )]
    UnknownFolder { file: PathBuf },
    /// Profiles were chosen for a scenario file, which has parties instead.
    #[error(
        "{}: choosing profiles applies to GENIUS and GeniusWeb folders, not to a scenario file",
        file.display()
    )]
    ProfilesNotApplicable { file: PathBuf },
    /// The profiles of a scenario file were asked for.
    #[error("{}: a scenario file has parties, not profiles to choose", file.display())]
    NoProfilesInScenarioFile { file: PathBuf },
    /// Fewer than two profile files given for a negotiation.
    #[error("{}: a negotiation needs at least 2 profiles, {given} given", file.display())]
    TooFewProfiles { file: PathBuf, given: usize },
    /// Two profile files with the same party name (file stem).
    #[error("{}: two profiles are named {name:?}", file.display())]
    DuplicateProfile { file: PathBuf, name: String },
    /// Fewer than two profiles chosen by name.
    #[error("{}: choose at least 2 profiles (the {} profiles here: {})", file.display(), format.name(), available.join(", "))]
    TooFewChosen { file: PathBuf, format: Format, available: Vec<String> },
    /// A profile chosen twice.
    #[error("{}: profile {name:?} is chosen twice", file.display())]
    ProfileChosenTwice { file: PathBuf, name: String },
    /// A chosen profile that the folder does not have.
    #[error("{}: no {} profile {name:?} here; the profiles are {}", file.display(), format.name(), available.join(", "))]
    UnknownProfile { file: PathBuf, format: Format, name: String, available: Vec<String> },
    /// A folder with fewer than two profiles (none chosen).
    #[error("{}: a negotiation needs 2 {} profiles; this folder has {found}", file.display(), format.name())]
    NotEnoughProfiles { file: PathBuf, format: Format, found: usize },
    /// A folder without a domain file.
    #[error("{}: {}", file.display(), no_domain(*format))]
    NoDomain { file: PathBuf, format: Format },
    /// A folder with more than one domain file.
    #[error("{}: several {} domain files here ({}); keep one per folder", file.display(), format.name(), files.join(", "))]
    SeveralDomains { file: PathBuf, format: Format, files: Vec<String> },
    /// The output path exists and is not a folder.
    #[error("{}: exists and is not a folder", file.display())]
    NotAFolder { file: PathBuf },
    /// The output folder holds a file that is not one of those being written.
    #[error(
        "{}: this folder already holds {found} (not one of the files being written); write into an empty folder",
        file.display()
    )]
    FolderNotEmpty { file: PathBuf, found: String },
    /// A document that could not be serialised.
    #[error("{}: {error}", file.display())]
    Serialize { file: PathBuf, error: serde_json::Error },
}

fn no_domain(format: Format) -> &'static str {
    match format {
        Format::Genius => "no GENIUS domain file here (an .xml file whose root is <negotiation_template>)",
        Format::GeniusWeb => {
            "no GeniusWeb domain file here (a .json file with `issuesValues`), and the profile embeds none"
        }
        Format::Toml => "no domain here (a scenario file holds its own issues)",
    }
}

impl FormatError {
    pub fn io(file: &Path, e: std::io::Error) -> Self {
        FormatError::Io { file: file.to_path_buf(), error: e }
    }

    /// The file or folder the error is about.
    pub fn file(&self) -> &Path {
        use FormatError::*;
        match self {
            Io { file, .. }
            | Syntax { file, .. }
            | Field { file, .. }
            | NotFound { file }
            | NotAFile { file }
            | FolderHasNoTalks { file, .. }
            | NotAScenario { file }
            | UnknownFolder { file }
            | ProfilesNotApplicable { file }
            | NoProfilesInScenarioFile { file }
            | TooFewProfiles { file, .. }
            | DuplicateProfile { file, .. }
            | TooFewChosen { file, .. }
            | ProfileChosenTwice { file, .. }
            | UnknownProfile { file, .. }
            | NotEnoughProfiles { file, .. }
            | NoDomain { file, .. }
            | SeveralDomains { file, .. }
            | NotAFolder { file }
            | FolderNotEmpty { file, .. }
            | Serialize { file, .. } => file,
        }
    }

    pub fn json(file: &Path, e: &serde_json::Error) -> Self {
        // serde_json appends " at line L column C" to its message; we print
        // the position in front instead.
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        FormatError::Syntax { file: file.to_path_buf(), line: e.line(), column: e.column(), message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_io_errors_have_their_own_variants_and_the_old_messages() {
        let missing = Path::new("no/such/path");
        let e = crate::detect_format(missing).unwrap_err();
        assert!(matches!(e, FormatError::NotFound { .. }));
        assert_eq!(e.to_string(), "no/such/path: no such file or folder");
        assert_eq!(e.file(), missing);

        let e = FormatError::UnknownProfile {
            file: "d".into(),
            format: Format::GeniusWeb,
            name: "x".into(),
            available: vec!["a".into(), "b".into()],
        };
        assert_eq!(e.to_string(), "d: no GeniusWeb profile \"x\" here; the profiles are a, b");
        let e = FormatError::NoDomain { file: "d".into(), format: Format::Genius };
        assert_eq!(e.to_string(), "d: no GENIUS domain file here (an .xml file whose root is <negotiation_template>)");
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = FormatError::io(Path::new("f.toml"), io);
        assert_eq!(e.to_string(), "f.toml: gone");
        assert!(matches!(&e, FormatError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound));
        // The cause is in the message, not repeated as a source.
        assert!(std::error::Error::source(&e).is_none());
    }
}
