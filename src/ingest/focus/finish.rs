//! From the accumulated rows to a [`FocusIngest`]: the GPU window, the series aligned to
//! it and sorted, Google Cloud host cost joined to its GPU series, workload costs, unknown
//! GPUs, and one warning per quirk met.

use super::accumulate::{
    cloud_of_code, FocusAccumulator, HostKey, SeriesKey, SeriesTotals, WorkloadTotals,
};
use super::hours::Cells;
use super::{
    ContractTerms, CostBasis, FileSummary, FocusIngest, GpuSeries, Pricing, UnknownGpu,
    WorkloadCosts,
};
use crate::domain::time::HourWindow;
use crate::error::InputError;
use chrono::DateTime;

impl FocusAccumulator<'_> {
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
