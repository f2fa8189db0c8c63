//! Library error types. Every input problem names its file and where in it the problem is.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (missing, empty, unreadable).
    File,
    /// A line (1-based).
    Line(u64),
    /// A line and a column (1-based) with the column's header name.
    Cell {
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// Header name of the column.
        name: String,
    },
    /// A named field of a structured file (TOML key path), with its line when known.
    Field {
        /// Dotted key path, e.g. `workloads.chat.max_spot_share`.
        path: String,
        /// 1-based line when known.
        line: Option<u64>,
    },
}

/// A problem with an input: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file the problem is in, as the user named it.
    pub file: PathBuf,
    /// Where in the file.
    pub location: Location,
    /// What was expected and what was found.
    pub message: String,
}

impl InputError {
    /// A problem with the file as a whole.
    pub fn file(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            location: Location::File,
            message: message.into(),
        }
    }
    /// A problem on a line.
    pub fn line(file: impl AsRef<Path>, line: u64, message: impl Into<String>) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            location: Location::Line(line),
            message: message.into(),
        }
    }
    /// A problem in one cell of a CSV file.
    pub fn cell(
        file: impl AsRef<Path>,
        line: u64,
        column: usize,
        name: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            location: Location::Cell {
                line,
                column,
                name: name.to_string(),
            },
            message: message.into(),
        }
    }
    /// A problem with a field of a structured file.
    pub fn field(
        file: impl AsRef<Path>,
        path: impl Into<String>,
        line: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            location: Location::Field {
                path: path.into(),
                line,
            },
            message: message.into(),
        }
    }
}

/// Runs of whitespace (newlines included) as one space, and any other control character
/// escaped (`\u{1b}`), so that an error is always one printable line whatever the input
/// held.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

impl fmt::Display for InputError {
    /// `file:line:column: column 'name': message` and its shorter forms. Every part is
    /// written on one line: a column name, key path or file name taken from the input (a
    /// quoted CSV header may hold newlines) is flattened like the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = one_line(&self.file.display().to_string());
        let msg = one_line(&self.message);
        match &self.location {
            Location::File => write!(f, "{file}: {msg}"),
            Location::Line(l) => write!(f, "{file}:{l}: {msg}"),
            Location::Cell { line, column, name } => {
                write!(
                    f,
                    "{file}:{line}:{column}: column '{}': {msg}",
                    one_line(name)
                )
            }
            Location::Field {
                path,
                line: Some(l),
            } => write!(f, "{file}:{l}: field '{}': {msg}", one_line(path)),
            Location::Field { path, line: None } => {
                write!(f, "{file}: field '{}': {msg}", one_line(path))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_an_error_is_one_printable_line() {
        // A quoted CSV header cell can hold newlines: the fuzz target found an error whose
        // column name spread over four lines.
        let e = InputError::cell("c.csv", 1, 2, "quantity\nor,\r\nhourly", "unknown column");
        assert_eq!(
            e.to_string(),
            "c.csv:1:2: column 'quantity or, hourly': unknown column"
        );
        let e = InputError::field("w.toml", "workloads.a\nb", Some(3), "bad \u{1b}[31m value");
        let s = e.to_string();
        assert!(!s.contains('\n') && !s.contains('\u{1b}'), "{s:?}");
        assert!(s.contains("\\u{1b}"), "{s:?}");
    }
}

impl std::error::Error for InputError {}

/// Errors of the gpuplan library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input (exit code 2).
    #[error("{0}")]
    Input(#[from] InputError),
    /// A runtime failure: writing output, solver failure (exit code 1).
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Runtime(_) => 1,
        }
    }
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
