//! Issue 14's problems, one test each (each failed before its fix): magnitudes past their
//! plausibility bounds, money that saturated, solve statuses folded into `infeasible`, a
//! backtest hindsight that became NaN, JSON errors that gave their location twice. The
//! malformed corpus (`tests/malformed/`) holds the one-line error of every bound; the fuzz
//! targets (`tests/fuzz.rs`) keep looking for new ones.

mod common;
use common::*;
use gpuplan::solve::{SolveSettings, SolveStatus};
use std::path::Path;
use std::process::{Command, Output};

fn gpuplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run gpuplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A two-workload, 24-hour scenario on shipped H100 offerings; `gpus(hour, workload)` is the
/// text written into each demand row.
fn scenario(dir: &Path, gpus: &dyn Fn(usize, &str) -> String, workloads: &str) {
    let mut d = String::from("timestamp,workload,gpus\n");
    for h in 0..24 {
        for w in ["a", "b"] {
            d.push_str(&format!("2026-01-01T{h:02}:00:00Z,{w},{}\n", gpus(h, w)));
        }
    }
    std::fs::write(dir.join("demand.csv"), d).expect("write");
    std::fs::write(dir.join("workloads.toml"), workloads).expect("write");
    std::fs::write(
        dir.join("s.toml"),
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n",
    )
    .expect("write");
}

const H100: &str = "[defaults]\ncurrent_gpu = \"H100\"\nclass = \"training\"\n";

/// Exit 2, one line naming `marker`, nothing on stdout.
fn assert_input_error(out: &Output, marker: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(marker), "{err:?} should name {marker:?}");
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
}

#[test]
fn plan_rejects_a_gpu_count_of_1e300_naming_the_row() {
    // Was: exit 0, status `infeasible`, "HiGHS rejected the model", the input never named.
    let dir = tempfile::tempdir().expect("tempdir");
    scenario(
        dir.path(),
        &|h, w| {
            if h == 3 && w == "a" {
                "1e300".into()
            } else {
                "2".into()
            }
        },
        H100,
    );
    let out = gpuplan(dir.path(), &["plan", "s.toml", "--out", "plan.json"]);
    // Row of hour 3, workload a: header + 3 hours × 2 workloads + 1.
    assert_input_error(&out, "demand.csv:8:3: column 'gpus'");
    assert!(text(&out.stderr).contains("1000000"), "names the bound");
    assert!(!dir.path().join("plan.json").exists(), "no partial plan");
}

#[test]
fn denormal_gpu_counts_are_rejected_instead_of_planned_into_nulls() {
    // Was: a plan with `null` in share_* and savings_pct.
    let dir = tempfile::tempdir().expect("tempdir");
    scenario(dir.path(), &|_, _| "5e-324".into(), H100);
    let out = gpuplan(dir.path(), &["plan", "s.toml", "--format", "json"]);
    assert_input_error(&out, "demand.csv:2:3: column 'gpus'");
}

#[test]
fn evaluate_never_prints_a_saturated_amount() {
    // Was: exit 0 with every amount USD 92,233,720,368,547,758.07 (i64::MAX cents).
    let dir = tempfile::tempdir().expect("tempdir");
    scenario(dir.path(), &|_, _| "2".into(), H100);
    let plan = gpuplan(
        dir.path(),
        &["plan", "s.toml", "--out", "plan.json", "--reproducible"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    scenario(
        dir.path(),
        &|h, _| if h == 5 { "1e300".into() } else { "2".into() },
        H100,
    );
    let out = gpuplan(
        dir.path(),
        &["evaluate", "--plan", "plan.json", "--demand", "demand.csv"],
    );
    assert_input_error(&out, "demand.csv:12:3:");
    assert!(!text(&out.stdout).contains("92,233,720"));
}

#[test]
fn a_json_error_gives_its_location_once() {
    // Was: "plan.json:3: column 5: not a gpuplan plan JSON: … at line 3 column 5".
    let dir = tempfile::tempdir().expect("tempdir");
    scenario(dir.path(), &|_, _| "2".into(), H100);
    std::fs::write(
        dir.path().join("plan.json"),
        "{\n  \"schema_version\": \"2.0.0\",\n  x\n}\n",
    )
    .expect("write");
    let out = gpuplan(
        dir.path(),
        &["evaluate", "--plan", "plan.json", "--demand", "demand.csv"],
    );
    assert_input_error(&out, "plan.json:3: column 3: not a gpuplan plan JSON");
    assert!(
        !text(&out.stderr).contains("at line"),
        "{}",
        text(&out.stderr)
    );
}

fn settings(time_limit_seconds: f64, max_nodes: Option<u32>) -> SolveSettings {
    SolveSettings {
        time_limit_seconds,
        max_nodes,
        ..exact()
    }
}

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0), Gpu("G80", 80.0, 2.0, 2.0)];

#[test]
fn a_limit_without_a_plan_is_not_called_infeasible() {
    // Was: "time limit reached with no incumbent" reported as `infeasible`.
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = fleet_of_sixteen(dir.path());
    let buckets = gpuplan::ingest::scenario::Resolution::Buckets(24);
    let run = gpuplan::engine::plan(&inp, &settings(1e-9, None), buckets);
    assert_eq!(
        run.outcome.status,
        SolveStatus::NoSolutionInTime,
        "{:?}",
        run.outcome.message
    );
    assert!(run.plan.is_none());
    assert!(
        run.infeasibility.is_none(),
        "a limit is not an infeasibility"
    );
    let m = run.outcome.message.expect("message");
    assert!(
        m.contains("time limit") && m.contains("plans may exist"),
        "{m}"
    );
}

/// Sixteen workloads on the shipped catalog (GPUs of every class, some interruptible) with
/// pseudo-random demand over 48 hours, planned on 24 buckets with no gap: a MIP HiGHS does
/// not finish at its root node.
fn fleet_of_sixteen(dir: &Path) -> gpuplan::ingest::inputs::Inputs {
    let mut rng = gpuplan::domain::rng::SplitMix64::new(5);
    let gpus = [
        "H100",
        "A100-80GB",
        "L4",
        "A10G",
        "L40S",
        "V100",
        "T4",
        "H100",
    ];
    let mut d = String::from("timestamp,workload,gpus\n");
    for h in 0..48 {
        for w in 0..16 {
            let busy = if h % 24 > 8 { 2.0 } else { 1.0 };
            let g = (rng.next_u64() % 12_000) as f64 / 1000.0 * busy;
            d.push_str(&format!(
                "2026-01-{:02}T{:02}:00:00Z,w{w},{g}\n",
                1 + h / 24,
                h % 24
            ));
        }
    }
    let mut wl = String::new();
    for w in 0..16 {
        let class = if w % 2 == 0 { "training" } else { "inference" };
        let spot = if w % 3 == 0 {
            "interruptible = true\nmax_spot_share = 0.4\n"
        } else {
            ""
        };
        wl.push_str(&format!(
            "[workloads.w{w}]\ncurrent_gpu = \"{}\"\nclass = \"{class}\"\n{spot}\n",
            gpus[w % 8]
        ));
    }
    std::fs::write(dir.join("demand.csv"), d).expect("write");
    std::fs::write(dir.join("workloads.toml"), wl).expect("write");
    std::fs::write(
        dir.join("s.toml"),
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n[solver]\nmethod = \"mip\"\n",
    )
    .expect("write");
    gpuplan::ingest::inputs::Inputs::load(&dir.join("s.toml"), None).expect("load")
}

#[test]
fn a_node_limit_is_a_work_limit_and_gives_the_same_plan_every_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = fleet_of_sixteen(dir.path());
    let buckets = gpuplan::ingest::scenario::Resolution::Buckets(24);
    let one_node = settings(600.0, Some(1));
    let a = gpuplan::engine::plan(&inp, &one_node, buckets);
    let b = gpuplan::engine::plan(&inp, &one_node, buckets);
    // Was: node and iteration limits were reported as `time_limit`.
    assert_eq!(
        a.outcome.status,
        SolveStatus::WorkLimit,
        "{:?}",
        a.outcome.message
    );
    let m = a.outcome.message.clone().expect("message");
    assert!(
        m.contains("1 branch-and-bound nodes") && m.contains("same on any machine"),
        "{m}"
    );
    assert!(a.outcome.gap.is_some() && a.outcome.best_bound.is_some());
    assert!(a.plan.is_some(), "the incumbent is kept");
    assert_eq!(a.outcome.objective, b.outcome.objective);
    assert_eq!(a.plan, b.plan);
    // Without the limit the same model finishes.
    let done = gpuplan::engine::plan(&inp, &settings(600.0, None), buckets);
    assert!(
        matches!(
            done.outcome.status,
            SolveStatus::Optimal | SolveStatus::GapLimit
        ),
        "{:?}",
        done.outcome.status
    );
}

#[test]
fn a_backtest_without_a_hindsight_plan_is_an_error_not_nan() {
    // Lookback: 1 GPU (about USD 60–96 over a day); actual window: 10 GPUs (at least USD
    // 560 however covered: 24 h × 10 × USD 4 × (1 − 0.42)). A CVaR budget of USD 300 holds
    // on the lookback and cannot hold in hindsight: the hindsight is infeasible. Was: a
    // hindsight cost of NaN (null in the JSON, "captured" NaN).
    let mut d = vec![1.0; 24];
    d.extend(vec![10.0; 24]);
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir.path(),
        &Case {
            gpus: GPUS,
            offerings: &[Off("tst1.xlarge", "G16", 1, 4.0, None, 0.0)],
            offers: &[Offer("ri1", "unit", "instance_type", "tst1.xlarge", 42.0)],
            workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G16\"")],
            demand: &[("w", d)],
            owned: None,
            extra: "\n[risk]\nmax_cvar = 300\n",
        },
    );
    let r = gpuplan::analysis::backtest::backtest(
        &inp,
        &gpuplan::analysis::backtest::BacktestConfig {
            lookback_hours: 24,
            horizon_hours: 24,
            step_hours: 24,
            resolution: gpuplan::ingest::scenario::Resolution::Full,
            settings: exact(),
        },
    );
    match r {
        Err(gpuplan::analysis::backtest::BacktestError::Run(m)) => {
            assert!(
                m.contains("no hindsight plan") && m.contains("infeasible"),
                "{m}"
            )
        }
        Err(gpuplan::analysis::backtest::BacktestError::Windows(m)) => {
            panic!("not a window problem: {m}")
        }
        Ok(b) => panic!(
            "expected an error, got hindsight {:?}",
            b.rows.iter().map(|r| r.hindsight).collect::<Vec<_>>()
        ),
    }
}

// ---------------------------------------------------------------------------------------
// ingest focus: every value it writes is checked against the row it came from.

const FOCUS_HEADER: &str = "ChargeCategory,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ConsumedQuantity,ConsumedUnit,ProviderName,RegionId,ServiceCategory,SkuPriceDetails,Tags";

/// A one-hour row of `workload` on one p5.48xlarge (8 H100), USD 55.04.
fn focus_row(workload: &str) -> String {
    format!(
        "Usage,2025-01-01T00:00:00Z,2025-01-01T01:00:00Z,55.04,55.04,55.04,1,Hours,AWS,us-east-1,Compute,\"{{\"\"InstanceType\"\": \"\"p5.48xlarge\"\"}}\",\"{{\"\"workload\"\": \"\"{workload}\"\"}}\""
    )
}

/// Writes an export with `rows` after the header; returns the case directory.
fn export(rows: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("export.csv"),
        format!("{FOCUS_HEADER}\n{}\n", rows.join("\n")),
    )
    .expect("write");
    dir
}

fn ingest(dir: &Path) -> Output {
    gpuplan(dir, &["ingest", "focus", "export.csv", "--out", "out"])
}

/// Exit 2 naming the export's line (and column), and no output directory.
fn assert_export_error(dir: &Path, out: &Output, marker: &str) {
    assert_input_error(out, marker);
    assert!(!dir.join("out").exists(), "output written on bad input");
}

#[test]
fn ingest_rejects_a_consumed_quantity_of_1e308_naming_the_row() {
    // Was: exit 1, "internal error: generated file does not read back".
    let good = focus_row("w");
    let bad = good.replacen(",1,Hours,", ",1e308,Hours,", 1);
    let dir = export(&[good, bad]);
    let out = ingest(dir.path());
    assert_export_error(
        dir.path(),
        &out,
        "export.csv:3:7: column 'ConsumedQuantity'",
    );
}

#[test]
fn ingest_and_inventory_reject_costs_of_1e300_naming_the_row() {
    // Was: accepted by both (inventory printed the amounts).
    let good = focus_row("w");
    let bad = good.replacen("55.04,55.04,55.04", "1e300,1e300,1e300", 1);
    let dir = export(&[good, bad]);
    let out = ingest(dir.path());
    assert_export_error(dir.path(), &out, "export.csv:3:4: column 'BilledCost'");
    let inv = gpuplan(dir.path(), &["inventory", "--focus", "export.csv"]);
    assert_input_error(&inv, "export.csv:3:4: column 'BilledCost'");
}

#[test]
fn ingest_writes_a_tag_value_with_a_newline_as_an_escaped_name() {
    // Was: exit 1, the name written raw into a TOML table header.
    let newline = focus_row("w").replace("\"\"w\"\"", "\"\"a\\nb]\\\"\" #c\"\"");
    let raw = focus_row("w").replace("\"\"w\"\"", "\"\"raw\nline\"\"");
    let dir = export(&[focus_row("w"), newline, raw]);
    let out = ingest(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let wl = std::fs::read_to_string(dir.path().join("out/workloads.toml")).expect("read");
    assert!(wl.contains("[workloads.\"a\\nb]\\\" #c\"]"), "{wl}");
    assert!(wl.contains("[workloads.\"raw\\nline\"]"), "{wl}");
    let v = gpuplan(&dir.path().join("out"), &["validate", "scenario.toml"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    // The summary keeps one line per workload.
    assert!(
        text(&out.stdout).contains("  raw\\nline: H100"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_charge_period_of_8000_years_is_rejected_before_it_is_spread() {
    // Was: about 5 s spreading 70 million hours, then the usage-row limit.
    let bad = focus_row("w").replacen("2025-01-01T01:00:00Z", "9999-01-01T00:00:00Z", 1);
    let dir = export(&[focus_row("w"), bad]);
    let out = ingest(dir.path());
    assert_export_error(dir.path(), &out, "export.csv:3:3: column 'ChargePeriodEnd'");
    assert!(
        text(&out.stderr).contains("at most 43920"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn gpus_summed_over_rows_past_the_bound_name_the_first_row() {
    // Each row: 75,000 instance-hours of an 8-GPU instance in one hour = 600,000 GPUs (within
    // the bound); the two rows of the same hour sum to 1,200,000.
    let big = focus_row("w").replacen(",1,Hours,", ",75000,Hours,", 1);
    let dir = export(&[big.clone(), big]);
    let out = ingest(dir.path());
    assert_export_error(dir.path(), &out, "export.csv:2:");
    assert!(
        text(&out.stderr).contains("1200000 GPUs"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_implausible_storage_adder_names_the_storage_row() {
    // 8 GPU-hours and USD 5,000,000 of storage: USD 625,000 per GPU-hour.
    let storage = focus_row("w")
        .replacen("55.04,55.04,55.04", "5000000,5000000,5000000", 1)
        .replacen(",Compute,", ",Storage,", 1)
        .replacen("\"{\"\"InstanceType\"\": \"\"p5.48xlarge\"\"}\"", "", 1)
        .replacen(",1,Hours,", ",1000,GB-Month,", 1);
    let dir = export(&[focus_row("w"), storage]);
    let out = ingest(dir.path());
    assert_export_error(dir.path(), &out, "export.csv:3:");
    assert!(
        text(&out.stderr).contains("storage_per_gpu_hour"),
        "{}",
        text(&out.stderr)
    );
}
