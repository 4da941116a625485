//! A small, deterministic SVG writer.
//!
//! [`Svg`] appends elements (lines, paths, polygons, circles, rectangles, text, groups with a
//! clip path) to an in-memory document and [`Svg::finish`] returns the file as a `String`.
//!
//! Guarantees, relied on by snapshot tests and by the HTML report:
//!
//! - **Same input → identical bytes.** There is no randomness, no clock and no hash-map
//!   iteration. Clip-path ids are derived from a hash of the document's own content, so two
//!   different figures inlined in one HTML page do not share ids, while the same figure always
//!   gets the same ids.
//! - **Numbers** are written by [`fmt_fixed`]: at most [`DECIMALS`] decimals with trailing zeros
//!   trimmed, never `-0`, never exponent notation, never `NaN`/`inf`. An element with a
//!   non-finite coordinate is skipped (the drawing methods return `false`); paths are broken at
//!   non-finite points instead. Coordinates are clamped to ±[`COORD_LIMIT`] so that a wild value
//!   cannot produce a 300-digit number.
//! - **Text** is XML-escaped by [`escape_xml`], which also drops characters XML 1.0 forbids.
//!
//! Text layout uses [`text_width`], an estimate from a per-character advance-width table (see its
//! docs): SVG has no way to measure text at write time, so margins are sized from the estimate.
//! Vertical alignment ([`Baseline`]) is done by shifting the baseline with font metrics rather
//! than with `dominant-baseline`, which several renderers (and journal tools) ignore.

use std::fmt::{self, Write as _};

/// Maximum number of decimals written for coordinates and lengths (0.01 px).
pub const DECIMALS: usize = 2;

/// Coordinates are clamped to ±this value before being written.
pub const COORD_LIMIT: f64 = 1.0e6;

/// The default font stack of a figure. Layout estimates use DejaVu Sans metrics, the widest of
/// these faces, so text set in Arial/Helvetica/Liberation Sans only ends up a little narrower.
pub const FONT_FAMILY: &str = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif";

/// Formats `v` with at most `decimals` decimals (capped at 9), trailing zeros trimmed.
///
/// Returns `None` for NaN and ±infinity. Never returns `-0` (negative values that round to zero
/// are written as `0`) and never uses exponent notation.
///
/// ```
/// use preclin_report::svg::fmt_fixed;
/// assert_eq!(fmt_fixed(1.0, 2).as_deref(), Some("1"));
/// assert_eq!(fmt_fixed(-0.001, 2).as_deref(), Some("0"));
/// assert_eq!(fmt_fixed(1e-7, 2).as_deref(), Some("0"));
/// assert_eq!(fmt_fixed(2.345678, 2).as_deref(), Some("2.35"));
/// assert_eq!(fmt_fixed(f64::NAN, 2), None);
/// ```
pub fn fmt_fixed(v: f64, decimals: usize) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let decimals = decimals.min(9);
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    Some(s)
}

/// Formats a coordinate: clamped to ±[`COORD_LIMIT`], then [`fmt_fixed`] with [`DECIMALS`].
pub fn fmt_coord(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    fmt_fixed(v.clamp(-COORD_LIMIT, COORD_LIMIT), DECIMALS)
}

/// Escapes text for XML character data and attribute values (`& < > " '`), and drops the
/// control characters XML 1.0 does not allow (everything below U+0020 except tab, LF and CR,
/// plus U+FFFE and U+FFFF).
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Text metrics
// ---------------------------------------------------------------------------------------------

/// Advance widths of DejaVu Sans (Book), ASCII 0x20..=0x7E, in 1/1000 em (read from the font's
/// `hmtx` table, rounded).
const DEJAVU_SANS: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/// Advance widths of DejaVu Sans Bold, ASCII 0x20..=0x7E, in 1/1000 em.
const DEJAVU_SANS_BOLD: [u16; 95] = [
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
    683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
    724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
    343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];

/// Height of capital letters and digits above the baseline, in em (DejaVu Sans: 0.729).
pub const CAP_HEIGHT_EM: f64 = 0.729;
/// Font ascent above the baseline, in em (DejaVu Sans: 0.928).
pub const ASCENT_EM: f64 = 0.928;
/// Font descent below the baseline, in em (DejaVu Sans: 0.236).
pub const DESCENT_EM: f64 = 0.236;

/// Estimated advance width of one character, in em.
///
/// ASCII uses the DejaVu Sans (or DejaVu Sans Bold) advance widths; common scientific symbols
/// (µ ± × − – — ° superscripts, Greek) use their DejaVu widths too. Other characters are
/// estimated: combining marks 0, East Asian wide characters 1 em, anything else 0.7 em.
pub fn char_width_em(c: char, bold: bool) -> f64 {
    let code = c as u32;
    if (0x20..=0x7E).contains(&code) {
        let table = if bold {
            &DEJAVU_SANS_BOLD
        } else {
            &DEJAVU_SANS
        };
        return f64::from(table[(code - 0x20) as usize]) / 1000.0;
    }
    let w = match c {
        '\u{A0}' => 0.3179,
        'µ' | 'μ' => {
            if bold {
                0.736
            } else {
                0.636
            }
        }
        '±' | '×' | '−' | '÷' | '≤' | '≥' | '≈' | '≠' => 0.838,
        '–' | '°' => 0.5,
        '—' | '…' => 1.0,
        '⁰' | '¹' | '²' | '³' | '⁴' | '⁵' | '⁶' | '⁷' | '⁸' | '⁹' | '₀'..='₉' => {
            if bold {
                0.438
            } else {
                0.401
            }
        }
        '⁻' | '⁺' => 0.528,
        '·' | '’' | '‘' => 0.3179,
        '“' | '”' => 0.518,
        'α' => 0.659,
        'β' => 0.638,
        'γ' | 'κ' => 0.592,
        'Δ' => 0.684,
        '\u{300}'..='\u{36F}' | '\u{200B}'..='\u{200D}' => 0.0,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{1F300}'..='\u{1FAFF}' => 1.0,
        _ => 0.7,
    };
    if bold && w > 0.0 && w < 1.0 {
        w * 1.08
    } else {
        w
    }
}

/// Estimated width in px of `text` set at `font_size` px in a sans-serif face.
///
/// This is an *estimate* from DejaVu Sans advance widths ([`char_width_em`]); kerning is
/// ignored. DejaVu Sans is wider than Arial/Helvetica (digits 0.636 em against 0.556 em), so for
/// those faces the estimate is an upper bound, which is the safe direction for sizing margins.
pub fn text_width(text: &str, font_size: f64, bold: bool) -> f64 {
    text.chars().map(|c| char_width_em(c, bold)).sum::<f64>() * font_size
}

/// Estimated height in px of one line of text (ascent + descent) at `font_size` px.
pub fn line_height(font_size: f64) -> f64 {
    (ASCENT_EM + DESCENT_EM) * font_size
}

// ---------------------------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------------------------

/// An sRGB colour, written as `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Color {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Color {
    /// Black.
    pub const BLACK: Color = Color::hex(0x000000);
    /// White.
    pub const WHITE: Color = Color::hex(0xFFFFFF);
    /// Dark grey used for secondary text.
    pub const GREY: Color = Color::hex(0x555555);

    /// A colour from a `0xRRGGBB` literal.
    pub const fn hex(rgb: u32) -> Color {
        Color {
            r: ((rgb >> 16) & 0xFF) as u8,
            g: ((rgb >> 8) & 0xFF) as u8,
            b: (rgb & 0xFF) as u8,
        }
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// Line cap of a stroke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineCap {
    /// Flat end at the end point (the SVG default).
    Butt,
    /// Rounded end.
    Round,
    /// Square end extending half the stroke width.
    Square,
}

/// Line join of a stroke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineJoin {
    /// Sharp corner (the SVG default).
    Miter,
    /// Rounded corner.
    Round,
    /// Bevelled corner.
    Bevel,
}

/// Stroke and fill of a shape. `Style::default()` draws nothing (no stroke, no fill).
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// Stroke colour; `None` = no stroke.
    pub stroke: Option<Color>,
    /// Stroke width in px.
    pub stroke_width: f64,
    /// Stroke opacity 0–1; `None` = opaque.
    pub stroke_opacity: Option<f64>,
    /// Fill colour; `None` writes `fill="none"`.
    pub fill: Option<Color>,
    /// Fill opacity 0–1; `None` = opaque.
    pub fill_opacity: Option<f64>,
    /// Dash pattern in px; empty = solid.
    pub dash: Vec<f64>,
    /// Line cap; `None` = SVG default.
    pub line_cap: Option<LineCap>,
    /// Line join; `None` = SVG default.
    pub line_join: Option<LineJoin>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            stroke: None,
            stroke_width: 1.0,
            stroke_opacity: None,
            fill: None,
            fill_opacity: None,
            dash: Vec::new(),
            line_cap: None,
            line_join: None,
        }
    }
}

impl Style {
    /// A stroke of `color` and `width` px, no fill.
    pub fn stroke(color: Color, width: f64) -> Style {
        Style {
            stroke: Some(color),
            stroke_width: width,
            ..Style::default()
        }
    }

    /// A fill of `color`, no stroke.
    pub fn fill(color: Color) -> Style {
        Style {
            fill: Some(color),
            ..Style::default()
        }
    }

    /// Adds a fill.
    pub fn with_fill(mut self, color: Color) -> Style {
        self.fill = Some(color);
        self
    }

    /// Adds a stroke.
    pub fn with_stroke(mut self, color: Color, width: f64) -> Style {
        self.stroke = Some(color);
        self.stroke_width = width;
        self
    }

    /// Sets the fill opacity.
    pub fn with_fill_opacity(mut self, opacity: f64) -> Style {
        self.fill_opacity = Some(opacity);
        self
    }

    /// Sets the stroke opacity.
    pub fn with_stroke_opacity(mut self, opacity: f64) -> Style {
        self.stroke_opacity = Some(opacity);
        self
    }

    /// Sets a dash pattern (px).
    pub fn with_dash(mut self, dash: &[f64]) -> Style {
        self.dash = dash.to_vec();
        self
    }

    /// Sets line cap and join to round.
    pub fn rounded(mut self) -> Style {
        self.line_cap = Some(LineCap::Round);
        self.line_join = Some(LineJoin::Round);
        self
    }

    fn write_attrs(&self, a: &mut Attrs) {
        match self.fill {
            Some(c) => a.raw("fill", &c.to_string()),
            None => a.raw("fill", "none"),
        }
        if self.fill.is_some() {
            if let Some(o) = self.fill_opacity {
                a.num_fixed("fill-opacity", o.clamp(0.0, 1.0), 3);
            }
        }
        self.write_stroke_attrs(a);
    }

    /// Stroke attributes only (for `<line>`, which has no fill).
    fn write_stroke_attrs(&self, a: &mut Attrs) {
        if let Some(c) = self.stroke {
            a.raw("stroke", &c.to_string());
            if self.stroke_width.is_finite() && self.stroke_width >= 0.0 {
                a.num_fixed("stroke-width", self.stroke_width, DECIMALS);
            }
            if let Some(o) = self.stroke_opacity {
                a.num_fixed("stroke-opacity", o.clamp(0.0, 1.0), 3);
            }
            let dash: Vec<String> = self
                .dash
                .iter()
                .filter(|d| d.is_finite() && **d >= 0.0)
                .filter_map(|d| fmt_fixed(*d, DECIMALS))
                .collect();
            if !dash.is_empty() {
                a.raw("stroke-dasharray", &dash.join(" "));
            }
            match self.line_cap {
                Some(LineCap::Round) => a.raw("stroke-linecap", "round"),
                Some(LineCap::Square) => a.raw("stroke-linecap", "square"),
                Some(LineCap::Butt) | None => {}
            }
            match self.line_join {
                Some(LineJoin::Round) => a.raw("stroke-linejoin", "round"),
                Some(LineJoin::Bevel) => a.raw("stroke-linejoin", "bevel"),
                Some(LineJoin::Miter) | None => {}
            }
        }
    }
}

/// Horizontal alignment of text relative to its anchor point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Anchor {
    /// Text starts at the anchor point.
    #[default]
    Start,
    /// Text is centred on the anchor point.
    Middle,
    /// Text ends at the anchor point.
    End,
}

/// Vertical alignment of text relative to its anchor point (implemented by shifting the
/// baseline with DejaVu Sans metrics, see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Baseline {
    /// The anchor point is on the alphabetic baseline.
    #[default]
    Alphabetic,
    /// The anchor point is at half the cap height (centres digits and capitals).
    Middle,
    /// The anchor point is at the top of capitals and digits.
    Hanging,
    /// The anchor point is at the bottom of descenders.
    Bottom,
}

impl Baseline {
    /// Baseline shift (px, positive = down) for a font size.
    pub fn shift(self, font_size: f64) -> f64 {
        match self {
            Baseline::Alphabetic => 0.0,
            Baseline::Middle => 0.5 * CAP_HEIGHT_EM * font_size,
            Baseline::Hanging => CAP_HEIGHT_EM * font_size,
            Baseline::Bottom => -DESCENT_EM * font_size,
        }
    }
}

/// How a piece of text is set.
#[derive(Clone, Debug, PartialEq)]
pub struct TextStyle {
    /// Font size in px.
    pub size: f64,
    /// Horizontal alignment.
    pub anchor: Anchor,
    /// Vertical alignment.
    pub baseline: Baseline,
    /// Rotation in degrees around the anchor point (negative = counter-clockwise; −90 for a
    /// y-axis title).
    pub rotate: f64,
    /// Bold weight.
    pub bold: bool,
    /// Italic style.
    pub italic: bool,
    /// Text colour.
    pub fill: Color,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            size: 11.0,
            anchor: Anchor::Start,
            baseline: Baseline::Alphabetic,
            rotate: 0.0,
            bold: false,
            italic: false,
            fill: Color::BLACK,
        }
    }
}

impl TextStyle {
    /// Plain text of `size` px.
    pub fn new(size: f64) -> TextStyle {
        TextStyle {
            size,
            ..TextStyle::default()
        }
    }

    /// Sets the alignment.
    pub fn align(mut self, anchor: Anchor, baseline: Baseline) -> TextStyle {
        self.anchor = anchor;
        self.baseline = baseline;
        self
    }

    /// Sets the rotation (degrees).
    pub fn rotated(mut self, degrees: f64) -> TextStyle {
        self.rotate = degrees;
        self
    }

    /// Sets bold weight.
    pub fn bold(mut self) -> TextStyle {
        self.bold = true;
        self
    }

    /// Sets the colour.
    pub fn color(mut self, c: Color) -> TextStyle {
        self.fill = c;
        self
    }

    /// Estimated width in px of `text` in this style ([`text_width`]).
    pub fn width(&self, text: &str) -> f64 {
        text_width(text, self.size, self.bold)
    }
}

// ---------------------------------------------------------------------------------------------
// Path data
// ---------------------------------------------------------------------------------------------

/// Path data (`d` attribute) built from absolute move/line commands.
///
/// Non-finite points lift the pen: the next finite point starts a new sub-path. A move that is
/// not followed by a line is dropped, so the data never holds a lone `M`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PathData {
    d: String,
    pending_move: Option<(String, String)>,
    in_subpath: bool,
}

impl PathData {
    /// Empty path data.
    pub fn new() -> PathData {
        PathData::default()
    }

    /// A polyline through `points`, broken into sub-paths at non-finite points.
    pub fn from_points(points: &[(f64, f64)]) -> PathData {
        let mut p = PathData::new();
        for &(x, y) in points {
            p.line_to(x, y);
        }
        p
    }

    /// Starts a new sub-path at (x, y). A non-finite point just lifts the pen.
    pub fn move_to(&mut self, x: f64, y: f64) -> &mut PathData {
        self.in_subpath = false;
        self.pending_move = match (fmt_coord(x), fmt_coord(y)) {
            (Some(x), Some(y)) => Some((x, y)),
            _ => None,
        };
        self
    }

    /// Draws a line to (x, y); starts a sub-path there if the pen is up. A non-finite point
    /// lifts the pen.
    pub fn line_to(&mut self, x: f64, y: f64) -> &mut PathData {
        let (Some(xs), Some(ys)) = (fmt_coord(x), fmt_coord(y)) else {
            self.in_subpath = false;
            self.pending_move = None;
            return self;
        };
        if self.in_subpath {
            let _ = write!(self.d, " L{xs},{ys}");
        } else if let Some((mx, my)) = self.pending_move.take() {
            if !self.d.is_empty() {
                self.d.push(' ');
            }
            let _ = write!(self.d, "M{mx},{my} L{xs},{ys}");
            self.in_subpath = true;
        } else {
            self.pending_move = Some((xs, ys));
        }
        self
    }

    /// Closes the current sub-path (no-op if none is open).
    pub fn close(&mut self) -> &mut PathData {
        if self.in_subpath {
            self.d.push_str(" Z");
            self.in_subpath = false;
        }
        self
    }

    /// True when nothing would be drawn.
    pub fn is_empty(&self) -> bool {
        self.d.is_empty()
    }

    /// The `d` attribute value.
    pub fn as_str(&self) -> &str {
        &self.d
    }
}

// ---------------------------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------------------------

/// Attribute list builder that only ever writes formatted numbers and escaped strings.
struct Attrs(String);

impl Attrs {
    fn new() -> Attrs {
        Attrs(String::new())
    }

    /// Writes a coordinate; returns false (and writes nothing) if it is not finite.
    fn coord(&mut self, name: &str, v: f64) -> bool {
        match fmt_coord(v) {
            Some(s) => {
                let _ = write!(self.0, " {name}=\"{s}\"");
                true
            }
            None => false,
        }
    }

    fn num_fixed(&mut self, name: &str, v: f64, decimals: usize) -> bool {
        match fmt_fixed(v, decimals) {
            Some(s) => {
                let _ = write!(self.0, " {name}=\"{s}\"");
                true
            }
            None => false,
        }
    }

    /// Writes an attribute whose value is already safe (a colour, a keyword, formatted numbers).
    fn raw(&mut self, name: &str, value: &str) {
        let _ = write!(self.0, " {name}=\"{value}\"");
    }

    fn text(&mut self, name: &str, value: &str) {
        let _ = write!(self.0, " {name}=\"{}\"", escape_xml(value));
    }
}

/// Reference to a clip path created with [`Svg::clip_rect`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipId(String);

/// Options of a `<g>` group opened with [`Svg::begin_group`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    /// Clip children to this clip path.
    pub clip: Option<ClipId>,
    /// A `class` attribute (for styling and tests).
    pub class: Option<String>,
    /// Group opacity 0–1.
    pub opacity: Option<f64>,
}

impl Group {
    /// A group with a class.
    pub fn class(class: &str) -> Group {
        Group {
            class: Some(class.to_owned()),
            ..Group::default()
        }
    }

    /// Adds a clip path.
    pub fn clipped(mut self, clip: &ClipId) -> Group {
        self.clip = Some(clip.clone());
        self
    }
}

/// Placeholder for the content-derived id prefix; it contains `&`, which escaped text never
/// holds unescaped, so it cannot collide with user text.
const ID_TOKEN: &str = "&pclid;";

/// An SVG document under construction. See the module docs for the guarantees.
#[derive(Clone, Debug)]
pub struct Svg {
    width: f64,
    height: f64,
    title: Option<String>,
    desc: Option<String>,
    font_family: String,
    defs: String,
    body: String,
    depth: usize,
    pending_title: Option<String>,
    next_id: u32,
}

impl Svg {
    /// A new document of `width` × `height` px (viewBox `0 0 width height`). Non-finite or
    /// non-positive sizes fall back to 1 px.
    pub fn new(width: f64, height: f64) -> Svg {
        let fix = |v: f64| if v.is_finite() && v > 0.0 { v } else { 1.0 };
        Svg {
            width: fix(width),
            height: fix(height),
            title: None,
            desc: None,
            font_family: FONT_FAMILY.to_owned(),
            defs: String::new(),
            body: String::new(),
            depth: 1,
            pending_title: None,
            next_id: 0,
        }
    }

    /// Width in px.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Height in px.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// Sets the document `<title>` (accessible name of the figure).
    pub fn set_title(&mut self, title: &str) -> &mut Svg {
        self.title = (!title.trim().is_empty()).then(|| title.to_owned());
        self
    }

    /// Sets the document `<desc>` (accessible description).
    pub fn set_description(&mut self, desc: &str) -> &mut Svg {
        self.desc = (!desc.trim().is_empty()).then(|| desc.to_owned());
        self
    }

    /// Sets the root `font-family` (default [`FONT_FAMILY`]).
    pub fn set_font_family(&mut self, family: &str) -> &mut Svg {
        self.font_family = family.to_owned();
        self
    }

    /// Attaches a `<title>` tooltip to the next element or group written.
    pub fn tooltip(&mut self, text: &str) -> &mut Svg {
        self.pending_title = (!text.is_empty()).then(|| text.to_owned());
        self
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.body.push_str("  ");
        }
    }

    /// Writes `<name attrs/>`, or with children (tooltip title, text content) when present.
    fn emit(&mut self, name: &str, attrs: &Attrs, content: Option<&str>) {
        let title = self.pending_title.take();
        self.indent();
        let _ = write!(self.body, "<{name}{}", attrs.0);
        if title.is_none() && content.is_none() {
            self.body.push_str("/>\n");
            return;
        }
        self.body.push('>');
        if let Some(t) = title {
            let _ = write!(self.body, "<title>{}</title>", escape_xml(&t));
        }
        if let Some(c) = content {
            self.body.push_str(c);
        }
        let _ = writeln!(self.body, "</{name}>");
    }

    /// A straight line. Returns false (nothing written) if a coordinate is not finite.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &Style) -> bool {
        let mut a = Attrs::new();
        if !(a.coord("x1", x1) && a.coord("y1", y1) && a.coord("x2", x2) && a.coord("y2", y2)) {
            self.pending_title = None;
            return false;
        }
        style.write_stroke_attrs(&mut a);
        self.emit("line", &a, None);
        true
    }

    /// A path. Returns false (nothing written) if the path is empty.
    pub fn path(&mut self, path: &PathData, style: &Style) -> bool {
        if path.is_empty() {
            self.pending_title = None;
            return false;
        }
        let mut a = Attrs::new();
        a.raw("d", path.as_str());
        style.write_attrs(&mut a);
        self.emit("path", &a, None);
        true
    }

    /// A polyline through `points` (written as a `<path>`), broken at non-finite points.
    /// Returns false if nothing would be drawn.
    pub fn polyline(&mut self, points: &[(f64, f64)], style: &Style) -> bool {
        self.path(&PathData::from_points(points), style)
    }

    /// A closed polygon. Non-finite vertices are dropped; returns false (nothing written) if
    /// fewer than three remain.
    pub fn polygon(&mut self, points: &[(f64, f64)], style: &Style) -> bool {
        let pts: Vec<String> = points
            .iter()
            .filter_map(|&(x, y)| Some(format!("{},{}", fmt_coord(x)?, fmt_coord(y)?)))
            .collect();
        if pts.len() < 3 {
            self.pending_title = None;
            return false;
        }
        let mut a = Attrs::new();
        a.raw("points", &pts.join(" "));
        style.write_attrs(&mut a);
        self.emit("polygon", &a, None);
        true
    }

    /// A circle. Returns false if a value is not finite or the radius is negative.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, style: &Style) -> bool {
        let mut a = Attrs::new();
        if !(r >= 0.0 && a.coord("cx", cx) && a.coord("cy", cy) && a.coord("r", r)) {
            self.pending_title = None;
            return false;
        }
        style.write_attrs(&mut a);
        self.emit("circle", &a, None);
        true
    }

    /// A rectangle. Returns false if a value is not finite or a size is negative.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &Style) -> bool {
        let mut a = Attrs::new();
        let ok = w >= 0.0
            && h >= 0.0
            && a.coord("x", x)
            && a.coord("y", y)
            && a.coord("width", w)
            && a.coord("height", h);
        if !ok {
            self.pending_title = None;
            return false;
        }
        style.write_attrs(&mut a);
        self.emit("rect", &a, None);
        true
    }

    /// Text anchored at (x, y). Returns false if a coordinate is not finite or the text is
    /// empty after escaping.
    pub fn text(&mut self, x: f64, y: f64, text: &str, style: &TextStyle) -> bool {
        let content = escape_xml(text);
        let size = if style.size.is_finite() && style.size > 0.0 {
            style.size
        } else {
            11.0
        };
        let mut a = Attrs::new();
        let shift = style.baseline.shift(size);
        if content.trim().is_empty() || !(a.coord("x", x) && a.coord("y", y + shift)) {
            self.pending_title = None;
            return false;
        }
        a.num_fixed("font-size", size, DECIMALS);
        match style.anchor {
            Anchor::Start => {}
            Anchor::Middle => a.raw("text-anchor", "middle"),
            Anchor::End => a.raw("text-anchor", "end"),
        }
        if style.bold {
            a.raw("font-weight", "bold");
        }
        if style.italic {
            a.raw("font-style", "italic");
        }
        if style.fill != Color::BLACK {
            a.raw("fill", &style.fill.to_string());
        }
        if let (Some(r), Some(xs), Some(ys)) =
            (fmt_fixed(style.rotate, 2), fmt_coord(x), fmt_coord(y))
        {
            if r != "0" {
                a.raw("transform", &format!("rotate({r} {xs} {ys})"));
            }
        }
        self.emit("text", &a, Some(&content));
        true
    }

    /// Defines a rectangular clip path and returns its id for [`Group::clip`].
    pub fn clip_rect(&mut self, x: f64, y: f64, w: f64, h: f64) -> ClipId {
        let id = format!("{ID_TOKEN}-clip{}", self.next_id);
        self.next_id += 1;
        let mut a = Attrs::new();
        a.coord("x", x);
        a.coord("y", y);
        a.coord("width", w.max(0.0));
        a.coord("height", h.max(0.0));
        let _ = writeln!(
            self.defs,
            "    <clipPath id=\"{id}\"><rect{}/></clipPath>",
            a.0
        );
        ClipId(id)
    }

    /// Opens a `<g>` group; close it with [`Svg::end_group`]. A pending tooltip is attached to
    /// the group.
    pub fn begin_group(&mut self, group: &Group) {
        let mut a = Attrs::new();
        if let Some(c) = &group.class {
            a.text("class", c);
        }
        if let Some(clip) = &group.clip {
            a.raw("clip-path", &format!("url(#{})", clip.0));
        }
        if let Some(o) = group.opacity {
            a.num_fixed("opacity", o.clamp(0.0, 1.0), 3);
        }
        self.indent();
        let _ = write!(self.body, "<g{}>", a.0);
        if let Some(t) = self.pending_title.take() {
            let _ = write!(self.body, "<title>{}</title>", escape_xml(&t));
        }
        self.body.push('\n');
        self.depth += 1;
    }

    /// Closes the innermost open group (no-op if none is open).
    pub fn end_group(&mut self) {
        if self.depth > 1 {
            self.depth -= 1;
            self.indent();
            self.body.push_str("</g>\n");
        }
    }

    /// Closes open groups and returns the document.
    pub fn finish(mut self) -> String {
        while self.depth > 1 {
            self.end_group();
        }
        let w = fmt_coord(self.width).unwrap_or_else(|| "1".to_owned());
        let h = fmt_coord(self.height).unwrap_or_else(|| "1".to_owned());
        let mut out = String::with_capacity(self.body.len() + self.defs.len() + 512);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"{}\" role=\"img\">",
            escape_xml(&self.font_family)
        );
        if let Some(t) = &self.title {
            let _ = writeln!(out, "  <title>{}</title>", escape_xml(t));
        }
        if let Some(d) = &self.desc {
            let _ = writeln!(out, "  <desc>{}</desc>", escape_xml(d));
        }
        if !self.defs.is_empty() {
            out.push_str("  <defs>\n");
            out.push_str(&self.defs);
            out.push_str("  </defs>\n");
        }
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        if self.next_id > 0 {
            let prefix = format!("p{:012x}", fnv1a64(out.as_bytes()) & 0xFFFF_FFFF_FFFF);
            out = out.replace(ID_TOKEN, &prefix);
        }
        out
    }
}

/// 64-bit FNV-1a hash (stable across platforms and Rust versions, unlike `DefaultHasher`).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_formatting() {
        assert_eq!(fmt_fixed(0.0, 2).unwrap(), "0");
        assert_eq!(fmt_fixed(-0.0, 2).unwrap(), "0");
        assert_eq!(fmt_fixed(-0.004, 2).unwrap(), "0");
        assert_eq!(fmt_fixed(-0.005, 2).unwrap(), "-0.01");
        assert_eq!(fmt_fixed(12.5, 2).unwrap(), "12.5");
        assert_eq!(fmt_fixed(12.0, 2).unwrap(), "12");
        assert_eq!(fmt_fixed(100.0, 0).unwrap(), "100");
        assert_eq!(fmt_fixed(1.23456, 3).unwrap(), "1.235");
        assert_eq!(fmt_fixed(1e-12, 2).unwrap(), "0");
        assert_eq!(fmt_fixed(-1e-12, 2).unwrap(), "0");
        assert_eq!(fmt_fixed(1e20, 2).unwrap(), "100000000000000000000");
        assert_eq!(fmt_fixed(f64::NAN, 2), None);
        assert_eq!(fmt_fixed(f64::INFINITY, 2), None);
        assert_eq!(fmt_fixed(f64::NEG_INFINITY, 2), None);
        for v in [1e-300, -1e-300, 1e300, -7.777e-5, 3.999999] {
            let s = fmt_fixed(v, 2).unwrap();
            assert!(!s.contains('e') && !s.contains('E'), "{s}");
            assert_ne!(s, "-0");
        }
        assert_eq!(fmt_coord(1e300).unwrap(), "1000000");
        assert_eq!(fmt_coord(-1e300).unwrap(), "-1000000");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_xml(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;"
        );
        assert_eq!(escape_xml("x\u{0}y\u{7}z\tw"), "xyz\tw");
        assert_eq!(escape_xml("MV4;11 µM ±"), "MV4;11 µM ±");
    }

    #[test]
    fn path_breaks_at_non_finite() {
        let p = PathData::from_points(&[
            (0.0, 0.0),
            (1.0, 1.0),
            (f64::NAN, 2.0),
            (3.0, 3.0),
            (f64::INFINITY, 0.0),
            (5.0, 5.0),
            (6.0, 6.0),
        ]);
        // The lone (3, 3) is dropped: a sub-path needs two points.
        assert_eq!(p.as_str(), "M0,0 L1,1 M5,5 L6,6");
        assert!(PathData::from_points(&[(1.0, 1.0)]).is_empty());
    }

    #[test]
    fn non_finite_elements_are_skipped() {
        let mut s = Svg::new(100.0, 100.0);
        let st = Style::stroke(Color::BLACK, 1.0);
        assert!(!s.line(0.0, f64::NAN, 1.0, 1.0, &st));
        assert!(!s.circle(f64::INFINITY, 1.0, 2.0, &st));
        assert!(!s.circle(1.0, 1.0, -2.0, &st));
        assert!(!s.rect(0.0, 0.0, -1.0, 1.0, &st));
        assert!(!s.text(f64::NAN, 0.0, "x", &TextStyle::default()));
        assert!(!s.polygon(&[(0.0, 0.0), (1.0, f64::NAN), (2.0, 2.0)], &st));
        assert!(s.line(0.0, 0.0, 1.0, 1.0, &st));
        let out = s.finish();
        assert!(!out.contains("NaN") && !out.contains("inf"));
        assert_eq!(out.matches("<line").count(), 1);
    }

    #[test]
    fn deterministic_and_ids_from_content() {
        let build = |label: &str| {
            let mut s = Svg::new(200.0, 100.0);
            let clip = s.clip_rect(10.0, 10.0, 100.0, 50.0);
            s.begin_group(&Group::class("plot").clipped(&clip));
            s.tooltip("a <tooltip>");
            s.circle(20.0, 20.0, 3.0, &Style::fill(Color::hex(0x0072B2)));
            s.end_group();
            s.text(
                5.0,
                5.0,
                label,
                &TextStyle::new(11.0)
                    .align(Anchor::Middle, Baseline::Middle)
                    .rotated(-90.0),
            );
            s.finish()
        };
        let a = build("A & B");
        assert_eq!(a, build("A & B"));
        assert!(!a.contains(ID_TOKEN));
        assert!(a.contains("<title>a &lt;tooltip&gt;</title>"));
        assert!(a.contains(">A &amp; B</text>"));
        assert!(a.contains("transform=\"rotate(-90 5 5)\""));
        let b = build("other");
        let id = |s: &str| s.split("clipPath id=\"").nth(1).unwrap()[..13].to_owned();
        assert_ne!(id(&a), id(&b));
        assert!(a.contains(&format!("clip-path=\"url(#{}", id(&a))));
        roxmltree::Document::parse(&a).unwrap();
    }

    #[test]
    fn text_width_estimates() {
        // "100" at 10 px in DejaVu Sans is 3 × 6.36 px.
        assert!((text_width("100", 10.0, false) - 19.08).abs() < 1e-9);
        assert!(text_width("100", 10.0, true) > text_width("100", 10.0, false));
        assert!(text_width("iii", 10.0, false) < text_width("WWW", 10.0, false));
        assert_eq!(text_width("", 10.0, false), 0.0);
        assert!(text_width("10⁻⁹", 10.0, false) > 0.0);
    }
}
