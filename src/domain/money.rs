//! Money: US dollars kept as `f64` inside the engine, rounded to cents at output.

use std::fmt;

/// An amount in US dollars. Arithmetic stays in `f64`; `Display` and [`Usd::cents`] round.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Usd(pub f64);

impl Usd {
    /// The amount rounded to whole cents (half away from zero).
    pub fn cents(self) -> i64 {
        (self.0 * 100.0).round() as i64
    }
    /// The amount rounded to cents, as a float fit for JSON output.
    pub fn rounded(self) -> f64 {
        self.cents() as f64 / 100.0
    }
}

impl fmt::Display for Usd {
    /// `USD 1,234.56` style with thousands separators and explicit currency.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.cents();
        let neg = c < 0;
        let c = c.unsigned_abs();
        let whole = (c / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(
            f,
            "USD {}{}.{:02}",
            if neg { "-" } else { "" },
            grouped,
            c % 100
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn display_rounds_and_groups() {
        assert_eq!(Usd(1234567.891).to_string(), "USD 1,234,567.89");
        assert_eq!(Usd(0.005).to_string(), "USD 0.01");
        assert_eq!(Usd(-12.3).to_string(), "USD -12.30");
        assert_eq!(Usd(999.999).to_string(), "USD 1,000.00");
    }
}
