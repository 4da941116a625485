//! Small dense linear algebra for compensation and ellipsoid gates:
//! Gauss–Jordan inversion with partial pivoting and the Moore–Penrose
//! pseudo-inverse of a full-rank wide matrix, `A⁺ = Aᵀ(AAᵀ)⁻¹`.
//!
//! Matrices are row-major `Vec<f64>`; sizes are a few dozen at most, so
//! clarity beats blocking.

/// Inverse of the n×n row-major matrix `a`, or `None` when it is singular
/// (a pivot below 1e-14 × the largest absolute entry) or not finite.
pub fn invert(a: &[f64], n: usize) -> Option<Vec<f64>> {
    if a.len() != n * n || a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        return None;
    }
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for col in 0..n {
        let (piv, pv) = (col..n)
            .map(|r| (r, m[r * n + col].abs()))
            .fold((col, -1.0), |best, x| if x.1 > best.1 { x } else { best });
        if pv <= 1e-14 * scale {
            return None;
        }
        if piv != col {
            for k in 0..n {
                m.swap(piv * n + k, col * n + k);
                inv.swap(piv * n + k, col * n + k);
            }
        }
        let d = m[col * n + col];
        for k in 0..n {
            m[col * n + k] /= d;
            inv[col * n + k] /= d;
        }
        for r in 0..n {
            if r == col {
                continue;
            }
            let f = m[r * n + col];
            if f == 0.0 {
                continue;
            }
            for k in 0..n {
                m[r * n + k] -= f * m[col * n + k];
                inv[r * n + k] -= f * inv[col * n + k];
            }
        }
    }
    Some(inv)
}

/// Product of the r×k matrix `a` and the k×c matrix `b`.
pub fn matmul(a: &[f64], b: &[f64], r: usize, k: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for l in 0..k {
            let x = a[i * k + l];
            for j in 0..c {
                out[i * c + j] += x * b[l * c + j];
            }
        }
    }
    out
}

/// Transpose of the r×c matrix `a`.
pub fn transpose(a: &[f64], r: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = a[i * c + j];
        }
    }
    out
}

/// Pseudo-inverse `Aᵀ(AAᵀ)⁻¹` (c×r) of the r×c matrix `a` with r ≤ c and
/// full row rank; for r = c it is the inverse.
pub fn pinv_wide(a: &[f64], r: usize, c: usize) -> Option<Vec<f64>> {
    if r == c {
        return invert(a, r);
    }
    if r > c {
        return None;
    }
    let at = transpose(a, r, c);
    let aat = matmul(a, &at, r, c, r);
    let inv = invert(&aat, r)?;
    Some(matmul(&at, &inv, c, r, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_pinv() {
        let a = [1.0, 0.02, 0.06, 0.11, 1.0, 0.07, 0.09, 0.01, 1.0];
        let inv = invert(&a, 3).unwrap();
        // gatingMLData's MyInvertedSpill is this inverse to 8 digits.
        assert!((inv[0] - 1.00746856).abs() < 1e-8);
        assert!((inv[1] + 0.019558581).abs() < 1e-8);
        let id = matmul(&a, &inv, 3, 3, 3);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((id[i * 3 + j] - e).abs() < 1e-12);
            }
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
        // gatingMLData's MyNonSquareSpectrumInvertedAlready is the
        // pseudo-inverse of MyNonSquareSpectrum.
        let s = [0.78, 0.13, 0.22, 0.05, 0.57, 0.89];
        let p = pinv_wide(&s, 2, 3).unwrap();
        let want = [
            1.30203507,
            -0.3146035,
            -0.04635483,
            0.5219464,
            -0.04346012,
            0.8069896,
        ];
        for (g, w) in p.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
    }
}
