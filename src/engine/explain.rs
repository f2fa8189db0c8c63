//! Conflicts into words, like pubgrub explains a failed resolution: one short paragraph per
//! conflict naming the workloads, hours, offerings and constraints involved, then each way
//! out with what serving the conflicting load that way would cost (catalog prices over the
//! planned window). The facts come from `model::conflict` (detection); nothing here
//! decides whether a plan exists.

use crate::domain::{instances_per_gpu, Offering, Usd};
use crate::ingest::inputs::Inputs;
use crate::model::conflict::{
    detect_tier_conflict, CapacityConflict, CommitmentRoom, Excluded, Exclusion, ExplainedConflict,
    Relaxation, SpotRoom, TierConflict,
};
use crate::model::Infeasibility;

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A quantity for prose: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Planned GPU-hours per workload of the planning window (what a tier move would carry).
fn gpu_hours(inputs: &Inputs) -> Vec<f64> {
    let wd = inputs.window_demand();
    wd.gpus
        .iter()
        .map(|row| {
            row.iter()
                .zip(&inputs.keep)
                .filter(|(_, &k)| k)
                .map(|(g, _)| g)
                .sum()
        })
        .collect()
}

/// The paragraphs of several conflicts as one message.
fn joined(conflicts: &[ExplainedConflict]) -> String {
    conflicts
        .iter()
        .map(|c| c.message.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Every workload without a compatible offering, explained; `fallback` when none is found
/// (the problem failed for another reason).
pub fn tier_infeasibility(inputs: &Inputs, fallback: Infeasibility) -> Infeasibility {
    let hours = gpu_hours(inputs);
    let conflicts: Vec<ExplainedConflict> = (0..inputs.workloads.len())
        .map(|wi| detect_tier_conflict(inputs, wi))
        .filter(|c| c.excluded.iter().all(|e| !e.reasons.is_empty()))
        .map(|c| explain_tier(inputs, &c, hours[c.workload]))
        .collect();
    if conflicts.is_empty() {
        return fallback;
    }
    Infeasibility {
        group: "tier".into(),
        message: joined(&conflicts),
        conflicts,
    }
}

/// The constraint a reason names and the change that lifts it for offering `o`.
fn lift(inputs: &Inputs, w: &str, o: &Offering, r: &Exclusion) -> (String, String) {
    let sc = &inputs.scenario.instruments;
    match r {
        Exclusion::MemoryFloor { need, has } => (
            format!("workloads.{w}.min_gpu_memory_gb"),
            format!(
                "lower min_gpu_memory_gb of {w} from {} to {}",
                num(*need),
                num(*has)
            ),
        ),
        Exclusion::GpusPerReplica { need, has } => (
            format!("workloads.{w}.gpus_per_replica"),
            format!("lower gpus_per_replica of {w} from {need} to {has}"),
        ),
        Exclusion::AllowedClouds => (
            format!("workloads.{w}.allowed_clouds"),
            format!("add {} to allowed_clouds of {w}", o.cloud),
        ),
        Exclusion::AllowedRegions => (
            format!("workloads.{w}.allowed_regions"),
            format!("add {} to allowed_regions of {w}", o.region),
        ),
        Exclusion::ScenarioClouds => (
            "instruments.clouds".into(),
            format!(
                "add {} to [instruments] clouds (now {})",
                o.cloud,
                sc.clouds
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Exclusion::InstanceTypes => (
            "instruments.instance_types".into(),
            format!("add {} to [instruments] instance_types", o.instance_type),
        ),
    }
}

/// One clause per kind of reason: what it rules out, and how close the catalog comes.
fn reason_clauses(inputs: &Inputs, c: &TierConflict) -> Vec<String> {
    let w = &inputs.workloads[c.workload];
    let cat = &inputs.catalog;
    let count = |f: &dyn Fn(&Exclusion) -> bool| {
        c.excluded
            .iter()
            .filter(|e| e.reasons.iter().any(f))
            .count()
    };
    let mut out = Vec::new();
    let n = count(&|r| matches!(r, Exclusion::MemoryFloor { .. }));
    if n > 0 {
        let most = cat.gpus.iter().map(|g| g.memory_gb).fold(0.0, f64::max);
        out.push(format!(
            "min_gpu_memory_gb = {} rules out {n} (the most memory per GPU in the catalog is {} GB)",
            num(w.min_gpu_memory_gb),
            num(most)
        ));
    }
    let n = count(&|r| matches!(r, Exclusion::GpusPerReplica { .. }));
    if n > 0 {
        let most = cat.offerings.iter().map(|o| o.gpus).max().unwrap_or(0);
        out.push(format!(
            "gpus_per_replica = {} rules out {n} (the largest instance has {most} GPUs)",
            w.gpus_per_replica
        ));
    }
    let lists = [
        (Exclusion::AllowedClouds, "its allowed_clouds"),
        (Exclusion::AllowedRegions, "its allowed_regions"),
        (
            Exclusion::ScenarioClouds,
            "the scenario's [instruments] clouds",
        ),
        (
            Exclusion::InstanceTypes,
            "the scenario's [instruments] instance_types",
        ),
    ];
    for (kind, name) in lists {
        let n = count(&|r| *r == kind);
        if n > 0 {
            out.push(format!("{name} rule out {n}"));
        }
    }
    out
}

/// How far a relaxation moves the workload's own requirements (memory and GPUs per
/// replica given up; list additions count as nothing): the smaller, the closer the fit.
fn distance(reasons: &[Exclusion]) -> f64 {
    reasons
        .iter()
        .map(|r| match r {
            Exclusion::MemoryFloor { need, has } => need - has,
            Exclusion::GpusPerReplica { need, has } => f64::from(need - has) * 100.0,
            _ => 0.0,
        })
        .sum()
}

/// The ways out of a tier conflict: for the offerings closest to fitting, every change
/// they need, with the workload's planned load there at on-demand. One per distinct set of
/// constraints (the offering that needs the least relaxation, then the cheapest), fewest
/// changes first, at most five.
fn tier_relaxations(inputs: &Inputs, c: &TierConflict, gpu_hours: f64) -> Vec<Relaxation> {
    let w = &inputs.workloads[c.workload];
    let cat = &inputs.catalog;
    let fewest = c.excluded.first().map_or(0, |e| e.reasons.len());
    let mut best: Vec<(f64, Relaxation)> = Vec::new();
    for e in c.excluded.iter().filter(|e| e.reasons.len() <= fewest + 1) {
        let o = &cat.offerings[e.offering];
        let (constraints, changes): (Vec<String>, Vec<String>) = e
            .reasons
            .iter()
            .map(|r| lift(inputs, &w.name, o, r))
            .unzip();
        let cost = gpu_hours * instances_per_gpu(cat, w, o) * o.on_demand_hourly;
        let relax = Relaxation {
            constraint: constraints.join(" + "),
            change: format!("{}, admitting {}", changes.join(" and "), o.key()),
            cost: Some(cost),
        };
        let d = distance(&e.reasons);
        let better = |(d0, r0): &(f64, Relaxation)| {
            d < *d0 || (d == *d0 && r0.cost.is_some_and(|c0| cost < c0))
        };
        match best
            .iter_mut()
            .find(|(_, r)| r.constraint == relax.constraint)
        {
            Some(slot) if better(slot) => *slot = (d, relax),
            Some(_) => {}
            None => best.push((d, relax)),
        }
    }
    let mut out: Vec<Relaxation> = best.into_iter().map(|(_, r)| r).collect();
    out.sort_by(|a, b| {
        let n = |r: &Relaxation| r.constraint.matches(" + ").count();
        n(a).cmp(&n(b)).then(
            a.cost
                .unwrap_or(f64::MAX)
                .total_cmp(&b.cost.unwrap_or(f64::MAX)),
        )
    });
    out.truncate(5);
    out
}

/// A workload without a compatible offering, in words.
pub fn explain_tier(inputs: &Inputs, c: &TierConflict, gpu_hours: f64) -> ExplainedConflict {
    let w = &inputs.workloads[c.workload];
    let relaxations = tier_relaxations(inputs, c, gpu_hours);
    let mut constraints: Vec<String> = relaxations
        .iter()
        .flat_map(|r| r.constraint.split(" + ").map(str::to_string))
        .collect();
    constraints.sort();
    constraints.dedup();
    let ways = relaxations
        .iter()
        .map(|r| {
            format!(
                "{} ({} at on-demand for its planned load there)",
                r.change,
                r.cost.map_or("-".into(), |c| Usd(c).to_string())
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let message = format!(
        "Workload {} has no compatible offering among the catalog's {}: {}. Every offering is ruled out by at least one of these. Closest ways out: {ways}.",
        w.name,
        c.excluded.len(),
        reason_clauses(inputs, c).join("; "),
    );
    ExplainedConflict {
        kind: "no_compatible_offering".into(),
        workloads: vec![w.name.clone()],
        offerings: relaxations
            .iter()
            .filter_map(|r| {
                r.change
                    .rsplit_once(", admitting ")
                    .map(|(_, k)| k.to_string())
            })
            .collect(),
        hours: Vec::new(),
        constraints,
        message,
        relaxations,
    }
}

/// Capacity conflicts as an infeasibility (`None` without any).
pub fn capacity_infeasibility(
    inputs: &Inputs,
    conflicts: &[CapacityConflict],
    planned_hours: f64,
) -> Option<Infeasibility> {
    if conflicts.is_empty() {
        return None;
    }
    let hours = gpu_hours(inputs);
    let explained: Vec<ExplainedConflict> = conflicts
        .iter()
        .map(|c| explain_capacity(inputs, c, planned_hours, &hours))
        .collect();
    Some(Infeasibility {
        group: "capacity".into(),
        message: joined(&explained),
        conflicts: explained,
    })
}

/// A capacity limit below the load the plan must place on it, in words.
pub fn explain_capacity(
    inputs: &Inputs,
    c: &CapacityConflict,
    planned_hours: f64,
    gpu_hours: &[f64],
) -> ExplainedConflict {
    let cat = &inputs.catalog;
    let o = &cat.offerings[c.offering];
    let name = |wi: usize| inputs.workloads[wi].name.clone();
    let who = c
        .workloads
        .iter()
        .map(|&(wi, n)| format!("{} ({} instances)", name(wi), num(n)))
        .collect::<Vec<_>>()
        .join(", ");
    let (spot_clause, mut relaxations) = spot_ways(inputs, c, o);
    let (commit_clause, commit) = commitment_ways(inputs, c, o, planned_hours);
    let (move_clause, moves) = move_ways(inputs, c, o, gpu_hours);
    relaxations.extend(commit);
    relaxations.extend(moves);
    relaxations.push(Relaxation {
        constraint: format!("offerings.csv capacity_limit of {}", o.key()),
        change: format!(
            "raise capacity_limit of {} from {} to {}",
            o.key(),
            num(c.capacity),
            num((c.capacity + c.peak_unserved - 1e-9).ceil())
        ),
        cost: Some(c.unserved_instance_hours * o.on_demand_hourly),
    });
    relaxations.sort_by(|a, b| {
        a.cost
            .unwrap_or(f64::MAX)
            .total_cmp(&b.cost.unwrap_or(f64::MAX))
    });
    let message = format!(
        "Offering {} allows at most {} on-demand instances (its capacity_limit), but the plan must place more there: at {} the workloads on it, {who}, need {} instances, and after commitments and spot {} are left unserved (short in {} hour(s), {} instance-hours over the window). Spot: {spot_clause}. Commitments: {commit_clause}. Other offerings: {move_clause}.",
        o.key(),
        num(c.capacity),
        ts(c.peak_hour),
        num(c.peak_load),
        num(c.peak_unserved),
        num(c.short_hours),
        num(c.unserved_instance_hours),
    );
    let mut constraints: Vec<String> = relaxations.iter().map(|r| r.constraint.clone()).collect();
    constraints.sort();
    constraints.dedup();
    ExplainedConflict {
        kind: "capacity".into(),
        workloads: c.workloads.iter().map(|&(wi, _)| name(wi)).collect(),
        offerings: vec![o.key()],
        hours: vec![ts(c.peak_hour)],
        constraints,
        message,
        relaxations,
    }
}

/// Unserved instance-hours of the conflict attributed to one workload (by its share of
/// the peak load).
fn share_of_unserved(c: &CapacityConflict, instances: f64) -> f64 {
    if c.peak_load > 0.0 {
        c.unserved_instance_hours * instances / c.peak_load
    } else {
        0.0
    }
}

/// What kept spot from taking the shortfall, and raising each spot cap.
fn spot_ways(inputs: &Inputs, c: &CapacityConflict, o: &Offering) -> (String, Vec<Relaxation>) {
    let spot = o.effective_spot_hourly();
    match &c.spot {
        SpotRoom::NotOffered => (format!("{} has no spot price", o.key()), Vec::new()),
        SpotRoom::NotAllowed => (
            "the scenario turns spot off".into(),
            vec![Relaxation {
                constraint: "instruments.spot".into(),
                change: "set [instruments] spot = true (interruptible load may then use spot)"
                    .into(),
                cost: spot.map(|s| c.unserved_instance_hours * s),
            }],
        ),
        SpotRoom::Capped(shares) => {
            let mut ways = Vec::new();
            let mut caps = Vec::new();
            for &(wi, share) in shares {
                let w = &inputs.workloads[wi];
                caps.push(format!(
                    "{} may put {}% on spot",
                    w.name,
                    num(share * 100.0)
                ));
                if share < 1.0 {
                    let n = c.workloads.iter().find(|x| x.0 == wi).map_or(0.0, |x| x.1);
                    ways.push(Relaxation {
                        constraint: format!("workloads.{}.max_spot_share", w.name),
                        change: format!(
                            "raise max_spot_share of {} from {} to 1{}",
                            w.name,
                            num(share),
                            if w.interruptible {
                                ""
                            } else {
                                " (and set interruptible = true)"
                            }
                        ),
                        cost: spot.map(|s| share_of_unserved(c, n) * s),
                    });
                }
            }
            (caps.join(", "), ways)
        }
    }
}

/// The discounted hourly price of one instance of `o` under the deepest commitment offer
/// that matches it, from the catalog.
fn best_commitment_rate(inputs: &Inputs, o: &Offering, ids: &[String]) -> Option<(String, f64)> {
    ids.iter()
        .filter_map(|id| inputs.catalog.offer(id))
        .filter_map(|k| {
            k.discount_for(o)
                .map(|d| (k.id.clone(), o.on_demand_hourly * (1.0 - d / 100.0)))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// What kept commitments from covering the shortfall, and the changes that would let
/// them: offers the scenario rules out, a spent `max_committed_share` or `max_upfront`.
fn commitment_ways(
    inputs: &Inputs,
    c: &CapacityConflict,
    o: &Offering,
    planned_hours: f64,
) -> (String, Vec<Relaxation>) {
    let CommitmentRoom {
        unit_offers,
        spend_offers,
        not_allowed,
        ..
    } = &c.commitments;
    let units = (c.peak_unserved - 1e-9).ceil().max(1.0);
    let mut clauses = Vec::new();
    let mut ways = Vec::new();
    if unit_offers + spend_offers == 0 {
        if not_allowed.is_empty() {
            clauses.push(format!(
                "no commitment offer of the catalog covers {}",
                o.key()
            ));
        } else {
            clauses.push(format!(
                "the scenario's [instruments] (kinds, terms, payments, clouds) rule out the {} offer(s) that cover it",
                not_allowed.len()
            ));
            if let Some((id, rate)) = best_commitment_rate(inputs, o, not_allowed) {
                let (constraint, change) = instrument_blockers(inputs, &id);
                ways.push(Relaxation {
                    constraint,
                    change: format!("{change} (allows offer {id} on {})", o.key()),
                    cost: Some(units * rate * planned_hours),
                });
            }
        }
    } else {
        clauses.push(format!(
            "{unit_offers} unit and {spend_offers} spend offer(s) could cover it"
        ));
    }
    let all_ids: Vec<String> = inputs
        .catalog
        .offers
        .iter()
        .filter(|k| k.matches(o))
        .map(|k| k.id.clone())
        .collect();
    let rate = best_commitment_rate(inputs, o, &all_ids).map(|(_, r)| r);
    let cost = rate.map(|r| units * r * planned_hours);
    let (cap_clauses, cap_ways) = cap_ways(inputs, &c.commitments, units, rate, cost);
    clauses.extend(cap_clauses);
    ways.extend(cap_ways);
    (clauses.join("; "), ways)
}

/// The scenario's caps on new commitments that leave no room for one more covered instance
/// (`max_committed_share`, `max_upfront`), and how far to raise each; `rate` is the best
/// commitment rate per instance-hour on the offering, `cost` the commitments for the
/// shortfall's `units` over the window.
fn cap_ways(
    inputs: &Inputs,
    room: &CommitmentRoom,
    units: f64,
    rate: Option<f64>,
    cost: Option<f64>,
) -> (Vec<String>, Vec<Relaxation>) {
    let (next_hourly, next_upfront) = room.next_instance.unwrap_or((0.0, 0.0));
    let spent =
        |(cap, used): &(f64, f64), next: f64| used + next > cap * 1.000_001 + 1e-9 || used >= cap;
    let mut clauses = Vec::new();
    let mut ways = Vec::new();
    if let Some((cap, used)) = room.committed_cap.filter(|c| spent(c, next_hourly)) {
        clauses.push(format!(
            "[caps] max_committed_share is spent (USD {}/h of new commitments of USD {}/h allowed; one more covered instance needs USD {}/h)",
            num(used),
            num(cap),
            num(next_hourly)
        ));
        if let Some(rate) = rate {
            let share = inputs.scenario.max_committed_share;
            let more = if cap > 0.0 {
                share * (cap + units * rate) / cap
            } else {
                1.0
            };
            ways.push(Relaxation {
                constraint: "caps.max_committed_share".into(),
                change: format!(
                    "raise [caps] max_committed_share from {} to {}",
                    num(share),
                    num(more.min(1.0))
                ),
                cost,
            });
        }
    }
    if let Some((cap, used)) = room.upfront_cap.filter(|c| spent(c, next_upfront)) {
        clauses.push(format!(
            "[caps] max_upfront is spent ({} used of {}; one more covered instance needs {} upfront)",
            Usd(used),
            Usd(cap),
            Usd(next_upfront)
        ));
        if rate.is_some() {
            ways.push(Relaxation {
                constraint: "caps.max_upfront".into(),
                change: format!(
                    "raise [caps] max_upfront from {} to {} ({} instance(s) more under commitment)",
                    Usd(cap),
                    Usd(used + units * next_upfront),
                    num(units)
                ),
                cost,
            });
        }
    }
    (clauses, ways)
}

/// What in `[instruments]` rules out commitment offer `id`: the constraints and the change.
fn instrument_blockers(inputs: &Inputs, id: &str) -> (String, String) {
    let ins = &inputs.scenario.instruments;
    let Some(k) = inputs.catalog.offer(id) else {
        return ("instruments".into(), format!("allow offer {id}"));
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    let kind_allowed = match k.kind {
        crate::domain::CommitmentKind::Unit => ins.unit,
        crate::domain::CommitmentKind::Spend => ins.spend,
    };
    if !kind_allowed {
        let key = k.kind.as_str();
        parts.push((
            format!("instruments.{key}"),
            format!("set [instruments] {key} = true"),
        ));
    }
    if !ins.terms_months.contains(&k.term_months) {
        parts.push((
            "instruments.terms_months".into(),
            format!("add {} to [instruments] terms_months", k.term_months),
        ));
    }
    if !ins.payments.contains(&k.payment) {
        parts.push((
            "instruments.payments".into(),
            format!("add {} to [instruments] payments", k.payment.as_str()),
        ));
    }
    if !ins.clouds.contains(&k.cloud) {
        parts.push((
            "instruments.clouds".into(),
            format!("add {} to [instruments] clouds", k.cloud),
        ));
    }
    let (c, ch): (Vec<String>, Vec<String>) = parts.into_iter().unzip();
    (c.join(" + "), ch.join(" and "))
}

/// Where the workloads on the offering could go instead: offerings without a capacity
/// limit and what keeps each workload off the nearest ones; a change that admits one is a
/// way out, priced as the workload's share of the shortfall run there on-demand.
fn move_ways(
    inputs: &Inputs,
    c: &CapacityConflict,
    o: &Offering,
    gpu_hours: &[f64],
) -> (String, Vec<Relaxation>) {
    let cat = &inputs.catalog;
    let mut clauses = Vec::new();
    let mut ways = Vec::new();
    for (wi, alternatives) in &c.moves {
        let w = &inputs.workloads[*wi];
        let n = c.workloads.iter().find(|x| x.0 == *wi).map_or(0.0, |x| x.1);
        let here = instances_per_gpu(cat, w, o);
        let shown: Vec<String> = alternatives
            .iter()
            .take(2)
            .map(|e| describe_exclusion(inputs, w, e))
            .collect();
        if shown.is_empty() {
            clauses.push(format!(
                "{} has no offering without a capacity limit",
                w.name
            ));
            continue;
        }
        clauses.push(format!("{}: {}", w.name, shown.join(", ")));
        for e in alternatives.iter().filter(|e| e.reasons.len() <= 1) {
            let alt = &cat.offerings[e.offering];
            let ratio = if here > 0.0 {
                instances_per_gpu(cat, w, alt) / here
            } else {
                0.0
            };
            let cost = share_of_unserved(c, n) * ratio * alt.on_demand_hourly;
            let (constraint, change) = match e.reasons.first() {
                Some(r) => lift(inputs, &w.name, alt, r),
                None => (
                    format!("workloads.{}", w.name),
                    format!(
                        "move {} to {} (allowed already; the whole workload there costs {} at on-demand)",
                        w.name,
                        alt.key(),
                        Usd(gpu_hours.get(*wi).copied().unwrap_or(0.0) * instances_per_gpu(cat, w, alt) * alt.on_demand_hourly)
                    ),
                ),
            };
            ways.push(Relaxation {
                constraint,
                change: format!("{change} (moves {} to {})", w.name, alt.key()),
                cost: Some(cost),
            });
        }
    }
    ways.truncate(3);
    (clauses.join("; "), ways)
}

/// `aws/us-east-1/p5.48xlarge (min_gpu_memory_gb 80 > 16 GB)`.
fn describe_exclusion(inputs: &Inputs, w: &crate::domain::Workload, e: &Excluded) -> String {
    let o = &inputs.catalog.offerings[e.offering];
    if e.reasons.is_empty() {
        return format!(
            "{} (allowed, but dearer than the unserved penalty)",
            o.key()
        );
    }
    let why: Vec<String> = e
        .reasons
        .iter()
        .map(|r| match r {
            Exclusion::MemoryFloor { need, has } => {
                format!("min_gpu_memory_gb {} > {} GB", num(*need), num(*has))
            }
            Exclusion::GpusPerReplica { need, has } => {
                format!("gpus_per_replica {need} > {has} GPUs")
            }
            Exclusion::AllowedClouds => format!("{} not in allowed_clouds of {}", o.cloud, w.name),
            Exclusion::AllowedRegions => {
                format!("{} not in allowed_regions of {}", o.region, w.name)
            }
            Exclusion::ScenarioClouds => format!("{} not in [instruments] clouds", o.cloud),
            Exclusion::InstanceTypes => {
                format!("{} not in [instruments] instance_types", o.instance_type)
            }
        })
        .collect();
    format!("{} ({})", o.key(), why.join(", "))
}

/// A CVaR budget no plan meets, in words; `lowest` is the lowest CVaR any plan reaches
/// (found by minimising CVaR alone), when that solve found one.
pub fn budget_infeasibility(max_cvar: f64, lowest: Option<f64>) -> Infeasibility {
    let message = match lowest {
        Some(l) => format!(
            "[risk] max_cvar = {} is below the lowest CVaR any plan reaches, {} (every plan's cost in the worst tail of the demand scenarios is higher): no plan meets the budget.",
            Usd(max_cvar),
            Usd(l)
        ),
        None => format!(
            "[risk] max_cvar = {} cannot be met by any plan (the lowest CVaR could not be computed).",
            Usd(max_cvar)
        ),
    };
    let conflict = ExplainedConflict {
        kind: "risk_budget".into(),
        workloads: Vec::new(),
        offerings: Vec::new(),
        hours: Vec::new(),
        constraints: vec!["risk.max_cvar".into()],
        message: message.clone(),
        relaxations: lowest
            .map(|l| Relaxation {
                constraint: "risk.max_cvar".into(),
                change: format!(
                    "raise [risk] max_cvar from {} to at least {}",
                    Usd(max_cvar),
                    Usd(l)
                ),
                cost: None,
            })
            .into_iter()
            .collect(),
    };
    Infeasibility {
        group: "risk".into(),
        message,
        conflicts: vec![conflict],
    }
}
