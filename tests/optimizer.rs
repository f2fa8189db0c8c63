//! Hand-computed optimizer cases. Each states the arithmetic of its expected value. The test
//! catalog: AWS us-east-1 offerings of a `tst*` family that no shipped commitment offer
//! matches, GPU models `G1` (perf 1) and `G2` (perf 2), no spot unless stated.

mod common;
use common::*;
use gpuplan::solve::SolveStatus;

const GPUS: &[Gpu] = &[
    Gpu("G16", 16.0, 1.0, 1.0),
    Gpu("G80", 80.0, 1.0, 1.0),
    Gpu("G2X", 80.0, 2.0, 2.0),
];

fn steady(v: f64, hours: usize) -> Vec<f64> {
    vec![v; hours]
}

fn ri_case(busy_hours: usize) -> (f64, f64) {
    // One workload, one offering at $10/h, a 1-instance RI at 40% off ($6/h), 10 hours.
    let mut d = vec![0.0; 10];
    for x in d.iter_mut().take(busy_hours) {
        *x = 1.0;
    }
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
        offers: &[Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)],
        workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G16\"")],
        demand: &[("w", d)],
        owned: None,
        extra: "",
    });
    assert_eq!(run.outcome.status, SolveStatus::Optimal);
    (bought(&run, "ri"), evaluated(&run))
}

#[test]
fn reserved_instance_pays_only_above_one_minus_discount_utilization() {
    // 10 of 10 hours busy: RI 6·10 = 60 < on-demand 10·10 = 100 → buy 1, cost 60.
    let (n, cost) = ri_case(10);
    assert_eq!(n, 1.0);
    assert_close(cost, 60.0);
    // 7 of 10 hours (utilization 70% > 1 − 40% = 60%): RI 60 < on-demand 70 → buy, cost 60.
    let (n, cost) = ri_case(7);
    assert_eq!(n, 1.0);
    assert_close(cost, 60.0);
    // 5 of 10 hours (50% < 60%): RI 60 > on-demand 50 → no RI, cost 50.
    let (n, cost) = ri_case(5);
    assert_eq!(n, 0.0);
    assert_close(cost, 50.0);
}

#[test]
fn memory_need_excludes_the_cheap_tier() {
    // tst1 (16 GB) costs $1/h, tst2 (80 GB) $5/h, same throughput. The workload needs 40 GB:
    // only tst2 qualifies, 2 GPUs × 10 h × $5 = 100.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[
            Off("tst1.xlarge", "G16", 1, 1.0, None, 0.0),
            Off("tst2.xlarge", "G80", 1, 5.0, None, 0.0),
        ],
        offers: &[],
        workloads: &[(
            "w",
            "class = \"training\"\ncurrent_gpu = \"G80\"\nmin_gpu_memory_gb = 40",
        )],
        demand: &[("w", steady(2.0, 10))],
        owned: None,
        extra: "",
    });
    assert_eq!(placed(&run, "w"), "tst2.xlarge");
    assert_close(evaluated(&run), 100.0);
    // Without the memory need the cheap tier wins: 2 × 10 × $1 = 20.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[
            Off("tst1.xlarge", "G16", 1, 1.0, None, 0.0),
            Off("tst2.xlarge", "G80", 1, 5.0, None, 0.0),
        ],
        offers: &[],
        workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G80\"")],
        demand: &[("w", steady(2.0, 10))],
        owned: None,
        extra: "",
    });
    assert_eq!(placed(&run, "w"), "tst1.xlarge");
    assert_close(evaluated(&run), 20.0);
}

#[test]
fn cheaper_per_throughput_tier_replaces_the_current_one() {
    // Current GPU G80 (perf 1) on tst2 at $4/h; G2X (perf 2) on tst3 at $6/h, i.e. $3 per
    // G80-equivalent. 1 GPU of demand for 10 h: tst3 needs 0.5 instances → 0.5 × 6 × 10 = 30
    // (tst2 would cost 40). The baseline (current tier, on-demand) is 40.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[
            Off("tst2.xlarge", "G80", 1, 4.0, None, 0.0),
            Off("tst3.xlarge", "G2X", 1, 6.0, None, 0.0),
        ],
        offers: &[],
        workloads: &[("w", "class = \"inference\"\ncurrent_gpu = \"G80\"")],
        demand: &[("w", steady(1.0, 10))],
        owned: None,
        extra: "",
    });
    assert_eq!(placed(&run, "w"), "tst3.xlarge");
    let ev = run.evaluation.as_ref().expect("evaluation");
    assert_close(ev.total, 30.0);
    assert_close(ev.baseline_all_on_demand, 40.0);
}

#[test]
fn spot_only_for_interruptible_load_and_only_up_to_its_share() {
    // One offering: on-demand $10, spot $3 with 10% interruption overhead → $3.30.
    // a: interruptible, max_spot_share 0.5, 2 GPUs → 1 instance on spot, 1 on-demand.
    // b: not interruptible, 1 GPU → on-demand.
    // Per hour 3.30 + 2 × 10 = 23.30; 10 h → 233.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, Some(3.0), 10.0)],
        offers: &[],
        workloads: &[
            (
                "a",
                "class = \"training\"\ncurrent_gpu = \"G16\"\ninterruptible = true\nmax_spot_share = 0.5",
            ),
            ("b", "class = \"training\"\ncurrent_gpu = \"G16\""),
        ],
        demand: &[("a", steady(2.0, 10)), ("b", steady(1.0, 10))],
        owned: None,
        extra: "",
    });
    let ev = run.evaluation.as_ref().expect("evaluation");
    assert_close(ev.total, 233.0);
    assert_close(ev.spot_cost, 33.0);
    assert_close(run.outcome.objective.expect("objective"), 233.0);
    // With spot disallowed by the scenario: 3 × 10 × 10 = 300.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, Some(3.0), 10.0)],
        offers: &[],
        workloads: &[
            (
                "a",
                "class = \"training\"\ncurrent_gpu = \"G16\"\ninterruptible = true\nmax_spot_share = 0.5",
            ),
            ("b", "class = \"training\"\ncurrent_gpu = \"G16\""),
        ],
        demand: &[("a", steady(2.0, 10)), ("b", steady(1.0, 10))],
        owned: None,
        extra: "spot = false\n",
    });
    assert_close(evaluated(&run), 300.0);
}

#[test]
fn owned_commitment_is_used_before_buying() {
    // Owned: 1 RI ($6/h) for all 10 hours; demand 1 instance. It covers everything, nothing
    // is bought, cost = the owned RI 6 × 10 = 60.
    let case = |owned: &'static str, d: f64| {
        plan(&Case {
            gpus: GPUS,
            offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
            offers: &[Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)],
            workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G16\"")],
            demand: &[("w", steady(d, 10))],
            owned: Some(owned),
            extra: "",
        })
    };
    let (_, run) = case("ri,1,2026-01-01,2027-01-01\n", 1.0);
    assert_eq!(bought(&run, "ri"), 0.0);
    assert_close(evaluated(&run), 60.0);
    // Demand 2: the owned RI covers one instance, the second is worth a new RI (60 < 100):
    // cost 60 + 60 = 120.
    let (_, run) = case("ri,1,2026-01-01,2027-01-01\n", 2.0);
    assert_eq!(bought(&run, "ri"), 1.0);
    assert_close(evaluated(&run), 120.0);
    // Owned RI ends after 5 of the 10 hours: a new RI would cost 60 for 5 uncovered hours
    // worth 50 on-demand, so none is bought: 6 × 5 (owned) + 10 × 5 (on-demand) = 80.
    let (_, run) = case("ri,1,2026-01-01,2026-01-05T05:00:00Z\n", 1.0);
    assert_eq!(bought(&run, "ri"), 0.0);
    assert_close(evaluated(&run), 80.0);
}

#[test]
fn spend_commitment_spreads_over_two_tiers() {
    // a needs 80 GB → tst2 ($10/h, family tst2, 30% off under the plan); b needs ≥ 2
    // GPUs per replica → tst4 (2 × G16 at $20/h, family tst4, 50% off). One savings plan
    // covers both: 10 × 0.7 + 20 × 0.5 = $17/h covers both fully; 10 h → 170 (vs 300
    // on-demand).
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[
            Off("tst2.xlarge", "G80", 1, 10.0, None, 0.0),
            Off("tst4.2xlarge", "G16", 2, 20.0, None, 0.0),
        ],
        offers: &[
            Offer("sp", "spend", "family", "tst2", 30.0),
            Offer("sp", "spend", "family", "tst4", 50.0),
        ],
        workloads: &[
            (
                "a",
                "class = \"training\"\ncurrent_gpu = \"G80\"\nmin_gpu_memory_gb = 80",
            ),
            (
                "b",
                "class = \"training\"\ncurrent_gpu = \"G16\"\ngpus_per_replica = 2",
            ),
        ],
        demand: &[("a", steady(1.0, 10)), ("b", steady(2.0, 10))],
        owned: None,
        extra: "",
    });
    assert_close(bought(&run, "sp"), 17.0);
    assert_close(evaluated(&run), 170.0);
    let ev = run.evaluation.as_ref().expect("evaluation");
    assert_close(ev.commitments[0].utilization(), 1.0);
}

#[test]
fn no_compatible_offering_is_an_explained_infeasibility() {
    // The workload needs 200 GB per GPU; no offering has it.
    let (_, run) = plan(&Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
        offers: &[],
        workloads: &[(
            "big",
            "class = \"training\"\ncurrent_gpu = \"G16\"\nmin_gpu_memory_gb = 200",
        )],
        demand: &[("big", steady(1.0, 4))],
        owned: None,
        extra: "",
    });
    assert_eq!(run.outcome.status, SolveStatus::Infeasible);
    let inf = run.infeasibility.expect("explanation");
    assert!(inf.message.contains("big"), "{}", inf.message);
    assert!(run.plan.is_none());
}

#[test]
fn capacity_below_peak_names_the_offering_and_hour() {
    // Capacity limit 2 instances; demand 3 in hour 2 only → infeasible at that hour.
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir.path(),
        &Case {
            gpus: GPUS,
            offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
            offers: &[],
            workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G16\"")],
            demand: &[("w", vec![1.0, 1.0, 3.0, 1.0])],
            owned: None,
            extra: "",
        },
    );
    let cat = dir.path().join("catalog/offerings.csv");
    let text = std::fs::read_to_string(&cat).expect("read");
    std::fs::write(&cat, text.replace(",0,,2026-01-01", ",0,2,2026-01-01")).expect("write");
    let inp2 = gpuplan::ingest::inputs::Inputs::load(&dir.path().join("scenario.toml"), None)
        .expect("load");
    drop(inp);
    let run = gpuplan::engine::plan_full_resolution(&inp2, &exact());
    assert_eq!(run.outcome.status, SolveStatus::Infeasible);
    let m = run.infeasibility.expect("explanation").message;
    assert!(
        m.contains("tst1.xlarge") && m.contains("2026-01-05T02:00:00Z"),
        "{m}"
    );
}

/// One workload with storage, egress (its data is on Azure, the only offering on AWS) and
/// overhead, on its current (and only) offering: tst2 at $4/h, 2 GPUs for 10 h.
fn hidden_costs_case() -> (gpuplan::ingest::inputs::Inputs, gpuplan::engine::PlanRun) {
    plan(&Case {
        gpus: GPUS,
        offerings: &[Off("tst2.xlarge", "G80", 1, 4.0, None, 0.0)],
        offers: &[],
        workloads: &[(
            "w",
            "class = \"training\"\ncurrent_gpu = \"G80\"\nhome_cloud = \"azure\"\n\
             storage_per_gpu_hour = 0.5\negress_per_gpu_hour = 0.25\noverhead_pct = 10",
        )],
        demand: &[("w", steady(2.0, 10))],
        owned: None,
        extra: "",
    })
}

#[test]
fn staying_on_the_current_offering_at_on_demand_saves_nothing() {
    // Compute 2 × 4 × 10 = 80, overhead 10% of it = 8, storage + egress 0.75 × 20 GPU-h = 15:
    // 103. The baseline is the same workload on the same offering at on-demand, so it is 103
    // too (it left storage and egress out: 88, a saving of −15).
    let (_, run) = hidden_costs_case();
    let ev = run.evaluation.as_ref().expect("evaluation");
    assert_close(ev.total, 103.0);
    assert_close(ev.baseline_all_on_demand, 103.0);
    let w = &ev.workloads[0];
    assert_close(w.baseline_on_demand, 80.0);
    assert_close(w.baseline_hidden, 23.0);
}

#[test]
fn a_workload_split_across_placements_has_one_baseline() {
    // The plan above with its placement split in two halves on the same offering: the same
    // load, so the same cost (103) and the same baseline (103), not twice it.
    let (inp, run) = hidden_costs_case();
    let mut plan = run.plan.clone().expect("plan");
    let mut half = plan.placements[0].clone();
    half.share = 0.5;
    plan.placements = vec![half.clone(), half];
    let ev = gpuplan::plan::evaluate(&plan, &inp.catalog, &inp.window_demand(), Some(&inp.keep))
        .expect("evaluate");
    assert_close(ev.total, 103.0);
    assert_close(ev.baseline_all_on_demand, 103.0);
}
