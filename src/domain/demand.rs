//! Demand history: average GPUs in use per hour and workload, dense.

use super::time::HourWindow;

/// Hourly GPU demand per workload over a window; a missing (hour, workload) is 0.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandHistory {
    /// The window covered (first to last hour found, inclusive of the last).
    pub window: HourWindow,
    /// Workload names in first-appearance order.
    pub workloads: Vec<String>,
    /// `gpus[w][t]`: average GPUs of workload `w` in hour `t` of the window.
    pub gpus: Vec<Vec<f64>>,
    /// Rows read from the file.
    pub rows: usize,
}

impl DemandHistory {
    /// Index of a workload by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.workloads.iter().position(|w| w == name)
    }
    /// Total GPU-hours over the window.
    pub fn total_gpu_hours(&self) -> f64 {
        self.gpus.iter().flatten().sum()
    }
    /// The sub-history restricted to `window` (which must lie inside this one), keeping only
    /// hours for which `keep(hour_index_in_new_window)` holds is done by the caller.
    pub fn slice(&self, window: HourWindow) -> DemandHistory {
        let off = (window.start - self.window.start).num_hours().max(0) as usize;
        let n = window.hours();
        DemandHistory {
            window,
            workloads: self.workloads.clone(),
            gpus: self
                .gpus
                .iter()
                .map(|c| c.iter().skip(off).take(n).copied().collect())
                .collect(),
            rows: self.rows,
        }
    }
}
