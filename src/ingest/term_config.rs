//! The scenario's `[term]` and `[prices]` tables: how a plan is made over the whole term of
//! the commitments it buys (`docs/term.md`). Every key has a documented default.

use crate::domain::outlook::PriceOutlook;
use crate::domain::WorkloadClass;
use crate::error::InputError;
use crate::ingest::csvread::parse_instant;
use crate::ingest::toml_de::field_err;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// `[term]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerm {
    mode: Option<String>,
    as_of: Option<String>,
    horizon: Option<String>,
    period: Option<String>,
    scenarios: Option<u32>,
    seed: Option<u64>,
    buckets: Option<u32>,
    growth_sd_pct: Option<f64>,
    level_sigma_cap: Option<f64>,
    fleet_correlation: Option<f64>,
    reveal_periods: Option<u32>,
    migration_cost: Option<f64>,
    migration_payback_months: Option<f64>,
    #[serde(default)]
    churn: RawChurn,
}

/// `[term.churn]` as written: annual end probability per class.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChurn {
    training: Option<f64>,
    inference: Option<f64>,
    experimentation: Option<f64>,
}

/// One `[prices.GPU]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrice {
    annual_decline_pct: Option<Vec<f64>>,
    #[serde(default)]
    cuts: Vec<RawCut>,
}

/// A known price cut as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCut {
    at: String,
    pct: f64,
}

/// How `gpuplan plan` plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermMode {
    /// Over the commitments' whole terms (the default): purchases priced over 1–3 years
    /// under churn and price change, with later purchases as recourse.
    Term,
    /// The planning window only (replayed history or forecast scenarios of the window's
    /// horizon), as before the term model: kept for comparison.
    Window,
}

impl TermMode {
    /// Parses `term` or `window`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "term" => Some(TermMode::Term),
            "window" => Some(TermMode::Window),
            _ => None,
        }
    }
    /// `term` or `window`.
    pub fn as_str(self) -> &'static str {
        match self {
            TermMode::Term => "term",
            TermMode::Window => "window",
        }
    }
}

/// Annual probability that a workload ends, per class (the churn assumption).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChurnDefaults {
    /// Training workloads (default 0.35: runs and projects end).
    pub training: f64,
    /// Inference services (default 0.10).
    pub inference: f64,
    /// Experimentation (default 0.25).
    pub experimentation: f64,
}

impl Default for ChurnDefaults {
    fn default() -> Self {
        ChurnDefaults {
            training: 0.35,
            inference: 0.10,
            experimentation: 0.25,
        }
    }
}

impl ChurnDefaults {
    /// The default annual end probability of a class.
    pub fn of(&self, class: WorkloadClass) -> f64 {
        match class {
            WorkloadClass::Training => self.training,
            WorkloadClass::Inference => self.inference,
            WorkloadClass::Experimentation => self.experimentation,
        }
    }
}

/// A validated `[term]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TermConfig {
    /// Term-aware (default) or window-only planning.
    pub mode: TermMode,
    /// Purchases start at this date or later (default: the end of the demand history).
    pub as_of: Option<DateTime<Utc>>,
    /// Months planned ahead (default: the longest allowed term).
    pub horizon_months: Option<u32>,
    /// Months per period; purchases may be made at every period start (default 3).
    pub period_months: u32,
    /// Demand and price scenarios (default 20).
    pub scenarios: u32,
    /// Seed of the scenarios (default 1).
    pub seed: u64,
    /// Representative hour buckets per period (default 8).
    pub buckets: usize,
    /// Standard deviation of the annual growth around `[growth] annual_pct`, percentage
    /// points (default 10).
    pub growth_sd_pct: f64,
    /// Largest weekly log-level volatility taken from the history (default 0.03).
    pub level_sigma_cap: f64,
    /// Share of the level variance common to the whole fleet (default 0.5).
    pub fleet_correlation: f64,
    /// Periods after which the scenario tree has split into single paths: a later purchase
    /// decided at period p knows the outcomes of periods before p only (default 3).
    pub reveal_periods: u32,
    /// One-time cost of moving a workload to another tier, USD (default 1,000).
    pub migration_cost: f64,
    /// A tier change is kept only if it pays its migration cost back within this many
    /// months (default 6).
    pub migration_payback_months: f64,
    /// Annual end probability per class.
    pub churn: ChurnDefaults,
}

impl Default for TermConfig {
    fn default() -> Self {
        TermConfig {
            mode: TermMode::Term,
            as_of: None,
            horizon_months: None,
            period_months: 3,
            scenarios: 20,
            seed: 1,
            buckets: 8,
            growth_sd_pct: 10.0,
            level_sigma_cap: 0.03,
            fleet_correlation: 0.5,
            reveal_periods: 3,
            migration_cost: 1000.0,
            migration_payback_months: 6.0,
            churn: ChurnDefaults::default(),
        }
    }
}

/// Parses a duration in calendar months: `36m`, `3y`, or `1q` (a quarter).
pub fn parse_months(s: &str) -> Option<u32> {
    let s = s.trim();
    // The unit is the last character, whatever its width (`"3é"` is an unknown unit, not a
    // split inside a character).
    let (last, _) = s.char_indices().last()?;
    let (num, unit) = s.split_at(last);
    let n: u32 = num.trim().parse().ok()?;
    let m = match unit {
        "m" => n,
        "q" => n.checked_mul(3)?,
        "y" => n.checked_mul(12)?,
        _ => return None,
    };
    (1..=120).contains(&m).then_some(m)
}

/// Parses `[term]`.
pub fn parse_term(file: &Path, text: &str, t: &RawTerm) -> Result<TermConfig, InputError> {
    let err = |key: &str, msg: String| field_err(file, text, "term", key, msg);
    let d = TermConfig::default();
    let mode = match &t.mode {
        None => d.mode,
        Some(m) => TermMode::parse(m).ok_or_else(|| {
            err(
                "mode",
                format!("expected \"term\" or \"window\", found {m:?}"),
            )
        })?,
    };
    let as_of = t
        .as_of
        .as_ref()
        .map(|v| {
            parse_instant(v, true)
                .filter(|x| crate::domain::time::on_the_hour(*x))
                .ok_or_else(|| {
                    err(
                        "as_of",
                        format!(
                            "expected an ISO-8601 UTC timestamp on the hour or a date, found {v:?}"
                        ),
                    )
                })
        })
        .transpose()?;
    let months = |v: &Option<String>, key: &str| -> Result<Option<u32>, InputError> {
        v.as_ref()
            .map(|s| {
                parse_months(s).ok_or_else(|| {
                    err(key, format!("expected months like \"36m\", \"3y\" or \"1q\" (1 to 120 months), found {s:?}"))
                })
            })
            .transpose()
    };
    let horizon_months = months(&t.horizon, "horizon")?;
    let period_months = months(&t.period, "period")?.unwrap_or(d.period_months);
    if let Some(h) = horizon_months {
        if h % period_months != 0 {
            return Err(err(
                "horizon",
                format!("expected a whole number of periods of {period_months} months, found {h} months"),
            ));
        }
    }
    let scenarios = t.scenarios.unwrap_or(d.scenarios);
    if !(1..=500).contains(&scenarios) {
        return Err(err(
            "scenarios",
            format!("expected 1 to 500, found {scenarios}"),
        ));
    }
    let buckets = t.buckets.unwrap_or(d.buckets as u32);
    if !(1..=168).contains(&buckets) {
        return Err(err(
            "buckets",
            format!("expected 1 to 168, found {buckets}"),
        ));
    }
    let nonneg = |v: Option<f64>, key: &str, def: f64, max: f64| -> Result<f64, InputError> {
        let x = v.unwrap_or(def);
        if x.is_finite() && (0.0..=max).contains(&x) {
            Ok(x)
        } else {
            Err(err(
                key,
                format!("expected a number in [0, {max}], found {x}"),
            ))
        }
    };
    Ok(TermConfig {
        mode,
        as_of,
        horizon_months,
        period_months,
        scenarios,
        seed: t.seed.unwrap_or(d.seed),
        buckets: buckets as usize,
        growth_sd_pct: nonneg(t.growth_sd_pct, "growth_sd_pct", d.growth_sd_pct, 100.0)?,
        level_sigma_cap: nonneg(t.level_sigma_cap, "level_sigma_cap", d.level_sigma_cap, 1.0)?,
        fleet_correlation: nonneg(
            t.fleet_correlation,
            "fleet_correlation",
            d.fleet_correlation,
            1.0,
        )?,
        reveal_periods: t.reveal_periods.unwrap_or(d.reveal_periods).clamp(1, 120),
        migration_cost: nonneg(t.migration_cost, "migration_cost", d.migration_cost, 1e12)?,
        migration_payback_months: nonneg(
            t.migration_payback_months,
            "migration_payback_months",
            d.migration_payback_months,
            1200.0,
        )?,
        churn: parse_churn(file, text, &t.churn)?,
    })
}

/// `[term.churn]`: annual end probabilities in [0, 1).
fn parse_churn(file: &Path, text: &str, c: &RawChurn) -> Result<ChurnDefaults, InputError> {
    let d = ChurnDefaults::default();
    let p = |v: Option<f64>, key: &str, def: f64| -> Result<f64, InputError> {
        let x = v.unwrap_or(def);
        if (0.0..1.0).contains(&x) {
            Ok(x)
        } else {
            Err(field_err(
                file,
                text,
                "term.churn",
                key,
                format!("expected an annual probability in [0, 1), found {x}"),
            ))
        }
    };
    Ok(ChurnDefaults {
        training: p(c.training, "training", d.training)?,
        inference: p(c.inference, "inference", d.inference)?,
        experimentation: p(c.experimentation, "experimentation", d.experimentation)?,
    })
}

/// Parses `[prices.GPU]` tables (GPU names are checked against the catalog when the inputs
/// are loaded).
pub fn parse_prices(
    file: &Path,
    text: &str,
    prices: &BTreeMap<String, RawPrice>,
) -> Result<Vec<PriceOutlook>, InputError> {
    let mut out = Vec::new();
    for (gpu, p) in prices {
        let table = format!("prices.{gpu}");
        let err = |key: &str, msg: String| field_err(file, text, &table, key, msg);
        let decline = match p.annual_decline_pct.as_deref() {
            None => (0.0, 0.0),
            Some([lo, hi])
                if lo.is_finite() && hi.is_finite() && 0.0 <= *lo && lo <= hi && *hi < 100.0 =>
            {
                (*lo, *hi)
            }
            Some(v) => {
                return Err(err(
                    "annual_decline_pct",
                    format!(
                        "expected [low, high] percentages with 0 <= low <= high < 100, found {v:?}"
                    ),
                ))
            }
        };
        let mut cuts = Vec::new();
        for c in &p.cuts {
            let at = parse_instant(&c.at, true).ok_or_else(|| {
                err(
                    "cuts",
                    format!(
                        "expected `at` as an ISO-8601 UTC timestamp or a date, found {:?}",
                        c.at
                    ),
                )
            })?;
            if !(c.pct.is_finite() && c.pct > 0.0 && c.pct < 100.0) {
                return Err(err(
                    "cuts",
                    format!("expected `pct` in (0, 100), found {}", c.pct),
                ));
            }
            cuts.push((at, c.pct));
        }
        cuts.sort_by_key(|c| c.0);
        out.push(PriceOutlook {
            gpu: gpu.clone(),
            annual_decline_pct: decline,
            cuts,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_months;

    #[test]
    fn months_quarters_and_years() {
        assert_eq!(parse_months("36m"), Some(36));
        assert_eq!(parse_months(" 1q "), Some(3));
        assert_eq!(parse_months("3y"), Some(36));
        assert_eq!(parse_months("0m"), None);
        assert_eq!(parse_months("121m"), None);
        assert_eq!(parse_months(""), None);
    }

    #[test]
    fn a_multi_byte_last_character_is_an_unknown_unit_not_a_panic() {
        // Byte-wise, "3é" split one byte from the end would cut inside `é`.
        assert_eq!(parse_months("3é"), None);
        assert_eq!(parse_months("é"), None);
        assert_eq!(parse_months("1q\u{00e9}"), None);
    }
}
