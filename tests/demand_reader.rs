//! The streaming demand reader (`parse_demand`): dense matrix, window, workload order,
//! duplicate detection across timestamp spellings, and the span limit.

use chrono::{DateTime, Duration, TimeZone, Utc};
use gpuplan::error::{InputError, Location};
use gpuplan::ingest::demand::{parse_demand, MAX_HISTORY_HOURS};
use std::collections::HashMap;
use std::path::Path;

/// The location of a cell: its line, its column (from 1) and the column's name.
fn cell(line: u64, column: usize, name: &str) -> Location {
    Location::Cell {
        line,
        column,
        name: name.into(),
    }
}

fn parse(text: &str) -> Result<gpuplan::domain::DemandHistory, InputError> {
    parse_demand(Path::new("demand.csv"), text.as_bytes())
}

fn hour(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, d, h, 0, 0).unwrap()
}

#[test]
fn out_of_order_rows_and_gaps_fill_the_dense_matrix() {
    // Window 2026-01-01T22 .. 2026-01-02T03 (6 hours); rows out of order, hours missing,
    // an earlier hour after later ones, an extra column and padded cells.
    let text = "timestamp,workload,gpus,note\n\
                2026-01-02T01:00:00Z,b,2,x\n\
                2026-01-02T01:00:00Z,a,1.5,\n\
                2026-01-02T03:00:00Z, a ,4,y\n\
                2026-01-01T22:00:00Z,b,7,\n\
                2026-01-02T00:00:00Z,c,0.25,\n\
                2026-01-01T23:00:00Z,a,3,\n";
    let d = parse(text).unwrap();
    assert_eq!(d.window.start, hour(1, 22));
    assert_eq!(d.window.end, hour(2, 4));
    assert_eq!(d.workloads, ["b", "a", "c"]);
    assert_eq!(d.rows, 6);
    //              22   23   00    01   02   03
    let b = vec![7.0, 0.0, 0.0, 2.0, 0.0, 0.0];
    let a = vec![0.0, 3.0, 0.0, 1.5, 0.0, 4.0];
    let c = vec![0.0, 0.0, 0.25, 0.0, 0.0, 0.0];
    assert_eq!(d.gpus, vec![b, a, c]);
}

#[test]
fn duplicate_names_both_lines() {
    // With LF or CRLF (a file saved on Windows) endings: the same lines.
    for eol in ["\n", "\r\n"] {
        let text = [
            "timestamp,workload,gpus",
            "2026-01-01T00:00:00Z,a,1",
            "2026-01-01T01:00:00Z,a,1",
            "2026-01-01T00:00:00Z,b,1",
            "2026-01-01T01:00:00Z,a,2",
            "2026-01-01T00:00:00Z,a,3",
        ]
        .map(|l| format!("{l}{eol}"))
        .concat();
        let e = parse(&text).unwrap_err();
        assert_eq!(e.location, cell(5, 1, "timestamp"), "{eol:?}");
        assert_eq!(
            e.message,
            "duplicate row for hour 2026-01-01T01:00:00Z and workload \"a\" (first at line 3)"
        );
    }
}

#[test]
fn crlf_line_endings_name_the_same_lines() {
    // A file saved on Windows: a bad value names line 4 and a row with a missing field
    // line 3, as with LF endings (the duplicate: `duplicate_names_both_lines`).
    let bad = "timestamp,workload,gpus\r\n\
               2026-01-01T00:00:00Z,a,1\r\n\
               2026-01-01T01:00:00Z,a,1\r\n\
               2026-01-01T02:00:00Z,a,abc\r\n";
    let e = parse(bad).unwrap_err();
    assert_eq!(e.location, cell(4, 3, "gpus"));
    let short = "timestamp,workload,gpus\r\n\
                 2026-01-01T00:00:00Z,a,1\r\n\
                 2026-01-01T01:00:00Z,a\r\n";
    let e = parse(short).unwrap_err();
    assert_eq!(e.location, Location::Line(3), "{e:?}");
}

#[test]
fn offset_timestamps_convert_to_utc() {
    let text = "timestamp,workload,gpus\n\
                2026-01-01T02:00:00+02:00,a,1\n\
                2026-01-01T01:00:00Z,a,2\n\
                2025-12-31T21:00:00-05:00,a,3\n";
    let d = parse(text).unwrap();
    assert_eq!(d.window.start, hour(1, 0));
    assert_eq!(d.window.end, hour(1, 3));
    assert_eq!(d.gpus, vec![vec![1.0, 2.0, 3.0]]);
}

#[test]
fn same_instant_in_another_spelling_is_a_duplicate() {
    let text = "timestamp,workload,gpus\n\
                2026-01-01T00:00:00Z,a,1\n\
                2026-01-01T00:00:00Z,b,1\n\
                2026-01-01T00:00:00Z,c,1\n\
                2026-01-01T02:00:00+02:00,b,2\n";
    let e = parse(text).unwrap_err();
    assert_eq!(e.location, cell(5, 1, "timestamp"));
    assert_eq!(
        e.message,
        "duplicate row for hour 2026-01-01T00:00:00Z and workload \"b\" (first at line 3)"
    );
}

#[test]
fn span_limit_and_duplicates_past_it() {
    let far = hour(1, 0) + Duration::hours(MAX_HISTORY_HOURS);
    let far = far.format("%Y-%m-%dT%H:%M:%SZ");
    // Over the limit: rejected as a whole...
    let text = format!(
        "timestamp,workload,gpus\n2026-01-01T00:00:00Z,a,1\n{far},a,1\n2026-01-01T05:00:00Z,a,1\n"
    );
    let e = parse(&text).unwrap_err();
    assert_eq!(e.location, Location::File);
    assert!(
        e.message.starts_with(&format!(
            "history spans {} hours (2026-01-01 to ",
            MAX_HISTORY_HOURS + 1
        )),
        "{}",
        e.message
    );
    // ...but a duplicate of a row past the limit is reported first, at its row.
    let text = format!(
        "timestamp,workload,gpus\n2026-01-01T00:00:00Z,a,1\n{far},a,1\n2026-01-01T05:00:00Z,a,1\n{far},a,2\n"
    );
    let e = parse(&text).unwrap_err();
    assert!(matches!(e.location, Location::Cell { line: 5, .. }));
    assert!(e.message.ends_with("(first at line 3)"), "{}", e.message);
    // Exactly at the limit is fine.
    let last = hour(1, 0) + Duration::hours(MAX_HISTORY_HOURS - 1);
    let text = format!(
        "timestamp,workload,gpus\n{},a,1\n2026-01-01T00:00:00Z,b,2\n",
        last.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let d = parse(&text).unwrap();
    assert_eq!(d.window.hours(), MAX_HISTORY_HOURS as usize);
    assert_eq!(d.gpus[0][MAX_HISTORY_HOURS as usize - 1], 1.0);
    assert_eq!(d.gpus[1][0], 2.0);
}

/// Random files (shuffled hours, gaps, several timestamp spellings, sometimes a duplicate)
/// against a straightforward reference: map of cells, then a dense fill.
#[test]
fn random_files_match_a_reference() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let t0 = hour(10, 0);
    for case in 0..300 {
        let spread = 1 + rand(if case % 3 == 0 { 5 } else { 200 }) as i64;
        let n_workloads = 1 + rand(6);
        // At most the number of distinct cells, so the loop below ends without duplicates.
        let rows = (1 + rand(60) as usize).min((spread as u64 * n_workloads) as usize);
        let dup_ok = case % 4 == 0;
        let mut text = String::from("timestamp,workload,gpus\n");
        let mut seen: HashMap<(DateTime<Utc>, String), u64> = HashMap::new();
        let mut cells = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut expect_dup = None;
        let mut line = 1u64;
        while cells.len() < rows {
            let t = t0 + Duration::hours(rand(spread as u64) as i64 - spread / 2);
            let w = format!("w{}", rand(n_workloads));
            if seen.contains_key(&(t, w.clone())) && !dup_ok {
                continue;
            }
            let g = rand(1000) as f64 / 8.0;
            let ts = match rand(3) {
                0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                1 => (t + Duration::hours(2))
                    .format("%Y-%m-%dT%H:%M:%S+02:00")
                    .to_string(),
                _ => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            };
            text.push_str(&format!("{ts},{w},{g}\n"));
            line += 1;
            if let Some(first) = seen.insert((t, w.clone()), line) {
                expect_dup = Some((line, t, w, first));
                break;
            }
            if !names.contains(&w) {
                names.push(w.clone());
            }
            cells.push((t, w, g));
        }
        let got = parse(&text);
        if let Some((line, t, w, first)) = expect_dup {
            let e = got.unwrap_err();
            assert!(matches!(e.location, Location::Cell { line: l, column: 1, .. } if l == line));
            assert_eq!(
                e.message,
                format!(
                    "duplicate row for hour {} and workload {w:?} (first at line {first})",
                    t.format("%Y-%m-%dT%H:%M:%SZ")
                )
            );
            continue;
        }
        let d = got.unwrap_or_else(|e| panic!("case {case}: {e:?}\n{text}"));
        let start = cells.iter().map(|c| c.0).min().unwrap();
        let end = cells.iter().map(|c| c.0).max().unwrap() + Duration::hours(1);
        let hours = (end - start).num_hours() as usize;
        let mut gpus = vec![vec![0.0; hours]; names.len()];
        for (t, w, g) in &cells {
            let wi = names.iter().position(|n| n == w).unwrap();
            gpus[wi][(*t - start).num_hours() as usize] = *g;
        }
        assert_eq!((d.window.start, d.window.end), (start, end), "case {case}");
        assert_eq!(d.workloads, names, "case {case}");
        assert_eq!(d.gpus, gpus, "case {case}\n{text}");
        assert_eq!(d.rows, cells.len());
    }
}

/// Times `parse_demand` on a large file: `DEMAND_CSV=/tmp/L/demand.csv cargo test --release
/// --test demand_reader -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_large_file() {
    let Ok(path) = std::env::var("DEMAND_CSV") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let t = std::time::Instant::now();
    let d = parse_demand(Path::new(&path), &bytes).unwrap();
    println!(
        "{} rows, {} workloads, {} hours in {:?}",
        d.rows,
        d.workloads.len(),
        d.window.hours(),
        t.elapsed()
    );
}
