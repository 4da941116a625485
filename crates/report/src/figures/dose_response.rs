//! Dose–response figure: log-dose x axis, linear response y axis.
//!
//! Per series: observed means with ±SD error bars, the fitted curve, its confidence band as a
//! translucent polygon, an IC50 marker (dashed drop line to the x axis plus a label) and an
//! optional vehicle (dose 0) point drawn left of a break in the x axis. A legend is drawn above
//! the plot when there is more than one series. Series take colours from the Okabe–Ito palette
//! and marker shapes in turn.
//!
//! Data rules: points with `x ≤ 0` never go on the log axis (pass the vehicle as
//! [`DoseResponseSeries::control`]); non-finite values are skipped; the y axis always includes 0
//! unless [`DoseResponseFigure::y_range`] fixes it. Layout (margins, tick-label thinning, label
//! placement) uses the text-width estimate of [`crate::svg::text_width`], so labels do not
//! overlap the plot or each other.

use serde::{Deserialize, Serialize};

use super::layout::{BBox, LABEL_SPACING, fit_text, text_box, thin_labels, wrap_title};
use super::{MarkerShape, format_value};
use crate::axis::{Axis, Tick};
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, DESCENT_EM, Group, PathData, Style, Svg, TextStyle,
    line_height,
};

/// A dose–response figure: one or more series on shared axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DoseResponseFigure {
    /// Title above the plot; empty for none.
    pub title: String,
    /// x-axis title including the unit, e.g. `Dose (nM)`.
    pub x_label: String,
    /// y-axis title including the unit, e.g. `Viability (% of vehicle)`.
    pub y_label: String,
    /// The series, drawn in order (the first is at the bottom).
    pub series: Vec<DoseResponseSeries>,
    /// Width in px (default 480).
    pub width: f64,
    /// Height in px (default 360).
    pub height: f64,
    /// Fixed y range `(min, max)`; `None` = from the data, always including 0.
    pub y_range: Option<(f64, f64)>,
}

impl Default for DoseResponseFigure {
    fn default() -> Self {
        DoseResponseFigure {
            title: String::new(),
            x_label: "Dose".to_owned(),
            y_label: "Response".to_owned(),
            series: Vec::new(),
            width: 480.0,
            height: 360.0,
            y_range: None,
        }
    }
}

/// One series (e.g. one cell line or compound) of a dose–response figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DoseResponseSeries {
    /// Legend entry, e.g. `MV4;11`.
    pub name: String,
    /// Observed mean ± SD per dose (`x > 0`; others are skipped).
    pub points: Vec<PointSummary>,
    /// Fitted curve sampled on a log grid, `(x, y)` with `x > 0`.
    pub curve: Vec<(f64, f64)>,
    /// Confidence band `(x, lower, upper)`, e.g. 95 %; may be empty.
    pub band: Vec<(f64, f64, f64)>,
    /// IC50 (or other potency) marker.
    pub marker: Option<Marker>,
    /// Vehicle (dose 0) point, drawn left of a break in the x axis at a tick labelled `0`.
    pub control: Option<PointSummary>,
}

/// Mean response at one dose.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// Dose.
    pub x: f64,
    /// Mean response.
    pub mean: f64,
    /// Standard deviation (error bar ±SD); `None` for no bar.
    pub sd: Option<f64>,
    /// Number of replicates (shown in the tooltip).
    pub n: usize,
}

/// A potency marker on the fitted curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// Dose of the marker (e.g. the IC50).
    pub x: f64,
    /// Response at the marker (e.g. the curve at the IC50).
    pub y: f64,
    /// Label, e.g. `IC50 312 nM`.
    pub label: String,
}

impl DoseResponseFigure {
    /// Renders the figure as an SVG document (see [`render`]).
    pub fn to_svg(&self) -> String {
        render(self)
    }
}

// Typography and geometry, in px.
const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_TITLE_FONT: f64 = 12.0;
const LEGEND_FONT: f64 = 11.0;
const MARKER_FONT: f64 = 10.5;
const MAJOR_TICK: f64 = 5.0;
const MINOR_TICK: f64 = 3.0;
const TICK_GAP: f64 = 3.0;
const TITLE_GAP: f64 = 6.0;
const CONTROL_W: f64 = 24.0;
const BREAK_GAP: f64 = 12.0;
const POINT_R: f64 = 3.5;
const CAP_HALF: f64 = 3.5;
const LEGEND_SWATCH: f64 = 20.0;
const LEGEND_ITEM_GAP: f64 = 16.0;

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn sd_of(p: &PointSummary) -> Option<f64> {
    p.sd.filter(|s| s.is_finite() && *s >= 0.0)
}

/// Range accumulator ignoring non-finite values.
#[derive(Clone, Copy, Debug)]
struct Range(Option<(f64, f64)>);

impl Range {
    fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0 = Some(match self.0 {
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
                None => (v, v),
            });
        }
    }
}

/// Linear interpolation of the curve at `x` in log-dose space.
fn curve_at(curve: &[(f64, f64)], x: f64) -> Option<f64> {
    let lx = x.log10();
    let pts: Vec<(f64, f64)> = curve
        .iter()
        .filter(|(cx, cy)| *cx > 0.0 && cx.is_finite() && cy.is_finite())
        .map(|&(cx, cy)| (cx.log10(), cy))
        .collect();
    pts.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        if lx >= lo && lx <= hi && hi > lo {
            Some(y0 + (y1 - y0) * (lx - x0) / (x1 - x0))
        } else {
            None
        }
    })
}

/// Computes the x (log) and y (linear) axes from all drawable data.
fn axes(fig: &DoseResponseFigure) -> (Axis, Axis, bool) {
    let mut x_range = Range(None);
    for s in &fig.series {
        for p in &s.points {
            if p.x > 0.0 && finite(p.mean).is_some() {
                x_range.add(p.x);
            }
        }
        for &(x, y) in &s.curve {
            if x > 0.0 && y.is_finite() {
                x_range.add(x);
            }
        }
        for &(x, lo, hi) in &s.band {
            if x > 0.0 && lo.is_finite() && hi.is_finite() {
                x_range.add(x);
            }
        }
    }
    // Markers do not widen the axis: an IC50 outside the tested and fitted range is shown as a
    // label with an arrow at the edge instead, so an extrapolation cannot squash the data.
    let has_data = x_range.0.is_some();
    let (xlo, xhi) = x_range.0.unwrap_or((1.0, 10.0));
    let x_axis = Axis::log10(xlo, xhi).with_title(&fig.x_label);

    // y: observed points (with error bars), vehicle, markers and 0 first …
    let mut yr = Range(None);
    let add_point = |yr: &mut Range, p: &PointSummary| {
        yr.add(p.mean);
        if let (Some(sd), true) = (sd_of(p), p.mean.is_finite()) {
            yr.add(p.mean - sd);
            yr.add(p.mean + sd);
        }
    };
    for s in &fig.series {
        for p in s.points.iter().filter(|p| p.x > 0.0 && p.x.is_finite()) {
            add_point(&mut yr, p);
        }
        if let Some(c) = &s.control {
            add_point(&mut yr, c);
        }
        if let Some(m) = &s.marker {
            if x_axis.contains(m.x) {
                yr.add(m.y);
            }
        }
    }
    // … then curves and bands, which may extend the range by at most half of it (a wild
    // extrapolation must not flatten the data).
    let limit = yr.0.map(|(lo, hi)| {
        let span = (hi - lo).max(hi.abs().max(lo.abs()) * 0.1).max(1e-12);
        (lo - 0.5 * span, hi + 0.5 * span)
    });
    let mut yr_curves = Range(None);
    for s in &fig.series {
        for &(x, y) in &s.curve {
            if x_axis.contains(x) {
                yr_curves.add(y);
            }
        }
        for &(x, lo, hi) in &s.band {
            if x_axis.contains(x) && lo.is_finite() && hi.is_finite() {
                yr_curves.add(lo);
                yr_curves.add(hi);
            }
        }
    }
    if let Some((clo, chi)) = yr_curves.0 {
        match limit {
            Some((llo, lhi)) => {
                yr.add(clo.max(llo));
                yr.add(chi.min(lhi));
            }
            None => {
                yr.add(clo);
                yr.add(chi);
            }
        }
    }
    // Headroom of 4 % of the span beyond the data (not below a zero baseline), so that a point
    // at a nice number (e.g. 100 %) does not sit on the frame.
    let (ylo, yhi) = match yr.0 {
        Some((lo, hi)) => {
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let pad = 0.04 * (hi - lo);
            (
                if lo < 0.0 { lo - pad } else { lo },
                if hi > 0.0 { hi + pad } else { hi },
            )
        }
        None => (0.0, 1.0),
    };
    let y_axis = match fig.y_range {
        Some((a, b)) if a.is_finite() && b.is_finite() && b > a => Axis::linear_fixed(a, b),
        _ => Axis::linear(ylo, yhi),
    };
    (x_axis, y_axis.with_title(&fig.y_label), has_data)
}

/// Renders the figure as an SVG document. Deterministic; never writes a non-finite number.
pub fn render(fig: &DoseResponseFigure) -> String {
    let defaults = DoseResponseFigure::default();
    let ok_size = |v: f64, min: f64, d: f64| if v.is_finite() && v >= min { v } else { d };
    let width = ok_size(fig.width, 160.0, defaults.width).min(10_000.0);
    let height = ok_size(fig.height, 120.0, defaults.height).min(10_000.0);

    let (x_axis, y_axis, has_data) = axes(fig);
    let has_control = fig.series.iter().any(|s| {
        s.control
            .as_ref()
            .is_some_and(|c| c.mean.is_finite() && y_axis.fraction(c.mean).is_some())
    });
    let multi = fig.series.len() > 1;

    let tick_style = TextStyle::new(TICK_FONT);
    let tick_h = CAP_HEIGHT_EM * TICK_FONT;

    // ---- Horizontal layout ------------------------------------------------------------------
    let y_label_w = y_axis
        .labelled_ticks()
        .map(|(_, l)| tick_style.width(l))
        .fold(0.0, f64::max);
    let y_title_h = line_height(AXIS_TITLE_FONT);
    let plot_left = (PAD + y_title_h + TITLE_GAP + y_label_w + TICK_GAP + MAJOR_TICK).floor() + 0.5;
    let main_left = if has_control {
        plot_left + CONTROL_W + BREAK_GAP
    } else {
        plot_left
    };
    // The right end must leave room for half of any x tick label near it.
    let mut plot_right = width - PAD;
    for (t, l) in x_axis.labelled_ticks() {
        if let Some(f) = x_axis.fraction(t.value) {
            let half = tick_style.width(l) / 2.0;
            if f > 0.0 {
                let limit = main_left + (width - PAD - half - main_left) / f;
                plot_right = plot_right.min(limit);
            }
        }
    }
    let plot_right = plot_right.max(main_left + 40.0).floor();
    let plot_w = plot_right - plot_left;

    // ---- Vertical layout --------------------------------------------------------------------
    let mut top = PAD;
    let (title_lines, title_size) = wrap_title(fig.title.trim(), width - 2.0 * PAD);
    let title_ys: Vec<f64> = title_lines
        .iter()
        .map(|_| {
            let y = top + CAP_HEIGHT_EM * title_size;
            top = y + DESCENT_EM * title_size + 3.0;
            y
        })
        .collect();
    if !title_lines.is_empty() {
        top += 3.0;
    }

    // Legend rows (wrapped to the plot width, or the figure width if an entry is wider).
    let legend_items: Vec<(usize, String, f64)> = if multi {
        fig.series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (name, _) = fit_text(
                    &s.name,
                    LEGEND_FONT,
                    false,
                    width - 2.0 * PAD - LEGEND_SWATCH - 5.0,
                );
                let w = LEGEND_SWATCH + 5.0 + crate::svg::text_width(&name, LEGEND_FONT, false);
                (i, name, w)
            })
            .collect()
    } else {
        Vec::new()
    };
    let legend_avail = if legend_items.iter().any(|(_, _, w)| *w > plot_w) {
        width - 2.0 * PAD
    } else {
        plot_w
    };
    let mut legend_rows: Vec<Vec<usize>> = Vec::new();
    let mut row_w = 0.0;
    for (k, (_, _, w)) in legend_items.iter().enumerate() {
        match legend_rows.last_mut() {
            Some(row) if row_w + LEGEND_ITEM_GAP + w <= legend_avail => {
                row.push(k);
                row_w += LEGEND_ITEM_GAP + w;
            }
            _ => {
                legend_rows.push(vec![k]);
                row_w = *w;
            }
        }
    }
    let legend_row_h = line_height(LEGEND_FONT) + 3.0;
    let legend_top = top;
    top += legend_rows.len() as f64 * legend_row_h;
    if !legend_rows.is_empty() {
        top += 4.0;
    }
    // Room for the top y tick label, which is centred on the top of the frame.
    let plot_top = (top + tick_h / 2.0 + 2.0).max(PAD + 4.0).ceil() + 0.5;

    let x_title_h = line_height(AXIS_TITLE_FONT);
    let x_label_h = (CAP_HEIGHT_EM + DESCENT_EM) * TICK_FONT;
    let plot_bottom = (height - PAD - x_title_h - TITLE_GAP - x_label_h - TICK_GAP - MAJOR_TICK)
        .max(plot_top + 40.0)
        .floor()
        + 0.5;
    let plot_h = plot_bottom - plot_top;

    let xpx = |v: f64| {
        x_axis
            .fraction(v)
            .map(|f| main_left + f * (plot_right - main_left))
    };
    let ypx = |v: f64| y_axis.fraction(v).map(|f| plot_bottom - f * plot_h);
    let control_x = plot_left + CONTROL_W / 2.0;

    // ---- Document ---------------------------------------------------------------------------
    let mut svg = Svg::new(width, height);
    svg.set_title(fig.title.trim());
    let names: Vec<&str> = fig.series.iter().map(|s| s.name.as_str()).collect();
    svg.set_description(&format!(
        "Dose–response figure. x axis (log scale): {}. y axis: {}. Series: {}.",
        fig.x_label,
        fig.y_label,
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    ));
    svg.rect(0.0, 0.0, width, height, &Style::fill(Color::WHITE));

    for (text, y) in title_lines.iter().zip(&title_ys) {
        let half = crate::svg::text_width(text, title_size, true) / 2.0;
        let cx = ((plot_left + plot_right) / 2.0)
            .max(PAD + half)
            .min(width - PAD - half);
        svg.text(
            cx,
            *y,
            text,
            &TextStyle::new(title_size)
                .bold()
                .align(Anchor::Middle, Baseline::Alphabetic),
        );
    }

    // Legend.
    if !legend_rows.is_empty() {
        svg.begin_group(&Group::class("legend"));
        for (r, row) in legend_rows.iter().enumerate() {
            let row_w: f64 = row.iter().map(|&k| legend_items[k].2).sum::<f64>()
                + LEGEND_ITEM_GAP * (row.len() as f64 - 1.0);
            let center = if legend_avail > plot_w {
                width / 2.0
            } else {
                (plot_left + plot_right) / 2.0
            };
            let mut x = (center - row_w / 2.0).max(PAD);
            let cy = legend_top + r as f64 * legend_row_h + legend_row_h / 2.0;
            for &k in row {
                let (i, name, w) = &legend_items[k];
                let color = series_color(*i);
                let s = &fig.series[*i];
                if !s.curve.is_empty() {
                    svg.line(x, cy, x + LEGEND_SWATCH, cy, &Style::stroke(color, 1.8));
                }
                MarkerShape::for_series(*i).draw(
                    &mut svg,
                    x + LEGEND_SWATCH / 2.0,
                    cy,
                    POINT_R,
                    color,
                );
                svg.text(
                    x + LEGEND_SWATCH + 5.0,
                    cy,
                    name,
                    &TextStyle::new(LEGEND_FONT).align(Anchor::Start, Baseline::Middle),
                );
                x += w + LEGEND_ITEM_GAP;
            }
        }
        svg.end_group();
    }

    // ---- Axes -------------------------------------------------------------------------------
    let axis_style = Style::stroke(Color::BLACK, 1.0);
    svg.begin_group(&Group::class("axes"));
    // y axis.
    svg.line(plot_left, plot_top, plot_left, plot_bottom, &axis_style);
    let y_ticks: Vec<(&Tick, f64)> = y_axis
        .ticks
        .iter()
        .filter_map(|t| ypx(t.value).map(|y| (t, y)))
        .collect();
    let mut tick_path = PathData::new();
    for (t, y) in &y_ticks {
        let len = if t.major { MAJOR_TICK } else { MINOR_TICK };
        tick_path
            .move_to(plot_left - len, *y)
            .line_to(plot_left, *y);
    }
    svg.path(&tick_path, &axis_style);
    let y_labelled: Vec<(&str, f64)> = y_ticks
        .iter()
        .filter_map(|(t, y)| t.label.as_deref().map(|l| (l, *y)))
        .collect();
    let y_ext: Vec<(f64, f64)> = y_labelled
        .iter()
        .map(|(_, y)| (y - tick_h / 2.0, y + tick_h / 2.0))
        .collect();
    let y_anchor = y_labelled.iter().position(|(l, _)| *l == "0").unwrap_or(0);
    let keep = thin_labels(&y_ext, y_anchor, LABEL_SPACING);
    for ((l, y), k) in y_labelled.iter().zip(keep) {
        if k {
            svg.text(
                plot_left - MAJOR_TICK - TICK_GAP,
                *y,
                l,
                &tick_style.clone().align(Anchor::End, Baseline::Middle),
            );
        }
    }

    // x axis (broken when a vehicle point is shown).
    if has_control {
        let seg_end = plot_left + CONTROL_W;
        svg.line(plot_left, plot_bottom, seg_end, plot_bottom, &axis_style);
        svg.line(main_left, plot_bottom, plot_right, plot_bottom, &axis_style);
        for bx in [seg_end + 3.0, seg_end + BREAK_GAP - 3.0] {
            svg.line(
                bx - 2.0,
                plot_bottom + 4.0,
                bx + 2.0,
                plot_bottom - 4.0,
                &axis_style,
            );
        }
        svg.line(
            control_x,
            plot_bottom,
            control_x,
            plot_bottom + MAJOR_TICK,
            &axis_style,
        );
    } else {
        svg.line(plot_left, plot_bottom, plot_right, plot_bottom, &axis_style);
    }
    let x_ticks: Vec<(&Tick, f64)> = x_axis
        .ticks
        .iter()
        .filter_map(|t| xpx(t.value).map(|x| (t, x)))
        .collect();
    let mut tick_path = PathData::new();
    for (t, x) in &x_ticks {
        let len = if t.major { MAJOR_TICK } else { MINOR_TICK };
        tick_path
            .move_to(*x, plot_bottom)
            .line_to(*x, plot_bottom + len);
    }
    svg.path(&tick_path, &axis_style);
    let label_y = plot_bottom + MAJOR_TICK + TICK_GAP;
    let x_labelled: Vec<(&Tick, &str, f64)> = x_ticks
        .iter()
        .filter_map(|(t, x)| t.label.as_deref().map(|l| (*t, l, *x)))
        .collect();
    let x_ext: Vec<(f64, f64)> = x_labelled
        .iter()
        .map(|(_, l, x)| {
            let w = tick_style.width(l);
            (x - w / 2.0, x + w / 2.0)
        })
        .collect();
    let x_anchor = x_labelled
        .iter()
        .enumerate()
        .min_by(|a, b| {
            let d = |t: &Tick| t.value.log10().abs();
            d(a.1.0).total_cmp(&d(b.1.0))
        })
        .map_or(0, |(i, _)| i);
    let mut keep = thin_labels(&x_ext, x_anchor, LABEL_SPACING);
    if has_control {
        let w0 = tick_style.width("0");
        let zero = (control_x - w0 / 2.0, control_x + w0 / 2.0);
        for (k, e) in keep.iter_mut().zip(&x_ext) {
            if e.0 < zero.1 + LABEL_SPACING {
                *k = false;
            }
        }
        svg.text(
            control_x,
            label_y,
            "0",
            &tick_style.clone().align(Anchor::Middle, Baseline::Hanging),
        );
    }
    for ((_, l, x), k) in x_labelled.iter().zip(keep) {
        if k {
            svg.text(
                *x,
                label_y,
                l,
                &tick_style.clone().align(Anchor::Middle, Baseline::Hanging),
            );
        }
    }

    // Axis titles.
    let (x_title, x_title_size) = fit_text(
        x_axis.title.trim(),
        AXIS_TITLE_FONT,
        false,
        if crate::svg::text_width(x_axis.title.trim(), AXIS_TITLE_FONT, false) <= plot_w {
            plot_w
        } else {
            width - 2.0 * PAD
        },
    );
    let x_title_cx = ((plot_left + plot_right) / 2.0)
        .max(PAD + crate::svg::text_width(&x_title, x_title_size, false) / 2.0)
        .min(width - PAD - crate::svg::text_width(&x_title, x_title_size, false) / 2.0);
    svg.text(
        x_title_cx,
        height - PAD,
        &x_title,
        &TextStyle::new(x_title_size).align(Anchor::Middle, Baseline::Bottom),
    );
    let (y_title, y_title_size) = fit_text(y_axis.title.trim(), AXIS_TITLE_FONT, false, plot_h);
    let y_title_w = crate::svg::text_width(&y_title, y_title_size, false);
    let y_title_cy = ((plot_top + plot_bottom) / 2.0)
        .max(PAD + y_title_w / 2.0)
        .min(height - PAD - y_title_w / 2.0);
    // Rotated −90°: "Hanging" puts the top of the letters at x = PAD.
    svg.text(
        PAD,
        y_title_cy,
        &y_title,
        &TextStyle::new(y_title_size)
            .align(Anchor::Middle, Baseline::Hanging)
            .rotated(-90.0),
    );
    svg.end_group();

    // ---- Data -------------------------------------------------------------------------------
    let plot_box = BBox {
        x0: main_left,
        y0: plot_top,
        x1: plot_right,
        y1: plot_bottom,
    };
    let clip = svg.clip_rect(
        main_left,
        plot_top,
        plot_right - main_left,
        plot_bottom - plot_top,
    );
    let point_clip = svg.clip_rect(
        plot_left - 1.0,
        plot_top - 2.0 * POINT_R,
        plot_right - plot_left + 2.0 * POINT_R + 1.0,
        plot_h + 4.0 * POINT_R,
    );

    if !has_data && !has_control {
        svg.text(
            (main_left + plot_right) / 2.0,
            (plot_top + plot_bottom) / 2.0,
            "No data",
            &TextStyle::new(TICK_FONT)
                .color(Color::GREY)
                .align(Anchor::Middle, Baseline::Middle),
        );
    }

    // Bands under everything else.
    svg.begin_group(&Group::class("bands").clipped(&clip));
    for (i, s) in fig.series.iter().enumerate() {
        let rows: Vec<(f64, f64, f64)> = s
            .band
            .iter()
            .filter_map(|&(x, lo, hi)| Some((xpx(x)?, ypx(lo)?, ypx(hi)?)))
            .collect();
        let mut rows = rows;
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let poly: Vec<(f64, f64)> = rows
            .iter()
            .map(|&(x, _, hi)| (x, hi))
            .chain(rows.iter().rev().map(|&(x, lo, _)| (x, lo)))
            .collect();
        svg.polygon(&poly, &Style::fill(series_color(i)).with_fill_opacity(0.18));
    }
    svg.end_group();

    // Fitted curves.
    svg.begin_group(&Group::class("curves").clipped(&clip));
    for (i, s) in fig.series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = s
            .curve
            .iter()
            .map(|&(x, y)| match (xpx(x), ypx(y)) {
                (Some(px), Some(py)) => (px, py),
                _ => (f64::NAN, f64::NAN),
            })
            .collect();
        if !s.name.is_empty() {
            svg.tooltip(&format!("{} (fit)", s.name));
        }
        svg.polyline(&pts, &Style::stroke(series_color(i), 1.8).rounded());
    }
    svg.end_group();

    // Marker drop lines.
    let mut marker_anchors: Vec<(usize, f64, f64, i8)> = Vec::new();
    let mut out_of_range: Vec<(usize, bool)> = Vec::new();
    svg.begin_group(&Group::class("markers").clipped(&clip));
    for (i, s) in fig.series.iter().enumerate() {
        let Some(m) = &s.marker else { continue };
        if !(m.x.is_finite() && m.x > 0.0) {
            continue;
        }
        if !x_axis.contains(m.x) {
            out_of_range.push((i, m.x > x_axis.max));
            continue;
        }
        let Some(px) = xpx(m.x) else { continue };
        let py = ypx(m.y)
            .filter(|y| *y >= plot_top && *y <= plot_bottom)
            .unwrap_or(plot_top);
        svg.line(
            px,
            py,
            px,
            plot_bottom,
            &Style::stroke(series_color(i), 1.0).with_dash(&[4.0, 3.0]),
        );
        // Direction of the curve at the marker decides the label side.
        let dir = match (curve_at(&s.curve, m.x / 1.5), curve_at(&s.curve, m.x * 1.5)) {
            (Some(a), Some(b)) if b < a => -1,
            (Some(a), Some(b)) if b > a => 1,
            _ => -1,
        };
        marker_anchors.push((i, px, py, dir));
    }
    svg.end_group();

    // Points, error bars and vehicle points.
    let mut obstacles: Vec<BBox> = Vec::new();
    svg.begin_group(&Group::class("points").clipped(&point_clip));
    for (i, s) in fig.series.iter().enumerate() {
        let color = series_color(i);
        let shape = MarkerShape::for_series(i);
        let bar = Style::stroke(color, 1.2);
        let mut draw_point = |svg: &mut Svg, px: f64, p: &PointSummary, vehicle: bool| {
            let Some(py) = ypx(p.mean) else { return };
            if let Some(sd) = sd_of(p) {
                if let (Some(y0), Some(y1)) = (ypx(p.mean - sd), ypx(p.mean + sd)) {
                    if (y0 - y1).abs() > 2.0 * POINT_R {
                        svg.line(px, y0, px, y1, &bar);
                        svg.line(px - CAP_HALF, y0, px + CAP_HALF, y0, &bar);
                        svg.line(px - CAP_HALF, y1, px + CAP_HALF, y1, &bar);
                    }
                    obstacles.push(BBox {
                        x0: px - CAP_HALF,
                        y0: y1.min(y0),
                        x1: px + CAP_HALF,
                        y1: y0.max(y1),
                    });
                }
            }
            let mut tip = String::new();
            if !s.name.is_empty() {
                tip.push_str(&s.name);
                tip.push_str(": ");
            }
            if vehicle {
                tip.push_str("vehicle");
            } else {
                tip.push_str("dose ");
                tip.push_str(&format_value(p.x).unwrap_or_default());
            }
            tip.push_str(", mean ");
            tip.push_str(&format_value(p.mean).unwrap_or_default());
            if let Some(sd) = sd_of(p).and_then(format_value) {
                tip.push_str(" ± ");
                tip.push_str(&sd);
                tip.push_str(" SD");
            }
            if p.n > 0 {
                tip.push_str(&format!(", n = {}", p.n));
            }
            svg.tooltip(&tip);
            shape.draw(svg, px, py, POINT_R, color);
            obstacles.push(BBox {
                x0: px - POINT_R - 1.0,
                y0: py - POINT_R - 1.0,
                x1: px + POINT_R + 1.0,
                y1: py + POINT_R + 1.0,
            });
        };
        for p in &s.points {
            if !(p.x > 0.0 && p.x.is_finite()) {
                continue;
            }
            if let Some(px) = xpx(p.x) {
                draw_point(&mut svg, px, p, false);
            }
        }
        if let Some(c) = &s.control {
            if has_control {
                draw_point(&mut svg, control_x, c, true);
            }
        }
    }
    svg.end_group();

    // Curves as obstacles for label placement (vertices densified to ≤ 3 px apart).
    let mut curve_pts: Vec<(f64, f64)> = Vec::new();
    for s in &fig.series {
        let pts: Vec<(f64, f64)> = s
            .curve
            .iter()
            .filter_map(|&(x, y)| Some((xpx(x)?, ypx(y)?)))
            .collect();
        for w in pts.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let steps = (((x1 - x0).hypot(y1 - y0)) / 3.0).ceil().clamp(1.0, 200.0) as usize;
            for k in 0..steps {
                let t = k as f64 / steps as f64;
                curve_pts.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
            }
        }
        if let Some(&last) = pts.last() {
            curve_pts.push(last);
        }
    }

    // Marker labels, placed where they hit nothing.
    let label_style = TextStyle::new(MARKER_FONT);
    let lh = line_height(MARKER_FONT);
    let mut placed: Vec<BBox> = Vec::new();
    svg.begin_group(&Group::class("marker-labels"));
    let mut place = |svg: &mut Svg, i: usize, label: &str, cands: &[(f64, f64, Anchor)]| {
        if label.is_empty() {
            return;
        }
        let (label, size) = fit_text(label, MARKER_FONT, false, plot_right - main_left - 4.0);
        let w = crate::svg::text_width(&label, size, false);
        let mut best: Option<(usize, BBox, f64, f64, Anchor)> = None;
        for &(x, y, anchor) in cands {
            let b = text_box(x, y, w, size, anchor, Baseline::Alphabetic);
            let b = BBox {
                x0: b.x0 - 1.5,
                y0: b.y0 - 1.0,
                x1: b.x1 + 1.5,
                y1: b.y1 + 1.0,
            };
            let mut cost = 0;
            if !b.inside(&plot_box) {
                cost += 1000;
            }
            cost += 100 * placed.iter().filter(|p| p.overlaps(&b)).count();
            cost += 10 * obstacles.iter().filter(|p| p.overlaps(&b)).count();
            cost += curve_pts.iter().filter(|(x, y)| b.contains(*x, *y)).count();
            if best.as_ref().is_none_or(|(c, ..)| cost < *c) {
                best = Some((cost, b, x, y, anchor));
            }
            if cost == 0 {
                break;
            }
        }
        if let Some((_, b, x, y, anchor)) = best {
            svg.rect(
                b.x0,
                b.y0,
                b.x1 - b.x0,
                b.y1 - b.y0,
                &Style::fill(Color::WHITE).with_fill_opacity(0.8),
            );
            svg.text(
                x,
                y,
                &label,
                &TextStyle {
                    size,
                    ..label_style.clone()
                }
                .color(series_color(i))
                .align(anchor, Baseline::Alphabetic),
            );
            placed.push(b);
        }
    };
    for &(i, px, py, dir) in &marker_anchors {
        let (near, far) = if dir < 0 {
            (Anchor::Start, Anchor::End)
        } else {
            (Anchor::End, Anchor::Start)
        };
        let dx = |a: Anchor| if a == Anchor::Start { 6.0 } else { -6.0 };
        let mut cands = Vec::new();
        for k in 0..8 {
            let up = py - 6.0 - k as f64 * lh;
            let down = py + 6.0 + CAP_HEIGHT_EM * MARKER_FONT + k as f64 * lh;
            cands.push((px + dx(near), up, near));
            cands.push((px + dx(far), down, far));
            cands.push((px + dx(far), up, far));
            cands.push((px + dx(near), down, near));
        }
        let label = fig.series[i].marker.as_ref().map_or("", |m| m.label.trim());
        place(&mut svg, i, label, &cands);
    }
    for &(i, right) in &out_of_range {
        let mut cands = Vec::new();
        let (x, anchor) = if right {
            (plot_right - 3.0, Anchor::End)
        } else {
            (main_left + 3.0, Anchor::Start)
        };
        for k in 0..12 {
            let y = plot_top + 4.0 + CAP_HEIGHT_EM * MARKER_FONT + k as f64 * lh;
            cands.push((x, y, anchor));
        }
        let label = fig.series[i].marker.as_ref().map_or("", |m| m.label.trim());
        if !label.is_empty() {
            let text = if right {
                format!("{label} →")
            } else {
                format!("← {label}")
            };
            place(&mut svg, i, &text, &cands);
        }
    }
    svg.end_group();

    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll4(x: f64, ic50: f64) -> f64 {
        5.0 + 95.0 / (1.0 + (x / ic50).powf(1.2))
    }

    fn series(name: &str, ic50: f64) -> DoseResponseSeries {
        let doses = [1.0, 10.0, 100.0, 1000.0, 10000.0];
        DoseResponseSeries {
            name: name.into(),
            points: doses
                .iter()
                .map(|&x| PointSummary {
                    x,
                    mean: ll4(x, ic50),
                    sd: Some(4.0),
                    n: 3,
                })
                .collect(),
            curve: (0..=40)
                .map(|i| {
                    let x = 10f64.powf(f64::from(i) / 10.0);
                    (x, ll4(x, ic50))
                })
                .collect(),
            band: (0..=40)
                .map(|i| {
                    let x = 10f64.powf(f64::from(i) / 10.0);
                    (x, ll4(x, ic50) - 5.0, ll4(x, ic50) + 5.0)
                })
                .collect(),
            marker: Some(Marker {
                x: ic50,
                y: ll4(ic50, ic50),
                label: format!("IC50 {ic50} nM"),
            }),
            control: None,
        }
    }

    /// Two series with NaN, ±inf, zero and negative doses sprinkled everywhere.
    fn nasty() -> DoseResponseFigure {
        let mut a = series("MV4;11 <MLL-AF4>", 300.0);
        a.points.push(PointSummary {
            x: 0.0,
            mean: 100.0,
            sd: Some(2.0),
            n: 3,
        });
        a.points.push(PointSummary {
            x: f64::NAN,
            mean: 50.0,
            sd: None,
            n: 1,
        });
        a.points.push(PointSummary {
            x: 30.0,
            mean: f64::INFINITY,
            sd: Some(f64::NAN),
            n: 1,
        });
        a.points.push(PointSummary {
            x: -5.0,
            mean: 10.0,
            sd: None,
            n: 1,
        });
        a.curve.insert(0, (0.0, 100.0));
        a.curve.push((f64::INFINITY, 5.0));
        a.curve.insert(10, (20.0, f64::NAN));
        a.band.push((f64::NAN, 1.0, 2.0));
        a.band.push((50.0, f64::NEG_INFINITY, 2.0));
        a.control = Some(PointSummary {
            x: 0.0,
            mean: 98.0,
            sd: Some(f64::INFINITY),
            n: 6,
        });
        let mut b = series("K562 & \"friends\"", 5000.0);
        b.marker = Some(Marker {
            x: f64::NAN,
            y: 50.0,
            label: "IC50 n.d.".into(),
        });
        b.points[2].sd = Some(-1.0);
        b.control = Some(PointSummary {
            x: 0.0,
            mean: f64::NAN,
            sd: None,
            n: 0,
        });
        DoseResponseFigure {
            title: "Two series & bad values".into(),
            x_label: "Dose (nM)".into(),
            y_label: "Viability (% of vehicle)".into(),
            series: vec![a, b],
            ..DoseResponseFigure::default()
        }
    }

    /// Every attribute holds only well-formed numbers: no NaN/inf, no `-0`, no exponent.
    fn assert_clean_numbers(svg: &str) {
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "non-finite");
        let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
        for node in doc.descendants().filter(|n| n.is_element()) {
            for attr in node.attributes() {
                if matches!(attr.name(), "class" | "font-family" | "id") {
                    continue;
                }
                for tok in attr.value().split([' ', ',', '(', ')']) {
                    let tok = tok.trim_start_matches(['M', 'L', 'Z']);
                    if tok.parse::<f64>().is_ok() {
                        assert_ne!(tok, "-0", "{}={}", attr.name(), attr.value());
                        assert!(!tok.contains(['e', 'E']), "{}", attr.value());
                        if let Some((_, frac)) = tok.split_once('.') {
                            assert!(frac.len() <= 3 && !frac.ends_with('0'), "{tok}");
                        }
                    }
                }
            }
        }
    }

    /// Estimated boxes of all unrotated text elements.
    fn text_boxes(svg: &str) -> Vec<(String, BBox)> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text") && n.attribute("transform").is_none())
            .map(|n| {
                let text = n.text().unwrap_or("").to_owned();
                let x: f64 = n.attribute("x").unwrap().parse().unwrap();
                let y: f64 = n.attribute("y").unwrap().parse().unwrap();
                let size: f64 = n.attribute("font-size").unwrap().parse().unwrap();
                let bold = n.attribute("font-weight") == Some("bold");
                let anchor = match n.attribute("text-anchor") {
                    Some("middle") => Anchor::Middle,
                    Some("end") => Anchor::End,
                    _ => Anchor::Start,
                };
                let w = crate::svg::text_width(&text, size, bold);
                (text, text_box(x, y, w, size, anchor, Baseline::Alphabetic))
            })
            .collect()
    }

    fn assert_no_text_overlap(svg: &str) {
        let boxes = text_boxes(svg);
        for (i, (ta, a)) in boxes.iter().enumerate() {
            assert!(a.x0 >= 0.0 && a.y0 >= 0.0, "{ta} outside the canvas");
            for (tb, b) in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{ta:?} overlaps {tb:?}");
            }
        }
    }

    #[test]
    fn bad_values_give_valid_svg() {
        let fig = nasty();
        let svg = render(&fig);
        assert_clean_numbers(&svg);
        assert_no_text_overlap(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let points = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("points"))
            .unwrap();
        // Series A: 5 finite positive doses + vehicle; series B: 5 doses (NaN vehicle skipped).
        let markers = points
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() != "line")
            .count();
        assert_eq!(markers, 11);
        // Escaped names reach the legend.
        assert!(svg.contains("K562 &amp; &quot;friends&quot;"));
        assert!(svg.contains("MV4;11 &lt;MLL-AF4&gt;"));
        // Vehicle shown on a broken axis.
        let texts: Vec<String> = text_boxes(&svg).into_iter().map(|(t, _)| t).collect();
        assert!(texts.contains(&"0".to_owned()));
    }

    #[test]
    fn deterministic() {
        let fig = nasty();
        assert_eq!(render(&fig), render(&fig));
        assert_eq!(render(&fig), fig.clone().to_svg());
    }

    #[test]
    fn small_figure_key_elements() {
        let fig = DoseResponseFigure {
            title: "MI-503".into(),
            x_label: "MI-503 (nM)".into(),
            y_label: "Viability (%)".into(),
            series: vec![series("MV4;11", 300.0)],
            ..DoseResponseFigure::default()
        };
        let svg = render(&fig);
        assert_clean_numbers(&svg);
        assert_no_text_overlap(&svg);
        assert!(svg.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"360\" \
             viewBox=\"0 0 480 360\""
        ));
        assert!(svg.contains("<title>MI-503</title>"));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let group = |class: &str| {
            doc.descendants()
                .find(|n| n.attribute("class") == Some(class))
                .unwrap_or_else(|| panic!("group {class}"))
        };
        // No legend for one series.
        assert!(
            doc.descendants()
                .all(|n| n.attribute("class") != Some("legend"))
        );
        // Five points, each with an error bar and two caps, and a tooltip.
        let pts = group("points");
        assert_eq!(
            pts.children().filter(|n| n.has_tag_name("circle")).count(),
            5
        );
        assert_eq!(
            pts.children().filter(|n| n.has_tag_name("line")).count(),
            15
        );
        let tip = pts
            .descendants()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(tip, "MV4;11: dose 1, mean 99.9 ± 4 SD, n = 3");
        // Curve and band are clipped to the plot.
        for class in ["curves", "bands", "markers"] {
            assert!(
                group(class)
                    .attribute("clip-path")
                    .unwrap()
                    .starts_with("url(#p")
            );
        }
        assert_eq!(
            group("curves")
                .children()
                .filter(|n| n.has_tag_name("path"))
                .count(),
            1
        );
        let band = group("bands")
            .children()
            .find(|n| n.has_tag_name("polygon"))
            .unwrap();
        assert_eq!(band.attribute("fill"), Some("#0072b2"));
        assert_eq!(band.attribute("fill-opacity"), Some("0.18"));
        // IC50 drop line (dashed) and label.
        let drop = group("markers")
            .children()
            .find(|n| n.has_tag_name("line"))
            .unwrap();
        assert_eq!(drop.attribute("stroke-dasharray"), Some("4 3"));
        assert!(svg.contains(">IC50 300 nM</text>"));
        // Axis labels: decades on x, 0..100 on y, titles.
        let texts: Vec<String> = group("axes")
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        for l in [
            "1",
            "10",
            "100",
            "1000",
            "10000",
            "0",
            "20",
            "100",
            "MI-503 (nM)",
        ] {
            assert!(texts.contains(&l.to_owned()), "{l} in {texts:?}");
        }
        assert!(svg.contains("transform=\"rotate(-90 "));
        assert!(svg.contains(">Viability (%)</text>"));
    }

    #[test]
    fn layouts_without_overlap() {
        let mut fig = nasty();
        fig.width = 320.0;
        fig.height = 240.0;
        fig.title = "A long title that has to be wrapped onto two lines at this width".into();
        for s in &mut fig.series {
            for p in &mut s.points {
                p.x *= 1e-9;
            }
            for c in &mut s.curve {
                c.0 *= 1e-9;
            }
            for b in &mut s.band {
                b.0 *= 1e-9;
            }
            if let Some(m) = &mut s.marker {
                m.x *= 1e-9;
            }
        }
        let svg = render(&fig);
        assert_clean_numbers(&svg);
        assert_no_text_overlap(&svg);
        assert!(svg.contains("10⁻⁶"));
        assert_eq!(svg.matches("font-weight=\"bold\"").count(), 2);

        // Many series: legend wraps, colours and shapes cycle.
        let fig = DoseResponseFigure {
            series: (0..9)
                .map(|i| {
                    series(
                        &format!("Cell line {i}"),
                        10f64.powf(1.0 + f64::from(i) * 0.3),
                    )
                })
                .collect(),
            ..DoseResponseFigure::default()
        };
        let svg = render(&fig);
        assert_clean_numbers(&svg);
        assert_no_text_overlap(&svg);
    }

    #[test]
    fn marker_outside_range_gets_an_arrow() {
        let mut s = series("K562", 1e6);
        s.marker.as_mut().unwrap().label = "IC50 > 10000 nM".into();
        let fig = DoseResponseFigure {
            series: vec![s],
            ..DoseResponseFigure::default()
        };
        let svg = render(&fig);
        assert!(svg.contains(">IC50 &gt; 10000 nM →</text>"));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let markers = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("markers"))
            .unwrap();
        assert_eq!(markers.children().filter(|n| n.is_element()).count(), 0);
    }

    #[test]
    fn empty_and_degenerate_figures() {
        for fig in [
            DoseResponseFigure::default(),
            DoseResponseFigure {
                width: f64::NAN,
                height: -1.0,
                series: vec![DoseResponseSeries {
                    points: vec![PointSummary {
                        x: 50.0,
                        mean: 40.0,
                        sd: None,
                        n: 1,
                    }],
                    ..DoseResponseSeries::default()
                }],
                y_range: Some((f64::NAN, 3.0)),
                ..DoseResponseFigure::default()
            },
        ] {
            let svg = render(&fig);
            assert_clean_numbers(&svg);
            assert_no_text_overlap(&svg);
        }
        assert!(render(&DoseResponseFigure::default()).contains(">No data</text>"));
    }

    #[test]
    fn fixed_y_range_and_serde() {
        let fig = DoseResponseFigure {
            series: vec![series("A", 100.0)],
            y_range: Some((0.0, 110.0)),
            ..DoseResponseFigure::default()
        };
        let svg = render(&fig);
        assert!(svg.contains(">100</text>"));
        assert!(!svg.contains(">120</text>"));
        let json = serde_json::to_string(&fig).unwrap();
        let back: DoseResponseFigure = serde_json::from_str(&json).unwrap();
        assert_eq!(render(&back), svg);
        // Missing fields take their defaults.
        let min: DoseResponseFigure = serde_json::from_str("{\"title\":\"t\"}").unwrap();
        assert_eq!(min.width, 480.0);
    }
}
