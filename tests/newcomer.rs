//! A newcomer's path: `gpuplan init` writes a starter that validates and plans as it is, and a
//! FOCUS export goes to a plan in two commands (`ingest focus`, then `plan DIR/scenario.toml`),
//! owned commitments included; the plan then reports.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn gpuplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run gpuplan")
}

fn ok(args: &[&str]) -> String {
    let o = gpuplan(args);
    assert!(
        o.status.success(),
        "gpuplan {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn plan_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("plan written")).expect("JSON")
}

#[test]
fn init_writes_a_starter_that_validates_and_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("starter");
    ok(&["init", s(&d)]);
    let scenario = d.join("scenario.toml");
    let text = std::fs::read_to_string(&scenario).expect("scenario");
    assert!(
        text.lines().filter(|l| l.starts_with('#')).count() >= 10,
        "commented"
    );
    let v = ok(&["validate", s(&scenario)]);
    assert!(v.contains("chat-api") && v.contains("nightly-batch"), "{v}");
    let plan = d.join("plan.json");
    ok(&["plan", s(&scenario), "--out", s(&plan), "--quiet"]);
    let p = plan_json(&plan);
    assert_eq!(p["placements"].as_array().map(Vec::len), Some(2));
    // A term plan (the default) as of the end of the starter's week, made on that week.
    assert_eq!(p["horizon"]["start"], p["horizon"]["as_of"]);
    assert_eq!(p["term"]["lookback_end"], p["horizon"]["as_of"]);
    assert_eq!(lookback_hours(&p), 168);
    // A second init never replaces the files: exit 2, the file named, contents unchanged.
    let o = gpuplan(&["init", s(&d)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("scenario.toml"));
    assert_eq!(std::fs::read_to_string(&scenario).expect("kept"), text);
}

/// `ingest focus EXPORT --out DIR` then `plan DIR/scenario.toml`: the plan covers every
/// workload of the demand and the export's span.
fn focus_to_plan(export: &str, dir: &Path) -> Value {
    let out = dir.join("in");
    let summary = ok(&["ingest", "focus", export, "--out", s(&out)]);
    assert!(summary.contains("scenario.toml"), "{summary}");
    let plan = out.join("plan.json");
    ok(&[
        "plan",
        s(&out.join("scenario.toml")),
        "--out",
        s(&plan),
        "--quiet",
    ]);
    let p = plan_json(&plan);
    let demand = std::fs::read_to_string(out.join("demand.csv")).expect("demand");
    let mut workloads: Vec<&str> = demand
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    workloads.sort();
    workloads.dedup();
    let mut placed: Vec<&str> = p["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .filter_map(|x| x["workload"].as_str())
        .collect();
    placed.sort();
    assert_eq!(placed, workloads, "every ingested workload is placed");
    let first = demand
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("a row");
    assert_eq!(
        p["term"]["lookback_start"], first,
        "the planner's lookback starts with the export"
    );
    assert!(
        p["horizon"]["as_of"].as_str() > Some(first),
        "the plan is made as of the export's end"
    );
    p
}

/// Hours between a term plan's `term.lookback_start` and `term.lookback_end`.
fn lookback_hours(p: &Value) -> i64 {
    let at = |k: &str| {
        let v = p["term"][k].as_str().expect("a term timestamp");
        chrono::DateTime::parse_from_rfc3339(v).expect("RFC 3339")
    };
    (at("lookback_end") - at("lookback_start")).num_hours()
}

#[test]
fn a_focus_export_with_an_owned_reservation_plans_in_two_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = focus_to_plan("tests/fixtures/focus/quirks/aws_ri_1.2.csv", dir.path());
    let owned = p["owned_commitments"].as_array().expect("owned");
    assert_eq!(
        owned.len(),
        1,
        "the reservation of the export is owned in the plan"
    );
    assert_eq!(
        owned[0]["offer_id"],
        "aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront"
    );
    assert_eq!(owned[0]["quantity_or_hourly"], 2.0);
    // The plan reports, with the owned reservation on the expiry ladder.
    let plan = dir.path().join("in/plan.json");
    let html = dir.path().join("r.html");
    ok(&[
        "report",
        s(&plan),
        "--demand",
        s(&dir.path().join("in/demand.csv")),
        "--out",
        s(&html),
    ]);
    let text = std::fs::read_to_string(&html).expect("report");
    assert!(text.contains("Commitments already owned"));
    assert!(text.contains("owned aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront"));
}

#[test]
fn the_public_focus_sample_plans_in_two_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = focus_to_plan(
        "tests/fixtures/focus/sample/focus_sample_slice.csv",
        dir.path(),
    );
    assert_eq!(lookback_hours(&p), 429, "the export's GPU usage span");
    assert!(p["costs"]["expected"].as_f64().expect("cost") > 0.0);
}
