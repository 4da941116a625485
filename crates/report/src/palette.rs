//! Colour palettes, all safe for the common forms of colour-vision deficiency.
//!
//! - [`OKABE_ITO`]: categorical colours for series. Okabe M., Ito K. (2008) *Color Universal
//!   Design*. The order puts the colours that read best as thin lines and text on white first;
//!   yellow, which is hard to see on white, comes last.
//! - [`RDBU_REVERSED`] / [`diverging`]: blue – near-white – red for values around a centre
//!   (synergy scores, log fold changes).
//! - [`VIRIDIS`] / [`sequential`]: dark purple – teal – yellow for values on one side
//!   (% inhibition).
//!
//! Continuous scales are linear interpolations in sRGB between the stops of a small fixed
//! table ([`interpolate`]). [`text_color_on`] picks black or white text for a background by
//! relative luminance.

use crate::svg::Color;

/// The eight Okabe–Ito colours in the order series use them.
pub const OKABE_ITO: [Color; 8] = [
    Color::hex(0x0072B2), // blue
    Color::hex(0xD55E00), // vermillion
    Color::hex(0x009E73), // bluish green
    Color::hex(0xCC79A7), // reddish purple
    Color::hex(0xE69F00), // orange
    Color::hex(0x56B4E9), // sky blue
    Color::hex(0x000000), // black
    Color::hex(0xF0E442), // yellow
];

/// The colour of series `index`, cycling through [`OKABE_ITO`].
pub fn series_color(index: usize) -> Color {
    OKABE_ITO[index % OKABE_ITO.len()]
}

/// ColorBrewer **RdBu**, 11 classes, reversed so that low values are blue and high values red
/// (positive synergy / resistance = red); the middle stop is the near-white `#f7f7f7`.
///
/// Source: Brewer C. A., Harrower M., The Pennsylvania State University, *ColorBrewer 2.0*
/// (<https://colorbrewer2.org>, scheme "RdBu", 11 data classes; Apache-2.0 licence). ColorBrewer
/// lists RdBu as colour-blind safe.
pub const RDBU_REVERSED: [Color; 11] = [
    Color::hex(0x053061),
    Color::hex(0x2166AC),
    Color::hex(0x4393C3),
    Color::hex(0x92C5DE),
    Color::hex(0xD1E5F0),
    Color::hex(0xF7F7F7),
    Color::hex(0xFDDBC7),
    Color::hex(0xF4A582),
    Color::hex(0xD6604D),
    Color::hex(0xB2182B),
    Color::hex(0x67001F),
];

/// **viridis** sampled at 17 evenly spaced points (entries `round(i · 255 / 16)` of the
/// 256-entry table), from dark purple (low) to yellow (high).
///
/// Source: van der Walt S., Smith N., Firing E. (2015), the matplotlib colormap `viridis`
/// (`_viridis_data` in matplotlib's `_cm_listed.py`, CC0). Perceptually uniform and readable
/// with the common colour-vision deficiencies and in greyscale. Linear interpolation between
/// these stops stays within 6/255 per channel of the full table.
pub const VIRIDIS: [Color; 17] = [
    Color::hex(0x440154),
    Color::hex(0x48186A),
    Color::hex(0x472D7B),
    Color::hex(0x424086),
    Color::hex(0x3B528B),
    Color::hex(0x33638D),
    Color::hex(0x2C728E),
    Color::hex(0x26828E),
    Color::hex(0x21918C),
    Color::hex(0x1F9F88),
    Color::hex(0x27AD81),
    Color::hex(0x3DBC74),
    Color::hex(0x5CC863),
    Color::hex(0x81D34D),
    Color::hex(0xAADC32),
    Color::hex(0xD5E21A),
    Color::hex(0xFDE725),
];

/// The colour at position `t` (0–1) of a scale made of evenly spaced `stops`, interpolated
/// linearly in sRGB between neighbouring stops.
///
/// `t` is clamped to 0–1; NaN is treated as 0. An empty table gives black.
pub fn interpolate(stops: &[Color], t: f64) -> Color {
    let Some((&last, _)) = stops.split_last() else {
        return Color::BLACK;
    };
    if stops.len() == 1 {
        return last;
    }
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| -> u8 {
        (f64::from(x) + (f64::from(y) - f64::from(x)) * f)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    Color {
        r: mix(a.r, b.r),
        g: mix(a.g, b.g),
        b: mix(a.b, b.b),
    }
}

/// Diverging scale ([`RDBU_REVERSED`]): 0 → dark blue, 0.5 → near-white, 1 → dark red.
pub fn diverging(t: f64) -> Color {
    interpolate(&RDBU_REVERSED, t)
}

/// Sequential scale ([`VIRIDIS`]): 0 → dark purple, 1 → yellow.
pub fn sequential(t: f64) -> Color {
    interpolate(&VIRIDIS, t)
}

/// Relative luminance of an sRGB colour (0 = black, 1 = white), as defined by WCAG 2.x.
pub fn relative_luminance(c: Color) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// WCAG contrast ratio of two colours (1 – 21).
pub fn contrast_ratio(a: Color, b: Color) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Black or white, whichever contrasts more with `background` (white when its relative
/// luminance is below about 0.18).
pub fn text_color_on(background: Color) -> Color {
    if contrast_ratio(Color::WHITE, background) > contrast_ratio(Color::BLACK, background) {
        Color::WHITE
    } else {
        Color::BLACK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles() {
        assert_eq!(series_color(0), series_color(8));
        assert_eq!(series_color(1).to_string(), "#d55e00");
    }

    #[test]
    fn scales_hit_their_stops() {
        assert_eq!(diverging(0.0), Color::hex(0x053061));
        assert_eq!(diverging(0.5), Color::hex(0xF7F7F7));
        assert_eq!(diverging(1.0), Color::hex(0x67001F));
        assert_eq!(diverging(0.1), Color::hex(0x2166AC));
        assert_eq!(sequential(0.0), Color::hex(0x440154));
        assert_eq!(sequential(0.5), Color::hex(0x21918C));
        assert_eq!(sequential(1.0), Color::hex(0xFDE725));
        // Clamped and NaN-safe.
        assert_eq!(sequential(7.0), sequential(1.0));
        assert_eq!(sequential(-1.0), sequential(0.0));
        assert_eq!(sequential(f64::NAN), sequential(0.0));
        assert_eq!(interpolate(&[], 0.5), Color::BLACK);
        assert_eq!(interpolate(&[Color::WHITE], 0.2), Color::WHITE);
        // Half-way between two stops.
        let mid = interpolate(&[Color::hex(0x000000), Color::hex(0xFF0080)], 0.5);
        assert_eq!(mid, Color::hex(0x800040));
    }

    #[test]
    fn viridis_luminance_increases() {
        for w in VIRIDIS.windows(2) {
            assert!(relative_luminance(w[1]) > relative_luminance(w[0]));
        }
    }

    #[test]
    fn contrast_text() {
        assert!((relative_luminance(Color::WHITE) - 1.0).abs() < 1e-12);
        assert_eq!(relative_luminance(Color::BLACK), 0.0);
        assert!((contrast_ratio(Color::WHITE, Color::BLACK) - 21.0).abs() < 1e-9);
        assert_eq!(text_color_on(Color::WHITE), Color::BLACK);
        assert_eq!(text_color_on(Color::hex(0xF7F7F7)), Color::BLACK);
        assert_eq!(text_color_on(Color::hex(0x053061)), Color::WHITE);
        assert_eq!(text_color_on(Color::hex(0x67001F)), Color::WHITE);
        assert_eq!(text_color_on(Color::hex(0x440154)), Color::WHITE);
        assert_eq!(text_color_on(Color::hex(0xFDE725)), Color::BLACK);
    }
}
