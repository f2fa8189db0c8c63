//! The command line: clap definitions ([`args`]), raw flags → validated requests
//! ([`requests`]), one function per command ([`commands`]) and the progress line
//! ([`progress`]). clap is imported here and nowhere in the library.

pub mod args;
pub mod commands;
pub mod progress;
pub mod requests;

use args::{Cli, Command, IngestCommand};
use clap::Parser;
use gpuplan::error::Error;
use std::io::Write;

/// Parses the process's command line (clap prints help, version and usage errors itself,
/// with exit code 2 for a usage error).
pub fn parse() -> Cli {
    Cli::parse()
}

/// Runs one parsed command line: the command's text goes to stdout.
pub fn run(cli: Cli) -> Result<(), Error> {
    progress::set_quiet(cli.quiet);
    let text = match cli.command {
        Command::Validate { scenario, catalog } => {
            commands::validate(&scenario, catalog.as_deref())?
        }
        Command::Catalog {
            cloud,
            gpu,
            catalog,
        } => commands::catalog(cloud.as_deref(), gpu.as_deref(), catalog.as_deref())?,
        Command::Plan {
            scenario,
            out,
            format,
            solver,
            term,
            catalog,
            reproducible,
        } => commands::plan(
            &scenario,
            out.as_deref(),
            format,
            (&solver, &term),
            catalog.as_deref(),
            reproducible,
        )?,
        Command::Synth {
            workloads,
            offerings,
            hours,
            seed,
            out,
            months,
            churn,
        } => match months {
            None => commands::synth(workloads, offerings, hours, seed, &out)?,
            Some(m) => commands::synth_long(workloads, offerings, (m, churn), seed, &out)?,
        },
        Command::Backtest {
            scenario,
            lookback,
            horizon,
            step,
            solver,
            format,
            catalog,
        } => {
            let windows = commands::BacktestRequest::new(&lookback, &horizon, step.as_deref())?;
            commands::backtest(&scenario, windows, &solver, format, catalog.as_deref())?
        }
        Command::Simulate {
            scenario,
            every,
            lookback,
            policy,
            solver,
            format,
            csv,
            catalog,
        } => {
            let req = commands::SimulateRequest::new(&every, &lookback, &policy)?;
            commands::simulate(
                &scenario,
                req,
                &solver,
                (format, csv.as_deref()),
                catalog.as_deref(),
            )?
        }
        Command::Compare {
            scenarios,
            format,
            solver,
            term,
            catalog,
            reproducible,
        } => commands::compare(
            &scenarios,
            format,
            (&solver, &term),
            catalog.as_deref(),
            reproducible,
        )?,
        Command::Forecast {
            scenario,
            holdout,
            origins,
            step,
            csv,
            format,
        } => {
            let req = commands::ForecastRequest::new(&holdout, origins, &step, csv)?;
            commands::forecast(&scenario, &req, format)?
        }
        Command::Ingest {
            what: IngestCommand::Focus(a),
        } => commands::ingest_focus(&a)?,
        Command::Inventory(a) => commands::inventory(&a)?,
        Command::Evaluate {
            plan,
            demand,
            catalog,
            format,
        } => commands::evaluate(&plan, &demand, catalog.as_deref(), format)?,
        Command::Report(a) => commands::report(&a)?,
        Command::Completions { shell } => commands::completions(shell),
        Command::Man { out } => commands::man(out.as_deref())?,
        Command::Init { dir } => commands::init(&dir)?,
    };
    emit(&text)
}

/// Writes a command's text to stdout; a closed pipe (`gpuplan catalog | head`) is not a
/// failure.
fn emit(s: &str) -> Result<(), Error> {
    if s.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Runtime(format!("cannot write to stdout: {e}"))),
    }
}
