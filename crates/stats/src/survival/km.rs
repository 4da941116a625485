//! Kaplan–Meier estimator with Greenwood variance, pointwise confidence
//! bands and median survival with its confidence interval, following R
//! `survival::survfit` (Therneau, survival 3.8: `survfit.formula`,
//! `quantile.survfit`).
//!
//! # Formulas
//! At each distinct time `t_j` with `n_j` at risk (follow-up `≥ t_j`), `d_j`
//! events and `c_j` censorings:
//! - `S(t_j) = Π_{i≤j} (1 − d_i/n_i)` (Kaplan & Meier 1958);
//! - Greenwood: `se(log S)² = Σ_{i≤j} d_i / (n_i (n_i − d_i))`, `se(S) =
//!   S·se(log S)` (R's `std.err` is `se(log S)`); undefined (`None`) once
//!   `S = 0`;
//! - bands with `z = Φ⁻¹(1 − α/2)`:
//!   - [`ConfType::Log`] (R's default `conf.type = "log"`):
//!     `S·exp(±z·se(log S))`, upper clipped at 1;
//!   - [`ConfType::LogLog`] (lifelines' "exponential Greenwood", SAS
//!     default): `exp(−exp(log(−log S) ∓ z·se(log S)/|log S|))`, undefined
//!     at `S = 1` and `S = 0` as in R;
//!   - [`ConfType::Plain`]: `S ± z·se(S)`, clipped to `[0, 1]`.
//! - median (and its limits): the first time the curve (lower band, upper
//!   band) is `≤ 0.5`; when the curve is flat at exactly 0.5 (within
//!   `√ε`) the median is the midpoint of that flat segment, between the time
//!   it reaches 0.5 and the time it drops below (R `quantile.survfit`,
//!   Prism's rule). Not reached → `None`.

use super::{SurvivalError, check_group};
use crate::dist::normal_quantile;
use serde::Serialize;

/// Type of the pointwise confidence band of a Kaplan–Meier curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConfType {
    /// Interval on log S (R `survfit`'s default `conf.type = "log"`).
    #[default]
    Log,
    /// Interval on log(−log S) (lifelines' default, SAS `CONFTYPE=LOGLOG`).
    LogLog,
    /// Interval on S itself ("plain", linear), clipped to [0, 1].
    Plain,
}

impl ConfType {
    /// R's name of the type: `log`, `log-log`, `plain`.
    pub fn name(self) -> &'static str {
        match self {
            ConfType::Log => "log",
            ConfType::LogLog => "log-log",
            ConfType::Plain => "plain",
        }
    }
}

/// One row of a Kaplan–Meier table: a distinct follow-up time (event or
/// censoring only).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmRow {
    /// Time.
    pub time: f64,
    /// Number at risk (follow-up `≥ time`).
    pub n_risk: usize,
    /// Events at `time`.
    pub n_event: usize,
    /// Censorings at `time`.
    pub n_censor: usize,
    /// Kaplan–Meier survival just after `time`.
    pub surv: f64,
    /// Greenwood standard error of log S (R's `std.err`); `None` once S = 0.
    pub se_log_surv: Option<f64>,
    /// Greenwood standard error of S, `S·se(log S)`.
    pub se_surv: Option<f64>,
    /// Lower confidence limit of S.
    pub lower: Option<f64>,
    /// Upper confidence limit of S.
    pub upper: Option<f64>,
}

/// A Kaplan–Meier curve of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    /// Number of observations.
    pub n: usize,
    /// Number of events.
    pub events: usize,
    /// Band type.
    pub conf_type: ConfType,
    /// Confidence level (e.g. 0.95).
    pub conf_level: f64,
    /// One row per distinct time, ascending.
    pub rows: Vec<KmRow>,
    /// Median survival; `None` when the curve stays above 0.5.
    pub median: Option<f64>,
    /// Lower limit of the median (where the lower band reaches 0.5).
    pub median_lower: Option<f64>,
    /// Upper limit of the median (where the upper band reaches 0.5);
    /// `None` = not reached.
    pub median_upper: Option<f64>,
}

/// Kaplan–Meier estimate of one group with Greenwood variance, `conf_type`
/// bands at `conf_level` and the median with its CI (see the module docs).
pub fn kaplan_meier(
    time: &[f64],
    event: &[bool],
    conf_type: ConfType,
    conf_level: f64,
) -> Result<KaplanMeier, SurvivalError> {
    check_group("Kaplan-Meier", time, event)?;
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::BadLevel(conf_level));
    }
    let z = normal_quantile(1.0 - (1.0 - conf_level) / 2.0);
    let mut idx: Vec<usize> = (0..time.len()).collect();
    idx.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let n = time.len();
    let mut rows = Vec::new();
    let mut surv = 1.0_f64;
    let mut var_log = 0.0_f64;
    let mut at_risk = n;
    let mut i = 0;
    while i < n {
        let t = time[idx[i]];
        let (mut d, mut c) = (0usize, 0usize);
        while i < n && time[idx[i]] == t {
            if event[idx[i]] {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        if d > 0 {
            surv *= 1.0 - d as f64 / at_risk as f64;
            if d < at_risk {
                var_log += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
            } else {
                var_log = f64::INFINITY;
            }
        }
        let se_log = (surv > 0.0 && var_log.is_finite()).then(|| var_log.sqrt());
        let (lower, upper) = band(surv, se_log, conf_type, z);
        rows.push(KmRow {
            time: t,
            n_risk: at_risk,
            n_event: d,
            n_censor: c,
            surv,
            se_log_surv: se_log,
            se_surv: se_log.map(|s| s * surv),
            lower,
            upper,
        });
        at_risk -= d + c;
    }
    let times: Vec<f64> = rows.iter().map(|r| r.time).collect();
    let curve: Vec<Option<f64>> = rows.iter().map(|r| Some(r.surv)).collect();
    let lo: Vec<Option<f64>> = rows.iter().map(|r| r.lower).collect();
    let hi: Vec<Option<f64>> = rows.iter().map(|r| r.upper).collect();
    Ok(KaplanMeier {
        n,
        events: event.iter().filter(|&&e| e).count(),
        conf_type,
        conf_level,
        median: quantile_time(&times, &curve, 0.5),
        median_lower: quantile_time(&times, &lo, 0.5),
        median_upper: quantile_time(&times, &hi, 0.5),
        rows,
    })
}

/// Pointwise confidence limits of `surv` (see the module docs).
fn band(surv: f64, se_log: Option<f64>, conf_type: ConfType, z: f64) -> (Option<f64>, Option<f64>) {
    let Some(se) = se_log else {
        return (None, None);
    };
    match conf_type {
        ConfType::Log => (
            Some(surv * (-z * se).exp()),
            Some((surv * (z * se).exp()).min(1.0)),
        ),
        ConfType::LogLog => {
            if surv >= 1.0 || surv <= 0.0 {
                return (None, None);
            }
            let ll = (-surv.ln()).ln();
            let w = z * se / surv.ln().abs();
            (Some((-(ll + w).exp()).exp()), Some((-(ll - w).exp()).exp()))
        }
        ConfType::Plain => {
            let h = z * se * surv;
            (Some((surv - h).max(0.0)), Some((surv + h).min(1.0)))
        }
    }
}

/// R `quantile.survfit`'s rule: the first time `y ≤ p` (within `√ε`); when
/// `y` is flat at `p` the midpoint between that time and the first time
/// `y < p`. `None` values (undefined band) never reach `p`.
pub(crate) fn quantile_time(times: &[f64], y: &[Option<f64>], p: f64) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let i = y.iter().position(|v| v.is_some_and(|v| v <= p + tol))?;
    let yi = y[i]?;
    if (yi - p).abs() < tol {
        if let Some(j) = (i + 1..y.len()).find(|&j| y[j].is_some_and(|v| v < p - tol)) {
            return Some(0.5 * (times[i] + times[j]));
        }
    }
    Some(times[i])
}

impl KaplanMeier {
    /// Survival just after time `t` (the step function, right-continuous):
    /// 1 before the first time.
    pub fn surv_at(&self, t: f64) -> f64 {
        self.rows
            .iter()
            .take_while(|r| r.time <= t)
            .last()
            .map_or(1.0, |r| r.surv)
    }

    /// The `p`-quantile of survival time (time at which S drops to `1 − p`)
    /// with its limits from the bands, by the same rule as the median:
    /// `(estimate, lower, upper)`.
    pub fn quantile(&self, p: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
        let times: Vec<f64> = self.rows.iter().map(|r| r.time).collect();
        let s = 1.0 - p;
        let curve: Vec<Option<f64>> = self.rows.iter().map(|r| Some(r.surv)).collect();
        let lo: Vec<Option<f64>> = self.rows.iter().map(|r| r.lower).collect();
        let hi: Vec<Option<f64>> = self.rows.iter().map(|r| r.upper).collect();
        (
            quantile_time(&times, &curve, s),
            quantile_time(&times, &lo, s),
            quantile_time(&times, &hi, s),
        )
    }
}

/// Number at risk (follow-up `≥ t`) at each of `at` — R `summary(fit,
/// times = at)$n.risk` and the rows of a number-at-risk table.
pub fn at_risk(time: &[f64], at: &[f64]) -> Vec<usize> {
    at.iter()
        .map(|&t| time.iter().filter(|&&x| x >= t).count())
        .collect()
}

/// Median survival time only (R's rule), `None` when not reached; cheaper
/// than [`kaplan_meier`] (no bands), for resampling. Times must be valid.
pub(crate) fn median_only(time: &[f64], event: &[bool], scratch: &mut Vec<usize>) -> Option<f64> {
    scratch.clear();
    scratch.extend(0..time.len());
    scratch.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let n = time.len();
    let tol = f64::EPSILON.sqrt();
    let mut surv = 1.0;
    let mut at = n;
    let mut i = 0;
    let mut flat_start: Option<f64> = None;
    while i < n {
        let t = time[scratch[i]];
        let (mut d, mut c) = (0usize, 0usize);
        while i < n && time[scratch[i]] == t {
            if event[scratch[i]] {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        if d > 0 {
            surv *= 1.0 - d as f64 / at as f64;
            if let Some(t0) = flat_start {
                if surv < 0.5 - tol {
                    return Some(0.5 * (t0 + t));
                }
            } else if surv <= 0.5 + tol {
                if (surv - 0.5).abs() < tol {
                    flat_start = Some(t);
                } else {
                    return Some(t);
                }
            }
        }
        at -= d + c;
    }
    flat_start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_half_uses_the_midpoint() {
        // 4 subjects: deaths at 1, 2 → S = 0.5 from 2 until the death at 5.
        let t = [1.0, 2.0, 5.0, 6.0];
        let e = [true, true, true, false];
        let km = kaplan_meier(&t, &e, ConfType::Log, 0.95).unwrap();
        assert_eq!(km.median, Some(3.5));
        let mut s = Vec::new();
        assert_eq!(median_only(&t, &e, &mut s), Some(3.5));
        // Flat at 0.5 to the end: the start of the segment.
        let e2 = [true, true, false, false];
        let km = kaplan_meier(&t, &e2, ConfType::Log, 0.95).unwrap();
        assert_eq!(km.median, Some(2.0));
        assert_eq!(median_only(&t, &e2, &mut s), Some(2.0));
    }

    #[test]
    fn no_events_and_bad_input() {
        let km = kaplan_meier(&[3.0, 4.0], &[false, false], ConfType::LogLog, 0.95).unwrap();
        assert_eq!(km.median, None);
        assert!(km.rows.iter().all(|r| r.surv == 1.0));
        assert!(kaplan_meier(&[-1.0], &[true], ConfType::Log, 0.95).is_err());
        assert!(kaplan_meier(&[1.0], &[true, false], ConfType::Log, 0.95).is_err());
        assert!(kaplan_meier(&[1.0], &[true], ConfType::Log, 1.0).is_err());
        assert_eq!(
            at_risk(&[1.0, 2.0, 2.0, 5.0], &[0.0, 2.0, 3.0, 9.0]),
            vec![4, 3, 1, 0]
        );
    }
}
