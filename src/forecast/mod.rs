//! Demand forecasting: from the hourly history of each workload, the expected demand (the
//! point forecast), calibrated P10/P50/P90 bands and demand scenarios over the planning
//! horizon. Pure: no I/O, deterministic for a seed. Method and measured accuracy:
//! `docs/forecast.md`.
//!
//! Per workload:
//!
//! 1. **Candidates** (`candidates.rs`): seasonal-naive, the mean of the same hour over four
//!    weeks, recency-weighted levels (half-lives 24 h and 168 h) of the deseasonalized
//!    history plus an hour-of-week profile (from 168 h of history, shrunk toward
//!    hour-of-day), the current level reverting to the long-run level, mixes of the two, a
//!    level with a damped trend, and the long-run level pooled with the class's (empirical
//!    Bayes: a workload whose few weeks of history say little about its long-run level
//!    borrows from the other workloads of its class; `select::pool_levels`). The reverting
//!    candidates revert to that pooled level. Also last week's level with the damped trend,
//!    and for an intermittent series (jobs and idle gaps) the **episode** forecast
//!    (`episode.rs`): the running job held, or the gap kept, for as long as the class's
//!    jobs or gaps of that age last (Kaplan–Meier), then the pooled level.
//! 2. **Selection by rolling-origin validation** (`select.rs`): every candidate forecasts
//!    the (up to) week after each of the last 28 daily origins inside the history; the
//!    workload takes the candidate with the lowest GPU-hour error on its own record plus
//!    three times its class's pooled record. Its forecast is the **mean path**: the point
//!    forecast and the single scenario.
//! 3. **Calibration** (`calibrate.rs`): the chosen candidate's held-out errors at the same
//!    origins, normalized by the forecast (additive near 0), give per forecast day an error
//!    distribution (blended with the class's; its mean kept only as far as it stands out
//!    from its noise); the bands are its 10/50/90% quantiles around the mean path, widened
//!    after the last measured day. The fleet total has its own
//!    calibration on the fleet's held-out errors.
//! 4. **Scenarios**: a Gaussian copula over the calibrated marginals with a level shock per
//!    path (fleet-wide and per workload) and hourly AR(1) noise, its cross-workload
//!    correlation set so that the fleet total's spread matches the fleet calibration.
//! 5. **Growth**: the scenario's annual growth, compounded per hour, multiplies everything.
//!
//! Demand is never negative. Masked hours (`keep[t] == false`) are never read.

mod accuracy;
mod calibrate;
mod candidates;
mod episode;
mod profile;
pub mod term;
pub use crate::domain::rng;
mod select;

pub use accuracy::{
    rolling_accuracy, rolling_forecasts, Accuracy, BandCounts, CoverageSlice, OriginForecast,
    OriginScore, RollingSpec, WorkloadAccuracy,
};

use crate::domain::WorkloadClass;
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Scenario;
use calibrate::{Calibration, HourSpread, PathModel, Residuals, Trajectory, I10, I50, I90};
use candidates::{path, Candidate, Decomposition};
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use profile::{Series, DAY, WEEK};
use select::NC;

/// Hours in a (non-leap) year: the base of the hourly compounding of annual growth.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Settings of one forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastConfig {
    /// Hours to forecast, starting at the hour after the history.
    pub horizon_hours: usize,
    /// Annual demand growth in percent, compounded per hour on top of the forecast (`+36`
    /// multiplies demand by 1.36 after 8,760 hours).
    pub growth_annual_pct: f64,
    /// Number of demand scenarios returned (at least 1; 1 = the mean path).
    pub scenarios: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Time constant of the damped-trend candidate, hours (default 168): the trend added `h`
    /// hours ahead is `slope · Σ_{i=1..h+1} φ^i` with `φ = exp(−1/τ)`, so it levels off at
    /// about `slope · τ`. Long-run change is the job of `growth_annual_pct`. 0 stops the
    /// trend at the end of the history; `f64::INFINITY` extrapolates it linearly.
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
    /// Class (its validation record is pooled with the class's).
    pub class: WorkloadClass,
    /// The point forecaster chosen by validation: `seasonal_naive`, `week_mean`,
    /// `level_24h`, `level_168h`, `reverting`, `damped_trend`, `mix_25`, `mix_50`,
    /// `mix_75`, `pooled`, `last_week_drift` or `episode`.
    pub model: &'static str,
    /// Validation origins in the history (0: the default `level_24h`, in-sample bands).
    pub validation_origins: usize,
    /// Seasonal period of the profile: 168 (hour of week, from one week of history) or 24.
    pub period_hours: usize,
    /// History hours used (kept).
    pub kept_hours: usize,
    /// Trend of the damped-trend candidate, GPUs per day, after shrinkage toward zero by its
    /// signal-to-noise ratio (0 below two weeks of history).
    pub slope_gpus_per_day: f64,
    /// The same before shrinkage.
    pub raw_slope_gpus_per_day: f64,
    /// Current level: recency-weighted (half-life 48 h) mean of the deseasonalized history,
    /// GPUs.
    pub level_gpus: f64,
    /// Long-run level: mean of the deseasonalized history, GPUs.
    pub long_level_gpus: f64,
    /// Share of a level excursion still present a day later (lag-24 autocorrelation of the
    /// deseasonalized history, in [0, 0.9999]).
    pub daily_persistence: f64,
    /// Root mean square of the held-out errors of the chosen forecaster at the validation
    /// origins (of the deseasonalized history around its mean without them), GPUs.
    pub residual_rms: f64,
    /// Share of the held-out error variance that persists a day later (the level part of
    /// the scenarios' noise).
    pub level_share: f64,
}

/// Hourly demand forecast per workload: mean path, bands and scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// First forecast hour (the hour after the history).
    pub start: DateTime<Utc>,
    /// Hours forecast.
    pub hours: usize,
    /// Workload names, in the order of the history.
    pub workloads: Vec<String>,
    /// 10th percentile of hourly GPUs, `[w][h]` (calibrated on held-out errors).
    pub p10: Vec<Vec<f64>>,
    /// Median hourly GPUs, `[w][h]`.
    pub p50: Vec<Vec<f64>>,
    /// 90th percentile of hourly GPUs, `[w][h]`.
    pub p90: Vec<Vec<f64>>,
    /// Expected hourly GPUs, `[w][h]`: the point forecast (expected GPU-hours).
    pub mean: Vec<Vec<f64>>,
    /// Demand scenarios `[s][w][h]`; with one scenario it is the mean path.
    pub scenarios: Vec<Vec<Vec<f64>>>,
    /// Probability of each scenario (equal; they sum to 1).
    pub probs: Vec<f64>,
    /// 10th percentile of the fleet total per hour (its own calibration, not a sum of the
    /// workloads' percentiles).
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

/// One workload after selection: its mean path and its held-out record.
struct WorkloadFit {
    model: Candidate,
    dec: Decomposition,
    point: Vec<f64>,
    floor: f64,
    residuals: Residuals,
    /// Per validation origin, the chosen forecaster's forecast of the hours after it.
    held_out: Vec<Vec<f64>>,
    rms: f64,
}

/// The history as the forecaster reads it: `n` hours per workload, finite and ≥ 0, with its
/// mask and calendar phase.
struct Prepared {
    ys: Vec<Vec<f64>>,
    /// Per workload, whether its kept history is whole GPUs (see [`calibrate::floor_of`]).
    whole: Vec<bool>,
    keep: Vec<bool>,
    how0: usize,
    n: usize,
}

impl Prepared {
    fn new(history: &[Vec<f64>], keep: &[bool], start: DateTime<Utc>) -> Self {
        let n = history.iter().map(Vec::len).max().unwrap_or(0);
        let ys: Vec<Vec<f64>> = history
            .iter()
            .map(|y| {
                (0..n)
                    .map(|t| y.get(t).copied().filter(|v| v.is_finite()).unwrap_or(0.0))
                    .map(|v| v.max(0.0))
                    .collect()
            })
            .collect();
        let keep: Vec<bool> = (0..n)
            .map(|t| keep.get(t).copied().unwrap_or(true))
            .collect();
        let whole = ys
            .iter()
            .map(|y: &Vec<f64>| calibrate::is_whole(y, |t| keep[t]))
            .collect();
        Self {
            ys,
            whole,
            keep,
            how0: hour_of_week(start),
            n,
        }
    }

    fn series(&self, w: usize) -> Series<'_> {
        Series {
            y: &self.ys[w],
            keep: &self.keep,
            how0: self.how0,
            o: self.n,
        }
    }
}

/// Maps `f` over `0..n` on up to two threads, in order.
fn par_map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    par_map_into((0..n).collect(), |_, i| f(i))
}

/// Maps `f(index, item)` over owned items on up to two threads, in order.
fn par_map_into<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(usize, T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(2);
    let n = items.len();
    if threads < 2 || n < 8 {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
    }
    let mid = n / 2;
    let rest = items.split_off(mid);
    std::thread::scope(|sc| {
        let f = &f;
        let second = sc.spawn(move || {
            rest.into_iter()
                .enumerate()
                .map(|(i, x)| f(mid + i, x))
                .collect::<Vec<R>>()
        });
        let mut out: Vec<R> = items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
        match second.join() {
            Ok(tail) => out.extend(tail),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        out
    })
}

/// Fits one workload with its chosen candidate: the mean path over the horizon and the
/// held-out errors at the validation origins (in-sample errors when there are none). `dec` is
/// the decomposition at the forecast origin, `past[k]` at `origins[k]` (computed when
/// missing). `whole`: the series counts whole GPUs ([`calibrate::floor_of`]).
fn fit_workload(
    s: &Series,
    model: Candidate,
    origins: &[usize],
    (dec, past): (Decomposition, &[Decomposition]),
    horizon: usize,
    damping: f64,
    whole: bool,
) -> WorkloadFit {
    let point = path(model, s, &dec, horizon, damping);
    let floor = calibrate::floor_of(s.mean(), whole);
    let mut trajs = Vec::with_capacity(origins.len().max(1));
    let mut held_out = Vec::with_capacity(origins.len());
    let (mut ss, mut cnt) = (0.0, 0usize);
    for (k, &v) in origins.iter().enumerate() {
        let sv = Series { o: v, ..*s };
        let fresh;
        let dv = match past.get(k) {
            Some(d) => d,
            None => {
                fresh = Decomposition::of(&sv);
                &fresh
            }
        };
        let f = path(model, &sv, dv, select::target_len(v, s.o), damping);
        let tr: Vec<Option<f64>> = f
            .iter()
            .enumerate()
            .map(|(h, &fh)| {
                s.kept(v + h).then(|| {
                    let e = s.y[v + h] - fh;
                    ss += e * e;
                    cnt += 1;
                    e / calibrate::scale(fh, floor)
                })
            })
            .collect();
        trajs.push(Trajectory {
            phase: 0,
            errors: tr,
        });
        held_out.push(f);
    }
    if origins.is_empty() {
        // In-sample errors of the long-run level plus profile, as day-0 errors.
        for chunk in (0..s.o).collect::<Vec<_>>().chunks(DAY) {
            trajs.push(Trajectory {
                phase: phase_of(chunk[0], s.o),
                errors: chunk
                    .iter()
                    .map(|&t| {
                        s.kept(t).then(|| {
                            let fit = (dec.long + dec.prof[s.slot(t)]).max(0.0);
                            let e = s.y[t] - fit;
                            ss += e * e;
                            cnt += 1;
                            e / calibrate::scale(fit, floor)
                        })
                    })
                    .collect(),
            });
        }
    }
    WorkloadFit {
        model,
        residuals: Residuals::from_trajectories(&trajs, HourSpread::ByHour),
        rms: if cnt > 0 {
            (ss / cnt as f64).sqrt()
        } else {
            0.0
        },
        dec,
        point,
        floor,
        held_out,
    }
}

/// The fleet's held-out normalized errors: per validation origin, the sum over workloads of
/// actual minus forecast over the sum of forecasts (at least the fleet floor); with the
/// floor.
fn fleet_residuals(p: &Prepared, fits: &[WorkloadFit], origins: &[usize]) -> (Residuals, f64) {
    let fleet_mean: f64 = (0..p.ys.len()).map(|w| p.series(w).mean()).sum();
    let floor = calibrate::floor_of(fleet_mean, false);
    let mut trajs = Vec::new();
    for (k, &v) in origins.iter().enumerate() {
        let len = select::target_len(v, p.n);
        trajs.push(Trajectory {
            phase: 0,
            errors: (0..len)
                .map(|h| {
                    p.keep[v + h].then(|| {
                        let (mut a, mut f) = (0.0, 0.0);
                        for (w, fit) in fits.iter().enumerate() {
                            a += p.ys[w][v + h];
                            f += fit.held_out[k][h];
                        }
                        (a - f) / calibrate::scale(f, floor)
                    })
                })
                .collect(),
        });
    }
    if origins.is_empty() {
        for chunk in (0..p.n).collect::<Vec<_>>().chunks(DAY) {
            trajs.push(Trajectory {
                phase: phase_of(chunk[0], p.n),
                errors: chunk
                    .iter()
                    .map(|&t| {
                        p.keep[t].then(|| {
                            let (mut a, mut f) = (0.0, 0.0);
                            for (w, fit) in fits.iter().enumerate() {
                                let s = p.series(w);
                                a += p.ys[w][t];
                                f += (fit.dec.long + fit.dec.prof[s.slot(t)]).max(0.0);
                            }
                            (a - f) / calibrate::scale(f, floor)
                        })
                    })
                    .collect(),
            });
        }
    }
    (
        Residuals::from_trajectories(&trajs, HourSpread::Flat),
        floor,
    )
}

/// The hour of the forecast day (0 = the hour of forecast origin `o`) that history hour `t`
/// falls on.
fn phase_of(t: usize, o: usize) -> usize {
    (t % DAY + DAY - o % DAY) % DAY
}

/// The common correlation of the held-out errors (GPUs, over every calibration origin and
/// hour) of workloads `members` ([`calibrate::common_correlation`] of their RMS errors and
/// that of their sum).
fn error_correlation(
    p: &Prepared,
    fits: &[WorkloadFit],
    origins: &[usize],
    members: &[usize],
) -> f64 {
    let mut own = vec![0.0; members.len()];
    let (mut sum2, mut cnt) = (0.0, 0usize);
    for (k, &v) in origins.iter().enumerate() {
        for h in (0..select::target_len(v, p.n)).filter(|&h| p.keep[v + h]) {
            let mut total = 0.0;
            for (i, &w) in members.iter().enumerate() {
                let e = p.ys[w][v + h] - fits[w].held_out[k][h];
                own[i] += e * e;
                total += e;
            }
            sum2 += total * total;
            cnt += 1;
        }
    }
    let n = cnt.max(1) as f64;
    let sigmas: Vec<f64> = own.iter().map(|x| (x / n).sqrt()).collect();
    calibrate::common_correlation(&sigmas, (sum2 / n).sqrt())
}

/// Per workload, its calibration: its own error grids blended with its class's, whose
/// pooled errors count the independent origins they are worth (Kish's design effect
/// `1 + (n − 1)ρ` of `n` series with common error correlation ρ).
fn workload_calibrations(
    p: &Prepared,
    fits: &[WorkloadFit],
    origins: &[usize],
    classes: &[WorkloadClass],
) -> Vec<Calibration> {
    let mut group_of = vec![0; fits.len()];
    let pooled: Vec<Vec<Option<calibrate::DayGrid>>> = select::class_groups(fits.len(), classes)
        .iter()
        .enumerate()
        .map(|(g, members)| {
            let mut by = vec![Vec::new(); calibrate::BUCKETS];
            for &w in members {
                group_of[w] = g;
                for (b, v) in fits[w].residuals.by_bucket.iter().enumerate() {
                    by[b].extend_from_slice(v);
                }
            }
            let rho = error_correlation(p, fits, origins, members);
            let design_effect = 1.0 + (members.len() as f64 - 1.0) * rho;
            calibrate::pooled_grids(&by, design_effect)
        })
        .collect();
    fits.iter()
        .zip(&group_of)
        .map(|(f, &g)| Calibration::blend(&f.residuals.grids(), &pooled[g]))
        .collect()
}

/// Forecasts `cfg.horizon_hours` hours of demand after the history.
///
/// `history[w][t]` is hourly GPUs of workload `w`, `t = 0` at `start`; every workload has
/// the history's length (shorter rows read as 0; non-finite or negative values read as 0).
/// `keep[t] == false` masks hour `t` (an outage): it is never read; a `keep` shorter than the
/// history keeps the remaining hours. `classes` and `names` are indexed like `history` (a
/// missing class reads as training).
pub fn forecast(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    classes: &[WorkloadClass],
    names: &[String],
    cfg: &ForecastConfig,
) -> Forecast {
    let p = Prepared::new(history, keep, start);
    let nw = p.ys.len();
    let hz = cfg.horizon_hours;
    let damping = cfg.trend_damping_hours;
    let origins = select::validation_origins(p.n);
    let cal_origins = select::calibration_origins(&origins, p.n);
    // Decompositions at every validation origin, then at the forecast origin (last).
    let at: Vec<usize> = origins.iter().copied().chain([p.n]).collect();
    let mut decs: Vec<Vec<Decomposition>> =
        par_map(nw, |w| select::decompositions(&p.series(w), &at));
    select::pool_levels(&mut decs, classes);
    episode::pool_episodes(&mut decs, classes);
    let errors: Vec<Vec<[f64; NC]>> = par_map(nw, |w| {
        select::candidate_errors(&p.series(w), &origins, &decs[w], damping)
    });
    let defaults = select::defaults(&decs);
    let chosen = select::select(&errors, classes, !origins.is_empty(), &defaults);
    let fits: Vec<WorkloadFit> = par_map_into(decs, |w, mut past| {
        let dec = past.pop().unwrap_or_else(Decomposition::empty);
        let decs = (dec, &past[..cal_origins.len().min(past.len())]);
        fit_workload(
            &p.series(w),
            chosen[w],
            &cal_origins,
            decs,
            hz,
            damping,
            p.whole[w],
        )
    });
    let cals = workload_calibrations(&p, &fits, &cal_origins, classes);
    let (fleet_res, fleet_floor) = fleet_residuals(&p, &fits, &cal_origins);
    let fleet_cal = Calibration::blend(&fleet_res.grids(), &[]);
    let growth: Vec<Vec<f64>> = (0..nw).map(|w| growth_factors(cfg, w, hz)).collect();
    let scales: Vec<Vec<f64>> = fits
        .iter()
        .map(|f| error_scales(&f.point, f.floor, &f.residuals.spread))
        .collect();
    let fleet_point = fleet_point(&fits, hz);
    let fleet_scale = error_scales(&fleet_point, fleet_floor, &fleet_res.spread);
    let mut out = Forecast {
        start: start + Duration::hours(p.n as i64),
        hours: hz,
        workloads: (0..nw)
            .map(|w| names.get(w).cloned().unwrap_or_else(|| format!("w{w}")))
            .collect(),
        p10: Vec::with_capacity(nw),
        p50: Vec::with_capacity(nw),
        p90: Vec::with_capacity(nw),
        mean: Vec::with_capacity(nw),
        scenarios: Vec::new(),
        probs: Vec::new(),
        fleet_p10: Vec::new(),
        fleet_p50: Vec::new(),
        fleet_p90: Vec::new(),
        fits: Vec::with_capacity(nw),
    };
    for (w, f) in fits.iter().enumerate() {
        let bands = Bands {
            point: &f.point,
            scale: &scales[w],
            growth: &growth[w],
            cal: &cals[w],
        };
        let [p10, p50, p90] = bands.edges();
        out.p10.push(p10);
        out.p50.push(p50);
        out.p90.push(p90);
        out.mean
            .push((0..hz).map(|h| f.point[h] * growth[w][h]).collect());
        let s = p.series(w);
        out.fits
            .push(summary(&out.workloads[w], classes, w, f, &s, &origins));
    }
    fleet_bands(&mut out, &fleet_point, &fleet_cal, &fleet_scale);
    let corr = fleet_correlation(&out, &fits, &cals, &scales, &fleet_cal, &fleet_scale);
    out.scenarios = scenarios(cfg, &out, &fits, &cals, &scales, &growth, corr);
    out.probs = vec![1.0 / out.scenarios.len() as f64; out.scenarios.len()];
    out
}

/// One series' band edges: mean path + scale × calibrated error, at least 0, times growth.
struct Bands<'a> {
    point: &'a [f64],
    scale: &'a [f64],
    growth: &'a [f64],
    cal: &'a Calibration,
}

impl Bands<'_> {
    fn edge(&self, h: usize, r: f64) -> f64 {
        (self.point[h] + self.scale[h] * r).max(0.0) * self.growth[h]
    }

    /// P10, P50 and P90 per hour; the upper edge is lowered when demand 0 holds more than
    /// the lowest 10% ([`Calibration::upper_edge_above`]).
    fn edges(&self) -> [Vec<f64>; 3] {
        let mut out = [Vec::new(), Vec::new(), Vec::new()];
        for h in 0..self.point.len() {
            let zero = -self.point[h] / self.scale[h];
            out[0].push(self.edge(h, self.cal.at(h, I10)));
            out[1].push(self.edge(h, self.cal.at(h, I50)));
            out[2].push(self.edge(h, self.cal.upper_edge_above(h, zero)));
        }
        out
    }
}

/// The scale of a series' errors per forecast hour: the mean path (at least `floor`) times
/// the series' error spread at that hour of the day.
fn error_scales(point: &[f64], floor: f64, spread: &[f64]) -> Vec<f64> {
    point
        .iter()
        .enumerate()
        .map(|(h, &x)| calibrate::scale(x, floor) * spread.get(h % DAY).copied().unwrap_or(1.0))
        .collect()
}

/// The fleet total's mean path (before growth) over `hours` hours.
fn fleet_point(fits: &[WorkloadFit], hours: usize) -> Vec<f64> {
    (0..hours)
        .map(|h| fits.iter().map(|f| f.point[h]).sum())
        .collect()
}

/// The fleet total's bands: its mean path `point` ([`fleet_point`]) plus its own calibrated
/// errors times `scale` ([`error_scales`]; growth included through the workloads' mean
/// paths).
fn fleet_bands(out: &mut Forecast, point: &[f64], cal: &Calibration, scale: &[f64]) {
    let growth: Vec<f64> = (0..out.hours)
        .map(|h| {
            let grown: f64 = out.mean.iter().map(|m| m[h]).sum();
            if point[h] > 0.0 {
                grown / point[h]
            } else {
                1.0
            }
        })
        .collect();
    let bands = Bands {
        point,
        scale,
        growth: &growth,
        cal,
    };
    [out.fleet_p10, out.fleet_p50, out.fleet_p90] = bands.edges();
}

/// The cross-workload correlation of the scenario noise that reproduces the fleet's
/// calibrated spread over the first week.
fn fleet_correlation(
    out: &Forecast,
    fits: &[WorkloadFit],
    cals: &[Calibration],
    scales: &[Vec<f64>],
    fleet_cal: &Calibration,
    fleet_scale: &[f64],
) -> f64 {
    let hours = out.hours.min(WEEK);
    let spread: Vec<Vec<f64>> = (0..fits.len())
        .map(|w| {
            (0..hours)
                .map(|h| scales[w][h] * (cals[w].at(h, I90) - cals[w].at(h, I10)))
                .collect()
        })
        .collect();
    let fleet: Vec<f64> = (0..hours)
        .map(|h| fleet_scale[h] * (fleet_cal.at(h, I90) - fleet_cal.at(h, I10)))
        .collect();
    calibrate::fleet_correlation(&spread, &fleet, hours)
}

/// The scenarios: the mean path when one is asked for, else copula draws (growth applied).
fn scenarios(
    cfg: &ForecastConfig,
    out: &Forecast,
    fits: &[WorkloadFit],
    cals: &[Calibration],
    scales: &[Vec<f64>],
    growth: &[Vec<f64>],
    corr: f64,
) -> Vec<Vec<Vec<f64>>> {
    let count = cfg.scenarios.max(1);
    if count == 1 {
        return vec![out.mean.clone()];
    }
    let models: Vec<PathModel> = fits
        .iter()
        .enumerate()
        .map(|(w, f)| PathModel {
            point: &f.point,
            scale: &scales[w],
            cal: &cals[w],
            level_share: f.residuals.level_share,
            hourly_phi: f.residuals.hourly_phi,
        })
        .collect();
    let mut paths = par_map(count, |m| {
        calibrate::draw_path(&models, out.hours, m, corr, cfg.seed)
    });
    for sc in &mut paths {
        for (w, row) in sc.iter_mut().enumerate() {
            for (x, g) in row.iter_mut().zip(&growth[w]) {
                *x *= g;
            }
        }
    }
    paths
}

/// Growth multiplier of each forecast hour of workload `w`: `(1 + g/100)^((h+1)/8760)`.
fn growth_factors(cfg: &ForecastConfig, w: usize, hours: usize) -> Vec<f64> {
    let g = cfg
        .growth_by_workload
        .get(w)
        .copied()
        .flatten()
        .unwrap_or(cfg.growth_annual_pct);
    let rate = (1.0 + g / 100.0).max(0.0).ln() / HOURS_PER_YEAR;
    (0..hours).map(|h| (rate * (h + 1) as f64).exp()).collect()
}

fn summary(
    name: &str,
    classes: &[WorkloadClass],
    w: usize,
    f: &WorkloadFit,
    s: &Series,
    origins: &[usize],
) -> FitSummary {
    FitSummary {
        workload: name.to_string(),
        class: classes.get(w).copied().unwrap_or(WorkloadClass::Training),
        model: f.model.name(),
        validation_origins: origins.len(),
        period_hours: if s.o >= WEEK { WEEK } else { DAY },
        kept_hours: s.kept_hours(),
        slope_gpus_per_day: f.dec.slope * DAY as f64,
        raw_slope_gpus_per_day: f.dec.raw_slope * DAY as f64,
        level_gpus: f.dec.level_48h,
        long_level_gpus: f.dec.long,
        daily_persistence: f.dec.rho.powi(DAY as i32),
        residual_rms: f.rms,
        level_share: f.residuals.level_share,
    }
}

/// The seasonal-naive baseline: each forecast hour repeats the same hour of the last week
/// of history (the same hour of the last day when the history is shorter than a week).
/// A masked source hour is replaced by the same hour one period earlier, as far back as
/// needed, then by the same hour of an earlier day; a workload with no kept source reads 0.
pub fn seasonal_naive(
    history: &[Vec<f64>],
    start: DateTime<Utc>,
    keep: &[bool],
    horizon_hours: usize,
) -> Vec<Vec<f64>> {
    let p = Prepared::new(history, keep, start);
    (0..p.ys.len())
        .map(|w| {
            let s = p.series(w);
            let dec = Decomposition::empty();
            path(Candidate::SeasonalNaive, &s, &dec, horizon_hours, 0.0)
        })
        .collect()
}

/// Forecasts the planning window of loaded inputs: history = the window's demand, masks of
/// the scenario, classes of the workloads, horizon / growth / scenarios / seed of the
/// scenario file. The forecast starts at the end of the window.
pub fn forecast_inputs(inputs: &Inputs) -> Forecast {
    let demand = inputs.window_demand();
    let cfg = ForecastConfig::from_scenario(&inputs.scenario, inputs.window.hours());
    let classes = classes_of(inputs, &demand.workloads);
    forecast(
        &demand.gpus,
        inputs.window.start,
        &inputs.keep,
        &classes,
        &demand.workloads,
        &cfg,
    )
}

/// The class of each named workload in loaded inputs (training when unknown).
pub fn classes_of(inputs: &Inputs, order: &[String]) -> Vec<WorkloadClass> {
    order
        .iter()
        .map(|n| {
            inputs
                .workloads
                .iter()
                .find(|w| &w.name == n)
                .map_or(WorkloadClass::Training, |w| w.class)
        })
        .collect()
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
    fn history_hours_fall_on_the_forecast_hour_of_day() {
        // Origin at history hour 30 (06:00 of day 2): hour 30 is forecast hour-of-day 0,
        // hour 0 (18 hours before 06:00 of a day) is 18, hour 24 is 18 too, hour 29 is 23.
        assert_eq!(phase_of(30, 30), 0);
        assert_eq!(phase_of(0, 30), 18);
        assert_eq!(phase_of(24, 30), 18);
        assert_eq!(phase_of(29, 30), 23);
        assert_eq!(phase_of(48, 24), 0);
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
        assert_eq!(f.mean, vec![vec![0.0; 5]]);
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
            assert!((f.mean[0][h] - 7.5).abs() < 1e-9);
            for s in &f.scenarios {
                assert!((s[0][h] - 7.5).abs() < 1e-9);
            }
        }
    }
}
