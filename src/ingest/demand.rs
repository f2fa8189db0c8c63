//! Demand history CSV: `timestamp,workload,gpus` (extra columns ignored).

use super::csvread::read_table;
use crate::domain::time::on_the_hour;
use crate::domain::{DemandHistory, HourWindow};
use crate::error::InputError;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::path::Path;

/// Longest history accepted, in hours (5 years): a guard against a typo in a year turning
/// into a huge dense matrix.
pub const MAX_HISTORY_HOURS: i64 = 5 * 8784;

/// Parses a demand history from bytes; `file` names it in errors.
pub fn parse_demand(file: &Path, bytes: &[u8]) -> Result<DemandHistory, InputError> {
    let table = read_table(file, bytes, &["timestamp", "workload", "gpus"], &[], true)?;
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<(DateTime<Utc>, usize), u64> = HashMap::new();
    let mut cells: Vec<(DateTime<Utc>, usize, f64)> = Vec::with_capacity(table.rows.len());
    for row in table.iter() {
        let t = row.instant("timestamp", false)?;
        if !on_the_hour(t) {
            return Err(row.err(
                "timestamp",
                format!(
                    "expected a timestamp on the hour (minutes and seconds 0), found {:?}",
                    row.str("timestamp")
                ),
            ));
        }
        let w = row.text("workload")?;
        let g = row.num("gpus", "a number of GPUs >= 0", |v| v >= 0.0)?;
        let wi = match index.get(&w) {
            Some(&i) => i,
            None => {
                index.insert(w.clone(), names.len());
                names.push(w.clone());
                names.len() - 1
            }
        };
        if let Some(first) = seen.insert((t, wi), row.line) {
            return Err(row.err(
                "timestamp",
                format!(
                    "duplicate row for hour {} and workload {w:?} (first at line {first})",
                    t.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        cells.push((t, wi, g));
    }
    let (Some(start), Some(last)) = (
        cells.iter().map(|c| c.0).min(),
        cells.iter().map(|c| c.0).max(),
    ) else {
        return Err(InputError::file(
            file,
            "no data rows: expected rows `timestamp,workload,gpus` after the header",
        ));
    };
    let end = last + Duration::hours(1);
    let span = (end - start).num_hours();
    if span > MAX_HISTORY_HOURS {
        return Err(InputError::file(
            file,
            format!(
                "history spans {span} hours ({} to {}): expected at most {MAX_HISTORY_HOURS} (5 years); check the years of the timestamps",
                start.format("%Y-%m-%d"),
                last.format("%Y-%m-%d")
            ),
        ));
    }
    let window = HourWindow { start, end };
    let hours = window.hours();
    let mut gpus = vec![vec![0.0; hours]; names.len()];
    for (t, w, g) in cells {
        gpus[w][(t - start).num_hours() as usize] = g;
    }
    Ok(DemandHistory {
        window,
        workloads: names,
        gpus,
        rows: table.rows.len(),
    })
}

/// Reads a demand history file.
pub fn read_demand(path: &Path) -> Result<DemandHistory, InputError> {
    let bytes = super::read_file(path)?;
    parse_demand(path, &bytes)
}
