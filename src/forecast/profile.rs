//! The seasonal profile of one workload's history up to an origin: additive hour-of-week
//! effects around a moving weekly mean, shrunk toward hour-of-day effects (themselves shrunk
//! toward zero) by an empirical-Bayes factor; and the deseasonalized series.

/// Hours in a week and in a day.
pub(crate) const WEEK: usize = 168;
/// Hours in a day.
pub(crate) const DAY: usize = 24;

/// Shrinkage of the hour-of-week effects toward the hour-of-day effects when every slot has
/// a single sample (one week of history): their noise cannot be measured, so they are kept
/// half-way.
const ONE_WEEK_SHRINK: f64 = 0.5;

/// One workload's history as the candidates read it: values, mask and calendar phase.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Series<'a> {
    /// Hourly GPUs (finite, ≥ 0), at least `o` long.
    pub y: &'a [f64],
    /// Kept hours (`false` = masked: never read).
    pub keep: &'a [bool],
    /// Hour of the week (Monday 00:00 = 0) of hour 0.
    pub how0: usize,
    /// The origin: only hours `< o` are history.
    pub o: usize,
}

impl Series<'_> {
    /// Hour of the week of absolute hour `t` (history hours first, forecast hours after).
    pub(crate) fn slot(&self, t: usize) -> usize {
        (self.how0 + t) % WEEK
    }

    /// Whether history hour `t` is kept.
    pub(crate) fn kept(&self, t: usize) -> bool {
        self.keep.get(t).copied().unwrap_or(true)
    }

    /// Kept history hours.
    pub(crate) fn kept_hours(&self) -> usize {
        (0..self.o).filter(|&t| self.kept(t)).count()
    }

    /// Mean of the kept history (0 when nothing is kept).
    pub(crate) fn mean(&self) -> f64 {
        let (mut s, mut c) = (0.0, 0usize);
        for t in 0..self.o {
            if self.kept(t) {
                s += self.y[t];
                c += 1;
            }
        }
        if c == 0 {
            0.0
        } else {
            s / c as f64
        }
    }
}

/// The additive seasonal profile: `profile[slot]` is added to the level in hour-of-week
/// `slot`. Exactly periodic weekly histories of at least two weeks are not shrunk at all.
pub(crate) fn profile(s: &Series) -> Vec<f64> {
    let o = s.o;
    let kept: Vec<usize> = (0..o).filter(|&t| s.kept(t)).collect();
    if kept.is_empty() {
        return vec![0.0; WEEK];
    }
    // Deviations from a moving mean over a whole week (centred where the history allows), so
    // that a level change does not leak into the profile.
    let mut csum = vec![0.0; o + 1];
    let mut ccnt = vec![0usize; o + 1];
    for t in 0..o {
        let k = s.kept(t);
        csum[t + 1] = csum[t] + if k { s.y[t] } else { 0.0 };
        ccnt[t + 1] = ccnt[t] + usize::from(k);
    }
    // With two weeks or more, only hours whose centred week lies inside the history: at the
    // edges a trend would leak into the deviations.
    let half = WEEK / 2;
    let interior = |t: usize| o < 2 * WEEK || (t >= half && t + half <= o);
    let z: Vec<(usize, f64)> = kept
        .iter()
        .filter(|&&t| interior(t))
        .map(|&t| {
            let (a, b) = if o >= WEEK {
                let a = t.saturating_sub(WEEK / 2).min(o - WEEK);
                (a, a + WEEK)
            } else {
                (0, o)
            };
            let c = ccnt[b] - ccnt[a];
            let m = if c > 0 {
                (csum[b] - csum[a]) / c as f64
            } else {
                s.y[t]
            };
            (t, s.y[t] - m)
        })
        .collect();
    let day = shrunk_means(&z, DAY, |t| s.slot(t) % DAY, |_| 0.0, None);
    if o < WEEK {
        return (0..WEEK).map(|k| day[k % DAY]).collect();
    }
    let one_week = o < 2 * WEEK;
    shrunk_means(
        &z,
        WEEK,
        |t| s.slot(t),
        |k| day[k % DAY],
        one_week.then_some(ONE_WEEK_SHRINK),
    )
}

/// Per-slot means of the values, each shrunk toward `target(slot)` by the empirical-Bayes
/// factor signal / (signal + noise of the slot mean), the noise being the pooled within-slot
/// variance over the slot's count, the signal the variance of the slot effects beyond it.
/// `fixed` replaces that factor (used when slots have one sample: no within-slot noise can
/// be measured). Without within-slot noise (an exactly periodic series) nothing is shrunk.
/// Empty slots take the target.
fn shrunk_means(
    z: &[(usize, f64)],
    slots: usize,
    slot_of: impl Fn(usize) -> usize,
    target: impl Fn(usize) -> f64,
    fixed: Option<f64>,
) -> Vec<f64> {
    let mut sum = vec![0.0; slots];
    let mut cnt = vec![0usize; slots];
    for &(t, v) in z {
        let k = slot_of(t);
        sum[k] += v;
        cnt[k] += 1;
    }
    let mean: Vec<Option<f64>> = (0..slots)
        .map(|k| (cnt[k] > 0).then(|| sum[k] / cnt[k] as f64))
        .collect();
    let ss: f64 = z
        .iter()
        .filter_map(|&(t, v)| mean[slot_of(t)].map(|m| (v - m).powi(2)))
        .sum();
    let nonempty = mean.iter().filter(|m| m.is_some()).count();
    let sigma2 = if z.len() > nonempty {
        ss / (z.len() - nonempty) as f64
    } else {
        0.0
    };
    let noise = |k: usize| {
        if cnt[k] > 0 {
            sigma2 / cnt[k] as f64
        } else {
            0.0
        }
    };
    let (mut dev2, mut nz) = (0.0, 0.0);
    for (k, m) in mean.iter().enumerate() {
        if let Some(m) = m {
            dev2 += (m - target(k)).powi(2);
            nz += noise(k);
        }
    }
    let tau2 = if nonempty > 0 {
        ((dev2 - nz) / nonempty as f64).max(0.0)
    } else {
        0.0
    };
    (0..slots)
        .map(|k| match mean[k] {
            Some(m) => {
                let b = fixed.unwrap_or_else(|| {
                    if tau2 + noise(k) > 0.0 {
                        tau2 / (tau2 + noise(k))
                    } else {
                        1.0
                    }
                });
                target(k) + b * (m - target(k))
            }
            None => target(k),
        })
        .collect()
}

/// The deseasonalized history `y − profile` (masked hours read 0 and are never used).
pub(crate) fn deseasonalize(s: &Series, prof: &[f64]) -> Vec<f64> {
    (0..s.o)
        .map(|t| {
            if s.kept(t) {
                s.y[t] - prof[s.slot(t)]
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_weeks_give_the_exact_profile() {
        let week: Vec<f64> = (0..WEEK).map(|h| ((h * 7) % 13) as f64).collect();
        let y: Vec<f64> = week.iter().cycle().take(3 * WEEK).copied().collect();
        let keep = vec![true; y.len()];
        let s = Series {
            y: &y,
            keep: &keep,
            how0: 0,
            o: y.len(),
        };
        let p = profile(&s);
        let mean = week.iter().sum::<f64>() / WEEK as f64;
        for h in 0..WEEK {
            assert!((p[h] - (week[h] - mean)).abs() < 1e-9, "{h}");
        }
    }

    #[test]
    fn noise_is_shrunk_toward_the_target() {
        // Two slots whose difference is small against the noise: pulled to the target 0.
        let z: Vec<(usize, f64)> = [0.0, 10.0, 10.5, 0.5, 0.2, 10.2, 9.8, 0.0]
            .iter()
            .enumerate()
            .map(|(t, &v)| (t, v - 5.0))
            .collect();
        let p = shrunk_means(&z, 2, |t| t % 2, |_| 0.0, None);
        assert!(p[0].abs() < 1.0 && p[1].abs() < 1.0, "{p:?}");
        let p = shrunk_means(&z, 2, |t| t % 2, |_| 0.0, Some(1.0));
        assert!((p[0] - (0.0 + 10.5 + 0.2 + 9.8) / 4.0 + 5.0).abs() < 1e-9);
    }
}
