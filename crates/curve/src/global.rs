//! Global (joint) fitting of several dose–response curves with chosen
//! parameters shared between them.
//!
//! Curve i = 1…k follows drc's log-logistic model (see [`crate::models`])
//!
//! ```text
//! f_i(x) = c_i + (d_i − c_i) / (1 + exp(b_i·(ln x − ln e_i)))^(f_i)
//! ```
//!
//! where each of b, c, d, e, f is either **fixed** (by the model family or
//! the `fix_*` options of [`FitOptions`]), **shared** (one value for every
//! curve, b_i = b — Prism's "shared value for all data sets", drc's
//! `pmodels` with a common term) or **per curve**. All curves are fitted by
//! one Levenberg–Marquardt run over the stacked data, minimising
//!
//! ```text
//! S = Σ_i Σ_j w_ij (y_ij − f_i(x_ij))²
//! ```
//!
//! over the p global parameters. One residual variance σ̂² = S/(N − p) is
//! estimated for all curves (pooled, as drc's joint `drm(y ~ x, curveid)`
//! fit and Prism's global fit do), and the covariance of the global
//! parameters is σ̂²(JᵀWJ)⁻¹ (Bates & Watts 1988, §2.3). Anything derived
//! from two curves — a ratio of EC50s — therefore gets its standard error
//! from one covariance matrix that includes the parameters the curves share.
//!
//! The optimiser is a dense version of the kernel in `lm` (same damping,
//! active-set bounds and stopping rules): normal equations of size p × p
//! built from the analytic Jacobian of [`crate::models`] (each observation
//! touches at most five global parameters), solved by Cholesky. It
//! allocates per fit, which is fine: global fits compare a handful of
//! curves, they are not the million-curve hot path. It starts from the
//! separate fits of each curve (shared parameters at their mean, and at
//! each curve's own value in turn) and keeps the lowest S.

use serde::{Deserialize, Serialize};

use crate::fit::{CurveData, Fit, FitError, FitOptions, fit, validate};
use crate::lm::{LmOptions, Stop};
use crate::metrics::{DoseEstimate, ln_dose_at_g};
use crate::models::{B, C, D, E, F, Model, Params, eval_grad};
use crate::start::{Prepared, self_start};

/// The user-facing names of the parameters, in index order (b, c, d, e, f):
/// `hill`, `bottom`, `top`, `ec50`, `asymmetry` (as in the fit table).
pub const SHARE_NAMES: [&str; 5] = ["hill", "bottom", "top", "ec50", "asymmetry"];

/// Which parameters are shared between the curves of a global fit, by
/// parameter index (b, c, d, e, f) as in [`crate::models`]. A parameter that
/// the model fixes is fixed whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Sharing(pub [bool; 5]);

/// A parameter name that [`Sharing::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown parameter '{0}' to share (expected a comma-separated list of hill, bottom, top, ec50, asymmetry, or none)"
)]
pub struct SharingError(pub String);

impl Sharing {
    /// Nothing shared: every curve has its own parameters (the joint fit then
    /// equals the separate fits, with a pooled residual variance).
    pub const NONE: Sharing = Sharing([false; 5]);

    /// This sharing with parameter `j` shared too.
    pub fn with(mut self, j: usize) -> Self {
        self.0[j] = true;
        self
    }

    /// This sharing with parameter `j` per curve.
    pub fn without(mut self, j: usize) -> Self {
        self.0[j] = false;
        self
    }

    /// Whether parameter `j` is shared.
    pub fn shares(self, j: usize) -> bool {
        self.0[j]
    }

    /// Parses a comma-separated list of `hill` (or `slope`, `b`), `bottom`
    /// (`lower`, `c`), `top` (`upper`, `d`), `ec50` (`e`), `asymmetry`
    /// (`f`), case-insensitive; `none` or an empty string shares nothing.
    pub fn parse(s: &str) -> Result<Sharing, SharingError> {
        let mut out = Sharing::NONE;
        for part in s.split(',') {
            let t = part.trim().to_ascii_lowercase();
            let j = match t.as_str() {
                "" | "none" => continue,
                "hill" | "slope" | "b" => B,
                "bottom" | "lower" | "c" => C,
                "top" | "upper" | "d" => D,
                "ec50" | "e" => E,
                "asymmetry" | "f" => F,
                _ => return Err(SharingError(part.trim().to_string())),
            };
            out.0[j] = true;
        }
        Ok(out)
    }

    /// The shared parameters as a comma-separated list of [`SHARE_NAMES`]
    /// ("" when nothing is shared).
    pub fn names(self) -> String {
        (0..5)
            .filter(|&j| self.0[j])
            .map(|j| SHARE_NAMES[j])
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl std::fmt::Display for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.names();
        f.write_str(if n.is_empty() { "none" } else { &n })
    }
}

/// Why a global fit could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GlobalError {
    /// No curves were given.
    #[error("a global fit needs at least one curve")]
    NoCurves,
    /// One curve's data are invalid (bad dose, no positive dose, …).
    #[error("curve {}: {source}", curve + 1)]
    Curve {
        /// 0-based index of the curve.
        curve: usize,
        /// What is wrong with it.
        #[source]
        source: FitError,
    },
    /// Fewer points in total than global parameters.
    #[error("too few points: {points} points for {params} global parameters")]
    TooFewPoints {
        /// Number of points over all curves.
        points: usize,
        /// Number of global parameters.
        params: usize,
    },
}

/// A dose defined on a fitted curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Potency {
    /// Relative ED_p, 0 < p < 100: the dose at which the response has moved
    /// p % of the way from top to bottom (drc `ED(type = "relative")`);
    /// `Relative(50.0)` is the relative EC50 / IC50.
    Relative(f64),
    /// The dose at which the fitted curve crosses this response level
    /// (absolute IC; drc `type = "absolute"`, Prism's absolute IC50).
    Absolute(f64),
}

/// How the covariance of the parameters is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// σ̂²(JᵀWJ)⁻¹, the Gauss–Newton (expected-information) form used by R
    /// `nls`, GraphPad Prism, scipy `curve_fit` and the single-curve fits of
    /// this crate (default).
    #[default]
    GaussNewton,
    /// σ̂²(JᵀWJ − Σ wᵢ rᵢ ∇²fᵢ)⁻¹, the observed information: half the
    /// Hessian of S at the optimum. drc's `vcov` is 2σ̂²·H⁻¹ with H the
    /// Hessian of S from `optim` (drc `R/drmEMls.R`, `vcovfct`), so this
    /// reproduces drc's standard errors; it differs from Gauss–Newton by the
    /// residual-weighted curvature of the model (a few percent on drc's
    /// spinach data). ∇²fᵢ is taken by central differences of the analytic
    /// gradient. At a stationary point it does not depend on whether e or
    /// ln e is the parameter.
    ObservedHessian,
}

/// The result of a global fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlobalFit {
    /// Model family.
    pub model: Model,
    /// Which parameters were shared (parameters the model fixes are reported
    /// as not shared).
    pub sharing: Sharing,
    /// Natural-scale parameters of each curve (e in the dose unit of that
    /// curve's data).
    pub params: Vec<Params>,
    /// `index[i][j]`: position of parameter j of curve i in the global
    /// parameter vector; None when the parameter is fixed.
    pub index: Vec<[Option<usize>; 5]>,
    /// The global parameter vector, each entry b, c, d, ln e or f.
    pub theta: Vec<f64>,
    /// For each global parameter: its parameter index (b, c, d, e, f) and
    /// its curve (None = shared by all curves).
    pub layout: Vec<(usize, Option<usize>)>,
    /// Covariance σ̂²(JᵀWJ)⁻¹ of `theta` (row-major, p × p); None when
    /// JᵀWJ is singular or df = 0.
    pub cov: Option<Vec<f64>>,
    /// Number of points over all curves.
    pub n: usize,
    /// Number of points of each curve.
    pub n_curve: Vec<usize>,
    /// Residual degrees of freedom N − p.
    pub df: usize,
    /// Weighted residual sum of squares over all curves.
    pub rss: f64,
    /// Each curve's share of `rss`.
    pub rss_curve: Vec<f64>,
    /// Σ ln wᵢ over all points (0 unweighted).
    pub sum_log_w: f64,
    /// Whether the optimiser met its convergence test.
    pub converged: bool,
    /// Iterations of the run that was kept.
    pub iterations: u32,
    /// Number of starting points tried.
    pub starts: u32,
    /// Global parameters that ended on one of their bounds.
    pub at_bound: Vec<bool>,
    /// How `cov` was estimated.
    pub covariance: Covariance,
    /// Smallest positive dose of each curve.
    pub dose_min: Vec<f64>,
    /// Largest dose of each curve.
    pub dose_max: Vec<f64>,
    /// Mean response at dose 0 of each curve, when it has dose-0 points.
    pub control_mean: Vec<Option<f64>>,
}

/// The least-squares problem of a global fit in internal coordinates
/// (ln-doses divided by a common scale).
struct Problem<'a> {
    lx: Vec<Vec<f64>>,
    y: Vec<&'a [f64]>,
    w: Vec<Option<&'a [f64]>>,
    index: &'a [[Option<usize>; 5]],
    /// Internal values of the fixed parameters (entries of free ones unused).
    fixed: [f64; 5],
    lower: Vec<f64>,
    upper: Vec<f64>,
    free_f: bool,
    p: usize,
}

impl Problem<'_> {
    fn curve_theta(&self, g: &[f64], i: usize) -> [f64; 5] {
        let mut th = self.fixed;
        for j in 0..5 {
            if let Some(q) = self.index[i][j] {
                th[j] = g[q];
            }
        }
        th
    }

    /// S(θ); with `normal`, also JᵀWJ (row-major p × p) and JᵀWr.
    fn eval(&self, g: &[f64], normal: Option<(&mut [f64], &mut [f64])>) -> f64 {
        let p = self.p;
        let mut s = 0.0;
        match normal {
            None => {
                for i in 0..self.lx.len() {
                    let th = self.curve_theta(g, i);
                    for (m, (&l, &yv)) in self.lx[i].iter().zip(self.y[i]).enumerate() {
                        let v = crate::models::eval_ln(l, &th);
                        let wt = self.w[i].map_or(1.0, |w| w[m]);
                        s += wt * (yv - v) * (yv - v);
                    }
                }
            }
            Some((a, grad)) => {
                a.fill(0.0);
                grad.fill(0.0);
                for i in 0..self.lx.len() {
                    let th = self.curve_theta(g, i);
                    let idx = self.index[i];
                    for (m, (&l, &yv)) in self.lx[i].iter().zip(self.y[i]).enumerate() {
                        let (v, jr) = if self.free_f {
                            eval_grad::<true>(l, &th)
                        } else {
                            eval_grad::<false>(l, &th)
                        };
                        let wt = self.w[i].map_or(1.0, |w| w[m]);
                        let r = yv - v;
                        s += wt * r * r;
                        for ja in 0..5 {
                            let Some(qa) = idx[ja] else { continue };
                            let wj = wt * jr[ja];
                            grad[qa] += wj * r;
                            for jb in 0..5 {
                                if let Some(qb) = idx[jb] {
                                    a[qa * p + qb] += wj * jr[jb];
                                }
                            }
                        }
                    }
                }
            }
        }
        s
    }

    /// Subtracts Σ wᵢ rᵢ ∇²fᵢ from `a` (turning JᵀWJ into half the Hessian
    /// of S). ∇²f by central differences of the analytic gradient, step
    /// 1e-5·(1 + |θ|).
    fn subtract_curvature(&self, g: &[f64], a: &mut [f64]) {
        let p = self.p;
        for i in 0..self.lx.len() {
            let th = self.curve_theta(g, i);
            let idx = self.index[i];
            for (m, (&l, &yv)) in self.lx[i].iter().zip(self.y[i]).enumerate() {
                let wt = self.w[i].map_or(1.0, |w| w[m]);
                let r = yv - crate::models::eval_ln(l, &th);
                for ja in 0..5 {
                    let Some(qa) = idx[ja] else { continue };
                    let h = 1e-5 * (1.0 + th[ja].abs());
                    let (mut tp, mut tm) = (th, th);
                    tp[ja] += h;
                    tm[ja] -= h;
                    let (_, gp) = eval_grad::<true>(l, &tp);
                    let (_, gm) = eval_grad::<true>(l, &tm);
                    for jb in 0..5 {
                        if let Some(qb) = idx[jb] {
                            a[qa * p + qb] -= wt * r * (gp[jb] - gm[jb]) / (2.0 * h);
                        }
                    }
                }
            }
        }
        // Symmetrise the finite-difference estimate.
        for q in 0..p {
            for r in 0..q {
                let v = 0.5 * (a[q * p + r] + a[r * p + q]);
                a[q * p + r] = v;
                a[r * p + q] = v;
            }
        }
    }

    fn project(&self, g: &mut [f64]) {
        for q in 0..self.p {
            g[q] = g[q].clamp(self.lower[q], self.upper[q]);
        }
    }

    fn on_bound(&self, g: &[f64]) -> Vec<bool> {
        (0..self.p)
            .map(|q| {
                let tol = 1e-9 * (1.0 + g[q].abs());
                (g[q] - self.lower[q]).abs() <= tol || (self.upper[q] - g[q]).abs() <= tol
            })
            .collect()
    }
}

/// Cholesky factor (lower, row-major k × k) of the submatrix of the p × p
/// matrix `a` on `idx`. None when not positive definite.
fn cholesky(a: &[f64], p: usize, idx: &[usize]) -> Option<Vec<f64>> {
    let k = idx.len();
    let mut m = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            m[i * k + j] = a[idx[i] * p + idx[j]];
        }
    }
    for j in 0..k {
        let mut d = m[j * k + j];
        for q in 0..j {
            d -= m[j * k + q] * m[j * k + q];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let l = d.sqrt();
        m[j * k + j] = l;
        for i in j + 1..k {
            let mut v = m[i * k + j];
            for q in 0..j {
                v -= m[i * k + q] * m[j * k + q];
            }
            m[i * k + j] = v / l;
        }
    }
    Some(m)
}

/// Solves L Lᵀ z = rhs for a factor from [`cholesky`] (in place).
fn cholesky_solve(l: &[f64], k: usize, z: &mut [f64]) {
    for i in 0..k {
        let mut v = z[i];
        for q in 0..i {
            v -= l[i * k + q] * z[q];
        }
        z[i] = v / l[i * k + i];
    }
    for i in (0..k).rev() {
        let mut v = z[i];
        for q in i + 1..k {
            v -= l[q * k + i] * z[q];
        }
        z[i] = v / l[i * k + i];
    }
}

/// Inverse of the symmetric positive-definite p × p matrix `a`; None when
/// singular or when a diagonal entry of the inverse is not positive.
fn invert_spd(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let idx: Vec<usize> = (0..p).collect();
    let l = cholesky(a, p, &idx)?;
    let mut inv = vec![0.0; p * p];
    let mut z = vec![0.0; p];
    for col in 0..p {
        z.fill(0.0);
        z[col] = 1.0;
        cholesky_solve(&l, p, &mut z);
        for row in 0..p {
            inv[row * p + col] = z[row];
        }
    }
    (0..p)
        .all(|q| inv[q * p + q].is_finite() && inv[q * p + q] > 0.0)
        .then_some(inv)
}

/// One run of the dense Levenberg–Marquardt.
struct Run {
    theta: Vec<f64>,
    rss: f64,
    iterations: u32,
    stop: Stop,
}

/// Dense Levenberg–Marquardt from `th` (projected into the bounds): the
/// algorithm of `lm::levenberg_marquardt` — Marquardt scaling, Nielsen's
/// damping update, projection onto the bounds with an active set, MINPACK
/// stopping rules — on a parameter vector of any length.
fn levenberg_marquardt(pb: &Problem, mut th: Vec<f64>, o: &LmOptions) -> Run {
    let p = pb.p;
    pb.project(&mut th);
    let mut a = vec![0.0; p * p];
    let mut g = vec![0.0; p];
    let mut s = pb.eval(&th, Some((&mut a, &mut g)));
    let done = |theta: Vec<f64>, rss: f64, iterations: u32, stop: Stop| Run {
        theta,
        rss,
        iterations,
        stop,
    };
    if !s.is_finite() {
        return done(th, s, 0, Stop::NonFinite);
    }
    let ysc =
        pb.y.iter()
            .flat_map(|y| y.iter())
            .map(|v| v * v)
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
    let maxdiag = (0..p).map(|q| a[q * p + q]).fold(0.0, f64::max);
    let mut lambda = 1e-3;
    let mut nu = 2.0;
    let mut iter = 0u32;
    let mut s_check = s;
    let mut a_new = vec![0.0; p * p];
    let mut g_new = vec![0.0; p];
    let mut trial = vec![0.0; p];
    let mut step = vec![0.0; p];
    let mut idx: Vec<usize> = Vec::with_capacity(p);
    loop {
        if s <= 1e-28 * ysc {
            return done(th, s, iter, Stop::ZeroResidual);
        }
        idx.clear();
        let mut gmax: f64 = 0.0;
        for q in 0..p {
            let at_lo = th[q] <= pb.lower[q] && g[q] < 0.0;
            let at_hi = th[q] >= pb.upper[q] && g[q] > 0.0;
            if at_lo || at_hi {
                continue;
            }
            idx.push(q);
            let aqq = a[q * p + q];
            if aqq > 0.0 {
                gmax = gmax.max(g[q].abs() / (aqq * s).sqrt());
            }
        }
        if idx.is_empty() || gmax <= o.gtol {
            return done(th, s, iter, Stop::Gtol);
        }
        if iter >= o.max_iter {
            return done(th, s, iter, Stop::MaxIter);
        }
        iter += 1;
        if iter % 10 == 0 {
            if s_check - s <= 1e-10 * s_check {
                return done(th, s, iter, Stop::Ftol);
            }
            s_check = s;
        }
        let k = idx.len();
        loop {
            let mut damped = vec![0.0; p * p];
            damped.copy_from_slice(&a);
            for &q in &idx {
                damped[q * p + q] +=
                    lambda * a[q * p + q].max(1e-12 * maxdiag).max(f64::MIN_POSITIVE);
            }
            if let Some(l) = cholesky(&damped, p, &idx) {
                let mut z: Vec<f64> = idx.iter().map(|&q| g[q]).collect();
                cholesky_solve(&l, k, &mut z);
                trial.copy_from_slice(&th);
                for (m, &q) in idx.iter().enumerate() {
                    trial[q] += z[m];
                }
                pb.project(&mut trial);
                step.fill(0.0);
                let mut rel_step: f64 = 0.0;
                for &q in &idx {
                    step[q] = trial[q] - th[q];
                    rel_step = rel_step.max(step[q].abs() / (th[q].abs() + o.xtol));
                }
                let s_new = pb.eval(&trial, Some((&mut a_new, &mut g_new)));
                // Predicted reduction of the linear model: δᵀ(2g − Aδ).
                let mut pred = 0.0;
                for &q in &idx {
                    let mut ad = 0.0;
                    for &r in &idx {
                        ad += a[q * p + r] * step[r];
                    }
                    pred += step[q] * (2.0 * g[q] - ad);
                }
                if s_new.is_finite() && s_new < s {
                    let actual = s - s_new;
                    let rho = if pred > 0.0 { actual / pred } else { 1.0 };
                    lambda *= (1.0 / 3.0f64).max(1.0 - (2.0 * rho - 1.0).powi(3));
                    nu = 2.0;
                    std::mem::swap(&mut th, &mut trial);
                    std::mem::swap(&mut a, &mut a_new);
                    std::mem::swap(&mut g, &mut g_new);
                    let s_old = s;
                    s = s_new;
                    if actual <= o.ftol * s_old && pred.abs() <= o.ftol * s_old {
                        return done(th, s, iter, Stop::Ftol);
                    }
                    if rel_step <= o.xtol {
                        return done(th, s, iter, Stop::Xtol);
                    }
                    break;
                }
                if rel_step <= o.xtol * 1e-3 || pred.abs() <= 1e-15 * s {
                    let stop = if gmax <= 1e-6 {
                        Stop::Gtol
                    } else {
                        Stop::Stalled
                    };
                    return done(th, s, iter, stop);
                }
            }
            lambda *= nu;
            nu *= 2.0;
            if !lambda.is_finite() || lambda > 1e30 {
                return done(th, s, iter, Stop::Stalled);
            }
        }
    }
}

/// Keeps the better of two runs (as `fit::pick`): a clearly lower S wins;
/// at practically equal S a converged run beats one that is not.
fn pick(a: Run, b: Run) -> Run {
    if !b.rss.is_finite() {
        return a;
    }
    if !a.rss.is_finite() {
        return b;
    }
    let margin = 1e-8 * a.rss.abs().max(b.rss.abs());
    if b.rss < a.rss - margin {
        b
    } else if a.rss < b.rss - margin {
        a
    } else if b.stop.converged() && !a.stop.converged() {
        b
    } else {
        a
    }
}

/// Fits the curves jointly with the parameters in `sharing` shared; the
/// model family, fixed values, bounds and iteration cap come from `opts`
/// (the e bounds apply to each curve's tested range, to the union of the
/// ranges for a shared e).
pub fn fit_global(
    curves: &[CurveData],
    opts: &FitOptions,
    sharing: Sharing,
) -> Result<GlobalFit, GlobalError> {
    fit_global_cov(curves, opts, sharing, Covariance::GaussNewton)
}

/// [`fit_global`] with a choice of covariance estimate.
pub fn fit_global_cov(
    curves: &[CurveData],
    opts: &FitOptions,
    sharing: Sharing,
    covariance: Covariance,
) -> Result<GlobalFit, GlobalError> {
    let separate: Vec<Option<Fit>> = curves.iter().map(|c| fit(c, opts).ok()).collect();
    fit_global_from(curves, opts, sharing, covariance, &separate, &[])
}

/// [`fit_global`] with the separate fits of the curves already computed
/// (None where a curve could not be fitted alone; it then starts from
/// drc's self-start) and extra starting points (each one `Params` per
/// curve, e.g. the solution of a nested model).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_global_from(
    curves: &[CurveData],
    opts: &FitOptions,
    sharing: Sharing,
    covariance: Covariance,
    separate: &[Option<Fit>],
    extra_starts: &[Vec<Params>],
) -> Result<GlobalFit, GlobalError> {
    let k = curves.len();
    if k == 0 {
        return Err(GlobalError::NoCurves);
    }
    debug_assert_eq!(separate.len(), k);
    let mut info = Vec::with_capacity(k);
    for (i, c) in curves.iter().enumerate() {
        info.push(validate(c).map_err(|source| GlobalError::Curve { curve: i, source })?);
    }
    let fixed = opts.fixed();
    let mut sharing = sharing;
    for j in 0..5 {
        if fixed[j].is_some() || k == 1 {
            sharing.0[j] = false;
        }
    }
    // Global parameter layout, parameter by parameter.
    let mut index = vec![[None; 5]; k];
    let mut layout: Vec<(usize, Option<usize>)> = Vec::new();
    for j in 0..5 {
        if fixed[j].is_some() {
            continue;
        }
        if sharing.0[j] {
            for row in index.iter_mut() {
                row[j] = Some(layout.len());
            }
            layout.push((j, None));
        } else {
            for (i, row) in index.iter_mut().enumerate() {
                row[j] = Some(layout.len());
                layout.push((j, Some(i)));
            }
        }
    }
    let p = layout.len();
    let n: usize = curves.iter().map(|c| c.dose.len()).sum();
    if n <= p {
        return Err(GlobalError::TooFewPoints {
            points: n,
            params: p,
        });
    }
    // Common dose scale: the geometric mean of every positive dose.
    let (mut slog, mut npos) = (0.0, 0usize);
    for c in curves {
        for &x in c.dose {
            if x > 0.0 {
                slog += x.ln();
                npos += 1;
            }
        }
    }
    let ln_scale = slog / npos as f64;
    let lx: Vec<Vec<f64>> = curves
        .iter()
        .map(|c| {
            c.dose
                .iter()
                .map(|&x| {
                    if x > 0.0 {
                        x.ln() - ln_scale
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect()
        })
        .collect();
    let (lo_f, hi_f) = opts.e_range_factors;
    let e_range = |i: Option<usize>| -> (f64, f64) {
        if let Some((lo, hi)) = opts.e_bounds {
            return (lo, hi);
        }
        match i {
            Some(i) => (info[i].0 * lo_f, info[i].1 * hi_f),
            None => (
                info.iter().map(|v| v.0).fold(f64::INFINITY, f64::min) * lo_f,
                info.iter().map(|v| v.1).fold(0.0, f64::max) * hi_f,
            ),
        }
    };
    let (mut lower, mut upper) = (Vec::with_capacity(p), Vec::with_capacity(p));
    for &(j, i) in &layout {
        let (lo, hi) = match j {
            B => opts.hill_bounds,
            C => opts.bottom_bounds,
            D => opts.top_bounds,
            E => {
                let (lo, hi) = e_range(i);
                (lo.ln() - ln_scale, hi.ln() - ln_scale)
            }
            _ => opts.asym_bounds,
        };
        lower.push(lo);
        upper.push(hi);
    }
    let mut fixed_int = [0.0; 5];
    for j in 0..5 {
        if let Some(v) = fixed[j] {
            fixed_int[j] = if j == E { v.ln() - ln_scale } else { v };
        }
    }
    let pb = Problem {
        lx,
        y: curves.iter().map(|c| c.response).collect(),
        w: curves.iter().map(|c| c.weight).collect(),
        index: &index,
        fixed: fixed_int,
        lower,
        upper,
        free_f: fixed[F].is_none(),
        p,
    };
    // Per-curve starting values in internal coordinates.
    let internal = |par: &Params| -> [f64; 5] {
        let mut th = [par.b, par.c, par.d, par.e.ln() - ln_scale, par.f];
        for j in 0..5 {
            if fixed[j].is_some() {
                th[j] = fixed_int[j];
            }
        }
        th
    };
    let own: Vec<[f64; 5]> = (0..k)
        .map(|i| match separate.get(i).and_then(|s| s.as_ref()) {
            Some(f) => internal(&f.params),
            None => {
                let mut th = self_start(
                    &Prepared {
                        lx: &pb.lx[i],
                        y: curves[i].response,
                    },
                    &fixed,
                );
                for j in 0..5 {
                    if fixed[j].is_some() {
                        th[j] = fixed_int[j];
                    }
                }
                th
            }
        })
        .collect();
    // A global start from per-curve values: shared parameters at the mean
    // over the curves, or at curve `from`'s value.
    let global_start = |per: &[[f64; 5]], from: Option<usize>| -> Vec<f64> {
        layout
            .iter()
            .map(|&(j, i)| match (i, from) {
                (Some(i), _) => per[i][j],
                (None, Some(r)) => per[r][j],
                (None, None) => per.iter().map(|t| t[j]).sum::<f64>() / per.len() as f64,
            })
            .collect()
    };
    let mut starts: Vec<Vec<f64>> = vec![global_start(&own, None)];
    if layout.iter().any(|l| l.1.is_none()) {
        for r in 0..k.min(8) {
            starts.push(global_start(&own, Some(r)));
        }
    }
    for ex in extra_starts {
        if ex.len() == k {
            let per: Vec<[f64; 5]> = ex.iter().map(&internal).collect();
            starts.push(global_start(&per, None));
        }
    }
    let lm_opts = LmOptions {
        max_iter: opts.max_iter,
        ..LmOptions::default()
    };
    let n_starts = starts.len() as u32;
    let mut best: Option<Run> = None;
    for s0 in starts {
        let run = levenberg_marquardt(&pb, s0, &lm_opts);
        best = Some(match best {
            None => run,
            Some(b) => pick(b, run),
        });
    }
    let best = best.expect("at least one start");
    let th = best.theta;
    let df = n - p;
    let cov = if df > 0 {
        let mut a = vec![0.0; p * p];
        let mut g = vec![0.0; p];
        pb.eval(&th, Some((&mut a, &mut g)));
        if covariance == Covariance::ObservedHessian {
            pb.subtract_curvature(&th, &mut a);
        }
        invert_spd(&a, p).map(|mut inv| {
            let s2 = best.rss / df as f64;
            inv.iter_mut().for_each(|v| *v *= s2);
            inv
        })
    } else {
        None
    };
    let at_bound = pb.on_bound(&th);
    let mut rss_curve = Vec::with_capacity(k);
    let mut params = Vec::with_capacity(k);
    for i in 0..k {
        let t = pb.curve_theta(&th, i);
        let mut r = 0.0;
        for (m, (&l, &yv)) in pb.lx[i].iter().zip(pb.y[i]).enumerate() {
            let v = crate::models::eval_ln(l, &t);
            r += pb.w[i].map_or(1.0, |w| w[m]) * (yv - v) * (yv - v);
        }
        rss_curve.push(r);
        params.push(Params {
            b: t[B],
            c: t[C],
            d: t[D],
            e: (t[E] + ln_scale).exp(),
            f: t[F],
        });
    }
    let theta: Vec<f64> = th
        .iter()
        .zip(&layout)
        .map(|(&v, &(j, _))| if j == E { v + ln_scale } else { v })
        .collect();
    let sum_log_w = curves
        .iter()
        .map(|c| c.weight.map_or(0.0, |w| w.iter().map(|v| v.ln()).sum()))
        .sum();
    Ok(GlobalFit {
        model: opts.model,
        sharing,
        params,
        index,
        theta,
        layout,
        cov,
        n,
        n_curve: curves.iter().map(|c| c.dose.len()).collect(),
        df,
        rss: best.rss,
        rss_curve,
        sum_log_w,
        converged: best.stop.converged(),
        iterations: best.iterations,
        starts: n_starts,
        at_bound,
        covariance,
        dose_min: info.iter().map(|v| v.0).collect(),
        dose_max: info.iter().map(|v| v.1).collect(),
        control_mean: info.iter().map(|v| v.3).collect(),
    })
}

impl GlobalFit {
    /// Number of curves.
    pub fn n_curves(&self) -> usize {
        self.params.len()
    }

    /// Number of global parameters p.
    pub fn n_params(&self) -> usize {
        self.theta.len()
    }

    /// Internal parameters (b, c, d, ln e, f) of curve `i`.
    pub fn curve_theta(&self, i: usize) -> [f64; 5] {
        let p = &self.params[i];
        [p.b, p.c, p.d, p.e.ln(), p.f]
    }

    /// Pooled residual standard error σ̂ = √(S / (N − p)).
    pub fn sigma(&self) -> Option<f64> {
        (self.df > 0).then(|| (self.rss / self.df as f64).sqrt())
    }

    /// Gaussian log-likelihood with one variance for all curves, as R's
    /// `logLik` for drc / nls: ℓ = −N/2·(ln 2π + 1 − ln N + ln S) + ½Σ ln w.
    pub fn loglik(&self) -> f64 {
        let n = self.n as f64;
        -0.5 * n * ((2.0 * std::f64::consts::PI).ln() + 1.0 - n.ln() + self.rss.ln())
            + 0.5 * self.sum_log_w
    }

    /// AIC = −2ℓ + 2K with K = p + 1 (the +1 counts σ², as drc / R do).
    pub fn aic(&self) -> f64 {
        -2.0 * self.loglik() + 2.0 * (self.n_params() as f64 + 1.0)
    }

    /// Second-order AIC, AICc = AIC + 2K(K + 1)/(N − K − 1) with K = p + 1
    /// (Burnham & Anderson 2002, eq. 2.2; the criterion GraphPad Prism uses
    /// to compare models). None when N ≤ K + 1.
    pub fn aicc(&self) -> Option<f64> {
        let kk = self.n_params() as f64 + 1.0;
        let n = self.n as f64;
        (n > kk + 1.0).then(|| self.aic() + 2.0 * kk * (kk + 1.0) / (n - kk - 1.0))
    }

    /// Whether any global parameter ended on a bound.
    pub fn any_at_bound(&self) -> bool {
        self.at_bound.iter().any(|&b| b)
    }

    /// The SE of global parameter `q` on its internal scale (ln e for e).
    pub fn se_theta(&self, q: usize) -> Option<f64> {
        let cov = self.cov.as_ref()?;
        let v = cov[q * self.n_params() + q];
        (v.is_finite() && v >= 0.0).then(|| v.sqrt())
    }

    /// aᵀ Σ b for two gradients over the global parameters; None without a
    /// covariance.
    pub fn cov_form(&self, a: &[f64], b: &[f64]) -> Option<f64> {
        let cov = self.cov.as_ref()?;
        let p = self.n_params();
        let mut v = 0.0;
        for q in 0..p {
            if a[q] == 0.0 {
                continue;
            }
            for r in 0..p {
                v += a[q] * cov[q * p + r] * b[r];
            }
        }
        v.is_finite().then_some(v)
    }

    /// ln of dose `potency` on curve `i` and its gradient with respect to
    /// the global parameters (e entering as ln e). Formulas as in
    /// [`crate::metrics`]: ln x = ln e + ln(g^(−1/f) − 1)/b with g the
    /// remaining fraction of the span; for an absolute level y,
    /// g = (y − c)/(d − c). None when the dose does not exist (the curve
    /// never reaches the level, b = 0, p outside (0, 100)).
    pub fn ln_dose_grad(&self, i: usize, potency: Potency) -> Option<(f64, Vec<f64>)> {
        let th = self.curve_theta(i);
        let (lx, grad5) = match potency {
            Potency::Relative(p) => {
                if !(p > 0.0 && p < 100.0) {
                    return None;
                }
                let g = if th[B] >= 0.0 {
                    1.0 - p / 100.0
                } else {
                    p / 100.0
                };
                let (lx, grad, _) = ln_dose_at_g(&th, g)?;
                (lx, grad)
            }
            Potency::Absolute(level) => {
                let span = th[D] - th[C];
                if span == 0.0 {
                    return None;
                }
                let g = (level - th[C]) / span;
                let (lx, mut grad, d_dg) = ln_dose_at_g(&th, g)?;
                grad[C] += d_dg * (level - th[D]) / (span * span);
                grad[D] += d_dg * (-(level - th[C]) / (span * span));
                (lx, grad)
            }
        };
        if !lx.is_finite() {
            return None;
        }
        let mut grad = vec![0.0; self.n_params()];
        for j in 0..5 {
            if let Some(q) = self.index[i][j] {
                grad[q] += grad5[j];
            }
        }
        Some((lx, grad))
    }

    /// Dose `potency` on curve `i` with the delta-method SE of its logarithm
    /// (pooled variance).
    pub fn dose(&self, i: usize, potency: Potency) -> Option<DoseEstimate> {
        let (lx, grad) = self.ln_dose_grad(i, potency)?;
        let value = lx.exp();
        (value.is_finite() && value > 0.0).then(|| DoseEstimate {
            value,
            se_ln: self
                .cov_form(&grad, &grad)
                .filter(|v| *v >= 0.0)
                .map(f64::sqrt),
        })
    }

    /// Relative EC50 of curve `i` (= ED_50; e for LL.2–LL.4).
    pub fn ec50(&self, i: usize) -> Option<DoseEstimate> {
        self.dose(i, Potency::Relative(50.0))
    }

    /// SE of parameter `j` (b, c, d, e, f) of curve `i` on the natural scale
    /// (e·SE(ln e) for e); None when fixed or without a covariance.
    pub fn se(&self, i: usize, j: usize) -> Option<f64> {
        let q = self.index[i][j]?;
        let s = self.se_theta(q)?;
        Some(if j == E { self.params[i].e * s } else { s })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(p: &Params, doses: &[f64], reps: usize, salt: usize) -> (Vec<f64>, Vec<f64>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (i, &d) in doses.iter().enumerate() {
            for r in 0..reps {
                x.push(d);
                let jit = (((i * 7 + r * 3 + salt * 11) % 9) as f64 - 4.0) * 0.5;
                y.push(p.eval(d) + jit);
            }
        }
        (x, y)
    }

    fn doses() -> Vec<f64> {
        (0..9).map(|i| 0.01 * 3f64.powi(i)).collect()
    }

    fn par(b: f64, c: f64, d: f64, e: f64) -> Params {
        Params { b, c, d, e, f: 1.0 }
    }

    #[test]
    fn sharing_parses_and_prints() {
        let s = Sharing::parse("top, Bottom,hill").unwrap();
        assert_eq!(s, Sharing([true, true, true, false, false]));
        assert_eq!(s.names(), "hill,bottom,top");
        assert_eq!(Sharing::parse("none").unwrap(), Sharing::NONE);
        assert_eq!(Sharing::NONE.to_string(), "none");
        assert!(Sharing::parse("top,foo").is_err());
    }

    #[test]
    fn nothing_shared_equals_separate_fits() {
        let d = doses();
        let (x1, y1) = curve(&par(1.3, 5.0, 100.0, 0.5), &d, 3, 1);
        let (x2, y2) = curve(&par(0.9, 10.0, 95.0, 4.0), &d, 3, 2);
        let c = [
            CurveData {
                dose: &x1,
                response: &y1,
                weight: None,
            },
            CurveData {
                dose: &x2,
                response: &y2,
                weight: None,
            },
        ];
        let o = FitOptions::default();
        let g = fit_global(&c, &o, Sharing::NONE).unwrap();
        assert!(g.converged);
        assert_eq!(g.n_params(), 8);
        assert_eq!(g.df, 54 - 8);
        let mut rss = 0.0;
        for i in 0..2 {
            let f = fit(&c[i], &o).unwrap();
            rss += f.rss;
            for (a, b) in f.params.to_array().iter().zip(g.params[i].to_array()) {
                assert!((a - b).abs() < 1e-6 * (1.0 + a.abs()), "{f:?} {g:?}");
            }
            // The pooled SE differs from the curve's own by σ̂_pooled/σ̂_curve.
            let ratio = g.sigma().unwrap() / f.sigma().unwrap();
            let se_g = g.ec50(i).unwrap().se_ln.unwrap();
            let se_f = f.ec50().unwrap().se_ln.unwrap();
            assert!(
                (se_g / se_f / ratio - 1.0).abs() < 1e-5,
                "{se_g} {se_f} {ratio}"
            );
        }
        assert!((g.rss - rss).abs() < 1e-8 * rss);
        assert!((g.rss_curve.iter().sum::<f64>() - g.rss).abs() < 1e-9 * rss);
    }

    #[test]
    fn shared_slope_and_asymptotes_recover_exact_curves() {
        let d = doses();
        let truth = [par(1.5, 5.0, 100.0, 0.3), par(1.5, 5.0, 100.0, 3.0)];
        let data: Vec<(Vec<f64>, Vec<f64>)> = truth
            .iter()
            .map(|t| {
                let x: Vec<f64> = d.iter().flat_map(|&v| [v, v]).collect();
                let y = x.iter().map(|&v| t.eval(v)).collect();
                (x, y)
            })
            .collect();
        let c: Vec<CurveData> = data
            .iter()
            .map(|(x, y)| CurveData {
                dose: x,
                response: y,
                weight: None,
            })
            .collect();
        let share = Sharing::parse("hill,bottom,top").unwrap();
        let g = fit_global(&c, &FitOptions::default(), share).unwrap();
        assert_eq!(g.n_params(), 5);
        for (t, p) in truth.iter().zip(&g.params) {
            assert!((t.b - p.b).abs() < 1e-6, "{p:?}");
            assert!((t.e / p.e - 1.0).abs() < 1e-6, "{p:?}");
            assert!((t.c - p.c).abs() < 1e-5 && (t.d - p.d).abs() < 1e-5);
        }
        assert_eq!(g.params[0].b, g.params[1].b);
    }

    #[test]
    fn dose_gradients_match_finite_differences() {
        let d = doses();
        let (x1, y1) = curve(&par(1.3, 5.0, 100.0, 0.5), &d, 2, 1);
        let (x2, y2) = curve(&par(0.9, 10.0, 95.0, 4.0), &d, 2, 2);
        let c = [
            CurveData {
                dose: &x1,
                response: &y1,
                weight: None,
            },
            CurveData {
                dose: &x2,
                response: &y2,
                weight: None,
            },
        ];
        let g = fit_global(&c, &FitOptions::default(), Sharing::NONE.with(B)).unwrap();
        for pot in [
            Potency::Relative(50.0),
            Potency::Relative(10.0),
            Potency::Absolute(50.0),
        ] {
            for i in 0..2 {
                let (lx, grad) = g.ln_dose_grad(i, pot).unwrap();
                for q in 0..g.n_params() {
                    let h = 1e-6 * (1.0 + g.theta[q].abs());
                    let shifted = |delta: f64| {
                        let mut gg = g.clone();
                        gg.theta[q] += delta;
                        let (j, ci) = gg.layout[q];
                        for (ii, p) in gg.params.iter_mut().enumerate() {
                            if ci.is_none() || ci == Some(ii) {
                                match j {
                                    B => p.b += delta,
                                    C => p.c += delta,
                                    D => p.d += delta,
                                    E => p.e *= delta.exp(),
                                    _ => p.f += delta,
                                }
                            }
                        }
                        gg.ln_dose_grad(i, pot).unwrap().0
                    };
                    let num = (shifted(h) - shifted(-h)) / (2.0 * h);
                    assert!(
                        (num - grad[q]).abs() < 1e-5 * (1.0 + num.abs()),
                        "{pot:?} curve {i} param {q}: {num} vs {}",
                        grad[q]
                    );
                }
                assert!(lx.is_finite());
            }
        }
    }

    #[test]
    fn errors_are_reported_per_curve() {
        let x = [0.0, 1.0, -1.0];
        let y = [1.0, 2.0, 3.0];
        let c = [CurveData {
            dose: &x,
            response: &y,
            weight: None,
        }];
        let e = fit_global(&c, &FitOptions::default(), Sharing::NONE).unwrap_err();
        assert!(matches!(e, GlobalError::Curve { curve: 0, .. }), "{e:?}");
        assert_eq!(
            fit_global(&[], &FitOptions::default(), Sharing::NONE).unwrap_err(),
            GlobalError::NoCurves
        );
        let x = [1.0, 2.0, 3.0];
        let c = [CurveData {
            dose: &x,
            response: &y,
            weight: None,
        }];
        assert!(matches!(
            fit_global(&c, &FitOptions::default(), Sharing::NONE).unwrap_err(),
            GlobalError::TooFewPoints { .. }
        ));
    }
}
