//! Survival analysis: Kaplan–Meier curves with Greenwood variance and R's
//! median rule ([`km`]), weighted log-rank tests for k groups, O/E and hazard
//! ratios ([`logrank`]), Cox proportional hazards with Breslow or Efron ties
//! ([`cox`]) and the % increase in median survival with a seeded bootstrap
//! interval ([`increase`]).
//!
//! Conventions (R `survival` 3.x, `Surv(time, status)`): `time ≥ 0` is the
//! follow-up time, `event = true` an observed death / relapse, `false` a
//! right-censored observation. A censored time tied with an event time is at
//! risk at that time (censoring happens just after the deaths).
//!
//! Verified against R survival 3.8 (`aml`: medians, CIs, log-rank, Breslow
//! Cox) and lifelines 0.30.3 (weighted tests, Efron Cox, log-log CIs) — see
//! `tests/survival.rs` and `tests/data/survival/SOURCES.md`.
//!
//! # Example
//! ```
//! use preclin_stats::survival::{ConfType, SurvGroup, Weighting, kaplan_meier, logrank_test};
//! // R's `aml` data (weeks; 1 = relapse).
//! let m = SurvGroup::new(
//!     "Maintained",
//!     &[9., 13., 13., 18., 23., 28., 31., 34., 45., 48., 161.],
//!     &[true, true, false, true, true, false, true, true, false, true, false],
//! );
//! let n = SurvGroup::new(
//!     "Nonmaintained",
//!     &[5., 5., 8., 8., 12., 16., 23., 27., 30., 33., 43., 45.],
//!     &[true, true, true, true, true, false, true, true, true, true, true, true],
//! );
//! let km = kaplan_meier(&m.time, &m.event, ConfType::Log, 0.95).unwrap();
//! assert_eq!((km.median, km.median_lower, km.median_upper), (Some(31.0), Some(18.0), None));
//! let lr = logrank_test(&[m, n], Weighting::LogRank).unwrap();
//! assert!((lr.chisq - 3.396389).abs() < 1e-6 && lr.df == 1);
//! ```

pub mod cox;
pub mod increase;
pub mod km;
pub mod logrank;

pub use cox::{CoxFit, CoxTerm, Ties, cox_fit, cox_groups};
pub use increase::{MedianIncrease, median_increase};
pub use km::{ConfType, KaplanMeier, KmRow, at_risk, kaplan_meier};
pub use logrank::{
    GroupOE, HazardRatio, LogRank, Pairwise, Weighting, hazard_ratio, hazard_ratios, logrank_test,
    pairwise_logrank,
};

use thiserror::Error;

/// One group's survival observations (parallel vectors).
#[derive(Debug, Clone, PartialEq)]
pub struct SurvGroup {
    /// Group label.
    pub name: String,
    /// Follow-up times (`≥ 0`, finite).
    pub time: Vec<f64>,
    /// `true` = event observed, `false` = censored.
    pub event: Vec<bool>,
}

impl SurvGroup {
    /// A group from parallel slices.
    pub fn new(name: impl Into<String>, time: &[f64], event: &[bool]) -> SurvGroup {
        SurvGroup {
            name: name.into(),
            time: time.to_vec(),
            event: event.to_vec(),
        }
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// True when the group has no observations.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Number of observed events.
    pub fn events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }
}

/// Errors of the survival functions (invalid input, not failed fits: a fit
/// that does not converge is flagged in its result).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SurvivalError {
    /// `time` and `event` (or covariate rows) differ in length.
    #[error("{what}: {a} times but {b} {other}")]
    LengthMismatch {
        /// Which input.
        what: String,
        /// Number of times.
        a: usize,
        /// Number of the other values.
        b: usize,
        /// Name of the other values.
        other: &'static str,
    },
    /// No observations.
    #[error("{0}: no observations")]
    Empty(String),
    /// A time that is negative, NaN or infinite.
    #[error("{what}: time {value} at position {index} is not a finite number >= 0")]
    BadTime {
        /// Which input.
        what: String,
        /// 0-based position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A covariate that is NaN or infinite.
    #[error("covariate '{name}' at row {index} is not finite")]
    BadCovariate {
        /// Covariate name.
        name: String,
        /// 0-based row.
        index: usize,
    },
    /// Fewer than two groups for a comparison.
    #[error("a comparison needs at least two groups, got {0}")]
    TooFewGroups(usize),
    /// A group name that is not among the groups.
    #[error("no group named '{name}' (groups: {})", .available.join(", "))]
    UnknownGroup {
        /// The requested name.
        name: String,
        /// The groups present.
        available: Vec<String>,
    },
    /// The confidence level is not in (0, 1).
    #[error("confidence level must be in (0, 1), got {0}")]
    BadLevel(f64),
    /// No event at all: tests and Cox models are undefined.
    #[error("no events: the comparison is undefined")]
    NoEvents,
    /// The Cox information matrix is singular (a covariate is constant or
    /// collinear with others).
    #[error("Cox model: the information matrix is singular (constant or collinear covariates)")]
    Singular,
}

/// Checks one group's input.
pub(crate) fn check_group(what: &str, time: &[f64], event: &[bool]) -> Result<(), SurvivalError> {
    if time.len() != event.len() {
        return Err(SurvivalError::LengthMismatch {
            what: what.to_string(),
            a: time.len(),
            b: event.len(),
            other: "event indicators",
        });
    }
    if time.is_empty() {
        return Err(SurvivalError::Empty(what.to_string()));
    }
    if let Some((index, &value)) = time
        .iter()
        .enumerate()
        .find(|(_, t)| !(t.is_finite() && **t >= 0.0))
    {
        return Err(SurvivalError::BadTime {
            what: what.to_string(),
            index,
            value,
        });
    }
    Ok(())
}

/// Quadratic form `uᵀ V⁺ u` with the Moore–Penrose generalized inverse of
/// the symmetric matrix `V` (eigenvalues below `1e-10·max` treated as 0), and
/// the rank of `V`.
pub(crate) fn ginv_quadratic(u: &[f64], v: &[f64], k: usize) -> (f64, usize) {
    let (vals, vecs) = crate::linalg::sym_eigen(v, k);
    let vmax = vals.iter().fold(0.0_f64, |a, &b| a.max(b.abs()));
    let mut q = 0.0;
    let mut rank = 0;
    for j in 0..k {
        if vals[j] > 1e-10 * vmax && vals[j] > 0.0 {
            rank += 1;
            let proj: f64 = (0..k).map(|i| vecs[i * k + j] * u[i]).sum();
            q += proj * proj / vals[j];
        }
    }
    (q, rank)
}

/// Inverse of a symmetric positive definite matrix (Cholesky; `None` when
/// not positive definite): [`crate::linalg::spd_inverse`].
pub(crate) use crate::linalg::spd_inverse;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_inverse_of_a_rank_deficient_matrix() {
        // V = [[2,-1,-1],[-1,2,-1],[-1,-1,2]] has rank 2 and V⁺ = V/9... check
        // u = (1,-1,0): V⁺u = u/3, so uᵀV⁺u = 2/3.
        let v = [2.0, -1.0, -1.0, -1.0, 2.0, -1.0, -1.0, -1.0, 2.0];
        let (q, r) = ginv_quadratic(&[1.0, -1.0, 0.0], &v, 3);
        assert_eq!(r, 2);
        assert!((q - 2.0 / 3.0).abs() < 1e-12, "{q}");
    }

    #[test]
    fn spd_inverse_2x2() {
        let inv = spd_inverse(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        // det 8: inverse [[3,-2],[-2,4]]/8
        let want = [0.375, -0.25, -0.25, 0.5];
        for (a, b) in inv.iter().zip(want) {
            assert!((a - b).abs() < 1e-14);
        }
        assert!(spd_inverse(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
