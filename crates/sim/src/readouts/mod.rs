//! Readouts: the mechanism's cell states turned into instrument files with
//! realistic noise, each with its truth.
//!
//! Every writer adds files to a [`Files`] set (relative path → bytes) from
//! its own seeded random stream (Xoshiro256++), so that the same seed gives
//! the same bytes and adding one readout does not change the others.
//!
//! | module | files | noise |
//! |---|---|---|
//! | [`plates`] | `plates_<assay>_<line>.csv` (plate-reader matrix export), `layout_<assay>.csv`, `plate_info_<assay>.csv`, `t0_<assay>_<line>.csv`, `viability_truth_<assay>.csv` | reader (MTT absorbance or CellTiter-Glo luminescence): blank + signal·(1 + cv·ε) + sd·ε (`preclin_invitro::simulate`); between experiments: vehicle ±5 %, potency 10^N(0, 0.08); edge wells +3 % (evaporation) |
//! | [`combination`] | `combination_<name>.csv` (SynergyFinder long table), `combination_<name>_truth.csv` | 4 % (absolute) well noise, triplicates |
//! | [`qpcr`] | `qpcr.csv` (tidy Ct), `qpcr_truth.csv` | input N(0, 0.35), biological N(0, sd), technical N(0, 0.15) cycles |
//! | [`cfu`] | `cfu.csv`, `cfu_truth.csv` | log-normal sample and dish rates, Poisson counts |
//! | [`resistance`] | `resistance.csv` (tidy: compound, cell_line, variant, dose, …), `resistance_truth.csv` (GI50, RF) | 4 % (absolute) well noise, triplicates |
//! | [`flow`] | `flow_<line>_<condition>.fcs` (FCS 3.1), `flow_gates.xml` (Gating-ML 2.0), `flow_truth.csv` | bimodal log-normal markers, debris, spillover |

use std::collections::BTreeMap;

pub mod cfu;
pub mod combination;
pub mod flow;
pub mod plates;
pub mod qpcr;
pub mod resistance;

/// Files written by a simulation: relative path → contents.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Formats a dose as a dilution sheet prints it: 4 significant digits,
/// trailing zeros removed.
pub fn fmt_dose(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let mag = 10f64.powf(x.abs().log10().floor() - 3.0);
    let r = (x / mag).round() * mag;
    let s = format!("{r:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `n` doses from `top`, 3-fold apart, highest first, rounded by [`fmt_dose`].
pub fn three_fold(top: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            fmt_dose(top / 3f64.powi(k as i32))
                .parse()
                .unwrap_or(top / 3f64.powi(k as i32))
        })
        .collect()
}

/// An optional number as a CSV cell (empty when None), 4 significant decimals.
pub fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_print_like_a_dilution_sheet() {
        assert_eq!(three_fold(10_000.0, 9)[1], 3333.0);
        assert_eq!(three_fold(10_000.0, 9)[8], 1.524);
        assert_eq!(fmt_dose(0.0), "0");
        assert_eq!(fmt_dose(1.0 / 3.0), "0.3333");
    }
}
