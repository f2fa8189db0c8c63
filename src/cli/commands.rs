//! One function per command: a validated request in, library calls, a writer's text out.
//! Nothing here computes a plan or formats a table; files are written whole or not at all.

use super::args::{Format, IngestFocusArgs, InventoryArgs, ReportArgs, SolverArgs, TermArgs};
use super::progress::Ticker;
use super::requests::{duration, flag_error, SolverRequest, TermRequest};
use gpuplan::analysis::backtest::{backtest as run_backtest, BacktestConfig, BacktestError};
use gpuplan::analysis::inventory::{self, InventoryOptions};
use gpuplan::domain::Cloud;
use gpuplan::error::{Error, InputError};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::output::json::{plan_doc, to_json, DocOptions, PlanDoc};
use gpuplan::output::write::{write_atomic, write_files_atomic};
use std::path::{Path, PathBuf};

/// `validate`: every input read and cross-checked, with a summary.
pub fn validate(scenario: &Path, catalog: Option<&Path>) -> Result<String, Error> {
    let inp = Inputs::load(scenario, catalog)?;
    Ok(gpuplan::output::validate::validate_summary(&inp)
        + "ok: every input read and cross-checked\n")
}

/// `catalog`: offerings with USD per GPU-hour, filtered by cloud and GPU model.
pub fn catalog(
    cloud: Option<&str>,
    gpu: Option<&str>,
    catalog: Option<&Path>,
) -> Result<String, Error> {
    let cat = gpuplan::ingest::catalog::load_catalog(catalog)?;
    let cloud = cloud
        .map(|c| {
            Cloud::parse(c).ok_or_else(|| {
                flag_error(
                    "--cloud",
                    format!("expected aws, azure or gcp, found {c:?}"),
                )
            })
        })
        .transpose()?;
    if let Some(g) = gpu.filter(|g| cat.gpu(g).is_none()) {
        let known: Vec<&str> = cat.gpus.iter().map(|g| g.name.as_str()).collect();
        return Err(flag_error(
            "--gpu",
            format!(
                "unknown GPU model {g:?}: expected one of {}",
                known.join(", ")
            ),
        ));
    }
    let list: Vec<_> = cat
        .offerings
        .iter()
        .filter(|o| cloud.is_none_or(|c| o.cloud == c))
        .filter(|o| gpu.is_none_or(|g| o.gpu_model == g))
        .collect();
    Ok(gpuplan::output::validate::catalog_table(&list))
}

/// Document options: reproducible when asked or when SOURCE_DATE_EPOCH is set.
fn doc_options(reproducible: bool) -> DocOptions {
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    DocOptions {
        reproducible: reproducible || epoch.is_some(),
        epoch: epoch
            .and_then(|e| e.trim().parse::<i64>().ok())
            .and_then(|e| chrono::DateTime::from_timestamp(e, 0)),
    }
}

/// Plans one loaded scenario with the solver request, the way its `[term] mode` asks,
/// reporting progress to `ticker`. A reproducible run stops hard MIPs at a work limit
/// instead of the wall clock (only an explicit `--time-limit` keeps a wall-clock limit), so
/// any machine gets the same plan.
fn plan_loaded(
    inp: &mut Inputs,
    req: &SolverRequest,
    ticker: &Ticker,
    reproducible: bool,
) -> gpuplan::engine::PlanRun {
    let (mut settings, resolution) = req.apply(inp);
    if reproducible {
        settings = settings.reproducible(req.time_limit);
    }
    settings.progress = ticker.progress();
    gpuplan::engine::plan_configured(inp, &settings, resolution)
}

/// `plan`: solve, write the plan JSON (to `out`, whole or not at all), print a table or
/// the JSON.
pub fn plan(
    scenario: &Path,
    out: Option<&Path>,
    format: Format,
    (solver, term): (&SolverArgs, &TermArgs),
    catalog: Option<&Path>,
    reproducible: bool,
) -> Result<String, Error> {
    let req = solver.request()?;
    let term_req: TermRequest = term.request()?;
    let mut inp = Inputs::load(scenario, catalog)?;
    term_req.apply(&mut inp)?;
    let ticker = Ticker::start();
    let opts = doc_options(reproducible);
    let run = plan_loaded(&mut inp, &req, &ticker, opts.reproducible);
    drop(ticker);
    check_run_amounts(&inp, &run)?;
    let doc = plan_doc(&inp, &run, opts);
    let json = to_json(&doc);
    gpuplan::plan::doc::check_reads_back(&json)
        .map_err(|m| Error::Runtime(format!("internal error: {m}")))?;
    if let Some(path) = out {
        write_atomic(path, &json)?;
    }
    Ok(match format {
        Format::Json if out.is_none() => json,
        Format::Json => String::new(),
        Format::Table => gpuplan::output::plan_table::plan_table(&doc),
    })
}

/// Every money amount of a run's re-pricing (and of each forecast scenario's) must be one
/// gpuplan represents; past the limit, the demand file is named (inputs inside their
/// plausibility bounds only get there all at once).
fn check_run_amounts(inp: &Inputs, run: &gpuplan::engine::PlanRun) -> Result<(), Error> {
    let scenarios = run.risk.iter().flat_map(|r| r.evaluations.iter());
    for e in run.evaluation.iter().chain(scenarios) {
        gpuplan::plan::amounts::check_evaluation_amounts(e).map_err(|o| {
            Error::Input(InputError::file(
                &inp.scenario.demand,
                format!("the plan re-priced on this demand gives an {o}: check the GPU counts"),
            ))
        })?;
    }
    Ok(())
}

/// `synth`: a reproducible synthetic scenario written into `out`.
pub fn synth(
    workloads: usize,
    offerings: usize,
    hours: usize,
    seed: u64,
    out: &Path,
) -> Result<String, Error> {
    for (flag, v, max) in [
        ("--workloads", workloads, 100_000),
        ("--offerings", offerings, 10_000),
        ("--hours", hours, 5 * 8784),
    ] {
        if v == 0 || v > max {
            return Err(flag_error(flag, format!("expected 1 to {max}, found {v}")));
        }
    }
    let spec = gpuplan::synth::fleet::SynthSpec::new(workloads, offerings, hours, seed);
    let path = gpuplan::synth::fleet::write(&spec, out)?;
    Ok(format!("wrote {}\n", path.display()))
}

/// `synth --months N [--churn]`: a long synthetic scenario written into `out`.
pub fn synth_long(
    workloads: usize,
    offerings: usize,
    (months, churn): (u32, bool),
    seed: u64,
    out: &Path,
) -> Result<String, Error> {
    for (flag, v, max) in [
        ("--workloads", workloads, 10_000),
        ("--offerings", offerings, 10_000),
        ("--months", months as usize, 60),
    ] {
        if v == 0 || v > max {
            return Err(flag_error(flag, format!("expected 1 to {max}, found {v}")));
        }
    }
    let spec = gpuplan::synth::long::LongSpec::new(workloads, offerings, months, seed, churn);
    let path = gpuplan::synth::long::write_long(&spec, out)?;
    Ok(format!("wrote {}\n", path.display()))
}

/// The windows of a backtest, from its flags.
pub struct BacktestRequest {
    /// History each plan sees, hours.
    pub lookback_hours: i64,
    /// Window each plan is evaluated on, hours.
    pub horizon_hours: i64,
    /// Hours between origins.
    pub step_hours: i64,
}

impl BacktestRequest {
    /// Checks the duration flags (`step` defaults to the horizon).
    pub fn new(lookback: &str, horizon: &str, step: Option<&str>) -> Result<Self, Error> {
        let horizon_hours = duration("--horizon", horizon)?;
        Ok(BacktestRequest {
            lookback_hours: duration("--lookback", lookback)?,
            horizon_hours,
            step_hours: step.map_or(Ok(horizon_hours), |s| duration("--step", s))?,
        })
    }
}

/// `backtest`: rolling origins over the history against on-demand, the recommender and
/// hindsight.
pub fn backtest(
    scenario: &Path,
    windows: BacktestRequest,
    solver: &SolverArgs,
    format: Format,
    catalog: Option<&Path>,
) -> Result<String, Error> {
    let req = solver.request()?;
    let mut inp = Inputs::load(scenario, catalog)?;
    let (settings, resolution) = req.apply(&mut inp);
    let ticker = Ticker::start();
    let cfg = BacktestConfig {
        lookback_hours: windows.lookback_hours,
        horizon_hours: windows.horizon_hours,
        step_hours: windows.step_hours,
        resolution,
        settings: gpuplan::solve::SolveSettings {
            progress: ticker.progress(),
            ..settings
        },
    };
    let b = run_backtest(&inp, &cfg).map_err(|e| match e {
        BacktestError::Windows(m) => flag_error("--lookback/--horizon", m),
        BacktestError::Run(m) => Error::Runtime(m),
    });
    drop(ticker);
    let b = b?;
    Ok(match format {
        Format::Table => gpuplan::output::backtest::backtest_table(&b),
        Format::Json => gpuplan::output::backtest::backtest_json(&b),
    })
}

/// The flags of a simulation.
pub struct SimulateRequest {
    /// Months between decisions.
    pub every_months: u32,
    /// Hours of lookback.
    pub lookback_hours: i64,
    /// Policies, in the order given (default: all).
    pub policies: Vec<gpuplan::analysis::simulate::Policy>,
}

impl SimulateRequest {
    /// Checks the flags.
    pub fn new(every: &str, lookback: &str, policy: &[String]) -> Result<Self, Error> {
        use gpuplan::analysis::simulate::Policy;
        let every_months = gpuplan::ingest::term_config::parse_months(every).ok_or_else(|| {
            flag_error(
                "--every",
                format!("expected months like 1q, 3m, 6m or 1y, found {every:?}"),
            )
        })?;
        let mut policies = Vec::new();
        for p in policy.iter().filter(|p| !p.trim().is_empty()) {
            let parsed = Policy::parse(p).ok_or_else(|| {
                flag_error(
                    "--policy",
                    format!(
                        "expected term, replay, recommender, on-demand or term-1y, found {p:?}"
                    ),
                )
            })?;
            if !policies.contains(&parsed) {
                policies.push(parsed);
            }
        }
        if policies.is_empty() {
            policies = Policy::ALL.to_vec();
        }
        Ok(SimulateRequest {
            every_months,
            lookback_hours: duration("--lookback", lookback)?,
            policies,
        })
    }
}

/// `simulate`: the policies rolled through the history, priced on actuals.
pub fn simulate(
    scenario: &Path,
    req: SimulateRequest,
    solver: &SolverArgs,
    (format, csv): (super::args::SimFormat, Option<&Path>),
    catalog: Option<&Path>,
) -> Result<String, Error> {
    use gpuplan::analysis::simulate::{simulate as run, SimulateConfig, SimulateError};
    let sreq = solver.request()?;
    let mut inp = Inputs::load(scenario, catalog)?;
    let (settings, resolution) = sreq.apply(&mut inp);
    let ticker = Ticker::start();
    let cfg = SimulateConfig {
        every_months: req.every_months,
        lookback_hours: req.lookback_hours,
        policies: req.policies,
        settings: gpuplan::solve::SolveSettings {
            progress: ticker.progress(),
            ..settings
        },
        resolution,
    };
    let sim = run(&inp, &cfg).map_err(|e| match e {
        SimulateError::Windows(m) => flag_error("--lookback/--every", m),
        SimulateError::Run(m) => Error::Runtime(m),
    });
    drop(ticker);
    let sim = sim?;
    if let Some(path) = csv {
        write_atomic(path, &gpuplan::output::simulate::simulate_csv(&sim))?;
    }
    Ok(match format {
        super::args::SimFormat::Table => gpuplan::output::simulate::simulate_table(&sim),
        super::args::SimFormat::Json => gpuplan::output::simulate::simulate_json(&sim),
        super::args::SimFormat::Csv => gpuplan::output::simulate::simulate_csv(&sim),
    })
}

/// `compare`: every scenario read first (bad input fails fast), then planned. A scenario
/// with scheduling settings (`shiftable_hours`, `scale_to_zero`) is also planned without
/// them, in the column after it named `<name> (no scheduling)` — unless `--no-scheduling`.
pub fn compare(
    scenarios: &[PathBuf],
    format: Format,
    (solver, term): (&SolverArgs, &TermArgs),
    catalog: Option<&Path>,
    reproducible: bool,
) -> Result<String, Error> {
    let opts = doc_options(reproducible);
    let req = solver.request()?;
    let term_req = term.request()?;
    let loaded = scenarios
        .iter()
        .map(|s| Inputs::load(s, catalog))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inputs = Vec::new();
    for mut inp in loaded {
        term_req.apply(&mut inp)?;
        // The term planner does not schedule: its twin would be the same plan.
        let windowed = inp.scenario.term.mode == gpuplan::ingest::term_config::TermMode::Window;
        let twin = (!req.no_scheduling && windowed && inp.has_scheduling()).then(|| {
            let mut t = inp.without_scheduling();
            t.scenario.name = format!("{} (no scheduling)", t.scenario.name);
            t
        });
        inputs.push(inp);
        inputs.extend(twin);
    }
    let ticker = Ticker::start();
    let docs: Result<Vec<PlanDoc>, Error> = inputs
        .iter_mut()
        .map(|inp| {
            let run = plan_loaded(inp, &req, &ticker, opts.reproducible);
            check_run_amounts(inp, &run)?;
            Ok(plan_doc(inp, &run, opts))
        })
        .collect();
    drop(ticker);
    let docs = docs?;
    Ok(match format {
        Format::Table => gpuplan::output::compare::compare_table(&docs),
        Format::Json => gpuplan::output::compare::compare_json(&docs),
    })
}

/// The `forecast` flags, checked.
#[derive(Debug, Clone)]
pub struct ForecastRequest {
    /// Holdout after each origin, hours (≥ 1).
    pub holdout: usize,
    /// Rolling origins (`None`: one, and no `origin` CSV column).
    pub origins: Option<usize>,
    /// Hours between origins (≥ 1).
    pub step: usize,
    /// CSV file of the held-out forecasts.
    pub csv: Option<PathBuf>,
}

impl ForecastRequest {
    /// Checks the flags: positive durations, at least one origin.
    pub fn new(
        holdout: &str,
        origins: Option<usize>,
        step: &str,
        csv: Option<PathBuf>,
    ) -> Result<Self, Error> {
        let h = duration("--holdout", holdout)?;
        if h < 1 {
            return Err(flag_error(
                "--holdout",
                format!("expected at least 1 hour, found {holdout:?}"),
            ));
        }
        let st = duration("--step", step)?;
        if st < 1 {
            return Err(flag_error(
                "--step",
                format!("expected at least 1 hour, found {step:?}"),
            ));
        }
        if origins == Some(0) {
            return Err(flag_error(
                "--origins",
                "expected at least 1 origin, found 0",
            ));
        }
        Ok(Self {
            holdout: h as usize,
            origins,
            step: st as usize,
            csv,
        })
    }
}

/// `forecast`: rolling-origin accuracy on the history, and the held-out forecasts as CSV.
pub fn forecast(scenario: &Path, req: &ForecastRequest, format: Format) -> Result<String, Error> {
    use gpuplan::forecast::{rolling_accuracy, rolling_forecasts, ForecastConfig, RollingSpec};
    let inp = Inputs::load(scenario, None)?;
    let whole = inp.with_window(inp.history.window);
    let n = whole.window.hours();
    let spec = RollingSpec {
        holdout_hours: req.holdout,
        origins: req.origins.unwrap_or(1),
        step_hours: req.step,
    };
    // Each fit needs at least a week of history, or the holdout when that is shorter (and a
    // day at least).
    let min_fit = req.holdout.clamp(24, 168);
    if spec.origin_hours(n, min_fit).is_none() {
        let max = n
            .checked_sub(req.holdout + min_fit)
            .map(|room| room / req.step + 1);
        let hint = max.map_or_else(
            || format!("the history ({n} h) is shorter than the holdout plus {min_fit} h of fit"),
            |m| format!("this history ({n} h) allows at most {m} origin(s) {} h apart with at least {min_fit} h of fit", req.step),
        );
        let flag = if req.origins.is_some_and(|o| o > 1) {
            "--origins"
        } else {
            "--holdout"
        };
        return Err(flag_error(flag, hint));
    }
    let demand = whole.window_demand();
    let classes = gpuplan::forecast::classes_of(&whole, &demand.workloads);
    let cfg = ForecastConfig::from_scenario(&whole.scenario, n);
    let forecasts = rolling_forecasts(
        &demand.gpus,
        whole.window.start,
        &whole.keep,
        &classes,
        &demand.workloads,
        &spec,
        &cfg,
    );
    let acc = rolling_accuracy(&demand.gpus, &whole.keep, &spec, &forecasts);
    if let Some(path) = &req.csv {
        let text = gpuplan::output::forecast::forecast_csv(&forecasts, req.origins.is_some());
        write_atomic(path, &text)?;
    }
    Ok(match format {
        Format::Json => gpuplan::output::forecast::forecast_json(&acc),
        Format::Table => gpuplan::output::forecast::forecast_table(&acc),
    })
}

/// `evaluate`: a plan JSON re-priced hour by hour on a demand CSV.
pub fn evaluate(
    plan: &Path,
    demand: &Path,
    catalog: Option<&Path>,
    format: Format,
) -> Result<String, Error> {
    let p = gpuplan::plan::doc::read_plan(plan)?;
    let cat = gpuplan::ingest::catalog::load_catalog(catalog)?;
    let hist = gpuplan::ingest::demand::read_demand(demand)?;
    let ev = gpuplan::plan::evaluate(&p, &cat, &hist, None)
        .map_err(|e| Error::Input(InputError::file(plan, e.0)))?;
    gpuplan::plan::amounts::check_evaluation_amounts(&ev).map_err(|o| {
        Error::Input(InputError::file(
            demand,
            format!("the plan re-priced on this demand gives an {o}: check the GPU counts"),
        ))
    })?;
    Ok(match format {
        Format::Table => gpuplan::output::plan_table::evaluation_table(&ev),
        Format::Json => gpuplan::output::json::evaluation_json(&ev),
    })
}

/// `ingest focus`: exports → demand.csv, commitments.csv, workloads.toml and scenario.toml
/// (all or none).
pub fn ingest_focus(args: &IngestFocusArgs) -> Result<String, Error> {
    let opts = args.read.options()?;
    let catalog = gpuplan::ingest::catalog::load_catalog(args.read.catalog.as_deref())?;
    let ing = gpuplan::ingest::focus::read_focus(&args.files, &catalog, &opts)?;
    let mut files = gpuplan::ingest::focus::write::ingested_files(
        &ing,
        &catalog,
        &opts,
        &args.files,
        &args.out,
    )?;
    let scenario = gpuplan::ingest::focus::write::scenario_file(
        &ing,
        &args.files,
        args.read.catalog.as_deref(),
        &args.out,
    )?;
    files.files.push(("scenario.toml", scenario));
    write_files_atomic(&args.out, &files.files)?;
    Ok(gpuplan::output::ingest::ingest_summary(
        &ing,
        &files.workloads,
        &files.classes,
        &args.out,
    ))
}

/// `inventory`: the fleet of a scenario or of FOCUS exports.
pub fn inventory(args: &InventoryArgs) -> Result<String, Error> {
    if !(args.anomaly_k.is_finite() && args.anomaly_k > 0.0) {
        return Err(flag_error(
            "--anomaly-k",
            format!("expected a number > 0, found {}", args.anomaly_k),
        ));
    }
    if !(args.regression_pct.is_finite() && args.regression_pct >= 0.0) {
        return Err(flag_error(
            "--regression-pct",
            format!("expected a percentage >= 0, found {}", args.regression_pct),
        ));
    }
    let opts = InventoryOptions {
        anomaly_k: args.anomaly_k,
        top_anomalies: args.top,
        regression_pct: args.regression_pct,
    };
    let metrics = args
        .metrics
        .as_deref()
        .map(inventory::read_metrics)
        .transpose()?;
    let inv = match (&args.scenario, args.focus.is_empty()) {
        (Some(sc), true) => {
            let inp = Inputs::load(sc, args.read.catalog.as_deref())?;
            inventory::from_inputs(&inp, metrics.as_ref(), &opts)?
        }
        (None, false) => {
            let catalog = gpuplan::ingest::catalog::load_catalog(args.read.catalog.as_deref())?;
            let ing =
                gpuplan::ingest::focus::read_focus(&args.focus, &catalog, &args.read.options()?)?;
            let declared = match &args.workloads {
                Some(p) => gpuplan::ingest::workloads::declared_classes(p)?,
                None => Default::default(),
            };
            inventory::from_focus(&ing, metrics.as_ref(), &declared, &opts)?
        }
        _ => {
            return Err(flag_error(
                "SCENARIO",
                "give either a scenario file or --focus FILE… (not both)",
            ))
        }
    };
    Ok(match args.format {
        Format::Table => gpuplan::output::inventory::inventory_table(&inv),
        Format::Json => gpuplan::output::inventory::inventory_json(&inv),
    })
}

/// Points of the report's time series: beyond this many hours, hours are averaged.
const REPORT_MAX_POINTS: usize = 400;

/// `report`: the plan (and any plans to compare) as one self-contained HTML file; with
/// `--demand`, each offering's hourly dispatch re-priced by the evaluator.
pub fn report(args: &ReportArgs) -> Result<String, Error> {
    use gpuplan::output::report::{report_html, DemandView, ReportInput};
    if args.top == 0 {
        return Err(flag_error("--top", "expected 1 or more offerings, found 0"));
    }
    let doc = gpuplan::plan::doc::read_plan_doc(&args.plan)?;
    let plan = doc
        .to_plan()
        .map_err(|m| Error::Input(InputError::file(&args.plan, m)))?;
    let compare = args
        .compare
        .iter()
        .map(|p| Ok((file_label(p), gpuplan::plan::doc::read_plan_doc(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let cat = gpuplan::ingest::catalog::load_catalog(args.catalog.as_deref())?;
    let history = args
        .demand
        .as_deref()
        .map(gpuplan::ingest::demand::read_demand)
        .transpose()?;
    let dispatch = history.as_ref().map(|h| {
        gpuplan::analysis::dispatch::plan_dispatch(
            &plan,
            &cat,
            h,
            doc.horizon.hours,
            REPORT_MAX_POINTS,
        )
        .map_err(|e| e.0)
    });
    let demand = match &dispatch {
        None => DemandView::NotGiven,
        Some(Ok(d)) => DemandView::Drawn(d),
        Some(Err(why)) => DemandView::Failed(why),
    };
    let plan_file = file_label(&args.plan);
    let html = report_html(&ReportInput {
        plan: &doc,
        plan_file: &plan_file,
        demand,
        compare: &compare,
        catalog: &cat,
        top: args.top,
    });
    write_atomic(&args.out, &html)?;
    Ok(format!("wrote {}\n", args.out.display()))
}

/// A file's name for display (the whole path when it has none).
fn file_label(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

/// `completions SHELL`: the completion script, from the same clap definitions as parsing.
pub fn completions(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory;
    let mut cmd = super::args::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "gpuplan", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `man`: the top-level man page (roff) on stdout, or with `out` one page per command
/// (gpuplan.1, gpuplan-plan.1, gpuplan-ingest-focus.1, …) written all or none.
pub fn man(out: Option<&Path>) -> Result<String, Error> {
    use clap::CommandFactory;
    let mut cmd = super::args::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let render = |c: &clap::Command| -> Result<(String, String), Error> {
        let page = clap_mangen::Man::new(c.clone())
            .source(format!("gpuplan {}", env!("CARGO_PKG_VERSION")));
        let mut buf = Vec::new();
        page.render(&mut buf)
            .map_err(|e| Error::Runtime(format!("cannot render the man page: {e}")))?;
        Ok((
            page.get_filename(),
            String::from_utf8_lossy(&buf).into_owned(),
        ))
    };
    let Some(dir) = out else {
        return Ok(render(&cmd)?.1);
    };
    let mut pages = Vec::new();
    let mut stack = vec![cmd];
    while let Some(c) = stack.pop() {
        pages.push(render(&c)?);
        stack.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    }
    pages.sort();
    let files: Vec<(&str, String)> = pages.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    write_files_atomic(dir, &files)?;
    Ok(format!(
        "wrote {} man pages to {}\n",
        pages.len(),
        dir.display()
    ))
}

/// `init DIR`: the commented starter scenario, demand and workloads (never over existing
/// files).
pub fn init(dir: &Path) -> Result<String, Error> {
    let files = gpuplan::synth::starter::starter_files();
    for (name, _) in &files {
        let target = dir.join(name);
        if target.exists() {
            return Err(Error::Input(InputError::file(
                &target,
                "already exists: gpuplan init does not replace files; choose a new directory",
            )));
        }
    }
    write_files_atomic(dir, &files)?;
    let scenario = dir.join("scenario.toml");
    Ok(format!(
        "wrote {}, demand.csv and workloads.toml\nnext: gpuplan validate {0} && gpuplan plan {0}\n",
        scenario.display()
    ))
}
