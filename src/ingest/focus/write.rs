//! What `gpuplan ingest focus` writes: `demand.csv` (`timestamp,workload,gpus`),
//! `commitments.csv` (`offer_id,quantity_or_hourly,start,end`) and a `workloads.toml`
//! skeleton with the hidden-cost adders. Every file is built in memory and written whole or
//! not at all ([`write_files_atomic`]).

use super::{FocusIngest, Pricing};
use crate::domain::{Catalog, Cloud, DemandHistory, WorkloadClass};
use crate::error::Error;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One workload of the derived demand (a FOCUS workload on one GPU model).
#[derive(Debug, Clone, PartialEq)]
pub struct DemandWorkload {
    /// Name in demand.csv: the workload key, or `key@MODEL` when the key ran on several
    /// GPU models.
    pub name: String,
    /// The FOCUS workload key.
    pub source: String,
    /// GPU model.
    pub gpu_model: String,
    /// Team tag.
    pub team: Option<String>,
    /// Project tag.
    pub project: Option<String>,
    /// Cloud with the most GPU-hours.
    pub home_cloud: Cloud,
    /// Instance types by GPU-hours, largest first.
    pub instance_types: Vec<String>,
    /// GPU-hours.
    pub gpu_hours: f64,
    /// GPU cost (chosen basis), USD.
    pub gpu_cost: f64,
    /// Share of GPU-hours on spot.
    pub spot_share: f64,
    /// Share of GPU-hours under commitments.
    pub committed_share: f64,
    /// Storage USD per GPU-hour (the workload key's storage lines ÷ its GPU-hours).
    pub storage_per_gpu_hour: f64,
    /// Networking USD per GPU-hour.
    pub egress_per_gpu_hour: f64,
    /// Data processing cost as a percentage of GPU compute cost.
    pub overhead_pct: f64,
}

/// Per (workload, GPU model): curve, cost, spot and committed GPU-hours, GPU-hours by
/// instance type and by cloud.
type PerModel = (
    Vec<f64>,
    f64,
    f64,
    f64,
    BTreeMap<String, f64>,
    BTreeMap<Cloud, f64>,
);

/// The hourly demand of the export's GPU workloads and their attributes; `None` when the
/// export has no GPU usage.
pub fn focus_demand(ing: &FocusIngest) -> Option<(DemandHistory, Vec<DemandWorkload>)> {
    let window = ing.window?;
    let n = window.hours();
    // (workload, model) → curve and attributes.
    let mut by: BTreeMap<(String, String), PerModel> = BTreeMap::new();
    for s in &ing.series {
        let e = by
            .entry((s.workload.clone(), s.gpu_model.clone()))
            .or_insert_with(|| {
                (
                    vec![0.0; n],
                    0.0,
                    0.0,
                    0.0,
                    BTreeMap::new(),
                    BTreeMap::new(),
                )
            });
        for (a, b) in e.0.iter_mut().zip(&s.gpu_hours) {
            *a += b;
        }
        let gh = s.total_gpu_hours();
        e.1 += s.total_cost();
        if s.pricing == Pricing::Spot {
            e.2 += gh;
        }
        if s.pricing == Pricing::Committed {
            e.3 += gh;
        }
        *e.4.entry(s.instance_type.clone()).or_default() += gh;
        *e.5.entry(s.cloud).or_default() += gh;
    }
    let mut models_of: BTreeMap<String, usize> = BTreeMap::new();
    for (w, _) in by.keys() {
        *models_of.entry(w.clone()).or_default() += 1;
    }
    let mut total_gh: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for ((w, _), e) in &by {
        let t = total_gh.entry(w.clone()).or_default();
        t.0 += e.0.iter().sum::<f64>();
        t.1 += e.1;
    }
    let mut names = Vec::new();
    let mut curves = Vec::new();
    let mut meta = Vec::new();
    for ((w, model), (curve, cost, spot, committed, its, clouds)) in by {
        let name = if models_of[&w] > 1 {
            format!("{w}@{model}")
        } else {
            w.clone()
        };
        let gh: f64 = curve.iter().sum();
        let wc = ing.workload(&w).cloned().unwrap_or_default();
        let (tot_gh, tot_cost) = total_gh[&w];
        let per = |x: f64| if tot_gh > 0.0 { x / tot_gh } else { 0.0 };
        let mut its: Vec<(String, f64)> = its.into_iter().collect();
        its.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let home = clouds
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(c, _)| *c)
            .unwrap_or(Cloud::Aws);
        meta.push(DemandWorkload {
            name: name.clone(),
            source: w.clone(),
            gpu_model: model,
            team: wc.team.clone(),
            project: wc.project.clone(),
            home_cloud: home,
            instance_types: its.into_iter().map(|x| x.0).collect(),
            gpu_hours: gh,
            gpu_cost: cost,
            spot_share: if gh > 0.0 { spot / gh } else { 0.0 },
            committed_share: if gh > 0.0 { committed / gh } else { 0.0 },
            storage_per_gpu_hour: per(wc.storage).max(0.0),
            egress_per_gpu_hour: per(wc.network).max(0.0),
            overhead_pct: if tot_cost > 0.0 {
                (wc.processing / tot_cost * 100.0).max(0.0)
            } else {
                0.0
            },
        });
        names.push(name);
        curves.push(curve.into_iter().map(|g| g.max(0.0)).collect());
    }
    Some((
        DemandHistory {
            window,
            workloads: names,
            gpus: curves,
            rows: 0,
        },
        meta,
    ))
}

/// Formats a number with at most `dp` decimals, without trailing zeros.
pub fn fmt_num(v: f64, dp: usize) -> String {
    let s = format!("{:.*}", dp, v);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// `demand.csv`: every hour of the window for every workload (zeros included), GPUs with
/// at most 6 decimals.
pub fn demand_csv(d: &DemandHistory) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["timestamp", "workload", "gpus"]);
    for t in 0..d.window.hours() {
        let ts = d.window.hour(t).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        for (i, name) in d.workloads.iter().enumerate() {
            let _ = w.write_record([ts.as_str(), name.as_str(), &fmt_num(d.gpus[i][t], 6)]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `commitments.csv`: the commitments mapped to a catalog offer.
pub fn commitments_csv(ing: &FocusIngest) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["offer_id", "quantity_or_hourly", "start", "end"]);
    for c in &ing.commitments {
        if let Some(m) = &c.mapped {
            let _ = w.write_record([
                m.offer_id.as_str(),
                &fmt_num(m.quantity_or_hourly, 4),
                &m.start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                &m.end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The workloads.toml skeleton: per workload `current_gpu`, `class` (with the inference
/// reason as a comment), `current_offering` when the catalog has it, `home_cloud`,
/// `team`/`project`, the hidden-cost adders, and `interruptible` when it already ran on spot.
pub fn workloads_skeleton(
    ing: &FocusIngest,
    meta: &[DemandWorkload],
    classes: &[(WorkloadClass, String)],
    catalog: &Catalog,
    header: &str,
) -> String {
    let mut s = String::new();
    for l in header.lines() {
        let _ = writeln!(s, "# {l}");
    }
    let _ = writeln!(
        s,
        "# Hidden costs: the non-GPU lines with the same workload key (cost basis: {}) per GPU-hour:\n#   storage_per_gpu_hour = Storage lines; egress_per_gpu_hour = Networking lines (gpuplan\n#   charges it only when a plan moves the workload away from home_cloud); overhead_pct = data\n#   processing lines (non-GPU compute, analytics, databases, AI/ML) as % of GPU compute cost.\n",
        ing.cost_basis.as_str()
    );
    let _ = writeln!(s, "[defaults]\n");
    for (i, m) in meta.iter().enumerate() {
        let _ = writeln!(s, "[workloads.{}]", toml_str(&m.name));
        let _ = writeln!(s, "current_gpu = {}", toml_str(&m.gpu_model));
        if let Some((c, why)) = classes.get(i) {
            let _ = writeln!(s, "class = {}  # inferred: {why}", toml_str(c.as_str()));
        }
        if let Some(it) = m.instance_types.iter().find(|it| {
            catalog
                .offerings
                .iter()
                .any(|o| &o.instance_type == *it && o.gpu_model == m.gpu_model)
        }) {
            let _ = writeln!(s, "current_offering = {}", toml_str(it));
        }
        let _ = writeln!(s, "home_cloud = {}", toml_str(m.home_cloud.as_str()));
        if let Some(t) = &m.team {
            let _ = writeln!(s, "team = {}", toml_str(t));
        }
        if let Some(p) = &m.project {
            let _ = writeln!(s, "project = {}", toml_str(p));
        }
        let _ = writeln!(
            s,
            "storage_per_gpu_hour = {}\negress_per_gpu_hour = {}\noverhead_pct = {}",
            fmt_num(m.storage_per_gpu_hour, 6),
            fmt_num(m.egress_per_gpu_hour, 6),
            fmt_num(m.overhead_pct, 3)
        );
        if m.spot_share > 0.0 {
            let _ = writeln!(
                s,
                "interruptible = true  # {:.0}% of its GPU-hours ran on spot\nmax_spot_share = {}",
                m.spot_share * 100.0,
                fmt_num((m.spot_share * 100.0).ceil() / 100.0, 2)
            );
        }
        let _ = writeln!(
            s,
            "# {:.1} GPU-hours, ${:.2} GPU cost ({:.0}% committed, {:.0}% spot) on {}\n",
            m.gpu_hours,
            m.gpu_cost,
            m.committed_share * 100.0,
            m.spot_share * 100.0,
            m.instance_types.join(", ")
        );
    }
    s
}

/// Writes files into `dir` (created if missing) whole or not at all: each goes to a
/// temporary file beside its target first; only when every one is written are they renamed
/// into place. On any error nothing is left behind and no target is touched.
pub fn write_files_atomic(dir: &Path, files: &[(&str, String)]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Runtime(format!(
            "{}: cannot create the output directory: {e}",
            dir.display()
        ))
    })?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (t, _) in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (name, text) in files {
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, text) {
            let _ = std::fs::remove_file(&tmp);
            cleanup(&temps);
            return Err(Error::Runtime(format!(
                "{}: cannot write: {e}",
                target.display()
            )));
        }
        temps.push((tmp, target));
    }
    for (i, (tmp, target)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, target) {
            cleanup(&temps[i..]);
            return Err(Error::Runtime(format!(
                "{}: cannot write: {e}",
                target.display()
            )));
        }
    }
    Ok(())
}
