//! SynergyFinder's curve fits as R computes them: `drc::drm` 3.0-1 with
//! `LL.4`, fitted by R's `optim(method = "BFGS")`, with SynergyFinder's
//! fallback to `L.4` on log dose — reproduced step by step so that
//! `--compat synergyfinder` gives SynergyFinder's ZIP numbers.
//!
//! Why this exists: on flat or step-shaped monotherapies the least-squares
//! LL.4 is not where drc stops. drc's self-start regression drops the dose-0
//! point, starts some curves with a positive slope and an ED50 far beyond the
//! tested doses, and BFGS then halts on a plateau where every tested dose
//! sits on one asymptote: the fitted curve is the flat line at the mean of
//! the series (sum of squares 5 630 where the least-squares step has 30 on
//! ispinesib in `mathews_screening_data`). ZIP follows those curves; see
//! `tests/conformance_zip.rs` for the numbers.
//!
//! What is reproduced (facts from the drc 3.0-1 and R sources, code written
//! here):
//!
//! * **Model** LL.4: f(x) = c + (d − c)/(1 + exp(b·ln(x/e))); at x = 0 this
//!   is the asymptote c (b < 0) or d (b > 0). SynergyFinder fixes c = `Emin`
//!   for ZIP's lines.
//! * **Scaling** (drm): doses divided by 10^⌊log₁₀ median(dose)⌋ and
//!   responses by 10^⌊log₁₀ median(response)⌋ (1 when the median is ≤ 0 or
//!   the power is below 1e-15); c, d, e are fitted on those scales.
//! * **Self-start** (`llogistic.ssf`, method 1): c₀ = min y − 0.001·range,
//!   d₀ = max y + 0.001·range; b₀, e₀ from the least-squares line of
//!   ln((d₀ − y)/(y − c₀)) on ln x over the doses x > 0 (ln 0 is not
//!   finite, so **the control is left out of the regression but kept in the
//!   fit**): b₀ = slope, e₀ = exp(−intercept/b₀).
//! * **Optimiser**: R's `optim(method = "BFGS")` = `vmmin` (Nash 1990,
//!   *Compact Numerical Methods*, Alg. 21: line search with step ×0.2 and
//!   acceptance 1e-4·slope, inverse-Hessian BFGS update, reset when
//!   uphill, stop when the objective changes by less than reltol = 1e-7
//!   relative, at most maxit = 500 iterations) on the parameters divided by
//!   `parscale` = |start| (1 where |start| < 1e-4), with central-difference
//!   gradients of step `ndeps` = 1e-3 on that scale. drc asks for the
//!   Hessian afterwards (differences of gradients, step 1e-3 on the original
//!   scale); a non-finite value there, in a gradient, or at the start makes
//!   `optim` fail, drc warn "Convergence failed", and SynergyFinder refit.
//! * **Fallback** (SynergyFinder `FitDoseResponse`): `drm(response ~
//!   log(dose), fct = L.4(...))` with dose 0 replaced by 1e-10, the logistic
//!   f(u) = c + (d − c)/(1 + exp(b·(u − e))) in u = ln dose, no scaling, the
//!   same self-start on u (every point) and optimiser.
//! * A series of equal responses gets 1e-10 added to its last response.
//!
//! What is not: drc's standard errors, and bit-identity with R (R's `lm`
//! uses a QR decomposition and its own `exp`/`log`; results can differ in
//! the last bits, which matters only where BFGS stops at its 500-iteration
//! cap).

/// Which model a [`DrcCurve`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrcModel {
    /// drc `LL.4` on dose (e in dose units).
    LogLogistic,
    /// drc `L.4` on ln dose, dose 0 read as 1e-10 (e in ln-dose units) —
    /// SynergyFinder's fallback when the LL.4 fit fails.
    LogisticLogDose,
}

/// A curve fitted as SynergyFinder's `FitDoseResponse` does.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DrcCurve {
    /// The model.
    pub model: DrcModel,
    /// Slope b.
    pub b: f64,
    /// Asymptote c (the dose-0 end when b < 0).
    pub c: f64,
    /// Asymptote d.
    pub d: f64,
    /// ED50 (dose units for LL.4, ln dose for L.4).
    pub e: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// Whether BFGS stopped at its 500-iteration cap (R reports
    /// convergence code 1; drc and SynergyFinder use the fit anyway).
    pub maxit_reached: bool,
}

impl DrcCurve {
    /// The fitted response at dose `x ≥ 0`, as `predict()` gives it.
    pub fn predict(&self, x: f64) -> f64 {
        let Self { b, c, d, e, .. } = *self;
        match self.model {
            DrcModel::LogLogistic => c + (d - c) / (1.0 + (b * (x / e).ln()).exp()),
            DrcModel::LogisticLogDose => {
                let u = if x == 0.0 { ZERO_DOSE.ln() } else { x.ln() };
                c + (d - c) / (1.0 + (b * (u - e)).exp())
            }
        }
    }
}

/// SynergyFinder's replacement of dose 0 before taking logs.
pub const ZERO_DOSE: f64 = 1e-10;

/// Why R's `optim` stops with an error (SynergyFinder then refits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptimError {
    NonFinite,
}

/// SynergyFinder 3.x `FitDoseResponse(data, Emin, Emax = NA)`: drc LL.4 on
/// (dose, response) with c fixed at `emin` if given; on failure L.4 on ln
/// dose. `None` when both fail (SynergyFinder stops with an error there) or
/// the series is empty or of unequal lengths.
pub fn fit_dose_response(dose: &[f64], response: &[f64], emin: Option<f64>) -> Option<DrcCurve> {
    if dose.is_empty() || dose.len() != response.len() {
        return None;
    }
    let mut y = response.to_vec();
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    if y.len() != 1 && y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() == 0.0 {
        *y.last_mut().expect("non-empty") += 1e-10;
    }
    if let Some(c) = fit_ll4(dose, &y, emin) {
        return Some(c);
    }
    let u: Vec<f64> = dose
        .iter()
        .map(|&x| if x == 0.0 { ZERO_DOSE.ln() } else { x.ln() })
        .collect();
    fit_l4(&u, &y, emin)
}

/// R's `median`.
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

/// drm's scale: 10^⌊log₁₀ median⌋, or 1.
fn drm_scale(v: &[f64]) -> f64 {
    let m = median(v);
    let s = 10f64.powf(m.log10().floor());
    if s.is_nan() || s < 1e-15 { 1.0 } else { s }
}

/// Least-squares line (intercept, slope) of y on x; `None` if x is constant.
fn line(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((my - slope * mx, slope))
}

/// Self-start c₀, d₀ (range widened by 0.1 % each side) and the logit
/// transform of y.
fn start_cd(y: &[f64]) -> (f64, f64) {
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let r = 0.001 * (hi - lo);
    (lo - r, hi + r)
}

/// Parameters (b, c, d, e) from the free ones and the fixed c.
fn full(p: &[f64], fix_c: Option<f64>) -> [f64; 4] {
    match fix_c {
        Some(c) => [p[0], c, p[1], p[2]],
        None => [p[0], p[1], p[2], p[3]],
    }
}

fn fit_ll4(dose: &[f64], y: &[f64], emin: Option<f64>) -> Option<DrcCurve> {
    let ds = drm_scale(dose);
    let rs = drm_scale(y);
    let x: Vec<f64> = dose.iter().map(|v| v / ds).collect();
    let ys: Vec<f64> = y.iter().map(|v| v / rs).collect();
    let (c0, d0) = start_cd(&ys);
    let (mut lx, mut ly) = (Vec::new(), Vec::new());
    for (&xi, &yi) in x.iter().zip(&ys) {
        let lxi = xi.ln();
        if !(xi > 0.0 && lxi.is_finite()) {
            continue; // R: log dose NA, the row is dropped by lm
        }
        let t = ((d0 - yi) / (yi - c0)).ln();
        if !t.is_finite() {
            return None; // R: lm stops on a non-finite response
        }
        lx.push(lxi);
        ly.push(t);
    }
    let (a, b0) = line(&lx, &ly)?;
    let e0 = (-a / b0).exp();
    let fix_c = emin.map(|c| c / rs);
    let start: Vec<f64> = match fix_c {
        Some(_) => vec![b0, d0, e0],
        None => vec![b0, c0, d0, e0],
    };
    let sse = |p: &[f64]| -> f64 {
        let [b, c, d, e] = full(p, fix_c);
        x.iter()
            .zip(&ys)
            .map(|(&xi, &yi)| {
                let f = c + (d - c) / (1.0 + (b * (xi / e).ln()).exp());
                (yi - f) * (yi - f)
            })
            .sum()
    };
    let fit = optim_bfgs(&sse, &start).ok()?;
    let [b, c, d, e] = full(&fit.par, fix_c);
    Some(DrcCurve {
        model: DrcModel::LogLogistic,
        b,
        c: c * rs,
        d: d * rs,
        e: e * ds,
        iterations: fit.iterations,
        maxit_reached: fit.maxit_reached,
    })
}

fn fit_l4(u: &[f64], y: &[f64], emin: Option<f64>) -> Option<DrcCurve> {
    let (c0, d0) = start_cd(y);
    let (mut lx, mut ly) = (Vec::new(), Vec::new());
    for (&ui, &yi) in u.iter().zip(y) {
        let t = ((d0 - yi) / (yi - c0)).ln();
        if !(ui.is_finite() && t.is_finite()) {
            return None;
        }
        lx.push(ui);
        ly.push(t);
    }
    let (a, b0) = line(&lx, &ly)?;
    let e0 = -a / b0;
    let start: Vec<f64> = match emin {
        Some(_) => vec![b0, d0, e0],
        None => vec![b0, c0, d0, e0],
    };
    let sse = |p: &[f64]| -> f64 {
        let [b, c, d, e] = full(p, emin);
        u.iter()
            .zip(y)
            .map(|(&ui, &yi)| {
                let f = c + (d - c) / (1.0 + (b * (ui - e)).exp());
                (yi - f) * (yi - f)
            })
            .sum()
    };
    let fit = optim_bfgs(&sse, &start).ok()?;
    let [b, c, d, e] = full(&fit.par, emin);
    Some(DrcCurve {
        model: DrcModel::LogisticLogDose,
        b,
        c,
        d,
        e,
        iterations: fit.iterations,
        maxit_reached: fit.maxit_reached,
    })
}

struct OptimFit {
    par: Vec<f64>,
    iterations: usize,
    maxit_reached: bool,
}

const NDEPS: f64 = 1e-3;
const MAXIT: usize = 500;
const RELTOL: f64 = 1e-7;

/// R's `optim(start, fn, method = "BFGS", hessian = TRUE,
/// control = list(maxit = 500, reltol = 1e-7, parscale = |start|))` with
/// numerical gradients, as drc's `drmOpt` calls it.
fn optim_bfgs(f: &dyn Fn(&[f64]) -> f64, start: &[f64]) -> Result<OptimFit, OptimError> {
    let n = start.len();
    if start.iter().any(|v| !v.is_finite()) {
        return Err(OptimError::NonFinite);
    }
    let ps: Vec<f64> = start
        .iter()
        .map(|v| if v.abs() < 1e-4 { 1.0 } else { v.abs() })
        .collect();
    let mut fmin = |p: &[f64]| -> Result<f64, OptimError> {
        if p.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite);
        }
        let x: Vec<f64> = p.iter().zip(&ps).map(|(a, s)| a * s).collect();
        Ok(f(&x))
    };
    let grad = |p: &[f64], g: &mut [f64]| -> Result<(), OptimError> {
        let mut x: Vec<f64> = (0..n).map(|i| p[i] * ps[i]).collect();
        for i in 0..n {
            x[i] = (p[i] + NDEPS) * ps[i];
            let v1 = f(&x);
            x[i] = (p[i] - NDEPS) * ps[i];
            let v2 = f(&x);
            g[i] = (v1 - v2) / (2.0 * NDEPS);
            if !g[i].is_finite() {
                return Err(OptimError::NonFinite);
            }
            x[i] = p[i] * ps[i];
        }
        Ok(())
    };
    let p0: Vec<f64> = (0..n).map(|i| start[i] / ps[i]).collect();
    let (p, iterations) = vmmin(p0, &mut fmin, &grad)?;
    // The Hessian R computes afterwards: gradients at p ± ndeps/parscale.
    let mut q = p.clone();
    let mut g = vec![0.0; n];
    for i in 0..n {
        let eps = NDEPS / ps[i];
        q[i] = p[i] + eps;
        grad(&q, &mut g)?;
        q[i] = p[i] - eps;
        grad(&q, &mut g)?;
        q[i] = p[i];
    }
    Ok(OptimFit {
        par: (0..n).map(|i| p[i] * ps[i]).collect(),
        iterations,
        maxit_reached: iterations >= MAXIT,
    })
}

/// R's `vmmin` (variable metric BFGS, Nash 1990 Alg. 21) with abstol = −∞.
/// Returns the last point and the iteration count.
#[allow(clippy::type_complexity)]
fn vmmin(
    mut b: Vec<f64>,
    fmin: &mut dyn FnMut(&[f64]) -> Result<f64, OptimError>,
    grad: &dyn Fn(&[f64], &mut [f64]) -> Result<(), OptimError>,
) -> Result<(Vec<f64>, usize), OptimError> {
    const STEPREDN: f64 = 0.2;
    const ACCTOL: f64 = 0.0001;
    const RELTEST: f64 = 10.0;
    let n = b.len();
    let mut f = fmin(&b)?;
    if !f.is_finite() {
        return Err(OptimError::NonFinite);
    }
    let mut fbest = f;
    let mut g = vec![0.0; n];
    grad(&b, &mut g)?;
    let mut gradcount = 1usize;
    let mut iter = 1usize;
    let mut ilast = gradcount;
    let mut bm = vec![vec![0.0; n]; n];
    let (mut xv, mut c, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut count;
    loop {
        if ilast == gradcount {
            for (i, row) in bm.iter_mut().enumerate() {
                for v in row.iter_mut().take(i) {
                    *v = 0.0;
                }
                row[i] = 1.0;
            }
        }
        xv.copy_from_slice(&b);
        c.copy_from_slice(&g);
        let mut gradproj = 0.0;
        for i in 0..n {
            let mut s = 0.0;
            for j in 0..=i {
                s -= bm[i][j] * g[j];
            }
            for j in i + 1..n {
                s -= bm[j][i] * g[j];
            }
            t[i] = s;
            gradproj += s * g[i];
        }
        if gradproj < 0.0 {
            let mut steplength = 1.0;
            let mut accpoint = false;
            loop {
                count = 0;
                for i in 0..n {
                    b[i] = xv[i] + steplength * t[i];
                    if RELTEST + xv[i] == RELTEST + b[i] {
                        count += 1;
                    }
                }
                if count < n {
                    f = fmin(&b)?;
                    accpoint = f.is_finite() && f <= fbest + gradproj * steplength * ACCTOL;
                    if !accpoint {
                        steplength *= STEPREDN;
                    }
                }
                if count == n || accpoint {
                    break;
                }
            }
            let enough = (f - fbest).abs() > RELTOL * (fbest.abs() + RELTOL);
            if !enough {
                count = n;
                fbest = f;
            }
            if count < n {
                fbest = f;
                grad(&b, &mut g)?;
                gradcount += 1;
                iter += 1;
                let mut d1 = 0.0;
                for i in 0..n {
                    t[i] *= steplength;
                    c[i] = g[i] - c[i];
                    d1 += t[i] * c[i];
                }
                if d1 > 0.0 {
                    let mut d2 = 0.0;
                    for i in 0..n {
                        let mut s = 0.0;
                        for j in 0..=i {
                            s += bm[i][j] * c[j];
                        }
                        for j in i + 1..n {
                            s += bm[j][i] * c[j];
                        }
                        xv[i] = s;
                        d2 += s * c[i];
                    }
                    d2 = 1.0 + d2 / d1;
                    for i in 0..n {
                        for j in 0..=i {
                            bm[i][j] += (d2 * t[i] * t[j] - xv[i] * t[j] - t[i] * xv[j]) / d1;
                        }
                    }
                } else {
                    ilast = gradcount;
                }
            } else if ilast < gradcount {
                count = 0;
                ilast = gradcount;
            }
        } else {
            count = 0;
            if ilast == gradcount {
                count = n;
            } else {
                ilast = gradcount;
            }
        }
        if iter >= MAXIT {
            break;
        }
        if gradcount - ilast > 2 * n {
            ilast = gradcount;
        }
        if count == n && ilast == gradcount {
            break;
        }
    }
    Ok((b, iter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_clean_ll4() {
        let (b, c, d, e) = (-1.5, 5.0, 90.0, 3.0);
        let dose = [0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];
        let y: Vec<f64> = dose
            .iter()
            .map(|&x: &f64| c + (d - c) / (1.0 + (b * (x / e).ln()).exp()))
            .collect();
        let f = fit_dose_response(&dose, &y, None).unwrap();
        assert_eq!(f.model, DrcModel::LogLogistic);
        for (&x, &v) in dose.iter().zip(&y) {
            assert!((f.predict(x) - v).abs() < 0.05, "{x}: {} {v}", f.predict(x));
        }
    }

    #[test]
    fn fixed_c_is_kept() {
        let dose = [0.0, 1.0, 3.0, 10.0, 30.0];
        let y = [10.0, 20.0, 45.0, 70.0, 80.0];
        let f = fit_dose_response(&dose, &y, Some(10.0)).unwrap();
        assert!((f.c - 10.0).abs() < 1e-12 || f.model == DrcModel::LogisticLogDose);
        assert!((f.predict(0.0) - 10.0).abs() < 1e-6 || f.b > 0.0);
    }

    #[test]
    fn median_and_scale_follow_r() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(
            drm_scale(&[0.0, 9.7656, 39.0626, 156.25, 625.0, 2500.0]),
            10.0
        );
        assert_eq!(drm_scale(&[-5.0, -1.0, 2.0]), 1.0);
        assert_eq!(drm_scale(&[0.0, 0.0, 1.0]), 1.0);
    }

    #[test]
    fn vmmin_minimises_a_quadratic() {
        let f = |p: &[f64]| (p[0] - 3.0).powi(2) + 10.0 * (p[1] + 1.0).powi(2);
        let r = optim_bfgs(&f, &[1.0, 1.0]).unwrap();
        assert!((r.par[0] - 3.0).abs() < 1e-3 && (r.par[1] + 1.0).abs() < 1e-3);
    }
}
