//! Property (issue 14): every plan gpuplan writes is read back by `gpuplan evaluate`, and no
//! plan holds something else where the schema says number, nor any `null` (plan JSON 3.0.0
//! leaves an absent value out). Random tiny instances (seeded
//! SplitMix64) on the shipped catalog: one to three workloads of random GPUs and classes,
//! spot shares, memory floors, demand from zero through millionths of a GPU to tens of
//! thousands, random instruments, caps and time resolution, sometimes forecast scenarios
//! or a CVaR budget (so some plans are infeasible: those must read back too).

mod common;

use gpuplan::domain::rng::SplitMix64;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn gpuplan(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .expect("run gpuplan")
}

fn pick<'a>(rng: &mut SplitMix64, v: &[&'a str]) -> &'a str {
    v[rng.below(v.len())]
}

/// A GPU count: zero, a millionth to a thousandth, ordinary, or large.
fn gpus(rng: &mut SplitMix64) -> String {
    let u = (rng.next_u64() % 1_000_000) as f64 / 1_000_000.0;
    match rng.below(10) {
        0 | 1 => "0".into(),
        2 => format!("{:.6}", 1e-6 + u * 1e-3),
        3 => format!("{:.3}", 1e3 + u * 4e4),
        _ => format!("{:.3}", u * 20.0),
    }
}

/// Writes one random instance into `dir`.
fn instance(rng: &mut SplitMix64, dir: &Path) {
    let n = 1 + rng.below(3);
    let hours = 6 + rng.below(19);
    let mut d = String::from("timestamp,workload,gpus\n");
    for h in 0..hours {
        for w in 0..n {
            d.push_str(&format!(
                "2026-03-{:02}T{:02}:00:00Z,w{w},{}\n",
                1 + h / 24,
                h % 24,
                gpus(rng)
            ));
        }
    }
    std::fs::write(dir.join("demand.csv"), d).expect("write");
    let mut wl = String::new();
    for w in 0..n {
        wl.push_str(&format!(
            "[workloads.w{w}]\ncurrent_gpu = \"{}\"\nclass = \"{}\"\nmin_gpu_memory_gb = {}\n",
            pick(rng, &["H100", "A100-80GB", "L4", "T4", "L40S"]),
            pick(rng, &["training", "inference", "experimentation"]),
            pick(rng, &["0", "16", "24", "80"]),
        ));
        if rng.below(2) == 0 {
            let share = rng.below(11) as f64 / 10.0;
            wl.push_str(&format!("interruptible = true\nmax_spot_share = {share}\n"));
        }
        if rng.below(3) == 0 {
            wl.push_str("storage_per_gpu_hour = 0.05\noverhead_pct = 7.5\nhome_cloud = \"aws\"\negress_per_gpu_hour = 0.02\n");
        }
        wl.push('\n');
    }
    std::fs::write(dir.join("workloads.toml"), wl).expect("write");
    let mut sc = String::from("demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n");
    sc.push_str(&format!(
        "\n[instruments]\nspot = {}\nterms_months = {}\nclouds = {}\n",
        rng.below(3) != 0,
        pick(rng, &["[12, 36]", "[12]", "[36]"]),
        pick(
            rng,
            &[
                "[\"aws\", \"azure\", \"gcp\"]",
                "[\"aws\"]",
                "[\"gcp\", \"azure\"]"
            ]
        ),
    ));
    sc.push_str(&format!(
        "\n[caps]\nmax_committed_share = {}\n",
        pick(rng, &["1.0", "0.5", "0.0"])
    ));
    if rng.below(4) == 0 {
        sc.push_str(&format!("max_upfront = {}\n", pick(rng, &["0", "1000"])));
    }
    match rng.below(6) {
        0 => sc.push_str("\n[forecast]\nscenarios = 3\n\n[window]\nhorizon = \"12h\"\n"),
        1 => sc.push_str("\n[risk]\nmax_cvar = 1.0\n"),
        _ => {}
    }
    sc.push_str(&format!(
        "\n[solver]\nresolution = {}\nmethod = \"{}\"\ntime_limit_seconds = 30\n",
        pick(rng, &["\"full\"", "\"auto\"", "4"]),
        pick(rng, &["mip", "auto", "decompose"]),
    ));
    std::fs::write(dir.join("scenario.toml"), sc).expect("write");
}

/// Paths of the document where the schema says number (or integer), not null, and the
/// document holds something else.
fn nulls_where_numbers(schema: &Value, doc: &Value, path: &str, out: &mut Vec<String>) {
    let only_number =
        matches!(schema.get("type"), Some(Value::String(t)) if t == "number" || t == "integer");
    if only_number && !doc.is_number() {
        out.push(format!("{path} = {doc}"));
    }
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        doc.as_object(),
    ) {
        for (k, sub) in props {
            if let Some(v) = obj.get(k) {
                nulls_where_numbers(sub, v, &format!("{path}.{k}"), out);
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), doc.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            nulls_where_numbers(items, v, &format!("{path}[{i}]"), out);
        }
    }
}

#[test]
fn every_plan_written_reads_back_and_has_numbers_where_the_schema_says_number() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/plan.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema JSON");
    let seeds = std::env::var("GPUPLAN_READBACK_INSTANCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20u64);
    let mut statuses = std::collections::BTreeMap::new();
    for seed in 0..seeds {
        let mut rng = SplitMix64::new(seed);
        let dir = tempfile::tempdir().expect("tempdir");
        instance(&mut rng, dir.path());
        let out = gpuplan(
            dir.path(),
            &[
                "plan",
                "scenario.toml",
                "--out",
                "plan.json",
                "--reproducible",
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "seed {seed}: plan failed: {err}"
        );
        let text = std::fs::read_to_string(dir.path().join("plan.json")).expect("plan.json");
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        let mut bad = Vec::new();
        nulls_where_numbers(&schema, &doc, "$", &mut bad);
        assert!(bad.is_empty(), "seed {seed}: {bad:?}\n{text}");
        let nulls = common::json::null_paths(&doc, "$");
        assert!(nulls.is_empty(), "seed {seed}: null at {nulls:?}\n{text}");
        let status = doc["solve"]["status"].as_str().unwrap_or("?").to_string();
        *statuses.entry(status.clone()).or_insert(0) += 1;
        let ev = gpuplan(
            dir.path(),
            &[
                "evaluate",
                "--plan",
                "plan.json",
                "--demand",
                "demand.csv",
                "--format",
                "json",
            ],
        );
        let ev_err = String::from_utf8_lossy(&ev.stderr);
        if doc["placements"].as_array().is_some_and(Vec::is_empty) {
            // No plan was found: evaluate reads the file and says there is nothing to
            // re-price, naming the status.
            assert_eq!(ev.status.code(), Some(2), "seed {seed}: {ev_err}");
            assert!(
                ev_err.contains("holds no plan to re-price") && ev_err.contains(&status),
                "seed {seed}: {ev_err}"
            );
            continue;
        }
        assert_eq!(
            ev.status.code(),
            Some(0),
            "seed {seed}: evaluate refused the plan gpuplan wrote: {ev_err}\n{text}"
        );
        let e: Value = serde_json::from_slice(&ev.stdout).expect("evaluation JSON");
        assert!(e["cost"].is_number(), "seed {seed}: {e}");
    }
    // The instances reach both plans and infeasibility.
    assert!(
        statuses.get("optimal").is_some_and(|&n| n > 0),
        "{statuses:?}"
    );
    assert!(
        statuses.get("infeasible").is_some_and(|&n| n > 0),
        "{statuses:?}"
    );
}

#[test]
fn the_null_check_finds_a_null_number() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "a": {"type": "number"},
            "b": {"type": ["number", "null"]},
            "c": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "number"}}}}
        }
    });
    let mut out = Vec::new();
    let ok = serde_json::json!({"a": 1.5, "b": null, "c": [{"x": 2}]});
    nulls_where_numbers(&schema, &ok, "$", &mut out);
    assert!(out.is_empty(), "{out:?}");
    let bad = serde_json::json!({"a": null, "b": 1, "c": [{"x": 2}, {"x": null}]});
    nulls_where_numbers(&schema, &bad, "$", &mut out);
    assert_eq!(out, ["$.a = null", "$.c[1].x = null"]);
    assert_eq!(common::json::null_paths(&ok, "$"), ["$.b"]);
    assert_eq!(common::json::null_paths(&bad, "$"), ["$.a", "$.c[1].x"]);
    let a_string_null = serde_json::json!({"a": 1, "c": [{"x": "null"}]});
    assert!(common::json::null_paths(&a_string_null, "$").is_empty());
}
