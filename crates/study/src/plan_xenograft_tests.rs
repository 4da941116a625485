use super::*;
use crate::plan::Schedule;

fn small(doses: &[f64], grid: &[usize], reps: usize) -> XenograftPlan {
    let mut p = XenograftPlan::new(7);
    p.arms = doses
        .iter()
        .map(|&d| ArmSpec {
            mg_per_kg: d,
            schedule: Schedule::Qd,
        })
        .collect();
    p.n_grid = grid.to_vec();
    p.reps = reps;
    p
}

#[test]
fn null_dose_rejects_at_alpha_within_monte_carlo_error() {
    // Dose 0 vs vehicle: the pipeline (simulate → Welch on ln V at the
    // invivoSyn day) must be calibrated. Measured: 0.045, 0.055, 0.0625
    // at n = 3, 6, 10 with R = 400 (seed 7).
    let r = plan_xenograft(&small(&[0.0], &[3, 6, 10], 400)).unwrap();
    for row in &r.rows {
        let se = mc_se_of(0.05, 400);
        assert!((row.power - 0.05).abs() <= 3.0 * se, "{row:?}");
        assert_eq!(row.undefined, 0);
        assert!(row.mean_effect.is_some_and(|t| t.abs() < 20.0), "{row:?}");
    }
}

fn mc_se_of(p: f64, r: usize) -> f64 {
    crate::plan::mc_se(p, r)
}

#[test]
fn a_huge_effect_has_power_one_and_power_grows_with_n() {
    let r = plan_xenograft(&small(&[30.0], &[3, 8], 60)).unwrap();
    assert!(r.rows[1].power >= 0.98, "{:?}", r.rows[1]);
    assert!(r.rows[0].power <= r.rows[1].power + 2.0 * r.rows[1].mc_se);
    assert!(r.rows[1].mean_effect.is_some_and(|t| t > 80.0));
    assert_eq!(r.smallest(0.8)[0].0, "30 mg/kg qd");
    assert!(r.smallest(0.8)[0].1.is_some_and(|n| n <= 8));
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let plan = small(&[0.3, 3.0], &[3, 5], 12);
    let a = plan_xenograft(&plan).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| plan_xenograft(&plan).unwrap());
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let mut other = plan.clone();
    other.seed = 8;
    assert_ne!(plan_xenograft(&other).unwrap().rows, a.rows);
}

#[test]
fn bad_plans_are_errors_not_panics() {
    let mut p = small(&[1.0], &[3], 4);
    p.alpha = 1.5;
    assert!(plan_xenograft(&p).is_err());
    let mut p = small(&[-1.0], &[3], 4);
    assert!(plan_xenograft(&p).is_err());
    p = small(&[1.0], &[3], 4);
    p.line = "nope".into();
    assert!(matches!(plan_xenograft(&p), Err(PlanError::Sim(_))));
    p = small(&[1.0], &[3], 0);
    assert!(plan_xenograft(&p).is_err());
}
