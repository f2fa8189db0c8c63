//! Number formatting shared by the text writers (money has its own type, `domain::Usd`).

/// An amount of money for a JSON output, rounded to cents (−0 and non-finite as 0: the
/// inputs are bounded, so a non-finite amount cannot reach a writer).
pub fn cents(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 || !r.is_finite() {
        0.0
    } else {
        r
    }
}

/// A ratio or quantity for a JSON output, rounded to 6 decimals (−0 and non-finite as 0).
pub fn ratio6(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 || !r.is_finite() {
        0.0
    } else {
        r
    }
}

/// Inserts `key: x` into a JSON object, rounded as [`ratio6`], when `x` is defined and
/// finite: an undefined value is left out of the output, never written as `null`.
pub fn put_ratio6(m: &mut serde_json::Map<String, serde_json::Value>, key: &str, x: Option<f64>) {
    if let Some(v) = x.filter(|v| v.is_finite()) {
        m.insert(key.to_string(), serde_json::json!(ratio6(v)));
    }
}

/// An instant as RFC 3339 UTC with seconds (`2026-01-05T00:00:00Z`).
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

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
