//! Pharmacokinetics: plasma concentration over time after repeated doses.
//!
//! # Models (Gibaldi M, Perrier D, *Pharmacokinetics*, 2nd ed., Dekker
//! 1982, ch. 1–3 and appendix on the method of superposition)
//!
//! The disposition after an i.v. bolus of dose `D` (mg/kg) is a sum of
//! exponentials, `C(t) = D · Σᵢ cᵢ e^(−λᵢ t)` (mg/L):
//!
//! * one compartment (clearance `CL`, volume `V`): `λ = k = CL/V`,
//!   `c = 1/V`;
//! * two compartments (`CL`, central `V1`, inter-compartmental `Q`,
//!   peripheral `V2`): `k10 = CL/V1`, `k12 = Q/V1`, `k21 = Q/V2`; the
//!   hybrid rate constants `α > β` solve `λ² − (k10+k12+k21)λ + k10·k21 = 0`,
//!   and `c_α = (α − k21)/(V1(α − β))`, `c_β = (k21 − β)/(V1(α − β))`.
//!
//! Every route is this unit response convolved with the input:
//!
//! * i.v. bolus: `D Σ cᵢ e^(−λᵢ t)`;
//! * zero-order infusion of duration `T` (rate `D/T`):
//!   `(D/T) Σ (cᵢ/λᵢ)(1 − e^(−λᵢ t))` while it runs, then
//!   `(D/T) Σ (cᵢ/λᵢ)(1 − e^(−λᵢ T)) e^(−λᵢ (t − T))`;
//! * oral and i.p. (first-order absorption `ka`, bioavailability `F`, lag
//!   `t_lag`, `t' = t − t_lag`): `F D ka Σ cᵢ (e^(−λᵢ t') − e^(−ka t'))/(ka − λᵢ)`
//!   (the Bateman function; `F D ka Σ cᵢ t' e^(−λᵢ t')` when `ka = λᵢ`).
//!
//! Repeated dosing is the sum of the single-dose curves (superposition,
//! valid for linear kinetics). Checks used by the tests: `AUC₀^∞ = F·D/CL`;
//! one-compartment oral `t_max = ln(ka/k)/(ka − k)`; the accumulation
//! factor of a bolus every `τ` is `1/(1 − e^(−kτ))`.
//!
//! Concentrations: total plasma concentration in mg/L (= µg/mL) from the
//! dose in mg/kg and volumes in L/kg; molar concentration
//! `C[M] = C[mg/L] · 10⁻³ / MW[g/mol]`; the free (unbound) concentration
//! that drives target engagement is `fu · C[M]`.
//!
//! Parameters come from `data/pk.toml` (bundled, user-overridable with
//! [`PkTable::from_toml_str`]); each compound names its sources and
//! labels every unpublished number an assumption, with its reasoning.

use serde::Deserialize;
use thiserror::Error;

mod exposure;
pub use exposure::{Concentrations, Constant, Exposure, Tabulated};

/// The bundled parameter file.
pub const BUNDLED_PK_TOML: &str = include_str!("../data/pk.toml");

/// Errors of the PK layer.
#[derive(Debug, Error, PartialEq)]
pub enum PkError {
    /// The TOML text could not be parsed.
    #[error("PK parameter file: {0}")]
    Parse(String),
    /// A parameter is missing, not finite or out of range.
    #[error("PK parameters of {compound}: {message}")]
    Invalid {
        /// Compound name.
        compound: String,
        /// What is wrong.
        message: String,
    },
    /// The compound is not in the table.
    #[error("no PK parameters for compound {0:?}")]
    UnknownCompound(String),
    /// The route has zero bioavailability for this compound.
    #[error("route {route} is not available for {compound} (bioavailability 0)")]
    RouteUnavailable {
        /// Compound name.
        compound: String,
        /// Route name.
        route: String,
    },
    /// A regimen value is not finite or out of range.
    #[error("regimen: {0}")]
    Regimen(String),
}

/// Route of administration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route {
    /// Intravenous bolus (F = 1, instantaneous).
    IvBolus,
    /// Zero-order intravenous infusion over `duration_h` hours (F = 1).
    Infusion {
        /// Infusion duration (h, > 0).
        duration_h: f64,
    },
    /// Oral (first-order absorption, `f_oral`, lag).
    Oral,
    /// Intraperitoneal (first-order absorption, `f_ip`, lag).
    Ip,
}

impl Route {
    /// Short name (`iv`, `infusion`, `po`, `ip`).
    pub fn name(self) -> &'static str {
        match self {
            Route::IvBolus => "iv",
            Route::Infusion { .. } => "infusion",
            Route::Oral => "po",
            Route::Ip => "ip",
        }
    }
}

/// Disposition model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Disposition {
    /// One compartment: clearance (L/h/kg), volume (L/kg).
    One {
        /// Clearance, L/h/kg.
        cl: f64,
        /// Volume of distribution, L/kg.
        v: f64,
    },
    /// Two compartments: clearance, central volume, inter-compartmental
    /// clearance, peripheral volume (L/h/kg, L/kg).
    Two {
        /// Clearance, L/h/kg.
        cl: f64,
        /// Central volume, L/kg.
        v1: f64,
        /// Inter-compartmental clearance, L/h/kg.
        q: f64,
        /// Peripheral volume, L/kg.
        v2: f64,
    },
}

impl Disposition {
    /// Clearance (L/h/kg).
    pub fn cl(&self) -> f64 {
        match *self {
            Disposition::One { cl, .. } | Disposition::Two { cl, .. } => cl,
        }
    }

    /// Unit i.v. bolus response as `(cᵢ, λᵢ)` pairs: `C(t) = D Σ cᵢ e^(−λᵢ t)`
    /// with `cᵢ` in kg/L and `λᵢ` in 1/h (see the module doc).
    pub fn exponentials(&self) -> Vec<(f64, f64)> {
        match *self {
            Disposition::One { cl, v } => vec![(1.0 / v, cl / v)],
            Disposition::Two { cl, v1, q, v2 } => {
                let (k10, k12, k21) = (cl / v1, q / v1, q / v2);
                let s = k10 + k12 + k21;
                let p = k10 * k21;
                let alpha = 0.5 * (s + (s * s - 4.0 * p).max(0.0).sqrt());
                let beta = p / alpha;
                let d = alpha - beta;
                if d <= 1e-12 * alpha {
                    // Degenerate (no distribution phase): one exponential.
                    return vec![(1.0 / v1, alpha)];
                }
                vec![
                    ((alpha - k21) / (v1 * d), alpha),
                    ((k21 - beta) / (v1 * d), beta),
                ]
            }
        }
    }
}

/// PK parameters of one compound in one species.
#[derive(Debug, Clone, PartialEq)]
pub struct PkParams {
    /// Compound name.
    pub name: String,
    /// Species (`mouse`, `human`).
    pub species: String,
    /// Disposition model.
    pub disposition: Disposition,
    /// Molecular weight (g/mol).
    pub mw_g_per_mol: f64,
    /// First-order absorption rate (1/h), oral and i.p.
    pub ka_per_h: f64,
    /// Oral bioavailability (0–1).
    pub f_oral: f64,
    /// Intraperitoneal bioavailability (0–1).
    pub f_ip: f64,
    /// Absorption lag (h), oral and i.p.
    pub lag_h: f64,
    /// Free (unbound) fraction in plasma (0–1].
    pub fu: f64,
    /// Where the numbers come from.
    pub source: String,
    /// Which numbers are assumptions, and why.
    pub assumptions: String,
}

#[derive(Debug, Deserialize)]
struct RawFile {
    compound: Vec<RawParams>,
}

#[derive(Debug, Deserialize)]
struct RawParams {
    name: String,
    #[serde(default)]
    species: String,
    model: String,
    mw_g_per_mol: f64,
    cl_l_per_h_per_kg: f64,
    v1_l_per_kg: f64,
    q_l_per_h_per_kg: Option<f64>,
    v2_l_per_kg: Option<f64>,
    ka_per_h: f64,
    f_oral: f64,
    f_ip: f64,
    #[serde(default)]
    lag_h: f64,
    fu: f64,
    #[serde(default)]
    source: String,
    #[serde(default)]
    assumptions: String,
}

fn check(name: &str, what: &str, v: f64, lo: f64, hi: f64, lo_open: bool) -> Result<(), PkError> {
    let ok = v.is_finite() && v <= hi && if lo_open { v > lo } else { v >= lo };
    if ok {
        Ok(())
    } else {
        Err(PkError::Invalid {
            compound: name.to_string(),
            message: format!("{what} = {v} is out of range"),
        })
    }
}

impl PkParams {
    fn from_raw(r: RawParams) -> Result<PkParams, PkError> {
        let n = r.name.as_str();
        check(n, "mw_g_per_mol", r.mw_g_per_mol, 0.0, 1e6, true)?;
        check(n, "cl_l_per_h_per_kg", r.cl_l_per_h_per_kg, 0.0, 1e4, true)?;
        check(n, "v1_l_per_kg", r.v1_l_per_kg, 0.0, 1e4, true)?;
        check(n, "ka_per_h", r.ka_per_h, 0.0, 1e4, true)?;
        check(n, "f_oral", r.f_oral, 0.0, 1.0, false)?;
        check(n, "f_ip", r.f_ip, 0.0, 1.0, false)?;
        check(n, "lag_h", r.lag_h, 0.0, 1e3, false)?;
        check(n, "fu", r.fu, 0.0, 1.0, true)?;
        let disposition = match r.model.as_str() {
            "one" => Disposition::One {
                cl: r.cl_l_per_h_per_kg,
                v: r.v1_l_per_kg,
            },
            "two" => {
                let missing = |w: &str| PkError::Invalid {
                    compound: n.to_string(),
                    message: format!("model \"two\" needs {w}"),
                };
                let q = r
                    .q_l_per_h_per_kg
                    .ok_or_else(|| missing("q_l_per_h_per_kg"))?;
                let v2 = r.v2_l_per_kg.ok_or_else(|| missing("v2_l_per_kg"))?;
                check(n, "q_l_per_h_per_kg", q, 0.0, 1e4, true)?;
                check(n, "v2_l_per_kg", v2, 0.0, 1e4, true)?;
                Disposition::Two {
                    cl: r.cl_l_per_h_per_kg,
                    v1: r.v1_l_per_kg,
                    q,
                    v2,
                }
            }
            other => {
                return Err(PkError::Invalid {
                    compound: n.to_string(),
                    message: format!("model {other:?} (expected \"one\" or \"two\")"),
                });
            }
        };
        Ok(PkParams {
            name: r.name,
            species: r.species,
            disposition,
            mw_g_per_mol: r.mw_g_per_mol,
            ka_per_h: r.ka_per_h,
            f_oral: r.f_oral,
            f_ip: r.f_ip,
            lag_h: r.lag_h,
            fu: r.fu,
            source: r.source,
            assumptions: r.assumptions,
        })
    }

    /// Bioavailability of a route (1 for i.v. and infusion).
    pub fn bioavailability(&self, route: Route) -> f64 {
        match route {
            Route::IvBolus | Route::Infusion { .. } => 1.0,
            Route::Oral => self.f_oral,
            Route::Ip => self.f_ip,
        }
    }

    /// Total plasma concentration (mg/L) `t_h` hours after one dose of
    /// `mg_per_kg` by `route` (0 before the dose and during the lag).
    pub fn single_dose_mg_per_l(&self, mg_per_kg: f64, route: Route, t_h: f64) -> f64 {
        if t_h <= 0.0 {
            return 0.0;
        }
        let ex = self.disposition.exponentials();
        match route {
            Route::IvBolus => {
                mg_per_kg * ex.iter().map(|&(c, l)| c * (-l * t_h).exp()).sum::<f64>()
            }
            Route::Infusion { duration_h } => {
                let rate = mg_per_kg / duration_h;
                let on = t_h.min(duration_h);
                rate * ex
                    .iter()
                    .map(|&(c, l)| c / l * (1.0 - (-l * on).exp()) * (-l * (t_h - on)).exp())
                    .sum::<f64>()
            }
            Route::Oral | Route::Ip => {
                let t = t_h - self.lag_h;
                if t <= 0.0 {
                    return 0.0;
                }
                let f = self.bioavailability(route);
                let ka = self.ka_per_h;
                f * mg_per_kg
                    * ka
                    * ex.iter()
                        .map(|&(c, l)| {
                            if (ka - l).abs() <= 1e-9 * ka {
                                c * t * (-l * t).exp()
                            } else {
                                c * ((-l * t).exp() - (-ka * t).exp()) / (ka - l)
                            }
                        })
                        .sum::<f64>()
            }
        }
    }

    /// Molar concentration (mol/L) of a concentration in mg/L.
    pub fn molar(&self, mg_per_l: f64) -> f64 {
        mg_per_l * 1e-3 / self.mw_g_per_mol
    }

    /// Time (h) after which a dose contributes less than 10⁻¹² of its
    /// scale: 27.6 / (slowest rate among the λᵢ and ka).
    fn horizon_h(&self) -> f64 {
        let slowest = self
            .disposition
            .exponentials()
            .iter()
            .map(|&(_, l)| l)
            .fold(self.ka_per_h, f64::min);
        27.6 / slowest + self.lag_h
    }
}

/// The table of PK parameters (bundled or user-supplied TOML).
#[derive(Debug, Clone, PartialEq)]
pub struct PkTable {
    /// Compounds in file order.
    pub compounds: Vec<PkParams>,
}

impl PkTable {
    /// The bundled `data/pk.toml`.
    pub fn bundled() -> PkTable {
        // The bundled file is checked by a unit test; parsing cannot fail.
        PkTable::from_toml_str(BUNDLED_PK_TOML).unwrap_or(PkTable {
            compounds: Vec::new(),
        })
    }

    /// Parses a parameter file with the layout of `data/pk.toml`.
    pub fn from_toml_str(text: &str) -> Result<PkTable, PkError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| PkError::Parse(e.to_string()))?;
        let compounds = raw
            .compound
            .into_iter()
            .map(PkParams::from_raw)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PkTable { compounds })
    }

    /// Parameters of a compound (case-insensitive name).
    pub fn get(&self, name: &str) -> Result<&PkParams, PkError> {
        self.compounds
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| PkError::UnknownCompound(name.to_string()))
    }
}

/// One administered dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dose {
    /// Time of administration (h from the start of the run).
    pub time_h: f64,
    /// Amount (mg/kg).
    pub mg_per_kg: f64,
    /// Route.
    pub route: Route,
}

/// A repeated-dosing regimen: `n_doses` doses of `mg_per_kg` every
/// `interval_h` hours from `start_h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regimen {
    /// Dose (mg/kg).
    pub mg_per_kg: f64,
    /// Dosing interval τ (h).
    pub interval_h: f64,
    /// Number of doses.
    pub n_doses: usize,
    /// Route.
    pub route: Route,
    /// Time of the first dose (h).
    pub start_h: f64,
}

impl Regimen {
    /// Once daily for `days` days from time 0.
    pub fn daily(mg_per_kg: f64, route: Route, days: usize) -> Regimen {
        Regimen {
            mg_per_kg,
            interval_h: 24.0,
            n_doses: days,
            route,
            start_h: 0.0,
        }
    }

    /// The individual doses.
    pub fn doses(&self) -> Result<Vec<Dose>, PkError> {
        let bad = |w: &str| PkError::Regimen(w.to_string());
        if !(self.mg_per_kg.is_finite() && self.mg_per_kg >= 0.0) {
            return Err(bad("dose must be finite and ≥ 0 mg/kg"));
        }
        if !(self.interval_h.is_finite() && self.interval_h > 0.0) {
            return Err(bad("interval must be finite and > 0 h"));
        }
        if !(self.start_h.is_finite() && self.start_h >= 0.0) {
            return Err(bad("start must be finite and ≥ 0 h"));
        }
        if let Route::Infusion { duration_h } = self.route {
            if !(duration_h.is_finite() && duration_h > 0.0) {
                return Err(bad("infusion duration must be finite and > 0 h"));
            }
        }
        Ok((0..self.n_doses)
            .map(|i| Dose {
                time_h: self.start_h + i as f64 * self.interval_h,
                mg_per_kg: self.mg_per_kg,
                route: self.route,
            })
            .collect())
    }
}

/// Concentration-time course of one compound under a list of doses.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Compound parameters.
    pub params: PkParams,
    /// Doses sorted by time.
    pub doses: Vec<Dose>,
    horizon_h: f64,
}

impl Profile {
    /// Builds the profile of `params` under the doses of all `regimens`.
    pub fn new(params: &PkParams, regimens: &[Regimen]) -> Result<Profile, PkError> {
        let mut doses = Vec::new();
        for r in regimens {
            if params.bioavailability(r.route) <= 0.0 {
                return Err(PkError::RouteUnavailable {
                    compound: params.name.clone(),
                    route: r.route.name().to_string(),
                });
            }
            doses.extend(r.doses()?);
        }
        doses.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
        Ok(Profile {
            params: params.clone(),
            horizon_h: params.horizon_h(),
            doses,
        })
    }

    /// Total plasma concentration (mg/L) at `t_h` by superposition; doses
    /// older than the horizon (contribution < 10⁻¹² of their scale) are
    /// skipped.
    pub fn total_mg_per_l(&self, t_h: f64) -> f64 {
        let end = self.doses.partition_point(|d| d.time_h < t_h);
        let start = self.doses[..end].partition_point(|d| d.time_h < t_h - self.horizon_h);
        self.doses[start..end]
            .iter()
            .map(|d| {
                let dur = match d.route {
                    Route::Infusion { duration_h } => duration_h,
                    _ => 0.0,
                };
                if t_h - d.time_h > self.horizon_h + dur {
                    0.0
                } else {
                    self.params
                        .single_dose_mg_per_l(d.mg_per_kg, d.route, t_h - d.time_h)
                }
            })
            .sum()
    }

    /// Free molar concentration `fu · C · 10⁻³ / MW` (mol/L) at `t_h`.
    pub fn free_molar(&self, t_h: f64) -> f64 {
        self.params.fu * self.params.molar(self.total_mg_per_l(t_h))
    }

    /// Exact AUC₀^∞ (mg·h/L) of all doses: `Σ F·D / CL`.
    pub fn auc_inf_mg_h_per_l(&self) -> f64 {
        self.doses
            .iter()
            .map(|d| self.params.bioavailability(d.route) * d.mg_per_kg)
            .sum::<f64>()
            / self.params.disposition.cl()
    }
}

#[cfg(test)]
#[path = "pk_tests.rs"]
mod tests;
