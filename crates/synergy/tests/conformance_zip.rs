//! ZIP on SynergyFinder's `mathews_screening_data` against the only
//! published SynergyFinder numbers: the vignette's block means 19.57
//! (ispinesib + ibrutinib) and −2.98 (canertinib + ibrutinib)
//! (`reference_synergyfinder_vignette_scores.csv`).
//!
//! **Result: not reproduced.** preclin gives 11.50 and −15.71. This file
//! documents why, with numbers:
//!
//! 1. The ZIP algorithm as documented (monotherapy LL.4 with the control,
//!    lines with c fixed at their dose-0 response) fitted by least squares
//!    gives 11.50 / −15.71; an independent re-implementation in scipy
//!    (shared research notes) gave 11.5 / −15.7. Two optimisers that reach
//!    the least-squares minimum agree.
//! 2. Both monotherapies of block 1 and ibrutinib's of block 2 are steps
//!    (the ispinesib response jumps from −23 % at the control to 59 % at the
//!    lowest dose and stays flat): the least-squares slope runs to its bound
//!    |b| = 10 (flagged `at_bound`) and the curve is not identifiable. Yet
//!    constraining the slopes hardly moves ZIP: with |b| ≤ 0.5 … 30 for the
//!    monotherapies, the lines or both, the block means stay in
//!    [10.6, 11.8] and [−19.9, −14.6] (test below). So no choice of slope
//!    among least-squares fits explains +8.1 / +12.7 points.
//! 3. A development check of SynergyFinder 2's line fits (lines without
//!    their dose-0 cell, c at the fitted monotherapy, d fixed at 100; not kept
//!    in the library) gave 11.8 / 4.7: block 2 moves by +20 but block 1 not
//!    at all, so the vignette is not that variant either.
//!
//! What remains is drc's own optimiser path: SynergyFinder replaces dose 0
//! by 1e-10 before `drm`, so drc's self-start regression and its dose
//! scaling see a point at ln x = −23, and `optim(method = "BFGS")` with
//! numerical gradients stops at relative change 1e-7 — on these flat valleys
//! that is far from the least-squares minimum, and ZIP follows the unfitted
//! curves. Reproducing that needs drc itself (not available on this machine:
//! CRAN cannot be reached and Debian does not package drc). The exact models
//! (Bliss, HSA) match to every printed digit (`conformance_bliss_hsa.rs`).

mod common;

use common::{mathews, read_csv};
use preclin_curve::FitOptions;
use preclin_synergy::models::{mono_curves, mono_curves_with, zip, zip_with};
use preclin_synergy::score::summarize;

fn zip_mean(fit_mono: &FitOptions, fit_lines: &FitOptions, block: usize) -> f64 {
    let s = mathews()[block].mean_surface();
    let mono = mono_curves_with(&s, fit_mono);
    summarize(&s, &zip_with(&s, &mono, fit_lines).scores.synergy)
        .mean
        .unwrap()
}

#[test]
fn zip_on_mathews_and_the_vignette() {
    let (h, rows) = read_csv("reference_synergyfinder_vignette_scores.csv");
    let published: Vec<f64> = rows
        .iter()
        .map(|(_, r)| r[h["value"]].parse().unwrap())
        .collect();
    assert_eq!(published, [19.57, -2.98]);
    let ours: Vec<f64> = mathews()
        .iter()
        .map(|b| {
            let s = b.mean_surface();
            summarize(&s, &zip(&s, &mono_curves(&s)).scores.synergy)
                .mean
                .unwrap()
        })
        .collect();
    assert!((ours[0] - 11.501).abs() < 0.01, "{ours:?}");
    assert!((ours[1] - (-15.715)).abs() < 0.01, "{ours:?}");
    // The gap to the vignette, documented above.
    assert!((published[0] - ours[0] - 8.07).abs() < 0.02);
    assert!((published[1] - ours[1] - 12.73).abs() < 0.02);
    // Monotherapy fits at the slope bound: the curves are not identifiable.
    let s = mathews()[0].mean_surface();
    let m = mono_curves(&s);
    assert!(m.iter().all(|c| c.unwrap().at_bound));
}

#[test]
fn slope_constraints_move_zip_by_about_one_point() {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for hb in [0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0] {
        let c = FitOptions {
            hill_bounds: (-hb, hb),
            ..FitOptions::default()
        };
        let d = FitOptions::default();
        for blk in 0..2 {
            for (fm, fl) in [(&c, &d), (&d, &c), (&c, &c)] {
                let z = zip_mean(fm, fl, blk);
                lo[blk] = lo[blk].min(z);
                hi[blk] = hi[blk].max(z);
            }
        }
    }
    assert!(
        lo[0] > 10.5 && hi[0] < 11.9,
        "block 1: [{}, {}]",
        lo[0],
        hi[0]
    );
    assert!(
        lo[1] > -19.9 && hi[1] < -14.6,
        "block 2: [{}, {}]",
        lo[1],
        hi[1]
    );
    // Far from 19.57 / −2.98 in every case.
    assert!(19.57 - hi[0] > 7.5 && -2.98 - hi[1] > 11.0);
}
