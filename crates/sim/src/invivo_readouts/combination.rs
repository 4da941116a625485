//! The in vivo combination study: a four-arm MV4;11 subcutaneous xenograft —
//! vehicle, drug A, drug B and A+B — simulated on the real mechanism, for
//! `preclin synergy-invivo` (kind `invivo_synergy`: SynergyLMM and
//! invivoSyn).
//!
//! # Model
//! The tumour is the xenograft of [`crate::invivo::xenograft`]: the same
//! line, cell loss, tumour exposure fraction, starting volume, calipers and
//! humane endpoint (`data/invivo.toml` `[xenograft]`); the branching process
//! of [`crate::invivo_readouts::simulate_xenograft`] runs on
//! [`LineKinetics`] of the line under *both* compounds, each dosed by its own
//! route and PK (`data/pk.toml`, mouse entries first, see [`mouse_first`]).
//! Nothing in the combination arm is a score: its growth follows from the
//! mechanism — for MI-503 + venetoclax the menin inhibitor lowers the
//! HOXA9/MEIS1 program and with it the BCL2 reserve (`P^s_BCL2`), so the
//! same venetoclax occupancy primes more cells (`a_bcl2 = B·u/(u + P^s)`,
//! [`crate::mechanism`]). The design (compounds, doses, routes, days,
//! visits, group size) is `data/invivo_readouts.toml` `[combination]`.
//!
//! # Truth on the analysis' scale
//! The noise-free course of a typical mouse (tempo 1, `V₀` = the median):
//! `ln V(t)/V₀ = ∫₀ᵗ r(s) ds` with `r = b − κ − δ − λ_loss` from the same
//! kinetics and exposures (midpoint rule, 0.25 h steps). Per arm `g`:
//! - `β_g` = least-squares slope through the origin of `ln V(tⱼ)/V₀` on
//!   `tⱼ` over the visits `tⱼ > 0` at which the typical tumour is palpable
//!   and below the endpoint — the estimand of SynergyLMM's
//!   `ln RTV = β_g·t + b_i·t + ε` (Romero-Becerra et al., SynergyLMM);
//! - Bliss `Δ = β_AB − β_A − β_B + β_C`, HSA `Δ = β_AB − min(β_A, β_B)`
//!   (`< 0` synergy), combination index `CI = exp(Δ·t_last)`;
//! - invivoSyn (Mao & Guo 2023): the AUC rate `a_g = 2[∫ln(V+1) − ln(V₀+1)s]/s²`
//!   (trapezoid over every visit up to the endpoint, of the volume as
//!   measured: caliper volume `3/π·V`, 0 when not palpable — invivoSyn keeps
//!   zeros), `S_g = exp((a_g − a_C)·t)`, Bliss
//!   `CI = S_AB/(S_A·S_B)`, `SS = 100·(S_A·S_B − S_AB)` at the analysis day.
//!
//! The realised per-mouse truth (starting volume, tempo, slope of ln true
//! volume) is the xenograft truth table.

use std::fmt::Write as _;

use preclin_invivo::simulate::CaliperRow;
use serde::Deserialize;

use super::{Arm, XenograftDesign, XenograftSim, simulate_xenograft};
use crate::SimError;
use crate::dynamics::Kinetics;
use crate::invivo::{CellLoss, Dosing, InVivoParams, ScaledConc, XENOGRAFT_MODEL, exposure, route};
use crate::kinetics::LineKinetics;
use crate::params::Params;
use crate::pk::{Concentrations, Constant, PkTable};
use crate::readouts::Files;
use crate::scenario::{ExperimentWriter, StudyParts};

/// The bundled `data/invivo_readouts.toml` (`[combination]`, `[pdx_flow]`).
pub const BUNDLED_READOUTS_TOML: &str = include_str!("../../data/invivo_readouts.toml");

/// Day at which invivoSyn's relative survival is evaluated (its default;
/// written into `study.toml`).
pub const INVIVOSYN_DAY: f64 = 21.0;

/// Seed of invivoSyn's bootstrap in the generated `study.toml`.
pub const ANALYSIS_SEED: u64 = 1;

/// Integration step of the noise-free course (h).
const STEP_H: f64 = 0.25;

/// Design of the combination study (`[combination]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinationParams {
    /// Drug A (parameter-file name).
    pub drug_a: String,
    /// Dose of A (mg/kg).
    pub dose_a_mg_per_kg: f64,
    /// Route of A (`ip`, `po`, `iv`).
    pub route_a: String,
    /// Drug B.
    pub drug_b: String,
    /// Dose of B (mg/kg).
    pub dose_b_mg_per_kg: f64,
    /// Route of B.
    pub route_b: String,
    /// Dosing interval of both (h).
    pub interval_h: f64,
    /// Days of dosing.
    pub days: usize,
    /// Caliper days (day 0 = first dose).
    pub visit_days: Vec<f64>,
    /// Mice per arm.
    pub n_per_group: usize,
}

#[derive(Deserialize)]
struct File {
    combination: CombinationParams,
}

impl CombinationParams {
    /// The bundled design (parsed by a unit test, so it cannot fail).
    pub fn bundled() -> CombinationParams {
        match CombinationParams::from_toml_str(BUNDLED_READOUTS_TOML) {
            Ok(p) => p,
            Err(e) => unreachable!("bundled invivo_readouts.toml: {e}"),
        }
    }

    /// The `[combination]` section of a file laid out as
    /// `data/invivo_readouts.toml`.
    pub fn from_toml_str(text: &str) -> Result<CombinationParams, SimError> {
        let f: File = toml::from_str(text)
            .map_err(|e| SimError::InVivo(format!("invivo_readouts.toml: {e}")))?;
        let c = f.combination;
        let ok = c.dose_a_mg_per_kg > 0.0
            && c.dose_b_mg_per_kg > 0.0
            && c.interval_h > 0.0
            && c.days > 0
            && c.n_per_group > 1
            && c.visit_days.len() > 2
            && c.visit_days.windows(2).all(|w| w[1] > w[0])
            && c.visit_days[0] == 0.0;
        if !ok {
            return Err(SimError::InVivo(
                "invivo_readouts.toml [combination]: doses, interval, days and group size must be positive; visit_days increasing from 0 (≥ 3 visits)".into(),
            ));
        }
        Ok(c)
    }

    /// Arm names: vehicle, A, B, `A+B`.
    pub fn groups(&self) -> [String; 4] {
        [
            "vehicle".into(),
            self.drug_a.clone(),
            self.drug_b.clone(),
            format!("{}+{}", self.drug_a, self.drug_b),
        ]
    }
}

/// The PK table with every compound's `mouse` entry ahead of its other
/// species (a stable reorder), so that [`PkTable::get`] returns the mouse
/// parameters where the file has them.
pub fn mouse_first(pk: &PkTable) -> PkTable {
    let mut compounds = pk.compounds.clone();
    compounds.sort_by_key(|p| p.species != "mouse");
    PkTable { compounds }
}

/// Truth of one arm on the analysis' scale.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmTruth {
    /// Group name.
    pub group: String,
    /// SynergyLMM-scale growth rate β (ln RTV per day).
    pub rate_per_day: f64,
    /// invivoSyn AUC rate (per day).
    pub auc_rate_per_day: f64,
    /// Visit days the SynergyLMM rate uses (palpable, up to the endpoint).
    pub days: Vec<f64>,
    /// Noise-free true volume at those days (mm³, V₀ = the median).
    pub volumes_mm3: Vec<f64>,
    /// Mean over the arm's taken mice of the per-mouse slope of ln true
    /// volume (`None` when no mouse has one).
    pub realised_mean_rate_per_day: Option<f64>,
}

/// Synergy truth derived from the arm rates.
#[derive(Debug, Clone, PartialEq)]
pub struct SynergyTruth {
    /// Arms in order vehicle, A, B, A+B.
    pub arms: [ArmTruth; 4],
    /// Bliss Δ = β_AB − β_A − β_B + β_C (per day; < 0 synergy).
    pub bliss_delta: f64,
    /// HSA Δ = β_AB − min(β_A, β_B).
    pub hsa_delta: f64,
    /// Last visit day (time of SynergyLMM's last row).
    pub last_day: f64,
    /// invivoSyn Bliss combination index at [`INVIVOSYN_DAY`].
    pub invivosyn_bliss_ci: f64,
    /// invivoSyn Bliss synergy score at [`INVIVOSYN_DAY`].
    pub invivosyn_bliss_ss: f64,
}

impl SynergyTruth {
    /// SynergyLMM's Bliss combination index at the last day, `exp(Δ·t)`.
    pub fn bliss_ci(&self) -> f64 {
        (self.bliss_delta * self.last_day).exp()
    }
}

/// A simulated combination study.
#[derive(Debug, Clone, PartialEq)]
pub struct CombinationSim {
    /// The design.
    pub design: CombinationParams,
    /// The xenograft simulation (calipers, exits, per-mouse truth).
    pub xenograft: XenograftSim,
    /// The truth on the analysis' scale.
    pub truth: SynergyTruth,
}

/// Least-squares slope through the origin of `y` on `x`.
fn slope0(x: &[f64], y: &[f64]) -> f64 {
    let sxx: f64 = x.iter().map(|v| v * v).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

/// invivoSyn's AUC rate of one course (day, volume).
fn auc_rate(days: &[f64], vols: &[f64]) -> f64 {
    let s = days.last().copied().unwrap_or(0.0) - days[0];
    if s <= 0.0 {
        return 0.0;
    }
    let l: Vec<f64> = vols.iter().map(|v| (v + 1.0).ln()).collect();
    let area: f64 = (1..days.len())
        .map(|i| (days[i] - days[i - 1]) * (l[i] + l[i - 1]) / 2.0)
        .sum();
    2.0 * (area - l[0] * s) / (s * s)
}

/// `ln V(t)/V₀` of the noise-free course at each of `days` (tempo 1).
fn log_course(kin: &mut dyn Kinetics, conc: &dyn Concentrations, days: &[f64]) -> Vec<f64> {
    kin.reset();
    let mut c = vec![0.0; conc.compounds()];
    let (mut t, mut acc) = (0.0f64, 0.0f64);
    let mut out = Vec::with_capacity(days.len());
    for &d in days {
        let end = d * 24.0;
        while t < end - 1e-9 {
            let h = STEP_H.min(end - t);
            conc.free_molar(t + h / 2.0, &mut c);
            acc += kin.rates(0, t + h / 2.0, &c).net() * h;
            t += h;
        }
        out.push(acc);
    }
    kin.reset();
    out
}

/// Simulates the four-arm study with `seed` (mouse `i` over all arms uses
/// `subseed(seed, i)`, as every xenograft of the virtual lab).
pub fn simulate(
    params: &Params,
    pk: &PkTable,
    inv: &InVivoParams,
    design: &CombinationParams,
    seed: u64,
) -> Result<CombinationSim, SimError> {
    let x = &inv.xenograft;
    let pk = mouse_first(pk);
    let drugs = [design.drug_a.as_str(), design.drug_b.as_str()];
    let kin = LineKinetics::new(params, &x.line, &drugs, &[])?;
    let mut kin = CellLoss {
        inner: kin,
        loss_per_h: x.cell_loss_per_h,
    };
    let last = design.visit_days.last().copied().unwrap_or(0.0);
    let horizon = (last + 1.0) * 24.0;
    let n_doses = (design.days as f64 * 24.0 / design.interval_h).ceil() as usize;
    let dosing = |mg: f64, r: &str| -> Result<Option<Dosing>, SimError> {
        Ok(Some(Dosing {
            mg_per_kg: mg,
            interval_h: design.interval_h,
            n_doses,
            start_h: 0.0,
            route: route(r)?,
        }))
    };
    let da = dosing(design.dose_a_mg_per_kg, &design.route_a)?;
    let db = dosing(design.dose_b_mg_per_kg, &design.route_b)?;
    let ea = exposure(&pk, &drugs, &[da, None], horizon)?;
    let eb = exposure(&pk, &drugs, &[None, db], horizon)?;
    let eab = exposure(&pk, &drugs, &[da, db], horizon)?;
    let f = x.tumour_exposure_fraction;
    let sa = ScaledConc {
        inner: &ea,
        factor: f,
    };
    let sb = ScaledConc {
        inner: &eb,
        factor: f,
    };
    let sab = ScaledConc {
        inner: &eab,
        factor: f,
    };
    let vehicle = Constant(vec![0.0, 0.0]);
    let exps: [&dyn Concentrations; 4] = [&vehicle, &sa, &sb, &sab];
    let groups = design.groups();
    let arms: Vec<Arm<'_>> = groups
        .iter()
        .zip(exps)
        .map(|(g, e)| Arm {
            group: g.clone(),
            exposure: e,
        })
        .collect();
    let xd = XenograftDesign {
        n_per_group: design.n_per_group,
        v0_median_mm3: x.v0_mm3,
        endpoint_mm3: x.endpoint_mm3,
        days: design.visit_days.clone(),
        clonal: crate::clonal::ClonalOptions {
            dt_h: 1.0,
            ..Default::default()
        },
        mutant_clones: Vec::new(),
        id_prefix: "C".into(),
        ..XenograftDesign::default()
    };
    let sim = simulate_xenograft(&mut kin, &arms, &xd, seed)
        .map_err(|e| SimError::InVivo(e.to_string()))?;
    let mut truths = Vec::with_capacity(4);
    for (g, e) in groups.iter().zip(exps) {
        let logs = log_course(&mut kin, e, &design.visit_days);
        // SynergyLMM: the visits at which the typical tumour is palpable (it
        // drops zero volumes) up to the endpoint visit. invivoSyn: every visit
        // up to the endpoint, as measured — caliper volume (3/π of the true
        // one), 0 when nothing is palpable (it keeps zeros: ln(0 + 1) = 0).
        let (mut days, mut vols) = (Vec::new(), Vec::new());
        let (mut auc_days, mut auc_vols) = (Vec::new(), Vec::new());
        for (d, l) in design.visit_days.iter().zip(&logs) {
            let v = x.v0_mm3 * l.exp();
            let caliper = v * 3.0 / std::f64::consts::PI;
            let palpable = v >= xd.palpable_mm3;
            auc_days.push(*d);
            auc_vols.push(if palpable { caliper } else { 0.0 });
            if palpable {
                days.push(*d);
                vols.push(v);
            }
            if caliper >= xd.endpoint_mm3 {
                break;
            }
        }
        let ln_rtv: Vec<f64> = vols.iter().map(|v| (v / x.v0_mm3).ln()).collect();
        let realised: Vec<f64> = sim
            .truth
            .iter()
            .filter(|t| t.taken && t.group == *g)
            .filter_map(|t| t.growth_rate_per_day)
            .collect();
        truths.push(ArmTruth {
            group: g.clone(),
            rate_per_day: slope0(&days, &ln_rtv),
            auc_rate_per_day: auc_rate(&auc_days, &auc_vols),
            days,
            volumes_mm3: vols,
            realised_mean_rate_per_day: (!realised.is_empty())
                .then(|| realised.iter().sum::<f64>() / realised.len() as f64),
        });
    }
    let arms: [ArmTruth; 4] = truths
        .try_into()
        .map_err(|_| SimError::InVivo("combination: four arms expected".into()))?;
    let b: Vec<f64> = arms.iter().map(|a| a.rate_per_day).collect();
    let a: Vec<f64> = arms.iter().map(|a| a.auc_rate_per_day).collect();
    let s = |g: usize| ((a[g] - a[0]) * INVIVOSYN_DAY).exp();
    let (se, sab) = (s(1) * s(2), s(3));
    let truth = SynergyTruth {
        bliss_delta: b[3] - b[1] - b[2] + b[0],
        hsa_delta: b[3] - b[1].min(b[2]),
        last_day: last,
        invivosyn_bliss_ci: sab / se,
        invivosyn_bliss_ss: 100.0 * (se - sab),
        arms,
    };
    Ok(CombinationSim {
        design: design.clone(),
        xenograft: sim,
        truth,
    })
}

/// Caliper volume `L·W²/2` (mm³, Euhus 1986) rounded to 0.1.
fn caliper_volume(r: &CaliperRow) -> f64 {
    (r.length * r.width * r.width / 2.0 * 10.0).round() / 10.0
}

impl CombinationSim {
    /// The tidy table `mouse,group,day,volume` (mm³; 0 = nothing palpable;
    /// a mouse's rows end at its humane endpoint) as `preclin
    /// synergy-invivo` reads it.
    pub fn volumes_csv(&self) -> String {
        let mut s = String::from("mouse,group,day,volume\n");
        for r in &self.xenograft.rows {
            let _ = writeln!(
                s,
                "{},{},{},{:.1}",
                r.mouse,
                r.group,
                r.day,
                caliper_volume(r)
            );
        }
        s
    }

    /// The truth table `quantity,group,value,unit`: per arm `growth_rate`
    /// (β, SynergyLMM scale), `auc_rate` (invivoSyn), `realised_mean_rate`;
    /// then `bliss_delta`, `hsa_delta`, `bliss_combination_index` (at the last
    /// day), `invivosyn_bliss_ci`, `invivosyn_bliss_ss` (at [`INVIVOSYN_DAY`])
    /// for the combination arm. `#` lines state the seed and definitions.
    pub fn truth_csv(&self) -> String {
        let t = &self.truth;
        let mut s = format!(
            "# preclin sim in vivo combination truth, master seed {}\n# growth_rate: slope through the origin of ln(V/V0) of the noise-free mechanism (tempo 1) over the visits with a palpable tumour below the endpoint (SynergyLMM scale, per day)\n# auc_rate: invivoSyn AUC rate of the same course; realised_mean_rate: mean per-mouse slope of ln true volume\n# bliss_delta = b_AB - b_A - b_B + b_C, hsa_delta = b_AB - min(b_A, b_B) (< 0 synergy); bliss_combination_index = exp(bliss_delta * {}) (< 1 synergy); invivosyn_bliss_ci / _ss at day {}\nquantity,group,value,unit\n",
            self.xenograft.seed, t.last_day, INVIVOSYN_DAY
        );
        for a in &t.arms {
            let _ = writeln!(s, "growth_rate,{},{:.6},1/day", a.group, a.rate_per_day);
            let _ = writeln!(s, "auc_rate,{},{:.6},1/day", a.group, a.auc_rate_per_day);
            let _ = writeln!(
                s,
                "realised_mean_rate,{},{},1/day",
                a.group,
                super::opt(a.realised_mean_rate_per_day, 6)
            );
        }
        let combo = &t.arms[3].group;
        for (q, v, u) in [
            ("bliss_delta", t.bliss_delta, "1/day"),
            ("hsa_delta", t.hsa_delta, "1/day"),
            ("bliss_combination_index", t.bliss_ci(), "ratio"),
            ("invivosyn_bliss_ci", t.invivosyn_bliss_ci, "ratio"),
            ("invivosyn_bliss_ss", t.invivosyn_bliss_ss, "%"),
        ] {
            let _ = writeln!(s, "{q},{combo},{v:.6},{u}");
        }
        s
    }
}

/// The [`ExperimentWriter`] of the combination study: `invivo_synergy.csv`,
/// `invivo_synergy_truth.csv` ([`CombinationSim::truth_csv`]),
/// `invivo_synergy_mice_truth.csv` (the per-mouse xenograft truth) and the
/// `invivo_synergy` experiment of `study.toml` (with the xenograft model
/// block, identical to the xenograft writer's).
#[derive(Debug, Clone)]
pub struct CombinationWriter {
    /// In vivo parameters (the tumour model).
    pub invivo: InVivoParams,
    /// PK parameters.
    pub pk: PkTable,
    /// The design.
    pub design: CombinationParams,
}

impl ExperimentWriter for CombinationWriter {
    fn name(&self) -> &str {
        "invivo_synergy"
    }
    fn write(&self, params: &Params, seed: u64, files: &mut Files) -> Result<StudyParts, SimError> {
        let d = &self.design;
        let sim = simulate(params, &self.pk, &self.invivo, d, seed)?;
        files.insert("invivo_synergy.csv".into(), sim.volumes_csv().into_bytes());
        files.insert(
            "invivo_synergy_truth.csv".into(),
            sim.truth_csv().into_bytes(),
        );
        files.insert(
            "invivo_synergy_mice_truth.csv".into(),
            sim.xenograft.truth_csv().into_bytes(),
        );
        let g = d.groups();
        Ok(StudyParts {
            compounds: vec![d.drug_a.clone(), d.drug_b.clone()],
            cell_lines: Vec::new(),
            models: vec![format!(
                "[[models]]\nname = \"{XENOGRAFT_MODEL}\"\nkind = \"xenograft\"\nspecies = \"human\"\nkmt2a_fusion = \"KMT2A::AFF1\"\n"
            )],
            experiments: vec![format!(
                "[[experiments]]\nname = \"invivo_synergy\"\nkind = \"invivo_synergy\"\ndescription = \"{} s.c. xenograft, {} {} mg/kg {} + {} {} mg/kg {} every {} h for {} days, four arms of {} (simulated)\"\nfiles = [\"invivo_synergy.csv\"]\ncompounds = [\"{}\", \"{}\"]\ncell_lines = [\"{XENOGRAFT_MODEL}\"]\n[experiments.options]\ncontrol = \"{}\"\ndrugs = [\"{}\", \"{}\"]\ncombo = \"{}\"\nday = {}\nseed = {}\n",
                self.invivo.xenograft.line,
                d.drug_a,
                d.dose_a_mg_per_kg,
                d.route_a,
                d.drug_b,
                d.dose_b_mg_per_kg,
                d.route_b,
                d.interval_h,
                d.days,
                d.n_per_group,
                d.drug_a,
                d.drug_b,
                g[0],
                g[1],
                g[2],
                g[3],
                INVIVOSYN_DAY,
                ANALYSIS_SEED,
            )],
        })
    }
}

#[cfg(test)]
#[path = "combination_tests.rs"]
mod tests;
