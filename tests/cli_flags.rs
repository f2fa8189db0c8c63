//! Flag and input checks of the command line, through the compiled binary only.
//!
//! The contract (README, "Exit codes"): bad input exits with 2 and one line on stderr,
//! `error: …`, naming what is wrong (here: the flag, or the missing file), nothing on stdout
//! and no output file. Three groups:
//!
//! - `one_line_*`: today's one-line errors; each asserts exit 2, empty stdout, exactly one
//!   stderr line starting with `error: ` that names the flag (or file).
//! - `clap_*`: errors clap reports before gpuplan sees the flags (a value of the wrong type
//!   for the flag, an unknown enum value), as a multi-line usage error (still exit 2).
//!   Negative numbers given as a separate argument (`--time-limit -1`) reach gpuplan's own
//!   one-line checks.
//! - `no_output_*`: a failing command given `--out` leaves no file (and an existing file
//!   untouched).
//!
//! Every run here fails before solving or solves the tiny fixture: the file takes about 1 s.

mod golden_support;

use golden_support::{names_in, read, run, shown, temp_dir, text, utf8};
use std::ffi::OsStr;

const TINY: &str = "tests/fixtures/tiny/scenario.toml";
const TINY_DEMAND: &str = "tests/fixtures/tiny/demand.csv";
const MISSING: &str = "tests/no-such-dir/no-such-scenario.toml";

/// Runs a command that must be rejected as bad input: exit 2, nothing on stdout, a
/// non-empty stderr without a panic. Returns stderr.
fn rejected<S: AsRef<OsStr>>(args: &[S]) -> String {
    let out = run(args);
    let what = shown(args);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "`{what}`: expected exit code 2 (bad input)\nstdout:\n{}\nstderr:\n{stderr}",
        text(&out.stdout)
    );
    assert!(!stderr.trim().is_empty(), "`{what}`: empty stderr");
    assert!(
        out.stdout.is_empty(),
        "`{what}`: stdout should be empty on bad input:\n{}",
        text(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "`{what}` panicked:\n{stderr}");
    stderr
}

/// Bad input reported on one line, `error: …`, that contains every one of `names`.
fn one_line<S: AsRef<OsStr>>(args: &[S], names: &[&str]) -> String {
    let stderr = rejected(args);
    let what = shown(args);
    assert_eq!(
        stderr.lines().count(),
        1,
        "`{what}`: expected a one-line error, got:\n{stderr}"
    );
    assert!(
        stderr.starts_with("error: "),
        "`{what}`: the error line should start with `error: `:\n{stderr}"
    );
    for n in names {
        assert!(
            stderr.contains(n),
            "`{what}`: the error should name {n}:\n{stderr}"
        );
    }
    stderr
}

/// A clap usage error (several lines, exit 2) that contains every one of `names`.
fn clap_usage<S: AsRef<OsStr>>(args: &[S], names: &[&str]) -> String {
    let stderr = rejected(args);
    let what = shown(args);
    // clap's format: `error: …`, a blank line, optionally a tip and the usage line, then
    // "For more information, try '--help'."
    assert!(
        stderr.starts_with("error: ")
            && stderr.lines().count() > 1
            && stderr.contains("try '--help'"),
        "`{what}`: expected clap's multi-line usage error:\n{stderr}"
    );
    for n in names {
        assert!(
            stderr.contains(n),
            "`{what}`: the error should name {n}:\n{stderr}"
        );
    }
    stderr
}

// ---------------------------------------------------------------------------------------
// plan: --resolution, --method, --time-limit, --gap, --threads

#[test]
fn one_line_plan_resolution_not_a_number() {
    one_line(
        &["plan", TINY, "--resolution", "x"],
        &["--resolution", "\"x\""],
    );
}

#[test]
fn one_line_plan_resolution_zero() {
    one_line(
        &["plan", TINY, "--resolution", "0"],
        &["--resolution", "\"0\""],
    );
}

#[test]
fn one_line_plan_method_bogus() {
    one_line(&["plan", TINY, "--method", "bogus"], &["--method", "bogus"]);
}

#[test]
fn one_line_plan_time_limit_zero() {
    one_line(&["plan", TINY, "--time-limit", "0"], &["--time-limit"]);
}

#[test]
fn one_line_plan_time_limit_negative_with_equals() {
    one_line(&["plan", TINY, "--time-limit=-1"], &["--time-limit", "-1"]);
}

#[test]
fn one_line_plan_time_limit_nan() {
    one_line(&["plan", TINY, "--time-limit", "nan"], &["--time-limit"]);
}

#[test]
fn one_line_plan_gap_above_one() {
    one_line(&["plan", TINY, "--gap", "1.5"], &["--gap", "1.5"]);
}

#[test]
fn one_line_plan_gap_negative_with_equals() {
    one_line(&["plan", TINY, "--gap=-1"], &["--gap", "-1"]);
}

#[test]
fn one_line_plan_threads_zero() {
    one_line(&["plan", TINY, "--threads", "0"], &["--threads"]);
}

/// `--time-limit -1`: negative numbers reach gpuplan's own check (one line, the flag named).
#[test]
fn one_line_plan_time_limit_negative() {
    one_line(
        &["plan", TINY, "--time-limit", "-1"],
        &["--time-limit", "-1"],
    );
}

/// `--gap -1`: as for `--time-limit -1`.
#[test]
fn one_line_plan_gap_negative() {
    one_line(&["plan", TINY, "--gap", "-1"], &["--gap", "-1"]);
}

/// `--threads -1`: as above.
#[test]
fn clap_plan_threads_negative() {
    clap_usage(&["plan", TINY, "--threads", "-1"], &["'-1'"]);
}

/// `--resolution -3`: reaches gpuplan's own check.
#[test]
fn one_line_plan_resolution_negative() {
    one_line(
        &["plan", TINY, "--resolution", "-3"],
        &["--resolution", "-3"],
    );
}

/// Values clap parses itself (numbers, enums): multi-line, but the flag is named.
#[test]
fn clap_plan_threads_not_a_number() {
    clap_usage(&["plan", TINY, "--threads", "x"], &["--threads", "'x'"]);
}

#[test]
fn clap_plan_time_limit_not_a_number() {
    clap_usage(
        &["plan", TINY, "--time-limit", "abc"],
        &["--time-limit", "'abc'"],
    );
}

#[test]
fn clap_plan_format_unknown() {
    clap_usage(&["plan", TINY, "--format", "xml"], &["--format", "'xml'"]);
}

#[test]
fn wanted_plan_time_limit_negative_is_one_line_naming_the_flag() {
    one_line(&["plan", TINY, "--time-limit", "-1"], &["--time-limit"]);
}

// ---------------------------------------------------------------------------------------
// catalog

#[test]
fn one_line_catalog_cloud_unknown() {
    one_line(&["catalog", "--cloud", "nope"], &["--cloud", "\"nope\""]);
}

#[test]
fn one_line_catalog_gpu_unknown() {
    let e = one_line(&["catalog", "--gpu", "Z999"], &["--gpu", "\"Z999\""]);
    // It lists what would have been accepted.
    assert!(e.contains("H100"), "{e}");
}

// ---------------------------------------------------------------------------------------
// backtest: --lookback, --horizon, --step, --resolution, --time-limit

#[test]
fn one_line_backtest_lookback_not_a_duration() {
    one_line(
        &["backtest", TINY, "--lookback", "x", "--horizon", "12h"],
        &["--lookback", "\"x\""],
    );
}

#[test]
fn one_line_backtest_lookback_zero() {
    one_line(
        &["backtest", TINY, "--lookback", "0h", "--horizon", "12h"],
        &["--lookback"],
    );
}

#[test]
fn one_line_backtest_horizon_not_a_duration() {
    one_line(
        &["backtest", TINY, "--lookback", "24h", "--horizon", "bogus"],
        &["--horizon", "\"bogus\""],
    );
}

#[test]
fn one_line_backtest_horizon_zero() {
    one_line(
        &["backtest", TINY, "--lookback", "24h", "--horizon", "0d"],
        &["--horizon"],
    );
}

/// Valid durations that do not fit in the 48 hours of history.
#[test]
fn one_line_backtest_history_too_short() {
    one_line(
        &["backtest", TINY, "--lookback", "100d", "--horizon", "7d"],
        &["--lookback", "--horizon", "48 hours"],
    );
}

#[test]
fn one_line_backtest_step_zero() {
    one_line(
        &[
            "backtest",
            TINY,
            "--lookback",
            "24h",
            "--horizon",
            "12h",
            "--step",
            "0h",
        ],
        &["--step"],
    );
}

#[test]
fn one_line_backtest_resolution_zero() {
    one_line(
        &[
            "backtest",
            TINY,
            "--lookback",
            "24h",
            "--horizon",
            "12h",
            "--resolution",
            "0",
        ],
        &["--resolution"],
    );
}

/// `plan` rejects `--time-limit=-5`; `backtest` passes it to HiGHS, which refuses the
/// option, and the binary panics (exit 101, a backtrace on stderr).
#[test]
fn wanted_backtest_time_limit_negative_is_one_line() {
    one_line(
        &[
            "backtest",
            TINY,
            "--lookback",
            "24h",
            "--horizon",
            "12h",
            "--time-limit=-5",
        ],
        &["--time-limit"],
    );
}

/// `backtest --time-limit 0` fails with exit 2 but blames `--lookback/--horizon` ("no
/// feasible plan found within the time limit of 0 s").
#[test]
fn wanted_backtest_time_limit_zero_names_the_flag() {
    one_line(
        &[
            "backtest",
            TINY,
            "--lookback",
            "24h",
            "--horizon",
            "12h",
            "--time-limit",
            "0",
        ],
        &["--time-limit"],
    );
}

/// `backtest --time-limit nan` is accepted and runs (exit 0); `plan` rejects it.
#[test]
fn wanted_backtest_time_limit_nan_is_rejected() {
    one_line(
        &[
            "backtest",
            TINY,
            "--lookback",
            "24h",
            "--horizon",
            "12h",
            "--time-limit",
            "nan",
        ],
        &["--time-limit"],
    );
}

// ---------------------------------------------------------------------------------------
// forecast: --holdout

#[test]
fn one_line_forecast_holdout_not_a_duration() {
    one_line(
        &["forecast", TINY, "--holdout", "x"],
        &["--holdout", "\"x\""],
    );
}

#[test]
fn one_line_forecast_holdout_zero() {
    one_line(&["forecast", TINY, "--holdout", "0h"], &["--holdout"]);
}

/// 30 h of a 48 h history: more than half.
#[test]
fn one_line_forecast_holdout_longer_than_half_the_history() {
    one_line(
        &["forecast", TINY, "--holdout", "30h"],
        &["--holdout", "30 h", "48 h"],
    );
}

#[test]
fn clap_forecast_holdout_negative() {
    clap_usage(&["forecast", TINY, "--holdout", "-1"], &["'-1'"]);
}

// ---------------------------------------------------------------------------------------
// missing files

#[test]
fn one_line_missing_scenario_every_command() {
    for args in [
        vec!["validate", MISSING],
        vec!["plan", MISSING],
        vec!["plan", MISSING, "--format", "json"],
        vec!["backtest", MISSING],
        vec!["forecast", MISSING],
        vec!["inventory", MISSING],
        vec!["compare", TINY, MISSING],
    ] {
        one_line(&args, &[MISSING, "not found"]);
    }
}

#[test]
fn one_line_evaluate_missing_plan_file() {
    let dir = temp_dir();
    let plan = dir.path().join("no-such-plan.json");
    one_line(
        &["evaluate", "--plan", utf8(&plan), "--demand", TINY_DEMAND],
        &[utf8(&plan), "not found"],
    );
}

#[test]
fn one_line_evaluate_missing_demand_file() {
    let missing = "tests/no-such-dir/demand.csv";
    one_line(
        &[
            "evaluate",
            "--plan",
            "tests/fixtures/golden_inputs/tiny_plan.json",
            "--demand",
            missing,
        ],
        &[missing, "not found"],
    );
}

/// A file that is not a plan document: named, with its line.
#[test]
fn one_line_evaluate_not_a_plan() {
    one_line(
        &["evaluate", "--plan", TINY_DEMAND, "--demand", TINY_DEMAND],
        &[&format!("{TINY_DEMAND}:1"), "not a gpuplan plan JSON"],
    );
}

#[test]
fn one_line_ingest_focus_missing_file() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    one_line(
        &[
            "ingest",
            "focus",
            "tests/no-such-dir/export.csv",
            "--out",
            utf8(&out),
        ],
        &["tests/no-such-dir/export.csv", "not found"],
    );
}

// ---------------------------------------------------------------------------------------
// no output file after a failure

/// A bad flag is rejected before anything is solved or written.
#[test]
fn no_output_plan_bad_flag() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    one_line(
        &["plan", TINY, "--gap", "1.5", "--out", utf8(&file)],
        &["--gap"],
    );
    assert!(!file.exists(), "{} was written", file.display());
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

/// A malformed input (a bad timestamp in the demand file of the malformed corpus).
#[test]
fn no_output_plan_malformed_input() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    one_line(
        &[
            "plan",
            "tests/malformed/demand_bad_timestamp/scenario.toml",
            "--out",
            utf8(&file),
        ],
        &["demand.csv:3:1"],
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

#[test]
fn no_output_plan_missing_scenario() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    one_line(
        &["plan", MISSING, "--out", utf8(&file)],
        &[MISSING, "not found"],
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

/// An existing plan file is left as it was.
#[test]
fn no_output_plan_keeps_an_existing_file() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    std::fs::write(&file, "previous plan\n").expect("write the previous plan");
    one_line(
        &["plan", TINY, "--time-limit", "0", "--out", utf8(&file)],
        &["--time-limit"],
    );
    assert_eq!(read(&file), "previous plan\n");
    assert_eq!(names_in(dir.path()), ["plan.json"]);
}

/// One good and one bad export: nothing is written, not even the output directory.
#[test]
fn no_output_ingest_focus_bad_export() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    one_line(
        &[
            "ingest",
            "focus",
            "tests/fixtures/focus/sample/focus_sample_slice.csv",
            TINY_DEMAND,
            "--out",
            utf8(&out),
        ],
        &[TINY_DEMAND, "not a FOCUS"],
    );
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn no_output_synth_bad_flag() {
    let dir = temp_dir();
    let out = dir.path().join("fleet");
    one_line(
        &["synth", "--workloads", "0", "--out", utf8(&out)],
        &["--workloads"],
    );
    assert!(!out.exists(), "{} was created", out.display());
}

/// The contrast: the same `plan --out` with good flags does write the file, so the
/// `no_output_*` tests above cannot pass merely because nothing is ever written.
#[test]
fn plan_out_writes_the_file_when_input_is_good() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    let out = run(&["plan", TINY, "--reproducible", "--out", utf8(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(read(&file).contains("\"schema_version\""));
}
