//! Holdout accuracy: fit on all but the tail of the history, forecast the tail, compare
//! with what happened and with the seasonal-naive baseline.

use super::{forecast, seasonal_naive, ForecastConfig, DAY, WEEK};
use crate::domain::WorkloadClass;
use chrono::{DateTime, Utc};

/// Accuracy of a forecast on a held-out tail of the history. Shares are fractions
/// (0.08 = 8%); undefined figures are NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// Mean absolute percentage error of fleet GPU-hours per block (a week when the holdout
    /// is at least a week, else a day; see `block_hours`), forecast = Σ P50 over the
    /// block's kept hours and workloads.
    pub weekly_mape: f64,
    /// The same for the seasonal-naive baseline.
    pub naive_weekly_mape: f64,
    /// Share of kept actual (workload, hour) values inside the forecast's P10..P90.
    pub band_coverage: f64,
    /// Per workload: (name, MAPE of its block GPU-hours, seasonal-naive MAPE); NaN when every
    /// block of the workload is zero.
    pub per_workload: Vec<(String, f64, f64)>,
    /// Share of kept hours whose actual fleet total lies inside the fleet P10..P90.
    pub fleet_band_coverage: f64,
    /// The same MAPE with the forecast's mean path instead of P50.
    pub mean_weekly_mape: f64,
    /// Length of the blocks the MAPE is taken over: 168, or 24 when the holdout is shorter
    /// than a week (or the whole holdout when it is shorter than a day).
    pub block_hours: usize,
    /// Number of blocks scored (whole blocks only; a trailing partial block is left out
    /// unless it is the only one).
    pub blocks: usize,
    /// Kept (scored) hours of the holdout.
    pub scored_hours: usize,
}

impl Accuracy {
    fn undefined(names: &[String]) -> Self {
        Self {
            weekly_mape: f64::NAN,
            naive_weekly_mape: f64::NAN,
            band_coverage: f64::NAN,
            per_workload: names
                .iter()
                .map(|n| (n.clone(), f64::NAN, f64::NAN))
                .collect(),
            fleet_band_coverage: f64::NAN,
            mean_weekly_mape: f64::NAN,
            block_hours: 0,
            blocks: 0,
            scored_hours: 0,
        }
    }
}

/// Fits on all but the last `holdout_hours` of the history, forecasts them with `cfg` (its
/// horizon is replaced by `holdout_hours`) and scores the forecast and the seasonal-naive
/// baseline against the actuals. Masked hours of the holdout are left out of every sum.
/// Everything is NaN when the holdout is empty or leaves no history to fit on.
pub fn holdout_accuracy(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    classes: &[WorkloadClass],
    names: &[String],
    holdout_hours: usize,
    cfg: &ForecastConfig,
) -> Accuracy {
    let n = history.iter().map(Vec::len).max().unwrap_or(0);
    if holdout_hours == 0 || holdout_hours >= n {
        return Accuracy::undefined(names);
    }
    let fit_n = n - holdout_hours;
    let head: Vec<Vec<f64>> = history
        .iter()
        .map(|y| y.iter().take(fit_n).copied().collect())
        .collect();
    let kept = |t: usize| keep.get(t).copied().unwrap_or(true);
    let head_keep: Vec<bool> = (0..fit_n).map(kept).collect();
    let cfg = ForecastConfig {
        horizon_hours: holdout_hours,
        ..cfg.clone()
    };
    let f = forecast(&head, start, &head_keep, classes, names, &cfg);
    let naive = seasonal_naive(&head, start, &head_keep, holdout_hours);
    let actual = |w: usize, h: usize| -> f64 {
        history[w]
            .get(fit_n + h)
            .copied()
            .filter(|v| v.is_finite())
            .map_or(0.0, |v| v.max(0.0))
    };
    let scored: Vec<usize> = (0..holdout_hours).filter(|&h| kept(fit_n + h)).collect();

    let block = scoring_block(holdout_hours);
    let blocks = holdout_hours / block;
    let nw = history.len();
    // sums[b] = (actual, p50, naive, mean) per workload.
    let mut sums = vec![vec![[0.0f64; 4]; nw]; blocks];
    for &h in &scored {
        let b = h / block;
        if b >= blocks {
            continue;
        }
        for (w, s) in sums[b].iter_mut().enumerate() {
            s[0] += actual(w, h);
            s[1] += f.p50[w][h];
            s[2] += naive[w][h];
            s[3] += f.mean[w][h];
        }
    }
    let mape = |pick: &dyn Fn(&[[f64; 4]]) -> [f64; 4], k: usize| -> f64 {
        let errs: Vec<f64> = sums
            .iter()
            .map(|s| pick(s))
            .filter(|s| s[0] > 1e-9)
            .map(|s| (s[k] - s[0]).abs() / s[0])
            .collect();
        if errs.is_empty() {
            f64::NAN
        } else {
            errs.iter().sum::<f64>() / errs.len() as f64
        }
    };
    let fleet = |s: &[[f64; 4]]| {
        s.iter().fold([0.0; 4], |mut a, x| {
            for i in 0..4 {
                a[i] += x[i];
            }
            a
        })
    };
    let per_workload = (0..nw)
        .map(|w| {
            let one = move |s: &[[f64; 4]]| s[w];
            (
                names.get(w).cloned().unwrap_or_else(|| format!("w{w}")),
                mape(&one, 1),
                mape(&one, 2),
            )
        })
        .collect();

    let (inside, total, fleet_inside) = band_hits(&f, &scored, nw, &actual);
    let share = |k: usize, of: usize| {
        if of == 0 {
            f64::NAN
        } else {
            k as f64 / of as f64
        }
    };
    Accuracy {
        weekly_mape: mape(&fleet, 1),
        naive_weekly_mape: mape(&fleet, 2),
        band_coverage: share(inside, total),
        per_workload,
        fleet_band_coverage: share(fleet_inside, scored.len()),
        mean_weekly_mape: mape(&fleet, 3),
        block_hours: block,
        blocks,
        scored_hours: scored.len(),
    }
}
/// Scoring blocks: weeks when the holdout has one, else days, else the whole holdout.
fn scoring_block(holdout_hours: usize) -> usize {
    if holdout_hours >= WEEK {
        WEEK
    } else if holdout_hours >= DAY {
        DAY
    } else {
        holdout_hours
    }
}

/// Scored workload-hours inside their P10–P90 band, all scored workload-hours, and scored
/// hours whose fleet total is inside the fleet band.
fn band_hits(
    f: &super::Forecast,
    scored: &[usize],
    nw: usize,
    actual: &dyn Fn(usize, usize) -> f64,
) -> (usize, usize, usize) {
    let (mut inside, mut total, mut fleet_inside) = (0usize, 0usize, 0usize);
    for &h in scored {
        let mut fleet_actual = 0.0;
        for w in 0..nw {
            let a = actual(w, h);
            fleet_actual += a;
            total += 1;
            if a >= f.p10[w][h] - 1e-9 && a <= f.p90[w][h] + 1e-9 {
                inside += 1;
            }
        }
        if fleet_actual >= f.fleet_p10[h] - 1e-9 && fleet_actual <= f.fleet_p90[h] + 1e-9 {
            fleet_inside += 1;
        }
    }
    (inside, total, fleet_inside)
}
