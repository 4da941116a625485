use super::calibration::{median_survival_increase_pct, mutant_relapse_fraction, volume_change};
use super::leukaemia::{
    LeukaemiaDesign, RelapseCall, RelapseRule, relapse_call, simulate_leukaemia,
};
use super::*;
use crate::kinetics_simple::EmaxLag;
use crate::pk::Constant;

/// Net growth 0.08/day: b − d = 0.08/24 per hour.
fn growing() -> EmaxLag {
    EmaxLag::constant(&[(0.01, 0.01 - 0.08 / 24.0)])
}

#[test]
fn log_linear_fits_of_simulated_calipers_recover_true_growth_rates() {
    let mut kin = growing();
    let none = Constant(vec![]);
    let arms = [Arm {
        group: "vehicle".into(),
        exposure: &none,
    }];
    let design = XenograftDesign {
        n_per_group: 12,
        ..XenograftDesign::default()
    };
    let sim = simulate_xenograft(&mut kin, &arms, &design, 20261122).unwrap();
    let taken: Vec<_> = sim.truth.iter().filter(|t| t.taken).collect();
    assert_eq!(taken.len(), 12);
    for t in taken {
        let rows: Vec<_> = sim
            .rows
            .iter()
            .filter(|r| r.mouse == t.mouse && r.length > 0.0)
            .collect();
        let x: Vec<f64> = rows.iter().map(|r| r.day).collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| (r.length * r.width * r.width / 2.0).ln())
            .collect();
        let est = slope(&x, &y).unwrap();
        let truth = t.growth_rate_per_day.unwrap();
        // ln V noise ≈ √5 · 0.05 per visit → slope SE ≈ 0.0035/day.
        assert!((est - truth).abs() < 0.015, "{}: {est} vs {truth}", t.mouse);
        // The truth is the kinetics' net rate × the mouse's tempo.
        assert!(
            (truth - 0.08 * t.tempo).abs() < 0.002,
            "{}: {truth} vs {}",
            t.mouse,
            0.08 * t.tempo
        );
    }
    // Caliper volume ≈ 3/π of the ellipsoid volume at day 0 (within noise).
    let r0: Vec<_> = sim.rows.iter().filter(|r| r.day == 0.0).collect();
    let cal: f64 = r0.iter().map(|r| r.length * r.width * r.width / 2.0).sum();
    let tru: f64 = sim
        .truth
        .iter()
        .filter(|t| t.taken)
        .map(|t| t.volumes_mm3[0])
        .sum();
    assert!(
        (cal / tru - 3.0 / std::f64::consts::PI).abs() < 0.06,
        "{}",
        cal / tru
    );
}

#[test]
fn xenograft_output_is_byte_identical_by_seed() {
    let mut kin = EmaxLag::menin_standin();
    let veh = Constant(vec![0.0, 0.0]);
    let drug = Constant(vec![1e-6, 0.0]);
    let arms = [
        Arm {
            group: "vehicle".into(),
            exposure: &veh,
        },
        Arm {
            group: "MI-503".into(),
            exposure: &drug,
        },
    ];
    let design = XenograftDesign {
        n_per_group: 4,
        mutations: vec![Mutation {
            from: 0,
            to: 1,
            mu: 1e-7,
        }],
        ..XenograftDesign::default()
    };
    let a = simulate_xenograft(&mut kin, &arms, &design, 7).unwrap();
    let b = simulate_xenograft(&mut kin, &arms, &design, 7).unwrap();
    let c = simulate_xenograft(&mut kin, &arms, &design, 8).unwrap();
    assert_eq!(a.caliper_csv(), b.caliper_csv());
    assert_eq!(a.truth_csv(), b.truth_csv());
    assert_ne!(a.caliper_csv(), c.caliper_csv());
    assert!(
        a.caliper_csv()
            .starts_with("mouse,group,day,length,width,body_weight,exit\n")
    );
    // Vehicle grows ~0.53/day and hits the 2000 mm³ endpoint; treated shrinks.
    assert!(a.exits.iter().all(|e| e.group == "vehicle"));
    assert_eq!(a.exits.len(), 4);
    // Under constant drug the MEN1-mutant clone (μ = 10⁻⁷ per division,
    // ~10⁸ cells) takes over the treated tumours by day 28.
    for t in a.truth.iter().filter(|t| t.group == "MI-503" && t.taken) {
        assert!(t.mutant_fraction_end.unwrap() > 0.5, "{t:?}");
    }
    // Without mutation the treated tumours shrink.
    let no_mut = XenograftDesign {
        mutations: vec![],
        ..design.clone()
    };
    let d = simulate_xenograft(&mut kin, &arms, &no_mut, 7).unwrap();
    let treated = volume_change(&d, "MI-503", 28.0).unwrap();
    assert_eq!(treated.n, 4);
    assert!(treated.mean_change_pct < -50.0, "{treated:?}");
}

#[test]
fn cytotoxic_kinetics_gives_complete_regressions() {
    let mut kin = EmaxLag::constant(&[(0.01, 0.05)]);
    let none = Constant(vec![]);
    let arms = [Arm {
        group: "kill".into(),
        exposure: &none,
    }];
    let design = XenograftDesign {
        n_per_group: 5,
        ..XenograftDesign::default()
    };
    let sim = simulate_xenograft(&mut kin, &arms, &design, 3).unwrap();
    let v = volume_change(&sim, "kill", 28.0).unwrap();
    assert_eq!((v.n, v.complete_regressions), (5, 5));
    assert_eq!(v.mean_change_pct, -100.0);
    assert!(volume_change(&sim, "nope", 28.0).is_none());
}

#[test]
fn leukaemia_survival_blood_and_truth() {
    let mut kin = EmaxLag::menin_standin();
    let veh = Constant(vec![0.0, 0.0]);
    let drug = Constant(vec![0.1e-6, 0.0]);
    let arms = [
        Arm {
            group: "vehicle".into(),
            exposure: &veh,
        },
        Arm {
            group: "MI-503".into(),
            exposure: &drug,
        },
    ];
    let design = LeukaemiaDesign {
        n_per_group: 6,
        ..LeukaemiaDesign::default()
    };
    let sim = simulate_leukaemia(&mut kin, &arms, &design, 11).unwrap();
    let again = simulate_leukaemia(&mut kin, &arms, &design, 11).unwrap();
    assert_eq!(sim.survival_csv(), again.survival_csv());
    assert_eq!(sim.engraftment_csv(), again.engraftment_csv());
    assert_eq!(sim.truth_csv(), again.truth_csv());
    for (t, row) in sim.truth.iter().zip(&sim.survival) {
        if t.group == "vehicle" {
            // Net 0.022/h × tempo; death at ln(lethal / N₀) / rate.
            let expect = (5e9 / t.n0).ln() / (0.022 * 24.0 * t.tempo);
            let d = t.death_day.unwrap();
            assert!((d - expect).abs() < 0.25, "{}: {d} vs {expect}", t.mouse);
            assert!(row.event && row.time == d.ceil());
        }
        for (day, p) in &t.hcd45_true_pct {
            let obs = sim
                .blood
                .iter()
                .find(|b| b.mouse == t.mouse && b.day == *day)
                .unwrap();
            let se = 100.0 * (p / 100.0 * (1.0 - p / 100.0) / 1e4).sqrt();
            assert!(
                (obs.hcd45_pct - p).abs() <= 5.0 * se + 1e-3,
                "{obs:?} vs {p}"
            );
        }
    }
    let inc = median_survival_increase_pct(&sim, "vehicle", "MI-503").unwrap();
    assert!(inc > 10.0, "{inc}");
    assert!(sim.truth_csv().lines().count() == 2 + 12);
}

#[test]
fn relapse_calls_and_mutant_fraction() {
    let t = [0.0, 1.0, 2.0, 3.0];
    let cells = vec![vec![1000, 0], vec![5, 0], vec![50, 60], vec![200, 300]];
    let rule = RelapseRule {
        response_fraction: 0.01,
        relapse_fraction: 0.1,
    };
    let c = relapse_call(&t, &cells, &[1], &rule).unwrap();
    assert!(c.responded);
    assert_eq!((c.nadir_h, c.relapse_h), (1.0, Some(2.0)));
    assert!((c.mutant_fraction.unwrap() - 60.0 / 110.0).abs() < 1e-12);
    let none = relapse_call(
        &t,
        &[vec![1000, 0], vec![2000, 0], vec![3000, 0], vec![4000, 0]],
        &[1],
        &rule,
    )
    .unwrap();
    assert!(!none.responded && none.relapse_h.is_none());
    let wt = RelapseCall {
        mutant_fraction: Some(0.01),
        ..c.clone()
    };
    let s = mutant_relapse_fraction([&c, &wt, &none], 0.02);
    assert_eq!((s.relapses, s.mutant), (2, 1));
    assert_eq!(s.pct, Some(50.0));
    assert_eq!(mutant_relapse_fraction([&none], 0.02).pct, None);
}

#[test]
fn cured_leukaemia_is_censored_and_blood_clears() {
    let mut kin = EmaxLag::constant(&[(0.01, 0.2)]);
    let none = Constant(vec![]);
    let arms = [Arm {
        group: "cure".into(),
        exposure: &none,
    }];
    let design = LeukaemiaDesign {
        n_per_group: 3,
        n0_median: 1e3,
        study_end_days: 30.0,
        blood_days: vec![0.0, 14.0, 28.0],
        ..LeukaemiaDesign::default()
    };
    let sim = simulate_leukaemia(&mut kin, &arms, &design, 2).unwrap();
    for (row, t) in sim.survival.iter().zip(&sim.truth) {
        assert!(!row.event && row.time == 30.0 && t.extinct && t.death_day.is_none());
    }
    assert_eq!(sim.blood.len(), 9);
    assert!(
        sim.blood
            .iter()
            .filter(|b| b.day > 0.0)
            .all(|b| b.hcd45_pct == 0.0)
    );
    assert!(super::calibration::median_death_day(&sim, "cure").is_none());
}
