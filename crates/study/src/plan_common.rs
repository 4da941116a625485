//! Types shared by the planners: arms (dose × schedule), power rows, the
//! Monte-Carlo standard error and the smallest adequate `n`.

use preclin_sim::pk::{Profile, Regimen, Route};
use serde::Serialize;

/// Errors of the planners (bad designs, unknown names).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A design parameter is out of range.
    #[error("plan: {0}")]
    Invalid(String),
    /// The simulator refused the design (unknown name, bad parameter).
    #[error("plan: simulator: {0}")]
    Sim(String),
}

/// A dosing schedule: the dosing interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Once a day (τ = 24 h).
    Qd,
    /// Twice a day (τ = 12 h).
    Bid,
    /// Every second day (τ = 48 h).
    Q2d,
    /// Once a week (τ = 168 h).
    Qw,
}

impl Schedule {
    /// Dosing interval τ (h).
    pub fn interval_h(self) -> f64 {
        match self {
            Schedule::Qd => 24.0,
            Schedule::Bid => 12.0,
            Schedule::Q2d => 48.0,
            Schedule::Qw => 168.0,
        }
    }

    /// Short name (`qd`, `bid`, `q2d`, `qw`).
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Qd => "qd",
            Schedule::Bid => "bid",
            Schedule::Q2d => "q2d",
            Schedule::Qw => "qw",
        }
    }

    /// Parses a short name (case-insensitive).
    pub fn parse(s: &str) -> Result<Schedule, PlanError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "qd" | "daily" => Ok(Schedule::Qd),
            "bid" => Ok(Schedule::Bid),
            "q2d" => Ok(Schedule::Q2d),
            "qw" | "weekly" => Ok(Schedule::Qw),
            o => Err(PlanError::Invalid(format!(
                "schedule '{o}': expected qd, bid, q2d or qw"
            ))),
        }
    }
}

/// One treated arm: a dose of the planned compound on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSpec {
    /// Dose (mg/kg per administration, ≥ 0; 0 = a vehicle-like arm, used to
    /// check the calibration of the test).
    pub mg_per_kg: f64,
    /// Schedule.
    pub schedule: Schedule,
}

impl ArmSpec {
    /// Label `<dose> mg/kg <schedule>`, e.g. `30 mg/kg bid`.
    pub fn label(&self) -> String {
        format!("{} mg/kg {}", self.mg_per_kg, self.schedule.name())
    }

    /// The PK profile of this arm dosed from time 0 for `days` days.
    pub(crate) fn profile(
        &self,
        pk: &preclin_sim::pk::PkParams,
        route: Route,
        days: f64,
    ) -> Result<Profile, PlanError> {
        let tau = self.schedule.interval_h();
        let n_doses = ((days * 24.0) / tau).ceil().max(1.0) as usize;
        let reg = Regimen {
            mg_per_kg: self.mg_per_kg,
            interval_h: tau,
            n_doses,
            route,
            start_h: 0.0,
        };
        Profile::new(pk, &[reg]).map_err(|e| PlanError::Sim(e.to_string()))
    }
}

/// Power of one arm at one group size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerRow {
    /// Arm label.
    pub arm: String,
    /// Subjects (mice, or replicates) per group.
    pub n: usize,
    /// Simulated studies.
    pub reps: usize,
    /// Studies whose test rejected at α (or met the criterion).
    pub rejections: usize,
    /// Studies whose test was undefined (counted as not rejecting).
    pub undefined: usize,
    /// `rejections / reps`.
    pub power: f64,
    /// Binomial Monte-Carlo SE `√(p(1 − p)/R)`.
    pub mc_se: f64,
    /// Mean of the effect measure over the studies where it is defined.
    pub mean_effect: Option<f64>,
    /// Mean of the second effect measure (see the planner).
    pub mean_effect2: Option<f64>,
}

impl PowerRow {
    /// A row from the counts and the effect values (non-finite skipped).
    pub fn from_counts(
        arm: &str,
        n: usize,
        reps: usize,
        rejections: usize,
        undefined: usize,
        effects: &[f64],
        effects2: &[f64],
    ) -> PowerRow {
        let power = if reps > 0 {
            rejections as f64 / reps as f64
        } else {
            0.0
        };
        PowerRow {
            arm: arm.to_string(),
            n,
            reps,
            rejections,
            undefined,
            power,
            mc_se: mc_se(power, reps),
            mean_effect: mean(effects),
            mean_effect2: mean(effects2),
        }
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    (!f.is_empty()).then(|| f.iter().sum::<f64>() / f.len() as f64)
}

/// Binomial Monte-Carlo standard error of a proportion `p` from `reps`
/// replicates: `√(p(1 − p)/R)` (0 when `R = 0`).
pub fn mc_se(p: f64, reps: usize) -> f64 {
    if reps == 0 {
        0.0
    } else {
        (p * (1.0 - p) / reps as f64).max(0.0).sqrt()
    }
}

/// The smallest `n` of `arm` whose estimated power is ≥ `target` (`None`
/// when no `n` of the grid reaches it).
pub fn smallest_n(rows: &[PowerRow], arm: &str, target: f64) -> Option<usize> {
    rows.iter()
        .filter(|r| r.arm == arm && r.power >= target)
        .map(|r| r.n)
        .min()
}

/// Parses `a..b` (inclusive), `a..b:step`, a single `n` or a comma list into
/// a sorted, de-duplicated grid of positive integers.
pub fn parse_n_range(s: &str) -> Result<Vec<usize>, PlanError> {
    let bad = || {
        PlanError::Invalid(format!(
            "n grid '{s}': expected e.g. 3..15, 3..15:2 or 4,6,8"
        ))
    };
    let mut out: Vec<usize> = Vec::new();
    if let Some((a, rest)) = s.split_once("..") {
        let (b, step) = match rest.split_once(':') {
            Some((b, st)) => (b, st.trim().parse::<usize>().map_err(|_| bad())?),
            None => (rest, 1),
        };
        let a: usize = a.trim().parse().map_err(|_| bad())?;
        let b: usize = b.trim().parse().map_err(|_| bad())?;
        if step == 0 || a > b {
            return Err(bad());
        }
        out.extend((a..=b).step_by(step));
    } else {
        for p in s.split(',') {
            out.push(p.trim().parse().map_err(|_| bad())?);
        }
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() || out[0] < 2 || *out.last().unwrap_or(&0) > 200 {
        return Err(PlanError::Invalid(format!(
            "n grid '{s}': every n must be in 2..=200"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_parse_and_reject_nonsense() {
        assert_eq!(parse_n_range("3..6").unwrap(), vec![3, 4, 5, 6]);
        assert_eq!(parse_n_range("3..9:3").unwrap(), vec![3, 6, 9]);
        assert_eq!(parse_n_range("8,4,4").unwrap(), vec![4, 8]);
        assert!(parse_n_range("1..4").is_err());
        assert!(parse_n_range("6..3").is_err());
        assert!(parse_n_range("x").is_err());
    }

    #[test]
    fn mc_se_is_binomial_and_smallest_n_picks_the_first_adequate() {
        assert!((mc_se(0.5, 100) - 0.05).abs() < 1e-12);
        assert_eq!(mc_se(0.0, 100), 0.0);
        let rows: Vec<PowerRow> = [(3, 4), (4, 7), (5, 9)]
            .iter()
            .map(|&(n, x)| PowerRow::from_counts("a", n, 10, x, 0, &[1.0, f64::NAN], &[]))
            .collect();
        assert_eq!(rows[1].power, 0.7);
        assert_eq!(rows[1].mean_effect, Some(1.0));
        assert_eq!(rows[1].mean_effect2, None);
        assert_eq!(smallest_n(&rows, "a", 0.8), Some(5));
        assert_eq!(smallest_n(&rows, "a", 0.95), None);
    }

    #[test]
    fn schedules_parse() {
        assert_eq!(Schedule::parse("BID").unwrap().interval_h(), 12.0);
        assert!(Schedule::parse("tid").is_err());
    }
}
