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
use crate::domain::{Catalog, DemandHistory, Shift};
use crate::plan::{evaluate, Plan};

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
