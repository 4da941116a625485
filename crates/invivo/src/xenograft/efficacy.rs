//! Group × day summaries and efficacy against the control group at an
//! evaluation day: every TGI definition under its own name, T/C, %
//! reduction, regressions, mRECIST counts, growth rates, mAUCr and tests.
//!
//! Definitions (T = treated group, C = control, t = evaluation day, V₀ = a
//! mouse's first volume; "present" = mice with a volume on day t):
//! - `tgi_deltatv_pct = 100·(1 − mean_T(V_t − V₀)/mean_C(V_t − V₀))` over
//!   present mice (invivoSyn `getTGI`, default `tv_var = 'DeltaTV'`).
//! - `tgi_rtv_pct = 100·(1 − mean_T(V_t/V₀)/mean_C(V_t/V₀))` over present mice
//!   with V₀ > 0 (invivoSyn `tv_var = 'RTV'`, the "CombPDX" definition).
//! - `tgi_groupmeans_pct = 100·(1 − ΔT/ΔC)`, `ΔT = mean T_t − mean T₀` with
//!   `mean T_t` over present mice and `mean T₀` over all mice with a baseline
//!   (the classic group-mean form); `dt_over_dc_pct = 100·ΔT/ΔC`.
//! - `tc_mean_pct = 100·mean T_t/mean C_t`, `tc_median_pct` with medians;
//!   `reduction_pct = 100 − tc_mean_pct` (% reduction of the mean vs control);
//!   `fold_reduction = mean C_t/mean T_t` ("3-fold decrease in tumour volume").
//! - `regression_pct = 100·ΔT/mean T₀`, only when `ΔT < 0`.
//! - Tests on the volumes of day t: Welch t on V and on ln V (Demidenko 2010:
//!   log scale), Mann–Whitney on V; each family Holm-adjusted over the
//!   treated groups (Holm 1979).
//! - `mean_rate`: mean of the per-mouse log-linear growth rates of the group;
//!   `mauc_ratio`: invivoSyn mAUCr, the median over all treated × control
//!   pairs of `AUC_T/AUC_C` (per-mouse [`auc_rate`](super::mouse::auc_rate)).

use preclin_stats::{adjust, desc, dist, mannwhitney, ttest};
use serde::Serialize;

use super::model::Study;
use super::mouse::{MouseMetrics, Mrecist, Regression};

/// Summary of one group on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDay {
    /// Group.
    pub group: String,
    /// Day.
    pub day: f64,
    /// Mice measured.
    pub n: usize,
    /// Mean volume (mm³).
    pub mean: Option<f64>,
    /// SD of the volume (n − 1).
    pub sd: Option<f64>,
    /// SEM of the volume.
    pub sem: Option<f64>,
    /// Median volume.
    pub median: Option<f64>,
    /// Mean relative tumour volume `V/V₀` (mice with V₀ > 0).
    pub mean_rtv: Option<f64>,
    /// SEM of the RTV.
    pub sem_rtv: Option<f64>,
    /// Mean % change from baseline `100·(V/V₀ − 1)`.
    pub mean_pct_change: Option<f64>,
}

/// One measurement with its relative volume and % change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointRow {
    /// Mouse key.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day.
    pub day: f64,
    /// Volume (mm³).
    pub volume: f64,
    /// `V/V₀` (`None` when V₀ = 0).
    pub rtv: Option<f64>,
    /// `100·(V/V₀ − 1)` (`None` when V₀ = 0).
    pub pct_change: Option<f64>,
}

/// Every measurement with RTV and % change, in study order.
pub fn point_rows(study: &Study) -> Vec<PointRow> {
    let mut out = Vec::new();
    for m in &study.mice {
        let v0 = m.v0().unwrap_or(0.0);
        for p in &m.points {
            let rtv = (v0 > 0.0).then(|| p.volume / v0);
            out.push(PointRow {
                mouse: m.key.clone(),
                group: m.group.clone(),
                day: p.day,
                volume: p.volume,
                rtv,
                pct_change: rtv.map(|r| 100.0 * (r - 1.0)),
            });
        }
    }
    out
}

/// Summaries of every group (study order) on every day it was measured.
pub fn group_day_summaries(study: &Study) -> Vec<GroupDay> {
    let days = study.days();
    let mut out = Vec::new();
    for g in &study.groups {
        for &d in &days {
            let mut v = Vec::new();
            let mut r = Vec::new();
            for m in study.group_mice(g) {
                if let Some(x) = m.at(d) {
                    v.push(x);
                    if let Some(v0) = m.v0().filter(|&v0| v0 > 0.0) {
                        r.push(x / v0);
                    }
                }
            }
            if v.is_empty() {
                continue;
            }
            let s = desc::Summary::of(&v);
            let mean_rtv = desc::mean(&r);
            out.push(GroupDay {
                group: g.clone(),
                day: d,
                n: v.len(),
                mean: s.mean,
                sd: s.sd,
                sem: s.sem,
                median: s.median,
                mean_rtv,
                sem_rtv: desc::sem(&r),
                mean_pct_change: mean_rtv.map(|x| 100.0 * (x - 1.0)),
            });
        }
    }
    out
}

/// Which Mann–Whitney p-value to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum MannWhitneyRule {
    /// R `wilcox.test`: exact without ties when both n < 50 (default).
    #[default]
    R,
    /// scipy `mannwhitneyu(method='auto')`: exact only when one sample has
    /// ≤ 8 values and there are no ties, else the normal approximation with
    /// continuity and tie corrections.
    Scipy,
}

/// Options of [`efficacy`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EfficacyOptions {
    /// Control (vehicle) group.
    pub control: String,
    /// Evaluation day; `None` = the invivoSyn rule
    /// ([`Study::evaluation_day`] with `eval_fraction`).
    pub day: Option<f64>,
    /// Fraction of control mice that must be measured on the default day.
    pub eval_fraction: f64,
    /// Mann–Whitney p-value rule.
    pub mann_whitney: MannWhitneyRule,
    /// Offset `c` of the log scale of the Welch test: ln(V + c). With the
    /// default 0 the test is undefined (empty) when a volume is 0 (a
    /// complete regression); `c = 1` (mm³) is the ln(TV + 1) scale invivoSyn
    /// uses for its AUC, and keeps regressed tumours in the test.
    pub log_offset: f64,
}

impl EfficacyOptions {
    /// Defaults for `control`: invivoSyn day rule (80 %), R's Mann–Whitney.
    pub fn new(control: &str) -> Self {
        EfficacyOptions {
            control: control.to_string(),
            day: None,
            eval_fraction: 0.8,
            mann_whitney: MannWhitneyRule::R,
            log_offset: 0.0,
        }
    }
}

/// Efficacy of one group against the control at the evaluation day. The
/// control's own row has `is_control` set and no comparisons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEfficacy {
    /// Group.
    pub group: String,
    /// True for the control group.
    pub is_control: bool,
    /// Evaluation day.
    pub day: f64,
    /// Mice of the group.
    pub n_mice: usize,
    /// Mice with a volume on the day.
    pub n: usize,
    /// Control mice with a volume on the day.
    pub n_control: usize,
    /// Mean volume on the day.
    pub mean: Option<f64>,
    /// SD on the day.
    pub sd: Option<f64>,
    /// SEM on the day.
    pub sem: Option<f64>,
    /// Median on the day.
    pub median: Option<f64>,
    /// Mean baseline volume (all mice with a baseline).
    pub mean_v0: Option<f64>,
    /// TGI on per-mouse ΔV (invivoSyn default), %.
    pub tgi_deltatv_pct: Option<f64>,
    /// TGI on relative volumes (invivoSyn RTV / CombPDX), %.
    pub tgi_rtv_pct: Option<f64>,
    /// TGI on group means `1 − ΔT/ΔC`, %.
    pub tgi_groupmeans_pct: Option<f64>,
    /// `100·ΔT/ΔC`.
    pub dt_over_dc_pct: Option<f64>,
    /// `100·mean T/mean C`.
    pub tc_mean_pct: Option<f64>,
    /// `100·median T/median C`.
    pub tc_median_pct: Option<f64>,
    /// `100 − T/C` (% reduction of the mean volume vs control).
    pub reduction_pct: Option<f64>,
    /// `mean C / mean T` ("n-fold decrease in tumour volume").
    pub fold_reduction: Option<f64>,
    /// `100·ΔT/mean T₀` when `ΔT < 0`.
    pub regression_pct: Option<f64>,
    /// Welch t statistic on V (T − C).
    pub welch_t: Option<f64>,
    /// Welch p on V.
    pub welch_p: Option<f64>,
    /// Welch p on V, Holm-adjusted.
    pub welch_p_holm: Option<f64>,
    /// Welch t on ln V.
    pub welch_t_log: Option<f64>,
    /// Welch p on ln(V + `log_offset`) (`None` if a volume is 0 and the
    /// offset is 0).
    pub welch_p_log: Option<f64>,
    /// Welch p on ln V, Holm-adjusted.
    pub welch_p_log_holm: Option<f64>,
    /// Mann–Whitney p on V.
    pub mann_whitney_p: Option<f64>,
    /// Mann–Whitney p, Holm-adjusted.
    pub mann_whitney_p_holm: Option<f64>,
    /// Mean per-mouse growth rate (per day).
    pub mean_rate: Option<f64>,
    /// invivoSyn mAUCr vs control.
    pub mauc_ratio: Option<f64>,
    /// mRECIST counts CR, PR, SD, PD.
    pub mrecist: [usize; 4],
    /// Mice with a complete regression.
    pub n_complete_regression: usize,
    /// Mice with a partial regression.
    pub n_partial_regression: usize,
    /// Mice with any shrinkage below V₀.
    pub n_any_shrinkage: usize,
    /// Mice that left the study (stated or not) before the day.
    pub n_exited_before: usize,
}

/// Errors of [`efficacy`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EfficacyError {
    /// The control group is not in the study.
    #[error("control group '{control}' not found (groups: {})", .groups.join(", "))]
    NoControl {
        /// Requested control.
        control: String,
        /// Groups present.
        groups: Vec<String>,
    },
    /// No day qualifies.
    #[error("no evaluation day: the control group has no measured day")]
    NoDay,
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 && (a / b).is_finite() => Some(a / b),
        _ => None,
    }
}

/// scipy's `mannwhitneyu(method='auto')` p-value (see [`MannWhitneyRule`]).
fn mw_scipy(x: &[f64], y: &[f64]) -> Option<f64> {
    let r = mannwhitney::mann_whitney(x, y)?;
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    all.sort_by(f64::total_cmp);
    let ties = all.windows(2).any(|w| w[0] == w[1]);
    let (m, n) = (x.len() as f64, y.len() as f64);
    if x.len().min(y.len()) <= 8 && !ties {
        return Some(r.p_two_sided); // exact, as R
    }
    let nn = m + n;
    let mut tie_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1] == all[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        tie_sum += t * t * t - t;
        i = j + 1;
    }
    let sd = (m * n / 12.0 * ((nn + 1.0) - tie_sum / (nn * (nn - 1.0)))).sqrt();
    if !(sd > 0.0) {
        return Some(1.0);
    }
    let z = ((r.u - m * n / 2.0).abs() - 0.5) / sd;
    Some((2.0 * dist::normal_sf(z)).min(1.0))
}

fn holm_opt(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let raw: Vec<f64> = p.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
    adjust::holm(&raw)
        .into_iter()
        .map(|x| (!x.is_nan()).then_some(x))
        .collect()
}

/// Efficacy of every group against the control at one day (study group
/// order, control first as it appears). `metrics` are the per-mouse metrics
/// of the same study ([`all_mouse_metrics`](super::mouse::all_mouse_metrics)).
pub fn efficacy(
    study: &Study,
    metrics: &[MouseMetrics],
    opts: &EfficacyOptions,
) -> Result<Vec<GroupEfficacy>, EfficacyError> {
    let control = &opts.control;
    if !study.groups.contains(control) {
        return Err(EfficacyError::NoControl {
            control: control.clone(),
            groups: study.groups.clone(),
        });
    }
    let day = match opts.day {
        Some(d) => d,
        None => study
            .evaluation_day(control, opts.eval_fraction)
            .ok_or(EfficacyError::NoDay)?,
    };
    struct G {
        v: Vec<f64>,
        dv: Vec<f64>,
        rtv: Vec<f64>,
        v0: Vec<f64>,
        n_mice: usize,
    }
    let collect = |g: &str| {
        let mut o = G {
            v: vec![],
            dv: vec![],
            rtv: vec![],
            v0: vec![],
            n_mice: 0,
        };
        for m in study.group_mice(g) {
            o.n_mice += 1;
            let Some(v0) = m.v0() else { continue };
            o.v0.push(v0);
            if let Some(v) = m.at(day) {
                o.v.push(v);
                o.dv.push(v - v0);
                if v0 > 0.0 {
                    o.rtv.push(v / v0);
                }
            }
        }
        o
    };
    let c = collect(control);
    let c_mean = desc::mean(&c.v);
    let c_median = desc::median(&c.v);
    let c_delta = desc::mean(&c.dv);
    let c_rtv = desc::mean(&c.rtv);
    let c_dgm = c_mean.zip(desc::mean(&c.v0)).map(|(a, b)| a - b);
    let off = opts.log_offset;
    let c_log: Option<Vec<f64>> =
        c.v.iter()
            .all(|&x| x + off > 0.0)
            .then(|| c.v.iter().map(|x| (x + off).ln()).collect());
    let c_auc: Vec<f64> = metrics
        .iter()
        .filter(|m| &m.group == control)
        .filter_map(|m| m.auc_rate)
        .collect();
    let exits = study.exits();
    let mut rows = Vec::new();
    for g in &study.groups {
        let t = collect(g);
        let is_control = g == control;
        let mean = desc::mean(&t.v);
        let mean_v0 = desc::mean(&t.v0);
        let s = desc::Summary::of(&t.v);
        let mm: Vec<&MouseMetrics> = metrics.iter().filter(|m| &m.group == g).collect();
        let rates: Vec<f64> = mm.iter().filter_map(|m| m.growth_rate).collect();
        let mut mrecist = [0usize; 4];
        for m in &mm {
            match m.mrecist {
                Some(Mrecist::CR) => mrecist[0] += 1,
                Some(Mrecist::PR) => mrecist[1] += 1,
                Some(Mrecist::SD) => mrecist[2] += 1,
                Some(Mrecist::PD) => mrecist[3] += 1,
                None => {}
            }
        }
        let dt = mean.zip(mean_v0).map(|(a, b)| a - b);
        let dt_dc = ratio(dt, c_dgm);
        let (welch, welch_log, mw, mauc) = if is_control {
            (None, None, None, None)
        } else {
            let w = ttest::welch(&t.v, &c.v);
            let wl = c_log.as_ref().and_then(|cl| {
                t.v.iter()
                    .all(|&x| x + off > 0.0)
                    .then(|| t.v.iter().map(|x| (x + off).ln()).collect::<Vec<f64>>())
                    .and_then(|tl| ttest::welch(&tl, cl))
            });
            let mw = match opts.mann_whitney {
                MannWhitneyRule::R => mannwhitney::mann_whitney(&t.v, &c.v).map(|r| r.p_two_sided),
                MannWhitneyRule::Scipy => mw_scipy(&t.v, &c.v),
            };
            let mut pairs = Vec::new();
            for a in mm.iter().filter_map(|m| m.auc_rate) {
                for &b in &c_auc {
                    if b != 0.0 {
                        pairs.push(a / b);
                    }
                }
            }
            (w, wl, mw, desc::median(&pairs))
        };
        rows.push(GroupEfficacy {
            group: g.clone(),
            is_control,
            day,
            n_mice: t.n_mice,
            n: t.v.len(),
            n_control: c.v.len(),
            mean,
            sd: s.sd,
            sem: s.sem,
            median: s.median,
            mean_v0,
            tgi_deltatv_pct: ratio(desc::mean(&t.dv), c_delta).map(|r| 100.0 * (1.0 - r)),
            tgi_rtv_pct: ratio(desc::mean(&t.rtv), c_rtv).map(|r| 100.0 * (1.0 - r)),
            tgi_groupmeans_pct: dt_dc.map(|r| 100.0 * (1.0 - r)),
            dt_over_dc_pct: dt_dc.map(|r| 100.0 * r),
            tc_mean_pct: ratio(mean, c_mean).map(|r| 100.0 * r),
            tc_median_pct: ratio(s.median, c_median).map(|r| 100.0 * r),
            reduction_pct: ratio(mean, c_mean).map(|r| 100.0 * (1.0 - r)),
            fold_reduction: ratio(c_mean, mean),
            regression_pct: dt
                .filter(|&d| d < 0.0)
                .and_then(|d| ratio(Some(d), mean_v0))
                .map(|r| 100.0 * r),
            welch_t: welch.map(|w| w.t),
            welch_p: welch.map(|w| w.p_two_sided),
            welch_p_holm: None,
            welch_t_log: welch_log.map(|w| w.t),
            welch_p_log: welch_log.map(|w| w.p_two_sided),
            welch_p_log_holm: None,
            mann_whitney_p: mw,
            mann_whitney_p_holm: None,
            mean_rate: desc::mean(&rates),
            mauc_ratio: mauc,
            mrecist,
            n_complete_regression: mm
                .iter()
                .filter(|m| m.regression == Regression::Complete)
                .count(),
            n_partial_regression: mm
                .iter()
                .filter(|m| m.regression == Regression::Partial)
                .count(),
            n_any_shrinkage: mm.iter().filter(|m| m.any_shrinkage).count(),
            n_exited_before: exits
                .iter()
                .filter(|e| &e.group == g && e.day < day)
                .count(),
        });
    }
    let treated: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].is_control).collect();
    let adj = |f: &dyn Fn(&GroupEfficacy) -> Option<f64>| {
        holm_opt(&treated.iter().map(|&i| f(&rows[i])).collect::<Vec<_>>())
    };
    let a = adj(&|r| r.welch_p);
    let b = adj(&|r| r.welch_p_log);
    let c3 = adj(&|r| r.mann_whitney_p);
    for (k, &i) in treated.iter().enumerate() {
        rows[i].welch_p_holm = a[k];
        rows[i].welch_p_log_holm = b[k];
        rows[i].mann_whitney_p_holm = c3[k];
    }
    Ok(rows)
}
