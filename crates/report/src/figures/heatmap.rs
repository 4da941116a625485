//! Heatmap figure: a matrix of coloured cells with row and column labels, optional text in the
//! cells and a colour-bar legend.
//!
//! Used for synergy-score matrices (dose × dose, diverging scale centred at 0), dose–dose
//! response matrices (sequential scale, e.g. % inhibition 0–100), cross-resistance tables
//! (drug × cell line, log2 resistance factor with significance stars) and fold-change tables.
//!
//! Colours: [`ColorScale::Diverging`] uses ColorBrewer RdBu reversed (blue – near-white – red,
//! [`crate::palette::diverging`]), [`ColorScale::Sequential`] uses viridis
//! ([`crate::palette::sequential`]); both are colour-blind safe, and their sources are given in
//! [`crate::palette`]. Values beyond the ends of the scale take the end colour, and the colour
//! bar then ends in a triangle to say so.
//!
//! Data rules: a missing (`None`) or non-finite value is drawn as a light grey hatched cell and
//! is never coloured as if it were 0; it appears in the legend as a hatched swatch labelled
//! [`HeatmapFigure::missing_label`]. The matrix size is the largest of the number of rows of
//! `values` and `y_ticks` and of the longest row and `x_ticks`; absent entries are missing cells.
//!
//! Layout: label sizes come from the text-width estimate of [`crate::svg::text_width`]. Column
//! labels are set horizontally when they fit, otherwise rotated by 45° and then by 90°, shrunk
//! and finally thinned; row labels are shrunk and thinned in the same way, so no two labels
//! overlap. Cell text uses one font size for the whole matrix, the largest (up to 10.5 px) at
//! which every annotation fits its cell; text that does not fit even at 6.5 px is left out (the
//! cell's tooltip still has it). Cell text is black or white, whichever contrasts more with the
//! cell ([`crate::palette::text_color_on`]).

use serde::{Deserialize, Serialize};

use super::format_value;
use super::layout::{BBox, LABEL_SPACING, MIN_FONT, fit_text, text_box, thin_labels, wrap_title};
use crate::axis::Axis;
use crate::palette::{diverging, sequential, text_color_on};
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, Color, DESCENT_EM, Group, PathData, Style, Svg, TextStyle,
    line_height,
};

/// A heatmap: a matrix of values drawn as coloured cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeatmapFigure {
    /// Title above the figure; empty for none.
    pub title: String,
    /// Title of the columns (x axis), e.g. `MI-503 (nM)`; empty for none.
    pub x_label: String,
    /// Title of the rows (y axis), e.g. `quizartinib (nM)`; empty for none.
    pub y_label: String,
    /// Column labels, left to right (e.g. doses formatted by the caller).
    pub x_ticks: Vec<String>,
    /// Row labels, in the order of the rows of `values`.
    pub y_ticks: Vec<String>,
    /// Row 0 at the bottom (dose matrices, like a y axis) when true; at the top (tables) when
    /// false.
    pub y_up: bool,
    /// Values, rows × columns; `None` (or a non-finite value) is a missing cell.
    pub values: Vec<Vec<Option<f64>>>,
    /// Optional text per cell, rows × columns, e.g. `12.3` or `***`; `\n` starts a new line.
    /// Empty strings and absent entries draw nothing.
    pub annotations: Vec<Vec<String>>,
    /// How values map to colours.
    pub scale: ColorScale,
    /// Title of the colour bar, e.g. `Bliss synergy (%)` or `log2 RF`.
    pub legend_label: String,
    /// Legend text of the hatched swatch shown when some cells are missing (default `Missing`).
    pub missing_label: String,
    /// Width in px (default 480).
    pub width: f64,
    /// Height in px (default 420).
    pub height: f64,
}

impl Default for HeatmapFigure {
    fn default() -> Self {
        HeatmapFigure {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            x_ticks: Vec::new(),
            y_ticks: Vec::new(),
            y_up: false,
            values: Vec::new(),
            annotations: Vec::new(),
            scale: ColorScale::default(),
            legend_label: String::new(),
            missing_label: "Missing".to_owned(),
            width: 480.0,
            height: 420.0,
        }
    }
}

impl HeatmapFigure {
    /// Renders the figure as an SVG document (see [`render`]).
    pub fn to_svg(&self) -> String {
        render(self)
    }
}

/// How values map to colours.
///
/// Serialized with a `kind` tag: `{"kind": "diverging", "center": 0, "limit": 30}` or
/// `{"kind": "sequential", "min": 0, "max": 100}`; an absent or `null` bound is taken from the
/// data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColorScale {
    /// Blue – near-white – red, symmetric around `center`: `center` is near-white,
    /// `center − limit` dark blue and `center + limit` dark red; values beyond clamp to the end
    /// colours.
    Diverging {
        /// The neutral value (e.g. 0 for synergy scores and log fold changes). A non-finite
        /// centre is taken as 0.
        #[serde(default)]
        center: f64,
        /// Half-width of the scale (e.g. 30 for −30…+30 %). `None`, non-finite or ≤ 0: the
        /// largest distance of a value from `center`, rounded up to a 1-2-5 step.
        limit: Option<f64>,
    },
    /// Dark purple (low) to yellow (high) from `min` to `max`; values outside clamp to the end
    /// colours.
    Sequential {
        /// Value drawn dark purple. `None` or non-finite: the data minimum, rounded down to a
        /// 1-2-5 step.
        min: Option<f64>,
        /// Value drawn yellow. `None` or non-finite: the data maximum, rounded up to a 1-2-5
        /// step.
        max: Option<f64>,
    },
}

impl Default for ColorScale {
    /// A sequential scale over the data range.
    fn default() -> Self {
        ColorScale::Sequential {
            min: None,
            max: None,
        }
    }
}

/// A [`ColorScale`] with its domain fixed (bounds taken from the data where not given).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResolvedScale {
    /// Value at the low end of the scale (finite, `< hi`).
    pub lo: f64,
    /// Value at the high end of the scale (finite, `> lo`).
    pub hi: f64,
    /// Diverging (RdBu) or sequential (viridis) colours.
    pub diverging: bool,
}

impl ColorScale {
    /// Fixes the domain of the scale; bounds that are not given (or not usable) come from the
    /// finite values of `data`. Always returns a finite domain with `lo < hi`.
    pub fn resolve<I: IntoIterator<Item = f64>>(&self, data: I) -> ResolvedScale {
        let mut range: Option<(f64, f64)> = None;
        let mut data_vals = Vec::new();
        for v in data.into_iter().filter(|v| v.is_finite()) {
            range = Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
            data_vals.push(v);
        }
        let usable = |v: Option<f64>| v.filter(|x| x.is_finite());
        match *self {
            ColorScale::Diverging { center, limit } => {
                let c = if center.is_finite() { center } else { 0.0 };
                let l = match usable(limit).filter(|l| *l > 0.0) {
                    Some(l) => l,
                    None => {
                        let m = data_vals.iter().map(|v| (v - c).abs()).fold(0.0, f64::max);
                        if m > 0.0 && m.is_finite() {
                            Axis::linear(0.0, m).max
                        } else {
                            1.0
                        }
                    }
                };
                let (lo, hi) = (c - l, c + l);
                if (hi - lo).is_finite() && lo < hi {
                    ResolvedScale {
                        lo,
                        hi,
                        diverging: true,
                    }
                } else {
                    ResolvedScale {
                        lo: -1.0,
                        hi: 1.0,
                        diverging: true,
                    }
                }
            }
            ColorScale::Sequential { min, max } => {
                let (min, max) = (usable(min), usable(max));
                let (dlo, dhi) = range.unwrap_or((0.0, 1.0));
                let a = min.unwrap_or(dlo);
                let b = max.unwrap_or(dhi);
                let nice = Axis::linear(a.min(b), a.max(b));
                let lo = min.unwrap_or(nice.min);
                let hi = max.unwrap_or(nice.max);
                let (lo, hi) = if lo < hi {
                    (lo, hi)
                } else if lo > hi && min.is_some() && max.is_some() {
                    (hi, lo)
                } else {
                    (nice.min, nice.max)
                };
                if (hi - lo).is_finite() && lo < hi {
                    ResolvedScale {
                        lo,
                        hi,
                        diverging: false,
                    }
                } else {
                    ResolvedScale {
                        lo: 0.0,
                        hi: 1.0,
                        diverging: false,
                    }
                }
            }
        }
    }
}

impl ResolvedScale {
    /// Position of `v` on the scale, clamped to 0–1; `None` if `v` is not finite.
    pub fn fraction(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        let f = (v - self.lo) / (self.hi - self.lo);
        f.is_finite().then(|| f.clamp(0.0, 1.0))
    }

    /// Colour of `v`; `None` if `v` is not finite (a missing cell).
    pub fn color(&self, v: f64) -> Option<Color> {
        let t = self.fraction(v)?;
        Some(if self.diverging {
            diverging(t)
        } else {
            sequential(t)
        })
    }
}

// Typography and geometry, in px.
const PAD: f64 = 8.0;
const TICK_FONT: f64 = 11.0;
const AXIS_TITLE_FONT: f64 = 12.0;
const LEGEND_FONT: f64 = 10.5;
const LEGEND_TITLE_FONT: f64 = 11.0;
const ANNOT_FONT: f64 = 10.5;
const MIN_ANNOT_FONT: f64 = 6.5;
const ANNOT_LINE: f64 = 1.15;
const LABEL_GAP: f64 = 4.0;
const TITLE_GAP: f64 = 6.0;
const CB_GAP: f64 = 14.0;
const CB_W: f64 = 12.0;
const CB_TICK: f64 = 3.0;
const TICK_GAP: f64 = 3.0;
const MIN_BAR_H: f64 = 100.0;
const MAX_BAR_H: f64 = 320.0;
const KEY_GAP: f64 = 10.0;
const SWATCH: f64 = 11.0;
const HATCH_STEP: f64 = 4.0;
/// Largest width / height ratio of a cell (and height / width).
const MAX_WIDE: f64 = 2.5;
const MAX_TALL: f64 = 1.0;
const MISSING_FILL: Color = Color::hex(0xEBEBEB);
const HATCH_COLOR: Color = Color::hex(0xA3A3A3);
const MISSING_TEXT: Color = Color::hex(0x333333);
/// Height of a line of text as used for collision checks (cap height + 0.1 em + descent).
const BAND_EM: f64 = CAP_HEIGHT_EM + 0.1 + DESCENT_EM;

/// Corners of the box of a text anchored at (x, y), rotated by `deg` about the anchor (as
/// [`Svg::text`] draws it).
fn text_corners(
    (x, y): (f64, f64),
    w: f64,
    size: f64,
    anchor: Anchor,
    baseline: Baseline,
    deg: f64,
) -> [(f64, f64); 4] {
    let b = text_box(0.0, 0.0, w, size, anchor, baseline);
    let (s, c) = deg.to_radians().sin_cos();
    [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)]
        .map(|(px, py)| (x + px * c - py * s, y + px * s + py * c))
}

fn bounds(points: impl IntoIterator<Item = (f64, f64)>) -> Option<BBox> {
    points.into_iter().fold(None, |acc: Option<BBox>, (x, y)| {
        Some(match acc {
            None => BBox {
                x0: x,
                y0: y,
                x1: x,
                y1: y,
            },
            Some(b) => BBox {
                x0: b.x0.min(x),
                y0: b.y0.min(y),
                x1: b.x1.max(x),
                y1: b.y1.max(y),
            },
        })
    })
}

/// Fits every label into `avail` px at one common font size (down to [`MIN_FONT`], then with an
/// ellipsis). Returns the texts and the size.
fn fit_labels(labels: &[String], size: f64, avail: f64) -> (Vec<String>, f64) {
    let common = labels
        .iter()
        .map(|l| fit_text(l.trim(), size, false, avail).1)
        .fold(size, f64::min);
    let texts = labels
        .iter()
        .map(|l| fit_text(l.trim(), common, false, avail).0)
        .collect();
    (texts, common)
}

/// How the column labels are set.
#[derive(Clone, Debug)]
struct ColumnLabels {
    texts: Vec<String>,
    size: f64,
    /// 0, −45 or −90 degrees.
    angle: f64,
    keep: Vec<bool>,
    /// Anchor y below the top of the label band (so that no label pokes above it).
    dy: f64,
    /// Depth of the label band.
    depth: f64,
    /// How far labels reach left of the grid's left edge (≥ 0).
    left: f64,
    /// How far labels reach right of the grid's right edge (≥ 0).
    right: f64,
}

impl ColumnLabels {
    fn anchor(&self) -> (Anchor, Baseline) {
        if self.angle == 0.0 {
            (Anchor::Middle, Baseline::Hanging)
        } else {
            (Anchor::End, Baseline::Middle)
        }
    }
}

/// Chooses the column-label layout for a column pitch: horizontal if the labels fit side by
/// side, else rotated −45°, else −90° (shrunk down to [`MIN_FONT`], then thinned).
fn layout_columns(labels: &[String], pitch: f64, flat_max: f64, rot_max: f64) -> ColumnLabels {
    let n = labels.len();
    let nonempty: Vec<usize> = (0..n).filter(|&i| !labels[i].trim().is_empty()).collect();
    let finish = |texts: Vec<String>, size: f64, angle: f64, keep: Vec<bool>| {
        let mut cl = ColumnLabels {
            texts,
            size,
            angle,
            keep,
            dy: 0.0,
            depth: 0.0,
            left: 0.0,
            right: 0.0,
        };
        let (anchor, baseline) = cl.anchor();
        let b = bounds((0..n).filter(|&i| cl.keep[i]).flat_map(|i| {
            let w = crate::svg::text_width(&cl.texts[i], size, false);
            text_corners(
                ((i as f64 + 0.5) * pitch, 0.0),
                w,
                size,
                anchor,
                baseline,
                angle,
            )
        }));
        if let Some(b) = b {
            cl.dy = -b.y0;
            cl.depth = b.y1 - b.y0;
            cl.left = (-b.x0).max(0.0);
            cl.right = (b.x1 - n as f64 * pitch).max(0.0);
        }
        cl
    };
    let all = vec![true; n];
    if nonempty.is_empty() {
        return finish(vec![String::new(); n], TICK_FONT, 0.0, vec![false; n]);
    }
    // Horizontal.
    let (flat, size) = fit_labels(labels, TICK_FONT, flat_max);
    let widths: Vec<f64> = flat
        .iter()
        .map(|t| crate::svg::text_width(t, size, false))
        .collect();
    let flat_ok = nonempty.windows(2).all(|w| {
        let (i, j) = (w[0], w[1]);
        (j - i) as f64 * pitch >= (widths[i] + widths[j]) / 2.0 + LABEL_SPACING
    });
    if flat_ok {
        return finish(flat, size, 0.0, all);
    }
    let min_gap = nonempty.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(1) as f64;
    // Rotated 45°.
    let (rot, size) = fit_labels(labels, TICK_FONT, rot_max);
    if min_gap * pitch * std::f64::consts::FRAC_1_SQRT_2 >= BAND_EM * size + 1.5 {
        return finish(rot, size, -45.0, all);
    }
    // Rotated 90°, shrunk, then thinned.
    // 1.5 px: the 1 px thinning gap plus a margin against rounding.
    let size = ((min_gap * pitch - 1.5) / BAND_EM).clamp(MIN_FONT, TICK_FONT);
    let (rot, size) = fit_labels(labels, size, rot_max);
    let band = BAND_EM * size;
    let centres: Vec<(f64, f64)> = nonempty
        .iter()
        .map(|&i| {
            let c = (i as f64 + 0.5) * pitch;
            (c - band / 2.0, c + band / 2.0)
        })
        .collect();
    let kept = thin_labels(&centres, 0, 1.0);
    let mut keep = vec![false; n];
    for (&i, k) in nonempty.iter().zip(kept) {
        keep[i] = k;
    }
    finish(rot, size, -90.0, keep)
}

/// Diagonal hatching (lines x + y = const, every [`HATCH_STEP`] px in page coordinates, so that
/// neighbouring missing cells join up) clipped to a rectangle.
fn hatch(path: &mut PathData, x0: f64, y0: f64, x1: f64, y1: f64) {
    if !(x1 > x0 && y1 > y0) {
        return;
    }
    let first = ((x0 + y0) / HATCH_STEP).floor() as i64 + 1;
    let last = ((x1 + y1) / HATCH_STEP).ceil() as i64 - 1;
    if last < first || last - first > 100_000 {
        return;
    }
    for k in first..=last {
        let s = k as f64 * HATCH_STEP;
        let xa = x0.max(s - y1);
        let xb = x1.min(s - y0);
        if xb - xa > 0.05 {
            path.move_to(xa, s - xa).line_to(xb, s - xb);
        }
    }
}

/// Renders the figure as an SVG document. Deterministic; never writes a non-finite number.
pub fn render(fig: &HeatmapFigure) -> String {
    let defaults = HeatmapFigure::default();
    let ok_size = |v: f64, min: f64, d: f64| if v.is_finite() && v >= min { v } else { d };
    let width = ok_size(fig.width, 160.0, defaults.width).min(10_000.0);
    let height = ok_size(fig.height, 120.0, defaults.height).min(10_000.0);

    let nr = fig.values.len().max(fig.y_ticks.len());
    let nc = fig
        .values
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(fig.x_ticks.len());
    let value = |r: usize, c: usize| -> Option<f64> {
        fig.values
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    };
    let annotation = |r: usize, c: usize| -> Vec<&str> {
        fig.annotations
            .get(r)
            .and_then(|row| row.get(c))
            .map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
            .unwrap_or_default()
    };
    let finite_values: Vec<f64> = (0..nr)
        .flat_map(|r| (0..nc).filter_map(move |c| value(r, c)))
        .collect();
    let any_missing = finite_values.len() < nr * nc;
    let scale = fig.scale.resolve(finite_values.iter().copied());
    let tol = 1e-9 * (scale.hi - scale.lo);
    let extend_lo = finite_values.iter().any(|v| *v < scale.lo - tol);
    let extend_hi = finite_values.iter().any(|v| *v > scale.hi + tol);

    let mut svg = Svg::new(width, height);
    svg.set_title(fig.title.trim());
    svg.set_description(&format!(
        "Heatmap of {nr} rows × {nc} columns. Columns: {}. Rows: {}. Colour: {} ({} scale from \
         {} to {}).",
        nonempty_or(&fig.x_label, "unlabelled"),
        nonempty_or(&fig.y_label, "unlabelled"),
        nonempty_or(&fig.legend_label, "value"),
        if scale.diverging {
            "diverging"
        } else {
            "sequential"
        },
        format_value(scale.lo).unwrap_or_default(),
        format_value(scale.hi).unwrap_or_default(),
    ));
    svg.rect(0.0, 0.0, width, height, &Style::fill(Color::WHITE));

    // ---- Title ------------------------------------------------------------------------------
    let (title_lines, title_size) = wrap_title(fig.title.trim(), width - 2.0 * PAD);
    let title_line_h = (CAP_HEIGHT_EM + DESCENT_EM) * title_size + 3.0;
    let title_h = if title_lines.is_empty() {
        0.0
    } else {
        title_lines.len() as f64 * title_line_h + 2.0
    };

    if nr == 0 || nc == 0 {
        draw_title(&mut svg, &title_lines, title_size, PAD, width / 2.0, width);
        svg.text(
            width / 2.0,
            (PAD + title_h + height - PAD) / 2.0,
            "No data",
            &TextStyle::new(TICK_FONT)
                .color(Color::GREY)
                .align(Anchor::Middle, Baseline::Middle),
        );
        return svg.finish();
    }

    // ---- Colour-bar labels and legend width --------------------------------------------------
    let cb_labels = colorbar_ticks(&scale);
    let cb_label_w = cb_labels
        .iter()
        .map(|(_, l)| crate::svg::text_width(l, LEGEND_FONT, false))
        .fold(0.0, f64::max);
    let cb_label_h = BAND_EM * LEGEND_FONT;
    let legend_title = fig.legend_label.trim();
    let legend_title_col = if legend_title.is_empty() {
        0.0
    } else {
        TITLE_GAP + line_height(LEGEND_TITLE_FONT)
    };
    let missing_text = fig.missing_label.trim();
    let key_w = if any_missing {
        SWATCH + 4.0 + crate::svg::text_width(missing_text, LEGEND_FONT, false)
    } else {
        0.0
    };
    // Without a single finite value there is nothing to show a colour bar for.
    let has_bar = !finite_values.is_empty();
    let legend_w = if has_bar {
        (CB_W + CB_TICK + TICK_GAP + cb_label_w + legend_title_col).max(key_w)
    } else {
        key_w
    };
    let key_h = match (any_missing, has_bar) {
        (false, _) => 0.0,
        (true, true) => KEY_GAP + SWATCH,
        (true, false) => SWATCH,
    };

    // ---- Row and column labels ----------------------------------------------------------------
    let row_labels: Vec<String> = (0..nr)
        .map(|r| fig.y_ticks.get(r).cloned().unwrap_or_default())
        .collect();
    let col_labels: Vec<String> = (0..nc)
        .map(|c| fig.x_ticks.get(c).cloned().unwrap_or_default())
        .collect();
    let (row_texts, row_size0) = fit_labels(&row_labels, TICK_FONT, (0.3 * width).max(40.0));
    let row_w = row_texts
        .iter()
        .map(|t| crate::svg::text_width(t, row_size0, false))
        .fold(0.0, f64::max);
    let has_row_labels = row_w > 0.0;
    let y_title = fig.y_label.trim();
    let x_title = fig.x_label.trim();
    let y_title_col = if y_title.is_empty() {
        0.0
    } else {
        line_height(AXIS_TITLE_FONT) + TITLE_GAP
    };
    let x_title_row = if x_title.is_empty() {
        0.0
    } else {
        line_height(AXIS_TITLE_FONT) + TITLE_GAP
    };
    let row_col = if has_row_labels {
        row_w + LABEL_GAP
    } else {
        0.0
    };
    // Room for half of the top colour-bar label, which is centred on the top of the grid.
    let top_min = PAD + title_h + cb_label_h / 2.0;

    // Cell size and column labels depend on each other: iterate to a fixed point (the pitch only
    // shrinks, so the label layout only gets more compact).
    let nrf = nr as f64;
    let ncf = nc as f64;
    let flat_max = width - 2.0 * PAD;
    let rot_max = (0.3 * height).max(30.0);
    let mut pitch = f64::INFINITY;
    let mut cols = layout_columns(&col_labels, (width / ncf).max(1.0), flat_max, rot_max);
    let (mut cw, mut ch) = (1.0, 1.0);
    for _ in 0..8 {
        let label_band = if cols.depth > 0.0 {
            LABEL_GAP + cols.depth
        } else {
            0.0
        };
        let left = y_title_col + row_col.max(cols.left);
        let right = CB_GAP.max(cols.right + LABEL_SPACING) + legend_w;
        let aw = width - 2.0 * PAD - left - right;
        let ah = height - PAD - top_min - label_band - x_title_row;
        let cw0 = (aw / ncf).max(0.01);
        let ch0 = (ah / nrf).max(0.01);
        cw = cw0.min(MAX_WIDE * ch0).min(pitch);
        ch = ch0.min(MAX_TALL * cw);
        if (pitch - cw).abs() < 0.01 {
            break;
        }
        pitch = cw;
        cols = layout_columns(&col_labels, cw, flat_max, rot_max);
    }
    let cols = layout_columns(&col_labels, cw, flat_max, rot_max);
    let label_band = if cols.depth > 0.0 {
        LABEL_GAP + cols.depth
    } else {
        0.0
    };
    let grid_w = ncf * cw;
    let grid_h = nrf * ch;
    let left_block = y_title_col + row_col.max(cols.left);
    let legend_gap = CB_GAP.max(cols.right + LABEL_SPACING);
    let content_w = left_block + grid_w + legend_gap + legend_w;
    let ox = ((width - 2.0 * PAD - content_w) / 2.0).max(0.0);
    let content_h = grid_h + label_band + x_title_row;
    let oy = ((height - PAD - top_min - content_h) / 2.0).max(0.0);

    let content_left = PAD + ox;
    let grid_left = content_left + left_block;
    let grid_right = grid_left + grid_w;
    let grid_top = top_min + oy;
    let grid_bottom = grid_top + grid_h;
    let grid_cx = (grid_left + grid_right) / 2.0;
    let grid_cy = (grid_top + grid_bottom) / 2.0;

    // Rows from the top of the grid.
    let row_y = |r: usize| -> f64 {
        let k = if fig.y_up { nr - 1 - r } else { r };
        grid_top + k as f64 * ch
    };
    let col_x = |c: usize| -> f64 { grid_left + c as f64 * cw };

    // ---- Title ------------------------------------------------------------------------------
    draw_title(&mut svg, &title_lines, title_size, PAD + oy, grid_cx, width);

    // ---- Cells ------------------------------------------------------------------------------
    let gap = if cw.min(ch) >= 8.0 { 1.0 } else { 0.0 };
    let cell_box = |r: usize, c: usize| -> BBox {
        let (x, y) = (col_x(c), row_y(r));
        BBox {
            x0: x + gap / 2.0,
            y0: y + gap / 2.0,
            x1: x + cw - gap / 2.0,
            y1: y + ch - gap / 2.0,
        }
    };
    let tooltip = |r: usize, c: usize, v: Option<f64>| -> String {
        let part = |axis: &str, tick: &str| match (axis.is_empty(), tick.trim().is_empty()) {
            (_, true) => None,
            (true, false) => Some(tick.trim().to_owned()),
            (false, false) => Some(format!("{axis} {}", tick.trim())),
        };
        let mut parts: Vec<String> = [part(y_title, &row_labels[r]), part(x_title, &col_labels[c])]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            parts.push(format!("row {}, column {}", r + 1, c + 1));
        }
        let mut tip = parts.join(", ");
        tip.push_str(": ");
        match v.and_then(format_value) {
            Some(s) => tip.push_str(&s),
            None => tip.push_str(if missing_text.is_empty() {
                "missing"
            } else {
                missing_text
            }),
        }
        let ann = annotation(r, c).join(" ");
        if !ann.is_empty() {
            tip.push_str(&format!(" ({ann})"));
        }
        tip
    };
    svg.begin_group(&Group::class("cells"));
    for r in 0..nr {
        for c in 0..nc {
            let Some((v, color)) = value(r, c).and_then(|v| Some((v, scale.color(v)?))) else {
                continue;
            };
            let b = cell_box(r, c);
            svg.tooltip(&tooltip(r, c, Some(v)));
            svg.rect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0, &Style::fill(color));
        }
    }
    svg.end_group();

    if any_missing {
        svg.begin_group(&Group::class("missing"));
        let mut hatches = PathData::new();
        for r in 0..nr {
            for c in 0..nc {
                if value(r, c).is_some() {
                    continue;
                }
                let b = cell_box(r, c);
                svg.tooltip(&tooltip(r, c, None));
                svg.rect(
                    b.x0,
                    b.y0,
                    b.x1 - b.x0,
                    b.y1 - b.y0,
                    &Style::fill(MISSING_FILL),
                );
                hatch(&mut hatches, b.x0, b.y0, b.x1, b.y1);
            }
        }
        svg.path(&hatches, &Style::stroke(HATCH_COLOR, 0.6));
        svg.end_group();
    }

    // ---- Cell annotations ---------------------------------------------------------------------
    let mut annot_size = ANNOT_FONT;
    let mut any_annotation = false;
    for r in 0..nr {
        for c in 0..nc {
            let lines = annotation(r, c);
            if lines.is_empty() {
                continue;
            }
            any_annotation = true;
            let w_em = lines
                .iter()
                .map(|l| crate::svg::text_width(l, 1.0, false))
                .fold(0.0, f64::max);
            let h_em = BAND_EM + (lines.len() as f64 - 1.0) * ANNOT_LINE;
            let fit = ((cw - gap - 4.0) / w_em.max(1e-9)).min((ch - gap - 2.0) / h_em);
            annot_size = annot_size.min(fit);
        }
    }
    let annot_size = annot_size.max(MIN_ANNOT_FONT);
    if any_annotation {
        svg.begin_group(&Group::class("annotations"));
        for r in 0..nr {
            for c in 0..nc {
                let lines = annotation(r, c);
                if lines.is_empty() {
                    continue;
                }
                let b = cell_box(r, c);
                let w = lines
                    .iter()
                    .map(|l| crate::svg::text_width(l, annot_size, false))
                    .fold(0.0, f64::max);
                let h = (BAND_EM + (lines.len() as f64 - 1.0) * ANNOT_LINE) * annot_size;
                if w > b.x1 - b.x0 - 2.0 || h > b.y1 - b.y0 {
                    continue;
                }
                let color = match value(r, c).and_then(|v| scale.color(v)) {
                    Some(bg) => text_color_on(bg),
                    None => MISSING_TEXT,
                };
                let style = TextStyle::new(annot_size)
                    .color(color)
                    .align(Anchor::Middle, Baseline::Middle);
                let cx = (b.x0 + b.x1) / 2.0;
                let cy = (b.y0 + b.y1) / 2.0;
                let n = lines.len() as f64;
                for (k, line) in lines.iter().enumerate() {
                    let y = cy + (k as f64 - (n - 1.0) / 2.0) * ANNOT_LINE * annot_size;
                    svg.text(cx, y, line, &style);
                }
            }
        }
        svg.end_group();
    }

    // ---- Colour-bar geometry ---------------------------------------------------------------------
    let bar_left = grid_right + legend_gap;
    let tri = CB_W * 0.9;
    let ext_lo = if extend_lo && has_bar { tri } else { 0.0 };
    let ext_hi = if extend_hi && has_bar { tri } else { 0.0 };
    // The legend (bar, extension triangles, missing key) is centred on the grid; it may grow
    // below the grid but never above it or off the canvas.
    let room = (height - PAD - grid_top - key_h - ext_lo - ext_hi).max(10.0);
    let bar_h = if has_bar {
        (grid_h - key_h - ext_lo - ext_hi)
            .clamp(MIN_BAR_H.min(room), MAX_BAR_H)
            .min(room)
    } else {
        0.0
    };
    let block_h = bar_h + ext_lo + ext_hi + key_h;
    let block_top = (grid_cy - block_h / 2.0)
        .min(height - PAD - block_h)
        .max(grid_top);
    let bar_top = block_top + ext_hi;
    let bar_bottom = bar_top + bar_h;
    let bar_y = |v: f64| -> Option<f64> { scale.fraction(v).map(|f| bar_bottom - f * bar_h) };

    // ---- Labels and axis titles -----------------------------------------------------------------
    svg.begin_group(&Group::class("axes"));
    // Row labels: shrink to the row pitch, then thin.
    if has_row_labels {
        let size = row_size0.min(((ch - 1.5) / BAND_EM).max(MIN_FONT));
        let (texts, size) = if size < row_size0 {
            fit_labels(&row_labels, size, (0.3 * width).max(40.0))
        } else {
            (row_texts, row_size0)
        };
        let band = BAND_EM * size;
        let rows: Vec<usize> = (0..nr).filter(|&r| !texts[r].is_empty()).collect();
        let ext: Vec<(f64, f64)> = rows
            .iter()
            .map(|&r| {
                let cy = row_y(r) + ch / 2.0;
                (cy - band / 2.0, cy + band / 2.0)
            })
            .collect();
        let keep = thin_labels(&ext, 0, 1.0);
        let style = TextStyle::new(size).align(Anchor::End, Baseline::Middle);
        for (&r, k) in rows.iter().zip(keep) {
            if k {
                svg.text(
                    grid_left - LABEL_GAP,
                    row_y(r) + ch / 2.0,
                    &texts[r],
                    &style,
                );
            }
        }
    }
    // Column labels.
    if cols.depth > 0.0 {
        let (anchor, baseline) = cols.anchor();
        let style = TextStyle::new(cols.size)
            .align(anchor, baseline)
            .rotated(cols.angle);
        let y = grid_bottom + LABEL_GAP + cols.dy;
        for c in 0..nc {
            if cols.keep[c] {
                svg.text(col_x(c) + cw / 2.0, y, &cols.texts[c], &style);
            }
        }
    }
    // Axis titles.
    if !x_title.is_empty() {
        // The full width, unless the legend reaches down to the title's line.
        let right_end = if block_top + block_h > grid_bottom + label_band {
            bar_left - LABEL_SPACING
        } else {
            width - PAD
        };
        let (text, size) = fit_text(x_title, AXIS_TITLE_FONT, false, right_end - PAD);
        let half = crate::svg::text_width(&text, size, false) / 2.0;
        let cx = grid_cx.max(PAD + half).min(right_end - half);
        svg.text(
            cx,
            grid_bottom + label_band + TITLE_GAP,
            &text,
            &TextStyle::new(size).align(Anchor::Middle, Baseline::Hanging),
        );
    }
    if !y_title.is_empty() {
        // Rotated −90° at the left edge; it may run along the column labels, which never reach
        // into this column.
        let lo = grid_top;
        let hi = grid_bottom + label_band;
        let (text, size) = fit_text(y_title, AXIS_TITLE_FONT, false, hi - lo);
        let half = crate::svg::text_width(&text, size, false) / 2.0;
        let cy = grid_cy.max(lo + half).min(hi - half);
        svg.text(
            content_left,
            cy,
            &text,
            &TextStyle::new(size)
                .align(Anchor::Middle, Baseline::Hanging)
                .rotated(-90.0),
        );
    }
    svg.end_group();

    // ---- Colour bar ---------------------------------------------------------------------------
    svg.begin_group(&Group::class("colorbar"));
    let frame = Style::stroke(Color::hex(0x4D4D4D), 0.6);
    let label_style = TextStyle::new(LEGEND_FONT).align(Anchor::Start, Baseline::Middle);
    if has_bar {
        let strips = (bar_h / 2.0).ceil().clamp(16.0, 160.0) as usize;
        let strip_h = bar_h / strips as f64;
        for k in 0..strips {
            let f = (k as f64 + 0.5) / strips as f64;
            let color = if scale.diverging {
                diverging(f)
            } else {
                sequential(f)
            };
            let y1 = bar_bottom - k as f64 * strip_h;
            // Strips overlap by 0.5 px so that no seam shows between them.
            let overlap = if k + 1 < strips { 0.5 } else { 0.0 };
            svg.rect(
                bar_left,
                y1 - strip_h - overlap,
                CB_W,
                strip_h + overlap,
                &Style::fill(color),
            );
        }
        let mut outline = vec![(bar_left, bar_bottom)];
        if extend_lo {
            outline.push((bar_left + CB_W / 2.0, bar_bottom + tri));
            outline.push((bar_left + CB_W, bar_bottom));
            svg.polygon(
                &outline,
                &Style::fill(scale.color(scale.lo).unwrap_or(Color::WHITE)),
            );
        } else {
            outline.push((bar_left + CB_W, bar_bottom));
        }
        if extend_hi {
            svg.polygon(
                &[
                    (bar_left + CB_W, bar_top),
                    (bar_left + CB_W / 2.0, bar_top - tri),
                    (bar_left, bar_top),
                ],
                &Style::fill(scale.color(scale.hi).unwrap_or(Color::WHITE)),
            );
            outline.push((bar_left + CB_W, bar_top));
            outline.push((bar_left + CB_W / 2.0, bar_top - tri));
            outline.push((bar_left, bar_top));
        } else {
            outline.push((bar_left + CB_W, bar_top));
            outline.push((bar_left, bar_top));
        }
        svg.polygon(&outline, &frame);
        // Ticks and labels.
        let tick_x = bar_left + CB_W;
        let ticks: Vec<(f64, &str)> = cb_labels
            .iter()
            .filter_map(|(v, l)| bar_y(*v).map(|y| (y, l.as_str())))
            .collect();
        let mut tick_path = PathData::new();
        for (y, _) in &ticks {
            tick_path.move_to(tick_x, *y).line_to(tick_x + CB_TICK, *y);
        }
        svg.path(&tick_path, &frame);
        let ext: Vec<(f64, f64)> = ticks
            .iter()
            .map(|(y, _)| (y - cb_label_h / 2.0, y + cb_label_h / 2.0))
            .collect();
        // Keep the label at the centre of a diverging scale (or the low end) whatever the thinning.
        let anchor = if scale.diverging {
            ticks
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    let d = |y: f64| (y - (bar_top + bar_bottom) / 2.0).abs();
                    d(a.1.0).total_cmp(&d(b.1.0))
                })
                .map_or(0, |(i, _)| i)
        } else {
            0
        };
        let keep = thin_labels(&ext, anchor, 1.0);
        for ((y, l), k) in ticks.iter().zip(keep) {
            if k {
                svg.text(tick_x + CB_TICK + TICK_GAP, *y, l, &label_style);
            }
        }
        if !legend_title.is_empty() {
            let lo = bar_top - ext_hi;
            let hi = bar_bottom + ext_lo;
            let (text, size) = fit_text(legend_title, LEGEND_TITLE_FONT, false, hi - lo);
            let x = tick_x + CB_TICK + TICK_GAP + cb_label_w + TITLE_GAP;
            svg.text(
                x,
                (lo + hi) / 2.0,
                &text,
                &TextStyle::new(size)
                    .align(Anchor::Middle, Baseline::Hanging)
                    .rotated(-90.0),
            );
        }
    }
    if any_missing {
        let y0 = if has_bar {
            bar_bottom + ext_lo + KEY_GAP
        } else {
            block_top
        };
        svg.rect(bar_left, y0, SWATCH, SWATCH, &Style::fill(MISSING_FILL));
        let mut h = PathData::new();
        hatch(&mut h, bar_left, y0, bar_left + SWATCH, y0 + SWATCH);
        svg.path(&h, &Style::stroke(HATCH_COLOR, 0.6));
        svg.rect(bar_left, y0, SWATCH, SWATCH, &frame);
        svg.text(
            bar_left + SWATCH + 4.0,
            y0 + SWATCH / 2.0,
            missing_text,
            &label_style,
        );
    }
    svg.end_group();

    svg.finish()
}

/// Labelled ticks of the colour bar. A diverging scale is divided into 2, 3 or 4 steps per side
/// when such a step is a 1-2-2.5-5 number, so that the centre and both ends are labelled
/// (±5 → −5, −2.5, 0, 2.5, 5; ±30 → steps of 10); otherwise, and for sequential scales, the
/// ticks are the 1-2-5 ticks of [`Axis::linear_fixed`].
fn colorbar_ticks(scale: &ResolvedScale) -> Vec<(f64, String)> {
    let axis_ticks = || {
        Axis::linear_fixed(scale.lo, scale.hi)
            .labelled_ticks()
            .map(|(t, l)| (t.value, l.to_owned()))
            .collect()
    };
    if !scale.diverging {
        return axis_ticks();
    }
    let center = (scale.lo + scale.hi) / 2.0;
    let limit = (scale.hi - scale.lo) / 2.0;
    let is_nice = |step: f64| {
        let k = step.log10().floor();
        let m = step / 10f64.powf(k);
        [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .any(|n| (m - n).abs() < 1e-9 * n)
    };
    let Some(k) = [2u32, 3, 4]
        .into_iter()
        .find(|&k| is_nice(limit / f64::from(k)))
    else {
        return axis_ticks();
    };
    let step = limit / f64::from(k);
    // Decimals needed by the step and the centre (2.5 → 1, 0.25 → 2, 10 → 0).
    if !(center.abs().max(limit) < 1e6 && step >= 1e-4) {
        return axis_ticks();
    }
    let exact = |v: f64, d: i32| {
        let scaled = v * 10f64.powi(d);
        (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
    };
    let Some(decimals) = (0..=6).find(|&d| exact(step, d) && exact(center, d)) else {
        return axis_ticks();
    };
    let decimals = decimals as usize;
    let k = i64::from(k);
    (-k..=k)
        .map(|i| {
            let v = center + i as f64 * step;
            let v = if i == 0 { center } else { v };
            (v, crate::axis::format_linear_label(v, decimals))
        })
        .collect()
}

fn nonempty_or<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s.trim()
    }
}

/// Draws the (wrapped) title lines centred on `cx`, starting at `top`.
fn draw_title(svg: &mut Svg, lines: &[String], size: f64, top: f64, cx: f64, width: f64) {
    let mut y = top;
    for line in lines {
        y += CAP_HEIGHT_EM * size;
        let half = crate::svg::text_width(line, size, true) / 2.0;
        let x = cx.max(PAD + half).min(width - PAD - half);
        svg.text(
            x,
            y,
            line,
            &TextStyle::new(size)
                .bold()
                .align(Anchor::Middle, Baseline::Alphabetic),
        );
        y += DESCENT_EM * size + 3.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::palette::{RDBU_REVERSED, VIRIDIS, relative_luminance};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    /// An 8 × 8 synergy matrix, −40…+40 %, with annotations and one missing cell.
    fn synergy() -> HeatmapFigure {
        let values: Vec<Vec<Option<f64>>> = (0..8)
            .map(|i| {
                (0..8)
                    .map(|j| {
                        ((i, j) != (5, 2)).then(|| {
                            let (fi, fj) = (f64::from(i), f64::from(j));
                            40.0 * ((fi - 3.5) / 3.5) * ((fj - 3.5) / 3.5)
                        })
                    })
                    .collect()
            })
            .collect();
        let annotations = values
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| v.map(|v| format!("{v:.1}")).unwrap_or_default())
                    .collect()
            })
            .collect();
        HeatmapFigure {
            title: "MI-503 + quizartinib".into(),
            x_label: "MI-503 (nM)".into(),
            y_label: "quizartinib (nM)".into(),
            x_ticks: s(&["0", "3", "10", "30", "100", "300", "1000", "3000"]),
            y_ticks: s(&["0", "0.3", "1", "3", "10", "30", "100", "300"]),
            y_up: true,
            values,
            annotations,
            scale: ColorScale::Diverging {
                center: 0.0,
                limit: Some(30.0),
            },
            legend_label: "Bliss synergy (%)".into(),
            ..HeatmapFigure::default()
        }
    }

    /// Five drugs × four lines, log2 RF with stars, one cell not tested.
    fn resistance() -> HeatmapFigure {
        let v = [
            [3.1, 2.4, 0.2, 1.1],
            [1.8, 0.9, -0.3, 0.4],
            [4.2, 3.6, f64::NAN, -0.2],
            [-0.8, -1.5, 0.1, -0.4],
            [0.6, -2.1, 1.9, 2.7],
        ];
        HeatmapFigure {
            title: "Cross-resistance".into(),
            x_label: "Resistant line".into(),
            x_ticks: s(&["MV4;11-R", "MOLM-13-R", "OCI-AML3-R", "THP-1-R"]),
            y_ticks: s(&[
                "Cytarabine",
                "Daunorubicin",
                "Quizartinib",
                "MI-503",
                "Venetoclax",
            ]),
            values: v
                .iter()
                .map(|r| r.iter().map(|x| Some(*x)).collect())
                .collect(),
            annotations: v
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|x| {
                            if x.is_nan() {
                                "n.t.".to_owned()
                            } else if x.abs() > 1.5 {
                                format!("{x:.1}\n***")
                            } else {
                                format!("{x:.1}")
                            }
                        })
                        .collect()
                })
                .collect(),
            scale: ColorScale::Diverging {
                center: 0.0,
                limit: None,
            },
            legend_label: "log2 RF".into(),
            missing_label: "Not tested".into(),
            ..HeatmapFigure::default()
        }
    }

    fn doc(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("well-formed XML")
    }

    fn group<'a, 'i>(d: &'a roxmltree::Document<'i>, class: &str) -> roxmltree::Node<'a, 'i> {
        d.descendants()
            .find(|n| n.attribute("class") == Some(class))
            .unwrap_or_else(|| panic!("group {class}"))
    }

    fn has_group(d: &roxmltree::Document<'_>, class: &str) -> bool {
        d.descendants().any(|n| n.attribute("class") == Some(class))
    }

    fn rect_fills(node: roxmltree::Node<'_, '_>) -> Vec<String> {
        node.children()
            .filter(|n| n.has_tag_name("rect"))
            .map(|n| n.attribute("fill").unwrap_or("").to_owned())
            .collect()
    }

    /// Every attribute holds only well-formed numbers: no NaN/inf, no `-0`, no exponent.
    fn assert_clean_numbers(svg: &str) {
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "non-finite");
        let d = doc(svg);
        for node in d.descendants().filter(|n| n.is_element()) {
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

    /// A text element's estimated box as a (possibly rotated) quadrilateral.
    struct TextQuad {
        text: String,
        annotation: bool,
        corners: [(f64, f64); 4],
    }

    fn text_quads(svg: &str) -> Vec<TextQuad> {
        let d = doc(svg);
        d.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                let text = n.text().unwrap_or("").to_owned();
                let num = |a: &str| -> f64 { n.attribute(a).unwrap().parse().unwrap() };
                let (x, y, size) = (num("x"), num("y"), num("font-size"));
                let bold = n.attribute("font-weight") == Some("bold");
                let anchor = match n.attribute("text-anchor") {
                    Some("middle") => Anchor::Middle,
                    Some("end") => Anchor::End,
                    _ => Anchor::Start,
                };
                let w = crate::svg::text_width(&text, size, bold);
                let b = text_box(x, y, w, size, anchor, Baseline::Alphabetic);
                let mut corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)];
                if let Some(t) = n.attribute("transform") {
                    let inner = t.trim_start_matches("rotate(").trim_end_matches(')');
                    let p: Vec<f64> = inner.split(' ').map(|v| v.parse().unwrap()).collect();
                    let (sn, cs) = p[0].to_radians().sin_cos();
                    corners = corners.map(|(px, py)| {
                        let (dx, dy) = (px - p[1], py - p[2]);
                        (p[1] + dx * cs - dy * sn, p[2] + dx * sn + dy * cs)
                    });
                }
                let annotation = n
                    .ancestors()
                    .any(|a| a.attribute("class") == Some("annotations"));
                TextQuad {
                    text,
                    annotation,
                    corners,
                }
            })
            .collect()
    }

    /// Separating-axis test for two convex quadrilaterals (touching does not count).
    fn quads_overlap(a: &[(f64, f64); 4], b: &[(f64, f64); 4]) -> bool {
        for poly in [a, b] {
            for i in 0..4 {
                let (x0, y0) = poly[i];
                let (x1, y1) = poly[(i + 1) % 4];
                let (nx, ny) = (y0 - y1, x1 - x0);
                let len = nx.hypot(ny);
                if len == 0.0 {
                    continue;
                }
                let proj = |q: &[(f64, f64); 4]| {
                    q.iter()
                        .map(|(x, y)| (x * nx + y * ny) / len)
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                            (lo.min(v), hi.max(v))
                        })
                };
                let (alo, ahi) = proj(a);
                let (blo, bhi) = proj(b);
                if ahi <= blo + 0.01 || bhi <= alo + 0.01 {
                    return false;
                }
            }
        }
        true
    }

    fn rect_quad(b: &BBox) -> [(f64, f64); 4] {
        [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)]
    }

    /// Bounding box of the `<rect>`s of a group.
    fn rects_bbox(svg: &str, class: &str) -> Option<BBox> {
        let d = doc(svg);
        let g = d
            .descendants()
            .find(|n| n.attribute("class") == Some(class))?;
        bounds(
            g.children()
                .filter(|n| n.has_tag_name("rect"))
                .flat_map(|n| {
                    let num = |a: &str| -> f64 { n.attribute(a).unwrap().parse().unwrap() };
                    let (x, y, w, h) = (num("x"), num("y"), num("width"), num("height"));
                    [(x, y), (x + w, y + h)]
                }),
        )
    }

    /// No two texts overlap; every text is on the canvas; labels stay off the cells and the
    /// colour bar, and cell text stays inside the grid.
    fn assert_no_text_overlap(svg: &str, width: f64, height: f64) {
        let quads = text_quads(svg);
        let grid = bounds(
            ["cells", "missing"]
                .iter()
                .filter_map(|c| rects_bbox(svg, c))
                .flat_map(|b| [(b.x0, b.y0), (b.x1, b.y1)]),
        );
        let bar = rects_bbox(svg, "colorbar");
        for (i, a) in quads.iter().enumerate() {
            for &(x, y) in &a.corners {
                assert!(
                    x >= -0.01 && y >= -0.01 && x <= width + 0.01 && y <= height + 0.01,
                    "{:?} outside the canvas: {:?}",
                    a.text,
                    a.corners
                );
            }
            for b in &quads[i + 1..] {
                assert!(
                    !quads_overlap(&a.corners, &b.corners),
                    "{:?} overlaps {:?}",
                    a.text,
                    b.text
                );
            }
            if let Some(g) = &grid {
                if a.annotation {
                    let inside = a.corners.iter().all(|(x, y)| g.contains(*x, *y));
                    assert!(inside, "cell text {:?} outside the grid", a.text);
                } else {
                    assert!(
                        !quads_overlap(&a.corners, &rect_quad(g)),
                        "{:?} overlaps the cells",
                        a.text
                    );
                }
            }
            if let Some(b) = &bar {
                assert!(
                    !quads_overlap(&a.corners, &rect_quad(b)),
                    "{:?} overlaps the colour bar",
                    a.text
                );
            }
        }
    }

    fn check(fig: &HeatmapFigure) -> String {
        let svg = render(fig);
        assert_clean_numbers(&svg);
        let d = doc(&svg);
        let root = d.root_element();
        let w: f64 = root.attribute("width").unwrap().parse().unwrap();
        let h: f64 = root.attribute("height").unwrap().parse().unwrap();
        assert_no_text_overlap(&svg, w, h);
        svg
    }

    #[test]
    fn deterministic() {
        for fig in [synergy(), resistance()] {
            let a = render(&fig);
            assert_eq!(a, render(&fig));
            assert_eq!(a, fig.clone().to_svg());
        }
        assert_ne!(render(&synergy()), render(&resistance()));
    }

    #[test]
    fn examples_are_well_formed_and_do_not_overlap() {
        let svg = check(&synergy());
        let d = doc(&svg);
        assert!(svg.contains("<title>MI-503 + quizartinib</title>"));
        // 63 coloured cells with tooltips, 1 missing.
        let cells = group(&d, "cells");
        assert_eq!(rect_fills(cells).len(), 63);
        let tip = cells
            .descendants()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(tip, "quizartinib (nM) 0, MI-503 (nM) 0: 40 (40.0)");
        assert_eq!(rect_fills(group(&d, "missing")).len(), 1);
        assert!(svg.contains(">Missing</text>"));
        // Row 0 (dose 0) is drawn at the bottom.
        let texts: Vec<(String, f64)> = group(&d, "axes")
            .descendants()
            .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("end"))
            .map(|n| {
                (
                    n.text().unwrap().to_owned(),
                    n.attribute("y").unwrap().parse().unwrap(),
                )
            })
            .collect();
        let y_of = |l: &str| texts.iter().find(|(t, _)| t == l).unwrap().1;
        assert!(y_of("0") > y_of("300"));
        // Colour bar: ±30 labelled, extension triangles at both ends (data reach ±40).
        let bar = group(&d, "colorbar");
        let bar_texts: Vec<&str> = bar
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for l in ["−30", "0", "30", "Bliss synergy (%)", "Missing"] {
            assert!(bar_texts.contains(&l), "{l} in {bar_texts:?}");
        }
        let triangles: Vec<&str> = bar
            .children()
            .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") != Some("none"))
            .map(|n| n.attribute("fill").unwrap())
            .collect();
        assert_eq!(triangles, ["#053061", "#67001f"]);

        let svg = check(&resistance());
        let d = doc(&svg);
        assert_eq!(rect_fills(group(&d, "missing")).len(), 1);
        assert!(svg.contains(">Not tested</text>"));
        // Two-line annotations: value and stars.
        assert!(svg.contains(">***</text>"));
        assert!(svg.contains(">4.2</text>"));
        // Auto limit: max |log2 RF| 4.2 → ±5, labelled at the ends and the centre.
        let bar_texts: Vec<String> = group(&d, "colorbar")
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        for l in ["−5.0", "−2.5", "0.0", "2.5", "5.0"] {
            assert!(bar_texts.iter().any(|t| t == l), "{l} in {bar_texts:?}");
        }
        // No extension triangles when nothing is clamped.
        assert_eq!(
            group(&d, "colorbar")
                .children()
                .filter(|n| n.has_tag_name("polygon"))
                .count(),
            1
        );
        // Rows top to bottom for tables.
        assert!(svg.find(">Cytarabine<").unwrap() < svg.find(">Venetoclax<").unwrap());
    }

    #[test]
    fn missing_cells_are_not_coloured_as_zero() {
        for scale in [
            ColorScale::Diverging {
                center: 0.0,
                limit: Some(10.0),
            },
            ColorScale::Sequential {
                min: Some(0.0),
                max: Some(10.0),
            },
        ] {
            let zero = scale.resolve([]).color(0.0).unwrap().to_string();
            let fig = HeatmapFigure {
                values: vec![
                    vec![Some(0.0), None, Some(f64::NAN)],
                    vec![Some(f64::INFINITY), Some(5.0)],
                ],
                scale,
                ..HeatmapFigure::default()
            };
            let svg = check(&fig);
            let d = doc(&svg);
            // Only the two finite values are coloured; the ragged row's absent third cell, the
            // None, NaN and infinity are missing.
            let cells = rect_fills(group(&d, "cells"));
            assert_eq!(cells.len(), 2);
            assert_eq!(cells[0], zero);
            let missing = group(&d, "missing");
            let fills = rect_fills(missing);
            assert_eq!(fills.len(), 4);
            assert!(
                fills
                    .iter()
                    .all(|f| *f == MISSING_FILL.to_string() && *f != zero)
            );
            assert!(missing.children().any(|n| n.has_tag_name("path")));
            assert!(svg.contains(">Missing</text>"));
        }
        // Missing cells are not in the data range: [None, 50, 60] auto-scales to 50…60.
        let r = ColorScale::default().resolve([50.0, 60.0, f64::NAN]);
        assert_eq!((r.lo, r.hi), (50.0, 60.0));
    }

    #[test]
    fn diverging_scale_center_ends_and_clamping() {
        let r = ColorScale::Diverging {
            center: 0.0,
            limit: Some(30.0),
        }
        .resolve([]);
        assert_eq!((r.lo, r.hi), (-30.0, 30.0));
        let center = r.color(0.0).unwrap();
        assert_eq!(center, RDBU_REVERSED[5]);
        assert!(relative_luminance(center) > 0.9, "white-ish");
        assert_eq!(r.color(-30.0), Some(RDBU_REVERSED[0]));
        assert_eq!(r.color(30.0), Some(RDBU_REVERSED[10]));
        assert_eq!(r.color(45.0), r.color(30.0));
        assert_eq!(r.color(-1e300), r.color(-30.0));
        assert_eq!(r.color(f64::NAN), None);
        assert_eq!(r.color(f64::INFINITY), None);
        // Positive is red, negative blue.
        let (p, n) = (r.color(15.0).unwrap(), r.color(-15.0).unwrap());
        assert!(p.r > p.b && n.b > n.r);
        // A centre other than 0.
        let r = ColorScale::Diverging {
            center: 1.0,
            limit: Some(0.5),
        }
        .resolve([]);
        assert_eq!(r.color(1.0), Some(RDBU_REVERSED[5]));
        assert_eq!(r.color(0.5), Some(RDBU_REVERSED[0]));
        // Auto limit, invalid limit, non-finite centre.
        let auto = |limit: Option<f64>, center: f64, data: &[f64]| {
            let r = ColorScale::Diverging { center, limit }.resolve(data.iter().copied());
            (r.lo, r.hi)
        };
        assert_eq!(auto(None, 0.0, &[-2.7, 1.0]), (-3.0, 3.0));
        assert_eq!(auto(Some(-4.0), 0.0, &[4.2]), (-5.0, 5.0));
        assert_eq!(auto(Some(f64::NAN), f64::NAN, &[]), (-1.0, 1.0));
        assert_eq!(auto(None, 2.0, &[2.0, 2.0]), (1.0, 3.0));
        // Sequential: viridis ends, clamping, auto range and reversed bounds.
        let r = ColorScale::Sequential {
            min: Some(0.0),
            max: Some(100.0),
        }
        .resolve([]);
        assert_eq!(r.color(0.0), Some(VIRIDIS[0]));
        assert_eq!(r.color(100.0), Some(VIRIDIS[16]));
        assert_eq!(r.color(150.0), Some(VIRIDIS[16]));
        let r = ColorScale::default().resolve([3.0, 97.0]);
        assert_eq!((r.lo, r.hi), (0.0, 100.0));
        let r = ColorScale::Sequential {
            min: Some(10.0),
            max: Some(0.0),
        }
        .resolve([]);
        assert_eq!((r.lo, r.hi), (0.0, 10.0));
        let r = ColorScale::Sequential {
            min: Some(0.0),
            max: None,
        }
        .resolve([42.0]);
        assert_eq!((r.lo, r.hi), (0.0, 50.0));
    }

    #[test]
    fn annotation_text_colour_flips_on_dark_cells() {
        let fig = HeatmapFigure {
            values: vec![vec![Some(-30.0), Some(0.0), Some(30.0), Some(5.0), None]],
            annotations: vec![s(&["a", "b", "c", "d", "n.t."])],
            scale: ColorScale::Diverging {
                center: 0.0,
                limit: Some(30.0),
            },
            ..HeatmapFigure::default()
        };
        let svg = check(&fig);
        let d = doc(&svg);
        let fills: Vec<(String, Option<&str>)> = group(&d, "annotations")
            .children()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| (n.text().unwrap().to_owned(), n.attribute("fill")))
            .collect();
        // Black is the default fill (no attribute).
        assert_eq!(
            fills,
            [
                ("a".to_owned(), Some("#ffffff")),
                ("b".to_owned(), None),
                ("c".to_owned(), Some("#ffffff")),
                ("d".to_owned(), None),
                ("n.t.".to_owned(), Some("#333333")),
            ]
        );
        // Sequential: white on dark purple, black on yellow.
        let fig = HeatmapFigure {
            values: vec![vec![Some(0.0), Some(100.0)]],
            annotations: vec![s(&["0", "100"])],
            scale: ColorScale::Sequential {
                min: Some(0.0),
                max: Some(100.0),
            },
            ..HeatmapFigure::default()
        };
        let svg = check(&fig);
        assert!(svg.contains("fill=\"#ffffff\">0</text>"));
        assert!(svg.contains(">100</text>") && !svg.contains("fill=\"#ffffff\">100</text>"));
    }

    #[test]
    fn column_labels_rotate_when_they_would_collide() {
        // Short labels: horizontal.
        let svg = check(&synergy());
        // Only the y title and the legend title are rotated.
        assert_eq!(svg.matches("rotate(").count(), 2);
        assert_eq!(svg.matches("rotate(-90 ").count(), 2);
        // Long labels: 45°.
        let mut fig = resistance();
        fig.x_ticks = s(&[
            "MV4;11 + MI-503 24 h",
            "MV4;11 + MI-503 72 h",
            "MOLM-13 + MI-503 24 h",
            "MOLM-13 + MI-503 72 h",
        ]);
        fig.width = 360.0;
        let svg = check(&fig);
        assert_eq!(svg.matches("rotate(-45 ").count(), 4);
        // Forty columns: 90°, shrunk or thinned, never overlapping.
        let fig = HeatmapFigure {
            x_label: "Compound".into(),
            y_label: "Cell line".into(),
            x_ticks: (0..40).map(|i| format!("CMPD-{:04}", i * 37)).collect(),
            y_ticks: (0..12).map(|i| format!("Line {i}")).collect(),
            values: (0..12)
                .map(|r| (0..40).map(|c| Some(f64::from(r * c))).collect())
                .collect(),
            width: 640.0,
            height: 360.0,
            ..HeatmapFigure::default()
        };
        let svg = check(&fig);
        assert!(svg.matches("rotate(-90 ").count() > 20);
        // 200 columns in a small figure: thinned.
        let fig = HeatmapFigure {
            x_ticks: (0..200).map(|i| format!("{i}")).collect(),
            values: vec![(0..200).map(|c| Some(f64::from(c))).collect()],
            width: 300.0,
            height: 200.0,
            ..HeatmapFigure::default()
        };
        let svg = check(&fig);
        let n = svg.matches("rotate(-90 ").count();
        assert!(n > 5 && n < 100, "{n}");
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let all_none = HeatmapFigure {
            title: "All missing".into(),
            values: vec![vec![None; 3]; 3],
            legend_label: "Value".into(),
            ..HeatmapFigure::default()
        };
        let figs = [
            HeatmapFigure::default(),
            HeatmapFigure {
                values: vec![vec![], vec![]],
                ..HeatmapFigure::default()
            },
            HeatmapFigure {
                x_ticks: s(&["A"]),
                y_ticks: s(&["B"]),
                values: vec![vec![Some(3.0)]],
                annotations: vec![s(&["3.0"])],
                ..HeatmapFigure::default()
            },
            all_none.clone(),
            HeatmapFigure {
                values: vec![vec![Some(5.0); 4]; 4],
                scale: ColorScale::Diverging {
                    center: 5.0,
                    limit: None,
                },
                ..HeatmapFigure::default()
            },
            HeatmapFigure {
                values: vec![vec![Some(5.0); 4]; 4],
                ..HeatmapFigure::default()
            },
            HeatmapFigure {
                title: "Bad sizes & <names>".into(),
                x_label: "x \"label\"".into(),
                x_ticks: s(&["a", "", "c"]),
                y_ticks: s(&["", "r2"]),
                values: vec![vec![Some(f64::MAX), Some(-f64::MAX)], vec![Some(1e-300)]],
                annotations: vec![vec![format!("{}cannot fit", "x".repeat(200))]],
                scale: ColorScale::Sequential {
                    min: Some(f64::INFINITY),
                    max: Some(f64::NAN),
                },
                width: f64::NAN,
                height: -5.0,
                ..HeatmapFigure::default()
            },
            HeatmapFigure {
                values: vec![vec![Some(1.0); 300]; 300],
                width: 160.0,
                height: 120.0,
                ..HeatmapFigure::default()
            },
            HeatmapFigure {
                x_ticks: s(&["a", "b"]),
                y_ticks: s(&["c"]),
                ..HeatmapFigure::default()
            },
        ];
        for fig in &figs {
            check(fig);
        }
        assert!(render(&HeatmapFigure::default()).contains(">No data</text>"));
        // All missing: hatched cells and the key, but no colour bar for no data.
        let svg = render(&all_none);
        let d = doc(&svg);
        assert_eq!(rect_fills(group(&d, "missing")).len(), 9);
        assert!(!has_group(&d, "cells") || rect_fills(group(&d, "cells")).is_empty());
        let bar = group(&d, "colorbar");
        let filled: Vec<String> = rect_fills(bar)
            .into_iter()
            .filter(|f| f != "none")
            .collect();
        assert_eq!(
            filled,
            [MISSING_FILL.to_string()],
            "only the missing swatch"
        );
        // Ticks but no values: a grid of missing cells.
        let svg = render(&figs[8]);
        assert_eq!(rect_fills(group(&doc(&svg), "missing")).len(), 2);
        // Unfit annotations are left out, not overflowing.
        let svg = render(&figs[6]);
        assert!(!svg.contains("cannot fit</text>"));
    }

    #[test]
    fn serde_round_trip_and_defaults() {
        let fig = resistance();
        let json = serde_json::to_string(&fig).unwrap();
        assert!(json.contains("\"kind\":\"diverging\""));
        let back: HeatmapFigure = serde_json::from_str(&json).unwrap();
        assert_eq!(render(&back), render(&fig));
        let min: HeatmapFigure =
            serde_json::from_str(r#"{"scale":{"kind":"diverging","limit":30}}"#).unwrap();
        assert_eq!(
            min.scale,
            ColorScale::Diverging {
                center: 0.0,
                limit: Some(30.0)
            }
        );
        assert_eq!((min.width, min.height), (480.0, 420.0));
        assert_eq!(min.missing_label, "Missing");
        let seq: ColorScale = serde_json::from_str(r#"{"kind":"sequential","max":100}"#).unwrap();
        assert_eq!(
            seq,
            ColorScale::Sequential {
                min: None,
                max: Some(100.0)
            }
        );
    }

    #[test]
    fn overlap_check_sees_rotated_text() {
        // Two 45° labels one 8 px column apart collide; 30 px apart they do not.
        let quad =
            |x: f64| text_corners((x, 0.0), 60.0, 11.0, Anchor::End, Baseline::Middle, -45.0);
        assert!(quads_overlap(&quad(0.0), &quad(8.0)));
        assert!(!quads_overlap(&quad(0.0), &quad(30.0)));
        // Their axis-aligned boxes would overlap: the check must be the rotated one.
        let aabb = |x: f64| bounds(quad(x)).unwrap();
        assert!(aabb(0.0).overlaps(&aabb(30.0)));
        // A label drawn over the cells is caught.
        let bad = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">\
                   <text x=\"10\" y=\"20\" font-size=\"11\">Overlapping label</text>\
                   <text x=\"12\" y=\"24\" font-size=\"11\">Second</text></svg>";
        let caught = std::panic::catch_unwind(|| assert_no_text_overlap(bad, 100.0, 100.0));
        assert!(caught.is_err());
    }

    #[test]
    fn hatching_stays_inside_its_cell() {
        let mut p = PathData::new();
        hatch(&mut p, 10.0, 20.0, 30.0, 35.0);
        for tok in p.as_str().split(' ') {
            let tok = tok.trim_start_matches(['M', 'L']);
            let (x, y) = tok.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (10.0..=30.0).contains(&x) && (20.0..=35.0).contains(&y),
                "{x},{y}"
            );
        }
        let mut p = PathData::new();
        hatch(&mut p, 5.0, 5.0, 5.0, 9.0);
        assert!(p.is_empty());
    }
}
