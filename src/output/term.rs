//! The term section of the plan document and its lines in the plan table: built from a
//! term run's report (money rounded to cents, ratios to 6 decimals, no NaN: quantities
//! that do not exist are null).

use super::format::{cents, ratio6 as ratio, timestamp as ts};
use crate::engine::term::TermReport;
use crate::ingest::inputs::Inputs;
use crate::plan::risk::{cvar, quantile};
use crate::plan::term_doc::*;

/// The term section of a run's report.
pub fn term_doc(inputs: &Inputs, t: &TermReport) -> TermDoc {
    let probs = &t.probs;
    let mean = |v: &[f64]| v.iter().zip(probs).map(|(x, p)| x * p).sum::<f64>();
    TermDoc {
        as_of: ts(t.as_of),
        horizon_end: ts(t.end),
        lookback_start: ts(t.lookback.start),
        lookback_end: ts(t.lookback.end),
        period_months: t.period_months,
        periods: t.periods,
        scenarios: t.scenarios,
        buckets: t.buckets,
        cost: TermCostDoc {
            expected: cents(mean(&t.costs)),
            p50: cents(quantile(&t.costs, probs, 0.5)),
            p90: cents(quantile(&t.costs, probs, 0.9)),
            p95: cents(quantile(&t.costs, probs, 0.95)),
            cvar: cents(cvar(&t.costs, probs, inputs.scenario.risk.cvar_alpha)),
        },
        stranded: StrandedDoc {
            expected: cents(mean(&t.stranded_now)),
            p95: cents(quantile(&t.stranded_now, probs, 0.95)),
            expected_all: cents(mean(&t.stranded_all)),
        },
        later_purchases_expected_cost: cents(t.later_cost_expected),
        commitments: odds_docs(t),
        ladder: ladder_docs(t),
        tier_changes: t
            .tier_changes
            .iter()
            .map(|c| TierChangeDoc {
                workload: c.workload.clone(),
                from: c.from.clone(),
                to: c.to.clone(),
                monthly_saving: cents(c.monthly_saving),
                payback_months: c
                    .payback_months
                    .is_finite()
                    .then(|| (c.payback_months * 100.0).round() / 100.0),
                kept: c.kept,
            })
            .collect(),
        migrations: t
            .migrations
            .iter()
            .map(|(w, to)| MigrationDoc {
                workload: w.clone(),
                to: to.clone(),
            })
            .collect(),
        assumptions: assumptions_doc(inputs, t),
        warnings: t.warnings.clone(),
    }
}

/// Every commitment's odds over its term (owned and bought now).
fn odds_docs(t: &TermReport) -> Vec<OddsDoc> {
    t.odds
        .iter()
        .map(|o| OddsDoc {
            offer_id: o.offer_id.clone(),
            owned: o.owned,
            amount: o.amount,
            start: ts(o.start),
            end: ts(o.end),
            cost: cents(o.cost),
            expected_value: cents(o.expected_value),
            probability_beats_on_demand: ratio(o.probability_beats_on_demand),
            break_even_month_p50: o.break_even_month_p50.map(|m| (m * 100.0).round() / 100.0),
            expected_stranded: cents(o.expected_stranded),
            probability_underwater: ratio(o.probability_underwater),
            underwater_from: o.underwater_from.map(ts),
        })
        .collect()
}

/// The ladder: per period the expected further purchases and the expiring commitments.
fn ladder_docs(t: &TermReport) -> Vec<LadderDoc> {
    t.ladder
        .iter()
        .map(|l| LadderDoc {
            period: l.period,
            start: ts(l.start),
            expected_hourly: cents(l.expected_hourly),
            p10_hourly: cents(l.p10_hourly),
            p50_hourly: cents(l.p50_hourly),
            p90_hourly: cents(l.p90_hourly),
            purchases: l
                .by_offer
                .iter()
                .map(|(id, a, h)| LadderPurchaseDoc {
                    offer_id: id.clone(),
                    expected_amount: (a * 1000.0).round() / 1000.0,
                    expected_hourly: cents(*h),
                })
                .collect(),
            expiring: l
                .expiring
                .iter()
                .map(|e| ExpiryDoc {
                    offer_id: e.offer_id.clone(),
                    owned: e.owned,
                    amount: e.amount,
                    end: ts(e.end),
                    recommendation: e.recommendation.to_string(),
                })
                .collect(),
        })
        .collect()
}

/// What the term paths assumed: growth, churn, level spread, migration cost, price paths.
fn assumptions_doc(inputs: &Inputs, t: &TermReport) -> AssumptionsDoc {
    let cfg = &inputs.scenario.term;
    AssumptionsDoc {
        growth_mean: ratio(t.growth.0),
        growth_sd: ratio(t.growth.1),
        fleet_correlation: cfg.fleet_correlation,
        reveal_periods: cfg.reveal_periods,
        migration_cost: cents(cfg.migration_cost),
        migration_payback_months: cfg.migration_payback_months,
        workloads: t
            .end_probability
            .iter()
            .zip(&t.level_sigma)
            .map(|((w, p), (_, s))| WorkloadAssumptionDoc {
                workload: w.clone(),
                end_probability: ratio(*p),
                level_sigma: ratio(*s),
            })
            .collect(),
        prices: inputs
            .scenario
            .prices
            .iter()
            .map(|p| PriceAssumptionDoc {
                gpu: p.gpu.clone(),
                annual_decline_low_pct: p.annual_decline_pct.0,
                annual_decline_high_pct: p.annual_decline_pct.1,
                cuts: p
                    .cuts
                    .iter()
                    .map(|(at, pct)| PriceCutDoc {
                        at: ts(*at),
                        pct: *pct,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The term section as text: horizon cost quantiles and stranded commitment, the odds of
/// every commitment owned or bought now, and the ladder. Empty in window mode.
pub fn term_text(d: &crate::plan::doc::PlanDoc) -> String {
    use super::table::{render, Align};
    use crate::domain::Usd;
    use std::fmt::Write;
    let Some(t) = &d.term else {
        return String::new();
    };
    let pct = super::format::pct1;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nterm: as of {} to {}, {} periods of {} months, {} scenarios (lookback {} .. {})",
        t.as_of,
        t.horizon_end,
        t.periods,
        t.period_months,
        t.scenarios,
        t.lookback_start,
        t.lookback_end
    );
    let _ = writeln!(
        s,
        "horizon cost  expected {}  P50 {}  P90 {}  CVaR {}",
        Usd(t.cost.expected),
        Usd(t.cost.p50),
        Usd(t.cost.p90),
        Usd(t.cost.cvar)
    );
    let _ = writeln!(
        s,
        "stranded commitment (bought now)  expected {}  P95 {};  all commitments expected {}",
        Usd(t.stranded.expected),
        Usd(t.stranded.p95),
        Usd(t.stranded.expected_all)
    );
    if !t.commitments.is_empty() {
        let rows: Vec<Vec<String>> = t
            .commitments
            .iter()
            .map(|o| {
                vec![
                    o.offer_id.clone(),
                    if o.owned { "owned" } else { "buy now" }.into(),
                    o.start.get(..10).unwrap_or("").to_string(),
                    o.end.get(..10).unwrap_or("").to_string(),
                    Usd(o.cost).to_string(),
                    pct(o.probability_beats_on_demand),
                    o.break_even_month_p50
                        .map_or("never".into(), |m| format!("{m:.1}")),
                    Usd(o.expected_stranded).to_string(),
                    o.underwater_from
                        .as_deref()
                        .and_then(|u| u.get(..10))
                        .unwrap_or("-")
                        .to_string(),
                ]
            })
            .collect();
        s.push('\n');
        s.push_str(&render(
            &[
                ("commitment", Align::Left),
                ("", Align::Left),
                ("start", Align::Left),
                ("end", Align::Left),
                ("cost", Align::Right),
                ("P(beats OD)", Align::Right),
                ("break-even month", Align::Right),
                ("exp. stranded", Align::Right),
                ("underwater from", Align::Left),
            ],
            &rows,
        ));
    }
    let rows: Vec<Vec<String>> = t
        .ladder
        .iter()
        .filter(|l| l.expected_hourly > 0.0 || !l.expiring.is_empty())
        .map(|l| {
            let exp: Vec<String> = l
                .expiring
                .iter()
                .map(|e| format!("{} ({})", e.offer_id, e.recommendation.replace('_', " ")))
                .collect();
            vec![
                l.start.get(..10).unwrap_or("").to_string(),
                format!("{}/h", Usd(l.expected_hourly)),
                format!("{} – {}", Usd(l.p10_hourly), Usd(l.p90_hourly)),
                exp.join("; "),
            ]
        })
        .collect();
    if !rows.is_empty() {
        s.push('\n');
        s.push_str(&render(
            &[
                ("ladder", Align::Left),
                ("expected purchase", Align::Right),
                ("P10 – P90", Align::Right),
                ("expiring", Align::Left),
            ],
            &rows,
        ));
    }
    s
}
