//! The binary run from tests (commands that live in the binary's `cli`).

use std::path::PathBuf;

/// The `ingest focus` command run through the binary (the command lives in the binary's
/// `cli`): its files and `--out`.
pub struct IngestFocusArgs {
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
}

/// A failed command: exit code and its one-line message (stderr without `error: `).
#[derive(Debug)]
pub struct CmdError(pub i32, pub String);

impl CmdError {
    pub fn exit_code(&self) -> i32 {
        self.0
    }
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

/// Runs `gpuplan ingest focus FILES --out DIR`: stdout on success.
pub fn ingest_focus(a: &IngestFocusArgs) -> Result<String, CmdError> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .arg("ingest")
        .arg("focus")
        .args(&a.files)
        .arg("--out")
        .arg(&a.out)
        .output()
        .expect("run gpuplan");
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let msg = err.trim_end_matches('\n');
    Err(CmdError(
        out.status.code().unwrap_or(-1),
        msg.strip_prefix("error: ").unwrap_or(msg).to_string(),
    ))
}
