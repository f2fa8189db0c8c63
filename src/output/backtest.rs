//! The backtest table and JSON.

use super::format::{cents as c, put_ratio6};
use super::table::{render, Align};
use crate::analysis::backtest::Backtest;
use crate::domain::Usd;
use serde_json::{json, Value};
use std::fmt::Write;

use super::format::pct1_or_dash as pct;

/// The backtest as text: one row per origin and a total row.
pub fn backtest_table(b: &Backtest) -> String {
    let mut rows: Vec<Vec<String>> = b
        .rows
        .iter()
        .map(|r| {
            vec![
                r.origin.format("%Y-%m-%dT%H:%MZ").to_string(),
                Usd(r.all_on_demand).to_string(),
                Usd(r.recommender).to_string(),
                Usd(r.gpuplan).to_string(),
                Usd(r.hindsight).to_string(),
                pct(r.captured(r.recommender)),
                pct(r.captured(r.gpuplan)),
            ]
        })
        .collect();
    let (od, rec, gp, hs) = b.totals();
    let (crec, cgp) = b.captured();
    rows.push(vec![
        "total".into(),
        Usd(od).to_string(),
        Usd(rec).to_string(),
        Usd(gp).to_string(),
        Usd(hs).to_string(),
        pct(crec),
        pct(cgp),
    ]);
    let mut s = render(
        &[
            ("window start", Align::Left),
            ("all on-demand", Align::Right),
            ("recommender", Align::Right),
            ("gpuplan", Align::Right),
            ("hindsight", Align::Right),
            ("captured (rec.)", Align::Right),
            ("captured (gpuplan)", Align::Right),
        ],
        &rows,
    );
    let _ = writeln!(
        s,
        "realized cost on each window's actual demand; captured = (on-demand − cost) / (on-demand − hindsight)"
    );
    s
}

/// The backtest as JSON (money rounded to cents).
pub fn backtest_json(b: &Backtest) -> String {
    let (od, rec, gp, hs) = b.totals();
    let (crec, cgp) = b.captured();
    // The captured shares are undefined when hindsight saves nothing: left out, not null.
    let with_captured = |mut v: Value, recommender: Option<f64>, gpuplan: Option<f64>| {
        if let Value::Object(m) = &mut v {
            put_ratio6(m, "captured_recommender", recommender);
            put_ratio6(m, "captured_gpuplan", gpuplan);
        }
        v
    };
    let rows: Vec<Value> = b
        .rows
        .iter()
        .map(|r| {
            let row = json!({
                "origin": r.origin.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "all_on_demand": c(r.all_on_demand),
                "recommender": c(r.recommender),
                "gpuplan": c(r.gpuplan),
                "hindsight": c(r.hindsight),
                "gpuplan_status": r.gpuplan_status.as_str(),
                "hindsight_status": r.hindsight_status.as_str(),
            });
            with_captured(row, r.captured(r.recommender), r.captured(r.gpuplan))
        })
        .collect();
    let total = json!({
        "all_on_demand": c(od), "recommender": c(rec), "gpuplan": c(gp), "hindsight": c(hs),
    });
    let v = json!({
        "currency": "USD",
        "rows": rows,
        "total": with_captured(total, crec, cgp),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::backtest::BacktestRow;
    use crate::solve::SolveStatus;

    #[test]
    fn an_undefined_captured_share_is_left_out_not_null() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z")
            .expect("date")
            .to_utc();
        let row = |od: f64, rec: f64, gp: f64, hs: f64| BacktestRow {
            origin: t,
            all_on_demand: od,
            recommender: rec,
            gpuplan: gp,
            hindsight: hs,
            gpuplan_status: SolveStatus::Optimal,
            hindsight_status: SolveStatus::Optimal,
        };
        // Hindsight saves nothing at the first origin (no room to capture); at the second it
        // saves 40, of which the recommender captures 10/40 and gpuplan 30/40.
        let b = Backtest {
            rows: vec![
                row(100.0, 100.0, 100.0, 100.0),
                row(100.0, 90.0, 70.0, 60.0),
            ],
        };
        let v: Value = serde_json::from_str(&backtest_json(&b)).expect("JSON");
        let first = v["rows"][0].as_object().expect("row");
        assert!(
            !first.contains_key("captured_recommender") && !first.contains_key("captured_gpuplan")
        );
        assert_eq!(v["rows"][1]["captured_recommender"], 0.25);
        assert_eq!(v["rows"][1]["captured_gpuplan"], 0.75);
        // Totals: room 40 over both origins, the same shares.
        assert_eq!(v["total"]["captured_gpuplan"], 0.75);
        assert!(!backtest_json(&b).contains("null"));
    }
}
