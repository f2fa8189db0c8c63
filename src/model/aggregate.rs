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
        chains: Vec::new(),
    }
}

/// The full-resolution demand grouped into at most `k` buckets (see `model::aggregate`);
/// where deferrable workloads (`shiftable_hours`) may run, into consecutive segments on
/// chains ([`cluster_hours_with_chains`]).
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
    // Deferrable workloads keep chronology where their load may run.
    let deferrable: Vec<(&[f64], u32)> = inputs
        .workloads
        .iter()
        .zip(&mean)
        .filter(|(w, _)| w.shiftable_hours > 0)
        .map(|(w, row)| (row.as_slice(), w.shiftable_hours))
        .collect();
    let chains = deferrable_chains(&full.hours, &deferrable);
    let (groups, chain_buckets) = cluster_hours_with_chains(&mean, &scale, &segment, k, &chains);
    let mut ds = bucketed(full, &groups);
    ds.chains = chain_buckets;
    ds
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

/// Chains of hours that may carry deferrable load, in time order: with `rows` = (demand
/// per hour, hours of delay) of each deferrable workload, every hour with demand and the
/// following `H` hours (wall-clock, from `hours[i][0]`) are marked, and each maximal run of
/// marked hours that are one hour apart is a chain. Deferred load never crosses a gap
/// between chains (a masked hour, or hours no deferrable demand can reach).
pub fn deferrable_chains(hours: &[Vec<DateTime<Utc>>], rows: &[(&[f64], u32)]) -> Vec<Vec<usize>> {
    let n = hours.len();
    let next_is_adjacent =
        |i: usize| i + 1 < n && hours[i + 1][0] - hours[i][0] == chrono::Duration::hours(1);
    let mut marked = vec![false; n];
    for &(row, h) in rows {
        for i in 0..n {
            if row[i] <= 0.0 {
                continue;
            }
            marked[i] = true;
            let mut j = i;
            while next_is_adjacent(j) && (hours[j + 1][0] - hours[i][0]).num_hours() <= i64::from(h)
            {
                j += 1;
                marked[j] = true;
            }
        }
    }
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for i in (0..n).filter(|&i| marked[i]) {
        match chains.last_mut() {
            Some(c) if c.last().is_some_and(|&p| p + 1 == i && next_is_adjacent(p)) => c.push(i),
            _ => chains.push(vec![i]),
        }
    }
    chains
}

/// Clusters hours into at most about `k` buckets keeping chronology on `chains` (from
/// [`deferrable_chains`]): the hours of each chain are cut into consecutive segments, by
/// merging the two adjacent segments whose merge adds least to the within-segment sum of
/// squares (contiguity-constrained Ward, distance in the same dollars as [`cluster_hours`],
/// never across owned-commitment segments), and the other hours are clustered by
/// [`cluster_hours`]. The budget is shared by hour count (each chain at least one
/// segment). Returns the groups (sorted, as [`cluster_hours`]) and, per chain, the indices
/// of its groups in time order. Without chains this is exactly [`cluster_hours`].
pub fn cluster_hours_with_chains(
    gpus: &[Vec<f64>],
    scale: &[f64],
    segment: &[u64],
    k: usize,
    chains: &[Vec<usize>],
) -> (Groups, Vec<Vec<usize>>) {
    if chains.is_empty() {
        return (cluster_hours(gpus, scale, segment, k), Vec::new());
    }
    let n = segment.len();
    let in_chain: usize = chains.iter().map(Vec::len).sum();
    let k_chain = ((k as f64 * in_chain as f64 / n.max(1) as f64).round() as usize)
        .clamp(chains.len(), in_chain);
    let mut groups = contiguous_segments(gpus, scale, segment, chains, k_chain);
    let mut chained = vec![false; n];
    chains.iter().flatten().for_each(|&i| chained[i] = true);
    let rest: Vec<usize> = (0..n).filter(|&i| !chained[i]).collect();
    if !rest.is_empty() {
        let sub = |row: &Vec<f64>| rest.iter().map(|&i| row[i]).collect::<Vec<f64>>();
        let sub_gpus: Vec<Vec<f64>> = gpus.iter().map(sub).collect();
        let sub_seg: Vec<u64> = rest.iter().map(|&i| segment[i]).collect();
        let k_rest = k.saturating_sub(k_chain).max(1);
        for g in cluster_hours(&sub_gpus, scale, &sub_seg, k_rest) {
            groups.push(g.into_iter().map(|p| rest[p]).collect());
        }
    }
    groups.sort();
    let mut bucket_of = vec![usize::MAX; n];
    for (b, g) in groups.iter().enumerate() {
        g.iter().for_each(|&i| bucket_of[i] = b);
    }
    let chain_buckets = chains
        .iter()
        .map(|c| {
            let mut bs: Vec<usize> = c.iter().map(|&i| bucket_of[i]).collect();
            bs.dedup();
            bs
        })
        .collect();
    (groups, chain_buckets)
}

/// One segment of a chain being merged: its hours `[first, last]` (indices), size and
/// coordinate sums.
struct Seg {
    first: usize,
    last: usize,
    n: f64,
    sum: Vec<f64>,
    prev: Option<usize>,
    next: Option<usize>,
    alive: bool,
    version: u32,
}

/// Ward cost of merging two segments: n_a·n_b/(n_a+n_b)·|mean_a − mean_b|².
fn ward(a: &Seg, b: &Seg) -> f64 {
    let f = a.n * b.n / (a.n + b.n);
    f * a
        .sum
        .iter()
        .zip(&b.sum)
        .map(|(x, y)| (x / a.n - y / b.n).powi(2))
        .sum::<f64>()
}

/// The hours of `chains` cut into `target` consecutive segments (at least one per chain;
/// more when owned-commitment segments force cuts), cheapest Ward merge first.
fn contiguous_segments(
    gpus: &[Vec<f64>],
    scale: &[f64],
    segment: &[u64],
    chains: &[Vec<usize>],
    target: usize,
) -> Groups {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let point = |i: usize| -> Vec<f64> { gpus.iter().zip(scale).map(|(r, s)| r[i] * s).collect() };
    let mut segs: Vec<Seg> = Vec::new();
    for c in chains {
        for (p, &i) in c.iter().enumerate() {
            let id = segs.len();
            segs.push(Seg {
                first: i,
                last: i,
                n: 1.0,
                sum: point(i),
                prev: (p > 0).then(|| id - 1),
                next: (p + 1 < c.len()).then_some(id + 1),
                alive: true,
                version: 0,
            });
        }
    }
    // Candidate merges of a segment with its next: (cost, left segment, versions).
    let mut heap: BinaryHeap<Reverse<(u64, usize, u32, u32)>> = BinaryHeap::new();
    let push = |heap: &mut BinaryHeap<Reverse<(u64, usize, u32, u32)>>, segs: &[Seg], a: usize| {
        if let Some(b) = segs[a].next {
            if segment[segs[a].last] == segment[segs[b].first] {
                // Non-negative costs order like their bit patterns.
                let cost = ward(&segs[a], &segs[b]).max(0.0).to_bits();
                heap.push(Reverse((cost, a, segs[a].version, segs[b].version)));
            }
        }
    };
    for a in 0..segs.len() {
        push(&mut heap, &segs, a);
    }
    let mut alive = segs.len();
    while alive > target {
        let Some(Reverse((_, a, va, vb))) = heap.pop() else {
            break;
        };
        let Some(b) = segs[a].next else {
            continue;
        };
        if !segs[a].alive || segs[a].version != va || segs[b].version != vb {
            continue;
        }
        // Merge b into a.
        let (b_last, b_n, b_next) = (segs[b].last, segs[b].n, segs[b].next);
        let b_sum = std::mem::take(&mut segs[b].sum);
        segs[b].alive = false;
        let sa = &mut segs[a];
        sa.last = b_last;
        sa.n += b_n;
        sa.sum.iter_mut().zip(&b_sum).for_each(|(x, y)| *x += y);
        sa.next = b_next;
        sa.version += 1;
        if let Some(c) = b_next {
            segs[c].prev = Some(a);
        }
        alive -= 1;
        if let Some(p) = segs[a].prev {
            push(&mut heap, &segs, p);
        }
        push(&mut heap, &segs, a);
    }
    // Segments of a chain hold consecutive entries of the chain.
    let last_of: std::collections::HashMap<usize, usize> = segs
        .iter()
        .filter(|s| s.alive)
        .map(|s| (s.first, s.last))
        .collect();
    let mut groups = Vec::new();
    for c in chains {
        let mut i = 0;
        while i < c.len() {
            let last = last_of.get(&c[i]).copied().unwrap_or(c[i]);
            let mut g = Vec::new();
            while i < c.len() && c[i] <= last {
                g.push(c[i]);
                i += 1;
            }
            groups.push(g);
        }
    }
    groups
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

    fn hours(n: usize, gap_after: Option<usize>) -> Vec<Vec<DateTime<Utc>>> {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        (0..n)
            .map(|i| {
                let skip = gap_after.is_some_and(|g| i > g) as i64;
                vec![t0 + chrono::Duration::hours(i as i64 + skip)]
            })
            .collect()
    }

    #[test]
    fn chains_cover_demand_and_its_delay_and_stop_at_gaps() {
        // Demand at hours 1 and 6 with H = 2 marks 1-3 and 6-8; a gap after hour 7 cuts the
        // second run.
        let row = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0];
        let c = deferrable_chains(&hours(10, None), &[(&row, 2)]);
        assert_eq!(c, vec![vec![1, 2, 3], vec![6, 7, 8]]);
        let c = deferrable_chains(&hours(10, Some(7)), &[(&row, 2)]);
        assert_eq!(c, vec![vec![1, 2, 3], vec![6, 7]]);
        // Adjacent runs join.
        let row = [1.0, 0.0, 0.0, 1.0, 0.0];
        assert_eq!(
            deferrable_chains(&hours(5, None), &[(&row, 2)]),
            vec![vec![0, 1, 2, 3, 4]]
        );
    }

    #[test]
    fn chains_are_cut_into_consecutive_segments_where_demand_changes() {
        // One chain of 12 hours: 4 low, 4 high, 4 low; 3 segments for the chain find the
        // steps. Hours 12-15 are outside any chain and clustered as before.
        let mut row: Vec<f64> = [1.0; 4]
            .into_iter()
            .chain([9.0; 4])
            .chain([1.0; 4])
            .collect();
        row.extend([5.0, 5.0, 0.0, 0.0]);
        let chains = vec![(0..12).collect::<Vec<usize>>()];
        let (groups, cb) = cluster_hours_with_chains(&[row], &[1.0], &[0; 16], 4, &chains);
        let segs: Vec<&Vec<usize>> = cb[0].iter().map(|&b| &groups[b]).collect();
        assert_eq!(
            segs,
            vec![&vec![0, 1, 2, 3], &vec![4, 5, 6, 7], &vec![8, 9, 10, 11]]
        );
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..16).collect::<Vec<_>>());
        // A budget of at least the hours keeps every hour alone.
        let (groups, cb) = cluster_hours_with_chains(
            &[vec![1.0; 6]],
            &[1.0],
            &[0; 6],
            6,
            &[vec![0, 1, 2, 3, 4, 5]],
        );
        assert_eq!(groups.len(), 6);
        assert_eq!(cb[0], vec![0, 1, 2, 3, 4, 5]);
        // Owned-commitment segments are never merged across.
        let (groups, _) = cluster_hours_with_chains(
            &[vec![1.0; 6]],
            &[1.0],
            &[0, 0, 0, 1, 1, 1],
            1,
            &[vec![0, 1, 2, 3, 4, 5]],
        );
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3, 4, 5]]);
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
