//! MEN1-mutant cross-resistance: a tidy viability table of a parental line
//! and its MEN1-mutant clones (`compound, cell_line, variant, dose,
//! dose_unit, replicate, response`; the format of
//! `examples/resistance/viability.csv`, read by `preclin resistance` and
//! `preclin analyze`'s `cross_resistance` kind).
//!
//! Response = the model's viable cells of the clone in % of the clone's own
//! vehicle at the read time ([`crate::culture::Culture::with_mutant`]),
//! nine 3-fold doses and vehicle in triplicate, + N(0, 4²) well noise. The
//! truth gives each clone's GI50 and its resistance factor RF = GI50(mutant)
//! / GI50(parental) from the model (empty where a GI50 is not reached).

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, cell, fmt_dose, three_fold};
use crate::SimError;
use crate::calibration::GI50_SEARCH_MAX;
use crate::culture::Culture;
use crate::params::Params;

/// Well-to-well SD (percentage points).
pub const WELL_SD: f64 = 4.0;

/// Name of the parental variant.
pub const PARENTAL: &str = "WT";

/// A cross-resistance experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ResistanceExperiment {
    /// Parental line.
    pub line: String,
    /// MEN1 mutants (names in the parameter file).
    pub mutants: Vec<String>,
    /// Compounds with their top dose (nM).
    pub compounds: Vec<(String, f64)>,
    /// Read time (hours).
    pub hours: f64,
}

/// Writes `resistance.csv` and `resistance_truth.csv`.
pub fn write(
    params: &Params,
    exp: &ResistanceExperiment,
    seed: u64,
    files: &mut Files,
) -> Result<(), SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let mut csv = String::from("compound,cell_line,variant,dose,dose_unit,replicate,response\n");
    let mut truth = String::from("compound,cell_line,variant,hours,gi50_nM,rf\n");
    for (compound, top) in &exp.compounds {
        let wt = Culture::new(params, &exp.line, &[compound.as_str()])?;
        let line = wt.line().file_name();
        let wt_gi50 = wt.gi50(exp.hours, GI50_SEARCH_MAX);
        let mut variants = vec![(PARENTAL.to_string(), wt.clone())];
        for m in &exp.mutants {
            let mu = params
                .men1_mutant(m)
                .ok_or_else(|| SimError::Unknown("MEN1 mutant", m.clone()))?;
            variants.push((mu.name.clone(), wt.clone().with_mutant(mu)));
        }
        let mut doses = vec![0.0];
        doses.extend(three_fold(*top, 9).into_iter().rev());
        for (name, c) in &variants {
            let g = c.gi50(exp.hours, GI50_SEARCH_MAX);
            let rf = match (g, wt_gi50) {
                (Some(a), Some(b)) => Some(a / b),
                _ => None,
            };
            let _ = writeln!(
                truth,
                "{compound},{line},{name},{},{},{}",
                exp.hours,
                cell(g.map(|x| x * 1e9)),
                cell(rf)
            );
            for &d in &doses {
                let v = c.viability_pct(&[d * 1e-9], exp.hours);
                for rep in 1..=3 {
                    let r = v + WELL_SD * n01.sample(&mut rng);
                    let _ = writeln!(
                        csv,
                        "{compound},{line},{name},{},nM,{rep},{r:.2}",
                        fmt_dose(d)
                    );
                }
            }
        }
    }
    files.insert("resistance.csv".into(), csv.into_bytes());
    files.insert("resistance_truth.csv".into(), truth.into_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revumenib_loses_bleximenib_keeps_potency_in_m327i() {
        let p = Params::bundled();
        let e = ResistanceExperiment {
            line: "MV4-11".into(),
            mutants: vec!["M327I".into()],
            compounds: vec![
                ("revumenib".into(), 10_000.0),
                ("bleximenib".into(), 10_000.0),
            ],
            hours: 168.0,
        };
        let mut f = Files::new();
        write(&p, &e, 1, &mut f).unwrap();
        let truth = String::from_utf8(f["resistance_truth.csv"].clone()).unwrap();
        let rf = |c: &str| -> f64 {
            truth
                .lines()
                .find(|l| l.starts_with(&format!("{c},MV4-11,M327I,")))
                .unwrap()
                .rsplit(',')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(rf("revumenib") > 10.0, "{truth}");
        assert!(rf("bleximenib") < 3.0, "{truth}");
        let csv = String::from_utf8(f["resistance.csv"].clone()).unwrap();
        assert_eq!(csv.lines().count(), 1 + 2 * 2 * 10 * 3);
    }
}
