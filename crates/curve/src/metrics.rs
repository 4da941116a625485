//! Potency and activity metrics derived from a fitted curve, each with its
//! definition:
//!
//! * **Relative ED_p** ([`Fit::ed`]): the dose at which the fitted response
//!   has moved p % of the way from `top` (dose → 0) to `bottom` (dose → ∞);
//!   drc `ED(type = "relative")`. EC50 = ED_50, which is e for LL.2–LL.4 and
//!   e·(2^(1/f) − 1)^(1/b) for LL.5.
//! * **Absolute IC** ([`Fit::dose_at_response`]): the dose at which the
//!   fitted curve crosses a stated response level, e.g. 50 % of the vehicle
//!   response (Prism's "absolute IC50"; drc `type = "absolute"`).
//! * **AUC** ([`Fit::auc`]): mean fitted response over the tested
//!   log-dose range divided by a reference (control) response.
//! * **DSS** ([`Fit::dss`]): drug sensitivity score of Yadav et al. 2014
//!   (*Sci. Rep.* 4:5193), types 1–3.
//! * **Emax** ([`Fit::emax`]): fitted response at the highest tested dose.
//!
//! Standard errors are on the natural-log scale of the dose (delta method,
//! gradient of ln dose with respect to θ = (b, c, d, ln e, f) against the
//! covariance of the fit).

use serde::Serialize;

use crate::fit::Fit;
use crate::models::{B, C, D, E, F, softplus};

/// A dose estimate with the standard error of its natural logarithm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DoseEstimate {
    /// The dose, in the unit of the fitted data.
    pub value: f64,
    /// SE of ln(value) by the delta method; None without a covariance.
    pub se_ln: Option<f64>,
}

impl DoseEstimate {
    /// SE on the natural scale, value·SE(ln value) (what drc prints).
    pub fn se(&self) -> Option<f64> {
        self.se_ln.map(|s| s * self.value)
    }
}

/// How to compute a confidence interval for a dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    /// exp(ln x̂ ± t·SE(ln x̂)): log-symmetric, never negative (default).
    DeltaLog,
    /// x̂ ± t·x̂·SE(ln x̂): drc's `interval = "delta"` on the natural scale.
    DeltaNatural,
    /// Profile likelihood (Prism's "likelihood ratio asymmetric"): see
    /// [`crate::profile`].
    Profile,
}

/// The ln-dose at which g = (1 + exp(b(ln x − ln e)))^(−f) equals `g`, and
/// its gradient with respect to θ and g.
///
/// ln x = ln e + ln(q)/b with q = g^(−1/f) − 1.
pub(crate) fn ln_dose_at_g(th: &[f64; 5], g: f64) -> Option<(f64, [f64; 5], f64)> {
    let (b, f) = (th[B], th[F]);
    if !(g > 0.0 && g < 1.0) || b == 0.0 {
        return None;
    }
    let gp = g.powf(-1.0 / f);
    let q = gp - 1.0;
    if !(q > 0.0 && q.is_finite()) {
        return None;
    }
    let lq = q.ln();
    let lx = th[E] + lq / b;
    let mut grad = [0.0; 5];
    grad[E] = 1.0;
    grad[B] = -lq / (b * b);
    grad[F] = gp * g.ln() / (f * f) / (b * q);
    let d_dg = (-1.0 / f) * gp / g / (b * q);
    Some((lx, grad, d_dg))
}

impl Fit {
    fn quad_form(&self, grad: &[f64; 5]) -> Option<f64> {
        let cov = self.cov.as_ref()?;
        let mut v = 0.0;
        for i in 0..5 {
            for j in 0..5 {
                v += grad[i] * cov[i][j] * grad[j];
            }
        }
        (v.is_finite() && v >= 0.0).then_some(v)
    }

    /// Relative ED_p for 0 < p < 100 (see module docs). None when the fit has
    /// no slope (b = 0).
    pub fn ed(&self, p: f64) -> Option<DoseEstimate> {
        if !(p > 0.0 && p < 100.0) {
            return None;
        }
        let th = self.theta();
        // Moving p % from top to bottom: g = 1 − p/100 when top = d (b > 0),
        // g = p/100 when top = c (b < 0).
        let g = if th[B] >= 0.0 {
            1.0 - p / 100.0
        } else {
            p / 100.0
        };
        let (lx, grad, _) = ln_dose_at_g(&th, g)?;
        let value = lx.exp();
        (value.is_finite() && value > 0.0).then(|| DoseEstimate {
            value,
            se_ln: self.quad_form(&grad).map(f64::sqrt),
        })
    }

    /// Relative EC50 = ED_50.
    pub fn ec50(&self) -> Option<DoseEstimate> {
        self.ed(50.0)
    }

    /// Absolute dose at which the fitted curve equals `level` (response
    /// scale). None when the curve never reaches the level (it lies outside
    /// the open interval between the asymptotes).
    ///
    /// g = (level − c)/(d − c); ∂g/∂c = (level − d)/(d − c)²,
    /// ∂g/∂d = −(level − c)/(d − c)².
    pub fn dose_at_response(&self, level: f64) -> Option<DoseEstimate> {
        let th = self.theta();
        let span = th[D] - th[C];
        if span == 0.0 {
            return None;
        }
        let g = (level - th[C]) / span;
        let (lx, mut grad, d_dg) = ln_dose_at_g(&th, g)?;
        grad[C] += d_dg * (level - th[D]) / (span * span);
        grad[D] += d_dg * (-(level - th[C]) / (span * span));
        let value = lx.exp();
        (value.is_finite() && value > 0.0).then(|| DoseEstimate {
            value,
            se_ln: self.quad_form(&grad).map(f64::sqrt),
        })
    }

    /// Pointwise confidence band of the fitted curve at dose `x`: the
    /// delta-method SE of f(x; θ̂), √(∇fᵀ Σ ∇f), times the t quantile `t`
    /// (the same interval Prism draws as its "confidence bands").
    /// Returns (lower, upper); None without a covariance.
    pub fn band(&self, x: f64, t: f64) -> Option<(f64, f64)> {
        let th = self.theta();
        let lx = if x > 0.0 { x.ln() } else { f64::NEG_INFINITY };
        let (v, g) = crate::models::eval_grad::<true>(lx, &th);
        let mut grad = g;
        for j in 0..5 {
            if !self.free[j] {
                grad[j] = 0.0;
            }
        }
        let se = self.quad_form(&grad)?.sqrt();
        (v.is_finite() && t.is_finite()).then_some((v - t * se, v + t * se))
    }

    /// Fitted response at the highest tested dose.
    pub fn emax(&self) -> f64 {
        self.predict(self.dose_max)
    }

    /// Mean fitted response over ln-dose in [ln lo, ln hi], divided by
    /// `reference`: (1/(ln hi − ln lo)) ∫ f(x) d ln x / reference.
    /// The mean is the same on a log10 axis. With the tested range and the
    /// vehicle response as reference this is the normalised AUC (1 = no
    /// effect, 0 = complete kill on a viability scale).
    ///
    /// Closed form for f = 1: ∫ g ds = s − softplus(b(s − ln e))/b
    /// (s = ln x); adaptive Simpson for LL.5.
    pub fn auc_between(&self, lo: f64, hi: f64, reference: f64) -> Option<f64> {
        if !(lo > 0.0 && hi > lo && reference != 0.0 && reference.is_finite()) {
            return None;
        }
        let th = self.theta();
        let (s1, s2) = (lo.ln(), hi.ln());
        let mean_g = if th[F] == 1.0 && th[B] != 0.0 {
            let prim = |s: f64| s - softplus(th[B] * (s - th[E])) / th[B];
            (prim(s2) - prim(s1)) / (s2 - s1)
        } else {
            let gf = |s: f64| crate::models::g_only(s, &th);
            simpson(&gf, s1, s2, 1e-12) / (s2 - s1)
        };
        let mean = th[C] + (th[D] - th[C]) * mean_g;
        let v = mean / reference;
        v.is_finite().then_some(v)
    }

    /// Normalised AUC over the tested dose range (see [`Fit::auc_between`]).
    pub fn auc(&self, reference: f64) -> Option<f64> {
        self.auc_between(self.dose_min, self.dose_max, reference)
    }

    /// Drug sensitivity score (Yadav et al. 2014), computed on the %
    /// inhibition scale I(x) = 100·(1 − f(x)/reference), shifted so that
    /// its low-dose asymptote is 0 as in the FIMM `DSS()` function:
    /// a = 100·(top − bottom)/reference is the maximal inhibition.
    ///
    /// With x on log10 dose, t the activity threshold (%), x1 the log-dose
    /// where I reaches t (clipped to the tested range) and x2 = log10 max
    /// dose: int = ∫_{x1}^{x2} (I − t) dx (≥ 0), DSS1 = 100·int/((x2 −
    /// xmin)(100 − t)), DSS2 = DSS1/log10 a, DSS3 = DSS1·(2/log10 a)·(x2 −
    /// x1)/(x2 − xmin). DSS = 0 when the EC50 is at or above the top dose,
    /// when the curve rises (b < 0), or when a ≤ t.
    pub fn dss(&self, reference: f64, threshold: f64, kind: DssType) -> Option<f64> {
        let th = self.theta();
        if !(reference > 0.0 && threshold > 0.0 && threshold < 100.0) {
            return None;
        }
        let p = &self.params;
        let a = 100.0 * (p.top() - p.bottom()) / reference;
        let ec50 = self.ec50()?.value;
        if ec50 >= self.dose_max || th[B] < 0.0 || a <= threshold {
            return Some(0.0);
        }
        let xmin = self.dose_min.log10();
        let x2 = self.dose_max.log10();
        if x2 <= xmin {
            return None;
        }
        // Shifted inhibition as a function of log10 dose.
        let inh = |x: f64| a * (1.0 - crate::models::g_only(x * std::f64::consts::LN_10, &th));
        // x1: where inh = threshold, i.e. g = 1 − t/a.
        let x1 = match ln_dose_at_g(&th, 1.0 - threshold / a) {
            Some((lx, _, _)) => (lx / std::f64::consts::LN_10).clamp(xmin, x2),
            None => xmin,
        };
        let integral = if th[F] == 1.0 {
            // ∫ a(1 − g) dx with g = 1/(1 + exp(b·ln10·x − b·ln e)).
            let k = th[B] * std::f64::consts::LN_10;
            let prim = |x: f64| a * softplus(k * x - th[B] * th[E]) / k;
            prim(x2) - prim(x1)
        } else {
            // Tolerance relative to the scale of the integrand (0 … a).
            simpson(&inh, x1, x2, 1e-12 * a.abs().max(1.0))
        };
        let int_y = (integral - threshold * (x2 - x1)).max(0.0);
        let dss1 = 100.0 * int_y / ((x2 - xmin) * (100.0 - threshold));
        let v = match kind {
            DssType::Dss1 => dss1,
            DssType::Dss2 => dss1 / a.log10(),
            DssType::Dss3 => dss1 * (2.0 / a.log10()) * (x2 - x1) / (x2 - xmin),
        };
        v.is_finite().then_some(v)
    }
}

/// Which drug sensitivity score (Yadav et al. 2014).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum DssType {
    /// Normalised area above the threshold.
    Dss1,
    /// DSS1 / log10(max inhibition).
    Dss2,
    /// DSS2 weighted by the fraction of the range above threshold (default
    /// of the FIMM pipeline).
    Dss3,
}

/// Adaptive Simpson quadrature of `f` on [a, b].
pub(crate) fn simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    #[allow(clippy::too_many_arguments)]
    fn rec(
        f: &dyn Fn(f64) -> f64,
        a: f64,
        b: f64,
        fa: f64,
        fm: f64,
        fb: f64,
        whole: f64,
        tol: f64,
        depth: u32,
    ) -> f64 {
        let m = 0.5 * (a + b);
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
        let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
        let delta = left + right - whole;
        // A non-finite integrand cannot converge: stop instead of
        // recursing to full depth (2^depth evaluations).
        if depth == 0 || !delta.is_finite() || delta.abs() <= 15.0 * tol {
            left + right + delta / 15.0
        } else {
            rec(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
                + rec(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
        }
    }
    let (fa, fb, fm) = (f(a), f(b), f(0.5 * (a + b)));
    let whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
    rec(f, a, b, fa, fm, fb, whole, tol, 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{CurveData, FitOptions, fit};
    use crate::models::{Model, Params};

    fn exact_fit(p: Params, model: Model) -> Fit {
        let doses: Vec<f64> = (0..9).map(|i| 0.01 * 3f64.powi(i)).collect();
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (i, &d) in doses.iter().enumerate() {
            for r in 0..3 {
                x.push(d);
                // tiny deterministic jitter so that the covariance exists
                y.push(p.eval(d) + 0.01 * (((i * 3 + r) % 5) as f64 - 2.0));
            }
        }
        fit(
            &CurveData {
                dose: &x,
                response: &y,
                weight: None,
            },
            &FitOptions::new(model),
        )
        .unwrap()
    }

    #[test]
    fn ed_and_absolute_ic_on_known_curve() {
        let p = Params {
            b: 1.2,
            c: 10.0,
            d: 100.0,
            e: 2.0,
            f: 1.0,
        };
        let f = exact_fit(p, Model::LL4);
        let ec50 = f.ec50().unwrap();
        assert!((ec50.value / 2.0 - 1.0).abs() < 1e-3, "{ec50:?}");
        assert!(ec50.se_ln.unwrap() > 0.0);
        // Absolute IC50 at 50: 50 = 10 + 90/(1+(x/2)^1.2) → (x/2)^1.2 = 1.25
        let want = 2.0 * 1.25f64.powf(1.0 / 1.2);
        let ic = f.dose_at_response(50.0).unwrap();
        assert!(
            (ic.value / want - 1.0).abs() < 2e-3,
            "{} {}",
            ic.value,
            want
        );
        assert!(f.dose_at_response(5.0).is_none(), "below the bottom");
        // ED10 / ED90 relative.
        let ed90 = f.ed(90.0).unwrap().value;
        assert!((ed90 / (2.0 * 9f64.powf(1.0 / 1.2)) - 1.0).abs() < 5e-3);
    }

    #[test]
    fn ll5_ec50_is_not_e() {
        let p = Params {
            b: 1.5,
            c: 0.0,
            d: 100.0,
            e: 1.0,
            f: 0.5,
        };
        let want = (2f64.powf(1.0 / 0.5) - 1.0).powf(1.0 / 1.5);
        let f = exact_fit(p, Model::LL5);
        let ec = f.ec50().unwrap().value;
        assert!((ec / want - 1.0).abs() < 0.05, "{ec} vs {want}");
        // At the EC50 the curve is halfway between the asymptotes.
        let mid = 0.5 * (f.params.c + f.params.d);
        assert!((f.predict(ec) - mid).abs() < 1e-6 * 100.0);
    }

    #[test]
    fn auc_closed_form_matches_quadrature() {
        let p = Params {
            b: 2.0,
            c: 5.0,
            d: 95.0,
            e: 0.5,
            f: 1.0,
        };
        let f = exact_fit(p, Model::LL4);
        let th = f.theta();
        let closed = f.auc_between(0.01, 100.0, 100.0).unwrap();
        let num = simpson(
            &|s: f64| crate::models::eval_ln(s, &th),
            0.01f64.ln(),
            100f64.ln(),
            1e-12,
        ) / (100f64.ln() - 0.01f64.ln())
            / 100.0;
        assert!((closed - num).abs() < 1e-9, "{closed} {num}");
        // A curve flat at the reference has AUC 1.
        assert!(f.auc_between(1e-9, 1e-8, f.params.d).unwrap() > 0.999);
    }

    #[test]
    fn dss_closed_form_matches_numeric_and_bounds() {
        let p = Params {
            b: 1.0,
            c: 0.0,
            d: 100.0,
            e: 1.0,
            f: 1.0,
        };
        let f = exact_fit(p, Model::LL4);
        let d3 = f.dss(100.0, 10.0, DssType::Dss3).unwrap();
        let d1 = f.dss(100.0, 10.0, DssType::Dss1).unwrap();
        assert!(d1 > 0.0 && d1 < 100.0 && d3 > 0.0 && d3 < 100.0);
        // Numeric check of DSS1 from its definition.
        let a = 100.0 * (f.params.d - f.params.c) / 100.0;
        let th = f.theta();
        let inh = |x: f64| a * (1.0 - crate::models::g_only(x * std::f64::consts::LN_10, &th));
        let (xmin, x2) = (f.dose_min.log10(), f.dose_max.log10());
        // find x1 by bisection
        let (mut lo, mut hi) = (xmin, x2);
        for _ in 0..200 {
            let m = 0.5 * (lo + hi);
            if inh(m) < 10.0 { lo = m } else { hi = m }
        }
        let x1 = lo.max(xmin);
        let int = simpson(&|x| inh(x) - 10.0, x1, x2, 1e-12);
        let want = 100.0 * int / ((x2 - xmin) * 90.0);
        assert!((d1 - want).abs() < 1e-6, "{d1} {want}");
        // Rising curve → 0.
        let r = exact_fit(Params { b: -1.0, ..p }, Model::LL4);
        assert_eq!(r.dss(100.0, 10.0, DssType::Dss3), Some(0.0));
    }
}
