//! Resistance at relapse on the real mechanism: a virtual patient cohort
//! ([`crate::cohort`]) whose clones are the parental line, its MEN1 mutant
//! (both [`LineKinetics`]) and a non-MEN1 resistant clone — the same line
//! with a lower menin dependence (`other_menin_dependence`; adaptive,
//! menin-independent resistance such as the non-genetic relapses of
//! Perner 2023, an assumption) — under revumenib alone or with
//! mezigdomide at human doses ([`exposure`]). Target: ≈ 40 % (39 %) of relapses on menin-inhibitor
//! monotherapy carry MEN1 mutations, far fewer with mezigdomide (seed 002;
//! the clinical class summary in `invivo_readouts::calibration`).
//!
//! Calibration: the MEN1 mutation rate per division and the pre-existing
//! MEN1-mutant fraction (`invivo.toml`) were lowered until ≈ 40 % of
//! monotherapy relapses carry the mutation; with mezigdomide 1 mg daily
//! the share falls to about a fifth (mezigdomide removes the program of
//! the M327I clone by the IKZF1 route) — not tuned.

use crate::SimError;
use crate::cohort::{CohortDesign, CohortSummary, simulate_cohort};
use crate::dynamics::{Kinetics, Rates};
use crate::kinetics::LineKinetics;
use crate::params::Params;
use crate::pk::{Exposure, PkTable, Profile, Regimen, Route};

use super::RelapseParams;

/// Clones `[parental, MEN1 mutant]` from one kinetics and the
/// `other resistant` clone (index 2) from a second one's parental clone.
#[derive(Debug, Clone)]
pub struct WithOther {
    /// Parental and MEN1-mutant clones.
    pub men1: LineKinetics,
    /// Its clone 0 is the other resistant clone.
    pub other: LineKinetics,
}

impl Kinetics for WithOther {
    fn clones(&self) -> usize {
        3
    }
    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates {
        if k >= 2 {
            self.other.rates(0, t_h, conc)
        } else {
            self.men1.rates(k, t_h, conc)
        }
    }
    fn reset(&mut self) {
        self.men1.reset();
        self.other.reset();
    }
}

/// The cohort's kinetics for `r`, compounds `[menin inhibitor, degrader]`.
pub fn relapse_kinetics(params: &Params, r: &RelapseParams) -> Result<WithOther, SimError> {
    let compounds = [r.menin_inhibitor.as_str(), r.degrader.as_str()];
    let men1 = LineKinetics::new(params, &r.line, &compounds, &[&r.mutant])?;
    let mut p2 = params.clone();
    let line = params
        .cell_line(&r.line)
        .ok_or_else(|| SimError::Unknown("cell line", r.line.clone()))?
        .name
        .clone();
    for l in p2.cell_lines.iter_mut().filter(|l| l.name == line) {
        l.menin_dependence = r.other_menin_dependence;
    }
    let other = LineKinetics::new(&p2, &r.line, &compounds, &[])?;
    Ok(WithOther { men1, other })
}

/// Cohort design of the relapse rows: the cohort defaults with the file's
/// mutation rates and pre-existing fractions, `patients` patients.
pub fn relapse_design(r: &RelapseParams, patients: usize) -> CohortDesign {
    let mut d = CohortDesign {
        patients,
        ..CohortDesign::default()
    };
    d.initial_fraction = vec![0.0, r.men1_initial_fraction, r.other_initial_fraction];
    d.mutations[0].mu = r.men1_mu_per_division;
    d.mutations[1].mu = r.other_mu_per_division;
    d
}

/// Human exposure, compounds `[menin inhibitor, degrader]`, for `days`
/// days: revumenib 163 mg q12h orally (AUGMENT-101 phase 2 dose with a
/// strong CYP3A4 inhibitor, Issa 2025; 2.33 mg/kg for 70 kg) and, when
/// `with_degrader`, the degrader at `degrader_mg_per_day` once daily
/// orally (70 kg). Kinetics from the bundled `pk.toml`.
pub fn exposure(
    r: &RelapseParams,
    with_degrader: bool,
    days: usize,
) -> Result<Exposure, crate::pk::PkError> {
    let t = PkTable::bundled();
    let mi = Regimen {
        mg_per_kg: 163.0 / 70.0,
        interval_h: 12.0,
        n_doses: 2 * days,
        route: Route::Oral,
        start_h: 0.0,
    };
    let deg = Regimen::daily(
        r.degrader_mg_per_day / 70.0,
        Route::Oral,
        if with_degrader { days } else { 0 },
    );
    Ok(Exposure {
        profiles: vec![
            Profile::new(t.get(&r.menin_inhibitor)?, &[mi])?,
            Profile::new(t.get(&r.degrader)?, &[deg])?,
        ],
    })
}

/// Simulates the cohort on the menin inhibitor alone and with the degrader:
/// (monotherapy, combination) summaries.
pub fn relapse_cohort(
    params: &Params,
    r: &RelapseParams,
    patients: usize,
    seed: u64,
) -> Result<(CohortSummary, CohortSummary), SimError> {
    let kin = relapse_kinetics(params, r)?;
    let design = relapse_design(r, patients);
    let days = design.horizon_days.ceil() as usize;
    let run = |mezi: bool| -> Result<CohortSummary, SimError> {
        let e = exposure(r, mezi, days).map_err(|e| SimError::InVivo(e.to_string()))?;
        let (_, s) = simulate_cohort(&kin, &e, &design, seed)
            .map_err(|e| SimError::InVivo(e.to_string()))?;
        Ok(s)
    };
    Ok((run(false)?, run(true)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invivo::InVivoParams;

    #[test]
    fn relapses_are_called_and_mezigdomide_lowers_the_men1_share() {
        let p = Params::bundled();
        let r = InVivoParams::bundled().relapse;
        let mut k = relapse_kinetics(&p, &r).unwrap();
        assert_eq!(k.clones(), 3);
        // Without drug the three clones grow alike; at a high revumenib
        // concentration the MEN1 mutant and the other clone outgrow the
        // parental one after the program has relaxed.
        let c = [1e-7, 0.0];
        let mut net = [0.0; 3];
        for t in (0..=20).map(|i| i as f64 * 12.0) {
            for (i, n) in net.iter_mut().enumerate() {
                *n = k.rates(i, t, &c).net();
            }
        }
        assert!(
            net[0] < 0.0 && net[1] > net[0] && net[2] > net[0],
            "{net:?}"
        );
        let (mono, combo) = relapse_cohort(&p, &r, 60, 5).unwrap();
        assert_eq!(mono.n, 60);
        let (a, b) = (
            mono.pct_men1_of_relapses.unwrap(),
            combo.pct_men1_of_relapses.unwrap(),
        );
        assert!(a >= b, "{a} vs {b}");
        assert!(mono.relapsed > 30, "{mono:?}");
    }
}
