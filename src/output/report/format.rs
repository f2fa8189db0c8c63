//! Number formats of the report: money with its currency, rounded; percentages; HTML
//! escaping. A value that is not finite is shown as "n/a", never as NaN.

use crate::domain::money::Usd;

/// `USD 1,234.56`, or `n/a` for a value that is not finite.
pub fn money(v: f64) -> String {
    if v.is_finite() {
        Usd(v).to_string()
    } else {
        "n/a".into()
    }
}

/// Compact money for chart axes: `USD 950`, `USD 91.3k`, `USD 5.3M`.
pub fn axis_money(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    if a >= 1e6 {
        format!("USD {:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("USD {:.1}k", v / 1e3)
    } else {
        format!("USD {v:.0}")
    }
}

/// A share as a percentage with one decimal (`58.5%`), or `n/a`.
pub fn pct(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1}%", share * 100.0)
    } else {
        "n/a".into()
    }
}

/// A number with `dp` decimals, or `n/a`.
pub fn num(v: f64, dp: usize) -> String {
    if v.is_finite() {
        format!("{v:.dp$}")
    } else {
        "n/a".into()
    }
}

/// Text escaped for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_with_currency_and_never_shows_nan() {
        assert_eq!(money(91335.554), "USD 91,335.55");
        assert_eq!(money(f64::NAN), "n/a");
        assert_eq!(axis_money(91_335.0), "USD 91.3k");
        assert_eq!(axis_money(5_300_676.0), "USD 5.3M");
        assert_eq!(axis_money(-950.0), "USD -950");
        assert_eq!(pct(0.58473), "58.5%");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
