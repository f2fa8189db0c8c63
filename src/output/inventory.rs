//! Writers of the fleet inventory: aligned text tables and JSON (`gpuplan.inventory/1`).

use super::table::{render, Align};
use crate::analysis::inventory::Inventory;

/// Version tag of the inventory JSON.
pub const INVENTORY_SCHEMA: &str = "gpuplan.inventory/1";

use super::format::{cents, pct0 as pct, ratio6};

fn usd(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Keys whose numbers are money (USD) wherever they appear in the inventory JSON.
const MONEY_KEYS: [&str; 6] = [
    "cost",
    "hidden_cost",
    "unused_cost",
    "excess_usd",
    "on_demand_equivalent",
    "actual_cost",
];
/// Keys that are money too in an anomaly of metric `cost` (USD per hour, USD).
const COST_ANOMALY_KEYS: [&str; 4] = ["peak_value", "expected", "peak_excess", "excess"];

/// Rounds every fractional number of a JSON value in place: money (`money`, or under a
/// money key) to cents, anything else (GPU-hours, shares, rates per unit) to 6 decimals.
fn round_numbers(v: &mut serde_json::Value, money: bool) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(0.0);
            *v = Value::from(if money { cents(f) } else { ratio6(f) });
        }
        Value::Object(o) => {
            let cost_metric = o.get("metric").and_then(Value::as_str) == Some("cost");
            for (k, x) in o.iter_mut() {
                let k = k.as_str();
                let money =
                    MONEY_KEYS.contains(&k) || (cost_metric && COST_ANOMALY_KEYS.contains(&k));
                round_numbers(x, money);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| round_numbers(x, false)),
        _ => {}
    }
}

/// The inventory as JSON: `{"schema": "gpuplan.inventory/1", "currency": "USD", …}`, money
/// rounded to cents and other fractions to 6 decimals.
pub fn inventory_json(inv: &Inventory) -> String {
    let mut v = serde_json::to_value(inv).unwrap_or_default();
    round_numbers(&mut v, false);
    if let Some(o) = v.as_object_mut() {
        o.insert("schema".into(), INVENTORY_SCHEMA.into());
        o.insert("currency".into(), "USD".into());
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// The inventory as text tables: totals, groups, workloads, owned commitments, anomalies,
/// unit economics and warnings.
pub fn inventory_table(inv: &Inventory) -> String {
    [
        totals_text(inv),
        groups_table(inv),
        workloads_table(inv),
        commitments_table(inv),
        anomalies_table(inv),
        unit_economics_table(inv),
        scale_to_zero_table(inv),
        warnings_text(inv),
    ]
    .concat()
}

/// The heading: window, totals, shares and ESR.
fn totals_text(inv: &Inventory) -> String {
    let t = &inv.totals;
    let mut s = format!(
        "GPU fleet inventory ({} data, {} cost): {} .. {} ({} h)\n",
        inv.source,
        inv.cost_basis,
        inv.start.format("%Y-%m-%d %H:%M"),
        inv.end.format("%Y-%m-%d %H:%M"),
        (inv.end - inv.start).num_hours()
    );
    s.push_str(&format!(
        "GPU-hours {}  GPU cost ${}  hidden costs ${}  committed {} / spot {} / on-demand {}  ESR {}{}\n\n",
        num(t.gpu_hours),
        usd(t.cost),
        usd(t.hidden_cost),
        pct(t.committed_share),
        pct(t.spot_share),
        pct(t.on_demand_share),
        t.esr.map_or("-".into(), |e| format!("{:.1}%", e * 100.0)),
        if t.on_demand_equivalent > 0.0 {
            format!(" (on-demand equivalent ${}, actual ${})", usd(t.on_demand_equivalent), usd(t.actual_cost))
        } else {
            String::new()
        }
    ));
    s
}

/// By team / project / cloud / region / GPU model.
fn groups_table(inv: &Inventory) -> String {
    let mut s = String::new();
    s.push_str("By team / project / cloud / region / GPU model\n");
    let rows: Vec<Vec<String>> = inv
        .groups
        .iter()
        .map(|g| {
            vec![
                g.team.clone(),
                g.project.clone(),
                g.cloud.clone(),
                g.region.clone(),
                g.gpu_model.clone(),
                g.workloads.to_string(),
                g.classes.join("/"),
                num(g.gpu_hours),
                usd(g.cost),
                pct(g.committed_share),
                pct(g.spot_share),
                pct(g.on_demand_share),
            ]
        })
        .collect();
    s.push_str(&render(
        &[
            ("team", Align::Left),
            ("project", Align::Left),
            ("cloud", Align::Left),
            ("region", Align::Left),
            ("gpu", Align::Left),
            ("workloads", Align::Right),
            ("classes", Align::Left),
            ("GPU-h", Align::Right),
            ("cost $", Align::Right),
            ("committed", Align::Right),
            ("spot", Align::Right),
            ("on-demand", Align::Right),
        ],
        &rows,
    ));
    s
}

/// One row per workload.
fn workloads_table(inv: &Inventory) -> String {
    let mut s = String::new();
    s.push_str("\nWorkloads\n");
    let rows: Vec<Vec<String>> = inv
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.name.clone(),
                w.team.clone().unwrap_or_else(|| "-".into()),
                w.project.clone().unwrap_or_else(|| "-".into()),
                format!(
                    "{}{}",
                    w.class,
                    if w.class_source == "inferred" {
                        "*"
                    } else {
                        ""
                    }
                ),
                w.gpu_model.clone(),
                num(w.gpu_hours),
                num(w.peak_gpus),
                usd(w.cost),
                format!("{:.3}", w.cost_per_gpu_hour),
                pct(w.committed_share),
                pct(w.spot_share),
                pct(w.on_demand_share),
                format!("{:.3}", w.hidden_per_gpu_hour),
            ]
        })
        .collect();
    s.push_str(&render(
        &[
            ("workload", Align::Left),
            ("team", Align::Left),
            ("project", Align::Left),
            ("class", Align::Left),
            ("gpu", Align::Left),
            ("GPU-h", Align::Right),
            ("peak", Align::Right),
            ("cost $", Align::Right),
            ("$/GPU-h", Align::Right),
            ("committed", Align::Right),
            ("spot", Align::Right),
            ("on-demand", Align::Right),
            ("hidden $/GPU-h", Align::Right),
        ],
        &rows,
    ));
    s.push_str("(* class inferred from the curve)\n");
    s
}

/// Owned commitments with utilization and expiry (nothing when none).
fn commitments_table(inv: &Inventory) -> String {
    let mut s = String::new();
    if !inv.commitments.is_empty() {
        s.push_str("\nOwned commitments\n");
        let rows: Vec<Vec<String>> = inv
            .commitments
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    c.offer_id.clone().unwrap_or_else(|| "(not mapped)".into()),
                    c.kind.clone().unwrap_or_else(|| "-".into()),
                    c.amount.map_or("-".into(), |a| format!("{a}")),
                    c.utilization
                        .map_or("-".into(), |u| format!("{:.1}%", u * 100.0)),
                    usd(c.unused_cost),
                    c.end.map_or("-".into(), |e| {
                        format!(
                            "{}{}",
                            e.format("%Y-%m-%d"),
                            if c.dates_assumed { "?" } else { "" }
                        )
                    }),
                    c.expires_in_days.map_or("-".into(), |d| format!("{d:.0}")),
                ]
            })
            .collect();
        s.push_str(&render(
            &[
                ("commitment", Align::Left),
                ("offer", Align::Left),
                ("kind", Align::Left),
                ("amount", Align::Right),
                ("utilization", Align::Right),
                ("unused $", Align::Right),
                ("expires", Align::Left),
                ("in days", Align::Right),
            ],
            &rows,
        ));
        for c in inv.commitments.iter().filter(|c| !c.note.is_empty()) {
            s.push_str(&format!("  {}: {}\n", c.id, c.note));
        }
        if inv.commitments.iter().any(|c| c.dates_assumed) {
            s.push_str("  (? = expiry inferred, not stated by the export)\n");
        }
    }
    s
}

/// The top anomalies.
fn anomalies_table(inv: &Inventory) -> String {
    let mut s = String::new();
    s.push_str("\nTop anomalies (hours outside the hour-of-week median ± k·MAD band)\n");
    if inv.anomalies.is_empty() {
        s.push_str("  none\n");
    } else {
        let rows: Vec<Vec<String>> = inv
            .anomalies
            .iter()
            .map(|a| {
                vec![
                    a.workload.clone(),
                    a.metric.clone(),
                    a.start.format("%Y-%m-%d %H:%M").to_string(),
                    a.hours.to_string(),
                    a.direction.clone(),
                    num(a.peak_value),
                    num(a.expected),
                    num(a.excess),
                    usd(a.excess_usd),
                ]
            })
            .collect();
        s.push_str(&render(
            &[
                ("workload", Align::Left),
                ("metric", Align::Left),
                ("start", Align::Left),
                ("hours", Align::Right),
                ("direction", Align::Left),
                ("peak", Align::Right),
                ("expected", Align::Right),
                ("excess", Align::Right),
                ("excess $", Align::Right),
            ],
            &rows,
        ));
    }
    s
}

/// Unit costs week over week (nothing without metrics).
fn unit_economics_table(inv: &Inventory) -> String {
    let mut s = String::new();
    if !inv.unit_economics.is_empty() {
        s.push_str("\nUnit economics (GPU cost per unit of throughput, week over week)\n");
        let rows: Vec<Vec<String>> = inv
            .unit_economics
            .iter()
            .map(|u| {
                let last = u.weeks.last().and_then(|w| w.unit_cost);
                let prev = u
                    .weeks
                    .len()
                    .checked_sub(2)
                    .and_then(|i| u.weeks[i].unit_cost);
                vec![
                    u.workload.clone(),
                    u.unit.clone(),
                    u.overall.map_or("-".into(), |v| format!("{v:.4}")),
                    prev.map_or("-".into(), |v| format!("{v:.4}")),
                    last.map_or("-".into(), |v| format!("{v:.4}")),
                    u.change_pct.map_or("-".into(), |c| format!("{c:+.1}%")),
                    if u.regression {
                        "REGRESSION".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        s.push_str(&render(
            &[
                ("workload", Align::Left),
                ("unit", Align::Left),
                ("overall $", Align::Right),
                ("previous week $", Align::Right),
                ("last week $", Align::Right),
                ("change", Align::Right),
                ("flag", Align::Left),
            ],
            &rows,
        ));
    }
    s
}

/// Scale-to-zero candidates (nothing when there are none).
fn scale_to_zero_table(inv: &Inventory) -> String {
    let mut s = String::new();
    if inv.scale_to_zero_candidates.is_empty() {
        return s;
    }
    s.push_str(
        "\nScale-to-zero candidates (experimentation workloads idle in > 80% of the history in every hour of the window, UTC)\n",
    );
    let rows: Vec<Vec<String>> = inv
        .scale_to_zero_candidates
        .iter()
        .map(|c| {
            vec![
                c.workload.clone(),
                format!("{:?}", c.idle.window),
                pct(c.idle.idle_share),
                c.idle.hours.to_string(),
                num(c.idle.gpu_hours),
                usd(c.cost),
                if c.configured { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    s.push_str(&render(
        &[
            ("workload", Align::Left),
            ("scale_to_zero", Align::Left),
            ("idle", Align::Right),
            ("hours", Align::Right),
            ("GPU-hours dropped", Align::Right),
            ("cost $", Align::Right),
            ("configured", Align::Left),
        ],
        &rows,
    ));
    s
}

/// The reader's warnings.
fn warnings_text(inv: &Inventory) -> String {
    let mut s = String::new();
    if !inv.warnings.is_empty() {
        s.push_str("\nWarnings\n");
        for w in &inv.warnings {
            s.push_str(&format!("- {w}\n"));
        }
    }
    s
}
