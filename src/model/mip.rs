//! The two-stage MIP (`docs/model.md` "The two-stage MIP"): tiers y[w,o] and commitments
//! N[k], C[k] chosen once; per bucket b and scenario s the dispatch u (unit), v (spend),
//! x (spot), z (on-demand) and unserved load q (only on capacity-limited offerings,
//! penalised). Objective (1−λ)·E[cost] + λ·CVaR_α[cost].

use super::problem::{Problem, MIP_UNSERVED_PENALTY};
use crate::domain::CommitmentKind;
use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};

/// Spend commitments are bought in steps of one cent per hour.
pub const SPEND_STEP: f64 = 0.01;

/// Column indices of a dispatch cell (offering o, bucket b, scenario s).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Offering index.
    pub o: usize,
    /// Bucket index.
    pub b: usize,
    /// Scenario index.
    pub s: usize,
    /// Unit-commitment cover column.
    pub u: Option<usize>,
    /// Spend-commitment cover columns with their offer index.
    pub v: Vec<(usize, usize)>,
    /// Spot column.
    pub x: Option<usize>,
    /// Unserved column.
    pub q: Option<usize>,
    /// Row `covered ≤ load` (its dual prices one more instance of load in the cell).
    pub cover_row: usize,
    /// Row `spot ≤ spotable load`, when spot is available.
    pub spot_row: Option<usize>,
    /// Row `load − covered ≤ capacity`, under an on-demand capacity limit.
    pub cap_row: Option<usize>,
}

/// The built model: variables, objective and constraints, plus our own column index
/// (good_lp columns are numbered in creation order).
pub struct Mip {
    /// Variables.
    pub vars: ProblemVariables,
    /// Objective (minimised).
    pub objective: Expression,
    /// Constraints.
    pub constraints: Vec<Constraint>,
    /// `y[w][j]` columns: workload w on its option j.
    pub y: Vec<Vec<usize>>,
    /// Purchase column per offer (None when not purchasable).
    pub buy: Vec<Option<usize>>,
    /// Amount (instances or USD/h) per unit of each purchase column.
    pub step: Vec<f64>,
    /// Dispatch cells.
    pub cells: Vec<Cell>,
    /// Cost column per scenario (only when the objective has a CVaR term).
    pub cost: Vec<usize>,
    /// Number of columns.
    pub n_cols: usize,
    /// Number of integer columns.
    pub n_int: usize,
}

/// Values of a solved model, read back by our column index.
#[derive(Debug, Clone, PartialEq)]
pub struct MipSolution {
    /// Chosen option per workload (index into its options).
    pub tier: Vec<usize>,
    /// Purchase per offer (instances or USD/h; 0 when not purchasable).
    pub buy: Vec<f64>,
    /// Cost per scenario.
    pub cost: Vec<f64>,
    /// Unserved instance-hours per (offering, bucket, scenario) where positive.
    pub unserved: Vec<(usize, usize, usize, f64)>,
}

struct Cols {
    vars: ProblemVariables,
    list: Vec<Variable>,
    n_int: usize,
}

impl Cols {
    fn add(&mut self, def: good_lp::VariableDefinition, int: bool) -> usize {
        self.list.push(self.vars.add(def));
        if int {
            self.n_int += 1;
        }
        self.list.len() - 1
    }
}

/// Builds the MIP of a problem.
pub fn build_mip(p: &Problem) -> Mip {
    build(p, false)
}

/// Builds the model of a problem with every integer column made continuous: the LP
/// relaxation, whose row duals price load (used by the decomposition).
pub fn build_lp_relaxation(p: &Problem) -> Mip {
    build(p, true)
}

fn build(p: &Problem, relaxed: bool) -> Mip {
    let mut c = Cols {
        vars: ProblemVariables::new(),
        list: Vec::new(),
        n_int: 0,
    };
    let nb = p.demand.weights.len();
    let ns = p.demand.probs.len();
    let h_total = p.demand.total_hours();
    let mut cons: Vec<Constraint> = Vec::new();

    // First stage: tiers.
    let mut y: Vec<Vec<usize>> = Vec::new();
    for w in &p.workloads {
        let cols: Vec<usize> = w
            .options
            .iter()
            .map(|_| {
                if relaxed {
                    c.add(variable().min(0.0).max(1.0), false)
                } else {
                    c.add(variable().binary(), true)
                }
            })
            .collect();
        let sum: Expression = cols.iter().map(|&j| c.list[j]).sum();
        cons.push(sum.eq(1.0));
        y.push(cols);
    }
    // First stage: commitments.
    let mut buy: Vec<Option<usize>> = Vec::new();
    for k in &p.offers {
        buy.push(k.purchasable.then(|| {
            let max = match k.kind {
                CommitmentKind::Unit => k.max_useful,
                // Spend commitments are bought in whole cents per hour: the column counts
                // cents (see `SPEND_STEP`), so the plan is exactly what procurement buys.
                CommitmentKind::Spend => (k.max_useful / SPEND_STEP).ceil(),
            };
            if relaxed {
                c.add(variable().min(0.0).max(max), false)
            } else {
                c.add(variable().integer().min(0.0).max(max), true)
            }
        }));
    }
    // Amount per unit of a purchase column: one instance (unit), one cent per hour (spend).
    let step: Vec<f64> = p
        .offers
        .iter()
        .map(|k| match k.kind {
            CommitmentKind::Unit => 1.0,
            CommitmentKind::Spend => SPEND_STEP,
        })
        .collect();
    // First-stage cost (same in every scenario): new commitments over the represented hours.
    let mut first = Expression::from(p.owned_cost);
    let mut hourly_new = Expression::from(0.0);
    for ((k, b), st) in p.offers.iter().zip(&buy).zip(&step) {
        if let Some(b) = b {
            first.add_mul(k.rate * st * h_total, c.list[*b]);
            hourly_new.add_mul(k.rate * st, c.list[*b]);
        }
    }
    if let Some(cap) = p.max_committed_hourly {
        cons.push(hourly_new.leq(cap));
    }
    if let Some(cap) = p.max_upfront {
        let mut up = Expression::from(0.0);
        for ((k, b), st) in p.offers.iter().zip(&buy).zip(&step) {
            if let (Some(b), Some(u)) = (b, k.upfront_per_unit) {
                up.add_mul(u * st, c.list[*b]);
            }
        }
        cons.push(up.leq(cap));
    }

    // Second stage per scenario.
    let mut cells = Vec::new();
    let mut cost_exprs: Vec<Expression> = Vec::new();
    for s in 0..ns {
        let gp = &p.demand.gpus[s];
        let mut cost = first.clone();
        // Hidden costs: adders and overhead per tier choice.
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
                    cost.add_mul(hidden, c.list[y[wi][j]]);
                }
            }
        }
        // Which workloads (and options) sit on each offering.
        let mut on: Vec<Vec<(usize, usize)>> = vec![Vec::new(); p.offerings.len()];
        for (wi, w) in p.workloads.iter().enumerate() {
            for (j, op) in w.options.iter().enumerate() {
                on[op.offering].push((wi, j));
            }
        }
        // Spend budget rows collect per (offer, bucket).
        let mut spend_rows: Vec<Vec<Expression>> = p
            .offers
            .iter()
            .map(|_| vec![Expression::from(0.0); nb])
            .collect();
        let mut spend_used: Vec<Vec<bool>> = p.offers.iter().map(|_| vec![false; nb]).collect();
        for (oi, po) in p.offerings.iter().enumerate() {
            for b in 0..nb {
                let mut load = Expression::from(0.0);
                let mut spotable = Expression::from(0.0);
                let mut any = false;
                let mut any_spot = false;
                for &(wi, j) in &on[oi] {
                    let w = &p.workloads[wi];
                    let n = gp[w.input][b] * w.options[j].instances_per_gpu;
                    if n > 0.0 {
                        any = true;
                        load.add_mul(n, c.list[y[wi][j]]);
                        if w.spot_share > 0.0 && po.spot.is_some() {
                            any_spot = true;
                            spotable.add_mul(n * w.spot_share, c.list[y[wi][j]]);
                        }
                    }
                }
                if !any {
                    continue;
                }
                let h = p.demand.weights[b];
                let owned_units: f64 = po.unit_offers.iter().map(|&k| p.offers[k].owned[b]).sum();
                let buy_units: Vec<usize> = po.unit_offers.iter().filter_map(|&k| buy[k]).collect();
                let u = (owned_units > 0.0 || !buy_units.is_empty()).then(|| {
                    let u = c.add(variable().min(0.0), false);
                    let mut capx = Expression::from(owned_units);
                    for &bcol in &buy_units {
                        capx.add_mul(1.0, c.list[bcol]);
                    }
                    cons.push(Expression::from(c.list[u]).leq(capx));
                    u
                });
                let mut v = Vec::new();
                for &(k, a) in &po.spend_offers {
                    if buy[k].is_none() && p.offers[k].owned[b] <= 0.0 {
                        continue;
                    }
                    let col = c.add(variable().min(0.0), false);
                    spend_rows[k][b].add_mul(a, c.list[col]);
                    spend_used[k][b] = true;
                    v.push((k, col));
                }
                let mut spot_row = None;
                let x = (any_spot).then(|| {
                    let x = c.add(variable().min(0.0), false);
                    spot_row = Some(cons.len());
                    cons.push(Expression::from(c.list[x]).leq(spotable.clone()));
                    if let Some(sp) = po.spot {
                        cost.add_mul(h * sp, c.list[x]);
                    }
                    x
                });
                // On-demand z = load − (u + Σv + x + q) is eliminated: its cost goes into the
                // objective as od·(load − covered), with covered ≤ load (and, under a
                // capacity limit, load − covered ≤ capacity).
                cost.add_mul(h * po.on_demand, load.clone());
                let q = po.capacity.map(|_| {
                    let q = c.add(variable().min(0.0), false);
                    cost.add_mul(h * po.on_demand * (MIP_UNSERVED_PENALTY - 1.0), c.list[q]);
                    q
                });
                let mut covered = Expression::from(0.0);
                for col in u
                    .iter()
                    .chain(v.iter().map(|(_, col)| col))
                    .chain(x.iter())
                    .chain(q.iter())
                {
                    covered.add_mul(1.0, c.list[*col]);
                    if Some(*col) != q {
                        cost.add_mul(-h * po.on_demand, c.list[*col]);
                    }
                }
                let mut cap_row = None;
                if let Some(cap) = po.capacity {
                    cap_row = Some(cons.len());
                    cons.push((load.clone() - covered.clone()).leq(cap));
                }
                let cover_row = cons.len();
                cons.push(covered.leq(load));
                cells.push(Cell {
                    o: oi,
                    b,
                    s,
                    u,
                    v,
                    x,
                    q,
                    cover_row,
                    spot_row,
                    cap_row,
                });
            }
        }
        for (k, rows) in spend_rows.into_iter().enumerate() {
            for (b, row) in rows.into_iter().enumerate() {
                if !spend_used[k][b] {
                    continue;
                }
                let mut capx = Expression::from(p.offers[k].owned[b]);
                if let Some(bcol) = buy[k] {
                    capx.add_mul(step[k], c.list[bcol]);
                }
                cons.push(row.leq(capx));
            }
        }
        cost_exprs.push(cost);
    }

    // Objective: (1−λ)·E[cost] + λ·CVaR_α (Rockafellar–Uryasev), optional CVaR budget.
    // Without CVaR the expected cost goes straight into the objective: a cost column tied by
    // a dense equality row would slow the LP down several-fold.
    let need_cvar = p.risk_weight > 0.0 || p.max_cvar.is_some();
    let mut cost_cols = Vec::new();
    let mut expected = Expression::from(0.0);
    let objective = if need_cvar {
        let mut costs = Vec::new();
        for (s, e) in cost_exprs.into_iter().enumerate() {
            let cs = c.add(variable(), false);
            cons.push(Expression::from(c.list[cs]).eq(e));
            expected.add_mul(p.demand.probs[s], c.list[cs]);
            costs.push(cs);
        }
        let eta = c.add(variable(), false);
        let mut cvar = Expression::from(c.list[eta]);
        for (s, &cs) in costs.iter().enumerate() {
            let xi = c.add(variable().min(0.0), false);
            let offset = p.cvar_offsets.get(s).copied().unwrap_or(0.0);
            cons.push(
                Expression::from(c.list[xi])
                    .geq(Expression::from(c.list[cs]) - c.list[eta] - offset),
            );
            cvar.add_mul(p.demand.probs[s] / (1.0 - p.cvar_alpha), c.list[xi]);
        }
        if let Some(bud) = p.max_cvar {
            cons.push(cvar.clone().leq(bud));
        }
        cost_cols = costs;
        let mut obj = Expression::from(0.0);
        obj.add_mul(1.0 - p.risk_weight, expected);
        obj.add_mul(p.risk_weight, cvar);
        obj
    } else {
        for (s, e) in cost_exprs.into_iter().enumerate() {
            expected.add_mul(p.demand.probs[s], e);
        }
        expected
    };
    let n_cols = c.list.len();
    Mip {
        vars: c.vars,
        objective,
        constraints: cons,
        y,
        buy,
        step,
        cells,
        cost: cost_cols,
        n_cols,
        n_int: c.n_int,
    }
}

/// Reads a solution vector (column values in creation order) by our column index.
pub fn read_values(
    y: &[Vec<usize>],
    buy: &[Option<usize>],
    step: &[f64],
    cost: &[usize],
    q: &[(usize, usize, usize, usize)],
    values: &[f64],
) -> MipSolution {
    let tier = y
        .iter()
        .map(|cols| {
            let mut best = 0;
            for (j, &col) in cols.iter().enumerate() {
                if values[col] > values[cols[best]] {
                    best = j;
                }
            }
            best
        })
        .collect();
    let buy = buy
        .iter()
        .zip(step)
        .map(|(b, &st)| b.map_or(0.0, |col| values[col].round().max(0.0) * st))
        .collect();
    let cost = cost.iter().map(|&c| values[c]).collect();
    let unserved = q
        .iter()
        .filter(|&&(_, _, _, col)| values[col] > 1e-6)
        .map(|&(o, b, s, col)| (o, b, s, values[col]))
        .collect();
    MipSolution {
        tier,
        buy,
        cost,
        unserved,
    }
}
/// What is needed to read values back after the model is consumed by the solver.
pub struct MipReader {
    mip_y: Vec<Vec<usize>>,
    buy: Vec<Option<usize>>,
    step: Vec<f64>,
    cost: Vec<usize>,
    q: Vec<(usize, usize, usize, usize)>,
}

impl From<&Mip> for MipReader {
    fn from(m: &Mip) -> Self {
        MipReader {
            mip_y: m.y.clone(),
            buy: m.buy.clone(),
            step: m.step.clone(),
            cost: m.cost.clone(),
            q: m.cells
                .iter()
                .filter_map(|c| c.q.map(|q| (c.o, c.b, c.s, q)))
                .collect(),
        }
    }
}

impl MipReader {
    /// The solution of the model this reader was taken from, read from the solver's values.
    pub fn read(&self, values: &[f64]) -> MipSolution {
        read_values(
            &self.mip_y,
            &self.buy,
            &self.step,
            &self.cost,
            &self.q,
            values,
        )
    }
}
