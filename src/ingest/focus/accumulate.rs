//! Row by row: each cost row's category, period, cost, cloud, identification, hours and
//! pricing, added to the GPU series, the Google Cloud host cost, the workloads' hidden
//! costs and credits, the fleet totals and the commitments it names.

use super::columns::Col;
use super::hours::{hours_of, spread, Cells};
use super::ident::{Ident, IdentFields, Identifier};
use super::intern::{FxMap, Interner};
use super::row::{truncate, Row};
use super::{
    cloud_of_provider, commit, parse, CostBasis, FocusOptions, FocusTotals, Hidden, Pricing,
    RowOrigin, WorkloadBy,
};
use crate::domain::bounds;
use crate::domain::{Catalog, Cloud};
use crate::error::InputError;
use std::collections::HashMap;

/// Which GPU series a usage row adds to: workload, cloud, region, instance type, GPU model
/// and pricing (names interned; the cloud and pricing as small codes).
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
pub(super) struct SeriesKey {
    pub(super) workload: u32,
    pub(super) cloud: u8,
    pub(super) region: u32,
    pub(super) instance_type: u32,
    pub(super) gpu_model: u32,
    pub(super) pricing: u8,
}

/// Which Google Cloud host cost (cores/RAM of a GPU machine family billed apart from its
/// GPUs) a row adds to: workload, cloud, region, machine family and pricing.
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
pub(super) struct HostKey {
    pub(super) workload: u32,
    pub(super) cloud: u8,
    pub(super) region: u32,
    pub(super) family: u32,
    pub(super) pricing: u8,
}

/// What one GPU series has gathered so far: its hourly cells and its rows' total billed
/// and effective cost.
#[derive(Default)]
pub(super) struct SeriesTotals {
    pub(super) cells: Cells,
    pub(super) billed: f64,
    pub(super) effective: f64,
    /// Its first row.
    pub(super) origin: Option<RowOrigin>,
}

/// What one workload has gathered so far: team and project (first seen), hidden costs
/// (storage, network, processing), credits and host cost that joined no GPU series.
#[derive(Default, Clone)]
pub(super) struct WorkloadTotals {
    pub(super) team: Option<u32>,
    pub(super) project: Option<u32>,
    pub(super) hidden: [f64; 3],
    pub(super) credits: f64,
    pub(super) unmatched_host: f64,
    /// Its first hidden-cost row, else its first row.
    pub(super) origin: Option<RowOrigin>,
    /// Whether `origin` is a hidden-cost row.
    pub(super) origin_hidden: bool,
}

/// An [`Ident`] with its names interned, as cached per distinct set of identifying text.
#[derive(Clone, Copy)]
enum InternedIdent {
    Gpu(GpuIdent),
    Host(u32),
    UnknownGpu(u32),
    Hidden(Hidden),
    Other,
}

/// A GPU instance (or GPU SKU) as identified: interned instance type and GPU model, GPUs
/// per unit of the row's hour quantity, and whether the text says spot.
#[derive(Clone, Copy)]
struct GpuIdent {
    instance_type: u32,
    gpu_model: u32,
    gpus: f64,
    spot_hint: bool,
}

/// The cells of a cost row that every step of [`FocusAccumulator::row`] needs, read once.
struct Charge<'r> {
    category: Category,
    /// Charge period, epoch seconds.
    start: i64,
    end: i64,
    billed: Option<f64>,
    effective: Option<f64>,
    list: Option<f64>,
    commitment_id: Option<&'r str>,
    status: Option<&'r str>,
    /// CommitmentDiscountStatus `Unused`: the unused part of a commitment, not usage.
    unused: bool,
    /// Cost in the chosen basis.
    cost: f64,
    cloud: Option<Cloud>,
}

/// A GPU usage row as added to its series: interned region, instance type and GPU model,
/// and its GPU-hours.
#[derive(Clone, Copy)]
struct GpuUsage {
    cloud: Cloud,
    region: u32,
    instance_type: u32,
    gpu_model: u32,
    gpu_hours: f64,
}

fn cloud_code(c: Cloud) -> u8 {
    match c {
        Cloud::Aws => 0,
        Cloud::Azure => 1,
        Cloud::Gcp => 2,
    }
}
pub(super) fn cloud_of_code(c: u8) -> Cloud {
    match c {
        0 => Cloud::Aws,
        1 => Cloud::Azure,
        _ => Cloud::Gcp,
    }
}

/// Longest charge period accepted for splitting, hours (a year and a bit).
const MAX_CHARGE_SPAN_HOURS: i64 = 9000;

/// Counts of export quirks met, each reported as one warning.
#[derive(Default)]
pub(super) struct Quirks {
    pub(super) azure_standard_committed: u64,
    pub(super) rounded_effective: u64,
    pub(super) no_list_cost: u64,
    pub(super) gpu_no_hours: u64,
    pub(super) unknown_category: u64,
    pub(super) negative_gpu_hours: u64,
    pub(super) effective_missing: u64,
}

/// Everything gathered from the cost rows of all files, row by row, until
/// [`FocusAccumulator::finish`] turns it into a [`FocusIngest`](super::FocusIngest).
pub(super) struct FocusAccumulator<'c> {
    pub(super) opts: FocusOptions,
    ident: Identifier,
    pub(super) catalog: &'c Catalog,
    /// Interned regions, instance types, GPU models, families, teams and projects.
    pub(super) strings: Interner,
    /// Interned workload names; the id indexes `workload_totals`.
    pub(super) workloads: Interner,
    pub(super) workload_totals: Vec<WorkloadTotals>,
    pub(super) series: FxMap<SeriesKey, SeriesTotals>,
    /// Google Cloud host (core/RAM) cost, joined to the GPU series at the end.
    pub(super) host_cells: FxMap<HostKey, Cells>,
    /// Identification by the row's identifying text (cloud and fields joined in `key_buf`).
    ident_cache: FxMap<Box<[u8]>, InternedIdent>,
    key_buf: Vec<u8>,
    /// (workload, team, project) by the raw `Tags` text.
    tag_cache: FxMap<Box<str>, (u32, Option<u32>, Option<u32>)>,
    pub(super) commits: commit::Accumulator,
    /// GPU-looking instance types not in the catalog: (cloud code, name) → (rows, cost).
    pub(super) unknown: HashMap<(u8, u32), (u64, f64)>,
    /// The last provider name and its cloud (rows repeat it).
    last_provider: (String, Option<Cloud>),
    /// The last unit and its hours factor (rows repeat it).
    unit_cache: (String, Option<(f64, bool)>),
    pub(super) quirks: Quirks,
    pub(super) totals: FocusTotals,
    pub(super) rows: u64,
    pub(super) gpu_rows: u64,
    /// First and last hour (since the epoch) with GPU usage.
    pub(super) min_hour: i64,
    pub(super) max_hour: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    Usage,
    Purchase,
    Credit,
    Tax,
}

impl<'c> FocusAccumulator<'c> {
    pub(super) fn new(catalog: &'c Catalog, opts: &FocusOptions) -> Self {
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
        if a.origin.is_none() {
            a.origin = Some(origin(row));
        }
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
            } => InternedIdent::Gpu(GpuIdent {
                instance_type: self.strings.id(&instance_type),
                gpu_model: self.strings.id(&gpu_model),
                gpus: gpus_per_unit,
                spot_hint,
            }),
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

    /// Adds one cost row; `true` when it is GPU usage.
    pub(super) fn row(&mut self, row: &Row<'_>) -> Result<bool, InputError> {
        self.rows += 1;
        let category = self.category(row)?;
        let (start, end) = charge_period(row)?;
        let span_h = (end - start) / 3600;
        let billed = money(row, Col::BilledCost)?;
        let effective = money(row, Col::EffectiveCost)?;
        let list = money(row, Col::ListCost)?;
        let commitment_id = row.raw(Col::CommitmentDiscountId)?;
        let status = row.raw(Col::CommitmentDiscountStatus)?;
        let unused = status.is_some_and(|s| s.eq_ignore_ascii_case("unused"));
        let cost = self.cost(category, billed, effective, commitment_id);
        self.totals.cost += cost;
        let cloud = self.cloud(row)?;
        let charge = Charge {
            category,
            start,
            end,
            billed,
            effective,
            list,
            commitment_id,
            status,
            unused,
            cost,
            cloud,
        };
        let ident = if matches!(category, Category::Usage | Category::Credit) {
            self.identify(row, cloud)?
        } else {
            InternedIdent::Other
        };
        let hours = self.usage_hours(row, &charge, &ident)?;
        let pricing = self.pricing(row, &charge)?;
        self.add_commitment_totals(&charge);
        let gpu_usage = category == Category::Usage && !unused;
        // Checked before the row is spread over its hours (a period of years would take
        // seconds and gigabytes to spread).
        if span_h > MAX_CHARGE_SPAN_HOURS && gpu_usage && matches!(ident, InternedIdent::Gpu(_)) {
            return Err(row.loc.err(
                Col::ChargePeriodEnd,
                format!("charge period spans {span_h} hours: expected at most {MAX_CHARGE_SPAN_HOURS} for usage rows"),
            ));
        }
        let gpu = if gpu_usage {
            self.add_usage(row, &charge, ident, hours, pricing)?
        } else {
            None
        };
        if category == Category::Credit {
            self.totals.credits += cost;
            let w = self.workload_of(row)? as usize;
            self.workload_totals[w].credits += cost;
        }
        self.add_commitment_row(row, &charge, hours, gpu)?;
        Ok(gpu.is_some())
    }

    /// The row's ChargeCategory (an unknown one counts as an adjustment).
    fn category(&mut self, row: &Row<'_>) -> Result<Category, InputError> {
        let Some(s) = row.raw(Col::ChargeCategory)? else {
            return Err(row.loc.err(
                Col::ChargeCategory,
                "is empty: expected Usage, Purchase, Tax, Credit or Adjustment",
            ));
        };
        Ok(if s.eq_ignore_ascii_case("usage") {
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
        })
    }

    /// The row's cost in the chosen basis. Amortized: EffectiveCost, except BilledCost when
    /// EffectiveCost is missing or rounded to a whole number on plain usage (the public
    /// FOCUS 1.0 sample).
    fn cost(
        &mut self,
        category: Category,
        billed: Option<f64>,
        effective: Option<f64>,
        commitment_id: Option<&str>,
    ) -> f64 {
        match self.opts.cost_basis {
            CostBasis::Billed => billed.unwrap_or(0.0),
            CostBasis::Amortized => match (effective, billed) {
                (Some(e), Some(b))
                    if category == Category::Usage
                        && commitment_id.is_none()
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
        }
    }

    /// Hours of usage and whether they count GPU-hours: from ConsumedQuantity, else
    /// PricingQuantity, in whatever unit of time they state. Read only for GPU usage and
    /// usage that may belong to a commitment.
    fn usage_hours(
        &mut self,
        row: &Row<'_>,
        charge: &Charge<'_>,
        ident: &InternedIdent,
    ) -> Result<Option<(f64, bool)>, InputError> {
        let needs_hours = charge.category == Category::Usage
            && (matches!(ident, InternedIdent::Gpu(_))
                || charge.commitment_id.is_some()
                || row.loc.header.get(Col::ContractApplied).is_some());
        if !needs_hours {
            return Ok(None);
        }
        let mut hours = None;
        if let Some(u) = row.raw(Col::ConsumedUnit)? {
            if let Some(f) = self.unit_factor(u) {
                if let Some(q) = quantity(row, Col::ConsumedQuantity)? {
                    hours = Some((q * f.0, f.1));
                }
            }
        }
        if hours.is_none() {
            if let Some(u) = row.raw(Col::PricingUnit)? {
                if let Some(f) = self.unit_factor(u) {
                    if let Some(q) = quantity(row, Col::PricingQuantity)? {
                        hours = Some((q * f.0, f.1));
                    }
                }
            }
        }
        Ok(hours)
    }

    /// How the row was priced: committed when a commitment discount covered it (whatever
    /// PricingCategory says: Azure 1.0 exports say Standard), else by PricingCategory.
    fn pricing(&mut self, row: &Row<'_>, charge: &Charge<'_>) -> Result<Pricing, InputError> {
        let pc = row.raw(Col::PricingCategory)?;
        let committed_flag =
            charge.commitment_id.is_some() && charge.category == Category::Usage && !charge.unused;
        Ok(if committed_flag {
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
        })
    }

    /// Fleet totals of commitment-related rows: tax, commitment purchases, unused commitment.
    fn add_commitment_totals(&mut self, charge: &Charge<'_>) {
        if charge.category == Category::Tax {
            self.totals.tax += charge.cost;
        }
        if charge.category == Category::Purchase && charge.commitment_id.is_some() {
            self.totals.purchases_billed += charge.billed.unwrap_or(0.0);
        }
        if charge.unused {
            self.totals.unused_commitment += charge.effective.unwrap_or(charge.cost);
        }
    }

    /// Adds a usage row by what it is: GPU usage to its series, Google Cloud host cost to
    /// its host cells, unknown GPUs to their tally, hidden costs to the workload. Returns the
    /// GPU usage, if any.
    fn add_usage(
        &mut self,
        row: &Row<'_>,
        charge: &Charge<'_>,
        ident: InternedIdent,
        hours: Option<(f64, bool)>,
        pricing: Pricing,
    ) -> Result<Option<GpuUsage>, InputError> {
        match ident {
            InternedIdent::Gpu(gpu) => {
                return self
                    .add_gpu_usage(row, charge, gpu, hours, pricing)
                    .map(Some)
            }
            InternedIdent::Host(family) => self.add_host_cost(row, charge, family, pricing)?,
            InternedIdent::UnknownGpu(it) => {
                let e = self
                    .unknown
                    .entry((charge.cloud.map_or(0, cloud_code), it))
                    .or_insert((0, 0.0));
                e.0 += 1;
                e.1 += charge.cost;
            }
            InternedIdent::Hidden(h) => {
                let w = self.workload_of(row)? as usize;
                let k = match h {
                    Hidden::Storage => 0,
                    Hidden::Network => 1,
                    Hidden::Processing => 2,
                };
                let t = &mut self.workload_totals[w];
                t.hidden[k] += charge.cost;
                if !t.origin_hidden {
                    t.origin = Some(origin(row));
                    t.origin_hidden = true;
                }
            }
            InternedIdent::Other => {}
        }
        Ok(None)
    }

    /// Adds a GPU usage row to its series (GPU-hours, cost and list cost spread over the
    /// hours of its charge period) and widens the GPU window.
    fn add_gpu_usage(
        &mut self,
        row: &Row<'_>,
        charge: &Charge<'_>,
        gpu: GpuIdent,
        hours: Option<(f64, bool)>,
        mut pricing: Pricing,
    ) -> Result<GpuUsage, InputError> {
        let (cost, start, end) = (charge.cost, charge.start, charge.end);
        if gpu.spot_hint && pricing == Pricing::OnDemand {
            pricing = Pricing::Spot;
        }
        let w = self.workload_of(row)?;
        let region = self.region(row)?;
        let gh = match hours {
            Some((h, true)) => h,
            Some((h, false)) => h * gpu.gpus,
            None => {
                self.quirks.gpu_no_hours += 1;
                0.0
            }
        };
        if gh < 0.0 {
            self.quirks.negative_gpu_hours += 1;
        }
        // Average GPUs over the hours the row covers (a period under an hour counts as one).
        let gpus = gh.abs() / ((end - start) as f64 / 3600.0).max(1.0);
        if gpus > bounds::MAX_GPUS {
            let col = if row.raw(Col::ConsumedQuantity)?.is_some() {
                Col::ConsumedQuantity
            } else {
                Col::PricingQuantity
            };
            return Err(row.loc.err(
                col,
                format!(
                    "the row's usage is {} GPUs on average over its charge period: expected at most {} (a plausibility bound)",
                    bounds::show(gpus),
                    bounds::show(bounds::MAX_GPUS)
                ),
            ));
        }
        let l = match charge.list {
            Some(l) => l,
            None => {
                self.quirks.no_list_cost += 1;
                cost
            }
        };
        let key = SeriesKey {
            workload: w,
            cloud: charge.cloud.map_or(0, cloud_code),
            region,
            instance_type: gpu.instance_type,
            gpu_model: gpu.gpu_model,
            pricing: pricing as u8,
        };
        let s = self.series.entry(key).or_default();
        if s.origin.is_none() {
            s.origin = Some(origin(row));
        }
        s.billed += charge.billed.unwrap_or(0.0);
        s.effective += charge.effective.unwrap_or(cost);
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
        Ok(GpuUsage {
            cloud: charge.cloud.unwrap_or(Cloud::Aws),
            region,
            instance_type: gpu.instance_type,
            gpu_model: gpu.gpu_model,
            gpu_hours: gh,
        })
    }

    /// Adds a Google Cloud host (core/RAM) row to its host cells, to be joined to the GPU
    /// series of the same workload, region, family and pricing at the end.
    fn add_host_cost(
        &mut self,
        row: &Row<'_>,
        charge: &Charge<'_>,
        family: u32,
        pricing: Pricing,
    ) -> Result<(), InputError> {
        let w = self.workload_of(row)?;
        let region = self.region(row)?;
        let key = HostKey {
            workload: w,
            cloud: charge.cloud.map_or(0, cloud_code),
            region,
            family,
            pricing: pricing as u8,
        };
        let (cost, l) = (charge.cost, charge.list.unwrap_or(charge.cost));
        let c = self.host_cells.entry(key).or_default();
        spread(charge.start, charge.end, |h, wgt| {
            c.add(h, [0.0, cost * wgt, l * wgt])
        });
        Ok(())
    }

    /// The interned region of a row (RegionId, else Region, else `unknown`).
    fn region(&mut self, row: &Row<'_>) -> Result<u32, InputError> {
        let region = row
            .raw(Col::RegionId)?
            .or(row.raw(Col::Region)?)
            .unwrap_or("unknown");
        Ok(self.strings.id(region))
    }

    /// Passes a row with a CommitmentDiscountId or a ContractApplied value to the
    /// commitments it names.
    fn add_commitment_row(
        &mut self,
        row: &Row<'_>,
        charge: &Charge<'_>,
        hours: Option<(f64, bool)>,
        gpu: Option<GpuUsage>,
    ) -> Result<(), InputError> {
        let applied = row.raw(Col::ContractApplied)?;
        if charge.commitment_id.is_none() && applied.is_none() {
            return Ok(());
        }
        let ci = commit::RowInfo {
            cloud: charge.cloud,
            category_usage: charge.category == Category::Usage,
            category_purchase: charge.category == Category::Purchase,
            status: charge.status,
            ctype: row.raw(Col::CommitmentDiscountType)?,
            ccat: row.raw(Col::CommitmentDiscountCategory)?,
            cunit: row.raw(Col::CommitmentDiscountUnit)?,
            cqty: quantity(row, Col::CommitmentDiscountQuantity)?,
            frequency: row.raw(Col::ChargeFrequency)?,
            billed: charge.billed.unwrap_or(0.0),
            effective: charge.effective.unwrap_or(charge.cost),
            list: charge.list.unwrap_or(0.0),
            hours: hours.map(|h| h.0),
            gpu: gpu.map(|g| {
                (
                    g.cloud,
                    self.strings.name(g.region),
                    self.strings.name(g.instance_type),
                    self.strings.name(g.gpu_model),
                    g.gpu_hours,
                )
            }),
            start: charge.start,
            end: charge.end,
            origin: (row.loc.file, row.loc.line),
        };
        if let Some(id) = charge.commitment_id {
            self.commits.add(id, &ci);
        }
        if let Some(a) = applied {
            let entries = commit::parse_contract_applied(a)
                .map_err(|m| row.loc.err(Col::ContractApplied, m))?;
            for e in entries {
                self.commits.add_applied(&e, &ci);
            }
        }
        Ok(())
    }
}

/// The charge period in epoch seconds; an end before the start, or a period longer than
/// the longest history gpuplan reads (`bounds::MAX_CHARGE_PERIOD_HOURS`), is an error.
fn charge_period(row: &Row<'_>) -> Result<(i64, i64), InputError> {
    let start = row.time(Col::ChargePeriodStart)?;
    let end = row.time(Col::ChargePeriodEnd)?;
    if end < start {
        return Err(row
            .loc
            .err(Col::ChargePeriodEnd, "is before ChargePeriodStart"));
    }
    let span_h = (end - start) / 3600;
    if span_h > bounds::MAX_CHARGE_PERIOD_HOURS {
        return Err(row.loc.err(
            Col::ChargePeriodEnd,
            format!(
                "charge period spans {span_h} hours: expected at most {} (5 years; a plausibility bound)",
                bounds::MAX_CHARGE_PERIOD_HOURS
            ),
        ));
    }
    Ok((start, end))
}

/// A cost cell within the plausibility bound of one row (`bounds::MAX_FOCUS_ROW_USD`, either
/// sign: credits are negative).
fn money(row: &Row<'_>, c: Col) -> Result<Option<f64>, InputError> {
    let v = row.num(c)?;
    if let Some(x) = v.filter(|x| x.abs() > bounds::MAX_FOCUS_ROW_USD) {
        return Err(row.loc.err(
            c,
            format!(
                "expected an amount of at most {} USD in one row (a plausibility bound), found {}",
                bounds::show(bounds::MAX_FOCUS_ROW_USD),
                bounds::show(x)
            ),
        ));
    }
    Ok(v)
}

/// A quantity cell within the plausibility bound of one row (`bounds::MAX_FOCUS_QUANTITY`).
fn quantity(row: &Row<'_>, c: Col) -> Result<Option<f64>, InputError> {
    let v = row.num(c)?;
    if let Some(x) = v.filter(|x| x.abs() > bounds::MAX_FOCUS_QUANTITY) {
        return Err(row.loc.err(
            c,
            format!(
                "expected a quantity of at most {} in one row (a million GPUs for five years; a plausibility bound), found {}",
                bounds::show(bounds::MAX_FOCUS_QUANTITY),
                bounds::show(x)
            ),
        ));
    }
    Ok(v)
}

/// Where a row is, for values derived from it.
fn origin(row: &Row<'_>) -> RowOrigin {
    RowOrigin {
        file: row.loc.file.to_path_buf(),
        line: row.loc.line,
    }
}
