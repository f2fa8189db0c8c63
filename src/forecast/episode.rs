//! On/off episodes of an intermittent series (a training workload runs jobs, then idles):
//! the lengths of its busy runs and idle gaps, its state at the origin, and the survival
//! curves of run and gap lengths, pooled over the workloads of a class.
//!
//! The [`Candidate::Episode`](super::candidates::Candidate) forecast reads them: a busy
//! workload keeps its current job's size for as long as a job of its age is likely to run
//! on, an idle one stays idle for as long as a gap of its age is likely to last, and the
//! long-run level takes over as those probabilities fall. A renewal process of jobs is
//! forecast far better this way than by any level: the job running at the origin decides
//! most of the next days.

use std::sync::Arc;

use super::profile::{Series, DAY};
use crate::domain::stats::median;
use crate::domain::WorkloadClass;

/// An hour is idle when its GPUs are at most this share of the series' largest value before
/// the origin (exact zeros in most traces; a little slack for fractional hours).
const IDLE_SHARE: f64 = 0.02;
/// The current job's size is the median of at most this many of its last kept hours.
const SIZE_HOURS: usize = DAY;

/// What the series is doing at the origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum State {
    /// Never idle before the origin (or nothing kept): the series has no episodes, and the
    /// episode forecast is not defined for it.
    Continuous,
    /// Busy for `age` kept hours at about `size` GPUs.
    Busy {
        /// Kept hours since the run started (or since the history began).
        age: usize,
        /// Median GPUs of the run's last kept hours.
        size: f64,
    },
    /// Idle for `age` kept hours.
    Idle {
        /// Kept hours since the gap started (or since the history began).
        age: usize,
    },
}

/// Survival curve of a length: `s[x]` = P(length > x) for x = 0..s.len(), then an
/// exponential tail with the mean length.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Survival {
    s: Vec<f64>,
    mean: f64,
}

impl Survival {
    /// Kaplan–Meier estimate from completed lengths and right-censored ones (episodes still
    /// running at the origin). Empty input gives a curve that never ends (`s = 1`).
    pub(crate) fn kaplan_meier(done: &[usize], censored: &[usize]) -> Self {
        let max = done.iter().chain(censored).copied().max().unwrap_or(0);
        let mut ends = vec![0usize; max + 1];
        let mut leave = vec![0usize; max + 1];
        for &d in done {
            ends[d] += 1;
        }
        for &c in censored {
            leave[c] += 1;
        }
        let mut at_risk = done.len() + censored.len();
        let mut s = Vec::with_capacity(max + 1);
        let mut cur = 1.0;
        for x in 0..=max {
            if at_risk > 0 && ends[x] > 0 {
                cur *= 1.0 - ends[x] as f64 / at_risk as f64;
            }
            s.push(cur);
            at_risk -= ends[x] + leave[x];
        }
        let n = done.len() + censored.len();
        let mean = if n == 0 {
            f64::INFINITY
        } else {
            // Censored lengths count as lower bounds: the mean is not under-stated by much
            // for the tail's purpose, and it is never 0.
            (done.iter().chain(censored).sum::<usize>() as f64 / n as f64).max(1.0)
        };
        Self { s, mean }
    }

    /// P(length > x).
    pub(crate) fn at(&self, x: usize) -> f64 {
        match self.s.get(x) {
            Some(&v) => v,
            None => {
                let last = self.s.last().copied().unwrap_or(1.0);
                let beyond = (x + 1 - self.s.len()) as f64;
                if self.mean.is_finite() {
                    last * (-beyond / self.mean).exp()
                } else {
                    last
                }
            }
        }
    }

    /// P(length = x) for x = 0..n (0 for x = 0: every length is at least one hour).
    fn pmf(&self, n: usize) -> Vec<f64> {
        (0..n)
            .map(|x| match x {
                0 => 0.0,
                _ => (self.at(x - 1) - self.at(x)).max(0.0),
            })
            .collect()
    }

    /// Mean length: the area under the table, plus its exponential tail; infinite when the
    /// curve never ends (no completed lengths).
    fn mean_length(&self) -> f64 {
        let last = self.s.last().copied().unwrap_or(1.0);
        if last > 0.0 && !self.mean.is_finite() {
            return f64::INFINITY;
        }
        // P(length > x) summed over x ≥ 0; the tail decays by exp(−1/mean) per hour.
        let tail = if last > 0.0 {
            let r = (-1.0 / self.mean).exp();
            last * r / (1.0 - r)
        } else {
            0.0
        };
        self.s.iter().sum::<f64>() + tail
    }

    /// For an episode that has lasted `age ≥ 1` hours, the chance that it still holds in
    /// forecast hour `h` (its hour `age + h + 1`), for h = 0..horizon:
    /// P(length > age + h | length > age − 1).
    pub(crate) fn still_running(&self, age: usize, horizon: usize) -> Vec<f64> {
        let base = self.at(age.saturating_sub(1));
        (0..horizon)
            .map(|h| {
                if base <= 0.0 {
                    0.0
                } else {
                    (self.at(age + h) / base).clamp(0.0, 1.0)
                }
            })
            .collect()
    }
}

/// The episodes of one series before an origin, and the survival curves its forecast reads
/// (its own until [`pool_episodes`] replaces them with its class's).
#[derive(Debug, Clone)]
pub(crate) struct Episodes {
    /// State at the origin.
    pub state: State,
    /// Lengths (kept hours) of busy runs that started and ended inside the history.
    pub runs: Vec<usize>,
    /// Lengths of idle gaps that started and ended inside the history.
    pub gaps: Vec<usize>,
    /// Survival of busy-run lengths, and of idle-gap lengths.
    pub curves: Arc<(Survival, Survival)>,
}

impl Episodes {
    /// The episodes of `s` before its origin. Masked hours neither count nor break an
    /// episode; the first episode is cut by the start of the history, so it only counts
    /// toward the state (when it is also the last).
    pub(crate) fn of(s: &Series) -> Self {
        let kept: Vec<f64> = (0..s.o).filter(|&t| s.kept(t)).map(|t| s.y[t]).collect();
        let max = kept.iter().copied().fold(0.0, f64::max);
        let idle = |v: f64| v <= IDLE_SHARE * max;
        // Maximal runs of the same busy/idle flag: (busy, start, end) in kept hours.
        let mut segs: Vec<(bool, usize, usize)> = Vec::new();
        for (i, &v) in kept.iter().enumerate() {
            let busy = !idle(v);
            match segs.last_mut() {
                Some(last) if last.0 == busy => last.2 = i + 1,
                _ => segs.push((busy, i, i + 1)),
            }
        }
        let (mut runs, mut gaps) = (Vec::new(), Vec::new());
        if segs.len() > 2 {
            for &(busy, a, b) in &segs[1..segs.len() - 1] {
                if busy {
                    runs.push(b - a);
                } else {
                    gaps.push(b - a);
                }
            }
        }
        let state = match segs.last() {
            _ if max <= 0.0 || segs.iter().all(|x| x.0) => State::Continuous,
            Some(&(true, a, b)) => {
                let mut last: Vec<f64> = kept[a.max(b.saturating_sub(SIZE_HOURS))..b].to_vec();
                State::Busy {
                    age: b - a,
                    size: median(&mut last).unwrap_or(0.0),
                }
            }
            Some(&(false, a, b)) => State::Idle { age: b - a },
            None => State::Continuous,
        };
        let curves = Arc::new(curves_of(&[(&runs, &gaps, state)]));
        Self {
            state,
            runs,
            gaps,
            curves,
        }
    }

    /// Per forecast hour h = 0..horizon: the GPUs the current job is expected to hold (its
    /// size times the chance it still runs; 0 when idle), and the weight of the long-run
    /// level in that hour. `None` for a continuous series.
    ///
    /// Busy: the weight is the chance of being busy in a *later* job, after the idle gap
    /// that follows the current one ([`after_job_weights`]). Idle: the chance the gap is
    /// over. A new job is not followed through its own run and gap here: on a workload
    /// whose jobs keep office hours (experiments), a renewal without the daily cycle
    /// spread the next job over the night and set the band's P10 above the idle hours.
    pub(crate) fn outlook(&self, horizon: usize) -> Option<Vec<(f64, f64)>> {
        let (runs, gaps) = &*self.curves;
        match self.state {
            State::Continuous => None,
            State::Busy { age, size } => {
                let still = runs.still_running(age, horizon);
                let weight = after_job_weights(runs, gaps, &still);
                Some(still.iter().map(|p| p * size).zip(weight).collect())
            }
            State::Idle { age } => Some(
                gaps.still_running(age, horizon)
                    .into_iter()
                    .map(|p| (0.0, 1.0 - p))
                    .collect(),
            ),
        }
    }
}

/// Hours over which the jobs after the current one are followed one by one (an O(hours²)
/// renewal); beyond, the long-run level is weighted by the chance the current job is over.
const RENEWAL_HOURS: usize = 336;

/// Alternating renewal from a gap's first hour: P(busy t hours later), t = 0..n, for gaps
/// and runs drawn from their survival curves.
fn busy_after_gap_start(runs: &Survival, gaps: &Survival, n: usize) -> Vec<f64> {
    let (run_len, gap_len) = (runs.pmf(n), gaps.pmf(n));
    // P(busy t hours after a job's first hour), and after a gap's.
    let (mut from_run, mut from_gap) = (vec![0.0; n], vec![0.0; n]);
    for t in 0..n {
        from_gap[t] = (1..=t).map(|x| gap_len[x] * from_run[t - x]).sum();
        from_run[t] = runs.at(t) + (1..=t).map(|x| run_len[x] * from_gap[t - x]).sum::<f64>();
    }
    from_gap
}

/// The long-run level's weight per forecast hour after a running job, from `still[h]` =
/// P(the job still runs in hour h): P(busy in a later job in hour h) — the job ends, an idle
/// gap follows, then jobs and gaps alternate — over the long-run busy share
/// `E[run] / (E[run] + E[gap])`, so that it tends to `1 − still[h]`, the weight without
/// the gap. That is also the weight beyond [`RENEWAL_HOURS`], and everywhere when the
/// curves give no finite mean run or gap.
fn after_job_weights(runs: &Survival, gaps: &Survival, still: &[f64]) -> Vec<f64> {
    let over: Vec<f64> = still.iter().map(|p| 1.0 - p).collect();
    let (run_mean, gap_mean) = (runs.mean_length(), gaps.mean_length());
    let duty = run_mean / (run_mean + gap_mean);
    if !(duty.is_finite() && duty > 0.0) {
        return over;
    }
    let n = still.len().min(RENEWAL_HOURS);
    let busy = busy_after_gap_start(runs, gaps, n);
    // The gap starts in hour e when the job's last hour is e − 1.
    let gap_starts: Vec<f64> = (0..n)
        .map(|e| (if e == 0 { 1.0 } else { still[e - 1] } - still[e]).max(0.0))
        .collect();
    (0..still.len())
        .map(|h| match h < n {
            true => (0..=h).map(|e| gap_starts[e] * busy[h - e]).sum::<f64>() / duty,
            false => over[h],
        })
        .collect()
}

/// The run and gap survival curves from several series' episodes: completed ones, plus the
/// one in progress at the origin as censored.
fn curves_of(members: &[(&[usize], &[usize], State)]) -> (Survival, Survival) {
    let (mut runs, mut gaps, mut run_c, mut gap_c) = (vec![], vec![], vec![], vec![]);
    for &(r, g, state) in members {
        runs.extend_from_slice(r);
        gaps.extend_from_slice(g);
        match state {
            State::Busy { age, .. } => run_c.push(age),
            State::Idle { age } => gap_c.push(age),
            State::Continuous => {}
        }
    }
    (
        Survival::kaplan_meier(&runs, &run_c),
        Survival::kaplan_meier(&gaps, &gap_c),
    )
}

/// Pools the survival curves within each class, at each origin index `k` separately
/// (`items[w][k]`, every workload with the same origins): a workload of a few weeks has seen
/// one or two whole jobs, its class many. Continuous series take no part.
pub(crate) fn pool_episodes<T: AsRef<Episodes> + AsMut<Episodes>>(
    items: &mut [Vec<T>],
    classes: &[WorkloadClass],
) {
    let origins = items.iter().map(Vec::len).min().unwrap_or(0);
    for members in super::select::class_groups(items.len(), classes) {
        for k in 0..origins {
            let parts: Vec<(&[usize], &[usize], State)> = members
                .iter()
                .filter_map(|&w| items[w].get(k).map(AsRef::as_ref))
                .filter(|e| e.state != State::Continuous)
                .map(|e| (&e.runs[..], &e.gaps[..], e.state))
                .collect();
            if parts.is_empty() {
                continue;
            }
            let curves = Arc::new(curves_of(&parts));
            for &w in &members {
                if let Some(e) = items[w].get_mut(k).map(AsMut::as_mut) {
                    if e.state != State::Continuous {
                        e.curves = Arc::clone(&curves);
                    }
                }
            }
        }
    }
}

impl AsRef<Episodes> for Episodes {
    fn as_ref(&self) -> &Episodes {
        self
    }
}

impl AsMut<Episodes> for Episodes {
    fn as_mut(&mut self) -> &mut Episodes {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(y: &[f64]) -> Series<'_> {
        Series {
            y,
            keep: &[],
            how0: 0,
            o: y.len(),
        }
    }

    #[test]
    fn kaplan_meier_by_hand() {
        // Lengths 2 and 4 completed, one censored at 3: S(1) = 1, S(2) = 2/3 (one of three
        // ends at 2), S(3) = 2/3 (the censored one leaves after 3), S(4) = 0.
        let s = Survival::kaplan_meier(&[2, 4], &[3]);
        assert_eq!(s.at(1), 1.0);
        assert!((s.at(2) - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.at(3) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.at(4), 0.0);
        // Beyond the table: stays at its last value (0 here) or decays from it.
        assert_eq!(s.at(50), 0.0);
        let open = Survival::kaplan_meier(&[], &[5]);
        assert_eq!(open.at(3), 1.0);
        assert!(open.at(10) < 1.0 && open.at(10) > 0.0);
        assert_eq!(Survival::kaplan_meier(&[], &[]).at(100), 1.0);
    }

    #[test]
    fn a_job_of_known_length_runs_exactly_to_its_end() {
        // Every finished job lasted 40 h; the current one has run 10 h: it holds for the
        // forecast hours 0..=29 (its hours 11..=40) and is over at hour 30.
        let s = Survival::kaplan_meier(&[40, 40, 40], &[10]);
        let p = s.still_running(10, 35);
        assert!(p[..30].iter().all(|&x| x == 1.0), "{p:?}");
        assert!(p[30..].iter().all(|&x| x == 0.0), "{p:?}");
        // Lengths 2 and 4: a job of age 2 ends now with probability 1/2.
        let s = Survival::kaplan_meier(&[2, 4], &[]);
        assert_eq!(s.still_running(2, 3), vec![0.5, 0.5, 0.0]);
    }

    #[test]
    fn mean_length_is_the_area_under_the_curve() {
        // Lengths 2 and 4: S = 1, 1, 1/2, 1/2, 0; the area is 3, their mean.
        assert!((Survival::kaplan_meier(&[2, 4], &[]).mean_length() - 3.0).abs() < 1e-12);
        // Only a censored 7: S = 1 up to 7, then the exponential tail of mean 7.
        let r = (-1.0f64 / 7.0).exp();
        let open = Survival::kaplan_meier(&[], &[7]).mean_length();
        assert!((open - (8.0 + r / (1.0 - r))).abs() < 1e-9, "{open}");
        // Nothing at all: the curve never ends.
        assert!(Survival::kaplan_meier(&[], &[]).mean_length().is_infinite());
    }

    #[test]
    fn after_a_job_its_gap_then_the_next_job_follow() {
        // Every job runs 3 h and every gap 2 h, at 5 GPUs; the current job has run 1 h.
        // Forecast hours 0–1 finish it, 2–3 are the gap, 4–6 the next job, 7–8 a gap, 9–11
        // a job. The long-run level (busy share 3/5) is weighted 1/(3/5) in later jobs'
        // hours and 0 in the gaps'.
        let y = [
            0.0, 0.0, 5.0, 5.0, 5.0, 0.0, 0.0, 5.0, 5.0, 5.0, 0.0, 0.0, 5.0,
        ];
        let e = Episodes::of(&series(&y));
        assert_eq!(e.state, State::Busy { age: 1, size: 5.0 });
        let out = e.outlook(12).expect("episodic");
        let held: Vec<f64> = out.iter().map(|x| x.0).collect();
        assert_eq!(
            held,
            [5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
        let busy = [0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1];
        for (h, (&(_, w), b)) in out.iter().zip(busy).enumerate() {
            let want = f64::from(b) / 0.6;
            assert!((w - want).abs() < 1e-12, "hour {h}: {w} vs {want}");
        }
        // Idle, the level takes over as the gap ends (its hour 2 is forecast hour 0).
        let idle = Episodes::of(&series(&y[..12]));
        assert_eq!(idle.state, State::Idle { age: 2 });
    }

    #[test]
    fn episodes_and_state_of_a_job_series() {
        // idle 2 (cut by the start), busy 3, idle 2, busy 4 at 16 GPUs with a node out.
        let y = [0.0, 0.0, 8.0, 8.0, 8.0, 0.0, 0.0, 16.0, 8.0, 16.0, 16.0];
        let e = Episodes::of(&series(&y));
        assert_eq!(e.runs, vec![3]);
        assert_eq!(e.gaps, vec![2]);
        assert_eq!(e.state, State::Busy { age: 4, size: 16.0 });
        // The job of age 4 has outlived the only finished one (3), and the censored run
        // itself is the only one at risk past 3: P(still running) falls on the tail.
        let out = e.outlook(3).expect("episodic");
        assert!(out
            .iter()
            .all(|&(held, past)| held >= 0.0 && (0.0..=1.0).contains(&past)));
        let idle = Episodes::of(&series(&[5.0, 0.0, 0.0, 5.0, 5.0, 0.0]));
        assert_eq!(idle.state, State::Idle { age: 1 });
        assert_eq!(idle.runs, vec![2]);
        assert_eq!(idle.gaps, vec![2]);
        assert_eq!(Episodes::of(&series(&[3.0, 4.0])).state, State::Continuous);
        assert!(Episodes::of(&series(&[3.0, 4.0])).outlook(2).is_none());
        assert_eq!(Episodes::of(&series(&[0.0, 0.0])).state, State::Continuous);
    }

    #[test]
    fn a_masked_hour_neither_counts_nor_breaks_a_run() {
        let y = [0.0, 4.0, 0.0, 4.0, 0.0, 1.0];
        let keep = [true, true, false, true, true, true];
        let s = Series {
            y: &y,
            keep: &keep,
            how0: 0,
            o: y.len(),
        };
        let e = Episodes::of(&s);
        assert_eq!(e.runs, vec![2]);
        assert_eq!(e.gaps, vec![1]);
        assert_eq!(e.state, State::Busy { age: 1, size: 1.0 });
    }

    #[test]
    fn pooling_shares_the_class_record() {
        let a = [0.0, 4.0, 4.0, 0.0, 4.0];
        let b = [0.0, 4.0, 4.0, 4.0, 4.0, 0.0, 4.0];
        let c = [1.0, 2.0];
        let mut eps: Vec<Vec<Episodes>> = [&a[..], &b[..], &c[..]]
            .iter()
            .map(|y| vec![Episodes::of(&series(y))])
            .collect();
        let own_c = eps[2][0].curves.clone();
        pool_episodes(&mut eps, &[WorkloadClass::Training; 3]);
        assert!(Arc::ptr_eq(&eps[0][0].curves, &eps[1][0].curves));
        // Runs 2 and 4 completed; two censored at 1.
        assert_eq!(eps[0][0].curves.0, Survival::kaplan_meier(&[2, 4], &[1, 1]));
        assert_eq!(eps[2][0].curves, own_c);
    }
}
