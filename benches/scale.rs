//! Scaling benchmark of `gpuplan plan`: the naive full-resolution joint MIP against the
//! planner as users run it (`method = "auto"`: the joint MIP on adaptive time buckets for
//! small fleets, the decomposition for large ones), measured in the same run on synthetic
//! instances (`gpuplan::synth::fleet`, seed 1), plus a size sweep of the decomposed planner to fit
//! how its time grows with workloads × hours.
//!
//! Run: `cargo bench --bench scale` (env `GPUPLAN_SCALE_SIZES="10x8x168,200x20x720"` picks
//! the naive-vs-planner sizes, default `10x8x168,50x12x720`; `GPUPLAN_SCALE_SWEEP` the sweep
//! sizes; `GPUPLAN_SCALE_NAIVE_LIMIT` the naive solve's time limit in seconds, default 600).
//! Figures go to stdout as Markdown rows; `docs/performance.md` records them with the
//! machine.

use gpuplan::engine::{plan, plan_scenario, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::ingest::scenario::{Method, Resolution};
use gpuplan::solve::SolveSettings;
use gpuplan::synth::fleet::{write, SynthSpec};
mod common;
use common::{peak_rss_mb, reset_peak};
use std::time::Instant;

fn sizes(var: &str, default: &str) -> Vec<(usize, usize, usize)> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|s| {
            let v: Vec<usize> = s.trim().split('x').filter_map(|x| x.parse().ok()).collect();
            (v.len() == 3).then(|| (v[0], v[1], v[2]))
        })
        .collect()
}

struct Measure {
    seconds: f64,
    evaluated: f64,
    objective: f64,
    status: &'static str,
    method: &'static str,
    buckets: usize,
    peak_mb: f64,
}

/// The naive model (`None`: the joint MIP at full resolution) or the planner with a method.
fn measure(inp: &Inputs, method: Option<Method>, limit: f64) -> Measure {
    reset_peak();
    let st = SolveSettings {
        time_limit_seconds: limit,
        mip_gap: 1e-4,
        threads: 1,
        max_nodes: None,
        progress: gpuplan::solve::Progress::NONE,
    };
    let t = Instant::now();
    let run: PlanRun = match method {
        None => plan(inp, &st, Resolution::Full),
        Some(m) => {
            let mut inp = inp.clone();
            inp.scenario.solver.method = m;
            plan_scenario(&inp, &st, Resolution::Auto)
        }
    };
    Measure {
        seconds: t.elapsed().as_secs_f64(),
        evaluated: run.evaluation.as_ref().map_or(f64::NAN, |e| e.total),
        objective: run.outcome.objective.unwrap_or(f64::NAN),
        status: run.outcome.status.as_str(),
        method: if run.decomposition.is_some() {
            "decompose"
        } else {
            "mip"
        },
        buckets: run.buckets,
        peak_mb: peak_rss_mb(),
    }
}

fn load(w: usize, o: usize, h: usize, dir: &std::path::Path) -> Inputs {
    let path = write(&SynthSpec::new(w, o, h, 1), dir).expect("synth");
    Inputs::load(&path, None).expect("load")
}

fn main() {
    let naive_limit: f64 = std::env::var("GPUPLAN_SCALE_NAIVE_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600.0);
    let tmp = tempfile::tempdir().expect("tempdir");
    println!("| size W×O×H | naive s | naive status | naive re-priced USD | planner s | method | buckets | planner re-priced USD | speed-up | cost diff | naive peak MB | planner peak MB |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (w, o, h) in sizes("GPUPLAN_SCALE_SIZES", "10x8x168,50x12x720") {
        let dir = tmp.path().join(format!("{w}x{o}x{h}"));
        let inp = load(w, o, h, &dir);
        let auto = measure(&inp, Some(Method::Auto), 300.0);
        let naive = measure(&inp, None, naive_limit);
        println!(
            "| {w}×{o}×{h} | {:.1} | {} | {:.2} | {:.2} | {} | {} | {:.2} | {:.1}× | {:+.3}% | {:.0} | {:.0} |",
            naive.seconds,
            naive.status,
            naive.evaluated,
            auto.seconds,
            auto.method,
            auto.buckets,
            auto.evaluated,
            naive.seconds / auto.seconds,
            (auto.evaluated - naive.evaluated) / naive.evaluated * 100.0,
            naive.peak_mb,
            auto.peak_mb
        );
        let _ = naive.objective;
    }
    println!();
    println!("| sweep W×O×H | W·H | decompose s | buckets | status | objective USD | re-priced USD | peak MB |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut pts = Vec::new();
    for (w, o, h) in sizes(
        "GPUPLAN_SCALE_SWEEP",
        "50x20x720,100x20x720,200x20x720,400x40x1440,1000x40x2160",
    ) {
        let dir = tmp.path().join(format!("sweep-{w}x{o}x{h}"));
        let inp = load(w, o, h, &dir);
        let m = measure(&inp, Some(Method::Decompose), 300.0);
        println!(
            "| {w}×{o}×{h} | {} | {:.2} | {} | {} | {:.2} | {:.2} | {:.0} |",
            w * h,
            m.seconds,
            m.buckets,
            m.status,
            m.objective,
            m.evaluated,
            m.peak_mb
        );
        pts.push(((w * h) as f64, m.seconds));
    }
    if pts.len() >= 2 {
        // Least-squares slope of log(seconds) on log(workloads × hours).
        let n = pts.len() as f64;
        let (sx, sy) = pts
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0.ln(), a.1 + p.1.ln()));
        let (mx, my) = (sx / n, sy / n);
        let (num, den) = pts.iter().fold((0.0, 0.0), |a, p| {
            (
                a.0 + (p.0.ln() - mx) * (p.1.ln() - my),
                a.1 + (p.0.ln() - mx).powi(2),
            )
        });
        println!(
            "\nfitted exponent: seconds ∝ (workloads × hours)^{:.2}",
            num / den
        );
    }
}
