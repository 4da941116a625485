//! Descriptive statistics on `&[f64]`.
//!
//! # Conventions
//! * Empty input gives `None`; so does any statistic that is undefined for the
//!   given `n` (e.g. a variance of one value), documented per function.
//! * **NaN is never skipped.** If the input contains a NaN, every statistic
//!   returns `Some(NaN)` (order statistics included, where Rust's `f64::min`
//!   or a sort would otherwise hide it). Filter NaNs yourself if you mean to
//!   drop missing values. Infinite values take part in the arithmetic as IEEE
//!   754 defines (e.g. the mean of `[1, ∞]` is `∞`, its variance NaN).
//! * Sums use the corrected two-pass algorithm (Chan, Golub & LeVeque 1983;
//!   Björck 1996), so results are accurate even for data with a large common
//!   offset (e.g. `1e9 + small`).

use serde::Serialize;

fn has_nan(xs: &[f64]) -> bool {
    xs.iter().any(|x| x.is_nan())
}

/// Arithmetic mean `Σx/n`, refined by one correction pass
/// `m + Σ(x − m)/n` (Björck 1996); if the plain sum overflows although every
/// value is finite, `Σ(x/n)` is used instead. `None` for empty input.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mut m = xs.iter().sum::<f64>() / n;
    if !m.is_finite() {
        if !xs.iter().all(|x| x.is_finite()) {
            return Some(m); // ±∞ or NaN, as IEEE arithmetic gives it
        }
        m = xs.iter().map(|&x| x / n).sum::<f64>();
    }
    let corr = xs.iter().map(|&x| x - m).sum::<f64>() / n;
    Some(if corr.is_finite() { m + corr } else { m })
}

/// Sample variance with the `n − 1` denominator (as R `var`, numpy
/// `var(ddof=1)`), corrected two-pass (Chan, Golub & LeVeque 1983) around the
/// [`mean`] `m`: `(Σ(x−m)² − (Σ(x−m))²/n) / (n − 1)`. `None` for `n < 2`.
pub fn variance(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let m = mean(xs)?;
    let (mut ss, mut s) = (0.0, 0.0);
    for &x in xs {
        let d = x - m;
        ss += d * d;
        s += d;
    }
    let v = (ss - s * s / n) / (n - 1.0);
    // Clamp tiny negative rounding; NaN (from NaN input) stays NaN.
    Some(if v < 0.0 { 0.0 } else { v })
}

/// Sample standard deviation `√variance` (`n − 1` denominator, R `sd`).
/// `None` for `n < 2`.
pub fn sd(xs: &[f64]) -> Option<f64> {
    variance(xs).map(f64::sqrt)
}

/// Standard error of the mean `sd/√n`. `None` for `n < 2`.
pub fn sem(xs: &[f64]) -> Option<f64> {
    sd(xs).map(|s| s / (xs.len() as f64).sqrt())
}

/// Sorted copy, or `None` for empty input / `Some(Err)` when a NaN is present.
fn sorted(xs: &[f64]) -> Option<Result<Vec<f64>, ()>> {
    if xs.is_empty() {
        return None;
    }
    if has_nan(xs) {
        return Some(Err(()));
    }
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    Some(Ok(v))
}

/// Type-7 quantile of sorted, NaN-free, non-empty data.
fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor();
    let i = lo as usize;
    if i + 1 >= v.len() {
        return v[v.len() - 1];
    }
    let frac = h - lo;
    if frac == 0.0 {
        v[i]
    } else {
        v[i] + frac * (v[i + 1] - v[i])
    }
}

/// Sample quantile, R `quantile(type = 7)` / numpy's default `linear`
/// method (Hyndman & Fan 1996, definition 7): with the data sorted
/// `x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎`, `h = (n−1)p`,
/// `Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)`.
/// `None` for empty input or `p ∉ [0, 1]` (or NaN `p`).
pub fn quantile(xs: &[f64], p: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    match sorted(xs)? {
        Ok(v) => Some(quantile_sorted(&v, p)),
        Err(()) => Some(f64::NAN),
    }
}

/// Median (the type-7 quantile at ½: the middle value, or the mean of the
/// two middle values). `None` for empty input.
pub fn median(xs: &[f64]) -> Option<f64> {
    quantile(xs, 0.5)
}

/// Geometric mean `exp(Σ ln x / n)` (computed in log space, so no overflow).
/// `None` for empty input or if any value is `≤ 0` (the geometric mean is then
/// undefined or zero; e.g. qPCR fold changes are positive by construction).
pub fn geometric_mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() || xs.iter().any(|&x| x <= 0.0) {
        return None;
    }
    let n = xs.len() as f64;
    Some((xs.iter().map(|x| x.ln()).sum::<f64>() / n).exp())
}

/// Coefficient of variation in percent, `100 · sd / |mean|` (sd with `n − 1`).
/// `None` for `n < 2` or a zero mean.
pub fn cv_percent(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    let s = sd(xs)?;
    if m == 0.0 {
        return None;
    }
    Some(100.0 * s / m.abs())
}

/// Raw median absolute deviation `median(|x − median(x)|)` (R
/// `mad(x, constant = 1)`). `None` for empty input.
pub fn mad(xs: &[f64]) -> Option<f64> {
    let med = median(xs)?;
    if med.is_nan() {
        return Some(f64::NAN);
    }
    median(&xs.iter().map(|x| (x - med).abs()).collect::<Vec<_>>())
}

/// Scaled MAD `1.4826 · mad(x)`, a consistent estimator of the standard
/// deviation for normal data (R `mad` default; 1.4826 ≈ 1/Φ⁻¹(¾)).
/// `None` for empty input.
pub fn mad_scaled(xs: &[f64]) -> Option<f64> {
    mad(xs).map(|m| 1.4826 * m)
}

/// Smallest value. `None` for empty input; `Some(NaN)` if any value is NaN.
pub fn min(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    if has_nan(xs) {
        return Some(f64::NAN);
    }
    xs.iter().copied().reduce(f64::min)
}

/// Largest value. `None` for empty input; `Some(NaN)` if any value is NaN.
pub fn max(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    if has_nan(xs) {
        return Some(f64::NAN);
    }
    xs.iter().copied().reduce(f64::max)
}

/// The usual one-line summary of a sample. Fields that are undefined for the
/// sample size are `None` (all of them for `n = 0`; `sd` and `sem` for
/// `n = 1`). NaN inputs propagate as described in the module docs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Number of values (NaNs included).
    pub n: usize,
    /// Arithmetic mean, see [`mean`].
    pub mean: Option<f64>,
    /// Sample standard deviation (`n − 1`), see [`sd`].
    pub sd: Option<f64>,
    /// Standard error of the mean, see [`sem`].
    pub sem: Option<f64>,
    /// Median, see [`median`].
    pub median: Option<f64>,
    /// Minimum, see [`min`].
    pub min: Option<f64>,
    /// Maximum, see [`max`].
    pub max: Option<f64>,
}

impl Summary {
    /// Summarise `xs` (sorts one copy for the order statistics).
    pub fn of(xs: &[f64]) -> Summary {
        let (median, min, max) = match sorted(xs) {
            None => (None, None, None),
            Some(Err(())) => (Some(f64::NAN), Some(f64::NAN), Some(f64::NAN)),
            Some(Ok(v)) => (
                Some(quantile_sorted(&v, 0.5)),
                Some(v[0]),
                Some(v[v.len() - 1]),
            ),
        };
        Summary {
            n: xs.len(),
            mean: mean(xs),
            sd: sd(xs),
            sem: sem(xs),
            median,
            min,
            max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    // Reference values: numpy 2.4.6 / scipy 1.17.1, printed by
    // `scripts/reference_values.py desc`:
    // x = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8]
    const X: [f64; 7] = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8];

    #[test]
    fn basic_moments_match_numpy() {
        // np.mean(x), np.var(x, ddof=1), np.std(x, ddof=1), scipy.stats.sem(x)
        assert!(close(mean(&X).unwrap(), 3.357142857142857, 1e-15));
        assert!(close(variance(&X).unwrap(), 1.6895238095238092, 1e-14));
        assert!(close(sd(&X).unwrap(), 1.2998168369134973, 1e-14));
        assert!(close(sem(&X).unwrap(), 0.4912845857725306, 1e-14));
        // scipy.stats.variation(x, ddof=1) * 100
        assert!(close(cv_percent(&X).unwrap(), 38.71794833359354, 1e-14));
        // scipy.stats.gmean(x)
        let g = geometric_mean(&X).unwrap();
        assert!(close(g, 3.1516485638814813, 1e-14));
    }

    #[test]
    fn order_statistics_match_numpy_type7() {
        // np.quantile(x, p) (method="linear" = R type 7)
        assert_eq!(median(&X), Some(3.3));
        assert!(close(quantile(&X, 0.25).unwrap(), 2.45, 1e-15));
        assert!(close(quantile(&X, 0.9).unwrap(), 4.880000000000001, 1e-15));
        assert!(close(quantile(&X, 0.1).unwrap(), 2.02, 1e-15));
        assert_eq!(quantile(&X, 0.0), Some(1.9));
        assert_eq!(quantile(&X, 1.0), Some(5.6));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        // scipy.stats.median_abs_deviation(x) and its product with R's 1.4826
        // (scipy's scale="normal" uses 1/Φ⁻¹(¾) = 1.482602218505602 instead).
        assert!(close(mad(&X).unwrap(), 1.1000000000000005, 1e-14));
        assert!(close(mad_scaled(&X).unwrap(), 1.6308600000000006, 1e-14));
        assert_eq!(min(&X), Some(1.9));
        assert_eq!(max(&X), Some(5.6));
    }

    #[test]
    fn edge_cases() {
        let e: [f64; 0] = [];
        assert_eq!(mean(&e), None);
        assert_eq!(median(&e), None);
        assert_eq!(min(&e), None);
        assert_eq!(variance(&[1.0]), None);
        assert_eq!(sd(&[1.0]), None);
        assert_eq!(quantile(&X, 1.5), None);
        assert_eq!(quantile(&X, f64::NAN), None);
        assert_eq!(geometric_mean(&[1.0, 0.0]), None);
        assert_eq!(geometric_mean(&[1.0, -2.0]), None);
        assert_eq!(cv_percent(&[-1.0, 1.0]), None);
        let s = Summary::of(&[7.0]);
        assert_eq!(
            s,
            Summary {
                n: 1,
                mean: Some(7.0),
                sd: None,
                sem: None,
                median: Some(7.0),
                min: Some(7.0),
                max: Some(7.0)
            }
        );
        assert_eq!(Summary::of(&e).n, 0);
        assert_eq!(Summary::of(&e).mean, None);
    }

    #[test]
    fn nan_is_never_skipped() {
        let x = [1.0, f64::NAN, 3.0];
        assert!(mean(&x).unwrap().is_nan());
        assert!(variance(&x).unwrap().is_nan());
        assert!(median(&x).unwrap().is_nan());
        assert!(quantile(&x, 0.1).unwrap().is_nan());
        assert!(min(&x).unwrap().is_nan());
        assert!(max(&x).unwrap().is_nan());
        assert!(mad(&x).unwrap().is_nan());
        assert!(geometric_mean(&x).unwrap().is_nan());
        let s = Summary::of(&x);
        assert_eq!(s.n, 3);
        assert!(s.median.unwrap().is_nan() && s.min.unwrap().is_nan());
    }

    #[test]
    fn no_intermediate_overflow() {
        assert_eq!(mean(&[1.5e308, 1.5e308]), Some(1.5e308));
        assert_eq!(mean(&[1.0, f64::INFINITY]), Some(f64::INFINITY));
        assert!(geometric_mean(&[1e300, 1e300, 1e-300]).unwrap() > 9.99e99);
    }

    #[test]
    fn stable_with_large_offset() {
        // Variance of 1e9 + {4, 7, 13, 16} is exactly 30 (n − 1 denominator).
        let x = [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0];
        assert_eq!(variance(&x), Some(30.0));
        assert_eq!(mean(&x), Some(1e9 + 10.0));
    }

    #[test]
    fn summary_serializes() {
        fn assert_serialize<T: Serialize>() {}
        assert_serialize::<Summary>();
    }
}
