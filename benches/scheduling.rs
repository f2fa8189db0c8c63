//! Scheduling's planning cost: the planner as users run it (`gpuplan plan`, `[solver] method
//! = "auto"`) on the M synthetic fleet of the scale issue (200 workloads × 20 offerings ×
//! 720 hours, `gpuplan::synth::fleet`, seed 1) as generated, against the same fleet with 20%
//! of its workloads deferrable (`shiftable_hours = 8` on every other training or
//! experimentation workload, in file order, until 40 have it). The target: planning
//! with deferrable load within 2× of planning without.
//!
//! One measured run of each prints a Markdown row (seconds, method, buckets, the plan's
//! hourly re-priced cost, what deferring saved, GPU-hours moved) and the ratio; then, unless
//! `GPUPLAN_SCHED_CRITERION=0`, criterion times both plan calls (inputs already loaded), 10
//! samples each.
//!
//! Run: `cargo bench --bench scheduling` (env `GPUPLAN_SCHED_SIZE=WxOxH` for another size,
//! e.g. `50x12x720`). `docs/performance.md` records the figures with the machine.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gpuplan::engine::{plan_scenario, settings, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::synth::fleet::{write, SynthSpec};
use std::time::{Duration, Instant};

/// Workloads × offerings × hours: `GPUPLAN_SCHED_SIZE` or M.
fn size() -> (usize, usize, usize) {
    let v: Vec<usize> = std::env::var("GPUPLAN_SCHED_SIZE")
        .unwrap_or_else(|_| "200x20x720".into())
        .split('x')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    match v[..] {
        [w, o, h] => (w, o, h),
        _ => (200, 20, 720),
    }
}

/// Makes a fifth of the workloads of the generated `workloads.toml` deferrable by 8 hours:
/// every other training or experimentation workload, in file order. Returns how many.
fn make_shiftable(dir: &std::path::Path, workloads: usize) -> usize {
    let path = dir.join("workloads.toml");
    let text = std::fs::read_to_string(&path).expect("workloads.toml");
    let want = workloads / 5;
    let (mut seen, mut made) = (0usize, 0usize);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        let flexible = line.starts_with("[workloads.train-") || line.starts_with("[workloads.exp-");
        if flexible {
            if seen % 2 == 0 && made < want {
                out.push_str("shiftable_hours = 8\n");
                made += 1;
            }
            seen += 1;
        }
    }
    std::fs::write(&path, out).expect("write workloads.toml");
    made
}

fn plan(inp: &Inputs) -> PlanRun {
    let st = settings(inp, None, None, None);
    plan_scenario(inp, &st, inp.scenario.solver.resolution)
}

fn bench(c: &mut Criterion) {
    let (w, o, h) = size();
    let plain_dir = tempfile::tempdir().expect("tempdir");
    let shift_dir = tempfile::tempdir().expect("tempdir");
    let plain_path = write(&SynthSpec::new(w, o, h, 1), plain_dir.path()).expect("synth");
    let shift_path = write(&SynthSpec::new(w, o, h, 1), shift_dir.path()).expect("synth");
    let made = make_shiftable(shift_dir.path(), w);
    let plain = Inputs::load(&plain_path, None).expect("inputs");
    let shifted = Inputs::load(&shift_path, None).expect("inputs");
    println!("| fleet | deferrable workloads | plan s | method | buckets | re-priced USD | saving from deferring USD | GPU-hours moved |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut seconds = Vec::new();
    for (inp, n) in [(&plain, 0), (&shifted, made)] {
        let t = Instant::now();
        let run = plan(inp);
        let s = t.elapsed().as_secs_f64();
        seconds.push(s);
        let (saving, moved) = run.scheduling.as_ref().map_or((0.0, 0.0), |v| {
            let moved: f64 = v.shifts.iter().map(|x| x.gpu_hours_moved).sum();
            (v.saving_shifting(), moved)
        });
        println!(
            "| {w}×{o}×{h} | {n} | {s:.2} | {} | {} | {:.2} | {saving:.2} | {moved:.1} |",
            if run.decomposition.is_some() {
                "decompose"
            } else {
                "mip"
            },
            run.buckets,
            run.evaluation.as_ref().map_or(f64::NAN, |e| e.total),
        );
    }
    println!(
        "\nratio (deferrable / plain): {:.2}×",
        seconds[1] / seconds[0].max(1e-9)
    );
    if std::env::var("GPUPLAN_SCHED_CRITERION").is_ok_and(|v| v == "0") {
        return;
    }
    let mut g = c.benchmark_group("scheduling");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    for (name, inp) in [("plain", &plain), ("deferrable-20pct", &shifted)] {
        g.bench_with_input(BenchmarkId::from_parameter(name), inp, |b, inp| {
            b.iter(|| plan(inp))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
