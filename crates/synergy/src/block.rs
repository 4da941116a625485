//! Combination blocks from a long table: validation, replicates and the
//! parametric bootstrap of SynergyFinder.
//!
//! A block holds one drug set (two or more drugs) tested on a full
//! factorial grid of concentrations, each drug's series including 0, with
//! one or more replicate responses per cell (% inhibition). Duplicate
//! (block, concentrations) rows are replicates.
//!
//! **Replicates** (SynergyFinder `CalculateSynergy`, `iteration`, `seed`):
//! each bootstrap iteration draws every cell as the mean of nᵢ normal
//! values N(meanᵢ, sdᵢ) — equivalently one N(meanᵢ, sdᵢ/√nᵢ) — where a cell
//! measured once has sd 0 (SynergyFinder duplicates singletons); the
//! baseline correction and every model are recomputed on each bootstrap
//! surface. Per cell the reported score is the bootstrap mean, with its SD,
//! SEM = SD/√iterations and the 2.5 / 97.5 % quantiles (R type 7) as the 95 %
//! interval. The block score is the mean of the cell means over the
//! combination cells, its p-value the z formula of [`crate::score::p_value`]
//! on those means (as SynergyFinder), and its 95 % interval the 2.5 / 97.5 %
//! quantiles of the per-iteration block means (preclin's addition).
//! Random numbers: Xoshiro256++ seeded with the recorded seed (R's
//! Mersenne-Twister stream is not reproduced, so bootstrap numbers differ
//! from SynergyFinder's in the Monte-Carlo noise).

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use crate::models::Method;
use crate::score::{ScoreOptions, Summary, SurfaceScores, p_value, score_surface, summarize};
use crate::surface::Surface;

/// One row of the input: the concentrations of the block's drugs (in the
/// block's drug order), the response (% inhibition) and the input line.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Concentration of each drug.
    pub concs: Vec<f64>,
    /// Response, % inhibition.
    pub response: f64,
    /// 1-based line in the input, for messages.
    pub line: usize,
}

/// Why a block cannot be scored. Each message names the block.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    /// A block without rows.
    #[error("block {block}: no rows")]
    Empty {
        /// Block id.
        block: String,
    },
    /// Rows disagree on the number of drugs.
    #[error("block {block}, line {line}: {found} concentrations, expected {expected}")]
    DrugCount {
        /// Block id.
        block: String,
        /// Line of the offending row.
        line: usize,
        /// Drugs of the block.
        expected: usize,
        /// Concentrations on the row.
        found: usize,
    },
    /// A concentration is negative or not finite, or a response not finite.
    #[error("block {block}, line {line}: {what}")]
    BadValue {
        /// Block id.
        block: String,
        /// Line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// Fewer than three non-zero concentrations of a drug.
    #[error(
        "block {block}: drug {drug} ({name}) has {n} non-zero concentration(s); a combination block needs at least 3 per drug"
    )]
    TooFewDoses {
        /// Block id.
        block: String,
        /// 1-based drug number.
        drug: usize,
        /// Drug name.
        name: String,
        /// Non-zero concentrations found.
        n: usize,
    },
    /// A cell of the grid is missing (a monotherapy, the control, or a
    /// combination).
    #[error(
        "block {block}: no {kind} at {at} (every concentration of each drug must be tested with every concentration of the others, including 0)"
    )]
    MissingCell {
        /// Block id.
        block: String,
        /// `monotherapy`, `control well (all concentrations 0)` or `combination`.
        kind: String,
        /// The concentrations, e.g. `conc1 = 0, conc2 = 12.5`.
        at: String,
    },
}

/// A validated block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    /// Block id.
    pub id: String,
    /// Drug names, in column order (drug1, drug2, …).
    pub drugs: Vec<String>,
    /// Concentration levels of each drug, ascending, starting at 0.
    pub levels: Vec<Vec<f64>>,
    /// Replicate responses of each cell (storage order of [`Surface`]).
    pub cells: Vec<Vec<f64>>,
    /// First input line of the block.
    pub first_line: usize,
}

impl Block {
    /// Validates the rows of one block and arranges them on their grid.
    pub fn from_observations(
        id: &str,
        drugs: Vec<String>,
        rows: &[Observation],
    ) -> Result<Block, BlockError> {
        let nd = drugs.len();
        let first_line = rows
            .first()
            .map(|r| r.line)
            .ok_or_else(|| BlockError::Empty {
                block: id.to_owned(),
            })?;
        for r in rows {
            if r.concs.len() != nd {
                return Err(BlockError::DrugCount {
                    block: id.to_owned(),
                    line: r.line,
                    expected: nd,
                    found: r.concs.len(),
                });
            }
            if let Some(k) = r.concs.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
                return Err(BlockError::BadValue {
                    block: id.to_owned(),
                    line: r.line,
                    what: format!(
                        "concentration of drug {} is {}; concentrations must be finite and ≥ 0",
                        k + 1,
                        r.concs[k]
                    ),
                });
            }
            if !r.response.is_finite() {
                return Err(BlockError::BadValue {
                    block: id.to_owned(),
                    line: r.line,
                    what: format!("response is {}", r.response),
                });
            }
        }
        let mut levels: Vec<Vec<f64>> = vec![Vec::new(); nd];
        for (k, lv) in levels.iter_mut().enumerate() {
            lv.extend(rows.iter().map(|r| r.concs[k]));
            lv.sort_by(f64::total_cmp);
            lv.dedup();
            let nonzero = lv.iter().filter(|&&c| c > 0.0).count();
            if nonzero < 3 {
                return Err(BlockError::TooFewDoses {
                    block: id.to_owned(),
                    drug: k + 1,
                    name: drugs[k].clone(),
                    n: nonzero,
                });
            }
            if lv[0] != 0.0 {
                lv.insert(0, 0.0);
            }
        }
        let n: usize = levels.iter().map(Vec::len).product();
        let mut strides = vec![1usize; nd];
        for k in (0..nd - 1).rev() {
            strides[k] = strides[k + 1] * levels[k + 1].len();
        }
        let mut cells: Vec<Vec<f64>> = vec![Vec::new(); n];
        for r in rows {
            let idx: usize = (0..nd)
                .map(|k| {
                    let j = levels[k]
                        .binary_search_by(|v| v.total_cmp(&r.concs[k]))
                        .expect("level of a row");
                    j * strides[k]
                })
                .sum();
            cells[idx].push(r.response);
        }
        if let Some(empty) = (0..n).find(|&c| cells[c].is_empty()) {
            let lv: Vec<usize> = (0..nd)
                .map(|k| (empty / strides[k]) % levels[k].len())
                .collect();
            let nonzero = lv.iter().filter(|&&j| j > 0).count();
            let at = lv
                .iter()
                .enumerate()
                .map(|(k, &j)| format!("conc{} = {}", k + 1, levels[k][j]))
                .collect::<Vec<_>>()
                .join(", ");
            let kind = match nonzero {
                0 => "control well (all concentrations 0)",
                1 => "monotherapy",
                _ => "combination",
            };
            return Err(BlockError::MissingCell {
                block: id.to_owned(),
                kind: kind.to_owned(),
                at,
            });
        }
        Ok(Block {
            id: id.to_owned(),
            drugs,
            levels,
            cells,
            first_line,
        })
    }

    /// Whether any cell was measured more than once.
    pub fn has_replicates(&self) -> bool {
        self.cells.iter().any(|c| c.len() > 1)
    }

    /// The surface of cell means.
    pub fn mean_surface(&self) -> Surface {
        let y = self
            .cells
            .iter()
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect();
        Surface::new(self.levels.clone(), y).expect("validated block")
    }
}

/// Statistics of one cell for one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct CellStat {
    /// Expected response (bootstrap mean with replicates).
    pub reference: Option<f64>,
    /// Synergy δ (bootstrap mean with replicates).
    pub synergy: Option<f64>,
    /// Bootstrap SD of δ.
    pub sd: Option<f64>,
    /// SD / √iterations.
    pub sem: Option<f64>,
    /// 2.5 % bootstrap quantile of δ.
    pub ci_lower: Option<f64>,
    /// 97.5 % bootstrap quantile of δ.
    pub ci_upper: Option<f64>,
}

/// One model's result for a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodResult {
    /// The model.
    pub method: Method,
    /// Per cell (storage order).
    pub cells: Vec<CellStat>,
    /// Block mean and p-value over the combination cells.
    pub summary: Summary,
    /// 95 % bootstrap interval of the block mean (replicates only).
    pub ci: Option<(f64, f64)>,
}

/// Options of [`score_block`].
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BlockOptions {
    /// Models, baseline and Loewe options.
    pub score: ScoreOptions,
    /// Bootstrap iterations for blocks with replicates (SynergyFinder's
    /// default is 10).
    pub iterations: usize,
    /// Seed of the bootstrap (SynergyFinder's default is 123).
    pub seed: u64,
}

impl Default for BlockOptions {
    fn default() -> Self {
        BlockOptions {
            score: ScoreOptions::default(),
            iterations: 100,
            seed: 123,
        }
    }
}

/// The scored block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockResult {
    /// The surface of cell means (% inhibition, before baseline correction).
    pub surface: Surface,
    /// Number of replicates per cell.
    pub replicates: Vec<usize>,
    /// Scores of the surface of means (with replicates: the point estimate
    /// beside the bootstrap; its monotherapy fits are reported).
    pub point: SurfaceScores,
    /// One entry per requested model.
    pub methods: Vec<MethodResult>,
    /// Bootstrap iterations run (0 without replicates).
    pub iterations: usize,
    /// Seed used (recorded even when no bootstrap ran).
    pub seed: u64,
}

impl BlockResult {
    /// The result of one model.
    pub fn method(&self, m: Method) -> Option<&MethodResult> {
        self.methods.iter().find(|r| r.method == m)
    }
}

/// Scores a block: directly on the cell means without replicates, by
/// parametric bootstrap with replicates (see the module docs).
pub fn score_block(block: &Block, opts: &BlockOptions) -> BlockResult {
    let surface = block.mean_surface();
    let point = score_surface(&surface, &opts.score);
    let replicates: Vec<usize> = block.cells.iter().map(Vec::len).collect();
    let combos = surface.combination_cells();
    if !block.has_replicates() || opts.iterations == 0 {
        let methods = point
            .scores
            .iter()
            .map(|(m, cs)| MethodResult {
                method: *m,
                cells: cs
                    .reference
                    .iter()
                    .zip(&cs.synergy)
                    .map(|(&r, &s)| CellStat {
                        reference: r,
                        synergy: s,
                        ..CellStat::default()
                    })
                    .collect(),
                summary: summarize(&surface, &cs.synergy),
                ci: None,
            })
            .collect();
        return BlockResult {
            surface,
            replicates,
            point,
            methods,
            iterations: 0,
            seed: opts.seed,
        };
    }
    // Per cell: mean and SD/√n of the bootstrap draw.
    let spread: Vec<(f64, f64)> = block
        .cells
        .iter()
        .map(|v| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let sd = preclin_stats::desc::sd(v).unwrap_or(0.0);
            (m, sd / n.sqrt())
        })
        .collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let nm = opts.score.methods.len();
    let n = surface.len();
    // draws[m][cell] = synergy per iteration; refs likewise.
    let mut syn: Vec<Vec<Vec<f64>>> = vec![vec![Vec::with_capacity(opts.iterations); n]; nm];
    let mut refs: Vec<Vec<Vec<f64>>> = vec![vec![Vec::with_capacity(opts.iterations); n]; nm];
    let mut block_means: Vec<Vec<f64>> = vec![Vec::with_capacity(opts.iterations); nm];
    for _ in 0..opts.iterations {
        let y: Vec<f64> = spread
            .iter()
            .map(|&(m, s)| {
                let z: f64 = StandardNormal.sample(&mut rng);
                m + s * z
            })
            .collect();
        let s = surface.with_responses(y).expect("finite draws");
        let sc = score_surface(&s, &opts.score);
        for (mi, (_, cs)) in sc.scores.iter().enumerate() {
            for c in 0..n {
                if let Some(v) = cs.synergy[c] {
                    syn[mi][c].push(v);
                }
                if let Some(v) = cs.reference[c] {
                    refs[mi][c].push(v);
                }
            }
            let v: Vec<f64> = combos.iter().filter_map(|&c| cs.synergy[c]).collect();
            if let Some(m) = preclin_stats::desc::mean(&v) {
                block_means[mi].push(m);
            }
        }
    }
    let q = |v: &[f64], p: f64| preclin_stats::desc::quantile(v, p);
    let methods = (0..nm)
        .map(|mi| {
            let cells: Vec<CellStat> = (0..n)
                .map(|c| {
                    let v = &syn[mi][c];
                    let sd = preclin_stats::desc::sd(v);
                    CellStat {
                        reference: preclin_stats::desc::mean(&refs[mi][c]),
                        synergy: preclin_stats::desc::mean(v),
                        sd,
                        sem: sd.map(|s| s / (v.len() as f64).sqrt()),
                        ci_lower: q(v, 0.025),
                        ci_upper: q(v, 0.975),
                    }
                })
                .collect();
            let means: Vec<f64> = combos.iter().filter_map(|&c| cells[c].synergy).collect();
            let summary = Summary {
                mean: preclin_stats::desc::mean(&means),
                p_value: p_value(&means),
                n: means.len(),
            };
            let bm = &block_means[mi];
            let ci = match (q(bm, 0.025), q(bm, 0.975)) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            MethodResult {
                method: opts.score.methods[mi],
                cells,
                summary,
                ci,
            }
        })
        .collect();
    BlockResult {
        surface,
        replicates,
        point,
        methods,
        iterations: opts.iterations,
        seed: opts.seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(c1: f64, c2: f64, y: f64, line: usize) -> Observation {
        Observation {
            concs: vec![c1, c2],
            response: y,
            line,
        }
    }

    fn grid_rows(reps: usize) -> Vec<Observation> {
        let mut v = Vec::new();
        let mut line = 2;
        for &a in &[0.0, 1.0, 2.0, 4.0] {
            for &b in &[0.0, 1.0, 3.0, 9.0] {
                for r in 0..reps {
                    let y = 10.0 * (a + b) / (1.0 + a + b) * 10.0 + r as f64;
                    v.push(obs(a, b, y, line));
                    line += 1;
                }
            }
        }
        v
    }

    #[test]
    fn validation_names_block_and_problem() {
        let d = vec!["A".to_string(), "B".to_string()];
        let ok = Block::from_observations("1", d.clone(), &grid_rows(1)).unwrap();
        assert_eq!(ok.levels[0], vec![0.0, 1.0, 2.0, 4.0]);
        assert!(!ok.has_replicates());
        let mut rows = grid_rows(1);
        rows.remove(1); // (0, 1): a monotherapy of B
        let e = Block::from_observations("7", d.clone(), &rows).unwrap_err();
        assert!(
            e.to_string().contains("block 7")
                && e.to_string()
                    .contains("no monotherapy at conc1 = 0, conc2 = 1"),
            "{e}"
        );
        let rows: Vec<_> = grid_rows(1)
            .into_iter()
            .filter(|r| r.concs[0] != 4.0)
            .collect();
        let e = Block::from_observations("x", d.clone(), &rows).unwrap_err();
        assert!(
            matches!(e, BlockError::TooFewDoses { drug: 1, n: 2, .. }),
            "{e}"
        );
        let mut rows = grid_rows(1);
        rows[3].response = f64::NAN;
        let e = Block::from_observations("x", d, &rows).unwrap_err();
        assert!(e.to_string().contains("line 5"), "{e}");
    }

    #[test]
    fn bootstrap_is_seeded_and_summarised() {
        let d = vec!["A".to_string(), "B".to_string()];
        let b = Block::from_observations("1", d, &grid_rows(3)).unwrap();
        assert!(b.has_replicates());
        let opts = BlockOptions {
            score: ScoreOptions {
                methods: vec![Method::Bliss, Method::Hsa],
                ..ScoreOptions::default()
            },
            iterations: 50,
            seed: 7,
        };
        let r1 = score_block(&b, &opts);
        let r2 = score_block(&b, &opts);
        assert_eq!(r1, r2, "same seed, same numbers");
        let bl = r1.method(Method::Bliss).unwrap();
        let (lo, hi) = bl.ci.unwrap();
        let m = bl.summary.mean.unwrap();
        assert!(lo <= m && m <= hi);
        // Monotherapy cells: exactly 0 in every iteration.
        assert_eq!(bl.cells[1].synergy, Some(0.0));
        assert_eq!(bl.cells[1].sd, Some(0.0));
        let c = bl.cells[5];
        assert!(
            c.ci_lower.unwrap() <= c.synergy.unwrap() && c.synergy.unwrap() <= c.ci_upper.unwrap()
        );
    }
}
