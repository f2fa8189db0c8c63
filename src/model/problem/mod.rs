//! The planning problem as plain numbers, built from the inputs: the compatible tiers of each
//! workload with their demand conversion, the offerings in play, the commitment offers in
//! play (dominated ones pruned) and owned capacity per time bucket. No solver types here.
//!
//! `Problem::build` runs the steps in order, one module each: `tiers` (compatible offerings,
//! tier options per workload, the offerings in play and their peak load), `dominance`
//! (offerings and offers something else beats), `offers` (the commitment offers in play and
//! the owned cost).

mod dominance;
mod offers;
mod tiers;
pub(crate) use tiers::offerings_in_play;

use crate::domain::{current_offering, CommitmentKind, HourWindow, OwnedCommitment};
use crate::ingest::inputs::Inputs;
use chrono::{DateTime, Utc};

/// Penalty on unserved load (above an on-demand capacity limit) in the MIP, as a multiple of
/// the on-demand price. Any unserved load in a solution makes the plan `infeasible`.
pub const MIP_UNSERVED_PENALTY: f64 = 100.0;

/// The penalty of the check solve when a plan leaves load unserved: an unserved
/// instance-hour then costs more than an instance committed (or run on-demand) for every
/// hour of the window, so load still unserved cannot be served by commitments, spot or
/// on-demand within the constraints (`engine` re-solves with it). A tier move dearer than
/// the penalty is the one way it does not rule out; the explanation names such moves.
pub fn strict_unserved_penalty(total_hours: f64) -> f64 {
    (20.0 * total_hours).max(10.0 * MIP_UNSERVED_PENALTY)
}

/// Time buckets and demand scenarios the model is solved on.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSet {
    /// Hours each bucket stands for.
    pub weights: Vec<f64>,
    /// The start hour of each hour a bucket stands for (owned commitments are checked on
    /// the first of them).
    pub hours: Vec<Vec<DateTime<Utc>>>,
    /// Scenario probabilities (sum to 1).
    pub probs: Vec<f64>,
    /// `gpus[s][w][b]`: GPUs of workload `w` in bucket `b` of scenario `s` (workload order
    /// of the inputs).
    pub gpus: Vec<Vec<Vec<f64>>>,
    /// Chronological chains: bucket indices in time order, each bucket of a chain a run of
    /// consecutive hours right after the previous one's. Deferred load moves along a chain
    /// only; a deferrable workload with demand outside the chains runs as recorded. Empty
    /// for buckets without chronology (k-means).
    pub chains: Vec<Vec<usize>>,
}

impl DemandSet {
    /// One bucket per unmasked hour of the planning window, one scenario: the history
    /// replayed at full resolution.
    pub fn full_resolution(inputs: &Inputs) -> Self {
        let wd = inputs.window_demand();
        Self::from_hours(&wd.gpus, inputs.window, &inputs.keep)
    }

    /// One bucket per kept hour of `window`, from `gpus[w][hour]`; the runs of consecutive
    /// kept hours are its chains.
    pub fn from_hours(gpus: &[Vec<f64>], window: HourWindow, keep: &[bool]) -> Self {
        let kept: Vec<usize> = (0..window.hours()).filter(|&i| keep[i]).collect();
        let hours: Vec<Vec<DateTime<Utc>>> = kept.iter().map(|&i| vec![window.hour(i)]).collect();
        DemandSet {
            weights: vec![1.0; kept.len()],
            chains: hourly_chains(&hours),
            hours,
            probs: vec![1.0],
            gpus: vec![gpus
                .iter()
                .map(|c| kept.iter().map(|&i| c[i]).collect())
                .collect()],
        }
    }

    /// Total hours represented.
    pub fn total_hours(&self) -> f64 {
        self.weights.iter().sum()
    }
}

/// The chains of one-hour buckets: runs of buckets one hour apart.
pub fn hourly_chains(hours: &[Vec<DateTime<Utc>>]) -> Vec<Vec<usize>> {
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for (b, hs) in hours.iter().enumerate() {
        let follows = b > 0
            && hours[b - 1]
                .first()
                .zip(hs.first())
                .is_some_and(|(a, t)| *t - *a == chrono::Duration::hours(1));
        match chains.last_mut() {
            Some(c) if follows => c.push(b),
            _ => chains.push(vec![b]),
        }
    }
    chains
}

/// A tier a workload may run on.
#[derive(Debug, Clone, PartialEq)]
pub struct TierOption {
    /// Index into [`Problem::offerings`].
    pub offering: usize,
    /// Instances of the offering per GPU of recorded demand (performance ratio / GPUs per
    /// instance).
    pub instances_per_gpu: f64,
    /// Storage and egress USD per GPU-hour of recorded demand on this tier.
    pub adders_per_gpu_hour: f64,
    /// Overhead as a fraction of the on-demand-equivalent compute cost.
    pub overhead_frac: f64,
}

/// A workload in the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct PWorkload {
    /// Index in the inputs' workloads (and demand rows).
    pub input: usize,
    /// Compatible tiers; empty makes the problem infeasible.
    pub options: Vec<TierOption>,
    /// Share of its load that may go to spot.
    pub spot_share: f64,
    /// Its demand may run later than recorded (deferrable load), when set.
    pub shift: Option<ShiftSpec>,
}

/// How a workload's demand may be deferred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftSpec {
    /// Hours it may run after it was recorded (≥ 1).
    pub hours: u32,
    /// Most GPUs it may run at once.
    pub max_gpus: f64,
}

/// An offering in play.
#[derive(Debug, Clone, PartialEq)]
pub struct POffering {
    /// Index into the catalog's offerings.
    pub catalog: usize,
    /// Index of its GPU model in the catalog's GPU table (the term model's price paths are
    /// per GPU model; 0 when the table does not list it).
    pub gpu: usize,
    /// On-demand USD per instance-hour.
    pub on_demand: f64,
    /// Spot USD per instance-hour with the interruption overhead; `None` when spot is not
    /// available or not allowed.
    pub spot: Option<f64>,
    /// On-demand capacity limit, instances.
    pub capacity: Option<f64>,
    /// Unit offers on this offering (indices into the offers of its problem: [`Problem::offers`]
    /// or the term model's `TermProblem::offers`).
    pub unit_offers: Vec<usize>,
    /// Spend offers covering this offering, with the USD per instance-hour billed against
    /// the commitment.
    pub spend_offers: Vec<(usize, f64)>,
}

/// A commitment offer in play: purchasable, owned, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct POffer {
    /// Index into the catalog's offers.
    pub catalog: usize,
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// May be bought in this scenario.
    pub purchasable: bool,
    /// USD per hour of one unit (unit offers: instance rate after discount; spend: 1).
    pub rate: f64,
    /// For unit offers: the offering (index into [`Problem::offerings`]) it covers.
    pub unit_offering: Option<usize>,
    /// Owned quantity (instances or USD/h) active in each bucket.
    pub owned: Vec<f64>,
    /// Largest useful purchase (instances or USD/h), a bound for the MIP.
    pub max_useful: f64,
    /// Upfront USD per unit bought (instances or USD/h) over the whole term.
    pub upfront_per_unit: Option<f64>,
}

/// Why no plan exists: the constraint group, the whole explanation, and each conflict on
/// its own (found by `model::conflict`, put into words by `engine::explain`).
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasibility {
    /// The constraint group that cannot hold: `tier`, `capacity`, `risk` or `model`.
    pub group: String,
    /// Human explanation naming the workload/offering (the conflicts' paragraphs).
    pub message: String,
    /// The conflicts, one paragraph each, with what relaxing each constraint would cost.
    pub conflicts: Vec<crate::model::conflict::ExplainedConflict>,
}

/// The planning problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Time buckets and scenarios.
    pub demand: DemandSet,
    /// Workloads in input order.
    pub workloads: Vec<PWorkload>,
    /// Offerings in play.
    pub offerings: Vec<POffering>,
    /// Commitment offers in play.
    pub offers: Vec<POffer>,
    /// Cost of owned commitments over the represented hours (paid whether used or not).
    pub owned_cost: f64,
    /// Cap on the hourly cost of new commitments, USD/h.
    pub max_committed_hourly: Option<f64>,
    /// Cap on upfront payments, USD.
    pub max_upfront: Option<f64>,
    /// CVaR level.
    pub cvar_alpha: f64,
    /// CVaR weight.
    pub risk_weight: f64,
    /// CVaR budget.
    pub max_cvar: Option<f64>,
    /// Per-scenario constant subtracted from the cost inside the CVaR term (the scenario's
    /// hindsight optimum when the risk measure is regret; zeros otherwise).
    pub cvar_offsets: Vec<f64>,
    /// Offers dropped because another offer is at least as good everywhere (catalog ids).
    pub pruned: Vec<String>,
    /// Offerings dropped because another offering is at least as good for every workload
    /// and instrument (catalog keys).
    pub dominated_offerings: Vec<String>,
    /// USD per GPU-hour of deferred load per hour it waits: 0 in planning models; a tiny
    /// amount in the hourly schedule, so that among equally cheap schedules the one that
    /// moves least wins.
    pub backlog_penalty: f64,
    /// Price of unserved load as a multiple of on-demand ([`MIP_UNSERVED_PENALTY`]; the
    /// check solve uses [`strict_unserved_penalty`]).
    pub unserved_penalty: f64,
}

/// Whether owned commitment `c` is active in a bucket (checked on its first hour).
fn owned_active(c: &OwnedCommitment, hours: &[DateTime<Utc>]) -> bool {
    hours.first().is_some_and(|&t| t >= c.start && t < c.end)
}

impl Problem {
    /// Builds the problem. Returns an [`Infeasibility`] when a workload has no compatible
    /// offering.
    pub fn build(inputs: &Inputs, demand: DemandSet) -> Result<Problem, Infeasibility> {
        let sc = &inputs.scenario;
        // Tiers: compatible offerings less dominated ones; the offerings they put in play.
        let mut compatible = tiers::compatible_offerings(inputs);
        let dominated_offerings = dominance::drop_dominated_offerings(inputs, &mut compatible);
        let (mut workloads, in_play) = tiers::tier_options(inputs, compatible)?;
        tiers::set_shifts(inputs, &demand, &mut workloads);
        let mut offerings = tiers::offerings_in_play(inputs, &in_play);
        let peak = tiers::peak_load(&demand, &workloads, offerings.len());

        // Commitment offers: purchasable (allowed, matching an offering in play, not
        // dominated) or owned; owned commitments cost whether in play or not.
        let candidates = offers::candidate_offers(inputs, &offerings);
        let (purchasable, pruned) =
            dominance::prune_dominated_offers(inputs, &offerings, &candidates);
        let (offers, owned_cost) = offers::offers_in_play(
            inputs,
            &demand,
            &mut offerings,
            &candidates,
            &purchasable,
            &peak,
        );
        let owned_cost = offers::add_owned_cost_outside_play(inputs, &demand, &offers, owned_cost);

        // Caps: new commitments' hourly cost as a share of the all-on-demand baseline.
        let h_total = demand.total_hours();
        let baseline_hourly = if h_total > 0.0 {
            baseline_on_demand(inputs, &demand) / h_total
        } else {
            0.0
        };
        Ok(Problem {
            demand,
            workloads,
            offerings,
            offers,
            owned_cost,
            max_committed_hourly: (sc.max_committed_share < 1.0)
                .then_some(sc.max_committed_share * baseline_hourly),
            max_upfront: sc.max_upfront,
            cvar_alpha: sc.risk.cvar_alpha,
            risk_weight: sc.risk.risk_weight,
            max_cvar: sc.risk.max_cvar,
            cvar_offsets: Vec::new(),
            pruned,
            dominated_offerings,
            backlog_penalty: 0.0,
            unserved_penalty: MIP_UNSERVED_PENALTY,
        })
    }
}

/// All-on-demand cost of every workload on its current offering over the demand set
/// (expected over scenarios), compute only.
pub fn baseline_on_demand(inputs: &Inputs, demand: &DemandSet) -> f64 {
    let cat = &inputs.catalog;
    let mut total = 0.0;
    for (s, p) in demand.gpus.iter().zip(&demand.probs) {
        for (wi, w) in inputs.workloads.iter().enumerate() {
            let Some(o) = current_offering(cat, w) else {
                continue;
            };
            let per_gpu = o.on_demand_hourly / f64::from(o.gpus);
            total += p * s[wi]
                .iter()
                .zip(&demand.weights)
                .map(|(g, h)| g * h * per_gpu)
                .sum::<f64>();
        }
    }
    total
}
