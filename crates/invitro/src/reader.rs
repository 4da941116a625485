//! Plate-reader exports: matrix blocks in CSV / TSV / semicolon text or
//! XLSX, and tidy long readings (`plate,well,value`).
//!
//! # Matrix exports
//! A **plate block** is a header row whose cells, from some column on, are
//! exactly `1, 2, …, 12` (96-well) or `1, …, 24` (384-well), followed
//! immediately by 8 (16) rows whose cell just left of column `1` is the row
//! letter `A`…`H` (`A`…`P`, any case), each holding 12 (24) values:
//!
//! ```text
//! Absorbance 570 nm,,,,,,,,,,,,
//! Plate: P1
//! ,1,2,3,4,5,6,7,8,9,10,11,12
//! A,0.05,0.81,0.79,…,0.05
//! …
//! H,0.05,0.80,0.82,…,0.05
//! ```
//!
//! Anything else (instrument metadata, blank lines, wavelengths) is ignored.
//! A file may hold several blocks. The delimiter of a text file is the one
//! of `,` `;` tab that reveals a block header; a decimal comma is read only
//! in `;`-delimited files (`0,81`). In a workbook the first sheet is read
//! unless [`SheetChoice`] says otherwise.
//!
//! **Plate ids.** The row just before a block names it when it reads
//! `Plate: P1`, `Plate = P1`, `Plate name: P1`, `Plate ID: P1`,
//! `Plate barcode: P1` (id `P1`; the key may also sit in its own cell:
//! `Plate:,P1`), or `Plate 2` / `Plate #2` (id `Plate 2` / `Plate #2`, the
//! whole text). Otherwise the id is the file stem when the file holds a
//! single block, `stem#k` (k = 1, 2 … in file order) when it holds several.
//! A label used by two blocks of one file is kept in [`RawPlate::label`] but
//! the id falls back to `stem#k` for those blocks.
//!
//! **Cells.** A number gives a value. Text that marks a reading the
//! instrument could not make gives `None` **and** a [`WellNote`] keeping the
//! original text (ASCII case ignored):
//! - overflow (signal above range): `OVER`, `OVERFLOW`, `OVRFLW`, `OVFLW`,
//!   `OVFL`, `SAT`, `SATURATED`, any run of `*`, or text starting with `>`;
//! - underflow (below range): `UNDER`, `UNDERFLOW`, `UNDRFLW`, or text
//!   starting with `<`;
//! - missing: an empty cell, `-`, `--`, `NA`, `N/A`, `NaN`, `ND`, `n.d.`.
//!
//! Any other text is an error naming the file, line, column and well.
//!
//! # Tidy long readings
//! Columns `well` and `value` (required) and `plate` (optional; without it
//! the whole file is one plate named after the file stem); further columns
//! are ignored. The format of each plate is 384-well when any of its wells
//! lies beyond row H or column 12, otherwise 96-well. Wells not listed have no
//! value and no note. Value cells follow the same rules as matrix cells
//! (decimal comma only with `;`).
//!
//! ```text
//! plate,well,value
//! P1,A01,0.052
//! P1,A2,OVER
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::grid::{self, GridRow};
use crate::plate::{PlateFormat, Well};
use crate::table::{Table, TableError, TableOptions};

/// Why a well has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// The signal was above the instrument's range.
    Overflow,
    /// The signal was below the instrument's range.
    Underflow,
    /// The cell was empty or marked as not measured.
    Missing,
}

/// The original text of a cell that did not hold a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WellNote {
    /// What the text means.
    pub kind: NoteKind,
    /// The cell text as found (trimmed; empty for an empty cell).
    pub text: String,
}

/// One plate of readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawPlate {
    /// Plate id (see the module doc for how it is chosen).
    pub id: String,
    /// Label found on the line before the block (`Plate: P1` gives `P1`).
    pub label: Option<String>,
    /// Plate format.
    pub format: PlateFormat,
    /// Readings in row-major order (A01, A02, …), `None` where there is no
    /// number.
    pub values: Vec<Option<f64>>,
    /// Per-well note for cells that held text instead of a number, same order
    /// as `values`.
    pub notes: Vec<Option<WellNote>>,
    /// File (and sheet) the plate was read from.
    pub source: String,
    /// 1-based line (sheet row) of the block header, or of the first reading
    /// for long files.
    pub line: usize,
}

impl RawPlate {
    /// An empty plate (all values `None`, no notes).
    pub fn new(id: impl Into<String>, format: PlateFormat, source: impl Into<String>) -> RawPlate {
        RawPlate {
            id: id.into(),
            label: None,
            format,
            values: vec![None; format.n_wells()],
            notes: vec![None; format.n_wells()],
            source: source.into(),
            line: 0,
        }
    }

    /// A plate from row-major values (must have `format.n_wells()` entries,
    /// otherwise `None`).
    pub fn from_values(
        id: impl Into<String>,
        format: PlateFormat,
        values: Vec<Option<f64>>,
    ) -> Option<RawPlate> {
        (values.len() == format.n_wells()).then(|| RawPlate {
            id: id.into(),
            label: None,
            format,
            notes: vec![None; values.len()],
            values,
            source: String::new(),
            line: 0,
        })
    }

    /// Reading of `well` (`None` when absent or off the plate).
    pub fn value(&self, well: Well) -> Option<f64> {
        self.format
            .index(well)
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    /// Note of `well`, if its cell held text.
    pub fn note(&self, well: Well) -> Option<&WellNote> {
        self.format
            .index(well)
            .and_then(|i| self.notes.get(i).and_then(Option::as_ref))
    }

    /// Number of wells carrying a note.
    pub fn n_flagged(&self) -> usize {
        self.notes.iter().filter(|n| n.is_some()).count()
    }
}

/// Which sheets of a workbook to scan for plate blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SheetChoice {
    /// The first sheet (default).
    #[default]
    First,
    /// The sheet with this name.
    Named(String),
    /// Every sheet, in workbook order; blocks are numbered across sheets.
    All,
}

/// Options for the matrix reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Sheets to scan (workbooks only).
    pub sheet: SheetChoice,
    /// Force the delimiter of a text file.
    pub delimiter: Option<char>,
}

/// Errors of the plate-reader importers; each names the file and, for cell
/// problems, the 1-based line and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReaderError {
    /// Reading the file as a table failed.
    #[error(transparent)]
    Table(#[from] TableError),
    /// No plate block was found.
    #[error(
        "{file}: no plate found (expected a header row 1..12 or 1..24 followed by rows labelled A..H or A..P)"
    )]
    NoPlate {
        /// File name.
        file: String,
    },
    /// A header row numbers its columns 1..n with n neither 12 nor 24.
    #[error(
        "{file}, line {line}: plate header has columns 1..{found}, expected 1..12 (96-well) or 1..24 (384-well)"
    )]
    BadHeader {
        /// File name.
        file: String,
        /// 1-based line of the header.
        line: usize,
        /// Last column number found.
        found: usize,
    },
    /// A plate row is missing or out of order.
    #[error(
        "{file}, line {line}: expected row {expected} of the plate whose header is on line {header_line}, found {found}"
    )]
    MissingRow {
        /// File name.
        file: String,
        /// 1-based line where the row was expected (one past the end for end
        /// of file).
        line: usize,
        /// 1-based line of the block header.
        header_line: usize,
        /// Expected row letter.
        expected: char,
        /// What was there instead (`'X'`, an empty label, or end of file).
        found: String,
    },
    /// A plate row has too few or too many values.
    #[error("{file}, line {line}: row {row} has {found} values, expected {expected}")]
    RowLength {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Row letter.
        row: char,
        /// Values found.
        found: usize,
        /// Values expected (12 or 24).
        expected: usize,
    },
    /// A cell is neither a number nor a known instrument marker.
    #[error(
        "{file}, line {line}, column {column} (well {well}): expected a number or an overflow/missing marker, found '{value}'"
    )]
    NotNumeric {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column number in the file (a column name for long files).
        column: String,
        /// The well.
        well: Well,
        /// The cell text.
        value: String,
    },
    /// A well name in a long file is invalid.
    #[error("{file}, line {line}, column 'well': {reason}")]
    BadWell {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Why the name is invalid.
        reason: String,
    },
    /// A long file lists the same well of a plate twice.
    #[error(
        "{file}, line {line}: well {well} of plate '{plate}' already has a reading on line {first_line}"
    )]
    DuplicateWell {
        /// File name.
        file: String,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first reading.
        first_line: usize,
        /// Plate id.
        plate: String,
        /// The well.
        well: Well,
    },
}

/// Classifies a cell: `Ok((value, note))`, `Err(())` for unknown text.
fn classify(text: &str, decimal_comma: bool) -> Result<(Option<f64>, Option<WellNote>), ()> {
    let t = text.trim();
    if let Some(v) = grid::parse_number(t, decimal_comma) {
        return Ok((Some(v), None));
    }
    let lower = t.to_ascii_lowercase();
    let kind = if matches!(
        lower.as_str(),
        "over" | "overflow" | "ovrflw" | "ovflw" | "ovfl" | "sat" | "saturated"
    ) || (!t.is_empty() && t.chars().all(|c| c == '*'))
        || t.starts_with('>')
    {
        NoteKind::Overflow
    } else if matches!(lower.as_str(), "under" | "underflow" | "undrflw") || t.starts_with('<') {
        NoteKind::Underflow
    } else if matches!(
        lower.as_str(),
        "" | "-" | "--" | "na" | "n/a" | "nan" | "nd" | "n.d."
    ) {
        NoteKind::Missing
    } else {
        return Err(());
    };
    Ok((
        None,
        Some(WellNote {
            kind,
            text: t.to_string(),
        }),
    ))
}

/// A block header: index of the cell holding `1` and the length of the run
/// `1, 2, …, n` starting there (n ≥ 2).
fn header_run(row: &GridRow) -> Option<(usize, usize)> {
    let is_int = |s: &str, k: usize| s.trim().parse::<f64>().is_ok_and(|v| v == k as f64);
    let p = row.cells.iter().position(|c| is_int(c, 1))?;
    if p == 0 {
        return None;
    }
    let run = row.cells[p..]
        .iter()
        .enumerate()
        .take_while(|(i, c)| is_int(c, i + 1))
        .count();
    (run >= 2).then_some((p, run))
}

fn is_plate_key(key: &str) -> bool {
    let k = key
        .trim()
        .trim_end_matches([':', '='])
        .trim()
        .to_ascii_lowercase();
    matches!(
        k.as_str(),
        "plate"
            | "plate name"
            | "plate id"
            | "plate barcode"
            | "plate no"
            | "plate no."
            | "plate number"
    )
}

/// Reads a plate label from the row just before a block.
fn plate_label(row: &GridRow) -> Option<String> {
    let cells: Vec<&str> = row
        .cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    match cells.as_slice() {
        [key, value] if is_plate_key(key) => Some(value.to_string()),
        [single] => {
            let s = *single;
            if !s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("plate")) {
                return None;
            }
            if let Some(pos) = s.find([':', '=']) {
                let value = s[pos + 1..].trim();
                (is_plate_key(&s[..pos]) && !value.is_empty()).then(|| value.to_string())
            } else {
                let rest = s[5..].trim().trim_start_matches('#').trim();
                let token_ok = !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
                token_ok.then(|| s.to_string())
            }
        }
        _ => None,
    }
}

/// A block found in a grid, before ids are assigned.
struct Block {
    label: Option<String>,
    format: PlateFormat,
    values: Vec<Option<f64>>,
    notes: Vec<Option<WellNote>>,
    line: usize,
}

/// Finds and reads every plate block of a grid.
fn find_blocks(
    rows: &[GridRow],
    file: &str,
    decimal_comma: bool,
    first_col: usize,
) -> Result<Vec<Block>, ReaderError> {
    let mut blocks = Vec::new();
    let mut i = 0;
    let mut prev_end = 0usize; // index of the first row after the previous block
    while i < rows.len() {
        let Some((p, run)) = header_run(&rows[i]) else {
            i += 1;
            continue;
        };
        fn label_at(r: &GridRow, c: usize) -> &str {
            r.cells.get(c).map(|s| s.trim()).unwrap_or("")
        }
        let label_of = |r| label_at(r, p - 1);
        let Some(format) = PlateFormat::from_cols(run) else {
            // Not 12 or 24 columns: an error only when an `A` row follows,
            // otherwise it is some other numbered line.
            if rows
                .get(i + 1)
                .is_some_and(|r| label_of(r).eq_ignore_ascii_case("a"))
            {
                return Err(ReaderError::BadHeader {
                    file: file.to_string(),
                    line: rows[i].line,
                    found: run,
                });
            }
            i += 1;
            continue;
        };
        let header_line = rows[i].line;
        let nrows = format.rows() as usize;
        let ncols = format.cols() as usize;
        let mut values = Vec::with_capacity(format.n_wells());
        let mut notes = Vec::with_capacity(format.n_wells());
        for r in 0..nrows {
            let letter = (b'A' + r as u8) as char;
            let Some(row) = rows.get(i + 1 + r) else {
                return Err(ReaderError::MissingRow {
                    file: file.to_string(),
                    line: rows.last().map_or(header_line, |l| l.line) + 1,
                    header_line,
                    expected: letter,
                    found: "end of file".to_string(),
                });
            };
            let label = label_of(row);
            if !label.eq_ignore_ascii_case(&letter.to_string()) {
                let found = if label.is_empty() {
                    "a row without a letter".to_string()
                } else {
                    format!("'{label}'")
                };
                return Err(ReaderError::MissingRow {
                    file: file.to_string(),
                    line: row.line,
                    header_line,
                    expected: letter,
                    found,
                });
            }
            let cells = row.cells.get(p..).unwrap_or(&[]);
            let used = cells
                .iter()
                .rposition(|c| !c.is_empty())
                .map_or(0, |q| q + 1);
            if cells.len() < ncols || used > ncols {
                return Err(ReaderError::RowLength {
                    file: file.to_string(),
                    line: row.line,
                    row: letter,
                    found: if used > ncols { used } else { cells.len() },
                    expected: ncols,
                });
            }
            for (c, text) in cells[..ncols].iter().enumerate() {
                let (v, note) =
                    classify(text, decimal_comma).map_err(|()| ReaderError::NotNumeric {
                        file: file.to_string(),
                        line: row.line,
                        column: (first_col + p + c + 1).to_string(),
                        well: Well::new(r as u8, c as u8),
                        value: text.clone(),
                    })?;
                values.push(v);
                notes.push(note);
            }
        }
        // The row just before the header names the plate unless it belongs
        // to the previous block.
        let label = (i > prev_end).then(|| plate_label(&rows[i - 1])).flatten();
        blocks.push(Block {
            label,
            format,
            values,
            notes,
            line: header_line,
        });
        i += 1 + nrows;
        prev_end = i;
    }
    Ok(blocks)
}

/// Assigns ids to the blocks of one file.
fn assign_ids(blocks: Vec<(Block, String)>, stem: &str) -> Vec<RawPlate> {
    let n = blocks.len();
    let mut label_count: HashMap<String, usize> = HashMap::new();
    for (b, _) in &blocks {
        if let Some(l) = &b.label {
            *label_count.entry(l.clone()).or_default() += 1;
        }
    }
    blocks
        .into_iter()
        .enumerate()
        .map(|(k, (b, source))| {
            let id = match &b.label {
                Some(l) if label_count[l] == 1 => l.clone(),
                _ if n == 1 => stem.to_string(),
                _ => format!("{stem}#{}", k + 1),
            };
            RawPlate {
                id,
                label: b.label,
                format: b.format,
                values: b.values,
                notes: b.notes,
                source,
                line: b.line,
            }
        })
        .collect()
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads every plate block of a matrix export (text or workbook, first sheet).
pub fn read_matrix(path: impl AsRef<Path>) -> Result<Vec<RawPlate>, ReaderError> {
    read_matrix_with(path, &ReaderOptions::default())
}

/// Reads every plate block of a matrix export with options.
pub fn read_matrix_with(
    path: impl AsRef<Path>,
    opts: &ReaderOptions,
) -> Result<Vec<RawPlate>, ReaderError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let stem = stem_of(path);
    if grid::is_spreadsheet(path) {
        let names: Vec<Option<String>> = match &opts.sheet {
            SheetChoice::First => vec![None],
            SheetChoice::Named(s) => vec![Some(s.clone())],
            SheetChoice::All => grid::sheet_names(path)?.into_iter().map(Some).collect(),
        };
        let mut all = Vec::new();
        for name in names {
            let sheet = grid::read_sheet(path, name.as_deref())?;
            let source = format!("{file} [sheet {}]", sheet.name);
            for b in find_blocks(&sheet.rows, &source, false, sheet.first_col)? {
                all.push((b, source.clone()));
            }
        }
        if all.is_empty() {
            return Err(ReaderError::NoPlate { file });
        }
        Ok(assign_ids(all, &stem))
    } else {
        let text = grid::read_text(path)?;
        parse_matrix_with(&text, &file, &stem, opts.delimiter)
    }
}

/// Parses a matrix export held in memory. `source` names it in errors;
/// `stem` is the base of the plate ids.
pub fn parse_matrix(text: &str, source: &str, stem: &str) -> Result<Vec<RawPlate>, ReaderError> {
    parse_matrix_with(text, source, stem, None)
}

fn parse_matrix_with(
    text: &str,
    source: &str,
    stem: &str,
    delimiter: Option<char>,
) -> Result<Vec<RawPlate>, ReaderError> {
    let candidates: Vec<u8> = match delimiter {
        Some(c) if c.is_ascii() => vec![c as u8],
        _ => grid::DELIMITERS.to_vec(),
    };
    // Pick the delimiter that reveals a 12- or 24-column header; failing
    // that, the one with the longest numbered run (for a precise error).
    let mut best: Option<(usize, u8, Vec<GridRow>)> = None;
    for d in candidates {
        let rows = grid::parse_delimited(text, d, source)?;
        let score = rows
            .iter()
            .filter_map(header_run)
            .map(|(_, run)| {
                if PlateFormat::from_cols(run).is_some() {
                    1000
                } else {
                    run
                }
            })
            .max()
            .unwrap_or(0);
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, d, rows));
        }
    }
    let Some((_, d, rows)) = best else {
        return Err(ReaderError::NoPlate {
            file: source.to_string(),
        });
    };
    let blocks = find_blocks(&rows, source, d == b';', 0)?;
    if blocks.is_empty() {
        return Err(ReaderError::NoPlate {
            file: source.to_string(),
        });
    }
    Ok(assign_ids(
        blocks
            .into_iter()
            .map(|b| (b, source.to_string()))
            .collect(),
        stem,
    ))
}

/// Reads tidy long readings (`plate,well,value`) from a text file or the
/// first sheet of a workbook.
pub fn read_long(path: impl AsRef<Path>) -> Result<Vec<RawPlate>, ReaderError> {
    read_long_with(path, &TableOptions::default())
}

/// Like [`read_long`] with a sheet or delimiter choice.
pub fn read_long_with(
    path: impl AsRef<Path>,
    opts: &TableOptions,
) -> Result<Vec<RawPlate>, ReaderError> {
    let path = path.as_ref();
    let table = Table::read_with(path, opts)?;
    plates_from_long(&table, &stem_of(path))
}

/// Builds plates from a tidy long table with columns `well`, `value` and
/// optionally `plate` (`default_plate` is the id when there is no `plate`
/// column or the cell is empty). Plates come in order of first appearance.
pub fn plates_from_long(table: &Table, default_plate: &str) -> Result<Vec<RawPlate>, ReaderError> {
    let wc = table.column("well")?;
    let vc = table.column("value")?;
    let pc = table.find_column("plate");
    let file = &table.source;
    struct Acc {
        id: String,
        line: usize,
        readings: Vec<(Well, usize, Option<f64>, Option<WellNote>)>,
        seen: HashMap<Well, usize>,
    }
    let mut plates: Vec<Acc> = Vec::new();
    for row in &table.rows {
        let id = pc
            .and_then(|c| row.text(c))
            .unwrap_or(default_plate)
            .to_string();
        let well: Well =
            row.get(wc)
                .parse()
                .map_err(|e: crate::plate::WellError| ReaderError::BadWell {
                    file: file.clone(),
                    line: row.line,
                    reason: e.to_string(),
                })?;
        let (v, note) =
            classify(row.get(vc), table.decimal_comma()).map_err(|()| ReaderError::NotNumeric {
                file: file.clone(),
                line: row.line,
                column: format!("'{}'", table.headers[vc]),
                well,
                value: row.get(vc).to_string(),
            })?;
        let k = match plates.iter().position(|p| p.id == id) {
            Some(k) => k,
            None => {
                plates.push(Acc {
                    id: id.clone(),
                    line: row.line,
                    readings: Vec::new(),
                    seen: HashMap::new(),
                });
                plates.len() - 1
            }
        };
        let acc = &mut plates[k];
        if let Some(&first_line) = acc.seen.get(&well) {
            return Err(ReaderError::DuplicateWell {
                file: file.clone(),
                line: row.line,
                first_line,
                plate: id,
                well,
            });
        }
        acc.seen.insert(well, row.line);
        acc.readings.push((well, row.line, v, note));
    }
    Ok(plates
        .into_iter()
        .map(|acc| {
            let format = if acc
                .readings
                .iter()
                .all(|(w, ..)| PlateFormat::Wells96.contains(*w))
            {
                PlateFormat::Wells96
            } else {
                PlateFormat::Wells384
            };
            let mut plate = RawPlate::new(acc.id, format, file.clone());
            plate.line = acc.line;
            for (w, _, v, note) in acc.readings {
                if let Some(i) = format.index(w) {
                    plate.values[i] = v;
                    plate.notes[i] = note;
                }
            }
            plate
        })
        .collect())
}

/// Reads plates from a file in either layout: matrix blocks if any are
/// found, otherwise a tidy long table with `well` and `value` columns.
pub fn read_plates(path: impl AsRef<Path>) -> Result<Vec<RawPlate>, ReaderError> {
    let path = path.as_ref();
    match read_matrix(path) {
        Err(ReaderError::NoPlate { file }) => {
            let table = Table::read(path)?;
            if table.find_column("well").is_some() && table.find_column("value").is_some() {
                plates_from_long(&table, &stem_of(path))
            } else {
                Err(ReaderError::NoPlate { file })
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, delim: &str, f: impl Fn(usize, usize) -> String) -> String {
        let mut s = String::new();
        s.push_str(delim);
        s.push_str(
            &(1..=cols)
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(delim),
        );
        s.push('\n');
        for r in 0..rows {
            s.push((b'A' + r as u8) as char);
            for c in 0..cols {
                s.push_str(delim);
                s.push_str(&f(r, c));
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn classify_markers() {
        assert_eq!(classify("0,5", true).unwrap().0, Some(0.5));
        for t in ["OVER", "ovrflw", "*", "***", ">3.5", "Overflow"] {
            assert_eq!(
                classify(t, false).unwrap().1.unwrap().kind,
                NoteKind::Overflow,
                "{t}"
            );
        }
        for t in ["", "-", "NA", "n.d."] {
            assert_eq!(
                classify(t, false).unwrap().1.unwrap().kind,
                NoteKind::Missing,
                "{t}"
            );
        }
        assert_eq!(
            classify("<0.01", false).unwrap().1.unwrap().kind,
            NoteKind::Underflow
        );
        assert!(classify("abc", false).is_err());
    }

    #[test]
    fn labels() {
        let row = |cells: &[&str]| GridRow {
            line: 1,
            cells: cells.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(plate_label(&row(&["Plate: P2"])), Some("P2".into()));
        assert_eq!(plate_label(&row(&["Plate 2", ""])), Some("Plate 2".into()));
        assert_eq!(plate_label(&row(&["Plate:", "P7"])), Some("P7".into()));
        assert_eq!(plate_label(&row(&["Plate ID = X-1"])), Some("X-1".into()));
        assert_eq!(plate_label(&row(&["Plate type: Corning 3603"])), None);
        assert_eq!(plate_label(&row(&["Plates read in order"])), None);
        assert_eq!(plate_label(&row(&["Read 1", "450"])), None);
    }

    #[test]
    fn single_block_uses_stem() {
        let text = matrix(8, 12, ",", |r, c| format!("{}", r * 12 + c));
        let plates = parse_matrix(&text, "x.csv", "x").unwrap();
        assert_eq!(plates.len(), 1);
        assert_eq!(plates[0].id, "x");
        assert_eq!(plates[0].value(Well::new(1, 2)), Some(14.0));
        assert_eq!(plates[0].line, 1);
    }

    #[test]
    fn tab_delimited_with_markers() {
        let text = matrix(8, 12, "\t", |r, c| {
            if (r, c) == (0, 0) {
                "OVER".into()
            } else if (r, c) == (7, 11) {
                String::new()
            } else {
                "1.5".into()
            }
        });
        let p = &parse_matrix(&text, "t.txt", "t").unwrap()[0];
        assert_eq!(p.value(Well::new(0, 0)), None);
        assert_eq!(p.note(Well::new(0, 0)).unwrap().text, "OVER");
        assert_eq!(p.note(Well::new(7, 11)).unwrap().kind, NoteKind::Missing);
        assert_eq!(p.n_flagged(), 2);
    }

    #[test]
    fn bad_header_is_reported() {
        let text = matrix(8, 11, ",", |_, _| "1".into());
        let e = parse_matrix(&text, "b.csv", "b").unwrap_err();
        assert!(
            matches!(
                e,
                ReaderError::BadHeader {
                    line: 1,
                    found: 11,
                    ..
                }
            ),
            "{e}"
        );
    }
}
