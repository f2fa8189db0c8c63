//! The `forecast` command's writers: holdout accuracy as a table or JSON.

use crate::forecast::Accuracy as HoldoutAccuracy;
use std::fmt::Write as _;

/// Holdout accuracy as aligned text.
pub fn forecast_table(acc: &HoldoutAccuracy, holdout_hours: i64) -> String {
    let mut s = format!(
        "holdout: last {holdout_hours} h of the history ({} h scored, blocks of {} h)\n\
         fleet GPU-hours MAPE   gpuplan {:.1}%   seasonal-naive {:.1}%\n\
         P10-P90 coverage       per workload-hour {:.1}%   fleet-hour {:.1}%   (nominal 80%)\n\n",
        acc.scored_hours,
        acc.block_hours,
        acc.weekly_mape * 100.0,
        acc.naive_weekly_mape * 100.0,
        acc.band_coverage * 100.0,
        acc.fleet_band_coverage * 100.0
    );
    for (w, a, b) in &acc.per_workload {
        let _ = writeln!(
            s,
            "  {w:<24} MAPE {:>7.1}%   naive {:>7.1}%",
            a * 100.0,
            b * 100.0
        );
    }
    s
}

/// Holdout accuracy as JSON.
pub fn forecast_json(acc: &HoldoutAccuracy, holdout_hours: i64) -> String {
    let v = serde_json::json!({
        "holdout_hours": holdout_hours,
        "weekly_mape": acc.weekly_mape,
        "naive_weekly_mape": acc.naive_weekly_mape,
        "band_coverage": acc.band_coverage,
        "fleet_band_coverage": acc.fleet_band_coverage,
        "block_hours": acc.block_hours,
        "scored_hours": acc.scored_hours,
        "per_workload": acc.per_workload.iter().map(|(w, a, b)| serde_json::json!({"workload": w, "mape": a, "naive_mape": b})).collect::<Vec<_>>(),
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}
