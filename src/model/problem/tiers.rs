//! The tiers each workload may run on and the offerings they put in play.

use super::{DemandSet, Infeasibility, POffering, PWorkload, ShiftSpec, TierOption};
use crate::domain::{adders_per_gpu_hour, instances_per_gpu};
use crate::ingest::inputs::{compatible, Inputs};

/// Per workload, the catalog offerings it is compatible with (its own requirements and the
/// scenario's whitelists).
pub(super) fn compatible_offerings(inputs: &Inputs) -> Vec<Vec<usize>> {
    let cat = &inputs.catalog;
    inputs
        .workloads
        .iter()
        .map(|w| {
            (0..cat.offerings.len())
                .filter(|&oi| compatible(w, &cat.offerings[oi], cat, &inputs.scenario))
                .collect()
        })
        .collect()
}

/// The problem's workloads with their tier options, and the catalog offerings in play (in
/// order of first use; tier options index into it). Fails on a workload without a
/// compatible offering.
pub(super) fn tier_options(
    inputs: &Inputs,
    mut compatible: Vec<Vec<usize>>,
) -> Result<(Vec<PWorkload>, Vec<usize>), Infeasibility> {
    let cat = &inputs.catalog;
    let spot = inputs.scenario.instruments.spot;
    let mut in_play: Vec<usize> = Vec::new();
    let mut workloads = Vec::new();
    for (wi, w) in inputs.workloads.iter().enumerate() {
        let comp = std::mem::take(&mut compatible[wi]);
        if comp.is_empty() {
            return Err(Infeasibility {
                group: "tier".into(),
                message: format!(
                    "workload {} has no compatible offering: none meets min_gpu_memory_gb {}, gpus_per_replica {} and the allowed clouds/regions",
                    w.name, w.min_gpu_memory_gb, w.gpus_per_replica
                ),
                conflicts: Vec::new(),
            });
        }
        let mut options = Vec::new();
        for oi in comp {
            let o = &cat.offerings[oi];
            let pos = match in_play.iter().position(|&u| u == oi) {
                Some(p) => p,
                None => {
                    in_play.push(oi);
                    in_play.len() - 1
                }
            };
            options.push(TierOption {
                offering: pos,
                instances_per_gpu: instances_per_gpu(cat, w, o),
                adders_per_gpu_hour: adders_per_gpu_hour(w, o),
                overhead_frac: w.overhead_pct / 100.0,
            });
        }
        workloads.push(PWorkload {
            input: wi,
            options,
            spot_share: if spot { w.max_spot_share } else { 0.0 },
            shift: None,
        });
    }
    Ok((workloads, in_play))
}

/// Marks the deferrable workloads (`shiftable_hours` > 0): their delay and cap, `max_gpus`
/// or else the peak of their demand in the demand set (over buckets and scenarios).
pub(super) fn set_shifts(inputs: &Inputs, demand: &DemandSet, workloads: &mut [PWorkload]) {
    for pw in workloads.iter_mut() {
        let w = &inputs.workloads[pw.input];
        if w.shiftable_hours == 0 {
            continue;
        }
        let peak = demand
            .gpus
            .iter()
            .filter_map(|s| s.get(pw.input))
            .flatten()
            .copied()
            .fold(0.0, f64::max);
        pw.shift = Some(ShiftSpec {
            hours: w.shiftable_hours,
            max_gpus: w.max_gpus.unwrap_or(peak),
        });
    }
}

/// The offerings in play with their prices (spot only when allowed); commitment offers are
/// attached later.
pub(crate) fn offerings_in_play(inputs: &Inputs, in_play: &[usize]) -> Vec<POffering> {
    let cat = &inputs.catalog;
    in_play
        .iter()
        .map(|&oi| {
            let o = &cat.offerings[oi];
            POffering {
                catalog: oi,
                gpu: cat
                    .gpus
                    .iter()
                    .position(|g| g.name == o.gpu_model)
                    .unwrap_or(0),
                on_demand: o.on_demand_hourly,
                spot: o.spot_if_allowed(inputs.scenario.instruments.spot),
                capacity: o.capacity_limit,
                unit_offers: Vec::new(),
                spend_offers: Vec::new(),
            }
        })
        .collect()
}

/// Peak load (instances) per offering in play if every compatible workload ran there, over
/// the buckets and scenarios (a deferrable workload at its cap).
pub(super) fn peak_load(
    demand: &DemandSet,
    workloads: &[PWorkload],
    n_offerings: usize,
) -> Vec<f64> {
    let nb = demand.weights.len();
    let mut peak = vec![0.0f64; n_offerings];
    for s in &demand.gpus {
        for b in 0..nb {
            let mut load = vec![0.0; n_offerings];
            for pw in workloads {
                // Deferred load may pile up to its cap in any bucket.
                let g = match pw.shift {
                    Some(sh) => sh.max_gpus,
                    None => s.get(pw.input).map_or(0.0, |row| row[b]),
                };
                for op in &pw.options {
                    load[op.offering] += g * op.instances_per_gpu;
                }
            }
            for (p, l) in peak.iter_mut().zip(load) {
                *p = p.max(l);
            }
        }
    }
    peak
}
