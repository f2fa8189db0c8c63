//! FOCUS billing exports → hourly GPU demand per workload, the non-GPU costs that travel
//! with each workload, and the commitments already owned with their utilization.
//!
//! Reads FOCUS 1.0, 1.1, 1.2 and 1.3 cost-and-usage CSV exports (plain or gzip, detected by
//! content), and FOCUS 1.3 ContractCommitment dataset files, as a stream: memory grows with
//! the number of (workload, offering, pricing) series and hours, never with the number of
//! rows. Column names are the FOCUS Column IDs; `x_` columns are kept as extras (listed per
//! file; `x_SkuMeterName` and `x_SkuDetails` help identify Azure VM sizes). Quirks handled:
//! the literal `NULL`, timestamps without a zone, Azure 1.0 exports that label
//! commitment-covered usage `PricingCategory = Standard` (finops-toolkit #836), amortized
//! (EffectiveCost) vs billed (BilledCost) cost, EffectiveCost rounded to whole numbers (the
//! public 1.0 sample), negative and credit rows, and charges whose period spans several
//! hours (split by overlap). See `docs/focus.md`.
//!
//! The reader, in the order a row travels: `read` opens each file and streams its records;
//! `row` gives a record's cells by column (`columns` maps the header, `parse` the cell
//! text); `accumulate` adds each cost row up (`ident` tells what it is, `hours` spreads it
//! over the hours it covers, `commit` gathers the commitments it names, `intern` keeps the
//! look-ups cheap); `finish` turns the totals into a [`FocusIngest`]; `write` writes the
//! demand, commitments and workloads files.

mod accumulate;
mod columns;
pub mod commit;
mod finish;
mod hours;
mod ident;
mod intern;
pub(crate) mod parse;
mod read;
mod row;
pub mod write;

pub use commit::{ContractTerms, CoveredOffering, DetectedCommitment, UtilizationBasis};
pub use ident::Hidden;
pub use read::read_focus;

use crate::domain::time::HourWindow;
use crate::domain::Cloud;
use crate::error::InputError;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// How rows are grouped into workloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadBy {
    /// The value of this tag key (`Tags` JSON); rows without it go to the untagged workload.
    Tag(String),
    /// The resource (`ResourceId`, else `ResourceName`).
    Resource,
    /// The sub-account (`SubAccountName`, else `SubAccountId`): AWS account, Azure
    /// subscription, Google Cloud project.
    SubAccount,
}

/// Which cost column prices the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostBasis {
    /// `EffectiveCost`: commitment purchases amortized into the usage they cover (default).
    Amortized,
    /// `BilledCost`: cash as invoiced; committed usage shows 0, purchases show their fees.
    Billed,
}

impl CostBasis {
    /// `amortized` or `billed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CostBasis::Amortized => "amortized",
            CostBasis::Billed => "billed",
        }
    }
}

/// Options of [`read_focus`].
#[derive(Debug, Clone, PartialEq)]
pub struct FocusOptions {
    /// How rows are grouped into workloads.
    pub workload_by: WorkloadBy,
    /// Cost column.
    pub cost_basis: CostBasis,
    /// Tag key holding the team (default `team`).
    pub team_tag: String,
    /// Tag key holding the project (default `project`).
    pub project_tag: String,
    /// Name of the workload of rows without a workload key (default `untagged`).
    pub untagged: String,
}

impl Default for FocusOptions {
    fn default() -> Self {
        FocusOptions {
            workload_by: WorkloadBy::Tag("workload".into()),
            cost_basis: CostBasis::Amortized,
            team_tag: "team".into(),
            project_tag: "project".into(),
            untagged: "untagged".into(),
        }
    }
}

/// How GPU usage was priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pricing {
    /// Covered by a commitment discount (reservation, savings plan, CUD).
    Committed,
    /// Spot / preemptible (`PricingCategory = Dynamic`).
    Spot,
    /// Everything else (`Standard`, `Other`).
    OnDemand,
}

impl Pricing {
    /// `committed`, `spot` or `on_demand`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pricing::Committed => "committed",
            Pricing::Spot => "spot",
            Pricing::OnDemand => "on_demand",
        }
    }
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Pricing::Committed,
            1 => Pricing::Spot,
            _ => Pricing::OnDemand,
        }
    }
}

/// Hourly GPU usage of one workload on one offering at one pricing, over
/// [`FocusIngest::window`].
#[derive(Debug, Clone, PartialEq)]
pub struct GpuSeries {
    /// Workload name.
    pub workload: String,
    /// Cloud.
    pub cloud: Cloud,
    /// Region as the export spells it.
    pub region: String,
    /// Instance type (`gpu:MODEL` for a Google Cloud GPU SKU without a machine type).
    pub instance_type: String,
    /// GPU model (gpus.csv name).
    pub gpu_model: String,
    /// Pricing.
    pub pricing: Pricing,
    /// GPU-hours per hour of the window (average GPUs in use).
    pub gpu_hours: Vec<f64>,
    /// Cost per hour (the chosen basis), USD.
    pub cost: Vec<f64>,
    /// List (on-demand equivalent) cost per hour, USD.
    pub list_cost: Vec<f64>,
    /// Total BilledCost of its rows.
    pub billed_total: f64,
    /// Total EffectiveCost of its rows.
    pub effective_total: f64,
    /// Its first row in the exports.
    pub origin: Option<RowOrigin>,
}

impl GpuSeries {
    /// Total GPU-hours.
    pub fn total_gpu_hours(&self) -> f64 {
        self.gpu_hours.iter().sum()
    }
    /// Total cost (chosen basis).
    pub fn total_cost(&self) -> f64 {
        self.cost.iter().sum()
    }
    /// Total list cost.
    pub fn total_list_cost(&self) -> f64 {
        self.list_cost.iter().sum()
    }
}

/// Per-workload attributes and the non-GPU costs that share its workload key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadCosts {
    /// Workload name.
    pub name: String,
    /// Team (tag), first value seen.
    pub team: Option<String>,
    /// Project (tag), first value seen.
    pub project: Option<String>,
    /// Storage cost (ServiceCategory Storage), USD.
    pub storage: f64,
    /// Networking / data-transfer cost, USD.
    pub network: f64,
    /// Data processing cost (non-GPU compute, analytics, databases, AI/ML, integration), USD.
    pub processing: f64,
    /// Credits, refunds and adjustments (usually negative), USD.
    pub credits: f64,
    /// GPU host cost (Google Cloud core/RAM of GPU machines) that found no GPU row to join.
    pub unmatched_host: f64,
    /// Its first hidden-cost row in the exports, else its first row.
    pub origin: Option<RowOrigin>,
}

/// The export row a derived value comes from (the first row of its series, workload or
/// commitment), so that a value `ingest focus` would write out of bounds is reported at
/// the export's `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowOrigin {
    /// The export file as given.
    pub file: PathBuf,
    /// 1-based line of the row.
    pub line: u64,
}

impl RowOrigin {
    /// An input error located at this row.
    pub fn err(&self, msg: impl Into<String>) -> InputError {
        InputError::line(&self.file, self.line, msg)
    }
}

/// One input file as read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    /// Path as given.
    pub path: PathBuf,
    /// `cost_and_usage` or `contract_commitment`.
    pub dataset: &'static str,
    /// FOCUS version indicated by the columns (`1.0`–`1.3`).
    pub version: &'static str,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Data rows.
    pub rows: u64,
    /// Rows identified as GPU usage.
    pub gpu_rows: u64,
    /// `x_` columns, kept by name.
    pub extras: Vec<String>,
    /// Other non-FOCUS columns (ignored).
    pub unknown_columns: Vec<String>,
}

/// GPU-looking instance types the catalog does not know (skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownGpu {
    /// Cloud.
    pub cloud: Cloud,
    /// Instance type.
    pub instance_type: String,
    /// Rows.
    pub rows: u64,
    /// Cost (chosen basis), USD.
    pub cost: f64,
}

/// Fleet-wide totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FocusTotals {
    /// Every row's cost (chosen basis), USD.
    pub cost: f64,
    /// Cost of GPU usage rows (incl. joined host rows), USD.
    pub gpu_cost: f64,
    /// Storage + network + processing cost attributed to workloads with GPU usage, USD.
    pub hidden_cost: f64,
    /// Credits, refunds, adjustments (all rows), USD.
    pub credits: f64,
    /// Tax rows, USD.
    pub tax: f64,
    /// BilledCost of commitment purchase rows, USD.
    pub purchases_billed: f64,
    /// EffectiveCost of unused-commitment rows, USD.
    pub unused_commitment: f64,
}

/// Everything read from FOCUS files.
#[derive(Debug, Clone, PartialEq)]
pub struct FocusIngest {
    /// Files in the order given.
    pub files: Vec<FileSummary>,
    /// Hours spanned by GPU usage; `None` when no GPU usage was found.
    pub window: Option<HourWindow>,
    /// GPU usage series (aligned to `window`), sorted by workload, cloud, region, instance
    /// type, pricing.
    pub series: Vec<GpuSeries>,
    /// Workloads (every workload key seen), sorted by name.
    pub workloads: Vec<WorkloadCosts>,
    /// Commitments seen (commitment discounts and 1.3 contract commitments).
    pub commitments: Vec<DetectedCommitment>,
    /// GPU-looking instance types not in the catalog.
    pub unknown_gpus: Vec<UnknownGpu>,
    /// Things worth a look that did not stop the read.
    pub warnings: Vec<String>,
    /// Cost rows read (all files).
    pub rows: u64,
    /// GPU usage rows.
    pub gpu_rows: u64,
    /// Cost basis used.
    pub cost_basis: CostBasis,
    /// Totals.
    pub totals: FocusTotals,
}

impl FocusIngest {
    /// The bad-input error for an export with no GPU usage row, naming the first file and
    /// the GPU-looking instance types the catalog does not know.
    pub fn no_gpu_usage_error(&self) -> InputError {
        let f = self
            .files
            .first()
            .map(|f| f.path.clone())
            .unwrap_or_default();
        let unknown = if self.unknown_gpus.is_empty() {
            String::new()
        } else {
            format!(
                " (GPU-looking but not in the catalog: {}; add them with --catalog)",
                self.unknown_gpus
                    .iter()
                    .map(|u| u.instance_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        InputError::file(
            f,
            format!(
                "no GPU usage found in {} rows: no row's instance type, SKU or GpuCount matches a GPU of the catalog{unknown}",
                self.rows
            ),
        )
    }

    /// Names of the workloads with GPU usage, sorted.
    pub fn gpu_workloads(&self) -> Vec<String> {
        let mut v: Vec<String> = self.series.iter().map(|s| s.workload.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
    /// The workload's attributes.
    pub fn workload(&self, name: &str) -> Option<&WorkloadCosts> {
        self.workloads.iter().find(|w| w.name == name)
    }
}

/// The cloud of a provider name (`AWS`, `Amazon Web Services`, `Microsoft`, `Azure`,
/// `Google Cloud`, …); `None` for others (Oracle, SaaS).
pub fn cloud_of_provider(p: &str) -> Option<Cloud> {
    let l = p.trim().to_ascii_lowercase();
    if l == "aws" || l.contains("amazon") {
        Some(Cloud::Aws)
    } else if l.contains("microsoft") || l.contains("azure") {
        Some(Cloud::Azure)
    } else if l.contains("google") || l == "gcp" {
        Some(Cloud::Gcp)
    } else {
        None
    }
}

/// Seconds since the epoch → UTC instant.
pub(crate) fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
