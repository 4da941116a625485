//! Simple linear least squares `y = intercept + slope·x` (qPCR standard
//! curves, log-linear growth), as R `summary(lm(y ~ x))`.

use crate::dist::t_quantile;
use serde::Serialize;

/// A fitted straight line with its classical (homoscedastic, normal-error)
/// standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LinFit {
    /// Slope `Sxy / Sxx`.
    pub slope: f64,
    /// Intercept `ȳ − slope·x̄`.
    pub intercept: f64,
    /// Standard error of the slope `σ̂/√Sxx`, `σ̂² = rss/df`.
    pub slope_se: f64,
    /// Standard error of the intercept `σ̂ √(1/n + x̄²/Sxx)`.
    pub intercept_se: f64,
    /// Coefficient of determination `1 − rss/Syy` (NaN when `y` is constant,
    /// as in R).
    pub r2: f64,
    /// Residual sum of squares `Σ(y − ŷ)²`.
    pub rss: f64,
    /// Residual degrees of freedom `n − 2`.
    pub df: f64,
    /// Number of points.
    pub n: usize,
}

impl LinFit {
    /// Fitted value `intercept + slope·x`.
    pub fn predict(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }

    /// Inverse prediction `x = (y − intercept)/slope` (e.g. quantity from Ct on
    /// a qPCR standard curve).
    pub fn x_at(&self, y: f64) -> f64 {
        (y - self.intercept) / self.slope
    }

    /// Two-sided `level` confidence interval for the slope,
    /// `slope ± t_{(1+level)/2, n−2} · slope_se` (R `confint`).
    pub fn slope_ci(&self, level: f64) -> (f64, f64) {
        let h = t_quantile(0.5 + 0.5 * level, self.df) * self.slope_se;
        (self.slope - h, self.slope + h)
    }

    /// Two-sided `level` confidence interval for the intercept (R `confint`).
    pub fn intercept_ci(&self, level: f64) -> (f64, f64) {
        let h = t_quantile(0.5 + 0.5 * level, self.df) * self.intercept_se;
        (self.intercept - h, self.intercept + h)
    }
}

/// Ordinary least-squares line through `(x, y)` from centred sums
/// (two-pass, numerically stable):
/// `Sxx = Σ(x−x̄)²`, `Sxy = Σ(x−x̄)(y−ȳ)`, `slope = Sxy/Sxx`.
///
/// `None` if the slices differ in length, `n < 3` (no residual degree of
/// freedom), any value is non-finite, or all `x` are equal.
pub fn fit(x: &[f64], y: &[f64]) -> Option<LinFit> {
    let n = x.len();
    if n != y.len() || n < 3 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let xm = crate::desc::mean(x)?;
    let ym = crate::desc::mean(y)?;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (&xi, &yi) in x.iter().zip(y) {
        let (dx, dy) = (xi - xm, yi - ym);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = ym - slope * xm;
    // Residuals directly (more accurate than syy − slope·sxy for good fits).
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(&xi, &yi)| {
            let r = (yi - ym) - slope * (xi - xm);
            r * r
        })
        .sum();
    let df = nf - 2.0;
    let sigma2 = rss / df;
    Some(LinFit {
        slope,
        intercept,
        slope_se: (sigma2 / sxx).sqrt(),
        intercept_se: (sigma2 * (1.0 / nf + xm * xm / sxx)).sqrt(),
        r2: if syy > 0.0 { 1.0 - rss / syy } else { f64::NAN },
        rss,
        df,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn qpcr_standard_curve_matches_scipy() {
        // log10 quantity vs Ct.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [33.1, 29.8, 26.2, 23.0, 19.7, 16.3];
        // scipy 1.17.1: r = linregress(x, y): slope, intercept, stderr,
        // intercept_stderr, rvalue**2; rss from the residuals
        // (scripts/reference_values.py desc).
        let f = fit(&x, &y).unwrap();
        assert!(close(f.slope, -3.3571428571428577, 1e-13));
        assert!(close(f.intercept, 36.43333333333334, 1e-13));
        assert!(close(f.slope_se, 0.02273778359297512, 1e-12));
        assert!(close(f.intercept_se, 0.0885509448920113, 1e-12));
        assert!(close(f.r2, 0.9998165418869874, 1e-14));
        assert!(close(f.rss, 0.036190476190476724, 1e-11));
        assert_eq!((f.df, f.n), (4.0, 6));
        // R confint(lm(y ~ x))["x", ] = slope ∓ t_{0.975,4}·se, with scipy's
        // t.ppf(0.975, 4) = 2.7764451051977934.
        let half = 2.7764451051977934 * 0.02273778359297512;
        let (lo, hi) = f.slope_ci(0.95);
        assert!(close(lo, -3.3571428571428577 - half, 1e-12));
        assert!(close(hi, -3.3571428571428577 + half, 1e-12));
        assert!(close(f.x_at(f.predict(2.5)), 2.5, 1e-14));
    }

    #[test]
    fn undefined_cases_are_none() {
        assert!(fit(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(fit(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_none());
        assert!(fit(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0]).is_none());
        let f = fit(&[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]).unwrap();
        assert_eq!(f.slope, 0.0);
        assert!(f.r2.is_nan());
    }
}
