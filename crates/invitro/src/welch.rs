//! Private Welch two-sample t-test with its Student-t tail probability
//! (regularised incomplete beta by Lentz's continued fraction, log-gamma by
//! Lanczos; Numerical Recipes 3rd ed. §6.1, §6.4). To be replaced by
//! `preclin-stats` once that crate exposes it.

use crate::desc::{mean, sd};

/// Result of a Welch t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Welch {
    /// t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂).
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Welch's unequal-variance t-test (Welch 1947). `None` when either sample has
/// fewer than 2 values. When both variances are 0 the p-value is 1 for equal
/// means and 0 otherwise.
pub(crate) fn welch_t_test(a: &[f64], b: &[f64]) -> Option<Welch> {
    let (m1, m2) = (mean(a)?, mean(b)?);
    let (s1, s2) = (sd(a)?, sd(b)?);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (v1, v2) = (s1 * s1 / n1, s2 * s2 / n2);
    let se2 = v1 + v2;
    if se2 == 0.0 {
        let same = m1 == m2;
        return Some(Welch {
            t: if same {
                0.0
            } else {
                f64::INFINITY.copysign(m1 - m2)
            },
            df: n1 + n2 - 2.0,
            p_value: if same { 1.0 } else { 0.0 },
        });
    }
    let t = (m1 - m2) / se2.sqrt();
    let df = se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    Some(Welch {
        t,
        df,
        p_value: t_two_sided(t, df),
    })
}

/// Two-sided tail probability of Student's t: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
pub(crate) fn t_two_sided(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    beta_reg(x, df / 2.0, 0.5).clamp(0.0, 1.0)
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation, g = 7, n = 9.
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta I_x(a, b).
fn beta_reg(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(x, a, b) / a
    } else {
        1.0 - front * beta_cf(1.0 - x, b, a) / b
    }
}

/// Continued fraction for the incomplete beta (modified Lentz).
fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_tail_reference_values() {
        // R: 2*pt(-2, 10) = 0.07338803; 2*pt(-1, 1) = 0.5; 2*pt(-3.5, 4.3) = 0.02192...
        assert!((t_two_sided(2.0, 10.0) - 0.073_388_03).abs() < 1e-7);
        assert!((t_two_sided(1.0, 1.0) - 0.5).abs() < 1e-12);
        assert!((t_two_sided(0.0, 7.0) - 1.0).abs() < 1e-12);
        // Large df approaches the normal: 2*pnorm(-1.959964) = 0.05.
        assert!((t_two_sided(1.959_964, 1e7) - 0.05).abs() < 1e-5);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn welch_reference() {
        // x̄ = 3, s² = 2.5 (n 5); ȳ = 7, s² = 14 (n 6): se² = 0.5 + 7/3,
        // t = −4/√(17/6) = −2.376354, df = (17/6)²/(0.25/4 + (7/3)²/5) = 6.972256,
        // p = 0.0492843 (numerical integration of the t density).
        let w = welch_t_test(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
        )
        .unwrap();
        assert!((w.t + 4.0 / (17.0f64 / 6.0).sqrt()).abs() < 1e-12, "{w:?}");
        assert!((w.df - 6.972_256).abs() < 1e-6, "{w:?}");
        assert!((w.p_value - 0.049_284_34).abs() < 1e-7, "{w:?}");
        assert!(welch_t_test(&[1.0], &[1.0, 2.0]).is_none());
        assert_eq!(welch_t_test(&[1.0, 1.0], &[2.0, 2.0]).unwrap().p_value, 0.0);
    }
}
