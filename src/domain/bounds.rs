//! Plausibility bounds on input magnitudes, checked when each input is read. Each bound is
//! far beyond anything a real GPU fleet reaches (the largest training clusters of 2026 hold
//! a few hundred thousand GPUs; the dearest GPU instance lists near USD 100 per hour), so a
//! value past one is a typo or a unit mistake (cents for dollars, a year as 1e4 hours), never
//! data. Keeping every input inside them keeps every product the engine forms (GPUs × hours ×
//! price) finite and far below the largest amount [`super::money::Usd`] represents, so no
//! NaN, infinity or overflow can reach a plan. The README's input tables list them.

/// Most GPUs one workload uses in one hour (demand rows, FOCUS usage): one million.
pub const MAX_GPUS: f64 = 1e6;
/// Smallest positive GPU count of a demand row: a millionth of a GPU (3.6 ms of one GPU in
/// an hour, below the resolution of any usage record). Smaller positive values are almost
/// always denormal noise (`5e-324`); 0 stays allowed.
pub const MIN_POSITIVE_GPUS: f64 = 1e-6;
/// Dearest on-demand or spot price of one instance for one hour, USD.
pub const MAX_INSTANCE_HOURLY_USD: f64 = 1e4;
/// Most GPUs in one instance (and per replica).
pub const MAX_GPUS_PER_INSTANCE: u32 = 1024;
/// Most GPU memory, GB per GPU (catalog) or asked for by a workload.
pub const MAX_GPU_MEMORY_GB: f64 = 1e4;
/// Largest peak figure of a GPU model: BF16 TFLOPS or memory bandwidth in GB/s.
pub const MAX_GPU_SPEC: f64 = 1e6;
/// Largest relative performance ratio of a GPU model (`training_perf`, `inference_perf`).
pub const MAX_PERF_RATIO: f64 = 1e3;
/// Largest on-demand capacity limit of one offering, instances.
pub const MAX_CAPACITY_INSTANCES: f64 = 1e7;
/// Longest commitment term, months (10 years).
pub const MAX_TERM_MONTHS: u32 = 120;
/// Largest hidden cost (storage, egress) per GPU-hour of demand, USD.
pub const MAX_ADDER_PER_GPU_HOUR_USD: f64 = 1e3;
/// Largest compute overhead, percent.
pub const MAX_OVERHEAD_PCT: f64 = 1e3;
/// Largest annual demand growth, percent (11× a year).
pub const MAX_GROWTH_PCT: f64 = 1e3;
/// Largest budget in a scenario (`max_upfront`, `max_cvar`), USD: a trillion.
pub const MAX_BUDGET_USD: f64 = 1e12;
/// Most instances of one owned unit commitment.
pub const MAX_OWNED_INSTANCES: f64 = 1e6;
/// Largest owned spend commitment, USD per hour.
pub const MAX_OWNED_HOURLY_USD: f64 = 1e7;
/// Most shiftable hours of a workload (a year).
pub const MAX_SHIFTABLE_HOURS: u32 = 8784;
/// Longest solver time limit, seconds (a week).
pub const MAX_TIME_LIMIT_SECONDS: f64 = 604_800.0;
/// Most solver threads.
pub const MAX_THREADS: u32 = 1024;
/// Largest amount of one FOCUS row (any cost column), USD: a hundred billion, above the
/// largest all-upfront commitment purchase a real account makes.
pub const MAX_FOCUS_ROW_USD: f64 = 1e11;
/// Largest consumed quantity of one FOCUS row (hours or GPU-hours): a million GPUs for the
/// longest charge period accepted.
pub const MAX_FOCUS_QUANTITY: f64 = MAX_GPUS * MAX_CHARGE_PERIOD_HOURS as f64;
/// Longest charge period of one FOCUS row, hours (5 years, the longest history read).
pub const MAX_CHARGE_PERIOD_HOURS: i64 = 5 * 8784;

/// Whether `v` is a finite number in `[lo, hi]`.
pub fn within(v: f64, lo: f64, hi: f64) -> bool {
    v.is_finite() && v >= lo && v <= hi
}

/// A number written for error messages, short at any magnitude: `1000000`, `0.5`, `1e-6`,
/// `1e11`, `1e300` (a found value of 1e300 is not spelled out in 301 digits).
pub fn show(v: f64) -> String {
    if v.is_finite() && v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        let s = format!("{v}");
        s.strip_suffix(".0").map_or(s.clone(), str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_rejects_non_finite_and_outside() {
        assert!(within(5.0, 0.0, 10.0));
        assert!(within(0.0, 0.0, 10.0) && within(10.0, 0.0, 10.0));
        assert!(!within(10.5, 0.0, 10.0));
        assert!(!within(-1e-9, 0.0, 10.0));
        assert!(!within(f64::NAN, 0.0, 10.0));
        assert!(!within(f64::INFINITY, 0.0, f64::INFINITY));
    }

    #[test]
    fn show_is_short() {
        assert_eq!(show(MAX_GPUS), "1000000");
        assert_eq!(show(MIN_POSITIVE_GPUS), "1e-6");
        assert_eq!(show(MAX_FOCUS_ROW_USD), "1e11");
        assert_eq!(show(1000.0), "1000");
        assert_eq!(show(-1e300), "-1e300");
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(0.0), "0");
        assert_eq!(show(f64::NAN), "NaN");
    }

    #[test]
    fn the_worst_in_bounds_workload_stays_below_the_money_limit() {
        // One workload at the GPU bound on the dearest single-GPU instance, every hour of
        // the longest history, with the largest overhead and adders: 1e6 × (1e4 × 11 + 2e3)
        // × 43,920 h ≈ USD 4.9e15, below `Usd::MAX` (1e16). Many such workloads together
        // pass it, which is why totals are checked too (`Usd::checked`).
        let hours = 5.0 * 8784.0;
        let per_hour = MAX_GPUS
            * (MAX_INSTANCE_HOURLY_USD * (1.0 + MAX_OVERHEAD_PCT / 100.0)
                + 2.0 * MAX_ADDER_PER_GPU_HOUR_USD);
        let total = per_hour * hours;
        assert!((4.8e15..5.0e15).contains(&total), "{total}");
        assert!(total < crate::domain::money::Usd::MAX);
    }
}
