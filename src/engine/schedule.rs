//! Scheduling in the engine: what a plan's scheduling saves, by re-pricing the same plan hour
//! by hour without it (the independent evaluator, which applies a plan's scale-to-zero
//! windows and schedules itself).
//!
//! With the demand as recorded `R`, the plan `P` (its purchases, tiers and scheduling):
//!
//! ```text
//! cost_without_scheduling = evaluate(P without scale-to-zero and schedules, R)
//! cost_without_shifts     = evaluate(P without schedules, R)        (windows dropped)
//! cost                    = evaluate(P, R)                           (windows dropped, scheduled)
//! saving_purchasing    = baseline(R) − cost_without_scheduling
//! saving_scale_to_zero = cost_without_scheduling − cost_without_shifts
//! saving_shifting      = cost_without_shifts − cost
//! ```
//!
//! so the three savings add up to baseline(R) − cost. Per workload, the saving of its
//! windows (or of its schedule) is the plan re-priced without them, everything else kept.
//! With several demand scenarios (forecast mode) each figure is the probability-weighted
//! mean, each scenario priced with its own schedule.

use crate::domain::schedule::gpu_hours_moved;
use crate::domain::{Catalog, DemandHistory, HourWindow, Shift};
use crate::ingest::inputs::Inputs;
use crate::model::decomp::{hidden_costs, pool, pooled_problem};
use crate::model::mip::MipReader;
use crate::model::problem::ShiftSpec;
use crate::model::{build_lp_relaxation, DemandSet, Infeasibility, Problem};
use crate::plan::{evaluate, Plan};
use crate::solve::{solve, SolveSettings};

/// One workload's scale-to-zero windows and what they save.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowsValue {
    /// Workload.
    pub workload: String,
    /// The windows, as written (`20:00-08:00`, `sat-sun`).
    pub windows: Vec<String>,
    /// GPU-hours of its demand in them (evaluated hours).
    pub gpu_hours_dropped: f64,
    /// The plan re-priced with this workload's windows kept, minus without them.
    pub saving: f64,
}

/// One workload's schedule and what it saves.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftValue {
    /// The schedule (in forecast mode, the expected schedule over the scenarios).
    pub shift: Shift,
    /// GPU-hours of its demand (evaluated hours).
    pub gpu_hours: f64,
    /// GPU-hours run later than recorded.
    pub gpu_hours_moved: f64,
    /// The plan re-priced with this workload on its recorded demand, minus as scheduled.
    pub saving: f64,
}

/// What a plan's scheduling saves, against what its purchases save.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulingValue {
    /// All on-demand on current tiers, on the demand as recorded.
    pub recorded_baseline: f64,
    /// The plan re-priced on the demand as recorded, without any scheduling.
    pub cost_without_scheduling: f64,
    /// The plan re-priced with its scale-to-zero windows but no schedules.
    pub cost_without_shifts: f64,
    /// The plan re-priced as planned.
    pub cost: f64,
    /// Per workload with scale-to-zero windows.
    pub windows: Vec<WindowsValue>,
    /// Per workload with a schedule.
    pub shifts: Vec<ShiftValue>,
}

impl SchedulingValue {
    /// recorded_baseline − cost_without_scheduling.
    pub fn saving_purchasing(&self) -> f64 {
        self.recorded_baseline - self.cost_without_scheduling
    }
    /// cost_without_scheduling − cost_without_shifts.
    pub fn saving_scale_to_zero(&self) -> f64 {
        self.cost_without_scheduling - self.cost_without_shifts
    }
    /// cost_without_shifts − cost.
    pub fn saving_shifting(&self) -> f64 {
        self.cost_without_shifts - self.cost
    }
}

/// One demand scenario to value a plan's scheduling on: the demand as recorded, the
/// schedules planned for it, its probability.
pub struct ValuedScenario<'a> {
    /// The demand as recorded (before scale-to-zero windows).
    pub recorded: &'a DemandHistory,
    /// The schedules of the plan on this scenario.
    pub shifts: &'a [Shift],
    /// Probability.
    pub prob: f64,
}

/// The re-pricings of one scenario: (baseline, without scheduling, without schedules,
/// cost, per-windows-workload cost with its windows kept, per-shift cost without it).
type Pricing = (f64, f64, f64, f64, Vec<f64>, Vec<f64>);

/// Re-prices `plan` (its scale-to-zero windows; its schedules replaced by the scenario's)
/// on one scenario, every way the savings need.
fn price(
    plan: &Plan,
    catalog: &Catalog,
    sc: &ValuedScenario,
    keep: Option<&[bool]>,
) -> Option<Pricing> {
    let total = |p: &Plan| {
        evaluate(p, catalog, sc.recorded, keep)
            .ok()
            .map(|e| e.total)
    };
    let mut scheduled = plan.clone();
    scheduled.scheduling.shifts = sc.shifts.to_vec();
    let mut no_shifts = plan.clone();
    no_shifts.scheduling.shifts.clear();
    let mut none = no_shifts.clone();
    none.scheduling.scale_to_zero.clear();
    let base = evaluate(&none, catalog, sc.recorded, keep).ok()?;
    let windows_kept = (0..plan.scheduling.scale_to_zero.len())
        .map(|i| {
            let mut p = no_shifts.clone();
            p.scheduling.scale_to_zero.remove(i);
            total(&p)
        })
        .collect::<Option<Vec<f64>>>()?;
    let without_each = (0..sc.shifts.len())
        .map(|i| {
            let mut p = scheduled.clone();
            p.scheduling.shifts.remove(i);
            total(&p)
        })
        .collect::<Option<Vec<f64>>>()?;
    Some((
        base.baseline_all_on_demand,
        base.total,
        total(&no_shifts)?,
        total(&scheduled)?,
        windows_kept,
        without_each,
    ))
}

/// What `plan`'s scheduling saves over `scenarios` (one when the history is replayed), or
/// `None` when the plan has no scheduling or a re-pricing fails. `keep` masks hours.
pub fn scheduling_value(
    plan: &Plan,
    catalog: &Catalog,
    scenarios: &[ValuedScenario],
    keep: Option<&[bool]>,
) -> Option<SchedulingValue> {
    if plan.scheduling.is_empty() && scenarios.iter().all(|s| s.shifts.is_empty()) {
        return None;
    }
    let total_p: f64 = scenarios.iter().map(|s| s.prob).sum();
    let mut v = SchedulingValue {
        recorded_baseline: 0.0,
        cost_without_scheduling: 0.0,
        cost_without_shifts: 0.0,
        cost: 0.0,
        windows: windows_values(plan, scenarios, keep),
        shifts: shift_values(plan, scenarios, keep),
    };
    for sc in scenarios {
        let w = sc.prob / total_p;
        let (base, none, no_shifts, cost, kept, without) = price(plan, catalog, sc, keep)?;
        v.recorded_baseline += w * base;
        v.cost_without_scheduling += w * none;
        v.cost_without_shifts += w * no_shifts;
        v.cost += w * cost;
        for (wv, c) in v.windows.iter_mut().zip(&kept) {
            wv.saving += w * (c - no_shifts);
        }
        for (sv, c) in v.shifts.iter_mut().zip(&without) {
            sv.saving += w * (c - cost);
        }
    }
    Some(v)
}

/// Whether hour `t` is evaluated.
fn kept(keep: Option<&[bool]>, t: usize) -> bool {
    keep.is_none_or(|k| k.get(t).copied().unwrap_or(true))
}

/// Each workload's windows with the expected GPU-hours they drop (savings filled later).
fn windows_values(
    plan: &Plan,
    scenarios: &[ValuedScenario],
    keep: Option<&[bool]>,
) -> Vec<WindowsValue> {
    let total_p: f64 = scenarios.iter().map(|s| s.prob).sum();
    plan.scheduling
        .scale_to_zero
        .iter()
        .map(|s| {
            let mut dropped = 0.0;
            for sc in scenarios {
                let Some(i) = sc.recorded.index_of(&s.workload) else {
                    continue;
                };
                let mut row = sc.recorded.gpus[i].clone();
                for (t, g) in row.iter_mut().enumerate() {
                    if !kept(keep, t) {
                        *g = 0.0;
                    }
                }
                let d = crate::domain::schedule::drop_in_windows(
                    &mut row,
                    sc.recorded.window.start,
                    &s.windows,
                );
                dropped += sc.prob / total_p * d;
            }
            WindowsValue {
                workload: s.workload.clone(),
                windows: s.windows.iter().map(|w| w.to_string()).collect(),
                gpu_hours_dropped: dropped,
                saving: 0.0,
            }
        })
        .collect()
}

/// Each workload's expected schedule, GPU-hours and GPU-hours moved (savings filled later).
/// The demand a schedule moves is the recorded demand with the plan's windows dropped
/// (what the schedule was made for); the scenarios list the same workloads.
fn shift_values(
    plan: &Plan,
    scenarios: &[ValuedScenario],
    keep: Option<&[bool]>,
) -> Vec<ShiftValue> {
    let total_p: f64 = scenarios.iter().map(|s| s.prob).sum();
    let Some(first) = scenarios.first() else {
        return Vec::new();
    };
    (0..first.shifts.len())
        .map(|k| {
            let name = &first.shifts[k].workload;
            let mut out = ShiftValue {
                shift: Shift {
                    gpus: vec![0.0; first.shifts[k].gpus.len()],
                    ..first.shifts[k].clone()
                },
                gpu_hours: 0.0,
                gpu_hours_moved: 0.0,
                saving: 0.0,
            };
            for sc in scenarios {
                let (Some(sh), Some(i)) = (sc.shifts.get(k), sc.recorded.index_of(name)) else {
                    continue;
                };
                let w = sc.prob / total_p;
                let mut demand: Vec<f64> = (0..sh.gpus.len())
                    .map(|t| match kept(keep, t) {
                        true => sc.recorded.gpus[i].get(t).copied().unwrap_or(0.0),
                        false => 0.0,
                    })
                    .collect();
                for s in plan
                    .scheduling
                    .scale_to_zero
                    .iter()
                    .filter(|s| &s.workload == name)
                {
                    crate::domain::schedule::drop_in_windows(&mut demand, sh.start, &s.windows);
                }
                out.gpu_hours += w * sh.gpus.iter().sum::<f64>();
                out.gpu_hours_moved += w * gpu_hours_moved(&demand, &sh.gpus);
                for (m, g) in out.shift.gpus.iter_mut().zip(&sh.gpus) {
                    *m += w * g;
                }
            }
            out
        })
        .collect()
}

/// USD per GPU-hour of deferred load per hour it waits, in the hourly schedule: among
/// equally cheap schedules the one that moves least wins. A millionth of a dollar never
/// outweighs a cent of cost on a fleet's schedule, and stays above the solver's tolerances.
pub const BACKLOG_PENALTY: f64 = 1e-6;

/// The hourly schedule of every deferrable workload for a plan's tiers and purchases: the
/// pooled model of `problem` (full resolution, all scenarios) with the tiers fixed and the
/// plan's purchases fixed as owned capacity — an LP, the same dispatch the planning model
/// uses, solved hour by hour. Each profile covers `window` (hours outside the demand set, such
/// as masked ones, run nothing). Returns the schedules per scenario, or why there is none.
pub fn hourly_schedules(
    inputs: &Inputs,
    problem: &Problem,
    window: HourWindow,
    tiers: &[usize],
    plan: &Plan,
    settings: &SolveSettings,
) -> Result<Vec<Vec<Shift>>, Infeasibility> {
    let ns = problem.demand.probs.len();
    if problem.workloads.iter().all(|w| w.shift.is_none()) {
        return Ok(vec![Vec::new(); ns]);
    }
    let hidden = hidden_costs(problem);
    let pooled = pool(problem, tiers, &hidden, true);
    let full = &problem.demand;
    let ds = DemandSet {
        gpus: pooled.gpus.clone(),
        ..full.clone()
    };
    let origin: Vec<usize> = (0..full.weights.len()).collect();
    let mut pp = pooled_problem(problem, &pooled, ds, &origin);
    fix_purchases(&mut pp, plan, &inputs.catalog);
    pp.backlog_penalty = BACKLOG_PENALTY;
    // With the first stage fixed each scenario's cheapest dispatch is also the least risky.
    (pp.risk_weight, pp.max_cvar, pp.cvar_offsets) = (0.0, None, Vec::new());
    (pp.max_committed_hourly, pp.max_upfront) = (None, None);
    // Tiers are fixed (one option each) and nothing is bought: the relaxation is the model,
    // an LP.
    let mip = build_lp_relaxation(&pp);
    let reader = MipReader::from(&mip);
    let exact = SolveSettings {
        mip_gap: 0.0,
        max_nodes: None,
        ..*settings
    };
    let out = solve(mip, &exact);
    let Some(values) = out.values else {
        return Err(Infeasibility {
            group: "schedule".into(),
            message: format!(
                "no hourly schedule of the deferrable load fits the plan: {}",
                out.message
                    .unwrap_or_else(|| "the schedule LP has no solution".into())
            ),
            conflicts: Vec::new(),
        });
    };
    let sol = reader.read(&values);
    let hour_index: Vec<usize> = full
        .hours
        .iter()
        .map(|hs| {
            hs.first()
                .map_or(0, |t| (*t - window.start).num_hours().max(0) as usize)
        })
        .collect();
    Ok((0..ns)
        .map(|s| {
            pooled
                .apart
                .iter()
                .enumerate()
                .filter_map(|(k, &(wi, _))| {
                    let w = &problem.workloads[wi];
                    let spec = w.shift?;
                    let run = sol.deferred.get(s)?.get(pooled.rows.len() + k)?;
                    if run.is_empty() {
                        return None; // not deferred in this model: runs as recorded
                    }
                    let mut gpus = vec![0.0; window.hours()];
                    for (b, g) in run.iter().enumerate() {
                        if let Some(x) = gpus.get_mut(hour_index[b]) {
                            *x = *g;
                        }
                    }
                    Some(Shift {
                        workload: inputs.workloads.get(w.input)?.name.clone(),
                        shiftable_hours: spec.hours,
                        max_gpus: spec.max_gpus,
                        start: window.start,
                        gpus,
                    })
                })
                .collect()
        })
        .collect())
}

/// Makes the plan's purchases part of the problem: each purchased offer's amount becomes
/// owned capacity in every bucket its term covers, and nothing is purchasable.
fn fix_purchases(pp: &mut Problem, plan: &Plan, catalog: &Catalog) {
    for k in pp.offers.iter_mut() {
        k.purchasable = false;
        let offer = &catalog.offers[k.catalog];
        let amount: f64 = plan
            .purchases
            .iter()
            .filter(|p| p.offer_id == offer.id)
            .map(|p| p.amount)
            .sum();
        if amount <= 0.0 {
            continue;
        }
        let end = plan.start + chrono::Duration::hours(offer.term_hours().round() as i64);
        for (b, hs) in pp.demand.hours.iter().enumerate() {
            if hs.first().is_some_and(|t| *t >= plan.start && *t < end) {
                k.owned[b] += amount;
                pp.owned_cost += amount * k.rate * pp.demand.weights[b];
            }
        }
    }
}

/// Whether any workload of the inputs may defer its demand.
pub fn has_deferrable(inputs: &Inputs) -> bool {
    inputs.workloads.iter().any(|w| w.shiftable_hours > 0)
}

/// Replay mode: the plan's deferrable load scheduled hour by hour on the planning window
/// (`tiers` index the options of `full`, the problem at full resolution; built when `None`)
/// and put into the plan. Nothing to do without deferrable workloads.
pub fn schedule_replay(
    inputs: &Inputs,
    full: Option<&Problem>,
    tiers: &[usize],
    plan: &mut Plan,
    settings: &SolveSettings,
) -> Result<(), Infeasibility> {
    if !has_deferrable(inputs) {
        return Ok(());
    }
    let built;
    let problem = match full {
        Some(p) => p,
        None => {
            built = Problem::build(inputs, DemandSet::full_resolution(inputs))?;
            &built
        }
    };
    let mut schedules = hourly_schedules(inputs, problem, inputs.window, tiers, plan, settings)?;
    plan.scheduling.shifts = schedules.pop().unwrap_or_default();
    Ok(())
}

/// The bucket of each hour of the window in `problem`'s time aggregation (`None` for an
/// hour no bucket holds, e.g. a masked one).
fn bucket_of_hours(inputs: &Inputs, problem: &Problem) -> Vec<Option<usize>> {
    let window = inputs.window;
    let mut bucket_of = vec![None; window.hours()];
    for (b, hs) in problem.demand.hours.iter().enumerate() {
        for t in hs {
            let i = (*t - window.start).num_hours();
            if let Some(x) = usize::try_from(i).ok().and_then(|i| bucket_of.get_mut(i)) {
                *x = Some(b);
            }
        }
    }
    bucket_of
}

/// Replay mode, for the steps of a search: hourly schedules that follow a solved model's
/// run rates (`problem` on buckets, `deferred[w][b]` from its solution; `input_of[w]` the
/// inputs' workload of its workload `w`), made valid hour by hour by
/// [`follow_targets`](crate::domain::schedule::follow_targets) — no solver. A deferrable
/// workload the model did not defer keeps its recorded demand.
pub fn follow_model(
    inputs: &Inputs,
    problem: &Problem,
    deferred: &[Vec<f64>],
    input_of: &[Option<usize>],
) -> Vec<Shift> {
    let bucket_of = bucket_of_hours(inputs, problem);
    let wd = inputs.window_demand();
    let mut out = Vec::new();
    for (w, pw) in problem.workloads.iter().enumerate() {
        let (Some(spec), Some(Some(wi))) = (pw.shift, input_of.get(w)) else {
            continue;
        };
        let demand = &wd.gpus[*wi];
        let target: Vec<f64> = match deferred.get(w).filter(|r| !r.is_empty()) {
            Some(run) => bucket_of
                .iter()
                .map(|b| b.map_or(0.0, |b| run[b]))
                .collect(),
            None => demand.clone(),
        };
        out.push(shift_following(inputs, *wi, spec, demand, &target));
    }
    out
}

/// The schedule of input workload `wi` (recorded window `demand`) that follows the hourly
/// `target` as closely as its demand and `spec` allow
/// ([`follow_targets`](crate::domain::schedule::follow_targets)).
fn shift_following(
    inputs: &Inputs,
    wi: usize,
    spec: ShiftSpec,
    demand: &[f64],
    target: &[f64],
) -> Shift {
    Shift {
        workload: inputs.workloads[wi].name.clone(),
        shiftable_hours: spec.hours,
        max_gpus: spec.max_gpus,
        start: inputs.window.start,
        gpus: crate::domain::schedule::follow_targets(
            demand,
            Some(&inputs.keep),
            spec.hours,
            spec.max_gpus,
            target,
        ),
    }
}

/// Splits a deferrable pool's hourly run `target` among its members' recorded `demands`
/// (GPUs per hour; hours where `keep` is false record nothing), oldest recorded load first
/// (ties: the first member): the members' targets, which add up to the pool's run as far as
/// load has been recorded.
fn split_oldest_first(demands: &[&[f64]], keep: &[bool], target: &[f64]) -> Vec<Vec<f64>> {
    let n = target.len();
    let mut out = vec![vec![0.0; n]; demands.len()];
    let mut queues: Vec<std::collections::VecDeque<(usize, f64)>> =
        vec![std::collections::VecDeque::new(); demands.len()];
    for (t, &want) in target.iter().enumerate() {
        for (q, d) in queues.iter_mut().zip(demands) {
            let g = d.get(t).copied().unwrap_or(0.0);
            if g > 0.0 && keep.get(t).copied().unwrap_or(true) {
                q.push_back((t, g));
            }
        }
        let mut left = want;
        while left > 1e-12 {
            let oldest = queues
                .iter()
                .enumerate()
                .filter_map(|(m, q)| q.front().map(|f| (f.0, m)))
                .min();
            let Some((_, m)) = oldest else {
                break;
            };
            let Some(front) = queues[m].front_mut() else {
                break;
            };
            let x = left.min(front.1);
            front.1 -= x;
            left -= x;
            out[m][t] += x;
            if front.1 <= 1e-12 {
                queues[m].pop_front();
            }
        }
    }
    out
}

/// [`follow_model`] for a pooled model whose deferrable workloads are pools
/// ([`merge_deferrable`](crate::model::decomp::merge_deferrable)): `members[w]` lists the
/// workloads of `full` (the full-resolution problem) that pooled workload `w` carries. Each
/// pool's run rates are split among its members oldest load first, and each member's share
/// made valid hour by hour by its own rules; shifts in `full`'s workload order.
pub fn follow_pools(
    inputs: &Inputs,
    problem: &Problem,
    deferred: &[Vec<f64>],
    full: &Problem,
    members: &[Vec<usize>],
) -> Vec<Shift> {
    let bucket_of = bucket_of_hours(inputs, problem);
    let wd = inputs.window_demand();
    let mut out: Vec<(usize, Shift)> = Vec::new();
    for (w, ms) in members.iter().enumerate() {
        let specs: Vec<(usize, ShiftSpec, usize)> = ms
            .iter()
            .filter_map(|&m| {
                let fw = full.workloads.get(m)?;
                Some((m, fw.shift?, fw.input))
            })
            .filter(|&(_, _, wi)| wi < wd.gpus.len() && wi < inputs.workloads.len())
            .collect();
        if specs.is_empty() {
            continue;
        }
        let demands: Vec<&[f64]> = specs.iter().map(|s| wd.gpus[s.2].as_slice()).collect();
        let targets: Vec<Vec<f64>> = match deferred.get(w).filter(|r| !r.is_empty()) {
            Some(run) => {
                let pool: Vec<f64> = bucket_of
                    .iter()
                    .map(|b| b.and_then(|b| run.get(b).copied()).unwrap_or(0.0))
                    .collect();
                if demands.len() == 1 {
                    vec![pool]
                } else {
                    split_oldest_first(&demands, &inputs.keep, &pool)
                }
            }
            None => demands.iter().map(|d| d.to_vec()).collect(),
        };
        for ((m, spec, wi), target) in specs.into_iter().zip(targets) {
            out.push((m, shift_following(inputs, wi, spec, &wd.gpus[wi], &target)));
        }
    }
    out.sort_by_key(|x| x.0);
    out.into_iter().map(|x| x.1).collect()
}

/// The option of each workload of `problem` that `plan` places it on (by workload name and
/// offering); `None` when a placement is missing or not among its options.
pub fn tiers_of(inputs: &Inputs, problem: &Problem, plan: &Plan) -> Option<Vec<usize>> {
    let cat = &inputs.catalog;
    problem
        .workloads
        .iter()
        .map(|w| {
            let name = &inputs.workloads.get(w.input)?.name;
            let pl = plan.placements.iter().find(|p| &p.workload == name)?;
            w.options.iter().position(|op| {
                let o = &cat.offerings[problem.offerings[op.offering].catalog];
                o.cloud == pl.cloud && o.region == pl.region && o.instance_type == pl.instance_type
            })
        })
        .collect()
}

/// Replay mode, once a run's plan is chosen: its deferrable load scheduled exactly (the
/// hourly LP, [`schedule_replay`]; `full` as there) and the plan re-priced with it, then what
/// its scheduling saves. Keeps the run's schedule if the LP finds none.
pub fn finish_scheduling(
    inputs: &Inputs,
    run: &mut super::PlanRun,
    full: Option<&Problem>,
    settings: &SolveSettings,
) {
    let Some(plan) = run.plan.as_mut() else {
        return;
    };
    if has_deferrable(inputs) {
        let built;
        let problem = match full {
            Some(p) => Some(p),
            None => {
                built = Problem::build(inputs, DemandSet::full_resolution(inputs)).ok();
                built.as_ref()
            }
        };
        let tiers = problem.and_then(|p| tiers_of(inputs, p, plan));
        if let (Some(p), Some(t)) = (problem, tiers) {
            settings
                .progress
                .stage(|| "scheduling: the hourly schedule LP".into());
            let mut exact = plan.clone();
            if schedule_replay(inputs, Some(p), &t, &mut exact, settings).is_ok() {
                *plan = exact;
                let wd = inputs.window_demand();
                run.evaluation = evaluate(plan, &inputs.catalog, &wd, Some(&inputs.keep)).ok();
            }
        }
    }
    settings
        .progress
        .stage(|| "scheduling: what it saves".into());
    run.scheduling = run.plan.as_ref().and_then(|p| replay_value(inputs, p));
}

/// Replay mode: what the plan's scheduling saves on the planning window (`None` without
/// scheduling).
pub fn replay_value(inputs: &Inputs, plan: &Plan) -> Option<SchedulingValue> {
    if plan.scheduling.is_empty() {
        return None;
    }
    let recorded = inputs.recorded_history().slice(inputs.window);
    let scenario = ValuedScenario {
        recorded: &recorded,
        shifts: &plan.scheduling.shifts,
        prob: 1.0,
    };
    scheduling_value(plan, &inputs.catalog, &[scenario], Some(&inputs.keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_run_is_split_oldest_load_first() {
        // Member 0 records 2 GPUs at hour 0, member 1 records 1 GPU at hours 0 and 1; the
        // pool runs 1, 2, 1: the hour-0 load goes first (member 0 before member 1 on ties).
        let a = [2.0, 0.0, 0.0];
        let b = [1.0, 1.0, 0.0];
        let out = split_oldest_first(&[&a, &b], &[true; 3], &[1.0, 2.0, 1.0]);
        assert_eq!(out, vec![vec![1.0, 1.0, 0.0], vec![0.0, 1.0, 1.0]]);
        // GPU-hours are conserved when the pool runs all of it.
        let total: f64 = out.iter().flatten().sum();
        assert!((total - 4.0).abs() < 1e-12);
        // Masked hours record nothing; nothing runs before it is recorded.
        let out = split_oldest_first(&[&a, &b], &[false, true, true], &[3.0, 0.0, 1.0]);
        assert_eq!(out, vec![vec![0.0; 3], vec![0.0, 0.0, 1.0]]);
    }
}
