//! Long synthetic fleets for term-aware planning and `gpuplan simulate`: months of hourly
//! demand with workloads that end, start and move, and the known events a planner would
//! have in `workloads.toml`. Deterministic for a seed (its own splitmix64 streams).
//!
//! With `churn`, the fleet has, besides steady services (diurnal inference) and bursty
//! experiments:
//! - three known events, written into `workloads.toml` (what planners know):
//!   `pretrain-000`, a 64-GPU training run, ends in month 8 (`ends`);
//!   `serve-001` (A100-80GB inference) moves to H100 in month 12 with half as many GPUs
//!   (`migrates`; its history continues as `serve-001-h100`);
//!   `serve-002` halves in month 14 (`scale`);
//! - unannounced churn: training runs of 8–48 GPUs that last 3 to 14 months, services that
//!   end (about 15% a year) and services launched later with a 30-day ramp, none of them in
//!   `workloads.toml`.
//!
//! Without `churn`, every workload runs from the first hour to the last.

use super::fleet::{
    add_interval, experimentation_curve, gpu_weights, inference_curve, pick_offerings, toml_str,
    Rng, SynthScenario, SynthWorkload, CURRENT_GPUS,
};
use crate::domain::outlook::add_months;
use crate::domain::{Catalog, WorkloadClass};
use crate::error::Error;
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct LongSpec {
    /// Number of workloads (at least 4 with churn: the three known events come first).
    pub workloads: usize,
    /// Number of offerings (instance types) the scenario allows.
    pub offerings: usize,
    /// Calendar months of hourly history.
    pub months: u32,
    /// Seed.
    pub seed: u64,
    /// Workloads end, start and move (see the module doc).
    pub churn: bool,
    /// First hour of the history (default 2026-01-05T00:00:00Z, a Monday).
    pub start: DateTime<Utc>,
}

impl LongSpec {
    /// A spec from the default start.
    pub fn new(workloads: usize, offerings: usize, months: u32, seed: u64, churn: bool) -> Self {
        LongSpec {
            workloads,
            offerings,
            months,
            seed,
            churn,
            start: super::fleet::default_start(),
        }
    }
}

/// One generated long workload: attributes, curve, and its extra `workloads.toml` keys.
struct Gen {
    w: SynthWorkload,
    curve: Vec<f64>,
    keys: String,
}

const STREAM_LONG: u64 = 7000;

/// A month's first hour as an index into the history.
fn month_hour(spec: &LongSpec, m: u32) -> usize {
    (add_months(spec.start, m) - spec.start).num_hours().max(0) as usize
}

/// A workload of one archetype.
fn workload(spec: &LongSpec, times: &[DateTime<Utc>], i: usize, kind: u64) -> Gen {
    let mut rng = Rng::new(spec.seed, STREAM_LONG + i as u64);
    let n = times.len();
    let (class, prefix) = match kind {
        0 => (WorkloadClass::Inference, "serve"),
        1 => (WorkloadClass::Training, "train"),
        _ => (WorkloadClass::Experimentation, "exp"),
    };
    let gpu = CURRENT_GPUS[rng.weighted(&gpu_weights(class))].to_string();
    let mut curve = match class {
        WorkloadClass::Inference => inference_curve(&mut rng, times),
        WorkloadClass::Training => {
            let size = rng_size(&mut rng);
            steady_run(&mut rng, n, size)
        }
        WorkloadClass::Experimentation => experimentation_curve(&mut rng, times),
    };
    if spec.churn {
        let months = spec.months.max(1);
        match class {
            WorkloadClass::Training => {
                // Runs last 3–14 months, some start later.
                let a = if rng.chance(0.3) {
                    rng.int(1, u64::from(months / 2).max(1)) as u32
                } else {
                    0
                };
                let len = rng.int(3, 14) as u32;
                cut(&mut curve, month_hour(spec, a), month_hour(spec, a + len));
            }
            WorkloadClass::Inference => {
                if rng.chance(0.2) {
                    let a = rng.int(3, u64::from(months.saturating_sub(3)).max(3)) as u32;
                    ramp_from(&mut curve, month_hour(spec, a), 30 * 24);
                }
                let years = f64::from(months) / 12.0;
                if rng.chance(1.0 - 0.85f64.powf(years)) {
                    let e = rng.int(2, u64::from(months).max(2)) as u32;
                    cut(&mut curve, 0, month_hour(spec, e));
                }
            }
            WorkloadClass::Experimentation => {
                if rng.chance(0.3) {
                    let e = rng.int(4, u64::from(months).max(4)) as u32;
                    cut(&mut curve, 0, month_hour(spec, e));
                }
            }
        }
    }
    let interruptible = class != WorkloadClass::Inference && rng.chance(0.5);
    let w = SynthWorkload {
        name: format!("{prefix}-{i:03}"),
        class,
        current_gpu: gpu,
        interruptible,
        max_spot_share: if interruptible { 0.5 } else { 0.0 },
        min_gpu_memory_gb: 0.0,
    };
    Gen {
        w,
        curve,
        keys: String::new(),
    }
}

/// Size of a steady training run, GPUs.
fn rng_size(rng: &mut Rng) -> f64 {
    [8.0, 16.0, 24.0, 32.0, 48.0][rng.weighted(&[25.0, 25.0, 20.0, 20.0, 10.0])]
}

/// A steady training run of `size` GPUs busy 90–98% of the time (short gaps between
/// checkpoints and restarts).
fn steady_run(rng: &mut Rng, hours: usize, size: f64) -> Vec<f64> {
    let mut curve = vec![0.0; hours];
    let busy = rng.range(0.90, 0.98);
    let mut t = 0.0;
    while (t as usize) < hours {
        let run = rng.range(24.0, 240.0);
        add_interval(&mut curve, t, t + run, size);
        t += run + run * (1.0 - busy) / busy;
    }
    curve
}

/// Keeps only `[a, b)` of a curve.
fn cut(curve: &mut [f64], a: usize, b: usize) {
    for (t, g) in curve.iter_mut().enumerate() {
        if t < a || t >= b {
            *g = 0.0;
        }
    }
}

/// Zero before `a`, then a linear ramp over `ramp` hours.
fn ramp_from(curve: &mut [f64], a: usize, ramp: usize) {
    for (t, g) in curve.iter_mut().enumerate() {
        if t < a {
            *g = 0.0;
        } else if t < a + ramp {
            *g *= (t - a) as f64 / ramp as f64;
        }
    }
}

/// The three workloads of the known events (see the module doc); the fourth is the H100
/// continuation of the migrating service.
fn known_events(spec: &LongSpec, times: &[DateTime<Utc>]) -> Vec<Gen> {
    let n = times.len();
    let mut rng = Rng::new(spec.seed, STREAM_LONG + 999);
    let date = |m: u32| add_months(spec.start, m).format("%Y-%m-%d").to_string();
    let mut pre = steady_run(&mut rng, n, 64.0);
    cut(&mut pre, 0, month_hour(spec, 8));
    let mut serve = inference_curve(&mut rng, times);
    let h100: Vec<f64> = serve
        .iter()
        .enumerate()
        .map(|(t, g)| {
            if t >= month_hour(spec, 12) {
                g * 0.5
            } else {
                0.0
            }
        })
        .collect();
    cut(&mut serve, 0, month_hour(spec, 12));
    let mut halves = inference_curve(&mut rng, times);
    for (t, g) in halves.iter_mut().enumerate() {
        if t >= month_hour(spec, 14) {
            *g *= 0.5;
        }
    }
    let sw = |name: &str, class, gpu: &str| SynthWorkload {
        name: name.to_string(),
        class,
        current_gpu: gpu.to_string(),
        interruptible: false,
        max_spot_share: 0.0,
        min_gpu_memory_gb: 0.0,
    };
    vec![
        Gen {
            w: sw("pretrain-000", WorkloadClass::Training, "H100"),
            curve: pre,
            keys: format!("ends = \"{}\"\n", date(8)),
        },
        Gen {
            w: sw("serve-001", WorkloadClass::Inference, "A100-80GB"),
            curve: serve,
            keys: format!(
                "migrates = {{ to_gpu = \"H100\", at = \"{}\", gpu_ratio = 0.5 }}\n",
                date(12)
            ),
        },
        Gen {
            w: sw("serve-001-h100", WorkloadClass::Inference, "H100"),
            curve: h100,
            keys: String::new(),
        },
        Gen {
            w: sw("serve-002", WorkloadClass::Inference, "L40S"),
            curve: halves,
            keys: format!("scale = [{{ at = \"{}\", factor = 0.5 }}]\n", date(14)),
        },
    ]
}

/// Generates a long scenario. Pure: the same spec gives the same texts.
pub fn generate_long(spec: &LongSpec, catalog: &Catalog) -> SynthScenario {
    let end = add_months(spec.start, spec.months.max(1));
    let hours = (end - spec.start).num_hours().max(1) as usize;
    let times: Vec<DateTime<Utc>> = (0..hours)
        .map(|i| spec.start + Duration::hours(i as i64))
        .collect();
    let mut gens = if spec.churn {
        known_events(spec, &times)
    } else {
        Vec::new()
    };
    let first = gens.len();
    let total = spec.workloads.max(gens.len() + 1);
    let mut fleet = Rng::new(spec.seed, STREAM_LONG + 1);
    for i in first..total {
        let kind = fleet.weighted(&[45.0, 30.0, 25.0]) as u64;
        gens.push(workload(spec, &times, i, kind));
    }
    gens.retain(|g| g.curve.iter().any(|&x| x > 0.0));
    let in_use: Vec<&str> = gens.iter().map(|g| g.w.current_gpu.as_str()).collect();
    let mut orng = Rng::new(spec.seed, STREAM_LONG + 2);
    let mut picked = pick_offerings(catalog, &mut orng, &in_use, spec.offerings);
    // The migration's target must be allowed.
    if spec.churn
        && !picked
            .iter()
            .any(|&i| catalog.offerings[i].gpu_model == "H100")
    {
        if let Some(h) = catalog.offerings.iter().position(|o| o.gpu_model == "H100") {
            picked.push(h);
            picked.sort_unstable();
        }
    }
    let instance_types: Vec<String> = picked
        .iter()
        .map(|&i| catalog.offerings[i].instance_type.clone())
        .collect();
    SynthScenario {
        demand_csv: sparse_demand(&gens, &times),
        workloads_toml: workloads_text(spec, &gens),
        scenario_toml: scenario_text(spec, gens.len(), &instance_types),
        workloads: gens.iter().map(|g| g.w.clone()).collect(),
        instance_types,
    }
}

/// demand.csv with only the hours with demand (a missing row is 0), by hour then name,
/// GPUs to two decimals.
fn sparse_demand(gens: &[Gen], times: &[DateTime<Utc>]) -> String {
    let mut order: Vec<usize> = (0..gens.len()).collect();
    order.sort_by(|&a, &b| gens[a].w.name.cmp(&gens[b].w.name));
    let mut s = String::from("timestamp,workload,gpus\n");
    for (h, t) in times.iter().enumerate() {
        let stamp = t.format("%Y-%m-%dT%H:00:00Z").to_string();
        for &w in &order {
            let g = (gens[w].curve[h] * 100.0).round() / 100.0;
            if g > 0.0 {
                let _ = writeln!(s, "{stamp},{},{g:.2}", gens[w].w.name);
            }
        }
    }
    s
}

fn workloads_text(spec: &LongSpec, gens: &[Gen]) -> String {
    let mut wt = String::new();
    let _ = writeln!(
        wt,
        "# Generated by gpuplan synth --months {} {}(seed {}): {} workloads. Synthetic, not measured.\n# Known events are written here; other ends and launches are not announced.\n",
        spec.months,
        if spec.churn { "--churn " } else { "" },
        spec.seed,
        gens.len()
    );
    wt.push_str("[defaults]\nhome_cloud = \"aws\"\n");
    for g in gens {
        let w = &g.w;
        let _ = writeln!(wt, "\n[workloads.{}]", w.name);
        let _ = writeln!(wt, "class = {}", toml_str(w.class.as_str()));
        let _ = writeln!(wt, "current_gpu = {}", toml_str(&w.current_gpu));
        if w.interruptible {
            let _ = writeln!(
                wt,
                "interruptible = true\nmax_spot_share = {:.2}",
                w.max_spot_share
            );
        }
        wt.push_str(&g.keys);
    }
    wt
}

fn scenario_text(spec: &LongSpec, nw: usize, instance_types: &[String]) -> String {
    let mut st = String::new();
    let _ = writeln!(
        st,
        "# Generated by gpuplan synth: {nw} workloads x {} offerings x {} months, seed {}{}.",
        instance_types.len(),
        spec.months,
        spec.seed,
        if spec.churn {
            ", with churn and known events"
        } else {
            ""
        }
    );
    let _ = writeln!(
        st,
        "name = {}",
        toml_str(&format!(
            "synth-long-w{nw}-o{}-m{}-s{}",
            instance_types.len(),
            spec.months,
            spec.seed
        ))
    );
    st.push_str(
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n\n[window]\nlookback = \"90d\"\n",
    );
    st.push_str("\n[instruments]\ninstance_types = [\n");
    for it in instance_types {
        let _ = writeln!(st, "  {},", toml_str(it));
    }
    st.push_str("]\n");
    if spec.churn {
        // The planner's churn assumption, stated as the generator draws it: training runs last
        // 3–14 months, services end at 15% a year, 30% of experiments end within the history.
        let exp = 1.0 - 0.7f64.powf(12.0 / f64::from(spec.months.max(1)));
        let _ = writeln!(
            st,
            "\n# The churn the generator draws (a planner states what it knows about its fleet).\n[term.churn]\ntraining = 0.75\ninference = 0.15\nexperimentation = {exp:.2}"
        );
    }
    st.push_str("\n[solver]\ntime_limit_seconds = 300.0\nmip_gap = 0.001\nthreads = 1\n");
    st
}

/// Generates a long scenario and writes `demand.csv`, `workloads.toml` and `scenario.toml`
/// into `dir`. Returns the path of `scenario.toml`.
pub fn write_long(spec: &LongSpec, dir: &Path) -> Result<PathBuf, Error> {
    let catalog = crate::ingest::catalog::load_catalog(None)?;
    super::fleet::write_scenario(generate_long(spec, &catalog), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_churn_fleet_has_its_known_events_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_long(&LongSpec::new(10, 10, 15, 3, true), dir.path()).unwrap();
        let inp = crate::ingest::inputs::Inputs::load(&path, None).unwrap();
        let wl = std::fs::read_to_string(dir.path().join("workloads.toml")).unwrap();
        assert!(wl.contains("ends = \"2026-09-05\""), "{wl}");
        assert!(wl.contains("migrates = { to_gpu = \"H100\", at = \"2027-01-05\""));
        assert!(wl.contains("scale = [{ at = \"2027-03-05\", factor = 0.5 }]"));
        let pre = inp.history.index_of("pretrain-000").unwrap();
        let end8 = (add_months(spec_start(), 8) - inp.history.window.start).num_hours() as usize;
        assert!(inp.history.gpus[pre][end8..].iter().all(|&g| g == 0.0));
        assert!(
            inp.history.gpus[pre][..end8]
                .iter()
                .filter(|&&g| g == 64.0)
                .count()
                > end8 / 2
        );
        let o = &inp.outlook[pre];
        assert!(o.ends.is_some());
    }

    fn spec_start() -> DateTime<Utc> {
        super::super::fleet::default_start()
    }

    #[test]
    fn same_seed_same_texts() {
        let cat = crate::ingest::catalog::load_catalog(None).unwrap();
        let a = generate_long(&LongSpec::new(6, 6, 2, 9, true), &cat);
        let b = generate_long(&LongSpec::new(6, 6, 2, 9, true), &cat);
        assert_eq!(a.demand_csv, b.demand_csv);
        assert_eq!(a.workloads_toml, b.workloads_toml);
    }
}
