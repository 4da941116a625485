//! Colony-forming assays: `sample, group, dish, colonies, cells_plated`
//! (the format of `examples/demo/cfu.csv`, read by `preclin cfu`).
//!
//! Expected colonies per dish = vehicle colonies × the model's colony
//! capacity in % of vehicle ([`crate::culture::Culture::colony_pct`]: the
//! survival probability 1 − d̄/b̄ of a plated cell's lineage, Kendall 1948).
//! Counts are over-dispersed: per sample a rate × exp(σ_s z − σ_s²/2), per
//! dish × exp(σ_d z − σ_d²/2), then Poisson (mean-preserving log-normal
//! factors).

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, fmt_dose};
use crate::SimError;
use crate::culture::Culture;
use crate::params::Params;

/// Cells plated per dish.
pub const CELLS_PLATED: f64 = 1000.0;
/// Vehicle colonies per dish (15 % plating efficiency; assumption).
pub const VEHICLE_COLONIES: f64 = 150.0;
/// Between-sample SD of ln rate.
pub const SAMPLE_SD: f64 = 0.12;
/// Dish-to-dish SD of ln rate.
pub const DISH_SD: f64 = 0.10;
/// (samples per group, dishes per sample).
pub const REPLICATES: (usize, usize) = (3, 2);

/// A colony assay: one line, one compound at several concentrations.
#[derive(Debug, Clone, PartialEq)]
pub struct CfuExperiment {
    /// Cell line.
    pub line: String,
    /// Compound.
    pub compound: String,
    /// Concentrations (nM); 0 is the vehicle group `DMSO`.
    pub doses_nm: Vec<f64>,
    /// Assay length (hours).
    pub hours: f64,
}

/// Writes `cfu.csv` and `cfu_truth.csv`.
pub fn write(
    params: &Params,
    exp: &CfuExperiment,
    seed: u64,
    files: &mut Files,
) -> Result<(), SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let c = Culture::new(params, &exp.line, &[exp.compound.as_str()])?;
    let mut csv = String::from("sample,group,dish,colonies,cells_plated\n");
    let mut truth = String::from(
        "group,dose_nM,hours,percent_of_vehicle,expected_colonies_per_dish,cells_plated,sample_log_sd,dish_log_sd\n",
    );
    let mut doses = exp.doses_nm.clone();
    if !doses.contains(&0.0) {
        doses.insert(0, 0.0);
    }
    for &d in &doses {
        let group = if d == 0.0 {
            "DMSO".to_string()
        } else {
            format!("{}_{}nM", exp.compound, fmt_dose(d))
        };
        let pct = if d == 0.0 {
            100.0
        } else {
            c.colony_pct(&[d * 1e-9], exp.hours)
        };
        let mu = VEHICLE_COLONIES * pct / 100.0;
        let _ = writeln!(
            truth,
            "{group},{},{},{pct:.4},{mu:.4},{CELLS_PLATED},{SAMPLE_SD},{DISH_SD}",
            fmt_dose(d),
            exp.hours
        );
        for s in 1..=REPLICATES.0 {
            let rate = mu * (SAMPLE_SD * n01.sample(&mut rng) - SAMPLE_SD.powi(2) / 2.0).exp();
            for dish in 1..=REPLICATES.1 {
                let lambda = rate * (DISH_SD * n01.sample(&mut rng) - DISH_SD.powi(2) / 2.0).exp();
                let k = if lambda > 0.0 {
                    Poisson::new(lambda)
                        .map_err(|e| SimError::Writer(e.to_string()))?
                        .sample(&mut rng) as u64
                } else {
                    0
                };
                let _ = writeln!(csv, "exp{s},{group},{dish},{k},{CELLS_PLATED}");
            }
        }
    }
    files.insert("cfu.csv".into(), csv.into_bytes());
    files.insert("cfu_truth.csv".into(), truth.into_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colonies_fall_with_dose() {
        let p = Params::bundled();
        let e = CfuExperiment {
            line: "MLL-AF9".into(),
            compound: "MI-503".into(),
            doses_nm: vec![0.0, 250.0, 1000.0],
            hours: 168.0,
        };
        let mut f = Files::new();
        write(&p, &e, 4, &mut f).unwrap();
        let csv = String::from_utf8(f["cfu.csv"].clone()).unwrap();
        let total = |g: &str| -> u64 {
            csv.lines()
                .filter(|l| l.contains(&format!(",{g},")))
                .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
                .sum()
        };
        assert!(total("DMSO") > 600, "{csv}");
        assert!(total("MI-503_1000nM") < total("MI-503_250nM"));
        assert!(total("MI-503_1000nM") < total("DMSO") / 2);
    }
}
