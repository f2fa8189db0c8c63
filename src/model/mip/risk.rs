//! Risk: the expected cost over the scenarios and the CVaR of the cost at level α
//! (Rockafellar–Uryasev: `η + Σ_s p_s ξ_s / (1 − α)` with `ξ_s ≥ cost_s − η − offset_s`),
//! with the scenario's optional CVaR budget.

use super::builder::ModelBuilder;
use crate::model::problem::Problem;
use good_lp::{variable, Expression};

/// The risk terms of the objective.
pub(super) struct RiskTerms {
    /// Expected cost, over the cost columns.
    pub expected: Expression,
    /// CVaR of the cost (less the per-scenario offsets).
    pub cvar: Expression,
    /// Cost column per scenario.
    pub cost_columns: Vec<usize>,
}

/// Adds one cost column per scenario tied to its cost by an equality row, the CVaR columns
/// and rows, and the CVaR budget row when the scenario sets one.
pub(super) fn add_cvar(
    p: &Problem,
    m: &mut ModelBuilder,
    scenario_costs: Vec<Expression>,
) -> RiskTerms {
    let mut expected = Expression::from(0.0);
    let mut cost_columns = Vec::new();
    for (s, e) in scenario_costs.into_iter().enumerate() {
        let cs = m.continuous(variable());
        m.add_row(Expression::from(m.var(cs)).eq(e));
        expected.add_mul(p.demand.probs[s], m.var(cs));
        cost_columns.push(cs);
    }
    let eta = m.continuous(variable());
    let mut cvar = Expression::from(m.var(eta));
    for (s, &cs) in cost_columns.iter().enumerate() {
        let xi = m.continuous(variable().min(0.0));
        let offset = p.cvar_offsets.get(s).copied().unwrap_or(0.0);
        m.add_row(
            Expression::from(m.var(xi)).geq(Expression::from(m.var(cs)) - m.var(eta) - offset),
        );
        cvar.add_mul(p.demand.probs[s] / (1.0 - p.cvar_alpha), m.var(xi));
    }
    if let Some(budget) = p.max_cvar {
        m.add_row(cvar.clone().leq(budget));
    }
    RiskTerms {
        expected,
        cvar,
        cost_columns,
    }
}
