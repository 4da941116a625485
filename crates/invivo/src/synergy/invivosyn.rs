//! invivoSyn: AUC-based in vivo synergy (Mao & Guo 2023, Cancer Res Commun
//! 3:2146–2157; github maobinchen/invivoSyn, R/efficacy.R `get_AUC` and
//! R/synergy.R `AUC_synergy` / `bs_AUC_synergy`; read for the formulas only).
//!
//! # Definitions
//! Days are rebased to `day − min(day)` over the study. Per mouse, from its
//! measured points `(dⱼ, TVⱼ)` (first `d₀`, last `d_last`, span `s = d_last − d₀`):
//!
//! `AUC = 2·[∫ ln(TV+1) dd − ln(TV₀+1)·s] / s²` (trapezoid rule),
//!
//! the exponential growth rate `k` when `ln TV` grows linearly (then the
//! area above baseline is `k s²/2`); `None` with fewer than two points or a
//! zero span. Per arm the mean AUC `ā_g`; the *relative survival* of arm `g`
//! at day `t` (default 21) is `S_g = exp((ā_g − ā_C)·t)`, the fraction of the
//! control's tumour burden left. Expected combination survival:
//! - Bliss: `S_e = S_A·S_B`; HSA: `S_e = min(S_A, S_B)`.
//!
//! Combination index `CI = S_AB/S_e` (`< 1` synergy) and synergy score
//! `SS = 100·(S_e − S_AB)` (`> 0` synergy).
//!
//! # Uncertainty
//! Stratified bootstrap: mice (with an AUC) are resampled with replacement
//! within each arm, `B` times from a seeded Xoshiro256++ stream; the
//! percentile interval uses the type-7 quantiles of the `B` statistics (R
//! `boot.ci(type = "perc")` uses order statistics `(B+1)α` — the two differ
//! by less than one bootstrap step). Bootstrap p-values as invivoSyn:
//! synergy `P(CI* ≥ 1)` and `P(SS* ≤ 0)`, antagonism `P(CI* ≤ 1)` and
//! `P(SS* ≥ 0)` (invivoSyn uses strict inequalities; ties have probability 0
//! for continuous data).

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use super::{NullModel, SynergyArms, SynergyError, TumourRecord, mice_of};

/// Options of [`invivosyn_synergy`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InvivoSynOptions {
    /// Day `t` (after rebasing) at which relative survival is evaluated
    /// (invivoSyn default 21).
    pub day: f64,
    /// Bootstrap replicates (invivoSyn default 1000).
    pub boot: usize,
    /// Seed of the bootstrap stream.
    pub seed: u64,
    /// Confidence level (default 0.95).
    pub level: f64,
}

impl Default for InvivoSynOptions {
    fn default() -> Self {
        Self {
            day: 21.0,
            boot: 1000,
            seed: 1,
            level: 0.95,
        }
    }
}

/// Per-mouse AUC growth rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseAuc {
    /// Arm name.
    pub group: String,
    /// Mouse id.
    pub mouse: String,
    /// Measured points.
    pub n_points: usize,
    /// AUC growth rate (per day), `None` with < 2 points.
    pub auc: Option<f64>,
}

/// Per-arm summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmAuc {
    /// Arm name.
    pub group: String,
    /// Mice with an AUC.
    pub n: usize,
    /// Mean AUC `ā_g`.
    pub mean_auc: f64,
    /// Relative survival `S_g = exp((ā_g − ā_C)·t)`.
    pub relative_survival: f64,
}

/// Synergy under one null model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvivoSynRow {
    /// Null model.
    pub null: NullModel,
    /// Day `t`.
    pub day: f64,
    /// Expected combination survival `S_e`.
    pub expected_survival: f64,
    /// Combination index `S_AB/S_e`.
    pub combination_index: f64,
    /// Percentile interval of CI (`None` without valid bootstrap replicates).
    pub ci_lower: Option<f64>,
    /// Upper limit.
    pub ci_upper: Option<f64>,
    /// Synergy score `100·(S_e − S_AB)`.
    pub synergy_score: f64,
    /// Percentile interval of SS.
    pub ss_lower: Option<f64>,
    /// Upper limit.
    pub ss_upper: Option<f64>,
    /// Bootstrap SD of SS.
    pub ss_se: Option<f64>,
    /// Bootstrap p of synergy, `P(CI* ≥ 1)`.
    pub p_synergy_ci: Option<f64>,
    /// Bootstrap p of synergy, `P(SS* ≤ 0)`.
    pub p_synergy_ss: Option<f64>,
    /// Bootstrap p of antagonism, `P(CI* ≤ 1)`.
    pub p_antagonism_ci: Option<f64>,
    /// Bootstrap p of antagonism, `P(SS* ≥ 0)`.
    pub p_antagonism_ss: Option<f64>,
}

/// Result of [`invivosyn_synergy`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvivoSynResult {
    /// First day of the study (the rebasing origin).
    pub day_origin: f64,
    /// Per mouse.
    pub mice: Vec<MouseAuc>,
    /// Per arm, in order C, A, B, AB.
    pub arms: Vec<ArmAuc>,
    /// Bliss then HSA.
    pub rows: Vec<InvivoSynRow>,
    /// Bootstrap replicates requested.
    pub boot: usize,
    /// Seed.
    pub seed: u64,
    /// Confidence level.
    pub level: f64,
}

/// invivoSyn's AUC growth rate of one mouse's `(day, volume)` points sorted by
/// day (see the module docs); `None` with fewer than two points or zero span.
pub fn auc_growth_rate(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (d0, v0) = points[0];
    let span = points[points.len() - 1].0 - d0;
    if !(span > 0.0) {
        return None;
    }
    let area: f64 = points
        .windows(2)
        .map(|w| 0.5 * (w[1].0 - w[0].0) * ((w[0].1 + 1.0).ln() + (w[1].1 + 1.0).ln()))
        .sum();
    Some(2.0 * (area - (v0 + 1.0).ln() * span) / (span * span))
}

/// (CI, SS) for each null from the four arm means.
fn scores(mean: &[f64; 4], t: f64) -> [(f64, f64, f64); 2] {
    let s = |g: usize| ((mean[g] - mean[0]) * t).exp();
    let (sa, sb, sab) = (s(1), s(2), s(3));
    [sa * sb, sa.min(sb)].map(|se| (se, sab / se, 100.0 * (se - sab)))
}

fn quantile7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// invivoSyn analysis of a two-drug combination study (see the module docs).
pub fn invivosyn_synergy(
    records: &[TumourRecord],
    arms: &SynergyArms,
    opts: &InvivoSynOptions,
) -> Result<InvivoSynResult, SynergyError> {
    if !(opts.level > 0.0 && opts.level < 1.0 && opts.day.is_finite() && opts.day > 0.0) {
        return Err(SynergyError::Option(format!(
            "level {} must lie in (0, 1) and day {} be positive",
            opts.level, opts.day
        )));
    }
    let mice = mice_of(records, arms)?;
    let origin = mice
        .iter()
        .flat_map(|m| m.points.iter().map(|p| p.0))
        .fold(f64::INFINITY, f64::min);
    let order = arms.order();
    let mut per_mouse = vec![];
    let mut by_arm: [Vec<f64>; 4] = Default::default();
    for m in &mice {
        let pts: Vec<(f64, f64)> = m.points.iter().map(|&(d, v)| (d - origin, v)).collect();
        let auc = auc_growth_rate(&pts);
        if let Some(a) = auc {
            by_arm[m.arm].push(a);
        }
        per_mouse.push(MouseAuc {
            group: order[m.arm].to_string(),
            mouse: m.id.clone(),
            n_points: pts.len(),
            auc,
        });
    }
    for (a, v) in by_arm.iter().enumerate() {
        if v.is_empty() {
            return Err(SynergyError::EmptyArm(order[a].to_string()));
        }
    }
    let mean_of = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let means: [f64; 4] = std::array::from_fn(|a| mean_of(&by_arm[a]));
    let point = scores(&means, opts.day);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let mut boot: [Vec<(f64, f64)>; 2] = [vec![], vec![]];
    for _ in 0..opts.boot {
        let m: [f64; 4] = std::array::from_fn(|a| {
            let v = &by_arm[a];
            (0..v.len())
                .map(|_| v[rng.random_range(0..v.len())])
                .sum::<f64>()
                / v.len() as f64
        });
        let s = scores(&m, opts.day);
        for k in 0..2 {
            if s[k].1.is_finite() && s[k].2.is_finite() {
                boot[k].push((s[k].1, s[k].2));
            }
        }
    }
    let alpha = 1.0 - opts.level;
    let rows = [NullModel::Bliss, NullModel::Hsa]
        .into_iter()
        .enumerate()
        .map(|(k, null)| {
            let b = &boot[k];
            let nb = b.len() as f64;
            let (mut ci, mut ss): (Vec<f64>, Vec<f64>) = b.iter().copied().unzip();
            ci.sort_by(f64::total_cmp);
            ss.sort_by(f64::total_cmp);
            let have = !b.is_empty();
            let frac = |f: &dyn Fn(&(f64, f64)) -> bool| {
                have.then(|| b.iter().filter(|x| f(x)).count() as f64 / nb)
            };
            let ss_se = (b.len() > 1).then(|| {
                let m = ss.iter().sum::<f64>() / nb;
                (ss.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (nb - 1.0)).sqrt()
            });
            InvivoSynRow {
                null,
                day: opts.day,
                expected_survival: point[k].0,
                combination_index: point[k].1,
                ci_lower: have.then(|| quantile7(&ci, alpha / 2.0)),
                ci_upper: have.then(|| quantile7(&ci, 1.0 - alpha / 2.0)),
                synergy_score: point[k].2,
                ss_lower: have.then(|| quantile7(&ss, alpha / 2.0)),
                ss_upper: have.then(|| quantile7(&ss, 1.0 - alpha / 2.0)),
                ss_se,
                p_synergy_ci: frac(&|x| x.0 >= 1.0),
                p_synergy_ss: frac(&|x| x.1 <= 0.0),
                p_antagonism_ci: frac(&|x| x.0 <= 1.0),
                p_antagonism_ss: frac(&|x| x.1 >= 0.0),
            }
        })
        .collect();
    let arms_out = (0..4)
        .map(|a| ArmAuc {
            group: order[a].to_string(),
            n: by_arm[a].len(),
            mean_auc: means[a],
            relative_survival: ((means[a] - means[0]) * opts.day).exp(),
        })
        .collect();
    Ok(InvivoSynResult {
        day_origin: origin,
        mice: per_mouse,
        arms: arms_out,
        rows,
        boot: opts.boot,
        seed: opts.seed,
        level: opts.level,
    })
}
