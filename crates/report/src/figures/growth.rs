//! Tumour growth curves: group mean ± SEM over days (error bars, one colour
//! and marker per group) and per-mouse "spaghetti" lines coloured by group,
//! on a linear or log10 volume axis.
//!
//! Input is plain data ([`GrowthFigure`]); the CLI fills it from
//! `preclin_invivo` results. Non-finite values, and values ≤ 0 on a log axis,
//! are skipped; the output is deterministic.

use serde::{Deserialize, Serialize};

use super::MarkerShape;
use crate::axis::{Axis, Scale, format_linear_label};
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, Group, Style, Svg, TextStyle, line_height,
};

/// Mean ± SEM of one group over days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrowthGroup {
    /// Group (legend entry).
    pub name: String,
    /// Days.
    pub days: Vec<f64>,
    /// Mean volume per day.
    pub mean: Vec<f64>,
    /// SEM per day (`None`: no error bar).
    pub sem: Vec<Option<f64>>,
}

/// One mouse's series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrowthMouse {
    /// Index of its group in [`GrowthFigure::groups`] (its colour).
    pub group: usize,
    /// Mouse label (tooltip).
    pub label: String,
    /// Days.
    pub days: Vec<f64>,
    /// Volumes.
    pub volumes: Vec<f64>,
}

/// A growth-curve figure. With `mice` empty it shows the group means ± SEM;
/// otherwise one thin line per mouse (coloured by group) under the means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrowthFigure {
    /// Title.
    pub title: String,
    /// x-axis title.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Log10 volume axis.
    pub log_y: bool,
    /// Groups (legend order; colour = index).
    pub groups: Vec<GrowthGroup>,
    /// Per-mouse lines (spaghetti plot).
    pub mice: Vec<GrowthMouse>,
    /// Draw the group means over the mouse lines.
    pub show_means: bool,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

impl Default for GrowthFigure {
    fn default() -> Self {
        GrowthFigure {
            title: String::new(),
            x_label: "Day".into(),
            y_label: "Tumour volume (mm³)".into(),
            log_y: false,
            groups: Vec::new(),
            mice: Vec::new(),
            show_means: true,
            width: 560.0,
            height: 380.0,
        }
    }
}

const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_FONT: f64 = 12.0;

fn decimals_of(label: &str) -> usize {
    label.split_once('.').map_or(0, |(_, f)| f.len())
}

impl GrowthFigure {
    fn ok_y(&self, v: f64) -> bool {
        v.is_finite() && (!self.log_y || v > 0.0)
    }

    fn axes(&self) -> (Axis, Axis) {
        let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut add = |d: f64, v: f64| {
            if d.is_finite() && self.ok_y(v) {
                x0 = x0.min(d);
                x1 = x1.max(d);
                y0 = y0.min(v);
                y1 = y1.max(v);
            }
        };
        for g in &self.groups {
            for (i, (&d, &m)) in g.days.iter().zip(&g.mean).enumerate() {
                add(d, m);
                if let Some(Some(s)) = g.sem.get(i) {
                    add(d, m + s);
                    if !self.log_y || m - s > 0.0 {
                        add(d, m - s);
                    }
                }
            }
        }
        for m in &self.mice {
            for (&d, &v) in m.days.iter().zip(&m.volumes) {
                add(d, v);
            }
        }
        let x = Axis::linear(x0, x1).with_title(&self.x_label);
        let y = if self.log_y {
            Axis::log10(y0, y1)
        } else {
            Axis::linear(y0.min(0.0), y1)
        }
        .with_title(&self.y_label);
        (x, y)
    }

    /// Renders the figure (deterministic SVG).
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 200.0 {
            self.width.min(10_000.0)
        } else {
            560.0
        };
        let h = if self.height.is_finite() && self.height >= 150.0 {
            self.height.min(10_000.0)
        } else {
            380.0
        };
        let (xa, ya) = self.axes();
        let tick = TextStyle::new(TICK_FONT);
        let label_of = |a: &Axis, v: f64, l: &str| match a.scale {
            Scale::Linear => format_linear_label(v, decimals_of(l)),
            Scale::Log10 => l.to_string(),
        };
        let label_w = ya
            .labelled_ticks()
            .map(|(t, l)| tick.width(&label_of(&ya, t.value, l)))
            .fold(0.0, f64::max);
        let left = (PAD + line_height(AXIS_FONT) + 6.0 + label_w + 8.0).round() + 0.5;
        let right = w - PAD - 6.0;
        let mut top = PAD;
        let mut svg = Svg::new(w, h);
        svg.set_title(self.title.trim());
        let names: Vec<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        svg.set_description(&format!(
            "Tumour growth curves{}{}. Groups: {}.",
            if self.mice.is_empty() {
                ", mean ± SEM per group"
            } else {
                ", one line per mouse"
            },
            if self.log_y {
                " (log10 volume axis)"
            } else {
                ""
            },
            names.join(", ")
        ));
        svg.rect(0.0, 0.0, w, h, &Style::fill(Color::WHITE));
        top = super::layout::draw_title(&mut svg, &self.title, w, top);
        let names: Vec<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        top = super::layout::draw_legend(
            &mut svg,
            &names,
            super::layout::Swatch::LineMarker,
            (left, right),
            top,
        );
        let plot_top = (top + CAP_HEIGHT_EM * TICK_FONT / 2.0 + 4.0).round() + 0.5;
        let plot_bottom = (h - PAD - line_height(AXIS_FONT) - line_height(TICK_FONT) - 10.0)
            .max(plot_top + 40.0)
            .round()
            + 0.5;
        let xpx = |v: f64| xa.fraction(v).map(|f| left + f * (right - left));
        let ypx = |v: f64| {
            ya.fraction(v)
                .map(|f| plot_bottom - f * (plot_bottom - plot_top))
        };
        let axis_style = Style::stroke(Color::BLACK, 1.0);
        svg.begin_group(&Group::class("axes"));
        svg.line(left, plot_top, left, plot_bottom, &axis_style);
        svg.line(left, plot_bottom, right, plot_bottom, &axis_style);
        for t in &ya.ticks {
            let Some(y) = ypx(t.value) else { continue };
            svg.line(
                left - if t.major { 5.0 } else { 3.0 },
                y,
                left,
                y,
                &axis_style,
            );
            if let Some(l) = &t.label {
                svg.text(
                    left - 8.0,
                    y,
                    &label_of(&ya, t.value, l),
                    &tick.clone().align(Anchor::End, Baseline::Middle),
                );
            }
        }
        for t in &xa.ticks {
            let Some(x) = xpx(t.value) else { continue };
            svg.line(x, plot_bottom, x, plot_bottom + 5.0, &axis_style);
            if let Some(l) = &t.label {
                svg.text(
                    x,
                    plot_bottom + 7.0,
                    &label_of(&xa, t.value, l),
                    &tick.clone().align(Anchor::Middle, Baseline::Hanging),
                );
            }
        }
        svg.text(
            (left + right) / 2.0,
            h - PAD,
            &xa.title,
            &TextStyle::new(AXIS_FONT).align(Anchor::Middle, Baseline::Bottom),
        );
        svg.text(
            PAD,
            (plot_top + plot_bottom) / 2.0,
            &ya.title,
            &TextStyle::new(AXIS_FONT)
                .align(Anchor::Middle, Baseline::Hanging)
                .rotated(-90.0),
        );
        svg.end_group();
        let pt = |d: f64, v: f64| -> Option<(f64, f64)> {
            if !self.ok_y(v) {
                return None;
            }
            Some((xpx(d)?, ypx(v)?))
        };
        if !self.mice.is_empty() {
            svg.begin_group(&Group::class("mice"));
            for m in &self.mice {
                let pts: Vec<(f64, f64)> = m
                    .days
                    .iter()
                    .zip(&m.volumes)
                    .filter_map(|(&d, &v)| pt(d, v))
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let c = series_color(m.group);
                if !m.label.is_empty() {
                    svg.tooltip(&m.label);
                }
                if pts.len() == 1 {
                    svg.circle(pts[0].0, pts[0].1, 1.8, &Style::fill(c));
                } else {
                    svg.polyline(
                        &pts,
                        &Style::stroke(c, 1.0).with_stroke_opacity(0.6).rounded(),
                    );
                }
            }
            svg.end_group();
        }
        if self.mice.is_empty() || self.show_means {
            svg.begin_group(&Group::class("means"));
            for (i, g) in self.groups.iter().enumerate() {
                let c = series_color(i);
                let pts: Vec<(f64, f64)> = g
                    .days
                    .iter()
                    .zip(&g.mean)
                    .filter_map(|(&d, &v)| pt(d, v))
                    .collect();
                let width = if self.mice.is_empty() { 1.6 } else { 2.6 };
                svg.polyline(&pts, &Style::stroke(c, width).rounded());
                if self.mice.is_empty() {
                    for (j, (&d, &m)) in g.days.iter().zip(&g.mean).enumerate() {
                        let Some((x, y)) = pt(d, m) else { continue };
                        if let Some(Some(s)) = g.sem.get(j) {
                            let lo = if self.ok_y(m - s) { ypx(m - s) } else { None };
                            let hi = ypx(m + s);
                            if let (Some(lo), Some(hi)) = (lo.or(Some(plot_bottom)), hi) {
                                let st = Style::stroke(c, 1.1);
                                svg.line(x, lo, x, hi, &st);
                                svg.line(x - 3.0, hi, x + 3.0, hi, &st);
                                svg.line(x - 3.0, lo, x + 3.0, lo, &st);
                            }
                        }
                        MarkerShape::for_series(i).draw(&mut svg, x, y, 3.2, c);
                    }
                }
            }
            svg.end_group();
        }
        svg.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(log_y: bool, spaghetti: bool) -> GrowthFigure {
        GrowthFigure {
            title: "LS_1034".into(),
            log_y,
            groups: vec![
                GrowthGroup {
                    name: "Vehicle".into(),
                    days: vec![0.0, 3.0, 10.0, 17.0],
                    mean: vec![304.0, 526.0, 1159.0, 1935.7],
                    sem: vec![Some(62.0), Some(140.0), Some(230.0), Some(420.0)],
                },
                GrowthGroup {
                    name: "Irinotecan".into(),
                    days: vec![0.0, 3.0, 10.0, 17.0],
                    mean: vec![300.0, 250.0, 0.0, f64::NAN],
                    sem: vec![Some(40.0), Some(300.0), None, None],
                },
            ],
            mice: if spaghetti {
                vec![GrowthMouse {
                    group: 1,
                    label: "m1".into(),
                    days: vec![0.0, 3.0, 10.0],
                    volumes: vec![300.0, 0.0, 12.0],
                }]
            } else {
                vec![]
            },
            ..GrowthFigure::default()
        }
    }

    #[test]
    fn deterministic_finite_and_valid() {
        for log_y in [false, true] {
            for sp in [false, true] {
                let s = fig(log_y, sp).to_svg();
                assert_eq!(s, fig(log_y, sp).to_svg());
                assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
                roxmltree::Document::parse(&s).unwrap();
                assert!(s.contains("Irinotecan"));
            }
        }
        roxmltree::Document::parse(&GrowthFigure::default().to_svg()).unwrap();
    }
}
