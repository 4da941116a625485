//! Fitting one curve: validation, scaling, starting values, the
//! Levenberg–Marquardt kernel with a multi-start fallback, and the
//! goodness-of-fit statistics of the solution.

use serde::{Deserialize, Serialize};

use crate::lm::{LmOptions, LmOutcome, Problem, invert_spd, levenberg_marquardt};
use crate::models::{B, C, D, E, F, Model, Params};
use crate::start::{Prepared, grid_best, self_start};

/// One dose–response curve: doses (≥ 0, any unit, 0 = vehicle), responses
/// and optional weights.
///
/// Weights multiply the squared residuals, S = Σ wᵢ(yᵢ − f(xᵢ))², as in R
/// `nls`/`lm` (wᵢ = 1/σᵢ²). drc's `weights` argument multiplies the residual
/// inside the square instead, so drc weight = √w.
#[derive(Debug, Clone, Copy)]
pub struct CurveData<'a> {
    /// Doses, ≥ 0.
    pub dose: &'a [f64],
    /// Responses.
    pub response: &'a [f64],
    /// Optional weights, > 0, multiplying the squared residuals.
    pub weight: Option<&'a [f64]>,
}

/// Why a curve could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// Dose and response have different lengths.
    #[error("{doses} doses but {responses} responses")]
    LengthMismatch {
        /// Number of doses.
        doses: usize,
        /// Number of responses.
        responses: usize,
    },
    /// Weights have a different length from the data.
    #[error("{weights} weights for {points} points")]
    WeightLengthMismatch {
        /// Number of weights.
        weights: usize,
        /// Number of points.
        points: usize,
    },
    /// A dose is negative, infinite or NaN.
    #[error("dose #{index} is {value}: doses must be finite and ≥ 0")]
    BadDose {
        /// 0-based index of the point.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A response is infinite or NaN.
    #[error("response #{index} is {value}: responses must be finite")]
    BadResponse {
        /// 0-based index of the point.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A weight is not a positive finite number.
    #[error("weight #{index} is {value}: weights must be finite and > 0")]
    BadWeight {
        /// 0-based index of the point.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Every dose is 0.
    #[error("no positive dose: a curve needs doses above 0")]
    NoPositiveDose,
    /// Fewer points (or distinct doses) than the model has parameters.
    #[error(
        "too few points: {points} points at {distinct_doses} distinct doses for {params} free parameters (need more points than parameters and at least as many distinct doses)"
    )]
    TooFewPoints {
        /// Number of points.
        points: usize,
        /// Number of distinct doses (dose 0 counts as one).
        distinct_doses: usize,
        /// Number of free parameters.
        params: usize,
    },
}

/// Options of a single fit. [`FitOptions::default`] is an unconstrained LL.4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Model family.
    pub model: Model,
    /// Fix the slope b (drc sign: positive = falling) at this value.
    pub fix_hill: Option<f64>,
    /// Fix drc's c (the high-dose asymptote of a falling curve), e.g. 0.
    pub fix_bottom: Option<f64>,
    /// Fix drc's d (the low-dose asymptote of a falling curve), e.g. 100.
    pub fix_top: Option<f64>,
    /// Bounds on b. Default ±10 (CurveCurator's slope limit): at |b| = 10
    /// the 10–90 % rise spans 0.44 ln units, under half a 3-fold dilution
    /// step, so steeper slopes are not identifiable from such a series —
    /// a curve that wants more is a step between two doses, ends on the
    /// bound and is flagged `at_bound` (without a bound the optimiser would
    /// creep towards b → ∞ until its iteration cap).
    pub hill_bounds: (f64, f64),
    /// Bounds on c. Default unbounded.
    pub bottom_bounds: (f64, f64),
    /// Bounds on d. Default unbounded.
    pub top_bounds: (f64, f64),
    /// Bounds on e as factors of the tested range: e ∈ [min positive dose ×
    /// lo, max dose × hi]. Default (1e-3, 1e3).
    pub e_range_factors: (f64, f64),
    /// Absolute bounds on e in dose units; overrides `e_range_factors`.
    pub e_bounds: Option<(f64, f64)>,
    /// Bounds on the LL.5 asymmetry f. Default (1e-3, 1e3).
    pub asym_bounds: (f64, f64),
    /// Iteration cap of each Levenberg–Marquardt run.
    pub max_iter: u32,
    /// Retry from a grid of starting values when the first fit fails to
    /// converge, stops at a bound, or does no better than a flat line.
    pub multistart: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            model: Model::LL4,
            fix_hill: None,
            fix_bottom: None,
            fix_top: None,
            hill_bounds: (-10.0, 10.0),
            bottom_bounds: (f64::NEG_INFINITY, f64::INFINITY),
            top_bounds: (f64::NEG_INFINITY, f64::INFINITY),
            e_range_factors: (1e-3, 1e3),
            e_bounds: None,
            asym_bounds: (1e-3, 1e3),
            max_iter: 200,
            multistart: true,
        }
    }
}

impl FitOptions {
    /// Options for a model family with its default constraints.
    pub fn new(model: Model) -> Self {
        FitOptions {
            model,
            ..Default::default()
        }
    }

    /// Fixed values by parameter index: the family's, overridden by the
    /// explicit `fix_*` options.
    pub fn fixed(&self) -> [Option<f64>; 5] {
        let mut fx = self.model.fixed();
        if self.fix_hill.is_some() {
            fx[B] = self.fix_hill;
        }
        if self.fix_bottom.is_some() {
            fx[C] = self.fix_bottom;
        }
        if self.fix_top.is_some() {
            fx[D] = self.fix_top;
        }
        fx
    }

    /// Number of estimated parameters.
    pub fn n_free(&self) -> usize {
        self.fixed().iter().filter(|v| v.is_none()).count()
    }
}

/// The fitted curve and its goodness of fit. Potency metrics are methods
/// (see [`crate::metrics`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Model family.
    pub model: Model,
    /// Natural-scale parameters in the dose unit of the data.
    pub params: Params,
    /// Which parameters were estimated (b, c, d, e, f).
    pub free: [bool; 5],
    /// Covariance of (b, c, d, ln e, f) = σ̂²(JᵀWJ)⁻¹ at the solution (zero rows
    /// for fixed parameters); None when JᵀWJ is singular or df = 0.
    pub cov: Option<[[f64; 5]; 5]>,
    /// Number of points.
    pub n: usize,
    /// Residual degrees of freedom n − k.
    pub df: usize,
    /// Weighted residual sum of squares.
    pub rss: f64,
    /// Weighted total sum of squares about the weighted mean.
    pub tss: f64,
    /// Σ ln wᵢ (0 unweighted), for the log-likelihood.
    pub sum_log_w: f64,
    /// Whether the optimiser met its convergence test.
    pub converged: bool,
    /// Levenberg–Marquardt iterations of the run that was kept.
    pub iterations: u32,
    /// Number of starting points tried.
    pub starts: u32,
    /// Free parameters that ended on one of their bounds (b, c, d, e, f).
    pub at_bound: [bool; 5],
    /// Smallest positive dose.
    pub dose_min: f64,
    /// Largest dose.
    pub dose_max: f64,
    /// Mean response at dose 0, when the data have dose-0 points.
    pub control_mean: Option<f64>,
}

/// Reusable buffers so that batch fitting does not allocate per curve.
#[derive(Debug, Default)]
pub struct Workspace {
    lx: Vec<f64>,
}

impl Workspace {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Fits one curve. See [`fit_with`] to reuse buffers across many curves.
pub fn fit(data: &CurveData, opts: &FitOptions) -> Result<Fit, FitError> {
    fit_with(data, opts, &mut Workspace::new())
}

/// Validates the data and counts distinct doses; returns
/// (min positive dose, max dose, distinct doses, control mean).
pub(crate) fn validate(data: &CurveData) -> Result<(f64, f64, usize, Option<f64>), FitError> {
    let n = data.dose.len();
    if data.response.len() != n {
        return Err(FitError::LengthMismatch {
            doses: n,
            responses: data.response.len(),
        });
    }
    if let Some(w) = data.weight {
        if w.len() != n {
            return Err(FitError::WeightLengthMismatch {
                weights: w.len(),
                points: n,
            });
        }
        if let Some((index, &value)) = w
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(FitError::BadWeight { index, value });
        }
    }
    let (mut dmin, mut dmax) = (f64::INFINITY, 0.0f64);
    let (mut csum, mut cn) = (0.0, 0usize);
    for (index, (&x, &y)) in data.dose.iter().zip(data.response).enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(FitError::BadDose { index, value: x });
        }
        if !y.is_finite() {
            return Err(FitError::BadResponse { index, value: y });
        }
        if x > 0.0 {
            dmin = dmin.min(x);
            dmax = dmax.max(x);
        } else {
            csum += y;
            cn += 1;
        }
    }
    if !dmin.is_finite() {
        return Err(FitError::NoPositiveDose);
    }
    // Distinct doses without allocating: count values not seen earlier
    // (O(n²), n is small for a single curve).
    let mut distinct = 0;
    for i in 0..n {
        if !data.dose[..i].contains(&data.dose[i]) {
            distinct += 1;
        }
    }
    let control = (cn > 0).then(|| csum / cn as f64);
    Ok((dmin, dmax, distinct, control))
}

/// Fits one curve reusing `ws` for scratch memory.
///
/// Procedure: doses are divided by their geometric mean (for conditioning)
/// and e is estimated as ln e; drc's self-start gives the first starting
/// point; if that run does not converge, stops on a bound, or leaves more
/// than 10 % of the variance unexplained, the three best points of a grid
/// search (see `start::grid_best`) are tried as further starts and the
/// lowest RSS is kept. For LL.5 the LL.4 solution (f = 1) is added as a start. LL.4
/// curves with c and d free (and symmetric bounds) are reported with c < d,
/// so that b > 0 means falling (drc's (b, c, d, e) and (−b, d, c, e) are the
/// same curve).
pub fn fit_with(data: &CurveData, opts: &FitOptions, ws: &mut Workspace) -> Result<Fit, FitError> {
    let (dmin, dmax, distinct, control_mean) = validate(data)?;
    let n = data.dose.len();
    let fixed = opts.fixed();
    let k = fixed.iter().filter(|v| v.is_none()).count();
    if n <= k || distinct < k {
        return Err(FitError::TooFewPoints {
            points: n,
            distinct_doses: distinct,
            params: k,
        });
    }
    // Scale doses by their geometric mean.
    let mut slog = 0.0;
    let mut npos = 0usize;
    for &x in data.dose {
        if x > 0.0 {
            slog += x.ln();
            npos += 1;
        }
    }
    let ln_scale = slog / npos as f64;
    ws.lx.clear();
    ws.lx.extend(data.dose.iter().map(|&x| {
        if x > 0.0 {
            x.ln() - ln_scale
        } else {
            f64::NEG_INFINITY
        }
    }));
    let free = fixed.map(|v| v.is_none());
    let (elo, ehi) = match opts.e_bounds {
        Some((lo, hi)) => (lo, hi),
        None => (dmin * opts.e_range_factors.0, dmax * opts.e_range_factors.1),
    };
    let lower = [
        opts.hill_bounds.0,
        opts.bottom_bounds.0,
        opts.top_bounds.0,
        elo.ln() - ln_scale,
        opts.asym_bounds.0,
    ];
    let upper = [
        opts.hill_bounds.1,
        opts.bottom_bounds.1,
        opts.top_bounds.1,
        ehi.ln() - ln_scale,
        opts.asym_bounds.1,
    ];
    let problem = Problem {
        lx: &ws.lx,
        y: data.response,
        w: data.weight,
        free,
        lower,
        upper,
    };
    let lm_opts = LmOptions {
        max_iter: opts.max_iter,
        ..LmOptions::default()
    };
    let prepared = Prepared {
        lx: &ws.lx,
        y: data.response,
    };
    let with_fixed = |mut th: [f64; 5]| {
        for j in 0..5 {
            if let Some(v) = fixed[j] {
                th[j] = if j == E { v.ln() - ln_scale } else { v };
            }
        }
        th
    };
    let (tss, sum_log_w) = totals(data);
    let mut starts = 1u32;
    let mut best = if fixed[F].is_none() {
        // LL.5: start from the LL.4 solution (f = 1).
        let mut fx4 = fixed;
        fx4[F] = Some(1.0);
        let mut p4 = problem;
        p4.free[F] = false;
        let s4 = with_fixed(self_start(&prepared, &fx4));
        let o4 = levenberg_marquardt(&p4, s4, &lm_opts);
        starts += 1;
        let a = levenberg_marquardt(&problem, o4.theta, &lm_opts);
        let b = levenberg_marquardt(
            &problem,
            with_fixed(self_start(&prepared, &fixed)),
            &lm_opts,
        );
        pick(a, b)
    } else {
        levenberg_marquardt(
            &problem,
            with_fixed(self_start(&prepared, &fixed)),
            &lm_opts,
        )
    };
    // A fit is retried from the best points of a grid search when it did
    // not converge, stopped on a bound, or explains little of the variance
    // (R² < 0.9): a second basin (e.g. a step at the top dose) may exist.
    let needs_retry = |o: &LmOutcome| {
        !o.stop.converged()
            || on_bound(&problem, &o.theta).iter().any(|&b| b)
            || !(o.rss < 0.1 * tss)
    };
    if opts.multistart && needs_retry(&best) {
        let grid = grid_best::<6>(&prepared, data.weight, &fixed, &lower, &upper);
        for (th0, _) in grid.into_iter().flatten() {
            starts += 1;
            let o = levenberg_marquardt(&problem, with_fixed(th0), &lm_opts);
            best = pick(best, o);
        }
    }
    let mut th = best.theta;
    let at_bound_internal = on_bound(&problem, &th);
    let df = n - k;
    let cov = covariance(&problem, &th, best.rss, df);
    let mut cov = cov;
    let mut at_bound = at_bound_internal;
    // Canonical LL.4 orientation: c < d, so b > 0 means falling.
    let symmetric_bounds =
        opts.hill_bounds.0 == -opts.hill_bounds.1 && opts.bottom_bounds == opts.top_bounds;
    if symmetric_bounds && free[C] && free[D] && !free[F] && th[F] == 1.0 && th[C] > th[D] {
        th.swap(C, D);
        th[B] = -th[B];
        at_bound.swap(C, D);
        if let Some(m) = cov.as_mut() {
            swap_cov(m, C, D);
            for j in 0..5 {
                if j != B {
                    m[B][j] = -m[B][j];
                    m[j][B] = -m[j][B];
                }
            }
        }
    }
    let params = Params {
        b: th[B],
        c: th[C],
        d: th[D],
        e: (th[E] + ln_scale).exp(),
        f: th[F],
    };
    Ok(Fit {
        model: opts.model,
        params,
        free,
        cov,
        n,
        df,
        rss: best.rss,
        tss,
        sum_log_w,
        converged: best.stop.converged(),
        iterations: best.iterations,
        starts,
        at_bound,
        dose_min: dmin,
        dose_max: dmax,
        control_mean,
    })
}

/// Keeps the better of two runs: a clearly lower RSS (by more than 1e-8
/// relative) wins; between runs of practically equal RSS a converged one
/// beats one that stopped for another reason.
fn pick(a: LmOutcome, b: LmOutcome) -> LmOutcome {
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

fn on_bound(p: &Problem, th: &[f64; 5]) -> [bool; 5] {
    let mut out = [false; 5];
    for j in 0..5 {
        if p.free[j] {
            let tol = 1e-9 * (1.0 + th[j].abs());
            out[j] = (th[j] - p.lower[j]).abs() <= tol || (p.upper[j] - th[j]).abs() <= tol;
        }
    }
    out
}

fn covariance(p: &Problem, th: &[f64; 5], rss: f64, df: usize) -> Option<[[f64; 5]; 5]> {
    if df == 0 {
        return None;
    }
    let (_, a, _) = p.normal_equations(th);
    let mut idx = [0usize; 5];
    let mut k = 0;
    for j in 0..5 {
        if p.free[j] {
            idx[k] = j;
            k += 1;
        }
    }
    let inv = invert_spd(&a, &idx[..k])?;
    let s2 = rss / df as f64;
    let mut cov = [[0.0; 5]; 5];
    for i in 0..5 {
        for j in 0..5 {
            cov[i][j] = inv[i][j] * s2;
        }
    }
    Some(cov)
}

fn swap_cov(m: &mut [[f64; 5]; 5], a: usize, b: usize) {
    m.swap(a, b);
    for row in m.iter_mut() {
        row.swap(a, b);
    }
}

/// Weighted total sum of squares and Σ ln w.
fn totals(data: &CurveData) -> (f64, f64) {
    let w = |i: usize| data.weight.map_or(1.0, |w| w[i]);
    let (mut sw, mut swy) = (0.0, 0.0);
    for (i, &y) in data.response.iter().enumerate() {
        sw += w(i);
        swy += w(i) * y;
    }
    let mean = swy / sw;
    let mut tss = 0.0;
    let mut slw = 0.0;
    for (i, &y) in data.response.iter().enumerate() {
        tss += w(i) * (y - mean) * (y - mean);
        slw += w(i).ln();
    }
    (tss, slw)
}

impl Fit {
    /// Number of estimated parameters k.
    pub fn n_free(&self) -> usize {
        self.free.iter().filter(|&&f| f).count()
    }

    /// Internal parameter vector (b, c, d, ln e, f).
    pub fn theta(&self) -> [f64; 5] {
        let p = &self.params;
        [p.b, p.c, p.d, p.e.ln(), p.f]
    }

    /// Predicted response at dose `x`.
    pub fn predict(&self, x: f64) -> f64 {
        self.params.eval(x)
    }

    /// Residual standard error σ̂ = √(RSS / (n − k)).
    pub fn sigma(&self) -> Option<f64> {
        (self.df > 0).then(|| (self.rss / self.df as f64).sqrt())
    }

    /// Standard error of parameter `j` (index as in [`crate::models`]) on the
    /// natural scale; for e it is e·SE(ln e) (delta method).
    pub fn se(&self, j: usize) -> Option<f64> {
        let cov = self.cov.as_ref()?;
        if !self.free[j] {
            return None;
        }
        let v = cov[j][j];
        if !(v.is_finite() && v >= 0.0) {
            return None;
        }
        Some(if j == E {
            self.params.e * v.sqrt()
        } else {
            v.sqrt()
        })
    }

    /// Gaussian log-likelihood at the least-squares solution, as R's
    /// `logLik` for `nls`/drc: ℓ = −n/2·(ln 2π + 1 − ln n + ln RSS) + ½Σ ln wᵢ.
    pub fn loglik(&self) -> f64 {
        let n = self.n as f64;
        -0.5 * n * ((2.0 * std::f64::consts::PI).ln() + 1.0 - n.ln() + self.rss.ln())
            + 0.5 * self.sum_log_w
    }

    /// AIC = −2ℓ + 2(k + 1) (the +1 counts σ², as drc/R do).
    pub fn aic(&self) -> f64 {
        -2.0 * self.loglik() + 2.0 * (self.n_free() as f64 + 1.0)
    }

    /// BIC = −2ℓ + ln(n)(k + 1).
    pub fn bic(&self) -> f64 {
        -2.0 * self.loglik() + (self.n as f64).ln() * (self.n_free() as f64 + 1.0)
    }

    /// R² = 1 − RSS/TSS (weighted; TSS about the weighted mean).
    pub fn r2(&self) -> Option<f64> {
        (self.tss > 0.0).then(|| 1.0 - self.rss / self.tss)
    }

    /// F test of the curve against a flat line (the weighted mean):
    /// F = ((TSS − RSS)/(k − 1)) / (RSS/(n − k)) on (k − 1, n − k) df, as
    /// in GRmetrics / the scipy reference here. Returns (F, p). None when
    /// k < 2 or n − k = 0.
    pub fn f_test_flat(&self) -> Option<(f64, f64)> {
        let k = self.n_free();
        if k < 2 || self.df == 0 {
            return None;
        }
        let d1 = (k - 1) as f64;
        let d2 = self.df as f64;
        if !(self.tss > 0.0) {
            // No variance to explain (constant responses): no evidence of
            // a dose effect.
            return Some((0.0, 1.0));
        }
        if self.rss <= 0.0 {
            return Some((f64::INFINITY, 0.0));
        }
        let f = ((self.tss - self.rss) / d1) / (self.rss / d2);
        if f <= 0.0 {
            return Some((f.max(0.0), 1.0));
        }
        Some((f, preclin_stats::dist::f_sf(f, d1, d2)))
    }

    /// Whether any free parameter ended on a bound.
    pub fn any_at_bound(&self) -> bool {
        self.at_bound.iter().any(|&b| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ryegrass() -> (Vec<f64>, Vec<f64>) {
        // drcData ryegrass (tests/data/drc_ryegrass.csv).
        let conc = [
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.94, 0.94, 0.94, 1.88, 1.88, 1.88, 3.75, 3.75, 3.75,
            7.5, 7.5, 7.5, 15.0, 15.0, 15.0, 30.0, 30.0, 30.0,
        ];
        let rootl = [
            7.58,
            8.0,
            8.328571429,
            7.25,
            7.375,
            7.9625,
            8.355555556,
            6.914285714,
            7.75,
            6.871428571,
            6.45,
            5.922222222,
            1.925,
            2.885714286,
            4.233333333,
            1.1875,
            0.857142857,
            1.057142857,
            0.6875,
            0.525,
            0.825,
            0.25,
            0.22,
            0.44,
        ];
        (conc.to_vec(), rootl.to_vec())
    }

    #[test]
    fn ryegrass_ll4_matches_drc() {
        let (x, y) = ryegrass();
        let f = fit(
            &CurveData {
                dose: &x,
                response: &y,
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap();
        assert!(f.converged);
        // drc 3.0.6 docs: b 2.98222, c 0.48141, d 7.79296, e 3.05796.
        assert!((f.params.b - 2.98222).abs() < 1e-4, "{:?}", f.params);
        assert!((f.params.c - 0.48141).abs() < 1e-4);
        assert!((f.params.d - 7.79296).abs() < 1e-4);
        assert!((f.params.e - 3.05796).abs() < 1e-4);
        assert!((f.aic() - 42.31029).abs() < 1e-3);
    }

    #[test]
    fn errors_on_bad_input() {
        let x = [0.0, 1.0, -2.0, 3.0, 4.0];
        let y = [1.0; 5];
        let e = fit(
            &CurveData {
                dose: &x,
                response: &y,
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            FitError::BadDose {
                index: 2,
                value: -2.0
            }
        );
        let x = [1.0, 2.0, 3.0, 4.0];
        let e = fit(
            &CurveData {
                dose: &x,
                response: &y[..4],
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, FitError::TooFewPoints { .. }));
        let z = [0.0; 5];
        let e = fit(
            &CurveData {
                dose: &z,
                response: &y,
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e, FitError::NoPositiveDose);
    }
}
