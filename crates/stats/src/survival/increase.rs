//! % increase in median survival of a treated group over the control, with
//! a seeded stratified bootstrap percentile interval.
//!
//! # Definition
//! `increase = 100 · (median_T / median_C − 1)` with Kaplan–Meier medians
//! by R's rule ([`super::km`]) — the "% increase in lifespan" (ILS) of
//! preclinical leukemia studies. Undefined (`None`) when either median is
//! not reached or the control median is 0.
//!
//! # Bootstrap (Efron & Tibshirani 1993, ch. 13; Akritas 1986 for
//! resampling censored pairs)
//! Each replicate resamples `(time, event)` pairs with replacement within
//! each group (stratified, group sizes kept) and recomputes both medians.
//! Replicates where the **treated** median is not reached (curve stays above
//! 0.5) while the control median is reached are counted as `+∞` (the
//! increase exceeds any finite value), so they stay in the ordering;
//! replicates where the **control** median is not reached are undefined and
//! counted in [`MedianIncrease::boot_control_not_reached`], never silently
//! dropped. The interval is the type-7 percentile interval of the defined
//! replicates; a limit that falls on `+∞` is `None` (not reached). No
//! interval is given when the point estimate is undefined. The random
//! stream is Xoshiro256++ seeded with `seed`.

use super::SurvivalError;
use super::check_group;
use super::km::median_only;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// % increase in median survival with its bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedianIncrease {
    /// Treated median.
    pub median_treated: Option<f64>,
    /// Control median.
    pub median_control: Option<f64>,
    /// `100 (median_T/median_C − 1)`; `None` when undefined.
    pub percent: Option<f64>,
    /// Lower percentile limit; `None` when undefined.
    pub lower: Option<f64>,
    /// Upper percentile limit; `None` when not reached (`+∞`) or undefined.
    pub upper: Option<f64>,
    /// Confidence level of the interval.
    pub conf_level: f64,
    /// Bootstrap replicates drawn.
    pub iterations: usize,
    /// Seed of the Xoshiro256++ stream.
    pub seed: u64,
    /// Replicates where the treated median was not reached (counted as +∞).
    pub boot_treated_not_reached: usize,
    /// Replicates where the control median was not reached (undefined,
    /// excluded from the percentiles and counted here).
    pub boot_control_not_reached: usize,
}

/// % increase in median survival of `(t_time, t_event)` over `(c_time,
/// c_event)` with a `iterations`-replicate stratified bootstrap percentile
/// interval at `conf_level`, seeded by `seed` (see the module docs).
/// `iterations = 0` skips the interval.
pub fn median_increase(
    t_time: &[f64],
    t_event: &[bool],
    c_time: &[f64],
    c_event: &[bool],
    conf_level: f64,
    iterations: usize,
    seed: u64,
) -> Result<MedianIncrease, SurvivalError> {
    check_group("treated group", t_time, t_event)?;
    check_group("control group", c_time, c_event)?;
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::BadLevel(conf_level));
    }
    let mut scratch = Vec::new();
    let mt = median_only(t_time, t_event, &mut scratch);
    let mc = median_only(c_time, c_event, &mut scratch);
    let pct = |t: Option<f64>, c: Option<f64>| match (t, c) {
        (Some(t), Some(c)) if c > 0.0 => Some(100.0 * (t / c - 1.0)),
        _ => None,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut values = Vec::with_capacity(iterations);
    let (mut t_nr, mut c_nr) = (0usize, 0usize);
    let (mut bt, mut be) = (Vec::new(), Vec::new());
    let mut draw = |time: &[f64], event: &[bool], bt: &mut Vec<f64>, be: &mut Vec<bool>| {
        bt.clear();
        be.clear();
        for _ in 0..time.len() {
            let i = rng.random_range(0..time.len());
            bt.push(time[i]);
            be.push(event[i]);
        }
    };
    for _ in 0..iterations {
        draw(c_time, c_event, &mut bt, &mut be);
        let c = median_only(&bt, &be, &mut scratch);
        draw(t_time, t_event, &mut bt, &mut be);
        let t = median_only(&bt, &be, &mut scratch);
        match (t, c) {
            (_, None) => c_nr += 1,
            (None, Some(_)) => {
                t_nr += 1;
                values.push(f64::INFINITY);
            }
            (Some(_), Some(c)) if c <= 0.0 => c_nr += 1,
            (t, c) => values.push(pct(t, c).unwrap_or(f64::NAN)),
        }
    }
    values.sort_by(f64::total_cmp);
    let a = (1.0 - conf_level) / 2.0;
    let q = |p: f64| -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        let h = (values.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(values.len() - 1);
        let (x0, x1) = (values[lo], values[hi]);
        let v = if hi == lo || h == lo as f64 {
            x0
        } else {
            x0 + (h - lo as f64) * (x1 - x0)
        };
        v.is_finite().then_some(v)
    };
    let percent = pct(mt, mc);
    // No interval around an estimate that does not exist (e.g. the control
    // median is not reached and only a few replicates reach it).
    let defined = percent.is_some();
    Ok(MedianIncrease {
        median_treated: mt,
        median_control: mc,
        percent,
        lower: q(a).filter(|_| defined),
        upper: q(1.0 - a).filter(|_| defined),
        conf_level,
        iterations,
        seed,
        boot_treated_not_reached: t_nr,
        boot_control_not_reached: c_nr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_estimate_and_determinism() {
        let c = [
            5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0,
        ];
        let ce = [
            true, true, true, true, true, false, true, true, true, true, true, true,
        ];
        let t = [
            9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
        ];
        let te = [
            true, true, false, true, true, false, true, true, false, true, false,
        ];
        let a = median_increase(&t, &te, &c, &ce, 0.95, 500, 7).unwrap();
        assert_eq!(a.median_treated, Some(31.0));
        assert_eq!(a.median_control, Some(23.0));
        assert!((a.percent.unwrap() - 100.0 * (31.0 / 23.0 - 1.0)).abs() < 1e-12);
        assert!(a.lower.unwrap() < a.percent.unwrap());
        let b = median_increase(&t, &te, &c, &ce, 0.95, 500, 7).unwrap();
        assert_eq!(a, b);
        let none = median_increase(&t, &te, &c, &ce, 0.95, 0, 7).unwrap();
        assert_eq!(none.lower, None);
        // Control median not reached: no estimate, no interval, counted.
        let ce_few = [
            true, false, false, false, false, false, false, false, false, false, false, false,
        ];
        let x = median_increase(&t, &te, &c, &ce_few, 0.95, 200, 7).unwrap();
        assert_eq!((x.percent, x.lower, x.upper), (None, None, None));
        assert!(x.boot_control_not_reached > 190);
    }
}
