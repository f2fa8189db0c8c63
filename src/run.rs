//! The `plan` pipeline: inputs → problem → MIP → HiGHS → plan → evaluation. The engine
//! never prints; callers hand the result to the writers in `output`.

use crate::config::Resolution;
use crate::inputs::Inputs;
use crate::model::aggregate::{bucketed, cluster_hours};
use crate::model::problem::current_offering;
use crate::model::{build_mip, DemandSet, Infeasibility, Problem};
use crate::plan::{evaluate, plan_from_solution, Evaluation, Plan};
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
    }
}

fn infeasible(inf: Infeasibility, pruned: Vec<String>, build_seconds: f64) -> PlanRun {
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
    }
}

/// Plans a scenario at full hourly resolution on its planning window.
pub fn plan_full_resolution(inputs: &Inputs, settings: &SolveSettings) -> PlanRun {
    plan_on(inputs, DemandSet::full_resolution(inputs), settings)
}

/// Plans a scenario on a given demand set, then re-prices the plan hour by hour on the
/// planning window.
pub fn plan_on(inputs: &Inputs, demand: DemandSet, settings: &SolveSettings) -> PlanRun {
    let t0 = Instant::now();
    let buckets = demand.weights.len();
    let mut problem = match Problem::build(inputs, demand) {
        Ok(p) => p,
        Err(inf) => return infeasible(inf, Vec::new(), t0.elapsed().as_secs_f64()),
    };
    let (mut outcome, sol, build_seconds) = match solve_problem(inputs, &mut problem, settings, t0)
    {
        Ok(x) => x,
        Err(run) => return *run,
    };
    let plan = plan_from_solution(inputs, &problem, &sol);
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
    let scaled = |f: f64| {
        let mut d = wd.clone();
        d.gpus.iter_mut().flatten().for_each(|g| *g *= f);
        evaluate(&plan, &inputs.catalog, &d, Some(&inputs.keep))
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
        risk: None,
        horizon: None,
        sensitivity,
    }
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
                let run = plan_on(inputs, ds, settings);
                steps.push(step(&run, t));
                let cost = run.evaluation.as_ref().map(|e| e.total);
                let prev = best
                    .as_ref()
                    .and_then(|b| b.evaluation.as_ref().map(|e| e.total));
                let improved = match (cost, prev) {
                    (Some(c), Some(p)) => (p - c) / p.abs().max(1e-9),
                    (Some(_), None) => f64::INFINITY,
                    _ => 0.0,
                };
                let infeasible = run.plan.is_none();
                // The buckets already price this plan within the tolerance of its hourly
                // re-pricing: more buckets would not see a different cost.
                let model_error = match (cost, run.outcome.objective) {
                    (Some(c), Some(o)) => (c - o).abs() / c.abs().max(1e-9),
                    _ => f64::INFINITY,
                };
                if improved > 0.0 || best.is_none() {
                    best = Some(run);
                }
                // Stop when the buckets price the plan as the hours do, or when doubling no
                // longer helps — but not while the bucketed objective is still more than 1%
                // off the re-priced cost (the buckets are too coarse to be trusted).
                if infeasible
                    || exact
                    || model_error < AUTO_TOLERANCE
                    || (improved < AUTO_TOLERANCE && model_error < 0.01)
                    || k >= n
                {
                    break;
                }
                k = (k * 2).min(n);
            }
            let mut run = best.unwrap_or_else(|| plan_on(inputs, full, settings));
            run.steps = steps;
            run
        }
    }
}

fn step(run: &PlanRun, t: Instant) -> AggStep {
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

/// The full-resolution demand grouped into at most `k` buckets (see `model::aggregate`).
pub fn aggregate(inputs: &Inputs, full: &DemandSet, k: usize) -> DemandSet {
    let cat = &inputs.catalog;
    // Distance in dollars: each workload weighted by the on-demand price of one GPU of its
    // current offering.
    let scale: Vec<f64> = inputs
        .workloads
        .iter()
        .map(|w| current_offering(cat, w).map_or(1.0, |o| o.on_demand_per_gpu()))
        .collect();
    // Hours with different owned commitments active never share a bucket.
    let mut labels: std::collections::BTreeMap<Vec<usize>, u64> = Default::default();
    let segment: Vec<u64> = full
        .hours
        .iter()
        .map(|hs| {
            let t = hs[0];
            let active: Vec<usize> = inputs
                .owned
                .iter()
                .enumerate()
                .filter(|(_, c)| t >= c.start && t < c.end)
                .map(|(i, _)| i)
                .collect();
            let next = labels.len() as u64;
            *labels.entry(active).or_insert(next)
        })
        .collect();
    // Hours are clustered on the probability-weighted mean demand across scenarios.
    let mean: Vec<Vec<f64>> = (0..full.gpus[0].len())
        .map(|w| {
            (0..full.weights.len())
                .map(|h| {
                    full.gpus
                        .iter()
                        .zip(&full.probs)
                        .map(|(s, p)| s[w][h] * p)
                        .sum()
                })
                .collect()
        })
        .collect();
    let groups = cluster_hours(&mean, &scale, &segment, k);
    bucketed(full, &groups)
}

/// What is needed to read values back after the model is consumed by the solver.
struct MipReader {
    mip_y: Vec<Vec<usize>>,
    buy: Vec<Option<usize>>,
    step: Vec<f64>,
    cost: Vec<usize>,
    q: Vec<(usize, usize, usize, usize)>,
}

impl From<&crate::model::Mip> for MipReader {
    fn from(m: &crate::model::Mip) -> Self {
        MipReader {
            mip_y: m.y.clone(),
            buy: m.buy.clone(),
            step: m.step.clone(),
            cost: m.cost.clone(),
            q: m.cells
                .iter()
                .filter_map(|c| c.q.map(|q| (c.o, c.b, c.s, q)))
                .collect(),
        }
    }
}

impl MipReader {
    fn read(&self, values: &[f64]) -> crate::model::MipSolution {
        crate::model::mip::read_values(
            &self.mip_y,
            &self.buy,
            &self.step,
            &self.cost,
            &self.q,
            values,
        )
    }
}

/// Plans on forecast demand scenarios over the horizon after the history window: the
/// two-stage stochastic model (tiers and commitments once, dispatch per scenario) with the
/// scenario's risk setting, on time buckets (`Auto` = 48; `Full` = every horizon hour). The
/// plan is then re-priced hour by hour on every scenario (`risk`), and on the P50 path −20% /
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
        Err(inf) => return infeasible(inf, Vec::new(), t0.elapsed().as_secs_f64()),
    };
    let (outcome, sol, build_seconds) = match solve_problem(&fin, &mut problem, settings, t0) {
        Ok(x) => x,
        Err(run) => return *run,
    };
    let mut plan = plan_from_solution(&fin, &problem, &sol);
    plan.start = horizon.start;
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
            .p50
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
        infeasibility: None,
        pruned: problem.pruned,
        dominated_offerings: problem.dominated_offerings,
        build_seconds,
        evaluate_seconds: t1.elapsed().as_secs_f64(),
        buckets,
        steps: Vec::new(),
        risk,
        horizon: Some(horizon),
        sensitivity,
    }
}

/// Plans a scenario the way its file asks: on forecast demand scenarios when
/// `[forecast] scenarios` ≥ 2 (stochastic, over the horizon after the window), else on the
/// planning window's history replayed.
pub fn plan_scenario(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    if inputs.scenario.forecast_scenarios >= 2 {
        plan_forecast(inputs, settings, resolution)
    } else {
        plan(inputs, settings, resolution)
    }
}

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
/// solver found no plan.
fn solve_problem(
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
        let mut run = infeasible(inf, problem.pruned.clone(), build_seconds);
        run.outcome = outcome;
        return Err(Box::new(run));
    };
    Ok((outcome, reader.read(&values), build_seconds))
}
