//! Reading a solved model back by our column index.

use super::{Mip, MipSolution};

/// Reads a solution vector (column values in creation order) by our column index.
pub fn read_values(
    y: &[Vec<usize>],
    buy: &[Option<usize>],
    step: &[f64],
    cost: &[usize],
    q: &[(usize, usize, usize, usize)],
    values: &[f64],
) -> MipSolution {
    let tier = y
        .iter()
        .map(|cols| {
            let mut best = 0;
            for (j, &col) in cols.iter().enumerate() {
                if values[col] > values[cols[best]] {
                    best = j;
                }
            }
            best
        })
        .collect();
    let buy = buy
        .iter()
        .zip(step)
        .map(|(b, &st)| b.map_or(0.0, |col| values[col].round().max(0.0) * st))
        .collect();
    let cost = cost.iter().map(|&c| values[c]).collect();
    let unserved = q
        .iter()
        .filter(|&&(_, _, _, col)| values[col] > 1e-6)
        .map(|&(o, b, s, col)| (o, b, s, values[col]))
        .collect();
    MipSolution {
        tier,
        buy,
        cost,
        unserved,
    }
}

/// What is needed to read values back after the model is consumed by the solver.
pub struct MipReader {
    mip_y: Vec<Vec<usize>>,
    buy: Vec<Option<usize>>,
    step: Vec<f64>,
    cost: Vec<usize>,
    q: Vec<(usize, usize, usize, usize)>,
}

impl From<&Mip> for MipReader {
    fn from(m: &Mip) -> Self {
        MipReader {
            mip_y: m.y.clone(),
            buy: m.buy.clone(),
            step: m.step.clone(),
            cost: m.cost.clone(),
            q: m.cells
                .iter()
                .filter_map(|c| c.q.map(|q| (c.o, c.b, c.s, q)))
                .collect(),
        }
    }
}

impl MipReader {
    /// The solution of the model this reader was taken from, read from the solver's values.
    pub fn read(&self, values: &[f64]) -> MipSolution {
        read_values(
            &self.mip_y,
            &self.buy,
            &self.step,
            &self.cost,
            &self.q,
            values,
        )
    }
}
