//! Adaptive numerical integration of smooth functions on a finite interval:
//! globally adaptive Gauss–Kronrod 7–15 (Piessens et al. 1983, QUADPACK's
//! `QAG` strategy: always bisect the interval with the largest error
//! estimate).
//!
//! Used by [`crate::dunnett`] for the multivariate-t probabilities of
//! Dunnett's test; general enough for any smooth integrand.

/// Nodes of the 15-point Kronrod rule on [−1, 1] (positive half, the last is
/// 0); the odd indices are the nodes of the 7-point Gauss rule. Values from
/// QUADPACK `qk15` (Piessens et al. 1983).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
/// Kronrod weights for [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_728_8,
];
/// Gauss weights for the nodes `XGK[1], XGK[3], XGK[5], XGK[7]`.
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// Result of [`integrate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad {
    /// The integral estimate (sum of the 15-point Kronrod estimates).
    pub value: f64,
    /// Estimated absolute error (sum of |Kronrod − Gauss| over the
    /// subintervals).
    pub error: f64,
    /// True when the requested tolerance was met within the subdivision limit.
    pub converged: bool,
}

/// One Gauss–Kronrod 7–15 panel on `[a, b]`: (Kronrod estimate, |K − G|).
fn gk15(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    for j in 0..7 {
        let x = h * XGK[j];
        let s = f(c - x) + f(c + x);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// `∫_a^b f(x) dx` by globally adaptive Gauss–Kronrod 7–15: start with one
/// panel and repeatedly bisect the panel with the largest error estimate
/// until the total error is at most `max(abs_tol, rel_tol·|I|)` or
/// `max_panels` panels are in use. Non-finite limits or a non-finite
/// integrand value give a NaN value with `converged = false`.
pub fn integrate(
    f: impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    abs_tol: f64,
    rel_tol: f64,
    max_panels: usize,
) -> Quad {
    integrate_points(f, &[a, b], abs_tol, rel_tol, max_panels)
}

/// Like [`integrate`] over `[points[0], points[last]]`, starting from the
/// panels between consecutive `points` (increasing; QUADPACK's `QAGP`
/// idea): break points at known peaks or kinks let the rule see them, and
/// the tolerance applies to the **total**, so panels that contribute
/// nothing are not refined. Fewer than 2 points give 0.
pub fn integrate_points(
    mut f: impl FnMut(f64) -> f64,
    points: &[f64],
    abs_tol: f64,
    rel_tol: f64,
    max_panels: usize,
) -> Quad {
    if points.iter().any(|p| !p.is_finite()) {
        return Quad {
            value: f64::NAN,
            error: f64::NAN,
            converged: false,
        };
    }
    // (a, b, value, error)
    let mut panels: Vec<(f64, f64, f64, f64)> = points
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let (v, e) = gk15(&mut f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    if panels.is_empty() {
        return Quad {
            value: 0.0,
            error: 0.0,
            converged: true,
        };
    }
    loop {
        let total: f64 = panels.iter().map(|p| p.2).sum();
        let err: f64 = panels.iter().map(|p| p.3).sum();
        if !total.is_finite() || !err.is_finite() {
            return Quad {
                value: f64::NAN,
                error: f64::NAN,
                converged: false,
            };
        }
        if err <= abs_tol.max(rel_tol * total.abs()) {
            return Quad {
                value: total,
                error: err,
                converged: true,
            };
        }
        if panels.len() >= max_panels.max(1) {
            return Quad {
                value: total,
                error: err,
                converged: false,
            };
        }
        let (i, _) =
            panels.iter().enumerate().fold(
                (0, -1.0),
                |acc, (i, p)| if p.3 > acc.1 { (i, p.3) } else { acc },
            );
        let (pa, pb, pv, _) = panels[i];
        let m = 0.5 * (pa + pb);
        if m <= pa || m >= pb {
            // Cannot split further in floating point.
            return Quad {
                value: total,
                error: err,
                converged: false,
            };
        }
        let (v1, e1) = gk15(&mut f, pa, m);
        let (v2, e2) = gk15(&mut f, m, pb);
        let _ = pv;
        panels[i] = (pa, m, v1, e1);
        panels.push((m, pb, v2, e2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_and_smooth_functions() {
        // Exact for polynomials of degree ≤ 22 on one panel.
        let q = integrate(|x| x.powi(6) - 3.0 * x * x, -1.0, 2.0, 1e-14, 1e-14, 10);
        let exact = (2f64.powi(7) + 1.0) / 7.0 - (8.0 + 1.0);
        assert!((q.value - exact).abs() < 1e-13 && q.converged);
        // ∫_0^π sin = 2.
        let q = integrate(f64::sin, 0.0, core::f64::consts::PI, 1e-15, 1e-14, 100);
        assert!((q.value - 2.0).abs() < 1e-14);
        // A sharp peak needs subdivision: ∫ 1/(1e-4 + x²) on [−1, 1] = 2·atan(100)/0.01.
        let q = integrate(|x| 1.0 / (1e-4 + x * x), -1.0, 1.0, 1e-12, 1e-12, 500);
        let exact = 2.0 * (100f64).atan() / 0.01;
        assert!(((q.value - exact) / exact).abs() < 1e-11, "{q:?}");
    }

    #[test]
    fn break_points() {
        // A narrow peak (sd 0.05) at 7.3 inside [0, 100]: found with break
        // points 10 widths around it (a 15-point rule on [7.3, 100] alone would not see
        // it: break points must bracket a peak within a few widths).
        let f = |x: f64| (-(x - 7.3) * (x - 7.3) * 200.0).exp();
        let exact = (core::f64::consts::PI / 200.0).sqrt();
        let q = integrate_points(f, &[0.0, 6.8, 7.3, 7.8, 100.0], 0.0, 1e-12, 200);
        assert!(((q.value - exact) / exact).abs() < 1e-11, "{q:?}");
        assert_eq!(integrate_points(f, &[1.0], 0.0, 1e-9, 10).value, 0.0);
    }

    #[test]
    fn degenerate_input() {
        assert_eq!(integrate(|x| x, 1.0, 1.0, 1e-9, 1e-9, 10).value, 0.0);
        assert!(
            integrate(|x| x, 0.0, f64::INFINITY, 1e-9, 1e-9, 10)
                .value
                .is_nan()
        );
        assert!(!integrate(|_| f64::NAN, 0.0, 1.0, 1e-9, 1e-9, 10).converged);
    }
}
