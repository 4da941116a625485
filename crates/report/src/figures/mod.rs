//! Figures: each module takes plain input structs and returns a finished SVG document.
//!
//! Every figure is deterministic (same input → identical bytes) and never writes a non-finite
//! number: non-finite input values are skipped.

pub mod bars;
pub mod cfu;
pub mod cytometry;
pub mod dose_response;
pub mod engraftment;
pub mod fold_change;
pub mod growth;
pub mod heatmap;
pub mod isobologram;
pub mod km;
mod layout;
pub mod power;
pub mod waterfall;

use crate::svg::{Color, Style, Svg};

/// Shape of a data-point marker; series cycle through these so that they stay distinguishable
/// in greyscale and for readers who cannot separate the colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerShape {
    /// Filled circle.
    Circle,
    /// Filled square.
    Square,
    /// Filled upward triangle.
    TriangleUp,
    /// Filled diamond.
    Diamond,
    /// Filled downward triangle.
    TriangleDown,
}

impl MarkerShape {
    /// The shape of series `index` (cycling).
    pub fn for_series(index: usize) -> MarkerShape {
        const SHAPES: [MarkerShape; 5] = [
            MarkerShape::Circle,
            MarkerShape::Square,
            MarkerShape::TriangleUp,
            MarkerShape::Diamond,
            MarkerShape::TriangleDown,
        ];
        SHAPES[index % SHAPES.len()]
    }

    /// Draws the marker centred on (cx, cy); `r` is the radius of the equivalent circle.
    /// Returns false if nothing was drawn (non-finite position).
    pub fn draw(self, svg: &mut Svg, cx: f64, cy: f64, r: f64, color: Color) -> bool {
        let style = Style::fill(color).with_stroke(Color::WHITE, 0.75);
        match self {
            MarkerShape::Circle => svg.circle(cx, cy, r, &style),
            MarkerShape::Square => {
                let h = r * 0.9;
                svg.rect(cx - h, cy - h, 2.0 * h, 2.0 * h, &style)
            }
            MarkerShape::TriangleUp => {
                let h = r * 1.25;
                svg.polygon(
                    &[
                        (cx, cy - h),
                        (cx + h * 0.95, cy + h * 0.7),
                        (cx - h * 0.95, cy + h * 0.7),
                    ],
                    &style,
                )
            }
            MarkerShape::TriangleDown => {
                let h = r * 1.25;
                svg.polygon(
                    &[
                        (cx, cy + h),
                        (cx + h * 0.95, cy - h * 0.7),
                        (cx - h * 0.95, cy - h * 0.7),
                    ],
                    &style,
                )
            }
            MarkerShape::Diamond => {
                let h = r * 1.25;
                svg.polygon(
                    &[(cx, cy - h), (cx + h, cy), (cx, cy + h), (cx - h, cy)],
                    &style,
                )
            }
        }
    }
}

/// Formats a value for tooltips and labels: 4 significant digits, trailing zeros trimmed, plain
/// decimals for 1e-4 ≤ |v| < 1e7 and `1.23e-9` style outside; `None` if not finite.
pub fn format_value(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some("0".to_owned());
    }
    let mag = v.abs().log10().floor() as i32;
    if (-4..7).contains(&mag) {
        let decimals = (3 - mag).max(0) as usize;
        crate::svg::fmt_fixed(v, decimals)
    } else {
        let s = format!("{v:.3e}");
        let (mant, exp) = s.split_once('e')?;
        let mant = mant.trim_end_matches('0').trim_end_matches('.');
        Some(format!("{mant}e{exp}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_formatting() {
        assert_eq!(format_value(312.456).unwrap(), "312.5");
        assert_eq!(format_value(0.012345).unwrap(), "0.01235");
        assert_eq!(format_value(100.0).unwrap(), "100");
        assert_eq!(format_value(-0.0).unwrap(), "0");
        assert_eq!(format_value(1.5e-9).unwrap(), "1.5e-9");
        assert_eq!(format_value(f64::NAN), None);
    }
}
