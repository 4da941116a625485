//! Deterministic multi-clone population dynamics (large populations).
//!
//! # Model
//! Clone `k` has `N_k` cells with per-cell birth `b_k(t)` and death
//! `d_k(t)` from a [`Kinetics`] at the free concentrations of a
//! [`Concentrations`] source. A division of a clone-`j` cell produces, with
//! probability `μ_{j→k}`, one daughter of clone `k` (a mutation per
//! division). The mean of that branching process obeys the linear ODE
//!
//! `dN_k/dt = (b_k (1 − Σ_m μ_{k→m}) − d_k) N_k + Σ_j μ_{j→k} b_j N_j`
//!
//! (the mean-value equation of a multi-type Markov branching process:
//! Athreya & Ney, *Branching Processes*, 1972, ch. V; the per-division
//! mutation form as in Iwasa, Nowak & Michor 2006, Genetics 172:2557).
//! The loss term `−μ b_k N_k` keeps the ODE the exact mean of the
//! stochastic model in [`crate::clonal`]; it is negligible for μ ≈ 10⁻⁷.
//!
//! # Integrator
//! Fixed steps of at most `dt_h` that land on every record time. In each
//! step the rates are evaluated once, at the step midpoint (the same frozen
//! rates as the stochastic simulator's rate-update intervals), and the
//! resulting linear system with constant coefficients is advanced by a
//! classical Runge–Kutta step (4th order; second order overall in the
//! rates' time variation). Deterministic: no randomness.

use thiserror::Error;

use crate::dynamics::Kinetics;
use crate::pk::Concentrations;

/// Errors of the population simulators.
#[derive(Debug, Error, PartialEq)]
pub enum PopError {
    /// The inputs are inconsistent (sizes, ranges, ordering).
    #[error("population simulation: {0}")]
    Invalid(String),
}

/// Mutation from clone `from` to clone `to` with probability `mu` per
/// division of a `from` cell. Mutations go to higher-numbered clones
/// (`from < to`), which makes the clone order a valid simulation order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mutation {
    /// Parental clone.
    pub from: usize,
    /// Mutant clone (> `from`).
    pub to: usize,
    /// Probability per division (0–1).
    pub mu: f64,
}

/// Checks clone counts, mutation ordering and ranges, record times.
pub(crate) fn validate(
    clones: usize,
    mutations: &[Mutation],
    n0_len: usize,
    record_h: &[f64],
) -> Result<(), PopError> {
    let bad = |m: String| Err(PopError::Invalid(m));
    if clones == 0 {
        return bad("the kinetics has no clones".into());
    }
    if n0_len != clones {
        return bad(format!("{n0_len} initial sizes for {clones} clones"));
    }
    let mut out = vec![0.0; clones];
    for m in mutations {
        if m.from >= m.to || m.to >= clones {
            return bad(format!(
                "mutation {}→{} (need from < to < {clones})",
                m.from, m.to
            ));
        }
        if !(m.mu.is_finite() && (0.0..=1.0).contains(&m.mu)) {
            return bad(format!("mutation probability {} outside [0, 1]", m.mu));
        }
        out[m.from] += m.mu;
    }
    if out.iter().any(|&s| s > 1.0) {
        return bad("mutation probabilities of a clone sum to more than 1".into());
    }
    if record_h.is_empty() {
        return bad("no record times".into());
    }
    let mut last = 0.0;
    for &t in record_h {
        if !(t.is_finite() && t >= last) {
            return bad(format!(
                "record times must be finite, ≥ 0 and sorted (got {t})"
            ));
        }
        last = t;
    }
    Ok(())
}

/// Cells per clone at the record times.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Record times (h).
    pub times_h: Vec<f64>,
    /// `cells[i][k]`: cells of clone `k` at `times_h[i]`.
    pub cells: Vec<Vec<f64>>,
}

impl Trajectory {
    /// Total cells at each record time.
    pub fn totals(&self) -> Vec<f64> {
        self.cells.iter().map(|c| c.iter().sum()).collect()
    }
}

/// Integrates the mean-value ODE from `n0` (cells per clone at t = 0),
/// recording at `record_h` (sorted, ≥ 0), with steps of at most `dt_h`.
/// Resets the kinetics first.
pub fn simulate_ode(
    kin: &mut dyn Kinetics,
    conc: &dyn Concentrations,
    mutations: &[Mutation],
    n0: &[f64],
    record_h: &[f64],
    dt_h: f64,
) -> Result<Trajectory, PopError> {
    let k = kin.clones();
    validate(k, mutations, n0.len(), record_h)?;
    if !(dt_h.is_finite() && dt_h > 0.0) {
        return Err(PopError::Invalid(format!("step {dt_h} h must be > 0")));
    }
    if n0.iter().any(|&x| !(x.is_finite() && x >= 0.0)) {
        return Err(PopError::Invalid(
            "initial sizes must be finite and ≥ 0".into(),
        ));
    }
    kin.reset();
    let mut c = vec![0.0; conc.compounds()];
    let mut a = vec![0.0; k * k];
    let mut n = n0.to_vec();
    let mut t = 0.0;
    let mut out = Trajectory {
        times_h: Vec::with_capacity(record_h.len()),
        cells: Vec::with_capacity(record_h.len()),
    };
    let mut s = [vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k]];
    let mut tmp = vec![0.0; k];
    for &tr in record_h {
        let span = tr - t;
        if span > 0.0 {
            let steps = (span / dt_h).ceil().max(1.0) as usize;
            let h = span / steps as f64;
            for _ in 0..steps {
                let tm = t + 0.5 * h;
                conc.free_molar(tm, &mut c);
                a.iter_mut().for_each(|x| *x = 0.0);
                let mut births = vec![0.0; k];
                for i in 0..k {
                    let r = kin.rates(i, tm, &c);
                    births[i] = r.birth;
                    a[i * k + i] = r.birth - r.death;
                }
                for m in mutations {
                    a[m.from * k + m.from] -= m.mu * births[m.from];
                    a[m.to * k + m.from] += m.mu * births[m.from];
                }
                rk4_linear(&a, &mut n, h, &mut s, &mut tmp);
                n.iter_mut().for_each(|x| *x = x.max(0.0));
                t += h;
            }
            t = tr;
        }
        out.times_h.push(tr);
        out.cells.push(n.clone());
    }
    Ok(out)
}

/// One RK4 step of `dn/dt = A n` (row-major `A`, `k × k`).
fn rk4_linear(a: &[f64], n: &mut [f64], h: f64, s: &mut [Vec<f64>; 4], tmp: &mut [f64]) {
    let k = n.len();
    let mul = |x: &[f64], y: &mut [f64]| {
        for i in 0..k {
            y[i] = (0..k).map(|j| a[i * k + j] * x[j]).sum();
        }
    };
    mul(n, &mut s[0]);
    for i in 0..k {
        tmp[i] = n[i] + 0.5 * h * s[0][i];
    }
    mul(tmp, &mut s[1]);
    for i in 0..k {
        tmp[i] = n[i] + 0.5 * h * s[1][i];
    }
    mul(tmp, &mut s[2]);
    for i in 0..k {
        tmp[i] = n[i] + h * s[2][i];
    }
    mul(tmp, &mut s[3]);
    for i in 0..k {
        n[i] += h / 6.0 * (s[0][i] + 2.0 * s[1][i] + 2.0 * s[2][i] + s[3][i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinetics_simple::EmaxLag;
    use crate::pk::Constant;

    #[test]
    fn exponential_growth_and_mutant_inflow_are_exact() {
        let (b, d, mu) = (0.05, 0.02, 1e-3);
        let mut kin = EmaxLag::constant(&[(b, d), (b, d)]);
        let muts = [Mutation { from: 0, to: 1, mu }];
        let tr = simulate_ode(
            &mut kin,
            &Constant(vec![]),
            &muts,
            &[1000.0, 0.0],
            &[0.0, 24.0, 96.0],
            0.5,
        )
        .unwrap();
        let r0 = b * (1.0 - mu) - d;
        let r = b - d;
        for (i, &t) in tr.times_h.iter().enumerate() {
            let p = 1000.0 * (r0 * t).exp();
            // Mutant: ∫ μ b N_p(s) e^{r(t−s)} ds.
            let m = mu * b * 1000.0 * ((r * t).exp() - (r0 * t).exp()) / (r - r0);
            // RK4 global error ≈ steps · (r h)⁵ / 120 ≈ 10⁻⁹ here.
            assert!((tr.cells[i][0] - p).abs() < 1e-8 * p, "{t}");
            assert!(
                (tr.cells[i][1] - m).abs() < 1e-6 * m.max(1.0),
                "{t}: {} vs {m}",
                tr.cells[i][1]
            );
        }
        assert!((tr.totals()[2] - tr.cells[2][0] - tr.cells[2][1]).abs() < 1e-9);
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let mut kin = EmaxLag::constant(&[(0.1, 0.0), (0.1, 0.0)]);
        let c = Constant(vec![]);
        let bad_mut = [Mutation {
            from: 1,
            to: 0,
            mu: 0.1,
        }];
        assert!(simulate_ode(&mut kin, &c, &bad_mut, &[1.0, 0.0], &[1.0], 0.1).is_err());
        assert!(simulate_ode(&mut kin, &c, &[], &[1.0], &[1.0], 0.1).is_err());
        assert!(simulate_ode(&mut kin, &c, &[], &[1.0, 0.0], &[2.0, 1.0], 0.1).is_err());
        assert!(simulate_ode(&mut kin, &c, &[], &[1.0, 0.0], &[1.0], 0.0).is_err());
        assert!(simulate_ode(&mut kin, &c, &[], &[f64::NAN, 0.0], &[1.0], 0.1).is_err());
    }
}
