//! Streaming check: a generated FOCUS export of about 2 GB (`write_large`, not committed) is
//! read in bounded memory. Reports rows/second and the process's peak RSS (VmHWM). Ignored
//! by default (it writes 2 GB to a temporary directory); run with
//!
//! `cargo test --release --test focus_stream -- --ignored --nocapture`
//!
//! `GPUPLAN_STREAM_BYTES` sets the size (default 2,000,000,000); `GPUPLAN_STREAM_DIR` the
//! directory (default the system temporary directory).

use gpuplan::ingest::catalog::load_catalog;
use gpuplan::ingest::focus::{read_focus, FocusOptions};
use gpuplan::synth::focus::write_large;
use std::io::BufWriter;
use std::time::Instant;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[test]
fn small_generated_export_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("small.csv");
    let (rows, _) = write_large(
        2_000_000,
        &mut BufWriter::new(std::fs::File::create(&p).unwrap()),
    )
    .unwrap();
    let ing = read_focus(&[p], &load_catalog(None).unwrap(), &FocusOptions::default()).unwrap();
    assert_eq!(ing.rows, rows);
    // 48 of every 64 rows are GPU usage.
    assert!(ing.gpu_rows >= rows * 48 / 64 - 48);
    assert_eq!(ing.gpu_workloads().len(), 48);
    assert!(ing.commitments.iter().any(|c| c.id.ends_with("sp-1")));
}

#[test]
#[ignore = "writes ~2 GB: run by hand"]
fn two_gigabyte_export_streams() {
    let bytes: u64 = std::env::var("GPUPLAN_STREAM_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000_000);
    let dir = match std::env::var("GPUPLAN_STREAM_DIR") {
        Ok(d) => tempfile::tempdir_in(d).unwrap(),
        Err(_) => tempfile::tempdir().unwrap(),
    };
    let p = dir.path().join("big.csv");
    let t = Instant::now();
    let (rows, written) = write_large(
        bytes,
        &mut BufWriter::with_capacity(1 << 20, std::fs::File::create(&p).unwrap()),
    )
    .unwrap();
    println!(
        "generated {rows} rows, {written} bytes in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let before = vm_hwm_kib();
    let cat = load_catalog(None).unwrap();
    let t = Instant::now();
    let ing = read_focus(&[p], &cat, &FocusOptions::default()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let hwm = vm_hwm_kib();
    println!(
        "read {} rows ({} GPU rows, {} series, {} h) in {:.2} s: {:.0} rows/s, {:.0} MB/s; peak RSS {} MiB (before reading {} MiB)",
        ing.rows,
        ing.gpu_rows,
        ing.series.len(),
        ing.window.map_or(0, |w| w.hours()),
        secs,
        ing.rows as f64 / secs,
        written as f64 / secs / 1e6,
        hwm / 1024,
        before / 1024
    );
    assert_eq!(ing.rows, rows);
    assert!(hwm < 512 * 1024, "peak RSS {hwm} KiB");
}

/// With `GPUPLAN_STREAM_FILE=path`: writes the generated export there (kept), for
/// measuring the reader alone (`read_generated_export`) or the CLI under `/usr/bin/time`.
#[test]
#[ignore = "writes a large file: run by hand"]
fn generate_export_file() {
    let p = std::env::var("GPUPLAN_STREAM_FILE").expect("GPUPLAN_STREAM_FILE");
    let bytes: u64 = std::env::var("GPUPLAN_STREAM_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000_000);
    let (rows, written) = write_large(
        bytes,
        &mut BufWriter::with_capacity(1 << 20, std::fs::File::create(&p).unwrap()),
    )
    .unwrap();
    println!("generated {rows} rows, {written} bytes in {p}");
}

/// With `GPUPLAN_STREAM_FILE=path`: reads it and reports rows/s and peak RSS.
#[test]
#[ignore = "reads a large file: run by hand"]
fn read_generated_export() {
    let p = std::path::PathBuf::from(
        std::env::var("GPUPLAN_STREAM_FILE").expect("GPUPLAN_STREAM_FILE"),
    );
    let bytes = std::fs::metadata(&p).unwrap().len();
    let cat = load_catalog(None).unwrap();
    let t = Instant::now();
    let ing = read_focus(&[p], &cat, &FocusOptions::default()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "read {} rows ({} GPU rows) in {:.2} s: {:.0} rows/s, {:.0} MB/s; peak RSS {} MiB",
        ing.rows,
        ing.gpu_rows,
        secs,
        ing.rows as f64 / secs,
        bytes as f64 / secs / 1e6,
        vm_hwm_kib() / 1024
    );
}
