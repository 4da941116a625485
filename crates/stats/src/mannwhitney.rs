//! Wilcoxon rank-sum / Mann–Whitney U test with the Hodges–Lehmann shift
//! estimate and its confidence interval, as R's
//! `wilcox.test(x, y, conf.int = TRUE)` (two-sided).
//!
//! # Method
//! * `U = R_x − n_x(n_x+1)/2`, where `R_x` is the sum of the (mid)ranks of
//!   `x` in the pooled sample: the number of pairs with `x_i > y_j`, ties
//!   counting ½ (R's `W`, scipy's `U1`).
//! * **Exact** p-value when `n_x < 50`, `n_y < 50` and there are no ties (R's
//!   default rule): the null distribution of `U` is counted with the
//!   recurrence `c(u; m, n) = c(u − n; m − 1, n) + c(u; m, n − 1)` (Mann &
//!   Whitney 1947), and `p = min(1, 2·min(P(U ≤ u), P(U ≥ u)))`.
//! * Otherwise the **normal approximation** with continuity correction and
//!   the tie correction of the variance:
//!   `σ² = n_x n_y/12 · (n_x + n_y + 1 − Σ(t³ − t)/((N)(N − 1)))`,
//!   `z = (U − n_x n_y/2 − ½·sign(U − n_x n_y/2))/σ`, `p = 2·Φ(−|z|)`.
//! * **Hodges–Lehmann** estimate: the median of the `n_x n_y` differences
//!   `x_i − y_j`. Exact case: the 95 % CI is `(d₍q₎, d₍n_x n_y − q + 1₎)` with
//!   `q` the 2.5 % quantile of the exact null distribution of `U` (at least 1),
//!   as R (Bauer 1972). Normal case: `q = ⌊n_x n_y/2 − z₀.₉₇₅ σ⌋` (Lehmann's
//!   approximation; R solves for the interval with `uniroot` instead, which
//!   can differ by one order statistic).

use crate::dist::normal_cdf;
use serde::Serialize;

/// Largest number of pairwise differences formed for the Hodges–Lehmann
/// estimate (beyond it, estimate and CI are NaN; the test is unaffected).
pub const MAX_PAIRS: usize = 20_000_000;

/// Result of [`mann_whitney`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// `U` statistic of the first sample (R's `W`).
    pub u: f64,
    /// Two-sided p-value.
    pub p_two_sided: f64,
    /// True when the p-value (and CI) come from the exact distribution.
    pub exact: bool,
    /// Hodges–Lehmann estimate of the shift `x − y`.
    pub estimate: f64,
    /// Lower bound of the 95 % CI of the shift.
    pub ci_lower: f64,
    /// Upper bound of the 95 % CI of the shift.
    pub ci_upper: f64,
}

/// Midranks (1-based) of `v` in input order.
fn midranks(v: &[f64]) -> (Vec<f64>, f64, bool) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut tie_sum = 0.0;
    let mut ties = false;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        if t > 1.0 {
            ties = true;
            tie_sum += t * t * t - t;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    (r, tie_sum, ties)
}

/// Counts `c(u; m, n)`, `u = 0..=m·n`, of the exact null distribution of
/// `U` (all additions of positive numbers, so no cancellation).
pub fn u_distribution(m: usize, n: usize) -> Vec<f64> {
    // prev[i] = counts for (i, j − 1); cur[i] = counts for (i, j).
    let mut prev: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect();
    for j in 1..=n {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
        cur.push(vec![1.0]);
        for i in 1..=m {
            let len = i * j + 1;
            let mut c = vec![0.0; len];
            // c(u; i, j) = c(u − j; i − 1, j) + c(u; i, j − 1)
            for (u, x) in cur[i - 1].iter().enumerate() {
                c[u + j] += x;
            }
            for (u, x) in prev[i].iter().enumerate() {
                c[u] += x;
            }
            cur.push(c);
        }
        prev = cur;
    }
    prev.pop().unwrap_or_else(|| vec![1.0])
}

/// Two-sided Mann–Whitney test of `x` against `y` with the Hodges–Lehmann
/// shift `x − y` (see the module docs). `None` if either sample is empty or
/// holds a non-finite value.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (m, n) = (x.len(), y.len());
    if m == 0 || n == 0 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let (ranks, tie_sum, ties) = midranks(&pooled);
    let rx: f64 = ranks[..m].iter().sum();
    let (mf, nf) = (m as f64, n as f64);
    let u = rx - mf * (mf + 1.0) / 2.0;
    let mn = mf * nf;
    // The Hodges–Lehmann estimate needs all m·n differences; above
    // MAX_PAIRS it is not computed (NaN) to bound memory.
    let mut diffs: Vec<f64> = Vec::new();
    if m * n <= MAX_PAIRS {
        diffs.reserve(m * n);
        for &a in x {
            for &b in y {
                diffs.push(a - b);
            }
        }
    }
    diffs.sort_by(f64::total_cmp);
    let k = diffs.len();
    let hl = k > 0;
    let estimate = if !hl {
        f64::NAN
    } else if k % 2 == 1 {
        diffs[k / 2]
    } else {
        0.5 * (diffs[k / 2 - 1] + diffs[k / 2])
    };
    let exact = m < 50 && n < 50 && !ties;
    if exact {
        let counts = u_distribution(m, n);
        let total: f64 = counts.iter().sum();
        let ui = u.round() as usize;
        let lower: f64 = counts[..=ui].iter().sum::<f64>() / total;
        let upper: f64 = counts[ui..].iter().sum::<f64>() / total;
        let p = (2.0 * lower.min(upper)).min(1.0);
        // q = smallest u with P(U ≤ u) ≥ 0.025 (R's qwilcox), at least 1.
        let mut cum = 0.0;
        let mut q = counts.len() - 1;
        for (i, c) in counts.iter().enumerate() {
            cum += c / total;
            if cum >= 0.025 * (1.0 - 64.0 * f64::EPSILON) {
                q = i;
                break;
            }
        }
        let q = q.max(1).min(k);
        let l = k - q; // R: ql = mn − qu; CI = (d[qu], d[ql + 1]) 1-based
        Some(MannWhitney {
            u,
            p_two_sided: p,
            exact: true,
            estimate,
            ci_lower: if hl { diffs[q - 1] } else { f64::NAN },
            ci_upper: if hl { diffs[l.min(k - 1)] } else { f64::NAN },
        })
    } else {
        let nn = mf + nf;
        let var = mn / 12.0 * ((nn + 1.0) - tie_sum / (nn * (nn - 1.0)));
        let sd = var.sqrt();
        let d = u - mn / 2.0;
        let (p, sd_ok) = if sd > 0.0 {
            let z = (d - 0.5 * d.signum()) / sd;
            ((2.0 * normal_cdf(-z.abs())).min(1.0), true)
        } else {
            (1.0, false)
        };
        let (lo, hi) = if sd_ok && hl {
            let qf = (mn / 2.0 - 1.959_963_984_540_054 * (mn * (nn + 1.0) / 12.0).sqrt()).floor();
            let q = (qf.max(1.0) as usize).min(k);
            (diffs[q - 1], diffs[(k - q).min(k - 1)])
        } else {
            (f64::NAN, f64::NAN)
        };
        Some(MannWhitney {
            u,
            p_two_sided: p,
            exact: false,
            estimate,
            ci_lower: lo,
            ci_upper: hi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_counts() {
        // m = 2, n = 2: U ∈ {0,1,2,3,4} with counts 1 1 2 1 1 (C(4,2) = 6).
        assert_eq!(u_distribution(2, 2), vec![1.0, 1.0, 2.0, 1.0, 1.0]);
        let c = u_distribution(7, 5);
        assert_eq!(c.len(), 36);
        assert_eq!(c.iter().sum::<f64>(), 792.0); // C(12, 5)
        // Symmetry.
        for u in 0..36 {
            assert_eq!(c[u], c[35 - u]);
        }
    }

    #[test]
    fn exact_and_asymptotic_match_scipy() {
        // Reference: scripts/reference_group_tests.py (scipy 1.17.1).
        // mannwhitneyu(a, b, method="exact") → U = 1, p = 0.008658008658008658.
        let a = [1.1, 2.3, 0.7, 1.9, 1.4];
        let b = [2.8, 3.1, 2.2, 3.9, 2.5, 4.1];
        let r = mann_whitney(&a, &b).unwrap();
        assert!(r.exact);
        assert_eq!(r.u, 1.0);
        assert!((r.p_two_sided - 0.008658008658008658).abs() < 1e-15);
        // With ties: normal approximation with continuity and tie corrections.
        // mannwhitneyu([1,2,2,3,4], [2,3,5,5,6,7], method="asymptotic")
        // → U = 4.5, p = 0.06414661873440437.
        let r = mann_whitney(&[1., 2., 2., 3., 4.], &[2., 3., 5., 5., 6., 7.]).unwrap();
        assert!(!r.exact);
        assert_eq!(r.u, 4.5);
        assert!((r.p_two_sided - 0.06414661873440437).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn hodges_lehmann_interval_as_r() {
        // 8 vs 7, no ties: scipy exact U = 51, p = 0.005905205905205905;
        // Hodges–Lehmann = median of the 56 differences = 1.9; R's exact CI
        // rule (qwilcox(0.025, 8, 7) = 11) gives (0.5, 3.5).
        let x = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9];
        let y = [1.2, 2.8, 0.4, 3.3, 2.1, 1.9, 2.6];
        let r = mann_whitney(&x, &y).unwrap();
        assert_eq!(r.u, 51.0);
        assert!((r.p_two_sided - 0.005905205905205905).abs() < 1e-15);
        assert!((r.estimate - 1.9).abs() < 1e-12);
        assert!((r.ci_lower - 0.5).abs() < 1e-12, "{r:?}");
        assert!((r.ci_upper - 3.5).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn undefined() {
        assert!(mann_whitney(&[], &[1.0]).is_none());
        assert!(mann_whitney(&[f64::NAN], &[1.0]).is_none());
        let r = mann_whitney(&[1.0], &[1.0]).unwrap();
        assert_eq!(r.p_two_sided, 1.0);
    }
}
