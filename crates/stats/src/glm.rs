//! Poisson regression with a log link (and an optional offset) by
//! iteratively reweighted least squares, with the quasi-Poisson dispersion —
//! R `glm(y ~ X + offset(o), family = poisson / quasipoisson)`.
//!
//! # Method
//! `log μ = Xβ + offset`. IRLS (McCullagh & Nelder 1989, §2.5): working
//! response `z = η − offset + (y − μ)/μ`, weights `w = μ`, solve
//! `(XᵀWX)β = XᵀWz` by Cholesky; start from `μ = y + 0.1`; stop when
//! `|D − D_old|/(|D| + 0.1) < 1e-10` (R's rule with a tighter tolerance),
//! with the deviance `D = 2Σ[y ln(y/μ) − (y − μ)]`.
//!
//! Standard errors are `√(φ·diag((XᵀWX)⁻¹))` with `φ = 1` (Poisson; Wald
//! z tests, normal p-values) or the Pearson estimate
//! `φ = Σ(y − μ)²/μ / (n − p)` (quasi-Poisson; t tests with `n − p` degrees
//! of freedom, as R's `summary.glm`). Quasi-Poisson keeps the Poisson point
//! estimates and widens their errors when counts vary more than Poisson
//! (over-dispersion, typical of colony counts between dishes).

use crate::dist::{normal_cdf, t_two_sided_p};
use serde::Serialize;

/// Dispersion model of [`poisson_glm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dispersion {
    /// Poisson: dispersion fixed at 1, Wald z tests.
    Poisson,
    /// Quasi-Poisson: Pearson dispersion, t tests with `n − p` df.
    QuasiPoisson,
}

/// A fitted Poisson / quasi-Poisson GLM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoissonFit {
    /// Coefficients `β` (log scale), one per column of `X`.
    pub coef: Vec<f64>,
    /// Standard errors (dispersion included).
    pub se: Vec<f64>,
    /// Test statistics `β/se` (z for Poisson, t for quasi-Poisson).
    pub stat: Vec<f64>,
    /// Two-sided p-values of `β = 0`.
    pub p: Vec<f64>,
    /// Dispersion `φ` used for the standard errors.
    pub dispersion: f64,
    /// Residual deviance.
    pub deviance: f64,
    /// Pearson chi-squared `Σ(y − μ)²/μ`.
    pub pearson_chi2: f64,
    /// Residual degrees of freedom `n − p`.
    pub df_residual: f64,
    /// Fitted means.
    pub fitted: Vec<f64>,
    /// IRLS iterations used.
    pub iterations: usize,
    /// True when IRLS converged.
    pub converged: bool,
}

/// Cholesky factor `L` (lower, row-major `p×p`) of a symmetric positive
/// definite matrix; `None` if it is not (numerically) positive definite.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if !(s > 1e-300) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b`.
fn chol_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            y[i] -= l[i * p + k] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            y[i] -= l[k * p + i] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    y
}

/// Fits `log E[y] = Xβ + offset` (see the module docs). `x` is row-major
/// `n × p` (include a column of ones for an intercept); `offset` is empty or
/// has length `n` (e.g. `ln(cells plated)` for rates).
///
/// `None` for inconsistent shapes, `n ≤ p`, negative or non-finite counts,
/// non-finite covariates, or a singular design. A fit that does not converge
/// within 100 iterations — e.g. a group whose counts are all 0, for which the
/// maximum-likelihood estimate is −∞ — is returned with `converged = false`;
/// its estimates must not be reported.
pub fn poisson_glm(
    y: &[f64],
    x: &[f64],
    p: usize,
    offset: &[f64],
    dispersion: Dispersion,
) -> Option<PoissonFit> {
    let n = y.len();
    if p == 0
        || x.len() != n * p
        || n <= p
        || !(offset.is_empty() || offset.len() == n)
        || y.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        || x.iter().chain(offset).any(|v| !v.is_finite())
    {
        return None;
    }
    let off = |i: usize| if offset.is_empty() { 0.0 } else { offset[i] };
    let mut mu: Vec<f64> = y.iter().map(|v| v + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let deviance = |mu: &[f64]| -> f64 {
        2.0 * y
            .iter()
            .zip(mu)
            .map(|(&yi, &mi)| {
                let t = if yi > 0.0 { yi * (yi / mi).ln() } else { 0.0 };
                t - (yi - mi)
            })
            .sum::<f64>()
    };
    let mut dev_old = deviance(&mu);
    let mut beta = vec![0.0; p];
    let mut chol = None;
    let mut converged = false;
    let mut iterations = 0;
    for it in 1..=100 {
        iterations = it;
        let mut xtwx = vec![0.0; p * p];
        let mut xtwz = vec![0.0; p];
        for i in 0..n {
            let w = mu[i];
            let z = eta[i] - off(i) + (y[i] - mu[i]) / mu[i];
            let row = &x[i * p..(i + 1) * p];
            for a in 0..p {
                xtwz[a] += w * row[a] * z;
                for b in 0..=a {
                    xtwx[a * p + b] += w * row[a] * row[b];
                }
            }
        }
        for a in 0..p {
            for b in a + 1..p {
                xtwx[a * p + b] = xtwx[b * p + a];
            }
        }
        let l = cholesky(&xtwx, p)?;
        beta = chol_solve(&l, p, &xtwz);
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            eta[i] = off(i) + row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
            mu[i] = eta[i].exp().max(1e-300);
        }
        chol = Some(l);
        let dev = deviance(&mu);
        if !dev.is_finite() {
            break;
        }
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < 1e-10 {
            converged = true;
            dev_old = dev;
            break;
        }
        dev_old = dev;
    }
    // Covariance from the weights at the final μ.
    let mut xtwx = vec![0.0; p * p];
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        for a in 0..p {
            for b in 0..p {
                xtwx[a * p + b] += mu[i] * row[a] * row[b];
            }
        }
    }
    let l = cholesky(&xtwx, p).or(chol)?;
    let pearson: f64 = y
        .iter()
        .zip(&mu)
        .map(|(yi, mi)| (yi - mi) * (yi - mi) / mi)
        .sum();
    let df = (n - p) as f64;
    let phi = match dispersion {
        Dispersion::Poisson => 1.0,
        Dispersion::QuasiPoisson => pearson / df,
    };
    let mut se = Vec::with_capacity(p);
    for j in 0..p {
        let mut e = vec![0.0; p];
        e[j] = 1.0;
        let col = chol_solve(&l, p, &e);
        se.push((phi * col[j]).sqrt());
    }
    let stat: Vec<f64> = beta.iter().zip(&se).map(|(b, s)| b / s).collect();
    let pv: Vec<f64> = stat
        .iter()
        .map(|&z| match dispersion {
            Dispersion::Poisson => 2.0 * normal_cdf(-z.abs()),
            Dispersion::QuasiPoisson => t_two_sided_p(z, df),
        })
        .collect();
    Some(PoissonFit {
        coef: beta,
        se,
        stat,
        p: pv,
        dispersion: phi,
        deviance: dev_old,
        pearson_chi2: pearson,
        df_residual: df,
        fitted: mu,
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_groups_closed_form() {
        // Group means 10 and 5: β1 = ln(5/10), se = √(1/Σy₀ + 1/Σy₁).
        let y = [9.0, 11.0, 10.0, 4.0, 6.0, 5.0];
        let x = [1., 0., 1., 0., 1., 0., 1., 1., 1., 1., 1., 1.];
        let f = poisson_glm(&y, &x, 2, &[], Dispersion::Poisson).unwrap();
        assert!(f.converged);
        assert!((f.coef[0] - 10f64.ln()).abs() < 1e-10);
        assert!((f.coef[1] - 0.5f64.ln()).abs() < 1e-10);
        assert!((f.se[1] - (1.0 / 30.0 + 1.0 / 15.0f64).sqrt()).abs() < 1e-10);
        // Pearson: Σ(y − μ)²/μ = (1 + 1 + 0)/10 + (1 + 1 + 0)/5 = 0.6; φ = 0.6/4.
        let q = poisson_glm(&y, &x, 2, &[], Dispersion::QuasiPoisson).unwrap();
        assert!((q.dispersion - 0.15).abs() < 1e-10);
        assert!((q.se[1] - f.se[1] * 0.15f64.sqrt()).abs() < 1e-10);
    }

    #[test]
    fn invalid_and_zero_groups() {
        assert!(poisson_glm(&[1.0, -1.0], &[1.0, 1.0], 1, &[], Dispersion::Poisson).is_none());
        let y = [0.0, 0.0, 5.0, 6.0];
        let x = [1., 1., 1., 1., 1., 0., 1., 0.];
        let f = poisson_glm(&y, &x, 2, &[], Dispersion::Poisson).unwrap();
        assert!(!f.converged || f.coef[1] < -20.0);
    }

    #[test]
    fn matches_statsmodels_with_offset() {
        // scripts/reference_group_tests.py: statsmodels 0.15.0
        // GLM(y, X, Poisson(), offset=log(plated)).fit() and .fit(scale="X2").
        let y = [52., 61., 47., 30., 25., 36., 12., 18., 9.];
        let plated = [1000., 1000., 1000., 1000., 1000., 1000., 500., 500., 500.];
        let off: Vec<f64> = plated.iter().map(|v: &f64| v.ln()).collect();
        let g = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let mut x = Vec::new();
        for gi in g {
            x.extend_from_slice(&[1.0, (gi == 1) as u8 as f64, (gi == 2) as u8 as f64]);
        }
        let f = poisson_glm(&y, &x, 3, &off, Dispersion::Poisson).unwrap();
        let coef = [-2.93119375241642, -0.5643143087169776, -0.7184649885442361];
        let se = [
            0.07905694150420942,
            0.13129741425104677,
            0.17858058580304523,
        ];
        let p = [
            6.598575015787928e-301,
            1.7235787309469365e-05,
            5.7413281480021e-05,
        ];
        for j in 0..3 {
            assert!((f.coef[j] - coef[j]).abs() < 1e-10);
            assert!((f.se[j] - se[j]).abs() < 1e-10);
            assert!(
                ((f.p[j] - p[j]) / p[j]).abs() < 1e-6,
                "{j}: {} vs {}",
                f.p[j],
                p[j]
            );
        }
        assert!((f.deviance - 7.045283674062965).abs() < 1e-9);
        assert!((f.pearson_chi2 - 7.118269230769242).abs() < 1e-9);
        let q = poisson_glm(&y, &x, 3, &off, Dispersion::QuasiPoisson).unwrap();
        assert!((q.dispersion - 1.186378205128204).abs() < 1e-9);
        let qse = [0.0861096033091041, 0.14301044337854574, 0.1945117419584164];
        let qp = [
            4.28013938184988e-08,
            0.007572600863006005,
            0.010164204320135631,
        ];
        for j in 0..3 {
            assert!((q.se[j] - qse[j]).abs() < 1e-9);
            assert!(((q.p[j] - qp[j]) / qp[j]).abs() < 1e-7);
        }
    }
}
