//! The in vivo studies of the virtual lab driven by the real mechanism:
//! dose (mg/kg) → plasma concentration ([`crate::pk`]) → free molar
//! concentration → [`LineKinetics`] birth / exit rates of each clone →
//! the branching-process populations of [`crate::invivo_readouts`].
//!
//! In vivo a tumour or leukaemia also loses cells that the culture does
//! not (necrosis, hypoxic apoptosis, clearance): a constant *cell loss*
//! rate `λ_loss` is added to every clone's death rate ([`CellLoss`]), so
//! the net rate of clone k is
//!
//! ```text
//! r_k(t) = b_k(P_k(t)) − κ_k(P_k(t)) − δ_k(t) − λ_loss,   c(t) = fu · C_plasma(t) / MW
//! ```
//!
//! (cell loss factor `φ = (κ + δ + λ_loss)/b`; Steel GG, *Growth Kinetics
//! of Tumours*, Clarendon 1977). The study designs and every added number
//! are in `data/invivo.toml` with their sources or "assumption" /
//! "calibrated" ([`InVivoParams`]); the calibration rows are in
//! [`calibration_rows`] (module `invivo/calibration.rs`).

mod calibration;
mod relapse;
mod writers;
pub use calibration::{InVivoCalibration, calibration_rows};
pub use relapse::{WithOther, relapse_cohort, relapse_design, relapse_kinetics};
pub use writers::{EngraftmentWriter, PDX_MODEL, SurvivalWriter, XENOGRAFT_MODEL, XenograftWriter};

use serde::Deserialize;

use crate::SimError;
use crate::dynamics::{Kinetics, Rates};
use crate::invivo_readouts::leukaemia::{LeukaemiaDesign, LeukaemiaSim, simulate_leukaemia};
use crate::invivo_readouts::{Arm, XenograftDesign, XenograftSim, simulate_xenograft};
use crate::kinetics::LineKinetics;
use crate::params::Params;
use crate::pk::{Concentrations, Constant, Exposure, PkTable, Profile, Regimen, Route, Tabulated};

/// The bundled `data/invivo.toml`.
pub const BUNDLED_INVIVO_TOML: &str = include_str!("../data/invivo.toml");

/// Grid (h) on which a regimen's free concentrations are tabulated.
pub const EXPOSURE_GRID_H: f64 = 0.25;

/// The MV4;11 subcutaneous xenograft study.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XenograftParams {
    /// Cell line (parameter-file name).
    pub line: String,
    /// Compound.
    pub compound: String,
    /// Dose (mg/kg).
    pub dose_mg_per_kg: f64,
    /// Dosing interval (h).
    pub interval_h: f64,
    /// Route (`ip`, `po`, `iv`).
    pub route: String,
    /// Days of dosing (and of calipers).
    pub days: usize,
    /// Added cell loss (1/h).
    pub cell_loss_per_h: f64,
    /// Free concentration in the tumour / free concentration in plasma.
    pub tumour_exposure_fraction: f64,
    /// Median volume at randomisation (mm³).
    pub v0_mm3: f64,
    /// Mice per group.
    pub n_per_group: usize,
    /// Humane endpoint (mm³).
    pub endpoint_mm3: f64,
}

/// The MLL-AF9 survival study (vehicle, MI-503, MI-463).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivalParams {
    /// Cell line.
    pub line: String,
    /// Days of dosing.
    pub treated_days: usize,
    /// First dosing day after transplant.
    pub start_day: f64,
    /// Dosing interval (h).
    pub interval_h: f64,
    /// Route.
    pub route: String,
    /// MI-503 dose (mg/kg).
    pub mi503_mg_per_kg: f64,
    /// MI-463 dose (mg/kg).
    pub mi463_mg_per_kg: f64,
    /// Added cell loss (1/h).
    pub cell_loss_per_h: f64,
    /// Engrafted cells on day 0.
    pub n0_cells: f64,
    /// Lethal burden (cells).
    pub lethal_cells: f64,
    /// End of the study (days).
    pub study_end_days: f64,
    /// Mice per group.
    pub n_per_group: usize,
}

/// The PDX-like engraftment study (% hCD45 in blood).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngraftmentParams {
    /// Cell line standing in for the PDX.
    pub line: String,
    /// Compound.
    pub compound: String,
    /// Dose (mg/kg, once daily i.p.).
    pub dose_mg_per_kg: f64,
    /// First dosing day.
    pub start_day: f64,
    /// Days of dosing.
    pub treated_days: usize,
    /// Added cell loss (1/h).
    pub cell_loss_per_h: f64,
    /// Engrafted cells on day 0.
    pub n0_cells: f64,
    /// Burden at which half the blood CD45⁺ cells are human.
    pub hcd45_half_cells: f64,
    /// End of the study (days).
    pub study_end_days: f64,
    /// Mice per group.
    pub n_per_group: usize,
}

/// The relapse-genotype cohort (menin inhibitor ± degrader).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelapseParams {
    /// Cell line.
    pub line: String,
    /// Menin inhibitor.
    pub menin_inhibitor: String,
    /// IKZF1 degrader added in the combination arm.
    pub degrader: String,
    /// MEN1 mutant of the resistant clone.
    pub mutant: String,
    /// Menin dependence of the non-MEN1 resistant clone.
    pub other_menin_dependence: f64,
    /// Expected pre-existing MEN1-mutant fraction at the start of therapy.
    pub men1_initial_fraction: f64,
    /// Expected pre-existing fraction of the other resistant clone.
    pub other_initial_fraction: f64,
    /// MEN1 mutations per division.
    pub men1_mu_per_division: f64,
    /// Other-resistance events per division.
    pub other_mu_per_division: f64,
    /// Degrader dose in the combination arm (mg once daily, 70 kg).
    pub degrader_mg_per_day: f64,
}

/// The in vivo parameter file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InVivoParams {
    /// MV4;11 xenograft.
    pub xenograft: XenograftParams,
    /// MLL-AF9 survival.
    pub survival: SurvivalParams,
    /// Engraftment.
    pub engraftment: EngraftmentParams,
    /// Relapse cohort.
    pub relapse: RelapseParams,
}

impl InVivoParams {
    /// The bundled file (parsed by a unit test, so it cannot fail).
    pub fn bundled() -> InVivoParams {
        match InVivoParams::from_toml_str(BUNDLED_INVIVO_TOML) {
            Ok(p) => p,
            Err(e) => unreachable!("bundled invivo.toml: {e}"),
        }
    }

    /// Parses a file with the layout of `data/invivo.toml`.
    pub fn from_toml_str(text: &str) -> Result<InVivoParams, SimError> {
        toml::from_str(text).map_err(|e| SimError::InVivo(format!("invivo.toml: {e}")))
    }
}

/// A kinetics with a constant added death rate (cell loss, 1/h).
pub struct CellLoss<K: Kinetics> {
    /// The wrapped kinetics.
    pub inner: K,
    /// Added death rate (1/h, ≥ 0).
    pub loss_per_h: f64,
}

impl<K: Kinetics> Kinetics for CellLoss<K> {
    fn clones(&self) -> usize {
        self.inner.clones()
    }
    fn rates(&mut self, k: usize, t_h: f64, conc: &[f64]) -> Rates {
        let r = self.inner.rates(k, t_h, conc);
        Rates {
            birth: r.birth,
            death: r.death + self.loss_per_h,
        }
    }
    fn reset(&mut self) {
        self.inner.reset();
    }
}

/// Concentrations of `inner` multiplied by `factor` (e.g. the fraction of
/// the plasma free concentration that reaches a solid tumour).
pub struct ScaledConc<'a> {
    /// The source.
    pub inner: &'a dyn Concentrations,
    /// Factor (≥ 0).
    pub factor: f64,
}

impl Concentrations for ScaledConc<'_> {
    fn compounds(&self) -> usize {
        self.inner.compounds()
    }
    fn free_molar(&self, t_h: f64, out: &mut [f64]) {
        self.inner.free_molar(t_h, out);
        out.iter_mut().for_each(|c| *c *= self.factor);
    }
}

/// Parses a route name (`ip`, `po`, `iv`).
pub fn route(name: &str) -> Result<Route, SimError> {
    match name {
        "ip" => Ok(Route::Ip),
        "po" => Ok(Route::Oral),
        "iv" => Ok(Route::IvBolus),
        _ => Err(SimError::InVivo(format!("unknown route '{name}'"))),
    }
}

/// Dosing of one compound of a regimen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dosing {
    /// Dose (mg/kg).
    pub mg_per_kg: f64,
    /// Interval (h).
    pub interval_h: f64,
    /// Number of doses.
    pub n_doses: usize,
    /// First dose (h).
    pub start_h: f64,
    /// Route.
    pub route: Route,
}

/// Free concentrations of `compounds` (in order) where compound `i` gets
/// `dosing[i]` (`None` = not given), tabulated every
/// [`EXPOSURE_GRID_H`] up to `horizon_h`.
pub fn exposure(
    pk: &PkTable,
    compounds: &[&str],
    dosing: &[Option<Dosing>],
    horizon_h: f64,
) -> Result<Tabulated, SimError> {
    let pe = |e: crate::pk::PkError| SimError::InVivo(e.to_string());
    let mut profiles = Vec::new();
    for (i, c) in compounds.iter().enumerate() {
        let p = pk.get(c).map_err(pe)?;
        let regs: Vec<Regimen> = dosing
            .get(i)
            .copied()
            .flatten()
            .map(|d| Regimen {
                mg_per_kg: d.mg_per_kg,
                interval_h: d.interval_h,
                n_doses: d.n_doses,
                route: d.route,
                start_h: d.start_h,
            })
            .into_iter()
            .collect();
        profiles.push(Profile::new(p, &regs).map_err(pe)?);
    }
    let steps = (horizon_h / EXPOSURE_GRID_H).ceil().max(1.0) as usize;
    Ok(Tabulated::new(
        &Exposure { profiles },
        0.0,
        EXPOSURE_GRID_H,
        steps,
    ))
}

fn pop(e: crate::population::PopError) -> SimError {
    SimError::InVivo(e.to_string())
}

/// Group names of the xenograft: vehicle and the dosed compound (the
/// compound name, as the study's name checks expect).
pub fn xenograft_groups(x: &XenograftParams) -> [String; 2] {
    ["vehicle".into(), x.compound.clone()]
}

/// Simulates the MV4;11 xenograft (vehicle vs the compound) with
/// `n_per_group` mice per arm (0 = the file's).
pub fn xenograft(
    params: &Params,
    pk: &PkTable,
    inv: &InVivoParams,
    n_per_group: usize,
    seed: u64,
) -> Result<XenograftSim, SimError> {
    let x = &inv.xenograft;
    let kin = LineKinetics::new(params, &x.line, &[&x.compound], &[])?;
    let mut kin = CellLoss {
        inner: kin,
        loss_per_h: x.cell_loss_per_h,
    };
    let horizon = (x.days as f64 + 1.0) * 24.0;
    let drug = exposure(
        pk,
        &[&x.compound],
        &[Some(Dosing {
            mg_per_kg: x.dose_mg_per_kg,
            interval_h: x.interval_h,
            n_doses: (x.days as f64 * 24.0 / x.interval_h).ceil() as usize,
            start_h: 0.0,
            route: route(&x.route)?,
        })],
        horizon,
    )?;
    let drug = ScaledConc {
        inner: &drug,
        factor: x.tumour_exposure_fraction,
    };
    let vehicle = Constant(vec![0.0]);
    let g = xenograft_groups(x);
    let arms = [
        Arm {
            group: g[0].clone(),
            exposure: &vehicle,
        },
        Arm {
            group: g[1].clone(),
            exposure: &drug,
        },
    ];
    let mut days: Vec<f64> = Vec::new();
    for w in 0..=x.days / 7 {
        for d in [0.0, 2.0, 4.0] {
            let day = 7.0 * w as f64 + d;
            if day <= x.days as f64 {
                days.push(day);
            }
        }
    }
    let design = XenograftDesign {
        n_per_group: if n_per_group == 0 {
            x.n_per_group
        } else {
            n_per_group
        },
        v0_median_mm3: x.v0_mm3,
        endpoint_mm3: x.endpoint_mm3,
        days,
        clonal: crate::clonal::ClonalOptions {
            dt_h: 1.0,
            ..Default::default()
        },
        mutant_clones: Vec::new(),
        ..XenograftDesign::default()
    };
    simulate_xenograft(&mut kin, &arms, &design, seed).map_err(pop)
}

/// Group names of the survival study.
pub const SURVIVAL_GROUPS: [&str; 3] = ["vehicle", "MI-503", "MI-463"];

/// Simulates the MLL-AF9 survival study: vehicle, MI-503 and MI-463 at
/// the file's doses (`n_per_group` mice per arm, 0 = the file's).
pub fn survival(
    params: &Params,
    pk: &PkTable,
    inv: &InVivoParams,
    n_per_group: usize,
    seed: u64,
) -> Result<LeukaemiaSim, SimError> {
    let s = &inv.survival;
    let compounds = ["MI-503", "MI-463"];
    let kin = LineKinetics::new(params, &s.line, &compounds, &[])?;
    let mut kin = CellLoss {
        inner: kin,
        loss_per_h: s.cell_loss_per_h,
    };
    let horizon = (s.study_end_days + 1.0) * 24.0;
    let r = route(&s.route)?;
    let dosing = |mg: f64| {
        Some(Dosing {
            mg_per_kg: mg,
            interval_h: s.interval_h,
            n_doses: s.treated_days,
            start_h: s.start_day * 24.0,
            route: r,
        })
    };
    let e503 = exposure(pk, &compounds, &[dosing(s.mi503_mg_per_kg), None], horizon)?;
    let e463 = exposure(pk, &compounds, &[None, dosing(s.mi463_mg_per_kg)], horizon)?;
    let vehicle = Constant(vec![0.0, 0.0]);
    let exps: [&dyn Concentrations; 3] = [&vehicle, &e503, &e463];
    let arms: Vec<Arm<'_>> = SURVIVAL_GROUPS
        .iter()
        .zip(exps)
        .map(|(g, e)| Arm {
            group: g.to_string(),
            exposure: e,
        })
        .collect();
    let design = LeukaemiaDesign {
        n_per_group: if n_per_group == 0 {
            s.n_per_group
        } else {
            n_per_group
        },
        n0_median: s.n0_cells,
        lethal_cells: s.lethal_cells,
        study_end_days: s.study_end_days,
        mutant_clones: Vec::new(),
        id_prefix: "S".into(),
        clonal: crate::clonal::ClonalOptions {
            dt_h: 1.0,
            ..Default::default()
        },
        ..LeukaemiaDesign::default()
    };
    simulate_leukaemia(&mut kin, &arms, &design, seed).map_err(pop)
}

/// Simulates the engraftment study (vehicle vs the compound), blood
/// % hCD45 weekly.
pub fn engraftment(
    params: &Params,
    pk: &PkTable,
    inv: &InVivoParams,
    seed: u64,
) -> Result<LeukaemiaSim, SimError> {
    let e = &inv.engraftment;
    let kin = LineKinetics::new(params, &e.line, &[&e.compound], &[])?;
    let mut kin = CellLoss {
        inner: kin,
        loss_per_h: e.cell_loss_per_h,
    };
    let horizon = (e.study_end_days + 1.0) * 24.0;
    let drug = exposure(
        pk,
        &[&e.compound],
        &[Some(Dosing {
            mg_per_kg: e.dose_mg_per_kg,
            interval_h: 24.0,
            n_doses: e.treated_days,
            start_h: e.start_day * 24.0,
            route: Route::Ip,
        })],
        horizon,
    )?;
    let vehicle = Constant(vec![0.0]);
    let arms = [
        Arm {
            group: "vehicle".into(),
            exposure: &vehicle,
        },
        Arm {
            group: e.compound.clone(),
            exposure: &drug,
        },
    ];
    let mut blood = Vec::new();
    let mut d = 0.0;
    while d <= e.study_end_days {
        blood.push(d);
        d += 7.0;
    }
    let design = LeukaemiaDesign {
        n_per_group: e.n_per_group,
        n0_median: e.n0_cells,
        lethal_cells: 5e10,
        study_end_days: e.study_end_days,
        hcd45_half_cells: e.hcd45_half_cells,
        blood_days: blood,
        mutant_clones: Vec::new(),
        id_prefix: "P".into(),
        clonal: crate::clonal::ClonalOptions {
            dt_h: 2.0,
            ..Default::default()
        },
        ..LeukaemiaDesign::default()
    };
    simulate_leukaemia(&mut kin, &arms, &design, seed).map_err(pop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_parses_and_rejects_unknown_fields() {
        let p = InVivoParams::bundled();
        assert_eq!(p.xenograft.dose_mg_per_kg, 60.0);
        assert_eq!(p.survival.mi463_mg_per_kg, 35.0);
        let bad = BUNDLED_INVIVO_TOML.replace("[relapse]", "[relapse]\nbogus = 1");
        assert!(InVivoParams::from_toml_str(&bad).is_err());
        assert!(route("sc").is_err());
    }

    #[test]
    fn cell_loss_lowers_the_net_rate_by_the_loss() {
        let p = Params::bundled();
        let k = LineKinetics::new(&p, "MV4-11", &["MI-503"], &[]).unwrap();
        let mut c = CellLoss {
            inner: k,
            loss_per_h: 0.01,
        };
        let r = c.rates(0, 0.0, &[0.0]);
        assert!((r.net() - (std::f64::consts::LN_2 / 30.0 - 0.01)).abs() < 1e-12);
    }
}
