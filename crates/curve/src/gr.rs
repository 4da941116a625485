//! Growth-rate inhibition (GR) values and metrics (Hafner, Niepel, Chung &
//! Sorger, *Nat. Methods* 13:521, 2016), with the conventions of the
//! reference implementation GRmetrics (datarail/gr_metrics, R package
//! `GRfunctions.R`) so that results match it:
//!
//! * GR(c) = 2^(log2(x(c)/x₀) / log2(x_ctrl/x₀)) − 1, x₀ the time-zero count.
//! * Fit GR(c) = GRinf + (1 − GRinf)/(1 + (c/GEC50)^h) (drc `LL.3u`: our
//!   LL.4 with top fixed at 1) with bounds h ∈ [0.1, 5], GRinf ∈ [−1, 1],
//!   GEC50 ∈ [min c·10⁻², max c·10²].
//! * F test against a flat line on (2, n − 2) degrees of freedom (GRmetrics
//!   uses n − 3 + 1); a fit with p ≥ 0.05 is "flat": GEC50 = 0, h = 0.01,
//!   GRinf = mean GR and GR50 = +∞ if that mean is > 0.5, else −∞.
//! * GR50 = GEC50·((1 − GRinf)/(0.5 − GRinf) − 1)^(1/h) (±∞ when not
//!   reached, by the same mean rule).
//! * GRmax = the smallest GR observed at the two highest concentrations.
//! * GR_AOC = trapezoidal area between 1 and the mean GR per concentration
//!   over log10 c, divided by the log10 range.

use serde::Serialize;

use crate::fit::{CurveData, FitError, FitOptions, fit};
use crate::models::Model;

/// GR value of one well: 2^(log2(x/x₀)/log2(x_ctrl/x₀)) − 1. None when a
/// count is not positive or the control did not grow (x_ctrl = x₀).
pub fn gr_value(x: f64, x_ctrl: f64, x0: f64) -> Option<f64> {
    if !(x > 0.0 && x_ctrl > 0.0 && x0 > 0.0) {
        return None;
    }
    let den = (x_ctrl / x0).log2();
    if den == 0.0 || !den.is_finite() {
        return None;
    }
    let v = ((x / x0).log2() / den).exp2() - 1.0;
    v.is_finite().then_some(v)
}

/// A value that may be infinite by definition (GR50 not reached).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounded {
    /// A finite value.
    Value(f64),
    /// +∞: the curve stays above the level.
    PlusInfinity,
    /// −∞: the curve stays below the level.
    MinusInfinity,
}

impl std::fmt::Display for Bounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bounded::Value(v) => write!(f, "{v}"),
            Bounded::PlusInfinity => f.write_str("inf"),
            Bounded::MinusInfinity => f.write_str("-inf"),
        }
    }
}

/// The GR metrics of one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrMetrics {
    /// Concentration at which GR = 0.5.
    pub gr50: Bounded,
    /// Smallest GR at the two highest concentrations.
    pub gr_max: f64,
    /// Normalised area over the GR curve.
    pub gr_aoc: f64,
    /// Midpoint concentration of the fitted curve (0 for a flat fit).
    pub gec50: f64,
    /// Fitted GR at infinite concentration (mean GR for a flat fit).
    pub gr_inf: f64,
    /// Hill coefficient (0.01 for a flat fit).
    pub h_gr: f64,
    /// R² of the sigmoid fit.
    pub r2: Option<f64>,
    /// F-test p-value of sigmoid vs flat.
    pub pval: Option<f64>,
    /// True when the curve was declared flat.
    pub flat: bool,
    /// Mean GR (the flat fit), reported when flat.
    pub flat_fit: Option<f64>,
}

impl GrMetrics {
    /// GR50 as a dose censored at the tested range, like the NCI-60
    /// metrics: +∞ (never down to 0.5) becomes "> highest dose", −∞ (below
    /// 0.5 everywhere) "< lowest dose".
    pub fn gr50_censored(&self, lowest: f64, highest: f64) -> crate::nci::CensoredDose {
        use crate::nci::CensoredDose;
        match self.gr50 {
            Bounded::Value(v) => CensoredDose::Value(v),
            Bounded::PlusInfinity => CensoredDose::Above(highest),
            Bounded::MinusInfinity => CensoredDose::Below(lowest),
        }
    }
}

/// Options of [`gr_metrics`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrOptions {
    /// Keep the sigmoid whatever the F test says (GRmetrics `force`).
    pub force: bool,
    /// p-value cut-off of the F test (0.05).
    pub alpha: f64,
}

impl Default for GrOptions {
    fn default() -> Self {
        GrOptions {
            force: false,
            alpha: 0.05,
        }
    }
}

/// GR metrics from concentrations (> 0) and GR values of one condition.
pub fn gr_metrics(conc: &[f64], gr: &[f64], opts: &GrOptions) -> Result<GrMetrics, FitError> {
    let mut concs: Vec<f64> = conc.to_vec();
    concs.sort_by(f64::total_cmp);
    concs.dedup();
    if concs.is_empty() {
        return Err(FitError::NoPositiveDose);
    }
    let l = concs.len();
    let top2: Vec<f64> = concs[l.saturating_sub(2)..].to_vec();
    let gr_max = conc
        .iter()
        .zip(gr)
        .filter(|(c, _)| top2.contains(c))
        .map(|(_, g)| *g)
        .fold(f64::INFINITY, f64::min);
    let n = gr.len() as f64;
    let mean = gr.iter().sum::<f64>() / n;
    // Trapezoid over mean GR per concentration.
    let avg: Vec<f64> = concs
        .iter()
        .map(|&c| {
            let (s, k) = conc
                .iter()
                .zip(gr)
                .filter(|(cc, _)| **cc == c)
                .fold((0.0, 0usize), |(s, k), (_, g)| (s + g, k + 1));
            s / k as f64
        })
        .collect();
    let mut aoc = 0.0;
    for j in 1..l {
        aoc += (1.0 - 0.5 * (avg[j - 1] + avg[j])) * (concs[j].log10() - concs[j - 1].log10());
    }
    let range = concs[l - 1].log10() - concs[0].log10();
    let gr_aoc = if range > 0.0 { aoc / range } else { 0.0 };

    let fo = FitOptions {
        model: Model::LL4,
        fix_top: Some(1.0),
        hill_bounds: (0.1, 5.0),
        bottom_bounds: (-1.0, 1.0),
        e_bounds: Some((concs[0] * 1e-2, concs[l - 1] * 1e2)),
        ..FitOptions::default()
    };
    let f = fit(
        &CurveData {
            dose: conc,
            response: gr,
            weight: None,
        },
        &fo,
    )?;
    let tss: f64 = gr.iter().map(|g| (g - mean) * (g - mean)).sum();
    let df2 = n - 3.0 + 1.0;
    let fval = ((tss - f.rss) / 2.0) / (f.rss / df2);
    let pval = if f.rss <= 0.0 {
        0.0
    } else if fval <= 0.0 {
        1.0
    } else {
        preclin_stats::dist::f_sf(fval, 2.0, df2)
    };
    let r2 = (tss > 0.0).then(|| 1.0 - f.rss / tss);
    let cutoff = if opts.force { 1.0 } else { opts.alpha };
    let flat = !(pval < cutoff);
    let not_reached = if mean > 0.5 {
        Bounded::PlusInfinity
    } else {
        Bounded::MinusInfinity
    };
    if flat {
        return Ok(GrMetrics {
            gr50: not_reached,
            gr_max,
            gr_aoc,
            gec50: 0.0,
            gr_inf: mean,
            h_gr: 0.01,
            r2,
            pval: Some(pval),
            flat: true,
            flat_fit: Some(mean),
        });
    }
    let (gec50, ginf, h) = (f.params.e, f.params.c, f.params.b);
    let base = (1.0 - ginf) / (0.5 - ginf) - 1.0;
    let gr50 = if ginf < 0.5 && base > 0.0 {
        Bounded::Value(gec50 * base.powf(1.0 / h))
    } else {
        not_reached
    };
    Ok(GrMetrics {
        gr50,
        gr_max,
        gr_aoc,
        gec50,
        gr_inf: ginf,
        h_gr: h,
        r2,
        pval: Some(pval),
        flat: false,
        flat_fit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gr_value_definition() {
        // Control doubles twice, treated once: GR = 2^(1/2) − 1.
        let v = gr_value(200.0, 400.0, 100.0).unwrap();
        assert!((v - (2f64.sqrt() - 1.0)).abs() < 1e-12);
        // Untreated-like growth → 0 (no effect is GR = 1 … check): x = ctrl → 1.
        assert!((gr_value(400.0, 400.0, 100.0).unwrap() - 1.0).abs() < 1e-12);
        // Cytostatic: x = x0 → 0.
        assert!(gr_value(100.0, 400.0, 100.0).unwrap().abs() < 1e-12);
        // Death → negative.
        assert!(gr_value(50.0, 400.0, 100.0).unwrap() < 0.0);
        assert_eq!(gr_value(0.0, 400.0, 100.0), None);
        assert_eq!(gr_value(10.0, 100.0, 100.0), None);
    }
}
