//! `gpuplan report`: one self-contained HTML page for a plan document — inline CSS and SVG
//! charts (plotters), no script, no network — for the people who approve the purchase:
//! summary cards, each offering's demand against its commitments, the cost distribution
//! and ±20% sensitivity, purchases with break-even, the expiry ladder, tier changes and,
//! optionally, other plans side by side.
//!
//! The writer formats; it computes nothing a plan does not state, except sums of its fields
//! (upfront, total owed) and list prices from the catalog to explain tier changes. The
//! hourly dispatch comes from [`crate::analysis::dispatch`] (the independent evaluator).

mod charts;
pub mod format;
mod sections;

use crate::analysis::dispatch::Dispatch;
use crate::domain::Catalog;
use crate::plan::doc::PlanDoc;
use format::esc;
use std::fmt::Write as _;

/// Rows shown in long tables (tier changes, purchases) before "… N more".
pub const TABLE_ROWS: usize = 25;

/// The hourly view of the plan, when demand was given.
#[derive(Debug, Clone, Copy)]
pub enum DemandView<'a> {
    /// No demand history was given.
    NotGiven,
    /// The plan could not be re-priced on the demand: why.
    Failed(&'a str),
    /// The plan's dispatch per offering.
    Drawn(&'a Dispatch),
}

/// Everything the report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The plan.
    pub plan: &'a PlanDoc,
    /// Its file name, shown in the header.
    pub plan_file: &'a str,
    /// The hourly dispatch.
    pub demand: DemandView<'a>,
    /// Other plans to show side by side: (file name, plan).
    pub compare: &'a [(String, PlanDoc)],
    /// Catalog for list prices (tier changes) and commitment terms.
    pub catalog: &'a Catalog,
    /// Offerings drawn one by one; the rest are summed.
    pub top: usize,
}

/// Page style: readable on screen and in print, no external resources.
const STYLE: &str = r#"
:root { --ink:#1a202c; --muted:#4a5568; --line:#e2e8f0; --bg:#f7fafc; --accent:#2b6cb0; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); margin: 0; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header { background: #1a365d; color: #fff; padding: 20px 24px; }
header h1 { margin: 0 0 6px; font-size: 1.6rem; }
header p { margin: 2px 0; color: #e2e8f0; font-size: .92rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 20px; margin: 18px 0; }
h2 { margin: 0 0 10px; font-size: 1.25rem; }
h3 { margin: 16px 0 6px; font-size: 1.05rem; }
p.note { color: var(--muted); font-size: .9rem; margin: 6px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--bg); }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.35rem; font-weight: 650; margin: 4px 0; white-space: nowrap; }
.card .sub { color: var(--muted); font-size: .8rem; }
figure.chart { margin: 10px 0 18px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; text-align: left; vertical-align: top; }
td:first-child { min-width: 13em; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.legend span { display: inline-block; margin-right: 16px; font-size: .86rem; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; }
.warn { color: #9c4221; }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 12px 0 30px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
"#;

/// The whole HTML page.
pub fn report_html(input: &ReportInput) -> String {
    let doc = input.plan;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>gpuplan report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&doc.scenario.name)
    );
    h += &sections::header(doc, input.plan_file);
    h += "<main>\n";
    h += &sections::summary(doc);
    h += &sections::demand(input);
    h += &sections::distribution(doc);
    h += &sections::purchases(doc);
    h += &sections::ladder(doc);
    h += &sections::tier_changes(doc, input.catalog);
    if !input.compare.is_empty() {
        h += &sections::compare(input.plan_file, doc, input.compare);
    }
    let _ = write!(
        h,
        "</main>\n<footer>gpuplan {} · plan schema {} · currency {} · money rounded to cents; every cost is the plan re-priced hour by hour by the evaluator, not the solver's objective.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&doc.schema_version),
        esc(&doc.currency)
    );
    h
}

/// A chart in a figure, or the reason it could not be drawn.
fn figure(id: &str, chart: Result<String, String>, caption: &str) -> String {
    match chart {
        Ok(svg) => format!(
            "<figure class=\"chart\" data-chart=\"{}\">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>\n",
            esc(id)
        ),
        Err(e) => format!(
            "<p class=\"note warn\">chart {} could not be drawn: {}</p>\n",
            esc(id),
            esc(&e)
        ),
    }
}
