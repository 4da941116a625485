//! Flow-cytometry figures on transformed axes: a 2-D density (or dot) plot
//! with gates drawn, and a histogram with a positivity threshold.
//!
//! Inputs are plain structs in **display units** — values already
//! transformed (logicle, arcsinh, …) by the caller — plus the tick
//! positions and labels of each axis ([`CytoAxis`]), so that an axis can
//! show data values (`0`, `10³`, `10⁴`) at their transformed positions. The
//! flow crate computes both (`preclin_flow::transforms::Scale`).
//!
//! Density: events are binned on a `bins × bins` grid over the axis ranges;
//! each non-empty bin is a rectangle coloured by viridis on
//! `log10(1 + count) / log10(1 + max count)` (the usual cytometry "pseudo-
//! colour"). Dots: at most `max_dots` events, taken at a fixed stride
//! (deterministic). Events outside the axis ranges are piled on the edge
//! bins, as cytometry software shows off-scale events. Non-finite values are
//! skipped. Gates: polygons, rectangles (open sides run to the plot edge),
//! ellipses (from mean, 2×2 covariance and D²) and quadrant lines, each with
//! its label and, when given, its % of the parent.
//!
//! Histogram: one or more series (e.g. sample and control) binned on the
//! x axis, each drawn as a step line normalised to its own mode (% of max,
//! so that samples of different sizes compare), with the threshold as a
//! dashed vertical line and its label (e.g. `CD11b⁺ 41.2 %`).

use crate::palette::{sequential, series_color};
use crate::svg::{Anchor, Baseline, Color, PathData, Style, Svg, TextStyle};

/// An axis in display units.
#[derive(Clone, Debug, PartialEq)]
pub struct CytoAxis {
    /// Title, e.g. `CD11b-PE (logicle)`.
    pub title: String,
    /// Lowest display value shown.
    pub lo: f64,
    /// Highest display value shown.
    pub hi: f64,
    /// Tick positions (display units) and labels.
    pub ticks: Vec<(f64, String)>,
}

impl CytoAxis {
    fn frac(&self, v: f64) -> f64 {
        if self.hi > self.lo {
            (v - self.lo) / (self.hi - self.lo)
        } else {
            0.5
        }
    }
}

/// A gate outline in display units.
#[derive(Clone, Debug, PartialEq)]
pub enum GateShape {
    /// Closed polygon.
    Polygon(Vec<(f64, f64)>),
    /// Rectangle; `None` sides run to the plot edge.
    Rectangle {
        /// x min.
        x0: Option<f64>,
        /// x max.
        x1: Option<f64>,
        /// y min.
        y0: Option<f64>,
        /// y max.
        y1: Option<f64>,
    },
    /// Ellipse `(p − μ)ᵀ Σ⁻¹ (p − μ) = D²`.
    Ellipse {
        /// Centre.
        mean: (f64, f64),
        /// Σ, row-major 2×2.
        covariance: [f64; 4],
        /// D².
        distance_square: f64,
    },
    /// Quadrant dividers (vertical at x, horizontal at y).
    Quadrant {
        /// Vertical divider.
        x: Option<f64>,
        /// Horizontal divider.
        y: Option<f64>,
    },
}

/// A gate to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct GateOverlay {
    /// Label (gate id or population name).
    pub label: String,
    /// Outline.
    pub shape: GateShape,
    /// % of parent shown after the label, when given.
    pub percent: Option<f64>,
}

/// How events are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotMode {
    /// Binned pseudo-colour density with this many bins per axis.
    Density(usize),
    /// Dots, at most this many.
    Dots(usize),
}

/// A 2-D plot of events with gates.
#[derive(Clone, Debug, PartialEq)]
pub struct CytoPlotFigure {
    /// Title; empty for none.
    pub title: String,
    /// x axis.
    pub x: CytoAxis,
    /// y axis.
    pub y: CytoAxis,
    /// Events (display units).
    pub points: Vec<(f64, f64)>,
    /// Density or dots.
    pub mode: PlotMode,
    /// Gates drawn over the events.
    pub gates: Vec<GateOverlay>,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

const ML: f64 = 62.0;
const MR: f64 = 16.0;
const MT: f64 = 34.0;
const MB: f64 = 48.0;

fn frame(svg: &mut Svg, title: &str, x: &CytoAxis, y: Option<&CytoAxis>, w: f64, h: f64) {
    let (pw, ph) = (w - ML - MR, h - MT - MB);
    let axis = Style::stroke(Color::BLACK, 1.0);
    svg.rect(ML, MT, pw, ph, &Style::stroke(Color::GREY, 0.75));
    let ts = TextStyle::new(10.0).align(Anchor::Middle, Baseline::Hanging);
    for (v, l) in &x.ticks {
        let f = x.frac(*v);
        if (0.0..=1.0).contains(&f) {
            let px = ML + f * pw;
            svg.line(px, MT + ph, px, MT + ph + 4.0, &axis);
            svg.text(px, MT + ph + 6.0, l, &ts);
        }
    }
    svg.text(
        ML + pw / 2.0,
        h - 14.0,
        &x.title,
        &TextStyle::new(11.0).align(Anchor::Middle, Baseline::Middle),
    );
    if let Some(y) = y {
        let ts = TextStyle::new(10.0).align(Anchor::End, Baseline::Middle);
        for (v, l) in &y.ticks {
            let f = y.frac(*v);
            if (0.0..=1.0).contains(&f) {
                let py = MT + ph - f * ph;
                svg.line(ML - 4.0, py, ML, py, &axis);
                svg.text(ML - 6.0, py, l, &ts);
            }
        }
        svg.text(
            14.0,
            MT + ph / 2.0,
            &y.title,
            &TextStyle::new(11.0)
                .align(Anchor::Middle, Baseline::Middle)
                .rotated(-90.0),
        );
    }
    if !title.is_empty() {
        svg.text(
            w / 2.0,
            14.0,
            title,
            &TextStyle::new(12.0)
                .bold()
                .align(Anchor::Middle, Baseline::Middle),
        );
    }
}

/// Renders the plot.
pub fn render_plot(fig: &CytoPlotFigure) -> String {
    let (w, h) = (fig.width, fig.height);
    let (pw, ph) = (w - ML - MR, h - MT - MB);
    let mut svg = Svg::new(w, h);
    svg.set_title(if fig.title.is_empty() {
        "cytometry plot"
    } else {
        &fig.title
    });
    let px = |v: f64| ML + fig.x.frac(v).clamp(0.0, 1.0) * pw;
    let py = |v: f64| MT + ph - fig.y.frac(v).clamp(0.0, 1.0) * ph;
    let finite: Vec<(f64, f64)> = fig
        .points
        .iter()
        .copied()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    match fig.mode {
        PlotMode::Density(bins) => {
            let bins = bins.clamp(8, 256);
            let mut grid = vec![0u32; bins * bins];
            for &(a, b) in &finite {
                let i = ((fig.x.frac(a).clamp(0.0, 1.0 - 1e-12)) * bins as f64) as usize;
                let j = ((fig.y.frac(b).clamp(0.0, 1.0 - 1e-12)) * bins as f64) as usize;
                grid[j * bins + i] += 1;
            }
            let max = grid.iter().copied().max().unwrap_or(0);
            let (bw, bh) = (pw / bins as f64, ph / bins as f64);
            for j in 0..bins {
                for i in 0..bins {
                    let c = grid[j * bins + i];
                    if c == 0 {
                        continue;
                    }
                    let t = (1.0 + c as f64).log10() / (1.0 + max as f64).log10();
                    svg.rect(
                        ML + i as f64 * bw,
                        MT + ph - (j + 1) as f64 * bh,
                        bw + 0.05,
                        bh + 0.05,
                        &Style::fill(sequential(t)),
                    );
                }
            }
        }
        PlotMode::Dots(max) => {
            let stride = finite.len().div_ceil(max.max(1)).max(1);
            let st = Style::fill(Color::hex(0x333333)).with_fill_opacity(0.5);
            for &(a, b) in finite.iter().step_by(stride) {
                svg.circle(px(a), py(b), 0.9, &st);
            }
        }
    }
    for (k, g) in fig.gates.iter().enumerate() {
        let col = series_color(k + 1);
        let st = Style::stroke(col, 1.5);
        let label_at: (f64, f64) = match &g.shape {
            GateShape::Polygon(v) => {
                let pts: Vec<(f64, f64)> = v.iter().map(|&(a, b)| (px(a), py(b))).collect();
                svg.polygon(&pts, &st);
                pts.iter()
                    .copied()
                    .fold((f64::INFINITY, f64::INFINITY), |m, p| {
                        if p.1 < m.1 { p } else { m }
                    })
            }
            GateShape::Rectangle { x0, x1, y0, y1 } => {
                let (a, b) = (x0.map_or(ML, px), x1.map_or(ML + pw, px));
                let (c, d) = (y1.map_or(MT, py), y0.map_or(MT + ph, py));
                svg.rect(a.min(b), c.min(d), (b - a).abs(), (d - c).abs(), &st);
                (a.min(b), c.min(d))
            }
            GateShape::Ellipse {
                mean,
                covariance,
                distance_square,
            } => {
                // Boundary: μ + √D² · L·(cos t, sin t), Σ = L Lᵀ (Cholesky).
                let [s11, s12, _, s22] = *covariance;
                let l11 = s11.max(0.0).sqrt();
                let l21 = if l11 > 0.0 { s12 / l11 } else { 0.0 };
                let l22 = (s22 - l21 * l21).max(0.0).sqrt();
                let r = distance_square.max(0.0).sqrt();
                let pts: Vec<(f64, f64)> = (0..72)
                    .map(|k| {
                        let t = k as f64 * std::f64::consts::TAU / 72.0;
                        let (u, v) = (t.cos() * r, t.sin() * r);
                        (px(mean.0 + l11 * u), py(mean.1 + l21 * u + l22 * v))
                    })
                    .collect();
                svg.polygon(&pts, &st);
                pts.iter()
                    .copied()
                    .fold((f64::INFINITY, f64::INFINITY), |m, p| {
                        if p.1 < m.1 { p } else { m }
                    })
            }
            GateShape::Quadrant { x, y } => {
                let dash = st.clone().with_dash(&[4.0, 3.0]);
                if let Some(x) = x {
                    svg.line(px(*x), MT, px(*x), MT + ph, &dash);
                }
                if let Some(y) = y {
                    svg.line(ML, py(*y), ML + pw, py(*y), &dash);
                }
                (ML + pw - 4.0, MT + 12.0)
            }
        };
        let text = match g.percent.and_then(super::format_value) {
            Some(p) => format!("{} {p} %", g.label),
            None => g.label.clone(),
        };
        let tw = crate::svg::text_width(&text, 10.0, true);
        let lx = label_at.0.min(ML + pw - tw - 2.0).max(ML + 2.0);
        let ly = (label_at.1 - 5.0).max(MT + 10.0);
        svg.text(lx, ly, &text, &TextStyle::new(10.0).bold().color(col));
    }
    frame(&mut svg, &fig.title, &fig.x, Some(&fig.y), w, h);
    svg.finish()
}

/// A histogram of one channel with a threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct CytoHistogramFigure {
    /// Title; empty for none.
    pub title: String,
    /// x axis (display units).
    pub x: CytoAxis,
    /// Series: label and values (display units).
    pub series: Vec<(String, Vec<f64>)>,
    /// Bins over the axis range.
    pub bins: usize,
    /// Threshold position (display units) and its label.
    pub threshold: Option<(f64, String)>,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

/// Renders the histogram.
pub fn render_histogram(fig: &CytoHistogramFigure) -> String {
    let (w, h) = (fig.width, fig.height);
    let (pw, ph) = (w - ML - MR, h - MT - MB);
    let mut svg = Svg::new(w, h);
    svg.set_title(if fig.title.is_empty() {
        "histogram"
    } else {
        &fig.title
    });
    let bins = fig.bins.clamp(8, 512);
    for (k, (label, values)) in fig.series.iter().enumerate() {
        let mut counts = vec![0u32; bins];
        for &v in values.iter().filter(|v| v.is_finite()) {
            let i = (fig.x.frac(v).clamp(0.0, 1.0 - 1e-12) * bins as f64) as usize;
            counts[i] += 1;
        }
        let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let mut path = PathData::new();
        let bw = pw / bins as f64;
        path.move_to(ML, MT + ph);
        for (i, &c) in counts.iter().enumerate() {
            let y = MT + ph - (c as f64 / max) * ph * 0.95;
            path.line_to(ML + i as f64 * bw, y);
            path.line_to(ML + (i + 1) as f64 * bw, y);
        }
        path.line_to(ML + pw, MT + ph);
        let col = if k == 0 {
            Color::hex(0x0072B2)
        } else {
            Color::GREY
        };
        let style = if k == 0 {
            Style::stroke(col, 1.25)
                .with_fill(col)
                .with_fill_opacity(0.25)
        } else {
            Style::stroke(col, 1.25)
        };
        svg.path(&path, &style);
        svg.text(
            ML + pw - 4.0,
            MT + 12.0 + 13.0 * k as f64,
            label,
            &TextStyle::new(10.0)
                .align(Anchor::End, Baseline::Middle)
                .color(col),
        );
    }
    if let Some((t, label)) = &fig.threshold {
        let f = fig.x.frac(*t);
        if (0.0..=1.0).contains(&f) {
            let x = ML + f * pw;
            svg.line(
                x,
                MT,
                x,
                MT + ph,
                &Style::stroke(Color::hex(0xD55E00), 1.5).with_dash(&[5.0, 3.0]),
            );
            svg.text(
                x + 4.0,
                MT + 12.0,
                label,
                &TextStyle::new(10.0).bold().color(Color::hex(0xD55E00)),
            );
        }
    }
    let y = CytoAxis {
        title: "% of mode".into(),
        lo: 0.0,
        hi: 100.0 / 0.95,
        ticks: [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|v| (*v, format!("{v}")))
            .collect(),
    };
    frame(&mut svg, &fig.title, &fig.x, Some(&y), w, h);
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis() -> CytoAxis {
        CytoAxis {
            title: "CD11b (logicle)".into(),
            lo: 0.0,
            hi: 1.0,
            ticks: vec![(0.2, "0".into()), (0.6, "10³".into())],
        }
    }

    #[test]
    fn plots_are_deterministic_and_finite() {
        let pts: Vec<(f64, f64)> = (0..2000)
            .map(|i| ((i % 97) as f64 / 97.0, (i % 89) as f64 / 89.0))
            .chain([(f64::NAN, 0.5), (2.0, -1.0)])
            .collect();
        let fig = CytoPlotFigure {
            title: "MV4-11 + revumenib".into(),
            x: axis(),
            y: axis(),
            points: pts,
            mode: PlotMode::Density(64),
            gates: vec![
                GateOverlay {
                    label: "P1".into(),
                    shape: GateShape::Polygon(vec![(0.1, 0.1), (0.8, 0.2), (0.5, 0.9)]),
                    percent: Some(41.234),
                },
                GateOverlay {
                    label: "E".into(),
                    shape: GateShape::Ellipse {
                        mean: (0.5, 0.5),
                        covariance: [0.01, 0.004, 0.004, 0.02],
                        distance_square: 1.0,
                    },
                    percent: None,
                },
                GateOverlay {
                    label: "R".into(),
                    shape: GateShape::Rectangle {
                        x0: Some(0.6),
                        x1: None,
                        y0: None,
                        y1: Some(0.3),
                    },
                    percent: Some(3.0),
                },
                GateOverlay {
                    label: "Q".into(),
                    shape: GateShape::Quadrant {
                        x: Some(0.4),
                        y: Some(0.4),
                    },
                    percent: None,
                },
            ],
            width: 420.0,
            height: 380.0,
        };
        let a = render_plot(&fig);
        assert_eq!(a, render_plot(&fig));
        assert!(a.contains("<svg") && a.contains("P1 41.23 %") && a.contains("10³"));
        assert!(!a.contains("NaN") && !a.contains("inf"));
        let dots = render_plot(&CytoPlotFigure {
            mode: PlotMode::Dots(500),
            ..fig
        });
        assert!(dots.matches("<circle").count() <= 501);
        let hist = CytoHistogramFigure {
            title: "CD11b".into(),
            x: axis(),
            series: vec![
                ("treated".into(), vec![0.3, 0.7, 0.71, f64::INFINITY]),
                ("vehicle".into(), vec![0.3, 0.31]),
            ],
            bins: 64,
            threshold: Some((0.5, "CD11b⁺ 66.7 %".into())),
            width: 420.0,
            height: 300.0,
        };
        let h = render_histogram(&hist);
        assert!(h.contains("CD11b⁺ 66.7 %") && !h.contains("NaN"));
        assert_eq!(h, render_histogram(&hist));
    }
}
