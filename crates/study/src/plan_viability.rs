//! Planning a viability (dose–response) assay by simulation: how many
//! replicates and concentrations give a precise GI50.
//!
//! # Simulated
//! The real mechanism's culture ODE (`preclin_sim::culture::Culture`,
//! RK4): the viable cells of the line after `hours` at each nominal
//! concentration in % of the vehicle culture — the noise-free curve. A
//! dilution series of `k` concentrations from `top_molar` down by
//! `dilution`-fold, each in `n` replicate wells, plus `n` vehicle wells.
//! Well-to-well error: additive Gaussian with SD `noise_pct` % of vehicle
//! (an assumption: CellTiter-Glo replicate CVs of 5–10 % are typical).
//!
//! # Analysed
//! The curve engine `preclin viability` / `preclin fit` use:
//! `preclin_curve::summary::fit_summary` with the LL.4 model (drc's
//! four-parameter log-logistic, Ritz et al. 2015, PLoS One 10:e0146021) and
//! the default 95 % delta-method CI of the EC50 on the log scale. The
//! fitted relative EC50 is the GI50 here (response = % of vehicle).
//! A plate "succeeds" when that CI exists and lies within `fold`-fold of
//! the estimate on both sides (`EC50/lower ≤ fold` and `upper/EC50 ≤ fold`);
//! `power` is the success probability. Effects: the mean CI width
//! `upper/lower` (fold, geometric mean, `mean_effect`) and the geometric
//! mean GI50 estimate in nM (`mean_effect2`). Rows: `arm` = the number of concentrations, `n` = the
//! replicates per concentration.

use preclin_curve::summary::{SummaryOptions, fit_summary};
use preclin_curve::{CurveData, FitOptions, Workspace};
use preclin_sim::clonal::subseed;
use preclin_sim::culture::Culture;
use preclin_sim::params::Params;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::common::{PlanError, PowerRow};
use super::xenograft::{PlanResult, check_common};

/// A viability-assay plan.
#[derive(Debug, Clone)]
pub struct ViabilityPlan {
    /// Cell line of the parameter file.
    pub line: String,
    /// Compound of the parameter file.
    pub compound: String,
    /// Assay duration (h).
    pub hours: f64,
    /// Highest nominal concentration (molar).
    pub top_molar: f64,
    /// Fold dilution between neighbouring concentrations (> 1).
    pub dilution: f64,
    /// Numbers of concentrations to compare (each ≥ 4).
    pub concentrations: Vec<usize>,
    /// Replicates per concentration to evaluate (ascending).
    pub n_grid: Vec<usize>,
    /// Well-to-well SD (% of vehicle).
    pub noise_pct: f64,
    /// The CI must lie within this fold of the GI50 on both sides.
    pub fold: f64,
    /// Simulated plates per design.
    pub reps: usize,
    /// Master seed.
    pub seed: u64,
}

impl ViabilityPlan {
    /// Defaults: MOLM-13, revumenib, 7-day assay, top 1 µM, 1:3
    /// dilutions, 6 / 8 / 10 concentrations, 2..6 replicates, 8 % noise,
    /// 2-fold, 200 plates.
    pub fn new(seed: u64) -> ViabilityPlan {
        ViabilityPlan {
            line: "MOLM-13".into(),
            compound: "revumenib".into(),
            hours: 168.0,
            top_molar: 1e-6,
            dilution: 3.0,
            concentrations: vec![6, 8, 10],
            n_grid: (2..=6).collect(),
            noise_pct: 8.0,
            fold: 2.0,
            reps: 200,
            seed,
        }
    }
}

/// Runs the plan (see the module docs). `alpha` of the result is the
/// CI's `1 − level` (0.05).
pub fn plan_viability(plan: &ViabilityPlan) -> Result<PlanResult, PlanError> {
    check_common(&plan.n_grid, plan.reps, 0.05)?;
    let ok = plan.hours > 0.0
        && plan.top_molar > 0.0
        && plan.top_molar.is_finite()
        && plan.dilution > 1.0
        && plan.dilution.is_finite()
        && plan.noise_pct >= 0.0
        && plan.noise_pct.is_finite()
        && plan.fold > 1.0
        && !plan.concentrations.is_empty()
        && plan.concentrations.iter().all(|&k| (4..=24).contains(&k));
    if !ok {
        return Err(PlanError::Invalid(
            "viability plan: hours, top, noise > 0; dilution, fold > 1; 4..=24 concentrations"
                .into(),
        ));
    }
    let params = Params::bundled();
    let culture = Culture::new(&params, &plan.line, &[plan.compound.as_str()])
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    // Noise-free curves per concentration count (index 0 = vehicle).
    let curves: Vec<(Vec<f64>, Vec<f64>)> = plan
        .concentrations
        .iter()
        .map(|&k| {
            let mut c = vec![0.0];
            c.extend((0..k).map(|i| plan.top_molar / plan.dilution.powi((k - 1 - i) as i32)));
            let v = c
                .iter()
                .map(|&x| culture.viability_pct(&[x], plan.hours))
                .collect();
            (c, v)
        })
        .collect();
    let noise = Normal::new(0.0, plan.noise_pct.max(1e-12))
        .map_err(|e| PlanError::Invalid(format!("noise: {e}")))?;
    let max_n = *plan.n_grid.iter().max().unwrap_or(&2);
    // Per rep, per concentration set, per n: (success, width, gi50 nM).
    type Out = (bool, Option<f64>, Option<f64>);
    let per_rep: Vec<Vec<Vec<Out>>> = (0..plan.reps)
        .into_par_iter()
        .map(|r| {
            let sr = subseed(plan.seed, r as u64);
            let mut ws = Workspace::new();
            curves
                .iter()
                .enumerate()
                .map(|(ki, (conc, truth))| {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(subseed(sr, ki as u64));
                    // wells[j][i]: replicate j at concentration i (nested in n).
                    let wells: Vec<Vec<f64>> = (0..max_n)
                        .map(|_| truth.iter().map(|t| t + noise.sample(&mut rng)).collect())
                        .collect();
                    plan.n_grid
                        .iter()
                        .map(|&n| {
                            let mut dose = Vec::with_capacity(n * conc.len());
                            let mut resp = Vec::with_capacity(n * conc.len());
                            for w in wells.iter().take(n) {
                                dose.extend_from_slice(conc);
                                resp.extend_from_slice(w);
                            }
                            let data = CurveData {
                                dose: &dose,
                                response: &resp,
                                weight: None,
                            };
                            let (_, s) = fit_summary(
                                &data,
                                &FitOptions::default(),
                                &SummaryOptions::default(),
                                &mut ws,
                            );
                            match (s.ec50, s.ec50_lower, s.ec50_upper) {
                                (Some(e), Some(lo), Some(hi))
                                    if e > 0.0 && lo > 0.0 && hi.is_finite() =>
                                {
                                    let ok = e / lo <= plan.fold && hi / e <= plan.fold;
                                    (ok, Some(hi / lo), Some(e * 1e9))
                                }
                                (e, _, _) => (false, None, e.map(|e| e * 1e9)),
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut rows = Vec::new();
    for (ki, &k) in plan.concentrations.iter().enumerate() {
        let label = format!("{k} concentrations");
        for (ni, &n) in plan.n_grid.iter().enumerate() {
            let outs: Vec<&Out> = per_rep.iter().map(|r| &r[ki][ni]).collect();
            let ok = outs.iter().filter(|o| o.0).count();
            let undef = outs.iter().filter(|o| o.1.is_none()).count();
            // Geometric means: widths and GI50s are log-scale quantities.
            let w: Vec<f64> = outs.iter().filter_map(|o| o.1.map(f64::ln)).collect();
            let g: Vec<f64> = outs.iter().filter_map(|o| o.2.map(f64::ln)).collect();
            let mut row = PowerRow::from_counts(&label, n, plan.reps, ok, undef, &w, &g);
            row.mean_effect = row.mean_effect.map(f64::exp);
            row.mean_effect2 = row.mean_effect2.map(f64::exp);
            rows.push(row);
        }
    }
    Ok(PlanResult {
        seed: plan.seed,
        reps: plan.reps,
        alpha: 0.05,
        rows,
        effect: "ci_width_fold".into(),
        effect2: "gi50_nM".into(),
        method: format!(
            "simulated: {} {} h culture ODE, {} from {} M by 1:{}, noise SD {} % of vehicle; analysed: LL.4 fit, 95 % delta-log CI of the GI50 within {}-fold",
            plan.line,
            plan.hours,
            plan.compound,
            plan.top_molar,
            plan.dilution,
            plan.noise_pct,
            plan.fold
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_replicates_give_narrower_intervals_and_a_bracketing_series_succeeds() {
        let mut p = ViabilityPlan::new(3);
        p.reps = 40;
        p.concentrations = vec![8];
        p.n_grid = vec![2, 6];
        let r = plan_viability(&p).unwrap();
        assert_eq!(r.rows.len(), 2);
        let (w2, w6) = (
            r.rows[0].mean_effect.unwrap(),
            r.rows[1].mean_effect.unwrap(),
        );
        assert!(w6 < w2, "CI width {w6} (n=6) vs {w2} (n=2)");
        assert!(w6 > 1.0 && w6 < 2.5, "{w6}");
        assert!(r.rows[1].power >= 0.9, "{:?}", r.rows[1]);
        // The simulated MOLM-13 7-day GI50 of revumenib is single-digit nM.
        let g = r.rows[1].mean_effect2.unwrap();
        assert!(g > 1.0 && g < 20.0, "{g}");
    }

    #[test]
    fn a_series_that_misses_the_gi50_fails_and_bad_plans_are_errors() {
        let mut p = ViabilityPlan::new(3);
        p.reps = 20;
        p.top_molar = 1e-4; // 4 points from 100 µM by 1:3 never reach ~5 nM
        p.concentrations = vec![4];
        p.n_grid = vec![3];
        let r = plan_viability(&p).unwrap();
        assert!(r.rows[0].power <= 0.1, "{:?}", r.rows[0]);
        p.dilution = 1.0;
        assert!(plan_viability(&p).is_err());
        let mut q = ViabilityPlan::new(3);
        q.line = "nope".into();
        assert!(matches!(plan_viability(&q), Err(PlanError::Sim(_))));
    }
}
