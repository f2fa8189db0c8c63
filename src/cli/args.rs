//! Command-line flags (clap): the one definition from which parsing, `--help`, the man page
//! and shell completions all come. Only flags live here; `requests` validates them.

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
    /// No progress spinner on stderr (it is also hidden when stderr is not a terminal).
    #[arg(long, global = true)]
    pub quiet: bool,
}

/// Output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// JSON.
    Json,
}

/// Solver flags shared by every command that plans (`plan`, `compare`, `backtest`); each
/// overrides the scenario's `[solver]` table.
#[derive(Debug, Clone, clap::Args)]
pub struct SolverArgs {
    /// Solver time limit in seconds per MIP (overrides the scenario).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Time resolution: `full` (every hour), `auto` (adaptive bucket count) or a bucket
    /// count (overrides the scenario's `[solver] resolution`, default auto).
    #[arg(long, value_name = "full|auto|N", allow_hyphen_values = true)]
    pub resolution: Option<String>,
    /// Optimisation method: `mip` (tiers and commitments in one MIP), `decompose`
    /// (tiers by price-directed decomposition, commitments on pooled load; for large
    /// fleets) or `auto` (overrides the scenario's `[solver] method`, default auto).
    #[arg(long, value_name = "auto|mip|decompose")]
    pub method: Option<String>,
    /// Relative MIP gap at which to stop (overrides the scenario).
    #[arg(long, value_name = "G", allow_negative_numbers = true)]
    pub gap: Option<f64>,
    /// Solver threads (overrides the scenario).
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// Plan as if no workload had `shiftable_hours` or `scale_to_zero`: the demand as
    /// recorded, run when recorded.
    #[arg(long)]
    pub no_scheduling: bool,
}

/// Output format of `simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    /// Aligned text for a terminal.
    Table,
    /// JSON.
    Json,
    /// One CSV row per policy and period.
    Csv,
}

/// Term-model flags of the commands that plan (`plan`, `compare`); each overrides the
/// scenario's `[term]` table.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TermArgs {
    /// How to plan: `term` (over the whole term of what is bought, under churn and price
    /// change; the default) or `window` (the planning window only, as before the term model).
    #[arg(long, value_name = "term|window")]
    pub term: Option<String>,
    /// Purchases start at this date or later (ISO-8601 UTC on the hour, or a date; default
    /// the end of the demand history). The planner sees only the history before it.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
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
        /// Solver settings.
        #[command(flatten)]
        solver: SolverArgs,
        /// Term settings.
        #[command(flatten)]
        term: TermArgs,
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
        /// A long fleet of this many calendar months of hourly demand instead of `--hours`
        /// (for term-aware planning and `simulate`).
        #[arg(long, value_name = "N")]
        months: Option<u32>,
        /// With `--months`: workloads end, start and move, and three known events are
        /// written into workloads.toml.
        #[arg(long, requires = "months")]
        churn: bool,
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
        /// Solver settings (per MIP).
        #[command(flatten)]
        solver: SolverArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Catalog override directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Roll through a long history: at each decision (every period) each policy plans on the
    /// lookback only, keeps what it bought for the full terms, and is priced on what actually
    /// happened next; compare the term-aware planner, today's replay planner, the
    /// provider-style recommender, all on-demand and the term planner with 1-year terms only.
    Simulate {
        /// Scenario file (TOML) with a long history.
        scenario: PathBuf,
        /// Months between decisions: `1q`, `3m`, `6m`, `1y`.
        #[arg(long, default_value = "1q")]
        every: String,
        /// History each decision sees, e.g. 90d.
        #[arg(long, default_value = "90d")]
        lookback: String,
        /// Policies to compare (repeat or comma-separate): term, replay, recommender,
        /// on-demand, term-1y (default: all).
        #[arg(long, value_delimiter = ',')]
        policy: Vec<String>,
        /// Solver settings (per plan).
        #[command(flatten)]
        solver: SolverArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SimFormat::Table)]
        format: SimFormat,
        /// Also write the per-period CSV to this file (whole or not at all).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
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
        /// Solver settings (for every scenario).
        #[command(flatten)]
        solver: SolverArgs,
        /// Term settings (for every scenario).
        #[command(flatten)]
        term: TermArgs,
        /// Catalog override directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
        /// Byte-identical output for identical inputs, as for `plan`: every solve stops at a
        /// work limit instead of the wall clock, `generated_at` comes from SOURCE_DATE_EPOCH
        /// (else 1970-01-01). Implied when SOURCE_DATE_EPOCH is set.
        #[arg(long)]
        reproducible: bool,
    },
    /// Forecast accuracy on held-out history, fitted only on the hours before each origin
    /// (the scenario's masks apply): per-workload weekly WAPE, signed fleet error, hourly
    /// fleet WAPE and P10–P90 coverage, each next to a seasonal-naive baseline.
    Forecast {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Hours forecast and scored after each origin, e.g. 7d.
        #[arg(long, default_value = "7d")]
        holdout: String,
        /// Rolling origins, `--step` apart, the last one a holdout before the end of the
        /// history (the CSV then has an `origin` column).
        #[arg(long, value_name = "N")]
        origins: Option<usize>,
        /// Hours between rolling origins, e.g. 24h.
        #[arg(long, default_value = "24h")]
        step: String,
        /// Also write every held-out hour's forecast (`timestamp,workload,mean,p10,p50,p90`,
        /// workload `*` = fleet total) to this CSV file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Turn billing exports into demand.csv, commitments.csv, a workloads.toml skeleton and a
    /// scenario.toml that `gpuplan plan` reads next.
    Ingest {
        /// What to ingest.
        #[command(subcommand)]
        what: IngestCommand,
    },
    /// The GPU fleet of a scenario or of FOCUS exports: usage, cost, commitments, anomalies,
    /// unit costs.
    Inventory(InventoryArgs),
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
    /// Write a self-contained HTML report of a plan (inline SVG charts, no JavaScript, no
    /// network): summary, demand against commitments, cost distribution, purchases, expiry
    /// ladder, tier changes, and other plans side by side.
    Report(ReportArgs),
    /// Print a shell completion script for gpuplan (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print gpuplan's man page (roff), or write one page per command into a directory.
    Man {
        /// Write gpuplan.1 and one gpuplan-COMMAND.1 per command into this directory
        /// (created if missing; all pages or none).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write a commented starter scenario (scenario.toml, a tiny demand.csv and
    /// workloads.toml) that validates and plans as it is.
    Init {
        /// Directory to write into (created if missing; existing files are not replaced).
        dir: PathBuf,
    },
}

/// `gpuplan report PLAN.json --out report.html`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Plan JSON written by `gpuplan plan`.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Demand history CSV (`timestamp,workload,gpus`): draws the hourly demand of each
    /// offering against its commitments (the plan re-priced hour by hour).
    #[arg(long, value_name = "CSV")]
    pub demand: Option<PathBuf>,
    /// Other plan JSON files to show side by side with PLAN.
    #[arg(long, value_name = "PLAN", num_args = 1..)]
    pub compare: Vec<PathBuf>,
    /// Catalog override directory (rows replace shipped rows with the same key).
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Offerings drawn one by one (the rest are summed into "other offerings"), and rows
    /// of the long tables.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub top: usize,
    /// The HTML file to write (whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// What `ingest` reads.
#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// FOCUS 1.0–1.3 exports (CSV or gzip) and 1.3 ContractCommitment files.
    Focus(IngestFocusArgs),
}

/// How FOCUS rows are grouped into workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadByArg {
    /// The value of the tag named by `--workload-tag`.
    Tag,
    /// The resource (ResourceId).
    Resource,
    /// The sub-account (AWS account, Azure subscription, Google Cloud project).
    #[value(alias = "sub-account")]
    Subaccount,
}

/// Cost column of a FOCUS export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostArg {
    /// EffectiveCost: commitments amortized into the usage they cover.
    Amortized,
    /// BilledCost: as invoiced.
    Billed,
}

/// How to read FOCUS exports (shared by both commands).
#[derive(Debug, Clone, clap::Args)]
pub struct FocusReadArgs {
    /// Group rows into workloads by a tag, the resource or the sub-account.
    #[arg(long, value_enum, default_value_t = WorkloadByArg::Tag)]
    pub workload_by: WorkloadByArg,
    /// Tag key naming the workload (with `--workload-by tag`).
    #[arg(long, value_name = "KEY", default_value = "workload")]
    pub workload_tag: String,
    /// Tag key holding the team.
    #[arg(long, value_name = "KEY", default_value = "team")]
    pub team_tag: String,
    /// Tag key holding the project.
    #[arg(long, value_name = "KEY", default_value = "project")]
    pub project_tag: String,
    /// Workload name for rows without a workload key.
    #[arg(long, value_name = "NAME", default_value = "untagged")]
    pub untagged: String,
    /// Cost column: amortized (EffectiveCost) or billed (BilledCost).
    #[arg(long, value_enum, default_value_t = CostArg::Amortized)]
    pub cost: CostArg,
    /// Catalog override directory (rows replace shipped rows with the same key).
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

/// `gpuplan ingest focus FILE… --out DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestFocusArgs {
    /// FOCUS 1.0–1.3 cost-and-usage exports (CSV, or gzip-compressed CSV) and FOCUS 1.3
    /// ContractCommitment dataset files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Directory for demand.csv, commitments.csv, workloads.toml and scenario.toml (created
    /// if missing; existing files are replaced, each whole or not at all).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How to read the exports.
    #[command(flatten)]
    pub read: FocusReadArgs,
}

/// `gpuplan inventory SCENARIO` or `gpuplan inventory --focus FILE…`.
#[derive(Debug, Clone, clap::Args)]
pub struct InventoryArgs {
    /// Scenario file (TOML): its demand on each workload's current offering (modeled cost).
    #[arg(value_name = "SCENARIO", required_unless_present = "focus")]
    pub scenario: Option<PathBuf>,
    /// FOCUS exports instead of a scenario (actual cost).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "scenario")]
    pub focus: Vec<PathBuf>,
    /// With --focus: a workloads.toml whose declared classes override the inferred ones.
    #[arg(long, value_name = "FILE", requires = "focus")]
    pub workloads: Option<PathBuf>,
    /// Throughput per workload and hour (`timestamp,workload,requests|tokens|training_runs`)
    /// for unit economics.
    #[arg(long, value_name = "CSV")]
    pub metrics: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Anomaly band half-width, in robust standard deviations (1.4826 × MAD).
    #[arg(long, value_name = "K", default_value_t = 3.0)]
    pub anomaly_k: f64,
    /// How many anomalies to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Flag a unit cost that worsens by more than this percentage week over week.
    #[arg(long, value_name = "PCT", default_value_t = 10.0)]
    pub regression_pct: f64,
    /// How to read the FOCUS exports.
    #[command(flatten)]
    pub read: FocusReadArgs,
}
