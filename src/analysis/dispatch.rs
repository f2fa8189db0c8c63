//! A plan's dispatch over time, per offering (pool): how much of each hour's load is covered
//! by commitments, runs on spot and on on-demand, against the commitment capacity usable on
//! that offering. Computed by the independent evaluator ([`crate::plan::evaluate()`]) on
//! consecutive slices of the demand, so the figures are those of the hourly re-pricing.

use crate::domain::time::HourWindow;
use crate::domain::{Catalog, CommitmentKind, DemandHistory, Offering};
use crate::plan::evaluate::EvalError;
use crate::plan::Plan;
use chrono::{DateTime, Duration, Utc};

/// One offering's load over time, in average instances per point.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSeries {
    /// `cloud/region/instance_type`.
    pub offering: String,
    /// GPU model of the offering.
    pub gpu_model: String,
    /// GPUs per instance.
    pub gpus_per_instance: u32,
    /// Load covered by commitments (unit and spend), instances.
    pub committed: Vec<f64>,
    /// Load on spot, instances.
    pub spot: Vec<f64>,
    /// Load on on-demand (including load above a capacity limit), instances.
    pub on_demand: Vec<f64>,
    /// Unit commitments (owned and bought) usable on this offering and active, instances.
    pub unit_capacity: Vec<f64>,
    /// Spend commitments usable here, converted to instances at this offering's discounted
    /// rate: the capacity if every committed dollar were spent on this offering.
    pub spend_capacity: Vec<f64>,
    /// Instance-hours of load over the whole series.
    pub instance_hours: f64,
}

/// The dispatch of a plan over a demand window.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// First hour of the series.
    pub start: DateTime<Utc>,
    /// Hours per point (1: hourly; more when the window is long: each point is the average
    /// of that many hours).
    pub step_hours: usize,
    /// Hours covered.
    pub hours: usize,
    /// Offerings of the plan, most instance-hours first.
    pub pools: Vec<PoolSeries>,
    /// Whether the plan's commitments were moved to start with this window because its
    /// horizon lies outside the demand (a forecast plan drawn on the latest history).
    pub shifted: bool,
}

/// The window of `demand` to draw `plan` on: its horizon where the demand covers it (the
/// overlap when partly), else the latest `horizon_hours` of the demand with the plan's
/// purchases moved to start there (`true`).
fn draw_window(plan: &Plan, demand: &DemandHistory, horizon_hours: usize) -> (HourWindow, bool) {
    let h = demand.window;
    let end = plan.start + Duration::hours(horizon_hours as i64);
    let start = plan.start.max(h.start);
    let stop = end.min(h.end);
    if stop > start {
        return (HourWindow { start, end: stop }, false);
    }
    let n = horizon_hours.clamp(1, h.hours().max(1)) as i64;
    (
        HourWindow {
            start: (h.end - Duration::hours(n)).max(h.start),
            end: h.end,
        },
        true,
    )
}

/// Commitment capacity usable on offering `o` in hour `t`: (unit instances, spend in
/// instances at the offering's discounted rate).
fn capacity_at(plan: &Plan, catalog: &Catalog, o: &Offering, t: DateTime<Utc>) -> (f64, f64) {
    let mut unit = 0.0;
    let mut spend = 0.0;
    let mut add =
        |offer_id: &str, amount: f64, start: DateTime<Utc>, end: Option<DateTime<Utc>>| {
            let Some(k) = catalog.offer(offer_id) else {
                return;
            };
            let end = end.unwrap_or(start + Duration::hours(k.term_hours().round() as i64));
            if t < start || t >= end {
                return;
            }
            if let Some(d) = k.discount_for(o) {
                match k.kind {
                    CommitmentKind::Unit => unit += amount,
                    CommitmentKind::Spend => {
                        let rate = o.on_demand_hourly * (1.0 - d / 100.0);
                        if rate > 0.0 {
                            spend += amount / rate;
                        }
                    }
                }
            }
        };
    for c in &plan.owned {
        add(&c.offer_id, c.quantity_or_hourly, c.start, Some(c.end));
    }
    for p in &plan.purchases {
        add(&p.offer_id, p.amount, plan.start, None);
    }
    (unit, spend)
}

/// The plan's dispatch per offering over `demand`, at most `max_points` points (hours are
/// averaged in equal steps beyond that). `horizon_hours` is the plan's horizon length.
pub fn plan_dispatch(
    plan: &Plan,
    catalog: &Catalog,
    demand: &DemandHistory,
    horizon_hours: usize,
    max_points: usize,
) -> Result<Dispatch, EvalError> {
    let (window, shifted) = draw_window(plan, demand, horizon_hours);
    let mut plan = plan.clone();
    if shifted {
        plan.start = window.start;
    }
    let hours = window.hours();
    let step = hours.div_ceil(max_points.max(1)).max(1);
    let points = hours.div_ceil(step);
    // Pools in first-placement order; each placement's pool index.
    let mut keys: Vec<String> = Vec::new();
    let mut pool_of = Vec::new();
    let mut offerings: Vec<&Offering> = Vec::new();
    for p in &plan.placements {
        let o = catalog
            .offering(p.cloud, &p.region, &p.instance_type)
            .ok_or_else(|| {
                EvalError(format!(
                    "placement of {}: offering {}/{}/{} is not in the catalog",
                    p.workload, p.cloud, p.region, p.instance_type
                ))
            })?;
        let key = o.key();
        let i = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            offerings.push(o);
            keys.len() - 1
        });
        pool_of.push(i);
    }
    let mut pools: Vec<PoolSeries> = offerings
        .iter()
        .map(|o| PoolSeries {
            offering: o.key(),
            gpu_model: o.gpu_model.clone(),
            gpus_per_instance: o.gpus,
            committed: vec![0.0; points],
            spot: vec![0.0; points],
            on_demand: vec![0.0; points],
            unit_capacity: vec![0.0; points],
            spend_capacity: vec![0.0; points],
            instance_hours: 0.0,
        })
        .collect();
    for i in 0..points {
        let from = window.start + Duration::hours((i * step) as i64);
        let to = (from + Duration::hours(step as i64)).min(window.end);
        let n = (to - from).num_hours().max(1) as f64;
        let slice = demand.slice(HourWindow {
            start: from,
            end: to,
        });
        let ev = crate::plan::evaluate(&plan, catalog, &slice, None)?;
        for (w, &pi) in ev.workloads.iter().zip(&pool_of) {
            pools[pi].committed[i] += w.committed_hours / n;
            pools[pi].spot[i] += w.spot_hours / n;
            pools[pi].on_demand[i] += w.on_demand_hours / n;
            pools[pi].instance_hours += w.instance_hours;
        }
        for (pool, o) in pools.iter_mut().zip(&offerings) {
            let mut t = from;
            while t < to {
                let (u, s) = capacity_at(&plan, catalog, o, t);
                pool.unit_capacity[i] += u / n;
                pool.spend_capacity[i] += s / n;
                t += Duration::hours(1);
            }
        }
    }
    pools.sort_by(|a, b| {
        b.instance_hours
            .total_cmp(&a.instance_hours)
            .then_with(|| a.offering.cmp(&b.offering))
    });
    Ok(Dispatch {
        start: window.start,
        step_hours: step,
        hours,
        pools,
        shifted,
    })
}
