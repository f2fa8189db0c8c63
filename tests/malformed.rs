//! Every case of the malformed-input corpus (`tests/malformed/<case>/`) must be rejected by
//! `gpuplan validate` with exit code 2 and one line on stderr that names the file and where in
//! it the problem is (see `tests/malformed/README.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gpuplan")
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The case directories, sorted by name.
fn cases() -> Vec<PathBuf> {
    let root = manifest_dir().join("tests").join("malformed");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run_validate(case: &Path) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("validate").arg(case.join("scenario.toml"));
    let catalog = case.join("catalog");
    if catalog.is_dir() {
        cmd.arg("--catalog").arg(catalog);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin()))
}

/// Checks one case; returns the list of problems (empty when the case passes).
fn check_case(case: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let expect_path = case.join("expect.txt");
    let expect = match std::fs::read_to_string(&expect_path) {
        Ok(t) => t,
        Err(e) => return vec![format!("cannot read {}: {e}", expect_path.display())],
    };
    let mut lines = expect.lines();
    let (Some(file), Some(marker)) = (lines.next(), lines.next()) else {
        return vec![format!(
            "{} must hold two lines (file name, marker)",
            expect_path.display()
        )];
    };
    if file.is_empty() || marker.is_empty() {
        return vec![format!("{} has an empty line", expect_path.display())];
    }
    let out = run_validate(case);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(2) => {}
        other => problems.push(format!("exit code {other:?}, expected Some(2)")),
    }
    if !stdout.is_empty() {
        problems.push(format!("stdout is not empty: {stdout:?}"));
    }
    if stderr.contains("panicked") {
        problems.push("the program panicked".to_string());
    }
    let one_line = stderr.ends_with('\n') && stderr.matches('\n').count() == 1;
    if !one_line {
        problems.push(format!(
            "stderr is not exactly one line ({} newlines)",
            stderr.matches('\n').count()
        ));
    }
    if !stderr.starts_with("error: ") {
        problems.push("stderr does not start with `error: `".to_string());
    }
    if !stderr.contains(file) {
        problems.push(format!("stderr does not name the file {file:?}"));
    }
    if !stderr.contains(marker) {
        problems.push(format!("stderr does not contain the marker {marker:?}"));
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was: {:?}", stderr.trim_end()));
    }
    problems
}

#[test]
fn every_malformed_input_is_rejected_with_file_and_location() {
    let cases = cases();
    assert!(
        cases.len() >= 80,
        "the corpus has {} cases, expected at least 80",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let problems = check_case(case);
        if !problems.is_empty() {
            let name = case.file_name().map_or_else(
                || case.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            failures.push(format!("{name}:\n    {}", problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn bundled_scenarios_validate() {
    for name in ["helios.toml", "synthetic.toml"] {
        let path = manifest_dir().join("scenarios").join(name);
        let out = Command::new(bin())
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin()));
        assert_eq!(
            out.status.code(),
            Some(0),
            "validate {name} failed; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("ok: every input read and cross-checked"),
            "validate {name} did not print its ok line"
        );
    }
}
