//! Generic tidy-table reader: CSV / TSV / semicolon text and XLSX / XLS
//! sheets into a [`Table`] of string cells with line numbers.
//!
//! This is the importer the CLI uses for every tidy input (`preclin fit
//! INPUT`, layouts, plate-info tables). It never interprets values beyond the
//! [`Table::parse_f64`] helper.
//!
//! Rules:
//! - **Delimiter**: `,`, `;` or tab, whichever occurs most often in the first
//!   non-empty line (ties: `,` then `;` then tab), unless
//!   [`TableOptions::delimiter`] says otherwise. Spreadsheets have none.
//! - **Encoding**: UTF-8 (a byte-order mark is stripped); text that is not
//!   valid UTF-8 is read as Latin-1. `\n`, `\r\n` and `\r` line ends.
//! - **Header**: the first non-empty row. Names are trimmed; an empty name, or
//!   two names equal ignoring ASCII case, is an error. Column look-up
//!   ([`Table::column`]) ignores ASCII case too.
//! - **Rows**: cells are trimmed; rows whose cells are all empty are skipped.
//!   A row with fewer cells than the header is an error, a row with more is an
//!   error unless the extra cells are empty (spreadsheet exports often add
//!   trailing delimiters).
//! - **Line numbers** are 1-based lines of the text file, or sheet row numbers
//!   (as Excel shows them) for spreadsheets.
//! - **Numbers** ([`Table::parse_f64`]): empty, `NA`, `N/A`, `NaN` (any case)
//!   mean "no value" (`None`); a decimal comma (`1,5`) is accepted only when
//!   the delimiter is `;`; infinities are rejected.

use std::path::Path;

use crate::grid::{self, GridRow};

/// Errors raised while reading a table. Every variant names the file; row
/// errors give the 1-based line (sheet row) and the column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The file could not be read.
    #[error("{file}: cannot read file: {cause}")]
    Io {
        /// File name as given.
        file: String,
        /// Underlying I/O error (in the message; not chained, so that it is
        /// printed once).
        cause: std::io::Error,
    },
    /// The workbook could not be opened or a sheet could not be read.
    #[error("{file}: cannot read spreadsheet: {message}")]
    Spreadsheet {
        /// File name as given.
        file: String,
        /// Message of the spreadsheet library.
        message: String,
    },
    /// The requested sheet does not exist.
    #[error("{file}: no sheet named '{sheet}' (sheets: {})", .available.join(", "))]
    SheetNotFound {
        /// File name as given.
        file: String,
        /// Requested sheet.
        sheet: String,
        /// Sheets present in the workbook.
        available: Vec<String>,
    },
    /// The delimited text is malformed.
    #[error("{file}{}: malformed delimited text: {message}", .line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        /// File name as given.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Message of the CSV parser.
        message: String,
    },
    /// The file (or sheet) holds no non-empty row, so there is no header.
    #[error("{file}: no header row (the file or sheet is empty)")]
    Empty {
        /// File name as given.
        file: String,
    },
    /// A header cell is empty.
    #[error(
        "{file}, line {line}: header cell in column {column} is empty; every column needs a name"
    )]
    EmptyHeader {
        /// File name as given.
        file: String,
        /// 1-based line of the header.
        line: usize,
        /// 1-based column number.
        column: usize,
    },
    /// Two header cells have the same name (ignoring ASCII case).
    #[error(
        "{file}, line {line}: column name '{column}' appears twice (columns {first} and {second})"
    )]
    DuplicateHeader {
        /// File name as given.
        file: String,
        /// 1-based line of the header.
        line: usize,
        /// The repeated name.
        column: String,
        /// 1-based column number of the first occurrence.
        first: usize,
        /// 1-based column number of the second occurrence.
        second: usize,
    },
    /// A data row has a different number of cells than the header.
    #[error(
        "{file}, line {line}: row has {found} cells, expected {expected} (one per header column)"
    )]
    RowLength {
        /// File name as given.
        file: String,
        /// 1-based line of the row.
        line: usize,
        /// Number of (non-trailing-empty) cells found.
        found: usize,
        /// Number of header columns.
        expected: usize,
    },
    /// A required column is absent.
    #[error("{file}: missing column '{column}' (columns present: {})", .available.join(", "))]
    MissingColumn {
        /// File name as given.
        file: String,
        /// The column looked for.
        column: String,
        /// Header names present.
        available: Vec<String>,
    },
    /// A cell that must hold a number does not.
    #[error("{file}, line {line}, column '{column}': expected a number, found '{value}'")]
    NotNumeric {
        /// File name as given.
        file: String,
        /// 1-based line of the row.
        line: usize,
        /// Column name.
        column: String,
        /// The cell text.
        value: String,
    },
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based line number in the file (sheet row number for spreadsheets).
    pub line: usize,
    /// Trimmed cells, exactly one per header column.
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `col` (`""` when out of range).
    pub fn get(&self, col: usize) -> &str {
        self.cells.get(col).map(String::as_str).unwrap_or("")
    }

    /// The cell in column `col`, or `None` when it is empty.
    pub fn text(&self, col: usize) -> Option<&str> {
        Some(self.get(col)).filter(|s| !s.is_empty())
    }
}

/// Options for [`Table::read_with`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableOptions {
    /// Sheet to read from a workbook (default: the first sheet). Matched
    /// exactly, then ignoring ASCII case.
    pub sheet: Option<String>,
    /// Force the delimiter of a text file instead of guessing it.
    pub delimiter: Option<char>,
}

/// A tidy table: a header and rows of string cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File name as given (for error messages).
    pub source: String,
    /// Sheet the table was read from (spreadsheets only).
    pub sheet: Option<String>,
    /// Delimiter of a text file; `None` for spreadsheets.
    pub delimiter: Option<char>,
    /// Trimmed column names.
    pub headers: Vec<String>,
    /// Data rows (non-empty rows after the header).
    pub rows: Vec<Row>,
}

/// Spellings read as "no value" by [`Table::parse_f64`] (ASCII case ignored).
pub const MISSING_TOKENS: [&str; 4] = ["", "na", "n/a", "nan"];

impl Table {
    /// Reads a CSV/TSV/semicolon text file, or the first sheet of an
    /// XLSX/XLSM/XLSB/XLS/ODS workbook (chosen by extension).
    pub fn read(path: impl AsRef<Path>) -> Result<Table, TableError> {
        Self::read_with(path, &TableOptions::default())
    }

    /// Like [`Table::read`] with a sheet or delimiter choice.
    pub fn read_with(path: impl AsRef<Path>, opts: &TableOptions) -> Result<Table, TableError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        if grid::is_spreadsheet(path) {
            let sheet = grid::read_sheet(path, opts.sheet.as_deref())?;
            let source = format!("{file} [sheet {}]", sheet.name);
            let mut t = Self::from_grid(&source, None, sheet.rows, sheet.first_col)?;
            t.sheet = Some(sheet.name);
            Ok(t)
        } else {
            let text = grid::read_text(path)?;
            Self::parse_text_with(&text, &file, opts.delimiter)
        }
    }

    /// Parses delimited text already in memory (delimiter guessed). `source`
    /// names it in errors.
    pub fn parse_text(text: &str, source: &str) -> Result<Table, TableError> {
        Self::parse_text_with(text, source, None)
    }

    /// Parses delimited text with an optional forced delimiter.
    pub fn parse_text_with(
        text: &str,
        source: &str,
        delimiter: Option<char>,
    ) -> Result<Table, TableError> {
        let d = match delimiter {
            Some(c) if c.is_ascii() => c as u8,
            _ => grid::sniff_header_delimiter(text),
        };
        let rows = grid::parse_delimited(text, d, source)?;
        Self::from_grid(source, Some(d as char), rows, 0)
    }

    /// Parses delimited bytes (see the module doc for the decoding rules).
    pub fn parse_bytes(bytes: &[u8], source: &str) -> Result<Table, TableError> {
        Self::parse_text(&grid::decode_text(bytes), source)
    }

    fn from_grid(
        source: &str,
        delimiter: Option<char>,
        rows: Vec<GridRow>,
        first_col: usize,
    ) -> Result<Table, TableError> {
        let mut it = rows.into_iter().filter(|r| !r.is_blank());
        let header = it.next().ok_or_else(|| TableError::Empty {
            file: source.to_string(),
        })?;
        // Trailing empty header cells (trailing delimiters) are not columns.
        let mut headers: Vec<String> = header.cells.clone();
        while headers.last().is_some_and(|h| h.is_empty()) {
            headers.pop();
        }
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                return Err(TableError::EmptyHeader {
                    file: source.to_string(),
                    line: header.line,
                    column: first_col + i + 1,
                });
            }
            if let Some(j) = headers[..i].iter().position(|o| o.eq_ignore_ascii_case(h)) {
                return Err(TableError::DuplicateHeader {
                    file: source.to_string(),
                    line: header.line,
                    column: h.clone(),
                    first: first_col + j + 1,
                    second: first_col + i + 1,
                });
            }
        }
        let n = headers.len();
        let mut out = Vec::new();
        for mut r in it {
            let used = r
                .cells
                .iter()
                .rposition(|c| !c.is_empty())
                .map_or(0, |p| p + 1);
            if used > n || r.cells.len() < n {
                return Err(TableError::RowLength {
                    file: source.to_string(),
                    line: r.line,
                    found: if used > n { used } else { r.cells.len() },
                    expected: n,
                });
            }
            r.cells.truncate(n);
            out.push(Row {
                line: r.line,
                cells: r.cells,
            });
        }
        Ok(Table {
            source: source.to_string(),
            sheet: None,
            delimiter,
            headers,
            rows: out,
        })
    }

    /// Index of the column called `name` (ASCII case ignored), or
    /// [`TableError::MissingColumn`] listing the columns present.
    pub fn column(&self, name: &str) -> Result<usize, TableError> {
        self.find_column(name)
            .ok_or_else(|| TableError::MissingColumn {
                file: self.source.clone(),
                column: name.to_string(),
                available: self.headers.clone(),
            })
    }

    /// Index of the column called `name` (ASCII case ignored), if present.
    pub fn find_column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
    }

    /// True when numbers may use a decimal comma (the delimiter is `;`).
    pub fn decimal_comma(&self) -> bool {
        self.delimiter == Some(';')
    }

    /// Reads the cell `row[col]` as a number: `Ok(None)` for empty / `NA` /
    /// `N/A` / `NaN`; [`TableError::NotNumeric`] for any other non-number
    /// (including infinities). Decimal comma only when [`Table::decimal_comma`].
    pub fn parse_f64(&self, row: &Row, col: usize) -> Result<Option<f64>, TableError> {
        let s = row.get(col);
        if MISSING_TOKENS.iter().any(|t| s.eq_ignore_ascii_case(t)) {
            return Ok(None);
        }
        grid::parse_number(s, self.decimal_comma())
            .map(Some)
            .ok_or_else(|| TableError::NotNumeric {
                file: self.source.clone(),
                line: row.line,
                column: self
                    .headers
                    .get(col)
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", col + 1)),
                value: s.to_string(),
            })
    }

    /// File name plus sheet, for messages: the same as `source`.
    pub fn file(&self) -> &str {
        &self.source
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_csv_with_lines() {
        let t = Table::parse_text(
            "\u{feff} plate , well ,value\r\nP1,A01,1.5\r\n\r\nP1,A02,NA\r\n",
            "x.csv",
        )
        .unwrap();
        assert_eq!(t.headers, vec!["plate", "well", "value"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4);
        let v = t.column("VALUE").unwrap();
        assert_eq!(t.parse_f64(&t.rows[0], v).unwrap(), Some(1.5));
        assert_eq!(t.parse_f64(&t.rows[1], v).unwrap(), None);
    }

    #[test]
    fn semicolon_decimal_comma_and_tab() {
        let t = Table::parse_text("dose;response\n0,5;98,2\n", "s.csv").unwrap();
        assert_eq!(t.delimiter, Some(';'));
        assert_eq!(t.parse_f64(&t.rows[0], 1).unwrap(), Some(98.2));
        let t = Table::parse_text("dose\tresponse\n0,5\t98,2\n", "s.tsv").unwrap();
        assert!(matches!(
            t.parse_f64(&t.rows[0], 0),
            Err(TableError::NotNumeric { line: 2, ref column, ref value, .. }) if column == "dose" && value == "0,5"
        ));
    }

    #[test]
    fn header_errors() {
        let e = Table::parse_text("a,,c\n1,2,3", "h.csv").unwrap_err();
        assert!(
            matches!(
                e,
                TableError::EmptyHeader {
                    line: 1,
                    column: 2,
                    ..
                }
            ),
            "{e}"
        );
        let e = Table::parse_text("\n\nwell,Well\n", "h.csv").unwrap_err();
        assert!(
            matches!(
                e,
                TableError::DuplicateHeader {
                    line: 3,
                    first: 1,
                    second: 2,
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            Table::parse_text("", "e.csv"),
            Err(TableError::Empty { .. })
        ));
        let t = Table::parse_text("a,b\n1,2", "m.csv").unwrap();
        let e = t.column("dose").unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.csv: missing column 'dose' (columns present: a, b)"
        );
    }

    #[test]
    fn ragged_rows() {
        let e = Table::parse_text("a,b,c\n1,2\n", "r.csv").unwrap_err();
        assert!(matches!(
            e,
            TableError::RowLength {
                line: 2,
                found: 2,
                expected: 3,
                ..
            }
        ));
        let e = Table::parse_text("a,b\n1,2,3\n", "r.csv").unwrap_err();
        assert!(matches!(
            e,
            TableError::RowLength {
                line: 2,
                found: 3,
                expected: 2,
                ..
            }
        ));
        // Trailing empty cells are fine.
        let t = Table::parse_text("a,b,\n1,2,,\n", "r.csv").unwrap();
        assert_eq!(t.rows[0].cells, vec!["1", "2"]);
    }

    #[test]
    fn rejects_infinity_and_text() {
        let t = Table::parse_text("x\ninf\nabc\n-", "n.csv").unwrap();
        for r in &t.rows {
            assert!(t.parse_f64(r, 0).is_err());
        }
    }
}
