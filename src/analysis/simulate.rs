//! "Would this have worked on my own history": roll through a long history, deciding every
//! period with only the past, and price what each policy bought on what actually happened
//! (`docs/term.md` "simulate").
//!
//! At each decision date d (the first one `lookback` after the history's start, then every
//! `every_months` calendar months while a whole period fits), each policy plans on the
//! lookback before d, owning everything it bought before (purchases persist for their full
//! terms, in calendar months). Its commitments and placements are then re-priced hour by
//! hour on the actual demand of [d, next d) by the independent evaluator (`plan::evaluate`);
//! every tier change it makes costs the scenario's `[term] migration_cost`. At the end, what
//! each policy still owes on its purchases is reported with the part the last period's
//! usage would use.

use crate::domain::outlook::add_months;
use crate::domain::{current_offering, HourWindow, OwnedCommitment};
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::plan::{evaluate, Evaluation, Placement, Plan};
use crate::solve::SolveSettings;
use chrono::{DateTime, Utc};

/// A purchasing policy simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The term-aware planner (`engine::term`).
    Term,
    /// The term-aware planner restricted to 12-month terms.
    Term1y,
    /// Today's window planner on the lookback replayed (`engine::plan_scenario`).
    Replay,
    /// The provider-style recommender on current tiers (`plan::recommender`).
    Recommender,
    /// Every workload on its current tier, on demand (and spot where allowed), no commitment.
    OnDemand,
}

impl Policy {
    /// Every policy, in report order.
    pub const ALL: [Policy; 5] = [
        Policy::Term,
        Policy::Replay,
        Policy::Recommender,
        Policy::OnDemand,
        Policy::Term1y,
    ];
    /// `term`, `term-1y`, `replay`, `recommender` or `on-demand`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Term => "term",
            Policy::Term1y => "term-1y",
            Policy::Replay => "replay",
            Policy::Recommender => "recommender",
            Policy::OnDemand => "on-demand",
        }
    }
    /// Parses a policy name.
    pub fn parse(s: &str) -> Option<Self> {
        Policy::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// Simulation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateConfig {
    /// Months between decisions.
    pub every_months: u32,
    /// Hours of history each decision sees.
    pub lookback_hours: i64,
    /// Policies to compare.
    pub policies: Vec<Policy>,
    /// Solver limits of every plan.
    pub settings: SolveSettings,
    /// Time resolution of the window planner.
    pub resolution: Resolution,
}

/// One period of one policy, priced on actual demand.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRow {
    /// First hour of the period (the decision date).
    pub start: DateTime<Utc>,
    /// End of the period (exclusive).
    pub end: DateTime<Utc>,
    /// Spot, on-demand and unserved penalty.
    pub compute: f64,
    /// Cost of the commitments active in the period (owned and bought, used or not).
    pub commitment: f64,
    /// The unused part of it.
    pub stranded: f64,
    /// Storage, egress and overhead.
    pub hidden: f64,
    /// Tier changes made at the decision, times the migration cost.
    pub migration: f64,
    /// Tier changes made at the decision.
    pub tier_changes: usize,
    /// Hourly cost of the commitments bought at the decision.
    pub bought_hourly: f64,
    /// Solve status of the decision's plan (`-` without a solver).
    pub status: String,
}

impl PeriodRow {
    /// Everything paid in the period: compute, commitments, hidden costs and migrations.
    pub fn total(&self) -> f64 {
        self.compute + self.commitment + self.hidden + self.migration
    }
}

/// One policy over the whole simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRun {
    /// The policy.
    pub policy: Policy,
    /// One row per period.
    pub rows: Vec<PeriodRow>,
    /// Still owed at the end on the policy's purchases (their cost after the last period).
    pub still_owed: f64,
    /// The part of it the last period's usage of each commitment would use.
    pub owed_used: f64,
}

impl PolicyRun {
    /// Σ over periods of a figure.
    pub fn sum(&self, f: impl Fn(&PeriodRow) -> f64) -> f64 {
        self.rows.iter().map(f).sum()
    }
    /// Paid over the periods, plus what is still owed that the last period's usage would not
    /// use (it is stranded unless demand grows back).
    pub fn total(&self) -> f64 {
        self.sum(PeriodRow::total) + (self.still_owed - self.owed_used).max(0.0)
    }
    /// Paid over the periods plus everything still owed.
    pub fn total_with_all_owed(&self) -> f64 {
        self.sum(PeriodRow::total) + self.still_owed
    }
    /// Stranded commitment over the periods plus the still-owed part the last period's usage
    /// would not use.
    pub fn stranded_total(&self) -> f64 {
        self.sum(|r| r.stranded) + (self.still_owed - self.owed_used).max(0.0)
    }
}

/// A whole simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Decision dates.
    pub decisions: Vec<DateTime<Utc>>,
    /// One run per policy, in the order asked.
    pub runs: Vec<PolicyRun>,
    /// Months between decisions.
    pub every_months: u32,
    /// Hours of lookback.
    pub lookback_hours: i64,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    /// The history is too short for the lookback and one period (bad flags).
    #[error("{0}")]
    Windows(String),
    /// A plan could not be re-priced (a runtime failure).
    #[error("{0}")]
    Run(String),
}

/// The decision dates: `lookback` after the start of the history, then every
/// `every_months` months while a whole period fits in the history.
pub fn decision_dates(
    history: HourWindow,
    lookback_hours: i64,
    every_months: u32,
) -> Vec<DateTime<Utc>> {
    let mut d = history.start + chrono::Duration::hours(lookback_hours);
    let mut out = Vec::new();
    while every_months > 0 && add_months(d, every_months) <= history.end {
        out.push(d);
        d = add_months(d, every_months);
    }
    out
}

/// Runs the simulation (policies on two threads).
pub fn simulate(inputs: &Inputs, cfg: &SimulateConfig) -> Result<Simulation, SimulateError> {
    if cfg.lookback_hours <= 0 || cfg.every_months == 0 {
        return Err(SimulateError::Windows(
            "lookback and period must be positive".into(),
        ));
    }
    let decisions = decision_dates(inputs.history.window, cfg.lookback_hours, cfg.every_months);
    if decisions.is_empty() {
        return Err(SimulateError::Windows(format!(
            "the history ({} hours) is too short for a lookback of {} h and one period of {} months",
            inputs.history.window.hours(),
            cfg.lookback_hours,
            cfg.every_months
        )));
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Some(&p) = cfg.policies.get(i) else {
                return done;
            };
            done.push((i, run_policy(inputs, cfg, &decisions, p)));
        }
    };
    let mut all = std::thread::scope(|sc| {
        let other = sc.spawn(work);
        let mut a = work();
        a.extend(other.join().unwrap_or_default());
        a
    });
    all.sort_by_key(|x| x.0);
    let runs = all
        .into_iter()
        .map(|x| x.1)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Simulation {
        decisions,
        runs,
        every_months: cfg.every_months,
        lookback_hours: cfg.lookback_hours,
    })
}

/// One policy through every decision.
fn run_policy(
    inputs: &Inputs,
    cfg: &SimulateConfig,
    decisions: &[DateTime<Utc>],
    policy: Policy,
) -> Result<PolicyRun, SimulateError> {
    let mut owned: Vec<OwnedCommitment> = inputs.owned.clone();
    let n_initial = owned.len();
    let mut previous: Vec<Placement> = current_placements(inputs);
    let mut rows = Vec::new();
    let mut last_eval: Option<Evaluation> = None;
    let mut end = decisions[0];
    for &d in decisions {
        end = add_months(d, cfg.every_months);
        let mut lb = inputs.with_window(HourWindow {
            start: d - chrono::Duration::hours(cfg.lookback_hours),
            end: d,
        });
        lb.owned = owned.clone();
        lb.scenario.term.as_of = Some(d);
        let (plan, status) = decide(&lb, cfg, policy, d, &previous);
        let mut bought_hourly = 0.0;
        for p in &plan.purchases {
            let Some(k) = inputs.catalog.offer(&p.offer_id) else {
                continue;
            };
            bought_hourly += p.amount * crate::domain::commitment_unit_rate(&inputs.catalog, k);
            owned.push(OwnedCommitment {
                offer_id: p.offer_id.clone(),
                quantity_or_hourly: p.amount,
                start: d,
                end: add_months(d, k.term_months),
                line: 0,
            });
        }
        let changes = tier_changes(&previous, &plan.placements);
        previous = plan.placements.clone();
        let period = inputs.with_window(HourWindow { start: d, end });
        let priced = Plan {
            start: d,
            placements: plan.placements,
            purchases: Vec::new(),
            owned: owned.clone(),
            spot_allowed: inputs.scenario.instruments.spot,
        };
        let ev = evaluate(
            &priced,
            &inputs.catalog,
            &period.window_demand(),
            Some(&period.keep),
        )
        .map_err(|e| {
            SimulateError::Run(format!(
                "{} at {}: {}",
                policy.as_str(),
                d.format("%Y-%m-%d"),
                e.0
            ))
        })?;
        rows.push(PeriodRow {
            start: d,
            end,
            compute: ev.spot_cost + ev.on_demand_cost + ev.unserved_cost,
            commitment: ev.commitment_cost,
            stranded: ev.commitments.iter().map(|c| c.unused_cost()).sum(),
            hidden: ev.hidden_cost,
            migration: changes as f64 * inputs.scenario.term.migration_cost,
            tier_changes: changes,
            bought_hourly,
            status,
        });
        last_eval = Some(ev);
    }
    let (still_owed, owed_used) = still_owed(
        inputs,
        &owned[n_initial..],
        n_initial,
        last_eval.as_ref(),
        end,
    );
    Ok(PolicyRun {
        policy,
        rows,
        still_owed,
        owed_used,
    })
}

/// Every workload on its current offering (the starting point of every policy).
fn current_placements(inputs: &Inputs) -> Vec<Placement> {
    inputs
        .workloads
        .iter()
        .filter_map(|w| {
            let o = current_offering(&inputs.catalog, w)?;
            let mut p = Placement::whole(&inputs.catalog, w, o);
            if !inputs.scenario.instruments.spot {
                p.max_spot_share = 0.0;
            }
            Some(p)
        })
        .collect()
}

/// Workloads whose offering differs between two placement lists.
fn tier_changes(before: &[Placement], after: &[Placement]) -> usize {
    after
        .iter()
        .filter(|a| {
            before.iter().any(|b| {
                b.workload == a.workload
                    && (b.cloud, &b.region, &b.instance_type)
                        != (a.cloud, &a.region, &a.instance_type)
            })
        })
        .count()
}

/// One decision of a policy: its plan (purchases starting at `d`) and solve status.
fn decide(
    lb: &Inputs,
    cfg: &SimulateConfig,
    policy: Policy,
    d: DateTime<Utc>,
    previous: &[Placement],
) -> (Plan, String) {
    use crate::engine::term::plan_term_from;
    let no_purchase = || Plan {
        start: d,
        placements: current_placements(lb),
        purchases: Vec::new(),
        owned: lb.owned.clone(),
        spot_allowed: lb.scenario.instruments.spot,
    };
    let from_run = |run: crate::engine::PlanRun| match run.plan {
        Some(mut p) => {
            p.start = d;
            (p, run.outcome.status.as_str().to_string())
        }
        None => (no_purchase(), run.outcome.status.as_str().to_string()),
    };
    match policy {
        Policy::Term => from_run(plan_term_from(
            lb,
            &cfg.settings,
            cfg.resolution,
            Some(previous),
        )),
        Policy::Term1y => {
            let mut one = lb.clone();
            one.scenario.instruments.terms_months = vec![12];
            from_run(plan_term_from(
                &one,
                &cfg.settings,
                cfg.resolution,
                Some(previous),
            ))
        }
        Policy::Replay => {
            let mut win = lb.clone();
            win.scenario.forecast_scenarios = 1;
            from_run(crate::engine::plan_scenario(
                &win,
                &cfg.settings,
                cfg.resolution,
            ))
        }
        Policy::Recommender => (
            crate::plan::recommender::recommend(lb, &lb.window_demand(), &lb.keep, d),
            "-".to_string(),
        ),
        Policy::OnDemand => (no_purchase(), "-".to_string()),
    }
}

/// What the policy's purchases still cost after `end`, and the part of it that each
/// commitment's utilization in the last period would use.
fn still_owed(
    inputs: &Inputs,
    bought: &[OwnedCommitment],
    n_initial: usize,
    last: Option<&Evaluation>,
    end: DateTime<Utc>,
) -> (f64, f64) {
    let mut owed = 0.0;
    let mut used = 0.0;
    for (i, c) in bought.iter().enumerate() {
        let Some(k) = inputs.catalog.offer(&c.offer_id) else {
            continue;
        };
        let hours = ((c.end - c.start.max(end)).num_seconds() as f64 / 3600.0).max(0.0);
        let o =
            c.quantity_or_hourly * crate::domain::commitment_unit_rate(&inputs.catalog, k) * hours;
        owed += o;
        let util = last
            .and_then(|e| e.commitments.get(n_initial + i))
            .filter(|ce| ce.active_hours > 0.0)
            .map_or(0.0, |ce| ce.utilization().min(1.0));
        used += o * util;
    }
    (owed, used)
}
