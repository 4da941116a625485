//! R's default random number generator, reproduced bit for bit, so that
//! SynergyFinder's `ReshapeData(noise = TRUE, seed = s)` can be replayed
//! without R.
//!
//! R's defaults (`RNGkind()`: "Mersenne-Twister", "Inversion", "Rejection"):
//!
//! * **`set.seed(s)`** (R `RNG.c`, `RNG_Init`): the 32-bit seed is scrambled
//!   by 50 steps of the linear congruential generator s ← 69069·s + 1
//!   (mod 2³²); the next 625 values of the same recurrence fill R's state
//!   vector — a position counter (then set to 624, "state exhausted") and
//!   the 624 words of the Mersenne Twister.
//! * **`unif_rand()`**: MT19937 (Matsumoto & Nishimura 1998, *ACM TOMACS*
//!   8:3; tempering masks 0x9d2c5680 / 0xefc60000) returning y·2.3283064365386963e-10,
//!   moved into the open interval (0, 1) (R's `fixup`).
//! * **`norm_rand()`** by inversion with 27 + 32 bits (R `snorm.c`):
//!   u = ⌊2²⁷·U₁⌋ + U₂, z = Φ⁻¹(u / 2²⁷).
//! * **`rnorm(n, m, s)`** = m + s·`norm_rand()`, drawn in order.
//!
//! Φ⁻¹ is [`preclin_stats::dist::normal_quantile`] (to an ulp or two); R uses
//! Wichura's AS 241 (~1e-16 relative), so a draw may differ from R in its last
//! bit — far below the 1e-3 noise SynergyFinder adds. Checked against R's
//! published outputs (`tests/data/r_rng_reference.csv`).
//!
//! This stream exists only to replay R; preclin's own random streams are
//! Xoshiro256++ (see [`crate::block`]).

use preclin_stats::dist::normal_quantile;

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;

/// R's Mersenne-Twister generator after `set.seed(seed)`.
#[derive(Debug, Clone)]
pub struct RRng {
    mt: [u32; N],
    mti: usize,
}

impl RRng {
    /// The state after R's `set.seed(seed)` (default kinds).
    pub fn set_seed(seed: u32) -> RRng {
        let mut s = seed;
        for _ in 0..50 {
            s = s.wrapping_mul(69069).wrapping_add(1);
        }
        // The first of the 625 words is R's position counter (dummy[0]),
        // overwritten with 624 by FixupSeeds.
        s = s.wrapping_mul(69069).wrapping_add(1);
        let mut mt = [0u32; N];
        for w in mt.iter_mut() {
            s = s.wrapping_mul(69069).wrapping_add(1);
            *w = s;
        }
        RRng { mt, mti: N }
    }

    fn genrand(&mut self) -> f64 {
        if self.mti >= N {
            let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
            for kk in 0..N - M {
                let y = (self.mt[kk] & UPPER) | (self.mt[kk + 1] & LOWER);
                self.mt[kk] = self.mt[kk + M] ^ (y >> 1) ^ mag(y);
            }
            for kk in N - M..N - 1 {
                let y = (self.mt[kk] & UPPER) | (self.mt[kk + 1] & LOWER);
                self.mt[kk] = self.mt[kk + M - N] ^ (y >> 1) ^ mag(y);
            }
            let y = (self.mt[N - 1] & UPPER) | (self.mt[0] & LOWER);
            self.mt[N - 1] = self.mt[M - 1] ^ (y >> 1) ^ mag(y);
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        f64::from(y) * 2.328_306_436_538_696_3e-10
    }

    /// R's `unif_rand()`: uniform on (0, 1).
    pub fn unif_rand(&mut self) -> f64 {
        const I2_32M1: f64 = 2.328_306_437_080_797e-10;
        let v = self.genrand();
        if v <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - v <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            v
        }
    }

    /// R's `norm_rand()` by inversion (see module docs).
    pub fn norm_rand(&mut self) -> f64 {
        const BIG: f64 = 134_217_728.0; // 2^27
        let u = self.unif_rand();
        let u = (BIG * u).trunc() + self.unif_rand();
        normal_quantile(u / BIG)
    }

    /// R's `runif(n)`.
    pub fn runif(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.unif_rand()).collect()
    }

    /// R's `rnorm(n, mean, sd)`.
    pub fn rnorm(&mut self, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n).map(|_| mean + sd * self.norm_rand()).collect()
    }
}

/// The noise SynergyFinder 3.x's `ReshapeData(noise = TRUE, seed)` adds to
/// the % inhibition of its response table: `set.seed(seed)` then
/// `rnorm(nrow, 0, 0.001)`, one draw per input row, rows in input order
/// after a stable sort by `block_id` (`dplyr::arrange(block_id)`).
pub fn synergyfinder_noise(n_rows: usize, seed: u32) -> Vec<f64> {
    RRng::set_seed(seed).rnorm(n_rows, 0.0, 0.001)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_seed_1_gives_rs_first_uniforms_and_normals() {
        // R: set.seed(1); runif(3) / rnorm(3), printed to 7 digits.
        let u = RRng::set_seed(1).runif(3);
        for (a, b) in u.iter().zip([0.2655087, 0.3721239, 0.5728534]) {
            assert!((a - b).abs() < 5e-8, "{a} {b}");
        }
        let z = RRng::set_seed(1).rnorm(3, 0.0, 1.0);
        for (a, b) in z.iter().zip([-0.6264538, 0.1836433, -0.8356286]) {
            assert!((a - b).abs() < 5e-8, "{a} {b}");
        }
    }

    #[test]
    fn the_state_is_refilled_after_624_words() {
        // 700 uniforms cross the first regeneration; all in (0, 1).
        let mut r = RRng::set_seed(7);
        let v = r.runif(700);
        assert!(v.iter().all(|&x| x > 0.0 && x < 1.0));
        // Deterministic.
        assert_eq!(v, RRng::set_seed(7).runif(700));
    }
}
