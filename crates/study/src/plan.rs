//! Experiment planning by simulation: power of a design with the study's
//! own analysis (issue 8, item 3).
//!
//! The virtual lab (`preclin_sim`) simulates a study; the engine that
//! analyses the real files analyses the simulated one; repeating this `R`
//! times with independent seeded streams estimates the probability of a
//! result. `sim` never calls an analysis: the loop lives here.
//!
//! * [`xenograft`]: subcutaneous xenograft calipers → `preclin xenograft`'s
//!   Welch test on ln volume vs vehicle → power per arm and mice per group;
//! * [`survival`]: disseminated leukaemia survival → log-rank vs vehicle;
//! * [`viability`]: dose–response plates → GI50 95 % CI width.
//!
//! # Monte-Carlo estimates
//! Power is the rejection fraction `p̂ = x/R` of `R` simulated studies; its
//! Monte-Carlo standard error is the binomial `SE = √(p̂(1 − p̂)/R)` (Morris,
//! White & Crowther 2019, Stat Med 38:2074, table 6). The smallest `n` with
//! `p̂ ≥ target` is reported as such (it is itself an estimate).
//!
//! # Determinism
//! Replicate `r` uses the stream `subseed(seed, r)` (SplitMix64 of the
//! master seed, [`preclin_sim::clonal::subseed`]); replicates run in
//! parallel (rayon) and are collected in index order, so the result does not
//! depend on the number of threads. Designs are nested (common random
//! numbers): within a replicate the study with `n` mice per group is the
//! first `n` mice of the study with the largest `n`, which makes the power
//! curve smooth in `n` at no extra cost.

#[path = "plan_common.rs"]
mod common;
#[path = "plan_survival.rs"]
pub mod survival;
#[path = "plan_viability.rs"]
pub mod viability;
#[path = "plan_xenograft.rs"]
pub mod xenograft;

pub use common::{ArmSpec, PlanError, PowerRow, Schedule, mc_se, parse_n_range, smallest_n};
