//! Multiple-testing adjustment of p-values, as R's `p.adjust`.
//!
//! Each function returns the adjusted p-values in the input order. As in R,
//! NaN entries (missing p-values) stay NaN and are **not counted** in the
//! number of tests `m`. Input p-values are expected in `[0, 1]`; they are not
//! checked. Results are capped at 1.

/// Indices of the non-NaN entries, sorted by p-value (stable, ascending).
fn order(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    idx
}

/// Bonferroni: `min(1, m·p)` (R `p.adjust(p, "bonferroni")`; Bonferroni 1936).
pub fn bonferroni(p: &[f64]) -> Vec<f64> {
    let m = p.iter().filter(|x| !x.is_nan()).count() as f64;
    // NaN-preserving cap (f64::min would turn NaN into 1).
    p.iter()
        .map(|&x| if m * x > 1.0 { 1.0 } else { m * x })
        .collect()
}

/// Holm's step-down method (Holm 1979), R `p.adjust(p, "holm")`: with the
/// p-values sorted ascending, `p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1) p₍ⱼ₎)`.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let idx = order(p);
    let m = idx.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0_f64;
    for (rank, &i) in idx.iter().enumerate() {
        running = running.max((m - rank as f64) * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Benjamini–Hochberg false discovery rate (Benjamini & Hochberg 1995), R
/// `p.adjust(p, "BH")`: with the p-values sorted ascending,
/// `p̃₍ᵢ₎ = min(1, minⱼ≥ᵢ m p₍ⱼ₎ / j)` (monotone step-up).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let idx = order(p);
    let m = idx.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running = f64::INFINITY;
    for (rank, &i) in idx.iter().enumerate().rev() {
        running = running.min(m / (rank + 1) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values (scripts/reference_values.py desc): R's p.adjust
    // definitions of Holm and Bonferroni evaluated with numpy 2.4.6, and
    // scipy 1.17.1 `false_discovery_control(p, method="bh")` for BH.
    const P: [f64; 6] = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04];

    fn assert_all_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-15 * w.abs().max(1e-300),
                "{got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn bonferroni_matches_r() {
        // p.adjust(P, "bonferroni")
        assert_all_close(&bonferroni(&P), &[0.06, 0.24, 0.18, 0.03, 1.0, 0.24]);
    }

    #[test]
    fn holm_matches_r() {
        // p.adjust(P, "holm") = 0.05 0.12 0.12 0.03 0.20 0.12
        assert_all_close(&holm(&P), &[0.05, 0.12, 0.12, 0.03, 0.2, 0.12]);
    }

    #[test]
    fn bh_matches_r() {
        // p.adjust(P, "BH") = 0.03 0.048 0.048 0.03 0.2 0.048
        assert_all_close(
            &benjamini_hochberg(&P),
            &[0.03, 0.048, 0.048, 0.03, 0.2, 0.048],
        );
    }

    #[test]
    fn nan_is_kept_and_not_counted() {
        let p = [0.01, f64::NAN, 0.02];
        let b = bonferroni(&p);
        assert_eq!(b[0], 0.02);
        assert!(b[1].is_nan());
        assert_eq!(b[2], 0.04);
        let h = holm(&p);
        assert_eq!((h[0], h[2]), (0.02, 0.02));
        assert!(h[1].is_nan());
        let bh = benjamini_hochberg(&p);
        assert_eq!((bh[0], bh[2]), (0.02, 0.02));
        assert!(bh[1].is_nan());
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn capped_at_one() {
        assert_eq!(holm(&[0.6, 0.7]), vec![1.0, 1.0]);
        assert_eq!(benjamini_hochberg(&[0.9, 0.95]), vec![0.95, 0.95]);
    }
}
