//! Layout helpers shared by the figures: text boxes, fitting and wrapping text to a width, and
//! thinning tick labels so that they do not collide. All sizes are in px and all text widths come
//! from the estimate of [`crate::svg::text_width`].

use super::MarkerShape;
use crate::palette::series_color;
use crate::svg::{
    Anchor, Baseline, CAP_HEIGHT_EM, DESCENT_EM, Group, Style, Svg, TextStyle, line_height,
    text_width,
};

/// Default size of a figure title (bold).
pub(crate) const TITLE_FONT: f64 = 13.5;
/// Smallest size text is shrunk to before it is shortened with an ellipsis.
pub(crate) const MIN_FONT: f64 = 8.0;
/// Smallest size a title is shrunk to.
pub(crate) const MIN_TITLE_FONT: f64 = 10.0;
/// Minimum horizontal gap between neighbouring tick labels.
pub(crate) const LABEL_SPACING: f64 = 6.0;

/// An axis-aligned box in px, used for layout and collision checks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BBox {
    pub(crate) x0: f64,
    pub(crate) y0: f64,
    pub(crate) x1: f64,
    pub(crate) y1: f64,
}

impl BBox {
    pub(crate) fn overlaps(&self, o: &BBox) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    pub(crate) fn inside(&self, o: &BBox) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
}

/// Box of a single line of text anchored at (x, y) with the given alignment.
pub(crate) fn text_box(
    x: f64,
    y: f64,
    w: f64,
    size: f64,
    anchor: Anchor,
    baseline: Baseline,
) -> BBox {
    let x0 = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - w / 2.0,
        Anchor::End => x - w,
    };
    let base = y + baseline.shift(size);
    BBox {
        x0,
        y0: base - CAP_HEIGHT_EM * size - 0.1 * size,
        x1: x0 + w,
        y1: base + DESCENT_EM * size,
    }
}

/// Font size at which `text` fits in `avail` px (down to [`MIN_FONT`]), and the text, shortened
/// with an ellipsis if it still does not fit.
pub(crate) fn fit_text(text: &str, size: f64, bold: bool, avail: f64) -> (String, f64) {
    let w = crate::svg::text_width(text, size, bold);
    if w <= avail || w == 0.0 {
        return (text.to_owned(), size);
    }
    let fitted = (size * avail / w).max(MIN_FONT);
    if crate::svg::text_width(text, fitted, bold) <= avail {
        return (text.to_owned(), fitted);
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if crate::svg::text_width(&s, fitted, bold) <= avail {
            return (s, fitted);
        }
    }
    (String::new(), fitted)
}

/// Splits a bold title into at most two lines that fit `avail` px, shrinking the font down to
/// [`MIN_TITLE_FONT`] and ending with an ellipsis only as a last resort.
pub(crate) fn wrap_title(title: &str, avail: f64) -> (Vec<String>, f64) {
    if title.is_empty() {
        return (Vec::new(), TITLE_FONT);
    }
    let fits = |s: &str, size: f64| crate::svg::text_width(s, size, true) <= avail;
    if fits(title, TITLE_FONT) {
        return (vec![title.to_owned()], TITLE_FONT);
    }
    let words: Vec<&str> = title.split_whitespace().collect();
    let mut size = TITLE_FONT;
    while size >= MIN_TITLE_FONT {
        // Greedy: the longest first line that fits, the rest on the second.
        for cut in (1..words.len()).rev() {
            let first = words[..cut].join(" ");
            let second = words[cut..].join(" ");
            if fits(&first, size) {
                if fits(&second, size) {
                    return (vec![first, second], size);
                }
                break;
            }
        }
        size -= 0.5;
    }
    let size = MIN_TITLE_FONT;
    let mut first = String::new();
    let mut rest = words.as_slice();
    while let Some((w, tail)) = rest.split_first() {
        let candidate = if first.is_empty() {
            (*w).to_owned()
        } else {
            format!("{first} {w}")
        };
        if !fits(&candidate, size) && !first.is_empty() {
            break;
        }
        first = candidate;
        rest = tail;
    }
    let (first, _) = fit_text(&first, size, true, avail);
    let mut lines = vec![first];
    if !rest.is_empty() {
        lines.push(fit_text(&rest.join(" "), size, true, avail).0);
    }
    (lines, size)
}

/// Keeps every `stride`-th label so that no two label boxes (along one dimension, with a
/// spacing) overlap. `extents` are (start, end) per labelled tick, in increasing order.
/// `anchor` is the index that must stay labelled (e.g. the tick at 1); `spacing` is the minimum
/// gap in px between kept labels.
pub(crate) fn thin_labels(extents: &[(f64, f64)], anchor: usize, spacing: f64) -> Vec<bool> {
    let n = extents.len();
    for stride in 1..=n.max(1) {
        let keep: Vec<bool> = (0..n)
            .map(|i| (i + stride - (anchor % stride)) % stride == 0)
            .collect();
        let kept: Vec<(f64, f64)> = extents
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(e, _)| *e)
            .collect();
        if kept
            .windows(2)
            .all(|w| w[0].1 + spacing <= w[1].0 || w[1].1 + spacing <= w[0].0)
        {
            return keep;
        }
    }
    (0..n).map(|i| i == anchor).collect()
}
/// Size of the legend text of the figures with a wrapped top legend.
pub(crate) const LEGEND_FONT: f64 = 11.0;

/// Draws a figure's title, bold and centred, with its cap height below `top`
/// (nothing when the title is blank); returns the new top (8 px below it).
pub(crate) fn draw_title(svg: &mut Svg, title: &str, width: f64, top: f64) -> f64 {
    if title.trim().is_empty() {
        return top;
    }
    let top = top + CAP_HEIGHT_EM * TITLE_FONT;
    svg.text(
        width / 2.0,
        top,
        title.trim(),
        &TextStyle::new(TITLE_FONT)
            .bold()
            .align(Anchor::Middle, Baseline::Alphabetic),
    );
    top + 8.0
}

/// The sample drawn before a legend entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Swatch {
    /// A line of this length in the series colour.
    Line(f64),
    /// A 14 px line with the series marker on it.
    LineMarker,
    /// A 14 × 10 px box in the series colour.
    Box,
}

impl Swatch {
    fn width(self) -> f64 {
        match self {
            Swatch::Line(l) => l,
            Swatch::LineMarker | Swatch::Box => 14.0,
        }
    }
}

/// Draws a one-row legend between `left` and `right` that wraps onto more
/// rows when needed (series `i` in [`series_color`]`(i)`); returns the top of
/// what follows (6 px below the last row). Nothing is drawn for no names.
pub(crate) fn draw_legend(
    svg: &mut Svg,
    names: &[&str],
    swatch: Swatch,
    (left, right): (f64, f64),
    top: f64,
) -> f64 {
    if names.is_empty() {
        return top;
    }
    let sw = swatch.width();
    let mut x = left;
    let mut y = top + line_height(LEGEND_FONT) / 2.0;
    svg.begin_group(&Group::class("legend"));
    for (i, name) in names.iter().enumerate() {
        let wi = sw + 5.0 + text_width(name, LEGEND_FONT, false);
        if x + wi > right && x > left {
            x = left;
            y += line_height(LEGEND_FONT) + 2.0;
        }
        match swatch {
            Swatch::Line(l) => {
                svg.line(x, y, x + l, y, &Style::stroke(series_color(i), 2.0));
            }
            Swatch::LineMarker => {
                svg.line(x, y, x + 14.0, y, &Style::stroke(series_color(i), 2.0));
                MarkerShape::for_series(i).draw(svg, x + 7.0, y, 3.2, series_color(i));
            }
            Swatch::Box => {
                svg.rect(x, y - 5.0, 14.0, 10.0, &Style::fill(series_color(i)));
            }
        }
        svg.text(
            x + sw + 5.0,
            y,
            name,
            &TextStyle::new(LEGEND_FONT).align(Anchor::Start, Baseline::Middle),
        );
        x += wi + 14.0;
    }
    svg.end_group();
    y + line_height(LEGEND_FONT) / 2.0 + 6.0
}
