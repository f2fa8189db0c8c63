//! Scenario files (`scenarios/*.toml`) → one validated run configuration. Paths in a
//! scenario are relative to the scenario file. Every field but `demand` has a default.

use super::term_config::{RawPrice, RawTerm};
use crate::domain::bounds;
use crate::domain::{Cloud, CommitmentKind, CommitmentOffer, HourWindow, Payment};
use crate::error::InputError;
use crate::ingest::csvread::parse_instant;
use crate::ingest::toml_de::{field_err, from_toml};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The scenario file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    description: Option<String>,
    demand: Option<String>,
    workloads: Option<String>,
    commitments: Option<String>,
    catalog: Option<String>,
    #[serde(default)]
    window: RawWindow,
    #[serde(default)]
    growth: RawGrowth,
    #[serde(default)]
    forecast: RawForecast,
    #[serde(default)]
    risk: RawRisk,
    #[serde(default)]
    instruments: RawInstruments,
    #[serde(default)]
    caps: RawCaps,
    #[serde(default)]
    solver: RawSolver,
    #[serde(default)]
    term: RawTerm,
    #[serde(default)]
    prices: std::collections::BTreeMap<String, RawPrice>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    start: Option<String>,
    end: Option<String>,
    lookback: Option<String>,
    horizon: Option<String>,
    #[serde(default)]
    mask: Vec<RawMask>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMask {
    start: String,
    end: String,
    reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrowth {
    annual_pct: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForecast {
    scenarios: Option<u32>,
    seed: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    preset: Option<String>,
    cvar_alpha: Option<f64>,
    risk_weight: Option<f64>,
    max_cvar: Option<f64>,
    measure: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstruments {
    on_demand: Option<bool>,
    spot: Option<bool>,
    unit: Option<bool>,
    spend: Option<bool>,
    terms_months: Option<Vec<u32>>,
    payments: Option<Vec<String>>,
    clouds: Option<Vec<String>>,
    instance_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaps {
    max_committed_share: Option<f64>,
    max_upfront: Option<f64>,
    max_liability: Option<f64>,
    max_3y_share: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSolver {
    resolution: Option<toml::Value>,
    method: Option<String>,
    time_limit_seconds: Option<f64>,
    mip_gap: Option<f64>,
    threads: Option<u32>,
}

/// A masked interval of the history (an outage, a logging gap): excluded from planning.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    /// The hours masked.
    pub window: HourWindow,
    /// Why.
    pub reason: String,
}

/// Which window of history to plan on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WindowSpec {
    /// Explicit start (inclusive).
    pub start: Option<DateTime<Utc>>,
    /// Explicit end (exclusive).
    pub end: Option<DateTime<Utc>>,
    /// The last `lookback` hours of the history (when start is not given).
    pub lookback_hours: Option<i64>,
    /// Planning horizon in hours (default: the window's length).
    pub horizon_hours: Option<i64>,
    /// Masked intervals.
    pub masks: Vec<Mask>,
}

impl WindowSpec {
    /// The window to plan on, given the history's window; an error message when it does not
    /// lie inside the history.
    pub fn resolve(&self, history: HourWindow) -> Result<HourWindow, (&'static str, String)> {
        let end = self.end.unwrap_or(history.end);
        let start = match (self.start, self.lookback_hours) {
            (Some(s), _) => s,
            (None, Some(h)) => end - Duration::hours(h),
            (None, None) => history.start,
        };
        let w = HourWindow { start, end };
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        // The field to blame: the one that moved the window out of the history.
        let field = if self.end.is_some() && (w.end > history.end || w.end <= history.start) {
            "end"
        } else if self.lookback_hours.is_some() {
            "lookback"
        } else if self.start.is_some() {
            "start"
        } else {
            "end"
        };
        if w.end <= w.start {
            return Err((
                field,
                format!(
                    "the planning window {} .. {} is empty",
                    fmt(w.start),
                    fmt(w.end)
                ),
            ));
        }
        if !history.covers(&w) {
            return Err((
                field,
                format!(
                    "the planning window {} .. {} is not inside the demand history {} .. {}",
                    fmt(w.start),
                    fmt(w.end),
                    fmt(history.start),
                    fmt(history.end)
                ),
            ));
        }
        Ok(w)
    }
}

/// Risk attitude of the stochastic model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskConfig {
    /// Preset name: `neutral`, `balanced` or `averse` (or `custom`).
    pub preset: &'static str,
    /// CVaR level α in (0, 1).
    pub cvar_alpha: f64,
    /// Weight λ of CVaR in the objective, in [0, 1].
    pub risk_weight: f64,
    /// Optional CVaR budget (USD over the window).
    pub max_cvar: Option<f64>,
    /// What the CVaR is taken of: total `cost` per scenario, or `regret`: cost minus the
    /// scenario's own hindsight optimum (what a plan overpays when that scenario happens);
    /// see `docs/model.md` "Objective: expected cost, CVaR, regret".
    pub regret: bool,
}

/// Which instruments the plan may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruments {
    /// On-demand allowed.
    pub on_demand: bool,
    /// Spot allowed.
    pub spot: bool,
    /// Unit commitments may be bought.
    pub unit: bool,
    /// Spend commitments may be bought.
    pub spend: bool,
    /// Terms allowed, months.
    pub terms_months: Vec<u32>,
    /// Payment options allowed.
    pub payments: Vec<Payment>,
    /// Clouds allowed.
    pub clouds: Vec<Cloud>,
    /// Instance types allowed (`None` = every instance type of the catalog).
    pub instance_types: Option<Vec<String>>,
}

impl Instruments {
    /// Whether a commitment offer may be bought: its kind, term, payment and cloud are
    /// allowed.
    pub fn allows(&self, k: &CommitmentOffer) -> bool {
        (match k.kind {
            CommitmentKind::Unit => self.unit,
            CommitmentKind::Spend => self.spend,
        }) && self.terms_months.contains(&k.term_months)
            && self.payments.contains(&k.payment)
            && self.clouds.contains(&k.cloud)
    }
}

/// Time resolution of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// One bucket per planned hour.
    Full,
    /// At most this many buckets (k-means on the hours, peaks kept).
    Buckets(usize),
    /// Bucket count chosen adaptively: doubled until the hourly re-priced cost improves by
    /// less than 0.05%.
    Auto,
}

impl Resolution {
    /// Parses `full`, `auto` or a bucket count ≥ 1.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "full" => Some(Resolution::Full),
            "auto" => Some(Resolution::Auto),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1)
                .map(Resolution::Buckets),
        }
    }
}

/// How tiers and commitments are optimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One MIP over tiers and commitments together (exact on its buckets).
    Mip,
    /// Tiers by price-directed decomposition, then the commitment MIP on workloads pooled
    /// per offering (for large fleets).
    Decompose,
    /// `mip` for small problems, `decompose` for large ones (see `run::plan_scenario`).
    Auto,
}

impl Method {
    /// Parses `mip`, `decompose` or `auto`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "mip" => Some(Method::Mip),
            "decompose" => Some(Method::Decompose),
            "auto" => Some(Method::Auto),
            _ => None,
        }
    }
    /// `mip`, `decompose` or `auto`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Mip => "mip",
            Method::Decompose => "decompose",
            Method::Auto => "auto",
        }
    }
}

/// Solver limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverConfig {
    /// Time resolution of the model.
    pub resolution: Resolution,
    /// Optimisation method.
    pub method: Method,
    /// Wall-clock limit, seconds.
    pub time_limit_seconds: f64,
    /// Relative MIP gap at which to stop.
    pub mip_gap: f64,
    /// Threads.
    pub threads: u32,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The scenario file.
    pub file: PathBuf,
    /// Its text (for hashing and locating fields).
    pub text: String,
    /// Name (default: the file stem).
    pub name: String,
    /// Free text.
    pub description: String,
    /// Demand history CSV.
    pub demand: PathBuf,
    /// Workloads file, if any.
    pub workloads: Option<PathBuf>,
    /// Owned commitments, if any.
    pub commitments: Option<PathBuf>,
    /// Catalog override directory, if any.
    pub catalog: Option<PathBuf>,
    /// Planning window.
    pub window: WindowSpec,
    /// Annual demand growth, percent.
    pub growth_annual_pct: f64,
    /// Number of demand scenarios.
    pub forecast_scenarios: u32,
    /// Seed.
    pub seed: u64,
    /// Risk setting.
    pub risk: RiskConfig,
    /// Instruments allowed.
    pub instruments: Instruments,
    /// Largest share of the window's compute load covered by commitments, in [0, 1].
    pub max_committed_share: f64,
    /// Largest upfront payment in USD, if capped.
    pub max_upfront: Option<f64>,
    /// Solver limits.
    pub solver: SolverConfig,
    /// How plans are made over the commitments' terms (`[term]`).
    pub term: super::term_config::TermConfig,
    /// How GPU prices may change (`[prices]`), per GPU model.
    pub prices: Vec<crate::domain::outlook::PriceOutlook>,
    /// Cap on the total owed by new commitments over their whole terms, USD.
    pub max_liability: Option<f64>,
    /// Largest share of new commitments' hourly cost in 36-month terms, in [0, 1].
    pub max_3y_share: Option<f64>,
}

/// Parses `14d`, `336h`, `2w` into hours.
pub fn parse_duration_hours(s: &str) -> Option<i64> {
    let s = s.trim();
    // The unit is the last character, whatever its width (a multi-byte one is simply unknown).
    let (last, _) = s.char_indices().last()?;
    let (num, unit) = s.split_at(last);
    let n: i64 = num.trim().parse().ok()?;
    let hours = match unit {
        "h" => n,
        "d" => n.checked_mul(24)?,
        "w" => n.checked_mul(168)?,
        _ => return None,
    };
    // At most 100 years: anything longer is a typo, and chrono cannot hold it anyway.
    (hours > 0 && hours <= 100 * 8784).then_some(hours)
}

/// Where a scenario's values come from, for errors that name the table and key.
struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn err(&self, table: &str, key: &str, msg: String) -> InputError {
        field_err(self.file, self.text, table, key, msg)
    }
}

/// Parses a scenario from its text; relative paths resolve against the file's directory.
pub fn parse_scenario(file: &Path, text: &str) -> Result<Scenario, InputError> {
    let raw: RawScenario = from_toml(file, text)?;
    let cx = Source { file, text };
    let dir = file.parent().unwrap_or(Path::new("."));
    let path = |p: &Option<String>| p.as_ref().map(|p| dir.join(p));
    let demand = path(&raw.demand).ok_or_else(|| {
        cx.err(
            "",
            "demand",
            "missing: expected the path of the demand history CSV (relative to the scenario file)"
                .into(),
        )
    })?;
    let (growth, scenarios) = parse_growth_and_forecast(&cx, &raw)?;
    let (max_committed_share, max_upfront) = parse_caps(&cx, &raw.caps)?;
    let name = raw.name.clone().unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    Ok(Scenario {
        file: file.to_path_buf(),
        text: text.to_string(),
        name,
        description: raw.description.clone().unwrap_or_default(),
        demand,
        workloads: path(&raw.workloads),
        commitments: path(&raw.commitments),
        catalog: path(&raw.catalog),
        window: parse_window(&cx, &raw.window)?,
        growth_annual_pct: growth,
        forecast_scenarios: scenarios,
        seed: raw.forecast.seed.unwrap_or(1),
        risk: parse_risk(&cx, &raw.risk)?,
        instruments: parse_instruments(&cx, &raw.instruments)?,
        max_committed_share,
        max_upfront,
        solver: parse_solver(&cx, &raw.solver)?,
        term: super::term_config::parse_term(file, text, &raw.term)?,
        prices: super::term_config::parse_prices(file, text, &raw.prices)?,
        max_liability: parse_positive_cap(&cx, "max_liability", raw.caps.max_liability)?,
        max_3y_share: parse_share_cap(&cx, "max_3y_share", raw.caps.max_3y_share)?,
    })
}

/// A `[caps]` amount in USD ≥ 0, when given.
fn parse_positive_cap(
    cx: &Source<'_>,
    key: &str,
    v: Option<f64>,
) -> Result<Option<f64>, InputError> {
    match v {
        Some(u) if !(u.is_finite() && u >= 0.0) => {
            Err(cx.err("caps", key, format!("expected USD >= 0, found {u}")))
        }
        _ => Ok(v),
    }
}

/// A `[caps]` share in [0, 1], when given.
fn parse_share_cap(cx: &Source<'_>, key: &str, v: Option<f64>) -> Result<Option<f64>, InputError> {
    match v {
        Some(u) if !(0.0..=1.0).contains(&u) => Err(cx.err(
            "caps",
            key,
            format!("expected a share in [0, 1], found {u}"),
        )),
        _ => Ok(v),
    }
}

/// `[window]`: start/end or lookback, horizon, masks.
fn parse_window(cx: &Source<'_>, w: &RawWindow) -> Result<WindowSpec, InputError> {
    let instant = |s: &Option<String>, key: &str| -> Result<Option<DateTime<Utc>>, InputError> {
        s.as_ref()
            .map(|v| {
                parse_instant(v, true).ok_or_else(|| {
                    cx.err(
                        "window",
                        key,
                        format!("expected an ISO-8601 UTC timestamp like 2020-05-01T00:00:00Z or a date, found {v:?}"),
                    )
                })
            })
            .transpose()
    };
    let dur = |s: &Option<String>, key: &str| -> Result<Option<i64>, InputError> {
        s.as_ref()
            .map(|v| {
                parse_duration_hours(v).ok_or_else(|| {
                    cx.err(
                        "window",
                        key,
                        format!("expected a duration like \"14d\", \"336h\" or \"2w\" (at most 100 years), found {v:?}"),
                    )
                })
            })
            .transpose()
    };
    if w.start.is_some() && w.lookback.is_some() {
        return Err(cx.err(
            "window",
            "lookback",
            "give either start or lookback, not both".into(),
        ));
    }
    let mut masks = Vec::new();
    for m in &w.mask {
        let (Some(s), Some(e)) = (parse_instant(&m.start, true), parse_instant(&m.end, true))
        else {
            return Err(cx.err(
                "window",
                "mask",
                format!(
                    "expected start and end as ISO-8601 UTC timestamps, found {:?} .. {:?}",
                    m.start, m.end
                ),
            ));
        };
        if e <= s || !crate::domain::time::on_the_hour(s) || !crate::domain::time::on_the_hour(e) {
            return Err(cx.err(
                "window",
                "mask",
                format!(
                    "expected a non-empty interval on whole hours, found {:?} .. {:?}",
                    m.start, m.end
                ),
            ));
        }
        masks.push(Mask {
            window: HourWindow { start: s, end: e },
            reason: m.reason.clone().unwrap_or_default(),
        });
    }
    let window = WindowSpec {
        start: instant(&w.start, "start")?,
        end: instant(&w.end, "end")?,
        lookback_hours: dur(&w.lookback, "lookback")?,
        horizon_hours: dur(&w.horizon, "horizon")?,
        masks,
    };
    for (k, t) in [("start", window.start), ("end", window.end)] {
        if t.is_some_and(|t| !crate::domain::time::on_the_hour(t)) {
            return Err(cx.err("window", k, "expected a time on the hour".into()));
        }
    }
    Ok(window)
}

/// `[growth] annual_pct` and `[forecast] scenarios`.
fn parse_growth_and_forecast(cx: &Source<'_>, raw: &RawScenario) -> Result<(f64, u32), InputError> {
    let growth = raw.growth.annual_pct.unwrap_or(0.0);
    if !(growth.is_finite() && growth > -100.0 && growth <= bounds::MAX_GROWTH_PCT) {
        return Err(cx.err(
            "growth",
            "annual_pct",
            format!(
                "expected a percentage above -100 and at most {} (a plausibility bound: 11× a year), found {}",
                bounds::show(bounds::MAX_GROWTH_PCT),
                bounds::show(growth)
            ),
        ));
    }
    let scenarios = raw.forecast.scenarios.unwrap_or(1);
    if !(1..=10_000).contains(&scenarios) {
        return Err(cx.err(
            "forecast",
            "scenarios",
            format!("expected 1 to 10000, found {scenarios}"),
        ));
    }
    Ok((growth, scenarios))
}

/// `[risk]`: preset, CVaR level and weight, budget, measure.
fn parse_risk(cx: &Source<'_>, r: &RawRisk) -> Result<RiskConfig, InputError> {
    let (preset, alpha0, lambda0): (&'static str, f64, f64) = match r.preset.as_deref() {
        None | Some("neutral") => ("neutral", 0.95, 0.0),
        Some("balanced") => ("balanced", 0.9, 0.3),
        Some("averse") => ("averse", 0.95, 0.7),
        Some(p) => {
            return Err(cx.err(
                "risk",
                "preset",
                format!("expected neutral, balanced or averse, found {p:?}"),
            ))
        }
    };
    let cvar_alpha = r.cvar_alpha.unwrap_or(alpha0);
    if !(cvar_alpha > 0.0 && cvar_alpha < 1.0) {
        return Err(cx.err(
            "risk",
            "cvar_alpha",
            format!(
                "expected a level strictly between 0 and 1, found {}",
                bounds::show(cvar_alpha)
            ),
        ));
    }
    let risk_weight = r.risk_weight.unwrap_or(lambda0);
    if !(0.0..=1.0).contains(&risk_weight) {
        return Err(cx.err(
            "risk",
            "risk_weight",
            format!(
                "expected a weight in [0, 1], found {}",
                bounds::show(risk_weight)
            ),
        ));
    }
    if let Some(b) = r.max_cvar {
        if !(b > 0.0 && bounds::within(b, 0.0, bounds::MAX_BUDGET_USD)) {
            return Err(cx.err(
                "risk",
                "max_cvar",
                format!(
                    "expected a budget in USD above 0 and at most {} (a plausibility bound), found {}",
                    bounds::show(bounds::MAX_BUDGET_USD),
                    bounds::show(b)
                ),
            ));
        }
    }
    let custom = r.cvar_alpha.is_some() || r.risk_weight.is_some();
    Ok(RiskConfig {
        preset: if custom && r.preset.is_none() {
            "custom"
        } else {
            preset
        },
        cvar_alpha,
        risk_weight,
        max_cvar: r.max_cvar,
        regret: match r.measure.as_deref() {
            None | Some("cost") => false,
            Some("regret") => true,
            Some(m) => {
                return Err(cx.err(
                    "risk",
                    "measure",
                    format!("expected cost or regret, found {m:?}"),
                ))
            }
        },
    })
}

/// `[instruments]`: which instruments, terms, payments, clouds and instance types.
fn parse_instruments(cx: &Source<'_>, i: &RawInstruments) -> Result<Instruments, InputError> {
    let terms = i.terms_months.clone().unwrap_or_else(|| vec![12, 36]);
    if terms.is_empty()
        || terms
            .iter()
            .any(|t| !(1..=bounds::MAX_TERM_MONTHS).contains(t))
    {
        return Err(cx.err(
            "instruments",
            "terms_months",
            format!(
                "expected a non-empty list of terms from 1 to {} months, found {terms:?}",
                bounds::MAX_TERM_MONTHS
            ),
        ));
    }
    let payments = match &i.payments {
        None => Payment::ALL.to_vec(),
        Some(ps) => ps
            .iter()
            .map(|p| {
                Payment::parse(p).ok_or_else(|| {
                    cx.err(
                        "instruments",
                        "payments",
                        format!("expected no_upfront, partial_upfront or all_upfront, found {p:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let clouds = match &i.clouds {
        None => Cloud::ALL.to_vec(),
        Some(cs) => cs
            .iter()
            .map(|c| {
                Cloud::parse(c).ok_or_else(|| {
                    cx.err(
                        "instruments",
                        "clouds",
                        format!("expected aws, azure or gcp, found {c:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    if clouds.is_empty() {
        return Err(cx.err(
            "instruments",
            "clouds",
            "is empty: expected at least one cloud".into(),
        ));
    }
    let instruments = Instruments {
        on_demand: i.on_demand.unwrap_or(true),
        spot: i.spot.unwrap_or(true),
        unit: i.unit.unwrap_or(true),
        spend: i.spend.unwrap_or(true),
        terms_months: terms,
        payments,
        clouds,
        instance_types: i.instance_types.clone(),
    };
    if instruments
        .instance_types
        .as_ref()
        .is_some_and(|v| v.is_empty())
    {
        return Err(cx.err(
            "instruments",
            "instance_types",
            "is empty: expected at least one instance type (leave it out to allow all)".into(),
        ));
    }
    if !instruments.on_demand {
        return Err(cx.err("instruments", "on_demand", "on_demand = false is not supported: on-demand is the fallback that keeps every plan feasible".into()));
    }
    Ok(instruments)
}

/// `[caps]`: the committed share of the on-demand baseline and the upfront budget.
fn parse_caps(cx: &Source<'_>, caps: &RawCaps) -> Result<(f64, Option<f64>), InputError> {
    let max_committed_share = caps.max_committed_share.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&max_committed_share) {
        return Err(cx.err(
            "caps",
            "max_committed_share",
            format!(
                "expected a share in [0, 1], found {}",
                bounds::show(max_committed_share)
            ),
        ));
    }
    if let Some(u) = caps.max_upfront {
        if !bounds::within(u, 0.0, bounds::MAX_BUDGET_USD) {
            return Err(cx.err(
                "caps",
                "max_upfront",
                format!(
                    "expected USD from 0 to {} (a plausibility bound), found {}",
                    bounds::show(bounds::MAX_BUDGET_USD),
                    bounds::show(u)
                ),
            ));
        }
    }
    Ok((max_committed_share, caps.max_upfront))
}

/// `[solver]`: resolution, method, time limit, gap, threads.
fn parse_solver(cx: &Source<'_>, s: &RawSolver) -> Result<SolverConfig, InputError> {
    let resolution = match &s.resolution {
        None => Resolution::Auto,
        Some(toml::Value::String(v)) => Resolution::parse(v).ok_or_else(|| {
            cx.err(
                "solver",
                "resolution",
                format!("expected \"full\", \"auto\" or a bucket count >= 1, found {v:?}"),
            )
        })?,
        Some(toml::Value::Integer(n)) if *n >= 1 => Resolution::Buckets(*n as usize),
        Some(v) => {
            return Err(cx.err(
                "solver",
                "resolution",
                format!("expected \"full\", \"auto\" or a bucket count >= 1, found {v}"),
            ))
        }
    };
    let method = match &s.method {
        None => Method::Auto,
        Some(m) => Method::parse(m).ok_or_else(|| {
            cx.err(
                "solver",
                "method",
                format!("expected \"auto\", \"mip\" or \"decompose\", found {m:?}"),
            )
        })?,
    };
    let solver = SolverConfig {
        resolution,
        method,
        time_limit_seconds: s.time_limit_seconds.unwrap_or(60.0),
        mip_gap: s.mip_gap.unwrap_or(1e-4),
        threads: s.threads.unwrap_or(1),
    };
    if !(solver.time_limit_seconds > 0.0
        && bounds::within(
            solver.time_limit_seconds,
            0.0,
            bounds::MAX_TIME_LIMIT_SECONDS,
        ))
    {
        return Err(cx.err(
            "solver",
            "time_limit_seconds",
            format!(
                "expected seconds above 0 and at most {} (a week), found {}",
                bounds::show(bounds::MAX_TIME_LIMIT_SECONDS),
                bounds::show(solver.time_limit_seconds)
            ),
        ));
    }
    if !(0.0..1.0).contains(&solver.mip_gap) {
        return Err(cx.err(
            "solver",
            "mip_gap",
            format!(
                "expected a relative gap in [0, 1), found {}",
                solver.mip_gap
            ),
        ));
    }
    if !(1..=bounds::MAX_THREADS).contains(&solver.threads) {
        return Err(cx.err(
            "solver",
            "threads",
            format!(
                "expected 1 to {} threads, found {}",
                bounds::MAX_THREADS,
                solver.threads
            ),
        ));
    }
    Ok(solver)
}

/// Reads a scenario file.
pub fn read_scenario(path: &Path) -> Result<Scenario, InputError> {
    let text = crate::ingest::read_text(path)?;
    parse_scenario(path, &text)
}
