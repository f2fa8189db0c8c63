//! Scale-to-zero candidates: recurring windows in which an experimentation workload is
//! idle (no GPU in use) in more than [`IDLE_SHARE`] of the history — the windows a team
//! could adopt as `scale_to_zero` in `workloads.toml`.
//!
//! - **Daily**: the longest circular run of hours of the day (UTC) in which the workload is
//!   idle on more than 80% of the days, each hour on its own (a busy hour is not carried by
//!   idle neighbours); at least [`MIN_DAILY_HOURS`] hours, and at least 7 days of history.
//! - **Weekdays**: the days of the week on which it is idle in more than 80% of the hours,
//!   over at least two of each; one window per run of consecutive days (`sat-sun`, `wed`).
//!
//! Each candidate carries the GPU-hours the window would have dropped over the history and
//! their cost at the workload's cost per GPU-hour.

use crate::domain::time::ALL_DAYS;
use crate::domain::DailyWindow;
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

/// Share of the history a window must be idle in (strictly more).
pub const IDLE_SHARE: f64 = 0.8;
/// GPUs below which an hour counts as idle.
pub const IDLE_GPUS: f64 = 1e-3;
/// Shortest daily window suggested, hours.
pub const MIN_DAILY_HOURS: usize = 4;

/// A window in which a workload is mostly idle.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IdleWindow {
    /// The window as `scale_to_zero` reads it (`20:00-08:00`, `sat-sun`).
    pub window: String,
    /// Share of the window's hours in the history with no GPU in use.
    pub idle_share: f64,
    /// Hours of the history inside the window.
    pub hours: usize,
    /// GPU-hours the window would have dropped over the history.
    pub gpu_hours: f64,
}

/// A scale-to-zero candidate of the inventory: an idle window of an experimentation
/// workload.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScaleToZeroCandidate {
    /// Workload.
    pub workload: String,
    /// The window and how idle it is.
    #[serde(flatten)]
    pub idle: IdleWindow,
    /// Cost of the GPU-hours it would have dropped, at the workload's cost per GPU-hour, USD.
    pub cost: f64,
    /// Whether `workloads.toml` already has this window for the workload.
    pub configured: bool,
}

/// The candidates of one workload: its idle windows when its class is experimentation
/// (interactive and exploratory fleets; inference and training are left alone), priced at
/// `cost_per_gpu_hour`, marked when already among `configured`.
pub fn candidates(
    workload: &str,
    class: crate::domain::WorkloadClass,
    curve: &[f64],
    start: DateTime<Utc>,
    cost_per_gpu_hour: f64,
    configured: &[DailyWindow],
) -> Vec<ScaleToZeroCandidate> {
    if class != crate::domain::WorkloadClass::Experimentation {
        return Vec::new();
    }
    idle_windows(curve, start)
        .into_iter()
        .map(|idle| ScaleToZeroCandidate {
            workload: workload.to_string(),
            cost: idle.gpu_hours * cost_per_gpu_hour,
            configured: configured.iter().any(|c| c.to_string() == idle.window),
            idle,
        })
        .collect()
}

/// The windows of one curve (hour 0 starts at `start`): a daily window and a weekday window,
/// each when one qualifies.
pub fn idle_windows(curve: &[f64], start: DateTime<Utc>) -> Vec<IdleWindow> {
    let mut out = Vec::new();
    let hour = |i: usize| start + Duration::hours(i as i64);
    // Per hour of the day and per weekday: (idle hours, hours).
    let mut by_hour = [(0usize, 0usize); 24];
    let mut by_day = [(0usize, 0usize); 7];
    for (i, &g) in curve.iter().enumerate() {
        let t = hour(i);
        let idle = usize::from(g < IDLE_GPUS);
        let h = &mut by_hour[t.hour() as usize];
        h.0 += idle;
        h.1 += 1;
        let d = &mut by_day[t.weekday().num_days_from_monday() as usize];
        d.0 += idle;
        d.1 += 1;
    }
    let idle_enough = |(idle, n): (usize, usize)| n > 0 && idle as f64 > IDLE_SHARE * n as f64;
    if curve.len() >= 7 * 24 {
        if let Some((first, len)) = longest_circular_run(&by_hour.map(idle_enough)) {
            if len >= MIN_DAILY_HOURS {
                let end = (first + len) % 24;
                let window = DailyWindow {
                    start_minute: first as u32 * 60,
                    end_minute: if end == 0 { 1440 } else { end as u32 * 60 },
                    days: ALL_DAYS,
                };
                out.push(summarise(curve, start, window));
            }
        }
    }
    if by_day.iter().all(|d| d.1 >= 48) {
        let on = (0..7).map(|d| idle_enough(by_day[d])).collect::<Vec<_>>();
        // One window per run of consecutive idle days (`sat-sun`, `wed`).
        for (first, len) in circular_runs(&on) {
            let days = (0..len).fold(0u8, |b, i| b | 1 << ((first + i) % 7));
            let window = DailyWindow {
                start_minute: 0,
                end_minute: 1440,
                days,
            };
            out.push(summarise(curve, start, window));
        }
    }
    out
}

/// The window's idle share, hours and GPU-hours over the curve.
fn summarise(curve: &[f64], start: DateTime<Utc>, window: DailyWindow) -> IdleWindow {
    let (mut hours, mut idle, mut gpu_hours) = (0usize, 0usize, 0.0);
    for (i, &g) in curve.iter().enumerate() {
        if window.contains_hour(start + Duration::hours(i as i64)) {
            hours += 1;
            idle += usize::from(g < IDLE_GPUS);
            gpu_hours += g;
        }
    }
    IdleWindow {
        window: window.to_string(),
        idle_share: if hours > 0 {
            idle as f64 / hours as f64
        } else {
            0.0
        },
        hours,
        gpu_hours,
    }
}

/// The runs of `true` in a circular array, as (first index, length), in order of their
/// first index; none when every entry is `true` (a workload idle at every hour of the day,
/// or every day, is idle, not scheduled).
fn circular_runs(on: &[bool]) -> Vec<(usize, usize)> {
    let n = on.len();
    if on.iter().all(|&x| x) {
        return Vec::new();
    }
    (0..n)
        .filter(|&first| on[first] && !on[(first + n - 1) % n])
        .map(|first| (first, (0..n).take_while(|&i| on[(first + i) % n]).count()))
        .collect()
}

/// The longest of [`circular_runs`] (the first of equals).
fn longest_circular_run(on: &[bool]) -> Option<(usize, usize)> {
    circular_runs(on)
        .into_iter()
        .fold(None, |best: Option<(usize, usize)>, r| match best {
            Some(b) if b.1 >= r.1 => Some(b),
            _ => Some(r),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monday() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z")
            .expect("ts")
            .with_timezone(&Utc)
    }

    #[test]
    fn office_hours_give_a_night_window_and_the_weekend() {
        // Two weeks: busy 08:00-20:00 on weekdays, idle otherwise; one late Tuesday night.
        let start = monday();
        let mut curve: Vec<f64> = (0..14 * 24)
            .map(|i| {
                let t = start + Duration::hours(i as i64);
                let weekday = t.weekday().num_days_from_monday() < 5;
                if weekday && (8..20).contains(&t.hour()) {
                    2.0
                } else {
                    0.0
                }
            })
            .collect();
        curve[24 + 22] = 1.0; // Tuesday 22:00: 1 of 14 nights, still idle > 80%
        let w = idle_windows(&curve, start);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[0].window, "20:00-08:00");
        assert_eq!(w[0].hours, 14 * 12);
        assert!((w[0].gpu_hours - 1.0).abs() < 1e-12);
        assert_eq!(w[1].window, "sat-sun");
        assert_eq!(w[1].gpu_hours, 0.0);
        assert_eq!(w[1].idle_share, 1.0);
    }

    #[test]
    fn a_busy_hour_is_not_carried_by_idle_neighbours() {
        // Idle all day except 03:00 on every day: the run stops at 03:00.
        let curve: Vec<f64> = (0..14 * 24)
            .map(|i| {
                if i % 24 == 3 || i % 24 == 12 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let w = idle_windows(&curve, monday());
        assert_eq!(w[0].window, "13:00-03:00", "{w:?}");
        // Every weekday is idle in 22 of 24 hours (> 80%): no weekday window.
        assert_eq!(w.len(), 1);
        assert_eq!(
            circular_runs(&[true, false, true, true, false, false, true]),
            vec![(2, 2), (6, 2)]
        );
    }

    #[test]
    fn short_histories_and_busy_curves_suggest_nothing() {
        assert!(idle_windows(&[0.0; 100], monday()).is_empty());
        assert!(idle_windows(&[1.0; 14 * 24], monday()).is_empty());
    }
}
