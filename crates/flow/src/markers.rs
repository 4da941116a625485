//! Marker positivity, differentiation and engraftment summaries.
//!
//! **Positivity.** A marker's threshold is set on a control sample (FMO,
//! isotype or vehicle): by default its 99th percentile (type-7 quantile) on
//! the *transformed* scale, so that ~1 % of control events are called
//! positive; an event is positive when its transformed value is strictly
//! above the threshold. Percentiles are taken on the transformed scale
//! because that is where the gate is drawn; for a monotone transform the
//! same event set results from the data-scale percentile, but interpolation
//! between two events differs.
//!
//! **Differentiation summary** (menin-inhibitor read-out: CD11b and CD14 up,
//! CD34 and CD117 down): per sample and marker, % positive, median
//! fluorescence (MFI, data scale) and the change against the vehicle
//! control — Δ% positive (percentage points) and the MFI ratio.
//!
//! **PDX engraftment**: % hCD45⁺ of CD45⁺ cells =
//! 100 · H / (H + M), with H the events hCD45⁺ mCD45⁻ and M the events
//! mCD45⁺ hCD45⁻ (double positives, usually doublets, are counted apart and
//! left out).

use preclin_stats::desc;
use serde::Serialize;

use crate::error::{FlowError, Result};
use crate::transforms::Scale;

/// The default percentile of the control used as threshold.
pub const DEFAULT_PERCENTILE: f64 = 99.0;

/// A positivity threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// Percentile of the control used.
    pub percentile: f64,
    /// Threshold on the transformed scale.
    pub transformed: f64,
    /// The same threshold in data units (the scale's inverse).
    pub data: f64,
    /// Events in the control.
    pub control_events: usize,
}

/// The threshold at `percentile` (0–100) of the control's data values
/// `control` on `scale`.
pub fn threshold(control: &[f64], scale: &Scale, percentile: f64) -> Result<Threshold> {
    if !(0.0..=100.0).contains(&percentile) {
        return Err(FlowError::Invalid(format!(
            "percentile {percentile} is not between 0 and 100"
        )));
    }
    let t: Vec<f64> = control
        .iter()
        .map(|&x| scale.apply(x))
        .filter(|y| !y.is_nan())
        .collect();
    let q = desc::quantile(&t, percentile / 100.0)
        .filter(|q| q.is_finite())
        .ok_or_else(|| FlowError::Invalid("the control has no event with a finite value".into()))?;
    Ok(Threshold {
        percentile,
        transformed: q,
        data: scale.inverse(q),
        control_events: t.len(),
    })
}

/// Positivity of one marker in one sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Positivity {
    /// Events considered.
    pub events: usize,
    /// Events above the threshold.
    pub positive: usize,
    /// 100 · positive / events (`None` without events).
    pub percent_positive: Option<f64>,
    /// Median data value (MFI) of all events considered.
    pub mfi: Option<f64>,
}

/// Counts events whose transformed value is above `th`.
pub fn positivity(values: &[f64], scale: &Scale, th: &Threshold) -> Positivity {
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let positive = v
        .iter()
        .filter(|&&x| scale.apply(x) > th.transformed)
        .count();
    Positivity {
        events: v.len(),
        positive,
        percent_positive: (!v.is_empty()).then(|| 100.0 * positive as f64 / v.len() as f64),
        mfi: desc::median(&v),
    }
}

/// One row of a differentiation summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerRow {
    /// Sample name.
    pub sample: String,
    /// Marker (e.g. `CD11b`).
    pub marker: String,
    /// Channel used (`$PnN`).
    pub channel: String,
    /// Positivity in the sample.
    pub sample_stats: Positivity,
    /// Positivity in the reference (the control, or the vehicle with
    /// [`compare_with_threshold`]).
    pub control_stats: Positivity,
    /// The threshold.
    pub threshold: Threshold,
    /// % positive in the sample minus % positive in the control
    /// (percentage points).
    pub delta_percent: Option<f64>,
    /// Sample MFI / control MFI (`None` when the control MFI is ≤ 0).
    pub mfi_ratio: Option<f64>,
}

/// Compares a sample with the control for one marker (threshold from the
/// control at `percentile`).
pub fn compare_marker(
    sample: &str,
    marker: &str,
    channel: &str,
    sample_values: &[f64],
    control_values: &[f64],
    scale: &Scale,
    percentile: f64,
) -> Result<MarkerRow> {
    let th = threshold(control_values, scale, percentile)?;
    Ok(compare_with_threshold(
        sample,
        marker,
        channel,
        sample_values,
        control_values,
        scale,
        th,
    ))
}

/// Compares a sample with a reference (e.g. the vehicle) for one marker,
/// with a threshold set elsewhere (e.g. on an FMO or isotype control, the
/// right choice when the marker is expressed in the vehicle).
pub fn compare_with_threshold(
    sample: &str,
    marker: &str,
    channel: &str,
    sample_values: &[f64],
    control_values: &[f64],
    scale: &Scale,
    th: Threshold,
) -> MarkerRow {
    let s = positivity(sample_values, scale, &th);
    let c = positivity(control_values, scale, &th);
    let delta = match (s.percent_positive, c.percent_positive) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };
    let ratio = match (s.mfi, c.mfi) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    MarkerRow {
        sample: sample.into(),
        marker: marker.into(),
        channel: channel.into(),
        sample_stats: s,
        control_stats: c,
        threshold: th,
        delta_percent: delta,
        mfi_ratio: ratio,
    }
}

/// The four differentiation markers of the menin-inhibitor read-out, with
/// the direction differentiation moves them.
pub const DIFFERENTIATION_MARKERS: [(&str, &str); 4] = [
    ("CD11b", "up"),
    ("CD14", "up"),
    ("CD34", "down"),
    ("CD117", "down"),
];

/// Finds the channel of `marker`: `$PnN` equal to it, then `$PnS` equal to
/// it, then a `$PnN` or `$PnS` containing it as a word (ignoring case;
/// `CD11b` matches `CD11b-PE` and `CD11b PE-A` but not `CD11bx`; `CD117`
/// also matches `c-Kit`). Returns the 0-based index.
pub fn find_marker(names: &[String], labels: &[Option<String>], marker: &str) -> Option<usize> {
    let m = marker.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(marker)) {
        return Some(i);
    }
    if let Some(i) = labels
        .iter()
        .position(|l| l.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(marker)))
    {
        return Some(i);
    }
    let word = |text: &str, w: &str| -> bool {
        text.to_ascii_lowercase()
            .split(|c: char| c.is_whitespace() || matches!(c, '_' | '/' | '(' | ')' | ','))
            .any(|tok| {
                tok == w
                    || tok
                        .strip_prefix(w)
                        .is_some_and(|rest| rest.starts_with('-'))
            })
    };
    let aliases: Vec<String> = match m.as_str() {
        "cd117" => vec![m.clone(), "c-kit".into(), "ckit".into()],
        _ => vec![m.clone()],
    };
    for a in &aliases {
        if let Some(i) = labels
            .iter()
            .position(|l| l.as_deref().is_some_and(|l| word(l, a)))
        {
            return Some(i);
        }
        if let Some(i) = names.iter().position(|n| word(n, a)) {
            return Some(i);
        }
    }
    None
}

/// PDX engraftment from per-event hCD45 and mCD45 values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Engraftment {
    /// hCD45⁺ mCD45⁻ events.
    pub human: usize,
    /// mCD45⁺ hCD45⁻ events.
    pub mouse: usize,
    /// Double-positive events (left out).
    pub double_positive: usize,
    /// Events considered.
    pub events: usize,
    /// 100 · human / (human + mouse); `None` when both are 0.
    pub percent_human: Option<f64>,
}

/// Engraftment: `human`/`mouse` are the events' hCD45 and mCD45 data values,
/// classified with the thresholds (transformed scale) `th_h`, `th_m`.
pub fn engraftment(
    human: &[f64],
    mouse: &[f64],
    scale: &Scale,
    th_h: &Threshold,
    th_m: &Threshold,
) -> Engraftment {
    let (mut h, mut m, mut dp, mut n) = (0, 0, 0, 0);
    for (&a, &b) in human.iter().zip(mouse) {
        if a.is_nan() || b.is_nan() {
            continue;
        }
        n += 1;
        let hp = scale.apply(a) > th_h.transformed;
        let mp = scale.apply(b) > th_m.transformed;
        match (hp, mp) {
            (true, false) => h += 1,
            (false, true) => m += 1,
            (true, true) => dp += 1,
            _ => {}
        }
    }
    Engraftment {
        human: h,
        mouse: m,
        double_positive: dp,
        events: n,
        percent_human: (h + m > 0).then(|| 100.0 * h as f64 / (h + m) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_positivity_and_comparison() {
        let control: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let lin = Scale::Linear;
        let th = threshold(&control, &lin, 99.0).unwrap();
        assert!((th.transformed - 989.01).abs() < 1e-9);
        let p = positivity(&control, &lin, &th);
        assert_eq!(p.positive, 10);
        let sample: Vec<f64> = (0..1000).map(|i| i as f64 + 500.0).collect();
        let r = compare_marker("s", "CD11b", "FL1", &sample, &control, &lin, 99.0).unwrap();
        assert!((r.sample_stats.percent_positive.unwrap() - 51.0).abs() < 1e-9);
        assert!((r.delta_percent.unwrap() - 50.0).abs() < 1e-9);
        assert!(threshold(&[], &lin, 99.0).is_err());
        assert!(threshold(&control, &lin, 101.0).is_err());
    }

    #[test]
    fn marker_lookup_and_engraftment() {
        let names: Vec<String> = ["FSC-A", "FL1-A", "FL2-A", "APC-A"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let labels = vec![
            None,
            Some("CD11b FITC".to_string()),
            Some("CD14-PE".into()),
            Some("c-Kit".into()),
        ];
        assert_eq!(find_marker(&names, &labels, "CD11b"), Some(1));
        assert_eq!(find_marker(&names, &labels, "cd14"), Some(2));
        assert_eq!(find_marker(&names, &labels, "CD117"), Some(3));
        assert_eq!(find_marker(&names, &labels, "FL1-A"), Some(1));
        assert_eq!(find_marker(&names, &labels, "CD34"), None);
        let lin = Scale::Linear;
        let th = Threshold {
            percentile: 99.0,
            transformed: 10.0,
            data: 10.0,
            control_events: 1,
        };
        let e = engraftment(
            &[20.0, 20.0, 1.0, 20.0, 1.0],
            &[1.0, 1.0, 20.0, 20.0, 1.0],
            &lin,
            &th,
            &th,
        );
        assert_eq!(
            (e.human, e.mouse, e.double_positive, e.events),
            (2, 1, 1, 5)
        );
        assert!((e.percent_human.unwrap() - 200.0 / 3.0).abs() < 1e-12);
    }
}
