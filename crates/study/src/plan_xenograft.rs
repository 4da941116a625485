//! Power of a subcutaneous xenograft study by simulation.
//!
//! # Simulated
//! `preclin_sim::invivo_readouts::simulate_xenograft`: the real mechanism
//! ([`LineKinetics`]: drug → menin occupancy → HOXA9/MEIS1 program → cell
//! fate) driven by the compound's mouse PK (`preclin_sim::pk`, one
//! [`Profile`] per arm, dosed from day 0 on the arm's schedule, tabulated
//! hourly), a branching process of tumour cells per mouse with take,
//! log-normal starting volume and tempo, caliper error and humane endpoints
//! (see that module for every assumption). A vehicle group gets no drug.
//!
//! # Analysed
//! Exactly what `preclin xenograft --control vehicle` reports as
//! `p_value`: `preclin_invivo::xenograft::efficacy` with its defaults —
//! caliper volume `W²L/2`, the invivoSyn evaluation day (last day with
//! ≥ 80 % of the control mice measured), Welch's t test on
//! `ln(V + c)` treated vs control (`c` = [`XenograftPlan::log_offset`],
//! default 0 like the CLI), Holm-adjusted over the treated arms of the
//! design (Welch 1947, Biometrika 34:28; Holm 1979, Scand J Stat 6:65).
//! A study rejects when the adjusted p < α; an undefined p (e.g. a tumour
//! regressed to 0 on the log scale with `c = 0`, or a group with < 2 mice
//! on the day) counts as not rejecting and is counted in `undefined`.
//! Effects: mean TGI on group means `100·(1 − ΔT/ΔC)` (`mean_effect`, the
//! CLI's default `tgi_percent`) and `100 − 100·T/C` (`mean_effect2`).

use preclin_invivo::xenograft::efficacy::{EfficacyOptions, efficacy};
use preclin_invivo::xenograft::model::{Record, Study, StudyOptions, VolumeFormula};
use preclin_invivo::xenograft::mouse::{MouseOptions, all_mouse_metrics};
use preclin_sim::clonal::subseed;
use preclin_sim::invivo_readouts::{Arm, XenograftDesign, XenograftSim, simulate_xenograft};
use preclin_sim::kinetics::LineKinetics;
use preclin_sim::params::Params;
use preclin_sim::pk::{Concentrations, Constant, Exposure, PkTable, Profile, Route, Tabulated};
use rayon::prelude::*;
use serde::Serialize;

use super::common::{ArmSpec, PlanError, PowerRow, smallest_n};

/// Name of the vehicle group of the simulated studies.
pub const VEHICLE: &str = "vehicle";

/// A xenograft power plan.
#[derive(Debug, Clone)]
pub struct XenograftPlan {
    /// Cell line of the parameter file (e.g. `MV4;11`).
    pub line: String,
    /// Compound (in both the mechanism and the PK parameter files).
    pub compound: String,
    /// Route of administration.
    pub route: Route,
    /// Treated arms (each compared with the vehicle).
    pub arms: Vec<ArmSpec>,
    /// Mice per group to evaluate (sorted ascending).
    pub n_grid: Vec<usize>,
    /// Simulated studies per design.
    pub reps: usize,
    /// Significance level.
    pub alpha: f64,
    /// Master seed.
    pub seed: u64,
    /// Offset `c` of the Welch test's `ln(V + c)` (mm³).
    pub log_offset: f64,
    /// Study design (days, variability, endpoint); `n_per_group` is set
    /// from the grid.
    pub design: XenograftDesign,
}

impl XenograftPlan {
    /// Defaults: MV4;11, revumenib p.o. 30 mg/kg bid, n = 3..15, 200
    /// studies, α = 0.05, seed 1, the simulator's default design.
    pub fn new(seed: u64) -> XenograftPlan {
        XenograftPlan {
            line: "MV4;11".into(),
            compound: "revumenib".into(),
            route: Route::Oral,
            arms: vec![ArmSpec {
                mg_per_kg: 30.0,
                schedule: super::Schedule::Bid,
            }],
            n_grid: (3..=15).collect(),
            reps: 200,
            alpha: 0.05,
            seed,
            log_offset: 0.0,
            design: XenograftDesign::default(),
        }
    }
}

/// The result of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanResult {
    /// Master seed.
    pub seed: u64,
    /// Simulated studies per design.
    pub reps: usize,
    /// Significance level.
    pub alpha: f64,
    /// One row per (arm, n), arms in the plan's order, n ascending.
    pub rows: Vec<PowerRow>,
    /// Name of `mean_effect` (e.g. `tgi_percent`).
    pub effect: String,
    /// Name of `mean_effect2`.
    pub effect2: String,
    /// What was simulated and analysed (one line).
    pub method: String,
}

impl PlanResult {
    /// Smallest `n` per arm with power ≥ `target` (arm order).
    pub fn smallest(&self, target: f64) -> Vec<(String, Option<usize>)> {
        let mut arms: Vec<String> = Vec::new();
        for r in &self.rows {
            if !arms.contains(&r.arm) {
                arms.push(r.arm.clone());
            }
        }
        arms.into_iter()
            .map(|a| {
                let n = smallest_n(&self.rows, &a, target);
                (a, n)
            })
            .collect()
    }
}

pub(crate) fn check_common(n_grid: &[usize], reps: usize, alpha: f64) -> Result<(), PlanError> {
    if n_grid.is_empty() || n_grid.iter().any(|&n| n < 2) {
        return Err(PlanError::Invalid("every n must be ≥ 2".into()));
    }
    if reps == 0 || reps > 100_000 {
        return Err(PlanError::Invalid(format!(
            "reps {reps}: must be 1..=100000"
        )));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(PlanError::Invalid(format!(
            "alpha {alpha}: must be in (0, 1)"
        )));
    }
    Ok(())
}

/// Simulates `reps` studies in parallel — replicate r on the seed stream
/// `subseed(seed, r)`, each from a fresh copy of `kin0`, with a vehicle
/// group followed by one arm per (label, exposure) — and collects
/// `run`'s result per replicate in replicate order, so the output does not
/// depend on the thread count. The first error wins.
pub(crate) fn per_replicate<T: Send>(
    kin0: &LineKinetics,
    labels: &[String],
    tabs: &[Tabulated],
    reps: usize,
    seed: u64,
    run: impl Fn(&mut LineKinetics, &[Arm], u64) -> Result<T, PlanError> + Sync,
) -> Result<Vec<T>, PlanError> {
    let vehicle = Constant(vec![0.0]);
    (0..reps)
        .into_par_iter()
        .map(|r| {
            let mut kin = kin0.clone();
            let mut arms = vec![Arm {
                group: VEHICLE.into(),
                exposure: &vehicle as &dyn Concentrations,
            }];
            for (l, t) in labels.iter().zip(tabs) {
                arms.push(Arm {
                    group: l.clone(),
                    exposure: t,
                });
            }
            run(&mut kin, &arms, subseed(seed, r as u64))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// Per-arm exposures (hourly tables) of a compound over `days`.
pub(crate) fn exposures(
    compound: &str,
    route: Route,
    arms: &[ArmSpec],
    days: f64,
) -> Result<Vec<Tabulated>, PlanError> {
    let table = PkTable::bundled();
    let pk = table
        .get(compound)
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    let hours = (days * 24.0).ceil().max(1.0) as usize;
    arms.iter()
        .map(|a| {
            if !(a.mg_per_kg.is_finite() && a.mg_per_kg >= 0.0) {
                return Err(PlanError::Invalid(format!(
                    "dose {}: must be ≥ 0 mg/kg",
                    a.mg_per_kg
                )));
            }
            let p: Profile = a.profile(pk, route, days)?;
            let e = Exposure { profiles: vec![p] };
            Ok(Tabulated::new(&e, 0.0, 1.0, hours))
        })
        .collect()
}

/// Caliper records of the first `n` taken mice of every group.
fn records(sim: &XenograftSim, n: usize) -> Vec<Record> {
    let mut keep: Vec<(&str, &str)> = Vec::new();
    let mut count: Vec<(&str, usize)> = Vec::new();
    for t in sim.truth.iter().filter(|t| t.taken) {
        let c = match count.iter_mut().find(|(g, _)| *g == t.group) {
            Some(c) => c,
            None => {
                count.push((&t.group, 0));
                count.last_mut().expect("just pushed")
            }
        };
        if c.1 < n {
            c.1 += 1;
            keep.push((&t.mouse, &t.group));
        }
    }
    sim.rows
        .iter()
        .enumerate()
        .filter(|(_, r)| keep.contains(&(r.mouse.as_str(), r.group.as_str())))
        .map(|(i, r)| Record {
            line: i + 2,
            mouse: r.mouse.clone(),
            group: r.group.clone(),
            day: r.day,
            volume: None,
            length: Some(r.length),
            width: Some(r.width),
            body_weight: Some(r.body_weight),
            exit: sim
                .exits
                .iter()
                .find(|e| e.mouse == r.mouse && e.group == r.group && e.day == r.day)
                .map(|e| e.reason.clone()),
        })
        .collect()
}

/// (Holm p, TGI %, reduction %) per treated arm of one analysed study.
type ArmOutcome = (Option<f64>, Option<f64>, Option<f64>);

fn analyse(sim: &XenograftSim, n: usize, labels: &[String], log_offset: f64) -> Vec<ArmOutcome> {
    let none = vec![(None, None, None); labels.len()];
    let recs = records(sim, n);
    let opts = StudyOptions {
        formula: VolumeFormula::Half,
        rebase_days: false,
        key_includes_group: false,
    };
    let Ok(study) = Study::new(&recs, &opts) else {
        return none;
    };
    let metrics = all_mouse_metrics(&study, &MouseOptions::default());
    let mut eo = EfficacyOptions::new(VEHICLE);
    eo.log_offset = log_offset;
    let Ok(eff) = efficacy(&study, &metrics, &eo) else {
        return none;
    };
    labels
        .iter()
        .map(|l| {
            eff.iter()
                .find(|e| &e.group == l)
                .map_or((None, None, None), |e| {
                    (e.welch_p_log_holm, e.tgi_groupmeans_pct, e.reduction_pct)
                })
        })
        .collect()
}

/// Runs the plan: `reps` simulated studies (vehicle + every arm, the largest
/// `n` of the grid per group), each analysed at every `n` of the grid.
pub fn plan_xenograft(plan: &XenograftPlan) -> Result<PlanResult, PlanError> {
    check_common(&plan.n_grid, plan.reps, plan.alpha)?;
    if plan.arms.is_empty() {
        return Err(PlanError::Invalid("at least one treated arm".into()));
    }
    if !(plan.log_offset.is_finite() && plan.log_offset >= 0.0) {
        return Err(PlanError::Invalid("log offset must be ≥ 0".into()));
    }
    let params = Params::bundled();
    let kin0 = LineKinetics::new(&params, &plan.line, &[plan.compound.as_str()], &[])
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    let last_day = plan.design.days.iter().copied().fold(0.0, f64::max);
    let tabs = exposures(&plan.compound, plan.route, &plan.arms, last_day + 1.0)?;
    let labels: Vec<String> = plan.arms.iter().map(ArmSpec::label).collect();
    let max_n = *plan.n_grid.iter().max().unwrap_or(&2);
    let mut design = plan.design.clone();
    design.n_per_group = max_n;
    let per_rep: Vec<Vec<Vec<ArmOutcome>>> = per_replicate(
        &kin0,
        &labels,
        &tabs,
        plan.reps,
        plan.seed,
        |kin, arms, seed| {
            let sim = simulate_xenograft(kin, arms, &design, seed)
                .map_err(|e| PlanError::Sim(e.to_string()))?;
            Ok(plan
                .n_grid
                .iter()
                .map(|&n| analyse(&sim, n, &labels, plan.log_offset))
                .collect())
        },
    )?;
    let mut rows = Vec::new();
    for (ai, label) in labels.iter().enumerate() {
        for (ni, &n) in plan.n_grid.iter().enumerate() {
            let outs: Vec<&ArmOutcome> = per_rep.iter().map(|r| &r[ni][ai]).collect();
            let rej = outs
                .iter()
                .filter(|o| o.0.is_some_and(|p| p < plan.alpha))
                .count();
            let undef = outs.iter().filter(|o| o.0.is_none()).count();
            let tgi: Vec<f64> = outs.iter().filter_map(|o| o.1).collect();
            let red: Vec<f64> = outs.iter().filter_map(|o| o.2).collect();
            rows.push(PowerRow::from_counts(
                label, n, plan.reps, rej, undef, &tgi, &red,
            ));
        }
    }
    Ok(PlanResult {
        seed: plan.seed,
        reps: plan.reps,
        alpha: plan.alpha,
        rows,
        effect: "tgi_percent".into(),
        effect2: "reduction_percent".into(),
        method: format!(
            "simulated: {} xenografts, {} {} ({}); analysed: Welch t on ln(V + {}) vs vehicle at the invivoSyn evaluation day, Holm over {} arm(s), p < {}",
            plan.line,
            plan.compound,
            plan.route.name(),
            labels.join(", "),
            plan.log_offset,
            labels.len(),
            plan.alpha
        ),
    })
}

/// An arm's label and its Holm-adjusted p-value (`None`: undefined).
pub type ArmP = (String, Option<f64>);

/// One simulated study of the plan, for checking and for a look at the data:
/// the caliper CSV of replicate `rep` (vehicle + every arm, the largest `n`
/// of the grid per group; the same study the plan analyses) as
/// `preclin xenograft` reads it, and the plan's (arm, Holm p) on it. Running
/// `preclin xenograft FILE --control vehicle --log-offset c` on the CSV
/// gives the same `p_value`s.
pub fn replicate_study(plan: &XenograftPlan, rep: usize) -> Result<(String, Vec<ArmP>), PlanError> {
    let mut one = plan.clone();
    one.n_grid = vec![*plan.n_grid.iter().max().unwrap_or(&2)];
    check_common(&one.n_grid, 1, plan.alpha)?;
    let params = Params::bundled();
    let mut kin = LineKinetics::new(&params, &plan.line, &[plan.compound.as_str()], &[])
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    let last_day = plan.design.days.iter().copied().fold(0.0, f64::max);
    let tabs = exposures(&plan.compound, plan.route, &plan.arms, last_day + 1.0)?;
    let labels: Vec<String> = plan.arms.iter().map(ArmSpec::label).collect();
    let mut design = plan.design.clone();
    design.n_per_group = one.n_grid[0];
    let vehicle = Constant(vec![0.0]);
    let mut arms = vec![Arm {
        group: VEHICLE.into(),
        exposure: &vehicle as &dyn Concentrations,
    }];
    for (l, t) in labels.iter().zip(&tabs) {
        arms.push(Arm {
            group: l.clone(),
            exposure: t,
        });
    }
    let sim = simulate_xenograft(&mut kin, &arms, &design, subseed(plan.seed, rep as u64))
        .map_err(|e| PlanError::Sim(e.to_string()))?;
    let ps = analyse(&sim, one.n_grid[0], &labels, plan.log_offset)
        .into_iter()
        .zip(labels)
        .map(|(o, l)| (l, o.0))
        .collect();
    Ok((sim.caliper_csv(), ps))
}

#[cfg(test)]
#[path = "plan_xenograft_tests.rs"]
mod tests;
