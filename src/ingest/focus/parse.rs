//! Low-level cell parsing for FOCUS exports: nulls, timestamps, numbers and a small JSON
//! object scanner for `Tags` / `SkuPriceDetails`. Written for speed: no allocation on the
//! common path.

use std::borrow::Cow;

/// Whether a (trimmed) cell is a FOCUS null: empty, `NULL` or `null` (any case).
pub(crate) fn is_null(s: &str) -> bool {
    s.is_empty() || (s.len() == 4 && s.eq_ignore_ascii_case("null"))
}

/// The trimmed cell, or `None` when it is a null.
pub(crate) fn opt(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let t = if b.first().is_some_and(u8::is_ascii_whitespace)
        || b.last().is_some_and(u8::is_ascii_whitespace)
    {
        s.trim()
    } else {
        s
    };
    (!is_null(t)).then_some(t)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), Howard Hinnant's algorithm.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    if b.is_empty() {
        return None;
    }
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parses a FOCUS date-time to seconds since the Unix epoch (UTC). Accepts ISO 8601 /
/// RFC 3339 (`2024-09-01T00:00:00Z`, fractional seconds, `+02:00` offsets), the space form
/// without a zone that real exports use (`2024-09-01 00:00:00`, taken as UTC) and a bare
/// date (`2024-09-01`, midnight UTC). `None` when malformed or impossible (hour 30).
pub(crate) fn parse_epoch_seconds(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i64::from(digits(&b[0..4])?);
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let day = days_from_civil(y, mo, d);
    if b.len() == 10 {
        return Some(day * 86_400);
    }
    if b.len() < 16 || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    let mut i = 16;
    let mut sec = 0;
    if b.len() >= 19 && b[16] == b':' {
        sec = digits(&b[17..19])?;
        i = 19;
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            i += 1;
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == st {
                return None;
            }
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut offset = 0i64;
    let rest = &b[i..];
    match rest {
        [] | [b'Z'] | [b'z'] => {}
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2]
        | [sign @ (b'+' | b'-'), oh1, oh2, om1, om2] => {
            let oh = i64::from(digits(&[*oh1, *oh2])?);
            let om = i64::from(digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            offset = (oh * 3600 + om * 60) * if *sign == b'+' { 1 } else { -1 };
        }
        _ => return None,
    }
    Some(day * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec.min(59)) - offset)
}

/// Parses a decimal number (a FOCUS Decimal); `None` when malformed or not finite.
pub(crate) fn parse_num(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => None,
    }
}

/// A JSON scanning error (the text is not a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError;

struct Scan<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), JsonError> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(JsonError)
        }
    }
    /// A string token: returns its decoded text.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') {
            return Err(JsonError);
        }
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                b'"' => {
                    self.i += 1;
                    let raw = &self.s[start..self.i];
                    return if escaped {
                        serde_json::from_str::<String>(raw)
                            .map(Cow::Owned)
                            .map_err(|_| JsonError)
                    } else {
                        Ok(Cow::Borrowed(&raw[1..raw.len() - 1]))
                    };
                }
                _ => self.i += 1,
            }
        }
        Err(JsonError)
    }
    /// Skips any value; returns the raw text of a scalar (string decoded).
    fn value(&mut self) -> Result<Option<Cow<'a, str>>, JsonError> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'"') => self.string().map(Some),
            Some(b'{') | Some(b'[') => {
                let mut depth = 0i32;
                while self.i < self.b.len() {
                    match self.b[self.i] {
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Ok(None);
                            }
                        }
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                Err(JsonError)
            }
            Some(_) => {
                let st = self.i;
                while self.i < self.b.len()
                    && !matches!(self.b[self.i], b',' | b'}' | b']')
                    && !self.b[self.i].is_ascii_whitespace()
                {
                    self.i += 1;
                }
                let tok = &self.s[st..self.i];
                if tok.is_empty() {
                    return Err(JsonError);
                }
                Ok(if tok == "null" {
                    None
                } else {
                    Some(Cow::Borrowed(tok))
                })
            }
            None => Err(JsonError),
        }
    }
}

/// Visits the top-level key/value pairs of a JSON object (`f(key, scalar value)`; nested
/// values and nulls come as `None`). Stops early when `f` returns `true`.
pub(crate) fn json_object_each<'a>(
    text: &'a str,
    mut f: impl FnMut(&str, Option<Cow<'a, str>>) -> bool,
) -> Result<(), JsonError> {
    let mut sc = Scan {
        b: text.as_bytes(),
        s: text,
        i: 0,
    };
    sc.eat(b'{')?;
    sc.ws();
    if sc.b.get(sc.i) == Some(&b'}') {
        return Ok(());
    }
    loop {
        let k = sc.string()?;
        sc.eat(b':')?;
        let v = sc.value()?;
        if f(&k, v) {
            return Ok(());
        }
        sc.ws();
        match sc.b.get(sc.i) {
            Some(b',') => sc.i += 1,
            Some(b'}') => return Ok(()),
            _ => return Err(JsonError),
        }
    }
}

/// The scalar value of `key` in a JSON object (keys compared trimmed; a `user:` prefix on
/// the object's key is ignored, as AWS spells user tags).
pub(crate) fn json_get<'a>(text: &'a str, key: &str) -> Result<Option<Cow<'a, str>>, JsonError> {
    let mut out = None;
    json_object_each(text, |k, v| {
        let k = k.trim();
        let k = k.strip_prefix("user:").unwrap_or(k);
        if k == key {
            out = v;
            true
        } else {
            false
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn timestamps() {
        assert_eq!(parse_epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_epoch_seconds("1970-01-01 01:00:00"), Some(3600));
        assert_eq!(parse_epoch_seconds("1970-01-02"), Some(86_400));
        assert_eq!(parse_epoch_seconds("1970-01-01T02:00:00+01:00"), Some(3600));
        assert_eq!(parse_epoch_seconds("1970-01-01T00:00:00.500Z"), Some(0));
        assert_eq!(parse_epoch_seconds("2023-02-01T30:00:00Z"), None);
        assert_eq!(parse_epoch_seconds("2023-02-30T00:00:00Z"), None);
        assert_eq!(
            parse_epoch_seconds("2024-02-29T00:00:00Z"),
            Some(1_709_164_800)
        );
        assert_eq!(parse_epoch_seconds("yesterday"), None);
    }
    #[test]
    fn json_scan() {
        let t = r#"{"application": "X", " org": "a\"b", "n": 3, "nested": {"a": [1, "}"]}, "team": "ml"}"#;
        assert_eq!(json_get(t, "team").unwrap().as_deref(), Some("ml"));
        assert_eq!(json_get(t, "org").unwrap().as_deref(), Some("a\"b"));
        assert_eq!(json_get(t, "n").unwrap().as_deref(), Some("3"));
        assert_eq!(json_get(t, "missing").unwrap(), None);
        assert!(json_get("{\"a\": ", "a").is_err());
        assert!(json_get("not json", "a").is_err());
        assert_eq!(
            json_get(r#"{"user:team": "x"}"#, "team")
                .unwrap()
                .as_deref(),
            Some("x")
        );
    }
}
