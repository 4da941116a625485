//! Seeded synthetic combination blocks with known truth, for benchmarks,
//! the demo and truth-recovery checks.
//!
//! Truth of a block: two LL.4 monotherapies on the % inhibition scale,
//! f_k(x) = E_k·x^h_k/(x^h_k + C_k^h_k) (drc b = −h_k, c = 0, d = E_k, e = C_k),
//! combined by Bliss independence after a potency shift of drug 1 by drug 2
//! (Greco et al. 1995's kind of interaction): drug 1's EC50 becomes
//! C₁/(1 + (S/10)·x₂/(x₂ + C₂)) (S ≥ −9.9), so y = Bliss(f₁ at the shifted EC50, f₂).
//! S = 0 is Bliss independence, S > 0 synergy (S = 10 divides drug 1's EC50
//! by 1.5 at x₂ = C₂), S < 0 antagonism. The monotherapies are unchanged.
//! Bliss independence. Observations add Gaussian noise of SD `noise`
//! (% inhibition). The random stream is Xoshiro256++ seeded with `seed`.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::surface::Surface;

/// Parameters of one synthetic block.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BlockTruth {
    /// Maximal inhibition E_k (%).
    pub emax: [f64; 2],
    /// Hill coefficient h_k (> 0; drc b = −h).
    pub hill: [f64; 2],
    /// EC50 C_k (dose units).
    pub ec50: [f64; 2],
    /// Synergy strength S (potency shift of drug 1, see the module docs; 0 = Bliss independence).
    pub synergy: f64,
}

impl BlockTruth {
    /// Monotherapy k at dose x (% inhibition).
    pub fn mono(&self, k: usize, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let h = self.hill[k];
        let t = (x / self.ec50[k]).powf(h);
        self.emax[k] * t / (1.0 + t)
    }

    /// Expected response at (x₁, x₂) (% inhibition).
    pub fn response(&self, x1: f64, x2: f64) -> f64 {
        let g2 = if x2 > 0.0 {
            x2 / (x2 + self.ec50[1])
        } else {
            0.0
        };
        let shift = 1.0 + (self.synergy / 10.0).max(-0.99) * g2;
        let shifted = BlockTruth {
            ec50: [self.ec50[0] / shift, self.ec50[1]],
            ..*self
        };
        let (a, b) = (shifted.mono(0, x1), self.mono(1, x2));
        a + b - a * b / 100.0
    }

    /// The true excess over Bliss at (x₁, x₂): response − Bliss(f₁, f₂).
    pub fn excess(&self, x1: f64, x2: f64) -> f64 {
        let (a, b) = (self.mono(0, x1), self.mono(1, x2));
        self.response(x1, x2) - (a + b - a * b / 100.0)
    }
}

/// A dilution series: 0 and `n` doses, `step`-fold, ending at `top`.
pub fn series(top: f64, n: usize, step: f64) -> Vec<f64> {
    let mut v = vec![0.0];
    v.extend((0..n).rev().map(|i| top / step.powi(i as i32)));
    v
}

/// A surface of observations of `truth` on the given levels, with noise.
pub fn observe(
    truth: &BlockTruth,
    levels: [&[f64]; 2],
    noise: f64,
    rng: &mut Xoshiro256PlusPlus,
) -> Surface {
    let mut y = Vec::with_capacity(levels[0].len() * levels[1].len());
    for &a in levels[0] {
        for &b in levels[1] {
            let z: f64 = StandardNormal.sample(rng);
            y.push(truth.response(a, b) + noise * z);
        }
    }
    Surface::new(vec![levels[0].to_vec(), levels[1].to_vec()], y).expect("finite")
}

/// `n` benchmark blocks: 8 × 8 (seven 3-fold doses + 0 per drug, top 1000
/// and 100), E_k ~ U(60, 100), h_k ~ U(0.7, 2.5), C_k log-uniform inside the
/// tested doses, S ~ U(−5, 30), noise SD 4 %.
pub fn benchmark_blocks(n: usize, seed: u64) -> (Vec<Surface>, Vec<BlockTruth>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let l1 = series(1000.0, 7, 3.0);
    let l2 = series(100.0, 7, 3.0);
    let mut out = Vec::with_capacity(n);
    let mut truths = Vec::with_capacity(n);
    for _ in 0..n {
        let mut u = |a: f64, b: f64| a + (b - a) * rng.random::<f64>();
        let t = BlockTruth {
            emax: [u(60.0, 100.0), u(60.0, 100.0)],
            hill: [u(0.7, 2.5), u(0.7, 2.5)],
            ec50: [
                10f64.powf(u(l1[2].log10(), l1[6].log10())),
                10f64.powf(u(l2[2].log10(), l2[6].log10())),
            ],
            synergy: u(-5.0, 30.0),
        };
        out.push(observe(&t, [&l1, &l2], 4.0, &mut rng));
        truths.push(t);
    }
    (out, truths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bliss_truth_has_no_excess() {
        let t = BlockTruth {
            emax: [90.0, 80.0],
            hill: [1.0, 2.0],
            ec50: [10.0, 1.0],
            synergy: 0.0,
        };
        assert_eq!(t.excess(5.0, 2.0), 0.0);
        assert_eq!(t.response(0.0, 0.0), 0.0);
        let s = BlockTruth { synergy: 20.0, ..t };
        assert!(s.excess(10.0, 1.0) > 0.0 && s.excess(0.0, 1.0) == 0.0);
        let (b, tr) = benchmark_blocks(3, 1);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].len(), 64);
        assert_eq!(benchmark_blocks(3, 1).0, b);
        assert!(tr[0].synergy >= -5.0 && tr[0].synergy <= 30.0);
    }
}
