//! The stochastic strategy: tiers and commitments once, dispatch per forecast demand
//! scenario, over the horizon after the history; re-priced on every scenario.

use super::joint::AUTO_FIRST_BUCKETS;
use super::{build_failed, no_plan, solve_problem, PlanRun};
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
///
/// Scheduling: the forecast is made from the demand as recorded, then each path loses its
/// scale-to-zero windows (the policy applies to the future); deferrable load is scheduled
/// hour by hour on each path (its own schedule per scenario), and each path is re-priced
/// with its schedule.
pub fn plan_forecast(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    use crate::plan::risk::mean_evaluation;
    let fc = match inputs.scale_to_zero_dropped.is_empty() {
        true => crate::forecast::forecast_inputs(inputs),
        false => crate::forecast::forecast_inputs(&inputs.with_recorded_demand()),
    };
    let horizon = crate::domain::HourWindow {
        start: fc.start,
        end: fc.start + chrono::Duration::hours(fc.hours as i64),
    };
    let paths: Vec<Vec<Vec<f64>>> = fc
        .scenarios
        .iter()
        .map(|g| without_windows(inputs, g, horizon))
        .collect();
    let full = DemandSet {
        weights: vec![1.0; fc.hours],
        hours: (0..fc.hours).map(|h| vec![horizon.hour(h)]).collect(),
        probs: fc.probs.clone(),
        gpus: paths.clone(),
        chains: vec![(0..fc.hours).collect()],
    };
    let ds = match resolution {
        Resolution::Full => full.clone(),
        Resolution::Buckets(k) => aggregate(inputs, &full, k),
        Resolution::Auto => aggregate(inputs, &full, AUTO_FIRST_BUCKETS),
    };
    let buckets = ds.weights.len();
    let t0 = Instant::now();
    let fin = horizon_inputs(inputs, horizon, &paths);
    let mut problem = match Problem::build(&fin, ds) {
        Ok(p) => p,
        Err(inf) => return build_failed(inputs, inf, t0.elapsed().as_secs_f64()),
    };
    let (mut outcome, sol, build_seconds) = match solve_problem(&fin, &mut problem, settings, t0) {
        Ok(x) => x,
        Err(run) => return *run,
    };
    let mut plan = plan_from_solution(&fin, &problem, &sol);
    plan.start = horizon.start;
    let schedules = match forecast_schedules(&fin, full, horizon, &sol.tier, &plan, settings) {
        Ok(s) => s,
        Err(inf) => return no_plan(inf, problem.pruned, build_seconds),
    };
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
    // The paths as forecast (before the windows): the evaluator drops the plan's windows.
    let scen: Vec<crate::domain::DemandHistory> = fc.scenarios.iter().map(hist).collect();
    let risk = price_paths(&plan, &inputs.catalog, &scen, &schedules, &fc.probs);
    let evaluation = risk
        .as_ref()
        .map(|r| mean_evaluation(&r.evaluations, &r.probs));
    let scheduling = forecast_value(&plan, &inputs.catalog, &scen, &schedules, &fc.probs);
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
        scheduling,
        term: None,
    }
}

/// A forecast path (`[w][h]` from `horizon.start`, workloads in input order) with each
/// workload's scale-to-zero windows dropped.
fn without_windows(
    inputs: &Inputs,
    path: &[Vec<f64>],
    horizon: crate::domain::HourWindow,
) -> Vec<Vec<f64>> {
    let mut out = path.to_vec();
    for (row, w) in out.iter_mut().zip(&inputs.workloads) {
        if !w.scale_to_zero.is_empty() {
            crate::domain::schedule::drop_in_windows(row, horizon.start, &w.scale_to_zero);
        }
    }
    out
}

/// The inputs planned on the forecast horizon: its window, every hour planned; a workload
/// whose `max_gpus` cannot run some path's demand in time plans under its own peak instead
/// (a forecast can go above the history the cap was checked on).
fn horizon_inputs(
    inputs: &Inputs,
    horizon: crate::domain::HourWindow,
    paths: &[Vec<Vec<f64>>],
) -> Inputs {
    let mut fin = inputs.clone();
    fin.window = horizon;
    fin.keep = vec![true; horizon.hours()];
    for (wi, w) in fin.workloads.iter_mut().enumerate() {
        let Some(cap) = w.max_gpus.filter(|_| w.shiftable_hours > 0) else {
            continue;
        };
        let too_low = paths.iter().any(|p| {
            p.get(wi).is_some_and(|row| {
                crate::domain::schedule::first_overflow(row, None, w.shiftable_hours, cap).is_some()
            })
        });
        if too_low {
            w.max_gpus = None;
        }
    }
    fin
}

/// The hourly schedule of the deferrable load on every path (`full`: the paths at full
/// resolution), for the plan's tiers and purchases; none without deferrable workloads.
fn forecast_schedules(
    fin: &Inputs,
    full: DemandSet,
    horizon: crate::domain::HourWindow,
    tiers: &[usize],
    plan: &crate::plan::Plan,
    settings: &SolveSettings,
) -> Result<Vec<Vec<crate::domain::Shift>>, crate::model::Infeasibility> {
    let n = full.probs.len();
    if !super::schedule::has_deferrable(fin) {
        return Ok(vec![Vec::new(); n]);
    }
    let problem = Problem::build(fin, full)?;
    super::schedule::hourly_schedules(fin, &problem, horizon, tiers, plan, settings)
}

/// Each path re-priced with its own schedule.
fn price_paths(
    plan: &crate::plan::Plan,
    catalog: &crate::domain::Catalog,
    paths: &[crate::domain::DemandHistory],
    schedules: &[Vec<crate::domain::Shift>],
    probs: &[f64],
) -> Option<crate::plan::risk::ScenarioRisk> {
    let evaluations = paths
        .iter()
        .zip(schedules)
        .map(|(d, shifts)| {
            let mut p = plan.clone();
            p.scheduling.shifts = shifts.clone();
            evaluate(&p, catalog, d, None).ok()
        })
        .collect::<Option<Vec<_>>>()?;
    Some(crate::plan::risk::ScenarioRisk {
        evaluations,
        probs: probs.to_vec(),
    })
}

/// What the plan's scheduling saves, expected over the paths.
fn forecast_value(
    plan: &crate::plan::Plan,
    catalog: &crate::domain::Catalog,
    paths: &[crate::domain::DemandHistory],
    schedules: &[Vec<crate::domain::Shift>],
    probs: &[f64],
) -> Option<super::schedule::SchedulingValue> {
    let scenarios: Vec<super::schedule::ValuedScenario> = paths
        .iter()
        .zip(schedules)
        .zip(probs)
        .map(
            |((recorded, shifts), &prob)| super::schedule::ValuedScenario {
                recorded,
                shifts,
                prob,
            },
        )
        .collect();
    super::schedule::scheduling_value(plan, catalog, &scenarios, None)
}
