//! What a term plan reports beyond its purchases: per commitment the odds that it beats
//! on-demand over its term, its break-even month and whether it goes underwater; the
//! stranded commitment; and the ladder of later purchases and expiries.

use crate::domain::outlook::add_months;
use crate::domain::Catalog;
use crate::forecast::term::TermDemand;
use crate::model::term::{later_rate, TermProblem, TermSolution};
use crate::plan::risk::quantile;
use crate::plan::term::{Dated, TermEvaluation};
use chrono::{DateTime, Utc};

/// Odds of one commitment (owned or bought now) over the horizon's scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentOdds {
    /// Catalog offer id.
    pub offer_id: String,
    /// Owned before the plan (else bought now).
    pub owned: bool,
    /// Instances or USD per hour.
    pub amount: f64,
    /// Start and end of its term.
    pub start: DateTime<Utc>,
    /// End of its term.
    pub end: DateTime<Utc>,
    /// Its cost: the whole term for a purchase now; the hours inside the horizon for an
    /// owned one.
    pub cost: f64,
    /// Expected on-demand value of the usage it covers inside the horizon.
    pub expected_value: f64,
    /// Share of scenarios in which that value reaches its cost.
    pub probability_beats_on_demand: f64,
    /// Median over scenarios of the month (from its start) at which the value it covered
    /// reaches its cost; `None` when the median scenario never gets there.
    pub break_even_month_p50: Option<f64>,
    /// Expected cost of its unused part.
    pub expected_stranded: f64,
    /// Share of scenarios in which a unit commitment's locked rate rises above the
    /// on-demand price of its offering at some point (always 0 for spend commitments).
    pub probability_underwater: f64,
    /// The first date at which it is underwater in at least half of the scenarios.
    pub underwater_from: Option<DateTime<Utc>>,
}

/// A commitment that ends inside the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiry {
    /// Catalog offer id.
    pub offer_id: String,
    /// Owned (else bought now).
    pub owned: bool,
    /// Instances or USD per hour.
    pub amount: f64,
    /// End of its term.
    pub end: DateTime<Utc>,
    /// `renew` when the plan buys at least half its hourly cost again on the offerings it
    /// covers at that period (expected), else `let_lapse`.
    pub recommendation: &'static str,
}

/// One step of the purchase ladder: a period start.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderStep {
    /// Period index (1 = the first period after the as-of date's).
    pub period: usize,
    /// Its first day.
    pub start: DateTime<Utc>,
    /// Hourly cost of the commitments bought then: expected and P10/P50/P90 over scenarios.
    pub expected_hourly: f64,
    /// 10th percentile.
    pub p10_hourly: f64,
    /// Median.
    pub p50_hourly: f64,
    /// 90th percentile.
    pub p90_hourly: f64,
    /// Expected purchase per offer: (offer id, expected amount, expected hourly cost).
    pub by_offer: Vec<(String, f64, f64)>,
    /// Commitments ending in the period before it.
    pub expiring: Vec<Expiry>,
}

/// The odds of every listed commitment (owned, then bought now) over the scenarios.
pub fn odds(
    listed: &[Dated],
    hourly_cost: &[f64],
    demand: &TermDemand,
    evals: &[TermEvaluation],
) -> Vec<CommitmentOdds> {
    let h = &demand.paths.horizon;
    let probs = &demand.paths.probs;
    listed
        .iter()
        .enumerate()
        .map(|(c, d)| {
            let whole = if d.owned {
                evals.first().map_or(0.0, |e| e.cost[c].iter().sum())
            } else {
                hourly_cost[c] * (d.end - d.start).num_seconds() as f64 / 3600.0
            };
            let mut beats = 0.0;
            let mut under = 0.0;
            let mut expected_value = 0.0;
            let mut stranded = 0.0;
            let mut months: Vec<f64> = Vec::new();
            for (e, p) in evals.iter().zip(probs) {
                let value: f64 = e.value[c].iter().sum();
                expected_value += p * value;
                if value >= whole - 1e-9 {
                    beats += p;
                }
                if e.underwater[c].iter().any(|&u| u) {
                    under += p;
                }
                stranded += p * e.evaluation.commitments[c].unused_cost();
                months.push(
                    break_even_month(h, d.start, whole, &e.value[c]).unwrap_or(f64::INFINITY),
                );
            }
            let med = quantile(&months, probs, 0.5);
            let underwater_from = (0..h.slices.len())
                .find(|&k| {
                    evals
                        .iter()
                        .zip(probs)
                        .filter(|(e, _)| e.underwater[c][k])
                        .map(|(_, p)| p)
                        .sum::<f64>()
                        >= 0.5
                })
                .map(|k| h.slices[k].start);
            CommitmentOdds {
                offer_id: d.offer_id.clone(),
                owned: d.owned,
                amount: d.amount,
                start: d.start,
                end: d.end,
                cost: whole,
                expected_value,
                probability_beats_on_demand: beats,
                break_even_month_p50: med.is_finite().then_some(med),
                expected_stranded: stranded,
                probability_underwater: under,
                underwater_from,
            }
        })
        .collect()
}

/// The month (730 hours, from `start`) at which the cumulated on-demand value reaches
/// `cost`, linear within a slice; `None` if it never does inside the horizon.
fn break_even_month(
    h: &crate::forecast::term::TermHorizon,
    start: DateTime<Utc>,
    cost: f64,
    value: &[f64],
) -> Option<f64> {
    if cost <= 0.0 {
        return Some(0.0);
    }
    let mut acc = 0.0;
    for (k, sl) in h.slices.iter().enumerate() {
        let v = value[k];
        if v > 0.0 && acc + v >= cost {
            let into = (cost - acc) / v * sl.hours;
            let hours = (sl.start - start).num_seconds() as f64 / 3600.0 + into;
            return Some(hours.max(0.0) / crate::domain::catalog::HOURS_PER_MONTH);
        }
        acc += v;
    }
    None
}

/// The purchase ladder: per later period, the distribution of what the plan buys then, and
/// the listed commitments that end before it with a renew / let-lapse recommendation.
pub fn ladder(
    cat: &Catalog,
    problem: &TermProblem,
    sol: &TermSolution,
    demand: &TermDemand,
    listed: &[Dated],
) -> Vec<LadderStep> {
    let h = &demand.paths.horizon;
    let probs = &demand.paths.probs;
    (1..h.periods())
        .map(|per| {
            let ns = probs.len();
            let mut per_s = vec![0.0; ns];
            let mut by_offer = Vec::new();
            for (ki, k) in problem.offers.iter().enumerate() {
                let Some(nodes) = sol.later[ki].get(per - 1) else {
                    continue;
                };
                if nodes.is_empty() {
                    continue;
                }
                let (mut amt, mut hourly) = (0.0, 0.0);
                for s in 0..ns {
                    let a = nodes[problem.node[per][s]];
                    let x = a * later_rate(problem, k, s, per);
                    per_s[s] += x;
                    amt += probs[s] * a;
                    hourly += probs[s] * x;
                }
                if hourly > 0.005 {
                    by_offer.push((cat.offers[k.catalog].id.clone(), amt, hourly));
                }
            }
            let (a, b) = (h.boundaries[per - 1], h.boundaries[per]);
            let expiring = listed
                .iter()
                .filter(|d| d.end > a && d.end <= b)
                .map(|d| expiry(cat, problem, &by_offer, d))
                .collect();
            LadderStep {
                period: per,
                start: b,
                expected_hourly: per_s.iter().zip(probs).map(|(x, p)| x * p).sum(),
                p10_hourly: quantile(&per_s, probs, 0.1),
                p50_hourly: quantile(&per_s, probs, 0.5),
                p90_hourly: quantile(&per_s, probs, 0.9),
                by_offer,
                expiring,
            }
        })
        .collect()
}

/// Renew or let lapse: renew when the expected purchases of the period on offers of the same
/// kind covering an offering it covers add up to at least half its hourly cost.
fn expiry(
    cat: &Catalog,
    problem: &TermProblem,
    by_offer: &[(String, f64, f64)],
    d: &Dated,
) -> Expiry {
    let mine = cat.offer(&d.offer_id);
    let hourly_mine = mine.map_or(0.0, |k| {
        d.amount * crate::domain::commitment_unit_rate(cat, k)
    });
    let covers = |id: &str| -> bool {
        let (Some(a), Some(b)) = (mine, cat.offer(id)) else {
            return false;
        };
        a.kind == b.kind
            && problem.offerings.iter().any(|o| {
                a.matches(&cat.offerings[o.catalog]) && b.matches(&cat.offerings[o.catalog])
            })
    };
    let again: f64 = by_offer
        .iter()
        .filter(|(id, _, _)| covers(id))
        .map(|x| x.2)
        .sum();
    let renew = hourly_mine > 0.0 && again >= 0.5 * hourly_mine;
    Expiry {
        offer_id: d.offer_id.clone(),
        owned: d.owned,
        amount: d.amount,
        end: d.end,
        recommendation: if renew { "renew" } else { "let_lapse" },
    }
}

/// The dated later purchases of every scenario from a solution (amounts below 0.001
/// dropped).
pub fn later_purchases(
    cat: &Catalog,
    problem: &TermProblem,
    sol: &TermSolution,
    demand: &TermDemand,
) -> Vec<Vec<Dated>> {
    let h = &demand.paths.horizon;
    (0..demand.paths.probs.len())
        .map(|s| {
            let mut v = Vec::new();
            for (ki, k) in problem.offers.iter().enumerate() {
                for (pi, nodes) in sol.later[ki].iter().enumerate() {
                    let per = pi + 1;
                    let Some(&a) = nodes.get(problem.node[per][s]) else {
                        continue;
                    };
                    if a > 1e-3 {
                        let start = h.boundaries[per];
                        v.push(Dated {
                            offer_id: cat.offers[k.catalog].id.clone(),
                            amount: a,
                            start,
                            end: add_months(start, k.term_months),
                            owned: false,
                        });
                    }
                }
            }
            v
        })
        .collect()
}
