//! The simulation's table, JSON and per-period CSV (money rounded to cents, USD).

use super::format::cents;
use super::table::{render, Align};
use crate::analysis::simulate::{PolicyRun, Simulation};
use crate::domain::Usd;
use std::fmt::Write;

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The summary per policy, then each policy's periods.
pub fn simulate_table(sim: &Simulation) -> String {
    let rows: Vec<Vec<String>> = sim
        .runs
        .iter()
        .map(|r| {
            vec![
                r.policy.as_str().to_string(),
                Usd(r.total()).to_string(),
                Usd(r.sum(|x| x.compute)).to_string(),
                Usd(r.sum(|x| x.commitment)).to_string(),
                Usd(r.stranded_total()).to_string(),
                format!("{}", r.rows.iter().map(|x| x.tier_changes).sum::<usize>()),
                Usd(r.still_owed).to_string(),
                Usd(r.owed_used).to_string(),
                Usd(r.total_with_all_owed()).to_string(),
            ]
        })
        .collect();
    let first = sim.decisions.first().copied().map(day).unwrap_or_default();
    let last = sim
        .runs
        .first()
        .and_then(|r| r.rows.last())
        .map(|x| day(x.end))
        .unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "simulate: {} decisions every {} months from {first} to {last}, lookback {} h; each period priced on actual demand",
        sim.decisions.len(),
        sim.every_months,
        sim.lookback_hours
    );
    s.push_str(&render(
        &[
            ("policy", Align::Left),
            ("total", Align::Right),
            ("compute", Align::Right),
            ("commitment", Align::Right),
            ("stranded", Align::Right),
            ("tier changes", Align::Right),
            ("still owed", Align::Right),
            ("of it used", Align::Right),
            ("total, all owed", Align::Right),
        ],
        &rows,
    ));
    let _ = writeln!(
        s,
        "total = paid over the periods (compute, commitments, hidden costs, migrations) + still owed − the part of it the last period's usage would use; stranded = paid, unused commitment + that unused remainder"
    );
    for r in &sim.runs {
        s.push('\n');
        s.push_str(&periods_table(r));
    }
    s
}

/// One policy's periods.
fn periods_table(r: &PolicyRun) -> String {
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                day(x.start),
                Usd(x.compute).to_string(),
                Usd(x.commitment).to_string(),
                Usd(x.stranded).to_string(),
                Usd(x.migration).to_string(),
                Usd(x.total()).to_string(),
                format!("{}/h", Usd(x.bought_hourly)),
                x.status.clone(),
            ]
        })
        .collect();
    render(
        &[
            (r.policy.as_str(), Align::Left),
            ("compute", Align::Right),
            ("commitment", Align::Right),
            ("stranded", Align::Right),
            ("migration", Align::Right),
            ("total", Align::Right),
            ("bought", Align::Right),
            ("status", Align::Left),
        ],
        &rows,
    )
}

/// The simulation as JSON.
pub fn simulate_json(sim: &Simulation) -> String {
    let v = serde_json::json!({
        "currency": "USD",
        "every_months": sim.every_months,
        "lookback_hours": sim.lookback_hours,
        "decisions": sim.decisions.iter().map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()).collect::<Vec<_>>(),
        "policies": sim.runs.iter().map(|r| serde_json::json!({
            "policy": r.policy.as_str(),
            "total": cents(r.total()),
            "total_with_all_owed": cents(r.total_with_all_owed()),
            "compute": cents(r.sum(|x| x.compute)),
            "commitment": cents(r.sum(|x| x.commitment)),
            "hidden": cents(r.sum(|x| x.hidden)),
            "migration": cents(r.sum(|x| x.migration)),
            "stranded": cents(r.stranded_total()),
            "stranded_in_periods": cents(r.sum(|x| x.stranded)),
            "still_owed": cents(r.still_owed),
            "still_owed_used_at_last_period_usage": cents(r.owed_used),
            "tier_changes": r.rows.iter().map(|x| x.tier_changes).sum::<usize>(),
            "periods": r.rows.iter().map(|x| serde_json::json!({
                "start": x.start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "end": x.end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "compute": cents(x.compute),
                "commitment": cents(x.commitment),
                "stranded": cents(x.stranded),
                "hidden": cents(x.hidden),
                "migration": cents(x.migration),
                "tier_changes": x.tier_changes,
                "bought_hourly": cents(x.bought_hourly),
                "total": cents(x.total()),
                "status": x.status,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// One CSV row per policy and period.
pub fn simulate_csv(sim: &Simulation) -> String {
    let mut s = String::from(
        "policy,start,end,compute,commitment,stranded,hidden,migration,tier_changes,bought_hourly,total,status\n",
    );
    for r in &sim.runs {
        for x in &r.rows {
            let _ = writeln!(
                s,
                "{},{},{},{:.2},{:.2},{:.2},{:.2},{:.2},{},{:.2},{:.2},{}",
                r.policy.as_str(),
                x.start.format("%Y-%m-%dT%H:%M:%SZ"),
                x.end.format("%Y-%m-%dT%H:%M:%SZ"),
                cents(x.compute),
                cents(x.commitment),
                cents(x.stranded),
                cents(x.hidden),
                cents(x.migration),
                x.tier_changes,
                cents(x.bought_hourly),
                cents(x.total()),
                x.status
            );
        }
    }
    s
}
