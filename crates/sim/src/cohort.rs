//! A virtual cohort of patients: resistance evolution under a regimen.
//!
//! Each patient is one realisation of the hybrid branching process of
//! [`crate::clonal`] — parental, MEN1-mutant and other resistant clones,
//! with pre-existing resistant cells (Poisson, expected fraction per clone
//! at diagnosis) and mutation per division during therapy — under a shared
//! exposure (tabulated once on the rate-update grid). Between-patient
//! variability: log-normal starting burden and a log-normal tempo on all
//! rates. Per patient: response and relapse by [`RelapseRule`] on weekly
//! burden records (plus the final state when the run stops early), the
//! time to relapse and whether the relapse carries a MEN1 mutation
//! (mutant fraction of the burden ≥ `men1_threshold`).
//!
//! Determinism: patient `i` uses the stream `subseed(seed, i)`; patients
//! run in parallel (rayon) and are collected in index order, so the result
//! does not depend on the number of threads.
//!
//! Luria & Delbrück (1943, Genetics 28:491) and Iwasa, Nowak & Michor
//! (2006, Genetics 172:2557) give the theory of resistance present before
//! therapy vs acquired during it, which this simulates.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::clonal::{ClonalOptions, simulate_branching, subseed};
use crate::dynamics::Kinetics;
use crate::invivo_readouts::leukaemia::{RelapseRule, relapse_call};
use crate::invivo_readouts::{initial_cells, normal};
use crate::kinetics_simple::Scaled;
use crate::pk::{Concentrations, Exposure, PkError, PkTable, Profile, Regimen, Route, Tabulated};
use crate::population::{Mutation, PopError};

/// Design of a virtual cohort (illustrative defaults, all assumptions).
///
/// Defaults: 10⁴ patients, 10¹¹ leukaemic cells (log SD 0.5), tempo log SD
/// 0.2, one year of follow-up, 4 h rate updates; pre-existing fractions
/// 10⁻¹¹ (MEN1-mutant) and 10⁻⁵ (other resistance); mutation per division
/// 5·10⁻¹² (→ MEN1) and 10⁻⁸ (→ other). The MEN1 rate was tuned so that
/// the stand-in monotherapy cohort gives ≈ 40 % MEN1-mutant relapses (the
/// clinical class figure, 39 %): a property of the stand-in, not a
/// measured mutation rate. A relapse is called MEN1-mutant when ≥ 4 % of
/// the burden is mutant (≈ 2 % VAF, heterozygous).
#[derive(Debug, Clone, PartialEq)]
pub struct CohortDesign {
    /// Number of patients.
    pub patients: usize,
    /// Median leukaemic cells at the start of therapy (10¹¹).
    pub n0_median: f64,
    /// SD of ln N₀.
    pub n0_log_sd: f64,
    /// SD of the ln tempo factor.
    pub tempo_log_sd: f64,
    /// Expected pre-existing fraction of each clone (index 0 ignored).
    pub initial_fraction: Vec<f64>,
    /// Mutations per division.
    pub mutations: Vec<Mutation>,
    /// Clones that are MEN1-mutant.
    pub men1_clones: Vec<usize>,
    /// Mutant fraction at relapse that calls the relapse MEN1-mutant.
    pub men1_threshold: f64,
    /// Follow-up (days).
    pub horizon_days: f64,
    /// Rate-update interval (h).
    pub dt_h: f64,
    /// Response / relapse rule.
    pub relapse: RelapseRule,
}

impl Default for CohortDesign {
    fn default() -> Self {
        CohortDesign {
            patients: 10_000,
            n0_median: 1e11,
            n0_log_sd: 0.5,
            tempo_log_sd: 0.2,
            initial_fraction: vec![0.0, 1e-11, 1e-5],
            mutations: vec![
                Mutation {
                    from: 0,
                    to: 1,
                    mu: 5e-12,
                },
                Mutation {
                    from: 0,
                    to: 2,
                    mu: 1e-8,
                },
            ],
            men1_clones: vec![1],
            men1_threshold: 0.04,
            horizon_days: 365.0,
            dt_h: 4.0,
            relapse: RelapseRule::default(),
        }
    }
}

/// Human exposure of the stand-in cohort scenario, compounds in the order
/// `[revumenib, mezigdomide]`, for `days` days: revumenib 163 mg q12h
/// orally (the AUGMENT-101 phase 2 dose with a strong CYP3A4 inhibitor,
/// Issa 2025; here 2.33 mg/kg for 70 kg) and, when `with_mezigdomide`,
/// mezigdomide 1 mg once daily orally (0.0143 mg/kg; an assumption, not
/// a sourced dose). Kinetics from the bundled `pk.toml` (assumptions
/// there).
pub fn standin_exposure(with_mezigdomide: bool, days: usize) -> Result<Exposure, PkError> {
    let t = PkTable::bundled();
    let rev = Regimen {
        mg_per_kg: 163.0 / 70.0,
        interval_h: 12.0,
        n_doses: 2 * days,
        route: Route::Oral,
        start_h: 0.0,
    };
    let mezi = Regimen::daily(
        1.0 / 70.0,
        Route::Oral,
        if with_mezigdomide { days } else { 0 },
    );
    Ok(Exposure {
        profiles: vec![
            Profile::new(t.get("revumenib")?, &[rev])?,
            Profile::new(t.get("mezigdomide")?, &[mezi])?,
        ],
    })
}

/// Outcome of one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientOutcome {
    /// Patient index.
    pub index: usize,
    /// Seed of the patient's stream.
    pub seed: u64,
    /// Burden fell to the response level.
    pub responded: bool,
    /// The leukaemia went extinct (cure).
    pub extinct: bool,
    /// Day of relapse.
    pub relapse_day: Option<f64>,
    /// MEN1-mutant fraction of the burden at relapse.
    pub men1_fraction: Option<f64>,
    /// Relapse called MEN1-mutant.
    pub men1_relapse: bool,
}

/// Cohort summary.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSummary {
    /// Master seed.
    pub seed: u64,
    /// Patients.
    pub n: usize,
    /// Responders.
    pub responded: usize,
    /// Relapses.
    pub relapsed: usize,
    /// Relapses called MEN1-mutant.
    pub men1_relapses: usize,
    /// `100 · relapsed / n`.
    pub pct_relapsing: f64,
    /// `100 · men1_relapses / relapsed` (`None` without relapses).
    pub pct_men1_of_relapses: Option<f64>,
    /// Median relapse day among relapsing patients (`None` without).
    pub median_relapse_day: Option<f64>,
}

/// Simulates the cohort: every patient gets a clone of `kin` and the
/// shared `exposure`.
pub fn simulate_cohort<K>(
    kin: &K,
    exposure: &(dyn Concentrations + Sync),
    design: &CohortDesign,
    seed: u64,
) -> Result<(Vec<PatientOutcome>, CohortSummary), PopError>
where
    K: Kinetics + Clone + Send + Sync,
{
    if !(design.n0_median >= 1.0
        && design.horizon_days > 0.0
        && design.dt_h > 0.0
        && design.n0_log_sd >= 0.0
        && design.tempo_log_sd >= 0.0)
    {
        return Err(PopError::Invalid(
            "cohort design: N₀ ≥ 1, positive horizon and step".into(),
        ));
    }
    let horizon_h = design.horizon_days * 24.0;
    // Midpoints of the rate-update intervals are grid points of this table.
    let steps = (horizon_h / (0.5 * design.dt_h)).ceil() as usize + 2;
    let table = Tabulated::new(exposure, 0.0, 0.5 * design.dt_h, steps);
    let weeks = (design.horizon_days / 7.0).floor() as usize;
    let mut record_h: Vec<f64> = (0..=weeks).map(|w| w as f64 * 168.0).collect();
    if record_h.last().is_some_and(|&t| t < horizon_h) {
        record_h.push(horizon_h);
    }
    let outcomes = (0..design.patients)
        .into_par_iter()
        .map(|i| patient(kin, &table, design, &record_h, seed, i))
        .collect::<Result<Vec<_>, _>>()?;
    let summary = summarise(&outcomes, seed);
    Ok((outcomes, summary))
}

fn patient<K: Kinetics + Clone>(
    kin: &K,
    table: &Tabulated,
    design: &CohortDesign,
    record_h: &[f64],
    seed: u64,
    i: usize,
) -> Result<PatientOutcome, PopError> {
    let s = subseed(seed, i as u64);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(s);
    let mut k = kin.clone();
    let n0 = design.n0_median * normal(&mut rng, 0.0, design.n0_log_sd).exp();
    let tempo = normal(&mut rng, 0.0, design.tempo_log_sd).exp();
    let cells0 = initial_cells(&mut rng, k.clones(), n0, &design.initial_fraction);
    let mut scaled = Scaled {
        inner: &mut k,
        factor: tempo,
    };
    let opts = ClonalOptions {
        dt_h: design.dt_h,
        // Past 20 × the start the course is decided (refractory or relapsed).
        cap_cells: Some((20.0 * n0).min(1e18) as u64),
        stop_on_extinction: true,
        ..ClonalOptions::default()
    };
    let run = simulate_branching(
        &mut scaled,
        table,
        &design.mutations,
        &cells0,
        record_h,
        &opts,
        subseed(s, 1),
    )?;
    let mut times = run.times_h.clone();
    let mut cells = run.cells.clone();
    if times.last().is_none_or(|&t| run.final_h > t) {
        times.push(run.final_h);
        cells.push(run.final_cells.clone());
    }
    let call = relapse_call(&times, &cells, &design.men1_clones, &design.relapse);
    let responded = call.as_ref().is_some_and(|c| c.responded);
    let relapse_day = call.as_ref().and_then(|c| c.relapse_h).map(|h| h / 24.0);
    let men1_fraction = call.as_ref().and_then(|c| c.mutant_fraction);
    Ok(PatientOutcome {
        index: i,
        seed: s,
        responded,
        extinct: run.extinct_at_h.is_some(),
        relapse_day,
        men1_fraction,
        men1_relapse: relapse_day.is_some()
            && men1_fraction.is_some_and(|f| f >= design.men1_threshold),
    })
}

/// Per-patient CSV
/// `patient,seed,responded,extinct,relapse_day,men1_fraction,men1_relapse`
/// (empty cell where a value does not exist), headed by the master seed.
pub fn outcomes_csv(outcomes: &[PatientOutcome], seed: u64) -> String {
    let mut s = format!(
        "# preclin sim cohort, master seed {seed}\npatient,seed,responded,extinct,relapse_day,men1_fraction,men1_relapse\n"
    );
    for o in outcomes {
        s.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            o.index,
            o.seed,
            u8::from(o.responded),
            u8::from(o.extinct),
            crate::invivo_readouts::opt(o.relapse_day, 2),
            crate::invivo_readouts::opt(o.men1_fraction, 6),
            u8::from(o.men1_relapse),
        ));
    }
    s
}

/// Summarises patient outcomes.
pub fn summarise(outcomes: &[PatientOutcome], seed: u64) -> CohortSummary {
    let n = outcomes.len();
    let responded = outcomes.iter().filter(|o| o.responded).count();
    let mut days: Vec<f64> = outcomes.iter().filter_map(|o| o.relapse_day).collect();
    let relapsed = days.len();
    let men1 = outcomes.iter().filter(|o| o.men1_relapse).count();
    days.sort_by(f64::total_cmp);
    let median = (!days.is_empty()).then(|| {
        let m = days.len();
        if m % 2 == 1 {
            days[m / 2]
        } else {
            0.5 * (days[m / 2 - 1] + days[m / 2])
        }
    });
    CohortSummary {
        seed,
        n,
        responded,
        relapsed,
        men1_relapses: men1,
        pct_relapsing: if n > 0 {
            100.0 * relapsed as f64 / n as f64
        } else {
            0.0
        },
        pct_men1_of_relapses: (relapsed > 0).then(|| 100.0 * men1 as f64 / relapsed as f64),
        median_relapse_day: median,
    }
}

#[cfg(test)]
#[path = "cohort_tests.rs"]
mod tests;
