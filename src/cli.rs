//! Command-line flags (clap). Only flags live here; `main` turns them into calls.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// gpuplan: plan GPU purchases (tier per workload; reservations, savings plans, spot,
/// on-demand) by mixed-integer programming, with the risk in numbers.
#[derive(Debug, Parser)]
#[command(name = "gpuplan", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// JSON.
    Json,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every input of a scenario, cross-check them and print a summary.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Catalog override directory (rows replace shipped rows with the same key).
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// List catalog offerings with USD per GPU-hour.
    Catalog {
        /// Only this cloud (aws, azure, gcp).
        #[arg(long)]
        cloud: Option<String>,
        /// Only this GPU model (e.g. H100).
        #[arg(long)]
        gpu: Option<String>,
        /// Catalog override directory (rows replace shipped rows with the same key).
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Solve the tier + commitment MIP for a scenario and write the purchase plan.
    Plan {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Write the plan JSON to this file (written whole or not at all).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Solver time limit in seconds (overrides the scenario).
        #[arg(long, value_name = "S")]
        time_limit: Option<f64>,
        /// Time resolution: `full` (every hour), `auto` (adaptive bucket count) or a bucket
        /// count (overrides the scenario's `[solver] resolution`, default auto).
        #[arg(long, value_name = "full|auto|N")]
        resolution: Option<String>,
        /// Optimisation method: `mip` (tiers and commitments in one MIP), `decompose`
        /// (tiers by price-directed decomposition, commitments on pooled load; for large
        /// fleets) or `auto` (overrides the scenario's `[solver] method`, default auto).
        #[arg(long, value_name = "auto|mip|decompose")]
        method: Option<String>,
        /// Relative MIP gap at which to stop (overrides the scenario).
        #[arg(long, value_name = "G")]
        gap: Option<f64>,
        /// Solver threads (overrides the scenario).
        #[arg(long, value_name = "N")]
        threads: Option<u32>,
        /// Catalog override directory (rows replace shipped rows with the same key).
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
        /// Byte-identical output for identical inputs: `generated_at` from SOURCE_DATE_EPOCH
        /// (else 1970-01-01) and no wall-clock seconds. Implied when SOURCE_DATE_EPOCH is set.
        #[arg(long)]
        reproducible: bool,
    },
    /// Write a reproducible synthetic scenario (demand CSV, workloads.toml, scenario file):
    /// diurnal inference with a weekly cycle, bursty training, short experiments.
    Synth {
        /// Number of workloads.
        #[arg(long, default_value_t = 20)]
        workloads: usize,
        /// Number of offerings (instance types of the shipped catalog) the scenario allows.
        #[arg(long, default_value_t = 12)]
        offerings: usize,
        /// Hours of demand.
        #[arg(long, default_value_t = 720)]
        hours: usize,
        /// Seed: the same seed writes the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Rolling-origin backtest over the history: plan on a lookback, re-price on the actual
    /// next window; compare with all on-demand, a provider-style recommender and the
    /// hindsight optimum.
    Backtest {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// History each plan sees, e.g. 14d.
        #[arg(long, default_value = "14d")]
        lookback: String,
        /// Window each plan is evaluated on, e.g. 7d.
        #[arg(long, default_value = "7d")]
        horizon: String,
        /// Hours between origins (default: the horizon).
        #[arg(long)]
        step: Option<String>,
        /// Time resolution of the MIPs (full, auto or a bucket count).
        #[arg(long, default_value = "auto")]
        resolution: String,
        /// Solver time limit per MIP, seconds.
        #[arg(long, value_name = "S")]
        time_limit: Option<f64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Catalog override directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Plan several scenarios and print them side by side (expected cost, P90, CVaR, ESR,
    /// commitments by instrument and term, coverage, tier changes).
    Compare {
        /// Scenario files (TOML), two or more.
        #[arg(required = true, num_args = 1..)]
        scenarios: Vec<PathBuf>,
        /// Output format (JSON: an array of plan documents).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Time resolution (full, auto or a bucket count; default: each scenario's own).
        #[arg(long)]
        resolution: Option<String>,
        /// Catalog override directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Forecast accuracy on a held-out tail of the history (the scenario's masks apply):
    /// fleet GPU-hours MAPE and P10–P90 band coverage against a seasonal-naive baseline.
    Forecast {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Held-out tail of the history, e.g. 7d.
        #[arg(long, default_value = "7d")]
        holdout: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Turn billing exports into demand.csv, commitments.csv and a workloads.toml skeleton.
    Ingest {
        /// What to ingest.
        #[command(subcommand)]
        what: IngestCommand,
    },
    /// The GPU fleet of a scenario or of FOCUS exports: usage, cost, commitments, anomalies,
    /// unit costs.
    Inventory(crate::focus_cli::InventoryArgs),
    /// Re-price a plan hour by hour against any demand (forecast or actuals).
    Evaluate {
        /// Plan JSON written by `gpuplan plan`.
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Demand history CSV (`timestamp,workload,gpus`).
        #[arg(long, value_name = "CSV")]
        demand: PathBuf,
        /// Catalog override directory (rows replace shipped rows with the same key).
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// What `ingest` reads.
#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// FOCUS 1.0–1.3 exports (CSV or gzip) and 1.3 ContractCommitment files.
    Focus(crate::focus_cli::IngestFocusArgs),
}
