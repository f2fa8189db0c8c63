//! Number formatting shared by the text writers (money has its own type, `domain::Usd`).

/// A ratio as a percentage with one decimal: `0.1234` → `12.3%`.
pub fn pct1(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A ratio as a whole percentage: `0.1234` → `12%`.
pub fn pct0(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// An optional ratio as a percentage with one decimal, `-` when absent.
pub fn pct1_or_dash(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), pct1)
}
