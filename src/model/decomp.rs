//! Decomposition for large fleets: the tier of every workload is chosen apart from the
//! commitment purchase, which is then solved on workloads pooled per offering.
//!
//! With tiers fixed, every workload on an offering only adds to that offering's load (and
//! its spot-eligible part), so the commitment problem is exactly the model on at most two
//! pooled rows per offering — ten to a hundred rows instead of a thousand workloads, and
//! hours that look alike are far easier to group in that small space. Tiers come from
//! 1. each workload's *standalone* cost on each compatible offering — the optimal own
//!    commitment, spot and on-demand mix for its demand alone, found exactly on its sorted
//!    demand (a load-duration curve) — then
//! 2. price-directed moves: the LP relaxation of the pooled problem prices one more
//!    instance of load (and of spot-eligible load) per offering and bucket (row duals), each
//!    workload is priced on every compatible offering at those prices, and the workloads
//!    with the largest savings move; a round is kept only if the pooled objective falls.
//!
//! This module is plain numbers; the caller solves the pooled problems.

use super::aggregate::Groups;
use super::mip::Cell;
use super::problem::{DemandSet, POffer, PWorkload, Problem, TierOption};
use crate::domain::CommitmentKind;

/// Hidden cost (storage/egress adders and overhead) of each workload on each of its options,
/// over the problem's demand (expected over scenarios): `[workload][option]`.
pub fn hidden_costs(p: &Problem) -> Vec<Vec<f64>> {
    p.workloads
        .iter()
        .map(|w| {
            let gh = gpu_hours(p, w);
            w.options
                .iter()
                .map(|op| {
                    let od = p.offerings[op.offering].on_demand;
                    gh * (op.adders_per_gpu_hour + op.overhead_frac * od * op.instances_per_gpu)
                })
                .collect()
        })
        .collect()
}

/// The per-option cost tables the decomposition reuses in every round: hidden costs and
/// standalone costs, `[workload][option]`, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionCosts {
    /// Hidden costs ([`hidden_costs`]).
    pub hidden: Vec<Vec<f64>>,
    /// Standalone costs ([`standalone_costs`]), hidden costs included.
    pub standalone: Vec<Vec<f64>>,
}

impl OptionCosts {
    /// Both tables of a problem.
    pub fn of(p: &Problem) -> Self {
        let hidden = hidden_costs(p);
        let standalone = standalone_costs(p, &hidden);
        OptionCosts { hidden, standalone }
    }
}

/// Expected GPU-hours of a workload over the demand set.
fn gpu_hours(p: &Problem, w: &PWorkload) -> f64 {
    p.demand
        .gpus
        .iter()
        .zip(&p.demand.probs)
        .map(|(s, pr)| {
            pr * s[w.input]
                .iter()
                .zip(&p.demand.weights)
                .map(|(g, h)| g * h)
                .sum::<f64>()
        })
        .sum()
}

/// The cheapest purchasable commitment rate per instance-hour on each offering (unit or
/// spend), if any.
pub fn best_commit_rate(p: &Problem) -> Vec<Option<f64>> {
    p.offerings
        .iter()
        .map(|po| {
            let unit = po
                .unit_offers
                .iter()
                .filter(|&&k| p.offers[k].purchasable)
                .map(|&k| p.offers[k].rate);
            let spend = po
                .spend_offers
                .iter()
                .filter(|&&(k, _)| p.offers[k].purchasable)
                .map(|&(_, a)| a);
            unit.chain(spend)
                .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.min(r))))
        })
        .collect()
}

/// A workload's demand sorted in decreasing order with prefix sums of weight and
/// weight × demand, for the standalone cost.
struct Curve {
    /// Demand values, decreasing.
    d: Vec<f64>,
    /// `w[i]` = Σ weights of the first i values.
    w: Vec<f64>,
    /// `wd[i]` = Σ weight × demand of the first i values.
    wd: Vec<f64>,
}

impl Curve {
    fn new(p: &Problem, input: usize) -> Curve {
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for (s, pr) in p.demand.gpus.iter().zip(&p.demand.probs) {
            for (g, h) in s[input].iter().zip(&p.demand.weights) {
                if *g > 0.0 {
                    pts.push((*g, pr * h));
                }
            }
        }
        pts.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut w = Vec::with_capacity(pts.len() + 1);
        let mut wd = Vec::with_capacity(pts.len() + 1);
        w.push(0.0);
        wd.push(0.0);
        for &(g, h) in &pts {
            w.push(w[w.len() - 1] + h);
            wd.push(wd[wd.len() - 1] + h * g);
        }
        Curve {
            d: pts.into_iter().map(|x| x.0).collect(),
            w,
            wd,
        }
    }
    /// Index of the first value ≤ x: the values > x are `d[..i]`.
    fn above(&self, x: f64) -> usize {
        self.d.partition_point(|&v| v > x)
    }
    /// (Σ weight, Σ weight × demand) over demand > x.
    fn sums_above(&self, x: f64) -> (f64, f64) {
        let i = self.above(x);
        (self.w[i], self.wd[i])
    }
}

/// Prices of one workload on one option, for the standalone cost.
#[derive(Debug, Clone, Copy)]
struct Terms {
    /// Instances per GPU of demand.
    ipg: f64,
    /// Share of the load eligible for spot.
    s: f64,
    /// On-demand USD per instance-hour.
    od: f64,
    /// Spot USD per instance-hour.
    sp: f64,
    /// Commitment USD per instance-hour.
    rate: f64,
    /// Hours a commitment is paid for.
    hours: f64,
}

/// Cost over the curve of serving `ipg` instances per GPU with `u` committed instances at
/// `rate` per instance-hour (paid over `hours`), a share `s` of the load eligible for spot
/// at `sp`, the rest on demand at `od`. Units cover the non-spot load first, as in the
/// evaluator.
fn curve_cost(c: &Curve, t: &Terms, u: f64) -> f64 {
    let Terms {
        ipg,
        s,
        od,
        sp,
        rate,
        hours,
    } = *t;
    // Non-spot load n = (1−s)·ipg·d, total L = ipg·d.
    // On-demand part: Σ w (n − u)+ over d > a, a = u / ((1−s)·ipg).
    // Spot part: Σ_{d ≥ a} w·s·ipg·d + Σ_{b < d < a} w·(ipg·d − u), b = u / ipg.
    let b = u / ipg;
    let (wb, wdb) = c.sums_above(b);
    let (od_part, spot_part) = if s < 1.0 {
        let a = u / ((1.0 - s) * ipg);
        let (wa, wda) = c.sums_above(a);
        let od_part = (1.0 - s) * ipg * wda - u * wa;
        let spot_part = s * ipg * wda + (ipg * (wdb - wda) - u * (wb - wa));
        (od_part, spot_part)
    } else {
        (0.0, ipg * wdb - u * wb)
    };
    rate * hours * u + od * od_part.max(0.0) + sp * spot_part.max(0.0)
}

/// The best commitment level (instances) for one workload alone on one option: the
/// smallest `u` at which one more committed instance saves less than it costs.
fn best_level(c: &Curve, t: &Terms) -> f64 {
    let Terms {
        ipg,
        s,
        od,
        sp,
        rate,
        hours,
    } = *t;
    // Saving of one more instance at level u: (od − sp)·W(n > u) + sp·W(L > u).
    let saving = |u: f64| {
        let w_n = if s < 1.0 {
            c.sums_above(u / ((1.0 - s) * ipg)).0
        } else {
            0.0
        };
        let w_l = c.sums_above(u / ipg).0;
        (od - sp) * w_n + sp * w_l
    };
    let target = rate * hours;
    if saving(0.0) <= target {
        return 0.0;
    }
    // Candidate levels are breakpoints n_t and L_t; saving is non-increasing in u.
    let mut best = f64::INFINITY;
    for f in [ipg * (1.0 - s), ipg] {
        if f <= 0.0 {
            continue;
        }
        // Levels f·d[i] increase as i decreases; find the largest i whose level still
        // saves less than or equal to the target (smallest such level).
        let (mut lo, mut hi) = (0usize, c.d.len());
        // Invariant: levels at index < lo save ≤ target? Search the first index (from the
        // top, i.e. largest level) where saving > target; the answer is the level just
        // above it.
        while lo < hi {
            let mid = (lo + hi) / 2;
            if saving(f * c.d[mid]) <= target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo > 0 {
            best = best.min(f * c.d[lo - 1]);
        }
    }
    if best.is_finite() {
        best
    } else {
        0.0
    }
}

/// Each workload's standalone cost on each of its options: its own best commitment level at
/// the offering's cheapest commitment rate, spot up to its share, on-demand for the rest,
/// plus its hidden costs `hidden` (from [`hidden_costs`]).
pub fn standalone_costs(p: &Problem, hidden: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let rates = best_commit_rate(p);
    let hours = p.demand.total_hours();
    p.workloads
        .iter()
        .enumerate()
        .map(|(wi, w)| {
            let c = Curve::new(p, w.input);
            w.options
                .iter()
                .enumerate()
                .map(|(j, op)| {
                    let po = &p.offerings[op.offering];
                    let od = po.on_demand;
                    let (s, sp) = match po.spot {
                        Some(sp) if w.spot_share > 0.0 && sp < od => (w.spot_share, sp),
                        _ => (0.0, od),
                    };
                    let mut t = Terms {
                        ipg: op.instances_per_gpu,
                        s,
                        od,
                        sp,
                        rate: 0.0,
                        hours,
                    };
                    let compute = match rates[op.offering] {
                        Some(r) if r < od => {
                            t.rate = r;
                            curve_cost(&c, &t, best_level(&c, &t))
                        }
                        _ => curve_cost(&c, &t, 0.0),
                    };
                    compute + hidden[wi][j]
                })
                .collect()
        })
        .collect()
}

/// The cheapest option of each workload by a cost table.
pub fn cheapest(costs: &[Vec<f64>]) -> Vec<usize> {
    costs
        .iter()
        .map(|row| {
            (0..row.len())
                .min_by(|&a, &b| row[a].total_cmp(&row[b]).then(a.cmp(&b)))
                .unwrap_or(0)
        })
        .collect()
}

/// One pooled demand row: the load of the workloads on `offering`, eligible for spot or not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolRow {
    /// Index into [`Problem::offerings`].
    pub offering: usize,
    /// Whether this row is the spot-eligible part of the load.
    pub spot: bool,
}

/// Pooled demand of a tier assignment: rows (offering, spot-eligible or not) and
/// `gpus[s][row][b]` in instances, on the problem's own buckets; plus the hidden cost of the
/// assignment (a constant once tiers are fixed). Deferrable workloads kept apart (see
/// [`pool`]) follow the rows in `gpus`, in GPUs of their own demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// The rows.
    pub rows: Vec<PoolRow>,
    /// Deferrable workloads kept apart: (problem workload, chosen option); their demand is
    /// `gpus[s][rows.len() + k]`.
    pub apart: Vec<(usize, usize)>,
    /// `gpus[s][row][b]`: instances (rows), then GPUs (workloads kept apart).
    pub gpus: Vec<Vec<Vec<f64>>>,
    /// Per entry of `apart`: the problem workloads whose deferrable load it carries (its own
    /// workload alone, or several after [`merge_deferrable`]).
    pub members: Vec<Vec<usize>>,
    /// Hidden cost of the assignment.
    pub hidden: f64,
}

/// Pools the load of a tier assignment per offering (`hidden` from [`hidden_costs`]). With
/// `keep_deferrable`, deferrable workloads (`shift`) are not pooled but kept apart, so that
/// the pooled problem can still defer their load; without it they pool as recorded.
pub fn pool(p: &Problem, tier: &[usize], hidden: &[Vec<f64>], keep_deferrable: bool) -> Pooled {
    let nb = p.demand.weights.len();
    let apart_of = |w: &PWorkload| keep_deferrable && w.shift.is_some();
    let mut index: Vec<[Option<usize>; 2]> = vec![[None, None]; p.offerings.len()];
    let mut rows: Vec<PoolRow> = Vec::new();
    let mut hidden_total = 0.0;
    // Rows in offering order, non-spot row first, so the layout does not depend on the
    // workload order.
    let mut need = vec![[false, false]; p.offerings.len()];
    for (w, &j) in p.workloads.iter().zip(tier).filter(|(w, _)| !apart_of(w)) {
        let o = w.options[j].offering;
        let spot = w.spot_share > 0.0 && p.offerings[o].spot.is_some();
        need[o][0] |= !spot || w.spot_share < 1.0;
        need[o][1] |= spot;
    }
    for (o, n) in need.iter().enumerate() {
        for (k, &on) in n.iter().enumerate() {
            if on {
                index[o][k] = Some(rows.len());
                rows.push(PoolRow {
                    offering: o,
                    spot: k == 1,
                });
            }
        }
    }
    let apart: Vec<(usize, usize)> = (0..p.workloads.len())
        .filter(|&wi| apart_of(&p.workloads[wi]))
        .map(|wi| (wi, tier[wi]))
        .collect();
    let mut gpus = vec![vec![vec![0.0; nb]; rows.len() + apart.len()]; p.demand.gpus.len()];
    for (wi, (w, &j)) in p.workloads.iter().zip(tier).enumerate() {
        hidden_total += hidden[wi][j];
        if !apart_of(w) {
            add_to_rows(p, w, j, &index, &mut gpus);
        }
    }
    for (k, &(wi, _)) in apart.iter().enumerate() {
        for (s, gs) in gpus.iter_mut().enumerate() {
            gs[rows.len() + k] = p.demand.gpus[s][p.workloads[wi].input].clone();
        }
    }
    let members = apart.iter().map(|&(wi, _)| vec![wi]).collect();
    Pooled {
        rows,
        apart,
        gpus,
        members,
        hidden: hidden_total,
    }
}

/// Merges the deferrable workloads kept apart that share their chosen offering, instances
/// per GPU, spot share and `shiftable_hours` into one deferrable pool: its demand is their
/// sum, its cap the sum of their caps. Once their tiers are fixed they share the same run
/// and waiting structure, so the pool defers exactly what they could (every member's load
/// waits at most H hours when the pool runs its oldest load first), except that the members'
/// caps are relaxed to their sum; the hourly schedule of the chosen plan is solved per
/// workload. The first member of each pool stands for it in `apart`.
pub fn merge_deferrable(p: &Problem, pooled: Pooled) -> Pooled {
    type Key = (usize, u64, u64, u32);
    let key = |&(wi, j): &(usize, usize)| -> Key {
        let w = &p.workloads[wi];
        let op = &w.options[j];
        (
            op.offering,
            op.instances_per_gpu.to_bits(),
            w.spot_share.to_bits(),
            w.shift.map_or(0, |s| s.hours),
        )
    };
    let nr = pooled.rows.len();
    let mut keys: Vec<Key> = Vec::new();
    let mut apart: Vec<(usize, usize)> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut slot_of: Vec<usize> = Vec::with_capacity(pooled.apart.len());
    for (k, a) in pooled.apart.iter().enumerate() {
        let kk = key(a);
        let slot = match keys.iter().position(|x| *x == kk) {
            Some(i) => i,
            None => {
                keys.push(kk);
                apart.push(*a);
                members.push(Vec::new());
                keys.len() - 1
            }
        };
        members[slot].extend(pooled.members.get(k).cloned().unwrap_or_default());
        slot_of.push(slot);
    }
    let gpus = pooled
        .gpus
        .into_iter()
        .map(|mut gs| {
            let nb = gs.first().map_or(0, Vec::len);
            let kept: Vec<Vec<f64>> = gs.drain(nr..).collect();
            let mut merged = vec![vec![0.0; nb]; apart.len()];
            for (row, &slot) in kept.iter().zip(&slot_of) {
                for (m, g) in merged[slot].iter_mut().zip(row) {
                    *m += g;
                }
            }
            gs.extend(merged);
            gs
        })
        .collect();
    Pooled {
        rows: pooled.rows,
        apart,
        gpus,
        members,
        hidden: pooled.hidden,
    }
}

/// Adds workload `w`'s load on its option `j` to its offering's rows (the spot-eligible
/// share to the spot row), in instances.
fn add_to_rows(
    p: &Problem,
    w: &PWorkload,
    j: usize,
    index: &[[Option<usize>; 2]],
    gpus: &mut [Vec<Vec<f64>>],
) {
    let op = &w.options[j];
    let o = op.offering;
    let spot = w.spot_share > 0.0 && p.offerings[o].spot.is_some();
    let share = if spot { w.spot_share } else { 0.0 };
    for (s, gs) in gpus.iter_mut().enumerate() {
        let d = &p.demand.gpus[s][w.input];
        if share < 1.0 {
            if let Some(r) = index[o][0] {
                let f = (1.0 - share) * op.instances_per_gpu;
                for (x, g) in gs[r].iter_mut().zip(d) {
                    *x += g * f;
                }
            }
        }
        if share > 0.0 {
            if let Some(r) = index[o][1] {
                let f = share * op.instances_per_gpu;
                for (x, g) in gs[r].iter_mut().zip(d) {
                    *x += g * f;
                }
            }
        }
    }
}

/// The pooled problem on a demand set of pooled rows (`demand.gpus[s][row][b]`, e.g. a
/// bucketing of [`Pooled::gpus`]): one pseudo-workload per row with its offering as the only
/// option, then each workload kept apart on its chosen option (its own instances per GPU,
/// spot share and deferral; its hidden cost is in the constant); the problem's offerings
/// and offers (owned quantities taken at `origin[b]`, the index in `p`'s buckets of a
/// bucket's first hour), the hidden cost added to the constant. Its optimum is the optimum
/// of `p` with the tiers fixed.
pub fn pooled_problem(
    p: &Problem,
    pooled: &Pooled,
    demand: DemandSet,
    origin: &[usize],
) -> Problem {
    let mut workloads: Vec<PWorkload> = pooled
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| PWorkload {
            input: i,
            options: vec![TierOption {
                offering: r.offering,
                instances_per_gpu: 1.0,
                adders_per_gpu_hour: 0.0,
                overhead_frac: 0.0,
            }],
            spot_share: if r.spot { 1.0 } else { 0.0 },
            shift: None,
        })
        .collect();
    for (k, &(wi, j)) in pooled.apart.iter().enumerate() {
        let w = &p.workloads[wi];
        // A merged pool may run up to the sum of its members' caps at once.
        let shift = w.shift.map(|s| super::problem::ShiftSpec {
            max_gpus: pooled.members.get(k).map_or(s.max_gpus, |ms| {
                ms.iter()
                    .filter_map(|&m| p.workloads[m].shift)
                    .map(|x| x.max_gpus)
                    .sum()
            }),
            ..s
        });
        workloads.push(PWorkload {
            input: pooled.rows.len() + k,
            options: vec![TierOption {
                adders_per_gpu_hour: 0.0,
                overhead_frac: 0.0,
                ..w.options[j].clone()
            }],
            spot_share: w.spot_share,
            shift,
        });
    }
    let offers: Vec<POffer> = p
        .offers
        .iter()
        .map(|k| POffer {
            owned: origin.iter().map(|&b| k.owned[b]).collect(),
            ..k.clone()
        })
        .collect();
    Problem {
        demand,
        workloads,
        offerings: p.offerings.clone(),
        offers,
        owned_cost: p.owned_cost + pooled.hidden,
        max_committed_hourly: p.max_committed_hourly,
        max_upfront: p.max_upfront,
        cvar_alpha: p.cvar_alpha,
        risk_weight: p.risk_weight,
        max_cvar: p.max_cvar,
        cvar_offsets: p.cvar_offsets.clone(),
        pruned: p.pruned.clone(),
        dominated_offerings: p.dominated_offerings.clone(),
        backlog_penalty: p.backlog_penalty,
        unserved_penalty: p.unserved_penalty,
    }
}

/// Marginal prices of load from a solved LP relaxation of a pooled problem: per offering,
/// scenario and bucket, the change of the objective per instance of load (`load`) and per
/// instance of that load being spot-eligible (`spot`, ≤ 0). A cell without load has no row
/// dual: on an offering with commitment capacity (bought or owned) it is priced at zero (the
/// capacity would be idle there), otherwise at on-demand (and spot).
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// `load[o][s][b]`.
    pub load: Vec<Vec<Vec<f64>>>,
    /// `spot[o][s][b]`.
    pub spot: Vec<Vec<Vec<f64>>>,
    /// Offerings with load in the pooled problem.
    pub used: Vec<bool>,
}

/// Reads [`Prices`] from the duals of a solved LP relaxation of pooled problem `pp` (its
/// model's `cells` and purchase columns `buy`).
pub fn prices(
    pp: &Problem,
    cells: &[Cell],
    buy: &[Option<usize>],
    duals: &[f64],
    values: &[f64],
) -> Prices {
    let ns = pp.demand.probs.len();
    let nb = pp.demand.weights.len();
    let no = pp.offerings.len();
    let mut load = vec![vec![vec![f64::NAN; nb]; ns]; no];
    let mut spot = vec![vec![vec![f64::NAN; nb]; ns]; no];
    let mut used = vec![false; no];
    for c in cells {
        let po = &pp.offerings[c.o];
        let base = pp.demand.probs[c.s] * pp.demand.weights[c.b] * po.on_demand;
        let mut l = base + duals[c.cover_row];
        if let Some(r) = c.cap_row {
            l -= duals[r];
        }
        load[c.o][c.s][c.b] = l.clamp(0.0, base * super::problem::MIP_UNSERVED_PENALTY);
        spot[c.o][c.s][c.b] = c.spot_row.map_or(f64::NAN, |r| duals[r].min(0.0));
        used[c.o] = true;
    }
    // Commitment capacity present per offering (bought or owned, any bucket).
    let mut committed = vec![false; no];
    for (k, off) in pp.offers.iter().enumerate() {
        let bought = buy
            .get(k)
            .copied()
            .flatten()
            .is_some_and(|col| values[col] > 1e-9);
        if !(bought || off.owned.iter().any(|&q| q > 0.0)) {
            continue;
        }
        match off.kind {
            CommitmentKind::Unit => {
                if let Some(o) = off.unit_offering {
                    committed[o] = true;
                }
            }
            CommitmentKind::Spend => {
                for (o, po) in pp.offerings.iter().enumerate() {
                    if po.spend_offers.iter().any(|&(kk, _)| kk == k) {
                        committed[o] = true;
                    }
                }
            }
        }
    }
    for o in 0..no {
        let po = &pp.offerings[o];
        for s in 0..ns {
            for b in 0..nb {
                let h = pp.demand.probs[s] * pp.demand.weights[b];
                if load[o][s][b].is_nan() {
                    // No load here: idle commitment (if any) makes one more instance free;
                    // otherwise it is bought on demand.
                    load[o][s][b] = if used[o] && committed[o] {
                        0.0
                    } else {
                        h * po.on_demand
                    };
                }
                if spot[o][s][b].is_nan() {
                    spot[o][s][b] = match po.spot {
                        Some(sp) if sp < po.on_demand && load[o][s][b] > h * sp => {
                            h * sp - load[o][s][b]
                        }
                        _ => 0.0,
                    };
                }
            }
        }
    }
    Prices { load, spot, used }
}

/// Each workload's cost on each option at marginal prices on buckets `groups` (indices into
/// `p`'s buckets): Σ mean demand × instances per GPU × (load price + spot share × spot
/// price) + hidden cost. Options on offerings without load in the pooled problem cost their
/// standalone cost instead, since moving there means starting a new pool.
pub fn priced_costs(
    p: &Problem,
    groups: &Groups,
    prices: &Prices,
    costs: &OptionCosts,
) -> Vec<Vec<f64>> {
    let ns = p.demand.probs.len();
    p.workloads
        .iter()
        .enumerate()
        .map(|(wi, w)| {
            // Mean demand per scenario and bucket.
            let means: Vec<Vec<f64>> = (0..ns)
                .map(|s| {
                    let d = &p.demand.gpus[s][w.input];
                    groups
                        .iter()
                        .map(|g| {
                            let (mut num, mut den) = (0.0, 0.0);
                            for &i in g {
                                num += d[i] * p.demand.weights[i];
                                den += p.demand.weights[i];
                            }
                            if den > 0.0 {
                                num / den
                            } else {
                                0.0
                            }
                        })
                        .collect()
                })
                .collect();
            w.options
                .iter()
                .enumerate()
                .map(|(j, op)| {
                    let o = op.offering;
                    if !prices.used[o] {
                        return costs.standalone[wi][j];
                    }
                    let spot_ok = w.spot_share > 0.0 && p.offerings[o].spot.is_some();
                    let mut c = 0.0;
                    for (s, m) in means.iter().enumerate() {
                        for (b, &g) in m.iter().enumerate() {
                            if g == 0.0 {
                                continue;
                            }
                            let mut price = prices.load[o][s][b];
                            if spot_ok {
                                price += w.spot_share * prices.spot[o][s][b];
                            }
                            c += g * op.instances_per_gpu * price;
                        }
                    }
                    c + costs.hidden[wi][j]
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(ipg: f64, s: f64, rate: f64) -> Terms {
        Terms {
            ipg,
            s,
            od: 10.0,
            sp: 4.0,
            rate,
            hours: 10.0,
        }
    }

    fn brute(c: &Curve, t: &Terms, u: f64) -> f64 {
        // Hour by hour, the evaluator's rule: units on the non-spot load first.
        let Terms {
            ipg,
            s,
            od,
            sp,
            rate,
            hours,
        } = *t;
        let mut cost = rate * hours * u;
        for i in 0..c.d.len() {
            let w = c.w[i + 1] - c.w[i];
            let l = ipg * c.d[i];
            let n = (1.0 - s) * l;
            let sig = s * l;
            let od_part = (n - u).max(0.0);
            let left = (u - n).max(0.0);
            let spot_part = (sig - left).max(0.0);
            cost += w * (od * od_part + sp * spot_part);
        }
        cost
    }

    fn curve(d: &[f64]) -> Curve {
        let mut v: Vec<f64> = d.iter().copied().filter(|&x| x > 0.0).collect();
        v.sort_by(|a, b| b.total_cmp(a));
        let mut w = vec![0.0];
        let mut wd = vec![0.0];
        for &x in &v {
            w.push(w[w.len() - 1] + 1.0);
            wd.push(wd[wd.len() - 1] + x);
        }
        Curve { d: v, w, wd }
    }

    #[test]
    fn curve_cost_matches_hour_by_hour_pricing() {
        let c = curve(&[5.0, 0.0, 3.0, 8.0, 1.5, 8.0, 2.0]);
        for &(ipg, s) in &[(1.0, 0.0), (0.5, 0.3), (2.0, 1.0), (1.0, 0.7)] {
            let t = terms(ipg, s, 6.0);
            for u in [0.0, 0.5, 1.0, 2.5, 4.0, 7.9, 20.0] {
                let a = curve_cost(&c, &t, u);
                let b = brute(&c, &t, u);
                assert!((a - b).abs() < 1e-9, "ipg {ipg} s {s} u {u}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn best_level_is_the_minimum_over_a_fine_grid() {
        let c = curve(&[5.0, 0.0, 3.0, 8.0, 1.5, 8.0, 2.0, 6.0, 6.5, 4.0]);
        for &(ipg, s, rate) in &[
            (1.0, 0.0, 6.0),
            (0.5, 0.3, 3.0),
            (2.0, 1.0, 2.0),
            (1.0, 0.7, 5.0),
            (1.0, 0.0, 9.9),
            (1.0, 0.0, 0.5),
        ] {
            let t = terms(ipg, s, rate);
            let u = best_level(&c, &t);
            let at = curve_cost(&c, &t, u);
            let grid = (0..=4000)
                .map(|i| curve_cost(&c, &t, i as f64 * 0.005))
                .fold(f64::INFINITY, f64::min);
            assert!(
                at <= grid + 1e-9,
                "ipg {ipg} s {s} rate {rate}: u {u} cost {at} > {grid}"
            );
        }
    }
}
