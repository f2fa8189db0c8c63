//! The `ingest focus` command's summary writer.

use crate::domain::WorkloadClass;
use crate::ingest::focus::write::DemandWorkload;
use crate::ingest::focus::FocusIngest;
use std::fmt::Write as _;
use std::path::Path;

/// The summary `gpuplan ingest focus` prints: files read, the GPU usage window and cost,
/// each workload and commitment written, and the reader's warnings.
pub fn ingest_summary(
    ing: &FocusIngest,
    meta: &[DemandWorkload],
    classes: &[(WorkloadClass, String)],
    out: &Path,
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
        out.display(),
        meta.len()
    );
    for (m, (c, why)) in meta.iter().zip(classes) {
        let _ = writeln!(
            s,
            "  {}: {} {:.1} GPU-hours, class {} ({}), storage ${:.4}/GPU-h, egress ${:.4}/GPU-h, overhead {:.1}%",
            super::format::printable(&m.name), m.gpu_model, m.gpu_hours, c.as_str(), why, m.storage_per_gpu_hour, m.egress_per_gpu_hour, m.overhead_pct
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
        out.display(),
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
    let _ = writeln!(s, "wrote {}/workloads.toml (skeleton)", out.display());
    let _ = writeln!(
        s,
        "wrote {0}/scenario.toml (next: gpuplan plan {0}/scenario.toml)",
        out.display()
    );
    if !ing.warnings.is_empty() {
        let _ = writeln!(s, "\nwarnings:");
        for w in &ing.warnings {
            let _ = writeln!(s, "- {w}");
        }
    }
    s
}
