//! Files → domain types. Every error names the file and the line, column or field.

pub mod catalog;
pub mod commitments;
pub mod csvread;
pub mod demand;
pub mod focus;
pub mod inputs;
pub mod scenario;
pub mod term_config;
pub(crate) mod toml_de;
pub mod workloads;

use crate::error::InputError;
use std::path::Path;

/// Reads a whole input file; a missing or unreadable file is bad input.
pub fn read_file(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|e| {
        InputError::file(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "file not found".to_string(),
                _ => format!("cannot read file: {e}"),
            },
        )
    })
}

/// Reads a whole input file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    utf8_text(path, read_file(path)?)
}

/// An input file's bytes as UTF-8 text; invalid bytes are an error naming their line.
pub fn utf8_text(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count() as u64;
        InputError::line(path, line, "invalid UTF-8 bytes: expected UTF-8 text")
    })
}

/// 1-based line of a byte offset in a text.
pub(crate) fn line_of(text: &str, offset: usize) -> u64 {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}
