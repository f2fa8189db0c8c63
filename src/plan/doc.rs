//! The plan document: the JSON contract `gpuplan plan` writes (`schemas/plan.schema.json`)
//! and `gpuplan evaluate` reads back. `output::json` builds it from a run; [`read_plan`]
//! turns a file back into a [`Plan`].

use super::{Placement, Plan, Purchase};
use crate::domain::{
    Cloud, CommitmentKind, DailyWindow, OwnedCommitment, ScaleToZero, Scheduling, Shift,
    WorkloadClass,
};
use crate::error::{Error, InputError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the plan JSON contract.
pub const SCHEMA_VERSION: &str = "3.0.0";

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs: Option<CostsDoc>,
    /// Risk figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskDoc>,
    /// Why no feasible plan exists, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infeasibility: Option<InfeasibilityDoc>,
    /// Warnings from the inputs.
    pub warnings: Vec<String>,
    /// Scale-to-zero windows and deferred load, and what each saved (absent when no
    /// workload scales to zero or shifts, and in term mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<SchedulingDoc>,
    /// The whole horizon of a term-aware plan (absent in window mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<super::term_doc::TermDoc>,
}

/// Scheduling: the policies the plan relies on, the schedule it found, and the saving split
/// into purchasing, scale-to-zero and deferred load. Each saving re-prices the same plan
/// hour by hour: on the demand as recorded without any scheduling (`cost_without_scheduling`),
/// with the scale-to-zero windows dropped but no deferred load, and as planned
/// (`costs.expected`); so `saving_purchasing + saving_scale_to_zero + saving_shifting =
/// recorded_on_demand_baseline − costs.expected`. In forecast mode every figure is the
/// expectation over the demand scenarios and each profile the expected schedule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchedulingDoc {
    /// Every workload on its current offering at on-demand, on the demand as recorded
    /// (before scale-to-zero), USD.
    pub recorded_on_demand_baseline: f64,
    /// The plan re-priced on the demand as recorded, without scale-to-zero or deferred
    /// load, USD.
    pub cost_without_scheduling: f64,
    /// recorded_on_demand_baseline − cost_without_scheduling: what the purchases save.
    pub saving_purchasing: f64,
    /// What dropping the scale-to-zero windows saves with this plan, USD.
    pub saving_scale_to_zero: f64,
    /// What running deferrable load later saves with this plan, USD.
    pub saving_shifting: f64,
    /// GPU-hours of demand dropped by scale-to-zero windows.
    pub gpu_hours_dropped: f64,
    /// GPU-hours run later than recorded.
    pub gpu_hours_moved: f64,
    /// Per workload with scale-to-zero windows.
    pub scale_to_zero: Vec<ScaleToZeroDoc>,
    /// Per workload with deferrable load.
    pub shifts: Vec<ShiftDoc>,
}

/// One workload's scale-to-zero windows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScaleToZeroDoc {
    /// Workload.
    pub workload: String,
    /// Windows (`22:00-06:00`, `sat`, `mon-fri`, `fri 20:00-24:00`; UTC).
    pub windows: Vec<String>,
    /// GPU-hours of its demand in them.
    pub gpu_hours_dropped: f64,
    /// What dropping them saves with this plan (the plan re-priced with this workload's
    /// windows kept, minus without), USD.
    pub saving: f64,
}

/// One workload's deferred load.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShiftDoc {
    /// Workload.
    pub workload: String,
    /// Hours its demand may run after it was recorded.
    pub shiftable_hours: u32,
    /// Most GPUs it may run at once.
    pub max_gpus: f64,
    /// GPU-hours of its demand.
    pub gpu_hours: f64,
    /// GPU-hours run later than recorded.
    pub gpu_hours_moved: f64,
    /// What running it on this schedule saves with this plan (the plan re-priced with this
    /// workload on its recorded demand, minus as scheduled), USD.
    pub saving: f64,
    /// First hour of the profile.
    pub profile_start: String,
    /// GPUs run per hour, run-length encoded: `[hours, gpus]` pairs in time order (6
    /// decimals).
    pub profile: Vec<[f64; 2]>,
    /// Whether `profile` is an expectation over demand scenarios (forecast mode) rather than
    /// the schedule of one demand; `evaluate` applies only a schedule.
    #[serde(default)]
    pub expected: bool,
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
    /// Purchases start at this date (the end of the history the plan saw, or `--as-of`).
    #[serde(default)]
    pub as_of: String,
}

/// Solver outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SolveDoc {
    /// `optimal`, `gap_limit`, `time_limit` or `infeasible`.
    pub status: String,
    /// Model objective (USD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
    /// Best bound (USD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_bound: Option<f64>,
    /// Relative gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
    /// Wall seconds (absent in reproducible mode).
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// The tier phase of a decomposed plan (absent for `mip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decomposition: Option<DecompositionDoc>,
    /// Explanation when not optimal.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_lp_objective: Option<f64>,
    /// LP objective of the chosen tiers (same buckets), USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lp_objective: Option<f64>,
    /// Workloads moved by the polish MIP (absent: not run, the fleet being too large).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polish_moves: Option<usize>,
    /// Seconds to choose the tiers (absent in reproducible mode).
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
    /// Its plan re-priced hour by hour, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// Region (absent = all regions of the cloud).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Instances (unit offers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// USD per hour (spend offers).
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// Months to break even against on-demand; absent when beyond the term.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_offering: Option<String>,
    /// Whether the plan moves the workload off its current offering.
    pub tier_change: bool,
    /// Largest spot share allowed.
    pub max_spot_share: f64,
    /// Storage + egress USD per GPU-hour on this offering.
    pub adders_per_gpu_hour: f64,
    /// Storage + egress USD per GPU-hour on the current offering, part of the baseline
    /// (absent without a current offering; a plan written before this field existed reads
    /// as 0, the baseline it was written with).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_adders_per_gpu_hour: Option<f64>,
    /// Overhead percent.
    pub overhead_pct: f64,
    /// Share of instance-hours on commitments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_committed: Option<f64>,
    /// Share on spot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_spot: Option<f64>,
    /// Share on on-demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_on_demand: Option<f64>,
    /// Expected cost over the window, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_cost: Option<f64>,
    /// GPU-hours of recorded demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_hours: Option<f64>,
    /// Cost per GPU-hour of recorded demand, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// mean path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_minus_20pct: Option<f64>,
    /// Cost if demand is 20% above it.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization_p5: Option<f64>,
    /// Median commitment utilization.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// Each conflict on its own: what conflicts and the ways out.
    pub conflicts: Vec<ConflictDoc>,
}

/// One conflict of an infeasible plan (`model::conflict::ExplainedConflict`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConflictDoc {
    /// `no_compatible_offering`, `capacity` or `risk_budget`.
    pub kind: String,
    /// Workloads in the conflict.
    pub workloads: Vec<String>,
    /// Offerings in the conflict (catalog keys).
    pub offerings: Vec<String>,
    /// Hours in the conflict (the hour of the largest shortfall).
    pub hours: Vec<String>,
    /// The constraints that conflict, named as in the input files.
    pub constraints: Vec<String>,
    /// One short paragraph.
    pub message: String,
    /// Ways out, cheapest first.
    pub relaxations: Vec<RelaxationDoc>,
}

/// One way out of a conflict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelaxationDoc {
    /// The constraint to relax.
    pub constraint: String,
    /// How.
    pub change: String,
    /// USD over the planned window for the conflicting load served that way; absent when the
    /// change has no price of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

impl PlanDoc {
    /// The plan this document describes, for `evaluate`. Errors name the field; a document
    /// written when no plan was found (no placements) says so, with its status.
    pub fn to_plan(&self) -> Result<Plan, String> {
        if self.placements.is_empty() && self.purchases.is_empty() {
            return Err(format!(
                "holds no plan to re-price: its solve ended with status {}{}",
                self.solve.status,
                self.solve
                    .message
                    .as_deref()
                    .map(|m| format!(" ({})", m.lines().next().unwrap_or(m)))
                    .unwrap_or_default()
            ));
        }
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
            let adders = |v: f64, key: &str| {
                if v.is_finite() && v >= 0.0 {
                    Ok(v)
                } else {
                    Err(format!(
                        "field 'placements[{i}].{key}': expected USD per GPU-hour of at least 0, found {v}"
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
                adders_per_gpu_hour: adders(p.adders_per_gpu_hour, "adders_per_gpu_hour")?,
                overhead_pct: p.overhead_pct,
                current,
                current_adders_per_gpu_hour: adders(
                    p.current_adders_per_gpu_hour.unwrap_or(0.0),
                    "current_adders_per_gpu_hour",
                )?,
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
            scheduling: match &self.scheduling {
                Some(sd) => sd.to_scheduling()?,
                None => Scheduling::default(),
            },
        })
    }
}

impl SchedulingDoc {
    /// The policies and schedules this section describes. Errors name the field.
    pub fn to_scheduling(&self) -> Result<Scheduling, String> {
        let mut out = Scheduling::default();
        for (i, s) in self.scale_to_zero.iter().enumerate() {
            let windows = s
                .windows
                .iter()
                .map(|w| {
                    DailyWindow::parse(w).ok_or_else(|| {
                        format!("field 'scheduling.scale_to_zero[{i}].windows': expected a window like \"22:00-06:00\" or \"sat\", found {w:?}")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.scale_to_zero.push(ScaleToZero {
                workload: s.workload.clone(),
                windows,
            });
        }
        for (i, s) in self.shifts.iter().enumerate().filter(|(_, s)| !s.expected) {
            let field = |f: &str| format!("field 'scheduling.shifts[{i}].{f}'");
            let start = crate::ingest::csvread::parse_instant(&s.profile_start, false).ok_or_else(
                || {
                    format!(
                        "{}: expected a timestamp, found {:?}",
                        field("profile_start"),
                        s.profile_start
                    )
                },
            )?;
            let mut gpus = Vec::new();
            for &[hours, g] in &s.profile {
                if !(hours >= 1.0 && hours.fract() == 0.0 && g.is_finite() && g >= 0.0) {
                    return Err(format!(
                        "{}: expected [hours >= 1, gpus >= 0] pairs, found [{hours}, {g}]",
                        field("profile")
                    ));
                }
                gpus.extend(std::iter::repeat_n(g, hours as usize));
            }
            out.shifts.push(Shift {
                workload: s.workload.clone(),
                shiftable_hours: s.shiftable_hours,
                max_gpus: s.max_gpus,
                start,
                gpus,
            });
        }
        Ok(out)
    }
}

/// An hourly profile as run-length `[hours, gpus]` pairs, GPUs rounded to 6 decimals.
pub fn run_length(gpus: &[f64]) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::new();
    for &g in gpus {
        let g = (g * 1e6).round() / 1e6;
        let g = if g == 0.0 { 0.0 } else { g };
        match out.last_mut() {
            Some(last) if last[1] == g => last[0] += 1.0,
            _ => out.push([1.0, g]),
        }
    }
    out
}

/// Reads a plan JSON file written by `gpuplan plan`. Errors name the file and the line and
/// column (malformed JSON) or the field (a value the plan cannot hold).
pub fn read_plan(path: &Path) -> Result<Plan, Error> {
    read_plan_doc(path)?
        .to_plan()
        .map_err(|m| Error::Input(InputError::file(path, m)))
}

/// Reads a plan JSON file as the document itself (for writers such as the HTML report).
/// Errors name the file and the line and column of malformed JSON.
pub fn read_plan_doc(path: &Path) -> Result<PlanDoc, Error> {
    let text = crate::ingest::read_text(path)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Input(InputError::line(
            path,
            e.line() as u64,
            format!(
                "column {}: not a gpuplan plan JSON: {}",
                e.column(),
                json_error_text(&e)
            ),
        ))
    })
}

/// The writer's last guard, like `ingest focus`'s read-back: the JSON about to be written
/// must parse as a plan document (a NaN written as `null` where the contract says number
/// fails here, naming the line and column), hold no `null` at all (an absent value is left
/// out, so a `null` can only be a NaN that reached an optional number), and hold a plan
/// `evaluate` can read back.
pub fn check_reads_back(json: &str) -> Result<(), String> {
    if let Some(path) = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| first_null(&v, "$"))
    {
        return Err(format!("{path}: the plan JSON holds a null"));
    }
    let doc: PlanDoc = serde_json::from_str(json).map_err(|e| {
        format!(
            "line {} column {}: the plan JSON does not read back: {}",
            e.line(),
            e.column(),
            json_error_text(&e)
        )
    })?;
    // A document without a plan (no placements) has nothing for `evaluate` to read.
    if doc.placements.is_empty() && doc.purchases.is_empty() {
        return Ok(());
    }
    doc.to_plan().map(|_| ())
}

/// The path (`$.solve.seconds`, `$.purchases[0].quantity`) of the first null in `v`.
fn first_null(v: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::Null => Some(path.to_string()),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| first_null(x, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| first_null(x, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// A JSON error's message without serde_json's own ` at line L column C` suffix (the
/// location is written once, in gpuplan's `file:line:` form).
fn json_error_text(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_back_refuses_any_null_and_names_where() {
        let v = serde_json::json!({"solve": {"seconds": 1.5}, "purchases": [{"quantity": 2}]});
        assert_eq!(first_null(&v, "$"), None);
        let v = serde_json::json!({"solve": {"seconds": 1.5}, "purchases": [{"a": 1}, {"quantity": null}]});
        assert_eq!(
            first_null(&v, "$").as_deref(),
            Some("$.purchases[1].quantity")
        );
        // A NaN in an optional number is serialized as null: the guard stops it before the
        // plan is written, where a plan document alone would read it back as absent.
        let err = check_reads_back("{\"schema_version\": \"3.0.0\", \"term\": null}")
            .expect_err("a null must not pass");
        assert_eq!(err, "$.term: the plan JSON holds a null");
    }
}
