//! SynergyLMM: time-resolved in vivo synergy from a linear mixed model of
//! log relative tumour volume (Romero-Becerra et al., SynergyLMM, github
//! RafRomB/SynergyLMM, R/lmmModel.R and R/lmmSynergy.R; read for the
//! formulas only).
//!
//! # Model (`lmmModel`, exponential growth)
//! Per mouse `RTV(t) = TV(t)/TV(t₀)` with `t₀` the first day (`time_start`);
//! rows at `t₀` are dropped (`ln RTV = 0` there by construction) and time is
//! rebased to `t − t₀`. The model, fitted by REML with [`preclin_stats::lmm`],
//! is nlme's `lme(logRTV ~ 0 + Time:Treatment, random = ~ 0 + Time | SampleID)`:
//!
//! `ln RTVᵢⱼ = β_{g(i)}·tⱼ + bᵢ·tⱼ + εᵢⱼ`, `bᵢ ~ N(0, σ_b²)`, `ε ~ N(0, σ²)`
//!
//! — no intercept, one growth rate `β_g` per arm (C, A, B, AB), a random slope
//! per mouse. Mice without a volume at `t₀` or with `TV(t₀) = 0` are left out,
//! as are later zero volumes (`ln 0`; SynergyLMM's default `tum_vol_0 = "ignore"`, R/lmmModel.R).
//!
//! # Synergy (`lmmSynergy`, after Demidenko & Miller 2019, PLoS ONE 14:e0224137)
//! Null hypotheses on the rates, as a contrast `Δ = Lβ`:
//! - Bliss: `β_AB = β_A + β_B − β_C`, `Δ = β_AB − β_A − β_B + β_C`;
//! - HSA: `β_AB = min(β_A, β_B)`, `Δ = β_AB − β_min`, the better drug chosen
//!   once, from the fit to all data.
//!
//! With `se(Δ) = √(L Cov(β̂) Lᵀ)` (`Cov = σ̂²(XᵀV⁻¹X)⁻¹`, nlme's `vcov`) and the
//! Wald z test SynergyLMM obtains from `marginaleffects::hypotheses`:
//! - synergy score `SS = −Δ/se(Δ)`, interval `SS ∓ z_{1−α/2}` (i.e.
//!   `[−(Δ + z·se)/se, −(Δ − z·se)/se]`); `SS > 0` synergy, `< 0` antagonism;
//! - combination index at time `t`: `CI = exp(Δ·t)`, interval
//!   `[exp((Δ − z·se)·t), exp((Δ + z·se)·t)]` — the ratio of the observed
//!   combination RTV to the RTV expected under the null; `< 1` synergy;
//! - `p = 2Φ(−|Δ/se|)` (shared by SS and CI).
//!
//! At every time point `d ≥ min_time` the model is refitted to the rows with
//! `t ≤ d` (SynergyLMM's time-resolved analysis), and the row reports that
//! fit's flags. A time whose fit fails gives a row of `None`s.

use preclin_stats::dist::{normal_quantile, normal_sf};
use preclin_stats::lmm::{LmmFit, LmmOptions, fit_lmm};
use serde::Serialize;

use super::{NullModel, SynergyArms, SynergyError, TumourRecord, mice_of};

/// Options of [`synergy_lmm`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SynergyLmmOptions {
    /// Treatment start `t₀` (default: the first day in the data).
    pub time_start: Option<f64>,
    /// First time (after `t₀`, rebased) at which synergy is reported
    /// (SynergyLMM's `min_time`, default 0 = every time).
    pub min_time: f64,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
}

impl Default for SynergyLmmOptions {
    fn default() -> Self {
        Self {
            time_start: None,
            min_time: 0.0,
            level: 0.95,
        }
    }
}

/// The fitted growth model (rates per arm, variance components, flags).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthModel {
    /// Growth rates `β̂` (per day, ln RTV scale) in arm order C, A, B, AB.
    pub rate: [f64; 4],
    /// Their standard errors.
    pub rate_se: [f64; 4],
    /// SD of the random slope `σ_b`.
    pub sd_random_slope: f64,
    /// Residual SD `σ`.
    pub sd_residual: f64,
    /// REML log-likelihood.
    pub loglik: f64,
    /// Observations used (rows after `t₀`).
    pub n_obs: usize,
    /// Mice used.
    pub n_mice: usize,
    /// Optimiser converged.
    pub converged: bool,
    /// Random-slope variance on the boundary 0.
    pub singular: bool,
}

impl GrowthModel {
    fn from_fit(f: &LmmFit) -> Self {
        Self {
            rate: [f.coef[0], f.coef[1], f.coef[2], f.coef[3]],
            rate_se: [f.se[0], f.se[1], f.se[2], f.se[3]],
            sd_random_slope: f.re_sd[0],
            sd_residual: f.sigma2.sqrt(),
            loglik: f.loglik,
            n_obs: f.n_obs,
            n_mice: f.n_groups,
            converged: f.converged,
            singular: f.singular,
        }
    }
}

/// Synergy at one time point under one null model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynergyLmmRow {
    /// Null model.
    pub null: NullModel,
    /// Time since `t₀` (the last time of the data the model was refitted to).
    pub time: f64,
    /// Contrast `Δ` (rate difference from the null).
    pub delta: Option<f64>,
    /// `se(Δ)`.
    pub delta_se: Option<f64>,
    /// Synergy score `−Δ/se`.
    pub synergy_score: Option<f64>,
    /// Lower limit of the synergy score.
    pub ss_lower: Option<f64>,
    /// Upper limit of the synergy score.
    pub ss_upper: Option<f64>,
    /// Combination index `exp(Δ·t)`.
    pub combination_index: Option<f64>,
    /// Lower limit of the combination index.
    pub ci_lower: Option<f64>,
    /// Upper limit of the combination index.
    pub ci_upper: Option<f64>,
    /// Two-sided p-value (normal), shared by SS and CI.
    pub p: Option<f64>,
    /// Observations in this time's fit.
    pub n_obs: usize,
    /// That fit converged (`false` also when it failed).
    pub converged: bool,
    /// That fit is singular.
    pub singular: bool,
}

/// Result of [`synergy_lmm`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynergyLmmResult {
    /// `t₀` on the input's day scale.
    pub time_start: f64,
    /// The model fitted to all data.
    pub model: GrowthModel,
    /// The monotherapy HSA compares with (name of the arm with the smaller rate).
    pub hsa_reference: String,
    /// Rows: Bliss then HSA, each by increasing time.
    pub rows: Vec<SynergyLmmRow>,
    /// Mice left out (`arm/mouse`: no volume at `t₀` or `TV(t₀) = 0`).
    pub mice_excluded: Vec<String>,
    /// Later zero volumes left out (`ln 0`).
    pub zero_volumes_dropped: usize,
    /// Confidence level used.
    pub level: f64,
}

struct Rows {
    y: Vec<f64>,
    t: Vec<f64>,
    arm: Vec<usize>,
    mouse: Vec<usize>,
}

fn fit_upto(rows: &Rows, upto: f64) -> Result<LmmFit, SynergyError> {
    let idx: Vec<usize> = (0..rows.y.len()).filter(|&i| rows.t[i] <= upto).collect();
    let y: Vec<f64> = idx.iter().map(|&i| rows.y[i]).collect();
    let z: Vec<f64> = idx.iter().map(|&i| rows.t[i]).collect();
    let g: Vec<usize> = idx.iter().map(|&i| rows.mouse[i]).collect();
    let mut x = Vec::with_capacity(idx.len() * 4);
    for &i in &idx {
        x.extend((0..4).map(|a| if a == rows.arm[i] { rows.t[i] } else { 0.0 }));
    }
    Ok(fit_lmm(&y, &x, 4, &z, 1, &g, &LmmOptions::default())?)
}

/// SynergyLMM analysis of a two-drug combination study (see the module docs
/// for the model, the nulls and the SS / CI definitions).
pub fn synergy_lmm(
    records: &[TumourRecord],
    arms: &SynergyArms,
    opts: &SynergyLmmOptions,
) -> Result<SynergyLmmResult, SynergyError> {
    if !(opts.level > 0.0 && opts.level < 1.0 && opts.min_time.is_finite()) {
        return Err(SynergyError::Option(format!(
            "level {} must lie in (0, 1) and min_time be finite",
            opts.level
        )));
    }
    let mice = mice_of(records, arms)?;
    let t0 = match opts.time_start {
        Some(t) if t.is_finite() => t,
        Some(t) => return Err(SynergyError::Option(format!("time_start {t}"))),
        None => mice
            .iter()
            .flat_map(|m| m.points.iter().map(|p| p.0))
            .fold(f64::INFINITY, f64::min),
    };
    let mut rows = Rows {
        y: vec![],
        t: vec![],
        arm: vec![],
        mouse: vec![],
    };
    let mut excluded = vec![];
    let mut zeros = 0;
    let order = arms.order();
    for (k, m) in mice.iter().enumerate() {
        let tv0 = m.points.iter().find(|p| p.0 == t0).map(|p| p.1);
        let Some(tv0) = tv0.filter(|v| *v > 0.0) else {
            if !m.points.is_empty() {
                excluded.push(format!("{}/{}", order[m.arm], m.id));
            }
            continue;
        };
        for &(d, v) in m.points.iter().filter(|p| p.0 > t0) {
            if v == 0.0 {
                zeros += 1;
                continue;
            }
            rows.y.push((v / tv0).ln());
            rows.t.push(d - t0);
            rows.arm.push(m.arm);
            rows.mouse.push(k);
        }
    }
    for (a, name) in order.iter().enumerate() {
        if !rows.arm.contains(&a) {
            return Err(SynergyError::EmptyArm((*name).to_string()));
        }
    }
    let full = fit_upto(&rows, f64::INFINITY)?;
    let model = GrowthModel::from_fit(&full);
    let hsa_idx = if full.coef[1] <= full.coef[2] { 1 } else { 2 };
    let mut times: Vec<f64> = rows.t.clone();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times.retain(|&t| t >= opts.min_time);
    let z = normal_quantile(0.5 + opts.level / 2.0);
    let contrasts: [(NullModel, [f64; 4]); 2] = [
        (NullModel::Bliss, [1.0, -1.0, -1.0, 1.0]),
        (
            NullModel::Hsa,
            if hsa_idx == 1 {
                [0.0, -1.0, 0.0, 1.0]
            } else {
                [0.0, 0.0, -1.0, 1.0]
            },
        ),
    ];
    let fits: Vec<(f64, Option<LmmFit>, usize)> = times
        .iter()
        .map(|&d| {
            let n = rows.t.iter().filter(|&&t| t <= d).count();
            (d, fit_upto(&rows, d).ok(), n)
        })
        .collect();
    let mut out = vec![];
    for (null, l) in contrasts {
        for (d, fit, n) in &fits {
            let test = fit.as_ref().and_then(|f| f.contrast(&l, 1).ok());
            let row = match test {
                Some(c) if c.se[0] > 0.0 && c.se[0].is_finite() => {
                    let (delta, se) = (c.estimate[0], c.se[0]);
                    let ss = -delta / se;
                    let f = fit.as_ref().map(|f| (f.converged, f.singular));
                    SynergyLmmRow {
                        null,
                        time: *d,
                        delta: Some(delta),
                        delta_se: Some(se),
                        synergy_score: Some(ss),
                        ss_lower: Some(ss - z),
                        ss_upper: Some(ss + z),
                        combination_index: Some((delta * d).exp()),
                        ci_lower: Some(((delta - z * se) * d).exp()),
                        ci_upper: Some(((delta + z * se) * d).exp()),
                        p: Some(2.0 * normal_sf(ss.abs())),
                        n_obs: *n,
                        converged: f.is_some_and(|f| f.0),
                        singular: f.is_some_and(|f| f.1),
                    }
                }
                _ => SynergyLmmRow {
                    null,
                    time: *d,
                    delta: None,
                    delta_se: None,
                    synergy_score: None,
                    ss_lower: None,
                    ss_upper: None,
                    combination_index: None,
                    ci_lower: None,
                    ci_upper: None,
                    p: None,
                    n_obs: *n,
                    converged: false,
                    singular: fit.as_ref().is_some_and(|f| f.singular),
                },
            };
            out.push(row);
        }
    }
    Ok(SynergyLmmResult {
        time_start: t0,
        model,
        hsa_reference: order[hsa_idx].to_string(),
        rows: out,
        mice_excluded: excluded,
        zero_volumes_dropped: zeros,
        level: opts.level,
    })
}
