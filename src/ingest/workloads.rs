//! `workloads.toml`: a `[defaults]` table and `[workloads.NAME]` overrides. Unknown keys are
//! an error.

use super::toml_de::{field_err, from_toml};
use crate::domain::bounds;
use crate::domain::{Catalog, Cloud, DailyWindow, DemandHistory, Workload, WorkloadClass};
use crate::error::InputError;
use chrono::{DateTime, Utc};
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
    /// Annual probability that the workload ends (churn); default per class (`[term.churn]`).
    pub end_probability: Option<f64>,
    /// Known end: a date or timestamp after which it has no demand.
    pub ends: Option<String>,
    /// Probability that `ends` happens (default 1: certain).
    pub ends_probability: Option<f64>,
    /// Known start with a ramp.
    pub starts: Option<RawLaunch>,
    /// Known move to another GPU model.
    pub migrates: Option<RawMigration>,
    /// Known level changes.
    pub scale: Option<Vec<RawScale>>,
}

/// `starts = { at, ramp, gpus }` as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawLaunch {
    /// First day or hour with demand.
    pub at: String,
    /// Ramp from zero to full level, e.g. `"30d"` (default none).
    pub ramp: Option<String>,
    /// Steady GPUs after the ramp (default: the level of its history).
    pub gpus: Option<f64>,
}

/// `migrates = { to_gpu, at, gpu_ratio }` as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawMigration {
    /// GPU model it moves to.
    pub to_gpu: String,
    /// When.
    pub at: String,
    /// GPUs of `to_gpu` per GPU of its recorded demand (default 1).
    pub gpu_ratio: Option<f64>,
}

/// One `scale = [{ at, factor }]` step as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawScale {
    /// From when.
    pub at: String,
    /// Multiplier of its demand from then on.
    pub factor: f64,
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
        scale_to_zero,
        end_probability,
        ends,
        ends_probability,
        starts,
        migrates,
        scale
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
        let entry = Entry {
            src,
            demand_file,
            name,
            own: parsed.workloads.get(name),
        };
        out.push(entry.resolve(&parsed.defaults, &demand.gpus[wi], catalog)?);
    }
    // Entries for workloads the demand does not have (yet: a workload may start later) are
    // checked all the same, so a typo in a name does not also hide a bad value.
    let mut unknown = Vec::new();
    for (name, own) in &parsed.workloads {
        if demand.index_of(name).is_some() {
            continue;
        }
        let entry = Entry {
            src,
            demand_file,
            name,
            own: Some(own),
        };
        entry.resolve(&parsed.defaults, &[], catalog)?;
        unknown.push(name.clone());
    }
    Ok((out, unknown))
}

/// One workload being resolved: where its values come from, for errors that name the table
/// (its own `[workloads.NAME]` if it sets the key, else `[defaults]`).
struct Entry<'a> {
    src: Option<&'a WorkloadsSource>,
    demand_file: &'a Path,
    name: &'a str,
    own: Option<&'a RawWorkload>,
}

/// Whether the workload's own table sets a key.
macro_rules! here {
    ($e:expr, $f:ident) => {
        $e.own.is_some_and(|o| o.$f.is_some())
    };
}

impl Entry<'_> {
    fn err(&self, key: &str, set_here: bool, msg: String) -> InputError {
        match self.src {
            Some(s) => {
                let table = if set_here {
                    format!("workloads.{}", self.name)
                } else {
                    "defaults".to_string()
                };
                field_err(&s.file, &s.text, &table, key, msg)
            }
            None => InputError::file(self.demand_file, msg),
        }
    }

    /// The workload: defaults merged with its own table, every value checked.
    fn resolve(
        &self,
        defaults: &RawWorkload,
        curve: &[f64],
        catalog: &Catalog,
    ) -> Result<Workload, InputError> {
        let r = merge(defaults, self.own.unwrap_or(&RawWorkload::default()));
        let gpu = self.current_gpu(&r, catalog)?;
        let (class, class_inferred) = match &r.class {
            Some(c) => (self.class(c)?, false),
            None => (WorkloadClass::infer(curve), true),
        };
        let allowed_clouds = self.allowed_clouds(&r)?;
        let home_cloud = self.home_cloud(&r)?;
        self.check_regions(&r, catalog)?;
        self.check_current_offering(&r, &gpu, catalog)?;
        let (interruptible, max_spot_share) = self.spot(&r)?;
        let min_gpu_memory_gb = self.nonneg(
            r.min_gpu_memory_gb,
            "min_gpu_memory_gb",
            here!(self, min_gpu_memory_gb),
            ("a memory size in GB", bounds::MAX_GPU_MEMORY_GB),
        )?;
        let storage_per_gpu_hour = self.nonneg(
            r.storage_per_gpu_hour,
            "storage_per_gpu_hour",
            here!(self, storage_per_gpu_hour),
            ("USD per GPU-hour", bounds::MAX_ADDER_PER_GPU_HOUR_USD),
        )?;
        let egress_per_gpu_hour = self.nonneg(
            r.egress_per_gpu_hour,
            "egress_per_gpu_hour",
            here!(self, egress_per_gpu_hour),
            ("USD per GPU-hour", bounds::MAX_ADDER_PER_GPU_HOUR_USD),
        )?;
        let overhead_pct = self.nonneg(
            r.overhead_pct,
            "overhead_pct",
            here!(self, overhead_pct),
            ("a percentage", bounds::MAX_OVERHEAD_PCT),
        )?;
        let gpus_per_replica = r.gpus_per_replica.unwrap_or(1);
        if !(1..=bounds::MAX_GPUS_PER_INSTANCE).contains(&gpus_per_replica) {
            return Err(self.err(
                "gpus_per_replica",
                here!(self, gpus_per_replica),
                format!(
                    "expected a whole number from 1 to {} (a plausibility bound on GPUs per instance), found {gpus_per_replica}",
                    bounds::MAX_GPUS_PER_INSTANCE
                ),
            ));
        }
        let shiftable_hours = r.shiftable_hours.unwrap_or(0);
        if shiftable_hours > bounds::MAX_SHIFTABLE_HOURS {
            return Err(self.err(
                "shiftable_hours",
                here!(self, shiftable_hours),
                format!(
                    "expected at most {} hours (a year), found {shiftable_hours}",
                    bounds::MAX_SHIFTABLE_HOURS
                ),
            ));
        }
        Ok(Workload {
            name: self.name.to_string(),
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
            storage_per_gpu_hour,
            egress_per_gpu_hour,
            overhead_pct,
            shiftable_hours,
            scale_to_zero: self.scale_to_zero(&r)?,
        })
    }

    /// `current_gpu`: required, and a GPU model of the catalog.
    fn current_gpu(&self, r: &RawWorkload, catalog: &Catalog) -> Result<String, InputError> {
        let name = self.name;
        let Some(gpu) = r.current_gpu.clone() else {
            return Err(match self.src {
                Some(s) => field_err(
                    &s.file,
                    &s.text,
                    "defaults",
                    "current_gpu",
                    format!("missing: workload {name:?} needs current_gpu (the GPU model its history ran on), in [defaults] or [workloads.{name}]"),
                ),
                None => InputError::file(
                    self.demand_file,
                    format!("workload {name:?} has no current_gpu: give a workloads file with [defaults] current_gpu"),
                ),
            });
        };
        if catalog.gpu(&gpu).is_none() {
            let known: Vec<&str> = catalog.gpus.iter().map(|g| g.name.as_str()).collect();
            return Err(self.err(
                "current_gpu",
                here!(self, current_gpu),
                format!(
                    "unknown GPU model {gpu:?}: expected one of {}",
                    known.join(", ")
                ),
            ));
        }
        Ok(gpu)
    }

    fn class(&self, c: &str) -> Result<WorkloadClass, InputError> {
        WorkloadClass::parse(c).ok_or_else(|| {
            self.err(
                "class",
                here!(self, class),
                format!("expected training, inference or experimentation, found {c:?}"),
            )
        })
    }

    fn cloud(&self, c: &str, key: &str, set: bool) -> Result<Cloud, InputError> {
        Cloud::parse(c)
            .ok_or_else(|| self.err(key, set, format!("expected aws, azure or gcp, found {c:?}")))
    }

    fn allowed_clouds(&self, r: &RawWorkload) -> Result<Option<Vec<Cloud>>, InputError> {
        let set = here!(self, allowed_clouds);
        let Some(cs) = &r.allowed_clouds else {
            return Ok(None);
        };
        if cs.is_empty() {
            return Err(self.err(
                "allowed_clouds",
                set,
                "is empty: expected at least one cloud (leave it out to allow all)".into(),
            ));
        }
        cs.iter()
            .map(|c| self.cloud(c, "allowed_clouds", set))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn home_cloud(&self, r: &RawWorkload) -> Result<Option<Cloud>, InputError> {
        r.home_cloud
            .as_deref()
            .map(|c| self.cloud(c, "home_cloud", here!(self, home_cloud)))
            .transpose()
    }

    /// `allowed_regions`: non-empty, each a region of some catalog offering.
    fn check_regions(&self, r: &RawWorkload, catalog: &Catalog) -> Result<(), InputError> {
        let Some(regions) = &r.allowed_regions else {
            return Ok(());
        };
        let set = here!(self, allowed_regions);
        if regions.is_empty() {
            return Err(self.err(
                "allowed_regions",
                set,
                "is empty: expected at least one region (leave it out to allow all)".into(),
            ));
        }
        if let Some(bad) = regions
            .iter()
            .find(|g| !catalog.offerings.iter().any(|o| &&o.region == g))
        {
            return Err(self.err(
                "allowed_regions",
                set,
                format!("unknown region {bad:?}: no offering of the catalog is in it"),
            ));
        }
        Ok(())
    }

    /// `current_offering`: an instance type of the catalog that carries `current_gpu`.
    fn check_current_offering(
        &self,
        r: &RawWorkload,
        gpu: &str,
        catalog: &Catalog,
    ) -> Result<(), InputError> {
        let Some(it) = &r.current_offering else {
            return Ok(());
        };
        let set = here!(self, current_offering);
        let gpus: Vec<&str> = catalog
            .offerings
            .iter()
            .filter(|o| &o.instance_type == it)
            .map(|o| o.gpu_model.as_str())
            .collect();
        if gpus.is_empty() {
            return Err(self.err(
                "current_offering",
                set,
                format!("unknown instance type {it:?}: expected an instance_type of offerings.csv"),
            ));
        }
        if !gpus.contains(&gpu) {
            return Err(self.err(
                "current_offering",
                set,
                format!(
                    "instance type {it} carries {} but current_gpu of workload {:?} is {gpu}",
                    gpus.join("/"),
                    self.name
                ),
            ));
        }
        Ok(())
    }

    /// `interruptible` and `max_spot_share` (a share in [0, 1]; 0 unless interruptible).
    fn spot(&self, r: &RawWorkload) -> Result<(bool, f64), InputError> {
        let interruptible = r.interruptible.unwrap_or(false);
        let share = r
            .max_spot_share
            .unwrap_or(if interruptible { 1.0 } else { 0.0 });
        let set = here!(self, max_spot_share);
        if !(0.0..=1.0).contains(&share) {
            return Err(self.err(
                "max_spot_share",
                set,
                format!("expected a share in [0, 1], found {}", bounds::show(share)),
            ));
        }
        if !interruptible && share > 0.0 {
            return Err(self.err(
                "max_spot_share",
                set,
                format!("is {share} but the workload is not interruptible: set interruptible = true or max_spot_share = 0"),
            ));
        }
        Ok((interruptible, share))
    }

    /// A value in `[0, max]` (0 when absent); `max` is a plausibility bound of
    /// `domain::bounds`, named in the error.
    fn nonneg(
        &self,
        v: Option<f64>,
        key: &str,
        set: bool,
        (what, max): (&str, f64),
    ) -> Result<f64, InputError> {
        let x = v.unwrap_or(0.0);
        if bounds::within(x, 0.0, max) {
            Ok(x)
        } else {
            Err(self.err(
                key,
                set,
                format!(
                    "expected {what} from 0 to {} (a plausibility bound), found {}",
                    bounds::show(max),
                    bounds::show(x)
                ),
            ))
        }
    }

    fn scale_to_zero(&self, r: &RawWorkload) -> Result<Vec<DailyWindow>, InputError> {
        r.scale_to_zero
            .iter()
            .flatten()
            .map(|s| {
                DailyWindow::parse(s).ok_or_else(|| {
                    self.err(
                        "scale_to_zero",
                        here!(self, scale_to_zero),
                        format!("expected daily UTC windows like \"22:00-06:00\", found {s:?}"),
                    )
                })
            })
            .collect()
    }
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

/// The outlook of every workload of the demand history (known events and churn override,
/// `docs/term.md`), in demand order: defaults merged with each workload's own table, every
/// value checked (dates, GPU model of a migration, ratios, probabilities).
pub fn resolve_outlooks(
    src: Option<&WorkloadsSource>,
    demand: &DemandHistory,
    demand_file: &Path,
    catalog: &Catalog,
) -> Result<Vec<crate::domain::outlook::Outlook>, InputError> {
    let empty = WorkloadsFile::default();
    let parsed = src.map_or(&empty, |s| &s.parsed);
    demand
        .workloads
        .iter()
        .map(|name| {
            let entry = Entry {
                src,
                demand_file,
                name,
                own: parsed.workloads.get(name),
            };
            let r = merge(
                &parsed.defaults,
                entry.own.unwrap_or(&RawWorkload::default()),
            );
            entry.outlook(&r, catalog)
        })
        .collect()
}

impl Entry<'_> {
    /// An instant field of the outlook (a date or an ISO-8601 timestamp on the hour).
    fn instant(&self, v: &str, key: &str, set: bool) -> Result<DateTime<Utc>, InputError> {
        crate::ingest::csvread::parse_instant(v, true)
            .filter(|t| crate::domain::time::on_the_hour(*t))
            .ok_or_else(|| {
                self.err(
                    key,
                    set,
                    format!(
                        "expected a date or an ISO-8601 UTC timestamp on the hour, found {v:?}"
                    ),
                )
            })
    }

    /// The workload's outlook: churn override and known events.
    fn outlook(
        &self,
        r: &RawWorkload,
        catalog: &Catalog,
    ) -> Result<crate::domain::outlook::Outlook, InputError> {
        use crate::domain::outlook::{Migration, Outlook, ScaleStep};
        if let Some(p) = r.end_probability.filter(|p| !(0.0..1.0).contains(p)) {
            return Err(self.err(
                "end_probability",
                here!(self, end_probability),
                format!("expected an annual probability in [0, 1), found {p}"),
            ));
        }
        let ends = r
            .ends
            .as_deref()
            .map(|v| self.instant(v, "ends", here!(self, ends)))
            .transpose()?;
        let ends_probability = r.ends_probability.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&ends_probability)
            || (ends.is_none() && r.ends_probability.is_some())
        {
            return Err(self.err(
                "ends_probability",
                here!(self, ends_probability),
                format!("expected a probability in [0, 1] together with `ends`, found {ends_probability}"),
            ));
        }
        let starts = match &r.starts {
            None => None,
            Some(l) => Some(self.launch(l, here!(self, starts))?),
        };
        let migrates = match &r.migrates {
            None => None,
            Some(m) => {
                let set = here!(self, migrates);
                if catalog.gpu(&m.to_gpu).is_none() {
                    return Err(self.err(
                        "migrates",
                        set,
                        format!("unknown GPU model {:?} in to_gpu", m.to_gpu),
                    ));
                }
                let gpu_ratio = m.gpu_ratio.unwrap_or(1.0);
                if !(gpu_ratio.is_finite() && gpu_ratio > 0.0) {
                    return Err(self.err(
                        "migrates",
                        set,
                        format!("expected gpu_ratio > 0, found {gpu_ratio}"),
                    ));
                }
                Some(Migration {
                    to_gpu: m.to_gpu.clone(),
                    at: self.instant(&m.at, "migrates", set)?,
                    gpu_ratio,
                })
            }
        };
        let mut scale = Vec::new();
        for st in r.scale.iter().flatten() {
            let set = here!(self, scale);
            if !(st.factor.is_finite() && st.factor >= 0.0) {
                return Err(self.err(
                    "scale",
                    set,
                    format!("expected factor >= 0, found {}", st.factor),
                ));
            }
            scale.push(ScaleStep {
                at: self.instant(&st.at, "scale", set)?,
                factor: st.factor,
            });
        }
        scale.sort_by_key(|s| s.at);
        Ok(Outlook {
            end_probability: r.end_probability,
            ends,
            ends_probability,
            starts,
            migrates,
            scale,
        })
    }

    /// `starts = { at, ramp, gpus }`.
    fn launch(
        &self,
        l: &RawLaunch,
        set: bool,
    ) -> Result<crate::domain::outlook::Launch, InputError> {
        let ramp_hours = match &l.ramp {
            None => 0.0,
            Some(v) => crate::ingest::scenario::parse_duration_hours(v).ok_or_else(|| {
                self.err(
                    "starts",
                    set,
                    format!("expected ramp like \"30d\" or \"72h\", found {v:?}"),
                )
            })? as f64,
        };
        if let Some(g) = l.gpus.filter(|g| !(g.is_finite() && *g >= 0.0)) {
            return Err(self.err("starts", set, format!("expected gpus >= 0, found {g}")));
        }
        Ok(crate::domain::outlook::Launch {
            at: self.instant(&l.at, "starts", set)?,
            ramp_hours,
            gpus: l.gpus,
        })
    }
}
