//! Amplification efficiency from a standard curve (dilution series), as
//! R `pcr::pcr_standard` and the MIQE guidelines describe it.
//!
//! Per gene, every well of known quantity is one point: `Ct = b + m·log10(q)`
//! by least squares ([`preclin_stats::linreg`]), then
//! * amplification factor `E = 10^(−1/m)` (2 = doubling per cycle),
//! * efficiency `(E − 1)·100 %`, its 95 % interval from the slope's,
//! * `R²`,
//! * linear (dynamic) range: the quantities of the dilution levels used.
//!
//! **Which wells.** Wells of type standard when the gene has any, otherwise
//! every well with a quantity (tidy tables with a `quantity` / `amount`
//! column). Not-detected wells are left out. A level (quantity) whose wells
//! are all not detected, or whose mean Ct is above the Cq limit (default 35),
//! lies outside the linear range and is not fitted (`excluded_levels`).
//!
//! **Flags**: `efficiency_out_of_range` (outside 90–110 %), `low_r2`
//! (R² < 0.98), `few_levels` (fewer than 3 levels; no fit below 2),
//! `level_off_line` (a level's mean Ct more than 0.5 cycles from the line).
//!
//! [`delta_ct_slope`] is Livak & Schmittgen's validation of ΔΔCt: the slope
//! of ΔCt (target − reference) against log10 quantity should be close to 0
//! (|slope| < 0.1), i.e. target and reference have about equal efficiency.

use serde::Serialize;

use super::replicates::{ReplicateOptions, average_records};
use super::tidy::{CqSet, SampleType};
use preclin_stats::linreg::{self, LinFit};

/// A fitted standard curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardCurve {
    /// Gene.
    pub gene: String,
    /// Wells fitted.
    pub n_points: usize,
    /// Dilution levels fitted.
    pub n_levels: usize,
    /// Slope `m` (cycles per log10 quantity).
    pub slope: Option<f64>,
    /// Standard error of the slope.
    pub slope_se: Option<f64>,
    /// Intercept `b` (Ct at quantity 1).
    pub intercept: Option<f64>,
    /// R².
    pub r2: Option<f64>,
    /// `E = 10^(−1/m)`.
    pub efficiency: Option<f64>,
    /// `(E − 1)·100`.
    pub efficiency_pct: Option<f64>,
    /// Lower 95 % limit of the efficiency in % (from the slope's CI).
    pub efficiency_pct_lower: Option<f64>,
    /// Upper 95 % limit of the efficiency in %.
    pub efficiency_pct_upper: Option<f64>,
    /// Smallest quantity fitted (linear range).
    pub range_min: Option<f64>,
    /// Largest quantity fitted.
    pub range_max: Option<f64>,
    /// Levels left out (all not detected, or above the Cq limit).
    pub excluded_levels: Vec<f64>,
    /// Flags, see the module docs.
    pub flags: Vec<String>,
}

fn pct(slope: f64) -> Option<f64> {
    let e = 10f64.powf(-1.0 / slope);
    (e.is_finite() && slope < 0.0).then_some((e - 1.0) * 100.0)
}

/// Standard curves of every gene that has wells with a positive quantity
/// (see the module docs). `cq_limit` bounds the linear range (35).
pub fn standard_curves(set: &CqSet, cq_limit: f64) -> Vec<StandardCurve> {
    let mut genes: Vec<String> = Vec::new();
    for r in &set.records {
        if r.quantity.is_some_and(|q| q > 0.0) && !genes.contains(&r.gene) {
            genes.push(r.gene.clone());
        }
    }
    genes
        .iter()
        .map(|gene| {
            let has_std = set
                .records
                .iter()
                .any(|r| &r.gene == gene && r.sample_type == SampleType::Standard);
            let wells: Vec<_> = set
                .records
                .iter()
                .filter(|r| {
                    &r.gene == gene
                        && !r.excluded
                        && r.quantity.is_some_and(|q| q > 0.0)
                        && (!has_std || r.sample_type == SampleType::Standard)
                })
                .collect();
            // Levels by quantity.
            let mut levels: Vec<f64> = Vec::new();
            for w in &wells {
                let q = w.quantity.unwrap_or(0.0);
                if !levels.contains(&q) {
                    levels.push(q);
                }
            }
            levels.sort_by(f64::total_cmp);
            let mut used = Vec::new();
            let mut excluded = Vec::new();
            for &q in &levels {
                let cts: Vec<f64> = wells
                    .iter()
                    .filter(|w| w.quantity == Some(q))
                    .filter_map(|w| w.cq)
                    .collect();
                match preclin_stats::desc::mean(&cts) {
                    Some(m) if m <= cq_limit => used.push((q, cts)),
                    _ => excluded.push(q),
                }
            }
            let x: Vec<f64> = used
                .iter()
                .flat_map(|(q, c)| std::iter::repeat_n(q.log10(), c.len()))
                .collect();
            let y: Vec<f64> = used.iter().flat_map(|(_, c)| c.iter().copied()).collect();
            let fit = if used.len() >= 2 {
                linreg::fit(&x, &y)
            } else {
                None
            };
            let mut flags = Vec::new();
            if used.len() < 3 {
                flags.push("few_levels".to_string());
            }
            let mut sc = StandardCurve {
                gene: gene.clone(),
                n_points: y.len(),
                n_levels: used.len(),
                slope: None,
                slope_se: None,
                intercept: None,
                r2: None,
                efficiency: None,
                efficiency_pct: None,
                efficiency_pct_lower: None,
                efficiency_pct_upper: None,
                range_min: used.first().map(|u| u.0),
                range_max: used.last().map(|u| u.0),
                excluded_levels: excluded,
                flags,
            };
            if let Some(f) = fit {
                let (lo, hi) = f.slope_ci(0.95);
                sc.slope = Some(f.slope);
                sc.slope_se = Some(f.slope_se).filter(|v| v.is_finite());
                sc.intercept = Some(f.intercept);
                sc.r2 = Some(f.r2).filter(|v| v.is_finite());
                sc.efficiency = Some(10f64.powf(-1.0 / f.slope)).filter(|e| e.is_finite());
                sc.efficiency_pct = pct(f.slope);
                // A steeper slope (more negative) means a lower efficiency.
                sc.efficiency_pct_lower = pct(lo);
                sc.efficiency_pct_upper = pct(hi);
                if sc
                    .efficiency_pct
                    .is_none_or(|p| !(90.0..=110.0).contains(&p))
                {
                    sc.flags.push("efficiency_out_of_range".into());
                }
                if sc.r2.is_none_or(|r| r < 0.98) {
                    sc.flags.push("low_r2".into());
                }
                if used.iter().any(|(q, c)| {
                    preclin_stats::desc::mean(c)
                        .is_some_and(|m| (m - f.predict(q.log10())).abs() > 0.5)
                }) {
                    sc.flags.push("level_off_line".into());
                }
            }
            sc
        })
        .collect()
}

/// Livak's validation: least-squares line of per-sample ΔCt
/// (`target − reference`, technical replicates averaged) against log10
/// quantity, over samples that have both genes and a positive quantity.
/// `None` with fewer than 3 such samples.
pub fn delta_ct_slope(set: &CqSet, target: &str, reference: &str) -> Option<LinFit> {
    let cqs = average_records(
        set.records.iter().filter(|r| !r.excluded),
        &ReplicateOptions::default(),
    );
    let mut x = Vec::new();
    let mut y = Vec::new();
    for t in cqs.iter().filter(|c| c.gene == target) {
        let Some(r) = cqs
            .iter()
            .find(|c| c.gene == reference && c.sample == t.sample)
        else {
            continue;
        };
        if let (Some(q), Some(a), Some(b)) = (t.quantity.filter(|q| *q > 0.0), t.cq, r.cq) {
            x.push(q.log10());
            y.push(a - b);
        }
    }
    linreg::fit(&x, &y)
}
