//! The plan JSON: the procurement contract (DESIGN.md "Plan JSON"). Versioned by
//! `schema_version`; `schemas/plan.schema.json` describes it. Money is rounded to cents,
//! ratios to 6 decimals; key and array order are fixed so the same inputs give the same
//! bytes (with `reproducible`, also the same `generated_at` and no wall-clock seconds).

use crate::domain::{Catalog, Cloud, CommitmentKind, OwnedCommitment, WorkloadClass};
use crate::inputs::Inputs;
use crate::model::problem::instances_per_gpu;
use crate::plan::risk::{cvar, quantile};
use crate::plan::{Evaluation, Placement, Plan, Purchase};
use crate::run::PlanRun;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Version of the plan JSON contract.
pub const SCHEMA_VERSION: &str = "1.0.0";

fn cents(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}
fn ratio(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The whole plan document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanDoc {
    /// Contract version.
    pub schema_version: String,
    /// When the plan was made (UTC).
    pub generated_at: String,
    /// Currency of every money field.
    pub currency: String,
    /// Scenario name, file and input hash.
    pub scenario: ScenarioDoc,
    /// The planned window.
    pub horizon: HorizonDoc,
    /// Solver outcome.
    pub solve: SolveDoc,
    /// Commitments to buy.
    pub purchases: Vec<PurchaseDoc>,
    /// Commitments already owned that the plan relies on.
    pub owned_commitments: Vec<OwnedDoc>,
    /// Where each workload runs.
    pub placements: Vec<PlacementDoc>,
    /// Costs over the window (re-priced hourly).
    pub costs: Option<CostsDoc>,
    /// Risk figures.
    pub risk: Option<RiskDoc>,
    /// Why no feasible plan exists, when it does not.
    pub infeasibility: Option<InfeasibilityDoc>,
    /// Warnings from the inputs.
    pub warnings: Vec<String>,
}

/// Scenario identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioDoc {
    /// Name.
    pub name: String,
    /// Scenario file as given.
    pub file: String,
    /// SHA-256 over every input.
    pub input_hash: String,
}

/// The planned window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HorizonDoc {
    /// Start (inclusive); purchases start here.
    pub start: String,
    /// End (exclusive).
    pub end: String,
    /// Hours in the window.
    pub hours: usize,
    /// Hours planned on (unmasked).
    pub planned_hours: usize,
    /// Whether spot may be used.
    pub spot_allowed: bool,
}

/// Solver outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SolveDoc {
    /// `optimal`, `gap_limit`, `time_limit` or `infeasible`.
    pub status: String,
    /// Model objective (USD).
    pub objective: Option<f64>,
    /// Best bound (USD).
    pub best_bound: Option<f64>,
    /// Relative gap.
    pub gap: Option<f64>,
    /// Wall seconds (null in reproducible mode).
    pub seconds: Option<f64>,
    /// Model size: columns.
    pub columns: usize,
    /// Model size: rows.
    pub rows: usize,
    /// Model size: integer columns.
    pub integer_columns: usize,
    /// Offers left out because another is at least as good on every offering.
    pub pruned_offers: usize,
    /// Offerings left out because another offering is at least as good for every workload
    /// and instrument (catalog keys `cloud/region/instance_type`).
    pub dominated_offerings: Vec<String>,
    /// Time buckets of the model that produced the plan (= planned hours at full
    /// resolution).
    pub buckets: usize,
    /// Models solved by the adaptive aggregation: buckets, objective, re-priced cost.
    pub aggregation: Vec<AggStepDoc>,
    /// `mip` (tiers and commitments in one model) or `decompose` (tiers chosen first; then
    /// `objective`, `best_bound` and `gap` are those of the commitment MIP on the chosen
    /// tiers, not bounds over every tier choice).
    pub method: String,
    /// The tier phase of a decomposed plan (null for `mip`).
    pub decomposition: Option<DecompositionDoc>,
    /// Explanation when not optimal.
    pub message: Option<String>,
}

/// The tier phase of a decomposed plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DecompositionDoc {
    /// Where the kept tier search started: `joint_lp` (the joint model's LP relaxation on
    /// few buckets) or `standalone` (each workload's own cheapest option).
    pub start: String,
    /// Price-directed rounds solved (LP relaxations of the pooled problem).
    pub rounds: usize,
    /// LP objective of the first round (tiers from standalone costs), USD.
    pub first_lp_objective: Option<f64>,
    /// LP objective of the chosen tiers (same buckets), USD.
    pub lp_objective: Option<f64>,
    /// Workloads moved by the polish MIP (null: not run, the fleet being too large).
    pub polish_moves: Option<usize>,
    /// Seconds to choose the tiers (null in reproducible mode).
    pub tiers_seconds: Option<f64>,
}

/// One model of the adaptive aggregation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AggStepDoc {
    /// Buckets.
    pub buckets: usize,
    /// Status of its solve.
    pub status: String,
    /// Its objective on buckets, USD.
    pub objective: Option<f64>,
    /// Its plan re-priced hour by hour, USD.
    pub evaluated: Option<f64>,
}

/// One purchase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PurchaseDoc {
    /// Catalog offer id.
    pub offer_id: String,
    /// Cloud.
    pub cloud: String,
    /// `unit` or `spend`.
    pub kind: String,
    /// Term in months.
    pub term_months: u32,
    /// Payment option.
    pub payment: String,
    /// Match kind of the offer's most general row.
    #[serde(rename = "match")]
    pub match_kind: String,
    /// Match value(s).
    pub match_value: String,
    /// Region (null = all regions of the cloud).
    pub region: Option<String>,
    /// Instances (unit offers).
    pub quantity: Option<f64>,
    /// USD per hour (spend offers).
    pub hourly_commitment: Option<f64>,
    /// Paid upfront, USD.
    pub upfront_cost: f64,
    /// Effective USD per hour (upfront amortized).
    pub effective_hourly_cost: f64,
    /// Commitment cost inside the window, USD.
    pub cost_in_window: f64,
    /// Still owed after the window, USD.
    pub liability_after_window: f64,
    /// Share of the commitment consumed in the window.
    pub expected_utilization: f64,
    /// Months to break even against on-demand; null when beyond the term.
    pub break_even_months: Option<f64>,
    /// Start of the term.
    pub start: String,
    /// End of the term.
    pub end: String,
}

/// An owned commitment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OwnedDoc {
    /// Catalog offer id.
    pub offer_id: String,
    /// Instances or USD per hour.
    pub quantity_or_hourly: f64,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// Share consumed in the window.
    pub expected_utilization: Option<f64>,
}

/// One placement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlacementDoc {
    /// Workload.
    pub workload: String,
    /// Class.
    pub class: String,
    /// GPU of the recorded demand.
    pub current_gpu: String,
    /// Cloud.
    pub cloud: String,
    /// Region.
    pub region: String,
    /// Instance type.
    pub instance_type: String,
    /// GPU model of the instance.
    pub gpu_model: String,
    /// Share of the workload here.
    pub share: f64,
    /// Instances per GPU of recorded demand.
    pub instances_per_gpu_of_demand: f64,
    /// The current offering (baseline).
    pub current_offering: Option<String>,
    /// Whether the plan moves the workload off its current offering.
    pub tier_change: bool,
    /// Largest spot share allowed.
    pub max_spot_share: f64,
    /// Storage + egress USD per GPU-hour on this offering.
    pub adders_per_gpu_hour: f64,
    /// Overhead percent.
    pub overhead_pct: f64,
    /// Share of instance-hours on commitments.
    pub share_committed: Option<f64>,
    /// Share on spot.
    pub share_spot: Option<f64>,
    /// Share on on-demand.
    pub share_on_demand: Option<f64>,
    /// Expected cost over the window, USD.
    pub expected_cost: Option<f64>,
    /// GPU-hours of recorded demand.
    pub gpu_hours: Option<f64>,
    /// Cost per GPU-hour of recorded demand, USD.
    pub cost_per_gpu_hour_of_demand: Option<f64>,
}

/// Costs over the window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CostsDoc {
    /// Every workload on its current offering at on-demand (compute + hidden).
    pub on_demand_baseline: f64,
    /// The plan re-priced hour by hour (the truth).
    pub expected: f64,
    /// Model objective (equals `expected` at full resolution).
    pub model_objective: Option<f64>,
    /// Median across demand scenarios.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// CVaR at the scenario's α.
    pub cvar: f64,
    /// Effective savings rate.
    pub esr: f64,
    /// Cost if demand is 20% below the planned demand (history replayed, or the forecast's
    /// P50 path).
    pub demand_minus_20pct: Option<f64>,
    /// Cost if demand is 20% above it.
    pub demand_plus_20pct: Option<f64>,
    /// on_demand_baseline − expected.
    pub savings_vs_all_on_demand: f64,
    /// Savings as a share of the baseline.
    pub savings_pct: f64,
    /// Commitments (bought and owned).
    pub commitments: f64,
    /// Spot.
    pub spot: f64,
    /// On-demand.
    pub on_demand: f64,
    /// Hidden costs.
    pub hidden: f64,
    /// Penalty on unserved load.
    pub unserved: f64,
    /// On-demand price of the plan's own usage.
    pub on_demand_equivalent: f64,
    /// Share of instance-hours on commitments.
    pub coverage_committed: f64,
    /// Share on spot.
    pub coverage_spot: f64,
    /// Share on on-demand.
    pub coverage_on_demand: f64,
}

/// Risk figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RiskDoc {
    /// Number of demand scenarios.
    pub scenarios: usize,
    /// 95th percentile of unused commitment USD.
    pub p95_unused_commitment: f64,
    /// 5th percentile of commitment utilization.
    pub utilization_p5: Option<f64>,
    /// Median commitment utilization.
    pub utilization_p50: Option<f64>,
    /// Index of the costliest scenario.
    pub worst_scenario: usize,
    /// Cost of the costliest scenario.
    pub worst_scenario_cost: f64,
}

/// Why no feasible plan exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InfeasibilityDoc {
    /// Constraint group.
    pub group: String,
    /// Explanation.
    pub message: String,
}

/// Options of the writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocOptions {
    /// Pin `generated_at` (from SOURCE_DATE_EPOCH, else 1970) and drop wall-clock seconds.
    pub reproducible: bool,
    /// Instant to write as `generated_at` in reproducible mode.
    pub epoch: Option<DateTime<Utc>>,
}

/// Builds the plan document of a run.
pub fn plan_doc(inputs: &Inputs, run: &PlanRun, opts: DocOptions) -> PlanDoc {
    let cat = &inputs.catalog;
    let generated_at = if opts.reproducible {
        opts.epoch.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    } else {
        Utc::now()
    };
    let planned = run
        .horizon
        .map_or(inputs.keep.iter().filter(|&&k| k).count(), |h| h.hours());
    let window_hours = run.horizon.map_or(inputs.window.hours(), |h| h.hours());
    let ev = run.evaluation.as_ref();
    let out = &run.outcome;
    let (cols, rows, ints) = out.size;
    let purchases = run
        .plan
        .as_ref()
        .map(|p| purchase_docs(cat, p, ev, planned as f64, window_hours as f64))
        .unwrap_or_default();
    let owned_commitments = inputs
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
        .collect();
    let placements = run
        .plan
        .as_ref()
        .map(|p| placement_docs(cat, p, ev))
        .unwrap_or_default();
    let q = |x: f64| run.risk.as_ref().map(|r| quantile(&r.costs(), &r.probs, x));
    let costs = ev.map(|e| {
        let [ih, cov, sp, od] = e.instance_hours;
        let share = |x: f64| if ih > 0.0 { ratio(x / ih) } else { 0.0 };
        CostsDoc {
            on_demand_baseline: cents(e.baseline_all_on_demand),
            expected: cents(e.total),
            model_objective: out.objective.map(cents),
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
    });
    let risk = match &run.risk {
        Some(r) => {
            let costs = r.costs();
            let worst = (0..costs.len())
                .max_by(|&a, &b| costs[a].total_cmp(&costs[b]))
                .unwrap_or(0);
            Some(RiskDoc {
                scenarios: costs.len(),
                p95_unused_commitment: cents(quantile(&r.unused(), &r.probs, 0.95)),
                utilization_p5: Some(ratio(quantile(&r.utilization(), &r.probs, 0.05))),
                utilization_p50: Some(ratio(quantile(&r.utilization(), &r.probs, 0.5))),
                worst_scenario: worst,
                worst_scenario_cost: cents(costs.get(worst).copied().unwrap_or(0.0)),
            })
        }
        None => None,
    };
    let risk = risk.or_else(|| {
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
    });
    PlanDoc {
        schema_version: SCHEMA_VERSION.into(),
        generated_at: ts(generated_at),
        currency: "USD".into(),
        scenario: ScenarioDoc {
            name: inputs.scenario.name.clone(),
            file: inputs.scenario.file.display().to_string(),
            input_hash: inputs.input_hash.clone(),
        },
        horizon: HorizonDoc {
            start: ts(run.horizon.map_or(inputs.window.start, |h| h.start)),
            end: ts(run.horizon.map_or(inputs.window.end, |h| h.end)),
            hours: run.horizon.map_or(inputs.window.hours(), |h| h.hours()),
            planned_hours: planned,
            spot_allowed: inputs.scenario.instruments.spot,
        },
        solve: SolveDoc {
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
        },
        purchases,
        owned_commitments,
        placements,
        costs,
        risk,
        infeasibility: run.infeasibility.as_ref().map(|i| InfeasibilityDoc {
            group: i.group.clone(),
            message: i.message.clone(),
        }),
        warnings: inputs.warnings.clone(),
    }
}

fn purchase_docs(
    cat: &Catalog,
    plan: &Plan,
    ev: Option<&Evaluation>,
    planned_hours: f64,
    window_hours: f64,
) -> Vec<PurchaseDoc> {
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
                start: ts(plan.start),
                end: ts(plan.start + Duration::hours(term_h.round() as i64)),
            })
        })
        .collect()
}

fn placement_docs(cat: &Catalog, plan: &Plan, ev: Option<&Evaluation>) -> Vec<PlacementDoc> {
    plan.placements
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let o = cat.offering(p.cloud, &p.region, &p.instance_type);
            let we = ev.and_then(|e| e.workloads.get(i));
            let ih = we.map_or(0.0, |w| w.instance_hours);
            let sh = |x: f64| if ih > 0.0 { Some(ratio(x / ih)) } else { None };
            let ipg = o.map_or(0.0, |o| {
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
                    scale_to_zero: Vec::new(),
                };
                instances_per_gpu(cat, &w, o)
            });
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

/// Serializes a plan document: pretty JSON with a trailing newline.
pub fn to_json(doc: &PlanDoc) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

impl PlanDoc {
    /// The plan this document describes, for `evaluate`. Errors name the field.
    pub fn to_plan(&self) -> Result<Plan, String> {
        let start =
            crate::ingest::csvread::parse_instant(&self.horizon.start, false).ok_or_else(|| {
                format!(
                    "field 'horizon.start': expected a timestamp, found {:?}",
                    self.horizon.start
                )
            })?;
        let cloud = |s: &str, field: String| {
            Cloud::parse(s)
                .ok_or_else(|| format!("field '{field}': expected aws, azure or gcp, found {s:?}"))
        };
        let mut placements = Vec::new();
        for (i, p) in self.placements.iter().enumerate() {
            let current = match &p.current_offering {
                None => None,
                Some(c) => {
                    let parts: Vec<&str> = c.splitn(3, '/').collect();
                    if parts.len() != 3 {
                        return Err(format!("field 'placements[{i}].current_offering': expected cloud/region/instance_type, found {c:?}"));
                    }
                    Some((
                        cloud(parts[0], format!("placements[{i}].current_offering"))?,
                        parts[1].to_string(),
                        parts[2].to_string(),
                    ))
                }
            };
            placements.push(Placement {
                workload: p.workload.clone(),
                class: WorkloadClass::parse(&p.class)
                    .ok_or_else(|| format!("field 'placements[{i}].class': expected training, inference or experimentation, found {:?}", p.class))?,
                current_gpu: p.current_gpu.clone(),
                cloud: cloud(&p.cloud, format!("placements[{i}].cloud"))?,
                region: p.region.clone(),
                instance_type: p.instance_type.clone(),
                share: p.share,
                max_spot_share: p.max_spot_share,
                adders_per_gpu_hour: p.adders_per_gpu_hour,
                overhead_pct: p.overhead_pct,
                current,
            });
        }
        let mut purchases = Vec::new();
        for (i, p) in self.purchases.iter().enumerate() {
            let (kind, amount) = match (p.kind.as_str(), p.quantity, p.hourly_commitment) {
                ("unit", Some(q), _) => (CommitmentKind::Unit, q),
                ("spend", _, Some(h)) => (CommitmentKind::Spend, h),
                _ => {
                    return Err(format!(
                        "field 'purchases[{i}]': expected kind unit with quantity or kind spend with hourly_commitment"
                    ))
                }
            };
            purchases.push(Purchase {
                offer_id: p.offer_id.clone(),
                kind,
                amount,
            });
        }
        let mut owned = Vec::new();
        for (i, c) in self.owned_commitments.iter().enumerate() {
            let t = |s: &str, f: &str| {
                crate::ingest::csvread::parse_instant(s, true).ok_or_else(|| {
                    format!("field 'owned_commitments[{i}].{f}': expected a timestamp, found {s:?}")
                })
            };
            owned.push(OwnedCommitment {
                offer_id: c.offer_id.clone(),
                quantity_or_hourly: c.quantity_or_hourly,
                start: t(&c.start, "start")?,
                end: t(&c.end, "end")?,
                line: 0,
            });
        }
        Ok(Plan {
            start,
            placements,
            purchases,
            owned,
            spot_allowed: self.horizon.spot_allowed,
        })
    }
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
