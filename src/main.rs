//! The `gpuplan` binary: flags → validated requests → library calls → writers (see `cli`).
//! Exit codes: 0 ok, 1 runtime failure, 2 bad input.

mod cli;

use anyhow::Context;
use gpuplan::error::Error;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run(cli::parse()).context("gpuplan") {
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
