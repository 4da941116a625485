//! Body-weight toxicity: % change from baseline per mouse, group curves and
//! loss flags.
//!
//! `%Δ BW_t = 100·(W_t − W₀)/W₀` with W₀ the first weight of the mouse. A
//! mouse is flagged when its loss exceeds 15 % (`%Δ < −15`) and when it
//! exceeds 20 % (`%Δ < −20`), the usual welfare limits (loss thresholds are
//! options). Group curves are mean ± SEM of `%Δ` per day over the mice
//! weighed that day.

use preclin_stats::desc;
use serde::Serialize;

use super::model::Study;

/// Loss thresholds (in % of baseline weight).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ToxicityOptions {
    /// First flag: loss greater than this (default 15).
    pub warn_loss_pct: f64,
    /// Second flag: loss greater than this (default 20).
    pub severe_loss_pct: f64,
}

impl Default for ToxicityOptions {
    fn default() -> Self {
        ToxicityOptions {
            warn_loss_pct: 15.0,
            severe_loss_pct: 20.0,
        }
    }
}

/// Body-weight summary of one mouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseWeight {
    /// Mouse key.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Baseline weight W₀ (g).
    pub baseline: f64,
    /// Largest loss: `min_t %Δ BW_t` (negative for a loss).
    pub nadir_pct: f64,
    /// Day of the nadir.
    pub nadir_day: f64,
    /// First day with a loss > `warn_loss_pct`.
    pub first_day_over_warn: Option<f64>,
    /// First day with a loss > `severe_loss_pct`.
    pub first_day_over_severe: Option<f64>,
}

/// Group mean ± SEM of `%Δ BW` on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightCurvePoint {
    /// Group.
    pub group: String,
    /// Day.
    pub day: f64,
    /// Mice weighed.
    pub n: usize,
    /// Mean % change.
    pub mean_pct: Option<f64>,
    /// SEM of the % change.
    pub sem_pct: Option<f64>,
}

/// Body-weight results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Toxicity {
    /// One row per weighed mouse with W₀ > 0.
    pub mice: Vec<MouseWeight>,
    /// Group curves (study group order, ascending day).
    pub curves: Vec<WeightCurvePoint>,
}

/// Body-weight analysis of the study (mice without weights are skipped).
pub fn toxicity(study: &Study, opts: &ToxicityOptions) -> Toxicity {
    let mut mice = Vec::new();
    let mut per_day: Vec<(String, f64, f64)> = Vec::new();
    for m in &study.mice {
        let Some(w0) = m.weights.first().map(|w| w.weight).filter(|&w| w > 0.0) else {
            continue;
        };
        let mut nadir = (f64::INFINITY, 0.0);
        let (mut warn, mut severe) = (None, None);
        for w in &m.weights {
            let pct = 100.0 * (w.weight - w0) / w0;
            per_day.push((m.group.clone(), w.day, pct));
            if pct < nadir.0 {
                nadir = (pct, w.day);
            }
            if pct < -opts.warn_loss_pct && warn.is_none() {
                warn = Some(w.day);
            }
            if pct < -opts.severe_loss_pct && severe.is_none() {
                severe = Some(w.day);
            }
        }
        mice.push(MouseWeight {
            mouse: m.key.clone(),
            group: m.group.clone(),
            baseline: w0,
            nadir_pct: nadir.0,
            nadir_day: nadir.1,
            first_day_over_warn: warn,
            first_day_over_severe: severe,
        });
    }
    let mut days: Vec<f64> = per_day.iter().map(|x| x.1).collect();
    days.sort_by(f64::total_cmp);
    days.dedup();
    let mut curves = Vec::new();
    for g in &study.groups {
        for &d in &days {
            let v: Vec<f64> = per_day
                .iter()
                .filter(|x| &x.0 == g && x.1 == d)
                .map(|x| x.2)
                .collect();
            if v.is_empty() {
                continue;
            }
            curves.push(WeightCurvePoint {
                group: g.clone(),
                day: d,
                n: v.len(),
                mean_pct: desc::mean(&v),
                sem_pct: desc::sem(&v),
            });
        }
    }
    Toxicity { mice, curves }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xenograft::model::{Record, StudyOptions};

    #[test]
    fn flags_and_curves() {
        let w = [(0.0, 20.0), (3.0, 18.0), (7.0, 16.5), (10.0, 15.8)];
        let mut r = Vec::new();
        for (i, (d, x)) in w.iter().enumerate() {
            r.push(Record {
                line: i + 2,
                mouse: "m1".into(),
                group: "T".into(),
                day: *d,
                volume: Some(100.0),
                body_weight: Some(*x),
                ..Record::default()
            });
        }
        let s = Study::new(&r, &StudyOptions::default()).unwrap();
        let t = toxicity(&s, &ToxicityOptions::default());
        let m = &t.mice[0];
        assert!((m.nadir_pct + 21.0).abs() < 1e-12);
        assert_eq!(m.first_day_over_warn, Some(7.0)); // −17.5 %
        assert_eq!(m.first_day_over_severe, Some(10.0)); // −21 %
        assert_eq!(t.curves.len(), 4);
        assert!((t.curves[1].mean_pct.unwrap() + 10.0).abs() < 1e-12);
    }
}
