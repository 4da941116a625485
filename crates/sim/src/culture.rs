//! The in vitro well / flask: a deterministic ODE for a large population
//! at constant drug concentrations.
//!
//! State: program `P`, undifferentiated cells `U`, differentiated cells
//! `Dc` and dead cells `X` (relative to the cells seeded):
//!
//! ```text
//! dP/dt  = k (P* − P)
//! dU/dt  = (b(P) − κ(P) − δ_u(P)) U
//! dDc/dt = κ(P) U − δ_d(P) Dc
//! dX/dt  = δ_u U + δ_d Dc
//! ```
//!
//! with the rates of [`crate::mechanism::fate`]. Free concentrations are
//! the nominal ones times the compound's `free_fraction` in medium. The
//! seeded cells come from a log-phase vehicle culture: `P = 1` and the
//! differentiated share at its exponential-growth balance
//! `Dc/U = κ_b / (r + δ_d)`, r = ln 2 / Td. Integration: classical RK4 with
//! a fixed step of [`STEP_H`] hours (deterministic).
//!
//! Viable cells `U + Dc` are what MTT / CellTiter-Glo read (differentiated
//! cells are assumed to reduce MTT like blasts — assumption).

use crate::SimError;
use crate::mechanism::{Engagement, engage, fate, program_rate, program_target};
use crate::params::{CellLine, Compound, Men1Mutant, Params};

/// RK4 step (hours).
pub const STEP_H: f64 = 0.5;

/// State of a culture (cells relative to the number seeded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CultureState {
    /// Program level (vehicle 1).
    pub program: f64,
    /// Undifferentiated (dividing) cells.
    pub undifferentiated: f64,
    /// Differentiated (non-dividing) cells.
    pub differentiated: f64,
    /// Dead cells.
    pub dead: f64,
}

impl CultureState {
    /// Viable cells U + Dc.
    pub fn viable(&self) -> f64 {
        self.undifferentiated + self.differentiated
    }

    /// Share of differentiated cells among viable cells.
    pub fn differentiated_fraction(&self) -> f64 {
        let v = self.viable();
        if v > 0.0 {
            self.differentiated / v
        } else {
            0.0
        }
    }
}

/// One cell line (or MEN1-mutant clone of it) in culture with a set of
/// compounds.
#[derive(Debug, Clone)]
pub struct Culture<'a> {
    params: &'a Params,
    line: &'a CellLine,
    compounds: Vec<&'a Compound>,
    shifts: Vec<f64>,
}

impl<'a> Culture<'a> {
    /// A culture of `line` exposed to `compounds` (names or aliases).
    pub fn new(params: &'a Params, line: &str, compounds: &[&str]) -> Result<Self, SimError> {
        let line = params
            .cell_line(line)
            .ok_or_else(|| SimError::Unknown("cell line", line.to_string()))?;
        let compounds = compounds
            .iter()
            .map(|c| {
                params
                    .compound(c)
                    .ok_or_else(|| SimError::Unknown("compound", c.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shifts = vec![1.0; compounds.len()];
        Ok(Culture {
            params,
            line,
            compounds,
            shifts,
        })
    }

    /// The same culture carrying a MEN1 mutation.
    pub fn with_mutant(mut self, mutant: &Men1Mutant) -> Self {
        self.shifts = self
            .compounds
            .iter()
            .map(|c| mutant.shift_for(&c.name))
            .collect();
        self
    }

    /// The cell line.
    pub fn line(&self) -> &CellLine {
        self.line
    }

    /// Engagement at nominal concentrations `conc` (molar).
    pub fn engagement(&self, conc: &[f64]) -> Engagement {
        let free: Vec<f64> = self
            .compounds
            .iter()
            .zip(conc)
            .map(|(c, x)| x * c.free_fraction)
            .collect();
        engage(&self.compounds, &self.shifts, &free)
    }

    /// The seeded state (log-phase vehicle culture, total 1).
    pub fn seeded(&self) -> CultureState {
        let m = &self.params.model;
        let r = std::f64::consts::LN_2 / self.line.doubling_time_h;
        let ratio = m.diff_basal_per_h / (r + m.differentiated_death_per_h);
        CultureState {
            program: 1.0,
            undifferentiated: 1.0 / (1.0 + ratio),
            differentiated: ratio / (1.0 + ratio),
            dead: 0.0,
        }
    }

    /// State after `hours` at constant nominal concentrations `conc` (molar).
    pub fn run(&self, conc: &[f64], hours: f64) -> CultureState {
        self.trajectory(conc, hours, |_, _| {})
    }

    /// Integrates for `hours`, calling `visit(t, state)` after every step;
    /// returns the final state.
    pub fn trajectory(
        &self,
        conc: &[f64],
        hours: f64,
        mut visit: impl FnMut(f64, &CultureState),
    ) -> CultureState {
        let m = &self.params.model;
        let e = self.engagement(conc);
        let target = program_target(m, self.line, &e);
        let k = program_rate(m);
        let deriv = |y: [f64; 4]| -> [f64; 4] {
            let r = fate(m, self.line, &e, y[0]);
            let du = (r.birth - r.differentiation - r.death_undifferentiated) * y[1];
            let dd = r.differentiation * y[1] - r.death_differentiated * y[2];
            let dx = r.death_undifferentiated * y[1] + r.death_differentiated * y[2];
            [k * (target - y[0]), du, dd, dx]
        };
        let s0 = self.seeded();
        let mut y = [s0.program, s0.undifferentiated, s0.differentiated, s0.dead];
        let steps = (hours / STEP_H).ceil().max(0.0) as usize;
        let h = if steps > 0 { hours / steps as f64 } else { 0.0 };
        for i in 0..steps {
            let k1 = deriv(y);
            let k2 = deriv(add(y, k1, h / 2.0));
            let k3 = deriv(add(y, k2, h / 2.0));
            let k4 = deriv(add(y, k3, h));
            for j in 0..4 {
                y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
            }
            visit((i + 1) as f64 * h, &state(y));
        }
        state(y)
    }

    /// Viable cells at `hours` in % of the vehicle culture.
    pub fn viability_pct(&self, conc: &[f64], hours: f64) -> f64 {
        let zero = vec![0.0; self.compounds.len()];
        100.0 * self.run(conc, hours).viable() / self.run(&zero, hours).viable()
    }

    /// Colony-forming capacity in % of vehicle over a `hours`-long
    /// methylcellulose assay: a plated cell founds a colony if its lineage
    /// survives, probability `1 − d̄/b̄` for a linear birth–death process
    /// with birth b̄ and loss d̄ = κ̄ + δ̄_u (Kendall 1948), rates averaged
    /// along the program's trajectory.
    pub fn colony_pct(&self, conc: &[f64], hours: f64) -> f64 {
        let zero = vec![0.0; self.compounds.len()];
        let p = self.colony_probability(conc, hours);
        let p0 = self.colony_probability(&zero, hours);
        if p0 > 0.0 { 100.0 * p / p0 } else { 0.0 }
    }

    fn colony_probability(&self, conc: &[f64], hours: f64) -> f64 {
        let m = &self.params.model;
        let e = self.engagement(conc);
        let (mut b, mut d, mut n) = (0.0, 0.0, 0usize);
        self.trajectory(conc, hours, |_, s| {
            let r = fate(m, self.line, &e, s.program);
            b += r.birth;
            d += r.differentiation + r.death_undifferentiated;
            n += 1;
        });
        if n == 0 || b <= 0.0 {
            return 0.0;
        }
        (1.0 - d / b).max(0.0)
    }

    /// The concentration (molar) of compound 0 at which viable cells at
    /// `hours` are 50 % of vehicle (absolute GI50 on the %-of-vehicle
    /// scale), the other compounds absent; None if not reached below
    /// `max_molar`. Bisection on log concentration to 1e-6 decades.
    pub fn gi50(&self, hours: f64, max_molar: f64) -> Option<f64> {
        let others = vec![0.0; self.compounds.len().saturating_sub(1)];
        self.gi50_with(hours, max_molar, &others)
    }

    /// As [`Culture::gi50`] with compounds 1.. held at `others` (molar);
    /// viability is relative to the vehicle without any compound.
    pub fn gi50_with(&self, hours: f64, max_molar: f64, others: &[f64]) -> Option<f64> {
        let n = self.compounds.len();
        let at = |c: f64| {
            let mut conc = vec![0.0; n];
            conc[0] = c;
            for (k, o) in others.iter().enumerate() {
                if k + 1 < n {
                    conc[k + 1] = *o;
                }
            }
            self.viability_pct(&conc, hours)
        };
        if n == 0 || at(max_molar) > 50.0 {
            return None;
        }
        let (mut lo, mut hi) = ((1e-15f64).ln(), max_molar.ln());
        if at(lo.exp()) <= 50.0 {
            return None;
        }
        while hi - lo > 1e-6 * std::f64::consts::LN_10 {
            let mid = 0.5 * (lo + hi);
            if at(mid.exp()) > 50.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some((0.5 * (lo + hi)).exp())
    }
}

fn add(y: [f64; 4], k: [f64; 4], h: f64) -> [f64; 4] {
    [
        y[0] + h * k[0],
        y[1] + h * k[1],
        y[2] + h * k[2],
        y[3] + h * k[3],
    ]
}

fn state(y: [f64; 4]) -> CultureState {
    CultureState {
        program: y[0],
        undifferentiated: y[1].max(0.0),
        differentiated: y[2].max(0.0),
        dead: y[3].max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicle_doubles_once_per_doubling_time() {
        let p = Params::bundled();
        let c = Culture::new(&p, "MV4-11", &["MI-503"]).unwrap();
        let td = c.line().doubling_time_h;
        let s = c.run(&[0.0], 3.0 * td);
        assert!(
            (s.viable() / c.seeded().viable() - 8.0).abs() < 1e-3,
            "{}",
            s.viable()
        );
    }

    #[test]
    fn menin_inhibitor_differentiates_dependent_cells_only() {
        let p = Params::bundled();
        let mv = Culture::new(&p, "MV4-11", &["MI-503"]).unwrap();
        let s = mv.run(&[1e-6], 168.0);
        assert!(s.differentiated_fraction() > 0.5, "{s:?}");
        assert!(s.program < 0.2, "{s:?}");
        let hek = Culture::new(&p, "HEK293", &["MI-503"]).unwrap();
        assert!(hek.viability_pct(&[1e-6], 168.0) > 90.0);
    }

    #[test]
    fn other_drugs_act_through_the_mechanism() {
        let p = Params::bundled();
        let gi50 = |line: &str, drug: &str| {
            Culture::new(&p, line, &[drug])
                .unwrap()
                .gi50(168.0, 3e-5)
                .unwrap_or(3e-5)
        };
        // FLT3 inhibitors need FLT3-ITD.
        let (itd, wt) = (gi50("MV4-11", "gilteritinib"), gi50("SEM", "gilteritinib"));
        assert!(wt > 100.0 * itd, "gilteritinib MV4-11 {itd} vs SEM {wt}");
        // DOT1L inhibition: below 1 µM in MLL-r cells (seed 000 Table 1),
        // inactive in a non-dependent line.
        let (mll, hl60) = (
            gi50("MV4-11", "pinometostat"),
            gi50("HL-60", "pinometostat"),
        );
        assert!(
            mll < 1e-6 && hl60 > 10.0 * mll,
            "pinometostat {mll} vs HL-60 {hl60}"
        );
        // Program falls under pinometostat and mezigdomide in MV4-11 only.
        for drug in ["pinometostat", "mezigdomide"] {
            let mv = Culture::new(&p, "MV4-11", &[drug]).unwrap();
            let hl = Culture::new(&p, "HL-60", &[drug]).unwrap();
            assert!(mv.run(&[1e-6], 144.0).program < 0.5, "{drug}");
            assert!(hl.run(&[1e-6], 144.0).program > 0.99, "{drug}");
        }
        // NPM1c is menin dependent, HL-60 and K562 are not.
        assert!(gi50("OCI-AML3", "revumenib") < 1e-7);
        assert!(gi50("K562", "revumenib") > 1e-6);
    }

    #[test]
    fn men1_mutant_shifts_revumenib_more_than_bleximenib() {
        let p = Params::bundled();
        let m = p.men1_mutant("M327I").unwrap();
        let ratio = |drug: &str| {
            let wt = Culture::new(&p, "MV4-11", &[drug]).unwrap();
            let mu = wt.clone().with_mutant(m);
            mu.gi50(168.0, 1e-3).unwrap() / wt.gi50(168.0, 1e-3).unwrap()
        };
        let (rev, blex) = (ratio("revumenib"), ratio("bleximenib"));
        assert!(
            rev > 10.0 && blex < 3.0,
            "revumenib ×{rev}, bleximenib ×{blex}"
        );
    }
}
