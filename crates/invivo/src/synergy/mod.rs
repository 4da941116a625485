//! In vivo drug-combination synergy from longitudinal tumour volumes of four
//! arms — control (vehicle), drug A, drug B and the A+B combination — by two
//! published methods:
//!
//! - [`synergylmm`]: SynergyLMM (Romero-Becerra et al., github RafRomB/SynergyLMM,
//!   `lmmModel()` / `lmmSynergy()`): a linear mixed model on log relative tumour
//!   volume with one growth rate per arm and a per-mouse random slope; Bliss and
//!   HSA nulls as linear contrasts of the rates; a synergy score and a
//!   combination index with CI and p-value at every time point, each from the
//!   model refitted to the data up to that time.
//! - [`invivosyn`]: invivoSyn (Mao & Guo 2023, Cancer Res Commun 3:2146;
//!   github maobinchen/invivoSyn, `get_AUC`, `AUC_synergy`): a per-mouse
//!   AUC-based exponential growth rate, relative survival versus control at a
//!   chosen day, Bliss and HSA expected survival, combination index and synergy
//!   score with a stratified (within-arm) bootstrap percentile CI.
//!
//! Both take the same tidy input ([`TumourRecord`] rows) and arm names
//! ([`SynergyArms`]). Only the formulas of the published methods are used;
//! no code of either package.

pub mod invivosyn;
pub mod synergylmm;

use serde::Serialize;
use thiserror::Error;

/// One tumour-volume measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TumourRecord {
    /// Mouse identifier (unique within its arm; the key is arm + mouse).
    pub mouse: String,
    /// Treatment arm.
    pub group: String,
    /// Day (any origin; both methods rebase to the first day).
    pub day: f64,
    /// Tumour volume (mm³); `None` = not measured.
    pub volume: Option<f64>,
}

/// Names of the four arms of a two-drug combination study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynergyArms {
    /// Control / vehicle arm.
    pub control: String,
    /// Monotherapy A.
    pub drug_a: String,
    /// Monotherapy B.
    pub drug_b: String,
    /// The A+B combination.
    pub combo: String,
}

impl SynergyArms {
    /// The arms in model order: control, A, B, combination.
    pub fn order(&self) -> [&str; 4] {
        [&self.control, &self.drug_a, &self.drug_b, &self.combo]
    }

    /// Index 0–3 of an arm name in [`Self::order`], `None` for other arms.
    pub fn index(&self, group: &str) -> Option<usize> {
        self.order().iter().position(|g| *g == group)
    }
}

/// Reference (null) model of additivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NullModel {
    /// Bliss independence: the drugs act independently (effects multiply).
    Bliss,
    /// Highest single agent: the combination is compared with its better drug.
    Hsa,
}

impl NullModel {
    /// Lower-case name as printed in outputs (`bliss`, `hsa`).
    pub fn name(self) -> &'static str {
        match self {
            NullModel::Bliss => "bliss",
            NullModel::Hsa => "hsa",
        }
    }
}

/// Errors of the synergy analyses.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SynergyError {
    /// An arm has no usable mouse.
    #[error("arm {0:?} has no usable mouse")]
    EmptyArm(String),
    /// A day or volume is not finite or a volume is negative.
    #[error("mouse {mouse:?} ({group}): invalid value {value} ({what})")]
    InvalidValue {
        /// Mouse.
        mouse: String,
        /// Arm.
        group: String,
        /// Offending value.
        value: f64,
        /// Which field.
        what: &'static str,
    },
    /// The same mouse has two volumes on the same day.
    #[error("mouse {mouse:?} ({group}) has two volumes on day {day}")]
    DuplicateDay {
        /// Mouse.
        mouse: String,
        /// Arm.
        group: String,
        /// Day.
        day: f64,
    },
    /// Arm names are not four distinct names.
    #[error("control, drug A, drug B and combination must be four distinct arms")]
    Arms,
    /// Invalid option.
    #[error("invalid option: {0}")]
    Option(String),
    /// The mixed model could not be fitted to the full data.
    #[error("mixed model: {0}")]
    Model(#[from] preclin_stats::lmm::LmmError),
}

/// Groups records into mice of the four arms, sorted by day; records of other
/// arms are ignored; unmeasured days are dropped. Validates values.
pub(crate) fn mice_of(
    records: &[TumourRecord],
    arms: &SynergyArms,
) -> Result<Vec<Mouse>, SynergyError> {
    let o = arms.order();
    if (0..4).any(|i| (i + 1..4).any(|j| o[i] == o[j])) {
        return Err(SynergyError::Arms);
    }
    let mut mice: std::collections::BTreeMap<(usize, String), Vec<(f64, f64)>> =
        std::collections::BTreeMap::new();
    for r in records {
        let Some(arm) = arms.index(&r.group) else {
            continue;
        };
        if !r.day.is_finite() {
            return Err(SynergyError::InvalidValue {
                mouse: r.mouse.clone(),
                group: r.group.clone(),
                value: r.day,
                what: "day",
            });
        }
        let entry = mice.entry((arm, r.mouse.clone())).or_default();
        if let Some(v) = r.volume {
            if !v.is_finite() || v < 0.0 {
                return Err(SynergyError::InvalidValue {
                    mouse: r.mouse.clone(),
                    group: r.group.clone(),
                    value: v,
                    what: "volume",
                });
            }
            if entry.iter().any(|(d, _)| *d == r.day) {
                return Err(SynergyError::DuplicateDay {
                    mouse: r.mouse.clone(),
                    group: r.group.clone(),
                    day: r.day,
                });
            }
            entry.push((r.day, v));
        }
    }
    let mut out: Vec<Mouse> = mice
        .into_iter()
        .map(|((arm, id), mut pts)| {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            Mouse {
                arm,
                id,
                points: pts,
            }
        })
        .collect();
    out.sort_by(|a, b| a.arm.cmp(&b.arm).then_with(|| natural_cmp(&a.id, &b.id)));
    for (i, name) in o.iter().enumerate() {
        if !out.iter().any(|m| m.arm == i && !m.points.is_empty()) {
            return Err(SynergyError::EmptyArm((*name).to_string()));
        }
    }
    Ok(out)
}

/// Numeric-aware ordering of mouse ids ("2" < "10").
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// One mouse: arm index (0 control, 1 A, 2 B, 3 combination), id and
/// measured (day, volume) points sorted by day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mouse {
    pub arm: usize,
    pub id: String,
    pub points: Vec<(f64, f64)>,
}
