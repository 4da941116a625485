//! SVG → PNG with [resvg](https://crates.io/crates/resvg), the same bytes on every machine.
//!
//! Text is the only part of an SVG whose pixels depend on the machine: a renderer picks a font
//! from what is installed. Here the font database holds exactly one family, the bundled
//! **DejaVu Sans** (regular and bold, `assets/fonts/`, Bitstream Vera licence beside it in
//! `LICENSE-DejaVu.txt`), loaded from bytes compiled into the binary; system fonts are never
//! loaded (resvg is built without its `system-fonts` feature). Every family name our SVG writer
//! emits ([`crate::svg::FONT_FAMILY`]: Arial, Helvetica, Liberation Sans, DejaVu Sans,
//! sans-serif) and every generic family (serif, monospace …) resolves to it. DejaVu Sans is also
//! the face whose advance widths [`crate::svg::text_width`] uses to lay out labels, so the PNG
//! text fits the space the SVG gave it.
//!
//! The image is drawn on an opaque white background at `scale` × the SVG's size in pixels and
//! encoded by tiny-skia's PNG encoder (no timestamps or other ancillary chunks): the same SVG
//! and scale give byte-identical PNG files.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// DejaVu Sans (regular), bundled.
const DEJAVU_SANS: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, bundled.
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// The family every font request resolves to.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// Largest width or height of a PNG, in pixels (a guard against absurd SVG sizes).
pub const MAX_SIDE: u32 = 16_384;

/// Errors converting an SVG to PNG.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The SVG could not be parsed.
    #[error("SVG could not be parsed: {0}")]
    Parse(String),
    /// The scale is not a positive finite number, or the image would be empty or too large.
    #[error("invalid PNG size: {width} × {height} px at scale {scale} (1–{MAX_SIDE} px per side)")]
    Size {
        /// Width in pixels.
        width: f32,
        /// Height in pixels.
        height: f32,
        /// Requested scale.
        scale: f32,
    },
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// The font database with the bundled faces only (built once).
fn fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(DEJAVU_SANS.to_vec());
        db.load_font_data(DEJAVU_SANS_BOLD.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        db.set_serif_family(FONT_FAMILY);
        db.set_monospace_family(FONT_FAMILY);
        db.set_cursive_family(FONT_FAMILY);
        db.set_fantasy_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Renders an SVG document to premultiplied RGBA pixels on white: `(width, height, pixels)`,
/// row-major, 4 bytes per pixel.
pub fn svg_to_rgba(svg: &str, scale: f32) -> Result<(u32, u32, Vec<u8>), PngError> {
    let pixmap = render(svg, scale)?;
    Ok((pixmap.width(), pixmap.height(), pixmap.data().to_vec()))
}

/// Renders an SVG document to PNG bytes at `scale` × its size (1.0 = one pixel per SVG unit).
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    render(svg, scale)?
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}

fn render(svg: &str, scale: f32) -> Result<tiny_skia::Pixmap, PngError> {
    let opt = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: fontdb(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| PngError::Parse(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (size.width() * scale, size.height() * scale);
    let bad = || PngError::Size {
        width: w,
        height: h,
        scale,
    };
    if !(scale.is_finite() && scale > 0.0 && w.is_finite() && h.is_finite()) {
        return Err(bad());
    }
    let (pw, ph) = (w.ceil(), h.ceil());
    if !(1.0..=MAX_SIDE as f32).contains(&pw) || !(1.0..=MAX_SIDE as f32).contains(&ph) {
        return Err(bad());
    }
    let mut pixmap = tiny_skia::Pixmap::new(pw as u32, ph as u32).ok_or_else(bad)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECT: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20"><rect x="10" y="5" width="20" height="10" fill="#0072B2"/></svg>"##;

    fn px(data: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * w + x) * 4) as usize;
        [data[i], data[i + 1], data[i + 2], data[i + 3]]
    }

    #[test]
    fn png_bytes_are_identical_twice() {
        let a = svg_to_png(RECT, 2.0).unwrap();
        let b = svg_to_png(RECT, 2.0).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn rectangle_pixel_colours() {
        let (w, h, d) = svg_to_rgba(RECT, 1.0).unwrap();
        assert_eq!((w, h), (40, 20));
        // inside the rectangle: Okabe–Ito blue #0072B2, opaque
        assert_eq!(px(&d, w, 20, 10), [0x00, 0x72, 0xB2, 0xFF]);
        // outside: the white background
        assert_eq!(px(&d, w, 2, 2), [0xFF, 0xFF, 0xFF, 0xFF]);
        // scale 2 doubles the size
        let (w2, h2, _) = svg_to_rgba(RECT, 2.0).unwrap();
        assert_eq!((w2, h2), (80, 40));
    }

    #[test]
    fn text_renders_with_the_bundled_font() {
        // our writer's font stack: none of the first three names is in the database
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40" font-family="{}"><text x="5" y="28" font-size="20" fill="#000">MI-503</text></svg>"##,
            crate::svg::FONT_FAMILY.replace('\'', "&apos;")
        );
        let (w, h, d) = svg_to_rgba(&svg, 1.0).unwrap();
        let dark = |x0: u32, x1: u32| {
            (10..36)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| px(&d, w, x, y)[0] < 128)
                .count()
        };
        // glyph pixels where the label is, none far to its right
        assert!(dark(5, 80) > 50, "{}", dark(5, 80));
        assert_eq!(dark(100, 120), 0);
        assert_eq!(h, 40);
        // bold text is drawn too, and differs from regular
        let bold = svg.replace("fill=\"#000\"", "fill=\"#000\" font-weight=\"bold\"");
        let b = svg_to_png(&bold, 1.0).unwrap();
        assert_ne!(b, svg_to_png(&svg, 1.0).unwrap());
    }

    #[test]
    fn errors_not_panics() {
        assert!(matches!(
            svg_to_png("not svg", 1.0),
            Err(PngError::Parse(_))
        ));
        assert!(matches!(svg_to_png(RECT, 0.0), Err(PngError::Size { .. })));
        assert!(matches!(
            svg_to_png(RECT, f32::NAN),
            Err(PngError::Size { .. })
        ));
        assert!(matches!(svg_to_png(RECT, 1e6), Err(PngError::Size { .. })));
    }
}
