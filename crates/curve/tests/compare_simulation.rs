//! Calibration of the curve comparison by simulation: parental / resistant
//! pairs with a known shift of the EC50 (the resistance factor, RF), fitted
//! and compared with [`compare_curves`]. Checked: the 95 % interval of the
//! EC50 ratio covers the true RF at the nominal rate, and the F test of
//! "the EC50s are equal" rejects at its nominal 5 % when they are.
//!
//! Design (every pair): 9 doses in a 3-fold series (3⁻⁴ … 3⁴), triplicates
//! (27 points per curve), Gaussian noise with SD ~ U(2 %, 8 %) of the
//! span, the parental EC50 log-uniform in the inner doses. Seeds are fixed
//! (Xoshiro256++), so the counts below are exact and reproducible.
//!
//! * `shift_interval_covers_truth` (seed 9001, 2000 pairs): RF = 8; each
//!   curve draws its own top ~ U(95, 105), bottom ~ U(0, 20), hill ~
//!   U(0.7, 3) (non-parallel curves); parental EC50 in [3⁻², 3²/8] so that
//!   both EC50s are inside the tested doses; default comparison (nothing
//!   shared). Gate: coverage of the delta-log interval in [93 %, 97 %]
//!   (Monte-Carlo SE of a 95 % rate over 2000 pairs: 0.49 %, so ±4 SE).
//! * `f_test_holds_its_size` (seed 9002, 2000 pairs): RF = 1, curves
//!   otherwise as above; F test of the shared-EC50 model against the
//!   separate one. Gate: rejection rate at α = 0.05 in [3 %, 7 %], at
//!   α = 0.01 in [0.3 %, 2 %].
//! * `parallel_curves_with_shared_parameters` (seed 9003, 2000 pairs): the
//!   two curves share top, bottom and hill (parallel, Finney's "similar"
//!   curves), RF = 1 for the first half and 5 for the second; compared with
//!   `share = top,bottom,hill`. Gates: size in [3 %, 7 %] under RF = 1,
//!   coverage in [93 %, 97 %] under RF = 5, and the parallelism test's size
//!   in [3 %, 7 %] over all pairs (the truth is parallel).
//!
//! Measured with these seeds (test profile, ~3 s for the file on 2 cores):
//! * RF = 8, non-parallel: delta-log coverage 95.00 %, Fieller 94.85 %,
//!   drc's natural-scale interval 94.45 %; median |log10 RF error| 0.032;
//!   all 2000 alternative fits converged; the null (shared-EC50) fit
//!   converged in 1029 — forced to one EC50 8-fold away from its data, a
//!   curve with free asymptotes flattens towards a straight line and the
//!   fit creeps to its iteration cap (flagged `null_not_converged`; the
//!   F test is then p < 1e-10 anyway);
//! * RF = 1: the F test rejects 5.25 % at α = 0.05 and 1.50 % at α = 0.01;
//!   delta-log coverage of RF = 1 94.85 %;
//! * parallel curves, top / bottom / hill shared: size 3.60 % (1000 pairs,
//!   MC SE 0.69 %), coverage 95.30 % (RF = 5), parallelism-test size
//!   5.00 %.

use preclin_curve::compare::{CompareOptions, CurveComparison};
use preclin_curve::{CurveData, Params, Sharing, compare_curves};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

const PAIRS: usize = 2000;

fn doses() -> Vec<f64> {
    (0..9)
        .flat_map(|i| std::iter::repeat_n(3f64.powi(i - 4), 3))
        .collect()
}

fn log_uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    rng.random_range(lo.ln()..hi.ln()).exp()
}

/// Random asymptotes and slope.
fn shape(rng: &mut Xoshiro256PlusPlus) -> (f64, f64, f64) {
    let top = rng.random_range(95.0..105.0);
    let bottom = rng.random_range(0.0..20.0);
    let hill = rng.random_range(0.7..3.0);
    (top, bottom, hill)
}

fn observe(rng: &mut Xoshiro256PlusPlus, p: &Params, x: &[f64], sd: f64) -> Vec<f64> {
    x.iter()
        .map(|&d| {
            let z: f64 = StandardNormal.sample(rng);
            p.eval(d) + sd * z
        })
        .collect()
}

/// Simulates one pair: (parental, resistant) with the given shapes, the
/// parental EC50 and the RF, and compares them (parental = reference).
fn pair(
    rng: &mut Xoshiro256PlusPlus,
    shapes: [(f64, f64, f64); 2],
    ec50: f64,
    rf: f64,
    opts: &CompareOptions,
) -> CurveComparison {
    let x = doses();
    let noise = rng.random_range(0.02..0.08);
    let mut ys = Vec::new();
    for (k, (top, bottom, hill)) in shapes.into_iter().enumerate() {
        let p = Params {
            b: hill,
            c: bottom,
            d: top,
            e: if k == 0 { ec50 } else { ec50 * rf },
            f: 1.0,
        };
        ys.push(observe(rng, &p, &x, noise * (top - bottom)));
    }
    let curves = [
        CurveData {
            dose: &x,
            response: &ys[0],
            weight: None,
        },
        CurveData {
            dose: &x,
            response: &ys[1],
            weight: None,
        },
    ];
    compare_curves(&curves, opts).expect("comparison")
}

fn covers(lo: Option<f64>, hi: Option<f64>, truth: f64) -> bool {
    lo.is_none_or(|l| l <= truth) && hi.is_none_or(|h| truth <= h)
}

fn pct(k: usize, n: usize) -> f64 {
    100.0 * k as f64 / n as f64
}

#[test]
fn shift_interval_covers_truth() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9001);
    let opts = CompareOptions::default();
    let rf = 8.0;
    let (mut cov, mut fieller, mut natural, mut conv, mut null_conv) = (0, 0, 0, 0, 0);
    let mut err = Vec::new();
    for _ in 0..PAIRS {
        let shapes = [shape(&mut rng), shape(&mut rng)];
        let ec50 = log_uniform(&mut rng, 1.0 / 9.0, 9.0 / rf);
        let c = pair(&mut rng, shapes, ec50, rf, &opts);
        conv += c.alt.converged as usize;
        null_conv += c.null.converged as usize;
        let r = c.levels[0].ec50_ratio.expect("a ratio");
        cov += covers(r.lower, r.upper, rf) as usize;
        fieller += covers(r.fieller_lower, r.fieller_upper, rf) as usize;
        natural += covers(r.delta_lower, r.delta_upper, rf) as usize;
        err.push((r.ratio / rf).log10().abs());
    }
    err.sort_by(f64::total_cmp);
    let coverage = pct(cov, PAIRS);
    eprintln!(
        "RF = {rf}: delta-log coverage {coverage:.2} %, Fieller {:.2} %, natural {:.2} %, \
         median |log10 error| {:.4}, converged {conv}/{PAIRS} (null model {null_conv})",
        pct(fieller, PAIRS),
        pct(natural, PAIRS),
        err[PAIRS / 2],
    );
    assert!((93.0..=97.0).contains(&coverage), "coverage {coverage}");
    assert!(
        (93.0..=97.0).contains(&pct(fieller, PAIRS)),
        "Fieller coverage"
    );
    assert!(conv as f64 >= 0.995 * PAIRS as f64, "converged {conv}");
}

#[test]
fn f_test_holds_its_size() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9002);
    let opts = CompareOptions::default();
    let (mut rej05, mut rej01, mut cov) = (0, 0, 0);
    for _ in 0..PAIRS {
        let shapes = [shape(&mut rng), shape(&mut rng)];
        let ec50 = log_uniform(&mut rng, 1.0 / 9.0, 9.0);
        let c = pair(&mut rng, shapes, ec50, 1.0, &opts);
        let p = c.ec50_test.expect("an F test").p_value;
        rej05 += (p < 0.05) as usize;
        rej01 += (p < 0.01) as usize;
        let r = c.levels[0].ec50_ratio.expect("a ratio");
        cov += covers(r.lower, r.upper, 1.0) as usize;
    }
    let (s05, s01) = (pct(rej05, PAIRS), pct(rej01, PAIRS));
    eprintln!(
        "RF = 1: F test rejects {s05:.2} % at 0.05, {s01:.2} % at 0.01; coverage {:.2} %",
        pct(cov, PAIRS)
    );
    assert!((3.0..=7.0).contains(&s05), "size at 0.05: {s05}");
    assert!((0.3..=2.0).contains(&s01), "size at 0.01: {s01}");
}

#[test]
fn parallel_curves_with_shared_parameters() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9003);
    let opts = CompareOptions {
        share: Sharing::parse("top,bottom,hill").unwrap(),
        ..Default::default()
    };
    let half = PAIRS / 2;
    let (mut rej, mut cov, mut par_rej) = (0, 0, 0);
    for k in 0..PAIRS {
        let s = shape(&mut rng);
        let rf = if k < half { 1.0 } else { 5.0 };
        let ec50 = log_uniform(&mut rng, 1.0 / 9.0, 9.0 / rf);
        let c = pair(&mut rng, [s, s], ec50, rf, &opts);
        assert_eq!(c.alt.n_params(), 5);
        par_rej += (c.parallel_test.expect("parallelism test").p_value < 0.05) as usize;
        let r = c.levels[0].ec50_ratio.expect("a ratio");
        if k < half {
            rej += (c.ec50_test.expect("F test").p_value < 0.05) as usize;
        } else {
            cov += covers(r.lower, r.upper, rf) as usize;
        }
    }
    let (size, coverage, psize) = (pct(rej, half), pct(cov, half), pct(par_rej, PAIRS));
    eprintln!(
        "parallel: size {size:.2} %, coverage {coverage:.2} %, parallelism size {psize:.2} %"
    );
    // 1000 pairs per arm: MC SE ≈ 0.69 %.
    assert!((2.5..=7.5).contains(&size), "size {size}");
    assert!((92.5..=97.5).contains(&coverage), "coverage {coverage}");
    assert!((3.0..=7.0).contains(&psize), "parallelism size {psize}");
}
