//! Conformal-style calibration: the distribution of held-out forecast errors, measured at
//! the validation origins of the history, per forecast day; bands read from it, scenario
//! paths drawn from it with level uncertainty and the fleet's correlation.
//!
//! An error is normalized: `r = (actual − forecast) / max(forecast, floor)`, relative where
//! the forecast is large and additive (in units of the floor, a fifth of the workload's mean)
//! where it is near 0.

use super::profile::DAY;
use super::rng::SplitMix64;
use crate::domain::stats::{normal_cdf, quantile_grid};

/// Forecast days with their own error distribution (day 0 = the first 24 hours); later
/// hours use the last day's, widened (see [`Calibration::quantile`]).
pub(crate) const BUCKETS: usize = 7;
/// Grid probabilities 0.01, 0.02, …, 0.99.
const GRID: usize = 99;
/// Grid index of the 10th, 50th and 90th percentiles.
pub(crate) const I10: usize = 9;
/// Grid index of the median.
pub(crate) const I50: usize = 49;
/// Grid index of the 90th percentile.
pub(crate) const I90: usize = 89;
/// Weight, in samples, of the class's pooled errors when blended with a workload's own.
const CLASS_PRIOR_SAMPLES: f64 = 168.0;
/// Weight, in errors of average spread, of the prior that every hour of the day errs alike
/// ([`spread_by_hour`]).
const SPREAD_PRIOR_ERRORS: f64 = 8.0;
/// Normal-distribution width of the 10–90 range (2 × 1.2816).
const NORMAL_IQR80: f64 = 2.563_103;
/// Bounds of the exponent of spread growth beyond the measured days.
const ALPHA_RANGE: (f64, f64) = (0.1, 0.5);
/// Bounds of the slope of the law of spread within the measured days: it may fall as well
/// as rise (the days never narrow all the same, see [`Calibration::blend`]).
const LAW_SLOPE_RANGE: (f64, f64) = (-0.5, 0.5);
/// Scale floor as a share of the mean.
pub(crate) const FLOOR_SHARE: f64 = 0.2;

/// The normalizing scale of an error: the forecast, at least `floor`.
pub(crate) fn scale(forecast: f64, floor: f64) -> f64 {
    forecast.max(floor)
}

/// The floor of the scale of a series with this mean: a fifth of it, or 1 GPU for a series
/// that never ran. For whole-GPU demand (a count) at least 1 GPU: below one GPU its errors
/// are set by the count's granularity, not by the forecast (a forecast of 0.1 GPU meets
/// actuals of 0 or 1, an error of ten times the forecast), and errors measured relative to
/// such small forecasts would blow up the band of every hour they calibrate.
pub(crate) fn floor_of(mean: f64, whole: bool) -> f64 {
    let floor = if mean > 1e-9 { FLOOR_SHARE * mean } else { 1.0 };
    if whole {
        floor.max(1.0)
    } else {
        floor
    }
}

/// Whether a history holds only whole numbers (GPU counts) on its kept hours.
pub(crate) fn is_whole(y: &[f64], kept: impl Fn(usize) -> bool) -> bool {
    y.iter()
        .enumerate()
        .all(|(t, v)| !kept(t) || (v - v.round()).abs() < 1e-9)
}

/// One validation origin's normalized errors, hour by hour after it (`None` for masked
/// hours), with the hour of the forecast day its first hour falls on: errors of the hour
/// `h` after the trajectory's start are read as those of forecast hour-of-day
/// `(phase + h) % 24`. Validation origins lie whole days before the forecast origin, so
/// their phase is 0.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trajectory {
    /// Hour of the forecast day of the first error.
    pub phase: usize,
    /// The errors.
    pub errors: Vec<Option<f64>>,
}

/// Whether a series' errors are calibrated per hour of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HourSpread {
    /// Measure the spread of the errors per hour of the day and scale the bands by it (a
    /// workload: experiments run in office hours, traffic peaks by day).
    ByHour,
    /// Every hour alike (the fleet total: its errors are a few trajectories that move
    /// together, and their spread per hour is noise).
    Flat,
}

/// The held-out normalized errors of one series (a workload or the fleet), standardized by
/// the series' spread per hour of the day, sorted into forecast days.
#[derive(Debug, Clone, Default)]
pub(crate) struct Residuals {
    /// Per forecast day, every error divided by the spread of its hour of the day.
    pub by_bucket: Vec<Vec<f64>>,
    /// How many of one validation origin's errors within a forecast day are worth one
    /// independent sample ([`errors_per_sample`]).
    pub errors_per_sample: f64,
    /// Relative spread of the errors per hour of the forecast day (0 = the origin's hour),
    /// about 1 on average (all 1 with [`HourSpread::Flat`]): a series busy in office hours
    /// errs more by day than at night, and one error distribution for every hour gives
    /// bands too narrow by day and too wide at night. Bands scale their errors by it.
    pub spread: Vec<f64>,
    /// Share of the error variance that persists over a day (lag-24 autocorrelation within
    /// trajectories): the level part.
    pub level_share: f64,
    /// Hourly autocorrelation of the rest (bursts).
    pub hourly_phi: f64,
}

impl Residuals {
    /// Measures the spread of the errors per hour of the day (with [`HourSpread::ByHour`]),
    /// standardizes the errors by it, sorts them into days and measures their persistence.
    pub(crate) fn from_trajectories(trajectories: &[Trajectory], hours: HourSpread) -> Self {
        let spread = match hours {
            HourSpread::ByHour => spread_by_hour(trajectories),
            HourSpread::Flat => vec![1.0; DAY],
        };
        let trajs: Vec<Vec<Option<f64>>> = trajectories
            .iter()
            .map(|t| {
                t.errors
                    .iter()
                    .enumerate()
                    .map(|(h, r)| r.map(|r| r / spread[(t.phase + h) % DAY]))
                    .collect()
            })
            .collect();
        let mut by_bucket = vec![Vec::new(); BUCKETS];
        let (mut sum, mut cnt) = (0.0, 0usize);
        for tr in &trajs {
            for (h, r) in tr.iter().enumerate() {
                if let Some(r) = r {
                    by_bucket[(h / DAY).min(BUCKETS - 1)].push(*r);
                    sum += r;
                    cnt += 1;
                }
            }
        }
        let mean = if cnt > 0 { sum / cnt as f64 } else { 0.0 };
        let acf = |lag: usize| autocorrelation(&trajs, mean, lag);
        let (level_share, hourly_phi) = match (acf(DAY), acf(1)) {
            (Some(l), Some(a1)) => {
                let l = l.clamp(0.0, 0.95);
                (l, ((a1 - l) / (1.0 - l)).clamp(0.0, 0.95))
            }
            _ => (0.5, 0.8),
        };
        Self {
            by_bucket,
            errors_per_sample: errors_per_sample(trajectories),
            spread,
            level_share,
            hourly_phi,
        }
    }

    /// The quantile grid of each forecast day's errors, standing on the independent
    /// samples they are worth.
    pub(crate) fn grids(&self) -> Vec<Option<DayGrid>> {
        grids_worth(&self.by_bucket, self.errors_per_sample)
    }
}

/// The autocorrelation at `lag` hours of errors around `mean`, pairs taken within each
/// trajectory; `None` with fewer than 24 pairs or no variance.
fn autocorrelation<T: AsRef<[Option<f64>]>>(trajs: &[T], mean: f64, lag: usize) -> Option<f64> {
    let (mut num, mut den, mut pairs) = (0.0, 0.0, 0usize);
    for tr in trajs {
        let tr = tr.as_ref();
        for h in 0..tr.len() {
            if let Some(a) = tr[h] {
                den += (a - mean).powi(2);
                if let Some(Some(b)) = tr.get(h + lag) {
                    num += (a - mean) * (b - mean);
                    pairs += 1;
                }
            }
        }
    }
    (pairs >= DAY && den > 1e-12).then(|| num / den)
}

/// How many of one validation origin's errors within a forecast day carry the information
/// of one independent error: the larger of two design effects measured on the errors
/// themselves, within [1, 24]: `(1 + ρ)/(1 − ρ)` for errors that fade from hour to hour (ρ
/// their lag-one autocorrelation within trajectories) and `1 + 23·ICC` for errors that
/// share a level over the day (ICC: the share of their variance that lies between the days
/// of the trajectories, by one-way analysis of variance). A fleet of training jobs errs for
/// days at a time, and one origin's day of errors is one sample (24); a serving fleet's
/// errors are mostly hourly noise, and one origin's day measures quantiles nearly as well
/// as a day of many origins. 24 when either cannot be measured. Measured on the errors as
/// they are, before the per-hour standardization of [`Residuals`]: on the standardized
/// errors (whose lag-one autocorrelation `Residuals` computes anyway) the workload bands
/// came out further from nominal on the traces of `docs/forecast.md` (ServeGen 86.1%
/// against 81.0%).
pub(crate) fn errors_per_sample(trajectories: &[Trajectory]) -> f64 {
    let trajs: Vec<&[Option<f64>]> = trajectories.iter().map(|t| &t.errors[..]).collect();
    let days: Vec<Vec<f64>> = trajs
        .iter()
        .flat_map(|t| t.chunks(DAY).map(|c| c.iter().flatten().copied().collect()))
        .filter(|d: &Vec<f64>| d.len() >= 2)
        .collect();
    let (sum, count) = days
        .iter()
        .flatten()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    let rho = autocorrelation(&trajs, sum / count.max(1) as f64, 1);
    match (rho, within_day_share(&days)) {
        (Some(rho), Some(icc)) => {
            let rho = rho.clamp(0.0, 0.999);
            let fading = (1.0 + rho) / (1.0 - rho);
            let shared = 1.0 + (DAY - 1) as f64 * icc;
            fading.max(shared).clamp(1.0, DAY as f64)
        }
        _ => DAY as f64,
    }
}

/// The intraclass correlation of `groups` (one-way analysis of variance, unequal sizes):
/// `(MSB − MSW) / (MSB + (n₀ − 1)·MSW)`, `n₀ = (N − Σnᵢ²/N)/(g − 1)`, within [0, 1];
/// `None` with fewer than two groups, no error left within them, or no variance.
fn within_day_share(groups: &[Vec<f64>]) -> Option<f64> {
    let g = groups.len() as f64;
    let n: usize = groups.iter().map(Vec::len).sum();
    if groups.len() < 2 || n <= groups.len() {
        return None;
    }
    let total = n as f64;
    let grand = groups.iter().flatten().sum::<f64>() / total;
    let (mut between, mut within, mut sizes2) = (0.0, 0.0, 0.0);
    for v in groups {
        let k = v.len() as f64;
        let m = v.iter().sum::<f64>() / k;
        between += k * (m - grand).powi(2);
        within += v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        sizes2 += k * k;
    }
    let msb = between / (g - 1.0);
    let msw = within / (total - g);
    let n0 = (total - sizes2 / total) / (g - 1.0);
    let den = msb + (n0 - 1.0) * msw;
    (den > 1e-12).then(|| ((msb - msw) / den).clamp(0.0, 1.0))
}

/// The relative spread of errors per hour of the forecast day: the mean absolute deviation
/// of the hour's errors over that of all errors, shrunk toward 1 as if
/// [`SPREAD_PRIOR_ERRORS`] more errors of average spread had been seen at that hour (a
/// handful of errors at an hour is a noisy spread). All 1 without errors or without spread.
fn spread_by_hour(trajectories: &[Trajectory]) -> Vec<f64> {
    let errors = || {
        trajectories.iter().flat_map(|t| {
            t.errors
                .iter()
                .enumerate()
                .filter_map(move |(h, r)| r.map(|r| ((t.phase + h) % DAY, r)))
        })
    };
    let (mut sum, mut count) = (0.0, 0usize);
    for (_, r) in errors() {
        sum += r;
        count += 1;
    }
    let mean = sum / count.max(1) as f64;
    let mut dev = vec![(0.0, 0usize); DAY];
    let mut total = 0.0;
    for (slot, r) in errors() {
        dev[slot].0 += (r - mean).abs();
        dev[slot].1 += 1;
        total += (r - mean).abs();
    }
    let average = total / count.max(1) as f64;
    if average <= 1e-12 {
        return vec![1.0; DAY];
    }
    dev.iter()
        .map(|&(d, n)| (d / average + SPREAD_PRIOR_ERRORS) / (n as f64 + SPREAD_PRIOR_ERRORS))
        .collect()
}

/// The calibrated error distribution of one series: a quantile grid per forecast day, the
/// upper edge of its 80% band, and the growth of the spread after the last day measured.
#[derive(Debug, Clone)]
pub(crate) struct Calibration {
    grids: Vec<Vec<f64>>,
    /// Per day, the probability of the band's upper edge: 0.9, or down to 0.8 when errors
    /// tie at the lower edge (an atom of zero demand) so that the band holds 80%, not more.
    upper: Vec<f64>,
    /// Last forecast day with errors measured (others are extrapolated from it).
    last: usize,
    /// Spread growth exponent after it.
    alpha: f64,
}

/// One forecast day's errors, summarized.
#[derive(Debug, Clone)]
pub(crate) struct DayGrid {
    /// Quantiles at 0.01 … 0.99.
    q: Vec<f64>,
    /// Errors behind them.
    n: usize,
    /// Independent samples behind them: one per validation origin (error trajectory) when
    /// a day's errors of one origin move together, as do those of workloads pooled at the
    /// same origin; more when its hours err apart ([`errors_per_sample`]).
    samples: usize,
    /// Share of errors at or below the 10% quantile beyond 10%: the excess that ties at
    /// the band's lower edge (0 without ties).
    tied: f64,
}

/// The quantile grids of the errors of several series pooled at the same validation
/// origins, which move together: a day's errors are worth `⌈errors / (24 ×
/// design_effect)⌉` independent samples (`design_effect` = 1 for one series or independent
/// ones, the number of series when they move as one).
pub(crate) fn pooled_grids(by_bucket: &[Vec<f64>], design_effect: f64) -> Vec<Option<DayGrid>> {
    grids_worth(by_bucket, DAY as f64 * design_effect.max(1.0))
}

/// The quantile grid of each day's errors (`None` for a day without errors),
/// `errors_per_sample` of them (at least 1) worth one independent sample: a day's grid
/// stands on `⌈errors / errors_per_sample⌉` samples for its spread, and its bias is judged
/// on the origins' days behind it ([`shrink_bias`]).
fn grids_worth(by_bucket: &[Vec<f64>], errors_per_sample: f64) -> Vec<Option<DayGrid>> {
    let ps: Vec<f64> = (1..=GRID).map(|i| i as f64 / 100.0).collect();
    by_bucket
        .iter()
        .map(|v| {
            (!v.is_empty()).then(|| {
                let mut v = v.clone();
                let samples = (v.len() as f64 / errors_per_sample.max(1.0)).ceil() as usize;
                let origin_days = (v.len() as f64 / errors_per_sample.max(DAY as f64)).ceil();
                shrink_bias(&mut v, origin_days as usize);
                let q = quantile_grid(&mut v, &ps);
                let at_or_below = v.iter().filter(|&&x| x <= q[I10] + 1e-12).count() as f64;
                DayGrid {
                    tied: (at_or_below / v.len() as f64 - 0.1).max(0.0),
                    q,
                    n: v.len(),
                    samples,
                }
            })
        })
        .collect()
}

/// Moves one forecast day's errors so that their mean is kept only as far as it stands out
/// from its sampling noise: the mean `m` is kept in the share `m²/(m² + se²)`, `se²` the
/// variance of the errors over the number of validation origins' days behind them, however
/// apart their hours err: a bias is a forecast's, shared by the hours of its day (and an
/// additive shift of a zero-heavy series' errors would move its zero hours with its
/// bursts, so it is kept only when it holds over many origins). The point forecast is the
/// mean path, so errors average 0 unless the forecaster is biased; a mean measured on a few
/// validation origins (a weekend that fell in all of them, a fit on a few days) is mostly
/// noise and would shift the whole band, while one that holds over many is kept.
fn shrink_bias(v: &mut [f64], origin_days: usize) {
    if v.is_empty() {
        return;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let se2 = var / origin_days.max(1) as f64;
    let kept = if m * m + se2 > 0.0 {
        m * m / (m * m + se2)
    } else {
        1.0
    };
    let shift = (1.0 - kept) * m;
    for x in v.iter_mut() {
        *x -= shift;
    }
}

/// The blend of a series' own day grid with its class's: weights own count vs 168.
fn blend_day(own: Option<&DayGrid>, class: Option<&DayGrid>) -> Option<DayGrid> {
    match (own, class) {
        (Some(g), Some(c)) => {
            let (wo, wc) = (g.n as f64, CLASS_PRIOR_SAMPLES);
            let mix = |a: f64, b: f64| (wo * a + wc * b) / (wo + wc);
            Some(DayGrid {
                q: g.q.iter().zip(&c.q).map(|(a, b)| mix(*a, *b)).collect(),
                n: g.n + c.n,
                samples: g.samples.max(c.samples),
                tied: mix(g.tied, c.tied),
            })
        }
        (Some(g), None) => Some(g.clone()),
        (None, Some(c)) => Some(c.clone()),
        (None, None) => None,
    }
}

/// Scales a grid around its median by `f`.
fn widen(g: &mut [f64], f: f64) {
    let m = g[I50];
    for x in g.iter_mut() {
        *x = m + (*x - m) * f;
    }
}

/// Finite-sample widening of quantiles estimated from `n` independent samples (a validation
/// origin's day of errors each, or more: [`DayGrid`]): Student's t over the normal 90%
/// quantile with n − 1 degrees of freedom (Cornish–Fisher expansion), times √(1 + 1/n) for
/// the new draw; 1 for large n.
pub(crate) fn small_sample_factor(n: usize) -> f64 {
    if n < 2 {
        return if n == 1 { small_sample_factor(2) } else { 1.0 };
    }
    let z: f64 = 1.281_552;
    let nu = (n - 1) as f64;
    let t = z
        + (z.powi(3) + z) / (4.0 * nu)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * nu * nu);
    t / z * (1.0 + 1.0 / n as f64).sqrt()
}

/// Replaces the spread of each measured day by a power law of the forecast day fitted over
/// all of them, with one pooled shape. The later days of a forecast are measured by fewer
/// validation origins (only the older ones reach that far), so their own spread is a noisy
/// estimate from a handful of trajectories; the law `width(d) = w₀·(d + 1)^α` is fitted by
/// least squares on log-widths weighted by each day's independent samples, α within
/// [`LAW_SLOPE_RANGE`], and every day takes the standardized quantile shape averaged over
/// the days (same weights) around its own median. The law may fall: the later days'
/// older validation origins often erred less than the recent ones (held at the widest
/// earlier day by the rule that days never narrow), and a law forced to rise would put
/// the best-measured first day under its own spread. `days[d]` is forecast day `d`
/// (`None`: not measured). Returns α; `None` (nothing changed) with fewer than two days of
/// nonzero spread.
fn smooth_widths(days: &mut [Option<DayGrid>]) -> Option<f64> {
    let mut pts: Vec<(f64, f64, f64)> = Vec::new(); // (ln(day + 1), ln width, weight)
    let mut shape = vec![0.0; GRID];
    for (i, d) in days.iter().enumerate() {
        let Some(d) = d else { continue };
        let w = d.q[I90] - d.q[I10];
        if w <= 1e-12 {
            continue;
        }
        let n = d.samples as f64;
        pts.push((((i + 1) as f64).ln(), w.ln(), n));
        for (s, q) in shape.iter_mut().zip(&d.q) {
            *s += n * (q - d.q[I50]) / w;
        }
    }
    if pts.len() < 2 {
        return None;
    }
    let (alpha, ln_w0) = power_law(&pts, LAW_SLOPE_RANGE);
    let wsum: f64 = pts.iter().map(|p| p.2).sum();
    for s in shape.iter_mut() {
        *s /= wsum;
    }
    for (i, d) in days.iter_mut().enumerate() {
        let Some(d) = d else { continue };
        if d.q[I90] - d.q[I10] <= 1e-12 {
            continue;
        }
        let w = (ln_w0 + alpha * ((i + 1) as f64).ln()).exp();
        let m = d.q[I50];
        for (q, s) in d.q.iter_mut().zip(&shape) {
            *q = m + s * w;
        }
    }
    Some(alpha)
}

impl Calibration {
    /// The calibration of a series: its own errors' day grids blended with its class's
    /// (weights: own sample count vs 168); the spreads of the measured days smoothed into a
    /// power law of the forecast day ([`smooth_widths`]); days without errors copy the
    /// previous measured day; the spread never narrows from one day to the next; each day is
    /// widened by the small-sample factor of the independent samples behind it;
    /// after the last measured day the spread grows as `(day + 1)^α`, α the law's slope
    /// held within [`ALPHA_RANGE`] (it grows there even where the measured days' law fell).
    pub(crate) fn blend(own: &[Option<DayGrid>], class: &[Option<DayGrid>]) -> Self {
        let mut days: Vec<Option<DayGrid>> = (0..BUCKETS)
            .map(|b| {
                blend_day(
                    own.get(b).and_then(Option::as_ref),
                    class.get(b).and_then(Option::as_ref),
                )
            })
            .collect();
        let Some(last) = days.iter().rposition(Option::is_some) else {
            return Self {
                grids: vec![vec![0.0; GRID]; BUCKETS],
                upper: vec![0.9; BUCKETS],
                last: BUCKETS - 1,
                alpha: ALPHA_RANGE.1,
            };
        };
        let first = days.iter().position(Option::is_some).unwrap_or(0);
        let smoothed = smooth_widths(&mut days);
        for b in first + 1..=last {
            if days[b].is_none() {
                days[b] = days[b - 1].clone();
            }
        }
        let mut grids = Vec::with_capacity(BUCKETS);
        let mut upper = Vec::with_capacity(BUCKETS);
        let mut width = 0.0f64;
        for b in 0..BUCKETS {
            let d = days[b.clamp(first, last)].clone();
            let (mut g, tied, samples) =
                d.map_or((vec![0.0; GRID], 0.0, 0), |d| (d.q, d.tied, d.samples));
            let w = g[I90] - g[I10];
            if w > 1e-12 && w < width {
                widen(&mut g, width / w);
            }
            width = width.max(g[I90] - g[I10]);
            widen(&mut g, small_sample_factor(samples));
            grids.push(g);
            // Ties under one grid step (0.01) are sampling noise, not an atom.
            upper.push(if tied < 0.01 {
                0.9
            } else {
                (0.9 - tied).max(0.8)
            });
        }
        let alpha = smoothed.map_or_else(
            || growth_exponent(&grids[..=last]),
            |a| a.clamp(ALPHA_RANGE.0, ALPHA_RANGE.1),
        );
        Self {
            grids,
            upper,
            last,
            alpha,
        }
    }

    /// The band's upper edge (normalized error) `h` hours ahead for a forecast whose zero
    /// demand sits at normalized error `zero` (−forecast / scale): when more than 10% of the
    /// error distribution lies at or below it, the band's lower edge is demand 0 and holds
    /// that whole atom, so the upper edge moves down by the excess (to the 80% quantile at
    /// most) for the band to hold 80%; errors tied at the band's lower edge lower it the
    /// same way (see `upper`).
    pub(crate) fn upper_edge_above(&self, h: usize, zero: f64) -> f64 {
        let (b, f) = self.bucket(h);
        let at_zero = self.cdf_day(b, f, zero);
        let u = self.upper[b].min(0.9 - (at_zero - 0.1).max(0.0)).max(0.8);
        self.quantile_day(b, f, u)
    }

    /// The probability of a normalized error at or below `x` (interpolated on the grid, 0
    /// below its 1% point and 1 above its 99%).
    fn cdf_day(&self, b: usize, f: f64, x: f64) -> f64 {
        if x < self.at_day(b, f, 0) {
            return 0.0;
        }
        if x >= self.at_day(b, f, GRID - 1) {
            return 1.0;
        }
        let mut k = 0;
        while k + 2 < GRID && self.at_day(b, f, k + 1) <= x {
            k += 1;
        }
        let (a, c) = (self.at_day(b, f, k), self.at_day(b, f, k + 1));
        let t = if c > a { (x - a) / (c - a) } else { 1.0 };
        (k as f64 + 1.0 + t.clamp(0.0, 1.0)) / 100.0
    }

    /// The normalized error at probability index `i` of the grid, `h` hours ahead.
    pub(crate) fn at(&self, h: usize, i: usize) -> f64 {
        let (b, f) = self.bucket(h);
        self.at_day(b, f, i)
    }

    fn at_day(&self, b: usize, f: f64, i: usize) -> f64 {
        let g = &self.grids[b];
        g[I50] + (g[i] - g[I50]) * f
    }

    /// The normalized error at probability `u` (interpolated on the grid, flat beyond
    /// 0.01 and 0.99), `h` hours ahead.
    #[cfg(test)]
    pub(crate) fn quantile(&self, h: usize, u: f64) -> f64 {
        let (b, f) = self.bucket(h);
        self.quantile_day(b, f, u)
    }

    /// [`Calibration::quantile`] for a day already looked up with [`Calibration::bucket`].
    fn quantile_day(&self, b: usize, f: f64, u: f64) -> f64 {
        let x = (u * 100.0 - 1.0).clamp(0.0, (GRID - 1) as f64);
        let k = (x.floor() as usize).min(GRID - 2);
        let t = x - k as f64;
        let (a, c) = (self.at_day(b, f, k), self.at_day(b, f, k + 1));
        a + t * (c - a)
    }

    /// The day whose grid serves hour `h`, and the widening around its median:
    /// `((day + 1) / (last + 1))^alpha` after the last measured day, else 1.
    fn bucket(&self, h: usize) -> (usize, f64) {
        let day = h / DAY;
        if day <= self.last {
            (day, 1.0)
        } else {
            let f = ((day + 1) as f64 / (self.last + 1) as f64).powf(self.alpha);
            (self.last, f)
        }
    }
}

/// The exponent of the spread's growth with the forecast day: the least-squares slope of
/// log(P90 − P10) on log(day + 1) over the measured days, within [0.1, 0.5]; 0.5 (a random
/// walk's) with fewer than three days measured.
fn growth_exponent(grids: &[Vec<f64>]) -> f64 {
    let pts: Vec<(f64, f64, f64)> = grids
        .iter()
        .enumerate()
        .filter_map(|(b, g)| {
            let w = g[I90] - g[I10];
            (w > 1e-12).then(|| (((b + 1) as f64).ln(), w.ln(), 1.0))
        })
        .collect();
    if pts.len() < 3 {
        return ALPHA_RANGE.1;
    }
    power_law(&pts, ALPHA_RANGE).0
}

/// The weighted least-squares line through `(ln(day + 1), ln width, weight)` points: its
/// slope α within `range` (the range's top when the days do not differ) and the
/// intercept that puts it through the weighted mean point.
fn power_law(pts: &[(f64, f64, f64)], range: (f64, f64)) -> (f64, f64) {
    let wsum: f64 = pts.iter().map(|p| p.2).sum::<f64>().max(1e-300);
    let mx = pts.iter().map(|p| p.2 * p.0).sum::<f64>() / wsum;
    let my = pts.iter().map(|p| p.2 * p.1).sum::<f64>() / wsum;
    let sxy: f64 = pts.iter().map(|p| p.2 * (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| p.2 * (p.0 - mx).powi(2)).sum();
    let alpha = if sxx > 0.0 {
        (sxy / sxx).clamp(range.0, range.1)
    } else {
        range.1
    };
    (alpha, my - alpha * mx)
}

/// The numerator and denominator of the common correlation ρ of series with spreads
/// `sigmas` whose sum has spread `total`: `Var(Σx) = Σσ² + ρ·((Σσ)² − Σσ²)` solved for ρ,
/// i.e. `(total² − Σσ²) / ((Σσ)² − Σσ²)`.
fn correlation_terms(sigmas: impl Iterator<Item = f64>, total: f64) -> (f64, f64) {
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in sigmas {
        s1 += x;
        s2 += x * x;
    }
    (total * total - s2, s1 * s1 - s2)
}

/// The common correlation of series whose RMS values are `sigmas` and whose sum's RMS is
/// `total` (see [`correlation_terms`]), within [0, 1]; 1 when it cannot be measured (one
/// series, or no spread).
pub(crate) fn common_correlation(sigmas: &[f64], total: f64) -> f64 {
    let (num, den) = correlation_terms(sigmas.iter().copied(), total);
    if den <= 1e-12 {
        1.0
    } else {
        (num / den).clamp(0.0, 1.0)
    }
}

/// The correlation of the workloads' errors that makes the spread of their sum match the
/// fleet's own calibrated spread over the first `hours` hours: with per-workload spreads σ_w
/// and fleet spread σ_F, `c = (σ_F² − Σσ_w²) / ((Σσ_w)² − Σσ_w²)`, within [0, 1].
pub(crate) fn fleet_correlation(
    workload_spread: &[Vec<f64>],
    fleet_spread: &[f64],
    hours: usize,
) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (h, sf) in fleet_spread.iter().enumerate().take(hours) {
        let sigmas = workload_spread
            .iter()
            .map(|w| w.get(h).copied().unwrap_or(0.0) / NORMAL_IQR80);
        let (n, d) = correlation_terms(sigmas, sf / NORMAL_IQR80);
        num += n;
        den += d;
    }
    if den <= 1e-12 {
        0.0
    } else {
        (num / den).clamp(0.0, 1.0)
    }
}

/// What the scenario draw of one workload needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathModel<'a> {
    /// The point forecast per hour.
    pub point: &'a [f64],
    /// The error scale per hour.
    pub scale: &'a [f64],
    /// The error distribution.
    pub cal: &'a Calibration,
    /// Level share of the error variance and hourly autocorrelation of the rest.
    pub level_share: f64,
    /// Hourly autocorrelation of the non-level part.
    pub hourly_phi: f64,
}

/// Draws demand path `m` (`[w][h]`) by a Gaussian copula: the path has a fleet level shock
/// and a fleet hourly AR(1) process shared by every workload (weight `corr`), and per
/// workload its own level shock and AR(1) process, split by the workload's level share; the
/// normal score of each hour is mapped through the workload's calibrated error quantiles.
/// Every path therefore carries level uncertainty, and its marginals follow the calibrated
/// errors. Deterministic for a seed; path `m` does not depend on how many are drawn.
pub(crate) fn draw_path(
    models: &[PathModel],
    hours: usize,
    m: usize,
    corr: f64,
    seed: u64,
) -> Vec<Vec<f64>> {
    const COMMON_PHI: f64 = 0.8;
    let (rc, ri) = (corr.sqrt(), (1.0 - corr).sqrt());
    {
        {
            let mut common = SplitMix64::stream(seed, &[m as u64, 0]);
            let level = common.normal();
            let mut g = common.normal();
            let shared: Vec<f64> = (0..hours)
                .map(|h| {
                    if h > 0 {
                        g = COMMON_PHI * g
                            + (1.0 - COMMON_PHI * COMMON_PHI).sqrt() * common.normal();
                    }
                    g
                })
                .collect();
            models
                .iter()
                .enumerate()
                .map(|(w, pm)| {
                    let mut r = SplitMix64::stream(seed, &[m as u64, w as u64 + 1]);
                    let own_level = rc * level + ri * r.normal();
                    let (la, lb) = (pm.level_share.sqrt(), (1.0 - pm.level_share).sqrt());
                    let phi = pm.hourly_phi;
                    let innovation = (1.0 - phi * phi).sqrt();
                    let mut e = r.normal();
                    let mut day = (usize::MAX, 0, 1.0);
                    (0..hours)
                        .map(|h| {
                            if h > 0 {
                                e = phi * e + innovation * r.normal();
                            }
                            if h / DAY != day.0 {
                                let (b, f) = pm.cal.bucket(h);
                                day = (h / DAY, b, f);
                            }
                            let z = la * own_level + lb * (rc * shared[h] + ri * e);
                            let r = pm.cal.quantile_day(day.1, day.2, normal_cdf(z));
                            let f = pm.point.get(h).copied().unwrap_or(0.0);
                            let s = pm.scale.get(h).copied().unwrap_or(0.0);
                            (f + s * r).max(0.0)
                        })
                        .collect()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Day grids with each origin's day of errors worth one sample (errors that move
    /// together through the day).
    fn grids(by_bucket: &[Vec<f64>]) -> Vec<Option<DayGrid>> {
        grids_worth(by_bucket, DAY as f64)
    }

    fn uniform_errors(lo: f64, hi: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect()
    }

    /// Two days of errors ±1 in hours 0–11 and ±3 in hours 12–23 (signs alternating, mean
    /// 0), starting at forecast hour-of-day `phase`.
    fn two_days(phase: usize) -> Trajectory {
        let errors = (0..48)
            .map(|h| {
                let size = if h % DAY < 12 { 1.0 } else { 3.0 };
                Some(if h % 2 == 0 { size } else { -size })
            })
            .collect();
        Trajectory { phase, errors }
    }

    #[test]
    fn spread_per_hour_is_the_hours_deviation_shrunk_toward_one() {
        // Mean absolute deviation 1 in hours 0–11 and 3 in 12–23, 2 overall: raw ratios
        // 0.5 and 1.5, from 2 errors per hour, shrunk by 8 errors of ratio 1:
        // (2·0.5 + 8) / 10 = 0.9 and (2·1.5 + 8) / 10 = 1.1.
        let r = Residuals::from_trajectories(&[two_days(0)], HourSpread::ByHour);
        assert!(r.spread[..12].iter().all(|&x| (x - 0.9).abs() < 1e-12));
        assert!(r.spread[12..].iter().all(|&x| (x - 1.1).abs() < 1e-12));
        // Errors are kept standardized: the first, +1 at hour 0, reads 1 / 0.9.
        assert!((r.by_bucket[0][0] - 1.0 / 0.9).abs() < 1e-12);
        assert!((r.by_bucket[0][12] - 3.0 / 1.1).abs() < 1e-12);
        // A trajectory starting at hour 12 of the forecast day puts its quiet half there.
        let shifted = Residuals::from_trajectories(&[two_days(12)], HourSpread::ByHour);
        assert!(shifted.spread[12..]
            .iter()
            .all(|&x| (x - 0.9).abs() < 1e-12));
        assert!(shifted.spread[..12]
            .iter()
            .all(|&x| (x - 1.1).abs() < 1e-12));
        // Flat: every hour alike, the errors as they are.
        let flat = Residuals::from_trajectories(&[two_days(0)], HourSpread::Flat);
        assert!(flat.spread.iter().all(|&x| x == 1.0));
        assert_eq!(flat.by_bucket[0][12], 3.0);
        // No errors (all masked): every hour alike.
        let masked = Trajectory {
            phase: 0,
            errors: vec![None; 24],
        };
        let none = Residuals::from_trajectories(&[masked], HourSpread::ByHour);
        assert!(none.spread.iter().all(|&x| x == 1.0));
    }

    #[test]
    fn grid_reads_the_quantiles_and_widens_after_the_last_day() {
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-1.0, 1.0, 201);
        by[1] = uniform_errors(-2.0, 2.0, 201);
        let g = grids(&by);
        let cal = Calibration::blend(&g, &[]);
        // 201 errors a day come from ⌈201 / 24⌉ = 9 trajectories: widened by that factor.
        let f = small_sample_factor(9);
        assert!(f > 1.05 && f < 1.2, "{f}");
        // Widths 1.6 and 3.2 (slope 1, clamped to 0.5) smoothed into one law through their
        // mean log-width: 1.6 · 2^0.25 and 1.6 · 2^0.75.
        let (w0, w1) = (1.6 * 2f64.powf(0.25), 1.6 * 2f64.powf(0.75));
        assert!(
            (cal.at(0, I10) + w0 / 2.0 * f).abs() < 1e-9,
            "{}",
            cal.at(0, I10)
        );
        assert!((cal.at(30, I90) - w1 / 2.0 * f).abs() < 1e-9);
        // Two days measured, growth exponent 0.5: day 3 widened by √(4/2).
        let w3 = cal.at(3 * DAY, I90) - cal.at(3 * DAY, I10);
        assert!((w3 - w1 * f * 2f64.sqrt()).abs() < 1e-9, "{w3}");
        assert!((cal.quantile(0, 0.5) - 0.0).abs() < 1e-9);
    }

    #[test]
    fn a_falling_law_holds_the_days_and_grows_beyond_them() {
        // Widths 3.2 then 1.6 (slope −1, held at −0.5): the law through their mean
        // log-width gives day 0 √(3.2 · 1.6) · 2^0.25 and day 1 that over √2, which the
        // days-never-narrow rule lifts back to day 0's. After the last measured day the
        // spread grows at the least exponent, 0.1: day 3 is 2^0.1 wider.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-2.0, 2.0, 201);
        by[1] = uniform_errors(-1.0, 1.0, 201);
        let cal = Calibration::blend(&grids(&by), &[]);
        let f = small_sample_factor(9);
        let w0 = (3.2f64 * 1.6).sqrt() * 2f64.powf(0.25) * f;
        let width = |h: usize| cal.at(h, I90) - cal.at(h, I10);
        assert!((width(0) - w0).abs() < 1e-9, "{}", width(0));
        assert!((width(DAY) - w0).abs() < 1e-9, "{}", width(DAY));
        assert!((width(3 * DAY) - w0 * 2f64.powf(0.1)).abs() < 1e-9);
    }

    #[test]
    fn a_bias_is_kept_as_far_as_it_stands_out_from_its_noise() {
        // 48 errors (2 trajectories): 24 at 0 and 24 at 2. Mean 1, variance 1, se² = 1/2:
        // the mean is kept in the share 1/(1 + 1/2) = 2/3, so every error moves by −1/3.
        let mut v: Vec<f64> = (0..48).map(|i| if i < 24 { 0.0 } else { 2.0 }).collect();
        shrink_bias(&mut v, 2);
        assert!((v[0] + 1.0 / 3.0).abs() < 1e-12 && (v[47] - 5.0 / 3.0).abs() < 1e-12);
        // The same errors over 48 trajectories (1,152 errors): se² = 1/48, kept 48/49.
        let mut v: Vec<f64> = (0..1152)
            .map(|i| if i % 2 == 0 { 0.0 } else { 2.0 })
            .collect();
        shrink_bias(&mut v, 48);
        assert!((v[0] + 1.0 / 49.0).abs() < 1e-12, "{}", v[0]);
        // No spread: the mean is certain and kept; no errors: nothing to do.
        let mut v = vec![0.5; 30];
        shrink_bias(&mut v, 2);
        assert_eq!(v, vec![0.5; 30]);
        shrink_bias(&mut [], 0);
        // Errors of two origins' days that err apart hour by hour stand on 48 samples for
        // their spread, but their bias is still judged on the 2 origins' days: the grid
        // moves by −1/3 either way.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = (0..48).map(|i| if i < 24 { 0.0 } else { 2.0 }).collect();
        for (per_sample, samples) in [(DAY as f64, 2), (1.0, 48)] {
            let g = grids_worth(&by, per_sample);
            let d = g[0].as_ref().map_or((0.0, 0), |d| (d.q[0], d.samples));
            assert!((d.0 + 1.0 / 3.0).abs() < 1e-12 && d.1 == samples, "{d:?}");
        }
    }

    #[test]
    fn ties_at_the_lower_edge_lower_the_upper_edge() {
        // 30% of the errors tie at −1 (idle hours): the band [q10, q90] would hold 90%, so
        // its upper edge moves down to the 80% quantile. The others are spread evenly over
        // [0, 6/7), so that the errors average 0 and no bias is taken out.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = (0..1000)
            .map(|i| {
                if i < 300 {
                    -1.0
                } else {
                    (i - 300) as f64 / 700.0 * 6.0 / 7.0
                }
            })
            .collect();
        let cal = Calibration::blend(&grids(&by), &[]);
        let held = by[0]
            .iter()
            .filter(|&&r| r >= cal.at(0, I10) - 1e-12 && r <= cal.upper_edge_above(0, -1.0) + 1e-12)
            .count();
        assert!((790..=810).contains(&held), "{held}");
        // Without ties the upper edge is the 90% quantile.
        by[0] = uniform_errors(-1.0, 1.0, 24_001);
        let cal = Calibration::blend(&grids(&by), &[]);
        assert!((cal.upper_edge_above(0, -1.0) - cal.at(0, I90)).abs() < 1e-9);
        // Large samples are hardly widened; a handful of trajectories are.
        assert!(small_sample_factor(1000) < 1.01 && small_sample_factor(3) > 1.3);
    }

    #[test]
    fn correlation_reproduces_the_fleet_spread() {
        // Two identical workloads: independent → fleet spread √2·s; perfectly correlated → 2·s.
        let w = vec![vec![1.0; 4], vec![1.0; 4]];
        assert!(fleet_correlation(&w, &[2f64.sqrt(); 4], 4).abs() < 1e-9);
        assert!((fleet_correlation(&w, &[2.0; 4], 4) - 1.0).abs() < 1e-9);
        assert!((fleet_correlation(&w, &[3.0; 4], 4) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn paths_follow_the_calibrated_marginals() {
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-0.5, 0.5, 1001);
        let cal = Calibration::blend(&grids(&by), &[]);
        let point = vec![10.0; DAY];
        let scale = vec![10.0; DAY];
        let m = PathModel {
            point: &point,
            scale: &scale,
            cal: &cal,
            level_share: 0.5,
            hourly_phi: 0.5,
        };
        let paths: Vec<Vec<Vec<f64>>> =
            (0..2000).map(|k| draw_path(&[m], DAY, k, 0.0, 7)).collect();
        let below: usize = paths.iter().filter(|p| p[0][5] < 10.0 - 4.0).count();
        // P(r < −0.4) = 0.1 for errors uniform on [−0.5, 0.5].
        assert!((150..250).contains(&below), "{below}");
    }

    #[test]
    fn day_spreads_follow_one_power_law_of_the_forecast_day() {
        // Day 0 spans [−1, 1] (width 1.6 between the 10% and 90% points), day 1 four times
        // that, equally measured: the slope ln 4 / ln 2 = 2 is clamped to 0.5, so the law
        // passes through the mean log-width at the mean log-day: w₀ = 1.6 · 4^0.5 / 2^0.25
        // and w₁ = w₀ · 2^0.5.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-1.0, 1.0, 2401);
        by[1] = uniform_errors(-4.0, 4.0, 2401);
        let mut days = grids(&by);
        let alpha = smooth_widths(&mut days);
        assert_eq!(alpha, Some(ALPHA_RANGE.1));
        let width = |d: &Option<DayGrid>| d.as_ref().map_or(0.0, |d| d.q[I90] - d.q[I10]);
        let w0 = 1.6 * 2.0 / 2f64.powf(0.25);
        assert!((width(&days[0]) - w0).abs() < 1e-9, "{}", width(&days[0]));
        assert!((width(&days[1]) - w0 * 2f64.sqrt()).abs() < 1e-9);
        // Both days keep their (uniform) shape around their own median.
        let d0 = days[0].as_ref().map_or(vec![], |d| d.q.clone());
        assert!((d0[I50]).abs() < 1e-9 && (d0[I10] + d0[I90]).abs() < 1e-9);
        // Spreads already on a law within the range are left as they are.
        by[1] = uniform_errors(-2f64.powf(0.3), 2f64.powf(0.3), 2401);
        let mut days = grids(&by);
        let alpha = smooth_widths(&mut days).unwrap_or(0.0);
        assert!((alpha - 0.3).abs() < 1e-9, "{alpha}");
        assert!((width(&days[1]) - 1.6 * 2f64.powf(0.3)).abs() < 1e-9);
        // A later day measured narrower: the law falls with it (slope −0.3), within range.
        by[1] = uniform_errors(-2f64.powf(-0.3), 2f64.powf(-0.3), 2401);
        let mut days = grids(&by);
        let alpha = smooth_widths(&mut days).unwrap_or(0.0);
        assert!((alpha + 0.3).abs() < 1e-9, "{alpha}");
        // A single measured day: nothing to fit.
        by[1].clear();
        assert_eq!(smooth_widths(&mut grids(&by)), None);
    }

    #[test]
    fn a_band_whose_lower_edge_is_zero_demand_holds_eighty_percent() {
        // Errors uniform on [−1, 1]: a forecast of 0.6 scale units puts demand 0 at −0.6,
        // the 20% point. A band whose lower edge is demand 0 holds those 20% as well as the
        // next 10% and more, so its upper edge moves from the 90% point (0.8) down to the
        // 80% point (0.6): the band then holds 80%.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-1.0, 1.0, 24_001);
        let cal = Calibration::blend(&grids(&by), &[]);
        let f = small_sample_factor(1001);
        assert!((cal.upper_edge_above(0, -0.6) - 0.6 * f).abs() < 1e-6);
        // Zero demand in the lowest 10%: the band is the plain 10–90% range.
        assert!((cal.upper_edge_above(0, -0.95) - 0.8 * f).abs() < 1e-6);
        // Never below the 80% point, however much of the distribution is at zero.
        assert!((cal.upper_edge_above(0, 0.5) - 0.6 * f).abs() < 1e-6);
    }

    #[test]
    fn the_common_correlation_of_series_is_read_from_the_spread_of_their_sum() {
        // Two series of RMS 1: a sum of RMS √2 means independent, 2 identical, 0 opposite.
        assert!(common_correlation(&[1.0, 1.0], 2f64.sqrt()).abs() < 1e-12);
        assert!((common_correlation(&[1.0, 1.0], 2.0) - 1.0).abs() < 1e-12);
        assert_eq!(common_correlation(&[1.0, 1.0], 0.0), 0.0);
        // Three series of RMS 1 with ρ = 0.5: Var(sum) = 3 + 0.5 · 6 = 6.
        assert!((common_correlation(&[1.0; 3], 6f64.sqrt()) - 0.5).abs() < 1e-12);
        // One series: not measurable, taken as moving together.
        assert_eq!(common_correlation(&[1.0], 1.0), 1.0);
    }

    #[test]
    fn pooled_errors_count_the_origins_they_are_worth() {
        // 4 series × 3 origins × 24 hours: independent series are worth 12 trajectories,
        // series that move as one (design effect 4) only the 3 origins.
        let mut by = vec![Vec::new(); BUCKETS];
        by[0] = uniform_errors(-1.0, 1.0, 4 * 3 * DAY);
        let samples = |g: &[Option<DayGrid>]| g[0].as_ref().map_or(0, |d| d.samples);
        assert_eq!(samples(&pooled_grids(&by, 1.0)), 12);
        assert_eq!(samples(&pooled_grids(&by, 4.0)), 3);
    }

    #[test]
    fn the_share_of_variance_between_days_by_hand() {
        // Means 2 and 6 around 4: MSB = (2·4 + 2·4) / 1 = 16; MSW = 4 / 2 = 2; n₀ = 2;
        // ICC = (16 − 2) / (16 + 2) = 7/9.
        let icc = within_day_share(&[vec![1.0, 3.0], vec![5.0, 7.0]]);
        assert!((icc.unwrap_or(0.0) - 7.0 / 9.0).abs() < 1e-12);
        // Equal days: nothing between them (the estimate, −1, is held at 0).
        assert_eq!(
            within_day_share(&[vec![1.0, 3.0], vec![1.0, 3.0]]),
            Some(0.0)
        );
        assert_eq!(within_day_share(&[vec![1.0, 3.0]]), None);
    }

    #[test]
    fn a_days_errors_count_as_many_samples_as_they_err_apart() {
        let traj = |f: &dyn Fn(usize) -> f64, days: usize| Trajectory {
            phase: 0,
            errors: (0..days * DAY).map(|h| Some(f(h))).collect(),
        };
        // Each day one level (its errors move as one): a day is one sample.
        let level = |h: usize| [3.0, -1.0, 0.5, -2.5][h / DAY];
        assert_eq!(errors_per_sample(&[traj(&level, 4)]), DAY as f64);
        // Alternating hour by hour, no level: every error is a sample.
        let flip = |h: usize| if h % 2 == 0 { 1.0 } else { -1.0 };
        assert_eq!(errors_per_sample(&[traj(&flip, 2)]), 1.0);
        // Runs of three alike, no level: of 47 pairs 32 agree and 15 differ, ρ = 17/48,
        // and (1 + ρ)/(1 − ρ) = 65/31 errors make one sample.
        let runs = |h: usize| if (h / 3) % 2 == 0 { 1.0 } else { -1.0 };
        assert!((errors_per_sample(&[traj(&runs, 2)]) - 65.0 / 31.0).abs() < 1e-12);
        // Too few errors to measure: one sample a day, as for any series.
        let short = Trajectory {
            phase: 0,
            errors: vec![Some(1.0), Some(-1.0), Some(0.5)],
        };
        assert_eq!(errors_per_sample(&[short]), DAY as f64);
    }

    #[test]
    fn whole_gpu_demand_has_a_scale_of_at_least_one_gpu() {
        assert!((floor_of(0.3, false) - 0.06).abs() < 1e-12);
        assert_eq!(floor_of(0.3, true), 1.0);
        assert!((floor_of(100.0, true) - 20.0).abs() < 1e-12);
        assert_eq!(floor_of(0.0, false), 1.0);
        let y = [0.0, 2.0, 0.5, 3.0];
        assert!(!is_whole(&y, |_| true));
        assert!(is_whole(&y, |t| t != 2), "a masked fraction does not count");
    }
}
