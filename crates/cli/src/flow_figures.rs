//! Adapters from gating results to the cytometry figures of
//! `preclin-report` (no statistics here: values come from `preclin-flow`).

use preclin_flow::gates::{Dimension, GateKind};
use preclin_flow::transforms::Scale;
use preclin_flow::{EventData, GatingResults, GatingStrategy, dimension_values};
use preclin_report::figures::cytometry::{
    CytoAxis, CytoHistogramFigure, CytoPlotFigure, GateOverlay, GateShape, PlotMode,
    render_histogram, render_plot,
};

fn quantile(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[((v.len() - 1) as f64 * p).round() as usize])
}

/// Ticks for a dimension: data values 0 and ±10^k through its transform, or
/// linear ticks when it has none.
fn axis_for(strategy: &GatingStrategy, dim: &Dimension, values: &[f64], extra: &[f64]) -> CytoAxis {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let lo0 = quantile(&mut v, 0.002).unwrap_or(0.0);
    let hi0 = quantile(&mut v, 0.998).unwrap_or(1.0);
    let lo = extra
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(lo0, f64::min);
    let hi = extra
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(hi0, f64::max);
    let pad = (hi - lo).abs().max(1e-9) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let transform = dim.transform.as_ref().and_then(|t| strategy.transform(t));
    let ticks = match transform {
        None => Scale::Linear.ticks(lo, hi),
        Some(t) => {
            let mut ticks = Vec::new();
            let mut cands = vec![(0.0, "0".to_string())];
            for k in 2..=7 {
                let v = 10f64.powi(k);
                let l = Scale::Log10
                    .ticks(v * 0.999, v * 1.001)
                    .pop()
                    .map(|x| x.1)
                    .unwrap_or_default();
                cands.push((v, l.clone()));
                cands.push((-v, format!("−{l}")));
            }
            for (v, l) in cands {
                if let Some(p) = t.apply(v) {
                    if p.is_finite() && p >= lo && p <= hi {
                        ticks.push((p, l));
                    }
                }
            }
            ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
            ticks.dedup_by(|a, b| (a.0 - b.0).abs() < (hi - lo) * 0.03);
            ticks
        }
    };
    let title = match &dim.transform {
        Some(t) => format!("{} ({t})", dim.label()),
        None => dim.label(),
    };
    CytoAxis {
        title,
        lo,
        hi,
        ticks,
    }
}

/// A density plot of gate `id`'s parent events on its two dimensions with
/// the gate drawn; `None` for gates that are not two-dimensional.
pub fn gate_plot(
    strategy: &GatingStrategy,
    data: &EventData,
    results: &GatingResults,
    id: &str,
) -> anyhow::Result<Option<String>> {
    let Some(g) = strategy.gate(id) else {
        return Ok(None);
    };
    let (dx, dy, shape) = match &g.kind {
        GateKind::Polygon { x, y, vertices } => (x, y, GateShape::Polygon(vertices.clone())),
        GateKind::Rectangle { dims } if dims.len() == 2 => (
            &dims[0].0,
            &dims[1].0,
            GateShape::Rectangle {
                x0: dims[0].1,
                x1: dims[0].2,
                y0: dims[1].1,
                y1: dims[1].2,
            },
        ),
        GateKind::Ellipsoid {
            dims,
            mean,
            covariance,
            distance_square,
            ..
        } if dims.len() == 2 => (
            &dims[0],
            &dims[1],
            GateShape::Ellipse {
                mean: (mean[0], mean[1]),
                covariance: [covariance[0], covariance[1], covariance[2], covariance[3]],
                distance_square: *distance_square,
            },
        ),
        GateKind::Quadrant { parts, .. } if parts.len() == 2 => (
            &parts[0].dim,
            &parts[1].dim,
            GateShape::Quadrant {
                x: parts[0].lower.or(parts[0].upper),
                y: parts[1].lower.or(parts[1].upper),
            },
        ),
        _ => return Ok(None),
    };
    let xs = dimension_values(strategy, data, dx)?;
    let ys = dimension_values(strategy, data, dy)?;
    let parent: Option<&Vec<bool>> = g
        .parent
        .as_deref()
        .and_then(|p| results.get(p))
        .map(|r| &r.membership);
    let points: Vec<(f64, f64)> = (0..xs.len())
        .filter(|&i| parent.is_none_or(|m| m[i]))
        .map(|i| (xs[i], ys[i]))
        .collect();
    let (ex, ey): (Vec<f64>, Vec<f64>) = match &shape {
        GateShape::Polygon(v) => v.iter().copied().unzip(),
        GateShape::Rectangle { x0, x1, y0, y1 } => (
            [x0, x1].iter().filter_map(|v| **v).collect(),
            [y0, y1].iter().filter_map(|v| **v).collect(),
        ),
        GateShape::Ellipse { mean, .. } => (vec![mean.0], vec![mean.1]),
        GateShape::Quadrant { x, y } => (x.iter().copied().collect(), y.iter().copied().collect()),
    };
    let px: Vec<f64> = points.iter().map(|p| p.0).collect();
    let py: Vec<f64> = points.iter().map(|p| p.1).collect();
    let r = results.get(id);
    let fig = CytoPlotFigure {
        title: format!(
            "{id}{}",
            g.parent
                .as_deref()
                .map(|p| format!(" (in {p})"))
                .unwrap_or_default()
        ),
        x: axis_for(strategy, dx, &px, &ex),
        y: axis_for(strategy, dy, &py, &ey),
        points,
        mode: PlotMode::Density(96),
        gates: vec![GateOverlay {
            label: id.to_string(),
            shape,
            percent: r.and_then(|r| r.percent_parent()),
        }],
        width: 420.0,
        height: 400.0,
    };
    Ok(Some(render_plot(&fig)))
}

/// A histogram of a marker in a sample and its control on `scale`, with
/// the positivity threshold (display units) and % positive.
pub fn marker_histogram(
    title: &str,
    channel: &str,
    scale: &Scale,
    sample: (&str, &[f64]),
    control: (&str, &[f64]),
    threshold: f64,
    percent_positive: Option<f64>,
) -> String {
    let tr = |v: &[f64]| -> Vec<f64> { v.iter().map(|&x| scale.apply(x)).collect() };
    let (s, c) = (tr(sample.1), tr(control.1));
    let mut all: Vec<f64> = s
        .iter()
        .chain(&c)
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    let lo = quantile(&mut all, 0.001).unwrap_or(0.0).min(threshold);
    let hi = quantile(&mut all, 0.999).unwrap_or(1.0).max(threshold);
    let pad = (hi - lo).abs().max(1e-9) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let data_lo = scale.inverse(lo);
    let data_hi = scale.inverse(hi);
    let label = match percent_positive.and_then(preclin_report::figures::format_value) {
        Some(p) => format!("{title}⁺ {p} %"),
        None => format!("{title}⁺"),
    };
    let fig = CytoHistogramFigure {
        title: format!("{title}: {}", sample.0),
        x: CytoAxis {
            title: format!("{channel} ({})", scale.describe()),
            lo,
            hi,
            ticks: scale.ticks(data_lo, data_hi),
        },
        series: vec![(sample.0.to_string(), s), (control.0.to_string(), c)],
        bins: 128,
        threshold: Some((threshold, label)),
        width: 420.0,
        height: 300.0,
    };
    render_histogram(&fig)
}
