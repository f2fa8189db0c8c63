//! Backtest on hand-made histories, at full resolution with a zero gap.

mod common;
use common::*;
use gpuplan::analysis::backtest::{backtest, BacktestConfig};
use gpuplan::ingest::scenario::Resolution;

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0), Gpu("G80", 80.0, 2.0, 2.0)];

fn run(demand: Vec<f64>) -> gpuplan::analysis::backtest::Backtest {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir.path(),
        &Case {
            gpus: GPUS,
            offerings: &[
                Off("tst1.xlarge", "G16", 1, 4.0, Some(1.5), 10.0),
                Off("tst2.xlarge", "G80", 1, 6.0, None, 0.0),
            ],
            offers: &[
                Offer("ri1", "unit", "instance_type", "tst1.xlarge", 40.0),
                Offer("ri2", "unit", "instance_type", "tst2.xlarge", 40.0),
            ],
            workloads: &[(
                "w",
                "class = \"training\"\ncurrent_gpu = \"G16\"\ncurrent_offering = \"tst1.xlarge\"",
            )],
            demand: &[("w", demand)],
            owned: None,
            extra: "",
        },
    );
    backtest(
        &inp,
        &BacktestConfig {
            lookback_hours: 24,
            horizon_hours: 24,
            step_hours: 24,
            resolution: Resolution::Full,
            settings: exact(),
        },
    )
    .expect("backtest")
}

#[test]
fn repeating_demand_is_planned_perfectly_and_hindsight_bounds_everything() {
    // The same day repeated 3 times: the lookback is the future, so gpuplan's plan is the
    // hindsight optimum. It moves to tst2 (G80: 2× the throughput for 1.5× the price) with
    // RIs; the recommender stays on tst1.
    let day: Vec<f64> = (0..24)
        .map(|h| if (8..20).contains(&h) { 4.0 } else { 2.0 })
        .collect();
    let demand: Vec<f64> = day.iter().cycle().take(72).copied().collect();
    let b = run(demand);
    assert_eq!(b.rows.len(), 2);
    for r in &b.rows {
        assert!(close(r.gpuplan, r.hindsight), "{r:?}");
        assert!(
            r.hindsight <= r.recommender + 1e-6 && r.recommender <= r.all_on_demand + 1e-6,
            "{r:?}"
        );
        // All on-demand on tst1: (12 h × 4 + 12 h × 2) × $4 = 288 per day.
        assert!(close(r.all_on_demand, 288.0), "{r:?}");
    }
    let (rec, gp) = b.captured();
    assert!(close(gp.expect("captured"), 1.0));
    assert!(rec.expect("captured") < 1.0);
}

#[test]
fn a_demand_drop_hurts_the_replay_but_never_beats_hindsight() {
    // Day 1 busy, days 2–3 idle half the time: plans made on a busy lookback over-commit.
    let mut demand = vec![4.0; 24];
    demand.extend((0..48).map(|h| if h % 2 == 0 { 4.0 } else { 0.0 }));
    let b = run(demand);
    for r in &b.rows {
        assert!(r.hindsight <= r.gpuplan + 1e-6, "{r:?}");
        assert!(r.hindsight <= r.recommender + 1e-6, "{r:?}");
    }
}

/// A backtest that cannot plan at an origin (a workload with no compatible offering) is a
/// runtime failure, exit code 1, not bad flags (2); windows that do not fit the history are
/// bad flags (2), named.
#[test]
fn backtest_failures_are_runtime_errors_and_window_errors_are_flag_errors() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    let dir = tempfile::tempdir().expect("temp dir");
    for f in [
        "scenario.toml",
        "demand.csv",
        "workloads.toml",
        "commitments.csv",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy fixture");
    }
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpuplan"))
            .args(args)
            .output()
            .expect("run gpuplan");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sc = dir.path().join("scenario.toml");
    let sc = sc.to_str().expect("UTF-8 path");
    let (code, err) = run(&["backtest", sc, "--lookback", "30d", "--horizon", "7d"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--lookback/--horizon"), "{err}");
    // No offering has 10 TB of GPU memory: the workload cannot be placed anywhere.
    let mut w = std::fs::read_to_string(dir.path().join("workloads.toml")).expect("read");
    w.push_str("\n[workloads.unplaceable]\ncurrent_gpu = \"L4\"\nmin_gpu_memory_gb = 10000\n");
    std::fs::write(dir.path().join("workloads.toml"), w).expect("write");
    let mut d = std::fs::read_to_string(dir.path().join("demand.csv")).expect("read");
    for h in 0..48 {
        d.push_str(&format!(
            "2026-10-{:02}T{:02}:00:00Z,unplaceable,1\n",
            5 + h / 24,
            h % 24
        ));
    }
    std::fs::write(dir.path().join("demand.csv"), d).expect("write");
    let (code, err) = run(&["backtest", sc, "--lookback", "24h", "--horizon", "12h"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no plan on the lookback"), "{err}");
}
