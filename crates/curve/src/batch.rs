//! Batch fitting of many curves in parallel (rayon), with one scratch
//! [`Workspace`] per worker thread and results in input order.
//!
//! Memory stays bounded when the caller feeds curves in chunks (the CLI
//! streams its input in chunks of a few tens of thousands of curves).

use rayon::prelude::*;

use crate::fit::{CurveData, Fit, FitOptions, Workspace};
use crate::models::Model;
use crate::summary::{CurveSummary, SummaryOptions, fit_summary};

/// Curves stored back to back: curve i is `dose[offsets[i]..offsets[i+1]]`.
#[derive(Debug, Clone, Default)]
pub struct PackedCurves {
    /// All doses.
    pub dose: Vec<f64>,
    /// All responses.
    pub response: Vec<f64>,
    /// Optional weights (same length as `dose`).
    pub weight: Option<Vec<f64>>,
    /// Start offsets, with a final end offset (`len() = curves + 1`).
    pub offsets: Vec<usize>,
}

impl PackedCurves {
    /// An empty collection.
    pub fn new() -> Self {
        PackedCurves {
            offsets: vec![0],
            ..Default::default()
        }
    }

    /// Number of curves.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no curves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a curve.
    pub fn push(&mut self, dose: &[f64], response: &[f64]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.dose.extend_from_slice(dose);
        self.response.extend_from_slice(response);
        self.offsets.push(self.dose.len());
    }

    /// Curve `i`.
    pub fn get(&self, i: usize) -> CurveData<'_> {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        CurveData {
            dose: &self.dose[a..b],
            response: &self.response[a..b],
            weight: self.weight.as_ref().map(|w| &w[a..b]),
        }
    }

    /// Removes every curve, keeping the allocations.
    pub fn clear(&mut self) {
        self.dose.clear();
        self.response.clear();
        if let Some(w) = self.weight.as_mut() {
            w.clear();
        }
        self.offsets.clear();
        self.offsets.push(0);
    }
}

/// Which model(s) to fit.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    /// One model, with these options.
    Fixed(FitOptions),
    /// Fit each candidate and keep the lowest AIC (drc `mselect` style).
    Auto(Vec<FitOptions>),
}

impl ModelChoice {
    /// Automatic choice among LL.3, LL.4 and LL.5 sharing `base`'s bounds.
    pub fn auto_from(base: &FitOptions) -> Self {
        ModelChoice::Auto(
            [Model::LL3, Model::LL4, Model::LL5]
                .into_iter()
                .map(|m| FitOptions {
                    model: m,
                    ..base.clone()
                })
                .collect(),
        )
    }
}

/// Fits one curve under `choice`; with `Auto`, the candidate with the
/// lowest AIC among those that fitted wins (ties: fewer parameters).
pub fn fit_choice(
    data: &CurveData,
    choice: &ModelChoice,
    opts: &SummaryOptions,
    ws: &mut Workspace,
) -> (Option<Fit>, CurveSummary) {
    match choice {
        ModelChoice::Fixed(o) => fit_summary(data, o, opts, ws),
        ModelChoice::Auto(cands) => {
            let mut best: Option<(Option<Fit>, CurveSummary)> = None;
            for o in cands {
                let r = fit_summary(data, o, opts, ws);
                let better = match (&best, &r.0) {
                    (None, _) => true,
                    (Some((None, _)), Some(_)) => true,
                    (Some((Some(b), _)), Some(f)) => f.aic() < b.aic() - 1e-9,
                    _ => false,
                };
                if better {
                    best = Some(r);
                }
            }
            best.expect("at least one candidate model")
        }
    }
}

/// Fits every curve in parallel; results are in input order.
pub fn fit_packed(
    curves: &PackedCurves,
    choice: &ModelChoice,
    opts: &SummaryOptions,
) -> Vec<CurveSummary> {
    (0..curves.len())
        .into_par_iter()
        .map_init(Workspace::new, |ws, i| {
            fit_choice(&curves.get(i), choice, opts, ws).1
        })
        .collect()
}

/// Fits every curve in parallel and keeps the fitted models too.
pub fn fit_many(
    curves: &[CurveData],
    choice: &ModelChoice,
    opts: &SummaryOptions,
) -> Vec<(Option<Fit>, CurveSummary)> {
    curves
        .par_iter()
        .map_init(Workspace::new, |ws, c| fit_choice(c, choice, opts, ws))
        .collect()
}
