//! Chou–Talalay combination index (CI) and dose-reduction index (DRI).
//!
//! Median-effect equation (Chou & Talalay 1984, *Adv Enzyme Regul* 22:27;
//! Chou 2006, *Pharmacol Rev* 58:621): fa/fu = (D/Dm)^m with fa the fraction
//! affected (here % inhibition / 100) and fu = 1 − fa. Per drug it is fitted
//! by least squares on the median-effect plot,
//! log(fa/fu) = m·log D − m·log Dm, over the monotherapy points with D > 0
//! and 0 < fa < 1 (at least three): m = slope, Dm = exp(−intercept/m); r is
//! the linear correlation coefficient of the plot. The dose of drug k alone
//! for effect fa is Dx_k = Dm_k·(fa/(1 − fa))^(1/m_k).
//!
//! * **CI** at a combination point with doses d_k and observed fa:
//!   CI = Σ_k d_k / Dx_k(fa) (mutually exclusive form; < 1 synergism,
//!   = 1 additive, > 1 antagonism), defined for 0 < fa < 1.
//! * **DRI** of drug k: DRI_k = Dx_k(fa) / d_k, the fold dose reduction the
//!   combination allows.
//! * **Constant-ratio designs**: combination points sharing the same dose
//!   proportions (e.g. a diagonal of a matrix with equal dilution steps)
//!   form a series; the median-effect equation is fitted to the series
//!   against the total dose D = Σ d_k, and CI / DRI are computed at
//!   fa = 0.5, 0.75, 0.9 with d_k = p_k·D(fa) (Chou 2006, the ED50/75/90
//!   table of CompuSyn).
//! * **Interpretation** ([`interpret`]): the bands of Chou 2006, Table 5.

use serde::Serialize;

use crate::surface::Surface;

/// A median-effect fit fa/fu = (D/Dm)^m.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MedianEffect {
    /// Slope m (sigmoidicity; 1 = hyperbolic).
    pub m: f64,
    /// Median-effect dose Dm (fa = 0.5), in the dose unit of the data.
    pub dm: f64,
    /// Linear correlation coefficient of the median-effect plot.
    pub r: f64,
    /// Points used.
    pub n: usize,
}

impl MedianEffect {
    /// Least-squares fit on log(fa/fu) = m·log D − m·log Dm over the points
    /// with D > 0 and 0 < fa < 1. `None` with fewer than three such points or
    /// a zero slope.
    pub fn fit(dose: &[f64], fa: &[f64]) -> Option<MedianEffect> {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (&d, &f) in dose.iter().zip(fa) {
            if d > 0.0 && f > 0.0 && f < 1.0 {
                x.push(d.ln());
                y.push((f / (1.0 - f)).ln());
            }
        }
        let l = preclin_stats::linreg::fit(&x, &y)?;
        if !(l.slope.is_finite() && l.slope != 0.0) {
            return None;
        }
        let dm = (-l.intercept / l.slope).exp();
        let r = if l.r2.is_finite() {
            l.r2.max(0.0).sqrt() * l.slope.signum()
        } else {
            f64::NAN
        };
        (dm.is_finite() && dm > 0.0).then_some(MedianEffect {
            m: l.slope,
            dm,
            r,
            n: l.n,
        })
    }

    /// Dose for effect fa: Dm·(fa/(1 − fa))^(1/m); `None` outside 0 < fa < 1.
    pub fn dose_at(&self, fa: f64) -> Option<f64> {
        if !(fa > 0.0 && fa < 1.0) {
            return None;
        }
        let d = self.dm * (fa / (1.0 - fa)).powf(1.0 / self.m);
        (d.is_finite() && d > 0.0).then_some(d)
    }

    /// Effect at dose D: fa = 1 / (1 + (Dm/D)^m).
    pub fn fa_at(&self, d: f64) -> f64 {
        1.0 / (1.0 + (self.dm / d).powf(self.m))
    }
}

/// CI and DRIs at one combination point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CiPoint {
    /// Cell index in the surface.
    pub cell: usize,
    /// Doses of each drug.
    pub doses: Vec<f64>,
    /// Observed fraction affected (response / 100).
    pub fa: f64,
    /// Combination index; `None` when fa ∉ (0, 1) or a drug has no fit.
    pub ci: Option<f64>,
    /// DRI of each drug.
    pub dri: Vec<Option<f64>>,
}

/// CI and DRIs at a chosen effect level of a constant-ratio series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CiAtEffect {
    /// Fraction affected.
    pub fa: f64,
    /// Total combination dose D(fa) of the series.
    pub total_dose: Option<f64>,
    /// Combination index.
    pub ci: Option<f64>,
    /// DRI of each drug.
    pub dri: Vec<Option<f64>>,
}

/// A constant-ratio series of combination points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioSeries {
    /// Dose proportions p_k = d_k / Σd (sum 1).
    pub proportions: Vec<f64>,
    /// Cells of the series.
    pub cells: Vec<usize>,
    /// Median-effect fit of fa against the total dose.
    pub fit: Option<MedianEffect>,
    /// CI / DRI at fa = 0.5, 0.75, 0.9.
    pub at: Vec<CiAtEffect>,
}

/// The Chou–Talalay analysis of a surface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChouTalalay {
    /// Median-effect fit of each drug alone.
    pub drugs: Vec<Option<MedianEffect>>,
    /// Every combination point (every drug > 0).
    pub points: Vec<CiPoint>,
    /// Constant-ratio series with at least three points.
    pub series: Vec<RatioSeries>,
}

/// Effect levels of the constant-ratio table.
pub const FA_LEVELS: [f64; 3] = [0.5, 0.75, 0.9];

fn ci_dri(
    drugs: &[Option<MedianEffect>],
    doses: &[f64],
    fa: f64,
) -> (Option<f64>, Vec<Option<f64>>) {
    let mut ci = Some(0.0);
    let mut dri = Vec::with_capacity(doses.len());
    for (k, &d) in doses.iter().enumerate() {
        let dx = drugs[k].and_then(|m| m.dose_at(fa));
        match dx {
            Some(dx) => {
                ci = ci.map(|c| c + d / dx);
                dri.push((d > 0.0).then(|| dx / d));
            }
            None => {
                ci = None;
                dri.push(None);
            }
        }
    }
    (ci.filter(|c| c.is_finite()), dri)
}

/// Runs the analysis (see the module docs) on a surface of % inhibition.
pub fn chou_talalay(s: &Surface) -> ChouTalalay {
    let nd = s.n_drugs();
    let drugs: Vec<Option<MedianEffect>> = (0..nd)
        .map(|k| {
            let (x, y) = s.mono_series(k);
            let fa: Vec<f64> = y.iter().map(|v| v / 100.0).collect();
            MedianEffect::fit(&x, &fa)
        })
        .collect();
    let mut points = Vec::new();
    for cell in s.combination_cells() {
        let doses: Vec<f64> = (0..nd).map(|k| s.conc(cell, k)).collect();
        let fa = s.y(cell) / 100.0;
        let (ci, dri) = ci_dri(&drugs, &doses, fa);
        points.push(CiPoint {
            cell,
            doses,
            fa,
            ci,
            dri,
        });
    }
    // Constant-ratio series: group by proportions (relative tolerance 1e-6).
    let mut groups: Vec<(Vec<f64>, Vec<usize>)> = Vec::new();
    for p in &points {
        let tot: f64 = p.doses.iter().sum();
        let prop: Vec<f64> = p.doses.iter().map(|d| d / tot).collect();
        match groups.iter_mut().find(|(q, _)| {
            q.iter()
                .zip(&prop)
                .all(|(a, b)| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()))
        }) {
            Some(g) => g.1.push(p.cell),
            None => groups.push((prop, vec![p.cell])),
        }
    }
    let series = groups
        .into_iter()
        .filter(|(_, cells)| cells.len() >= 3)
        .map(|(proportions, cells)| {
            let tot: Vec<f64> = cells
                .iter()
                .map(|&c| (0..nd).map(|k| s.conc(c, k)).sum())
                .collect();
            let fa: Vec<f64> = cells.iter().map(|&c| s.y(c) / 100.0).collect();
            let fit = MedianEffect::fit(&tot, &fa);
            let at = FA_LEVELS
                .iter()
                .map(|&fa| {
                    let total = fit.and_then(|f| f.dose_at(fa));
                    let (ci, dri) = match total {
                        Some(t) => {
                            let doses: Vec<f64> = proportions.iter().map(|p| p * t).collect();
                            ci_dri(&drugs, &doses, fa)
                        }
                        None => (None, vec![None; nd]),
                    };
                    CiAtEffect {
                        fa,
                        total_dose: total,
                        ci,
                        dri,
                    }
                })
                .collect();
            RatioSeries {
                proportions,
                cells,
                fit,
                at,
            }
        })
        .collect();
    ChouTalalay {
        drugs,
        points,
        series,
    }
}

/// The classic reading of a CI value (Chou 2006, Table 5): `very strong
/// synergism` (< 0.1), `strong synergism` (0.1–0.3), `synergism` (0.3–0.7),
/// `moderate synergism` (0.7–0.85), `slight synergism` (0.85–0.9),
/// `nearly additive` (0.9–1.1), `slight antagonism` (1.1–1.2), `moderate
/// antagonism` (1.2–1.45), `antagonism` (1.45–3.3), `strong antagonism`
/// (3.3–10), `very strong antagonism` (> 10). Lower bounds are inclusive.
pub fn interpret(ci: f64) -> &'static str {
    const BANDS: [(f64, &str); 10] = [
        (0.1, "very strong synergism"),
        (0.3, "strong synergism"),
        (0.7, "synergism"),
        (0.85, "moderate synergism"),
        (0.9, "slight synergism"),
        (1.1, "nearly additive"),
        (1.2, "slight antagonism"),
        (1.45, "moderate antagonism"),
        (3.3, "antagonism"),
        (10.0, "strong antagonism"),
    ];
    for (hi, name) in BANDS {
        if ci < hi {
            return name;
        }
    }
    "very strong antagonism"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_effect_recovers_m_and_dm() {
        let me = MedianEffect {
            m: 1.7,
            dm: 3.0,
            r: 1.0,
            n: 0,
        };
        let d = [0.3, 1.0, 3.0, 10.0, 30.0];
        let fa: Vec<f64> = d.iter().map(|&x| me.fa_at(x)).collect();
        let f = MedianEffect::fit(&d, &fa).unwrap();
        assert!((f.m - 1.7).abs() < 1e-10 && (f.dm - 3.0).abs() < 1e-9);
        assert!((f.dose_at(0.5).unwrap() - 3.0).abs() < 1e-9);
        assert!((f.r - 1.0).abs() < 1e-12);
    }

    #[test]
    fn sham_combination_has_ci_one() {
        // Drug with itself: fa(d1 + d2); CI = (d1 + d2)/Dx = 1 everywhere.
        let me = MedianEffect {
            m: 1.3,
            dm: 2.0,
            r: 1.0,
            n: 0,
        };
        let l = vec![0.0, 0.5, 1.0, 2.0, 4.0];
        let y: Vec<f64> = (0..25)
            .map(|i| {
                let t = l[i / 5] + l[i % 5];
                if t == 0.0 { 0.0 } else { 100.0 * me.fa_at(t) }
            })
            .collect();
        let s = Surface::new(vec![l.clone(), l], y).unwrap();
        let ct = chou_talalay(&s);
        for p in &ct.points {
            assert!((p.ci.unwrap() - 1.0).abs() < 1e-9, "{p:?}");
        }
        // Ratios 1:1 (4 points), 1:2, 2:1, … ; the diagonal series gives CI 1.
        let diag = ct
            .series
            .iter()
            .find(|r| (r.proportions[0] - 0.5).abs() < 1e-9)
            .unwrap();
        assert_eq!(diag.cells.len(), 4);
        for a in &diag.at {
            assert!((a.ci.unwrap() - 1.0).abs() < 1e-9);
        }
        assert_eq!(interpret(0.5), "synergism");
        assert_eq!(interpret(1.0), "nearly additive");
        assert_eq!(interpret(12.0), "very strong antagonism");
    }
}
