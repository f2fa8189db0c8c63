//! Re-prices a plan hour by hour against any hourly demand with the optimal dispatch:
//! owned and bought capacity first (already paid), then spot for interruptible load, then
//! on-demand. Written without the solver so that it checks it.
//!
//! Per hour and offering: unit commitments cover the load that cannot go to spot first;
//! spend commitments are then allocated to maximise the cost they avoid (each covered
//! instance saves its on-demand price, or its spot price if it could have run on spot) —
//! for one commitment that is the providers' rule, largest discount first; when several
//! commitments overlap, a small exact LP ([`simplex_max`]) finds the allocation.
//!
//! The steps, one module each: `pools` resolves the plan against the catalog once (the
//! offerings it places load on, each placement's demand conversion, the commitments and the
//! pools they cover); then per hour `dispatch` decides what each pool's load runs on and
//! prices it, and `attribution` shares the hour's costs out to the workloads.

mod attribution;
mod dispatch;
mod pools;
mod simplex;

pub use simplex::simplex_max;

use super::Plan;
use crate::domain::{Catalog, CommitmentKind, DemandHistory};

/// Penalty on load above an on-demand capacity limit, as a multiple of on-demand.
pub const EVAL_UNSERVED_PENALTY: f64 = 10.0;

/// Evaluation of one commitment (bought or owned).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentEval {
    /// Offer id.
    pub offer_id: String,
    /// Owned (true) or bought by the plan.
    pub owned: bool,
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// Instances or USD per hour.
    pub amount: f64,
    /// USD per hour it costs.
    pub hourly_cost: f64,
    /// Hours it was active in the evaluated demand.
    pub active_hours: f64,
    /// Committed: instance-hours (unit) or discounted USD (spend).
    pub committed: f64,
    /// Consumed, same unit as `committed`.
    pub used: f64,
    /// On-demand value of the usage it covered, USD.
    pub on_demand_value: f64,
}

impl CommitmentEval {
    /// used ÷ committed (1 when nothing was committed in the window).
    pub fn utilization(&self) -> f64 {
        if self.committed > 0.0 {
            self.used / self.committed
        } else {
            1.0
        }
    }
    /// Cost over the evaluated hours.
    pub fn cost(&self) -> f64 {
        self.hourly_cost * self.active_hours
    }
    /// Unused commitment in USD over the evaluated hours.
    pub fn unused_cost(&self) -> f64 {
        self.cost() * (1.0 - self.utilization()).max(0.0)
    }
}

/// Evaluation of one workload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadEval {
    /// Workload.
    pub workload: String,
    /// GPU-hours of recorded demand.
    pub gpu_hours: f64,
    /// Instance-hours on its placement.
    pub instance_hours: f64,
    /// Instance-hours covered by commitments (pro rata of its pool).
    pub committed_hours: f64,
    /// Instance-hours on spot (pro rata of the spotable load of its pool).
    pub spot_hours: f64,
    /// Instance-hours on on-demand (incl. unserved).
    pub on_demand_hours: f64,
    /// Cost: its share of the pool's consumed commitment, spot and on-demand, plus its hidden
    /// costs.
    pub cost: f64,
    /// Hidden costs (storage, egress, overhead).
    pub hidden_cost: f64,
    /// On-demand cost of its current offering (baseline), compute only.
    pub baseline_on_demand: f64,
    /// Hidden costs on the current offering (baseline).
    pub baseline_hidden: f64,
}

/// Unserved load (above a capacity limit).
#[derive(Debug, Clone, PartialEq)]
pub struct Unserved {
    /// Offering key.
    pub offering: String,
    /// Hour.
    pub hour: chrono::DateTime<chrono::Utc>,
    /// Instances not served.
    pub instances: f64,
}

/// The re-priced plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Hours evaluated.
    pub hours: usize,
    /// Total cost: commitments (bought and owned) + spot + on-demand + unserved penalty +
    /// hidden.
    pub total: f64,
    /// Commitment cost (bought and owned) over the evaluated hours.
    pub commitment_cost: f64,
    /// Spot cost (with interruption overhead).
    pub spot_cost: f64,
    /// On-demand cost.
    pub on_demand_cost: f64,
    /// Penalty cost of unserved load.
    pub unserved_cost: f64,
    /// Hidden costs.
    pub hidden_cost: f64,
    /// On-demand price of the plan's own placed usage (ESR denominator).
    pub on_demand_equivalent: f64,
    /// All workloads on their current offering at on-demand, compute + hidden.
    pub baseline_all_on_demand: f64,
    /// Per workload, in plan order.
    pub workloads: Vec<WorkloadEval>,
    /// Per commitment: owned first, then bought, in plan order.
    pub commitments: Vec<CommitmentEval>,
    /// Unserved hours (first 100).
    pub unserved: Vec<Unserved>,
    /// Instance-hours in total and covered by commitments / spot / on-demand.
    pub instance_hours: [f64; 4],
}

impl Evaluation {
    /// Commitment utilization in dollars (consumed ÷ committed, each commitment capped at
    /// full use); `None` without commitments.
    pub fn commitment_utilization(&self) -> Option<f64> {
        let committed: f64 = self.commitments.iter().map(|c| c.cost()).sum();
        let used: f64 = self
            .commitments
            .iter()
            .map(|c| c.cost() * c.utilization().min(1.0))
            .sum();
        (committed > 0.0).then(|| used / committed)
    }
    /// Compute cost: commitments + spot + on-demand + unserved penalty.
    pub fn compute_cost(&self) -> f64 {
        self.commitment_cost + self.spot_cost + self.on_demand_cost + self.unserved_cost
    }
    /// Effective savings rate (FinOps Foundation): (on-demand equivalent − compute cost) /
    /// on-demand equivalent.
    pub fn esr(&self) -> f64 {
        if self.on_demand_equivalent > 0.0 {
            (self.on_demand_equivalent - self.compute_cost()) / self.on_demand_equivalent
        } else {
            0.0
        }
    }
}

/// A plan that does not fit the catalog or the demand.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

/// Re-prices `plan` on `demand` (hours where `keep` is false are skipped).
pub fn evaluate(
    plan: &Plan,
    catalog: &Catalog,
    demand: &DemandHistory,
    keep: Option<&[bool]>,
) -> Result<Evaluation, EvalError> {
    let (mut pools, placed) = pools::place_workloads(plan, catalog, demand)?;
    pools::check_demand_is_placed(plan, demand)?;
    let (commitments, mut commitment_evals) = pools::plan_commitments(plan, catalog)?;
    pools::attach_commitments(&mut pools, &commitments, catalog);

    let mut ev = Evaluation {
        workloads: plan
            .placements
            .iter()
            .map(|p| WorkloadEval {
                workload: p.workload.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    for t in 0..demand.window.hours() {
        if keep.is_some_and(|k| !k[t]) {
            continue;
        }
        ev.hours += 1;
        let hour = demand.window.hour(t);
        let load = dispatch::PoolLoad::of_hour(&pools, &placed, demand, t);
        let active = dispatch::charge_active_commitments(
            &commitments,
            hour,
            &mut commitment_evals,
            &mut ev.commitment_cost,
        );
        let mut cover =
            dispatch::cover_with_units(&pools, &load, &commitments, &active, &mut commitment_evals);
        dispatch::cover_with_spend(
            &mut cover,
            &pools,
            &commitments,
            &active,
            &mut commitment_evals,
        );
        dispatch::price_uncovered_load(&mut ev, &pools, &load, &cover, hour);
        attribution::attribute_hour(&mut ev, &pools, &placed, &load, &cover, demand, t);
    }
    ev.commitments = commitment_evals;
    ev.total = ev.compute_cost() + ev.hidden_cost;
    Ok(ev)
}
