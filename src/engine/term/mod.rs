//! The term-aware strategy (`docs/term.md`): a plan made as of a date for the whole term of
//! what it buys.
//!
//! 1. **Tiers**: today's window planner on the lookback (`plan_scenario` in window mode:
//!    joint MIP or decomposition) chooses each workload's tier; tier changes that do not pay
//!    back their migration cost in time are undone.
//! 2. **Paths**: demand and price scenarios over the horizon (`forecast::term`): growth,
//!    a level random walk, churn, known events, price declines and cuts.
//! 3. **Commitments**: the term MIP (`model::term`) on the load pooled per offering, over
//!    slices × buckets × scenarios: what to buy now, with later purchases per period and
//!    node of the scenario tree as recourse.
//! 4. **Re-pricing**: every scenario re-priced by the independent term evaluator
//!    (`plan::term`): cost quantiles, stranded commitment, per-commitment odds, the ladder.

pub mod layout;
pub mod report;

use super::{no_plan, PlanRun};
use crate::domain::outlook::{add_months, term_window};
use crate::domain::{CommitmentKind, HourWindow};
use crate::forecast::term::{known_dates, term_paths, TermDemand, TermHorizon};
use crate::ingest::inputs::Inputs;
use crate::ingest::scenario::Resolution;
use crate::model::term::{build_term_mip, build_term_problem, TermProblem};
use crate::model::Infeasibility;
use crate::plan::risk::{mean_evaluation, ScenarioRisk};
use crate::plan::term::{evaluate_term, Dated, TermBook, TermEvaluation};
use crate::plan::{Plan, Purchase};
use crate::solve::{solve, SolveSettings};
use chrono::{DateTime, Utc};
use layout::TierChange;
use report::{CommitmentOdds, LadderStep};
use std::time::Instant;

/// What a term plan reports beyond the window plan's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TermReport {
    /// Purchases start here.
    pub as_of: DateTime<Utc>,
    /// End of the horizon.
    pub end: DateTime<Utc>,
    /// The lookback the tiers and profiles come from.
    pub lookback: HourWindow,
    /// Months per period.
    pub period_months: u32,
    /// Periods in the horizon.
    pub periods: usize,
    /// Slices (periods cut at known dates).
    pub slices: usize,
    /// Hour buckets per slice.
    pub buckets: usize,
    /// Scenarios.
    pub scenarios: usize,
    /// Horizon cost per scenario (re-priced).
    pub costs: Vec<f64>,
    /// Stranded (paid, unused) cost of the purchases made now, per scenario.
    pub stranded_now: Vec<f64>,
    /// Stranded cost of every commitment (owned, now, later) per scenario.
    pub stranded_all: Vec<f64>,
    /// Expected cost inside the horizon of the later purchases.
    pub later_cost_expected: f64,
    /// Scenario probabilities.
    pub probs: Vec<f64>,
    /// Odds per listed commitment (owned, then bought now).
    pub odds: Vec<CommitmentOdds>,
    /// The ladder of later purchases and expiries.
    pub ladder: Vec<LadderStep>,
    /// Tier changes proposed by the window planner and whether they are kept.
    pub tier_changes: Vec<TierChange>,
    /// Known migrations: (workload, offering key it moves to).
    pub migrations: Vec<(String, String)>,
    /// Annual end probability used per workload.
    pub end_probability: Vec<(String, f64)>,
    /// Weekly level volatility used per workload.
    pub level_sigma: Vec<(String, f64)>,
    /// Mean and standard deviation of the annual growth across scenarios, fractions.
    pub growth: (f64, f64),
    /// Objective of the term model's LP relaxation... (the solve's bound is in the outcome).
    pub later_recourse_periods: usize,
    /// Warnings of the term planner (migrations without a target, ...).
    pub warnings: Vec<String>,
}

/// The as-of date of a scenario: `[term] as_of`, else the end of the demand history.
pub fn as_of(inputs: &Inputs) -> DateTime<Utc> {
    inputs
        .scenario
        .term
        .as_of
        .unwrap_or(inputs.history.window.end)
}

/// The lookback a term plan sees: the planning window, cut at the as-of date.
pub fn lookback(inputs: &Inputs) -> Option<Inputs> {
    let t = as_of(inputs);
    let w = inputs.window;
    let end = w.end.min(t);
    (end > w.start)
        .then(|| {
            inputs.with_window(HourWindow {
                start: w.start,
                end,
            })
        })
        .filter(|i| i.keep.iter().any(|&k| k))
}

/// The horizon of a term plan: `[term] horizon`, else the longest allowed term, rounded up
/// to whole periods, cut at every known date and every later purchase's end.
pub fn horizon(inputs: &Inputs, as_of: DateTime<Utc>) -> TermHorizon {
    let cfg = &inputs.scenario.term;
    let terms = &inputs.scenario.instruments.terms_months;
    let longest = terms.iter().copied().max().unwrap_or(36);
    let months = cfg.horizon_months.unwrap_or(longest);
    let pm = cfg.period_months.max(1);
    let periods = months.div_ceil(pm) as usize;
    let mut cuts = known_dates(&inputs.outlook, &inputs.owned, &inputs.scenario.prices);
    for p in 0..periods as u32 {
        for &t in terms {
            cuts.push(add_months(as_of, p * pm + t));
        }
    }
    TermHorizon::new(as_of, periods, pm, &cuts)
}

/// Plans a scenario over the whole term (see the module doc).
pub fn plan_term(inputs: &Inputs, settings: &SolveSettings, resolution: Resolution) -> PlanRun {
    plan_term_from(inputs, settings, resolution, None)
}

/// [`plan_term`] for a fleet placed as in `incumbent` (a plan made earlier): a tier change
/// is then measured against that placement, not the workload's current offering.
pub fn plan_term_from(
    inputs: &Inputs,
    settings: &SolveSettings,
    resolution: Resolution,
    incumbent: Option<&[crate::plan::Placement]>,
) -> PlanRun {
    let t0 = Instant::now();
    let at = as_of(inputs);
    let Some(lb) = lookback(inputs) else {
        let msg = format!(
            "the planning window starts after the as-of date {}: the planner may only see the past",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        );
        return no_plan(model_failure(msg), Vec::new(), 0.0);
    };
    // 1. Tiers from today's window planner on the lookback.
    let mut win = lb.clone();
    win.scenario.forecast_scenarios = 1;
    settings
        .progress
        .stage(|| "term: tiers from the window planner".into());
    let tiers_run = super::plan_scenario(&win, settings, resolution);
    let Some(tier_plan) = tiers_run.plan.clone() else {
        return tiers_run;
    };
    let mut placements = tier_plan.placements.clone();
    let tier_changes = layout::gate_tier_changes(&lb, &mut placements, incumbent);
    // 2. Paths and profiles.
    settings
        .progress
        .stage(|| "term: demand and price paths".into());
    let (demand, entry_places, mut warnings) = term_demand(inputs, &lb, at, &placements);
    // 3. The term MIP.
    let mut problem = build_term_problem(&lb, &demand, &inputs.owned, committed_cap(&lb));
    problem.cvar_offsets = regret_offsets(&lb, &problem, settings);
    settings
        .progress
        .stage(|| "term: commitment MIP over the horizon".into());
    let tm = build_term_mip(&problem, false);
    let build_seconds = t0.elapsed().as_secs_f64();
    let reader = tm.reader;
    let mut outcome = solve(tm.mip, settings);
    let Some(values) = outcome.values.take() else {
        let msg = outcome.message.clone();
        let inf = model_failure(msg.unwrap_or_else(|| "no feasible plan".into()));
        let mut run = no_plan(inf, problem.pruned.clone(), build_seconds);
        run.outcome = outcome;
        return run;
    };
    let sol = reader.read(&values);
    // 4. The plan, re-priced on every scenario.
    let plan = Plan {
        start: at,
        placements: placements.clone(),
        purchases: purchases_now(&lb, &problem, &sol.now),
        owned: inputs.owned.clone(),
        spot_allowed: inputs.scenario.instruments.spot,
    };
    settings
        .progress
        .stage(|| "term: re-pricing every scenario".into());
    let book = book(&lb, &plan, entry_places, &demand, &problem, &sol);
    let evals = evaluate_all(&book, &lb, &demand);
    let Some(evals) = evals else {
        let inf = model_failure("the term plan could not be re-priced".into());
        return no_plan(inf, problem.pruned.clone(), build_seconds);
    };
    let t1 = Instant::now();
    let mut term = term_report(&lb, at, &demand, &problem, &sol, &book, &evals);
    term.tier_changes = tier_changes;
    term.warnings.append(&mut warnings);
    let scen: Vec<_> = evals.iter().map(|e| e.evaluation.clone()).collect();
    PlanRun {
        outcome,
        evaluation: Some(mean_evaluation(&scen, &demand.paths.probs)),
        plan: Some(plan),
        infeasibility: None,
        pruned: problem.pruned.clone(),
        dominated_offerings: tiers_run.dominated_offerings.clone(),
        build_seconds,
        evaluate_seconds: t1.elapsed().as_secs_f64(),
        buckets: demand.bucket_share.len(),
        steps: tiers_run.steps.clone(),
        risk: Some(ScenarioRisk {
            evaluations: scen,
            probs: demand.paths.probs.clone(),
        }),
        horizon: Some(HourWindow {
            start: at,
            end: demand.paths.horizon.end(),
        }),
        sensitivity: None,
        decomposition: tiers_run.decomposition.clone(),
        term: Some(Box::new(term)),
    }
}

/// The demand of a term plan: the entries (workload and offering pairs) of the placements,
/// their bucket profiles over the lookback and the demand and price paths over the horizon;
/// with the placement of each entry and the warnings of the layout.
fn term_demand(
    inputs: &Inputs,
    lb: &Inputs,
    at: DateTime<Utc>,
    placements: &[crate::plan::Placement],
) -> (TermDemand, Vec<crate::plan::Placement>, Vec<String>) {
    let (entries, entry_places, warnings) = layout::entries(lb, placements);
    let (bucket_share, shape) = layout::bucket_profiles(lb, &entries, inputs.scenario.term.buckets);
    let demand = TermDemand {
        paths: term_paths(lb, horizon(inputs, at)),
        bucket_share,
        shape,
        entries,
    };
    (demand, entry_places, warnings)
}

/// A term plan that failed in the model itself (no conflict to explain: the window planner
/// that chose the tiers has already checked the constraints).
fn model_failure(message: String) -> Infeasibility {
    Infeasibility {
        group: "model".into(),
        message,
        conflicts: Vec::new(),
    }
}

/// The cap on new commitments' hourly cost (`[caps] max_committed_share` of the lookback's
/// all-on-demand hourly cost), when below 1.
fn committed_cap(inputs: &Inputs) -> Option<f64> {
    let share = inputs.scenario.max_committed_share;
    if share >= 1.0 {
        return None;
    }
    let full = crate::model::DemandSet::full_resolution(inputs);
    let h = full.total_hours();
    (h > 0.0).then(|| share * crate::model::problem::baseline_on_demand(inputs, &full) / h)
}

/// With the regret measure and a risk term: each scenario's own optimum (the LP relaxation
/// of the term model on that scenario alone), subtracted inside the CVaR.
fn regret_offsets(inputs: &Inputs, p: &TermProblem, settings: &SolveSettings) -> Vec<f64> {
    let r = &inputs.scenario.risk;
    if !(r.regret && (r.risk_weight > 0.0 || r.max_cvar.is_some()) && p.probs.len() > 1) {
        return Vec::new();
    }
    (0..p.probs.len())
        .map(|s| {
            let single = p.single(s);
            solve(build_term_mip(&single, true).mip, settings)
                .objective
                .unwrap_or(0.0)
        })
        .collect()
}

/// The purchases now of a solution (below half an instance or half a cent per hour:
/// dropped).
fn purchases_now(inputs: &Inputs, p: &TermProblem, now: &[f64]) -> Vec<Purchase> {
    p.offers
        .iter()
        .zip(now)
        .filter_map(|(k, &amount)| {
            let min = match k.kind {
                CommitmentKind::Unit => 0.5,
                CommitmentKind::Spend => 0.005,
            };
            (amount >= min).then(|| Purchase {
                offer_id: inputs.catalog.offers[k.catalog].id.clone(),
                kind: k.kind,
                amount,
            })
        })
        .collect()
}

/// The book the evaluator prices: entries' placements, owned and bought-now commitments
/// with their dates, later purchases per scenario.
fn book(
    inputs: &Inputs,
    plan: &Plan,
    entry_places: Vec<crate::plan::Placement>,
    demand: &TermDemand,
    problem: &TermProblem,
    sol: &crate::model::term::TermSolution,
) -> TermBook {
    let mut commitments: Vec<Dated> = plan
        .owned
        .iter()
        .map(|c| Dated {
            offer_id: c.offer_id.clone(),
            amount: c.quantity_or_hourly,
            start: c.start,
            end: c.end,
            owned: true,
        })
        .collect();
    for p in &plan.purchases {
        let term = inputs
            .catalog
            .offer(&p.offer_id)
            .map_or(12, |k| k.term_months);
        let w = term_window(plan.start, term);
        commitments.push(Dated {
            offer_id: p.offer_id.clone(),
            amount: p.amount,
            start: w.start,
            end: w.end,
            owned: false,
        });
    }
    let workloads: Vec<String> = plan.placements.iter().map(|p| p.workload.clone()).collect();
    TermBook {
        workload_of: demand
            .entries
            .iter()
            .map(|e| {
                let name = &inputs.workloads[e.workload].name;
                workloads.iter().position(|w| w == name).unwrap_or(0)
            })
            .collect(),
        placements: entry_places,
        workloads,
        commitments,
        later: report::later_purchases(&inputs.catalog, problem, sol, demand),
        spot_allowed: plan.spot_allowed,
    }
}

/// Every scenario re-priced, on two threads.
fn evaluate_all(
    book: &TermBook,
    inputs: &Inputs,
    demand: &TermDemand,
) -> Option<Vec<TermEvaluation>> {
    let ns = demand.paths.probs.len();
    let half = ns / 2;
    let run = |range: std::ops::Range<usize>| -> Option<Vec<TermEvaluation>> {
        range
            .map(|s| evaluate_term(book, &inputs.catalog, demand, s).ok())
            .collect()
    };
    let (a, b) = std::thread::scope(|sc| {
        let other = sc.spawn(|| run(half..ns));
        (run(0..half), other.join().ok().flatten())
    });
    let mut a = a?;
    a.extend(b?);
    Some(a)
}

/// The term report of a solved and re-priced plan.
fn term_report(
    inputs: &Inputs,
    at: DateTime<Utc>,
    demand: &TermDemand,
    problem: &TermProblem,
    sol: &crate::model::term::TermSolution,
    book: &TermBook,
    evals: &[TermEvaluation],
) -> TermReport {
    let paths = &demand.paths;
    let n_now = book.commitments.len();
    let n_owned = book.commitments.iter().filter(|c| c.owned).count();
    let hourly: Vec<f64> = evals
        .first()
        .map(|e| {
            e.evaluation
                .commitments
                .iter()
                .map(|c| c.hourly_cost)
                .collect()
        })
        .unwrap_or_else(|| vec![0.0; n_now]);
    let stranded_now = evals
        .iter()
        .map(|e| {
            e.evaluation.commitments[n_owned..]
                .iter()
                .map(|c| c.unused_cost())
                .sum()
        })
        .collect();
    let stranded_all = evals
        .iter()
        .map(|e| {
            e.evaluation
                .commitments
                .iter()
                .map(|c| c.unused_cost())
                .sum::<f64>()
                + e.later_unused
        })
        .collect();
    let g = &paths.growth;
    let gm = g.iter().sum::<f64>() / g.len().max(1) as f64;
    let gsd = (g.iter().map(|x| (x - gm).powi(2)).sum::<f64>() / g.len().max(1) as f64).sqrt();
    let names = |v: &[f64]| -> Vec<(String, f64)> {
        inputs
            .workloads
            .iter()
            .zip(v)
            .map(|(w, x)| (w.name.clone(), *x))
            .collect()
    };
    TermReport {
        as_of: at,
        end: paths.horizon.end(),
        lookback: inputs.window,
        period_months: paths.horizon.period_months,
        periods: paths.horizon.periods(),
        slices: paths.horizon.slices.len(),
        buckets: demand.bucket_share.len(),
        scenarios: paths.probs.len(),
        costs: evals.iter().map(|e| e.evaluation.total).collect(),
        stranded_now,
        stranded_all,
        later_cost_expected: evals
            .iter()
            .zip(&paths.probs)
            .map(|(e, p)| p * e.later_cost)
            .sum(),
        probs: paths.probs.clone(),
        odds: report::odds(&book.commitments, &hourly, demand, evals),
        ladder: report::ladder(&inputs.catalog, problem, sol, demand, &book.commitments),
        tier_changes: Vec::new(),
        migrations: demand
            .entries
            .iter()
            .filter(|e| e.after_migration.is_some())
            .map(|e| {
                (
                    inputs.workloads[e.workload].name.clone(),
                    inputs.catalog.offerings[e.offering].key(),
                )
            })
            .collect(),
        end_probability: names(&paths.end_probability),
        level_sigma: names(&paths.sigma),
        growth: (gm, gsd),
        later_recourse_periods: paths.horizon.periods().saturating_sub(1),
        warnings: Vec::new(),
    }
}
