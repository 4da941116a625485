//! Combination blocks in SynergyFinder's long format (the format of
//! `examples/demo/combination.csv`, read by `preclin synergy`).
//!
//! Response = the model's viable cells in % of vehicle at the read time for
//! each dose pair ([`crate::culture::Culture::viability_pct`] with both
//! compounds), + N(0, 4²) well noise, in triplicate. The truth file gives
//! the single-agent GI50s and the model's mean Bliss excess over the
//! block's non-zero cells ([`crate::calibration::bliss_excess`]).

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, cell, fmt_dose};
use crate::SimError;
use crate::calibration::{GI50_SEARCH_MAX, bliss_excess, block_doses};
use crate::culture::Culture;
use crate::params::Params;

/// Well-to-well SD of the response (percentage points).
pub const WELL_SD: f64 = 4.0;

/// Replicate wells per dose pair.
pub const REPLICATES: usize = 3;

/// One combination block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Name used in file names (`combination_<name>.csv`).
    pub name: String,
    /// Cell line.
    pub line: String,
    /// The two compounds.
    pub drugs: [String; 2],
    /// Their top doses (nM); 0 and seven 3-fold doses below each.
    pub tops_nm: [f64; 2],
    /// Read time (hours).
    pub hours: f64,
}

/// Writes `combination_<name>.csv` and `combination_<name>_truth.csv`.
pub fn write(params: &Params, block: &Block, seed: u64, files: &mut Files) -> Result<(), SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let drugs = [block.drugs[0].as_str(), block.drugs[1].as_str()];
    let c = Culture::new(params, &block.line, &drugs)?;
    let line = c.line().file_name();
    let (d1, d2) = (block_doses(block.tops_nm[0]), block_doses(block.tops_nm[1]));
    let round = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|x| fmt_dose(*x).parse().unwrap_or(*x))
            .collect()
    };
    let (d1, d2) = (round(&d1), round(&d2));
    let mut csv =
        String::from("block_id,cell_line,drug1,drug2,conc1,conc2,response,conc_unit1,conc_unit2\n");
    for &a in &d1 {
        for &b in &d2 {
            let v = c.viability_pct(&[a * 1e-9, b * 1e-9], block.hours);
            for _ in 0..REPLICATES {
                let r = v + WELL_SD * n01.sample(&mut rng);
                let _ = writeln!(
                    csv,
                    "1,{line},{},{},{},{},{r:.3},nM,nM",
                    drugs[0],
                    drugs[1],
                    fmt_dose(a),
                    fmt_dose(b)
                );
            }
        }
    }
    let excess = bliss_excess(params, &block.line, drugs, block.tops_nm, block.hours)?;
    let mut truth = String::from("block_id,cell_line,drug,hours,gi50_nM,mean_bliss_excess\n");
    for d in drugs.iter() {
        let single = Culture::new(params, &block.line, &[d])?;
        let _ = writeln!(
            truth,
            "1,{line},{d},{},{},{excess:.4}",
            block.hours,
            cell(single.gi50(block.hours, GI50_SEARCH_MAX).map(|x| x * 1e9))
        );
    }
    files.insert(format!("combination_{}.csv", block.name), csv.into_bytes());
    files.insert(
        format!("combination_{}_truth.csv", block.name),
        truth.into_bytes(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_has_every_dose_pair_in_triplicate_and_positive_truth() {
        let p = Params::bundled();
        let b = Block {
            name: "mezi".into(),
            line: "MOLM-13".into(),
            drugs: ["MI-503".into(), "mezigdomide".into()],
            tops_nm: [1000.0, 10.0],
            hours: 168.0,
        };
        let mut f = Files::new();
        write(&p, &b, 3, &mut f).unwrap();
        let csv = String::from_utf8(f["combination_mezi.csv"].clone()).unwrap();
        assert_eq!(csv.lines().count(), 1 + 64 * 3);
        assert!(csv.contains("1,MOLM-13,MI-503,mezigdomide,1000,10,"));
        let truth = String::from_utf8(f["combination_mezi_truth.csv"].clone()).unwrap();
        let excess: f64 = truth
            .lines()
            .nth(1)
            .unwrap()
            .rsplit(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(excess > 2.0, "{truth}");
    }
}
