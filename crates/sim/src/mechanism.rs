//! The mechanism: free drug → target engagement → HOXA9 / MEIS1 program →
//! cell fate rates.
//!
//! **Target engagement** (free concentrations `c_i`, molar):
//! - menin occupancy, competitive between menin inhibitors:
//!   `θ = Σx_i / (1 + Σx_i)`, `x_i = (c_i / (K_i · s_i))^h_i` with `K_i` the
//!   compound's Kd and `s_i` the clone's MEN1 fold shift (1 for parental);
//!   for one compound `θ = c / (c + K·s)`.
//! - DOT1L inhibition, IKZF1 degradation, FLT3 inhibition, off-target
//!   cytotoxicity: `ι = 1 − Π_i (1 − c_i^h/(c_i^h + K_i^h))` over the
//!   compounds of that mechanism (Bliss-independent within a target).
//! - BCL2: `u = Σ (c_i/K_i)^h_i` over BCL2 inhibitors.
//!
//! **Program target** of a line with menin dependence `D`:
//! `P* = 1 − D·[1 − (1 − θ)(1 − a_dot·ι_dot)(1 − a_ikz·ι_ikz)]`
//! (vehicle: `P* = 1`); the program relaxes as `dP/dt = k (P* − P)`,
//! `k = ln 2 / t½`. Gene expression relative to vehicle is `P^s_gene`; FLT3
//! and BCL2 follow `P^s_FLT3`, `P^s_BCL2`.
//!
//! **Cell fate** of undifferentiated cells (per hour), `L = 1 − P`:
//! - FLT3 signal `S = P^s_FLT3 · (1 − ι_flt3)`, FLT3 loss `f = d_FLT3·(1 − S)`
//!   (`d_FLT3` = ITD or wild-type dependence);
//! - birth `b = (λ + κ_b + δ_b) · (φ + (1 − φ)P) · (1 − f)`, `λ = ln 2 / Td`
//!   so that the vehicle grows with the line's doubling time;
//! - differentiation `κ = κ_b + κ_max · L^n / (L^n + q^n)`;
//! - apoptosis fraction `A = 1 − (1 − a_bcl2)(1 − f)(1 − ι_tox)` with
//!   `a_bcl2 = B · u / (u + P^s_BCL2)` (lower BCL2 → the same venetoclax
//!   occupancy primes more cells: the source of menin-inhibitor ×
//!   venetoclax synergy); death `δ_u = δ_b + μ_max · A`;
//! - differentiated cells do not divide and die at `δ_d + μ_max · A`.
//!
//! Every constant is in the parameter file ([`crate::params`]) with its
//! source or "assumption".

use crate::params::{CellLine, Compound, Mechanism, ModelParams};

/// Target engagement at given free concentrations.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Engagement {
    /// Menin occupancy θ (0–1).
    pub menin: f64,
    /// DOT1L inhibition (0–1).
    pub dot1l: f64,
    /// IKZF1 degradation (0–1).
    pub ikzf1: f64,
    /// FLT3 inhibition (0–1).
    pub flt3: f64,
    /// BCL2 engagement ratio u = Σ (c/K)^h (≥ 0).
    pub bcl2: f64,
    /// Off-target / cytotoxic kill fraction (0–1).
    pub cytotoxic: f64,
}

fn hill_fraction(c: f64, k: f64, h: f64) -> f64 {
    if c <= 0.0 {
        return 0.0;
    }
    let x = (c / k).powf(h);
    x / (1.0 + x)
}

/// Engagement of free concentrations `conc` (molar, one per compound) for a
/// clone whose menin Kd of compound i is multiplied by `shifts[i]`.
pub fn engage(compounds: &[&Compound], shifts: &[f64], conc: &[f64]) -> Engagement {
    let mut sum_menin = 0.0;
    let mut keep = [1.0f64; 4]; // dot1l, ikzf1, flt3, cytotoxic: 1 − ι
    let mut bcl2 = 0.0;
    for (i, c) in compounds.iter().enumerate() {
        let x = conc.get(i).copied().unwrap_or(0.0).max(0.0);
        if x <= 0.0 {
            continue;
        }
        let s = shifts.get(i).copied().unwrap_or(1.0);
        match c.mechanism {
            Mechanism::Menin => sum_menin += (x / (c.potency_molar * s)).powf(c.hill),
            Mechanism::Dot1l => keep[0] *= 1.0 - hill_fraction(x, c.potency_molar, c.hill),
            Mechanism::Ikzf1Degrader => keep[1] *= 1.0 - hill_fraction(x, c.potency_molar, c.hill),
            Mechanism::Flt3 => keep[2] *= 1.0 - hill_fraction(x, c.potency_molar, c.hill),
            Mechanism::Bcl2 => bcl2 += (x / c.potency_molar).powf(c.hill),
            Mechanism::Cytotoxic => keep[3] *= 1.0 - hill_fraction(x, c.potency_molar, c.hill),
        }
        if let Some(t) = c.cytotoxic_molar {
            keep[3] *= 1.0 - hill_fraction(x, t, 1.0);
        }
    }
    Engagement {
        menin: sum_menin / (1.0 + sum_menin),
        dot1l: 1.0 - keep[0],
        ikzf1: 1.0 - keep[1],
        flt3: 1.0 - keep[2],
        bcl2,
        cytotoxic: 1.0 - keep[3],
    }
}

/// The program level P* the line relaxes to under `e` (vehicle: 1).
pub fn program_target(m: &ModelParams, line: &CellLine, e: &Engagement) -> f64 {
    let kept = (1.0 - e.menin)
        * (1.0 - m.dot1l_program_share * e.dot1l)
        * (1.0 - m.ikzf1_program_share * e.ikzf1);
    (1.0 - line.menin_dependence * (1.0 - kept)).clamp(0.0, 1.0)
}

/// The program relaxation rate k = ln 2 / t½ (1/h).
pub fn program_rate(m: &ModelParams) -> f64 {
    std::f64::consts::LN_2 / m.program_half_life_h
}

/// Program after `dt_h` hours from `p0` towards a constant target `target`
/// (exact solution of dP/dt = k (P* − P)).
pub fn relax(m: &ModelParams, p0: f64, target: f64, dt_h: f64) -> f64 {
    target + (p0 - target) * (-program_rate(m) * dt_h.max(0.0)).exp()
}

/// Per-cell rates of the two compartments at program level `p` (per hour).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FateRates {
    /// Division rate of undifferentiated cells.
    pub birth: f64,
    /// Differentiation rate of undifferentiated cells.
    pub differentiation: f64,
    /// Death rate of undifferentiated cells.
    pub death_undifferentiated: f64,
    /// Death rate of differentiated cells.
    pub death_differentiated: f64,
}

/// Cell-fate rates of `line` at program `p` under engagement `e`.
pub fn fate(m: &ModelParams, line: &CellLine, e: &Engagement, p: f64) -> FateRates {
    let p = p.clamp(0.0, 1.0);
    let lambda = std::f64::consts::LN_2 / line.doubling_time_h;
    let dep = if line.flt3_itd {
        m.flt3_itd_dependence
    } else {
        m.flt3_wt_dependence
    };
    let signal = p.powf(m.flt3_program_exponent) * (1.0 - e.flt3);
    let f = dep * (1.0 - signal);
    let loss = 1.0 - p;
    let ln = loss.powf(m.diff_hill);
    let kappa =
        m.diff_basal_per_h + m.diff_max_per_h * ln / (ln + m.diff_half_loss.powf(m.diff_hill));
    let birth = (lambda + m.diff_basal_per_h + m.basal_death_per_h)
        * (m.prolif_floor + (1.0 - m.prolif_floor) * p)
        * (1.0 - f);
    let bcl2_expr = p.powf(m.bcl2_program_exponent).max(1e-9);
    let a_bcl2 = if e.bcl2 > 0.0 {
        line.bcl2_dependence * e.bcl2 / (e.bcl2 + bcl2_expr)
    } else {
        0.0
    };
    let apoptosis = 1.0 - (1.0 - a_bcl2) * (1.0 - f) * (1.0 - e.cytotoxic);
    FateRates {
        birth,
        differentiation: kappa,
        death_undifferentiated: m.basal_death_per_h + m.apoptosis_max_per_h * apoptosis,
        death_differentiated: m.differentiated_death_per_h + m.apoptosis_max_per_h * apoptosis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    #[test]
    fn occupancy_is_c_over_c_plus_kd_times_shift() {
        let p = Params::bundled();
        let mi = p.compound("MI-503").unwrap();
        let kd = mi.potency_molar;
        let e = engage(&[mi], &[1.0], &[kd]);
        assert!((e.menin - 0.5).abs() < 1e-12);
        let e = engage(&[mi], &[40.0], &[kd]);
        assert!((e.menin - 1.0 / 41.0).abs() < 1e-12);
        // Two menin inhibitors compete for one site.
        let rv = p.compound("revumenib").unwrap();
        let e = engage(&[mi, rv], &[1.0, 1.0], &[kd, rv.potency_molar]);
        assert!((e.menin - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn vehicle_grows_with_the_doubling_time() {
        let p = Params::bundled();
        for line in &p.cell_lines {
            let e = Engagement::default();
            assert_eq!(program_target(&p.model, line, &e), 1.0);
            let r = fate(&p.model, line, &e, 1.0);
            let net = r.birth - r.differentiation - r.death_undifferentiated;
            let want = std::f64::consts::LN_2 / line.doubling_time_h;
            assert!((net - want).abs() < 1e-12, "{}: {net} vs {want}", line.name);
        }
    }

    #[test]
    fn non_dependent_lines_keep_their_program() {
        let p = Params::bundled();
        let mi = p.compound("MI-503").unwrap();
        let e = engage(&[mi], &[1.0], &[1e-5]);
        let hek = p.cell_line("HEK293").unwrap();
        assert_eq!(program_target(&p.model, hek, &e), 1.0);
        let mv = p.cell_line("MV4-11").unwrap();
        let t = program_target(&p.model, mv, &e);
        assert!(t < 0.1, "{t}");
    }

    #[test]
    fn relaxation_halves_the_gap_in_one_half_life() {
        let p = Params::bundled();
        let h = p.model.program_half_life_h;
        assert!((relax(&p.model, 1.0, 0.0, h) - 0.5).abs() < 1e-12);
        assert!((relax(&p.model, 0.2, 0.6, 2.0 * h) - 0.5).abs() < 1e-12);
    }
}
