//! `gpuplan inventory`: fleet groups, shares, ESR and commitment utilization from a FOCUS
//! export (values computed by hand from the fixture rows), anomalies against the
//! hour-of-week band, unit economics with the week-over-week regression flag, the scenario
//! path, and the command's table and JSON.

mod golden_support;

use gpuplan::analysis::inventory::{find_anomalies, from_focus, parse_metrics, InventoryOptions};
use gpuplan::domain::{DemandHistory, HourWindow};
use gpuplan::ingest::catalog::load_catalog;
use gpuplan::ingest::focus::{read_focus, FocusOptions};
use gpuplan::synth::focus::write_from_demand;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fx(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b}");
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn gpuplan(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .output()
        .expect("run gpuplan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn focus_inventory_shares_esr_and_commitments() {
    let cat = load_catalog(None).unwrap();
    let ing = read_focus(
        &[fx("focus/quirks/aws_ri_1.2.csv")],
        &cat,
        &FocusOptions::default(),
    )
    .unwrap();
    let inv = from_focus(&ing, None, &BTreeMap::new(), &InventoryOptions::default()).unwrap();
    // GPU-hours: pretrain 42 (40 committed, 2 on-demand) + notebook 1.5 on-demand.
    close(inv.totals.gpu_hours, 43.5, 1e-9);
    close(inv.totals.committed_share, 40.0 / 43.5, 1e-12);
    close(inv.totals.on_demand_share, 3.5 / 43.5, 1e-12);
    // ESR (amortized, with the unused RI hour):
    //   on-demand equivalent = 5 × 21.9576 + 10.9788 − 5.4894 + 1.509 = 116.7864
    //   actual = 69.605592 + 5.4894 + 1.509 + 13.9211184 (unused) = 90.5251104
    //   ESR = 26.2612896 / 116.7864 = 22.487%
    close(inv.totals.on_demand_equivalent, 116.7864, 1e-9);
    close(inv.totals.actual_cost, 90.5251104, 1e-6);
    close(inv.totals.esr.unwrap(), 26.2612896 / 116.7864, 1e-9);
    // Group research / llm / aws / us-east-1 / A100-40GB.
    let g = inv.groups.iter().find(|g| g.project == "llm").unwrap();
    assert_eq!(
        (
            g.team.as_str(),
            g.cloud.as_str(),
            g.region.as_str(),
            g.gpu_model.as_str()
        ),
        ("research", "aws", "us-east-1", "A100-40GB")
    );
    close(g.gpu_hours, 42.0, 1e-9);
    close(g.committed_share, 40.0 / 42.0, 1e-12);
    // Hidden cost per GPU-hour of pretrain: (3.00 + 1.20 + 2.40) / 42.
    let w = inv.workloads.iter().find(|w| w.name == "pretrain").unwrap();
    close(w.hidden_per_gpu_hour, 6.6 / 42.0, 1e-12);
    // The RI: 5/6 used; expires 2026-03-01, 365 days minus the 3 hours of data after the
    // data's end (2025-03-01T03:00Z).
    let c = &inv.commitments[0];
    close(c.utilization.unwrap(), 5.0 / 6.0, 1e-12);
    assert_eq!(
        c.offer_id.as_deref(),
        Some("aws-ri-p4d.24xlarge-us-east-1-1y-no_upfront")
    );
    close(c.expires_in_days.unwrap(), 365.0 - 3.0 / 24.0, 1e-9);
    assert!(c.dates_assumed);
}

#[test]
fn anomalies_are_runs_outside_the_hour_of_week_band() {
    // Three identical weeks of a daily cycle 10 + (hour of day) GPUs; in week 3, hours
    // 50..54 are +30. Every hour-of-week slot has the same value in weeks 1 and 2, so its
    // median is the base and its MAD is 0: the band half-width is max(10% of the median,
    // 5% of the mean). Excess per spiked hour = (base + 30) − (base + half).
    let base = |t: usize| 10.0 + (t % 24) as f64;
    let mut x: Vec<f64> = (0..504).map(base).collect();
    for v in x.iter_mut().skip(336 + 50).take(4) {
        *v += 30.0;
    }
    let start = chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap();
    let a = find_anomalies("w", "gpus", &x, start, 3.0, 2.0);
    assert_eq!(a.len(), 1, "{a:?}");
    let a = &a[0];
    assert_eq!((a.hours, a.direction.as_str()), (4, "above"));
    assert_eq!(a.start, start + chrono::Duration::hours(336 + 50));
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let excess: f64 = (50..54)
        .map(|t| {
            let b = base(t);
            30.0 - (0.1 * b).max(0.05 * mean)
        })
        .sum();
    close(a.excess, excess, 1e-9);
    close(a.excess_usd, 2.0 * excess, 1e-9);
    // A flat series has no anomaly; a short one (< 3 days) is not judged.
    assert!(find_anomalies("w", "gpus", &[5.0; 400], start, 3.0, 1.0).is_empty());
    assert!(find_anomalies("w", "gpus", &[5.0; 40], start, 3.0, 1.0).is_empty());
}

#[test]
fn unit_economics_flags_a_week_over_week_regression() {
    // One workload on 1 × p4de (8 GPUs) every hour for 2 weeks: cost 27.4471 $/h.
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap();
    let d = DemandHistory {
        window: HourWindow {
            start,
            end: start + chrono::Duration::hours(336),
        },
        workloads: vec!["chat".into()],
        gpus: vec![vec![8.0; 336]],
        rows: 336,
    };
    let cat = load_catalog(None).unwrap();
    let o = cat
        .offerings
        .iter()
        .find(|o| o.instance_type == "p4de.24xlarge")
        .unwrap();
    let export = dir.path().join("e.csv");
    let mut f = std::fs::File::create(&export).unwrap();
    write_from_demand(&d, o, "workload", 0.0, &mut f).unwrap();
    // Requests: 1000/h in week 1, 800/h in week 2.
    let mut m = String::from("timestamp,workload,requests\n");
    for t in 0..336 {
        let ts = (start + chrono::Duration::hours(t)).format("%Y-%m-%dT%H:%M:%SZ");
        m.push_str(&format!("{ts},chat,{}\n", if t < 168 { 1000 } else { 800 }));
    }
    let metrics = parse_metrics(Path::new("metrics.csv"), m.as_bytes()).unwrap();
    let ing = read_focus(
        std::slice::from_ref(&export),
        &cat,
        &FocusOptions::default(),
    )
    .unwrap();
    let inv = from_focus(
        &ing,
        Some(&metrics),
        &BTreeMap::new(),
        &InventoryOptions::default(),
    )
    .unwrap();
    let u = &inv.unit_economics[0];
    assert_eq!(u.unit, "per 1k requests");
    // Week cost 168 × 27.4471 = 4611.1128; per 1k requests: ÷ 168 (week 1), ÷ 134.4 (week 2).
    close(u.weeks[0].unit_cost.unwrap(), 27.4471, 1e-6);
    close(
        u.weeks[1].unit_cost.unwrap(),
        27.4471 * 1000.0 / 800.0,
        1e-6,
    );
    close(u.change_pct.unwrap(), 25.0, 1e-6);
    assert!(u.regression);
    // Through the command, with a 30% threshold: no flag.
    let mp = dir.path().join("metrics.csv");
    std::fs::write(&mp, &m).unwrap();
    let (code, out, err) = gpuplan(&[
        "inventory",
        "--focus",
        path_str(&export),
        "--metrics",
        path_str(&mp),
        "--format",
        "json",
        "--top",
        "5",
        "--regression-pct",
        "30",
    ]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["schema"], "gpuplan.inventory/1");
    assert_eq!(json["unit_economics"][0]["regression"], false);
    assert_eq!(json["workloads"][0]["class"], "training");
}

/// Every fractional number under `v`: money keys (and an anomaly's amounts when its metric
/// is cost) in whole cents, anything else in at most 6 decimals.
fn assert_rounded(v: &serde_json::Value, money: bool, at: &str) {
    const MONEY: [&str; 6] = [
        "cost",
        "hidden_cost",
        "unused_cost",
        "excess_usd",
        "on_demand_equivalent",
        "actual_cost",
    ];
    match v {
        serde_json::Value::Object(o) => {
            let cost = o.get("metric").and_then(|m| m.as_str()) == Some("cost");
            for (k, x) in o {
                let m = MONEY.contains(&k.as_str())
                    || (cost
                        && ["peak_value", "expected", "peak_excess", "excess"]
                            .contains(&k.as_str()));
                assert_rounded(x, m, &format!("{at}.{k}"));
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                assert_rounded(x, false, &format!("{at}[{i}]"));
            }
        }
        serde_json::Value::Number(n) => {
            let f = n.as_f64().expect("finite");
            let scale = if money { 100.0 } else { 1e6 };
            assert!(((f * scale).round() - f * scale).abs() < 1e-6, "{at} = {f}");
        }
        _ => {}
    }
}

#[test]
fn inventory_json_rounds_money_to_cents_and_names_the_currency() {
    // The FOCUS quirks export prices commitments and anomalies with amounts like
    // 165.73951011648873 before rounding.
    let files: Vec<String> = golden_support::focus_quirk_files()
        .iter()
        .map(|f| {
            golden_support::root()
                .join(f)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut args = vec!["inventory", "--focus"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let (code, out, err) = gpuplan(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["currency"], "USD");
    assert!(v["anomalies"].as_array().is_some_and(|a| !a.is_empty()));
    assert_rounded(&v, false, "$");
}

#[test]
fn inventory_of_a_scenario() {
    let sc = fx("tiny/scenario.toml");
    let (code, out, err) = gpuplan(&["inventory", path_str(&sc), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["source"], "scenario");
    let ws = v["workloads"].as_array().unwrap();
    assert_eq!(ws.len(), 3);
    for w in ws {
        let s = w["committed_share"].as_f64().unwrap()
            + w["spot_share"].as_f64().unwrap()
            + w["on_demand_share"].as_f64().unwrap();
        // Each share is rounded to 6 decimals on output.
        assert!((s - 1.0).abs() < 2e-6, "{w}");
        assert_eq!(w["class_source"], "declared");
    }
    // The owned g6e.xlarge RI (one instance) and its expiry 2026-10-06, one day before the
    // data's end.
    let c = &v["commitments"][0];
    assert_eq!(c["offer_id"], "aws-ri-g6e.xlarge-us-east-1-1y-no_upfront");
    assert_eq!(c["expires_in_days"].as_f64().unwrap(), -1.0);
    let u = c["utilization"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&u));
    // Table output names every section.
    let (code, t, err) = gpuplan(&["inventory", path_str(&sc)]);
    assert_eq!(code, 0, "{err}");
    for h in [
        "By team / project / cloud / region / GPU model",
        "Workloads",
        "Owned commitments",
        "Top anomalies",
    ] {
        assert!(t.contains(h), "{t}");
    }
}

#[test]
fn inventory_needs_a_source_and_sane_flags() {
    let sc = fx("tiny/scenario.toml");
    let (code, _, err) = gpuplan(&["inventory", path_str(&sc), "--anomaly-k", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--anomaly-k"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let (code, _, err) = gpuplan(&["inventory", path_str(&sc), "--regression-pct", "-1"]);
    assert_eq!(code, 2, "{err}");
    // No source, both sources, ingest without --out: usage errors (exit 2).
    assert_eq!(gpuplan(&["inventory"]).0, 2);
    assert_eq!(gpuplan(&["inventory", "s.toml", "--focus", "a.csv"]).0, 2);
    assert_eq!(gpuplan(&["ingest", "focus", "x.csv"]).0, 2);
}
