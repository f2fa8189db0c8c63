//! Spot: in each dispatch cell with spotable load, one column `x` for the load on spot, at
//! most the spotable load, priced at the spot price with its interruption overhead.

use super::builder::ModelBuilder;
use crate::model::problem::POffering;
use good_lp::{variable, Expression};

/// Adds the spot column, its row `x ≤ spotable load` and its cost over the bucket's `hours`;
/// returns `(column, row)`.
pub(super) fn add_spot(
    m: &mut ModelBuilder,
    po: &POffering,
    hours: f64,
    spotable: &Expression,
    cost: &mut Expression,
) -> (usize, usize) {
    let x = m.continuous(variable().min(0.0));
    let row = m.add_row(Expression::from(m.var(x)).leq(spotable.clone()));
    if let Some(sp) = po.spot {
        cost.add_mul(hours * sp, m.var(x));
    }
    (x, row)
}
