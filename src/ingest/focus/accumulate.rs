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
    WorkloadBy,
};
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

    pub(super) fn row(&mut self, row: &Row<'_>) -> Result<bool, InputError> {
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
}
