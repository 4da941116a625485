//! Profile-likelihood confidence interval for ln EC50 (LL.2–LL.4, where
//! EC50 = e).
//!
//! As Prism's "likelihood ratio asymmetric" interval (Motulsky &
//! Christopoulos, *Fitting models to biological data*, ch. 17; Venzon &
//! Moolgavkar 1988): the interval holds every ln e whose profile residual
//! sum of squares — the other free parameters re-optimised with ln e held
//! fixed — stays below RSS_min·(1 + F_{1−α}(1, n − k)/(n − k)).
//! An end that does not exist inside the e bounds is reported as None.

use crate::fit::{CurveData, Fit, FitOptions};
use crate::lm::{LmOptions, Problem, levenberg_marquardt};
use crate::models::{E, F};

/// Profile interval (lower, upper) for EC50 at confidence `level`. Each end
/// is None when the profile does not cross the threshold before the e
/// bound (the interval is open on that side). Returns None for LL.5 or when
/// e is fixed, and when df = 0.
pub fn ec50_profile_ci(
    data: &CurveData,
    fit: &Fit,
    opts: &FitOptions,
    level: f64,
) -> Option<(Option<f64>, Option<f64>)> {
    if !fit.free[E] || fit.free[F] || fit.params.f != 1.0 || fit.df == 0 {
        return None;
    }
    let df = fit.df as f64;
    let fq = preclin_stats::dist::f_quantile(level, 1.0, df);
    if !fq.is_finite() {
        return None;
    }
    let threshold = fit.rss * (1.0 + fq / df);
    // Work in unscaled ln-dose: the kernel does not need the scaling for a
    // handful of refits.
    let lx: Vec<f64> = data
        .dose
        .iter()
        .map(|&x| if x > 0.0 { x.ln() } else { f64::NEG_INFINITY })
        .collect();
    let (elo, ehi) = match opts.e_bounds {
        Some(b) => b,
        None => (
            fit.dose_min * opts.e_range_factors.0,
            fit.dose_max * opts.e_range_factors.1,
        ),
    };
    let mut free = fit.free;
    free[E] = false;
    let problem = Problem {
        lx: &lx,
        y: data.response,
        w: data.weight,
        free,
        lower: [
            opts.hill_bounds.0,
            opts.bottom_bounds.0,
            opts.top_bounds.0,
            elo.ln(),
            opts.asym_bounds.0,
        ],
        upper: [
            opts.hill_bounds.1,
            opts.bottom_bounds.1,
            opts.top_bounds.1,
            ehi.ln(),
            opts.asym_bounds.1,
        ],
    };
    let lm = LmOptions {
        max_iter: opts.max_iter,
        ..LmOptions::default()
    };
    let th_hat = fit.theta();
    let profile = |eta: f64, warm: &mut [f64; 5]| -> f64 {
        let mut th = *warm;
        th[E] = eta;
        let out = levenberg_marquardt(&problem, th, &lm);
        // Guard against a warm start stuck in a worse basin.
        let mut th2 = th_hat;
        th2[E] = eta;
        let out2 = levenberg_marquardt(&problem, th2, &lm);
        let best = if out2.rss < out.rss { out2 } else { out };
        *warm = best.theta;
        best.rss
    };
    let eta_hat = th_hat[E];
    let step0 = fit
        .ec50()
        .and_then(|e| e.se_ln)
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(0.1)
        .clamp(1e-3, 2.0);
    let side = |dir: f64, bound: f64| -> Option<f64> {
        let mut warm = th_hat;
        let mut inside = eta_hat;
        let mut step = step0;
        let mut outside;
        loop {
            outside = eta_hat + dir * step;
            if (dir < 0.0 && outside <= bound) || (dir > 0.0 && outside >= bound) {
                outside = bound;
                if profile(outside, &mut warm) < threshold {
                    return None;
                }
                break;
            }
            if profile(outside, &mut warm) >= threshold {
                break;
            }
            inside = outside;
            step *= 2.0;
        }
        // Bisection on [inside, outside].
        let (mut a, mut b) = (inside, outside);
        let mut warm_a = th_hat;
        for _ in 0..60 {
            let m = 0.5 * (a + b);
            if profile(m, &mut warm_a) < threshold {
                a = m;
            } else {
                b = m;
            }
            if (b - a).abs() < 1e-9 {
                break;
            }
        }
        Some((0.5 * (a + b)).exp())
    };
    let lo = side(-1.0, elo.ln());
    let hi = side(1.0, ehi.ln());
    Some((lo, hi))
}
