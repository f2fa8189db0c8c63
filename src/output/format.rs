//! Number formatting shared by the text writers (money has its own type, `domain::Usd`).

/// A ratio as a percentage with one decimal: `0.1234` → `12.3%`.
pub fn pct1(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A ratio as a whole percentage: `0.1234` → `12%`.
pub fn pct0(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Text from the inputs (a workload name from a tag value, an instance type) fit for one
/// line of a table: control characters escaped (`a\nb`), everything else as is.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// An optional ratio as a percentage with one decimal, `-` when absent.
pub fn pct1_or_dash(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), pct1)
}
