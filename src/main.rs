//! The `gpuplan` binary: flags → library calls → writers. Exit codes: 0 ok, 1 runtime
//! failure, 2 bad input.

use anyhow::Context;
use clap::Parser;
use gpuplan::cli::{Cli, Command, Format};
use gpuplan::domain::Cloud;
use gpuplan::error::{Error, InputError};
use gpuplan::inputs::Inputs;
use gpuplan::output::json::{plan_doc, to_json, DocOptions, PlanDoc};
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
        Command::Plan {
            scenario,
            out,
            format,
            time_limit,
            resolution,
            method,
            gap,
            threads,
            catalog,
            reproducible,
        } => {
            let method = match method.as_deref() {
                None => None,
                Some(m) => Some(gpuplan::config::Method::parse(m).ok_or_else(|| {
                    flag_error(
                        "--method",
                        format!("expected auto, mip or decompose, found {m:?}"),
                    )
                })?),
            };
            let resolution = match resolution.as_deref() {
                None => None,
                Some(r) => Some(gpuplan::config::Resolution::parse(r).ok_or_else(|| {
                    flag_error(
                        "--resolution",
                        format!("expected full, auto or a bucket count >= 1, found {r:?}"),
                    )
                })?),
            };
            if let Some(t) = time_limit.filter(|t| !(t.is_finite() && *t > 0.0)) {
                return Err(flag_error(
                    "--time-limit",
                    format!("expected seconds > 0, found {t}"),
                ));
            }
            if let Some(g) = gap.filter(|g| !(0.0..1.0).contains(g)) {
                return Err(flag_error(
                    "--gap",
                    format!("expected a relative gap in [0, 1), found {g}"),
                ));
            }
            if threads == Some(0) {
                return Err(flag_error("--threads", "expected at least 1".into()));
            }
            let mut inp = Inputs::load(&scenario, catalog.as_deref())?;
            if let Some(m) = method {
                inp.scenario.solver.method = m;
            }
            let mut settings = gpuplan::run::settings(&inp, time_limit, gap, threads);
            let ticker = Ticker::start();
            settings.progress = ticker.progress();
            let run = gpuplan::run::plan_scenario(
                &inp,
                &settings,
                resolution.unwrap_or(inp.scenario.solver.resolution),
            );
            drop(ticker);
            let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
            let opts = DocOptions {
                reproducible: reproducible || epoch.is_some(),
                epoch: epoch
                    .and_then(|e| e.trim().parse::<i64>().ok())
                    .and_then(|e| chrono::DateTime::from_timestamp(e, 0)),
            };
            let doc = plan_doc(&inp, &run, opts);
            let json = to_json(&doc);
            if let Some(path) = &out {
                write_atomic(path, &json)?;
            }
            match format {
                Format::Json if out.is_none() => emit(&json),
                Format::Json => Ok(()),
                Format::Table => emit(&gpuplan::output::plan_table::plan_table(&doc)),
            }
        }
        Command::Synth {
            workloads,
            offerings,
            hours,
            seed,
            out,
        } => {
            for (flag, v, max) in [
                ("--workloads", workloads, 100_000),
                ("--offerings", offerings, 10_000),
                ("--hours", hours, 5 * 8784),
            ] {
                if v == 0 || v > max {
                    return Err(flag_error(flag, format!("expected 1 to {max}, found {v}")));
                }
            }
            let spec = gpuplan::synth::SynthSpec::new(workloads, offerings, hours, seed);
            let path = gpuplan::synth::write(&spec, &out)?;
            emit(&format!("wrote {}\n", path.display()))
        }
        Command::Backtest {
            scenario,
            lookback,
            horizon,
            step,
            resolution,
            time_limit,
            format,
            catalog,
        } => {
            let dur = |flag: &str, v: &str| {
                gpuplan::config::parse_duration_hours(v).ok_or_else(|| {
                    flag_error(
                        flag,
                        format!("expected a duration like 14d, 336h or 2w, found {v:?}"),
                    )
                })
            };
            let lookback_hours = dur("--lookback", &lookback)?;
            let horizon_hours = dur("--horizon", &horizon)?;
            let step_hours = match &step {
                Some(s) => dur("--step", s)?,
                None => horizon_hours,
            };
            let resolution = gpuplan::config::Resolution::parse(&resolution).ok_or_else(|| {
                flag_error(
                    "--resolution",
                    format!("expected full, auto or a bucket count, found {resolution:?}"),
                )
            })?;
            let inp = Inputs::load(&scenario, catalog.as_deref())?;
            let cfg = gpuplan::backtest::BacktestConfig {
                lookback_hours,
                horizon_hours,
                step_hours,
                resolution,
                settings: gpuplan::run::settings(&inp, time_limit, None, None),
            };
            let ticker = Ticker::start();
            let cfg = gpuplan::backtest::BacktestConfig {
                settings: gpuplan::solve::SolveSettings {
                    progress: ticker.progress(),
                    ..cfg.settings
                },
                ..cfg
            };
            let b = gpuplan::backtest::backtest(&inp, &cfg)
                .map_err(|m| flag_error("--lookback/--horizon", m));
            drop(ticker);
            let b = b?;
            match format {
                Format::Table => emit(&gpuplan::output::backtest::backtest_table(&b)),
                Format::Json => emit(&gpuplan::output::backtest::backtest_json(&b)),
            }
        }
        Command::Compare {
            scenarios,
            format,
            resolution,
            catalog,
        } => {
            let resolution = match resolution.as_deref() {
                None => None,
                Some(r) => Some(gpuplan::config::Resolution::parse(r).ok_or_else(|| {
                    flag_error(
                        "--resolution",
                        format!("expected full, auto or a bucket count, found {r:?}"),
                    )
                })?),
            };
            // Read every scenario before solving any: bad input fails fast.
            let inputs = scenarios
                .iter()
                .map(|s| Inputs::load(s, catalog.as_deref()))
                .collect::<Result<Vec<_>, _>>()?;
            let ticker = Ticker::start();
            let docs: Vec<PlanDoc> = inputs
                .iter()
                .map(|inp| {
                    let mut st = gpuplan::run::settings(inp, None, None, None);
                    st.progress = ticker.progress();
                    let run = gpuplan::run::plan_scenario(
                        inp,
                        &st,
                        resolution.unwrap_or(inp.scenario.solver.resolution),
                    );
                    plan_doc(inp, &run, DocOptions::default())
                })
                .collect();
            drop(ticker);
            match format {
                Format::Table => emit(&gpuplan::output::compare::compare_table(&docs)),
                Format::Json => emit(&gpuplan::output::compare::compare_json(&docs)),
            }
        }
        Command::Ingest {
            what: gpuplan::cli::IngestCommand::Focus(a),
        } => emit(&gpuplan::focus_cli::ingest_focus(&a)?),
        Command::Inventory(a) => emit(&gpuplan::focus_cli::inventory(&a)?),
        Command::Forecast {
            scenario,
            holdout,
            format,
        } => {
            let h = gpuplan::config::parse_duration_hours(&holdout).ok_or_else(|| {
                flag_error(
                    "--holdout",
                    format!("expected a duration like 7d, found {holdout:?}"),
                )
            })?;
            let inp = Inputs::load(&scenario, None)?;
            let whole = inp.with_window(inp.history.window);
            if h as usize * 2 > whole.window.hours() {
                return Err(flag_error(
                    "--holdout",
                    format!(
                        "the holdout ({h} h) must be at most half of the history ({} h)",
                        whole.window.hours()
                    ),
                ));
            }
            let acc = gpuplan::forecast::holdout_accuracy_inputs(&whole, h as usize);
            match format {
                Format::Json => {
                    let v = serde_json::json!({
                        "holdout_hours": h,
                        "weekly_mape": acc.weekly_mape,
                        "naive_weekly_mape": acc.naive_weekly_mape,
                        "band_coverage": acc.band_coverage,
                        "fleet_band_coverage": acc.fleet_band_coverage,
                        "block_hours": acc.block_hours,
                        "scored_hours": acc.scored_hours,
                        "per_workload": acc.per_workload.iter().map(|(w, a, b)| serde_json::json!({"workload": w, "mape": a, "naive_mape": b})).collect::<Vec<_>>(),
                    });
                    emit(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&v).unwrap_or_default()
                    ))
                }
                Format::Table => {
                    let mut s = format!(
                        "holdout: last {h} h of the history ({} h scored, blocks of {} h)\n\
                         fleet GPU-hours MAPE   gpuplan {:.1}%   seasonal-naive {:.1}%\n\
                         P10-P90 coverage       per workload-hour {:.1}%   fleet-hour {:.1}%   (nominal 80%)\n\n",
                        acc.scored_hours,
                        acc.block_hours,
                        acc.weekly_mape * 100.0,
                        acc.naive_weekly_mape * 100.0,
                        acc.band_coverage * 100.0,
                        acc.fleet_band_coverage * 100.0
                    );
                    for (w, a, b) in &acc.per_workload {
                        s.push_str(&format!(
                            "  {w:<24} MAPE {:>7.1}%   naive {:>7.1}%\n",
                            a * 100.0,
                            b * 100.0
                        ));
                    }
                    emit(&s)
                }
            }
        }
        Command::Evaluate {
            plan,
            demand,
            catalog,
            format,
        } => {
            let text = gpuplan::ingest::read_text(&plan)?;
            let doc: PlanDoc = serde_json::from_str(&text).map_err(|e| {
                Error::Input(InputError::line(
                    &plan,
                    e.line() as u64,
                    format!("column {}: not a gpuplan plan JSON: {e}", e.column()),
                ))
            })?;
            let p = doc
                .to_plan()
                .map_err(|m| Error::Input(InputError::file(&plan, m)))?;
            let cat = gpuplan::ingest::catalog::load_catalog(catalog.as_deref())?;
            let hist = gpuplan::ingest::demand::read_demand(&demand)?;
            let ev = gpuplan::plan::evaluate(&p, &cat, &hist, None)
                .map_err(|e| Error::Input(InputError::file(&plan, e.0)))?;
            match format {
                Format::Table => emit(&gpuplan::output::plan_table::evaluation_table(&ev)),
                Format::Json => emit(&gpuplan::output::json::evaluation_json(&ev)),
            }
        }
    }
}

fn flag_error(flag: &str, msg: String) -> Error {
    Error::Input(InputError::field("command line", flag, None, msg))
}

/// Writes a file whole or not at all: a temporary file beside it, then a rename.
fn write_atomic(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::Runtime(format!("{}: cannot write the plan: {e}", path.display()))
        })
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

/// The stage the engine last reported, for the progress line.
static STAGE: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

fn report_stage(msg: &str) {
    if let Ok(mut s) = STAGE.lock() {
        msg.clone_into(&mut s);
    }
}

/// A progress line on stderr (elapsed seconds and the engine's current stage), shown once a
/// run has taken more than a second, only when stdout and stderr are terminals; erased when
/// dropped.
struct Ticker {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start() -> Ticker {
        use std::io::IsTerminal;
        if !(std::io::stdout().is_terminal() && std::io::stderr().is_terminal()) {
            return Ticker {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t0 = std::time::Instant::now();
        let thread = std::thread::spawn(move || {
            let mut shown = false;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_millis(200))
            {
                let el = t0.elapsed().as_secs_f64();
                if el < 1.0 {
                    continue;
                }
                let stage = STAGE.lock().map(|s| s.clone()).unwrap_or_default();
                let line: String = format!("[{el:6.1} s] {stage}").chars().take(100).collect();
                eprint!("\r\x1b[2K{line}");
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        Ticker {
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    fn progress(&self) -> gpuplan::solve::Progress {
        if self.stop.is_some() {
            gpuplan::solve::Progress::to(&report_stage)
        } else {
            gpuplan::solve::Progress::NONE
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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
