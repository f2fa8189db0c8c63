//! Synthetic FOCUS exports: from a known demand history (for round-trip tests) and large
//! generated exports of a chosen size (for the streaming benchmark). Nothing here is read
//! back by the planner; it writes FOCUS 1.2 columns as a provider would.

use crate::domain::{Cloud, DemandHistory, Offering};
use std::io::{self, Write};

/// FOCUS 1.2 columns written by the synthesizers.
pub const COLUMNS: &[&str] = &[
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "CommitmentDiscountId",
    "CommitmentDiscountType",
    "CommitmentDiscountCategory",
    "CommitmentDiscountStatus",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "RegionId",
    "ResourceId",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SkuPriceDetails",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_Generator",
];

fn provider(c: Cloud) -> &'static str {
    match c {
        Cloud::Aws => "AWS",
        Cloud::Azure => "Microsoft",
        Cloud::Gcp => "Google Cloud",
    }
}

fn ts(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Writes a FOCUS export whose GPU usage is exactly `demand`: per hour and workload with
/// GPUs > 0, one on-demand usage row on `offering` of `demand.gpus / offering.gpus`
/// instance-hours, tagged `{tag_key: workload}`, plus (when `storage_per_hour` > 0) one
/// storage row per workload and hour carrying that cost. Returns the rows written.
pub fn write_from_demand(
    demand: &DemandHistory,
    offering: &Offering,
    tag_key: &str,
    storage_per_hour: f64,
    out: &mut impl Write,
) -> io::Result<u64> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    let mut rows = 0;
    let start = demand.window.start.timestamp();
    for t in 0..demand.window.hours() {
        let s = start + t as i64 * 3600;
        let (a, b) = (ts(s), ts(s + 3600));
        for (wi, w) in demand.workloads.iter().enumerate() {
            let g = demand.gpus[wi][t];
            let tags = csv_quote(&serde_json::json!({ tag_key: w }).to_string());
            if g > 0.0 {
                let q = g / f64::from(offering.gpus);
                let cost = q * offering.on_demand_hourly;
                let spd = csv_quote(
                    &serde_json::json!({"InstanceType": offering.instance_type, "GpuCount": offering.gpus})
                        .to_string(),
                );
                writeln!(
                    out,
                    "acct,USD,{a},{b},Usage,,{desc},Usage-Based,{a},{b},{cost:.12},{cost:.12},{cost:.12},{cost:.12},,,,,,,{q:.12},Hours,Standard,{q:.12},Hours,{prov},{reg},res-{w_q},Instance,Compute,Compute,sku,sku-od,{spd},sub,sub,{tags},synth",
                    desc = csv_quote(&format!("{} on demand {} instance hour", provider(offering.cloud), offering.instance_type)),
                    prov = provider(offering.cloud),
                    reg = offering.region,
                    w_q = w.replace([',', '"'], "_"),
                )?;
                rows += 1;
            }
            if storage_per_hour > 0.0 {
                writeln!(
                    out,
                    "acct,USD,{a},{b},Usage,,Storage,Usage-Based,{a},{b},{c:.12},{c:.12},{c:.12},{c:.12},,,,,,,1,GB-Hours,Standard,1,GB-Hours,{prov},{reg},vol-{w_q},Volume,Storage,Storage,sku-s,sku-s,,sub,sub,{tags},synth",
                    c = storage_per_hour,
                    prov = provider(offering.cloud),
                    reg = offering.region,
                    w_q = w.replace([',', '"'], "_"),
                )?;
                rows += 1;
            }
        }
    }
    Ok(rows)
}

/// Writes a realistic multi-cloud FOCUS 1.2 export of about `target_bytes` (GPU usage of
/// 48 workloads on AWS, Azure and Google Cloud, committed / spot / on-demand, storage and
/// network lines, a savings plan with Used rows) and returns (rows, bytes). Deterministic.
pub fn write_large(target_bytes: u64, out: &mut impl Write) -> io::Result<(u64, u64)> {
    let header = format!("{}\n", COLUMNS.join(","));
    out.write_all(header.as_bytes())?;
    let mut bytes = header.len() as u64;
    let mut rows = 0u64;
    // (provider, region, description, instance details, gpus, od $/h)
    let kinds: [(&str, &str, &str, &str, f64); 6] = [
        (
            "AWS",
            "us-east-1",
            "$55.04 per On Demand Linux p5.48xlarge Instance Hour",
            "{\"\"InstanceType\"\": \"\"p5.48xlarge\"\", \"\"GpuCount\"\": 8}",
            55.04,
        ),
        (
            "AWS",
            "us-east-1",
            "$1.006 per On Demand Linux g5.xlarge Instance Hour",
            "{\"\"InstanceType\"\": \"\"g5.xlarge\"\", \"\"GpuCount\"\": 1}",
            1.006,
        ),
        (
            "Microsoft",
            "eastus",
            "NC24ads A100 v4",
            "{\"\"InstanceType\"\": \"\"Standard_NC24ads_A100_v4\"\", \"\"GpuCount\"\": 1}",
            3.673,
        ),
        (
            "Microsoft",
            "eastus",
            "ND96isr H100 v5",
            "{\"\"InstanceType\"\": \"\"Standard_ND96isr_H100_v5\"\", \"\"GpuCount\"\": 8}",
            98.32,
        ),
        (
            "Google Cloud",
            "us-central1",
            "Nvidia H100 80gb GPU running in Americas",
            "{\"\"GpuCount\"\": 1}",
            9.80,
        ),
        (
            "Google Cloud",
            "us-central1",
            "Nvidia L4 GPU running in Americas",
            "{\"\"InstanceType\"\": \"\"g2-standard-4\"\", \"\"GpuCount\"\": 1}",
            0.707,
        ),
    ];
    let t0 = 1_725_148_800i64; // 2024-09-01T00:00:00Z
    let hours = 30 * 24;
    let stamps: Vec<String> = (0..=hours).map(|h| ts(t0 + h * 3600)).collect();
    let mut i: u64 = 0;
    let mut line = String::with_capacity(1024);
    use std::fmt::Write as _;
    while bytes < target_bytes {
        let h = (i / 64) as usize % hours as usize;
        let w = i % 48;
        let kind = (w % 6) as usize;
        let (prov, reg, desc, spd, od) = kinds[kind];
        let (a, b) = (&stamps[h], &stamps[h + 1]);
        let r = i % 64;
        line.clear();
        let tags = format!("\"{{\"\"team\"\": \"\"team{}\"\", \"\"project\"\": \"\"p{}\"\", \"\"workload\"\": \"\"w{w}\"\"}}\"", w % 7, w % 5);
        if r < 48 {
            // GPU usage: committed (first third), spot, on-demand.
            let q = 0.25 + ((i * 7919) % 100) as f64 / 100.0;
            let list = q * od;
            let (pc, eff, billed, cd) = match w % 3 {
                0 => (
                    "Committed",
                    list * 0.6,
                    0.0,
                    "arn:aws:savingsplans::1:savingsplan/sp-1,Savings Plan,Spend,Used,",
                ),
                1 => ("Dynamic", list * 0.35, list * 0.35, ",,,,"),
                _ => ("Standard", list, list, ",,,,"),
            };
            let cdq = if w % 3 == 0 {
                format!("{:.6}", list * 0.6)
            } else {
                String::new()
            };
            let cd = if w % 3 == 0 {
                cd.replace("Used,", &format!("Used,{cdq}"))
            } else {
                cd.to_string()
            };
            let cdu = if w % 3 == 0 { "USD" } else { "" };
            let _ = writeln!(
                line,
                "123456789012,USD,{a0},{a1},Usage,,\"{desc}\",Usage-Based,{a},{b},{billed:.10},{eff:.10},{list:.10},{list:.10},{cd},{cdu},{q:.9},Hours,{pc},{q:.9},Hours,{prov},{reg},res-{w}-{r},instance,Compute,Virtual Machines,SKU{kind},SKU{kind}.P,\"{spd}\",acct-{w},Account {w},{tags},gen",
                a0 = stamps[0],
                a1 = stamps[hours as usize],
            );
        } else {
            let (cat, svc, d) = if r % 2 == 0 {
                ("Storage", "Block Storage", "GB-month of storage")
            } else {
                ("Networking", "Data Transfer", "GB data transfer out")
            };
            let c = 0.01 + (i % 13) as f64 / 1000.0;
            let _ = writeln!(
                line,
                "123456789012,USD,{a0},{a1},Usage,,\"{d}\",Usage-Based,{a},{b},{c:.10},{c:.10},{c:.10},{c:.10},,,,,,,{c:.6},GB,Standard,{c:.6},GB,{prov},{reg},vol-{w}-{r},volume,{cat},{svc},SKUS,SKUS.P,,acct-{w},Account {w},{tags},gen",
                a0 = stamps[0],
                a1 = stamps[hours as usize],
            );
        }
        out.write_all(line.as_bytes())?;
        bytes += line.len() as u64;
        rows += 1;
        i += 1;
    }
    Ok((rows, bytes))
}
