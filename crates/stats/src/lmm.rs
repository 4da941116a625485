//! Linear mixed models with one grouping factor (e.g. mouse):
//! `yᵢ = Xᵢβ + Zᵢbᵢ + εᵢ`, `bᵢ ~ N(0, G)`, `εᵢ ~ N(0, σ²I)`, groups
//! independent — R `nlme::lme(y ~ X, random = ~Z | group)`, statsmodels
//! `MixedLM(y, X, groups, exog_re=Z)`.
//!
//! The random-effects design `Z` has `q` columns (1 or 2 in practice): a
//! random intercept (`Z = 1`), a random slope (`Z = t`, no intercept — the
//! SynergyLMM model), or both (`Z = [1, t]` with an unstructured 2×2 `G`).
//! Unbalanced data (mice with missing days, mice dropping out) need nothing
//! special: every group brings its own rows.
//!
//! # Method
//! Relative covariance `Ψ = G/σ² = ΛΛᵀ` with `Λ` lower triangular (the
//! Cholesky parametrisation of lme4, Bates et al. 2015, J Stat Softw 67(1),
//! §3); `Vᵢ = I + ZᵢΨZᵢᵀ` so that `Var(yᵢ) = σ²Vᵢ`. For a given `Λ` the
//! generalised least-squares `β̂ = (XᵀV⁻¹X)⁻¹XᵀV⁻¹y` and `σ²` are closed
//! form, so `σ²` and `β` are profiled out (Pinheiro & Bates 2000, §2.2) and
//! only `Λ` is optimised:
//!
//! - ML:   `ℓ = −½[n ln(2πσ̂²) + Σ ln|Vᵢ| + n]`, `σ̂² = r²/n`;
//! - REML: `ℓ_R = −½[(n−p) ln(2πσ̂²) + Σ ln|Vᵢ| + ln|XᵀV⁻¹X| + (n−p)]`,
//!   `σ̂² = r²/(n−p)`,
//!
//! with `r² = (y − Xβ̂)ᵀV⁻¹(y − Xβ̂)`. These are the values statsmodels'
//! `MixedLMResults.llf` and nlme's `logLik` report. Each group enters
//! through its sufficient statistics `ZᵢᵀZᵢ, ZᵢᵀXᵢ, Zᵢᵀyᵢ` and the Woodbury
//! identity `Vᵢ⁻¹ = I − ZᵢΛMᵢ⁻¹ΛᵀZᵢᵀ`, `|Vᵢ| = |Mᵢ|`, `Mᵢ = I + ΛᵀZᵢᵀZᵢΛ`
//! (`q×q`), so one evaluation costs O(groups·q³ + p³) whatever the group
//! sizes.
//!
//! **Optimiser.** Nelder–Mead (Nelder & Mead 1965, with the standard
//! reflection/expansion/contraction/shrink coefficients 1, 2, ½, ½) on the
//! entries of `Λ` scaled by `1/rms(z_k)` per random-effect column, from
//! several starts (diagonal 0.1, 1 and 10 on that scale, off-diagonal 0),
//! then restarted from the best point until a restart gains less than
//! `1e-10` in `ℓ`, then polished by Newton steps on a finite-difference
//! gradient and Hessian (accepted only when they increase `ℓ`). The
//! unconstrained Cholesky entries let a variance reach exactly 0 (a
//! boundary fit), which a log-variance parametrisation cannot.
//!
//! **Flags.** `converged` — the simplex collapsed (`ℓ` spread `< 1e-11`)
//! within the evaluation budget and the last restart did not move `ℓ`.
//! `singular` — a diagonal entry of the scaled `Λ` is below `1e-4`
//! (lme4's `isSingular` rule on θ): a variance (or, for 2×2, the
//! conditional variance of the slope given the intercept) sits on the
//! boundary 0 and the correlation is ±1 or undefined.
//!
//! **Fixed effects.** `Cov(β̂) = σ̂²(XᵀV̂⁻¹X)⁻¹` (the conventional covariance
//! nlme's and lme4's `vcov` report; statsmodels' `bse` comes from the
//! observed information of all parameters and differs slightly when the
//! random-effects design has more than one column — see the tests). Wald
//! `t = β̂/se` with degrees of freedom chosen by [`DfMethod`]:
//! [`DfMethod::BetweenWithin`] (default) is nlme's rule for one grouping
//! level (Pinheiro & Bates 2000, §2.4.2): a column constant within every
//! group (a treatment-group indicator) is a *between* term with
//! `G − p_between − 1` df (the −1 is the intercept, if any); every other
//! column, and the intercept, are *within* terms with `N − G − p_within`
//! df. It is the df nlme prints for the designs used here and is exact for
//! balanced designs; statsmodels gives normal (z) p-values, lme4 none.
//! [`DfMethod::Residual`] uses `N − p` for every term. A contrast `Lβ`
//! uses the smallest df among the coefficients it involves (conservative).

use crate::dist::{f_sf, normal_quantile, t_quantile, t_two_sided_p};
use crate::linalg::{chol_inverse, chol_log_det, chol_solve, cholesky};
use serde::Serialize;
use thiserror::Error;

/// Estimation criterion of [`fit_lmm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LmmMethod {
    /// Restricted maximum likelihood (default; nlme and statsmodels default).
    #[default]
    Reml,
    /// Maximum likelihood (for likelihood-ratio tests of fixed effects).
    Ml,
}

/// Degrees of freedom of the Wald t tests of [`fit_lmm`] (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DfMethod {
    /// nlme's between/within rule for one grouping level (default).
    #[default]
    BetweenWithin,
    /// Residual df `N − p` for every term.
    Residual,
}

/// Options of [`fit_lmm`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LmmOptions {
    /// REML (default) or ML.
    pub method: LmmMethod,
    /// Degrees-of-freedom rule of the t tests.
    pub df: DfMethod,
    /// Maximum likelihood evaluations per Nelder–Mead run.
    pub max_evaluations: usize,
}

impl Default for LmmOptions {
    fn default() -> Self {
        Self {
            method: LmmMethod::Reml,
            df: DfMethod::BetweenWithin,
            max_evaluations: 4000,
        }
    }
}

/// Errors of [`fit_lmm`] and [`LmmFit::contrast`].
#[derive(Debug, Error, Clone, PartialEq)]
pub enum LmmError {
    /// Slice lengths do not match `n`, `p`, `q`.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// A value of y, X or Z is NaN or infinite.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
    /// Fewer observations than fixed effects + 1, or fewer than 2 groups.
    #[error("too few observations ({n}) or groups ({groups}) for {p} fixed effects")]
    TooFewData {
        /// Observations.
        n: usize,
        /// Groups.
        groups: usize,
        /// Fixed effects.
        p: usize,
    },
    /// `XᵀX` is singular (collinear or empty columns).
    #[error("the fixed-effects design is rank deficient")]
    RankDeficient,
    /// The likelihood could not be evaluated at any start.
    #[error("the mixed model could not be fitted")]
    FitFailed,
    /// A contrast matrix with the wrong number of columns or no rows.
    #[error("contrast: {0}")]
    Contrast(String),
}

/// A fitted linear mixed model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LmmFit {
    /// Criterion used.
    pub method: LmmMethod,
    /// df rule used.
    pub df_method: DfMethod,
    /// Fixed effects `β̂` (one per column of X).
    pub coef: Vec<f64>,
    /// Standard errors `√diag(σ̂²(XᵀV̂⁻¹X)⁻¹)`.
    pub se: Vec<f64>,
    /// Degrees of freedom of each coefficient's t test.
    pub df: Vec<f64>,
    /// `t = β̂/se`.
    pub t: Vec<f64>,
    /// Two-sided p-values of `β = 0` (t distribution with `df`).
    pub p: Vec<f64>,
    /// `Cov(β̂)`, row-major `p×p`.
    pub cov_beta: Vec<f64>,
    /// Residual variance `σ̂²`.
    pub sigma2: f64,
    /// Random-effects covariance `G = σ̂²ΛΛᵀ`, row-major `q×q`.
    pub re_cov: Vec<f64>,
    /// Random-effects standard deviations `√diag G`.
    pub re_sd: Vec<f64>,
    /// Relative Cholesky factor `Λ` (row-major `q×q`, `Ψ = ΛΛᵀ = G/σ²`).
    pub lambda: Vec<f64>,
    /// Maximised log-likelihood (REML or ML, per `method`, constants included).
    pub loglik: f64,
    /// `AIC = −2ℓ + 2k`, `k = p + q(q+1)/2 + 1` (nlme's count, also for REML).
    pub aic: f64,
    /// `BIC = −2ℓ + k ln m`, `m = N − p` for REML and `N` for ML (nlme).
    pub bic: f64,
    /// Predicted random effects (BLUPs) per group, in group order, `q` each.
    pub ranef: Vec<Vec<f64>>,
    /// Observations.
    pub n_obs: usize,
    /// Groups.
    pub n_groups: usize,
    /// Fixed effects `p`.
    pub n_fixed: usize,
    /// Random effects per group `q`.
    pub n_random: usize,
    /// Likelihood evaluations used.
    pub evaluations: usize,
    /// True when the optimiser converged (see the module docs).
    pub converged: bool,
    /// True when a variance parameter sits on the boundary (see the module docs).
    pub singular: bool,
}

/// Result of a linear contrast `Lβ = 0` ([`LmmFit::contrast`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContrastTest {
    /// Estimates `Lβ̂`, one per row of `L`.
    pub estimate: Vec<f64>,
    /// Their standard errors `√diag(L Cov(β̂) Lᵀ)`.
    pub se: Vec<f64>,
    /// Numerator df (rank = rows of `L`).
    pub df1: f64,
    /// Denominator df (smallest df among the coefficients involved).
    pub df2: f64,
    /// `F = (Lβ̂)ᵀ(L Cov Lᵀ)⁻¹(Lβ̂)/r`; for one row `F = t²`.
    pub f: f64,
    /// The t statistic of a one-row contrast, `None` for several rows.
    pub t: Option<f64>,
    /// p-value of the F test (equal to the two-sided t test for one row).
    pub p: f64,
    /// z-based (normal) p-value of a one-row contrast (as R's
    /// `marginaleffects::hypotheses` reports for `lme` fits), `None` for several rows.
    pub p_normal: Option<f64>,
}

impl LmmFit {
    /// Tests `Lβ = 0` for a contrast matrix `l` (row-major, `rows × p`).
    /// One row: a t test (`t = Lβ̂/se`); several rows: the Wald F test
    /// `F = (Lβ̂)ᵀ(L Cov(β̂) Lᵀ)⁻¹(Lβ̂)/r` on `(r, df2)` df (Pinheiro & Bates
    /// 2000, §2.4.2), `df2` the smallest df of the coefficients with a
    /// non-zero weight.
    pub fn contrast(&self, l: &[f64], rows: usize) -> Result<ContrastTest, LmmError> {
        let p = self.n_fixed;
        if rows == 0 || l.len() != rows * p {
            return Err(LmmError::Contrast(format!(
                "expected {rows}×{p} = {} weights, got {}",
                rows * p,
                l.len()
            )));
        }
        if l.iter().any(|v| !v.is_finite()) {
            return Err(LmmError::NonFinite("contrast"));
        }
        let est: Vec<f64> = (0..rows)
            .map(|r| (0..p).map(|j| l[r * p + j] * self.coef[j]).sum())
            .collect();
        // L C Lᵀ
        let mut lcl = vec![0.0; rows * rows];
        for a in 0..rows {
            for b in 0..rows {
                let mut s = 0.0;
                for i in 0..p {
                    for j in 0..p {
                        s += l[a * p + i] * self.cov_beta[i * p + j] * l[b * p + j];
                    }
                }
                lcl[a * rows + b] = s;
            }
        }
        let se: Vec<f64> = (0..rows)
            .map(|a| lcl[a * rows + a].max(0.0).sqrt())
            .collect();
        let df2 = (0..p)
            .filter(|&j| (0..rows).any(|r| l[r * p + j] != 0.0))
            .map(|j| self.df[j])
            .fold(f64::INFINITY, f64::min);
        let chol = cholesky(&lcl, rows).ok_or_else(|| {
            LmmError::Contrast("L Cov(β) Lᵀ is singular (redundant rows or a zero row)".into())
        })?;
        let sol = chol_solve(&chol, rows, &est);
        let f = est.iter().zip(&sol).map(|(a, b)| a * b).sum::<f64>() / rows as f64;
        let (t, p_val, p_normal) = if rows == 1 {
            let t = est[0] / se[0];
            (
                Some(t),
                t_two_sided_p(t, df2),
                Some(2.0 * crate::dist::normal_sf(t.abs())),
            )
        } else {
            (None, f_sf(f, rows as f64, df2), None)
        };
        Ok(ContrastTest {
            estimate: est,
            se,
            df1: rows as f64,
            df2,
            f,
            t,
            p: p_val,
            p_normal,
        })
    }

    /// Two-sided `level` confidence interval of coefficient `j` with the t
    /// quantile on `df[j]`: `β̂ ± t_{(1+level)/2, df}·se`.
    pub fn coef_ci(&self, j: usize, level: f64) -> (f64, f64) {
        let q = t_quantile(0.5 + level / 2.0, self.df[j]);
        (self.coef[j] - q * self.se[j], self.coef[j] + q * self.se[j])
    }

    /// Two-sided `level` Wald interval of coefficient `j` with the normal
    /// quantile, `β̂ ± z_{(1+level)/2}·se`.
    pub fn coef_ci_normal(&self, j: usize, level: f64) -> (f64, f64) {
        let q = normal_quantile(0.5 + level / 2.0);
        (self.coef[j] - q * self.se[j], self.coef[j] + q * self.se[j])
    }
}

/// Per-group sufficient statistics.
struct GroupStats {
    ztz: Vec<f64>, // q×q
    ztx: Vec<f64>, // q×p
    zty: Vec<f64>, // q
}

struct Problem {
    n: usize,
    p: usize,
    q: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    groups: Vec<GroupStats>,
    reml: bool,
    scale: Vec<f64>, // per random-effect column: Λ row k multiplied by scale[k]
}

/// Profiled quantities at one `Λ`.
struct Eval {
    loglik: f64,
    beta: Vec<f64>,
    sigma2: f64,
    xtvx_chol: Vec<f64>,
}

impl Problem {
    fn n_theta(&self) -> usize {
        self.q * (self.q + 1) / 2
    }

    fn lambda(&self, phi: &[f64]) -> Vec<f64> {
        let q = self.q;
        let mut l = vec![0.0; q * q];
        let mut k = 0;
        for i in 0..q {
            for j in 0..=i {
                l[i * q + j] = phi[k] * self.scale[i];
                k += 1;
            }
        }
        l
    }

    fn eval(&self, phi: &[f64]) -> Option<Eval> {
        let (p, q) = (self.p, self.q);
        let lam = self.lambda(phi);
        let mut xtvx = self.xtx.clone();
        let mut xtvy = self.xty.clone();
        let mut ytvy = self.yty;
        let mut logdet_v = 0.0;
        let mut m = vec![0.0; q * q];
        let mut b = vec![0.0; q * p];
        let mut c = vec![0.0; q];
        for g in &self.groups {
            // M = I + Λᵀ ZᵀZ Λ
            for i in 0..q {
                for j in 0..q {
                    let mut s = if i == j { 1.0 } else { 0.0 };
                    for a in 0..q {
                        for bb in 0..q {
                            s += lam[a * q + i] * g.ztz[a * q + bb] * lam[bb * q + j];
                        }
                    }
                    m[i * q + j] = s;
                }
            }
            // B = Λᵀ ZᵀX, c = Λᵀ Zᵀy
            for i in 0..q {
                for j in 0..p {
                    b[i * p + j] = (0..q).map(|a| lam[a * q + i] * g.ztx[a * p + j]).sum();
                }
                c[i] = (0..q).map(|a| lam[a * q + i] * g.zty[a]).sum();
            }
            let lm = cholesky(&m, q)?;
            logdet_v += chol_log_det(&lm, q);
            let minv = chol_inverse(&lm, q);
            // D = M⁻¹B (q×p), e = M⁻¹c
            let mut d = vec![0.0; q * p];
            for i in 0..q {
                for j in 0..p {
                    d[i * p + j] = (0..q).map(|a| minv[i * q + a] * b[a * p + j]).sum();
                }
            }
            let e: Vec<f64> = (0..q)
                .map(|i| (0..q).map(|a| minv[i * q + a] * c[a]).sum())
                .collect();
            for i in 0..p {
                for j in 0..p {
                    xtvx[i * p + j] -= (0..q).map(|a| b[a * p + i] * d[a * p + j]).sum::<f64>();
                }
                xtvy[i] -= (0..q).map(|a| b[a * p + i] * e[a]).sum::<f64>();
            }
            ytvy -= (0..q).map(|a| c[a] * e[a]).sum::<f64>();
        }
        let lx = cholesky(&xtvx, p)?;
        let beta = chol_solve(&lx, p, &xtvy);
        let r2 = ytvy - beta.iter().zip(&xtvy).map(|(a, b)| a * b).sum::<f64>();
        if !(r2 > 0.0) || !r2.is_finite() {
            return None;
        }
        let n = self.n as f64;
        let pf = p as f64;
        let two_pi = 2.0 * std::f64::consts::PI;
        let (loglik, sigma2) = if self.reml {
            let m = n - pf;
            let s2 = r2 / m;
            (
                -0.5 * (m * (two_pi * s2).ln() + logdet_v + chol_log_det(&lx, p) + m),
                s2,
            )
        } else {
            let s2 = r2 / n;
            (-0.5 * (n * (two_pi * s2).ln() + logdet_v + n), s2)
        };
        if !loglik.is_finite() {
            return None;
        }
        Some(Eval {
            loglik,
            beta,
            sigma2,
            xtvx_chol: lx,
        })
    }

    fn objective(&self, phi: &[f64]) -> f64 {
        self.eval(phi).map_or(f64::INFINITY, |e| -e.loglik)
    }
}

/// Nelder–Mead minimisation from `x0` with initial step `step` (per
/// coordinate). Returns (best point, best value, evaluations, converged).
fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    max_eval: usize,
) -> (Vec<f64>, f64, usize, bool) {
    let k = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..k {
        let mut x = x0.to_vec();
        x[i] += if x[i].abs() > 1e-8 {
            step * x[i].abs().max(0.05)
        } else {
            step * 0.1
        };
        pts.push(x);
    }
    let mut vals: Vec<f64> = pts.iter().map(|x| f(x)).collect();
    let mut evals = k + 1;
    let mut converged = false;
    while evals < max_eval {
        let mut idx: Vec<usize> = (0..=k).collect();
        idx.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        let spread = vals[k] - vals[0];
        let size = (1..=k)
            .flat_map(|i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| (pts[i][j] - pts[0][j]).abs())
            .fold(0.0, f64::max);
        if vals[0].is_finite() && spread.abs() < 1e-11 * (1.0 + vals[0].abs()) && size < 1e-7 {
            converged = true;
            break;
        }
        let centroid: Vec<f64> = (0..k)
            .map(|j| pts[..k].iter().map(|x| x[j]).sum::<f64>() / k as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..k)
                .map(|j| centroid[j] + t * (pts[k][j] - centroid[j]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        evals += 1;
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = f(&xe);
            evals += 1;
            if fe < fr {
                pts[k] = xe;
                vals[k] = fe;
            } else {
                pts[k] = xr;
                vals[k] = fr;
            }
        } else if fr < vals[k - 1] {
            pts[k] = xr;
            vals[k] = fr;
        } else {
            let (xc, fc) = if fr < vals[k] {
                let xc = along(-0.5);
                let fc = f(&xc);
                (xc, fc)
            } else {
                let xc = along(0.5);
                let fc = f(&xc);
                (xc, fc)
            };
            evals += 1;
            if fc < vals[k].min(fr) {
                pts[k] = xc;
                vals[k] = fc;
            } else {
                for i in 1..=k {
                    for j in 0..k {
                        pts[i][j] = pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]);
                    }
                    vals[i] = f(&pts[i]);
                }
                evals += k;
            }
        }
    }
    let best = (0..=k)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    (pts[best].clone(), vals[best], evals, converged)
}

/// Newton polish with a central finite-difference gradient and Hessian;
/// each step is accepted only if it lowers `f`.
fn newton_polish(f: &dyn Fn(&[f64]) -> f64, x: &mut Vec<f64>, fx: &mut f64) -> usize {
    let k = x.len();
    let mut evals = 0;
    for _ in 0..20 {
        let h: Vec<f64> = x.iter().map(|v| 1e-4 * v.abs().max(1e-2)).collect();
        let mut g = vec![0.0; k];
        let mut hess = vec![0.0; k * k];
        let at = |x: &[f64], i: usize, di: f64, j: usize, dj: f64| -> f64 {
            let mut y = x.to_vec();
            y[i] += di;
            y[j] += dj;
            f(&y)
        };
        for i in 0..k {
            let fp = at(x, i, h[i], i, 0.0);
            let fm = at(x, i, -h[i], i, 0.0);
            g[i] = (fp - fm) / (2.0 * h[i]);
            hess[i * k + i] = (fp - 2.0 * *fx + fm) / (h[i] * h[i]);
            evals += 2;
            for j in 0..i {
                let v =
                    (at(x, i, h[i], j, h[j]) - at(x, i, h[i], j, -h[j]) - at(x, i, -h[i], j, h[j])
                        + at(x, i, -h[i], j, -h[j]))
                        / (4.0 * h[i] * h[j]);
                evals += 4;
                hess[i * k + j] = v;
                hess[j * k + i] = v;
            }
        }
        if g.iter().chain(&hess).any(|v| !v.is_finite()) {
            break;
        }
        let Some(lh) = cholesky(&hess, k) else {
            break;
        };
        let step = chol_solve(&lh, k, &g);
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..10 {
            let y: Vec<f64> = x.iter().zip(&step).map(|(a, s)| a - t * s).collect();
            let fy = f(&y);
            evals += 1;
            if fy < *fx {
                *x = y;
                *fx = fy;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        let small = step.iter().map(|s| s.abs()).fold(0.0, f64::max) * t < 1e-10;
        if !improved || small {
            break;
        }
    }
    evals
}

/// Fits the linear mixed model `y = Xβ + Zb + ε` with one grouping factor.
///
/// * `y` — response, length `n`;
/// * `x` — fixed-effects design, row-major `n×p` (include a column of ones
///   for an intercept);
/// * `z` — random-effects design, row-major `n×q` (`[1]` intercept, `[t]`
///   slope, `[1, t]` both);
/// * `group` — group label per observation (any `usize`; groups need not be
///   contiguous or sorted; [`LmmFit::ranef`] follows ascending label order).
///
/// Method, formulas and flags: see the module documentation.
pub fn fit_lmm(
    y: &[f64],
    x: &[f64],
    p: usize,
    z: &[f64],
    q: usize,
    group: &[usize],
    opts: &LmmOptions,
) -> Result<LmmFit, LmmError> {
    let n = y.len();
    if p == 0 || q == 0 || x.len() != n * p || z.len() != n * q || group.len() != n {
        return Err(LmmError::Dimension(format!(
            "n = {n}, p = {p}, q = {q}: X has {}, Z has {}, group has {}",
            x.len(),
            z.len(),
            group.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(LmmError::NonFinite("y"));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(LmmError::NonFinite("X"));
    }
    if z.iter().any(|v| !v.is_finite()) {
        return Err(LmmError::NonFinite("Z"));
    }
    let mut labels: Vec<usize> = group.to_vec();
    labels.sort_unstable();
    labels.dedup();
    let n_groups = labels.len();
    if n <= p || n_groups < 2 {
        return Err(LmmError::TooFewData {
            n,
            groups: n_groups,
            p,
        });
    }
    let gi: Vec<usize> = group
        .iter()
        .map(|g| labels.binary_search(g).unwrap_or(0))
        .collect();

    let mut xtx = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    let mut yty = 0.0;
    let mut stats: Vec<GroupStats> = (0..n_groups)
        .map(|_| GroupStats {
            ztz: vec![0.0; q * q],
            ztx: vec![0.0; q * p],
            zty: vec![0.0; q],
        })
        .collect();
    for r in 0..n {
        let xr = &x[r * p..(r + 1) * p];
        let zr = &z[r * q..(r + 1) * q];
        for i in 0..p {
            for j in 0..p {
                xtx[i * p + j] += xr[i] * xr[j];
            }
            xty[i] += xr[i] * y[r];
        }
        yty += y[r] * y[r];
        let g = &mut stats[gi[r]];
        for a in 0..q {
            for b in 0..q {
                g.ztz[a * q + b] += zr[a] * zr[b];
            }
            for j in 0..p {
                g.ztx[a * p + j] += zr[a] * xr[j];
            }
            g.zty[a] += zr[a] * y[r];
        }
    }
    if cholesky(&xtx, p).is_none() {
        return Err(LmmError::RankDeficient);
    }
    let scale: Vec<f64> = (0..q)
        .map(|k| {
            let ms = (0..n).map(|r| z[r * q + k] * z[r * q + k]).sum::<f64>() / n as f64;
            if ms > 0.0 { 1.0 / ms.sqrt() } else { 1.0 }
        })
        .collect();
    let prob = Problem {
        n,
        p,
        q,
        xtx,
        xty,
        yty,
        groups: stats,
        reml: opts.method == LmmMethod::Reml,
        scale,
    };
    let f = |phi: &[f64]| prob.objective(phi);
    let nt = prob.n_theta();
    let diag_idx: Vec<usize> = (0..q).map(|i| i * (i + 1) / 2 + i).collect();

    let mut best: Option<(Vec<f64>, f64)> = None;
    let mut evaluations = 0;
    for start in [0.1, 1.0, 10.0] {
        let mut x0 = vec![0.0; nt];
        for &d in &diag_idx {
            x0[d] = start;
        }
        let (xb, fb, ev, _) = nelder_mead(&f, &x0, 0.5, opts.max_evaluations);
        evaluations += ev;
        if fb.is_finite() && best.as_ref().is_none_or(|(_, b)| fb < *b) {
            best = Some((xb, fb));
        }
    }
    let Some((mut phi, mut fbest)) = best else {
        return Err(LmmError::FitFailed);
    };
    let mut converged = false;
    for _ in 0..10 {
        let (xb, fb, ev, conv) = nelder_mead(&f, &phi, 0.1, opts.max_evaluations);
        evaluations += ev;
        let gain = fbest - fb;
        if fb < fbest {
            phi = xb;
            fbest = fb;
        }
        if conv && gain < 1e-10 {
            converged = true;
            break;
        }
    }
    evaluations += newton_polish(&f, &mut phi, &mut fbest);
    // Canonical sign: non-negative diagonal of Λ (Ψ = ΛΛᵀ is unchanged when a
    // column of Λ flips sign).
    for c in 0..q {
        if phi[diag_idx[c]] < 0.0 {
            for r in c..q {
                phi[r * (r + 1) / 2 + c] = -phi[r * (r + 1) / 2 + c];
            }
        }
    }
    let singular = diag_idx.iter().any(|&d| phi[d].abs() < 1e-4);
    let ev = prob.eval(&phi).ok_or(LmmError::FitFailed)?;

    let lam = prob.lambda(&phi);
    let mut psi = vec![0.0; q * q];
    for i in 0..q {
        for j in 0..q {
            psi[i * q + j] = (0..q).map(|k| lam[i * q + k] * lam[j * q + k]).sum();
        }
    }
    let re_cov: Vec<f64> = psi.iter().map(|v| v * ev.sigma2).collect();
    let re_sd: Vec<f64> = (0..q).map(|i| re_cov[i * q + i].max(0.0).sqrt()).collect();
    let xtvx_inv = chol_inverse(&ev.xtvx_chol, p);
    let cov_beta: Vec<f64> = xtvx_inv.iter().map(|v| v * ev.sigma2).collect();
    let se: Vec<f64> = (0..p)
        .map(|j| cov_beta[j * p + j].max(0.0).sqrt())
        .collect();

    // Degrees of freedom.
    let df: Vec<f64> = match opts.df {
        DfMethod::Residual => vec![(n - p) as f64; p],
        DfMethod::BetweenWithin => {
            let is_intercept: Vec<bool> = (0..p)
                .map(|j| (0..n).all(|r| x[r * p + j] == 1.0))
                .collect();
            let between: Vec<bool> = (0..p)
                .map(|j| {
                    !is_intercept[j] && {
                        let mut first: Vec<Option<f64>> = vec![None; n_groups];
                        (0..n).all(|r| {
                            let v = x[r * p + j];
                            match first[gi[r]] {
                                None => {
                                    first[gi[r]] = Some(v);
                                    true
                                }
                                Some(u) => u == v,
                            }
                        })
                    }
                })
                .collect();
            let n_between = between.iter().filter(|b| **b).count();
            let has_int = is_intercept.iter().any(|b| *b);
            let n_within = p - n_between - usize::from(has_int);
            let df_between = n_groups as f64 - n_between as f64 - f64::from(u8::from(has_int));
            let df_within = n as f64 - n_groups as f64 - n_within as f64;
            between
                .iter()
                .map(|&b| if b { df_between } else { df_within })
                .collect()
        }
    };
    let t: Vec<f64> = (0..p).map(|j| ev.beta[j] / se[j]).collect();
    let pv: Vec<f64> = (0..p).map(|j| t_two_sided_p(t[j], df[j])).collect();

    // BLUPs b_g = Λ M⁻¹ Λᵀ Zᵀ(y − Xβ).
    let ranef: Vec<Vec<f64>> = prob
        .groups
        .iter()
        .map(|g| {
            let mut m = vec![0.0; q * q];
            for i in 0..q {
                for j in 0..q {
                    let mut s = if i == j { 1.0 } else { 0.0 };
                    for a in 0..q {
                        for bb in 0..q {
                            s += lam[a * q + i] * g.ztz[a * q + bb] * lam[bb * q + j];
                        }
                    }
                    m[i * q + j] = s;
                }
            }
            let ztr: Vec<f64> = (0..q)
                .map(|a| g.zty[a] - (0..p).map(|j| g.ztx[a * p + j] * ev.beta[j]).sum::<f64>())
                .collect();
            let u: Vec<f64> = (0..q)
                .map(|i| (0..q).map(|a| lam[a * q + i] * ztr[a]).sum())
                .collect();
            let w = cholesky(&m, q).map_or(vec![0.0; q], |lm| chol_solve(&lm, q, &u));
            (0..q)
                .map(|i| (0..q).map(|k| lam[i * q + k] * w[k]).sum())
                .collect()
        })
        .collect();

    let k = (p + q * (q + 1) / 2 + 1) as f64;
    let m_bic = if prob.reml { (n - p) as f64 } else { n as f64 };
    Ok(LmmFit {
        method: opts.method,
        df_method: opts.df,
        coef: ev.beta,
        se,
        df,
        t,
        p: pv,
        cov_beta,
        sigma2: ev.sigma2,
        re_cov,
        re_sd,
        lambda: lam,
        loglik: ev.loglik,
        aic: -2.0 * ev.loglik + 2.0 * k,
        bic: -2.0 * ev.loglik + k * m_bic.ln(),
        ranef,
        n_obs: n,
        n_groups,
        n_fixed: p,
        n_random: q,
        evaluations,
        converged,
        singular,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Balanced random-intercept model (one-way random effects ANOVA): the
    /// REML estimates have a closed form (ANOVA estimators when positive).
    #[test]
    fn balanced_random_intercept_matches_anova() {
        // 4 groups × 3 observations.
        let y = [
            10.0, 11.0, 12.0, 14.0, 15.0, 13.0, 9.0, 8.0, 10.0, 16.0, 17.0, 18.0,
        ];
        let group: Vec<usize> = (0..12).map(|i| i / 3).collect();
        let x = vec![1.0; 12];
        let z = vec![1.0; 12];
        let fit = fit_lmm(&y, &x, 1, &z, 1, &group, &LmmOptions::default()).unwrap();
        // ANOVA: group means 11, 14, 9, 17; grand 12.75; MSW = (2+2+2+2)/8 = 1;
        // MSB = 3·Σ(mean − 12.75)²/3 = 3·(3.0625+1.5625+14.0625+18.0625)/3 = 36.75.
        let msw = 1.0;
        let msb = 36.75;
        assert!((fit.sigma2 - msw).abs() < 1e-6, "{}", fit.sigma2);
        assert!((fit.re_cov[0] - (msb - msw) / 3.0).abs() < 1e-6);
        assert!((fit.coef[0] - 12.75).abs() < 1e-9);
        // se of the grand mean = √(MSB/N).
        assert!((fit.se[0] - (msb / 12.0_f64).sqrt()).abs() < 1e-6);
        // The intercept gets the within df N − G = 8 (nlme).
        assert_eq!(fit.df[0], 8.0);
        assert!(fit.converged && !fit.singular);
        let c = fit.contrast(&[1.0], 1).unwrap();
        assert!((c.t.unwrap() - fit.t[0]).abs() < 1e-12);
    }

    #[test]
    fn zero_between_variance_is_flagged_singular() {
        // Group means identical → the REML between variance is 0.
        let y = [1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 2.0, 1.0, 3.0];
        let group: Vec<usize> = (0..9).map(|i| i / 3).collect();
        let fit = fit_lmm(
            &y,
            &[1.0; 9],
            1,
            &[1.0; 9],
            1,
            &group,
            &LmmOptions::default(),
        )
        .unwrap();
        assert!(fit.singular);
        assert!(fit.re_cov[0] < 1e-8);
        assert!((fit.sigma2 - 6.0 / 8.0).abs() < 1e-6);
    }

    #[test]
    fn bad_input_is_an_error() {
        let g = [0, 0, 1, 1];
        assert!(matches!(
            fit_lmm(
                &[1.0, 2.0, 3.0],
                &[1.0; 4],
                1,
                &[1.0; 4],
                1,
                &g,
                &LmmOptions::default()
            ),
            Err(LmmError::Dimension(_))
        ));
        assert!(matches!(
            fit_lmm(
                &[1.0, f64::NAN, 3.0, 4.0],
                &[1.0; 4],
                1,
                &[1.0; 4],
                1,
                &g,
                &LmmOptions::default()
            ),
            Err(LmmError::NonFinite("y"))
        ));
        // Two identical columns.
        assert!(matches!(
            fit_lmm(
                &[1.0, 2.0, 3.0, 4.0],
                &[1.0; 8],
                2,
                &[1.0; 4],
                1,
                &g,
                &LmmOptions::default()
            ),
            Err(LmmError::RankDeficient)
        ));
    }
}
