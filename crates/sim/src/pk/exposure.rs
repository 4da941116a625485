//! Concentration sources for the population simulators: a subject's
//! [`Exposure`] (one PK [`Profile`] per compound), constant concentrations
//! and a tabulated, linearly interpolated course shared by many subjects.

use super::Profile;

/// A source of free drug concentrations for the population simulators.
pub trait Concentrations {
    /// Number of compounds (the order is the order of the `Kinetics`'
    /// `conc` argument).
    fn compounds(&self) -> usize;
    /// Writes the free molar concentrations at `t_h` into `out`
    /// (`out.len() == self.compounds()`).
    fn free_molar(&self, t_h: f64, out: &mut [f64]);
}

/// The exposure of one subject: one [`Profile`] per compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// Profiles in the compound order of the kinetics.
    pub profiles: Vec<Profile>,
}

impl Concentrations for Exposure {
    fn compounds(&self) -> usize {
        self.profiles.len()
    }
    fn free_molar(&self, t_h: f64, out: &mut [f64]) {
        for (o, p) in out.iter_mut().zip(&self.profiles) {
            *o = p.free_molar(t_h);
        }
    }
}

/// Constant concentrations (in vitro, or no drug when all zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Constant(pub Vec<f64>);

impl Concentrations for Constant {
    fn compounds(&self) -> usize {
        self.0.len()
    }
    fn free_molar(&self, _t_h: f64, out: &mut [f64]) {
        out.copy_from_slice(&self.0);
    }
}

/// Concentrations tabulated on a regular grid `t0 + i·dt`, linearly
/// interpolated (held constant outside). Many subjects sharing one regimen
/// share one table, which makes a large cohort cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabulated {
    t0: f64,
    dt: f64,
    n: usize,
    values: Vec<f64>,
}

impl Tabulated {
    /// Tabulates `source` at `t0 + i·dt` for `i = 0..=steps`.
    pub fn new(source: &dyn Concentrations, t0: f64, dt: f64, steps: usize) -> Tabulated {
        let n = source.compounds();
        let mut values = vec![0.0; n * (steps + 1)];
        for i in 0..=steps {
            source.free_molar(t0 + i as f64 * dt, &mut values[i * n..(i + 1) * n]);
        }
        Tabulated { t0, dt, n, values }
    }
}

impl Concentrations for Tabulated {
    fn compounds(&self) -> usize {
        self.n
    }
    fn free_molar(&self, t_h: f64, out: &mut [f64]) {
        let rows = self.values.len() / self.n.max(1);
        if self.n == 0 || rows == 0 {
            return;
        }
        let x = ((t_h - self.t0) / self.dt).clamp(0.0, (rows - 1) as f64);
        let i = (x.floor() as usize).min(rows - 1);
        let j = (i + 1).min(rows - 1);
        let w = x - i as f64;
        for k in 0..self.n {
            out[k] = (1.0 - w) * self.values[i * self.n + k] + w * self.values[j * self.n + k];
        }
    }
}
