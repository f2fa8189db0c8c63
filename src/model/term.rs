//! The term problem (`docs/term.md`): with tiers fixed, which commitments to buy now and
//! which later, priced over their whole terms on long-horizon demand and price scenarios.
//!
//! The load of the workloads is pooled per offering (exact for fixed tiers, as in the
//! decomposition) on cells (scenario s, offering o, slice k, bucket b), each standing for
//! `hours_k · share_b` hours. First stage: purchases now, `N[k]` (whole instances or cents
//! per hour), charged for their whole term. Recourse: purchases at the start of each later
//! period p, `R[k, p, n]`, one per node n of the scenario tree at p (non-anticipative: a
//! purchase at p knows only the outcomes of the periods before p), charged for the hours of
//! their term inside the horizon (the rest is assumed worth its price) at the prices of p.
//! Per cell: unit cover, spend cover, spot, on-demand (and unserved above a capacity
//! limit), as in the window model, at the cell's prices: a unit commitment keeps its rate;
//! a spend commitment's discount applies to the cell's on-demand price.
//!
//! Plain numbers in [`TermProblem`]; the good_lp model in [`build_term_mip`]. This module
//! imports nothing from `plan`.

use super::mip::{Mip, SPEND_STEP};
use super::problem::{offerings_in_play, POffering, MIP_UNSERVED_PENALTY};
use crate::domain::outlook::add_months;
use crate::domain::{Catalog, CommitmentKind, OwnedCommitment};
use crate::forecast::term::TermDemand;
use crate::ingest::inputs::Inputs;
use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};

/// A commitment offer in play.
#[derive(Debug, Clone, PartialEq)]
pub struct TOffer {
    /// Index into the catalog's offers.
    pub catalog: usize,
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// Term, months.
    pub term_months: u32,
    /// May be bought.
    pub purchasable: bool,
    /// USD per hour of one unit today (unit: the discounted instance rate; spend: 1).
    pub rate: f64,
    /// For a unit offer: its offering (index into [`TermProblem::offerings`]).
    pub unit_offering: Option<usize>,
    /// Owned quantity active in each slice.
    pub owned: Vec<f64>,
    /// Share of the term's cost paid upfront.
    pub upfront_fraction: f64,
    /// Slices a purchase made now covers.
    pub now_active: Vec<bool>,
    /// Hours of the whole term of a purchase made now (charged in full).
    pub now_hours: f64,
    /// Per later period p (index p − 1): slices a purchase made at p covers.
    pub later_active: Vec<Vec<bool>>,
    /// Per later period p (index p − 1): hours of its term inside the horizon.
    pub later_hours: Vec<f64>,
    /// Largest useful purchase now (instances or USD/h), a bound.
    pub max_useful: f64,
}

/// The term problem as plain numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct TermProblem {
    /// Hours of each slice.
    pub slice_hours: Vec<f64>,
    /// Period of each slice.
    pub slice_period: Vec<usize>,
    /// First slice of each period.
    pub period_first_slice: Vec<usize>,
    /// Share of a slice's hours in each bucket.
    pub bucket_share: Vec<f64>,
    /// Scenario probabilities.
    pub probs: Vec<f64>,
    /// `node[p][s]`: decision node of scenario s at period p.
    pub node: Vec<Vec<usize>>,
    /// Offerings in play.
    pub offerings: Vec<POffering>,
    /// Offers in play.
    pub offers: Vec<TOffer>,
    /// `load[s][o][k][b]`: instances of offering o.
    pub load: Vec<Vec<Vec<Vec<f64>>>>,
    /// `spotable[s][o][k][b]`: the part that may run on spot.
    pub spotable: Vec<Vec<Vec<Vec<f64>>>>,
    /// `price[s][o][k]`: on-demand and spot price factor of offering o.
    pub price: Vec<Vec<Vec<f64>>>,
    /// Per scenario: cost that no decision changes (owned commitments, hidden costs).
    pub constant: Vec<f64>,
    /// Cap on new commitments' hourly cost now, USD/h.
    pub max_committed_hourly: Option<f64>,
    /// Cap on upfront payments now, USD.
    pub max_upfront: Option<f64>,
    /// Cap on the total owed by purchases now over their terms, USD.
    pub max_liability: Option<f64>,
    /// Largest share of purchases now (hourly cost) in 36-month terms.
    pub max_3y_share: Option<f64>,
    /// CVaR level.
    pub cvar_alpha: f64,
    /// CVaR weight.
    pub risk_weight: f64,
    /// CVaR budget.
    pub max_cvar: Option<f64>,
    /// Per scenario, subtracted inside the CVaR (regret); empty for cost.
    pub cvar_offsets: Vec<f64>,
    /// Offers pruned as dominated (catalog ids).
    pub pruned: Vec<String>,
}

impl TermProblem {
    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.period_first_slice.len()
    }
    /// Hours a cell (slice k, bucket b) stands for.
    pub fn cell_hours(&self, k: usize, b: usize) -> f64 {
        self.slice_hours[k] * self.bucket_share[b]
    }
    /// The problem restricted to scenario `s` alone (probability 1, its own tree), for its
    /// hindsight optimum.
    pub fn single(&self, s: usize) -> TermProblem {
        TermProblem {
            probs: vec![1.0],
            node: self.node.iter().map(|_| vec![0]).collect(),
            load: vec![self.load[s].clone()],
            spotable: vec![self.spotable[s].clone()],
            price: vec![self.price[s].clone()],
            constant: vec![self.constant[s]],
            risk_weight: 0.0,
            max_cvar: None,
            cvar_offsets: Vec::new(),
            ..self.clone()
        }
    }
}

/// Builds the term problem: the offerings the entries use, the offers in play (allowed and
/// not dominated, or owned), the pooled load per cell, the price factors, and the constant
/// cost of owned commitments and hidden costs.
pub fn build_term_problem(
    inputs: &Inputs,
    demand: &TermDemand,
    owned: &[OwnedCommitment],
    max_committed_hourly: Option<f64>,
) -> TermProblem {
    let cat = &inputs.catalog;
    let h = &demand.paths.horizon;
    let mut used: Vec<usize> = demand.entries.iter().map(|e| e.offering).collect();
    used.sort_unstable();
    used.dedup();
    let mut offerings = offerings_in_play(inputs, &used);
    let (load, spotable) = pooled_load(demand, &used);
    let price: Vec<Vec<Vec<f64>>> = demand
        .paths
        .price
        .iter()
        .map(|ps| offerings.iter().map(|o| ps[o.gpu].clone()).collect())
        .collect();
    let (offers, pruned) = offers_in_play(inputs, demand, owned, &mut offerings, &load);
    let mut constant = hidden_costs(inputs, demand);
    let owned_cost = owned_cost_in_horizon(cat, owned, h.as_of, h.end());
    constant.iter_mut().for_each(|c| *c += owned_cost);
    let periods = h.periods();
    let period_first_slice = (0..periods)
        .map(|p| h.slices.iter().position(|s| s.period == p).unwrap_or(0))
        .collect();
    let sc = &inputs.scenario;
    TermProblem {
        slice_hours: h.slices.iter().map(|s| s.hours).collect(),
        slice_period: h.slices.iter().map(|s| s.period).collect(),
        period_first_slice,
        bucket_share: demand.bucket_share.clone(),
        probs: demand.paths.probs.clone(),
        node: demand.paths.tree.node.clone(),
        offerings,
        offers,
        load,
        spotable,
        price,
        constant,
        max_committed_hourly,
        max_upfront: sc.max_upfront,
        max_liability: sc.max_liability,
        max_3y_share: sc.max_3y_share,
        cvar_alpha: sc.risk.cvar_alpha,
        risk_weight: sc.risk.risk_weight,
        max_cvar: sc.risk.max_cvar,
        cvar_offsets: Vec::new(),
        pruned,
    }
}

/// Load and spot-eligible load `[s][o][k][b]` per offering in play (`used`: catalog
/// indices, sorted).
#[allow(clippy::type_complexity)]
fn pooled_load(
    demand: &TermDemand,
    used: &[usize],
) -> (Vec<Vec<Vec<Vec<f64>>>>, Vec<Vec<Vec<Vec<f64>>>>) {
    let ns = demand.paths.probs.len();
    let nk = demand.paths.horizon.slices.len();
    let nb = demand.bucket_share.len();
    let zero = vec![vec![vec![vec![0.0; nb]; nk]; used.len()]; ns];
    let (mut load, mut spot) = (zero.clone(), zero);
    for (e, en) in demand.entries.iter().enumerate() {
        let Ok(o) = used.binary_search(&en.offering) else {
            continue;
        };
        for s in 0..ns {
            for k in 0..nk {
                for b in 0..nb {
                    let n = demand.gpus(s, e, k, b) * en.instances_per_gpu;
                    load[s][o][k][b] += n;
                    spot[s][o][k][b] += n * en.spot_share;
                }
            }
        }
    }
    (load, spot)
}

/// Hidden costs (storage, egress, overhead on the on-demand price of the cell) per
/// scenario.
fn hidden_costs(inputs: &Inputs, demand: &TermDemand) -> Vec<f64> {
    let cat = &inputs.catalog;
    let h = &demand.paths.horizon;
    (0..demand.paths.probs.len())
        .map(|s| {
            let mut total = 0.0;
            for (e, en) in demand.entries.iter().enumerate() {
                let o = &cat.offerings[en.offering];
                let g = cat
                    .gpus
                    .iter()
                    .position(|x| x.name == o.gpu_model)
                    .unwrap_or(0);
                for (k, sl) in h.slices.iter().enumerate() {
                    let od = o.on_demand_hourly * demand.paths.price[s][g][k];
                    for (b, f) in demand.bucket_share.iter().enumerate() {
                        let gh = demand.gpus(s, e, k, b) * sl.hours * f;
                        total += gh
                            * (en.adders_per_gpu_hour
                                + en.overhead_frac * od * en.instances_per_gpu);
                    }
                }
            }
            total
        })
        .collect()
}

/// What owned commitments cost over `[start, end)` at their rates (paid whether used or
/// not), whether or not any workload can use them.
pub fn owned_cost_in_horizon(
    cat: &Catalog,
    owned: &[OwnedCommitment],
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> f64 {
    owned
        .iter()
        .filter_map(|c| {
            let k = cat.offer(&c.offer_id)?;
            let (a, b) = (c.start.max(start), c.end.min(end));
            let hours = ((b - a).num_seconds() as f64 / 3600.0).max(0.0);
            Some(c.quantity_or_hourly * crate::domain::commitment_unit_rate(cat, k) * hours)
        })
        .sum()
}

/// The offers in play: allowed offers matching an offering in play, without those another
/// allowed offer of the same kind, cloud and term beats on every offering (only when there
/// is no upfront cap), plus owned offers. Fills the offerings' offer lists. Returns the
/// offers and the ids pruned.
fn offers_in_play(
    inputs: &Inputs,
    demand: &TermDemand,
    owned: &[OwnedCommitment],
    offerings: &mut [POffering],
    load: &[Vec<Vec<Vec<f64>>>],
) -> (Vec<TOffer>, Vec<String>) {
    let cat = &inputs.catalog;
    let sc = &inputs.scenario;
    let h = &demand.paths.horizon;
    let matches = |ki: usize| {
        offerings
            .iter()
            .any(|o| cat.offers[ki].matches(&cat.offerings[o.catalog]))
    };
    let is_owned = |ki: usize| owned.iter().any(|c| c.offer_id == cat.offers[ki].id);
    let allowed: Vec<usize> = (0..cat.offers.len())
        .filter(|&ki| sc.instruments.allows(&cat.offers[ki]) && matches(ki))
        .collect();
    let mut pruned = Vec::new();
    let mut keep: Vec<usize> = Vec::new();
    for &ki in &allowed {
        if sc.max_upfront.is_none() && dominated(cat, offerings, &allowed, ki) {
            pruned.push(cat.offers[ki].id.clone());
        } else {
            keep.push(ki);
        }
    }
    for ki in (0..cat.offers.len()).filter(|&ki| is_owned(ki) && matches(ki)) {
        if !keep.contains(&ki) {
            keep.push(ki);
        }
    }
    keep.sort_unstable();
    let peak: Vec<f64> = (0..offerings.len())
        .map(|o| {
            load.iter()
                .flat_map(|ls| ls[o].iter().flatten())
                .fold(0.0f64, |m, &x| m.max(x))
        })
        .collect();
    let mut offers = Vec::new();
    for ki in keep {
        let k = &cat.offers[ki];
        let idx = offers.len();
        let (rate, unit_offering, max_useful) = match k.kind {
            CommitmentKind::Unit => {
                let p = offerings
                    .iter()
                    .position(|o| k.matches(&cat.offerings[o.catalog]))
                    .unwrap_or(0);
                let d = k
                    .discount_for(&cat.offerings[offerings[p].catalog])
                    .unwrap_or(0.0);
                offerings[p].unit_offers.push(idx);
                (
                    offerings[p].on_demand * (1.0 - d / 100.0),
                    Some(p),
                    peak[p].ceil(),
                )
            }
            CommitmentKind::Spend => {
                let mut max_spend = 0.0;
                for (p, o) in offerings.iter_mut().enumerate() {
                    if let Some(d) = k.discount_for(&cat.offerings[o.catalog]) {
                        let a = o.on_demand * (1.0 - d / 100.0);
                        o.spend_offers.push((idx, a));
                        max_spend += a * peak[p];
                    }
                }
                (1.0, None, max_spend)
            }
        };
        let (now_active, now_hours, later_active, later_hours) = activity(h, k.term_months);
        offers.push(TOffer {
            catalog: ki,
            kind: k.kind,
            term_months: k.term_months,
            purchasable: sc.instruments.allows(k) && !pruned.contains(&k.id),
            rate,
            unit_offering,
            owned: owned_per_slice(h, owned, &k.id),
            upfront_fraction: k.upfront_fraction,
            now_active,
            now_hours,
            later_active,
            later_hours,
            max_useful,
        });
    }
    (offers, pruned)
}

/// Whether another allowed offer of the same cloud and term applies wherever `ki` does,
/// with at least its discount (strictly more somewhere, or equal and listed first): of the
/// same kind, or a spend offer beating a unit offer (a spend commitment with the same
/// discount is as cheap, covers any amount, and its discount follows price cuts while a
/// unit commitment's rate is locked).
fn dominated(cat: &Catalog, offerings: &[POffering], allowed: &[usize], ki: usize) -> bool {
    let k = &cat.offers[ki];
    allowed.iter().any(|&kj| {
        let j = &cat.offers[kj];
        let cross = k.kind == CommitmentKind::Unit && j.kind == CommitmentKind::Spend;
        if kj == ki
            || (j.kind != k.kind && !cross)
            || j.cloud != k.cloud
            || j.term_months != k.term_months
        {
            return false;
        }
        if cross {
            return offerings.iter().all(|o| {
                let off = &cat.offerings[o.catalog];
                match (k.discount_for(off), j.discount_for(off)) {
                    (Some(a), Some(b)) => b >= a,
                    (Some(_), None) => false,
                    _ => true,
                }
            });
        }
        let mut strictly = false;
        for o in offerings {
            let off = &cat.offerings[o.catalog];
            match (k.discount_for(off), j.discount_for(off)) {
                (Some(a), Some(b)) if b < a => return false,
                (Some(a), Some(b)) if b > a => strictly = true,
                (Some(_), None) => return false,
                (None, Some(_)) => strictly = true,
                _ => {}
            }
        }
        strictly || kj < ki
    })
}

/// Owned quantity of offer `id` active in each slice (slices are cut at owned starts and
/// ends, so a commitment covers a slice wholly or not at all).
fn owned_per_slice(
    h: &crate::forecast::term::TermHorizon,
    owned: &[OwnedCommitment],
    id: &str,
) -> Vec<f64> {
    h.slices
        .iter()
        .map(|sl| {
            owned
                .iter()
                .filter(|c| c.offer_id == id && c.start <= sl.start && sl.end <= c.end)
                .map(|c| c.quantity_or_hourly)
                .sum()
        })
        .collect()
}

/// Which slices a purchase of `term_months` covers when made now and at each later period,
/// the hours of a purchase now's whole term, and the hours inside the horizon of later ones.
#[allow(clippy::type_complexity)]
fn activity(
    h: &crate::forecast::term::TermHorizon,
    term_months: u32,
) -> (Vec<bool>, f64, Vec<Vec<bool>>, Vec<f64>) {
    let covers = |start: chrono::DateTime<chrono::Utc>| -> Vec<bool> {
        let end = add_months(start, term_months);
        h.slices
            .iter()
            .map(|sl| sl.start >= start && sl.end <= end)
            .collect()
    };
    let hours_in = |act: &[bool]| -> f64 {
        act.iter()
            .zip(&h.slices)
            .filter(|(a, _)| **a)
            .map(|(_, s)| s.hours)
            .sum()
    };
    let now_active = covers(h.as_of);
    let now_hours = (add_months(h.as_of, term_months) - h.as_of).num_seconds() as f64 / 3600.0;
    let later_active: Vec<Vec<bool>> = (1..h.periods()).map(|p| covers(h.boundaries[p])).collect();
    let later_hours = later_active.iter().map(|a| hours_in(a)).collect();
    (now_active, now_hours, later_active, later_hours)
}

/// Column bookkeeping for the term model.
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

/// The built term model and where its purchase columns are.
pub struct TermMip {
    /// The model, in the shape the solver takes.
    pub mip: Mip,
    /// Reads purchases back from the solver's values.
    pub reader: TermReader,
}

/// Where a term model's purchase columns are.
#[derive(Debug, Clone, PartialEq)]
pub struct TermReader {
    /// Purchase-now column per offer (`None`: not purchasable).
    pub now: Vec<Option<usize>>,
    /// Amount per unit of each purchase column (1 instance, or 1 cent per hour).
    pub step: Vec<f64>,
    /// `later[k][p-1][n]`: column of offer k bought at period p in node n.
    pub later: Vec<Vec<Vec<usize>>>,
}

/// A solved term model read back.
#[derive(Debug, Clone, PartialEq)]
pub struct TermSolution {
    /// Purchase now per offer (instances or USD/h; 0 when not purchasable).
    pub now: Vec<f64>,
    /// `later[k][p-1][n]`: purchase of offer k at period p in node n.
    pub later: Vec<Vec<Vec<f64>>>,
}

impl TermReader {
    /// The purchases of a solution vector.
    pub fn read(&self, values: &[f64]) -> TermSolution {
        TermSolution {
            now: self
                .now
                .iter()
                .zip(&self.step)
                .map(|(c, st)| c.map_or(0.0, |c| values[c].round().max(0.0) * st))
                .collect(),
            later: self
                .later
                .iter()
                .map(|per| {
                    per.iter()
                        .map(|nodes| nodes.iter().map(|&c| values[c].max(0.0)).collect())
                        .collect()
                })
                .collect(),
        }
    }
}

/// Builds the term model (`relaxed`: purchases now continuous, for bounds and regret).
pub fn build_term_mip(p: &TermProblem, relaxed: bool) -> TermMip {
    let mut c = Cols {
        vars: ProblemVariables::new(),
        list: Vec::new(),
        n_int: 0,
    };
    let mut cons: Vec<Constraint> = Vec::new();
    let (now, step) = purchase_now_columns(p, &mut c, relaxed);
    let later = purchase_later_columns(p, &mut c, relaxed);
    purchase_caps(p, &c, &now, &step, &mut cons);
    let mut costs = Vec::with_capacity(p.probs.len());
    let buys = Buys {
        now: &now,
        step: &step,
        later: &later,
    };
    for s in 0..p.probs.len() {
        let mut cost = first_stage_cost(p, &c, &buys, s);
        dispatch(p, &mut c, &buys, s, &mut cost, &mut cons);
        costs.push(cost);
    }
    let objective = objective(p, &mut c, costs, &mut cons);
    let n_cols = c.list.len();
    TermMip {
        mip: Mip {
            vars: c.vars,
            objective,
            constraints: cons,
            y: Vec::new(),
            buy: Vec::new(),
            step: Vec::new(),
            cells: Vec::new(),
            cost: Vec::new(),
            deferred: Vec::new(),
            n_cols,
            n_int: c.n_int,
        },
        reader: TermReader { now, step, later },
    }
}

/// Purchase-now columns: whole instances (unit) or cents per hour (spend).
fn purchase_now_columns(
    p: &TermProblem,
    c: &mut Cols,
    relaxed: bool,
) -> (Vec<Option<usize>>, Vec<f64>) {
    let step: Vec<f64> = p
        .offers
        .iter()
        .map(|k| match k.kind {
            CommitmentKind::Unit => 1.0,
            CommitmentKind::Spend => SPEND_STEP,
        })
        .collect();
    let now = p
        .offers
        .iter()
        .zip(&step)
        .map(|(k, st)| {
            k.purchasable.then(|| {
                let max = (k.max_useful / st).ceil();
                if relaxed {
                    c.add(variable().min(0.0).max(max), false)
                } else {
                    c.add(variable().integer().min(0.0).max(max), true)
                }
            })
        })
        .collect();
    (now, step)
}

/// Most later unit purchases (offers × periods × nodes) modelled in whole instances; above
/// it they are continuous (a fraction of an instance bought later would otherwise look
/// cheaper than a whole one bought now, which only matters on small fleets).
pub const INTEGER_LATER_UNITS_MAX: usize = 400;

/// Later-purchase columns per offer, period and node: USD/h (spend, continuous) or
/// instances (unit; whole instances on small problems, see [`INTEGER_LATER_UNITS_MAX`]).
fn purchase_later_columns(p: &TermProblem, c: &mut Cols, relaxed: bool) -> Vec<Vec<Vec<usize>>> {
    let nodes = |per: usize| p.node[per].iter().max().map_or(0, |m| m + 1);
    let unit_cols: usize = p
        .offers
        .iter()
        .filter(|k| k.purchasable && k.kind == CommitmentKind::Unit)
        .map(|_| (1..p.periods()).map(nodes).sum::<usize>())
        .sum();
    let whole = !relaxed && unit_cols <= INTEGER_LATER_UNITS_MAX;
    p.offers
        .iter()
        .map(|k| {
            (1..p.periods())
                .map(|per| {
                    if !k.purchasable {
                        return Vec::new();
                    }
                    let int = whole && k.kind == CommitmentKind::Unit;
                    (0..nodes(per))
                        .map(|_| {
                            if int {
                                c.add(variable().integer().min(0.0), true)
                            } else {
                                c.add(variable().min(0.0), false)
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The caps on purchases now: committed hourly cost, upfront, total owed, 3-year share.
fn purchase_caps(
    p: &TermProblem,
    c: &Cols,
    now: &[Option<usize>],
    step: &[f64],
    cons: &mut Vec<Constraint>,
) {
    let mut hourly = Expression::from(0.0);
    let mut hourly_3y = Expression::from(0.0);
    let mut upfront = Expression::from(0.0);
    let mut owed = Expression::from(0.0);
    for ((k, col), st) in p.offers.iter().zip(now).zip(step) {
        let Some(col) = col else { continue };
        let v = c.list[*col];
        let term_hours = f64::from(k.term_months) * crate::domain::catalog::HOURS_PER_MONTH;
        hourly.add_mul(k.rate * st, v);
        if k.term_months >= 36 {
            hourly_3y.add_mul(k.rate * st, v);
        }
        upfront.add_mul(k.upfront_fraction * k.rate * term_hours * st, v);
        owed.add_mul(k.rate * term_hours * st, v);
    }
    if let Some(cap) = p.max_committed_hourly {
        cons.push(hourly.clone().leq(cap));
    }
    if let Some(cap) = p.max_upfront {
        cons.push(upfront.leq(cap));
    }
    if let Some(cap) = p.max_liability {
        cons.push(owed.leq(cap));
    }
    if let Some(share) = p.max_3y_share {
        let mut lhs = hourly_3y;
        lhs.add_mul(-share, hourly);
        cons.push(lhs.leq(0.0));
    }
}

/// Scenario s's cost of purchases: now (whole term) and later (hours inside the horizon, at
/// the unit rate of the period's prices), plus its constant.
fn first_stage_cost(p: &TermProblem, c: &Cols, buys: &Buys<'_>, s: usize) -> Expression {
    let mut cost = Expression::from(p.constant[s]);
    for (ki, k) in p.offers.iter().enumerate() {
        if let Some(col) = buys.now[ki] {
            cost.add_mul(k.rate * buys.step[ki] * k.now_hours, c.list[col]);
        }
        for (pi, nodes) in buys.later[ki].iter().enumerate() {
            if nodes.is_empty() {
                continue;
            }
            let per = pi + 1;
            let rate = later_rate(p, k, s, per);
            cost.add_mul(rate * k.later_hours[pi], c.list[nodes[p.node[per][s]]]);
        }
    }
    cost
}

/// USD per hour of one unit of offer `k` bought at period `per` in scenario `s`: a unit
/// commitment at the on-demand price of that time (discount kept), a spend one at 1.
pub fn later_rate(p: &TermProblem, k: &TOffer, s: usize, per: usize) -> f64 {
    match k.unit_offering {
        Some(o) => k.rate * p.price[s][o][p.period_first_slice[per]],
        None => 1.0,
    }
}

/// The purchase columns of a term model.
struct Buys<'a> {
    now: &'a [Option<usize>],
    step: &'a [f64],
    later: &'a [Vec<Vec<usize>>],
}

/// Unit or spend capacity of offer `ki` in slice `kk` of scenario `s`: owned + bought now +
/// bought later, as an expression (amounts in instances or USD/h).
fn capacity(
    p: &TermProblem,
    c: &Cols,
    buys: &Buys<'_>,
    ki: usize,
    s: usize,
    kk: usize,
) -> Expression {
    let k = &p.offers[ki];
    let mut e = Expression::from(k.owned[kk]);
    if let Some(col) = buys.now[ki] {
        if k.now_active[kk] {
            e.add_mul(buys.step[ki], c.list[col]);
        }
    }
    for (pi, nodes) in buys.later[ki].iter().enumerate() {
        if !nodes.is_empty() && k.later_active[pi][kk] {
            e.add_mul(1.0, c.list[nodes[p.node[pi + 1][s]]]);
        }
    }
    e
}

/// A column bounded above by the capacity of the offers `kis` in slice `kk` of scenario
/// `s` (one short row per cell then refers to it instead of the whole sum).
fn capacity_column(
    p: &TermProblem,
    c: &mut Cols,
    buys: &Buys<'_>,
    kis: &[usize],
    s: usize,
    kk: usize,
    cons: &mut Vec<Constraint>,
) -> usize {
    let mut e = Expression::from(0.0);
    for &ki in kis {
        e += capacity(p, c, buys, ki, s, kk);
    }
    let col = c.add(variable().min(0.0), false);
    cons.push(Expression::from(c.list[col]).leq(e));
    col
}

/// The dispatch of scenario s: per offering, slice and bucket with load, the unit, spend,
/// spot and unserved cover and the on-demand rest, priced at the slice's prices.
fn dispatch(
    p: &TermProblem,
    c: &mut Cols,
    buys: &Buys<'_>,
    s: usize,
    cost: &mut Expression,
    cons: &mut Vec<Constraint>,
) {
    let nk = p.slice_hours.len();
    let nb = p.bucket_share.len();
    // Spend rows: per offer, slice and bucket, Σ a·v over the offerings it covers.
    let mut spend_rows: Vec<Vec<Option<Expression>>> = vec![vec![None; nk * nb]; p.offers.len()];
    for (o, off) in p.offerings.iter().enumerate() {
        for kk in 0..nk {
            if p.load[s][o][kk].iter().all(|&l| l <= 0.0) {
                continue;
            }
            let unit_cap = (!off.unit_offers.is_empty())
                .then(|| capacity_column(p, c, buys, &off.unit_offers, s, kk, cons));
            let phi = p.price[s][o][kk];
            for b in 0..nb {
                let l = p.load[s][o][kk][b];
                if l <= 0.0 {
                    continue;
                }
                let h = p.cell_hours(kk, b);
                let od = off.on_demand * phi * h;
                *cost += Expression::from(od * l);
                let mut covered = Expression::from(0.0);
                if let Some(cap) = unit_cap {
                    let u = c.add(variable().min(0.0), false);
                    cons.push(Expression::from(c.list[u]).leq(c.list[cap]));
                    covered.add_mul(1.0, c.list[u]);
                    cost.add_mul(-od, c.list[u]);
                }
                for &(ki, a) in &off.spend_offers {
                    let k = &p.offers[ki];
                    if !k.purchasable && k.owned[kk] <= 0.0 {
                        continue;
                    }
                    let v = c.add(variable().min(0.0), false);
                    covered.add_mul(1.0, c.list[v]);
                    cost.add_mul(-od, c.list[v]);
                    spend_rows[ki][kk * nb + b]
                        .get_or_insert_with(|| Expression::from(0.0))
                        .add_mul(a * phi, c.list[v]);
                }
                let sp = p.spotable[s][o][kk][b];
                if let (Some(spot), true) = (off.spot, sp > 0.0) {
                    let x = c.add(variable().min(0.0).max(sp), false);
                    covered.add_mul(1.0, c.list[x]);
                    cost.add_mul(spot * phi * h - od, c.list[x]);
                }
                if let Some(capl) = off.capacity {
                    let q = c.add(variable().min(0.0), false);
                    covered.add_mul(1.0, c.list[q]);
                    cost.add_mul(od * (MIP_UNSERVED_PENALTY - 1.0), c.list[q]);
                    cons.push((Expression::from(l) - covered.clone()).leq(capl));
                }
                cons.push(covered.leq(l));
            }
        }
    }
    for (ki, rows) in spend_rows.into_iter().enumerate() {
        let mut cap_col: Vec<Option<usize>> = vec![None; nk];
        for (cell, row) in rows.into_iter().enumerate() {
            if let Some(row) = row {
                let kk = cell / nb;
                let col = *cap_col[kk]
                    .get_or_insert_with(|| capacity_column(p, c, buys, &[ki], s, kk, cons));
                cons.push(row.leq(c.list[col]));
            }
        }
    }
}

/// (1−λ)·E[cost] + λ·CVaR_α (Rockafellar–Uryasev), with the optional CVaR budget; the
/// expected cost alone without a risk term.
fn objective(
    p: &TermProblem,
    c: &mut Cols,
    costs: Vec<Expression>,
    cons: &mut Vec<Constraint>,
) -> Expression {
    let mut expected = Expression::from(0.0);
    if !(p.risk_weight > 0.0 || p.max_cvar.is_some()) || p.probs.len() < 2 {
        for (e, pr) in costs.into_iter().zip(&p.probs) {
            expected.add_mul(*pr, e);
        }
        return expected;
    }
    let eta = c.add(variable(), false);
    let mut cvar = Expression::from(c.list[eta]);
    for (s, e) in costs.into_iter().enumerate() {
        let cs = c.add(variable(), false);
        cons.push(Expression::from(c.list[cs]).eq(e));
        expected.add_mul(p.probs[s], c.list[cs]);
        let xi = c.add(variable().min(0.0), false);
        let off = p.cvar_offsets.get(s).copied().unwrap_or(0.0);
        cons.push(
            Expression::from(c.list[xi]).geq(Expression::from(c.list[cs]) - c.list[eta] - off),
        );
        cvar.add_mul(p.probs[s] / (1.0 - p.cvar_alpha), c.list[xi]);
    }
    if let Some(bud) = p.max_cvar {
        cons.push(cvar.clone().leq(bud));
    }
    let mut obj = Expression::from(0.0);
    obj.add_mul(1.0 - p.risk_weight, expected);
    obj.add_mul(p.risk_weight, cvar);
    obj
}
