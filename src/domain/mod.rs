//! Plain domain types: no I/O. Money, time, workloads, the catalog, owned commitments,
//! demand history and the pricing facts every stage shares. Imports no other stage.

pub mod bounds;
pub mod catalog;
pub mod classify;
pub mod demand;
pub mod money;
pub mod outlook;
pub mod pricing;
pub mod rng;
pub mod stats;
pub mod time;
pub mod workload;

pub use catalog::{
    Catalog, Cloud, CommitmentKind, CommitmentOffer, CommitmentRow, GpuModel, MatchRule, Offering,
    OwnedCommitment, Payment,
};
pub use classify::{classify, ClassFeatures};
pub use demand::DemandHistory;
pub use money::Usd;
pub use pricing::{
    adders_per_gpu_hour, commitment_unit_rate, current_offering, fits, instances_per_gpu, perf,
};
pub use time::{DailyWindow, HourWindow};
pub use workload::{Workload, WorkloadClass};
