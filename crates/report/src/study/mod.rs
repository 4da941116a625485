//! The whole-study report of `preclin analyze`: plain data and its renderer.
//!
//! A [`StudyReport`] is what a study produced, already linked by compound and cell line / model:
//!
//! 1. the **study summary** ([`SummaryRow`]: one row per compound × model with its key numbers
//!    and 95 % confidence intervals, [`KeyNumber`]),
//! 2. **QC warnings** ([`QcItem`]: failed fits, plate Z′ < 0.5, outlier wells, repaired FCS
//!    files …, each with a [`Severity`] and the file it came from),
//! 3. **measured vs published** ([`Comparison`]: a measured potency or in vivo outcome beside
//!    the reference row of the same compound and cell line / model, with a [`Agreement`]
//!    verdict; disagreements are flagged),
//! 4. one **section per experiment** ([`ExperimentSection`]: text, tables, figures as inline
//!    SVG plus the name of the PNG written beside it),
//! 5. **methods** ([`MethodsBlock`]: every formula, definition choice and its source),
//! 6. **provenance** ([`StudyProvenance`]: preclin version, input SHA-256, options, seeds and the
//!    generation time).
//!
//! The report crate does not assemble this from a study (that is `preclin_study::summary`, which
//! may depend on this crate, never the reverse); it only renders it ([`render`]) with minijinja
//! templates that a user may override file by file ([`Templates`]).
//!
//! Numbers are kept as `Option<f64>` and formatted by the renderer ([`fmt_sig`]): a value that
//! does not exist (or is not finite) is shown as "—" and never as `NaN` or `inf`.

mod render;

pub use render::{StudyReportError, TEMPLATE_NAMES, Templates, fmt_p, fmt_sig, render};

use serde::{Deserialize, Serialize};

use crate::html::Table;

/// The whole-study report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyReport {
    /// Title (the study's name).
    pub title: String,
    /// Subtitle (study id, investigator, lab, date); empty for none.
    pub subtitle: String,
    /// Introductory paragraphs (the study description).
    pub description: Vec<String>,
    /// Study summary: one row per compound × model, in study order.
    pub summary: Vec<SummaryRow>,
    /// Measured vs published, potency first, then in vivo outcomes.
    pub comparisons: Vec<Comparison>,
    /// QC findings, most severe first.
    pub qc: Vec<QcItem>,
    /// One section per experiment, in manifest order.
    pub experiments: Vec<ExperimentSection>,
    /// Methods, one block per experiment kind (and general blocks).
    pub methods: Vec<MethodsBlock>,
    /// Provenance footer.
    pub provenance: StudyProvenance,
}

/// One compound × model line of the study summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryRow {
    /// Compound (canonical manifest name); empty for results without one.
    pub compound: String,
    /// Cell line or in vivo model (canonical manifest name); empty for none.
    pub model: String,
    /// The key numbers of every experiment about this compound × model.
    pub numbers: Vec<KeyNumber>,
}

/// A key number: an estimate with its 95 % CI.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyNumber {
    /// Experiment name it comes from.
    pub experiment: String,
    /// Metric (`EC50`, `TGI`, `fold_change` …).
    pub metric: String,
    /// What it is about beyond compound and model (`HOXA9 MI-503_250nM`, `day 28`), if anything.
    pub label: String,
    /// Estimate; `None` when it does not exist (shown as "not estimable").
    pub value: Option<f64>,
    /// Lower 95 % confidence limit.
    pub ci_lower: Option<f64>,
    /// Upper 95 % confidence limit.
    pub ci_upper: Option<f64>,
    /// Unit (`nM`, `%`); empty for none.
    pub unit: String,
    /// Flags of the result row (`at_bound`, `never_reached` …).
    pub flags: Vec<String>,
}

/// The verdict of a measured-vs-published comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// The measured interval overlaps the published one.
    Agrees,
    /// The measured interval lies entirely on one side of the published one: flagged.
    Disagrees,
    /// Not comparable (qualitative value, other unit or metric); shown, not judged.
    #[default]
    NotComparable,
}

/// A measured value beside one published reference row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Comparison {
    /// Compound.
    pub compound: String,
    /// Cell line / model of the measurement.
    pub model: String,
    /// The measurement (metric, value, CI, unit, experiment).
    pub measured: KeyNumber,
    /// Published metric as written (`GI50`, `tumour volume reduction`).
    pub published_metric: String,
    /// Published value as printed with its unit (`≈ 250–570 nM`).
    pub published: String,
    /// The model / cell line of the published row as written.
    pub published_model: String,
    /// The source to cite.
    pub source: String,
    /// Verdict.
    pub agreement: Agreement,
    /// The verdict in words (`agrees`, `less potent than published (≥ 2.1-fold)`).
    pub verdict: String,
    /// Caveats (definitions differ, no CI, different model …).
    pub notes: Vec<String>,
}

/// How serious a QC finding is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A result could not be computed or a plate failed QC.
    Error,
    /// A result exists but needs a look (outlier wells, replicate spread, exits …).
    #[default]
    Warning,
    /// Information (a repaired file, a reference-gene stability figure).
    Note,
}

/// One QC finding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QcItem {
    /// Severity.
    pub severity: Severity,
    /// Experiment name.
    pub experiment: String,
    /// The output or input file it was read from (relative to the output folder).
    pub source: String,
    /// What was found.
    pub message: String,
}

/// A figure of an experiment section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyFigure {
    /// Caption.
    pub caption: String,
    /// The SVG document, inlined (trusted: written by this crate's figures).
    pub svg: String,
    /// The PNG written beside the SVG (relative path), if any.
    pub png: Option<String>,
}

/// One experiment's section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExperimentSection {
    /// Experiment name (also the output folder).
    pub name: String,
    /// Heading.
    pub title: String,
    /// Kind (`viability`, `xenograft` …).
    pub kind: String,
    /// Paragraphs (description, files, compounds, models).
    pub text: Vec<String>,
    /// Tables (preformatted cells; empty cell = missing).
    pub tables: Vec<Table>,
    /// Figures.
    pub figures: Vec<StudyFigure>,
}

/// A block of the methods section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MethodsBlock {
    /// Heading (`Viability (viability_day7)`, `Confidence intervals` …).
    pub heading: String,
    /// Paragraphs: definitions, formulas, options.
    pub paragraphs: Vec<String>,
    /// Sources of the formulas (papers, software).
    pub sources: Vec<String>,
}

/// What produced the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyProvenance {
    /// preclin version.
    pub tool_version: String,
    /// The command line.
    pub command: String,
    /// Generation time (RFC 3339; honours `SOURCE_DATE_EPOCH`), `None` to leave it out.
    pub generated_at: Option<String>,
    /// Input files as (path, SHA-256 hex).
    pub inputs: Vec<(String, String)>,
    /// Options as (key, value).
    pub options: Vec<(String, String)>,
    /// Random seeds as (use, seed).
    pub seeds: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests;
