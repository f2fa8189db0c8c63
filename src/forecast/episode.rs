//! On/off episodes of an intermittent series (a training workload runs jobs, then idles):
//! the lengths of its busy runs and idle gaps, its state at the origin, and the survival
//! curves of run and gap lengths, pooled over the workloads of a class.
//!
//! The [`Candidate::Episode`](super::candidates::Candidate) forecast reads them: a busy
//! workload keeps its current job's size for as long as a job of its age is likely to run
//! on, an idle one stays idle for as long as a gap of its age is likely to last, and the
//! long-run level takes over as those probabilities fall, through the gaps and jobs that
//! follow (an alternating renewal of the two curves) when the jobs last a day or more. A
//! renewal process of jobs is forecast far better this way than by any level: the job
//! running at the origin decides most of the next days.

use std::sync::{Arc, OnceLock};

use super::profile::{Series, DAY};
use crate::domain::stats::median;
use crate::domain::WorkloadClass;

/// An hour is idle when its GPUs are at most this share of the series' largest value before
/// the origin (exact zeros in most traces; a little slack for fractional hours).
const IDLE_SHARE: f64 = 0.02;
/// The current job's size is the median of at most this many of its last kept hours.
const SIZE_HOURS: usize = DAY;
/// A busy hour is steady when within this share of its run's median.
const STEADY_TOLERANCE: f64 = 0.05;
/// Share of a class's busy hours that must be steady for its series to count as running
/// whole jobs ([`Episodes::runs_whole_jobs`]).
const STEADY_SHARE: f64 = 0.9;

/// Hours of a busy run within [`STEADY_TOLERANCE`] of its median, and its hours.
fn steady_hours(run: &[f64]) -> (usize, usize) {
    let mut v = run.to_vec();
    let m = median(&mut v).unwrap_or(0.0);
    let steady = run
        .iter()
        .filter(|&&x| (x - m).abs() <= STEADY_TOLERANCE * m)
        .count();
    (steady, run.len())
}

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

    /// Mean length: the area under the curve (the table, then its exponential tail);
    /// infinite when the curve never ends (no lengths at all).
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
    /// Busy hours within [`STEADY_TOLERANCE`] of their run's median, and all busy hours.
    pub steady: (usize, usize),
    /// Survival of busy-run lengths, and of idle-gap lengths.
    pub curves: Arc<Curves>,
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
        let steady = segs
            .iter()
            .filter(|x| x.0)
            .map(|&(_, a, b)| steady_hours(&kept[a..b]))
            .fold((0, 0), |acc, x| (acc.0 + x.0, acc.1 + x.1));
        let curves = Arc::new(curves_of(&[(&runs, &gaps, state, steady)]));
        Self {
            state,
            runs,
            gaps,
            steady,
            curves,
        }
    }

    /// Whether the series runs whole jobs after one another, as a team's training runs do:
    /// not continuous, and its class's runs last a day or more on average, its gaps end,
    /// and its busy hours hold their run's size (at least [`STEADY_SHARE`] of them within
    /// [`STEADY_TOLERANCE`] of their run's median). The episode forecast is then the
    /// default candidate. A cluster's demand summed over many jobs, or serving demand, idles
    /// too, but its busy hours move with the load: a level forecasts it better.
    pub(crate) fn runs_whole_jobs(&self) -> bool {
        let c = &self.curves;
        self.state != State::Continuous
            && c.long_runs()
            && c.gap_mean.is_finite()
            && c.steady_share >= STEADY_SHARE
    }

    /// Per forecast hour h = 0..horizon: the GPUs the current job is expected to hold (its
    /// size times the chance it still runs; 0 when idle), and the weight of the long-run
    /// level in that hour. `None` for a continuous series.
    ///
    /// When the class's jobs run a day or more on average, the weight follows the jobs
    /// after the current episode one by one ([`later_weights`]): a job is followed by its
    /// idle gap, a gap by a job at the size the long-run level implies. Shorter jobs keep
    /// office hours (experiments): their timing is the daily profile's, which a renewal
    /// without the calendar would spread over the night, so the weight is the chance the
    /// current episode is over.
    pub(crate) fn outlook(&self, horizon: usize) -> Option<Vec<(f64, f64)>> {
        let Curves { runs, gaps, .. } = &*self.curves;
        let (still, size, next) = match self.state {
            State::Continuous => return None,
            State::Busy { age, size } => (runs.still_running(age, horizon), size, Next::Gap),
            State::Idle { age } => (gaps.still_running(age, horizon), 0.0, Next::Run),
        };
        let weight = if self.curves.long_runs() {
            later_weights(&self.curves, &still, next)
        } else {
            still.iter().map(|p| 1.0 - p).collect()
        };
        Some(still.iter().map(|p| p * size).zip(weight).collect())
    }
}

/// Hours over which the episodes after the current one are followed one by one (an
/// O(hours²) renewal); beyond, the long-run level is weighted by the chance the current
/// episode is over.
const RENEWAL_HOURS: usize = 336;

/// What starts when the current episode ends.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// An idle gap (the current episode is a job).
    Gap,
    /// A job (the current episode is a gap).
    Run,
}

/// The run and gap survival curves of a class (or of one series) at one origin, and the
/// renewal the forecast derives from them, computed once for every member.
#[derive(Debug)]
pub(crate) struct Curves {
    /// Survival of busy-run lengths.
    pub runs: Survival,
    /// Survival of idle-gap lengths.
    pub gaps: Survival,
    /// Mean run length ([`Survival::mean_length`] of `runs`), hours.
    run_mean: f64,
    /// Mean gap length, hours (infinite when no gap ever ended or was seen).
    gap_mean: f64,
    /// Share of the busy hours within [`STEADY_TOLERANCE`] of their run's median (1 without
    /// busy hours).
    pub steady_share: f64,
    /// [`Curves::renewal`], once computed.
    renewal: OnceLock<(Vec<f64>, Vec<f64>)>,
}

impl PartialEq for Curves {
    fn eq(&self, other: &Self) -> bool {
        self.runs == other.runs
            && self.gaps == other.gaps
            && self.steady_share == other.steady_share
    }
}

impl Curves {
    fn new(runs: Survival, gaps: Survival, steady: (usize, usize)) -> Self {
        Self {
            run_mean: runs.mean_length(),
            gap_mean: gaps.mean_length(),
            runs,
            gaps,
            steady_share: match steady.1 {
                0 => 1.0,
                n => steady.0 as f64 / n as f64,
            },
            renewal: OnceLock::new(),
        }
    }

    /// Whether the runs last a day or more on average.
    fn long_runs(&self) -> bool {
        self.run_mean >= DAY as f64
    }

    /// Alternating renewal from fresh starts, for t = 0..[`RENEWAL_HOURS`]: P(busy t hours
    /// after a job's first hour), and P(busy t hours after a gap's first hour), runs and
    /// gaps drawn from the curves. A value at t depends on earlier ones only, so any
    /// shorter horizon reads a prefix.
    fn renewal(&self) -> &(Vec<f64>, Vec<f64>) {
        self.renewal.get_or_init(|| {
            let n = RENEWAL_HOURS;
            let (run_len, gap_len) = (self.runs.pmf(n), self.gaps.pmf(n));
            let (mut from_run, mut from_gap) = (vec![0.0; n], vec![0.0; n]);
            for t in 0..n {
                from_gap[t] = (1..=t).map(|x| gap_len[x] * from_run[t - x]).sum();
                from_run[t] =
                    self.runs.at(t) + (1..=t).map(|x| run_len[x] * from_gap[t - x]).sum::<f64>();
            }
            (from_run, from_gap)
        })
    }
}

/// The long-run level's weight per forecast hour, from `still[h]` = P(the current episode
/// holds in hour h) and what starts when it ends: P(busy in a *later* job in hour h) over
/// the long-run busy share `E[run] / (E[run] + E[gap])`. A later job runs at the size
/// the level implies (level / busy share), and the weight tends to `1 − still[h]`, which
/// it also is beyond [`RENEWAL_HOURS`] and everywhere when the curves give no finite mean
/// run or gap.
fn later_weights(curves: &Curves, still: &[f64], next: Next) -> Vec<f64> {
    let over: Vec<f64> = still.iter().map(|p| 1.0 - p).collect();
    let duty = curves.run_mean / (curves.run_mean + curves.gap_mean);
    if !(duty.is_finite() && duty > 0.0) {
        return over;
    }
    let n = still.len().min(RENEWAL_HOURS);
    let (from_run, from_gap) = curves.renewal();
    let busy = match next {
        Next::Gap => from_gap,
        Next::Run => from_run,
    };
    // The next episode starts in hour e when the current one's last hour is e − 1.
    let starts: Vec<f64> = (0..n)
        .map(|e| (if e == 0 { 1.0 } else { still[e - 1] } - still[e]).max(0.0))
        .collect();
    (0..still.len())
        .map(|h| match h < n {
            true => dot_reversed(&starts[..=h], &busy[..=h]) / duty,
            false => over[h],
        })
        .collect()
}

/// `Σ a[e] · b[len − 1 − e]`: a convolution's value at its last index.
fn dot_reversed(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b.iter().rev()).map(|(x, y)| x * y).sum()
}

/// What [`curves_of`] reads of one series' episodes: completed runs, completed gaps, the
/// state at the origin and the steady busy hours ([`Episodes::steady`]).
type EpisodeParts<'a> = (&'a [usize], &'a [usize], State, (usize, usize));

/// The run and gap survival curves from several series' episodes (completed ones, plus the
/// one in progress at the origin as censored), and the share of their busy hours that hold
/// their run's size.
fn curves_of(members: &[EpisodeParts]) -> Curves {
    let (mut runs, mut gaps, mut run_c, mut gap_c) = (vec![], vec![], vec![], vec![]);
    let mut steady = (0, 0);
    for &(r, g, state, st) in members {
        runs.extend_from_slice(r);
        gaps.extend_from_slice(g);
        steady = (steady.0 + st.0, steady.1 + st.1);
        match state {
            State::Busy { age, .. } => run_c.push(age),
            State::Idle { age } => gap_c.push(age),
            State::Continuous => {}
        }
    }
    Curves::new(
        Survival::kaplan_meier(&runs, &run_c),
        Survival::kaplan_meier(&gaps, &gap_c),
        steady,
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
            let parts: Vec<EpisodeParts> = members
                .iter()
                .filter_map(|&w| items[w].get(k).map(AsRef::as_ref))
                .filter(|e| e.state != State::Continuous)
                .map(|e| (&e.runs[..], &e.gaps[..], e.state, e.steady))
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
    fn dot_reversed_is_the_convolution_at_its_last_index() {
        // For every length 0..=9: Σ a[e]·b[n−1−e] with small integers, exact in f64.
        let a: Vec<f64> = (1..=9).map(f64::from).collect();
        let b: Vec<f64> = (0..9).map(|x| f64::from(x * x % 7)).collect();
        for n in 0..=9 {
            let want: f64 = (0..n).map(|e| a[e] * b[n - 1 - e]).sum();
            assert_eq!(dot_reversed(&a[..n], &b[..n]), want, "length {n}");
        }
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

    /// A history of whole jobs of `run` hours at 5 GPUs and gaps of `gap` hours (the first
    /// gap cut to 2 h by the start), ending `tail` hours into a job (busy) or a gap.
    fn jobs(run: usize, gap: usize, cycles: usize, tail: usize, busy: bool) -> Vec<f64> {
        let mut y = vec![0.0; 2];
        for _ in 0..cycles {
            y.extend(std::iter::repeat_n(5.0, run));
            y.extend(std::iter::repeat_n(0.0, gap));
        }
        if busy {
            y.extend(std::iter::repeat_n(5.0, tail));
        } else {
            y.extend(std::iter::repeat_n(5.0, run));
            y.extend(std::iter::repeat_n(0.0, tail));
        }
        y
    }

    /// Asserts the long-run weights of `out` are `1/duty` in `busy` hours and 0 elsewhere.
    fn assert_weights(out: &[(f64, f64)], busy: impl Fn(usize) -> bool, duty: f64) {
        for (h, &(_, w)) in out.iter().enumerate() {
            let want = if busy(h) { 1.0 / duty } else { 0.0 };
            assert!((w - want).abs() < 1e-12, "hour {h}: {w} vs {want}");
        }
    }

    #[test]
    fn after_a_job_its_gap_then_the_next_jobs_follow() {
        // Every job runs 30 h and every gap 20 h; the current job has run 1 h. Forecast
        // hours 0–28 finish it, 29–48 are its gap, 49–78 the next job, 79–98 a gap, 99–128
        // a job. The long-run level (busy share 30/50) is weighted 1/(3/5) in the later
        // jobs' hours and 0 in the gaps'.
        let e = Episodes::of(&series(&jobs(30, 20, 2, 1, true)));
        assert_eq!(e.state, State::Busy { age: 1, size: 5.0 });
        let out = e.outlook(140).expect("episodic");
        assert!(out
            .iter()
            .enumerate()
            .all(|(h, x)| x.0 == if h < 29 { 5.0 } else { 0.0 }));
        assert_weights(
            &out,
            |h| (49..79).contains(&h) || (99..129).contains(&h),
            0.6,
        );
        // Idle for 2 h of a 20-h gap: the next job holds hours 18–47, then 68–97.
        let e = Episodes::of(&series(&jobs(30, 20, 2, 2, false)));
        assert_eq!(e.state, State::Idle { age: 2 });
        let out = e.outlook(100).expect("episodic");
        assert!(out.iter().all(|x| x.0 == 0.0));
        assert_weights(
            &out,
            |h| (18..48).contains(&h) || (68..98).contains(&h),
            0.6,
        );
    }

    #[test]
    fn jobs_shorter_than_a_day_weight_the_level_by_the_end_of_the_episode() {
        // 3-h jobs, 2-h gaps, the current job 1 h old: the level takes over with weight 1
        // once the job is over, without following the gaps and jobs after it.
        let e = Episodes::of(&series(&jobs(3, 2, 2, 1, true)));
        let out = e.outlook(8).expect("episodic");
        let weights: Vec<f64> = out.iter().map(|x| x.1).collect();
        assert_eq!(weights, [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn whole_jobs_are_long_and_hold_their_size() {
        // Jobs of 30 h at 5 GPUs and gaps of 20 h: whole jobs.
        let jobs30 = jobs(30, 20, 3, 10, true);
        assert!(Episodes::of(&series(&jobs30)).runs_whole_jobs());
        // The same runs whose GPUs move hour by hour (a cluster's many jobs): not.
        let moving: Vec<f64> = jobs30
            .iter()
            .enumerate()
            .map(|(t, &v)| if v > 0.0 { v + (t % 3) as f64 } else { 0.0 })
            .collect();
        assert!(!Episodes::of(&series(&moving)).runs_whole_jobs());
        // A node out (4 GPUs instead of 5) in the first `out` hours of every job: with 2,
        // (3 × 28 + 8) of 100 busy hours hold their run's median, 92%; with 4, 84%.
        let with_outage = |out: usize| -> Vec<f64> {
            let mut y = jobs30.clone();
            for (t, v) in y.iter_mut().enumerate() {
                if *v > 0.0 && (t + 48) % 50 < out {
                    *v = 4.0;
                }
            }
            y
        };
        assert!(Episodes::of(&series(&with_outage(2))).runs_whole_jobs());
        assert!(!Episodes::of(&series(&with_outage(4))).runs_whole_jobs());
        // Jobs of 3 h, and a series never idle: not.
        assert!(!Episodes::of(&series(&jobs(3, 2, 6, 1, true))).runs_whole_jobs());
        assert!(!Episodes::of(&series(&[5.0; 100])).runs_whole_jobs());
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
        assert_eq!(
            eps[0][0].curves.runs,
            Survival::kaplan_meier(&[2, 4], &[1, 1])
        );
        assert_eq!(eps[2][0].curves, own_c);
    }
}
