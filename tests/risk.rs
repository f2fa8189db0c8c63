//! The two-stage stochastic model: tiers and commitments once, dispatch per demand scenario;
//! objective (1−λ)·E[cost] + λ·CVaR_α. Scenario sets are written by hand here; every plan is
//! re-priced by the evaluator on each scenario to measure its CVaR independently of the MIP.

mod common;
use common::*;
use gpuplan::domain::DemandHistory;
use gpuplan::engine::{plan_full_resolution, plan_on};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::model::DemandSet;
use gpuplan::plan::risk::{cvar, price_scenarios};

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0)];

fn case(extra: &'static str) -> Case<'static> {
    Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
        offers: &[
            Offer("ri", "unit", "instance_type", "tst1.xlarge", 45.0),
            Offer("sp", "spend", "family", "tst1", 30.0),
        ],
        workloads: &[("w", "class = \"training\"\ncurrent_gpu = \"G16\"")],
        demand: Box::leak(Box::new([("w", vec![10.0; 12])])),
        owned: None,
        extra,
    }
}

/// Scenarios: the history's demand scaled by each factor, equally likely.
fn scaled(inp: &Inputs, factors: &[f64]) -> (DemandSet, Vec<DemandHistory>) {
    let base = DemandSet::full_resolution(inp);
    let mut ds = base.clone();
    ds.gpus = factors
        .iter()
        .map(|f| {
            base.gpus[0]
                .iter()
                .map(|r| r.iter().map(|g| g * f).collect())
                .collect()
        })
        .collect();
    ds.probs = vec![1.0 / factors.len() as f64; factors.len()];
    let hist = inp.window_demand();
    let histories = factors
        .iter()
        .map(|f| {
            let mut h = hist.clone();
            for r in h.gpus.iter_mut() {
                for g in r.iter_mut() {
                    *g *= f;
                }
            }
            h
        })
        .collect();
    (ds, histories)
}

fn solve(extra: &'static str, factors: &[f64]) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &case(extra));
    let (ds, hist) = scaled(&inp, factors);
    let run = plan_on(&inp, ds.clone(), &exact());
    let plan = run.plan.expect("plan");
    let risk = price_scenarios(&plan, &inp.catalog, &hist, &ds.probs, None).expect("price");
    let committed: f64 = risk.evaluations[0]
        .commitments
        .iter()
        .map(|c| c.hourly_cost)
        .sum();
    (
        risk.expected(),
        cvar(&risk.costs(), &ds.probs, inp.scenario.risk.cvar_alpha),
        committed,
    )
}

#[test]
fn one_scenario_with_a_risk_weight_is_the_deterministic_plan() {
    // With a single scenario CVaR equals its cost, so any λ gives the deterministic optimum:
    // 10 instances × 12 h; RI at 45% off → 10 × 5.5 × 12 = 660.
    let dir = tempfile::tempdir().expect("tempdir");
    let det = plan_full_resolution(&load(dir.path(), &case("")), &exact());
    let dir2 = tempfile::tempdir().expect("tempdir");
    let inp = load(
        dir2.path(),
        &case("[risk]\nrisk_weight = 0.5\ncvar_alpha = 0.9\n"),
    );
    let stoch = plan_on(&inp, DemandSet::full_resolution(&inp), &exact());
    let (a, b) = (
        det.outcome.objective.expect("det"),
        stoch.outcome.objective.expect("stoch"),
    );
    assert!(close(a, 660.0), "{a}");
    assert!(close(a, b), "{a} vs {b}");
    assert_eq!(det.plan, stoch.plan);
}

#[test]
fn raising_the_risk_weight_never_raises_cvar() {
    let factors = [0.3, 0.6, 1.0, 1.4];
    let mut last = f64::INFINITY;
    for extra in [
        "[risk]\nrisk_weight = 0.0\ncvar_alpha = 0.75\n",
        "[risk]\nrisk_weight = 0.3\ncvar_alpha = 0.75\n",
        "[risk]\nrisk_weight = 0.7\ncvar_alpha = 0.75\n",
        "[risk]\nrisk_weight = 1.0\ncvar_alpha = 0.75\n",
    ] {
        let (_, c, _) = solve(extra, &factors);
        assert!(c <= last + 1e-6, "{extra}: CVaR {c} > {last}");
        last = c;
    }
}

#[test]
fn a_possible_40_percent_drop_makes_the_averse_plan_commit_less() {
    // Demand 10 instances for 12 h; RI at 45% off ($5.50 vs $10).
    // Certain demand (one scenario): every plan commits 10 RIs ($55/h).
    let (_, _, certain) = solve(
        "[risk]\nrisk_weight = 0.9\ncvar_alpha = 0.5\nmeasure = \"regret\"\n",
        &[1.0],
    );
    assert!(close(certain, 55.0), "{certain}");
    // Half the probability on a 40% drop (6 instances). Regret-averse (λ = 0.9, α = 0.5:
    // the worse scenario's regret): committing c RIs overpays (10 − c)·12·4.5 if demand
    // stays and (c − 6)·12·5.5 if it drops; balancing them gives c ≈ 7.8, so the averse plan
    // commits less than under certainty.
    let (_, _, averse) = solve(
        "[risk]\nrisk_weight = 0.9\ncvar_alpha = 0.5\nmeasure = \"regret\"\n",
        &[1.0, 0.6],
    );
    assert!(
        averse < certain - 1e-6,
        "averse {averse} vs certain {certain}"
    );
    // Cost-CVaR cannot show this: the scenario without the drop is always the costlier one,
    // so an averse plan on total cost hedges it by committing up to its level.
    let (_, _, cost_averse) = solve("[risk]\nrisk_weight = 0.9\ncvar_alpha = 0.5\n", &[1.0, 0.6]);
    assert!(close(cost_averse, certain), "{cost_averse}");
    // Risk-neutral: an RI on the 4 uncertain instances pays only with probability 0.5 < 0.55,
    // so it commits just the 6 certain ones ($33/h).
    let (_, _, neutral) = solve("[risk]\nrisk_weight = 0.0\n", &[1.0, 0.6]);
    assert!(close(neutral, 33.0), "{neutral}");
}

#[test]
fn forecast_mode_plans_the_horizon_and_prices_every_scenario() {
    // Four forecast scenarios of the 12 hours after a 36-hour history (the same 12-hour day
    // three times); the plan starts at the end of the history and is re-priced on each.
    let day: Vec<f64> = (0..12).map(|h| if h < 6 { 8.0 } else { 12.0 }).collect();
    let mut c = case("");
    c.demand = Box::leak(Box::new([(
        "w",
        day.iter().cycle().take(36).copied().collect(),
    )]));
    c.extra = "[forecast]\nscenarios = 4\nseed = 3\n[window]\nhorizon = \"12h\"\n[solver]\nresolution = \"full\"\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &c);
    let run =
        gpuplan::engine::plan_scenario(&inp, &exact(), gpuplan::ingest::scenario::Resolution::Full);
    let h = run.horizon.expect("horizon");
    assert_eq!(h.start, inp.window.end);
    assert_eq!(h.hours(), 12);
    assert_eq!(run.plan.as_ref().expect("plan").start, h.start);
    let risk = run.risk.as_ref().expect("risk");
    assert_eq!(risk.evaluations.len(), 4);
    // The mean evaluation is the probability-weighted mean of the scenario re-pricings, and
    // the MIP objective (expected cost over the same scenarios, full resolution) equals it.
    let mean = run.evaluation.as_ref().expect("evaluation").total;
    assert!(
        close(mean, risk.expected()),
        "{mean} vs {}",
        risk.expected()
    );
    assert!(close(mean, run.outcome.objective.expect("objective")));
    let (lo, hi) = run.sensitivity.expect("sensitivity");
    assert!(lo < hi);
}
