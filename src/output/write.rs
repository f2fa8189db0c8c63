//! The one file writer: every output file is written whole or not at all (a temporary
//! file beside the target, then a rename), so a failed command never leaves a partial file.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// Writes one file whole or not at all: a temporary file beside it, then a rename. Its
/// directory must exist (a file named into a missing directory is most likely a typo).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !dir.is_dir() {
        return Err(Error::Runtime(format!(
            "{}: cannot write: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    write_files_atomic(dir, &[(name.as_str(), text.to_string())])
}

/// Writes files into `dir` (created if missing) whole or not at all: each goes to a
/// temporary file beside its target first; only when every one is written are they renamed
/// into place. On any error nothing is left behind and no target is touched.
pub fn write_files_atomic(dir: &Path, files: &[(&str, String)]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Runtime(format!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (t, _) in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, text) in files {
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, text) {
            let _ = std::fs::remove_file(&tmp);
            cleanup(&temps);
            return Err(Error::Runtime(format!(
                "{}: cannot write: {e}",
                target.display()
            )));
        }
        temps.push((tmp, target));
    }
    for (i, (tmp, target)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, target) {
            cleanup(&temps[i..]);
            return Err(Error::Runtime(format!(
                "{}: cannot write: {e}",
                target.display()
            )));
        }
    }
    Ok(())
}
