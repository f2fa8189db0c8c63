//! The starter scenario of `gpuplan init`: a commented `scenario.toml` naming every section
//! with its default, a tiny `demand.csv` (two workloads, one week) and a `workloads.toml`,
//! so that the directory validates and plans as written and can be edited from there.

use std::fmt::Write as _;

/// First hour of the starter demand (a Monday, UTC).
const START: &str = "2026-01-05T00:00:00Z";

/// Hours of starter demand (one week).
const HOURS: usize = 168;

/// The commented starter scenario.
fn scenario_toml() -> String {
    format!(
        r#"# A gpuplan scenario: what to plan on and how. Paths are relative to this file; unknown
# keys are an error. Replace demand.csv and workloads.toml with your own (or write them from
# a FOCUS billing export: `gpuplan ingest focus EXPORT.csv --out DIR`), then:
#   gpuplan validate scenario.toml
#   gpuplan plan scenario.toml --out plan.json
#   gpuplan report plan.json --demand demand.csv --out report.html
name = "starter"
description = "two example workloads over one week: replace with your own demand"

# Hourly GPU demand: timestamp,workload,gpus (average GPUs in use per hour and workload).
demand = "demand.csv"
# Per workload: the GPU it ran on (current_gpu), class, spot tolerance, where it may run.
workloads = "workloads.toml"
# Commitments you already own (offer_id,quantity_or_hourly,start,end); used first.
# commitments = "commitments.csv"
# Your own prices: a directory with any of gpus.csv, offerings.csv, commitment_offers.csv.
# catalog = "my-catalog"

[window]
# The planning window (ISO-8601 UTC on the hour, or a date); default: the whole history.
start = "{START}"
# end = "2026-01-12T00:00:00Z"
# lookback = "14d"          # instead of start: the last 14 days before end
# mask = [{{ start = "2026-01-07T00:00:00Z", end = "2026-01-07T06:00:00Z", reason = "outage" }}]

# [growth]
# annual_pct = 0            # demand growth assumption, percent per year

# [forecast]
# scenarios = 1             # >= 2: plan on that many forecast demand scenarios (risk applies)
# seed = 1

# [risk]
# preset = "neutral"        # neutral, balanced or averse (CVaR of cost or of regret)
# measure = "cost"

[instruments]
# What the plan may buy. On-demand is always allowed (it keeps plans feasible).
spot = true
unit = true                 # reservations, resource CUDs
spend = true                # savings plans
terms_months = [12, 36]
# payments = ["no_upfront", "partial_upfront", "all_upfront"]
# clouds = ["aws", "azure", "gcp"]

[caps]
# max_committed_share = 1.0 # new commitments' hourly cost <= this share of all on-demand
# max_upfront = 100000      # USD

[solver]
time_limit_seconds = 60
# resolution = "auto"       # full, auto or a bucket count
# method = "auto"           # mip, decompose or auto
"#
    )
}

/// The starter workloads: an interruptible-free inference API and a spot-tolerant batch job.
fn workloads_toml() -> String {
    r#"# Workloads of demand.csv. [defaults] applies to all; [workloads.NAME] overrides it.
[defaults]
home_cloud = "aws"          # where the data lives: egress applies elsewhere

[workloads.chat-api]
current_gpu = "L4"          # the GPU model the demand was recorded on
class = "inference"         # training, inference or experimentation (inferred when absent)
current_offering = "g6.xlarge"
team = "search"

[workloads.nightly-batch]
current_gpu = "A10G"
class = "inference"
current_offering = "g5.xlarge"
interruptible = true        # may run on spot...
max_spot_share = 0.8        # ...for at most 80% of its load
team = "data"
"#
    .to_string()
}

/// The starter demand: `chat-api` follows a daily cycle (3 to 7 GPUs, lower at weekends);
/// `nightly-batch` uses 4 GPUs from 01:00 to 06:00 UTC.
fn demand_csv() -> String {
    let mut s = String::from("timestamp,workload,gpus\n");
    let start = chrono::DateTime::parse_from_rfc3339(START)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    for h in 0..HOURS {
        let t = start + chrono::Duration::hours(h as i64);
        let ts = t.format("%Y-%m-%dT%H:%M:%SZ");
        let hour = (h % 24) as f64;
        let weekend = h / 24 >= 5;
        let daily = 5.0 + 2.0 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).cos();
        let chat = if weekend { daily - 1.0 } else { daily };
        let batch = if (1..6).contains(&(h % 24)) { 4.0 } else { 0.0 };
        let _ = writeln!(s, "{ts},chat-api,{chat:.2}");
        let _ = writeln!(s, "{ts},nightly-batch,{batch}");
    }
    s
}

/// `(file name, text)` of the starter: scenario.toml, demand.csv, workloads.toml.
pub fn starter_files() -> Vec<(&'static str, String)> {
    vec![
        ("scenario.toml", scenario_toml()),
        ("demand.csv", demand_csv()),
        ("workloads.toml", workloads_toml()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_demand_has_one_row_per_hour_and_workload() {
        let d = demand_csv();
        assert_eq!(d.lines().count(), 1 + 2 * HOURS);
        // chat-api peaks at 09:00 on a weekday: 5 + 2 = 7 GPUs.
        assert!(d.contains("2026-01-05T09:00:00Z,chat-api,7.00"));
        assert!(d.contains("2026-01-05T03:00:00Z,nightly-batch,4"));
        assert!(d.contains("2026-01-05T07:00:00Z,nightly-batch,0"));
    }
}
