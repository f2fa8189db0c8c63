//! Time: hour-aligned UTC instants and windows.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

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

/// A recurring UTC window, e.g. a scale-to-zero window: `HH:MM-HH:MM` every day (it may
/// wrap past midnight), a weekday or weekday range (`sat`, `mon-fri`: whole days), or both
/// (`fri 20:00-24:00`, `mon-fri 22:00-06:00`: the time window on those days; a window that
/// wraps past midnight belongs to the day it starts on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    /// Start in minutes after midnight UTC.
    pub start_minute: u32,
    /// End in minutes after midnight UTC (exclusive); less than start when wrapping.
    pub end_minute: u32,
    /// Days the window starts on: bit 0 = Monday … bit 6 = Sunday ([`ALL_DAYS`] = every day).
    pub days: u8,
}

/// Every weekday in [`DailyWindow::days`].
pub const ALL_DAYS: u8 = 0x7f;

/// Weekday names as written in windows, Monday first (index = bit of [`DailyWindow::days`]).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A weekday by its three-letter or full English name (any case): 0 = Monday … 6 = Sunday.
fn weekday(s: &str) -> Option<u32> {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let s = s.trim().to_ascii_lowercase();
    (0..7u32).find(|&i| WEEKDAYS[i as usize] == s || FULL[i as usize] == s)
}

/// `sat`, or a range `mon-fri` (wrapping: `fri-mon` is Friday to Monday) → day bits.
fn day_set(s: &str) -> Option<u8> {
    match s.split_once('-') {
        None => weekday(s).map(|d| 1u8 << d),
        Some((a, b)) => {
            let (a, b) = (weekday(a)?, weekday(b)?);
            let mut bits = 0u8;
            let mut d = a;
            loop {
                bits |= 1 << d;
                if d == b {
                    break;
                }
                d = (d + 1) % 7;
            }
            Some(bits)
        }
    }
}

/// `HH:MM-HH:MM` → (start, end) minutes after midnight, different from each other.
fn time_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once('-')?;
    let m = |x: &str| -> Option<u32> {
        let (h, mi) = x.trim().split_once(':')?;
        let (h, mi): (u32, u32) = (h.parse().ok()?, mi.parse().ok()?);
        (h <= 24 && mi < 60 && h * 60 + mi <= 1440).then_some(h * 60 + mi)
    };
    let (start, end) = (m(a)?, m(b)?);
    (start != end).then_some((start, end))
}

impl DailyWindow {
    /// Parses `HH:MM-HH:MM`, `DAYS` or `DAYS HH:MM-HH:MM` (DAYS: a weekday such as `sat` or
    /// `saturday`, or a range such as `mon-fri`); `None` when malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        let (days, time) = match parts.as_slice() {
            [one] if one.contains(':') => (ALL_DAYS, time_range(one)?),
            [one] => (day_set(one)?, (0, 1440)),
            [d, t] => (day_set(d)?, time_range(t)?),
            _ => return None,
        };
        Some(Self {
            start_minute: time.0,
            end_minute: time.1,
            days,
        })
    }

    /// Whether the hour starting at `t` lies within the window (by its start minute).
    pub fn contains_hour(&self, t: DateTime<Utc>) -> bool {
        let m = t.hour() * 60 + t.minute();
        let day = t.weekday().num_days_from_monday();
        let on = |d: u32| self.days & (1 << d) != 0;
        if self.start_minute < self.end_minute {
            on(day) && m >= self.start_minute && m < self.end_minute
        } else {
            (on(day) && m >= self.start_minute) || (on((day + 6) % 7) && m < self.end_minute)
        }
    }
}

impl std::fmt::Display for DailyWindow {
    /// The canonical form [`DailyWindow::parse`] reads back: `22:00-06:00`, `sat`,
    /// `mon-fri`, `sat 08:00-20:00`; days that are not one range (only built in code) are
    /// joined by `,` (`mon,wed`), which `parse` does not read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = day_names(self.days);
        let whole_day = self.start_minute == 0 && self.end_minute == 1440;
        let time = format!(
            "{:02}:{:02}-{:02}:{:02}",
            self.start_minute / 60,
            self.start_minute % 60,
            self.end_minute / 60,
            self.end_minute % 60
        );
        match (self.days == ALL_DAYS, whole_day) {
            (true, _) => f.write_str(&time),
            (false, true) => f.write_str(&days),
            (false, false) => write!(f, "{days} {time}"),
        }
    }
}

/// Day bits as names: a single day, a range of consecutive days (`mon-fri`, `sat-sun`,
/// wrapping `fri-mon`), or a comma list (`mon,wed`).
fn day_names(bits: u8) -> String {
    let on = |d: usize| bits & (1 << (d % 7)) != 0;
    let count = (0..7).filter(|&d| on(d)).count();
    // A circular run: starts on a day whose previous day is off, and covers every day on.
    let run = (0..7).find_map(|first| {
        if !on(first) || (count < 7 && on(first + 6)) {
            return None;
        }
        let len = (0..7).take_while(|&i| on(first + i)).count();
        (len == count).then_some((first, (first + len - 1) % 7))
    });
    match run {
        Some((d, e)) if d == e => WEEKDAYS[d].to_string(),
        Some((d, e)) => format!("{}-{}", WEEKDAYS[d], WEEKDAYS[e]),
        None => (0..7)
            .filter(|&d| on(d))
            .map(|d| WEEKDAYS[d])
            .collect::<Vec<_>>()
            .join(","),
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

    fn at(day: u32, h: u32) -> DateTime<Utc> {
        // 2026-01-05 is a Monday.
        DateTime::parse_from_rfc3339(&format!("2026-01-{:02}T{h:02}:00:00Z", 5 + day))
            .expect("ts")
            .with_timezone(&Utc)
    }

    #[test]
    fn weekday_windows_cover_whole_days() {
        let sat = DailyWindow::parse("sat").expect("sat");
        assert!(sat.contains_hour(at(5, 0)) && sat.contains_hour(at(5, 23)));
        assert!(!sat.contains_hour(at(4, 23)) && !sat.contains_hour(at(6, 0)));
        let full = DailyWindow::parse("Sunday").expect("sunday");
        assert_eq!(full.to_string(), "sun");
        let week = DailyWindow::parse("mon-fri").expect("range");
        assert!((0..5).all(|d| week.contains_hour(at(d, 12))));
        assert!(!week.contains_hour(at(5, 12)) && !week.contains_hour(at(6, 12)));
        let wrap = DailyWindow::parse("fri-mon").expect("wrapping range");
        assert_eq!(wrap.to_string(), "fri-mon");
        let two = DailyWindow {
            days: 0b101,
            ..DailyWindow::parse("mon").expect("mon")
        };
        assert_eq!(two.to_string(), "mon,wed");
        assert!(DailyWindow::parse("sat sun").is_none());
        assert!(DailyWindow::parse("funday").is_none());
        assert!(DailyWindow::parse("sat 10:00").is_none());
    }

    #[test]
    fn a_wrapping_window_on_a_day_ends_the_next_morning() {
        // Friday 22:00 to Saturday 06:00, and nothing on Saturday night.
        let w = DailyWindow::parse("fri 22:00-06:00").expect("valid");
        assert!(w.contains_hour(at(4, 22)) && w.contains_hour(at(5, 5)));
        assert!(!w.contains_hour(at(5, 6)) && !w.contains_hour(at(5, 22)));
        assert!(!w.contains_hour(at(3, 23)) && !w.contains_hour(at(4, 3)));
        assert_eq!(w.to_string(), "fri 22:00-06:00");
        assert_eq!(
            DailyWindow::parse("22:00-06:00")
                .expect("daily")
                .to_string(),
            "22:00-06:00"
        );
    }
}
