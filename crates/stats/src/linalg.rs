//! Small dense linear algebra on row-major `Vec<f64>` matrices: Cholesky
//! factorisation, solves, inverses and log-determinants of symmetric positive
//! definite matrices, and a few products. Sized for the models of this crate
//! (a handful of fixed effects, one or two random effects per group), not for
//! large problems.
//!
//! # Method
//! Cholesky–Banachiewicz `A = LLᵀ` (Golub & Van Loan 2013, §4.2); solves by
//! forward and back substitution; `log|A| = 2 Σ ln Lᵢᵢ`. A matrix is treated
//! as not positive definite when a pivot is not larger than
//! `1e-13 · max(diag A)` (relative), so that rank-deficient designs are
//! reported instead of being solved with garbage.

/// Cholesky factor `L` (lower triangular, row-major `p×p`) of the symmetric
/// positive definite `a`; `None` when `a` is not numerically positive
/// definite or holds a non-finite value.
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    if a.len() != p * p || a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let scale = (0..p).map(|i| a[i * p + i].abs()).fold(0.0_f64, f64::max);
    let tol = 1e-13 * scale.max(f64::MIN_POSITIVE);
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if !(s > tol) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves `LLᵀx = b` given the Cholesky factor `l` of [`cholesky`].
pub fn chol_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; p];
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * p + k] * y[k];
        }
        y[i] = s / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = y[i];
        for k in i + 1..p {
            s -= l[k * p + i] * x[k];
        }
        x[i] = s / l[i * p + i];
    }
    x
}

/// `A⁻¹` (row-major `p×p`) from the Cholesky factor `l` of `A`.
pub fn chol_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let col = chol_solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    // Exact symmetry.
    for i in 0..p {
        for j in 0..i {
            let m = 0.5 * (inv[i * p + j] + inv[j * p + i]);
            inv[i * p + j] = m;
            inv[j * p + i] = m;
        }
    }
    inv
}

/// `ln|A|` from the Cholesky factor `l` of `A`: `2 Σ ln Lᵢᵢ`.
pub fn chol_log_det(l: &[f64], p: usize) -> f64 {
    (0..p).map(|i| l[i * p + i].ln()).sum::<f64>() * 2.0
}

/// Inverse of a symmetric positive definite matrix, `None` when it is not
/// positive definite.
pub fn spd_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    cholesky(a, p).map(|l| chol_inverse(&l, p))
}

/// Product `A·B` of an `n×k` and a `k×m` matrix.
pub fn matmul(a: &[f64], b: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * m];
    for i in 0..n {
        for l in 0..k {
            let v = a[i * k + l];
            if v == 0.0 {
                continue;
            }
            for j in 0..m {
                c[i * m + j] += v * b[l * m + j];
            }
        }
    }
    c
}

/// Quadratic form `xᵀ A y` with `A` `p×p`.
pub fn quad_form(x: &[f64], a: &[f64], y: &[f64], p: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..p {
        for j in 0..p {
            s += x[i] * a[i * p + j] * y[j];
        }
    }
    s
}

/// Eigenvalues and eigenvectors of a symmetric `p×p` matrix by cyclic Jacobi
/// rotations (Golub & Van Loan 2013, §8.5). Returns the eigenvalues in
/// decreasing order and the eigenvectors as the columns of a row-major `p×p`
/// matrix, in the same order.
pub fn sym_eigen(a: &[f64], p: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; p * p];
    for i in 0..p {
        v[i * p + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * p + j] * m[i * p + j])
            .sum();
        let total: f64 = m.iter().map(|x| x * x).sum();
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for r in 0..p {
            for c in r + 1..p {
                let arc = m[r * p + c];
                if arc == 0.0 {
                    continue;
                }
                let theta = (m[c * p + c] - m[r * p + r]) / (2.0 * arc);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let cs = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * cs;
                for k in 0..p {
                    let mkr = m[k * p + r];
                    let mkc = m[k * p + c];
                    m[k * p + r] = cs * mkr - sn * mkc;
                    m[k * p + c] = sn * mkr + cs * mkc;
                }
                for k in 0..p {
                    let mrk = m[r * p + k];
                    let mck = m[c * p + k];
                    m[r * p + k] = cs * mrk - sn * mck;
                    m[c * p + k] = sn * mrk + cs * mck;
                }
                for k in 0..p {
                    let vkr = v[k * p + r];
                    let vkc = v[k * p + c];
                    v[k * p + r] = cs * vkr - sn * vkc;
                    v[k * p + c] = sn * vkr + cs * vkc;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&i, &j| m[j * p + j].total_cmp(&m[i * p + i]));
    let vals = order.iter().map(|&i| m[i * p + i]).collect();
    let mut vecs = vec![0.0; p * p];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..p {
            vecs[k * p + new] = v[k * p + old];
        }
    }
    (vals, vecs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solve_inverse_det() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        let x = chol_solve(&l, 3, &[1.0, 2.0, 3.0]);
        let back = matmul(&a, &x, 3, 3, 1);
        for (b, e) in back.iter().zip([1.0, 2.0, 3.0]) {
            assert!((b - e).abs() < 1e-12);
        }
        let inv = chol_inverse(&l, 3);
        let id = matmul(&a, &inv, 3, 3, 3);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((id[i * 3 + j] - e).abs() < 1e-12);
            }
        }
        // det = 4(15 − 1) − 2(6 − 0.6) + 0.6(2 − 3) = 56 − 10.8 − 0.6 = 44.6
        assert!((chol_log_det(&l, 3) - 44.6_f64.ln()).abs() < 1e-12);
        assert!(cholesky(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
        assert!(cholesky(&[f64::NAN], 1).is_none());
    }

    #[test]
    fn jacobi_eigen() {
        let a = [2.0, 1.0, 1.0, 2.0];
        let (vals, vecs) = sym_eigen(&a, 2);
        assert!((vals[0] - 3.0).abs() < 1e-12 && (vals[1] - 1.0).abs() < 1e-12);
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vecs[0].abs() - r).abs() < 1e-12 && (vecs[2].abs() - r).abs() < 1e-12);
        assert!((quad_form(&[1.0, 1.0], &a, &[1.0, 1.0], 2) - 6.0).abs() < 1e-12);
    }
}
