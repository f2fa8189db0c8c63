//! Pricing facts every stage shares: a GPU's performance for a workload class, how many
//! instances of an offering replace one GPU of a workload's recorded demand, the storage and
//! egress that travel with a workload, the offering a workload runs on today, whether a
//! workload fits an offering, and the hourly rate an owned commitment is charged at.
//! The MIP, the independent evaluator, the recommender and the writers all read these, so
//! they live here rather than in any one of them.

use super::{Catalog, CommitmentKind, CommitmentOffer, Offering, Workload, WorkloadClass};

/// Performance of a GPU for a class (experimentation uses training perf).
pub fn perf(catalog: &Catalog, gpu: &str, class: WorkloadClass) -> f64 {
    catalog.gpu(gpu).map_or(1.0, |g| match class {
        WorkloadClass::Inference => g.inference_perf,
        _ => g.training_perf,
    })
}

/// Instances of `o` per GPU of `w`'s recorded demand.
pub fn instances_per_gpu(catalog: &Catalog, w: &Workload, o: &Offering) -> f64 {
    perf(catalog, &w.current_gpu, w.class)
        / perf(catalog, &o.gpu_model, w.class)
        / f64::from(o.gpus)
}

/// Storage + egress USD per GPU-hour of `w` on `o`.
pub fn adders_per_gpu_hour(w: &Workload, o: &Offering) -> f64 {
    w.storage_per_gpu_hour
        + if w.home_cloud.is_some_and(|h| h != o.cloud) {
            w.egress_per_gpu_hour
        } else {
            0.0
        }
}

/// The offering a workload runs on today: `current_offering` if given (cheapest per GPU
/// among offerings with that instance type), else the offering of `current_gpu` with the
/// lowest on-demand price per GPU in `home_cloud` (any cloud if unset or none there).
pub fn current_offering<'a>(catalog: &'a Catalog, w: &Workload) -> Option<&'a Offering> {
    let cheapest = |it: &mut dyn Iterator<Item = &'a Offering>| {
        it.min_by(|a, b| {
            a.on_demand_per_gpu()
                .total_cmp(&b.on_demand_per_gpu())
                .then_with(|| a.key().cmp(&b.key()))
        })
    };
    if let Some(it) = &w.current_offering {
        return cheapest(&mut catalog.offerings.iter().filter(|o| &o.instance_type == it));
    }
    let of_gpu = || {
        catalog
            .offerings
            .iter()
            .filter(|o| o.gpu_model == w.current_gpu)
    };
    w.home_cloud
        .and_then(|h| cheapest(&mut of_gpu().filter(move |o| o.cloud == h)))
        .or_else(|| cheapest(&mut of_gpu()))
}

/// Hourly cost of one unit of a commitment of offer `k`: USD 1 for a spend commitment (its
/// quantity is USD per hour), else the discounted hourly price of the first catalog offering
/// the unit offer matches (0 when none does).
pub fn commitment_unit_rate(catalog: &Catalog, k: &CommitmentOffer) -> f64 {
    match k.kind {
        CommitmentKind::Spend => 1.0,
        CommitmentKind::Unit => catalog
            .offerings
            .iter()
            .find_map(|o| {
                k.discount_for(o)
                    .map(|d| o.on_demand_hourly * (1.0 - d / 100.0))
            })
            .unwrap_or(0.0),
    }
}

/// Whether a workload's own requirements allow an offering: memory per GPU, GPUs per
/// replica, allowed clouds and regions (the scenario's whitelists are checked by the caller).
pub fn fits(w: &Workload, o: &Offering, catalog: &Catalog) -> bool {
    let Some(g) = catalog.gpu(&o.gpu_model) else {
        return false;
    };
    g.memory_gb >= w.min_gpu_memory_gb
        && o.gpus >= w.gpus_per_replica
        && w.allowed_clouds
            .as_ref()
            .is_none_or(|c| c.contains(&o.cloud))
        && w.allowed_regions
            .as_ref()
            .is_none_or(|r| r.contains(&o.region))
}
