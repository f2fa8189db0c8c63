//! The planning engine: the strategies that turn a scenario's [`Inputs`] into a
//! [`PlanRun`]. [`plan_scenario`] picks one the way the scenario file asks:
//!
//! - [`joint`]: tiers and commitments in one MIP, on adaptive time buckets (the default for
//!   small and medium fleets);
//! - [`decompose`]: tiers by price-directed decomposition, then commitments on the load
//!   pooled per offering (large fleets);
//! - [`stochastic`]: the two-stage model on forecast demand scenarios over a horizon.
//!
//! Every strategy ends the same way ([`finish`]): the plan is re-priced hour by hour by the
//! independent evaluator. The engine never prints; callers hand the result to `output`.

pub mod decompose;
pub mod joint;
pub mod schedule;
pub mod stochastic;

pub use decompose::{plan_decomposed, Decomposition, TierStart};
pub use joint::{plan, plan_full_resolution, plan_on, AUTO_FIRST_BUCKETS, AUTO_TOLERANCE};
pub use stochastic::plan_forecast;

use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::model::mip::MipReader;
use crate::model::{build_mip, DemandSet, Infeasibility, Problem};
use crate::plan::{evaluate, Evaluation, Plan};
use crate::solve::{solve, SolveOutcome, SolveSettings, SolveStatus};
use std::time::Instant;

/// Everything one `plan` run produced.
#[derive(Debug, Clone)]
pub struct PlanRun {
    /// Solve outcome (status, objective, bound, gap, seconds).
    pub outcome: SolveOutcome,
    /// The plan, when the solver found one.
    pub plan: Option<Plan>,
    /// The plan re-priced at full hourly resolution on the planning window.
    pub evaluation: Option<Evaluation>,
    /// Why no feasible plan exists, when it does not.
    pub infeasibility: Option<Infeasibility>,
    /// Offers pruned as dominated.
    pub pruned: Vec<String>,
    /// Offerings dropped as dominated (catalog keys).
    pub dominated_offerings: Vec<String>,
    /// Seconds spent building the model.
    pub build_seconds: f64,
    /// Seconds spent evaluating.
    pub evaluate_seconds: f64,
    /// Time buckets of the model that produced the plan.
    pub buckets: usize,
    /// Every model solved on the way (adaptive aggregation), in order.
    pub steps: Vec<AggStep>,
    /// Re-pricing on each demand scenario (forecast mode); `evaluation` is then their mean.
    pub risk: Option<crate::plan::risk::ScenarioRisk>,
    /// The planned window when it is a forecast horizon (after the history).
    pub horizon: Option<crate::domain::HourWindow>,
    /// Cost if demand is 20% below / above the planned demand (the history replayed, or
    /// the forecast's P50 path).
    pub sensitivity: Option<(f64, f64)>,
    /// How the decomposition chose tiers, when it planned.
    pub decomposition: Option<Decomposition>,
    /// What the plan's scheduling (scale-to-zero windows, deferred load) saves, when it has
    /// some.
    pub scheduling: Option<schedule::SchedulingValue>,
}

/// One solve of the adaptive aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct AggStep {
    /// Buckets of this model.
    pub buckets: usize,
    /// Its objective (on buckets).
    pub objective: Option<f64>,
    /// Its plan re-priced hour by hour.
    pub evaluated: Option<f64>,
    /// Build + solve + evaluate seconds.
    pub seconds: f64,
    /// Solve status.
    pub status: SolveStatus,
}

/// Solver settings from the scenario, with command-line overrides.
pub fn settings(
    inputs: &Inputs,
    time_limit: Option<f64>,
    gap: Option<f64>,
    threads: Option<u32>,
) -> SolveSettings {
    let s = &inputs.scenario.solver;
    SolveSettings {
        time_limit_seconds: time_limit.unwrap_or(s.time_limit_seconds),
        mip_gap: gap.unwrap_or(s.mip_gap),
        threads: threads.unwrap_or(s.threads),
        max_nodes: None,
        progress: crate::solve::Progress::NONE,
    }
}

pub(crate) fn no_plan(inf: Infeasibility, pruned: Vec<String>, build_seconds: f64) -> PlanRun {
    PlanRun {
        outcome: SolveOutcome {
            status: SolveStatus::Infeasible,
            objective: None,
            best_bound: None,
            gap: None,
            seconds: 0.0,
            values: None,
            message: Some(inf.message.clone()),
            size: (0, 0, 0),
            duals: None,
        },
        plan: None,
        evaluation: None,
        infeasibility: Some(inf),
        pruned,
        dominated_offerings: Vec::new(),
        build_seconds,
        evaluate_seconds: 0.0,
        buckets: 0,
        steps: Vec::new(),
        risk: None,
        horizon: None,
        sensitivity: None,
        decomposition: None,
        scheduling: None,
    }
}

/// The end of every replay-mode run: an infeasibility named from the unserved load of the
/// solution (`problem` is the one solved: its offerings and buckets), the plan re-priced
/// hour by hour on the planning window and at ±20% demand.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    inputs: &Inputs,
    problem: &Problem,
    plan: Plan,
    sol: &crate::model::MipSolution,
    mut outcome: SolveOutcome,
    (build_seconds, buckets): (f64, usize),
    pruned: Vec<String>,
    dominated_offerings: Vec<String>,
) -> PlanRun {
    let mut infeasibility = None;
    if !sol.unserved.is_empty() {
        let (o, b, _, q) = sol.unserved[0];
        let off = &inputs.catalog.offerings[problem.offerings[o].catalog];
        let hour = problem.demand.hours[b]
            .first()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        infeasibility = Some(Infeasibility {
            group: "capacity".into(),
            message: format!(
                "on-demand capacity_limit of {} ({} instances) is below the load placed on it: {:.2} instances unserved at {hour} ({} offering-hours short in total)",
                off.key(),
                off.capacity_limit.unwrap_or(0.0),
                q,
                sol.unserved.len()
            ),
        });
        outcome.status = SolveStatus::Infeasible;
        outcome.message = infeasibility.as_ref().map(|i| i.message.clone());
    }
    let t1 = Instant::now();
    let wd = inputs.window_demand();
    let evaluation = evaluate(&plan, &inputs.catalog, &wd, Some(&inputs.keep)).ok();
    let scheduling = schedule::replay_value(inputs, &plan);
    PlanRun {
        outcome,
        plan: Some(plan),
        evaluation,
        infeasibility,
        pruned,
        dominated_offerings,
        build_seconds,
        evaluate_seconds: t1.elapsed().as_secs_f64(),
        buckets,
        steps: Vec::new(),
        risk: None,
        horizon: None,
        sensitivity: None,
        decomposition: None,
        scheduling,
    }
}

/// Re-prices a replay-mode run's plan at 80% and 120% of the planning window's demand (the
/// two evaluations run on two threads).
pub(crate) fn add_sensitivity(inputs: &Inputs, run: &mut PlanRun) {
    let Some(plan) = &run.plan else {
        return;
    };
    let t = Instant::now();
    let wd = inputs.window_demand();
    let scaled = |f: f64| {
        let mut d = wd.clone();
        d.gpus.iter_mut().flatten().for_each(|g| *g *= f);
        // Deferred load scales with its demand.
        let plan = &Plan {
            scheduling: plan.scheduling.scaled(f),
            ..plan.clone()
        };
        evaluate(plan, &inputs.catalog, &d, Some(&inputs.keep))
            .ok()
            .map(|e| e.total)
    };
    let (lo, hi) = std::thread::scope(|sc| {
        let lo = sc.spawn(|| scaled(0.8));
        let hi = scaled(1.2);
        (lo.join().ok().flatten(), hi)
    });
    run.sensitivity = lo.zip(hi);
    run.evaluate_seconds += t.elapsed().as_secs_f64();
}

/// Plans a scenario the way its file asks: on forecast demand scenarios when
/// `[forecast] scenarios` ≥ 2 (stochastic, over the horizon after the window), else on the
/// planning window's history replayed.
pub fn plan_scenario(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    use crate::ingest::scenario::Method;
    if inputs.scenario.forecast_scenarios >= 2 {
        return plan_forecast(inputs, settings, resolution);
    }
    let decompose = match inputs.scenario.solver.method {
        Method::Mip => false,
        Method::Decompose => true,
        Method::Auto => decomposition_pays(inputs),
    };
    if decompose {
        plan_decomposed(inputs, settings, resolution)
    } else {
        plan(inputs, settings, resolution)
    }
}

/// Whether `method = "auto"` decomposes: a risk-neutral replay whose joint MIP would have
/// more than `DECOMPOSE_ABOVE` tier columns × hours.
pub fn decomposition_pays(inputs: &Inputs) -> bool {
    let r = &inputs.scenario.risk;
    if r.risk_weight > 0.0 || r.max_cvar.is_some() {
        return false;
    }
    let cat = &inputs.catalog;
    let options: usize = inputs
        .workloads
        .iter()
        .map(|w| {
            cat.offerings
                .iter()
                .filter(|o| crate::ingest::inputs::compatible(w, o, cat, &inputs.scenario))
                .count()
        })
        .sum();
    let hours = inputs.keep.iter().filter(|&&k| k).count();
    options * hours > DECOMPOSE_ABOVE
}

/// Tier columns × planned hours above which `method = "auto"` decomposes.
pub const DECOMPOSE_ABOVE: usize = 200_000;

/// With the regret measure (and a risk term), each scenario's own optimum, solved alone: the
/// constants subtracted from the scenario costs inside the CVaR. Empty otherwise.
fn regret_offsets(inputs: &Inputs, demand: &DemandSet, settings: &SolveSettings) -> Vec<f64> {
    let risk = &inputs.scenario.risk;
    if !(risk.regret
        && (risk.risk_weight > 0.0 || risk.max_cvar.is_some())
        && demand.probs.len() > 1)
    {
        return Vec::new();
    }
    let mut neutral = inputs.clone();
    neutral.scenario.risk.risk_weight = 0.0;
    neutral.scenario.risk.max_cvar = None;
    (0..demand.probs.len())
        .map(|s| {
            let one = DemandSet {
                weights: demand.weights.clone(),
                hours: demand.hours.clone(),
                probs: vec![1.0],
                gpus: vec![demand.gpus[s].clone()],
                chains: demand.chains.clone(),
            };
            Problem::build(&neutral, one)
                .ok()
                .and_then(|p| solve(build_mip(&p), settings).objective)
                .unwrap_or(0.0)
        })
        .collect()
}

/// Builds and solves a problem's MIP (regret offsets first, when asked for). Returns the
/// outcome, the solution read back and the build seconds, or the finished run when the
/// solver found no plan.
pub(crate) fn solve_problem(
    inputs: &Inputs,
    problem: &mut Problem,
    settings: &SolveSettings,
    t0: Instant,
) -> Result<(SolveOutcome, crate::model::MipSolution, f64), Box<PlanRun>> {
    problem.cvar_offsets = regret_offsets(inputs, &problem.demand, settings);
    let mip = build_mip(problem);
    let build_seconds = t0.elapsed().as_secs_f64();
    let reader = MipReader::from(&mip);
    let mut outcome = solve(mip, settings);
    let Some(values) = outcome.values.take() else {
        let inf = Infeasibility {
            group: "model".into(),
            message: outcome
                .message
                .clone()
                .unwrap_or_else(|| "no feasible plan".into()),
        };
        let mut run = no_plan(inf, problem.pruned.clone(), build_seconds);
        run.outcome = outcome;
        return Err(Box::new(run));
    };
    Ok((outcome, reader.read(&values), build_seconds))
}
