//! PDX engraftment: % human CD45⁺ cells over time per mouse and group, time
//! to an engraftment threshold, area under the engraftment curve, end-of-study
//! bone-marrow / spleen burden and group comparisons against the control.
//!
//! # Input
//! One row per mouse × day × tissue ([`RawRow`]): `mouse` (animal id),
//! `group`, `day`, `tissue` (`blood`, `bone_marrow` or `spleen`; see
//! [`Tissue::parse`] for the accepted spellings) and either
//! * `hcd45_pct`: % hCD45⁺ of all CD45⁺ cells, 0–100; or
//! * the event counts `hcd45`, `mcd45` (hCD45⁺ mCD45⁻ and mCD45⁺ hCD45⁻
//!   events): `% = 100·h/(h + m)`, and the counts are kept for a binomial
//!   (Wilson) interval of that one measurement. When both are given the
//!   counts win (the percentage is recomputed from them).
//!
//! **The flow engine's summary** (`preclin markers --engraftment pdx.csv`,
//! `preclin_flow::markers`) has the columns
//! `sample,human,mouse,double_positive,events,percent_human`. It is read as
//! counts: `human` → `hcd45`, `mouse` → `mcd45` (there `mouse` means *mouse
//! CD45 events*, not the animal), `percent_human` is recomputed from the
//! counts, `double_positive` and `events` are not used (double positives,
//! usually doublets, are left out of the denominator as the flow engine does).
//! The study design is not in that file: the CLI takes it from the added
//! columns `animal` (or `mouse_id`), `group`, `day`, `tissue`, or from a
//! sample sheet `sample,mouse,group,day,tissue` joined on `sample`.
//!
//! Rules checked by [`validate`], every error naming the line: % outside
//! 0–100, negative or non-integer counts, `h + m = 0`, a row with neither a
//! percentage nor both counts, an unknown tissue, an empty mouse or group, a
//! non-finite day, a mouse in two groups, and a repeated (mouse, day, tissue).
//!
//! # Method
//! * **Series**: per mouse × tissue, the observations sorted by day.
//! * **Group × day × tissue summaries** of % hCD45: n, mean, SD, SEM,
//!   median, min, max ([`preclin_stats::desc`]).
//! * **Wilson interval** of one count-based measurement (Wilson 1927;
//!   Agresti & Coull 1998, *Am Stat* 52:119): with `p̂ = h/n`, `n = h + m`,
//!   `z = Φ⁻¹(0.975)`:
//!   `(p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)`, ×100.
//! * **AUC** per mouse (tissue chosen by [`EngraftmentOptions::tissue`],
//!   blood by default): trapezoid rule over the observed days,
//!   `AUC = Σ (t_{i+1} − t_i)(y_i + y_{i+1})/2` in %·days, over the mouse's
//!   own span `[first day, last day]` (reported). `mean_level = AUC / span`
//!   is the time-averaged %, comparable between spans. Mice whose span
//!   differs from the most common span of the study are flagged
//!   `span_differs` (their AUC covers a different window). Fewer than two
//!   observations: no AUC (`None`).
//! * **Time to threshold** per mouse (same tissue): the first observed day
//!   with `% ≥ threshold` (default 1 %) is the event time. With
//!   [`EngraftmentOptions::interpolate`] (off by default) the time is
//!   interpolated linearly between the previous observation (below the
//!   threshold) and that day: `t₀ + (thr − y₀)/(y₁ − y₀)·(t₁ − t₀)`. A mouse
//!   that never reaches the threshold is censored at its last observation
//!   (`event = false`). Already at or above the threshold at the first
//!   observation: the event is at that day, flagged `at_first_observation`
//!   (the true time is earlier: left-censored). These `(time, event)` pairs
//!   are the input of a Kaplan–Meier estimate (TumGrowth's "TFS" mode uses the
//!   same event definition).
//! * **Burden**: per tissue, the value of each mouse on its last observed day
//!   in that tissue (end of study) or on a chosen day
//!   ([`EngraftmentOptions::burden_day`]; mice without that day are left
//!   out; a day on which nothing was measured is an error).
//! * **Comparisons** against the control group, for every day × tissue, for
//!   the AUC (on `mean_level`) and for the burden of each tissue:
//!   - Welch's t test ([`preclin_stats::ttest::welch`]) on
//!     `logit(p) = ln(p/(1 − p))`, `p = %/100`. **0 % and 100 %** have no
//!     logit: `p` is clamped to `[ε, 1 − ε]` with ε =
//!     [`EngraftmentOptions::logit_epsilon`] (default 1e-4, i.e. 0.01 % and
//!     99.99 %), and the comparison is flagged `clamped`. The difference of
//!     mean logits is a log odds ratio (`odds_ratio = e^diff`, with the CI).
//!   - Mann–Whitney ([`preclin_stats::mannwhitney`]) on the % values
//!     themselves (rank-based: no transform needed), with the Hodges–Lehmann
//!     shift in percentage points.
//!   - Each test's p-values are Holm-adjusted ([`preclin_stats::adjust::holm`])
//!     over the treated groups within one endpoint (one day × tissue, the
//!     AUC, one burden tissue).

use std::collections::BTreeMap;

use preclin_stats::{adjust, desc, dist, mannwhitney, ttest};
use serde::Serialize;

/// Errors of [`validate`] and [`analyse`]; row errors give the 1-based line
/// of the input (the CLI adds the file and column).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngraftmentError {
    /// A percentage outside 0–100 (or not finite).
    #[error("line {line}, column 'hcd45_pct': {value} is not a percentage (0–100)")]
    PercentOutOfRange {
        /// 1-based line.
        line: usize,
        /// The value.
        value: f64,
    },
    /// A negative, non-integer or non-finite event count.
    #[error("line {line}, column '{column}': {value} is not an event count (a whole number ≥ 0)")]
    BadCount {
        /// 1-based line.
        line: usize,
        /// `hcd45` or `mcd45`.
        column: &'static str,
        /// The value.
        value: f64,
    },
    /// `hcd45 + mcd45 = 0`: no CD45⁺ events, no percentage.
    #[error("line {line}: hcd45 + mcd45 = 0 (no CD45+ events), the percentage does not exist")]
    NoEvents {
        /// 1-based line.
        line: usize,
    },
    /// Neither `hcd45_pct` nor both counts.
    #[error("line {line}: no value (give hcd45_pct, or both hcd45 and mcd45)")]
    MissingValue {
        /// 1-based line.
        line: usize,
    },
    /// An empty mouse or group.
    #[error("line {line}: empty '{column}'")]
    Empty {
        /// 1-based line.
        line: usize,
        /// Column.
        column: &'static str,
    },
    /// A day that is not finite.
    #[error("line {line}, column 'day': {value} is not a finite day")]
    BadDay {
        /// 1-based line.
        line: usize,
        /// The value.
        value: f64,
    },
    /// A tissue that is not blood / bone marrow / spleen.
    #[error(
        "line {line}, column 'tissue': unknown tissue '{value}' (expected blood, bone_marrow or spleen)"
    )]
    UnknownTissue {
        /// 1-based line.
        line: usize,
        /// The text.
        value: String,
    },
    /// The same mouse appears in two groups.
    #[error(
        "line {line}: mouse '{mouse}' is in group '{group}' but was in group '{first_group}' on line {first_line}"
    )]
    MouseInTwoGroups {
        /// 1-based line.
        line: usize,
        /// Mouse.
        mouse: String,
        /// Group on this line.
        group: String,
        /// Group first seen.
        first_group: String,
        /// Line where it was first seen.
        first_line: usize,
    },
    /// The same mouse, day and tissue twice.
    #[error("line {line}: mouse '{mouse}', day {day}, tissue {tissue} repeats line {first_line}")]
    Duplicate {
        /// 1-based line.
        line: usize,
        /// Mouse.
        mouse: String,
        /// Day.
        day: f64,
        /// Tissue name.
        tissue: &'static str,
        /// The first line.
        first_line: usize,
    },
    /// The control group is absent.
    #[error("control group '{control}' not found (groups: {})", .available.join(", "))]
    ControlMissing {
        /// Control.
        control: String,
        /// Groups present.
        available: Vec<String>,
    },
    /// A bad option.
    #[error("{0}")]
    BadOption(String),
}

/// Tissue of an engraftment measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tissue {
    /// Peripheral blood.
    Blood,
    /// Bone marrow.
    BoneMarrow,
    /// Spleen.
    Spleen,
}

impl Tissue {
    /// Parses a tissue name, ignoring ASCII case and `_`/`-`/space:
    /// `blood`, `pb`, `peripheral blood`; `bone_marrow`, `bm`, `marrow`;
    /// `spleen`, `spl`.
    pub fn parse(s: &str) -> Option<Tissue> {
        let k: String = s
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match k.as_str() {
            "blood" | "pb" | "peripheralblood" => Some(Tissue::Blood),
            "bonemarrow" | "bm" | "marrow" => Some(Tissue::BoneMarrow),
            "spleen" | "spl" => Some(Tissue::Spleen),
            _ => None,
        }
    }

    /// Name in outputs: `blood`, `bone_marrow`, `spleen`.
    pub fn name(self) -> &'static str {
        match self {
            Tissue::Blood => "blood",
            Tissue::BoneMarrow => "bone_marrow",
            Tissue::Spleen => "spleen",
        }
    }
}

/// One input row as read from a table (numbers already parsed; the tissue
/// still text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawRow {
    /// 1-based line in the input.
    pub line: usize,
    /// Animal id.
    pub mouse: String,
    /// Treatment group.
    pub group: String,
    /// Day (days since transplant or treatment start, as in the file).
    pub day: f64,
    /// Tissue text.
    pub tissue: String,
    /// % hCD45⁺ of CD45⁺, if given.
    pub hcd45_pct: Option<f64>,
    /// hCD45⁺ events, if given.
    pub hcd45: Option<f64>,
    /// mCD45⁺ events, if given.
    pub mcd45: Option<f64>,
}

/// One validated measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// 1-based line in the input.
    pub line: usize,
    /// Animal id.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day.
    pub day: f64,
    /// Tissue.
    pub tissue: Tissue,
    /// % hCD45⁺ of hCD45⁺ + mCD45⁺ (0–100).
    pub percent: f64,
    /// hCD45⁺ events (count input only).
    pub human_events: Option<u64>,
    /// mCD45⁺ events (count input only).
    pub mouse_events: Option<u64>,
    /// Lower Wilson 95 % limit of the percentage (count input only).
    pub ci_lower: Option<f64>,
    /// Upper Wilson 95 % limit (count input only).
    pub ci_upper: Option<f64>,
}

/// Wilson score 95 % interval, in %, for `h` successes of `n` (see the
/// module docs); `None` for `n = 0`.
pub fn wilson_percent(h: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || h > n {
        return None;
    }
    let z = dist::normal_quantile(0.975);
    let nf = n as f64;
    let p = h as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Some((
        100.0 * (centre - half).max(0.0),
        100.0 * (centre + half).min(1.0),
    ))
}

fn count(line: usize, column: &'static str, v: f64) -> Result<u64, EngraftmentError> {
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9.0e15) {
        return Err(EngraftmentError::BadCount {
            line,
            column,
            value: v,
        });
    }
    Ok(v as u64)
}

/// Checks the rows (see the module docs) and turns them into
/// [`Observation`]s, in input order.
pub fn validate(rows: &[RawRow]) -> Result<Vec<Observation>, EngraftmentError> {
    let mut groups: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    let mut seen: BTreeMap<(&str, u64, Tissue), usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let line = r.line;
        if r.mouse.trim().is_empty() {
            return Err(EngraftmentError::Empty {
                line,
                column: "mouse",
            });
        }
        if r.group.trim().is_empty() {
            return Err(EngraftmentError::Empty {
                line,
                column: "group",
            });
        }
        if !r.day.is_finite() {
            return Err(EngraftmentError::BadDay { line, value: r.day });
        }
        let tissue = Tissue::parse(&r.tissue).ok_or_else(|| EngraftmentError::UnknownTissue {
            line,
            value: r.tissue.clone(),
        })?;
        let (percent, he, me, ci) = match (r.hcd45, r.mcd45) {
            (Some(h), Some(m)) => {
                let h = count(line, "hcd45", h)?;
                let m = count(line, "mcd45", m)?;
                if h + m == 0 {
                    return Err(EngraftmentError::NoEvents { line });
                }
                let p = 100.0 * h as f64 / (h + m) as f64;
                (p, Some(h), Some(m), wilson_percent(h, h + m))
            }
            _ => match r.hcd45_pct {
                Some(p) if p.is_finite() && (0.0..=100.0).contains(&p) => (p, None, None, None),
                Some(p) => return Err(EngraftmentError::PercentOutOfRange { line, value: p }),
                None => {
                    // A lone count is still checked, so that the message
                    // names the real problem.
                    if let Some(h) = r.hcd45 {
                        count(line, "hcd45", h)?;
                    }
                    if let Some(m) = r.mcd45 {
                        count(line, "mcd45", m)?;
                    }
                    return Err(EngraftmentError::MissingValue { line });
                }
            },
        };
        match groups.get(r.mouse.as_str()) {
            Some((g, first_line)) if *g != r.group.as_str() => {
                return Err(EngraftmentError::MouseInTwoGroups {
                    line,
                    mouse: r.mouse.clone(),
                    group: r.group.clone(),
                    first_group: g.to_string(),
                    first_line: *first_line,
                });
            }
            Some(_) => {}
            None => {
                groups.insert(&r.mouse, (&r.group, line));
            }
        }
        // -0.0 and 0.0 are the same day.
        let key = (r.mouse.as_str(), (r.day + 0.0).to_bits(), tissue);
        if let Some(&first_line) = seen.get(&key) {
            return Err(EngraftmentError::Duplicate {
                line,
                mouse: r.mouse.clone(),
                day: r.day,
                tissue: tissue.name(),
                first_line,
            });
        }
        seen.insert(key, line);
        out.push(Observation {
            line,
            mouse: r.mouse.clone(),
            group: r.group.clone(),
            day: r.day,
            tissue,
            percent,
            human_events: he,
            mouse_events: me,
            ci_lower: ci.map(|c| c.0),
            ci_upper: ci.map(|c| c.1),
        });
    }
    Ok(out)
}

/// Options of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngraftmentOptions {
    /// Control group; `None`: no comparisons.
    pub control: Option<String>,
    /// Engraftment threshold in % hCD45 (default 1).
    pub threshold: f64,
    /// Interpolate the time to threshold linearly (default false: the first
    /// observed day at or above the threshold).
    pub interpolate: bool,
    /// Tissue of the AUC and the time to threshold (default blood).
    pub tissue: Tissue,
    /// Day of the burden table; `None`: each mouse's last observed day in
    /// that tissue.
    pub burden_day: Option<f64>,
    /// ε of the logit clamp `[ε, 1 − ε]` (default 1e-4).
    pub logit_epsilon: f64,
}

impl Default for EngraftmentOptions {
    fn default() -> Self {
        EngraftmentOptions {
            control: None,
            threshold: 1.0,
            interpolate: false,
            tissue: Tissue::Blood,
            burden_day: None,
            logit_epsilon: 1e-4,
        }
    }
}

/// Observations of one mouse in one tissue, by day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseSeries {
    /// Mouse.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tissue.
    pub tissue: Tissue,
    /// `(day, %)`, days ascending.
    pub points: Vec<(f64, f64)>,
}

/// A comparison of one group against the control on one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Treated group.
    pub group: String,
    /// Control group.
    pub control: String,
    /// Mice in the group.
    pub n: usize,
    /// Mice in the control.
    pub n_control: usize,
    /// Mean logit(group) − mean logit(control) (a log odds ratio).
    pub logit_diff: Option<f64>,
    /// Lower 95 % limit of `logit_diff` (Welch).
    pub logit_ci_lower: Option<f64>,
    /// Upper 95 % limit of `logit_diff` (Welch).
    pub logit_ci_upper: Option<f64>,
    /// `exp(logit_diff)`: ratio of the geometric-mean odds of being human.
    pub odds_ratio: Option<f64>,
    /// Welch t test p-value on the logits.
    pub welch_p: Option<f64>,
    /// Holm-adjusted `welch_p` over the groups of the endpoint.
    pub welch_p_holm: Option<f64>,
    /// Mann–Whitney p-value on the percentages.
    pub mw_p: Option<f64>,
    /// Holm-adjusted `mw_p`.
    pub mw_p_holm: Option<f64>,
    /// Hodges–Lehmann shift group − control, percentage points.
    pub hodges_lehmann: Option<f64>,
    /// Flags: `clamped` (a 0 % or 100 % value was clamped for the logit),
    /// `too_few` (fewer than 2 mice on a side: no Welch test),
    /// `no_test` (the test is undefined, e.g. constant values).
    pub flags: Vec<String>,
}

/// What a [`GroupSummary`] summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// % hCD45 on one day.
    Day,
    /// The per-mouse time-averaged % (`AucRow::mean_level`).
    AucMeanLevel,
    /// The per-mouse burden (last day or the chosen day).
    Burden,
}

impl Endpoint {
    /// Name in outputs: `day`, `auc_mean_level`, `burden`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Day => "day",
            Endpoint::AucMeanLevel => "auc_mean_level",
            Endpoint::Burden => "burden",
        }
    }
}

/// Summary of one group on one endpoint × tissue (for [`Endpoint::Day`]
/// one day).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// Endpoint.
    pub endpoint: Endpoint,
    /// Group.
    pub group: String,
    /// Tissue.
    pub tissue: Tissue,
    /// Day: the day of a `Day` row; for `Burden` the day when all mice share
    /// it; `None` otherwise.
    pub day: Option<f64>,
    /// Mice.
    pub n: usize,
    /// Mean %.
    pub mean: Option<f64>,
    /// SD of %.
    pub sd: Option<f64>,
    /// SEM of %.
    pub sem: Option<f64>,
    /// Median %.
    pub median: Option<f64>,
    /// Smallest %.
    pub min: Option<f64>,
    /// Largest %.
    pub max: Option<f64>,
    /// Mice at or above the threshold.
    pub n_above_threshold: usize,
    /// Comparison against the control (treated groups, when a control is
    /// given and has values on this endpoint).
    pub comparison: Option<Comparison>,
}

/// AUC of one mouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AucRow {
    /// Mouse.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tissue.
    pub tissue: Tissue,
    /// First day.
    pub first_day: f64,
    /// Last day.
    pub last_day: f64,
    /// Observations.
    pub n_points: usize,
    /// Trapezoid AUC, %·days; `None` with fewer than 2 observations.
    pub auc: Option<f64>,
    /// `auc / (last_day − first_day)`: time-averaged %.
    pub mean_level: Option<f64>,
    /// Flags: `span_differs`, `single_point`.
    pub flags: Vec<String>,
}

/// Time to the engraftment threshold of one mouse (Kaplan–Meier input).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToThreshold {
    /// Mouse.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tissue.
    pub tissue: Tissue,
    /// Event or censoring time, days.
    pub time: f64,
    /// True: threshold reached; false: censored at the last observation.
    pub event: bool,
    /// True when `time` was interpolated.
    pub interpolated: bool,
    /// Flags: `at_first_observation` (left-censored).
    pub flags: Vec<String>,
}

/// One mouse's end-of-study (or chosen-day) value in one tissue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurdenRow {
    /// Mouse.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tissue.
    pub tissue: Tissue,
    /// Day of the value.
    pub day: f64,
    /// % hCD45.
    pub percent: f64,
    /// hCD45⁺ events (count input).
    pub human_events: Option<u64>,
    /// mCD45⁺ events (count input).
    pub mouse_events: Option<u64>,
    /// Lower Wilson 95 % limit (count input).
    pub ci_lower: Option<f64>,
    /// Upper Wilson 95 % limit (count input).
    pub ci_upper: Option<f64>,
}

/// Result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngraftmentResult {
    /// Groups, control first, then in input order.
    pub groups: Vec<String>,
    /// Series per mouse × tissue (tissue, group order, mouse first seen).
    pub series: Vec<MouseSeries>,
    /// Group × day × tissue ([`Endpoint::Day`]; tissue, day, group order).
    pub summaries: Vec<GroupSummary>,
    /// AUC per mouse in [`EngraftmentOptions::tissue`].
    pub auc: Vec<AucRow>,
    /// The most common `(first_day, last_day)` span of the AUCs.
    pub auc_span: Option<(f64, f64)>,
    /// Per group: the AUC `mean_level` ([`Endpoint::AucMeanLevel`]), with
    /// the comparisons against the control.
    pub auc_summaries: Vec<GroupSummary>,
    /// Time to threshold per mouse in [`EngraftmentOptions::tissue`].
    pub time_to_threshold: Vec<TimeToThreshold>,
    /// Burden per tissue × mouse.
    pub burden: Vec<BurdenRow>,
    /// Per tissue × group: the burden ([`Endpoint::Burden`]), with the
    /// comparisons against the control.
    pub burden_summaries: Vec<GroupSummary>,
    /// Options used.
    pub options: EngraftmentOptions,
}

fn logit(pct: f64, eps: f64) -> (f64, bool) {
    let p = pct / 100.0;
    let c = p.clamp(eps, 1.0 - eps);
    ((c / (1.0 - c)).ln(), c != p)
}

/// Compares each group's values (in %, 0–100) with the control's: Welch t on
/// the logits and Mann–Whitney on the percentages, each Holm-adjusted over
/// the groups (see the module docs). `values` are `(group, %)` pairs; groups
/// are compared in the order of `groups` (the control skipped); groups
/// without values are left out.
pub fn compare_with_control(
    values: &[(&str, f64)],
    groups: &[String],
    control: &str,
    eps: f64,
) -> Vec<Comparison> {
    let of = |g: &str| -> Vec<f64> {
        values
            .iter()
            .filter(|(vg, _)| *vg == g)
            .map(|(_, v)| *v)
            .collect()
    };
    let ctl = of(control);
    if ctl.is_empty() {
        return Vec::new();
    }
    let ctl_logit: Vec<(f64, bool)> = ctl.iter().map(|&v| logit(v, eps)).collect();
    let mut out = Vec::new();
    for g in groups.iter().filter(|g| g.as_str() != control) {
        let x = of(g);
        if x.is_empty() {
            continue;
        }
        let xl: Vec<(f64, bool)> = x.iter().map(|&v| logit(v, eps)).collect();
        let mut flags = Vec::new();
        if xl.iter().chain(&ctl_logit).any(|l| l.1) {
            flags.push("clamped".to_string());
        }
        let a: Vec<f64> = xl.iter().map(|l| l.0).collect();
        let b: Vec<f64> = ctl_logit.iter().map(|l| l.0).collect();
        let t = ttest::welch(&a, &b);
        if a.len() < 2 || b.len() < 2 {
            flags.push("too_few".to_string());
        } else if t.is_none() {
            flags.push("no_test".to_string());
        }
        let mw = mannwhitney::mann_whitney(&x, &ctl);
        let fin = |v: f64| v.is_finite().then_some(v);
        out.push(Comparison {
            group: g.clone(),
            control: control.to_string(),
            n: x.len(),
            n_control: ctl.len(),
            logit_diff: t.and_then(|t| fin(t.mean_diff)),
            logit_ci_lower: t.and_then(|t| fin(t.ci_lower)),
            logit_ci_upper: t.and_then(|t| fin(t.ci_upper)),
            odds_ratio: t.and_then(|t| fin(t.mean_diff.exp())),
            welch_p: t.and_then(|t| fin(t.p_two_sided)),
            welch_p_holm: None,
            mw_p: mw.and_then(|m| fin(m.p_two_sided)),
            mw_p_holm: None,
            hodges_lehmann: mw.and_then(|m| fin(m.estimate)),
            flags,
        });
    }
    holm_into(&mut out, |c| c.welch_p, |c, p| c.welch_p_holm = Some(p));
    holm_into(&mut out, |c| c.mw_p, |c, p| c.mw_p_holm = Some(p));
    out
}

fn holm_into(
    rows: &mut [Comparison],
    get: impl Fn(&Comparison) -> Option<f64>,
    set: impl Fn(&mut Comparison, f64),
) {
    let idx: Vec<usize> = (0..rows.len())
        .filter(|&i| get(&rows[i]).is_some())
        .collect();
    let p: Vec<f64> = idx.iter().filter_map(|&i| get(&rows[i])).collect();
    for (k, adj) in adjust::holm(&p).into_iter().enumerate() {
        set(&mut rows[idx[k]], adj);
    }
}

/// Trapezoid AUC of `(t, y)` points sorted by `t`; `None` with fewer than 2.
pub fn trapezoid(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    Some(
        points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum(),
    )
}

/// Time to `threshold` of one series (see the module docs): `(time, event,
/// interpolated, at_first_observation)`; `None` for an empty series.
pub fn time_to_threshold(
    points: &[(f64, f64)],
    threshold: f64,
    interpolate: bool,
) -> Option<(f64, bool, bool, bool)> {
    let last = points.last()?;
    for (i, &(t, y)) in points.iter().enumerate() {
        if y >= threshold {
            if i == 0 {
                return Some((t, true, false, true));
            }
            if interpolate {
                let (t0, y0) = points[i - 1];
                let ti = t0 + (threshold - y0) / (y - y0) * (t - t0);
                if ti.is_finite() {
                    return Some((ti, true, true, false));
                }
            }
            return Some((t, true, false, false));
        }
    }
    Some((last.0, false, false, false))
}

/// Group summaries of `(group, %)` values on one endpoint, with the
/// comparisons against the control when one is set (groups in `groups`
/// order; groups without values are left out).
fn summarise(
    endpoint: Endpoint,
    tissue: Tissue,
    day: Option<f64>,
    values: &[(&str, f64)],
    groups: &[String],
    opts: &EngraftmentOptions,
) -> Vec<GroupSummary> {
    let mut cmp = match &opts.control {
        Some(c) => compare_with_control(values, groups, c, opts.logit_epsilon),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for g in groups {
        let v: Vec<f64> = values
            .iter()
            .filter(|(x, _)| x == g)
            .map(|(_, v)| *v)
            .collect();
        if v.is_empty() {
            continue;
        }
        let s = desc::Summary::of(&v);
        let comparison = cmp
            .iter()
            .position(|c| &c.group == g)
            .map(|i| cmp.remove(i));
        out.push(GroupSummary {
            endpoint,
            group: g.clone(),
            tissue,
            day,
            n: s.n,
            mean: s.mean,
            sd: s.sd,
            sem: s.sem,
            median: s.median,
            min: s.min,
            max: s.max,
            n_above_threshold: v.iter().filter(|&&x| x >= opts.threshold).count(),
            comparison,
        });
    }
    out
}

/// All engraftment analyses of validated observations (see the module docs).
pub fn analyse(
    obs: &[Observation],
    opts: &EngraftmentOptions,
) -> Result<EngraftmentResult, EngraftmentError> {
    if !(opts.threshold.is_finite() && opts.threshold > 0.0 && opts.threshold <= 100.0) {
        return Err(EngraftmentError::BadOption(format!(
            "the threshold must be in (0, 100] % hCD45, got {}",
            opts.threshold
        )));
    }
    if !(opts.logit_epsilon > 0.0 && opts.logit_epsilon < 0.5) {
        return Err(EngraftmentError::BadOption(format!(
            "the logit epsilon must be in (0, 0.5), got {}",
            opts.logit_epsilon
        )));
    }
    if let Some(d) = opts.burden_day {
        if !d.is_finite() {
            return Err(EngraftmentError::BadOption(format!(
                "the burden day must be finite, got {d}"
            )));
        }
        if !obs.iter().any(|o| o.day == d) {
            return Err(EngraftmentError::BadOption(format!(
                "burden day {d}: no measurement on that day"
            )));
        }
    }
    let mut groups: Vec<String> = Vec::new();
    for o in obs {
        if !groups.contains(&o.group) {
            groups.push(o.group.clone());
        }
    }
    if let Some(c) = &opts.control {
        if !groups.contains(c) {
            return Err(EngraftmentError::ControlMissing {
                control: c.clone(),
                available: groups,
            });
        }
        groups.retain(|g| g != c);
        groups.insert(0, c.clone());
    }
    let gpos = |g: &str| groups.iter().position(|x| x == g).unwrap_or(usize::MAX);
    let mut tissues: Vec<Tissue> = obs.iter().map(|o| o.tissue).collect();
    tissues.sort();
    tissues.dedup();
    // Series: by tissue, group order, mouse first seen.
    let mut mice: Vec<(&str, &str)> = Vec::new();
    for o in obs {
        if !mice.iter().any(|(m, _)| *m == o.mouse) {
            mice.push((&o.mouse, &o.group));
        }
    }
    mice.sort_by_key(|(_, g)| gpos(g));
    let mut series = Vec::new();
    for &t in &tissues {
        for &(m, g) in &mice {
            let mut pts: Vec<&Observation> = obs
                .iter()
                .filter(|o| o.tissue == t && o.mouse == m)
                .collect();
            if pts.is_empty() {
                continue;
            }
            pts.sort_by(|a, b| a.day.total_cmp(&b.day));
            series.push((
                MouseSeries {
                    mouse: m.to_string(),
                    group: g.to_string(),
                    tissue: t,
                    points: pts.iter().map(|o| (o.day, o.percent)).collect(),
                },
                pts,
            ));
        }
    }
    // Group × day × tissue.
    let mut summaries = Vec::new();
    for &t in &tissues {
        let mut days: Vec<f64> = obs
            .iter()
            .filter(|o| o.tissue == t)
            .map(|o| o.day + 0.0)
            .collect();
        days.sort_by(f64::total_cmp);
        days.dedup();
        for &d in &days {
            let at: Vec<(&str, f64)> = obs
                .iter()
                .filter(|o| o.tissue == t && o.day == d)
                .map(|o| (o.group.as_str(), o.percent))
                .collect();
            summaries.extend(summarise(Endpoint::Day, t, Some(d), &at, &groups, opts));
        }
    }
    // AUC and time to threshold in the chosen tissue.
    let mut auc = Vec::new();
    let mut ttt = Vec::new();
    for (s, _) in series.iter().filter(|(s, _)| s.tissue == opts.tissue) {
        let (first, last) = (s.points[0].0, s.points[s.points.len() - 1].0);
        let a = trapezoid(&s.points);
        let span = last - first;
        let mut flags = Vec::new();
        if s.points.len() < 2 {
            flags.push("single_point".to_string());
        }
        auc.push(AucRow {
            mouse: s.mouse.clone(),
            group: s.group.clone(),
            tissue: s.tissue,
            first_day: first,
            last_day: last,
            n_points: s.points.len(),
            auc: a,
            mean_level: a.filter(|_| span > 0.0).map(|a| a / span),
            flags,
        });
        if let Some((time, event, interpolated, first_obs)) =
            time_to_threshold(&s.points, opts.threshold, opts.interpolate)
        {
            ttt.push(TimeToThreshold {
                mouse: s.mouse.clone(),
                group: s.group.clone(),
                tissue: s.tissue,
                time,
                event,
                interpolated,
                flags: if first_obs {
                    vec!["at_first_observation".to_string()]
                } else {
                    Vec::new()
                },
            });
        }
    }
    // Most common span (ties: the earliest first day, then the latest last day).
    let mut spans: Vec<((f64, f64), usize)> = Vec::new();
    for r in auc.iter().filter(|r| r.auc.is_some()) {
        match spans
            .iter_mut()
            .find(|(s, _)| s.0 == r.first_day && s.1 == r.last_day)
        {
            Some(e) => e.1 += 1,
            None => spans.push(((r.first_day, r.last_day), 1)),
        }
    }
    let auc_span = spans
        .iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(b.0.0.total_cmp(&a.0.0))
                .then(a.0.1.total_cmp(&b.0.1))
        })
        .map(|s| s.0);
    if let Some(sp) = auc_span {
        for r in auc.iter_mut().filter(|r| r.auc.is_some()) {
            if r.first_day != sp.0 || r.last_day != sp.1 {
                r.flags.push("span_differs".to_string());
            }
        }
    }
    let auc_values: Vec<(&str, f64)> = auc
        .iter()
        .filter_map(|r| {
            r.mean_level
                .map(|m| (r.group.as_str(), m.clamp(0.0, 100.0)))
        })
        .collect();
    let auc_summaries = summarise(
        Endpoint::AucMeanLevel,
        opts.tissue,
        None,
        &auc_values,
        &groups,
        opts,
    );
    // Burden.
    let mut burden = Vec::new();
    let mut burden_summaries = Vec::new();
    for &t in &tissues {
        let start = burden.len();
        for (s, pts) in series.iter().filter(|(s, _)| s.tissue == t) {
            let o = match opts.burden_day {
                Some(d) => pts.iter().find(|o| o.day == d),
                None => pts.last(),
            };
            if let Some(o) = o {
                burden.push(BurdenRow {
                    mouse: s.mouse.clone(),
                    group: s.group.clone(),
                    tissue: t,
                    day: o.day,
                    percent: o.percent,
                    human_events: o.human_events,
                    mouse_events: o.mouse_events,
                    ci_lower: o.ci_lower,
                    ci_upper: o.ci_upper,
                });
            }
        }
        let rows = &burden[start..];
        let v: Vec<(&str, f64)> = rows.iter().map(|b| (b.group.as_str(), b.percent)).collect();
        let mut sums = summarise(Endpoint::Burden, t, None, &v, &groups, opts);
        for s in &mut sums {
            let mut days = rows.iter().filter(|b| b.group == s.group).map(|b| b.day);
            let first = days.next();
            if days.all(|d| Some(d) == first) {
                s.day = first;
            }
        }
        burden_summaries.extend(sums);
    }
    Ok(EngraftmentResult {
        groups,
        series: series.into_iter().map(|(s, _)| s).collect(),
        summaries,
        auc,
        auc_span,
        auc_summaries,
        time_to_threshold: ttt,
        burden,
        burden_summaries,
        options: opts.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(line: usize, mouse: &str, group: &str, day: f64, tissue: &str, pct: f64) -> RawRow {
        RawRow {
            line,
            mouse: mouse.into(),
            group: group.into(),
            day,
            tissue: tissue.into(),
            hcd45_pct: Some(pct),
            hcd45: None,
            mcd45: None,
        }
    }

    #[test]
    fn tissue_names() {
        assert_eq!(Tissue::parse("Bone Marrow"), Some(Tissue::BoneMarrow));
        assert_eq!(Tissue::parse("BM"), Some(Tissue::BoneMarrow));
        assert_eq!(Tissue::parse("PB"), Some(Tissue::Blood));
        assert_eq!(Tissue::parse("spleen"), Some(Tissue::Spleen));
        assert_eq!(Tissue::parse("liver"), None);
    }

    #[test]
    fn wilson_matches_reference() {
        // Wilson interval for 7/20: centre = (0.35 + z²/40)/(1 + z²/20)
        // = 0.374169, half = z·sqrt(0.35·0.65/20 + z²/1600)/(1 + z²/20)
        // = 0.192977 (Python 3 float arithmetic, z = 1.959963984540054), i.e.
        // 18.119182 – 56.714572 %; statsmodels' proportion_confint(7, 20,
        // method="wilson") gives the same formula.
        let (lo, hi) = wilson_percent(7, 20).unwrap();
        assert!((lo - 18.119182410108206).abs() < 1e-9, "{lo}");
        assert!((hi - 56.714572331476376).abs() < 1e-9, "{hi}");
        let (lo, hi) = wilson_percent(0, 50).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 10.0);
        assert!(wilson_percent(0, 0).is_none());
    }

    #[test]
    fn counts_to_percent_and_errors_name_the_line() {
        let mut r = raw(2, "m1", "veh", 7.0, "blood", f64::NAN);
        r.hcd45_pct = None;
        r.hcd45 = Some(30.0);
        r.mcd45 = Some(70.0);
        let o = validate(std::slice::from_ref(&r)).unwrap();
        assert!((o[0].percent - 30.0).abs() < 1e-12);
        assert!(o[0].ci_lower.unwrap() < 30.0 && o[0].ci_upper.unwrap() > 30.0);
        r.hcd45 = Some(0.0);
        r.mcd45 = Some(0.0);
        assert_eq!(
            validate(std::slice::from_ref(&r)).unwrap_err(),
            EngraftmentError::NoEvents { line: 2 }
        );
        r.mcd45 = Some(-1.0);
        assert!(matches!(
            validate(std::slice::from_ref(&r)).unwrap_err(),
            EngraftmentError::BadCount {
                line: 2,
                column: "mcd45",
                ..
            }
        ));
        let e = validate(&[raw(5, "m1", "veh", 7.0, "blood", 101.0)]).unwrap_err();
        assert_eq!(
            e,
            EngraftmentError::PercentOutOfRange {
                line: 5,
                value: 101.0
            }
        );
        assert!(e.to_string().starts_with("line 5"));
        let e = validate(&[raw(3, "m1", "veh", 7.0, "liver", 1.0)]).unwrap_err();
        assert!(matches!(e, EngraftmentError::UnknownTissue { line: 3, .. }));
        let e = validate(&[
            raw(2, "m1", "veh", 7.0, "blood", 1.0),
            raw(3, "m1", "drug", 14.0, "blood", 1.0),
        ])
        .unwrap_err();
        assert!(matches!(
            e,
            EngraftmentError::MouseInTwoGroups {
                line: 3,
                first_line: 2,
                ..
            }
        ));
        let e = validate(&[
            raw(2, "m1", "veh", 7.0, "blood", 1.0),
            raw(3, "m1", "veh", 7.0, "bone_marrow", 1.0),
            raw(4, "m1", "veh", 7.0, "PB", 2.0),
        ])
        .unwrap_err();
        assert!(matches!(
            e,
            EngraftmentError::Duplicate {
                line: 4,
                first_line: 2,
                ..
            }
        ));
        let mut r = raw(9, "m1", "veh", 7.0, "blood", 1.0);
        r.hcd45_pct = None;
        assert_eq!(
            validate(&[r]).unwrap_err(),
            EngraftmentError::MissingValue { line: 9 }
        );
    }

    #[test]
    fn trapezoid_and_threshold() {
        let pts = [(0.0, 0.0), (7.0, 0.5), (14.0, 2.0), (21.0, 8.0)];
        // 7·0.25 + 7·1.25 + 7·5 = 45.5
        assert!((trapezoid(&pts).unwrap() - 45.5).abs() < 1e-12);
        assert_eq!(
            time_to_threshold(&pts, 1.0, false),
            Some((14.0, true, false, false))
        );
        let (t, e, i, _) = time_to_threshold(&pts, 1.0, true).unwrap();
        // 7 + (1 − 0.5)/(2 − 0.5)·7 = 9.333…
        assert!((t - 28.0 / 3.0).abs() < 1e-12 && e && i);
        assert_eq!(
            time_to_threshold(&pts, 10.0, false),
            Some((21.0, false, false, false))
        );
        assert_eq!(
            time_to_threshold(&[(3.0, 5.0), (7.0, 9.0)], 1.0, true),
            Some((3.0, true, false, true))
        );
        assert!(trapezoid(&pts[..1]).is_none());
    }

    #[test]
    fn analysis_summaries_auc_burden_and_comparisons() {
        let mut rows = Vec::new();
        let mut line = 2;
        for (g, scale) in [("drug", 0.1), ("veh", 1.0)] {
            for m in 0..4 {
                let id = format!("{g}{m}");
                for (k, d) in [0.0, 14.0, 28.0].iter().enumerate() {
                    let v = scale * (0.5 + m as f64) * (k as f64 * 4.0 + 0.1);
                    rows.push(raw(line, &id, g, *d, "blood", v.min(100.0)));
                    line += 1;
                }
                rows.push(raw(
                    line,
                    &id,
                    g,
                    28.0,
                    "bone_marrow",
                    scale * 60.0 + m as f64,
                ));
                line += 1;
            }
        }
        let obs = validate(&rows).unwrap();
        let opts = EngraftmentOptions {
            control: Some("veh".into()),
            ..EngraftmentOptions::default()
        };
        let r = analyse(&obs, &opts).unwrap();
        assert_eq!(r.groups, vec!["veh", "drug"]);
        // 3 blood days × 2 groups + 1 marrow day × 2 groups.
        assert_eq!(r.summaries.len(), 8);
        let s = &r.summaries[0];
        assert_eq!(
            (s.group.as_str(), s.tissue, s.day, s.n),
            ("veh", Tissue::Blood, Some(0.0), 4)
        );
        assert!(s.comparison.is_none());
        let d28 = r
            .summaries
            .iter()
            .find(|s| s.group == "drug" && s.day == Some(28.0) && s.tissue == Tissue::Blood)
            .unwrap();
        let c = d28.comparison.as_ref().unwrap();
        assert!(c.logit_diff.unwrap() < 0.0 && c.odds_ratio.unwrap() < 1.0);
        assert_eq!(c.welch_p, c.welch_p_holm, "one comparison: Holm = raw");
        // Exact Mann–Whitney, complete separation 4 vs 4: p = 2/70.
        assert!((c.mw_p.unwrap() - 2.0 / 70.0).abs() < 1e-12);
        assert_eq!(r.auc.len(), 8);
        assert_eq!(r.auc_span, Some((0.0, 28.0)));
        let a = &r.auc[0];
        assert_eq!(a.mouse, "veh0");
        // veh0: 0.05, 2.05, 4.05 → 14·(2.1/2) + 14·(6.1/2) = 57.4.
        assert!((a.auc.unwrap() - 57.4).abs() < 1e-9);
        assert!((a.mean_level.unwrap() - 57.4 / 28.0).abs() < 1e-12);
        assert_eq!(r.auc_summaries.len(), 2);
        assert!(r.auc_summaries[1].comparison.is_some());
        assert_eq!(r.time_to_threshold.len(), 8);
        // veh0 reaches 1 % on day 14; drug0 (0.005, 0.205, 0.405) never: censored at 28.
        let t0 = &r.time_to_threshold[0];
        assert_eq!((t0.time, t0.event), (14.0, true));
        let d0 = r
            .time_to_threshold
            .iter()
            .find(|t| t.mouse == "drug0")
            .unwrap();
        assert_eq!((d0.time, d0.event), (28.0, false));
        // Burden: blood (8) + marrow (8), last day.
        assert_eq!(r.burden.len(), 16);
        assert!(r.burden.iter().all(|b| b.day == 28.0));
        assert_eq!(r.burden_summaries.len(), 4);
        assert_eq!(r.burden_summaries[0].day, Some(28.0));
        // A chosen day without data for marrow leaves it empty.
        let r2 = analyse(
            &obs,
            &EngraftmentOptions {
                burden_day: Some(14.0),
                ..opts.clone()
            },
        )
        .unwrap();
        assert!(
            r2.burden
                .iter()
                .all(|b| b.tissue == Tissue::Blood && b.day == 14.0)
        );
        // Unknown control.
        let e = analyse(
            &obs,
            &EngraftmentOptions {
                control: Some("saline".into()),
                ..opts
            },
        )
        .unwrap_err();
        assert!(matches!(e, EngraftmentError::ControlMissing { .. }));
    }

    #[test]
    fn zero_percent_is_clamped_and_flagged() {
        let v = [
            ("veh", 0.0),
            ("veh", 2.0),
            ("veh", 3.0),
            ("d", 0.0),
            ("d", 0.0),
            ("d", 0.5),
        ];
        let groups = vec!["veh".to_string(), "d".to_string()];
        let c = compare_with_control(&v, &groups, "veh", 1e-4);
        assert_eq!(c.len(), 1);
        assert!(c[0].flags.contains(&"clamped".to_string()));
        assert!(c[0].logit_diff.unwrap().is_finite());
    }

    #[test]
    fn span_differs_is_flagged() {
        let rows = vec![
            raw(2, "a", "g", 0.0, "blood", 1.0),
            raw(3, "a", "g", 10.0, "blood", 2.0),
            raw(4, "b", "g", 0.0, "blood", 1.0),
            raw(5, "b", "g", 10.0, "blood", 2.0),
            raw(6, "c", "g", 0.0, "blood", 1.0),
            raw(7, "c", "g", 7.0, "blood", 2.0),
        ];
        let r = analyse(&validate(&rows).unwrap(), &EngraftmentOptions::default()).unwrap();
        assert_eq!(r.auc_span, Some((0.0, 10.0)));
        assert!(r.auc[2].flags.contains(&"span_differs".to_string()));
        assert!(r.auc[0].flags.is_empty());
        assert!(r.auc_summaries[0].comparison.is_none());
    }
}
