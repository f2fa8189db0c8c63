//! On-demand capacity limits: on a capacity-limited offering, a column `q` for load left
//! unserved (penalised at the problem's `unserved_penalty` times on-demand) and a row keeping
//! the load that runs on-demand within the limit.

use super::builder::ModelBuilder;
use crate::model::problem::POffering;
use good_lp::{variable, Expression};

/// Adds the unserved column of a capacity-limited offering with its penalty (`penalty`
/// times on-demand) over the bucket's `hours` (beyond the on-demand price already charged
/// for all load).
pub(super) fn add_unserved(
    m: &mut ModelBuilder,
    po: &POffering,
    hours: f64,
    penalty: f64,
    cost: &mut Expression,
) -> Option<usize> {
    po.capacity.map(|_| {
        let q = m.continuous(variable().min(0.0));
        cost.add_mul(hours * po.on_demand * (penalty - 1.0), m.var(q));
        q
    })
}

/// Adds the row `load − covered ≤ capacity` of a capacity-limited offering; returns it.
pub(super) fn add_capacity_row(
    m: &mut ModelBuilder,
    po: &POffering,
    load: &Expression,
    covered: &Expression,
) -> Option<usize> {
    po.capacity
        .map(|cap| m.add_row((load.clone() - covered.clone()).leq(cap)))
}
