//! qRT-PCR relative quantification: Cq tables from tidy files, RDML and
//! instrument exports; technical replicates; ΔΔCt (Livak & Schmittgen 2001,
//! with R `pcr`'s error propagation for separate-tube and same-tube designs);
//! the efficiency-corrected ratio (Pfaffl 2001, several reference genes as
//! in qbase); standard-curve efficiency; geNorm reference-gene stability;
//! statistics on ΔCt; MIQE-minded quality control.
//!
//! | module | concept |
//! |---|---|
//! | [`tidy`] | the canonical Cq record ([`tidy::CqRecord`], [`tidy::CqSet`]), "not detected" tokens, the tidy `sample,group,gene,ct` reader, group sheets |
//! | [`import_rdml`] | RDML 1.0–1.4 (`.rdml` zip or plain XML) → [`import_rdml::RdmlFile`] → Cq records; the reaction table |
//! | [`import_instrument`] | QuantStudio / StepOne and Bio-Rad CFX result exports (text or XLSX) |
//! | [`replicates`] | technical replicates → one Cq per sample and gene, with the spread flag |
//! | [`ddct`] | ΔCt, ΔΔCt, fold change, `pcr`'s ±SD band, the CI and test per group |
//! | [`pfaffl`] | amplification efficiencies and the efficiency-corrected ratio |
//! | [`efficiency`] | standard curves: slope, E = 10^(−1/slope), R², linear range |
//! | [`genorm`] | geNorm M values, stepwise exclusion, pairwise variation V |
//! | [`stats`] | tests on ΔCt: Welch / pooled t, Mann–Whitney, Dunnett, Holm |
//! | [`qc`] | NTC / no-RT amplification, late Cq, replicate spread, melt peaks, reference stability |
//!
//! Importers never compute statistics; the analyses never read files.
//!
//! **Units.** Cq (= Ct) in cycles. ΔCt = Ct(target) − Ct(reference), so a
//! *lower* ΔCt means *more* transcript; ΔΔCt = ΔCt(group) − ΔCt(control);
//! fold change = 2^−ΔΔCt (> 1 = up-regulated against the control).

pub mod ddct;
pub mod efficiency;
pub mod genorm;
pub mod import_instrument;
pub mod import_rdml;
pub mod pfaffl;
pub mod qc;
pub mod replicates;
pub mod stats;
pub mod tidy;

pub use ddct::{DdctOptions, DdctResult, GroupRow, Method, Tubes, relative_expression};
pub use tidy::{CqRecord, CqSet, SampleType, read_cq_file};

use crate::table::TableError;

/// Errors of the qPCR importers and analyses. Every variant that concerns
/// user data names the file (where known), the sample and the row.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QpcrError {
    /// The underlying table could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The file could not be read.
    #[error("{file}: cannot read file: {cause}")]
    Io {
        /// File name as given.
        file: String,
        /// Underlying error.
        cause: std::io::Error,
    },
    /// An RDML file is malformed (zip, XML or structure).
    #[error("{file}: not a readable RDML file: {message}")]
    Rdml {
        /// File name as given.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A Ct cell holds something that is neither a number nor a
    /// "not detected" token.
    #[error(
        "{file}, line {line}, column '{column}': expected a Ct (a number, or Undetermined / N/A / empty / -1 for not detected), found '{value}'"
    )]
    BadCt {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// Cell text.
        value: String,
    },
    /// A Ct outside the plausible range `(0, 60]` cycles.
    #[error(
        "{file}, line {line}: sample '{sample}', gene '{gene}': Ct {value} is out of range (expected 0 < Ct <= {max} cycles; write Undetermined or leave the cell empty for no amplification)"
    )]
    CtOutOfRange {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Sample.
        sample: String,
        /// Gene.
        gene: String,
        /// The value.
        value: f64,
        /// Largest accepted Ct.
        max: f64,
    },
    /// A required cell (sample, gene, group) is empty.
    #[error("{file}, line {line}: empty '{column}' cell")]
    EmptyCell {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
    },
    /// No usable result table was found in an instrument export.
    #[error(
        "{file}: no result table found (expected a tidy table with columns sample, group, gene, ct, a QuantStudio/StepOne [Results] table, or a Bio-Rad CFX Cq table)"
    )]
    UnknownLayout {
        /// File name.
        file: String,
    },
    /// A sample of an unknown (test) sample has no group.
    #[error(
        "{file}, line {line}: sample '{sample}' has no group (add a group column, or pass a sample sheet sample,group with --groups)"
    )]
    NoGroup {
        /// File name.
        file: String,
        /// 1-based line (or RDML reaction number).
        line: usize,
        /// Sample.
        sample: String,
    },
    /// A sample appears with two different groups.
    #[error(
        "{file}: sample '{sample}' is in group '{first}' (line {first_line}) and in group '{second}' (line {second_line})"
    )]
    SampleInTwoGroups {
        /// File name.
        file: String,
        /// Sample.
        sample: String,
        /// First group.
        first: String,
        /// Line of the first group.
        first_line: usize,
        /// Second group.
        second: String,
        /// Line of the second group.
        second_line: usize,
    },
    /// The control group does not occur among the samples.
    #[error("{file}: control group '{control}' not found (groups: {})", .available.join(", "))]
    ControlMissing {
        /// File name.
        file: String,
        /// Requested control group.
        control: String,
        /// Groups present.
        available: Vec<String>,
    },
    /// A reference gene does not occur in the data.
    #[error("{file}: reference gene '{gene}' not found (genes: {})", .available.join(", "))]
    ReferenceMissing {
        /// File name.
        file: String,
        /// Requested reference gene.
        gene: String,
        /// Genes present.
        available: Vec<String>,
    },
    /// A sample has target-gene data but no (detected) reference-gene Ct.
    #[error(
        "{file}, line {line}: sample '{sample}' (group '{group}') has no {what} Ct for reference gene '{gene}': ΔCt cannot be formed; remove the sample or rerun the reference"
    )]
    ReferenceAbsentForSample {
        /// File name.
        file: String,
        /// 1-based line of the sample's first record.
        line: usize,
        /// Sample.
        sample: String,
        /// Its group.
        group: String,
        /// Reference gene.
        gene: String,
        /// "measured" (no record at all) or "detected" (all not detected).
        what: &'static str,
    },
    /// Only reference genes: nothing to quantify.
    #[error("{file}: no target gene besides the reference gene(s) {}", .reference.join(", "))]
    NoTargets {
        /// File name.
        file: String,
        /// Reference genes.
        reference: Vec<String>,
    },
    /// The Pfaffl method needs an efficiency for a gene.
    #[error(
        "no amplification efficiency for gene '{gene}' (give it in the --efficiency file, or store it in the RDML target)"
    )]
    EfficiencyMissing {
        /// Gene.
        gene: String,
    },
    /// An efficiency value is implausible.
    #[error(
        "{file}, line {line}: efficiency {value} for gene '{gene}' is not plausible (expected a fold per cycle 1 < E <= 2.5, or a percentage 10–150 in an efficiency_pct column)"
    )]
    BadEfficiency {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Gene.
        gene: String,
        /// The value.
        value: f64,
    },
    /// An option value is invalid.
    #[error("{0}")]
    Invalid(String),
}
