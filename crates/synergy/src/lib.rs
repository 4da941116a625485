//! # preclin-synergy — drug-combination synergy
//!
//! What this crate is: the reference models of SynergyFinder 3.x — HSA,
//! Bliss, Loewe and ZIP — cell by cell on the % inhibition scale, with
//! SynergyFinder's block summaries, p-value, baseline correction and
//! parametric bootstrap of replicates ([`models`], [`score`], [`block`]);
//! the Chou–Talalay combination index and dose-reduction index
//! ([`chou_talalay`]); SynergyFinder's sensitivity scores RI and CSS
//! ([`sensitivity`]). Blocks of three or more drugs are supported by every
//! model. All LL.4 curves are fitted with `preclin-curve` ([`curves`]);
//! for ZIP, SynergyFinder's own fit path (drc 3.0-1 in R) is reproduced as
//! an option ([`drc`], [`models::ZipFitter`]), and R's random number
//! generator can replay SynergyFinder's response noise ([`rrng`]).
//!
//! What it is not: it reads no files and draws nothing (see the `preclin
//! synergy` command and `preclin-report`).
//!
//! Scale: responses are **% inhibition** (0 = vehicle, 100 = complete
//! effect). Viability v is converted as 100 − v without renormalising to the
//! control well, as SynergyFinder's `ReshapeData(data_type = "viability")`.
//! A positive synergy score means more effect than the reference expects.
//!
//! Where preclin deliberately differs from SynergyFinder 3.7.3, it says so
//! where the difference lives: the Loewe inverse ([`curves::Inverse`],
//! [`models::LoeweOptions`]; SynergyFinder's behaviour is kept as an option),
//! the curve fitter ([`curves`]; SynergyFinder's drc path for ZIP is
//! [`models::ZipFitter::SynergyFinder`]), and the bootstrap random stream
//! ([`block`]).
//!
//! ```
//! use preclin_synergy::{Surface, models::bliss};
//! // 2 × 2 doses (plus controls) of % inhibition, drug 1 on rows.
//! let s = Surface::new(
//!     vec![vec![0.0, 1.0, 2.0], vec![0.0, 10.0, 20.0]],
//!     vec![0.0, 20.0, 40.0,
//!          30.0, 50.0, 60.0,
//!          50.0, 70.0, 90.0],
//! ).unwrap();
//! let b = bliss(&s);
//! // cell (1, 1): observed 50, expected 30 + 20 − 30·20/100 = 44 → δ = 6.
//! assert!((b.synergy[4].unwrap() - 6.0).abs() < 1e-12);
//! ```

pub mod block;
pub mod chou_talalay;
pub mod curves;
pub mod drc;
pub mod models;
pub mod rrng;
pub mod score;
pub mod sensitivity;
pub mod surface;
pub mod synth;

pub use block::{
    Block, BlockError, BlockOptions, BlockResult, CellStat, MethodResult, Observation, score_block,
};
pub use curves::{DrugCurve, Inverse};
pub use models::{CellScores, LoeweOptions, LoeweSolver, Method, ZipFitter};
pub use score::{Baseline, ScoreOptions, Summary, SurfaceScores, score_surface};
pub use surface::{Surface, SurfaceError};
