//! The per-workload model: robust trend, shrunken seasonal profile, residuals; and the
//! layout shared by every workload of one history (seasonal period, days, bootstrap blocks).

use super::rng::SplitMix64;
use crate::domain::stats::{median, weighted_median};
use crate::domain::WorkloadClass;

/// Hours in a week and in a day.
pub(crate) const WEEK: usize = 168;
pub(crate) const DAY: usize = 24;

/// Minimum hours two days must both keep for their difference to count in the trend.
const MIN_COMMON_HOURS: usize = 12;

/// How each class is modelled (see docs/forecast.md, "Workload classes").
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClassParams {
    /// Half-life of the recency weights of the current level, hours (`None`: equal weights).
    pub half_life_hours: Option<f64>,
    /// Sparse series: not decomposed; each path replays week-aligned blocks of the history
    /// times a trend factor (zeros stay zero).
    pub replay: bool,
}

impl ClassParams {
    pub(crate) fn of(class: WorkloadClass) -> Self {
        match class {
            WorkloadClass::Inference => Self {
                half_life_hours: Some(INFERENCE_HALF_LIFE_HOURS),
                replay: false,
            },
            WorkloadClass::Training => Self {
                half_life_hours: Some(TRAINING_HALF_LIFE_HOURS),
                replay: false,
            },
            WorkloadClass::Experimentation => Self {
                half_life_hours: None,
                replay: true,
            },
        }
    }
}

/// Recency half-life of the level of inference: one week (a stable seasonal profile).
pub(crate) const INFERENCE_HALF_LIFE_HOURS: f64 = 168.0;
/// Recency half-life of the level of training: one day (the level is the jobs running now).
pub(crate) const TRAINING_HALF_LIFE_HOURS: f64 = 24.0;

/// What all workloads of one history share: its length, mask, calendar phase, seasonal
/// period, day grid and bootstrap block candidates.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// History hours.
    pub n: usize,
    /// Per history hour: kept for fitting.
    pub keep: Vec<bool>,
    /// Hour of the week (Monday 00:00 = 0) of history hour 0.
    pub how0: usize,
    /// Seasonal period: 168 (hour of week) or 24 (hour of day).
    pub period: usize,
    /// Whole days in the history, aligned to its end.
    pub days: usize,
    /// Hours before the first whole day.
    pub day_offset: usize,
    /// Days between two days whose difference measures the trend: a multiple of 7, so that
    /// weekly seasonality cancels.
    pub pair_step: usize,
    /// Bootstrap block length.
    pub block: usize,
    /// Fully kept block starts by hour of day of the start.
    by_phase: Vec<Vec<usize>>,
    /// Fully kept block starts by seasonal slot (hour of week or of day) of the start.
    by_slot: Vec<Vec<usize>>,
    /// Every fully kept block start.
    all_starts: Vec<usize>,
    /// Every kept hour, in order (fallback when no full block is kept).
    kept_hours: Vec<usize>,
}

impl Layout {
    pub(crate) fn new(n: usize, keep: &[bool], how0: usize, block: usize) -> Self {
        let keep: Vec<bool> = (0..n)
            .map(|t| keep.get(t).copied().unwrap_or(true))
            .collect();
        let period = if n >= 2 * WEEK { WEEK } else { DAY };
        let days = n / DAY;
        let block = block.max(1);
        let mut by_phase = vec![Vec::new(); DAY];
        let mut by_slot = vec![Vec::new(); period];
        let mut all_starts = Vec::new();
        if n >= block {
            // Run length of kept hours starting at each t.
            let mut run = vec![0usize; n + 1];
            for t in (0..n).rev() {
                run[t] = if keep[t] { run[t + 1] + 1 } else { 0 };
            }
            for s in 0..=n - block {
                if run[s] >= block {
                    by_phase[(how0 + s) % DAY].push(s);
                    by_slot[(how0 + s) % period].push(s);
                    all_starts.push(s);
                }
            }
        }
        Self {
            n,
            how0,
            period,
            days,
            day_offset: n - days * DAY,
            pair_step: 7,
            block,
            by_phase,
            by_slot,
            all_starts,
            kept_hours: (0..n).filter(|&t| keep[t]).collect(),
            keep,
        }
    }

    /// Seasonal slot of absolute hour `t` (history hour 0 = 0; forecast hours follow).
    pub(crate) fn slot(&self, t: usize) -> usize {
        (self.how0 + t) % self.period
    }

    /// For one bootstrap path: the history hour copied to each forecast hour. Blocks of
    /// `block` consecutive kept hours, starting at the same hour of day as the forecast block
    /// they fill (the same seasonal slot, i.e. hour of week, when `seasonal`; hour of day when
    /// no such block is kept); `None` everywhere when no hour is kept.
    pub(crate) fn sources(
        &self,
        rng: &mut SplitMix64,
        horizon: usize,
        seasonal: bool,
    ) -> Vec<Option<u32>> {
        let mut src = vec![None; horizon];
        if self.kept_hours.is_empty() {
            return src;
        }
        let mut h0 = 0;
        while h0 < horizon {
            let len = self.block.min(horizon - h0);
            let phase = (self.how0 + self.n + h0) % DAY;
            let slot = self.slot(self.n + h0);
            let cands = if seasonal && !self.by_slot[slot].is_empty() {
                &self.by_slot[slot]
            } else if !self.by_phase[phase].is_empty() {
                &self.by_phase[phase]
            } else {
                &self.all_starts
            };
            if !cands.is_empty() {
                let s = cands[rng.below(cands.len())];
                for i in 0..len {
                    src[h0 + i] = Some((s + i) as u32);
                }
            } else {
                // No fully kept block: consecutive kept hours, wrapping around.
                let k = &self.kept_hours;
                let s = rng.below(k.len());
                for i in 0..len {
                    src[h0 + i] = Some(k[(s + i) % k.len()] as u32);
                }
            }
            h0 += len;
        }
        src
    }

    /// For one bootstrap path: how many times each day is drawn, for the trend's bootstrap
    /// distribution. Days are drawn in moving blocks of 7 consecutive days so that the
    /// draw keeps the dependence between
    /// neighbouring days: resampling single days would understate how uncertain a trend
    /// from a few weeks of history is.
    pub(crate) fn day_counts(&self, rng: &mut SplitMix64) -> Vec<u32> {
        let mut c = vec![0u32; self.days];
        if self.days == 0 {
            return c;
        }
        let len = 7.min(self.days);
        let mut drawn = 0;
        while drawn < self.days {
            let s = rng.below(self.days - len + 1);
            for x in &mut c[s..s + len] {
                *x += 1;
            }
            drawn += len;
        }
        c
    }
}

/// One workload's fitted model: `demand(h) = shape(slot) + long + (level − long)·ρ^(h+1)
/// + trend(h) + bootstrap residual(h)`.
#[derive(Debug, Clone)]
pub(crate) struct Fit {
    /// Seasonal shape per slot (deviation from the level).
    pub shape: Vec<f64>,
    /// Long-run level: median of the detrended, deseasonalized kept history.
    pub long_level: f64,
    /// Current level: recency-weighted median of the same.
    pub level: f64,
    /// Hourly persistence ρ of level excursions, in [0, 1).
    pub persistence: f64,
    /// Slow residual per history hour: local (24-hour) level minus the long-run level.
    pub slow: Vec<f64>,
    /// Fast residual per history hour: deviation from the local level.
    pub fast: Vec<f64>,
    /// Theil–Sen trend, GPUs per hour, before shrinkage.
    pub raw_slope: f64,
    /// Trend after shrinkage toward zero by its bootstrap signal-to-noise ratio.
    pub slope: f64,
    /// Trend of each bootstrap path: `slope` plus the path's bootstrap deviation.
    pub path_slopes: Vec<f64>,
    /// Mean of the kept history (the base of a multiplicative trend).
    pub mean_level: f64,
    /// Whether the series is replayed (sparse), not decomposed.
    pub replay: bool,
    /// Root mean square of the deseasonalized history around the long-run level.
    pub resid_rms: f64,
    /// The history as read (non-finite and negative values as 0).
    pub raw: Vec<f64>,
}

/// Fits one workload: trend (with one bootstrap replicate per entry of `day_draws`),
/// seasonal shape, current level, residuals.
pub(crate) fn fit(y: &[f64], lay: &Layout, params: ClassParams, day_draws: &[Vec<u32>]) -> Fit {
    let n = lay.n;
    let y: Vec<f64> = y
        .iter()
        .take(n)
        .map(|&v| if v.is_finite() { v.max(0.0) } else { 0.0 })
        .chain(std::iter::repeat(0.0))
        .take(n)
        .collect();
    let kept: Vec<usize> = (0..n).filter(|&t| lay.keep[t]).collect();

    let (raw_slope, slope, path_slopes) = trend(&y, lay, day_draws);

    // Detrend to the level of the last history hour (additive trend only).
    let z: Vec<f64> = (0..n)
        .map(|t| {
            if params.replay {
                y[t]
            } else {
                y[t] + slope * (n - 1 - t) as f64
            }
        })
        .collect();
    let overall = median(&mut kept.iter().map(|&t| z[t]).collect::<Vec<_>>()).unwrap_or(0.0);

    // Shape: hour-of-day profile shrunk toward the overall median, then (weekly period) the
    // hour-of-week profile shrunk toward the hour-of-day one; equal weights.
    let hod_slot = |t: usize| (lay.how0 + t) % DAY;
    let day_profile = shrunk_profile(&z, &kept, DAY, hod_slot, |_| overall);
    let shape: Vec<f64> = if lay.period == WEEK {
        shrunk_profile(&z, &kept, WEEK, |t| lay.slot(t), |k| day_profile[k % DAY])
    } else {
        day_profile
    }
    .into_iter()
    .map(|p| p - overall)
    .collect();

    // Levels of the detrended, deseasonalized series d: long-run (median of all kept
    // hours) and current (recency-weighted median); the current level decays toward the
    // long-run one as an AR(1) whose daily persistence is the lag-24 autocorrelation of d.
    let d: Vec<f64> = (0..n).map(|t| z[t] - shape[lay.slot(t)]).collect();
    let long_level = median(&mut kept.iter().map(|&t| d[t]).collect::<Vec<_>>()).unwrap_or(0.0);
    let mut recent: Vec<(f64, f64)> = kept
        .iter()
        .map(|&t| {
            let w = match params.half_life_hours {
                Some(hl) if hl > 0.0 => 0.5f64.powf((n - 1 - t) as f64 / hl),
                _ => 1.0,
            };
            (d[t], w)
        })
        .collect();
    let level = weighted_median(&mut recent).unwrap_or(long_level);
    let persistence = hourly_persistence(&d, &lay.keep);

    // Residuals split into slow level excursions (a centred 24-hour rolling median of d
    // around the long-run level) and fast deviations around that local level (bursts).
    let mut slow = vec![0.0; n];
    let mut fast = vec![0.0; n];
    let mut window = Vec::with_capacity(DAY);
    let mut ss = 0.0;
    for &t in &kept {
        window.clear();
        window.extend(
            (t.saturating_sub(DAY / 2)..(t + DAY / 2).min(n))
                .filter(|&u| lay.keep[u])
                .map(|u| d[u]),
        );
        let local = median(&mut window).unwrap_or(d[t]);
        slow[t] = local - long_level;
        fast[t] = d[t] - local;
        ss += (d[t] - long_level).powi(2);
    }
    let mean_level = if kept.is_empty() {
        0.0
    } else {
        kept.iter().map(|&t| y[t]).sum::<f64>() / kept.len() as f64
    };
    Fit {
        shape,
        long_level,
        level,
        persistence,
        slow,
        fast,
        raw_slope,
        slope,
        path_slopes,
        mean_level,
        replay: params.replay,
        resid_rms: if kept.is_empty() {
            0.0
        } else {
            (ss / kept.len() as f64).sqrt()
        },
        raw: y,
    }
}

/// The trend of a history: the raw Theil–Sen slope (GPUs per hour), the slope shrunk toward
/// zero by its bootstrap signal-to-noise ratio, and one bootstrap slope per path.
fn trend(y: &[f64], lay: &Layout, day_draws: &[Vec<u32>]) -> (f64, f64, Vec<f64>) {
    // Trend: Theil–Sen over pairs of whole days a multiple of 7 days apart (so that weekly
    // seasonality cancels), each pair's slope the mean difference over the hours both days
    // keep. With less than two weeks (hour-of-day profile) trend and weekly seasonality
    // cannot be told apart: no trend.
    let mut pairs = Vec::new();
    let trend_days = if lay.period == WEEK { lay.days } else { 0 };
    for i in 0..trend_days {
        for j in (i + lay.pair_step..trend_days).step_by(lay.pair_step) {
            let (a, b) = (lay.day_offset + i * DAY, lay.day_offset + j * DAY);
            let (mut sum, mut cnt) = (0.0, 0usize);
            for o in 0..DAY {
                if lay.keep[a + o] && lay.keep[b + o] {
                    sum += y[b + o] - y[a + o];
                    cnt += 1;
                }
            }
            if cnt >= MIN_COMMON_HOURS {
                pairs.push((i as u32, j as u32, sum / cnt as f64 / (b - a) as f64));
            }
        }
    }
    let raw_slope = median(&mut pairs.iter().map(|p| p.2).collect::<Vec<_>>()).unwrap_or(0.0);
    // Bootstrap: Theil–Sen over the pairs among the days drawn (weight = product of the
    // draw counts); the point slope when a draw leaves no pair.
    let boot: Vec<f64> = day_draws
        .iter()
        .map(|counts| {
            let mut v: Vec<(f64, f64)> = pairs
                .iter()
                .filter_map(|&(i, j, s)| {
                    let w = counts[i as usize] as f64 * counts[j as usize] as f64;
                    (w > 0.0).then_some((s, w))
                })
                .collect();
            weighted_median(&mut v).unwrap_or(raw_slope)
        })
        .collect();
    // Shrink toward zero by the signal-to-noise ratio b²/(b² + var): a slope the bootstrap
    // cannot tell from zero is mostly dropped, a clear one is kept.
    let var = if boot.len() > 1 {
        let m = boot.iter().sum::<f64>() / boot.len() as f64;
        boot.iter().map(|b| (b - m).powi(2)).sum::<f64>() / (boot.len() - 1) as f64
    } else {
        0.0
    };
    let slope = if raw_slope == 0.0 {
        0.0
    } else {
        raw_slope * raw_slope * raw_slope / (raw_slope * raw_slope + var)
    };
    let path_slopes = boot.iter().map(|b| slope + (b - raw_slope)).collect();
    (raw_slope, slope, path_slopes)
}

/// Hourly persistence ρ of a series' level: the 24th root of its lag-24 autocorrelation
/// over kept pairs, clamped to [0, 0.9999^(1/24)]; 0 when undefined.
fn hourly_persistence(d: &[f64], keep: &[bool]) -> f64 {
    let n = d.len();
    if n <= DAY {
        return 0.0;
    }
    let kept: Vec<usize> = (0..n).filter(|&t| keep[t]).collect();
    let mean = kept.iter().map(|&t| d[t]).sum::<f64>() / kept.len().max(1) as f64;
    let var = kept.iter().map(|&t| (d[t] - mean).powi(2)).sum::<f64>() / kept.len().max(1) as f64;
    let (mut cov, mut cnt) = (0.0, 0usize);
    for t in DAY..n {
        if keep[t] && keep[t - DAY] {
            cov += (d[t] - mean) * (d[t - DAY] - mean);
            cnt += 1;
        }
    }
    if var <= 1e-12 || cnt == 0 {
        return 0.0;
    }
    let r = (cov / cnt as f64 / var).clamp(0.0, 0.9999);
    r.powf(1.0 / DAY as f64)
}

/// Per-slot medians of `z` over the kept hours, each shrunk toward `target(slot)` by an
/// empirical-Bayes factor: signal variance / (signal variance + noise variance of the
/// slot's median). With no within-slot noise (an exactly periodic series) nothing is
/// shrunk; with noisy, bursty series the profile falls back toward its target. Empty slots
/// take the target.
fn shrunk_profile(
    z: &[f64],
    kept: &[usize],
    slots: usize,
    slot_of: impl Fn(usize) -> usize,
    target: impl Fn(usize) -> f64,
) -> Vec<f64> {
    let mut by_slot: Vec<Vec<f64>> = vec![Vec::new(); slots];
    for &t in kept {
        by_slot[slot_of(t)].push(z[t]);
    }
    let count: Vec<usize> = by_slot.iter().map(Vec::len).collect();
    let raw: Vec<Option<f64>> = by_slot.iter_mut().map(|v| median(v)).collect();
    // Within-slot noise variance: mean square around the slot medians, with a
    // degrees-of-freedom correction.
    let ss: f64 = kept
        .iter()
        .filter_map(|&t| raw[slot_of(t)].map(|m| (z[t] - m).powi(2)))
        .sum();
    let nonempty = raw.iter().filter(|m| m.is_some()).count();
    let sigma2 = if kept.len() > nonempty {
        ss / (kept.len() - nonempty) as f64
    } else {
        0.0
    };
    // Noise variance of the median of c values ≈ (π/2)·σ²/c.
    let noise: Vec<f64> = count
        .iter()
        .map(|&c| {
            if c > 0 {
                std::f64::consts::FRAC_PI_2 * sigma2 / c as f64
            } else {
                0.0
            }
        })
        .collect();
    let (mut dev2, mut nz, mut k) = (0.0, 0.0, 0usize);
    for s in 0..slots {
        if let Some(m) = raw[s] {
            dev2 += (m - target(s)).powi(2);
            nz += noise[s];
            k += 1;
        }
    }
    // Signal variance of the slot effects (method of moments), at least 0.
    let tau2 = if k > 0 {
        ((dev2 - nz) / k as f64).max(0.0)
    } else {
        0.0
    };
    (0..slots)
        .map(|s| match raw[s] {
            Some(m) => {
                let t = target(s);
                let b = if tau2 + noise[s] > 0.0 {
                    tau2 / (tau2 + noise[s])
                } else {
                    1.0
                };
                t + b * (m - t)
            }
            None => target(s),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_is_not_shrunk_without_noise_and_shrunk_with_it() {
        // Two slots, exact values: kept as they are.
        let z = [1.0, 5.0, 1.0, 5.0, 1.0, 5.0];
        let kept: Vec<usize> = (0..6).collect();
        let p = shrunk_profile(&z, &kept, 2, |t| t % 2, |_| 3.0);
        assert_eq!(p, vec![1.0, 5.0]);
        // Noise much larger than the slot difference: pulled toward the target.
        let z = [0.0, 10.0, 10.5, 0.5, 0.2, 10.2, 9.8, 0.0];
        let kept: Vec<usize> = (0..8).collect();
        let p = shrunk_profile(&z, &kept, 2, |t| t % 2, |_| 5.0);
        assert!(
            (p[0] - 5.0).abs() < 1.0 && (p[1] - 5.0).abs() < 1.0,
            "{p:?}"
        );
    }

    #[test]
    fn persistence_of_white_noise_is_low_and_of_a_step_high() {
        let mut r = SplitMix64::new(5);
        let noise: Vec<f64> = (0..500).map(|_| (r.next_u64() % 1000) as f64).collect();
        let keep = vec![true; 500];
        assert!(hourly_persistence(&noise, &keep).powi(24) < 0.2);
        let step: Vec<f64> = (0..500).map(|t| if t < 250 { 0.0 } else { 10.0 }).collect();
        assert!(hourly_persistence(&step, &keep).powi(24) > 0.8);
        assert_eq!(hourly_persistence(&[1.0; 10], &[true; 10]), 0.0);
    }

    #[test]
    fn layout_blocks_avoid_masked_hours_and_keep_the_hour_of_day() {
        let n = 24 * 15;
        let keep: Vec<bool> = (0..n).map(|t| !(100..130).contains(&t)).collect();
        let lay = Layout::new(n, &keep, 5, 24);
        let mut rng = SplitMix64::new(1);
        for _ in 0..50 {
            let src = lay.sources(&mut rng, 72, false);
            for (h, s) in src.iter().enumerate() {
                let s = s.expect("some hour kept") as usize;
                assert!(keep[s]);
                assert_eq!((5 + s) % 24, (5 + n + h) % 24);
            }
        }
        // Weekly alignment for replayed (sparse) series.
        let lay = Layout::new(24 * 28, &[], 0, 24);
        let src = lay.sources(&mut rng, 50, true);
        for (h, s) in src.iter().enumerate() {
            assert_eq!(s.expect("kept") as usize % WEEK, (24 * 28 + h) % WEEK);
        }
    }
}
