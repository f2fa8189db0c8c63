//! The candidate point forecasts of one workload: each gives the expected GPUs of every
//! forecast hour from the history before an origin. Rolling-origin validation on the history
//! itself chooses among them (`select.rs`).

use super::episode::Episodes;
use super::profile::{deseasonalize, profile, Series, DAY, WEEK};
use crate::domain::stats::median;

/// Weeks averaged by [`Candidate::WeekMean`].
const WEEK_MEAN_WEEKS: usize = 4;
/// Half-life of the current level of [`Candidate::Reverting`], hours.
const REVERTING_CURRENT_HALF_LIFE: f64 = 6.0;
/// Half-life of the level under [`Candidate::DampedTrend`], hours.
const TREND_LEVEL_HALF_LIFE: f64 = 48.0;
/// Whole days two days must both keep for their difference to count in the trend.
const MIN_DAY_HOURS: usize = 12;

/// A point forecaster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Candidate {
    /// The same hour of the last week (of the last day below a week of history).
    SeasonalNaive,
    /// The mean of the same hour of the week over the last four weeks (over the last days'
    /// same hour below a week).
    WeekMean,
    /// A recency-weighted level of the deseasonalized history (exponential weights, half-life
    /// 24 h), plus the seasonal profile.
    LevelDay,
    /// The same with a half-life of a week (168 h): a smoothed weekly level × profile.
    LevelWeek,
    /// The current level (half-life 6 h) decaying toward the pooled long-run level
    /// ([`Decomposition::pooled`]) with the hourly persistence measured by the lag-24
    /// autocorrelation, plus the profile.
    Reverting,
    /// This share of [`Candidate::LevelDay`] and the rest of
    /// [`Candidate::Reverting`]: between a level that persists and one that reverts.
    Mix(f64),
    /// A level (half-life 48 h) with a damped trend measured on days a week apart, plus the
    /// profile (the level model without trend is [`Candidate::LevelDay`]).
    DampedTrend,
    /// The long-run level shrunk toward its class's (see [`Decomposition::pooled`]), plus
    /// the profile: on a bursty series a few weeks of history say little about its long-run
    /// level, and workloads of the same class say more.
    Pooled,
    /// The mean of the deseasonalized last week (equal weights; the whole history below a
    /// week) carried to the last history hour along the shrunk trend and forward along the
    /// damped trend, plus the profile: seasonal-naive's weekly level without its
    /// hour-by-hour noise, with drift.
    LastWeek,
    /// For an intermittent series (busy runs and idle gaps, like a training workload's
    /// jobs): the current job's size for as long as a job of its age is likely to run on
    /// (an idle series: nothing for as long as its gap is likely to last), then the pooled
    /// level plus the profile, weighted by the class's run and gap survival curves
    /// (`episode.rs`). A series that was never idle gets [`Candidate::LevelDay`]'s path.
    Episode,
}

/// Every candidate, in the order ties are broken.
pub(crate) const CANDIDATES: [Candidate; 12] = [
    Candidate::SeasonalNaive,
    Candidate::WeekMean,
    Candidate::LevelDay,
    Candidate::LevelWeek,
    Candidate::Reverting,
    Candidate::DampedTrend,
    Candidate::Mix(0.25),
    Candidate::Mix(0.5),
    Candidate::Mix(0.75),
    Candidate::Pooled,
    Candidate::LastWeek,
    Candidate::Episode,
];

/// The candidate kept unless validation clearly prefers another, and used when the
/// history allows no validation, for every workload but one that runs whole jobs (whose
/// default is [`Candidate::Episode`]: `select::defaults`).
pub(crate) const DEFAULT: Candidate = Candidate::LevelDay;

impl Candidate {
    /// A short stable name (reports, docs).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Candidate::SeasonalNaive => "seasonal_naive",
            Candidate::WeekMean => "week_mean",
            Candidate::LevelDay => "level_24h",
            Candidate::LevelWeek => "level_168h",
            Candidate::Reverting => "reverting",
            Candidate::DampedTrend => "damped_trend",
            Candidate::Mix(x) if x <= 0.25 => "mix_25",
            Candidate::Mix(x) if x <= 0.5 => "mix_50",
            Candidate::Mix(_) => "mix_75",
            Candidate::Pooled => "pooled",
            Candidate::LastWeek => "last_week_drift",
            Candidate::Episode => "episode",
        }
    }
}

/// What the level candidates share at one origin: the profile, the deseasonalized history
/// and its statistics.
#[derive(Debug, Clone)]
pub(crate) struct Decomposition {
    /// Additive hour-of-week profile.
    pub prof: Vec<f64>,
    /// Mean of the deseasonalized kept history.
    pub long: f64,
    /// Sampling variance of `long`: the variance of the daily means over the number of
    /// days, inflated by `(1 + r)/(1 − r)` for the lag-1 autocorrelation `r` of the daily
    /// means (0 below two whole days).
    pub long_var: f64,
    /// `long` shrunk toward the mean of its class's `long` by empirical Bayes
    /// (`select::pool_levels`); `long` until pooled.
    pub pooled: f64,
    /// Hourly persistence ρ of the deseasonalized history (24th root of its lag-24
    /// autocorrelation, in [0, 1)).
    pub rho: f64,
    /// Trend, GPUs per hour, shrunk toward zero by its signal-to-noise ratio; 0 below two
    /// weeks of history.
    pub slope: f64,
    /// The trend before shrinkage.
    pub raw_slope: f64,
    /// Recency-weighted levels of the deseasonalized history, half-lives 6 h (the current
    /// level), 24 h, 48 h and 168 h.
    pub level_6h: f64,
    /// Half-life 24 h.
    pub level_24h: f64,
    /// Half-life 48 h.
    pub level_48h: f64,
    /// Half-life 168 h.
    pub level_168h: f64,
    /// The 48-hour level moved to the last history hour along the trend.
    pub trend_level: f64,
    /// Equal-weight mean of the deseasonalized last week (the whole history below a week).
    pub week_level: f64,
    /// Mean age of the hours behind `week_level` (hours before the last history hour).
    pub week_age: f64,
    /// Busy runs, idle gaps and the state at the origin (the class's survival curves once
    /// pooled).
    pub episodes: Episodes,
}

impl AsRef<Episodes> for Decomposition {
    fn as_ref(&self) -> &Episodes {
        &self.episodes
    }
}

impl AsMut<Episodes> for Decomposition {
    fn as_mut(&mut self) -> &mut Episodes {
        &mut self.episodes
    }
}

impl Decomposition {
    /// Profile, long-run and recent levels, persistence and trend of a series (everything
    /// the candidates read, so that their paths cost O(horizon)).
    pub(crate) fn of(s: &Series) -> Self {
        let prof = profile(s);
        let d = deseasonalize(s, &prof);
        let long = ew_mean(s, &d, None);
        let rho = hourly_persistence(s, &d, long);
        let (raw_slope, slope) = weekly_slope(s, &d);
        // The weighted mean is the level its weights' mean age ago: move it to the last
        // history hour.
        let (level_48h, age) = ew_mean_age(s, &d, Some(TREND_LEVEL_HALF_LIFE));
        let (week_level, week_age) = window_mean_age(s, &d, WEEK);
        Self {
            prof,
            long,
            long_var: long_variance(s, &d),
            pooled: long,
            rho,
            slope,
            raw_slope,
            level_6h: ew_mean(s, &d, Some(REVERTING_CURRENT_HALF_LIFE)),
            level_24h: ew_mean(s, &d, Some(24.0)),
            level_48h,
            level_168h: ew_mean(s, &d, Some(168.0)),
            trend_level: level_48h + slope * age,
            week_level,
            week_age,
            episodes: Episodes::of(s),
        }
    }

    /// The decomposition of an empty history (every level 0, flat profile).
    pub(crate) fn empty() -> Self {
        Self {
            prof: vec![0.0; WEEK],
            long: 0.0,
            long_var: 0.0,
            pooled: 0.0,
            rho: 0.0,
            slope: 0.0,
            raw_slope: 0.0,
            level_6h: 0.0,
            level_24h: 0.0,
            level_48h: 0.0,
            level_168h: 0.0,
            trend_level: 0.0,
            week_level: 0.0,
            week_age: 0.0,
            episodes: Episodes::of(&Series {
                y: &[],
                keep: &[],
                how0: 0,
                o: 0,
            }),
        }
    }
}

/// Exponentially weighted mean of the kept `d` before the origin (`half_life` hours; `None`
/// = equal weights); 0 when nothing is kept.
fn ew_mean(s: &Series, d: &[f64], half_life: Option<f64>) -> f64 {
    ew_mean_age(s, d, half_life).0
}

/// The exponentially weighted mean of [`ew_mean`] and the weighted mean age of its hours
/// (hours before the last history hour): the mean of a linear series is its value that many
/// hours before the end.
fn ew_mean_age(s: &Series, d: &[f64], half_life: Option<f64>) -> (f64, f64) {
    let decay = half_life.map_or(1.0, |h| 0.5f64.powf(1.0 / h.max(1e-9)));
    let (mut num, mut den, mut age, mut w) = (0.0, 0.0, 0.0, 1.0);
    for t in (0..s.o).rev() {
        if s.kept(t) {
            num += w * d[t];
            den += w;
            age += w * (s.o - 1 - t) as f64;
        }
        w *= decay;
        if w < 1e-12 {
            break;
        }
    }
    if den > 0.0 {
        (num / den, age / den)
    } else {
        (0.0, 0.0)
    }
}

/// The equal-weight mean of the kept `d` over the last `window` hours before the origin and
/// the mean age of those hours; `(0, 0)` when none is kept.
fn window_mean_age(s: &Series, d: &[f64], window: usize) -> (f64, f64) {
    let (mut sum, mut age, mut c) = (0.0, 0.0, 0usize);
    let from = s.o.saturating_sub(window);
    for (t, x) in d.iter().enumerate().take(s.o).skip(from) {
        if s.kept(t) {
            sum += x;
            age += (s.o - 1 - t) as f64;
            c += 1;
        }
    }
    if c == 0 {
        (0.0, 0.0)
    } else {
        (sum / c as f64, age / c as f64)
    }
}

/// The mean of the kept `d` over whole day `j` before the origin (day 0 = the last 24 hours),
/// when it keeps at least [`MIN_DAY_HOURS`] hours.
fn day_mean(s: &Series, d: &[f64], j: usize) -> Option<f64> {
    let a = s.o - (j + 1) * DAY;
    let (mut sum, mut c) = (0.0, 0usize);
    for (t, x) in d.iter().enumerate().skip(a).take(DAY) {
        if s.kept(t) {
            sum += x;
            c += 1;
        }
    }
    (c >= MIN_DAY_HOURS).then(|| sum / c as f64)
}

/// The sampling variance of the mean of the kept `d` before the origin, from its whole days
/// (aligned to the origin, at least [`MIN_DAY_HOURS`] kept hours each): the variance of the
/// daily means over their count, times `(1 + r)/(1 − r)` with `r` the lag-1 autocorrelation
/// of consecutive daily means clamped to [0, 0.9] (the usual AR(1) inflation: a bursty
/// series whose days run together carries fewer independent days than it has). 0 below two
/// whole days.
fn long_variance(s: &Series, d: &[f64]) -> f64 {
    let means: Vec<f64> = (0..s.o / DAY).filter_map(|j| day_mean(s, d, j)).collect();
    let n = means.len();
    if n < 2 {
        return 0.0;
    }
    let r = crate::domain::stats::autocorrelation(&means, 1).clamp(0.0, 0.9);
    let m = means.iter().sum::<f64>() / n as f64;
    let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    var / n as f64 * (1.0 + r) / (1.0 - r)
}

/// Hourly persistence: the 24th root of the lag-24 autocorrelation of `d` over kept pairs,
/// clamped to [0, 0.9999]; 0 when undefined.
fn hourly_persistence(s: &Series, d: &[f64], mean: f64) -> f64 {
    if s.o <= DAY {
        return 0.0;
    }
    let (mut var, mut cnt) = (0.0, 0usize);
    for (t, x) in d.iter().enumerate().take(s.o) {
        if s.kept(t) {
            var += (x - mean).powi(2);
            cnt += 1;
        }
    }
    let (mut cov, mut pairs) = (0.0, 0usize);
    for t in DAY..s.o {
        if s.kept(t) && s.kept(t - DAY) {
            cov += (d[t] - mean) * (d[t - DAY] - mean);
            pairs += 1;
        }
    }
    if var <= 1e-12 || pairs == 0 {
        return 0.0;
    }
    let r = (cov / pairs as f64 / (var / cnt as f64)).clamp(0.0, 0.9999);
    r.powf(1.0 / DAY as f64)
}

/// Trend from whole days (aligned to the origin) a week apart: the median of their mean
/// differences per hour, and that median shrunk toward zero by `b²/(b² + var)` with `var`
/// the sampling variance of a median. `(0, 0)` below two weeks of history.
fn weekly_slope(s: &Series, d: &[f64]) -> (f64, f64) {
    let days = s.o / DAY;
    if days < 14 {
        return (0.0, 0.0);
    }
    let means: Vec<Option<f64>> = (0..days).map(|j| day_mean(s, d, j)).collect();
    let mut diffs: Vec<f64> = (0..days - 7)
        .filter_map(|j| Some((means[j]? - means[j + 7]?) / WEEK as f64))
        .collect();
    let k = diffs.len();
    let Some(raw) = median(&mut diffs) else {
        return (0.0, 0.0);
    };
    let mut dev: Vec<f64> = diffs.iter().map(|x| (x - raw).abs()).collect();
    let mad = median(&mut dev).unwrap_or(0.0) * 1.4826;
    // Days a week apart overlap in pairs, so count the independent weeks, not the pairs.
    let eff = (k as f64 / 7.0).max(1.0);
    let var = std::f64::consts::FRAC_PI_2 * mad * mad / eff;
    let shrunk = if raw == 0.0 {
        0.0
    } else {
        raw * raw * raw / (raw * raw + var)
    };
    (raw, shrunk)
}

/// The candidate's forecast of hours `o .. o + horizon` of the series (never negative).
/// `dec` is the series' decomposition at the same origin; `damping_hours` the trend's time
/// constant (0: no forward trend; infinite: linear).
pub(crate) fn path(
    c: Candidate,
    s: &Series,
    dec: &Decomposition,
    horizon: usize,
    damping_hours: f64,
) -> Vec<f64> {
    let o = s.o;
    let with_level = |level: &dyn Fn(usize) -> f64| -> Vec<f64> {
        (0..horizon)
            .map(|h| (level(h) + dec.prof[s.slot(o + h)]).max(0.0))
            .collect()
    };
    let reverting =
        |h: usize| dec.pooled + (dec.level_6h - dec.pooled) * dec.rho.powi(h as i32 + 1);
    match c {
        Candidate::SeasonalNaive => same_hour(s, horizon, 1),
        Candidate::WeekMean => same_hour(s, horizon, WEEK_MEAN_WEEKS),
        Candidate::LevelDay => with_level(&|_| dec.level_24h),
        Candidate::LevelWeek => with_level(&|_| dec.level_168h),
        Candidate::Reverting => with_level(&reverting),
        Candidate::Mix(x) => (0..horizon)
            .map(|h| {
                let p = dec.prof[s.slot(o + h)];
                x * (dec.level_24h + p).max(0.0) + (1.0 - x) * (reverting(h) + p).max(0.0)
            })
            .collect(),
        Candidate::DampedTrend => {
            let damp = damped(horizon, damping_hours);
            with_level(&|h| dec.trend_level + dec.slope * damp[h])
        }
        Candidate::Pooled => with_level(&|_| dec.pooled),
        Candidate::LastWeek => {
            let damp = damped(horizon, damping_hours);
            with_level(&|h| dec.week_level + dec.slope * (dec.week_age + damp[h]))
        }
        Candidate::Episode => match dec.episodes.outlook(horizon) {
            None => with_level(&|_| dec.level_24h),
            Some(outlook) => outlook
                .iter()
                .enumerate()
                .map(|(h, &(held, weight))| {
                    held + weight * (dec.pooled + dec.prof[s.slot(o + h)]).max(0.0)
                })
                .collect(),
        },
    }
}

/// `D(h) = Σ_{i=1..h+1} φ^i` with `φ = exp(−1/τ)` (τ = 0: 0; τ = ∞: h + 1).
pub(crate) fn damped(horizon: usize, tau: f64) -> Vec<f64> {
    let phi = if tau.is_infinite() && tau > 0.0 {
        1.0
    } else if tau > 0.0 {
        (-1.0 / tau).exp()
    } else {
        0.0
    };
    let (mut pw, mut c) = (1.0, 0.0);
    (0..horizon)
        .map(|_| {
            pw *= phi;
            c += pw;
            c
        })
        .collect()
}

/// The mean of the same hour over the last `weeks` periods (a week, or a day when the
/// history is shorter than a week; over up to 7 days then), skipping masked hours; falls
/// back to the same hour of the day, then to 0.
fn same_hour(s: &Series, horizon: usize, weeks: usize) -> Vec<f64> {
    let o = s.o as i64;
    let (period, count) = if s.o >= WEEK {
        (WEEK as i64, weeks)
    } else {
        (DAY as i64, if weeks > 1 { 7 } else { 1 })
    };
    let collect = |period: i64, h: usize, count: usize| -> Option<f64> {
        let mut t = o - period + (h as i64 % period);
        let (mut sum, mut c) = (0.0, 0usize);
        while t >= 0 && c < count {
            if s.kept(t as usize) {
                sum += s.y[t as usize];
                c += 1;
            }
            t -= period;
        }
        (c > 0).then(|| sum / c as f64)
    };
    (0..horizon)
        .map(|h| {
            collect(period, h, count)
                .or_else(|| collect(DAY as i64, h, count))
                .unwrap_or(0.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(y: &[f64], keep: &[bool]) -> Series<'static> {
        let y: &'static [f64] = Box::leak(y.to_vec().into_boxed_slice());
        let keep: &'static [bool] = Box::leak(keep.to_vec().into_boxed_slice());
        Series {
            y,
            keep,
            how0: 0,
            o: y.len(),
        }
    }

    #[test]
    fn long_variance_counts_days_and_inflates_persistent_ones() {
        let days = |means: &[f64]| -> Vec<f64> {
            means
                .iter()
                .flat_map(|&m| std::iter::repeat_n(m, DAY))
                .collect()
        };
        // Alternating days: no positive autocorrelation, so the plain variance of the mean:
        // sample variance 4/3 over 4 days.
        let d = days(&[1.0, 3.0, 1.0, 3.0]);
        let s = series(&d, &vec![true; d.len()]);
        assert!((long_variance(&s, &d) - 1.0 / 3.0).abs() < 1e-12);
        // The same days in runs: positively autocorrelated, so a larger variance.
        let d = days(&[1.0, 1.0, 3.0, 3.0]);
        let s = series(&d, &vec![true; d.len()]);
        assert!(long_variance(&s, &d) > 1.0 / 3.0 + 1e-6);
        // A day with under 12 kept hours does not count; one day alone gives 0.
        let d = days(&[1.0, 3.0]);
        let mut keep = vec![true; d.len()];
        keep[..DAY].iter_mut().take(13).for_each(|k| *k = false);
        assert_eq!(long_variance(&series(&d, &keep), &d), 0.0);
    }

    #[test]
    fn seasonal_naive_and_week_mean_read_the_same_hour() {
        let y: Vec<f64> = (0..3 * WEEK).map(|t| (t / WEEK) as f64 + 1.0).collect();
        let mut keep = vec![true; y.len()];
        keep[2 * WEEK] = false;
        let s = series(&y, &keep);
        let dec = Decomposition::of(&s);
        // Hour 0 of the last week is masked: one week earlier (2); hour 1: 3.
        assert_eq!(
            path(Candidate::SeasonalNaive, &s, &dec, 2, 168.0),
            [2.0, 3.0]
        );
        // Week mean of hour 1 over weeks 1..3: (1 + 2 + 3) / 3; hour 0 skips the masked one.
        assert_eq!(path(Candidate::WeekMean, &s, &dec, 2, 168.0), [1.5, 2.0]);
    }

    #[test]
    fn trend_is_measured_on_days_a_week_apart() {
        let y: Vec<f64> = (0..4 * WEEK).map(|t| 10.0 + 0.05 * t as f64).collect();
        let s = series(&y, &vec![true; y.len()]);
        let dec = Decomposition::of(&s);
        assert!((dec.raw_slope - 0.05).abs() < 1e-9, "{}", dec.raw_slope);
        // No noise around the trend: nothing is shrunk.
        assert!((dec.slope - 0.05).abs() < 1e-9);
        let p = path(Candidate::DampedTrend, &s, &dec, 1, f64::INFINITY);
        // The level at the last hour is 10 + 0.05·671, plus one more hour of trend.
        assert!((p[0] - (10.0 + 0.05 * 672.0)).abs() < 0.2, "{p:?}");
    }

    #[test]
    fn episode_path_holds_the_running_job_to_its_end() {
        // Jobs of exactly 40 h with 20 idle hours between them (a 60-hour cycle), three
        // weeks: the workload at phase 0 has run 24 h of a job at the origin (504 mod 60),
        // so it holds its 16 GPUs for 16 more hours and is then over for sure; the one at
        // phase 39 has been idle 5 of 20 hours, so it stays idle for 15 more.
        let n = 3 * WEEK;
        let jobs = |size: f64, phase: usize| -> Vec<f64> {
            (0..n)
                .map(|t| {
                    if t >= phase && (t - phase) % 60 < 40 {
                        size
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let (busy, idle) = (jobs(16.0, 0), jobs(16.0, 39));
        let (sb, si) = (series(&busy, &[]), series(&idle, &[]));
        let mut decs = vec![vec![Decomposition::of(&sb)], vec![Decomposition::of(&si)]];
        crate::forecast::episode::pool_episodes(
            &mut decs,
            &[crate::domain::WorkloadClass::Training; 2],
        );
        let p = path(Candidate::Episode, &sb, &decs[0][0], 40, 168.0);
        assert!(p[..16].iter().all(|&x| (x - 16.0).abs() < 1e-12), "{p:?}");
        assert!(p[16] < 16.0 * 0.9, "{p:?}");
        let q = path(Candidate::Episode, &si, &decs[1][0], 40, 168.0);
        assert!(q[..15].iter().all(|&x| x == 0.0) && q[15] > 0.0, "{q:?}");
        // A series that never idles falls back to the one-day level.
        let flat = vec![5.0; n];
        let sf = series(&flat, &[]);
        let dec = Decomposition::of(&sf);
        assert_eq!(
            path(Candidate::Episode, &sf, &dec, 3, 168.0),
            path(Candidate::LevelDay, &sf, &dec, 3, 168.0)
        );
    }

    #[test]
    fn reverting_level_decays_toward_the_long_mean() {
        let mut y = vec![10.0; 3 * WEEK];
        for v in y.iter_mut().skip(3 * WEEK - 6) {
            *v = 30.0;
        }
        let s = series(&y, &vec![true; y.len()]);
        let dec = Decomposition::of(&s);
        let p = path(Candidate::Reverting, &s, &dec, 100, 168.0);
        // The spike has no persistence (lag-24 autocorrelation near 0): gone at once.
        assert!(p.windows(2).all(|x| x[1] <= x[0] + 1e-12));
        assert!(p[0] < 12.0 && p[99] < 12.0, "{} {}", p[0], p[99]);
        // A level-24h forecast still carries part of it.
        assert!(path(Candidate::LevelDay, &s, &dec, 1, 168.0)[0] > 13.0);
    }
}
