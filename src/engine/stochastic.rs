//! The stochastic strategy: tiers and commitments once, dispatch per forecast demand
//! scenario, over the horizon after the history; re-priced on every scenario.

use super::joint::AUTO_FIRST_BUCKETS;
use super::{build_failed, solve_problem, PlanRun};
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::model::aggregate::aggregate;
use crate::model::{DemandSet, Problem};
use crate::plan::{evaluate, plan_from_solution};
use crate::solve::SolveSettings;
use std::time::Instant;

/// Plans on forecast demand scenarios over the horizon after the history window: the
/// two-stage stochastic model (tiers and commitments once, dispatch per scenario) with the
/// scenario's risk setting, on time buckets (`Auto` = 48; `Full` = every horizon hour). The
/// plan is then re-priced hour by hour on every scenario (`risk`), and on the mean path −20% /
/// +20% (`sensitivity`).
pub fn plan_forecast(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    use crate::plan::risk::{mean_evaluation, price_scenarios};
    let fc = crate::forecast::forecast_inputs(inputs);
    let horizon = crate::domain::HourWindow {
        start: fc.start,
        end: fc.start + chrono::Duration::hours(fc.hours as i64),
    };
    let full = DemandSet {
        weights: vec![1.0; fc.hours],
        hours: (0..fc.hours).map(|h| vec![horizon.hour(h)]).collect(),
        probs: fc.probs.clone(),
        gpus: fc.scenarios.clone(),
    };
    let ds = match resolution {
        Resolution::Full => full,
        Resolution::Buckets(k) => aggregate(inputs, &full, k),
        Resolution::Auto => aggregate(inputs, &full, AUTO_FIRST_BUCKETS),
    };
    let buckets = ds.weights.len();
    let t0 = Instant::now();
    let mut fin = inputs.clone();
    fin.window = horizon;
    fin.keep = vec![true; fc.hours];
    let mut problem = match Problem::build(&fin, ds.clone()) {
        Ok(p) => p,
        Err(inf) => return build_failed(inputs, inf, t0.elapsed().as_secs_f64()),
    };
    let (mut outcome, sol, build_seconds) = match solve_problem(&fin, &mut problem, settings, t0) {
        Ok(x) => x,
        Err(run) => return *run,
    };
    let mut plan = plan_from_solution(&fin, &problem, &sol);
    plan.start = horizon.start;
    // Capacity conflicts on the forecast scenarios (the problem's rows are per workload).
    let gpus = |w: usize, b: usize, s: usize| {
        problem.demand.gpus[s]
            .get(w)
            .and_then(|r| r.get(b))
            .copied()
            .unwrap_or(0.0)
    };
    let infeasibility = super::capacity_conflicts(&fin, &problem, &plan, &sol, &gpus);
    if let Some(inf) = &infeasibility {
        outcome.status = crate::solve::SolveStatus::Infeasible;
        outcome.message = Some(inf.message.clone());
    }
    let t1 = Instant::now();
    let hist = |g: &Vec<Vec<f64>>| crate::domain::DemandHistory {
        window: horizon,
        workloads: fc.workloads.clone(),
        gpus: g.clone(),
        rows: 0,
    };
    let scen: Vec<crate::domain::DemandHistory> = fc.scenarios.iter().map(hist).collect();
    let risk = price_scenarios(&plan, &inputs.catalog, &scen, &fc.probs, None).ok();
    let evaluation = risk
        .as_ref()
        .map(|r| mean_evaluation(&r.evaluations, &r.probs));
    let scaled = |f: f64| {
        let g: Vec<Vec<f64>> = fc
            .mean
            .iter()
            .map(|r| r.iter().map(|x| x * f).collect())
            .collect();
        evaluate(&plan, &inputs.catalog, &hist(&g), None)
            .ok()
            .map(|e| e.total)
    };
    let sensitivity = scaled(0.8).zip(scaled(1.2));
    PlanRun {
        outcome,
        plan: Some(plan),
        evaluation,
        infeasibility,
        pruned: problem.pruned,
        dominated_offerings: problem.dominated_offerings,
        build_seconds,
        evaluate_seconds: t1.elapsed().as_secs_f64(),
        buckets,
        steps: Vec::new(),
        risk,
        horizon: Some(horizon),
        sensitivity,
        decomposition: None,
        term: None,
    }
}
