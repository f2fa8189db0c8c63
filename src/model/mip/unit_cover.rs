//! Unit-commitment cover: in each dispatch cell, one column `u` for the load covered by unit
//! commitments on the offering, at most the units owned in the bucket plus those bought.

use super::builder::ModelBuilder;
use super::purchases::Purchases;
use crate::model::problem::{POffering, Problem};
use good_lp::{variable, Expression};

/// Adds the cell's unit-cover column and its row `u ≤ owned + Σ bought` when the offering
/// has owned or purchasable unit commitments in bucket `b`; returns the column.
pub(super) fn add_unit_cover(
    p: &Problem,
    m: &mut ModelBuilder,
    po: &POffering,
    b: usize,
    purchases: &Purchases,
) -> Option<usize> {
    let owned_units: f64 = po.unit_offers.iter().map(|&k| p.offers[k].owned[b]).sum();
    let bought: Vec<usize> = po
        .unit_offers
        .iter()
        .filter_map(|&k| purchases.columns[k])
        .collect();
    (owned_units > 0.0 || !bought.is_empty()).then(|| {
        let u = m.continuous(variable().min(0.0));
        let mut units = Expression::from(owned_units);
        for &col in &bought {
            units.add_mul(1.0, m.var(col));
        }
        m.add_row(Expression::from(m.var(u)).leq(units));
        u
    })
}
