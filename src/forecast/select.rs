//! Rolling-origin validation on the history itself: every candidate forecasts from daily
//! origins inside the history, its error on the following (up to) week is recorded, and each
//! workload takes the candidate with the lowest error, judged on its own record and on the
//! pooled record of its class.

use super::candidates::{path, Candidate, Decomposition, CANDIDATES, DEFAULT};
use super::profile::{Series, DAY, WEEK};
use crate::domain::WorkloadClass;

/// Number of candidates.
pub(crate) const NC: usize = CANDIDATES.len();
/// Validation origins step back one day at a time, at most this many.
pub(crate) const MAX_VALIDATION_ORIGINS: usize = 28;
/// A validation origin needs this much history before it.
pub(crate) const MIN_VALIDATION_FIT: usize = 72;
/// Fewest calibration origins kept within the forecast's profile regime (see
/// [`calibration_origins`]).
pub(crate) const MIN_CALIBRATION_ORIGINS: usize = 3;
/// Weight of the class's pooled record against the workload's own in the selection score.
const CLASS_WEIGHT: f64 = 3.0;
/// A candidate replaces the default only when its score is this much lower.
const SWITCH_MARGIN: f64 = 0.03;

/// The validation origins of a forecast from origin `o`: `o − 24k` for k = 1, 2, … while at
/// least [`MIN_VALIDATION_FIT`] hours stay before them, at most
/// [`MAX_VALIDATION_ORIGINS`]; the most recent first.
pub(crate) fn validation_origins(o: usize) -> Vec<usize> {
    (1..=MAX_VALIDATION_ORIGINS)
        .map_while(|k| o.checked_sub(k * DAY))
        .take_while(|&v| v >= MIN_VALIDATION_FIT)
        .collect()
}

/// The validation origins whose errors calibrate the bands: those with at least half the
/// history of the forecast origin, so that their fits resemble the one being calibrated (an
/// early fit on a few days has larger errors than a fit on months), and on the same side of
/// the profile's regime changes (one week of history brings the hour-of-week profile, two
/// weeks its measured shrinkage: errors of the simpler profile would calibrate a richer one)
/// when at least [`MIN_CALIBRATION_ORIGINS`] such origins exist. A prefix of `origins`
/// (most recent first).
pub(crate) fn calibration_origins(origins: &[usize], o: usize) -> Vec<usize> {
    let half: Vec<usize> = origins
        .iter()
        .copied()
        .take_while(|&v| 2 * v >= o)
        .collect();
    for regime in [2 * WEEK, WEEK] {
        if o >= regime {
            let same: Vec<usize> = half.iter().copied().take_while(|&v| v >= regime).collect();
            if same.len() >= MIN_CALIBRATION_ORIGINS {
                return same;
            }
        }
    }
    half
}

/// Length of the validation target after validation origin `v` of a forecast from `o`: the
/// hours up to `o`, at most a week.
pub(crate) fn target_len(v: usize, o: usize) -> usize {
    (o - v).min(WEEK)
}

/// The decompositions of a series at each of `origins` (any order).
pub(crate) fn decompositions(s: &Series, origins: &[usize]) -> Vec<Decomposition> {
    origins
        .iter()
        .map(|&v| Decomposition::of(&Series { o: v, ..*s }))
        .collect()
}

/// The workloads `0..n` grouped by class (a missing class reads as training), classes in
/// the order they first appear.
pub(crate) fn class_groups(n: usize, classes: &[WorkloadClass]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(WorkloadClass, Vec<usize>)> = Vec::new();
    for w in 0..n {
        let c = classes.get(w).copied().unwrap_or(WorkloadClass::Training);
        match groups.iter_mut().find(|g| g.0 == c) {
            Some(g) => g.1.push(w),
            None => groups.push((c, vec![w])),
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

/// Smallest class whose long-run levels are pooled: the spread between workloads is
/// estimated from the class itself.
const MIN_POOL: usize = 3;

/// Empirical-Bayes pooling of the long-run levels, at each origin index `k` separately
/// (`decs[w][k]`, every workload with the same origins): within a class of at least
/// [`MIN_POOL`] workloads, `pooled = m̄ + τ²/(τ² + v_w)·(long_w − m̄)`, with `m̄` the mean
/// of the class's `long`, `v_w` the sampling variance of workload `w`'s `long` and `τ²` the
/// spread of the class's levels beyond their sampling noise (their variance less the mean
/// `v`, at least 0). A workload whose level is measured precisely, or a class whose workloads
/// truly differ, keeps its own level; a few weeks of a bursty series move toward the class.
pub(crate) fn pool_levels(decs: &mut [Vec<Decomposition>], classes: &[WorkloadClass]) {
    let origins = decs.first().map_or(0, Vec::len);
    for members in class_groups(decs.len(), classes) {
        if members.len() < MIN_POOL {
            continue;
        }
        let n = members.len() as f64;
        for k in 0..origins {
            let at = |w: usize| decs[w].get(k).map_or((0.0, 0.0), |d| (d.long, d.long_var));
            let stats: Vec<(f64, f64)> = members.iter().map(|&w| at(w)).collect();
            let mean = stats.iter().map(|x| x.0).sum::<f64>() / n;
            let spread = stats.iter().map(|x| (x.0 - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let tau2 = (spread - stats.iter().map(|x| x.1).sum::<f64>() / n).max(0.0);
            for (&w, &(level, noise)) in members.iter().zip(&stats) {
                let weight = if tau2 + noise > 0.0 {
                    tau2 / (tau2 + noise)
                } else {
                    1.0
                };
                if let Some(d) = decs[w].get_mut(k) {
                    d.pooled = mean + weight * (level - mean);
                }
            }
        }
    }
}

/// Per validation origin and candidate: the absolute error of the GPU-hours forecast for
/// the (partial) week after the origin, over its kept hours. `decs[k]` is the series'
/// decomposition at `origins[k]`.
pub(crate) fn candidate_errors(
    s: &Series,
    origins: &[usize],
    decs: &[Decomposition],
    damping: f64,
) -> Vec<[f64; NC]> {
    origins
        .iter()
        .zip(decs)
        .map(|(&v, dec)| {
            let sv = Series { o: v, ..*s };
            let len = target_len(v, s.o);
            let mut err = [0.0; NC];
            for (c, e) in CANDIDATES.iter().zip(err.iter_mut()) {
                let f = path(*c, &sv, dec, len, damping);
                let diff: f64 = (0..len)
                    .filter(|&h| s.kept(v + h))
                    .map(|h| f[h] - s.y[v + h])
                    .sum();
                *e = diff.abs();
            }
            err
        })
        .collect()
}

/// Element-wise sum of error rows.
fn total(rows: &[[f64; NC]]) -> [f64; NC] {
    let mut t = [0.0; NC];
    for r in rows {
        for (a, b) in t.iter_mut().zip(r) {
            *a += b;
        }
    }
    t
}

/// The validation record of one class: per origin, the errors summed over its workloads.
struct ClassRecord {
    class: WorkloadClass,
    per_origin: Vec<[f64; NC]>,
    total: f64,
}

fn class_records(
    errors: &[Vec<[f64; NC]>],
    class_of: impl Fn(usize) -> WorkloadClass,
) -> Vec<ClassRecord> {
    let origins = errors.first().map_or(0, Vec::len);
    let mut recs: Vec<ClassRecord> = Vec::new();
    for (w, rows) in errors.iter().enumerate() {
        let c = class_of(w);
        let i = match recs.iter().position(|r| r.class == c) {
            Some(i) => i,
            None => {
                recs.push(ClassRecord {
                    class: c,
                    per_origin: vec![[0.0; NC]; origins],
                    total: 0.0,
                });
                recs.len() - 1
            }
        };
        for (acc, row) in recs[i].per_origin.iter_mut().zip(rows) {
            for (a, b) in acc.iter_mut().zip(row) {
                *a += b;
            }
        }
    }
    for r in &mut recs {
        r.total = total(&r.per_origin).iter().sum();
    }
    recs
}

/// Each workload's default candidate, from its decompositions (the forecast origin's last):
/// the episode forecast for a series that runs whole jobs after one another
/// ([`Episodes::runs_whole_jobs`](super::episode::Episodes::runs_whole_jobs)), whose
/// running job decides the next days; [`DEFAULT`] otherwise.
pub(crate) fn defaults(decs: &[Vec<Decomposition>]) -> Vec<Candidate> {
    decs.iter()
        .map(|d| match d.last() {
            Some(d) if d.episodes.runs_whole_jobs() => Candidate::Episode,
            _ => DEFAULT,
        })
        .collect()
}

/// The candidate of each workload, from `errors[w][k][c]` (workload, validation origin,
/// candidate). A candidate's score on a set of origins is `own share + 3 × class share` of
/// validation error, a share being its error over the sum of every candidate's error over
/// all origins (of the workload, or pooled over the workloads of its class, so that large
/// workloads weigh more). The workload's default (`defaults[w]`; [`DEFAULT`], a level with
/// a one-day half-life, where none is given) stays unless the best candidate's total score
/// is at least 3% lower than its own **and** it scores lower at half the validation origins
/// or more: validation on a few weeks is noisy, and a switch must not rest on one or two
/// lucky weeks. Without validation origins every workload takes its default.
pub(crate) fn select(
    errors: &[Vec<[f64; NC]>],
    classes: &[WorkloadClass],
    validated: bool,
    defaults: &[Candidate],
) -> Vec<Candidate> {
    let default_of = |w: usize| defaults.get(w).copied().unwrap_or(DEFAULT);
    if !validated {
        return (0..errors.len()).map(default_of).collect();
    }
    let class_of = |w: usize| classes.get(w).copied().unwrap_or(WorkloadClass::Training);
    let recs = class_records(errors, class_of);
    errors
        .iter()
        .enumerate()
        .map(|(w, rows)| {
            let dflt = default_of(w);
            let default = CANDIDATES.iter().position(|&c| c == dflt).unwrap_or(0);
            let own_total: f64 = total(rows).iter().sum::<f64>().max(1e-12);
            let rec = recs.iter().find(|r| r.class == class_of(w));
            let class_total = rec.map_or(1.0, |r| r.total).max(1e-12);
            // Score of candidate `i` over the origins `ks`.
            let score = |i: usize, ks: &mut dyn Iterator<Item = usize>| -> f64 {
                ks.map(|k| {
                    let own = rows[k][i] / own_total;
                    let class = rec.map_or(0.0, |r| r.per_origin[k][i] / class_total);
                    own + CLASS_WEIGHT * class
                })
                .sum()
            };
            let all = |i: usize| score(i, &mut (0..rows.len()));
            let mut best = 0;
            for i in 1..NC {
                if all(i) < all(best) - 1e-12 {
                    best = i;
                }
            }
            let wins = (0..rows.len())
                .filter(|&k| {
                    score(best, &mut std::iter::once(k)) < score(default, &mut std::iter::once(k))
                })
                .count();
            if all(best) < (1.0 - SWITCH_MARGIN) * all(default) && 2 * wins >= rows.len() {
                CANDIDATES[best]
            } else {
                dflt
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_step_back_daily_and_keep_three_days_of_fit() {
        assert_eq!(validation_origins(24 * 5), vec![96, 72]);
        assert!(validation_origins(95).is_empty());
        assert_eq!(validation_origins(24 * 100).len(), MAX_VALIDATION_ORIGINS);
        assert_eq!(target_len(96, 120), 24);
        assert_eq!(target_len(96, 1000), WEEK);
    }

    #[test]
    fn calibration_origins_keep_half_the_history_and_the_forecasts_profile_regime() {
        // (days of history, calibration origins in days)
        let cases: [(usize, &[usize]); 5] = [
            // None has a week of history: every origin with half of it (3.5 days).
            (7, &[6, 5, 4]),
            // Of the origins at 5 days or more, three have the forecast's week.
            (10, &[9, 8, 7]),
            // Half is 8.5 days, and three origins have the two weeks that give the forecast
            // its measured profile shrinkage.
            (17, &[16, 15, 14]),
            // Only two origins have two weeks; the one-week regime has enough.
            (15, &[14, 13, 12, 11, 10, 9, 8]),
            // One origin has a week; the others are taken as they are.
            (8, &[7, 6, 5, 4]),
        ];
        for (history, expected) in cases {
            let o = history * DAY;
            let got: Vec<usize> = calibration_origins(&validation_origins(o), o)
                .iter()
                .map(|v| v / DAY)
                .collect();
            assert_eq!(got, expected, "{history} days");
        }
    }

    /// A decomposition with only the long-run level and its sampling variance set.
    fn level(long: f64, long_var: f64) -> Decomposition {
        Decomposition {
            long,
            long_var,
            pooled: long,
            ..Decomposition::empty()
        }
    }

    #[test]
    fn noisy_levels_move_toward_the_class_and_precise_ones_stay() {
        // Three levels 10, 20, 30: spread (sample variance) 100. Sampling variances 0, 0 and
        // 50: τ² = 100 − 50/3; the noisy one gets weight τ²/(τ² + 50) = 0.625.
        let mut decs = vec![
            vec![level(10.0, 0.0)],
            vec![level(20.0, 0.0)],
            vec![level(30.0, 50.0)],
        ];
        let cls = [WorkloadClass::Training; 3];
        pool_levels(&mut decs, &cls);
        assert_eq!(decs[0][0].pooled, 10.0);
        assert_eq!(decs[1][0].pooled, 20.0);
        let tau2 = 100.0 - 50.0 / 3.0;
        let expect = 20.0 + tau2 / (tau2 + 50.0) * 10.0;
        assert!(
            (decs[2][0].pooled - expect).abs() < 1e-9,
            "{}",
            decs[2][0].pooled
        );
        // Levels that differ less than their noise pool completely.
        let mut decs = vec![
            vec![level(10.0, 400.0)],
            vec![level(20.0, 400.0)],
            vec![level(30.0, 400.0)],
        ];
        pool_levels(&mut decs, &cls);
        assert!(decs.iter().all(|d| (d[0].pooled - 20.0).abs() < 1e-9));
        // Two workloads of a class are not pooled, nor are workloads of different classes.
        let mut decs = vec![
            vec![level(10.0, 400.0)],
            vec![level(20.0, 400.0)],
            vec![level(30.0, 400.0)],
        ];
        let mixed = [
            WorkloadClass::Training,
            WorkloadClass::Training,
            WorkloadClass::Inference,
        ];
        pool_levels(&mut decs, &mixed);
        assert_eq!(
            decs.iter().map(|d| d[0].pooled).collect::<Vec<_>>(),
            vec![10.0, 20.0, 30.0]
        );
    }

    #[test]
    fn the_class_record_outweighs_a_lucky_workload() {
        let def = CANDIDATES
            .iter()
            .position(|&c| c == DEFAULT)
            .expect("default listed");
        let (a_pick, b_pick) = ((def + 1) % NC, (def + 2) % NC);
        let mut a = [10.0; NC];
        a[a_pick] = 1.0; // workload 0 alone prefers one candidate
        let mut b = [100.0; NC];
        b[b_pick] = 10.0; // workloads 1 and 2 prefer another, with more volume
        let errs = [vec![a], vec![b], vec![b]];
        let cls = [WorkloadClass::Training; 3];
        assert_eq!(select(&errs, &cls, true, &[]), vec![CANDIDATES[b_pick]; 3]);
        // In its own class, workload 0 keeps its own choice.
        let cls = [
            WorkloadClass::Inference,
            WorkloadClass::Training,
            WorkloadClass::Training,
        ];
        assert_eq!(select(&errs, &cls, true, &[])[0], CANDIDATES[a_pick]);
        assert_eq!(select(&errs, &cls, false, &[])[0], DEFAULT);
    }

    #[test]
    fn the_default_stays_unless_clearly_beaten() {
        let def = CANDIDATES
            .iter()
            .position(|&c| c == DEFAULT)
            .expect("default listed");
        let other = (def + 1) % NC;
        let mut e = [10.0; NC];
        e[other] = 9.9; // 1% better: noise
        let one = [WorkloadClass::Training];
        assert_eq!(select(&[vec![e]], &one, true, &[]), vec![DEFAULT]);
        e[other] = 5.0; // clearly better
        assert_eq!(select(&[vec![e]], &one, true, &[]), vec![CANDIDATES[other]]);
        // Clearly better in total, but thanks to one origin out of three: the default stays.
        let mut lucky = [10.0; NC];
        lucky[other] = 1.0;
        let mut worse = [10.0; NC];
        worse[other] = 11.0;
        assert_eq!(
            select(&[vec![lucky, worse, worse]], &one, true, &[]),
            vec![DEFAULT]
        );
        // A workload's own default holds the same way: the 24-h level 1% better does not
        // replace it, 50% better does; without validation the default is taken as is.
        let mut e = [10.0; NC];
        e[def] = 9.9;
        let own = [CANDIDATES[other]];
        assert_eq!(select(&[vec![e]], &one, true, &own), own.to_vec());
        e[def] = 5.0;
        assert_eq!(select(&[vec![e]], &one, true, &own), vec![DEFAULT]);
        assert_eq!(select(&[vec![e]], &one, false, &own), own.to_vec());
    }
}
