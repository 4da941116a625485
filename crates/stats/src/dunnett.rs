//! Dunnett's many-to-one comparisons against a control (Dunnett 1955), with
//! single-step adjusted p-values and simultaneous confidence intervals from
//! the multivariate t distribution — the test of scipy's
//! `scipy.stats.dunnett` and R `multcomp::glht(…, mcp(group = "Dunnett"))`.
//!
//! # Method
//! With `k` treatment groups, control `0`, pooled residual variance `s²`
//! (one-way ANOVA over all `k + 1` groups, `ν = N − k − 1` degrees of
//! freedom):
//! `t_i = (ȳ_i − ȳ_0) / (s √(1/n_i + 1/n_0))`. Under the null the `t_i` are
//! jointly multivariate t with `ν` degrees of freedom and correlations
//! `ρ_ij = λ_i λ_j`, `λ_i = √(n_i/(n_i + n_0))`.
//!
//! Because the correlation has this product form, `X_i = λ_i Z + √(1−λ_i²) ε_i`
//! with independent standard normals, so (Dunnett 1955)
//! ```text
//! P(max_i |T_i| > c) = ∫₀^∞ f_S(s) ∫ φ(z) [1 − Π_i (1 − a_i(z, cs))] dz ds,
//! a_i(z, x) = Φ((−x − λ_i z)/√(1−λ_i²)) + Φ((−x + λ_i z)/√(1−λ_i²)),
//! ```
//! where `S = √(χ²_ν/ν)`. Both integrals are evaluated by globally adaptive
//! Gauss–Kronrod quadrature with break points at the peaks of the integrands
//! ([`crate::quad::integrate_points`]) to a relative accuracy of about 1e-9
//! (one comparison: the t tail itself), and the complement is formed inside the integral (`1 − Π(1 − a)` as
//! `−expm1(Σ ln(1 − a))`), so small p-values keep their relative accuracy.
//! This is deterministic; scipy and `mvtnorm` integrate the same probability
//! by randomised quasi-Monte Carlo (about 1e-4 absolute error).
//!
//! The adjusted p-value of comparison `i` is `P(max_j |T_j| ≥ |t_i|)`; the
//! simultaneous `level` intervals are `ȳ_i − ȳ_0 ± c·se_i` with
//! `P(max_j |T_j| ≤ c) = level`.

use crate::desc;
use crate::dist::{ln_gamma, normal_cdf, t_quantile, t_two_sided_p};
use crate::quad::integrate_points;
use serde::Serialize;

/// One treatment-vs-control comparison of [`dunnett`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DunnettComparison {
    /// Index of the treatment group in the `treatments` argument.
    pub group: usize,
    /// `ȳ_i − ȳ_0`.
    pub diff: f64,
    /// `s √(1/n_i + 1/n_0)`.
    pub se: f64,
    /// `diff / se`.
    pub t: f64,
    /// Single-step adjusted two-sided p-value `P(max_j |T_j| ≥ |t|)`.
    pub p_adjusted: f64,
    /// Lower simultaneous confidence limit of `diff`.
    pub ci_lower: f64,
    /// Upper simultaneous confidence limit of `diff`.
    pub ci_upper: f64,
}

/// Result of [`dunnett`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dunnett {
    /// Residual degrees of freedom `N − (k + 1)`.
    pub df: f64,
    /// Pooled residual variance `s²`.
    pub mse: f64,
    /// Two-sided critical value `c` of the simultaneous intervals.
    pub critical: f64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// One comparison per treatment group, in input order.
    pub comparisons: Vec<DunnettComparison>,
}

/// `P(max_i |T_i| > c)` for the multivariate t with `df` degrees of freedom
/// (`f64::INFINITY` for the multivariate normal) and product correlation
/// `ρ_ij = λ_i λ_j` (`0 ≤ λ_i < 1`); see the module docs. `c ≤ 0` gives 1;
/// invalid arguments give NaN.
pub fn max_abs_sf(c: f64, lambdas: &[f64], df: f64) -> f64 {
    if c.is_nan()
        || df.is_nan()
        || df <= 0.0
        || lambdas.is_empty()
        || lambdas.iter().any(|l| !(*l >= 0.0 && *l < 1.0))
    {
        return f64::NAN;
    }
    if c <= 0.0 {
        return 1.0;
    }
    if c == f64::INFINITY {
        return 0.0;
    }
    let sig: Vec<f64> = lambdas.iter().map(|l| (1.0 - l * l).sqrt()).collect();
    let lam_max = lambdas.iter().copied().fold(0.0, f64::max);
    let lam_min = lambdas.iter().copied().fold(1.0, f64::min);
    if lambdas.len() == 1 {
        // One comparison: the (two-sided) t or normal tail itself.
        return if df == f64::INFINITY {
            2.0 * normal_cdf(-c)
        } else {
            t_two_sided_p(c, df)
        };
    }
    let normal = |x: f64| -> f64 {
        // P(max |X_i| > x) for the multivariate normal.
        let inner = |z: f64| {
            let mut ln_all_inside = 0.0;
            for (l, s) in lambdas.iter().zip(&sig) {
                let a = normal_cdf((-x - l * z) / s) + normal_cdf((-x + l * z) / s);
                ln_all_inside += (-a.min(1.0)).ln_1p();
            }
            let phi = (-0.5 * z * z).exp() * 0.398_942_280_401_432_7;
            phi * -ln_all_inside.exp_m1()
        };
        // Given |X_i| > x, Z lies near ±λ_i x (sd ≤ 1), and the φ(z) mass is
        // near 0: panel edges around those points so no peak is missed.
        let half = 9.0 + lam_max * x;
        let (lo_m, hi_m) = (lam_min * x, lam_max * x);
        let mut cuts = vec![-half, -3.0, 3.0, half];
        if hi_m > 3.0 {
            cuts.extend([-hi_m - 3.0, hi_m + 3.0, -lo_m + 3.0, lo_m - 3.0]);
        }
        cuts.retain(|c| c.abs() <= half);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        integrate_points(inner, &cuts, 1e-300, 1e-9, 400).value
    };
    if df == f64::INFINITY {
        return normal(c).clamp(0.0, 1.0);
    }
    // S = √(χ²_ν/ν), s = e^v: density of v is
    // exp(ln C + ν v − ν e^{2v}/2), ln C = (ν/2)ln ν − (ν/2 − 1)ln 2 − lnΓ(ν/2).
    let ln_c = 0.5 * df * df.ln() - (0.5 * df - 1.0) * core::f64::consts::LN_2 - ln_gamma(0.5 * df);
    let v_lo = ((-745.0 - ln_c) / df).max(-700.0);
    let v_hi = 0.5 * (2.0 * (745.0 + ln_c.abs()) / df + 1.0).ln() + 0.5;
    let outer = |v: f64| {
        let w = (ln_c + df * v - 0.5 * df * (2.0 * v).exp()).exp();
        if w == 0.0 {
            0.0
        } else {
            w * normal(c * v.exp())
        }
    };
    // The outer integrand peaks near v = 0 for moderate p and, for tiny p,
    // near v* = ½ ln(ν/(ν + c²)) (where the normal tail e^{−c²s²/2} meets the
    // density of S) with width ~ 1/√(2(ν + c²)): panel edges around both.
    let w0 = 1.0 / (2.0 * df).sqrt();
    let v_star = 0.5 * (df / (df + c * c)).ln();
    let w1 = 1.0 / (2.0 * (df + c * c)).sqrt();
    let mut cuts = vec![v_lo, v_hi, -8.0 * w0, 8.0 * w0];
    for m in [-12.0, -4.0, 4.0, 12.0] {
        cuts.push(v_star + m * w1);
    }
    cuts.retain(|v| (v_lo..=v_hi).contains(v));
    cuts.sort_by(f64::total_cmp);
    cuts.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    integrate_points(outer, &cuts, 1e-300, 1e-9, 400)
        .value
        .clamp(0.0, 1.0)
}

/// The `c` with `P(max_i |T_i| ≤ c) = level` (see [`max_abs_sf`]); NaN for
/// invalid arguments.
pub fn critical_value(level: f64, lambdas: &[f64], df: f64) -> f64 {
    if !(level > 0.0 && level < 1.0) || lambdas.is_empty() {
        return f64::NAN;
    }
    let alpha = 1.0 - level;
    let k = lambdas.len() as f64;
    // Bracket: the single-comparison and the Bonferroni critical values.
    let mut lo = t_quantile(1.0 - alpha / 2.0, df) * 0.999;
    let mut hi = t_quantile(1.0 - alpha / (2.0 * k), df) * 1.001 + 1e-9;
    let g = |c: f64| max_abs_sf(c, lambdas, df).ln() - alpha.ln();
    let (mut glo, mut ghi) = (g(lo), g(hi));
    if !(glo.is_finite() && ghi.is_finite()) || glo < 0.0 || ghi > 0.0 {
        return f64::NAN;
    }
    // Illinois false position on ln p(c) − ln α.
    let mut side = 0;
    for _ in 0..100 {
        let c = (lo * ghi - hi * glo) / (ghi - glo);
        let gc = g(c);
        if gc.abs() < 1e-12 || (hi - lo) < 1e-12 * hi {
            return c;
        }
        if gc > 0.0 {
            lo = c;
            glo = gc;
            if side == 1 {
                ghi *= 0.5;
            }
            side = 1;
        } else {
            hi = c;
            ghi = gc;
            if side == -1 {
                glo *= 0.5;
            }
            side = -1;
        }
    }
    0.5 * (lo + hi)
}

/// Dunnett's comparisons of each of `treatments` against `control` (see the
/// module docs), with simultaneous intervals at `level` (e.g. 0.95).
///
/// `None` when the control or a treatment group is empty, a value is not
/// finite, there is no residual degree of freedom, or the pooled variance is
/// zero.
pub fn dunnett(control: &[f64], treatments: &[&[f64]], level: f64) -> Option<Dunnett> {
    if control.is_empty()
        || treatments.is_empty()
        || treatments.iter().any(|t| t.is_empty())
        || !(level > 0.0 && level < 1.0)
    {
        return None;
    }
    let mut groups: Vec<&[f64]> = vec![control];
    groups.extend_from_slice(treatments);
    if groups.iter().any(|g| g.iter().any(|v| !v.is_finite())) {
        return None;
    }
    let n: usize = groups.iter().map(|g| g.len()).sum();
    let k1 = groups.len();
    if n <= k1 {
        return None;
    }
    let mut ssw = 0.0;
    let mut means = Vec::with_capacity(k1);
    for g in &groups {
        let m = desc::mean(g)?;
        ssw += g.iter().map(|v| (v - m) * (v - m)).sum::<f64>();
        means.push(m);
    }
    let df = (n - k1) as f64;
    let mse = ssw / df;
    if !(mse > 0.0) {
        return None;
    }
    let n0 = control.len() as f64;
    let lambdas: Vec<f64> = treatments
        .iter()
        .map(|t| {
            let ni = t.len() as f64;
            (ni / (ni + n0)).sqrt()
        })
        .collect();
    let crit = critical_value(level, &lambdas, df);
    let s = mse.sqrt();
    let comparisons = treatments
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let ni = t.len() as f64;
            let diff = means[i + 1] - means[0];
            let se = s * (1.0 / ni + 1.0 / n0).sqrt();
            let tt = diff / se;
            DunnettComparison {
                group: i,
                diff,
                se,
                t: tt,
                p_adjusted: max_abs_sf(tt.abs(), &lambdas, df),
                ci_lower: diff - crit * se,
                ci_upper: diff + crit * se,
            }
        })
        .collect();
    Some(Dunnett {
        df,
        mse,
        critical: crit,
        level,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_comparison_is_the_t_test() {
        // One comparison uses the t tail directly. For two correlated
        // comparisons the integral must lie between P(|T| > c) and the
        // Bonferroni bound 2·P(|T| > c).
        for &(c, df) in &[(2.5, 7.0), (4.0, 30.0), (9.0, 12.0)] {
            let one = t_two_sided_p(c, df);
            let two = max_abs_sf(c, &[0.7, 0.7], df);
            assert!(
                two > one && two < 2.0 * one,
                "c {c} df {df}: {two} vs {one}"
            );
        }
        for &(c, df) in &[
            (2.1, 5.0),
            (0.3, 12.0),
            (6.0, 3.0),
            (12.0, 40.0),
            (2.0, f64::INFINITY),
            (3.0, 1.0),
            (50.0, 2.0),
            (1.5, 1000.0),
            (40.0, 200.0),
        ] {
            let p = max_abs_sf(c, &[0.6], df);
            let want = t_two_sided_p(c, df);
            assert!(
                ((p - want) / want).abs() < 1e-8,
                "c {c} df {df}: {p} vs {want}"
            );
        }
    }

    #[test]
    fn independent_comparisons_multiply() {
        // λ = 0: independent normals, P(max|X| ≤ c) = (1 − 2Φ(−c))^k.
        let c = 2.5;
        let one = 2.0 * normal_cdf(-c);
        let want = 1.0 - (1.0 - one).powi(3);
        let p = max_abs_sf(c, &[0.0, 0.0, 0.0], f64::INFINITY);
        assert!(((p - want) / want).abs() < 1e-9);
    }

    #[test]
    fn equicorrelated_half_critical_value() {
        // Dunnett's (1955) table: k = 2 comparisons, equal n (ρ = ½), ν = ∞,
        // two-sided 95 %: c = 2.21 (2.212 to three decimals).
        let l = 0.5f64.sqrt();
        let c = critical_value(0.95, &[l, l], f64::INFINITY);
        assert!((c - 2.212).abs() < 6e-4, "{c}");
    }

    #[test]
    fn matches_scipy_and_quadrature() {
        // scripts/reference_group_tests.py: scipy 1.17.1
        // dunnett(t1, t2, t3, control=ctrl) statistics and a deterministic
        // scipy.integrate.quad evaluation of the same probability (scipy's
        // own p-values come from randomised QMC and are good to ~1e-4
        // absolute only: 1.619e-5 vs 1.738e-5 for the first comparison).
        let ctrl = [6.86, 7.02, 6.75, 7.10, 6.95, 6.81];
        let t1 = [6.20, 6.41, 6.05, 6.33, 6.52];
        let t2 = [7.05, 6.90, 7.22, 6.98, 7.15, 7.08, 6.88];
        let t3 = [5.10, 5.45, 5.30, 5.62];
        let r = dunnett(&ctrl, &[&t1, &t2, &t3], 0.95).unwrap();
        assert_eq!(r.df, 18.0);
        let stat = [-6.3103624160848275, 1.3685182292600584, -14.943964306008548];
        let p_quad = [
            1.7378727350627897e-05,
            0.4093533777191788,
            4.0392686773950967e-11,
        ];
        let p_scipy = [
            1.6192050330987584e-05,
            0.40935260767993464,
            1.1102230246251565e-16,
        ];
        let lo = [
            -0.8627723220125258,
            -0.10734284212098766,
            -1.8137581898943735,
        ];
        let hi = [
            -0.36322767798747324,
            0.35162855640670054,
            -1.2812418101056253,
        ];
        for (i, c) in r.comparisons.iter().enumerate() {
            assert!((c.t - stat[i]).abs() < 1e-12 * stat[i].abs());
            assert!(
                ((c.p_adjusted - p_quad[i]) / p_quad[i]).abs() < 1e-7,
                "{c:?}"
            );
            assert!((c.p_adjusted - p_scipy[i]).abs() < 2e-5, "{c:?}");
            // scipy's interval uses its QMC critical value: 1e-4 of the width.
            assert!((c.ci_lower - lo[i]).abs() < 2e-4, "{c:?}");
            assert!((c.ci_upper - hi[i]).abs() < 2e-4, "{c:?}");
        }
        // Critical value by quadrature + brentq: 2.5717710204682196.
        assert!(
            (r.critical - 2.5717710204682196).abs() < 1e-7,
            "{}",
            r.critical
        );
    }
}
