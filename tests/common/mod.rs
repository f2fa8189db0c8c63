//! Helpers shared by the optimizer tests: a scenario written into a temp dir with its own
//! catalog rows (test instance types on an AWS family `tst*` that no shipped offer matches,
//! and test GPU models), restricted to those instance types.
#![allow(dead_code)]

pub mod cli;
pub mod json;

use gpuplan::engine::{plan_full_resolution, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::solve::SolveSettings;
use std::fmt::Write;
use std::path::Path;

/// A test GPU: name, memory GB, training perf, inference perf.
pub struct Gpu(pub &'static str, pub f64, pub f64, pub f64);

/// A test offering: instance type (AWS, region us-east-1), GPU, gpus, on-demand, spot, interruption %.
pub struct Off(
    pub &'static str,
    pub &'static str,
    pub u32,
    pub f64,
    pub Option<f64>,
    pub f64,
);

/// A test commitment row: id, kind, match, match_value, discount %, region (unit needs it).
pub struct Offer(
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub f64,
);

/// Everything one test scenario needs.
pub struct Case<'a> {
    pub gpus: &'a [Gpu],
    pub offerings: &'a [Off],
    pub offers: &'a [Offer],
    /// Workload tables (TOML body after `[workloads.NAME]`), by name.
    pub workloads: &'a [(&'static str, &'static str)],
    /// Demand per workload per hour.
    pub demand: &'a [(&'static str, Vec<f64>)],
    /// Owned commitments CSV body (rows only), if any.
    pub owned: Option<&'a str>,
    /// Extra scenario TOML, appended after the `[instruments]` table (keys before any
    /// header belong to it).
    pub extra: &'a str,
}

pub fn hour(i: usize) -> String {
    format!("2026-01-{:02}T{:02}:00:00Z", 5 + i / 24, i % 24)
}

/// Writes the case into `dir` and loads it.
pub fn load(dir: &Path, c: &Case) -> Inputs {
    let cat = dir.join("catalog");
    std::fs::create_dir_all(&cat).expect("mkdir");
    let mut g = String::from("gpu_model,memory_gb,bf16_tflops,memory_bandwidth_gbps,training_perf,inference_perf,source\n");
    for Gpu(n, m, t, i) in c.gpus {
        let _ = writeln!(g, "{n},{m},100,1000,{t},{i},test");
    }
    std::fs::write(cat.join("gpus.csv"), g).expect("write");
    let mut o = String::from("cloud,region,instance_type,gpu_model,gpus,on_demand_hourly,spot_hourly,spot_interruption_pct,capacity_limit,price_date,source\n");
    for Off(it, gpu, n, od, spot, int) in c.offerings {
        let _ = writeln!(
            o,
            "aws,us-east-1,{it},{gpu},{n},{od},{},{int},,2026-01-01,test",
            spot.map(|s| s.to_string()).unwrap_or_default()
        );
    }
    std::fs::write(cat.join("offerings.csv"), o).expect("write");
    let mut k = String::from("id,cloud,kind,term_months,payment,match,match_value,region,discount_pct,upfront_fraction,price_date,source\n");
    for Offer(id, kind, m, v, d) in c.offers {
        let region = if *kind == "unit" { "us-east-1" } else { "" };
        let _ = writeln!(
            k,
            "{id},aws,{kind},12,no_upfront,{m},{v},{region},{d},0,2026-01-01,test"
        );
    }
    std::fs::write(cat.join("commitment_offers.csv"), k).expect("write");
    let mut d = String::from("timestamp,workload,gpus\n");
    let hours = c.demand.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    for t in 0..hours {
        for (w, v) in c.demand {
            let _ = writeln!(d, "{},{w},{}", hour(t), v.get(t).copied().unwrap_or(0.0));
        }
    }
    std::fs::write(dir.join("demand.csv"), d).expect("write");
    let mut wl = String::new();
    for (n, body) in c.workloads {
        let _ = writeln!(wl, "[workloads.{n}]\n{body}\n");
    }
    std::fs::write(dir.join("workloads.toml"), wl).expect("write");
    let types: Vec<String> = c.offerings.iter().map(|o| format!("\"{}\"", o.0)).collect();
    let mut sc = format!(
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\ncatalog = \"catalog\"\n{}",
        if c.owned.is_some() {
            "commitments = \"commitments.csv\"\n"
        } else {
            ""
        }
    );
    // `extra` lands inside [instruments] until its own first table header.
    let _ = write!(
        sc,
        "[instruments]\ninstance_types = [{}]\n{}\n",
        types.join(", "),
        c.extra
    );
    if let Some(rows) = c.owned {
        std::fs::write(
            dir.join("commitments.csv"),
            format!("offer_id,quantity_or_hourly,start,end\n{rows}"),
        )
        .expect("write");
    }
    std::fs::write(dir.join("scenario.toml"), sc).expect("write");
    Inputs::load(&dir.join("scenario.toml"), None).unwrap_or_else(|e| panic!("load: {e}"))
}

pub fn exact() -> SolveSettings {
    SolveSettings {
        time_limit_seconds: 60.0,
        mip_gap: 0.0,
        threads: 1,
        max_nodes: None,
        progress: gpuplan::solve::Progress::NONE,
    }
}

/// Plans a case at full resolution with a zero gap.
pub fn plan(c: &Case) -> (Inputs, PlanRun) {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), c);
    let run = plan_full_resolution(&inp, &exact());
    (inp, run)
}

/// Re-priced total of a run.
pub fn evaluated(run: &PlanRun) -> f64 {
    run.evaluation.as_ref().expect("evaluation").total
}

/// Amount bought of an offer (0 when not bought).
pub fn bought(run: &PlanRun, id: &str) -> f64 {
    run.plan
        .as_ref()
        .expect("plan")
        .purchases
        .iter()
        .filter(|p| p.offer_id == id)
        .map(|p| p.amount)
        .sum()
}

/// Instance type a workload is placed on.
pub fn placed(run: &PlanRun, w: &str) -> String {
    run.plan
        .as_ref()
        .expect("plan")
        .placements
        .iter()
        .find(|p| p.workload == w)
        .map(|p| p.instance_type.clone())
        .expect("placement")
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Asserts that `got` is [`close`] to the hand-computed `want`, naming both when not.
#[track_caller]
pub fn assert_close(got: f64, want: f64) {
    assert!(close(got, want), "got {got}, expected {want}");
}
