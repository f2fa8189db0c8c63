//! Time: hour-aligned UTC instants and windows.

use chrono::{DateTime, Duration, Timelike, Utc};

/// A half-open window of whole hours `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourWindow {
    /// First hour (inclusive), on the hour.
    pub start: DateTime<Utc>,
    /// End (exclusive), on the hour.
    pub end: DateTime<Utc>,
}

impl HourWindow {
    /// Number of hours in the window.
    pub fn hours(&self) -> usize {
        ((self.end - self.start).num_hours()).max(0) as usize
    }
    /// The hour at offset `i` from the start.
    pub fn hour(&self, i: usize) -> DateTime<Utc> {
        self.start + Duration::hours(i as i64)
    }
    /// Whether `t` lies inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }
    /// Whether `other` lies entirely inside this window.
    pub fn covers(&self, other: &HourWindow) -> bool {
        other.start >= self.start && other.end <= self.end
    }
}

/// Whether an instant is exactly on the hour.
pub fn on_the_hour(t: DateTime<Utc>) -> bool {
    t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0
}

/// A daily UTC window `HH:MM-HH:MM` (may wrap past midnight), e.g. a scale-to-zero window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    /// Start in minutes after midnight UTC.
    pub start_minute: u32,
    /// End in minutes after midnight UTC (exclusive); less than start when wrapping.
    pub end_minute: u32,
}

impl DailyWindow {
    /// Parses `HH:MM-HH:MM`; `None` when malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.trim().split_once('-')?;
        let m = |x: &str| -> Option<u32> {
            let (h, mi) = x.trim().split_once(':')?;
            let (h, mi): (u32, u32) = (h.parse().ok()?, mi.parse().ok()?);
            (h <= 24 && mi < 60 && h * 60 + mi <= 1440).then_some(h * 60 + mi)
        };
        let (start_minute, end_minute) = (m(a)?, m(b)?);
        (start_minute != end_minute).then_some(Self {
            start_minute,
            end_minute,
        })
    }
    /// Whether the hour starting at `t` lies within the window (by its start minute).
    pub fn contains_hour(&self, t: DateTime<Utc>) -> bool {
        let m = t.hour() * 60 + t.minute();
        if self.start_minute < self.end_minute {
            m >= self.start_minute && m < self.end_minute
        } else {
            m >= self.start_minute || m < self.end_minute
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn daily_window_parses_and_wraps() {
        let w = DailyWindow::parse("22:00-06:00").expect("valid");
        let t = |h| {
            DateTime::parse_from_rfc3339(&format!("2026-01-01T{h:02}:00:00Z"))
                .expect("ts")
                .with_timezone(&Utc)
        };
        assert!(w.contains_hour(t(23)));
        assert!(w.contains_hour(t(0)));
        assert!(!w.contains_hour(t(6)));
        assert!(!w.contains_hour(t(12)));
        assert!(DailyWindow::parse("25:00-06:00").is_none());
        assert!(DailyWindow::parse("10:00-10:00").is_none());
        assert!(DailyWindow::parse("10-12").is_none());
    }
}
