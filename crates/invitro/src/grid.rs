//! Raw cell grids: delimited text or one spreadsheet sheet turned into rows of
//! trimmed string cells, each row keeping its 1-based line (sheet row) number.
//!
//! Shared by [`crate::table`] (tidy tables) and [`crate::reader`] (plate-reader
//! matrix exports). No interpretation of the cells happens here.

use std::path::Path;

use calamine::{Data, Reader};

use crate::table::TableError;

/// One row of a grid: its 1-based line number in the file (sheet row number
/// for spreadsheets) and its trimmed cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GridRow {
    pub line: usize,
    pub cells: Vec<String>,
}

impl GridRow {
    /// True when every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }
}

/// A sheet of a workbook read as a grid.
#[derive(Debug, Clone)]
pub(crate) struct SheetGrid {
    pub name: String,
    /// 0-based index of the first column of the used range (cells before it
    /// are empty and not stored).
    pub first_col: usize,
    pub rows: Vec<GridRow>,
}

/// Candidate delimiters, in the order they win ties.
pub(crate) const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// True for file names read through the spreadsheet reader.
pub(crate) fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .is_some_and(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"))
}

/// Reads a whole text file, decoding it (see [`decode_text`]).
pub(crate) fn read_text(path: &Path) -> Result<String, TableError> {
    let bytes = std::fs::read(path).map_err(|cause| TableError::Io {
        file: path.display().to_string(),
        cause,
    })?;
    Ok(decode_text(&bytes))
}

/// Decodes file bytes: a UTF-8 byte-order mark is stripped; text that is not
/// valid UTF-8 is read as Latin-1 (every byte one character), which is what
/// Windows instrument software usually writes (`µ` is byte 0xB5 in both
/// Latin-1 and Windows-1252).
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Number of `delim` characters outside double quotes in `line`.
fn count_outside_quotes(line: &str, delim: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delim && !in_quotes {
            n += 1;
        }
    }
    n
}

/// Guesses the delimiter of a tidy table from its first non-empty line: the
/// candidate among `,` `;` tab that occurs most often there (outside quotes);
/// ties go to `,` then `;` then tab; a line with none of them gives `,`.
pub(crate) fn sniff_header_delimiter(text: &str) -> u8 {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return b',';
    };
    let mut best = (b',', 0usize);
    for d in DELIMITERS {
        let n = count_outside_quotes(first, d);
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Splits delimited text into rows of trimmed cells (RFC 4180 quoting: a
/// cell whose first non-blank character is `"` is quoted, may contain the
/// delimiter and line breaks, and `""` inside it is one quote). Lines that are
/// entirely empty are skipped; the other rows keep the 1-based line of the
/// file on which they start. `\n`, `\r\n` and `\r` line ends are accepted.
pub(crate) fn parse_delimited(
    text: &str,
    delimiter: u8,
    file: &str,
) -> Result<Vec<GridRow>, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delim = delimiter as char;
    let mut rows = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut line = 1usize;
    let mut row_line = 1usize;
    let mut row_started = false;
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut chars = text.chars().peekable();
    let end_row =
        |cells: &mut Vec<String>, cell: &mut String, rows: &mut Vec<GridRow>, at: usize| {
            cells.push(std::mem::take(cell).trim().to_string());
            rows.push(GridRow {
                line: at,
                cells: std::mem::take(cells),
            });
        };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => in_quotes = false,
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    cell.push('\n');
                }
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if row_started {
                    end_row(&mut cells, &mut cell, &mut rows, row_line);
                }
                row_started = false;
                line += 1;
            }
            c if c == delim => {
                if !row_started {
                    row_started = true;
                    row_line = line;
                }
                cells.push(std::mem::take(&mut cell).trim().to_string());
            }
            '"' if cell.trim().is_empty() => {
                if !row_started {
                    row_started = true;
                    row_line = line;
                }
                cell.clear();
                in_quotes = true;
                quote_line = line;
            }
            c => {
                if !row_started {
                    row_started = true;
                    row_line = line;
                }
                cell.push(c);
            }
        }
    }
    if in_quotes {
        return Err(TableError::Csv {
            file: file.to_string(),
            line: Some(quote_line),
            message: "quoted cell is never closed (missing '\"')".to_string(),
        });
    }
    if row_started {
        end_row(&mut cells, &mut cell, &mut rows, row_line);
    }
    Ok(rows)
}

fn spreadsheet_error(file: &str, e: impl std::fmt::Display) -> TableError {
    TableError::Spreadsheet {
        file: file.to_string(),
        message: e.to_string(),
    }
}

/// Renders a spreadsheet cell as text: numbers in their shortest round-trip
/// form (`1`, `0.25`, `1e-7` becomes `0.0000001`), empty cells as `""`,
/// error cells as their Excel text (`#DIV/0!`).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// Names of the sheets of a workbook, in workbook order.
pub(crate) fn sheet_names(path: &Path) -> Result<Vec<String>, TableError> {
    let file = path.display().to_string();
    let wb = calamine::open_workbook_auto(path).map_err(|e| spreadsheet_error(&file, e))?;
    Ok(wb.sheet_names())
}

/// Reads one sheet (the named one, or the first) of a workbook.
pub(crate) fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<SheetGrid, TableError> {
    let file = path.display().to_string();
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| spreadsheet_error(&file, e))?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(s)))
            .cloned()
            .ok_or_else(|| TableError::SheetNotFound {
                file: file.clone(),
                sheet: s.to_string(),
                available: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| TableError::Empty { file: file.clone() })?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| spreadsheet_error(&file, e))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, r)| GridRow {
            line: row0 as usize + i + 1,
            cells: r.iter().map(cell_text).collect(),
        })
        .collect();
    Ok(SheetGrid {
        name,
        first_col: col0 as usize,
        rows,
    })
}

/// Parses a number as written in a data file. With `decimal_comma`, a single
/// `,` and no `.` is read as the decimal separator (`1,5` = 1.5). Only finite
/// numbers are accepted (`inf`, `NaN` give `None`).
pub(crate) fn parse_number(text: &str, decimal_comma: bool) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let v = if decimal_comma && t.matches(',').count() == 1 && !t.contains('.') {
        t.replacen(',', ".", 1).parse::<f64>().ok()?
    } else {
        t.parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_header_delimiter("a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_header_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_header_delimiter("\n\na\tb\tc"), b'\t');
        assert_eq!(sniff_header_delimiter("\"x;y\",b,c"), b',');
        assert_eq!(sniff_header_delimiter("single"), b',');
    }

    #[test]
    fn parses_with_line_numbers_and_crlf() {
        let rows =
            parse_delimited("\u{feff}a,b\r\n\r\n 1 , 2 \r\n\"x\ny\",3\r\n4,5", b',', "f").unwrap();
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 6]);
        assert_eq!(rows[1].cells, vec!["1", "2"]);
        assert_eq!(rows[2].cells, vec!["x\ny", "3"]);
        assert_eq!(rows[0].cells[0], "a");
        let rows = parse_delimited("a;\"b;\"\"c\"\"\";d\r\r\n;;\n", b';', "f").unwrap();
        assert_eq!(rows[0].cells, vec!["a", "b;\"c\"", "d"]);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].cells, vec!["", "", ""]);
        assert!(matches!(
            parse_delimited("a,b\n\"open,1\n", b',', "f"),
            Err(TableError::Csv { line: Some(2), .. })
        ));
    }

    #[test]
    fn decodes_latin1_and_bom() {
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFdose_unit\n\xB5M"),
            "dose_unit\nµM"
        );
        assert_eq!(decode_text("µM".as_bytes()), "µM");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1,5", true), Some(1.5));
        assert_eq!(parse_number("1,5", false), None);
        assert_eq!(parse_number("1.234,5", true), None);
        assert_eq!(parse_number(" 2e3 ", false), Some(2000.0));
        assert_eq!(parse_number("inf", false), None);
        assert_eq!(parse_number("NaN", false), None);
        assert_eq!(parse_number("", false), None);
    }
}
