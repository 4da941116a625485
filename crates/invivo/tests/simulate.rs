//! The in vivo demo generators: determinism by seed and recovery of the
//! designed truth.

use preclin_invivo::engraftment::{EngraftmentOptions, RawRow, Tissue, analyse, validate};
use preclin_invivo::simulate::{
    ENGRAFTMENT_SEED, SURVIVAL_SEED, SurvivalRow, XENOGRAFT_SEED, caliper_csv, engraftment_csv,
    engraftment_study, humane_endpoints_csv, survival_csv, survival_study, xenograft_study,
};

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

#[test]
fn xenograft_is_deterministic_and_meets_the_design() {
    let a = xenograft_study(XENOGRAFT_SEED);
    let b = xenograft_study(XENOGRAFT_SEED);
    assert_eq!(caliper_csv(&a.rows), caliper_csv(&b.rows));
    assert_ne!(
        caliper_csv(&a.rows),
        caliper_csv(&xenograft_study(XENOGRAFT_SEED + 1).rows)
    );
    assert_eq!(a.truth.seed, XENOGRAFT_SEED);
    let csv = caliper_csv(&a.rows);
    assert!(csv.starts_with("mouse,group,day,length,width,body_weight\n"));
    // Group sizes 8–10.
    for g in &a.truth.groups {
        assert!((8..=10).contains(&g.n), "{}", g.group);
    }
    // Width is the shorter axis.
    assert!(a.rows.iter().all(|r| r.width <= r.length));
    // One or two humane endpoints, each with a reason; nothing after them.
    let he = &a.humane_endpoints;
    assert!((1..=2).contains(&he.len()), "{he:?}");
    for e in he {
        assert!(!e.reason.is_empty());
        let last = a
            .rows
            .iter()
            .filter(|r| r.mouse == e.mouse)
            .map(|r| r.day)
            .fold(f64::MIN, f64::max);
        assert_eq!(last, e.day);
    }
    assert!(humane_endpoints_csv(he).lines().count() == he.len() + 1);
    // Day-28 volumes from the calipers (V = L·W²/2).
    let vols = |g: &str| -> Vec<f64> {
        a.rows
            .iter()
            .filter(|r| r.group == g && r.day == 28.0)
            .map(|r| r.length * r.width * r.width / 2.0)
            .collect()
    };
    let (veh, mi503, mi463) = (vols("vehicle"), vols("MI-503"), vols("MI-463"));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    // > 80 % reduction of the mean volume with MI-503, complete regressions.
    let red = 1.0 - mean(&mi503) / mean(&veh);
    assert!(red > 0.8, "MI-503 reduction {red}");
    let cr = mi503.iter().filter(|&&v| v == 0.0).count();
    assert!(cr >= 1, "complete regressions {cr}");
    // ~3-fold smaller with MI-463 (geometric means).
    let ratio = geomean(&veh) / geomean(&mi463);
    assert!((2.2..4.0).contains(&ratio), "MI-463 fold {ratio}");
}

/// Kaplan–Meier median: the first time S(t) ≤ 0.5 (R's rule without the
/// flat-segment midpoint, enough here).
fn km_median(rows: &[&SurvivalRow]) -> Option<f64> {
    let mut times: Vec<f64> = rows.iter().map(|r| r.time).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut s = 1.0;
    for t in times {
        let at_risk = rows.iter().filter(|r| r.time >= t).count() as f64;
        let d = rows.iter().filter(|r| r.time == t && r.event).count() as f64;
        s *= 1.0 - d / at_risk;
        if s <= 0.5 {
            return Some(t);
        }
    }
    None
}

#[test]
fn survival_is_deterministic_and_recovers_the_median_ratios() {
    let a = survival_study(SURVIVAL_SEED, 10);
    assert_eq!(
        survival_csv(&a.rows),
        survival_csv(&survival_study(SURVIVAL_SEED, 10).rows)
    );
    assert!(survival_csv(&a.rows).starts_with("mouse,group,time,event\n"));
    assert_eq!(a.rows.len(), 30);
    // Some censoring across the demo study.
    assert!(a.rows.iter().any(|r| !r.event));
    // Large n: the KM medians recover the designed ratios (1.45, 1.70).
    let big = survival_study(7, 4000);
    let med = |g: &str| {
        let rows: Vec<&SurvivalRow> = big.rows.iter().filter(|r| r.group == g).collect();
        km_median(&rows).unwrap()
    };
    let v = med("vehicle");
    // Death days are rounded up: the median of ceil(T) is within a day.
    assert!((v - 21.0).abs() <= 1.0, "vehicle median {v}");
    for (g, want) in [("MI-503", 1.45), ("MI-463", 1.70)] {
        let r = med(g) / v;
        assert!((r - want).abs() < 0.08, "{g}: ratio {r} vs {want}");
    }
    let censored = big.rows.iter().filter(|r| !r.event).count() as f64 / 12000.0;
    assert!((0.03..0.2).contains(&censored), "censored {censored}");
}

#[test]
fn engraftment_is_deterministic_and_recovers_the_truth() {
    let a = engraftment_study(ENGRAFTMENT_SEED, 8);
    let text = engraftment_csv(&a.rows);
    assert_eq!(
        text,
        engraftment_csv(&engraftment_study(ENGRAFTMENT_SEED, 8).rows)
    );
    assert!(text.starts_with("mouse,group,day,tissue,hcd45_pct\n"));
    // The rows go through the engine.
    let raw: Vec<RawRow> = a
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| RawRow {
            line: i + 2,
            mouse: r.mouse.clone(),
            group: r.group.clone(),
            day: r.day,
            tissue: r.tissue.clone(),
            hcd45_pct: Some(r.hcd45_pct),
            hcd45: None,
            mcd45: None,
        })
        .collect();
    let obs = validate(&raw).unwrap();
    let res = analyse(
        &obs,
        &EngraftmentOptions {
            control: Some("vehicle".into()),
            ..EngraftmentOptions::default()
        },
    )
    .unwrap();
    let bm = res
        .burden_summaries
        .iter()
        .find(|s| s.tissue == Tissue::BoneMarrow && s.group == "balomenib")
        .unwrap();
    let c = bm.comparison.as_ref().unwrap();
    assert!(c.welch_p_holm.unwrap() < 0.001 && c.odds_ratio.unwrap() < 0.05);
    // Per-mouse logit slopes in blood recover the designed mean slopes.
    for (g, slope) in &a.truth.slopes {
        let mut slopes = Vec::new();
        for s in res
            .series
            .iter()
            .filter(|s| &s.group == g && s.tissue == Tissue::Blood)
        {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|p| p.1 > 0.0)
                .map(|&(d, v)| (d, (v / (100.0 - v)).ln()))
                .collect();
            let n = pts.len() as f64;
            let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
            let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
            let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
            slopes.push(sxy / sxx);
        }
        let m = slopes.iter().sum::<f64>() / slopes.len() as f64;
        // 8 mice, slope SD 0.015 → SE ≈ 0.005 (plus sampling noise).
        assert!((m - slope).abs() < 0.02, "{g}: slope {m} vs {slope}");
    }
    // Vehicle reaches 10 % in blood for every mouse; treated mostly not.
    let reached = |g: &str, thr: f64| {
        let r = analyse(
            &obs,
            &EngraftmentOptions {
                threshold: thr,
                ..EngraftmentOptions::default()
            },
        )
        .unwrap();
        r.time_to_threshold
            .iter()
            .filter(|t| t.group == g && t.event)
            .count()
    };
    assert_eq!(reached("vehicle", 10.0), 8);
    assert!(reached("balomenib", 10.0) <= 1);
}
