//! The planning problem as plain numbers, built from the inputs: the compatible tiers of each
//! workload with their demand conversion, the offerings in play, the commitment offers in
//! play (dominated ones pruned) and owned capacity per time bucket. No solver types here.

use crate::domain::{
    adders_per_gpu_hour, current_offering, instances_per_gpu, CommitmentKind, CommitmentOffer,
    HourWindow, Offering, OwnedCommitment,
};
use crate::ingest::inputs::{compatible, Inputs};
use chrono::{DateTime, Utc};

/// Penalty on unserved load (above an on-demand capacity limit) in the MIP, as a multiple of
/// the on-demand price. Any unserved load in a solution makes the plan `infeasible`.
pub const MIP_UNSERVED_PENALTY: f64 = 100.0;

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
}

impl DemandSet {
    /// One bucket per unmasked hour of the planning window, one scenario: the history
    /// replayed at full resolution.
    pub fn full_resolution(inputs: &Inputs) -> Self {
        let wd = inputs.window_demand();
        Self::from_hours(&wd.gpus, inputs.window, &inputs.keep)
    }

    /// One bucket per kept hour of `window`, from `gpus[w][hour]`.
    pub fn from_hours(gpus: &[Vec<f64>], window: HourWindow, keep: &[bool]) -> Self {
        let kept: Vec<usize> = (0..window.hours()).filter(|&i| keep[i]).collect();
        DemandSet {
            weights: vec![1.0; kept.len()],
            hours: kept.iter().map(|&i| vec![window.hour(i)]).collect(),
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
}

/// An offering in play.
#[derive(Debug, Clone, PartialEq)]
pub struct POffering {
    /// Index into the catalog's offerings.
    pub catalog: usize,
    /// On-demand USD per instance-hour.
    pub on_demand: f64,
    /// Spot USD per instance-hour with the interruption overhead; `None` when spot is not
    /// available or not allowed.
    pub spot: Option<f64>,
    /// On-demand capacity limit, instances.
    pub capacity: Option<f64>,
    /// Unit offers (indices into [`Problem::offers`]) on this offering.
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

/// Why a problem cannot be solved, found before solving.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasibility {
    /// The constraint group that cannot hold.
    pub group: String,
    /// Human explanation naming the workload/offering.
    pub message: String,
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
}

fn owned_active(c: &OwnedCommitment, hours: &[DateTime<Utc>]) -> bool {
    hours.first().is_some_and(|&t| t >= c.start && t < c.end)
}

impl Problem {
    /// Builds the problem. Returns an [`Infeasibility`] when a workload has no compatible
    /// offering.
    pub fn build(inputs: &Inputs, demand: DemandSet) -> Result<Problem, Infeasibility> {
        let cat = &inputs.catalog;
        let sc = &inputs.scenario;
        // Offerings compatible with at least one workload.
        let mut used: Vec<usize> = Vec::new();
        let mut workloads = Vec::new();
        let mut comps: Vec<Vec<usize>> = inputs
            .workloads
            .iter()
            .map(|w| {
                (0..cat.offerings.len())
                    .filter(|&oi| compatible(w, &cat.offerings[oi], cat, sc))
                    .collect()
            })
            .collect();
        let dominated_offerings = drop_dominated_offerings(inputs, &mut comps);
        for (wi, w) in inputs.workloads.iter().enumerate() {
            let comp = std::mem::take(&mut comps[wi]);
            if comp.is_empty() {
                return Err(Infeasibility {
                    group: "tier".into(),
                    message: format!(
                        "workload {} has no compatible offering: none meets min_gpu_memory_gb {}, gpus_per_replica {} and the allowed clouds/regions",
                        w.name, w.min_gpu_memory_gb, w.gpus_per_replica
                    ),
                });
            }
            let mut options = Vec::new();
            for oi in comp {
                let o = &cat.offerings[oi];
                let pos = match used.iter().position(|&u| u == oi) {
                    Some(p) => p,
                    None => {
                        used.push(oi);
                        used.len() - 1
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
                spot_share: if sc.instruments.spot {
                    w.max_spot_share
                } else {
                    0.0
                },
            });
        }
        let mut offerings: Vec<POffering> = used
            .iter()
            .map(|&oi| {
                let o = &cat.offerings[oi];
                POffering {
                    catalog: oi,
                    on_demand: o.on_demand_hourly,
                    spot: if sc.instruments.spot {
                        o.effective_spot_hourly()
                    } else {
                        None
                    },
                    capacity: o.capacity_limit,
                    unit_offers: Vec::new(),
                    spend_offers: Vec::new(),
                }
            })
            .collect();
        // Peak load (instances) per offering if every compatible workload ran there.
        let nb = demand.weights.len();
        let mut peak = vec![0.0f64; offerings.len()];
        for s in &demand.gpus {
            for b in 0..nb {
                let mut load = vec![0.0; offerings.len()];
                for pw in &workloads {
                    let g = s.get(pw.input).map_or(0.0, |row| row[b]);
                    for op in &pw.options {
                        load[op.offering] += g * op.instances_per_gpu;
                    }
                }
                for (p, l) in peak.iter_mut().zip(load) {
                    *p = p.max(l);
                }
            }
        }

        // Commitment offers: purchasable (allowed, matching an offering in play, not
        // dominated) or owned.
        let owned_ids: Vec<&str> = inputs.owned.iter().map(|c| c.offer_id.as_str()).collect();
        let candidates: Vec<usize> = (0..cat.offers.len())
            .filter(|&ki| {
                let k = &cat.offers[ki];
                offerings
                    .iter()
                    .any(|po| k.matches(&cat.offerings[po.catalog]))
                    && (sc.instruments.allows(k) || owned_ids.contains(&k.id.as_str()))
            })
            .collect();
        let disc =
            |ki: usize, po: &POffering| cat.offers[ki].discount_for(&cat.offerings[po.catalog]);
        // Commitment cost is charged per represented hour at the effective rate, so when the
        // planned window is no longer than any term, a longer term with a deeper discount
        // dominates a shorter one in the objective (its liability after the window is
        // reported, not optimised).
        let window_hours = inputs.window.hours() as f64;
        let terms_comparable = cat.offers.iter().all(|k| k.term_hours() >= window_hours);
        let mut pruned = Vec::new();
        let mut purchasable: Vec<usize> = Vec::new();
        for &ki in &candidates {
            let k = &cat.offers[ki];
            if !sc.instruments.allows(k) {
                continue;
            }
            let dominated = sc.max_upfront.is_none()
                && candidates.iter().any(|&kj| {
                    let j = &cat.offers[kj];
                    if kj == ki
                        || !sc.instruments.allows(j)
                        || j.kind != k.kind
                        || j.cloud != k.cloud
                        || (j.term_months != k.term_months && !terms_comparable)
                    {
                        return false;
                    }
                    let mut strictly = false;
                    for po in &offerings {
                        match (disc(ki, po), disc(kj, po)) {
                            (Some(a), Some(b)) => {
                                if b < a {
                                    return false;
                                }
                                if b > a {
                                    strictly = true;
                                }
                            }
                            (Some(_), None) => return false,
                            (None, Some(_)) => strictly = true,
                            (None, None) => {}
                        }
                    }
                    // Equal offers: keep the one listed first.
                    strictly || kj < ki
                });
            if dominated {
                pruned.push(k.id.clone());
            } else {
                purchasable.push(ki);
            }
        }
        let h_total = demand.total_hours();
        let mut offers: Vec<POffer> = Vec::new();
        let mut owned_cost = 0.0;
        for &ki in &candidates {
            let k = &cat.offers[ki];
            let is_p = purchasable.contains(&ki);
            let owned: Vec<f64> = demand
                .hours
                .iter()
                .map(|hs| {
                    inputs
                        .owned
                        .iter()
                        .filter(|c| c.offer_id == k.id && owned_active(c, hs))
                        .map(|c| c.quantity_or_hourly)
                        .sum()
                })
                .collect();
            if !is_p && owned.iter().all(|&q| q == 0.0) {
                continue;
            }
            let idx = offers.len();
            let (rate, unit_offering, max_useful) = match k.kind {
                CommitmentKind::Unit => {
                    let p = offerings
                        .iter()
                        .position(|po| k.matches(&cat.offerings[po.catalog]))
                        .unwrap_or(0);
                    let d = disc(ki, &offerings[p]).unwrap_or(0.0);
                    offerings[p].unit_offers.push(idx);
                    (
                        offerings[p].on_demand * (1.0 - d / 100.0),
                        Some(p),
                        peak[p].ceil(),
                    )
                }
                CommitmentKind::Spend => {
                    let mut max_spend = 0.0;
                    for (p, po) in offerings.iter_mut().enumerate() {
                        if let Some(d) = k.discount_for(&cat.offerings[po.catalog]) {
                            let a = po.on_demand * (1.0 - d / 100.0);
                            po.spend_offers.push((idx, a));
                            max_spend += a * peak[p];
                        }
                    }
                    (1.0, None, max_spend)
                }
            };
            owned_cost += owned
                .iter()
                .zip(&demand.weights)
                .map(|(q, h)| q * rate * h)
                .sum::<f64>();
            offers.push(POffer {
                catalog: ki,
                kind: k.kind,
                purchasable: is_p,
                rate,
                unit_offering,
                owned,
                max_useful,
                upfront_per_unit: Some(k.upfront_fraction * rate * k.term_hours()),
            });
        }
        // Owned commitments whose offer is not in play (no compatible workload) still cost.
        for c in &inputs.owned {
            let Some(ki) = cat.offers.iter().position(|k| k.id == c.offer_id) else {
                continue;
            };
            if offers.iter().any(|p| p.catalog == ki) {
                continue;
            }
            let k = &cat.offers[ki];
            let rate = crate::domain::commitment_unit_rate(cat, k);
            owned_cost += demand
                .hours
                .iter()
                .zip(&demand.weights)
                .filter(|(hs, _)| owned_active(c, hs))
                .map(|(_, h)| c.quantity_or_hourly * rate * h)
                .sum::<f64>();
        }
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

/// Removes offerings that another offering beats for every workload that could use them and
/// for every instrument, in a way that moving all their load over can never cost more:
/// per unit of each workload's throughput, on-demand, spot (for spot-eligible workloads),
/// storage/egress adders and every allowed commitment offer (unit and spend) are at least as
/// cheap; the better offering is compatible with all those workloads and has no capacity
/// limit; a unit commitment on it comes in a whole fraction of the other's size (so whole
/// units map to whole units); and no owned commitment applies to the dropped offering.
/// Identical offerings keep the first. Returns the catalog keys of the dropped offerings.
fn drop_dominated_offerings(inputs: &Inputs, comps: &mut [Vec<usize>]) -> Vec<String> {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    let n = cat.offerings.len();
    let offers: Vec<&CommitmentOffer> = cat
        .offers
        .iter()
        .filter(|k| sc.instruments.allows(k))
        .collect();
    let owned_on = |o: &Offering| {
        inputs
            .owned
            .iter()
            .any(|c| cat.offer(&c.offer_id).is_some_and(|k| k.matches(o)))
    };
    let users: Vec<Vec<usize>> = (0..n)
        .map(|oi| {
            (0..comps.len())
                .filter(|&w| comps[w].contains(&oi))
                .collect()
        })
        .collect();
    let rate = |k: &CommitmentOffer, o: &Offering| {
        k.discount_for(o)
            .map(|d| o.on_demand_hourly * (1.0 - d / 100.0))
    };
    const EPS: f64 = 1e-12;
    let beats = |a: usize, b: usize| -> bool {
        // Does offering `a` dominate offering `b`?
        let (oa, ob) = (&cat.offerings[a], &cat.offerings[b]);
        if users[b].is_empty() || oa.capacity_limit.is_some() || owned_on(ob) {
            return false;
        }
        let spot_a = if sc.instruments.spot {
            oa.effective_spot_hourly()
        } else {
            None
        };
        let spot_b = if sc.instruments.spot {
            ob.effective_spot_hourly()
        } else {
            None
        };
        let unit_b: Vec<f64> = offers
            .iter()
            .filter(|k| k.kind == CommitmentKind::Unit)
            .filter_map(|k| rate(k, ob))
            .collect();
        let unit_a: Vec<f64> = offers
            .iter()
            .filter(|k| k.kind == CommitmentKind::Unit)
            .filter_map(|k| rate(k, oa))
            .collect();
        for &wi in &users[b] {
            if !comps[wi].contains(&a) {
                return false;
            }
            let w = &inputs.workloads[wi];
            let (ia, ib) = (instances_per_gpu(cat, w, oa), instances_per_gpu(cat, w, ob));
            if oa.on_demand_hourly * ia > ob.on_demand_hourly * ib + EPS
                || adders_per_gpu_hour(w, oa) > adders_per_gpu_hour(w, ob) + EPS
            {
                return false;
            }
            if w.max_spot_share > 0.0 {
                if let Some(sb) = spot_b {
                    match spot_a {
                        Some(sa) if sa * ia <= sb * ib + EPS => {}
                        _ => return false,
                    }
                }
            }
            if !unit_b.is_empty() {
                // Whole units of b must map to whole units of a.
                let ratio = ia / ib;
                if (ratio - ratio.round()).abs() > 1e-9 || ratio < 1.0 - 1e-9 {
                    return false;
                }
                let best_a = unit_a.iter().copied().fold(f64::INFINITY, f64::min);
                let best_b = unit_b.iter().copied().fold(f64::INFINITY, f64::min);
                if best_a * ia > best_b * ib + EPS {
                    return false;
                }
            }
            for k in offers.iter().filter(|k| k.kind == CommitmentKind::Spend) {
                if let Some(rb) = rate(k, ob) {
                    match rate(k, oa) {
                        Some(ra) if ra * ia <= rb * ib + EPS => {}
                        _ => return false,
                    }
                }
            }
        }
        true
    };
    let mut dropped = vec![false; n];
    for b in 0..n {
        for a in 0..n {
            if a == b || dropped[a] {
                continue;
            }
            // Mutual domination (identical offerings): keep the first.
            if beats(a, b) && (a < b || !beats(b, a)) {
                dropped[b] = true;
                break;
            }
        }
    }
    for comp in comps.iter_mut() {
        comp.retain(|&o| !dropped[o]);
    }
    (0..n)
        .filter(|&o| dropped[o])
        .map(|o| cat.offerings[o].key())
        .collect()
}
