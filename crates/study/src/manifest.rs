//! The `study.toml` manifest: study metadata, compounds, cell lines / models
//! and experiments with their files and engine options.
//!
//! Parsing is two-step. The document is first read by the `toml` crate into
//! raw types that keep the byte span of every value ([`toml::Spanned`]);
//! syntax and type errors carry the span `toml` reports
//! ([`toml::de::Error::span`]), turned into a 1-based line and column. The
//! raw document is then validated — names and aliases unique, every compound
//! and cell line an experiment names declared, file globs matching, units and
//! engine options well formed — and every finding is reported with the line
//! and column of the offending value, all of them at once.
//!
//! Names are matched case-insensitively on the name or any alias
//! ([`Manifest::compound`], [`Manifest::cell_line`]).
//!
//! ```toml
//! [study]
//! id = "mi503-kmt2a"
//! name = "MI-503 in KMT2A-rearranged AML"
//!
//! [[compounds]]
//! name = "MI-503"
//! aliases = ["MI503"]
//! target = "menin"
//! class = "menin inhibitor"
//! molecular_weight = 564.6
//!
//! [[cell_lines]]
//! name = "MV4;11"
//! aliases = ["MV4-11"]
//! kmt2a_fusion = "KMT2A::AFF1"
//! flt3_itd = true
//!
//! [[experiments]]
//! name = "viability"
//! kind = "viability"
//! files = ["plates/*.csv"]
//! compounds = ["MI-503"]
//! cell_lines = ["MV4-11"]
//! [experiments.options]
//! layout = "layout.csv"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use preclin_curve::units::{ConcUnit, Molar, UnitError};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A position in the manifest: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The line and column of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location { line, column }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One finding of manifest validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Where in the manifest (None when the finding concerns the whole file).
    pub location: Option<Location>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(loc) => write!(
                f,
                "line {}, column {}: {}",
                loc.line, loc.column, self.message
            ),
            None => f.write_str(&self.message),
        }
    }
}

/// Errors reading a manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or a value has the wrong type / a field is
    /// unknown or missing.
    #[error("{path}: {diagnostic}")]
    Syntax {
        /// The manifest path.
        path: PathBuf,
        /// Location and message (including what was expected).
        diagnostic: Diagnostic,
    },
    /// The manifest is well formed but inconsistent; every finding is listed.
    #[error("{path}: {}", join_diagnostics(.diagnostics))]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// The findings, in document order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn join_diagnostics(d: &[Diagnostic]) -> String {
    let lines: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    if lines.len() == 1 {
        lines[0].clone()
    } else {
        format!("{} problems:\n  {}", lines.len(), lines.join("\n  "))
    }
}

impl ManifestError {
    /// Every diagnostic of the error (one for a syntax error, none for I/O).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            ManifestError::Io { .. } => Vec::new(),
            ManifestError::Syntax { diagnostic, .. } => vec![diagnostic.clone()],
            ManifestError::Invalid { diagnostics, .. } => diagnostics.clone(),
        }
    }
}

/// Kind of an experiment, which selects its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentKind {
    /// Plate-reader viability / growth (`preclin viability`).
    Viability,
    /// Combination blocks (`preclin synergy`).
    Combination,
    /// Resistance factors parental vs resistant (`preclin resistance`).
    CrossResistance,
    /// qRT-PCR ΔΔCt (`preclin qpcr`).
    Qpcr,
    /// Colony-forming assay (`preclin cfu`).
    Cfu,
    /// Flow cytometry gating and markers (`preclin gate` / `markers`).
    Flow,
    /// Xenograft tumour growth (in vivo engine).
    Xenograft,
    /// Survival (in vivo engine).
    Survival,
    /// PDX engraftment (in vivo engine).
    Engraftment,
    /// In vivo combination synergy (in vivo engine).
    InvivoSynergy,
}

impl ExperimentKind {
    /// Every kind, in the order of the workflow.
    pub const ALL: [ExperimentKind; 10] = [
        ExperimentKind::Viability,
        ExperimentKind::Combination,
        ExperimentKind::CrossResistance,
        ExperimentKind::Qpcr,
        ExperimentKind::Cfu,
        ExperimentKind::Flow,
        ExperimentKind::Xenograft,
        ExperimentKind::Survival,
        ExperimentKind::Engraftment,
        ExperimentKind::InvivoSynergy,
    ];

    /// The spelling used in `study.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExperimentKind::Viability => "viability",
            ExperimentKind::Combination => "combination",
            ExperimentKind::CrossResistance => "cross_resistance",
            ExperimentKind::Qpcr => "qpcr",
            ExperimentKind::Cfu => "cfu",
            ExperimentKind::Flow => "flow",
            ExperimentKind::Xenograft => "xenograft",
            ExperimentKind::Survival => "survival",
            ExperimentKind::Engraftment => "engraftment",
            ExperimentKind::InvivoSynergy => "invivo_synergy",
        }
    }

    /// True for the in vivo kinds, whose options are a free table.
    pub fn is_in_vivo(self) -> bool {
        matches!(
            self,
            ExperimentKind::Xenograft
                | ExperimentKind::Survival
                | ExperimentKind::Engraftment
                | ExperimentKind::InvivoSynergy
        )
    }
}

impl fmt::Display for ExperimentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Validated types
// ---------------------------------------------------------------------------

/// Study metadata (`[study]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyMeta {
    /// Stable key of the study in the store (`id`, default: `name`).
    pub id: String,
    /// Title.
    pub name: String,
    /// Free description.
    pub description: Option<String>,
    /// Investigator(s).
    pub investigator: Option<String>,
    /// Laboratory / institution.
    pub lab: Option<String>,
    /// Start date as written (e.g. `2026-03-01`).
    pub date: Option<String>,
}

/// A compound (`[[compounds]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compound {
    /// Canonical name.
    pub name: String,
    /// Other names (matched case-insensitively, like the name).
    pub aliases: Vec<String>,
    /// Molecular target, e.g. `menin`.
    pub target: Option<String>,
    /// Class, e.g. `menin inhibitor` (links to class rows of the reference table).
    pub class: Option<String>,
    /// Molecular weight in g/mol, for ng/mL ↔ molar.
    pub molecular_weight: Option<f64>,
}

impl Compound {
    /// True if `name` is this compound's name or an alias (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        let key = name_key(name);
        name_key(&self.name) == key || self.aliases.iter().any(|a| name_key(a) == key)
    }

    /// A concentration in `unit` as molar (mass units use the molecular
    /// weight: c (mol/L) = c (g/L) / MW (g/mol)).
    pub fn to_molar(&self, value: f64, unit: ConcUnit) -> Result<Molar, UnitError> {
        unit.to_molar(value, self.molecular_weight)
    }

    /// A molar concentration expressed in `unit`.
    pub fn from_molar(&self, value: Molar, unit: ConcUnit) -> Result<f64, UnitError> {
        unit.from_molar(value, self.molecular_weight)
    }
}

/// MEN1 status of a cell line or model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Men1Status {
    /// Wild-type MEN1.
    WildType,
    /// A named mutation, e.g. `M327I` (resistance to menin inhibitors).
    Mutant(String),
    /// MEN1 knocked out.
    Knockout,
}

impl fmt::Display for Men1Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Men1Status::WildType => f.write_str("wild-type"),
            Men1Status::Knockout => f.write_str("knockout"),
            Men1Status::Mutant(m) => f.write_str(m),
        }
    }
}

/// What kind of biological system a `[[cell_lines]]` entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// An established cell line (default).
    CellLine,
    /// Primary patient cells.
    Primary,
    /// Patient-derived xenograft.
    Pdx,
    /// Cell-line-derived xenograft.
    Xenograft,
    /// Genetically engineered / transplant mouse model.
    MouseModel,
}

/// A cell line or in vivo model (`[[cell_lines]]`, also written `[[models]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellLine {
    /// Canonical name.
    pub name: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Cell line, PDX, xenograft …
    pub kind: ModelKind,
    /// Species, e.g. `human`.
    pub species: Option<String>,
    /// KMT2A fusion partner, e.g. `KMT2A::AFF1`; `None` when not stated,
    /// `Some("none")` for KMT2A wild-type.
    pub kmt2a_fusion: Option<String>,
    /// NPM1c (NPM1 exon-12 mutation) present; `None` when not stated.
    pub npm1c: Option<bool>,
    /// FLT3-ITD present; `None` when not stated.
    pub flt3_itd: Option<bool>,
    /// MEN1 status; `None` when not stated.
    pub men1: Option<Men1Status>,
    /// Non-malignant line (its IC50 is a CC50 for selectivity).
    pub normal: bool,
}

impl CellLine {
    /// True if `name` is this line's name or an alias (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        let key = name_key(name);
        name_key(&self.name) == key || self.aliases.iter().any(|a| name_key(a) == key)
    }
}

/// An experiment (`[[experiments]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    /// Unique name within the study.
    pub name: String,
    /// Engine.
    pub kind: ExperimentKind,
    /// Free description.
    pub description: Option<String>,
    /// The globs as written (relative to the manifest's folder).
    pub file_patterns: Vec<String>,
    /// The files the globs matched, sorted and deduplicated.
    pub files: Vec<PathBuf>,
    /// Other input files its options name (layout, plate info, time-zero
    /// plates, efficiency table, gating document, control FCS …), resolved
    /// against the manifest's folder, in option order.
    pub option_files: Vec<PathBuf>,
    /// Canonical names of the compounds it involves.
    pub compounds: Vec<String>,
    /// Canonical names of the cell lines / models it involves.
    pub cell_lines: Vec<String>,
    /// The engine options.
    pub options: ExperimentOptions,
}

/// The per-kind engine options of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ExperimentOptions {
    /// `viability`.
    Viability(ViabilityOptions),
    /// `combination`.
    Combination(CombinationOptions),
    /// `cross_resistance`.
    CrossResistance(CrossResistanceOptions),
    /// `qpcr`.
    Qpcr(QpcrOptions),
    /// `cfu`.
    Cfu(CfuOptions),
    /// `flow`.
    Flow(FlowOptions),
    /// The in vivo kinds: a free table, validated by their engines.
    InVivo(toml::Table),
}

/// A validated manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// The manifest path as given.
    pub path: PathBuf,
    /// The folder paths are resolved against.
    pub base_dir: PathBuf,
    /// `[study]`.
    pub study: StudyMeta,
    /// `[[compounds]]` in document order.
    pub compounds: Vec<Compound>,
    /// `[[cell_lines]]` in document order, then `[[models]]`.
    pub cell_lines: Vec<CellLine>,
    /// `[[experiments]]` in document order.
    pub experiments: Vec<Experiment>,
}

impl Manifest {
    /// The compound called `name` or with that alias (case-insensitive).
    pub fn compound(&self, name: &str) -> Option<&Compound> {
        self.compounds.iter().find(|c| c.is_named(name))
    }

    /// The cell line / model called `name` or with that alias (case-insensitive).
    pub fn cell_line(&self, name: &str) -> Option<&CellLine> {
        self.cell_lines.iter().find(|c| c.is_named(name))
    }

    /// The experiment called `name` (exact).
    pub fn experiment(&self, name: &str) -> Option<&Experiment> {
        self.experiments.iter().find(|e| e.name == name)
    }

    /// Resolve a compound named in a data file; the error names the file,
    /// line and the unknown name.
    pub fn resolve_compound(
        &self,
        name: &str,
        file: &Path,
        line: Option<usize>,
    ) -> Result<&Compound, UnknownReference> {
        self.compound(name).ok_or_else(|| UnknownReference {
            what: "compound",
            name: name.to_string(),
            file: file.to_path_buf(),
            line,
        })
    }

    /// Resolve a cell line named in a data file; the error names the file,
    /// line and the unknown name.
    pub fn resolve_cell_line(
        &self,
        name: &str,
        file: &Path,
        line: Option<usize>,
    ) -> Result<&CellLine, UnknownReference> {
        self.cell_line(name).ok_or_else(|| UnknownReference {
            what: "cell line",
            name: name.to_string(),
            file: file.to_path_buf(),
            line,
        })
    }
}

/// A compound or cell line named in a data file but not in the manifest.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: unknown {what} '{name}' (not a name or alias in study.toml)", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct UnknownReference {
    /// `compound` or `cell line`.
    pub what: &'static str,
    /// The name as written.
    pub name: String,
    /// The data file.
    pub file: PathBuf,
    /// 1-based line in the data file, when known.
    pub line: Option<usize>,
}

/// The matching key of a name: lower case, surrounding space trimmed.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

// ---------------------------------------------------------------------------
// Engine options
// ---------------------------------------------------------------------------

/// Model family of a single-curve fit (as `preclin fit --model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitModel {
    /// Two-parameter log-logistic.
    Ll2,
    /// Three-parameter (bottom 0).
    Ll3,
    /// Four-parameter (default).
    #[default]
    Ll4,
    /// Five-parameter.
    Ll5,
    /// Lowest AIC among LL.3–LL.5.
    Auto,
}

/// Confidence-interval method for EC50 / IC50 (as `--ci`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CiMethod {
    /// exp(ln x ± t·SE(ln x)) (default).
    #[default]
    DeltaLog,
    /// x ± t·SE(x).
    Delta,
    /// Profile likelihood.
    Profile,
}

fn default_level() -> f64 {
    0.95
}
fn default_max_iter() -> u32 {
    200
}

/// Curve-fit options shared by the fitting kinds (`preclin fit`'s model options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitOptions {
    /// Model family.
    #[serde(default)]
    pub model: FitModel,
    /// Fixed bottom (drc c).
    #[serde(default)]
    pub fix_bottom: Option<f64>,
    /// Fixed top (drc d).
    #[serde(default)]
    pub fix_top: Option<f64>,
    /// Fixed slope (drc b, positive = falling).
    #[serde(default)]
    pub fix_hill: Option<f64>,
    /// CI method.
    #[serde(default)]
    pub ci: CiMethod,
    /// Confidence level, in (0, 1).
    #[serde(default = "default_level")]
    pub level: f64,
    /// Vehicle response for absolute IC50 / AUC / DSS.
    #[serde(default)]
    pub control_response: Option<f64>,
    /// Extra ED_p levels (percent, in (0, 100)).
    #[serde(default)]
    pub ed: Vec<f64>,
    /// Optimiser iteration cap.
    #[serde(default = "default_max_iter")]
    pub max_iter: u32,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            model: FitModel::Ll4,
            fix_bottom: None,
            fix_top: None,
            fix_hill: None,
            ci: CiMethod::DeltaLog,
            level: 0.95,
            control_response: None,
            ed: Vec::new(),
            max_iter: 200,
        }
    }
}

/// Readout fitted by `viability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Readout {
    /// Percent of vehicle (default).
    #[default]
    Viability,
    /// NCI-60 percent growth (needs time-zero plates).
    Growth,
    /// GR value (needs time-zero plates).
    Gr,
}

fn default_experiment_by() -> Vec<String> {
    vec!["experiment".to_string()]
}

/// Options of a `viability` experiment (as `preclin viability`); the
/// experiment's `files` are the plate-reader exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViabilityOptions {
    /// Plate map (relative to the manifest).
    pub layout: PathBuf,
    /// Time-zero plate globs.
    #[serde(default)]
    pub time_zero: Vec<String>,
    /// Plate metadata table.
    #[serde(default)]
    pub plate_info: Option<PathBuf>,
    /// Response fitted.
    #[serde(default)]
    pub readout: Readout,
    /// Plate metadata separating independent experiments.
    #[serde(default = "default_experiment_by")]
    pub experiment_by: Vec<String>,
    /// Non-malignant lines (cell-line names or aliases).
    #[serde(default)]
    pub normal_lines: Vec<String>,
    /// Drug exposure in hours (72 for a 72-h assay, 168 for 7 days): the
    /// report compares potencies only with published values of a similar
    /// assay length.
    #[serde(default)]
    pub assay_hours: Option<f64>,
    /// Curve fit.
    #[serde(default)]
    pub fit: FitOptions,
}

/// What a combination table's response holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// % viability (default).
    #[default]
    Viability,
    /// % inhibition.
    Inhibition,
}

/// Synergy reference models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SynergyMethod {
    /// Bliss independence.
    Bliss,
    /// Highest single agent.
    Hsa,
    /// Loewe additivity.
    Loewe,
    /// Zero interaction potency.
    Zip,
    /// Chou–Talalay combination index.
    Ci,
}

/// Baseline correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// None (default).
    #[default]
    Non,
    /// Negative responses only.
    Part,
    /// Every response.
    All,
}

/// Compatibility modes of the synergy engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SynergyCompat {
    /// SynergyFinder 3.7's Loewe.
    Synergyfinder,
}

fn default_methods() -> Vec<SynergyMethod> {
    vec![
        SynergyMethod::Bliss,
        SynergyMethod::Hsa,
        SynergyMethod::Loewe,
        SynergyMethod::Zip,
    ]
}
fn default_seed() -> u64 {
    123
}
fn default_iterations() -> usize {
    100
}

/// Options of a `combination` experiment (as `preclin synergy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinationOptions {
    /// What the response column holds.
    #[serde(default)]
    pub response_kind: ResponseKind,
    /// Models.
    #[serde(default = "default_methods")]
    pub methods: Vec<SynergyMethod>,
    /// Baseline correction.
    #[serde(default)]
    pub baseline: Baseline,
    /// Seed of the replicate bootstrap (reported with the results).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Bootstrap iterations.
    #[serde(default = "default_iterations")]
    pub iterations: usize,
    /// Compatibility mode.
    #[serde(default)]
    pub compat: Option<SynergyCompat>,
}

impl Default for CombinationOptions {
    fn default() -> Self {
        CombinationOptions {
            response_kind: ResponseKind::Viability,
            methods: default_methods(),
            baseline: Baseline::Non,
            seed: 123,
            iterations: 100,
            compat: None,
        }
    }
}

/// Potency compared by `cross_resistance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Potency {
    /// Relative EC50 (default).
    #[default]
    Relative,
    /// Absolute IC50.
    Absolute,
}

/// Interval of a potency ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatioCi {
    /// exp(ln R ± t·SE(ln R)) (default).
    #[default]
    DeltaLog,
    /// Fieller's interval.
    Fieller,
    /// R ± t·SE(R).
    Delta,
}

/// How the preferred model is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelSelect {
    /// F test (default).
    #[default]
    FTest,
    /// Lower AICc.
    Aicc,
}

fn default_cross() -> f64 {
    2.0
}
fn default_collateral() -> f64 {
    0.5
}
fn default_alpha() -> f64 {
    0.05
}
fn default_dose_unit() -> String {
    "nM".to_string()
}

/// Options of a `cross_resistance` experiment (as `preclin resistance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossResistanceOptions {
    /// The parental level (a cell-line name or alias of the study when
    /// `between` is `cell_line`, the default).
    pub parental: String,
    /// Column marking parental / resistant lines.
    #[serde(default)]
    pub between: Option<String>,
    /// Grouping columns, the drug first.
    #[serde(default)]
    pub by: Option<Vec<String>>,
    /// Relative EC50 or absolute IC50.
    #[serde(default)]
    pub potency: Potency,
    /// RF above this is cross-resistance.
    #[serde(default = "default_cross")]
    pub cross: f64,
    /// RF below this is collateral sensitivity.
    #[serde(default = "default_collateral")]
    pub collateral: f64,
    /// Dose unit when the table has no `dose_unit` column.
    #[serde(default = "default_dose_unit")]
    pub dose_unit: String,
    /// Model family (LL.2–LL.5).
    #[serde(default)]
    pub model: FitModel,
    /// Parameters common to the compared curves, e.g. `["top", "bottom"]`.
    #[serde(default)]
    pub share: Vec<String>,
    /// Confidence level.
    #[serde(default = "default_level")]
    pub level: f64,
    /// Ratio interval.
    #[serde(default)]
    pub ci: RatioCi,
    /// Model selection.
    #[serde(default)]
    pub select: ModelSelect,
    /// Significance level of the F tests.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
}

/// qPCR quantification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QpcrMethod {
    /// ΔΔCt (default).
    #[default]
    Livak,
    /// Efficiency-corrected ratio.
    Pfaffl,
}

/// qPCR well design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tubes {
    /// Separate wells (default).
    #[default]
    Separate,
    /// Same well.
    Same,
}

/// Test of each group's ΔCt against the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QpcrTest {
    /// Welch's t test (default).
    #[default]
    Welch,
    /// Pooled-variance t test.
    Pooled,
    /// Wilcoxon rank-sum.
    Wilcoxon,
    /// Dunnett.
    Dunnett,
}

/// What to do with not-detected wells: `"drop"` or a Cq to substitute.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Undetected {
    /// Substitute this Cq.
    Cq(f64),
    /// Drop them (default; written `"drop"`).
    #[default]
    #[serde(with = "drop_word")]
    Drop,
}

mod drop_word {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("drop")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        let s = String::deserialize(d)?;
        if s == "drop" {
            Ok(())
        } else {
            Err(D::Error::custom(format!(
                "expected \"drop\" or a Cq number, got \"{s}\""
            )))
        }
    }
}

fn default_max_spread() -> f64 {
    0.5
}
fn default_cq_limit() -> f64 {
    35.0
}

/// Options of a `qpcr` experiment (as `preclin qpcr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QpcrOptions {
    /// Reference gene(s).
    pub reference: Vec<String>,
    /// Control group (calibrator).
    pub control: String,
    /// Quantification method.
    #[serde(default)]
    pub method: QpcrMethod,
    /// Well design.
    #[serde(default)]
    pub tubes: Tubes,
    /// Efficiency table.
    #[serde(default)]
    pub efficiency: Option<PathBuf>,
    /// Test.
    #[serde(default)]
    pub test: QpcrTest,
    /// Not-detected wells.
    #[serde(default)]
    pub undetected: Undetected,
    /// Technical-replicate spread flag (cycles).
    #[serde(default = "default_max_spread")]
    pub max_spread: f64,
    /// Late-Cq flag.
    #[serde(default = "default_cq_limit")]
    pub cq_limit: f64,
    /// Sample sheet `sample,group`.
    #[serde(default)]
    pub groups: Option<PathBuf>,
    /// RDML annotation holding the group.
    #[serde(default)]
    pub group_annotation: Option<String>,
    /// Workbook sheet.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// Test of a colony-forming assay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CfuTest {
    /// Welch (default).
    #[default]
    Welch,
    /// Pooled t.
    Pooled,
    /// Dunnett.
    Dunnett,
    /// Quasi-Poisson GLM.
    QuasiPoisson,
    /// Poisson GLM.
    Poisson,
}

fn default_per() -> i32 {
    4
}

/// Options of a `cfu` experiment (as `preclin cfu`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfuOptions {
    /// Control (vehicle) group.
    pub control: String,
    /// Test.
    #[serde(default)]
    pub test: CfuTest,
    /// Colonies per 10^per cells plated.
    #[serde(default = "default_per")]
    pub per: i32,
    /// Workbook sheet.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// Threshold scale of the marker analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerScale {
    /// Logicle (default).
    #[default]
    Logicle,
    /// asinh(x / cofactor).
    Asinh,
    /// No transform.
    Linear,
}

fn default_markers() -> Vec<String> {
    ["CD11b", "CD14", "CD34", "CD117"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}
fn default_percentile() -> f64 {
    99.0
}
fn default_cofactor() -> f64 {
    150.0
}
fn default_pdx_markers() -> Vec<String> {
    vec!["hCD45".to_string(), "mCD45".to_string()]
}

/// Options of a `flow` experiment (as `preclin gate` + `preclin markers`);
/// the experiment's `files` are the sample FCS files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowOptions {
    /// Gating-ML 2.0 document or FlowJo workspace.
    pub gating: PathBuf,
    /// FlowJo sample whose gates to use.
    #[serde(default)]
    pub sample: Option<String>,
    /// Data set of the FCS files (0-based).
    #[serde(default)]
    pub dataset: usize,
    /// Control (FMO / isotype / vehicle) FCS file for marker thresholds.
    #[serde(default)]
    pub control: Option<PathBuf>,
    /// Vehicle FCS file for changes (default: the control).
    #[serde(default)]
    pub vehicle: Option<PathBuf>,
    /// Gate analysed (default: the last).
    #[serde(default)]
    pub gate: Option<String>,
    /// Markers.
    #[serde(default = "default_markers")]
    pub markers: Vec<String>,
    /// Control percentile used as threshold.
    #[serde(default = "default_percentile")]
    pub percentile: f64,
    /// Threshold scale.
    #[serde(default)]
    pub scale: MarkerScale,
    /// asinh cofactor.
    #[serde(default = "default_cofactor")]
    pub cofactor: f64,
    /// Channels for per-gate statistics.
    #[serde(default)]
    pub stats: Vec<String>,
    /// Human and mouse CD45 markers for the engraftment summary.
    #[serde(default = "default_pdx_markers")]
    pub pdx_markers: Vec<String>,
}

// ---------------------------------------------------------------------------
// Raw (spanned) document
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    study: RawStudy,
    #[serde(default)]
    compounds: Vec<RawCompound>,
    #[serde(default)]
    cell_lines: Vec<RawCellLine>,
    #[serde(default)]
    models: Vec<RawCellLine>,
    #[serde(default)]
    experiments: Vec<RawExperiment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudy {
    #[serde(default)]
    id: Option<Spanned<String>>,
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    investigator: Option<String>,
    #[serde(default)]
    lab: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompound {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    molecular_weight: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCellLine {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    kind: Option<ModelKind>,
    #[serde(default)]
    species: Option<String>,
    #[serde(default)]
    kmt2a_fusion: Option<String>,
    #[serde(default)]
    npm1c: Option<bool>,
    #[serde(default)]
    flt3_itd: Option<bool>,
    #[serde(default)]
    men1: Option<Spanned<String>>,
    #[serde(default)]
    normal: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    name: Spanned<String>,
    kind: Spanned<ExperimentKind>,
    #[serde(default)]
    description: Option<String>,
    files: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    compounds: Vec<Spanned<String>>,
    #[serde(default)]
    cell_lines: Vec<Spanned<String>>,
    #[serde(default)]
    options: Option<Spanned<toml::Table>>,
}

// ---------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------

/// Read and validate the manifest at `path`; relative paths in it are
/// resolved against its folder.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, path, &base)
}

/// Parse and validate manifest `text`; `path` names it in errors and
/// `base_dir` is the folder file globs are resolved against.
pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Manifest, ManifestError> {
    let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError::Syntax {
        path: path.to_path_buf(),
        diagnostic: Diagnostic {
            location: e.span().map(|s| Location::of_offset(text, s.start)),
            message: e.message().trim().to_string(),
        },
    })?;
    let mut v = Validator {
        text,
        base_dir,
        diagnostics: Vec::new(),
        option_files: Vec::new(),
    };
    let manifest = v.validate(raw, path);
    if v.diagnostics.is_empty() {
        Ok(manifest)
    } else {
        v.diagnostics
            .sort_by_key(|d| d.location.map(|l| (l.line, l.column)));
        Err(ManifestError::Invalid {
            path: path.to_path_buf(),
            diagnostics: v.diagnostics,
        })
    }
}

struct Validator<'a> {
    text: &'a str,
    base_dir: &'a Path,
    diagnostics: Vec<Diagnostic>,
    /// Files named by the options of the experiment being validated.
    option_files: Vec<PathBuf>,
}

impl Validator<'_> {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            location: Some(Location::of_offset(self.text, span.start)),
            message: message.into(),
        });
    }

    fn validate(&mut self, raw: RawManifest, path: &Path) -> Manifest {
        let study = self.study(raw.study);
        let compounds = self.compounds(raw.compounds);
        let mut lines = raw.cell_lines;
        lines.extend(raw.models);
        let cell_lines = self.cell_lines(lines);
        let mut manifest = Manifest {
            path: path.to_path_buf(),
            base_dir: self.base_dir.to_path_buf(),
            study,
            compounds,
            cell_lines,
            experiments: Vec::new(),
        };
        let mut seen: BTreeMap<String, Location> = BTreeMap::new();
        for raw_exp in raw.experiments {
            let loc = Location::of_offset(self.text, raw_exp.name.span().start);
            if let Some(first) = seen.get(raw_exp.name.get_ref()) {
                let msg = format!(
                    "duplicate experiment name '{}' (first defined at line {}, column {})",
                    raw_exp.name.get_ref(),
                    first.line,
                    first.column
                );
                self.at(raw_exp.name.span(), msg);
            } else {
                seen.insert(raw_exp.name.get_ref().clone(), loc);
            }
            if let Some(e) = self.experiment(raw_exp, &manifest) {
                manifest.experiments.push(e);
            }
        }
        manifest
    }

    fn study(&mut self, raw: RawStudy) -> StudyMeta {
        if raw.name.get_ref().trim().is_empty() {
            self.at(raw.name.span(), "study name is empty");
        }
        let id = match raw.id {
            Some(id) => {
                if id.get_ref().trim().is_empty() {
                    self.at(id.span(), "study id is empty");
                }
                id.into_inner()
            }
            None => raw.name.get_ref().clone(),
        };
        StudyMeta {
            id,
            name: raw.name.into_inner(),
            description: raw.description,
            investigator: raw.investigator,
            lab: raw.lab,
            date: raw.date,
        }
    }

    /// Check that every name and alias in a list of entities is unique
    /// (case-insensitive) across the list.
    fn unique_names<'r>(
        &mut self,
        what: &str,
        names: impl Iterator<Item = (&'r Spanned<String>, &'r [Spanned<String>])>,
    ) {
        let mut seen: BTreeMap<String, (String, Location)> = BTreeMap::new();
        for (name, aliases) in names {
            let mut own: Vec<String> = Vec::new();
            for n in std::iter::once(name).chain(aliases.iter()) {
                let key = name_key(n.get_ref());
                if key.is_empty() {
                    self.at(n.span(), format!("empty {what} name or alias"));
                    continue;
                }
                if own.contains(&key) {
                    // an alias repeating the entity's own name: harmless
                    continue;
                }
                own.push(key.clone());
                if let Some((owner, first)) = seen.get(&key) {
                    let msg = format!(
                        "duplicate {what} name or alias '{}' (already used by '{}' at line {}, column {})",
                        n.get_ref(),
                        owner,
                        first.line,
                        first.column
                    );
                    self.at(n.span(), msg);
                } else {
                    seen.insert(
                        key,
                        (
                            name.get_ref().clone(),
                            Location::of_offset(self.text, n.span().start),
                        ),
                    );
                }
            }
        }
    }

    fn compounds(&mut self, raw: Vec<RawCompound>) -> Vec<Compound> {
        self.unique_names(
            "compound",
            raw.iter().map(|c| (&c.name, c.aliases.as_slice())),
        );
        raw.into_iter()
            .map(|c| {
                if let Some(mw) = &c.molecular_weight {
                    let w = *mw.get_ref();
                    if !(w.is_finite() && w > 0.0) {
                        self.at(
                            mw.span(),
                            format!("molecular_weight must be a positive number of g/mol, got {w}"),
                        );
                    }
                }
                Compound {
                    name: c.name.into_inner(),
                    aliases: c.aliases.into_iter().map(Spanned::into_inner).collect(),
                    target: c.target,
                    class: c.class,
                    molecular_weight: c.molecular_weight.map(Spanned::into_inner),
                }
            })
            .collect()
    }

    fn cell_lines(&mut self, raw: Vec<RawCellLine>) -> Vec<CellLine> {
        self.unique_names(
            "cell line",
            raw.iter().map(|c| (&c.name, c.aliases.as_slice())),
        );
        raw.into_iter()
            .map(|c| {
                let men1 = c.men1.map(|m| {
                    let s = m.get_ref().trim();
                    match s.to_lowercase().as_str() {
                        "wt" | "wild-type" | "wild_type" | "wildtype" => Men1Status::WildType,
                        "ko" | "knockout" | "knock-out" => Men1Status::Knockout,
                        "" => {
                            self.at(
                                m.span(),
                                "men1 is empty (expected \"wild-type\", \"knockout\" or a mutation such as \"M327I\")",
                            );
                            Men1Status::WildType
                        }
                        _ => Men1Status::Mutant(s.to_string()),
                    }
                });
                CellLine {
                    name: c.name.into_inner(),
                    aliases: c.aliases.into_iter().map(Spanned::into_inner).collect(),
                    kind: c.kind.unwrap_or(ModelKind::CellLine),
                    species: c.species,
                    kmt2a_fusion: c.kmt2a_fusion,
                    npm1c: c.npm1c,
                    flt3_itd: c.flt3_itd,
                    men1,
                    normal: c.normal,
                }
            })
            .collect()
    }

    fn compound_ref(
        &mut self,
        m: &Manifest,
        name: &Spanned<String>,
        context: &str,
    ) -> Option<String> {
        match m.compound(name.get_ref()) {
            Some(c) => Some(c.name.clone()),
            None => {
                self.at(
                    name.span(),
                    format!(
                        "unknown compound '{}' in {context} (declare it under [[compounds]] or fix the name)",
                        name.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn cell_line_ref(
        &mut self,
        m: &Manifest,
        name: &str,
        span: Range<usize>,
        context: &str,
    ) -> Option<String> {
        match m.cell_line(name) {
            Some(c) => Some(c.name.clone()),
            None => {
                self.at(
                    span,
                    format!(
                        "unknown cell line '{name}' in {context} (declare it under [[cell_lines]] or fix the name)"
                    ),
                );
                None
            }
        }
    }

    /// Expand one glob relative to the base folder; a glob matching nothing
    /// is an error naming it.
    fn expand(&mut self, pattern: &Spanned<String>, context: &str) -> Vec<PathBuf> {
        let p = pattern.get_ref();
        let full = if Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            self.base_dir.join(p)
        };
        let full_str = full.to_string_lossy().into_owned();
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        match glob::glob_with(&full_str, opts) {
            Err(e) => {
                self.at(
                    pattern.span(),
                    format!("invalid glob '{p}' in {context}: {e}"),
                );
                Vec::new()
            }
            Ok(paths) => {
                let mut out: Vec<PathBuf> = paths
                    .filter_map(Result::ok)
                    .filter(|p| p.is_file())
                    .collect();
                if out.is_empty() {
                    self.at(
                        pattern.span(),
                        format!(
                            "'{p}' in {context} matches no file (looked in {})",
                            display_dir(self.base_dir)
                        ),
                    );
                }
                out.sort();
                out
            }
        }
    }

    fn experiment(&mut self, raw: RawExperiment, m: &Manifest) -> Option<Experiment> {
        let name = raw.name.get_ref().clone();
        if name.trim().is_empty() {
            self.at(raw.name.span(), "experiment name is empty");
        }
        let context = format!("experiment '{name}'");
        let kind = *raw.kind.get_ref();
        if raw.files.get_ref().is_empty() {
            self.at(
                raw.files.span(),
                format!("{context} lists no files (expected at least one glob)"),
            );
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for pat in raw.files.get_ref() {
            files.extend(self.expand(pat, &context));
        }
        files.sort();
        files.dedup();
        let compounds: Vec<String> = raw
            .compounds
            .iter()
            .filter_map(|c| self.compound_ref(m, c, &context))
            .collect();
        let cell_lines: Vec<String> = raw
            .cell_lines
            .iter()
            .filter_map(|c| self.cell_line_ref(m, c.get_ref(), c.span(), &context))
            .collect();
        self.option_files.clear();
        let options = self.options(kind, raw.options, raw.kind.span(), m, &context)?;
        Some(Experiment {
            name,
            kind,
            description: raw.description,
            option_files: std::mem::take(&mut self.option_files),
            file_patterns: raw
                .files
                .into_inner()
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            files,
            compounds,
            cell_lines,
            options,
        })
    }

    fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        table: Option<&Spanned<toml::Table>>,
        kind_span: Range<usize>,
        kind: ExperimentKind,
        context: &str,
    ) -> Option<T> {
        let (value, span) = match table {
            Some(t) => (toml::Value::Table(t.get_ref().clone()), t.span()),
            None => (toml::Value::Table(toml::Table::new()), kind_span),
        };
        match value.try_into::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.at(
                    span,
                    format!("options of {context} (kind {kind}): {}", e.message().trim()),
                );
                None
            }
        }
    }

    /// Check a path option: it must name an existing file.
    fn file_option(&mut self, path: &Path, key: &str, span: Range<usize>, context: &str) {
        let full = self.base_dir.join(path);
        if full.is_file() {
            self.option_files.push(full);
        } else {
            self.at(
                span,
                format!(
                    "option {key} of {context}: file '{}' not found (looked in {})",
                    path.display(),
                    display_dir(self.base_dir)
                ),
            );
        }
    }

    /// The span of `options.<key>` when present, else of the options table.
    fn key_span(table: Option<&Spanned<toml::Table>>, fallback: Range<usize>) -> Range<usize> {
        table.map(|t| t.span()).unwrap_or(fallback)
    }

    fn options(
        &mut self,
        kind: ExperimentKind,
        table: Option<Spanned<toml::Table>>,
        kind_span: Range<usize>,
        m: &Manifest,
        context: &str,
    ) -> Option<ExperimentOptions> {
        let t = table.as_ref();
        let span = Self::key_span(t, kind_span.clone());
        let opts = match kind {
            ExperimentKind::Viability => {
                let mut o: ViabilityOptions = self.typed(t, kind_span, kind, context)?;
                self.file_option(&o.layout, "layout", span.clone(), context);
                if let Some(pi) = &o.plate_info {
                    self.file_option(pi, "plate_info", span.clone(), context);
                }
                for g in o.time_zero.clone() {
                    let spanned = Spanned::new(span.clone(), g);
                    let files = self.expand(&spanned, &format!("time_zero of {context}"));
                    self.option_files.extend(files);
                }
                let mut normal = Vec::new();
                for n in &o.normal_lines {
                    if let Some(c) = self.cell_line_ref(
                        m,
                        n,
                        span.clone(),
                        &format!("normal_lines of {context}"),
                    ) {
                        normal.push(c);
                    }
                }
                o.normal_lines = normal;
                if let Some(h) = o.assay_hours {
                    if !(h.is_finite() && h > 0.0) {
                        self.at(
                            span.clone(),
                            format!("options of {context}: assay_hours must be a positive number of hours, got {h}"),
                        );
                    }
                }
                self.fit_options(&o.fit, span, context);
                ExperimentOptions::Viability(o)
            }
            ExperimentKind::Combination => {
                let o: CombinationOptions = self.typed(t, kind_span, kind, context)?;
                if o.methods.is_empty() {
                    self.at(span, format!("options of {context}: methods is empty"));
                }
                ExperimentOptions::Combination(o)
            }
            ExperimentKind::CrossResistance => {
                let mut o: CrossResistanceOptions = self.typed(t, kind_span, kind, context)?;
                let by_line = o.between.as_deref().is_none_or(|b| b == "cell_line");
                if by_line {
                    if let Some(c) = self.cell_line_ref(
                        m,
                        &o.parental.clone(),
                        span.clone(),
                        &format!("parental of {context}"),
                    ) {
                        o.parental = c;
                    }
                }
                if let Err(e) = o.dose_unit.parse::<ConcUnit>() {
                    self.at(span.clone(), format!("option dose_unit of {context}: {e}"));
                }
                if !(o.level > 0.0 && o.level < 1.0) {
                    self.at(
                        span.clone(),
                        format!(
                            "option level of {context} must be in (0, 1), got {}",
                            o.level
                        ),
                    );
                }
                if !(o.collateral > 0.0 && o.collateral < 1.0 && o.cross > 1.0) {
                    self.at(
                        span,
                        format!(
                            "options of {context}: expected 0 < collateral < 1 < cross, got collateral {} and cross {}",
                            o.collateral, o.cross
                        ),
                    );
                }
                ExperimentOptions::CrossResistance(o)
            }
            ExperimentKind::Qpcr => {
                let o: QpcrOptions = self.typed(t, kind_span, kind, context)?;
                if o.reference.is_empty() {
                    self.at(
                        span.clone(),
                        format!("option reference of {context} lists no gene"),
                    );
                }
                if let Some(e) = &o.efficiency {
                    self.file_option(e, "efficiency", span.clone(), context);
                }
                if let Some(g) = &o.groups {
                    self.file_option(g, "groups", span, context);
                }
                ExperimentOptions::Qpcr(o)
            }
            ExperimentKind::Cfu => {
                let o: CfuOptions = self.typed(t, kind_span, kind, context)?;
                if !(0..=9).contains(&o.per) {
                    self.at(
                        span,
                        format!("option per of {context} must be 0–9, got {}", o.per),
                    );
                }
                ExperimentOptions::Cfu(o)
            }
            ExperimentKind::Flow => {
                let o: FlowOptions = self.typed(t, kind_span, kind, context)?;
                self.file_option(&o.gating, "gating", span.clone(), context);
                if let Some(c) = &o.control {
                    self.file_option(c, "control", span.clone(), context);
                }
                if let Some(v) = &o.vehicle {
                    self.file_option(v, "vehicle", span.clone(), context);
                }
                if !(o.percentile > 0.0 && o.percentile < 100.0) {
                    self.at(
                        span,
                        format!(
                            "option percentile of {context} must be in (0, 100), got {}",
                            o.percentile
                        ),
                    );
                }
                ExperimentOptions::Flow(o)
            }
            _ => ExperimentOptions::InVivo(table.map(Spanned::into_inner).unwrap_or_default()),
        };
        Some(opts)
    }

    fn fit_options(&mut self, fit: &FitOptions, span: Range<usize>, context: &str) {
        if !(fit.level > 0.0 && fit.level < 1.0) {
            self.at(
                span.clone(),
                format!(
                    "option fit.level of {context} must be in (0, 1), got {}",
                    fit.level
                ),
            );
        }
        for &p in &fit.ed {
            if !(p > 0.0 && p < 100.0) {
                self.at(
                    span.clone(),
                    format!("option fit.ed of {context}: levels must be in (0, 100), got {p}"),
                );
            }
        }
    }
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    }
}

impl Experiment {
    /// Every input file: the matched files, then the option files.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut v = self.files.clone();
        v.extend(self.option_files.iter().cloned());
        v
    }
}

impl ExperimentOptions {
    /// The options as JSON (for provenance and the store).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
