//! Axes: linear axes with "nice" 1-2-5 ticks and log10 axes with decade ticks.
//!
//! An [`Axis`] holds its domain, its ticks (value, optional label, major/minor) and its title;
//! it knows nothing about pixels except through [`Axis::fraction`], which maps a value to its
//! position 0–1 along the axis. Figures do the pixel layout.
//!
//! Labels use the typographic minus sign (U+2212). Log axes label decades as `0.01`, `0.1`, `1`,
//! `10`, `1000`, … while every labelled tick lies within 1e-3..1e5, and as `10⁻⁹`, `10⁶`, … (Unicode
//! superscripts) otherwise. Degenerate input (a single value, reversed or non-finite bounds)
//! never panics: it is widened to a small sensible domain.

/// The scale of an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (positive values only).
    Log10,
}

/// One tick mark.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Position in data units.
    pub value: f64,
    /// Label, if this tick is labelled.
    pub label: Option<String>,
    /// Major (long) or minor (short) tick.
    pub major: bool,
}

/// An axis: domain, ticks and title.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Linear or log10.
    pub scale: Scale,
    /// Lower end of the domain (data units).
    pub min: f64,
    /// Upper end of the domain (data units).
    pub max: f64,
    /// Ticks in increasing order of value, all inside `[min, max]`.
    pub ticks: Vec<Tick>,
    /// Axis title, with the unit (see [`title_with_unit`]).
    pub title: String,
}

/// Target number of intervals on a linear axis.
const LINEAR_TARGET: f64 = 5.0;

impl Axis {
    /// A linear axis covering `lo..hi`, widened to multiples of a nice 1-2-5 step.
    pub fn linear(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = sanitize_linear(lo, hi);
        let step = nice_step((hi - lo) / LINEAR_TARGET);
        let min = snap((lo / step).floor() * step, step);
        let max = snap((hi / step).ceil() * step, step);
        Axis {
            scale: Scale::Linear,
            min,
            max,
            ticks: linear_ticks(min, max, step),
            title: String::new(),
        }
    }

    /// A linear axis with exactly the domain `lo..hi` (for user-fixed ranges); ticks at nice
    /// steps inside it.
    pub fn linear_fixed(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = sanitize_linear(lo, hi);
        let step = nice_step((hi - lo) / LINEAR_TARGET);
        Axis {
            scale: Scale::Linear,
            min: lo,
            max: hi,
            ticks: linear_ticks(lo, hi, step),
            title: String::new(),
        }
    }

    /// A log10 axis covering the positive values `lo..hi`.
    ///
    /// The domain is padded by 5 % of its span in log space (at least 0.1 decade) so that points
    /// do not sit on the frame, and an end within 0.3 decade of a decade is snapped to it. A
    /// single value gets one decade on either side. Non-positive or non-finite bounds are
    /// ignored; with no usable bound the domain is 1–10.
    pub fn log10(lo: f64, hi: f64) -> Axis {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        let (lo, hi) = match (ok(lo), ok(hi)) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (true, false) => (lo, lo),
            (false, true) => (hi, hi),
            (false, false) => {
                return Axis {
                    scale: Scale::Log10,
                    min: 1.0,
                    max: 10.0,
                    ticks: log_ticks(1.0, 10.0),
                    title: String::new(),
                };
            }
        };
        let (mut a, mut b) = (lo.log10(), hi.log10());
        if b - a < 1e-9 {
            a -= 0.5;
            b += 0.5;
        } else {
            let pad = (0.05 * (b - a)).max(0.1);
            a -= pad;
            b += pad;
        }
        if a - a.floor() < 0.3 {
            a = a.floor();
        }
        if b.ceil() - b < 0.3 {
            b = b.ceil();
        }
        // Keep the domain representable.
        a = a.clamp(-300.0, 300.0);
        b = b.clamp(a + 0.1, 300.0);
        let min = pow10_f(a);
        let max = pow10_f(b);
        Axis {
            scale: Scale::Log10,
            min,
            max,
            ticks: log_ticks(min, max),
            title: String::new(),
        }
    }

    /// Sets the title.
    pub fn with_title(mut self, title: &str) -> Axis {
        self.title = title.to_owned();
        self
    }

    /// Position of `v` along the axis: 0 at `min`, 1 at `max`; values outside the domain give
    /// fractions outside 0–1. `None` for non-finite values and for `v ≤ 0` on a log axis.
    pub fn fraction(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        let f = match self.scale {
            Scale::Linear => (v - self.min) / (self.max - self.min),
            Scale::Log10 => {
                if v <= 0.0 {
                    return None;
                }
                (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
            }
        };
        f.is_finite().then_some(f)
    }

    /// True when `v` lies inside the domain (with a relative tolerance of 1e-9 of the span).
    pub fn contains(&self, v: f64) -> bool {
        self.fraction(v)
            .is_some_and(|f| (-1e-9..=1.0 + 1e-9).contains(&f))
    }

    /// The labelled ticks.
    pub fn labelled_ticks(&self) -> impl Iterator<Item = (&Tick, &str)> {
        self.ticks
            .iter()
            .filter_map(|t| t.label.as_deref().map(|l| (t, l)))
    }
}

/// Orders two linear bounds and widens degenerate or non-finite ones.
fn sanitize_linear(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    let scale = lo.abs().max(hi.abs());
    if hi - lo <= scale * 1e-12 {
        if scale == 0.0 {
            (-1.0, 1.0)
        } else {
            let d = scale * 0.1;
            (lo - d, hi + d)
        }
    } else {
        (lo, hi)
    }
}

/// A "nice" step (1, 2 or 5 × 10^k) close to `raw` (rounding in log space, as d3 does).
/// Returns 1 for non-finite or non-positive input.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = raw.log10().floor();
    let base = pow10_f(power);
    let err = raw / base;
    let factor = if err >= 50f64.sqrt() {
        10.0
    } else if err >= 10f64.sqrt() {
        5.0
    } else if err >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    factor * base
}

/// 10^x, exact for integer x (parsed from a decimal literal, so 1e-9 is the same double as the
/// literal `1e-9`, which `10f64.powi(-9)` is not).
fn pow10_f(x: f64) -> f64 {
    if x.fract() == 0.0 && x.abs() <= 308.0 {
        format!("1e{}", x as i32).parse().unwrap_or(f64::NAN)
    } else {
        10f64.powf(x)
    }
}

/// Rounds `v` to a multiple of `step` (removes accumulated floating-point noise) and turns
/// `-0` into `0`.
fn snap(v: f64, step: f64) -> f64 {
    let k = (v / step).round();
    let s = k * step;
    if s == 0.0 { 0.0 } else { s }
}

/// Ticks at multiples of `step` within `min..=max`, all major and labelled.
pub fn linear_ticks(min: f64, max: f64, step: f64) -> Vec<Tick> {
    if !(min.is_finite() && max.is_finite() && step.is_finite() && step > 0.0 && max >= min) {
        return Vec::new();
    }
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    if last < first || last.saturating_sub(first) > 1000 {
        return Vec::new();
    }
    let decimals = label_decimals(step);
    let sci = max.abs().max(min.abs()) >= 1e6 || step < 1e-4;
    (first..=last)
        .map(|k| {
            let value = snap(k as f64 * step, step);
            let label = if sci {
                format_sci(value, step)
            } else {
                format_linear_label(value, decimals)
            };
            Tick {
                value,
                label: Some(label),
                major: true,
            }
        })
        .collect()
}

/// Number of decimals needed to label multiples of `step` (0 for steps ≥ 1).
fn label_decimals(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else {
        (-(step.log10() + 1e-9).floor()).clamp(0.0, 12.0) as usize
    }
}

/// A linear tick label with a fixed number of decimals and a typographic minus; never `−0`.
pub fn format_linear_label(v: f64, decimals: usize) -> String {
    let s = crate::svg::fmt_fixed(v, decimals).unwrap_or_default();
    // fmt_fixed trims trailing zeros; labels on one axis should share the decimals.
    let s = if decimals > 0 {
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        format!("{int}.{frac:0<decimals$}")
    } else {
        s
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        return s.trim_start_matches('-').to_owned();
    }
    s.replace('-', "\u{2212}")
}

/// `m×10ᵏ` (or `10ᵏ` for m = 1) for very large or very small linear values.
fn format_sci(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let k = v.abs().log10().floor() as i32;
    let m = v / pow10_f(f64::from(k));
    let rel = step / pow10_f(f64::from(k));
    let mant = format_linear_label(m, label_decimals(rel).min(6));
    if mant == "1" {
        format!("10{}", superscript(k))
    } else if mant == "\u{2212}1" {
        format!("\u{2212}10{}", superscript(k))
    } else {
        format!("{mant}×10{}", superscript(k))
    }
}

/// The integer `k` in Unicode superscript digits (`−9` → `⁻⁹`).
pub fn superscript(k: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::new();
    if k < 0 {
        out.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        out.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    out
}

/// `m × 10^k` written as a plain decimal (`m` in 1..=9): `(1, -3)` → `0.001`, `(5, 2)` → `500`.
fn plain_decimal(m: u32, k: i32) -> String {
    if k >= 0 {
        format!("{m}{}", "0".repeat(k as usize))
    } else {
        format!("0.{}{m}", "0".repeat((-k - 1) as usize))
    }
}

/// Label of the log tick `m × 10^k` in plain or superscript style.
pub fn format_log_label(m: u32, k: i32, superscript_style: bool) -> String {
    if superscript_style {
        if m == 1 {
            format!("10{}", superscript(k))
        } else {
            format!("{m}×10{}", superscript(k))
        }
    } else {
        plain_decimal(m, k)
    }
}

/// Ticks of a log10 axis over `min..=max` (both > 0): a major tick at every decade, minor ticks
/// at 2–9 × each decade (left out when more than 8 decades are shown). When the domain holds
/// fewer than two decades, the minor ticks at 2× and 5× are labelled too.
pub fn log_ticks(min: f64, max: f64) -> Vec<Tick> {
    if !(min.is_finite() && max.is_finite() && min > 0.0 && max > min) {
        return Vec::new();
    }
    let (a, b) = (min.log10(), max.log10());
    let inside = |v: f64| v >= min * (1.0 - 1e-9) && v <= max * (1.0 + 1e-9);
    let k_lo = a.floor() as i32;
    let k_hi = b.floor() as i32;
    let decades: Vec<i32> = (k_lo..=k_hi)
        .filter(|&k| inside(pow10_f(f64::from(k))))
        .collect();
    let with_minor = b - a <= 8.0;
    let label_minor = decades.len() < 2;
    let label_m = |m: u32| -> bool { m == 1 || (label_minor && (m == 2 || m == 5)) };
    // Superscript style when any labelled tick falls outside 1e-3..1e5.
    let mut sup = false;
    for k in k_lo..=k_hi {
        for m in 1..=9u32 {
            let v = f64::from(m) * pow10_f(f64::from(k));
            if inside(v) && label_m(m) && (k < -3 || v > 1.000_001e5) {
                sup = true;
            }
        }
    }
    let mut ticks = Vec::new();
    for k in k_lo..=k_hi {
        for m in 1..=9u32 {
            if m > 1 && !with_minor {
                break;
            }
            let v = if m == 1 {
                pow10_f(f64::from(k))
            } else {
                // Parse "m e k" so that e.g. 2e-9 is the exact literal.
                format!("{m}e{k}").parse().unwrap_or(f64::NAN)
            };
            if !inside(v) {
                continue;
            }
            ticks.push(Tick {
                value: v,
                label: label_m(m).then(|| format_log_label(m, k, sup)),
                major: m == 1,
            });
        }
    }
    ticks
}

/// An axis title with its unit in parentheses: `("MI-503", "nM")` → `MI-503 (nM)`.
///
/// A leading ASCII `u` standing for micro in common units (`uM`, `ug`, `uL`, `umol`, `us`…) is
/// written as `µ`. An empty unit gives the bare quantity.
pub fn title_with_unit(quantity: &str, unit: &str) -> String {
    let unit = unit.trim();
    if unit.is_empty() {
        return quantity.trim().to_owned();
    }
    let unit = match unit.strip_prefix('u') {
        Some(
            rest @ ("M" | "g" | "L" | "l" | "m" | "mol" | "s" | "Ci" | "g/kg" | "g/mL" | "mol/L"),
        ) => {
            format!("µ{rest}")
        }
        _ => unit.to_owned(),
    };
    format!("{} ({unit})", quantity.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(ax: &Axis) -> Vec<f64> {
        ax.ticks.iter().map(|t| t.value).collect()
    }
    fn labels(ax: &Axis) -> Vec<String> {
        ax.labelled_ticks().map(|(_, l)| l.to_owned()).collect()
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(22.0), 20.0);
        assert_eq!(nice_step(0.3), 0.2);
        assert_eq!(nice_step(4.0), 5.0);
        assert_eq!(nice_step(8.0), 10.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
        assert_eq!(nice_step(-3.0), 1.0);
    }

    #[test]
    fn linear_viability_axis() {
        let ax = Axis::linear(-3.0, 108.0);
        assert_eq!((ax.min, ax.max), (-20.0, 120.0));
        assert_eq!(
            labels(&ax),
            ["−20", "0", "20", "40", "60", "80", "100", "120"]
        );
        assert!(ax.ticks.iter().all(|t| t.major));
    }

    #[test]
    fn linear_fractional_labels_share_decimals() {
        let ax = Axis::linear(0.0, 1.0);
        assert_eq!(labels(&ax), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let ax = Axis::linear(-0.25, 0.25);
        assert!(labels(&ax).contains(&"0.0".to_owned()));
        assert!(
            labels(&ax)
                .iter()
                .all(|l| !l.starts_with('-') && l != "−0.0")
        );
        assert_eq!(labels(&ax)[0], "−0.3");
    }

    #[test]
    fn linear_degenerate_and_non_finite() {
        let ax = Axis::linear(50.0, 50.0);
        assert!(ax.min < 50.0 && ax.max > 50.0);
        assert!(ax.ticks.len() >= 2);
        let ax = Axis::linear(0.0, 0.0);
        assert_eq!((ax.min, ax.max), (-1.0, 1.0));
        let ax = Axis::linear(f64::NAN, f64::INFINITY);
        assert_eq!((ax.min, ax.max), (0.0, 1.0));
        let ax = Axis::linear(10.0, -10.0);
        assert_eq!((ax.min, ax.max), (-10.0, 10.0));
        let ax = Axis::linear(f64::NAN, 5.0);
        assert!(ax.contains(5.0));
        let ax = Axis::linear(0.0, 5e7);
        assert!(
            labels(&ax)
                .iter()
                .any(|l| l.contains("×10⁷") || l.contains("10⁷"))
        );
        let ax = Axis::linear_fixed(0.0, 110.0);
        assert_eq!((ax.min, ax.max), (0.0, 110.0));
        assert_eq!(values(&ax).last(), Some(&100.0));
    }

    #[test]
    fn log_dose_axis() {
        // 1 nM .. 10 µM in nM.
        let ax = Axis::log10(1.0, 10_000.0);
        assert!(ax.min < 1.0 && ax.max > 10_000.0);
        assert_eq!(labels(&ax), ["1", "10", "100", "1000", "10000"]);
        let majors: Vec<f64> = ax
            .ticks
            .iter()
            .filter(|t| t.major)
            .map(|t| t.value)
            .collect();
        assert_eq!(majors, [1.0, 10.0, 100.0, 1000.0, 10000.0]);
        assert!(ax.ticks.iter().any(|t| !t.major && t.value == 2.0));
        assert!(ax.ticks.iter().all(|t| ax.contains(t.value)));
        assert_eq!(ax.fraction(0.0), None);
        assert_eq!(ax.fraction(-1.0), None);
        assert!((ax.fraction(100.0).unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn log_small_values_plain_and_superscript() {
        let ax = Axis::log10(0.01, 10.0);
        assert_eq!(labels(&ax), ["0.01", "0.1", "1", "10"]);
        // Molar doses: 1 nM .. 10 µM.
        let ax = Axis::log10(1e-9, 1e-5);
        assert_eq!(labels(&ax), ["10⁻⁹", "10⁻⁸", "10⁻⁷", "10⁻⁶", "10⁻⁵"]);
        let first_major = ax.ticks.iter().find(|t| t.major).unwrap().value;
        assert_eq!(first_major, 1e-9);
        let ax = Axis::log10(1.0, 1e6);
        assert_eq!(labels(&ax).last().unwrap(), "10⁶");
        assert_eq!(labels(&ax).first().unwrap(), "10⁰");
    }

    #[test]
    fn log_degenerate() {
        let ax = Axis::log10(300.0, 300.0);
        assert!(ax.contains(300.0));
        assert!(labels(&ax).len() >= 2, "{:?}", labels(&ax));
        let ax = Axis::log10(0.0, 0.0);
        assert_eq!((ax.min, ax.max), (1.0, 10.0));
        let ax = Axis::log10(-5.0, 100.0);
        assert!(ax.contains(100.0));
        let ax = Axis::log10(f64::NAN, f64::NAN);
        assert!(!ax.ticks.is_empty());
        let ax = Axis::log10(1e-300, 1e300);
        assert!(ax.ticks.iter().all(|t| t.major));
        // Narrow range without a decade inside: 2× and 5× labelled.
        let ax = Axis::log10(300.0, 600.0);
        assert_eq!(labels(&ax), ["500", "1000"]);
    }

    #[test]
    fn superscripts_and_titles() {
        assert_eq!(superscript(-9), "⁻⁹");
        assert_eq!(superscript(12), "¹²");
        assert_eq!(format_log_label(1, -3, false), "0.001");
        assert_eq!(format_log_label(5, 2, false), "500");
        assert_eq!(format_log_label(2, -9, true), "2×10⁻⁹");
        assert_eq!(title_with_unit("MI-503", "nM"), "MI-503 (nM)");
        assert_eq!(title_with_unit("Dose", "uM"), "Dose (µM)");
        assert_eq!(title_with_unit("Dose", ""), "Dose");
        assert_eq!(format_linear_label(-0.0001, 2), "0.00");
        assert_eq!(format_linear_label(-2.5, 1), "−2.5");
    }
}
