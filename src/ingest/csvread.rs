//! A small CSV layer: header checks and typed cell access with file/line/column errors.
//!
//! [`read_table`] keeps every row (small files); [`for_each_row`] streams rows through one
//! reused record (large files). Both check the header the same way and give the same
//! [`Row`] accessors and error locations.

use crate::error::InputError;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};

/// Line numbers of CSV records as a reader reports them, made true for CRLF files.
///
/// The csv reader counts a line at its `\n`, and a CRLF-terminated record ends at its `\r`:
/// in a file with CRLF endings every record after the header is placed one line early. A
/// record never starts on the header's line (line 1), so the first record placed there shows
/// the lag, and every position after it is moved by it. Feed it the data records' (and their
/// errors') positions in file order.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Lines {
    lag: Option<u64>,
}

impl Lines {
    /// The true line of a data record (or of an error in one) at `pos`.
    pub(crate) fn of(&mut self, pos: &csv::Position) -> u64 {
        let lag = *self.lag.get_or_insert(u64::from(pos.line() <= 1));
        pos.line() + lag
    }
}

/// A parsed CSV file: header and rows with their line numbers.
pub(crate) struct Table {
    pub file: PathBuf,
    cols: Vec<String>,
    pub rows: Vec<(u64, csv::StringRecord)>,
}

/// Reads a CSV file from bytes. `required` columns must be present; `optional` may be;
/// other columns are an error unless `extra_ok`.
pub(crate) fn read_table(
    file: &Path,
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
    extra_ok: bool,
) -> Result<Table, InputError> {
    let (mut rdr, cols) = open(file, bytes, required, optional, extra_ok)?;
    let mut rows = Vec::new();
    let mut lines = Lines::default();
    for rec in rdr.records() {
        let mut rec = rec.map_err(|e| csv_error(file, e, Some((&cols, &mut lines))))?;
        rec.trim();
        let line = rec.position().map_or(0, |p| lines.of(p));
        rows.push((line, rec));
    }
    Ok(Table {
        file: file.to_path_buf(),
        cols,
        rows,
    })
}

/// Streams a CSV file from bytes: checks the header like [`read_table`], then calls `f` on
/// each row in file order, reading into one reused record. Stops at the first error, from
/// the file or from `f`.
pub(crate) fn for_each_row(
    file: &Path,
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
    extra_ok: bool,
    mut f: impl FnMut(&Row<'_>) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let (mut rdr, cols) = open(file, bytes, required, optional, extra_ok)?;
    let mut rec = csv::StringRecord::new();
    let mut lines = Lines::default();
    while rdr
        .read_record(&mut rec)
        .map_err(|e| csv_error(file, e, Some((&cols, &mut lines))))?
    {
        f(&Row {
            file,
            cols: &cols,
            line: rec.position().map_or(0, |p| lines.of(p)),
            rec: &rec,
        })?;
    }
    Ok(())
}

/// Opens a CSV reader over `bytes` (a UTF-8 BOM is skipped) and checks its header; returns
/// the reader positioned at the first data row and the (trimmed) column names. Cells are
/// not trimmed by the reader: [`Row::str`] trims them.
fn open<'b>(
    file: &Path,
    bytes: &'b [u8],
    required: &[&str],
    optional: &[&str],
    extra_ok: bool,
) -> Result<(csv::Reader<&'b [u8]>, Vec<String>), InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InputError::file(
            file,
            format!(
                "file is empty: expected a header line `{}`",
                required.join(",")
            ),
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::None)
        .flexible(false)
        .from_reader(bytes);
    let headers = rdr.headers().map_err(|e| csv_error(file, e, None))?;
    let mut cols: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().map(str::trim).enumerate() {
        if h.is_empty() {
            return Err(InputError::cell(
                file,
                1,
                i + 1,
                "",
                "empty column name in the header",
            ));
        }
        if !extra_ok && !required.contains(&h) && !optional.contains(&h) {
            return Err(InputError::cell(
                file,
                1,
                i + 1,
                h,
                format!(
                    "unknown column; expected the columns `{}`{}",
                    required.join(","),
                    if optional.is_empty() {
                        String::new()
                    } else {
                        format!(" (optional: `{}`)", optional.join(","))
                    }
                ),
            ));
        }
        if cols.iter().any(|c| c == h) {
            return Err(InputError::cell(file, 1, i + 1, h, "duplicate column name"));
        }
        cols.push(h.to_string());
    }
    if let Some(missing) = required.iter().find(|c| !cols.iter().any(|h| h == *c)) {
        return Err(InputError::line(
            file,
            1,
            format!(
                "missing column `{missing}` in the header; expected the columns `{}`",
                required.join(",")
            ),
        ));
    }
    Ok((rdr, cols))
}

/// The error of a CSV read: in the header (`data = None`: its line as reported) or in a data
/// record (the columns, and the file's [`Lines`] to place it).
fn csv_error(file: &Path, e: csv::Error, data: Option<(&[String], &mut Lines)>) -> InputError {
    let (cols, line) = match data {
        Some((cols, lines)) => (Some(cols), e.position().map(|p| lines.of(p))),
        None => (None, e.position().map(csv::Position::line)),
    };
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => InputError::cell(
            file,
            line.unwrap_or(1),
            err.field() + 1,
            cols.and_then(|h| h.get(err.field()))
                .map_or("?", String::as_str),
            "invalid UTF-8 bytes: expected UTF-8 text",
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => InputError::line(
            file,
            line.unwrap_or(0),
            format!("expected {expected_len} fields like the header, found {len}"),
        ),
        _ => InputError::file(file, format!("cannot read CSV: {e}")),
    }
}

/// One row of a CSV file (from [`Table::iter`] or [`for_each_row`]).
pub(crate) struct Row<'a> {
    file: &'a Path,
    cols: &'a [String],
    pub line: u64,
    rec: &'a csv::StringRecord,
}

impl Table {
    /// Iterates over the rows.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, rec)| Row {
            file: &self.file,
            cols: &self.cols,
            line: *line,
            rec,
        })
    }
}

impl Row<'_> {
    /// The 0-based index of a column (header names are few: a linear scan).
    fn col(&self, col: &str) -> Option<usize> {
        self.cols.iter().position(|c| c == col)
    }
    /// The raw (trimmed) text of a column; empty when the column is absent.
    pub fn str(&self, col: &str) -> &str {
        self.col(col).and_then(|i| self.rec.get(i)).map_or("", trim)
    }
    /// An error located at this row's cell of `col`.
    pub fn err(&self, col: &str, msg: impl Into<String>) -> InputError {
        match self.col(col) {
            Some(i) => InputError::cell(self.file, self.line, i + 1, col, msg),
            None => InputError::line(self.file, self.line, msg),
        }
    }
    /// A non-empty text cell, borrowed.
    pub fn text_ref(&self, col: &str) -> Result<&str, InputError> {
        let s = self.str(col);
        if s.is_empty() {
            return Err(self.err(col, "is empty: expected a value"));
        }
        Ok(s)
    }
    /// A non-empty text cell.
    pub fn text(&self, col: &str) -> Result<String, InputError> {
        self.text_ref(col).map(str::to_string)
    }
    /// A finite number satisfying `ok`, described by `what` in errors.
    pub fn num(&self, col: &str, what: &str, ok: impl Fn(f64) -> bool) -> Result<f64, InputError> {
        let s = self.str(col);
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() && ok(v) => Ok(v),
            _ => Err(self.err(col, format!("expected {what}, found {s:?}"))),
        }
    }
    /// An optional number (empty cell = `None`).
    pub fn opt_num(
        &self,
        col: &str,
        what: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<Option<f64>, InputError> {
        if self.str(col).is_empty() {
            Ok(None)
        } else {
            self.num(col, what, ok).map(Some)
        }
    }
    /// A whole number from 1 to `max` (a plausibility bound).
    pub fn count_at_most(&self, col: &str, max: u32) -> Result<u32, InputError> {
        let s = self.str(col);
        match s.parse::<u32>() {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            _ => Err(self.err(
                col,
                format!("expected a whole number from 1 to {max}, found {s:?}"),
            )),
        }
    }
    /// A date `YYYY-MM-DD`.
    pub fn date(&self, col: &str) -> Result<NaiveDate, InputError> {
        let s = self.str(col);
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| self.err(col, format!("expected a date YYYY-MM-DD, found {s:?}")))
    }
    /// An ISO-8601 instant (`2020-05-01T00:00:00Z`, any offset, converted to UTC) or a
    /// date (midnight UTC) when `date_ok`.
    pub fn instant(&self, col: &str, date_ok: bool) -> Result<DateTime<Utc>, InputError> {
        let s = self.str(col);
        parse_instant(s, date_ok).ok_or_else(|| {
            self.err(
                col,
                format!(
                    "expected an ISO-8601 UTC timestamp like 2020-05-01T00:00:00Z{}, found {s:?}",
                    if date_ok { " or a date YYYY-MM-DD" } else { "" }
                ),
            )
        })
    }
}

/// `str::trim` (Unicode whitespace, as the CSV reader trims), skipping the scan when the
/// first and last bytes are ASCII and not whitespace (the common case).
fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [a, .., b] | [a @ b]
            if a.is_ascii()
                && !a.is_ascii_whitespace()
                && b.is_ascii()
                && !b.is_ascii_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// Parses an RFC 3339 / ISO-8601 instant with a zone (or a bare date when `date_ok`).
pub fn parse_instant(s: &str, date_ok: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if date_ok {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}
