//! Single-drug LL.4 curves as the synergy models use them, fitted with
//! `preclin-curve`.
//!
//! SynergyFinder fits every curve with drc's `LL.4`,
//! f(x) = c + (d − c) / (1 + exp(b·(ln x − ln e))) on the % inhibition scale
//! (rising curves therefore have b < 0 and f(0) = c). Here the same model is
//! fitted by [`preclin_curve::fit`] (Levenberg–Marquardt from drc's
//! self-start, with a grid-search multi-start when a fit is poor; slope
//! bounded to |b| ≤ 10). Dose 0 enters the fit exactly (f(0) = the
//! low-dose asymptote). These are least-squares fits; SynergyFinder's drc
//! fits stop elsewhere on flat or step-shaped series (often on the flat line
//! at the series mean), which is what moves its ZIP scores — reproduced in
//! [`crate::drc`], see `tests/conformance_zip.rs`.
//!
//! A series whose responses are all equal has no dose effect to fit: it is
//! returned as the flat curve at that value (SynergyFinder adds 1e-10 to the
//! last response so that drc can fit it, which gives the same predictions to
//! 1e-10).

use std::cell::RefCell;

use preclin_curve::{CurveData, FitOptions, Params, Workspace, fit_with};
use serde::Serialize;

/// A fitted single-drug (or single-line) curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DrugCurve {
    /// drc LL.4 parameters (b, c, d, e; f = 1) in the dose unit of the data.
    pub params: Params,
    /// Whether the optimiser converged (always true for a flat series).
    pub converged: bool,
    /// Whether a free parameter ended on a bound (|b| = 10 or e at its
    /// range limit).
    pub at_bound: bool,
}

/// Which LL.4 inverse the Loewe model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inverse {
    /// The algebraic inverse of drc's LL.4:
    /// X(y) = e·((d − y)/(y − c))^(1/b), with X = 0 for a response at or
    /// before the curve's start f(0) and X = ∞ beyond its end f(∞).
    Exact,
    /// SynergyFinder 3.7's `.SolveExpDoesLL4`: X(y) = e·((y − c)/(d − y))^(1/b)
    /// (the exact inverse of the curve with the sign of b flipped); a
    /// negative ratio (NaN in R) becomes ∞ when y > max(c, d), else 0.
    SynergyFinder,
}

impl DrugCurve {
    /// A flat curve at `y`.
    pub fn flat(y: f64) -> DrugCurve {
        DrugCurve {
            params: Params {
                b: 1.0,
                c: y,
                d: y,
                e: 1.0,
                f: 1.0,
            },
            converged: true,
            at_bound: false,
        }
    }

    /// Predicted response at dose `x ≥ 0`.
    #[inline]
    pub fn predict(&self, x: f64) -> f64 {
        self.params.eval(x)
    }

    /// Response at dose 0 (d when b > 0, c when b < 0).
    pub fn start(&self) -> f64 {
        self.params.top()
    }

    /// Response as dose → ∞.
    pub fn end(&self) -> f64 {
        self.params.bottom()
    }

    /// Dose of the drug alone that gives response `y` (see [`Inverse`]);
    /// may be 0 or +∞.
    #[inline]
    pub fn dose_for(&self, y: f64, inverse: Inverse) -> f64 {
        let Params { b, c, d, e, .. } = self.params;
        match inverse {
            Inverse::Exact => {
                let (start, end) = (self.start(), self.end());
                if start == end {
                    // Flat: no dose changes the response.
                    return if y == start { 0.0 } else { f64::INFINITY };
                }
                let rising = end > start;
                if (rising && y <= start) || (!rising && y >= start) {
                    return 0.0;
                }
                if (rising && y >= end) || (!rising && y <= end) {
                    return f64::INFINITY;
                }
                let x = e * ((d - y) / (y - c)).powf(1.0 / b);
                if x.is_nan() { f64::INFINITY } else { x }
            }
            Inverse::SynergyFinder => {
                let r = (y - c) / (d - y);
                let x = e * r.powf(1.0 / b);
                if x.is_nan() {
                    if y > c.max(d) { f64::INFINITY } else { 0.0 }
                } else {
                    x
                }
            }
        }
    }
}

thread_local! {
    static WS: RefCell<Workspace> = RefCell::new(Workspace::new());
}

/// Fits drc's LL.4 to (dose, response), optionally with c fixed (ZIP's
/// lines: c = the response at dose 0 of the varied drug). As many points as
/// free parameters give drc's interpolating fit. Returns `None` when the
/// series cannot be fitted (fewer distinct doses than free parameters, or no
/// positive dose).
pub fn fit_ll4(dose: &[f64], response: &[f64], fix_c: Option<f64>) -> Option<DrugCurve> {
    fit_ll4_with(dose, response, fix_c, &FitOptions::default())
}

/// [`fit_ll4`] with other fitting options (bounds, a fixed d or b, the
/// iteration cap, multi-start); the model is LL.4 and c is fixed by `fix_c`
/// whatever `base` says.
pub fn fit_ll4_with(
    dose: &[f64],
    response: &[f64],
    fix_c: Option<f64>,
    base: &FitOptions,
) -> Option<DrugCurve> {
    if response.is_empty() || response.len() != dose.len() {
        return None;
    }
    let first = response[0];
    if response.iter().all(|&v| v == first) {
        return Some(DrugCurve::flat(first));
    }
    let opts = FitOptions {
        model: preclin_curve::Model::LL4,
        fix_bottom: fix_c,
        ..base.clone()
    };
    // drc fits four parameters to four points (an interpolating curve);
    // preclin-curve needs more points than parameters. Every point counted
    // twice has the same least-squares solution.
    let k = if fix_c.is_some() { 3 } else { 4 };
    let (d2, r2);
    let (dose, response) = if dose.len() <= k {
        d2 = [dose, dose].concat();
        r2 = [response, response].concat();
        (&d2[..], &r2[..])
    } else {
        (dose, response)
    };
    let data = CurveData {
        dose,
        response,
        weight: None,
    };
    let f = WS
        .with(|ws| {
            let ws = &mut ws.borrow_mut();
            if !opts.multistart {
                return fit_with(&data, &opts, ws);
            }
            // One run from drc's self-start; the multi-start grid only when that
            // run did not converge or ended on a bound.
            let quick = FitOptions {
                multistart: false,
                ..opts.clone()
            };
            let f = fit_with(&data, &quick, ws)?;
            if f.converged && !f.any_at_bound() {
                Ok(f)
            } else {
                fit_with(&data, &opts, ws)
            }
        })
        .ok()?;
    let p = f.params;
    if ![p.b, p.c, p.d, p.e].iter().all(|v| v.is_finite()) {
        return None;
    }
    Some(DrugCurve {
        params: p,
        converged: f.converged,
        at_bound: f.any_at_bound(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(b: f64, c: f64, d: f64, e: f64) -> DrugCurve {
        DrugCurve {
            params: Params { b, c, d, e, f: 1.0 },
            converged: true,
            at_bound: false,
        }
    }

    #[test]
    fn exact_inverse_round_trips_both_orientations() {
        for cv in [curve(-1.3, 5.0, 90.0, 2.0), curve(1.3, 90.0, 5.0, 2.0)] {
            for x in [0.01, 0.5, 2.0, 40.0] {
                let y = cv.predict(x);
                let back = cv.dose_for(y, Inverse::Exact);
                assert!((back / x - 1.0).abs() < 1e-9, "{x} {back}");
            }
            assert_eq!(cv.dose_for(4.0, Inverse::Exact), 0.0);
            assert_eq!(cv.dose_for(95.0, Inverse::Exact), f64::INFINITY);
        }
    }

    #[test]
    fn synergyfinder_inverse_is_the_curve_with_b_flipped() {
        let cv = curve(-1.3, 5.0, 90.0, 2.0);
        let flipped = curve(1.3, 5.0, 90.0, 2.0);
        for x in [0.1, 1.0, 7.0] {
            let y = flipped.predict(x);
            assert!((cv.dose_for(y, Inverse::SynergyFinder) / x - 1.0).abs() < 1e-9);
        }
        // Outside (c, d): ∞ above the larger asymptote, 0 below.
        assert_eq!(cv.dose_for(95.0, Inverse::SynergyFinder), f64::INFINITY);
        assert_eq!(cv.dose_for(1.0, Inverse::SynergyFinder), 0.0);
    }

    #[test]
    fn flat_series_is_a_flat_curve() {
        let c = fit_ll4(&[0.0, 1.0, 2.0, 3.0, 4.0], &[7.0; 5], None).unwrap();
        assert_eq!(c.predict(2.5), 7.0);
        assert!(fit_ll4(&[0.0, 1.0], &[1.0, 2.0], None).is_none());
    }
}
