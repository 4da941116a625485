//! qRT-PCR: a tidy Ct table (`sample, group, gene, ct, replicate`, the
//! format of `examples/demo/qpcr.csv`, read by `preclin qpcr`).
//!
//! Expression of gene g relative to vehicle is `P(T)^s_g`, P the program
//! after T hours at the group's concentration
//! ([`crate::culture::Culture::run`]); reference genes have s = 0.
//! `Ct = Ct_vehicle,g − log2(P^s_g) + input + bio + tech`: per sample an
//! input (RNA / cDNA) offset N(0, 0.35) shared by all its genes, per sample
//! × gene a biological deviation N(0, 0.25) (0.1 for reference genes), per
//! well N(0, 0.15); three samples per group, three wells per sample × gene,
//! Ct printed with 3 decimals.

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, fmt_dose};
use crate::SimError;
use crate::culture::Culture;
use crate::params::Params;

/// Input SD (cycles).
pub const INPUT_SD: f64 = 0.35;
/// Biological SD of a target gene (cycles).
pub const TARGET_SD: f64 = 0.25;
/// Biological SD of a reference gene (cycles).
pub const REFERENCE_SD: f64 = 0.1;
/// Technical SD (cycles).
pub const TECHNICAL_SD: f64 = 0.15;
/// (samples per group, wells per sample × gene).
pub const REPLICATES: (usize, usize) = (3, 3);

/// A qPCR experiment: one line, one compound at several concentrations.
#[derive(Debug, Clone, PartialEq)]
pub struct QpcrExperiment {
    /// Cell line.
    pub line: String,
    /// Compound.
    pub compound: String,
    /// Concentrations (nM); 0 is the vehicle group `DMSO`.
    pub doses_nm: Vec<f64>,
    /// Treatment time (hours).
    pub hours: f64,
}

impl QpcrExperiment {
    /// Group name of a dose (`DMSO` for 0, else `<compound>_<dose>nM`).
    pub fn group(&self, dose: f64) -> String {
        if dose == 0.0 {
            "DMSO".into()
        } else {
            format!("{}_{}nM", self.compound, fmt_dose(dose))
        }
    }
}

/// Writes `qpcr.csv` and `qpcr_truth.csv`.
pub fn write(
    params: &Params,
    exp: &QpcrExperiment,
    seed: u64,
    files: &mut Files,
) -> Result<(), SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let c = Culture::new(params, &exp.line, &[exp.compound.as_str()])?;
    let mut csv = String::from("sample,group,gene,ct,replicate\n");
    let mut truth = String::from("gene,role,group,dose_nM,hours,program,fold_change,ct_vehicle\n");
    let mut doses = exp.doses_nm.clone();
    if !doses.contains(&0.0) {
        doses.insert(0, 0.0);
    }
    for &d in &doses {
        let group = exp.group(d);
        let program = c.run(&[d * 1e-9], exp.hours).program;
        for g in &params.genes {
            let fold = program.powf(g.program_exponent);
            let _ = writeln!(
                truth,
                "{},{},{group},{},{},{program:.6},{fold:.6},{}",
                g.name,
                if g.reference { "reference" } else { "target" },
                fmt_dose(d),
                exp.hours,
                g.ct_vehicle
            );
        }
        for rep in 1..=REPLICATES.0 {
            let sample = format!("{group}_r{rep}");
            let input = INPUT_SD * n01.sample(&mut rng);
            for g in &params.genes {
                let sd = if g.reference { REFERENCE_SD } else { TARGET_SD };
                let fold = program.powf(g.program_exponent);
                let ct = g.ct_vehicle - fold.log2() + input + sd * n01.sample(&mut rng);
                for tech in 1..=REPLICATES.1 {
                    let well = ct + TECHNICAL_SD * n01.sample(&mut rng);
                    let _ = writeln!(csv, "{sample},{group},{},{well:.3},{tech}", g.name);
                }
            }
        }
    }
    files.insert("qpcr.csv".into(), csv.into_bytes());
    files.insert("qpcr_truth.csv".into(), truth.into_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hoxa9_ct_rises_by_minus_log2_fold() {
        let p = Params::bundled();
        let e = QpcrExperiment {
            line: "MV4-11".into(),
            compound: "MI-503".into(),
            doses_nm: vec![0.0, 1000.0],
            hours: 144.0,
        };
        let mut f = Files::new();
        write(&p, &e, 9, &mut f).unwrap();
        let csv = String::from_utf8(f["qpcr.csv"].clone()).unwrap();
        let mean = |group: &str, gene: &str| {
            let v: Vec<f64> = csv
                .lines()
                .filter(|l| l.contains(&format!(",{group},{gene},")))
                .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        let ddct = (mean("MI-503_1000nM", "HOXA9") - mean("MI-503_1000nM", "ACTB"))
            - (mean("DMSO", "HOXA9") - mean("DMSO", "ACTB"));
        // Truth fold ≈ 0.18 → ΔΔCt ≈ 2.5 cycles.
        assert!((ddct - 2.47).abs() < 0.8, "{ddct}");
    }
}
