use super::*;
use crate::kinetics_simple::EmaxLag;
use crate::pk::Constant;
use crate::population::simulate_ode;

fn no_drug() -> Constant {
    Constant(vec![])
}

/// Mean and standard error of a sample.
fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

fn check_mean_matches_ode(n0: [u64; 2], reps: u64) {
    let (b, d, mu) = (0.05, 0.02, 1e-3);
    let mut kin = EmaxLag::constant(&[(b, d), (b, d)]);
    let muts = [Mutation { from: 0, to: 1, mu }];
    let rec = [24.0, 48.0];
    let ode = simulate_ode(
        &mut kin,
        &no_drug(),
        &muts,
        &[n0[0] as f64, n0[1] as f64],
        &rec,
        0.25,
    )
    .unwrap();
    let opts = ClonalOptions {
        stop_on_extinction: false,
        ..ClonalOptions::default()
    };
    let mut par = Vec::new();
    let mut mutant = Vec::new();
    let mut leaped = 0;
    for s in 0..reps {
        let r =
            simulate_branching(&mut kin, &no_drug(), &muts, &n0, &rec, &opts, 1000 + s).unwrap();
        par.push(r.cells[1][0] as f64);
        mutant.push(r.cells[1][1] as f64);
        leaped += r.leaped_intervals;
    }
    let (mp, sp) = mean_se(&par);
    let (mm, sm) = mean_se(&mutant);
    assert!(
        (mp - ode.cells[1][0]).abs() < 4.0 * sp,
        "parental {mp} ± {sp} vs {}",
        ode.cells[1][0]
    );
    assert!(
        (mm - ode.cells[1][1]).abs() < 4.0 * sm,
        "mutant {mm} ± {sm} vs {}",
        ode.cells[1][1]
    );
    if n0[0] >= 1000 {
        assert!(leaped > 0);
    }
}

#[test]
fn mean_of_exact_process_matches_ode() {
    check_mean_matches_ode([200, 0], 600);
}

#[test]
fn mean_of_tau_leaped_process_matches_ode() {
    check_mean_matches_ode([5000, 0], 400);
}

/// P(extinct by t) of a linear birth–death process from one cell:
/// d(e^{(b−d)t} − 1)/(b e^{(b−d)t} − d); bt/(1+bt) when b = d
/// (Kendall 1948; Bailey 1964, *The Elements of Stochastic Processes*, §8.6).
fn p_extinct(b: f64, d: f64, t: f64) -> f64 {
    if (b - d).abs() < 1e-12 {
        b * t / (1.0 + b * t)
    } else {
        let e = ((b - d) * t).exp();
        d * (e - 1.0) / (b * e - d)
    }
}

fn extinct_fraction(b: f64, d: f64, t: f64, reps: u64, cap: Option<u64>) -> f64 {
    let mut kin = EmaxLag::constant(&[(b, d)]);
    let opts = ClonalOptions {
        cap_cells: cap,
        ..ClonalOptions::default()
    };
    let mut ext = 0;
    for s in 0..reps {
        let r = simulate_branching(&mut kin, &no_drug(), &[], &[1], &[t], &opts, 77 + s).unwrap();
        if r.extinct_at_h.is_some() {
            ext += 1;
        }
    }
    ext as f64 / reps as f64
}

#[test]
fn extinction_probabilities_match_theory() {
    let reps = 4000;
    let tol = 4.0 * (0.25f64 / reps as f64).sqrt();
    // Supercritical: ultimate extinction d/b (cap at 400 cells: (d/b)^400 ≈ 0).
    let p = extinct_fraction(0.1, 0.05, 1e5, reps, Some(400));
    assert!((p - 0.5).abs() < tol, "supercritical {p}");
    // Critical by t = 40 h: bt/(1+bt) = 2/3.
    let p = extinct_fraction(0.05, 0.05, 40.0, reps, None);
    assert!(
        (p - p_extinct(0.05, 0.05, 40.0)).abs() < tol,
        "critical {p}"
    );
    // Subcritical by t = 20 h, and certain extinction in the long run.
    let p = extinct_fraction(0.02, 0.05, 20.0, reps, None);
    assert!(
        (p - p_extinct(0.02, 0.05, 20.0)).abs() < tol,
        "subcritical {p}"
    );
    assert_eq!(extinct_fraction(0.02, 0.05, 2000.0, 500, None), 1.0);
}

#[test]
fn mutant_arrivals_follow_luria_delbruck() {
    // Parental clone of 10⁴ cells (tau-leaped), mutation 10⁻⁵ per division.
    let (b, d, mu, n0, t) = (0.05, 0.02, 1e-5, 10_000.0, 24.0);
    let mut kin = EmaxLag::constant(&[(b, d), (b, d)]);
    let muts = [Mutation { from: 0, to: 1, mu }];
    let r0 = b * (1.0 - mu) - d;
    // Expected mutation events by t: m = μ b N0 (e^{r0 t} − 1)/r0; P(none) = e^{−m}.
    let m = mu * b * n0 * ((r0 * t).exp() - 1.0) / r0;
    // Mean mutant cells (Luria & Delbrück 1943; equal fitness): μ b N0 t e^{rt}.
    let mean_mutants = mu * b * n0 * t * ((b - d) * t).exp();
    let opts = ClonalOptions {
        stop_on_extinction: false,
        ..ClonalOptions::default()
    };
    let reps = 3000;
    let (mut none, mut counts, mut mutants) = (0, Vec::new(), Vec::new());
    for s in 0..reps {
        let r = simulate_branching(
            &mut kin,
            &no_drug(),
            &muts,
            &[10_000, 0],
            &[t],
            &opts,
            5 + s,
        )
        .unwrap();
        if r.first_arrival_h[1].is_none() {
            none += 1;
        } else {
            assert!(r.first_arrival_h[1].unwrap() <= t);
        }
        counts.push(r.arrivals[1] as f64);
        mutants.push(r.cells[0][1] as f64);
    }
    let p0 = none as f64 / reps as f64;
    assert!(
        (p0 - (-m).exp()).abs() < 4.0 * (0.25f64 / reps as f64).sqrt(),
        "{p0} vs {}",
        (-m).exp()
    );
    let (mc, sc) = mean_se(&counts);
    assert!((mc - m).abs() < 4.0 * sc, "{mc} ± {sc} vs {m}");
    let (mm, sm) = mean_se(&mutants);
    assert!(
        (mm - mean_mutants).abs() < 4.0 * sm,
        "{mm} ± {sm} vs {mean_mutants}"
    );
}

#[test]
fn runs_are_reproducible_by_seed() {
    let mut kin = EmaxLag::menin_standin();
    let muts = [
        Mutation {
            from: 0,
            to: 1,
            mu: 1e-4,
        },
        Mutation {
            from: 0,
            to: 2,
            mu: 1e-4,
        },
    ];
    let conc = Constant(vec![0.3e-6, 0.0]);
    let rec: Vec<f64> = (0..=10).map(|i| i as f64 * 24.0).collect();
    let o = ClonalOptions::default();
    let a = simulate_branching(&mut kin, &conc, &muts, &[50_000, 3, 0], &rec, &o, 42).unwrap();
    let b = simulate_branching(&mut kin, &conc, &muts, &[50_000, 3, 0], &rec, &o, 42).unwrap();
    let c = simulate_branching(&mut kin, &conc, &muts, &[50_000, 3, 0], &rec, &o, 43).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(a.cells, c.cells);
    assert_eq!(a.seed, 42);
    // The drug shrinks the parental clone after the lag.
    assert!(a.cells[10][0] < a.cells[3][0]);
}

#[test]
fn fast_kinetics_leave_the_exact_regime() {
    // 2 divisions per hour: from 10 cells the exact phase would need ~10⁸
    // events in 10 h; the clone is leaped once it passes 8 × switch_cells.
    let mut kin = EmaxLag::constant(&[(2.0, 0.0)]);
    let opts = ClonalOptions {
        dt_h: 10.0,
        ..ClonalOptions::default()
    };
    let r = simulate_branching(&mut kin, &no_drug(), &[], &[10], &[10.0], &opts, 1).unwrap();
    let n = r.cells[0][0] as f64;
    // Yule process mean 10 e^{20}; the realisation is within a factor 3.
    let mean = 10.0 * 20f64.exp();
    assert!(n > mean / 3.0 && n < mean * 3.0, "{n} vs {mean}");
    assert_eq!((r.exact_intervals, r.leaped_intervals), (1, 1));
}

#[test]
fn mean_matches_ode_under_pk_driven_kinetics_with_lag() {
    use crate::pk::{Exposure, PkTable, Profile, Regimen, Route};
    let t = PkTable::bundled();
    let mi = t.get("MI-503").unwrap();
    let exp = Exposure {
        profiles: vec![
            Profile::new(mi, &[Regimen::daily(60.0, Route::Ip, 10)]).unwrap(),
            Profile::new(mi, &[]).unwrap(),
        ],
    };
    let mut kin = EmaxLag::menin_standin();
    let muts = [Mutation {
        from: 0,
        to: 1,
        mu: 1e-3,
    }];
    let rec: Vec<f64> = (1..=10).map(|d| d as f64 * 24.0).collect();
    let n0 = [3000u64, 0, 0];
    let opts = ClonalOptions {
        stop_on_extinction: false,
        dt_h: 2.0,
        ..ClonalOptions::default()
    };
    let ode = simulate_ode(&mut kin, &exp, &muts, &[3000.0, 0.0, 0.0], &rec, 2.0).unwrap();
    let (mut p, mut m) = (Vec::new(), Vec::new());
    for s in 0..300 {
        let r = simulate_branching(&mut kin, &exp, &muts, &n0, &rec, &opts, 900 + s).unwrap();
        p.push(r.cells[9][0] as f64);
        m.push(r.cells[9][1] as f64);
    }
    let (mp, sp) = mean_se(&p);
    let (mm, sm) = mean_se(&m);
    // The drug slows the parental clone (vehicle: 3000 e^{0.022·240}); the
    // mutant grows.
    let vehicle = 3000.0 * (0.022f64 * 240.0).exp();
    assert!(
        ode.cells[9][0] < 0.2 * vehicle && ode.cells[9][1] > 100.0,
        "{:?}",
        ode.cells[9]
    );
    assert!(
        (mp - ode.cells[9][0]).abs() < 4.0 * sp + 1e-3 * ode.cells[9][0],
        "{mp} ± {sp} vs {}",
        ode.cells[9][0]
    );
    assert!(
        (mm - ode.cells[9][1]).abs() < 4.0 * sm + 1e-3 * ode.cells[9][1],
        "{mm} ± {sm} vs {}",
        ode.cells[9][1]
    );
}
