//! HiGHS settings (time limit, relative gap, threads, work limits) and status mapping. The
//! outcome is data, one status per way a solve ends, never folded into another:
//! `optimal`, `gap_limit`, `time_limit` / `work_limit` (with incumbent, bound and gap),
//! `no_solution_in_time`, `infeasible` (the constraints cannot all hold) and
//! `solver_error` (with HiGHS's message).

use crate::model::Mip;
use good_lp::solvers::highs::highs;
use good_lp::{IntoAffineExpression, SolverModel};
use highs::HighsModelStatus;
use std::sync::{RwLock, RwLockReadGuard};
use std::time::Instant;

/// Solver limits for one solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveSettings {
    /// Wall-clock limit, seconds.
    pub time_limit_seconds: f64,
    /// Relative MIP gap.
    pub mip_gap: f64,
    /// Threads.
    pub threads: u32,
    /// Branch-and-bound node limit (`None`: none). Unlike a time limit, it stops at the same
    /// point on any machine.
    pub max_nodes: Option<u32>,
    /// Where stage messages go (a progress display); nowhere by default.
    pub progress: Progress,
}

/// A sink for short stage messages ("commitment MIP on 192 buckets"), so that a caller can
/// show progress on long runs. The engine never prints; it only calls the sink.
#[derive(Clone, Copy, Default)]
pub struct Progress(Option<&'static (dyn Fn(&str) + Sync)>);

impl Progress {
    /// No progress reporting.
    pub const NONE: Progress = Progress(None);
    /// Reports to `sink`.
    pub fn to(sink: &'static (dyn Fn(&str) + Sync)) -> Self {
        Progress(Some(sink))
    }
    /// Reports a stage (the message is only built when someone listens).
    pub fn stage(&self, msg: impl FnOnce() -> String) {
        if let Some(f) = self.0 {
            f(&msg());
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(sink)"
        } else {
            "Progress(none)"
        })
    }
}

impl PartialEq for Progress {
    /// Progress sinks do not change results: all compare equal.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Node limit of `--reproducible` runs (HiGHS `mip_max_nodes`): a work limit stops at the
/// same point on any machine, where a wall-clock limit stops wherever the machine's speed
/// has got to. Every bundled scenario's MIPs finish in far fewer nodes.
pub const REPRODUCIBLE_MAX_NODES: u32 = 50_000;

/// Wall-clock safety net of `--reproducible` runs, seconds (a day): far above any solve
/// that the work limit lets through, so it only binds on a runaway solve (and the plan
/// then says `time_limit`).
pub const REPRODUCIBLE_SAFETY_SECONDS: f64 = 86_400.0;

/// How a solve ended. Each variant is one way; none stands for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveStatus {
    /// Proven optimal (within HiGHS's default tolerance).
    Optimal,
    /// Stopped at the requested relative gap.
    GapLimit,
    /// Stopped at the wall-clock time limit with an incumbent (objective, bound and gap
    /// say how good it is). Another machine may stop elsewhere.
    TimeLimit,
    /// Stopped at a work limit (branch-and-bound nodes, simplex iterations) with an
    /// incumbent: the same point on any machine.
    WorkLimit,
    /// A time or work limit ended the search before any plan was found; plans may exist.
    NoSolutionInTime,
    /// The constraints cannot all hold: no plan exists (the run explains why).
    Infeasible,
    /// HiGHS could not carry out the solve (rejected the model, failed, ran out of
    /// memory); its message is kept. Says nothing about whether plans exist.
    SolverError,
}

impl SolveStatus {
    /// Every status, in the order of the README's table.
    pub const ALL: [SolveStatus; 7] = [
        SolveStatus::Optimal,
        SolveStatus::GapLimit,
        SolveStatus::TimeLimit,
        SolveStatus::WorkLimit,
        SolveStatus::NoSolutionInTime,
        SolveStatus::Infeasible,
        SolveStatus::SolverError,
    ];

    /// `optimal`, `gap_limit`, `time_limit`, `work_limit`, `no_solution_in_time`,
    /// `infeasible` or `solver_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::GapLimit => "gap_limit",
            SolveStatus::TimeLimit => "time_limit",
            SolveStatus::WorkLimit => "work_limit",
            SolveStatus::NoSolutionInTime => "no_solution_in_time",
            SolveStatus::Infeasible => "infeasible",
            SolveStatus::SolverError => "solver_error",
        }
    }

    /// Whether the solve ended with a plan (an incumbent).
    pub fn has_plan(self) -> bool {
        matches!(
            self,
            SolveStatus::Optimal
                | SolveStatus::GapLimit
                | SolveStatus::TimeLimit
                | SolveStatus::WorkLimit
        )
    }
}

impl SolveSettings {
    /// The settings of a `--reproducible` run: the node limit
    /// [`REPRODUCIBLE_MAX_NODES`] decides where a hard MIP stops, and the wall-clock
    /// limit becomes the safety net [`REPRODUCIBLE_SAFETY_SECONDS`] unless
    /// `explicit_time_limit` (a `--time-limit` flag) asks for a shorter one.
    pub fn reproducible(self, explicit_time_limit: Option<f64>) -> Self {
        SolveSettings {
            time_limit_seconds: explicit_time_limit.unwrap_or(REPRODUCIBLE_SAFETY_SECONDS),
            max_nodes: Some(self.max_nodes.unwrap_or(REPRODUCIBLE_MAX_NODES)),
            ..self
        }
    }
}

/// The result of a solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOutcome {
    /// Status.
    pub status: SolveStatus,
    /// Objective of the incumbent.
    pub objective: Option<f64>,
    /// Best bound (dual bound) on the objective.
    pub best_bound: Option<f64>,
    /// Relative gap between incumbent and bound.
    pub gap: Option<f64>,
    /// Wall seconds of the solve.
    pub seconds: f64,
    /// Column values of the incumbent, in creation order.
    pub values: Option<Vec<f64>>,
    /// Why the solve ended where it did, when not optimal: the limit reached, why no plan
    /// exists, or HiGHS's own message.
    pub message: Option<String>,
    /// Columns, rows and integer columns of the model.
    pub size: (usize, usize, usize),
    /// Row duals (∂objective/∂row bound) when the model is a pure LP.
    pub duals: Option<Vec<f64>>,
}

static THREADS: RwLock<Option<u32>> = RwLock::new(None);

/// HiGHS fixes its (global) thread pool per process; a different thread count needs a reset
/// first, which must not happen while another solve runs. Solves with the same thread count
/// run concurrently (each has its own HiGHS instance); the returned read lock is held for
/// the whole solve, and a reset takes the write lock.
fn ensure_threads(n: u32) -> RwLockReadGuard<'static, Option<u32>> {
    loop {
        {
            let r = THREADS.read().unwrap_or_else(|e| e.into_inner());
            if *r == Some(n) {
                return r;
            }
        }
        let mut w = THREADS.write().unwrap_or_else(|e| e.into_inner());
        if w.is_some_and(|l| l != n) {
            // SAFETY: resets HiGHS's global scheduler; no solve runs concurrently because
            // every solve holds the read lock for its duration.
            unsafe {
                highs_sys::Highs_resetGlobalScheduler(1);
            }
        }
        *w = Some(n);
    }
}

/// The outcome of a solve HiGHS could not carry out (`solver_error`).
fn failed(start: Instant, size: (usize, usize, usize), message: String) -> SolveOutcome {
    SolveOutcome {
        status: SolveStatus::SolverError,
        objective: None,
        best_bound: None,
        gap: None,
        seconds: start.elapsed().as_secs_f64(),
        values: None,
        message: Some(message),
        size,
        duals: None,
    }
}

/// Solves a built model with HiGHS.
pub fn solve(mip: Mip, settings: &SolveSettings) -> SolveOutcome {
    let start = Instant::now();
    let Mip {
        vars,
        objective,
        constraints,
        n_cols,
        n_int,
        ..
    } = mip;
    let n_rows = constraints.len();
    settings.progress.stage(|| {
        format!(
            "HiGHS: {n_cols} columns, {n_rows} rows, {n_int} integer{}",
            if n_int > 0 { " (MIP)" } else { " (LP)" }
        )
    });
    // good_lp hands HiGHS the objective's coefficients but not its constant term (the cost
    // of owned commitments): add it back to the objective and the bound.
    let constant = objective.constant();
    let size = (n_cols, n_rows, n_int);
    let mut problem = vars.minimise(objective).using(highs);
    for c in constraints {
        problem = problem.with(c);
    }
    let mut model = match problem.try_into_inner() {
        Ok(m) => m,
        Err(e) => return failed(start, size, format!("HiGHS rejected the model: {e}")),
    };
    // HiGHS's scheduler is global: solves share it only with the same thread count.
    let _same_threads = ensure_threads(settings.threads);
    set_options(&mut model, settings);
    let solved = match model.try_solve() {
        Ok(s) => s,
        Err(e) => return failed(start, size, format!("HiGHS failed: {e:?}")),
    };
    read_outcome(&solved, settings, start, size, constant)
}

/// Limits, threads, a fixed seed, and the expert knobs from the environment.
fn set_options(model: &mut highs::Model, settings: &SolveSettings) {
    model.make_quiet();
    if std::env::var_os("GPUPLAN_SOLVER_LOG").is_some() {
        // HiGHS's own log on stderr, for diagnosing slow solves.
        model.set_option("output_flag", true);
        model.set_option("log_to_console", true);
    }
    // Expert knob: extra HiGHS options `name=value,name=value` (numbers or strings).
    if let Ok(extra) = std::env::var("GPUPLAN_HIGHS_OPTIONS") {
        for kv in extra.split(',').filter(|s| !s.trim().is_empty()) {
            if let Some((k, v)) = kv.split_once('=') {
                let (k, v) = (k.trim(), v.trim());
                let _ = if let Ok(i) = v.parse::<i32>() {
                    model.try_set_option(k, i)
                } else if let Ok(f) = v.parse::<f64>() {
                    model.try_set_option(k, f)
                } else if let Ok(b) = v.parse::<bool>() {
                    model.try_set_option(k, b)
                } else {
                    model.try_set_option(k, v)
                };
            }
        }
    }
    model.set_option("time_limit", settings.time_limit_seconds);
    model.set_option("mip_rel_gap", settings.mip_gap);
    model.set_option("threads", settings.threads as i32);
    model.set_option("random_seed", 0);
    if let Some(n) = settings.max_nodes {
        model.set_option("mip_max_nodes", n.min(i32::MAX as u32) as i32);
    }
}

/// The outcome of a finished solve: its status, and the incumbent with its bound and gap
/// when there is one.
fn read_outcome(
    solved: &highs::SolvedModel,
    settings: &SolveSettings,
    start: Instant,
    size: (usize, usize, usize),
    constant: f64,
) -> SolveOutcome {
    let seconds = start.elapsed().as_secs_f64();
    let has_solution = solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible;
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .map(|b| b + constant);
    let status = status_of(solved.status(), solved.mip_gap(), has_solution);
    if !status.has_plan() {
        return SolveOutcome {
            status,
            objective: None,
            best_bound: bound,
            gap: None,
            seconds,
            values: None,
            message: Some(no_plan_message(status, solved.status(), settings)),
            size,
            duals: None,
        };
    }
    let solution = solved.get_solution();
    let values = solution.columns().to_vec();
    let duals = (size.2 == 0).then(|| solution.dual_rows().to_vec());
    let objective = solved.objective_value() + constant;
    // Relative gap on the full objective (HiGHS's own gap is relative to the objective
    // without the constant).
    let gap = match bound {
        Some(b) if objective.abs() > 0.0 => Some(((objective - b) / objective.abs()).max(0.0)),
        Some(_) => Some(0.0),
        None if status == SolveStatus::Optimal => Some(0.0),
        None => Some(solved.mip_gap()).filter(|g| g.is_finite()),
    };
    SolveOutcome {
        status,
        objective: Some(objective),
        best_bound: bound.or(Some(objective).filter(|_| status == SolveStatus::Optimal)),
        gap,
        seconds,
        values: Some(values),
        message: limit_message(status, gap, settings),
        size,
        duals,
    }
}

/// The status of a finished solve from HiGHS's model status, its MIP gap and whether it
/// has an incumbent. Every HiGHS status maps to exactly one of ours.
fn status_of(status: HighsModelStatus, mip_gap: f64, has_solution: bool) -> SolveStatus {
    use HighsModelStatus as H;
    match status {
        H::Optimal if mip_gap.is_finite() && mip_gap > 1e-4 => SolveStatus::GapLimit,
        H::Optimal => SolveStatus::Optimal,
        H::ObjectiveBound | H::ObjectiveTarget if has_solution => SolveStatus::GapLimit,
        H::ReachedTimeLimit if has_solution => SolveStatus::TimeLimit,
        H::ReachedTimeLimit => SolveStatus::NoSolutionInTime,
        // HiGHS reports its node, leaf and stall limits as a solution limit.
        H::ReachedIterationLimit | H::ReachedSolutionLimit if has_solution => {
            SolveStatus::WorkLimit
        }
        H::ReachedIterationLimit | H::ReachedSolutionLimit => SolveStatus::NoSolutionInTime,
        H::Infeasible | H::UnboundedOrInfeasible => SolveStatus::Infeasible,
        // Our models are bounded below, so "unbounded" is numerical trouble; interrupts and
        // memory limits are the solver's, not the plan's.
        _ => SolveStatus::SolverError,
    }
}

/// Why a solve ended without a plan, for the `solve.message` of the plan.
fn no_plan_message(
    status: SolveStatus,
    highs: HighsModelStatus,
    settings: &SolveSettings,
) -> String {
    match status {
        SolveStatus::Infeasible => {
            "the constraints cannot all hold (commitment caps, CVaR budget or capacity)".to_string()
        }
        SolveStatus::NoSolutionInTime if highs == HighsModelStatus::ReachedTimeLimit => format!(
            "no plan found within the time limit of {} s; plans may exist: raise the time limit",
            settings.time_limit_seconds
        ),
        SolveStatus::NoSolutionInTime => format!(
            "no plan found within the work limit ({}); plans may exist: raise the limit",
            work_limit_text(settings)
        ),
        _ => format!("HiGHS stopped with status {highs:?}"),
    }
}

/// What a limit that stopped a solve with an incumbent means for the plan; `None` when no
/// limit stopped it.
fn limit_message(
    status: SolveStatus,
    gap: Option<f64>,
    settings: &SolveSettings,
) -> Option<String> {
    let gap = gap.map_or("unknown".to_string(), |g| format!("{:.4}%", g * 100.0));
    match status {
        SolveStatus::TimeLimit => Some(format!(
            "time limit of {} s reached: the plan is the best found, {gap} above the bound; a faster or slower machine may stop at another plan (--reproducible uses a work limit)",
            settings.time_limit_seconds
        )),
        SolveStatus::WorkLimit => Some(format!(
            "work limit reached ({}): the plan is the best found, {gap} above the bound; the same on any machine",
            work_limit_text(settings)
        )),
        _ => None,
    }
}

/// The work limit in words (`50000 branch-and-bound nodes`).
fn work_limit_text(settings: &SolveSettings) -> String {
    match settings.max_nodes {
        Some(n) => format!("{n} branch-and-bound nodes"),
        None => "a node or iteration limit set through GPUPLAN_HIGHS_OPTIONS".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HighsModelStatus as H;

    #[test]
    fn every_highs_status_maps_to_one_of_ours_without_folding() {
        // Limits with an incumbent keep the plan; without one they are not infeasibility.
        assert_eq!(
            status_of(H::ReachedTimeLimit, 0.1, true),
            SolveStatus::TimeLimit
        );
        assert_eq!(
            status_of(H::ReachedTimeLimit, f64::INFINITY, false),
            SolveStatus::NoSolutionInTime
        );
        assert_eq!(
            status_of(H::ReachedSolutionLimit, 0.1, true),
            SolveStatus::WorkLimit
        );
        assert_eq!(
            status_of(H::ReachedIterationLimit, 0.1, false),
            SolveStatus::NoSolutionInTime
        );
        // Only HiGHS's own infeasibility is infeasible.
        assert_eq!(
            status_of(H::Infeasible, 0.0, false),
            SolveStatus::Infeasible
        );
        for other in [
            H::NotSet,
            H::LoadError,
            H::ModelError,
            H::PresolveError,
            H::SolveError,
            H::PostsolveError,
            H::ModelEmpty,
            H::Unbounded,
            H::ReachedMemoryLimit,
            H::ReachedInterrupt,
            H::Unknown,
        ] {
            assert_eq!(
                status_of(other, 0.0, false),
                SolveStatus::SolverError,
                "{other:?}"
            );
        }
        assert_eq!(status_of(H::Optimal, 0.0, true), SolveStatus::Optimal);
        assert_eq!(status_of(H::Optimal, 0.01, true), SolveStatus::GapLimit);
    }

    #[test]
    fn status_names_are_distinct() {
        let mut names: Vec<&str> = SolveStatus::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SolveStatus::ALL.len());
    }

    #[test]
    fn reproducible_settings_prefer_the_work_limit() {
        let base = SolveSettings {
            time_limit_seconds: 60.0,
            mip_gap: 1e-4,
            threads: 1,
            max_nodes: None,
            progress: Progress::NONE,
        };
        let r = base.reproducible(None);
        assert_eq!(r.max_nodes, Some(REPRODUCIBLE_MAX_NODES));
        assert_eq!(r.time_limit_seconds, REPRODUCIBLE_SAFETY_SECONDS);
        assert_eq!(base.reproducible(Some(5.0)).time_limit_seconds, 5.0);
    }
}
