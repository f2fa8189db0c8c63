//! Raw flags → validated requests. Every flag is checked here, once, with one wording per
//! kind of value; a bad flag is a one-line input error naming it (exit code 2).

use super::args::{CostArg, FocusReadArgs, SolverArgs, TermArgs, WorkloadByArg};
use gpuplan::error::{Error, InputError};
use gpuplan::ingest::focus::{CostBasis, FocusOptions, WorkloadBy};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::ingest::scenario::{parse_duration_hours, Method, Resolution};
use gpuplan::solve::SolveSettings;

/// A bad command-line flag: exit code 2, the flag named.
pub fn flag_error(flag: &str, msg: impl Into<String>) -> Error {
    Error::Input(InputError::field("command line", flag, None, msg.into()))
}

/// A duration flag (`14d`, `336h`, `2w`) in hours.
pub fn duration(flag: &str, v: &str) -> Result<i64, Error> {
    parse_duration_hours(v).ok_or_else(|| {
        flag_error(
            flag,
            format!("expected a duration like 7d, 336h or 2w, found {v:?}"),
        )
    })
}

/// A `--resolution` flag.
pub fn resolution(v: &str) -> Result<Resolution, Error> {
    Resolution::parse(v).ok_or_else(|| {
        flag_error(
            "--resolution",
            format!("expected full, auto or a bucket count >= 1, found {v:?}"),
        )
    })
}

/// The solver flags of a planning command, checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct SolverRequest {
    /// Time limit per MIP, seconds (> 0).
    pub time_limit: Option<f64>,
    /// Relative gap in [0, 1).
    pub gap: Option<f64>,
    /// Threads (≥ 1).
    pub threads: Option<u32>,
    /// Time resolution.
    pub resolution: Option<Resolution>,
    /// Optimisation method.
    pub method: Option<Method>,
}

impl SolverArgs {
    /// Checks every solver flag.
    pub fn request(&self) -> Result<SolverRequest, Error> {
        if let Some(t) = self.time_limit.filter(|t| !(t.is_finite() && *t > 0.0)) {
            return Err(flag_error(
                "--time-limit",
                format!("expected seconds > 0, found {t}"),
            ));
        }
        if let Some(g) = self.gap.filter(|g| !(0.0..1.0).contains(g)) {
            return Err(flag_error(
                "--gap",
                format!("expected a relative gap in [0, 1), found {g}"),
            ));
        }
        if self.threads == Some(0) {
            return Err(flag_error("--threads", "expected at least 1, found 0"));
        }
        let method = match self.method.as_deref() {
            None => None,
            Some(m) => Some(Method::parse(m).ok_or_else(|| {
                flag_error(
                    "--method",
                    format!("expected auto, mip or decompose, found {m:?}"),
                )
            })?),
        };
        Ok(SolverRequest {
            time_limit: self.time_limit,
            gap: self.gap,
            threads: self.threads,
            resolution: self.resolution.as_deref().map(resolution).transpose()?,
            method,
        })
    }
}

impl SolverRequest {
    /// Applies the method override to the inputs and returns the solver settings and the
    /// time resolution (the flags over the scenario's `[solver]` table).
    pub fn apply(&self, inputs: &mut Inputs) -> (SolveSettings, Resolution) {
        if let Some(m) = self.method {
            inputs.scenario.solver.method = m;
        }
        let settings = gpuplan::engine::settings(inputs, self.time_limit, self.gap, self.threads);
        (
            settings,
            self.resolution.unwrap_or(inputs.scenario.solver.resolution),
        )
    }
}

impl FocusReadArgs {
    /// The FOCUS reader options.
    pub fn options(&self) -> Result<FocusOptions, Error> {
        if self.workload_by == WorkloadByArg::Tag && self.workload_tag.trim().is_empty() {
            return Err(flag_error("--workload-tag", "is empty: expected a tag key"));
        }
        Ok(FocusOptions {
            workload_by: match self.workload_by {
                WorkloadByArg::Tag => WorkloadBy::Tag(self.workload_tag.trim().to_string()),
                WorkloadByArg::Resource => WorkloadBy::Resource,
                WorkloadByArg::Subaccount => WorkloadBy::SubAccount,
            },
            cost_basis: match self.cost {
                CostArg::Amortized => CostBasis::Amortized,
                CostArg::Billed => CostBasis::Billed,
            },
            team_tag: self.team_tag.trim().to_string(),
            project_tag: self.project_tag.trim().to_string(),
            untagged: self.untagged.clone(),
        })
    }
}

/// The term flags of a planning command, checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct TermRequest {
    /// `--term`.
    pub mode: Option<gpuplan::ingest::term_config::TermMode>,
    /// `--as-of`.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}

impl TermArgs {
    /// Checks the term flags.
    pub fn request(&self) -> Result<TermRequest, Error> {
        let mode = self
            .term
            .as_deref()
            .map(|m| {
                gpuplan::ingest::term_config::TermMode::parse(m).ok_or_else(|| {
                    flag_error("--term", format!("expected term or window, found {m:?}"))
                })
            })
            .transpose()?;
        let as_of = self
            .as_of
            .as_deref()
            .map(|v| {
                gpuplan::ingest::csvread::parse_instant(v, true)
                    .filter(|t| gpuplan::domain::time::on_the_hour(*t))
                    .ok_or_else(|| {
                        flag_error(
                            "--as-of",
                            format!("expected an ISO-8601 UTC timestamp on the hour or a date, found {v:?}"),
                        )
                    })
            })
            .transpose()?;
        Ok(TermRequest { mode, as_of })
    }
}

impl TermRequest {
    /// Applies the flags to loaded inputs; a term plan's as-of date must leave some of the
    /// planning window before it.
    pub fn apply(&self, inputs: &mut Inputs) -> Result<(), Error> {
        let t = &mut inputs.scenario.term;
        if let Some(m) = self.mode {
            t.mode = m;
        }
        if let Some(a) = self.as_of {
            t.as_of = Some(a);
        }
        if t.mode == gpuplan::ingest::term_config::TermMode::Term
            && gpuplan::engine::term::lookback(inputs).is_none()
        {
            let at = gpuplan::engine::term::as_of(inputs);
            return Err(flag_error(
                "--as-of",
                format!(
                    "the as-of date {} leaves no planned hour of the planning window before it (the planner may only see the past)",
                    at.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        Ok(())
    }
}
