use super::*;

fn one(cl: f64, v: f64, ka: f64, f: f64) -> PkParams {
    PkParams {
        name: "X".into(),
        species: "mouse".into(),
        disposition: Disposition::One { cl, v },
        mw_g_per_mol: 500.0,
        ka_per_h: ka,
        f_oral: f,
        f_ip: 0.9,
        lag_h: 0.0,
        fu: 0.1,
        source: String::new(),
        assumptions: String::new(),
    }
}

/// Trapezoid AUC on a fine grid up to `t_end`.
fn trapezoid(p: &Profile, t_end: f64, n: usize) -> f64 {
    let h = t_end / n as f64;
    let mut s = 0.0;
    for i in 0..n {
        // 0+ (just after a dose at 0) rather than 0.
        let a = p.total_mg_per_l((i as f64 * h).max(1e-12));
        let b = p.total_mg_per_l((i + 1) as f64 * h);
        s += 0.5 * (a + b) * h;
    }
    s
}

#[test]
fn bundled_table_parses_with_sources() {
    let t = PkTable::from_toml_str(BUNDLED_PK_TOML).unwrap();
    for name in ["MI-503", "MI-463", "revumenib", "mezigdomide", "venetoclax"] {
        let p = t.get(name).unwrap();
        assert!(!p.source.is_empty() && !p.assumptions.is_empty(), "{name}");
    }
    assert_eq!(t.get("mi-503").unwrap().f_oral, 0.75);
    assert!(matches!(
        t.get("venetoclax").unwrap().disposition,
        Disposition::Two { .. }
    ));
    assert!(matches!(t.get("nope"), Err(PkError::UnknownCompound(_))));
}

#[test]
fn bad_files_are_errors_not_panics() {
    assert!(matches!(
        PkTable::from_toml_str("x = ["),
        Err(PkError::Parse(_))
    ));
    let bad = BUNDLED_PK_TOML.replacen("fu = 0.05", "fu = 0.0", 1);
    assert!(matches!(
        PkTable::from_toml_str(&bad),
        Err(PkError::Invalid { .. })
    ));
    let two = BUNDLED_PK_TOML.replacen("q_l_per_h_per_kg = 0.1", "", 1);
    assert!(matches!(
        PkTable::from_toml_str(&two),
        Err(PkError::Invalid { .. })
    ));
    let r = Regimen {
        interval_h: 0.0,
        ..Regimen::daily(1.0, Route::Oral, 3)
    };
    assert!(matches!(r.doses(), Err(PkError::Regimen(_))));
    let t = PkTable::bundled();
    let rev = t.get("revumenib").unwrap();
    assert!(matches!(
        Profile::new(rev, &[Regimen::daily(1.0, Route::Ip, 1)]),
        Err(PkError::RouteUnavailable { .. })
    ));
}

#[test]
fn auc_equals_f_dose_over_cl_for_every_route() {
    let p = one(2.0, 4.0, 1.5, 0.75);
    for route in [
        Route::IvBolus,
        Route::Infusion { duration_h: 3.0 },
        Route::Oral,
        Route::Ip,
    ] {
        let prof = Profile::new(
            &p,
            &[Regimen {
                n_doses: 1,
                ..Regimen::daily(10.0, route, 1)
            }],
        )
        .unwrap();
        let exact = p.bioavailability(route) * 10.0 / 2.0;
        assert!((prof.auc_inf_mg_h_per_l() - exact).abs() < 1e-12);
        let num = trapezoid(&prof, 60.0, 120_000);
        assert!(
            (num - exact).abs() < 1e-4 * exact,
            "{route:?}: {num} vs {exact}"
        );
    }
}

#[test]
fn oral_cmax_and_tmax_match_the_bateman_formulas() {
    let (cl, v, ka, f, d) = (1.0, 5.0, 1.2, 0.75, 60.0);
    let p = one(cl, v, ka, f);
    let k = cl / v;
    let tmax = (ka / k).ln() / (ka - k);
    let cmax = f * d / v * (-k * tmax).exp();
    // Numerical maximum on a fine grid.
    let (mut best_t, mut best_c) = (0.0, 0.0);
    for i in 0..200_000 {
        let t = i as f64 * 1e-4;
        let c = p.single_dose_mg_per_l(d, Route::Oral, t);
        if c > best_c {
            (best_t, best_c) = (t, c);
        }
    }
    assert!((best_t - tmax).abs() < 2e-4, "{best_t} vs {tmax}");
    assert!((best_c - cmax).abs() < 1e-9 * cmax, "{best_c} vs {cmax}");
    // ka = k (the limit form) is continuous with its neighbours.
    let q = one(1.0, 1.0, 1.0, 1.0);
    let r = one(1.0, 1.0, 1.0 + 1e-6, 1.0);
    let (a, b) = (
        q.single_dose_mg_per_l(1.0, Route::Oral, 2.0),
        r.single_dose_mg_per_l(1.0, Route::Oral, 2.0),
    );
    assert!((a - 2.0 * (-2.0f64).exp()).abs() < 1e-12 && (a - b).abs() < 1e-5);
}

#[test]
fn accumulation_factor_at_steady_state() {
    let p = one(1.0, 5.0, 1.0, 1.0);
    let k = 0.2;
    let tau = 6.0;
    let reg = Regimen {
        mg_per_kg: 10.0,
        interval_h: tau,
        n_doses: 60,
        route: Route::IvBolus,
        start_h: 0.0,
    };
    let prof = Profile::new(&p, &[reg]).unwrap();
    // Just after dose 1 vs just after dose 60.
    let first = prof.total_mg_per_l(1e-9);
    let last = prof.total_mg_per_l(59.0 * tau + 1e-9);
    let r = 1.0 / (1.0 - (-k * tau).exp());
    assert!((last / first - r).abs() < 1e-6, "{} vs {r}", last / first);
    // Molar and free conversions.
    let c = prof.total_mg_per_l(30.0);
    assert!((prof.free_molar(30.0) - 0.1 * c * 1e-3 / 500.0).abs() < 1e-18);
}

#[test]
fn lag_delays_the_curve() {
    let mut p = one(1.0, 5.0, 1.0, 1.0);
    p.lag_h = 2.0;
    assert_eq!(p.single_dose_mg_per_l(1.0, Route::Oral, 1.5), 0.0);
    let q = one(1.0, 5.0, 1.0, 1.0);
    assert!(
        (p.single_dose_mg_per_l(1.0, Route::Oral, 5.0)
            - q.single_dose_mg_per_l(1.0, Route::Oral, 3.0))
        .abs()
            < 1e-15
    );
}

/// RK4 of the compartment ODEs (gut depot, central, peripheral).
fn rk4_two((cl, v1, q, v2, ka): (f64, f64, f64, f64, f64), dose: f64, t_end: f64, h: f64) -> f64 {
    let (k10, k12, k21) = (cl / v1, q / v1, q / v2);
    let f = |y: [f64; 3]| {
        [
            -ka * y[0],
            ka * y[0] - (k10 + k12) * y[1] + k21 * y[2],
            k12 * y[1] - k21 * y[2],
        ]
    };
    let mut y = [dose, 0.0, 0.0];
    let steps = (t_end / h).round() as usize;
    for _ in 0..steps {
        let a = f(y);
        let b = f([0, 1, 2].map(|i| y[i] + 0.5 * h * a[i]));
        let c = f([0, 1, 2].map(|i| y[i] + 0.5 * h * b[i]));
        let d = f([0, 1, 2].map(|i| y[i] + h * c[i]));
        y = [0, 1, 2].map(|i| y[i] + h / 6.0 * (a[i] + 2.0 * b[i] + 2.0 * c[i] + d[i]));
    }
    y[1] / v1
}

#[test]
fn two_compartment_matches_numerical_integration() {
    let (cl, v1, q, v2, ka) = (0.12, 1.2, 0.1, 0.8, 0.3);
    let mut p = one(cl, v1, ka, 1.0);
    p.disposition = Disposition::Two { cl, v1, q, v2 };
    for t in [0.5, 2.0, 8.0, 24.0, 72.0] {
        let exact = p.single_dose_mg_per_l(5.0, Route::Oral, t);
        let num = rk4_two((cl, v1, q, v2, ka), 5.0, t, 1e-3);
        assert!(
            (exact - num).abs() < 1e-9 * num.max(1e-12),
            "t={t}: {exact} vs {num}"
        );
    }
    // Bolus: C(0+) = D / V1, and AUC = D / CL.
    assert!((p.single_dose_mg_per_l(5.0, Route::IvBolus, 1e-12) - 5.0 / 1.2).abs() < 1e-9);
    let prof = Profile::new(
        &p,
        &[Regimen {
            n_doses: 1,
            ..Regimen::daily(5.0, Route::IvBolus, 1)
        }],
    )
    .unwrap();
    let num = trapezoid(&prof, 1500.0, 300_000);
    assert!((num - 5.0 / 0.12).abs() < 1e-3 * 5.0 / 0.12, "{num}");
}

#[test]
fn tabulated_interpolates_and_constant_copies() {
    let p = one(1.0, 5.0, 1.0, 1.0);
    let prof = Profile::new(&p, &[Regimen::daily(10.0, Route::Oral, 3)]).unwrap();
    let e = Exposure {
        profiles: vec![prof.clone()],
    };
    let tab = Tabulated::new(&e, 0.0, 0.01, 8000);
    let mut a = [0.0];
    tab.free_molar(13.37, &mut a);
    let b = prof.free_molar(13.37);
    assert!((a[0] - b).abs() < 1e-4 * b);
    let mut c = [0.0, 0.0];
    Constant(vec![1e-6, 2e-6]).free_molar(5.0, &mut c);
    assert_eq!(c, [1e-6, 2e-6]);
}
