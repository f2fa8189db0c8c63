//! The forecaster (`gpuplan forecast`, and `plan` in window mode with `[forecast]`) on
//! synthetic fleets of 30 days (`gpuplan::synth::fleet`, seed 5), a one-week horizon and
//! the scenario's defaults: candidate selection on up to 28 validation origins, calibration,
//! the fleet band and one scenario path.
//!
//! | size | workloads | offerings | hours |
//! |------|-----------|-----------|-------|
//! | S    | 200       | 12        | 720   |
//! | L    | 1,000     | 12        | 720   |
//!
//! Each size is measured once and printed as a Markdown row: seconds of the forecast, the
//! ratio to the first size measured in the same run (how the time grows with the number of
//! workloads, free of the machine's speed), and the peak RSS since the size started. Then
//! criterion times the forecast of S (10 samples).
//!
//! Run: `cargo bench --bench forecast` (env `GPUPLAN_FORECAST_SIZES=S,L` picks the measured
//! sizes, default both; `GPUPLAN_FORECAST_CRITERION=0` skips criterion).
//! `docs/performance.md` records the figures with the machine.

use criterion::Criterion;
use gpuplan::forecast::forecast_inputs;
use gpuplan::ingest::inputs::Inputs;
use gpuplan::synth::fleet::{write, SynthSpec};
mod common;
use common::{peak_rss_mb, reset_peak};
use std::path::Path;
use std::time::{Duration, Instant};

fn chosen(name: &str) -> bool {
    std::env::var("GPUPLAN_FORECAST_SIZES")
        .unwrap_or_else(|_| "S,L".into())
        .split(',')
        .any(|s| s.trim() == name)
}

/// A synthetic fleet of `w` workloads and 30 days, loaded as `plan` loads it.
fn fleet(w: usize, dir: &Path) -> Inputs {
    let path = write(&SynthSpec::new(w, 12, 720, 5), dir).expect("synth");
    Inputs::load(&path, None).expect("load")
}

/// Seconds of the forecast of a fleet of `w` workloads, printed as a row with its ratio to
/// `first` (the first row's seconds, or this one's).
fn row(name: &str, w: usize, first: Option<f64>) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = fleet(w, dir.path());
    reset_peak();
    let t = Instant::now();
    let f = forecast_inputs(&inp);
    let secs = t.elapsed().as_secs_f64();
    let peak = peak_rss_mb();
    assert_eq!(f.workloads.len(), w);
    let ratio = secs / first.unwrap_or(secs).max(1e-9);
    println!("| {name} | {w} | 720 | {secs:.2} | {ratio:.2} | {peak:.0} |");
    secs
}

fn main() {
    println!("| size | workloads | hours | forecast s | ratio to the first row | peak RSS MB |");
    println!("|---|---|---|---|---|---|");
    let mut first = None;
    for (name, w) in [("S", 200), ("L", 1000)] {
        if chosen(name) {
            let secs = row(name, w, first);
            first.get_or_insert(secs);
        }
    }
    if std::env::var("GPUPLAN_FORECAST_CRITERION").as_deref() == Ok("0") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = fleet(200, dir.path());
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    c.bench_function("forecast_200x720", |b| b.iter(|| forecast_inputs(&inp)));
    c.final_summary();
}
