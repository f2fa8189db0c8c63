//! A small exact LP solver for the overlapping spend-commitment allocation of one hour.

/// Maximises `c·x` subject to `A x ≤ b`, `x ≥ 0`, with `b ≥ 0` (the origin is feasible),
/// by the tableau simplex with Bland's rule. Sizes here are tiny (active commitments ×
/// offerings with load in one hour).
pub fn simplex_max(c: &[f64], a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = c.len();
    let m = a.len();
    const EPS: f64 = 1e-12;
    // Tableau rows: [A | I | b]; objective row: [-c | 0 | 0].
    let w = n + m + 1;
    let mut t = vec![vec![0.0; w]; m + 1];
    for i in 0..m {
        t[i][..n].copy_from_slice(&a[i]);
        t[i][n + i] = 1.0;
        t[i][w - 1] = b[i].max(0.0);
    }
    for j in 0..n {
        t[m][j] = -c[j];
    }
    let mut basis: Vec<usize> = (n..n + m).collect();
    for _ in 0..10_000 {
        // Entering: lowest index with negative reduced cost (Bland).
        let Some(e) = (0..n + m).find(|&j| t[m][j] < -EPS) else {
            break;
        };
        // Leaving: min ratio, ties by lowest basis index.
        let mut leave: Option<usize> = None;
        for i in 0..m {
            if t[i][e] > EPS {
                let r = t[i][w - 1] / t[i][e];
                leave = match leave {
                    None => Some(i),
                    Some(l) => {
                        let rl = t[l][w - 1] / t[l][e];
                        if r < rl - EPS || ((r - rl).abs() <= EPS && basis[i] < basis[l]) {
                            Some(i)
                        } else {
                            Some(l)
                        }
                    }
                };
            }
        }
        let Some(l) = leave else {
            break; // unbounded: cannot happen with the item rows
        };
        let piv = t[l][e];
        for v in t[l].iter_mut() {
            *v /= piv;
        }
        let prow = t[l].clone();
        for (i, row) in t.iter_mut().enumerate() {
            if i != l && row[e].abs() > EPS {
                let f = row[e];
                for (x, p) in row.iter_mut().zip(&prow) {
                    *x -= f * p;
                }
            }
        }
        basis[l] = e;
    }
    let mut x = vec![0.0; n];
    for (i, &bv) in basis.iter().enumerate() {
        if bv < n {
            x[bv] = t[i][w - 1].max(0.0);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::simplex_max;

    #[test]
    fn simplex_solves_a_textbook_lp() {
        // max 3x + 5y s.t. x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 → x = 2, y = 6, objective 36.
        let x = simplex_max(
            &[3.0, 5.0],
            &[vec![1.0, 0.0], vec![0.0, 2.0], vec![3.0, 2.0]],
            &[4.0, 12.0, 18.0],
        );
        assert!(
            (x[0] - 2.0).abs() < 1e-9 && (x[1] - 6.0).abs() < 1e-9,
            "{x:?}"
        );
    }
}
