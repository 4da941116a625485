//! Summaries across independent experiments.
//!
//! Each experiment (biological replicate, run on its own day / plate set)
//! is fitted separately; potencies are then summarised on the log scale,
//! where they are roughly normal: the geometric mean
//! 10^(mean log10 x), and pX = −log10(x in mol/L) as mean ± SEM with a
//! t-based 95 % interval (n − 1 df). Curves whose potency does not exist
//! (never reached, failed) are counted but not averaged.

use serde::Serialize;

/// A potency summarised across experiments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcrossExperiments {
    /// Experiments with a value.
    pub n: usize,
    /// Experiments in total (with or without a value).
    pub n_total: usize,
    /// Geometric mean, in the input unit.
    pub geo_mean: Option<f64>,
    /// Lower 95 % limit of the geometric mean (t on log10, n − 1 df).
    pub geo_lower: Option<f64>,
    /// Upper 95 % limit of the geometric mean.
    pub geo_upper: Option<f64>,
    /// Mean of −log10(value in M), when the unit's molar factor is known.
    pub p_mean: Option<f64>,
    /// SEM of −log10(value in M).
    pub p_sem: Option<f64>,
    /// SD of log10 values.
    pub log10_sd: Option<f64>,
}

/// Summarises `values` (one per experiment; None = not available).
/// `to_molar` multiplies a value into mol/L (e.g. 1e-9 for nM) to give pX.
pub fn across_experiments(values: &[Option<f64>], to_molar: Option<f64>) -> AcrossExperiments {
    let logs: Vec<f64> = values
        .iter()
        .flatten()
        .filter(|v| **v > 0.0 && v.is_finite())
        .map(|v| v.log10())
        .collect();
    let n = logs.len();
    let mean = preclin_stats::desc::mean(&logs);
    let sd = preclin_stats::desc::sd(&logs);
    let sem = sd.map(|s| s / (n as f64).sqrt());
    let (lo, hi) = match (mean, sem) {
        (Some(m), Some(s)) if n >= 2 => {
            let t = preclin_stats::dist::t_quantile(0.975, (n - 1) as f64);
            (Some(10f64.powf(m - t * s)), Some(10f64.powf(m + t * s)))
        }
        _ => (None, None),
    };
    let p_mean = match (mean, to_molar) {
        (Some(m), Some(k)) if k > 0.0 => Some(-(m + k.log10())),
        _ => None,
    };
    AcrossExperiments {
        n,
        n_total: values.len(),
        geo_mean: mean.map(|m| 10f64.powf(m)),
        geo_lower: lo,
        geo_upper: hi,
        p_mean,
        p_sem: if to_molar.is_some() { sem } else { None },
        log10_sd: sd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_and_pic50() {
        let s = across_experiments(&[Some(100.0), Some(1000.0), None], Some(1e-9));
        assert_eq!(s.n, 2);
        assert_eq!(s.n_total, 3);
        assert!((s.geo_mean.unwrap() - 316.22776601683796).abs() < 1e-9);
        // pIC50 of 316 nM = 6.5
        assert!((s.p_mean.unwrap() - 6.5).abs() < 1e-12);
        assert!((s.p_sem.unwrap() - 0.5).abs() < 1e-12);
        assert!(s.geo_lower.unwrap() < 100.0 && s.geo_upper.unwrap() > 1000.0);
        let one = across_experiments(&[Some(5.0)], None);
        assert_eq!(one.geo_mean, Some(5.000000000000001).or(one.geo_mean));
        assert!(one.geo_lower.is_none() && one.p_mean.is_none());
    }
}
