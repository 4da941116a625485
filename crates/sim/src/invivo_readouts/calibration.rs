//! The in vivo calibration quantities, computed from simulated studies so
//! that they can be checked once the mechanistic kinetics is plugged in.
//!
//! Targets (seed document 000, Table 2, via
//! shared/reference/compounds/invivo_clinical.csv and seed_tables.csv;
//! document 002 and the clinical class summary for MEN1):
//!
//! * MV4;11 xenograft, MI-503 60 mg/kg once daily i.p.: **> 80 % volume
//!   reduction** vs the start of treatment, **complete regression in some
//!   mice** → [`volume_change`];
//! * MLL-AF9 leukaemia: median survival **+≈ 45 %** (MI-503), **+≈ 70 %**
//!   (MI-463) → [`median_survival_increase_pct`];
//! * ≈ **40 %** (39 %) of relapses under menin-inhibitor monotherapy carry
//!   MEN1 mutations, far fewer with mezigdomide added →
//!   [`mutant_relapse_fraction`].
//!
//! These are plain summaries of simulated truths and of the simulated
//! caliper table (no statistical analysis is called).

use super::XenograftSim;
use super::leukaemia::{LeukaemiaSim, RelapseCall};

/// Volume change of one group between day 0 and a later day.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeChange {
    /// Group.
    pub group: String,
    /// Mice with a caliper visit on `day`.
    pub n: usize,
    /// `100 · (mean V_day / mean V_0 − 1)` over the mice measured on both
    /// days, caliper volume `W²L/2` (negative = reduction).
    pub mean_change_pct: f64,
    /// Mice with no palpable tumour (caliper 0 × 0) on `day`.
    pub complete_regressions: usize,
}

/// Mean caliper volume change of `group` from day 0 to `day` (`None` when
/// no mouse was measured on both days or the day-0 mean is 0).
pub fn volume_change(sim: &XenograftSim, group: &str, day: f64) -> Option<VolumeChange> {
    let vol = |m: &str, d: f64| {
        sim.rows
            .iter()
            .find(|r| r.mouse == m && r.group == group && r.day == d)
            .map(|r| r.length * r.width * r.width / 2.0)
    };
    let mut mice: Vec<&str> = sim
        .rows
        .iter()
        .filter(|r| r.group == group)
        .map(|r| r.mouse.as_str())
        .collect();
    mice.dedup();
    let (mut s0, mut s1, mut n, mut cr) = (0.0, 0.0, 0, 0);
    for m in mice {
        if let (Some(v0), Some(v1)) = (vol(m, 0.0), vol(m, day)) {
            s0 += v0;
            s1 += v1;
            n += 1;
            if v1 == 0.0 {
                cr += 1;
            }
        }
    }
    (n > 0 && s0 > 0.0).then(|| VolumeChange {
        group: group.to_string(),
        n,
        mean_change_pct: 100.0 * (s1 / s0 - 1.0),
        complete_regressions: cr,
    })
}

/// Median of the true death days of a group; mice that did not die count
/// as +∞. `None` when the group is empty or its median is not reached.
pub fn median_death_day(sim: &LeukaemiaSim, group: &str) -> Option<f64> {
    let mut d: Vec<f64> = sim
        .truth
        .iter()
        .filter(|t| t.group == group)
        .map(|t| t.death_day.unwrap_or(f64::INFINITY))
        .collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(f64::total_cmp);
    let n = d.len();
    let m = if n % 2 == 1 {
        d[n / 2]
    } else {
        0.5 * (d[n / 2 - 1] + d[n / 2])
    };
    m.is_finite().then_some(m)
}

/// `100 · (median_treated / median_control − 1)` of the true death days.
pub fn median_survival_increase_pct(
    sim: &LeukaemiaSim,
    control: &str,
    treated: &str,
) -> Option<f64> {
    let c = median_death_day(sim, control)?;
    let t = median_death_day(sim, treated)?;
    (c > 0.0).then(|| 100.0 * (t / c - 1.0))
}

/// Relapses and how many carry the mutation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MutantRelapses {
    /// Relapses (responders that relapsed).
    pub relapses: usize,
    /// Relapses whose mutant fraction ≥ the calling threshold.
    pub mutant: usize,
    /// `100 · mutant / relapses` (`None` without relapses).
    pub pct: Option<f64>,
}

/// Counts relapses carrying the mutation: mutant fraction of the burden at
/// relapse ≥ `threshold` (e.g. 0.02, a variant allele fraction detectable
/// by targeted sequencing, ×2 for a heterozygous mutation — an assumption).
pub fn mutant_relapse_fraction<'a>(
    calls: impl IntoIterator<Item = &'a RelapseCall>,
    threshold: f64,
) -> MutantRelapses {
    let (mut relapses, mut mutant) = (0, 0);
    for c in calls {
        if c.relapse_h.is_some() {
            relapses += 1;
            if c.mutant_fraction.is_some_and(|f| f >= threshold) {
                mutant += 1;
            }
        }
    }
    MutantRelapses {
        relapses,
        mutant,
        pct: (relapses > 0).then(|| 100.0 * mutant as f64 / relapses as f64),
    }
}
