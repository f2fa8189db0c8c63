//! Model build and solve times at three instance sizes (workloads × offerings × hours), on
//! synthetic scenarios from `gpuplan::synth::fleet` (seeded, so every run solves the same instances).
//!
//! | size | workloads | offerings | hours |
//! |------|-----------|-----------|-------|
//! | S    | 10        | 8         | 168   |
//! | M    | 50        | 12        | 720   |
//! | L    | 200       | 20        | 720   |
//!
//! For each size the bench first runs build (`Problem::build` + `build_mip`) and solve
//! (`solve`, i.e. good_lp → HiGHS hand-off plus HiGHS) once, and prints one line with build
//! seconds, solve seconds, status, objective, gap, columns/rows and peak RSS. Then criterion
//! times build and solve separately (10 samples, flat sampling, `iter_custom` so that only the
//! measured part is timed). A solve slower than `GPUPLAN_BENCH_CRITERION_MAX_SOLVE` seconds in
//! the one-shot run is not repeated: 10 samples of a minute-long MIP would take a quarter of an
//! hour, so that size reports the one-shot timing only (marked in the table).
//!
//! Environment:
//! - `GPUPLAN_BENCH_SIZES=S,M,L` — sizes to run (default `S,M`);
//! - `GPUPLAN_BENCH_TIME_LIMIT=300` — HiGHS time limit per solve, seconds (default 300);
//! - `GPUPLAN_BENCH_CRITERION_MAX_SOLVE=30` — repeat solves with criterion only when the
//!   one-shot solve took at most this many seconds (default 30);
//! - `GPUPLAN_BENCH_SEED=1` — generator seed (default 1);
//! - `GPUPLAN_SOLVER_LOG=1` — HiGHS's own log (read by `gpuplan::solve`), to see where a
//!   solve spends its time (root LP, cuts, heuristics, branch and bound).
//!
//! Peak RSS is VmHWM from /proc/self/status, reset before each size's one-shot build by
//! writing `5` to /proc/self/clear_refs (Linux ≥ 4.0); where the reset is refused the figure
//! is the process peak so far and is marked `*`.
//!
//! Run: `cargo bench --bench solve` (add `GPUPLAN_BENCH_SIZES=S,M,L` for the large size).

use criterion::{Criterion, SamplingMode};
use good_lp::solvers::highs::highs;
use good_lp::SolverModel;
use gpuplan::engine::settings;
use gpuplan::ingest::inputs::Inputs;
use gpuplan::model::{build_mip, DemandSet, Problem};
use gpuplan::solve::{solve, SolveSettings};
use gpuplan::synth::fleet::{self, SynthSpec};
use std::time::{Duration, Instant};

/// One instance size.
#[derive(Debug, Clone, Copy)]
struct Size {
    name: &'static str,
    workloads: usize,
    offerings: usize,
    hours: usize,
}

const SIZES: [Size; 3] = [
    Size {
        name: "S",
        workloads: 10,
        offerings: 8,
        hours: 168,
    },
    Size {
        name: "M",
        workloads: 50,
        offerings: 12,
        hours: 720,
    },
    Size {
        name: "L",
        workloads: 200,
        offerings: 20,
        hours: 720,
    },
];

/// What the one-shot run of a size measured.
#[derive(Debug, Clone)]
struct Row {
    size: Size,
    offerings_in_play: usize,
    tier_columns: usize,
    build_s: f64,
    handoff_s: f64,
    solve_s: f64,
    status: &'static str,
    objective: Option<f64>,
    gap: Option<f64>,
    cols: usize,
    rows: usize,
    ints: usize,
    peak_rss_mb: Option<f64>,
    peak_reset: bool,
    criterion_solve: bool,
}

fn env_f64(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?}: expected a number")),
        Err(_) => default,
    }
}

fn sizes_from_env() -> Vec<Size> {
    let spec = std::env::var("GPUPLAN_BENCH_SIZES").unwrap_or_else(|_| "S,M".to_string());
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            SIZES
                .iter()
                .copied()
                .find(|z| z.name.eq_ignore_ascii_case(s))
                .unwrap_or_else(|| {
                    panic!("GPUPLAN_BENCH_SIZES={spec:?}: unknown size {s:?}, expected S, M or L")
                })
        })
        .collect()
}

/// VmHWM (peak resident set) of this process in MB, from /proc/self/status.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets VmHWM to the current RSS; false when the kernel refuses.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Seconds to hand a built model from good_lp to HiGHS (the part of `solve` before HiGHS
/// runs), measured on a fresh build.
fn handoff_seconds(inputs: &Inputs, demand: &DemandSet) -> f64 {
    let problem = Problem::build(inputs, demand.clone()).expect("synthetic scenario is feasible");
    let mip = build_mip(&problem);
    let t = Instant::now();
    let mut p = mip.vars.minimise(mip.objective).using(highs);
    for c in mip.constraints {
        p = p.with(c);
    }
    let model = p.try_into_inner().expect("HiGHS accepts the model");
    let s = t.elapsed().as_secs_f64();
    drop(model);
    s
}

fn one_shot(size: Size, inputs: &Inputs, demand: &DemandSet, st: &SolveSettings) -> Row {
    let peak_reset = reset_peak_rss();
    let t = Instant::now();
    let problem = Problem::build(inputs, demand.clone()).expect("synthetic scenario is feasible");
    let mip = build_mip(&problem);
    let build_s = t.elapsed().as_secs_f64();
    let offerings_in_play = problem.offerings.len();
    let tier_columns = problem.workloads.iter().map(|w| w.options.len()).sum();
    let t = Instant::now();
    let out = solve(mip, st);
    let solve_s = t.elapsed().as_secs_f64();
    let peak_rss_mb = peak_rss_mb();
    drop(problem);
    let handoff_s = handoff_seconds(inputs, demand);
    Row {
        size,
        offerings_in_play,
        tier_columns,
        build_s,
        handoff_s,
        solve_s,
        status: out.status.as_str(),
        objective: out.objective,
        gap: out.gap,
        cols: out.size.0,
        rows: out.size.1,
        ints: out.size.2,
        peak_rss_mb,
        peak_reset,
        criterion_solve: false,
    }
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

fn line(r: &Row) -> String {
    format!(
        "gpuplan-bench size={} workloads={} offerings={} (in play {}) hours={} build_s={:.3} solve_s={:.3} (hand-off {:.3}) status={} objective={} gap={} cols={} rows={} int_cols={} y_cols={} peak_rss_mb={}{}",
        r.size.name,
        r.size.workloads,
        r.size.offerings,
        r.offerings_in_play,
        r.size.hours,
        r.build_s,
        r.solve_s,
        r.handoff_s,
        r.status,
        fmt_opt(r.objective, |o| format!("{o:.2}")),
        fmt_opt(r.gap, |g| format!("{:.4}%", 100.0 * g)),
        r.cols,
        r.rows,
        r.ints,
        r.tier_columns,
        fmt_opt(r.peak_rss_mb, |m| format!("{m:.0}")),
        if r.peak_reset { "" } else { "*" },
    )
}

fn table(rows: &[Row], time_limit: f64) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "\ngpuplan solve benchmark (one-shot figures; HiGHS threads=1, mip_gap=1e-4, time limit {time_limit} s)\n"
    ));
    s.push_str(&format!(
        "{:<4} {:>18} {:>8} {:>8} {:>9} {:<10} {:>9} {:>16} {:>9} {:>9} {:>6} {:>9} {}\n",
        "size",
        "W x O x H",
        "build s",
        "solve s",
        "handoff s",
        "status",
        "gap",
        "objective",
        "cols",
        "rows",
        "ints",
        "peak MB",
        "solve timing"
    ));
    for r in rows {
        s.push_str(&format!(
            "{:<4} {:>18} {:>8.3} {:>8.3} {:>9.3} {:<10} {:>9} {:>16} {:>9} {:>9} {:>6} {:>9} {}\n",
            r.size.name,
            format!("{}x{}x{}", r.size.workloads, r.size.offerings, r.size.hours),
            r.build_s,
            r.solve_s,
            r.handoff_s,
            r.status,
            fmt_opt(r.gap, |g| format!("{:.4}%", 100.0 * g)),
            fmt_opt(r.objective, |o| format!("{o:.2}")),
            r.cols,
            r.rows,
            r.ints,
            fmt_opt(r.peak_rss_mb, |m| format!(
                "{m:.0}{}",
                if r.peak_reset { "" } else { "*" }
            )),
            if r.criterion_solve {
                "criterion (10 samples)"
            } else {
                "one-shot only"
            }
        ));
    }
    s
}

/// Criterion's measurement time for a routine that took `secs` once: room for 10 samples
/// with a margin (repeated runs on a shared machine vary by ±20%).
fn budget(secs: f64) -> Duration {
    Duration::from_secs_f64((secs * 10.0 * 1.6).max(1.0))
}

fn main() {
    let sizes = sizes_from_env();
    let time_limit = env_f64("GPUPLAN_BENCH_TIME_LIMIT", fleet::TIME_LIMIT_SECONDS);
    let max_solve = env_f64("GPUPLAN_BENCH_CRITERION_MAX_SOLVE", 30.0);
    let seed = env_f64("GPUPLAN_BENCH_SEED", 1.0) as u64;
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    let mut rows = Vec::new();
    for size in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = SynthSpec::new(size.workloads, size.offerings, size.hours, seed);
        let path = fleet::write(&spec, dir.path()).expect("write synthetic scenario");
        let inputs = Inputs::load(&path, None).expect("synthetic scenario loads");
        let st = settings(&inputs, Some(time_limit), None, None);
        let demand = DemandSet::full_resolution(&inputs);

        let mut row = one_shot(size, &inputs, &demand, &st);
        println!("{}", line(&row));

        let mut g = c.benchmark_group("build");
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(budget(row.build_s));
        g.bench_function(size.name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let d = demand.clone();
                    let t = Instant::now();
                    let p = Problem::build(&inputs, d).expect("feasible");
                    let m = build_mip(&p);
                    total += t.elapsed();
                    drop((m, p));
                }
                total
            })
        });
        g.finish();

        if row.solve_s <= max_solve {
            row.criterion_solve = true;
            let mut g = c.benchmark_group("solve");
            g.sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(budget(row.solve_s));
            g.bench_function(size.name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let p = Problem::build(&inputs, demand.clone()).expect("feasible");
                        let m = build_mip(&p);
                        let t = Instant::now();
                        let out = solve(m, &st);
                        total += t.elapsed();
                        drop(out);
                    }
                    total
                })
            });
            g.finish();
        } else {
            println!(
                "gpuplan-bench size={}: solve took {:.1} s > GPUPLAN_BENCH_CRITERION_MAX_SOLVE={max_solve} s; one-shot timing only",
                size.name, row.solve_s
            );
        }
        rows.push(row);
    }
    c.final_summary();
    print!("{}", table(&rows, time_limit));
}
