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
}
