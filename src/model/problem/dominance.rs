//! What can be left out because something else is at least as good: commitment offers
//! another offer beats on every offering in play, and offerings another offering beats for
//! every workload and instrument.

use super::POffering;
use crate::domain::{
    adders_per_gpu_hour, instances_per_gpu, CommitmentKind, CommitmentOffer, Offering,
};
use crate::ingest::inputs::Inputs;

/// Splits the allowed candidate offers into purchasable ones and dominated ones (returned
/// as catalog ids). An offer is dominated by another allowed offer of the same kind and
/// cloud that discounts every offering in play at least as deeply (strictly on one, or listed
/// first); with an upfront cap nothing is pruned (upfront payments differ).
pub(super) fn prune_dominated_offers(
    inputs: &Inputs,
    offerings: &[POffering],
    candidates: &[usize],
) -> (Vec<usize>, Vec<String>) {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    // Commitment cost is charged per represented hour at the effective rate, so when the
    // planned window is no longer than any term, a longer term with a deeper discount
    // dominates a shorter one in the objective (its liability after the window is
    // reported, not optimised).
    let window_hours = inputs.window.hours() as f64;
    let terms_comparable = cat.offers.iter().all(|k| k.term_hours() >= window_hours);
    let mut pruned = Vec::new();
    let mut purchasable: Vec<usize> = Vec::new();
    for &ki in candidates {
        let k = &cat.offers[ki];
        if !sc.instruments.allows(k) {
            continue;
        }
        let dominated = sc.max_upfront.is_none()
            && candidates
                .iter()
                .any(|&kj| offer_dominates(inputs, offerings, kj, ki, terms_comparable));
        if dominated {
            pruned.push(k.id.clone());
        } else {
            purchasable.push(ki);
        }
    }
    (purchasable, pruned)
}

/// Whether catalog offer `kj` dominates offer `ki` on the offerings in play.
fn offer_dominates(
    inputs: &Inputs,
    offerings: &[POffering],
    kj: usize,
    ki: usize,
    terms_comparable: bool,
) -> bool {
    let cat = &inputs.catalog;
    let (k, j) = (&cat.offers[ki], &cat.offers[kj]);
    if kj == ki
        || !inputs.scenario.instruments.allows(j)
        || j.kind != k.kind
        || j.cloud != k.cloud
        || (j.term_months != k.term_months && !terms_comparable)
    {
        return false;
    }
    let mut strictly = false;
    for po in offerings {
        let o = &cat.offerings[po.catalog];
        match (k.discount_for(o), j.discount_for(o)) {
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
}

/// Removes offerings that another offering beats for every workload that could use them and
/// for every instrument, in a way that moving all their load over can never cost more:
/// per unit of each workload's throughput, on-demand, spot (for spot-eligible workloads),
/// storage/egress adders and every allowed commitment offer (unit and spend) are at least as
/// cheap; the better offering is compatible with all those workloads and has no capacity
/// limit; a unit commitment on it comes in a whole fraction of the other's size (so whole
/// units map to whole units); and no owned commitment applies to the dropped offering.
/// Identical offerings keep the first. Returns the catalog keys of the dropped offerings.
pub(super) fn drop_dominated_offerings(inputs: &Inputs, comps: &mut [Vec<usize>]) -> Vec<String> {
    let cat = &inputs.catalog;
    let n = cat.offerings.len();
    let dominance = OfferingDominance::new(inputs, comps);
    let mut dropped = vec![false; n];
    for b in 0..n {
        for a in 0..n {
            if a == b || dropped[a] {
                continue;
            }
            // Mutual domination (identical offerings): keep the first.
            if dominance.beats(a, b) && (a < b || !dominance.beats(b, a)) {
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

/// Tolerance of the price comparisons.
const EPS: f64 = 1e-12;

/// What deciding whether one offering dominates another needs.
struct OfferingDominance<'a> {
    inputs: &'a Inputs,
    /// Per workload, its compatible catalog offerings.
    comps: &'a [Vec<usize>],
    /// Per catalog offering, the workloads compatible with it.
    users: Vec<Vec<usize>>,
    /// The commitment offers the scenario allows.
    allowed_offers: Vec<&'a CommitmentOffer>,
}

/// An offering's prices per instance-hour that decide dominance.
struct InstrumentPrices {
    /// Spot with the interruption overhead, when spot is available and allowed.
    spot: Option<f64>,
    /// Discounted rate of each allowed unit offer on the offering.
    unit: Vec<f64>,
}

impl<'a> OfferingDominance<'a> {
    fn new(inputs: &'a Inputs, comps: &'a [Vec<usize>]) -> Self {
        let cat = &inputs.catalog;
        let users = (0..cat.offerings.len())
            .map(|oi| {
                (0..comps.len())
                    .filter(|&w| comps[w].contains(&oi))
                    .collect()
            })
            .collect();
        let allowed_offers = cat
            .offers
            .iter()
            .filter(|k| inputs.scenario.instruments.allows(k))
            .collect();
        OfferingDominance {
            inputs,
            comps,
            users,
            allowed_offers,
        }
    }

    /// Does catalog offering `a` dominate catalog offering `b`?
    fn beats(&self, a: usize, b: usize) -> bool {
        let cat = &self.inputs.catalog;
        let (oa, ob) = (&cat.offerings[a], &cat.offerings[b]);
        if self.users[b].is_empty() || oa.capacity_limit.is_some() || self.owned_on(ob) {
            return false;
        }
        let (prices_a, prices_b) = (self.prices(oa), self.prices(ob));
        self.users[b].iter().all(|&wi| {
            self.comps[wi].contains(&a)
                && self.cheaper_for_workload(wi, (oa, &prices_a), (ob, &prices_b))
        })
    }

    /// Whether an owned commitment applies to `o`.
    fn owned_on(&self, o: &Offering) -> bool {
        let cat = &self.inputs.catalog;
        self.inputs
            .owned
            .iter()
            .any(|c| cat.offer(&c.offer_id).is_some_and(|k| k.matches(o)))
    }

    fn prices(&self, o: &Offering) -> InstrumentPrices {
        InstrumentPrices {
            spot: if self.inputs.scenario.instruments.spot {
                o.effective_spot_hourly()
            } else {
                None
            },
            unit: self
                .allowed_offers
                .iter()
                .filter(|k| k.kind == CommitmentKind::Unit)
                .filter_map(|k| commitment_rate(k, o))
                .collect(),
        }
    }

    /// Whether workload `wi` costs no more on `a` than on `b` with every instrument, per unit
    /// of its throughput (and whole unit commitments on `b` map to whole ones on `a`).
    fn cheaper_for_workload(
        &self,
        wi: usize,
        (oa, prices_a): (&Offering, &InstrumentPrices),
        (ob, prices_b): (&Offering, &InstrumentPrices),
    ) -> bool {
        let cat = &self.inputs.catalog;
        let w = &self.inputs.workloads[wi];
        let (ia, ib) = (instances_per_gpu(cat, w, oa), instances_per_gpu(cat, w, ob));
        if oa.on_demand_hourly * ia > ob.on_demand_hourly * ib + EPS
            || adders_per_gpu_hour(w, oa) > adders_per_gpu_hour(w, ob) + EPS
        {
            return false;
        }
        if w.max_spot_share > 0.0 {
            if let Some(sb) = prices_b.spot {
                match prices_a.spot {
                    Some(sa) if sa * ia <= sb * ib + EPS => {}
                    _ => return false,
                }
            }
        }
        if !prices_b.unit.is_empty() {
            // Whole units of b must map to whole units of a.
            let ratio = ia / ib;
            if (ratio - ratio.round()).abs() > 1e-9 || ratio < 1.0 - 1e-9 {
                return false;
            }
            let best_a = prices_a.unit.iter().copied().fold(f64::INFINITY, f64::min);
            let best_b = prices_b.unit.iter().copied().fold(f64::INFINITY, f64::min);
            if best_a * ia > best_b * ib + EPS {
                return false;
            }
        }
        self.allowed_offers
            .iter()
            .filter(|k| k.kind == CommitmentKind::Spend)
            .all(|k| match commitment_rate(k, ob) {
                Some(rb) => commitment_rate(k, oa).is_some_and(|ra| ra * ia <= rb * ib + EPS),
                None => true,
            })
    }
}

/// USD per instance-hour of offering `o` under commitment offer `k`, if `k` covers `o`.
fn commitment_rate(k: &CommitmentOffer, o: &Offering) -> Option<f64> {
    k.discount_for(o)
        .map(|d| o.on_demand_hourly * (1.0 - d / 100.0))
}
