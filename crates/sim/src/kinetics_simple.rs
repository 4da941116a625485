//! A stand-in [`Kinetics`] driver: an Emax model with a first-order
//! effect lag. It exists to drive and test the population, clonal, in vivo
//! and cohort simulators until the mechanistic model (`mechanism`, written
//! separately) is plugged in; its numbers are illustrative, not a result.
//!
//! # Model
//! For clone `k` and compounds `j` at free concentrations `c_j` (molar):
//!
//! * per-compound effect (Hill / Emax, Holford & Sheiner 1981, Clin
//!   Pharmacokinet 6:429): `h_kj = c_j^n / (c_j^n + EC50_kj^n)`;
//! * combined target effect by Bliss independence (Bliss 1939, Ann Appl
//!   Biol 26:585): `E*_k = 1 − Π_j (1 − h_kj)`;
//! * first-order lag (effect-compartment / transit delay): `dE_k/dt =
//!   k_lag (E*_k − E_k)`, advanced exactly between calls as
//!   `E ← E + (E* − E)(1 − e^(−k_lag Δt))` with `E*` held at its value at
//!   the call (a menin inhibitor acts through a slow transcriptional
//!   program, so its effect lags exposure by days);
//! * rates: `birth = b_k`, `death = d_k + Emax_k · E_k` (per hour).
//!
//! An insensitive clone has `EC50 = ∞` for that compound.

use crate::dynamics::{Kinetics, Rates};

/// Parameters of one clone.
#[derive(Debug, Clone, PartialEq)]
pub struct CloneSpec {
    /// Name (e.g. `parental`, `MEN1-M327I`).
    pub name: String,
    /// Division rate without drug (1/h).
    pub birth_per_h: f64,
    /// Death rate without drug (1/h).
    pub death_per_h: f64,
    /// Maximal added death rate (1/h).
    pub emax_per_h: f64,
    /// EC50 per compound (molar; `f64::INFINITY` = insensitive).
    pub ec50_molar: Vec<f64>,
    /// Hill coefficient (> 0).
    pub hill: f64,
}

/// Emax-with-lag kinetics over several clones (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct EmaxLag {
    /// Clones (0 = parental).
    pub clones: Vec<CloneSpec>,
    /// Effect lag rate constant (1/h; `f64::INFINITY` = no lag).
    pub k_lag_per_h: f64,
    state: Vec<Option<(f64, f64)>>,
}

impl EmaxLag {
    /// Builds the kinetics; the effect starts at 0 at the first call.
    pub fn new(clones: Vec<CloneSpec>, k_lag_per_h: f64) -> EmaxLag {
        let n = clones.len();
        EmaxLag {
            clones,
            k_lag_per_h,
            state: vec![None; n],
        }
    }

    /// Drug-free clones with constant rates (no compound).
    pub fn constant(rates: &[(f64, f64)]) -> EmaxLag {
        let clones = rates
            .iter()
            .enumerate()
            .map(|(i, &(b, d))| CloneSpec {
                name: format!("clone{i}"),
                birth_per_h: b,
                death_per_h: d,
                emax_per_h: 0.0,
                ec50_molar: Vec::new(),
                hill: 1.0,
            })
            .collect();
        EmaxLag::new(clones, f64::INFINITY)
    }

    /// Stand-in for the menin-inhibitor system, compounds in the order
    /// `[menin inhibitor, mezigdomide]`, clones `[parental, MEN1-mutant,
    /// other-resistant]`. Illustrative numbers: an MLL-r AML cell dividing
    /// about every 30 h with 1/3 of divisions offset by death (net doubling
    /// ≈ 2 days); maximal drug-induced exit 0.06/h; menin inhibitor EC50
    /// 0.2 µM free (parental), 100-fold higher for the MEN1 mutant;
    /// mezigdomide EC50 5 nM free for all clones; the "other" clone is
    /// 10-fold less sensitive to both; effect lag 1/(3 days).
    pub fn menin_standin() -> EmaxLag {
        let spec = |name: &str, menin: f64, mezi: f64| CloneSpec {
            name: name.to_string(),
            birth_per_h: 0.033,
            death_per_h: 0.011,
            emax_per_h: 0.06,
            ec50_molar: vec![menin, mezi],
            hill: 1.5,
        };
        EmaxLag::new(
            vec![
                spec("parental", 0.2e-6, 5e-9),
                spec("MEN1_mutant", 20e-6, 5e-9),
                spec("other_resistant", 2e-6, 50e-9),
            ],
            1.0 / 72.0,
        )
    }

    /// Stand-in for the patient cohort, compounds `[revumenib,
    /// mezigdomide]`, clones `[parental, MEN1_mutant, other_resistant]`:
    /// as [`EmaxLag::menin_standin`] but with a menin-inhibitor EC50 of
    /// 20 nM free (revumenib assumed ~10-fold more potent than MI-503) and
    /// a mezigdomide EC50 of 1 nM free (10 nM for the other-resistant
    /// clone). MEN1 mutants: 100-fold shift for the menin inhibitor only.
    /// Illustrative numbers, not a calibration.
    pub fn cohort_standin() -> EmaxLag {
        let mut k = EmaxLag::menin_standin();
        let ec = [[20e-9, 1e-9], [2e-6, 1e-9], [200e-9, 10e-9]];
        for (c, e) in k.clones.iter_mut().zip(ec) {
            c.ec50_molar = e.to_vec();
        }
        k
    }

    /// The target effect `E*` of clone `k` at `conc` (Bliss combination).
    pub fn target_effect(&self, k: usize, conc: &[f64]) -> f64 {
        let c = &self.clones[k];
        let mut surv = 1.0;
        for (j, &x) in conc.iter().enumerate() {
            let ec = c.ec50_molar.get(j).copied().unwrap_or(f64::INFINITY);
            if x > 0.0 && ec.is_finite() && ec > 0.0 {
                let r = (x / ec).powf(c.hill);
                surv *= 1.0 - r / (1.0 + r);
            }
        }
        1.0 - surv
    }
}

impl Kinetics for EmaxLag {
    fn clones(&self) -> usize {
        self.clones.len()
    }

    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates {
        let target = self.target_effect(k, conc);
        let e = match self.state[k] {
            None => {
                if self.k_lag_per_h.is_infinite() {
                    target
                } else {
                    0.0
                }
            }
            Some((t0, e0)) => {
                let dt = (t_h - t0).max(0.0);
                e0 + (target - e0) * (1.0 - (-self.k_lag_per_h * dt).exp())
            }
        };
        self.state[k] = Some((t_h, e));
        let c = &self.clones[k];
        Rates {
            birth: c.birth_per_h,
            death: c.death_per_h + c.emax_per_h * e,
        }
    }

    fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = None);
    }
}

/// Wraps a kinetics and multiplies both rates by `factor` — a per-subject
/// "tempo" (a faster tumour runs the same program faster), used for
/// between-mouse and between-patient variability.
#[derive(Debug)]
pub struct Scaled<'a, K: Kinetics + ?Sized> {
    /// The wrapped kinetics.
    pub inner: &'a mut K,
    /// Factor (> 0) applied to birth and death.
    pub factor: f64,
}

impl<K: Kinetics + ?Sized> Kinetics for Scaled<'_, K> {
    fn clones(&self) -> usize {
        self.inner.clones()
    }
    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates {
        let r = self.inner.rates(k, t_h, conc);
        Rates {
            birth: r.birth * self.factor,
            death: r.death * self.factor,
        }
    }
    fn reset(&mut self) {
        self.inner.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emax_bliss_and_lag() {
        let mut k = EmaxLag::menin_standin();
        // At EC50 of the menin inhibitor alone the target effect is 1/2.
        assert!((k.target_effect(0, &[0.2e-6, 0.0]) - 0.5).abs() < 1e-12);
        // Bliss: two half effects give 3/4.
        assert!((k.target_effect(0, &[0.2e-6, 5e-9]) - 0.75).abs() < 1e-12);
        // The mutant barely sees the menin inhibitor.
        assert!(k.target_effect(1, &[0.2e-6, 0.0]) < 0.01);
        // Lag: after one lag time the effect is 1 − e⁻¹ of its target.
        let r0 = k.rates(0, 0.0, &[0.2e-6, 0.0]);
        assert!((r0.death - 0.011).abs() < 1e-15);
        let r1 = k.rates(0, 72.0, &[0.2e-6, 0.0]);
        let e = 0.5 * (1.0 - (-1.0f64).exp());
        assert!((r1.death - (0.011 + 0.06 * e)).abs() < 1e-12);
        k.reset();
        assert!((k.rates(0, 100.0, &[0.2e-6, 0.0]).death - 0.011).abs() < 1e-15);
        let mut s = Scaled {
            inner: &mut k,
            factor: 2.0,
        };
        assert!((s.rates(0, 100.0, &[0.0, 0.0]).birth - 0.066).abs() < 1e-15);
    }
}
