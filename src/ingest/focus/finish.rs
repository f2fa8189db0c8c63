//! From the accumulated rows to a [`FocusIngest`]: the GPU window, the series aligned to
//! it and sorted, Google Cloud host cost joined to its GPU series, workload costs, unknown
//! GPUs, and one warning per quirk met.

use super::accumulate::{
    cloud_of_code, FocusAccumulator, HostKey, Quirks, SeriesKey, SeriesTotals, WorkloadTotals,
};
use super::hours::Cells;
use super::intern::{FxMap, Interner};
use super::{
    ContractTerms, CostBasis, FileSummary, FocusIngest, FocusTotals, GpuSeries, Pricing,
    UnknownGpu, WorkloadCosts,
};
use crate::domain::time::HourWindow;
use crate::domain::Catalog;
use crate::error::InputError;
use chrono::DateTime;
use std::collections::{HashMap, HashSet};

impl FocusAccumulator<'_> {
    /// The ingest: GPU series aligned to the GPU window and sorted, host cost joined,
    /// workloads, unknown GPUs, commitments with their catalog mapping, and warnings.
    pub(super) fn finish(
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
        let window = gpu_window(min_hour, max_hour, &files)?;
        let out = Assembler {
            strings: &strings,
            workloads: &workloads,
            catalog,
            first_hour: min_hour,
            hours: window.map_or(0, |w| w.hours()),
        };
        let (mut series, keys) = out.sorted_series(series);
        out.join_host_cost(
            host_cells,
            &keys,
            &mut series,
            &mut totals,
            &mut workload_totals,
        );
        let workloads = out.workload_costs(&workload_totals);
        totals.hidden_cost = hidden_cost(&workloads, &series);
        let unknown_gpus = out.unknown_gpus(unknown);
        for u in &unknown_gpus {
            warnings.push(format!(
                "{} {}: {} GPU-looking usage rows (${:.2}) skipped: the instance type is not in the catalog and its family matches no catalog GPU (add it with --catalog)",
                u.cloud, u.instance_type, u.rows, u.cost
            ));
        }
        quirk_warnings(&quirks, opts.cost_basis, &mut warnings);
        let commitments = commits.finish(catalog, contracts, &mut warnings);
        Ok(FocusIngest {
            files,
            window,
            series,
            workloads,
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

/// The hours spanned by GPU usage (`None` without any); more than the demand history
/// allows (5 years) is an error naming the first file.
fn gpu_window(
    min_hour: i64,
    max_hour: i64,
    files: &[FileSummary],
) -> Result<Option<HourWindow>, InputError> {
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
    Ok(window)
}

/// What the steps of [`FocusAccumulator::finish`] share: the interned names, the catalog
/// and the GPU window as hours since the epoch.
struct Assembler<'a> {
    strings: &'a Interner,
    workloads: &'a Interner,
    catalog: &'a Catalog,
    /// First hour of the GPU window, since the epoch.
    first_hour: i64,
    /// Hours in the GPU window.
    hours: usize,
}

impl Assembler<'_> {
    /// One component of hourly cells (0 GPU-hours, 1 cost, 2 list cost) on the GPU window;
    /// hours outside it are dropped.
    fn align(&self, c: &Cells, k: usize) -> Vec<f64> {
        let n = self.hours;
        let mut v = vec![0.0; n];
        for (i, x) in c.hours.iter().enumerate() {
            let h = c.first_hour + i as i64 - self.first_hour;
            if h >= 0 && (h as usize) < n {
                v[h as usize] += x[k];
            }
        }
        v
    }

    /// The GPU series aligned to the window, sorted by workload, cloud, region, instance
    /// type and pricing, with their keys in the same order.
    fn sorted_series(
        &self,
        series: FxMap<SeriesKey, SeriesTotals>,
    ) -> (Vec<GpuSeries>, Vec<SeriesKey>) {
        let (strings, workloads) = (self.strings, self.workloads);
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
        let mut out: Vec<GpuSeries> = Vec::with_capacity(keys.len());
        let mut skeys = Vec::with_capacity(keys.len());
        for (k, s) in &keys {
            out.push(GpuSeries {
                workload: workloads.name(k.workload).to_string(),
                cloud: cloud_of_code(k.cloud),
                region: strings.name(k.region).to_string(),
                instance_type: strings.name(k.instance_type).to_string(),
                gpu_model: strings.name(k.gpu_model).to_string(),
                pricing: Pricing::from_u8(k.pricing),
                gpu_hours: self.align(&s.cells, 0),
                cost: self.align(&s.cells, 1),
                list_cost: self.align(&s.cells, 2),
                billed_total: s.billed,
                effective_total: s.effective,
                origin: s.origin.clone(),
            });
            skeys.push(*k);
        }
        (out, skeys)
    }

    /// Joins Google Cloud host (core/RAM) cost to the GPU series of the same workload,
    /// cloud, region, family and pricing, hour by hour in proportion to GPU-hours; what finds
    /// no GPU-hours goes to the workload's unmatched host cost.
    fn join_host_cost(
        &self,
        host_cells: FxMap<HostKey, Cells>,
        keys: &[SeriesKey],
        out: &mut [GpuSeries],
        totals: &mut FocusTotals,
        workload_totals: &mut [WorkloadTotals],
    ) {
        let mut hosts: Vec<(HostKey, Cells)> = host_cells.into_iter().collect();
        hosts.sort_by_key(|(k, _)| (k.workload, k.region, k.family, k.pricing));
        for (hk, cells) in hosts {
            let targets = self.host_targets(&hk, keys);
            let unmatched = self.share_host_cost(&cells, &targets, out, &mut totals.gpu_cost);
            if unmatched.abs() > 1e-9 {
                workload_totals[hk.workload as usize].unmatched_host += unmatched;
            }
        }
    }

    /// Indexes of the GPU series a host cost joins: same workload, cloud, region and
    /// pricing, on a catalog offering of the host's family and the series' GPU model.
    fn host_targets(&self, hk: &HostKey, keys: &[SeriesKey]) -> Vec<usize> {
        let fam = self.strings.name(hk.family).to_string();
        let cloud = cloud_of_code(hk.cloud);
        keys.iter()
            .enumerate()
            .filter(|(_, k)| {
                k.workload == hk.workload
                    && k.cloud == hk.cloud
                    && k.region == hk.region
                    && k.pricing == hk.pricing
                    && self
                        .catalog
                        .offerings
                        .iter()
                        .filter(|o| o.cloud == cloud)
                        .any(|o| o.family() == fam && o.gpu_model == self.strings.name(k.gpu_model))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Shares one host's cost and list cost among `targets` hour by hour in proportion to
    /// their GPU-hours, adding what is shared to `gpu_cost`; returns the cost left unmatched
    /// (hours without target GPU-hours, and hours outside the GPU window).
    fn share_host_cost(
        &self,
        cells: &Cells,
        targets: &[usize],
        out: &mut [GpuSeries],
        gpu_cost: &mut f64,
    ) -> f64 {
        let hc = self.align(cells, 1);
        let hl = self.align(cells, 2);
        let mut unmatched = 0.0;
        for h in 0..self.hours {
            if hc[h] == 0.0 && hl[h] == 0.0 {
                continue;
            }
            let tot: f64 = targets.iter().map(|&t| out[t].gpu_hours[h]).sum();
            if tot > 0.0 {
                for &t in targets {
                    let share = out[t].gpu_hours[h] / tot;
                    out[t].cost[h] += hc[h] * share;
                    out[t].list_cost[h] += hl[h] * share;
                }
                *gpu_cost += hc[h];
            } else {
                unmatched += hc[h];
            }
        }
        // Cost outside the GPU window is unmatched too.
        let inside: f64 = hc.iter().sum();
        let all: f64 = cells.hours.iter().map(|x| x[1]).sum();
        unmatched += all - inside;
        unmatched
    }

    /// Every workload seen, with its attributes and non-GPU costs, sorted by name.
    fn workload_costs(&self, workload_totals: &[WorkloadTotals]) -> Vec<WorkloadCosts> {
        let strings = self.strings;
        let mut wl: Vec<WorkloadCosts> = workload_totals
            .iter()
            .enumerate()
            .map(|(i, a)| WorkloadCosts {
                name: self.workloads.name(i as u32).to_string(),
                team: a.team.map(|t| strings.name(t).to_string()),
                project: a.project.map(|t| strings.name(t).to_string()),
                storage: a.hidden[0],
                network: a.hidden[1],
                processing: a.hidden[2],
                credits: a.credits,
                unmatched_host: a.unmatched_host,
                origin: a.origin.clone(),
            })
            .collect();
        wl.sort_by(|a, b| a.name.cmp(&b.name));
        wl
    }

    /// The GPU-looking instance types not in the catalog, sorted by cloud and name.
    fn unknown_gpus(&self, unknown: HashMap<(u8, u32), (u64, f64)>) -> Vec<UnknownGpu> {
        let mut unknown_gpus: Vec<UnknownGpu> = unknown
            .into_iter()
            .map(|((c, it), (rows, cost))| UnknownGpu {
                cloud: cloud_of_code(c),
                instance_type: self.strings.name(it).to_string(),
                rows,
                cost,
            })
            .collect();
        unknown_gpus.sort_by(|a, b| (a.cloud, &a.instance_type).cmp(&(b.cloud, &b.instance_type)));
        unknown_gpus
    }
}

/// Storage, network and processing cost of the workloads with GPU usage.
fn hidden_cost(workloads: &[WorkloadCosts], series: &[GpuSeries]) -> f64 {
    let gpu_w: HashSet<&str> = series.iter().map(|s| s.workload.as_str()).collect();
    workloads
        .iter()
        .filter(|w| gpu_w.contains(w.name.as_str()))
        .map(|w| w.storage + w.network + w.processing)
        .sum()
}

/// One warning per export quirk met.
fn quirk_warnings(q: &Quirks, cost_basis: CostBasis, warnings: &mut Vec<String>) {
    if q.azure_standard_committed > 0 {
        warnings.push(format!("{} usage rows carry a commitment discount but PricingCategory Standard (Azure FOCUS 1.0 exports, finops-toolkit #836): counted as committed", q.azure_standard_committed));
    }
    if q.rounded_effective > 0 {
        warnings.push(format!("{} usage rows have an EffectiveCost rounded to a whole number that disagrees with BilledCost (as in the public FOCUS 1.0 sample): BilledCost used for them", q.rounded_effective));
    }
    if q.effective_missing > 0 && cost_basis == CostBasis::Amortized {
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
        warnings.push(format!(
            "{} GPU usage rows have negative quantities (corrections): subtracted from their hours",
            q.negative_gpu_hours
        ));
    }
    if q.unknown_category > 0 {
        warnings.push(format!(
            "{} rows have an unknown ChargeCategory: treated as adjustments",
            q.unknown_category
        ));
    }
}
