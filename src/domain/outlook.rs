//! What planners know or assume about the future of a workload and of prices, beyond its
//! history: known events (it ends, starts, moves to another GPU, scales), its chance of
//! ending (churn), and how on-demand and spot prices of a GPU model may fall. Read from
//! `workloads.toml` and the scenario's `[prices]`; used by the term-aware planner
//! (`docs/term.md`). Also calendar-month arithmetic: commitment terms run in calendar months.

use super::time::HourWindow;
use chrono::{DateTime, Months, Utc};

/// A workload moving to another GPU model at a known date.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// GPU model it moves to (a name of the catalog's GPU table).
    pub to_gpu: String,
    /// When it moves (inclusive).
    pub at: DateTime<Utc>,
    /// GPUs of `to_gpu` per GPU of its recorded demand after the move (0.5: half as many).
    pub gpu_ratio: f64,
}

/// A known change of a workload's level from a date on (factors multiply).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleStep {
    /// From when (inclusive).
    pub at: DateTime<Utc>,
    /// Multiplier of its demand from then on.
    pub factor: f64,
}

/// A workload that starts at a known date and ramps up linearly to its level.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// First hour with demand.
    pub at: DateTime<Utc>,
    /// Hours from zero to full level.
    pub ramp_hours: f64,
    /// Steady GPUs once ramped (a flat profile); `None`: the shape of its history.
    pub gpus: Option<f64>,
}

/// The outlook of one workload: known events and its churn assumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// Annual probability that it ends (for whatever reason); `None`: its class's default.
    pub end_probability: Option<f64>,
    /// Known end (exclusive: no demand from then on).
    pub ends: Option<DateTime<Utc>>,
    /// Probability that the known end happens (1: certain; below 1, a possible end such
    /// as a project review, drawn per scenario).
    pub ends_probability: f64,
    /// Known start with a ramp.
    pub starts: Option<Launch>,
    /// Known move to another GPU model.
    pub migrates: Option<Migration>,
    /// Known level changes, in date order.
    pub scale: Vec<ScaleStep>,
}

impl Default for Outlook {
    fn default() -> Self {
        Outlook {
            end_probability: None,
            ends: None,
            ends_probability: 1.0,
            starts: None,
            migrates: None,
            scale: Vec::new(),
        }
    }
}

impl Outlook {
    /// The known end if it is certain.
    pub fn certain_end(&self) -> Option<DateTime<Utc>> {
        self.ends.filter(|_| self.ends_probability >= 1.0)
    }

    /// Dates at which this outlook changes the demand (ends, start and end of the ramp,
    /// migration, scale steps), for splitting periods.
    pub fn event_dates(&self) -> Vec<DateTime<Utc>> {
        let mut v: Vec<DateTime<Utc>> = self.ends.into_iter().collect();
        if let Some(l) = &self.starts {
            v.push(l.at);
            v.push(l.at + chrono::Duration::hours(l.ramp_hours.round() as i64));
        }
        v.extend(self.migrates.iter().map(|m| m.at));
        v.extend(self.scale.iter().map(|s| s.at));
        v
    }

    /// Known multiplier of the demand over `[a, b)` (mean over the interval): launch ramp,
    /// scale steps and a certain known end. A possible end (probability below 1) and the
    /// migration are not included (see [`Outlook::migrated`]).
    pub fn known_factor(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        let hours = (b - a).num_seconds() as f64 / 3600.0;
        if hours <= 0.0 {
            return 0.0;
        }
        // Mean of the piecewise-linear ramp over [a, b) by the trapezoid on a fine grid of
        // at most 64 points (exact for the linear parts away from the ramp's corners).
        let ramp = |t: DateTime<Utc>| -> f64 {
            match &self.starts {
                None => 1.0,
                Some(l) => {
                    let dt = (t - l.at).num_seconds() as f64 / 3600.0;
                    if dt < 0.0 {
                        0.0
                    } else if l.ramp_hours <= 0.0 {
                        1.0
                    } else {
                        (dt / l.ramp_hours).min(1.0)
                    }
                }
            }
        };
        let n = 64;
        let mut mean_ramp = 0.0;
        for i in 0..n {
            let t = a + chrono::Duration::seconds(
                ((i as f64 + 0.5) / n as f64 * hours * 3600.0) as i64,
            );
            mean_ramp += ramp(t) / n as f64;
        }
        let alive = match self.certain_end() {
            Some(e) if e <= a => 0.0,
            Some(e) if e < b => (e - a).num_seconds() as f64 / 3600.0 / hours,
            _ => 1.0,
        };
        let scale: f64 = self
            .scale
            .iter()
            .filter(|s| s.at <= a)
            .map(|s| s.factor)
            .product();
        mean_ramp * alive * scale
    }

    /// Share of `[a, b)` after the migration (0 without one).
    pub fn migrated(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        match &self.migrates {
            None => 0.0,
            Some(m) if m.at <= a => 1.0,
            Some(m) if m.at >= b => 0.0,
            Some(m) => (b - m.at).num_seconds() as f64 / (b - a).num_seconds() as f64,
        }
    }
}

/// How the on-demand (and spot) price of a GPU model may change over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceOutlook {
    /// GPU model (a name of the catalog's GPU table).
    pub gpu: String,
    /// Annual decline in percent, uniform between the two bounds per demand scenario.
    pub annual_decline_pct: (f64, f64),
    /// Known one-time cuts: (date, percent off from then on).
    pub cuts: Vec<(DateTime<Utc>, f64)>,
}

/// `t` plus `months` calendar months (the day of the month kept where it exists, else the
/// month's last day); saturates at the largest representable instant.
pub fn add_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The window of a commitment bought at `start` for `term_months` calendar months.
pub fn term_window(start: DateTime<Utc>, term_months: u32) -> HourWindow {
    HourWindow {
        start,
        end: add_months(start, term_months),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_36_month_term_ends_36_calendar_months_later() {
        // 2025-03-07 + 36 months = 2028-03-07: 1,096 days (2028 is a leap year), not the
        // 1,095 days of 36 × 730 hours.
        let w = term_window(t(2025, 3, 7), 36);
        assert_eq!(w.end, t(2028, 3, 7));
        assert_eq!((w.end - w.start).num_days(), 1096);
        // Month ends clamp: 31 January + 1 month = 28 February.
        assert_eq!(add_months(t(2026, 1, 31), 1), t(2026, 2, 28));
    }

    #[test]
    fn known_factor_combines_end_scale_and_ramp() {
        let o = Outlook {
            ends: Some(t(2026, 1, 21)),
            scale: vec![ScaleStep {
                at: t(2026, 1, 1),
                factor: 0.5,
            }],
            ..Default::default()
        };
        // Over [Jan 1, Jan 31): alive 20 of 30 days, at half the level.
        let f = o.known_factor(t(2026, 1, 1), t(2026, 1, 31));
        assert!((f - 0.5 * 20.0 / 30.0).abs() < 1e-12, "{f}");
        assert_eq!(o.known_factor(t(2026, 2, 1), t(2026, 3, 1)), 0.0);
        let l = Outlook {
            starts: Some(Launch {
                at: t(2026, 1, 1),
                ramp_hours: 0.0,
                gpus: None,
            }),
            ..Default::default()
        };
        assert_eq!(l.known_factor(t(2025, 12, 1), t(2026, 1, 1)), 0.0);
        assert_eq!(l.known_factor(t(2026, 1, 1), t(2026, 2, 1)), 1.0);
    }
}
