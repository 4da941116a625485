//! Waterfall plot of best response: one bar per mouse (sorted from the
//! largest growth to the deepest shrinkage), coloured by group, with dashed
//! threshold lines (by default the mRECIST best-response cut-offs +35 %,
//! −50 % and −95 % of Gao et al. 2015; RECIST-like +20 / −30 may be set).
//!
//! Input is plain data ([`WaterfallFigure`]); bars keep the given order.
//! Non-finite values are skipped; the output is deterministic.

use serde::{Deserialize, Serialize};

use super::format_value;
use crate::axis::{Axis, format_linear_label};
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, Group, Style, Svg, TextStyle, line_height,
};

/// One bar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaterfallBar {
    /// Mouse label (tooltip).
    pub label: String,
    /// Index of its group in [`WaterfallFigure::groups`] (colour).
    pub group: usize,
    /// Best response (%).
    pub value: f64,
}

/// A waterfall figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaterfallFigure {
    /// Title.
    pub title: String,
    /// y-axis title.
    pub y_label: String,
    /// Group names (legend; colour = index).
    pub groups: Vec<String>,
    /// Bars in drawing order.
    pub bars: Vec<WaterfallBar>,
    /// Dashed threshold lines (%).
    pub thresholds: Vec<f64>,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

impl Default for WaterfallFigure {
    fn default() -> Self {
        WaterfallFigure {
            title: String::new(),
            y_label: "Best response (% change from baseline)".into(),
            groups: Vec::new(),
            bars: Vec::new(),
            thresholds: vec![35.0, -50.0, -95.0],
            width: 600.0,
            height: 360.0,
        }
    }
}

const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_FONT: f64 = 12.0;

impl WaterfallFigure {
    /// Renders the figure (deterministic SVG).
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 200.0 {
            self.width.min(10_000.0)
        } else {
            600.0
        };
        let h = if self.height.is_finite() && self.height >= 150.0 {
            self.height.min(10_000.0)
        } else {
            360.0
        };
        let vals = self
            .bars
            .iter()
            .map(|b| b.value)
            .chain(self.thresholds.iter().copied())
            .filter(|v| v.is_finite());
        let (lo, hi) = vals.fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
        let ya = Axis::linear(lo, if hi > lo { hi } else { lo + 1.0 }).with_title(&self.y_label);
        let tick = TextStyle::new(TICK_FONT);
        let dec = |l: &str| l.split_once('.').map_or(0, |(_, f)| f.len());
        let label_w = ya
            .labelled_ticks()
            .map(|(t, l)| tick.width(&format_linear_label(t.value, dec(l))))
            .fold(0.0, f64::max);
        let left = (PAD + line_height(AXIS_FONT) + 6.0 + label_w + 8.0).round() + 0.5;
        let right = w - PAD;
        let mut top = PAD;
        let mut svg = Svg::new(w, h);
        svg.set_title(self.title.trim());
        svg.set_description(&format!(
            "Waterfall plot of best response, {} mice. Groups: {}. Threshold lines at {} %.",
            self.bars.len(),
            self.groups.join(", "),
            self.thresholds
                .iter()
                .filter_map(|t| format_value(*t))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        svg.rect(0.0, 0.0, w, h, &Style::fill(Color::WHITE));
        top = super::layout::draw_title(&mut svg, &self.title, w, top);
        let names: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        top = super::layout::draw_legend(
            &mut svg,
            &names,
            super::layout::Swatch::Box,
            (left, right),
            top,
        );
        let plot_top = (top + CAP_HEIGHT_EM * TICK_FONT / 2.0 + 4.0).round() + 0.5;
        let plot_bottom = (h - PAD - line_height(AXIS_FONT) - 6.0)
            .max(plot_top + 40.0)
            .round()
            + 0.5;
        let ypx = |v: f64| {
            ya.fraction(v)
                .map(|f| plot_bottom - f * (plot_bottom - plot_top))
        };
        let axis_style = Style::stroke(Color::BLACK, 1.0);
        svg.begin_group(&Group::class("axes"));
        svg.line(left, plot_top, left, plot_bottom, &axis_style);
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
                    &format_linear_label(t.value, dec(l)),
                    &tick.clone().align(Anchor::End, Baseline::Middle),
                );
            }
        }
        if let Some(y0) = ypx(0.0) {
            svg.line(left, y0, right, y0, &axis_style);
        }
        svg.text(
            PAD,
            (plot_top + plot_bottom) / 2.0,
            &ya.title,
            &TextStyle::new(AXIS_FONT)
                .align(Anchor::Middle, Baseline::Hanging)
                .rotated(-90.0),
        );
        svg.text(
            (left + right) / 2.0,
            h - PAD,
            "Mice, sorted by best response",
            &TextStyle::new(AXIS_FONT).align(Anchor::Middle, Baseline::Bottom),
        );
        svg.end_group();
        let n = self.bars.len().max(1) as f64;
        let slot = (right - left - 4.0) / n;
        let y0 = ypx(0.0).unwrap_or(plot_bottom);
        svg.begin_group(&Group::class("bars"));
        for (i, b) in self.bars.iter().enumerate() {
            let Some(y) = ypx(b.value) else { continue };
            let x = left + 2.0 + slot * i as f64;
            let tip = format!(
                "{}: {} %",
                b.label,
                format_value(b.value).unwrap_or_default()
            );
            svg.tooltip(&tip);
            svg.rect(
                x + slot * 0.1,
                y.min(y0),
                (slot * 0.8).max(0.5),
                (y - y0).abs().max(0.5),
                &Style::fill(series_color(b.group)),
            );
        }
        svg.end_group();
        svg.begin_group(&Group::class("thresholds"));
        for t in &self.thresholds {
            let Some(y) = ypx(*t) else { continue };
            svg.line(
                left,
                y,
                right,
                y,
                &Style::stroke(Color::GREY, 1.0).with_dash(&[4.0, 3.0]),
            );
            if let Some(l) = format_value(*t) {
                svg.text(
                    right - 2.0,
                    y - 2.0,
                    &format!("{l} %"),
                    &TextStyle::new(9.5)
                        .color(Color::GREY)
                        .align(Anchor::End, Baseline::Alphabetic),
                );
            }
        }
        svg.end_group();
        svg.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig() -> WaterfallFigure {
        WaterfallFigure {
            title: "Best response".into(),
            groups: vec!["Vehicle".into(), "Irinotecan".into()],
            bars: vec![
                WaterfallBar {
                    label: "1_4".into(),
                    group: 0,
                    value: 480.4,
                },
                WaterfallBar {
                    label: "3_21".into(),
                    group: 1,
                    value: -73.9,
                },
                WaterfallBar {
                    label: "bad".into(),
                    group: 1,
                    value: f64::NAN,
                },
            ],
            ..WaterfallFigure::default()
        }
    }

    #[test]
    fn deterministic_finite_and_valid() {
        let s = fig().to_svg();
        assert_eq!(s, fig().to_svg());
        assert!(!s.contains("NaN") && !s.contains("inf"));
        roxmltree::Document::parse(&s).unwrap();
        assert!(s.contains("-50 %") && s.contains("3_21"));
        roxmltree::Document::parse(&WaterfallFigure::default().to_svg()).unwrap();
    }
}
