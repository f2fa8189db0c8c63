//! Rolling-origin accuracy: fit only on the history before each origin, forecast the
//! holdout after it, score the forecast and the seasonal-naive baseline against what
//! happened.

use super::profile::DAY;
use super::{forecast, seasonal_naive, Forecast, ForecastConfig, WEEK};
use crate::domain::WorkloadClass;
use chrono::{DateTime, Duration, Timelike, Utc};

/// Layout of a rolling-origin evaluation: `origins` origins `step_hours` apart, the last
/// one `holdout_hours` before the end of the history; each forecasts the `holdout_hours`
/// after it from the history before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollingSpec {
    /// Hours forecast and scored after each origin.
    pub holdout_hours: usize,
    /// Number of origins (at least 1).
    pub origins: usize,
    /// Hours between consecutive origins.
    pub step_hours: usize,
}

impl RollingSpec {
    /// The origins (history hours before each), earliest first; `None` when the first one
    /// would leave fewer than `min_fit` hours of history or the holdout is empty.
    pub fn origin_hours(&self, history_hours: usize, min_fit: usize) -> Option<Vec<usize>> {
        let last = history_hours.checked_sub(self.holdout_hours)?;
        let back = (self.origins.max(1) - 1).checked_mul(self.step_hours)?;
        let first = last.checked_sub(back)?;
        (self.holdout_hours > 0 && first >= min_fit.max(1)).then(|| {
            (0..self.origins.max(1))
                .map(|k| first + k * self.step_hours)
                .collect()
        })
    }
}

/// One origin's forecast of its holdout next to seasonal-naive's.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginForecast {
    /// History hours before the origin (the fit).
    pub fit_hours: usize,
    /// The forecast (its `start` is the origin).
    pub forecast: Forecast,
    /// Seasonal-naive forecast of the same hours, `[w][h]`.
    pub naive: Vec<Vec<f64>>,
}

/// Forecasts the holdout after every origin of `spec` (the caller checks that the origins
/// exist, see [`RollingSpec::origin_hours`]; origins that do not are skipped). Each fit sees
/// only the history (and mask) before its origin; `cfg`'s horizon is replaced by the
/// holdout.
pub fn rolling_forecasts(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    classes: &[WorkloadClass],
    names: &[String],
    spec: &RollingSpec,
    cfg: &ForecastConfig,
) -> Vec<OriginForecast> {
    let n = history.iter().map(Vec::len).max().unwrap_or(0);
    let origins = spec.origin_hours(n, 1).unwrap_or_default();
    let cfg = ForecastConfig {
        horizon_hours: spec.holdout_hours,
        ..cfg.clone()
    };
    origins
        .into_iter()
        .map(|o| {
            let head: Vec<Vec<f64>> = history
                .iter()
                .map(|y| y.iter().take(o).copied().collect())
                .collect();
            let head_keep: Vec<bool> = (0..o)
                .map(|t| keep.get(t).copied().unwrap_or(true))
                .collect();
            OriginForecast {
                fit_hours: o,
                forecast: forecast(&head, start, &head_keep, classes, names, &cfg),
                naive: seasonal_naive(&head, start, &head_keep, spec.holdout_hours),
            }
        })
        .collect()
}

/// Accuracy of one workload over every origin and block.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadAccuracy {
    /// Workload name.
    pub workload: String,
    /// Point forecaster chosen at the last origin.
    pub model: String,
    /// Actual GPU-hours over the scored hours of every origin.
    pub actual_gpu_hours: f64,
    /// Σ over origins and blocks of |forecast − actual| block GPU-hours.
    pub abs_error_gpu_hours: f64,
    /// The same for seasonal-naive.
    pub naive_abs_error_gpu_hours: f64,
}

impl WorkloadAccuracy {
    /// Weighted absolute percentage error of block GPU-hours (a fraction); `None` when the
    /// actual is 0 in every scored hour (undefined).
    pub fn wape(&self) -> Option<f64> {
        ratio(self.abs_error_gpu_hours, self.actual_gpu_hours)
    }

    /// The same for seasonal-naive.
    pub fn naive_wape(&self) -> Option<f64> {
        ratio(self.naive_abs_error_gpu_hours, self.actual_gpu_hours)
    }
}

/// Scores of one origin.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginScore {
    /// The origin (first forecast hour).
    pub origin: DateTime<Utc>,
    /// Per-workload block GPU-hours WAPE over the workloads (`None`: no actual demand).
    pub wape: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_wape: Option<f64>,
    /// Signed fleet error of the holdout's GPU-hours, (forecast − actual) / actual.
    pub fleet_error: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_fleet_error: Option<f64>,
    /// Share of scored workload-hours inside P10..P90.
    pub coverage: Option<f64>,
    /// Share of scored hours whose fleet total is inside the fleet P10..P90.
    pub fleet_coverage: Option<f64>,
}

/// Scored values of one kind (workload-hours or fleet hours) against their P10..P90 band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BandCounts {
    /// Values scored.
    pub scored: usize,
    /// Values below P10 (more than 1e-9 under it).
    pub below: usize,
    /// Values above P90 (more than 1e-9 over it).
    pub above: usize,
}

impl BandCounts {
    /// Counts `x` against the band `[lo, hi]` (bounds included, within 1e-9).
    fn count(&mut self, x: f64, lo: f64, hi: f64) {
        self.scored += 1;
        if x < lo - 1e-9 {
            self.below += 1;
        } else if x > hi + 1e-9 {
            self.above += 1;
        }
    }

    /// Share of the scored values inside the band; `None` when nothing was scored.
    pub fn coverage(&self) -> Option<f64> {
        ratio(
            (self.scored - self.below - self.above) as f64,
            self.scored as f64,
        )
    }

    /// Share of the scored values below P10.
    pub fn below_share(&self) -> Option<f64> {
        ratio(self.below as f64, self.scored as f64)
    }

    /// Share of the scored values above P90.
    pub fn above_share(&self) -> Option<f64> {
        ratio(self.above as f64, self.scored as f64)
    }

    fn absorb(&mut self, o: BandCounts) {
        self.scored += o.scored;
        self.below += o.below;
        self.above += o.above;
    }
}

/// Band counts of one slice of the scored hours (a forecast day, an hour of the day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageSlice {
    /// Workload-hours against the workloads' bands.
    pub workload: BandCounts,
    /// Hours whose fleet total is scored against the fleet band.
    pub fleet: BandCounts,
}

impl CoverageSlice {
    /// Adds another slice's counts.
    pub fn absorb(&mut self, o: CoverageSlice) {
        self.workload.absorb(o.workload);
        self.fleet.absorb(o.fleet);
    }
}

/// Adds `from`'s slices into `into`, index by index (growing it as needed).
fn absorb_slices(into: &mut Vec<CoverageSlice>, from: &[CoverageSlice]) {
    if into.len() < from.len() {
        into.resize(from.len(), CoverageSlice::default());
    }
    for (a, b) in into.iter_mut().zip(from) {
        a.absorb(*b);
    }
}

/// Accuracy over a rolling-origin evaluation. Shares are fractions (0.08 = 8%); `None` marks
/// a figure with nothing to measure (no actual demand, no scored hour).
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// Hours forecast after each origin.
    pub holdout_hours: usize,
    /// Hours between origins.
    pub step_hours: usize,
    /// Block over which GPU-hours are summed: a week, or the holdout when shorter.
    pub block_hours: usize,
    /// Scored (kept) holdout hours, summed over origins.
    pub scored_hours: usize,
    /// Per-workload block GPU-hours WAPE, pooled over workloads, blocks and origins:
    /// Σ|forecast − actual| / Σ actual.
    pub workload_wape: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_workload_wape: Option<f64>,
    /// Mean over origins and blocks of the signed fleet block error (forecast − actual) /
    /// actual: positive = over-forecast.
    pub fleet_error: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_fleet_error: Option<f64>,
    /// Mean over origins and blocks of the absolute fleet block error.
    pub fleet_abs_error: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_fleet_abs_error: Option<f64>,
    /// WAPE of the hourly fleet total: Σ_h |forecast − actual| / Σ_h actual.
    pub fleet_hourly_wape: Option<f64>,
    /// The same for seasonal-naive.
    pub naive_fleet_hourly_wape: Option<f64>,
    /// Share of scored workload-hours inside P10..P90 (nominal 0.8).
    pub coverage: Option<f64>,
    /// Share of scored hours whose fleet total is inside the fleet P10..P90 (nominal 0.8).
    pub fleet_coverage: Option<f64>,
    /// Band counts per forecast day (index 0 = the first 24 hours after each origin):
    /// whether the bands widen with the horizon as their errors do.
    pub by_forecast_day: Vec<CoverageSlice>,
    /// Band counts per hour of the day (UTC) of the scored hour, 24 entries: whether the
    /// bands hold in busy hours as well as quiet ones (coverage over all hours can be
    /// nominal while busy hours fall short and quiet ones are covered more than asked).
    pub by_hour_of_day: Vec<CoverageSlice>,
    /// Origins where the per-workload WAPE is below seasonal-naive's.
    pub origins_won: usize,
    /// Per workload.
    pub per_workload: Vec<WorkloadAccuracy>,
    /// Per origin.
    pub per_origin: Vec<OriginScore>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 1e-9).then(|| a / b)
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Running sums of one evaluation.
#[derive(Default)]
struct Tally {
    err: [f64; 2],
    actual: f64,
    fleet_err: [Vec<f64>; 2],
    hourly: [f64; 2],
    hourly_actual: f64,
    /// Band counts over every scored hour (its fleet count is the number of scored hours).
    bands: CoverageSlice,
    by_day: Vec<CoverageSlice>,
    by_hour: Vec<CoverageSlice>,
}

/// Scores rolling-origin forecasts against the history (`history` as given to
/// [`rolling_forecasts`]; masked hours are left out of every sum).
pub fn rolling_accuracy(
    history: &[Vec<f64>],
    keep: &[bool],
    spec: &RollingSpec,
    forecasts: &[OriginForecast],
) -> Accuracy {
    let nw = history.len();
    let hz = spec.holdout_hours;
    let block = hz.clamp(1, WEEK);
    let actual = |w: usize, t: usize| -> f64 {
        history[w]
            .get(t)
            .copied()
            .filter(|v| v.is_finite())
            .map_or(0.0, |v| v.max(0.0))
    };
    let kept = |t: usize| keep.get(t).copied().unwrap_or(true);
    let mut per_workload: Vec<WorkloadAccuracy> = (0..nw)
        .map(|w| WorkloadAccuracy {
            workload: forecasts
                .first()
                .and_then(|f| f.forecast.workloads.get(w).cloned())
                .unwrap_or_else(|| format!("w{w}")),
            model: forecasts
                .last()
                .and_then(|f| f.forecast.fits.get(w))
                .map_or_else(String::new, |f| f.model.to_string()),
            actual_gpu_hours: 0.0,
            abs_error_gpu_hours: 0.0,
            naive_abs_error_gpu_hours: 0.0,
        })
        .collect();
    let mut total = Tally::default();
    let mut per_origin = Vec::with_capacity(forecasts.len());
    for of in forecasts {
        let t = score_blocks(of, block, hz, &actual, &kept, &mut per_workload)
            .merged(score_hours(of, hz, nw, &actual, &kept));
        let f = &of.forecast;
        per_origin.push(OriginScore {
            origin: f.start,
            wape: ratio(t.err[0], t.actual),
            naive_wape: ratio(t.err[1], t.actual),
            fleet_error: mean(&t.fleet_err[0]),
            naive_fleet_error: mean(&t.fleet_err[1]),
            coverage: t.bands.workload.coverage(),
            fleet_coverage: t.bands.fleet.coverage(),
        });
        total.absorb(t);
    }
    let abs = |v: &[f64]| mean(&v.iter().map(|x| x.abs()).collect::<Vec<_>>());
    Accuracy {
        holdout_hours: hz,
        step_hours: spec.step_hours,
        block_hours: block,
        scored_hours: total.bands.fleet.scored,
        workload_wape: ratio(total.err[0], total.actual),
        naive_workload_wape: ratio(total.err[1], total.actual),
        fleet_error: mean(&total.fleet_err[0]),
        naive_fleet_error: mean(&total.fleet_err[1]),
        fleet_abs_error: abs(&total.fleet_err[0]),
        naive_fleet_abs_error: abs(&total.fleet_err[1]),
        fleet_hourly_wape: ratio(total.hourly[0], total.hourly_actual),
        naive_fleet_hourly_wape: ratio(total.hourly[1], total.hourly_actual),
        coverage: total.bands.workload.coverage(),
        fleet_coverage: total.bands.fleet.coverage(),
        by_forecast_day: total.by_day,
        by_hour_of_day: {
            let mut h = total.by_hour;
            h.resize(DAY, CoverageSlice::default());
            h
        },
        origins_won: per_origin
            .iter()
            .filter(|s| matches!((s.wape, s.naive_wape), (Some(a), Some(b)) if a < b))
            .count(),
        per_workload,
        per_origin,
    }
}

/// Block sums of one origin: per workload and fleet GPU-hours, forecast vs actual.
fn score_blocks(
    of: &OriginForecast,
    block: usize,
    hz: usize,
    actual: &dyn Fn(usize, usize) -> f64,
    kept: &dyn Fn(usize) -> bool,
    per_workload: &mut [WorkloadAccuracy],
) -> Tally {
    let mut t = Tally::default();
    let (o, f) = (of.fit_hours, &of.forecast);
    for b in 0..(hz / block).max(1) {
        let hours: Vec<usize> = (b * block..((b + 1) * block).min(hz))
            .filter(|&h| kept(o + h))
            .collect();
        let mut fleet = [0.0f64; 3];
        for (w, wa) in per_workload.iter_mut().enumerate() {
            let a: f64 = hours.iter().map(|&h| actual(w, o + h)).sum();
            let fm: f64 = hours.iter().map(|&h| f.mean[w][h]).sum();
            let fnv: f64 = hours.iter().map(|&h| of.naive[w][h]).sum();
            wa.actual_gpu_hours += a;
            wa.abs_error_gpu_hours += (fm - a).abs();
            wa.naive_abs_error_gpu_hours += (fnv - a).abs();
            t.err[0] += (fm - a).abs();
            t.err[1] += (fnv - a).abs();
            t.actual += a;
            fleet[0] += a;
            fleet[1] += fm;
            fleet[2] += fnv;
        }
        if fleet[0] > 1e-9 {
            for k in 0..2 {
                t.fleet_err[k].push((fleet[k + 1] - fleet[0]) / fleet[0]);
            }
        }
    }
    t
}

/// Hourly sums of one origin: fleet errors and band coverage over the kept hours.
fn score_hours(
    of: &OriginForecast,
    hz: usize,
    nw: usize,
    actual: &dyn Fn(usize, usize) -> f64,
    kept: &dyn Fn(usize) -> bool,
) -> Tally {
    let mut t = Tally {
        by_day: vec![CoverageSlice::default(); hz.div_ceil(DAY)],
        by_hour: vec![CoverageSlice::default(); DAY],
        ..Tally::default()
    };
    let (o, f) = (of.fit_hours, &of.forecast);
    for h in (0..hz).filter(|&h| kept(o + h)) {
        let (mut a, mut fm, mut fnv) = (0.0, 0.0, 0.0);
        let mut slice = CoverageSlice::default();
        for w in 0..nw {
            let x = actual(w, o + h);
            a += x;
            fm += f.mean[w][h];
            fnv += of.naive[w][h];
            slice.workload.count(x, f.p10[w][h], f.p90[w][h]);
        }
        slice.fleet.count(a, f.fleet_p10[h], f.fleet_p90[h]);
        t.hourly[0] += (fm - a).abs();
        t.hourly[1] += (fnv - a).abs();
        t.hourly_actual += a;
        t.bands.absorb(slice);
        t.by_day[h / DAY].absorb(slice);
        let hour = (f.start + Duration::hours(h as i64)).hour() as usize;
        t.by_hour[hour].absorb(slice);
    }
    t
}

impl Tally {
    fn merged(mut self, t: Tally) -> Tally {
        self.absorb(t);
        self
    }

    fn absorb(&mut self, t: Tally) {
        for k in 0..2 {
            self.err[k] += t.err[k];
            self.hourly[k] += t.hourly[k];
            self.fleet_err[k].extend_from_slice(&t.fleet_err[k]);
        }
        self.actual += t.actual;
        self.hourly_actual += t.hourly_actual;
        self.bands.absorb(t.bands);
        absorb_slices(&mut self.by_day, &t.by_day);
        absorb_slices(&mut self.by_hour, &t.by_hour);
    }
}
