//! Comparing dose–response curves: nested global fits tested by the
//! extra-sum-of-squares F test and by AICc ("do the EC50s differ?", "is one
//! hill slope enough?"), potency shifts as ratios of EC50s, absolute IC50s or
//! any ED_p with confidence intervals, and the parallelism test.
//!
//! # Nested models
//! A model with more parameters shared ("null", N) is nested in one with
//! fewer ("alternative", A). With S the residual sums of squares and df the
//! residual degrees of freedom of the [`GlobalFit`]s,
//!
//! ```text
//! F = ((S_N − S_A) / (df_N − df_A)) / (S_A / df_A)   on (df_N − df_A, df_A) df
//! ```
//!
//! (extra-sum-of-squares F test; Bates & Watts 1988, §3.5; Motulsky &
//! Christopoulos 2004, ch. 22; drc `anova(m1, m2)`; Prism "compare"). The
//! AICc of each model (see [`GlobalFit::aicc`]) gives
//! Δ = AICc_N − AICc_A (> 0 favours the alternative) and the Akaike weight
//! of the alternative, 1/(1 + exp(−Δ/2)) — Prism's "probability that the
//! more complicated model is correct".
//!
//! # Potency ratios
//! For doses x₁ (numerator curve) and x₂ (denominator curve) — relative
//! ED_p, EC50 = ED_50, or absolute IC at a response level — with gradients
//! g₁, g₂ of ln x over the global parameters and their covariance Σ:
//!
//! * R = x₁ / x₂; Var(ln R) = g₁ᵀΣg₁ + g₂ᵀΣg₂ − 2 g₁ᵀΣg₂ (the cross term is
//!   not zero when the curves share parameters);
//! * default interval, delta method on the log ratio:
//!   exp(ln R ± t·SE(ln R)), t the (1 + level)/2 quantile of Student t on the
//!   residual df of the global fit; Wald test of ln R = 0;
//! * drc's `compParm` / `EDcomp` convention: SE(R) = R·SE(ln R) (the
//!   natural-scale delta method), t = (R − 1)/SE(R) with a two-sided p on
//!   the same df, and the interval R ± t·SE(R) (`interval = "delta"`);
//! * Fieller's interval (Finney 1978, pp. 80–82; Kotz & Johnson 1983,
//!   pp. 86–87; drc `interval = "fieller"`): with v₁₁ = x₁²·g₁ᵀΣg₁,
//!   v₂₂ = x₂²·g₂ᵀΣg₂, v₁₂ = x₁x₂·g₁ᵀΣg₂, f₀ = x₁x₂ − t²v₁₂,
//!   D = f₀² − (x₁² − t²v₁₁)(x₂² − t²v₂₂): (f₀ ∓ √D)/(x₂² − t²v₂₂). It does
//!   not exist (both ends None) when x₂² ≤ t²v₂₂, i.e. when the denominator
//!   dose is not significantly different from 0.

use serde::Serialize;

use crate::fit::{CurveData, Fit, FitOptions, fit};
use crate::global::{Covariance, GlobalError, GlobalFit, Potency, Sharing, fit_global_from};
use crate::models::{B, E};

/// Result of comparing two nested global fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NestedTest {
    /// Residual sum of squares of the null (more shared) model.
    pub rss_null: f64,
    /// Its residual degrees of freedom.
    pub df_null: usize,
    /// Residual sum of squares of the alternative model.
    pub rss_alt: f64,
    /// Its residual degrees of freedom.
    pub df_alt: usize,
    /// F statistic; None when S_A = 0 (the p-value is then 0).
    pub f: Option<f64>,
    /// Numerator degrees of freedom df_N − df_A.
    pub df1: usize,
    /// Denominator degrees of freedom df_A.
    pub df2: usize,
    /// P(F(df1, df2) > F).
    pub p_value: f64,
    /// AIC of the null model.
    pub aic_null: f64,
    /// AIC of the alternative.
    pub aic_alt: f64,
    /// AICc of the null model (None when N ≤ K + 1).
    pub aicc_null: Option<f64>,
    /// AICc of the alternative.
    pub aicc_alt: Option<f64>,
    /// AICc_null − AICc_alt: positive favours the alternative.
    pub aicc_delta: Option<f64>,
    /// Akaike weight of the alternative, 1/(1 + exp(−Δ/2)).
    pub prob_alt: Option<f64>,
}

/// F test and AICc of `null` against `alt` (see the module docs). None
/// when the models are not nested as stated (different N, or the null
/// model has at least as many parameters) or df_A = 0.
pub fn nested_test(null: &GlobalFit, alt: &GlobalFit) -> Option<NestedTest> {
    if null.n != alt.n || null.df <= alt.df || alt.df == 0 {
        return None;
    }
    let df1 = null.df - alt.df;
    let df2 = alt.df;
    let extra = (null.rss - alt.rss).max(0.0);
    let (f, p_value) = if alt.rss > 0.0 {
        let f = (extra / df1 as f64) / (alt.rss / df2 as f64);
        let p = if f > 0.0 {
            preclin_stats::dist::f_sf(f, df1 as f64, df2 as f64)
        } else {
            1.0
        };
        (Some(f), p)
    } else if extra > 0.0 {
        (None, 0.0)
    } else {
        (Some(0.0), 1.0)
    };
    if !p_value.is_finite() {
        return None;
    }
    let (aicc_null, aicc_alt) = (null.aicc(), alt.aicc());
    let aicc_delta = match (aicc_null, aicc_alt) {
        (Some(a), Some(b)) if (a - b).is_finite() => Some(a - b),
        _ => None,
    };
    Some(NestedTest {
        rss_null: null.rss,
        df_null: null.df,
        rss_alt: alt.rss,
        df_alt: alt.df,
        f,
        df1,
        df2,
        p_value,
        aic_null: null.aic(),
        aic_alt: alt.aic(),
        aicc_null,
        aicc_alt,
        aicc_delta,
        prob_alt: aicc_delta.map(|d| 1.0 / (1.0 + (-0.5 * d).exp())),
    })
}

/// A ratio of two doses of a global fit with its intervals and tests (see
/// the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PotencyRatio {
    /// The dose on the numerator curve.
    pub numerator: f64,
    /// The dose on the denominator curve.
    pub denominator: f64,
    /// numerator / denominator.
    pub ratio: f64,
    /// SE of ln(ratio) by the delta method.
    pub se_log: Option<f64>,
    /// Residual degrees of freedom of the t quantiles and tests.
    pub df: usize,
    /// Confidence level of the intervals.
    pub level: f64,
    /// exp(ln R − t·SE(ln R)) (default interval).
    pub lower: Option<f64>,
    /// exp(ln R + t·SE(ln R)).
    pub upper: Option<f64>,
    /// Wald t of ln R = 0: ln R / SE(ln R).
    pub t_log: Option<f64>,
    /// Its two-sided p-value.
    pub p_log: Option<f64>,
    /// drc's SE of the ratio, R·SE(ln R).
    pub se: Option<f64>,
    /// drc's t of R = 1: (R − 1)/SE(R).
    pub t_drc: Option<f64>,
    /// Its two-sided p-value (drc `compParm` / `EDcomp`).
    pub p_drc: Option<f64>,
    /// R − t·SE(R) (drc `interval = "delta"`).
    pub delta_lower: Option<f64>,
    /// R + t·SE(R).
    pub delta_upper: Option<f64>,
    /// Fieller's lower limit; None when the interval does not exist.
    pub fieller_lower: Option<f64>,
    /// Fieller's upper limit.
    pub fieller_upper: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The ratio of dose `num.1` on curve `num.0` to dose `den.1` on curve
/// `den.0` of one global fit, with `level` (e.g. 0.95) intervals. None when
/// either dose does not exist. Without a covariance only the estimate is
/// given.
pub fn potency_ratio(
    fit: &GlobalFit,
    num: (usize, Potency),
    den: (usize, Potency),
    level: f64,
) -> Option<PotencyRatio> {
    let (l1, g1) = fit.ln_dose_grad(num.0, num.1)?;
    let (l2, g2) = fit.ln_dose_grad(den.0, den.1)?;
    let (x1, x2) = (l1.exp(), l2.exp());
    let ratio = (l1 - l2).exp();
    if !(ratio.is_finite() && ratio > 0.0 && x1 > 0.0 && x2 > 0.0) {
        return None;
    }
    let df = fit.df;
    let t = if df > 0 && level > 0.0 && level < 1.0 {
        preclin_stats::dist::t_quantile(0.5 + level / 2.0, df as f64)
    } else {
        f64::NAN
    };
    let mut out = PotencyRatio {
        numerator: x1,
        denominator: x2,
        ratio,
        se_log: None,
        df,
        level,
        lower: None,
        upper: None,
        t_log: None,
        p_log: None,
        se: None,
        t_drc: None,
        p_drc: None,
        delta_lower: None,
        delta_upper: None,
        fieller_lower: None,
        fieller_upper: None,
    };
    let (Some(v11), Some(v22), Some(v12)) = (
        fit.cov_form(&g1, &g1),
        fit.cov_form(&g2, &g2),
        fit.cov_form(&g1, &g2),
    ) else {
        return Some(out);
    };
    let var = v11 + v22 - 2.0 * v12;
    if !(var.is_finite() && var >= 0.0 && df > 0) {
        return Some(out);
    }
    let se_log = var.sqrt();
    out.se_log = Some(se_log);
    let ln_r = l1 - l2;
    if t.is_finite() {
        out.lower = finite((ln_r - t * se_log).exp()).filter(|v| *v > 0.0);
        out.upper = finite((ln_r + t * se_log).exp());
    }
    let dff = df as f64;
    if se_log > 0.0 {
        let tl = ln_r / se_log;
        out.t_log = finite(tl);
        out.p_log = finite(tl).map(|v| preclin_stats::dist::t_two_sided_p(v, dff));
        let se = ratio * se_log;
        out.se = finite(se);
        let td = (ratio - 1.0) / se;
        out.t_drc = finite(td);
        out.p_drc = finite(td).map(|v| preclin_stats::dist::t_two_sided_p(v, dff));
        if t.is_finite() {
            out.delta_lower = finite(ratio - t * se);
            out.delta_upper = finite(ratio + t * se);
        }
    }
    if t.is_finite() {
        // Fieller on the natural scale: Var(x) = x²·Var(ln x).
        let t2 = t * t;
        let (a11, a22, a12) = (x1 * x1 * v11, x2 * x2 * v22, x1 * x2 * v12);
        let f0 = x1 * x2 - t2 * a12;
        let den_q = x2 * x2 - t2 * a22;
        let disc = f0 * f0 - (x1 * x1 - t2 * a11) * den_q;
        if den_q > 0.0 && disc >= 0.0 {
            let sq = disc.sqrt();
            out.fieller_lower = finite((f0 - sq) / den_q);
            out.fieller_upper = finite((f0 + sq) / den_q);
        }
    }
    Some(out)
}

/// Ratio of the relative EC50s of curves `num` and `den` (drc
/// `compParm(m, "e")` for LL.2–LL.4, `EDcomp(m, c(50, 50))`).
pub fn ec50_ratio(fit: &GlobalFit, num: usize, den: usize, level: f64) -> Option<PotencyRatio> {
    potency_ratio(
        fit,
        (num, Potency::Relative(50.0)),
        (den, Potency::Relative(50.0)),
        level,
    )
}

/// How [`compare_curves`] names the preferred model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preferred {
    /// Each curve has its own EC50 (the EC50s differ).
    Separate,
    /// One EC50 fits all curves.
    Shared,
}

impl Preferred {
    /// `separate` or `shared`, as written in output tables.
    pub fn name(self) -> &'static str {
        match self {
            Preferred::Separate => "separate",
            Preferred::Shared => "shared",
        }
    }
}

/// How the preferred model is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Separate EC50s when the F test has p < alpha (Prism's default).
    FTest,
    /// The lower AICc (Prism's alternative).
    Aicc,
}

/// Options of [`compare_curves`].
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CompareOptions {
    /// Model family, fixed values and bounds of every fit.
    pub fit: FitOptions,
    /// Parameters shared in both models (e.g. top, bottom, hill for
    /// parallel curves). The EC50 must not be among them: it is what is
    /// compared.
    pub share: Sharing,
    /// Confidence level of the intervals (0.95).
    pub level: f64,
    /// Significance level of the F tests (0.05).
    pub alpha: f64,
    /// How the preferred model is chosen.
    pub selection: Selection,
    /// Index of the reference curve: the denominator of every ratio.
    pub reference: usize,
    /// Extra relative ED_p levels (percent) whose ratios are reported.
    pub ed_levels: Vec<f64>,
    /// Absolute IC level as a fraction of each curve's control response
    /// (0.5).
    pub ic_fraction: f64,
    /// Control response for the absolute IC; None: each curve's mean
    /// response at dose 0, else `default_control`.
    pub control_response: Option<f64>,
    /// Control response when a curve has no dose-0 points (100).
    pub default_control: f64,
    /// Covariance estimate of the global fits (Gauss–Newton; drc uses the
    /// observed Hessian).
    pub covariance: Covariance,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            fit: FitOptions::default(),
            share: Sharing::NONE,
            level: 0.95,
            alpha: 0.05,
            selection: Selection::FTest,
            reference: 0,
            ed_levels: Vec::new(),
            ic_fraction: 0.5,
            control_response: None,
            default_control: 100.0,
            covariance: Covariance::GaussNewton,
        }
    }
}

/// Why curves could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// Fewer than two curves.
    #[error("a comparison needs at least two curves, got {0}")]
    TooFewCurves(usize),
    /// The reference index is not one of the curves.
    #[error("reference curve {reference} does not exist ({curves} curves)")]
    BadReference {
        /// The requested index.
        reference: usize,
        /// Number of curves.
        curves: usize,
    },
    /// The EC50 was asked to be shared.
    #[error("the EC50 cannot be shared: it is what the comparison tests")]
    SharedEc50,
    /// A global fit failed.
    #[error(transparent)]
    Fit(#[from] GlobalError),
}

/// A quality flag of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CompareFlag {
    /// The alternative model's fit (the one the ratios come from) did not
    /// meet its convergence test.
    NotConverged = 1 << 0,
    /// A parameter of the alternative model ended on a bound.
    AtBound = 1 << 1,
    /// The covariance is singular: no standard errors or intervals.
    NoStandardErrors = 1 << 2,
    /// The parallelism test rejects one hill slope (p < alpha): the
    /// potency ratio depends on the response level.
    NotParallel = 1 << 3,
    /// Fieller's interval does not exist.
    FiellerUnbounded = 1 << 4,
    /// An EC50 lies outside its curve's tested doses.
    Extrapolated = 1 << 5,
    /// A curve never reaches the absolute-IC50 level.
    NeverReached = 1 << 6,
    /// The null model's fit (shared EC50) did not converge. Typical when the
    /// EC50s clearly differ: forced to one EC50, a curve with free
    /// asymptotes flattens into a near-straight line (slope → 0, asymptotes
    /// → ±∞) whose sum of squares only creeps down. Its S is then slightly
    /// above the model's infimum, so F is slightly overstated.
    NullNotConverged = 1 << 7,
}

impl CompareFlag {
    /// All flags in display order.
    pub const ALL: [CompareFlag; 8] = [
        CompareFlag::NotConverged,
        CompareFlag::NullNotConverged,
        CompareFlag::AtBound,
        CompareFlag::NoStandardErrors,
        CompareFlag::NotParallel,
        CompareFlag::FiellerUnbounded,
        CompareFlag::Extrapolated,
        CompareFlag::NeverReached,
    ];

    /// The snake_case name written in output files.
    pub fn name(self) -> &'static str {
        match self {
            CompareFlag::NotConverged => "not_converged",
            CompareFlag::AtBound => "at_bound",
            CompareFlag::NoStandardErrors => "no_standard_errors",
            CompareFlag::NotParallel => "not_parallel",
            CompareFlag::FiellerUnbounded => "fieller_unbounded",
            CompareFlag::Extrapolated => "extrapolated",
            CompareFlag::NeverReached => "never_reached",
            CompareFlag::NullNotConverged => "null_not_converged",
        }
    }
}

/// A set of [`CompareFlag`]s; displayed `;`-separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CompareFlags(u16);

impl CompareFlags {
    /// Adds a flag.
    pub fn set(&mut self, f: CompareFlag) {
        self.0 |= f as u16;
    }

    /// Whether a flag is set.
    pub fn has(self, f: CompareFlag) -> bool {
        self.0 & (f as u16) != 0
    }

    /// The flags that are set, in display order.
    pub fn iter(self) -> impl Iterator<Item = CompareFlag> {
        CompareFlag::ALL.into_iter().filter(move |f| self.has(*f))
    }
}

impl std::fmt::Display for CompareFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.iter().map(CompareFlag::name).collect();
        f.write_str(&names.join(";"))
    }
}

impl Serialize for CompareFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(CompareFlag::name))
    }
}

/// One non-reference curve compared with the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelComparison {
    /// Index of the curve.
    pub curve: usize,
    /// EC50(curve) / EC50(reference) in the alternative model.
    pub ec50_ratio: Option<PotencyRatio>,
    /// Absolute IC50(curve) / IC50(reference) in the alternative model.
    pub ic50_ratio: Option<PotencyRatio>,
    /// ED_p(curve) / ED_p(reference) for each requested p.
    pub ed_ratios: Vec<(f64, Option<PotencyRatio>)>,
    /// Flags of this pair (including those of the whole comparison).
    pub flags: CompareFlags,
}

/// Everything [`compare_curves`] computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveComparison {
    /// Each curve fitted alone (None where that failed).
    pub separate: Vec<Option<Fit>>,
    /// Alternative: one EC50 per curve, `share` shared.
    pub alt: GlobalFit,
    /// Null: the EC50 shared too.
    pub null: GlobalFit,
    /// "Do the EC50s differ?": null against alternative.
    pub ec50_test: Option<NestedTest>,
    /// "Is one hill slope enough?": hill shared against hill per curve,
    /// the other parameters as in the alternative. None when the hill is
    /// fixed.
    pub parallel_test: Option<NestedTest>,
    /// The model preferred by `selection`.
    pub preferred: Option<Preferred>,
    /// Absolute-IC level of each curve (fraction × control).
    pub ic_levels: Vec<f64>,
    /// One entry per non-reference curve, in curve order.
    pub levels: Vec<LevelComparison>,
}

/// Compares the EC50s of `curves` (see the module docs): fits the
/// alternative model (EC50 per curve, `opts.share` shared) and the null
/// model (EC50 shared too) globally, tests them by F and AICc, tests
/// parallelism (hill shared vs per curve), and gives the potency ratios of
/// every curve to the reference curve. All curves must be in the same dose
/// unit.
pub fn compare_curves(
    curves: &[CurveData],
    opts: &CompareOptions,
) -> Result<CurveComparison, CompareError> {
    let k = curves.len();
    if k < 2 {
        return Err(CompareError::TooFewCurves(k));
    }
    if opts.reference >= k {
        return Err(CompareError::BadReference {
            reference: opts.reference,
            curves: k,
        });
    }
    if opts.share.shares(E) {
        return Err(CompareError::SharedEc50);
    }
    let separate: Vec<Option<Fit>> = curves.iter().map(|c| fit(c, &opts.fit).ok()).collect();
    let share = opts.share;
    let cv = opts.covariance;
    let null = fit_global_from(curves, &opts.fit, share.with(E), cv, &separate, &[])?;
    // The null solution is a point of the alternative model: starting there
    // too guarantees S_A ≤ S_N up to the optimiser's tolerance.
    let alt = fit_global_from(
        curves,
        &opts.fit,
        share,
        cv,
        &separate,
        std::slice::from_ref(&null.params),
    )?;
    let ec50_test = nested_test(&null, &alt);
    let hill_free = opts.fit.fixed()[B].is_none();
    let parallel_test = if !hill_free {
        None
    } else if share.shares(B) {
        let free_b = fit_global_from(
            curves,
            &opts.fit,
            share.without(B),
            cv,
            &separate,
            std::slice::from_ref(&alt.params),
        )?;
        nested_test(&alt, &free_b)
    } else {
        let shared_b = fit_global_from(curves, &opts.fit, share.with(B), cv, &separate, &[])?;
        nested_test(&shared_b, &alt)
    };
    let preferred = ec50_test.and_then(|t| match opts.selection {
        Selection::FTest => Some(if t.p_value < opts.alpha {
            Preferred::Separate
        } else {
            Preferred::Shared
        }),
        Selection::Aicc => t.aicc_delta.map(|d| {
            if d > 0.0 {
                Preferred::Separate
            } else {
                Preferred::Shared
            }
        }),
    });
    let mut common = CompareFlags::default();
    if !alt.converged {
        common.set(CompareFlag::NotConverged);
    }
    if !null.converged {
        common.set(CompareFlag::NullNotConverged);
    }
    if alt.any_at_bound() {
        common.set(CompareFlag::AtBound);
    }
    if alt.cov.is_none() {
        common.set(CompareFlag::NoStandardErrors);
    }
    if parallel_test.is_some_and(|t| t.p_value < opts.alpha) {
        common.set(CompareFlag::NotParallel);
    }
    let ic_levels: Vec<f64> = (0..k)
        .map(|i| {
            opts.ic_fraction
                * opts
                    .control_response
                    .or(alt.control_mean[i])
                    .unwrap_or(opts.default_control)
        })
        .collect();
    let r = opts.reference;
    let mut levels = Vec::with_capacity(k - 1);
    for i in (0..k).filter(|&i| i != r) {
        let mut flags = common;
        let ec50_ratio = ec50_ratio(&alt, i, r, opts.level);
        let ic50_ratio = potency_ratio(
            &alt,
            (i, Potency::Absolute(ic_levels[i])),
            (r, Potency::Absolute(ic_levels[r])),
            opts.level,
        );
        for c in [i, r] {
            if let Some(e) = alt.ec50(c)
                && (e.value < alt.dose_min[c] || e.value > alt.dose_max[c])
            {
                flags.set(CompareFlag::Extrapolated);
            }
            if alt.dose(c, Potency::Absolute(ic_levels[c])).is_none() {
                flags.set(CompareFlag::NeverReached);
            }
        }
        if ec50_ratio.is_some_and(|q| q.se_log.is_some() && q.fieller_lower.is_none()) {
            flags.set(CompareFlag::FiellerUnbounded);
        }
        let ed_ratios = opts
            .ed_levels
            .iter()
            .map(|&p| {
                (
                    p,
                    potency_ratio(
                        &alt,
                        (i, Potency::Relative(p)),
                        (r, Potency::Relative(p)),
                        opts.level,
                    ),
                )
            })
            .collect();
        levels.push(LevelComparison {
            curve: i,
            ec50_ratio,
            ic50_ratio,
            ed_ratios,
            flags,
        });
    }
    Ok(CurveComparison {
        separate,
        alt,
        null,
        ec50_test,
        parallel_test,
        preferred,
        ic_levels,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit_global;
    use crate::models::Params;

    fn data(p: &Params, salt: usize) -> (Vec<f64>, Vec<f64>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..9 {
            let d = 0.01 * 3f64.powi(i);
            for r in 0..3 {
                x.push(d);
                let jit = ((((i as usize) * 7 + r * 3 + salt * 5) % 11) as f64 - 5.0) * 0.8;
                y.push(p.eval(d) + jit);
            }
        }
        (x, y)
    }

    fn par(e: f64) -> Params {
        Params {
            b: 1.2,
            c: 5.0,
            d: 100.0,
            e,
            f: 1.0,
        }
    }

    #[test]
    fn ratio_of_a_curve_to_itself_is_one_with_zero_variance() {
        let (x, y) = data(&par(1.0), 1);
        let c = [CurveData {
            dose: &x,
            response: &y,
            weight: None,
        }];
        let g = fit_global(&c, &FitOptions::default(), Sharing::NONE).unwrap();
        let r = ec50_ratio(&g, 0, 0, 0.95).unwrap();
        assert!((r.ratio - 1.0).abs() < 1e-15);
        assert!(r.se_log.unwrap() < 1e-12);
    }

    #[test]
    fn a_tenfold_shift_is_detected_and_estimated() {
        let (x1, y1) = data(&par(0.3), 1);
        let (x2, y2) = data(&par(3.0), 2);
        let curves = [
            CurveData {
                dose: &x1,
                response: &y1,
                weight: None,
            },
            CurveData {
                dose: &x2,
                response: &y2,
                weight: None,
            },
        ];
        let cmp = compare_curves(&curves, &CompareOptions::default()).unwrap();
        let t = cmp.ec50_test.unwrap();
        assert!(t.p_value < 1e-10, "{t:?}");
        assert!(t.rss_null > t.rss_alt);
        assert_eq!((t.df1, t.df2), (1, 54 - 8));
        assert_eq!(cmp.preferred, Some(Preferred::Separate));
        let r = cmp.levels[0].ec50_ratio.unwrap();
        assert!((r.ratio / 10.0 - 1.0).abs() < 0.1, "{r:?}");
        let (lo, hi) = (r.lower.unwrap(), r.upper.unwrap());
        assert!(lo < r.ratio && r.ratio < hi);
        // Log-symmetric default interval.
        assert!(((r.ratio / lo).ln() - (hi / r.ratio).ln()).abs() < 1e-9);
        // Fieller's interval exists and brackets the estimate.
        assert!(r.fieller_lower.unwrap() < r.ratio && r.ratio < r.fieller_upper.unwrap());
        // drc convention: se = R·se_log, t = (R − 1)/se.
        assert!((r.se.unwrap() - r.ratio * r.se_log.unwrap()).abs() < 1e-12);
        assert!((r.t_drc.unwrap() - (r.ratio - 1.0) / r.se.unwrap()).abs() < 1e-12);
        assert!(!cmp.levels[0].flags.has(CompareFlag::NotParallel));
        let ic = cmp.levels[0].ic50_ratio.unwrap();
        assert!(ic.ratio > 5.0, "{ic:?}");
        // Sharing the asymptotes and the slope (parallel curves).
        let opts = CompareOptions {
            share: Sharing::parse("top,bottom,hill").unwrap(),
            ..Default::default()
        };
        let par_cmp = compare_curves(&curves, &opts).unwrap();
        assert_eq!(par_cmp.alt.n_params(), 5);
        assert_eq!(par_cmp.null.n_params(), 4);
        let pr = par_cmp.levels[0].ec50_ratio.unwrap();
        assert!((pr.ratio / 10.0 - 1.0).abs() < 0.1, "{pr:?}");
        assert!(par_cmp.parallel_test.unwrap().p_value > 0.01);
    }

    #[test]
    fn identical_curves_are_not_different() {
        let (x1, y1) = data(&par(1.0), 1);
        let (x2, y2) = data(&par(1.0), 3);
        let curves = [
            CurveData {
                dose: &x1,
                response: &y1,
                weight: None,
            },
            CurveData {
                dose: &x2,
                response: &y2,
                weight: None,
            },
        ];
        let cmp = compare_curves(&curves, &CompareOptions::default()).unwrap();
        let t = cmp.ec50_test.unwrap();
        assert!(t.p_value > 0.05, "{t:?}");
        assert_eq!(cmp.preferred, Some(Preferred::Shared));
        let r = cmp.levels[0].ec50_ratio.unwrap();
        assert!(r.lower.unwrap() < 1.0 && r.upper.unwrap() > 1.0);
    }

    #[test]
    fn bad_requests_are_errors() {
        let (x, y) = data(&par(1.0), 1);
        let c = CurveData {
            dose: &x,
            response: &y,
            weight: None,
        };
        assert_eq!(
            compare_curves(&[c], &CompareOptions::default()).unwrap_err(),
            CompareError::TooFewCurves(1)
        );
        let o = CompareOptions {
            reference: 2,
            ..Default::default()
        };
        assert!(matches!(
            compare_curves(&[c, c], &o).unwrap_err(),
            CompareError::BadReference { .. }
        ));
        let o = CompareOptions {
            share: Sharing::NONE.with(E),
            ..Default::default()
        };
        assert_eq!(
            compare_curves(&[c, c], &o).unwrap_err(),
            CompareError::SharedEc50
        );
    }
}
