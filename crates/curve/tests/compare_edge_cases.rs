//! Degenerate inputs to the curve comparison: no panic, no non-finite
//! number in a result, and the right flags or errors.

use preclin_curve::compare::{CompareError, CompareFlag, CompareOptions, PotencyRatio};
use preclin_curve::resistance::{ResistanceClass, ResistanceOptions, resistance_factor};
use preclin_curve::{CurveData, Params, Sharing, compare_curves};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn doses() -> Vec<f64> {
    let mut d = vec![0.0, 0.0];
    d.extend((0..9).flat_map(|i| std::iter::repeat_n(3f64.powi(i - 4), 2)));
    d
}

fn ll4(e: f64) -> Params {
    Params {
        b: 1.3,
        c: 5.0,
        d: 100.0,
        e,
        f: 1.0,
    }
}

fn finite_opt(v: Option<f64>, what: &str) {
    if let Some(x) = v {
        assert!(x.is_finite(), "{what} = {x}");
    }
}

fn check_ratio(r: &Option<PotencyRatio>) {
    if let Some(r) = r {
        assert!(r.ratio.is_finite() && r.ratio > 0.0, "{r:?}");
        for (v, w) in [
            (r.se_log, "se_log"),
            (r.lower, "lower"),
            (r.upper, "upper"),
            (r.p_log, "p_log"),
            (r.se, "se"),
            (r.t_drc, "t_drc"),
            (r.p_drc, "p_drc"),
            (r.fieller_lower, "fieller_lower"),
            (r.fieller_upper, "fieller_upper"),
        ] {
            finite_opt(v, w);
        }
        if let (Some(l), Some(u)) = (r.lower, r.upper) {
            assert!(l <= r.ratio && r.ratio <= u, "{r:?}");
        }
    }
}

/// Compares two response vectors on the same doses; checks finiteness.
fn run(y1: &[f64], y2: &[f64], opts: &CompareOptions) -> Result<(), CompareError> {
    let x = doses();
    let c = [
        CurveData {
            dose: &x,
            response: y1,
            weight: None,
        },
        CurveData {
            dose: &x,
            response: y2,
            weight: None,
        },
    ];
    let cmp = compare_curves(&c, opts)?;
    if let Some(t) = cmp.ec50_test {
        assert!(t.p_value.is_finite() && (0.0..=1.0).contains(&t.p_value));
        finite_opt(t.f, "F");
        finite_opt(t.aicc_delta, "aicc_delta");
    }
    for l in &cmp.levels {
        check_ratio(&l.ec50_ratio);
        check_ratio(&l.ic50_ratio);
    }
    Ok(())
}

#[test]
fn flat_and_constant_curves() {
    let x = doses();
    let good: Vec<f64> = x.iter().map(|&d| ll4(1.0).eval(d)).collect();
    let flat = vec![50.0; x.len()];
    let o = CompareOptions::default();
    run(&good, &flat, &o).unwrap();
    run(&flat, &flat, &o).unwrap();
    // A flat curve has no IC50 at 50 % of its own vehicle response.
    let cmp = compare_curves(
        &[
            CurveData {
                dose: &x,
                response: &good,
                weight: None,
            },
            CurveData {
                dose: &x,
                response: &flat,
                weight: None,
            },
        ],
        &o,
    )
    .unwrap();
    assert!(cmp.levels[0].ic50_ratio.is_none(), "{:?}", cmp.levels[0]);
    assert!(cmp.levels[0].flags.has(CompareFlag::NeverReached));
}

#[test]
fn exact_identical_curves_have_a_ratio_of_one() {
    let x = doses();
    let y: Vec<f64> = x.iter().map(|&d| ll4(1.0).eval(d)).collect();
    let c = CurveData {
        dose: &x,
        response: &y,
        weight: None,
    };
    let cmp = compare_curves(&[c, c], &CompareOptions::default()).unwrap();
    let r = cmp.levels[0].ec50_ratio.unwrap();
    assert!((r.ratio - 1.0).abs() < 1e-6, "{r:?}");
    // Exact data: zero residuals, no standard errors (not NaN).
    check_ratio(&Some(r));
}

#[test]
fn shifts_beyond_the_tested_range_are_flagged() {
    let x = doses();
    let y1: Vec<f64> = x.iter().map(|&d| ll4(1.0).eval(d) + 0.5).collect();
    // The resistant EC50 far above the top dose: the curve barely moves.
    let y2: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, &d)| ll4(1e4).eval(d) + if i % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let c = [
        CurveData {
            dose: &x,
            response: &y1,
            weight: None,
        },
        CurveData {
            dose: &x,
            response: &y2,
            weight: None,
        },
    ];
    let (rf, cmp) = resistance_factor(&c[0], &c[1], &ResistanceOptions::default()).unwrap();
    assert!(
        cmp.levels[0].flags.has(CompareFlag::Extrapolated)
            || cmp.levels[0].flags.has(CompareFlag::AtBound),
        "{:?}",
        cmp.levels[0].flags.to_string()
    );
    assert!(rf.rf.is_none_or(|v| v > 2.0), "{rf:?}");
    assert_ne!(rf.class, ResistanceClass::CollateralSensitivity);
}

#[test]
fn random_degenerate_pairs_never_panic() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
    let x = doses();
    let opts = [
        CompareOptions::default(),
        CompareOptions {
            share: Sharing::parse("top,bottom,hill").unwrap(),
            ..Default::default()
        },
    ];
    for k in 0..300 {
        let mut ys = Vec::new();
        for _ in 0..2 {
            let kind = rng.random_range(0..6);
            let y: Vec<f64> = x
                .iter()
                .map(|&d| match kind {
                    0 => 100.0,
                    1 => rng.random_range(0.0..100.0),
                    2 => ll4(10f64.powf(rng.random_range(-6.0..6.0))).eval(d),
                    3 => -ll4(1.0).eval(d),
                    4 => 1e6 * ll4(1.0).eval(d) + rng.random_range(-1e6..1e6),
                    _ => {
                        if d > 1.0 {
                            0.0
                        } else {
                            100.0
                        }
                    }
                })
                .collect();
            ys.push(y);
        }
        match run(&ys[0], &ys[1], &opts[k % 2]) {
            Ok(()) => {}
            Err(CompareError::Fit(_)) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}
