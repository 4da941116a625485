//! The canonical qPCR record and the tidy `sample,group,gene,ct` reader.
//!
//! # Tidy input
//! One row per well: `sample`, `group`, `gene` (alias `target`), `ct`
//! (aliases `cq`, `c_t`), optional `replicate`, `well`, `plate`,
//! `sample_type` (alias `type`, `task`, `content`: unknown / ntc / nrt /
//! std / pos), `quantity` (alias `amount`, for standard curves) and
//! `omit` (true/1/yes: the well is excluded). CSV, TSV, semicolon CSV or
//! XLSX (see [`crate::table`]). `group` may be absent when a group sheet is
//! given ([`apply_groups`]).
//!
//! # Not detected
//! The Ct cell spellings `Undetermined`, `N/A`, `NA`, `NaN`, `No Ct`,
//! `No Cq`, `-`, an empty cell and the value `-1` (RDML's "no
//! amplification") all mean **not detected** ([`parse_ct`]): the record gets
//! `cq = None`. It is never read as 0. How not-detected wells enter an
//! analysis is decided there ([`crate::qpcr::replicates::Undetected`]).
//! Any other value must be a number with `0 < Ct ≤ 60` ([`CT_MAX`]), else the
//! file is rejected naming line, sample and gene.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::QpcrError;
use crate::table::{Table, TableOptions};

/// Largest Ct accepted as a measurement (cycles). Instruments run 40–50
/// cycles; a larger value is a typing or unit error.
pub const CT_MAX: f64 = 60.0;

/// Cell spellings (ASCII case ignored) read as "not detected".
pub const NOT_DETECTED_TOKENS: [&str; 9] = [
    "",
    "undetermined",
    "n/a",
    "na",
    "nan",
    "no ct",
    "no cq",
    "-",
    "not detected",
];

/// What a reaction's sample is (MIQE controls are kept apart from the
/// quantified samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleType {
    /// A sample to quantify (RDML `unkn`, QuantStudio `UNKNOWN`, CFX `Unkn`).
    Unknown,
    /// No-template control (RDML `ntc`, `nac`, `ntp`; CFX `NTC`, `Neg Ctrl`).
    Ntc,
    /// No-reverse-transcription control (RDML `nrt`, CFX `NRT`).
    NoRt,
    /// Standard of known quantity (RDML `std`, QuantStudio `STANDARD`).
    Standard,
    /// Positive control (RDML `pos`, CFX `Pos Ctrl`).
    Positive,
    /// Anything else (e.g. RDML `opt`, QuantStudio blocked IPC).
    Other,
}

impl SampleType {
    /// Reads the type as the formats spell it (case and a trailing `-NN`
    /// replicate number ignored); empty means [`SampleType::Unknown`].
    pub fn parse(s: &str) -> SampleType {
        let t = s.trim().to_ascii_lowercase();
        // CFX writes "Unkn-01", "Std-03".
        let t = match t.rsplit_once('-') {
            Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
                head.trim().to_string()
            }
            _ => t,
        };
        match t.as_str() {
            "" | "unkn" | "unknown" | "sample" | "unk" => SampleType::Unknown,
            "ntc" | "nac" | "ntp" | "neg ctrl" | "negative" | "negative control" | "neg" => {
                SampleType::Ntc
            }
            "nrt" | "no rt" | "no_rt" | "no-rt" | "minus rt" | "-rt" => SampleType::NoRt,
            "std" | "standard" => SampleType::Standard,
            "pos" | "pos ctrl" | "positive" | "positive control" => SampleType::Positive,
            _ => SampleType::Other,
        }
    }

    /// True for no-template and no-RT controls.
    pub fn is_negative_control(self) -> bool {
        matches!(self, SampleType::Ntc | SampleType::NoRt)
    }

    /// Lower-case name as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            SampleType::Unknown => "unknown",
            SampleType::Ntc => "ntc",
            SampleType::NoRt => "nrt",
            SampleType::Standard => "std",
            SampleType::Positive => "pos",
            SampleType::Other => "other",
        }
    }
}

/// A melt curve: fluorescence against temperature (°C), as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MeltCurve {
    /// Temperatures, °C.
    pub temperature: Vec<f64>,
    /// Fluorescence at each temperature.
    pub fluorescence: Vec<f64>,
}

/// One well (reaction × target) of a qPCR run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CqRecord {
    /// Sample (biological replicate) name.
    pub sample: String,
    /// Experimental group (treatment), if known.
    pub group: Option<String>,
    /// Gene (target).
    pub gene: String,
    /// Cq in cycles; `None` = not detected (see the module docs).
    pub cq: Option<f64>,
    /// Sample type (controls are not quantified).
    pub sample_type: SampleType,
    /// Technical replicate label, if given.
    pub replicate: Option<String>,
    /// Well, if given.
    pub well: Option<String>,
    /// Plate / run, if given.
    pub plate: Option<String>,
    /// Known quantity of a standard (any unit), if given.
    pub quantity: Option<f64>,
    /// The well was marked as excluded / omitted in the file.
    pub excluded: bool,
    /// 1-based line of the row in the file (reaction number for RDML).
    pub line: usize,
    /// Starting quantity estimated by the analysis software (RDML `Ncopy`,
    /// else `N0`; positive values only), used by geNorm when there is no Cq.
    pub ncopy: Option<f64>,
    /// Melt curve, when the file holds one.
    pub melt: Option<MeltCurve>,
}

/// All Cq records of one input, plus what the file says about the genes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CqSet {
    /// File name (and sheet), for messages.
    pub source: String,
    /// Format the records were read from (`tidy`, `rdml`, `quantstudio`, `cfx`).
    pub format: String,
    /// The wells.
    pub records: Vec<CqRecord>,
    /// Amplification efficiency per gene stored in the file, as a fold per
    /// cycle (RDML `amplificationEfficiency`; percentages converted).
    pub efficiencies: BTreeMap<String, f64>,
    /// Genes the file marks as reference genes (RDML target type `ref`).
    pub reference_genes: Vec<String>,
}

impl CqSet {
    /// Genes in order of first appearance.
    pub fn genes(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.records {
            if !v.contains(&r.gene) {
                v.push(r.gene.clone());
            }
        }
        v
    }

    /// Groups of the unknown samples in order of first appearance.
    pub fn groups(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.records {
            if let Some(g) = &r.group {
                if r.sample_type == SampleType::Unknown && !v.contains(g) {
                    v.push(g.clone());
                }
            }
        }
        v
    }

    /// Number of not-detected wells.
    pub fn n_not_detected(&self) -> usize {
        self.records.iter().filter(|r| r.cq.is_none()).count()
    }
}

/// Reads a Ct cell: `Ok(None)` for the "not detected" spellings and `-1`,
/// `Ok(Some(x))` for a number, `Err(())` for anything else. Range checks are
/// separate ([`check_ct`]). With `decimal_comma`, `27,5` is 27.5.
#[allow(clippy::result_unit_err)]
pub fn parse_ct(text: &str, decimal_comma: bool) -> Result<Option<f64>, ()> {
    let t = text.trim();
    if NOT_DETECTED_TOKENS
        .iter()
        .any(|k| t.eq_ignore_ascii_case(k))
    {
        return Ok(None);
    }
    match crate::grid::parse_number(t, decimal_comma) {
        Some(-1.0) => Ok(None),
        Some(v) => Ok(Some(v)),
        None => Err(()),
    }
}

/// Checks `0 < ct ≤ CT_MAX`.
pub fn check_ct(
    ct: f64,
    file: &str,
    line: usize,
    sample: &str,
    gene: &str,
) -> Result<f64, QpcrError> {
    if ct > 0.0 && ct <= CT_MAX {
        Ok(ct)
    } else {
        Err(QpcrError::CtOutOfRange {
            file: file.to_string(),
            line,
            sample: sample.to_string(),
            gene: gene.to_string(),
            value: ct,
            max: CT_MAX,
        })
    }
}

/// Reads a boolean-ish "omit" cell.
pub(crate) fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "y" | "x" | "omit" | "excluded"
    )
}

fn find_any(t: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| t.find_column(n))
}

/// Builds a [`CqSet`] from a tidy table (see the module docs).
pub fn from_table(t: &Table) -> Result<CqSet, QpcrError> {
    let file = t.source.clone();
    let sample = t.column("sample")?;
    let gene = match find_any(t, &["gene", "target"]) {
        Some(c) => c,
        None => t.column("gene")?,
    };
    let ct = match find_any(t, &["ct", "cq", "c_t"]) {
        Some(c) => c,
        None => t.column("ct")?,
    };
    let group = t.find_column("group");
    let replicate = t.find_column("replicate");
    let well = t.find_column("well");
    let plate = t.find_column("plate");
    let stype = find_any(t, &["sample_type", "type", "task", "content"]);
    let quantity = find_any(t, &["quantity", "amount"]);
    let omit = find_any(t, &["omit", "excluded", "exclude"]);
    let mut records = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let need = |c: usize, name: &str| -> Result<String, QpcrError> {
            row.text(c)
                .map(str::to_string)
                .ok_or_else(|| QpcrError::EmptyCell {
                    file: file.clone(),
                    line: row.line,
                    column: name.to_string(),
                })
        };
        let s = need(sample, "sample")?;
        let g = need(gene, "gene")?;
        let cq = match parse_ct(row.get(ct), t.decimal_comma()) {
            Ok(Some(v)) => Some(check_ct(v, &file, row.line, &s, &g)?),
            Ok(None) => None,
            Err(()) => {
                return Err(QpcrError::BadCt {
                    file: file.clone(),
                    line: row.line,
                    column: t.headers[ct].clone(),
                    value: row.get(ct).to_string(),
                });
            }
        };
        let q = match quantity {
            Some(c) => t.parse_f64(row, c)?,
            None => None,
        };
        records.push(CqRecord {
            sample: s,
            group: group.and_then(|c| row.text(c)).map(str::to_string),
            gene: g,
            cq,
            sample_type: stype.map_or(SampleType::Unknown, |c| SampleType::parse(row.get(c))),
            replicate: replicate.and_then(|c| row.text(c)).map(str::to_string),
            well: well.and_then(|c| row.text(c)).map(str::to_string),
            plate: plate.and_then(|c| row.text(c)).map(str::to_string),
            quantity: q,
            excluded: omit.is_some_and(|c| truthy(row.get(c))),
            line: row.line,
            ncopy: None,
            melt: None,
        });
    }
    Ok(CqSet {
        source: file,
        format: "tidy".into(),
        records,
        efficiencies: BTreeMap::new(),
        reference_genes: Vec::new(),
    })
}

/// Options of [`read_cq_file`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Sheet of a workbook (default: `Results` when present, else the first).
    pub sheet: Option<String>,
    /// RDML sample annotation (property) that holds the group; default: the
    /// one property every quantified sample is annotated with, if unique.
    pub group_annotation: Option<String>,
}

/// Reads a Cq file of any supported kind: `.rdml` / `.xml` as RDML
/// ([`super::import_rdml`]); text or workbook files as a QuantStudio /
/// StepOne or Bio-Rad CFX export when their layout is recognised
/// ([`super::import_instrument`]), else as a tidy table ([`from_table`]).
pub fn read_cq_file(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<CqSet, QpcrError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "rdml" || ext == "xml" {
        let bytes = std::fs::read(path).map_err(|cause| QpcrError::Io {
            file: file.clone(),
            cause,
        })?;
        let rdml = super::import_rdml::RdmlFile::parse(&bytes, &file)?;
        return rdml.to_cq_set(opts.group_annotation.as_deref());
    }
    if let Some(set) = super::import_instrument::read_instrument(path, opts.sheet.as_deref())? {
        return Ok(set);
    }
    let t = Table::read_with(
        path,
        &TableOptions {
            sheet: opts.sheet.clone(),
            delimiter: None,
        },
    )?;
    from_table(&t)
}

/// Reads a group sheet: a table with columns `sample` and `group`.
pub fn read_group_sheet(path: impl AsRef<Path>) -> Result<BTreeMap<String, String>, QpcrError> {
    let t = Table::read(path)?;
    let s = t.column("sample")?;
    let g = t.column("group")?;
    let mut map: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for row in &t.rows {
        let (Some(sample), Some(group)) = (row.text(s), row.text(g)) else {
            return Err(QpcrError::EmptyCell {
                file: t.source.clone(),
                line: row.line,
                column: if row.text(s).is_none() {
                    "sample".into()
                } else {
                    "group".into()
                },
            });
        };
        if let Some((prev, line)) = map.get(sample) {
            if prev != group {
                return Err(QpcrError::SampleInTwoGroups {
                    file: t.source.clone(),
                    sample: sample.to_string(),
                    first: prev.clone(),
                    first_line: *line,
                    second: group.to_string(),
                    second_line: row.line,
                });
            }
        }
        map.insert(sample.to_string(), (group.to_string(), row.line));
    }
    Ok(map.into_iter().map(|(k, (g, _))| (k, g)).collect())
}

/// Sets the group of every record whose sample is in `groups` (overriding
/// the group read from the file).
pub fn apply_groups(set: &mut CqSet, groups: &BTreeMap<String, String>) {
    for r in &mut set.records {
        if let Some(g) = groups.get(&r.sample) {
            r.group = Some(g.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_detected_spellings() {
        for s in [
            "Undetermined",
            "N/A",
            "",
            " na ",
            "NaN",
            "-1",
            "-1.0",
            "No Ct",
            "-",
        ] {
            assert_eq!(parse_ct(s, false), Ok(None), "{s}");
        }
        assert_eq!(parse_ct("27.5", false), Ok(Some(27.5)));
        assert_eq!(parse_ct("27,5", true), Ok(Some(27.5)));
        assert_eq!(parse_ct("0", false), Ok(Some(0.0)));
        assert!(parse_ct("abc", false).is_err());
        assert!(check_ct(0.0, "f", 2, "s", "g").is_err());
        assert!(check_ct(61.0, "f", 2, "s", "g").is_err());
        assert!(check_ct(-2.0, "f", 2, "s", "g").is_err());
    }

    #[test]
    fn sample_types() {
        assert_eq!(SampleType::parse("Unkn-01"), SampleType::Unknown);
        assert_eq!(SampleType::parse("Std-03"), SampleType::Standard);
        assert_eq!(SampleType::parse("NTC"), SampleType::Ntc);
        assert_eq!(SampleType::parse("nrt"), SampleType::NoRt);
        assert_eq!(SampleType::parse("Pos Ctrl"), SampleType::Positive);
        assert_eq!(SampleType::parse("UNKNOWN"), SampleType::Unknown);
        assert_eq!(SampleType::parse(""), SampleType::Unknown);
        assert_eq!(SampleType::parse("opt"), SampleType::Other);
    }

    #[test]
    fn tidy_table() {
        let t = Table::parse_text(
            "sample,group,target,Cq,well\ns1,DMSO,HOXA9,25.1,A1\ns1,DMSO,HOXA9,Undetermined,A2\n",
            "t.csv",
        )
        .unwrap();
        let set = from_table(&t).unwrap();
        assert_eq!(set.records.len(), 2);
        assert_eq!(set.records[0].cq, Some(25.1));
        assert_eq!(set.records[1].cq, None);
        assert_eq!(set.records[1].line, 3);
        let t = Table::parse_text("sample,group,gene,ct\ns1,A,G,75\n", "t.csv").unwrap();
        let e = from_table(&t).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("s1") && e.contains("out of range"),
            "{e}"
        );
        let t = Table::parse_text("sample,group,gene,ct\ns1,A,G,high\n", "t.csv").unwrap();
        let e = from_table(&t).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("'high'"), "{e}");
    }
}
