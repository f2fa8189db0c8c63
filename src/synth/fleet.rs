//! Synthetic scenarios for benchmarks and tests: a deterministic, seeded generator of a
//! complete scenario (demand history, workloads file and scenario file).
//!
//! [`generate`] is a pure function of its [`SynthSpec`]: the same spec gives byte-identical
//! texts on every run and machine (its own splitmix64 generator; no clock, no hash-map order).
//! [`write`] puts the three files in a directory.
//!
//! What the fleet looks like (all times UTC):
//! - about 40% **training** workloads: jobs of 8–64 GPUs lasting 12–120 h, idle gaps of
//!   2–48 h between jobs, sometimes one node (8 GPUs) out for a few hours;
//! - about 40% **inference** workloads: a daily raised-cosine cycle peaking in the afternoon,
//!   a weekend dip, autocorrelated noise and slow growth; never idle;
//! - about 20% **experimentation** workloads: sessions of 1–8 GPUs lasting 0.5–3 h that start
//!   between 09:00 and 17:00, a few per weekday and rarely at weekends, idle otherwise (busy in
//!   at most 11 hours of any day, so below half of all hours).
//!
//! Some workloads are interruptible with `max_spot_share` in 0.3–1.0; some set
//! `min_gpu_memory_gb` (never above their current GPU's memory); every workload has
//! `home_cloud = "aws"`. `current_gpu` is one of H100, A100-80GB, A100-40GB, L40S, A10G, L4,
//! T4, weighted towards the bigger GPUs for training.
//!
//! The number of offerings is set with the scenario's `[instruments] instance_types`
//! whitelist: `offerings` instance types of the shipped catalog, spread over the three
//! clouds. One offering of every `current_gpu` in use comes first (largest memory first), so
//! every workload keeps at least one compatible offering even when `offerings` is small; when
//! `offerings` exceeds the catalog, every instance type is used.

use crate::domain::rng::SplitMix64;
use crate::domain::{Catalog, Cloud, WorkloadClass};
use crate::error::Error;
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// Number of workloads (at least 1 is generated).
    pub workloads: usize,
    /// Number of offerings (instance types) the scenario allows (at least 1; at most the
    /// catalog's).
    pub offerings: usize,
    /// Hours of demand history (at least 1).
    pub hours: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// First hour of the history (truncated to the hour). Default 2026-01-05T00:00:00Z, a
    /// Monday.
    pub start: DateTime<Utc>,
}

impl SynthSpec {
    /// A spec starting at the default start (2026-01-05T00:00:00Z, a Monday).
    pub fn new(workloads: usize, offerings: usize, hours: usize, seed: u64) -> Self {
        SynthSpec {
            workloads,
            offerings,
            hours,
            seed,
            start: default_start(),
        }
    }
}

impl Default for SynthSpec {
    /// 10 workloads × 8 offerings × 168 hours, seed 1.
    fn default() -> Self {
        SynthSpec::new(10, 8, 168, 1)
    }
}

/// 2026-01-05T00:00:00Z (a Monday).
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One generated workload (what the workloads file says about it).
#[derive(Debug, Clone, PartialEq)]
pub struct SynthWorkload {
    /// Name in the demand history.
    pub name: String,
    /// Class.
    pub class: WorkloadClass,
    /// GPU model the history ran on.
    pub current_gpu: String,
    /// May run on spot.
    pub interruptible: bool,
    /// Largest spot share (0 when not interruptible).
    pub max_spot_share: f64,
    /// Minimum GPU memory, GB (0 = none).
    pub min_gpu_memory_gb: f64,
}

/// A generated scenario: the three file texts and what they contain.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthScenario {
    /// `demand.csv`: `timestamp,workload,gpus`, a dense grid sorted by hour then workload.
    pub demand_csv: String,
    /// `workloads.toml`.
    pub workloads_toml: String,
    /// `scenario.toml` (names `demand.csv` and `workloads.toml` next to it).
    pub scenario_toml: String,
    /// The workloads, in generation order.
    pub workloads: Vec<SynthWorkload>,
    /// The instance types of the whitelist, in catalog order.
    pub instance_types: Vec<String>,
}

/// The solver time limit written into generated scenarios, seconds.
pub const TIME_LIMIT_SECONDS: f64 = 300.0;

/// GPU models a workload's history may have run on.
pub const CURRENT_GPUS: [&str; 7] = ["H100", "A100-80GB", "A100-40GB", "L40S", "A10G", "L4", "T4"];

/// Weights over [`CURRENT_GPUS`] per class.
pub(crate) fn gpu_weights(class: WorkloadClass) -> [f64; 7] {
    match class {
        WorkloadClass::Training => [35.0, 30.0, 18.0, 10.0, 4.0, 3.0, 0.0],
        WorkloadClass::Inference => [8.0, 10.0, 10.0, 20.0, 20.0, 20.0, 12.0],
        WorkloadClass::Experimentation => [5.0, 10.0, 15.0, 20.0, 25.0, 15.0, 10.0],
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub(crate) struct Rng(SplitMix64);

impl Rng {
    /// A generator for one stream of a seed.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r =
            SplitMix64::new(seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(stream.wrapping_add(1)));
        // Decorrelate nearby seeds and streams.
        let a = r.next_u64();
        Rng(SplitMix64::new(a ^ stream.rotate_left(32)))
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in [0, 1).
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in [lo, hi).
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Uniform integer in [lo, hi] (inclusive).
    pub(crate) fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Standard normal (Box–Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64(); // (0, 1]
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// An index drawn with the given weights (not all zero).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
    }
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Streams of the generator: one for the fleet, one for the offerings, one per workload.
const STREAM_FLEET: u64 = 0;
const STREAM_OFFERINGS: u64 = 1;
const STREAM_WORKLOAD0: u64 = 1000;

/// Adds `gpus` over the interval [a, b) (hours from the start) to an hourly curve, with
/// fractional coverage of partial hours.
pub(crate) fn add_interval(curve: &mut [f64], a: f64, b: f64, gpus: f64) {
    let n = curve.len() as f64;
    let (a, b) = (a.max(0.0), b.min(n));
    if b <= a {
        return;
    }
    let mut h = a.floor();
    while h < b {
        let lo = a.max(h);
        let hi = b.min(h + 1.0);
        if hi > lo {
            curve[h as usize] += gpus * (hi - lo);
        }
        h += 1.0;
    }
}

pub(crate) fn inference_curve(rng: &mut Rng, times: &[DateTime<Utc>]) -> Vec<f64> {
    // Base (peak) GPUs, log-uniform 1.5..40.
    let base = (rng.range(1.5f64.ln(), 40f64.ln())).exp();
    let amp = rng.range(0.45, 0.8);
    let peak_hour = rng.range(12.0, 20.0);
    let weekend = rng.range(0.65, 0.9);
    let sigma = rng.range(0.02, 0.05);
    let growth = rng.range(0.0, 0.6); // per year
    let phi: f64 = 0.7;
    let mut e = 0.0;
    times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let hod = f64::from(t.hour());
            let rc = 0.5 * (1.0 + (std::f64::consts::TAU * (hod - peak_hour) / 24.0).cos());
            let wk = match t.weekday() {
                Weekday::Sat | Weekday::Sun => weekend,
                _ => 1.0,
            };
            e = phi * e + (1.0 - phi * phi).sqrt() * sigma * rng.normal();
            let g = (1.0 + growth).powf(i as f64 / 8760.0);
            let v = base * (1.0 - amp + amp * rc) * wk * g * (1.0 + e);
            v.max(0.05 * base)
        })
        .collect()
}

fn training_curve(rng: &mut Rng, hours: usize) -> Vec<f64> {
    const SIZES: [f64; 6] = [8.0, 16.0, 24.0, 32.0, 48.0, 64.0];
    const SIZE_W: [f64; 6] = [25.0, 25.0, 15.0, 15.0, 10.0, 10.0];
    let mut curve = vec![0.0; hours];
    let n = hours as f64;
    // The history may open in the middle of a job or of a gap.
    let mut t = -rng.range(0.0, 48.0);
    while t < n {
        let size = SIZES[rng.weighted(&SIZE_W)];
        let dur = rng.range(12.0, 120.0);
        add_interval(&mut curve, t, t + dur, size);
        // Sometimes a node (8 GPUs) drops out for a few hours.
        if size > 8.0 && rng.chance(0.3) {
            let a = t + rng.range(0.0, dur);
            let b = (a + rng.range(2.0, 6.0)).min(t + dur);
            add_interval(&mut curve, a, b, -8.0);
        }
        t += dur + rng.range(2.0, 48.0);
    }
    curve
}

pub(crate) fn experimentation_curve(rng: &mut Rng, times: &[DateTime<Utc>]) -> Vec<f64> {
    const GPUS: [f64; 4] = [1.0, 2.0, 4.0, 8.0];
    const GPU_W: [f64; 4] = [50.0, 25.0, 15.0, 10.0];
    let hours = times.len();
    let mut curve = vec![0.0; hours];
    let Some(&first) = times.first() else {
        return curve;
    };
    // Midnight of the first day, as an offset in hours from the first hour (≤ 0).
    let day0 = -f64::from(first.hour());
    let days = (hours as f64 - day0) / 24.0;
    for d in 0..days.ceil() as i64 {
        let midnight = day0 + 24.0 * d as f64;
        let date = first.date_naive() + Duration::days(d);
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let sessions = if weekend {
            if rng.chance(0.7) {
                0
            } else {
                rng.int(1, 2)
            }
        } else if rng.chance(0.15) {
            0 // an idle weekday
        } else {
            rng.int(1, 6)
        };
        for _ in 0..sessions {
            let a = midnight + rng.range(9.0, 17.0);
            let b = a + rng.range(0.5, 3.0);
            add_interval(&mut curve, a, b, GPUS[rng.weighted(&GPU_W)]);
        }
    }
    curve
}

pub(crate) fn round3(v: f64) -> f64 {
    let r = (v * 1000.0).round() / 1000.0;
    if r <= 0.0 {
        0.0
    } else {
        r
    }
}

/// Picks `m` instance types of the catalog (see the module doc).
pub(crate) fn pick_offerings(
    catalog: &Catalog,
    rng: &mut Rng,
    gpus_in_use: &[&str],
    m: usize,
) -> Vec<usize> {
    let n = catalog.offerings.len();
    let m = m.clamp(1, n.max(1));
    if m >= n {
        return (0..n).collect();
    }
    let mem = |g: &str| catalog.gpu(g).map_or(0.0, |g| g.memory_gb);
    let mut gpus: Vec<&str> = gpus_in_use.to_vec();
    gpus.sort_by(|a, b| mem(b).total_cmp(&mem(a)).then_with(|| a.cmp(b)));
    gpus.dedup();
    let mut chosen: Vec<usize> = Vec::new();
    let mut per_cloud = [0usize; 3];
    let cloud_ix = |c: Cloud| Cloud::ALL.iter().position(|&x| x == c).unwrap_or(0);
    // Anchors: one offering per GPU in use, rotating over the clouds that carry it.
    for (k, g) in gpus.iter().enumerate() {
        if chosen.len() >= m {
            break;
        }
        let of_gpu: Vec<usize> = (0..n)
            .filter(|&i| catalog.offerings[i].gpu_model == *g && !chosen.contains(&i))
            .collect();
        if of_gpu.is_empty() {
            continue;
        }
        let pick = (0..3)
            .map(|r| Cloud::ALL[(k + r) % 3])
            .find_map(|c| {
                let in_c: Vec<usize> = of_gpu
                    .iter()
                    .copied()
                    .filter(|&i| catalog.offerings[i].cloud == c)
                    .collect();
                (!in_c.is_empty()).then(|| in_c[rng.next_u64() as usize % in_c.len()])
            })
            .unwrap_or(of_gpu[0]);
        per_cloud[cloud_ix(catalog.offerings[pick].cloud)] += 1;
        chosen.push(pick);
    }
    // The rest: round-robin over the clouds, the least represented first.
    let mut pools: Vec<Vec<usize>> = Cloud::ALL
        .iter()
        .map(|&c| {
            let mut v: Vec<usize> = (0..n)
                .filter(|&i| catalog.offerings[i].cloud == c && !chosen.contains(&i))
                .collect();
            rng.shuffle(&mut v);
            v
        })
        .collect();
    while chosen.len() < m {
        let Some(c) = (0..3)
            .filter(|&c| !pools[c].is_empty())
            .min_by_key(|&c| (per_cloud[c], c))
        else {
            break;
        };
        if let Some(i) = pools[c].pop() {
            per_cloud[c] += 1;
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    // Instance types are unique in the shipped catalog; keep the whitelist free of repeats
    // anyway.
    chosen.dedup_by(|a, b| {
        catalog.offerings[*a].instance_type == catalog.offerings[*b].instance_type
    });
    chosen
}

pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Generates a complete scenario. Pure: the same spec gives the same texts.
pub fn generate(spec: &SynthSpec) -> SynthScenario {
    let catalog = crate::ingest::catalog::load_catalog(None)
        .expect("the shipped catalog is compiled in and always parses");
    generate_with(spec, &catalog)
}

fn generate_with(spec: &SynthSpec, catalog: &Catalog) -> SynthScenario {
    let nw = spec.workloads.max(1);
    let hours = spec.hours.max(1);
    let ts = spec.start.timestamp();
    let start = DateTime::from_timestamp(ts - ts.rem_euclid(3600), 0).unwrap_or_else(default_start);
    let times: Vec<DateTime<Utc>> = (0..hours)
        .map(|i| start + Duration::hours(i as i64))
        .collect();

    // Classes: 40% training, 20% experimentation, the rest inference, in a seeded order.
    let n_train = (0.4 * nw as f64).round() as usize;
    let n_exp = (0.2 * nw as f64).round() as usize;
    let n_inf = nw - n_train - n_exp;
    let mut classes: Vec<WorkloadClass> = std::iter::repeat_n(WorkloadClass::Training, n_train)
        .chain(std::iter::repeat_n(WorkloadClass::Inference, n_inf))
        .chain(std::iter::repeat_n(WorkloadClass::Experimentation, n_exp))
        .collect();
    let mut fleet = Rng::new(spec.seed, STREAM_FLEET);
    fleet.shuffle(&mut classes);

    let width = (nw - 1).to_string().len().max(3);
    let mut workloads = Vec::with_capacity(nw);
    let mut curves = Vec::with_capacity(nw);
    let mut extra_keys: Vec<String> = Vec::with_capacity(nw);
    for (i, &class) in classes.iter().enumerate() {
        let (w, curve, extra) = synth_workload(spec, catalog, &times, i, class, width);
        curves.push(curve.into_iter().map(round3).collect::<Vec<f64>>());
        extra_keys.push(extra);
        workloads.push(w);
    }

    // Offerings.
    let in_use: Vec<&str> = workloads.iter().map(|w| w.current_gpu.as_str()).collect();
    let mut orng = Rng::new(spec.seed, STREAM_OFFERINGS);
    let picked = pick_offerings(catalog, &mut orng, &in_use, spec.offerings);
    let instance_types: Vec<String> = picked
        .iter()
        .map(|&i| catalog.offerings[i].instance_type.clone())
        .collect();
    let description = format!(
        "synthetic fleet: {n_train} training, {n_inf} inference, {n_exp} experimentation workloads over {hours} hours from {}",
        start.format("%Y-%m-%dT%H:%M:%SZ")
    );
    SynthScenario {
        demand_csv: demand_text(&workloads, &curves, &times),
        workloads_toml: workloads_text(spec, &workloads, &extra_keys),
        scenario_toml: scenario_text(spec, nw, hours, &instance_types, &description),
        workloads,
        instance_types,
    }
}

/// Workload `i` of class `class`: its attributes, hourly curve and extra TOML keys
/// (hidden-cost adders), from its own seeded stream.
fn synth_workload(
    spec: &SynthSpec,
    catalog: &Catalog,
    times: &[DateTime<Utc>],
    i: usize,
    class: WorkloadClass,
    width: usize,
) -> (SynthWorkload, Vec<f64>, String) {
    let hours = times.len();
    let mut rng = Rng::new(spec.seed, STREAM_WORKLOAD0 + i as u64);
    let prefix = match class {
        WorkloadClass::Training => "train",
        WorkloadClass::Inference => "infer",
        WorkloadClass::Experimentation => "exp",
    };
    let name = format!("{prefix}-{i:0width$}");
    let gpu = CURRENT_GPUS[rng.weighted(&gpu_weights(class))];
    let p_int = match class {
        WorkloadClass::Training => 0.5,
        WorkloadClass::Inference => 0.15,
        WorkloadClass::Experimentation => 0.6,
    };
    let interruptible = rng.chance(p_int);
    let max_spot_share = if interruptible {
        (rng.range(0.3, 1.0) * 100.0).round() / 100.0
    } else {
        0.0
    };
    let mem = catalog.gpu(gpu).map_or(0.0, |g| g.memory_gb);
    let min_mem = if rng.chance(0.3) {
        let fits: Vec<f64> = [16.0, 24.0, 40.0, 48.0, 80.0]
            .into_iter()
            .filter(|&m| m <= mem)
            .collect();
        if fits.is_empty() {
            0.0
        } else {
            fits[rng.next_u64() as usize % fits.len()]
        }
    } else {
        0.0
    };
    let mut extra = String::new();
    match class {
        WorkloadClass::Inference if rng.chance(0.5) => {
            let e = (rng.range(0.01, 0.05) * 1000.0).round() / 1000.0;
            let _ = writeln!(extra, "egress_per_gpu_hour = {e:.3}");
        }
        WorkloadClass::Training if rng.chance(0.3) => {
            let s = (rng.range(0.01, 0.05) * 1000.0).round() / 1000.0;
            let _ = writeln!(extra, "storage_per_gpu_hour = {s:.3}");
        }
        _ => {}
    }
    let curve = match class {
        WorkloadClass::Inference => inference_curve(&mut rng, times),
        WorkloadClass::Training => training_curve(&mut rng, hours),
        WorkloadClass::Experimentation => experimentation_curve(&mut rng, times),
    };
    let w = SynthWorkload {
        name,
        class,
        current_gpu: gpu.to_string(),
        interruptible,
        max_spot_share,
        min_gpu_memory_gb: min_mem,
    };
    (w, curve, extra)
}

/// demand.csv: sorted by hour, then workload name.
fn demand_text(
    workloads: &[SynthWorkload],
    curves: &[Vec<f64>],
    times: &[DateTime<Utc>],
) -> String {
    let nw = workloads.len();
    let hours = times.len();
    let mut order: Vec<usize> = (0..nw).collect();
    order.sort_by(|&a, &b| workloads[a].name.cmp(&workloads[b].name));
    let mut demand_csv = String::with_capacity(40 * nw * hours + 32);
    demand_csv.push_str("timestamp,workload,gpus\n");
    for (h, t) in times.iter().enumerate() {
        let stamp = t.format("%Y-%m-%dT%H:00:00Z").to_string();
        for &w in &order {
            let _ = writeln!(
                demand_csv,
                "{stamp},{},{:.3}",
                workloads[w].name, curves[w][h]
            );
        }
    }

    demand_csv
}

/// workloads.toml: defaults and one table per workload.
fn workloads_text(spec: &SynthSpec, workloads: &[SynthWorkload], extra_keys: &[String]) -> String {
    let nw = workloads.len();
    let mut wt = String::new();
    let _ = writeln!(
        wt,
        "# Generated by gpuplan::synth (seed {}): {} workloads. Synthetic, not measured.\n",
        spec.seed, nw
    );
    wt.push_str("[defaults]\nhome_cloud = \"aws\"\n");
    for (w, extra) in workloads.iter().zip(extra_keys) {
        let _ = writeln!(wt, "\n[workloads.{}]", w.name);
        let _ = writeln!(wt, "class = {}", toml_str(w.class.as_str()));
        let _ = writeln!(wt, "current_gpu = {}", toml_str(&w.current_gpu));
        let team = match w.class {
            WorkloadClass::Training => "research",
            WorkloadClass::Inference => "serving",
            WorkloadClass::Experimentation => "applied-ml",
        };
        let _ = writeln!(wt, "team = {}", toml_str(team));
        if w.interruptible {
            let _ = writeln!(wt, "interruptible = true");
            let _ = writeln!(wt, "max_spot_share = {:.2}", w.max_spot_share);
        }
        if w.min_gpu_memory_gb > 0.0 {
            let _ = writeln!(wt, "min_gpu_memory_gb = {:.1}", w.min_gpu_memory_gb);
        }
        wt.push_str(extra);
    }

    wt
}

/// scenario.toml: the files, the allowed instance types and the solver settings.
fn scenario_text(
    spec: &SynthSpec,
    nw: usize,
    hours: usize,
    instance_types: &[String],
    description: &str,
) -> String {
    let mut st = String::new();
    let _ = writeln!(
        st,
        "# Generated by gpuplan::synth: {} workloads x {} offerings x {} hours, seed {}.",
        nw,
        instance_types.len(),
        hours,
        spec.seed
    );
    let _ = writeln!(
        st,
        "name = {}",
        toml_str(&format!(
            "synth-w{}-o{}-h{}-s{}",
            nw,
            instance_types.len(),
            hours,
            spec.seed
        ))
    );
    let _ = writeln!(st, "description = {}", toml_str(description));
    st.push_str("demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n");
    st.push_str("\n[instruments]\ninstance_types = [\n");
    for it in instance_types {
        let _ = writeln!(st, "  {},", toml_str(it));
    }
    st.push_str("]\n");
    let _ = writeln!(
        st,
        "\n[solver]\ntime_limit_seconds = {TIME_LIMIT_SECONDS:.1}\nmip_gap = 0.0001\nthreads = 1"
    );

    st
}

/// Generates a scenario and writes `demand.csv`, `workloads.toml` and `scenario.toml` into
/// `dir` (created if missing). Returns the path of `scenario.toml`.
pub fn write(spec: &SynthSpec, dir: &Path) -> Result<PathBuf, Error> {
    write_scenario(generate(spec), dir)
}

/// Writes a generated scenario's three files into `dir` atomically (created if missing).
/// Returns the path of `scenario.toml`.
pub fn write_scenario(s: SynthScenario, dir: &Path) -> Result<PathBuf, Error> {
    crate::output::write::write_files_atomic(
        dir,
        &[
            ("demand.csv", s.demand_csv),
            ("workloads.toml", s.workloads_toml),
            ("scenario.toml", s.scenario_toml),
        ],
    )?;
    Ok(dir.join("scenario.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DemandHistory;
    use crate::ingest::inputs::{compatible, Inputs};

    fn curves(s: &SynthScenario) -> DemandHistory {
        crate::ingest::demand::parse_demand(Path::new("demand.csv"), s.demand_csv.as_bytes())
            .expect("generated demand parses")
    }

    fn busy(c: &[f64]) -> f64 {
        c.iter().filter(|&&g| g > 0.0).count() as f64 / c.len() as f64
    }

    #[test]
    fn same_seed_gives_identical_texts() {
        let spec = SynthSpec::new(12, 9, 200, 42);
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a.demand_csv, b.demand_csv);
        assert_eq!(a.workloads_toml, b.workloads_toml);
        assert_eq!(a.scenario_toml, b.scenario_toml);
    }

    #[test]
    fn different_seed_gives_different_texts() {
        let a = generate(&SynthSpec::new(12, 9, 200, 1));
        let b = generate(&SynthSpec::new(12, 9, 200, 2));
        assert_ne!(a.demand_csv, b.demand_csv);
        assert_ne!(a.workloads_toml, b.workloads_toml);
    }

    #[test]
    fn written_scenario_loads_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SynthSpec::new(20, 10, 336, 7);
        let path = write(&spec, dir.path()).unwrap();
        assert_eq!(path, dir.path().join("scenario.toml"));
        let inputs = Inputs::load(&path, None).unwrap();
        assert!(inputs.warnings.is_empty(), "{:?}", inputs.warnings);
        assert_eq!(inputs.workloads.len(), 20);
        assert_eq!(inputs.window.hours(), 336);
        assert_eq!(inputs.window.start, default_start());
        let types = inputs.scenario.instruments.instance_types.clone().unwrap();
        assert_eq!(types.len(), 10);
        assert_eq!(inputs.scenario.solver.threads, 1);
        assert_eq!(inputs.scenario.solver.mip_gap, 1e-4);
        for w in &inputs.workloads {
            assert!(!w.class_inferred);
            assert!(inputs.catalog.offerings.iter().any(|o| compatible(
                w,
                o,
                &inputs.catalog,
                &inputs.scenario
            )));
        }
        // Offerings are spread over the three clouds.
        for c in Cloud::ALL {
            assert!(
                inputs
                    .catalog
                    .offerings
                    .iter()
                    .any(|o| o.cloud == c && types.contains(&o.instance_type)),
                "no {c} offering in {types:?}"
            );
        }
    }

    #[test]
    fn every_workload_keeps_a_compatible_offering_with_few_offerings() {
        let catalog = crate::ingest::catalog::load_catalog(None).unwrap();
        for (m, seed) in [(1, 3), (2, 4), (3, 5), (5, 6)] {
            let s = generate_with(&SynthSpec::new(30, m, 48, seed), &catalog);
            assert_eq!(s.instance_types.len(), m);
            for w in &s.workloads {
                assert!(
                    catalog
                        .offerings
                        .iter()
                        .any(|o| s.instance_types.contains(&o.instance_type)
                            && catalog.gpu(&o.gpu_model).unwrap().memory_gb >= w.min_gpu_memory_gb),
                    "{} has no offering among {:?}",
                    w.name,
                    s.instance_types
                );
            }
        }
        // More than the catalog has: all of it.
        let s = generate_with(&SynthSpec::new(3, 10_000, 24, 1), &catalog);
        assert_eq!(s.instance_types.len(), catalog.offerings.len());
    }

    #[test]
    fn class_mix_and_attributes() {
        let s = generate(&SynthSpec::new(50, 12, 24, 9));
        let count = |c| s.workloads.iter().filter(|w| w.class == c).count();
        assert_eq!(count(WorkloadClass::Training), 20);
        assert_eq!(count(WorkloadClass::Inference), 20);
        assert_eq!(count(WorkloadClass::Experimentation), 10);
        let catalog = crate::ingest::catalog::load_catalog(None).unwrap();
        for w in &s.workloads {
            assert!(CURRENT_GPUS.contains(&w.current_gpu.as_str()));
            let mem = catalog.gpu(&w.current_gpu).unwrap().memory_gb;
            assert!(w.min_gpu_memory_gb <= mem);
            if w.interruptible {
                assert!(
                    (0.3..=1.0).contains(&w.max_spot_share),
                    "{}",
                    w.max_spot_share
                );
            } else {
                assert_eq!(w.max_spot_share, 0.0);
            }
        }
        assert!(s.workloads.iter().any(|w| w.interruptible));
        assert!(s.workloads.iter().any(|w| w.min_gpu_memory_gb > 0.0));
        assert!(s.workloads_toml.contains("home_cloud = \"aws\""));
    }

    #[test]
    fn demand_grid_is_dense_and_rounded() {
        let spec = SynthSpec::new(7, 8, 30, 5);
        let s = generate(&spec);
        let lines: Vec<&str> = s.demand_csv.lines().collect();
        assert_eq!(lines[0], "timestamp,workload,gpus");
        assert_eq!(lines.len(), 1 + 7 * 30);
        assert!(lines[1].starts_with("2026-01-05T00:00:00Z,"));
        for l in &lines[1..] {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 3);
            assert!(f[0].ends_with(":00:00Z") && f[0].len() == 20, "{l}");
            let (_, dec) = f[2].split_once('.').unwrap();
            assert_eq!(dec.len(), 3, "{l}");
            assert!(f[2].parse::<f64>().unwrap() >= 0.0);
        }
    }

    #[test]
    fn shapes_by_class() {
        // Checked for seeds 1..=200 when written; a few here keep the test fast.
        for seed in 1..=5 {
            let s = generate(&SynthSpec::new(40, 8, 720, seed));
            let d = curves(&s);
            for w in &s.workloads {
                let c = &d.gpus[d.index_of(&w.name).unwrap()];
                let max = c.iter().cloned().fold(0.0, f64::max);
                match w.class {
                    WorkloadClass::Inference => {
                        assert!(busy(c) > 0.9, "{} busy {}", w.name, busy(c));
                        assert_eq!(
                            WorkloadClass::infer(c),
                            WorkloadClass::Inference,
                            "{} (seed {seed})",
                            w.name
                        );
                        // Weekend dip: weekday mean above weekend mean.
                        let mean = |we: bool| {
                            let v: Vec<f64> = c
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| ((i / 24) % 7 >= 5) == we)
                                .map(|(_, &g)| g)
                                .collect();
                            v.iter().sum::<f64>() / v.len() as f64
                        };
                        assert!(mean(false) > mean(true), "{}", w.name);
                    }
                    WorkloadClass::Experimentation => {
                        assert!(busy(c) < 0.5, "{} busy {}", w.name, busy(c));
                        assert!(busy(c) > 0.0, "{}", w.name);
                        assert!(max <= 8.0 * 6.0 + 1e-9);
                        // Sessions start 09:00-17:00 and last at most 3 h: nothing before 09:00.
                        for (i, &g) in c.iter().enumerate() {
                            if i % 24 < 9 {
                                assert_eq!(g, 0.0, "{} at hour {i}", w.name);
                            }
                        }
                    }
                    WorkloadClass::Training => {
                        assert!(busy(c) < 1.0, "{} has no idle gap", w.name);
                        assert!(
                            (8.0 - 1e-9..=64.0 + 1e-9).contains(&max),
                            "{} max {max}",
                            w.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn start_is_truncated_to_the_hour_and_respected() {
        let mut spec = SynthSpec::new(5, 8, 10, 3);
        spec.start = Utc.with_ymd_and_hms(2026, 3, 1, 6, 30, 15).unwrap();
        let s = generate(&spec);
        let first = s.demand_csv.lines().nth(1).unwrap();
        assert!(first.starts_with("2026-03-01T06:00:00Z,"), "{first}");
    }
}
