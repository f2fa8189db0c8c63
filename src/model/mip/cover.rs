//! On-demand and the cover row: the on-demand column `z = load − covered` is eliminated, so
//! each cell charges on-demand for all its load and credits it back for every instance
//! covered otherwise (commitments, spot), with `covered ≤ load`.

use super::builder::ModelBuilder;
use crate::model::problem::POffering;
use good_lp::Expression;

/// Charges the cell's whole load at on-demand over the bucket's `hours`.
pub(super) fn add_on_demand_cost(
    po: &POffering,
    hours: f64,
    load: &Expression,
    cost: &mut Expression,
) {
    cost.add_mul(hours * po.on_demand, load.clone());
}

/// The cell's covered load: the sum of its cover columns (`unserved` included); every column
/// but `unserved` is credited back its on-demand cost.
pub(super) fn covered_load(
    m: &ModelBuilder,
    po: &POffering,
    hours: f64,
    cover_columns: &[usize],
    unserved: Option<usize>,
    cost: &mut Expression,
) -> Expression {
    let mut covered = Expression::from(0.0);
    for &col in cover_columns.iter().chain(unserved.iter()) {
        covered.add_mul(1.0, m.var(col));
        if Some(col) != unserved {
            cost.add_mul(-hours * po.on_demand, m.var(col));
        }
    }
    covered
}

/// Adds the row `covered ≤ load`; returns it (its dual prices one more instance of load).
pub(super) fn add_cover_row(m: &mut ModelBuilder, covered: Expression, load: Expression) -> usize {
    m.add_row(covered.leq(load))
}
