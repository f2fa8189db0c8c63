//! The money guard between the evaluator and the writers: every amount of an evaluation
//! must be a finite number of dollars that [`Usd`] represents. Inputs inside their
//! plausibility bounds (`domain::bounds`) keep each workload far below the limit; this
//! catches the sum of many workloads at their bounds, and any NaN a bug could make, before
//! a plan or a table is written.

use super::Evaluation;
use crate::domain::money::{MoneyOverflow, Usd};

/// Checks every money amount of an evaluation: the total and its parts, the baseline, each
/// workload's cost and each commitment's cost. The first amount out of range is the error.
pub fn check_evaluation_amounts(e: &Evaluation) -> Result<(), MoneyOverflow> {
    let totals = [
        e.total,
        e.commitment_cost,
        e.spot_cost,
        e.on_demand_cost,
        e.unserved_cost,
        e.hidden_cost,
        e.on_demand_equivalent,
        e.baseline_all_on_demand,
    ];
    let workloads = e.workloads.iter().flat_map(|w| {
        [
            w.cost,
            w.hidden_cost,
            w.baseline_on_demand,
            w.baseline_hidden,
        ]
    });
    let commitments = e
        .commitments
        .iter()
        .flat_map(|c| [c.cost(), c.on_demand_value, c.unused_cost()]);
    for v in totals.into_iter().chain(workloads).chain(commitments) {
        Usd::checked(v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::evaluate::WorkloadEval;

    #[test]
    fn an_amount_beyond_the_money_limit_is_an_error() {
        let mut e = Evaluation {
            total: 1234.5,
            ..Evaluation::default()
        };
        assert_eq!(check_evaluation_amounts(&e), Ok(()));
        e.workloads.push(WorkloadEval {
            cost: 2e16,
            ..WorkloadEval::default()
        });
        assert_eq!(
            check_evaluation_amounts(&e),
            Err(MoneyOverflow { amount: 2e16 })
        );
        e.workloads.clear();
        e.spot_cost = f64::NAN;
        assert!(check_evaluation_amounts(&e).is_err());
    }
}
