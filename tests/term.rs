//! Known-answer tests of the term-aware planner (`docs/term.md`), computed by hand.
//!
//! One test offering `tst.big` (8 GPUs of the test model TG, USD 8 per instance-hour, no
//! spot) with unit commitments of 12 and 36 months whose discounts each test chooses; one
//! workload of 16 GPUs (2 instances) every hour of a 28-day history that ends at the as-of
//! date 2026-01-01. Everything is certain unless a test says otherwise (no churn, no level
//! volatility, no growth uncertainty, no price change), so each expected choice follows from
//! hours: 2026-01-01 + 8 months = 2026-09-01 is 5,832 hours; a 12-month term from
//! 2026-01-01 is 8,760 hours, a 36-month term 26,304 hours (2028 is a leap year).

use gpuplan::engine::term::plan_term;
use gpuplan::engine::PlanRun;
use gpuplan::ingest::inputs::Inputs;
use std::fmt::Write;
use std::path::Path;

/// Writes a one-offering scenario with 1y and 3y unit offers of the given discounts, one
/// workload with the given extra `workloads.toml` keys, extra scenario TOML, owned
/// commitments; loads it.
fn case(dir: &Path, d1: f64, d3: f64, workload_keys: &str, extra: &str, owned: &str) -> Inputs {
    let cat = dir.join("catalog");
    std::fs::create_dir_all(&cat).unwrap();
    std::fs::write(
        cat.join("gpus.csv"),
        "gpu_model,memory_gb,bf16_tflops,memory_bandwidth_gbps,training_perf,inference_perf,source\nTG,80,100,1000,1,1,test\n",
    )
    .unwrap();
    std::fs::write(
        cat.join("offerings.csv"),
        "cloud,region,instance_type,gpu_model,gpus,on_demand_hourly,spot_hourly,spot_interruption_pct,capacity_limit,price_date,source\naws,us-east-1,tst.big,TG,8,8,,,,2026-01-01,test\n",
    )
    .unwrap();
    let mut k = String::from("id,cloud,kind,term_months,payment,match,match_value,region,discount_pct,upfront_fraction,price_date,source\n");
    for (term, d) in [(12, d1), (36, d3)] {
        let _ = writeln!(
            k,
            "tst-ri-{term}m,aws,unit,{term},no_upfront,instance_type,tst.big,us-east-1,{d},0,2026-01-01,test"
        );
    }
    std::fs::write(cat.join("commitment_offers.csv"), k).unwrap();
    let mut demand = String::from("timestamp,workload,gpus\n");
    let start = chrono::DateTime::parse_from_rfc3339("2025-12-04T00:00:00Z").unwrap();
    for h in 0..28 * 24 {
        let t = start + chrono::Duration::hours(h);
        let _ = writeln!(demand, "{},run,16", t.format("%Y-%m-%dT%H:%M:%SZ"));
    }
    std::fs::write(dir.join("demand.csv"), demand).unwrap();
    std::fs::write(
        dir.join("workloads.toml"),
        format!("[workloads.run]\ncurrent_gpu = \"TG\"\nclass = \"training\"\nend_probability = 0.0\n{workload_keys}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("owned.csv"),
        format!("offer_id,quantity_or_hourly,start,end\n{owned}"),
    )
    .unwrap();
    let scenario = format!(
        "name = \"term-known-answer\"\ndemand = \"demand.csv\"\nworkloads = \"workloads.toml\"\ncommitments = \"owned.csv\"\ncatalog = \"catalog\"\n\n[instruments]\nspend = false\n\n[term]\nscenarios = 4\nlevel_sigma_cap = 0.0\ngrowth_sd_pct = 0.0\nmigration_cost = 0.0\n{extra}\n"
    );
    std::fs::write(dir.join("scenario.toml"), scenario).unwrap();
    Inputs::load(&dir.join("scenario.toml"), None).unwrap()
}

fn run(inputs: &Inputs) -> PlanRun {
    let settings = gpuplan::engine::settings(inputs, None, None, None);
    plan_term(
        inputs,
        &settings,
        gpuplan::ingest::scenario::Resolution::Full,
    )
}

/// Purchases of a run as (offer id, amount), sorted.
fn purchases(run: &PlanRun) -> Vec<(String, f64)> {
    let plan = run.plan.as_ref().expect("a plan");
    let mut v: Vec<(String, f64)> = plan
        .purchases
        .iter()
        .map(|p| (p.offer_id.clone(), p.amount))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn constant_certain_demand_still_gets_three_year_commitments() {
    // 36 months at 60% off cost 26,304 × 0.4 = 10,522 instance-hour equivalents against
    // 26,304 on demand; a 1y at 37% costs 0.63 of each hour it covers: 3y is cheaper per
    // hour (0.40 < 0.63) for all three years.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(dir.path(), 37.0, 60.0, "", "", "");
    let r = run(&inp);
    assert_eq!(purchases(&r), vec![("tst-ri-36m".to_string(), 2.0)]);
    let plan = r.plan.unwrap();
    assert_eq!(plan.start.to_rfc3339(), "2026-01-01T00:00:00+00:00");
}

#[test]
fn a_workload_that_certainly_ends_in_month_8_gets_a_1y_only_if_it_pays() {
    // Ends 2026-09-01: 5,832 hours of use. A 1y costs 8,760 × (1 − d1) hours of on-demand:
    // with d1 = 36.6% (AWS p4d 1y no-upfront) 5,554 < 5,832: buy 1y; a 3y at 57.31% costs
    // 26,304 × 0.4269 = 11,229 > 5,832: never.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(dir.path(), 36.6, 57.31, "ends = \"2026-09-01\"", "", "");
    assert_eq!(purchases(&run(&inp)), vec![("tst-ri-12m".to_string(), 2.0)]);
    // d1 = 30%: 8,760 × 0.7 = 6,132 > 5,832: nothing.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(dir.path(), 30.0, 57.31, "ends = \"2026-09-01\"", "", "");
    assert_eq!(purchases(&run(&inp)), Vec::<(String, f64)>::new());
    // d3 = 80%: 26,304 × 0.2 = 5,261 < 5,832 and below the 1y's 5,554: buy 3y.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(dir.path(), 36.6, 80.0, "ends = \"2026-09-01\"", "", "");
    assert_eq!(purchases(&run(&inp)), vec![("tst-ri-36m".to_string(), 2.0)]);
}

#[test]
fn a_fifty_percent_chance_of_ending_follows_the_expected_cost_break_even() {
    // Ends 2026-09-01 with probability 0.5, else at 2027-01-01 (scale to 0): the expected
    // use of a 1y bought now is 0.5 × 5,832 + 0.5 × 8,760 = 7,296 hours, so it pays iff
    // 8,760 × (1 − d1) < 7,296, i.e. d1 > 16.71%. Buying later cannot help (a 1y bought at
    // the next quarter covers at most 3 of its 12 months). A 3y at 57.31% costs 11,229.
    let keys = "ends = \"2026-09-01\"\nends_probability = 0.5\nscale = [{ at = \"2027-01-01\", factor = 0.0 }]";
    let dir = tempfile::tempdir().unwrap();
    // d1 = 17.2%: 8,760 × 0.828 = 7,253 < 7,296: buy.
    let inp = case(dir.path(), 17.2, 57.31, keys, "", "");
    assert_eq!(purchases(&run(&inp)), vec![("tst-ri-12m".to_string(), 2.0)]);
    // d1 = 16.2%: 8,760 × 0.838 = 7,341 > 7,296: do not.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(dir.path(), 16.2, 57.31, keys, "", "");
    assert_eq!(purchases(&run(&inp)), Vec::<(String, f64)>::new());
}

#[test]
fn a_unit_commitment_bought_before_a_45_percent_cut_is_underwater() {
    // An owned 1y unit commitment at 36.6% off locks 8 × 0.634 = USD 5.07 per instance-hour;
    // after a 45% cut on 2026-02-01 on-demand is 8 × 0.55 = USD 4.40: underwater from the cut
    // in every scenario.
    let dir = tempfile::tempdir().unwrap();
    let inp = case(
        dir.path(),
        36.6,
        57.31,
        "",
        "\n[prices.TG]\ncuts = [{ at = \"2026-02-01\", pct = 45 }]\n",
        "tst-ri-12m,2,2025-07-01,2026-07-01\n",
    );
    let r = run(&inp);
    let term = r.term.as_ref().expect("a term report");
    let owned = term
        .odds
        .iter()
        .find(|o| o.owned)
        .expect("the owned commitment");
    assert_eq!(owned.probability_underwater, 1.0);
    assert_eq!(
        owned.underwater_from.map(|t| t.to_rfc3339()),
        Some("2026-02-01T00:00:00+00:00".to_string())
    );
    // Nothing it buys now is underwater: with a known cut ahead, the 3y bought now locks
    // 8 × 0.4269 = 3.42 < 4.40.
    assert!(term
        .odds
        .iter()
        .filter(|o| !o.owned)
        .all(|o| o.probability_underwater == 0.0));
}

#[test]
fn on_certain_constant_demand_the_term_plan_equals_todays_plan() {
    // Two constant workloads on GCP (resource CUDs only: unit commitments, no ties between a
    // unit and a spend offer): 16 A100-40GB GPUs = 2 a2-highgpu-8g, 12 L4 GPUs = 1.5
    // g2-standard-96. Nothing is uncertain, so the term planner must buy what today's window
    // planner buys (3-year CUDs: 2 and 2 — the second L4 CUD costs 0.45 of on-demand and is
    // used half the time, 0.5 > 0.45) and place the workloads where it does.
    let dir = tempfile::tempdir().unwrap();
    let mut demand = String::from("timestamp,workload,gpus\n");
    let start = chrono::DateTime::parse_from_rfc3339("2025-12-04T00:00:00Z").unwrap();
    for h in 0..28 * 24 {
        let t = (start + chrono::Duration::hours(h)).format("%Y-%m-%dT%H:%M:%SZ");
        let _ = writeln!(demand, "{t},a100,16\n{t},l4,12");
    }
    std::fs::write(dir.path().join("demand.csv"), demand).unwrap();
    std::fs::write(
        dir.path().join("workloads.toml"),
        "[defaults]\nclass = \"inference\"\nend_probability = 0.0\n[workloads.a100]\ncurrent_gpu = \"A100-40GB\"\n[workloads.l4]\ncurrent_gpu = \"L4\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scenario.toml"),
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n[instruments]\nclouds = [\"gcp\"]\ninstance_types = [\"a2-highgpu-8g\", \"g2-standard-96\"]\n[term]\nscenarios = 4\nlevel_sigma_cap = 0.0\ngrowth_sd_pct = 0.0\n[solver]\nresolution = \"full\"\n",
    )
    .unwrap();
    let inp = Inputs::load(&dir.path().join("scenario.toml"), None).unwrap();
    let settings = gpuplan::engine::settings(&inp, None, None, None);
    let today = gpuplan::engine::plan_scenario(
        &inp,
        &settings,
        gpuplan::ingest::scenario::Resolution::Full,
    );
    let term = run(&inp);
    assert_eq!(purchases(&term), purchases(&today));
    assert_eq!(
        purchases(&term),
        vec![
            ("gcp-cud-a2-highgpu-8g-us-central1-3y".to_string(), 2.0),
            ("gcp-cud-g2-standard-96-us-central1-3y".to_string(), 2.0),
        ]
    );
    let key = |r: &PlanRun| {
        r.plan
            .as_ref()
            .unwrap()
            .placements
            .iter()
            .map(|p| (p.workload.clone(), p.instance_type.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&term), key(&today));
}
