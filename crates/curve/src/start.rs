//! Starting values: drc's self-start for the log-logistic family and a
//! multi-start grid used when the first fit fails.
//!
//! Self-start (drc `llogistic` `ssfct`; also thunor `_find_cd_ll4` /
//! `_find_be_ll4`): c = min(y) − 0.001·range, d = max(y) + 0.001·range
//! (unless fixed), then b and e from the least-squares line
//! ln((d − y)/(y − c)) = b·ln x − b·ln e over the points with x > 0 and
//! c < y < d: b = slope, ln e = −intercept / b.

use crate::models::{B, C, D, F};

/// Data prepared for fitting: ln(dose / scale) and responses.
pub(crate) struct Prepared<'a> {
    pub lx: &'a [f64],
    pub y: &'a [f64],
}

/// drc-style self-start for θ = (b, c, d, ln e, f) in internal coordinates.
/// `fixed` holds the values of parameters that are not estimated.
pub(crate) fn self_start(data: &Prepared, fixed: &[Option<f64>; 5]) -> [f64; 5] {
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in data.y {
        ymin = ymin.min(v);
        ymax = ymax.max(v);
    }
    let range = (ymax - ymin).max(1e-12 * ymax.abs().max(1.0));
    let c = fixed[C].unwrap_or(ymin - 0.001 * range);
    let d = fixed[D].unwrap_or(ymax + 0.001 * range);
    let f = fixed[F].unwrap_or(1.0);
    // Regress z = ln((d − y)/(y − c)) on lx (f = 1 form; adequate for LL.5).
    let (lo, hi) = if c < d { (c, d) } else { (d, c) };
    let (mut n, mut sx, mut sz, mut sxx, mut sxz) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&l, &v) in data.lx.iter().zip(data.y) {
        if l.is_finite() && v > lo && v < hi {
            let z = ((d - v) / (v - c)).ln();
            if z.is_finite() {
                n += 1.0;
                sx += l;
                sz += z;
                sxx += l * l;
                sxz += l * z;
            }
        }
    }
    let mut b = 1.0;
    let mut eta = median_finite(data.lx);
    if n >= 2.0 {
        let den = n * sxx - sx * sx;
        if den > 1e-12 * n * n {
            let slope = (n * sxz - sx * sz) / den;
            let intercept = (sz - slope * sx) / n;
            if slope.is_finite() && slope.abs() > 1e-3 {
                b = slope;
                let cand = -intercept / slope;
                if cand.is_finite() {
                    eta = cand;
                }
            }
        }
    }
    let b = fixed[B].unwrap_or(b);
    [b, c, d, eta, f]
}

/// Median of the finite entries (0 when there are none; ln-dose 0 is the
/// geometric mean of the doses by construction).
fn median_finite(v: &[f64]) -> f64 {
    let mut buf = [0.0f64; 64];
    let mut k = 0;
    for &x in v {
        if x.is_finite() && k < buf.len() {
            buf[k] = x;
            k += 1;
        }
    }
    if k == 0 {
        return 0.0;
    }
    let s = &mut buf[..k];
    s.sort_by(f64::total_cmp);
    if k % 2 == 1 {
        s[k / 2]
    } else {
        0.5 * (s[k / 2 - 1] + s[k / 2])
    }
}

/// A grid of alternative starts: ln e at five quantiles of the tested
/// ln-dose range, slopes ±0.5 and ±2, asymptotes from the data range.
pub(crate) fn grid(data: &Prepared, fixed: &[Option<f64>; 5]) -> impl Iterator<Item = [f64; 5]> {
    let (mut lmin, mut lmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &l in data.lx {
        if l.is_finite() {
            lmin = lmin.min(l);
            lmax = lmax.max(l);
        }
    }
    if !lmin.is_finite() {
        (lmin, lmax) = (0.0, 0.0);
    }
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in data.y {
        ymin = ymin.min(v);
        ymax = ymax.max(v);
    }
    let c = fixed[C].unwrap_or(ymin);
    let d = fixed[D].unwrap_or(ymax);
    let f = fixed[F].unwrap_or(1.0);
    let fixed_b = fixed[B];
    [0.1, 0.3, 0.5, 0.7, 0.9].into_iter().flat_map(move |q| {
        let eta = lmin + q * (lmax - lmin);
        [0.5, -0.5, 2.0, -2.0].into_iter().map(move |b| {
            let mut th = [b, c, d, eta, f];
            if let Some(fb) = fixed_b {
                th[B] = fb;
            }
            th
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_start_is_close_on_exact_data() {
        let truth = [2.0, 10.0, 90.0, 0.3, 1.0];
        let lx: Vec<f64> = (-4..=4).map(|i| i as f64 * 0.7).collect();
        let y: Vec<f64> = lx
            .iter()
            .map(|&l| crate::models::eval_ln(l, &truth))
            .collect();
        let s = self_start(
            &Prepared { lx: &lx, y: &y },
            &[None, None, None, None, Some(1.0)],
        );
        assert!((s[B] - 2.0).abs() < 0.5, "{s:?}");
        assert!((s[crate::models::E] - 0.3).abs() < 0.3, "{s:?}");
    }

    #[test]
    fn self_start_handles_flat_and_single_dose() {
        let lx = [0.0, 0.0, 0.0];
        let y = [5.0, 5.0, 5.0];
        let s = self_start(
            &Prepared { lx: &lx, y: &y },
            &[None, None, None, None, Some(1.0)],
        );
        assert!(s.iter().all(|v| v.is_finite()));
        assert_eq!(grid(&Prepared { lx: &lx, y: &y }, &[None; 5]).count(), 20);
    }
}
