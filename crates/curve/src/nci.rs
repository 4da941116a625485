//! NCI-60 growth metrics from a time-zero design (Monks et al., *J. Natl
//! Cancer Inst.* 83:757, 1991; NCI DTP "NCI-60 screening methodology").
//!
//! With Tz the time-zero signal, C the vehicle signal and Ti the treated
//! signal at the end of the assay, the percent growth is
//! 100·(Ti − Tz)/(C − Tz) when Ti ≥ Tz and 100·(Ti − Tz)/Tz when Ti < Tz,
//! running from +100 (no effect) through 0 (no net growth) to −100 (all
//! cells dead). Then:
//! * **GI50**: dose where percent growth = 50;
//! * **TGI**: dose where percent growth = 0 (Ti = Tz);
//! * **LC50**: dose where percent growth = −50 (half the starting cells
//!   killed).
//!
//! As in the NCI's own processing, each is found by linear interpolation on
//! log10 dose between the two tested doses that bracket the level (mean
//! growth per dose); when the level is not reached the result is censored
//! at the tested range: "> highest dose" or "< lowest dose".

use serde::Serialize;

/// Percent growth of one well (see module docs). None when Tz ≤ 0, or
/// when Ti ≥ Tz and the control did not grow (C ≤ Tz).
pub fn percent_growth(ti: f64, tz: f64, c: f64) -> Option<f64> {
    if !(tz > 0.0) || !ti.is_finite() || !c.is_finite() {
        return None;
    }
    let v = if ti >= tz {
        if c <= tz {
            return None;
        }
        100.0 * (ti - tz) / (c - tz)
    } else {
        100.0 * (ti - tz) / tz
    };
    v.is_finite().then_some(v)
}

/// A dose that may be censored at the tested range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "dose", rename_all = "snake_case")]
pub enum CensoredDose {
    /// Interpolated between two tested doses.
    Value(f64),
    /// Reached already at the lowest tested dose: "< dose".
    Below(f64),
    /// Not reached at the highest tested dose: "> dose".
    Above(f64),
}

impl CensoredDose {
    /// The number and its qualifier ("", "<" or ">").
    pub fn parts(&self) -> (f64, &'static str) {
        match *self {
            CensoredDose::Value(v) => (v, ""),
            CensoredDose::Below(v) => (v, "<"),
            CensoredDose::Above(v) => (v, ">"),
        }
    }
}

/// GI50, TGI and LC50 of one curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NciMetrics {
    /// 50 % growth inhibition.
    pub gi50: CensoredDose,
    /// Total growth inhibition (growth 0).
    pub tgi: CensoredDose,
    /// 50 % lethal concentration (growth −50).
    pub lc50: CensoredDose,
}

/// Dose at which mean percent growth first falls to `level`, interpolating
/// linearly in log10 dose. `points` are (dose > 0, mean growth) sorted by
/// dose.
pub fn crossing(points: &[(f64, f64)], level: f64) -> Option<CensoredDose> {
    let first = points.first()?;
    let last = points.last()?;
    if first.1 <= level {
        return Some(CensoredDose::Below(first.0));
    }
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if y0 > level && y1 <= level {
            let (l0, l1) = (x0.log10(), x1.log10());
            let t = (y0 - level) / (y0 - y1);
            return Some(CensoredDose::Value(10f64.powf(l0 + t * (l1 - l0))));
        }
    }
    Some(CensoredDose::Above(last.0))
}

/// GI50 / TGI / LC50 from per-well (dose, percent growth) values: wells at
/// the same dose are averaged; doses ≤ 0 are ignored. None without any
/// positive dose.
pub fn nci_metrics(dose: &[f64], growth: &[f64]) -> Option<NciMetrics> {
    let mut pairs: Vec<(f64, f64)> = dose
        .iter()
        .zip(growth)
        .filter(|(d, g)| **d > 0.0 && d.is_finite() && g.is_finite())
        .map(|(d, g)| (*d, *g))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut means: Vec<(f64, f64)> = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        let d = pairs[i].0;
        let (mut s, mut k) = (0.0, 0.0);
        while i < pairs.len() && pairs[i].0 == d {
            s += pairs[i].1;
            k += 1.0;
            i += 1;
        }
        means.push((d, s / k));
    }
    Some(NciMetrics {
        gi50: crossing(&means, 50.0)?,
        tgi: crossing(&means, 0.0)?,
        lc50: crossing(&means, -50.0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_growth_both_branches() {
        assert_eq!(percent_growth(150.0, 100.0, 200.0), Some(50.0));
        assert_eq!(percent_growth(200.0, 100.0, 200.0), Some(100.0));
        assert_eq!(percent_growth(100.0, 100.0, 200.0), Some(0.0));
        assert_eq!(percent_growth(50.0, 100.0, 200.0), Some(-50.0));
        assert_eq!(percent_growth(0.0, 100.0, 200.0), Some(-100.0));
        assert_eq!(percent_growth(50.0, 0.0, 200.0), None);
        assert_eq!(
            percent_growth(150.0, 100.0, 90.0),
            None,
            "control below time zero"
        );
    }

    #[test]
    fn interpolates_on_log_dose_and_censors() {
        let dose = [1.0, 10.0, 100.0, 1000.0];
        let g = [90.0, 60.0, 40.0, -60.0];
        let m = nci_metrics(&dose, &g).unwrap();
        // 60 → 40 between 10 and 100: halfway in log → 10^1.5.
        match m.gi50 {
            CensoredDose::Value(v) => assert!((v - 10f64.powf(1.5)).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        // TGI between 100 (40) and 1000 (−60): t = 0.4 → 10^2.4
        match m.tgi {
            CensoredDose::Value(v) => assert!((v - 10f64.powf(2.4)).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        // LC50: −50 reached between 100 and 1000 at t = 0.9.
        match m.lc50 {
            CensoredDose::Value(v) => assert!((v - 10f64.powf(2.9)).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        let m = nci_metrics(&dose, &[95.0, 90.0, 85.0, 80.0]).unwrap();
        assert_eq!(m.gi50, CensoredDose::Above(1000.0));
        let m = nci_metrics(&dose, &[10.0, 0.0, -10.0, -20.0]).unwrap();
        assert_eq!(m.gi50, CensoredDose::Below(1.0));
        assert_eq!(m.gi50.parts(), (1.0, "<"));
        assert!(nci_metrics(&[0.0], &[100.0]).is_none());
    }
}
