use super::*;

fn study(params: &Params, seed: u64) -> CombinationSim {
    let inv = InVivoParams::bundled();
    simulate(
        params,
        &PkTable::bundled(),
        &inv,
        &CombinationParams::bundled(),
        seed,
    )
    .unwrap()
}

#[test]
fn bundled_design_parses_and_bad_designs_are_rejected() {
    let d = CombinationParams::bundled();
    assert_eq!(d.drug_a, "MI-503");
    assert_eq!(d.drug_b, "venetoclax");
    assert_eq!(d.groups()[3], "MI-503+venetoclax");
    let bad = BUNDLED_READOUTS_TOML.replace("visit_days = [0, 3,", "visit_days = [1, 3,");
    assert!(CombinationParams::from_toml_str(&bad).is_err());
    let unknown = BUNDLED_READOUTS_TOML.replace("[combination]", "[combination]\nbogus = 1");
    assert!(CombinationParams::from_toml_str(&unknown).is_err());
}

#[test]
fn mouse_pk_entries_come_first() {
    let pk = PkTable::bundled();
    assert_eq!(pk.get("venetoclax").unwrap().species, "human");
    let m = mouse_first(&pk);
    assert_eq!(m.get("venetoclax").unwrap().species, "mouse");
    assert_eq!(m.get("MI-503").unwrap().species, "mouse");
    assert_eq!(m.get("revumenib").unwrap().species, "human");
    assert_eq!(m.compounds.len(), pk.compounds.len());
}

#[test]
fn slopes_and_auc_rates_of_an_exponential_course_agree() {
    let days = [0.0f64, 3.0, 7.0, 10.0];
    let vols: Vec<f64> = days.iter().map(|d| 100.0 * (0.15f64 * d).exp()).collect();
    let y: Vec<f64> = vols.iter().map(|v| (v / 100.0f64).ln()).collect();
    assert!((slope0(&days, &y) - 0.15).abs() < 1e-12);
    // ln(V + 1) ≈ ln V for V ≥ 100; trapezoid error on a straight line is 0.
    assert!((auc_rate(&days, &vols) - 0.15).abs() < 2e-3);
}

#[test]
fn the_mechanism_makes_mi503_and_venetoclax_synergise() {
    let p = Params::bundled();
    let s = study(&p, 1);
    let t = &s.truth;
    let r: Vec<f64> = t.arms.iter().map(|a| a.rate_per_day).collect();
    // Vehicle ≈ 0.20/day (3.5-day doubling); each drug alone only slows the
    // tumour, the combination regresses it.
    assert!((r[0] - 0.199).abs() < 0.01, "{r:?}");
    assert!(r[1] > 0.05 && r[1] < r[0] - 0.03, "{r:?}");
    assert!(r[2] > 0.05 && r[2] < r[0] - 0.03, "{r:?}");
    assert!(r[3] < -0.05, "{r:?}");
    assert!(t.bliss_delta < -0.1, "{}", t.bliss_delta);
    assert!(t.hsa_delta < t.bliss_delta);
    assert!(t.bliss_ci() < 0.2 && t.invivosyn_bliss_ci < 0.2);
    assert!(t.invivosyn_bliss_ss > 0.0);
    // The typical combination tumour stays palpable for most visits.
    assert!(t.arms[3].days.len() >= 5, "{:?}", t.arms[3].days);
    // The realised mean per-mouse rates follow the design truth.
    for a in &t.arms {
        let m = a.realised_mean_rate_per_day.unwrap();
        assert!(
            (m - a.rate_per_day).abs() < 0.03,
            "{}: {m} vs {}",
            a.group,
            a.rate_per_day
        );
    }
    // Without the program → BCL2 link the rates add: no Bliss synergy
    // (the synergy is the mechanism's, not a score's).
    let mut q = p.clone();
    q.model.bcl2_program_exponent = 0.0;
    let u = study(&q, 1).truth;
    assert!(u.bliss_delta.abs() < 0.03, "{}", u.bliss_delta);
    assert!(u.bliss_delta > t.bliss_delta + 0.08);
}

#[test]
fn files_have_every_mouse_and_visit_until_its_exit() {
    let s = study(&Params::bundled(), 2);
    let csv = s.volumes_csv();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("mouse,group,day,volume"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), s.xenograft.rows.len());
    let mice: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(mice.len(), 4 * 8);
    for g in CombinationParams::bundled().groups() {
        let day0 = rows.iter().filter(|r| r[1] == g && r[2] == "0").count();
        assert_eq!(day0, 8, "{g}");
    }
    // Vehicle tumours reach the endpoint before day 21: fewer rows.
    let veh = rows.iter().filter(|r| r[1] == "vehicle").count();
    assert!(veh < 8 * 7, "{veh}");
    let truth = s.truth_csv();
    assert!(truth.contains("\nquantity,group,value,unit\n"));
    assert!(truth.contains("\ngrowth_rate,MI-503+venetoclax,-"));
    assert!(truth.contains("\nbliss_delta,MI-503+venetoclax,-"));
    assert_eq!(
        truth.lines().filter(|l| !l.starts_with('#')).count(),
        1 + 12 + 5
    );
}

#[test]
fn same_seed_same_bytes() {
    let p = Params::bundled();
    let (a, b, c) = (study(&p, 5), study(&p, 5), study(&p, 6));
    assert_eq!(a.volumes_csv(), b.volumes_csv());
    assert_eq!(a.truth_csv(), b.truth_csv());
    assert_ne!(a.volumes_csv(), c.volumes_csv());
    // The design truth does not depend on the seed.
    assert_eq!(a.truth.bliss_delta, c.truth.bliss_delta);
}
