//! One hour's costs attributed to the workloads: each placement's hidden costs and on-demand
//! baseline, and its share of its pool's dispatch, pro rata within the pool (its spotable
//! part shares the pool's spotable dispatch, the rest the non-spotable dispatch).

use super::dispatch::{PoolCover, PoolLoad};
use super::pools::{PlacedWorkload, Pool};
use super::Evaluation;
use crate::domain::DemandHistory;

/// Adds hour `t`'s hidden costs and baselines to the evaluation's totals and, per placement,
/// its usage, hidden costs, baseline and share of its pool's commitments, spot and on-demand.
pub(super) fn attribute_hour(
    ev: &mut Evaluation,
    pools: &[Pool],
    placed: &[PlacedWorkload],
    load: &PoolLoad,
    cover: &PoolCover,
    demand: &DemandHistory,
    t: usize,
) {
    for (pw, p) in placed.iter().enumerate() {
        let g = p.gpus(demand, t);
        let n = g * p.instances_per_gpu;
        let pool = &pools[p.pool];
        let od = pool.on_demand();
        let hidden = g * p.adders_per_gpu_hour + p.overhead_frac * od * n;
        ev.hidden_cost += hidden;
        let we = &mut ev.workloads[pw];
        we.gpu_hours += g;
        we.instance_hours += n;
        we.hidden_cost += hidden;
        if let Some(b) = p.baseline {
            // The baseline: compute at the current offering's on-demand price, and the
            // hidden costs there (storage and egress, the overhead on that compute).
            let on_demand = g * b.on_demand_per_gpu * b.gpus_per_gpu_of_demand;
            let hidden = g * b.adders_per_gpu_hour + p.overhead_frac * on_demand;
            we.baseline_on_demand += on_demand;
            we.baseline_hidden += hidden;
            ev.baseline_all_on_demand += on_demand + hidden;
        }
        if load.total[p.pool] <= 0.0 || n <= 0.0 {
            continue;
        }
        let share = share_of_pool_dispatch(p, n, pool, load, cover);
        we.committed_hours += share.committed;
        we.spot_hours += share.spot;
        we.on_demand_hours += share.on_demand;
        we.cost += hidden
            + share.commitment_cost
            + share.spot * pool.spot_price.unwrap_or(od)
            + share.on_demand * od;
    }
}

/// A placement's share of its pool's dispatch in one hour.
struct DispatchShare {
    /// Instances covered by commitments.
    committed: f64,
    /// Instances on spot.
    spot: f64,
    /// Instances on on-demand (incl. unserved).
    on_demand: f64,
    /// Its share of the commitment cost consumed in the pool, USD.
    commitment_cost: f64,
}

/// The share of placement `p` (with `n` instances of load, `n > 0`) in its pool's dispatch.
fn share_of_pool_dispatch(
    p: &PlacedWorkload,
    n: f64,
    pool: &Pool,
    load: &PoolLoad,
    cover: &PoolCover,
) -> DispatchShare {
    let pi = p.pool;
    let n_spotable = if pool.spot_price.is_some() {
        n * p.max_spot_share
    } else {
        0.0
    };
    let n_non_spotable = n - n_spotable;
    let pool_non_spotable = load.non_spotable(pi);
    let f_ns = if pool_non_spotable > 0.0 {
        n_non_spotable / pool_non_spotable
    } else {
        0.0
    };
    let f_sp = if load.spotable[pi] > 0.0 {
        n_spotable / load.spotable[pi]
    } else {
        0.0
    };
    let committed = cover.committed_non_spotable[pi] * f_ns + cover.committed_spotable[pi] * f_sp;
    let commitment_cost = if cover.committed[pi] > 0.0 {
        cover.commitment_cost[pi] * committed / cover.committed[pi]
    } else {
        0.0
    };
    DispatchShare {
        committed,
        spot: cover.spotable_left[pi].max(0.0) * f_sp,
        on_demand: cover.non_spotable_left[pi].max(0.0) * f_ns,
        commitment_cost,
    }
}
