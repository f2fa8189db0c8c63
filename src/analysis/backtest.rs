//! Rolling-origin backtest: plan on a lookback window, re-price the plan on the actual demand
//! of the following window, and compare with all on-demand on current tiers, a
//! provider-style recommender and the hindsight optimum (the MIP solved on the actual
//! window: a lower bound no plan can beat, up to the solver's gap and aggregation).

use crate::domain::HourWindow;
use crate::engine::plan;
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::plan::evaluate;
use crate::plan::recommender::recommend;
use crate::solve::{SolveSettings, SolveStatus};
use chrono::{DateTime, Duration, Utc};

/// Backtest settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestConfig {
    /// Hours of history each plan sees.
    pub lookback_hours: i64,
    /// Hours each plan is evaluated on.
    pub horizon_hours: i64,
    /// Hours between origins.
    pub step_hours: i64,
    /// Time resolution of the MIPs.
    pub resolution: Resolution,
    /// Solver limits.
    pub settings: SolveSettings,
}

/// One origin of the backtest: realized costs (USD) on the evaluation window.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestRow {
    /// First hour of the evaluation window.
    pub origin: DateTime<Utc>,
    /// Every workload on its current tier at on-demand.
    pub all_on_demand: f64,
    /// Provider-style recommender on current tiers.
    pub recommender: f64,
    /// gpuplan's plan made on the lookback.
    pub gpuplan: f64,
    /// The plan made on the actual window (lower bound).
    pub hindsight: f64,
    /// Solve status of gpuplan's plan.
    pub gpuplan_status: SolveStatus,
    /// Solve status of the hindsight plan.
    pub hindsight_status: SolveStatus,
}

impl BacktestRow {
    /// (on-demand − x) / (on-demand − hindsight): the share of the attainable savings
    /// captured by a plan costing `x`.
    pub fn captured(&self, x: f64) -> Option<f64> {
        let room = self.all_on_demand - self.hindsight;
        (room > 0.0).then(|| (self.all_on_demand - x) / room)
    }
}

/// A whole backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// One row per origin.
    pub rows: Vec<BacktestRow>,
}

impl Backtest {
    /// Sums over origins: (on-demand, recommender, gpuplan, hindsight).
    pub fn totals(&self) -> (f64, f64, f64, f64) {
        self.rows.iter().fold((0.0, 0.0, 0.0, 0.0), |a, r| {
            (
                a.0 + r.all_on_demand,
                a.1 + r.recommender,
                a.2 + r.gpuplan,
                a.3 + r.hindsight,
            )
        })
    }
    /// Savings captured over all origins by (recommender, gpuplan).
    pub fn captured(&self) -> (Option<f64>, Option<f64>) {
        let (od, rec, gp, hs) = self.totals();
        let room = od - hs;
        if room > 0.0 {
            (Some((od - rec) / room), Some((od - gp) / room))
        } else {
            (None, None)
        }
    }
}

/// Why a backtest could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BacktestError {
    /// The windows asked for do not fit the history (bad input: the flags).
    #[error("{0}")]
    Windows(String),
    /// A plan could not be made or re-priced at an origin (a runtime failure).
    #[error("{0}")]
    Run(String),
}

/// Runs the backtest over the scenario's history. Errors explain why no origin fits, or
/// which origin failed.
pub fn backtest(inputs: &Inputs, cfg: &BacktestConfig) -> Result<Backtest, BacktestError> {
    let hist = inputs.history.window;
    if cfg.lookback_hours <= 0 || cfg.horizon_hours <= 0 || cfg.step_hours <= 0 {
        return Err(BacktestError::Windows(
            "lookback, horizon and step must be positive".into(),
        ));
    }
    let mut origin = hist.start + Duration::hours(cfg.lookback_hours);
    let mut rows = Vec::new();
    while origin + Duration::hours(cfg.horizon_hours) <= hist.end {
        let lb = HourWindow {
            start: origin - Duration::hours(cfg.lookback_hours),
            end: origin,
        };
        let ev_w = HourWindow {
            start: origin,
            end: origin + Duration::hours(cfg.horizon_hours),
        };
        let on_lb = inputs.with_window(lb);
        let on_ev = inputs.with_window(ev_w);
        if !on_lb.keep.iter().any(|&k| k) || !on_ev.keep.iter().any(|&k| k) {
            origin += Duration::hours(cfg.step_hours);
            continue;
        }
        let actual = on_ev.window_demand();
        let price = |p: &crate::plan::Plan| {
            evaluate(p, &inputs.catalog, &actual, Some(&on_ev.keep))
                .map(|e| (e.total, e.baseline_all_on_demand))
        };
        // gpuplan: planned on the lookback, purchases start at the origin.
        // With `[forecast] scenarios` ≥ 2 the plan is made on forecast scenarios of the
        // evaluation window (the horizon after the lookback), else on the lookback replayed.
        let mut on_lb_h = on_lb.clone();
        on_lb_h.scenario.window.horizon_hours = Some(cfg.horizon_hours);
        let run = crate::engine::plan_scenario(&on_lb_h, &cfg.settings, cfg.resolution);
        let Some(mut gp_plan) = run.plan.clone() else {
            return Err(BacktestError::Run(format!(
                "origin {}: no plan on the lookback (status {}): {}",
                origin.format("%Y-%m-%dT%H:%M:%SZ"),
                run.outcome.status.as_str(),
                run.outcome.message.unwrap_or_default()
            )));
        };
        gp_plan.start = origin;
        let (gp_cost, od) = price(&gp_plan).map_err(|e| BacktestError::Run(e.0))?;
        // Provider-style recommender.
        let rec_plan = recommend(&on_lb, &on_lb.window_demand(), &on_lb.keep, origin);
        let (rec_cost, _) = price(&rec_plan).map_err(|e| BacktestError::Run(e.0))?;
        // Hindsight: the MIP on the actual window.
        let hs = plan(&on_ev, &cfg.settings, cfg.resolution);
        // Without a hindsight plan there is nothing to compare with: an error naming the
        // solve's status (it used to become NaN, written as null).
        let Some(hs_plan) = hs.plan.as_ref() else {
            return Err(BacktestError::Run(format!(
                "origin {}: no hindsight plan on the actual window (status {}): {}",
                origin.format("%Y-%m-%dT%H:%M:%SZ"),
                hs.outcome.status.as_str(),
                hs.outcome.message.clone().unwrap_or_default()
            )));
        };
        let (hs_cost, _) = price(hs_plan).map_err(|e| BacktestError::Run(e.0))?;
        rows.push(BacktestRow {
            origin,
            all_on_demand: od,
            recommender: rec_cost,
            gpuplan: gp_cost,
            // A bound only up to the solver's gap and the aggregation's error: reported as
            // found, so a "captured" share above 1 shows where it is loose.
            hindsight: hs_cost,
            gpuplan_status: run.outcome.status,
            hindsight_status: hs.outcome.status,
        });
        origin += Duration::hours(cfg.step_hours);
    }
    if rows.is_empty() {
        return Err(BacktestError::Windows(format!(
            "the history ({} hours) is too short for a lookback of {} h and a horizon of {} h",
            hist.hours(),
            cfg.lookback_hours,
            cfg.horizon_hours
        )));
    }
    Ok(Backtest { rows })
}
