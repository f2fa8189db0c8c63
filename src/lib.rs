//! gpuplan: a GPU FinOps optimizer. From hourly GPU demand per workload, a dated price
//! catalog of AWS, Azure and GCP and the commitments already owned, it chooses the GPU tier
//! per workload and the mix of reservations, savings plans, spot and on-demand.
//!
//! Data flows one way, and each stage is one folder:
//!
//! ```text
//! ingest ──► forecast ──► model ──► solve ──► plan ──► engine ──► analysis ──► output
//! scenario,   demand      Problem,   HiGHS     Plan,     strategies  backtest,    tables,
//! catalog,    scenarios   MIP build, outcome   hourly    (joint MIP, inventory    JSON,
//! demand,     over a      time       as data   evaluator, decompose,               one atomic
//! workloads,  horizon     aggregation          risk,     stochastic)               writer
//! owned, FOCUS                                 recommender  → PlanRun
//! ```
//!
//! - [`domain`]: plain types (money, time, workloads, the catalog) and the pricing facts
//!   every stage shares (performance per class, instances per GPU, compatibility, owned
//!   commitment rates). It imports no other stage.
//! - [`ingest`]: one loader per input file (scenario, catalog, demand, workloads,
//!   commitments) and the FOCUS billing-export reader; [`ingest::inputs::Inputs`]
//!   is everything a planning run reads.
//! - [`forecast`]: demand scenarios over a horizon after the history.
//! - [`model`]: the optimisation problem ([`model::Problem`]), its MIP (good_lp), time
//!   aggregation and the decomposition's pooled models.
//! - [`solve`]: HiGHS; a solve outcome is data.
//! - [`plan`]: the purchase plan, its independent hour-by-hour evaluator, risk measures,
//!   the provider-style recommender and the plan JSON document with its reader.
//! - [`engine`]: how a scenario is planned: the joint MIP with adaptive buckets, the
//!   decomposition for large fleets, the stochastic forecast mode.
//! - [`analysis`]: backtests and the fleet inventory.
//! - [`output`]: writers (tables, JSON, the self-contained HTML report) and the one atomic
//!   file writer.
//! - [`synth`]: reproducible synthetic fleets and FOCUS exports for tests and benchmarks.
//!
//! See `docs/architecture.md` for the data types passed between stages.
#![deny(missing_docs)]

pub mod analysis;
pub mod domain;
pub mod engine;
pub mod error;
pub mod forecast;
pub mod ingest;
pub mod model;
pub mod output;
pub mod plan;
pub mod solve;
pub mod synth;
