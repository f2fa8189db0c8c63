//! Plain domain types: no I/O. Money, time, workloads, the catalog, owned commitments and
//! demand history.

pub mod catalog;
pub mod demand;
pub mod money;
pub mod time;
pub mod workload;

pub use catalog::{
    Catalog, Cloud, CommitmentKind, CommitmentOffer, CommitmentRow, GpuModel, MatchRule, Offering,
    OwnedCommitment, Payment,
};
pub use demand::DemandHistory;
pub use money::Usd;
pub use time::{DailyWindow, HourWindow};
pub use workload::{Workload, WorkloadClass};
