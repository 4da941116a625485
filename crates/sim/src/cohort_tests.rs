use super::*;
use crate::kinetics_simple::EmaxLag;

fn small(patients: usize) -> CohortDesign {
    CohortDesign {
        patients,
        horizon_days: 240.0,
        ..CohortDesign::default()
    }
}

#[test]
fn cohort_is_deterministic_and_independent_of_threads() {
    let kin = EmaxLag::cohort_standin();
    let exp = standin_exposure(false, 240).unwrap();
    let d = small(40);
    let (a, sa) = simulate_cohort(&kin, &exp, &d, 99).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (b, sb) = pool.install(|| simulate_cohort(&kin, &exp, &d, 99).unwrap());
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    let (c, _) = simulate_cohort(&kin, &exp, &d, 100).unwrap();
    assert_ne!(a, c);
    assert_eq!(sa.n, 40);
    assert_eq!(a[7].seed, crate::clonal::subseed(99, 7));
    let csv = outcomes_csv(&a, 99);
    assert_eq!(csv, outcomes_csv(&b, 99));
    assert_eq!(csv.lines().count(), 2 + 40);
    assert!(!csv.contains("NaN"));
}

#[test]
fn mezigdomide_reduces_men1_relapses_with_the_standin() {
    let kin = EmaxLag::cohort_standin();
    let d = small(200);
    let mono = standin_exposure(false, 240).unwrap();
    let combo = standin_exposure(true, 240).unwrap();
    let (_, m) = simulate_cohort(&kin, &mono, &d, 5).unwrap();
    let (_, c) = simulate_cohort(&kin, &combo, &d, 5).unwrap();
    assert!(m.responded > 150, "{m:?}");
    assert!(m.relapsed > 50, "{m:?}");
    let pm = m.pct_men1_of_relapses.unwrap();
    assert!(pm > 10.0, "{m:?}");
    assert!(
        c.pct_men1_of_relapses.unwrap_or(0.0) < pm / 2.0,
        "{c:?} vs {m:?}"
    );
}

#[test]
fn summary_counts() {
    let o = |i: usize, r: Option<f64>, men1: bool| PatientOutcome {
        index: i,
        seed: 0,
        responded: true,
        extinct: false,
        relapse_day: r,
        men1_fraction: None,
        men1_relapse: men1,
    };
    let s = summarise(
        &[
            o(0, Some(10.0), true),
            o(1, Some(30.0), false),
            o(2, None, false),
            o(3, Some(20.0), false),
        ],
        1,
    );
    assert_eq!((s.n, s.relapsed, s.men1_relapses), (4, 3, 1));
    assert_eq!(s.pct_relapsing, 75.0);
    assert_eq!(s.median_relapse_day, Some(20.0));
    assert!((s.pct_men1_of_relapses.unwrap() - 100.0 / 3.0).abs() < 1e-12);
    assert_eq!(summarise(&[], 1).pct_men1_of_relapses, None);
}
