//! FOCUS column names (1.0 to 1.3) and the header map of one file.

use crate::error::InputError;
use std::path::Path;

/// Columns gpuplan reads, by FOCUS Column ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Col {
    BilledCost,
    EffectiveCost,
    ListCost,
    ChargeCategory,
    ChargeClass,
    ChargeFrequency,
    ChargeDescription,
    ChargePeriodStart,
    ChargePeriodEnd,
    ConsumedQuantity,
    ConsumedUnit,
    PricingQuantity,
    PricingUnit,
    PricingCategory,
    CommitmentDiscountId,
    CommitmentDiscountType,
    CommitmentDiscountCategory,
    CommitmentDiscountStatus,
    CommitmentDiscountQuantity,
    CommitmentDiscountUnit,
    ProviderName,
    ServiceProviderName,
    HostProviderName,
    RegionId,
    Region,
    ResourceId,
    ResourceName,
    ResourceType,
    ServiceCategory,
    SkuMeter,
    SkuPriceDetails,
    SubAccountId,
    SubAccountName,
    Tags,
    ContractApplied,
    XSkuMeterName,
    XSkuDetails,
}

/// Number of [`Col`] variants.
pub(crate) const NCOLS: usize = Col::XSkuDetails as usize + 1;

const NAMES: [(Col, &str); NCOLS] = [
    (Col::BilledCost, "BilledCost"),
    (Col::EffectiveCost, "EffectiveCost"),
    (Col::ListCost, "ListCost"),
    (Col::ChargeCategory, "ChargeCategory"),
    (Col::ChargeClass, "ChargeClass"),
    (Col::ChargeFrequency, "ChargeFrequency"),
    (Col::ChargeDescription, "ChargeDescription"),
    (Col::ChargePeriodStart, "ChargePeriodStart"),
    (Col::ChargePeriodEnd, "ChargePeriodEnd"),
    (Col::ConsumedQuantity, "ConsumedQuantity"),
    (Col::ConsumedUnit, "ConsumedUnit"),
    (Col::PricingQuantity, "PricingQuantity"),
    (Col::PricingUnit, "PricingUnit"),
    (Col::PricingCategory, "PricingCategory"),
    (Col::CommitmentDiscountId, "CommitmentDiscountId"),
    (Col::CommitmentDiscountType, "CommitmentDiscountType"),
    (
        Col::CommitmentDiscountCategory,
        "CommitmentDiscountCategory",
    ),
    (Col::CommitmentDiscountStatus, "CommitmentDiscountStatus"),
    (
        Col::CommitmentDiscountQuantity,
        "CommitmentDiscountQuantity",
    ),
    (Col::CommitmentDiscountUnit, "CommitmentDiscountUnit"),
    (Col::ProviderName, "ProviderName"),
    (Col::ServiceProviderName, "ServiceProviderName"),
    (Col::HostProviderName, "HostProviderName"),
    (Col::RegionId, "RegionId"),
    (Col::Region, "Region"),
    (Col::ResourceId, "ResourceId"),
    (Col::ResourceName, "ResourceName"),
    (Col::ResourceType, "ResourceType"),
    (Col::ServiceCategory, "ServiceCategory"),
    (Col::SkuMeter, "SkuMeter"),
    (Col::SkuPriceDetails, "SkuPriceDetails"),
    (Col::SubAccountId, "SubAccountId"),
    (Col::SubAccountName, "SubAccountName"),
    (Col::Tags, "Tags"),
    (Col::ContractApplied, "ContractApplied"),
    (Col::XSkuMeterName, "x_SkuMeterName"),
    (Col::XSkuDetails, "x_SkuDetails"),
];

/// Columns whose presence marks a FOCUS version (the newest found wins).
const VERSION_MARKS: &[(&str, &str)] = &[
    ("ServiceProviderName", "1.3"),
    ("HostProviderName", "1.3"),
    ("ContractApplied", "1.3"),
    ("AllocatedMethodId", "1.3"),
    ("BillingAccountType", "1.2"),
    ("SubAccountType", "1.2"),
    ("InvoiceId", "1.2"),
    ("PricingCurrency", "1.2"),
    ("SkuPriceDetails", "1.1"),
    ("SkuMeter", "1.1"),
    ("CommitmentDiscountQuantity", "1.1"),
    ("CapacityReservationId", "1.1"),
    ("ServiceSubcategory", "1.1"),
];

/// The header of one FOCUS file: where each known column is, the extra (`x_`) columns, and
/// the FOCUS version its columns indicate.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub idx: [Option<usize>; NCOLS],
    pub names: Vec<String>,
    /// `x_` columns (provider extensions), kept by name.
    pub extras: Vec<String>,
    /// Columns neither FOCUS nor `x_` (e.g. the sample's `Id`): ignored.
    pub unknown: Vec<String>,
    /// `1.0`, `1.1`, `1.2` or `1.3` (from the columns present).
    pub version: &'static str,
}

/// Which dataset a header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dataset {
    /// Cost and Usage.
    CostAndUsage,
    /// FOCUS 1.3 Contract Commitment dataset.
    ContractCommitment,
}

/// FOCUS Column IDs of the Cost and Usage dataset that are not read but are known (so they
/// are not reported as unknown).
const OTHER_KNOWN: &[&str] = &[
    "AvailabilityZone",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "CommitmentDiscountName",
    "ContractedCost",
    "ContractedUnitPrice",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListUnitPrice",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PublisherName",
    "RegionName",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuPriceId",
    "SubAccountType",
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "ContractId",
    "CommitmentDiscountId",
];

impl Header {
    /// Reads a header row; names are trimmed and a UTF-8 BOM is dropped. Duplicate names
    /// are an error.
    pub(crate) fn parse(file: &Path, fields: &[String]) -> Result<(Self, Dataset), InputError> {
        let mut idx = [None; NCOLS];
        let mut names = Vec::with_capacity(fields.len());
        let mut extras = Vec::new();
        let mut unknown = Vec::new();
        let mut version = "1.0";
        for (i, raw) in fields.iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_string();
            if names.contains(&name) {
                return Err(InputError::cell(
                    file,
                    1,
                    i + 1,
                    &name,
                    "duplicate column name",
                ));
            }
            if let Some((c, _)) = NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(&name)) {
                idx[*c as usize] = Some(i);
            }
            if let Some((_, v)) = VERSION_MARKS.iter().find(|(n, _)| *n == name) {
                if *v > version {
                    version = v;
                }
            }
            if name.starts_with("x_") {
                extras.push(name.clone());
            } else if !NAMES.iter().any(|(_, n)| n.eq_ignore_ascii_case(&name))
                && !OTHER_KNOWN.contains(&name.as_str())
                && !name.starts_with("ContractCommitment")
                && !name.starts_with("Contract")
            {
                unknown.push(name.clone());
            }
            names.push(name);
        }
        let has = |n: &str| names.iter().any(|x| x == n);
        let dataset = if has("ContractCommitmentId") && !has("ChargePeriodStart") {
            version = "1.3";
            Dataset::ContractCommitment
        } else {
            Dataset::CostAndUsage
        };
        let h = Header {
            idx,
            names,
            extras,
            unknown,
            version,
        };
        if dataset == Dataset::CostAndUsage {
            for need in [
                Col::ChargePeriodStart,
                Col::ChargePeriodEnd,
                Col::ChargeCategory,
            ] {
                if h.idx[need as usize].is_none() {
                    return Err(InputError::line(
                        file,
                        1,
                        format!(
                            "missing column `{}`: not a FOCUS cost-and-usage export (expected FOCUS 1.0–1.3 columns such as ChargePeriodStart, ChargePeriodEnd, ChargeCategory, BilledCost, EffectiveCost), nor a FOCUS 1.3 ContractCommitment dataset (ContractCommitmentId)",
                            name_of(need)
                        ),
                    ));
                }
            }
            if h.idx[Col::BilledCost as usize].is_none()
                && h.idx[Col::EffectiveCost as usize].is_none()
            {
                return Err(InputError::line(
                    file,
                    1,
                    "missing columns `BilledCost` and `EffectiveCost`: a FOCUS export has at least one cost column",
                ));
            }
        }
        Ok((h, dataset))
    }

    /// Column index of a known column.
    pub(crate) fn get(&self, c: Col) -> Option<usize> {
        self.idx[c as usize]
    }
}

/// The FOCUS Column ID of a [`Col`].
pub(crate) fn name_of(c: Col) -> &'static str {
    NAMES[c as usize].1
}
