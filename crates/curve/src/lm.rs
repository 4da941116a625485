//! A Levenberg–Marquardt least-squares kernel specialised to the
//! log-logistic family (at most five parameters).
//!
//! Minimises S(θ) = Σ wᵢ (yᵢ − f(xᵢ; θ))² over the free parameters of
//! θ = (b, c, d, ln e, f). Design choices (Madsen, Nielsen & Tingleff 2004,
//! *Methods for non-linear least squares problems*, §3.2):
//!
//! * Normal equations (JᵀWJ + λ·diag(JᵀWJ)) δ = JᵀW r accumulated point by
//!   point into fixed 5×5 arrays — no heap allocation, no stored Jacobian.
//! * Analytic Jacobian (see [`crate::models`]); e is fitted as ln e, which
//!   removes its positivity constraint and makes the problem better scaled.
//! * Marquardt's diagonal scaling and Nielsen's damping update driven by the
//!   gain ratio ρ = actual / predicted reduction.
//! * Box bounds by projection, with parameters held at a bound whose gradient
//!   points outward removed from the step (a simple active set).
//! * Convergence as in MINPACK: relative reduction of S below `ftol`, or a
//!   relative step below `xtol`, or a scaled gradient below `gtol`.

use crate::models::eval_grad;

/// The data and constraints of one least-squares problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Problem<'a> {
    /// ln(dose / scale); −∞ for dose 0.
    pub lx: &'a [f64],
    /// Responses.
    pub y: &'a [f64],
    /// Weights multiplying the squared residuals (None = all 1).
    pub w: Option<&'a [f64]>,
    /// Which parameters are estimated.
    pub free: [bool; 5],
    /// Lower bounds (internal coordinates).
    pub lower: [f64; 5],
    /// Upper bounds (internal coordinates).
    pub upper: [f64; 5],
}

/// Stopping rules of the kernel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LmOptions {
    pub max_iter: u32,
    pub ftol: f64,
    pub xtol: f64,
    pub gtol: f64,
}

impl Default for LmOptions {
    fn default() -> Self {
        LmOptions {
            max_iter: 200,
            ftol: 1e-12,
            xtol: 1e-10,
            gtol: 1e-12,
        }
    }
}

/// How the kernel stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Relative reduction of S below ftol.
    Ftol,
    /// Relative step below xtol.
    Xtol,
    /// Scaled gradient below gtol.
    Gtol,
    /// S is zero to rounding (exact data).
    ZeroResidual,
    /// No further decrease possible at machine precision.
    Stalled,
    /// Iteration cap reached.
    MaxIter,
    /// The model produced non-finite values at the start.
    NonFinite,
}

impl Stop {
    pub(crate) fn converged(self) -> bool {
        matches!(
            self,
            Stop::Ftol | Stop::Xtol | Stop::Gtol | Stop::ZeroResidual
        )
    }
}

/// Result of one kernel run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LmOutcome {
    pub theta: [f64; 5],
    pub rss: f64,
    pub iterations: u32,
    pub stop: Stop,
}

type Mat = [[f64; 5]; 5];

impl Problem<'_> {
    #[inline]
    fn weight(&self, i: usize) -> f64 {
        match self.w {
            Some(w) => w[i],
            None => 1.0,
        }
    }

    /// S(θ), JᵀWJ and JᵀWr over the free parameters (other entries zero).
    pub(crate) fn normal_equations(&self, th: &[f64; 5]) -> (f64, Mat, [f64; 5]) {
        if self.free[crate::models::F] {
            self.normal_equations_impl::<true>(th)
        } else {
            self.normal_equations_impl::<false>(th)
        }
    }

    #[inline]
    fn normal_equations_impl<const FREE_F: bool>(&self, th: &[f64; 5]) -> (f64, Mat, [f64; 5]) {
        let mut a = [[0.0; 5]; 5];
        let mut g = [0.0; 5];
        let mut s = 0.0;
        let free = self.free;
        for i in 0..self.y.len() {
            let (v, mut jrow) = eval_grad::<FREE_F>(self.lx[i], th);
            for k in 0..5 {
                if !free[k] {
                    jrow[k] = 0.0;
                }
            }
            let w = self.weight(i);
            let r = self.y[i] - v;
            s += w * r * r;
            for k in 0..5 {
                let wj = w * jrow[k];
                g[k] += wj * r;
                for l in 0..=k {
                    a[k][l] += wj * jrow[l];
                }
            }
        }
        for k in 0..5 {
            for l in 0..k {
                a[l][k] = a[k][l];
            }
        }
        (s, a, g)
    }

    fn project(&self, th: &mut [f64; 5]) {
        for k in 0..5 {
            if self.free[k] {
                th[k] = th[k].clamp(self.lower[k], self.upper[k]);
            }
        }
    }
}

/// Solves the symmetric positive-definite system `a x = rhs` restricted to
/// the indices in `idx` (Cholesky, in place). Returns false when `a` is not
/// positive definite.
pub(crate) fn solve_spd(a: &Mat, rhs: &[f64; 5], idx: &[usize], x: &mut [f64; 5]) -> bool {
    let k = idx.len();
    // Gather the k×k system, factor it in place (lower triangle), solve.
    let mut m = [[0.0f64; 5]; 5];
    let mut z = [0.0f64; 5];
    for i in 0..k {
        let ai = &a[idx[i]];
        for j in 0..=i {
            m[i][j] = ai[idx[j]];
        }
        z[i] = rhs[idx[i]];
    }
    for j in 0..k {
        let mut d = m[j][j];
        for p in 0..j {
            d -= m[j][p] * m[j][p];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let inv = 1.0 / d.sqrt();
        m[j][j] = inv;
        for i in j + 1..k {
            let mut v = m[i][j];
            for p in 0..j {
                v -= m[i][p] * m[j][p];
            }
            m[i][j] = v * inv;
        }
    }
    // m[j][j] now holds 1/L_jj (see below) to avoid divisions.
    for i in 0..k {
        let mut v = z[i];
        for p in 0..i {
            v -= m[i][p] * z[p];
        }
        z[i] = v * m[i][i];
    }
    for i in (0..k).rev() {
        let mut v = z[i];
        for p in i + 1..k {
            v -= m[p][i] * z[p];
        }
        z[i] = v * m[i][i];
    }
    *x = [0.0; 5];
    for i in 0..k {
        x[idx[i]] = z[i];
    }
    true
}

/// Inverse of the symmetric positive-definite matrix `a` restricted to
/// `idx` (other entries zero). None when singular.
pub(crate) fn invert_spd(a: &Mat, idx: &[usize]) -> Option<Mat> {
    let mut inv = [[0.0; 5]; 5];
    for &col in idx {
        let mut e = [0.0; 5];
        e[col] = 1.0;
        let mut x = [0.0; 5];
        if !solve_spd(a, &e, idx, &mut x) {
            return None;
        }
        for &row in idx {
            inv[row][col] = x[row];
        }
    }
    if idx
        .iter()
        .all(|&i| inv[i][i].is_finite() && inv[i][i] > 0.0)
    {
        Some(inv)
    } else {
        None
    }
}

/// Runs Levenberg–Marquardt from `theta0` (projected into the bounds).
pub(crate) fn levenberg_marquardt(p: &Problem, theta0: [f64; 5], opts: &LmOptions) -> LmOutcome {
    let mut th = theta0;
    p.project(&mut th);
    let (mut s, mut a, mut g) = p.normal_equations(&th);
    if !s.is_finite() {
        return LmOutcome {
            theta: th,
            rss: s,
            iterations: 0,
            stop: Stop::NonFinite,
        };
    }
    let ysc =
        p.y.iter()
            .map(|v| v * v)
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
    let maxdiag = (0..5)
        .filter(|&k| p.free[k])
        .map(|k| a[k][k])
        .fold(0.0, f64::max);
    // λ multiplies diag(JᵀWJ) (Marquardt scaling), so it is dimensionless:
    // scaling it by max diag made the first steps vanish for responses in
    // the 1e6 range (raw luminescence) and stop as "converged".
    let mut lambda = 1e-3;
    let mut nu = 2.0;
    let mut iter = 0;
    // Stagnation test: S at the last checkpoint (every 10 iterations).
    let mut s_check = s;
    loop {
        if s <= 1e-28 * ysc {
            return LmOutcome {
                theta: th,
                rss: s,
                iterations: iter,
                stop: Stop::ZeroResidual,
            };
        }
        // Active set: free parameters not pinned at a bound by their gradient.
        let mut idx = [0usize; 5];
        let mut k = 0;
        let mut gmax: f64 = 0.0;
        for j in 0..5 {
            if !p.free[j] {
                continue;
            }
            let at_lo = th[j] <= p.lower[j] && g[j] < 0.0;
            let at_hi = th[j] >= p.upper[j] && g[j] > 0.0;
            if at_lo || at_hi {
                continue;
            }
            idx[k] = j;
            k += 1;
            if a[j][j] > 0.0 {
                gmax = gmax.max(g[j].abs() / (a[j][j] * s).sqrt());
            }
        }
        let idx = &idx[..k];
        if k == 0 || gmax <= opts.gtol {
            return LmOutcome {
                theta: th,
                rss: s,
                iterations: iter,
                stop: Stop::Gtol,
            };
        }
        if iter >= opts.max_iter {
            return LmOutcome {
                theta: th,
                rss: s,
                iterations: iter,
                stop: Stop::MaxIter,
            };
        }
        iter += 1;
        if iter % 10 == 0 {
            // Creeping along a near-flat valley (e.g. a step between two
            // doses with the slope at its bound): ten iterations gained less
            // than 1e-10 relative.
            if s_check - s <= 1e-10 * s_check {
                return LmOutcome {
                    theta: th,
                    rss: s,
                    iterations: iter,
                    stop: Stop::Ftol,
                };
            }
            s_check = s;
        }
        // Inner loop: raise λ until a step decreases S.
        loop {
            let mut delta = [0.0; 5];
            let mut damped = a;
            for &j in idx {
                damped[j][j] += lambda * a[j][j].max(1e-12 * maxdiag).max(f64::MIN_POSITIVE);
            }
            let solved = solve_spd(&damped, &g, idx, &mut delta);
            if solved {
                let mut trial = th;
                for &j in idx {
                    trial[j] += delta[j];
                }
                p.project(&mut trial);
                let mut step = [0.0; 5];
                let mut rel_step: f64 = 0.0;
                for &j in idx {
                    step[j] = trial[j] - th[j];
                    rel_step = rel_step.max(step[j].abs() / (th[j].abs() + opts.xtol));
                }
                // One pass gives S and the normal equations at the trial
                // point: steps are accepted far more often than rejected.
                let (s_new, a_new, g_new) = p.normal_equations(&trial);
                // Predicted reduction of the linear model: δᵀ(2g − Aδ).
                let mut pred = 0.0;
                for &j in idx {
                    let mut ad = 0.0;
                    for &l in idx {
                        ad += a[j][l] * step[l];
                    }
                    pred += step[j] * (2.0 * g[j] - ad);
                }
                if s_new.is_finite() && s_new < s {
                    let actual = s - s_new;
                    let rho = if pred > 0.0 { actual / pred } else { 1.0 };
                    lambda *= (1.0 / 3.0f64).max(1.0 - (2.0 * rho - 1.0).powi(3));
                    nu = 2.0;
                    th = trial;
                    let s_old = s;
                    (s, a, g) = (s_new, a_new, g_new);
                    let small_f = actual <= opts.ftol * s_old && pred.abs() <= opts.ftol * s_old;
                    if small_f {
                        return LmOutcome {
                            theta: th,
                            rss: s,
                            iterations: iter,
                            stop: Stop::Ftol,
                        };
                    }
                    if rel_step <= opts.xtol {
                        return LmOutcome {
                            theta: th,
                            rss: s,
                            iterations: iter,
                            stop: Stop::Xtol,
                        };
                    }
                    break;
                }
                if rel_step <= opts.xtol * 1e-3 || pred.abs() <= 1e-15 * s {
                    // The step has shrunk to rounding: S cannot decrease further.
                    let stop = if gmax <= 1e-6 {
                        Stop::Gtol
                    } else {
                        Stop::Stalled
                    };
                    return LmOutcome {
                        theta: th,
                        rss: s,
                        iterations: iter,
                        stop,
                    };
                }
            }
            lambda *= nu;
            nu *= 2.0;
            if !lambda.is_finite() || lambda > 1e30 {
                return LmOutcome {
                    theta: th,
                    rss: s,
                    iterations: iter,
                    stop: Stop::Stalled,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_inverts() {
        let a: Mat = [
            [4.0, 2.0, 0.0, 0.0, 0.0],
            [2.0, 3.0, 1.0, 0.0, 0.0],
            [0.0, 1.0, 5.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 9.0],
        ];
        let idx = [0, 1, 2, 4];
        let inv = invert_spd(&a, &idx).unwrap();
        for &i in &idx {
            for &j in &idx {
                let mut s = 0.0;
                for &m in &idx {
                    s += a[i][m] * inv[m][j];
                }
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((s - want).abs() < 1e-12);
            }
        }
        let singular: Mat = [[1.0; 5]; 5];
        assert!(invert_spd(&singular, &[0, 1]).is_none());
    }

    #[test]
    fn recovers_exact_ll4() {
        let doses: [f64; 9] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];
        let truth = [1.5, 5.0, 95.0, 1.0f64.ln(), 1.0];
        let lx: Vec<f64> = doses.iter().map(|d| d.ln()).collect();
        let y: Vec<f64> = lx
            .iter()
            .map(|&l| crate::models::eval_ln(l, &truth))
            .collect();
        let p = Problem {
            lx: &lx,
            y: &y,
            w: None,
            free: [true, true, true, true, false],
            lower: [-50.0, f64::NEG_INFINITY, f64::NEG_INFINITY, -20.0, 0.0],
            upper: [50.0, f64::INFINITY, f64::INFINITY, 20.0, 10.0],
        };
        let out = levenberg_marquardt(&p, [0.8, 0.0, 100.0, 0.5, 1.0], &LmOptions::default());
        assert!(out.stop.converged(), "{:?}", out.stop);
        for k in 0..4 {
            assert!(
                (out.theta[k] - truth[k]).abs() < 1e-7,
                "{k} {:?}",
                out.theta
            );
        }
    }
}
