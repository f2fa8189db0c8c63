//! The `forecast` command's contract, through the binary: the held-out CSV (one row per
//! held-out hour and workload plus the fleet total `*`), rolling origins, the JSON summary
//! without `null` (idle workloads included) and bad flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WEEK: usize = 168;

/// A 21-day scenario: `busy` runs a daily cycle, `stops` runs until day 14 then idles for
/// the last week, `never` never runs.
fn scenario(dir: &Path) -> PathBuf {
    let mut csv = String::from("timestamp,workload,gpus\n");
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z").expect("ts");
    for t in 0..21 * 24 {
        let ts = (start + chrono::Duration::hours(t as i64)).format("%Y-%m-%dT%H:%M:%SZ");
        let busy = 10.0 + ((t % 24) as f64 / 3.0).floor() + (t % 7) as f64 * 0.25;
        let stops = if t < 14 * 24 { 5.0 } else { 0.0 };
        csv.push_str(&format!(
            "{ts},busy,{busy}\n{ts},stops,{stops}\n{ts},never,0\n"
        ));
    }
    std::fs::write(dir.join("demand.csv"), csv).expect("write demand");
    std::fs::write(
        dir.join("workloads.toml"),
        "[defaults]\ncurrent_gpu = \"H100\"\nclass = \"training\"\n",
    )
    .expect("write workloads");
    let path = dir.join("scenario.toml");
    std::fs::write(
        &path,
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n",
    )
    .expect("write scenario");
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .output()
        .expect("run gpuplan")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("csv written");
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn has_null(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.iter().any(has_null),
        serde_json::Value::Object(m) => m.values().any(has_null),
        _ => false,
    }
}

#[test]
fn holdout_csv_has_every_hour_and_the_fleet_total() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sc = scenario(dir.path());
    let out = dir.path().join("fc.csv");
    let r = run(&["forecast", s(&sc), "--holdout", "7d", "--csv", s(&out)]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let rows = rows(&out);
    assert_eq!(
        rows[0],
        ["timestamp", "workload", "mean", "p10", "p50", "p90"]
    );
    // 168 held-out hours × (3 workloads + the fleet).
    assert_eq!(rows.len() - 1, WEEK * 4);
    assert_eq!(rows[1][0], "2026-01-19T00:00:00Z"); // day 15: the first held-out hour
    assert_eq!(rows.last().expect("rows")[0], "2026-01-25T23:00:00Z");
    let mut fleet_rows = 0;
    for r in &rows[1..] {
        let v: Vec<f64> = r[2..].iter().map(|x| x.parse().expect("number")).collect();
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{r:?}");
        assert!(v[1] <= v[2] + 1e-9 && v[2] <= v[3] + 1e-9, "{r:?}");
        if r[1] == "*" {
            fleet_rows += 1;
        }
        if r[1] == "never" {
            assert!(v.iter().all(|&x| x == 0.0), "{r:?}");
        }
    }
    assert_eq!(fleet_rows, WEEK);
    // The table summary names the baseline.
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(
        text.contains("seasonal-naive") && text.contains("coverage"),
        "{text}"
    );
}

#[test]
fn rolling_origins_share_one_csv_with_an_origin_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sc = scenario(dir.path());
    let out = dir.path().join("fc.csv");
    let r = run(&[
        "forecast",
        s(&sc),
        "--holdout",
        "7d",
        "--origins",
        "3",
        "--step",
        "24h",
        "--csv",
        s(&out),
        "--format",
        "json",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let rows = rows(&out);
    assert_eq!(
        rows[0],
        [
            "origin",
            "timestamp",
            "workload",
            "mean",
            "p10",
            "p50",
            "p90"
        ]
    );
    assert_eq!(rows.len() - 1, 3 * WEEK * 4);
    let mut origins: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    origins.dedup();
    assert_eq!(
        origins,
        [
            "2026-01-17T00:00:00Z",
            "2026-01-18T00:00:00Z",
            "2026-01-19T00:00:00Z"
        ]
    );
    // JSON: the summary, no null anywhere, idle workloads' WAPE left out and flagged.
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert!(!has_null(&v), "{v}");
    assert_eq!(v["origins"], 3);
    assert_eq!(v["holdout_hours"], WEEK);
    for key in [
        "workload_weekly_wape",
        "fleet_weekly_error",
        "fleet_hourly_wape",
    ] {
        assert!(v[key]["gpuplan"].is_number(), "{key}");
        assert!(v[key]["seasonal_naive"].is_number(), "{key}");
    }
    assert!(v["coverage"]["workload_hours"].is_number());
    assert!(v["coverage"]["fleet_hours"].is_number());
    let per = v["per_workload"].as_array().expect("per_workload");
    let find = |n: &str| per.iter().find(|w| w["workload"] == n).expect("workload");
    assert_eq!(find("busy")["wape_defined"], true);
    assert!(find("busy")["wape"].is_number());
    let idle = find("never");
    assert_eq!(idle["wape_defined"], false, "{idle}");
    assert!(
        idle.get("wape").is_none() && idle.get("naive_wape").is_none(),
        "{idle}"
    );
    assert_eq!(idle["actual_gpu_hours"], 0.0);
    // `stops` ran before the held-out weeks of the first two origins only partly: its WAPE
    // is defined over the origins together.
    assert!(find("stops")["actual_gpu_hours"].as_f64().expect("number") > 0.0);
    assert_eq!(v["per_origin"].as_array().expect("per_origin").len(), 3);
}

#[test]
fn idle_for_the_whole_holdout_is_reported_as_undefined() {
    // One origin: `stops` and `never` have no demand in the held-out week.
    let dir = tempfile::tempdir().expect("tempdir");
    let sc = scenario(dir.path());
    let r = run(&["forecast", s(&sc), "--format", "json"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert!(!has_null(&v), "{v}");
    for w in v["per_workload"].as_array().expect("per_workload") {
        let defined = w["workload"] == "busy";
        assert_eq!(w["wape_defined"], defined, "{w}");
        assert_eq!(w.get("wape").is_some(), defined, "{w}");
    }
}

#[test]
fn too_many_origins_is_a_flag_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sc = scenario(dir.path());
    let out = dir.path().join("fc.csv");
    // 504 h of history, a week of holdout and a week of fit leave room for 8 daily origins.
    let r = run(&["forecast", s(&sc), "--origins", "9", "--csv", s(&out)]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("--origins") && err.contains("at most 8"),
        "{err}"
    );
    assert!(!out.exists());
    let ok = run(&["forecast", s(&sc), "--origins", "8", "--csv", s(&out)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Zero-length durations are refused too.
    for (flag, val) in [("--holdout", "0h"), ("--step", "0h"), ("--origins", "0")] {
        let r = run(&["forecast", s(&sc), flag, val]);
        assert_eq!(r.status.code(), Some(2), "{flag} {val}");
        assert!(String::from_utf8_lossy(&r.stderr).contains(flag));
    }
}

/// Checks `v` against the subset of JSON Schema that `schemas/forecast.schema.json` uses
/// (type, const, required, properties, additionalProperties: false, items, minimum,
/// maximum), collecting every violation.
fn validate(schema: &serde_json::Value, v: &serde_json::Value, path: &str, errs: &mut Vec<String>) {
    use serde_json::Value;
    if let Some(c) = schema.get("const") {
        if v != c {
            errs.push(format!("{path}: expected {c}, found {v}"));
        }
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_u64() || v.is_i64(),
            "boolean" => v.is_boolean(),
            other => panic!("schema type {other} not handled"),
        };
        if !ok {
            errs.push(format!("{path}: expected {t}, found {v}"));
            return;
        }
    }
    if let Some(x) = v.as_f64() {
        let min = schema.get("minimum").and_then(Value::as_f64);
        let max = schema.get("maximum").and_then(Value::as_f64);
        if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
            errs.push(format!("{path}: {x} out of range"));
        }
    }
    if let Some(obj) = v.as_object() {
        for k in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(k.as_str().unwrap_or_default()) {
                errs.push(format!("{path}: missing {k}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(sub, x, &format!("{path}.{k}"), errs),
                None => errs.push(format!("{path}: undeclared key {k}")),
            }
        }
    }
    if let (Some(arr), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in arr.iter().enumerate() {
            validate(items, x, &format!("{path}[{i}]"), errs);
        }
    }
}

#[test]
fn json_conforms_to_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sc = scenario(dir.path());
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/forecast.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema is JSON");
    for origins in ["1", "4"] {
        let r = run(&["forecast", s(&sc), "--origins", origins, "--format", "json"]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
        let mut errs = Vec::new();
        validate(&schema, &v, "$", &mut errs);
        assert!(errs.is_empty(), "{}", errs.join("\n"));
    }
}
