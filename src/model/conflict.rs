//! Why no plan exists, detected as facts (in the spirit of pubgrub's incompatibilities):
//! which workloads, hours, offerings and constraints conflict. Detecting is here; putting
//! the facts into words, with what relaxing each constraint would cost, is
//! `engine::explain`. Two conflicts are found from the problem and its solution:
//!
//! - a workload with **no compatible offering**: every offering of the catalog with each
//!   constraint that keeps the workload off it ([`TierConflict`]);
//! - an offering whose on-demand **capacity limit** is below the load placed on it even
//!   after commitments and spot ([`CapacityConflict`]): the hour of the largest shortfall,
//!   the workloads there, and what limited each way out (spot caps, commitment offers and
//!   the scenario's caps, other offerings and what keeps each workload off them).

use super::mip::MipSolution;
use super::problem::Problem;
use crate::domain::{Offering, Workload};
use crate::ingest::inputs::Inputs;
use chrono::{DateTime, Utc};

/// One constraint that keeps a workload off an offering.
#[derive(Debug, Clone, PartialEq)]
pub enum Exclusion {
    /// `min_gpu_memory_gb` above the GPU memory of the offering.
    MemoryFloor {
        /// GB per GPU the workload needs.
        need: f64,
        /// GB per GPU the offering has.
        has: f64,
    },
    /// `gpus_per_replica` above the GPUs of one instance.
    GpusPerReplica {
        /// GPUs per replica.
        need: u32,
        /// GPUs per instance.
        has: u32,
    },
    /// The offering's cloud is not in the workload's `allowed_clouds`.
    AllowedClouds,
    /// The offering's region is not in the workload's `allowed_regions`.
    AllowedRegions,
    /// The scenario's `[instruments] clouds` leaves the offering's cloud out.
    ScenarioClouds,
    /// The scenario's `[instruments] instance_types` leaves the instance type out.
    InstanceTypes,
}

/// Every constraint that keeps workload `w` off offering `o` (empty: compatible).
pub fn exclusions(inputs: &Inputs, w: &Workload, o: &Offering) -> Vec<Exclusion> {
    let mut out = Vec::new();
    let memory = inputs
        .catalog
        .gpu(&o.gpu_model)
        .map_or(0.0, |g| g.memory_gb);
    if memory < w.min_gpu_memory_gb {
        out.push(Exclusion::MemoryFloor {
            need: w.min_gpu_memory_gb,
            has: memory,
        });
    }
    if o.gpus < w.gpus_per_replica {
        out.push(Exclusion::GpusPerReplica {
            need: w.gpus_per_replica,
            has: o.gpus,
        });
    }
    if w.allowed_clouds
        .as_ref()
        .is_some_and(|c| !c.contains(&o.cloud))
    {
        out.push(Exclusion::AllowedClouds);
    }
    if w.allowed_regions
        .as_ref()
        .is_some_and(|r| !r.contains(&o.region))
    {
        out.push(Exclusion::AllowedRegions);
    }
    let ins = &inputs.scenario.instruments;
    if !ins.clouds.contains(&o.cloud) {
        out.push(Exclusion::ScenarioClouds);
    }
    if ins
        .instance_types
        .as_ref()
        .is_some_and(|t| !t.contains(&o.instance_type))
    {
        out.push(Exclusion::InstanceTypes);
    }
    out
}

/// An offering of the catalog (index) and the constraints that keep a workload off it.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    /// Index into the catalog's offerings.
    pub offering: usize,
    /// Every constraint that excludes it (empty: the workload may run there).
    pub reasons: Vec<Exclusion>,
}

/// A workload none of whose offerings is compatible.
#[derive(Debug, Clone, PartialEq)]
pub struct TierConflict {
    /// Index of the workload in the inputs.
    pub workload: usize,
    /// Every offering of the catalog with what excludes it, fewest reasons first.
    pub excluded: Vec<Excluded>,
}

/// The facts of a workload without a compatible offering.
pub fn detect_tier_conflict(inputs: &Inputs, workload: usize) -> TierConflict {
    let w = &inputs.workloads[workload];
    let mut excluded: Vec<Excluded> = inputs
        .catalog
        .offerings
        .iter()
        .enumerate()
        .map(|(i, o)| Excluded {
            offering: i,
            reasons: exclusions(inputs, w, o),
        })
        .collect();
    excluded.sort_by_key(|e| e.reasons.len());
    TierConflict { workload, excluded }
}

/// What kept spot from taking more of the load on a capacity-limited offering.
#[derive(Debug, Clone, PartialEq)]
pub enum SpotRoom {
    /// The offering has no spot price.
    NotOffered,
    /// The scenario turns spot off (`[instruments] spot = false`).
    NotAllowed,
    /// Each workload's spot share (`max_spot_share`, 0 unless interruptible).
    Capped(Vec<(usize, f64)>),
}

/// What kept commitments from covering more of the load on a capacity-limited offering.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentRoom {
    /// Unit offers on the offering the plan may buy.
    pub unit_offers: usize,
    /// Spend offers covering the offering the plan may buy.
    pub spend_offers: usize,
    /// Catalog offers that match the offering but the scenario's `[instruments]` (kind,
    /// term, payment, cloud) rules out.
    pub not_allowed: Vec<String>,
    /// `[caps] max_committed_share` as USD per hour of new commitments: (cap, used).
    pub committed_cap: Option<(f64, f64)>,
    /// `[caps] max_upfront`: (cap, used), USD.
    pub upfront_cap: Option<(f64, f64)>,
    /// What one more instance covered by the cheapest purchasable offer on the offering
    /// adds: (USD per hour, USD upfront); `None` without such an offer.
    pub next_instance: Option<(f64, f64)>,
}

/// An on-demand capacity limit below the load the plan must place on the offering.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityConflict {
    /// Index into the catalog's offerings.
    pub offering: usize,
    /// Its `capacity_limit`, instances.
    pub capacity: f64,
    /// The hour of the largest shortfall (first hour of its bucket).
    pub peak_hour: DateTime<Utc>,
    /// Instances placed on the offering in that hour.
    pub peak_load: f64,
    /// Instances unserved in that hour.
    pub peak_unserved: f64,
    /// Hours with a shortfall.
    pub short_hours: f64,
    /// Unserved instance-hours over the window (expected over demand scenarios).
    pub unserved_instance_hours: f64,
    /// Workloads placed there (index in the inputs) with their instances in the peak hour.
    pub workloads: Vec<(usize, f64)>,
    /// Why spot did not take more.
    pub spot: SpotRoom,
    /// Why commitments did not cover more.
    pub commitments: CommitmentRoom,
    /// Per workload placed there, the offerings without a capacity limit it could move to
    /// and what keeps it off each (an empty reason list: a move that needs no relaxation,
    /// dearer than the unserved penalty).
    pub moves: Vec<(usize, Vec<Excluded>)>,
}

/// Where the load of a capacity conflict comes from: each workload's placement (catalog
/// offering per input workload, from the plan) and its GPUs per bucket of the solved
/// problem (`gpus(workload, bucket, scenario)`: the problem's own rows in a joint or
/// stochastic model, the planning window's demand in a pooled one).
pub struct Placed<'a> {
    /// Catalog offering of each input workload (`None` when not placed).
    pub offering: &'a [Option<usize>],
    /// GPUs of input workload `w` in bucket `b` of scenario `s`.
    pub gpus: &'a dyn Fn(usize, usize, usize) -> f64,
}

/// Capacity conflicts of a solved problem, one per offering with unserved load, most
/// unserved first.
pub fn detect_capacity_conflicts(
    inputs: &Inputs,
    placed: &Placed<'_>,
    p: &Problem,
    sol: &MipSolution,
) -> Vec<CapacityConflict> {
    let mut offerings: Vec<usize> = sol.unserved.iter().map(|u| u.0).collect();
    offerings.sort_unstable();
    offerings.dedup();
    let mut out: Vec<CapacityConflict> = offerings
        .into_iter()
        .map(|o| capacity_conflict(inputs, placed, p, sol, o))
        .collect();
    out.sort_by(|a, b| {
        b.unserved_instance_hours
            .total_cmp(&a.unserved_instance_hours)
    });
    out
}

/// The conflict on offering `o` (index into the problem's offerings).
fn capacity_conflict(
    inputs: &Inputs,
    placed: &Placed<'_>,
    p: &Problem,
    sol: &MipSolution,
    o: usize,
) -> CapacityConflict {
    let cat = &inputs.catalog;
    let po = &p.offerings[o];
    let offering = &cat.offerings[po.catalog];
    let cells: Vec<(usize, usize, usize, f64)> =
        sol.unserved.iter().filter(|u| u.0 == o).copied().collect();
    let (_, b, s, q) = cells
        .iter()
        .copied()
        .max_by(|a, b| a.3.total_cmp(&b.3))
        .unwrap_or((o, 0, 0, 0.0));
    let workloads: Vec<(usize, f64)> = (0..inputs.workloads.len())
        .filter(|&wi| placed.offering.get(wi).copied().flatten() == Some(po.catalog))
        .map(|wi| {
            let ipg = crate::domain::instances_per_gpu(cat, &inputs.workloads[wi], offering);
            (wi, (placed.gpus)(wi, b, s) * ipg)
        })
        .collect();
    let prob = |s: usize| p.demand.probs.get(s).copied().unwrap_or(1.0);
    CapacityConflict {
        offering: po.catalog,
        capacity: po.capacity.unwrap_or(0.0),
        peak_hour: p.demand.hours[b]
            .first()
            .copied()
            .unwrap_or(inputs.window.start),
        peak_load: workloads.iter().map(|w| w.1).sum(),
        peak_unserved: q,
        short_hours: cells
            .iter()
            .map(|c| p.demand.weights[c.1] * prob(c.2))
            .sum(),
        unserved_instance_hours: cells
            .iter()
            .map(|c| c.3 * p.demand.weights[c.1] * prob(c.2))
            .sum(),
        spot: spot_room(inputs, offering, &workloads),
        commitments: commitment_room(inputs, p, sol, o),
        moves: workloads
            .iter()
            .map(|&(wi, _)| (wi, moves(inputs, wi, po.catalog)))
            .collect(),
        workloads,
    }
}

fn spot_room(inputs: &Inputs, offering: &Offering, workloads: &[(usize, f64)]) -> SpotRoom {
    if offering.effective_spot_hourly().is_none() {
        SpotRoom::NotOffered
    } else if !inputs.scenario.instruments.spot {
        SpotRoom::NotAllowed
    } else {
        SpotRoom::Capped(
            workloads
                .iter()
                .map(|&(wi, _)| (wi, inputs.workloads[wi].max_spot_share))
                .collect(),
        )
    }
}

fn commitment_room(inputs: &Inputs, p: &Problem, sol: &MipSolution, o: usize) -> CommitmentRoom {
    let cat = &inputs.catalog;
    let offering = &cat.offerings[p.offerings[o].catalog];
    let po = &p.offerings[o];
    let purchasable = |k: usize| p.offers[k].purchasable;
    let unit_offers = po.unit_offers.iter().filter(|&&k| purchasable(k)).count();
    let spend_offers = po
        .spend_offers
        .iter()
        .filter(|(k, _)| purchasable(*k))
        .count();
    let not_allowed = cat
        .offers
        .iter()
        .filter(|k| k.matches(offering) && !inputs.scenario.instruments.allows(k))
        .map(|k| k.id.clone())
        .collect();
    let bought = |f: &dyn Fn(usize) -> f64| -> f64 {
        (0..p.offers.len())
            .map(|k| sol.buy.get(k).copied().unwrap_or(0.0) * f(k))
            .sum()
    };
    let hourly_new = bought(&|k| p.offers[k].rate);
    let upfront = bought(&|k| p.offers[k].upfront_per_unit.unwrap_or(0.0));
    // One more instance: a unit of a unit offer, or its price per hour of a spend offer.
    let units = po.unit_offers.iter().map(|&k| (k, 1.0));
    let spend = po.spend_offers.iter().map(|&(k, a)| (k, a));
    let next_instance = units
        .chain(spend)
        .filter(|&(k, _)| purchasable(k))
        .map(|(k, per)| {
            let of = &p.offers[k];
            (of.rate * per, of.upfront_per_unit.unwrap_or(0.0) * per)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    CommitmentRoom {
        unit_offers,
        spend_offers,
        not_allowed,
        committed_cap: p.max_committed_hourly.map(|c| (c, hourly_new)),
        upfront_cap: p.max_upfront.map(|c| (c, upfront)),
        next_instance,
    }
}

/// The offerings without a capacity limit (other than `current`) workload `wi` could move
/// to, with what keeps it off each: fewest reasons first, then cheapest per GPU-hour of the
/// workload's demand at on-demand (at most 12).
fn moves(inputs: &Inputs, wi: usize, current: usize) -> Vec<Excluded> {
    let cat = &inputs.catalog;
    let w = &inputs.workloads[wi];
    let mut out: Vec<(f64, Excluded)> = cat
        .offerings
        .iter()
        .enumerate()
        .filter(|&(i, o)| i != current && o.capacity_limit.is_none())
        .map(|(i, o)| {
            let price = crate::domain::instances_per_gpu(cat, w, o) * o.on_demand_hourly;
            let reasons = exclusions(inputs, w, o);
            (
                price,
                Excluded {
                    offering: i,
                    reasons,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| {
        a.1.reasons
            .len()
            .cmp(&b.1.reasons.len())
            .then(a.0.total_cmp(&b.0))
    });
    out.truncate(12);
    out.into_iter().map(|(_, e)| e).collect()
}

/// A conflict put into words (by `engine::explain`): one short paragraph, the parts it
/// names, and what relaxing each constraint would cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedConflict {
    /// `no_compatible_offering`, `capacity` or `risk_budget`.
    pub kind: String,
    /// Workloads in the conflict.
    pub workloads: Vec<String>,
    /// Offerings in the conflict (catalog keys `cloud/region/instance_type`).
    pub offerings: Vec<String>,
    /// Hours in the conflict (the hour of the largest shortfall), ISO-8601 UTC.
    pub hours: Vec<String>,
    /// The constraints that conflict, named as in the input files.
    pub constraints: Vec<String>,
    /// The paragraph.
    pub message: String,
    /// Ways out, cheapest first.
    pub relaxations: Vec<Relaxation>,
}

/// One way out of a conflict: a constraint, how to change it, and what serving the
/// conflicting load that way would cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    /// The constraint, named as in the input files.
    pub constraint: String,
    /// The change (`lower min_gpu_memory_gb of train from 200 to 141`).
    pub change: String,
    /// USD over the planned window for the load in conflict served that way (on-demand,
    /// spot or commitment prices of the catalog); `None` when it has no price of its own.
    pub cost: Option<f64>,
}
