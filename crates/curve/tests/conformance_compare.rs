//! Conformance of global fits and curve comparisons with drc (R) and with an
//! independent numpy / scipy implementation.
//!
//! # drc's documented results
//! Source: drc 3.0.6's pkgdown reference pages, DoseResponse/drc
//! `docs/reference/compParm.html` and `docs/reference/EDcomp.html` at commit
//! 580e7ce9a7c7538c8b6f2a9ed41ca176634988b6 (the examples' printed output).
//! The calls are
//!
//! ```r
//! spinach.m1 <- drm(SLOPE ~ DOSE, CURVE, data = spinach,
//!                   fct = LL.4(names = c("b", "lower", "upper", "ed50")))
//! compParm(spinach.m1, "ed50")            # 1/2: 1.89836, SE 0.71185, t 1.2620, p 0.210398
//! spinach.LL.4 <- drm(SLOPE ~ DOSE, CURVE, data = spinach, fct = LL.4())
//! EDcomp(spinach.LL.4, c(50, 50))          # the same ten ratios, more digits
//! EDcomp(spinach.LL.4, c(10, 50))          # ED10(i) / ED50(j)
//! EDcomp(spinach.LL.4, c(10, 50), reverse = TRUE)
//! EDcomp(spinach.LL.4, c(55, 80), compMatch = c(2, 4))
//! EDcomp(spinach.LL.4, c(0.5, 0.5), compMatch = c(2, 4), type = "absolute",
//!        interval = "fieller")
//! m2 <- drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.3())
//! EDcomp(m2, c(50, 50)); EDcomp(m2, c(50, 50), interval = "delta")
//! EDcomp(m2, c(50, 50), interval = "fieller")
//! ```
//!
//! `drm` with a curve factor and no `pmodels` fits every parameter per curve
//! with one pooled residual variance: our `fit_global` with
//! `Sharing::NONE`. Its covariance is 2σ̂²·H⁻¹ with H the Hessian of the
//! residual sum of squares from `optim` (drc `R/drmEMls.R`), which we
//! reproduce with `Covariance::ObservedHessian`; with the Gauss–Newton
//! σ̂²(JᵀJ)⁻¹ the spinach SEs differ by up to 6 %. Estimates are ratios of
//! ED_p (drc `R/EDcomp.R`), tested against 1 on the natural scale:
//! t = (R − 1)/SE(R), df = N − p.
//!
//! Tolerances: estimates 1e-4 relative (drc prints 5–6 digits and its
//! `optim` stops ~1e-5 short of the least-squares optimum, see
//! `conformance_drc.rs`); SEs and t 5e-4 (drc's Hessian is a
//! finite-difference one); p-values 5e-3 relative. Where |t| is so large
//! that 1 − pt(|t|) rounds to 0 in double precision, drc's
//! `pt(−|t|) + (1 − pt(|t|))` is the one-sided tail: those rows are compared
//! with half our two-sided p.
//!
//! One documented drc number is *not* reproduced by design: the absolute
//! Fieller interval 2/4 at response 0.5, [1.2729, 4.7264]. drc 3.0.6's
//! `llogistic` `edfct` leaves the derivatives of an absolute ED with
//! respect to c and d at 0 (its source says they "are not needed", the
//! issue behind DoseResponse/drc PR #38). Dropping those terms we get drc's
//! interval to 1e-4 (asserted below); with them — the correct delta method
//! — the interval is [1.8462, 4.0645], and that is what preclin reports.
//!
//! # scipy
//! `tests/data/expected_global_scipy.csv`, written by
//! `tests/data/scipy_global_reference.py` (see `tests/data/SOURCES.md`):
//! S.alba LL.4 with nothing, (c, d), (b, c, d) and (b, c, d, e) shared,
//! spinach LL.4 with nothing, b or e shared; residual sums of squares,
//! parameters, F tests, AIC / AICc, and EC50 ratios with delta-log and
//! Fieller intervals from the Gauss–Newton covariance. Tolerance 1e-6
//! relative on RSS, 1e-5 on parameters and derived values.

mod common;

use std::collections::HashMap;

use common::{close, data_path, load_dataset};
use preclin_curve::compare::{CompareOptions, ec50_ratio, nested_test, potency_ratio};
use preclin_curve::{
    Covariance, CurveData, FitOptions, GlobalFit, Model, Potency, Sharing, compare_curves,
    fit_global, fit_global_cov,
};

fn curves(data: &[(Vec<f64>, Vec<f64>)]) -> Vec<CurveData<'_>> {
    data.iter()
        .map(|(x, y)| CurveData {
            dose: x,
            response: y,
            weight: None,
        })
        .collect()
}

fn spinach() -> Vec<(Vec<f64>, Vec<f64>)> {
    (1..=5)
        .map(|i| load_dataset("spinach", &i.to_string()))
        .collect()
}

/// drc's joint LL.4 fit of the five spinach curves (nothing shared), with
/// drc's covariance.
fn spinach_drc() -> GlobalFit {
    let data = spinach();
    let g = fit_global_cov(
        &curves(&data),
        &FitOptions::default(),
        Sharing::NONE,
        Covariance::ObservedHessian,
    )
    .unwrap();
    assert!(g.converged);
    assert_eq!(g.df, 85);
    g
}

/// p-value check: relative 5e-3, or against half of ours when drc's
/// two-sided p lost its upper tail to rounding (p < 1e-15).
fn close_p(ours: f64, drc: f64, what: &str) {
    let ours = if ours < 1e-15 { ours / 2.0 } else { ours };
    close(ours, drc, 5e-3, what);
}

/// One printed row of compParm / EDcomp: (numerator curve, its p,
/// denominator curve, its p, estimate, SE, t, p), curves 1-based.
type DrcRow = (usize, f64, usize, f64, f64, f64, f64, f64);

fn check_rows(g: &GlobalFit, rows: &[DrcRow]) {
    for &(i, pi, j, pj, est, se, t, p) in rows {
        let what = format!("{i}/{j}:{pi}/{pj}");
        let r = potency_ratio(
            g,
            (i - 1, Potency::Relative(pi)),
            (j - 1, Potency::Relative(pj)),
            0.95,
        )
        .unwrap();
        close(r.ratio, est, 1e-4, &format!("{what} estimate"));
        close(r.se.unwrap(), se, 5e-4, &format!("{what} SE"));
        close(r.t_drc.unwrap(), t, 5e-4, &format!("{what} t"));
        close_p(r.p_drc.unwrap(), p, &format!("{what} p"));
    }
}

#[test]
fn spinach_comp_parm_ed50_matches_drc() {
    let g = spinach_drc();
    // compParm(spinach.m1, "ed50") — estimate, SE, t, p as printed; the
    // estimates and SEs to more digits from EDcomp(spinach.LL.4, c(50, 50)).
    let rows: [DrcRow; 10] = [
        (1, 50.0, 2, 50.0, 1.8983586, 0.7118489, 1.2620074, 0.2103980),
        (1, 50.0, 3, 50.0, 1.3073016, 0.5541592, 0.5545367, 0.5806678),
        (1, 50.0, 4, 50.0, 9.0963785, 2.4686586, 3.2796671, 0.0015076),
        (1, 50.0, 5, 50.0, 8.5152294, 2.3364483, 3.2165186, 0.0018362),
        (
            2, 50.0, 3, 50.0, 0.6886484, 0.2908078, -1.0706439, 0.2873603,
        ),
        (2, 50.0, 4, 50.0, 4.7917071, 1.2883525, 2.9430664, 0.0041886),
        (2, 50.0, 5, 50.0, 4.4855747, 1.2196032, 2.8579579, 0.0053607),
        (3, 50.0, 4, 50.0, 6.9581332, 2.3220591, 2.5658835, 0.0120448),
        (3, 50.0, 5, 50.0, 6.5135923, 2.1896041, 2.5180773, 0.0136744),
        (
            4, 50.0, 5, 50.0, 0.9361120, 0.0781402, -0.8176069, 0.4158677,
        ),
    ];
    check_rows(&g, &rows);
    // The compParm print of the first row, as quoted in issue 9 (to 1e-5:
    // drc's own estimate, 1.8983586, sits 3e-6 relative off the
    // least-squares optimum, 1.8983537, where its optim stopped).
    let r = ec50_ratio(&g, 0, 1, 0.95).unwrap();
    assert!((r.ratio - 1.89836).abs() < 1e-5, "{}", r.ratio);
    assert!((r.se.unwrap() - 0.71185).abs() < 5e-5, "{:?}", r.se);
    assert!((r.p_drc.unwrap() - 0.2104).abs() < 5e-5, "{:?}", r.p_drc);
}

#[test]
fn spinach_edcomp_other_levels_match_drc() {
    let g = spinach_drc();
    // EDcomp(spinach.LL.4, c(10, 50)): ED10 of curve i over ED50 of curve j.
    let rows: [DrcRow; 10] = [
        (
            1,
            10.0,
            2,
            50.0,
            2.7644e-02,
            1.5249e-02,
            -6.3765e+01,
            7.3799e-74,
        ),
        (
            1,
            10.0,
            3,
            50.0,
            1.9037e-02,
            1.1155e-02,
            -8.7939e+01,
            1.5155e-85,
        ),
        (
            1,
            10.0,
            4,
            50.0,
            1.3246e-01,
            6.4530e-02,
            -1.3444e+01,
            4.7570e-23,
        ),
        (
            1,
            10.0,
            5,
            50.0,
            1.2400e-01,
            6.0615e-02,
            -1.4452e+01,
            6.4822e-25,
        ),
        (
            2,
            10.0,
            3,
            50.0,
            4.4298e-02,
            3.7850e-02,
            -2.5250e+01,
            1.4449e-41,
        ),
        (
            2,
            10.0,
            4,
            50.0,
            3.0823e-01,
            2.4349e-01,
            -2.8411e+00,
            5.6264e-03,
        ),
        (
            2,
            10.0,
            5,
            50.0,
            2.8854e-01,
            2.2823e-01,
            -3.1173e+00,
            2.4906e-03,
        ),
        (
            3,
            10.0,
            4,
            50.0,
            2.7742e-01,
            1.5001e-01,
            -4.8170e+00,
            6.2889e-06,
        ),
        (
            3,
            10.0,
            5,
            50.0,
            2.5969e-01,
            1.4081e-01,
            -5.2573e+00,
            1.0722e-06,
        ),
        (
            4,
            10.0,
            5,
            50.0,
            2.8449e-01,
            3.7366e-02,
            -1.9148e+01,
            7.0761e-33,
        ),
    ];
    // drc prints 5 digits here: compare at that precision.
    for &(i, pi, j, pj, est, se, t, p) in &rows {
        let what = format!("{i}/{j}:{pi}/{pj}");
        let r = potency_ratio(
            &g,
            (i - 1, Potency::Relative(pi)),
            (j - 1, Potency::Relative(pj)),
            0.95,
        )
        .unwrap();
        close(r.ratio, est, 2e-4, &format!("{what} estimate"));
        close(r.se.unwrap(), se, 5e-4, &format!("{what} SE"));
        close(r.t_drc.unwrap(), t, 5e-4, &format!("{what} t"));
        close_p(r.p_drc.unwrap(), p, &format!("{what} p"));
    }
    // reverse = TRUE: ED50 of curve j over ED10 of curve i (first rows).
    let rev: [DrcRow; 3] = [
        (
            2, 50.0, 1, 10.0, 3.6174e+01, 1.9955e+01, 1.7627e+00, 8.1542e-02,
        ),
        (
            4, 50.0, 2, 10.0, 3.2443e+00, 2.5629e+00, 8.7570e-01, 3.8366e-01,
        ),
        (
            5, 50.0, 4, 10.0, 3.5150e+00, 4.6168e-01, 5.4476e+00, 4.8856e-07,
        ),
    ];
    for &(i, pi, j, pj, est, se, t, p) in &rev {
        let what = format!("{i}/{j}:{pi}/{pj}");
        let r = potency_ratio(
            &g,
            (i - 1, Potency::Relative(pi)),
            (j - 1, Potency::Relative(pj)),
            0.95,
        )
        .unwrap();
        close(r.ratio, est, 2e-4, &format!("{what} estimate"));
        close(r.se.unwrap(), se, 5e-4, &format!("{what} SE"));
        close(r.t_drc.unwrap(), t, 5e-4, &format!("{what} t"));
        close_p(r.p_drc.unwrap(), p, &format!("{what} p"));
    }
    // EDcomp(spinach.LL.4, c(55, 80), compMatch = c(2, 4)).
    check_rows(
        &g,
        &[(2, 55.0, 4, 80.0, 2.903797, 0.855889, 2.224350, 0.028775)],
    );
}

#[test]
fn spinach_absolute_fieller_matches_drc_without_its_c_d_terms() {
    let g = spinach_drc();
    let r = potency_ratio(
        &g,
        (1, Potency::Absolute(0.5)),
        (3, Potency::Absolute(0.5)),
        0.95,
    )
    .unwrap();
    // drc: estimate 2.9057.
    close(r.ratio, 2.9057, 1e-4, "absolute 2/4 estimate");
    // preclin (full delta method): [1.8462, 4.0645].
    close(r.fieller_lower.unwrap(), 1.8462, 1e-4, "fieller lower");
    close(r.fieller_upper.unwrap(), 4.0645, 1e-4, "fieller upper");
    // drc 3.0.6 ignores ∂ED/∂c and ∂ED/∂d for absolute levels: zeroing
    // them reproduces its printed [1.2729, 4.7264].
    let drop_cd = |mut v: Vec<f64>| {
        for (q, &(j, _)) in g.layout.iter().enumerate() {
            if j == 1 || j == 2 {
                v[q] = 0.0;
            }
        }
        v
    };
    let (l1, g1) = g.ln_dose_grad(1, Potency::Absolute(0.5)).unwrap();
    let (l2, g2) = g.ln_dose_grad(3, Potency::Absolute(0.5)).unwrap();
    let (g1, g2) = (drop_cd(g1), drop_cd(g2));
    let (x1, x2) = (l1.exp(), l2.exp());
    let v11 = x1 * x1 * g.cov_form(&g1, &g1).unwrap();
    let v22 = x2 * x2 * g.cov_form(&g2, &g2).unwrap();
    let v12 = x1 * x2 * g.cov_form(&g1, &g2).unwrap();
    let t = preclin_stats::dist::t_quantile(0.975, g.df as f64);
    let t2 = t * t;
    let f0 = x1 * x2 - t2 * v12;
    let den = x2 * x2 - t2 * v22;
    let disc = f0 * f0 - (x1 * x1 - t2 * v11) * den;
    close((f0 - disc.sqrt()) / den, 1.2729, 1e-4, "drc-style lower");
    close((f0 + disc.sqrt()) / den, 4.7264, 1e-4, "drc-style upper");
}

#[test]
// drc's printed ratio 0.39269 happens to be close to π/8.
#[allow(clippy::approx_constant)]
fn s_alba_ll3_edcomp_matches_drc() {
    let data: Vec<_> = ["Bentazone", "Glyphosate"]
        .iter()
        .map(|h| load_dataset("S.alba", h))
        .collect();
    let g = fit_global_cov(
        &curves(&data),
        &FitOptions::new(Model::LL3),
        Sharing::NONE,
        Covariance::ObservedHessian,
    )
    .unwrap();
    assert_eq!(g.df, 62);
    // EDcomp(m2, c(50, 50)): Bentazone/Glyphosate 0.39269, SE 0.066243,
    // t −9.1679, p 3.8347e-13; interval = "delta": [0.26028, 0.52511];
    // interval = "fieller": [0.28175, 0.56261].
    let r = ec50_ratio(&g, 0, 1, 0.95).unwrap();
    close(r.ratio, 0.39269, 1e-4, "estimate");
    close(r.se.unwrap(), 0.066243, 5e-4, "SE");
    close(r.t_drc.unwrap(), -9.1679, 5e-4, "t");
    close_p(r.p_drc.unwrap(), 3.8347e-13, "p");
    close(r.delta_lower.unwrap(), 0.26028, 1e-4, "delta lower");
    close(r.delta_upper.unwrap(), 0.52511, 1e-4, "delta upper");
    close(r.fieller_lower.unwrap(), 0.28175, 1e-4, "fieller lower");
    close(r.fieller_upper.unwrap(), 0.56261, 1e-4, "fieller upper");
}

/// expected_global_scipy.csv as (case, quantity) → value.
fn scipy() -> HashMap<(String, String), f64> {
    let mut r = csv::Reader::from_path(data_path("expected_global_scipy.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                (rec[0].to_string(), rec[1].to_string()),
                rec[2].parse().unwrap(),
            )
        })
        .collect()
}

fn want(m: &HashMap<(String, String), f64>, case: &str, q: &str) -> f64 {
    *m.get(&(case.to_string(), q.to_string()))
        .unwrap_or_else(|| panic!("no {case} {q} in expected_global_scipy.csv"))
}

#[test]
fn s_alba_shared_parameter_fits_match_scipy() {
    let m = scipy();
    let data: Vec<_> = ["Bentazone", "Glyphosate"]
        .iter()
        .map(|h| load_dataset("S.alba", h))
        .collect();
    let c = curves(&data);
    let o = FitOptions::default();
    let models = [
        ("separate", "none"),
        ("shared_cd", "bottom,top"),
        ("shared_bcd", "hill,bottom,top"),
        ("shared_bcde", "hill,bottom,top,ec50"),
    ];
    let mut fits = HashMap::new();
    for (name, share) in models {
        let g = fit_global(&c, &o, Sharing::parse(share).unwrap()).unwrap();
        let case = format!("salba_{name}");
        assert!(g.converged, "{case}");
        // At least as low a least-squares minimum as scipy, and the same.
        assert!(g.rss <= want(&m, &case, "rss") * (1.0 + 1e-9), "{case}");
        close(g.rss, want(&m, &case, "rss"), 1e-6, &format!("{case} rss"));
        assert_eq!(g.df as f64, want(&m, &case, "df"), "{case} df");
        close(
            g.aic(),
            want(&m, &case, "aic"),
            1e-6,
            &format!("{case} aic"),
        );
        close(
            g.aicc().unwrap(),
            want(&m, &case, "aicc"),
            1e-6,
            &format!("{case} aicc"),
        );
        for i in 0..2 {
            let p = g.params[i];
            for (q, v) in [("b", p.b), ("c", p.c), ("d", p.d), ("e", p.e)] {
                close(
                    v,
                    want(&m, &case, &format!("{q}{i}")),
                    1e-5,
                    &format!("{case} {q}{i}"),
                );
            }
        }
        fits.insert(name, g);
    }
    for (null, alt) in [
        ("shared_cd", "separate"),
        ("shared_bcd", "shared_cd"),
        ("shared_bcde", "shared_bcd"),
    ] {
        let t = nested_test(&fits[null], &fits[alt]).unwrap();
        let case = format!("salba_F_{null}_vs_{alt}");
        close(
            t.f.unwrap(),
            want(&m, &case, "f"),
            1e-5,
            &format!("{case} F"),
        );
        assert_eq!(t.df1 as f64, want(&m, &case, "df1"));
        assert_eq!(t.df2 as f64, want(&m, &case, "df2"));
        close(t.p_value, want(&m, &case, "p"), 1e-4, &format!("{case} p"));
    }
    for name in ["separate", "shared_cd", "shared_bcd"] {
        let r = ec50_ratio(&fits[name], 0, 1, 0.95).unwrap();
        let case = format!("salba_ratio_{name}");
        for (q, v) in [
            ("ratio", r.ratio),
            ("se_log", r.se_log.unwrap()),
            ("lower", r.lower.unwrap()),
            ("upper", r.upper.unwrap()),
            ("fieller_lower", r.fieller_lower.unwrap()),
            ("fieller_upper", r.fieller_upper.unwrap()),
            ("p_log", r.p_log.unwrap()),
        ] {
            let tol = if q == "p_log" { 1e-3 } else { 1e-5 };
            close(v, want(&m, &case, q), tol, &format!("{case} {q}"));
        }
    }
    // The same through compare_curves: parallel curves (b, c, d shared),
    // EC50 tested by F against the all-shared model.
    let cmp = compare_curves(
        &c,
        &CompareOptions {
            share: Sharing::parse("hill,bottom,top").unwrap(),
            reference: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let t = cmp.ec50_test.unwrap();
    let case = "salba_F_shared_bcde_vs_shared_bcd";
    close(t.f.unwrap(), want(&m, case, "f"), 1e-5, "compare_curves F");
    // Parallelism: hill shared (c, d shared) vs hill per curve.
    let pt = cmp.parallel_test.unwrap();
    let case = "salba_F_shared_bcd_vs_shared_cd";
    close(pt.f.unwrap(), want(&m, case, "f"), 1e-5, "parallelism F");
    assert!(cmp.levels[0].flags.to_string().contains("not_parallel"));
    // Bentazone / Glyphosate.
    let r = cmp.levels[0].ec50_ratio.unwrap();
    close(
        r.ratio,
        want(&m, "salba_ratio_shared_bcd", "ratio"),
        1e-5,
        "compare_curves ratio",
    );
}

#[test]
fn spinach_parallelism_and_equal_ec50_match_scipy() {
    let m = scipy();
    let data = spinach();
    let c = curves(&data);
    let o = FitOptions::default();
    let sep = fit_global(&c, &o, Sharing::NONE).unwrap();
    let sb = fit_global(&c, &o, Sharing::parse("hill").unwrap()).unwrap();
    let se = fit_global(&c, &o, Sharing::parse("ec50").unwrap()).unwrap();
    for (name, g) in [("separate", &sep), ("shared_b", &sb), ("shared_e", &se)] {
        let case = format!("spinach_{name}");
        close(g.rss, want(&m, &case, "rss"), 1e-6, &format!("{case} rss"));
        assert!(g.rss <= want(&m, &case, "rss") * (1.0 + 1e-9), "{case}");
    }
    for (null, g) in [("shared_b", &sb), ("shared_e", &se)] {
        let t = nested_test(g, &sep).unwrap();
        let case = format!("spinach_F_{null}_vs_separate");
        close(
            t.f.unwrap(),
            want(&m, &case, "f"),
            1e-5,
            &format!("{case} F"),
        );
        assert_eq!((t.df1, t.df2), (4, 85));
        close(t.p_value, want(&m, &case, "p"), 1e-4, &format!("{case} p"));
    }
    let r = ec50_ratio(&sb, 0, 1, 0.95).unwrap();
    let case = "spinach_ratio_shared_b_1_2";
    for (q, v) in [
        ("ratio", r.ratio),
        ("se_log", r.se_log.unwrap()),
        ("lower", r.lower.unwrap()),
        ("upper", r.upper.unwrap()),
        ("fieller_lower", r.fieller_lower.unwrap()),
        ("fieller_upper", r.fieller_upper.unwrap()),
        ("p_log", r.p_log.unwrap()),
    ] {
        close(v, want(&m, case, q), 1e-5, &format!("{case} {q}"));
    }
}
