//! Normalised isobologram for Chou–Talalay combination indices.
//!
//! Each combination point is drawn at (d₁/Dx₁, d₂/Dx₂): its doses divided by
//! the doses of each drug alone that give the same effect (Chou 2006,
//! *Pharmacol Rev* 58:621, Fig. 6). The line x + y = 1 is additivity; points
//! below it (CI = x + y < 1) are synergistic, above it antagonistic. Points
//! are coloured by side (Okabe–Ito blue = synergy, vermillion = antagonism,
//! grey within ±10 % of additivity) and carry a tooltip with their doses,
//! effect and CI. Points beyond the axis limit are drawn on the border as
//! open markers, so nothing is hidden; non-finite points are skipped.

use serde::{Deserialize, Serialize};

use super::format_value;
use crate::axis::Axis;
use crate::svg::{Anchor, Baseline, Color, Group, Style, Svg, TextStyle};

/// One combination point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsoPoint {
    /// d₁ / Dx₁(fa).
    pub x: f64,
    /// d₂ / Dx₂(fa).
    pub y: f64,
    /// Tooltip, e.g. `MI-503 100 nM + quizartinib 1 nM: fa 0.62, CI 0.71`.
    pub label: String,
}

/// A normalised isobologram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IsobologramFigure {
    /// Title; empty for none.
    pub title: String,
    /// x-axis title, e.g. `MI-503: d / Dx`.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Points.
    pub points: Vec<IsoPoint>,
    /// Largest axis value (default 2); points beyond are drawn on the border.
    pub limit: f64,
    /// Width in px (default 420).
    pub width: f64,
    /// Height in px (default 400).
    pub height: f64,
}

impl Default for IsobologramFigure {
    fn default() -> Self {
        IsobologramFigure {
            title: String::new(),
            x_label: "Drug 1: d / Dx".into(),
            y_label: "Drug 2: d / Dx".into(),
            points: Vec::new(),
            limit: 2.0,
            width: 420.0,
            height: 400.0,
        }
    }
}

const SYNERGY: Color = Color::hex(0x0072B2);
const ANTAGONISM: Color = Color::hex(0xD55E00);
const ADDITIVE: Color = Color::hex(0x999999);

impl IsobologramFigure {
    /// Renders the SVG document.
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 200.0 {
            self.width
        } else {
            420.0
        };
        let h = if self.height.is_finite() && self.height >= 200.0 {
            self.height
        } else {
            400.0
        };
        let limit = if self.limit.is_finite() && self.limit > 0.0 {
            self.limit
        } else {
            2.0
        };
        let axis = Axis::linear(0.0, limit);
        let top = if self.title.is_empty() { 16.0 } else { 34.0 };
        let (left, right, bottom) = (56.0, 16.0, 70.0);
        let (pw, ph) = (w - left - right, h - top - bottom);
        let sx = |v: f64| left + pw * axis.fraction(v).unwrap_or(0.0);
        let sy = |v: f64| top + ph * (1.0 - axis.fraction(v).unwrap_or(0.0));
        let mut svg = Svg::new(w, h);
        svg.set_title(if self.title.is_empty() {
            "Normalised isobologram"
        } else {
            &self.title
        });
        if !self.title.is_empty() {
            svg.text(
                w / 2.0,
                18.0,
                &self.title,
                &TextStyle::new(13.5)
                    .bold()
                    .align(Anchor::Middle, Baseline::Middle),
            );
        }
        // Frame, ticks, grid.
        svg.begin_group(&Group::class("axes"));
        let frame = Style::stroke(Color::GREY, 1.0);
        svg.rect(left, top, pw, ph, &frame.clone().with_fill(Color::WHITE));
        let tick_style = TextStyle::new(11.0);
        for (t, label) in axis.labelled_ticks() {
            let (x, y) = (sx(t.value), sy(t.value));
            svg.line(x, top + ph, x, top + ph + 4.0, &frame);
            svg.line(left - 4.0, y, left, y, &frame);
            svg.text(
                x,
                top + ph + 7.0,
                label,
                &tick_style.clone().align(Anchor::Middle, Baseline::Hanging),
            );
            svg.text(
                left - 7.0,
                y,
                label,
                &tick_style.clone().align(Anchor::End, Baseline::Middle),
            );
        }
        svg.text(
            left + pw / 2.0,
            top + ph + 30.0,
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
        // Additivity line x + y = 1.
        svg.begin_group(&Group::class("additivity"));
        svg.line(
            sx(0.0),
            sy(1.0),
            sx(1.0),
            sy(0.0),
            &Style::stroke(Color::BLACK, 1.2).with_dash(&[5.0, 3.0]),
        );
        svg.end_group();
        // Points.
        svg.begin_group(&Group::class("points"));
        for p in &self.points {
            if !(p.x.is_finite() && p.y.is_finite()) {
                continue;
            }
            let ci = p.x + p.y;
            let color = if ci < 0.9 {
                SYNERGY
            } else if ci > 1.1 {
                ANTAGONISM
            } else {
                ADDITIVE
            };
            let clipped = p.x > limit || p.y > limit;
            let (cx, cy) = (sx(p.x.clamp(0.0, limit)), sy(p.y.clamp(0.0, limit)));
            svg.tooltip(&p.label);
            let style = if clipped {
                Style::stroke(color, 1.5).with_fill(Color::WHITE)
            } else {
                Style::fill(color).with_stroke(Color::WHITE, 0.75)
            };
            svg.circle(cx, cy, 4.0, &style);
        }
        svg.end_group();
        // Legend.
        svg.begin_group(&Group::class("legend"));
        let ly = h - 16.0;
        let mut lx = left;
        for (c, name) in [
            (SYNERGY, "CI < 0.9"),
            (ADDITIVE, "0.9–1.1"),
            (ANTAGONISM, "CI > 1.1"),
        ] {
            svg.circle(lx + 4.0, ly, 4.0, &Style::fill(c));
            svg.text(
                lx + 12.0,
                ly,
                name,
                &TextStyle::new(10.5).align(Anchor::Start, Baseline::Middle),
            );
            lx += 24.0 + crate::svg::text_width(name, 10.5, false);
        }
        let note = format!(
            "dashed: additivity; open: beyond {}",
            format_value(limit).unwrap_or_default()
        );
        svg.text(
            lx + 8.0,
            ly,
            &note,
            &TextStyle::new(10.5)
                .align(Anchor::Start, Baseline::Middle)
                .color(Color::GREY),
        );
        svg.end_group();
        svg.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_points_line_and_no_nan() {
        let fig = IsobologramFigure {
            title: "MI-503 × quizartinib".into(),
            points: vec![
                IsoPoint {
                    x: 0.2,
                    y: 0.3,
                    label: "a".into(),
                },
                IsoPoint {
                    x: 0.9,
                    y: 0.8,
                    label: "b".into(),
                },
                IsoPoint {
                    x: 5.0,
                    y: 0.1,
                    label: "c".into(),
                },
                IsoPoint {
                    x: f64::NAN,
                    y: 0.1,
                    label: "d".into(),
                },
            ],
            ..IsobologramFigure::default()
        };
        let svg = fig.to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert_eq!(
            svg.matches("<circle").count(),
            3 + 3,
            "3 points + 3 legend swatches"
        );
        assert!(svg.contains("#0072b2") || svg.contains("#0072B2"));
        assert_eq!(fig.to_svg(), svg, "deterministic");
    }
}
