//! Student and Welch t tests (two-sided, with 95% confidence intervals), as
//! R's `t.test`.
//!
//! All functions return `None` when the test is undefined: too few
//! observations, any non-finite input value, or a zero standard error (R stops
//! with "data are essentially constant").

use crate::desc;
use crate::dist::{t_quantile, t_two_sided_p};
use serde::Serialize;

/// Result of a t test. `mean_diff`, `se` and the interval refer to the same
/// quantity: `mean(a) − mean(b)` for the two-sample tests, `mean(a) − mu` for
/// the one-sample test (add `mu` to the bounds to get R's interval for the
/// mean).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TTest {
    /// Test statistic `mean_diff / se`.
    pub t: f64,
    /// Degrees of freedom (non-integer for Welch).
    pub df: f64,
    /// Two-sided p-value `P(|T_df| ≥ |t|)`, computed without `1 − cdf`.
    pub p_two_sided: f64,
    /// Estimated difference.
    pub mean_diff: f64,
    /// Lower bound of the 95% confidence interval for `mean_diff`.
    pub ci_lower: f64,
    /// Upper bound of the 95% confidence interval for `mean_diff`.
    pub ci_upper: f64,
    /// Standard error of `mean_diff`.
    pub se: f64,
}

impl TTest {
    fn new(mean_diff: f64, se: f64, df: f64) -> Option<TTest> {
        if !(se > 0.0 && se.is_finite() && df > 0.0) {
            return None;
        }
        let t = mean_diff / se;
        let half = t_quantile(0.975, df) * se;
        Some(TTest {
            t,
            df,
            p_two_sided: t_two_sided_p(t, df),
            mean_diff,
            ci_lower: mean_diff - half,
            ci_upper: mean_diff + half,
            se,
        })
    }
}

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// Welch's unequal-variance t test (Welch 1947; R `t.test(a, b)`):
/// `se² = s_a²/n_a + s_b²/n_b`, `t = (ā − b̄)/se`, Welch–Satterthwaite
/// `df = se⁴ / ((s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1))`.
/// Needs at least 2 values in each group.
pub fn welch(a: &[f64], b: &[f64]) -> Option<TTest> {
    if a.len() < 2 || b.len() < 2 || !all_finite(a) || !all_finite(b) {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let va = desc::variance(a)? / na;
    let vb = desc::variance(b)? / nb;
    let se2 = va + vb;
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    TTest::new(desc::mean(a)? - desc::mean(b)?, se2.sqrt(), df)
}

/// Student's two-sample t test with pooled variance (R
/// `t.test(a, b, var.equal = TRUE)`): `df = n_a + n_b − 2`,
/// `s_p² = ((n_a−1)s_a² + (n_b−1)s_b²)/df`, `se = s_p √(1/n_a + 1/n_b)`.
/// Needs at least one value per group and three in total.
pub fn pooled(a: &[f64], b: &[f64]) -> Option<TTest> {
    if a.is_empty() || b.is_empty() || a.len() + b.len() < 3 || !all_finite(a) || !all_finite(b) {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let ss = |xs: &[f64]| desc::variance(xs).map_or(0.0, |v| v * (xs.len() as f64 - 1.0));
    let df = na + nb - 2.0;
    let sp2 = (ss(a) + ss(b)) / df;
    let se = (sp2 * (1.0 / na + 1.0 / nb)).sqrt();
    TTest::new(desc::mean(a)? - desc::mean(b)?, se, df)
}

/// One-sample t test of `mean(a) = mu` (R `t.test(a, mu = mu)`):
/// `t = (ā − mu)/(s/√n)`, `df = n − 1`. Needs at least 2 values; `mu` must be
/// finite.
pub fn one_sample(a: &[f64], mu: f64) -> Option<TTest> {
    if a.len() < 2 || !all_finite(a) || !mu.is_finite() {
        return None;
    }
    let n = a.len() as f64;
    TTest::new(desc::mean(a)? - mu, desc::sem(a)?, n - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    const A: [f64; 6] = [5.1, 4.9, 6.2, 5.8, 6.0, 5.5];
    const B: [f64; 5] = [4.1, 4.5, 3.9, 5.0, 4.4];

    fn check(got: TTest, want: [f64; 7]) {
        let g = [
            got.t,
            got.df,
            got.p_two_sided,
            got.mean_diff,
            got.ci_lower,
            got.ci_upper,
            got.se,
        ];
        for (k, (g, w)) in g.iter().zip(want).enumerate() {
            assert!(close(*g, w, 1e-12), "field {k}: {g} vs {w}");
        }
    }

    #[test]
    fn welch_matches_scipy() {
        // scipy 1.17.1: r = ttest_ind(A, B, equal_var=False); r.confidence_interval(0.95);
        // se = mean_diff / t (scripts/reference_values.py desc)
        check(
            welch(&A, &B).unwrap(),
            [
                4.280966827636929,
                8.999529256738212,
                0.002047292205926975,
                1.2033333333333331,
                0.5674604256563057,
                1.8392062410103605,
                0.28108915153579145,
            ],
        );
    }

    #[test]
    fn pooled_matches_scipy() {
        // scipy 1.17.1: ttest_ind(A, B, equal_var=True)
        check(
            pooled(&A, &B).unwrap(),
            [
                4.198462918620735,
                9.0,
                0.002311948628640996,
                1.2033333333333331,
                0.5549700699207069,
                1.8516965967459593,
                0.2866128287084284,
            ],
        );
    }

    #[test]
    fn one_sample_matches_scipy() {
        // scipy 1.17.1: ttest_1samp(A, 5.0); CI shifted by −5
        check(
            one_sample(&A, 5.0).unwrap(),
            [
                2.7933040956366764,
                5.0,
                0.03829512683726008,
                0.583333333333333,
                0.04651169864981419,
                1.1201549680168519,
                0.20883273476902778,
            ],
        );
    }

    #[test]
    fn undefined_cases_are_none() {
        assert!(welch(&[1.0], &B).is_none());
        assert!(welch(&[1.0, 1.0], &[2.0, 2.0]).is_none());
        assert!(welch(&[1.0, f64::NAN], &B).is_none());
        assert!(pooled(&[1.0], &[2.0]).is_none());
        assert!(pooled(&[1.0], &[2.0, 3.0]).is_some());
        assert!(one_sample(&[1.0], 0.0).is_none());
        assert!(one_sample(&A, f64::NAN).is_none());
    }
}
