//! The commitment offers in play: purchasable ones (allowed, matching an offering in play,
//! not dominated) and owned ones, with their rate, owned quantity per bucket and largest
//! useful purchase; and the cost of owned commitments, paid whether used or not.

use super::{owned_active, DemandSet, POffer, POffering};
use crate::domain::{CommitmentKind, CommitmentOffer};
use crate::ingest::inputs::Inputs;

/// Catalog offers that match an offering in play and are allowed or owned.
pub(super) fn candidate_offers(inputs: &Inputs, offerings: &[POffering]) -> Vec<usize> {
    let cat = &inputs.catalog;
    let owned_ids: Vec<&str> = inputs.owned.iter().map(|c| c.offer_id.as_str()).collect();
    (0..cat.offers.len())
        .filter(|&ki| {
            let k = &cat.offers[ki];
            offerings
                .iter()
                .any(|po| k.matches(&cat.offerings[po.catalog]))
                && (inputs.scenario.instruments.allows(k) || owned_ids.contains(&k.id.as_str()))
        })
        .collect()
}

/// The offers in play, in candidate order: purchasable or owned in some bucket. Attaches
/// each to the offerings it covers and returns the owned cost over the represented hours.
pub(super) fn offers_in_play(
    inputs: &Inputs,
    demand: &DemandSet,
    offerings: &mut [POffering],
    candidates: &[usize],
    purchasable: &[usize],
    peak: &[f64],
) -> (Vec<POffer>, f64) {
    let cat = &inputs.catalog;
    let mut offers: Vec<POffer> = Vec::new();
    let mut owned_cost = 0.0;
    for &ki in candidates {
        let k = &cat.offers[ki];
        let is_purchasable = purchasable.contains(&ki);
        let owned = owned_per_bucket(inputs, demand, k);
        if !is_purchasable && owned.iter().all(|&q| q == 0.0) {
            continue;
        }
        let terms = attach_offer(inputs, offerings, k, offers.len(), peak);
        owned_cost += owned
            .iter()
            .zip(&demand.weights)
            .map(|(q, h)| q * terms.rate * h)
            .sum::<f64>();
        offers.push(POffer {
            catalog: ki,
            kind: k.kind,
            purchasable: is_purchasable,
            rate: terms.rate,
            unit_offering: terms.unit_offering,
            owned,
            max_useful: terms.max_useful,
            upfront_per_unit: Some(k.upfront_fraction * terms.rate * k.term_hours()),
        });
    }
    (offers, owned_cost)
}

/// Owned quantity of offer `k` (instances or USD/h) active in each bucket.
fn owned_per_bucket(inputs: &Inputs, demand: &DemandSet, k: &CommitmentOffer) -> Vec<f64> {
    demand
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
        .collect()
}

/// How an offer in play is priced and bounded.
struct OfferTerms {
    /// USD per hour of one unit.
    rate: f64,
    /// For unit offers: the offering in play it covers.
    unit_offering: Option<usize>,
    /// Largest useful purchase (instances or USD/h).
    max_useful: f64,
}

/// Attaches offer `k` (index `idx` among the offers in play) to the offerings it covers: a
/// unit offer to the first offering it matches, a spend offer to every offering it discounts
/// (with the rate billed per instance-hour). Its largest useful purchase is the peak load it
/// could cover.
fn attach_offer(
    inputs: &Inputs,
    offerings: &mut [POffering],
    k: &CommitmentOffer,
    idx: usize,
    peak: &[f64],
) -> OfferTerms {
    let cat = &inputs.catalog;
    match k.kind {
        CommitmentKind::Unit => {
            let p = offerings
                .iter()
                .position(|po| k.matches(&cat.offerings[po.catalog]))
                .unwrap_or(0);
            let d = k
                .discount_for(&cat.offerings[offerings[p].catalog])
                .unwrap_or(0.0);
            offerings[p].unit_offers.push(idx);
            OfferTerms {
                rate: offerings[p].on_demand * (1.0 - d / 100.0),
                unit_offering: Some(p),
                max_useful: peak[p].ceil(),
            }
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
            OfferTerms {
                rate: 1.0,
                unit_offering: None,
                max_useful: max_spend,
            }
        }
    }
}

/// Adds to `owned_cost` the cost of owned commitments whose offer is not in play (no
/// compatible workload): they are paid all the same.
pub(super) fn add_owned_cost_outside_play(
    inputs: &Inputs,
    demand: &DemandSet,
    offers: &[POffer],
    mut owned_cost: f64,
) -> f64 {
    let cat = &inputs.catalog;
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
    owned_cost
}
