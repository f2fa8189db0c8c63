//! Shared by `tests/golden.rs`, `tests/scenario_pins.rs`, `tests/cli_flags.rs` and
//! `tests/inventory.rs`: run the compiled `gpuplan` binary (never the library, so these tests
//! survive moving modules around) and compare what it prints or writes with a golden file under `tests/golden/`.
//!
//! Golden files: `UPDATE_GOLDEN=1 cargo test --release --test NAME` writes the golden files
//! instead of comparing (insta / infracost style); review `git diff tests/golden/` before
//! committing them. Without it, a mismatch fails with the first differing line.
//!
//! Every run is made from the package root with relative input paths (so the paths echoed in
//! outputs are the same on every machine), with `SOURCE_DATE_EPOCH=0` (pins `generated_at` in
//! plan documents) and without the solver's expert environment variables.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Set to `1` to (re)write golden files instead of comparing with them.
pub const UPDATE_ENV: &str = "UPDATE_GOLDEN";

/// The package root (where `Cargo.toml` is); every command runs from here.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/golden/` under the package root.
pub fn golden_dir() -> PathBuf {
    root().join("tests").join("golden")
}

/// True when `UPDATE_GOLDEN=1`.
pub fn updating() -> bool {
    std::env::var_os(UPDATE_ENV).is_some_and(|v| v == "1")
}

/// The `gpuplan` command with a clean, reproducible environment, from the package root.
pub fn command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gpuplan"));
    cmd.current_dir(root())
        .args(args)
        .env("SOURCE_DATE_EPOCH", "0")
        // Expert switches that change what HiGHS does or prints: never inherited.
        .env_remove("GPUPLAN_HIGHS_OPTIONS")
        .env_remove("GPUPLAN_SOLVER_LOG")
        .stdin(Stdio::null());
    cmd
}

/// Runs `gpuplan ARGS` and returns its output (whatever the exit code).
pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
    command(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", env!("CARGO_BIN_EXE_gpuplan")))
}

/// Lossy UTF-8 text of captured bytes.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `gpuplan ARGS` rendered for messages.
pub fn shown<S: AsRef<OsStr>>(args: &[S]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    format!("gpuplan {}", parts.join(" "))
}

/// Runs `gpuplan ARGS`, asserts exit code 0, valid UTF-8 and an empty stderr (no command
/// prints progress or warnings on stderr when it is not a terminal), and returns stdout.
pub fn run_ok<S: AsRef<OsStr>>(args: &[S]) -> String {
    let out = run(args);
    let what = shown(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "`{what}` failed\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "`{what}` succeeded but wrote to stderr:\n{}",
        text(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("`{what}`: stdout is not UTF-8: {e}"))
}

/// Reads a file the binary wrote.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Sorted names of the entries of a directory.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A temporary directory (removed when dropped).
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("cannot create a temporary directory")
}

/// A path as a `&str` for command lines (temporary paths are UTF-8 on every CI we run).
pub fn utf8(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {}", p.display()))
}

/// Replaces every occurrence of the temporary directory `dir` by `<TMP>`: commands that
/// write files echo the paths they wrote, and a temporary directory differs on every run.
pub fn normalise_tmp(s: &str, dir: &Path) -> String {
    let d = utf8(dir);
    assert!(!d.is_empty(), "empty temporary directory path");
    s.replace(d, "<TMP>")
}

/// Compares `actual` with `tests/golden/<name>` byte for byte, or writes it there when
/// `UPDATE_GOLDEN=1`.
pub fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if updating() {
        write_golden(&path, actual);
        return;
    }
    let expected = match std::fs::read(&path) {
        Ok(b) => String::from_utf8(b)
            .unwrap_or_else(|e| panic!("golden {} is not UTF-8: {e}", path.display())),
        Err(e) => panic!(
            "cannot read golden file {}: {e}\nRun with {UPDATE_ENV}=1 to create it, then review it.",
            path.display()
        ),
    };
    if let Some(report) = diff_report(&expected, actual) {
        panic!(
            "output differs from golden file tests/golden/{name}\n{report}\n\
             If the change is intended, rerun with {UPDATE_ENV}=1 \
             (`{UPDATE_ENV}=1 cargo test --release --test {}`) and review \
             `git diff tests/golden/` before committing.",
            env!("CARGO_CRATE_NAME")
        );
    }
}

/// Writes a golden file whole (temporary file + rename: tests run in parallel and two of them
/// may write the same golden).
fn write_golden(path: &Path, text: &str) {
    let dir = path.parent().expect("golden path has a parent");
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .unwrap_or_else(|e| panic!("cannot create a temporary file in {}: {e}", dir.display()));
    std::fs::write(tmp.path(), text)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", tmp.path().display()));
    tmp.persist(path)
        .unwrap_or_else(|e| panic!("cannot write golden {}: {e}", path.display()));
    eprintln!("{UPDATE_ENV}=1: wrote {}", path.display());
}

/// `None` when equal; otherwise the first differing line (1-based) with up to two lines of
/// context, expected vs actual, and the line counts. Lines are split on `\n` only and shown
/// with `{:?}`, so a `\r` or a missing final newline is visible.
pub fn diff_report(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let differing = e.iter().zip(&a).filter(|(x, y)| x != y).count() + e.len().abs_diff(a.len());
    let mut r = format!(
        "first difference at line {} ({} line(s) differ; expected {} lines, actual {} lines)\n",
        first + 1,
        differing,
        e.len(),
        a.len()
    );
    for (i, line) in e
        .iter()
        .enumerate()
        .take(first)
        .skip(first.saturating_sub(2))
    {
        r.push_str(&format!("{:8} {:>5} | {line:?}\n", "", i + 1));
    }
    r.push_str(&format!(
        "expected {:>5} | {}\n",
        first + 1,
        e.get(first)
            .map_or("<end of file>".to_string(), |l| format!("{l:?}"))
    ));
    r.push_str(&format!(
        "actual   {:>5} | {}",
        first + 1,
        a.get(first)
            .map_or("<end of file>".to_string(), |l| format!("{l:?}"))
    ));
    Some(r)
}

/// The five hand-made FOCUS quirk exports, as paths from the package root: AWS RI and
/// Savings Plan, Azure reservation, GCP CUD, a FOCUS 1.3 contract commitment (owned
/// commitments, expiry, anomalies).
pub fn focus_quirk_files() -> Vec<String> {
    [
        "aws_ri_1.2.csv",
        "aws_savings_plan_1.3.csv",
        "azure_reservation_1.0.csv",
        "gcp_cud_1.2.csv",
        "contract_commitments_1.3.csv",
    ]
    .iter()
    .map(|f| format!("tests/fixtures/focus/quirks/{f}"))
    .collect()
}
