//! One result row per curve: the numbers users report, with their exact
//! meanings, confidence intervals and quality flags.
//!
//! Meanings (also written in the CLI's output header):
//! * `top` — fitted response as dose → 0; `bottom` — as dose → ∞ (drc's d
//!   and c when b > 0, swapped when b < 0).
//! * `hill` — drc's b: **positive when the response falls with dose**.
//!   GraphPad Prism's HillSlope is −hill.
//! * `ec50` — relative IC50: the dose halfway between top and bottom.
//! * `ic50` — absolute IC50: the dose where the fitted curve crosses
//!   `ic_fraction` (default 50 %) of the vehicle-control response.
//! * `auc` — mean fitted response over the tested log-dose range divided
//!   by the control response.
//! * `emax` — fitted response at the highest tested dose.

use serde::{Deserialize, Serialize};

use crate::fit::{CurveData, Fit, FitError, FitOptions, Workspace, fit_with};
use crate::flags::{Flag, Flags};
use crate::metrics::{CiMethod, DoseEstimate, DssType};
use crate::models::{B, C, D, Model};
use crate::profile::ec50_profile_ci;

/// Options of the summary (metrics, intervals, flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryOptions {
    /// Interval method for EC50 (and the other doses, which use the delta
    /// method on the log scale when `Profile` is chosen).
    pub ci: CiMethod,
    /// Confidence level, default 0.95.
    pub level: f64,
    /// Vehicle-control response. None: the mean response at dose 0 when the
    /// curve has dose-0 points, otherwise `default_control`.
    pub control_response: Option<f64>,
    /// Control response when neither is available: 100 (the % scale).
    pub default_control: f64,
    /// Absolute IC level as a fraction of the control response (0.5).
    pub ic_fraction: f64,
    /// The curve is flagged `flat` when the F test against a flat line has
    /// p ≥ this value (0.05).
    pub flat_alpha: f64,
    /// Extra relative ED_p levels (percent) to report, e.g. [10, 90].
    pub ed_levels: Vec<f64>,
    /// DSS activity threshold in % inhibition (10).
    pub dss_threshold: f64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            ci: CiMethod::DeltaLog,
            level: 0.95,
            control_response: None,
            default_control: 100.0,
            ic_fraction: 0.5,
            flat_alpha: 0.05,
            ed_levels: Vec::new(),
            dss_threshold: 10.0,
        }
    }
}

/// A relative ED_p with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EdValue {
    /// p in percent.
    pub p: f64,
    /// The dose.
    pub value: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

/// The result row of one curve. `None` = the value does not exist (written
/// as an empty cell), never 0 or NaN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveSummary {
    /// Model family.
    pub model: Model,
    /// Number of points.
    pub n: usize,
    /// Residual degrees of freedom.
    pub df: Option<usize>,
    /// Whether the optimiser converged.
    pub converged: bool,
    /// Response as dose → 0.
    pub top: Option<f64>,
    /// SE of top.
    pub top_se: Option<f64>,
    /// Response as dose → ∞.
    pub bottom: Option<f64>,
    /// SE of bottom.
    pub bottom_se: Option<f64>,
    /// drc b (positive = falling; Prism HillSlope = −hill).
    pub hill: Option<f64>,
    /// SE of hill.
    pub hill_se: Option<f64>,
    /// drc e (= ec50 except for LL.5).
    pub e: Option<f64>,
    /// LL.5 asymmetry f (None for LL.2–LL.4).
    pub asymmetry: Option<f64>,
    /// Relative EC50.
    pub ec50: Option<f64>,
    /// Lower confidence limit of EC50.
    pub ec50_lower: Option<f64>,
    /// Upper confidence limit of EC50.
    pub ec50_upper: Option<f64>,
    /// SE of ln EC50 (delta method).
    pub ec50_se_ln: Option<f64>,
    /// Absolute IC50.
    pub ic50: Option<f64>,
    /// Lower confidence limit of the absolute IC50 (delta, log scale).
    pub ic50_lower: Option<f64>,
    /// Upper confidence limit of the absolute IC50.
    pub ic50_upper: Option<f64>,
    /// Response level defining the absolute IC50.
    pub ic50_level: Option<f64>,
    /// Control response used for ic50, auc and dss.
    pub control: Option<f64>,
    /// Requested relative ED_p values.
    pub ed: Vec<EdValue>,
    /// Normalised AUC (see module docs).
    pub auc: Option<f64>,
    /// DSS3 (Yadav et al. 2014).
    pub dss: Option<f64>,
    /// Fitted response at the highest dose.
    pub emax: Option<f64>,
    /// Coefficient of determination.
    pub r2: Option<f64>,
    /// Residual sum of squares.
    pub rss: Option<f64>,
    /// Residual standard error.
    pub sigma: Option<f64>,
    /// Akaike information criterion.
    pub aic: Option<f64>,
    /// Bayesian information criterion.
    pub bic: Option<f64>,
    /// F statistic against a flat line.
    pub f_flat: Option<f64>,
    /// p-value of that F test.
    pub p_flat: Option<f64>,
    /// Smallest positive dose tested.
    pub dose_min: Option<f64>,
    /// Largest dose tested.
    pub dose_max: Option<f64>,
    /// Quality flags.
    pub flags: Flags,
    /// Why the fit failed, when it did.
    pub message: Option<String>,
}

impl CurveSummary {
    /// A row for a curve that could not be fitted.
    pub fn failed(model: Model, n: usize, err: &FitError) -> Self {
        let mut flags = Flags::NONE;
        flags.set(match err {
            FitError::TooFewPoints { .. } => Flag::TooFewPoints,
            _ => Flag::FitFailed,
        });
        CurveSummary {
            model,
            n,
            df: None,
            converged: false,
            top: None,
            top_se: None,
            bottom: None,
            bottom_se: None,
            hill: None,
            hill_se: None,
            e: None,
            asymmetry: None,
            ec50: None,
            ec50_lower: None,
            ec50_upper: None,
            ec50_se_ln: None,
            ic50: None,
            ic50_lower: None,
            ic50_upper: None,
            ic50_level: None,
            control: None,
            ed: Vec::new(),
            auc: None,
            dss: None,
            emax: None,
            r2: None,
            rss: None,
            sigma: None,
            aic: None,
            bic: None,
            f_flat: None,
            p_flat: None,
            dose_min: None,
            dose_max: None,
            flags,
            message: Some(err.to_string()),
        }
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Interval for a dose estimate by the delta method.
fn delta_ci(est: &DoseEstimate, t: f64, natural: bool) -> (Option<f64>, Option<f64>) {
    match est.se_ln {
        Some(s) if t.is_finite() => {
            if natural {
                let se = s * est.value;
                (finite(est.value - t * se), finite(est.value + t * se))
            } else {
                // exp underflows to 0 (or overflows to ∞) when the SE is
                // huge: that end does not exist, as for the profile.
                (
                    finite((est.value.ln() - t * s).exp()).filter(|v| *v > 0.0),
                    finite((est.value.ln() + t * s).exp()),
                )
            }
        }
        _ => (None, None),
    }
}

/// Builds the result row of a fitted curve. `data` and `fit_opts` are only
/// needed for profile-likelihood intervals.
pub fn summarize(
    fit: &Fit,
    data: Option<(&CurveData, &FitOptions)>,
    opts: &SummaryOptions,
) -> CurveSummary {
    let mut flags = Flags::NONE;
    let p = &fit.params;
    let (top_i, bot_i) = if p.b >= 0.0 { (D, C) } else { (C, D) };
    let t = if fit.df > 0 {
        preclin_stats::dist::t_quantile(0.5 + opts.level / 2.0, fit.df as f64)
    } else {
        f64::NAN
    };
    if !fit.converged {
        flags.set(Flag::NotConverged);
    }
    if fit.any_at_bound() {
        flags.set(Flag::AtBound);
    }
    if fit.cov.is_none() {
        flags.set(Flag::NoStandardErrors);
    }
    let f_test = fit.f_test_flat();
    if let Some((_, pv)) = f_test
        && !(pv < opts.flat_alpha)
    {
        flags.set(Flag::Flat);
    }
    if p.top() < p.bottom() {
        flags.set(Flag::Increasing);
    }
    let control = opts
        .control_response
        .or(fit.control_mean)
        .unwrap_or(opts.default_control);
    // Constant responses carry no information on slope or position: the
    // potencies do not exist (the row is flagged `flat`).
    let identifiable = fit.tss > 0.0;
    let ec50 = fit.ec50().filter(|_| identifiable);
    let (mut ec_lo, mut ec_hi) = match &ec50 {
        Some(e) => delta_ci(e, t, opts.ci == CiMethod::DeltaNatural),
        None => (None, None),
    };
    if opts.ci == CiMethod::Profile && identifiable {
        (ec_lo, ec_hi) = data
            .and_then(|(d, o)| ec50_profile_ci(d, fit, o, opts.level))
            .unwrap_or_default();
    }
    if let Some(e) = &ec50 {
        if e.value < fit.dose_min {
            flags.set(Flag::ExtrapolatedLow);
        }
        if e.value > fit.dose_max {
            flags.set(Flag::ExtrapolatedHigh);
        }
    }
    let ic_level = opts.ic_fraction * control;
    let ic50 = fit.dose_at_response(ic_level).filter(|_| identifiable);
    let (ic_lo, ic_hi) = match &ic50 {
        Some(e) => delta_ci(e, t, opts.ci == CiMethod::DeltaNatural),
        None => (None, None),
    };
    match &ic50 {
        None => flags.set(Flag::NeverReached),
        Some(e) if e.value < fit.dose_min || e.value > fit.dose_max => {
            flags.set(Flag::Ic50Extrapolated)
        }
        _ => {}
    }
    let ed = opts
        .ed_levels
        .iter()
        .map(|&pp| {
            let est = fit.ed(pp).filter(|_| identifiable);
            let (lower, upper) = match &est {
                Some(e) => delta_ci(e, t, opts.ci == CiMethod::DeltaNatural),
                None => (None, None),
            };
            EdValue {
                p: pp,
                value: est.map(|e| e.value),
                lower,
                upper,
            }
        })
        .collect();
    CurveSummary {
        model: fit.model,
        n: fit.n,
        df: Some(fit.df),
        converged: fit.converged,
        top: finite(p.top()),
        top_se: fit.se(top_i),
        bottom: finite(p.bottom()),
        bottom_se: fit.se(bot_i),
        hill: finite(p.b).filter(|_| identifiable),
        hill_se: fit.se(B).filter(|_| identifiable),
        e: finite(p.e).filter(|_| identifiable),
        asymmetry: (fit.model == Model::LL5).then_some(p.f),
        ec50: ec50.map(|e| e.value),
        ec50_lower: ec_lo,
        ec50_upper: ec_hi,
        ec50_se_ln: ec50.and_then(|e| e.se_ln),
        ic50: ic50.map(|e| e.value),
        ic50_lower: ic_lo,
        ic50_upper: ic_hi,
        ic50_level: finite(ic_level),
        control: finite(control),
        ed,
        auc: fit.auc(control),
        dss: fit.dss(control, opts.dss_threshold, DssType::Dss3),
        emax: finite(fit.emax()),
        r2: fit.r2(),
        rss: finite(fit.rss),
        sigma: fit.sigma(),
        aic: finite(fit.aic()),
        bic: finite(fit.bic()),
        f_flat: f_test.map(|v| v.0).and_then(finite),
        p_flat: f_test.map(|v| v.1),
        dose_min: Some(fit.dose_min),
        dose_max: Some(fit.dose_max),
        flags,
        message: None,
    }
}

/// Fits and summarises one curve; a fit error becomes a flagged row.
pub fn fit_summary(
    data: &CurveData,
    fit_opts: &FitOptions,
    opts: &SummaryOptions,
    ws: &mut Workspace,
) -> (Option<Fit>, CurveSummary) {
    match fit_with(data, fit_opts, ws) {
        Ok(f) => {
            let s = summarize(&f, Some((data, fit_opts)), opts);
            (Some(f), s)
        }
        Err(e) => (
            None,
            CurveSummary::failed(fit_opts.model, data.dose.len(), &e),
        ),
    }
}
