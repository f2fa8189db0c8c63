//! The `plan` pipeline: inputs → problem → MIP → HiGHS → plan → evaluation. The engine
//! never prints; callers hand the result to the writers in `output`.

use crate::config::Resolution;
use crate::inputs::Inputs;
use crate::model::aggregate::{bucketed, cluster_hours, Groups};
use crate::model::build_lp_relaxation;
use crate::model::decomp::{cheapest, pool, pooled_problem, priced_costs, prices, OptionCosts};
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
    /// How the decomposition chose tiers, when it planned.
    pub decomposition: Option<Decomposition>,
}

/// The tier phase of a decomposed plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// Where the kept tier search started.
    pub start: TierStart,
    /// Price-directed rounds (LP relaxations of the pooled problem) solved.
    pub rounds: usize,
    /// Seconds from the start to the chosen tiers.
    pub tiers_seconds: f64,
    /// Objective of the first round's LP relaxation (tiers from standalone costs).
    pub first_lp_objective: Option<f64>,
    /// Objective of the last accepted round's LP relaxation (on its own buckets).
    pub lp_objective: Option<f64>,
    /// Workloads the polish MIP moved (`None`: not run — too large, or nothing to choose).
    pub polish_moves: Option<usize>,
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
    }
}

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
fn plan_on_buckets(inputs: &Inputs, demand: DemandSet, settings: &SolveSettings) -> PlanRun {
    settings
        .progress
        .stage(|| format!("joint MIP on {} buckets", demand.weights.len()));
    let t0 = Instant::now();
    let buckets = demand.weights.len();
    let mut problem = match Problem::build(inputs, demand) {
        Ok(p) => p,
        Err(inf) => return infeasible(inf, Vec::new(), t0.elapsed().as_secs_f64()),
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

/// The end of every replay-mode run: an infeasibility named from the unserved load of the
/// solution (`problem` is the one solved: its offerings and buckets), the plan re-priced
/// hour by hour on the planning window and at ±20% demand.
#[allow(clippy::too_many_arguments)]
fn finish(
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
    }
}

/// Re-prices a replay-mode run's plan at 80% and 120% of the planning window's demand (the
/// two evaluations run on two threads).
fn add_sensitivity(inputs: &Inputs, run: &mut PlanRun) {
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
fn keep_better(best: &mut Option<PlanRun>, run: PlanRun) -> bool {
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
    let segment = owned_segments(inputs, &full.hours);
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

/// Labels hours by the set of owned commitments active in them: hours with different labels
/// never share a bucket.
fn owned_segments(inputs: &Inputs, hours: &[Vec<chrono::DateTime<chrono::Utc>>]) -> Vec<u64> {
    let mut labels: std::collections::BTreeMap<Vec<usize>, u64> = Default::default();
    hours
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
        .collect()
}

/// What every step of the decomposition shares, built once: the full-resolution problem,
/// the owned-commitment segment of each hour, and the per-option cost tables.
struct Decomp {
    problem: Problem,
    segment: Vec<u64>,
    costs: OptionCosts,
}

/// The pooled problem of a tier assignment on at most `k` buckets, clustered on its pooled
/// demand (distance in on-demand dollars); with the buckets (groups of the full problem's
/// hours).
fn pooled_on_buckets(d: &Decomp, tier: &[usize], k: usize) -> (Groups, Problem) {
    let (problem, segment) = (&d.problem, &d.segment);
    let mut pooled = pool(problem, tier, &d.costs.hidden);
    let scale: Vec<f64> = pooled
        .rows
        .iter()
        .map(|r| problem.offerings[r.offering].on_demand)
        .collect();
    let nb = problem.demand.weights.len();
    let mean: Vec<Vec<f64>> = (0..pooled.rows.len())
        .map(|r| {
            (0..nb)
                .map(|b| {
                    pooled
                        .gpus
                        .iter()
                        .zip(&problem.demand.probs)
                        .map(|(g, p)| g[r][b] * p)
                        .sum()
                })
                .collect()
        })
        .collect();
    let groups = cluster_hours(&mean, &scale, segment, k);
    let full = DemandSet {
        weights: problem.demand.weights.clone(),
        hours: problem.demand.hours.clone(),
        probs: problem.demand.probs.clone(),
        gpus: std::mem::take(&mut pooled.gpus),
    };
    let ds = bucketed(&full, &groups);
    let origin: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    let pp = pooled_problem(problem, &pooled, ds, &origin);
    (groups, pp)
}

/// Buckets for the LP rounds of the decomposition (pooled rows cluster well: few dimensions).
pub const DECOMP_LP_BUCKETS: usize = 96;
/// Most price-directed rounds of the decomposition.
pub const DECOMP_MAX_ROUNDS: usize = 30;

/// One price-directed round: the LP relaxation of the pooled problem of `tier` on
/// `DECOMP_LP_BUCKETS` buckets clustered on its pooled demand, its objective and every
/// workload priced on every option at its duals.
fn price_round(
    d: &Decomp,
    tier: &[usize],
    settings: &SolveSettings,
) -> Option<(f64, Vec<Vec<f64>>)> {
    let k = DECOMP_LP_BUCKETS.min(d.problem.demand.weights.len());
    let (groups, pp) = pooled_on_buckets(d, tier, k);
    let mip = build_lp_relaxation(&pp);
    let cells = mip.cells.clone();
    let buy = mip.buy.clone();
    let out = solve(mip, settings);
    let (Some(obj), Some(values), Some(duals)) = (out.objective, out.values, out.duals) else {
        return None;
    };
    let pr = prices(&pp, &cells, &buy, &duals, &values);
    Some((obj, priced_costs(&d.problem, &groups, &pr, &d.costs)))
}

/// Moves the workloads that the prices say are cheaper elsewhere: the share `frac` of them
/// with the largest saving (at least one).
fn apply_moves(tier: &[usize], costs: &[Vec<f64>], frac: f64) -> Vec<usize> {
    let best = cheapest(costs);
    let mut gains: Vec<(f64, usize)> = tier
        .iter()
        .enumerate()
        .filter_map(|(w, &j)| {
            let g = costs[w][j] - costs[w][best[w]];
            (g > 1e-9 * costs[w][j].abs().max(1.0)).then_some((g, w))
        })
        .collect();
    gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = ((gains.len() as f64 * frac).ceil() as usize).min(gains.len());
    let mut out = tier.to_vec();
    for &(_, w) in gains.iter().take(n) {
        out[w] = best[w];
    }
    out
}

/// Most buckets of the joint LP relaxation that seeds one of the decomposition's tier
/// searches.
pub const DECOMP_JOINT_LP_BUCKETS: usize = 24;
/// Fewest buckets of that LP.
pub const DECOMP_JOINT_LP_MIN_BUCKETS: usize = 12;
/// Budget of tier columns × buckets for that LP: its bucket count is lowered (down to the
/// minimum) so that large fleets keep it to a few seconds.
pub const DECOMP_JOINT_LP_CELLS: usize = 250_000;

/// Where a tier search of the decomposition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierStart {
    /// Each workload on its cheapest option by standalone cost.
    Standalone,
    /// Each workload on its largest option in the LP relaxation of the joint model on 12 to
    /// 24 buckets (tiers and commitments together, tiers fractional).
    JointLp,
}

impl TierStart {
    /// `standalone` or `joint_lp`.
    pub fn as_str(self) -> &'static str {
        match self {
            TierStart::Standalone => "standalone",
            TierStart::JointLp => "joint_lp",
        }
    }
}

/// Tiers from the LP relaxation of the joint model on few buckets: each workload's largest
/// fractional option.
fn joint_lp_tiers(
    inputs: &Inputs,
    full_problem: &Problem,
    settings: &SolveSettings,
) -> Option<Vec<usize>> {
    let full = &full_problem.demand;
    let columns: usize = full_problem.workloads.iter().map(|w| w.options.len()).sum();
    let k = (DECOMP_JOINT_LP_CELLS / columns.max(1))
        .clamp(DECOMP_JOINT_LP_MIN_BUCKETS, DECOMP_JOINT_LP_BUCKETS)
        .min(full.weights.len());
    let ds = aggregate(inputs, full, k);
    let problem = Problem::build(inputs, ds).ok()?;
    let mip = build_lp_relaxation(&problem);
    let y = mip.y.clone();
    let values = solve(mip, settings).values?;
    Some(
        y.iter()
            .map(|cols| {
                let mut best = 0;
                for (j, &c) in cols.iter().enumerate() {
                    if values[c] > values[cols[best]] + 1e-9 {
                        best = j;
                    }
                }
                best
            })
            .collect(),
    )
}

/// Plans by decomposition (see `model::decomp`): two tier searches run side by side (one
/// per core) — one from standalone costs, one from the joint LP relaxation on few buckets —
/// each improved by price-directed rounds on the LP relaxation of the pooled problem and
/// finished by the commitment MIP on the pooled rows (bucket count doubled from 192 until
/// the hourly re-priced cost improves by less than 0.05%, or at the resolution asked for).
/// The plan with the lower hourly re-priced cost is kept (ties: the joint-LP start).
pub fn plan_decomposed(
    inputs: &Inputs,
    settings: &SolveSettings,
    resolution: Resolution,
) -> PlanRun {
    let t0 = Instant::now();
    let progress = settings.progress;
    progress.stage(|| "decomposition: building the problem".into());
    let full = DemandSet::full_resolution(inputs);
    let problem = match Problem::build(inputs, full) {
        Ok(p) => p,
        Err(inf) => return infeasible(inf, Vec::new(), t0.elapsed().as_secs_f64()),
    };
    progress.stage(|| "decomposition: standalone costs".into());
    let d = Decomp {
        segment: owned_segments(inputs, &problem.demand.hours),
        costs: OptionCosts::of(&problem),
        problem,
    };
    let (a, b) = std::thread::scope(|sc| {
        let other = sc
            .spawn(|| decompose_from(inputs, &d, settings, resolution, TierStart::Standalone, t0));
        let a = decompose_from(inputs, &d, settings, resolution, TierStart::JointLp, t0);
        (a, other.join().ok())
    });
    let cost = |r: &PlanRun| r.evaluation.as_ref().map_or(f64::INFINITY, |e| e.total);
    let mut run = match b {
        Some(b) if cost(&b) < cost(&a) => b,
        _ => a,
    };
    progress.stage(|| "re-pricing at ±20% demand".into());
    add_sensitivity(inputs, &mut run);
    run
}

/// Largest polish MIP, in tier columns (workloads plus their alternatives).
pub const DECOMP_POLISH_MAX_COLUMNS: usize = 300;
/// Buckets of the polish MIP.
pub const DECOMP_POLISH_BUCKETS: usize = 48;
/// Branch-and-bound nodes of the polish MIP (a node limit, not a time limit, so that the
/// plan does not depend on the machine's speed).
pub const DECOMP_POLISH_NODES: u32 = 500;

/// Polish: the joint MIP (tiers and commitments together) with each workload restricted to
/// its current tier and its cheapest option at the last round's prices, on
/// `DECOMP_POLISH_BUCKETS` buckets, stopped after `DECOMP_POLISH_NODES` nodes — when it has
/// at most `DECOMP_POLISH_MAX_COLUMNS` tier columns. Returns its tiers if it found a plan.
/// Price-directed moves go one workload at a time; the MIP can swap groups of workloads
/// between two offerings at once, which the rounds cannot see.
fn polish_tiers(
    inputs: &Inputs,
    full_problem: &Problem,
    tier: &[usize],
    costs: &[Vec<f64>],
    settings: &SolveSettings,
) -> Option<Vec<usize>> {
    let best = cheapest(costs);
    let keep: Vec<Vec<usize>> = tier
        .iter()
        .zip(&best)
        .map(|(&a, &b)| {
            if a == b {
                vec![a]
            } else {
                vec![a.min(b), a.max(b)]
            }
        })
        .collect();
    if keep.iter().map(Vec::len).sum::<usize>() > DECOMP_POLISH_MAX_COLUMNS
        || keep.iter().all(|k| k.len() == 1)
    {
        return None;
    }
    let k = DECOMP_POLISH_BUCKETS.min(full_problem.demand.weights.len());
    let ds = aggregate(inputs, &full_problem.demand, k);
    let mut p = Problem::build(inputs, ds).ok()?;
    for (w, ks) in p.workloads.iter_mut().zip(&keep) {
        w.options = ks.iter().map(|&j| w.options[j].clone()).collect();
    }
    let mip = build_mip(&p);
    let y = mip.y.clone();
    let st = SolveSettings {
        max_nodes: Some(DECOMP_POLISH_NODES),
        ..*settings
    };
    let out = solve(mip, &st);
    let values = out.values?;
    let tiers: Vec<usize> = y
        .iter()
        .zip(&keep)
        .map(|(cols, ks)| {
            let mut b = 0;
            for (j, &c) in cols.iter().enumerate() {
                if values[c] > values[cols[b]] {
                    b = j;
                }
            }
            ks[b]
        })
        .collect();
    Some(tiers)
}

/// One tier search and its commitment MIP (see [`plan_decomposed`]).
fn decompose_from(
    inputs: &Inputs,
    d: &Decomp,
    settings: &SolveSettings,
    resolution: Resolution,
    start: TierStart,
    t0: Instant,
) -> PlanRun {
    let progress = settings.progress;
    let problem = &d.problem;
    let n = problem.demand.weights.len();
    let first = match start {
        TierStart::Standalone => None,
        TierStart::JointLp => {
            progress.stage(|| "decomposition: joint LP relaxation".into());
            joint_lp_tiers(inputs, problem, settings)
        }
    };
    let mut best_tier = first.unwrap_or_else(|| cheapest(&d.costs.standalone));
    let mut best = price_round(d, &best_tier, settings);
    let first_lp = best.as_ref().map(|b| b.0);
    let mut frac = 0.5;
    let mut rounds = 1;
    while let Some((best_obj, costs)) = &best {
        if rounds >= DECOMP_MAX_ROUNDS || frac < 1.0 / 64.0 {
            break;
        }
        let cand = apply_moves(&best_tier, costs, frac);
        if cand == best_tier {
            break;
        }
        rounds += 1;
        progress.stage(|| {
            format!(
                "decomposition ({}): round {rounds}, LP {best_obj:.0} USD",
                start.as_str()
            )
        });
        match price_round(d, &cand, settings) {
            Some((obj, c)) if obj < best_obj * (1.0 - 1e-7) => {
                best_tier = cand;
                best = Some((obj, c));
            }
            _ => frac /= 2.0,
        }
    }
    let mut polish_moves = None;
    if let Some((_, costs)) = best.clone() {
        let costs = &costs;
        progress.stage(|| format!("decomposition ({}): polishing tiers", start.as_str()));
        let best_obj = best.as_ref().map_or(f64::INFINITY, |b| b.0);
        if let Some(t) = polish_tiers(inputs, problem, &best_tier, costs, settings) {
            // Kept only if the pooled LP (the rounds' yardstick) agrees that it is cheaper.
            let moved = t.iter().zip(&best_tier).filter(|(a, b)| a != b).count();
            polish_moves = Some(0);
            if moved > 0 {
                if let Some((obj, c)) = price_round(d, &t, settings) {
                    if obj < best_obj * (1.0 - 1e-7) {
                        polish_moves = Some(moved);
                        best_tier = t;
                        best = Some((obj, c));
                    }
                }
            }
        }
    }
    let tiers_seconds = t0.elapsed().as_secs_f64();
    // Commitments on the chosen tiers: adaptive buckets, or the resolution asked for.
    let mut k = match resolution {
        Resolution::Full => n,
        Resolution::Buckets(k) => k.min(n),
        Resolution::Auto => (2 * DECOMP_LP_BUCKETS).min(n),
    };
    let mut steps = Vec::new();
    let mut chosen: Option<PlanRun> = None;
    loop {
        let t = Instant::now();
        progress.stage(|| format!("decomposition: commitment MIP on {k} buckets"));
        let (_, mut pp) = pooled_on_buckets(d, &best_tier, k);
        let buckets = pp.demand.weights.len();
        let exact = buckets >= n;
        let (outcome, psol, build_seconds) = match solve_problem(inputs, &mut pp, settings, t) {
            Ok(x) => x,
            Err(run) => {
                if chosen.is_none() {
                    chosen = Some(*run);
                }
                break;
            }
        };
        let sol = crate::model::MipSolution {
            tier: best_tier.clone(),
            ..psol
        };
        progress.stage(|| "re-pricing the plan hour by hour".into());
        let plan = plan_from_solution(inputs, problem, &sol);
        let run = finish(
            inputs,
            &pp,
            plan,
            &sol,
            outcome,
            (build_seconds, buckets),
            problem.pruned.clone(),
            problem.dominated_offerings.clone(),
        );
        steps.push(step(&run, t));
        if keep_better(&mut chosen, run) || exact || resolution != Resolution::Auto || k >= n {
            break;
        }
        k = (k * 2).min(n);
    }
    let mut run = chosen.unwrap_or_else(|| {
        infeasible(
            Infeasibility {
                group: "model".into(),
                message: "no plan".into(),
            },
            Vec::new(),
            0.0,
        )
    });
    run.steps = steps;
    run.decomposition = Some(Decomposition {
        start,
        rounds,
        tiers_seconds,
        first_lp_objective: first_lp,
        lp_objective: best.map(|b| b.0),
        polish_moves,
    });
    run
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
        decomposition: None,
    }
}

/// Plans a scenario the way its file asks: on forecast demand scenarios when
/// `[forecast] scenarios` ≥ 2 (stochastic, over the horizon after the window), else on the
/// planning window's history replayed.
pub fn plan_scenario(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    use crate::config::Method;
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
                .filter(|o| crate::inputs::compatible(w, o, cat, &inputs.scenario))
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
