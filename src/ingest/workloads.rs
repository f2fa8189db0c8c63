//! `workloads.toml`: a `[defaults]` table and `[workloads.NAME]` overrides. Unknown keys are
//! an error.

use super::toml_de::{field_err, from_toml};
use crate::domain::{Catalog, Cloud, DailyWindow, DemandHistory, Workload, WorkloadClass};
use crate::error::InputError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One table of the workloads file; every field optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// `training`, `inference` or `experimentation`; inferred from the curve when absent.
    pub class: Option<String>,
    /// GPU model the history ran on (required here or in defaults).
    pub current_gpu: Option<String>,
    /// Instance type it runs on today.
    pub current_offering: Option<String>,
    /// Can run on spot (default false).
    pub interruptible: Option<bool>,
    /// Largest spot share in [0, 1] (default 1 if interruptible, else 0).
    pub max_spot_share: Option<f64>,
    /// Minimum GPU memory in GB (default 0).
    pub min_gpu_memory_gb: Option<f64>,
    /// GPUs per replica (default 1).
    pub gpus_per_replica: Option<u32>,
    /// Allowed clouds (default all).
    pub allowed_clouds: Option<Vec<String>>,
    /// Allowed regions (default all).
    pub allowed_regions: Option<Vec<String>>,
    /// Team.
    pub team: Option<String>,
    /// Project.
    pub project: Option<String>,
    /// Cloud where the data lives.
    pub home_cloud: Option<String>,
    /// Storage USD per GPU-hour (default 0).
    pub storage_per_gpu_hour: Option<f64>,
    /// Egress USD per GPU-hour away from home (default 0).
    pub egress_per_gpu_hour: Option<f64>,
    /// Compute overhead percent (default 0).
    pub overhead_pct: Option<f64>,
    /// Shiftable hours (default 0).
    pub shiftable_hours: Option<u32>,
    /// Daily scale-to-zero windows `HH:MM-HH:MM`.
    pub scale_to_zero: Option<Vec<String>>,
}

/// The workloads file as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkloadsFile {
    /// Applies to every workload.
    #[serde(default)]
    pub defaults: RawWorkload,
    /// Per-workload overrides.
    #[serde(default)]
    pub workloads: BTreeMap<String, RawWorkload>,
}

/// The parsed file with its text, for locating fields in later errors.
#[derive(Debug, Clone)]
pub struct WorkloadsSource {
    /// The file name.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// Parsed content.
    pub parsed: WorkloadsFile,
}

/// Parses a workloads file.
pub fn parse_workloads(file: &Path, text: &str) -> Result<WorkloadsSource, InputError> {
    Ok(WorkloadsSource {
        file: file.to_path_buf(),
        text: text.to_string(),
        parsed: from_toml(file, text)?,
    })
}

/// Reads a workloads file.
pub fn read_workloads(path: &Path) -> Result<WorkloadsSource, InputError> {
    let text = super::read_text(path)?;
    parse_workloads(path, &text)
}

fn merge(d: &RawWorkload, w: &RawWorkload) -> RawWorkload {
    macro_rules! pick {
        ($($f:ident),*) => { RawWorkload { $($f: w.$f.clone().or_else(|| d.$f.clone())),* } };
    }
    pick!(
        class,
        current_gpu,
        current_offering,
        interruptible,
        max_spot_share,
        min_gpu_memory_gb,
        gpus_per_replica,
        allowed_clouds,
        allowed_regions,
        team,
        project,
        home_cloud,
        storage_per_gpu_hour,
        egress_per_gpu_hour,
        overhead_pct,
        shiftable_hours,
        scale_to_zero
    )
}

/// Resolves every workload of the demand history: defaults, then the workload's own table;
/// checks values and the catalog (GPU model, instance type, clouds). Returns the workloads in
/// demand order, plus the names of workloads in the file that the demand does not have.
pub fn resolve_workloads(
    src: Option<&WorkloadsSource>,
    demand: &DemandHistory,
    demand_file: &Path,
    catalog: &Catalog,
) -> Result<(Vec<Workload>, Vec<String>), InputError> {
    let empty = WorkloadsFile::default();
    let parsed = src.map_or(&empty, |s| &s.parsed);
    let mut out = Vec::with_capacity(demand.workloads.len());
    for (wi, name) in demand.workloads.iter().enumerate() {
        let own = parsed.workloads.get(name);
        let r = merge(&parsed.defaults, own.unwrap_or(&RawWorkload::default()));
        // Error location: the workload's own table if it sets the key, else defaults.
        let err = |key: &str, set_here: bool, msg: String| -> InputError {
            match src {
                Some(s) => {
                    let table = if set_here {
                        format!("workloads.{name}")
                    } else {
                        "defaults".to_string()
                    };
                    field_err(&s.file, &s.text, &table, key, msg)
                }
                None => InputError::file(demand_file, msg),
            }
        };
        macro_rules! here {
            ($f:ident) => {
                own.is_some_and(|o| o.$f.is_some())
            };
        }
        let Some(gpu) = r.current_gpu.clone() else {
            return Err(match src {
                Some(s) => field_err(
                    &s.file,
                    &s.text,
                    "defaults",
                    "current_gpu",
                    format!("missing: workload {name:?} needs current_gpu (the GPU model its history ran on), in [defaults] or [workloads.{name}]"),
                ),
                None => InputError::file(
                    demand_file,
                    format!("workload {name:?} has no current_gpu: give a workloads file with [defaults] current_gpu"),
                ),
            });
        };
        if catalog.gpu(&gpu).is_none() {
            return Err(err(
                "current_gpu",
                here!(current_gpu),
                format!(
                    "unknown GPU model {gpu:?}: expected one of {}",
                    catalog
                        .gpus
                        .iter()
                        .map(|g| g.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let (class, class_inferred) = match &r.class {
            Some(c) => (
                WorkloadClass::parse(c).ok_or_else(|| {
                    err(
                        "class",
                        here!(class),
                        format!("expected training, inference or experimentation, found {c:?}"),
                    )
                })?,
                false,
            ),
            None => (WorkloadClass::infer(&demand.gpus[wi]), true),
        };
        let parse_clouds = |v: &Option<Vec<String>>, key: &str, set: bool| {
            v.as_ref()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            Cloud::parse(c).ok_or_else(|| {
                                err(key, set, format!("expected aws, azure or gcp, found {c:?}"))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()
        };
        let allowed_clouds =
            parse_clouds(&r.allowed_clouds, "allowed_clouds", here!(allowed_clouds))?;
        if allowed_clouds.as_ref().is_some_and(|c| c.is_empty()) {
            return Err(err(
                "allowed_clouds",
                here!(allowed_clouds),
                "is empty: expected at least one cloud (leave it out to allow all)".into(),
            ));
        }
        let home_cloud = match &r.home_cloud {
            Some(c) => Some(Cloud::parse(c).ok_or_else(|| {
                err(
                    "home_cloud",
                    here!(home_cloud),
                    format!("expected aws, azure or gcp, found {c:?}"),
                )
            })?),
            None => None,
        };
        if let Some(regions) = &r.allowed_regions {
            if regions.is_empty() {
                return Err(err(
                    "allowed_regions",
                    here!(allowed_regions),
                    "is empty: expected at least one region (leave it out to allow all)".into(),
                ));
            }
            if let Some(bad) = regions
                .iter()
                .find(|g| !catalog.offerings.iter().any(|o| &&o.region == g))
            {
                return Err(err(
                    "allowed_regions",
                    here!(allowed_regions),
                    format!("unknown region {bad:?}: no offering of the catalog is in it"),
                ));
            }
        }
        if let Some(it) = &r.current_offering {
            let gpus: Vec<&str> = catalog
                .offerings
                .iter()
                .filter(|o| &o.instance_type == it)
                .map(|o| o.gpu_model.as_str())
                .collect();
            if gpus.is_empty() {
                return Err(err(
                    "current_offering",
                    here!(current_offering),
                    format!(
                        "unknown instance type {it:?}: expected an instance_type of offerings.csv"
                    ),
                ));
            }
            if !gpus.contains(&gpu.as_str()) {
                return Err(err(
                    "current_offering",
                    here!(current_offering),
                    format!(
                        "instance type {it} carries {} but current_gpu of workload {name:?} is {gpu}",
                        gpus.join("/")
                    ),
                ));
            }
        }
        let interruptible = r.interruptible.unwrap_or(false);
        let max_spot_share = r
            .max_spot_share
            .unwrap_or(if interruptible { 1.0 } else { 0.0 });
        if !(0.0..=1.0).contains(&max_spot_share) {
            return Err(err(
                "max_spot_share",
                here!(max_spot_share),
                format!("expected a share in [0, 1], found {max_spot_share}"),
            ));
        }
        if !interruptible && max_spot_share > 0.0 {
            return Err(err(
                "max_spot_share",
                here!(max_spot_share),
                format!("is {max_spot_share} but the workload is not interruptible: set interruptible = true or max_spot_share = 0"),
            ));
        }
        let nonneg =
            |v: Option<f64>, key: &str, set: bool, what: &str| -> Result<f64, InputError> {
                let x = v.unwrap_or(0.0);
                if x.is_finite() && x >= 0.0 {
                    Ok(x)
                } else {
                    Err(err(key, set, format!("expected {what} >= 0, found {x}")))
                }
            };
        let min_gpu_memory_gb = nonneg(
            r.min_gpu_memory_gb,
            "min_gpu_memory_gb",
            here!(min_gpu_memory_gb),
            "a memory size in GB",
        )?;
        let storage = nonneg(
            r.storage_per_gpu_hour,
            "storage_per_gpu_hour",
            here!(storage_per_gpu_hour),
            "USD per GPU-hour",
        )?;
        let egress = nonneg(
            r.egress_per_gpu_hour,
            "egress_per_gpu_hour",
            here!(egress_per_gpu_hour),
            "USD per GPU-hour",
        )?;
        let overhead = nonneg(
            r.overhead_pct,
            "overhead_pct",
            here!(overhead_pct),
            "a percentage",
        )?;
        let gpus_per_replica = r.gpus_per_replica.unwrap_or(1);
        if gpus_per_replica == 0 {
            return Err(err(
                "gpus_per_replica",
                here!(gpus_per_replica),
                "expected a whole number >= 1, found 0".into(),
            ));
        }
        let mut windows = Vec::new();
        for s in r.scale_to_zero.iter().flatten() {
            windows.push(DailyWindow::parse(s).ok_or_else(|| {
                err(
                    "scale_to_zero",
                    here!(scale_to_zero),
                    format!("expected daily UTC windows like \"22:00-06:00\", found {s:?}"),
                )
            })?);
        }
        out.push(Workload {
            name: name.clone(),
            class,
            class_inferred,
            current_gpu: gpu,
            current_offering: r.current_offering.clone(),
            interruptible,
            max_spot_share,
            min_gpu_memory_gb,
            gpus_per_replica,
            allowed_clouds,
            allowed_regions: r.allowed_regions.clone(),
            team: r.team.clone(),
            project: r.project.clone(),
            home_cloud,
            storage_per_gpu_hour: storage,
            egress_per_gpu_hour: egress,
            overhead_pct: overhead,
            shiftable_hours: r.shiftable_hours.unwrap_or(0),
            scale_to_zero: windows,
        });
    }
    let unknown = parsed
        .workloads
        .keys()
        .filter(|k| demand.index_of(k).is_none())
        .cloned()
        .collect();
    Ok((out, unknown))
}

/// The classes a workloads file declares, by workload name (for `inventory --focus
/// --workloads`, where the file's other fields are not needed); an unknown class is an
/// error naming the entry.
pub fn declared_classes(path: &Path) -> Result<BTreeMap<String, WorkloadClass>, InputError> {
    let src = read_workloads(path)?;
    let mut declared = BTreeMap::new();
    for (name, w) in &src.parsed.workloads {
        if let Some(c) = w.class.as_deref() {
            let k = WorkloadClass::parse(c).ok_or_else(|| {
                field_err(
                    path,
                    &src.text,
                    &format!("workloads.{name}"),
                    "class",
                    format!("expected training, inference or experimentation, found {c:?}"),
                )
            })?;
            declared.insert(name.clone(), k);
        }
    }
    Ok(declared)
}
