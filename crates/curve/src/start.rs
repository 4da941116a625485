//! Starting values: drc's self-start for the log-logistic family and a
//! multi-start grid used when the first fit fails.
//!
//! Self-start (drc `llogistic` `ssfct`; also thunor `_find_cd_ll4` /
//! `_find_be_ll4`): c = min(y) − 0.001·range, d = max(y) + 0.001·range
//! (unless fixed), then b and e from the least-squares line
//! ln((d − y)/(y − c)) = b·ln x − b·ln e over the points with x > 0 and
//! c < y < d: b = slope, ln e = −intercept / b.

use crate::models::{B, C, D, E, F};

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

/// A coarse grid search over the nonlinear parameters (b, ln e) with the
/// linear ones (c, d) solved exactly at each grid point — for fixed b, e and
/// f the model c·(1 − g) + d·g is linear in (c, d) (variable projection,
/// Golub & Pereyra 1973), then clamped to the data range widened by its
/// width on each side. Slopes ±{0.3, 1, 3, 10} (clamped to the bounds),
/// ln e on 15 points spanning the tested range ± 1. Returns the `K` grid
/// points of lowest RSS, best first.
pub(crate) fn grid_best<const K: usize>(
    data: &Prepared,
    w: Option<&[f64]>,
    fixed: &[Option<f64>; 5],
    lower: &[f64; 5],
    upper: &[f64; 5],
) -> [Option<([f64; 5], f64)>; K] {
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
    let f = fixed[F].unwrap_or(1.0);
    // Plausible asymptotes: within the data range widened by its width.
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in data.y {
        ymin = ymin.min(v);
        ymax = ymax.max(v);
    }
    let width = (ymax - ymin).max(1e-12);
    let (alo, ahi) = (ymin - width, ymax + width);
    let mut best: [Option<([f64; 5], f64)>; K] = [None; K];
    let slopes: [f64; 8] = [0.3, -0.3, 1.0, -1.0, 3.0, -3.0, 10.0, -10.0];
    // Steep steps between consecutive tested doses (a drop at a single dose).
    let mut mids = [0.0f64; 64];
    let mut nd = 0;
    {
        let mut doses = [0.0f64; 64];
        for &l in data.lx {
            if l.is_finite() && nd < doses.len() && !doses[..nd].contains(&l) {
                doses[nd] = l;
                nd += 1;
            }
        }
        doses[..nd].sort_by(f64::total_cmp);
        for i in 1..nd {
            mids[i - 1] = 0.5 * (doses[i - 1] + doses[i]);
        }
        nd = nd.saturating_sub(1);
    }
    let steep = upper[B].max(-lower[B]).clamp(1.0, 20.0);
    let nb = if fixed[B].is_some() { 1 } else { slopes.len() };
    let candidates = (0..nb * 15).map(|k| {
        let b = fixed[B].unwrap_or_else(|| slopes[k / 15].clamp(lower[B], upper[B]));
        let j = k % 15;
        (b, lmin - 1.0 + j as f64 * (lmax - lmin + 2.0) / 14.0)
    });
    let steps = (0..if fixed[B].is_some() { 0 } else { 2 * nd }).map(|k| {
        let b = if k % 2 == 0 { steep } else { -steep };
        (b.clamp(lower[B], upper[B]), mids[k / 2])
    });
    for (b, eta) in candidates.chain(steps) {
        let eta = eta.clamp(lower[E], upper[E]);
        let mut th = [b, 0.0, 0.0, eta, f];
        // Weighted sums for the 2×2 least squares in (c, d).
        let (mut s11, mut s12, mut s22, mut r1, mut r2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..data.y.len() {
            let g = crate::models::g_only(data.lx[i], &th);
            let wi = w.map_or(1.0, |w| w[i]);
            let (u, v, y) = (1.0 - g, g, data.y[i]);
            s11 += wi * u * u;
            s12 += wi * u * v;
            s22 += wi * v * v;
            r1 += wi * u * y;
            r2 += wi * v * y;
        }
        let (c, d) = match (fixed[C], fixed[D]) {
            (Some(c), Some(d)) => (c, d),
            (Some(c), None) => (c, if s22 > 0.0 { (r2 - c * s12) / s22 } else { c }),
            (None, Some(d)) => (if s11 > 0.0 { (r1 - d * s12) / s11 } else { d }, d),
            (None, None) => {
                let det = s11 * s22 - s12 * s12;
                if det.abs() <= 1e-12 * (s11 * s22).max(f64::MIN_POSITIVE) {
                    continue;
                }
                ((r1 * s22 - r2 * s12) / det, (s11 * r2 - s12 * r1) / det)
            }
        };
        th[C] = c.clamp(alo, ahi).clamp(lower[C], upper[C]);
        th[D] = d.clamp(alo, ahi).clamp(lower[D], upper[D]);
        let mut rss = 0.0;
        for i in 0..data.y.len() {
            let r = data.y[i] - crate::models::eval_ln(data.lx[i], &th);
            rss += w.map_or(1.0, |w| w[i]) * r * r;
        }
        if !rss.is_finite() {
            continue;
        }
        // Insert into the sorted top-K list.
        let mut cand = Some((th, rss));
        for slot in best.iter_mut() {
            match (*slot, cand) {
                (None, Some(_)) => {
                    *slot = cand;
                    cand = None;
                }
                (Some((_, r_old)), Some((_, r_new))) if r_new < r_old => {
                    std::mem::swap(slot, &mut cand);
                }
                _ => {}
            }
        }
    }
    best
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
        let lo = [-50.0, f64::NEG_INFINITY, f64::NEG_INFINITY, -10.0, 0.01];
        let hi = [50.0, f64::INFINITY, f64::INFINITY, 10.0, 100.0];
        let g = grid_best::<3>(&Prepared { lx: &lx, y: &y }, None, &[None; 5], &lo, &hi);
        assert!(
            g.iter().all(|v| v.is_none()),
            "single dose: (c, d) not identifiable"
        );
    }

    #[test]
    fn grid_finds_a_step_at_the_top_dose() {
        // Flat at 1 with a drop at the last dose only (CTRP LS-513-like).
        let lx: Vec<f64> = (0..10).map(|i| i as f64 * 0.7 - 3.0).collect();
        let mut y = vec![1.0; 10];
        y[9] = 0.8;
        let lo = [-20.0, f64::NEG_INFINITY, f64::NEG_INFINITY, -10.0, 0.01];
        let hi = [20.0, f64::INFINITY, f64::INFINITY, 10.0, 100.0];
        let fx = [None, None, None, None, Some(1.0)];
        let g = grid_best::<2>(&Prepared { lx: &lx, y: &y }, None, &fx, &lo, &hi);
        let (th, rss) = g[0].unwrap();
        assert!(rss < 0.01, "{th:?} {rss}");
        assert!(th[B].abs() >= 3.0, "a steep step: {th:?}");
    }
}
