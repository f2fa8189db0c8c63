//! The layout of a term plan: which tier changes pay back their migration cost, where each
//! workload's load runs before and after a known migration, and each workload's lookback
//! profile on a few representative hour buckets.

use crate::domain::outlook::Outlook;
use crate::domain::{current_offering, instances_per_gpu, Catalog, Offering, Workload};
use crate::forecast::term::TermEntry;
use crate::ingest::inputs::{compatible, Inputs};
use crate::model::aggregate::cluster_hours;
use crate::plan::Placement;

/// A tier change the window planner proposed, with its payback.
#[derive(Debug, Clone, PartialEq)]
pub struct TierChange {
    /// Workload.
    pub workload: String,
    /// Current offering key.
    pub from: String,
    /// Proposed offering key.
    pub to: String,
    /// Estimated saving per month at the lookback's demand, USD (on each offering's
    /// cheapest rate: on-demand or the best allowed commitment).
    pub monthly_saving: f64,
    /// Months to pay back the migration cost (infinite when it saves nothing).
    pub payback_months: f64,
    /// Whether the plan keeps it (it pays back within the scenario's limit).
    pub kept: bool,
}

/// The cheapest hourly rate of an offering for a workload: on-demand or its best allowed
/// commitment (unit or spend), per instance.
fn best_rate(inputs: &Inputs, o: &Offering) -> f64 {
    inputs
        .catalog
        .offers
        .iter()
        .filter(|k| inputs.scenario.instruments.allows(k))
        .filter_map(|k| k.discount_for(o))
        .map(|d| o.on_demand_hourly * (1.0 - d / 100.0))
        .fold(o.on_demand_hourly, f64::min)
}

/// Keeps the window plan's tier changes that pay back their migration cost within the
/// scenario's limit (`[term] migration_cost`, `migration_payback_months`); the others go
/// back to where the workload runs now — its placement in `incumbent` if it has one (a plan
/// made earlier), else its current offering — when the scenario allows it there.
pub fn gate_tier_changes(
    inputs: &Inputs,
    placements: &mut [Placement],
    incumbent: Option<&[Placement]>,
) -> Vec<TierChange> {
    let cat = &inputs.catalog;
    let cfg = &inputs.scenario.term;
    let lookback = inputs.window_demand();
    let kept_hours = inputs.keep.iter().filter(|&&k| k).count().max(1) as f64;
    let mut out = Vec::new();
    for pl in placements.iter_mut() {
        let Some(wi) = inputs.workloads.iter().position(|w| w.name == pl.workload) else {
            continue;
        };
        let w = &inputs.workloads[wi];
        let now = incumbent
            .and_then(|inc| inc.iter().find(|p| p.workload == w.name))
            .and_then(|p| cat.offering(p.cloud, &p.region, &p.instance_type));
        let (Some(cur), Some(new)) = (
            now.or_else(|| current_offering(cat, w)),
            cat.offering(pl.cloud, &pl.region, &pl.instance_type),
        ) else {
            continue;
        };
        if cur.key() == new.key() {
            continue;
        }
        let mean_gpus: f64 = lookback.gpus[wi]
            .iter()
            .zip(&inputs.keep)
            .filter(|(_, k)| **k)
            .map(|(g, _)| g)
            .sum::<f64>()
            / kept_hours;
        let hourly = |o: &Offering| {
            mean_gpus
                * (instances_per_gpu(cat, w, o) * best_rate(inputs, o)
                    + crate::domain::adders_per_gpu_hour(w, o))
        };
        let monthly_saving = (hourly(cur) - hourly(new)) * crate::domain::catalog::HOURS_PER_MONTH;
        let payback_months = if monthly_saving > 0.0 {
            cfg.migration_cost / monthly_saving
        } else {
            f64::INFINITY
        };
        let can_stay = compatible(w, cur, cat, &inputs.scenario);
        let kept = payback_months <= cfg.migration_payback_months || !can_stay;
        if !kept {
            let spot = pl.max_spot_share;
            *pl = Placement::whole(cat, w, cur);
            pl.max_spot_share = spot;
        }
        out.push(TierChange {
            workload: w.name.clone(),
            from: cur.key(),
            to: new.key(),
            monthly_saving,
            payback_months,
            kept,
        });
    }
    out
}

/// The workload as it runs after its migration: the same attributes on the new GPU model.
pub fn migrated_workload(w: &Workload, to_gpu: &str) -> Workload {
    Workload {
        current_gpu: to_gpu.to_string(),
        current_offering: None,
        ..w.clone()
    }
}

/// Where a migrated workload runs: the compatible offering of its new GPU model with the
/// lowest cheapest rate per GPU of its demand (ties: catalog order).
pub fn migration_target<'a>(inputs: &'a Inputs, w: &Workload) -> Option<&'a Offering> {
    let cat = &inputs.catalog;
    cat.offerings
        .iter()
        .filter(|o| o.gpu_model == w.current_gpu && compatible(w, o, cat, &inputs.scenario))
        .min_by(|a, b| {
            let ca = best_rate(inputs, a) * instances_per_gpu(cat, w, a);
            let cb = best_rate(inputs, b) * instances_per_gpu(cat, w, b);
            ca.total_cmp(&cb)
        })
}

/// The entries of the term demand and the placement of each: every workload on its
/// placement, plus, for a known migration, its load after the move on the target offering.
/// Warnings for migrations with no compatible offering (the workload then stays).
pub fn entries(
    inputs: &Inputs,
    placements: &[Placement],
) -> (Vec<TermEntry>, Vec<Placement>, Vec<String>) {
    let cat = &inputs.catalog;
    let spot = inputs.scenario.instruments.spot;
    let mut out = Vec::new();
    let mut places = Vec::new();
    let mut warnings = Vec::new();
    let entry = |w: &Workload, o: &Offering, oi: usize, after: Option<f64>| TermEntry {
        workload: 0,
        offering: oi,
        instances_per_gpu: instances_per_gpu(cat, w, o),
        spot_share: if spot { w.max_spot_share } else { 0.0 },
        adders_per_gpu_hour: crate::domain::adders_per_gpu_hour(w, o),
        overhead_frac: w.overhead_pct / 100.0,
        after_migration: after,
    };
    let index = |o: &Offering| cat.offerings.iter().position(|x| x.key() == o.key());
    for (wi, w) in inputs.workloads.iter().enumerate() {
        let Some(pl) = placements.iter().find(|p| p.workload == w.name) else {
            continue;
        };
        let Some(o) = cat.offering(pl.cloud, &pl.region, &pl.instance_type) else {
            continue;
        };
        let Some(oi) = index(o) else { continue };
        out.push(TermEntry {
            workload: wi,
            ..entry(w, o, oi, None)
        });
        places.push(pl.clone());
        let Some(m) = inputs
            .outlook
            .get(wi)
            .and_then(|x: &Outlook| x.migrates.clone())
        else {
            continue;
        };
        let w2 = migrated_workload(w, &m.to_gpu);
        match migration_target(inputs, &w2).and_then(|t| index(t).map(|i| (t, i))) {
            Some((t, ti)) => {
                out.push(TermEntry {
                    workload: wi,
                    ..entry(&w2, t, ti, Some(m.gpu_ratio))
                });
                let mut p2 = Placement::whole(cat, &w2, t);
                p2.current = Some((t.cloud, t.region.clone(), t.instance_type.clone()));
                if !spot {
                    p2.max_spot_share = 0.0;
                }
                places.push(p2);
            }
            None => warnings.push(format!(
                "workload {} migrates to {} but no offering of it is compatible: it is planned on its current tier",
                w.name, m.to_gpu
            )),
        }
    }
    (out, places, warnings)
}

/// Each workload's lookback profile on at most `k` buckets: hours clustered on the load of
/// the placements pooled per offering (distance in on-demand dollars), then per workload the
/// mean GPUs of each bucket's hours; with each bucket's share of the kept hours. A known
/// launch with `gpus` replaces the profile by that flat level.
pub fn bucket_profiles(
    inputs: &Inputs,
    entries: &[TermEntry],
    k: usize,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let cat: &Catalog = &inputs.catalog;
    let lookback = inputs.window_demand();
    let kept: Vec<usize> = (0..lookback.window.hours())
        .filter(|&t| inputs.keep[t])
        .collect();
    let mut offerings: Vec<usize> = entries
        .iter()
        .filter(|e| e.after_migration.is_none())
        .map(|e| e.offering)
        .collect();
    offerings.sort_unstable();
    offerings.dedup();
    let mut rows = vec![vec![0.0; kept.len()]; offerings.len()];
    for e in entries.iter().filter(|e| e.after_migration.is_none()) {
        let Ok(r) = offerings.binary_search(&e.offering) else {
            continue;
        };
        for (i, &t) in kept.iter().enumerate() {
            rows[r][i] += lookback.gpus[e.workload][t] * e.instances_per_gpu;
        }
    }
    let scale: Vec<f64> = offerings
        .iter()
        .map(|&o| cat.offerings[o].on_demand_hourly)
        .collect();
    let groups = cluster_hours(&rows, &scale, &vec![0; kept.len()], k.max(1));
    let n = kept.len().max(1) as f64;
    let share: Vec<f64> = groups.iter().map(|g| g.len() as f64 / n).collect();
    let shape = (0..inputs.workloads.len())
        .map(|w| {
            let flat = inputs
                .outlook
                .get(w)
                .and_then(|o| o.starts.as_ref())
                .and_then(|l| l.gpus);
            groups
                .iter()
                .map(|g| match flat {
                    Some(level) => level,
                    None => {
                        g.iter().map(|&i| lookback.gpus[w][kept[i]]).sum::<f64>()
                            / g.len().max(1) as f64
                    }
                })
                .collect()
        })
        .collect();
    if groups.is_empty() {
        return (vec![1.0], vec![vec![0.0]; inputs.workloads.len()]);
    }
    (share, shape)
}
