//! Log-logistic dose–response models in drc's parameterisation.
//!
//! The five-parameter log-logistic (drc `LL.5`, Finney 1979; Ritz et al.
//! 2015, *PLoS ONE* 10:e0146021):
//!
//! ```text
//! f(x) = c + (d − c) / (1 + exp(b·(ln x − ln e)))^f
//! ```
//!
//! * `b` — slope. **Positive when the response falls with dose** (drc's
//!   convention). GraphPad Prism's `HillSlope` has the opposite sign for the
//!   same curve: Prism HillSlope = −b.
//! * `c` — the asymptote as dose → ∞ when b > 0 (the "bottom" of an
//!   inhibition curve).
//! * `d` — the asymptote as dose → 0 when b > 0 (the "top").
//! * `e` — the inflection dose; for LL.2–LL.4 it is also the relative EC50.
//! * `f` — asymmetry (1 for LL.2–LL.4).
//!
//! LL.4 fixes f = 1; LL.3 also fixes c = 0; LL.2 also fixes d = 1. Any of
//! `b`, `c`, `d` can additionally be fixed (e.g. bottom 0 / top 100 on a
//! % viability scale, as Prism users constrain incomplete curves).
//!
//! Dose 0 is allowed: ln 0 = −∞, so f(0) = d when b > 0, c when b < 0.

use serde::{Deserialize, Serialize};

/// Index of the slope `b` in a parameter vector.
pub const B: usize = 0;
/// Index of the lower asymptote `c`.
pub const C: usize = 1;
/// Index of the upper asymptote `d`.
pub const D: usize = 2;
/// Index of `e` (stored internally as ln e).
pub const E: usize = 3;
/// Index of the asymmetry `f`.
pub const F: usize = 4;
/// Parameter names in index order.
pub const NAMES: [&str; 5] = ["b", "c", "d", "e", "f"];

/// A log-logistic model family (drc names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// Two parameters (b, e); c = 0 and d = 1 fixed.
    #[serde(rename = "LL.2")]
    LL2,
    /// Three parameters (b, d, e); c = 0 fixed.
    #[serde(rename = "LL.3")]
    LL3,
    /// Four parameters (b, c, d, e).
    #[serde(rename = "LL.4")]
    LL4,
    /// Five parameters (b, c, d, e, f).
    #[serde(rename = "LL.5")]
    LL5,
}

impl Model {
    /// drc's name, e.g. `"LL.4"`.
    pub fn name(self) -> &'static str {
        match self {
            Model::LL2 => "LL.2",
            Model::LL3 => "LL.3",
            Model::LL4 => "LL.4",
            Model::LL5 => "LL.5",
        }
    }

    /// The values this family fixes, by parameter index (`None` = free).
    pub fn fixed(self) -> [Option<f64>; 5] {
        match self {
            Model::LL2 => [None, Some(0.0), Some(1.0), None, Some(1.0)],
            Model::LL3 => [None, Some(0.0), None, None, Some(1.0)],
            Model::LL4 => [None, None, None, None, Some(1.0)],
            Model::LL5 => [None, None, None, None, None],
        }
    }

    /// Parses `ll4`, `LL.4`, `4pl` … (case-insensitive).
    pub fn parse(s: &str) -> Option<Model> {
        let t: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| *c != '.' && *c != '_' && *c != '-')
            .collect();
        match t.as_str() {
            "ll2" | "2pl" => Some(Model::LL2),
            "ll3" | "3pl" => Some(Model::LL3),
            "ll4" | "4pl" => Some(Model::LL4),
            "ll5" | "5pl" => Some(Model::LL5),
            _ => None,
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Natural-scale parameters of a fitted curve (e in the dose unit of the
/// data it was fitted to).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Slope (drc b; Prism HillSlope = −b).
    pub b: f64,
    /// Asymptote at dose → ∞ when b > 0.
    pub c: f64,
    /// Asymptote at dose → 0 when b > 0.
    pub d: f64,
    /// Inflection dose (> 0).
    pub e: f64,
    /// Asymmetry (1 for LL.2–LL.4).
    pub f: f64,
}

impl Params {
    /// Evaluates the model at dose `x ≥ 0`.
    pub fn eval(&self, x: f64) -> f64 {
        let lx = if x > 0.0 { x.ln() } else { f64::NEG_INFINITY };
        eval_ln(lx, &[self.b, self.c, self.d, self.e.ln(), self.f])
    }

    /// Response as dose → 0 (drc d when b > 0, c when b < 0).
    pub fn top(&self) -> f64 {
        if self.b >= 0.0 { self.d } else { self.c }
    }

    /// Response as dose → ∞ (drc c when b > 0, d when b < 0).
    pub fn bottom(&self) -> f64 {
        if self.b >= 0.0 { self.c } else { self.d }
    }

    /// As an array in index order (b, c, d, e, f).
    pub fn to_array(&self) -> [f64; 5] {
        [self.b, self.c, self.d, self.e, self.f]
    }
}

/// ln(1 + exp(t)) without overflow.
#[inline]
pub(crate) fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// The model at ln-dose `lx` for internal parameters θ = (b, c, d, ln e, f).
#[inline]
pub(crate) fn eval_ln(lx: f64, th: &[f64; 5]) -> f64 {
    th[C] + (th[D] - th[C]) * g_only(lx, th)
}

/// g = (1 + exp(b(lx − η)))^(−f), the fraction of the (d − c) span remaining.
#[inline]
pub(crate) fn g_only(lx: f64, th: &[f64; 5]) -> f64 {
    let b = th[B];
    if lx == f64::NEG_INFINITY {
        return zero_dose_g(b, th[F]);
    }
    let t = b * (lx - th[E]);
    if th[F] == 1.0 {
        1.0 / (1.0 + t.exp())
    } else {
        (-th[F] * softplus(t)).exp()
    }
}

#[inline]
fn zero_dose_g(b: f64, f: f64) -> f64 {
    if b > 0.0 {
        1.0
    } else if b < 0.0 {
        0.0
    } else {
        (-f * std::f64::consts::LN_2).exp()
    }
}

/// Value and gradient of the model with respect to θ = (b, c, d, η = ln e, f)
/// at ln-dose `lx`.
///
/// With t = b(lx − η), u = eᵗ, g = (1 + u)^(−f):
/// ∂/∂c = 1 − g, ∂/∂d = g, ∂g/∂t = −f·g·u/(1+u),
/// ∂/∂b = (d − c)·∂g/∂t·(lx − η), ∂/∂η = −(d − c)·∂g/∂t·b,
/// ∂/∂f = −(d − c)·g·ln(1 + u).
///
/// With `FREE_F = false` the f-derivative is not computed (returned as 0)
/// and f = 1 takes a fast path with a single exponential.
#[inline]
pub(crate) fn eval_grad<const FREE_F: bool>(lx: f64, th: &[f64; 5]) -> (f64, [f64; 5]) {
    let (b, c, d, eta, f) = (th[B], th[C], th[D], th[E], th[F]);
    let span = d - c;
    if lx == f64::NEG_INFINITY {
        let g = zero_dose_g(b, f);
        let df = if b == 0.0 {
            -span * g * std::f64::consts::LN_2
        } else {
            0.0
        };
        return (c + span * g, [0.0, 1.0 - g, g, 0.0, df]);
    }
    let dx = lx - eta;
    let t = b * dx;
    let (g, dg_dt, dg_df) = if !FREE_F && f == 1.0 {
        let g = 1.0 / (1.0 + t.exp());
        // u/(1+u) = 1 − g for f = 1.
        (g, -g * (1.0 - g), 0.0)
    } else {
        let sp = softplus(t);
        let g = (-f * sp).exp();
        let logistic = 1.0 / (1.0 + (-t).exp());
        (g, -f * g * logistic, -g * sp)
    };
    let val = c + span * g;
    let grad = [
        span * dg_dt * dx,
        1.0 - g,
        g,
        -span * dg_dt * b,
        span * dg_df,
    ];
    (val, grad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn th(p: &Params) -> [f64; 5] {
        [p.b, p.c, p.d, p.e.ln(), p.f]
    }

    #[test]
    fn ll4_basic_values() {
        let p = Params {
            b: 2.0,
            c: 10.0,
            d: 100.0,
            e: 50.0,
            f: 1.0,
        };
        assert!((p.eval(50.0) - 55.0).abs() < 1e-12);
        assert_eq!(p.eval(0.0), 100.0);
        assert!((p.eval(1e12) - 10.0).abs() < 1e-9);
        assert_eq!(p.top(), 100.0);
        assert_eq!(p.bottom(), 10.0);
        let q = Params { b: -2.0, ..p };
        assert_eq!(q.eval(0.0), 10.0);
        assert_eq!(q.top(), 10.0);
        assert_eq!(q.bottom(), 100.0);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for p in [
            Params {
                b: 1.3,
                c: 5.0,
                d: 95.0,
                e: 2.0,
                f: 1.0,
            },
            Params {
                b: -0.7,
                c: 5.0,
                d: 95.0,
                e: 2.0,
                f: 0.4,
            },
            Params {
                b: 3.9,
                c: 0.3,
                d: 7.7,
                e: 2.2,
                f: 2.5,
            },
        ] {
            let t = th(&p);
            for x in [0.01, 0.5, 2.0, 3.0, 100.0] {
                let lx = f64::ln(x);
                let (v, g) = eval_grad::<true>(lx, &t);
                let (v2, g2) = eval_grad::<false>(lx, &t);
                assert!((v - eval_ln(lx, &t)).abs() < 1e-12);
                assert!((v2 - v).abs() < 1e-12);
                for k in 0..4 {
                    assert!((g2[k] - g[k]).abs() < 1e-12 * (1.0 + g[k].abs()));
                }
                for k in 0..5 {
                    let h = 1e-6 * (1.0 + t[k].abs());
                    let mut tp = t;
                    tp[k] += h;
                    let mut tm = t;
                    tm[k] -= h;
                    let num = (eval_ln(lx, &tp) - eval_ln(lx, &tm)) / (2.0 * h);
                    assert!(
                        (num - g[k]).abs() < 1e-6 * (1.0 + num.abs()),
                        "param {k} at x={x}: analytic {} numeric {}",
                        g[k],
                        num
                    );
                }
            }
        }
    }

    #[test]
    fn extreme_arguments_stay_finite() {
        let t = [50.0, 0.0, 100.0, 0.0, 0.3];
        for lx in [-800.0, -30.0, 0.0, 30.0, 800.0] {
            let (v, g) = eval_grad::<true>(lx, &t);
            assert!(v.is_finite());
            assert!(g.iter().all(|x| x.is_finite()), "{lx} {g:?}");
        }
        let t4 = [50.0, 0.0, 100.0, 0.0, 1.0];
        for lx in [-800.0, 800.0] {
            let (v, g) = eval_grad::<false>(lx, &t4);
            assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
        }
    }

    #[test]
    fn model_names_parse() {
        assert_eq!(Model::parse("ll4"), Some(Model::LL4));
        assert_eq!(Model::parse("LL.5"), Some(Model::LL5));
        assert_eq!(Model::parse("4PL"), Some(Model::LL4));
        assert_eq!(Model::parse("auto"), None);
        assert_eq!(Model::LL3.fixed()[C], Some(0.0));
    }
}
