//! Commitments seen in a FOCUS export: commitment discounts (CommitmentDiscountId / Type /
//! Category / Status / Quantity / Unit) and FOCUS 1.3 contract commitments (the
//! ContractCommitment dataset and the ContractApplied column), with their utilization, and
//! their mapping to a catalog commitment offer in the owned-commitments format.
//!
//! Utilization = used ÷ (used + unused) over the hours the export covers, measured in
//! CommitmentDiscountQuantity when every Used/Unused row carries it (FOCUS ≥ 1.1), else in
//! EffectiveCost of the Used and Unused rows (FOCUS 1.0). For a 1.3 contract commitment
//! without commitment-discount rows: applied quantity (or cost) ÷ the committed quantity
//! (or cost) pro-rated to the hours observed.

use super::instant;
use super::parse::{opt, parse_epoch_seconds, parse_num};
use crate::domain::{
    Catalog, Cloud, CommitmentKind, CommitmentOffer, Offering, OwnedCommitment, Payment,
};
use crate::error::InputError;
use chrono::{DateTime, Months, Utc};
use std::path::{Path, PathBuf};

/// A row of the FOCUS 1.3 ContractCommitment dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContractTerms {
    /// ContractCommitmentId.
    pub id: String,
    /// ContractId.
    pub contract_id: Option<String>,
    /// ContractCommitmentCategory (`Spend` or `Usage`).
    pub category: Option<String>,
    /// ContractCommitmentType (e.g. `Reserved Instance`, `Savings Plan`).
    pub commitment_type: Option<String>,
    /// ContractCommitmentDescription.
    pub description: Option<String>,
    /// ContractCommitmentPeriodStart.
    pub period_start: Option<DateTime<Utc>>,
    /// ContractCommitmentPeriodEnd.
    pub period_end: Option<DateTime<Utc>>,
    /// ContractCommitmentQuantity.
    pub quantity: Option<f64>,
    /// ContractCommitmentUnit.
    pub unit: Option<String>,
    /// ContractCommitmentCost.
    pub cost: Option<f64>,
    /// ContractCommitmentPaymentModel (`No Upfront`, `Partial Upfront`, `All Upfront`), when
    /// the file has it.
    pub payment_model: Option<String>,
    /// ContractCommitmentFulfillmentInterval (`Hourly`, …), when the file has it.
    pub fulfillment_interval: Option<String>,
    /// File it came from.
    pub file: PathBuf,
    /// Line in that file.
    pub line: u64,
}

/// A GPU offering whose usage a commitment covered.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredOffering {
    /// Cloud.
    pub cloud: Cloud,
    /// Region.
    pub region: String,
    /// Instance type.
    pub instance_type: String,
    /// GPU model.
    pub gpu_model: String,
    /// Hours of usage covered (the rows' quantity in hours).
    pub hours: f64,
    /// GPU-hours covered.
    pub gpu_hours: f64,
    /// ListCost of the covered usage.
    pub list_cost: f64,
    /// EffectiveCost of the covered usage.
    pub effective_cost: f64,
}

/// How a commitment's utilization was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtilizationBasis {
    /// CommitmentDiscountQuantity of Used vs Unused rows.
    Quantity,
    /// EffectiveCost of Used vs Unused rows.
    Cost,
    /// ContractApplied quantities (or costs) vs the ContractCommitment terms.
    Applied,
    /// Not measurable (no usage rows).
    None,
}

impl UtilizationBasis {
    /// `quantity`, `cost`, `applied` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            UtilizationBasis::Quantity => "quantity",
            UtilizationBasis::Cost => "cost",
            UtilizationBasis::Applied => "applied",
            UtilizationBasis::None => "none",
        }
    }
}

/// A commitment seen in the export.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedCommitment {
    /// CommitmentDiscountId or ContractCommitmentId.
    pub id: String,
    /// Cloud, when the rows say.
    pub cloud: Option<Cloud>,
    /// CommitmentDiscountType (or ContractCommitmentType).
    pub commitment_type: String,
    /// CommitmentDiscountCategory: `Spend` or `Usage` (empty when not given).
    pub category: String,
    /// CommitmentDiscountUnit (or ContractCommitmentUnit).
    pub unit: String,
    /// First hour with a Used/Unused row.
    pub first_seen: Option<DateTime<Utc>>,
    /// End of the last hour with a Used/Unused row.
    pub last_seen: Option<DateTime<Utc>>,
    /// Hours between `first_seen` and `last_seen`.
    pub observed_hours: f64,
    /// Used amount, in the basis's unit.
    pub used: f64,
    /// Unused amount, in the basis's unit.
    pub unused: f64,
    /// How utilization was measured.
    pub basis: UtilizationBasis,
    /// EffectiveCost of the covered usage, USD.
    pub used_cost: f64,
    /// EffectiveCost of the unused commitment, USD.
    pub unused_cost: f64,
    /// ListCost of the covered usage, USD.
    pub used_list_cost: f64,
    /// BilledCost of one-time purchase rows, USD.
    pub purchase_one_time: f64,
    /// BilledCost of recurring purchase rows, USD.
    pub purchase_recurring: f64,
    /// GPU offerings it covered.
    pub covered: Vec<CoveredOffering>,
    /// EffectiveCost of the non-GPU usage it covered, USD.
    pub non_gpu_cost: f64,
    /// Its FOCUS 1.3 ContractCommitment row, when one has the same id.
    pub contract: Option<ContractTerms>,
    /// Unit (instances) or spend ($/h), when known.
    pub kind: Option<CommitmentKind>,
    /// Its first row in the cost exports, else its contract row.
    pub origin: Option<super::RowOrigin>,
    /// The owned commitment in the catalog's terms, when it could be mapped.
    pub mapped: Option<OwnedCommitment>,
    /// How it was mapped, what was assumed, or why it could not be.
    pub note: String,
}

impl DetectedCommitment {
    /// used ÷ (used + unused); `None` when nothing was measured.
    pub fn utilization(&self) -> Option<f64> {
        let t = self.used + self.unused;
        (t > 0.0).then(|| self.used / t)
    }
    /// 1 − effective ÷ list over the covered usage (the discount it delivered).
    pub fn implied_discount(&self) -> Option<f64> {
        (self.used_list_cost > 0.0).then(|| 1.0 - self.used_cost / self.used_list_cost)
    }
}

/// What the reader passes about one row with a commitment id or ContractApplied.
pub(crate) struct RowInfo<'a> {
    pub cloud: Option<Cloud>,
    pub category_usage: bool,
    pub category_purchase: bool,
    pub status: Option<&'a str>,
    pub ctype: Option<&'a str>,
    pub ccat: Option<&'a str>,
    pub cunit: Option<&'a str>,
    pub cqty: Option<f64>,
    pub frequency: Option<&'a str>,
    pub billed: f64,
    pub effective: f64,
    pub list: f64,
    pub hours: Option<f64>,
    /// GPU row: cloud, region, instance type, GPU model, GPU-hours.
    pub gpu: Option<(Cloud, &'a str, &'a str, &'a str, f64)>,
    pub start: i64,
    pub end: i64,
    /// Where the row is.
    pub origin: (&'a std::path::Path, u64),
}

/// One entry of a ContractApplied value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Applied {
    pub id: String,
    pub cost: Option<f64>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

/// Parses a ContractApplied JSON value: an array of entries, an object holding such an
/// array under `ContractApplied`, or a single entry.
pub(crate) fn parse_contract_applied(text: &str) -> Result<Vec<Applied>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!("expected JSON like [{{\"ContractCommitmentId\": \"…\", \"ContractCommitmentAppliedCost\": 1.0}}]: {e}")
    })?;
    let arr = match &v {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => match o.get("ContractApplied") {
            Some(serde_json::Value::Array(a)) => a.clone(),
            _ => vec![v.clone()],
        },
        _ => return Err("expected a JSON array or object of contract commitments".into()),
    };
    let mut out = Vec::new();
    for e in arr {
        let serde_json::Value::Object(o) = e else {
            return Err("expected each applied contract commitment as a JSON object".into());
        };
        let get = |names: &[&str]| {
            names.iter().find_map(|n| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
            })
        };
        let id = match get(&["ContractCommitmentId", "ContractCommitmentID"]) {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err("an applied contract commitment has no ContractCommitmentId".into()),
        };
        let num = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        out.push(Applied {
            id,
            cost: num(get(&["ContractCommitmentAppliedCost"])),
            quantity: num(get(&["ContractCommitmentAppliedQuantity"])),
            unit: match get(&["ContractCommitmentAppliedUnit"]) {
                Some(serde_json::Value::String(s)) => Some(s),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Reads one row of a ContractCommitment dataset file.
pub(crate) fn contract_row(
    file: &Path,
    line: u64,
    names: &[String],
    rec: &csv::ByteRecord,
) -> Result<ContractTerms, InputError> {
    let col = |n: &str| names.iter().position(|x| x.eq_ignore_ascii_case(n));
    let cell = |n: &str| -> Result<Option<String>, InputError> {
        let Some(i) = col(n) else { return Ok(None) };
        let b = rec.get(i).unwrap_or(b"");
        let s = std::str::from_utf8(b)
            .map_err(|_| InputError::cell(file, line, i + 1, n, "invalid UTF-8 bytes"))?;
        Ok(opt(s).map(str::to_string))
    };
    let num = |n: &str| -> Result<Option<f64>, InputError> {
        match cell(n)? {
            None => Ok(None),
            Some(s) => parse_num(&s).map(Some).ok_or_else(|| {
                InputError::cell(
                    file,
                    line,
                    col(n).unwrap_or(0) + 1,
                    n,
                    format!("expected a decimal number, found {s:?}"),
                )
            }),
        }
    };
    let time =
        |n: &str| -> Result<Option<DateTime<Utc>>, InputError> {
            match cell(n)? {
                None => Ok(None),
                Some(s) => parse_epoch_seconds(&s)
                    .map(|t| Some(instant(t)))
                    .ok_or_else(|| {
                        InputError::cell(
                    file,
                    line,
                    col(n).unwrap_or(0) + 1,
                    n,
                    format!("expected a date or date-time like 2025-12-01T00:00:00Z, found {s:?}"),
                )
                    }),
            }
        };
    let Some(id) = cell("ContractCommitmentId")? else {
        return Err(InputError::cell(
            file,
            line,
            col("ContractCommitmentId").unwrap_or(0) + 1,
            "ContractCommitmentId",
            "is empty: every contract commitment needs an id",
        ));
    };
    Ok(ContractTerms {
        id,
        contract_id: cell("ContractId")?,
        category: cell("ContractCommitmentCategory")?,
        commitment_type: cell("ContractCommitmentType")?,
        description: cell("ContractCommitmentDescription")?,
        period_start: time("ContractCommitmentPeriodStart")?,
        period_end: time("ContractCommitmentPeriodEnd")?,
        quantity: num("ContractCommitmentQuantity")?,
        unit: cell("ContractCommitmentUnit")?,
        cost: num("ContractCommitmentCost")?,
        payment_model: cell("ContractCommitmentPaymentModel")?,
        fulfillment_interval: cell("ContractCommitmentFulfillmentInterval")?,
        file: file.to_path_buf(),
        line,
    })
}

/// What the rows of one commitment have gathered: its type, category and unit (first
/// seen), used and unused amounts, costs, purchases, coverage and contract applications.
#[derive(Default)]
struct CommitmentTotals {
    cloud: Option<Cloud>,
    ctype: Option<String>,
    ccat: Option<String>,
    cunit: Option<String>,
    used_q: f64,
    unused_q: f64,
    q_missing: u64,
    used_eff: f64,
    unused_eff: f64,
    used_list: f64,
    non_gpu_eff: f64,
    first: Option<i64>,
    last: Option<i64>,
    purchase_one_time: f64,
    purchase_recurring: f64,
    cover: Vec<CoveredOffering>,
    applied_q: f64,
    applied_cost: f64,
    applied_rows: u64,
    discount_rows: u64,
    /// Its first row.
    origin: Option<super::RowOrigin>,
}

impl CommitmentTotals {
    /// Keeps the first row's place.
    fn note_origin(&mut self, r: &RowInfo<'_>) {
        if self.origin.is_none() {
            self.origin = Some(super::RowOrigin {
                file: r.origin.0.to_path_buf(),
                line: r.origin.1,
            });
        }
    }
    fn see(&mut self, r: &RowInfo<'_>) {
        self.first = Some(self.first.map_or(r.start, |f| f.min(r.start)));
        self.last = Some(self.last.map_or(r.end.max(r.start + 1), |l| l.max(r.end)));
    }
    fn cover(&mut self, r: &RowInfo<'_>) {
        if let Some((c, reg, it, m, gh)) = &r.gpu {
            let i = match self
                .cover
                .iter()
                .position(|x| x.cloud == *c && x.region == *reg && x.instance_type == *it)
            {
                Some(i) => i,
                None => {
                    self.cover.push(CoveredOffering {
                        cloud: *c,
                        region: reg.to_string(),
                        instance_type: it.to_string(),
                        gpu_model: m.to_string(),
                        hours: 0.0,
                        gpu_hours: 0.0,
                        list_cost: 0.0,
                        effective_cost: 0.0,
                    });
                    self.cover.len() - 1
                }
            };
            let x = &mut self.cover[i];
            x.hours += r.hours.unwrap_or(0.0);
            x.gpu_hours += gh;
            x.list_cost += r.list;
            x.effective_cost += r.effective;
        } else {
            self.non_gpu_eff += r.effective;
        }
    }
}

/// Accumulates commitment rows by id.
#[derive(Default)]
pub(crate) struct Accumulator {
    ids: super::intern::FxMap<String, usize>,
    acc: Vec<(String, CommitmentTotals)>,
}

impl Accumulator {
    fn get(&mut self, id: &str) -> &mut CommitmentTotals {
        let i = match self.ids.get(id) {
            Some(&i) => i,
            None => {
                self.acc.push((id.to_string(), CommitmentTotals::default()));
                self.ids.insert(id.to_string(), self.acc.len() - 1);
                self.acc.len() - 1
            }
        };
        &mut self.acc[i].1
    }

    /// A row with a CommitmentDiscountId.
    pub(crate) fn add(&mut self, id: &str, r: &RowInfo<'_>) {
        let a = self.get(id);
        a.note_origin(r);
        a.discount_rows += 1;
        if a.cloud.is_none() {
            a.cloud = r.cloud;
        }
        for (slot, v) in [
            (&mut a.ctype, r.ctype),
            (&mut a.ccat, r.ccat),
            (&mut a.cunit, r.cunit),
        ] {
            if slot.is_none() {
                *slot = v.map(str::to_string);
            }
        }
        if r.category_purchase {
            if r.frequency
                .is_some_and(|f| f.to_ascii_lowercase().starts_with("one"))
            {
                a.purchase_one_time += r.billed;
            } else {
                a.purchase_recurring += r.billed;
            }
            return;
        }
        if !r.category_usage {
            return;
        }
        let unused = r.status.is_some_and(|s| s.eq_ignore_ascii_case("unused"));
        a.see(r);
        match r.cqty {
            Some(q) if unused => a.unused_q += q,
            Some(q) => a.used_q += q,
            None => a.q_missing += 1,
        }
        if unused {
            a.unused_eff += r.effective;
        } else {
            a.used_eff += r.effective;
            a.used_list += r.list;
            a.cover(r);
        }
    }

    /// One ContractApplied entry of a row.
    pub(crate) fn add_applied(&mut self, e: &Applied, r: &RowInfo<'_>) {
        let a = self.get(&e.id);
        a.note_origin(r);
        a.applied_rows += 1;
        if a.cloud.is_none() {
            a.cloud = r.cloud;
        }
        if !r.category_usage {
            return;
        }
        a.applied_q += e.quantity.unwrap_or(0.0);
        a.applied_cost += e.cost.unwrap_or(0.0);
        if a.discount_rows == 0 {
            a.see(r);
            a.used_list += r.list;
            a.cover(r);
        }
    }

    /// Final commitments, with their catalog mapping.
    pub(crate) fn finish(
        self,
        catalog: &Catalog,
        contracts: Vec<ContractTerms>,
        warnings: &mut Vec<String>,
    ) -> Vec<DetectedCommitment> {
        let mut out = Vec::new();
        let mut used_contracts = vec![false; contracts.len()];
        for (id, a) in self.acc {
            let ci = contracts.iter().position(|c| c.id == id);
            if let Some(i) = ci {
                used_contracts[i] = true;
            }
            let contract = ci.map(|i| contracts[i].clone());
            out.push(build(id, a, contract, catalog));
        }
        for (i, c) in contracts.into_iter().enumerate() {
            if !used_contracts[i] {
                let id = c.id.clone();
                out.push(build(id, CommitmentTotals::default(), Some(c), catalog));
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        for d in &out {
            if d.mapped.is_none() {
                warnings.push(format!(
                    "commitment {} ({}) not written to commitments.csv: {}",
                    d.id,
                    if d.commitment_type.is_empty() {
                        "type not given"
                    } else {
                        &d.commitment_type
                    },
                    d.note
                ));
            }
        }
        out
    }
}

fn kind_of(ctype: &str, ccat: &str) -> Option<CommitmentKind> {
    let c = ccat.to_ascii_lowercase();
    let t = ctype.to_ascii_lowercase();
    // Negotiated spend pools (EDP, MACC, enterprise agreements) are not hourly commitments.
    if [
        "enterprise",
        "agreement",
        "edp",
        "macc",
        "pool",
        "subscription",
        "credit",
    ]
    .iter()
    .any(|k| t.contains(k))
    {
        return None;
    }
    if c == "spend" || t.contains("savings plan") || t.contains("flex") || t.contains("spend") {
        Some(CommitmentKind::Spend)
    } else if c == "usage"
        || t.contains("reserv")
        || t.contains("committed use")
        || t.contains("cud")
    {
        Some(CommitmentKind::Unit)
    } else {
        None
    }
}

fn payment_of(s: &str) -> Option<Payment> {
    let l = s.to_ascii_lowercase().replace(['-', '_'], " ");
    if l.starts_with("no upfront") {
        Some(Payment::NoUpfront)
    } else if l.starts_with("partial") {
        Some(Payment::PartialUpfront)
    } else if l.starts_with("all upfront") || l == "upfront" {
        Some(Payment::AllUpfront)
    } else {
        None
    }
}

/// The commitment as detected: its terms (from its rows, else its contract), observed
/// hours, utilization, costs and coverage, with its catalog mapping.
fn build(
    id: String,
    a: CommitmentTotals,
    contract: Option<ContractTerms>,
    catalog: &Catalog,
) -> DetectedCommitment {
    let c = contract.as_ref();
    let ctype = first_given(
        a.ctype.as_deref(),
        c.and_then(|c| c.commitment_type.as_deref()),
    );
    let ccat = first_given(a.ccat.as_deref(), c.and_then(|c| c.category.as_deref()));
    let unit = first_given(a.cunit.as_deref(), c.and_then(|c| c.unit.as_deref()));
    let observed_hours = match (a.first, a.last) {
        (Some(f), Some(l)) => ((l - f) as f64 / 3600.0).max(0.0),
        _ => 0.0,
    };
    let (used, unused, basis) = utilization(&a, c, observed_hours);
    let kind = kind_of(&ctype, &ccat);
    let mut d = DetectedCommitment {
        id,
        cloud: a.cloud,
        commitment_type: ctype,
        category: ccat,
        unit,
        first_seen: a.first.map(instant),
        last_seen: a.last.map(instant),
        observed_hours,
        used,
        unused,
        basis,
        used_cost: if a.discount_rows > 0 {
            a.used_eff
        } else {
            a.applied_cost
        },
        unused_cost: a.unused_eff,
        used_list_cost: a.used_list,
        purchase_one_time: a.purchase_one_time,
        purchase_recurring: a.purchase_recurring,
        covered: a.cover,
        non_gpu_cost: a.non_gpu_eff,
        origin: a.origin.clone().or_else(|| {
            contract.as_ref().map(|c| super::RowOrigin {
                file: c.file.clone(),
                line: c.line,
            })
        }),
        contract,
        kind,
        mapped: None,
        note: String::new(),
    };
    let (mapped, note) = map_to_catalog(&d, catalog);
    d.mapped = mapped;
    d.note = note;
    d
}

/// The rows' value, else the contract's, else empty.
fn first_given(from_rows: Option<&str>, from_contract: Option<&str>) -> String {
    from_rows.or(from_contract).unwrap_or_default().to_string()
}

/// (used, unused, basis): commitment-discount rows measure in quantity when every row
/// states it, else in cost; a contract commitment without such rows measures what was
/// applied against its terms.
fn utilization(
    a: &CommitmentTotals,
    contract: Option<&ContractTerms>,
    observed_hours: f64,
) -> (f64, f64, UtilizationBasis) {
    if a.discount_rows > 0 && (a.used_eff + a.unused_eff != 0.0 || a.used_q + a.unused_q != 0.0) {
        if a.q_missing == 0 && a.used_q + a.unused_q > 0.0 {
            (a.used_q, a.unused_q, UtilizationBasis::Quantity)
        } else {
            (a.used_eff, a.unused_eff, UtilizationBasis::Cost)
        }
    } else if a.applied_rows > 0 || contract.is_some() {
        contract_utilization(a, contract, observed_hours)
    } else {
        (0.0, 0.0, UtilizationBasis::None)
    }
}

/// Contract commitment: applied vs committed pro-rata over the observed hours (quantity
/// when both are known, else cost).
fn contract_utilization(
    a: &CommitmentTotals,
    c: Option<&ContractTerms>,
    observed_hours: f64,
) -> (f64, f64, UtilizationBasis) {
    let term_h = c
        .and_then(|c| Some((c.period_end? - c.period_start?).num_hours() as f64))
        .filter(|h| *h > 0.0);
    let hourly = c
        .and_then(|c| c.fulfillment_interval.as_deref())
        .is_some_and(|f| f.eq_ignore_ascii_case("hourly"));
    let committed_q = c.and_then(|c| c.quantity).map(|q| {
        if hourly {
            q * observed_hours
        } else {
            term_h.map_or(0.0, |t| q * observed_hours / t)
        }
    });
    let committed_cost = c
        .and_then(|c| c.cost)
        .map(|q| term_h.map_or(0.0, |t| q * observed_hours / t));
    match (committed_q, committed_cost) {
        (Some(q), _) if q > 0.0 && a.applied_q > 0.0 => (
            a.applied_q,
            (q - a.applied_q).max(0.0),
            UtilizationBasis::Applied,
        ),
        (_, Some(k)) if k > 0.0 => (
            a.applied_cost,
            (k - a.applied_cost).max(0.0),
            UtilizationBasis::Applied,
        ),
        _ => (0.0, 0.0, UtilizationBasis::None),
    }
}

/// Maps a commitment to a catalog commitment offer: `(owned commitment, note)`; without a
/// mapping, the note says why.
fn map_to_catalog(d: &DetectedCommitment, catalog: &Catalog) -> (Option<OwnedCommitment>, String) {
    match mapping(d, catalog) {
        Ok((owned, note)) => (Some(owned), note),
        Err(why) => (None, why),
    }
}

/// What the export says about a commitment's terms, to pick among catalog offers.
struct TermHints {
    /// Term from the contract's period, months.
    term_months: Option<u32>,
    /// Payment from the contract, else from the purchase rows seen.
    payment: Option<Payment>,
    /// Discount delivered on the covered usage (1 − effective ÷ list).
    implied_discount: Option<f64>,
}

/// A GPU offering the commitment covered, as found in the catalog, with its coverage.
type CoveredInCatalog<'c, 'd> = (&'c Offering, &'d CoveredOffering);

/// The owned commitment and its note, or why it cannot be mapped.
fn mapping(d: &DetectedCommitment, catalog: &Catalog) -> Result<(OwnedCommitment, String), String> {
    let (cloud, kind) = mappable(d)?;
    let util = d.utilization().unwrap_or(1.0).max(1e-9);
    let hints = TermHints {
        implied_discount: d.implied_discount(),
        payment: payment_hint(d),
        term_months: d.contract.as_ref().and_then(|c| {
            let (s, e) = (c.period_start?, c.period_end?);
            let days = (e - s).num_days();
            Some(((days as f64) / 30.4).round() as u32)
        }),
    };
    let in_catalog: Vec<CoveredInCatalog<'_, '_>> = d
        .covered
        .iter()
        .filter_map(|c| {
            catalog
                .offering(c.cloud, &c.region, &c.instance_type)
                .map(|o| (o, c))
        })
        .collect();
    let mut notes: Vec<String> = Vec::new();
    let (offers, amount) = match kind {
        CommitmentKind::Unit => unit_offers(d, catalog, cloud, &in_catalog, util, &mut notes)?,
        CommitmentKind::Spend => spend_offers(d, catalog, cloud, &in_catalog, util, &mut notes)?,
    };
    let Some(best) = pick_offer(&offers, &in_catalog, &hints) else {
        return Err(format!(
            "no {} commitment offer of the catalog matches what it covers",
            kind.as_str()
        ));
    };
    if let Some(i) = hints.implied_discount {
        notes.push(format!(
            "delivered discount {:.1}% vs the offer's {:.1}%",
            i * 100.0,
            weighted_discount(best, &in_catalog)
        ));
    }
    if hints.term_months.is_none() {
        notes.push(format!(
            "term {} months assumed from the discount (the export does not state it)",
            best.term_months
        ));
    }
    let (start, end) = commitment_dates(d, best, &mut notes)?;
    if amount <= 0.0 {
        return Err("its measured size is 0".into());
    }
    Ok((
        OwnedCommitment {
            offer_id: best.id.clone(),
            quantity_or_hourly: amount,
            start,
            end,
            line: 0,
        },
        format!(
            "mapped to {}{}",
            best.id,
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            }
        ),
    ))
}

/// Its cloud and kind when the commitment can be mapped at all: a known cloud, an hourly
/// commitment, unit or spend, covering GPU usage over some observed hours.
fn mappable(d: &DetectedCommitment) -> Result<(Cloud, CommitmentKind), String> {
    let Some(cloud) = d.cloud.or_else(|| d.covered.first().map(|c| c.cloud)) else {
        return Err("its provider is not AWS, Azure or Google Cloud".into());
    };
    if let Some(c) = &d.contract {
        if c.fulfillment_interval
            .as_deref()
            .is_some_and(|f| !f.eq_ignore_ascii_case("hourly"))
            && d.basis == UtilizationBasis::Applied
        {
            return Err(format!("a contract commitment fulfilled per {} (not hourly): gpuplan models hourly commitments only", c.fulfillment_interval.as_deref().unwrap_or("?")));
        }
    }
    let Some(kind) = d.kind else {
        return Err(format!("cannot tell a unit commitment from a spend commitment (CommitmentDiscountCategory {:?}, type {:?})", d.category, d.commitment_type));
    };
    if d.covered.is_empty() {
        return Err(if d.observed_hours > 0.0 {
            "it covers no GPU usage in this export (non-GPU commitment)".into()
        } else {
            "no usage rows of it in this export: its size and coverage cannot be measured".into()
        });
    }
    if d.observed_hours <= 0.0 {
        return Err("no Used/Unused rows in this export: its size cannot be measured".into());
    }
    Ok((cloud, kind))
}

/// The payment option: the contract's payment model, else what the purchase rows show
/// (one-time and recurring fees: partial upfront; one-time only: all upfront; recurring
/// only: no upfront).
fn payment_hint(d: &DetectedCommitment) -> Option<Payment> {
    d.contract
        .as_ref()
        .and_then(|c| c.payment_model.as_deref())
        .and_then(payment_of)
        .or(
            match (d.purchase_one_time > 0.0, d.purchase_recurring > 0.0) {
                (true, true) => Some(Payment::PartialUpfront),
                (true, false) => Some(Payment::AllUpfront),
                (false, true) => Some(Payment::NoUpfront),
                _ => None,
            },
        )
}

/// Unit commitment: the catalog's unit offers for its one instance type, and its size in
/// instances.
fn unit_offers<'c>(
    d: &DetectedCommitment,
    catalog: &'c Catalog,
    cloud: Cloud,
    in_catalog: &[CoveredInCatalog<'_, '_>],
    util: f64,
    notes: &mut Vec<String>,
) -> Result<(Vec<&'c CommitmentOffer>, f64), String> {
    if d.covered.len() > 1 {
        return Err(format!(
            "a unit commitment covering {} instance types ({}): size flexibility is not modeled, map it by hand",
            d.covered.len(),
            d.covered.iter().map(|c| c.instance_type.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let c = &d.covered[0];
    let Some((o, _)) = in_catalog.first() else {
        return Err(format!(
            "it covers {} in {} which is not an offering of the catalog",
            c.instance_type, c.region
        ));
    };
    let offers: Vec<&CommitmentOffer> = catalog
        .offers
        .iter()
        .filter(|k| k.cloud == cloud && k.kind == CommitmentKind::Unit && k.matches(o))
        .collect();
    // Instances: instance-hours used (GPU-hours ÷ GPUs per instance, whatever unit
    // the rows count in) ÷ utilization, over the observed hours.
    let committed_hours = c.gpu_hours / f64::from(o.gpus.max(1)) / util;
    let inst = committed_hours / d.observed_hours;
    let q = inst.round().max(1.0);
    if (inst - q).abs() > 0.1 {
        notes.push(format!("measured {inst:.2} instances, rounded to {q}"));
    }
    Ok((offers, q))
}

/// Spend commitment: the catalog's spend offers that apply to every GPU offering it
/// covered, and its size in $/h (the GPU share only).
fn spend_offers<'c>(
    d: &DetectedCommitment,
    catalog: &'c Catalog,
    cloud: Cloud,
    in_catalog: &[CoveredInCatalog<'_, '_>],
    util: f64,
    notes: &mut Vec<String>,
) -> Result<(Vec<&'c CommitmentOffer>, f64), String> {
    if in_catalog.len() < d.covered.len() {
        return Err("some GPU usage it covers is on offerings not in the catalog".into());
    }
    let offers: Vec<&CommitmentOffer> = catalog
        .offers
        .iter()
        .filter(|k| {
            k.cloud == cloud
                && k.kind == CommitmentKind::Spend
                && in_catalog.iter().all(|(o, _)| k.matches(o))
        })
        .collect();
    // $/h: discounted dollars committed per hour; only the GPU share of a plan that
    // also covers other usage.
    let gpu_eff: f64 = d.covered.iter().map(|c| c.effective_cost).sum();
    let share = if d.used_cost > 0.0 {
        (gpu_eff / d.used_cost).clamp(0.0, 1.0)
    } else {
        1.0
    };
    if share < 0.999 {
        notes.push(format!(
            "it also covers non-GPU usage: only the GPU share ({:.0}%) is written",
            share * 100.0
        ));
    }
    let committed = match d.basis {
        UtilizationBasis::Cost => d.used_cost + d.unused_cost,
        _ => d.used_cost / util,
    };
    Ok((
        offers,
        (committed * share / d.observed_hours * 10_000.0).round() / 10_000.0,
    ))
}

/// The offer's discount (percent) over the covered offerings, weighted by their list cost.
fn weighted_discount(k: &CommitmentOffer, in_catalog: &[CoveredInCatalog<'_, '_>]) -> f64 {
    let (num, den) = in_catalog.iter().fold((0.0, 0.0), |(n, dn), (o, c)| {
        (
            n + k.discount_for(o).unwrap_or(0.0) * c.list_cost.max(1e-9),
            dn + c.list_cost.max(1e-9),
        )
    });
    num / den
}

/// Picks an offer: term and payment when known, then the discount closest to the implied
/// one, then the id; `None` when there is no offer.
fn pick_offer<'c>(
    offers: &[&'c CommitmentOffer],
    in_catalog: &[CoveredInCatalog<'_, '_>],
    hints: &TermHints,
) -> Option<&'c CommitmentOffer> {
    let score = |k: &CommitmentOffer| {
        let mut s = 0.0;
        if let Some(t) = hints.term_months {
            if k.term_months != t {
                s += 1000.0;
            }
        }
        if let Some(p) = hints.payment {
            if k.payment != p {
                s += 100.0;
            }
        }
        if let Some(i) = hints.implied_discount {
            s += (weighted_discount(k, in_catalog) - i * 100.0).abs();
        }
        s
    };
    offers
        .iter()
        .min_by(|a, b| score(a).total_cmp(&score(b)).then_with(|| a.id.cmp(&b.id)))
        .copied()
}

/// Start and end: the contract's period when known, else from the first hour seen for the
/// offer's term (noted).
fn commitment_dates(
    d: &DetectedCommitment,
    best: &CommitmentOffer,
    notes: &mut Vec<String>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let Some(start) = d
        .contract
        .as_ref()
        .and_then(|c| c.period_start)
        .or(d.first_seen)
    else {
        return Err("no Used/Unused rows in this export: its size cannot be measured".into());
    };
    let end = match d.contract.as_ref().and_then(|c| c.period_end) {
        Some(e) => e,
        None => {
            notes.push("start = first hour seen in the export (the purchase may be earlier); end = start + term".into());
            start
                .checked_add_months(Months::new(best.term_months))
                .unwrap_or(start)
        }
    };
    Ok((start, end))
}
