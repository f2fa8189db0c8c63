//! Small robust statistics shared by the classifier, the forecaster and the inventory:
//! median, weighted median, empirical quantiles, autocorrelation, the normal distribution
//! function.

/// The median of `xs` (mean of the two middle values for an even count); `None` when empty.
/// Reorders `xs`.
pub fn median(xs: &mut [f64]) -> Option<f64> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let (_, &mut hi, _) = xs.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = xs[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Some(lo + (hi - lo) / 2.0)
}

/// The weighted median of `(value, weight)` pairs with positive weights: the smallest value
/// whose cumulative weight reaches half the total, or the mean of it and the next value when
/// the cumulative weight lands exactly on one half (so that equal weights give the ordinary
/// median). `None` when empty or the total weight is not positive. Reorders `pairs`.
pub fn weighted_median(pairs: &mut [(f64, f64)]) -> Option<f64> {
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    if pairs.is_empty() || total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let half = total / 2.0;
    let mut cum = 0.0;
    for i in 0..pairs.len() {
        cum += pairs[i].1;
        if (cum - half).abs() <= 1e-12 * total && i + 1 < pairs.len() {
            let (a, b) = (pairs[i].0, pairs[i + 1].0);
            return Some(a + (b - a) / 2.0);
        }
        if cum >= half {
            return Some(pairs[i].0);
        }
    }
    pairs.last().map(|p| p.0)
}

/// The empirical `p`-quantile of sorted values by linear interpolation between order
/// statistics (Hyndman–Fan type 7, the default of R and NumPy). Monotone in `p`. The
/// reference for [`quantiles_select`].
#[cfg(test)]
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let k = (h.floor() as usize).min(n - 2);
            let (a, b) = (sorted[k], sorted[k + 1]);
            (a + (h - k as f64) * (b - a)).clamp(a, b)
        }
    }
}

/// The empirical quantiles of `values` at ascending probabilities `ps` by linear
/// interpolation between order statistics (Hyndman–Fan type 7, the default of R and NumPy;
/// monotone in `p`), found by selection (linear time per probability). Reorders `values`.
pub fn quantiles_select<const K: usize>(values: &mut [f64], ps: [f64; K]) -> [f64; K] {
    let n = values.len();
    let mut out = [0.0; K];
    if n == 0 {
        return out;
    }
    if n == 1 {
        return [values[0]; K];
    }
    let mut lo = 0;
    for (q, &p) in out.iter_mut().zip(&ps) {
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let k = (h.floor() as usize).min(n - 2).max(lo);
        // Everything left of `lo` is ≤ everything from `lo` on (earlier selections).
        values[lo..].select_nth_unstable_by(k - lo, f64::total_cmp);
        let a = values[k];
        let b = values[k + 1..]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        *q = (a + (h - k as f64) * (b - a)).clamp(a, b);
        lo = k;
    }
    out
}

/// Autocorrelation of `x` at `lag` (0 when the series is too short or constant).
pub fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    if x.len() <= lag + 1 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if var <= 1e-12 {
        return 0.0;
    }
    let cov: f64 = x
        .iter()
        .zip(&x[lag..])
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum();
    cov / var
}

/// The standard normal distribution function Φ(z), from the complementary error function
/// of Numerical Recipes (`erfcc`, fractional error below 1.2e-7 everywhere). Monotone; 0 and
/// 1 in the far tails; 0.5 for a NaN (never produced by the callers).
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return 0.5;
    }
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    (1.0 - 0.5 * erfc).clamp(0.0, 1.0)
}

/// Empirical quantiles of `values` on the probability grid `ps` (ascending), by type-7
/// interpolation between order statistics. Sorts `values`; all zeros when it is empty.
pub fn quantile_grid(values: &mut [f64], ps: &[f64]) -> Vec<f64> {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    ps.iter()
        .map(|&p| match n {
            0 => 0.0,
            1 => values[0],
            _ => {
                let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
                let k = (h.floor() as usize).min(n - 2);
                let (a, b) = (values[k], values[k + 1]);
                (a + (h - k as f64) * (b - a)).clamp(a, b)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        let mut p = [(4.0, 1.0), (1.0, 1.0), (3.0, 1.0), (2.0, 1.0)];
        assert_eq!(weighted_median(&mut p), Some(2.5));
        let mut p = [(1.0, 1.0), (2.0, 1.0), (10.0, 5.0)];
        assert_eq!(weighted_median(&mut p), Some(10.0));
        let mut p = [(1.0, 0.0)];
        assert_eq!(weighted_median(&mut p), None);
    }

    #[test]
    fn quantiles() {
        let s = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile_sorted(&s, 0.5), 20.0);
        assert!((quantile_sorted(&s, 0.1) - 4.0).abs() < 1e-12);
        assert!((quantile_sorted(&s, 0.9) - 36.0).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[7.0], 0.9), 7.0);
    }

    #[test]
    fn normal_cdf_matches_tables() {
        // Φ(0) = 0.5, Φ(1.2816) = 0.9, Φ(−1.96) = 0.025 (standard tables).
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.281_552) - 0.9).abs() < 1e-6);
        assert!((normal_cdf(-1.959_964) - 0.025).abs() < 1e-6);
        assert!(normal_cdf(-40.0) >= 0.0 && normal_cdf(40.0) <= 1.0);
    }

    #[test]
    fn quantile_grid_matches_sorting() {
        let mut v = vec![40.0, 0.0, 30.0, 10.0, 20.0];
        let sorted = [0.0, 10.0, 20.0, 30.0, 40.0];
        let q = quantile_grid(&mut v, &[0.1, 0.5, 0.9]);
        for (i, p) in [0.1, 0.5, 0.9].into_iter().enumerate() {
            assert_eq!(q[i], quantile_sorted(&sorted, p));
        }
        assert_eq!(quantile_grid(&mut [], &[0.5]), vec![0.0]);
    }

    #[test]
    fn selection_matches_sorting() {
        let mut r = crate::domain::rng::SplitMix64::new(3);
        for n in [1usize, 2, 3, 10, 200, 201] {
            let mut v: Vec<f64> = (0..n).map(|_| (r.next_u64() % 50) as f64 / 3.0).collect();
            let mut sorted = v.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let q = quantiles_select(&mut v, [0.1, 0.5, 0.9]);
            for (i, p) in [0.1, 0.5, 0.9].into_iter().enumerate() {
                assert_eq!(q[i], quantile_sorted(&sorted, p), "n {n} p {p}");
            }
        }
    }
}
