//! Terminal summaries of a plan and of an evaluation.

use super::json::PlanDoc;
use super::table::{render, Align};
use crate::domain::Usd;
use crate::plan::Evaluation;
use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::pct1 as pct;

/// The plan as text: status, costs, purchases, placements grouped by tier.
pub fn plan_table(d: &PlanDoc) -> String {
    let mut s = [
        status_text(d),
        costs_text(d),
        "\n".to_string(),
        purchases_table(d),
        "\n".to_string(),
        placements_table(d),
        super::term::term_text(d),
    ]
    .concat();
    for w in &d.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}

/// Scenario, window, solve status and the model's objective, bound and gap.
fn status_text(d: &PlanDoc) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "plan {} — {} .. {} ({} planned hours), status {}",
        d.scenario.name, d.horizon.start, d.horizon.end, d.horizon.planned_hours, d.solve.status
    );
    if let Some(inf) = &d.infeasibility {
        let _ = writeln!(s, "infeasible ({}): {}", inf.group, inf.message);
        for c in &inf.conflicts {
            if !c.relaxations.is_empty() {
                let _ = writeln!(s, "ways out ({}):", c.kind);
            }
            for r in &c.relaxations {
                let cost = r.cost.map_or(String::new(), |c| format!(": {}", Usd(c)));
                let _ = writeln!(s, "  - {}{cost}", r.change);
            }
        }
    } else if let Some(m) = &d.solve.message {
        let _ = writeln!(s, "note: {m}");
    }
    if let (Some(obj), Some(gap)) = (d.solve.objective, d.solve.gap) {
        let _ = writeln!(
            s,
            "model objective {}  best bound {}  gap {:.4}%",
            Usd(obj),
            Usd(d.solve.best_bound.unwrap_or(obj)),
            gap * 100.0
        );
    }
    s
}

/// Expected cost against all on-demand, savings, ESR and coverage.
fn costs_text(d: &PlanDoc) -> String {
    let mut s = String::new();
    if let Some(c) = &d.costs {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "all on-demand on current tiers  {}",
            Usd(c.on_demand_baseline)
        );
        let _ = writeln!(s, "plan, re-priced hourly          {}", Usd(c.expected));
        let _ = writeln!(
            s,
            "savings                         {} ({})",
            Usd(c.savings_vs_all_on_demand),
            pct(c.savings_pct)
        );
        let _ = writeln!(s, "effective savings rate (ESR)    {}", pct(c.esr));
        let _ = writeln!(
            s,
            "instance-hours                  {} committed, {} spot, {} on-demand",
            pct(c.coverage_committed),
            pct(c.coverage_spot),
            pct(c.coverage_on_demand)
        );
    }
    s
}

/// The purchases, one row each.
fn purchases_table(d: &PlanDoc) -> String {
    let mut s = String::new();
    if d.purchases.is_empty() {
        let _ = writeln!(s, "purchases: none");
    } else {
        let rows: Vec<Vec<String>> = d
            .purchases
            .iter()
            .map(|p| {
                vec![
                    p.offer_id.clone(),
                    p.kind.clone(),
                    format!("{}m", p.term_months),
                    p.quantity
                        .map(|q| format!("{q} inst"))
                        .or(p.hourly_commitment.map(|h| format!("{}/h", Usd(h))))
                        .unwrap_or_default(),
                    Usd(p.effective_hourly_cost).to_string(),
                    Usd(p.upfront_cost).to_string(),
                    pct(p.expected_utilization),
                    p.break_even_months
                        .map(|m| format!("{m:.1}"))
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        s.push_str(&render(
            &[
                ("purchase", Align::Left),
                ("kind", Align::Left),
                ("term", Align::Right),
                ("amount", Align::Right),
                ("per hour", Align::Right),
                ("upfront", Align::Right),
                ("utilization", Align::Right),
                ("break-even months", Align::Right),
            ],
            &rows,
        ));
    }
    s
}

/// Placements grouped by tier.
fn placements_table(d: &PlanDoc) -> String {
    let mut s = String::new();
    let mut tiers: BTreeMap<String, Vec<&super::json::PlacementDoc>> = BTreeMap::new();
    for p in &d.placements {
        tiers
            .entry(format!("{}/{}/{}", p.cloud, p.region, p.instance_type))
            .or_default()
            .push(p);
    }
    let mut rows = Vec::new();
    for (tier, ps) in &tiers {
        for p in ps {
            rows.push(vec![
                tier.clone(),
                p.gpu_model.clone(),
                p.workload.clone(),
                if p.tier_change {
                    format!("from {}", p.current_offering.clone().unwrap_or_default())
                } else {
                    "unchanged".into()
                },
                p.share_committed.map(pct).unwrap_or_else(|| "-".into()),
                p.share_spot.map(pct).unwrap_or_else(|| "-".into()),
                p.share_on_demand.map(pct).unwrap_or_else(|| "-".into()),
                p.expected_cost
                    .map(|c| Usd(c).to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    s.push_str(&render(
        &[
            ("tier", Align::Left),
            ("gpu", Align::Left),
            ("workload", Align::Left),
            ("change", Align::Left),
            ("committed", Align::Right),
            ("spot", Align::Right),
            ("on-demand", Align::Right),
            ("cost", Align::Right),
        ],
        &rows,
    ));
    s
}

/// An evaluation as text: cost, ESR, coverage, utilization per commitment.
pub fn evaluation_table(e: &Evaluation) -> String {
    let mut s = String::new();
    let [ih, cov, sp, od] = e.instance_hours;
    let share = |x: f64| if ih > 0.0 { pct(x / ih) } else { "-".into() };
    let _ = writeln!(s, "hours evaluated                 {}", e.hours);
    let _ = writeln!(s, "cost, re-priced hourly          {}", Usd(e.total));
    let _ = writeln!(
        s,
        "  commitments {}  spot {}  on-demand {}  hidden {}  unserved penalty {}",
        Usd(e.commitment_cost),
        Usd(e.spot_cost),
        Usd(e.on_demand_cost),
        Usd(e.hidden_cost),
        Usd(e.unserved_cost)
    );
    let _ = writeln!(
        s,
        "all on-demand on current tiers  {}",
        Usd(e.baseline_all_on_demand)
    );
    let _ = writeln!(s, "effective savings rate (ESR)    {}", pct(e.esr()));
    let _ = writeln!(
        s,
        "coverage                        {} committed, {} spot, {} on-demand",
        share(cov),
        share(sp),
        share(od)
    );
    if !e.unserved.is_empty() {
        let u = &e.unserved[0];
        let _ = writeln!(
            s,
            "unserved load: {} hours flagged, first {} at {} ({:.2} instances)",
            e.unserved.len(),
            u.offering,
            u.hour.format("%Y-%m-%dT%H:%M:%SZ"),
            u.instances
        );
    }
    if !e.commitments.is_empty() {
        let _ = writeln!(s);
        let rows: Vec<Vec<String>> = e
            .commitments
            .iter()
            .map(|c| {
                vec![
                    c.offer_id.clone(),
                    if c.owned { "owned" } else { "bought" }.into(),
                    format!("{:.2}", c.amount),
                    Usd(c.cost()).to_string(),
                    pct(c.utilization()),
                    Usd(c.unused_cost()).to_string(),
                ]
            })
            .collect();
        s.push_str(&render(
            &[
                ("commitment", Align::Left),
                ("", Align::Left),
                ("amount", Align::Right),
                ("cost", Align::Right),
                ("utilization", Align::Right),
                ("unused", Align::Right),
            ],
            &rows,
        ));
    }
    s
}
