//! Errors of file readers: always with the file, and the line and column or
//! the field path, and what was expected.

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum FormatError {
    #[error("{}: {message}", file.display())]
    Io { file: PathBuf, message: String },
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: {field}: {message}", file.display())]
    Field { file: PathBuf, field: String, message: String },
}

impl FormatError {
    pub fn io(file: &Path, e: std::io::Error) -> Self {
        FormatError::Io { file: file.to_path_buf(), message: e.to_string() }
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
