//! Commitment purchases (first stage): one integer column per purchasable offer (instances
//! for unit offers, cents per hour for spend offers), their cost over the represented hours,
//! and the scenario's caps on the hourly cost of new commitments and on upfront payments.

use super::builder::ModelBuilder;
use super::SPEND_STEP;
use crate::domain::CommitmentKind;
use crate::model::problem::Problem;
use good_lp::{variable, Expression};

/// The purchase columns of the offers in play.
pub(super) struct Purchases {
    /// Purchase column per offer (None when not purchasable).
    pub columns: Vec<Option<usize>>,
    /// Amount (instances or USD/h) per unit of each purchase column.
    pub step: Vec<f64>,
}

/// Adds one purchase column per purchasable offer, bounded by its largest useful purchase.
pub(super) fn add_purchase_columns(p: &Problem, m: &mut ModelBuilder) -> Purchases {
    let mut columns = Vec::new();
    for k in &p.offers {
        columns.push(k.purchasable.then(|| {
            let max = match k.kind {
                CommitmentKind::Unit => k.max_useful,
                // Spend commitments are bought in whole cents per hour: the column counts
                // cents (see `SPEND_STEP`), so the plan is exactly what procurement buys.
                CommitmentKind::Spend => (k.max_useful / SPEND_STEP).ceil(),
            };
            if m.relaxed {
                m.continuous(variable().min(0.0).max(max))
            } else {
                m.integer(variable().integer().min(0.0).max(max))
            }
        }));
    }
    // Amount per unit of a purchase column: one instance (unit), one cent per hour (spend).
    let step = p
        .offers
        .iter()
        .map(|k| match k.kind {
            CommitmentKind::Unit => 1.0,
            CommitmentKind::Spend => SPEND_STEP,
        })
        .collect();
    Purchases { columns, step }
}

/// First-stage cost, the same in every scenario: owned commitments plus new ones over the
/// represented hours.
pub(super) fn first_stage_cost(p: &Problem, m: &ModelBuilder, purchases: &Purchases) -> Expression {
    let h_total = p.demand.total_hours();
    let mut first = Expression::from(p.owned_cost);
    for ((k, b), st) in p.offers.iter().zip(&purchases.columns).zip(&purchases.step) {
        if let Some(b) = b {
            first.add_mul(k.rate * st * h_total, m.var(*b));
        }
    }
    first
}

/// The scenario's spending caps: hourly cost of new commitments, then upfront payments.
pub(super) fn add_spending_caps(p: &Problem, m: &mut ModelBuilder, purchases: &Purchases) {
    if let Some(cap) = p.max_committed_hourly {
        let mut hourly_new = Expression::from(0.0);
        for ((k, b), st) in p.offers.iter().zip(&purchases.columns).zip(&purchases.step) {
            if let Some(b) = b {
                hourly_new.add_mul(k.rate * st, m.var(*b));
            }
        }
        m.add_row(hourly_new.leq(cap));
    }
    if let Some(cap) = p.max_upfront {
        let mut up = Expression::from(0.0);
        for ((k, b), st) in p.offers.iter().zip(&purchases.columns).zip(&purchases.step) {
            if let (Some(b), Some(u)) = (b, k.upfront_per_unit) {
                up.add_mul(u * st, m.var(*b));
            }
        }
        m.add_row(up.leq(cap));
    }
}
