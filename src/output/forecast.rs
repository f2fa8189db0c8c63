//! The `forecast` command's writers: rolling-origin accuracy as a table or JSON, and the
//! forecasts of every held-out hour as CSV.
//!
//! JSON never holds `null`: a figure that is undefined (a WAPE when the actual GPU-hours are
//! 0, a coverage without a scored hour) is left out, and per workload `wape_defined` says
//! whether `wape` and `naive_wape` are present (`schemas/forecast.schema.json`).

use super::format::put_ratio6;
use crate::forecast::{Accuracy, BandCounts, CoverageSlice, OriginForecast};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// Nominal coverage of the P10–P90 band.
const NOMINAL_COVERAGE: f64 = 0.8;

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn signed_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{:+.1}%", v * 100.0))
}

/// Rolling-origin accuracy as aligned text.
pub fn forecast_table(acc: &Accuracy) -> String {
    let n = acc.per_origin.len();
    let mut s = format!(
        "holdout {} h after each of {n} origin(s) {} h apart; {} h scored; GPU-hours per {}-h block\n\n",
        acc.holdout_hours, acc.step_hours, acc.scored_hours, acc.block_hours
    );
    let _ = writeln!(s, "{:<32} {:>9} {:>15}", "", "gpuplan", "seasonal-naive");
    let rows = [
        (
            "per-workload weekly WAPE",
            pct(acc.workload_wape),
            pct(acc.naive_workload_wape),
        ),
        (
            "fleet weekly error (signed)",
            signed_pct(acc.fleet_error),
            signed_pct(acc.naive_fleet_error),
        ),
        (
            "fleet weekly error (absolute)",
            pct(acc.fleet_abs_error),
            pct(acc.naive_fleet_abs_error),
        ),
        (
            "fleet hourly WAPE",
            pct(acc.fleet_hourly_wape),
            pct(acc.naive_fleet_hourly_wape),
        ),
    ];
    for (label, a, b) in rows {
        let _ = writeln!(s, "{label:<32} {a:>9} {b:>15}");
    }
    let _ = writeln!(
        s,
        "gpuplan's per-workload WAPE is lower at {} of {n} origin(s)\n\
         P10-P90 coverage: workload-hours {}, fleet-hours {} (nominal {:.0}%)\n",
        acc.origins_won,
        pct(acc.coverage),
        pct(acc.fleet_coverage),
        NOMINAL_COVERAGE * 100.0
    );
    coverage_table(&mut s, acc);
    let _ = writeln!(
        s,
        "  {:<24} {:<15} {:>14} {:>9} {:>11}",
        "workload", "model", "actual GPU-h", "WAPE", "naive WAPE"
    );
    for w in &acc.per_workload {
        let _ = writeln!(
            s,
            "  {:<24} {:<15} {:>14.1} {:>9} {:>11}",
            w.workload,
            w.model,
            w.actual_gpu_hours,
            pct(w.wape()),
            pct(w.naive_wape())
        );
    }
    s
}

/// Hours of the day (UTC) per row of the table's coverage by hour of the day.
const HOURS_PER_ROW: usize = 6;

/// One row of the coverage tables: coverage, then the shares below P10 and above P90.
fn band_cell(b: &BandCounts) -> String {
    format!(
        "{} ({} / {})",
        pct(b.coverage()),
        pct(b.below_share()),
        pct(b.above_share())
    )
}

/// The P10–P90 coverage per forecast day and per block of hours of the day, with the
/// shares of values under and over the band.
fn coverage_table(s: &mut String, acc: &Accuracy) {
    let _ = writeln!(
        s,
        "  {:<16} {:>30} {:>30}",
        "P10-P90 coverage", "workload-hours (<P10 / >P90)", "fleet-hours (<P10 / >P90)"
    );
    let mut row = |label: String, c: &CoverageSlice| {
        let (w, f) = (band_cell(&c.workload), band_cell(&c.fleet));
        let _ = writeln!(s, "  {label:<16} {w:>30} {f:>30}");
    };
    for (d, c) in acc.by_forecast_day.iter().enumerate() {
        row(format!("forecast day {}", d + 1), c);
    }
    for (k, chunk) in acc.by_hour_of_day.chunks(HOURS_PER_ROW).enumerate() {
        let mut c = CoverageSlice::default();
        chunk.iter().for_each(|x| c.absorb(*x));
        let first = k * HOURS_PER_ROW;
        row(
            format!("{first:02}-{:02} h UTC", first + chunk.len() - 1),
            &c,
        );
    }
    s.push('\n');
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let r = (x * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// A `{gpuplan, seasonal_naive}` pair with the undefined side left out.
fn pair(a: Option<f64>, b: Option<f64>) -> Value {
    let mut m = Map::new();
    put_ratio6(&mut m, "gpuplan", a);
    put_ratio6(&mut m, "seasonal_naive", b);
    Value::Object(m)
}

/// Coverage slices as JSON objects, each numbered under `key` from `first`: coverage and
/// the shares under P10 and over P90, of workload-hours and fleet hours (undefined shares
/// left out).
fn coverage_slices(slices: &[CoverageSlice], key: &str, first: usize) -> Value {
    let obj = |i: usize, c: &CoverageSlice| {
        let mut m = Map::new();
        m.insert(key.into(), json!(first + i));
        for (kind, b) in [("workload", &c.workload), ("fleet", &c.fleet)] {
            put_ratio6(&mut m, &format!("{kind}_hours"), b.coverage());
            put_ratio6(&mut m, &format!("{kind}_below_p10"), b.below_share());
            put_ratio6(&mut m, &format!("{kind}_above_p90"), b.above_share());
        }
        Value::Object(m)
    };
    Value::Array(slices.iter().enumerate().map(|(i, c)| obj(i, c)).collect())
}

/// Rolling-origin accuracy as JSON (`schemas/forecast.schema.json`).
pub fn forecast_json(acc: &Accuracy) -> String {
    let mut coverage = Map::new();
    put_ratio6(&mut coverage, "workload_hours", acc.coverage);
    put_ratio6(&mut coverage, "fleet_hours", acc.fleet_coverage);
    coverage.insert("nominal".into(), json!(NOMINAL_COVERAGE));
    coverage.insert(
        "by_forecast_day".into(),
        coverage_slices(&acc.by_forecast_day, "day", 1),
    );
    coverage.insert(
        "by_hour_of_day_utc".into(),
        coverage_slices(&acc.by_hour_of_day, "hour", 0),
    );
    let per_workload: Vec<Value> = acc
        .per_workload
        .iter()
        .map(|w| {
            let mut m = Map::new();
            m.insert("workload".into(), json!(w.workload));
            m.insert("model".into(), json!(w.model));
            m.insert(
                "actual_gpu_hours".into(),
                json!(round(w.actual_gpu_hours, 3)),
            );
            m.insert("wape_defined".into(), json!(w.wape().is_some()));
            put_ratio6(&mut m, "wape", w.wape());
            put_ratio6(&mut m, "naive_wape", w.naive_wape());
            Value::Object(m)
        })
        .collect();
    let per_origin: Vec<Value> = acc
        .per_origin
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert(
                "origin".into(),
                json!(o.origin.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            );
            put_ratio6(&mut m, "wape", o.wape);
            put_ratio6(&mut m, "naive_wape", o.naive_wape);
            put_ratio6(&mut m, "fleet_error", o.fleet_error);
            put_ratio6(&mut m, "naive_fleet_error", o.naive_fleet_error);
            put_ratio6(&mut m, "coverage", o.coverage);
            put_ratio6(&mut m, "fleet_coverage", o.fleet_coverage);
            Value::Object(m)
        })
        .collect();
    let v = json!({
        "holdout_hours": acc.holdout_hours,
        "origins": acc.per_origin.len(),
        "step_hours": acc.step_hours,
        "block_hours": acc.block_hours,
        "scored_hours": acc.scored_hours,
        "workload_weekly_wape": pair(acc.workload_wape, acc.naive_workload_wape),
        "fleet_weekly_error": pair(acc.fleet_error, acc.naive_fleet_error),
        "fleet_weekly_abs_error": pair(acc.fleet_abs_error, acc.naive_fleet_abs_error),
        "fleet_hourly_wape": pair(acc.fleet_hourly_wape, acc.naive_fleet_hourly_wape),
        "coverage": coverage,
        "origins_won": acc.origins_won,
        "per_workload": per_workload,
        "per_origin": per_origin,
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// Every held-out hour of every origin as CSV: `timestamp,workload,mean,p10,p50,p90` (GPUs,
/// 4 decimals), one row per workload and one with workload `*` for the fleet total (its own
/// quantiles); with `with_origin`, an `origin` column first.
pub fn forecast_csv(forecasts: &[OriginForecast], with_origin: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["timestamp", "workload", "mean", "p10", "p50", "p90"];
    if with_origin {
        header.insert(0, "origin");
    }
    let _ = w.write_record(&header);
    let ts = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let num = |x: f64| format!("{:.4}", round(x.max(0.0), 4));
    for of in forecasts {
        let f = &of.forecast;
        let origin = ts(f.start);
        for h in 0..f.hours {
            let time = ts(f.start + chrono::Duration::hours(h as i64));
            let mut row = |name: &str, vals: [f64; 4]| {
                let mut r: Vec<String> = Vec::with_capacity(7);
                if with_origin {
                    r.push(origin.clone());
                }
                r.push(time.clone());
                r.push(name.to_string());
                r.extend(vals.iter().map(|&x| num(x)));
                let _ = w.write_record(&r);
            };
            for (k, name) in f.workloads.iter().enumerate() {
                row(name, [f.mean[k][h], f.p10[k][h], f.p50[k][h], f.p90[k][h]]);
            }
            let fleet_mean: f64 = f.mean.iter().map(|m| m[h]).sum();
            row(
                "*",
                [fleet_mean, f.fleet_p10[h], f.fleet_p50[h], f.fleet_p90[h]],
            );
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
