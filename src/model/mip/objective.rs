//! The objective: `(1−λ)·E[cost] + λ·CVaR_α[cost]`. Without a CVaR term (no risk weight, no
//! CVaR budget) the expected cost goes straight into the objective: a cost column tied by a
//! dense equality row would slow the LP down several-fold.

use super::builder::ModelBuilder;
use super::risk::add_cvar;
use crate::model::problem::Problem;
use good_lp::Expression;

/// The objective over the scenarios' costs, with the cost column per scenario (empty without
/// a CVaR term).
pub(super) fn objective(
    p: &Problem,
    m: &mut ModelBuilder,
    scenario_costs: Vec<Expression>,
) -> (Expression, Vec<usize>) {
    let needs_cvar = p.risk_weight > 0.0 || p.max_cvar.is_some();
    if needs_cvar {
        let risk = add_cvar(p, m, scenario_costs);
        let mut obj = Expression::from(0.0);
        obj.add_mul(1.0 - p.risk_weight, risk.expected);
        obj.add_mul(p.risk_weight, risk.cvar);
        (obj, risk.cost_columns)
    } else {
        let mut expected = Expression::from(0.0);
        for (s, e) in scenario_costs.into_iter().enumerate() {
            expected.add_mul(p.demand.probs[s], e);
        }
        (expected, Vec::new())
    }
}
