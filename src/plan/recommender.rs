//! A provider-style recommender, the baseline gpuplan is measured against: it keeps every
//! workload on its current tier, replays the lookback window, and for each pool (the
//! workloads sharing an offering) tries every unit-commitment level and keeps the one that
//! would have saved most; for each spend offer it tries, as candidate hourly commitments,
//! each hour's own full-coverage level (at most 64 quantiles of them) and keeps the best.
//! Like the providers' recommenders, it does not forecast and does not change tiers.

use super::{evaluate, Placement, Plan, Purchase};
use crate::domain::{current_offering, instances_per_gpu};
use crate::domain::{Catalog, CommitmentKind, DemandHistory};
use crate::ingest::inputs::Inputs;

/// Recommends commitments on current tiers from the lookback demand (`lookback` with its
/// `keep` mask). The plan's purchases start at `start`.
pub fn recommend(
    inputs: &Inputs,
    lookback: &DemandHistory,
    keep: &[bool],
    start: chrono::DateTime<chrono::Utc>,
) -> Plan {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    let mut placements = Vec::new();
    for w in &inputs.workloads {
        let Some(o) = current_offering(cat, w) else {
            continue;
        };
        let mut p = Placement::whole(cat, w, o);
        if !sc.instruments.spot {
            p.max_spot_share = 0.0;
        }
        placements.push(p);
    }
    let mut plan = Plan {
        start: lookback.window.start,
        placements,
        purchases: Vec::new(),
        owned: inputs.owned.clone(),
        spot_allowed: sc.instruments.spot,
    };
    let cost = |p: &Plan| evaluate(p, cat, lookback, Some(keep)).map_or(f64::INFINITY, |e| e.total);
    add_unit_commitments(inputs, lookback, keep, &mut plan, &cost);
    add_spend_commitments(inputs, lookback, keep, &mut plan, &cost);
    plan.start = start;
    plan
}

/// Unit commitments, pool by pool: for each offering in use, the offer and level (1 to the
/// pool's peak instances) that re-price cheapest.
fn add_unit_commitments(
    inputs: &Inputs,
    lookback: &DemandHistory,
    keep: &[bool],
    plan: &mut Plan,
    cost: &dyn Fn(&Plan) -> f64,
) {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    let mut pools: Vec<(crate::domain::Cloud, String, String)> = plan
        .placements
        .iter()
        .map(|p| (p.cloud, p.region.clone(), p.instance_type.clone()))
        .collect();
    pools.sort();
    pools.dedup();
    for (cloud, region, it) in &pools {
        let Some(o) = cat.offering(*cloud, region, it) else {
            continue;
        };
        // Peak instances of the pool in the lookback.
        let peak = pool_peak(inputs, cat, lookback, keep, it);
        let candidates = cat
            .offers
            .iter()
            .filter(|k| k.kind == CommitmentKind::Unit && sc.instruments.allows(k) && k.matches(o))
            .flat_map(|k| {
                (1..=(peak.ceil() as usize)).map(move |n| Purchase {
                    offer_id: k.id.clone(),
                    kind: CommitmentKind::Unit,
                    amount: n as f64,
                })
            });
        if let Some(p) = cheapest_addition(plan, candidates, cost) {
            plan.purchases.push(p);
        }
    }
}

/// Spend commitments: candidates are each hour's full-coverage level of the residual
/// on-demand usage the offer matches (at most 64 quantiles of them); the cheapest is kept.
fn add_spend_commitments(
    inputs: &Inputs,
    lookback: &DemandHistory,
    keep: &[bool],
    plan: &mut Plan,
    cost: &dyn Fn(&Plan) -> f64,
) {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    for k in cat
        .offers
        .iter()
        .filter(|k| k.kind == CommitmentKind::Spend && sc.instruments.allows(k))
    {
        let mut levels: Vec<f64> = Vec::new();
        for t in (0..lookback.window.hours()).filter(|&t| keep[t]) {
            let mut need = 0.0;
            for (wi, w) in inputs.workloads.iter().enumerate() {
                let Some(o) = current_offering(cat, w) else {
                    continue;
                };
                if let (Some(d), Some(row)) = (k.discount_for(o), lookback.index_of(&w.name)) {
                    let _ = wi;
                    need += lookback.gpus[row][t]
                        * instances_per_gpu(cat, w, o)
                        * o.on_demand_hourly
                        * (1.0 - d / 100.0);
                }
            }
            if need > 0.0 {
                levels.push(need);
            }
        }
        if levels.is_empty() {
            continue;
        }
        levels.sort_by(f64::total_cmp);
        let picks: Vec<f64> = if levels.len() <= 64 {
            levels.clone()
        } else {
            (0..64)
                .map(|i| levels[i * (levels.len() - 1) / 63])
                .collect()
        };
        let candidates = picks.into_iter().map(|c| Purchase {
            offer_id: k.id.clone(),
            kind: CommitmentKind::Spend,
            amount: (c * 100.0).round() / 100.0,
        });
        if let Some(p) = cheapest_addition(plan, candidates, cost) {
            plan.purchases.push(p);
        }
    }
}

/// The candidate purchase that, added to the plan, re-prices cheapest — if any beats the
/// plan as it is (the first of equals wins).
fn cheapest_addition(
    plan: &Plan,
    candidates: impl Iterator<Item = Purchase>,
    cost: &dyn Fn(&Plan) -> f64,
) -> Option<Purchase> {
    let mut best = (cost(plan), None);
    let mut trial = plan.clone();
    for p in candidates {
        trial.purchases.push(p);
        let c = cost(&trial);
        let p = trial.purchases.pop();
        if c < best.0 - 1e-9 {
            best = (c, p);
        }
    }
    best.1
}

fn pool_peak(
    inputs: &Inputs,
    cat: &Catalog,
    lookback: &DemandHistory,
    keep: &[bool],
    instance_type: &str,
) -> f64 {
    let mut peak: f64 = 0.0;
    for t in (0..lookback.window.hours()).filter(|&t| keep[t]) {
        let mut load = 0.0;
        for w in &inputs.workloads {
            let Some(o) = current_offering(cat, w) else {
                continue;
            };
            if o.instance_type != instance_type {
                continue;
            }
            if let Some(row) = lookback.index_of(&w.name) {
                load += lookback.gpus[row][t] * instances_per_gpu(cat, w, o);
            }
        }
        peak = peak.max(load);
    }
    peak
}
