//! Sensitivity scores of SynergyFinder 3 (`CalculateSensitivity`): relative
//! IC50, relative inhibition (RI) and the combination sensitivity score
//! (CSS; Malyutina et al. 2019, *PLoS Comput Biol* 15:e1006752).
//!
//! * **RI** of a dose–response series: LL.4 fitted to the points with a dose
//!   above 0 (all four parameters free), averaged over log10 dose between the
//!   lowest and highest tested dose:
//!   RI = (1/(x₂ − x₁))∫_{x₁}^{x₂} f(10^x) dx, x = log10 dose (% inhibition;
//!   SynergyFinder's `.ScoreCurve` with threshold 0, which it also rounds to
//!   3 decimals — not rounded here). A single point scores its response.
//! * **IC50** of drug k: e of the LL.4 fitted to its monotherapy series
//!   (control included), capped at the highest tested dose.
//! * **CSS of drug a with drug b at its IC50** (css_a_ic50b): for every
//!   concentration of a (0 included), the response at b = IC50_b is
//!   predicted from the LL.4 fitted along b's series at that concentration
//!   of a (b's control included; with only two concentrations of b, the
//!   response at the second; a constant series predicts its value;
//!   predictions above 100 are set to 100 — SynergyFinder subtracts a
//!   uniform(0, 0.01) jitter there, not done here); css_a_ic50b is the RI of
//!   the predicted curve over a's concentrations. **CSS** = the mean of
//!   css_a_ic50b over all ordered pairs of drugs (other drugs at 0).

use serde::Serialize;

use crate::curves::{DrugCurve, fit_ll4};
use crate::surface::Surface;

/// Mean of an LL.4 over ln dose in [ln lo, ln hi] (closed form:
/// ∫g ds = s − ln(1 + exp(b(s − ln e)))/b with g = 1/(1 + exp(b(s − ln e)))).
fn mean_over_log(c: &DrugCurve, lo: f64, hi: f64) -> Option<f64> {
    let p = c.params;
    if !(lo > 0.0 && hi > lo) {
        return None;
    }
    let (s1, s2) = (lo.ln(), hi.ln());
    let le = p.e.ln();
    let softplus = |t: f64| {
        if t > 0.0 {
            t + (-t).exp().ln_1p()
        } else {
            t.exp().ln_1p()
        }
    };
    let mean_g = if p.b == 0.0 || p.c == p.d {
        0.5
    } else {
        let prim = |s: f64| s - softplus(p.b * (s - le)) / p.b;
        (prim(s2) - prim(s1)) / (s2 - s1)
    };
    let v = p.c + (p.d - p.c) * mean_g;
    v.is_finite().then_some(v)
}

/// Relative inhibition of a series (see the module docs); `None` when no
/// positive dose or the curve cannot be fitted.
pub fn relative_inhibition(dose: &[f64], response: &[f64]) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = dose
        .iter()
        .zip(response)
        .filter(|(d, _)| **d > 0.0)
        .map(|(&d, &r)| (d, r))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    match pts.len() {
        0 => None,
        1 => Some(pts[0].1),
        _ => {
            let (x, y): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            let c = fit_ll4(&x, &y, None)?;
            mean_over_log(&c, x[0], x[x.len() - 1])
        }
    }
}

/// Sensitivity scores of a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Relative IC50 of each drug (capped at its highest dose).
    pub ic50: Vec<Option<f64>>,
    /// RI of each drug's monotherapy.
    pub ri: Vec<Option<f64>>,
    /// (a, b, css_a_ic50b) for every ordered pair of drugs (0-based).
    pub css_pairs: Vec<(usize, usize, Option<f64>)>,
    /// Mean of the pair scores.
    pub css: Option<f64>,
}

/// Computes IC50, RI and CSS (see the module docs).
pub fn sensitivity(s: &Surface) -> Sensitivity {
    let nd = s.n_drugs();
    let mut ic50 = Vec::with_capacity(nd);
    let mut ri = Vec::with_capacity(nd);
    for k in 0..nd {
        let (x, y) = s.mono_series(k);
        ri.push(relative_inhibition(&x, &y));
        let max = x[x.len() - 1];
        ic50.push(fit_ll4(&x, &y, None).and_then(|c| {
            let e = c.params.e;
            (e.is_finite() && e > 0.0 && c.params.c != c.params.d).then_some(e.min(max))
        }));
    }
    let mut css_pairs = Vec::new();
    for a in 0..nd {
        for b in 0..nd {
            if a == b {
                continue;
            }
            let v = ic50[b].and_then(|ic| {
                let la = s.levels(a);
                let lb = s.levels(b);
                let mut pred = Vec::with_capacity(la.len());
                for i in 0..la.len() {
                    // Line over b's levels at a = level i, others at 0.
                    let ys: Vec<f64> = (0..lb.len())
                        .map(|j| s.y(i * s.stride(a) + j * s.stride(b)))
                        .collect();
                    let p = if lb.len() == 2 {
                        Some(ys[1])
                    } else if ys.iter().all(|&v| v == ys[0]) {
                        Some(ys[0])
                    } else {
                        fit_ll4(lb, &ys, None).map(|c| c.predict(ic).min(100.0))
                    };
                    pred.push(p?);
                }
                relative_inhibition(la, &pred)
            });
            css_pairs.push((a, b, v));
        }
    }
    let vals: Vec<f64> = css_pairs.iter().filter_map(|p| p.2).collect();
    let css = if vals.len() == css_pairs.len() {
        preclin_stats::desc::mean(&vals)
    } else {
        None
    };
    Sensitivity {
        ic50,
        ri,
        css_pairs,
        css,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preclin_curve::Params;

    #[test]
    fn ri_is_the_mean_of_the_curve_over_log_dose() {
        let c = DrugCurve {
            params: Params {
                b: -1.0,
                c: 0.0,
                d: 100.0,
                e: 1.0,
                f: 1.0,
            },
            converged: true,
            at_bound: false,
        };
        // Symmetric range around e: mean 50.
        assert!((mean_over_log(&c, 0.01, 100.0).unwrap() - 50.0).abs() < 1e-9);
        let d = [0.01, 0.1, 1.0, 10.0, 100.0];
        let y: Vec<f64> = d.iter().map(|&x| c.predict(x)).collect();
        assert!((relative_inhibition(&d, &y).unwrap() - 50.0).abs() < 1e-4);
        assert_eq!(relative_inhibition(&[0.0, 2.0], &[1.0, 30.0]), Some(30.0));
    }
}
