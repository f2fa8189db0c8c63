//! Golden outputs of every command, through the compiled binary only (a safety net for
//! refactors of the library's internals: nothing here imports `gpuplan::…`).
//!
//! Each test runs one command on a small checked-in input and compares its stdout (and the
//! files it writes) byte for byte with `tests/golden/<name>`. To accept an intended change:
//! `UPDATE_GOLDEN=1 cargo test --release --test golden`, then review `git diff tests/golden/`.
//!
//! Determinism: `plan` and `compare` always get `--reproducible` and every run `SOURCE_DATE_EPOCH=0`
//! (`tests/golden_support`). Every solve here ends at optimality or at the relative gap, far
//! below its time limit (each MIP takes well under a second of CPU; the inputs' limits are
//! 30 s for the tiny fixture and 300 s for the synthetic fleet), so none of them depends on
//! the machine's speed. Normalised outputs (each explained where it is done):
//! - `ingest focus` and `synth` echo the temporary output directory: replaced by `<TMP>`;
//! - `compare` gets `--reproducible` like `plan`.
//!
//! Inputs: `tests/fixtures/tiny/` (3 workloads × 48 h), `tests/fixtures/golden_inputs/` (a
//! frozen plan for `evaluate`, a tiny variant for `compare`; see its README),
//! `scenarios/synthetic.toml` and `scenarios/helios.toml` (only where fast), and the FOCUS
//! fixtures `tests/fixtures/focus/sample/` and `tests/fixtures/focus/quirks/`.
//!
//! Measured one test at a time on the shared 2-core development machine (load average ≈ 7
//! from other jobs): `backtest_synthetic_table` 3.1 s (1.4 s of CPU), `plan_synthetic_decompose`
//! 1.2 s, `backtest_tiny_*` 0.6 s, `plan_tiny_decompose` 0.6 s, the other `plan_*` and
//! `compare_*` about 0.2 s, everything else under 0.05 s; the whole file about 8 s.

mod golden_support;

use golden_support::{
    assert_golden, diff_report, focus_quirk_files, names_in, normalise_tmp, read, run_ok, temp_dir,
    utf8,
};
use std::path::Path;

const TINY: &str = "tests/fixtures/tiny/scenario.toml";
const TINY_DEMAND: &str = "tests/fixtures/tiny/demand.csv";
const TINY_VARIANT: &str = "tests/fixtures/golden_inputs/tiny_no_spot_1y.toml";
const FROZEN_PLAN: &str = "tests/fixtures/golden_inputs/tiny_plan.json";
const SYNTHETIC: &str = "scenarios/synthetic.toml";
const HELIOS: &str = "scenarios/helios.toml";
const FOCUS_SAMPLE: &str = "tests/fixtures/focus/sample/focus_sample_slice.csv";
const QUIRKS: &str = "tests/fixtures/focus/quirks";

// ---------------------------------------------------------------------------------------
// The golden helper itself.

#[test]
fn diff_report_names_the_first_differing_line() {
    assert_eq!(diff_report("a\nb\n", "a\nb\n"), None);
    let r = diff_report("a\nb\nc\nd\n", "a\nb\nX\nd\n").expect("texts differ");
    assert!(r.contains("first difference at line 3"), "{r}");
    assert!(r.contains("1 line(s) differ"), "{r}");
    assert!(r.contains("expected     3 | \"c\""), "{r}");
    assert!(r.contains("actual       3 | \"X\""), "{r}");
    // A missing final newline and a stray \r are visible.
    let r = diff_report("a\n", "a").expect("texts differ");
    assert!(r.contains("line 2"), "{r}");
    assert!(r.contains("<end of file>"), "{r}");
    let r = diff_report("a\nb\n", "a\r\nb\n").expect("texts differ");
    assert!(r.contains("first difference at line 1"), "{r}");
    assert!(r.contains("\"a\\r\""), "{r}");
}

// ---------------------------------------------------------------------------------------
// validate, catalog

#[test]
fn validate_tiny() {
    assert_golden("validate_tiny.txt", &run_ok(&["validate", TINY]));
}

/// A real trace with masked hours (the mask lines of the summary).
#[test]
fn validate_helios() {
    assert_golden("validate_helios.txt", &run_ok(&["validate", HELIOS]));
}

#[test]
fn catalog_h100() {
    let out = run_ok(&["catalog", "--gpu", "H100"]);
    assert!(
        out.contains("p5.48xlarge"),
        "the H100 list has AWS p5:\n{out}"
    );
    assert_golden("catalog_h100.txt", &out);
}

/// Both filters at once.
#[test]
fn catalog_gcp_l4() {
    assert_golden(
        "catalog_gcp_l4.txt",
        &run_ok(&["catalog", "--cloud", "gcp", "--gpu", "L4"]),
    );
}

// ---------------------------------------------------------------------------------------
// plan

/// `--out FILE` with the default table format: the table on stdout, the plan JSON in the
/// file (and nothing else left in the directory: the write goes through a temporary file).
#[test]
fn plan_tiny_table_and_out_file() {
    let dir = temp_dir();
    let file = dir.path().join("plan.json");
    let table = run_ok(&["plan", TINY, "--reproducible", "--out", utf8(&file)]);
    assert_golden("plan_tiny_table.txt", &table);
    assert_golden("plan_tiny.json", &read(&file));
    assert_eq!(names_in(dir.path()), ["plan.json"]);
}

/// `--format json` without `--out`: the same document on stdout.
#[test]
fn plan_tiny_json_stdout() {
    let json = run_ok(&["plan", TINY, "--reproducible", "--format", "json"]);
    assert_golden("plan_tiny.json", &json);
}

#[test]
fn plan_tiny_full_resolution() {
    let json = run_ok(&[
        "plan",
        TINY,
        "--reproducible",
        "--format",
        "json",
        "--resolution",
        "full",
    ]);
    assert_golden("plan_tiny_full.json", &json);
}

/// The decomposition path (tiers by price-directed rounds, commitments on pooled load).
/// Deterministic: both starts are computed (one on a second thread) and the cheaper kept.
#[test]
fn plan_tiny_decompose() {
    let json = run_ok(&[
        "plan",
        TINY,
        "--reproducible",
        "--format",
        "json",
        "--method",
        "decompose",
    ]);
    assert!(json.contains("\"method\": \"decompose\""), "{json}");
    assert_golden("plan_tiny_decompose.json", &json);
}

/// Decomposition on the 7-workload synthetic fleet at a fixed 48 buckets (≈ 1 s of CPU), in
/// window mode (the decomposition is the window planner's).
#[test]
fn plan_synthetic_decompose() {
    let json = run_ok(&[
        "plan",
        SYNTHETIC,
        "--reproducible",
        "--format",
        "json",
        "--method",
        "decompose",
        "--resolution",
        "48",
        "--term",
        "window",
    ]);
    assert!(json.contains("\"method\": \"decompose\""), "{json}");
    assert_golden("plan_synthetic_decompose.json", &json);
}

// ---------------------------------------------------------------------------------------
// evaluate (on a frozen plan file, see tests/fixtures/golden_inputs/README.md)

#[test]
fn evaluate_tiny_table() {
    let out = run_ok(&["evaluate", "--plan", FROZEN_PLAN, "--demand", TINY_DEMAND]);
    assert_golden("evaluate_tiny.txt", &out);
}

#[test]
fn evaluate_tiny_json() {
    let out = run_ok(&[
        "evaluate",
        "--plan",
        FROZEN_PLAN,
        "--demand",
        TINY_DEMAND,
        "--format",
        "json",
    ]);
    assert_golden("evaluate_tiny.json", &out);
}

// ---------------------------------------------------------------------------------------
// compare

#[test]
fn compare_tiny_table() {
    let out = run_ok(&["compare", TINY, TINY_VARIANT]);
    assert_golden("compare_tiny.txt", &out);
}

#[test]
fn compare_tiny_json() {
    // With `--reproducible` every document pins `generated_at` and drops wall-clock seconds,
    // as `plan` does, so the output is compared byte for byte.
    let out = run_ok(&[
        "compare",
        TINY,
        TINY_VARIANT,
        "--format",
        "json",
        "--reproducible",
    ]);
    assert!(!out.contains("<WALL_CLOCK>"));
    assert_golden("compare_tiny.json", &out);
}

// ---------------------------------------------------------------------------------------
// backtest

#[test]
fn backtest_tiny_table() {
    let out = run_ok(&["backtest", TINY, "--lookback", "24h", "--horizon", "12h"]);
    assert_golden("backtest_tiny.txt", &out);
}

#[test]
fn backtest_tiny_json() {
    let out = run_ok(&[
        "backtest",
        TINY,
        "--lookback",
        "24h",
        "--horizon",
        "12h",
        "--format",
        "json",
    ]);
    assert_golden("backtest_tiny.json", &out);
}

/// Two 3-day windows after a week of the synthetic fleet, 24 buckets per MIP.
#[test]
fn backtest_synthetic_table() {
    let out = run_ok(&[
        "backtest",
        SYNTHETIC,
        "--lookback",
        "7d",
        "--horizon",
        "3d",
        "--resolution",
        "24",
    ]);
    assert_golden("backtest_synthetic.txt", &out);
}

// ---------------------------------------------------------------------------------------
// forecast

#[test]
fn forecast_synthetic_table() {
    let out = run_ok(&["forecast", SYNTHETIC, "--holdout", "7d"]);
    assert_golden("forecast_synthetic.txt", &out);
}

#[test]
fn forecast_synthetic_json() {
    let out = run_ok(&["forecast", SYNTHETIC, "--holdout", "7d", "--format", "json"]);
    assert_golden("forecast_synthetic.json", &out);
}

/// A real trace whose outage is masked in the scenario.
#[test]
fn forecast_helios_table() {
    let out = run_ok(&["forecast", HELIOS, "--holdout", "7d"]);
    assert_golden("forecast_helios.txt", &out);
}

// ---------------------------------------------------------------------------------------
// inventory: a scenario (modeled cost) and FOCUS exports (actual cost)

#[test]
fn inventory_tiny_table() {
    assert_golden("inventory_tiny.txt", &run_ok(&["inventory", TINY]));
}

#[test]
fn inventory_tiny_json() {
    let out = run_ok(&["inventory", TINY, "--format", "json"]);
    assert_golden("inventory_tiny.json", &out);
}

/// Unit economics (`--metrics`) on the two weeks of the synthetic fleet: requests of
/// chat-serving drop by 300 an hour in the second week (a week-over-week regression),
/// tokens of embed-api and one training run of finetune a day stay flat.
fn synthetic_metrics(dir: &Path) -> String {
    let mut csv = String::from("timestamp,workload,requests,tokens,training_runs\n");
    for t in 0..336u32 {
        let ts = format!("2026-10-{:02}T{:02}:00:00Z", 5 + t / 24, t % 24);
        let week = t / 168;
        csv.push_str(&format!(
            "{ts},chat-serving,{},,\n",
            1000 + 10 * (t % 24) - 300 * week
        ));
        csv.push_str(&format!("{ts},embed-api,,{},\n", 200_000 + 1000 * (t % 24)));
        if t % 24 == 0 {
            csv.push_str(&format!("{ts},finetune,,,1\n"));
        }
    }
    let path = dir.join("metrics.csv");
    std::fs::write(&path, csv).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    utf8(&path).to_string()
}

#[test]
fn inventory_synthetic_metrics_table() {
    let dir = temp_dir();
    let metrics = synthetic_metrics(dir.path());
    let out = run_ok(&["inventory", SYNTHETIC, "--metrics", &metrics]);
    assert!(out.contains("REGRESSION"), "chat-serving regresses:\n{out}");
    assert_golden("inventory_synthetic_metrics.txt", &out);
}

#[test]
fn inventory_synthetic_metrics_json() {
    let dir = temp_dir();
    let metrics = synthetic_metrics(dir.path());
    let out = run_ok(&[
        "inventory",
        SYNTHETIC,
        "--metrics",
        &metrics,
        "--format",
        "json",
    ]);
    assert_golden("inventory_synthetic_metrics.json", &out);
}

#[test]
fn inventory_focus_sample_table() {
    let out = run_ok(&["inventory", "--focus", FOCUS_SAMPLE]);
    assert_golden("inventory_focus_sample.txt", &out);
}

#[test]
fn inventory_focus_sample_json() {
    let out = run_ok(&["inventory", "--focus", FOCUS_SAMPLE, "--format", "json"]);
    assert_golden("inventory_focus_sample.json", &out);
}

#[test]
fn inventory_focus_quirks_table() {
    let mut args = vec!["inventory".to_string(), "--focus".to_string()];
    args.extend(focus_quirk_files());
    assert_golden("inventory_focus_quirks.txt", &run_ok(&args));
}

#[test]
fn inventory_focus_quirks_json() {
    let mut args = vec!["inventory".to_string(), "--focus".to_string()];
    args.extend(focus_quirk_files());
    args.extend(["--format".to_string(), "json".to_string()]);
    assert_golden("inventory_focus_quirks.json", &run_ok(&args));
}

// ---------------------------------------------------------------------------------------
// ingest focus: the summary on stdout and the four files it writes

/// Runs `ingest focus FILE --out <tmp>/out` and pins stdout (temporary directory replaced
/// by `<TMP>`) and the four files under `tests/golden/<golden>/`.
fn check_ingest(golden: &str, file: &str) {
    let dir = temp_dir();
    let out_dir = dir.path().join("out");
    let stdout = run_ok(&["ingest", "focus", file, "--out", utf8(&out_dir)]);
    // The summary names the files it wrote by their full (temporary) path.
    assert!(stdout.contains(utf8(&out_dir)), "{stdout}");
    assert_golden(
        &format!("{golden}/stdout.txt"),
        &normalise_tmp(&stdout, dir.path()),
    );
    let files = [
        "commitments.csv",
        "demand.csv",
        "scenario.toml",
        "workloads.toml",
    ];
    assert_eq!(names_in(&out_dir), files, "files written by ingest focus");
    for f in files {
        assert_golden(&format!("{golden}/{f}"), &read(&out_dir.join(f)));
    }
}

#[test]
fn ingest_focus_sample() {
    check_ingest("ingest_focus_sample", FOCUS_SAMPLE);
}

/// A reserved instance mapped to a catalog offer (a non-empty commitments.csv).
#[test]
fn ingest_focus_aws_ri() {
    check_ingest("ingest_focus_aws_ri", &format!("{QUIRKS}/aws_ri_1.2.csv"));
}

// ---------------------------------------------------------------------------------------
// synth: the files it writes

#[test]
fn synth_small() {
    let dir = temp_dir();
    let out_dir = dir.path().join("fleet");
    let stdout = run_ok(&[
        "synth",
        "--workloads",
        "4",
        "--offerings",
        "5",
        "--hours",
        "48",
        "--seed",
        "3",
        "--out",
        utf8(&out_dir),
    ]);
    // "wrote <dir>/scenario.toml": the temporary directory becomes <TMP>.
    assert_golden(
        "synth_small/stdout.txt",
        &normalise_tmp(&stdout, dir.path()),
    );
    let files = ["demand.csv", "scenario.toml", "workloads.toml"];
    assert_eq!(names_in(&out_dir), files, "files written by synth");
    for f in files {
        assert_golden(&format!("synth_small/{f}"), &read(&out_dir.join(f)));
    }
}
