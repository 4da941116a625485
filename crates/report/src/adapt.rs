//! Adapters from analysis results to figure inputs.
//!
//! They only sample what the analysis crates compute (the fitted curve,
//! its confidence band, descriptive statistics of the observations); no
//! statistic is defined here.

use preclin_curve::Fit;

use crate::figures::dose_response::{DoseResponseSeries, Marker, PointSummary};

/// Observations grouped by dose: mean ± SD (n − 1) and n, ascending dose.
/// Dose 0 is returned separately as the vehicle point.
pub fn point_summaries(
    dose: &[f64],
    response: &[f64],
) -> (Vec<PointSummary>, Option<PointSummary>) {
    let mut pairs: Vec<(f64, f64)> = dose
        .iter()
        .zip(response)
        .filter(|(d, r)| d.is_finite() && r.is_finite())
        .map(|(d, r)| (*d, *r))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut points = Vec::new();
    let mut control = None;
    let mut i = 0;
    while i < pairs.len() {
        let d = pairs[i].0;
        let mut ys = Vec::new();
        while i < pairs.len() && pairs[i].0 == d {
            ys.push(pairs[i].1);
            i += 1;
        }
        let p = PointSummary {
            x: d,
            mean: preclin_stats::desc::mean(&ys).unwrap_or(f64::NAN),
            sd: preclin_stats::desc::sd(&ys),
            n: ys.len(),
        };
        if d > 0.0 {
            points.push(p);
        } else {
            control = Some(p);
        }
    }
    (points, control)
}

/// A dose–response series: observed points, the fitted curve on a
/// 200-point log grid spanning the tested doses (extended by a quarter
/// decade each side), its pointwise confidence band at `level`, and a
/// marker at `marker_dose` labelled `marker_label`.
pub fn dose_response_series(
    name: &str,
    dose: &[f64],
    response: &[f64],
    fit: Option<&Fit>,
    level: f64,
    marker: Option<(f64, String)>,
) -> DoseResponseSeries {
    let (points, control) = point_summaries(dose, response);
    let mut curve = Vec::new();
    let mut band = Vec::new();
    if let Some(f) = fit {
        let lo = f.dose_min.log10() - 0.25;
        let hi = f.dose_max.log10() + 0.25;
        let t = if f.df > 0 {
            preclin_stats::dist::t_quantile(0.5 + level / 2.0, f.df as f64)
        } else {
            f64::NAN
        };
        for k in 0..200 {
            let x = 10f64.powf(lo + (hi - lo) * k as f64 / 199.0);
            let y = f.predict(x);
            if y.is_finite() {
                curve.push((x, y));
            }
            if let Some((a, b)) = f.band(x, t) {
                band.push((x, a, b));
            }
        }
    }
    let marker = match (fit, marker) {
        (Some(f), Some((x, label))) if x > 0.0 && x.is_finite() => Some(Marker {
            x,
            y: f.predict(x),
            label,
        }),
        _ => None,
    };
    DoseResponseSeries {
        name: name.to_string(),
        points,
        curve,
        band,
        marker,
        control,
    }
}

/// The fold-change figure of a ΔΔCt result: every target gene, every group
/// (control first), `pcr`'s ±SD band or the 95 % CI, and the per-sample fold
/// changes `2^−(ΔCt_sample − mean ΔCt_control)` as dots (computed from the
/// result's per-sample ΔCt and the control row's mean ΔCt).
pub fn fold_change_figure(
    result: &preclin_invitro::qpcr::DdctResult,
    title: &str,
    log2: bool,
    error_bars: crate::figures::fold_change::ErrorBars,
) -> crate::figures::fold_change::FoldChangeFigure {
    use crate::figures::fold_change::{FoldCell, FoldChangeFigure};
    let mut genes: Vec<String> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for r in &result.rows {
        if !genes.contains(&r.gene) {
            genes.push(r.gene.clone());
        }
        if !groups.contains(&r.group) {
            groups.push(r.group.clone());
        }
    }
    let cells = genes
        .iter()
        .map(|g| {
            let control_dct = result
                .rows
                .iter()
                .find(|r| &r.gene == g && r.is_control)
                .and_then(|r| r.delta_ct);
            groups
                .iter()
                .map(|grp| {
                    let Some(r) = result.rows.iter().find(|r| &r.gene == g && &r.group == grp)
                    else {
                        return FoldCell::default();
                    };
                    let points = result
                        .samples
                        .iter()
                        .filter(|s| &s.gene == g && &s.group == grp)
                        .filter_map(|s| Some((-(s.delta_ct? - control_dct?)).exp2()))
                        .collect();
                    FoldCell {
                        fold: r.fold_change,
                        sd_lower: r.fold_lower,
                        sd_upper: r.fold_upper,
                        ci_lower: r.ci_lower,
                        ci_upper: r.ci_upper,
                        p_value: r.p_value,
                        points,
                        n: r.n,
                    }
                })
                .collect()
        })
        .collect();
    FoldChangeFigure {
        title: title.to_string(),
        genes,
        groups,
        cells,
        log2,
        error_bars,
        ..Default::default()
    }
}

/// The CFU figure of one round of a colony result (`round` = `None` for the
/// rows without a round, or the first round when every row has one):
/// mean ± SD (`sem = false`) or ± SEM per group, p-values against the
/// control, the sample means as dots.
pub fn cfu_figure(
    result: &preclin_invitro::colony::ColonyResult,
    title: &str,
    round: Option<&str>,
    sem: bool,
) -> crate::figures::cfu::CfuFigure {
    use crate::figures::cfu::{CfuBar, CfuFigure};
    let round = round
        .map(str::to_string)
        .or_else(|| result.rows.first().and_then(|r| r.round.clone()));
    let bars = result
        .rows
        .iter()
        .filter(|r| r.round == round)
        .map(|r| CfuBar {
            group: r.group.clone(),
            mean: r.mean_colonies,
            error: if sem { r.sem } else { r.sd },
            points: r.values.clone(),
            p_value: r.p_value,
        })
        .collect();
    let per = result.options.per_log10;
    CfuFigure {
        title: title.to_string(),
        y_label: if result.normalised {
            format!("Colonies per 10{} cells", crate::axis::superscript(per))
        } else {
            "Colonies per dish".to_string()
        },
        error_label: if sem { "SEM".into() } else { "SD".into() },
        bars,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preclin_curve::{CurveData, FitOptions, fit};

    #[test]
    fn series_from_a_fit() {
        let dose: Vec<f64> = [
            0.0, 0.0, 1.0, 1.0, 3.0, 3.0, 10.0, 10.0, 30.0, 30.0, 100.0, 100.0,
        ]
        .to_vec();
        let resp = [
            100.0, 98.0, 95.0, 97.0, 80.0, 84.0, 50.0, 46.0, 20.0, 23.0, 8.0, 6.0,
        ];
        let f = fit(
            &CurveData {
                dose: &dose,
                response: &resp,
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap();
        let s = dose_response_series(
            "A",
            &dose,
            &resp,
            Some(&f),
            0.95,
            Some((f.params.e, "IC50".into())),
        );
        assert_eq!(s.points.len(), 5);
        assert_eq!(s.control.as_ref().unwrap().n, 2);
        assert_eq!(s.curve.len(), 200);
        assert!(!s.band.is_empty());
        for (x, a, b) in &s.band {
            let y = f.predict(*x);
            assert!(*a <= y && y <= *b);
        }
        let m = s.marker.unwrap();
        assert!((m.y - 0.5 * (f.params.c + f.params.d)).abs() < 1e-9);
    }
}
