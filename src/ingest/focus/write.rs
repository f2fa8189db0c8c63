//! What `gpuplan ingest focus` writes: `demand.csv` (`timestamp,workload,gpus`),
//! `commitments.csv` (`offer_id,quantity_or_hourly,start,end`) and a `workloads.toml`
//! skeleton with the hidden-cost adders. Every file is built in memory and written whole or
//! not at all by `output::write`.

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
    toml_key(s)
}

/// A TOML basic string with every quote, backslash and control character escaped: valid
/// as a value and as a quoted key (a workload name taken from a tag value may hold a
/// newline; written raw it broke the table header).
pub fn toml_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a TOML comment: control characters (not allowed in comments) become spaces.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
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
        let _ = writeln!(s, "# {}", comment(l));
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
            let _ = writeln!(
                s,
                "class = {}  # inferred: {}",
                toml_str(c.as_str()),
                comment(why)
            );
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
            comment(&m.instance_types.join(", "))
        );
    }
    s
}

/// What `gpuplan ingest focus` writes, built in memory and checked to read back.
#[derive(Debug, Clone)]
pub struct IngestedFiles {
    /// The demand history's workloads, with their adders and GPU-hours.
    pub workloads: Vec<DemandWorkload>,
    /// Each workload's inferred class and why.
    pub classes: Vec<(WorkloadClass, String)>,
    /// `(file name, text)`: demand.csv, commitments.csv, workloads.toml.
    pub files: Vec<(&'static str, String)>,
}

/// Builds demand.csv, commitments.csv and the workloads.toml skeleton from read exports
/// (`sources` names the exports in the skeleton's header), and checks that each reads back
/// as `dir`'s file would: a file that does not is a bug, not bad input.
pub fn ingested_files(
    ing: &FocusIngest,
    catalog: &Catalog,
    opts: &super::FocusOptions,
    sources: &[PathBuf],
    dir: &Path,
) -> Result<IngestedFiles, Error> {
    let Some((history, meta)) = focus_demand(ing) else {
        return Err(Error::Input(ing.no_gpu_usage_error()));
    };
    let classes: Vec<(WorkloadClass, String)> = history
        .gpus
        .iter()
        .map(|c| {
            let (k, f) = crate::domain::classify(c);
            (k, f.describe())
        })
        .collect();
    let header = format!(
        "gpuplan workloads skeleton written by `gpuplan ingest focus` from {}.\nWorkload key: {}. Review class, interruptible and the adders before planning.",
        sources.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        match &opts.workload_by {
            super::WorkloadBy::Tag(k) => format!("tag {k:?}"),
            super::WorkloadBy::Resource => "resource".into(),
            super::WorkloadBy::SubAccount => "sub-account".into(),
        }
    );
    check_values(ing, &history, &meta)?;
    let demand = demand_csv(&history);
    let commitments = commitments_csv(ing);
    let skeleton = workloads_skeleton(ing, &meta, &classes, catalog, &header);
    let check = |r: Result<(), crate::error::InputError>| {
        r.map_err(|e| {
            Error::Runtime(format!(
                "internal error: generated file does not read back: {e}"
            ))
        })
    };
    check(
        crate::ingest::demand::parse_demand(&dir.join("demand.csv"), demand.as_bytes()).map(|_| ()),
    )?;
    check(
        crate::ingest::commitments::parse_commitments(
            &dir.join("commitments.csv"),
            commitments.as_bytes(),
            catalog,
        )
        .map(|_| ()),
    )?;
    check(
        crate::ingest::workloads::parse_workloads(&dir.join("workloads.toml"), &skeleton)
            .map(|_| ()),
    )?;
    Ok(IngestedFiles {
        workloads: meta,
        classes,
        files: vec![
            ("demand.csv", demand),
            ("commitments.csv", commitments),
            ("workloads.toml", skeleton),
        ],
    })
}

/// Every value `ingest focus` is about to write, checked against the bounds its reader
/// applies, and reported at the export row it came from (the first row of its series,
/// workload or commitment): a sum of rows can pass a bound each row keeps. The read-back
/// of the written files stays as the last guard.
fn check_values(
    ing: &FocusIngest,
    history: &DemandHistory,
    meta: &[DemandWorkload],
) -> Result<(), Error> {
    use crate::domain::bounds;
    let origin_of = |workload: &str, model: Option<&str>| {
        ing.series
            .iter()
            .filter(|s| s.workload == workload && model.is_none_or(|m| s.gpu_model == m))
            .filter_map(|s| s.origin.clone())
            .min_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)))
    };
    let at = |o: Option<super::RowOrigin>, msg: String| -> Error {
        Error::Input(match o {
            Some(o) => o.err(msg),
            None => crate::error::InputError::file(
                ing.files
                    .first()
                    .map_or(Path::new("export"), |f| f.path.as_path()),
                msg,
            ),
        })
    };
    if history.window.hours() as i64 > crate::ingest::demand::MAX_HISTORY_HOURS {
        return Err(at(
            ing.series.iter().find_map(|s| s.origin.clone()),
            format!(
                "GPU usage spans {} hours ({} to {}): expected at most {} (5 years); check the years of the charge periods",
                history.window.hours(),
                history.window.start.format("%Y-%m-%d"),
                history.window.end.format("%Y-%m-%d"),
                crate::ingest::demand::MAX_HISTORY_HOURS
            ),
        ));
    }
    for (i, m) in meta.iter().enumerate() {
        let peak = history.gpus[i].iter().copied().fold(0.0, f64::max);
        if peak > bounds::MAX_GPUS {
            return Err(at(
                origin_of(&m.source, Some(&m.gpu_model)),
                format!(
                    "workload {:?} uses {} GPUs in one hour (its rows summed; this is its first row): expected at most {} (a plausibility bound)",
                    m.name,
                    bounds::show(peak),
                    bounds::show(bounds::MAX_GPUS)
                ),
            ));
        }
        let hidden = ing.workload(&m.source).and_then(|w| w.origin.clone());
        for (key, v, max) in [
            (
                "storage_per_gpu_hour",
                m.storage_per_gpu_hour,
                bounds::MAX_ADDER_PER_GPU_HOUR_USD,
            ),
            (
                "egress_per_gpu_hour",
                m.egress_per_gpu_hour,
                bounds::MAX_ADDER_PER_GPU_HOUR_USD,
            ),
            ("overhead_pct", m.overhead_pct, bounds::MAX_OVERHEAD_PCT),
        ] {
            if !bounds::within(v, 0.0, max) {
                return Err(at(
                    hidden.clone().or_else(|| origin_of(&m.source, None)),
                    format!(
                        "workload {:?}: its non-GPU costs over its {} GPU-hours give {key} = {}: expected at most {} (a plausibility bound; this is its first such row)",
                        m.name,
                        bounds::show(m.gpu_hours),
                        bounds::show(v),
                        bounds::show(max)
                    ),
                ));
            }
        }
    }
    check_commitments(ing, &at)
}

/// The mapped commitments' sizes and dates, as `commitments.csv` will hold them.
fn check_commitments(
    ing: &FocusIngest,
    at: &dyn Fn(Option<super::RowOrigin>, String) -> Error,
) -> Result<(), Error> {
    use crate::domain::bounds;
    for c in &ing.commitments {
        let Some(m) = &c.mapped else { continue };
        let unit = c.kind == Some(crate::domain::CommitmentKind::Unit);
        let (what, max) = if unit {
            ("instances", bounds::MAX_OWNED_INSTANCES)
        } else {
            ("USD per hour", bounds::MAX_OWNED_HOURLY_USD)
        };
        // As written: at most 4 decimals, whole instances for a unit commitment.
        let written: f64 = fmt_num(m.quantity_or_hourly, 4).parse().unwrap_or(0.0);
        let size_ok = written > 0.0 && written <= max && (!unit || written.fract() == 0.0);
        if !size_ok || m.end <= m.start {
            return Err(at(
                c.origin.clone(),
                format!(
                    "commitment {:?} measures {} {what} from {} to {}: expected more than 0 and at most {} over a non-empty term (a plausibility bound)",
                    c.id,
                    bounds::show(m.quantity_or_hourly),
                    m.start.format("%Y-%m-%d"),
                    m.end.format("%Y-%m-%d"),
                    bounds::show(max)
                ),
            ));
        }
    }
    Ok(())
}

/// `scenario.toml` for the files of [`ingested_files`]: the three files by relative path
/// (they sit beside it), a planning window over the export's GPU usage span, and the
/// catalog directory when one was given (absolute, since it lies outside the output
/// directory). `gpuplan plan DIR/scenario.toml` runs on it as written; it is checked to parse
/// as `dir`'s file would.
pub fn scenario_file(
    ing: &FocusIngest,
    sources: &[PathBuf],
    catalog_dir: Option<&Path>,
    dir: &Path,
) -> Result<String, Error> {
    let Some(window) = ing.window else {
        return Err(Error::Input(ing.no_gpu_usage_error()));
    };
    let ts = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| "focus-ingest".into());
    let sources: Vec<String> = sources.iter().map(|p| p.display().to_string()).collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# gpuplan scenario written by `gpuplan ingest focus` from {}.\n# Next: `gpuplan plan` on this file. Review workloads.toml (classes, interruptible, adders)\n# first; every key of a scenario is described in gpuplan's README (\"Inputs\").\n",
        comment(&sources.join(", "))
    );
    let _ = writeln!(s, "name = {}", toml_str(&name));
    let _ = writeln!(
        s,
        "description = {}",
        toml_str(&format!(
            "FOCUS export, {} GPU workloads, {} h of GPU usage",
            ing.gpu_workloads().len(),
            window.hours()
        ))
    );
    let _ = writeln!(s, "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"");
    let _ = writeln!(
        s,
        "# Commitments already owned ({} of {} detected were mapped to catalog offers).\ncommitments = \"commitments.csv\"",
        ing.commitments.iter().filter(|c| c.mapped.is_some()).count(),
        ing.commitments.len()
    );
    if let Some(c) = catalog_dir {
        let abs = std::fs::canonicalize(c).unwrap_or_else(|_| c.to_path_buf());
        let _ = writeln!(s, "catalog = {}", toml_str(&abs.display().to_string()));
    }
    let _ = writeln!(
        s,
        "\n# The planning window: the export's GPU usage span. Narrow it (or use lookback = \"14d\")\n# to plan on recent demand; mask outages with mask = [{{ start, end, reason }}].\n[window]\nstart = \"{}\"\nend = \"{}\"",
        ts(window.start),
        ts(window.end)
    );
    crate::ingest::scenario::parse_scenario(&dir.join("scenario.toml"), &s).map_err(|e| {
        Error::Runtime(format!(
            "internal error: generated file does not read back: {e}"
        ))
    })?;
    Ok(s)
}
