//! Infeasibility explained (issue 14): hand-built conflicts, each with the constraints the
//! explanation must name and the cost of a way out computed by hand. The test catalog (see
//! `tests/common`): AWS us-east-1 `tst*` offerings, GPU `G16` (16 GB, perf 1) and `G80`
//! (80 GB, perf 2).

mod common;
use common::*;
use gpuplan::engine::{plan_full_resolution, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::model::conflict::ExplainedConflict;
use gpuplan::solve::SolveStatus;
use std::path::Path;

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0), Gpu("G80", 80.0, 2.0, 2.0)];

/// Loads a case after rewriting its catalog files (`edits`: file, from, to), for what the
/// common writer does not set (capacity limits, upfront payments).
fn load_edited(dir: &Path, case: &Case, edits: &[(&str, &str, &str)]) -> Inputs {
    load(dir, case);
    for (file, from, to) in edits {
        let p = dir.join("catalog").join(file);
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.contains(from), "{file} has no {from:?}");
        std::fs::write(&p, text.replace(from, to)).expect("write");
    }
    Inputs::load(&dir.join("scenario.toml"), None).unwrap_or_else(|e| panic!("load: {e}"))
}

/// The one conflict of an infeasible run.
fn conflict(run: &PlanRun, group: &str) -> ExplainedConflict {
    assert_eq!(
        run.outcome.status,
        SolveStatus::Infeasible,
        "{:?}",
        run.outcome.message
    );
    let inf = run.infeasibility.as_ref().expect("an explanation");
    assert_eq!(inf.group, group, "{}", inf.message);
    assert_eq!(inf.conflicts.len(), 1, "{}", inf.message);
    assert!(inf.message.contains(&inf.conflicts[0].message));
    inf.conflicts[0].clone()
}

/// The relaxation of a constraint, with its cost.
fn way_out(c: &ExplainedConflict, constraint: &str) -> (String, Option<f64>) {
    c.relaxations
        .iter()
        .find(|r| r.constraint == constraint)
        .map(|r| (r.change.clone(), r.cost))
        .unwrap_or_else(|| panic!("no way out through {constraint}: {:#?}", c.relaxations))
}

fn has(c: &ExplainedConflict, constraint: &str) -> bool {
    c.constraints.iter().any(|k| k == constraint)
}

#[test]
fn no_compatible_offering_names_every_constraint_and_the_nearest_fit() {
    // `big` needs 40 GB per GPU and 4 GPUs per replica. tst1 (16 GB, 1 GPU) fails both;
    // tst2 (80 GB, 1 GPU) and tst3 (80 GB, 2 GPUs) fail only the replica size. The nearest
    // fit is tst3 with gpus_per_replica 2: its load there is 4 GPUs × 4 h of G16 demand ×
    // (perf 1 / perf 2 / 2 GPUs) = 4 instance-hours × USD 15 = USD 60.
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir.path(),
        &Case {
            gpus: GPUS,
            offerings: &[
                Off("tst1.xlarge", "G16", 1, 4.0, None, 0.0),
                Off("tst2.xlarge", "G80", 1, 8.0, None, 0.0),
                Off("tst3.2xlarge", "G80", 2, 15.0, None, 0.0),
            ],
            offers: &[],
            workloads: &[
                (
                    "big",
                    "class = \"training\"\ncurrent_gpu = \"G16\"\nmin_gpu_memory_gb = 40\ngpus_per_replica = 4",
                ),
                ("small", "class = \"training\"\ncurrent_gpu = \"G16\""),
            ],
            demand: &[("big", vec![4.0; 4]), ("small", vec![1.0; 4])],
            owned: None,
            extra: "",
        },
    );
    let run = plan_full_resolution(&inp, &exact());
    assert!(run.plan.is_none());
    let c = conflict(&run, "tier");
    assert_eq!(c.kind, "no_compatible_offering");
    assert_eq!(c.workloads, ["big"]);
    // The shipped catalog is merged in but kept out by the case's instance-type
    // whitelist: a third constraint, and adding a shipped type is a way out too.
    for k in [
        "workloads.big.gpus_per_replica",
        "workloads.big.min_gpu_memory_gb",
        "instruments.instance_types",
    ] {
        assert!(has(&c, k), "{k} not in {:?}", c.constraints);
    }
    assert!(
        c.message.contains("gpus_per_replica = 4 rules out"),
        "{}",
        c.message
    );
    assert!(
        c.message.contains("min_gpu_memory_gb = 40 rules out"),
        "{}",
        c.message
    );
    let (change, cost) = way_out(&c, "workloads.big.gpus_per_replica");
    assert!(
        change.contains("from 4 to 2") && change.contains("tst3.2xlarge"),
        "{change}"
    );
    assert!(close(cost.expect("cost"), 60.0), "{cost:?}");
    // Fewest changes first, then cheapest.
    let key = |r: &gpuplan::model::conflict::Relaxation| {
        (
            r.constraint.matches(" + ").count(),
            r.cost.unwrap_or(f64::MAX),
        )
    };
    let sorted = c.relaxations.windows(2).all(|w| {
        let (a, b) = (key(&w[0]), key(&w[1]));
        a.0 < b.0 || (a.0 == b.0 && a.1 <= b.1)
    });
    assert!(sorted, "{:#?}", c.relaxations);
}

/// Workloads on tst1 alone (USD 10/h, spot USD 4 at 5% interruption; the capacity limit of 2
/// is written by `CAPACITY_2`). The shipped offerings are kept out by the case's
/// instance-type whitelist, so moving elsewhere is one change away.
fn capacity_case<'a>(
    workload: &'a [(&'static str, &'static str)],
    offers: &'a [Offer],
    demand: &'a [(&'static str, Vec<f64>)],
    extra: &'a str,
) -> Case<'a> {
    Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, Some(4.0), 5.0)],
        offers,
        workloads: workload,
        demand,
        owned: None,
        extra,
    }
}

const CAPACITY_2: (&str, &str, &str) = (
    "offerings.csv",
    "tst1.xlarge,G16,1,10,4,5,,",
    "tst1.xlarge,G16,1,10,4,5,2,",
);

#[test]
fn a_capacity_limit_below_the_peak_names_offering_hour_workload_and_prices_each_way_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demand = [("w", vec![1.0, 1.0, 3.0, 1.0])];
    let wl = [("w", "class = \"training\"\ncurrent_gpu = \"G16\"")];
    let inp = load_edited(
        dir.path(),
        &capacity_case(&wl, &[], &demand, ""),
        &[CAPACITY_2],
    );
    let run = plan_full_resolution(&inp, &exact());
    let c = conflict(&run, "capacity");
    assert_eq!(c.kind, "capacity");
    assert_eq!(c.workloads, ["w"]);
    assert_eq!(c.offerings, ["aws/us-east-1/tst1.xlarge"]);
    assert_eq!(c.hours, ["2026-01-05T02:00:00Z"]);
    assert!(
        c.message.contains("at most 2 on-demand instances"),
        "{}",
        c.message
    );
    assert!(c.message.contains("1 are left unserved"), "{}", c.message);
    // Raising the limit by the 1 instance short serves 1 instance-hour at USD 10.
    let (change, cost) = way_out(
        &c,
        "offerings.csv capacity_limit of aws/us-east-1/tst1.xlarge",
    );
    assert!(change.contains("from 2 to 3"), "{change}");
    assert!(close(cost.expect("cost"), 10.0), "{cost:?}");
    // Spot: w is not interruptible; on spot the instance-hour costs 4 × 1.05 = USD 4.20.
    let (change, cost) = way_out(&c, "workloads.w.max_spot_share");
    assert!(change.contains("interruptible = true"), "{change}");
    assert!(close(cost.expect("cost"), 4.2), "{cost:?}");
    // No commitment offer covers tst1.
    assert!(c.message.contains("no commitment offer"), "{}", c.message);
    // Cheapest first.
    let costs: Vec<f64> = c.relaxations.iter().filter_map(|r| r.cost).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
}

#[test]
fn a_shortfall_a_commitment_can_cover_is_not_infeasible() {
    // Demand 3 in one hour of 200, none otherwise, under a limit of 2. A reserved instance
    // (USD 6/h × 200 h = USD 1,200) costs more than leaving the one instance-hour unserved
    // at 100× on-demand (USD 1,000), so the first solve leaves it unserved; but a plan
    // serving everything exists, so the run must not say infeasible (it did).
    let mut d = vec![0.0; 200];
    d[50] = 3.0;
    let demand = [("w", d)];
    let wl = [("w", "class = \"training\"\ncurrent_gpu = \"G16\"")];
    let offers = [Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)];
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load_edited(
        dir.path(),
        &capacity_case(&wl, &offers, &demand, ""),
        &[CAPACITY_2],
    );
    let run = plan_full_resolution(&inp, &exact());
    assert_eq!(
        run.outcome.status,
        SolveStatus::Optimal,
        "{:?}",
        run.outcome.message
    );
    assert!(run.infeasibility.is_none());
    assert!(
        bought(&run, "ri") >= 1.0,
        "a reserved instance covers the peak"
    );
    let e = run.evaluation.as_ref().expect("evaluation");
    assert!(e.unserved.is_empty() && e.unserved_cost == 0.0);
}

#[test]
fn a_spent_commitment_cap_is_named_with_the_share_that_would_cover_the_shortfall() {
    // Demand 3 every hour under a limit of 2; a reserved instance would cover the third,
    // but [caps] max_committed_share = 0 forbids new commitments: 1 instance short in each
    // of 10 hours. One reserved instance costs USD 6/h × 10 h = USD 60.
    let demand = [("w", vec![3.0; 10])];
    let wl = [("w", "class = \"training\"\ncurrent_gpu = \"G16\"")];
    let offers = [Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)];
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load_edited(
        dir.path(),
        &capacity_case(
            &wl,
            &offers,
            &demand,
            "\n[caps]\nmax_committed_share = 0.0\n",
        ),
        &[CAPACITY_2],
    );
    let run = plan_full_resolution(&inp, &exact());
    let c = conflict(&run, "capacity");
    assert!(has(&c, "caps.max_committed_share"), "{:?}", c.constraints);
    assert!(
        c.message.contains("max_committed_share is spent"),
        "{}",
        c.message
    );
    let (change, cost) = way_out(&c, "caps.max_committed_share");
    assert!(change.contains("from 0 to"), "{change}");
    assert!(close(cost.expect("cost"), 60.0), "{cost:?}");
    // The capacity way out: 10 instance-hours at USD 10.
    let (_, cost) = way_out(
        &c,
        "offerings.csv capacity_limit of aws/us-east-1/tst1.xlarge",
    );
    assert!(close(cost.expect("cost"), 100.0), "{cost:?}");
}

#[test]
fn a_spent_upfront_budget_is_named() {
    // As above with the reserved instance all upfront and [caps] max_upfront = USD 1: its
    // upfront (USD 6/h × 8,760 h) is far above the budget.
    let demand = [("w", vec![3.0; 10])];
    let wl = [("w", "class = \"training\"\ncurrent_gpu = \"G16\"")];
    let offers = [Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)];
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load_edited(
        dir.path(),
        &capacity_case(&wl, &offers, &demand, "\n[caps]\nmax_upfront = 1.0\n"),
        &[
            CAPACITY_2,
            (
                "commitment_offers.csv",
                ",12,no_upfront,",
                ",12,all_upfront,",
            ),
            ("commitment_offers.csv", ",40,0,2026", ",40,1,2026"),
        ],
    );
    let run = plan_full_resolution(&inp, &exact());
    let c = conflict(&run, "capacity");
    assert!(has(&c, "caps.max_upfront"), "{:?}", c.constraints);
    assert!(c.message.contains("max_upfront is spent"), "{}", c.message);
}

#[test]
fn a_cvar_budget_below_every_plan_names_the_lowest_reachable() {
    // One scenario: the CVaR of a plan is its cost, so the lowest CVaR is the optimum
    // without the budget, computed here by an independent solve.
    let demand = [("w", vec![2.0; 6])];
    let wl = [("w", "class = \"training\"\ncurrent_gpu = \"G16\"")];
    let dir = tempfile::tempdir().expect("tempdir");
    let free = load(dir.path(), &capacity_case(&wl, &[], &demand, ""));
    let optimum = plan_full_resolution(&free, &exact())
        .outcome
        .objective
        .expect("objective");
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir.path(),
        &capacity_case(&wl, &[], &demand, "\n[risk]\nmax_cvar = 1.0\n"),
    );
    let run = plan_full_resolution(&inp, &exact());
    let c = conflict(&run, "risk");
    assert_eq!(c.kind, "risk_budget");
    assert_eq!(c.constraints, ["risk.max_cvar"]);
    let (change, cost) = way_out(&c, "risk.max_cvar");
    assert_eq!(cost, None);
    let want = gpuplan::domain::Usd(optimum).to_string();
    assert!(change.contains(&want), "{change} should name {want}");
}
