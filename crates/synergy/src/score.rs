//! Scoring one surface: baseline correction, the four models, block summaries
//! and SynergyFinder's p-value.

use serde::{Deserialize, Serialize};

use crate::curves::DrugCurve;
use crate::models::{
    CellScores, LoeweOptions, Method, ZipFitter, ZipResult, bliss, hsa, loewe, mono_curves, zip,
    zip_synergyfinder,
};
use crate::surface::Surface;

/// SynergyFinder's baseline correction (`correct_baseline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Baseline {
    /// No correction (default).
    #[default]
    Non,
    /// Correct only the negative responses.
    Part,
    /// Correct every response.
    All,
}

/// The baseline: the smallest fitted value of any monotherapy LL.4 at its
/// tested doses (dose 0 included). `None` when a curve could not be fitted.
pub fn baseline_value(s: &Surface, mono: &[Option<DrugCurve>]) -> Option<f64> {
    let mut b = f64::INFINITY;
    for (k, m) in mono.iter().enumerate() {
        let m = m.as_ref()?;
        for &x in s.levels(k) {
            b = b.min(m.predict(x));
        }
    }
    b.is_finite().then_some(b)
}

/// Applies the correction y ← y − (100 − y)/100 · baseline to every
/// response (`All`) or to the negative ones (`Part`), SynergyFinder's
/// `CorrectBaseLine`.
pub fn correct_baseline(s: &Surface, mode: Baseline, baseline: f64) -> Surface {
    let y = s
        .responses()
        .iter()
        .map(|&v| match mode {
            Baseline::All => v - (100.0 - v) / 100.0 * baseline,
            Baseline::Part if v < 0.0 => v - (100.0 - v) / 100.0 * baseline,
            _ => v,
        })
        .collect();
    s.with_responses(y).expect("same grid, finite values")
}

/// What to compute for a surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// Models to compute.
    pub methods: Vec<Method>,
    /// Baseline correction.
    pub baseline: Baseline,
    /// Loewe inverse and solver.
    pub loewe: LoeweOptions,
    /// How ZIP fits its curves (least squares, or as SynergyFinder/drc).
    #[serde(default)]
    pub zip: ZipFitter,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            methods: Method::ALL.to_vec(),
            baseline: Baseline::Non,
            loewe: LoeweOptions::default(),
            zip: ZipFitter::LeastSquares,
        }
    }
}

/// Scores of one surface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurfaceScores {
    /// The surface the models saw (after baseline correction).
    pub surface: Surface,
    /// The baseline subtracted (None with `Baseline::Non` or when a curve
    /// failed).
    pub baseline: Option<f64>,
    /// Monotherapy LL.4 fits on the (corrected) surface, by drug.
    pub mono: Vec<Option<DrugCurve>>,
    /// Per model, in the order of [`ScoreOptions::methods`].
    pub scores: Vec<(Method, CellScores)>,
    /// ZIP details when ZIP was computed.
    pub zip: Option<ZipResult>,
}

impl SurfaceScores {
    /// The scores of one model, if computed.
    pub fn get(&self, m: Method) -> Option<&CellScores> {
        self.scores.iter().find(|(k, _)| *k == m).map(|(_, s)| s)
    }
}

/// Corrects the baseline (if asked), fits the monotherapies and computes
/// every requested model.
pub fn score_surface(s: &Surface, opts: &ScoreOptions) -> SurfaceScores {
    let needs_fit = opts.baseline != Baseline::Non
        || opts
            .methods
            .iter()
            .any(|m| matches!(m, Method::Loewe | Method::Zip));
    let mut mono = if needs_fit {
        mono_curves(s)
    } else {
        Vec::new()
    };
    let (surface, baseline) = match opts.baseline {
        Baseline::Non => (s.clone(), None),
        mode => match baseline_value(s, &mono) {
            Some(b) => {
                let c = correct_baseline(s, mode, b);
                mono = mono_curves(&c);
                (c, Some(b))
            }
            None => (s.clone(), None),
        },
    };
    let mut scores = Vec::with_capacity(opts.methods.len());
    let mut zip_res = None;
    for &m in &opts.methods {
        let cs = match m {
            Method::Bliss => bliss(&surface),
            Method::Hsa => hsa(&surface),
            Method::Loewe => loewe(&surface, &mono, &opts.loewe),
            Method::Zip => {
                let z = match opts.zip {
                    ZipFitter::LeastSquares => zip(&surface, &mono),
                    ZipFitter::SynergyFinder => zip_synergyfinder(&surface),
                };
                let cs = z.scores.clone();
                zip_res = Some(z);
                cs
            }
        };
        scores.push((m, cs));
    }
    SurfaceScores {
        surface,
        baseline,
        mono,
        scores,
        zip: zip_res,
    }
}

/// SynergyFinder's block p-value from the scores s of the combination
/// cells: z = |mean(s)| / sd(s), p = exp(−0.717·z − 0.416·z²) (an
/// approximation of the two-sided normal tail probability, Lin 1989).
/// `None` for fewer than two values or a zero SD with a zero mean.
pub fn p_value(values: &[f64]) -> Option<f64> {
    let m = preclin_stats::desc::mean(values)?;
    let sd = preclin_stats::desc::sd(values)?;
    if !(m.is_finite() && sd.is_finite()) {
        return None;
    }
    if sd == 0.0 {
        return if m == 0.0 { None } else { Some(0.0) };
    }
    let z = m.abs() / sd;
    Some((-0.717 * z - 0.416 * z * z).exp())
}

/// Block summary of one model: the mean score over the combination cells
/// (every drug > 0) and the p-value over the same cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Mean δ over the combination cells with a score.
    pub mean: Option<f64>,
    /// [`p_value`] of those scores.
    pub p_value: Option<f64>,
    /// Number of combination cells with a score.
    pub n: usize,
}

/// Summarises per-cell synergy scores over the combination cells of `s`.
pub fn summarize(s: &Surface, synergy: &[Option<f64>]) -> Summary {
    let v: Vec<f64> = s
        .combination_cells()
        .into_iter()
        .filter_map(|c| synergy[c])
        .collect();
    Summary {
        mean: preclin_stats::desc::mean(&v),
        p_value: p_value(&v),
        n: v.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_value_formula() {
        // z = 1 → exp(−1.133)
        let p = p_value(&[0.0, 2.0]).unwrap(); // mean 1, sd √2
        let z = 1.0 / 2f64.sqrt();
        assert!((p - (-0.717 * z - 0.416 * z * z).exp()).abs() < 1e-15);
        assert_eq!(p_value(&[1.0]), None);
        assert_eq!(p_value(&[3.0, 3.0]), Some(0.0));
    }

    #[test]
    fn baseline_correction_formulas() {
        let s = Surface::new(
            vec![vec![0.0, 1.0], vec![0.0, 1.0]],
            vec![-10.0, 20.0, 50.0, 90.0],
        )
        .unwrap();
        let a = correct_baseline(&s, Baseline::All, -10.0);
        // y − (100 − y)/100·b: −10 → −10 + 11 = 1; 50 → 55.
        assert!((a.y(0) - 1.0).abs() < 1e-12 && (a.y(2) - 55.0).abs() < 1e-12);
        let p = correct_baseline(&s, Baseline::Part, -10.0);
        assert!((p.y(0) - 1.0).abs() < 1e-12 && p.y(2) == 50.0);
    }
}
