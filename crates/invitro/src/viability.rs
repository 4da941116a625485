//! Viability analysis: normalised wells → dose–response curves → fits,
//! NCI-60 growth metrics, GR metrics, summaries across experiments and
//! selectivity.
//!
//! **Curves.** One curve per compound × cell line × grouping metadata (by
//! default the plate-level `experiment`, when present): the compound's
//! sample wells on every plate of that cell line, plus the vehicle wells of
//! the same plates as dose 0. Replicate plates of one experiment are
//! technical replicates and are pooled into one curve; independent
//! experiments are fitted separately and summarised on the log scale
//! (`preclin_curve::experiments`). Outlier wells are flagged upstream and
//! kept (their number is reported per curve).
//!
//! **Readouts.** % of vehicle (default; 100 = vehicle), NCI-60 percent
//! growth, or GR value; the latter two need a time-zero plate.
//!
//! **Selectivity.** CC50 is the absolute IC50 (the dose at which viability
//! falls to 50 % of vehicle) on a non-malignant line; the selectivity
//! index SI = CC50(normal) / IC50(target), both absolute IC50s of the same
//! compound in the same unit — the comparison the balomenib literature
//! makes between HEK293 CC50 and MV4-11 / MOLM-13 IC50. SI is reported only when both
//! exist; when the CC50 is not reached within the tested range, SI is
//! reported as "> top dose / IC50" through `si_lower_bound`.

use std::collections::{BTreeMap, HashMap};

use preclin_curve::experiments::{AcrossExperiments, across_experiments};
use preclin_curve::gr::{GrMetrics, GrOptions, gr_metrics};
use preclin_curve::nci::{NciMetrics, nci_metrics};
use preclin_curve::units::ConcUnit;
use preclin_curve::{
    CurveData, CurveSummary, Fit, ModelChoice, SummaryOptions, Workspace, fit_choice,
};
use serde::Serialize;

use crate::layout::Role;
use crate::normalize::{Flag, NormalizedWell};

/// Which normalised value is the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readout {
    /// Percent of vehicle.
    Viability,
    /// NCI-60 percent growth (needs time zero).
    Growth,
    /// GR value (needs time zero).
    Gr,
}

impl Readout {
    fn value(self, w: &NormalizedWell) -> Option<f64> {
        match self {
            Readout::Viability => w.viability_pct,
            Readout::Growth => w.growth_pct,
            Readout::Gr => w.gr,
        }
    }

    /// Axis label of the readout.
    pub fn label(self) -> &'static str {
        match self {
            Readout::Viability => "Viability (% of vehicle)",
            Readout::Growth => "Growth (% , NCI-60)",
            Readout::Gr => "GR value",
        }
    }
}

/// One dose–response curve assembled from wells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViabilityCurve {
    /// Compound.
    pub compound: String,
    /// Cell line ("" when the layout / plate info names none).
    pub cell_line: String,
    /// Values of the grouping metadata columns (e.g. experiment).
    pub group: BTreeMap<String, String>,
    /// Dose unit of `dose`.
    pub unit: Option<ConcUnit>,
    /// Doses (0 = vehicle).
    pub dose: Vec<f64>,
    /// Responses.
    pub response: Vec<f64>,
    /// Plates contributing.
    pub plates: Vec<String>,
    /// Wells flagged as outliers among the points (kept in the fit).
    pub n_outliers: usize,
}

/// (compound, cell line, grouping metadata).
type CurveKey = (String, String, BTreeMap<String, String>);

/// Groups normalised wells into curves (see module docs). `group_by` names
/// metadata columns that split curves (e.g. `["experiment"]`).
pub fn assemble_curves(
    wells: &[NormalizedWell],
    readout: Readout,
    group_by: &[String],
) -> Vec<ViabilityCurve> {
    // Vehicle wells per plate.
    let mut vehicle: HashMap<&str, Vec<&NormalizedWell>> = HashMap::new();
    for w in wells.iter().filter(|w| w.role == Role::Vehicle) {
        vehicle.entry(w.plate.as_str()).or_default().push(w);
    }
    let mut order: Vec<CurveKey> = Vec::new();
    let mut members: HashMap<CurveKey, Vec<&NormalizedWell>> = HashMap::new();
    for w in wells.iter().filter(|w| w.role == Role::Sample) {
        let Some(compound) = w.compound.clone() else {
            continue;
        };
        let cell = w.cell_line.clone().unwrap_or_default();
        let group: BTreeMap<String, String> = group_by
            .iter()
            .filter_map(|k| w.metadata.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        let key = (compound, cell, group);
        if !members.contains_key(&key) {
            order.push(key.clone());
        }
        members.entry(key).or_default().push(w);
    }
    let mut out = Vec::new();
    for key in order {
        let ws = &members[&key];
        let unit = ws.iter().find_map(|w| w.dose_unit);
        let mut plates: Vec<String> = ws.iter().map(|w| w.plate.clone()).collect();
        plates.sort();
        plates.dedup();
        let mut dose = Vec::new();
        let mut response = Vec::new();
        let mut n_outliers = 0;
        for w in ws {
            let (Some(d), Some(y)) = (w.dose, readout.value(w)) else {
                continue;
            };
            let f = match (w.dose_unit, unit) {
                (Some(a), Some(b)) => a.factor_to(b).unwrap_or(f64::NAN),
                _ => 1.0,
            };
            if !(d * f).is_finite() {
                continue;
            }
            dose.push(d * f);
            response.push(y);
            n_outliers += w.flags.contains(&Flag::Outlier) as usize;
        }
        for p in &plates {
            for v in vehicle.get(p.as_str()).into_iter().flatten() {
                if let Some(y) = readout.value(v) {
                    dose.push(0.0);
                    response.push(y);
                    n_outliers += v.flags.contains(&Flag::Outlier) as usize;
                }
            }
        }
        out.push(ViabilityCurve {
            compound: key.0,
            cell_line: key.1,
            group: key.2,
            unit,
            dose,
            response,
            plates,
            n_outliers,
        });
    }
    out
}

/// Fit of one curve with its derived metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveResult {
    /// The curve.
    pub curve: ViabilityCurve,
    /// The fitted model (None when the fit failed).
    pub fit: Option<Fit>,
    /// Summary row (potencies, CIs, flags).
    pub summary: CurveSummary,
    /// GI50 / TGI / LC50 from the growth readout, when time zero exists.
    pub nci: Option<NciMetrics>,
    /// GR metrics, when time zero exists.
    pub gr: Option<GrMetrics>,
}

/// Fits every curve (dose 0 included as the vehicle anchor) and derives
/// NCI and GR metrics from the same wells when available.
pub fn fit_curves(
    wells: &[NormalizedWell],
    curves: Vec<ViabilityCurve>,
    choice: &ModelChoice,
    opts: &SummaryOptions,
    group_by: &[String],
) -> Vec<CurveResult> {
    let growth = assemble_curves(wells, Readout::Growth, group_by);
    let grv = assemble_curves(wells, Readout::Gr, group_by);
    let find = |set: &[ViabilityCurve], c: &ViabilityCurve| -> Option<(Vec<f64>, Vec<f64>)> {
        set.iter()
            .find(|g| g.compound == c.compound && g.cell_line == c.cell_line && g.group == c.group)
            .map(|g| (g.dose.clone(), g.response.clone()))
    };
    let mut ws = Workspace::new();
    curves
        .into_iter()
        .map(|c| {
            let data = CurveData {
                dose: &c.dose,
                response: &c.response,
                weight: None,
            };
            let (fit, summary) = fit_choice(&data, choice, opts, &mut ws);
            let nci = find(&growth, &c)
                .filter(|(d, _)| d.iter().any(|x| *x > 0.0))
                .and_then(|(d, g)| nci_metrics(&d, &g));
            let gr = find(&grv, &c).and_then(|(d, g)| {
                let (dd, gg): (Vec<f64>, Vec<f64>) = d
                    .iter()
                    .zip(&g)
                    .filter(|(x, _)| **x > 0.0)
                    .map(|(x, y)| (*x, *y))
                    .unzip();
                gr_metrics(&dd, &gg, &GrOptions::default()).ok()
            });
            CurveResult {
                curve: c,
                fit,
                summary,
                nci,
                gr,
            }
        })
        .collect()
}

/// A potency summarised across independent experiments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PotencySummary {
    /// Compound.
    pub compound: String,
    /// Cell line.
    pub cell_line: String,
    /// Unit of the potencies.
    pub unit: Option<ConcUnit>,
    /// Relative EC50 across experiments.
    pub ec50: AcrossExperiments,
    /// Absolute IC50 across experiments.
    pub ic50: AcrossExperiments,
    /// Quality flags of the experiments' fits with their counts, e.g.
    /// `extrapolated_high×3` (empty when no fit is flagged).
    pub flags: String,
}

/// Counts the flags of several fits: `flag×n` joined by `;`, in the
/// display order of [`preclin_curve::Flag`].
pub fn flag_counts<'a>(summaries: impl Iterator<Item = &'a CurveSummary>) -> String {
    let mut counts = [0usize; preclin_curve::Flag::ALL.len()];
    for s in summaries {
        for (k, f) in preclin_curve::Flag::ALL.iter().enumerate() {
            if s.flags.has(*f) {
                counts[k] += 1;
            }
        }
    }
    preclin_curve::Flag::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(f, n)| format!("{}×{n}", f.name()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Summarises EC50 and IC50 per compound × cell line across the curves
/// (experiments) that share them.
pub fn summarize_experiments(results: &[CurveResult]) -> Vec<PotencySummary> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut by: HashMap<(String, String), Vec<&CurveResult>> = HashMap::new();
    for r in results {
        let k = (r.curve.compound.clone(), r.curve.cell_line.clone());
        if !by.contains_key(&k) {
            order.push(k.clone());
        }
        by.entry(k).or_default().push(r);
    }
    order
        .into_iter()
        .map(|k| {
            let rs = &by[&k];
            let unit = rs.iter().find_map(|r| r.curve.unit);
            let to_molar = unit
                .filter(|u| u.is_molar())
                .and_then(|u| u.to_molar(1.0, None).ok())
                .map(|m| m.0);
            let ec: Vec<Option<f64>> = rs.iter().map(|r| r.summary.ec50).collect();
            let ic: Vec<Option<f64>> = rs.iter().map(|r| r.summary.ic50).collect();
            PotencySummary {
                compound: k.0,
                cell_line: k.1,
                unit,
                ec50: across_experiments(&ec, to_molar),
                ic50: across_experiments(&ic, to_molar),
                flags: flag_counts(rs.iter().map(|r| &r.summary)),
            }
        })
        .collect()
}

/// Selectivity of a compound for a target line over a normal line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selectivity {
    /// Compound.
    pub compound: String,
    /// Target (malignant) cell line.
    pub target: String,
    /// Normal (non-malignant) cell line.
    pub normal: String,
    /// Absolute IC50 on the target line (geometric mean over experiments).
    pub ic50_target: Option<f64>,
    /// CC50 on the normal line (absolute IC50; geometric mean).
    pub cc50_normal: Option<f64>,
    /// SI = CC50 / IC50.
    pub si: Option<f64>,
    /// When the CC50 was not reached: SI > highest tested dose / IC50.
    pub si_lower_bound: Option<f64>,
    /// Unit of IC50 and CC50.
    pub unit: Option<ConcUnit>,
}

/// Selectivity indices of every compound for every target line against
/// each line in `normal_lines`.
pub fn selectivity(results: &[CurveResult], normal_lines: &[String]) -> Vec<Selectivity> {
    let summaries = summarize_experiments(results);
    let top_dose = |compound: &str, line: &str| -> Option<f64> {
        results
            .iter()
            .filter(|r| r.curve.compound == compound && r.curve.cell_line == line)
            .flat_map(|r| r.curve.dose.iter().copied())
            .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))
    };
    let mut out = Vec::new();
    for normal in normal_lines {
        for n in summaries.iter().filter(|s| &s.cell_line == normal) {
            for t in summaries
                .iter()
                .filter(|s| s.compound == n.compound && !normal_lines.contains(&s.cell_line))
            {
                let same_unit = t.unit == n.unit;
                let ic = t.ic50.geo_mean.filter(|_| same_unit);
                let cc = n.ic50.geo_mean.filter(|_| same_unit);
                let si = ic.zip(cc).map(|(i, c)| c / i);
                let si_lower_bound = match (ic, cc) {
                    (Some(i), None) if same_unit => top_dose(&n.compound, normal).map(|d| d / i),
                    _ => None,
                };
                out.push(Selectivity {
                    compound: n.compound.clone(),
                    target: t.cell_line.clone(),
                    normal: normal.clone(),
                    ic50_target: ic,
                    cc50_normal: cc,
                    si,
                    si_lower_bound,
                    unit: t.unit,
                });
            }
        }
    }
    out
}
