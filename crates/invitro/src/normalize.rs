//! Per-plate normalisation of viability readings: blank subtraction, percent
//! of vehicle, NCI-60 percent growth and GR values.
//!
//! For each plate that is not a time-zero plate, with x the raw reading of a
//! well:
//!
//! - **Blank**: b = mean of the plate's `blank` wells with a value. Without
//!   blank wells no background is subtracted (b = 0) and every well carries
//!   [`Flag::NoBlank`].
//! - **Corrected** signal: x′ = x − b. A non-blank well with x′ < 0 carries
//!   [`Flag::NegativeAfterBlank`].
//! - **Control**: C = mean corrected signal of the `vehicle` wells; when a
//!   plate has no vehicle well with a value, the `untreated` wells are used
//!   instead ([`Flag::ControlUntreated`]).
//! - **Viability** (percent of vehicle): V = 100·x′/C = 100·(x − b)/(x̄_vehicle − b).
//!   100 = vehicle, 0 = background. `None` when there is no control
//!   ([`Flag::NoControl`]) or C ≤ 0 ([`Flag::ControlNotPositive`]).
//! - **Time zero** (Tz, GR's x0): blank-corrected mean of a time-zero plate's
//!   non-blank wells. Which wells: the defined non-blank wells when the layout
//!   has rows for that plate, otherwise every well with a value. Its blank is
//!   the time-zero plate's own blank mean, or, when it has no blanks, the
//!   treated plate's blank mean ([`Flag::TimeZeroBlankBorrowed`]).
//! - **NCI-60 percent growth** (Monks et al., JNCI 1991; NCI DTP "NCI-60
//!   Screening Methodology"), with Ti = x′ and C, Tz as above:
//!   G = 100·(Ti − Tz)/(C − Tz) if Ti ≥ Tz, else G = 100·(Ti − Tz)/Tz.
//!   `None` when Tz ≤ 0, or when Ti ≥ Tz and C ≤ Tz ([`Flag::NotAboveTimeZero`]).
//! - **GR value** (Hafner, Niepel, Chung & Sorger, Nat Methods 2016):
//!   GR = 2^(log2(x′/x0) / log2(C/x0)) − 1 with x0 = Tz. `None` unless x′,
//!   x0 and C are > 0 and C ≠ x0. Not capped.
//!
//! **Matching time-zero plates.** Time-zero plates are those marked
//! `time_zero` in the plate-info table. A plate's cell line is its plate-info
//! `cell_line`, else the single cell line of its non-blank layout wells. A
//! plate with a cell line uses every time-zero plate of the same cell line
//! — only those of the same plate-info `experiment` when there are any —
//! (Tz = mean of their Tz values); when none matches, the only time-zero plate
//! of the experiment is used if it has no cell line. A plate without a cell
//! line uses the only time-zero plate of the experiment. Otherwise growth and
//! GR are `None` with [`Flag::NoTimeZero`] — unless the plate info gives
//! `assay_time_h` and `doubling_time_h`: then Tz = C / 2^(T/Td), the
//! time-zero signal implied by exponential control growth (Hafner et al.
//! 2016), and the wells carry [`Flag::TimeZeroFromDoublingTime`]. Time-zero plates themselves are
//! not part of the well output.
//!
//! **Outliers.** Wells are flagged [`Flag::Outlier`] (never dropped, never
//! excluded from means) by [`crate::outliers::replicate_outliers`] on the raw readings of
//! each replicate group (same plate, role, compound, dose, unit, cell line).
//!
//! Wells that the layout does not define are not in the output. Every other
//! well is, with `None` values where a number does not exist.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use preclin_curve::units::ConcUnit;
use serde::Serialize;

use crate::layout::{Layout, PlateInfo, Role, WellDef};
use crate::plate::{PlateFormat, Well};
use crate::qc::OutlierRule;
use crate::reader::{NoteKind, RawPlate};
use preclin_curve::gr::gr_value;
use preclin_curve::nci::percent_growth;
use preclin_stats::desc::mean;

/// A condition attached to a normalised well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The reader reported an overflow (signal above range): no value.
    Overflow,
    /// The reader reported an underflow (signal below range): no value.
    Underflow,
    /// No reading for the well.
    Missing,
    /// The plate has no blank wells: no background subtraction.
    NoBlank,
    /// The plate has no vehicle or untreated wells with a value.
    NoControl,
    /// Untreated wells were used as the control (no vehicle wells).
    ControlUntreated,
    /// The blank-corrected control mean is ≤ 0.
    ControlNotPositive,
    /// A non-blank well is below the blank mean.
    NegativeAfterBlank,
    /// Robust-z outlier within its replicate group.
    Outlier,
    /// Time-zero plates exist but none matches this plate.
    NoTimeZero,
    /// Time zero estimated as C / 2^(T/Td) from the plate-info assay time
    /// and doubling time (no time-zero plate).
    TimeZeroFromDoublingTime,
    /// The time-zero plate had no blanks; this plate's blank mean was used.
    TimeZeroBlankBorrowed,
    /// The control did not grow above time zero (C ≤ Tz).
    NotAboveTimeZero,
}

impl Flag {
    /// snake_case name used in CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Overflow => "overflow",
            Flag::Underflow => "underflow",
            Flag::Missing => "missing",
            Flag::NoBlank => "no_blank",
            Flag::NoControl => "no_control",
            Flag::ControlUntreated => "control_untreated",
            Flag::ControlNotPositive => "control_not_positive",
            Flag::NegativeAfterBlank => "negative_after_blank",
            Flag::Outlier => "outlier",
            Flag::NoTimeZero => "no_time_zero",
            Flag::TimeZeroFromDoublingTime => "time_zero_from_doubling_time",
            Flag::TimeZeroBlankBorrowed => "time_zero_blank_borrowed",
            Flag::NotAboveTimeZero => "not_above_time_zero",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One normalised well: a row of the tidy output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedWell {
    /// Plate id.
    pub plate: String,
    /// Well.
    pub well: Well,
    /// True when the well is on the outer ring of its plate.
    pub edge: bool,
    /// Role from the layout.
    pub role: Role,
    /// Compound.
    pub compound: Option<String>,
    /// Dose in `dose_unit` (as written in the layout).
    pub dose: Option<f64>,
    /// Unit of `dose`.
    pub dose_unit: Option<ConcUnit>,
    /// Cell line (layout, else plate-info).
    pub cell_line: Option<String>,
    /// Plate-info metadata merged with layout metadata (layout wins).
    pub metadata: BTreeMap<String, String>,
    /// Raw reading.
    pub raw: Option<f64>,
    /// Original cell text when the reading was not a number.
    pub note: Option<String>,
    /// Blank-corrected reading x − b (= raw without blanks).
    pub corrected: Option<f64>,
    /// Percent of vehicle, 100·(x − b)/(C).
    pub viability_pct: Option<f64>,
    /// NCI-60 percent growth (needs a time-zero plate).
    pub growth_pct: Option<f64>,
    /// GR value (needs a time-zero plate).
    pub gr: Option<f64>,
    /// Conditions, sorted.
    pub flags: Vec<Flag>,
}

impl NormalizedWell {
    /// True when the well carries `flag`.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

/// Per-plate quantities used by the normalisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlateSummary {
    /// Plate id.
    pub plate: String,
    /// Plate format.
    pub format: PlateFormat,
    /// Where it was read from.
    pub source: String,
    /// Cell line used for time-zero matching.
    pub cell_line: Option<String>,
    /// True for a time-zero plate.
    pub time_zero: bool,
    /// Number of blank wells with a value.
    pub n_blank: usize,
    /// Mean raw blank, b.
    pub blank_mean: Option<f64>,
    /// Role of the control wells (vehicle, or untreated as a fallback).
    pub control_role: Option<Role>,
    /// Number of control wells with a value.
    pub n_control: usize,
    /// Blank-corrected control mean, C.
    pub control_mean: Option<f64>,
    /// Time-zero plates matched to this plate.
    pub time_zero_plates: Vec<String>,
    /// Blank-corrected time-zero value (Tz / x0): the plate's own value for
    /// a time-zero plate, the matched value otherwise.
    pub time_zero_value: Option<f64>,
    /// Human-readable notes.
    pub warnings: Vec<String>,
}

/// Output of [`normalize`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Normalized {
    /// Normalised wells, plates in input order, wells row-major.
    pub wells: Vec<NormalizedWell>,
    /// One summary per input plate (time-zero plates included).
    pub plates: Vec<PlateSummary>,
    /// Experiment-level notes (e.g. layout rows for plates not read).
    pub warnings: Vec<String>,
}

/// Options of [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NormalizeOptions {
    /// Outlier rule for the `outlier` flag.
    pub outliers: OutlierRule,
}

/// Inconsistencies between plates, layout and plate info.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// Two plates have the same id.
    #[error("plate id '{plate}' is used twice ({first} and {second}); plate ids must be unique")]
    DuplicatePlate {
        /// Plate id.
        plate: String,
        /// Source of the first plate.
        first: String,
        /// Source of the second plate.
        second: String,
    },
    /// No layout row applies to a (non-time-zero) plate.
    #[error(
        "plate '{plate}' ({source_file}) has no rows in layout {layout}: add rows with plate = {plate} or rows without a plate"
    )]
    NoLayout {
        /// Plate id.
        plate: String,
        /// Where the plate was read from.
        source_file: String,
        /// Layout file.
        layout: String,
    },
    /// A layout row names a well that is not on the plate.
    #[error("{layout}, line {line}: well {well} is not on plate '{plate}' ({format})")]
    WellOffPlate {
        /// Layout file.
        layout: String,
        /// 1-based line of the layout row.
        line: usize,
        /// The well.
        well: Well,
        /// Plate id.
        plate: String,
        /// Format of that plate.
        format: PlateFormat,
    },
}

/// Blank-corrected values and the pieces needed for them, per plate.
struct PlateCtx<'a> {
    plate: &'a RawPlate,
    defs: Vec<Option<&'a WellDef>>,
    cell_line: Option<String>,
    time_zero: bool,
    blank_vals: Vec<f64>,
    blank_mean: Option<f64>,
}

fn plate_cell_line(defs: &[Option<&WellDef>], info: Option<&str>) -> Option<String> {
    if let Some(c) = info {
        return Some(c.to_string());
    }
    let lines: BTreeSet<&str> = defs
        .iter()
        .flatten()
        .filter(|d| d.role != Role::Blank)
        .filter_map(|d| d.cell_line.as_deref())
        .collect();
    match lines.len() {
        1 => lines.into_iter().next().map(str::to_string),
        _ => None,
    }
}

/// Control doublings over the assay, T/Td, from the plate-info columns
/// `assay_time_h` and `doubling_time_h` (both > 0).
fn doublings(info: Option<&PlateInfo>, plate: &str) -> Option<f64> {
    let m = info.and_then(|i| i.get(plate))?;
    let num = |k: &str| m.metadata.get(k).and_then(|v| v.trim().parse::<f64>().ok());
    let (t, td) = (num("assay_time_h")?, num("doubling_time_h")?);
    (t > 0.0 && td > 0.0 && t.is_finite() && td.is_finite()).then(|| t / td)
}

/// The plate-info `experiment` of a plate, if any.
fn plate_experiment<'a>(info: Option<&'a PlateInfo>, plate: &str) -> Option<&'a str> {
    info.and_then(|i| i.get(plate))
        .and_then(|m| m.metadata.get("experiment"))
        .map(String::as_str)
}

/// Normalises every plate (see the module doc for the formulas and rules).
pub fn normalize(
    plates: &[RawPlate],
    layout: &Layout,
    info: Option<&PlateInfo>,
    opts: &NormalizeOptions,
) -> Result<Normalized, NormalizeError> {
    let mut seen: HashMap<&str, &RawPlate> = HashMap::new();
    for p in plates {
        if let Some(first) = seen.insert(p.id.as_str(), p) {
            return Err(NormalizeError::DuplicatePlate {
                plate: p.id.clone(),
                first: first.source.clone(),
                second: p.source.clone(),
            });
        }
    }
    let mut warnings = Vec::new();
    for named in layout.named_plates() {
        if !seen.contains_key(named) {
            warnings.push(format!(
                "layout {} has rows for plate '{named}', which was not read",
                layout.source
            ));
        }
    }
    if let Some(info) = info {
        for m in &info.plates {
            if !seen.contains_key(m.plate.as_str()) {
                warnings.push(format!(
                    "{}, line {}: plate '{}' was not read",
                    info.source, m.line, m.plate
                ));
            }
        }
    }

    // Resolve layouts and blanks for every plate.
    let mut ctxs = Vec::with_capacity(plates.len());
    for p in plates {
        let meta = info.and_then(|i| i.get(&p.id));
        let time_zero = meta.is_some_and(|m| m.time_zero);
        if !time_zero && !layout.covers(&p.id) {
            return Err(NormalizeError::NoLayout {
                plate: p.id.clone(),
                source_file: p.source.clone(),
                layout: layout.source.clone(),
            });
        }
        let (defs, off) = layout.resolve(&p.id, p.format);
        if let Some(d) = off.first() {
            return Err(NormalizeError::WellOffPlate {
                layout: layout.source.clone(),
                line: d.line,
                well: d.well,
                plate: p.id.clone(),
                format: p.format,
            });
        }
        let blank_vals: Vec<f64> = p
            .format
            .wells()
            .enumerate()
            .filter(|(i, _)| defs[*i].is_some_and(|d| d.role == Role::Blank))
            .filter_map(|(i, _)| p.values.get(i).copied().flatten())
            .collect();
        ctxs.push(PlateCtx {
            plate: p,
            cell_line: plate_cell_line(&defs, meta.and_then(|m| m.cell_line.as_deref())),
            defs,
            time_zero,
            blank_mean: mean(&blank_vals),
            blank_vals,
        });
    }

    // Time-zero plates: raw mean of the non-blank wells and own blank.
    struct Tz<'a> {
        id: &'a str,
        cell_line: Option<&'a str>,
        experiment: Option<&'a str>,
        raw_mean: Option<f64>,
        blank: Option<f64>,
    }
    let tzs: Vec<Tz> = ctxs
        .iter()
        .filter(|c| c.time_zero)
        .map(|c| {
            let has_layout = c.defs.iter().any(Option::is_some);
            let vals: Vec<f64> = c
                .plate
                .values
                .iter()
                .zip(&c.defs)
                .filter(|(_, d)| match d {
                    Some(d) => d.role != Role::Blank,
                    None => !has_layout,
                })
                .filter_map(|(v, _)| *v)
                .collect();
            Tz {
                id: &c.plate.id,
                cell_line: c.cell_line.as_deref(),
                experiment: plate_experiment(info, &c.plate.id),
                raw_mean: mean(&vals),
                blank: c.blank_mean,
            }
        })
        .collect();

    let mut wells = Vec::new();
    let mut summaries = Vec::with_capacity(ctxs.len());
    for c in &ctxs {
        let p = c.plate;
        let mut sw = Vec::new();
        if c.blank_mean.is_none() {
            sw.push("no blank wells: readings are not background-subtracted".to_string());
        }
        if c.time_zero {
            let tz = tzs.iter().find(|t| t.id == p.id);
            let value = tz.and_then(|t| t.raw_mean.map(|m| m - t.blank.unwrap_or(0.0)));
            summaries.push(PlateSummary {
                plate: p.id.clone(),
                format: p.format,
                source: p.source.clone(),
                cell_line: c.cell_line.clone(),
                time_zero: true,
                n_blank: c.blank_vals.len(),
                blank_mean: c.blank_mean,
                control_role: None,
                n_control: 0,
                control_mean: None,
                time_zero_plates: Vec::new(),
                time_zero_value: value,
                warnings: sw,
            });
            continue;
        }
        let b = c.blank_mean.unwrap_or(0.0);
        let corrected = |i: usize| p.values.get(i).copied().flatten().map(|x| x - b);
        let role_vals = |role: Role| -> Vec<f64> {
            (0..c.defs.len())
                .filter(|&i| c.defs[i].is_some_and(|d| d.role == role))
                .filter_map(corrected)
                .collect()
        };
        let mut control_role = Some(Role::Vehicle);
        let mut control_vals = role_vals(Role::Vehicle);
        if control_vals.is_empty() {
            control_vals = role_vals(Role::Untreated);
            control_role = (!control_vals.is_empty()).then_some(Role::Untreated);
            if control_role.is_some() {
                sw.push("no vehicle wells: untreated wells are the 100 % control".to_string());
            } else {
                sw.push("no vehicle or untreated wells: viability cannot be computed".to_string());
            }
        }
        let control = mean(&control_vals);
        let control_ok = control.filter(|&m| m > 0.0);
        if control.is_some() && control_ok.is_none() {
            sw.push("blank-corrected control mean is not positive".to_string());
        }

        // Time zero.
        let matched: Vec<&Tz> = if tzs.is_empty() {
            Vec::new()
        } else {
            match c.cell_line.as_deref() {
                Some(cl) => {
                    let mut same: Vec<&Tz> =
                        tzs.iter().filter(|t| t.cell_line == Some(cl)).collect();
                    // Same experiment first, when both plates name one.
                    if let Some(ex) = plate_experiment(info, &p.id) {
                        let same_exp: Vec<&Tz> = same
                            .iter()
                            .copied()
                            .filter(|t| t.experiment == Some(ex))
                            .collect();
                        if !same_exp.is_empty() {
                            same = same_exp;
                        }
                    }
                    if !same.is_empty() {
                        same
                    } else if tzs.len() == 1 && tzs[0].cell_line.is_none() {
                        vec![&tzs[0]]
                    } else {
                        Vec::new()
                    }
                }
                None if tzs.len() == 1 => vec![&tzs[0]],
                None => Vec::new(),
            }
        };
        let mut borrowed = false;
        let tz_vals: Vec<f64> = matched
            .iter()
            .filter_map(|t| {
                let blank = match t.blank {
                    Some(tb) => tb,
                    None => {
                        if c.blank_mean.is_some() {
                            borrowed = true;
                        }
                        b
                    }
                };
                t.raw_mean.map(|m| m - blank)
            })
            .collect();
        let mut tz = mean(&tz_vals);
        // Without a time-zero plate, the number of control doublings over the
        // assay (plate info `assay_time_h` / `doubling_time_h`) gives
        // Tz = C / 2^(T/Td) (Hafner et al. 2016, GR from doubling time).
        let mut tz_from_doublings = false;
        if tz.is_none()
            && let (Some(cm), Some(n)) = (control_ok, doublings(info, &p.id))
        {
            tz = Some(cm / n.exp2());
            tz_from_doublings = true;
        }
        let no_tz = !tzs.is_empty() && tz.is_none();
        if no_tz {
            sw.push(match &c.cell_line {
                Some(cl) => format!("no time-zero plate for cell line '{cl}': growth and GR not computed"),
                None => "several time-zero plates and no cell line to choose one: growth and GR not computed".to_string(),
            });
        }
        let not_above_tz = matches!((tz, control), (Some(t), Some(cm)) if cm <= t);
        if not_above_tz {
            sw.push(
                "control did not grow above time zero: growth above Tz and GR undefined".into(),
            );
        }

        let meta = info.and_then(|i| i.get(&p.id));
        let first_well = wells.len();
        for (i, w) in p.format.wells().enumerate() {
            let Some(d) = c.defs[i] else { continue };
            let raw = p.values.get(i).copied().flatten();
            let x = corrected(i);
            let mut flags = Vec::new();
            match p.notes.get(i).and_then(Option::as_ref).map(|n| n.kind) {
                Some(NoteKind::Overflow) => flags.push(Flag::Overflow),
                Some(NoteKind::Underflow) => flags.push(Flag::Underflow),
                Some(NoteKind::Missing) => flags.push(Flag::Missing),
                None if raw.is_none() => flags.push(Flag::Missing),
                None => {}
            }
            if c.blank_mean.is_none() {
                flags.push(Flag::NoBlank);
            }
            if tz_from_doublings {
                flags.push(Flag::TimeZeroFromDoublingTime);
            }
            match control_role {
                None => flags.push(Flag::NoControl),
                Some(Role::Untreated) => flags.push(Flag::ControlUntreated),
                _ => {}
            }
            if control.is_some() && control_ok.is_none() {
                flags.push(Flag::ControlNotPositive);
            }
            if d.role != Role::Blank && x.is_some_and(|v| v < 0.0) {
                flags.push(Flag::NegativeAfterBlank);
            }
            if no_tz {
                flags.push(Flag::NoTimeZero);
            }
            if borrowed {
                flags.push(Flag::TimeZeroBlankBorrowed);
            }
            if not_above_tz {
                flags.push(Flag::NotAboveTimeZero);
            }
            let viability_pct = x.zip(control_ok).map(|(x, cm)| 100.0 * x / cm);
            // NCI-60 percent growth and GR value: the definitions live in
            // preclin_curve::nci and preclin_curve::gr.
            let growth_pct = match (x, tz, control) {
                (Some(ti), Some(tz), Some(cm)) => percent_growth(ti, tz, cm),
                _ => None,
            };
            let gr = match (x, tz, control) {
                (Some(x), Some(x0), Some(xc)) => gr_value(x, xc, x0),
                _ => None,
            };
            let mut metadata: BTreeMap<String, String> =
                meta.map(|m| m.metadata.clone()).unwrap_or_default();
            metadata.extend(d.metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
            wells.push(NormalizedWell {
                plate: p.id.clone(),
                well: w,
                edge: w.is_edge(p.format),
                role: d.role,
                compound: d.compound.clone(),
                dose: d.dose,
                dose_unit: d.dose_unit,
                cell_line: d
                    .cell_line
                    .clone()
                    .or_else(|| meta.and_then(|m| m.cell_line.clone())),
                metadata,
                raw,
                note: p
                    .notes
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(|n| n.text.clone()),
                corrected: x,
                viability_pct,
                growth_pct,
                gr,
                flags,
            });
        }
        // Outliers within replicate groups of this plate.
        let plate_wells = &mut wells[first_well..];
        let mask = crate::qc::replicate_outliers(plate_wells, &opts.outliers);
        for (w, out) in plate_wells.iter_mut().zip(mask) {
            if out {
                w.flags.push(Flag::Outlier);
            }
            w.flags.sort();
        }
        let n_out = plate_wells.iter().filter(|w| w.has(Flag::Outlier)).count();
        if n_out > 0 {
            sw.push(format!("{n_out} outlier well(s) flagged (robust z)"));
        }
        summaries.push(PlateSummary {
            plate: p.id.clone(),
            format: p.format,
            source: p.source.clone(),
            cell_line: c.cell_line.clone(),
            time_zero: false,
            n_blank: c.blank_vals.len(),
            blank_mean: c.blank_mean,
            control_role,
            n_control: control_vals.len(),
            control_mean: control,
            time_zero_plates: matched.iter().map(|t| t.id.to_string()).collect(),
            time_zero_value: tz,
            warnings: sw,
        });
    }
    Ok(Normalized {
        wells,
        plates: summaries,
        warnings,
    })
}
