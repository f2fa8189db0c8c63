//! Re-prices a plan hour by hour against any hourly demand with the optimal dispatch:
//! owned and bought capacity first (already paid), then spot for interruptible load, then
//! on-demand. Written without the solver so that it checks it.
//!
//! Per hour and offering: unit commitments cover the load that cannot go to spot first;
//! spend commitments are then allocated to maximise the cost they avoid (each covered
//! instance saves its on-demand price, or its spot price if it could have run on spot) —
//! for one commitment that is the providers' rule, largest discount first; when several
//! commitments overlap, a small exact LP (dense simplex below) finds the allocation.

use super::Plan;
use crate::domain::perf;
use crate::domain::{Catalog, CommitmentKind, DemandHistory, Offering, WorkloadClass};
use chrono::Duration;
use std::collections::HashMap;

/// Penalty on load above an on-demand capacity limit, as a multiple of on-demand.
pub const EVAL_UNSERVED_PENALTY: f64 = 10.0;

/// Evaluation of one commitment (bought or owned).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentEval {
    /// Offer id.
    pub offer_id: String,
    /// Owned (true) or bought by the plan.
    pub owned: bool,
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// Instances or USD per hour.
    pub amount: f64,
    /// USD per hour it costs.
    pub hourly_cost: f64,
    /// Hours it was active in the evaluated demand.
    pub active_hours: f64,
    /// Committed: instance-hours (unit) or discounted USD (spend).
    pub committed: f64,
    /// Consumed, same unit as `committed`.
    pub used: f64,
    /// On-demand value of the usage it covered, USD.
    pub on_demand_value: f64,
}

impl CommitmentEval {
    /// used ÷ committed (1 when nothing was committed in the window).
    pub fn utilization(&self) -> f64 {
        if self.committed > 0.0 {
            self.used / self.committed
        } else {
            1.0
        }
    }
    /// Cost over the evaluated hours.
    pub fn cost(&self) -> f64 {
        self.hourly_cost * self.active_hours
    }
    /// Unused commitment in USD over the evaluated hours.
    pub fn unused_cost(&self) -> f64 {
        self.cost() * (1.0 - self.utilization()).max(0.0)
    }
}

/// Evaluation of one workload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadEval {
    /// Workload.
    pub workload: String,
    /// GPU-hours of recorded demand.
    pub gpu_hours: f64,
    /// Instance-hours on its placement.
    pub instance_hours: f64,
    /// Instance-hours covered by commitments (pro rata of its pool).
    pub committed_hours: f64,
    /// Instance-hours on spot (pro rata of the spotable load of its pool).
    pub spot_hours: f64,
    /// Instance-hours on on-demand (incl. unserved).
    pub on_demand_hours: f64,
    /// Cost: its share of the pool's consumed commitment, spot and on-demand, plus its hidden
    /// costs.
    pub cost: f64,
    /// Hidden costs (storage, egress, overhead).
    pub hidden_cost: f64,
    /// On-demand cost of its current offering (baseline), compute only.
    pub baseline_on_demand: f64,
    /// Hidden costs on the current offering (baseline).
    pub baseline_hidden: f64,
}

/// Unserved load (above a capacity limit).
#[derive(Debug, Clone, PartialEq)]
pub struct Unserved {
    /// Offering key.
    pub offering: String,
    /// Hour.
    pub hour: chrono::DateTime<chrono::Utc>,
    /// Instances not served.
    pub instances: f64,
}

/// The re-priced plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Hours evaluated.
    pub hours: usize,
    /// Total cost: commitments (bought and owned) + spot + on-demand + unserved penalty +
    /// hidden.
    pub total: f64,
    /// Commitment cost (bought and owned) over the evaluated hours.
    pub commitment_cost: f64,
    /// Spot cost (with interruption overhead).
    pub spot_cost: f64,
    /// On-demand cost.
    pub on_demand_cost: f64,
    /// Penalty cost of unserved load.
    pub unserved_cost: f64,
    /// Hidden costs.
    pub hidden_cost: f64,
    /// On-demand price of the plan's own placed usage (ESR denominator).
    pub on_demand_equivalent: f64,
    /// All workloads on their current offering at on-demand, compute + hidden.
    pub baseline_all_on_demand: f64,
    /// Per workload, in plan order.
    pub workloads: Vec<WorkloadEval>,
    /// Per commitment: owned first, then bought, in plan order.
    pub commitments: Vec<CommitmentEval>,
    /// Unserved hours (first 100).
    pub unserved: Vec<Unserved>,
    /// Instance-hours in total and covered by commitments / spot / on-demand.
    pub instance_hours: [f64; 4],
}

impl Evaluation {
    /// Commitment utilization in dollars (consumed ÷ committed, each commitment capped at
    /// full use); `None` without commitments.
    pub fn commitment_utilization(&self) -> Option<f64> {
        let committed: f64 = self.commitments.iter().map(|c| c.cost()).sum();
        let used: f64 = self
            .commitments
            .iter()
            .map(|c| c.cost() * c.utilization().min(1.0))
            .sum();
        (committed > 0.0).then(|| used / committed)
    }
    /// Compute cost: commitments + spot + on-demand + unserved penalty.
    pub fn compute_cost(&self) -> f64 {
        self.commitment_cost + self.spot_cost + self.on_demand_cost + self.unserved_cost
    }
    /// Effective savings rate (FinOps Foundation): (on-demand equivalent − compute cost) /
    /// on-demand equivalent.
    pub fn esr(&self) -> f64 {
        if self.on_demand_equivalent > 0.0 {
            (self.on_demand_equivalent - self.compute_cost()) / self.on_demand_equivalent
        } else {
            0.0
        }
    }
}

/// A plan that does not fit the catalog or the demand.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

struct Pool<'a> {
    o: &'a Offering,
    spot: Option<f64>,
    unit_caps: Vec<usize>,
    spend: Vec<(usize, f64)>,
}

struct Cap {
    kind: CommitmentKind,
    amount: f64,
    rate: f64,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    catalog: usize,
}

/// Re-prices `plan` on `demand` (hours where `keep` is false are skipped).
pub fn evaluate(
    plan: &Plan,
    catalog: &Catalog,
    demand: &DemandHistory,
    keep: Option<&[bool]>,
) -> Result<Evaluation, EvalError> {
    // Pools: offerings used by placements.
    let find = |cloud, region: &str, it: &str| {
        catalog
            .offerings
            .iter()
            .position(|o| o.cloud == cloud && o.region == region && o.instance_type == it)
    };
    let mut pools: Vec<Pool> = Vec::new();
    let mut pool_of: HashMap<usize, usize> = HashMap::new();
    // Per placement: (demand row, pool, instances per GPU, spot share, adders, overhead, baseline od per gpu)
    let mut places = Vec::new();
    for pl in &plan.placements {
        let oi = find(pl.cloud, &pl.region, &pl.instance_type).ok_or_else(|| {
            EvalError(format!(
                "placement of {}: offering {}/{}/{} is not in the catalog",
                pl.workload, pl.cloud, pl.region, pl.instance_type
            ))
        })?;
        let o = &catalog.offerings[oi];
        if catalog.gpu(&pl.current_gpu).is_none() {
            return Err(EvalError(format!(
                "placement of {}: unknown current GPU {}",
                pl.workload, pl.current_gpu
            )));
        }
        let pi = *pool_of.entry(oi).or_insert_with(|| {
            pools.push(Pool {
                o,
                spot: if plan.spot_allowed {
                    o.spot_hourly
                        .map(|s| s * (1.0 + o.spot_interruption_pct / 100.0))
                } else {
                    None
                },
                unit_caps: Vec::new(),
                spend: Vec::new(),
            });
            pools.len() - 1
        });
        let class: WorkloadClass = pl.class;
        let ratio = perf(catalog, &pl.current_gpu, class)
            / perf(catalog, &o.gpu_model, class)
            / f64::from(o.gpus);
        let base = match &pl.current {
            Some((c, r, it)) => {
                let bi = find(*c, r, it).ok_or_else(|| {
                    EvalError(format!(
                        "placement of {}: current offering {c}/{r}/{it} is not in the catalog",
                        pl.workload
                    ))
                })?;
                let b = &catalog.offerings[bi];
                // Baseline hidden costs: storage always, egress never (the current offering
                // is where the data lives unless stated otherwise); overhead on list price.
                Some((
                    b.on_demand_hourly / f64::from(b.gpus),
                    perf(catalog, &pl.current_gpu, class) / perf(catalog, &b.gpu_model, class),
                ))
            }
            None => None,
        };
        let row = demand.index_of(&pl.workload);
        places.push((
            row,
            pi,
            ratio * pl.share,
            pl.max_spot_share,
            pl.adders_per_gpu_hour * pl.share,
            pl.overhead_pct / 100.0,
            base,
        ));
    }
    for (wi, name) in demand.workloads.iter().enumerate() {
        if !plan.placements.iter().any(|p| &p.workload == name) {
            let total: f64 = demand.gpus[wi].iter().sum();
            if total > 0.0 {
                return Err(EvalError(format!(
                    "workload {name:?} of the demand has no placement in the plan"
                )));
            }
        }
    }
    // Commitments: owned first, then bought.
    let mut caps: Vec<Cap> = Vec::new();
    let mut evals: Vec<CommitmentEval> = Vec::new();
    let mut add_cap =
        |offer_id: &str, amount: f64, start, end, owned: bool| -> Result<(), EvalError> {
            let ki = catalog
                .offers
                .iter()
                .position(|k| k.id == offer_id)
                .ok_or_else(|| {
                    EvalError(format!(
                        "commitment offer {offer_id:?} is not in the catalog"
                    ))
                })?;
            let k = &catalog.offers[ki];
            let rate = crate::domain::commitment_unit_rate(catalog, k);
            caps.push(Cap {
                kind: k.kind,
                amount,
                rate,
                start,
                end,
                catalog: ki,
            });
            evals.push(CommitmentEval {
                offer_id: offer_id.to_string(),
                owned,
                kind: k.kind,
                amount,
                hourly_cost: amount * rate,
                active_hours: 0.0,
                committed: 0.0,
                used: 0.0,
                on_demand_value: 0.0,
            });
            Ok(())
        };
    for c in &plan.owned {
        add_cap(&c.offer_id, c.quantity_or_hourly, c.start, c.end, true)?;
    }
    for p in &plan.purchases {
        let k = catalog.offer(&p.offer_id).ok_or_else(|| {
            EvalError(format!(
                "commitment offer {:?} is not in the catalog",
                p.offer_id
            ))
        })?;
        let end = plan.start + Duration::hours(k.term_hours().round() as i64);
        add_cap(&p.offer_id, p.amount, plan.start, end, false)?;
    }
    for (ci, cap) in caps.iter().enumerate() {
        let k = &catalog.offers[cap.catalog];
        for pool in pools.iter_mut() {
            if let Some(d) = k.discount_for(pool.o) {
                match cap.kind {
                    CommitmentKind::Unit => pool.unit_caps.push(ci),
                    CommitmentKind::Spend => pool
                        .spend
                        .push((ci, pool.o.on_demand_hourly * (1.0 - d / 100.0))),
                }
            }
        }
    }

    let mut ev = Evaluation {
        workloads: plan
            .placements
            .iter()
            .map(|p| WorkloadEval {
                workload: p.workload.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let np = pools.len();
    let mut load = vec![0.0; np];
    let mut spotable = vec![0.0; np];
    for t in 0..demand.window.hours() {
        if keep.is_some_and(|k| !k[t]) {
            continue;
        }
        ev.hours += 1;
        let hour = demand.window.hour(t);
        load.iter_mut().for_each(|v| *v = 0.0);
        spotable.iter_mut().for_each(|v| *v = 0.0);
        for &(row, pi, ratio, share, adders, overhead, base) in &places {
            let g = row.map_or(0.0, |r| demand.gpus[r][t]);
            let n = g * ratio;
            load[pi] += n;
            if pools[pi].spot.is_some() {
                spotable[pi] += n * share;
            }
            let od = pools[pi].o.on_demand_hourly;
            ev.hidden_cost += g * adders + overhead * od * n;
            if let Some((per_gpu, r)) = base {
                ev.baseline_all_on_demand +=
                    g * per_gpu * r + g * adders * 0.0 + overhead * per_gpu * g * r;
            }
        }
        let active: Vec<bool> = caps
            .iter()
            .map(|c| hour >= c.start && hour < c.end)
            .collect();
        for (ci, c) in caps.iter().enumerate() {
            if active[ci] {
                evals[ci].active_hours += 1.0;
                ev.commitment_cost += c.amount * c.rate;
                evals[ci].committed += match c.kind {
                    CommitmentKind::Unit => c.amount,
                    CommitmentKind::Spend => c.amount,
                };
            }
        }
        // Units first, on the load that cannot go to spot first.
        let mut rem_nonspot = vec![0.0; np];
        let mut rem_spot = vec![0.0; np];
        let mut covered = vec![0.0; np];
        let mut covered_ns = vec![0.0; np];
        let mut covered_sp = vec![0.0; np];
        let mut commit_cost = vec![0.0; np];
        for (pi, pool) in pools.iter().enumerate() {
            let mut ns = load[pi] - spotable[pi];
            let mut sp = spotable[pi];
            for &ci in &pool.unit_caps {
                if !active[ci] {
                    continue;
                }
                let avail = caps[ci].amount;
                let a = avail.min(ns);
                ns -= a;
                let b = (avail - a).min(sp);
                sp -= b;
                evals[ci].used += a + b;
                evals[ci].on_demand_value += (a + b) * pool.o.on_demand_hourly;
                covered[pi] += a + b;
                covered_ns[pi] += a;
                covered_sp[pi] += b;
                commit_cost[pi] += (a + b) * caps[ci].rate;
            }
            rem_nonspot[pi] = ns.max(0.0);
            rem_spot[pi] = sp.max(0.0);
        }
        // Spend commitments.
        let budgets: Vec<usize> = (0..caps.len())
            .filter(|&ci| active[ci] && caps[ci].kind == CommitmentKind::Spend)
            .collect();
        if !budgets.is_empty() {
            // Items: (pool, tier 0 = non-spot / 1 = spot, amount, saving per instance).
            let mut items: Vec<(usize, usize, f64, f64)> = Vec::new();
            for (pi, pool) in pools.iter().enumerate() {
                if rem_nonspot[pi] > 0.0 {
                    items.push((pi, 0, rem_nonspot[pi], pool.o.on_demand_hourly));
                }
                if rem_spot[pi] > 0.0 {
                    items.push((
                        pi,
                        1,
                        rem_spot[pi],
                        pool.spot.unwrap_or(pool.o.on_demand_hourly),
                    ));
                }
            }
            // Variables: (budget, item) pairs where the budget covers the pool.
            let mut vars: Vec<(usize, usize, f64)> = Vec::new(); // (budget idx, item idx, cost a)
            for (bi, &ci) in budgets.iter().enumerate() {
                for (ii, it) in items.iter().enumerate() {
                    if let Some(&(_, a)) = pools[it.0].spend.iter().find(|(c, _)| *c == ci) {
                        vars.push((bi, ii, a));
                    }
                }
            }
            let overlapping = {
                let mut seen = vec![usize::MAX; items.len()];
                let mut ov = false;
                for &(bi, ii, _) in &vars {
                    if seen[ii] != usize::MAX && seen[ii] != bi {
                        ov = true;
                    }
                    seen[ii] = bi;
                }
                ov
            };
            let amounts: Vec<f64> = if !overlapping {
                // Each item is matched by at most one budget: fractional knapsack per
                // budget, best saving per dollar of commitment first (exact).
                let mut x = vec![0.0; vars.len()];
                for bi in 0..budgets.len() {
                    let mut idx: Vec<usize> =
                        (0..vars.len()).filter(|&v| vars[v].0 == bi).collect();
                    idx.sort_by(|&a, &b| {
                        let ra = items[vars[a].1].3 / vars[a].2;
                        let rb = items[vars[b].1].3 / vars[b].2;
                        rb.total_cmp(&ra).then(a.cmp(&b))
                    });
                    let mut budget = caps[budgets[bi]].amount;
                    for v in idx {
                        if budget <= 0.0 {
                            break;
                        }
                        let (_, ii, a) = vars[v];
                        let take = items[ii].2.min(budget / a);
                        x[v] = take;
                        budget -= take * a;
                    }
                }
                x
            } else {
                // max Σ saving·x  s.t. Σ_{v of budget} a·x ≤ B,  Σ_{v of item} x ≤ amount.
                let m_b = budgets.len();
                let mut rows: Vec<Vec<f64>> = vec![vec![0.0; vars.len()]; m_b + items.len()];
                let mut rhs = vec![0.0; m_b + items.len()];
                for (bi, &ci) in budgets.iter().enumerate() {
                    rhs[bi] = caps[ci].amount;
                }
                for (ii, it) in items.iter().enumerate() {
                    rhs[m_b + ii] = it.2;
                }
                for (v, &(bi, ii, a)) in vars.iter().enumerate() {
                    rows[bi][v] = a;
                    rows[m_b + ii][v] = 1.0;
                }
                let obj: Vec<f64> = vars.iter().map(|&(_, ii, _)| items[ii].3).collect();
                simplex_max(&obj, &rows, &rhs)
            };
            for (v, &(bi, ii, a)) in vars.iter().enumerate() {
                let amt = amounts[v];
                if amt <= 0.0 {
                    continue;
                }
                let ci = budgets[bi];
                let (pi, tier, _, _) = items[ii];
                evals[ci].used += amt * a;
                evals[ci].on_demand_value += amt * pools[pi].o.on_demand_hourly;
                covered[pi] += amt;
                commit_cost[pi] += amt * a;
                if tier == 0 {
                    rem_nonspot[pi] -= amt;
                    covered_ns[pi] += amt;
                } else {
                    rem_spot[pi] -= amt;
                    covered_sp[pi] += amt;
                }
            }
        }
        // Spot, then on-demand up to capacity, then unserved.
        for (pi, pool) in pools.iter().enumerate() {
            let ns = rem_nonspot[pi].max(0.0);
            let sp = rem_spot[pi].max(0.0);
            let spot_price = pool.spot.unwrap_or(pool.o.on_demand_hourly);
            ev.spot_cost += sp * spot_price;
            let od = pool.o.on_demand_hourly;
            let (z, q) = match pool.o.capacity_limit {
                Some(cap) if ns > cap => (cap, ns - cap),
                _ => (ns, 0.0),
            };
            ev.on_demand_cost += z * od;
            if q > 1e-9 {
                ev.unserved_cost += q * od * EVAL_UNSERVED_PENALTY;
                if ev.unserved.len() < 100 {
                    ev.unserved.push(Unserved {
                        offering: pool.o.key(),
                        hour,
                        instances: q,
                    });
                }
            }
            ev.on_demand_equivalent += load[pi] * od;
            ev.instance_hours[0] += load[pi];
            ev.instance_hours[1] += covered[pi];
            ev.instance_hours[2] += sp;
            ev.instance_hours[3] += ns;
        }
        // Per-workload attribution, pro rata within the pool.
        for (pw, &(row, pi, ratio, share, adders, overhead, base)) in places.iter().enumerate() {
            let g = row.map_or(0.0, |r| demand.gpus[r][t]);
            let n = g * ratio;
            let we = &mut ev.workloads[pw];
            we.gpu_hours += g;
            we.instance_hours += n;
            let od = pools[pi].o.on_demand_hourly;
            let hidden = g * adders + overhead * od * n;
            we.hidden_cost += hidden;
            if let Some((per_gpu, r)) = base {
                we.baseline_on_demand += g * per_gpu * r;
                we.baseline_hidden += overhead * per_gpu * g * r;
            }
            if load[pi] <= 0.0 || n <= 0.0 {
                continue;
            }
            // Pro rata within the pool: the workload's spotable part shares the pool's
            // spotable dispatch, the rest shares the non-spotable dispatch.
            let n_sp = if pools[pi].spot.is_some() {
                n * share
            } else {
                0.0
            };
            let n_ns = n - n_sp;
            let ns_total = load[pi] - spotable[pi];
            let f_ns = if ns_total > 0.0 { n_ns / ns_total } else { 0.0 };
            let f_sp = if spotable[pi] > 0.0 {
                n_sp / spotable[pi]
            } else {
                0.0
            };
            let cov = covered_ns[pi] * f_ns + covered_sp[pi] * f_sp;
            let sp = rem_spot[pi].max(0.0) * f_sp;
            let odh = rem_nonspot[pi].max(0.0) * f_ns;
            we.committed_hours += cov;
            we.spot_hours += sp;
            we.on_demand_hours += odh;
            let commit_share = if covered[pi] > 0.0 {
                commit_cost[pi] * cov / covered[pi]
            } else {
                0.0
            };
            we.cost += hidden + commit_share + sp * pools[pi].spot.unwrap_or(od) + odh * od;
        }
    }
    ev.commitments = evals;
    ev.total = ev.compute_cost() + ev.hidden_cost;
    Ok(ev)
}

/// Maximises `c·x` subject to `A x ≤ b`, `x ≥ 0`, with `b ≥ 0` (the origin is feasible),
/// by the tableau simplex with Bland's rule. Sizes here are tiny (active commitments ×
/// offerings with load in one hour).
pub fn simplex_max(c: &[f64], a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = c.len();
    let m = a.len();
    const EPS: f64 = 1e-12;
    // Tableau rows: [A | I | b]; objective row: [-c | 0 | 0].
    let w = n + m + 1;
    let mut t = vec![vec![0.0; w]; m + 1];
    for i in 0..m {
        t[i][..n].copy_from_slice(&a[i]);
        t[i][n + i] = 1.0;
        t[i][w - 1] = b[i].max(0.0);
    }
    for j in 0..n {
        t[m][j] = -c[j];
    }
    let mut basis: Vec<usize> = (n..n + m).collect();
    for _ in 0..10_000 {
        // Entering: lowest index with negative reduced cost (Bland).
        let Some(e) = (0..n + m).find(|&j| t[m][j] < -EPS) else {
            break;
        };
        // Leaving: min ratio, ties by lowest basis index.
        let mut leave: Option<usize> = None;
        for i in 0..m {
            if t[i][e] > EPS {
                let r = t[i][w - 1] / t[i][e];
                leave = match leave {
                    None => Some(i),
                    Some(l) => {
                        let rl = t[l][w - 1] / t[l][e];
                        if r < rl - EPS || ((r - rl).abs() <= EPS && basis[i] < basis[l]) {
                            Some(i)
                        } else {
                            Some(l)
                        }
                    }
                };
            }
        }
        let Some(l) = leave else {
            break; // unbounded: cannot happen with the item rows
        };
        let piv = t[l][e];
        for v in t[l].iter_mut() {
            *v /= piv;
        }
        let prow = t[l].clone();
        for (i, row) in t.iter_mut().enumerate() {
            if i != l && row[e].abs() > EPS {
                let f = row[e];
                for (x, p) in row.iter_mut().zip(&prow) {
                    *x -= f * p;
                }
            }
        }
        basis[l] = e;
    }
    let mut x = vec![0.0; n];
    for (i, &bv) in basis.iter().enumerate() {
        if bv < n {
            x[bv] = t[i][w - 1].max(0.0);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::simplex_max;

    #[test]
    fn simplex_solves_a_textbook_lp() {
        // max 3x + 5y s.t. x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 → x = 2, y = 6, objective 36.
        let x = simplex_max(
            &[3.0, 5.0],
            &[vec![1.0, 0.0], vec![0.0, 2.0], vec![3.0, 2.0]],
            &[4.0, 12.0, 18.0],
        );
        assert!(
            (x[0] - 2.0).abs() < 1e-9 && (x[1] - 6.0).abs() < 1e-9,
            "{x:?}"
        );
    }
}
