//! The planner as users run it (`gpuplan plan`, `[solver] method = "auto"`) on the S / M / L
//! synthetic instances of the scale issue (`gpuplan::synth::fleet`, seed 1):
//!
//! | size | workloads | offerings | hours |
//! |------|-----------|-----------|-------|
//! | S    | 10        | 8         | 168   |
//! | M    | 200       | 20        | 720   |
//! | L    | 1,000     | 40        | 2,160 |
//!
//! For each size, one measured run first prints a Markdown row: seconds to load the inputs,
//! to choose tiers (decomposition) or solve (joint MIP), the commitment MIP steps, the hourly
//! re-pricing, the total; peak RSS (load + plan); method and bucket count; the model
//! objective and the plan's hourly re-priced cost. Then criterion times the plan call (inputs
//! already loaded), 10 samples.
//!
//! Run: `cargo bench --bench planner` (env `GPUPLAN_BENCH_SIZES=S,M` to pick sizes).
//! `docs/performance.md` records the figures with the machine.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gpuplan::engine::{plan_scenario, settings, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::synth::fleet::{write, SynthSpec};
mod common;
use common::{peak_rss_mb, reset_peak};
use std::time::{Duration, Instant};

const SIZES: [(&str, usize, usize, usize); 3] = [
    ("S", 10, 8, 168),
    ("M", 200, 20, 720),
    ("L", 1000, 40, 2160),
];

fn chosen() -> Vec<&'static (&'static str, usize, usize, usize)> {
    let want = std::env::var("GPUPLAN_BENCH_SIZES").unwrap_or_else(|_| "S,M,L".into());
    SIZES
        .iter()
        .filter(|s| want.split(',').any(|w| w.trim() == s.0))
        .collect()
}

fn generate(w: usize, o: usize, h: usize, dir: &std::path::Path) -> std::path::PathBuf {
    write(&SynthSpec::new(w, o, h, 1), dir).expect("synth")
}

fn plan(inp: &Inputs) -> PlanRun {
    let st = settings(inp, None, None, None);
    plan_scenario(inp, &st, inp.scenario.solver.resolution)
}

fn bench(c: &mut Criterion) {
    let sizes = chosen();
    let dirs: Vec<tempfile::TempDir> = sizes
        .iter()
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    println!(
        "| size | load s | tiers s | commitment MIP s | evaluate s | plan s | peak MB | method | buckets | objective USD | re-priced USD |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut loaded = Vec::new();
    for (&&(name, w, o, h), dir) in sizes.iter().zip(&dirs) {
        let path = generate(w, o, h, dir.path());
        reset_peak();
        let t = Instant::now();
        let inp = Inputs::load(&path, None).expect("inputs");
        let load_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let run = plan(&inp);
        let plan_s = t.elapsed().as_secs_f64();
        let peak = peak_rss_mb();
        let (method, tiers_s) = match &run.decomposition {
            Some(d) => ("decompose", d.tiers_seconds),
            None => ("mip", f64::NAN),
        };
        let steps_s: f64 = run.steps.iter().map(|s| s.seconds).sum();
        println!(
            "| {name} {w}×{o}×{h} | {load_s:.2} | {tiers_s:.2} | {steps_s:.2} | {:.2} | {plan_s:.2} | {peak:.0} | {method} | {} | {:.2} | {:.2} |",
            run.evaluate_seconds,
            run.buckets,
            run.outcome.objective.unwrap_or(f64::NAN),
            run.evaluation.as_ref().map_or(f64::NAN, |e| e.total),
        );
        loaded.push((name, inp));
    }
    let mut g = c.benchmark_group("plan");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    for (name, inp) in &loaded {
        g.bench_with_input(BenchmarkId::from_parameter(name), inp, |b, inp| {
            b.iter(|| plan(inp))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
