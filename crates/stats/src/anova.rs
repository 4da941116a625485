//! One-way analysis of variance (R `anova(lm(y ~ group))`, scipy
//! `f_oneway`).
//!
//! `SS_between = Σ_g n_g (ȳ_g − ȳ)²`, `SS_within = Σ_g Σ_i (y_gi − ȳ_g)²`,
//! `F = (SS_between/(k − 1)) / (SS_within/(N − k))`, `p = P(F_{k−1, N−k} > F)`.

use crate::desc;
use crate::dist::f_sf;
use serde::Serialize;

/// Result of [`one_way`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Anova {
    /// F statistic.
    pub f: f64,
    /// Numerator degrees of freedom `k − 1`.
    pub df_between: f64,
    /// Denominator degrees of freedom `N − k`.
    pub df_within: f64,
    /// `P(F > f)`, computed directly (not `1 − cdf`).
    pub p: f64,
    /// Between-group sum of squares.
    pub ss_between: f64,
    /// Within-group (residual) sum of squares.
    pub ss_within: f64,
    /// Residual mean square `SS_within/(N − k)`: the pooled variance that
    /// Dunnett's and pooled t comparisons use.
    pub mse: f64,
}

/// One-way ANOVA of the groups `groups` (each a slice of observations).
///
/// `None` when there are fewer than 2 non-empty groups, no residual degree of
/// freedom (`N ≤ k`), any non-finite value, or a zero residual variance
/// (every group constant: F is undefined).
pub fn one_way(groups: &[&[f64]]) -> Option<Anova> {
    let gs: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    let k = gs.len();
    let n: usize = gs.iter().map(|g| g.len()).sum();
    if k < 2 || n <= k || gs.iter().any(|g| g.iter().any(|v| !v.is_finite())) {
        return None;
    }
    let all: Vec<f64> = gs.iter().flat_map(|g| g.iter().copied()).collect();
    let grand = desc::mean(&all)?;
    let mut ssb = 0.0;
    let mut ssw = 0.0;
    for g in &gs {
        let m = desc::mean(g)?;
        ssb += g.len() as f64 * (m - grand) * (m - grand);
        ssw += g.iter().map(|v| (v - m) * (v - m)).sum::<f64>();
    }
    let df1 = (k - 1) as f64;
    let df2 = (n - k) as f64;
    let mse = ssw / df2;
    if !(mse > 0.0) {
        return None;
    }
    let f = (ssb / df1) / mse;
    Some(Anova {
        f,
        df_between: df1,
        df_within: df2,
        p: f_sf(f, df1, df2),
        ss_between: ssb,
        ss_within: ssw,
        mse,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy_f_oneway() {
        // scipy 1.17.1: f_oneway(a, b, c) → F = 15.955747897110829,
        // p = 0.0007732754030164347 (scripts/reference_group_tests.py).
        let a = [4.2, 4.8, 5.1, 4.5];
        let b = [5.9, 6.3, 5.5, 6.1, 6.0];
        let c = [4.9, 5.2, 5.6, 4.7];
        let r = one_way(&[&a, &b, &c]).unwrap();
        assert_eq!((r.df_between, r.df_within), (2.0, 10.0));
        assert!((r.f - REF_F).abs() < 1e-12 * REF_F, "{r:?}");
        assert!((r.p - REF_P).abs() < 1e-12 * REF_P, "{r:?}");
    }
    const REF_F: f64 = 15.955747897110829;
    const REF_P: f64 = 0.0007732754030164347;

    #[test]
    fn undefined() {
        assert!(one_way(&[&[1.0, 2.0]]).is_none());
        assert!(one_way(&[&[1.0], &[2.0]]).is_none());
        assert!(one_way(&[&[1.0, 1.0], &[2.0, 2.0]]).is_none());
    }
}
