//! `compare`: several plans side by side.

use super::json::PlanDoc;
use super::table::{render, Align};
use crate::domain::Usd;
use std::collections::BTreeMap;

use super::format::pct1 as pct;

/// Commitment spend per hour by instrument and term, e.g. `unit 36m` → USD/h.
pub fn by_instrument(d: &PlanDoc) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for p in &d.purchases {
        *m.entry(format!("{} {}m", p.kind, p.term_months))
            .or_insert(0.0) += p.effective_hourly_cost;
    }
    m
}

/// The plans as one table: a column per scenario.
pub fn compare_table(docs: &[PlanDoc]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(&PlanDoc) -> String| {
        rows.push((label.to_string(), docs.iter().map(f).collect()));
    };
    row("status", &|d| d.solve.status.clone());
    row("planned hours", &|d| d.horizon.planned_hours.to_string());
    row("all on-demand (current tiers)", &|d| {
        d.costs
            .as_ref()
            .map_or("-".into(), |c| Usd(c.on_demand_baseline).to_string())
    });
    row("expected cost", &|d| {
        d.costs
            .as_ref()
            .map_or("-".into(), |c| Usd(c.expected).to_string())
    });
    row("P90", &|d| {
        d.costs
            .as_ref()
            .map_or("-".into(), |c| Usd(c.p90).to_string())
    });
    row("CVaR", &|d| {
        d.costs
            .as_ref()
            .map_or("-".into(), |c| Usd(c.cvar).to_string())
    });
    row("savings", &|d| {
        d.costs.as_ref().map_or("-".into(), |c| pct(c.savings_pct))
    });
    row("ESR", &|d| {
        d.costs.as_ref().map_or("-".into(), |c| pct(c.esr))
    });
    row("committed / spot / on-demand", &|d| {
        d.costs.as_ref().map_or("-".into(), |c| {
            format!(
                "{:.0}/{:.0}/{:.0}%",
                c.coverage_committed * 100.0,
                c.coverage_spot * 100.0,
                c.coverage_on_demand * 100.0
            )
        })
    });
    row("p95 unused commitment", &|d| {
        d.risk
            .as_ref()
            .map_or("-".into(), |r| Usd(r.p95_unused_commitment).to_string())
    });
    row("liability after window", &|d| {
        Usd(d.purchases.iter().map(|p| p.liability_after_window).sum()).to_string()
    });
    row("tier changes", &|d| {
        format!(
            "{} of {}",
            d.placements.iter().filter(|p| p.tier_change).count(),
            d.placements.len()
        )
    });
    let mut kinds: Vec<String> = docs
        .iter()
        .flat_map(|d| by_instrument(d).into_keys())
        .collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        let label = format!("commitments {k} (per hour)");
        rows.push((
            label,
            docs.iter()
                .map(|d| {
                    by_instrument(d)
                        .get(&k)
                        .map_or("-".into(), |v| Usd(*v).to_string())
                })
                .collect(),
        ));
    }
    let mut header: Vec<(&str, Align)> = vec![("", Align::Left)];
    for d in docs {
        header.push((d.scenario.name.as_str(), Align::Right));
    }
    let table: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(l, v)| std::iter::once(l).chain(v).collect())
        .collect();
    render(&header, &table)
}

/// The plans as a JSON array of plan documents.
pub fn compare_json(docs: &[PlanDoc]) -> String {
    let mut s = serde_json::to_string_pretty(docs).unwrap_or_default();
    s.push('\n');
    s
}
