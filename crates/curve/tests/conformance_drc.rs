//! Conformance with drc (R) on the drcData example datasets.
//!
//! Expected values: `tests/data/expected_drc_datasets_scipy_ll4.csv`
//! (scipy 1.17.1 LM in drc's parameterisation; it reproduces drc 3.0.6's
//! published ryegrass numbers — see tests/data/SOURCES.md). Tolerance:
//! 1e-4 relative for LL.3/LL.4 parameters, SEs, ED10/50/90 and their
//! natural-scale delta intervals; 1e-2 for LL.5, whose likelihood is flat in
//! (b, e, f) so that different optimisers stop at slightly different points
//! of an almost level valley (drc's own LL.5 differs from scipy's by ~1e-3).

mod common;

use common::{ExpectedRow, close, close_scaled, load_dataset, read_expected};
use preclin_curve::{CiMethod, CurveData, FitOptions, Model, SummaryOptions, fit, summarize};

fn check_row(row: &ExpectedRow) {
    let (x, y) = load_dataset(&row.dataset, &row.curve);
    let model = Model::parse(&row.model).unwrap();
    let tol = if model == Model::LL5 { 1e-2 } else { 1e-4 };
    let f = fit(
        &CurveData {
            dose: &x,
            response: &y,
            weight: None,
        },
        &FitOptions::new(model),
    )
    .unwrap();
    let ctx = format!("{} {} {}", row.dataset, row.curve, row.model);
    assert!(f.converged, "{ctx}: not converged");
    assert_eq!(f.n, row.get("n").unwrap() as usize, "{ctx}");
    close(f.rss, row.get("rss").unwrap(), tol, &format!("{ctx} rss"));
    // At least as good a least-squares solution as the reference.
    assert!(
        f.rss <= row.get("rss").unwrap() * (1.0 + 1e-7),
        "{ctx}: rss {} above the reference {}",
        f.rss,
        row.get("rss").unwrap()
    );
    close(
        f.loglik(),
        row.get("loglik").unwrap(),
        tol,
        &format!("{ctx} loglik"),
    );
    close(f.aic(), row.get("aic").unwrap(), tol, &format!("{ctx} aic"));
    for (j, name) in ["b", "c", "d", "e", "f"].iter().enumerate() {
        if let Some(want) = row.get(name) {
            let got = f.params.to_array()[j];
            // Near-zero parameters (spinach c) are compared on the scale of
            // their standard error.
            let se_want = row.get(&format!("{name}_se")).unwrap();
            close_scaled(got, want, tol, se_want, &format!("{ctx} {name}"));
            let se = f.se(j).unwrap();
            // Standard errors: 1e-3. scipy's covariance comes from MINPACK's
            // last Jacobian, taken before its final step, while ours is taken
            // at the optimum (we reach a lower RSS in every case, asserted
            // above). Re-run to convergence (ftol = xtol = gtol = 1e-14),
            // scipy gives S.alba Bentazone SE(b) = 1.01758003 — ours is
            // 1.01757997 — against 1.017382 in the file. LL.5: 10 %.
            let se_tol = if model == Model::LL5 { 0.1 } else { 1e-3 };
            close(
                se,
                row.get(&format!("{name}_se")).unwrap(),
                se_tol,
                &format!("{ctx} {name}_se"),
            );
        }
    }
    if model == Model::LL5 {
        return;
    }
    let opts = SummaryOptions {
        ci: CiMethod::DeltaNatural,
        ed_levels: vec![10.0, 50.0, 90.0],
        ..Default::default()
    };
    let s = summarize(&f, None, &opts);
    for ed in &s.ed {
        let key = format!("ED{}", ed.p as u32);
        close(
            ed.value.unwrap(),
            row.get(&key).unwrap(),
            tol,
            &format!("{ctx} {key}"),
        );
        // SEs and the limits built from them: 1e-3 (see the parameter SEs).
        let est = f.ed(ed.p).unwrap();
        close(
            est.se().unwrap(),
            row.get(&format!("{key}_se_delta")).unwrap(),
            1e-3,
            &format!("{ctx} {key} se"),
        );
        close(
            ed.lower.unwrap(),
            row.get(&format!("{key}_lo")).unwrap(),
            1e-3,
            &format!("{ctx} {key} lo"),
        );
        close(
            ed.upper.unwrap(),
            row.get(&format!("{key}_hi")).unwrap(),
            1e-3,
            &format!("{ctx} {key} hi"),
        );
    }
}

#[test]
fn drc_datasets_match_reference_fits() {
    let rows = read_expected();
    assert_eq!(rows.len(), 11);
    for row in &rows {
        check_row(row);
    }
}

#[test]
fn ryegrass_matches_drc_published_values() {
    // drc 3.0.6 pkgdown docs (see tests/data/SOURCES.md).
    let (x, y) = load_dataset("ryegrass", "all");
    let f = fit(
        &CurveData {
            dose: &x,
            response: &y,
            weight: None,
        },
        &FitOptions::default(),
    )
    .unwrap();
    // drc prints 5 decimals and stops optim at a relative tolerance near
    // 1e-7 in the objective, so its b is ~1e-5 short of the least-squares
    // optimum (scipy and we agree to 1e-6): compare to 2e-5.
    let near = |got: f64, want: f64, half_ulp: f64, what: &str| {
        assert!(
            (got - want).abs() <= half_ulp,
            "{what}: got {got}, want {want}"
        );
    };
    near(f.params.b, 2.98222, 2e-5, "b");
    near(f.params.c, 0.48141, 5e-6, "c");
    near(f.params.d, 7.79296, 5e-6, "d");
    near(f.params.e, 3.05796, 5e-6, "e");
    near(f.loglik(), -16.15514, 5e-6, "logLik");
    near(f.aic(), 42.31029, 5e-6, "AIC");
    near(f.rss / f.df as f64, 0.2700107, 5e-8, "residual variance");
    let s = summarize(
        &f,
        None,
        &SummaryOptions {
            ci: CiMethod::DeltaNatural,
            ..Default::default()
        },
    );
    // drc's delta interval for ED50: [2.67053, 3.44538]. drc's SE comes from
    // optim's numerical Hessian (0.18573 vs J'J 0.18583), so the limits agree
    // to 5e-4 relative, not better.
    close(s.ec50_lower.unwrap(), 2.67053, 5e-4, "ED50 lower");
    close(s.ec50_upper.unwrap(), 3.44538, 5e-4, "ED50 upper");
    // LL.3 (drc docs): b 2.47033, d 7.85543, e 3.26336, RSE 0.5615802 on 21 df.
    let f3 = fit(
        &CurveData {
            dose: &x,
            response: &y,
            weight: None,
        },
        &FitOptions::new(Model::LL3),
    )
    .unwrap();
    near(f3.params.b, 2.47033, 2e-5, "LL.3 b");
    near(f3.params.d, 7.85543, 5e-6, "LL.3 d");
    near(f3.params.e, 3.26336, 5e-6, "LL.3 e");
    near(f3.sigma().unwrap(), 0.5615802, 5e-8, "LL.3 RSE");
    assert_eq!(f3.df, 21);
    // LL.5 (drc docs): b 3.92870, c 0.32165, d 7.76054, e 2.21539, f 0.46831,
    // RSE 0.5270098 on 19 df — a flat likelihood: 1e-2 on parameters.
    let f5 = fit(
        &CurveData {
            dose: &x,
            response: &y,
            weight: None,
        },
        &FitOptions::new(Model::LL5),
    )
    .unwrap();
    close(f5.sigma().unwrap(), 0.5270098, 1e-5, "LL.5 RSE");
    close(f5.params.b, 3.92870, 1e-2, "LL.5 b");
    close(f5.params.e, 2.21539, 1e-2, "LL.5 e");
    close(f5.params.f, 0.46831, 1e-2, "LL.5 f");
}

#[test]
fn spinach_matches_drc_docs() {
    // drc docs LL.4.html, drm(SLOPE~DOSE, CURVE, fct=LL.4()).
    let want = [
        (0.519519, -0.016595, 1.879553, 1.794955),
        (0.800796, 0.132589, 0.946000, 0.945530),
        (0.681913, 0.146406, 1.090321, 1.373023),
        (1.844809, 0.079552, 2.153578, 0.197326),
        (1.650758, -0.009066, 1.806283, 0.210793),
    ];
    for (i, w) in want.iter().enumerate() {
        let (x, y) = load_dataset("spinach", &(i + 1).to_string());
        let f = fit(
            &CurveData {
                dose: &x,
                response: &y,
                weight: None,
            },
            &FitOptions::default(),
        )
        .unwrap();
        let ctx = format!("spinach {}", i + 1);
        // drc prints 6 decimals: compare to that precision.
        assert!((f.params.b - w.0).abs() < 2e-4, "{ctx} b {}", f.params.b);
        assert!((f.params.c - w.1).abs() < 2e-4, "{ctx} c {}", f.params.c);
        assert!((f.params.d - w.2).abs() < 2e-4, "{ctx} d {}", f.params.d);
        assert!(
            (f.params.e - w.3).abs() < 2e-4 * w.3.max(1.0),
            "{ctx} e {}",
            f.params.e
        );
    }
}
