//! Money: US dollars kept as `f64` inside the engine, rounded to cents at output. Amounts
//! are bounded: beyond [`Usd::MAX`] (or not finite) an amount is an error
//! ([`MoneyOverflow`]), never a saturated or wrapped number.

use std::fmt;

/// An amount in US dollars. Arithmetic stays in `f64`; `Display` and [`Usd::cents`] round.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Usd(pub f64);

/// An amount gpuplan cannot represent: not finite, or larger in magnitude than [`Usd::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("amount {amount:e} USD is beyond the largest amount gpuplan represents (USD 1e16)")]
pub struct MoneyOverflow {
    /// The amount that does not fit.
    pub amount: f64,
}

impl Usd {
    /// Largest magnitude represented, USD (ten quadrillion; its cents fit an `i64` with
    /// room to spare). No real fleet comes near it: a total past it comes from inputs past
    /// their plausibility bounds (`domain::bounds`).
    pub const MAX: f64 = 1e16;

    /// The amount, or an error when it is not finite or beyond [`Usd::MAX`].
    pub fn checked(v: f64) -> Result<Usd, MoneyOverflow> {
        if v.is_finite() && v.abs() <= Self::MAX {
            Ok(Usd(v))
        } else {
            Err(MoneyOverflow { amount: v })
        }
    }
    /// The amount rounded to whole cents (half away from zero); an error instead of a
    /// saturated count when it does not fit.
    pub fn cents(self) -> Result<i64, MoneyOverflow> {
        Usd::checked(self.0).map(|u| (u.0 * 100.0).round() as i64)
    }
    /// The amount rounded to cents, as a float fit for JSON output.
    pub fn rounded(self) -> Result<f64, MoneyOverflow> {
        self.cents().map(|c| c as f64 / 100.0)
    }
}

impl fmt::Display for Usd {
    /// `USD 1,234.56` style with thousands separators and explicit currency. An amount that
    /// cannot be represented is written as such (`USD overflow (1e300)`), never as a wrong
    /// number; callers check amounts with [`Usd::checked`] before they get here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(c) = self.cents() else {
            return write!(f, "USD overflow ({:e})", self.0);
        };
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

    #[test]
    fn overflow_is_an_error_not_a_saturated_amount() {
        // 1e300 used to print as USD 92,233,720,368,547,758.07 (i64::MAX cents).
        assert_eq!(
            Usd(1e300).cents(),
            Err(MoneyOverflow { amount: 1e300 }),
            "cents of 1e300"
        );
        assert!(Usd(f64::NAN).cents().is_err());
        assert!(Usd(f64::NEG_INFINITY).rounded().is_err());
        assert!(Usd::checked(-2e16).is_err());
        assert_eq!(Usd::checked(1e16).map(|u| u.0), Ok(1e16));
        assert_eq!(Usd(1e16).cents(), Ok(1_000_000_000_000_000_000));
        let shown = Usd(1e300).to_string();
        assert!(!shown.contains("92,233"), "{shown}");
        assert_eq!(shown, "USD overflow (1e300)");
        let msg = MoneyOverflow { amount: 3e17 }.to_string();
        assert!(msg.contains("3e17") && msg.contains("1e16"), "{msg}");
    }
}
