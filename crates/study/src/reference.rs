//! The reference compound table: published potencies, in vivo / clinical
//! outcomes and resistance findings, bundled with preclin (see
//! `crates/study/data/SOURCES.md`), searchable by compound (and its
//! aliases), class and cell line / model, extendable with the user's own
//! rows, and the rule that sets a measured potency beside the published
//! values.
//!
//! # Tables
//!
//! Four CSV layouts are read; a user file must have the columns of one of
//! them (any order, extra columns ignored):
//!
//! | [`Table`] | columns |
//! |---|---|
//! | `Seed` | compound, target, cell_line_or_model, genotype, metric, value_low, value_high, unit, qualifier, dosing, outcome, source |
//! | `Potency` | compound, synonyms, target, mechanism, cell_line, genotype, assay, metric, value, unit, source |
//! | `InvivoClinical` | category, model_or_trial, population, compound, dose, route, schedule, outcome_metric, value, unit, source |
//! | `Resistance` | gene, alteration, drug_class, compound, effect_metric, value, unit, frequency, context, source |
//!
//! Every row becomes a [`ReferenceRow`] with a published interval
//! `[low, high]` and a [`Qualifier`]; a value that is not a number (`not
//! affected`, `well tolerated`, several numbers in one cell) is kept as text
//! and marked [`Qualifier::Qualitative`]: it is shown, never compared.
//!
//! # Matching
//!
//! Names are compared by their *key*: lower case with every character that
//! is not a letter or digit removed, so `MV4;11`, `MV4-11` and `mv411`, or
//! `MI-503` and `MI503`, are one name. A row's compound names are its
//! `compound` cell split at `;` and `/` (lists of compounds), plus a
//! parenthesised alias (`pinometostat (EPZ-5676)`) and the `synonyms`
//! column. A row's models are its model cell split at `"; "`; a cell line
//! matches a model when the keys are equal or the model's first word is the
//! line (`MV4;11 subcutaneous xenograft`).
//!
//! # Agreement rule ([`compare_potency`])
//!
//! Measured and published values are converted to nM (mass units through the
//! compound's molecular weight). The measured interval is its 95 % CI
//! `[L, U]` (the point estimate `[v, v]` when the fit gave no CI — stated
//! in the note). The published interval `P` is `[v, v]` for a single value,
//! `[low, high]` for a range or an approximate range (taken as printed,
//! not widened), `(0, x]` for `< x` and `[x, ∞)` for `> x`. Then
//!
//! - the two **agree** when the intervals overlap: `L ≤ P.high` and `U ≥ P.low`;
//! - the compound is **more potent** than published when `U < P.low`, by the
//!   fold `P.low / U` (the smallest ratio separating the intervals);
//! - **less potent** when `L > P.high`, by `L / P.high`.
//!
//! Qualitative rows, unparseable units and mass units without a molecular
//! weight are **not comparable**. Metrics are compared like for like; GI50,
//! IC50 and EC50 are also compared with each other, with a note that their
//! definitions differ (NCI GI50 is 50 % growth inhibition relative to time
//! zero, IC50 50 % of the vehicle signal, EC50 the curve midpoint). Binding
//! and enzyme constants (Kd, Ki, binding IC50) are never compared with a
//! cellular potency.

use std::fmt;

use preclin_curve::units::ConcUnit;
use serde::Serialize;

const SEED_CSV: &str = include_str!("../data/seed_tables.csv");
const POTENCY_CSV: &str = include_str!("../data/potency.csv");
const INVIVO_CSV: &str = include_str!("../data/invivo_clinical.csv");
const RESISTANCE_CSV: &str = include_str!("../data/resistance.csv");

/// The layout (and origin) of a reference row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// The seeds' Table 1 / Table 2 (`seed_tables.csv`).
    Seed,
    /// Published potencies (`potency.csv`).
    Potency,
    /// In vivo and clinical outcomes (`invivo_clinical.csv`).
    InvivoClinical,
    /// Resistance findings (`resistance.csv`).
    Resistance,
}

impl Table {
    /// The bundled file name of the table.
    pub fn file_name(self) -> &'static str {
        match self {
            Table::Seed => "seed_tables.csv",
            Table::Potency => "potency.csv",
            Table::InvivoClinical => "invivo_clinical.csv",
            Table::Resistance => "resistance.csv",
        }
    }

    /// The columns a CSV of this layout must have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Seed => &[
                "compound",
                "target",
                "cell_line_or_model",
                "genotype",
                "metric",
                "value_low",
                "value_high",
                "unit",
                "qualifier",
                "dosing",
                "outcome",
                "source",
            ],
            Table::Potency => &[
                "compound",
                "synonyms",
                "target",
                "mechanism",
                "cell_line",
                "genotype",
                "assay",
                "metric",
                "value",
                "unit",
                "source",
            ],
            Table::InvivoClinical => &[
                "category",
                "model_or_trial",
                "population",
                "compound",
                "dose",
                "route",
                "schedule",
                "outcome_metric",
                "value",
                "unit",
                "source",
            ],
            Table::Resistance => &[
                "gene",
                "alteration",
                "drug_class",
                "compound",
                "effect_metric",
                "value",
                "unit",
                "frequency",
                "context",
                "source",
            ],
        }
    }

    const ALL: [Table; 4] = [
        Table::Seed,
        Table::Potency,
        Table::InvivoClinical,
        Table::Resistance,
    ];
}

/// How a published value is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// A single value (`low == high`).
    Exact,
    /// A range `low–high`.
    Range,
    /// Approximately (`≈ low` or `≈ low–high`), taken as printed.
    Approx,
    /// An upper bound: `< high`.
    Below,
    /// A lower bound: `> low`.
    Above,
    /// Text, not a number: shown, never compared.
    Qualitative,
}

/// One published finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceRow {
    /// Layout it was read from.
    pub table: Table,
    /// Where it came from: the bundled file name or the user's file.
    pub origin: String,
    /// 1-based line in that file.
    pub line: usize,
    /// The compound cell as written.
    pub compound: String,
    /// Every name the row's compound goes by (see the module documentation).
    pub names: Vec<String>,
    /// Target.
    pub target: Option<String>,
    /// Class or mechanism (`mechanism`, `drug_class`).
    pub class: Option<String>,
    /// Cell line, model, trial or context as written.
    pub model: Option<String>,
    /// Genotype (or gene + alteration).
    pub genotype: Option<String>,
    /// Assay or category.
    pub assay: Option<String>,
    /// Metric (`GI50`, `IC50`, `tumour volume reduction` …).
    pub metric: String,
    /// Lower end of the published value (None for `< x` or text).
    pub low: Option<f64>,
    /// Upper end (None for `> x` or text).
    pub high: Option<f64>,
    /// How the value is stated.
    pub qualifier: Qualifier,
    /// The value as printed (`250–570`, `<25`, `not affected` …).
    pub value_text: String,
    /// Unit as written.
    pub unit: Option<String>,
    /// Dose / route / schedule.
    pub dosing: Option<String>,
    /// Outcome text.
    pub outcome: Option<String>,
    /// The source: cite it with the value.
    pub source: String,
}

impl ReferenceRow {
    /// The assay length in hours stated in the row's `assay` or, failing
    /// that, `dosing` text ([`assay_hours`]).
    pub fn assay_hours(&self) -> Option<f64> {
        self.assay
            .as_deref()
            .and_then(assay_hours)
            .or_else(|| self.dosing.as_deref().and_then(assay_hours))
    }

    /// True if `name` is one of the row's compound names (by key).
    pub fn is_compound(&self, name: &str) -> bool {
        let k = key(name);
        !k.is_empty() && self.names.iter().any(|n| key(n) == k)
    }

    /// True if the row concerns cell line / model `line` (by key; a model
    /// whose first word is the line matches too).
    pub fn is_model(&self, line: &str) -> bool {
        let k = key(line);
        if k.is_empty() {
            return false;
        }
        let Some(model) = &self.model else {
            return false;
        };
        model.split("; ").any(|part| {
            key(part) == k || part.split_whitespace().next().is_some_and(|w| key(w) == k)
        })
    }

    /// True if the row belongs to class `class`: every word of the query
    /// other than `inhibitor(s)`, `class`, `drug(s)`, `agent(s)` occurs (case-
    /// insensitively, as a substring) in the row's compound, target or class.
    pub fn is_class(&self, class: &str) -> bool {
        let hay = format!(
            "{} {} {}",
            self.compound,
            self.target.as_deref().unwrap_or(""),
            self.class.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let words: Vec<String> = class
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .map(str::to_lowercase)
            .filter(|w| {
                !w.is_empty()
                    && !matches!(
                        w.as_str(),
                        "inhibitor"
                            | "inhibitors"
                            | "class"
                            | "drug"
                            | "drugs"
                            | "agent"
                            | "agents"
                    )
            })
            .collect();
        !words.is_empty() && words.iter().all(|w| hay.contains(w.as_str()))
    }

    /// The published value as text with its unit, e.g. `250–570 nM`,
    /// `< 25 nM`, `≈ 45 percent`.
    pub fn value_display(&self) -> String {
        let num = |x: f64| format!("{x}");
        let unit = self
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        match (self.qualifier, self.low, self.high) {
            (Qualifier::Exact, Some(v), _) => format!("{}{unit}", num(v)),
            (Qualifier::Range, Some(l), Some(h)) => format!("{}–{}{unit}", num(l), num(h)),
            (Qualifier::Approx, Some(l), Some(h)) if l != h => {
                format!("≈ {}–{}{unit}", num(l), num(h))
            }
            (Qualifier::Approx, Some(l), _) => format!("≈ {}{unit}", num(l)),
            (Qualifier::Below, _, Some(h)) => format!("< {}{unit}", num(h)),
            (Qualifier::Above, Some(l), _) => format!("> {}{unit}", num(l)),
            _ => self.value_text.clone(),
        }
    }
}

/// Errors reading reference rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// The header matches none of the four layouts.
    #[error(
        "{origin}: the header matches no reference layout; closest is the layout of {}, which lacks: {}",
        closest.file_name(), missing.join(", ")
    )]
    UnknownLayout {
        /// The file.
        origin: String,
        /// The layout with the fewest missing columns.
        closest: Table,
        /// Its missing columns.
        missing: Vec<String>,
    },
    /// A malformed CSV record.
    #[error("{origin}:{line}: {message}")]
    Csv {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A row without a compound or source.
    #[error("{origin}:{line}: the {column} cell is empty")]
    Empty {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The empty column.
        column: &'static str,
    },
}

/// The reference table: the bundled rows plus any the user added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceTable {
    /// Every row, bundled first in file order, then user rows in the order added.
    pub rows: Vec<ReferenceRow>,
}

/// The lookup key of a name: lower case, letters and digits only.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl ReferenceTable {
    /// The bundled table (seed tables, potency, in vivo / clinical,
    /// resistance).
    pub fn bundled() -> ReferenceTable {
        let mut rows = Vec::new();
        for (text, table) in [
            (SEED_CSV, Table::Seed),
            (POTENCY_CSV, Table::Potency),
            (INVIVO_CSV, Table::InvivoClinical),
            (RESISTANCE_CSV, Table::Resistance),
        ] {
            // The bundled files are tested to parse; an error here would be
            // a packaging bug, and is skipped rather than panicking.
            if let Ok(r) = read_rows(text, table.file_name()) {
                rows.extend(r);
            }
        }
        ReferenceTable { rows }
    }

    /// Add the rows of a user CSV (`origin` names it in errors and rows);
    /// its header must have the columns of one layout. Returns how many rows
    /// were added; nothing is added on error.
    pub fn add_csv(&mut self, text: &str, origin: &str) -> Result<usize, ReferenceError> {
        let rows = read_rows(text, origin)?;
        let n = rows.len();
        self.rows.extend(rows);
        Ok(n)
    }

    /// Rows whose compound is `name` (by key, any alias).
    pub fn by_compound(&self, name: &str) -> Vec<&ReferenceRow> {
        self.rows.iter().filter(|r| r.is_compound(name)).collect()
    }

    /// Rows of class `class` (see [`ReferenceRow::is_class`]).
    pub fn by_class(&self, class: &str) -> Vec<&ReferenceRow> {
        self.rows.iter().filter(|r| r.is_class(class)).collect()
    }

    /// Rows concerning cell line / model `line`.
    pub fn by_model(&self, line: &str) -> Vec<&ReferenceRow> {
        self.rows.iter().filter(|r| r.is_model(line)).collect()
    }

    /// Free search (`preclin compounds QUERY`): rows whose compound name,
    /// model or metric has the query's key, or whose compound, target,
    /// class, model, genotype or metric contains the query (case-insensitive).
    /// An empty query returns every row.
    pub fn search(&self, query: &str) -> Vec<&ReferenceRow> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return self.rows.iter().collect();
        }
        self.rows
            .iter()
            .filter(|r| {
                r.is_compound(&q)
                    || r.is_model(&q)
                    || [
                        Some(&r.compound),
                        r.target.as_ref(),
                        r.class.as_ref(),
                        r.model.as_ref(),
                        r.genotype.as_ref(),
                        Some(&r.metric),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|f| f.to_lowercase().contains(&q))
            })
            .collect()
    }
}

/// Read the rows of one CSV, detecting its layout from the header.
fn read_rows(text: &str, origin: &str) -> Result<Vec<ReferenceRow>, ReferenceError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| ReferenceError::Csv {
            origin: origin.to_string(),
            line: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut best: Option<(Table, Vec<String>)> = None;
    for t in Table::ALL {
        let missing: Vec<String> = t
            .columns()
            .iter()
            .filter(|c| !header.iter().any(|h| h == *c))
            .map(|c| c.to_string())
            .collect();
        if best.as_ref().is_none_or(|(_, m)| missing.len() < m.len()) {
            best = Some((t, missing));
        }
    }
    let (table, missing) = best.expect("four layouts");
    if !missing.is_empty() {
        return Err(ReferenceError::UnknownLayout {
            origin: origin.to_string(),
            closest: table,
            missing,
        });
    }
    let col = |name: &str| header.iter().position(|h| h == name).expect("checked");
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| ReferenceError::Csv {
            origin: origin.to_string(),
            line: e.position().map_or(i + 2, |p| p.line() as usize),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(i + 2, |p| p.line() as usize);
        let get = |name: &str| -> Option<String> {
            rec.get(col(name))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let compound = get("compound").ok_or(ReferenceError::Empty {
            origin: origin.to_string(),
            line,
            column: "compound",
        })?;
        let source = get("source").ok_or(ReferenceError::Empty {
            origin: origin.to_string(),
            line,
            column: "source",
        })?;
        let mut names = compound_names(&compound);
        let row = match table {
            Table::Seed => {
                let low = get("value_low").and_then(|s| parse_num(&s));
                let high = get("value_high").and_then(|s| parse_num(&s));
                let q = get("qualifier").unwrap_or_default().to_lowercase();
                let (qualifier, low, high) = match q.as_str() {
                    "" if low.is_some() && (high.is_none() || high == low) => {
                        (Qualifier::Exact, low, low)
                    }
                    "" | "range" if low.is_some() && high.is_some() => {
                        (Qualifier::Range, low, high)
                    }
                    "approx" if low.is_some() => (Qualifier::Approx, low, high.or(low)),
                    "below" if high.is_some() => (Qualifier::Below, None, high),
                    "above" if low.is_some() => (Qualifier::Above, low, None),
                    _ => (Qualifier::Qualitative, None, None),
                };
                let value_text = match (get("value_low"), get("value_high")) {
                    (Some(l), Some(h)) if l != h => format!("{l}–{h}"),
                    (Some(l), _) => l,
                    (None, Some(h)) => h,
                    (None, None) => String::new(),
                };
                let value_text = match get("qualifier") {
                    Some(qt) if qualifier == Qualifier::Qualitative => qt,
                    _ => value_text,
                };
                ReferenceRow {
                    table,
                    origin: origin.to_string(),
                    line,
                    compound,
                    names,
                    target: get("target"),
                    class: None,
                    model: get("cell_line_or_model"),
                    genotype: get("genotype"),
                    assay: None,
                    metric: get("metric").unwrap_or_default(),
                    low,
                    high,
                    qualifier,
                    value_text,
                    unit: get("unit"),
                    dosing: get("dosing"),
                    outcome: get("outcome"),
                    source,
                }
            }
            Table::Potency => {
                if let Some(s) = get("synonyms") {
                    names.extend(
                        s.split(';')
                            .map(|x| x.trim().to_string())
                            .filter(|x| !x.is_empty()),
                    );
                }
                let value_text = get("value").unwrap_or_default();
                let (qualifier, low, high) = parse_value(&value_text);
                ReferenceRow {
                    table,
                    origin: origin.to_string(),
                    line,
                    compound,
                    names,
                    target: get("target"),
                    class: get("mechanism"),
                    model: get("cell_line"),
                    genotype: get("genotype"),
                    assay: get("assay"),
                    metric: get("metric").unwrap_or_default(),
                    low,
                    high,
                    qualifier,
                    value_text,
                    unit: get("unit"),
                    dosing: None,
                    outcome: None,
                    source,
                }
            }
            Table::InvivoClinical => {
                let value_text = get("value").unwrap_or_default();
                let (qualifier, low, high) = parse_value(&value_text);
                let dosing: Vec<String> = ["dose", "route", "schedule"]
                    .iter()
                    .filter_map(|c| get(c))
                    .collect();
                ReferenceRow {
                    table,
                    origin: origin.to_string(),
                    line,
                    compound,
                    names,
                    target: None,
                    class: None,
                    model: get("model_or_trial"),
                    genotype: get("population"),
                    assay: get("category"),
                    metric: get("outcome_metric").unwrap_or_default(),
                    low,
                    high,
                    qualifier,
                    value_text,
                    unit: get("unit"),
                    dosing: (!dosing.is_empty()).then(|| dosing.join("; ")),
                    outcome: None,
                    source,
                }
            }
            Table::Resistance => {
                let value_text = get("value").unwrap_or_default();
                let (qualifier, low, high) = parse_value(&value_text);
                let genotype = match (get("gene"), get("alteration")) {
                    (Some(g), Some(a)) => Some(format!("{g}: {a}")),
                    (g, a) => g.or(a),
                };
                ReferenceRow {
                    table,
                    origin: origin.to_string(),
                    line,
                    compound,
                    names,
                    target: None,
                    class: get("drug_class"),
                    model: get("context"),
                    genotype,
                    assay: None,
                    metric: get("effect_metric").unwrap_or_default(),
                    low,
                    high,
                    qualifier,
                    value_text,
                    unit: get("unit"),
                    dosing: None,
                    outcome: get("frequency"),
                    source,
                }
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

/// The names in a compound cell: parts split at `;` and `/` (lists of
/// compounds), each with a trailing parenthesised alias split off
/// (`pinometostat (EPZ-5676)` → `pinometostat`, `EPZ-5676`).
fn compound_names(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in cell.split([';', '/']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match (part.find('('), part.ends_with(')')) {
            (Some(open), true) => {
                let main = part[..open].trim();
                let inner = part[open + 1..part.len() - 1].trim();
                if !main.is_empty() {
                    out.push(main.to_string());
                }
                if !inner.is_empty() && inner != "class" {
                    out.push(inner.to_string());
                }
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// A plain number (no other text).
fn parse_num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A value cell: `x`, `<x`, `>x`, `~x`, `a-b`, `a–b`, `a to b`; anything
/// else is qualitative.
fn parse_value(s: &str) -> (Qualifier, Option<f64>, Option<f64>) {
    let t = s.trim();
    if let Some(v) = parse_num(t) {
        return (Qualifier::Exact, Some(v), Some(v));
    }
    for (prefix, q) in [
        ("<=", Qualifier::Below),
        ("≤", Qualifier::Below),
        ("<", Qualifier::Below),
        (">=", Qualifier::Above),
        ("≥", Qualifier::Above),
        (">", Qualifier::Above),
        ("~", Qualifier::Approx),
        ("≈", Qualifier::Approx),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if let Some(v) = parse_num(rest) {
                return match q {
                    Qualifier::Below => (q, None, Some(v)),
                    Qualifier::Above => (q, Some(v), None),
                    _ => (q, Some(v), Some(v)),
                };
            }
        }
    }
    for sep in [" to ", "–", "-"] {
        if let Some((a, b)) = t.split_once(sep) {
            if let (Some(a), Some(b)) = (parse_num(a), parse_num(b)) {
                if a <= b {
                    return (Qualifier::Range, Some(a), Some(b));
                }
            }
        }
    }
    (Qualifier::Qualitative, None, None)
}

// ---------------------------------------------------------------------------
// Measured vs published
// ---------------------------------------------------------------------------

/// A measured potency to set beside the published values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredPotency {
    /// Compound name and aliases (any of them may match the table).
    pub compound_names: Vec<String>,
    /// Cell line name and aliases.
    pub cell_line_names: Vec<String>,
    /// Metric: `GI50`, `IC50`, `EC50`, `CC50`.
    pub metric: String,
    /// Estimate.
    pub value: f64,
    /// 95 % CI lower bound.
    pub ci_lower: Option<f64>,
    /// 95 % CI upper bound.
    pub ci_upper: Option<f64>,
    /// Unit of the estimate and CI.
    pub unit: ConcUnit,
    /// g/mol, for mass units.
    pub molecular_weight: Option<f64>,
    /// Drug exposure of the assay in hours (72 for a 72-h assay), when
    /// known: compared with the published assay length (see
    /// [`compare_potency`]).
    pub assay_hours: Option<f64>,
}

/// The outcome of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The measured interval overlaps the published one.
    Agrees,
    /// Measured entirely below the published values (more potent), by at
    /// least `fold`.
    MorePotent {
        /// `P.low / U`.
        fold: f64,
    },
    /// Measured entirely above the published values (less potent), by at
    /// least `fold`.
    LessPotent {
        /// `L / P.high`.
        fold: f64,
    },
    /// Not comparable (qualitative value, unit, metric); see the note.
    NotComparable,
}

impl Verdict {
    /// True for the two disagreeing verdicts.
    pub fn disagrees(self) -> bool {
        matches!(
            self,
            Verdict::MorePotent { .. } | Verdict::LessPotent { .. }
        )
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Agrees => f.write_str("agrees"),
            Verdict::MorePotent { fold } => {
                write!(f, "more potent than published (≥ {fold:.3}-fold)")
            }
            Verdict::LessPotent { fold } => {
                write!(f, "less potent than published (≥ {fold:.3}-fold)")
            }
            Verdict::NotComparable => f.write_str("not comparable"),
        }
    }
}

/// A measured potency beside one published row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PotencyComparison {
    /// The published row.
    pub reference: ReferenceRow,
    /// Measured interval in nM (`[L, U]`; `[v, v]` without a CI).
    pub measured_nm: Option<(f64, f64)>,
    /// Published interval in nM (`None` = unbounded on that side).
    pub published_nm: (Option<f64>, Option<f64>),
    /// The verdict.
    pub verdict: Verdict,
    /// Caveats: definitions differ, no CI, unit flagged in the source.
    pub notes: Vec<String>,
}

/// The metric family of a potency: `Some("GI50")` etc. for a cellular
/// potency; `None` for binding / enzyme constants and other metrics.
fn potency_metric(metric: &str) -> Option<String> {
    let m = metric.trim().to_lowercase();
    if m.contains("binding") || m.starts_with("kd") || m.starts_with("ki") {
        return None;
    }
    let first: String = m
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_uppercase();
    matches!(first.as_str(), "GI50" | "IC50" | "EC50" | "CC50").then_some(first)
}

/// Parse a published unit: the first word of the cell (`nM (as printed; …)`
/// → `nM`, with a note that the source flags it).
fn published_unit(unit: Option<&str>, notes: &mut Vec<String>) -> Option<ConcUnit> {
    let u = unit?.trim();
    if let Ok(c) = u.parse::<ConcUnit>() {
        return Some(c);
    }
    let first = u.split_whitespace().next()?;
    let c = first.parse::<ConcUnit>().ok()?;
    notes.push(format!("unit flagged in the source: \"{u}\""));
    Some(c)
}

/// The drug-exposure length, in hours, stated in an assay description:
/// the first number followed by a time unit (`h`, `hr`, `hours`, `d`,
/// `day`, `days`, with or without a space or hyphen: `72 h`, `72h`, `7d`,
/// `7-day`, `7 days`). `None` when there is none.
pub fn assay_hours(text: &str) -> Option<f64> {
    let t = text.to_lowercase();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let Ok(n) = t[start..i].parse::<f64>() else {
                continue;
            };
            let mut j = i;
            while j < b.len() && (b[j] == b' ' || b[j] == b'-') {
                j += 1;
            }
            let word: String = t[j..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let factor = match word.as_str() {
                "h" | "hr" | "hrs" | "hour" | "hours" => Some(1.0),
                "d" | "day" | "days" => Some(24.0),
                _ => None,
            };
            if let Some(f) = factor {
                if n > 0.0 {
                    return Some(n * f);
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

/// `72 h`, or `7 d (168 h)` for whole days of at least two.
fn hours_text(h: f64) -> String {
    let d = h / 24.0;
    if h >= 48.0 && (d - d.round()).abs() < 1e-9 {
        format!("{} d ({h} h)", d.round())
    } else {
        format!("{h} h")
    }
}

/// Set a measured potency beside every published row of the same compound
/// (any alias), cell line (any alias) and comparable metric, and apply the
/// agreement rule of the module documentation. Rows come in table order.
pub fn compare_potency(table: &ReferenceTable, m: &MeasuredPotency) -> Vec<PotencyComparison> {
    let Some(measured_metric) = potency_metric(&m.metric) else {
        return Vec::new();
    };
    let to_nm = |x: f64, unit: ConcUnit, mw: Option<f64>| -> Option<f64> {
        unit.to_molar(x, mw)
            .ok()
            .and_then(|mol| ConcUnit::NanoM.from_molar(mol, None).ok())
    };
    let mut out = Vec::new();
    for r in &table.rows {
        if !m.compound_names.iter().any(|n| r.is_compound(n))
            || !m.cell_line_names.iter().any(|n| r.is_model(n))
        {
            continue;
        }
        let Some(pub_metric) = potency_metric(&r.metric) else {
            continue;
        };
        let cross = pub_metric != measured_metric;
        if cross && (pub_metric == "CC50" || measured_metric == "CC50") {
            continue;
        }
        let mut notes = Vec::new();
        if cross {
            notes.push(format!(
                "published {pub_metric} vs measured {measured_metric}: definitions differ"
            ));
        }
        let (lo, hi) = match (m.ci_lower, m.ci_upper) {
            (Some(l), Some(u)) if l.is_finite() && u.is_finite() && l <= u => (l, u),
            _ => {
                notes.push("no 95 % CI: the point estimate is compared".to_string());
                (m.value, m.value)
            }
        };
        let measured_nm = match (
            to_nm(lo, m.unit, m.molecular_weight),
            to_nm(hi, m.unit, m.molecular_weight),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        let punit = published_unit(r.unit.as_deref(), &mut notes);
        let published_nm = match punit {
            Some(u) => (
                r.low.and_then(|x| to_nm(x, u, m.molecular_weight)),
                r.high.and_then(|x| to_nm(x, u, m.molecular_weight)),
            ),
            None => (None, None),
        };
        let lengths = m.assay_hours.zip(r.assay_hours());
        let verdict = match (measured_nm, punit, r.qualifier) {
            (_, _, Qualifier::Qualitative) => {
                notes.push("published value is qualitative".to_string());
                Verdict::NotComparable
            }
            (None, _, _) => {
                notes.push("measured unit needs a molecular weight".to_string());
                Verdict::NotComparable
            }
            (_, None, _) => {
                notes.push(format!(
                    "published unit {:?} is not a concentration",
                    r.unit.as_deref().unwrap_or("")
                ));
                Verdict::NotComparable
            }
            (Some((l, u)), Some(_), _) => {
                let p_lo = published_nm.0.unwrap_or(0.0);
                let p_hi = published_nm.1.unwrap_or(f64::INFINITY);
                if u < p_lo {
                    Verdict::MorePotent { fold: p_lo / u }
                } else if l > p_hi {
                    Verdict::LessPotent { fold: l / p_hi }
                } else {
                    Verdict::Agrees
                }
            }
        };
        let verdict = match lengths {
            Some((mh, ph))
                if mh.max(ph) / mh.min(ph) > 1.5 && verdict != Verdict::NotComparable =>
            {
                notes.push(format!(
                    "assay length differs: measured {}, published {} (menin-inhibitor potency grows with exposure) — not judged; by the interval rule: {verdict}",
                    hours_text(mh),
                    hours_text(ph)
                ));
                Verdict::NotComparable
            }
            _ => verdict,
        };
        out.push(PotencyComparison {
            reference: r.clone(),
            measured_nm,
            published_nm,
            verdict,
            notes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assay_lengths_parse() {
        assert_eq!(
            assay_hours("MTT 7d (medium change + re-dosing day 4)"),
            Some(168.0)
        );
        assert_eq!(assay_hours("CellTiter-Glo, 72 h"), Some(72.0));
        assert_eq!(assay_hours("72h"), Some(72.0));
        assert_eq!(assay_hours("7-day MTT"), Some(168.0));
        assert_eq!(assay_hours("after 10 days"), Some(240.0));
        assert_eq!(assay_hours("MOLM-13 96 hours"), Some(96.0));
        assert_eq!(assay_hours("fluorescence polarization competition"), None);
        assert_eq!(assay_hours("menin + MLL1 4-43 fragment"), None);
        assert_eq!(assay_hours("0 h"), None);
        assert_eq!(hours_text(72.0), "3 d (72 h)");
        assert_eq!(hours_text(36.0), "36 h");
    }

    #[test]
    fn values_parse() {
        assert_eq!(
            parse_value("0.22"),
            (Qualifier::Exact, Some(0.22), Some(0.22))
        );
        assert_eq!(parse_value("<25"), (Qualifier::Below, None, Some(25.0)));
        assert_eq!(parse_value("> 3"), (Qualifier::Above, Some(3.0), None));
        assert_eq!(
            parse_value("60 to 80"),
            (Qualifier::Range, Some(60.0), Some(80.0))
        );
        assert_eq!(
            parse_value("1.5-2"),
            (Qualifier::Range, Some(1.5), Some(2.0))
        );
        assert_eq!(parse_value("92 -> 59").0, Qualifier::Qualitative);
        assert_eq!(
            parse_value("not affected (qualitative)").0,
            Qualifier::Qualitative
        );
        assert_eq!(parse_value("30 (18/60)").0, Qualifier::Qualitative);
    }

    #[test]
    fn compound_cells_split() {
        assert_eq!(
            compound_names("pinometostat (EPZ-5676)"),
            vec!["pinometostat", "EPZ-5676"]
        );
        assert_eq!(
            compound_names("ziftomenib; bleximenib"),
            vec!["ziftomenib", "bleximenib"]
        );
        assert_eq!(
            compound_names("menin inhibitors (class)"),
            vec!["menin inhibitors"]
        );
        assert_eq!(
            compound_names("revumenib/ziftomenib"),
            vec!["revumenib", "ziftomenib"]
        );
    }

    #[test]
    fn keys_ignore_punctuation_and_case() {
        assert_eq!(key("MV4;11"), key("mv4-11"));
        assert_eq!(key("MI-503"), "mi503");
        assert_eq!(key("MOLM-13"), key("MOLM13"));
    }

    #[test]
    fn metric_families() {
        assert_eq!(
            potency_metric("IC50 (cell growth)").as_deref(),
            Some("IC50")
        );
        assert_eq!(potency_metric("gi50").as_deref(), Some("GI50"));
        assert_eq!(potency_metric("binding IC50"), None);
        assert_eq!(potency_metric("Kd"), None);
        assert_eq!(potency_metric("Ki"), None);
        assert_eq!(potency_metric("tumour volume reduction"), None);
    }
}
