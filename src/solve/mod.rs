//! HiGHS settings (time limit, relative gap, threads) and status mapping. The outcome is
//! data: `optimal`, `gap_limit`, `time_limit` with incumbent, bound and gap, `infeasible`.

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

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveStatus {
    /// Proven optimal (within HiGHS's default tolerance).
    Optimal,
    /// Stopped at the requested relative gap.
    GapLimit,
    /// Stopped at the time limit with an incumbent.
    TimeLimit,
    /// No feasible plan exists (or none was found in the time limit).
    Infeasible,
}

impl SolveStatus {
    /// `optimal`, `gap_limit`, `time_limit` or `infeasible`.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::GapLimit => "gap_limit",
            SolveStatus::TimeLimit => "time_limit",
            SolveStatus::Infeasible => "infeasible",
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
    /// Why, when infeasible.
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

/// The outcome of a solve HiGHS could not carry out.
fn failed(start: Instant, size: (usize, usize, usize), message: String) -> SolveOutcome {
    SolveOutcome {
        status: SolveStatus::Infeasible,
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
    let status = match status_of(solved, has_solution) {
        Ok(s) => s,
        Err(other) => {
            return SolveOutcome {
                status: SolveStatus::Infeasible,
                objective: None,
                best_bound: bound,
                gap: None,
                seconds,
                values: None,
                message: Some(no_plan_message(other, settings)),
                size,
                duals: None,
            };
        }
    };
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
        message: None,
        size,
        duals,
    }
}

/// The status of a solve that has an incumbent to report, or HiGHS's status when it has none.
fn status_of(
    solved: &highs::SolvedModel,
    has_solution: bool,
) -> Result<SolveStatus, HighsModelStatus> {
    match solved.status() {
        HighsModelStatus::Optimal => {
            let gap = solved.mip_gap();
            Ok(if gap.is_finite() && gap > 1e-4 {
                SolveStatus::GapLimit
            } else {
                SolveStatus::Optimal
            })
        }
        HighsModelStatus::ObjectiveBound | HighsModelStatus::ObjectiveTarget => {
            Ok(SolveStatus::GapLimit)
        }
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit
            if has_solution =>
        {
            Ok(SolveStatus::TimeLimit)
        }
        other => Err(other),
    }
}

/// Why a solve ended without a plan.
fn no_plan_message(status: HighsModelStatus, settings: &SolveSettings) -> String {
    match status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            "the constraints cannot all hold (commitment caps, CVaR budget or capacity)".to_string()
        }
        HighsModelStatus::ReachedTimeLimit => format!(
            "no feasible plan found within the time limit of {} s",
            settings.time_limit_seconds
        ),
        s => format!("HiGHS stopped with status {s:?}"),
    }
}
