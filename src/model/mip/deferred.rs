//! Deferred load (second stage, per scenario): a deferrable workload's demand may run up to
//! `H` hours after the bucket it was recorded in, never before, all of it by the end of its
//! chain, at most `max_gpus` at once (`docs/model.md` "Deferred load").
//!
//! Along each chronological chain of buckets (`DemandSet::chains`), per workload w, option
//! j, bucket b (weight h_b, demand d_b in GPUs):
//!
//! ```text
//! r[w,j,b] ∈ [0, max_gpus]          GPUs run in b on option j (instead of d_b·y[w,j])
//! W[w,b]   ∈ [0, late_b]             GPU-hours recorded but not yet run at the end of b
//! W[w,b] − W[w,b−1] + h_b·Σ_j r[w,j,b] = h_b·d_b      (W before the chain and at its end = 0)
//! Σ_b h_b·r[w,j,b] = GH_w·y[w,j]                       (all of it runs on the chosen tier)
//! late_b = GPU-hours recorded in the H hours up to the end of b
//! ```
//!
//! The load r[w,j,b]·ipg[w,j] replaces d_b·ipg[w,j]·y[w,j] in the cells of option j's
//! offering. Columns exist only where load can be: r where demand was recorded in the H
//! hours before the bucket or in it, W where some may wait. A workload is deferred only
//! when all its demand lies on chains; otherwise (buckets without chronology) it runs as
//! recorded, exactly as a workload without `shiftable_hours`. With the problem's
//! `backlog_penalty` each GPU-hour waiting costs that much per hour.

use super::builder::ModelBuilder;
use crate::model::problem::Problem;
use good_lp::{variable, Expression};

/// The deferred-load columns of one scenario.
#[derive(Debug, Clone, Default)]
pub(super) struct DeferredLoad {
    /// Per problem workload: whether it is deferred in this model.
    pub deferred: Vec<bool>,
    /// `run[w][j][b]`: the column of r[w,j,b], where it exists (empty for workloads that
    /// are not deferred).
    pub run: Vec<Vec<Vec<Option<usize>>>>,
}

impl DeferredLoad {
    /// The run columns of workload `w` on option `j` in bucket `b`.
    pub fn column(&self, w: usize, j: usize, b: usize) -> Option<usize> {
        self.run.get(w)?.get(j)?.get(b).copied().flatten()
    }
}

/// Which workloads of `p` are deferred in its model: deferrable (`shift`), with every
/// bucket where they have demand (in any scenario) on a chain.
pub fn deferred_workloads(p: &Problem) -> Vec<bool> {
    let mut on_chain = vec![false; p.demand.weights.len()];
    p.demand
        .chains
        .iter()
        .flatten()
        .for_each(|&b| on_chain[b] = true);
    p.workloads
        .iter()
        .map(|w| {
            w.shift.is_some()
                && !p.demand.chains.is_empty()
                && p.demand.gpus.iter().all(|s| {
                    s.get(w.input)
                        .is_none_or(|row| row.iter().zip(&on_chain).all(|(&g, &c)| g <= 0.0 || c))
                })
        })
        .collect()
}

/// GPU-hours recorded in the `window` hours up to the end of the chain's `i`-th bucket: Σ
/// over the chain's buckets up to it of d × (its hours starting at most `window` hours
/// before that end). Exact at full resolution; on longer buckets, their mean demand.
fn recorded_within(p: &Problem, chain: &[usize], row: &[f64], i: usize, window: i64) -> f64 {
    let hours = &p.demand.hours;
    let Some(end) = hours[chain[i]]
        .last()
        .map(|t| *t + chrono::Duration::hours(1))
    else {
        return 0.0;
    };
    let mut total = 0.0;
    for &b in chain[..=i].iter().rev() {
        let inside = hours[b]
            .iter()
            .filter(|t| (end - **t).num_hours() <= window)
            .count();
        if inside == 0 {
            break;
        }
        total += row[b] * inside as f64;
    }
    total
}

/// Adds the deferred load of scenario `s`: run and waiting columns, the balance rows along
/// each chain and the conservation row per option; the waiting penalty goes into `cost`.
pub(super) fn add_deferred_load(
    p: &Problem,
    m: &mut ModelBuilder,
    y: &[Vec<usize>],
    s: usize,
    cost: &mut Expression,
) -> DeferredLoad {
    let deferred = deferred_workloads(p);
    let mut run: Vec<Vec<Vec<Option<usize>>>> = vec![Vec::new(); p.workloads.len()];
    for (wi, w) in p.workloads.iter().enumerate() {
        let Some(spec) = w.shift.filter(|_| deferred[wi]) else {
            continue;
        };
        let row = &p.demand.gpus[s][w.input];
        let h = i64::from(spec.hours);
        let mut cols = vec![vec![None; p.demand.weights.len()]; w.options.len()];
        for chain in &p.demand.chains {
            let mut waiting_before: Option<usize> = None;
            for (i, &b) in chain.iter().enumerate() {
                let hours_b = p.demand.weights[b];
                // Load can run here if some demand was recorded in b or in the H hours
                // before it.
                let reachable = recorded_within(p, chain, row, i, h + hours_b as i64) > 0.0;
                let mut balance = Expression::from(0.0);
                if reachable {
                    for col in cols.iter_mut() {
                        let r = m.continuous(variable().min(0.0).max(spec.max_gpus));
                        balance.add_mul(hours_b, m.var(r));
                        col[b] = Some(r);
                    }
                }
                // What may still wait at the end of b: demand of the last H hours (none at
                // the end of the chain).
                let last = i + 1 == chain.len();
                let late = if last {
                    0.0
                } else {
                    recorded_within(p, chain, row, i, h)
                };
                let waiting = (late > 0.0).then(|| {
                    let col = m.continuous(variable().min(0.0).max(late));
                    if p.backlog_penalty > 0.0 {
                        cost.add_mul(p.backlog_penalty * hours_b, m.var(col));
                    }
                    col
                });
                if let Some(c) = waiting {
                    balance.add_mul(1.0, m.var(c));
                }
                if let Some(c) = waiting_before {
                    balance.add_mul(-1.0, m.var(c));
                }
                let recorded = hours_b * row[b];
                if reachable || waiting.is_some() || waiting_before.is_some() || recorded > 0.0 {
                    m.add_row(balance.eq(recorded));
                }
                waiting_before = waiting;
            }
        }
        let gh: f64 = row
            .iter()
            .zip(&p.demand.weights)
            .map(|(g, hw)| g * hw)
            .sum();
        for (j, col) in cols.iter().enumerate() {
            let mut total = Expression::from(0.0);
            for (b, c) in col.iter().enumerate() {
                if let Some(c) = c {
                    total.add_mul(p.demand.weights[b], m.var(*c));
                }
            }
            total.add_mul(-gh, m.var(y[wi][j]));
            m.add_row(total.eq(0.0));
        }
        run[wi] = cols;
    }
    DeferredLoad { deferred, run }
}
