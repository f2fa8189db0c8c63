//! Invariants of the shipped catalog (`models/*.csv`), checked twice: on the catalog the
//! library loads, and on the CSV files parsed independently with the `csv` crate, so that a
//! loader bug cannot hide a bad row. Also the override mechanism (`--catalog DIR`).

use chrono::NaiveDate;
use gpuplan::domain::{Catalog, Cloud, CommitmentKind};
use gpuplan::ingest::catalog::load_catalog;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The day the catalog was last checked; no price may be dated after it.
fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("valid date")
}

fn shipped() -> Catalog {
    load_catalog(None).unwrap_or_else(|e| panic!("the shipped catalog does not load: {e}"))
}

/// A CSV file of `models/` as header-keyed rows, with their 1-based line numbers.
struct RawCsv {
    name: String,
    rows: Vec<(u64, BTreeMap<String, String>)>,
}

impl RawCsv {
    fn read(name: &str) -> RawCsv {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_path(&path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let headers = rdr
            .headers()
            .unwrap_or_else(|e| panic!("{name}: bad header: {e}"))
            .clone();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.unwrap_or_else(|e| panic!("{name}: bad row: {e}"));
            let line = rec.position().map_or(0, |p| p.line());
            let map = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            rows.push((line, map));
        }
        assert!(!rows.is_empty(), "{name} has no rows");
        RawCsv {
            name: name.to_string(),
            rows,
        }
    }

    fn get<'a>(&self, row: &'a BTreeMap<String, String>, line: u64, col: &str) -> &'a str {
        row.get(col)
            .unwrap_or_else(|| panic!("{}:{line}: no column {col}", self.name))
    }

    fn num(&self, row: &BTreeMap<String, String>, line: u64, col: &str) -> f64 {
        let s = self.get(row, line, col);
        s.parse::<f64>()
            .unwrap_or_else(|_| panic!("{}:{line}: {col} = {s:?} is not a number", self.name))
    }
}

fn gpus_csv() -> RawCsv {
    RawCsv::read("gpus.csv")
}
fn offerings_csv() -> RawCsv {
    RawCsv::read("offerings.csv")
}
fn offers_csv() -> RawCsv {
    RawCsv::read("commitment_offers.csv")
}

/// Collects failures so that one run shows every bad row.
fn assert_none(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{what}: {} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn library_and_files_agree_on_row_counts() {
    let cat = shipped();
    assert_eq!(cat.gpus.len(), gpus_csv().rows.len(), "GPU models");
    assert_eq!(cat.offerings.len(), offerings_csv().rows.len(), "offerings");
    let rows: usize = cat.offers.iter().map(|k| k.rows.len()).sum();
    assert_eq!(rows, offers_csv().rows.len(), "commitment offer rows");
}

#[test]
fn every_offering_gpu_exists() {
    let gpus = gpus_csv();
    let names: BTreeSet<&str> = gpus
        .rows
        .iter()
        .map(|(l, r)| gpus.get(r, *l, "gpu_model"))
        .collect();
    let offs = offerings_csv();
    let mut failures = Vec::new();
    for (line, r) in &offs.rows {
        let g = offs.get(r, *line, "gpu_model");
        if !names.contains(g) {
            failures.push(format!(
                "offerings.csv:{line}: GPU {g:?} is not in gpus.csv"
            ));
        }
    }
    let cat = shipped();
    for o in &cat.offerings {
        if cat.gpu(&o.gpu_model).is_none() {
            failures.push(format!(
                "library: {} has unknown GPU {}",
                o.key(),
                o.gpu_model
            ));
        }
    }
    assert_none("offering GPUs", failures);
}

#[test]
fn prices_are_positive_and_spot_below_on_demand() {
    let offs = offerings_csv();
    let mut failures = Vec::new();
    for (line, r) in &offs.rows {
        let od = offs.num(r, *line, "on_demand_hourly");
        if !(od.is_finite() && od > 0.0) {
            failures.push(format!(
                "offerings.csv:{line}: on_demand_hourly {od} is not > 0"
            ));
        }
        let spot = offs.get(r, *line, "spot_hourly");
        if !spot.is_empty() {
            let s = offs.num(r, *line, "spot_hourly");
            if !(s.is_finite() && s > 0.0 && s < od) {
                failures.push(format!(
                    "offerings.csv:{line}: spot_hourly {s} is not in (0, on_demand_hourly {od})"
                ));
            }
        }
    }
    for o in &shipped().offerings {
        if o.on_demand_hourly.is_nan() || o.on_demand_hourly <= 0.0 {
            failures.push(format!(
                "library: {} on-demand {}",
                o.key(),
                o.on_demand_hourly
            ));
        }
        if let Some(s) = o.spot_hourly {
            if !(s > 0.0 && s < o.on_demand_hourly) {
                failures.push(format!(
                    "library: {} spot {s} vs on-demand {}",
                    o.key(),
                    o.on_demand_hourly
                ));
            }
        }
    }
    assert_none("prices", failures);
}

#[test]
fn commitment_discounts_are_strictly_between_0_and_100() {
    let offers = offers_csv();
    let mut failures = Vec::new();
    for (line, r) in &offers.rows {
        let d = offers.num(r, *line, "discount_pct");
        if !(d > 0.0 && d < 100.0) {
            failures.push(format!("commitment_offers.csv:{line}: discount_pct {d}"));
        }
    }
    for k in &shipped().offers {
        for row in &k.rows {
            if !(row.discount_pct > 0.0 && row.discount_pct < 100.0) {
                failures.push(format!(
                    "library: offer {} discount {}",
                    k.id, row.discount_pct
                ));
            }
        }
    }
    assert_none("discounts", failures);
}

#[test]
fn every_row_is_sourced_and_dated() {
    let mut failures = Vec::new();
    for (file, dated) in [
        (gpus_csv(), false),
        (offerings_csv(), true),
        (offers_csv(), true),
    ] {
        for (line, r) in &file.rows {
            if file.get(r, *line, "source").is_empty() {
                failures.push(format!("{}:{line}: empty source", file.name));
            }
            if dated {
                let d = file.get(r, *line, "price_date");
                match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(date) if date <= as_of() => {}
                    Ok(date) => failures.push(format!(
                        "{}:{line}: price_date {date} is after {}",
                        file.name,
                        as_of()
                    )),
                    Err(_) => failures.push(format!(
                        "{}:{line}: price_date {d:?} is not YYYY-MM-DD",
                        file.name
                    )),
                }
            }
        }
    }
    let cat = shipped();
    for g in &cat.gpus {
        if g.source.trim().is_empty() {
            failures.push(format!("library: GPU {} has no source", g.name));
        }
    }
    for o in &cat.offerings {
        if o.source.trim().is_empty() {
            failures.push(format!("library: {} has no source", o.key()));
        }
        if o.price_date > as_of() {
            failures.push(format!("library: {} dated {}", o.key(), o.price_date));
        }
    }
    for k in &cat.offers {
        for row in &k.rows {
            if row.source.trim().is_empty() {
                failures.push(format!("library: offer {} row has no source", k.id));
            }
            if row.price_date > as_of() {
                failures.push(format!("library: offer {} dated {}", k.id, row.price_date));
            }
        }
    }
    assert_none("sources and dates", failures);
}

#[test]
fn every_commitment_offer_matches_an_offering() {
    let cat = shipped();
    let mut failures = Vec::new();
    for k in &cat.offers {
        if !cat.offerings.iter().any(|o| k.matches(o)) {
            failures.push(format!("offer {} matches no offering", k.id));
        }
    }
    // Every id of the file is an offer of the library (nothing dropped silently).
    let offers = offers_csv();
    for (line, r) in &offers.rows {
        let id = offers.get(r, *line, "id");
        if cat.offer(id).is_none() {
            failures.push(format!(
                "commitment_offers.csv:{line}: id {id:?} missing from the library"
            ));
        }
    }
    assert_none("commitment matches", failures);
}

#[test]
fn reference_gpu_is_a100_80gb() {
    let gpus = gpus_csv();
    let (line, row) = gpus
        .rows
        .iter()
        .find(|(l, r)| gpus.get(r, *l, "gpu_model") == "A100-80GB")
        .expect("A100-80GB in gpus.csv");
    assert_eq!(gpus.num(row, *line, "training_perf"), 1.0);
    assert_eq!(gpus.num(row, *line, "inference_perf"), 1.0);
    let g = shipped()
        .gpu("A100-80GB")
        .cloned()
        .expect("A100-80GB in the library");
    assert_eq!(g.training_perf, 1.0);
    assert_eq!(g.inference_perf, 1.0);
}

#[test]
fn gpu_list_has_the_expected_models() {
    let gpus = gpus_csv();
    let names: BTreeSet<&str> = gpus
        .rows
        .iter()
        .map(|(l, r)| gpus.get(r, *l, "gpu_model"))
        .collect();
    let cat = shipped();
    for want in [
        "H200",
        "H100",
        "A100-80GB",
        "A100-40GB",
        "L40S",
        "A10G",
        "L4",
        "T4",
        "V100",
    ] {
        assert!(names.contains(want), "gpus.csv lacks {want}");
        assert!(cat.gpu(want).is_some(), "the library catalog lacks {want}");
    }
}

#[test]
fn each_cloud_has_offerings_and_commitments() {
    let cat = shipped();
    for cloud in Cloud::ALL {
        let n = cat.offerings.iter().filter(|o| o.cloud == cloud).count();
        assert!(n >= 8, "{cloud} has {n} offerings, expected at least 8");
        let units = cat
            .offers
            .iter()
            .filter(|k| k.cloud == cloud && k.kind == CommitmentKind::Unit)
            .count();
        assert!(units >= 1, "{cloud} has no unit commitment offer");
        let spends = cat
            .offers
            .iter()
            .filter(|k| k.cloud == cloud && k.kind == CommitmentKind::Spend)
            .count();
        // AWS savings plans and Azure savings plans for compute have facts in the catalog;
        // GCP has none for GPU machine types (only resource-based CUDs are shipped).
        if cloud != Cloud::Gcp {
            assert!(spends >= 1, "{cloud} has no spend commitment offer");
        }
    }
    // The same counts from the file, independently of the loader.
    let offs = offerings_csv();
    for cloud in ["aws", "azure", "gcp"] {
        let n = offs
            .rows
            .iter()
            .filter(|(l, r)| offs.get(r, *l, "cloud") == cloud)
            .count();
        assert!(
            n >= 8,
            "offerings.csv: {cloud} has {n} rows, expected at least 8"
        );
    }
    let offers = offers_csv();
    for (cloud, kinds) in [
        ("aws", &["unit", "spend"][..]),
        ("azure", &["unit", "spend"][..]),
        ("gcp", &["unit"][..]),
    ] {
        for kind in kinds {
            assert!(
                offers
                    .rows
                    .iter()
                    .any(|(l, r)| offers.get(r, *l, "cloud") == cloud
                        && offers.get(r, *l, "kind") == *kind),
                "commitment_offers.csv: no {kind} offer for {cloud}"
            );
        }
    }
}

#[test]
fn override_directory_replaces_and_adds_offerings() {
    let base = shipped();
    let shipped_row = base
        .offering(Cloud::Aws, "us-east-1", "p5.48xlarge")
        .cloned()
        .expect("shipped aws us-east-1 p5.48xlarge");
    assert_ne!(shipped_row.on_demand_hourly, 42.5);
    assert!(
        base.offering(Cloud::Aws, "us-west-2", "p5.48xlarge")
            .is_none(),
        "the new row must be new"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("offerings.csv"),
        "cloud,region,instance_type,gpu_model,gpus,on_demand_hourly,spot_hourly,spot_interruption_pct,capacity_limit,price_date,source\n\
         aws,us-east-1,p5.48xlarge,H100,8,42.5,20.0,7.5,,2026-11-01,negotiated quote\n\
         aws,us-west-2,p5.48xlarge,H100,8,55.04,,,4,2026-11-01,negotiated quote\n",
    )
    .expect("write offerings.csv");
    let cat = load_catalog(Some(dir.path()))
        .unwrap_or_else(|e| panic!("the override does not load: {e}"));
    assert_eq!(cat.offerings.len(), base.offerings.len() + 1);
    let replaced = cat
        .offering(Cloud::Aws, "us-east-1", "p5.48xlarge")
        .expect("replaced row");
    assert_eq!(replaced.on_demand_hourly, 42.5);
    assert_eq!(replaced.spot_hourly, Some(20.0));
    assert_eq!(replaced.source, "negotiated quote");
    assert_eq!(
        cat.offerings
            .iter()
            .filter(|o| o.cloud == Cloud::Aws
                && o.region == "us-east-1"
                && o.instance_type == "p5.48xlarge")
            .count(),
        1,
        "the replaced row must not be duplicated"
    );
    let added = cat
        .offering(Cloud::Aws, "us-west-2", "p5.48xlarge")
        .expect("added row");
    assert_eq!(added.on_demand_hourly, 55.04);
    assert_eq!(added.capacity_limit, Some(4.0));
    assert_eq!(added.spot_hourly, None);
    // Everything else is untouched.
    assert_eq!(cat.gpus, base.gpus);
    assert_eq!(cat.offers, base.offers);
    for o in &base.offerings {
        if o.key() != shipped_row.key() {
            assert_eq!(cat.offering(o.cloud, &o.region, &o.instance_type), Some(o));
        }
    }
}
