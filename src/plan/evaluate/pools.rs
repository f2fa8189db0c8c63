//! What the plan puts in play, resolved against the catalog once before the hourly loop: the
//! offerings its placements run on (one pool each), each placement's conversion from GPUs of
//! recorded demand to instances of its pool, and the commitments (owned first, then bought)
//! with the pools each one covers.

use super::{CommitmentEval, EvalError};
use crate::domain::perf;
use crate::domain::{Catalog, CommitmentKind, DemandHistory, Offering};
use crate::plan::Plan;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One offering the plan places load on, with the commitments that can cover it.
pub(super) struct Pool<'a> {
    /// The catalog offering.
    pub offering: &'a Offering,
    /// Spot USD per instance-hour with the interruption overhead; `None` when the offering
    /// has no spot price or the plan does not allow spot.
    pub spot_price: Option<f64>,
    /// Unit commitments (indices into the commitment list) on this offering.
    pub unit_commitments: Vec<usize>,
    /// Spend commitments covering this offering, with the USD per instance-hour billed
    /// against the commitment.
    pub spend_commitments: Vec<(usize, f64)>,
}

impl Pool<'_> {
    /// On-demand USD per instance-hour.
    pub fn on_demand(&self) -> f64 {
        self.offering.on_demand_hourly
    }
}

/// The placement's share of its workload on the current offering, priced at on-demand for
/// the baseline.
#[derive(Clone, Copy)]
pub(super) struct Baseline {
    /// On-demand USD per GPU-hour of the current offering.
    pub on_demand_per_gpu: f64,
    /// GPUs of the current offering per GPU of recorded demand (performance ratio), times
    /// the placement's share.
    pub gpus_per_gpu_of_demand: f64,
    /// Storage + egress USD per GPU-hour of recorded demand there, times the share.
    pub adders_per_gpu_hour: f64,
}

/// A placement resolved against the catalog and the demand.
pub(super) struct PlacedWorkload {
    /// The workload's row in the demand (`None`: no demand recorded, zero load).
    pub demand_row: Option<usize>,
    /// Index of its pool.
    pub pool: usize,
    /// Instances of the pool per GPU of recorded demand, times the placement's share.
    pub instances_per_gpu: f64,
    /// Largest share of its load that may run on spot.
    pub max_spot_share: f64,
    /// Storage + egress USD per GPU-hour of recorded demand, times the placement's share.
    pub adders_per_gpu_hour: f64,
    /// Overhead as a fraction of the on-demand-equivalent compute cost.
    pub overhead_frac: f64,
    /// Its current offering, when the plan names one.
    pub baseline: Option<Baseline>,
}

impl PlacedWorkload {
    /// GPUs of recorded demand in hour `t` of the demand window.
    pub fn gpus(&self, demand: &DemandHistory, t: usize) -> f64 {
        self.demand_row.map_or(0.0, |r| demand.gpus[r][t])
    }
}

/// A commitment (owned or bought) as the dispatch uses it.
pub(super) struct Commitment {
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// Instances (unit) or USD per hour (spend).
    pub amount: f64,
    /// USD per hour of one unit of `amount`.
    pub rate: f64,
    /// First hour it is active.
    pub start: DateTime<Utc>,
    /// First hour it is no longer active.
    pub end: DateTime<Utc>,
    /// Index into the catalog's offers.
    pub catalog: usize,
}

impl Commitment {
    /// Whether the commitment is active in the hour starting at `hour`.
    pub fn is_active(&self, hour: DateTime<Utc>) -> bool {
        hour >= self.start && hour < self.end
    }
}

/// The pools of the plan's placements (in order of first use) and each placement resolved
/// against them. Fails on an offering or GPU the catalog does not know.
pub(super) fn place_workloads<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    demand: &DemandHistory,
) -> Result<(Vec<Pool<'a>>, Vec<PlacedWorkload>), EvalError> {
    let mut pools: Vec<Pool> = Vec::new();
    let mut pool_of_offering: HashMap<usize, usize> = HashMap::new();
    let mut placed = Vec::new();
    for pl in &plan.placements {
        let oi =
            offering_index(catalog, pl.cloud, &pl.region, &pl.instance_type).ok_or_else(|| {
                EvalError(format!(
                    "placement of {}: offering {}/{}/{} is not in the catalog",
                    pl.workload, pl.cloud, pl.region, pl.instance_type
                ))
            })?;
        let o = &catalog.offerings[oi];
        if catalog.gpu(&pl.current_gpu).is_none() {
            return Err(EvalError(format!(
                "placement of {}: unknown current GPU {}",
                pl.workload, pl.current_gpu
            )));
        }
        let pool = *pool_of_offering.entry(oi).or_insert_with(|| {
            pools.push(Pool {
                offering: o,
                spot_price: if plan.spot_allowed {
                    o.effective_spot_hourly()
                } else {
                    None
                },
                unit_commitments: Vec::new(),
                spend_commitments: Vec::new(),
            });
            pools.len() - 1
        });
        let class = pl.class;
        let instances_per_gpu = perf(catalog, &pl.current_gpu, class)
            / perf(catalog, &o.gpu_model, class)
            / f64::from(o.gpus);
        let baseline = match &pl.current {
            Some((c, r, it)) => {
                let bi = offering_index(catalog, *c, r, it).ok_or_else(|| {
                    EvalError(format!(
                        "placement of {}: current offering {c}/{r}/{it} is not in the catalog",
                        pl.workload
                    ))
                })?;
                let b = &catalog.offerings[bi];
                Some(Baseline {
                    on_demand_per_gpu: b.on_demand_hourly / f64::from(b.gpus),
                    gpus_per_gpu_of_demand: perf(catalog, &pl.current_gpu, class)
                        / perf(catalog, &b.gpu_model, class)
                        * pl.share,
                    adders_per_gpu_hour: pl.current_adders_per_gpu_hour * pl.share,
                })
            }
            None => None,
        };
        placed.push(PlacedWorkload {
            demand_row: demand.index_of(&pl.workload),
            pool,
            instances_per_gpu: instances_per_gpu * pl.share,
            max_spot_share: pl.max_spot_share,
            adders_per_gpu_hour: pl.adders_per_gpu_hour * pl.share,
            overhead_frac: pl.overhead_pct / 100.0,
            baseline,
        });
    }
    Ok((pools, placed))
}

/// Index of the catalog offering with this cloud, region and instance type.
fn offering_index(
    catalog: &Catalog,
    cloud: crate::domain::Cloud,
    region: &str,
    it: &str,
) -> Option<usize> {
    catalog
        .offerings
        .iter()
        .position(|o| o.cloud == cloud && o.region == region && o.instance_type == it)
}

/// Fails when a workload with demand has no placement in the plan.
pub(super) fn check_demand_is_placed(plan: &Plan, demand: &DemandHistory) -> Result<(), EvalError> {
    for (wi, name) in demand.workloads.iter().enumerate() {
        if !plan.placements.iter().any(|p| &p.workload == name) {
            let total: f64 = demand.gpus[wi].iter().sum();
            if total > 0.0 {
                return Err(EvalError(format!(
                    "workload {name:?} of the demand has no placement in the plan"
                )));
            }
        }
    }
    Ok(())
}

/// The plan's commitments, owned first, then bought (bought ones run one term from the plan's
/// start), each with its empty evaluation. Fails on an offer the catalog does not know.
pub(super) fn plan_commitments(
    plan: &Plan,
    catalog: &Catalog,
) -> Result<(Vec<Commitment>, Vec<CommitmentEval>), EvalError> {
    let mut commitments = Vec::new();
    let mut evals = Vec::new();
    let mut add = |offer_id: &str, amount: f64, start, end, owned: bool| -> Result<(), EvalError> {
        let ki = catalog
            .offers
            .iter()
            .position(|k| k.id == offer_id)
            .ok_or_else(|| unknown_offer(offer_id))?;
        let k = &catalog.offers[ki];
        let rate = crate::domain::commitment_unit_rate(catalog, k);
        commitments.push(Commitment {
            kind: k.kind,
            amount,
            rate,
            start,
            end,
            catalog: ki,
        });
        evals.push(CommitmentEval {
            offer_id: offer_id.to_string(),
            owned,
            kind: k.kind,
            amount,
            hourly_cost: amount * rate,
            active_hours: 0.0,
            committed: 0.0,
            used: 0.0,
            on_demand_value: 0.0,
        });
        Ok(())
    };
    for c in &plan.owned {
        add(&c.offer_id, c.quantity_or_hourly, c.start, c.end, true)?;
    }
    for p in &plan.purchases {
        let k = catalog
            .offer(&p.offer_id)
            .ok_or_else(|| unknown_offer(&p.offer_id))?;
        // A term runs for its calendar months (36 months from 2025-03-07 end on 2028-03-07,
        // not 1,095 days later).
        let end = crate::domain::outlook::add_months(plan.start, k.term_months);
        add(&p.offer_id, p.amount, plan.start, end, false)?;
    }
    Ok((commitments, evals))
}

fn unknown_offer(offer_id: &str) -> EvalError {
    EvalError(format!(
        "commitment offer {offer_id:?} is not in the catalog"
    ))
}

/// Records on each pool the commitments that cover it: unit commitments by index, spend
/// commitments with the discounted rate billed per instance-hour.
pub(super) fn attach_commitments(
    pools: &mut [Pool],
    commitments: &[Commitment],
    catalog: &Catalog,
) {
    for (ci, c) in commitments.iter().enumerate() {
        let k = &catalog.offers[c.catalog];
        for pool in pools.iter_mut() {
            if let Some(d) = k.discount_for(pool.offering) {
                match c.kind {
                    CommitmentKind::Unit => pool.unit_commitments.push(ci),
                    CommitmentKind::Spend => pool
                        .spend_commitments
                        .push((ci, pool.offering.on_demand_hourly * (1.0 - d / 100.0))),
                }
            }
        }
    }
}
