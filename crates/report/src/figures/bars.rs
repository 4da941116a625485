//! Grouped bar charts with error bars: the shared engine of the fold-change
//! ([`super::fold_change`]) and colony ([`super::cfu`]) figures.
//!
//! Categories (e.g. genes) are clusters along x; each series (e.g. a
//! treatment group) has one bar per category, coloured from the Okabe–Ito
//! palette, with an optional error bar (`lower`–`upper`), individual points
//! (biological replicates, spread deterministically across the bar) and a
//! label above (e.g. significance stars). Bars start at the baseline: 0 on a
//! linear axis, or the reference value on a log₂ axis (so a fold change
//! below 1 points down). A dashed reference line (1 for fold changes,
//! 100 % for percent of control) is optional. A legend is drawn when there
//! is more than one series. Non-finite values are skipped; a missing bar
//! leaves its slot empty.

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
pub struct Bar {
    /// Height of the bar (`None`: no bar).
    pub value: Option<f64>,
    /// Lower end of the error bar.
    pub lower: Option<f64>,
    /// Upper end of the error bar.
    pub upper: Option<f64>,
    /// Individual values drawn as dots over the bar.
    pub points: Vec<f64>,
    /// Text above the bar (e.g. `**`).
    pub label: String,
    /// Tooltip text.
    pub tooltip: String,
}

/// A grouped bar chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BarChart {
    /// Title; empty for none.
    pub title: String,
    /// y-axis title.
    pub y_label: String,
    /// Clusters along x.
    pub categories: Vec<String>,
    /// Series (legend entries).
    pub series: Vec<String>,
    /// `bars[category][series]`.
    pub bars: Vec<Vec<Bar>>,
    /// log₂ y axis (values must be positive), ticks at powers of 2.
    pub log2: bool,
    /// Dashed horizontal reference line.
    pub reference: Option<f64>,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
    /// Footnote under the x axis (e.g. what the error bars are).
    pub note: String,
}

impl Default for BarChart {
    fn default() -> Self {
        BarChart {
            title: String::new(),
            y_label: String::new(),
            categories: Vec::new(),
            series: Vec::new(),
            bars: Vec::new(),
            log2: false,
            reference: None,
            width: 560.0,
            height: 360.0,
            note: String::new(),
        }
    }
}

const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_FONT: f64 = 12.0;
const NOTE_FONT: f64 = 9.5;

impl BarChart {
    /// The value as plotted: `log2 v` on a log₂ axis (positive values only).
    fn t(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        if self.log2 {
            (v > 0.0).then(|| v.log2())
        } else {
            Some(v)
        }
    }

    fn axis(&self) -> Axis {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut add = |v: Option<f64>| {
            if let Some(v) = v.and_then(|v| self.t(v)) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        };
        for row in &self.bars {
            for b in row {
                add(b.value);
                add(b.lower);
                add(b.upper);
                for p in &b.points {
                    add(Some(*p));
                }
            }
        }
        add(self.reference);
        let base = self.baseline();
        if !lo.is_finite() {
            lo = base - 1.0;
            hi = base + 1.0;
        }
        lo = lo.min(base);
        hi = hi.max(base);
        let pad = 0.08 * (hi - lo).max(1e-9);
        let mut axis = Axis::linear(if lo < base { lo - pad } else { lo }, hi + pad);
        if self.log2 {
            for t in &mut axis.ticks {
                let whole = (t.value - t.value.round()).abs() < 1e-9;
                t.label = if whole {
                    format_value(t.value.round().exp2())
                } else {
                    None
                };
                t.major = whole;
            }
        }
        axis.with_title(&self.y_label)
    }

    /// Bars start here (in plotted units).
    fn baseline(&self) -> f64 {
        if self.log2 {
            self.reference.and_then(|r| self.t(r)).unwrap_or(0.0)
        } else {
            0.0
        }
    }

    /// Renders the chart as an SVG document (deterministic).
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 200.0 {
            self.width.min(10_000.0)
        } else {
            560.0
        };
        let h = if self.height.is_finite() && self.height >= 150.0 {
            self.height.min(10_000.0)
        } else {
            360.0
        };
        let axis = self.axis();
        let tick = TextStyle::new(TICK_FONT);
        let label_w = axis
            .labelled_ticks()
            .map(|(_, l)| tick.width(l))
            .fold(0.0, f64::max);
        let left = (PAD + line_height(AXIS_FONT) + 6.0 + label_w + 8.0).round() + 0.5;
        let right = w - PAD;
        let mut top = PAD;
        let mut svg = Svg::new(w, h);
        svg.set_title(self.title.trim());
        svg.set_description(&format!(
            "Bar chart. y axis{}: {}. Categories: {}. Series: {}.",
            if self.log2 { " (log2 scale)" } else { "" },
            self.y_label,
            self.categories.join(", "),
            self.series.join(", ")
        ));
        svg.rect(0.0, 0.0, w, h, &Style::fill(Color::WHITE));
        top = super::layout::draw_title(&mut svg, &self.title, w, top);
        if self.series.len() > 1 {
            let names: Vec<&str> = self.series.iter().map(String::as_str).collect();
            top = super::layout::draw_legend(
                &mut svg,
                &names,
                super::layout::Swatch::Box,
                (left, right),
                top,
            );
        }
        let plot_top = (top + CAP_HEIGHT_EM * TICK_FONT / 2.0 + 4.0).round() + 0.5;
        let note_h = if self.note.is_empty() {
            0.0
        } else {
            line_height(NOTE_FONT) + 2.0
        };
        let plot_bottom = (h - PAD - note_h - line_height(TICK_FONT) - 8.0)
            .max(plot_top + 40.0)
            .round()
            + 0.5;
        let ypx = |v: f64| {
            axis.fraction(v)
                .map(|f| plot_bottom - f * (plot_bottom - plot_top))
        };
        // Axes.
        let axis_style = Style::stroke(Color::BLACK, 1.0);
        svg.begin_group(&Group::class("axes"));
        svg.line(left, plot_top, left, plot_bottom, &axis_style);
        svg.line(left, plot_bottom, right, plot_bottom, &axis_style);
        for t in &axis.ticks {
            let Some(y) = ypx(t.value) else { continue };
            let len = if t.major { 5.0 } else { 3.0 };
            svg.line(left - len, y, left, y, &axis_style);
            if let Some(l) = &t.label {
                let l = if self.log2 {
                    l.clone()
                } else {
                    format_linear_label(t.value, decimals_of(l))
                };
                svg.text(
                    left - 8.0,
                    y,
                    &l,
                    &tick.clone().align(Anchor::End, Baseline::Middle),
                );
            }
        }
        svg.text(
            PAD,
            (plot_top + plot_bottom) / 2.0,
            &axis.title,
            &TextStyle::new(AXIS_FONT)
                .align(Anchor::Middle, Baseline::Hanging)
                .rotated(-90.0),
        );
        svg.end_group();
        // Reference line.
        if let Some(y) = self.reference.and_then(|r| self.t(r)).and_then(ypx) {
            svg.line(
                left,
                y,
                right,
                y,
                &Style::stroke(Color::GREY, 1.0).with_dash(&[4.0, 3.0]),
            );
        }
        // Bars.
        let nc = self.categories.len().max(1) as f64;
        let ns = self.series.len().max(1) as f64;
        let slot = (right - left) / nc;
        let bar_w = (slot * 0.8 / ns).min(60.0);
        let base_y = ypx(self.baseline()).unwrap_or(plot_bottom);
        svg.begin_group(&Group::class("bars"));
        for (c, cat) in self.categories.iter().enumerate() {
            let cx = left + slot * (c as f64 + 0.5);
            let x0 = cx - bar_w * ns / 2.0;
            for (s, b) in self
                .bars
                .get(c)
                .map(|r| r.as_slice())
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let color = series_color(s);
                let bx = x0 + bar_w * s as f64;
                let mid = bx + bar_w / 2.0;
                let Some(vy) = b.value.and_then(|v| self.t(v)).and_then(ypx) else {
                    continue;
                };
                if !b.tooltip.is_empty() {
                    svg.tooltip(&b.tooltip);
                }
                let (y0, y1) = (vy.min(base_y), vy.max(base_y));
                svg.rect(
                    bx + 1.0,
                    y0,
                    (bar_w - 2.0).max(1.0),
                    (y1 - y0).max(0.5),
                    &Style::fill(color).with_fill_opacity(0.85),
                );
                let mut top_y = vy.min(base_y);
                if let (Some(lo), Some(hi)) = (
                    b.lower.and_then(|v| self.t(v)).and_then(ypx),
                    b.upper.and_then(|v| self.t(v)).and_then(ypx),
                ) {
                    let bar = Style::stroke(Color::BLACK, 1.1);
                    let cap = (bar_w * 0.2).clamp(2.0, 6.0);
                    svg.line(mid, lo, mid, hi, &bar);
                    svg.line(mid - cap, lo, mid + cap, lo, &bar);
                    svg.line(mid - cap, hi, mid + cap, hi, &bar);
                    top_y = top_y.min(hi).min(lo);
                }
                let k = b.points.len();
                for (j, p) in b.points.iter().enumerate() {
                    if let Some(py) = self.t(*p).and_then(ypx) {
                        let off = if k > 1 {
                            (j as f64 / (k - 1) as f64 - 0.5) * bar_w * 0.5
                        } else {
                            0.0
                        };
                        svg.circle(
                            mid + off,
                            py,
                            2.2,
                            &Style::fill(Color::WHITE).with_stroke(Color::BLACK, 0.8),
                        );
                        top_y = top_y.min(py);
                    }
                }
                if !b.label.is_empty() {
                    svg.text(
                        mid,
                        (top_y - 3.0).max(plot_top + 2.0),
                        &b.label,
                        &TextStyle::new(TICK_FONT).align(Anchor::Middle, Baseline::Alphabetic),
                    );
                }
            }
            svg.text(
                cx,
                plot_bottom + 6.0,
                cat,
                &tick.clone().align(Anchor::Middle, Baseline::Hanging),
            );
        }
        svg.end_group();
        if !self.note.is_empty() {
            svg.text(
                left,
                h - PAD,
                &self.note,
                &TextStyle::new(NOTE_FONT)
                    .color(Color::GREY)
                    .align(Anchor::Start, Baseline::Bottom),
            );
        }
        svg.finish()
    }
}

/// Decimals shown in an axis label.
fn decimals_of(label: &str) -> usize {
    label.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Significance stars for a p-value: `***` < 0.001, `**` < 0.01, `*` < 0.05,
/// `ns` otherwise, empty for none.
pub fn stars(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "***".into(),
        Some(p) if p < 0.01 => "**".into(),
        Some(p) if p < 0.05 => "*".into(),
        Some(p) if p.is_finite() => "ns".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log2: bool) -> BarChart {
        BarChart {
            title: "MEIS1".into(),
            y_label: "Fold change".into(),
            categories: vec!["HOXA9".into(), "MEIS1".into()],
            series: vec!["DMSO".into(), "MI-2".into()],
            bars: vec![
                vec![
                    Bar {
                        value: Some(1.0),
                        lower: Some(0.9),
                        upper: Some(1.1),
                        ..Default::default()
                    },
                    Bar {
                        value: Some(0.15),
                        lower: Some(0.1),
                        upper: Some(0.2),
                        points: vec![0.12, 0.18, f64::NAN],
                        label: "***".into(),
                        ..Default::default()
                    },
                ],
                vec![
                    Bar {
                        value: Some(1.0),
                        ..Default::default()
                    },
                    Bar {
                        value: None,
                        ..Default::default()
                    },
                ],
            ],
            log2,
            reference: Some(1.0),
            note: "error bars: ±1 SD".into(),
            ..Default::default()
        }
    }

    #[test]
    fn deterministic_and_finite() {
        for log2 in [false, true] {
            let a = chart(log2).to_svg();
            assert_eq!(a, chart(log2).to_svg());
            assert!(!a.contains("NaN") && !a.contains("inf"));
            assert!(a.contains("***"));
            roxmltree::Document::parse(&a).unwrap();
        }
        let s = chart(true).to_svg();
        assert!(s.contains(">0.125<") || s.contains(">0.25<"), "log2 ticks");
        let empty = BarChart::default().to_svg();
        roxmltree::Document::parse(&empty).unwrap();
        assert_eq!(stars(Some(0.002)), "**");
        assert_eq!(stars(None), "");
    }
}
