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

mod columns;
pub mod commit;
mod ident;
pub(crate) mod parse;
pub mod write;

pub use commit::{ContractTerms, CoveredOffering, DetectedCommitment, UtilizationBasis};
pub use ident::Hidden;

use crate::domain::time::HourWindow;
use crate::domain::{Catalog, Cloud};
use crate::error::InputError;
use chrono::{DateTime, Utc};
use columns::{name_of, Col, Dataset, Header};
use ident::{Ident, IdentFields, Identifier};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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

// ---------------------------------------------------------------------------------------
// Accumulation

/// A fast non-cryptographic hasher (the Fx hash of rustc) for the per-row look-ups: keys
/// come from the user's own export, so flooding resistance buys nothing here.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ v).wrapping_mul(K);
        }
        let r = chunks.remainder();
        if !r.is_empty() {
            let mut b = [0u8; 8];
            b[..r.len()].copy_from_slice(r);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A HashMap with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

#[derive(Default)]
struct Interner {
    map: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.into());
        self.map.insert(s.into(), i);
        i
    }
    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// Hourly cells of a series, growing in both directions: [gpu_hours, cost, list].
#[derive(Default, Clone)]
struct Cells {
    base: i64,
    v: Vec<[f64; 3]>,
}

impl Cells {
    fn add(&mut self, hour: i64, x: [f64; 3]) {
        if self.v.is_empty() {
            self.base = hour;
            self.v.push(x);
            return;
        }
        if hour < self.base {
            let n = (self.base - hour) as usize;
            let mut nv = vec![[0.0; 3]; n];
            nv.append(&mut self.v);
            self.v = nv;
            self.base = hour;
        }
        let i = (hour - self.base) as usize;
        if i >= self.v.len() {
            self.v.resize(i + 1, [0.0; 3]);
        }
        let c = &mut self.v[i];
        c[0] += x[0];
        c[1] += x[1];
        c[2] += x[2];
    }
    fn end(&self) -> i64 {
        self.base + self.v.len() as i64
    }
}

/// Which GPU series a usage row adds to: workload, cloud, region, instance type, GPU model
/// and pricing (names interned; the cloud and pricing as small codes).
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
struct SeriesKey {
    workload: u32,
    cloud: u8,
    region: u32,
    instance_type: u32,
    gpu_model: u32,
    pricing: u8,
}

/// Which Google Cloud host cost (cores/RAM of a GPU machine family billed apart from its
/// GPUs) a row adds to: workload, cloud, region, machine family and pricing.
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
struct HostKey {
    workload: u32,
    cloud: u8,
    region: u32,
    family: u32,
    pricing: u8,
}

/// What one GPU series has gathered so far: its hourly cells and its rows' total billed
/// and effective cost.
#[derive(Default)]
struct SeriesTotals {
    cells: Cells,
    billed: f64,
    effective: f64,
}

/// What one workload has gathered so far: team and project (first seen), hidden costs
/// (storage, network, processing), credits and host cost that joined no GPU series.
#[derive(Default, Clone)]
struct WorkloadTotals {
    team: Option<u32>,
    project: Option<u32>,
    hidden: [f64; 3],
    credits: f64,
    unmatched_host: f64,
}

/// An [`Ident`] with its names interned, as cached per distinct set of identifying text.
#[derive(Clone, Copy)]
enum InternedIdent {
    Gpu {
        instance_type: u32,
        gpu_model: u32,
        gpus: f64,
        spot_hint: bool,
    },
    Host(u32),
    UnknownGpu(u32),
    Hidden(Hidden),
    Other,
}

fn cloud_code(c: Cloud) -> u8 {
    match c {
        Cloud::Aws => 0,
        Cloud::Azure => 1,
        Cloud::Gcp => 2,
    }
}
fn cloud_of_code(c: u8) -> Cloud {
    match c {
        0 => Cloud::Aws,
        1 => Cloud::Azure,
        _ => Cloud::Gcp,
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

/// Hours in a quantity of a unit (`Hours`, `Hrs`, `100 Hours`, `GPU-Hours`, `Seconds`, …);
/// the flag says the unit counts GPU-hours rather than instance-hours.
fn hours_of(q: f64, unit: &str) -> Option<(f64, bool)> {
    let l = unit.trim().to_ascii_lowercase();
    let gpu = l.contains("gpu");
    let mult = l
        .split_whitespace()
        .next()
        .and_then(|w| w.parse::<f64>().ok())
        .unwrap_or(1.0);
    let per = if l.contains("hour") || l.contains("hrs") || l == "hr" || l == "h" {
        1.0
    } else if l.contains("second") || l == "s" {
        1.0 / 3600.0
    } else if l.contains("minute") {
        1.0 / 60.0
    } else if l.contains("day") {
        24.0
    } else {
        return None;
    };
    if l.contains("gb") || l.contains("byte") || l.contains("vcpu") || l.contains("core") {
        return None;
    }
    Some((q * mult * per, gpu))
}

/// Records per batch handed from the CSV thread to the pricing thread.
const BATCH: usize = 2048;

/// Longest charge period accepted for splitting, hours (a year and a bit).
const MAX_CHARGE_SPAN_HOURS: i64 = 9000;

/// Counts of export quirks met, each reported as one warning.
#[derive(Default)]
struct Quirks {
    azure_standard_committed: u64,
    rounded_effective: u64,
    no_list_cost: u64,
    gpu_no_hours: u64,
    unknown_category: u64,
    negative_gpu_hours: u64,
    effective_missing: u64,
}

/// Everything gathered from the cost rows of all files, row by row, until
/// [`FocusAccumulator::finish`] turns it into a [`FocusIngest`].
struct FocusAccumulator<'c> {
    opts: FocusOptions,
    ident: Identifier,
    catalog: &'c Catalog,
    /// Interned regions, instance types, GPU models, families, teams and projects.
    strings: Interner,
    /// Interned workload names; the id indexes `workload_totals`.
    workloads: Interner,
    workload_totals: Vec<WorkloadTotals>,
    series: FxMap<SeriesKey, SeriesTotals>,
    /// Google Cloud host (core/RAM) cost, joined to the GPU series at the end.
    host_cells: FxMap<HostKey, Cells>,
    /// Identification by the row's identifying text (cloud and fields joined in `key_buf`).
    ident_cache: FxMap<Box<[u8]>, InternedIdent>,
    key_buf: Vec<u8>,
    /// (workload, team, project) by the raw `Tags` text.
    tag_cache: FxMap<Box<str>, (u32, Option<u32>, Option<u32>)>,
    commits: commit::Accumulator,
    /// GPU-looking instance types not in the catalog: (cloud code, name) → (rows, cost).
    unknown: HashMap<(u8, u32), (u64, f64)>,
    /// The last provider name and its cloud (rows repeat it).
    last_provider: (String, Option<Cloud>),
    /// The last unit and its hours factor (rows repeat it).
    unit_cache: (String, Option<(f64, bool)>),
    quirks: Quirks,
    totals: FocusTotals,
    rows: u64,
    gpu_rows: u64,
    /// First and last hour (since the epoch) with GPU usage.
    min_hour: i64,
    max_hour: i64,
}

/// Location of a cell for errors.
struct Loc<'a> {
    file: &'a Path,
    line: u64,
    header: &'a Header,
}

impl Loc<'_> {
    fn err(&self, c: Col, msg: impl Into<String>) -> InputError {
        match self.header.get(c) {
            Some(i) => InputError::cell(self.file, self.line, i + 1, name_of(c), msg),
            None => InputError::line(self.file, self.line, msg),
        }
    }
}

/// A row's cells by column.
struct Row<'r> {
    rec: &'r csv::StringRecord,
    loc: Loc<'r>,
}

impl<'r> Row<'r> {
    fn raw(&self, c: Col) -> Result<Option<&'r str>, InputError> {
        let Some(i) = self.loc.header.get(c) else {
            return Ok(None);
        };
        Ok(self.rec.get(i).and_then(parse::opt))
    }
    fn num(&self, c: Col) -> Result<Option<f64>, InputError> {
        match self.raw(c)? {
            None => Ok(None),
            Some(s) => parse::parse_num(s).map(Some).ok_or_else(|| {
                self.loc
                    .err(c, format!("expected a decimal number, found {s:?}"))
            }),
        }
    }
    fn time(&self, c: Col) -> Result<i64, InputError> {
        match self.raw(c)? {
            None => Err(self.loc.err(
                c,
                "is empty: expected a date-time like 2024-09-01T00:00:00Z",
            )),
            Some(s) => parse::parse_epoch_seconds(s).ok_or_else(|| {
                self.loc.err(
                    c,
                    format!("expected a date-time like 2024-09-01T00:00:00Z, found {s:?}"),
                )
            }),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    Usage,
    Purchase,
    Credit,
    Tax,
}

impl<'c> FocusAccumulator<'c> {
    fn new(catalog: &'c Catalog, opts: &FocusOptions) -> Self {
        FocusAccumulator {
            opts: opts.clone(),
            ident: Identifier::new(catalog),
            catalog,
            strings: Interner::default(),
            workloads: Interner::default(),
            workload_totals: Vec::new(),
            series: FxMap::default(),
            host_cells: FxMap::default(),
            ident_cache: FxMap::default(),
            key_buf: Vec::with_capacity(512),
            tag_cache: FxMap::default(),
            commits: commit::Accumulator::default(),
            unknown: HashMap::new(),
            last_provider: (String::from("\u{0}"), None),
            unit_cache: (String::from("\u{0}"), None),
            quirks: Quirks::default(),
            totals: FocusTotals::default(),
            rows: 0,
            gpu_rows: 0,
            min_hour: i64::MAX,
            max_hour: i64::MIN,
        }
    }

    fn workload_of(&mut self, row: &Row<'_>) -> Result<u32, InputError> {
        let (w, team, project) = match &self.opts.workload_by {
            WorkloadBy::Tag(key) => {
                let tags = row.raw(Col::Tags)?;
                match tags {
                    None => (self.workloads.id(&self.opts.untagged), None, None),
                    Some(t) => {
                        if let Some(&v) = self.tag_cache.get(t) {
                            v
                        } else {
                            let bad = |_| {
                                row.loc.err(
                                    Col::Tags,
                                    format!("expected a JSON object of tags like {{\"team\": \"ml\"}}, found {:?}", truncate(t)),
                                )
                            };
                            let wv = parse::json_get(t, key).map_err(bad)?;
                            let tv = parse::json_get(t, &self.opts.team_tag).map_err(bad)?;
                            let pv = parse::json_get(t, &self.opts.project_tag).map_err(bad)?;
                            let w = match wv.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                                Some(v) => self.workloads.id(v),
                                None => self.workloads.id(&self.opts.untagged),
                            };
                            let team = tv
                                .as_deref()
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(|s| self.strings.id(s));
                            let project = pv
                                .as_deref()
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(|s| self.strings.id(s));
                            if self.tag_cache.len() > 1 << 16 {
                                self.tag_cache.clear();
                            }
                            self.tag_cache.insert(t.into(), (w, team, project));
                            (w, team, project)
                        }
                    }
                }
            }
            WorkloadBy::Resource => {
                let r = match row.raw(Col::ResourceId)? {
                    Some(r) => Some(r),
                    None => row.raw(Col::ResourceName)?,
                };
                let w = self.workloads.id(r.unwrap_or(&self.opts.untagged));
                (w, self.tag_value(row, true)?, self.tag_value(row, false)?)
            }
            WorkloadBy::SubAccount => {
                let r = match row.raw(Col::SubAccountName)? {
                    Some(r) => Some(r),
                    None => row.raw(Col::SubAccountId)?,
                };
                let w = self.workloads.id(r.unwrap_or(&self.opts.untagged));
                (w, self.tag_value(row, true)?, self.tag_value(row, false)?)
            }
        };
        let wi = w as usize;
        if self.workload_totals.len() <= wi {
            self.workload_totals
                .resize(wi + 1, WorkloadTotals::default());
        }
        let a = &mut self.workload_totals[wi];
        if a.team.is_none() {
            a.team = team;
        }
        if a.project.is_none() {
            a.project = project;
        }
        Ok(w)
    }

    fn tag_value(&mut self, row: &Row<'_>, team: bool) -> Result<Option<u32>, InputError> {
        let Some(t) = row.raw(Col::Tags)? else {
            return Ok(None);
        };
        let key = if team {
            &self.opts.team_tag
        } else {
            &self.opts.project_tag
        };
        let v = parse::json_get(t, key).map_err(|_| {
            row.loc.err(
                Col::Tags,
                format!(
                    "expected a JSON object of tags like {{\"team\": \"ml\"}}, found {:?}",
                    truncate(t)
                ),
            )
        })?;
        Ok(v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| self.strings.id(s)))
    }

    fn identify(
        &mut self,
        row: &Row<'_>,
        cloud: Option<Cloud>,
    ) -> Result<InternedIdent, InputError> {
        let f = IdentFields {
            sku_price_details: row.raw(Col::SkuPriceDetails)?,
            x_sku_details: row.raw(Col::XSkuDetails)?,
            resource_type: row.raw(Col::ResourceType)?,
            description: row.raw(Col::ChargeDescription)?,
            sku_meter: row.raw(Col::SkuMeter)?,
            x_meter: row.raw(Col::XSkuMeterName)?,
            service_category: row.raw(Col::ServiceCategory)?,
        };
        self.key_buf.clear();
        self.key_buf.push(cloud.map_or(9, cloud_code));
        for s in [
            f.sku_price_details,
            f.x_sku_details,
            f.resource_type,
            f.description,
            f.sku_meter,
            f.x_meter,
            f.service_category,
        ] {
            self.key_buf.push(0x1f);
            if let Some(s) = s {
                self.key_buf.extend_from_slice(s.as_bytes());
            }
        }
        if let Some(c) = self.ident_cache.get(self.key_buf.as_slice()) {
            return Ok(*c);
        }
        let id = match self.ident.identify(cloud, &f) {
            Ident::Gpu {
                instance_type,
                gpu_model,
                gpus_per_unit,
                spot_hint,
                ..
            } => InternedIdent::Gpu {
                instance_type: self.strings.id(&instance_type),
                gpu_model: self.strings.id(&gpu_model),
                gpus: gpus_per_unit,
                spot_hint,
            },
            Ident::Host { family } => InternedIdent::Host(self.strings.id(&family)),
            Ident::UnknownGpu(it) => InternedIdent::UnknownGpu(self.strings.id(&it)),
            Ident::Hidden(h) => InternedIdent::Hidden(h),
            Ident::Other => InternedIdent::Other,
        };
        if self.ident_cache.len() > 1 << 18 {
            self.ident_cache.clear();
        }
        self.ident_cache
            .insert(self.key_buf.clone().into_boxed_slice(), id);
        Ok(id)
    }

    /// Hours per unit of `unit` and whether it counts GPU-hours (cached: units repeat).
    fn unit_factor(&mut self, unit: &str) -> Option<(f64, bool)> {
        if self.unit_cache.0 != unit {
            self.unit_cache = (unit.to_string(), hours_of(1.0, unit));
        }
        self.unit_cache.1
    }

    fn cloud(&mut self, row: &Row<'_>) -> Result<Option<Cloud>, InputError> {
        let p = match row.raw(Col::ServiceProviderName)? {
            Some(p) => Some(p),
            None => row.raw(Col::ProviderName)?,
        };
        let Some(p) = p else {
            return Ok(match row.raw(Col::HostProviderName)? {
                Some(h) => cloud_of_provider(h),
                None => None,
            });
        };
        if self.last_provider.0 != p {
            let mut c = cloud_of_provider(p);
            if c.is_none() {
                if let Some(h) = row.raw(Col::HostProviderName)? {
                    c = cloud_of_provider(h);
                }
            }
            self.last_provider = (p.to_string(), c);
        }
        Ok(self.last_provider.1)
    }

    fn row(&mut self, row: &Row<'_>) -> Result<bool, InputError> {
        self.rows += 1;
        let cat = match row.raw(Col::ChargeCategory)? {
            None => {
                return Err(row.loc.err(
                    Col::ChargeCategory,
                    "is empty: expected Usage, Purchase, Tax, Credit or Adjustment",
                ))
            }
            Some(s) => {
                if s.eq_ignore_ascii_case("usage") {
                    Category::Usage
                } else if s.eq_ignore_ascii_case("purchase") {
                    Category::Purchase
                } else if s.eq_ignore_ascii_case("tax") {
                    Category::Tax
                } else if s.eq_ignore_ascii_case("credit")
                    || s.eq_ignore_ascii_case("adjustment")
                    || s.eq_ignore_ascii_case("refund")
                {
                    Category::Credit
                } else {
                    self.quirks.unknown_category += 1;
                    Category::Credit
                }
            }
        };
        let start = row.time(Col::ChargePeriodStart)?;
        let end = row.time(Col::ChargePeriodEnd)?;
        if end < start {
            return Err(row
                .loc
                .err(Col::ChargePeriodEnd, "is before ChargePeriodStart"));
        }
        let span_h = (end - start) / 3600;
        let billed = row.num(Col::BilledCost)?;
        let effective = row.num(Col::EffectiveCost)?;
        let list = row.num(Col::ListCost)?;
        let cd_id = row.raw(Col::CommitmentDiscountId)?;
        let status = row.raw(Col::CommitmentDiscountStatus)?;
        let unused = status.is_some_and(|s| s.eq_ignore_ascii_case("unused"));
        let cost = match self.opts.cost_basis {
            CostBasis::Billed => billed.unwrap_or(0.0),
            CostBasis::Amortized => match (effective, billed) {
                (Some(e), Some(b))
                    if cat == Category::Usage
                        && cd_id.is_none()
                        && e.fract() == 0.0
                        && b.fract() != 0.0
                        && (e - b).abs() < 1.0 =>
                {
                    self.quirks.rounded_effective += 1;
                    b
                }
                (Some(e), _) => e,
                (None, b) => {
                    self.quirks.effective_missing += 1;
                    b.unwrap_or(0.0)
                }
            },
        };
        self.totals.cost += cost;
        let cloud = self.cloud(row)?;
        let ident = if matches!(cat, Category::Usage | Category::Credit) {
            self.identify(row, cloud)?
        } else {
            InternedIdent::Other
        };
        // Hours of usage.
        let mut hours: Option<(f64, bool)> = None;
        let needs_hours = cat == Category::Usage
            && (matches!(ident, InternedIdent::Gpu { .. })
                || cd_id.is_some()
                || row.loc.header.get(Col::ContractApplied).is_some());
        if needs_hours {
            if let Some(u) = row.raw(Col::ConsumedUnit)? {
                if let Some(f) = self.unit_factor(u) {
                    if let Some(q) = row.num(Col::ConsumedQuantity)? {
                        hours = Some((q * f.0, f.1));
                    }
                }
            }
            if hours.is_none() {
                if let Some(u) = row.raw(Col::PricingUnit)? {
                    if let Some(f) = self.unit_factor(u) {
                        if let Some(q) = row.num(Col::PricingQuantity)? {
                            hours = Some((q * f.0, f.1));
                        }
                    }
                }
            }
        }
        let pc = row.raw(Col::PricingCategory)?;
        let committed_flag = cd_id.is_some() && cat == Category::Usage && !unused;
        let mut pricing = if committed_flag {
            if pc.is_some_and(|p| {
                p.eq_ignore_ascii_case("standard") || p.eq_ignore_ascii_case("on-demand")
            }) {
                self.quirks.azure_standard_committed += 1;
            }
            Pricing::Committed
        } else {
            match pc {
                Some(p)
                    if p.eq_ignore_ascii_case("committed")
                        || p.eq_ignore_ascii_case("commitment-based") =>
                {
                    Pricing::Committed
                }
                Some(p) if p.eq_ignore_ascii_case("dynamic") || p.eq_ignore_ascii_case("spot") => {
                    Pricing::Spot
                }
                _ => Pricing::OnDemand,
            }
        };
        let mut gpu_hours_row = 0.0;
        let mut is_gpu = false;
        let mut gpu_key = None;
        // Commitment-related rows.
        if cat == Category::Tax {
            self.totals.tax += cost;
        }
        if cat == Category::Purchase && cd_id.is_some() {
            self.totals.purchases_billed += billed.unwrap_or(0.0);
        }
        if unused {
            self.totals.unused_commitment += effective.unwrap_or(cost);
        }
        if cat == Category::Usage && !unused {
            match ident {
                InternedIdent::Gpu {
                    instance_type,
                    gpu_model,
                    gpus,
                    spot_hint,
                } => {
                    is_gpu = true;
                    if spot_hint && pricing == Pricing::OnDemand {
                        pricing = Pricing::Spot;
                    }
                    let w = self.workload_of(row)?;
                    let region = row
                        .raw(Col::RegionId)?
                        .or(row.raw(Col::Region)?)
                        .unwrap_or("unknown");
                    let region = self.strings.id(region);
                    let gh = match hours {
                        Some((h, true)) => h,
                        Some((h, false)) => h * gpus,
                        None => {
                            self.quirks.gpu_no_hours += 1;
                            0.0
                        }
                    };
                    if gh < 0.0 {
                        self.quirks.negative_gpu_hours += 1;
                    }
                    gpu_hours_row = gh;
                    let l = match list {
                        Some(l) => l,
                        None => {
                            self.quirks.no_list_cost += 1;
                            cost
                        }
                    };
                    let key = SeriesKey {
                        workload: w,
                        cloud: cloud.map_or(0, cloud_code),
                        region,
                        instance_type,
                        gpu_model,
                        pricing: pricing as u8,
                    };
                    gpu_key = Some((
                        cloud.unwrap_or(Cloud::Aws),
                        region,
                        instance_type,
                        gpu_model,
                    ));
                    let s = self.series.entry(key).or_default();
                    s.billed += billed.unwrap_or(0.0);
                    s.effective += effective.unwrap_or(cost);
                    spread(start, end, |h, wgt| {
                        s.cells.add(h, [gh * wgt, cost * wgt, l * wgt])
                    });
                    let h0 = start.div_euclid(3600);
                    let h1 = if end > start {
                        (end - 1).div_euclid(3600)
                    } else {
                        h0
                    };
                    self.min_hour = self.min_hour.min(h0);
                    self.max_hour = self.max_hour.max(h1);
                    self.totals.gpu_cost += cost;
                    self.gpu_rows += 1;
                }
                InternedIdent::Host(family) => {
                    let w = self.workload_of(row)?;
                    let region = row
                        .raw(Col::RegionId)?
                        .or(row.raw(Col::Region)?)
                        .unwrap_or("unknown");
                    let region = self.strings.id(region);
                    let key = HostKey {
                        workload: w,
                        cloud: cloud.map_or(0, cloud_code),
                        region,
                        family,
                        pricing: pricing as u8,
                    };
                    let l = list.unwrap_or(cost);
                    let c = self.host_cells.entry(key).or_default();
                    spread(start, end, |h, wgt| c.add(h, [0.0, cost * wgt, l * wgt]));
                }
                InternedIdent::UnknownGpu(it) => {
                    let e = self
                        .unknown
                        .entry((cloud.map_or(0, cloud_code), it))
                        .or_insert((0, 0.0));
                    e.0 += 1;
                    e.1 += cost;
                }
                InternedIdent::Hidden(h) => {
                    let w = self.workload_of(row)? as usize;
                    let k = match h {
                        Hidden::Storage => 0,
                        Hidden::Network => 1,
                        Hidden::Processing => 2,
                    };
                    self.workload_totals[w].hidden[k] += cost;
                }
                InternedIdent::Other => {}
            }
        }
        if cat == Category::Credit {
            self.totals.credits += cost;
            let w = self.workload_of(row)? as usize;
            self.workload_totals[w].credits += cost;
        }
        if span_h > MAX_CHARGE_SPAN_HOURS && is_gpu {
            return Err(row.loc.err(
                Col::ChargePeriodEnd,
                format!("charge period spans {span_h} hours: expected at most {MAX_CHARGE_SPAN_HOURS} for usage rows"),
            ));
        }
        // Commitments.
        let applied = row.raw(Col::ContractApplied)?;
        if cd_id.is_some() || applied.is_some() {
            let ci = commit::RowInfo {
                cloud,
                category_usage: cat == Category::Usage,
                category_purchase: cat == Category::Purchase,
                status,
                ctype: row.raw(Col::CommitmentDiscountType)?,
                ccat: row.raw(Col::CommitmentDiscountCategory)?,
                cunit: row.raw(Col::CommitmentDiscountUnit)?,
                cqty: row.num(Col::CommitmentDiscountQuantity)?,
                frequency: row.raw(Col::ChargeFrequency)?,
                billed: billed.unwrap_or(0.0),
                effective: effective.unwrap_or(cost),
                list: list.unwrap_or(0.0),
                hours: hours.map(|h| h.0),
                gpu: gpu_key.map(|(c, r, it, m)| {
                    (
                        c,
                        self.strings.name(r),
                        self.strings.name(it),
                        self.strings.name(m),
                        gpu_hours_row,
                    )
                }),
                start,
                end,
            };
            if let Some(id) = cd_id {
                self.commits.add(id, &ci);
            }
            if let Some(a) = applied {
                let entries = commit::parse_contract_applied(a)
                    .map_err(|m| row.loc.err(Col::ContractApplied, m))?;
                for e in entries {
                    self.commits.add_applied(&e, &ci);
                }
            }
        }
        Ok(is_gpu)
    }

    fn finish(
        self,
        files: Vec<FileSummary>,
        contracts: Vec<ContractTerms>,
    ) -> Result<FocusIngest, InputError> {
        let FocusAccumulator {
            opts,
            catalog,
            strings,
            workloads,
            mut workload_totals,
            series,
            host_cells,
            commits,
            unknown,
            quirks,
            mut totals,
            rows,
            gpu_rows,
            min_hour,
            max_hour,
            ..
        } = self;
        workload_totals.resize(workloads.names.len(), WorkloadTotals::default());
        let mut warnings = Vec::new();
        let window = (min_hour <= max_hour).then(|| HourWindow {
            start: DateTime::from_timestamp(min_hour * 3600, 0).unwrap_or_default(),
            end: DateTime::from_timestamp((max_hour + 1) * 3600, 0).unwrap_or_default(),
        });
        if let Some(w) = window {
            let span = w.hours() as i64;
            if span > crate::ingest::demand::MAX_HISTORY_HOURS {
                let f = files.first().map(|f| f.path.clone()).unwrap_or_default();
                return Err(InputError::file(
                    f,
                    format!(
                        "GPU usage spans {span} hours ({} to {}): expected at most {} (5 years); check the ChargePeriodStart years",
                        w.start.format("%Y-%m-%d"),
                        w.end.format("%Y-%m-%d"),
                        crate::ingest::demand::MAX_HISTORY_HOURS
                    ),
                ));
            }
        }
        let n = window.map_or(0, |w| w.hours());
        let align = |c: &Cells, k: usize| -> Vec<f64> {
            let mut v = vec![0.0; n];
            for (i, x) in c.v.iter().enumerate() {
                let h = c.base + i as i64 - min_hour;
                if h >= 0 && (h as usize) < n {
                    v[h as usize] += x[k];
                }
            }
            v
        };
        let mut out: Vec<GpuSeries> = Vec::with_capacity(series.len());
        let mut keys: Vec<(SeriesKey, SeriesTotals)> = series.into_iter().collect();
        keys.sort_by(|a, b| {
            let ka = (
                workloads.name(a.0.workload),
                a.0.cloud,
                strings.name(a.0.region),
                strings.name(a.0.instance_type),
                a.0.pricing,
            );
            let kb = (
                workloads.name(b.0.workload),
                b.0.cloud,
                strings.name(b.0.region),
                strings.name(b.0.instance_type),
                b.0.pricing,
            );
            ka.cmp(&kb)
        });
        let mut skeys = Vec::with_capacity(keys.len());
        for (k, s) in &keys {
            let _ = s.cells.end();
            out.push(GpuSeries {
                workload: workloads.name(k.workload).to_string(),
                cloud: cloud_of_code(k.cloud),
                region: strings.name(k.region).to_string(),
                instance_type: strings.name(k.instance_type).to_string(),
                gpu_model: strings.name(k.gpu_model).to_string(),
                pricing: Pricing::from_u8(k.pricing),
                gpu_hours: align(&s.cells, 0),
                cost: align(&s.cells, 1),
                list_cost: align(&s.cells, 2),
                billed_total: s.billed,
                effective_total: s.effective,
            });
            skeys.push(*k);
        }
        // Join Google Cloud host (core/RAM) cost to the GPU series of the same workload,
        // cloud, region, family and pricing, hour by hour in proportion to GPU-hours.
        let mut hosts: Vec<(HostKey, Cells)> = host_cells.into_iter().collect();
        hosts.sort_by_key(|(k, _)| (k.workload, k.region, k.family, k.pricing));
        for (hk, cells) in hosts {
            let fam = strings.name(hk.family).to_string();
            let cloud = cloud_of_code(hk.cloud);
            let targets: Vec<usize> = skeys
                .iter()
                .enumerate()
                .filter(|(_, k)| {
                    k.workload == hk.workload
                        && k.cloud == hk.cloud
                        && k.region == hk.region
                        && k.pricing == hk.pricing
                        && catalog
                            .offerings
                            .iter()
                            .filter(|o| o.cloud == cloud)
                            .any(|o| o.family() == fam && o.gpu_model == strings.name(k.gpu_model))
                })
                .map(|(i, _)| i)
                .collect();
            let hc = align(&cells, 1);
            let hl = align(&cells, 2);
            let mut unmatched = 0.0;
            for h in 0..n {
                if hc[h] == 0.0 && hl[h] == 0.0 {
                    continue;
                }
                let tot: f64 = targets.iter().map(|&t| out[t].gpu_hours[h]).sum();
                if tot > 0.0 {
                    for &t in &targets {
                        let share = out[t].gpu_hours[h] / tot;
                        out[t].cost[h] += hc[h] * share;
                        out[t].list_cost[h] += hl[h] * share;
                    }
                    totals.gpu_cost += hc[h];
                } else {
                    unmatched += hc[h];
                }
            }
            // Cost outside the GPU window is unmatched too.
            let inside: f64 = hc.iter().sum();
            let all: f64 = cells.v.iter().map(|x| x[1]).sum();
            unmatched += all - inside;
            if unmatched.abs() > 1e-9 {
                workload_totals[hk.workload as usize].unmatched_host += unmatched;
            }
        }
        let gpu_w: std::collections::HashSet<&str> =
            out.iter().map(|s| s.workload.as_str()).collect();
        let mut wl: Vec<WorkloadCosts> = workload_totals
            .iter()
            .enumerate()
            .map(|(i, a)| WorkloadCosts {
                name: workloads.name(i as u32).to_string(),
                team: a.team.map(|t| strings.name(t).to_string()),
                project: a.project.map(|t| strings.name(t).to_string()),
                storage: a.hidden[0],
                network: a.hidden[1],
                processing: a.hidden[2],
                credits: a.credits,
                unmatched_host: a.unmatched_host,
            })
            .collect();
        wl.sort_by(|a, b| a.name.cmp(&b.name));
        totals.hidden_cost = wl
            .iter()
            .filter(|w| gpu_w.contains(w.name.as_str()))
            .map(|w| w.storage + w.network + w.processing)
            .sum();
        let mut unknown_gpus: Vec<UnknownGpu> = unknown
            .into_iter()
            .map(|((c, it), (rows, cost))| UnknownGpu {
                cloud: cloud_of_code(c),
                instance_type: strings.name(it).to_string(),
                rows,
                cost,
            })
            .collect();
        unknown_gpus.sort_by(|a, b| (a.cloud, &a.instance_type).cmp(&(b.cloud, &b.instance_type)));
        for u in &unknown_gpus {
            warnings.push(format!(
                "{} {}: {} GPU-looking usage rows (${:.2}) skipped: the instance type is not in the catalog and its family matches no catalog GPU (add it with --catalog)",
                u.cloud, u.instance_type, u.rows, u.cost
            ));
        }
        let q = &quirks;
        if q.azure_standard_committed > 0 {
            warnings.push(format!("{} usage rows carry a commitment discount but PricingCategory Standard (Azure FOCUS 1.0 exports, finops-toolkit #836): counted as committed", q.azure_standard_committed));
        }
        if q.rounded_effective > 0 {
            warnings.push(format!("{} usage rows have an EffectiveCost rounded to a whole number that disagrees with BilledCost (as in the public FOCUS 1.0 sample): BilledCost used for them", q.rounded_effective));
        }
        if q.effective_missing > 0 && opts.cost_basis == CostBasis::Amortized {
            warnings.push(format!(
                "{} rows have no EffectiveCost: BilledCost used",
                q.effective_missing
            ));
        }
        if q.no_list_cost > 0 {
            warnings.push(format!("{} GPU usage rows have no ListCost: their on-demand equivalent is taken as their cost (understates ESR)", q.no_list_cost));
        }
        if q.gpu_no_hours > 0 {
            warnings.push(format!("{} GPU usage rows have no quantity in hours (ConsumedQuantity/PricingQuantity): cost kept, GPU-hours 0", q.gpu_no_hours));
        }
        if q.negative_gpu_hours > 0 {
            warnings.push(format!("{} GPU usage rows have negative quantities (corrections): subtracted from their hours", q.negative_gpu_hours));
        }
        if q.unknown_category > 0 {
            warnings.push(format!(
                "{} rows have an unknown ChargeCategory: treated as adjustments",
                q.unknown_category
            ));
        }
        let commitments = commits.finish(catalog, contracts, &mut warnings);
        Ok(FocusIngest {
            files,
            window,
            series: out,
            workloads: wl,
            commitments,
            unknown_gpus,
            warnings,
            rows,
            gpu_rows,
            cost_basis: opts.cost_basis,
            totals,
        })
    }
}

fn truncate(s: &str) -> String {
    if s.len() > 60 {
        let mut e = 60;
        while !s.is_char_boundary(e) {
            e -= 1;
        }
        format!("{}…", &s[..e])
    } else {
        s.to_string()
    }
}

/// Calls `f(hour, weight)` for every hour the period `[s, e)` (epoch seconds) overlaps, with
/// the share of the period in that hour; an empty period counts whole in its hour.
pub(crate) fn spread(s: i64, e: i64, mut f: impl FnMut(i64, f64)) {
    let h0 = s.div_euclid(3600);
    if e <= s {
        f(h0, 1.0);
        return;
    }
    let h1 = (e - 1).div_euclid(3600);
    if h0 == h1 {
        f(h0, 1.0);
        return;
    }
    let len = (e - s) as f64;
    for h in h0..=h1 {
        let a = s.max(h * 3600);
        let b = e.min((h + 1) * 3600);
        f(h, (b - a) as f64 / len);
    }
}

fn open(path: &Path) -> Result<(Box<dyn Read + Send>, bool), InputError> {
    let mut f = std::fs::File::open(path).map_err(|e| {
        InputError::file(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "file not found".to_string(),
                _ => format!("cannot read file: {e}"),
            },
        )
    })?;
    let mut magic = [0u8; 2];
    let n = {
        let mut got = 0;
        while got < 2 {
            match f.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) => return Err(InputError::file(path, format!("cannot read file: {e}"))),
            }
        }
        got
    };
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(0))
        .map_err(|e| InputError::file(path, format!("cannot read file: {e}")))?;
    let buf = std::io::BufReader::with_capacity(1 << 20, f);
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok((Box::new(flate2::read::MultiGzDecoder::new(buf)), true))
    } else {
        Ok((Box::new(buf), false))
    }
}

fn csv_err(file: &Path, e: csv::Error, line: u64, header_len: usize) -> InputError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, len, .. } => InputError::line(
            file,
            pos.as_ref().map_or(line, |p| p.line()),
            format!("expected {header_len} fields like the header, found {len}"),
        ),
        csv::ErrorKind::Io(io) => InputError::line(
            file,
            line,
            format!("cannot read past this line: {io} (truncated or corrupt file?)"),
        ),
        _ => InputError::line(file, line, format!("cannot read CSV: {e}")),
    }
}

/// Reads FOCUS files (cost-and-usage exports and, for 1.3, ContractCommitment dataset
/// files) against the catalog. The first malformed cell stops the read with a one-line
/// error naming the file, line and column.
pub fn read_focus(
    paths: &[PathBuf],
    catalog: &Catalog,
    opts: &FocusOptions,
) -> Result<FocusIngest, InputError> {
    let mut acc = FocusAccumulator::new(catalog, opts);
    let mut files = Vec::new();
    let mut contracts = Vec::new();
    for path in paths {
        let (reader, gzip) = open(path)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .buffer_capacity(1 << 20)
            .from_reader(reader);
        let mut rec = csv::ByteRecord::new();
        let got = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| csv_err(path, e, 1, 0))?;
        if !got {
            return Err(InputError::file(
                path,
                "file is empty: expected a FOCUS header line (ChargePeriodStart,ChargePeriodEnd,…)",
            ));
        }
        let mut fields = Vec::with_capacity(rec.len());
        for (i, b) in rec.iter().enumerate() {
            fields.push(
                std::str::from_utf8(b)
                    .map_err(|_| {
                        InputError::cell(path, 1, i + 1, "?", "invalid UTF-8 bytes in the header")
                    })?
                    .to_string(),
            );
        }
        let (header, dataset) = Header::parse(path, &fields)?;
        let mut summary = FileSummary {
            path: path.clone(),
            dataset: match dataset {
                Dataset::CostAndUsage => "cost_and_usage",
                Dataset::ContractCommitment => "contract_commitment",
            },
            version: header.version,
            gzip,
            rows: 0,
            gpu_rows: 0,
            extras: header.extras.clone(),
            unknown_columns: header.unknown.clone(),
        };
        let ncols = header.names.len();
        // Two threads: one reads and splits CSV records (and inflates gzip), the other
        // prices them. Batches of records circulate between them, so memory stays bounded.
        let res: Result<(), InputError> = std::thread::scope(|sc| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<
                Result<(Vec<csv::ByteRecord>, usize), (csv::Error, u64)>,
            >(4);
            let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
            let producer = std::thread::Builder::new()
                .name("focus-csv".into())
                .spawn_scoped(sc, move || {
                    let mut line = 1u64;
                    loop {
                        let mut batch = back_rx
                            .try_recv()
                            .unwrap_or_else(|_| vec![csv::ByteRecord::new(); BATCH]);
                        let mut n = 0;
                        while n < BATCH {
                            match rdr.read_byte_record(&mut batch[n]) {
                                Ok(true) => {
                                    line = batch[n].position().map_or(line + 1, |p| p.line());
                                    n += 1;
                                }
                                Ok(false) => break,
                                Err(e) => {
                                    let _ = tx.send(Err((e, line + 1)));
                                    return;
                                }
                            }
                        }
                        if n > 0 && tx.send(Ok((batch, n))).is_err() {
                            return;
                        }
                        if n < BATCH {
                            return;
                        }
                    }
                });
            let producer = match producer {
                Ok(p) => p,
                Err(e) => {
                    return Err(InputError::file(
                        path,
                        format!("cannot start the reading thread: {e}"),
                    ))
                }
            };
            let mut out = Ok(());
            'recv: for msg in rx.iter() {
                let (mut batch, n) = match msg {
                    Ok(b) => b,
                    Err((e, line)) => {
                        out = Err(csv_err(path, e, line, ncols));
                        break;
                    }
                };
                for slot in batch.iter_mut().take(n) {
                    let line = slot.position().map_or(0, |p| p.line());
                    let rec = match csv::StringRecord::from_byte_record(std::mem::take(slot)) {
                        Ok(r) => r,
                        Err(e) => {
                            let f = e.utf8_error().field();
                            out = Err(InputError::cell(
                                path,
                                line,
                                f + 1,
                                header.names.get(f).map_or("?", String::as_str),
                                "invalid UTF-8 bytes: expected UTF-8 text",
                            ));
                            break 'recv;
                        }
                    };
                    summary.rows += 1;
                    let r = match dataset {
                        Dataset::CostAndUsage => {
                            let row = Row {
                                rec: &rec,
                                loc: Loc {
                                    file: path,
                                    line,
                                    header: &header,
                                },
                            };
                            acc.row(&row).map(|gpu| {
                                if gpu {
                                    summary.gpu_rows += 1;
                                }
                            })
                        }
                        Dataset::ContractCommitment => {
                            commit::contract_row(path, line, &header.names, rec.as_byte_record())
                                .map(|c| contracts.push(c))
                        }
                    };
                    *slot = rec.into_byte_record();
                    if let Err(e) = r {
                        out = Err(e);
                        break 'recv;
                    }
                }
                let _ = back_tx.send(batch);
            }
            drop(rx);
            let _ = producer.join();
            out
        });
        res?;
        files.push(summary);
    }
    acc.finish(files, contracts)
}

/// Seconds since the epoch → UTC instant.
pub(crate) fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
