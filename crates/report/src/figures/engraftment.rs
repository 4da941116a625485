//! PDX engraftment curves: % hCD45⁺ over days per group, mean ± SEM, on a
//! linear or log10 y axis, optionally with one thin line per mouse and a
//! dashed engraftment-threshold line.
//!
//! Groups are coloured by [`crate::palette::series_color`] and marked with
//! [`super::MarkerShape::for_series`], so they stay apart in greyscale. On a
//! log axis values ≤ 0 cannot be placed: points and mouse lines skip them
//! (lines break there) and error bars reaching below the axis are cut at its
//! lower end. Non-finite values are skipped; nothing non-finite is written.

use serde::{Deserialize, Serialize};

use super::MarkerShape;
use super::format_value;
use crate::axis::{Axis, Scale};
use crate::palette::series_color;
use crate::svg::{Anchor, Baseline, Color, Group, Style, Svg, TextStyle};

/// The group mean at one day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngraftmentPoint {
    /// Day.
    pub day: f64,
    /// Mean % hCD45.
    pub mean: Option<f64>,
    /// SEM (error bar half-width).
    pub sem: Option<f64>,
    /// Mice.
    pub n: usize,
}

/// One group's curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngraftmentGroup {
    /// Group name (legend).
    pub name: String,
    /// Means by day (any order; drawn sorted by day).
    pub points: Vec<EngraftmentPoint>,
    /// Per-mouse series `(day, %)`, drawn with [`EngraftmentFigure::show_mice`].
    pub mice: Vec<Vec<(f64, f64)>>,
}

/// Input of the engraftment figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngraftmentFigure {
    /// Title; empty for none.
    pub title: String,
    /// x-axis title.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Groups, in legend order.
    pub groups: Vec<EngraftmentGroup>,
    /// log10 y axis (default false).
    pub log_y: bool,
    /// Draw the per-mouse lines (default true).
    pub show_mice: bool,
    /// Engraftment threshold in % (dashed line); `None` for none.
    pub threshold: Option<f64>,
    /// Width in px (default 560).
    pub width: f64,
    /// Height in px (default 380).
    pub height: f64,
}

impl Default for EngraftmentFigure {
    fn default() -> Self {
        EngraftmentFigure {
            title: String::new(),
            x_label: "Day".into(),
            y_label: "% hCD45⁺ of CD45⁺".into(),
            groups: Vec::new(),
            log_y: false,
            show_mice: true,
            threshold: None,
            width: 560.0,
            height: 380.0,
        }
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl EngraftmentFigure {
    /// Every y value that the figure would place (means ± SEM, mice, threshold).
    fn y_values(&self) -> Vec<f64> {
        let mut v = Vec::new();
        for g in &self.groups {
            for p in &g.points {
                if let Some(m) = p.mean.and_then(finite) {
                    v.push(m);
                    if let Some(s) = p.sem.and_then(finite) {
                        v.push(m + s);
                        v.push(m - s);
                    }
                }
            }
            if self.show_mice {
                v.extend(g.mice.iter().flatten().filter_map(|p| finite(p.1)));
            }
        }
        if let Some(t) = self.threshold.and_then(finite) {
            v.push(t);
        }
        if self.log_y {
            v.retain(|&x| x > 0.0);
        }
        v
    }

    fn x_values(&self) -> Vec<f64> {
        let mut v = Vec::new();
        for g in &self.groups {
            v.extend(g.points.iter().filter_map(|p| finite(p.day)));
            if self.show_mice {
                v.extend(g.mice.iter().flatten().filter_map(|p| finite(p.0)));
            }
        }
        v
    }

    /// Renders the SVG document.
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 300.0 {
            self.width
        } else {
            560.0
        };
        let h = if self.height.is_finite() && self.height >= 200.0 {
            self.height
        } else {
            380.0
        };
        let xs = self.x_values();
        let ys = self.y_values();
        let lo = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let xaxis = if xs.is_empty() {
            Axis::linear(0.0, 1.0)
        } else {
            Axis::linear(lo(&xs).min(0.0), hi(&xs))
        };
        let yaxis = if self.log_y {
            Axis::log10(lo(&ys), hi(&ys))
        } else if ys.is_empty() {
            Axis::linear(0.0, 1.0)
        } else {
            Axis::linear(lo(&ys).min(0.0), hi(&ys))
        };
        // Legend column on the right.
        let legend_w = self
            .groups
            .iter()
            .map(|g| crate::svg::text_width(&g.name, 11.0, false))
            .map(|w| w + 24.0)
            .chain([
                crate::svg::text_width("mean ± SEM; log scale", 9.5, false),
                crate::svg::text_width("dashed: threshold", 9.5, false),
            ])
            .fold(0.0, f64::max)
            .min(180.0)
            + 8.0;
        let top = if self.title.is_empty() { 16.0 } else { 36.0 };
        let (left, right, bottom) = (62.0, 16.0 + legend_w, 50.0);
        let (pw, ph) = (w - left - right, h - top - bottom);
        let sx = |v: f64| xaxis.fraction(v).map(|f| left + pw * f);
        let y_frac = |v: f64| yaxis.fraction(v).map(|f| f.clamp(-0.02, 1.02));
        let sy = |v: f64| y_frac(v).map(|f| top + ph * (1.0 - f));
        let y_bottom = top + ph;
        let mut svg = Svg::new(w, h);
        svg.set_title(if self.title.is_empty() {
            "Engraftment over time"
        } else {
            &self.title
        });
        if !self.title.is_empty() {
            let (t, size) = super::layout::fit_text(&self.title, 13.5, true, w - 20.0);
            svg.text(
                w / 2.0,
                18.0,
                &t,
                &TextStyle::new(size)
                    .bold()
                    .align(Anchor::Middle, Baseline::Middle),
            );
        }
        // Axes.
        svg.begin_group(&Group::class("axes"));
        let frame = Style::stroke(Color::GREY, 1.0);
        svg.rect(left, top, pw, ph, &frame.clone().with_fill(Color::WHITE));
        let tick_style = TextStyle::new(11.0);
        for t in &xaxis.ticks {
            if let Some(x) = sx(t.value) {
                svg.line(x, y_bottom, x, y_bottom + 4.0, &frame);
                if let Some(l) = &t.label {
                    svg.text(
                        x,
                        y_bottom + 7.0,
                        l,
                        &tick_style.clone().align(Anchor::Middle, Baseline::Hanging),
                    );
                }
            }
        }
        for t in &yaxis.ticks {
            if let Some(y) = sy(t.value) {
                let len = if t.major { 4.0 } else { 2.0 };
                svg.line(left - len, y, left, y, &frame);
                if let Some(l) = &t.label {
                    svg.text(
                        left - 7.0,
                        y,
                        l,
                        &tick_style.clone().align(Anchor::End, Baseline::Middle),
                    );
                }
            }
        }
        svg.text(
            left + pw / 2.0,
            y_bottom + 28.0,
            &self.x_label,
            &TextStyle::new(12.0).align(Anchor::Middle, Baseline::Hanging),
        );
        svg.text(
            16.0,
            top + ph / 2.0,
            &self.y_label,
            &TextStyle::new(12.0)
                .align(Anchor::Middle, Baseline::Middle)
                .rotated(-90.0),
        );
        svg.end_group();
        let clip = svg.clip_rect(left, top, pw, ph);
        // Threshold.
        if let Some(t) = self.threshold.and_then(finite)
            && let Some(y) = sy(t)
        {
            svg.begin_group(&Group::class("threshold"));
            svg.tooltip(&format!(
                "threshold {} %",
                format_value(t).unwrap_or_default()
            ));
            svg.line(
                left,
                y,
                left + pw,
                y,
                &Style::stroke(Color::GREY, 1.0).with_dash(&[5.0, 3.0]),
            );
            svg.end_group();
        }
        // Mouse lines.
        if self.show_mice {
            svg.begin_group(&Group::class("mice").clipped(&clip));
            for (gi, g) in self.groups.iter().enumerate() {
                let c = series_color(gi);
                for m in &g.mice {
                    let mut pts: Vec<(f64, f64)> =
                        m.iter().filter(|p| p.0.is_finite()).copied().collect();
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let px: Vec<(f64, f64)> = pts
                        .iter()
                        .map(|&(d, v)| match (sx(d), sy(v)) {
                            (Some(x), Some(y)) => (x, y),
                            _ => (f64::NAN, f64::NAN),
                        })
                        .collect();
                    svg.polyline(
                        &px,
                        &Style::stroke(c, 0.8).with_stroke_opacity(0.35).rounded(),
                    );
                }
            }
            svg.end_group();
        }
        // Group means ± SEM.
        svg.begin_group(&Group::class("groups"));
        for (gi, g) in self.groups.iter().enumerate() {
            let c = series_color(gi);
            let shape = MarkerShape::for_series(gi);
            let mut pts: Vec<&EngraftmentPoint> = g
                .points
                .iter()
                .filter(|p| p.day.is_finite() && p.mean.is_some_and(f64::is_finite))
                .collect();
            pts.sort_by(|a, b| a.day.total_cmp(&b.day));
            let line: Vec<(f64, f64)> = pts
                .iter()
                .map(|p| match (sx(p.day), p.mean.and_then(sy)) {
                    (Some(x), Some(y)) => (x, y),
                    _ => (f64::NAN, f64::NAN),
                })
                .collect();
            svg.polyline(&line, &Style::stroke(c, 2.0).rounded());
            for p in pts {
                let (Some(x), Some(m)) = (sx(p.day), p.mean) else {
                    continue;
                };
                if let Some(s) = p.sem.filter(|s| s.is_finite() && *s > 0.0) {
                    let y_hi = sy(m + s);
                    let y_lo = sy(m - s).or(if self.log_y { Some(y_bottom) } else { None });
                    if let (Some(a), Some(b)) = (y_lo, y_hi) {
                        let st = Style::stroke(c, 1.2);
                        svg.line(x, a, x, b, &st);
                        svg.line(x - 3.0, a, x + 3.0, a, &st);
                        svg.line(x - 3.0, b, x + 3.0, b, &st);
                    }
                }
                if let Some(y) = sy(m) {
                    svg.tooltip(&format!(
                        "{}, day {}: {} %{} (n = {})",
                        g.name,
                        format_value(p.day).unwrap_or_default(),
                        format_value(m).unwrap_or_default(),
                        p.sem
                            .and_then(format_value)
                            .map(|s| format!(" ± {s}"))
                            .unwrap_or_default(),
                        p.n
                    ));
                    shape.draw(&mut svg, x, y, 4.0, c);
                }
            }
        }
        svg.end_group();
        // Legend.
        svg.begin_group(&Group::class("legend"));
        let lx = left + pw + 14.0;
        let mut ly = top + 8.0;
        for (gi, g) in self.groups.iter().enumerate() {
            let c = series_color(gi);
            svg.line(lx, ly, lx + 18.0, ly, &Style::stroke(c, 2.0));
            MarkerShape::for_series(gi).draw(&mut svg, lx + 9.0, ly, 3.5, c);
            let (name, size) = super::layout::fit_text(&g.name, 11.0, false, legend_w - 26.0);
            svg.text(
                lx + 24.0,
                ly,
                &name,
                &TextStyle::new(size).align(Anchor::Start, Baseline::Middle),
            );
            ly += 18.0;
        }
        let note = if yaxis.scale == Scale::Log10 {
            "mean ± SEM; log scale"
        } else {
            "mean ± SEM"
        };
        svg.text(
            lx,
            ly + 4.0,
            note,
            &TextStyle::new(9.5)
                .align(Anchor::Start, Baseline::Middle)
                .color(Color::GREY),
        );
        if self.threshold.is_some_and(f64::is_finite) {
            svg.text(
                lx,
                ly + 18.0,
                "dashed: threshold",
                &TextStyle::new(9.5)
                    .align(Anchor::Start, Baseline::Middle)
                    .color(Color::GREY),
            );
        }
        svg.end_group();
        svg.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig() -> EngraftmentFigure {
        let g = |name: &str, k: f64| EngraftmentGroup {
            name: name.into(),
            points: (0..5)
                .map(|i| EngraftmentPoint {
                    day: 7.0 * i as f64,
                    mean: Some(k * (i as f64 * 1.5).exp() * 0.05),
                    sem: Some(k * 0.02 * (i + 1) as f64),
                    n: 5,
                })
                .collect(),
            mice: (0..3)
                .map(|m| {
                    (0..5)
                        .map(|i| (7.0 * i as f64, k * (m as f64 + 0.5) * i as f64))
                        .collect()
                })
                .collect(),
        };
        EngraftmentFigure {
            title: "PDX engraftment (blood)".into(),
            groups: vec![g("vehicle", 1.0), g("MI-503", 0.1)],
            threshold: Some(1.0),
            ..EngraftmentFigure::default()
        }
    }

    #[test]
    fn linear_and_log_are_deterministic_without_nan() {
        for log_y in [false, true] {
            let f = EngraftmentFigure { log_y, ..fig() };
            let svg = f.to_svg();
            assert!(svg.starts_with("<svg"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "log {log_y}");
            assert!(svg.contains("stroke-dasharray"), "threshold line");
            assert!(svg.contains("class=\"mice\""));
            assert!(svg.contains("vehicle") && svg.contains("MI-503"));
            assert_eq!(f.to_svg(), svg, "deterministic");
        }
    }

    #[test]
    fn options_and_degenerate_input() {
        let f = EngraftmentFigure {
            show_mice: false,
            threshold: None,
            ..fig()
        };
        let svg = f.to_svg();
        assert!(!svg.contains("class=\"mice\""));
        assert!(!svg.contains("threshold"));
        // Empty and non-finite input still gives a valid document.
        let mut e = EngraftmentFigure {
            log_y: true,
            ..EngraftmentFigure::default()
        };
        assert!(e.to_svg().starts_with("<svg"));
        e.groups.push(EngraftmentGroup {
            name: "x".into(),
            points: vec![
                EngraftmentPoint {
                    day: f64::NAN,
                    mean: Some(1.0),
                    sem: None,
                    n: 1,
                },
                EngraftmentPoint {
                    day: 1.0,
                    mean: Some(0.0),
                    sem: Some(f64::INFINITY),
                    n: 1,
                },
            ],
            mice: vec![vec![(0.0, -1.0), (1.0, f64::NAN)]],
        });
        let s = e.to_svg();
        assert!(!s.contains("NaN") && !s.contains("inf"));
        e.log_y = false;
        let s = e.to_svg();
        assert!(!s.contains("NaN") && !s.contains("inf"));
    }
}
