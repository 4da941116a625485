//! Engraftment engine on simulated data with known truth.

use preclin_invivo::engraftment::{EngraftmentOptions, RawRow, Tissue, analyse, validate};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Per mouse: logit(p) = a_g + r·day + ε_mouse, sampled weekly to day 42.
fn study(seed: u64, n: usize, shift: f64) -> Vec<RawRow> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mouse_sd = Normal::new(0.0, 0.6).unwrap();
    let mut rows = Vec::new();
    let mut line = 2;
    for (g, a) in [("vehicle", -6.0), ("treated", -6.0 + shift)] {
        for m in 0..n {
            let e = mouse_sd.sample(&mut rng);
            for w in 0..=6 {
                let day = 7.0 * w as f64;
                let p = 100.0 * sigmoid(a + 0.15 * day + e);
                rows.push(RawRow {
                    line,
                    mouse: format!("{g}-{m}"),
                    group: g.into(),
                    day,
                    tissue: "blood".into(),
                    hcd45_pct: Some(p),
                    hcd45: None,
                    mcd45: None,
                });
                line += 1;
            }
        }
    }
    rows
}

#[test]
fn logit_difference_ci_covers_the_truth() {
    let shift = -1.5;
    let opts = EngraftmentOptions {
        control: Some("vehicle".into()),
        ..EngraftmentOptions::default()
    };
    let reps = 300;
    let mut covered = 0;
    let mut sum = 0.0;
    for rep in 0..reps {
        let obs = validate(&study(1000 + rep, 8, shift)).unwrap();
        let r = analyse(&obs, &opts).unwrap();
        let s = r
            .summaries
            .iter()
            .find(|s| s.group == "treated" && s.day == Some(28.0) && s.tissue == Tissue::Blood)
            .unwrap();
        let c = s.comparison.as_ref().unwrap();
        let (lo, hi) = (c.logit_ci_lower.unwrap(), c.logit_ci_upper.unwrap());
        if lo <= shift && shift <= hi {
            covered += 1;
        }
        sum += c.logit_diff.unwrap();
    }
    let cov = covered as f64 / reps as f64;
    // 95 % nominal; binomial SD with 300 reps ≈ 1.3 %.
    assert!((0.91..=0.99).contains(&cov), "coverage {cov}");
    let mean = sum / reps as f64;
    assert!((mean - shift).abs() < 0.05, "mean logit diff {mean}");
}

#[test]
fn time_to_threshold_and_auc_recover_the_truth() {
    // No mouse noise: logit = −6 + 0.15·day (+ shift); 1 % is reached at
    // day (logit(0.01) + 6)/0.15 = 9.367 for vehicle, 19.367 with shift −1.5.
    let mut rows = study(7, 3, -1.5);
    let mut by_mouse = std::collections::HashMap::new();
    for r in &mut rows {
        // Remove the per-mouse effect: recompute from the day.
        let a = if r.group == "vehicle" { -6.0 } else { -7.5 };
        r.hcd45_pct = Some(100.0 * sigmoid(a + 0.15 * r.day));
        by_mouse.insert(r.mouse.clone(), a);
    }
    let obs = validate(&rows).unwrap();
    let opts = EngraftmentOptions {
        control: Some("vehicle".into()),
        ..EngraftmentOptions::default()
    };
    let r = analyse(&obs, &opts).unwrap();
    let logit1 = (0.01f64 / 0.99).ln();
    for t in &r.time_to_threshold {
        let truth = (logit1 - by_mouse[&t.mouse]) / 0.15;
        assert!(t.event && !t.interpolated);
        // The first weekly visit at or after the true time.
        assert_eq!(t.time, (truth / 7.0).ceil() * 7.0, "{}", t.mouse);
    }
    let ri = analyse(
        &obs,
        &EngraftmentOptions {
            interpolate: true,
            ..opts
        },
    )
    .unwrap();
    for t in &ri.time_to_threshold {
        let truth = (logit1 - by_mouse[&t.mouse]) / 0.15;
        assert!(t.interpolated);
        // Linear interpolation of a convex (early logistic) curve lands
        // within the bracketing week, a little before the truth.
        assert!(
            t.time <= truth + 1e-9 && t.time > truth - 7.0,
            "{} {truth}",
            t.time
        );
    }
    // AUC of the noise-free vehicle curve vs a fine trapezoid of the truth.
    let fine: f64 = (0..4200)
        .map(|i| {
            let (d0, d1) = (i as f64 * 0.01, (i + 1) as f64 * 0.01);
            0.01 * 50.0 * (sigmoid(-6.0 + 0.15 * d0) + sigmoid(-6.0 + 0.15 * d1))
        })
        .sum();
    let a = r.auc.iter().find(|a| a.group == "vehicle").unwrap();
    assert_eq!((a.first_day, a.last_day), (0.0, 42.0));
    // Weekly trapezoids overestimate a convex curve: within 5 %.
    assert!(
        (a.auc.unwrap() / fine - 1.0).abs() < 0.05,
        "{} vs {fine}",
        a.auc.unwrap()
    );
    // Noise-free groups have no variance: no Welch test (flagged), but the
    // rank test and its shift still see the lower treated curve.
    let c = r.auc_summaries[1].comparison.as_ref().unwrap();
    assert!(c.odds_ratio.is_none() && c.flags.contains(&"no_test".to_string()));
    assert!(c.hodges_lehmann.unwrap() < 0.0);
    assert!(c.mw_p.unwrap() < 0.1, "tied groups: normal approximation");
}

#[test]
fn counts_give_wilson_intervals_covering_the_truth() {
    // 20 % human of 200 events, 2000 draws: the Wilson interval covers
    // 20 % about 95 % of the time.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let bin = rand_distr::Binomial::new(200, 0.2).unwrap();
    let mut rows = Vec::new();
    for i in 0..2000 {
        let h = bin.sample(&mut rng) as f64;
        rows.push(RawRow {
            line: i + 2,
            mouse: format!("m{i}"),
            group: "g".into(),
            day: 0.0,
            tissue: "bone_marrow".into(),
            hcd45_pct: None,
            hcd45: Some(h),
            mcd45: Some(200.0 - h),
        });
    }
    let obs = validate(&rows).unwrap();
    let cov = obs
        .iter()
        .filter(|o| o.ci_lower.unwrap() <= 20.0 && 20.0 <= o.ci_upper.unwrap())
        .count() as f64
        / 2000.0;
    assert!((0.93..=0.97).contains(&cov), "coverage {cov}");
}
