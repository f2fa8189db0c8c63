//! Demand history CSV: `timestamp,workload,gpus` (extra columns ignored).
//!
//! The file is streamed row by row straight into the dense hour × workload matrix: no
//! per-row allocation in the common case (workload names are looked up by `&str`, and the
//! last timestamp text is cached since consecutive rows usually share it).

use super::csvread::{for_each_row, parse_instant};
use crate::domain::bounds;
use crate::domain::time::on_the_hour;
use crate::domain::{DemandHistory, HourWindow};
use crate::error::InputError;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Longest history accepted, in hours (5 years): a guard against a typo in a year turning
/// into a huge dense matrix.
pub const MAX_HISTORY_HOURS: i64 = 5 * 8784;

const COLS: [&str; 3] = ["timestamp", "workload", "gpus"];

/// What a `gpus` cell must hold (the plausibility bounds of `domain::bounds`).
static GPUS_EXPECTED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "0 or a number of GPUs from {} to {} (a plausibility bound: no workload uses more in an hour, and less is rounding noise)",
        bounds::show(bounds::MIN_POSITIVE_GPUS),
        bounds::show(bounds::MAX_GPUS)
    )
});

/// A cell no row has set yet (GPU counts read are finite).
const UNSEEN: f64 = f64::NAN;

/// Whole hours since the Unix epoch of an on-the-hour instant.
fn hour_number(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// The matrix while reading: one row per workload, indexed by hour from `base`.
struct Matrix {
    /// Hour number of index 0 of every row.
    base: i64,
    /// First and last hours stored densely (`None` before the first row); they span at most
    /// [`MAX_HISTORY_HOURS`], and `base <= lo`.
    range: Option<(i64, i64)>,
    /// Per workload (first-appearance order), the cells from `base`, [`UNSEEN`] where no
    /// row was read. Rows grow lazily, so they may be shorter than the range.
    gpus: Vec<Vec<f64>>,
    /// Cells whose hour would stretch the dense range past [`MAX_HISTORY_HOURS`]: the file
    /// is rejected then, but duplicates before any other error still come first.
    far: HashSet<(i64, usize)>,
}

impl Matrix {
    fn new() -> Self {
        Self {
            base: 0,
            range: None,
            gpus: Vec::new(),
            far: HashSet::new(),
        }
    }

    /// Stores `g` for hour `h` and workload `w` (at most one past the last workload);
    /// `false` when that cell was already read.
    fn insert(&mut self, h: i64, w: usize, g: f64) -> bool {
        if w == self.gpus.len() {
            self.gpus.push(Vec::new());
        }
        match self.range {
            None => {
                self.base = h;
                self.range = Some((h, h));
            }
            Some((lo, hi)) if h < lo || h > hi => {
                let (lo, hi) = (lo.min(h), hi.max(h));
                if hi - lo + 1 > MAX_HISTORY_HOURS {
                    return self.far.insert((h, w));
                }
                if h < self.base {
                    self.grow_front(h, hi);
                }
                self.range = Some((lo, hi));
            }
            Some(_) => {}
        }
        let i = (h - self.base) as usize;
        let row = &mut self.gpus[w];
        if i >= row.len() {
            row.resize(i + 1, UNSEEN);
        }
        if !row[i].is_nan() {
            return false;
        }
        row[i] = g;
        true
    }

    /// Moves `base` down to at most `h`, with slack as large as the current extent (so a
    /// file read backwards in time costs amortized linear time), never below what the
    /// span limit allows given the last hour `hi`.
    fn grow_front(&mut self, h: i64, hi: i64) {
        let extent = hi - self.base + 1;
        let base = h.min(self.base - extent).max(hi + 1 - MAX_HISTORY_HOURS);
        let d = (self.base - base) as usize;
        for row in self.gpus.iter_mut().filter(|r| !r.is_empty()) {
            let mut grown = vec![UNSEEN; d + row.len()];
            grown[d..].copy_from_slice(row);
            *row = grown;
        }
        self.base = base;
    }

    /// The dense matrix over the range, unseen cells 0.
    fn finish(self) -> Vec<Vec<f64>> {
        let Some((lo, hi)) = self.range else {
            return Vec::new();
        };
        let off = (lo - self.base) as usize;
        let hours = (hi - lo + 1) as usize;
        let mut gpus = self.gpus;
        for row in &mut gpus {
            row.drain(..off.min(row.len()));
            for c in row.iter_mut().filter(|c| c.is_nan()) {
                *c = 0.0;
            }
            row.resize(hours, 0.0);
            row.shrink_to_fit();
        }
        gpus
    }
}

/// Parses a demand history from bytes; `file` names it in errors.
pub fn parse_demand(file: &Path, bytes: &[u8]) -> Result<DemandHistory, InputError> {
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut matrix = Matrix::new();
    // The last timestamp text read, and its hour number and instant.
    let mut ts = String::new();
    let mut cached: Option<(i64, DateTime<Utc>)> = None;
    // First and last instants read.
    let mut bounds: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    let mut rows = 0usize;
    let mut next_w = 0usize;
    for_each_row(file, bytes, &COLS, &[], true, |row| {
        let s = row.str("timestamp");
        let (h, t) = match cached {
            Some(c) if s == ts => c,
            _ => {
                let t = row.instant("timestamp", false)?;
                if !on_the_hour(t) {
                    return Err(row.err(
                        "timestamp",
                        format!(
                            "expected a timestamp on the hour (minutes and seconds 0), found {s:?}"
                        ),
                    ));
                }
                ts.clear();
                ts.push_str(s);
                bounds = Some(match bounds {
                    None => (t, t),
                    Some((a, b)) => (a.min(t), b.max(t)),
                });
                *cached.insert((hour_number(t), t))
            }
        };
        let w = row.text_ref("workload")?;
        let g = row.num("gpus", &GPUS_EXPECTED, |v| {
            v == 0.0 || bounds::within(v, bounds::MIN_POSITIVE_GPUS, bounds::MAX_GPUS)
        })?;
        // Files usually list the workloads in the same order at every hour: try the one
        // after the last row's before hashing.
        let wi = match names.get(next_w) {
            Some(n) if n == w => next_w,
            _ => match index.get(w) {
                Some(&i) => i,
                None => {
                    index.insert(w.to_string(), names.len());
                    names.push(w.to_string());
                    names.len() - 1
                }
            },
        };
        next_w = wi + 1;
        if !matrix.insert(h, wi, g) {
            let first = first_line(file, bytes, h, w, row.line);
            return Err(row.err(
                "timestamp",
                format!(
                    "duplicate row for hour {} and workload {w:?} (first at line {first})",
                    t.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        rows += 1;
        Ok(())
    })?;
    let Some((start, last)) = bounds else {
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
    debug_assert!(
        matrix.far.is_empty() && matrix.range == Some((hour_number(start), hour_number(last)))
    );
    Ok(DemandHistory {
        window: HourWindow { start, end },
        workloads: names,
        gpus: matrix.finish(),
        rows,
    })
}

/// Line of the first row before line `before` for hour `h` and workload `w` (the rows
/// before it were all read without error): re-reads the file, only on a duplicate.
fn first_line(file: &Path, bytes: &[u8], h: i64, w: &str, before: u64) -> u64 {
    let mut first = 0;
    // The scan stops at `before` by returning an error, ignored like any error past it.
    let _ = for_each_row(file, bytes, &COLS, &[], true, |row| {
        if row.line >= before {
            return Err(InputError::line(file, row.line, "end of scan"));
        }
        if row.str("workload") == w
            && parse_instant(row.str("timestamp"), false).map(hour_number) == Some(h)
        {
            first = row.line;
            return Err(InputError::line(file, row.line, "end of scan"));
        }
        Ok(())
    });
    first
}

/// Reads a demand history file.
pub fn read_demand(path: &Path) -> Result<DemandHistory, InputError> {
    let bytes = super::read_file(path)?;
    parse_demand(path, &bytes)
}
