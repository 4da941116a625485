//! Seeded synthetic dose–response curves with known truth, for benchmarks,
//! examples and truth-recovery checks.
//!
//! Each curve is an LL.4 with top 100, bottom ~ U(0, 20), hill ~ U(0.7, 3)
//! and EC50 log-uniform between the second and the second-to-last dose,
//! observed at every dose `replicates` times with Gaussian noise of SD
//! `noise_frac` × (top − bottom). The random stream is Xoshiro256++ seeded
//! with `seed`: the same spec gives the same curves on every machine.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::batch::PackedCurves;
use crate::models::Params;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// Number of curves.
    pub curves: usize,
    /// Doses (> 0), ascending.
    pub doses: Vec<f64>,
    /// Observations per dose.
    pub replicates: usize,
    /// Noise SD as a fraction of the span.
    pub noise_frac: f64,
    /// Seed of the random stream.
    pub seed: u64,
}

impl SynthSpec {
    /// `curves` 9-point curves (3-fold series from 1 to 6561, single
    /// replicate, noise 5 % of the span): the benchmark design.
    pub fn benchmark(curves: usize, seed: u64) -> Self {
        SynthSpec {
            curves,
            doses: (0..9).map(|i| 3f64.powi(i)).collect(),
            replicates: 1,
            noise_frac: 0.05,
            seed,
        }
    }
}

/// Generates the curves and their true parameters.
pub fn synthesize(spec: &SynthSpec) -> (PackedCurves, Vec<Params>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(spec.seed);
    let std_normal = Normal::new(0.0, 1.0).expect("valid normal");
    let nd = spec.doses.len();
    let (lo, hi) = if nd >= 3 {
        (spec.doses[1].ln(), spec.doses[nd - 2].ln())
    } else {
        (spec.doses[0].ln(), spec.doses[nd - 1].ln())
    };
    let mut packed = PackedCurves::new();
    let mut truths = Vec::with_capacity(spec.curves);
    let mut x = Vec::with_capacity(nd * spec.replicates);
    let mut y = Vec::with_capacity(nd * spec.replicates);
    for _ in 0..spec.curves {
        let p = Params {
            b: rng.random_range(0.7..3.0),
            c: rng.random_range(0.0..20.0),
            d: 100.0,
            e: rng.random_range(lo..=hi).exp(),
            f: 1.0,
        };
        let sd = spec.noise_frac * (p.d - p.c);
        x.clear();
        y.clear();
        for &dose in &spec.doses {
            let mu = p.eval(dose);
            for _ in 0..spec.replicates {
                x.push(dose);
                y.push(mu + sd * std_normal.sample(&mut rng));
            }
        }
        packed.push(&x, &y);
        truths.push(p);
    }
    (packed, truths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let spec = SynthSpec::benchmark(10, 7);
        let (a, ta) = synthesize(&spec);
        let (b, tb) = synthesize(&spec);
        assert_eq!(a.response, b.response);
        assert_eq!(ta, tb);
        assert_eq!(a.len(), 10);
        assert_eq!(a.get(3).dose.len(), 9);
        for t in &ta {
            assert!(t.e >= 3.0 - 1e-9 && t.e <= 2187.0 + 1e-6);
        }
        let (c, _) = synthesize(&SynthSpec { seed: 8, ..spec });
        assert_ne!(a.response, c.response);
    }
}
