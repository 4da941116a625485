//! Colour palette: Okabe–Ito, safe for the common forms of colour-vision deficiency.
//!
//! Okabe M., Ito K. (2008) *Color Universal Design*. The order puts the colours that read best
//! as thin lines and text on white first; yellow, which is hard to see on white, comes last.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles() {
        assert_eq!(series_color(0), series_color(8));
        assert_eq!(series_color(1).to_string(), "#d55e00");
    }
}
