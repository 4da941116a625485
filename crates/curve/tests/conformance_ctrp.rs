//! Real viability curves: 1,246 CTRPv2 curves (CIL70 and NPC-26, 16 doses
//! up to 40 µM plus a dose-0 control) against two references
//! (tests/data/SOURCES.md):
//!
//! * scipy 1.17.1 bounded TRF LL.4 with the same bounds — a second opinion,
//!   not ground truth: many CTRP curves are incomplete and several have
//!   more than one local minimum;
//! * CurveCurator 0.6.0, whose model differs (control point added, linear
//!   interpolation between doses, OLS on a grid of starts): compared on
//!   the curves it calls clearly regulated.

mod common;

use common::data_path;
use preclin_curve::{CurveData, FitOptions, Model, fit};
use std::collections::HashMap;

const DOSES_UM: [f64; 16] = [
    0.0012, 0.0024, 0.0049, 0.0097, 0.019, 0.039, 0.078, 0.16, 0.31, 0.62, 1.2, 2.5, 5.0, 10.0,
    20.0, 40.0,
];

/// (name, doses incl. 0, responses) with missing values dropped.
fn curves() -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(data_path("ctrp40_curvecurator_input.tsv"))
        .unwrap();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let mut x = Vec::new();
        let mut y = Vec::new();
        for k in 0..17 {
            let cell = rec[k + 1].trim();
            if cell.is_empty() {
                continue;
            }
            x.push(if k == 0 { 0.0 } else { DOSES_UM[k - 1] });
            y.push(cell.parse::<f64>().unwrap());
        }
        out.push((rec[0].to_string(), x, y));
    }
    out
}

/// Rows of a reference CSV, in file order. (Names are not unique: 24 cell
/// line × compound pairs occur twice in the CTRP subset.)
fn read_csv(name: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(data_path(name)).unwrap();
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

fn num(m: &HashMap<String, String>, k: &str) -> Option<f64> {
    m.get(k).and_then(|v| v.parse().ok())
}

fn ctrp_options() -> FitOptions {
    FitOptions {
        model: Model::LL4,
        hill_bounds: (0.01, 20.0),
        bottom_bounds: (-0.5, 2.0),
        top_bounds: (0.0, 3.0),
        ..FitOptions::default()
    }
}

#[test]
fn ctrp_against_scipy_bounded_ll4() {
    let expected = read_csv("expected_ctrp40_scipy_ll4.csv");
    let curves = curves();
    assert_eq!(expected.len(), curves.len());
    let opts = ctrp_options();
    let (mut compared, mut better_or_equal, mut params_agree, mut well_posed) = (0, 0, 0, 0);
    let mut worse = Vec::new();
    for ((name, x, y), e) in curves.into_iter().zip(&expected) {
        assert_eq!(&e["Name"], &name);
        let f = fit(
            &CurveData {
                dose: &x,
                response: &y,
                weight: None,
            },
            &opts,
        )
        .unwrap_or_else(|err| panic!("{name}: {err}"));
        if e["status"] != "ok" {
            // scipy failed on 4 curves; we must still return a finite fit.
            assert!(f.rss.is_finite(), "{name}");
            continue;
        }
        compared += 1;
        let rss_ref = num(e, "rss").unwrap();
        if f.rss <= rss_ref * (1.0 + 1e-6) + 1e-12 {
            better_or_equal += 1;
        } else {
            worse.push((name.clone(), f.rss, rss_ref));
        }
        // Parameters on well-posed curves: no bound active, EC50 inside the
        // tested range, a clear dose response (F test p < 1e-3), and a slope
        // that the doses can resolve (b < 10: steeper curves are steps
        // between two doses whose slope is not identifiable — scipy stops
        // anywhere between 15 and 20 on those, at the same RSS as ours).
        let clean = e["param_at_bound"] == "False"
            && num(e, "b_hill").unwrap() < 10.0
            && e["e_below_min_dose"] == "False"
            && e["e_above_max_dose"] == "False"
            && num(e, "p_F_vs_flat").unwrap() < 1e-3;
        // Same minimum (RSS equal to 1e-6): the parameters must agree. On
        // the others we found a lower minimum (asserted above for 99.5 %).
        let same_minimum = (f.rss - rss_ref).abs() <= 1e-6 * rss_ref;
        if clean && same_minimum && !f.any_at_bound() {
            well_posed += 1;
            // Within 1e-3 (relative for b, absolute on the 0–1 scale for c,
            // d and log10 e) or a twentieth of the standard error, whichever
            // is larger: a flat valley (a step resolved by no dose) leaves b
            // undetermined at equal RSS.
            let tol = |j: usize, base: f64| base.max(0.05 * f.se(j).unwrap_or(0.0));
            let se_log10e = f.ec50().and_then(|e| e.se_ln).unwrap_or(0.0) / std::f64::consts::LN_10;
            let ok = (f.params.e.log10() - num(e, "log10_e").unwrap()).abs()
                <= 1e-3f64.max(0.05 * se_log10e)
                && (f.params.b - num(e, "b_hill").unwrap()).abs()
                    <= tol(0, 1e-3 * f.params.b.abs())
                && (f.params.d - num(e, "d_top").unwrap()).abs() <= tol(2, 1e-3)
                && (f.params.c - num(e, "c_bottom").unwrap()).abs() <= tol(1, 1e-3);
            if ok {
                params_agree += 1;
            } else if std::env::var("CTRP_DEBUG").is_ok() {
                eprintln!(
                    "{name}: ours b {:.5} c {:.5} d {:.5} log10e {:.5} rss {:.8} | scipy b {} c {} d {} log10e {} rss {}",
                    f.params.b,
                    f.params.c,
                    f.params.d,
                    f.params.e.log10(),
                    f.rss,
                    e["b_hill"],
                    e["c_bottom"],
                    e["d_top"],
                    e["log10_e"],
                    e["rss"]
                );
            }
        }
    }
    assert_eq!(compared, 1242);
    // Our minimum is at least as low as scipy's on (almost) every curve.
    assert!(
        better_or_equal as f64 >= 0.995 * compared as f64,
        "{better_or_equal}/{compared} not worse; worse: {:?}",
        &worse[..worse.len().min(10)]
    );
    assert!(well_posed > 250, "{well_posed}");
    assert_eq!(
        params_agree, well_posed,
        "{params_agree}/{well_posed} well-posed curves at the same minimum agree"
    );
    eprintln!(
        "CTRP vs scipy: RSS ≤ scipy on {better_or_equal}/{compared}; parameters within 1e-3 on {params_agree}/{well_posed} well-posed curves at the same minimum"
    );
}

#[test]
fn ctrp_pec50_against_curvecurator_on_regulated_curves() {
    let cc: HashMap<String, HashMap<String, String>> =
        read_csv("expected_ctrp40_curvecurator_rerun.csv")
            .into_iter()
            .map(|m| (m["Name"].clone(), m))
            .collect();
    let curves = curves();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (name, _, _) in &curves {
        *count.entry(name.as_str()).or_default() += 1;
    }
    let opts = ctrp_options();
    let mut diffs = Vec::new();
    for (name, x, y) in &curves {
        // CurveCurator merges duplicated names: compare unique ones only.
        if count[name.as_str()] > 1 {
            continue;
        }
        let Some(c) = cc.get(name) else { continue };
        if c["Curve Regulation"] != "down" {
            continue;
        }
        let pec50_cc = num(c, "pEC50").unwrap();
        // CurveCurator's EC50 lies inside the tested range for a fair match.
        let ec50_um = 10f64.powf(-pec50_cc) * 1e6;
        if !(ec50_um > DOSES_UM[1] && ec50_um < DOSES_UM[14]) {
            continue;
        }
        let f = fit(
            &CurveData {
                dose: x,
                response: y,
                weight: None,
            },
            &opts,
        )
        .unwrap();
        let pec50 = -(f.params.e * 1e-6).log10();
        diffs.push((pec50 - pec50_cc).abs());
    }
    diffs.sort_by(f64::total_cmp);
    let n = diffs.len();
    let median = diffs[n / 2];
    let p90 = diffs[n * 9 / 10];
    eprintln!(
        "CTRP vs CurveCurator: {n} regulated curves, |ΔpEC50| median {median:.4}, 90th percentile {p90:.4}"
    );
    assert!(n > 300, "{n}");
    // Different estimators (interpolated points, different bounds): the
    // potencies agree closely but not exactly.
    assert!(median < 0.05, "median {median}");
    assert!(p90 < 0.25, "p90 {p90}");
}
