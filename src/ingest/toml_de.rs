//! TOML → serde types with errors that name the file, the key path and the line.

use crate::error::InputError;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Deserializes TOML text; unknown keys are rejected by the target types
/// (`deny_unknown_fields`).
pub(crate) fn from_toml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, InputError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let line = inner.span().map(|s| super::line_of(text, s.start));
        let msg = inner.message().trim().to_string();
        if path.is_empty() || path == "." {
            match line {
                Some(l) => InputError::line(file, l, msg),
                None => InputError::file(file, msg),
            }
        } else {
            InputError::field(file, path, line, msg)
        }
    })
}

/// Finds the line of `key = …` inside the table `[table]` (dotted path), for semantic errors
/// found after parsing. Returns `None` when not found (inline tables and the like).
pub(crate) fn locate(text: &str, table: &str, key: &str) -> Option<u64> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if let Some(h) = l.strip_prefix('[') {
            if let Some(end) = h.find(']') {
                current = h[..end]
                    .trim_matches(|c| c == '[' || c == ' ')
                    .replace(['"', '\''], "")
                    .split('.')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(".");
            }
            continue;
        }
        if current == table {
            if let Some((k, _)) = l.split_once('=') {
                if k.trim().trim_matches(|c| c == '"' || c == '\'') == key {
                    return Some(i as u64 + 1);
                }
            }
        }
    }
    None
}

/// An error for a semantic problem in a TOML field.
pub(crate) fn field_err(
    file: &Path,
    text: &str,
    table: &str,
    key: &str,
    msg: impl Into<String>,
) -> InputError {
    let path = if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    };
    InputError::field(file, path, locate(text, table, key), msg)
}
