//! A FOCUS export synthesized from a known demand history ingests back to the same demand
//! (within the 6 decimals demand.csv keeps), plain and gzip; the `ingest focus` command
//! writes files that the scenario loaders accept.

use gpuplan::domain::DemandHistory;
use gpuplan::ingest::catalog::load_catalog;
use gpuplan::ingest::demand::{parse_demand, read_demand};
use gpuplan::ingest::focus::write::{demand_csv, focus_demand};
use gpuplan::ingest::focus::{read_focus, FocusOptions};
use gpuplan::synth::focus::write_from_demand;
mod common;

use common::cli::{ingest_focus, IngestFocusArgs};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn helios() -> DemandHistory {
    read_demand(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/focus/traces/helios_earth_2w.csv"),
    )
    .unwrap()
}

fn cells(d: &DemandHistory) -> HashMap<(i64, String), f64> {
    let mut m = HashMap::new();
    for (w, name) in d.workloads.iter().enumerate() {
        for t in 0..d.window.hours() {
            let g = d.gpus[w][t];
            if g != 0.0 {
                m.insert((d.window.hour(t).timestamp(), name.clone()), g);
            }
        }
    }
    m
}

fn synth(d: &DemandHistory, path: &Path, gzip: bool, storage: f64) {
    let cat = load_catalog(None).unwrap();
    let o = cat
        .offerings
        .iter()
        .find(|o| o.instance_type == "p4de.24xlarge")
        .unwrap();
    let mut buf = Vec::new();
    write_from_demand(d, o, "workload", storage, &mut buf).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    if gzip {
        let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        e.write_all(&buf).unwrap();
        e.finish().unwrap();
    } else {
        f.write_all(&buf).unwrap();
    }
}

#[test]
fn synthesized_export_round_trips_to_the_same_demand() {
    let d = helios();
    let dir = tempfile::tempdir().unwrap();
    for gzip in [false, true] {
        let p = dir.path().join(if gzip { "e.csv.gz" } else { "e.csv" });
        // Storage 0.02 $/h per workload and hour → storage_per_gpu_hour = 0.02 × 336 / GPU-h.
        synth(&d, &p, gzip, 0.02);
        let ing = read_focus(&[p], &load_catalog(None).unwrap(), &FocusOptions::default()).unwrap();
        let (back, meta) = focus_demand(&ing).unwrap();
        // Through demand.csv (6 decimals) and its parser, as a scenario would read it.
        let text = demand_csv(&back);
        let back = parse_demand(Path::new("demand.csv"), text.as_bytes()).unwrap();
        let (a, b) = (cells(&d), cells(&back));
        assert_eq!(a.len(), b.len());
        for (k, v) in &a {
            let w = b.get(k).copied().unwrap_or(0.0);
            assert!((v - w).abs() <= 1e-6, "{k:?}: {v} vs {w}");
        }
        let total: f64 = d.total_gpu_hours();
        assert!((back.total_gpu_hours() - total).abs() < 1e-3);
        for m in &meta {
            let i = d.index_of(&m.name).unwrap();
            let gh: f64 = d.gpus[i].iter().sum();
            assert!(
                (m.storage_per_gpu_hour - 0.02 * 336.0 / gh).abs() < 1e-9,
                "{}",
                m.name
            );
            assert_eq!(m.gpu_model, "A100-80GB");
        }
    }
}

#[test]
fn ingest_command_writes_files_the_scenario_loaders_accept() {
    let d = helios();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.csv");
    synth(&d, &p, false, 0.0);
    let out = dir.path().join("out");
    let args = IngestFocusArgs {
        files: vec![p],
        out: out.clone(),
    };
    let summary = ingest_focus(&args).unwrap();
    assert!(summary.contains("wrote"), "{summary}");
    let demand = read_demand(&out.join("demand.csv")).unwrap();
    assert_eq!(demand.workloads.len(), 16);
    let cat = load_catalog(None).unwrap();
    let wl = gpuplan::ingest::workloads::read_workloads(&out.join("workloads.toml")).unwrap();
    let (ws, unknown) = gpuplan::ingest::workloads::resolve_workloads(
        Some(&wl),
        &demand,
        &out.join("demand.csv"),
        &cat,
    )
    .unwrap();
    assert!(unknown.is_empty());
    assert!(ws
        .iter()
        .all(|w| w.current_gpu == "A100-80GB" && !w.class_inferred));
    assert!(ws
        .iter()
        .all(|w| w.current_offering.as_deref() == Some("p4de.24xlarge")));
    // Helios virtual clusters are training clusters: the skeleton says so for most.
    let training = ws
        .iter()
        .filter(|w| w.class == gpuplan::domain::WorkloadClass::Training)
        .count();
    assert!(training >= 12, "{training} of 16 inferred as training");
    assert!(std::fs::read_to_string(out.join("commitments.csv"))
        .unwrap()
        .starts_with("offer_id,"));
    // Nothing but the four files (no temporaries left).
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "commitments.csv",
            "demand.csv",
            "scenario.toml",
            "workloads.toml"
        ]
    );
}
