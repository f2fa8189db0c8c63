//! The `validate` summary and the `catalog` listing.

use super::table::{render, Align};
use crate::domain::{Cloud, Offering};
use crate::ingest::inputs::Inputs;
use std::fmt::Write;

/// Human summary of loaded inputs: workloads, hours, window, offerings per cloud, GPU-hours.
pub fn validate_summary(inp: &Inputs) -> String {
    let mut s = String::new();
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let sc = &inp.scenario;
    let _ = writeln!(s, "scenario   {} ({})", sc.name, sc.file.display());
    let _ = writeln!(
        s,
        "demand     {}: {} rows, {} workloads, {} hours {} .. {}",
        sc.demand.display(),
        inp.history.rows,
        inp.history.workloads.len(),
        inp.history.window.hours(),
        f(inp.history.window.start),
        f(inp.history.window.end)
    );
    let kept = inp.keep.iter().filter(|&&k| k).count();
    let _ = writeln!(
        s,
        "window     {} .. {}: {} hours, {} masked, {} planned",
        f(inp.window.start),
        f(inp.window.end),
        inp.window.hours(),
        inp.window.hours() - kept,
        kept
    );
    let wd = inp.window_demand();
    let gh: f64 = wd
        .gpus
        .iter()
        .map(|c| {
            c.iter()
                .zip(&inp.keep)
                .filter(|(_, &k)| k)
                .map(|(g, _)| g)
                .sum::<f64>()
        })
        .sum();
    let _ = writeln!(
        s,
        "gpu-hours  {:.1} in the planned hours ({:.1} in the whole history)",
        gh,
        inp.history.total_gpu_hours()
    );
    let per_cloud: Vec<String> = Cloud::ALL
        .iter()
        .map(|c| {
            format!(
                "{c} {}",
                inp.catalog
                    .offerings
                    .iter()
                    .filter(|o| o.cloud == *c)
                    .count()
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "catalog    {} GPU models, {} offerings ({}), {} commitment offers",
        inp.catalog.gpus.len(),
        inp.catalog.offerings.len(),
        per_cloud.join(", "),
        inp.catalog.offers.len()
    );
    let _ = writeln!(s, "owned      {} commitments", inp.owned.len());
    let _ = writeln!(s, "inputs     {}", inp.input_hash);
    s.push('\n');
    s.push_str(&workloads_table(inp, &wd));
    if !inp.warnings.is_empty() {
        s.push('\n');
        for w in &inp.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
    }
    s
}

/// One row per workload: class, GPU, mean and peak GPUs over the planned hours, spot cap,
/// compatible offerings.
fn workloads_table(inp: &Inputs, wd: &crate::domain::DemandHistory) -> String {
    let sc = &inp.scenario;
    let rows: Vec<Vec<String>> = inp
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let c = &wd.gpus[i];
            let planned: Vec<f64> = c
                .iter()
                .zip(&inp.keep)
                .filter(|(_, &k)| k)
                .map(|(g, _)| *g)
                .collect();
            let mean = planned.iter().sum::<f64>() / planned.len().max(1) as f64;
            let peak = planned.iter().copied().fold(0.0, f64::max);
            let compat = inp
                .catalog
                .offerings
                .iter()
                .filter(|o| crate::ingest::inputs::compatible(w, o, &inp.catalog, sc))
                .count();
            vec![
                w.name.clone(),
                format!(
                    "{}{}",
                    w.class,
                    if w.class_inferred { " (inferred)" } else { "" }
                ),
                w.current_gpu.clone(),
                format!("{mean:.1}"),
                format!("{peak:.1}"),
                if w.interruptible {
                    format!("{:.0}%", w.max_spot_share * 100.0)
                } else {
                    "-".into()
                },
                compat.to_string(),
            ]
        })
        .collect();
    render(
        &[
            ("workload", Align::Left),
            ("class", Align::Left),
            ("gpu", Align::Left),
            ("mean gpus", Align::Right),
            ("peak gpus", Align::Right),
            ("spot max", Align::Right),
            ("compatible offerings", Align::Right),
        ],
        &rows,
    )
}

/// Offerings listing with USD per GPU-hour, sorted by cloud, GPU, price.
pub fn catalog_table(offerings: &[&Offering]) -> String {
    let mut v: Vec<&Offering> = offerings.to_vec();
    v.sort_by(|a, b| {
        (a.cloud, &a.gpu_model, &a.region)
            .cmp(&(b.cloud, &b.gpu_model, &b.region))
            .then(a.on_demand_per_gpu().total_cmp(&b.on_demand_per_gpu()))
            .then(a.instance_type.cmp(&b.instance_type))
    });
    let rows: Vec<Vec<String>> = v
        .iter()
        .map(|o| {
            vec![
                o.cloud.to_string(),
                o.region.clone(),
                o.instance_type.clone(),
                o.gpu_model.clone(),
                o.gpus.to_string(),
                format!("{:.4}", o.on_demand_hourly),
                format!("{:.4}", o.on_demand_per_gpu()),
                o.spot_hourly
                    .map(|s| format!("{:.4}", s / f64::from(o.gpus)))
                    .unwrap_or_else(|| "-".into()),
                format!("{:.0}%", o.spot_interruption_pct),
                o.price_date.to_string(),
            ]
        })
        .collect();
    let mut s = render(
        &[
            ("cloud", Align::Left),
            ("region", Align::Left),
            ("instance_type", Align::Left),
            ("gpu", Align::Left),
            ("gpus", Align::Right),
            ("usd/h", Align::Right),
            ("usd/gpu-h", Align::Right),
            ("spot usd/gpu-h", Align::Right),
            ("spot int.", Align::Right),
            ("price_date", Align::Left),
        ],
        &rows,
    );
    let _ = writeln!(
        s,
        "{} offerings; prices in USD per instance-hour and per GPU-hour (list prices, see price_date and the source column of offerings.csv).",
        v.len()
    );
    s
}
