//! The `gpuplan` binary: flags → library calls → writers. Exit codes: 0 ok, 1 runtime
//! failure, 2 bad input.

use anyhow::Context;
use clap::Parser;
use gpuplan::cli::{Cli, Command};
use gpuplan::domain::Cloud;
use gpuplan::error::Error;
use gpuplan::inputs::Inputs;
use std::io::Write;
use std::process::ExitCode;

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Validate { scenario, catalog } => {
            let inp = Inputs::load(&scenario, catalog.as_deref())?;
            emit(&gpuplan::output::validate::validate_summary(&inp))?;
            emit("ok: every input read and cross-checked\n")
        }
        Command::Catalog {
            cloud,
            gpu,
            catalog,
        } => {
            let cat = gpuplan::ingest::catalog::load_catalog(catalog.as_deref())?;
            let cloud = match cloud.as_deref() {
                None => None,
                Some(c) => Some(Cloud::parse(c).ok_or_else(|| {
                    Error::Input(gpuplan::error::InputError::field(
                        "command line",
                        "--cloud",
                        None,
                        format!("expected aws, azure or gcp, found {c:?}"),
                    ))
                })?),
            };
            if let Some(g) = &gpu {
                if cat.gpu(g).is_none() {
                    return Err(Error::Input(gpuplan::error::InputError::field(
                        "command line",
                        "--gpu",
                        None,
                        format!(
                            "unknown GPU model {g:?}: expected one of {}",
                            cat.gpus
                                .iter()
                                .map(|g| g.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )));
                }
            }
            let list: Vec<_> = cat
                .offerings
                .iter()
                .filter(|o| cloud.is_none_or(|c| o.cloud == c))
                .filter(|o| gpu.as_ref().is_none_or(|g| &o.gpu_model == g))
                .collect();
            emit(&gpuplan::output::validate::catalog_table(&list))
        }
    }
}

fn emit(s: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`gpuplan catalog | head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Runtime(format!("cannot write to stdout: {e}"))),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).context("gpuplan") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.downcast_ref::<Error>().map_or(1, Error::exit_code);
            let inner = e
                .downcast_ref::<Error>()
                .map_or_else(|| format!("{e:#}"), ToString::to_string);
            eprintln!("error: {inner}");
            ExitCode::from(code as u8)
        }
    }
}
