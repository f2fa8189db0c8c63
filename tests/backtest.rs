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
