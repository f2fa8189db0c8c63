//! The report's charts, drawn by plotters into SVG strings (text as SVG `<text>`, so no
//! font files are read). Each chart returns its SVG or a one-line reason it could not be
//! drawn; the caller puts that reason in the page instead.

use super::format::{axis_money, money};
use chrono::{DateTime, Duration, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colour of load covered by commitments.
pub const COMMITTED: RGBColor = RGBColor(43, 108, 176);
/// Colour of load on spot.
pub const SPOT: RGBColor = RGBColor(56, 161, 105);
/// Colour of load on on-demand.
pub const ON_DEMAND: RGBColor = RGBColor(221, 107, 32);
/// Colour of owned commitments in the ladder.
pub const OWNED: RGBColor = RGBColor(113, 128, 150);
/// Colour of the spend-capacity line.
pub const SPEND_LINE: RGBColor = RGBColor(128, 90, 213);
/// Colour of markers and reference lines.
const INK: RGBColor = RGBColor(26, 32, 44);

/// Colours of bars, in order.
const BAR_COLOURS: [RGBColor; 6] = [
    RGBColor(99, 179, 237),
    COMMITTED,
    ON_DEMAND,
    SPOT,
    SPEND_LINE,
    OWNED,
];

/// Chart width in SVG pixels (the page scales it down to fit).
const WIDTH: u32 = 1000;

fn fail<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A finite value or 0 (a chart never plots NaN).
fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// The load of one offering (or of several summed) over time.
pub struct LoadSeries<'a> {
    /// Covered by commitments.
    pub committed: &'a [f64],
    /// On spot.
    pub spot: &'a [f64],
    /// On on-demand.
    pub on_demand: &'a [f64],
    /// Unit commitment capacity (a line), if any.
    pub unit_capacity: Option<&'a [f64]>,
    /// Unit plus spend commitment capacity in the same unit (a dashed line), if any.
    pub spend_capacity: Option<&'a [f64]>,
    /// Unit of the y axis ("instances" or "GPUs").
    pub unit: &'a str,
    /// First hour.
    pub start: DateTime<Utc>,
    /// Hours per point.
    pub step_hours: usize,
}

/// Stacked areas (committed, spot, on-demand) over time with the capacity lines.
pub fn load_chart(s: &LoadSeries) -> Result<String, String> {
    let n = s.committed.len();
    let x = |i: usize| (i * s.step_hours) as f64;
    let stack = |i: usize, upto: usize| {
        let parts = [s.committed[i], s.spot[i], s.on_demand[i]];
        parts[..upto].iter().map(|v| finite(*v)).sum::<f64>()
    };
    let lines = [s.unit_capacity, s.spend_capacity];
    let ymax = (0..n)
        .map(|i| stack(i, 3))
        .chain(
            lines
                .iter()
                .flatten()
                .flat_map(|l| l.iter().map(|v| finite(*v))),
        )
        .fold(0.0, f64::max)
        .max(1e-6)
        * 1.1;
    let xmax = x(n).max(1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(fail)?;
        let start = s.start;
        let days = xmax > 72.0;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .x_labels(8)
            .y_labels(6)
            .y_desc(s.unit)
            .x_label_formatter(&|v| time_label(start, *v, days))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()
            .map_err(fail)?;
        // Painted top layer first, so each lower layer covers the one above it.
        // (The page's HTML legend names the colours.)
        for (upto, colour) in [(3, ON_DEMAND), (2, SPOT), (1, COMMITTED)] {
            let pts: Vec<(f64, f64)> = (0..n)
                .flat_map(|i| [(x(i), stack(i, upto)), (x(i + 1), stack(i, upto))])
                .collect();
            chart
                .draw_series(AreaSeries::new(pts, 0.0, colour.mix(0.85)).border_style(colour))
                .map_err(fail)?;
        }
        let step_line = |cap: &[f64]| -> Vec<(f64, f64)> {
            (0..n)
                .flat_map(|i| [(x(i), finite(cap[i])), (x(i + 1), finite(cap[i]))])
                .collect()
        };
        if let Some(cap) = s.unit_capacity {
            chart
                .draw_series(LineSeries::new(step_line(cap), INK.stroke_width(2)))
                .map_err(fail)?;
        }
        if let Some(cap) = s.spend_capacity {
            chart
                .draw_series(DashedLineSeries::new(
                    step_line(cap),
                    6,
                    4,
                    SPEND_LINE.stroke_width(2),
                ))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// `Mon 05` (days) or `05 14:00` style label of hour offset `v` after `start`.
fn time_label(start: DateTime<Utc>, v: f64, days: bool) -> String {
    let t = start + Duration::minutes((finite(v) * 60.0).round() as i64);
    if days {
        t.format("%b %d").to_string()
    } else {
        t.format("%d %H:%M").to_string()
    }
}

/// A labelled cost marker on the distribution chart.
pub struct Marker {
    /// Label (`P90`).
    pub label: String,
    /// Cost, USD.
    pub cost: f64,
    /// Cumulative probability at that cost, when it is a quantile.
    pub quantile: Option<f64>,
}

/// The cost distribution as the quantiles the plan records: points of the CDF at the known
/// quantiles and vertical lines for every marker (P50, P90, CVaR, expected).
pub fn distribution_chart(markers: &[Marker]) -> Result<String, String> {
    let lo = markers.iter().map(|m| m.cost).fold(f64::INFINITY, f64::min);
    let hi = markers
        .iter()
        .map(|m| m.cost)
        .fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return Err("no costs to draw".into());
    }
    let pad = ((hi - lo) * 0.25).max(hi.abs() * 0.01).max(1.0);
    let (x0, x1) = (lo - pad, hi + pad);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, 0.0..1.1)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .x_labels(6)
            .y_labels(6)
            .y_desc("share of scenarios costing at most x")
            .x_label_formatter(&|v| axis_money(*v))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()
            .map_err(fail)?;
        let mid = (x0 + x1) / 2.0;
        for (i, (cost, labels)) in marker_groups(markers, (hi - lo) * 0.01).iter().enumerate() {
            let colour = BAR_COLOURS[i % BAR_COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    [(*cost, 0.0), (*cost, 1.0)],
                    colour.stroke_width(2),
                ))
                .map_err(fail)?;
            // Labels right of their line on the left half, left of it on the right half,
            // on four staggered rows so that neighbours do not overlap.
            let h = if *cost < mid { HPos::Left } else { HPos::Right };
            let y = 1.05 - 0.08 * (i % 4) as f64;
            chart
                .draw_series([Text::new(
                    format!(" {} {} ", labels.join(" = "), money(*cost)),
                    (*cost, y),
                    ("sans-serif", 14)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(h, VPos::Top)),
                )])
                .map_err(fail)?;
        }
        let pts: Vec<(f64, f64)> = markers
            .iter()
            .filter_map(|m| m.quantile.map(|q| (m.cost, q)))
            .collect();
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 6, INK.filled())))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Markers with (nearly) the same cost share one line: (cost, labels), by cost.
fn marker_groups(markers: &[Marker], tolerance: f64) -> Vec<(f64, Vec<String>)> {
    let mut sorted: Vec<&Marker> = markers.iter().collect();
    sorted.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    let mut groups: Vec<(f64, Vec<String>)> = Vec::new();
    for m in sorted {
        match groups.last_mut() {
            Some((c, labels)) if (m.cost - *c).abs() <= tolerance.max(0.005) => {
                labels.push(m.label.clone())
            }
            _ => groups.push((m.cost, vec![m.label.clone()])),
        }
    }
    groups
}

/// Bars of named values (USD) with an optional dashed reference line.
pub fn bar_chart(
    bars: &[(String, f64)],
    reference: Option<(&str, f64)>,
    height: u32,
) -> Result<String, String> {
    let ymax = bars
        .iter()
        .map(|b| finite(b.1))
        .chain(reference.map(|r| finite(r.1)))
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let n = bars.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ymax)
            .map_err(fail)?;
        let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .disable_x_mesh()
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| axis_money(*v))
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let c = BAR_COLOURS[i % BAR_COLOURS.len()];
                let x = i as f64;
                Rectangle::new([(x - 0.3, 0.0), (x + 0.3, finite(b.1))], c.filled())
            }))
            .map_err(fail)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                Text::new(
                    money(b.1),
                    (i as f64, finite(b.1) + ymax * 0.01),
                    ("sans-serif", 14)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            }))
            .map_err(fail)?;
        if let Some((label, v)) = reference {
            let pts = [(-0.5, finite(v)), (n as f64 - 0.5, finite(v))];
            chart
                .draw_series(DashedLineSeries::new(pts, 8, 5, INK.stroke_width(2)))
                .map_err(fail)?
                .label(format!("{label} {}", money(v)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], INK.stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(INK.mix(0.3))
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One commitment on the expiry ladder.
pub struct LadderRow {
    /// Label at the left (offer and amount).
    pub label: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Owned already (grey) or bought by this plan (coloured by term).
    pub owned: bool,
    /// Term in months (colour of new commitments).
    pub term_months: u32,
}

/// The expiry ladder: one bar per commitment from its start to its end, the plan's window
/// marked.
pub fn ladder_chart(
    rows: &[LadderRow],
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<String, String> {
    let t0 = rows
        .iter()
        .map(|r| r.start)
        .chain([window.0])
        .min()
        .unwrap_or(window.0);
    let t1 = rows
        .iter()
        .map(|r| r.end)
        .chain([window.1])
        .max()
        .unwrap_or(window.1);
    let day = |t: DateTime<Utc>| (t - t0).num_hours() as f64 / 24.0;
    let span = day(t1).max(1.0);
    let n = rows.len().max(1);
    let height = (70 + 30 * n as u32).clamp(160, 1200);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(32)
            .y_label_area_size(330)
            .build_cartesian_2d(0.0..span * 1.02, -0.5..(n as f64 - 0.5))
            .map_err(fail)?;
        let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .disable_y_mesh()
            .x_labels(8)
            .y_labels(n)
            .x_label_formatter(&|v| {
                (t0 + Duration::hours((finite(*v) * 24.0) as i64))
                    .format("%Y-%m")
                    .to_string()
            })
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(fail)?;
        let (w0, w1) = (day(window.0), day(window.1).max(day(window.0) + 0.2));
        // The plan's window, shaded (the HTML legend names it).
        chart
            .draw_series([Rectangle::new(
                [(w0, -0.5), (w1, n as f64 - 0.5)],
                RGBColor(254, 235, 200).mix(0.7).filled(),
            )])
            .map_err(fail)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let c = match (r.owned, r.term_months) {
                    (true, _) => OWNED,
                    (false, m) if m <= 12 => SPOT,
                    _ => COMMITTED,
                };
                let y = i as f64;
                Rectangle::new(
                    [(day(r.start), y - 0.32), (day(r.end), y + 0.32)],
                    c.filled(),
                )
            }))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}
