//! `invivo::synergy` against Python re-computations (tests/data/synergy/, see SOURCES.md there) and
//! SynergyLMM's printed nlme estimates.

use preclin_invivo::synergy::invivosyn::{InvivoSynOptions, auc_growth_rate, invivosyn_synergy};
use preclin_invivo::synergy::synergylmm::{SynergyLmmOptions, synergy_lmm};
use preclin_invivo::synergy::{NullModel, SynergyArms, SynergyError, TumourRecord};
use std::collections::BTreeMap;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/synergy/");

fn read(file: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(format!("{DATA}{file}")).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        })
        .collect()
}

fn grwth() -> Vec<TumourRecord> {
    read("SynergyLMM_grwth_data.csv")
        .into_iter()
        .map(|r| TumourRecord {
            mouse: r["subject"].clone(),
            group: r["Treatment"].clone(),
            day: r["Time"].parse().unwrap(),
            volume: Some(r["TumorVolume"].parse().unwrap()),
        })
        .collect()
}

fn ls1034() -> Vec<TumourRecord> {
    let mut r = csv::Reader::from_path(format!("{DATA}invivoSyn_LS_1034.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let mut out = vec![];
    for rec in r.records() {
        let rec = rec.unwrap();
        for c in 2..h.len() {
            out.push(TumourRecord {
                mouse: rec[1].to_string(),
                group: rec[0].to_string(),
                day: h[c].parse().unwrap(),
                volume: rec[c].parse().ok(),
            });
        }
    }
    out
}

fn arms(c: &str, a: &str, b: &str, ab: &str) -> SynergyArms {
    SynergyArms {
        control: c.into(),
        drug_a: a.into(),
        drug_b: b.into(),
        combo: ab.into(),
    }
}

fn f(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap()
}

#[test]
fn synergylmm_full_model_matches_nlme_readme() {
    let res = synergy_lmm(
        &grwth(),
        &arms("Control", "DrugA", "DrugB", "Combination"),
        &SynergyLmmOptions::default(),
    )
    .unwrap();
    let want = [0.07855242, 0.07491984, 0.06306986, 0.03487933];
    for (g, w) in res.model.rate.iter().zip(want) {
        assert!((g - w).abs() < 5e-9);
    }
    assert!((res.model.rate_se[0] - 0.00322683).abs() < 5e-9);
    assert!((res.model.sd_residual - 0.2124122).abs() < 5e-8);
    assert_eq!((res.model.n_obs, res.model.n_mice), (320, 32));
    assert_eq!(res.hsa_reference, "DrugB");
    assert_eq!(res.rows.len(), 20);
}

/// Every time point and both nulls against statsmodels refits + the published SS/CI formulas.
/// Tolerance 1e-4 (relative for Δ, se, CI; absolute for SS and p) where the two fits reach the
/// same REML log-likelihood (|Δℓ| < 1e-6).
#[test]
fn synergylmm_matches_python_recomputation() {
    let res = synergy_lmm(
        &grwth(),
        &arms("Control", "DrugA", "DrugB", "Combination"),
        &SynergyLmmOptions::default(),
    )
    .unwrap();
    let want = read("synergylmm_reference.csv");
    assert_eq!(want.len(), res.rows.len());
    let mut compared = 0;
    for (w, g) in want.iter().zip(&res.rows) {
        let null = if w["null"] == "bliss" {
            NullModel::Bliss
        } else {
            NullModel::Hsa
        };
        assert_eq!(g.null, null);
        assert_eq!(g.time, f(w, "time"));
        let (Some(delta), Some(se), Some(ss), Some(ci), Some(p)) = (
            g.delta,
            g.delta_se,
            g.synergy_score,
            g.combination_index,
            g.p,
        ) else {
            panic!("missing value at {}", g.time);
        };
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
        let tag = format!("{} t={}", w["null"], g.time);
        assert!(
            rel(delta, f(w, "delta")) < 1e-4,
            "{tag}: delta {delta} vs {}",
            w["delta"]
        );
        assert!(rel(se, f(w, "se")) < 1e-4, "{tag}: se {se} vs {}", w["se"]);
        assert!(
            (ss - f(w, "ss")).abs() < 1e-4,
            "{tag}: ss {ss} vs {}",
            w["ss"]
        );
        assert!(rel(ci, f(w, "ci")) < 1e-4, "{tag}: ci");
        assert!(
            rel(g.ci_lower.unwrap(), f(w, "ci_lower")) < 1e-4,
            "{tag}: ci_lower"
        );
        assert!(
            rel(g.ci_upper.unwrap(), f(w, "ci_upper")) < 1e-4,
            "{tag}: ci_upper"
        );
        assert!((p - f(w, "p")).abs() < 1e-4, "{tag}: p {p} vs {}", w["p"]);
        assert!((g.ss_upper.unwrap() - g.ss_lower.unwrap() - 2.0 * 1.959963984540054).abs() < 1e-9);
        compared += 1;
    }
    assert_eq!(compared, 20);
}

#[test]
fn invivosyn_auc_matches_independent_per_mouse_values() {
    // expected_per_mouse_LS_1034.csv: computed by the project's research notes (Python, from invivoSyn's
    // get_AUC definition), independently of this crate.
    let recs = ls1034();
    let want = read("expected_per_mouse_LS_1034.csv");
    let origin = recs.iter().map(|r| r.day).fold(f64::INFINITY, f64::min);
    for w in &want {
        let mouse = w["uid"].split('_').nth(1).unwrap();
        let mut pts: Vec<(f64, f64)> = recs
            .iter()
            .filter(|r| r.mouse == mouse && r.group == w["Treatment"])
            .filter_map(|r| r.volume.map(|v| (r.day - origin, v)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let got = auc_growth_rate(&pts).unwrap();
        assert!(
            (got - f(w, "invivoSyn_normAUC")).abs() < 1e-12,
            "{}: {got}",
            w["uid"]
        );
    }
    assert_eq!(want.len(), 41);
}

#[test]
fn invivosyn_matches_python_recomputation_and_is_seeded() {
    let a = arms(
        "Vehicle",
        "Rabusertib",
        "Irinotecan",
        "Irinotecan+Rabusertib",
    );
    let opts = InvivoSynOptions {
        boot: 400,
        seed: 7,
        ..InvivoSynOptions::default()
    };
    let res = invivosyn_synergy(&ls1034(), &a, &opts).unwrap();
    let want = read("invivosyn_reference.csv");
    let get = |q: &str, arm: &str| {
        want.iter()
            .find(|r| r["quantity"] == q && r["arm"] == arm)
            .map(|r| f(r, "value"))
            .unwrap()
    };
    for arm in &res.arms {
        assert!((arm.mean_auc - get("mean_auc", &arm.group)).abs() < 1e-12);
        assert!((arm.relative_survival - get("relative_survival", &arm.group)).abs() < 1e-12);
    }
    for row in &res.rows {
        let k = row.null.name();
        assert!((row.combination_index - get("ci", k)).abs() < 1e-12);
        assert!((row.synergy_score - get("ss", k)).abs() < 1e-10);
        let (lo, hi) = (row.ci_lower.unwrap(), row.ci_upper.unwrap());
        assert!(lo <= row.combination_index && row.combination_index <= hi);
        let (lo, hi) = (row.ss_lower.unwrap(), row.ss_upper.unwrap());
        assert!(lo <= row.synergy_score && row.synergy_score <= hi);
        for p in [
            row.p_synergy_ci,
            row.p_synergy_ss,
            row.p_antagonism_ci,
            row.p_antagonism_ss,
        ] {
            assert!((0.0..=1.0).contains(&p.unwrap()));
        }
    }
    let again = invivosyn_synergy(&ls1034(), &a, &opts).unwrap();
    assert_eq!(res, again);
    let other = invivosyn_synergy(&ls1034(), &a, &InvivoSynOptions { seed: 8, ..opts }).unwrap();
    assert_ne!(res.rows[0].ci_lower, other.rows[0].ci_lower);
}

/// Simulated log-RTV data with Bliss-additive rates (β_AB = β_A + β_B − β_C) and with a strongly
/// synergistic combination: the Bliss SS at the last day is near 0 in the first and clearly > 0 in the
/// second.
#[test]
fn synergylmm_simulated_truth() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;
    let run = |beta_ab: f64, seed: u64| {
        let beta = [0.08, 0.06, 0.05, beta_ab];
        let names = ["C", "A", "B", "AB"];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut recs = vec![];
        for m in 0..40 {
            let g = m / 10;
            let b = Normal::new(0.0, 0.01).unwrap().sample(&mut rng);
            let v0: f64 = 150.0 + 10.0 * (m % 7) as f64;
            for k in 0..=10 {
                let t = 3.0 * k as f64;
                let e = if k == 0 {
                    0.0
                } else {
                    Normal::new(0.0, 0.15).unwrap().sample(&mut rng)
                };
                recs.push(TumourRecord {
                    mouse: format!("{m}"),
                    group: names[g].into(),
                    day: t,
                    volume: Some(v0 * ((beta[g] + b) * t + e).exp()),
                });
            }
        }
        synergy_lmm(
            &recs,
            &arms("C", "A", "B", "AB"),
            &SynergyLmmOptions::default(),
        )
        .unwrap()
    };
    let additive = run(0.06 + 0.05 - 0.08, 1);
    let last = additive
        .rows
        .iter()
        .rfind(|r| r.null == NullModel::Bliss)
        .unwrap();
    assert!(last.synergy_score.unwrap().abs() < 3.0 && last.p.unwrap() > 0.003);
    let synergy = run(0.0, 2);
    let last = synergy
        .rows
        .iter()
        .rfind(|r| r.null == NullModel::Bliss)
        .unwrap();
    assert!(last.synergy_score.unwrap() > 4.0 && last.combination_index.unwrap() < 1.0);
}

#[test]
fn input_errors() {
    let mut recs = grwth();
    assert!(matches!(
        synergy_lmm(
            &recs,
            &arms("Control", "DrugA", "DrugA", "Combination"),
            &SynergyLmmOptions::default()
        ),
        Err(SynergyError::Arms)
    ));
    assert!(matches!(
        synergy_lmm(
            &recs,
            &arms("Control", "DrugA", "Nope", "Combination"),
            &SynergyLmmOptions::default()
        ),
        Err(SynergyError::EmptyArm(_))
    ));
    recs[3].volume = Some(-1.0);
    assert!(matches!(
        invivosyn_synergy(
            &recs,
            &arms("Control", "DrugA", "DrugB", "Combination"),
            &InvivoSynOptions::default()
        ),
        Err(SynergyError::InvalidValue { .. })
    ));
}
