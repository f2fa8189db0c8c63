//! The one workload classifier: a class inferred from an hourly GPU curve, used by the
//! planner (workloads whose file does not declare a class), by `inventory` and by
//! `ingest focus`, so they never disagree on the same curve.

use super::stats::{autocorrelation, median};
use super::WorkloadClass;

/// Curve features used by [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassFeatures {
    /// Hours with GPUs in use.
    pub busy_hours: usize,
    /// Hours from the first to the last busy hour (inclusive).
    pub lifetime_hours: usize,
    /// busy ÷ lifetime hours.
    pub duty: f64,
    /// Mean length of runs of consecutive busy hours.
    pub mean_burst_hours: f64,
    /// Share of consecutive busy-hour pairs whose demand changed by ≤ 1% of the median
    /// (step-like allocations of training jobs are flat; autoscaled serving moves).
    pub flat_share: f64,
    /// Lag-24 autocorrelation of the curve minus its centered 24-hour moving average (a
    /// daily cycle with trends removed); 0 when under three days.
    pub diurnal: f64,
}

impl ClassFeatures {
    /// One-line summary, e.g. for a TOML comment.
    pub fn describe(&self) -> String {
        format!(
            "duty {:.2} over {} h, mean burst {:.1} h, flat {:.2}, diurnal {:.2}",
            self.duty, self.lifetime_hours, self.mean_burst_hours, self.flat_share, self.diurnal
        )
    }
}

/// Features of an hourly GPU curve.
pub fn class_features(curve: &[f64]) -> ClassFeatures {
    let busy = |g: f64| g > 1e-9;
    let (Some(first), Some(last)) = (
        curve.iter().position(|&g| busy(g)),
        curve.iter().rposition(|&g| busy(g)),
    ) else {
        return ClassFeatures::default();
    };
    let life = &curve[first..=last];
    let busy_hours = life.iter().filter(|&&g| busy(g)).count();
    let mut runs = 0usize;
    let mut prev = false;
    for &g in life {
        if busy(g) && !prev {
            runs += 1;
        }
        prev = busy(g);
    }
    let mut nz: Vec<f64> = life.iter().copied().filter(|&g| busy(g)).collect();
    let med = median(&mut nz).unwrap_or(0.0);
    let (mut flat, mut pairs) = (0usize, 0usize);
    for w in life.windows(2) {
        if busy(w[0]) && busy(w[1]) {
            pairs += 1;
            if (w[1] - w[0]).abs() <= 0.01 * med {
                flat += 1;
            }
        }
    }
    let diurnal = if life.len() >= 72 {
        let n = life.len();
        let detr: Vec<f64> = (0..n)
            .map(|i| {
                let lo = i.saturating_sub(12);
                let hi = (i + 12).min(n);
                life[i] - life[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
            })
            .collect();
        autocorrelation(&detr, 24)
    } else {
        0.0
    };
    ClassFeatures {
        busy_hours,
        lifetime_hours: life.len(),
        duty: busy_hours as f64 / life.len() as f64,
        mean_burst_hours: busy_hours as f64 / runs.max(1) as f64,
        flat_share: if pairs > 0 {
            flat as f64 / pairs as f64
        } else {
            0.0
        },
        diurnal,
    }
}

/// Infers a workload class from its hourly GPU curve. Rules, in order:
/// 1. short-lived or sporadic — lifetime < 24 h, or duty < 0.3 over its lifetime with a
///    mean burst < 6 h → `experimentation`;
/// 2. always on and moving — duty ≥ 0.8 and (flat share < 0.15 or diurnal ≥ 0.5) →
///    `inference` (autoscaled serving changes every hour and follows the day);
/// 3. otherwise `training` (long jobs hold a fixed allocation between starts and ends).
///
/// A curve with no busy hour is `training` (nothing to go on).
pub fn classify(curve: &[f64]) -> (WorkloadClass, ClassFeatures) {
    let f = class_features(curve);
    let c = if f.busy_hours == 0 {
        WorkloadClass::Training
    } else if f.lifetime_hours < 24 || (f.duty < 0.3 && f.mean_burst_hours < 6.0) {
        WorkloadClass::Experimentation
    } else if f.duty >= 0.8 && (f.flat_share < 0.15 || f.diurnal >= 0.5) {
        WorkloadClass::Inference
    } else {
        WorkloadClass::Training
    };
    (c, f)
}
