//! One cost row's cells by column, parsed on demand, with errors that name the file, line
//! and column.

use super::columns::{name_of, Col, Header};
use super::parse;
use crate::error::InputError;
use std::path::Path;

/// Location of a cell for errors.
pub(super) struct Loc<'a> {
    pub(super) file: &'a Path,
    pub(super) line: u64,
    pub(super) header: &'a Header,
}

impl Loc<'_> {
    pub(super) fn err(&self, c: Col, msg: impl Into<String>) -> InputError {
        match self.header.get(c) {
            Some(i) => InputError::cell(self.file, self.line, i + 1, name_of(c), msg),
            None => InputError::line(self.file, self.line, msg),
        }
    }
}

/// A row's cells by column.
pub(super) struct Row<'r> {
    pub(super) rec: &'r csv::StringRecord,
    pub(super) loc: Loc<'r>,
}

impl<'r> Row<'r> {
    pub(super) fn raw(&self, c: Col) -> Result<Option<&'r str>, InputError> {
        let Some(i) = self.loc.header.get(c) else {
            return Ok(None);
        };
        Ok(self.rec.get(i).and_then(parse::opt))
    }
    pub(super) fn num(&self, c: Col) -> Result<Option<f64>, InputError> {
        match self.raw(c)? {
            None => Ok(None),
            Some(s) => parse::parse_num(s).map(Some).ok_or_else(|| {
                self.loc
                    .err(c, format!("expected a decimal number, found {s:?}"))
            }),
        }
    }
    pub(super) fn time(&self, c: Col) -> Result<i64, InputError> {
        match self.raw(c)? {
            None => Err(self.loc.err(
                c,
                "is empty: expected a date-time like 2024-09-01T00:00:00Z",
            )),
            Some(s) => parse::parse_epoch_seconds(s).ok_or_else(|| {
                self.loc.err(
                    c,
                    format!("expected a date-time like 2024-09-01T00:00:00Z, found {s:?}"),
                )
            }),
        }
    }
}

pub(super) fn truncate(s: &str) -> String {
    if s.len() > 60 {
        let mut e = 60;
        while !s.is_char_boundary(e) {
            e -= 1;
        }
        format!("{}…", &s[..e])
    } else {
        s.to_string()
    }
}
