//! The report's sections, one function each: HTML around the charts of [`super::charts`].

use super::charts::{self, LadderRow, LoadSeries, Marker};
use super::format::{esc, money, num, pct};
use super::{figure, DemandView, ReportInput, TABLE_ROWS};
use crate::analysis::dispatch::{Dispatch, PoolSeries};
use crate::domain::catalog::HOURS_PER_MONTH;
use crate::domain::{Catalog, WorkloadClass};
use crate::plan::doc::{CostsDoc, PlanDoc};
use chrono::{DateTime, Duration, Utc};
use plotters::style::RGBColor;
use std::fmt::Write as _;

/// A table: header cells (text, numeric?) and rows of already-escaped HTML cells.
fn table(head: &[(&str, bool)], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
    for (h, n) in head {
        let _ = write!(
            t,
            "<th{}>{}</th>",
            if *n { " class=\"num\"" } else { "" },
            esc(h)
        );
    }
    t += "</tr></thead>\n<tbody>\n";
    for r in rows {
        t += "<tr>";
        for (i, c) in r.iter().enumerate() {
            let n = head.get(i).is_some_and(|h| h.1);
            let _ = write!(t, "<td{}>{c}</td>", if n { " class=\"num\"" } else { "" });
        }
        t += "</tr>\n";
    }
    t + "</tbody>\n</table></div>\n"
}

/// A timestamp of the plan JSON, if it parses.
fn instant(s: &str) -> Option<DateTime<Utc>> {
    crate::ingest::csvread::parse_instant(s, true)
}

/// The page header: scenario, window, solver status.
pub fn header(doc: &PlanDoc, plan_file: &str) -> String {
    let s = &doc.solve;
    format!(
        "<header>\n<h1>Purchase plan: {}</h1>\n<p>plan {} · scenario {} · generated {}</p>\n<p>window {} .. {} ({} h, {} planned) · solver {} ({}) · spot {}</p>\n<p>inputs {}</p>\n</header>\n",
        esc(&doc.scenario.name),
        esc(plan_file),
        esc(&doc.scenario.file),
        esc(&doc.generated_at),
        esc(&doc.horizon.start),
        esc(&doc.horizon.end),
        doc.horizon.hours,
        doc.horizon.planned_hours,
        esc(&s.status),
        esc(&s.method),
        if doc.horizon.spot_allowed { "allowed" } else { "not allowed" },
        esc(&doc.scenario.input_hash),
    )
}

/// Upfront payments of the purchases, USD.
pub fn upfront(doc: &PlanDoc) -> f64 {
    doc.purchases.iter().map(|p| p.upfront_cost).sum()
}

/// What the purchases cost over their whole terms (inside the window and after it), USD.
pub fn total_owed(doc: &PlanDoc) -> f64 {
    doc.purchases
        .iter()
        .map(|p| p.cost_in_window + p.liability_after_window)
        .sum()
}

/// One summary card; `field` names the plan JSON field the value comes from.
fn card(field: &str, value: f64, shown: &str, label: &str, sub: &str) -> String {
    format!(
        "<div class=\"card\" data-field=\"{}\" data-value=\"{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>\n",
        esc(field),
        if value.is_finite() { value } else { 0.0 },
        esc(label),
        esc(shown),
        esc(sub)
    )
}

/// Scenarios behind the plan's cost figures (1: the history replayed).
fn scenarios(doc: &PlanDoc) -> usize {
    doc.risk.as_ref().map_or(1, |r| r.scenarios.max(1))
}

/// An infeasible plan's conflicts, each with its ways out (empty when there are none).
fn conflicts(doc: &PlanDoc) -> String {
    let Some(i) = &doc.infeasibility else {
        return String::new();
    };
    let mut h = String::new();
    for c in &i.conflicts {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&c.message));
        if c.relaxations.is_empty() {
            continue;
        }
        h += "<ul>\n";
        for r in &c.relaxations {
            let cost = r
                .cost
                .map_or_else(String::new, |v| format!(" ({})", money(v)));
            let _ = writeln!(
                h,
                "<li>{}: {}{}</li>",
                esc(&r.constraint),
                esc(&r.change),
                esc(&cost)
            );
        }
        h += "</ul>\n";
    }
    h
}

/// The summary cards.
pub fn summary(doc: &PlanDoc) -> String {
    let mut h = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let Some(c) = &doc.costs else {
        let why = doc.infeasibility.as_ref().map_or_else(
            || doc.solve.message.clone().unwrap_or_default(),
            |i| format!("{}: {}", i.group, i.message),
        );
        let _ = write!(
            h,
            "<p class=\"note warn\">No costs: the solve ended {}. {}</p>\n</section>\n",
            esc(&doc.solve.status),
            esc(&why)
        );
        h.insert_str(h.len() - "</section>\n".len(), &conflicts(doc));
        return h;
    };
    let n = scenarios(doc);
    let spread = if n > 1 {
        format!("across {n} demand scenarios")
    } else {
        "one demand path: equals the expected cost".into()
    };
    let owed = total_owed(doc);
    let after: f64 = doc.purchases.iter().map(|p| p.liability_after_window).sum();
    h += "<div class=\"cards\">\n";
    h += &card(
        "costs.expected",
        c.expected,
        &money(c.expected),
        "Expected cost",
        &format!(
            "the plan re-priced hourly over {} h",
            doc.horizon.planned_hours
        ),
    );
    h += &card(
        "costs.on_demand_baseline",
        c.on_demand_baseline,
        &money(c.on_demand_baseline),
        "All on-demand",
        "every workload on its current tier",
    );
    h += &card(
        "costs.savings_vs_all_on_demand",
        c.savings_vs_all_on_demand,
        &money(c.savings_vs_all_on_demand),
        "Savings",
        &format!("{} of all on-demand", pct(c.savings_pct)),
    );
    h += &card(
        "costs.esr",
        c.esr,
        &pct(c.esr),
        "Effective savings rate",
        "on the plan's own usage at list price",
    );
    h += &card(
        "purchases.upfront_cost",
        upfront(doc),
        &money(upfront(doc)),
        "Upfront",
        &format!("{} purchases", doc.purchases.len()),
    );
    h += &card(
        "purchases.total_owed",
        owed,
        &money(owed),
        "Total owed over the terms",
        &format!("{} of it after the window", money(after)),
    );
    h += &card("costs.p90", c.p90, &money(c.p90), "P90 cost", &spread);
    h += &card("costs.cvar", c.cvar, &money(c.cvar), "CVaR", &spread);
    h += "</div>\n";
    let _ = writeln!(
        h,
        "<p class=\"note\">Instance-hours: {} committed, {} spot, {} on-demand. Hidden costs (storage, egress, overhead) {}.</p>",
        pct(c.coverage_committed),
        pct(c.coverage_spot),
        pct(c.coverage_on_demand),
        money(c.hidden)
    );
    for w in doc.warnings.iter().take(10) {
        let _ = writeln!(h, "<p class=\"note warn\">warning: {}</p>", esc(w));
    }
    h + "</section>\n"
}

/// HTML legend of the load charts.
fn load_legend() -> String {
    let sw = |c: RGBColor, t: &str| {
        format!(
            "<span><i style=\"background:rgb({},{},{})\"></i>{t}</span>",
            c.0, c.1, c.2
        )
    };
    format!(
        "<p class=\"legend\">{}{}{}{}{}</p>\n",
        sw(charts::COMMITTED, "covered by commitments"),
        sw(charts::SPOT, "spot"),
        sw(charts::ON_DEMAND, "on-demand"),
        sw(RGBColor(26, 32, 44), "unit commitments usable here"),
        sw(
            charts::SPEND_LINE,
            "unit + spend commitments, if spent wholly here (dashed)"
        )
    )
}

/// The capacity lines of one offering: unit commitments (solid) and unit plus spend
/// commitments if spent wholly here (dashed), each only when non-zero; the dashed line is
/// left out (and said so) when it is more than twice the peak load, as a spend commitment
/// shared with larger offerings would flatten the chart.
type CapacityLines = (Option<Vec<f64>>, Option<Vec<f64>>);

fn capacity_lines(p: &PoolSeries) -> (CapacityLines, String) {
    let peak = (0..p.committed.len())
        .map(|i| p.committed[i] + p.spot[i] + p.on_demand[i])
        .fold(0.0, f64::max);
    let unit = p
        .unit_capacity
        .iter()
        .any(|v| *v > 0.0)
        .then(|| p.unit_capacity.clone());
    let total: Vec<f64> = p
        .unit_capacity
        .iter()
        .zip(&p.spend_capacity)
        .map(|(u, s)| u + s)
        .collect();
    let top = total.iter().copied().fold(0.0, f64::max);
    if !p.spend_capacity.iter().any(|v| *v > 0.0) {
        return ((unit, None), String::new());
    }
    if top > 2.0 * peak {
        let note = format!(
            " Spend commitments usable here could cover up to {} instances if every committed dollar were spent on this offering (not drawn: they are shared with other offerings).",
            num(top, 1)
        );
        return ((unit, None), note);
    }
    ((unit, Some(total)), String::new())
}

/// Sums pools into one series in GPUs (instances × GPUs per instance).
fn other_pools(pools: &[&PoolSeries], points: usize) -> [Vec<f64>; 3] {
    let mut out = [vec![0.0; points], vec![0.0; points], vec![0.0; points]];
    for p in pools {
        let g = f64::from(p.gpus_per_instance);
        for (sum, part) in out.iter_mut().zip([&p.committed, &p.spot, &p.on_demand]) {
            for (s, v) in sum.iter_mut().zip(part.iter()) {
                *s += v * g;
            }
        }
    }
    out
}

/// Each offering's demand against its commitments.
pub fn demand(input: &ReportInput) -> String {
    let mut h = String::from(
        "<section id=\"demand\">\n<h2>Demand against commitments, per offering</h2>\n",
    );
    let d: &Dispatch = match input.demand {
        DemandView::NotGiven => {
            return h + "<p class=\"note\">Pass <code>--demand CSV</code> (the demand history the plan was made from) to draw each offering's hourly demand against its commitments.</p>\n</section>\n";
        }
        DemandView::Failed(why) => {
            let _ = write!(h, "<p class=\"note warn\">The plan could not be re-priced on the demand given: {}</p>\n</section>\n", esc(why));
            return h;
        }
        DemandView::Drawn(d) => d,
    };
    let _ = write!(h, "<p class=\"note\">Load on each offering in instances (recorded GPUs converted with the class's performance ratio), split by the evaluator's hourly dispatch into what commitments cover, spot and on-demand{}.", if d.step_hours > 1 { format!("; each point averages {} hours", d.step_hours) } else { String::new() });
    if d.shifted {
        let _ = write!(h, " The plan's window ({} .. {}) lies after this demand: shown is the plan replayed on the latest {} hours of the history, its purchases starting there.", esc(&input.plan.horizon.start), esc(&input.plan.horizon.end), d.hours);
    }
    h += "</p>\n";
    h += &load_legend();
    let loaded: Vec<&PoolSeries> = d.pools.iter().filter(|p| p.instance_hours > 0.0).collect();
    let points = d.pools.first().map_or(0, |p| p.committed.len());
    let top = input.top.max(1);
    for (i, p) in loaded.iter().take(top).enumerate() {
        let (lines, note) = capacity_lines(p);
        let s = LoadSeries {
            committed: &p.committed,
            spot: &p.spot,
            on_demand: &p.on_demand,
            unit_capacity: lines.0.as_deref(),
            spend_capacity: lines.1.as_deref(),
            unit: "instances",
            start: d.start,
            step_hours: d.step_hours,
        };
        let _ = writeln!(
            h,
            "<h3>{} <small>({} × {})</small></h3>",
            esc(&p.offering),
            p.gpus_per_instance,
            esc(&p.gpu_model)
        );
        h += &figure(
            &format!("load-{i}"),
            charts::load_chart(&s),
            &format!(
                "{} instance-hours on {}.{note}",
                num(p.instance_hours, 1),
                esc(&p.offering)
            ),
        );
    }
    if loaded.len() > top {
        let rest = &loaded[top..];
        let [c, s, o] = other_pools(rest, points);
        let series = LoadSeries {
            committed: &c,
            spot: &s,
            on_demand: &o,
            unit_capacity: None,
            spend_capacity: None,
            unit: "GPUs",
            start: d.start,
            step_hours: d.step_hours,
        };
        let names: Vec<&str> = rest.iter().map(|p| p.offering.as_str()).collect();
        let _ = writeln!(
            h,
            "<h3>{} other offerings <small>(in GPUs)</small></h3>",
            rest.len()
        );
        h += &figure(
            "load-other",
            charts::load_chart(&series),
            &format!("Summed in GPUs: {}.", esc(&names.join(", "))),
        );
    }
    if loaded.is_empty() {
        h += "<p class=\"note\">No load on any offering of the plan in this demand.</p>\n";
    }
    h + "</section>\n"
}

/// The cost distribution across scenarios and the ±20% sensitivity.
pub fn distribution(doc: &PlanDoc) -> String {
    let mut h =
        String::from("<section id=\"distribution\">\n<h2>Cost across demand scenarios</h2>\n");
    let Some(c) = &doc.costs else {
        return h
            + "<p class=\"note\">No costs: the plan has no feasible solution.</p>\n</section>\n";
    };
    let n = scenarios(doc);
    if n > 1 {
        let mut m = vec![
            Marker {
                label: "P50".into(),
                cost: c.p50,
                quantile: Some(0.5),
            },
            Marker {
                label: "P90".into(),
                cost: c.p90,
                quantile: Some(0.9),
            },
            Marker {
                label: "P95".into(),
                cost: c.p95,
                quantile: Some(0.95),
            },
            Marker {
                label: "CVaR".into(),
                cost: c.cvar,
                quantile: None,
            },
            Marker {
                label: "expected".into(),
                cost: c.expected,
                quantile: None,
            },
        ];
        if let Some(r) = &doc.risk {
            m.push(Marker {
                label: "worst".into(),
                cost: r.worst_scenario_cost,
                quantile: Some(1.0),
            });
        }
        h += &figure("distribution", charts::distribution_chart(&m), &format!("The plan records these points of its cost's distribution over {n} demand scenarios, not each scenario's cost: the dots are the cumulative share at P50, P90, P95 and the worst scenario; CVaR is the mean cost of the costliest tail."));
    } else {
        let _ = writeln!(h, "<p class=\"note\">This plan was made on one demand path (the history replayed), so there is no distribution across scenarios: P50, P90 and CVaR all equal the expected cost, {}. Plan with <code>[forecast] scenarios</code> of 2 or more to see one.</p>", money(c.expected));
    }
    h + &sensitivity(c, n) + "</section>\n"
}

/// The ±20% demand sensitivity bars.
fn sensitivity(c: &CostsDoc, scenarios: usize) -> String {
    let h = String::from("<h3>If demand is 20% lower or higher</h3>\n");
    let (Some(lo), Some(hi)) = (c.demand_minus_20pct, c.demand_plus_20pct) else {
        return h + "<p class=\"note\">The plan does not record its ±20% demand sensitivity.</p>\n";
    };
    let rel = |v: f64| {
        if c.expected > 0.0 {
            pct(v / c.expected - 1.0)
        } else {
            "n/a".into()
        }
    };
    let bars = vec![
        ("demand -20%".to_string(), lo),
        ("planned demand".to_string(), c.expected),
        ("demand +20%".to_string(), hi),
    ];
    let basis = if scenarios > 1 {
        "the forecast's P50 path scaled by ±20%; the middle bar is the expected cost over the scenarios"
    } else {
        "the replayed history scaled by ±20%"
    };
    h + &figure(
        "sensitivity",
        charts::bar_chart(&bars, Some(("all on-demand at planned demand", c.on_demand_baseline)), 300),
        &format!("Cost of the same purchases if demand is {basis}: {} ({}) at -20%, {} ({}) at +20%. Commitments are paid whether used or not, so cost falls less than demand.", money(lo), rel(lo), money(hi), rel(hi)),
    )
}

/// When a purchase breaks even: `13.5 months (2027-11)`.
fn break_even(months: Option<f64>, start: &str) -> String {
    match months {
        Some(m) if m.is_finite() => {
            let when = instant(start)
                .map(|t| {
                    (t + Duration::hours((m * HOURS_PER_MONTH) as i64))
                        .format("<br><small>%Y-%m</small>")
                        .to_string()
                })
                .unwrap_or_default();
            format!("{} months{when}", num(m, 1))
        }
        _ => "beyond the term".into(),
    }
}

/// Purchases (with break-even and utilization) and owned commitments.
pub fn purchases(doc: &PlanDoc) -> String {
    let mut h = String::from("<section id=\"purchases\">\n<h2>Purchases</h2>\n");
    if doc.purchases.is_empty() {
        h += "<p class=\"note\">This plan buys no commitment.</p>\n";
    } else {
        let head = [
            ("offer", false),
            ("amount", true),
            ("upfront", true),
            ("per hour", true),
            ("after the window", true),
            ("total owed", true),
            ("utilization", true),
            ("break-even", true),
        ];
        let mut rows: Vec<Vec<String>> = doc
            .purchases
            .iter()
            .take(TABLE_ROWS)
            .map(|p| {
                let amount = match (p.quantity, p.hourly_commitment) {
                    (Some(q), _) => format!("{} inst", num(q, 0)),
                    (None, Some(hc)) => format!("{}/h", money(hc)),
                    _ => "n/a".into(),
                };
                vec![
                    format!(
                        "{}<br><small>{} · {} months · {}</small>",
                        esc(&p.offer_id),
                        esc(&p.kind),
                        p.term_months,
                        esc(&p.payment)
                    ),
                    amount,
                    money(p.upfront_cost),
                    money(p.effective_hourly_cost),
                    money(p.liability_after_window),
                    money(p.cost_in_window + p.liability_after_window),
                    pct(p.expected_utilization),
                    break_even(p.break_even_months, &p.start),
                ]
            })
            .collect();
        let total =
            |f: fn(&crate::plan::doc::PurchaseDoc) -> f64| money(doc.purchases.iter().map(f).sum());
        rows.push(vec![
            "<b>total</b>".into(),
            String::new(),
            total(|p| p.upfront_cost),
            total(|p| p.effective_hourly_cost),
            total(|p| p.liability_after_window),
            money(total_owed(doc)),
            String::new(),
            String::new(),
        ]);
        h += &table(&head, &rows);
        if doc.purchases.len() > TABLE_ROWS {
            let _ = writeln!(
                h,
                "<p class=\"note\">… {} more purchases (in the totals).</p>",
                doc.purchases.len() - TABLE_ROWS
            );
        }
        h += "<p class=\"note\">Break-even: months until the commitment has cost less than the on-demand price of the usage it covers (at the window's utilization). Utilization: share of the commitment consumed in the window.</p>\n";
    }
    if !doc.owned_commitments.is_empty() {
        h += "<h3>Commitments already owned</h3>\n";
        let rows: Vec<Vec<String>> = doc
            .owned_commitments
            .iter()
            .take(TABLE_ROWS)
            .map(|c| {
                vec![
                    esc(&c.offer_id),
                    num(c.quantity_or_hourly, 2),
                    esc(&c.start),
                    esc(&c.end),
                    c.expected_utilization.map_or("n/a".into(), pct),
                ]
            })
            .collect();
        h += &table(
            &[
                ("offer", false),
                ("instances or USD/h", true),
                ("start", false),
                ("end", false),
                ("utilization", true),
            ],
            &rows,
        );
    }
    h + "</section>\n"
}

/// The expiry ladder of owned and new commitments.
pub fn ladder(doc: &PlanDoc) -> String {
    let mut h = String::from("<section id=\"ladder\">\n<h2>Commitment expiry ladder</h2>\n");
    let short = |s: &str| {
        if s.chars().count() > 44 {
            format!("{}…", s.chars().take(43).collect::<String>())
        } else {
            s.to_string()
        }
    };
    let mut rows: Vec<LadderRow> = Vec::new();
    for c in &doc.owned_commitments {
        if let (Some(s), Some(e)) = (instant(&c.start), instant(&c.end)) {
            let months = ((e - s).num_hours() as f64 / HOURS_PER_MONTH).round() as u32;
            rows.push(LadderRow {
                label: format!(
                    "owned {} ×{}",
                    short(&c.offer_id),
                    num(c.quantity_or_hourly, 2)
                ),
                start: s,
                end: e,
                owned: true,
                term_months: months,
            });
        }
    }
    for p in &doc.purchases {
        if let (Some(s), Some(e)) = (instant(&p.start), instant(&p.end)) {
            let amount = p.quantity.map_or_else(
                || format!("{}/h", money(p.hourly_commitment.unwrap_or(0.0))),
                |q| format!("×{}", num(q, 0)),
            );
            rows.push(LadderRow {
                label: format!("new {} {amount}", short(&p.offer_id)),
                start: s,
                end: e,
                owned: false,
                term_months: p.term_months,
            });
        }
    }
    rows.sort_by(|a, b| {
        b.owned
            .cmp(&a.owned)
            .then(a.term_months.cmp(&b.term_months))
            .then(a.end.cmp(&b.end))
    });
    let (Some(w0), Some(w1)) = (instant(&doc.horizon.start), instant(&doc.horizon.end)) else {
        return h + "<p class=\"note warn\">The plan's window does not parse.</p>\n</section>\n";
    };
    if rows.is_empty() {
        return h + "<p class=\"note\">No commitment is owned or bought.</p>\n</section>\n";
    }
    let hidden = rows.len().saturating_sub(40);
    rows.truncate(40);
    let sw = |c: RGBColor, t: &str| {
        format!(
            "<span><i style=\"background:rgb({},{},{})\"></i>{t}</span>",
            c.0, c.1, c.2
        )
    };
    let _ = writeln!(
        h,
        "<p class=\"legend\">{}{}{}{}</p>",
        sw(charts::OWNED, "owned"),
        sw(charts::SPOT, "new, 1-year or shorter"),
        sw(charts::COMMITTED, "new, longer"),
        sw(RGBColor(254, 235, 200), "the plan's window")
    );
    let after: f64 = doc.purchases.iter().map(|p| p.liability_after_window).sum();
    h += &figure("ladder", charts::ladder_chart(&rows, (w0, w1)), &format!("Each bar runs from a commitment's start to its end; what new purchases still cost after the plan's window (the part right of the shaded band) is {} in total.{}", money(after), if hidden > 0 { format!(" {hidden} more commitments not drawn.") } else { String::new() }));
    h + "</section>\n"
}

/// On-demand USD per GPU-hour of recorded demand on `offering` (`cloud/region/type`).
fn list_per_gpu_hour(
    catalog: &Catalog,
    offering: &str,
    current_gpu: &str,
    class: &str,
) -> Option<f64> {
    let mut parts = offering.splitn(3, '/');
    let (c, r, t) = (parts.next()?, parts.next()?, parts.next()?);
    let o = catalog.offering(crate::domain::Cloud::parse(c)?, r, t)?;
    let class = WorkloadClass::parse(class)?;
    let ratio = crate::domain::perf(catalog, current_gpu, class)
        / crate::domain::perf(catalog, &o.gpu_model, class);
    let v = o.on_demand_hourly / f64::from(o.gpus) * ratio;
    v.is_finite().then_some(v)
}

/// Tier changes: from → to and why (cost per GPU-hour of demand).
pub fn tier_changes(doc: &PlanDoc, catalog: &Catalog) -> String {
    let mut h = String::from("<section id=\"tiers\">\n<h2>Tier changes</h2>\n");
    let mut moved: Vec<_> = doc.placements.iter().filter(|p| p.tier_change).collect();
    if moved.is_empty() {
        return h + "<p class=\"note\">Every workload stays on its current tier.</p>\n</section>\n";
    }
    moved.sort_by(|a, b| {
        b.gpu_hours
            .unwrap_or(0.0)
            .total_cmp(&a.gpu_hours.unwrap_or(0.0))
            .then(a.workload.cmp(&b.workload))
    });
    let usd = |v: Option<f64>| v.map_or("n/a".into(), money);
    let rows: Vec<Vec<String>> = moved
        .iter()
        .take(TABLE_ROWS)
        .map(|p| {
            let from = p.current_offering.clone().unwrap_or_default();
            let to = format!("{}/{}/{}", p.cloud, p.region, p.instance_type);
            let to_list = crate::domain::Cloud::parse(&p.cloud)
                .and_then(|c| catalog.offering(c, &p.region, &p.instance_type))
                .map(|o| p.instances_per_gpu_of_demand * o.on_demand_hourly);
            vec![
                format!("{}<br><small>{}</small>", esc(&p.workload), esc(&p.class)),
                format!("{}<br><small>{}</small>", esc(&from), esc(&p.current_gpu)),
                format!("{}<br><small>{}</small>", esc(&to), esc(&p.gpu_model)),
                p.gpu_hours.map_or("n/a".into(), |g| num(g, 1)),
                usd(list_per_gpu_hour(catalog, &from, &p.current_gpu, &p.class)),
                usd(to_list),
                usd(p.cost_per_gpu_hour_of_demand),
            ]
        })
        .collect();
    h += &table(
        &[
            ("workload", false),
            ("from", false),
            ("to", false),
            ("GPU-hours", true),
            ("from: on-demand", true),
            ("to: on-demand", true),
            ("to: in this plan", true),
        ],
        &rows,
    );
    if moved.len() > TABLE_ROWS {
        let rest: f64 = moved[TABLE_ROWS..].iter().filter_map(|p| p.gpu_hours).sum();
        let _ = writeln!(
            h,
            "<p class=\"note\">… {} more tier changes ({} GPU-hours).</p>",
            moved.len() - TABLE_ROWS,
            num(rest, 1)
        );
    }
    h += "<p class=\"note\">Why: USD per GPU-hour of the recorded demand (on the GPU it ran on), at on-demand list price on the current and on the new tier (with the performance ratio of the workload's class), and in this plan (commitments, spot and hidden costs included).</p>\n";
    h + "</section>\n"
}

/// One row of the side-by-side table: its value for a plan.
type Metric = Box<dyn Fn(&PlanDoc) -> String>;

/// Other plans side by side.
pub fn compare(main_file: &str, doc: &PlanDoc, others: &[(String, PlanDoc)]) -> String {
    let mut h = String::from("<section id=\"compare\">\n<h2>Plans side by side</h2>\n");
    let all: Vec<(&str, &PlanDoc)> = std::iter::once((main_file, doc))
        .chain(others.iter().map(|(f, d)| (f.as_str(), d)))
        .collect();
    let cost = |d: &PlanDoc, f: fn(&CostsDoc) -> f64| {
        d.costs.as_ref().map_or("n/a".into(), |c| money(f(c)))
    };
    let share =
        |d: &PlanDoc, f: fn(&CostsDoc) -> f64| d.costs.as_ref().map_or("n/a".into(), |c| pct(f(c)));
    let metrics: Vec<(&str, Metric)> = vec![
        ("scenario", Box::new(|d: &PlanDoc| esc(&d.scenario.name))),
        (
            "window",
            Box::new(|d: &PlanDoc| format!("{} .. {}", esc(&d.horizon.start), esc(&d.horizon.end))),
        ),
        ("status", Box::new(|d: &PlanDoc| esc(&d.solve.status))),
        (
            "expected cost",
            Box::new(move |d: &PlanDoc| cost(d, |c| c.expected)),
        ),
        (
            "all on-demand",
            Box::new(move |d: &PlanDoc| cost(d, |c| c.on_demand_baseline)),
        ),
        (
            "savings",
            Box::new(move |d: &PlanDoc| share(d, |c| c.savings_pct)),
        ),
        ("ESR", Box::new(move |d: &PlanDoc| share(d, |c| c.esr))),
        ("P90", Box::new(move |d: &PlanDoc| cost(d, |c| c.p90))),
        ("CVaR", Box::new(move |d: &PlanDoc| cost(d, |c| c.cvar))),
        ("upfront", Box::new(|d: &PlanDoc| money(upfront(d)))),
        (
            "total owed over the terms",
            Box::new(|d: &PlanDoc| money(total_owed(d))),
        ),
        (
            "committed instance-hours",
            Box::new(move |d: &PlanDoc| share(d, |c| c.coverage_committed)),
        ),
        (
            "purchases",
            Box::new(|d: &PlanDoc| d.purchases.len().to_string()),
        ),
        (
            "tier changes",
            Box::new(|d: &PlanDoc| {
                d.placements
                    .iter()
                    .filter(|p| p.tier_change)
                    .count()
                    .to_string()
            }),
        ),
    ];
    let head: Vec<(&str, bool)> = std::iter::once(("", false))
        .chain(all.iter().map(|(f, _)| (*f, true)))
        .collect();
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(name, f)| {
            std::iter::once(format!("<b>{}</b>", esc(name)))
                .chain(all.iter().map(|(_, d)| f(d)))
                .collect()
        })
        .collect();
    h += &table(&head, &rows);
    let bars: Vec<(String, f64)> = all
        .iter()
        .map(|(f, d)| (f.to_string(), d.costs.as_ref().map_or(0.0, |c| c.expected)))
        .collect();
    let base = doc
        .costs
        .as_ref()
        .map(|c| ("all on-demand (first plan)", c.on_demand_baseline));
    h += &figure(
        "compare",
        charts::bar_chart(&bars, base, 320),
        "Expected cost of each plan, re-priced hour by hour on its own demand.",
    );
    h + "</section>\n"
}
