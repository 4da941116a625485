//! In vivo calibration rows: the published targets against the model's
//! seeded studies (the same studies `preclin simulate --scenario mi503`
//! writes, with the scenario's seed stream).
//!
//! | target | source | model quantity |
//! |---|---|---|
//! | MV4;11 xenograft, MI-503 60 mg/kg daily i.p.: > 80 % volume reduction | seed 000 Table 2; invivo_clinical.csv (Borkin 2015) | `−100 (mean V_end / mean V_0 − 1)`, caliper volumes of the treated group, day 0 → last day ([`volume_change`]) |
//! | … complete regression in some mice | as above ("complete regression in two mice") | treated mice with no palpable tumour on the last day: ≥ 1 and < n |
//! | MLL-AF9: median survival +≈ 45 % (MI-503) | seed 000 Table 2 [4] | `100 (median_T / median_C − 1)` of the true death days ([`median_survival_increase_pct`]), accepted 30–60 % |
//! | MLL-AF9: median survival +≈ 70 % (MI-463) | seed 000 Table 2 [4] | as above, accepted 55–85 % |
//! | ≈ 40 % (39 %) of relapses on menin-inhibitor monotherapy MEN1-mutant | clinical class summary (shared/reference); Perner 2023 | [`super::relapse_cohort`], revumenib alone, [`RELAPSE_PATIENTS`] patients, seed [`RELAPSE_SEED`]: % of relapses with ≥ 4 % mutant burden, accepted 30–50 % |
//! | far fewer with mezigdomide added | seed 002 | MEN1 share with mezigdomide / alone, accepted < 0.5 |
//!
//! The tolerance of the survival rows is sampling error: with 10 mice per
//! group the median death day has a relative SD of a few per cent (tempo
//! SD 0.1 on the log scale, N₀ SD 0.3 on a log-burden of ≈ 8.5).

use crate::SimError;
use crate::calibration::{CalibrationRow, row};
use crate::invivo_readouts::XenograftSim;
use crate::invivo_readouts::calibration::{median_survival_increase_pct, volume_change};
use crate::invivo_readouts::leukaemia::LeukaemiaSim;
use crate::params::Params;
use crate::pk::PkTable;

use super::{InVivoParams, SURVIVAL_GROUPS, survival, xenograft, xenograft_groups};

/// Mice per group of the calibration survival study (more than the
/// scenario's 10, so that the medians carry little sampling error).
pub const CALIBRATION_SURVIVAL_MICE: usize = 40;

/// Patients per arm of the relapse rows.
pub const RELAPSE_PATIENTS: usize = 300;

/// Seed of the relapse cohort of the calibration rows.
pub const RELAPSE_SEED: u64 = 5;

/// The simulated studies behind the in vivo rows.
#[derive(Debug, Clone)]
pub struct InVivoCalibration {
    /// The xenograft study.
    pub xenograft: XenograftSim,
    /// The survival study.
    pub survival: LeukaemiaSim,
    /// The rows.
    pub rows: Vec<CalibrationRow>,
}

/// The in vivo rows from the xenograft simulated with `xeno_seed` and the
/// survival study with `surv_seed` (the file's group sizes).
pub fn calibration_rows(
    params: &Params,
    pk: &PkTable,
    inv: &InVivoParams,
    xeno_seed: u64,
    surv_seed: u64,
) -> Result<InVivoCalibration, SimError> {
    let xs = xenograft(params, pk, inv, 0, xeno_seed)?;
    let surv = survival(params, pk, inv, CALIBRATION_SURVIVAL_MICE, surv_seed)?;
    let mut rows = Vec::new();
    let g = xenograft_groups(&inv.xenograft);
    let last = inv.xenograft.days as f64;
    let vc = volume_change(&xs, &g[1], last);
    rows.push(row(
        format!(
            "MV4;11 xenograft volume reduction, {} {} mg/kg daily {}, day 0 → {last}",
            g[1], inv.xenograft.dose_mg_per_kg, inv.xenograft.route
        ),
        "seed 000 Table 2; invivo_clinical.csv (Borkin 2015)",
        "> 80 %",
        Some(80.0),
        None,
        vc.as_ref().map(|v| -v.mean_change_pct),
        "%",
    ));
    let n = vc.as_ref().map_or(0, |v| v.n);
    rows.push(row(
        format!("MV4;11 xenograft complete regressions, {}", g[1]),
        "seed 000 Table 2: complete regression in some mice",
        "≥ 1 and < n",
        Some(1.0),
        Some(n.saturating_sub(1) as f64),
        vc.as_ref().map(|v| v.complete_regressions as f64),
        "mice",
    ));
    for (treated, target, lo, hi) in [("MI-503", 45.0, 30.0, 60.0), ("MI-463", 70.0, 55.0, 85.0)] {
        rows.push(row(
            format!("MLL-AF9 median survival increase, {treated}"),
            "seed 000 Table 2 [4]",
            &format!("≈ {target} % ({lo}–{hi})"),
            Some(lo),
            Some(hi),
            median_survival_increase_pct(&surv, SURVIVAL_GROUPS[0], treated),
            "%",
        ));
    }
    let (mono, combo) =
        super::relapse_cohort(params, &inv.relapse, RELAPSE_PATIENTS, RELAPSE_SEED)?;
    let (a, b) = (mono.pct_men1_of_relapses, combo.pct_men1_of_relapses);
    rows.push(row(
        format!(
            "% MEN1-mutant relapses, {} alone ({} {})",
            inv.relapse.menin_inhibitor, inv.relapse.line, inv.relapse.mutant
        ),
        "clinical class summary (39 %); Perner 2023",
        "≈ 40 % (30–50)",
        Some(30.0),
        Some(50.0),
        a,
        "%",
    ));
    rows.push(row(
        format!(
            "% MEN1-mutant relapses with {} / alone",
            inv.relapse.degrader
        ),
        "seed 002 (far fewer with mezigdomide)",
        "< 0.5",
        None,
        Some(0.5),
        match (a, b) {
            (Some(a), Some(b)) if a > 0.0 => Some(b / a),
            _ => None,
        },
        "fold",
    ));
    Ok(InVivoCalibration {
        xenograft: xs,
        survival: surv,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_in_vivo_row_passes_with_the_bundled_parameters() {
        let p = Params::bundled();
        let pk = PkTable::bundled();
        let inv = InVivoParams::bundled();
        for (xs, ss) in [(1, 101), (2, 102)] {
            let c = calibration_rows(&p, &pk, &inv, xs, ss).unwrap();
            assert_eq!(c.rows.len(), 6);
            for r in &c.rows {
                assert!(
                    r.pass,
                    "seeds {xs}/{ss}: {} = {:?} not in {}",
                    r.target, r.model, r.range
                );
            }
            // The vehicle tumours grow (≥ 5-fold by day 14) and every
            // vehicle mouse dies of its leukaemia before any treated one
            // reaches the median.
            let v = volume_change(&c.xenograft, "vehicle", 14.0).unwrap();
            assert!(v.mean_change_pct > 400.0, "{v:?}");
            let m =
                |g| crate::invivo_readouts::calibration::median_death_day(&c.survival, g).unwrap();
            assert!(
                m("vehicle") > 12.0 && m("vehicle") < 22.0,
                "{}",
                m("vehicle")
            );
            assert!(m("MI-463") > m("MI-503"));
        }
    }

    #[test]
    fn a_lower_tumour_exposure_fails_the_xenograft_rows() {
        let p = Params::bundled();
        let pk = PkTable::bundled();
        let mut inv = InVivoParams::bundled();
        inv.xenograft.tumour_exposure_fraction = 0.3;
        let c = calibration_rows(&p, &pk, &inv, 1, 101).unwrap();
        assert!(!c.rows[0].pass && !c.rows[1].pass);
        assert!(c.rows[2].pass && c.rows[3].pass);
    }
}
