//! `gpuplan ingest focus …` and `gpuplan inventory …`: their clap argument structs and the
//! command functions. Each function returns the text for stdout; files are written whole or
//! not at all; nothing is printed here.

use crate::cli::Format;
use crate::domain::WorkloadClass;
use crate::error::{Error, InputError};
use crate::ingest::focus::write::{
    commitments_csv, demand_csv, focus_demand, workloads_skeleton, write_files_atomic,
};
use crate::ingest::focus::{read_focus, CostBasis, FocusIngest, FocusOptions, WorkloadBy};
use crate::inventory::{self, InventoryOptions};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// How FOCUS rows are grouped into workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkloadByArg {
    /// The value of the tag named by `--workload-tag`.
    Tag,
    /// The resource (ResourceId).
    Resource,
    /// The sub-account (AWS account, Azure subscription, Google Cloud project).
    #[value(alias = "sub-account")]
    Subaccount,
}

/// Cost column of a FOCUS export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostArg {
    /// EffectiveCost: commitments amortized into the usage they cover.
    Amortized,
    /// BilledCost: as invoiced.
    Billed,
}

/// How to read FOCUS exports (shared by both commands).
#[derive(Debug, Clone, clap::Args)]
pub struct FocusReadArgs {
    /// Group rows into workloads by a tag, the resource or the sub-account.
    #[arg(long, value_enum, default_value_t = WorkloadByArg::Tag)]
    pub workload_by: WorkloadByArg,
    /// Tag key naming the workload (with `--workload-by tag`).
    #[arg(long, value_name = "KEY", default_value = "workload")]
    pub workload_tag: String,
    /// Tag key holding the team.
    #[arg(long, value_name = "KEY", default_value = "team")]
    pub team_tag: String,
    /// Tag key holding the project.
    #[arg(long, value_name = "KEY", default_value = "project")]
    pub project_tag: String,
    /// Workload name for rows without a workload key.
    #[arg(long, value_name = "NAME", default_value = "untagged")]
    pub untagged: String,
    /// Cost column: amortized (EffectiveCost) or billed (BilledCost).
    #[arg(long, value_enum, default_value_t = CostArg::Amortized)]
    pub cost: CostArg,
    /// Catalog override directory (rows replace shipped rows with the same key).
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

impl FocusReadArgs {
    /// The reader options.
    pub fn options(&self) -> Result<FocusOptions, Error> {
        if self.workload_by == WorkloadByArg::Tag && self.workload_tag.trim().is_empty() {
            return Err(flag("--workload-tag", "is empty: expected a tag key"));
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

/// `gpuplan ingest focus FILE… --out DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestFocusArgs {
    /// FOCUS 1.0–1.3 cost-and-usage exports (CSV, or gzip-compressed CSV) and FOCUS 1.3
    /// ContractCommitment dataset files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Directory for demand.csv, commitments.csv and workloads.toml (created if missing;
    /// existing files are replaced, each whole or not at all).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How to read the exports.
    #[command(flatten)]
    pub read: FocusReadArgs,
}

/// `gpuplan inventory SCENARIO` or `gpuplan inventory --focus FILE…`.
#[derive(Debug, Clone, clap::Args)]
pub struct InventoryArgs {
    /// Scenario file (TOML): its demand on each workload's current offering (modeled cost).
    #[arg(value_name = "SCENARIO", required_unless_present = "focus")]
    pub scenario: Option<PathBuf>,
    /// FOCUS exports instead of a scenario (actual cost).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "scenario")]
    pub focus: Vec<PathBuf>,
    /// With --focus: a workloads.toml whose declared classes override the inferred ones.
    #[arg(long, value_name = "FILE", requires = "focus")]
    pub workloads: Option<PathBuf>,
    /// Throughput per workload and hour (`timestamp,workload,requests|tokens|training_runs`)
    /// for unit economics.
    #[arg(long, value_name = "CSV")]
    pub metrics: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Anomaly band half-width, in robust standard deviations (1.4826 × MAD).
    #[arg(long, value_name = "K", default_value_t = 3.0)]
    pub anomaly_k: f64,
    /// How many anomalies to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Flag a unit cost that worsens by more than this percentage week over week.
    #[arg(long, value_name = "PCT", default_value_t = 10.0)]
    pub regression_pct: f64,
    /// How to read the FOCUS exports.
    #[command(flatten)]
    pub read: FocusReadArgs,
}

fn flag(name: &str, msg: &str) -> Error {
    Error::Input(InputError::field("command line", name, None, msg))
}

/// Reads the exports and writes demand.csv, commitments.csv and the workloads.toml
/// skeleton into `--out`; returns a summary for stdout.
pub fn ingest_focus(args: &IngestFocusArgs) -> Result<String, Error> {
    let opts = args.read.options()?;
    let catalog = crate::ingest::catalog::load_catalog(args.read.catalog.as_deref())?;
    let ing = read_focus(&args.files, &catalog, &opts)?;
    let Some((history, meta)) = focus_demand(&ing) else {
        return Err(no_gpu(&ing));
    };
    let classes: Vec<(WorkloadClass, String)> = history
        .gpus
        .iter()
        .map(|c| {
            let (k, f) = inventory::infer_class(c);
            (k, f.describe())
        })
        .collect();
    let header = format!(
        "gpuplan workloads skeleton written by `gpuplan ingest focus` from {}.\nWorkload key: {}. Review class, interruptible and the adders before planning.",
        args.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        match &opts.workload_by {
            WorkloadBy::Tag(k) => format!("tag {k:?}"),
            WorkloadBy::Resource => "resource".into(),
            WorkloadBy::SubAccount => "sub-account".into(),
        }
    );
    let demand = demand_csv(&history);
    let commitments = commitments_csv(&ing);
    let skeleton = workloads_skeleton(&ing, &meta, &classes, &catalog, &header);
    // The outputs must read back: anything else is a bug, not bad input.
    let check = |r: Result<(), InputError>| {
        r.map_err(|e| {
            Error::Runtime(format!(
                "internal error: generated file does not read back: {e}"
            ))
        })
    };
    check(
        crate::ingest::demand::parse_demand(&args.out.join("demand.csv"), demand.as_bytes())
            .map(|_| ()),
    )?;
    check(
        crate::ingest::commitments::parse_commitments(
            &args.out.join("commitments.csv"),
            commitments.as_bytes(),
            &catalog,
        )
        .map(|_| ()),
    )?;
    check(
        crate::ingest::workloads::parse_workloads(&args.out.join("workloads.toml"), &skeleton)
            .map(|_| ()),
    )?;
    write_files_atomic(
        &args.out,
        &[
            ("demand.csv", demand),
            ("commitments.csv", commitments),
            ("workloads.toml", skeleton),
        ],
    )?;
    Ok(ingest_summary(&ing, &meta, &classes, args))
}

fn no_gpu(ing: &FocusIngest) -> Error {
    Error::Input(ing.no_gpu_usage_error())
}

fn ingest_summary(
    ing: &FocusIngest,
    meta: &[crate::ingest::focus::write::DemandWorkload],
    classes: &[(WorkloadClass, String)],
    args: &IngestFocusArgs,
) -> String {
    let mut s = String::new();
    for f in &ing.files {
        let _ = writeln!(
            s,
            "read {} (FOCUS {} {}{}): {} rows, {} GPU usage rows{}",
            f.path.display(),
            f.version,
            f.dataset,
            if f.gzip { ", gzip" } else { "" },
            f.rows,
            f.gpu_rows,
            if f.extras.is_empty() {
                String::new()
            } else {
                format!("; extra columns kept: {}", f.extras.join(", "))
            }
        );
    }
    if let Some(w) = ing.window {
        let _ = writeln!(
            s,
            "GPU usage {} .. {} ({} h), {} cost: GPU ${:.2}, hidden ${:.2}, credits ${:.2}",
            w.start.format("%Y-%m-%dT%H:%MZ"),
            w.end.format("%Y-%m-%dT%H:%MZ"),
            w.hours(),
            ing.cost_basis.as_str(),
            ing.totals.gpu_cost,
            ing.totals.hidden_cost,
            ing.totals.credits
        );
    }
    let _ = writeln!(
        s,
        "\nwrote {}/demand.csv ({} workloads)",
        args.out.display(),
        meta.len()
    );
    for (m, (c, why)) in meta.iter().zip(classes) {
        let _ = writeln!(
            s,
            "  {}: {} {:.1} GPU-hours, class {} ({}), storage ${:.4}/GPU-h, egress ${:.4}/GPU-h, overhead {:.1}%",
            m.name, m.gpu_model, m.gpu_hours, c.as_str(), why, m.storage_per_gpu_hour, m.egress_per_gpu_hour, m.overhead_pct
        );
    }
    let mapped = ing
        .commitments
        .iter()
        .filter(|c| c.mapped.is_some())
        .count();
    let _ = writeln!(
        s,
        "wrote {}/commitments.csv ({} of {} commitments mapped to catalog offers)",
        args.out.display(),
        mapped,
        ing.commitments.len()
    );
    for c in &ing.commitments {
        let _ = writeln!(
            s,
            "  {} [{}{}]: utilization {} ({}); {}",
            c.id,
            if c.commitment_type.is_empty() {
                "?"
            } else {
                &c.commitment_type
            },
            if c.category.is_empty() {
                String::new()
            } else {
                format!(", {}", c.category)
            },
            c.utilization()
                .map_or("-".into(), |u| format!("{:.1}%", u * 100.0)),
            c.basis.as_str(),
            if c.mapped.is_some() {
                c.note.clone()
            } else {
                format!("NOT MAPPED: {}", c.note)
            }
        );
    }
    let _ = writeln!(s, "wrote {}/workloads.toml (skeleton)", args.out.display());
    if !ing.warnings.is_empty() {
        let _ = writeln!(s, "\nwarnings:");
        for w in &ing.warnings {
            let _ = writeln!(s, "- {w}");
        }
    }
    s
}

/// The fleet inventory of a scenario or of FOCUS exports, as a table or JSON.
pub fn inventory(args: &InventoryArgs) -> Result<String, Error> {
    if !(args.anomaly_k.is_finite() && args.anomaly_k > 0.0) {
        return Err(flag(
            "--anomaly-k",
            &format!("expected a number > 0, found {}", args.anomaly_k),
        ));
    }
    if !(args.regression_pct.is_finite() && args.regression_pct >= 0.0) {
        return Err(flag(
            "--regression-pct",
            &format!("expected a percentage >= 0, found {}", args.regression_pct),
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
            let inp = crate::inputs::Inputs::load(sc, args.read.catalog.as_deref())?;
            inventory::from_inputs(&inp, metrics.as_ref(), &opts)?
        }
        (None, false) => {
            let catalog = crate::ingest::catalog::load_catalog(args.read.catalog.as_deref())?;
            let ing = read_focus(&args.focus, &catalog, &args.read.options()?)?;
            let mut declared = BTreeMap::new();
            if let Some(p) = &args.workloads {
                let src = crate::ingest::workloads::read_workloads(p)?;
                for (name, w) in &src.parsed.workloads {
                    if let Some(c) = w.class.as_deref() {
                        let k = WorkloadClass::parse(c).ok_or_else(|| {
                            Error::Input(crate::ingest::toml_de::field_err(
                                p,
                                &src.text,
                                &format!("workloads.{name}"),
                                "class",
                                format!(
                                    "expected training, inference or experimentation, found {c:?}"
                                ),
                            ))
                        })?;
                        declared.insert(name.clone(), k);
                    }
                }
            }
            inventory::from_focus(&ing, metrics.as_ref(), &declared, &opts)?
        }
        _ => {
            return Err(flag(
                "SCENARIO",
                "give either a scenario file or --focus FILE… (not both)",
            ))
        }
    };
    Ok(match args.format {
        Format::Table => crate::output::inventory::inventory_table(&inv),
        Format::Json => crate::output::inventory::inventory_json(&inv),
    })
}
