//! Malformed FOCUS input is bad input (exit code 2) reported on one line naming the file,
//! the line and the column; no output file is written when the input is bad.

mod common;

use common::cli::{ingest_focus, IngestFocusArgs};
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = "ChargeCategory,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ConsumedQuantity,ConsumedUnit,ProviderName,RegionId,SkuPriceDetails,Tags,ContractApplied";

fn good_row() -> String {
    r#"Usage,2025-01-01T00:00:00Z,2025-01-01T01:00:00Z,55.04,55.04,55.04,1,Hours,AWS,us-east-1,"{""InstanceType"": ""p5.48xlarge""}","{""workload"": ""w""}","#
        .to_string()
}

fn args(file: PathBuf, out: PathBuf) -> IngestFocusArgs {
    IngestFocusArgs {
        files: vec![file],
        out,
    }
}

/// Runs `ingest focus` on `body`; returns the error text (asserting exit-code-2 class, one
/// line, and that no output was written).
fn fails(name: &str, body: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(name);
    std::fs::write(&f, body).unwrap();
    let out = dir.path().join("out");
    let e = ingest_focus(&args(f.clone(), out.clone())).expect_err("must fail");
    assert_eq!(e.exit_code(), 2);
    let s = e.to_string();
    assert!(!s.contains('\n'), "not one line: {s}");
    assert!(s.starts_with(&f.display().to_string()), "{s}");
    assert!(!out.exists(), "output written on bad input");
    s.strip_prefix(&f.display().to_string())
        .unwrap()
        .to_string()
}

fn csv(rows: &[String]) -> Vec<u8> {
    format!("{HEADER}\n{}\n", rows.join("\n")).into_bytes()
}

#[test]
fn a_good_row_reads() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ok.csv");
    std::fs::write(&f, csv(&[good_row()])).unwrap();
    ingest_focus(&args(f, dir.path().join("out"))).unwrap();
}

#[test]
fn malformed_cells_name_line_and_column() {
    let bad_time = good_row().replace("2025-01-01T00:00:00Z", "2025-13-01T00:00:00Z");
    assert_eq!(
        fails("t.csv", &csv(&[good_row(), bad_time])),
        ":3:2: column 'ChargePeriodStart': expected a date-time like 2024-09-01T00:00:00Z, found \"2025-13-01T00:00:00Z\""
    );
    let bad_hour = good_row().replace("2025-01-01T01:00:00Z", "2025-01-01T30:00:00Z");
    assert!(fails("h.csv", &csv(&[bad_hour])).starts_with(":2:3: column 'ChargePeriodEnd'"));
    let bad_cost = good_row().replacen("55.04", "12,3", 1);
    // "12,3" unquoted makes one more field than the header.
    assert_eq!(
        fails("c.csv", &csv(&[bad_cost])),
        ":2: expected 13 fields like the header, found 14"
    );
    let bad_num = good_row().replacen("55.04", "abc", 1);
    assert_eq!(
        fails("n.csv", &csv(&[bad_num])),
        ":2:4: column 'BilledCost': expected a decimal number, found \"abc\""
    );
    let bad_tags = good_row().replace(r#""{""workload"": ""w""}""#, "team=ml");
    assert!(fails("g.csv", &csv(&[bad_tags]))
        .starts_with(":2:12: column 'Tags': expected a JSON object of tags"));
    let no_cat = format!(",{}", good_row().split_once(',').unwrap().1);
    assert!(fails("k.csv", &csv(&[no_cat])).starts_with(":2:1: column 'ChargeCategory': is empty"));
    let bad_applied = format!("{}not json", good_row());
    assert!(fails("a.csv", &csv(&[bad_applied]))
        .starts_with(":2:13: column 'ContractApplied': expected JSON"));
    let backwards = good_row().replace("2025-01-01T01:00:00Z", "2024-12-31T23:00:00Z");
    assert_eq!(
        fails("b.csv", &csv(&[backwards])),
        ":2:3: column 'ChargePeriodEnd': is before ChargePeriodStart"
    );
}

#[test]
fn crlf_line_endings_name_the_same_lines() {
    // Exports written on Windows end lines with CRLF: the lines named must be the same as
    // with LF.
    let crlf = |rows: &[String]| format!("{HEADER}\r\n{}\r\n", rows.join("\r\n")).into_bytes();
    let bad_num = good_row().replacen("55.04", "abc", 1);
    assert_eq!(
        fails("n.csv", &crlf(std::slice::from_ref(&bad_num))),
        ":2:4: column 'BilledCost': expected a decimal number, found \"abc\""
    );
    assert_eq!(
        fails("n3.csv", &crlf(&[good_row(), good_row(), bad_num])),
        ":4:4: column 'BilledCost': expected a decimal number, found \"abc\""
    );
    let bad_cost = good_row().replacen("55.04", "12,3", 1);
    assert_eq!(
        fails("c.csv", &crlf(std::slice::from_ref(&bad_cost))),
        ":2: expected 13 fields like the header, found 14"
    );
    assert_eq!(
        fails("c3.csv", &crlf(&[good_row(), bad_cost])),
        ":3: expected 13 fields like the header, found 14"
    );
}

#[test]
fn malformed_files() {
    assert!(fails("empty.csv", b"").contains("file is empty"));
    let missing = b"ChargeCategory,ChargePeriodStart,BilledCost\nUsage,2025-01-01T00:00:00Z,1\n";
    assert!(fails("m.csv", missing).starts_with(":1: missing column `ChargePeriodEnd`"));
    let mut bytes = csv(&[good_row()]);
    let pos = bytes.len() - 10;
    bytes[pos] = 0xff;
    let s = fails("u.csv", &bytes);
    assert!(s.contains("invalid UTF-8"), "{s}");
    // A gzip export cut short.
    let mut whole = Vec::new();
    {
        let mut e = flate2::write::GzEncoder::new(&mut whole, flate2::Compression::default());
        e.write_all(&csv(&vec![good_row(); 2000])).unwrap();
        e.finish().unwrap();
    }
    let cut = &whole[..whole.len() / 2];
    let s = fails("cut.csv.gz", cut);
    assert!(s.contains("truncated or corrupt"), "{s}");
    // No GPU rows at all.
    let s = fails(
        "nogpu.csv",
        &csv(&[good_row().replace("p5.48xlarge", "m5.large")]),
    );
    assert!(s.contains("no GPU usage found in 1 rows"), "{s}");
}

#[test]
fn missing_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let e = ingest_focus(&args(dir.path().join("nope.csv"), dir.path().join("out"))).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().ends_with("nope.csv: file not found"));
}

#[test]
fn an_unwritable_output_is_a_runtime_failure_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ok.csv");
    std::fs::write(&f, csv(&[good_row()])).unwrap();
    // --out names an existing file: the directory cannot be created.
    let out = dir.path().join("taken");
    std::fs::write(&out, "x").unwrap();
    let e = ingest_focus(&args(f, out.clone())).unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert_eq!(std::fs::read_to_string(Path::new(&out)).unwrap(), "x");
}
