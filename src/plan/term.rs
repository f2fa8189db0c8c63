//! Re-prices a term plan on every long-horizon scenario (`docs/term.md`), without the
//! solver: the independent check of the term model, and the source of the term-wide risk
//! figures (cost quantiles, stranded commitment, per-purchase odds and break-even).
//!
//! A scenario is priced cell by cell (slice × bucket, weighted by its hours) with the hourly
//! evaluator's dispatch: unit commitments first on the load that cannot go to spot, spend
//! commitments where they avoid the most cost (an exact small LP when several overlap), spot,
//! on-demand up to a capacity limit, unserved load at 10 × on-demand. Prices follow the
//! scenario's path: on-demand and spot by the GPU model's factor; a spend commitment's
//! discount applies to the new on-demand price; a unit commitment keeps the rate of the day
//! it was bought (today's catalog rate for owned ones and purchases now, the then on-demand
//! price × (1 − discount) for later purchases).

use super::evaluate::{
    simplex_max, CommitmentEval, EvalError, Evaluation, WorkloadEval, EVAL_UNSERVED_PENALTY,
};
use super::Placement;
use crate::domain::{perf, Catalog, CommitmentKind};
use crate::forecast::term::TermDemand;
use chrono::{DateTime, Utc};

/// A commitment with dates: owned, bought now, or bought later in one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated {
    /// Catalog offer id.
    pub offer_id: String,
    /// Instances (unit) or USD per hour (spend).
    pub amount: f64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Owned before the plan.
    pub owned: bool,
}

/// What is priced: where each entry's load runs and the commitments.
#[derive(Debug, Clone, PartialEq)]
pub struct TermBook {
    /// The placement of each entry of the demand (same order as its entries).
    pub placements: Vec<Placement>,
    /// Per entry: its workload's index in `workloads`.
    pub workload_of: Vec<usize>,
    /// Workload names (the order of the evaluation's per-workload figures).
    pub workloads: Vec<String>,
    /// Owned commitments, then purchases now: the evaluation's commitments, in this order.
    pub commitments: Vec<Dated>,
    /// Later purchases per scenario.
    pub later: Vec<Vec<Dated>>,
    /// Whether spot may be used.
    pub spot_allowed: bool,
}

/// One scenario re-priced.
#[derive(Debug, Clone, PartialEq)]
pub struct TermEvaluation {
    /// Totals, per workload and per listed commitment, over the horizon.
    pub evaluation: Evaluation,
    /// Cost of the later purchases inside the horizon.
    pub later_cost: f64,
    /// The unused part of it.
    pub later_unused: f64,
    /// `value[c][k]`: on-demand value of the usage listed commitment c covered in slice k.
    pub value: Vec<Vec<f64>>,
    /// `cost[c][k]`: what listed commitment c cost in slice k.
    pub cost: Vec<Vec<f64>>,
    /// `rate_above_on_demand[c][k]`: a unit commitment's locked rate per instance exceeds
    /// the on-demand price of its offering in slice k (it is underwater).
    pub underwater: Vec<Vec<bool>>,
}

/// A pool: one offering with load.
struct Pool {
    offering: usize,
    gpu: usize,
    od: f64,
    spot: Option<f64>,
    capacity: Option<f64>,
}

/// An entry resolved: its pool, conversion and hidden-cost inputs, baseline.
struct Place {
    pool: usize,
    ratio: f64,
    spot_share: f64,
    adders: f64,
    overhead: f64,
    /// (on-demand USD per GPU of the current offering × performance ratio × share, its GPU
    /// index).
    base: Option<(f64, usize)>,
    /// Storage + egress USD per GPU-hour of demand on the current offering, times the share.
    base_adders: f64,
    workload: usize,
}

/// A commitment resolved for one scenario.
struct Cap {
    kind: CommitmentKind,
    amount: f64,
    /// Locked USD per hour of one unit (instance or USD/h).
    rate: f64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// Index among the listed commitments (`None`: a later purchase).
    listed: Option<usize>,
    /// Unit: the pool it covers; spend: pools with today's billed USD per instance-hour.
    unit_pool: Option<usize>,
    spend: Vec<(usize, f64)>,
}

fn gpu_index(catalog: &Catalog, name: &str) -> usize {
    catalog
        .gpus
        .iter()
        .position(|g| g.name == name)
        .unwrap_or(0)
}

/// Resolves the placements against the catalog: pools and places.
fn resolve(book: &TermBook, catalog: &Catalog) -> Result<(Vec<Pool>, Vec<Place>), EvalError> {
    let mut pools: Vec<Pool> = Vec::new();
    let mut places = Vec::new();
    for (e, pl) in book.placements.iter().enumerate() {
        let oi = catalog
            .offerings
            .iter()
            .position(|o| {
                o.cloud == pl.cloud && o.region == pl.region && o.instance_type == pl.instance_type
            })
            .ok_or_else(|| {
                EvalError(format!(
                    "placement of {}: offering {}/{}/{} is not in the catalog",
                    pl.workload, pl.cloud, pl.region, pl.instance_type
                ))
            })?;
        let o = &catalog.offerings[oi];
        let pool = match pools.iter().position(|p| p.offering == oi) {
            Some(p) => p,
            None => {
                pools.push(Pool {
                    offering: oi,
                    gpu: gpu_index(catalog, &o.gpu_model),
                    od: o.on_demand_hourly,
                    spot: if book.spot_allowed {
                        o.effective_spot_hourly()
                    } else {
                        None
                    },
                    capacity: o.capacity_limit,
                });
                pools.len() - 1
            }
        };
        let ratio = perf(catalog, &pl.current_gpu, pl.class)
            / perf(catalog, &o.gpu_model, pl.class)
            / f64::from(o.gpus);
        let base = pl.current.as_ref().and_then(|(c, r, it)| {
            let b = catalog.offering(*c, r, it)?;
            let pr =
                perf(catalog, &pl.current_gpu, pl.class) / perf(catalog, &b.gpu_model, pl.class);
            Some((
                b.on_demand_per_gpu() * pr * pl.share,
                gpu_index(catalog, &b.gpu_model),
            ))
        });
        places.push(Place {
            pool,
            ratio: ratio * pl.share,
            spot_share: if pools[pool].spot.is_some() {
                pl.max_spot_share
            } else {
                0.0
            },
            adders: pl.adders_per_gpu_hour * pl.share,
            overhead: pl.overhead_pct / 100.0,
            base,
            base_adders: pl.current_adders_per_gpu_hour * pl.share,
            workload: book.workload_of.get(e).copied().unwrap_or(0),
        });
    }
    Ok((pools, places))
}

/// The commitments of scenario `s`: listed ones (owned, bought now) then later purchases,
/// with their locked rates and the pools they cover.
fn caps_of(
    book: &TermBook,
    catalog: &Catalog,
    demand: &TermDemand,
    pools: &[Pool],
    s: usize,
) -> Result<Vec<Cap>, EvalError> {
    let later = book.later.get(s).map(Vec::as_slice).unwrap_or(&[]);
    let mut caps = Vec::new();
    for (i, d) in book.commitments.iter().chain(later).enumerate() {
        let k = catalog.offer(&d.offer_id).ok_or_else(|| {
            EvalError(format!(
                "commitment offer {:?} is not in the catalog",
                d.offer_id
            ))
        })?;
        let mut rate = crate::domain::commitment_unit_rate(catalog, k);
        let listed = (i < book.commitments.len()).then_some(i);
        let unit_pool = match k.kind {
            CommitmentKind::Unit => pools
                .iter()
                .position(|p| k.matches(&catalog.offerings[p.offering])),
            CommitmentKind::Spend => None,
        };
        if let (None, Some(p)) = (listed, unit_pool) {
            // A later unit purchase is bought at the on-demand price of its day.
            rate *= price_at(demand, s, pools[p].gpu, d.start);
        }
        let spend = match k.kind {
            CommitmentKind::Spend => pools
                .iter()
                .enumerate()
                .filter_map(|(pi, p)| {
                    k.discount_for(&catalog.offerings[p.offering])
                        .map(|disc| (pi, p.od * (1.0 - disc / 100.0)))
                })
                .collect(),
            CommitmentKind::Unit => Vec::new(),
        };
        caps.push(Cap {
            kind: k.kind,
            amount: d.amount,
            rate,
            start: d.start,
            end: d.end,
            listed,
            unit_pool,
            spend,
        });
    }
    Ok(caps)
}

/// The price factor of GPU `g` in scenario `s` at instant `t` (the slice containing it; 1
/// before the horizon).
fn price_at(demand: &TermDemand, s: usize, g: usize, t: DateTime<Utc>) -> f64 {
    demand
        .paths
        .horizon
        .slices
        .iter()
        .position(|sl| sl.start <= t && t < sl.end)
        .map_or(1.0, |k| demand.paths.price[s][g][k])
}

/// What one cell's dispatch decided, per pool.
struct CellDispatch {
    /// Load covered by commitments, non-spot and spot-eligible.
    covered_ns: Vec<f64>,
    covered_sp: Vec<f64>,
    /// Commitment cost attributed to each pool's covered load (at the billed rates).
    commit_value: Vec<f64>,
    /// Remaining non-spot and spot-eligible load.
    rem_ns: Vec<f64>,
    rem_sp: Vec<f64>,
    /// Per cap: amount used (instances or discounted USD) and on-demand value covered.
    used: Vec<f64>,
    od_value: Vec<f64>,
}

/// Units first (non-spot load first), then spend commitments where they avoid the most
/// cost: per instance, the on-demand price (or the spot price for spot-eligible load).
fn dispatch_cell(
    pools: &[Pool],
    caps: &[Cap],
    active: &[bool],
    load: &[f64],
    spotable: &[f64],
    phi: &[f64],
) -> CellDispatch {
    let np = pools.len();
    let mut d = CellDispatch {
        covered_ns: vec![0.0; np],
        covered_sp: vec![0.0; np],
        commit_value: vec![0.0; np],
        rem_ns: (0..np).map(|p| (load[p] - spotable[p]).max(0.0)).collect(),
        rem_sp: spotable.to_vec(),
        used: vec![0.0; caps.len()],
        od_value: vec![0.0; caps.len()],
    };
    for (ci, c) in caps.iter().enumerate() {
        let (true, Some(p)) = (active[ci], c.unit_pool) else {
            continue;
        };
        let a = c.amount.min(d.rem_ns[p]);
        d.rem_ns[p] -= a;
        let b = (c.amount - a).min(d.rem_sp[p]).max(0.0);
        d.rem_sp[p] -= b;
        d.covered_ns[p] += a;
        d.covered_sp[p] += b;
        d.used[ci] += a + b;
        d.od_value[ci] += (a + b) * pools[p].od * phi[p];
        d.commit_value[p] += (a + b) * c.rate;
    }
    spend_cover(pools, caps, active, phi, &mut d);
    d
}

/// Spend commitments of one cell (see [`dispatch_cell`]).
fn spend_cover(pools: &[Pool], caps: &[Cap], active: &[bool], phi: &[f64], d: &mut CellDispatch) {
    let budgets: Vec<usize> = (0..caps.len())
        .filter(|&ci| active[ci] && caps[ci].kind == CommitmentKind::Spend)
        .collect();
    if budgets.is_empty() {
        return;
    }
    // Items: (pool, spot-eligible?, amount, saving per instance).
    let mut items: Vec<(usize, bool, f64, f64)> = Vec::new();
    for (p, pool) in pools.iter().enumerate() {
        if d.rem_ns[p] > 0.0 {
            items.push((p, false, d.rem_ns[p], pool.od * phi[p]));
        }
        if d.rem_sp[p] > 0.0 {
            items.push((p, true, d.rem_sp[p], pool.spot.unwrap_or(pool.od) * phi[p]));
        }
    }
    // Variables (budget, item, billed USD per instance).
    let mut vars: Vec<(usize, usize, f64)> = Vec::new();
    for (bi, &ci) in budgets.iter().enumerate() {
        for (ii, it) in items.iter().enumerate() {
            if let Some(&(_, a)) = caps[ci].spend.iter().find(|(p, _)| *p == it.0) {
                vars.push((bi, ii, a * phi[it.0]));
            }
        }
    }
    if vars.is_empty() {
        return;
    }
    let x = allocate(
        &budgets
            .iter()
            .map(|&ci| caps[ci].amount)
            .collect::<Vec<_>>(),
        &items,
        &vars,
    );
    for (v, &(bi, ii, a)) in vars.iter().enumerate() {
        let amt = x[v];
        if amt <= 0.0 {
            continue;
        }
        let ci = budgets[bi];
        let (p, spot, _, _) = items[ii];
        d.used[ci] += amt * a;
        d.od_value[ci] += amt * pools[p].od * phi[p];
        d.commit_value[p] += amt * a;
        if spot {
            d.rem_sp[p] -= amt;
            d.covered_sp[p] += amt;
        } else {
            d.rem_ns[p] -= amt;
            d.covered_ns[p] += amt;
        }
    }
}

/// Spend allocation maximising the avoided cost `Σ saving·x` under each budget
/// (`Σ a·x ≤ amount`) and each item's amount: a fractional knapsack per budget (best saving
/// per committed dollar first) when no item is matched by two budgets, else the exact LP.
fn allocate(
    budget: &[f64],
    items: &[(usize, bool, f64, f64)],
    vars: &[(usize, usize, f64)],
) -> Vec<f64> {
    let mut seen = vec![usize::MAX; items.len()];
    let overlapping = vars.iter().any(|&(bi, ii, _)| {
        let other = seen[ii] != usize::MAX && seen[ii] != bi;
        seen[ii] = bi;
        other
    });
    if overlapping {
        let mut rows = vec![vec![0.0; vars.len()]; budget.len() + items.len()];
        let mut rhs = budget.to_vec();
        rhs.extend(items.iter().map(|it| it.2));
        for (v, &(bi, ii, a)) in vars.iter().enumerate() {
            rows[bi][v] = a;
            rows[budget.len() + ii][v] = 1.0;
        }
        let obj: Vec<f64> = vars.iter().map(|&(_, ii, _)| items[ii].3).collect();
        return simplex_max(&obj, &rows, &rhs);
    }
    let mut x = vec![0.0; vars.len()];
    for (bi, &total) in budget.iter().enumerate() {
        let mut idx: Vec<usize> = (0..vars.len()).filter(|&v| vars[v].0 == bi).collect();
        idx.sort_by(|&a, &b| {
            let ra = items[vars[a].1].3 / vars[a].2;
            let rb = items[vars[b].1].3 / vars[b].2;
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        let mut left = total;
        for v in idx {
            if left <= 0.0 {
                break;
            }
            let (_, ii, a) = vars[v];
            let take = items[ii].2.min(left / a);
            x[v] = take;
            left -= take * a;
        }
    }
    x
}

/// Re-prices the book on scenario `s` of `demand`.
pub fn evaluate_term(
    book: &TermBook,
    catalog: &Catalog,
    demand: &TermDemand,
    s: usize,
) -> Result<TermEvaluation, EvalError> {
    let (pools, places) = resolve(book, catalog)?;
    let caps = caps_of(book, catalog, demand, &pools, s)?;
    let nl = book.commitments.len();
    let nk = demand.paths.horizon.slices.len();
    let mut acc = Acc::new(book, &caps, nl, nk);
    for (k, sl) in demand.paths.horizon.slices.iter().enumerate() {
        let active: Vec<bool> = caps
            .iter()
            .map(|c| c.start <= sl.start && sl.end <= c.end)
            .collect();
        let phi: Vec<f64> = pools
            .iter()
            .map(|p| demand.paths.price[s][p.gpu][k])
            .collect();
        for (ci, c) in caps.iter().enumerate() {
            if !active[ci] {
                continue;
            }
            acc.commit_hours(c, sl.hours, k);
            if let (Some(li), Some(p)) = (c.listed, c.unit_pool) {
                if c.rate > pools[p].od * phi[p] * (1.0 + 1e-9) {
                    acc.underwater[li][k] = true;
                }
            }
        }
        for (b, share) in demand.bucket_share.iter().enumerate() {
            let h = sl.hours * share;
            if h <= 0.0 {
                continue;
            }
            let (load, spotable, gpus) = cell_load(demand, &places, pools.len(), s, k, b);
            let d = dispatch_cell(&pools, &caps, &active, &load, &spotable, &phi);
            let cell = Cell {
                load: &load,
                spotable: &spotable,
                gpus: &gpus,
                phi: &phi,
                k,
                h,
            };
            acc.add_cell(&pools, &places, &caps, &d, &cell, demand, s);
        }
    }
    Ok(acc.finish())
}

/// Load, spot-eligible load per pool and GPUs per entry in one cell.
fn cell_load(
    demand: &TermDemand,
    places: &[Place],
    np: usize,
    s: usize,
    k: usize,
    b: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut load = vec![0.0; np];
    let mut spotable = vec![0.0; np];
    let gpus: Vec<f64> = (0..places.len()).map(|e| demand.gpus(s, e, k, b)).collect();
    for (pl, g) in places.iter().zip(&gpus) {
        let n = g * pl.ratio;
        load[pl.pool] += n;
        spotable[pl.pool] += n * pl.spot_share;
    }
    (load, spotable, gpus)
}

/// One cell being priced: its load, spot-eligible load, GPUs per entry, price factors per
/// pool, slice and hours.
struct Cell<'a> {
    load: &'a [f64],
    spotable: &'a [f64],
    gpus: &'a [f64],
    phi: &'a [f64],
    k: usize,
    h: f64,
}

/// Running totals of one scenario's re-pricing.
struct Acc {
    ev: Evaluation,
    value: Vec<Vec<f64>>,
    cost: Vec<Vec<f64>>,
    underwater: Vec<Vec<bool>>,
    later_cost: f64,
    later_used_cost: f64,
    used: Vec<f64>,
}

impl Acc {
    fn new(book: &TermBook, caps: &[Cap], nl: usize, nk: usize) -> Acc {
        let ev = Evaluation {
            workloads: book
                .workloads
                .iter()
                .map(|w| WorkloadEval {
                    workload: w.clone(),
                    ..Default::default()
                })
                .collect(),
            commitments: book
                .commitments
                .iter()
                .zip(caps)
                .map(|(d, c)| CommitmentEval {
                    offer_id: d.offer_id.clone(),
                    owned: d.owned,
                    kind: c.kind,
                    amount: d.amount,
                    hourly_cost: d.amount * c.rate,
                    active_hours: 0.0,
                    committed: 0.0,
                    used: 0.0,
                    on_demand_value: 0.0,
                })
                .collect(),
            ..Default::default()
        };
        Acc {
            ev,
            value: vec![vec![0.0; nk]; nl],
            cost: vec![vec![0.0; nk]; nl],
            underwater: vec![vec![false; nk]; nl],
            later_cost: 0.0,
            later_used_cost: 0.0,
            used: vec![0.0; caps.len()],
        }
    }

    /// A commitment active for a whole slice: its cost and committed amount.
    fn commit_hours(&mut self, c: &Cap, hours: f64, k: usize) {
        let cost = c.amount * c.rate * hours;
        self.ev.commitment_cost += cost;
        match c.listed {
            Some(li) => {
                let ce = &mut self.ev.commitments[li];
                ce.active_hours += hours;
                ce.committed += c.amount * hours;
                self.cost[li][k] += cost;
            }
            None => self.later_cost += cost,
        }
    }

    /// One cell's dispatch priced and attributed.
    #[allow(clippy::too_many_arguments)]
    fn add_cell(
        &mut self,
        pools: &[Pool],
        places: &[Place],
        caps: &[Cap],
        d: &CellDispatch,
        cell: &Cell<'_>,
        demand: &TermDemand,
        s: usize,
    ) {
        let (load, phi, k, h) = (cell.load, cell.phi, cell.k, cell.h);
        for (ci, c) in caps.iter().enumerate() {
            let (u, v) = (d.used[ci] * h, d.od_value[ci] * h);
            match c.listed {
                Some(li) => {
                    let ce = &mut self.ev.commitments[li];
                    ce.used += u;
                    ce.on_demand_value += v;
                    self.value[li][k] += v;
                }
                None => {
                    // Used share of a later purchase, in dollars.
                    let used_cost = match c.kind {
                        CommitmentKind::Unit => u * c.rate,
                        CommitmentKind::Spend => u,
                    };
                    self.later_used_cost += used_cost;
                }
            }
            self.used[ci] += u;
        }
        for (p, pool) in pools.iter().enumerate() {
            let (od, sp) = (pool.od * phi[p], pool.spot.unwrap_or(pool.od) * phi[p]);
            let ns = d.rem_ns[p].max(0.0);
            let spl = d.rem_sp[p].max(0.0);
            self.ev.spot_cost += spl * sp * h;
            let (z, q) = match pool.capacity {
                Some(cap) if ns > cap => (cap, ns - cap),
                _ => (ns, 0.0),
            };
            self.ev.on_demand_cost += z * od * h;
            self.ev.unserved_cost += q * od * EVAL_UNSERVED_PENALTY * h;
            self.ev.on_demand_equivalent += load[p] * od * h;
            let cov = d.covered_ns[p] + d.covered_sp[p];
            self.ev.instance_hours[0] += load[p] * h;
            self.ev.instance_hours[1] += cov * h;
            self.ev.instance_hours[2] += spl * h;
            self.ev.instance_hours[3] += ns * h;
        }
        self.attribute(pools, places, d, cell, demand, s);
    }

    /// Per-workload figures, pro rata within each pool (spot-eligible and other load apart).
    fn attribute(
        &mut self,
        pools: &[Pool],
        places: &[Place],
        d: &CellDispatch,
        cell: &Cell<'_>,
        demand: &TermDemand,
        s: usize,
    ) {
        let (load, spotable, gpus, phi, h) =
            (cell.load, cell.spotable, cell.gpus, cell.phi, cell.h);
        for (pl, &g) in places.iter().zip(gpus) {
            let p = pl.pool;
            let n = g * pl.ratio;
            let od = pools[p].od * phi[p];
            let hidden = (g * pl.adders + pl.overhead * od * n) * h;
            self.ev.hidden_cost += hidden;
            let we = &mut self.ev.workloads[pl.workload];
            we.gpu_hours += g * h;
            we.instance_hours += n * h;
            we.hidden_cost += hidden;
            if let Some((per_gpu, bg)) = pl.base {
                let f = demand.paths.price[s][bg][cell.k];
                let base = g * per_gpu * f * h;
                let hidden = pl.overhead * base + g * pl.base_adders * h;
                we.baseline_on_demand += base;
                we.baseline_hidden += hidden;
                self.ev.baseline_all_on_demand += base + hidden;
            }
            if load[p] <= 0.0 || n <= 0.0 {
                we.cost += hidden;
                continue;
            }
            let n_sp = n * pl.spot_share;
            let n_ns = n - n_sp;
            let ns_total = load[p] - spotable[p];
            let f_ns = if ns_total > 0.0 { n_ns / ns_total } else { 0.0 };
            let f_sp = if spotable[p] > 0.0 {
                n_sp / spotable[p]
            } else {
                0.0
            };
            let cov = d.covered_ns[p] * f_ns + d.covered_sp[p] * f_sp;
            let covered = d.covered_ns[p] + d.covered_sp[p];
            let spot_h = d.rem_sp[p].max(0.0) * f_sp;
            let od_h = d.rem_ns[p].max(0.0) * f_ns;
            let commit = if covered > 0.0 {
                d.commit_value[p] * cov / covered
            } else {
                0.0
            };
            let sp = pools[p].spot.unwrap_or(pools[p].od) * phi[p];
            we.committed_hours += cov * h;
            we.spot_hours += spot_h * h;
            we.on_demand_hours += od_h * h;
            we.cost += hidden + (commit + spot_h * sp + od_h * od) * h;
        }
    }

    fn finish(mut self) -> TermEvaluation {
        let ev = &mut self.ev;
        ev.hours = 0;
        ev.total = ev.compute_cost() + ev.hidden_cost;
        let later_unused = (self.later_cost - self.later_used_cost).max(0.0);
        TermEvaluation {
            evaluation: self.ev,
            later_cost: self.later_cost,
            later_unused,
            value: self.value,
            cost: self.cost,
            underwater: self.underwater,
        }
    }
}
