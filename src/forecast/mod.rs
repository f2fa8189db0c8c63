//! Demand forecasting: from the hourly history of each workload, demand scenarios and
//! P10/P50/P90 bands over the planning horizon. Pure: no I/O, deterministic for a seed.
//!
//! Per workload (details, assumptions and measured accuracy in `docs/forecast.md`):
//!
//! ```text
//! demand(h) = max(0, shape(slot) + long + (level − long)·ρ^(h+1) + slope·D(h) + residual(h))
//!             · (1 + growth)^((h+1)/8760)
//! ```
//!
//! - **trend** (`slope`): Theil–Sen over pairs of whole days a multiple of 7 days apart (so
//!   that weekly seasonality cancels), each pair measured on the hours both days keep;
//!   shrunk toward zero by its bootstrap signal-to-noise ratio; damped forward by
//!   `D(h) = Σ_{i=1..h+1} exp(−i/τ)` ([`ForecastConfig::trend_damping_hours`]). No trend
//!   with less than two weeks of history;
//! - **seasonality** (`shape`): median per hour of the week of the detrended kept history
//!   (hour of the day below two weeks), shrunk by an empirical-Bayes factor toward the
//!   hour-of-day profile, itself shrunk toward the overall level; an exactly periodic series
//!   is not shrunk at all;
//! - **level**: the current level (recency-weighted median of the detrended, deseasonalized
//!   history) decays toward the long-run level (its median) with the hourly persistence ρ
//!   measured by the lag-24 autocorrelation: a temporary spike fades, a lasting shift stays;
//! - **growth**: the scenario's annual growth, compounded per hour, multiplies everything;
//! - **uncertainty**: each path adds residuals copied in blocks of
//!   [`ForecastConfig::block_hours`] consecutive kept hours starting at the same hour of the
//!   day (the same blocks for every workload, so that the fleet total keeps its
//!   cross-workload correlation), level excursions scaled by the AR(1) spread
//!   √(1 − ρ^(2(h+1))), and a slope re-estimated on days resampled in weekly blocks;
//! - **classes**: inference takes its current level over about a week (half-life 168 h), a
//!   stable seasonal profile; training over about a day (half-life 24 h): the level is the
//!   jobs running now and its bursts come back through the residual blocks; experimentation
//!   is sparse, so it is not decomposed: each path replays blocks of its own history taken
//!   at the same hour of the week (zero hours stay zero) times a trend factor.
//!
//! Demand is never negative. Masked hours (`keep[t] == false`) are never read.

mod accuracy;
mod model;
pub mod term;
pub use crate::domain::rng;

pub use accuracy::{holdout_accuracy, Accuracy};

use crate::domain::stats::quantiles_select;
use crate::domain::WorkloadClass;
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Scenario;
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use model::{fit, ClassParams, Layout, DAY, WEEK};
use rng::SplitMix64;

/// Hours in a (non-leap) year: the base of the hourly compounding of annual growth.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Settings of one forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastConfig {
    /// Hours to forecast, starting at the hour after the history.
    pub horizon_hours: usize,
    /// Annual demand growth in percent, compounded per hour on top of the fitted trend
    /// (`+36` multiplies demand by 1.36 after 8,760 hours).
    pub growth_annual_pct: f64,
    /// Number of demand scenarios returned (at least 1; 1 = the P50 path).
    pub scenarios: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Length of the residual bootstrap blocks, in kept hours (default 24).
    pub block_hours: usize,
    /// Bootstrap paths behind the P10/P50/P90 bands (default 200; at least `scenarios` are
    /// drawn; the returned scenarios are the first paths).
    pub band_paths: usize,
    /// Time constant of the trend damping, hours (default 168): the trend added `h` hours
    /// ahead is `slope · Σ_{i=1..h+1} φ^i` with `φ = exp(−1/τ)`, so it levels off at about
    /// `slope · τ`. Long-run change is the job of `growth_annual_pct`. 0 stops the trend at
    /// the end of the history (it still places the level there); `f64::INFINITY`
    /// extrapolates it linearly.
    pub trend_damping_hours: f64,
    /// Per-workload annual growth in percent overriding `growth_annual_pct` (indexed like
    /// the workloads; missing or `None` entries use `growth_annual_pct`).
    pub growth_by_workload: Vec<Option<f64>>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            horizon_hours: WEEK,
            growth_annual_pct: 0.0,
            scenarios: 1,
            seed: 1,
            block_hours: DAY,
            band_paths: 200,
            trend_damping_hours: WEEK as f64,
            growth_by_workload: Vec::new(),
        }
    }
}

impl ForecastConfig {
    /// A configuration with the given horizon, growth, scenario count and seed, and default
    /// values elsewhere.
    pub fn new(horizon_hours: usize, growth_annual_pct: f64, scenarios: usize, seed: u64) -> Self {
        Self {
            horizon_hours,
            growth_annual_pct,
            scenarios,
            seed,
            ..Self::default()
        }
    }

    /// The configuration a scenario file asks for; `window_hours` (the planning window's
    /// length) is the horizon when the scenario sets none.
    pub fn from_scenario(scenario: &Scenario, window_hours: usize) -> Self {
        let horizon = scenario
            .window
            .horizon_hours
            .map_or(window_hours, |h| h.max(0) as usize);
        Self::new(
            horizon,
            scenario.growth_annual_pct,
            scenario.forecast_scenarios as usize,
            scenario.seed,
        )
    }
}

/// What the fit found for one workload (for reports).
#[derive(Debug, Clone, PartialEq)]
pub struct FitSummary {
    /// Workload name.
    pub workload: String,
    /// Class used.
    pub class: WorkloadClass,
    /// Seasonal period used: 168 (hour of week) or 24 (hour of day).
    pub period_hours: usize,
    /// History hours used (kept).
    pub kept_hours: usize,
    /// Trend used, GPUs per day before damping: the Theil–Sen slope shrunk toward zero by
    /// its bootstrap signal-to-noise ratio.
    pub slope_gpus_per_day: f64,
    /// Theil–Sen slope before shrinkage, GPUs per day.
    pub raw_slope_gpus_per_day: f64,
    /// Current level (recency-weighted median of the detrended, deseasonalized history),
    /// GPUs.
    pub level_gpus: f64,
    /// Long-run level (median of the same), GPUs: where the level reverts to.
    pub long_level_gpus: f64,
    /// Share of a level excursion still present a day later (lag-24 autocorrelation of the
    /// deseasonalized history, clamped to [0, 0.9999]).
    pub daily_persistence: f64,
    /// Root mean square of the deseasonalized history around the long-run level, GPUs.
    pub residual_rms: f64,
}

/// Hourly demand forecast per workload: bands and scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// First forecast hour (the hour after the history).
    pub start: DateTime<Utc>,
    /// Hours forecast.
    pub hours: usize,
    /// Workload names, in the order of the history.
    pub workloads: Vec<String>,
    /// 10th percentile of hourly GPUs, `[w][h]`.
    pub p10: Vec<Vec<f64>>,
    /// Median hourly GPUs, `[w][h]`.
    pub p50: Vec<Vec<f64>>,
    /// 90th percentile of hourly GPUs, `[w][h]`.
    pub p90: Vec<Vec<f64>>,
    /// Mean hourly GPUs over the bootstrap paths, `[w][h]` (the expected GPU-hours).
    pub mean: Vec<Vec<f64>>,
    /// Demand scenarios `[s][w][h]`; with one scenario it is the P50 path.
    pub scenarios: Vec<Vec<Vec<f64>>>,
    /// Probability of each scenario (equal; they sum to 1).
    pub probs: Vec<f64>,
    /// 10th percentile of the fleet total per hour (joint paths, so correlation counts).
    pub fleet_p10: Vec<f64>,
    /// Median of the fleet total per hour.
    pub fleet_p50: Vec<f64>,
    /// 90th percentile of the fleet total per hour.
    pub fleet_p90: Vec<f64>,
    /// Per-workload fit summary.
    pub fits: Vec<FitSummary>,
}

/// Hour of the week (Monday 00:00 UTC = 0) of an instant.
fn hour_of_week(t: DateTime<Utc>) -> usize {
    t.weekday().num_days_from_monday() as usize * DAY + t.hour() as usize
}

/// Forecasts `cfg.horizon_hours` hours of demand after the history.
///
/// `history[w][t]` is hourly GPUs of workload `w`, `t = 0` at `start`; every workload has
/// the history's length (shorter rows read as 0; non-finite or negative values read as 0).
/// `keep[t] == false` masks hour `t` (an outage): it is excluded from every fit and never
/// resampled; a `keep` shorter than the history keeps the remaining hours. `classes` and
/// `names` are indexed like `history` (a missing class reads as training).
pub fn forecast(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    classes: &[WorkloadClass],
    names: &[String],
    cfg: &ForecastConfig,
) -> Forecast {
    let n = history.iter().map(Vec::len).max().unwrap_or(0);
    let nw = history.len();
    let hz = cfg.horizon_hours;
    let s_out = cfg.scenarios.max(1);
    let paths = cfg.band_paths.max(s_out).max(1);
    let lay = Layout::new(n, keep, hour_of_week(start), cfg.block_hours);

    // Shared per path: residual sources (same blocks for every workload) and day draws for
    // the trend bootstrap.
    let sources: Vec<Vec<Option<u32>>> = (0..paths)
        .map(|m| lay.sources(&mut SplitMix64::stream(cfg.seed, &[1, m as u64]), hz, false))
        .collect();
    // Experimentation replays whole blocks of its history at the same hour of the week.
    let sparse_sources: Vec<Vec<Option<u32>>> = if (0..history.len())
        .any(|w| ClassParams::of(classes.get(w).copied().unwrap_or(WorkloadClass::Training)).replay)
    {
        (0..paths)
            .map(|m| lay.sources(&mut SplitMix64::stream(cfg.seed, &[3, m as u64]), hz, true))
            .collect()
    } else {
        Vec::new()
    };
    let day_draws: Vec<Vec<u32>> = (0..paths)
        .map(|m| lay.day_counts(&mut SplitMix64::stream(cfg.seed, &[2, m as u64])))
        .collect();

    // Damped cumulative trend multiplier per forecast hour.
    let damp = damped_trend(cfg.trend_damping_hours, hz);

    let mut out = Forecast::empty(start + Duration::hours(n as i64), hz, names, nw, s_out);
    // Path values are stored hour-major (`[h * paths + m]`) so that each hour's values are
    // contiguous for the quantiles.
    let at = |h: usize, m: usize| h * paths + m;
    let mut fleet = vec![0.0; hz * paths];
    let mut buf = vec![0.0; hz * paths];
    for (w, y) in history.iter().enumerate() {
        let class = classes.get(w).copied().unwrap_or(WorkloadClass::Training);
        let f = fit(y, &lay, ClassParams::of(class), &day_draws);
        let g = cfg
            .growth_by_workload
            .get(w)
            .copied()
            .flatten()
            .unwrap_or(cfg.growth_annual_pct);
        let growth_rate = (1.0 + g / 100.0).max(0.0).ln() / HOURS_PER_YEAR;
        // Level path: the current level decays toward the long-run one; level excursions
        // drawn from history are scaled by the AR(1) conditional spread √(1 − ρ^(2(h+1))).
        let mut pw = 1.0;
        for h in 0..hz {
            pw *= f.persistence;
            let level = f.long_level + (f.level - f.long_level) * pw;
            let spread = (1.0 - pw * pw).max(0.0).sqrt();
            let growth = (growth_rate * (h + 1) as f64).exp();
            let shape = f.shape[lay.slot(n + h)];
            for m in 0..paths {
                let slope = f.path_slopes[m];
                let x = if f.replay {
                    let factor = if f.mean_level > 0.0 {
                        (1.0 + slope * damp[h] / f.mean_level).max(0.0)
                    } else {
                        1.0
                    };
                    sparse_sources[m][h].map_or(0.0, |t| f.raw[t as usize]) * factor
                } else {
                    let resid = sources[m][h]
                        .map_or(0.0, |t| f.slow[t as usize] * spread + f.fast[t as usize]);
                    (shape + level + resid + slope * damp[h]).max(0.0)
                };
                let v = x * growth;
                buf[at(h, m)] = v;
                fleet[at(h, m)] += v;
            }
        }
        if s_out > 1 {
            for (s, sc) in out.scenarios.iter_mut().enumerate() {
                sc.push((0..hz).map(|h| buf[at(h, s)]).collect());
            }
        }
        let [q10, q50, q90, mean] = path_quantiles(&mut buf, paths);
        if s_out == 1 {
            out.scenarios[0].push(q50.clone());
        }
        out.fits
            .push(fit_summary(&out.workloads[w], class, &lay, &f));
        out.p10.push(q10);
        out.p50.push(q50);
        out.p90.push(q90);
        out.mean.push(mean);
    }
    for col in fleet.chunks_mut(paths) {
        let [a, b, c] = quantiles_select(col, [0.1, 0.5, 0.9]);
        out.fleet_p10.push(a);
        out.fleet_p50.push(b);
        out.fleet_p90.push(c);
    }
    out
}

impl Forecast {
    /// A forecast of `nw` workloads over `hz` hours from `start` with `s_out` scenarios,
    /// before any workload is filled in.
    fn empty(start: DateTime<Utc>, hz: usize, names: &[String], nw: usize, s_out: usize) -> Self {
        Forecast {
            start,
            hours: hz,
            workloads: (0..nw)
                .map(|w| names.get(w).cloned().unwrap_or_else(|| format!("w{w}")))
                .collect(),
            p10: Vec::with_capacity(nw),
            p50: Vec::with_capacity(nw),
            p90: Vec::with_capacity(nw),
            mean: Vec::with_capacity(nw),
            scenarios: vec![Vec::with_capacity(nw); s_out],
            probs: vec![1.0 / s_out as f64; s_out],
            fleet_p10: Vec::new(),
            fleet_p50: Vec::new(),
            fleet_p90: Vec::new(),
            fits: Vec::with_capacity(nw),
        }
    }
}

/// What a workload's fit found, for reports.
fn fit_summary(workload: &str, class: WorkloadClass, lay: &Layout, f: &model::Fit) -> FitSummary {
    FitSummary {
        workload: workload.to_string(),
        class,
        period_hours: lay.period,
        kept_hours: lay.keep.iter().filter(|&&k| k).count(),
        slope_gpus_per_day: f.slope * DAY as f64,
        raw_slope_gpus_per_day: f.raw_slope * DAY as f64,
        level_gpus: f.level,
        long_level_gpus: f.long_level,
        daily_persistence: f.persistence.powi(DAY as i32),
        residual_rms: f.resid_rms,
    }
}

/// `D(h) = Σ_{i=1..h+1} φ^i` with `φ = e^(−1/τ)` for each forecast hour: the damped
/// cumulative trend multiplier (τ = ∞: linear; τ ≤ 0: no forward trend).
fn damped_trend(tau: f64, hz: usize) -> Vec<f64> {
    let phi = if tau > 0.0 && tau.is_finite() {
        (-1.0 / tau).exp()
    } else if tau.is_infinite() && tau > 0.0 {
        1.0
    } else {
        0.0
    };
    let (mut pw, mut c) = (1.0, 0.0);
    (0..hz)
        .map(|_| {
            pw *= phi;
            c += pw;
            c
        })
        .collect()
}

/// Per forecast hour, the P10, P50 and P90 and the mean of the paths (`buf` is hour-major,
/// `paths` values per hour; reordered in place).
fn path_quantiles(buf: &mut [f64], paths: usize) -> [Vec<f64>; 4] {
    let hz = buf.len() / paths.max(1);
    let (mut q10, mut q50, mut q90, mut mean) = (
        Vec::with_capacity(hz),
        Vec::with_capacity(hz),
        Vec::with_capacity(hz),
        Vec::with_capacity(hz),
    );
    for col in buf.chunks_mut(paths) {
        mean.push(col.iter().sum::<f64>() / paths as f64);
        let [a, b, c] = quantiles_select(col, [0.1, 0.5, 0.9]);
        q10.push(a);
        q50.push(b);
        q90.push(c);
    }
    [q10, q50, q90, mean]
}

/// The seasonal-naive baseline: each forecast hour repeats the same hour of the last week
/// of history (the same hour of the last day when the history is shorter than a week).
/// A masked source hour is replaced by the same hour one period earlier, as far back as
/// needed; a workload with no kept source reads 0.
pub fn seasonal_naive(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    horizon_hours: usize,
) -> Vec<Vec<f64>> {
    let _ = start; // the baseline only needs positions: the forecast starts right after.
    let n = history.iter().map(Vec::len).max().unwrap_or(0);
    let kept = |t: usize| keep.get(t).copied().unwrap_or(true);
    let period = if n >= WEEK { WEEK } else { DAY };
    let source: Vec<Option<usize>> = (0..horizon_hours)
        .map(|h| {
            if n == 0 {
                return None;
            }
            // Position in the last period (which may start before the history when n < 24).
            let back = period - h % period; // hours before n
            let mut t = n as i64 - back as i64;
            while t >= 0 {
                if kept(t as usize) {
                    return Some(t as usize);
                }
                t -= period as i64;
            }
            // Fall back to the same hour of day.
            let mut t = n as i64 - (DAY - h % DAY) as i64;
            while t >= 0 {
                if kept(t as usize) {
                    return Some(t as usize);
                }
                t -= DAY as i64;
            }
            None
        })
        .collect();
    history
        .iter()
        .map(|y| {
            source
                .iter()
                .map(|s| {
                    s.and_then(|t| y.get(t).copied())
                        .filter(|v| v.is_finite())
                        .map_or(0.0, |v| v.max(0.0))
                })
                .collect()
        })
        .collect()
}

/// Forecasts the planning window of loaded inputs: history = the window's demand, masks of
/// the scenario, classes of the workloads, horizon / growth / scenarios / seed of the
/// scenario file. The forecast starts at the end of the window.
pub fn forecast_inputs(inputs: &Inputs) -> Forecast {
    let demand = inputs.window_demand();
    let cfg = ForecastConfig::from_scenario(&inputs.scenario, inputs.window.hours());
    let (classes, names) = classes_and_names(inputs, &demand.workloads);
    forecast(
        &demand.gpus,
        inputs.window.start,
        &inputs.keep,
        &classes,
        &names,
        &cfg,
    )
}

/// Holdout accuracy of the planning window of loaded inputs: fits on all but the last
/// `holdout_hours` of the window and scores the forecast of those hours.
pub fn holdout_accuracy_inputs(inputs: &Inputs, holdout_hours: usize) -> Accuracy {
    let demand = inputs.window_demand();
    let cfg = ForecastConfig::from_scenario(&inputs.scenario, inputs.window.hours());
    let (classes, names) = classes_and_names(inputs, &demand.workloads);
    holdout_accuracy(
        &demand.gpus,
        inputs.window.start,
        &inputs.keep,
        &classes,
        &names,
        holdout_hours,
        &cfg,
    )
}

fn classes_and_names(inputs: &Inputs, order: &[String]) -> (Vec<WorkloadClass>, Vec<String>) {
    let classes = order
        .iter()
        .map(|n| {
            inputs
                .workloads
                .iter()
                .find(|w| &w.name == n)
                .map_or(WorkloadClass::Training, |w| w.class)
        })
        .collect();
    (classes, order.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z")
            .expect("ts")
            .with_timezone(&Utc)
    }

    #[test]
    fn hour_of_week_is_monday_based() {
        assert_eq!(hour_of_week(t0()), 0); // 2026-01-05 is a Monday
        assert_eq!(hour_of_week(t0() + Duration::hours(30)), 30);
    }

    #[test]
    fn empty_history_forecasts_zero() {
        let f = forecast(
            &[vec![]],
            t0(),
            &[],
            &[WorkloadClass::Inference],
            &["a".into()],
            &ForecastConfig::new(5, 10.0, 3, 1),
        );
        assert_eq!(f.p50, vec![vec![0.0; 5]]);
        assert_eq!(f.scenarios.len(), 3);
    }

    #[test]
    fn seasonal_naive_skips_masked_hours() {
        let y: Vec<f64> = (0..3 * WEEK).map(|t| (t / WEEK) as f64 + 1.0).collect();
        let mut keep = vec![true; 3 * WEEK];
        keep[2 * WEEK] = false; // first hour of the last week
        let f = seasonal_naive(&[y], t0(), &keep, 2);
        assert_eq!(f[0], vec![2.0, 3.0]);
    }

    #[test]
    fn constant_series_is_flat_and_tight() {
        let y = vec![7.5; 3 * WEEK];
        let f = forecast(
            &[y],
            t0(),
            &[],
            &[WorkloadClass::Training],
            &["a".into()],
            &ForecastConfig::new(48, 0.0, 4, 3),
        );
        for h in 0..48 {
            assert!((f.p10[0][h] - 7.5).abs() < 1e-9 && (f.p90[0][h] - 7.5).abs() < 1e-9);
        }
    }
}
