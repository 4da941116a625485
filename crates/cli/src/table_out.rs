//! Writing a result table as CSV (with `#` comment lines: provenance and the
//! meaning of the columns) or as one JSON document, to a file or standard
//! output. Shared by `qpcr`, `rdml` and `cfu`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::fit::FormatArg;
use crate::fit_table::Cell;
use crate::provenance::Provenance;

/// A named table.
pub struct OutTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<Cell>>,
}

impl OutTable {
    /// A table with the given columns and no rows.
    pub fn new(header: &[&str]) -> OutTable {
        OutTable {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Rows as JSON objects (column order kept).
    pub fn json_rows(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let m: serde_json::Map<String, serde_json::Value> = self
                        .header
                        .iter()
                        .zip(r)
                        .map(|(k, v)| (k.clone(), v.json()))
                        .collect();
                    serde_json::Value::Object(m)
                })
                .collect(),
        )
    }
}

/// Opens `path` for writing, or standard output.
pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Writes `table` as CSV: comment lines (unless `no_comments`), header, rows.
pub fn write_csv(
    out: &mut dyn Write,
    table: &OutTable,
    comments: &[String],
    digits: Option<usize>,
) -> anyhow::Result<()> {
    for c in comments {
        writeln!(out, "{c}")?;
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(&table.header)?;
    for r in &table.rows {
        w.write_record(r.iter().map(|c| c.text(digits)))?;
    }
    out.write_all(&w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    Ok(())
}

/// Writes the main table in `format` to `output` (stdout when `None`), with
/// provenance and `meanings` as comments (CSV) or fields (JSON); `extra` adds
/// top-level JSON members.
#[allow(clippy::too_many_arguments)]
pub fn write_main(
    output: Option<&PathBuf>,
    format: FormatArg,
    key: &str,
    table: &OutTable,
    prov: &Provenance,
    meanings: &[&str],
    extra: Vec<(&str, serde_json::Value)>,
    digits: Option<usize>,
    no_comments: bool,
) -> anyhow::Result<()> {
    let mut out = open(output.map(PathBuf::as_path))?;
    match format {
        FormatArg::Csv => {
            let mut comments = Vec::new();
            if !no_comments {
                comments.extend(prov.comment_lines());
                comments.extend(meanings.iter().map(|m| format!("# {m}")));
            }
            write_csv(&mut out, table, &comments, digits)?;
        }
        FormatArg::Json => {
            let mut doc = serde_json::json!({
                "provenance": prov,
                "notes": meanings,
            });
            doc[key] = table.json_rows();
            for (k, v) in extra {
                doc[k] = v;
            }
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes a secondary table as CSV to `path` (no comments).
pub fn write_side(path: &Path, table: &OutTable, digits: Option<usize>) -> anyhow::Result<()> {
    let mut out = open(Some(path))?;
    write_csv(&mut out, table, &[], digits)?;
    out.flush()?;
    Ok(())
}

/// `Cell::Num`.
pub fn n(v: Option<f64>) -> Cell {
    Cell::Num(v)
}

/// `Cell::Text`.
pub fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}
