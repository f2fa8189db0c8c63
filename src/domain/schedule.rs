//! Scheduling as plain data: scale-to-zero windows (a workload's demand in them is dropped:
//! the policy a team adopts) and deferred load (a workload's demand runs up to
//! `shiftable_hours` later than recorded, never earlier, GPU-hours conserved, at most
//! `max_gpus` at once). The checks here are shared by ingest, the planner and the
//! evaluator, which re-prices a plan with its schedule and rejects a schedule that breaks
//! these rules.

use super::demand::DemandHistory;
use super::time::DailyWindow;
use chrono::{DateTime, Duration, Utc};

/// The scale-to-zero windows of one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleToZero {
    /// Workload name.
    pub workload: String,
    /// Windows in which its demand is dropped.
    pub windows: Vec<DailyWindow>,
}

/// The deferred-load schedule of one workload: GPUs run per hour from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// Workload name.
    pub workload: String,
    /// Hours its demand may run after the hour it was recorded in.
    pub shiftable_hours: u32,
    /// Most GPUs it may run at once.
    pub max_gpus: f64,
    /// First hour of `gpus`.
    pub start: DateTime<Utc>,
    /// GPUs (of its recorded demand, on its current GPU model) run in each hour from
    /// `start`; 0 in masked hours.
    pub gpus: Vec<f64>,
}

/// The scheduling a plan relies on: both policies, by workload. Empty when no workload
/// scales to zero or shifts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scheduling {
    /// Scale-to-zero windows per workload.
    pub scale_to_zero: Vec<ScaleToZero>,
    /// Deferred-load schedules per workload.
    pub shifts: Vec<Shift>,
}

impl Scheduling {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.scale_to_zero.is_empty() && self.shifts.is_empty()
    }

    /// The demand this scheduling turns `demand` into: the scale-to-zero windows dropped,
    /// then each workload's schedule in place of its demand — when the schedule covers
    /// exactly `demand`'s window (on another window the dropped demand is kept as recorded).
    /// A schedule that breaks the rules on this demand (see [`check_shift`]; hours where
    /// `keep` is false are not counted) is an error naming the workload.
    pub fn apply(
        &self,
        demand: &DemandHistory,
        keep: Option<&[bool]>,
    ) -> Result<DemandHistory, String> {
        let mut out = demand.clone();
        for s in &self.scale_to_zero {
            if let Some(i) = out.index_of(&s.workload) {
                drop_in_windows(&mut out.gpus[i], out.window.start, &s.windows);
            }
        }
        for sh in &self.shifts {
            let Some(i) = out.index_of(&sh.workload) else {
                continue;
            };
            if sh.start != out.window.start || sh.gpus.len() != out.window.hours() {
                continue;
            }
            check_shift(&out.gpus[i], keep, sh)
                .map_err(|e| format!("schedule of workload {:?}: {e}", sh.workload))?;
            out.gpus[i] = sh.gpus.clone();
        }
        Ok(out)
    }

    /// The same scheduling with every schedule scaled by `factor` (a schedule of demand × f
    /// is the schedule × f); caps scale too.
    pub fn scaled(&self, factor: f64) -> Scheduling {
        Scheduling {
            scale_to_zero: self.scale_to_zero.clone(),
            shifts: self
                .shifts
                .iter()
                .map(|s| Shift {
                    gpus: s.gpus.iter().map(|g| g * factor).collect(),
                    max_gpus: s.max_gpus * factor.max(1.0),
                    ..s.clone()
                })
                .collect(),
        }
    }
}

/// Sets to zero the hours of `row` (hour 0 starts at `start`) inside any of `windows`;
/// returns the GPU-hours dropped.
pub fn drop_in_windows(row: &mut [f64], start: DateTime<Utc>, windows: &[DailyWindow]) -> f64 {
    let mut dropped = 0.0;
    for (i, g) in row.iter_mut().enumerate() {
        if *g != 0.0 {
            let t = start + Duration::hours(i as i64);
            if windows.iter().any(|w| w.contains_hour(t)) {
                dropped += *g;
                *g = 0.0;
            }
        }
    }
    dropped
}

/// Tolerance of the schedule checks, GPU-hours: solver round-off and the 6 decimals of the
/// plan JSON, over `hours` hours and `gpu_hours` of demand.
pub fn tolerance(gpu_hours: f64, hours: usize) -> f64 {
    1e-6 * (gpu_hours + hours as f64)
}

/// Checks a schedule against the demand it schedules (`demand[t]`, hour 0 = `shift.start`;
/// hours where `keep` is false hold no demand and run nothing): never negative or above
/// `max_gpus`, nothing run before it was recorded, nothing waiting more than
/// `shiftable_hours`, and every GPU-hour run by the last hour. Within [`tolerance`].
pub fn check_shift(demand: &[f64], keep: Option<&[bool]>, shift: &Shift) -> Result<(), String> {
    let kept = |t: usize| keep.is_none_or(|k| k.get(t).copied().unwrap_or(true));
    let d = |t: usize| if kept(t) { demand[t] } else { 0.0 };
    let total: f64 = (0..demand.len()).map(d).sum();
    let tol = tolerance(total, demand.len());
    let when = |t: usize| {
        (shift.start + Duration::hours(t as i64))
            .format("%Y-%m-%dT%H:%MZ")
            .to_string()
    };
    if shift.gpus.len() != demand.len() {
        return Err(format!(
            "{} hours of schedule for {} hours of demand",
            shift.gpus.len(),
            demand.len()
        ));
    }
    let h = shift.shiftable_hours as usize;
    let (mut backlog, mut recent) = (0.0, 0.0);
    for (t, &r) in shift.gpus.iter().enumerate() {
        if !r.is_finite() || r < -tol || r > shift.max_gpus + tol {
            return Err(format!(
                "runs {r} GPUs at {}: expected 0 to max_gpus {}",
                when(t),
                shift.max_gpus
            ));
        }
        if !kept(t) && r.abs() > tol {
            return Err(format!("runs {r} GPUs at {}, a masked hour", when(t)));
        }
        // Demand recorded in the last H hours (t − H, t] may still wait.
        recent += d(t) - if t >= h { d(t - h) } else { 0.0 };
        backlog += d(t) - r;
        if backlog < -tol {
            return Err(format!(
                "runs {:.6} GPU-hours before they were recorded, by {}",
                -backlog,
                when(t)
            ));
        }
        if backlog > recent + tol {
            return Err(format!(
                "leaves {:.6} GPU-hours waiting more than {h} hours at {}",
                backlog - recent,
                when(t)
            ));
        }
    }
    if backlog > tol {
        return Err(format!(
            "leaves {backlog:.6} GPU-hours unrun at the end of the window"
        ));
    }
    Ok(())
}

/// GPU-hours not run in the hour they were recorded in: Σ_t max(0, demand − schedule).
pub fn gpu_hours_moved(demand: &[f64], schedule: &[f64]) -> f64 {
    demand
        .iter()
        .zip(schedule)
        .map(|(d, r)| (d - r).max(0.0))
        .sum()
}

/// Whether a demand curve can be scheduled at all under `max_gpus` with `shiftable_hours`
/// of delay: running everything as early as the cap allows (the earliest-deadline rule,
/// optimal here because every hour's demand has the same delay allowance) must leave
/// nothing waiting longer. Returns the first hour (index) where it cannot, if any. Hours
/// where `keep` is false hold no demand and run nothing.
pub fn first_overflow(
    demand: &[f64],
    keep: Option<&[bool]>,
    shiftable_hours: u32,
    max_gpus: f64,
) -> Option<usize> {
    let kept = |t: usize| keep.is_none_or(|k| k.get(t).copied().unwrap_or(true));
    let h = shiftable_hours as usize;
    // Waiting demand by the hour it was recorded in (oldest first).
    let mut queue: std::collections::VecDeque<(usize, f64)> = Default::default();
    let tol = tolerance(demand.iter().sum(), demand.len());
    for (t, &d) in demand.iter().enumerate() {
        if !kept(t) {
            continue;
        }
        if d > 0.0 {
            queue.push_back((t, d));
        }
        let mut cap = max_gpus;
        while cap > 0.0 {
            let Some(front) = queue.front_mut() else {
                break;
            };
            let run = front.1.min(cap);
            front.1 -= run;
            cap -= run;
            if front.1 <= 0.0 {
                queue.pop_front();
            }
        }
        // Whatever was recorded H or more hours ago and still waits is late.
        let late: f64 = queue
            .iter()
            .filter(|(r, _)| t >= r + h)
            .map(|(_, g)| g)
            .sum();
        if late > tol {
            return Some(t);
        }
    }
    None
}

/// A schedule that follows `target` (GPUs per hour, e.g. a coarser model's run rate) as
/// closely as the rules allow, hour by hour: never more than recorded so far or than
/// `max_gpus`, never less than what must have run by then — what is due (recorded
/// `shiftable_hours` ago) and what the cap could not catch up with later. Valid by
/// construction whenever the demand can be scheduled at all ([`first_overflow`] is
/// `None`); hours where `keep` is false run nothing.
pub fn follow_targets(
    demand: &[f64],
    keep: Option<&[bool]>,
    shiftable_hours: u32,
    max_gpus: f64,
    target: &[f64],
) -> Vec<f64> {
    let n = demand.len();
    let kept = |t: usize| keep.is_none_or(|k| k.get(t).copied().unwrap_or(true));
    let h = shiftable_hours as usize;
    // Cumulative demand through t, and what must have run by the end of t (due: recorded
    // at least H hours before its end; everything by the last hour).
    let mut cum = vec![0.0; n];
    let mut acc = 0.0;
    for t in 0..n {
        if kept(t) {
            acc += demand[t];
        }
        cum[t] = acc;
    }
    let due = |t: usize| {
        if t + 1 == n {
            cum[t]
        } else if t >= h {
            cum[t - h]
        } else {
            0.0
        }
    };
    // Backwards: the least cumulative run by t from which the cap can still meet every
    // later due amount.
    let mut must = vec![0.0; n];
    let mut next = 0.0f64;
    for t in (0..n).rev() {
        let cap_next = if t + 1 < n && kept(t + 1) {
            max_gpus
        } else {
            0.0
        };
        next = due(t).max(next - cap_next);
        must[t] = next;
    }
    let mut out = vec![0.0; n];
    let mut ran = 0.0;
    for t in 0..n {
        if !kept(t) {
            continue;
        }
        let lo = (must[t] - ran).max(0.0);
        let hi = max_gpus.min(cum[t] - ran).max(lo);
        let r = target.get(t).copied().unwrap_or(0.0).clamp(lo, hi);
        out[t] = r;
        ran += r;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(h: u32, cap: f64, gpus: &[f64]) -> Shift {
        Shift {
            workload: "w".into(),
            shiftable_hours: h,
            max_gpus: cap,
            start: DateTime::UNIX_EPOCH,
            gpus: gpus.to_vec(),
        }
    }

    #[test]
    fn a_schedule_may_run_later_never_earlier() {
        let d = [2.0, 2.0, 0.0, 0.0];
        assert!(check_shift(&d, None, &shift(2, 2.0, &[1.0, 1.0, 1.0, 1.0])).is_ok());
        assert!(check_shift(&d, None, &shift(1, 2.0, &[2.0, 1.0, 1.0, 0.0])).is_ok());
        // Hour 0's demand may wait one hour: hour 1 runs it, hour 2 runs hour 1's.
        assert!(check_shift(&d, None, &shift(1, 2.0, &[0.0, 2.0, 2.0, 0.0])).is_ok());
        // Here 1 GPU-hour of hour 0 would wait until hour 2.
        let e = check_shift(&d, None, &shift(1, 3.0, &[0.0, 1.0, 3.0, 0.0]));
        assert!(e.is_err_and(|e| e.contains("waiting more than 1 hours")));
        // Earlier than recorded.
        let e = check_shift(&[0.0, 2.0], None, &shift(1, 2.0, &[1.0, 1.0]));
        assert!(e.is_err_and(|e| e.contains("before they were recorded")));
        // Not conserved.
        let e = check_shift(
            &[0.0, 0.0, 2.0, 2.0],
            None,
            &shift(2, 2.0, &[0.0, 0.0, 2.0, 1.0]),
        );
        assert!(e.is_err_and(|e| e.contains("unrun at the end")));
        // Above the cap.
        let e = check_shift(&d, None, &shift(2, 1.5, &[2.0, 2.0, 0.0, 0.0]));
        assert!(e.is_err_and(|e| e.contains("max_gpus 1.5")));
    }

    #[test]
    fn masked_hours_hold_nothing() {
        let d = [2.0, 9.0, 0.0];
        let keep = [true, false, true];
        // The masked hour's 9 GPUs are not demand; hour 0's 2 GPUs may run at hour 2.
        assert!(check_shift(&d, Some(&keep), &shift(2, 2.0, &[0.0, 0.0, 2.0])).is_ok());
        let e = check_shift(&d, Some(&keep), &shift(2, 2.0, &[0.0, 2.0, 0.0]));
        assert!(e.is_err_and(|e| e.contains("masked hour")));
    }

    #[test]
    fn earliest_schedule_finds_when_the_cap_is_too_low() {
        // 3 GPUs for two hours under a cap of 2 with one hour of delay: hour 0 runs 2 (1
        // waits), hour 1 runs 1 old + 1 new (2 wait, recorded at 1), hour 2 runs 2: fits.
        assert_eq!(first_overflow(&[3.0, 3.0, 0.0], None, 1, 2.0), None);
        // Three such hours do not (9 GPU-hours, 8 runnable by hour 3): at hour 3, 1 GPU-hour
        // of hour 2 is still waiting.
        assert_eq!(first_overflow(&[3.0, 3.0, 3.0, 0.0], None, 1, 2.0), Some(3));
        assert_eq!(first_overflow(&[3.0], None, 0, 2.0), Some(0));
    }

    #[test]
    fn following_targets_stays_valid_and_follows_where_it_may() {
        // Targets that run early, late and above the cap: the result keeps every rule.
        let d = [3.0, 0.0, 2.0, 0.0, 0.0, 4.0, 1.0, 0.0];
        let targets: [&[f64]; 4] = [
            &[0.0; 8],
            &[5.0; 8],
            &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0],
        ];
        for h in [1u32, 2, 3] {
            for cap in [3.0, 4.0, 10.0] {
                if first_overflow(&d, None, h, cap).is_some() {
                    continue;
                }
                for target in targets {
                    let r = follow_targets(&d, None, h, cap, target);
                    let s = shift(h, cap, &r);
                    assert!(
                        check_shift(&d, None, &s).is_ok(),
                        "H {h} cap {cap} {target:?}: {r:?}"
                    );
                }
            }
        }
        // A feasible target is followed exactly.
        let r = follow_targets(&[2.0, 2.0, 0.0, 0.0], None, 2, 2.0, &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(r, vec![1.0, 1.0, 1.0, 1.0]);
        // Masked hours run nothing.
        let r = follow_targets(
            &[2.0, 0.0, 0.0],
            Some(&[true, false, true]),
            2,
            2.0,
            &[1.0; 3],
        );
        assert_eq!(r, vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn scale_to_zero_drops_the_windows_and_counts_them() {
        let mut row = vec![1.0; 48];
        let w = [DailyWindow::parse("22:00-06:00").expect("valid")];
        let dropped = drop_in_windows(&mut row, DateTime::UNIX_EPOCH, &w);
        assert_eq!(dropped, 16.0);
        assert_eq!(row[5], 0.0);
        assert_eq!(row[6], 1.0);
        assert_eq!(row[22], 0.0);
    }

    #[test]
    fn moved_counts_what_left_its_hour() {
        assert_eq!(
            gpu_hours_moved(&[2.0, 2.0, 0.0, 0.0], &[2.0, 1.0, 1.0, 0.0]),
            1.0
        );
        assert_eq!(
            gpu_hours_moved(&[2.0, 2.0, 0.0, 0.0], &[1.0, 1.0, 1.0, 1.0]),
            2.0
        );
    }
}
