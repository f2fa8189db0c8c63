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
pub mod explain;
pub mod joint;
pub mod stochastic;
pub mod term;

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
    /// The term-wide report, when the plan was made over the commitments' terms.
    pub term: Option<Box<term::TermReport>>,
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
        term: None,
    }
}

/// The run of a problem that could not be built: every workload without a compatible
/// offering explained (the build stops at the first).
pub(crate) fn build_failed(inputs: &Inputs, inf: Infeasibility, build_seconds: f64) -> PlanRun {
    no_plan(
        explain::tier_infeasibility(inputs, inf),
        Vec::new(),
        build_seconds,
    )
}

/// The catalog offering each input workload is placed on in `plan` (its largest share).
fn placed_offerings(inputs: &Inputs, plan: &Plan) -> Vec<Option<usize>> {
    let cat = &inputs.catalog;
    inputs
        .workloads
        .iter()
        .map(|w| {
            plan.placements
                .iter()
                .filter(|p| p.workload == w.name)
                .max_by(|a, b| a.share.total_cmp(&b.share))
                .and_then(|p| {
                    cat.offerings.iter().position(|o| {
                        o.cloud == p.cloud
                            && o.region == p.region
                            && o.instance_type == p.instance_type
                    })
                })
        })
        .collect()
}

/// The capacity conflicts of a solution, explained (`None` when all load is served).
/// `gpus(w, b, s)` gives input workload `w`'s GPUs in bucket `b` of scenario `s` of the
/// solved problem.
pub(crate) fn capacity_conflicts(
    inputs: &Inputs,
    problem: &Problem,
    plan: &Plan,
    sol: &crate::model::MipSolution,
    gpus: &dyn Fn(usize, usize, usize) -> f64,
) -> Option<Infeasibility> {
    if sol.unserved.is_empty() {
        return None;
    }
    let offering = placed_offerings(inputs, plan);
    let placed = crate::model::conflict::Placed {
        offering: &offering,
        gpus,
    };
    let conflicts =
        crate::model::conflict::detect_capacity_conflicts(inputs, &placed, problem, sol);
    explain::capacity_infeasibility(inputs, &conflicts, problem.demand.total_hours())
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
    let t1 = Instant::now();
    let wd = inputs.window_demand();
    // The GPUs of a bucket: the planning window's demand in its first hour (the problem
    // solved may be pooled per offering, so its own rows are not per workload).
    let gpus = |w: usize, b: usize, _: usize| {
        problem.demand.hours[b]
            .first()
            .and_then(|t| usize::try_from((*t - inputs.window.start).num_hours()).ok())
            .and_then(|h| wd.gpus.get(w).and_then(|row| row.get(h)))
            .copied()
            .unwrap_or(0.0)
    };
    let infeasibility = capacity_conflicts(inputs, problem, &plan, sol, &gpus);
    if let Some(inf) = &infeasibility {
        outcome.status = SolveStatus::Infeasible;
        outcome.message = Some(inf.message.clone());
    }
    let evaluation = evaluate(&plan, &inputs.catalog, &wd, Some(&inputs.keep)).ok();
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
        term: None,
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

/// Plans a scenario the way its `[term] mode` asks: over the commitments' whole terms (the
/// default, [`term::plan_term`]) or on the planning window only ([`plan_scenario`]).
pub fn plan_configured(
    inputs: &Inputs,
    settings: &SolveSettings,
    resolution: Resolution,
) -> PlanRun {
    match inputs.scenario.term.mode {
        crate::ingest::term_config::TermMode::Term => term::plan_term(inputs, settings, resolution),
        crate::ingest::term_config::TermMode::Window => plan_scenario(inputs, settings, resolution),
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
/// solver found no plan. A solution that leaves load unserved is checked by solving again
/// with unserved load priced above any way of serving it
/// ([`crate::model::problem::strict_unserved_penalty`]): a plan that serves everything
/// replaces it; load still unserved is a real conflict (see `finish`).
pub(crate) fn solve_problem(
    inputs: &Inputs,
    problem: &mut Problem,
    settings: &SolveSettings,
    t0: Instant,
) -> Result<(SolveOutcome, crate::model::MipSolution, f64), Box<PlanRun>> {
    problem.cvar_offsets = regret_offsets(inputs, &problem.demand, settings);
    let first = solve_once(problem, settings, t0)?;
    let strict = crate::model::problem::strict_unserved_penalty(problem.demand.total_hours());
    if first.1.unserved.is_empty() || problem.unserved_penalty >= strict {
        return Ok(first);
    }
    settings
        .progress
        .stage(|| "load left unserved: checking whether any plan serves it".into());
    let penalty = std::mem::replace(&mut problem.unserved_penalty, strict);
    match solve_once(problem, settings, t0) {
        Ok(checked) => Ok(checked),
        Err(_) => {
            problem.unserved_penalty = penalty;
            Ok(first)
        }
    }
}

/// One build and solve of a problem's MIP (see [`solve_problem`]).
fn solve_once(
    problem: &Problem,
    settings: &SolveSettings,
    t0: Instant,
) -> Result<(SolveOutcome, crate::model::MipSolution, f64), Box<PlanRun>> {
    let mip = build_mip(problem);
    let build_seconds = t0.elapsed().as_secs_f64();
    let reader = MipReader::from(&mip);
    let mut outcome = solve(mip, settings);
    let Some(values) = outcome.values.take() else {
        // Only a real infeasibility gets an explanation; a limit reached before any plan
        // was found, or a solver error, keeps its own status and message.
        let mut run = no_plan(
            Infeasibility {
                group: "model".into(),
                message: String::new(),
                conflicts: Vec::new(),
            },
            problem.pruned.clone(),
            build_seconds,
        );
        run.infeasibility = (outcome.status == SolveStatus::Infeasible).then(|| {
            match problem.max_cvar {
                // The only constraint of the model that can fail on its own: on-demand
                // keeps every other combination feasible.
                Some(budget) => {
                    explain::budget_infeasibility(budget, lowest_cvar(problem, settings))
                }
                None => Infeasibility {
                    group: "model".into(),
                    message: outcome
                        .message
                        .clone()
                        .unwrap_or_else(|| "no feasible plan".into()),
                    conflicts: Vec::new(),
                },
            }
        });
        if let Some(inf) = &run.infeasibility {
            outcome.message = Some(inf.message.clone());
        }
        run.outcome = outcome;
        return Err(Box::new(run));
    };
    Ok((outcome, reader.read(&values), build_seconds))
}

/// The lowest CVaR any plan of the problem reaches: the problem solved for CVaR alone
/// (λ = 1), without the budget.
fn lowest_cvar(problem: &Problem, settings: &SolveSettings) -> Option<f64> {
    let mut p = problem.clone();
    p.max_cvar = None;
    p.risk_weight = 1.0;
    solve(build_mip(&p), settings).objective
}
