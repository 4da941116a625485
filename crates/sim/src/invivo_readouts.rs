//! In vivo readouts of the virtual lab: what an animal facility measures,
//! generated from cell populations simulated through [`Kinetics`].
//!
//! * (a) subcutaneous xenograft calipers (this file): cells → volume →
//!   ellipsoid axes → caliper length / width with measurement error, on
//!   measurement days, with humane endpoints; tidy CSV as read by
//!   `preclin xenograft` (the writer of `preclin_invivo::simulate`) plus a
//!   truth table;
//! * (b) survival, (c) % hCD45 in blood, (d) relapse genotyping:
//!   [`leukaemia`];
//! * the four-arm in vivo combination on the mechanism: [`combination`];
//! * PDX flow cytometry (FCS 3.1 hCD45 / mCD45 per tissue): [`pdx_flow`];
//! * calibration quantities (volume change, regressions, median-survival
//!   increase, MEN1-mutant relapses): [`calibration`].
//!
//! # Xenograft model (assumptions stated)
//! * Tumour cells: the multi-type branching process of [`crate::clonal`]
//!   (so resistant clones can emerge), `N₀ = V₀ · cells_per_mm3`.
//! * Cell density 10⁶ cells/mm³ (≈ 10⁹ cells/cm³; Del Monte U, Cell Cycle
//!   8:505, 2009, discusses the classic 10⁹ cells/g rule — an assumption).
//! * Between-mouse variability: take (Bernoulli, `take_rate`; mice whose
//!   tumour does not take are not randomised and appear only in the
//!   truth), starting volume log-normal, and a log-normal "tempo" that
//!   multiplies every birth and death rate ([`Scaled`]).
//! * Shape: a prolate ellipsoid with axes `L ≥ W = H`, true volume
//!   `V = π/6 · L · W²`, aspect ratio `a = L/W` per mouse. Calipers measure
//!   `L` and `W` with independent multiplicative log-normal errors
//!   (`caliper_cv`) rounded to 0.1 mm; the analysis uses the caliper
//!   formula `W²L/2` (Euhus et al. 1986, J Surg Oncol 31:229), which is
//!   `3/π ≈ 0.955` of the ellipsoid volume — a known bias that leaves growth
//!   rates unchanged. Below `palpable_mm3` nothing is palpable (0, 0).
//! * Humane endpoint: caliper volume ≥ `endpoint_mm3` → exit recorded at
//!   that visit, no later rows. Body weight 20 ± 1.2 g with ±0.3 g visit
//!   noise and no toxicity model (illustrative).
//! * Truth per mouse: the least-squares slope of ln(true volume) on day over
//!   the visits with a palpable tumour (the estimand of a log-linear fit),
//!   the realised net rate, the MEN1-mutant fraction at the last visit.

pub mod calibration;
pub mod combination;
pub mod leukaemia;
pub mod pdx_flow;

use preclin_invivo::simulate::{CaliperRow, HumaneEndpoint, caliper_csv_with_exits};
use rand::SeedableRng;
use rand_distr::{Bernoulli, Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::clonal::{ClonalOptions, simulate_branching, subseed};
use crate::dynamics::Kinetics;
use crate::kinetics_simple::Scaled;
use crate::pk::Concentrations;
use crate::population::{Mutation, PopError};

/// One treatment group: a name and its exposure.
pub struct Arm<'a> {
    /// Group name as written in the `group` column.
    pub group: String,
    /// Free concentrations over time (the compound order of the kinetics).
    pub exposure: &'a dyn Concentrations,
}

/// Design of a virtual xenograft study (defaults: illustrative MV4;11
/// study randomised at ~100 mm³, Mon/Wed/Fri calipers for 4 weeks).
#[derive(Debug, Clone, PartialEq)]
pub struct XenograftDesign {
    /// Mice randomised per group (after take).
    pub n_per_group: usize,
    /// Probability that an implanted tumour takes.
    pub take_rate: f64,
    /// Cells per mm³ of tumour.
    pub cells_per_mm3: f64,
    /// Median starting volume (mm³) at randomisation.
    pub v0_median_mm3: f64,
    /// SD of ln V₀.
    pub v0_log_sd: f64,
    /// SD of the ln tempo factor (between-mouse growth variability).
    pub tempo_log_sd: f64,
    /// Mean and SD of the aspect ratio L/W (≥ 1).
    pub aspect: (f64, f64),
    /// Multiplicative caliper error (SD of ln) per axis.
    pub caliper_cv: f64,
    /// Measurement days (day 0 = randomisation and first dose).
    pub days: Vec<f64>,
    /// Humane endpoint (caliper volume, mm³).
    pub endpoint_mm3: f64,
    /// Smallest palpable volume (mm³).
    pub palpable_mm3: f64,
    /// Mutations per division (clone indices of the kinetics).
    pub mutations: Vec<Mutation>,
    /// Expected pre-existing fraction of each clone at implantation (index
    /// 0 ignored): Poisson-distributed counts.
    pub initial_fraction: Vec<f64>,
    /// Branching-process options.
    pub clonal: ClonalOptions,
    /// Clones counted as MEN1-mutant in the truth.
    pub mutant_clones: Vec<usize>,
    /// Mouse id prefix.
    pub id_prefix: String,
}

impl Default for XenograftDesign {
    fn default() -> Self {
        XenograftDesign {
            n_per_group: 10,
            take_rate: 0.9,
            cells_per_mm3: 1e6,
            v0_median_mm3: 100.0,
            v0_log_sd: 0.25,
            tempo_log_sd: 0.1,
            aspect: (1.4, 0.12),
            caliper_cv: 0.05,
            days: vec![
                0.0, 2.0, 4.0, 7.0, 9.0, 11.0, 14.0, 16.0, 18.0, 21.0, 23.0, 25.0, 28.0,
            ],
            endpoint_mm3: 2000.0,
            palpable_mm3: 10.0,
            mutations: Vec::new(),
            initial_fraction: Vec::new(),
            clonal: ClonalOptions {
                dt_h: 2.0,
                ..ClonalOptions::default()
            },
            mutant_clones: vec![1],
            id_prefix: "V".into(),
        }
    }
}

/// Truth of one mouse.
#[derive(Debug, Clone, PartialEq)]
pub struct XenograftMouseTruth {
    /// Mouse id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Whether the tumour took (only taken mice are in the caliper table).
    pub taken: bool,
    /// Seed of the mouse's random stream.
    pub seed: u64,
    /// True starting volume (mm³).
    pub v0_mm3: f64,
    /// Tempo factor on all rates.
    pub tempo: f64,
    /// Aspect ratio L/W.
    pub aspect: f64,
    /// Least-squares slope of ln(true volume) per day over the palpable
    /// visits (`None` with fewer than two).
    pub growth_rate_per_day: Option<f64>,
    /// True volume at each visit made (mm³).
    pub volumes_mm3: Vec<f64>,
    /// Visit days made (up to the exit).
    pub days: Vec<f64>,
    /// Fraction of the cells in the mutant clones at the last visit.
    pub mutant_fraction_end: Option<f64>,
}

/// A simulated xenograft study.
#[derive(Debug, Clone, PartialEq)]
pub struct XenograftSim {
    /// Master seed.
    pub seed: u64,
    /// Caliper visits.
    pub rows: Vec<CaliperRow>,
    /// Humane endpoints.
    pub exits: Vec<HumaneEndpoint>,
    /// Per-mouse truth.
    pub truth: Vec<XenograftMouseTruth>,
}

impl XenograftSim {
    /// The caliper CSV `mouse,group,day,length,width,body_weight,exit`.
    pub fn caliper_csv(&self) -> String {
        caliper_csv_with_exits(&self.rows, &self.exits)
    }

    /// The truth CSV: one row per mouse
    /// `mouse,group,taken,seed,v0_mm3,tempo,aspect,growth_rate_per_day,mutant_fraction_end`
    /// (empty cell where a value does not exist).
    pub fn truth_csv(&self) -> String {
        let mut s = format!(
            "# preclin sim xenograft truth, master seed {}\nmouse,group,taken,seed,v0_mm3,tempo,aspect,growth_rate_per_day,mutant_fraction_end\n",
            self.seed
        );
        for t in &self.truth {
            s.push_str(&format!(
                "{},{},{},{},{:.3},{:.5},{:.4},{},{}\n",
                t.mouse,
                t.group,
                u8::from(t.taken),
                t.seed,
                t.v0_mm3,
                t.tempo,
                t.aspect,
                opt(t.growth_rate_per_day, 6),
                opt(t.mutant_fraction_end, 6),
            ));
        }
        s
    }
}

/// Formats an optional number; `None` and non-finite values are empty.
pub(crate) fn opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => String::new(),
    }
}

pub(crate) fn normal(rng: &mut Xoshiro256PlusPlus, mean: f64, sd: f64) -> f64 {
    if sd > 0.0 {
        Normal::new(mean, sd).map(|d| d.sample(rng)).unwrap_or(mean)
    } else {
        mean
    }
}

pub(crate) fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Least-squares slope of `y` on `x` (`None` with < 2 distinct x).
pub(crate) fn slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Initial cells per clone: `n0` total, Poisson pre-existing variants.
pub(crate) fn initial_cells(
    rng: &mut Xoshiro256PlusPlus,
    clones: usize,
    n0: f64,
    fractions: &[f64],
) -> Vec<u64> {
    let mut cells = vec![0u64; clones];
    let mut rest = n0.round().max(1.0) as u64;
    for k in 1..clones {
        let f = fractions.get(k).copied().unwrap_or(0.0);
        let mean = f * n0;
        let x = if mean > 0.0 {
            rand_distr::Poisson::new(mean)
                .map(|d| d.sample(rng) as u64)
                .unwrap_or(0)
        } else {
            0
        };
        cells[k] = x.min(rest);
        rest -= cells[k];
    }
    cells[0] = rest;
    cells
}

fn check_design(d: &XenograftDesign) -> Result<(), PopError> {
    let ok = d.take_rate > 0.0
        && d.take_rate <= 1.0
        && d.cells_per_mm3 > 0.0
        && d.v0_median_mm3 > 0.0
        && d.v0_log_sd >= 0.0
        && d.tempo_log_sd >= 0.0
        && d.caliper_cv >= 0.0
        && d.aspect.0 >= 1.0
        && d.endpoint_mm3 > 0.0
        && !d.days.is_empty();
    if ok {
        Ok(())
    } else {
        Err(PopError::Invalid(
            "xenograft design: rates, volumes, cv and days must be positive / in range".into(),
        ))
    }
}

/// Simulates a xenograft study: every arm gets `n_per_group` taken mice.
/// Mouse `i` (over all arms, implanted order) uses the stream
/// `subseed(seed, i)`. Resets the kinetics for every mouse.
pub fn simulate_xenograft(
    kin: &mut dyn Kinetics,
    arms: &[Arm<'_>],
    design: &XenograftDesign,
    seed: u64,
) -> Result<XenograftSim, PopError> {
    check_design(design)?;
    let take = Bernoulli::new(design.take_rate)
        .map_err(|e| PopError::Invalid(format!("take rate: {e}")))?;
    let record_h: Vec<f64> = design.days.iter().map(|d| d * 24.0).collect();
    // Stop the cells well past the endpoint (visits are ≤ a few days apart).
    let endpoint_cells = design.endpoint_mm3 * design.cells_per_mm3 * 20.0;
    let mut out = XenograftSim {
        seed,
        rows: Vec::new(),
        exits: Vec::new(),
        truth: Vec::new(),
    };
    let mut implanted = 0u64;
    for (gi, arm) in arms.iter().enumerate() {
        let mut taken = 0;
        let mut m = 0;
        // A take rate > 0 ends this loop with probability 1; the guard keeps
        // a pathological rate from spinning forever.
        while taken < design.n_per_group && m < 1000 * (design.n_per_group + 1) {
            m += 1;
            let s = subseed(seed, implanted);
            implanted += 1;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(s);
            let id = format!("{}{}{:02}", design.id_prefix, gi + 1, m);
            let took = take.sample(&mut rng);
            let v0 = design.v0_median_mm3 * normal(&mut rng, 0.0, design.v0_log_sd).exp();
            let tempo = normal(&mut rng, 0.0, design.tempo_log_sd).exp();
            let aspect = normal(&mut rng, design.aspect.0, design.aspect.1).max(1.0);
            let bw0 = normal(&mut rng, 20.0, 1.2);
            let mut truth = XenograftMouseTruth {
                mouse: id.clone(),
                group: arm.group.clone(),
                taken: took,
                seed: s,
                v0_mm3: v0,
                tempo,
                aspect,
                growth_rate_per_day: None,
                volumes_mm3: Vec::new(),
                days: Vec::new(),
                mutant_fraction_end: None,
            };
            if !took {
                out.truth.push(truth);
                continue;
            }
            taken += 1;
            let n0 = initial_cells(
                &mut rng,
                kin.clones(),
                v0 * design.cells_per_mm3,
                &design.initial_fraction,
            );
            let mut scaled = Scaled {
                inner: &mut *kin,
                factor: tempo,
            };
            let opts = ClonalOptions {
                cap_cells: Some(endpoint_cells.min(1e18) as u64),
                stop_on_extinction: false,
                ..design.clonal
            };
            let run = simulate_branching(
                &mut scaled,
                arm.exposure,
                &design.mutations,
                &n0,
                &record_h,
                &opts,
                subseed(s, 1),
            )?;
            let mut fit_x = Vec::new();
            let mut fit_y = Vec::new();
            let mut last_cells: Option<&Vec<u64>> = None;
            for (i, cells) in run.cells.iter().enumerate() {
                let day = design.days[i];
                let total: u64 = cells.iter().sum();
                let v = total as f64 / design.cells_per_mm3;
                truth.volumes_mm3.push(v);
                truth.days.push(day);
                last_cells = Some(cells);
                if v >= design.palpable_mm3 {
                    fit_x.push(day);
                    fit_y.push(v.ln());
                }
                let (length, width) = if v < design.palpable_mm3 {
                    (0.0, 0.0)
                } else {
                    // Ellipsoid V = π/6 · L · W², L = a·W.
                    let w = (6.0 * v / (std::f64::consts::PI * aspect)).cbrt();
                    let l = aspect * w;
                    let a = round1(l * normal(&mut rng, 0.0, design.caliper_cv).exp());
                    let b = round1(w * normal(&mut rng, 0.0, design.caliper_cv).exp());
                    (a.max(b), a.min(b))
                };
                let bw = round1(bw0 + normal(&mut rng, 0.0, 0.3));
                out.rows.push(CaliperRow {
                    mouse: id.clone(),
                    group: arm.group.clone(),
                    day,
                    length,
                    width,
                    body_weight: bw,
                });
                if length * width * width / 2.0 >= design.endpoint_mm3 {
                    out.exits.push(HumaneEndpoint {
                        mouse: id.clone(),
                        group: arm.group.clone(),
                        day,
                        reason: format!("tumour volume ≥ {} mm³", design.endpoint_mm3),
                    });
                    break;
                }
            }
            let exited = out.exits.last().is_some_and(|e| e.mouse == id);
            if !exited && run.capped_at_h.is_some() {
                // The burden passed 20 × the endpoint between two visits.
                if let Some(&day) = truth.days.last() {
                    out.exits.push(HumaneEndpoint {
                        mouse: id.clone(),
                        group: arm.group.clone(),
                        day,
                        reason: format!("tumour volume ≥ {} mm³", design.endpoint_mm3),
                    });
                }
            }
            truth.growth_rate_per_day = slope(&fit_x, &fit_y);
            truth.mutant_fraction_end =
                last_cells.and_then(|c| mutant_fraction(c, &design.mutant_clones));
            out.truth.push(truth);
        }
    }
    Ok(out)
}

/// Fraction of cells in `mutant` clones (`None` when there are no cells).
pub fn mutant_fraction(cells: &[u64], mutant: &[usize]) -> Option<f64> {
    let total: u64 = cells.iter().sum();
    (total > 0)
        .then(|| mutant.iter().filter_map(|&k| cells.get(k)).sum::<u64>() as f64 / total as f64)
}

#[cfg(test)]
#[path = "invivo_readouts/xenograft_tests.rs"]
mod tests;
