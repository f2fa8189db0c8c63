//! The catalog: `gpus.csv`, `offerings.csv`, `commitment_offers.csv`. The shipped catalog
//! (`models/`) is compiled into the binary; a user directory overrides rows by key and adds
//! new ones.

use super::csvread::{read_table, Row};
use crate::domain::bounds;
use crate::domain::catalog::CommitmentRow;
use crate::domain::{
    Catalog, Cloud, CommitmentKind, CommitmentOffer, GpuModel, MatchRule, Offering, Payment,
};
use crate::error::InputError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shipped `models/gpus.csv`.
pub const SHIPPED_GPUS: &str = include_str!("../../models/gpus.csv");
/// The shipped `models/offerings.csv`.
pub const SHIPPED_OFFERINGS: &str = include_str!("../../models/offerings.csv");
/// The shipped `models/commitment_offers.csv`.
pub const SHIPPED_COMMITMENT_OFFERS: &str = include_str!("../../models/commitment_offers.csv");

const GPU_COLS: &[&str] = &[
    "gpu_model",
    "memory_gb",
    "bf16_tflops",
    "memory_bandwidth_gbps",
    "training_perf",
    "inference_perf",
];
const OFFERING_COLS: &[&str] = &[
    "cloud",
    "region",
    "instance_type",
    "gpu_model",
    "gpus",
    "on_demand_hourly",
    "spot_hourly",
    "spot_interruption_pct",
    "capacity_limit",
    "price_date",
    "source",
];
const OFFER_COLS: &[&str] = &[
    "id",
    "cloud",
    "kind",
    "term_months",
    "payment",
    "match",
    "match_value",
    "region",
    "discount_pct",
    "upfront_fraction",
    "price_date",
    "source",
];

/// What a price cell must hold (the plausibility bound of `domain::bounds`).
static PRICE_EXPECTED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "a price above 0 and at most {} (USD per instance-hour; a plausibility bound)",
        bounds::show(bounds::MAX_INSTANCE_HOURLY_USD)
    )
});

/// Where a catalog file comes from: the shipped copy or a user directory.
#[derive(Debug, Clone)]
struct CatalogFile {
    name: PathBuf,
    bytes: Vec<u8>,
}

fn shipped(name: &str, text: &str) -> CatalogFile {
    CatalogFile {
        name: PathBuf::from(format!("models/{name} (shipped)")),
        bytes: text.as_bytes().to_vec(),
    }
}

/// Loads the shipped catalog, then applies the override directory if given.
pub fn load_catalog(override_dir: Option<&Path>) -> Result<Catalog, InputError> {
    let base = [
        shipped("gpus.csv", SHIPPED_GPUS),
        shipped("offerings.csv", SHIPPED_OFFERINGS),
        shipped("commitment_offers.csv", SHIPPED_COMMITMENT_OFFERS),
    ];
    let mut overrides: [Option<CatalogFile>; 3] = [None, None, None];
    if let Some(dir) = override_dir {
        if !dir.is_dir() {
            return Err(InputError::file(
                dir,
                "catalog override is not a directory: expected a directory holding any of gpus.csv, offerings.csv, commitment_offers.csv",
            ));
        }
        let mut any = false;
        for (i, name) in ["gpus.csv", "offerings.csv", "commitment_offers.csv"]
            .iter()
            .enumerate()
        {
            let p = dir.join(name);
            if p.exists() {
                any = true;
                overrides[i] = Some(CatalogFile {
                    bytes: super::read_file(&p)?,
                    name: p,
                });
            }
        }
        if !any {
            return Err(InputError::file(
                dir,
                "catalog override directory holds none of gpus.csv, offerings.csv, commitment_offers.csv",
            ));
        }
    }
    let [og, oo, ok] = overrides;
    build_catalog(
        &base[0],
        og.as_ref(),
        &base[1],
        oo.as_ref(),
        &base[2],
        ok.as_ref(),
    )
}

/// Merges rows by key: override rows replace base rows with the same key, new keys append.
fn merge<K: Ord + Clone, T>(base: Vec<(K, T)>, over: Vec<(K, T)>) -> Vec<T> {
    let mut order: Vec<K> = Vec::new();
    let mut map: BTreeMap<K, T> = BTreeMap::new();
    for (k, v) in base.into_iter().chain(over) {
        if map.insert(k.clone(), v).is_none() {
            order.push(k);
        }
    }
    order.into_iter().filter_map(|k| map.remove(&k)).collect()
}

fn build_catalog(
    gb: &CatalogFile,
    go: Option<&CatalogFile>,
    ob: &CatalogFile,
    oo: Option<&CatalogFile>,
    kb: &CatalogFile,
    ko: Option<&CatalogFile>,
) -> Result<Catalog, InputError> {
    let gpus = merge(
        parse_gpus(gb)?,
        go.map(parse_gpus).transpose()?.unwrap_or_default(),
    );
    let offerings_raw = merge(
        parse_offerings(ob)?,
        oo.map(parse_offerings).transpose()?.unwrap_or_default(),
    );
    let offer_rows = merge(
        parse_offer_rows(kb)?,
        ko.map(parse_offer_rows).transpose()?.unwrap_or_default(),
    );
    // Offerings: GPU must exist.
    let mut offerings = Vec::with_capacity(offerings_raw.len());
    for (loc, o) in offerings_raw {
        if !gpus.iter().any(|g: &GpuModel| g.name == o.gpu_model) {
            return Err(loc.err(format!(
                "unknown GPU model {:?}: expected one of gpus.csv ({})",
                o.gpu_model,
                gpus.iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        offerings.push(o);
    }
    // Commitment offers: group rows by id, check consistency and that each row matches.
    let mut offers: Vec<CommitmentOffer> = Vec::new();
    for (loc, r) in offer_rows {
        if r.kind == CommitmentKind::Unit
            && (!matches!(r.row.rule, MatchRule::InstanceType(_)) || r.row.region.is_none())
        {
            return Err(loc.err(
                "a unit offer must have match = instance_type and a region (one unit is one instance of one offering)",
            ));
        }
        if !offerings
            .iter()
            .any(|o| o.cloud == r.cloud && r.row.matches(o))
        {
            return Err(loc.err(format!(
                "matches no offering: no {} offering with {} = {:?}{}",
                r.cloud,
                r.row.rule.kind_str(),
                r.row.rule.value(),
                r.row
                    .region
                    .as_ref()
                    .map(|g| format!(" in region {g}"))
                    .unwrap_or_default()
            )));
        }
        match offers.iter_mut().find(|k| k.id == r.id) {
            Some(k) => {
                if k.cloud != r.cloud
                    || k.kind != r.kind
                    || k.term_months != r.term_months
                    || k.payment != r.payment
                    || (k.upfront_fraction - r.upfront_fraction).abs() > 1e-12
                {
                    return Err(loc.err(format!(
                        "rows of offer {:?} disagree: every row of one id must have the same cloud, kind, term_months, payment and upfront_fraction",
                        r.id
                    )));
                }
                if k.kind == CommitmentKind::Unit {
                    return Err(loc.err(format!(
                        "unit offer {:?} has several rows: a unit offer is exactly one instance type in one region",
                        r.id
                    )));
                }
                k.rows.push(r.row);
            }
            None => offers.push(CommitmentOffer {
                id: r.id,
                cloud: r.cloud,
                kind: r.kind,
                term_months: r.term_months,
                payment: r.payment,
                upfront_fraction: r.upfront_fraction,
                rows: vec![r.row],
            }),
        }
    }
    Ok(Catalog {
        gpus,
        offerings,
        offers,
    })
}

/// A row's location, for errors found after merging.
#[derive(Debug, Clone)]
struct Loc {
    file: PathBuf,
    line: u64,
}

impl Loc {
    fn err(&self, msg: impl Into<String>) -> InputError {
        InputError::line(&self.file, self.line, msg)
    }
}

fn cloud(row: &Row<'_>) -> Result<Cloud, InputError> {
    let s = row.str("cloud");
    Cloud::parse(s)
        .ok_or_else(|| row.err("cloud", format!("expected aws, azure or gcp, found {s:?}")))
}

fn parse_gpus(f: &CatalogFile) -> Result<Vec<(String, GpuModel)>, InputError> {
    let t = read_table(&f.name, &f.bytes, GPU_COLS, &["source"], false)?;
    let mut out: Vec<(String, GpuModel)> = Vec::new();
    for row in t.iter() {
        // Each figure above 0 and at most its plausibility bound.
        let positive = |col: &str, max: f64| {
            row.num(
                col,
                &format!("a number above 0 and at most {}", bounds::show(max)),
                |v| v > 0.0 && v <= max,
            )
        };
        let g = GpuModel {
            name: row.text("gpu_model")?,
            memory_gb: positive("memory_gb", bounds::MAX_GPU_MEMORY_GB)?,
            bf16_tflops: positive("bf16_tflops", bounds::MAX_GPU_SPEC)?,
            memory_bandwidth_gbps: positive("memory_bandwidth_gbps", bounds::MAX_GPU_SPEC)?,
            training_perf: positive("training_perf", bounds::MAX_PERF_RATIO)?,
            inference_perf: positive("inference_perf", bounds::MAX_PERF_RATIO)?,
            source: row.str("source").to_string(),
        };
        if out.iter().any(|(k, _)| *k == g.name) {
            return Err(row.err("gpu_model", format!("duplicate GPU model {:?}", g.name)));
        }
        out.push((g.name.clone(), g));
    }
    Ok(out)
}

type OfferingKey = (Cloud, String, String);
type Keyed<K, T> = Vec<(K, (Loc, T))>;

fn parse_offerings(f: &CatalogFile) -> Result<Keyed<OfferingKey, Offering>, InputError> {
    let t = read_table(&f.name, &f.bytes, OFFERING_COLS, &[], false)?;
    let mut out: Vec<(OfferingKey, (Loc, Offering))> = Vec::new();
    for row in t.iter() {
        let on_demand = row.num("on_demand_hourly", &PRICE_EXPECTED, |v| {
            v > 0.0 && v <= bounds::MAX_INSTANCE_HOURLY_USD
        })?;
        let spot = row.opt_num(
            "spot_hourly",
            "empty or a price > 0 (USD per instance-hour)",
            |v| v > 0.0,
        )?;
        if let Some(s) = spot {
            if s >= on_demand {
                return Err(row.err(
                    "spot_hourly",
                    format!("expected a spot price below on_demand_hourly {on_demand}, found {s}"),
                ));
            }
        }
        let o = Offering {
            cloud: cloud(&row)?,
            region: row.text("region")?,
            instance_type: row.text("instance_type")?,
            gpu_model: row.text("gpu_model")?,
            gpus: row.count_at_most("gpus", bounds::MAX_GPUS_PER_INSTANCE)?,
            on_demand_hourly: on_demand,
            spot_hourly: spot,
            spot_interruption_pct: row
                .opt_num("spot_interruption_pct", "a percentage in [0, 100]", |v| {
                    (0.0..=100.0).contains(&v)
                })?
                .unwrap_or(0.0),
            capacity_limit: row.opt_num(
                "capacity_limit",
                &format!(
                    "empty (unlimited) or a number of instances from 0 to {} (a plausibility bound)",
                    bounds::show(bounds::MAX_CAPACITY_INSTANCES)
                ),
                |v| bounds::within(v, 0.0, bounds::MAX_CAPACITY_INSTANCES),
            )?,
            price_date: row.date("price_date")?,
            source: row.text("source")?,
        };
        let key = (o.cloud, o.region.clone(), o.instance_type.clone());
        if out.iter().any(|(k, _)| *k == key) {
            return Err(row.err("instance_type", format!("duplicate offering {}", o.key())));
        }
        let loc = Loc {
            file: f.name.clone(),
            line: row.line,
        };
        out.push((key, (loc, o)));
    }
    Ok(out)
}

struct OfferRow {
    id: String,
    cloud: Cloud,
    kind: CommitmentKind,
    term_months: u32,
    payment: Payment,
    upfront_fraction: f64,
    row: CommitmentRow,
}

type OfferKey = (String, String, String, String);

fn parse_offer_rows(f: &CatalogFile) -> Result<Keyed<OfferKey, OfferRow>, InputError> {
    let t = read_table(&f.name, &f.bytes, OFFER_COLS, &[], false)?;
    let mut out: Vec<(OfferKey, (Loc, OfferRow))> = Vec::new();
    for row in t.iter() {
        let kind = match row.str("kind") {
            "unit" => CommitmentKind::Unit,
            "spend" => CommitmentKind::Spend,
            s => return Err(row.err("kind", format!("expected unit or spend, found {s:?}"))),
        };
        let payment = Payment::parse(row.str("payment")).ok_or_else(|| {
            row.err(
                "payment",
                format!(
                    "expected no_upfront, partial_upfront or all_upfront, found {:?}",
                    row.str("payment")
                ),
            )
        })?;
        let value = row.str("match_value").to_string();
        let rule = match row.str("match") {
            "any" => MatchRule::Any,
            m @ ("instance_type" | "family" | "gpu_model") => {
                if value.is_empty() {
                    return Err(row.err(
                        "match_value",
                        format!("is empty: match = {m} needs a value"),
                    ));
                }
                match m {
                    "instance_type" => MatchRule::InstanceType(value),
                    "family" => MatchRule::Family(value),
                    _ => MatchRule::GpuModel(value),
                }
            }
            s => {
                return Err(row.err(
                    "match",
                    format!("expected instance_type, family, gpu_model or any, found {s:?}"),
                ))
            }
        };
        let region = Some(row.str("region").to_string()).filter(|r| !r.is_empty());
        let r = OfferRow {
            id: row.text("id")?,
            cloud: cloud(&row)?,
            kind,
            term_months: row.count_at_most("term_months", bounds::MAX_TERM_MONTHS)?,
            payment,
            upfront_fraction: row.num("upfront_fraction", "a fraction in [0, 1]", |v| {
                (0.0..=1.0).contains(&v)
            })?,
            row: CommitmentRow {
                rule,
                region,
                discount_pct: row.num(
                    "discount_pct",
                    "a discount percentage strictly between 0 and 100",
                    |v| v > 0.0 && v < 100.0,
                )?,
                price_date: row.date("price_date")?,
                source: row.text("source")?,
            },
        };
        let key = (
            r.id.clone(),
            r.row.rule.kind_str().to_string(),
            r.row.rule.value().to_string(),
            r.row.region.clone().unwrap_or_default(),
        );
        if out.iter().any(|(k, _)| *k == key) {
            return Err(row.err(
                "id",
                format!(
                    "duplicate row for offer {:?} with match {} {:?}",
                    r.id,
                    r.row.rule.kind_str(),
                    r.row.rule.value()
                ),
            ));
        }
        let loc = Loc {
            file: f.name.clone(),
            line: row.line,
        };
        out.push((key, (loc, r)));
    }
    Ok(out)
}
