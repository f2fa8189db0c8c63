//! Time aggregation: hours that look alike across workloads are grouped into buckets whose
//! weight is the number of hours they stand for (`docs/model.md` "Time aggregation"). The second
//! stage of the model does not care about the order of hours, only about which hours look
//! alike; the plan found on buckets is always re-priced hour by hour.
//!
//! - Identical hours are merged first (exact): with at least as many buckets as distinct
//!   hours, aggregation gives exactly the full-resolution problem.
//! - Each workload's peak hour and the fleet's peak hour are kept as buckets of their own.
//! - The other hours are clustered with k-means (deterministic farthest-point start, Lloyd
//!   iterations) on the per-workload demand vector, each workload's dimension weighted by the
//!   on-demand price of one of its GPUs, so that distance is in dollars.
//! - Hours with a different set of owned commitments active are never grouped together.

use super::problem::DemandSet;
use crate::domain::current_offering;
use crate::ingest::inputs::Inputs;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Groups of hour indices (into `hours`), one per bucket.
pub type Groups = Vec<Vec<usize>>;

/// Clusters hours into at most `k` buckets (more only when forced peaks and owned-commitment
/// segments need it). `gpus[w][i]` is the demand of workload `w` in hour `i`; `scale[w]`
/// weights each workload; `segment[i]` labels hours that may share a bucket.
pub fn cluster_hours(gpus: &[Vec<f64>], scale: &[f64], segment: &[u64], k: usize) -> Groups {
    let n = segment.len();
    if n == 0 {
        return Vec::new();
    }
    let w = gpus.len();
    let point = |i: usize| -> Vec<f64> { (0..w).map(|j| gpus[j][i] * scale[j]).collect() };
    // Exact merge of identical hours (same demand vector and segment).
    let mut distinct: BTreeMap<(u64, Vec<u64>), Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let key: Vec<u64> = (0..w).map(|j| gpus[j][i].to_bits()).collect();
        distinct.entry((segment[i], key)).or_default().push(i);
    }
    let mut exact: Groups = distinct.into_values().collect();
    exact.sort();
    if exact.len() <= k.max(1) {
        return exact;
    }
    // Forced peaks: the fleet's peak (cost-weighted) and the workloads' peak hours, largest
    // (in dollars) first, at most a quarter of the bucket budget: with many workloads,
    // forcing every peak would leave no buckets for the rest of the year.
    let total = |i: usize| -> f64 { (0..w).map(|j| gpus[j][i] * scale[j]).sum() };
    let mut forced: Vec<usize> = Vec::new();
    if let Some(i) = (0..n).max_by(|&a, &b| total(a).total_cmp(&total(b)).then(b.cmp(&a))) {
        forced.push(i);
    }
    let mut peaks: Vec<(f64, usize)> = gpus
        .iter()
        .zip(scale)
        .filter_map(|(row, s)| {
            (0..n)
                .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
                .filter(|&i| row[i] > 0.0)
                .map(|i| (row[i] * s, i))
        })
        .collect();
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let cap = (k / 4).max(1);
    for (_, i) in peaks {
        if forced.len() >= cap {
            break;
        }
        if !forced.contains(&i) {
            forced.push(i);
        }
    }
    forced.sort_unstable();
    forced.dedup();
    let mut groups: Groups = forced.iter().map(|&i| vec![i]).collect();
    // The remaining hours, by segment; buckets shared out by segment size.
    let mut by_seg: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, &seg) in segment.iter().enumerate() {
        if forced.binary_search(&i).is_err() {
            by_seg.entry(seg).or_default().push(i);
        }
    }
    let rest = n - forced.len();
    let budget = k.saturating_sub(forced.len()).max(by_seg.len());
    for (_, hours) in by_seg {
        let kk = ((budget as f64 * hours.len() as f64 / rest.max(1) as f64).round() as usize)
            .clamp(1, hours.len());
        let pts: Vec<Vec<f64>> = hours.iter().map(|&i| point(i)).collect();
        for g in kmeans(&pts, kk) {
            groups.push(g.into_iter().map(|p| hours[p]).collect());
        }
    }
    for g in groups.iter_mut() {
        g.sort_unstable();
    }
    groups.sort();
    groups
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Deterministic k-means: farthest-point initialisation from the point nearest the mean,
/// then Lloyd iterations until assignments stop changing (at most 100). Returns the groups
/// (indices into `pts`), none empty.
pub fn kmeans(pts: &[Vec<f64>], k: usize) -> Groups {
    let n = pts.len();
    if n == 0 {
        return Vec::new();
    }
    let k = k.clamp(1, n);
    let dim = pts[0].len();
    let mut mean = vec![0.0; dim];
    for p in pts {
        for (m, x) in mean.iter_mut().zip(p) {
            *m += x / n as f64;
        }
    }
    let first = (0..n)
        .min_by(|&a, &b| dist2(&pts[a], &mean).total_cmp(&dist2(&pts[b], &mean)))
        .unwrap_or(0);
    let mut centers: Vec<Vec<f64>> = vec![pts[first].clone()];
    let mut near: Vec<f64> = pts.iter().map(|p| dist2(p, &centers[0])).collect();
    while centers.len() < k {
        let (far, d) =
            near.iter().enumerate().fold(
                (0, -1.0),
                |acc, (i, &d)| if d > acc.1 { (i, d) } else { acc },
            );
        if d <= 0.0 {
            break; // fewer distinct points than k
        }
        centers.push(pts[far].clone());
        let c = centers.len() - 1;
        for (i, p) in pts.iter().enumerate() {
            near[i] = near[i].min(dist2(p, &centers[c]));
        }
    }
    let mut assign = vec![usize::MAX; n];
    for _ in 0..100 {
        let mut changed = false;
        for (i, p) in pts.iter().enumerate() {
            let best = (0..centers.len())
                .min_by(|&a, &b| {
                    dist2(p, &centers[a])
                        .total_cmp(&dist2(p, &centers[b]))
                        .then(a.cmp(&b))
                })
                .unwrap_or(0);
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        let mut sums = vec![vec![0.0; dim]; centers.len()];
        let mut counts = vec![0usize; centers.len()];
        for (i, p) in pts.iter().enumerate() {
            counts[assign[i]] += 1;
            for (s, x) in sums[assign[i]].iter_mut().zip(p) {
                *s += x;
            }
        }
        for c in 0..centers.len() {
            if counts[c] > 0 {
                centers[c] = sums[c].iter().map(|s| s / counts[c] as f64).collect();
            }
        }
    }
    let mut groups: Groups = vec![Vec::new(); centers.len()];
    for (i, &a) in assign.iter().enumerate() {
        groups[a].push(i);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// Builds the bucketed demand set from groups of hours: each bucket's demand is the mean of
/// its hours (so GPU-hours are preserved) and its weight the number of hours.
pub fn bucketed(full: &DemandSet, groups: &Groups) -> DemandSet {
    let hours: Vec<Vec<DateTime<Utc>>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .flat_map(|&i| full.hours[i].iter().copied())
                .collect()
        })
        .collect();
    let weights: Vec<f64> = groups
        .iter()
        .map(|g| g.iter().map(|&i| full.weights[i]).sum())
        .collect();
    let gpus = full
        .gpus
        .iter()
        .map(|s| {
            s.iter()
                .map(|row| {
                    groups
                        .iter()
                        .zip(&weights)
                        .map(|(g, &wt)| {
                            g.iter().map(|&i| row[i] * full.weights[i]).sum::<f64>() / wt
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    DemandSet {
        weights,
        hours,
        probs: full.probs.clone(),
        gpus,
    }
}

/// The full-resolution demand grouped into at most `k` buckets (see `model::aggregate`).
pub fn aggregate(inputs: &Inputs, full: &DemandSet, k: usize) -> DemandSet {
    let cat = &inputs.catalog;
    // Distance in dollars: each workload weighted by the on-demand price of one GPU of its
    // current offering.
    let scale: Vec<f64> = inputs
        .workloads
        .iter()
        .map(|w| current_offering(cat, w).map_or(1.0, |o| o.on_demand_per_gpu()))
        .collect();
    let segment = owned_segments(inputs, &full.hours);
    // Hours are clustered on the probability-weighted mean demand across scenarios.
    let mean: Vec<Vec<f64>> = (0..full.gpus[0].len())
        .map(|w| {
            (0..full.weights.len())
                .map(|h| {
                    full.gpus
                        .iter()
                        .zip(&full.probs)
                        .map(|(s, p)| s[w][h] * p)
                        .sum()
                })
                .collect()
        })
        .collect();
    let groups = cluster_hours(&mean, &scale, &segment, k);
    bucketed(full, &groups)
}

/// Labels hours by the set of owned commitments active in them: hours with different labels
/// never share a bucket.
pub fn owned_segments(inputs: &Inputs, hours: &[Vec<DateTime<Utc>>]) -> Vec<u64> {
    let mut labels: BTreeMap<Vec<usize>, u64> = Default::default();
    hours
        .iter()
        .map(|hs| {
            let t = hs[0];
            let active: Vec<usize> = inputs
                .owned
                .iter()
                .enumerate()
                .filter(|(_, c)| t >= c.start && t < c.end)
                .map(|(i, _)| i)
                .collect();
            let next = labels.len() as u64;
            *labels.entry(active).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_hours_merge_exactly() {
        // Hours 0 and 2 are identical, 1 and 3 too: two groups when k ≥ 2.
        let g = vec![vec![1.0, 2.0, 1.0, 2.0], vec![0.0, 5.0, 0.0, 5.0]];
        let groups = cluster_hours(&g, &[1.0, 1.0], &[0, 0, 0, 0], 2);
        assert_eq!(groups, vec![vec![0, 2], vec![1, 3]]);
    }

    #[test]
    fn segments_are_never_mixed_and_peaks_stand_alone() {
        let g = vec![(0..20)
            .map(|i| if i == 7 { 50.0 } else { (i % 3) as f64 })
            .collect::<Vec<_>>()];
        let seg: Vec<u64> = (0..20).map(|i| u64::from(i >= 10)).collect();
        let groups = cluster_hours(&g, &[1.0], &seg, 4);
        assert!(groups.contains(&vec![7]), "{groups:?}");
        for grp in &groups {
            assert!(grp.iter().all(|&i| seg[i] == seg[grp[0]]), "{groups:?}");
        }
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn kmeans_separates_two_clear_clusters() {
        let pts: Vec<Vec<f64>> = [0.0, 0.1, 0.2, 10.0, 10.1, 10.2]
            .iter()
            .map(|&x| vec![x])
            .collect();
        let mut g = kmeans(&pts, 2);
        g.sort();
        assert_eq!(g, vec![vec![0, 1, 2], vec![3, 4, 5]]);
    }
}
