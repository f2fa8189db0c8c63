//! One hour's dispatch: what each pool's load runs on. Active commitments are charged
//! whether used or not; unit commitments cover the load that cannot go to spot first, then
//! spotable load; spend commitments are allocated to the remaining load to maximise the cost
//! they avoid; what is left runs on spot (spotable load) or on-demand up to the offering's
//! capacity limit, and the rest is unserved.

use super::pools::{Commitment, PlacedWorkload, Pool};
use super::simplex::simplex_max;
use super::{CommitmentEval, Evaluation, Unserved, EVAL_UNSERVED_PENALTY};
use crate::domain::{CommitmentKind, DemandHistory};
use chrono::{DateTime, Utc};

/// Load of each pool in one hour, instances.
pub(super) struct PoolLoad {
    /// All load per pool.
    pub total: Vec<f64>,
    /// Load per pool that may run on spot.
    pub spotable: Vec<f64>,
}

impl PoolLoad {
    /// The load of hour `t` of the demand window on each pool.
    pub fn of_hour(
        pools: &[Pool],
        placed: &[PlacedWorkload],
        demand: &DemandHistory,
        t: usize,
    ) -> Self {
        let mut load = PoolLoad {
            total: vec![0.0; pools.len()],
            spotable: vec![0.0; pools.len()],
        };
        for p in placed {
            let n = p.gpus(demand, t) * p.instances_per_gpu;
            load.total[p.pool] += n;
            if pools[p.pool].spot_price.is_some() {
                load.spotable[p.pool] += n * p.max_spot_share;
            }
        }
        load
    }

    /// Load of pool `pi` that must not run on spot.
    pub fn non_spotable(&self, pi: usize) -> f64 {
        self.total[pi] - self.spotable[pi]
    }
}

/// How one hour's load of each pool is covered by commitments and what is left, instances
/// (one entry per pool).
pub(super) struct PoolCover {
    /// Non-spotable load not covered by a commitment.
    pub non_spotable_left: Vec<f64>,
    /// Spotable load not covered by a commitment.
    pub spotable_left: Vec<f64>,
    /// Load covered by commitments.
    pub committed: Vec<f64>,
    /// Non-spotable load covered by commitments.
    pub committed_non_spotable: Vec<f64>,
    /// Spotable load covered by commitments.
    pub committed_spotable: Vec<f64>,
    /// Commitment cost consumed by the covered load, USD.
    pub commitment_cost: Vec<f64>,
}

/// Marks which commitments are active in `hour` and charges them for it (active hours,
/// committed amount and the evaluation's commitment cost).
pub(super) fn charge_active_commitments(
    commitments: &[Commitment],
    hour: DateTime<Utc>,
    evals: &mut [CommitmentEval],
    commitment_cost: &mut f64,
) -> Vec<bool> {
    let active: Vec<bool> = commitments.iter().map(|c| c.is_active(hour)).collect();
    for (ci, c) in commitments.iter().enumerate() {
        if active[ci] {
            evals[ci].active_hours += 1.0;
            *commitment_cost += c.amount * c.rate;
            evals[ci].committed += c.amount;
        }
    }
    active
}

/// Covers each pool's load with its active unit commitments, the load that cannot go to spot
/// first.
pub(super) fn cover_with_units(
    pools: &[Pool],
    load: &PoolLoad,
    commitments: &[Commitment],
    active: &[bool],
    evals: &mut [CommitmentEval],
) -> PoolCover {
    let np = pools.len();
    let mut cover = PoolCover {
        non_spotable_left: vec![0.0; np],
        spotable_left: vec![0.0; np],
        committed: vec![0.0; np],
        committed_non_spotable: vec![0.0; np],
        committed_spotable: vec![0.0; np],
        commitment_cost: vec![0.0; np],
    };
    for (pi, pool) in pools.iter().enumerate() {
        let mut ns = load.non_spotable(pi);
        let mut sp = load.spotable[pi];
        for &ci in &pool.unit_commitments {
            if !active[ci] {
                continue;
            }
            let avail = commitments[ci].amount;
            let a = avail.min(ns);
            ns -= a;
            let b = (avail - a).min(sp);
            sp -= b;
            evals[ci].used += a + b;
            evals[ci].on_demand_value += (a + b) * pool.on_demand();
            cover.committed[pi] += a + b;
            cover.committed_non_spotable[pi] += a;
            cover.committed_spotable[pi] += b;
            cover.commitment_cost[pi] += (a + b) * commitments[ci].rate;
        }
        cover.non_spotable_left[pi] = ns.max(0.0);
        cover.spotable_left[pi] = sp.max(0.0);
    }
    cover
}

/// Load a spend commitment may cover: one pool's non-spotable or spotable remainder.
struct SpendItem {
    /// Pool index.
    pool: usize,
    /// Spotable (true) or non-spotable remainder.
    spotable: bool,
    /// Instances left.
    instances: f64,
    /// USD avoided per covered instance: on-demand, or spot for spotable load.
    saving: f64,
}

/// A spend commitment that covers an item's pool.
struct SpendPair {
    /// Index into the hour's active spend budgets.
    budget: usize,
    /// Index into the items.
    item: usize,
    /// USD of the budget consumed per covered instance.
    rate: f64,
}

/// Allocates the active spend commitments to the load units left, maximising the cost they
/// avoid, and records the cover.
pub(super) fn cover_with_spend(
    cover: &mut PoolCover,
    pools: &[Pool],
    commitments: &[Commitment],
    active: &[bool],
    evals: &mut [CommitmentEval],
) {
    let budgets: Vec<usize> = (0..commitments.len())
        .filter(|&ci| active[ci] && commitments[ci].kind == CommitmentKind::Spend)
        .collect();
    if budgets.is_empty() {
        return;
    }
    let items = spend_items(pools, cover);
    let mut pairs = Vec::new();
    for (bi, &ci) in budgets.iter().enumerate() {
        for (ii, it) in items.iter().enumerate() {
            if let Some(&(_, rate)) = pools[it.pool]
                .spend_commitments
                .iter()
                .find(|(c, _)| *c == ci)
            {
                pairs.push(SpendPair {
                    budget: bi,
                    item: ii,
                    rate,
                });
            }
        }
    }
    let budget_amounts: Vec<f64> = budgets.iter().map(|&ci| commitments[ci].amount).collect();
    let amounts = if budgets_overlap(&pairs, items.len()) {
        allocate_by_lp(&budget_amounts, &items, &pairs)
    } else {
        allocate_greedily(&budget_amounts, &items, &pairs)
    };
    for (pair, &amt) in pairs.iter().zip(&amounts) {
        if amt <= 0.0 {
            continue;
        }
        let ci = budgets[pair.budget];
        let SpendItem {
            pool: pi, spotable, ..
        } = items[pair.item];
        evals[ci].used += amt * pair.rate;
        evals[ci].on_demand_value += amt * pools[pi].on_demand();
        cover.committed[pi] += amt;
        cover.commitment_cost[pi] += amt * pair.rate;
        if spotable {
            cover.spotable_left[pi] -= amt;
            cover.committed_spotable[pi] += amt;
        } else {
            cover.non_spotable_left[pi] -= amt;
            cover.committed_non_spotable[pi] += amt;
        }
    }
}

/// The remainders left after unit commitments, non-spotable before spotable per pool.
fn spend_items(pools: &[Pool], cover: &PoolCover) -> Vec<SpendItem> {
    let mut items = Vec::new();
    for (pi, pool) in pools.iter().enumerate() {
        if cover.non_spotable_left[pi] > 0.0 {
            items.push(SpendItem {
                pool: pi,
                spotable: false,
                instances: cover.non_spotable_left[pi],
                saving: pool.on_demand(),
            });
        }
        if cover.spotable_left[pi] > 0.0 {
            items.push(SpendItem {
                pool: pi,
                spotable: true,
                instances: cover.spotable_left[pi],
                saving: pool.spot_price.unwrap_or(pool.on_demand()),
            });
        }
    }
    items
}

/// Whether some item is covered by more than one budget.
fn budgets_overlap(pairs: &[SpendPair], n_items: usize) -> bool {
    let mut seen = vec![usize::MAX; n_items];
    let mut overlap = false;
    for p in pairs {
        if seen[p.item] != usize::MAX && seen[p.item] != p.budget {
            overlap = true;
        }
        seen[p.item] = p.budget;
    }
    overlap
}

/// Each item is matched by at most one budget: fractional knapsack per budget, best saving
/// per dollar of commitment first (exact). Instances covered per pair.
fn allocate_greedily(budgets: &[f64], items: &[SpendItem], pairs: &[SpendPair]) -> Vec<f64> {
    let mut x = vec![0.0; pairs.len()];
    for (bi, &amount) in budgets.iter().enumerate() {
        let mut idx: Vec<usize> = (0..pairs.len())
            .filter(|&v| pairs[v].budget == bi)
            .collect();
        idx.sort_by(|&a, &b| {
            let ra = items[pairs[a].item].saving / pairs[a].rate;
            let rb = items[pairs[b].item].saving / pairs[b].rate;
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        let mut budget = amount;
        for v in idx {
            if budget <= 0.0 {
                break;
            }
            let take = items[pairs[v].item].instances.min(budget / pairs[v].rate);
            x[v] = take;
            budget -= take * pairs[v].rate;
        }
    }
    x
}

/// Overlapping budgets: max Σ saving·x s.t. Σ_{pairs of a budget} rate·x ≤ budget,
/// Σ_{pairs of an item} x ≤ instances, solved exactly. Instances covered per pair.
fn allocate_by_lp(budgets: &[f64], items: &[SpendItem], pairs: &[SpendPair]) -> Vec<f64> {
    let m_b = budgets.len();
    let mut rows: Vec<Vec<f64>> = vec![vec![0.0; pairs.len()]; m_b + items.len()];
    let mut rhs = vec![0.0; m_b + items.len()];
    rhs[..m_b].copy_from_slice(budgets);
    for (ii, it) in items.iter().enumerate() {
        rhs[m_b + ii] = it.instances;
    }
    for (v, p) in pairs.iter().enumerate() {
        rows[p.budget][v] = p.rate;
        rows[m_b + p.item][v] = 1.0;
    }
    let obj: Vec<f64> = pairs.iter().map(|p| items[p.item].saving).collect();
    simplex_max(&obj, &rows, &rhs)
}

/// Prices what commitments left: spotable load on spot, the rest on-demand up to the
/// offering's capacity limit and unserved (penalised) above it; adds the hour's on-demand
/// equivalent and instance-hours per instrument.
pub(super) fn price_uncovered_load(
    ev: &mut Evaluation,
    pools: &[Pool],
    load: &PoolLoad,
    cover: &PoolCover,
    hour: DateTime<Utc>,
) {
    for (pi, pool) in pools.iter().enumerate() {
        let ns = cover.non_spotable_left[pi].max(0.0);
        let sp = cover.spotable_left[pi].max(0.0);
        let spot_price = pool.spot_price.unwrap_or(pool.on_demand());
        ev.spot_cost += sp * spot_price;
        let od = pool.on_demand();
        let (served, unserved) = match pool.offering.capacity_limit {
            Some(cap) if ns > cap => (cap, ns - cap),
            _ => (ns, 0.0),
        };
        ev.on_demand_cost += served * od;
        if unserved > 1e-9 {
            ev.unserved_cost += unserved * od * EVAL_UNSERVED_PENALTY;
            if ev.unserved.len() < 100 {
                ev.unserved.push(Unserved {
                    offering: pool.offering.key(),
                    hour,
                    instances: unserved,
                });
            }
        }
        ev.on_demand_equivalent += load.total[pi] * od;
        ev.instance_hours[0] += load.total[pi];
        ev.instance_hours[1] += cover.committed[pi];
        ev.instance_hours[2] += sp;
        ev.instance_hours[3] += ns;
    }
}
