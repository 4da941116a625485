//! Result exports of qPCR instrument software: Applied Biosystems
//! QuantStudio / StepOne (`.txt` / `.csv` / `.xls(x)` "Results") and Bio-Rad
//! CFX Manager / Maestro ("Quantification Cq Results", `.csv` / `.xlsx`).
//!
//! # Layouts recognised
//! The result table is found by its header row, anywhere in the file (the
//! QuantStudio text export puts `* key = value` lines and other
//! `[Section]`s before its `[Results]` table); the table ends at the first
//! empty line or the next `[Section]`. Header names are compared ignoring
//! case, spaces and punctuation, and the Cyrillic `т` StepOne writes in
//! `Cт` is read as `t`.
//!
//! | | QuantStudio / StepOne | Bio-Rad CFX |
//! |---|---|---|
//! | sample | `Sample Name` | `Sample` |
//! | gene | `Target Name` | `Target` |
//! | Cq | `CT`, `Ct`, `Cт`, `Cq`, `CRT` | `Cq` |
//! | type | `Task` (UNKNOWN, STANDARD, NTC) | `Content` (Unkn-01, Std-01, NTC, NRT, Pos Ctrl, Neg Ctrl) |
//! | group | `Biogroup Name` | `Biological Set Name` |
//! | well | `Well Position`, else `Well` | `Well` |
//! | quantity | `Quantity` | `Starting Quantity (SQ)` |
//! | excluded | `Omit` = true | — |
//!
//! A Bio-Rad table is recognised by `Sample`, `Target`, `Cq` and `Content`
//! or `Fluor`; a QuantStudio table by `Sample Name`, `Target Name` and a Ct
//! column. When a name occurs twice (QuantStudio repeats `Target Name` and
//! `Task` at the end), the first occurrence is used. Wells without a sample
//! name are empty wells and are skipped, except standards and controls
//! (CFX leaves standards unnamed), which are named after their type cell
//! (`Std-01`, `NTC`). Not-detected spellings
//! (`Undetermined`, `NaN`, empty, …) follow [`super::tidy::parse_ct`].
//! Quantities may use thousands separators (`100,000,000.000`) in
//! tab-separated files.

use std::collections::BTreeMap;
use std::path::Path;

use super::QpcrError;
use super::tidy::{CqRecord, CqSet, SampleType, check_ct, parse_ct, truthy};
use crate::grid::{self, GridRow};

/// Instrument family of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrument {
    /// Applied Biosystems QuantStudio or StepOne.
    QuantStudio,
    /// Bio-Rad CFX.
    Cfx,
}

impl Instrument {
    /// Format name as stored in [`CqSet::format`].
    pub fn name(self) -> &'static str {
        match self {
            Instrument::QuantStudio => "quantstudio",
            Instrument::Cfx => "cfx",
        }
    }
}

/// Header name normalised for matching: lower case, `т` → `t`, only ASCII
/// letters and digits kept.
fn norm(h: &str) -> String {
    h.chars()
        .map(|c| if c == 'т' || c == 'Т' { 't' } else { c })
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

struct Columns {
    kind: Instrument,
    sample: usize,
    gene: usize,
    ct: usize,
    stype: Option<usize>,
    group: Option<usize>,
    well: Option<usize>,
    quantity: Option<usize>,
    omit: Option<usize>,
}

fn first(names: &[String], wanted: &[&str]) -> Option<usize> {
    wanted
        .iter()
        .find_map(|w| names.iter().position(|n| n == w))
}

/// Recognises a header row (see the module docs).
fn columns(header: &[String]) -> Option<Columns> {
    let n: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let ct_names = ["ct", "cq", "crt", "ctvalue", "cqvalue"];
    if let (Some(sample), Some(gene), Some(ct)) = (
        first(&n, &["samplename"]),
        first(&n, &["targetname"]),
        first(&n, &ct_names),
    ) {
        return Some(Columns {
            kind: Instrument::QuantStudio,
            sample,
            gene,
            ct,
            stype: first(&n, &["task"]),
            group: first(&n, &["biogroupname"]),
            well: first(&n, &["wellposition", "well"]),
            quantity: first(&n, &["quantity"]),
            omit: first(&n, &["omit"]),
        });
    }
    if let (Some(sample), Some(gene), Some(ct)) = (
        first(&n, &["sample"]),
        first(&n, &["target"]),
        first(&n, &["cq"]),
    ) {
        if first(&n, &["content", "fluor"]).is_some() {
            return Some(Columns {
                kind: Instrument::Cfx,
                sample,
                gene,
                ct,
                stype: first(&n, &["content"]),
                group: first(&n, &["biologicalsetname"]),
                well: first(&n, &["well"]),
                quantity: first(&n, &["startingquantitysq", "startingquantity", "sq"]),
                omit: None,
            });
        }
    }
    None
}

fn parse_quantity(s: &str, delimiter: Option<u8>) -> Option<f64> {
    let t = s.trim();
    let t = if delimiter != Some(b',') && t.contains(',') && t.contains('.') {
        t.replace(',', "")
    } else {
        t.to_string()
    };
    grid::parse_number(&t, delimiter == Some(b';'))
}

/// Builds the records from grid rows starting at the header row `h`.
fn records_from_grid(
    rows: &[GridRow],
    h: usize,
    cols: &Columns,
    file: &str,
    delimiter: Option<u8>,
) -> Result<CqSet, QpcrError> {
    let header = &rows[h].cells;
    let mut records = Vec::new();
    for row in &rows[h + 1..] {
        if row.is_blank() || row.cells.first().is_some_and(|c| c.starts_with('[')) {
            break;
        }
        let get = |c: usize| row.cells.get(c).map(String::as_str).unwrap_or("");
        let gene = get(cols.gene).trim();
        let type_cell = cols.stype.map(get).unwrap_or("").trim();
        // A well without a sample name is an empty well, unless its type
        // says it is a control or standard (CFX leaves standards unnamed):
        // it is then named after its type cell (e.g. `Std-01`).
        let sample = match get(cols.sample).trim() {
            "" if SampleType::parse(type_cell) != SampleType::Unknown => type_cell,
            "" => continue,
            s => s,
        };
        if gene.is_empty() {
            return Err(QpcrError::EmptyCell {
                file: file.to_string(),
                line: row.line,
                column: header[cols.gene].clone(),
            });
        }
        let cq = match parse_ct(get(cols.ct), delimiter == Some(b';')) {
            Ok(Some(v)) => Some(check_ct(v, file, row.line, sample, gene)?),
            Ok(None) => None,
            Err(()) => {
                return Err(QpcrError::BadCt {
                    file: file.to_string(),
                    line: row.line,
                    column: header[cols.ct].clone(),
                    value: get(cols.ct).to_string(),
                });
            }
        };
        let text = |c: Option<usize>| {
            c.map(get)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        records.push(CqRecord {
            sample: sample.to_string(),
            group: text(cols.group),
            gene: gene.to_string(),
            cq,
            sample_type: cols
                .stype
                .map_or(SampleType::Unknown, |c| SampleType::parse(get(c))),
            replicate: None,
            well: text(cols.well),
            plate: None,
            quantity: cols
                .quantity
                .and_then(|c| parse_quantity(get(c), delimiter)),
            excluded: cols.omit.is_some_and(|c| truthy(get(c))),
            line: row.line,
            ncopy: None,
            melt: None,
        });
    }
    Ok(CqSet {
        source: file.to_string(),
        format: cols.kind.name().into(),
        records,
        efficiencies: BTreeMap::new(),
        reference_genes: Vec::new(),
    })
}

/// Finds and reads an instrument result table in delimited text. `Ok(None)`
/// when no recognised header occurs in the first 500 lines.
pub fn parse_instrument_text(text: &str, file: &str) -> Result<Option<CqSet>, QpcrError> {
    for (i, line) in text.lines().take(500).enumerate() {
        for d in [b'\t', b',', b';'] {
            if !line.contains(d as char) {
                continue;
            }
            let cells: Vec<String> = line
                .split(d as char)
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            let Some(cols) = columns(&cells) else {
                continue;
            };
            // Parse from this line on; line numbers are shifted back.
            let rest: String = text.lines().skip(i).collect::<Vec<_>>().join("\n");
            let mut rows = grid::parse_delimited(&rest, d, file)?;
            for r in &mut rows {
                r.line += i;
            }
            return records_from_grid(&rows, 0, &cols, file, Some(d)).map(Some);
        }
    }
    Ok(None)
}

/// Finds and reads an instrument result table in spreadsheet rows.
fn parse_instrument_rows(rows: &[GridRow], file: &str) -> Result<Option<CqSet>, QpcrError> {
    for (h, r) in rows.iter().enumerate().take(500) {
        if let Some(cols) = columns(&r.cells) {
            return records_from_grid(rows, h, &cols, file, None).map(Some);
        }
    }
    Ok(None)
}

/// Reads `path` as an instrument export if its layout is recognised:
/// `Ok(None)` otherwise (the caller then reads it as a tidy table). For
/// workbooks the sheet is `sheet`, else `Results` when present, else the
/// first sheet.
pub fn read_instrument(path: &Path, sheet: Option<&str>) -> Result<Option<CqSet>, QpcrError> {
    let file = path.display().to_string();
    if grid::is_spreadsheet(path) {
        let names = grid::sheet_names(path)?;
        let pick = match sheet {
            Some(s) => Some(s.to_string()),
            None => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case("results"))
                .cloned(),
        };
        let g = grid::read_sheet(path, pick.as_deref())?;
        let source = format!("{file} [sheet {}]", g.name);
        parse_instrument_rows(&g.rows, &source)
    } else {
        let text = grid::read_text(path)?;
        parse_instrument_text(&text, &file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantstudio_text() {
        let text = "* Block Type = 96-Well Block (0.2mL)\n* Chemistry = SYBR_GREEN\n\n[Sample Setup]\nWell\tWell Position\tSample Name\n1\tA1\tx\n\n[Results]\nWell\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\tCт\tQuantity\tBiogroup Name\tTarget Name\n1\tA1\tfalse\tDMSO-1\tMEIS1\tUNKNOWN\tSYBR\t24.512\t\tDMSO\tMEIS1\n2\tA2\ttrue\tDMSO-1\tMEIS1\tUNKNOWN\tSYBR\tUndetermined\t\tDMSO\tMEIS1\n3\tA3\tfalse\tSTD1\tMEIS1\tSTANDARD\tSYBR\t16.4\t100,000.000\t\tMEIS1\n4\tA4\tfalse\t\tMEIS1\tUNKNOWN\tSYBR\tUndetermined\t\t\tMEIS1\n\n[Melt Curve Raw Data]\nWell\tReading\n";
        let set = parse_instrument_text(text, "qs.txt").unwrap().unwrap();
        assert_eq!(set.format, "quantstudio");
        assert_eq!(set.records.len(), 3);
        let r = &set.records[0];
        assert_eq!(
            (r.sample.as_str(), r.gene.as_str(), r.cq),
            ("DMSO-1", "MEIS1", Some(24.512))
        );
        assert_eq!(r.group.as_deref(), Some("DMSO"));
        assert_eq!(r.line, 10);
        assert_eq!(r.well.as_deref(), Some("A1"));
        assert!(set.records[1].excluded);
        assert_eq!(set.records[1].cq, None);
        assert_eq!(set.records[2].sample_type, SampleType::Standard);
        assert_eq!(set.records[2].quantity, Some(100_000.0));
    }

    #[test]
    fn cfx_csv() {
        let text = ",Well,Fluor,Target,Content,Sample,Biological Set Name,Cq,Cq Mean\n,A01,SYBR,HOXA9,Unkn-01,s1,DMSO,24.80,24.86\n,A02,SYBR,HOXA9,NTC,H2O,,NaN,0\n";
        let set = parse_instrument_text(text, "cfx.csv").unwrap().unwrap();
        assert_eq!(set.format, "cfx");
        assert_eq!(set.records.len(), 2);
        assert_eq!(set.records[0].cq, Some(24.8));
        assert_eq!(set.records[0].group.as_deref(), Some("DMSO"));
        assert_eq!(set.records[1].sample_type, SampleType::Ntc);
        assert_eq!(set.records[1].cq, None);
        // A Ct out of range names the line.
        let bad = text.replace("24.80", "99");
        let e = parse_instrument_text(&bad, "cfx.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("out of range"), "{e}");
    }

    #[test]
    fn tidy_is_not_an_instrument_export() {
        assert!(
            parse_instrument_text("sample,group,gene,ct\ns,g,x,20\n", "t.csv")
                .unwrap()
                .is_none()
        );
    }
}
