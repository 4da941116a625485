//! Plate quality control: Z′, control CVs, edge effect, outlier wells.
//!
//! Computed per plate from the normalised wells ([`NormalizedWell`]):
//!
//! - **Z′ factor** (Zhang, Chung & Oldenburg, J Biomol Screen 1999):
//!   Z′ = 1 − 3(σ_max + σ_min)/|μ_max − μ_min|, with sample SDs (n − 1).
//!   Max-signal control: `vehicle` wells. Min-signal control: `positive`
//!   wells, or `blank` wells when the plate has no positive control (stated in
//!   [`PlateQc::z_prime_min_control`] and the warnings). Raw readings are used
//!   (Z′ does not change under blank subtraction). `None` unless both controls
//!   have ≥ 2 wells with a value and different means.
//! - **CV %** = 100·s/|x̄| of the raw readings of the vehicle and of the blank
//!   wells (n ≥ 2).
//! - **Edge effect**: compares blank-corrected signals of wells on the outer
//!   ring with inner wells. Basis, in order of preference:
//!   1. vehicle wells, when ≥ 2 are on the edge and ≥ 2 inside:
//!      ratio = mean(edge)/mean(inner);
//!   2. otherwise sample wells at the same dose: for every group (compound,
//!      dose, unit, cell line) with wells both on the edge and inside whose
//!      inner mean m is > 0 (and ≥ 50 % of the vehicle mean when there is
//!      one, so that near-zero signals of killing doses do not dominate),
//!      each value is divided by m; the pooled relative values give
//!      ratio = mean(edge)/mean(inner) (≥ 2 values on each side).
//!
//!   A Welch t-test (Welch 1947) compares the two sets. The plate is flagged
//!   when |ratio − 1| > [`QcOptions::edge_tolerance`] (default 0.15) **or**
//!   p < [`QcOptions::edge_alpha`] (default 0.05; `None` disables the test).
//! - **Outliers**: wells whose raw reading deviates from its replicate
//!   group's median by more than 3.5 robust SDs, the SD being the larger of
//!   the group's own MAD-based scale and a scale pooled over the replicate
//!   groups of similar signal on the same plate ([`crate::outliers`]).
//!   Outliers are **flagged, never dropped**.
//!
//! A plate passes when Z′ ≥ [`QcOptions::min_z_prime`] (default 0.5) and,
//! when configured, the vehicle CV and the edge check are within limits.

use std::collections::HashMap;

use serde::Serialize;

use crate::layout::Role;
use crate::normalize::{Flag, NormalizedWell};
use crate::plate::Well;
use preclin_stats::desc::{cv_percent as cv_pct, mean, sd};
use preclin_stats::ttest::welch as welch_t_test;

use crate::outliers::{GroupKey, group_key};
pub use crate::outliers::{OutlierRule, outlier_mask, replicate_outliers, robust_z_scores};

/// Z′ factor from the max-signal and min-signal control readings (Zhang et
/// al. 1999): 1 − 3(σ_max + σ_min)/|μ_max − μ_min|. `None` with fewer than 2
/// values in either set or equal means.
pub fn z_prime(max_ctrl: &[f64], min_ctrl: &[f64]) -> Option<f64> {
    let (m1, m2) = (mean(max_ctrl)?, mean(min_ctrl)?);
    let (s1, s2) = (sd(max_ctrl)?, sd(min_ctrl)?);
    let gap = (m1 - m2).abs();
    (gap > 0.0).then(|| 1.0 - 3.0 * (s1 + s2) / gap)
}

/// Which wells served as the minimum-signal control of Z′.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MinControl {
    /// Positive-control wells.
    Positive,
    /// Blank wells (no positive control on the plate).
    Blank,
}

/// Which wells the edge-effect check compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeBasis {
    /// Vehicle wells on the edge vs inside.
    Vehicle,
    /// Sample wells at the same dose, relative to the inner mean of their group.
    SampleSameDose,
}

/// Result of the edge-effect check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeCheck {
    /// Wells compared.
    pub basis: EdgeBasis,
    /// Number of edge values.
    pub n_edge: usize,
    /// Number of inner values.
    pub n_inner: usize,
    /// mean(edge)/mean(inner).
    pub ratio: f64,
    /// Two-sided Welch p-value, edge vs inner.
    pub p_value: Option<f64>,
    /// True when flagged by the rule of [`QcOptions`].
    pub flag: bool,
}

/// Thresholds of the plate QC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QcOptions {
    /// Minimum Z′ for a plate to pass (default 0.5).
    pub min_z_prime: f64,
    /// Maximum vehicle CV % for a plate to pass (default: not applied).
    pub max_cv_vehicle_pct: Option<f64>,
    /// Flag the edge effect when |edge/inner − 1| exceeds this (default 0.15).
    pub edge_tolerance: f64,
    /// Flag the edge effect when the Welch p-value is below this (default
    /// 0.05; `None`: ratio rule only).
    pub edge_alpha: Option<f64>,
    /// Fail the plate when the edge effect is flagged (default false: warning only).
    pub fail_on_edge: bool,
}

impl Default for QcOptions {
    fn default() -> Self {
        QcOptions {
            min_z_prime: 0.5,
            max_cv_vehicle_pct: None,
            edge_tolerance: 0.15,
            edge_alpha: Some(0.05),
            fail_on_edge: false,
        }
    }
}

/// QC of one plate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlateQc {
    /// Plate id.
    pub plate: String,
    /// Z′ factor.
    pub z_prime: Option<f64>,
    /// Minimum-signal control used for Z′.
    pub z_prime_min_control: Option<MinControl>,
    /// Number of vehicle wells with a value.
    pub n_vehicle: usize,
    /// Mean raw vehicle reading.
    pub mean_vehicle: Option<f64>,
    /// CV % of the raw vehicle readings.
    pub cv_vehicle_pct: Option<f64>,
    /// Number of blank wells with a value.
    pub n_blank: usize,
    /// CV % of the raw blank readings.
    pub cv_blank_pct: Option<f64>,
    /// Edge/inner ratio of means.
    pub edge_ratio: Option<f64>,
    /// Welch p-value of the edge check.
    pub edge_p_value: Option<f64>,
    /// Basis of the edge check.
    pub edge_basis: Option<EdgeBasis>,
    /// True when an edge effect is flagged.
    pub edge_flag: bool,
    /// Number of wells flagged `outlier` by the normalisation.
    pub n_outliers: usize,
    /// The outlier wells.
    pub outlier_wells: Vec<Well>,
    /// Pass/fail against the thresholds.
    pub pass: bool,
    /// Human-readable findings.
    pub warnings: Vec<String>,
}

/// Edge-effect check on the wells of one plate (rule in the module doc).
/// `None` when neither basis has ≥ 2 values on each side.
pub fn edge_effect(wells: &[&NormalizedWell], opts: &QcOptions) -> Option<EdgeCheck> {
    let split = |pred: &dyn Fn(&NormalizedWell) -> bool| -> (Vec<f64>, Vec<f64>) {
        let mut e = Vec::new();
        let mut n = Vec::new();
        for w in wells.iter().filter(|w| pred(w)) {
            if let Some(v) = w.corrected {
                if w.edge { e.push(v) } else { n.push(v) }
            }
        }
        (e, n)
    };
    let (ve, vi) = split(&|w| w.role == Role::Vehicle);
    let (basis, edge, inner) = if ve.len() >= 2 && vi.len() >= 2 {
        (EdgeBasis::Vehicle, ve, vi)
    } else {
        let vmean = mean(&[ve.as_slice(), vi.as_slice()].concat());
        let mut groups: HashMap<GroupKey, (Vec<f64>, Vec<f64>)> = HashMap::new();
        for w in wells.iter().filter(|w| w.role == Role::Sample) {
            if let Some(v) = w.corrected {
                let g = groups.entry(group_key(w)).or_default();
                if w.edge { g.0.push(v) } else { g.1.push(v) }
            }
        }
        let mut e = Vec::new();
        let mut n = Vec::new();
        for (ge, gi) in groups.values() {
            let Some(m) = mean(gi) else { continue };
            if ge.is_empty() || m <= 0.0 || vmean.is_some_and(|vm| m < 0.5 * vm) {
                continue;
            }
            e.extend(ge.iter().map(|v| v / m));
            n.extend(gi.iter().map(|v| v / m));
        }
        (EdgeBasis::SampleSameDose, e, n)
    };
    if edge.len() < 2 || inner.len() < 2 {
        return None;
    }
    let mi = mean(&inner)?;
    if mi <= 0.0 {
        return None;
    }
    let ratio = mean(&edge)? / mi;
    let p_value = welch_t_test(&edge, &inner).map(|w| w.p_two_sided);
    let flag = (ratio - 1.0).abs() > opts.edge_tolerance
        || matches!((opts.edge_alpha, p_value), (Some(a), Some(p)) if p < a);
    Some(EdgeCheck {
        basis,
        n_edge: edge.len(),
        n_inner: inner.len(),
        ratio,
        p_value,
        flag,
    })
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".to_string(), |v| format!("{v:.3}"))
}

/// QC of every plate present in `wells` (plates in order of first
/// appearance).
pub fn plate_qc(wells: &[NormalizedWell], opts: &QcOptions) -> Vec<PlateQc> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_plate: HashMap<&str, Vec<&NormalizedWell>> = HashMap::new();
    for w in wells {
        by_plate
            .entry(&w.plate)
            .or_insert_with(|| {
                order.push(&w.plate);
                Vec::new()
            })
            .push(w);
    }
    order
        .into_iter()
        .map(|id| single_plate_qc(id, &by_plate[id], opts))
        .collect()
}

fn single_plate_qc(plate: &str, wells: &[&NormalizedWell], opts: &QcOptions) -> PlateQc {
    let raw = |role: Role| -> Vec<f64> {
        wells
            .iter()
            .filter(|w| w.role == role)
            .filter_map(|w| w.raw)
            .collect()
    };
    let vehicle = raw(Role::Vehicle);
    let blank = raw(Role::Blank);
    let positive = raw(Role::Positive);
    let mut warnings = Vec::new();

    let (min_vals, min_control) = if !positive.is_empty() {
        (&positive, MinControl::Positive)
    } else {
        (&blank, MinControl::Blank)
    };
    let zp = z_prime(&vehicle, min_vals);
    let z_prime_min_control = (!min_vals.is_empty()).then_some(min_control);
    if min_control == MinControl::Blank && zp.is_some() {
        warnings.push(
            "Z′ uses blank wells as the minimum-signal control (no positive-control wells)".into(),
        );
    }
    let mut pass = true;
    match zp {
        None => {
            pass = false;
            warnings.push("Z′ not computable: needs ≥ 2 vehicle wells and ≥ 2 positive-control (or blank) wells with values and different means".into());
        }
        Some(z) if z < opts.min_z_prime => {
            pass = false;
            warnings.push(format!("Z′ = {z:.3} is below {}", opts.min_z_prime));
        }
        _ => {}
    }
    let cv_vehicle_pct = cv_pct(&vehicle);
    let cv_blank_pct = cv_pct(&blank);
    if let (Some(max), Some(cv)) = (opts.max_cv_vehicle_pct, cv_vehicle_pct)
        && cv > max
    {
        pass = false;
        warnings.push(format!("vehicle CV {cv:.1} % is above {max} %"));
    }
    let missing_ctrl = wells
        .iter()
        .filter(|w| {
            matches!(w.role, Role::Vehicle | Role::Blank | Role::Positive) && w.raw.is_none()
        })
        .count();
    if missing_ctrl > 0 {
        warnings.push(format!(
            "{missing_ctrl} control well(s) have no reading (overflow or missing)"
        ));
    }
    if wells.iter().any(|w| w.has(Flag::NoBlank)) {
        warnings.push("no blank wells: readings are not background-subtracted".into());
    }

    let edge = edge_effect(wells, opts);
    match &edge {
        Some(e) if e.flag => {
            warnings.push(format!(
                "edge effect: edge/inner = {:.3} ({} basis, {} vs {} wells, Welch p = {})",
                e.ratio,
                match e.basis {
                    EdgeBasis::Vehicle => "vehicle",
                    EdgeBasis::SampleSameDose => "same-dose sample",
                },
                e.n_edge,
                e.n_inner,
                fmt_opt(e.p_value)
            ));
            if opts.fail_on_edge {
                pass = false;
            }
        }
        Some(_) => {}
        None => warnings.push(
            "edge effect not assessable: needs ≥ 2 edge and ≥ 2 inner vehicle wells, or same-dose sample wells on both".into(),
        ),
    }
    let outlier_wells: Vec<Well> = wells
        .iter()
        .filter(|w| w.has(Flag::Outlier))
        .map(|w| w.well)
        .collect();
    if !outlier_wells.is_empty() {
        warnings.push(format!(
            "outlier wells (flagged, kept): {}",
            outlier_wells
                .iter()
                .map(Well::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    PlateQc {
        plate: plate.to_string(),
        z_prime: zp,
        z_prime_min_control,
        n_vehicle: vehicle.len(),
        mean_vehicle: mean(&vehicle),
        cv_vehicle_pct,
        n_blank: blank.len(),
        cv_blank_pct,
        edge_ratio: edge.as_ref().map(|e| e.ratio),
        edge_p_value: edge.as_ref().and_then(|e| e.p_value),
        edge_basis: edge.as_ref().map(|e| e.basis),
        edge_flag: edge.as_ref().is_some_and(|e| e.flag),
        n_outliers: outlier_wells.len(),
        outlier_wells,
        pass,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_prime_known_values() {
        // means 100 and 10, SDs 5 and 2: Z' = 1 - 3*7/90.
        let pos = [95.0, 100.0, 105.0];
        let neg = [8.0, 10.0, 12.0];
        assert!((z_prime(&pos, &neg).unwrap() - (1.0 - 21.0 / 90.0)).abs() < 1e-12);
        assert_eq!(z_prime(&pos, &[1.0]), None);
        assert_eq!(z_prime(&[1.0, 3.0], &[2.0, 2.0]), None);
    }
}
