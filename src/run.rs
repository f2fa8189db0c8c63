//! The `plan` pipeline: inputs → problem → MIP → HiGHS → plan → evaluation. The engine
//! never prints; callers hand the result to the writers in `output`.

use crate::inputs::Inputs;
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
    /// Seconds spent building the model.
    pub build_seconds: f64,
    /// Seconds spent evaluating.
    pub evaluate_seconds: f64,
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
        build_seconds,
        evaluate_seconds: 0.0,
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
    let problem = match Problem::build(inputs, demand) {
        Ok(p) => p,
        Err(inf) => return infeasible(inf, Vec::new(), t0.elapsed().as_secs_f64()),
    };
    let mip = build_mip(&problem);
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
        return run;
    };
    let sol = reader.read(&values);
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
    PlanRun {
        outcome,
        plan: Some(plan),
        evaluation,
        infeasibility,
        pruned: problem.pruned,
        build_seconds,
        evaluate_seconds: t1.elapsed().as_secs_f64(),
    }
}

/// What is needed to read values back after the model is consumed by the solver.
struct MipReader {
    mip_y: Vec<Vec<usize>>,
    buy: Vec<Option<usize>>,
    integral: Vec<bool>,
    cost: Vec<usize>,
    q: Vec<(usize, usize, usize, usize)>,
}

impl From<&crate::model::Mip> for MipReader {
    fn from(m: &crate::model::Mip) -> Self {
        MipReader {
            mip_y: m.y.clone(),
            buy: m.buy.clone(),
            integral: m.integral.clone(),
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
            &self.integral,
            &self.cost,
            &self.q,
            values,
        )
    }
}
