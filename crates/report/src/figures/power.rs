//! Power curves of a simulated design: estimated power (y, 0–1) against
//! the group size (x), one line and marker per arm with ±1.96 Monte-Carlo
//! SE bars (normal approximation to the binomial, Morris, White & Crowther
//! 2019, Stat Med 38:2074), a dashed line at the target power and a dotted
//! line at α.
//!
//! Input is plain data ([`PowerFigure`]); `preclin plan` fills it from
//! `preclin_study::plan`. Non-finite values are skipped; the output is
//! deterministic.

use serde::{Deserialize, Serialize};

use super::MarkerShape;
use crate::axis::{Axis, format_linear_label};
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, Group, Style, Svg, TextStyle, line_height,
};

/// One arm's power curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PowerSeries {
    /// Arm (legend entry).
    pub name: String,
    /// Group sizes.
    pub n: Vec<f64>,
    /// Estimated power at each size (0–1).
    pub power: Vec<f64>,
    /// Monte-Carlo SE of each estimate.
    pub se: Vec<f64>,
}

/// A power-curve figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PowerFigure {
    /// Title.
    pub title: String,
    /// x-axis title.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Curves (legend order; colour = index).
    pub series: Vec<PowerSeries>,
    /// Target power (dashed line), e.g. 0.8.
    pub target: Option<f64>,
    /// Significance level (dotted line), e.g. 0.05.
    pub alpha: Option<f64>,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

impl Default for PowerFigure {
    fn default() -> Self {
        PowerFigure {
            title: String::new(),
            x_label: "Mice per group".into(),
            y_label: "Power".into(),
            series: Vec::new(),
            target: None,
            alpha: None,
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

impl PowerFigure {
    fn x_axis(&self) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for s in &self.series {
            for &n in s.n.iter().filter(|v| v.is_finite()) {
                lo = lo.min(n);
                hi = hi.max(n);
            }
        }
        if !(lo.is_finite() && hi.is_finite()) {
            (lo, hi) = (0.0, 1.0);
        }
        if hi <= lo {
            hi = lo + 1.0;
        }
        Axis::linear(lo, hi).with_title(&self.x_label)
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
        let xa = self.x_axis();
        let ya = Axis::linear(0.0, 1.0).with_title(&self.y_label);
        let tick = TextStyle::new(TICK_FONT);
        let label_w = ya
            .labelled_ticks()
            .map(|(t, l)| tick.width(&format_linear_label(t.value, decimals_of(l))))
            .fold(0.0, f64::max);
        let left = (PAD + line_height(AXIS_FONT) + 6.0 + label_w + 8.0).round() + 0.5;
        let right = w - PAD - 6.0;
        let mut svg = Svg::new(w, h);
        svg.set_title(self.title.trim());
        let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        svg.set_description(&format!(
            "Power by simulation against group size, ±1.96 Monte-Carlo SE. Arms: {}.",
            names.join(", ")
        ));
        svg.rect(0.0, 0.0, w, h, &Style::fill(Color::WHITE));
        let mut top = super::layout::draw_title(&mut svg, &self.title, w, PAD);
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
            ya.fraction(v.clamp(0.0, 1.0))
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
                    &format_linear_label(t.value, decimals_of(l)),
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
                    &format_linear_label(t.value, decimals_of(l)),
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
        svg.begin_group(&Group::class("reference"));
        let grey = Color::GREY;
        for (v, dash, name) in [
            (self.target, [6.0, 4.0], "target"),
            (self.alpha, [2.0, 3.0], "α"),
        ] {
            let Some(y) = v
                .filter(|v| v.is_finite() && (0.0..=1.0).contains(v))
                .and_then(ypx)
            else {
                continue;
            };
            svg.line(
                left,
                y,
                right,
                y,
                &Style::stroke(grey, 1.0).with_dash(&dash),
            );
            svg.text(
                right - 2.0,
                y - 2.0,
                &format!("{name} {}", format_linear_label(v.unwrap_or(0.0), 2)),
                &TextStyle::new(TICK_FONT - 1.0)
                    .color(grey)
                    .align(Anchor::End, Baseline::Bottom),
            );
        }
        svg.end_group();
        svg.begin_group(&Group::class("curves"));
        for (i, s) in self.series.iter().enumerate() {
            let c = series_color(i);
            let pts: Vec<(f64, f64, f64)> =
                s.n.iter()
                    .zip(&s.power)
                    .enumerate()
                    .filter(|(_, (n, p))| n.is_finite() && p.is_finite())
                    .map(|(j, (&n, &p))| (n, p, s.se.get(j).copied().unwrap_or(0.0)))
                    .collect();
            let line: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|&(n, p, _)| Some((xpx(n)?, ypx(p)?)))
                .collect();
            svg.polyline(&line, &Style::stroke(c, 1.6).rounded());
            for &(n, p, se) in &pts {
                let (Some(x), Some(y)) = (xpx(n), ypx(p)) else {
                    continue;
                };
                if se.is_finite() && se > 0.0 {
                    if let (Some(lo), Some(hi)) = (ypx(p - 1.96 * se), ypx(p + 1.96 * se)) {
                        let st = Style::stroke(c, 1.1);
                        svg.line(x, lo, x, hi, &st);
                        svg.line(x - 3.0, hi, x + 3.0, hi, &st);
                        svg.line(x - 3.0, lo, x + 3.0, lo, &st);
                    }
                }
                MarkerShape::for_series(i).draw(&mut svg, x, y, 3.2, c);
            }
        }
        svg.end_group();
        svg.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig() -> PowerFigure {
        PowerFigure {
            title: "Xenograft power".into(),
            series: vec![
                PowerSeries {
                    name: "1 mg/kg bid".into(),
                    n: vec![3.0, 5.0, 8.0],
                    power: vec![0.4, 0.7, 0.92],
                    se: vec![0.035, 0.032, 0.019],
                },
                PowerSeries {
                    name: "0 mg/kg".into(),
                    n: vec![3.0, 5.0, 8.0],
                    power: vec![0.05, f64::NAN, 0.06],
                    se: vec![0.015, 0.0, f64::INFINITY],
                },
            ],
            target: Some(0.8),
            alpha: Some(0.05),
            ..PowerFigure::default()
        }
    }

    #[test]
    fn deterministic_finite_and_valid() {
        let s = fig().to_svg();
        assert_eq!(s, fig().to_svg());
        assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
        roxmltree::Document::parse(&s).unwrap();
        assert!(s.contains("1 mg/kg bid") && s.contains("target 0.8"));
        // Two curves (paths) in the curves group, each with its markers.
        let curves = s.split("class=\"curves\"").nth(1).unwrap();
        assert_eq!(curves.matches("<path").count(), 2);
        roxmltree::Document::parse(&PowerFigure::default().to_svg()).unwrap();
    }
}
