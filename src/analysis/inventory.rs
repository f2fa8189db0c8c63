//! The GPU fleet inventory: who runs what, where, at what price, how well the owned
//! commitments are used, which hours departed from the usual pattern, and what a request,
//! a million tokens or a training run costs week over week. Pure computation: it reads
//! already-loaded inputs (a FOCUS ingest or a scenario) and never prints.
//!
//! - Workload classes are inferred from the hourly curve (`domain::classify`) when the
//!   workloads file does not declare them; the rules and their measured accuracy on the
//!   Helios (training) and ServeGen (inference) traces are in `docs/focus.md`.
//! - Anomalies: per workload, an hour-of-week band (median ± k × 1.4826 × MAD of the same
//!   hour-of-week across weeks; hour-of-day across days when the history is shorter than
//!   two weeks), with a floor of 10% of the median and 5% of the workload's mean; runs of
//!   consecutive hours outside the band are reported with their size in GPUs / dollars.
//! - ESR = (on-demand equivalent − actual cost) ÷ on-demand equivalent (FinOps Foundation),
//!   on amortized cost including unused commitment.

use crate::domain::classify;
use crate::domain::stats::median;
use crate::domain::{DemandHistory, WorkloadClass};
use crate::error::{Error, InputError};
use crate::ingest::focus::{FocusIngest, Pricing};
use crate::ingest::inputs::Inputs;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Throughput metrics

/// A throughput metric of `metrics.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricKind {
    /// Requests served (cost per 1,000).
    Requests,
    /// Tokens processed (cost per 1,000,000).
    Tokens,
    /// Training runs completed (cost per run).
    TrainingRuns,
}

impl MetricKind {
    /// All kinds, with their column names.
    pub const ALL: [(MetricKind, &'static str); 3] = [
        (MetricKind::Requests, "requests"),
        (MetricKind::Tokens, "tokens"),
        (MetricKind::TrainingRuns, "training_runs"),
    ];
    /// Column name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }
    /// Units per priced unit: 1,000 requests, 1,000,000 tokens, 1 run.
    pub fn scale(self) -> f64 {
        match self {
            MetricKind::Requests => 1e3,
            MetricKind::Tokens => 1e6,
            MetricKind::TrainingRuns => 1.0,
        }
    }
    /// The unit cost's label.
    pub fn unit_label(self) -> &'static str {
        match self {
            MetricKind::Requests => "per 1k requests",
            MetricKind::Tokens => "per 1M tokens",
            MetricKind::TrainingRuns => "per training run",
        }
    }
}

/// Hourly throughput per workload: `metrics.csv` with `timestamp,workload` and any of
/// `requests`, `tokens`, `training_runs` (counts in that hour; empty = not measured).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    /// The file.
    pub file: PathBuf,
    /// (workload, metric) → hour → count.
    pub series: BTreeMap<(String, MetricKind), BTreeMap<DateTime<Utc>, f64>>,
}

/// Parses a metrics file.
pub fn parse_metrics(file: &Path, bytes: &[u8]) -> Result<Metrics, InputError> {
    let t = crate::ingest::csvread::read_table(
        file,
        bytes,
        &["timestamp", "workload"],
        &["requests", "tokens", "training_runs"],
        true,
    )?;
    let mut m = Metrics {
        file: file.to_path_buf(),
        series: BTreeMap::new(),
    };
    let mut any_col = false;
    for row in t.iter() {
        let ts = row.instant("timestamp", false)?;
        let w = row.text("workload")?;
        for (k, col) in MetricKind::ALL {
            if let Some(v) = row.opt_num(col, "a count >= 0", |v| v >= 0.0)? {
                any_col = true;
                *m.series
                    .entry((w.clone(), k))
                    .or_default()
                    .entry(ts)
                    .or_default() += v;
            }
        }
    }
    if !any_col {
        return Err(InputError::line(
            file,
            1,
            "no throughput values: expected a column `requests`, `tokens` or `training_runs` with numbers",
        ));
    }
    Ok(m)
}

/// Reads a metrics file.
pub fn read_metrics(path: &Path) -> Result<Metrics, InputError> {
    let b = crate::ingest::read_file(path)?;
    parse_metrics(path, &b)
}

// ---------------------------------------------------------------------------------------
// The inventory

/// Options of the inventory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InventoryOptions {
    /// Band half-width in robust standard deviations (1.4826 × MAD).
    pub anomaly_k: f64,
    /// How many anomalies to keep (largest first).
    pub top_anomalies: usize,
    /// Week-over-week worsening of a unit cost that raises the regression flag, percent.
    pub regression_pct: f64,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        InventoryOptions {
            anomaly_k: 3.0,
            top_anomalies: 10,
            regression_pct: 10.0,
        }
    }
}

/// One row of the fleet by team / project / cloud / region / GPU model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetGroup {
    /// Team (`-` when untagged).
    pub team: String,
    /// Project (`-` when untagged).
    pub project: String,
    /// Cloud.
    pub cloud: String,
    /// Region.
    pub region: String,
    /// GPU model.
    pub gpu_model: String,
    /// Workloads in the group.
    pub workloads: usize,
    /// Classes of those workloads.
    pub classes: Vec<String>,
    /// GPU-hours.
    pub gpu_hours: f64,
    /// GPU compute cost, USD.
    pub cost: f64,
    /// Share of GPU-hours under commitments.
    pub committed_share: f64,
    /// Share on spot.
    pub spot_share: f64,
    /// Share on on-demand.
    pub on_demand_share: f64,
}

/// One workload.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkloadLine {
    /// Name.
    pub name: String,
    /// Team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Cloud (largest GPU-hours).
    pub cloud: String,
    /// Region (largest GPU-hours).
    pub region: String,
    /// GPU model (largest GPU-hours).
    pub gpu_model: String,
    /// Instance types, largest first.
    pub instance_types: Vec<String>,
    /// Class.
    pub class: String,
    /// `declared` (workloads.toml) or `inferred`.
    pub class_source: String,
    /// The inference's features.
    pub class_features: String,
    /// GPU-hours.
    pub gpu_hours: f64,
    /// Peak GPUs in one hour.
    pub peak_gpus: f64,
    /// GPU compute cost, USD.
    pub cost: f64,
    /// Cost per GPU-hour, USD.
    pub cost_per_gpu_hour: f64,
    /// Share of GPU-hours under commitments.
    pub committed_share: f64,
    /// Share on spot.
    pub spot_share: f64,
    /// Share on on-demand.
    pub on_demand_share: f64,
    /// Storage, network and processing cost that travels with it, USD.
    pub hidden_cost: f64,
    /// Hidden cost per GPU-hour, USD.
    pub hidden_per_gpu_hour: f64,
}

/// One owned commitment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommitmentLine {
    /// Provider id (FOCUS) or `offer_id` (scenario).
    pub id: String,
    /// Catalog offer id, when mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// `unit` or `spend`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Instances (unit) or USD per hour (spend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// Used ÷ committed over the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
    /// How utilization was measured.
    pub basis: String,
    /// Unused commitment over the window, USD.
    pub unused_cost: f64,
    /// Start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    /// End (expiry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    /// Days from the end of the data to the expiry (negative = already expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<f64>,
    /// Whether start/end were inferred rather than stated.
    pub dates_assumed: bool,
    /// Mapping notes.
    pub note: String,
}

/// A run of hours outside the forecast band.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Anomaly {
    /// Workload.
    pub workload: String,
    /// `gpus` or `cost`.
    pub metric: String,
    /// First hour.
    pub start: DateTime<Utc>,
    /// Hours in the run.
    pub hours: usize,
    /// `above` or `below` the band.
    pub direction: String,
    /// Value at the worst hour (GPUs or USD/h).
    pub peak_value: f64,
    /// Band centre (median) at the worst hour.
    pub expected: f64,
    /// Largest distance outside the band in one hour.
    pub peak_excess: f64,
    /// Total outside the band over the run (GPU-hours or USD).
    pub excess: f64,
    /// Excess priced in USD (GPU-hours × the workload's cost per GPU-hour), for ranking.
    pub excess_usd: f64,
}

/// Cost of a unit of throughput in one week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeekUnitCost {
    /// First hour of the week (168-hour blocks from the window start).
    pub week_start: DateTime<Utc>,
    /// GPU cost in the week, USD.
    pub cost: f64,
    /// Throughput in the week.
    pub volume: f64,
    /// USD per priced unit; `None` when no throughput.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
}

/// Unit economics of a workload and metric.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitEconomics {
    /// Workload.
    pub workload: String,
    /// `requests`, `tokens` or `training_runs`.
    pub metric: String,
    /// `per 1k requests`, `per 1M tokens` or `per training run`.
    pub unit: String,
    /// Whole weeks.
    pub weeks: Vec<WeekUnitCost>,
    /// Unit cost over the whole window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall: Option<f64>,
    /// Change of the last week's unit cost over the week before, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<f64>,
    /// Change worse than the threshold.
    pub regression: bool,
}

/// Fleet totals.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct InventoryTotals {
    /// GPU-hours.
    pub gpu_hours: f64,
    /// GPU compute cost, USD.
    pub cost: f64,
    /// Hidden costs of GPU workloads, USD.
    pub hidden_cost: f64,
    /// Share committed.
    pub committed_share: f64,
    /// Share spot.
    pub spot_share: f64,
    /// Share on-demand.
    pub on_demand_share: f64,
    /// On-demand equivalent of the GPU usage, USD.
    pub on_demand_equivalent: f64,
    /// Actual amortized GPU cost incl. unused commitment, USD.
    pub actual_cost: f64,
    /// Effective savings rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esr: Option<f64>,
}

/// The inventory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Inventory {
    /// `focus` or `scenario`.
    pub source: String,
    /// First hour.
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Cost basis (`amortized`, `billed`, or `modeled` for a scenario).
    pub cost_basis: String,
    /// Totals.
    pub totals: InventoryTotals,
    /// By team / project / cloud / region / GPU model.
    pub groups: Vec<FleetGroup>,
    /// By workload.
    pub workloads: Vec<WorkloadLine>,
    /// Owned commitments.
    pub commitments: Vec<CommitmentLine>,
    /// Top anomalies, largest first.
    pub anomalies: Vec<Anomaly>,
    /// Unit economics.
    pub unit_economics: Vec<UnitEconomics>,
    /// Scale-to-zero candidates: windows in which experimentation workloads were idle in
    /// more than 80% of the history (`analysis::idle`); left out of the JSON when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scale_to_zero_candidates: Vec<super::idle::ScaleToZeroCandidate>,
    /// Warnings.
    pub warnings: Vec<String>,
}

#[derive(Default, Clone)]
struct Agg {
    gh: f64,
    cost: f64,
    committed: f64,
    spot: f64,
}

impl Agg {
    fn add(&mut self, o: &Agg) {
        self.gh += o.gh;
        self.cost += o.cost;
        self.committed += o.committed;
        self.spot += o.spot;
    }
}

fn shares(a: &Agg) -> (f64, f64, f64) {
    if a.gh > 0.0 {
        let c = a.committed / a.gh;
        let s = a.spot / a.gh;
        (c, s, (1.0 - c - s).max(0.0))
    } else {
        (0.0, 0.0, 0.0)
    }
}

/// (cloud, region, GPU model, instance type).
type OfferingKey = (String, String, String, String);
/// (team, project, cloud, region, GPU model).
type GroupKey = (String, String, String, String, String);

/// Per-workload data both sources provide.
struct Source {
    name: String,
    team: Option<String>,
    project: Option<String>,
    /// (cloud, region, gpu model, instance type) → aggregate.
    by_offering: BTreeMap<OfferingKey, Agg>,
    curve: Vec<f64>,
    hourly_cost: Option<Vec<f64>>,
    class: Option<WorkloadClass>,
    hidden: f64,
    metric_names: Vec<String>,
    /// Scale-to-zero windows already in the workloads file.
    scale_to_zero: Vec<crate::domain::DailyWindow>,
}

fn build(
    source: &str,
    basis: &str,
    start: DateTime<Utc>,
    hours: usize,
    srcs: Vec<Source>,
    metrics: Option<&Metrics>,
    opts: &InventoryOptions,
) -> Inventory {
    let mut groups: BTreeMap<GroupKey, GroupAgg> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut tot = Agg::default();
    let mut anomalies = Vec::new();
    let mut units = Vec::new();
    let mut idle = Vec::new();
    for s in &srcs {
        let (line, all) = workload_line(s, &mut groups);
        tot.add(&all);
        let cpg = line.cost_per_gpu_hour;
        if let Some(class) = WorkloadClass::parse(&line.class) {
            idle.extend(super::idle::candidates(
                &s.name,
                class,
                &s.curve,
                start,
                cpg,
                &s.scale_to_zero,
            ));
        }
        lines.push(line);
        anomalies.extend(find_anomalies(
            &s.name,
            "gpus",
            &s.curve,
            start,
            opts.anomaly_k,
            cpg,
        ));
        if let Some(hc) = &s.hourly_cost {
            anomalies.extend(find_anomalies(
                &s.name,
                "cost",
                hc,
                start,
                opts.anomaly_k,
                1.0,
            ));
        }
        if let Some(m) = metrics {
            units.extend(workload_unit_costs(s, m, cpg, start, hours, opts));
        }
    }
    let (c, sp, od) = shares(&tot);
    Inventory {
        source: source.into(),
        start,
        end: start + Duration::hours(hours as i64),
        cost_basis: basis.into(),
        totals: InventoryTotals {
            gpu_hours: tot.gh,
            cost: tot.cost,
            hidden_cost: srcs.iter().map(|s| s.hidden).sum(),
            committed_share: c,
            spot_share: sp,
            on_demand_share: od,
            ..Default::default()
        },
        groups: fleet_groups(groups),
        workloads: lines,
        commitments: Vec::new(),
        anomalies: top_anomalies(anomalies, opts.top_anomalies),
        unit_economics: units,
        scale_to_zero_candidates: idle,
        warnings: Vec::new(),
    }
}

/// A group's totals, its workloads and their classes.
type GroupAgg = (Agg, Vec<String>, Vec<String>);

/// One workload's line (its class declared or inferred; its main offering is the one with
/// the most GPU-hours), with its totals; adds its usage to the groups.
fn workload_line(s: &Source, groups: &mut BTreeMap<GroupKey, GroupAgg>) -> (WorkloadLine, Agg) {
    let (class, source_of, feats) = match s.class {
        Some(c) => (c, "declared", classify::class_features(&s.curve)),
        None => {
            let (c, f) = classify(&s.curve);
            (c, "inferred", f)
        }
    };
    let mut all = Agg::default();
    let mut main: Option<(&OfferingKey, f64)> = None;
    let mut its: Vec<(String, f64)> = Vec::new();
    for (k, a) in &s.by_offering {
        all.add(a);
        if main.is_none_or(|m| a.gh > m.1) {
            main = Some((k, a.gh));
        }
        match its.iter_mut().find(|x| x.0 == k.3) {
            Some(x) => x.1 += a.gh,
            None => its.push((k.3.clone(), a.gh)),
        }
        let g = groups
            .entry((
                s.team.clone().unwrap_or_else(|| "-".into()),
                s.project.clone().unwrap_or_else(|| "-".into()),
                k.0.clone(),
                k.1.clone(),
                k.2.clone(),
            ))
            .or_default();
        g.0.add(a);
        if !g.1.contains(&s.name) {
            g.1.push(s.name.clone());
        }
        if !g.2.contains(&class.as_str().to_string()) {
            g.2.push(class.as_str().to_string());
        }
    }
    its.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (c, sp, od) = shares(&all);
    let cpg = if all.gh > 0.0 { all.cost / all.gh } else { 0.0 };
    let main_k = main.map(|m| m.0.clone()).unwrap_or_default();
    let line = WorkloadLine {
        name: s.name.clone(),
        team: s.team.clone(),
        project: s.project.clone(),
        cloud: main_k.0,
        region: main_k.1,
        gpu_model: main_k.2,
        instance_types: its.into_iter().map(|x| x.0).collect(),
        class: class.as_str().into(),
        class_source: source_of.into(),
        class_features: feats.describe(),
        gpu_hours: all.gh,
        peak_gpus: s.curve.iter().copied().fold(0.0, f64::max),
        cost: all.cost,
        cost_per_gpu_hour: cpg,
        committed_share: c,
        spot_share: sp,
        on_demand_share: od,
        hidden_cost: s.hidden,
        hidden_per_gpu_hour: if all.gh > 0.0 { s.hidden / all.gh } else { 0.0 },
    };
    (line, all)
}

/// Unit costs of one workload for every metric series it has.
fn workload_unit_costs(
    s: &Source,
    m: &Metrics,
    cost_per_gpu_hour: f64,
    start: DateTime<Utc>,
    hours: usize,
    opts: &InventoryOptions,
) -> Vec<UnitEconomics> {
    let cost_curve: Vec<f64> = match &s.hourly_cost {
        Some(h) => h.clone(),
        None => s.curve.iter().map(|g| g * cost_per_gpu_hour).collect(),
    };
    let mut units = Vec::new();
    for nm in &s.metric_names {
        for (k, _) in MetricKind::ALL {
            if let Some(series) = m.series.get(&(nm.clone(), k)) {
                units.push(unit_economics(
                    &s.name,
                    k,
                    series,
                    &cost_curve,
                    start,
                    hours,
                    opts,
                ));
            }
        }
    }
    units
}

/// The `n` largest anomalies in USD. GPU anomalies are the primary signal; a cost run that
/// coincides with a GPU run of the same workload adds nothing, so the larger is kept.
fn top_anomalies(mut anomalies: Vec<Anomaly>, n: usize) -> Vec<Anomaly> {
    anomalies.sort_by(|a, b| {
        b.excess_usd
            .total_cmp(&a.excess_usd)
            .then_with(|| a.start.cmp(&b.start))
    });
    let mut kept: Vec<Anomaly> = Vec::new();
    for a in anomalies {
        let dup = kept.iter().any(|k| {
            k.workload == a.workload
                && k.metric != a.metric
                && k.start < a.start + Duration::hours(a.hours as i64)
                && a.start < k.start + Duration::hours(k.hours as i64)
        });
        if !dup && kept.len() < n {
            kept.push(a);
        }
    }
    kept
}

/// The groups' rows, in key order.
fn fleet_groups(groups: BTreeMap<GroupKey, GroupAgg>) -> Vec<FleetGroup> {
    groups
        .into_iter()
        .map(|((team, project, cloud, region, gpu_model), (a, ws, cl))| {
            let (c, s, o) = shares(&a);
            FleetGroup {
                team,
                project,
                cloud,
                region,
                gpu_model,
                workloads: ws.len(),
                classes: cl,
                gpu_hours: a.gh,
                cost: a.cost,
                committed_share: c,
                spot_share: s,
                on_demand_share: o,
            }
        })
        .collect()
}

/// Runs of hours outside the hour-of-week (or hour-of-day) band of `series`.
pub fn find_anomalies(
    workload: &str,
    metric: &str,
    series: &[f64],
    start: DateTime<Utc>,
    k: f64,
    usd_per_unit: f64,
) -> Vec<Anomaly> {
    let n = series.len();
    let period = if n >= 2 * 168 {
        168
    } else if n >= 3 * 24 {
        24
    } else {
        return Vec::new();
    };
    let mean = series.iter().sum::<f64>() / n as f64;
    if mean <= 0.0 {
        return Vec::new();
    }
    // Slot bands (slots aligned on the window start).
    let mut med = vec![0.0; period];
    let mut half = vec![0.0; period];
    for slot in 0..period {
        let mut v: Vec<f64> = series.iter().skip(slot).step_by(period).copied().collect();
        let m = median(&mut v).unwrap_or(0.0);
        let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
        let mad = median(&mut dev).unwrap_or(0.0);
        med[slot] = m;
        half[slot] = (k * 1.4826 * mad).max(0.10 * m.abs()).max(0.05 * mean);
    }
    let mut out: Vec<Anomaly> = Vec::new();
    let mut cur: Option<Anomaly> = None;
    for (i, &v) in series.iter().enumerate() {
        let s = i % period;
        let (lo, hi) = (med[s] - half[s], med[s] + half[s]);
        let dir = if v > hi {
            Some(("above", v - hi))
        } else if v < lo {
            Some(("below", lo - v))
        } else {
            None
        };
        match (dir, cur.as_mut()) {
            (Some((d, ex)), Some(a))
                if a.direction == d
                    && a.start + Duration::hours(a.hours as i64)
                        == start + Duration::hours(i as i64) =>
            {
                a.hours += 1;
                a.excess += ex;
                if ex > a.peak_excess {
                    a.peak_excess = ex;
                    a.peak_value = v;
                    a.expected = med[s];
                }
            }
            (d, _) => {
                if let Some(a) = cur.take() {
                    out.push(a);
                }
                if let Some((d, ex)) = d {
                    cur = Some(Anomaly {
                        workload: workload.into(),
                        metric: metric.into(),
                        start: start + Duration::hours(i as i64),
                        hours: 1,
                        direction: d.into(),
                        peak_value: v,
                        expected: med[s],
                        peak_excess: ex,
                        excess: ex,
                        excess_usd: 0.0,
                    });
                }
            }
        }
    }
    if let Some(a) = cur {
        out.push(a);
    }
    for a in &mut out {
        a.excess_usd = a.excess * usd_per_unit;
    }
    out
}

fn unit_economics(
    workload: &str,
    k: MetricKind,
    series: &BTreeMap<DateTime<Utc>, f64>,
    cost: &[f64],
    start: DateTime<Utc>,
    hours: usize,
    opts: &InventoryOptions,
) -> UnitEconomics {
    let weeks_n = hours / 168;
    let mut weeks = Vec::new();
    let mut vol_total = 0.0;
    let mut cost_total = 0.0;
    for wk in 0..weeks_n.max(1) {
        let (a, b) = if weeks_n == 0 {
            (0, hours)
        } else {
            (wk * 168, (wk + 1) * 168)
        };
        let ws = start + Duration::hours(a as i64);
        let we = start + Duration::hours(b as i64);
        let c: f64 = cost[a..b.min(cost.len())].iter().sum();
        let v: f64 = series.range(ws..we).map(|(_, v)| v).sum();
        vol_total += v;
        cost_total += c;
        weeks.push(WeekUnitCost {
            week_start: ws,
            cost: c,
            volume: v,
            unit_cost: (v > 0.0).then(|| c / (v / k.scale())),
        });
    }
    let change_pct = match weeks.as_slice() {
        [.., p, l] => match (p.unit_cost, l.unit_cost) {
            (Some(p), Some(l)) if p > 0.0 => Some((l / p - 1.0) * 100.0),
            _ => None,
        },
        _ => None,
    };
    UnitEconomics {
        workload: workload.into(),
        metric: k.as_str().into(),
        unit: k.unit_label().into(),
        weeks,
        overall: (vol_total > 0.0).then(|| cost_total / (vol_total / k.scale())),
        change_pct,
        regression: change_pct.is_some_and(|c| c > opts.regression_pct),
    }
}

/// The inventory of a FOCUS ingest: actual usage, prices and commitments. `classes` gives
/// declared classes by workload name (e.g. from a workloads file); others are inferred.
pub fn from_focus(
    ing: &FocusIngest,
    metrics: Option<&Metrics>,
    declared: &BTreeMap<String, WorkloadClass>,
    opts: &InventoryOptions,
) -> Result<Inventory, InputError> {
    let Some(window) = ing.window else {
        return Err(ing.no_gpu_usage_error());
    };
    let n = window.hours();
    let mut by: BTreeMap<String, Source> = BTreeMap::new();
    for s in &ing.series {
        let src = by.entry(s.workload.clone()).or_insert_with(|| {
            let w = ing.workload(&s.workload);
            Source {
                name: s.workload.clone(),
                team: w.and_then(|w| w.team.clone()),
                project: w.and_then(|w| w.project.clone()),
                by_offering: BTreeMap::new(),
                curve: vec![0.0; n],
                hourly_cost: Some(vec![0.0; n]),
                class: declared.get(&s.workload).copied(),
                hidden: w.map_or(0.0, |w| w.storage + w.network + w.processing),
                metric_names: Vec::new(),
                scale_to_zero: Vec::new(),
            }
        });
        for (a, b) in src.curve.iter_mut().zip(&s.gpu_hours) {
            *a += b;
        }
        if let Some(hc) = src.hourly_cost.as_mut() {
            for (a, b) in hc.iter_mut().zip(&s.cost) {
                *a += b;
            }
        }
        let gh = s.total_gpu_hours();
        let a = src
            .by_offering
            .entry((
                s.cloud.as_str().into(),
                s.region.clone(),
                s.gpu_model.clone(),
                s.instance_type.clone(),
            ))
            .or_default();
        a.gh += gh;
        a.cost += s.total_cost();
        match s.pricing {
            Pricing::Committed => a.committed += gh,
            Pricing::Spot => a.spot += gh,
            Pricing::OnDemand => {}
        }
    }
    let mut srcs: Vec<Source> = by.into_values().collect();
    for s in &mut srcs {
        s.metric_names = vec![s.name.clone()];
    }
    let mut inv = build(
        "focus",
        ing.cost_basis.as_str(),
        window.start,
        n,
        srcs,
        metrics,
        opts,
    );
    // ESR on amortized cost, with the unused part of commitments that covered GPU usage.
    let list: f64 = ing.series.iter().map(|s| s.total_list_cost()).sum();
    let eff: f64 = ing.series.iter().map(|s| s.effective_total).sum();
    let unused_gpu: f64 = ing
        .commitments
        .iter()
        .filter(|c| !c.covered.is_empty())
        .map(|c| {
            let gpu: f64 = c.covered.iter().map(|x| x.effective_cost).sum();
            let share = if c.used_cost > 0.0 {
                (gpu / c.used_cost).clamp(0.0, 1.0)
            } else {
                1.0
            };
            c.unused_cost * share
        })
        .sum();
    inv.totals.on_demand_equivalent = list;
    inv.totals.actual_cost = eff + unused_gpu;
    inv.totals.esr = (list > 0.0).then(|| (list - inv.totals.actual_cost) / list);
    let data_end = window.end;
    inv.commitments = ing
        .commitments
        .iter()
        .map(|c| {
            let (start, end, assumed) = match (&c.mapped, &c.contract) {
                (_, Some(t)) if t.period_end.is_some() => (t.period_start, t.period_end, false),
                (Some(m), _) => (Some(m.start), Some(m.end), true),
                _ => (c.first_seen, None, true),
            };
            CommitmentLine {
                id: c.id.clone(),
                offer_id: c.mapped.as_ref().map(|m| m.offer_id.clone()),
                kind: c.kind.map(|k| k.as_str().to_string()),
                amount: c.mapped.as_ref().map(|m| m.quantity_or_hourly),
                utilization: c.utilization(),
                basis: c.basis.as_str().into(),
                unused_cost: c.unused_cost,
                start,
                end,
                expires_in_days: end.map(|e| (e - data_end).num_hours() as f64 / 24.0),
                dates_assumed: assumed,
                note: c.note.clone(),
            }
        })
        .collect();
    inv.warnings = ing.warnings.clone();
    Ok(inv)
}

/// The inventory of a scenario: its demand history as recorded (before any scale-to-zero
/// window) on each workload's current offering, dispatched as `evaluate` does (owned
/// commitments first, then spot for interruptible load, then on-demand). Costs are modeled
/// from the catalog, not billed.
pub fn from_inputs(
    inp: &Inputs,
    metrics: Option<&Metrics>,
    opts: &InventoryOptions,
) -> Result<Inventory, Error> {
    use crate::domain::current_offering;
    use crate::plan::{evaluate, Placement, Plan};
    let cat = &inp.catalog;
    let demand: DemandHistory = inp.recorded_history().slice(inp.window);
    let mut placements = Vec::new();
    let mut offering_of = Vec::new();
    for w in &inp.workloads {
        let o = current_offering(cat, w).ok_or_else(|| {
            Error::Input(InputError::file(
                &inp.scenario.demand,
                format!(
                    "workload {} has no current offering: no catalog offering carries {}",
                    w.name, w.current_gpu
                ),
            ))
        })?;
        offering_of.push(o.clone());
        placements.push(Placement::whole(cat, w, o));
    }
    let plan = Plan {
        start: inp.window.start,
        placements,
        purchases: Vec::new(),
        owned: inp.owned.clone(),
        spot_allowed: inp.scenario.instruments.spot,
        scheduling: Default::default(),
    };
    let ev = evaluate(&plan, cat, &demand, Some(&inp.keep)).map_err(|e| Error::Runtime(e.0))?;
    let n = demand.window.hours();
    let mut srcs = Vec::new();
    for (i, w) in inp.workloads.iter().enumerate() {
        let o = &offering_of[i];
        let we = ev.workloads.iter().find(|x| x.workload == w.name);
        let curve = demand.gpus.get(i).cloned().unwrap_or_default();
        let gh: f64 = curve.iter().sum();
        let mut by = BTreeMap::new();
        if let Some(we) = we {
            let inst = we.instance_hours.max(1e-12);
            by.insert(
                (
                    o.cloud.as_str().to_string(),
                    o.region.clone(),
                    o.gpu_model.clone(),
                    o.instance_type.clone(),
                ),
                Agg {
                    gh,
                    cost: we.cost - we.hidden_cost,
                    committed: gh * we.committed_hours / inst,
                    spot: gh * we.spot_hours / inst,
                },
            );
        }
        srcs.push(Source {
            name: w.name.clone(),
            team: w.team.clone(),
            project: w.project.clone(),
            by_offering: by,
            curve,
            hourly_cost: None,
            class: (!w.class_inferred).then_some(w.class),
            hidden: we.map_or(0.0, |x| x.hidden_cost),
            metric_names: Vec::new(),
            scale_to_zero: w.scale_to_zero.clone(),
        });
    }
    for s in &mut srcs {
        s.metric_names = vec![s.name.clone()];
    }
    let mut inv = build(
        "scenario",
        "modeled",
        demand.window.start,
        n,
        srcs,
        metrics,
        opts,
    );
    inv.totals.on_demand_equivalent = ev.on_demand_equivalent;
    inv.totals.actual_cost = ev.compute_cost();
    inv.totals.esr = (ev.on_demand_equivalent > 0.0).then(|| ev.esr());
    let data_end = demand.window.end;
    inv.commitments = ev
        .commitments
        .iter()
        .filter(|c| c.owned)
        .zip(inp.owned.iter())
        .map(|(c, o)| CommitmentLine {
            id: format!("{} (line {})", o.offer_id, o.line),
            offer_id: Some(c.offer_id.clone()),
            kind: Some(c.kind.as_str().into()),
            amount: Some(c.amount),
            utilization: (c.committed > 0.0).then(|| c.utilization()),
            basis: "modeled".into(),
            unused_cost: c.unused_cost(),
            start: Some(o.start),
            end: Some(o.end),
            expires_in_days: Some((o.end - data_end).num_hours() as f64 / 24.0),
            dates_assumed: false,
            note: String::new(),
        })
        .collect();
    inv.warnings = inp.warnings.clone();
    Ok(inv)
}
