//! The price catalog: GPU models, offerings (cloud, region, instance type), commitment offers,
//! and commitments already owned.

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// A cloud provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    /// Amazon Web Services.
    Aws,
    /// Microsoft Azure.
    Azure,
    /// Google Cloud.
    Gcp,
}

impl Cloud {
    /// All clouds, in display order.
    pub const ALL: [Cloud; 3] = [Cloud::Aws, Cloud::Azure, Cloud::Gcp];
    /// The canonical lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }
    /// Parses `aws`, `azure` or `gcp` (exact, lowercase).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "aws" => Some(Cloud::Aws),
            "azure" => Some(Cloud::Azure),
            "gcp" => Some(Cloud::Gcp),
            _ => None,
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GPU model with its specs and throughput relative to A100-80GB.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuModel {
    /// Canonical name, e.g. `H100`.
    pub name: String,
    /// Memory per GPU in GB.
    pub memory_gb: f64,
    /// Dense BF16 tensor TFLOPS (FP16 where the GPU has no BF16).
    pub bf16_tflops: f64,
    /// Memory bandwidth in GB/s.
    pub memory_bandwidth_gbps: f64,
    /// Training throughput relative to A100-80GB = 1.0.
    pub training_perf: f64,
    /// Inference throughput relative to A100-80GB = 1.0.
    pub inference_perf: f64,
    /// Provenance of the row.
    pub source: String,
}

/// A purchasable instance type in a region.
#[derive(Debug, Clone, PartialEq)]
pub struct Offering {
    /// Cloud.
    pub cloud: Cloud,
    /// Region as the provider spells it.
    pub region: String,
    /// Instance type as the provider spells it.
    pub instance_type: String,
    /// GPU model (a name in the GPU table).
    pub gpu_model: String,
    /// GPUs per instance.
    pub gpus: u32,
    /// On-demand USD per instance-hour.
    pub on_demand_hourly: f64,
    /// Spot USD per instance-hour; `None` = no spot.
    pub spot_hourly: Option<f64>,
    /// Cost overhead of spot from interruptions, in percent.
    pub spot_interruption_pct: f64,
    /// Maximum on-demand instances at once; `None` = unlimited.
    pub capacity_limit: Option<f64>,
    /// Date of the price.
    pub price_date: NaiveDate,
    /// Provenance of the price.
    pub source: String,
}

impl Offering {
    /// The instance family derived from the instance name (AWS `p4de.24xlarge` → `p4de`,
    /// GCP `a3-highgpu-8g` → `a3`, Azure `Standard_NC24ads_A100_v4` → `NCads_A100_v4`).
    pub fn family(&self) -> String {
        family_of(self.cloud, &self.instance_type)
    }
    /// On-demand USD per GPU-hour.
    pub fn on_demand_per_gpu(&self) -> f64 {
        self.on_demand_hourly / f64::from(self.gpus)
    }
    /// Effective spot USD per instance-hour, including the interruption overhead.
    pub fn effective_spot_hourly(&self) -> Option<f64> {
        self.spot_hourly
            .map(|s| s * (1.0 + self.spot_interruption_pct / 100.0))
    }
    /// Effective spot USD per instance-hour when the scenario allows spot, else `None`.
    pub fn spot_if_allowed(&self, allowed: bool) -> Option<f64> {
        if allowed {
            self.effective_spot_hourly()
        } else {
            None
        }
    }
    /// `cloud/region/instance_type`, the offering's key in messages.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.cloud, self.region, self.instance_type)
    }
}

/// The family of an instance type under a cloud's naming rule.
pub fn family_of(cloud: Cloud, instance_type: &str) -> String {
    match cloud {
        Cloud::Aws => instance_type
            .split('.')
            .next()
            .unwrap_or(instance_type)
            .to_string(),
        Cloud::Gcp => instance_type
            .split('-')
            .next()
            .unwrap_or(instance_type)
            .to_string(),
        Cloud::Azure => {
            let s = instance_type
                .strip_prefix("Standard_")
                .unwrap_or(instance_type);
            let mut parts = s.split('_');
            let first: String = parts
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            std::iter::once(first)
                .chain(parts.map(str::to_string))
                .collect::<Vec<_>>()
                .join("_")
        }
    }
}

/// Unit (N instances) or spend ($/h) commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommitmentKind {
    /// Reserved instances, resource CUDs, Azure reservations: N instances of one offering.
    Unit,
    /// Savings plans and spend-based CUDs: $C per hour of discounted usage.
    Spend,
}

impl CommitmentKind {
    /// `unit` or `spend`.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentKind::Unit => "unit",
            CommitmentKind::Spend => "spend",
        }
    }
}

/// Payment option of a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Payment {
    /// Everything paid monthly.
    NoUpfront,
    /// Part upfront, the rest monthly.
    PartialUpfront,
    /// Everything upfront.
    AllUpfront,
}

impl Payment {
    /// All payment options.
    pub const ALL: [Payment; 3] = [
        Payment::NoUpfront,
        Payment::PartialUpfront,
        Payment::AllUpfront,
    ];
    /// `no_upfront`, `partial_upfront` or `all_upfront`.
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::NoUpfront => "no_upfront",
            Payment::PartialUpfront => "partial_upfront",
            Payment::AllUpfront => "all_upfront",
        }
    }
    /// Parses the canonical name.
    pub fn parse(s: &str) -> Option<Self> {
        Payment::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What usage a commitment row applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MatchRule {
    /// One instance type.
    InstanceType(String),
    /// An instance family (see [`family_of`]).
    Family(String),
    /// Every offering with that GPU model.
    GpuModel(String),
    /// Every offering of the cloud.
    Any,
}

impl MatchRule {
    /// `instance_type`, `family`, `gpu_model` or `any`.
    pub fn kind_str(&self) -> &'static str {
        match self {
            MatchRule::InstanceType(_) => "instance_type",
            MatchRule::Family(_) => "family",
            MatchRule::GpuModel(_) => "gpu_model",
            MatchRule::Any => "any",
        }
    }
    /// The match value (empty for `any`).
    pub fn value(&self) -> &str {
        match self {
            MatchRule::InstanceType(v) | MatchRule::Family(v) | MatchRule::GpuModel(v) => v,
            MatchRule::Any => "",
        }
    }
    /// Specificity rank: instance_type 3 > family 2 > gpu_model 1 > any 0.
    pub fn specificity(&self) -> u8 {
        match self {
            MatchRule::InstanceType(_) => 3,
            MatchRule::Family(_) => 2,
            MatchRule::GpuModel(_) => 1,
            MatchRule::Any => 0,
        }
    }
    /// Whether the rule matches an offering (region and cloud are checked by the row).
    pub fn matches(&self, o: &Offering) -> bool {
        match self {
            MatchRule::InstanceType(v) => &o.instance_type == v,
            MatchRule::Family(v) => &o.family() == v,
            MatchRule::GpuModel(v) => &o.gpu_model == v,
            MatchRule::Any => true,
        }
    }
}

/// One row of a commitment offer: a match and its discount.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentRow {
    /// What it applies to.
    pub rule: MatchRule,
    /// Region; `None` = every region of the cloud.
    pub region: Option<String>,
    /// Effective discount vs on-demand in percent, in (0, 100).
    pub discount_pct: f64,
    /// Date of the price.
    pub price_date: NaiveDate,
    /// Provenance.
    pub source: String,
}

impl CommitmentRow {
    /// Whether this row applies to the offering (cloud checked by the offer).
    pub fn matches(&self, o: &Offering) -> bool {
        self.region.as_deref().is_none_or(|r| r == o.region) && self.rule.matches(o)
    }
}

/// A commitment offer: one id, its terms, and one or more match rows.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentOffer {
    /// Offer id, unique in the catalog.
    pub id: String,
    /// Cloud.
    pub cloud: Cloud,
    /// Unit or spend.
    pub kind: CommitmentKind,
    /// Term in months.
    pub term_months: u32,
    /// Payment option.
    pub payment: Payment,
    /// Share of the total term cost paid upfront, in [0, 1].
    pub upfront_fraction: f64,
    /// Match rows (most specific wins).
    pub rows: Vec<CommitmentRow>,
}

impl CommitmentOffer {
    /// The discount (percent) this offer gives on an offering: the most specific matching
    /// row wins (instance_type > family > gpu_model > any); `None` when no row matches.
    pub fn discount_for(&self, o: &Offering) -> Option<f64> {
        if o.cloud != self.cloud {
            return None;
        }
        self.rows
            .iter()
            .filter(|r| r.matches(o))
            .max_by_key(|r| (r.rule.specificity(), r.region.is_some()))
            .map(|r| r.discount_pct)
    }
    /// Whether the offer applies to the offering.
    pub fn matches(&self, o: &Offering) -> bool {
        self.discount_for(o).is_some()
    }
    /// Hours in the term (a month is 730 hours, the providers' billing convention).
    pub fn term_hours(&self) -> f64 {
        f64::from(self.term_months) * HOURS_PER_MONTH
    }
}

/// Hours per month in the providers' billing convention (8,760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// A commitment already owned: paid whether used or not until `end`.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedCommitment {
    /// The catalog offer it was bought from.
    pub offer_id: String,
    /// Instances (unit offers) or USD per hour (spend offers).
    pub quantity_or_hourly: f64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Line in the commitments file, for messages.
    pub line: u64,
}

/// The whole catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// GPU models.
    pub gpus: Vec<GpuModel>,
    /// Offerings.
    pub offerings: Vec<Offering>,
    /// Commitment offers.
    pub offers: Vec<CommitmentOffer>,
}

impl Catalog {
    /// The GPU model by name.
    pub fn gpu(&self, name: &str) -> Option<&GpuModel> {
        self.gpus.iter().find(|g| g.name == name)
    }
    /// The commitment offer by id.
    pub fn offer(&self, id: &str) -> Option<&CommitmentOffer> {
        self.offers.iter().find(|k| k.id == id)
    }
    /// The offering by cloud, region and instance type.
    pub fn offering(&self, cloud: Cloud, region: &str, instance_type: &str) -> Option<&Offering> {
        self.offerings
            .iter()
            .find(|o| o.cloud == cloud && o.region == region && o.instance_type == instance_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn families_follow_each_clouds_naming() {
        assert_eq!(family_of(Cloud::Aws, "p4de.24xlarge"), "p4de");
        assert_eq!(family_of(Cloud::Gcp, "a3-highgpu-8g"), "a3");
        assert_eq!(
            family_of(Cloud::Azure, "Standard_NC24ads_A100_v4"),
            "NCads_A100_v4"
        );
        assert_eq!(
            family_of(Cloud::Azure, "Standard_ND96isr_H100_v5"),
            "NDisr_H100_v5"
        );
    }
}
