//! Power of a disseminated-leukaemia survival study by simulation.
//!
//! # Simulated
//! `preclin_sim::invivo_readouts::leukaemia::simulate_leukaemia`: the real
//! mechanism ([`LineKinetics`]) under the compound's mouse PK (one profile
//! per arm, dosed from day 0 for the whole study on the arm's schedule,
//! tabulated hourly), a branching process of leukaemic cells per mouse
//! from a log-normal engrafted burden with a per-mouse tempo; death when
//! the burden reaches the lethal level (recorded on the next daily check),
//! censoring at the end of the study (see that module's assumptions).
//!
//! # Analysed
//! The two-group log-rank test of each arm against the vehicle
//! (`preclin_stats::survival::logrank_test`, weight 1: Mantel–Cox; Klein &
//! Moeschberger 2003 §7.3), as `preclin survival` computes for a pair; a
//! study rejects when p < α, an undefined p (no informative events) counts
//! as not rejecting and as `undefined`. Effects: the increase of the
//! Kaplan–Meier median survival over the vehicle's,
//! `100·(median_T/median_C − 1)` % (`mean_effect`, over the studies where
//! both medians are reached) and the arm's Kaplan–Meier median in days
//! (`mean_effect2`).

use preclin_sim::invivo_readouts::leukaemia::{LeukaemiaDesign, LeukaemiaSim, simulate_leukaemia};
use preclin_sim::kinetics::LineKinetics;
use preclin_sim::params::Params;
use preclin_sim::pk::Route;
use preclin_stats::survival::{ConfType, SurvGroup, Weighting, kaplan_meier, logrank_test};

use super::common::{ArmSpec, PlanError, PowerRow};
use super::xenograft::{PlanResult, VEHICLE, check_common, exposures, per_replicate};

/// A survival power plan.
#[derive(Debug, Clone)]
pub struct SurvivalPlan {
    /// Cell line of the parameter file.
    pub line: String,
    /// Compound (mechanism and PK parameter files).
    pub compound: String,
    /// Route.
    pub route: Route,
    /// Treated arms, each compared with the vehicle.
    pub arms: Vec<ArmSpec>,
    /// Mice per group (ascending).
    pub n_grid: Vec<usize>,
    /// Simulated studies per design.
    pub reps: usize,
    /// Significance level.
    pub alpha: f64,
    /// Master seed.
    pub seed: u64,
    /// Study design (burden, lethal level, study end); `n_per_group` is set
    /// from the grid.
    pub design: LeukaemiaDesign,
}

impl SurvivalPlan {
    /// Defaults: MOLM-13, revumenib p.o. 10 mg/kg bid, n = 3..15, 200
    /// studies, α = 0.05, the simulator's default leukaemia design.
    pub fn new(seed: u64) -> SurvivalPlan {
        SurvivalPlan {
            line: "MOLM-13".into(),
            compound: "revumenib".into(),
            route: Route::Oral,
            arms: vec![ArmSpec {
                mg_per_kg: 10.0,
                schedule: super::Schedule::Bid,
            }],
            n_grid: (3..=15).collect(),
            reps: 200,
            alpha: 0.05,
            seed,
            design: LeukaemiaDesign::default(),
        }
    }
}

/// (log-rank p, median increase %, arm median) of one arm in one study.
type Outcome = (Option<f64>, Option<f64>, Option<f64>);

fn km_median(time: &[f64], event: &[bool]) -> Option<f64> {
    kaplan_meier(time, event, ConfType::Log, 0.95)
        .ok()
        .and_then(|k| k.median)
}

fn analyse(sim: &LeukaemiaSim, max_n: usize, n: usize, arms: usize) -> Vec<Outcome> {
    let group = |gi: usize| {
        let rows = &sim.survival[gi * max_n..gi * max_n + n];
        let t: Vec<f64> = rows.iter().map(|r| r.time).collect();
        let e: Vec<bool> = rows.iter().map(|r| r.event).collect();
        (t, e)
    };
    let (ct, ce) = group(0);
    let mc = km_median(&ct, &ce);
    (1..=arms)
        .map(|gi| {
            let (t, e) = group(gi);
            let p = logrank_test(
                &[
                    SurvGroup::new(VEHICLE, &ct, &ce),
                    SurvGroup::new("treated", &t, &e),
                ],
                Weighting::LogRank,
            )
            .ok()
            .and_then(|l| l.p);
            let mt = km_median(&t, &e);
            let inc = match (mt, mc) {
                (Some(a), Some(b)) if b > 0.0 => Some(100.0 * (a / b - 1.0)),
                _ => None,
            };
            (p, inc, mt)
        })
        .collect()
}

/// Runs the plan: `reps` simulated studies (vehicle + every arm, the
/// largest `n` per group), each analysed at every `n` of the grid (the
/// first `n` mice of each group).
pub fn plan_survival(plan: &SurvivalPlan) -> Result<PlanResult, PlanError> {
    check_common(&plan.n_grid, plan.reps, plan.alpha)?;
    if plan.arms.is_empty() {
        return Err(PlanError::Invalid("at least one treated arm".into()));
    }
    let params = Params::bundled();
    let kin0 = LineKinetics::new(&params, &plan.line, &[plan.compound.as_str()], &[])
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    let tabs = exposures(
        &plan.compound,
        plan.route,
        &plan.arms,
        plan.design.study_end_days + 1.0,
    )?;
    let labels: Vec<String> = plan.arms.iter().map(ArmSpec::label).collect();
    let max_n = *plan.n_grid.iter().max().unwrap_or(&2);
    let mut design = plan.design.clone();
    design.n_per_group = max_n;
    let per_rep: Vec<Vec<Vec<Outcome>>> = per_replicate(
        &kin0,
        &labels,
        &tabs,
        plan.reps,
        plan.seed,
        |kin, arms, seed| {
            let sim = simulate_leukaemia(kin, arms, &design, seed)
                .map_err(|e| PlanError::Sim(e.to_string()))?;
            Ok(plan
                .n_grid
                .iter()
                .map(|&n| analyse(&sim, max_n, n, labels.len()))
                .collect())
        },
    )?;
    let mut rows = Vec::new();
    for (ai, label) in labels.iter().enumerate() {
        for (ni, &n) in plan.n_grid.iter().enumerate() {
            let outs: Vec<&Outcome> = per_rep.iter().map(|r| &r[ni][ai]).collect();
            let rej = outs
                .iter()
                .filter(|o| o.0.is_some_and(|p| p < plan.alpha))
                .count();
            let undef = outs.iter().filter(|o| o.0.is_none()).count();
            let inc: Vec<f64> = outs.iter().filter_map(|o| o.1).collect();
            let med: Vec<f64> = outs.iter().filter_map(|o| o.2).collect();
            rows.push(PowerRow::from_counts(
                label, n, plan.reps, rej, undef, &inc, &med,
            ));
        }
    }
    Ok(PlanResult {
        seed: plan.seed,
        reps: plan.reps,
        alpha: plan.alpha,
        rows,
        effect: "median_increase_percent".into(),
        effect2: "median_survival_days".into(),
        method: format!(
            "simulated: {} leukaemia survival to day {}, {} {} ({}); analysed: log-rank vs vehicle per arm, p < {}",
            plan.line,
            plan.design.study_end_days,
            plan.compound,
            plan.route.name(),
            labels.join(", "),
            plan.alpha
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Schedule;

    fn small(doses: &[f64], reps: usize) -> SurvivalPlan {
        let mut p = SurvivalPlan::new(11);
        p.arms = doses
            .iter()
            .map(|&d| ArmSpec {
                mg_per_kg: d,
                schedule: Schedule::Qd,
            })
            .collect();
        p.n_grid = vec![3, 5, 8];
        p.reps = reps;
        p
    }

    #[test]
    fn null_arm_rejects_at_about_alpha_and_a_curative_dose_always() {
        let r = plan_survival(&small(&[0.0, 10.0], 200)).unwrap();
        assert_eq!(r.rows.len(), 6);
        for row in r.rows.iter().filter(|x| x.arm == "0 mg/kg qd") {
            // Log-rank with few mice is conservative; never anti-conservative
            // beyond Monte-Carlo error (3 SE of 0.05 at R = 200 ≈ 0.046).
            assert!(row.power <= 0.05 + 0.046, "{row:?}");
            assert!(row.mean_effect.is_some_and(|e| e.abs() < 10.0), "{row:?}");
        }
        for row in r.rows.iter().filter(|x| x.arm == "10 mg/kg qd") {
            assert!(row.power >= 0.95, "{row:?}");
        }
    }

    #[test]
    fn same_seed_same_result_and_validation() {
        let a = plan_survival(&small(&[1.0], 8)).unwrap();
        let b = plan_survival(&small(&[1.0], 8)).unwrap();
        assert_eq!(a, b);
        let mut bad = small(&[1.0], 8);
        bad.arms.clear();
        assert!(plan_survival(&bad).is_err());
        let mut bad = small(&[1.0], 8);
        bad.compound = "nope".into();
        assert!(plan_survival(&bad).is_err());
    }
}
