//! A dose–response surface: the full factorial grid of concentrations of a
//! combination block and one response per cell (% inhibition).
//!
//! Cells are stored row-major with drug 1 varying slowest: for two drugs the
//! cell (i, j) — drug 1 at its i-th level, drug 2 at its j-th — is at index
//! `i·n₂ + j`, i.e. drug 1 on the rows and drug 2 on the columns as in
//! SynergyFinder's dose–response matrix (`conc1` rows, `conc2` columns).
//! Level 0 of every drug is concentration 0, so row 0 / column 0 are the
//! monotherapies of drug 2 / drug 1 and cell 0 is the vehicle control (0, 0).

use serde::Serialize;

/// Why a surface cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SurfaceError {
    /// Fewer than two drugs.
    #[error("a combination needs at least two drugs, got {0}")]
    TooFewDrugs(usize),
    /// A drug's levels do not start at 0 or are not strictly increasing.
    #[error(
        "the concentrations of drug {drug} must start at 0 and increase strictly, got {levels:?}"
    )]
    BadLevels {
        /// 1-based drug number.
        drug: usize,
        /// The levels given.
        levels: Vec<f64>,
    },
    /// The number of responses is not the product of the numbers of levels.
    #[error("{got} responses for a grid of {want} cells")]
    WrongSize {
        /// Cells in the grid.
        want: usize,
        /// Responses given.
        got: usize,
    },
    /// A response is NaN or infinite.
    #[error("response of cell {cell} is {value}: responses must be finite")]
    NonFinite {
        /// 0-based cell index.
        cell: usize,
        /// The value.
        value: f64,
    },
}

/// A full factorial dose–response surface (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Surface {
    concs: Vec<Vec<f64>>,
    y: Vec<f64>,
    strides: Vec<usize>,
}

impl Surface {
    /// Builds a surface from the concentration levels of each drug (each
    /// starting at 0, strictly increasing) and the responses in row-major
    /// order (drug 1 slowest).
    pub fn new(concs: Vec<Vec<f64>>, y: Vec<f64>) -> Result<Surface, SurfaceError> {
        if concs.len() < 2 {
            return Err(SurfaceError::TooFewDrugs(concs.len()));
        }
        for (k, c) in concs.iter().enumerate() {
            let ok = c.len() >= 2
                && c[0] == 0.0
                && c.windows(2).all(|w| w[1] > w[0])
                && c.iter().all(|v| v.is_finite());
            if !ok {
                return Err(SurfaceError::BadLevels {
                    drug: k + 1,
                    levels: c.clone(),
                });
            }
        }
        let want: usize = concs.iter().map(Vec::len).product();
        if y.len() != want {
            return Err(SurfaceError::WrongSize { want, got: y.len() });
        }
        if let Some((cell, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SurfaceError::NonFinite { cell, value });
        }
        let mut strides = vec![1; concs.len()];
        for k in (0..concs.len() - 1).rev() {
            strides[k] = strides[k + 1] * concs[k + 1].len();
        }
        Ok(Surface { concs, y, strides })
    }

    /// A copy with other responses on the same grid.
    pub fn with_responses(&self, y: Vec<f64>) -> Result<Surface, SurfaceError> {
        Surface::new(self.concs.clone(), y)
    }

    /// Number of drugs.
    pub fn n_drugs(&self) -> usize {
        self.concs.len()
    }

    /// Concentration levels of drug `k` (0-based), starting at 0.
    pub fn levels(&self, k: usize) -> &[f64] {
        &self.concs[k]
    }

    /// Every drug's levels.
    pub fn all_levels(&self) -> &[Vec<f64>] {
        &self.concs
    }

    /// Responses, row-major.
    pub fn responses(&self) -> &[f64] {
        &self.y
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether the grid is empty (never, for a valid surface).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Response of cell `cell`.
    pub fn y(&self, cell: usize) -> f64 {
        self.y[cell]
    }

    /// Level index of drug `k` in cell `cell`.
    #[inline]
    pub fn level(&self, cell: usize, k: usize) -> usize {
        (cell / self.strides[k]) % self.concs[k].len()
    }

    /// Concentration of drug `k` in cell `cell`.
    #[inline]
    pub fn conc(&self, cell: usize, k: usize) -> f64 {
        self.concs[k][self.level(cell, k)]
    }

    /// Cell index of a level vector.
    pub fn index(&self, levels: &[usize]) -> usize {
        levels.iter().zip(&self.strides).map(|(l, s)| l * s).sum()
    }

    /// Stride of drug `k` in the cell index.
    pub fn stride(&self, k: usize) -> usize {
        self.strides[k]
    }

    /// Number of drugs with a non-zero concentration in `cell`.
    pub fn n_nonzero(&self, cell: usize) -> usize {
        (0..self.n_drugs())
            .filter(|&k| self.level(cell, k) > 0)
            .count()
    }

    /// A combination cell: every drug at a concentration above 0. Block
    /// summaries average over these cells only (SynergyFinder).
    pub fn is_combination(&self, cell: usize) -> bool {
        (0..self.n_drugs()).all(|k| self.level(cell, k) > 0)
    }

    /// A monotherapy or control cell: at most one drug above 0. Every model
    /// scores these cells exactly 0 (reference = observed).
    pub fn is_monotherapy(&self, cell: usize) -> bool {
        self.n_nonzero(cell) <= 1
    }

    /// Cell of drug `k` alone at level `j` (every other drug at 0).
    pub fn mono_cell(&self, k: usize, j: usize) -> usize {
        j * self.strides[k]
    }

    /// Observed response of drug `k` alone at level `j` (j = 0: the
    /// vehicle control).
    pub fn mono(&self, k: usize, j: usize) -> f64 {
        self.y[self.mono_cell(k, j)]
    }

    /// The monotherapy series of drug `k`: (concentrations, responses)
    /// including the control (0, …, 0) — SynergyFinder's single-drug data
    /// (rows where conc_k equals the sum of all concentrations).
    pub fn mono_series(&self, k: usize) -> (Vec<f64>, Vec<f64>) {
        let n = self.concs[k].len();
        let y = (0..n).map(|j| self.mono(k, j)).collect();
        (self.concs[k].clone(), y)
    }

    /// Indices of the combination cells, in storage order.
    pub fn combination_cells(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&c| self.is_combination(c))
            .collect()
    }

    /// The same surface with drugs `a` and `b` exchanged.
    pub fn swapped(&self, a: usize, b: usize) -> Surface {
        let mut concs = self.concs.clone();
        concs.swap(a, b);
        let mut out = Surface::new(concs, vec![0.0; self.len()]).expect("same grid, permuted");
        let mut lv = vec![0usize; self.n_drugs()];
        for cell in 0..self.len() {
            for (k, l) in lv.iter_mut().enumerate() {
                *l = self.level(cell, k);
            }
            lv.swap(a, b);
            let to = out.index(&lv);
            out.y[to] = self.y[cell];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexing_matches_row_major_matrix() {
        let s = Surface::new(
            vec![vec![0.0, 1.0, 2.0], vec![0.0, 10.0]],
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap();
        assert_eq!(s.level(3, 0), 1);
        assert_eq!(s.level(3, 1), 1);
        assert_eq!(s.conc(5, 0), 2.0);
        assert_eq!(s.conc(5, 1), 10.0);
        assert_eq!(s.index(&[2, 1]), 5);
        assert_eq!(s.mono(0, 2), 4.0);
        assert_eq!(s.mono(1, 1), 1.0);
        assert_eq!(s.combination_cells(), vec![3, 5]);
        assert!(s.is_monotherapy(0) && s.is_monotherapy(4) && !s.is_monotherapy(5));
        let t = s.swapped(0, 1);
        assert_eq!(t.levels(0), &[0.0, 10.0]);
        assert_eq!(t.y(t.index(&[1, 2])), 5.0);
    }

    #[test]
    fn rejects_bad_grids() {
        assert!(matches!(
            Surface::new(vec![vec![0.0, 1.0]], vec![0.0, 1.0]),
            Err(SurfaceError::TooFewDrugs(1))
        ));
        assert!(matches!(
            Surface::new(vec![vec![1.0, 2.0], vec![0.0, 1.0]], vec![0.0; 4]),
            Err(SurfaceError::BadLevels { drug: 1, .. })
        ));
        assert!(matches!(
            Surface::new(vec![vec![0.0, 2.0], vec![0.0, 1.0]], vec![0.0; 3]),
            Err(SurfaceError::WrongSize { want: 4, got: 3 })
        ));
        assert!(matches!(
            Surface::new(
                vec![vec![0.0, 2.0], vec![0.0, 1.0]],
                vec![0.0, f64::NAN, 0.0, 0.0]
            ),
            Err(SurfaceError::NonFinite { cell: 1, .. })
        ));
    }
}
