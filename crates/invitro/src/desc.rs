//! Private descriptive statistics (kept local so that this crate does not wait
//! on `preclin-stats`; to be replaced by `preclin_stats::desc` once stable).
//! Every function returns `None` when the statistic does not exist.

/// Arithmetic mean x̄ = Σx/n; `None` for an empty slice.
pub(crate) fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation s = √(Σ(x − x̄)²/(n − 1)); `None` for n < 2.
pub(crate) fn sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x)?;
    let ss: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
    Some((ss / (x.len() - 1) as f64).sqrt())
}

/// Median (mean of the two middle values for even n); `None` when empty.
pub(crate) fn median(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Raw (unscaled) median absolute deviation: median(|x − median(x)|).
pub(crate) fn mad(x: &[f64]) -> Option<f64> {
    let m = median(x)?;
    let dev: Vec<f64> = x.iter().map(|v| (v - m).abs()).collect();
    median(&dev)
}

/// Coefficient of variation in percent, 100·s/|x̄|; `None` for n < 2 or x̄ = 0.
pub(crate) fn cv_pct(x: &[f64]) -> Option<f64> {
    let m = mean(x)?;
    let s = sd(x)?;
    (m != 0.0).then(|| 100.0 * s / m.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), Some(5.0));
        assert!((sd(&x).unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(median(&x), Some(4.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]), Some(1.0));
        assert_eq!(sd(&[1.0]), None);
        assert_eq!(mean(&[]), None);
        assert_eq!(cv_pct(&[0.0, 0.0]), None);
        assert!((cv_pct(&[9.0, 11.0]).unwrap() - 100.0 * 2f64.sqrt() / 10.0).abs() < 1e-12);
    }
}
