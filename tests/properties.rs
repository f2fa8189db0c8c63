//! Properties on random tiny instances, solved exactly:
//! - the evaluator (no solver) re-prices the plan at exactly the MIP objective;
//! - a brute-force search over every tier choice and commitment level finds no cheaper
//!   plan than `plan` (unit levels enumerated fully; spend levels on a grid, so the
//!   comparison is one-sided when spend offers exist and two-sided otherwise);
//! - more demand never costs less; a cheaper on-demand price never raises the cost;
//! - the same inputs give the same plan.

mod common;
use common::*;
use gpuplan::domain::CommitmentKind;
use gpuplan::plan::{evaluate, Plan, Purchase};
use gpuplan::solve::SolveStatus;

struct Rng(gpuplan::domain::rng::SplitMix64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

const GPUS: &[Gpu] = &[
    Gpu("G16", 16.0, 1.0, 1.0),
    Gpu("G80", 80.0, 1.0, 1.5),
    Gpu("G2X", 80.0, 2.0, 2.0),
];
const TYPES: &[(&str, &str, u32)] = &[
    ("tst1.xlarge", "G16", 1),
    ("tst2.xlarge", "G80", 1),
    ("tst3.2xlarge", "G2X", 2),
];

struct Instance {
    offerings: Vec<Off>,
    offers: Vec<Offer>,
    workloads: Vec<(&'static str, &'static str)>,
    demand: Vec<(&'static str, Vec<f64>)>,
}

fn instance(seed: u64) -> Instance {
    let mut r = Rng(gpuplan::domain::rng::SplitMix64::new(seed));
    let n_off = 2 + r.pick(2);
    let mut offerings = Vec::new();
    let mut offers = Vec::new();
    let mut spend_rows = Vec::new();
    for &(it, gpu, n) in TYPES.iter().take(n_off) {
        let od = (r.range(1.0, 10.0) * f64::from(n) * 100.0).round() / 100.0;
        let spot = r
            .chance(0.6)
            .then(|| (od * r.range(0.3, 0.8) * 100.0).round() / 100.0);
        offerings.push(Off(it, gpu, n, od, spot, (r.range(0.0, 20.0)).round()));
        if r.chance(0.6) {
            offers.push(Offer(
                leak(format!("ri-{it}")),
                "unit",
                "instance_type",
                it,
                r.range(20.0, 60.0).round(),
            ));
        }
        if r.chance(0.5) {
            let fam = it.split('.').next().unwrap_or(it);
            spend_rows.push(Offer(
                "sp",
                "spend",
                "family",
                fam,
                r.range(10.0, 50.0).round(),
            ));
        }
    }
    offers.extend(spend_rows);
    let n_w = 1 + r.pick(3);
    let hours = 4 + r.pick(5);
    let mut workloads = Vec::new();
    let mut demand = Vec::new();
    for i in 0..n_w {
        let name = leak(format!("w{i}"));
        let class = ["training", "inference", "experimentation"][r.pick(3)];
        let gpu = TYPES[r.pick(n_off)].1;
        let mut body =
            format!("class = \"{class}\"\ncurrent_gpu = \"{gpu}\"\nhome_cloud = \"aws\"\n");
        if r.chance(0.5) {
            body += &format!(
                "interruptible = true\nmax_spot_share = {:.2}\n",
                r.range(0.2, 1.0)
            );
        }
        if r.chance(0.3) {
            body += &format!(
                "storage_per_gpu_hour = {:.3}\noverhead_pct = {:.1}\n",
                r.range(0.0, 0.5),
                r.range(0.0, 10.0)
            );
        }
        workloads.push((name, leak(body)));
        let base = r.range(0.0, 3.0);
        demand.push((
            name,
            (0..hours)
                .map(|_| {
                    if r.chance(0.2) {
                        0.0
                    } else {
                        ((base + r.range(-1.0, 1.0)).clamp(0.0, 3.0) * 1000.0).round() / 1000.0
                    }
                })
                .collect(),
        ));
    }
    Instance {
        offerings,
        offers,
        workloads,
        demand,
    }
}

fn case(i: &Instance) -> Case<'_> {
    Case {
        gpus: GPUS,
        offerings: &i.offerings,
        offers: &i.offers,
        workloads: &i.workloads,
        demand: &i.demand,
        owned: None,
        extra: "",
    }
}

/// The cheapest plan by exhaustive search: every tier choice, unit levels 0..=4 per unit
/// offer, spend levels on a grid of 12 steps up to the largest useful commitment.
fn brute_force(inp: &gpuplan::ingest::inputs::Inputs, template: &Plan) -> f64 {
    let cat = &inp.catalog;
    let wd = inp.window_demand();
    let options: Vec<Vec<usize>> = inp
        .workloads
        .iter()
        .map(|w| {
            (0..cat.offerings.len())
                .filter(|&o| {
                    gpuplan::ingest::inputs::compatible(w, &cat.offerings[o], cat, &inp.scenario)
                })
                .collect()
        })
        .collect();
    let offers: Vec<&gpuplan::domain::CommitmentOffer> = cat
        .offers
        .iter()
        .filter(|k| {
            cat.offerings.iter().any(|o| {
                k.matches(o)
                    && inp
                        .scenario
                        .instruments
                        .instance_types
                        .as_ref()
                        .is_none_or(|t| t.contains(&o.instance_type))
            })
        })
        .collect();
    let max_spend: f64 = 3.0 * 2.0 * 30.0 * inp.workloads.len() as f64;
    let levels: Vec<Vec<f64>> = offers
        .iter()
        .map(|k| match k.kind {
            CommitmentKind::Unit => (0..=4).map(f64::from).collect(),
            CommitmentKind::Spend => (0..=12)
                .map(|s| max_spend * f64::from(s) / 12.0 / 4.0)
                .collect(),
        })
        .collect();
    let mut best = f64::INFINITY;
    let n_tiers: usize = options.iter().map(Vec::len).product();
    let n_levels: usize = levels.iter().map(Vec::len).product();
    for t in 0..n_tiers {
        let mut plan = template.clone();
        let mut rest = t;
        for (wi, opts) in options.iter().enumerate() {
            let o = &cat.offerings[opts[rest % opts.len()]];
            rest /= opts.len();
            let pl = &mut plan.placements[wi];
            pl.instance_type = o.instance_type.clone();
            pl.adders_per_gpu_hour = gpuplan::domain::adders_per_gpu_hour(&inp.workloads[wi], o);
        }
        for l in 0..n_levels {
            let mut rest = l;
            plan.purchases = Vec::new();
            for (k, lv) in offers.iter().zip(&levels) {
                let amount = lv[rest % lv.len()];
                rest /= lv.len();
                if amount > 0.0 {
                    plan.purchases.push(Purchase {
                        offer_id: k.id.clone(),
                        kind: k.kind,
                        amount,
                    });
                }
            }
            let ev = evaluate(&plan, cat, &wd, Some(&inp.keep)).expect("evaluate");
            best = best.min(ev.total);
        }
    }
    best
}

#[test]
fn evaluator_matches_the_mip_and_brute_force_finds_nothing_cheaper() {
    for seed in 0..24u64 {
        let inst = instance(seed);
        let (inp, run) = plan(&case(&inst));
        assert_eq!(run.outcome.status, SolveStatus::Optimal, "seed {seed}");
        let obj = run.outcome.objective.expect("objective");
        let cost = evaluated(&run);
        assert!(
            (obj - cost).abs() <= 1e-6 * obj.abs().max(1.0),
            "seed {seed}: MIP objective {obj} vs evaluated {cost}"
        );
        let plan = run.plan.as_ref().expect("plan");
        let brute = brute_force(&inp, plan);
        assert!(
            cost <= brute + 1e-6 * brute.max(1.0),
            "seed {seed}: brute force found {brute} < plan {cost}"
        );
        let has_spend = inst.offers.iter().any(|o| o.1 == "spend");
        if !has_spend {
            assert!(
                (cost - brute).abs() <= 1e-6 * brute.max(1.0),
                "seed {seed}: without spend offers the search space is the same: {brute} vs {cost}"
            );
        }
    }
}

#[test]
fn more_demand_never_costs_less_and_cheaper_prices_never_cost_more() {
    for seed in 100..116u64 {
        let inst = instance(seed);
        let (_, base) = plan(&case(&inst));
        let base_cost = evaluated(&base);
        // Demand +25% in every hour.
        let mut more = instance(seed);
        for (_, v) in more.demand.iter_mut() {
            for g in v.iter_mut() {
                *g *= 1.25;
            }
        }
        let (_, run) = plan(&case(&more));
        assert!(
            evaluated(&run) >= base_cost - 1e-6 * base_cost.max(1.0),
            "seed {seed}: more demand cost {} < {base_cost}",
            evaluated(&run)
        );
        // First offering's on-demand price −20% (spot kept below it).
        let mut cheaper = instance(seed);
        let o = &mut cheaper.offerings[0];
        o.3 *= 0.8;
        if let Some(s) = o.4 {
            o.4 = Some(s.min(o.3 * 0.99));
        }
        let (_, run) = plan(&case(&cheaper));
        assert!(
            evaluated(&run) <= base_cost + 1e-6 * base_cost.max(1.0),
            "seed {seed}: cheaper price cost {} > {base_cost}",
            evaluated(&run)
        );
    }
}

#[test]
fn same_inputs_give_the_same_plan() {
    for seed in 200..206u64 {
        let inst = instance(seed);
        let (_, a) = plan(&case(&inst));
        let (_, b) = plan(&case(&inst));
        assert_eq!(a.plan, b.plan, "seed {seed}");
        assert_eq!(a.outcome.objective, b.outcome.objective, "seed {seed}");
    }
}
