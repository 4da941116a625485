//! `preclin bench sim` — throughput of the virtual lab's population side:
//! virtual mice with clonal evolution per second (xenograft calipers and
//! leukaemia survival, each mouse a hybrid exact / tau-leaping branching
//! process with MEN1-mutant and other resistant clones under PK-driven
//! exposure) and the time of a virtual patient cohort of resistance
//! evolution (menin inhibitor alone and + mezigdomide).
//!
//! By default driven by the real mechanism (`preclin_sim::invivo`: PK →
//! free concentration → `LineKinetics` + cell loss, the bundled
//! `invivo.toml`) and the mechanistic relapse cohort; `--standin` runs the
//! earlier stand-in kinetics `preclin_sim::kinetics_simple::EmaxLag` (an
//! Emax model with a first-order lag) for comparison. Figures and the
//! command are recorded in BENCHMARKS.md.

use std::time::Instant;

use clap::Args;
use preclin_sim::clonal::ClonalOptions;
use preclin_sim::cohort::{CohortDesign, simulate_cohort, standin_exposure};
use preclin_sim::invivo_readouts::calibration::{median_survival_increase_pct, volume_change};
use preclin_sim::invivo_readouts::leukaemia::{LeukaemiaDesign, simulate_leukaemia};
use preclin_sim::invivo_readouts::{Arm, XenograftDesign, simulate_xenograft};
use preclin_sim::kinetics_simple::{EmaxLag, Scaled};
use preclin_sim::pk::{Constant, Exposure, PkTable, Profile, Regimen, Route};
use preclin_sim::population::Mutation;

/// Arguments of `preclin bench sim`.
#[derive(Debug, Args)]
pub struct BenchSimArgs {
    /// Virtual mice per study type (half vehicle, half MI-503).
    #[arg(long, default_value_t = 200)]
    mice: usize,
    /// Patients in the virtual cohort.
    #[arg(long, default_value_t = 10_000)]
    patients: usize,
    /// Master seed.
    #[arg(long, default_value_t = 20261122)]
    seed: u64,
    /// Worker threads for the cohort (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Use the stand-in Emax-with-lag kinetics instead of the mechanism.
    #[arg(long)]
    standin: bool,
}

/// The benchmark on the real mechanism.
fn run_mechanism(a: &BenchSimArgs) -> anyhow::Result<()> {
    use preclin_sim::invivo::{InVivoParams, relapse_cohort, survival, xenograft};
    let params = preclin_sim::params::Params::bundled();
    let pk = PkTable::bundled();
    let inv = InVivoParams::bundled();
    println!(
        "kinetics: the mechanism (PK → free concentration → LineKinetics + cell loss; bundled params.toml, pk.toml, invivo.toml)"
    );
    println!("master seed {}", a.seed);
    let half = a.mice.div_ceil(2).max(1);
    let t = Instant::now();
    let xs = xenograft(&params, &pk, &inv, half, a.seed)?;
    let dt = t.elapsed().as_secs_f64();
    let n = xs.truth.len();
    println!(
        "xenograft (MV4;11, ~1e8 cells, {} days, MI-503 {} mg/kg daily i.p.): {n} mice implanted in {dt:.3} s = {:.0} mice/s (one thread)",
        inv.xenograft.days,
        inv.xenograft.dose_mg_per_kg,
        n as f64 / dt
    );
    let last = inv.xenograft.days as f64;
    for (g, day) in [("vehicle", 14.0), ("MI-503", last)] {
        if let Some(v) = volume_change(&xs, g, day) {
            println!(
                "  calibration {g}: day-{day} mean volume change {:+.1} % (n = {}), complete regressions {}",
                v.mean_change_pct, v.n, v.complete_regressions
            );
        }
    }
    let third = a.mice.div_ceil(3).max(1);
    let t = Instant::now();
    let ls = survival(&params, &pk, &inv, third, a.seed)?;
    let dt = t.elapsed().as_secs_f64();
    let n = ls.truth.len();
    println!(
        "leukaemia survival (MLL-AF9, 1e6 → 5e9 cells, ≤ {} days; vehicle / MI-503 / MI-463): {n} mice in {dt:.3} s = {:.0} mice/s (one thread)",
        inv.survival.study_end_days,
        n as f64 / dt
    );
    for g in ["MI-503", "MI-463"] {
        match median_survival_increase_pct(&ls, "vehicle", g) {
            Some(p) => {
                println!("  calibration {g}: median survival increase {p:+.1} % (true death days)")
            }
            None => println!("  calibration {g}: median survival not reached in a group"),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()?;
    let t = Instant::now();
    let (mono, combo) =
        pool.install(|| relapse_cohort(&params, &inv.relapse, a.patients, a.seed))?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "relapse cohort (MV4;11 + MEN1 {} + other clone, 365 days, revumenib ± mezigdomide): 2 × {} patients in {dt:.2} s ({} threads)",
        inv.relapse.mutant,
        a.patients,
        pool.current_num_threads()
    );
    for (label, s) in [
        ("revumenib alone", mono),
        ("revumenib + mezigdomide", combo),
    ] {
        println!(
            "  {label}: responded {}, relapsed {:.1} %, MEN1-mutant relapses {}",
            s.responded,
            s.pct_relapsing,
            s.pct_men1_of_relapses
                .map_or("—".into(), |p| format!("{p:.1} %")),
        );
    }
    Ok(())
}

/// Runs the benchmark.
pub fn run(a: BenchSimArgs) -> anyhow::Result<()> {
    if !a.standin {
        return run_mechanism(&a);
    }
    let table = PkTable::bundled();
    let mi503 = table.get("MI-503")?;
    let mouse_mutations = vec![
        Mutation {
            from: 0,
            to: 1,
            mu: 1e-7,
        },
        Mutation {
            from: 0,
            to: 2,
            mu: 1e-7,
        },
    ];
    println!(
        "stand-in kinetics: kinetics_simple::EmaxLag (Emax + first-order lag), not the mechanism"
    );
    println!("master seed {}", a.seed);

    // Xenograft mice: MI-503 60 mg/kg once daily i.p. for 28 days.
    let treated = Exposure {
        profiles: vec![
            Profile::new(mi503, &[Regimen::daily(60.0, Route::Ip, 28)])?,
            // The mezigdomide slot of the kinetics stays empty (no doses).
            Profile::new(mi503, &[])?,
        ],
    };
    let vehicle = Constant(vec![0.0, 0.0]);
    let arms = [
        Arm {
            group: "vehicle".into(),
            exposure: &vehicle,
        },
        Arm {
            group: "MI-503".into(),
            exposure: &treated,
        },
    ];
    let half = a.mice.div_ceil(2).max(1);
    let mut kin = EmaxLag::menin_standin();
    let xd = XenograftDesign {
        n_per_group: half,
        mutations: mouse_mutations.clone(),
        ..XenograftDesign::default()
    };
    let t = Instant::now();
    // Subcutaneous MV4;11 grows ≈ 0.1/day; the stand-in's in vitro rates
    // (net ≈ 0.5/day) are slowed 5-fold for the xenograft.
    let mut slow = Scaled {
        inner: &mut kin,
        factor: 0.2,
    };
    let xs = simulate_xenograft(&mut slow, &arms, &xd, a.seed)?;
    let dt = t.elapsed().as_secs_f64();
    let n = xs.truth.len();
    println!(
        "xenograft (1e8 cells, 28 days, 3 clones, tempo 0.2): {n} mice implanted in {dt:.3} s = {:.0} mice/s (one thread)",
        n as f64 / dt
    );

    for g in ["vehicle", "MI-503"] {
        for day in [14.0, 28.0] {
            match volume_change(&xs, g, day) {
                Some(v) => println!(
                    "  calibration {g}: day-{day} mean volume change {:+.1} % (n = {}), complete regressions {}",
                    v.mean_change_pct, v.n, v.complete_regressions
                ),
                None => println!("  calibration {g}: no mouse measured on days 0 and {day}"),
            }
        }
    }

    // Leukaemia mice: daily records for 100 days, death at 5e9 cells.
    let treated_100 = Exposure {
        profiles: vec![
            Profile::new(mi503, &[Regimen::daily(60.0, Route::Ip, 100)])?,
            // The mezigdomide slot of the kinetics stays empty (no doses).
            Profile::new(mi503, &[])?,
        ],
    };
    let arms = [
        Arm {
            group: "vehicle".into(),
            exposure: &vehicle,
        },
        Arm {
            group: "MI-503".into(),
            exposure: &treated_100,
        },
    ];
    let ld = LeukaemiaDesign {
        n_per_group: half,
        mutations: mouse_mutations,
        clonal: ClonalOptions {
            dt_h: 2.0,
            ..ClonalOptions::default()
        },
        ..LeukaemiaDesign::default()
    };
    let t = Instant::now();
    let ls = simulate_leukaemia(&mut kin, &arms, &ld, a.seed)?;
    let dt = t.elapsed().as_secs_f64();
    let n = ls.truth.len();
    println!(
        "leukaemia survival (1e6 → 5e9 cells, ≤ 100 days): {n} mice in {dt:.3} s = {:.0} mice/s (one thread)",
        n as f64 / dt
    );

    match median_survival_increase_pct(&ls, "vehicle", "MI-503") {
        Some(p) => println!("  calibration: median survival increase {p:+.1} % (true death days)"),
        None => println!("  calibration: median survival not reached in a group"),
    }

    // Cohort.
    let design = CohortDesign {
        patients: a.patients,
        ..CohortDesign::default()
    };
    let days = design.horizon_days.ceil() as usize;
    let ckin = EmaxLag::cohort_standin();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()?;
    for (label, mezi) in [
        ("revumenib alone", false),
        ("revumenib + mezigdomide", true),
    ] {
        let exposure = standin_exposure(mezi, days)?;
        let t = Instant::now();
        let (_, s) = pool.install(|| simulate_cohort(&ckin, &exposure, &design, a.seed))?;
        let dt = t.elapsed().as_secs_f64();
        println!(
            "cohort {label}: {} patients × {} days in {dt:.2} s ({} threads) — responded {}, relapsed {:.1} %, MEN1-mutant relapses {}, median time to relapse {} days",
            s.n,
            days,
            pool.current_num_threads(),
            s.responded,
            s.pct_relapsing,
            s.pct_men1_of_relapses
                .map_or("—".into(), |p| format!("{p:.1} %")),
            s.median_relapse_day
                .map_or("—".into(), |d| format!("{d:.0}")),
        );
    }
    Ok(())
}
