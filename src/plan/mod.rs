//! Solution → [`Plan`]; [`evaluate`] re-prices any plan hour by hour against any demand,
//! without the solver.

pub mod amounts;
pub mod doc;
pub mod evaluate;
pub mod recommender;
pub mod risk;
pub mod term;
pub mod term_doc;

use crate::domain::current_offering;
use crate::domain::{Cloud, CommitmentKind, OwnedCommitment, WorkloadClass};
use crate::ingest::inputs::Inputs;
use crate::model::{MipSolution, Problem};
use chrono::{DateTime, Utc};

pub use evaluate::{evaluate, Evaluation};

/// Where a workload runs and what the evaluator needs to price it.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Workload name.
    pub workload: String,
    /// Class (selects the performance ratio).
    pub class: WorkloadClass,
    /// GPU model the demand was recorded on.
    pub current_gpu: String,
    /// Chosen offering: cloud.
    pub cloud: Cloud,
    /// Chosen offering: region.
    pub region: String,
    /// Chosen offering: instance type.
    pub instance_type: String,
    /// Share of the workload's load on this placement (1 unless split).
    pub share: f64,
    /// Largest share of load on spot.
    pub max_spot_share: f64,
    /// Storage + egress USD per GPU-hour of recorded demand on this offering.
    pub adders_per_gpu_hour: f64,
    /// Overhead percent on the on-demand-equivalent compute cost.
    pub overhead_pct: f64,
    /// The workload's current offering (cloud, region, instance type), for the baseline.
    pub current: Option<(Cloud, String, String)>,
    /// Storage + egress USD per GPU-hour of recorded demand on the current offering: the
    /// baseline's hidden costs besides the overhead (0 without a current offering).
    pub current_adders_per_gpu_hour: f64,
}

impl Placement {
    /// Workload `w` wholly on offering `o`: spot up to its share, its hidden costs there, and
    /// its current offering in `catalog` with the hidden costs there, for the baseline.
    pub fn whole(
        catalog: &crate::domain::Catalog,
        w: &crate::domain::Workload,
        o: &crate::domain::Offering,
    ) -> Self {
        let current = current_offering(catalog, w);
        Placement {
            workload: w.name.clone(),
            class: w.class,
            current_gpu: w.current_gpu.clone(),
            cloud: o.cloud,
            region: o.region.clone(),
            instance_type: o.instance_type.clone(),
            share: 1.0,
            max_spot_share: w.max_spot_share,
            adders_per_gpu_hour: crate::domain::adders_per_gpu_hour(w, o),
            overhead_pct: w.overhead_pct,
            current: current.map(|c| (c.cloud, c.region.clone(), c.instance_type.clone())),
            current_adders_per_gpu_hour: current
                .map_or(0.0, |c| crate::domain::adders_per_gpu_hour(w, c)),
        }
    }
}

/// A commitment to buy.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    /// Catalog offer id.
    pub offer_id: String,
    /// Kind of the offer.
    pub kind: CommitmentKind,
    /// Instances (unit) or USD per hour (spend).
    pub amount: f64,
}

/// A purchase plan: placements and purchases, plus the owned commitments it relies on.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// When purchases start.
    pub start: DateTime<Utc>,
    /// One placement per workload (or several shares).
    pub placements: Vec<Placement>,
    /// Purchases (nonzero only).
    pub purchases: Vec<Purchase>,
    /// Commitments already owned.
    pub owned: Vec<OwnedCommitment>,
    /// Whether spot may be used.
    pub spot_allowed: bool,
    /// Scale-to-zero windows and deferred-load schedules the plan relies on (empty when no
    /// workload scales to zero or shifts); the evaluator applies them to the demand.
    pub scheduling: crate::domain::Scheduling,
}

/// Turns a MIP solution into a plan. Purchases are whole instances (unit) or USD per hour
/// (spend, continuous; the JSON shows it rounded to cents).
pub fn plan_from_solution(inputs: &Inputs, problem: &Problem, sol: &MipSolution) -> Plan {
    let cat = &inputs.catalog;
    let placements = problem
        .workloads
        .iter()
        .zip(&sol.tier)
        .map(|(pw, &j)| {
            let o = &cat.offerings[problem.offerings[pw.options[j].offering].catalog];
            Placement::whole(cat, &inputs.workloads[pw.input], o)
        })
        .collect();
    let purchases = problem
        .offers
        .iter()
        .zip(&sol.buy)
        .filter_map(|(k, &amt)| {
            // Spend commitments below half a cent per hour are solver noise, not purchases.
            let amount = amt;
            let min = match k.kind {
                CommitmentKind::Unit => 0.5,
                CommitmentKind::Spend => 0.005,
            };
            (amount >= min).then(|| Purchase {
                offer_id: cat.offers[k.catalog].id.clone(),
                kind: k.kind,
                amount,
            })
        })
        .collect();
    Plan {
        start: inputs.window.start,
        placements,
        purchases,
        owned: inputs.owned.clone(),
        spot_allowed: inputs.scenario.instruments.spot,
        scheduling: inputs.scale_to_zero_policy(),
    }
}
