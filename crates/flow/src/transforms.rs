//! Transforms: the Gating-ML 2.0 family (with `boundMin` / `boundMax`) and
//! the everyday display scales.
//!
//! Gating-ML 2.0 definitions (as quoted by FlowKit / flowUtils, see
//! shared/notes/flow.md §2):
//!
//! | name | formula |
//! |---|---|
//! | `flin(x, T, A)` | (x + A)/(T + A) |
//! | `flog(x, T, M)` | (1/M)·log10(x/T) + 1 (−∞ for x ≤ 0) |
//! | `fasinh(x, T, M, A)` | (asinh(x·sinh(M·ln10)/T) + A·ln10) / ((M + A)·ln10) |
//! | `logicle(x, T, W, M, A)` | root y of B(y) = x ([`Logicle`]) |
//! | `hyperlog(x, T, W, M, A)` | root y of EH(y) = x ([`Hyperlog`]) |
//! | `fratio(x, y, A, B, C)` | A·(x − B)/(y − C) |
//!
//! `boundMin` / `boundMax` clamp the result: values below boundMin become
//! boundMin, values above boundMax become boundMax (NaN stays NaN).
//!
//! Display scales ([`Scale`]): linear, log10, arcsinh with a cofactor c
//! (`asinh(x/c)`, the CyTOF / spectral convention), logicle, hyperlog.

pub use crate::logicle::{FastLogicle, Hyperlog, Logicle, ScaleParamError};

const LN10: f64 = std::f64::consts::LN_10;

/// A Gating-ML 2.0 transformation kind.
#[derive(Debug, Clone, PartialEq)]
pub enum TransformKind {
    /// `flin(x, T, A)`.
    Flin {
        /// T.
        t: f64,
        /// A.
        a: f64,
    },
    /// `flog(x, T, M)`.
    Flog {
        /// T.
        t: f64,
        /// M.
        m: f64,
    },
    /// `fasinh(x, T, M, A)`.
    Fasinh {
        /// T.
        t: f64,
        /// M.
        m: f64,
        /// A.
        a: f64,
    },
    /// `logicle(x, T, W, M, A)`.
    Logicle(Logicle),
    /// `hyperlog(x, T, W, M, A)`.
    Hyperlog(Hyperlog),
    /// `fratio(x, y, A, B, C)` of two FCS dimensions (a new dimension).
    Fratio {
        /// A.
        a: f64,
        /// B.
        b: f64,
        /// C.
        c: f64,
        /// Numerator dimension (`$PnN` or fluorochrome name).
        x: String,
        /// Denominator dimension.
        y: String,
    },
}

/// A named transformation with optional bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformation {
    /// `transforms:id`.
    pub id: String,
    /// The function.
    pub kind: TransformKind,
    /// `boundMin`.
    pub bound_min: Option<f64>,
    /// `boundMax`.
    pub bound_max: Option<f64>,
}

/// `flin(x, T, A) = (x + A)/(T + A)`.
pub fn flin(x: f64, t: f64, a: f64) -> f64 {
    (x + a) / (t + a)
}

/// `flog(x, T, M) = (1/M)·log10(x/T) + 1`; −∞ for x ≤ 0 (the limit), NaN
/// for NaN.
pub fn flog(x: f64, t: f64, m: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    (x / t).log10() / m + 1.0
}

/// `fasinh(x, T, M, A) = (asinh(x·sinh(M·ln10)/T) + A·ln10)/((M + A)·ln10)`.
pub fn fasinh(x: f64, t: f64, m: f64, a: f64) -> f64 {
    ((x * (m * LN10).sinh() / t).asinh() + a * LN10) / ((m + a) * LN10)
}

/// `fratio(x, y, A, B, C) = A·(x − B)/(y − C)`.
pub fn fratio(x: f64, y: f64, a: f64, b: f64, c: f64) -> f64 {
    a * (x - b) / (y - c)
}

impl Transformation {
    /// Clamps to the bounds.
    #[inline]
    pub fn bound(&self, v: f64) -> f64 {
        let mut v = v;
        if let Some(lo) = self.bound_min {
            if v < lo {
                v = lo;
            }
        }
        if let Some(hi) = self.bound_max {
            if v > hi {
                v = hi;
            }
        }
        v
    }

    /// Applies a one-dimensional transformation (bounds included); `None`
    /// for `fratio`, which needs two values ([`Transformation::apply_ratio`]).
    #[inline]
    pub fn apply(&self, x: f64) -> Option<f64> {
        let v = match &self.kind {
            TransformKind::Flin { t, a } => flin(x, *t, *a),
            TransformKind::Flog { t, m } => flog(x, *t, *m),
            TransformKind::Fasinh { t, m, a } => fasinh(x, *t, *m, *a),
            TransformKind::Logicle(l) => l.scale(x),
            TransformKind::Hyperlog(h) => h.scale(x),
            TransformKind::Fratio { .. } => return None,
        };
        Some(self.bound(v))
    }

    /// Applies `fratio` to (x, y), bounds included; `None` for the other
    /// kinds.
    pub fn apply_ratio(&self, x: f64, y: f64) -> Option<f64> {
        match &self.kind {
            TransformKind::Fratio { a, b, c, .. } => Some(self.bound(fratio(x, y, *a, *b, *c))),
            _ => None,
        }
    }
}

/// A display / analysis scale for one channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// x.
    Linear,
    /// log10(x); −∞ for x ≤ 0.
    Log10,
    /// asinh(x / cofactor).
    Arcsinh {
        /// The cofactor c (5 for CyTOF, 150 for fluorescence is common).
        cofactor: f64,
    },
    /// Logicle (reference path).
    Logicle(Logicle),
    /// Hyperlog.
    Hyperlog(Hyperlog),
}

impl Scale {
    /// The usual logicle for 18-bit data: T = 262,144, W = 0.5, M = 4.5,
    /// A = 0.
    pub fn default_logicle() -> Scale {
        Scale::Logicle(Logicle::new(262_144.0, 0.5, 4.5, 0.0).expect("valid parameters"))
    }

    /// Applies the scale.
    pub fn apply(&self, x: f64) -> f64 {
        match self {
            Scale::Linear => x,
            Scale::Log10 => {
                if x > 0.0 {
                    x.log10()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Scale::Arcsinh { cofactor } => (x / cofactor).asinh(),
            Scale::Logicle(l) => l.scale(x),
            Scale::Hyperlog(h) => h.scale(x),
        }
    }

    /// The inverse (scale value → data value).
    pub fn inverse(&self, y: f64) -> f64 {
        match self {
            Scale::Linear => y,
            Scale::Log10 => 10f64.powf(y),
            Scale::Arcsinh { cofactor } => y.sinh() * cofactor,
            Scale::Logicle(l) => l.inverse(y),
            Scale::Hyperlog(h) => h.inverse(y),
        }
    }

    /// Axis ticks for data values in `[lo, hi]`: (position on this scale,
    /// label). Linear scales get 1-2-5 steps; the others get 0 and the
    /// powers of ten (±10^k, labels `10³`, `−10²`) that lie in the range.
    pub fn ticks(&self, lo: f64, hi: f64) -> Vec<(f64, String)> {
        let mut out = Vec::new();
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return out;
        }
        if matches!(self, Scale::Linear) {
            let raw = (hi - lo) / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * mag);
            let mut v = (lo / step).ceil() * step;
            while v <= hi + step * 1e-9 {
                let v0 = if v.abs() < step * 1e-9 { 0.0 } else { v };
                out.push((v0, format!("{}", (v0 * 1e6).round() / 1e6)));
                v += step;
            }
            return out;
        }
        let sup = |k: i32| -> String {
            let digits = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
            let mut s = String::from("10");
            if k < 0 {
                s.push('⁻');
            }
            for c in k.unsigned_abs().to_string().chars() {
                s.push(digits[c.to_digit(10).unwrap_or(0) as usize]);
            }
            s
        };
        let mut vals: Vec<(f64, String)> = Vec::new();
        if lo <= 0.0 && hi >= 0.0 && !matches!(self, Scale::Log10) {
            vals.push((0.0, "0".into()));
        }
        for k in -3..=9 {
            let v = 10f64.powi(k);
            if v >= lo && v <= hi && (matches!(self, Scale::Log10) || k >= 2) {
                vals.push((v, sup(k)));
            }
            if -v >= lo && -v <= hi && !matches!(self, Scale::Log10) && k >= 3 {
                vals.push((-v, format!("−{}", sup(k))));
            }
        }
        vals.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (v, l) in vals {
            let p = self.apply(v);
            if p.is_finite() {
                out.push((p, l));
            }
        }
        out
    }

    /// A short name for axis titles, e.g. `logicle(262144, 0.5, 4.5, 0)`.
    pub fn describe(&self) -> String {
        match self {
            Scale::Linear => "linear".into(),
            Scale::Log10 => "log10".into(),
            Scale::Arcsinh { cofactor } => format!("asinh(x/{cofactor})"),
            Scale::Logicle(l) => {
                let [t, w, m, a] = l.params;
                format!("logicle(T={t}, W={w}, M={m}, A={a})")
            }
            Scale::Hyperlog(h) => {
                let [t, w, m, a] = h.params;
                format!("hyperlog(T={t}, W={w}, M={m}, A={a})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gml_formulas_and_bounds() {
        assert_eq!(flin(10000.0, 10000.0, 500.0), 1.0);
        assert_eq!(flin(-500.0, 10000.0, 500.0), 0.0);
        assert!((flog(10000.0, 10000.0, 5.0) - 1.0).abs() < 1e-15);
        assert!((flog(100.0, 10000.0, 2.0) - 0.0).abs() < 1e-15);
        assert_eq!(flog(0.0, 1.0, 1.0), f64::NEG_INFINITY);
        // fasinh(T) = 1 when A = 0.
        assert!((fasinh(262144.0, 262144.0, 4.5, 0.0) - 1.0).abs() < 1e-12);
        // fasinh with T = sinh(1), M = 1/ln10, A = 0 is plain asinh.
        let t = 1f64.sinh();
        let m = 1.0 / LN10;
        assert!((fasinh(7.0, t, m, 0.0) - 7f64.asinh()).abs() < 1e-12);
        assert_eq!(fratio(10.0, 3.0, 2.0, 0.0, 1.0), 10.0);
        let tr = Transformation {
            id: "b".into(),
            kind: TransformKind::Flin { t: 100.0, a: 0.0 },
            bound_min: Some(0.1),
            bound_max: Some(0.5),
        };
        assert_eq!(tr.apply(1.0), Some(0.1));
        assert_eq!(tr.apply(90.0), Some(0.5));
        assert_eq!(tr.apply(30.0), Some(0.3));
        assert!(tr.apply(f64::NAN).unwrap().is_nan());
        assert_eq!(tr.apply_ratio(1.0, 2.0), None);
    }

    #[test]
    fn ticks() {
        let t = Scale::default_logicle().ticks(-1000.0, 262144.0);
        let labels: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(labels, ["−10³", "0", "10²", "10³", "10⁴", "10⁵"]);
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        let l = Scale::Linear.ticks(0.0, 1000.0);
        assert_eq!(l.first().unwrap().1, "0");
        assert_eq!(l.last().unwrap().1, "1000");
        assert!(
            Scale::Log10
                .ticks(1.0, 1e4)
                .iter()
                .all(|x| x.1.starts_with("10"))
        );
    }

    #[test]
    fn display_scales_invert() {
        for s in [
            Scale::Linear,
            Scale::Log10,
            Scale::Arcsinh { cofactor: 150.0 },
            Scale::default_logicle(),
        ] {
            for x in [1.0, 10.0, 1234.5, 100000.0] {
                let back = s.inverse(s.apply(x));
                assert!(
                    (back - x).abs() < 1e-8 * x,
                    "{}: {x} → {back}",
                    s.describe()
                );
            }
        }
    }
}
