//! Hour arithmetic of charges: hourly cells that grow in both directions, the split of a
//! charge period over the hours it overlaps, and quantities in hours from a FOCUS unit.

/// Hourly cells of a series, growing in both directions: [gpu_hours, cost, list] per hour
/// from `first_hour`.
#[derive(Default, Clone)]
pub(super) struct Cells {
    /// Hours since the epoch of `hours[0]`.
    pub(super) first_hour: i64,
    pub(super) hours: Vec<[f64; 3]>,
}

impl Cells {
    pub(super) fn add(&mut self, hour: i64, x: [f64; 3]) {
        if self.hours.is_empty() {
            self.first_hour = hour;
            self.hours.push(x);
            return;
        }
        if hour < self.first_hour {
            let n = (self.first_hour - hour) as usize;
            let mut nv = vec![[0.0; 3]; n];
            nv.append(&mut self.hours);
            self.hours = nv;
            self.first_hour = hour;
        }
        let i = (hour - self.first_hour) as usize;
        if i >= self.hours.len() {
            self.hours.resize(i + 1, [0.0; 3]);
        }
        let c = &mut self.hours[i];
        c[0] += x[0];
        c[1] += x[1];
        c[2] += x[2];
    }
}

/// Hours in a quantity of a unit (`Hours`, `Hrs`, `100 Hours`, `GPU-Hours`, `Seconds`, …);
/// the flag says the unit counts GPU-hours rather than instance-hours.
pub(super) fn hours_of(q: f64, unit: &str) -> Option<(f64, bool)> {
    let l = unit.trim().to_ascii_lowercase();
    let gpu = l.contains("gpu");
    let mult = match l.split_whitespace().next().map(str::parse::<f64>) {
        // `100 Hours`: a block size must be a plausible positive number.
        Some(Ok(m)) if m.is_finite() && m > 0.0 && m <= 1e6 => m,
        Some(Ok(_)) => return None,
        _ => 1.0,
    };
    let per = if l.contains("hour") || l.contains("hrs") || l == "hr" || l == "h" {
        1.0
    } else if l.contains("second") || l == "s" {
        1.0 / 3600.0
    } else if l.contains("minute") {
        1.0 / 60.0
    } else if l.contains("day") {
        24.0
    } else {
        return None;
    };
    if l.contains("gb") || l.contains("byte") || l.contains("vcpu") || l.contains("core") {
        return None;
    }
    Some((q * mult * per, gpu))
}

/// Calls `f(hour, weight)` for every hour the period `[s, e)` (epoch seconds) overlaps, with
/// the share of the period in that hour; an empty period counts whole in its hour.
pub(super) fn spread(s: i64, e: i64, mut f: impl FnMut(i64, f64)) {
    let h0 = s.div_euclid(3600);
    if e <= s {
        f(h0, 1.0);
        return;
    }
    let h1 = (e - 1).div_euclid(3600);
    if h0 == h1 {
        f(h0, 1.0);
        return;
    }
    let len = (e - s) as f64;
    for h in h0..=h1 {
        let a = s.max(h * 3600);
        let b = e.min((h + 1) * 3600);
        f(h, (b - a) as f64 / len);
    }
}
