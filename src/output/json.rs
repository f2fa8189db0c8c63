//! The plan JSON: the procurement contract (`docs/plan-json.md`). Versioned by
//! `schema_version`; `schemas/plan.schema.json` describes it. Money is rounded to cents,
//! ratios to 6 decimals; key and array order are fixed so the same inputs give the same
//! bytes (with `reproducible`, also the same `generated_at` and no wall-clock seconds).

use super::format::{cents, ratio6 as ratio, timestamp as ts};
use crate::domain::instances_per_gpu;
use crate::domain::{Catalog, CommitmentKind, Offering};
use crate::engine::schedule::SchedulingValue;
use crate::engine::PlanRun;
use crate::ingest::inputs::Inputs;
pub use crate::plan::doc::*;
use crate::plan::risk::{cvar, quantile};
use crate::plan::{Evaluation, Placement, Plan};
use chrono::{DateTime, Utc};

/// Options of the writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocOptions {
    /// Pin `generated_at` (from SOURCE_DATE_EPOCH, else 1970) and drop wall-clock seconds.
    pub reproducible: bool,
    /// Instant to write as `generated_at` in reproducible mode.
    pub epoch: Option<DateTime<Utc>>,
}

/// Builds the plan document of a run, section by section.
pub fn plan_doc(inputs: &Inputs, run: &PlanRun, opts: DocOptions) -> PlanDoc {
    let cat = &inputs.catalog;
    let planned = run
        .horizon
        .map_or(inputs.keep.iter().filter(|&&k| k).count(), |h| h.hours());
    let window_hours = run.horizon.map_or(inputs.window.hours(), |h| h.hours());
    let ev = run.evaluation.as_ref();
    PlanDoc {
        schema_version: SCHEMA_VERSION.into(),
        generated_at: ts(generated_at(opts)),
        currency: "USD".into(),
        scenario: ScenarioDoc {
            name: inputs.scenario.name.clone(),
            file: inputs.scenario.file.display().to_string(),
            input_hash: inputs.input_hash.clone(),
        },
        horizon: horizon_doc(inputs, run, planned),
        solve: solve_doc(run, opts),
        purchases: run
            .plan
            .as_ref()
            .map(|p| {
                let w = (planned as f64, window_hours as f64);
                purchase_docs(cat, p, ev, w, crate::engine::term::as_of(inputs))
            })
            .unwrap_or_default(),
        owned_commitments: owned_docs(inputs, ev),
        placements: run
            .plan
            .as_ref()
            .map(|p| placement_docs(cat, p, ev))
            .unwrap_or_default(),
        costs: ev.map(|e| costs_doc(inputs, run, e)),
        risk: risk_doc(run, ev),
        infeasibility: run.infeasibility.as_ref().map(infeasibility_doc),
        warnings: inputs.warnings.clone(),
        scheduling: run
            .scheduling
            .as_ref()
            .map(|v| scheduling_doc(v, run.risk.is_some())),
        term: run
            .term
            .as_ref()
            .map(|t| crate::output::term::term_doc(inputs, t)),
    }
}

/// The scheduling section: the saving split and, per workload, its windows or schedule
/// (`expected`: the schedules are expectations over forecast scenarios).
fn scheduling_doc(v: &SchedulingValue, expected: bool) -> SchedulingDoc {
    // `+ 0.0` turns the −0.0 of an empty sum into 0.
    let gh = |x: f64| (x * 1000.0).round() / 1000.0 + 0.0;
    SchedulingDoc {
        recorded_on_demand_baseline: cents(v.recorded_baseline),
        cost_without_scheduling: cents(v.cost_without_scheduling),
        saving_purchasing: cents(v.saving_purchasing()),
        saving_scale_to_zero: cents(v.saving_scale_to_zero()),
        saving_shifting: cents(v.saving_shifting()),
        gpu_hours_dropped: gh(v.windows.iter().map(|w| w.gpu_hours_dropped).sum()),
        gpu_hours_moved: gh(v.shifts.iter().map(|s| s.gpu_hours_moved).sum()),
        scale_to_zero: v
            .windows
            .iter()
            .map(|w| ScaleToZeroDoc {
                workload: w.workload.clone(),
                windows: w.windows.clone(),
                gpu_hours_dropped: gh(w.gpu_hours_dropped),
                saving: cents(w.saving),
            })
            .collect(),
        shifts: v
            .shifts
            .iter()
            .map(|s| ShiftDoc {
                workload: s.shift.workload.clone(),
                shiftable_hours: s.shift.shiftable_hours,
                max_gpus: (s.shift.max_gpus * 1e6).round() / 1e6,
                gpu_hours: gh(s.gpu_hours),
                gpu_hours_moved: gh(s.gpu_hours_moved),
                saving: cents(s.saving),
                profile_start: ts(s.shift.start),
                profile: run_length(&s.shift.gpus),
                expected,
            })
            .collect(),
    }
}

/// Why no plan exists, with each conflict and its ways out (costs in cents).
fn infeasibility_doc(i: &crate::model::Infeasibility) -> InfeasibilityDoc {
    InfeasibilityDoc {
        group: i.group.clone(),
        message: i.message.clone(),
        conflicts: i
            .conflicts
            .iter()
            .map(|c| ConflictDoc {
                kind: c.kind.clone(),
                workloads: c.workloads.clone(),
                offerings: c.offerings.clone(),
                hours: c.hours.clone(),
                constraints: c.constraints.clone(),
                message: c.message.clone(),
                relaxations: c
                    .relaxations
                    .iter()
                    .map(|r| RelaxationDoc {
                        constraint: r.constraint.clone(),
                        change: r.change.clone(),
                        cost: r.cost.map(cents),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `generated_at`: pinned (SOURCE_DATE_EPOCH, else 1970) when reproducible, else now.
fn generated_at(opts: DocOptions) -> DateTime<Utc> {
    if opts.reproducible {
        opts.epoch.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    } else {
        Utc::now()
    }
}

/// The planned horizon: the run's forecast horizon, else the scenario's window.
fn horizon_doc(inputs: &Inputs, run: &PlanRun, planned_hours: usize) -> HorizonDoc {
    HorizonDoc {
        start: ts(run.horizon.map_or(inputs.window.start, |h| h.start)),
        end: ts(run.horizon.map_or(inputs.window.end, |h| h.end)),
        hours: run.horizon.map_or(inputs.window.hours(), |h| h.hours()),
        planned_hours,
        spot_allowed: inputs.scenario.instruments.spot,
        as_of: ts(crate::engine::term::as_of(inputs)),
    }
}

/// How the plan was solved: status, bounds, model size, aggregation and decomposition steps
/// (wall-clock seconds only when not reproducible).
fn solve_doc(run: &PlanRun, opts: DocOptions) -> SolveDoc {
    let out = &run.outcome;
    let (cols, rows, ints) = out.size;
    SolveDoc {
        status: out.status.as_str().into(),
        objective: out.objective.map(cents),
        best_bound: out.best_bound.map(cents),
        gap: out.gap.map(ratio),
        seconds: (!opts.reproducible).then(|| (out.seconds * 1000.0).round() / 1000.0),
        columns: cols,
        rows,
        integer_columns: ints,
        pruned_offers: run.pruned.len(),
        dominated_offerings: run.dominated_offerings.clone(),
        buckets: run.buckets,
        aggregation: run
            .steps
            .iter()
            .map(|s| AggStepDoc {
                buckets: s.buckets,
                status: s.status.as_str().into(),
                objective: s.objective.map(cents),
                evaluated: s.evaluated.map(cents),
            })
            .collect(),
        method: if run.decomposition.is_some() {
            "decompose"
        } else {
            "mip"
        }
        .into(),
        decomposition: run.decomposition.as_ref().map(|d| DecompositionDoc {
            start: d.start.as_str().into(),
            rounds: d.rounds,
            first_lp_objective: d.first_lp_objective.map(cents),
            lp_objective: d.lp_objective.map(cents),
            polish_moves: d.polish_moves,
            tiers_seconds: (!opts.reproducible)
                .then(|| (d.tiers_seconds * 1000.0).round() / 1000.0),
        }),
        message: out.message.clone(),
    }
}

/// The owned commitments with their expected utilization (when active in the evaluation).
fn owned_docs(inputs: &Inputs, ev: Option<&Evaluation>) -> Vec<OwnedDoc> {
    inputs
        .owned
        .iter()
        .enumerate()
        .map(|(i, c)| OwnedDoc {
            offer_id: c.offer_id.clone(),
            quantity_or_hourly: c.quantity_or_hourly,
            start: ts(c.start),
            end: ts(c.end),
            expected_utilization: ev
                .and_then(|e| e.commitments.get(i))
                .filter(|c| c.active_hours > 0.0)
                .map(|c| ratio(c.utilization())),
        })
        .collect()
}

/// Costs of the evaluated plan: totals by instrument, quantiles and CVaR over the risk
/// scenarios (the evaluated total without them), sensitivity, savings and coverage.
fn costs_doc(inputs: &Inputs, run: &PlanRun, e: &Evaluation) -> CostsDoc {
    let q = |x: f64| run.risk.as_ref().map(|r| quantile(&r.costs(), &r.probs, x));
    let [ih, cov, sp, od] = e.instance_hours;
    let share = |x: f64| if ih > 0.0 { ratio(x / ih) } else { 0.0 };
    CostsDoc {
        on_demand_baseline: cents(e.baseline_all_on_demand),
        expected: cents(e.total),
        model_objective: run.outcome.objective.map(cents),
        p50: cents(q(0.5).unwrap_or(e.total)),
        p90: cents(q(0.9).unwrap_or(e.total)),
        p95: cents(q(0.95).unwrap_or(e.total)),
        cvar: cents(run.risk.as_ref().map_or(e.total, |r| {
            cvar(&r.costs(), &r.probs, inputs.scenario.risk.cvar_alpha)
        })),
        esr: ratio(e.esr()),
        demand_minus_20pct: run.sensitivity.map(|s| cents(s.0)),
        demand_plus_20pct: run.sensitivity.map(|s| cents(s.1)),
        savings_vs_all_on_demand: cents(e.baseline_all_on_demand - e.total),
        savings_pct: if e.baseline_all_on_demand > 0.0 {
            ratio((e.baseline_all_on_demand - e.total) / e.baseline_all_on_demand)
        } else {
            0.0
        },
        commitments: cents(e.commitment_cost),
        spot: cents(e.spot_cost),
        on_demand: cents(e.on_demand_cost),
        hidden: cents(e.hidden_cost),
        unserved: cents(e.unserved_cost),
        on_demand_equivalent: cents(e.on_demand_equivalent),
        coverage_committed: share(cov),
        coverage_spot: share(sp),
        coverage_on_demand: share(od),
    }
}

/// Commitment risk over the risk scenarios when the run has them, else of the single
/// evaluation (`None` without either).
fn risk_doc(run: &PlanRun, ev: Option<&Evaluation>) -> Option<RiskDoc> {
    if let Some(r) = &run.risk {
        let costs = r.costs();
        let worst = (0..costs.len())
            .max_by(|&a, &b| costs[a].total_cmp(&costs[b]))
            .unwrap_or(0);
        return Some(RiskDoc {
            scenarios: costs.len(),
            p95_unused_commitment: cents(quantile(&r.unused(), &r.probs, 0.95)),
            utilization_p5: Some(ratio(quantile(&r.utilization(), &r.probs, 0.05))),
            utilization_p50: Some(ratio(quantile(&r.utilization(), &r.probs, 0.5))),
            worst_scenario: worst,
            worst_scenario_cost: cents(costs.get(worst).copied().unwrap_or(0.0)),
        });
    }
    ev.map(|e| {
        let unused: f64 = e.commitments.iter().map(|c| c.unused_cost()).sum();
        let utilization = e.commitment_utilization().map(ratio);
        RiskDoc {
            scenarios: 1,
            p95_unused_commitment: cents(unused),
            utilization_p5: utilization,
            utilization_p50: utilization,
            worst_scenario: 0,
            worst_scenario_cost: cents(e.total),
        }
    })
}

/// The commitments bought, with their cost in and after the window, utilization and
/// break-even.
fn purchase_docs(
    cat: &Catalog,
    plan: &Plan,
    ev: Option<&Evaluation>,
    (planned_hours, window_hours): (f64, f64),
    as_of: DateTime<Utc>,
) -> Vec<PurchaseDoc> {
    // Purchases start at the as-of date, never before (a window plan replays history that
    // is already past), and end after their term in calendar months.
    let start = plan.start.max(as_of);
    let n_owned = plan.owned.len();
    plan.purchases
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let k = cat.offer(&p.offer_id)?;
            let ce = ev.and_then(|e| e.commitments.get(n_owned + i));
            let general = k.rows.iter().min_by_key(|r| r.rule.specificity())?;
            let values: Vec<&str> = {
                let mut v: Vec<&str> = k.rows.iter().map(|r| r.rule.value()).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let hourly = ce.map_or(0.0, |c| c.hourly_cost);
            let term_h = k.term_hours();
            let cost_in_window = hourly * planned_hours.min(term_h);
            let util = ce.map_or(0.0, |c| c.utilization());
            let be = ce.and_then(|c| {
                (c.on_demand_value > 0.0)
                    .then(|| f64::from(k.term_months) * c.cost() / c.on_demand_value)
                    .filter(|m| *m <= f64::from(k.term_months))
            });
            Some(PurchaseDoc {
                offer_id: k.id.clone(),
                cloud: k.cloud.to_string(),
                kind: k.kind.as_str().into(),
                term_months: k.term_months,
                payment: k.payment.as_str().into(),
                match_kind: general.rule.kind_str().into(),
                match_value: values.join("|"),
                region: general.region.clone(),
                quantity: (k.kind == CommitmentKind::Unit).then_some(p.amount),
                hourly_commitment: (k.kind == CommitmentKind::Spend).then(|| cents(p.amount)),
                upfront_cost: cents(k.upfront_fraction * hourly * term_h),
                effective_hourly_cost: cents(hourly),
                cost_in_window: cents(cost_in_window),
                liability_after_window: cents(hourly * (term_h - window_hours).max(0.0)),
                expected_utilization: ratio(util),
                break_even_months: be.map(|m| (m * 100.0).round() / 100.0),
                start: ts(start),
                end: ts(crate::domain::outlook::add_months(start, k.term_months)),
            })
        })
        .collect()
}

/// The placements with their evaluated shares and costs.
fn placement_docs(cat: &Catalog, plan: &Plan, ev: Option<&Evaluation>) -> Vec<PlacementDoc> {
    plan.placements
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let o = cat.offering(p.cloud, &p.region, &p.instance_type);
            let we = ev.and_then(|e| e.workloads.get(i));
            let ih = we.map_or(0.0, |w| w.instance_hours);
            let sh = |x: f64| if ih > 0.0 { Some(ratio(x / ih)) } else { None };
            let ipg = o.map_or(0.0, |o| placement_instances_per_gpu(cat, p, o));
            let current = p.current.as_ref().map(|(c, r, it)| format!("{c}/{r}/{it}"));
            let key = format!("{}/{}/{}", p.cloud, p.region, p.instance_type);
            PlacementDoc {
                workload: p.workload.clone(),
                class: p.class.as_str().into(),
                current_gpu: p.current_gpu.clone(),
                cloud: p.cloud.to_string(),
                region: p.region.clone(),
                instance_type: p.instance_type.clone(),
                gpu_model: o.map(|o| o.gpu_model.clone()).unwrap_or_default(),
                share: p.share,
                instances_per_gpu_of_demand: ratio(ipg),
                tier_change: current.as_ref().is_some_and(|c| *c != key),
                current_offering: current,
                max_spot_share: p.max_spot_share,
                adders_per_gpu_hour: p.adders_per_gpu_hour,
                current_adders_per_gpu_hour: p
                    .current
                    .is_some()
                    .then_some(p.current_adders_per_gpu_hour),
                overhead_pct: p.overhead_pct,
                share_committed: we.and_then(|w| sh(w.committed_hours)),
                share_spot: we.and_then(|w| sh(w.spot_hours)),
                share_on_demand: we.and_then(|w| sh(w.on_demand_hours)),
                expected_cost: we.map(|w| cents(w.cost)),
                gpu_hours: we.map(|w| (w.gpu_hours * 1000.0).round() / 1000.0),
                cost_per_gpu_hour_of_demand: we
                    .filter(|w| w.gpu_hours > 0.0)
                    .map(|w| (w.cost / w.gpu_hours * 10000.0).round() / 10000.0),
            }
        })
        .collect()
}

/// Instances of `o` per GPU of the placement's recorded demand (the domain's conversion,
/// from the placement's class and current GPU).
fn placement_instances_per_gpu(cat: &Catalog, p: &Placement, o: &Offering) -> f64 {
    let w = crate::domain::Workload {
        name: p.workload.clone(),
        class: p.class,
        class_inferred: false,
        current_gpu: p.current_gpu.clone(),
        current_offering: None,
        interruptible: false,
        max_spot_share: 0.0,
        min_gpu_memory_gb: 0.0,
        gpus_per_replica: 1,
        allowed_clouds: None,
        allowed_regions: None,
        team: None,
        project: None,
        home_cloud: None,
        storage_per_gpu_hour: 0.0,
        egress_per_gpu_hour: 0.0,
        overhead_pct: 0.0,
        shiftable_hours: 0,
        max_gpus: None,
        scale_to_zero: Vec::new(),
    };
    instances_per_gpu(cat, &w, o)
}

/// Serializes a plan document: pretty JSON with a trailing newline.
pub fn to_json(doc: &PlanDoc) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// An evaluation as JSON (money rounded to cents).
pub fn evaluation_json(e: &Evaluation) -> String {
    let [ih, cov, sp, od] = e.instance_hours;
    let share = |x: f64| if ih > 0.0 { ratio(x / ih) } else { 0.0 };
    let v = serde_json::json!({
        "currency": "USD",
        "hours": e.hours,
        "cost": cents(e.total),
        "commitments": cents(e.commitment_cost),
        "spot": cents(e.spot_cost),
        "on_demand": cents(e.on_demand_cost),
        "hidden": cents(e.hidden_cost),
        "unserved_penalty": cents(e.unserved_cost),
        "on_demand_baseline": cents(e.baseline_all_on_demand),
        "on_demand_equivalent": cents(e.on_demand_equivalent),
        "esr": ratio(e.esr()),
        "coverage_committed": share(cov),
        "coverage_spot": share(sp),
        "coverage_on_demand": share(od),
        "unserved_hours": e.unserved.len(),
        "commitments_detail": e.commitments.iter().map(|c| serde_json::json!({
            "offer_id": c.offer_id,
            "owned": c.owned,
            "kind": c.kind.as_str(),
            "amount": c.amount,
            "cost": cents(c.cost()),
            "utilization": ratio(c.utilization()),
            "unused_cost": cents(c.unused_cost()),
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
