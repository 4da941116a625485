//! Reading tidy dose–response tables (CSV/TSV or XLSX) into curves.
//!
//! One row per observation; curves are the groups of rows sharing the
//! values of the grouping columns. Errors name the file, the line and the
//! column, and say what was expected.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use preclin_curve::PackedCurves;
use preclin_curve::units::ConcUnit;

/// Columns never used for grouping by default.
pub const NON_GROUP_COLUMNS: [&str; 6] = [
    "dose",
    "response",
    "replicate",
    "well",
    "plate",
    "dose_unit",
];

/// What to read from the table.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// Dose column.
    pub dose: String,
    /// Response column.
    pub response: String,
    /// Optional weight column.
    pub weight: Option<String>,
    /// Grouping columns; None = every column not in [`NON_GROUP_COLUMNS`]
    /// (and not the dose/response/weight columns).
    pub by: Option<Vec<String>>,
    /// Unit of the doses when there is no `dose_unit` column.
    pub default_unit: ConcUnit,
    /// Leave the `experiment` column out of the grouping (pool experiments).
    pub pool_experiments: bool,
}

/// Curves read from a table.
#[derive(Debug, Default)]
pub struct Curves {
    /// Names of the grouping columns.
    pub group_cols: Vec<String>,
    /// Group values of each curve.
    pub keys: Vec<Vec<String>>,
    /// Dose unit of each curve (its doses are in this unit).
    pub units: Vec<Option<ConcUnit>>,
    /// 1-based line of each curve's first row.
    pub first_line: Vec<usize>,
    /// Doses and responses, curve by curve.
    pub data: PackedCurves,
    /// Rows skipped because the response was empty / NA.
    pub missing_responses: usize,
}

/// A uniform view of the rows of a CSV or spreadsheet: advance with
/// `next_row`, then read cells of the current row without allocating.
pub(crate) trait RowSource {
    /// Advances to the next row; returns its line, or None at the end.
    fn next_row(&mut self) -> anyhow::Result<Option<usize>>;
    /// Cell `i` of the current row, trimmed ("" when absent).
    fn cell(&self, i: usize) -> &str;
}

struct CsvSource {
    rdr: csv::Reader<Box<dyn Read>>,
    rec: csv::StringRecord,
    file: String,
}

impl RowSource for CsvSource {
    fn next_row(&mut self) -> anyhow::Result<Option<usize>> {
        match self.rdr.read_record(&mut self.rec) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(self.rec.position().map_or(0, |p| p.line() as usize))),
            Err(e) => Err(csv_error(&self.file, e)),
        }
    }

    fn cell(&self, i: usize) -> &str {
        self.rec.get(i).map_or("", str::trim)
    }
}

fn csv_error(file: &str, e: csv::Error) -> anyhow::Error {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => anyhow!(
            "{file}, line {}: row has {len} cells, expected {expected_len} (one per header column)",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        csv::ErrorKind::Utf8 { pos, .. } => anyhow!(
            "{file}, line {}: text is not valid UTF-8",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        _ => anyhow!("{file}: {e}"),
    }
}

struct TableSource {
    rows: Vec<preclin_invitro::table::Row>,
    at: Option<usize>,
}

impl RowSource for TableSource {
    fn next_row(&mut self) -> anyhow::Result<Option<usize>> {
        let next = self.at.map_or(0, |i| i + 1);
        self.at = Some(next);
        Ok(self.rows.get(next).map(|r| r.line))
    }

    fn cell(&self, i: usize) -> &str {
        self.at
            .and_then(|r| self.rows.get(r))
            .map_or("", |r| r.get(i))
    }
}

fn is_spreadsheet(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
    )
}

/// Guesses the delimiter from the first non-comment line: the most
/// frequent of `,` `;` tab (ties: `,`).
fn sniff_delimiter(head: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(head);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let count = |c: char| line.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// An opened table: header names, its rows, whether numbers may use a
/// decimal comma (`;`-delimited text, as European spreadsheet exports),
/// and the name to use in messages (file, plus the sheet of a workbook).
pub(crate) struct Opened {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Box<dyn RowSource>,
    pub(crate) decimal_comma: bool,
    pub(crate) label: String,
}

/// Opens a table file. Text: UTF-8 (a byte-order mark is skipped), or
/// Latin-1 when the bytes are not valid UTF-8; delimiter `,` `;` or tab
/// guessed from the header line; `#` lines are comments. Spreadsheets:
/// the first sheet. Header names must be unique (ignoring ASCII case).
pub(crate) fn open(path: &Path) -> anyhow::Result<Opened> {
    let file = path.display().to_string();
    let (headers, rows, decimal_comma, label): (Vec<String>, Box<dyn RowSource>, bool, String) =
        if is_spreadsheet(path) {
            let t = preclin_invitro::table::Table::read(path)?;
            let label = match &t.sheet {
                Some(sh) => format!("{file} (sheet '{sh}')"),
                None => file.clone(),
            };
            (
                t.headers.clone(),
                Box::new(TableSource {
                    rows: t.rows,
                    at: None,
                }),
                false,
                label,
            )
        } else {
            let bytes = std::fs::read(path).with_context(|| format!("{file}: cannot open"))?;
            let text: Vec<u8> = match std::str::from_utf8(&bytes) {
                Ok(_) => bytes,
                // Latin-1: every byte is the code point of the same value.
                Err(_) => bytes
                    .iter()
                    .map(|&b| b as char)
                    .collect::<String>()
                    .into_bytes(),
            };
            let start = if text.starts_with(&[0xEF, 0xBB, 0xBF]) {
                3
            } else {
                0
            };
            let delim = sniff_delimiter(&text[start..text.len().min(start + 8192)]);
            let mut cursor = std::io::Cursor::new(text);
            cursor.set_position(start as u64);
            let reader: Box<dyn Read> = Box::new(cursor);
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(delim)
                .comment(Some(b'#'))
                .has_headers(true)
                .from_reader(reader);
            let headers: Vec<String> = rdr
                .headers()
                .map_err(|e| csv_error(&file, e))?
                .iter()
                .map(|s| s.trim().to_string())
                .collect();
            if headers.iter().all(|h| h.is_empty()) {
                bail!("{file}: no header row (the file is empty)");
            }
            (
                headers,
                Box::new(CsvSource {
                    rdr,
                    rec: csv::StringRecord::new(),
                    file: file.clone(),
                }),
                delim == b';',
                file.clone(),
            )
        };
    for (j, h) in headers.iter().enumerate() {
        if let Some(i) = headers[..j].iter().position(|g| g.eq_ignore_ascii_case(h)) {
            bail!(
                "{label}: column name '{h}' appears twice (columns {} and {}); column names must be unique",
                i + 1,
                j + 1
            );
        }
    }
    Ok(Opened {
        headers,
        rows,
        decimal_comma,
        label,
    })
}

/// The header names of a table and the name to use for it in messages
/// (the file, plus the sheet of a workbook).
pub fn read_headers(path: &Path) -> anyhow::Result<(Vec<String>, String)> {
    let o = open(path)?;
    Ok((o.headers, o.label))
}

/// Index of the column `name` (ASCII case-insensitive).
pub fn find(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}

fn need(headers: &[String], name: &str, file: &str, what: &str) -> anyhow::Result<usize> {
    find(headers, name).ok_or_else(|| {
        anyhow!(
            "{file}: missing {what} column '{name}' (columns present: {})",
            headers.join(", ")
        )
    })
}

/// Parses a number cell; empty / NA → None. With `decimal_comma`, `1,5`
/// reads as 1.5.
pub(crate) fn parse_num(
    cell: &str,
    decimal_comma: bool,
    file: &str,
    line: usize,
    col: &str,
) -> anyhow::Result<Option<f64>> {
    let t = cell.trim();
    let owned;
    let t = if decimal_comma && t.contains(',') {
        owned = t.replace(',', ".");
        owned.as_str()
    } else {
        t
    };
    if t.is_empty()
        || t.eq_ignore_ascii_case("na")
        || t.eq_ignore_ascii_case("nan")
        || t.eq_ignore_ascii_case("n/a")
    {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => bail!("{file}, line {line}, column '{col}': expected a number, found '{t}'"),
    }
}

/// Reads every curve of the table at `path`.
pub fn read_curves(path: &Path, spec: &InputSpec) -> anyhow::Result<Curves> {
    let Opened {
        headers,
        mut rows,
        decimal_comma: dc,
        label: file,
    } = open(path)?;
    let di = need(&headers, &spec.dose, &file, "dose")?;
    let ri = need(&headers, &spec.response, &file, "response")?;
    let wi = match &spec.weight {
        Some(w) => Some(need(&headers, w, &file, "weight")?),
        None => None,
    };
    let ui = find(&headers, "dose_unit");
    let group_idx: Vec<usize> = match &spec.by {
        Some(cols) => cols
            .iter()
            .map(|c| need(&headers, c, &file, "grouping"))
            .collect::<anyhow::Result<_>>()?,
        None => (0..headers.len())
            .filter(|&i| {
                let h = headers[i].to_ascii_lowercase();
                i != di
                    && i != ri
                    && Some(i) != wi
                    && !NON_GROUP_COLUMNS.contains(&h.as_str())
                    && !(spec.pool_experiments && h == "experiment")
            })
            .collect(),
    };
    let mut out = Curves {
        group_cols: group_idx.iter().map(|&i| headers[i].clone()).collect(),
        ..Default::default()
    };
    // Per-curve staging: points, in first-appearance order of the curves.
    // Group key: the group cells joined by U+001F (never in a CSV cell).
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut key_buf = String::new();
    let mut points: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut any_row = false;
    while let Some(line) = rows.next_row()? {
        any_row = true;
        let cell = |i: usize| rows.cell(i);
        let dose = parse_num(cell(di), dc, &file, line, &headers[di])?;
        let Some(dose) = dose else {
            bail!(
                "{file}, line {line}, column '{}': dose is empty; every row needs a dose (0 for vehicle)",
                headers[di]
            );
        };
        if dose < 0.0 {
            bail!(
                "{file}, line {line}, column '{}': dose {dose} is negative; doses must be ≥ 0",
                headers[di]
            );
        }
        let Some(resp) = parse_num(cell(ri), dc, &file, line, &headers[ri])? else {
            out.missing_responses += 1;
            continue;
        };
        let w = match wi {
            Some(wi) => match parse_num(cell(wi), dc, &file, line, &headers[wi])? {
                Some(w) if w > 0.0 => w,
                _ => bail!(
                    "{file}, line {line}, column '{}': weight must be a number > 0, found '{}'",
                    headers[wi],
                    cell(wi)
                ),
            },
            None => 1.0,
        };
        let unit = match ui {
            Some(ui) if !cell(ui).is_empty() => Some(
                cell(ui)
                    .parse::<ConcUnit>()
                    .map_err(|e| anyhow!("{file}, line {line}, column '{}': {e}", headers[ui]))?,
            ),
            _ => None,
        };
        key_buf.clear();
        for &i in &group_idx {
            key_buf.push_str(cell(i));
            key_buf.push('\u{1f}');
        }
        let k = match index.get(key_buf.as_str()) {
            Some(&k) => k,
            None => {
                let k = out.keys.len();
                index.insert(key_buf.clone(), k);
                out.keys
                    .push(group_idx.iter().map(|&i| cell(i).to_string()).collect());
                out.units.push(unit.or(Some(spec.default_unit)));
                out.first_line.push(line);
                points.push(Vec::new());
                k
            }
        };
        // Doses of one curve are expressed in the curve's first unit.
        let dose = match (unit, out.units[k]) {
            (Some(u), Some(cu)) if u != cu => {
                let f = u.factor_to(cu).ok_or_else(|| {
                    anyhow!(
                        "{file}, line {line}: dose unit {u} cannot be converted to {cu}, the unit of earlier rows of the same curve (mass and molar units need a molecular weight)"
                    )
                })?;
                dose * f
            }
            _ => dose,
        };
        points[k].push((dose, resp, w));
    }
    if !any_row {
        bail!("{file}: the table has a header but no data rows");
    }
    let weighted = wi.is_some();
    if weighted {
        out.data.weight = Some(Vec::new());
    }
    for pts in points {
        let (d, r): (Vec<f64>, Vec<f64>) = pts.iter().map(|p| (p.0, p.1)).unzip();
        out.data.push(&d, &r);
        if let Some(w) = out.data.weight.as_mut() {
            w.extend(pts.iter().map(|p| p.2));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter(b"# note, with, commas\na;b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
    }

    #[test]
    fn parse_num_rules() {
        assert_eq!(
            parse_num(" 1.5 ", false, "f", 2, "dose").unwrap(),
            Some(1.5)
        );
        assert_eq!(parse_num("1,5", true, "f", 2, "dose").unwrap(), Some(1.5));
        assert!(parse_num("1,5", false, "f", 2, "dose").is_err());
        assert_eq!(parse_num("NA", false, "f", 2, "dose").unwrap(), None);
        let e = parse_num("abc", false, "f.csv", 7, "dose")
            .unwrap_err()
            .to_string();
        assert!(e.contains("f.csv, line 7, column 'dose'"), "{e}");
        assert!(parse_num("inf", false, "f", 1, "x").is_err());
    }
}
