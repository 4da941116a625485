//! Cross-resistance and collateral sensitivity: the resistance factor of a
//! drug between a parental and a resistant (or mutant) line, its interval
//! and test, its classification, and the drug × line matrix.
//!
//! * **Resistance factor** RF = EC50(resistant) / EC50(parental) — relative
//!   EC50s by default, absolute IC50s (50 % of each line's vehicle response)
//!   on request — from one global fit of the two curves
//!   ([`crate::compare::compare_curves`], parental = reference), with the
//!   delta-method interval on ln RF (see [`crate::compare`]).
//! * **Test**: for relative EC50s the extra-sum-of-squares F test of one
//!   EC50 for both lines against one each; for absolute IC50s (not a model
//!   parameter) the Wald t test of ln RF = 0.
//! * **Classification** with thresholds T_hi > 1 > T_lo (default 2 and
//!   0.5, i.e. a two-fold shift either way) and the interval [L, U] of RF:
//!   - `cross_resistance`: RF > T_hi and L > 1 — a shift beyond the
//!     threshold whose interval excludes no change;
//!   - `collateral_sensitivity`: RF < T_lo and U < 1;
//!   - `unchanged`: T_lo ≤ L and U ≤ T_hi — the whole interval lies within
//!     the thresholds, so any shift is smaller than a relevant one;
//!   - `inconclusive`: anything else (a large point estimate whose interval
//!     includes 1, an interval wider than the thresholds, no interval).
//! * **Stars** from the test's p-value: `***` p < 0.001, `**` p < 0.01,
//!   `*` p < 0.05, none otherwise.
//!
//! A resistance factor is a ratio of potencies, so the same machinery gives
//! the fold change of a sensitising mutation (RF < 1) and of resistance
//! (RF > 1); log₂ RF is symmetric for the two (±1 = two-fold).

use serde::{Deserialize, Serialize};

use crate::compare::{
    CompareError, CompareFlags, CompareOptions, CurveComparison, LevelComparison, compare_curves,
};
use crate::fit::CurveData;

/// Which potency the resistance factor compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfPotency {
    /// Relative EC50s (halfway between each curve's top and bottom).
    Relative,
    /// Absolute IC50s (each curve crosses `ic_fraction` × its control).
    Absolute,
}

impl RfPotency {
    /// `relative` or `absolute`.
    pub fn name(self) -> &'static str {
        match self {
            RfPotency::Relative => "relative",
            RfPotency::Absolute => "absolute",
        }
    }
}

/// How a resistance factor is classified (see the module docs for the
/// rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResistanceClass {
    /// RF > T_hi with its interval above 1.
    CrossResistance,
    /// RF < T_lo with its interval below 1.
    CollateralSensitivity,
    /// The interval lies within [T_lo, T_hi].
    Unchanged,
    /// None of the above.
    Inconclusive,
}

impl ResistanceClass {
    /// The snake_case name written in output files.
    pub fn name(self) -> &'static str {
        match self {
            ResistanceClass::CrossResistance => "cross_resistance",
            ResistanceClass::CollateralSensitivity => "collateral_sensitivity",
            ResistanceClass::Unchanged => "unchanged",
            ResistanceClass::Inconclusive => "inconclusive",
        }
    }
}

/// Options of the resistance analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResistanceOptions {
    /// Fitting and comparison options (model, shared parameters, level,
    /// absolute-IC fraction…). `reference` is ignored: the parental curve
    /// is always the reference.
    pub compare: CompareOptions,
    /// Relative EC50 (default) or absolute IC50.
    pub potency: RfPotency,
    /// T_hi: RF above it (interval above 1) is cross-resistance (2).
    pub cross_threshold: f64,
    /// T_lo: RF below it (interval below 1) is collateral sensitivity (0.5).
    pub collateral_threshold: f64,
}

impl Default for ResistanceOptions {
    fn default() -> Self {
        ResistanceOptions {
            compare: CompareOptions::default(),
            potency: RfPotency::Relative,
            cross_threshold: 2.0,
            collateral_threshold: 0.5,
        }
    }
}

/// Thresholds that cannot classify anything.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("resistance thresholds must satisfy 0 < collateral ({collateral}) < 1 < cross ({cross})")]
pub struct ThresholdError {
    /// The cross-resistance threshold given.
    pub cross: f64,
    /// The collateral-sensitivity threshold given.
    pub collateral: f64,
}

impl ResistanceOptions {
    /// Checks 0 < collateral threshold < 1 < cross threshold (finite).
    pub fn validate(&self) -> Result<(), ThresholdError> {
        let (hi, lo) = (self.cross_threshold, self.collateral_threshold);
        if hi.is_finite() && lo > 0.0 && lo < 1.0 && hi > 1.0 {
            Ok(())
        } else {
            Err(ThresholdError {
                cross: hi,
                collateral: lo,
            })
        }
    }
}

/// Which test gave the p-value of a resistance factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RfTest {
    /// Extra-sum-of-squares F test of one EC50 vs one per line.
    FTest,
    /// Wald t test of ln RF = 0.
    WaldLog,
}

impl RfTest {
    /// `f_test` or `wald_log`.
    pub fn name(self) -> &'static str {
        match self {
            RfTest::FTest => "f_test",
            RfTest::WaldLog => "wald_log",
        }
    }
}

/// The resistance factor of one drug in one resistant line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResistanceFactor {
    /// What was compared.
    pub potency: RfPotency,
    /// EC50 / IC50 of the parental line (its dose unit).
    pub parental: Option<f64>,
    /// EC50 / IC50 of the resistant line (parental dose unit).
    pub resistant: Option<f64>,
    /// RF = resistant / parental.
    pub rf: Option<f64>,
    /// Lower confidence limit of RF (delta method on ln RF).
    pub lower: Option<f64>,
    /// Upper confidence limit of RF.
    pub upper: Option<f64>,
    /// log₂ RF.
    pub log2_rf: Option<f64>,
    /// p-value of "no shift".
    pub p_value: Option<f64>,
    /// The test that gave `p_value`.
    pub test: RfTest,
    /// Classification (see the module docs).
    pub class: ResistanceClass,
    /// `***`, `**`, `*` or "" from `p_value`.
    pub stars: &'static str,
    /// Flags of the underlying comparison.
    pub flags: CompareFlags,
}

/// Significance stars: `***` p < 0.001, `**` p < 0.01, `*` p < 0.05, ""
/// otherwise or without a p-value.
pub fn stars(p: Option<f64>) -> &'static str {
    match p {
        Some(p) if p < 0.001 => "***",
        Some(p) if p < 0.01 => "**",
        Some(p) if p < 0.05 => "*",
        _ => "",
    }
}

/// Classifies RF with interval [lower, upper] by the rule in the module
/// docs, with thresholds `cross` (T_hi) and `collateral` (T_lo).
pub fn classify(
    rf: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    cross: f64,
    collateral: f64,
) -> ResistanceClass {
    let (Some(rf), Some(lo), Some(hi)) = (rf, lower, upper) else {
        return ResistanceClass::Inconclusive;
    };
    if rf > cross && lo > 1.0 {
        ResistanceClass::CrossResistance
    } else if rf < collateral && hi < 1.0 {
        ResistanceClass::CollateralSensitivity
    } else if lo >= collateral && hi <= cross {
        ResistanceClass::Unchanged
    } else {
        ResistanceClass::Inconclusive
    }
}

/// The resistance factor of one non-reference curve of a comparison whose
/// reference is the parental line.
pub fn resistance_from(
    cmp: &CurveComparison,
    level: &LevelComparison,
    opts: &ResistanceOptions,
) -> ResistanceFactor {
    let (ratio, test, p) = match opts.potency {
        RfPotency::Relative => (
            level.ec50_ratio,
            RfTest::FTest,
            cmp.ec50_test.map(|t| t.p_value),
        ),
        RfPotency::Absolute => (
            level.ic50_ratio,
            RfTest::WaldLog,
            level.ic50_ratio.and_then(|r| r.p_log),
        ),
    };
    let rf = ratio.map(|r| r.ratio);
    let (lower, upper) = (ratio.and_then(|r| r.lower), ratio.and_then(|r| r.upper));
    ResistanceFactor {
        potency: opts.potency,
        parental: ratio.map(|r| r.denominator),
        resistant: ratio.map(|r| r.numerator),
        rf,
        lower,
        upper,
        log2_rf: rf.map(f64::log2).filter(|v| v.is_finite()),
        p_value: p,
        test,
        class: classify(
            rf,
            lower,
            upper,
            opts.cross_threshold,
            opts.collateral_threshold,
        ),
        stars: stars(p),
        flags: level.flags,
    }
}

/// Fits the parental and resistant curves of one drug jointly and returns
/// the resistance factor with the comparison it came from. Both curves must
/// be in the same dose unit.
pub fn resistance_factor(
    parental: &CurveData,
    resistant: &CurveData,
    opts: &ResistanceOptions,
) -> Result<(ResistanceFactor, CurveComparison), CompareError> {
    let copts = CompareOptions {
        reference: 0,
        ..opts.compare.clone()
    };
    let cmp = compare_curves(&[*parental, *resistant], &copts)?;
    let rf = resistance_from(&cmp, &cmp.levels[0], opts);
    Ok((rf, cmp))
}

/// Resistance factors laid out as a drug × line matrix (rows and columns in
/// first-appearance order; a missing cell is None).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResistanceMatrix {
    /// Row labels (drugs).
    pub rows: Vec<String>,
    /// Column labels (resistant lines).
    pub columns: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Option<ResistanceFactor>>>,
}

impl ResistanceMatrix {
    /// Builds the matrix from (row, column, factor) entries; a later entry
    /// for the same cell replaces an earlier one.
    pub fn from_entries(
        entries: impl IntoIterator<Item = (String, String, ResistanceFactor)>,
    ) -> Self {
        let mut m = ResistanceMatrix {
            rows: Vec::new(),
            columns: Vec::new(),
            cells: Vec::new(),
        };
        for (r, c, f) in entries {
            let ri = match m.rows.iter().position(|x| *x == r) {
                Some(i) => i,
                None => {
                    m.rows.push(r);
                    m.cells.push(vec![None; m.columns.len()]);
                    m.rows.len() - 1
                }
            };
            let ci = match m.columns.iter().position(|x| *x == c) {
                Some(i) => i,
                None => {
                    m.columns.push(c);
                    for row in m.cells.iter_mut() {
                        row.push(None);
                    }
                    m.columns.len() - 1
                }
            };
            m.cells[ri][ci] = Some(f);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Params;

    #[test]
    fn classification_rule() {
        use ResistanceClass::*;
        let c = |rf, lo, hi| classify(Some(rf), Some(lo), Some(hi), 2.0, 0.5);
        assert_eq!(c(8.0, 5.0, 12.0), CrossResistance);
        assert_eq!(c(2.5, 1.2, 5.0), CrossResistance);
        assert_eq!(c(3.0, 0.9, 10.0), Inconclusive, "interval includes 1");
        assert_eq!(c(0.2, 0.1, 0.4), CollateralSensitivity);
        assert_eq!(c(0.4, 0.2, 1.1), Inconclusive);
        assert_eq!(c(1.1, 0.8, 1.5), Unchanged);
        assert_eq!(c(1.5, 1.2, 1.9), Unchanged, "significant but small");
        assert_eq!(c(1.8, 1.1, 2.9), Inconclusive, "may exceed 2");
        assert_eq!(classify(Some(5.0), None, None, 2.0, 0.5), Inconclusive);
        assert_eq!(stars(Some(0.0004)), "***");
        assert_eq!(stars(Some(0.04)), "*");
        assert_eq!(stars(Some(0.2)), "");
        assert_eq!(stars(None), "");
        assert!(ResistanceOptions::default().validate().is_ok());
        let bad = ResistanceOptions {
            collateral_threshold: 1.5,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn ten_fold_resistance_is_cross_resistance() {
        let x: Vec<f64> = (0..9)
            .flat_map(|i| std::iter::repeat_n(0.01 * 3f64.powi(i), 3))
            .collect();
        let curve = |e: f64, salt: usize| -> Vec<f64> {
            let p = Params {
                b: 1.2,
                c: 5.0,
                d: 100.0,
                e,
                f: 1.0,
            };
            x.iter()
                .enumerate()
                .map(|(i, &d)| p.eval(d) + (((i * 7 + salt) % 9) as f64 - 4.0) * 0.7)
                .collect()
        };
        let (yp, yr) = (curve(0.3, 1), curve(3.0, 2));
        let par = CurveData {
            dose: &x,
            response: &yp,
            weight: None,
        };
        let res = CurveData {
            dose: &x,
            response: &yr,
            weight: None,
        };
        let (rf, _) = resistance_factor(&par, &res, &ResistanceOptions::default()).unwrap();
        assert_eq!(rf.class, ResistanceClass::CrossResistance, "{rf:?}");
        assert!((rf.rf.unwrap() / 10.0 - 1.0).abs() < 0.15, "{rf:?}");
        assert!((rf.log2_rf.unwrap() - rf.rf.unwrap().log2()).abs() < 1e-12);
        assert_eq!(rf.stars, "***");
        assert_eq!(rf.test, RfTest::FTest);
        let abs = ResistanceOptions {
            potency: RfPotency::Absolute,
            ..Default::default()
        };
        let (rfa, _) = resistance_factor(&par, &res, &abs).unwrap();
        assert_eq!(rfa.test, RfTest::WaldLog);
        assert_eq!(rfa.class, ResistanceClass::CrossResistance, "{rfa:?}");
        // Swapped: collateral sensitivity.
        let (rs, _) = resistance_factor(&res, &par, &ResistanceOptions::default()).unwrap();
        assert_eq!(rs.class, ResistanceClass::CollateralSensitivity, "{rs:?}");
    }

    #[test]
    fn matrix_keeps_first_appearance_order() {
        let f = |v: f64| ResistanceFactor {
            potency: RfPotency::Relative,
            parental: None,
            resistant: None,
            rf: Some(v),
            lower: None,
            upper: None,
            log2_rf: None,
            p_value: None,
            test: RfTest::FTest,
            class: ResistanceClass::Inconclusive,
            stars: "",
            flags: CompareFlags::default(),
        };
        let m = ResistanceMatrix::from_entries([
            ("MI-503".to_string(), "M327I".to_string(), f(8.0)),
            ("venetoclax".to_string(), "T349M".to_string(), f(1.0)),
            ("MI-503".to_string(), "T349M".to_string(), f(6.0)),
        ]);
        assert_eq!(m.rows, ["MI-503", "venetoclax"]);
        assert_eq!(m.columns, ["M327I", "T349M"]);
        assert_eq!(m.cells[0][1].as_ref().unwrap().rf, Some(6.0));
        assert!(m.cells[1][0].is_none());
    }
}
