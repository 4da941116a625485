//! The interface between the cell-level mechanism and the population
//! simulators.
//!
//! The mechanism (drug → menin occupancy → HOXA9 / MEIS1 program → cell
//! fate) answers one question for the population code: how fast do the
//! cells of each clone divide and die right now, at these drug
//! concentrations? Population simulators (deterministic ODEs, stochastic
//! branching processes, tumours, leukaemic mice) ask it and know nothing
//! else of the mechanism.

/// Per-cell event rates of one clone, per hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Divisions per cell per hour (≥ 0).
    pub birth: f64,
    /// Deaths (or exits from the counted compartment, e.g. terminal
    /// differentiation) per cell per hour (≥ 0).
    pub death: f64,
}

impl Rates {
    /// Net per-capita growth rate `birth − death` (1/h).
    pub fn net(self) -> f64 {
        self.birth - self.death
    }
}

/// Cell kinetics under drug exposure, clone by clone.
///
/// Clone 0 is the parental (drug-sensitive) clone; further clones are
/// variants such as MEN1-mutant cells. Implementations may keep state —
/// e.g. an expression program that relaxes towards an occupancy-dependent
/// level — so within one run `rates` is called with non-decreasing `t_h`
/// for each clone, and [`Kinetics::reset`] starts a new run.
pub trait Kinetics {
    /// Number of clones (≥ 1).
    fn clones(&self) -> usize;
    /// Rates of clone `k` at `t_h` hours after the start of the run, given
    /// the free concentrations `conc` (molar), one per compound of the
    /// regimen in a fixed order.
    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates;
    /// Forgets any state: the next call starts a new run at its `t_h`.
    fn reset(&mut self);
}
