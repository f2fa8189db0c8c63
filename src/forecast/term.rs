//! Long-horizon demand and price paths for term-aware planning (`docs/term.md`).
//!
//! The horizon after the as-of date is cut into **periods** (quarters by default: purchases
//! may be made at every period start) and each period into **slices** at every known date
//! (a workload's known end, start, migration or scale step; a price cut; an owned
//! commitment's start or end), so that within a slice every known fact is constant.
//!
//! Each demand scenario multiplies every workload's lookback profile by
//!
//! ```text
//! mult[s][w][slice] = level · growth · alive · known
//! level   = exp(Σ_{q ≤ period} σ_w·√weeks_q·z_{w,q} − σ_w²·weeks_q/2)   (a martingale: mean 1)
//!           z_{w,q} = √ρ·z_common + √(1−ρ)·z_own,  σ_w from the history's week-over-week changes
//! growth  = (1 + g_s)^(years to the slice's middle),   g_s ~ N(annual_pct, growth_sd_pct)
//! alive   = share of the slice before the workload's end (churn: its annual end
//!           probability, a constant hazard; or its known end)
//! known   = launch ramp × scale steps (known events)
//! ```
//!
//! and prices of each GPU model by `(1 − r_s)^(years) × Π known cuts`, r_s uniform in the
//! model's annual decline range.
//!
//! **Information.** Scenarios form a tree: the outcome of period q (its level shocks, which
//! workloads ended in it) is drawn per node of depth q + 1, and a purchase decided at the
//! start of period p may depend only on the node of depth p. The tree branches into
//! `⌈S^(1/R)⌉` children per level, so after `R = reveal_periods` periods every scenario is
//! its own node. Pure and deterministic for a seed.

use crate::domain::outlook::{add_months, Outlook};
use crate::domain::rng::SplitMix64;
use crate::domain::{DemandHistory, OwnedCommitment};
use crate::ingest::inputs::Inputs;
use chrono::{DateTime, Utc};

/// Hours in a (non-leap) year, for growth and price declines.
const HOURS_PER_YEAR: f64 = 8760.0;
/// Hours in a week, for the level random walk.
const HOURS_PER_WEEK: f64 = 168.0;

/// One slice of the horizon: a stretch of one period with every known fact constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slice {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Hours in it.
    pub hours: f64,
    /// The period it belongs to.
    pub period: usize,
}

/// The horizon after the as-of date: period boundaries and slices.
#[derive(Debug, Clone, PartialEq)]
pub struct TermHorizon {
    /// Purchases start at this date or later.
    pub as_of: DateTime<Utc>,
    /// Months per period.
    pub period_months: u32,
    /// Period boundaries: `as_of + k·period_months` calendar months, k = 0..=periods.
    pub boundaries: Vec<DateTime<Utc>>,
    /// The periods cut at known dates.
    pub slices: Vec<Slice>,
}

impl TermHorizon {
    /// The horizon of `periods` periods of `period_months` months from `as_of`, sliced at
    /// the dates in `cuts` that fall inside it.
    pub fn new(
        as_of: DateTime<Utc>,
        periods: usize,
        period_months: u32,
        cuts: &[DateTime<Utc>],
    ) -> Self {
        let boundaries: Vec<DateTime<Utc>> = (0..=periods)
            .map(|k| add_months(as_of, k as u32 * period_months))
            .collect();
        let mut slices = Vec::new();
        for p in 0..periods {
            let (a, b) = (boundaries[p], boundaries[p + 1]);
            let mut pts: Vec<DateTime<Utc>> =
                cuts.iter().copied().filter(|&t| t > a && t < b).collect();
            pts.push(a);
            pts.push(b);
            pts.sort();
            pts.dedup();
            for w in pts.windows(2) {
                slices.push(Slice {
                    start: w[0],
                    end: w[1],
                    hours: (w[1] - w[0]).num_seconds() as f64 / 3600.0,
                    period: p,
                });
            }
        }
        TermHorizon {
            as_of,
            period_months,
            boundaries,
            slices,
        }
    }

    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.boundaries.len().saturating_sub(1)
    }

    /// The end of the horizon.
    pub fn end(&self) -> DateTime<Utc> {
        self.boundaries.last().copied().unwrap_or(self.as_of)
    }

    /// Years from the as-of date to the middle of slice `k`.
    pub fn mid_years(&self, k: usize) -> f64 {
        let s = &self.slices[k];
        ((s.start - self.as_of).num_seconds() as f64 / 3600.0 + s.hours / 2.0) / HOURS_PER_YEAR
    }
}

/// The dates that cut periods into slices: every workload's known events, every price cut
/// and every owned commitment's start and end.
pub fn known_dates(
    outlook: &[Outlook],
    owned: &[OwnedCommitment],
    prices: &[crate::domain::outlook::PriceOutlook],
) -> Vec<DateTime<Utc>> {
    let mut v: Vec<DateTime<Utc>> = outlook.iter().flat_map(Outlook::event_dates).collect();
    for c in owned {
        v.push(c.start);
        v.push(c.end);
    }
    for p in prices {
        v.extend(p.cuts.iter().map(|c| c.0));
    }
    v.sort();
    v.dedup();
    v
}

/// The scenario tree: which decision node each scenario is in at each period start.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// `node[p][s]`: node of scenario s at the start of period p (0 for every scenario at
    /// p = 0); nodes are numbered 0.. within each period, scenarios of one node contiguous.
    pub node: Vec<Vec<usize>>,
}

impl Tree {
    /// A tree of `scenarios` leaves over `periods` periods, every scenario its own node
    /// after `reveal` periods.
    pub fn new(scenarios: usize, periods: usize, reveal: usize) -> Self {
        let s = scenarios.max(1);
        let r = reveal.max(1);
        let branch = ((s as f64).powf(1.0 / r as f64).ceil() as usize).max(2);
        let block = |p: usize| -> usize {
            if p >= r {
                1
            } else {
                branch.saturating_pow((r - p) as u32).max(1)
            }
        };
        let node = (0..=periods)
            .map(|p| (0..s).map(|i| i / block(p)).collect())
            .collect();
        Tree { node }
    }
    /// Number of nodes at the start of period `p`.
    pub fn nodes(&self, p: usize) -> usize {
        self.node[p].iter().max().map_or(0, |m| m + 1)
    }
}

/// Demand and price paths over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct TermPaths {
    /// The horizon.
    pub horizon: TermHorizon,
    /// The information tree.
    pub tree: Tree,
    /// Scenario probabilities (equal).
    pub probs: Vec<f64>,
    /// `mult[s][w][k]`: multiplier of workload w's lookback profile in slice k.
    pub mult: Vec<Vec<Vec<f64>>>,
    /// `migrated[w][k]`: 1 when workload w has moved to its migration's GPU in slice k.
    pub migrated: Vec<Vec<f64>>,
    /// `price[s][g][k]`: on-demand and spot price factor of GPU model g (catalog order) in
    /// slice k.
    pub price: Vec<Vec<Vec<f64>>>,
    /// Weekly log-level volatility used per workload.
    pub sigma: Vec<f64>,
    /// Annual end probability used per workload (0 when it has a known end and no churn).
    pub end_probability: Vec<f64>,
    /// Annual growth per scenario, as a fraction.
    pub growth: Vec<f64>,
}

/// Weekly log-level volatility of a curve: the robust standard deviation (1.4826 × MAD) of
/// the log changes between consecutive whole weeks' mean demand (kept hours only), capped at
/// `cap`; the cap itself when fewer than three changes can be measured.
pub fn weekly_sigma(curve: &[f64], keep: &[bool], cap: f64) -> f64 {
    let weeks = curve.len() / 168;
    let mut means = Vec::with_capacity(weeks);
    for w in 0..weeks {
        let (mut s, mut n) = (0.0, 0.0);
        for (t, g) in curve.iter().enumerate().skip(w * 168).take(168) {
            if keep.get(t).copied().unwrap_or(true) {
                s += g;
                n += 1.0;
            }
        }
        if n > 0.0 {
            means.push(s / n);
        }
    }
    let mut diffs: Vec<f64> = means
        .windows(2)
        .filter(|m| m[0] > 0.0 && m[1] > 0.0)
        .map(|m| (m[1] / m[0]).ln())
        .collect();
    if diffs.len() < 3 {
        return cap;
    }
    let med = crate::domain::stats::median(&mut diffs.clone()).unwrap_or(0.0);
    let mut dev: Vec<f64> = diffs.iter_mut().map(|d| (*d - med).abs()).collect();
    let mad = crate::domain::stats::median(&mut dev).unwrap_or(0.0);
    (1.4826 * mad).min(cap)
}

/// A standard normal draw (Box–Muller) from a generator.
fn normal(r: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - unit(r);
    let u2 = unit(r);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform draw in [0, 1).
fn unit(r: &mut SplitMix64) -> f64 {
    (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Stream labels of the draws.
const DRAW_LEVEL: u64 = 1;
const DRAW_CHURN: u64 = 2;
const DRAW_GROWTH: u64 = 3;
const DRAW_PRICE: u64 = 4;

/// The paths of a scenario's inputs (`inputs.window` is the lookback the planner sees)
/// over `horizon`.
pub fn term_paths(inputs: &Inputs, horizon: TermHorizon) -> TermPaths {
    let cfg = &inputs.scenario.term;
    let s_n = cfg.scenarios.max(1) as usize;
    let tree = Tree::new(s_n, horizon.periods(), cfg.reveal_periods as usize);
    let lookback: DemandHistory = inputs.window_demand();
    let nw = inputs.workloads.len();
    let sigma: Vec<f64> = lookback
        .gpus
        .iter()
        .map(|c| weekly_sigma(c, &inputs.keep, cfg.level_sigma_cap))
        .collect();
    let end_probability: Vec<f64> = inputs
        .workloads
        .iter()
        .enumerate()
        .map(|(w, wl)| {
            inputs
                .outlook
                .get(w)
                .and_then(|o| o.end_probability)
                .unwrap_or_else(|| cfg.churn.of(wl.class))
        })
        .collect();
    let growth: Vec<f64> = (0..s_n)
        .map(|s| {
            let node = tree.node.get(1).map_or(s, |n| n[s]);
            let mut r = SplitMix64::stream(cfg.seed, &[DRAW_GROWTH, node as u64]);
            (inputs.scenario.growth_annual_pct + cfg.growth_sd_pct * normal(&mut r)) / 100.0
        })
        .collect();
    let migrated: Vec<Vec<f64>> = (0..nw)
        .map(|w| {
            horizon
                .slices
                .iter()
                .map(|sl| {
                    inputs
                        .outlook
                        .get(w)
                        .map_or(0.0, |o| o.migrated(sl.start, sl.end))
                })
                .collect()
        })
        .collect();
    let mult: Vec<Vec<Vec<f64>>> = (0..s_n)
        .map(|s| {
            (0..nw)
                .map(|w| {
                    workload_path(
                        inputs,
                        &horizon,
                        &tree,
                        &sigma,
                        &end_probability,
                        growth[s],
                        s,
                        w,
                    )
                })
                .collect()
        })
        .collect();
    let price = price_paths(inputs, &horizon, &tree, s_n);
    TermPaths {
        probs: vec![1.0 / s_n as f64; s_n],
        horizon,
        tree,
        mult,
        migrated,
        price,
        sigma,
        end_probability,
        growth,
    }
}

/// The node of depth `p + 1` of scenario `s`: where the outcome of period `p` is drawn.
fn outcome_node(tree: &Tree, p: usize, s: usize) -> usize {
    tree.node.get(p + 1).map_or(s, |n| n[s])
}

/// One workload's multiplier per slice in scenario `s`.
#[allow(clippy::too_many_arguments)]
fn workload_path(
    inputs: &Inputs,
    horizon: &TermHorizon,
    tree: &Tree,
    sigma: &[f64],
    end_probability: &[f64],
    growth: f64,
    s: usize,
    w: usize,
) -> Vec<f64> {
    let cfg = &inputs.scenario.term;
    let rho = cfg.fleet_correlation;
    let sig = sigma[w];
    let outlook = inputs.outlook.get(w).cloned().unwrap_or_default();
    let periods = horizon.periods();
    // Per period: the log level reached at its end and the churn end (hours from the as-of
    // date), drawn at the period's outcome node.
    let mut log_level = vec![0.0; periods];
    let mut cum = 0.0;
    let mut end_at = f64::INFINITY;
    let hazard = -(1.0 - end_probability[w]).ln() / HOURS_PER_YEAR;
    for (p, level) in log_level.iter_mut().enumerate() {
        let node = outcome_node(tree, p, s) as u64;
        let depth = p as u64 + 1;
        let mut common = SplitMix64::stream(cfg.seed, &[DRAW_LEVEL, depth, node, u64::MAX]);
        let mut own = SplitMix64::stream(cfg.seed, &[DRAW_LEVEL, depth, node, w as u64]);
        let z = rho.sqrt() * normal(&mut common) + (1.0 - rho).sqrt() * normal(&mut own);
        let (a, b) = (horizon.boundaries[p], horizon.boundaries[p + 1]);
        let hours = (b - a).num_seconds() as f64 / 3600.0;
        let weeks = hours / HOURS_PER_WEEK;
        cum += sig * weeks.sqrt() * z - sig * sig * weeks / 2.0;
        *level = cum;
        if end_at.is_infinite() && hazard > 0.0 {
            let mut c = SplitMix64::stream(cfg.seed, &[DRAW_CHURN, depth, node, w as u64]);
            let u = unit(&mut c);
            let p_end = 1.0 - (-hazard * hours).exp();
            if u < p_end {
                // Where in the period it ends, given that it does (the exponential law
                // conditioned on the period).
                let t = -(1.0 - u).ln() / hazard;
                let start = (a - horizon.as_of).num_seconds() as f64 / 3600.0;
                end_at = start + t.min(hours);
            }
        }
    }
    if let Some(e) = possible_end(inputs, horizon, tree, &outlook, s, w) {
        end_at = end_at.min((e - horizon.as_of).num_seconds() as f64 / 3600.0);
    }
    horizon
        .slices
        .iter()
        .enumerate()
        .map(|(k, sl)| {
            let start = (sl.start - horizon.as_of).num_seconds() as f64 / 3600.0;
            let alive = ((end_at - start) / sl.hours).clamp(0.0, 1.0);
            let g = (1.0 + growth).max(0.0).powf(horizon.mid_years(k));
            log_level[sl.period].exp() * g * alive * outlook.known_factor(sl.start, sl.end)
        })
        .collect()
}

/// A possible known end (`ends` with `ends_probability` below 1) if it happens in scenario
/// `s`. The outcome is drawn per node of the depth at which it is revealed (the period after
/// the one containing it), stratified over the nodes so that the share of nodes where it
/// happens is as close to its probability as their number allows.
fn possible_end(
    inputs: &Inputs,
    horizon: &TermHorizon,
    tree: &Tree,
    outlook: &Outlook,
    s: usize,
    w: usize,
) -> Option<DateTime<Utc>> {
    let e = outlook.ends?;
    let p = outlook.ends_probability;
    if p >= 1.0 {
        return None;
    }
    let period = horizon
        .slices
        .iter()
        .find(|sl| sl.start <= e && e < sl.end)
        .map_or(0, |sl| sl.period);
    let depth = (period + 1).min(tree.node.len() - 1);
    let n = tree.nodes(depth).max(1);
    let mut r = SplitMix64::stream(inputs.scenario.term.seed, &[DRAW_CHURN, u64::MAX, w as u64]);
    let offset = unit(&mut r);
    let j = tree.node[depth][s];
    (((j as f64 + 0.5) / n as f64 + offset).fract() < p).then_some(e)
}

/// Price factors `[s][g][k]` per scenario, GPU model (catalog order) and slice.
fn price_paths(
    inputs: &Inputs,
    horizon: &TermHorizon,
    tree: &Tree,
    s_n: usize,
) -> Vec<Vec<Vec<f64>>> {
    let cfg = &inputs.scenario.term;
    (0..s_n)
        .map(|s| {
            let node = tree.node.get(1).map_or(s, |n| n[s]) as u64;
            inputs
                .catalog
                .gpus
                .iter()
                .enumerate()
                .map(|(g, gpu)| {
                    let Some(po) = inputs.scenario.prices.iter().find(|p| p.gpu == gpu.name) else {
                        return vec![1.0; horizon.slices.len()];
                    };
                    let mut r = SplitMix64::stream(cfg.seed, &[DRAW_PRICE, node, g as u64]);
                    let (lo, hi) = po.annual_decline_pct;
                    let rate = (lo + (hi - lo) * unit(&mut r)) / 100.0;
                    (0..horizon.slices.len())
                        .map(|k| {
                            let sl = &horizon.slices[k];
                            let cut: f64 = po
                                .cuts
                                .iter()
                                .filter(|c| c.0 <= sl.start)
                                .map(|c| 1.0 - c.1 / 100.0)
                                .product();
                            (1.0 - rate).powf(horizon.mid_years(k)) * cut
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_calendar_quarters_sliced_at_known_dates() {
        let as_of = Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap();
        let cut = Utc.with_ymd_and_hms(2026, 3, 15, 0, 0, 0).unwrap();
        let h = TermHorizon::new(as_of, 4, 3, &[cut]);
        assert_eq!(
            h.boundaries[1],
            Utc.with_ymd_and_hms(2026, 4, 30, 0, 0, 0).unwrap()
        );
        assert_eq!(h.end(), Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap());
        assert_eq!(h.slices.len(), 5);
        assert_eq!(h.slices[0].end, cut);
        assert_eq!(h.slices[1].period, 0);
        let total: f64 = h.slices.iter().map(|s| s.hours).sum();
        assert_eq!(total, 365.0 * 24.0);
    }

    #[test]
    fn the_tree_nests_and_splits_fully_after_the_reveal() {
        let t = Tree::new(20, 12, 3);
        assert_eq!(t.nodes(0), 1);
        assert_eq!(t.nodes(3), 20);
        for p in 1..12 {
            for a in 0..20 {
                for b in 0..20 {
                    // Scenarios that share a node later share it earlier.
                    if t.node[p + 1][a] == t.node[p + 1][b] {
                        assert_eq!(t.node[p][a], t.node[p][b]);
                    }
                }
            }
        }
        assert!(t.nodes(1) > 1 && t.nodes(1) < t.nodes(2));
    }

    #[test]
    fn weekly_sigma_is_zero_for_a_flat_curve_and_capped() {
        let flat = vec![4.0; 168 * 6];
        assert_eq!(weekly_sigma(&flat, &[], 0.03), 0.0);
        // Weekly levels 1, 2, 1.5, 3, 1, 2.5, 1.2: log changes ln 2, ln 0.75, ln 2, ln 1/3,
        // ln 2.5, ln 0.48; their median 0.20273, the median absolute deviation from it
        // (0.49078 + 0.71301) / 2 = 0.60199, so σ = 1.4826 × 0.60199 = 0.89251, capped.
        // (Levels alternating 1, 3, 1, … over six weeks have a MAD of 0: five changes
        // +a, −a, +a, −a, +a lie three at the median.)
        let levels = [1.0, 2.0, 1.5, 3.0, 1.0, 2.5, 1.2];
        let jumpy: Vec<f64> = (0..168 * 7).map(|t| levels[t / 168]).collect();
        assert_eq!(weekly_sigma(&jumpy, &[], 0.03), 0.03);
        assert!((weekly_sigma(&jumpy, &[], 10.0) - 0.89251).abs() < 1e-4);
        assert_eq!(weekly_sigma(&flat[..168 * 2], &[], 0.03), 0.03);
    }
}

/// One piece of load on the term horizon: a workload on a tier, before its migration (or
/// without one), or after it on the migration's GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct TermEntry {
    /// Index of the workload in the inputs.
    pub workload: usize,
    /// The offering it runs on (index into the catalog's offerings).
    pub offering: usize,
    /// Instances of the offering per GPU of the entry's demand.
    pub instances_per_gpu: f64,
    /// Share of its load that may run on spot.
    pub spot_share: f64,
    /// Storage and egress USD per GPU-hour of its demand there.
    pub adders_per_gpu_hour: f64,
    /// Overhead as a fraction of the on-demand compute cost.
    pub overhead_frac: f64,
    /// `Some(gpu_ratio)` for the load after the workload's migration (demand in GPUs of the
    /// new model = recorded GPUs × ratio); `None` for the load before it.
    pub after_migration: Option<f64>,
}

/// Demand over the term horizon: the paths, each workload's lookback profile on the
/// buckets, and the entries that carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct TermDemand {
    /// Demand and price paths.
    pub paths: TermPaths,
    /// Share of a slice's hours in each bucket (sums to 1).
    pub bucket_share: Vec<f64>,
    /// `shape[w][b]`: mean GPUs of workload w in bucket b of the lookback.
    pub shape: Vec<Vec<f64>>,
    /// The entries.
    pub entries: Vec<TermEntry>,
}

impl TermDemand {
    /// GPUs of entry `e` in slice `k`, bucket `b` of scenario `s`.
    pub fn gpus(&self, s: usize, e: usize, k: usize, b: usize) -> f64 {
        let en = &self.entries[e];
        let w = en.workload;
        let mig = self.paths.migrated[w][k];
        let f = match en.after_migration {
            None => 1.0 - mig,
            Some(ratio) => mig * ratio,
        };
        if f == 0.0 {
            return 0.0;
        }
        self.shape[w][b] * self.paths.mult[s][w][k] * f
    }
}
