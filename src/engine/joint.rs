//! The joint strategy: tiers and commitments in one MIP, at full resolution, on a fixed
//! number of time buckets, or on adaptive buckets (doubled until the hourly re-priced cost
//! stops improving).

use super::{add_sensitivity, build_failed, finish, solve_problem, AggStep, PlanRun};
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::model::aggregate::aggregate;
use crate::model::{DemandSet, Problem};
use crate::plan::plan_from_solution;
use crate::solve::SolveSettings;
use std::time::Instant;

/// Plans a scenario at full hourly resolution on its planning window.
pub fn plan_full_resolution(inputs: &Inputs, settings: &SolveSettings) -> PlanRun {
    plan_on(inputs, DemandSet::full_resolution(inputs), settings)
}

/// Plans a scenario on a given demand set, then re-prices the plan hour by hour on the
/// planning window (and at ±20% demand).
pub fn plan_on(inputs: &Inputs, demand: DemandSet, settings: &SolveSettings) -> PlanRun {
    let mut run = plan_on_buckets(inputs, demand, settings);
    add_sensitivity(inputs, &mut run);
    run
}

/// [`plan_on`] without the ±20% re-pricing (for intermediate steps).
pub(crate) fn plan_on_buckets(
    inputs: &Inputs,
    demand: DemandSet,
    settings: &SolveSettings,
) -> PlanRun {
    settings
        .progress
        .stage(|| format!("joint MIP on {} buckets", demand.weights.len()));
    let t0 = Instant::now();
    let buckets = demand.weights.len();
    let mut problem = match Problem::build(inputs, demand) {
        Ok(p) => p,
        Err(inf) => return build_failed(inputs, inf, t0.elapsed().as_secs_f64()),
    };
    let (outcome, sol, build_seconds) = match solve_problem(inputs, &mut problem, settings, t0) {
        Ok(x) => x,
        Err(run) => return *run,
    };
    let plan = plan_from_solution(inputs, &problem, &sol);
    let pruned = std::mem::take(&mut problem.pruned);
    let dominated = std::mem::take(&mut problem.dominated_offerings);
    finish(
        inputs,
        &problem,
        plan,
        &sol,
        outcome,
        (build_seconds, buckets),
        pruned,
        dominated,
    )
}

/// Relative improvement of the re-priced cost below which the adaptive aggregation stops.
pub const AUTO_TOLERANCE: f64 = 5e-4;
/// First bucket count of the adaptive aggregation.
pub const AUTO_FIRST_BUCKETS: usize = 48;

/// Plans at the scenario's (or the given) time resolution: full, a fixed bucket count, or
/// adaptive: the bucket count is doubled from 48 until the hourly re-priced cost improves by
/// less than 0.05%, or the bucketed objective is within 0.05% of the plan's re-priced cost;
/// the best re-priced plan is kept.
pub fn plan(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    let full = DemandSet::full_resolution(inputs);
    let n = full.weights.len();
    match resolution {
        Resolution::Full => plan_on(inputs, full, settings),
        Resolution::Buckets(k) => {
            let t = Instant::now();
            let mut run = plan_on(inputs, aggregate(inputs, &full, k), settings);
            run.steps.push(step(&run, t));
            run
        }
        Resolution::Auto => {
            let mut k = AUTO_FIRST_BUCKETS.min(n);
            let mut best: Option<PlanRun> = None;
            let mut steps = Vec::new();
            loop {
                let t = Instant::now();
                let ds = aggregate(inputs, &full, k);
                let exact = ds.weights.len() >= distinct_hours(&full);
                let run = plan_on_buckets(inputs, ds, settings);
                steps.push(step(&run, t));
                if keep_better(&mut best, run) || exact || k >= n {
                    break;
                }
                k = (k * 2).min(n);
            }
            let mut run = best.unwrap_or_else(|| plan_on_buckets(inputs, full, settings));
            add_sensitivity(inputs, &mut run);
            run.steps = steps;
            run
        }
    }
}

/// One step of an adaptive bucket loop: keeps `run` in `best` if it re-prices cheaper (or is
/// the first), and says whether to stop: no plan; the buckets price the plan within
/// `AUTO_TOLERANCE` of its hourly re-pricing (more buckets would not see a different cost);
/// or doubling no longer improves the re-priced cost by `AUTO_TOLERANCE` — but not while the
/// bucketed objective is more than 1% off (the buckets are too coarse to be trusted).
pub(crate) fn keep_better(best: &mut Option<PlanRun>, run: PlanRun) -> bool {
    let cost = run.evaluation.as_ref().map(|e| e.total);
    let prev = best
        .as_ref()
        .and_then(|b| b.evaluation.as_ref().map(|e| e.total));
    let improved = match (cost, prev) {
        (Some(c), Some(p)) => (p - c) / p.abs().max(1e-9),
        (Some(_), None) => f64::INFINITY,
        _ => 0.0,
    };
    let model_error = match (cost, run.outcome.objective) {
        (Some(c), Some(o)) => (c - o).abs() / c.abs().max(1e-9),
        _ => f64::INFINITY,
    };
    let infeasible = run.plan.is_none();
    if improved > 0.0 || best.is_none() {
        *best = Some(run);
    }
    infeasible || model_error < AUTO_TOLERANCE || (improved < AUTO_TOLERANCE && model_error < 0.01)
}

pub(crate) fn step(run: &PlanRun, t: Instant) -> AggStep {
    AggStep {
        buckets: run.buckets,
        objective: run.outcome.objective,
        evaluated: run.evaluation.as_ref().map(|e| e.total),
        seconds: t.elapsed().as_secs_f64(),
        status: run.outcome.status,
    }
}

fn distinct_hours(full: &DemandSet) -> usize {
    let n = full.weights.len();
    let mut keys: Vec<Vec<u64>> = (0..n)
        .map(|i| {
            full.gpus
                .iter()
                .flat_map(|s| s.iter().map(move |row| row[i].to_bits()))
                .collect()
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.len()
}
