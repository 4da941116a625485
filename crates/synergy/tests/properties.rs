//! Properties every implementation of the models must have (the issue's
//! list): a Bliss-independent surface scores ≈ 0 for Bliss and ZIP, a sham
//! combination (a drug with itself) scores ≈ 0 for Loewe, monotherapy cells
//! score exactly 0, and exchanging drug 1 and drug 2 leaves the scores
//! unchanged. Plus: the Loewe inverse of SynergyFinder 3.7 disagrees with
//! the exact one on a constructed block, and the compatibility option
//! reproduces its behaviour.

mod common;

use preclin_curve::Params;
use preclin_synergy::curves::{DrugCurve, Inverse};
use preclin_synergy::models::{bliss, hsa, loewe, mono_curves, zip};
use preclin_synergy::score::summarize;
use preclin_synergy::{LoeweOptions, LoeweSolver, Method, ScoreOptions, Surface, score_surface};

fn ll4(b: f64, c: f64, d: f64, e: f64) -> Params {
    Params { b, c, d, e, f: 1.0 }
}

/// An n × m surface with y(x₁, …) given, drug k's levels in `levels[k]`.
fn surface(levels: Vec<Vec<f64>>, y: impl Fn(&[f64]) -> f64) -> Surface {
    let n: usize = levels.iter().map(Vec::len).product();
    let probe = Surface::new(levels.clone(), vec![0.0; n]).unwrap();
    let v = (0..n)
        .map(|c| {
            let x: Vec<f64> = (0..levels.len()).map(|k| probe.conc(c, k)).collect();
            y(&x)
        })
        .collect();
    Surface::new(levels, v).unwrap()
}

fn series(top: f64, n: usize) -> Vec<f64> {
    let mut v = vec![0.0];
    v.extend((0..n).rev().map(|i| top / 3f64.powi(i as i32)));
    v
}

/// Bliss independence of curves f_k (fractions combine multiplicatively).
fn bliss_of(curves: &[Params], x: &[f64]) -> f64 {
    let surv: f64 = curves
        .iter()
        .zip(x)
        .map(|(p, &xi)| 1.0 - p.eval(xi) / 100.0)
        .product();
    100.0 * (1.0 - surv)
}

#[test]
fn bliss_independent_surface_scores_zero_for_bliss_and_zip() {
    let f = [ll4(-1.3, 0.0, 92.0, 40.0), ll4(-2.1, 0.0, 70.0, 3.0)];
    let s = surface(vec![series(1000.0, 7), series(100.0, 7)], |x| {
        bliss_of(&f, x)
    });
    let b = bliss(&s);
    let mono = mono_curves(&s);
    let z = zip(&s, &mono);
    for c in s.combination_cells() {
        assert!(b.synergy[c].unwrap().abs() < 1e-10, "bliss cell {c}");
        assert!(
            z.scores.synergy[c].unwrap().abs() < 1e-3,
            "zip cell {c}: {:?}",
            z.scores.synergy[c]
        );
    }
    let mz = summarize(&s, &z.scores.synergy).mean.unwrap();
    assert!(mz.abs() < 1e-4, "ZIP block mean {mz}");
    // Three drugs (the higher-order models of SynergyFinder).
    let f3 = [f[0], f[1], ll4(-0.9, 0.0, 85.0, 0.5)];
    let s3 = surface(
        vec![series(1000.0, 4), series(100.0, 4), series(10.0, 4)],
        |x| bliss_of(&f3, x),
    );
    let b3 = bliss(&s3);
    let z3 = zip(&s3, &mono_curves(&s3));
    for c in s3.combination_cells() {
        assert!(b3.synergy[c].unwrap().abs() < 1e-10);
        assert!(
            z3.scores.synergy[c].unwrap().abs() < 1e-3,
            "3-drug zip cell {c}"
        );
    }
}

#[test]
fn synergy_term_is_recovered_by_bliss_and_zip() {
    // Bliss + 10·(fraction of the full grid): a known positive synergy.
    let f = [ll4(-1.3, 0.0, 92.0, 40.0), ll4(-2.1, 0.0, 70.0, 3.0)];
    let s = surface(vec![series(1000.0, 7), series(100.0, 7)], |x| {
        let add = if x[0] > 0.0 && x[1] > 0.0 { 8.0 } else { 0.0 };
        bliss_of(&f, x) + add
    });
    let b = summarize(&s, &bliss(&s).synergy).mean.unwrap();
    assert!((b - 8.0).abs() < 1e-10);
    let z = summarize(&s, &zip(&s, &mono_curves(&s)).scores.synergy)
        .mean
        .unwrap();
    assert!(z > 4.0, "ZIP sees the synergy: {z}");
}

#[test]
fn sham_combination_scores_zero_for_loewe() {
    let f = ll4(-1.4, 0.0, 95.0, 30.0);
    let l = series(300.0, 7);
    let s = surface(vec![l.clone(), l], |x| f.eval(x[0] + x[1]));
    let mono = mono_curves(&s);
    let lw = loewe(&s, &mono, &LoeweOptions::default());
    for c in s.combination_cells() {
        assert!(
            lw.synergy[c].unwrap().abs() < 1e-4,
            "cell {c}: {:?}",
            lw.synergy[c]
        );
    }
}

#[test]
fn synergyfinder_loewe_inverse_disagrees_on_a_constructed_block() {
    // A sham combination of a curve with EC50 inside the tested doses: the
    // exact inverse gives 0 everywhere; SynergyFinder's (y − c)/(d − y)
    // inverse is the inverse of the curve with b flipped, X_SF(y) = e²/X(y),
    // so its Loewe solves (x₁ + x₂)·X(y)/e² = 1, i.e. y = f(e²/(x₁ + x₂)).
    let p = ll4(-1.4, 0.0, 95.0, 30.0);
    let l = series(300.0, 7);
    let s = surface(vec![l.clone(), l], |x| p.eval(x[0] + x[1]));
    let exact_curve = DrugCurve {
        params: p,
        converged: true,
        at_bound: false,
    };
    let mono = vec![Some(exact_curve); 2];
    let exact = loewe(&s, &mono, &LoeweOptions::default());
    let sf_exact_solver = loewe(
        &s,
        &mono,
        &LoeweOptions {
            inverse: Inverse::SynergyFinder,
            solver: LoeweSolver::Exact,
        },
    );
    let mut max_diff: f64 = 0.0;
    for c in s.combination_cells() {
        let (x1, x2) = (s.conc(c, 0), s.conc(c, 1));
        assert!(exact.synergy[c].unwrap().abs() < 1e-8);
        let want = p.eval(30.0 * 30.0 / (x1 + x2));
        let got = sf_exact_solver.reference[c].unwrap();
        assert!(
            (got - want).abs() < 1e-6,
            "cell ({x1}, {x2}): {got} vs {want}"
        );
        max_diff = max_diff.max((got - exact.reference[c].unwrap()).abs());
    }
    assert!(
        max_diff > 50.0,
        "the inverses differ by up to {max_diff} % inhibition"
    );
    // The block means: 0 with the exact inverse; far from 0 with SynergyFinder's.
    let m_exact = summarize(&s, &exact.synergy).mean.unwrap();
    let m_sf = summarize(
        &s,
        &loewe(&s, &mono, &LoeweOptions::synergyfinder()).synergy,
    )
    .mean
    .unwrap();
    assert!(
        m_exact.abs() < 1e-8 && m_sf > 20.0,
        "exact {m_exact}, SynergyFinder {m_sf}"
    );
}

#[test]
fn synergyfinder_grid_picks_the_first_of_100_levels() {
    // With the SynergyFinder options the reference is one of the 100 grid
    // levels between the smallest and the largest asymptote.
    let f = [ll4(-1.0, 0.0, 100.0, 10.0), ll4(-2.0, 5.0, 80.0, 1.0)];
    let s = surface(vec![series(100.0, 5), series(10.0, 5)], |x| {
        bliss_of(&f, x) - 3.0
    });
    let mono: Vec<_> = f
        .iter()
        .map(|&p| {
            Some(DrugCurve {
                params: p,
                converged: true,
                at_bound: false,
            })
        })
        .collect();
    let l = loewe(&s, &mono, &LoeweOptions::synergyfinder());
    for c in s.combination_cells() {
        let r = l.reference[c].unwrap();
        let j = (r - 0.0) / (100.0 / 99.0);
        assert!((j - j.round()).abs() < 1e-9, "{r} is on the grid");
    }
}

#[test]
fn monotherapy_cells_score_exactly_zero_and_swapping_drugs_changes_nothing() {
    for b in common::mathews().iter().chain(common::oneil().iter()) {
        let s = b.mean_surface();
        let t = s.swapped(0, 1);
        for opts in [
            ScoreOptions::default(),
            ScoreOptions {
                loewe: LoeweOptions::synergyfinder(),
                ..ScoreOptions::default()
            },
        ] {
            let a = score_surface(&s, &opts);
            let w = score_surface(&t, &opts);
            for m in Method::ALL {
                let (sa, sw) = (a.get(m).unwrap(), w.get(m).unwrap());
                for c in 0..s.len() {
                    if s.is_monotherapy(c) {
                        assert_eq!(sa.synergy[c], Some(0.0), "block {} {m:?} cell {c}", b.id);
                        assert_eq!(sa.reference[c], Some(s.y(c)));
                    }
                    let ct = t.index(&[s.level(c, 1), s.level(c, 0)]);
                    let (x, y) = (sa.synergy[c].unwrap(), sw.synergy[ct].unwrap());
                    assert!(
                        (x - y).abs() < 1e-6 * (1.0 + x.abs()),
                        "block {} {m:?} cell {c}: {x} vs swapped {y}",
                        b.id
                    );
                }
                let ma = summarize(&s, &sa.synergy).mean.unwrap();
                let mw = summarize(&t, &sw.synergy).mean.unwrap();
                assert!((ma - mw).abs() < 1e-6, "block {} {m:?}: {ma} vs {mw}", b.id);
            }
        }
        // HSA / Bliss are exact: bit-for-bit.
        assert_eq!(
            summarize(&s, &hsa(&s).synergy).mean,
            summarize(&t, &hsa(&t).synergy).mean
        );
    }
}
