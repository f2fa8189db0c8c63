//! Tier choice (first stage): one column `y[w,j]` per workload and compatible option, exactly
//! one chosen per workload; the hidden costs (adders, overhead) each choice brings; and the
//! load each choice puts on an offering in a bucket.

use super::builder::ModelBuilder;
use crate::model::problem::Problem;
use good_lp::{variable, Expression};

/// Adds the tier columns (binary; in [0, 1] when relaxed) and one row `Σ_j y[w,j] = 1` per
/// workload. Returns the columns, `y[w][j]`.
pub(super) fn add_tier_choice(p: &Problem, m: &mut ModelBuilder) -> Vec<Vec<usize>> {
    let mut y = Vec::new();
    for w in &p.workloads {
        let cols: Vec<usize> = w
            .options
            .iter()
            .map(|_| {
                if m.relaxed {
                    m.continuous(variable().min(0.0).max(1.0))
                } else {
                    m.integer(variable().binary())
                }
            })
            .collect();
        let sum: Expression = cols.iter().map(|&j| m.var(j)).sum();
        m.add_row(sum.eq(1.0));
        y.push(cols);
    }
    y
}

/// Adds to scenario `s`'s `cost` the hidden costs of each tier choice: adders and overhead
/// over the workload's GPU-hours.
pub(super) fn add_hidden_costs(
    p: &Problem,
    s: usize,
    y: &[Vec<usize>],
    m: &ModelBuilder,
    cost: &mut Expression,
) {
    let gp = &p.demand.gpus[s];
    for (wi, w) in p.workloads.iter().enumerate() {
        let gh: f64 = gp[w.input]
            .iter()
            .zip(&p.demand.weights)
            .map(|(g, h)| g * h)
            .sum();
        for (j, op) in w.options.iter().enumerate() {
            let od = p.offerings[op.offering].on_demand;
            let hidden =
                gh * (op.adders_per_gpu_hour + op.overhead_frac * od * op.instances_per_gpu);
            if hidden != 0.0 {
                cost.add_mul(hidden, m.var(y[wi][j]));
            }
        }
    }
}

/// The (workload, option) pairs that may sit on each offering of the problem.
pub(super) fn options_by_offering(p: &Problem) -> Vec<Vec<(usize, usize)>> {
    let mut on: Vec<Vec<(usize, usize)>> = vec![Vec::new(); p.offerings.len()];
    for (wi, w) in p.workloads.iter().enumerate() {
        for (j, op) in w.options.iter().enumerate() {
            on[op.offering].push((wi, j));
        }
    }
    on
}

/// The load of one dispatch cell as a function of the tier columns, instances.
pub(super) struct CellLoad {
    /// All load on the offering.
    pub total: Expression,
    /// Load that may run on spot, when some may.
    pub spotable: Option<Expression>,
}

/// The load tier choices put on offering `oi` in bucket `b` of scenario `s`; `None` when no
/// workload that may sit there has demand in that bucket.
pub(super) fn cell_load(
    p: &Problem,
    m: &ModelBuilder,
    y: &[Vec<usize>],
    options_on: &[(usize, usize)],
    (oi, b, s): (usize, usize, usize),
) -> Option<CellLoad> {
    let po = &p.offerings[oi];
    let gp = &p.demand.gpus[s];
    let mut total = Expression::from(0.0);
    let mut spotable = Expression::from(0.0);
    let mut any = false;
    let mut any_spot = false;
    for &(wi, j) in options_on {
        let w = &p.workloads[wi];
        let n = gp[w.input][b] * w.options[j].instances_per_gpu;
        if n > 0.0 {
            any = true;
            total.add_mul(n, m.var(y[wi][j]));
            if w.spot_share > 0.0 && po.spot.is_some() {
                any_spot = true;
                spotable.add_mul(n * w.spot_share, m.var(y[wi][j]));
            }
        }
    }
    any.then(|| CellLoad {
        total,
        spotable: any_spot.then_some(spotable),
    })
}
