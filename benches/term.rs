//! The term-aware planner (`gpuplan plan`, `[term] mode = "term"`, the default) on the sizes
//! of issue 11, and `gpuplan simulate` on a long fleet:
//!
//! | size | workloads | offerings | lookback | term scenarios × periods |
//! |------|-----------|-----------|----------|--------------------------|
//! | M    | 200       | 20        | 90 days  | 20 × 12 quarters         |
//! | L    | 1,000     | 40        | 90 days  | 20 × 12 quarters         |
//! | bundled | every `scenarios/*forecast*.toml` | | its window | its `[term]` (default 20 × 12) |
//! | SIM  | simulate: 200 × 20, 90-day lookback, 8 quarterly decisions, policy `term` only | | | |
//!
//! Each size is measured once and printed as a Markdown row (seconds, peak RSS since the
//! size started, status, purchases now, expected horizon cost); then criterion times the term
//! plan of the bundled `synthetic-forecast.toml` (10 samples).
//!
//! Run: `cargo bench --bench term` (env `GPUPLAN_TERM_SIZES=M,L,bundled,SIM` picks the
//! measured sizes, default `M,bundled`; `GPUPLAN_TERM_CRITERION=0` skips criterion).
//! `docs/performance.md` records the figures with the machine.

use criterion::Criterion;
use gpuplan::analysis::simulate::{simulate, Policy, SimulateConfig};
use gpuplan::engine::term::plan_term;
use gpuplan::engine::{settings, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::ingest::scenario::Resolution;
use gpuplan::synth::fleet::{write, SynthSpec};
use gpuplan::synth::long::{write_long, LongSpec};
mod common;
use common::{peak_rss_mb, reset_peak};
use std::path::Path;
use std::time::{Duration, Instant};

fn chosen(name: &str) -> bool {
    std::env::var("GPUPLAN_TERM_SIZES")
        .unwrap_or_else(|_| "M,bundled".into())
        .split(',')
        .any(|s| s.trim() == name)
}

/// A synthetic fleet of 90 days with 20 term scenarios (quarterly periods, 36-month
/// horizon: the defaults).
fn fleet(w: usize, o: usize, dir: &Path) -> Inputs {
    let path = write(&SynthSpec::new(w, o, 90 * 24, 1), dir).expect("synth");
    let mut inp = Inputs::load(&path, None).expect("load");
    inp.scenario.term.scenarios = 20;
    inp
}

fn term_run(inp: &Inputs) -> PlanRun {
    let st = settings(inp, None, None, None);
    plan_term(inp, &st, Resolution::Auto)
}

fn row(name: &str, inp: &Inputs) {
    reset_peak();
    let t = Instant::now();
    let run = term_run(inp);
    let secs = t.elapsed().as_secs_f64();
    let (periods, scenarios, cost) = run.term.as_ref().map_or((0, 0, f64::NAN), |r| {
        let mean: f64 = r.costs.iter().zip(&r.probs).map(|(c, p)| c * p).sum();
        (r.periods, r.scenarios, mean)
    });
    println!(
        "| {name} | {} | {scenarios} × {periods} | {secs:.1} | {:.0} | {} | {} | {cost:.0} |",
        inp.workloads.len(),
        peak_rss_mb(),
        run.outcome.status.as_str(),
        run.plan.as_ref().map_or(0, |p| p.purchases.len()),
    );
}

fn simulate_row(dir: &Path) {
    // 90 days of lookback and 8 whole quarters after it: 27 months of history.
    let path = write_long(&LongSpec::new(200, 20, 27, 1, true), dir).expect("synth long");
    let inp = Inputs::load(&path, None).expect("load");
    let cfg = SimulateConfig {
        every_months: 3,
        lookback_hours: 90 * 24,
        policies: vec![Policy::Term],
        settings: settings(&inp, None, None, None),
        resolution: Resolution::Auto,
    };
    reset_peak();
    let t = Instant::now();
    let sim = simulate(&inp, &cfg).expect("simulate");
    println!(
        "| SIM (simulate, term policy) | 200 | {} decisions | {:.1} | {:.0} | - | - | {:.0} |",
        sim.decisions.len(),
        t.elapsed().as_secs_f64(),
        peak_rss_mb(),
        sim.runs[0].total()
    );
}

fn main() {
    let tmp = tempfile::tempdir().expect("tempdir");
    println!("| size | workloads | scenarios × periods | seconds | peak MB | status | purchases now | expected horizon cost USD |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, w, o) in [("M", 200, 20), ("L", 1000, 40)] {
        if chosen(name) {
            let inp = fleet(w, o, &tmp.path().join(name));
            row(&format!("{name} ({w}×{o}, 90 d)"), &inp);
        }
    }
    if chosen("bundled") {
        for stem in [
            "synthetic-forecast",
            "synthetic-forecast-growth50",
            "synthetic-forecast-averse",
            "helios-forecast",
        ] {
            let path = Path::new("scenarios").join(format!("{stem}.toml"));
            let inp = Inputs::load(&path, None).expect("load a bundled scenario");
            row(stem, &inp);
        }
    }
    if chosen("SIM") {
        simulate_row(&tmp.path().join("sim"));
    }
    if std::env::var("GPUPLAN_TERM_CRITERION").as_deref() != Ok("0") {
        let inp = Inputs::load(Path::new("scenarios/synthetic-forecast.toml"), None)
            .expect("load synthetic-forecast");
        let mut c = Criterion::default()
            .sample_size(10)
            .measurement_time(Duration::from_secs(30))
            .configure_from_args();
        c.bench_function("term plan synthetic-forecast", |b| {
            b.iter(|| term_run(&inp))
        });
        c.final_summary();
    }
}
