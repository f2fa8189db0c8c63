//! Workloads: what runs, on which GPU today, and what it may run on.

use super::catalog::Cloud;
use super::time::DailyWindow;
use std::fmt;

/// How a workload uses GPUs; selects the performance ratio and forecasting behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadClass {
    /// Long-running training jobs (training_perf).
    Training,
    /// Serving (inference_perf).
    Inference,
    /// Short experiments (training_perf).
    Experimentation,
}

impl WorkloadClass {
    /// `training`, `inference` or `experimentation`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadClass::Training => "training",
            WorkloadClass::Inference => "inference",
            WorkloadClass::Experimentation => "experimentation",
        }
    }
    /// Parses the canonical name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "training" => Some(Self::Training),
            "inference" => Some(Self::Inference),
            "experimentation" => Some(Self::Experimentation),
            _ => None,
        }
    }

    /// Infers a class from an hourly GPU curve, for workloads whose file does not say: the
    /// one classifier ([`super::classify::classify`]) that `inventory` and `ingest focus`
    /// use too, so that every command gives a curve the same class.
    pub fn infer(curve: &[f64]) -> Self {
        super::classify::classify(curve).0
    }
}

impl fmt::Display for WorkloadClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A workload with every attribute resolved (defaults applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Name as in the demand history.
    pub name: String,
    /// Class (given or inferred).
    pub class: WorkloadClass,
    /// Whether the class was inferred from the curve.
    pub class_inferred: bool,
    /// GPU model the history ran on.
    pub current_gpu: String,
    /// Instance type it runs on today, if stated.
    pub current_offering: Option<String>,
    /// May run on spot.
    pub interruptible: bool,
    /// Largest share of its load on spot, in [0, 1].
    pub max_spot_share: f64,
    /// Minimum GPU memory per GPU, GB.
    pub min_gpu_memory_gb: f64,
    /// GPUs one replica needs on one instance.
    pub gpus_per_replica: u32,
    /// Clouds it may run on; `None` = all.
    pub allowed_clouds: Option<Vec<Cloud>>,
    /// Regions it may run in; `None` = all.
    pub allowed_regions: Option<Vec<String>>,
    /// Owning team.
    pub team: Option<String>,
    /// Project.
    pub project: Option<String>,
    /// Cloud where its data lives; egress applies elsewhere.
    pub home_cloud: Option<Cloud>,
    /// Storage USD per GPU-hour of demand.
    pub storage_per_gpu_hour: f64,
    /// Egress USD per GPU-hour of demand when running away from `home_cloud`.
    pub egress_per_gpu_hour: f64,
    /// Percentage added to compute cost.
    pub overhead_pct: f64,
    /// Hours demand may be shifted (read and validated; not yet used by the model).
    pub shiftable_hours: u32,
    /// Daily windows where it scales to zero (read and validated; not yet used by the model).
    pub scale_to_zero: Vec<DailyWindow>,
}
