//! Risk across demand scenarios: each scenario re-priced by the evaluator, then quantiles,
//! CVaR and unused-commitment dollars.

use super::{evaluate, Evaluation, Plan};
use crate::domain::{Catalog, DemandHistory};

/// A plan re-priced on every scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRisk {
    /// Per scenario evaluation.
    pub evaluations: Vec<Evaluation>,
    /// Scenario probabilities.
    pub probs: Vec<f64>,
}

/// Re-prices a plan on each scenario's hourly demand.
pub fn price_scenarios(
    plan: &Plan,
    catalog: &Catalog,
    scenarios: &[DemandHistory],
    probs: &[f64],
    keep: Option<&[bool]>,
) -> Result<ScenarioRisk, evaluate::EvalError> {
    let evaluations = scenarios
        .iter()
        .map(|d| evaluate(plan, catalog, d, keep))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScenarioRisk {
        evaluations,
        probs: probs.to_vec(),
    })
}

/// The `q`-quantile (0..1) of `values` under probabilities `probs` (lower quantile).
pub fn quantile(values: &[f64], probs: &[f64], q: f64) -> f64 {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = probs.iter().sum();
    let mut acc = 0.0;
    for &i in &idx {
        acc += probs[i] / total;
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    idx.last().map_or(f64::NAN, |&i| values[i])
}

/// CVaR at level `alpha`: the expected cost in the worst `1 − alpha` tail (Rockafellar–
/// Uryasev, with the tail atom split exactly).
pub fn cvar(values: &[f64], probs: &[f64], alpha: f64) -> f64 {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let total: f64 = probs.iter().sum();
    let tail = (1.0 - alpha).max(1e-12);
    let (mut mass, mut sum) = (0.0, 0.0);
    for &i in &idx {
        let p = probs[i] / total;
        let take = p.min(tail - mass);
        if take <= 0.0 {
            break;
        }
        sum += take * values[i];
        mass += take;
    }
    sum / mass.max(1e-12)
}

impl ScenarioRisk {
    /// Total cost per scenario.
    pub fn costs(&self) -> Vec<f64> {
        self.evaluations.iter().map(|e| e.total).collect()
    }
    /// Expected cost.
    pub fn expected(&self) -> f64 {
        let t: f64 = self.probs.iter().sum();
        self.costs()
            .iter()
            .zip(&self.probs)
            .map(|(c, p)| c * p / t)
            .sum()
    }
    /// Unused commitment dollars per scenario.
    pub fn unused(&self) -> Vec<f64> {
        self.evaluations
            .iter()
            .map(|e| e.commitments.iter().map(|c| c.unused_cost()).sum())
            .collect()
    }
    /// Commitment utilization (consumed ÷ committed dollars) per scenario; 1 without
    /// commitments.
    pub fn utilization(&self) -> Vec<f64> {
        self.evaluations
            .iter()
            .map(|e| e.commitment_utilization().unwrap_or(1.0))
            .collect()
    }
}

/// The probability-weighted mean of several evaluations of the same plan (scenario
/// re-pricings): every cost, hour count and per-workload / per-commitment figure averaged.
pub fn mean_evaluation(evals: &[Evaluation], probs: &[f64]) -> Evaluation {
    let total: f64 = probs.iter().sum();
    let w: Vec<f64> = probs.iter().map(|p| p / total).collect();
    let mut m = evals.first().cloned().unwrap_or_default();
    let avg = |f: &dyn Fn(&Evaluation) -> f64| -> f64 {
        evals.iter().zip(&w).map(|(e, p)| f(e) * p).sum()
    };
    m.total = avg(&|e| e.total);
    m.commitment_cost = avg(&|e| e.commitment_cost);
    m.spot_cost = avg(&|e| e.spot_cost);
    m.on_demand_cost = avg(&|e| e.on_demand_cost);
    m.unserved_cost = avg(&|e| e.unserved_cost);
    m.hidden_cost = avg(&|e| e.hidden_cost);
    m.on_demand_equivalent = avg(&|e| e.on_demand_equivalent);
    m.baseline_all_on_demand = avg(&|e| e.baseline_all_on_demand);
    for k in 0..4 {
        m.instance_hours[k] = avg(&|e| e.instance_hours[k]);
    }
    for (i, we) in m.workloads.iter_mut().enumerate() {
        let g = |f: &dyn Fn(&evaluate::WorkloadEval) -> f64| {
            avg(&|e: &Evaluation| e.workloads.get(i).map_or(0.0, f))
        };
        we.gpu_hours = g(&|x| x.gpu_hours);
        we.instance_hours = g(&|x| x.instance_hours);
        we.committed_hours = g(&|x| x.committed_hours);
        we.spot_hours = g(&|x| x.spot_hours);
        we.on_demand_hours = g(&|x| x.on_demand_hours);
        we.cost = g(&|x| x.cost);
        we.hidden_cost = g(&|x| x.hidden_cost);
        we.baseline_on_demand = g(&|x| x.baseline_on_demand);
        we.baseline_hidden = g(&|x| x.baseline_hidden);
    }
    for (i, c) in m.commitments.iter_mut().enumerate() {
        let g = |f: &dyn Fn(&evaluate::CommitmentEval) -> f64| {
            avg(&|e: &Evaluation| e.commitments.get(i).map_or(0.0, f))
        };
        c.active_hours = g(&|x| x.active_hours);
        c.committed = g(&|x| x.committed);
        c.used = g(&|x| x.used);
        c.on_demand_value = g(&|x| x.on_demand_value);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cvar_and_quantiles_by_hand() {
        // Four equally likely costs 10, 20, 30, 40: CVaR_0.5 = mean of the worst half = 35;
        // CVaR_0.75 = 40; P50 (lower) = 20; P90 = 40.
        let v = [30.0, 10.0, 40.0, 20.0];
        let p = [0.25; 4];
        assert!((cvar(&v, &p, 0.5) - 35.0).abs() < 1e-12);
        assert!((cvar(&v, &p, 0.75) - 40.0).abs() < 1e-12);
        assert!((quantile(&v, &p, 0.5) - 20.0).abs() < 1e-12);
        assert!((quantile(&v, &p, 0.9) - 40.0).abs() < 1e-12);
        // CVaR_0.6 = (0.25·40 + 0.15·30) / 0.4 = 36.25.
        assert!((cvar(&v, &p, 0.6) - 36.25).abs() < 1e-12);
    }
}
