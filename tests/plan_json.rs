//! The plan JSON contract (`docs/plan-json.md`) on the tiny fixture
//! `tests/fixtures/tiny/` (3 workloads x 48 hours, 4 AWS offerings, one owned RI that expires
//! in the middle of the window; `plan` takes well under a second).
//!
//! - the document conforms to `schemas/plan.schema.json`, and every key it has is declared
//!   there (checked with a small validator written here on top of serde_json);
//! - `--reproducible` runs are byte-identical; other runs differ only in `generated_at` and
//!   `solve.seconds`; `SOURCE_DATE_EPOCH` pins `generated_at`;
//! - money is rounded to cents and the costs add up;
//! - `evaluate` on the written plan prices the same cost as `plan` reported;
//! - exit codes and one-line `error: ` messages for an unwritable `--out` and a malformed plan;
//! - the terminal table matches `tests/golden/tiny_plan_table.txt`.
//!
//! Golden file: `tests/golden/tiny_plan_table.txt` was written from the output of
//! `gpuplan plan tests/fixtures/tiny/scenario.toml --format table --reproducible` only after
//! its numbers were checked by hand against the JSON of the same run:
//! - costs add up: commitments + spot + on-demand + hidden + unserved = 2,129.77 vs expected
//!   2,129.76 (cent rounding), and the model objective equals the re-priced cost (2,129.76);
//! - savings 3,885.72 - 2,129.76 = 1,755.96, 45.2%;
//! - shares sum to 100% within display rounding: fleet 93.1 + 4.9 + 2.0; per placement
//!   96.8 + 0.0 + 3.2, 67.9 + 31.0 + 1.1, 99.6 + 0.0 + 0.4; the interruptible batch-embed stays
//!   below its max_spot_share of 50%;
//! - upfront of all-upfront purchases = effective hourly x 26,280 h (36 x 730);
//! - spend commitments are whole cents per hour (0.91, 19.74, 1.30 USD/h).
//!
//! Rewritten after two model changes, each re-checked as above: the objective's constant
//! (owned commitments) restored, and spend commitments bought in cents rather than dollars.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TINY: &str = "tests/fixtures/tiny/scenario.toml";
const TINY_DEMAND: &str = "tests/fixtures/tiny/demand.csv";
const GOLDEN_TABLE: &str = "tests/golden/tiny_plan_table.txt";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary from the package root (so the scenario path in the output is the same
/// relative path every time), without an inherited SOURCE_DATE_EPOCH.
fn gpuplan(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gpuplan"));
    cmd.current_dir(root())
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("cannot run gpuplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_ok(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `plan <scenario> --out <dir>/<name> [extra]`; returns the file's text.
fn plan_to_file(
    scenario: &str,
    dir: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let path = dir.join(name);
    let path_s = path.to_str().expect("utf-8 temp path");
    let mut args = vec!["plan", scenario, "--out", path_s];
    args.extend_from_slice(extra);
    let out = gpuplan(&args, env);
    assert_ok(&out, &format!("gpuplan {}", args.join(" ")));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON: {e}\n{json}"))
}

/// The tiny fixture planned with `--reproducible`: (file text, parsed).
fn tiny_plan(dir: &Path) -> (String, Value) {
    let s = plan_to_file(TINY, dir, "plan.json", &["--reproducible"], &[]);
    let v = parse(&s);
    (s, v)
}

fn schema() -> Value {
    let p = root().join("schemas/plan.schema.json");
    let s =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    parse(&s)
}

fn num(v: &Value, ptr: &str) -> f64 {
    v.pointer(ptr)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{ptr} is not a number: {:?}", v.pointer(ptr)))
}

// ---------------------------------------------------------------------------------------------
// A small JSON Schema validator: type (a name or a list of names, "integer" = a number with no
// fractional part), const, enum, required, properties, additionalProperties (false only),
// items, minimum, maximum. Enough for schemas/plan.schema.json, which uses nothing else that
// constrains values ("format" is an annotation).

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "object" => v.is_object(),
        "array" => v.is_array(),
        other => panic!("schema uses unknown type {other:?}"),
    }
}

fn validate(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(c) = schema.get("const") {
        if v != c {
            errs.push(format!("{path}: expected const {c}, found {v}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{path}: {v} is not one of {e:?}"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().expect("type names are strings"))
                .collect(),
            _ => panic!("{path}: bad type in schema: {t}"),
        };
        if !types.iter().any(|t| type_ok(t, v)) {
            errs.push(format!("{path}: expected type {types:?}, found {v}"));
            return;
        }
    }
    if let Some(x) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if x < min {
                errs.push(format!("{path}: {x} is below the minimum {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if x > max {
                errs.push(format!("{path}: {x} is above the maximum {max}"));
            }
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for k in req {
                let k = k.as_str().expect("required names are strings");
                if !obj.contains_key(k) {
                    errs.push(format!("{path}: missing required key {k:?}"));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(sub, val, &format!("{path}.{k}"), errs),
                None => {
                    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                        errs.push(format!("{path}: key {k:?} is not allowed"));
                    }
                }
            }
        }
    }
    if let (Some(arr), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in arr.iter().enumerate() {
            validate(items, x, &format!("{path}[{i}]"), errs);
        }
    }
}

/// Keys of `v` (at any depth) that the schema does not declare in `properties`.
fn undeclared_keys(schema: &Value, v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(obj) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => undeclared_keys(sub, val, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}")),
                }
            }
        }
        Value::Array(arr) => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            for (i, x) in arr.iter().enumerate() {
                undeclared_keys(items, x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Whether the JSON pointer `ptr` names nothing in `v` (the key is left out).
fn absent(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).is_none()
}

fn check_against_schema(doc: &Value, what: &str) {
    let s = schema();
    let mut errs = Vec::new();
    validate(&s, doc, "$", &mut errs);
    assert!(
        errs.is_empty(),
        "{what} does not conform to schemas/plan.schema.json:\n{}",
        errs.join("\n")
    );
    let nulls = common::json::null_paths(doc, "$");
    assert!(
        nulls.is_empty(),
        "{what} writes null (an absent value is left out):\n{}",
        nulls.join("\n")
    );
    let mut extra = Vec::new();
    undeclared_keys(&s, doc, "$", &mut extra);
    assert!(
        extra.is_empty(),
        "{what} has keys that schemas/plan.schema.json does not declare (add them to the schema):\n{}",
        extra.join("\n")
    );
}

/// Walks every subschema that describes an object.
fn object_schemas<'a>(s: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    let is_object = match s.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(a)) => a.iter().any(|t| t == "object"),
        _ => false,
    };
    if is_object {
        out.push((path.to_string(), s));
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, sub) in props {
            object_schemas(sub, &format!("{path}.{k}"), out);
        }
    }
    if let Some(items) = s.get("items") {
        object_schemas(items, &format!("{path}[]"), out);
    }
}

#[test]
fn schema_is_complete_and_self_consistent() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["properties"]["schema_version"]["const"], "3.0.0");
    assert_eq!(
        s["properties"]["schema_version"]["const"],
        gpuplan::output::json::SCHEMA_VERSION,
        "schema and writer disagree on the contract version"
    );
    let mut objs = Vec::new();
    object_schemas(&s, "$", &mut objs);
    assert!(
        objs.len() >= 10,
        "expected every object of the plan in the schema"
    );
    for (path, o) in objs {
        assert_eq!(
            o.get("additionalProperties"),
            Some(&Value::Bool(true)),
            "{path}: additionalProperties must be true (adding a field is a compatible change)"
        );
        let props = o["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}: no properties"));
        let req: BTreeSet<&str> = o["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no required list"))
            .iter()
            .map(|x| x.as_str().expect("string"))
            .collect();
        let keys: BTreeSet<&str> = props.keys().map(String::as_str).collect();
        assert!(
            req.is_subset(&keys),
            "{path}: required lists undeclared keys"
        );
        for (k, p) in props {
            let d = p.get("description").and_then(Value::as_str).unwrap_or("");
            assert!(!d.trim().is_empty(), "{path}.{k}: no description");
            assert!(p.get("type").is_some(), "{path}.{k}: no type");
            // The writer never writes null: a value that may be missing is left out, and
            // its description says when.
            let types = match &p["type"] {
                Value::Array(ts) => ts.clone(),
                t => vec![t.clone()],
            };
            assert!(!types.contains(&"null".into()), "{path}.{k}: nullable type");
            assert!(
                req.contains(k.as_str()) || d.to_lowercase().contains("absent"),
                "{path}.{k}: optional, but its description does not say when it is absent"
            );
        }
    }
    let en = |ptr: &str| -> Vec<String> {
        s.pointer(ptr)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no enum at {ptr}"))
            .iter()
            .map(|x| x.as_str().expect("string").to_string())
            .collect()
    };
    let p = "/properties/purchases/items/properties";
    assert_eq!(
        en("/properties/solve/properties/status/enum"),
        gpuplan::solve::SolveStatus::ALL.map(|s| s.as_str())
    );
    assert_eq!(en(&format!("{p}/kind/enum")), ["unit", "spend"]);
    assert_eq!(
        en(&format!("{p}/payment/enum")),
        ["no_upfront", "partial_upfront", "all_upfront"]
    );
    assert_eq!(en(&format!("{p}/cloud/enum")), ["aws", "azure", "gcp"]);
    assert_eq!(
        en("/properties/placements/items/properties/cloud/enum"),
        ["aws", "azure", "gcp"]
    );
    assert_eq!(
        en("/properties/placements/items/properties/class/enum"),
        ["training", "inference", "experimentation"]
    );
}

#[test]
fn validator_rejects_what_it_should() {
    // The validator itself: a conforming document passes, and each kind of defect is caught.
    let s = schema();
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, doc) = tiny_plan(dir.path());
    let mut errs = Vec::new();
    validate(&s, &doc, "$", &mut errs);
    assert!(errs.is_empty(), "{errs:?}");
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        let mut errs = Vec::new();
        validate(&s, &d, "$", &mut errs);
        let mut extra = Vec::new();
        undeclared_keys(&s, &d, "$", &mut extra);
        errs.len() + extra.len()
    };
    assert!(
        broken(&|d| d["schema_version"] = "1.0.0".into()) > 0,
        "const"
    );
    assert!(
        broken(&|d| d["solve"]["status"] = "done".into()) > 0,
        "enum"
    );
    assert!(broken(&|d| d["horizon"]["hours"] = "48".into()) > 0, "type");
    assert!(
        broken(&|d| d["horizon"]["hours"] = 47.5.into()) > 0,
        "integer"
    );
    assert!(
        broken(&|d| d["costs"]["coverage_spot"] = 1.5.into()) > 0,
        "maximum"
    );
    assert!(
        broken(&|d| d["costs"]["expected"] = Value::Null) > 0,
        "not nullable"
    );
    assert!(
        broken(&|d| d["solve"]["seconds"] = Value::Null) > 0,
        "an optional value is absent, never null"
    );
    assert!(
        broken(&|d| {
            d["costs"]
                .as_object_mut()
                .expect("object")
                .remove("expected");
        }) > 0,
        "a required key is never absent"
    );
    assert!(
        broken(&|d| {
            d["purchases"][0]
                .as_object_mut()
                .expect("object")
                .remove("offer_id");
        }) > 0,
        "required in items"
    );
    assert!(
        broken(&|d| d["placements"][0]["surprise"] = 1.into()) > 0,
        "undeclared key"
    );
    assert_eq!(
        broken(&|d| d["solve"]["seconds"] = 0.25.into()),
        0,
        "optional number"
    );
}

#[test]
fn plan_conforms_to_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, doc) = tiny_plan(dir.path());
    check_against_schema(&doc, "the tiny plan");
    // The fixture exercises both purchase kinds, an owned commitment, spot and a tier change.
    let kinds: BTreeSet<&str> = doc["purchases"]
        .as_array()
        .expect("purchases")
        .iter()
        .map(|p| p["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["spend", "unit"]),
        "fixture should buy both kinds"
    );
    assert_eq!(doc["owned_commitments"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["placements"].as_array().map(Vec::len), Some(3));
    assert!(num(&doc, "/costs/spot") > 0.0, "fixture should use spot");
    // `--out` writes the file whole, with nothing left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read tempdir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["plan.json"]);

    // An infeasible plan (a workload no offering can host): the optional branches of the
    // schema, left out.
    let tmp = tempfile::tempdir().expect("tempdir");
    let wl = std::fs::read_to_string(root().join("tests/fixtures/tiny/workloads.toml"))
        .expect("workloads.toml")
        .replace("min_gpu_memory_gb = 80", "min_gpu_memory_gb = 1000");
    assert!(
        wl.contains("min_gpu_memory_gb = 1000"),
        "fixture changed: update this test"
    );
    std::fs::write(tmp.path().join("workloads.toml"), wl).expect("write");
    let sc = format!(
        "demand = {:?}\nworkloads = \"workloads.toml\"\n[instruments]\ninstance_types = [\"g6.xlarge\", \"g5.xlarge\", \"g6e.xlarge\", \"p5.48xlarge\"]\n",
        root().join(TINY_DEMAND).to_str().expect("utf-8")
    );
    let sc_path = tmp.path().join("scenario.toml");
    std::fs::write(&sc_path, sc).expect("write");
    let s = plan_to_file(
        sc_path.to_str().expect("utf-8"),
        tmp.path(),
        "plan.json",
        &["--reproducible"],
        &[],
    );
    let inf = parse(&s);
    assert_eq!(inf["solve"]["status"], "infeasible");
    assert!(absent(&inf, "/costs") && absent(&inf, "/risk") && absent(&inf, "/solve/objective"));
    assert!(inf["infeasibility"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("finetune")));
    check_against_schema(&inf, "the infeasible plan");
}

#[test]
fn decomposed_plan_conforms_to_schema_and_is_reproducible() {
    // Two tier searches run on two threads; the result must not depend on which ends first.
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["--reproducible", "--method", "decompose"];
    let a = plan_to_file(TINY, dir.path(), "a.json", &args, &[]);
    let b = plan_to_file(TINY, dir.path(), "b.json", &args, &[]);
    assert!(a == b, "two decomposed --reproducible runs differ");
    let doc = parse(&a);
    check_against_schema(&doc, "the decomposed tiny plan");
    assert_eq!(doc["solve"]["method"], "decompose");
    assert!(doc["solve"]["decomposition"]["rounds"].as_u64() >= Some(1));
    assert!(absent(&doc, "/solve/decomposition/tiers_seconds"));
    let (_, mip) = tiny_plan(dir.path());
    assert_eq!(mip["solve"]["method"], "mip");
    assert!(absent(&mip, "/solve/decomposition"));
}

#[test]
fn reproducible_runs_are_byte_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = plan_to_file(TINY, dir.path(), "a.json", &["--reproducible"], &[]);
    let b = plan_to_file(TINY, dir.path(), "b.json", &["--reproducible"], &[]);
    assert!(a == b, "two --reproducible runs differ:\n{a}\n---\n{b}");
    let v = parse(&a);
    assert_eq!(v["generated_at"], "1970-01-01T00:00:00Z");
    assert!(absent(&v, "/solve/seconds"));
    assert!(a.ends_with("}\n"), "pretty JSON with a trailing newline");
}

#[test]
fn runs_without_reproducible_differ_only_in_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let strip = |s: &str| {
        let mut v = parse(s);
        let when = v["generated_at"]
            .as_str()
            .expect("generated_at")
            .to_string();
        assert!(
            when.len() == 20 && when.ends_with('Z') && !when.starts_with("1970"),
            "generated_at should be the current UTC time, found {when:?}"
        );
        assert!(
            v["solve"]["seconds"].as_f64().is_some_and(|x| x >= 0.0),
            "seconds: {}",
            v["solve"]["seconds"]
        );
        v.as_object_mut().expect("object").remove("generated_at");
        v["solve"]
            .as_object_mut()
            .expect("object")
            .remove("seconds");
        v
    };
    let a = strip(&plan_to_file(TINY, dir.path(), "a.json", &[], &[]));
    let b = strip(&plan_to_file(TINY, dir.path(), "b.json", &[], &[]));
    assert_eq!(
        a, b,
        "two runs differ beyond generated_at and solve.seconds"
    );
    // And apart from those two fields, a plain run is the reproducible one.
    let r = strip_fixed(&plan_to_file(
        TINY,
        dir.path(),
        "r.json",
        &["--reproducible"],
        &[],
    ));
    assert_eq!(a, r);
}

fn strip_fixed(s: &str) -> Value {
    let mut v = parse(s);
    v.as_object_mut().expect("object").remove("generated_at");
    v["solve"]
        .as_object_mut()
        .expect("object")
        .remove("seconds");
    v
}

#[test]
fn source_date_epoch_pins_generated_at() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("SOURCE_DATE_EPOCH", "86400")];
    for (name, extra) in [("a.json", &["--reproducible"][..]), ("b.json", &[][..])] {
        let v = parse(&plan_to_file(TINY, dir.path(), name, extra, &env));
        assert_eq!(v["generated_at"], "1970-01-02T00:00:00Z", "with {extra:?}");
        assert!(
            absent(&v, "/solve/seconds"),
            "SOURCE_DATE_EPOCH implies reproducible output"
        );
    }
}

const MONEY_COSTS: &[&str] = &[
    "on_demand_baseline",
    "expected",
    "model_objective",
    "p50",
    "p90",
    "p95",
    "cvar",
    "demand_minus_20pct",
    "demand_plus_20pct",
    "savings_vs_all_on_demand",
    "commitments",
    "spot",
    "on_demand",
    "hidden",
    "unserved",
    "on_demand_equivalent",
];
const RATIO_COSTS: &[&str] = &[
    "esr",
    "savings_pct",
    "coverage_committed",
    "coverage_spot",
    "coverage_on_demand",
];

/// At most 2 decimals: x*100 is a whole number up to float error (relative 1e-9, so that
/// large amounts like 1,051,200.00 pass too).
fn is_cents(x: f64) -> bool {
    let c = x * 100.0;
    (c - c.round()).abs() <= 1e-9 * c.abs().max(1.0)
}

#[test]
fn money_is_rounded_to_cents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, doc) = tiny_plan(dir.path());
    assert_eq!(doc["currency"], "USD");
    let costs = doc["costs"].as_object().expect("costs");
    // Every field of `costs` is either money or a ratio; a new field must be classified here.
    let classified: BTreeSet<&str> = MONEY_COSTS.iter().chain(RATIO_COSTS).copied().collect();
    let keys: BTreeSet<&str> = costs.keys().map(String::as_str).collect();
    assert_eq!(
        keys, classified,
        "costs fields changed: classify them as money or ratio"
    );
    let mut bad = Vec::new();
    for k in MONEY_COSTS {
        if let Some(x) = costs[*k].as_f64() {
            if !is_cents(x) {
                bad.push(format!("costs.{k} = {x}"));
            }
        }
    }
    for (i, p) in doc["purchases"]
        .as_array()
        .expect("purchases")
        .iter()
        .enumerate()
    {
        for k in [
            "upfront_cost",
            "effective_hourly_cost",
            "cost_in_window",
            "liability_after_window",
            "hourly_commitment",
        ] {
            if let Some(x) = p[k].as_f64() {
                if !is_cents(x) {
                    bad.push(format!("purchases[{i}].{k} = {x}"));
                }
            }
        }
    }
    for (i, p) in doc["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .enumerate()
    {
        if let Some(x) = p["expected_cost"].as_f64() {
            if !is_cents(x) {
                bad.push(format!("placements[{i}].expected_cost = {x}"));
            }
        }
    }
    for k in ["p95_unused_commitment", "worst_scenario_cost"] {
        if !is_cents(num(&doc, &format!("/risk/{k}"))) {
            bad.push(format!("risk.{k}"));
        }
    }
    assert!(
        bad.is_empty(),
        "money with more than 2 decimals:\n{}",
        bad.join("\n")
    );
}

#[test]
fn costs_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, d) = tiny_plan(dir.path());
    let c = |k: &str| num(&d, &format!("/costs/{k}"));
    let parts = c("commitments") + c("spot") + c("on_demand") + c("hidden") + c("unserved");
    assert!(
        (parts - c("expected")).abs() <= 0.02 + 1e-9,
        "parts {parts} vs expected {}",
        c("expected")
    );
    let sav = c("on_demand_baseline") - c("expected");
    assert!((sav - c("savings_vs_all_on_demand")).abs() <= 0.02 + 1e-9);
    let cov = c("coverage_committed") + c("coverage_spot") + c("coverage_on_demand");
    assert!((cov - 1.0).abs() <= 1e-5, "coverage sums to {cov}");
    // Commitment cost = what the purchases cost in the window + the owned commitments.
    let bought: f64 = d["purchases"]
        .as_array()
        .expect("purchases")
        .iter()
        .map(|p| p["cost_in_window"].as_f64().expect("cost_in_window"))
        .sum();
    assert!(bought <= c("commitments") + 0.02);
    for (i, p) in d["purchases"]
        .as_array()
        .expect("purchases")
        .iter()
        .enumerate()
    {
        let h = p["effective_hourly_cost"].as_f64().expect("number");
        let term_h = p["term_months"].as_f64().expect("number") * 730.0;
        let total = p["cost_in_window"].as_f64().expect("number")
            + p["liability_after_window"].as_f64().expect("number");
        // Both parts are rounded from the unrounded rate: allow a cent each plus the rate's
        // rounding over the term.
        assert!(
            (total - h * term_h).abs() <= 0.02 + 0.005 * term_h,
            "purchases[{i}]: in window + after = {total}"
        );
        if p["payment"] == "all_upfront" {
            assert!(
                (p["upfront_cost"].as_f64().expect("number") - total).abs() <= 0.02,
                "purchases[{i}]: all upfront"
            );
        }
    }
    for (i, p) in d["placements"]
        .as_array()
        .expect("placements")
        .iter()
        .enumerate()
    {
        let s = |k: &str| {
            p[k].as_f64()
                .unwrap_or_else(|| panic!("placements[{i}].{k}"))
        };
        let sum = s("share_committed") + s("share_spot") + s("share_on_demand");
        assert!(
            (sum - 1.0).abs() <= 1e-5,
            "placements[{i}] shares sum to {sum}"
        );
        assert!(
            s("share_spot") <= s("max_spot_share") + 1e-6,
            "placements[{i}] over its spot share"
        );
    }
}

#[test]
fn evaluate_round_trip_matches_plan_cost() {
    // The fixture's window is the whole demand file and masks nothing, so `evaluate` on
    // demand.csv prices the same 48 hours as `plan` did. The JSON holds spend commitments
    // rounded to cents, hence the 0.02 USD tolerance.
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, doc) = tiny_plan(dir.path());
    let path = dir.path().join("plan.json");
    let out = gpuplan(
        &[
            "evaluate",
            "--plan",
            path.to_str().expect("utf-8"),
            "--demand",
            TINY_DEMAND,
            "--format",
            "json",
        ],
        &[],
    );
    assert_ok(&out, "gpuplan evaluate");
    let ev = parse(&text(&out.stdout));
    assert_eq!(ev["currency"], "USD");
    assert_eq!(ev["hours"], doc["horizon"]["planned_hours"]);
    let (cost, expected) = (num(&ev, "/cost"), num(&doc, "/costs/expected"));
    assert!(
        (cost - expected).abs() <= 0.02 + 1e-9,
        "evaluate cost {cost} vs plan costs.expected {expected}"
    );
    for (e, p) in [
        ("commitments", "commitments"),
        ("spot", "spot"),
        ("on_demand", "on_demand"),
        ("hidden", "hidden"),
        ("on_demand_baseline", "on_demand_baseline"),
    ] {
        let (a, b) = (
            num(&ev, &format!("/{e}")),
            num(&doc, &format!("/costs/{p}")),
        );
        assert!(
            (a - b).abs() <= 0.02 + 1e-9,
            "evaluate {e} {a} vs plan costs.{p} {b}"
        );
    }
}

/// Exit code 2, nothing on stdout, one line on stderr: `error: ` + the file + `needle`.
fn assert_input_error(out: &Output, file: &Path, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout should be empty: {}",
        text(&out.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    let f = file.display().to_string();
    assert!(
        stderr.contains(&format!("{f}{needle}")),
        "expected {f}{needle} in {stderr:?}"
    );
}

#[test]
fn out_in_missing_directory_fails_with_exit_1_and_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-dir");
    let target = missing.join("plan.json");
    for format in ["table", "json"] {
        let out = gpuplan(
            &[
                "plan",
                TINY,
                "--out",
                target.to_str().expect("utf-8"),
                "--reproducible",
                "--format",
                format,
            ],
            &[],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains("plan.json"),
            "{stderr:?}"
        );
        assert!(
            out.stdout.is_empty(),
            "nothing printed when the plan cannot be written"
        );
        assert!(!target.exists() && !missing.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read tempdir")
            .collect();
        assert!(left.is_empty(), "files left behind: {left:?}");
    }
}

#[test]
fn malformed_plan_json_fails_with_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, _) = tiny_plan(dir.path());
    let eval = |p: &Path| {
        gpuplan(
            &[
                "evaluate",
                "--plan",
                p.to_str().expect("utf-8"),
                "--demand",
                TINY_DEMAND,
                "--format",
                "json",
            ],
            &[],
        )
    };
    // Syntax error on line 7 (a missing comma).
    let syntax = dir.path().join("syntax.json");
    std::fs::write(
        &syntax,
        "{\n  \"schema_version\": \"1.0.0\",\n  \"generated_at\": \"1970-01-01T00:00:00Z\",\n  \"currency\": \"USD\",\n  \"scenario\": {\n    \"name\": \"tiny\"\n    \"file\": \"x\"\n",
    )
    .expect("write");
    assert_input_error(&eval(&syntax), &syntax, ":7:");
    // A field of the wrong type: `"hours": "48"` on the line where the real plan has it.
    let line = good
        .lines()
        .position(|l| l.trim_start().starts_with("\"hours\":"))
        .expect("hours line")
        + 1;
    let typed = dir.path().join("typed.json");
    std::fs::write(
        &typed,
        good.replacen("\"hours\": 48", "\"hours\": \"48\"", 1),
    )
    .expect("write");
    assert_input_error(&eval(&typed), &typed, &format!(":{line}:"));
    // Truncated file: the error is at its last line.
    let cut = dir.path().join("cut.json");
    let half: String = good.lines().take(20).map(|l| format!("{l}\n")).collect();
    std::fs::write(&cut, &half).expect("write");
    let out = eval(&cut);
    assert_input_error(&out, &cut, ":");
    assert!(
        text(&out.stderr).contains(&format!("{}:20:", cut.display()))
            || text(&out.stderr).contains(&format!("{}:21:", cut.display()))
    );
    // Well-formed JSON with a value the contract does not allow: names the file and the field.
    let class = dir.path().join("class.json");
    let bad = good.replacen("\"class\": \"inference\"", "\"class\": \"mars\"", 1);
    assert_ne!(bad, good);
    std::fs::write(&class, bad).expect("write");
    let out = eval(&class);
    assert_input_error(&out, &class, ": ");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("placements[0].class") && stderr.contains("mars"),
        "{stderr}"
    );
}

#[test]
fn plan_table_matches_golden() {
    let out = gpuplan(&["plan", TINY, "--format", "table", "--reproducible"], &[]);
    assert_ok(&out, "gpuplan plan --format table");
    let got = text(&out.stdout);
    let path = root().join(GOLDEN_TABLE);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir tests/golden");
        std::fs::write(&path, &got).expect("write golden");
        eprintln!(
            "rewrote {} — check its numbers by hand (see the top of this file)",
            path.display()
        );
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; create it with UPDATE_GOLDEN=1 after checking the output by hand",
            path.display()
        )
    });
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "terminal table differs from {} at line {}:\n  got:  {:?}\n  want: {:?}\n\nfull output:\n{got}\nIf the change is intended, check the numbers and rerun with UPDATE_GOLDEN=1.",
            GOLDEN_TABLE,
            first + 1,
            got.lines().nth(first).unwrap_or(""),
            want.lines().nth(first).unwrap_or("")
        );
    }
}

#[test]
fn model_objective_equals_expected_at_full_resolution() {
    // `plan` solves at full hourly resolution and re-prices the same hours, so the model
    // objective and the re-priced cost must agree (json.rs: "equals `expected` at full
    // resolution") up to the MIP gap. Currently fails: good_lp's HiGHS backend drops the
    // objective's constant term, which holds the owned commitments' cost (reported bug).
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, d) = tiny_plan(dir.path());
    let obj = num(&d, "/costs/model_objective");
    let exp = num(&d, "/costs/expected");
    let gap = num(&d, "/solve/gap");
    // For the message: what the owned commitments cost in the window, from `evaluate`.
    let path = dir.path().join("plan.json");
    let out = gpuplan(
        &[
            "evaluate",
            "--plan",
            path.to_str().expect("utf-8"),
            "--demand",
            TINY_DEMAND,
            "--format",
            "json",
        ],
        &[],
    );
    assert_ok(&out, "gpuplan evaluate");
    let owned: f64 = parse(&text(&out.stdout))["commitments_detail"]
        .as_array()
        .expect("commitments_detail")
        .iter()
        .filter(|c| c["owned"] == true)
        .map(|c| c["cost"].as_f64().expect("cost"))
        .sum();
    assert!(
        (obj - exp).abs() <= 0.02 + (gap + 1e-6) * exp.abs(),
        "model objective {obj} vs re-priced {exp}: difference {:.2}; owned commitments cost {owned:.2} in the window",
        exp - obj
    );
}

#[test]
fn no_purchase_of_zero_amount() {
    // A variant of the fixture (training on A100-40GB p4d, owned RI on g6.xlarge). With the
    // model of 2026-11-29 (before on-demand columns were eliminated) HiGHS left the
    // aws-csp-3y-all_upfront column at 3.8e-13 here, and the plan listed a purchase of
    // USD 0.00/h with 100% utilization and a 22.3-month break-even: `read_values` clamps spend
    // amounts only below zero, so any positive solver noise becomes a purchase (reported).
    // The current model happens not to hit it on this variant; the test guards the property.
    let tmp = tempfile::tempdir().expect("tempdir");
    let wl = std::fs::read_to_string(root().join("tests/fixtures/tiny/workloads.toml"))
        .expect("workloads.toml")
        .replace("current_gpu = \"H100\"", "current_gpu = \"A100-40GB\"")
        .replace("p5.48xlarge", "p4d.24xlarge")
        .replace("min_gpu_memory_gb = 80", "min_gpu_memory_gb = 40");
    std::fs::write(tmp.path().join("workloads.toml"), wl).expect("write");
    std::fs::write(
        tmp.path().join("commitments.csv"),
        "offer_id,quantity_or_hourly,start,end\naws-ri-g6.xlarge-us-east-1-1y-no_upfront,2,2025-10-06T00:00:00Z,2026-10-06T00:00:00Z\n",
    )
    .expect("write");
    let sc = std::fs::read_to_string(root().join(TINY))
        .expect("scenario")
        .replace(
            "demand = \"demand.csv\"",
            &format!(
                "demand = {:?}",
                root().join(TINY_DEMAND).to_str().expect("utf-8")
            ),
        )
        .replace("p5.48xlarge", "p4d.24xlarge");
    let sc_path = tmp.path().join("scenario.toml");
    std::fs::write(&sc_path, sc).expect("write");
    let d = parse(&plan_to_file(
        sc_path.to_str().expect("utf-8"),
        tmp.path(),
        "plan.json",
        &["--reproducible"],
        &[],
    ));
    let zero: Vec<String> = d["purchases"]
        .as_array()
        .expect("purchases")
        .iter()
        .filter(|p| {
            p["quantity"].as_f64().is_none_or(|q| q < 1.0)
                && p["hourly_commitment"].as_f64().is_none_or(|h| h < 0.01)
        })
        .map(|p| p.to_string())
        .collect();
    assert!(
        zero.is_empty(),
        "purchases of zero amount:\n{}",
        zero.join("\n")
    );
}

/// Issue 11: every bundled scenario's plan (the pins in `tests/golden/pins/`, which
/// `tests/scenario_pins.rs` checks are what `gpuplan plan` writes) is a term plan that
/// conforms to the schema and fills the term-wide risk: horizon cost quantiles in order,
/// stranded commitment, and per commitment its odds over its term.
#[test]
fn term_plans_of_the_bundled_scenarios_conform_and_fill_the_term_risk() {
    let dir = root().join("tests/golden/pins");
    let (mut seen, mut window) = (0, 0);
    for entry in std::fs::read_dir(&dir).expect("pins") {
        let path = entry.expect("entry").path();
        let what = path.display().to_string();
        let doc = parse(&std::fs::read_to_string(&path).expect("pin"));
        check_against_schema(&doc, &what);
        let t = &doc["term"];
        if absent(&doc, "/term") {
            // A scenario pinned to window mode (`[term] mode = "window"`): schema only.
            window += 1;
            continue;
        }
        let p50 = num(t, "/cost/p50");
        let p90 = num(t, "/cost/p90");
        let p95 = num(t, "/cost/p95");
        assert!(
            0.0 < p50 && p50 <= p90 && p90 <= p95,
            "{what}: {}",
            t["cost"]
        );
        assert!(num(t, "/cost/cvar") >= p90, "{what}: CVaR below P90");
        let stranded = num(t, "/stranded/expected");
        assert!(
            0.0 <= stranded && stranded <= num(t, "/stranded/p95") + 0.01,
            "{what}"
        );
        for c in t["commitments"].as_array().expect("term.commitments") {
            let p = num(c, "/probability_beats_on_demand");
            assert!((0.0..=1.0).contains(&p), "{what}: {c}");
            assert!(num(c, "/cost") > 0.0, "{what}: {c}");
        }
        assert!(
            !t["ladder"].as_array().expect("ladder").is_empty(),
            "{what}"
        );
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} term pins");
    assert!(
        window <= 2,
        "{window} pins are window plans: the default is term mode"
    );
}

/// The golden plan of the tiny fixture, parsed.
fn tiny_golden_plan() -> Value {
    let text = std::fs::read_to_string(root().join("tests/golden/plan_tiny.json"))
        .expect("read the golden plan");
    parse(&text)
}

#[test]
fn a_plan_without_current_adders_reads_back_with_a_baseline_without_them() {
    // The tiny golden plan records storage of 0.02 USD per GPU-hour on a current offering.
    // Read as written, the placement carries it; with the key removed (a plan written before
    // the key existed) it reads as 0, the baseline that plan was written with.
    let mut v = tiny_golden_plan();
    let read = |v: &Value| -> Vec<f64> {
        let doc: gpuplan::plan::doc::PlanDoc =
            serde_json::from_value(v.clone()).expect("a plan document");
        let plan = doc.to_plan().expect("plan");
        plan.placements
            .iter()
            .map(|p| p.current_adders_per_gpu_hour)
            .collect()
    };
    assert!(read(&v).contains(&0.02), "{:?}", read(&v));
    for p in v["placements"].as_array_mut().expect("placements") {
        p.as_object_mut()
            .expect("placement")
            .remove("current_adders_per_gpu_hour");
    }
    assert!(read(&v).iter().all(|&x| x == 0.0), "{:?}", read(&v));
}

#[test]
fn a_negative_current_adder_is_refused_with_its_field() {
    let mut v = tiny_golden_plan();
    v["placements"][1]["current_adders_per_gpu_hour"] = Value::from(-0.5);
    let doc: gpuplan::plan::doc::PlanDoc = serde_json::from_value(v).expect("a plan document");
    let err = doc.to_plan().expect_err("a negative adder is refused");
    assert_eq!(
        err,
        "field 'placements[1].current_adders_per_gpu_hour': expected USD per GPU-hour of at least 0, found -0.5"
    );
}
