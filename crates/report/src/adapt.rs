//! Adapters from analysis results to figure inputs.
//!
//! They only sample what the analysis crates compute (the fitted curve,
//! its confidence band, descriptive statistics of the observations); no
//! statistic is defined here.

use preclin_curve::Fit;
use preclin_curve::resistance::ResistanceMatrix;

use crate::figures::dose_response::{DoseResponseSeries, Marker, PointSummary};
use crate::figures::heatmap::{ColorScale, HeatmapFigure};

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

/// The cross-resistance heatmap of a resistance matrix: drugs as rows,
/// resistant lines as columns, colour = log₂ RF on a diverging scale centred
/// at 0 (red = resistant, blue = sensitised), cell text = the RF with its
/// significance stars (`8.2×` over `***`). The scale is symmetric with
/// half-width the largest |log₂ RF| rounded up to an integer, at least 2
/// (a four-fold shift), so that small shifts do not look dramatic. Cells
/// without a resistance factor are missing (hatched, "not tested / no
/// estimate").
pub fn resistance_heatmap(m: &ResistanceMatrix, title: &str) -> HeatmapFigure {
    let mut values = Vec::with_capacity(m.rows.len());
    let mut annotations = Vec::with_capacity(m.rows.len());
    let mut max_abs: f64 = 0.0;
    for row in &m.cells {
        let mut v = Vec::with_capacity(row.len());
        let mut a = Vec::with_capacity(row.len());
        for cell in row {
            let l2 = cell.as_ref().and_then(|c| c.log2_rf);
            let rf = cell.as_ref().and_then(|c| c.rf);
            if let Some(x) = l2 {
                max_abs = max_abs.max(x.abs());
            }
            v.push(l2);
            a.push(match (rf, cell) {
                (Some(rf), Some(c)) => {
                    let t = crate::figures::format_value(rf)
                        .map(|s| format!("{}\u{00d7}", short(&s)))
                        .unwrap_or_default();
                    if c.stars.is_empty() {
                        t
                    } else {
                        format!("{t}\n{}", c.stars)
                    }
                }
                _ => String::new(),
            });
        }
        values.push(v);
        annotations.push(a);
    }
    let limit = max_abs.ceil().max(2.0);
    HeatmapFigure {
        title: title.to_owned(),
        x_label: "Resistant line".into(),
        y_label: String::new(),
        x_ticks: m.columns.clone(),
        y_ticks: m.rows.clone(),
        y_up: false,
        values,
        annotations,
        scale: ColorScale::Diverging {
            center: 0.0,
            limit: Some(limit),
        },
        legend_label: "log2 resistance factor".into(),
        missing_label: "Not tested / no estimate".into(),
        width: (160.0 + 90.0 * m.columns.len() as f64).clamp(360.0, 1200.0),
        height: (140.0 + 44.0 * m.rows.len() as f64).clamp(240.0, 1600.0),
    }
}

/// Two significant digits for a fold change (`12.34` → `12`, `0.4567` →
/// `0.46`), from the 4-digit text of `format_value`.
fn short(s: &str) -> String {
    match s.parse::<f64>() {
        Ok(v) if v.abs() >= 10.0 => format!("{v:.0}"),
        Ok(v) if v.abs() >= 1.0 => format!("{v:.1}"),
        Ok(v) => {
            let t = format!("{v:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Err(_) => s.to_owned(),
    }
}

/// Dose label for a heatmap axis: 4 significant digits ([`crate::figures::format_value`]).
fn dose_label(x: f64) -> String {
    crate::figures::format_value(x).unwrap_or_default()
}

/// Axis title with the unit, e.g. `MI-503 (nM)`.
fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({unit})")
    }
}

/// Dose–dose response heatmap of a two-drug surface: drug 1 on the rows
/// (lowest dose at the bottom), drug 2 on the columns, % inhibition on a
/// sequential 0–100 scale (values outside clamp to the ends), each cell
/// annotated with its value. `drugs` and `units` label the axes.
pub fn response_heatmap(
    s: &preclin_synergy::Surface,
    drugs: [&str; 2],
    units: [&str; 2],
    title: &str,
) -> crate::HeatmapFigure {
    let values = grid(s, |c| Some(s.y(c)));
    heatmap_of(
        s,
        drugs,
        units,
        title,
        values,
        crate::ColorScale::Sequential {
            min: Some(0.0),
            max: Some(100.0),
        },
        "Inhibition (%)",
    )
}

/// Synergy heatmap of a two-drug surface: the per-cell scores of one model
/// on a diverging scale centred at 0 (red = synergy, blue = antagonism),
/// annotated; missing scores are hatched cells.
pub fn synergy_heatmap(
    s: &preclin_synergy::Surface,
    synergy: &[Option<f64>],
    drugs: [&str; 2],
    units: [&str; 2],
    title: &str,
    legend: &str,
) -> crate::HeatmapFigure {
    let values = grid(s, |c| synergy.get(c).copied().flatten());
    heatmap_of(
        s,
        drugs,
        units,
        title,
        values,
        crate::ColorScale::Diverging {
            center: 0.0,
            limit: None,
        },
        legend,
    )
}

fn grid(s: &preclin_synergy::Surface, v: impl Fn(usize) -> Option<f64>) -> Vec<Vec<Option<f64>>> {
    let (n1, n2) = (s.levels(0).len(), s.levels(1).len());
    (0..n1)
        .map(|i| (0..n2).map(|j| v(s.index(&[i, j]))).collect())
        .collect()
}

fn heatmap_of(
    s: &preclin_synergy::Surface,
    drugs: [&str; 2],
    units: [&str; 2],
    title: &str,
    values: Vec<Vec<Option<f64>>>,
    scale: crate::ColorScale,
    legend: &str,
) -> crate::HeatmapFigure {
    let annotations = values
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| {
                    v.filter(|x| x.is_finite())
                        .map(|x| format!("{:.1}", if x.abs() < 0.05 { 0.0 } else { x }))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    crate::HeatmapFigure {
        title: title.to_owned(),
        x_label: with_unit(drugs[1], units[1]),
        y_label: with_unit(drugs[0], units[0]),
        x_ticks: s.levels(1).iter().map(|&x| dose_label(x)).collect(),
        y_ticks: s.levels(0).iter().map(|&x| dose_label(x)).collect(),
        y_up: true,
        values,
        annotations,
        scale,
        legend_label: legend.to_owned(),
        ..crate::HeatmapFigure::default()
    }
}

/// Normalised isobologram of a Chou–Talalay analysis: every combination
/// point with a CI, at (d₁/Dx₁, d₂/Dx₂) = (d₁·DRI₁⁻¹, d₂·DRI₂⁻¹).
pub fn isobologram(
    ct: &preclin_synergy::chou_talalay::ChouTalalay,
    drugs: [&str; 2],
    units: [&str; 2],
    title: &str,
) -> crate::IsobologramFigure {
    let points = ct
        .points
        .iter()
        .filter(|p| p.ci.is_some() && p.dri.len() == 2)
        .filter_map(|p| {
            let (r1, r2) = (p.dri[0]?, p.dri[1]?);
            Some(crate::IsoPoint {
                x: 1.0 / r1,
                y: 1.0 / r2,
                label: format!(
                    "{} {} {} + {} {} {}: fa {:.2}, CI {}",
                    drugs[0],
                    dose_label(p.doses[0]),
                    units[0],
                    drugs[1],
                    dose_label(p.doses[1]),
                    units[1],
                    p.fa,
                    crate::figures::format_value(p.ci?).unwrap_or_default()
                ),
            })
        })
        .collect();
    crate::IsobologramFigure {
        title: title.to_owned(),
        x_label: format!("{}: d / Dx", drugs[0]),
        y_label: format!("{}: d / Dx", drugs[1]),
        points,
        ..crate::IsobologramFigure::default()
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

    #[test]
    fn resistance_heatmap_cells() {
        use preclin_curve::compare::CompareFlags;
        use preclin_curve::resistance::{
            ResistanceClass, ResistanceFactor, ResistanceMatrix, RfPotency, RfTest,
        };
        let f = |rf: f64, stars: &'static str| ResistanceFactor {
            potency: RfPotency::Relative,
            parental: Some(10.0),
            resistant: Some(10.0 * rf),
            rf: Some(rf),
            lower: None,
            upper: None,
            log2_rf: Some(rf.log2()),
            p_value: None,
            test: RfTest::FTest,
            class: ResistanceClass::Inconclusive,
            stars,
            flags: CompareFlags::default(),
        };
        let m = ResistanceMatrix::from_entries([
            ("MI-503".to_string(), "M327I".to_string(), f(12.34, "***")),
            ("venetoclax".to_string(), "M327I".to_string(), f(0.4567, "")),
            ("venetoclax".to_string(), "T349M".to_string(), f(1.0, "")),
        ]);
        let h = resistance_heatmap(&m, "t");
        assert_eq!(h.y_ticks, ["MI-503", "venetoclax"]);
        assert_eq!(h.x_ticks, ["M327I", "T349M"]);
        assert_eq!(h.annotations[0][0], "12\u{00d7}\n***");
        assert_eq!(h.annotations[1][0], "0.46\u{00d7}");
        assert_eq!(h.annotations[0][1], "");
        assert_eq!(h.values[0][1], None);
        assert!((h.values[0][0].unwrap() - 12.34f64.log2()).abs() < 1e-12);
        // |log2 12.34| = 3.6 → limit 4.
        assert_eq!(
            h.scale,
            ColorScale::Diverging {
                center: 0.0,
                limit: Some(4.0)
            }
        );
        let svg = h.to_svg();
        assert!(svg.starts_with("<svg") && !svg.contains("NaN"));
    }
}
