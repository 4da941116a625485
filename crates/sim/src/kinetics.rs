//! [`Kinetics`] for one cell line under a regimen: the mechanism as the
//! population and in vivo simulators see it.
//!
//! Clone 0 is the parental line; clone k ≥ 1 carries the k-th MEN1 mutant
//! given. Each clone keeps its program level: between two calls the
//! program relaxes exactly (`P(t) = P* + (P(t₀) − P*) e^{−k(t−t₀)}`) towards
//! the target of the concentrations of the *current* call (piecewise-
//! constant exposure between calls; call often relative to the program
//! half-life when concentrations change fast). The first call of a run
//! starts from the vehicle program P = 1.
//!
//! Rates: `birth` = division rate of undifferentiated cells; `death` =
//! differentiation + death of undifferentiated cells (differentiated
//! cells leave the leukaemic, dividing compartment).

use crate::SimError;
use crate::dynamics::{Kinetics, Rates};
use crate::mechanism::{engage, fate, program_target, relax};
use crate::params::{CellLine, Compound, Params};

/// The mechanism of one cell line under a regimen of compounds.
#[derive(Debug, Clone)]
pub struct LineKinetics {
    params: Params,
    line: CellLine,
    compounds: Vec<Compound>,
    /// Per clone: menin Kd fold shift per compound.
    shifts: Vec<Vec<f64>>,
    /// Per clone: (last time, program at it).
    state: Vec<Option<(f64, f64)>>,
}

impl LineKinetics {
    /// `line` under `compounds` (the order of the `conc` slices), with the
    /// parental clone and one clone per named MEN1 mutant.
    pub fn new(
        params: &Params,
        line: &str,
        compounds: &[&str],
        mutants: &[&str],
    ) -> Result<Self, SimError> {
        let l = params
            .cell_line(line)
            .ok_or_else(|| SimError::Unknown("cell line", line.to_string()))?;
        let cs = compounds
            .iter()
            .map(|c| {
                params
                    .compound(c)
                    .cloned()
                    .ok_or_else(|| SimError::Unknown("compound", c.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut shifts = vec![vec![1.0; cs.len()]];
        for m in mutants {
            let mu = params
                .men1_mutant(m)
                .ok_or_else(|| SimError::Unknown("MEN1 mutant", m.to_string()))?;
            shifts.push(cs.iter().map(|c| mu.shift_for(&c.name)).collect());
        }
        let n = shifts.len();
        Ok(LineKinetics {
            params: params.clone(),
            line: l.clone(),
            compounds: cs,
            shifts,
            state: vec![None; n],
        })
    }

    /// The program level of clone `k` at its last call (1 before any).
    pub fn program(&self, k: usize) -> f64 {
        self.state.get(k).copied().flatten().map_or(1.0, |(_, p)| p)
    }
}

impl Kinetics for LineKinetics {
    fn clones(&self) -> usize {
        self.shifts.len()
    }

    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates {
        let k = k.min(self.shifts.len() - 1);
        let refs: Vec<&Compound> = self.compounds.iter().collect();
        let e = engage(&refs, &self.shifts[k], conc);
        let m = &self.params.model;
        let target = program_target(m, &self.line, &e);
        let p = match self.state[k] {
            None => 1.0,
            Some((t0, p0)) => relax(m, p0, target, t_h - t0),
        };
        self.state[k] = Some((t_h, p));
        let r = fate(m, &self.line, &e, p);
        Rates {
            birth: r.birth,
            death: r.differentiation + r.death_undifferentiated,
        }
    }

    fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicle_net_rate_is_the_doubling_rate_and_drug_makes_it_negative() {
        let p = Params::bundled();
        let mut k = LineKinetics::new(&p, "MV4-11", &["revumenib"], &["M327I"]).unwrap();
        assert_eq!(k.clones(), 2);
        let r = k.rates(0, 0.0, &[0.0]);
        assert!((r.net() - std::f64::consts::LN_2 / 30.0).abs() < 1e-12);
        // Free revumenib at 100× Kd for 10 days: parental net rate < 0,
        // the M327I clone keeps growing.
        let c = [100.0 * p.compound("revumenib").unwrap().potency_molar];
        let mut t = 0.0;
        let (mut wt, mut mu) = (r, r);
        while t <= 240.0 {
            wt = k.rates(0, t, &c);
            mu = k.rates(1, t, &c);
            t += 6.0;
        }
        assert!(wt.net() < 0.0, "{wt:?}");
        assert!(mu.net() > 0.0, "{mu:?}");
        assert!(k.program(0) < 0.1);
        k.reset();
        assert_eq!(k.program(0), 1.0);
    }

    #[test]
    fn agrees_with_the_culture_ode() {
        // dU/dt = (birth − death) U integrated through the trait (Euler,
        // 0.05 h) against the culture's RK4 for the undifferentiated cells.
        let p = Params::bundled();
        let mut k = LineKinetics::new(&p, "MOLM-13", &["MI-503"], &[]).unwrap();
        let nominal = 300e-9;
        let free = nominal * p.compound("MI-503").unwrap().free_fraction;
        let c = crate::culture::Culture::new(&p, "MOLM-13", &["MI-503"]).unwrap();
        let s0 = c.seeded();
        let (mut u, mut t, dt) = (s0.undifferentiated, 0.0, 0.05);
        while t < 168.0 - 1e-9 {
            let r = k.rates(0, t + dt / 2.0, &[free]);
            u *= (r.net() * dt).exp();
            t += dt;
        }
        let want = c.run(&[nominal], 168.0).undifferentiated;
        assert!((u / want - 1.0).abs() < 0.02, "{u} vs {want}");
    }

    #[test]
    fn unknown_names_are_errors() {
        let p = Params::bundled();
        assert!(LineKinetics::new(&p, "nope", &["MI-503"], &[]).is_err());
        assert!(LineKinetics::new(&p, "SEM", &["nope"], &[]).is_err());
        assert!(LineKinetics::new(&p, "SEM", &["MI-503"], &["X1Y"]).is_err());
    }
}
