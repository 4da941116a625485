//! Kaplan–Meier figure: one step curve per group (Okabe–Ito colours), a
//! vertical tick at every censored time, an optional shaded pointwise
//! confidence band, optional dashed median lines, and a number-at-risk table
//! under the plot aligned with the x ticks.
//!
//! The figure draws what it is given: the curves come from
//! [`preclin_stats::survival::KaplanMeier`] through [`KmCurve::from_kaplan_meier`],
//! and the numbers at risk are counted by the caller at the times of
//! [`KmFigure::risk_times`] (the x ticks) with
//! [`preclin_stats::survival::at_risk`]. Output is deterministic and never
//! contains a non-finite number (non-finite values are skipped).

use serde::{Deserialize, Serialize};

use super::format_value;
use crate::axis::{Axis, format_linear_label};
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, Group, PathData, Style, Svg, TextStyle, line_height,
    text_width,
};
use preclin_stats::survival::KaplanMeier;

/// One group's Kaplan–Meier curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmCurve {
    /// Group label (legend and risk-table row).
    pub name: String,
    /// Distinct times (ascending) of the table rows.
    pub time: Vec<f64>,
    /// Survival just after each time.
    pub surv: Vec<f64>,
    /// Lower band at each time (`None`: undefined).
    pub lower: Vec<Option<f64>>,
    /// Upper band at each time.
    pub upper: Vec<Option<f64>>,
    /// Times with at least one censored observation (a tick is drawn on the
    /// curve there).
    pub censored: Vec<f64>,
    /// Median survival, if reached.
    pub median: Option<f64>,
    /// Number at risk at each of [`KmFigure::risk_times`].
    pub at_risk: Vec<usize>,
}

impl KmCurve {
    /// A curve from a Kaplan–Meier result; `at_risk` are the numbers at risk
    /// at the figure's risk-table times.
    pub fn from_kaplan_meier(name: &str, km: &KaplanMeier, at_risk: Vec<usize>) -> KmCurve {
        KmCurve {
            name: name.to_owned(),
            time: km.rows.iter().map(|r| r.time).collect(),
            surv: km.rows.iter().map(|r| r.surv).collect(),
            lower: km.rows.iter().map(|r| r.lower).collect(),
            upper: km.rows.iter().map(|r| r.upper).collect(),
            censored: km
                .rows
                .iter()
                .filter(|r| r.n_censor > 0)
                .map(|r| r.time)
                .collect(),
            median: km.median,
            at_risk,
        }
    }

    /// Survival just after `t` (1 before the first time).
    fn surv_at(&self, t: f64) -> f64 {
        self.time
            .iter()
            .zip(&self.surv)
            .take_while(|(x, _)| **x <= t)
            .last()
            .map_or(1.0, |(_, s)| *s)
    }

    fn last_time(&self) -> f64 {
        self.time
            .iter()
            .copied()
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max)
    }
}

/// Input of the Kaplan–Meier figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmFigure {
    /// Title; empty for none.
    pub title: String,
    /// x-axis title, e.g. `Days`.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Curves (the first is usually the control).
    pub curves: Vec<KmCurve>,
    /// Shade the pointwise confidence bands.
    pub show_ci: bool,
    /// Dashed lines at S = 0.5 down to each median.
    pub show_median: bool,
    /// Survival in percent (0–100) instead of a proportion.
    pub percent: bool,
    /// Times of the number-at-risk table: [`KmFigure::risk_times`] of the
    /// x range; empty for no table.
    pub risk_times: Vec<f64>,
    /// Right end of the x axis (default: the last time of any curve).
    pub x_max: Option<f64>,
    /// Width in px.
    pub width: f64,
    /// Height in px (of the plot part; the risk table adds its rows).
    pub height: f64,
}

impl Default for KmFigure {
    fn default() -> Self {
        KmFigure {
            title: String::new(),
            x_label: "Time".into(),
            y_label: "Survival probability".into(),
            curves: Vec::new(),
            show_ci: false,
            show_median: false,
            percent: false,
            risk_times: Vec::new(),
            x_max: None,
            width: 560.0,
            height: 360.0,
        }
    }
}

const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_FONT: f64 = 12.0;
const RISK_FONT: f64 = 10.5;

/// The x axis of a figure whose last time is `x_max`: linear from 0.
fn x_axis(x_max: f64) -> Axis {
    let hi = if x_max.is_finite() && x_max > 0.0 {
        x_max
    } else {
        1.0
    };
    Axis::linear(0.0, hi)
}

impl KmFigure {
    /// The x-tick times (0, then nice 1-2-5 steps up to the end of the axis)
    /// for an x range ending at `x_max`: where the number-at-risk table is
    /// counted.
    pub fn risk_times(x_max: f64) -> Vec<f64> {
        x_axis(x_max)
            .ticks
            .iter()
            .filter(|t| t.label.is_some() && t.value >= 0.0)
            .map(|t| t.value)
            .collect()
    }

    fn x_end(&self) -> f64 {
        self.x_max
            .filter(|x| x.is_finite() && *x > 0.0)
            .unwrap_or_else(|| {
                self.curves
                    .iter()
                    .map(KmCurve::last_time)
                    .fold(0.0, f64::max)
            })
    }

    /// Renders the figure (deterministic SVG).
    pub fn to_svg(&self) -> String {
        let w = if self.width.is_finite() && self.width >= 240.0 {
            self.width.min(10_000.0)
        } else {
            560.0
        };
        let plot_h = if self.height.is_finite() && self.height >= 180.0 {
            self.height.min(10_000.0)
        } else {
            360.0
        };
        let table_rows = if self.risk_times.is_empty() {
            0
        } else {
            self.curves.len()
        };
        let row_h = line_height(RISK_FONT) + 3.0;
        let table_h = if table_rows > 0 {
            line_height(RISK_FONT) + 6.0 + row_h * table_rows as f64 + PAD
        } else {
            0.0
        };
        let h = plot_h + table_h;
        let xa = x_axis(self.x_end()).with_title(&self.x_label);
        let scale = if self.percent { 100.0 } else { 1.0 };
        let mut ya = Axis::linear_fixed(0.0, scale).with_title(&self.y_label);
        ya.min = 0.0;
        ya.max = scale;
        let tick = TextStyle::new(TICK_FONT);
        let y_label_w = ya
            .labelled_ticks()
            .map(|(_, l)| tick.width(l))
            .fold(0.0, f64::max);
        let name_w = if table_rows > 0 {
            self.curves
                .iter()
                .map(|c| text_width(&c.name, RISK_FONT, false))
                .fold(0.0, f64::max)
                + 10.0
        } else {
            0.0
        };
        let left = (PAD + line_height(AXIS_FONT) + 6.0 + y_label_w + 8.0)
            .max(PAD + name_w)
            .round()
            + 0.5;
        let right = w - PAD - 10.0;
        let mut top = PAD;
        let mut svg = Svg::new(w, h);
        svg.set_title(self.title.trim());
        svg.set_description(&format!(
            "Kaplan-Meier curves. x axis: {}. y axis: {}. Groups: {}.",
            self.x_label,
            self.y_label,
            self.curves
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        svg.rect(0.0, 0.0, w, h, &Style::fill(Color::WHITE));
        top = super::layout::draw_title(&mut svg, &self.title, w, top);
        let names: Vec<&str> = self.curves.iter().map(|c| c.name.as_str()).collect();
        top = super::layout::draw_legend(
            &mut svg,
            &names,
            super::layout::Swatch::Line(18.0),
            (left, right),
            top,
        );
        let plot_top = (top + CAP_HEIGHT_EM * TICK_FONT / 2.0 + 4.0).round() + 0.5;
        let plot_bottom = (plot_h - PAD - line_height(AXIS_FONT) - line_height(TICK_FONT) - 10.0)
            .max(plot_top + 60.0)
            .round()
            + 0.5;
        let xpx = |v: f64| xa.fraction(v).map(|f| left + f * (right - left));
        let ypx = |v: f64| {
            ya.fraction(v * scale)
                .map(|f| plot_bottom - f * (plot_bottom - plot_top))
        };
        // Axes.
        let axis_style = Style::stroke(Color::BLACK, 1.0);
        svg.begin_group(&Group::class("axes"));
        svg.line(left, plot_top, left, plot_bottom, &axis_style);
        svg.line(left, plot_bottom, right, plot_bottom, &axis_style);
        for t in &ya.ticks {
            let Some(y) = ya
                .fraction(t.value)
                .map(|f| plot_bottom - f * (plot_bottom - plot_top))
            else {
                continue;
            };
            svg.line(left - 5.0, y, left, y, &axis_style);
            if let Some(l) = &t.label {
                svg.text(
                    left - 8.0,
                    y,
                    &format_linear_label(t.value, decimals_of(l)),
                    &tick.clone().align(Anchor::End, Baseline::Middle),
                );
            }
        }
        let x_dec = xa
            .labelled_ticks()
            .map(|(_, l)| decimals_of(l))
            .max()
            .unwrap_or(0);
        for t in &xa.ticks {
            let Some(x) = xpx(t.value) else { continue };
            svg.line(x, plot_bottom, x, plot_bottom + 5.0, &axis_style);
            if t.label.is_some() {
                svg.text(
                    x,
                    plot_bottom + 8.0,
                    &format_linear_label(t.value, x_dec),
                    &tick.clone().align(Anchor::Middle, Baseline::Hanging),
                );
            }
        }
        svg.text(
            (left + right) / 2.0,
            plot_bottom + 8.0 + line_height(TICK_FONT) + 4.0,
            &xa.title,
            &TextStyle::new(AXIS_FONT).align(Anchor::Middle, Baseline::Hanging),
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
        let clip = svg.clip_rect(
            left,
            plot_top - 2.0,
            right - left + 2.0,
            plot_bottom - plot_top + 4.0,
        );
        // Confidence bands under the curves.
        if self.show_ci {
            svg.begin_group(&Group::class("ci").clipped(&clip));
            for (i, c) in self.curves.iter().enumerate() {
                for poly in band_polygons(c) {
                    let pts: Vec<(f64, f64)> = poly
                        .iter()
                        .filter_map(|&(t, s)| Some((xpx(t)?, ypx(s)?)))
                        .collect();
                    if pts.len() >= 3 {
                        svg.polygon(&pts, &Style::fill(series_color(i)).with_fill_opacity(0.15));
                    }
                }
            }
            svg.end_group();
        }
        // Median guide lines.
        if self.show_median {
            let dash = Style::stroke(Color::GREY, 0.9).with_dash(&[4.0, 3.0]);
            svg.begin_group(&Group::class("median").clipped(&clip));
            for c in &self.curves {
                if let (Some(mx), Some(y)) = (c.median.and_then(xpx), ypx(0.5)) {
                    svg.line(left, y, mx, y, &dash);
                    svg.line(mx, y, mx, plot_bottom, &dash);
                }
            }
            svg.end_group();
        }
        // Step curves and censor ticks.
        svg.begin_group(&Group::class("curves").clipped(&clip));
        for (i, c) in self.curves.iter().enumerate() {
            let color = series_color(i);
            let mut path = PathData::new();
            let (Some(x0), Some(y0)) = (xpx(0.0), ypx(1.0)) else {
                continue;
            };
            path.move_to(x0, y0);
            let mut prev_y = y0;
            for (&t, &s) in c.time.iter().zip(&c.surv) {
                let (Some(x), Some(y)) = (xpx(t), ypx(s)) else {
                    continue;
                };
                path.line_to(x, prev_y);
                path.line_to(x, y);
                prev_y = y;
            }
            if !c.name.is_empty() {
                let med = c
                    .median
                    .and_then(format_value)
                    .unwrap_or_else(|| "not reached".into());
                svg.tooltip(&format!("{}: median {med}", c.name));
            }
            svg.path(&path, &Style::stroke(color, 1.8));
            for &t in &c.censored {
                if let (Some(x), Some(y)) = (xpx(t), ypx(c.surv_at(t))) {
                    svg.line(x, y - 4.0, x, y + 4.0, &Style::stroke(color, 1.3));
                }
            }
        }
        svg.end_group();
        // Number-at-risk table.
        if table_rows > 0 {
            svg.begin_group(&Group::class("risk-table"));
            let mut y = plot_h + 2.0;
            svg.text(
                PAD,
                y,
                "Number at risk",
                &TextStyle::new(RISK_FONT)
                    .bold()
                    .align(Anchor::Start, Baseline::Hanging),
            );
            y += line_height(RISK_FONT) + 6.0;
            for (i, c) in self.curves.iter().enumerate() {
                let yc = y + row_h / 2.0;
                svg.text(
                    PAD,
                    yc,
                    &c.name,
                    &TextStyle::new(RISK_FONT)
                        .color(series_color(i))
                        .align(Anchor::Start, Baseline::Middle),
                );
                for (t, n) in self.risk_times.iter().zip(&c.at_risk) {
                    if let Some(x) = xpx(*t) {
                        svg.text(
                            x,
                            yc,
                            &n.to_string(),
                            &TextStyle::new(RISK_FONT).align(Anchor::Middle, Baseline::Middle),
                        );
                    }
                }
                y += row_h;
            }
            svg.end_group();
        }
        svg.finish()
    }
}

/// Step polygons of a curve's band: upper limits forward, lower limits
/// back, over each run of rows where both limits exist (from time 0 at 1
/// until the first undefined limit).
fn band_polygons(c: &KmCurve) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut up: Vec<(f64, f64)> = vec![(0.0, 1.0)];
    let mut lo: Vec<(f64, f64)> = vec![(0.0, 1.0)];
    let mut prev = Some((1.0, 1.0));
    let flush = |up: &mut Vec<(f64, f64)>, lo: &mut Vec<(f64, f64)>, out: &mut Vec<_>| {
        if up.len() >= 2 {
            let mut poly = std::mem::take(up);
            poly.extend(lo.iter().rev());
            out.push(poly);
        }
        up.clear();
        lo.clear();
    };
    for i in 0..c.time.len() {
        let t = c.time[i];
        let (l, u) = match (
            c.lower.get(i).copied().flatten(),
            c.upper.get(i).copied().flatten(),
        ) {
            (Some(l), Some(u)) if l.is_finite() && u.is_finite() => (l, u),
            // Before the first event S = 1 and the band is the point 1
            // (log-log leaves it undefined there).
            _ if c.surv.get(i).is_some_and(|s| *s >= 1.0) => (1.0, 1.0),
            _ => {
                if let Some((pl, pu)) = prev {
                    up.push((t, pu));
                    lo.push((t, pl));
                }
                flush(&mut up, &mut lo, &mut out);
                prev = None;
                continue;
            }
        };
        if let Some((pl, pu)) = prev {
            up.push((t, pu));
            lo.push((t, pl));
        }
        up.push((t, u));
        lo.push((t, l));
        prev = Some((l, u));
    }
    if let (Some((pl, pu)), Some(&t)) = (prev, c.time.last()) {
        up.push((t, pu));
        lo.push((t, pl));
    }
    flush(&mut up, &mut lo, &mut out);
    out
}

/// Decimals shown in an axis label.
fn decimals_of(label: &str) -> usize {
    label.split_once('.').map_or(0, |(_, f)| f.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use preclin_stats::survival::{ConfType, at_risk, kaplan_meier};

    pub(super) fn figure(ci: bool) -> KmFigure {
        let groups = [
            (
                "Maintained",
                vec![9., 13., 13., 18., 23., 28., 31., 34., 45., 48., 161.],
                vec![
                    true, true, false, true, true, false, true, true, false, true, false,
                ],
            ),
            (
                "Nonmaintained",
                vec![5., 5., 8., 8., 12., 16., 23., 27., 30., 33., 43., 45.],
                vec![
                    true, true, true, true, true, false, true, true, true, true, true, true,
                ],
            ),
        ];
        let x_max = 161.0;
        let times = KmFigure::risk_times(x_max);
        KmFigure {
            title: "AML maintenance".into(),
            x_label: "Weeks".into(),
            curves: groups
                .iter()
                .map(|(n, t, e)| {
                    let km = kaplan_meier(t, e, ConfType::LogLog, 0.95).unwrap();
                    KmCurve::from_kaplan_meier(n, &km, at_risk(t, &times))
                })
                .collect(),
            show_ci: ci,
            show_median: true,
            risk_times: times,
            ..Default::default()
        }
    }

    #[test]
    fn deterministic_finite_with_censor_ticks_and_risk_table() {
        for ci in [false, true] {
            let a = figure(ci).to_svg();
            assert_eq!(a, figure(ci).to_svg());
            assert!(!a.contains("NaN") && !a.contains("inf"), "non-finite");
            roxmltree::Document::parse(&a).unwrap();
            assert!(a.contains("Number at risk"));
            assert!(a.contains(">Nonmaintained<"));
        }
        let f = figure(true);
        // Maintained: censored at 13, 28, 45, 161 → 4 ticks; Nonmaintained: 16 → 1.
        assert_eq!(f.curves[0].censored, vec![13.0, 28.0, 45.0, 161.0]);
        assert_eq!(f.curves[1].censored, vec![16.0]);
        let svg = f.to_svg();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let curves = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("curves"))
            .unwrap();
        let ticks = curves
            .descendants()
            .filter(|n| n.has_tag_name("line"))
            .count();
        assert_eq!(ticks, 5, "censor ticks");
        assert!(svg.contains("class=\"ci\""));
        assert!(svg.contains("<polygon"), "band drawn");
        // Risk table at the x ticks: Maintained 11 at 0, then only 161 is left.
        assert_eq!(f.risk_times, vec![0.0, 50.0, 100.0, 150.0, 200.0]);
        assert_eq!(f.curves[0].at_risk, vec![11, 1, 1, 1, 0]);
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        let s = KmFigure::default().to_svg();
        roxmltree::Document::parse(&s).unwrap();
        let c = KmCurve {
            name: "x".into(),
            time: vec![f64::NAN, 1.0],
            surv: vec![0.5, f64::INFINITY],
            lower: vec![None, None],
            upper: vec![None, None],
            censored: vec![f64::NAN],
            median: Some(f64::NAN),
            at_risk: vec![],
        };
        let s = KmFigure {
            curves: vec![c],
            show_ci: true,
            show_median: true,
            percent: true,
            risk_times: vec![0.0],
            ..Default::default()
        }
        .to_svg();
        assert!(!s.contains("NaN") && !s.contains("inf"));
        roxmltree::Document::parse(&s).unwrap();
    }
}
