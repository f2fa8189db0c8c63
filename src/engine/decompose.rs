//! The decomposition strategy for large fleets (see `model::decomp`): tiers first, by
//! price-directed rounds on the LP relaxation of the load pooled per offering, then the
//! commitment MIP on the pooled load of the chosen tiers.

use super::joint::{keep_better, step};
use super::schedule::follow_pools;
use super::{add_sensitivity, build_failed, finish, no_plan, solve_problem, PlanRun};
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::model::aggregate::{
    aggregate, bucketed, cluster_hours_with_chains, deferrable_chains, owned_segments, Groups,
};
use crate::model::build_lp_relaxation;
use crate::model::decomp::{
    cheapest, merge_deferrable, pool, pooled_problem, priced_costs, prices, OptionCosts,
};
use crate::model::{build_mip, DemandSet, Infeasibility, Problem};
use crate::plan::plan_from_solution;
use crate::solve::{solve, SolveSettings};
use std::time::Instant;

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

/// What every step of the decomposition shares, built once: the full-resolution problem,
/// the owned-commitment segment of each hour, and the per-option cost tables.
struct Decomp {
    problem: Problem,
    segment: Vec<u64>,
    costs: OptionCosts,
}

/// The pooled problem of a tier assignment on at most `k` buckets, clustered on its pooled
/// demand (distance in on-demand dollars); with the buckets (groups of the full problem's
/// hours). With `keep_deferrable`, deferrable workloads stay apart in deferrable pools
/// ([`merge_deferrable`]: their load can still be deferred) and the hours where it may run
/// keep their chronology; the last item lists each pool's members (problem workloads), in
/// the order of the pooled problem's workloads after its pooled rows.
fn pooled_on_buckets(
    d: &Decomp,
    tier: &[usize],
    k: usize,
    keep_deferrable: bool,
) -> (Groups, Problem, Vec<Vec<usize>>) {
    let (problem, segment) = (&d.problem, &d.segment);
    let mut pooled = pool(problem, tier, &d.costs.hidden, keep_deferrable);
    if keep_deferrable {
        pooled = merge_deferrable(problem, pooled);
    }
    let mut scale: Vec<f64> = pooled
        .rows
        .iter()
        .map(|r| problem.offerings[r.offering].on_demand)
        .collect();
    // Workloads kept apart are in GPUs: a dollar per GPU is its on-demand per instance ×
    // instances per GPU on the chosen option.
    for &(wi, j) in &pooled.apart {
        let op = &problem.workloads[wi].options[j];
        scale.push(problem.offerings[op.offering].on_demand * op.instances_per_gpu);
    }
    let nb = problem.demand.weights.len();
    let mean: Vec<Vec<f64>> = (0..scale.len())
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
    let deferrable: Vec<(&[f64], u32)> = pooled
        .apart
        .iter()
        .enumerate()
        .filter_map(|(k, &(wi, _))| {
            let h = problem.workloads[wi].shift?.hours;
            Some((mean[pooled.rows.len() + k].as_slice(), h))
        })
        .collect();
    let chains = deferrable_chains(&problem.demand.hours, &deferrable);
    let (groups, chain_buckets) = cluster_hours_with_chains(&mean, &scale, segment, k, &chains);
    let full = DemandSet {
        weights: problem.demand.weights.clone(),
        hours: problem.demand.hours.clone(),
        probs: problem.demand.probs.clone(),
        gpus: std::mem::take(&mut pooled.gpus),
        chains: Vec::new(),
    };
    let mut ds = bucketed(&full, &groups);
    ds.chains = chain_buckets;
    let origin: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    let pp = pooled_problem(problem, &pooled, ds, &origin);
    (groups, pp, pooled.members)
}

/// The inputs the tier searches plan on: deferrable load as recorded (tiers are chosen on
/// the recorded demand; only the commitment MIP defers load).
fn tier_inputs(inputs: &Inputs) -> std::borrow::Cow<'_, Inputs> {
    if super::schedule::has_deferrable(inputs) {
        std::borrow::Cow::Owned(inputs.without_shifting())
    } else {
        std::borrow::Cow::Borrowed(inputs)
    }
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
    let (groups, pp, _) = pooled_on_buckets(d, tier, k, false);
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
/// the hourly re-priced cost improves by less than 0.05% — 192 only with deferrable pools —
/// or at the resolution asked for).
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
        Err(inf) => return build_failed(inputs, inf, t0.elapsed().as_secs_f64()),
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
    super::schedule::finish_scheduling(inputs, &mut run, Some(&d.problem), settings);
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
    let first = match start {
        TierStart::Standalone => None,
        TierStart::JointLp => {
            settings
                .progress
                .stage(|| "decomposition: joint LP relaxation".into());
            joint_lp_tiers(&tier_inputs(inputs), &d.problem, settings)
        }
    };
    let tier = first.unwrap_or_else(|| cheapest(&d.costs.standalone));
    let mut search = price_rounds(d, tier, settings, start);
    let polish_moves = polish(inputs, d, settings, start, &mut search);
    let tiers_seconds = t0.elapsed().as_secs_f64();
    let mut run = commitments_on_tiers(inputs, d, settings, resolution, &search.tier);
    run.decomposition = Some(Decomposition {
        start,
        rounds: search.rounds,
        tiers_seconds,
        first_lp_objective: search.first_lp,
        lp_objective: search.best.map(|b| b.0),
        polish_moves,
    });
    run
}

/// Where a tier search stands: the tiers, the pooled LP's objective and option costs at
/// them, the first round's objective and the rounds solved.
struct TierSearch {
    tier: Vec<usize>,
    best: Option<(f64, Vec<Vec<f64>>)>,
    first_lp: Option<f64>,
    rounds: usize,
}

/// Price-directed rounds from `tier`: move the share `frac` of workloads that the duals say
/// are cheaper elsewhere; keep the move if the pooled LP falls, else halve `frac`.
fn price_rounds(
    d: &Decomp,
    tier: Vec<usize>,
    settings: &SolveSettings,
    start: TierStart,
) -> TierSearch {
    let best = price_round(d, &tier, settings);
    let mut search = TierSearch {
        first_lp: best.as_ref().map(|b| b.0),
        tier,
        best,
        rounds: 1,
    };
    let mut frac = 0.5;
    while let Some((best_obj, costs)) = &search.best {
        if search.rounds >= DECOMP_MAX_ROUNDS || frac < 1.0 / 64.0 {
            break;
        }
        let cand = apply_moves(&search.tier, costs, frac);
        if cand == search.tier {
            break;
        }
        search.rounds += 1;
        let rounds = search.rounds;
        settings.progress.stage(|| {
            format!(
                "decomposition ({}): round {rounds}, LP {best_obj:.0} USD",
                start.as_str()
            )
        });
        match price_round(d, &cand, settings) {
            Some((obj, c)) if obj < best_obj * (1.0 - 1e-7) => {
                search.tier = cand;
                search.best = Some((obj, c));
            }
            _ => frac /= 2.0,
        }
    }
    search
}

/// The polish MIP on the search's tiers, kept only if the pooled LP (the rounds' yardstick)
/// agrees that it is cheaper. Returns the workloads it moved (`None`: not run).
fn polish(
    inputs: &Inputs,
    d: &Decomp,
    settings: &SolveSettings,
    start: TierStart,
    search: &mut TierSearch,
) -> Option<usize> {
    let (best_obj, costs) = search.best.clone()?;
    settings
        .progress
        .stage(|| format!("decomposition ({}): polishing tiers", start.as_str()));
    let t = polish_tiers(
        &tier_inputs(inputs),
        &d.problem,
        &search.tier,
        &costs,
        settings,
    )?;
    let moved = t.iter().zip(&search.tier).filter(|(a, b)| a != b).count();
    if moved > 0 {
        if let Some((obj, c)) = price_round(d, &t, settings) {
            if obj < best_obj * (1.0 - 1e-7) {
                search.tier = t;
                search.best = Some((obj, c));
                return Some(moved);
            }
        }
    }
    Some(0)
}

/// The commitment MIP on the load pooled per offering at fixed tiers: adaptive buckets
/// (doubled from `2 × DECOMP_LP_BUCKETS` while the re-priced cost improves; one step when
/// the pooled problem has deferrable pools), or the resolution asked for.
fn commitments_on_tiers(
    inputs: &Inputs,
    d: &Decomp,
    settings: &SolveSettings,
    resolution: Resolution,
    tier: &[usize],
) -> PlanRun {
    let problem = &d.problem;
    let n = problem.demand.weights.len();
    let mut k = match resolution {
        Resolution::Full => n,
        Resolution::Buckets(k) => k.min(n),
        Resolution::Auto => (2 * DECOMP_LP_BUCKETS).min(n),
    };
    let mut steps = Vec::new();
    let mut chosen: Option<PlanRun> = None;
    loop {
        let t = Instant::now();
        settings
            .progress
            .stage(|| format!("decomposition: commitment MIP on {k} buckets"));
        let (_, mut pp, members) = pooled_on_buckets(d, tier, k, true);
        let buckets = pp.demand.weights.len();
        // With deferrable pools the steps are not refined: a step's re-pricing follows the
        // pools' run rates split among their members, which misses the members' own caps by
        // about 2% at any bucket count — no guide for doubling — and the chosen plan's
        // deferrable load is scheduled exactly hour by hour anyway (docs/performance.md,
        // section 4).
        let deferring = !pp.demand.chains.is_empty();
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
            tier: tier.to_vec(),
            ..psol
        };
        settings
            .progress
            .stage(|| "re-pricing the plan hour by hour".into());
        let mut plan = plan_from_solution(inputs, problem, &sol);
        // Deferred load follows the pooled model's run rates here (its deferrable pools come
        // after the pooled rows), split among each pool's members oldest load first; the
        // chosen plan gets the exact hourly schedule.
        let mut pool_members: Vec<Vec<usize>> = vec![Vec::new(); pp.workloads.len()];
        let first_apart = pp.workloads.len() - members.len();
        pool_members[first_apart..].clone_from_slice(&members);
        let deferred = sol.deferred.first().map_or(&[][..], |d| &d[..]);
        plan.scheduling.shifts = follow_pools(inputs, &pp, deferred, problem, &pool_members);
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
        if keep_better(&mut chosen, run)
            || deferring
            || exact
            || resolution != Resolution::Auto
            || k >= n
        {
            break;
        }
        k = (k * 2).min(n);
    }
    let mut run = chosen.unwrap_or_else(|| {
        no_plan(
            Infeasibility {
                group: "model".into(),
                message: "no plan".into(),
                conflicts: Vec::new(),
            },
            Vec::new(),
            0.0,
        )
    });
    run.steps = steps;
    run
}
