//! The in vivo combination example (`examples/demo/invivo_synergy.csv`):
//! a four-arm MV4;11 xenograft — vehicle, MI-503, quizartinib and the
//! combination — for `preclin synergy-invivo` (kind `invivo_synergy`).
//!
//! Model (exponential growth, the model SynergyLMM fits): mouse `i` of arm
//! `g` has `V_i(t) = V0_i · exp(r_i · t) · exp(ε)`, `ln V0_i ~ N(ln 120,
//! 0.15²)` mm³, `r_i = β_g + N(0, 0.008²)` per day, and measurement error
//! `ε ~ N(0, 0.08²)` on the log scale; volumes rounded to 0.1 mm³. Under
//! Bliss independence on growth rates (Romero-Becerra et al., SynergyLMM)
//! the combination's expected rate is `β_A + β_B − β_C`; the true
//! combination rate lies `SYNERGY` per day below it (synergy: Δ < 0).
//!
//! **All values are illustrative** (no dataset behind them): group size,
//! schedule, rates, spreads. Own seed [`SEED`].

use std::fmt::Write;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Seed of the in vivo combination example.
pub const SEED: u64 = 20_150_304;

/// Mice per arm.
pub const MICE: usize = 8;

/// Measurement days (twice weekly for three weeks).
pub const DAYS: [f64; 7] = [0.0, 3.0, 7.0, 10.0, 14.0, 17.0, 21.0];

/// Arms: (group, true mean growth rate β per day). The combination's rate
/// is set from the others below.
pub const ARMS: [(&str, f64); 3] = [("vehicle", 0.12), ("MI-503", 0.07), ("quizartinib", 0.08)];

/// Name of the combination arm.
pub const COMBO: &str = "MI-503+quizartinib";

/// How far (per day) the combination's true rate lies below the Bliss
/// expectation β_A + β_B − β_C.
pub const SYNERGY: f64 = 0.02;

/// The Bliss-expected and the true combination growth rates (per day).
pub fn combination_rates() -> (f64, f64) {
    let bliss = ARMS[1].1 + ARMS[2].1 - ARMS[0].1;
    (bliss, bliss - SYNERGY)
}

/// The tidy table (`mouse, group, day, volume`) and its truth (JSON).
pub fn files() -> Vec<(String, String)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let (bliss, combo) = combination_rates();
    let arms: Vec<(&str, f64)> = ARMS.iter().copied().chain([(COMBO, combo)]).collect();
    let mut csv = String::from("mouse,group,day,volume\n");
    for (a, (group, beta)) in arms.iter().enumerate() {
        for m in 0..MICE {
            let id = format!("C{}{:02}", a + 1, m + 1);
            let v0 = (120f64.ln() + 0.15 * n01.sample(&mut rng)).exp();
            let r = beta + 0.008 * n01.sample(&mut rng);
            for d in DAYS {
                let v = v0 * (r * d).exp() * (0.08 * n01.sample(&mut rng)).exp();
                let _ = writeln!(csv, "{id},{group},{d},{:.1}", v);
            }
        }
    }
    let truth = serde_json::json!({
        "seed": SEED,
        "mice_per_arm": MICE,
        "days": DAYS,
        "growth_rate_per_day": {
            "vehicle": ARMS[0].1,
            "MI-503": ARMS[1].1,
            "quizartinib": ARMS[2].1,
            COMBO: combo,
        },
        "bliss_expected_combination_rate": bliss,
        "delta_rate_vs_bliss": -SYNERGY,
        "log_v0": {"mean": 120f64.ln(), "sd": 0.15},
        "rate_sd_between_mice": 0.008,
        "log_measurement_sd": 0.08,
    });
    let truth = serde_json::to_string_pretty(&truth).expect("json") + "\n";
    vec![
        ("invivo_synergy.csv".into(), csv),
        ("invivo_synergy_truth.json".into(), truth),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_arms_every_mouse_every_day() {
        let f = files();
        let rows: Vec<&str> = f[0].1.lines().skip(1).collect();
        assert_eq!(rows.len(), 4 * MICE * DAYS.len());
        assert!(rows.iter().all(|r| r.split(',').count() == 4));
        let (bliss, combo) = combination_rates();
        assert!((bliss - 0.03).abs() < 1e-12 && (combo - 0.01).abs() < 1e-12);
    }
}
