//! The two-stage MIP (`docs/model.md` "The two-stage MIP"): tiers `y[w,o]` and commitments
//! `N[k]`, `C[k]` chosen once; per bucket b and scenario s the dispatch u (unit), v (spend),
//! x (spot), z (on-demand) and unserved load q (only on capacity-limited offerings,
//! penalised). Objective `(1−λ)·E[cost] + λ·CVaR_α[cost]`.
//!
//! One module per model component, each adding its columns, rows and cost terms: `build`
//! calls the first-stage components once and, per scenario, `add_cell` calls the dispatch
//! components for each (offering, bucket) cell with load; a new component is one more module
//! called from one of these two places. The order in which columns and rows are created is
//! part of the result (the solver's path, so a plan under a gap or time limit, depends on
//! it): moving a call moves columns.
//! - first stage: `tiers` (tier choice, hidden costs, load per cell), `purchases`
//!   (commitment purchases, first-stage cost, spending caps);
//! - per cell: `unit_cover` (owned and bought units), `spend_cover` (spend columns and their
//!   budget rows per offer and bucket), `spot`, `cover` (on-demand eliminated, covered ≤ load),
//!   `capacity` (unserved load and on-demand capacity limits);
//! - objective: `objective`, with `risk` (expected cost and CVaR).

mod builder;
mod capacity;
mod cover;
mod objective;
mod purchases;
mod reader;
mod risk;
mod spend_cover;
mod spot;
mod tiers;
mod unit_cover;

pub use reader::{read_values, MipReader};

use super::problem::Problem;
use builder::ModelBuilder;
use good_lp::{Constraint, Expression, ProblemVariables};
use purchases::Purchases;
use spend_cover::SpendBudgets;
use tiers::CellLoad;

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

/// Builds the MIP of a problem.
pub fn build_mip(p: &Problem) -> Mip {
    build(p, false)
}

/// Builds the model of a problem with every integer column made continuous: the LP
/// relaxation, whose row duals price load (used by the decomposition).
pub fn build_lp_relaxation(p: &Problem) -> Mip {
    build(p, true)
}

/// Builds the model of `p` component by component (see the module docs for the order).
fn build(p: &Problem, relaxed: bool) -> Mip {
    let mut m = ModelBuilder::new(relaxed);
    // First stage: tiers, then commitment purchases and the caps on them.
    let y = tiers::add_tier_choice(p, &mut m);
    let purchases = purchases::add_purchase_columns(p, &mut m);
    let first_stage = purchases::first_stage_cost(p, &m, &purchases);
    purchases::add_spending_caps(p, &mut m, &purchases);

    // Second stage per scenario: one dispatch cell per offering and bucket with load.
    let options_on = tiers::options_by_offering(p);
    let mut cells = Vec::new();
    let mut scenario_costs: Vec<Expression> = Vec::new();
    for s in 0..p.demand.probs.len() {
        let mut cost = first_stage.clone();
        tiers::add_hidden_costs(p, s, &y, &m, &mut cost);
        let mut spend_budgets = SpendBudgets::new(p);
        for (oi, options) in options_on.iter().enumerate() {
            for b in 0..p.demand.weights.len() {
                let Some(load) = tiers::cell_load(p, &m, &y, options, (oi, b, s)) else {
                    continue;
                };
                let ctx = CellContext {
                    purchases: &purchases,
                    spend_budgets: &mut spend_budgets,
                    cost: &mut cost,
                };
                cells.push(add_cell(p, &mut m, (oi, b, s), load, ctx));
            }
        }
        spend_budgets.add_budget_rows(p, &mut m, &purchases);
        scenario_costs.push(cost);
    }

    let (objective, cost) = objective::objective(p, &mut m, scenario_costs);
    let n_cols = m.n_cols();
    Mip {
        vars: m.vars,
        objective,
        constraints: m.constraints,
        y,
        buy: purchases.columns,
        step: purchases.step,
        cells,
        cost,
        n_cols,
        n_int: m.n_int,
    }
}

/// What a dispatch cell adds to beyond its own columns and rows.
struct CellContext<'a> {
    /// The purchase columns its commitments may come from.
    purchases: &'a Purchases,
    /// The scenario's spend budget rows.
    spend_budgets: &'a mut SpendBudgets,
    /// The scenario's cost.
    cost: &'a mut Expression,
}

/// Adds the dispatch of offering `o` in bucket `b` of scenario `s`: unit and spend cover,
/// spot, on-demand (eliminated) with unserved load under a capacity limit, and the cover row.
fn add_cell(
    p: &Problem,
    m: &mut ModelBuilder,
    (o, b, s): (usize, usize, usize),
    load: CellLoad,
    ctx: CellContext,
) -> Cell {
    let po = &p.offerings[o];
    let hours = p.demand.weights[b];
    let u = unit_cover::add_unit_cover(p, m, po, b, ctx.purchases);
    let v = spend_cover::add_spend_cover(p, m, po, b, ctx.purchases, ctx.spend_budgets);
    let spot = load
        .spotable
        .as_ref()
        .map(|spotable| spot::add_spot(m, po, hours, spotable, ctx.cost));
    let x = spot.map(|(col, _)| col);
    cover::add_on_demand_cost(po, hours, &load.total, ctx.cost);
    let q = capacity::add_unserved(m, po, hours, p.unserved_penalty, ctx.cost);
    let cover_columns: Vec<usize> = u
        .iter()
        .chain(v.iter().map(|(_, col)| col))
        .chain(x.iter())
        .copied()
        .collect();
    let covered = cover::covered_load(m, po, hours, &cover_columns, q, ctx.cost);
    let cap_row = capacity::add_capacity_row(m, po, &load.total, &covered);
    let cover_row = cover::add_cover_row(m, covered, load.total);
    Cell {
        o,
        b,
        s,
        u,
        v,
        x,
        q,
        cover_row,
        spot_row: spot.map(|(_, row)| row),
        cap_row,
    }
}
