//! Layout helpers shared by the figures: text boxes, fitting and wrapping text to a width, and
//! thinning tick labels so that they do not collide. All sizes are in px and all text widths come
//! from the estimate of [`crate::svg::text_width`].

use crate::svg::{Anchor, Baseline, CAP_HEIGHT_EM, DESCENT_EM};

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
