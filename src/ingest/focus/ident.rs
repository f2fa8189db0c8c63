//! Which FOCUS rows are GPU usage, and of which GPU model: identified against the catalog
//! by instance type (SkuPriceDetails `InstanceType`, Azure `x_SkuDetails`, ResourceType, or
//! an instance name in the charge description / meter), by instance family when the exact
//! size is not in the catalog (GPU count from SkuPriceDetails `GpuCount`, the name, or a
//! small table of sizes), and, for Google Cloud, by its per-GPU SKUs ("Nvidia H100 80gb
//! GPU …") whose quantity is GPU-hours.

use super::parse::json_object_each;
use crate::domain::catalog::family_of;
use crate::domain::{Catalog, Cloud};
use std::collections::HashMap;

/// What a row is, for the GPU fleet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ident {
    /// A GPU instance (or GPU SKU) of the catalog's GPU model.
    Gpu {
        /// Instance type (or `gpu:MODEL` for a GPU SKU without a machine type).
        instance_type: String,
        /// GPU model (a name of gpus.csv).
        gpu_model: String,
        /// GPUs per unit of the row's hour quantity: GPUs per instance, or 1 for a
        /// per-GPU SKU.
        gpus_per_unit: f64,
        /// The description or meter says spot / preemptible / low priority.
        spot_hint: bool,
        /// How it was identified (for the report).
        how: &'static str,
    },
    /// Core/RAM of a GPU machine family billed apart from its GPUs (Google Cloud A2/A3/G2):
    /// cost that belongs to the GPU instances of the same workload.
    Host {
        /// Family, e.g. `a2`.
        family: String,
    },
    /// A GPU-looking instance type that the catalog does not know.
    UnknownGpu(String),
    /// Not GPU compute: a hidden-cost category.
    Hidden(Hidden),
    /// Not GPU compute and not attributed.
    Other,
}

/// Categories of the non-GPU costs that travel with a GPU workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hidden {
    /// Storage (ServiceCategory `Storage`).
    Storage,
    /// Networking / data transfer (ServiceCategory `Networking`).
    Network,
    /// Data processing: non-GPU compute, analytics, databases, AI/ML services, integration.
    Processing,
}

/// GPU counts of AWS sizes the shipped catalog does not list (same GPU model as the
/// catalog's family): from the AWS instance-type pages.
const AWS_SIZES: &[(&str, u32)] = &[
    ("g4dn.2xlarge", 1),
    ("g4dn.4xlarge", 1),
    ("g4dn.8xlarge", 1),
    ("g4dn.16xlarge", 1),
    ("g5.2xlarge", 1),
    ("g5.4xlarge", 1),
    ("g5.8xlarge", 1),
    ("g5.16xlarge", 1),
    ("g5.24xlarge", 4),
    ("g6.2xlarge", 1),
    ("g6.4xlarge", 1),
    ("g6.8xlarge", 1),
    ("g6.16xlarge", 1),
    ("g6.24xlarge", 4),
    ("g6e.2xlarge", 1),
    ("g6e.4xlarge", 1),
    ("g6e.8xlarge", 1),
    ("g6e.16xlarge", 1),
    ("g6e.24xlarge", 4),
    ("p3.8xlarge", 4),
];

/// Catalog look-ups for identification.
pub(crate) struct Identifier {
    by_type: HashMap<(Cloud, String), (String, u32)>,
    /// (cloud, family) → GPU model when the family has one model; `None` when ambiguous.
    by_family: HashMap<(Cloud, String), Option<String>>,
    /// (cloud, family) → (name number, gpus) of one catalog size, to scale Azure sizes.
    azure_ref: HashMap<String, (u32, u32)>,
    gpu_names: Vec<String>,
}

fn azure_number(it: &str) -> Option<u32> {
    let s = it.strip_prefix("Standard_").unwrap_or(it);
    let first = s.split('_').next()?;
    let d: String = first
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    d.parse().ok()
}

impl Identifier {
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let mut by_type = HashMap::new();
        let mut by_family: HashMap<(Cloud, String), Option<String>> = HashMap::new();
        let mut azure_ref = HashMap::new();
        for o in &catalog.offerings {
            by_type.insert(
                (o.cloud, o.instance_type.clone()),
                (o.gpu_model.clone(), o.gpus),
            );
            let fam = o.family();
            by_family
                .entry((o.cloud, fam.clone()))
                .and_modify(|m| {
                    if m.as_deref() != Some(o.gpu_model.as_str()) {
                        *m = None;
                    }
                })
                .or_insert_with(|| Some(o.gpu_model.clone()));
            if o.cloud == Cloud::Azure {
                if let Some(n) = azure_number(&o.instance_type) {
                    azure_ref.entry(fam).or_insert((n, o.gpus));
                }
            }
        }
        Identifier {
            by_type,
            by_family,
            azure_ref,
            gpu_names: catalog.gpus.iter().map(|g| g.name.clone()).collect(),
        }
    }

    /// Resolves one candidate instance type (`gpu_count` from SkuPriceDetails when given).
    fn resolve(&self, cloud: Cloud, cand: &str, gpu_count: Option<f64>) -> Option<Ident> {
        let cand = normalize(cloud, cand);
        if let Some((m, g)) = self.by_type.get(&(cloud, cand.clone())) {
            return Some(Ident::Gpu {
                instance_type: cand,
                gpu_model: m.clone(),
                gpus_per_unit: gpu_count.unwrap_or(f64::from(*g)),
                spot_hint: false,
                how: "instance type in the catalog",
            });
        }
        let fam = family_of(cloud, &cand);
        match self.by_family.get(&(cloud, fam.clone())) {
            Some(Some(model)) => {
                let gpus = gpu_count.or_else(|| self.size_gpus(cloud, &cand, &fam))?;
                Some(Ident::Gpu {
                    instance_type: cand,
                    gpu_model: model.clone(),
                    gpus_per_unit: gpus,
                    spot_hint: false,
                    how: "instance family in the catalog",
                })
            }
            Some(None) => None,
            None => looks_like_gpu(cloud, &cand).then_some(Ident::UnknownGpu(cand)),
        }
    }

    fn size_gpus(&self, cloud: Cloud, it: &str, fam: &str) -> Option<f64> {
        match cloud {
            Cloud::Aws => AWS_SIZES
                .iter()
                .find(|(t, _)| *t == it)
                .map(|(_, g)| f64::from(*g)),
            Cloud::Azure => {
                let (rn, rg) = self.azure_ref.get(fam)?;
                let n = azure_number(it)?;
                let g = (f64::from(n) * f64::from(*rg) / f64::from(*rn)).round();
                (g >= 1.0).then_some(g)
            }
            Cloud::Gcp => {
                let last = it.rsplit('-').next()?;
                if let Some(n) = last.strip_suffix('g') {
                    return n.parse::<f64>().ok().filter(|g| *g >= 1.0);
                }
                if fam == "g2" {
                    return match last.parse::<u32>().ok()? {
                        4 | 8 | 12 | 16 | 32 => Some(1.0),
                        24 => Some(2.0),
                        48 => Some(4.0),
                        96 => Some(8.0),
                        _ => None,
                    };
                }
                None
            }
        }
    }

    /// The GPU model named in a Google Cloud GPU SKU description, if any.
    fn gcp_gpu_sku(&self, text: &str) -> Option<String> {
        let t = text.to_ascii_lowercase();
        if !(t.contains("gpu") && (t.contains("nvidia") || t.contains("tesla"))) {
            return None;
        }
        let t = t.replace("nvidia", "").replace("tesla", "");
        let has = |w: &str| {
            t.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|x| x == w)
        };
        let model = if has("h200") {
            "H200"
        } else if has("h100") {
            "H100"
        } else if has("b200") {
            "B200"
        } else if has("a100") && (t.contains("80gb") || t.contains("80 gb")) {
            "A100-80GB"
        } else if has("a100") {
            "A100-40GB"
        } else if has("l40s") {
            "L40S"
        } else if has("l4") {
            "L4"
        } else if has("t4") {
            "T4"
        } else if has("v100") {
            "V100"
        } else {
            return None;
        };
        self.gpu_names
            .iter()
            .any(|g| g == model)
            .then(|| model.to_string())
    }

    /// Identifies a row from its text fields.
    pub(crate) fn identify(&self, cloud: Option<Cloud>, f: &IdentFields<'_>) -> Ident {
        let Some(cloud) = cloud else {
            return hidden(f);
        };
        let texts = [f.description, f.sku_meter, f.x_meter];
        let spot_hint = texts.iter().flatten().any(|t| {
            let l = t.to_ascii_lowercase();
            l.contains("spot") || l.contains("preemptible") || l.contains("low priority")
        });
        // 1. Structured details.
        let (gpu_count, structured) = structured_details(f);
        // 1b. Google Cloud bills GPUs as per-GPU SKUs (quantity in GPU-hours) and the
        // machine's cores/RAM apart: recognise both before any instance type, which on
        // those rows names the machine, not the unit of the quantity.
        if cloud == Cloud::Gcp {
            if let Some(id) = self.gcp_gpu_sku_row(&texts, &structured, spot_hint) {
                return id;
            }
            if let Some(id) = self.gcp_host_row(&texts) {
                return id;
            }
        }
        // 2–3. Instance types in the structured details, then in the free text.
        match self.by_instance_type(cloud, &structured, &texts, gpu_count) {
            Some(id) => with_spot_hint(id, spot_hint),
            None => hidden(f),
        }
    }

    /// A Google Cloud GPU SKU row ("Nvidia H100 80gb GPU running in …"): GPUs per unit 1,
    /// the machine type when a field names one of the catalog, else `gpu:MODEL`.
    fn gcp_gpu_sku_row(
        &self,
        texts: &[Option<&str>; 3],
        structured: &[String],
        spot_hint: bool,
    ) -> Option<Ident> {
        let cloud = Cloud::Gcp;
        for t in texts.iter().flatten() {
            if let Some(model) = self.gcp_gpu_sku(t) {
                let it = structured
                    .iter()
                    .chain(tokens(cloud, t).iter())
                    .find(|c| self.by_type.contains_key(&(cloud, (*c).clone())))
                    .cloned()
                    .unwrap_or_else(|| format!("gpu:{model}"));
                return Some(Ident::Gpu {
                    instance_type: it,
                    gpu_model: model,
                    gpus_per_unit: 1.0,
                    spot_hint,
                    how: "Google Cloud GPU SKU (quantity in GPU-hours)",
                });
            }
        }
        None
    }

    /// A Google Cloud host row of a GPU family of the catalog ("A2 Instance Core running in
    /// …").
    fn gcp_host_row(&self, texts: &[Option<&str>; 3]) -> Option<Ident> {
        for t in texts.iter().flatten() {
            let l = t.trim().to_ascii_lowercase();
            let w: Vec<&str> = l.split_whitespace().collect();
            for p in w.windows(2) {
                if p[1] == "instance"
                    && matches!(
                        self.by_family.get(&(Cloud::Gcp, p[0].to_string())),
                        Some(Some(_))
                    )
                {
                    return Some(Ident::Host {
                        family: p[0].to_string(),
                    });
                }
            }
        }
        None
    }

    /// The first candidate instance type that resolves to a catalog GPU, from the structured
    /// details then the instance names in the free text; else the first GPU-looking one the
    /// catalog does not know.
    fn by_instance_type(
        &self,
        cloud: Cloud,
        structured: &[String],
        texts: &[Option<&str>; 3],
        gpu_count: Option<f64>,
    ) -> Option<Ident> {
        let mut unknown = None;
        let in_text = texts.iter().flatten().flat_map(|t| tokens(cloud, t));
        for c in structured.iter().cloned().chain(in_text) {
            match self.resolve(cloud, &c, gpu_count) {
                Some(id @ Ident::Gpu { .. }) => return Some(id),
                Some(u @ Ident::UnknownGpu(_)) => unknown = unknown.or(Some(u)),
                _ => {}
            }
        }
        unknown
    }
}

/// A row that is not GPU compute: data transfer (by its text), storage, networking, or
/// data processing by ServiceCategory; else other.
fn hidden(f: &IdentFields<'_>) -> Ident {
    let transfer = [f.description, f.sku_meter, f.x_meter]
        .iter()
        .flatten()
        .any(|t| {
            let l = t.to_ascii_lowercase();
            l.contains("data transfer") || l.contains("egress") || l.contains("bandwidth")
        });
    match f.service_category.map(str::trim) {
        _ if transfer => Ident::Hidden(Hidden::Network),
        Some(c) if c.eq_ignore_ascii_case("storage") => Ident::Hidden(Hidden::Storage),
        Some(c) if c.eq_ignore_ascii_case("networking") || c.eq_ignore_ascii_case("network") => {
            Ident::Hidden(Hidden::Network)
        }
        Some(c)
            if [
                "compute",
                "analytics",
                "databases",
                "ai and machine learning",
                "integration",
                "other",
            ]
            .iter()
            .any(|k| c.eq_ignore_ascii_case(k)) =>
        {
            Ident::Hidden(Hidden::Processing)
        }
        _ => Ident::Other,
    }
}

/// A GPU identification with the row's spot hint; anything else unchanged.
fn with_spot_hint(id: Ident, spot_hint: bool) -> Ident {
    match id {
        Ident::Gpu {
            instance_type,
            gpu_model,
            gpus_per_unit,
            how,
            ..
        } => Ident::Gpu {
            instance_type,
            gpu_model,
            gpus_per_unit,
            spot_hint,
            how,
        },
        o => o,
    }
}

/// GPU count and candidate instance types from the structured details: SkuPriceDetails and
/// `x_SkuDetails` (JSON), then ResourceType.
fn structured_details(f: &IdentFields<'_>) -> (Option<f64>, Vec<String>) {
    let mut gpu_count = None;
    let mut structured: Vec<String> = Vec::new();
    for json in [f.sku_price_details, f.x_sku_details].into_iter().flatten() {
        let _ = json_object_each(json, |k, v| {
            if let Some(v) = v {
                match k {
                    "GpuCount" | "x_GpuCount" => gpu_count = v.trim().parse::<f64>().ok(),
                    "InstanceType" | "ServiceType" | "VMSize" | "VmSize" | "x_InstanceType" => {
                        structured.push(v.trim().to_string())
                    }
                    _ => {}
                }
            }
            false
        });
    }
    if let Some(rt) = f.resource_type {
        structured.push(rt.trim().to_string());
    }
    (gpu_count, structured)
}

/// The text fields used to identify a row.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdentFields<'a> {
    pub sku_price_details: Option<&'a str>,
    pub x_sku_details: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub description: Option<&'a str>,
    pub sku_meter: Option<&'a str>,
    pub x_meter: Option<&'a str>,
    pub service_category: Option<&'a str>,
}

fn normalize(cloud: Cloud, s: &str) -> String {
    let s = s.trim();
    match cloud {
        Cloud::Azure => {
            let core = s
                .strip_prefix("Standard_")
                .or_else(|| s.strip_prefix("standard_"))
                .unwrap_or(s);
            format!("Standard_{}", core.replace(' ', "_"))
        }
        _ => s.to_ascii_lowercase(),
    }
}

fn looks_like_gpu(cloud: Cloud, it: &str) -> bool {
    match cloud {
        Cloud::Aws => {
            let fam = it.split('.').next().unwrap_or("");
            it.contains('.')
                && (fam.starts_with('p') || fam.starts_with('g'))
                && fam.len() >= 2
                && fam.as_bytes()[1].is_ascii_digit()
        }
        Cloud::Azure => {
            let core = it.strip_prefix("Standard_").unwrap_or(it);
            core.starts_with('N')
                && core.len() > 2
                && matches!(core.as_bytes()[1], b'C' | b'D' | b'V' | b'G')
                && core.as_bytes()[2].is_ascii_digit()
        }
        Cloud::Gcp => {
            let fam = it.split('-').next().unwrap_or("");
            it.contains('-') && matches!(fam, "a2" | "a3" | "a4" | "g2" | "g4")
        }
    }
}

/// Candidate instance names in a free-text field.
fn tokens(cloud: Cloud, text: &str) -> Vec<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | ';' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    match cloud {
        Cloud::Aws => words
            .iter()
            .filter(|w| {
                let mut p = w.split('.');
                matches!((p.next(), p.next(), p.next()), (Some(a), Some(b), None)
                    if !a.is_empty() && !b.is_empty()
                    && a.as_bytes()[0].is_ascii_lowercase()
                    && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && b.chars().all(|c| c.is_ascii_alphanumeric()))
            })
            .map(|w| w.to_string())
            .collect(),
        Cloud::Gcp => words
            .iter()
            .filter(|w| {
                w.contains('-')
                    && w.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+')
            })
            .map(|w| w.to_ascii_lowercase())
            .collect(),
        Cloud::Azure => {
            // Meter names like "NC24ads A100 v4" (optionally "… Spot" / "… Low Priority"),
            // or VM sizes like "Standard_NC24ads_A100_v4".
            let mut out: Vec<String> = words
                .iter()
                .filter(|w| w.starts_with("Standard_"))
                .map(|w| w.to_string())
                .collect();
            for (i, w) in words.iter().enumerate() {
                let b = w.as_bytes();
                if b.len() > 2 && b[0] == b'N' && b[2].is_ascii_digit() {
                    let mut parts = vec![*w];
                    for nx in &words[i + 1..] {
                        let l = nx.to_ascii_lowercase();
                        if l == "spot" || l == "low" || l == "priority" || l.starts_with('-') {
                            break;
                        }
                        parts.push(nx);
                        if parts.len() == 3 {
                            break;
                        }
                    }
                    for n in (1..=parts.len()).rev() {
                        out.push(parts[..n].join("_"));
                    }
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn identifies_the_three_clouds() {
        let cat = crate::ingest::catalog::load_catalog(None).unwrap();
        let id = Identifier::new(&cat);
        let aws = id.identify(
            Some(Cloud::Aws),
            &IdentFields {
                description: Some("$1.624 per On Demand Linux g5.4xlarge Instance Hour"),
                ..Default::default()
            },
        );
        assert!(
            matches!(&aws, Ident::Gpu { gpu_model, gpus_per_unit, .. } if gpu_model == "A10G" && *gpus_per_unit == 1.0),
            "{aws:?}"
        );
        let g3 = id.identify(
            Some(Cloud::Aws),
            &IdentFields {
                description: Some("$1.14 per On Demand Linux g3.4xlarge Instance Hour"),
                ..Default::default()
            },
        );
        assert_eq!(g3, Ident::UnknownGpu("g3.4xlarge".into()));
        let az = id.identify(
            Some(Cloud::Azure),
            &IdentFields {
                x_meter: Some("NC48ads A100 v4 Spot"),
                ..Default::default()
            },
        );
        assert!(
            matches!(&az, Ident::Gpu { gpu_model, gpus_per_unit, spot_hint: true, .. } if gpu_model == "A100-80GB" && *gpus_per_unit == 2.0),
            "{az:?}"
        );
        let gcp = id.identify(
            Some(Cloud::Gcp),
            &IdentFields {
                description: Some("Nvidia H100 80gb GPU running in Americas"),
                ..Default::default()
            },
        );
        assert!(
            matches!(&gcp, Ident::Gpu { gpu_model, gpus_per_unit, .. } if gpu_model == "H100" && *gpus_per_unit == 1.0),
            "{gcp:?}"
        );
        let host = id.identify(
            Some(Cloud::Gcp),
            &IdentFields {
                description: Some("A3 Instance Core running in Americas"),
                ..Default::default()
            },
        );
        assert_eq!(
            host,
            Ident::Host {
                family: "a3".into()
            }
        );
        let spd = id.identify(
            Some(Cloud::Aws),
            &IdentFields {
                sku_price_details: Some(r#"{"InstanceType": "p5.48xlarge", "GpuCount": 8}"#),
                ..Default::default()
            },
        );
        assert!(matches!(&spd, Ident::Gpu { gpu_model, .. } if gpu_model == "H100"));
    }
}
