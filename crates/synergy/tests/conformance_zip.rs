//! ZIP on SynergyFinder's `mathews_screening_data` against SynergyFinder's
//! published numbers: the vignette's block means 19.57 (ispinesib +
//! ibrutinib) and −2.98 (canertinib + ibrutinib)
//! (`reference_synergyfinder_vignette_scores.csv`), and the 15 per-cell
//! values the rendered vignette prints for block 1
//! (`reference_synergyfinder_vignette_cells.csv`).
//!
//! **Result: reproduced** with `ZipFitter::SynergyFinder`
//! (`--compat synergyfinder`): 19.571 and −2.984 with the vignette's
//! `ReshapeData(noise = TRUE, seed = 1)` noise replayed with R's RNG, and
//! all 15 printed cells to their printed digit.
//!
//! **The cause** is not the ZIP algorithm (SynergyFinder 3.x's `ZIP()` is
//! what [`zip`] does: LL.4 monotherapies with the control, row and column
//! lines with c fixed at their dose-0 response, the mean of the two, Bliss
//! of the fitted monotherapies) but **where drc's fit stops**:
//!
//! 1. drc's self-start regresses ln((d₀ − y)/(y − c₀)) on ln dose; the
//!    control (dose 0, ln 0 not finite) is left out of that regression but
//!    kept in the least squares. On step-shaped series (a jump from the
//!    control to a plateau) the remaining five points are flat, so the start
//!    has a positive slope and an ED50 of 10¹⁷–10¹⁹ nM.
//! 2. From there BFGS sits on a plateau where every tested dose is on one
//!    asymptote: the curve is the flat line at the **mean of the series**.
//!    Ispinesib alone: flat at 45.35 (sum of squares 5 630) where the
//!    least-squares step reaches 59.0 (sum of squares 30); the same happens
//!    to the ispinesib lines at ibrutinib 0, 0.195 and 3.125 nM, and a
//!    ridge of 2-iteration fits leaves canertinib's lines at ibrutinib ≤
//!    3.125 nM flat at their dose-0 response.
//! 3. ZIP follows those curves: y_ref at (2500, 50) is 79.4 instead of
//!    84.6, and the block means move from the least-squares 11.50 / −15.71
//!    to 19.57 / −2.98.
//!
//! How much each ingredient moves the block means (blocks 1 / 2):
//!
//! | ZIP variant | block 1 | block 2 | where |
//! |---|---|---|---|
//! | least squares (preclin's default) | 11.50 | −15.71 | test below |
//! | drc path, control **in** the self-start regression | 11.50 | −6.33 | `zip_synergyfinder_study.py` |
//! | drc path as R runs it, no noise | 19.571 | −2.988 | test below |
//! | + `noise = TRUE, seed = 1` (R's RNG) | 19.571 | −2.984 | test below |
//! | published (vignette) | 19.57 | −2.98 | |
//!
//! So the whole gap of +8.07 / +12.73 is the fitting path; the self-start
//! alone moves block 2 by +9.4 and block 1 by nothing (its step curves are
//! fitted as steps) until the control leaves the regression (+8.07 / +3.35).
//! The noise (sd 0.001) moves the means by +0.0002 / +0.004.
//!
//! **What remains** (a documented tolerance, not a silent one): block 2 has
//! two lines (canertinib 156.25 and 2500 nM, ibrutinib varying) on a flat
//! valley where BFGS runs 491 and 500 (the cap) iterations; where it stops
//! depends on the last bits of the arithmetic. Feeding the same six points
//! in ascending instead of descending dose order moves block 2 by 0.009
//! (block 1 by < 0.001), so R itself (another summation, `lm` by QR) can land
//! anywhere in about ±0.01 — the test allows 0.01 for block 2 and shows the
//! spread, and 0.005 (the printed precision) for block 1.

mod common;

use common::{matches_printed, mathews, read_csv};
use preclin_synergy::drc::{DrcModel, fit_dose_response};
use preclin_synergy::models::{mono_curves, zip, zip_synergyfinder};
use preclin_synergy::rrng::{RRng, synergyfinder_noise};
use preclin_synergy::score::summarize;
use preclin_synergy::{Block, Observation, Surface};

/// The mathews blocks as SynergyFinder's `ReshapeData(noise = TRUE, seed)`
/// leaves them: 100 − viability plus R's `rnorm(72, 0, 0.001)`, drawn over
/// the rows in file order (already sorted by block).
fn mathews_with_noise(seed: u32) -> Vec<Block> {
    let (h, rows) = read_csv("synergyfinder_mathews_screening_data.csv");
    let noise = synergyfinder_noise(rows.len(), seed);
    ["1", "2"]
        .iter()
        .map(|id| {
            let mut drugs = Vec::new();
            let mut obs = Vec::new();
            for (i, (line, r)) in rows.iter().enumerate() {
                if r[h["block_id"]] != *id {
                    continue;
                }
                drugs = vec![r[h["drug_row"]].clone(), r[h["drug_col"]].clone()];
                let v: f64 = r[h["response"]].parse().unwrap();
                obs.push(Observation {
                    concs: vec![
                        r[h["conc_r"]].parse().unwrap(),
                        r[h["conc_c"]].parse().unwrap(),
                    ],
                    response: 100.0 - v + noise[i],
                    line: *line,
                });
            }
            Block::from_observations(id, drugs, &obs).unwrap()
        })
        .collect()
}

fn mean_zip(s: &Surface, synergy: &[Option<f64>]) -> f64 {
    summarize(s, synergy).mean.unwrap()
}

fn published() -> Vec<f64> {
    let (h, rows) = read_csv("reference_synergyfinder_vignette_scores.csv");
    rows.iter()
        .map(|(_, r)| r[h["value"]].parse().unwrap())
        .collect()
}

#[test]
fn synergyfinder_zip_reproduces_the_vignette_block_means() {
    let published = published();
    assert_eq!(published, [19.57, -2.98]);
    let sf = |blocks: &[Block]| -> Vec<f64> {
        blocks
            .iter()
            .map(|b| {
                let s = b.mean_surface();
                let z = zip_synergyfinder(&s);
                assert_eq!(z.failed_lines, 0);
                mean_zip(&s, &z.scores.synergy)
            })
            .collect()
    };
    let noisy = sf(&mathews_with_noise(1));
    let plain = sf(&mathews());
    // The vignette's setting (noise, seed 1): both means print as published.
    assert_eq!((noisy[0] * 100.0).round() / 100.0, 19.57, "{noisy:?}");
    assert_eq!((noisy[1] * 100.0).round() / 100.0, -2.98, "{noisy:?}");
    for ours in [&noisy, &plain] {
        assert!((ours[0] - published[0]).abs() < 0.005, "{ours:?}");
        // Block 2: ±0.01, see the module docs and the test below.
        assert!((ours[1] - published[1]).abs() < 0.01, "{ours:?}");
    }
    // The noise moves the means by less than 0.005.
    assert!((noisy[0] - plain[0]).abs() < 0.001 && (noisy[1] - plain[1]).abs() < 0.005);
}

#[test]
fn synergyfinder_zip_matches_the_cells_the_vignette_prints() {
    let (h, rows) = read_csv("reference_synergyfinder_vignette_cells.csv");
    let s = mathews_with_noise(1)[0].mean_surface();
    let z = zip_synergyfinder(&s);
    let level = |k: usize, v: f64| {
        s.levels(k)
            .iter()
            .position(|&x| (x - v).abs() <= 0.01 * v)
            .unwrap()
    };
    for (line, r) in &rows {
        let x1: f64 = r[h["conc1"]].parse().unwrap();
        let x2: f64 = r[h["conc2"]].parse().unwrap();
        let c = s.index(&[level(0, x1), level(1, x2)]);
        for (col, ours) in [
            ("ZIP_fit", z.fitted[c]),
            ("ZIP_ref", z.scores.reference[c]),
            ("ZIP_synergy", z.scores.synergy[c]),
        ] {
            let ours = ours.unwrap();
            assert!(
                matches_printed(ours, &r[h[col]], 3),
                "line {line} {col}: {ours} vs {}",
                r[h[col]]
            );
        }
    }
}

#[test]
fn the_difference_is_where_drc_stops_not_the_algorithm() {
    let blocks = mathews_with_noise(1);
    let s = blocks[0].mean_surface();
    // Ispinesib alone (control included): drc ends flat at the series mean.
    let (x, y) = s.mono_series(0);
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sse = |f: &dyn Fn(f64) -> f64| -> f64 {
        x.iter().zip(&y).map(|(&a, &b)| (b - f(a)).powi(2)).sum()
    };
    let drc = fit_dose_response(&x, &y, None).unwrap();
    assert_eq!(drc.model, DrcModel::LogLogistic);
    assert!(drc.b > 0.0 && drc.e > 1e15, "{drc:?}");
    for &xi in &x[1..] {
        assert!((drc.predict(xi) - mean).abs() < 0.01);
    }
    assert!((mean - 45.35).abs() < 0.01);
    let ls = mono_curves(&s)[0].unwrap();
    assert!((ls.predict(2500.0) - 59.0).abs() < 0.1);
    let (sse_drc, sse_ls) = (sse(&|v| drc.predict(v)), sse(&|v| ls.predict(v)));
    assert!(sse_drc > 5600.0 && sse_drc < 5650.0, "{sse_drc}");
    assert!(sse_ls < 31.0, "{sse_ls}");
    // The same data, least squares vs drc: the whole gap to the vignette.
    let published = published();
    for (b, ls_mean) in blocks.iter().zip([11.50, -15.72]) {
        let s = b.mean_surface();
        let ls = mean_zip(&s, &zip(&s, &mono_curves(&s)).scores.synergy);
        let sf = mean_zip(&s, &zip_synergyfinder(&s).scores.synergy);
        assert!((ls - ls_mean).abs() < 0.01, "{ls}");
        let moved = sf - ls;
        println!(
            "block {}: least squares {ls:.3}, drc {sf:.3}, +{moved:.3}",
            b.id
        );
    }
    let s1 = blocks[0].mean_surface();
    let gap1 = published[0] - mean_zip(&s1, &zip(&s1, &mono_curves(&s1)).scores.synergy);
    assert!((gap1 - 8.07).abs() < 0.01, "{gap1}");
}

/// ZIP as [`zip_synergyfinder`], with the fits fed in ascending or
/// descending dose order (the order only changes rounding).
fn zip_sf_mean(s: &Surface, descending: bool) -> (f64, Vec<usize>) {
    let ordered = |v: Vec<f64>| {
        let mut v = v;
        if descending {
            v.reverse();
        }
        v
    };
    let mono: Vec<_> = (0..2)
        .map(|k| {
            let (x, y) = s.mono_series(k);
            fit_dose_response(&ordered(x), &ordered(y), None).unwrap()
        })
        .collect();
    let mut sum = vec![0.0; s.len()];
    let mut long_runs = Vec::new();
    for k in 0..2 {
        let (nk, stride) = (s.levels(k).len(), s.stride(k));
        for start in (0..s.len()).filter(|&c| s.level(c, k) == 0) {
            let x: Vec<f64> = s.levels(k).to_vec();
            let y: Vec<f64> = (0..nk).map(|j| s.y(start + j * stride)).collect();
            let f = fit_dose_response(&ordered(x.clone()), &ordered(y), Some(s.y(start))).unwrap();
            if f.iterations >= 490 {
                long_runs.push(start);
            }
            for j in 0..nk {
                sum[start + j * stride] += f.predict(x[j]);
            }
        }
    }
    let syn: Vec<Option<f64>> = (0..s.len())
        .map(|c| {
            if s.is_monotherapy(c) {
                return Some(0.0);
            }
            let r = 100.0
                * (1.0
                    - (0..2)
                        .map(|k| 1.0 - mono[k].predict(s.conc(c, k)) / 100.0)
                        .product::<f64>());
            Some(sum[c] / 2.0 - r)
        })
        .collect();
    (mean_zip(s, &syn), long_runs)
}

#[test]
fn block_2_depends_on_rounding_in_two_flat_valleys() {
    let blocks = mathews_with_noise(1);
    let s1 = blocks[0].mean_surface();
    let s2 = blocks[1].mean_surface();
    // The helper is the library function with the order as a knob.
    let lib = mean_zip(&s2, &zip_synergyfinder(&s2).scores.synergy);
    let (desc, long) = zip_sf_mean(&s2, true);
    assert!((desc - lib).abs() < 1e-12);
    // The two long runs: ibrutinib lines at canertinib 156.25 and 2500 nM.
    let at: Vec<f64> = long.iter().map(|&c| s2.conc(c, 0)).collect();
    assert_eq!(at, [156.25, 2500.0]);
    let (asc, _) = zip_sf_mean(&s2, false);
    let spread2 = (asc - desc).abs();
    assert!(spread2 > 0.001 && spread2 < 0.01, "{asc} {desc}");
    let spread1 = (zip_sf_mean(&s1, false).0 - zip_sf_mean(&s1, true).0).abs();
    assert!(spread1 < 0.001, "{spread1}");
    // Both orders stay within the tolerance used above.
    for m in [asc, desc] {
        assert!((m + 2.98).abs() < 0.01, "{m}");
    }
}

#[test]
fn least_squares_default_is_unchanged() {
    let ours: Vec<f64> = mathews()
        .iter()
        .map(|b| {
            let s = b.mean_surface();
            mean_zip(&s, &zip(&s, &mono_curves(&s)).scores.synergy)
        })
        .collect();
    assert!((ours[0] - 11.501).abs() < 0.01, "{ours:?}");
    assert!((ours[1] - (-15.715)).abs() < 0.01, "{ours:?}");
}

#[test]
fn r_rng_matches_published_r_outputs() {
    let (h, rows) = read_csv("r_rng_reference.csv");
    let mut oneil = Vec::new();
    for (line, r) in &rows {
        let (case, i, v): (&str, usize, f64) = (
            &r[h["case"]],
            r[h["index"]].parse().unwrap(),
            r[h["value"]].parse().unwrap(),
        );
        let ours = match case {
            "runif_seed1" => RRng::set_seed(1).runif(i)[i - 1],
            "rnorm_seed1" => RRng::set_seed(1).rnorm(i, 0.0, 1.0)[i - 1],
            "rnorm_seed42" => RRng::set_seed(42).rnorm(i, 0.0, 1.0)[i - 1],
            "rnorm_seed123" => RRng::set_seed(123).rnorm(i, 0.0, 1.0)[i - 1],
            "oneil_reshaped_response_seed1" => {
                oneil.push((i, v));
                continue;
            }
            other => panic!("line {line}: unknown case {other}"),
        };
        // Printed to 7 decimals.
        assert!(
            (ours - v).abs() <= 5e-8,
            "line {line} {case}[{i}]: {ours} vs {v}"
        );
    }
    // SynergyFinder's ReshapeData(ONEIL, noise = TRUE, seed = 1) as the
    // rendered vignette prints it (5 decimals): response_origin + noise.
    let (h, data) = read_csv("synergyfinder_ONEIL_screening_data.csv");
    let noise = synergyfinder_noise(data.len(), 1);
    assert_eq!(oneil.len(), 5);
    for (i, printed) in oneil {
        let origin: f64 = data[i - 1].1[h["response"]].parse().unwrap();
        let ours = origin + noise[i - 1];
        assert!(
            (ours - printed).abs() <= 5e-6,
            "row {i}: {ours} vs {printed}"
        );
    }
}

#[test]
fn synergyfinder_zip_runs_on_every_example_block() {
    let ncats = common::blocks(
        "synergyfinder_NCATS_screening_data.csv",
        &["drug1", "drug2", "drug3"],
        &["conc1", "conc2", "conc3"],
        true,
    );
    for b in mathews().iter().chain(&common::oneil()).chain(&ncats) {
        let s = b.mean_surface();
        let z = zip_synergyfinder(&s);
        for c in 0..s.len() {
            let v = z.scores.synergy[c];
            if s.is_monotherapy(c) {
                assert_eq!(v, Some(0.0));
            } else if let Some(v) = v {
                assert!(v.is_finite(), "block {} cell {c}", b.id);
            }
            assert!(z.fitted[c].is_some_and(f64::is_finite));
        }
        let m = summarize(&s, &z.scores.synergy).mean;
        println!(
            "block {} ({} drugs): ZIP {m:?}, failed lines {}",
            b.id,
            s.n_drugs(),
            z.failed_lines
        );
    }
}
