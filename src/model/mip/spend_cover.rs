//! Spend-commitment cover: in each dispatch cell, one column `v[k]` per spend offer owned or
//! purchasable that covers the offering; per (offer, bucket), one budget row: the discounted
//! USD billed against the commitment is at most the owned plus the bought USD per hour.

use super::builder::ModelBuilder;
use super::purchases::Purchases;
use crate::model::problem::{POffering, Problem};
use good_lp::{variable, Expression};

/// The budget rows of one scenario, collected cell by cell: `used[k][b]` is the USD billed
/// against offer `k` in bucket `b` (`None` while no cell uses it).
pub(super) struct SpendBudgets {
    used: Vec<Vec<Option<Expression>>>,
}

impl SpendBudgets {
    /// No spend used yet, for every offer and bucket.
    pub fn new(p: &Problem) -> Self {
        let nb = p.demand.weights.len();
        SpendBudgets {
            used: p.offers.iter().map(|_| vec![None; nb]).collect(),
        }
    }

    /// Adds one budget row per (offer, bucket) that some cell uses, offer by offer.
    pub fn add_budget_rows(self, p: &Problem, m: &mut ModelBuilder, purchases: &Purchases) {
        for (k, rows) in self.used.into_iter().enumerate() {
            for (b, row) in rows.into_iter().enumerate() {
                let Some(row) = row else {
                    continue;
                };
                let mut budget = Expression::from(p.offers[k].owned[b]);
                if let Some(col) = purchases.columns[k] {
                    budget.add_mul(purchases.step[k], m.var(col));
                }
                m.add_row(row.leq(budget));
            }
        }
    }
}

/// Adds the cell's spend-cover columns (offering `po`, bucket `b`) and bills them to their
/// budgets; returns `(offer, column)` pairs.
pub(super) fn add_spend_cover(
    p: &Problem,
    m: &mut ModelBuilder,
    po: &POffering,
    b: usize,
    purchases: &Purchases,
    budgets: &mut SpendBudgets,
) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for &(k, billed_per_instance) in &po.spend_offers {
        if purchases.columns[k].is_none() && p.offers[k].owned[b] <= 0.0 {
            continue;
        }
        let col = m.continuous(variable().min(0.0));
        budgets.used[k][b]
            .get_or_insert_with(|| Expression::from(0.0))
            .add_mul(billed_per_instance, m.var(col));
        v.push((k, col));
    }
    v
}
