//! The `term` section of the plan document (`docs/plan-json.md` "Term"): what a term-aware
//! plan says about the whole horizon — cost quantiles, stranded commitment, per-commitment
//! odds and break-even, the purchase ladder, tier changes and the assumptions behind them.
//! Absent in window mode.

use serde::{Deserialize, Serialize};

/// The term section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TermDoc {
    /// Purchases start at this date or later.
    pub as_of: String,
    /// End of the horizon (exclusive).
    pub horizon_end: String,
    /// The history the plan saw: start of the lookback.
    pub lookback_start: String,
    /// End of the lookback.
    pub lookback_end: String,
    /// Months per period (purchases may be made at each period start).
    pub period_months: u32,
    /// Periods in the horizon.
    pub periods: usize,
    /// Demand and price scenarios.
    pub scenarios: usize,
    /// Hour buckets per period slice.
    pub buckets: usize,
    /// Cost over the horizon across scenarios.
    pub cost: TermCostDoc,
    /// Paid and unused commitment over the horizon.
    pub stranded: StrandedDoc,
    /// Expected cost inside the horizon of the purchases the ladder makes later.
    pub later_purchases_expected_cost: f64,
    /// Per commitment owned or bought now: odds over the horizon.
    pub commitments: Vec<OddsDoc>,
    /// Later purchases and expiries per period.
    pub ladder: Vec<LadderDoc>,
    /// Tier changes the window planner proposed, with their payback.
    pub tier_changes: Vec<TierChangeDoc>,
    /// Known migrations and where the load goes.
    pub migrations: Vec<MigrationDoc>,
    /// What the scenarios assume.
    pub assumptions: AssumptionsDoc,
    /// Warnings of the term planner.
    pub warnings: Vec<String>,
}

/// Horizon cost across scenarios.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TermCostDoc {
    /// Expected cost.
    pub expected: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// CVaR at the scenario's α.
    pub cvar: f64,
}

/// Stranded commitment over the horizon.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StrandedDoc {
    /// Expected unused cost of the purchases made now.
    pub expected: f64,
    /// Its 95th percentile across scenarios.
    pub p95: f64,
    /// Expected unused cost of every commitment: owned, bought now and bought later.
    pub expected_all: f64,
}

/// Odds of one commitment over the horizon.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OddsDoc {
    /// Catalog offer id.
    pub offer_id: String,
    /// Owned before the plan (else bought now; then in the order of `purchases`).
    pub owned: bool,
    /// Instances or USD per hour.
    pub amount: f64,
    /// Start of its term.
    pub start: String,
    /// End of its term (calendar months after the start).
    pub end: String,
    /// Its cost: the whole term for a purchase; inside the horizon for an owned one.
    pub cost: f64,
    /// Expected on-demand value of the usage it covers inside the horizon.
    pub expected_value: f64,
    /// Share of scenarios in which that value reaches its cost.
    pub probability_beats_on_demand: f64,
    /// Median month (from its start) at which the value covered reaches the cost; absent when
    /// the median scenario never gets there inside the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_even_month_p50: Option<f64>,
    /// Expected cost of its unused part.
    pub expected_stranded: f64,
    /// Share of scenarios in which its locked unit rate exceeds on-demand at some point.
    pub probability_underwater: f64,
    /// First date underwater in at least half of the scenarios; absent if never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underwater_from: Option<String>,
}

/// One period start of the ladder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LadderDoc {
    /// Period index (1 = the first period start after the as-of date).
    pub period: usize,
    /// Its first day.
    pub start: String,
    /// Hourly cost of the commitments bought then, expected across scenarios.
    pub expected_hourly: f64,
    /// 10th percentile.
    pub p10_hourly: f64,
    /// Median.
    pub p50_hourly: f64,
    /// 90th percentile.
    pub p90_hourly: f64,
    /// Expected purchases per offer.
    pub purchases: Vec<LadderPurchaseDoc>,
    /// Commitments owned or bought now that end in the period before it.
    pub expiring: Vec<ExpiryDoc>,
}

/// An expected later purchase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LadderPurchaseDoc {
    /// Catalog offer id.
    pub offer_id: String,
    /// Expected instances or USD per hour.
    pub expected_amount: f64,
    /// Expected hourly cost.
    pub expected_hourly: f64,
}

/// A commitment ending inside the horizon.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExpiryDoc {
    /// Catalog offer id.
    pub offer_id: String,
    /// Owned (else bought now).
    pub owned: bool,
    /// Instances or USD per hour.
    pub amount: f64,
    /// End of its term.
    pub end: String,
    /// `renew` or `let_lapse`.
    pub recommendation: String,
}

/// A tier change with its payback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TierChangeDoc {
    /// Workload.
    pub workload: String,
    /// Current offering.
    pub from: String,
    /// Proposed offering.
    pub to: String,
    /// Estimated saving per month, USD.
    pub monthly_saving: f64,
    /// Months to pay back the migration cost; absent when it saves nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payback_months: Option<f64>,
    /// Kept in the plan (it pays back in time, or the workload cannot stay).
    pub kept: bool,
}

/// A known migration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MigrationDoc {
    /// Workload.
    pub workload: String,
    /// Offering its load moves to.
    pub to: String,
}

/// The assumptions behind the scenarios.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AssumptionsDoc {
    /// Mean annual growth across scenarios (fraction).
    pub growth_mean: f64,
    /// Its standard deviation across scenarios.
    pub growth_sd: f64,
    /// Share of the level variance common to the fleet.
    pub fleet_correlation: f64,
    /// Periods after which every scenario is its own node of the information tree.
    pub reveal_periods: u32,
    /// One-time cost of a tier change, USD.
    pub migration_cost: f64,
    /// Payback limit of a tier change, months.
    pub migration_payback_months: f64,
    /// Per workload: annual end probability and weekly level volatility used.
    pub workloads: Vec<WorkloadAssumptionDoc>,
    /// Per GPU model with a price outlook: decline range and known cuts.
    pub prices: Vec<PriceAssumptionDoc>,
}

/// What the scenarios assume about one workload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkloadAssumptionDoc {
    /// Workload.
    pub workload: String,
    /// Annual probability that it ends.
    pub end_probability: f64,
    /// Weekly log-level volatility.
    pub level_sigma: f64,
}

/// A GPU model's price outlook.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PriceAssumptionDoc {
    /// GPU model.
    pub gpu: String,
    /// Lowest annual decline, percent.
    pub annual_decline_low_pct: f64,
    /// Highest annual decline, percent.
    pub annual_decline_high_pct: f64,
    /// Known cuts: date and percent.
    pub cuts: Vec<PriceCutDoc>,
}

/// A known price cut.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PriceCutDoc {
    /// From when.
    pub at: String,
    /// Percent off.
    pub pct: f64,
}
