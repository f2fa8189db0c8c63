//! Loads every input a scenario names and cross-checks them. The result is what every
//! command starts from.

use crate::domain::{Catalog, DemandHistory, HourWindow, Offering, OwnedCommitment, Workload};
use crate::error::{Error, InputError};
use crate::ingest;
use crate::ingest::scenario::{read_scenario, Scenario};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Everything a run needs, loaded and checked.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The scenario.
    pub scenario: Scenario,
    /// The catalog (shipped, with overrides applied).
    pub catalog: Catalog,
    /// The whole demand history as read.
    pub history: DemandHistory,
    /// The planning window inside the history.
    pub window: HourWindow,
    /// Per hour of `window`: false when masked.
    pub keep: Vec<bool>,
    /// Workloads in demand order, attributes resolved.
    pub workloads: Vec<Workload>,
    /// Owned commitments.
    pub owned: Vec<OwnedCommitment>,
    /// Per workload (demand order): known events and churn override (`docs/term.md`).
    pub outlook: Vec<crate::domain::outlook::Outlook>,
    /// Things worth a look that do not stop a run.
    pub warnings: Vec<String>,
    /// SHA-256 over every input's bytes (scenario, demand, workloads, commitments, catalog).
    pub input_hash: String,
}

/// Whether a workload may run on an offering: memory per GPU, GPUs per replica, allowed
/// clouds and regions, and the clouds the scenario allows.
pub fn compatible(w: &Workload, o: &Offering, catalog: &Catalog, scenario: &Scenario) -> bool {
    crate::domain::fits(w, o, catalog)
        && scenario.instruments.clouds.contains(&o.cloud)
        && scenario
            .instruments
            .instance_types
            .as_ref()
            .is_none_or(|t| t.contains(&o.instance_type))
}

impl Inputs {
    /// Loads a scenario file and everything it names. `catalog_override` (the `--catalog`
    /// flag) takes precedence over the scenario's `catalog`.
    pub fn load(scenario_path: &Path, catalog_override: Option<&Path>) -> Result<Self, Error> {
        let scenario = read_scenario(scenario_path)?;
        let catalog_dir = catalog_override
            .map(Path::to_path_buf)
            .or_else(|| scenario.catalog.clone());
        let catalog = ingest::catalog::load_catalog(catalog_dir.as_deref())?;
        let demand_bytes = read_named_file(&scenario, &scenario.demand, "demand")?;
        let history = ingest::demand::parse_demand(&scenario.demand, &demand_bytes)?;
        let wl_src = scenario
            .workloads
            .as_deref()
            .map(|p| {
                let bytes = read_named_file(&scenario, p, "workloads")?;
                let text = ingest::utf8_text(p, bytes)?;
                ingest::workloads::parse_workloads(p, &text)
            })
            .transpose()?;
        let (workloads, unknown) = ingest::workloads::resolve_workloads(
            wl_src.as_ref(),
            &history,
            &scenario.demand,
            &catalog,
        )?;
        let outlook = ingest::workloads::resolve_outlooks(
            wl_src.as_ref(),
            &history,
            &scenario.demand,
            &catalog,
        )?;
        let (owned, owned_bytes) = match &scenario.commitments {
            Some(p) => {
                let b = read_named_file(&scenario, p, "commitments")?;
                (ingest::commitments::parse_commitments(p, &b, &catalog)?, b)
            }
            None => (Vec::new(), Vec::new()),
        };
        let window = scenario
            .window
            .resolve(history.window)
            .map_err(|(field, m)| scenario_field_err(&scenario, "window", field, m))?;
        check_instance_types(&scenario, &catalog)?;
        check_price_gpus(&scenario, &catalog)?;
        let keep = planned_hours(&scenario, window)?;
        let mut warnings: Vec<String> = unknown
            .iter()
            .map(|name| format!("workloads file has [workloads.{name}] but the demand history has no workload {name:?}"))
            .collect();
        warnings.extend(cross_check_warnings(
            &scenario, &catalog, window, &workloads, &owned,
        ));
        let input_hash = input_hash(
            &[
                scenario.text.as_bytes(),
                &demand_bytes,
                wl_src.as_ref().map_or(&b""[..], |s| s.text.as_bytes()),
                &owned_bytes,
            ],
            &catalog,
        );
        Ok(Inputs {
            scenario,
            catalog,
            history,
            window,
            keep,
            workloads,
            owned,
            outlook,
            warnings,
            input_hash,
        })
    }

    /// The demand of the planning window (masked hours still present; see `keep`).
    pub fn window_demand(&self) -> DemandHistory {
        self.history.slice(self.window)
    }

    /// The same inputs planned on another window of the history (which must lie inside it);
    /// the scenario's masks apply.
    pub fn with_window(&self, window: HourWindow) -> Inputs {
        let keep = (0..window.hours())
            .map(|i| {
                let t = window.hour(i);
                !self
                    .scenario
                    .window
                    .masks
                    .iter()
                    .any(|m| m.window.contains(t))
            })
            .collect();
        Inputs {
            window,
            keep,
            ..self.clone()
        }
    }
}

/// Reads a file the scenario names; a missing or unreadable one is reported with the
/// scenario field that names it.
fn read_named_file(scenario: &Scenario, path: &Path, field: &str) -> Result<Vec<u8>, InputError> {
    ingest::read_file(path).map_err(|mut e| {
        e.message = format!(
            "{} (named by field '{field}' of {})",
            e.message,
            scenario.file.display()
        );
        e
    })
}

/// An error on a field of the scenario file.
fn scenario_field_err(
    scenario: &Scenario,
    table: &str,
    key: &str,
    msg: impl Into<String>,
) -> InputError {
    ingest::toml_de::field_err(&scenario.file, &scenario.text, table, key, msg)
}

/// `[instruments] instance_types`: each an instance type of the catalog.
fn check_instance_types(scenario: &Scenario, catalog: &Catalog) -> Result<(), Error> {
    let Some(types) = &scenario.instruments.instance_types else {
        return Ok(());
    };
    match types
        .iter()
        .find(|t| !catalog.offerings.iter().any(|o| &&o.instance_type == t))
    {
        Some(bad) => Err(Error::Input(scenario_field_err(
            scenario,
            "instruments",
            "instance_types",
            format!("unknown instance type {bad:?}: expected an instance_type of offerings.csv"),
        ))),
        None => Ok(()),
    }
}

/// `[prices.GPU]`: each GPU a model of the catalog.
fn check_price_gpus(scenario: &Scenario, catalog: &Catalog) -> Result<(), Error> {
    match scenario
        .prices
        .iter()
        .find(|p| catalog.gpu(&p.gpu).is_none())
    {
        Some(bad) => {
            let known: Vec<&str> = catalog.gpus.iter().map(|g| g.name.as_str()).collect();
            Err(Error::Input(scenario_field_err(
                scenario,
                "prices",
                &bad.gpu,
                format!(
                    "unknown GPU model {:?}: expected one of {}",
                    bad.gpu,
                    known.join(", ")
                ),
            )))
        }
        None => Ok(()),
    }
}

/// Which hours of the planning window are planned on (not masked); an error when masks
/// leave none.
fn planned_hours(scenario: &Scenario, window: HourWindow) -> Result<Vec<bool>, Error> {
    let keep: Vec<bool> = (0..window.hours())
        .map(|i| {
            let t = window.hour(i);
            !scenario.window.masks.iter().any(|m| m.window.contains(t))
        })
        .collect();
    if !keep.iter().any(|&k| k) {
        return Err(Error::Input(scenario_field_err(
            scenario,
            "window",
            "mask",
            "masks cover the whole planning window: no hour is left to plan on",
        )));
    }
    Ok(keep)
}

/// Warnings about inputs that read but will not act as the user may expect: masks outside
/// the window, owned commitments that do not overlap it, workloads with no compatible
/// offering.
fn cross_check_warnings(
    scenario: &Scenario,
    catalog: &Catalog,
    window: HourWindow,
    workloads: &[Workload],
    owned: &[OwnedCommitment],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for m in &scenario.window.masks {
        if m.window.end <= window.start || m.window.start >= window.end {
            warnings.push(format!(
                "mask {} .. {} lies outside the planning window: it has no effect",
                m.window.start.format("%Y-%m-%dT%H:%M:%SZ"),
                m.window.end.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
    }
    for c in owned {
        if c.end <= window.start || c.start >= window.end {
            warnings.push(format!(
                "owned commitment {} (line {}) does not overlap the planning window",
                c.offer_id, c.line
            ));
        }
    }
    for w in workloads {
        if !catalog
            .offerings
            .iter()
            .any(|o| compatible(w, o, catalog, scenario))
        {
            warnings.push(format!(
                "workload {} has no compatible offering (min_gpu_memory_gb {}, gpus_per_replica {}, clouds/regions allowed): planning it is infeasible",
                w.name, w.min_gpu_memory_gb, w.gpus_per_replica
            ));
        }
    }
    warnings
}

/// SHA-256 over every input's bytes (each prefixed by its length) and the catalog.
fn input_hash(parts: &[&[u8]], catalog: &Catalog) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.update(format!("{catalog:?}").as_bytes());
    format!("sha256:{:x}", h.finalize())
}
