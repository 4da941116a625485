//! `preclin fcs info FILE` and `preclin fcs export FILE` — what an FCS
//! file holds, and its events as CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use preclin_fcs::{DataSet, FcsFile, SpillLookup};
use preclin_flow::{Compensation, parse_matrix_file};
use serde_json::json;

use crate::fit::{open_output, push_csv_field};

/// Output format of `fcs info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InfoFormat {
    /// Readable text (default).
    Text,
    /// One JSON document.
    Json,
}

/// Arguments of `preclin fcs`.
#[derive(Debug, Args)]
pub struct FcsArgs {
    #[command(subcommand)]
    what: FcsWhat,
}

#[derive(Debug, Subcommand)]
enum FcsWhat {
    /// Version, data type, byte order, events, data sets, parameters,
    /// spillover and the repairs made while reading.
    Info(InfoArgs),
    /// Events as CSV, one column per parameter headed by its $PnN.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct InfoArgs {
    /// The FCS file.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    format: InfoFormat,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The FCS file.
    file: PathBuf,
    /// Compensate with the file's spillover matrix ($SPILLOVER / SPILL), or
    /// with --matrix.
    #[arg(long)]
    compensate: bool,
    /// Spillover matrix file (flowCore text format or CSV) used by
    /// --compensate instead of the file's own.
    #[arg(long, requires = "compensate")]
    matrix: Option<PathBuf>,
    /// Stored values, without $PnE / $PnG / $TIMESTEP scaling.
    #[arg(long)]
    raw: bool,
    /// Data set to export (0-based).
    #[arg(long, default_value_t = 0)]
    dataset: usize,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Runs `preclin fcs`.
pub fn run(args: FcsArgs) -> anyhow::Result<()> {
    match args.what {
        FcsWhat::Info(a) => info(a),
        FcsWhat::Export(a) => export(a),
    }
}

/// Opens an FCS file with the path in error messages.
pub fn open(path: &Path) -> anyhow::Result<FcsFile> {
    FcsFile::open(path).with_context(|| format!("{}", path.display()))
}

fn spill_json(ds: &DataSet) -> serde_json::Value {
    match ds.spillover() {
        SpillLookup::Found(s) => json!({
            "keyword": s.keyword,
            "offset": s.offset,
            "channels": s.channels,
        }),
        SpillLookup::Absent => serde_json::Value::Null,
        SpillLookup::Unusable(m) => json!({ "unusable": m }),
    }
}

fn info(a: InfoArgs) -> anyhow::Result<()> {
    let f = open(&a.file)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.format == InfoFormat::Json {
        let sets: Vec<serde_json::Value> = f
            .datasets()
            .iter()
            .map(|ds| {
                let params: Vec<serde_json::Value> = ds
                    .parameters
                    .iter()
                    .map(|p| {
                        json!({
                            "index": p.index,
                            "name": p.name,
                            "label": p.label,
                            "bits": p.bits,
                            "range": p.range,
                            "log": p.log_text.as_deref().map(str::trim),
                            "gain": p.gain,
                            "datatype": p.datatype.code(),
                        })
                    })
                    .collect();
                json!({
                    "index": ds.index,
                    "offset": ds.start,
                    "version": ds.version(),
                    "datatype": ds.datatype.code(),
                    "byte_order": ds.keywords.get_trimmed("$BYTEORD"),
                    "mode": ds.mode,
                    "events": ds.n_events,
                    "cytometer": ds.keywords.get_trimmed("$CYT"),
                    "parameters": params,
                    "data": ds.data.map(|s| json!({"start": s.start, "end": s.end})),
                    "spillover": spill_json(ds),
                    "repairs": ds.repairs.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "notes": ds.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = json!({
            "file": a.file.display().to_string(),
            "bytes": f.bytes().len(),
            "datasets": sets,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "file: {}", a.file.display())?;
    writeln!(out, "bytes: {}", f.bytes().len())?;
    writeln!(out, "data sets: {}", f.datasets().len())?;
    for ds in f.datasets() {
        writeln!(out)?;
        writeln!(out, "data set {} (at byte {})", ds.index, ds.start)?;
        writeln!(out, "  version: {}", ds.version())?;
        if let Some(c) = ds.keywords.get_trimmed("$CYT") {
            writeln!(out, "  cytometer: {c}")?;
        }
        writeln!(out, "  datatype: {}", ds.datatype.code())?;
        writeln!(
            out,
            "  byte order: {}",
            ds.keywords.get_trimmed("$BYTEORD").unwrap_or("(none)")
        )?;
        writeln!(out, "  mode: {}", ds.mode)?;
        writeln!(out, "  events: {}", ds.n_events)?;
        writeln!(out, "  parameters: {}", ds.parameters.len())?;
        if let Some(s) = ds.data {
            writeln!(
                out,
                "  DATA: bytes {}–{} ({} bytes)",
                s.start,
                s.end,
                s.len()
            )?;
        }
        match ds.spillover() {
            SpillLookup::Found(s) => writeln!(
                out,
                "  spillover: {} at byte {} ({} channels: {})",
                s.keyword,
                s.offset,
                s.len(),
                s.channels.join(", ")
            )?,
            SpillLookup::Absent => writeln!(out, "  spillover: none")?,
            SpillLookup::Unusable(m) => writeln!(out, "  spillover: unusable ({m})")?,
        }
        writeln!(out, "  n\t$PnN\t$PnS\t$PnB\t$PnR\t$PnE\t$PnG")?;
        for p in &ds.parameters {
            writeln!(
                out,
                "  {}\t{}\t{}\t{}\t{}\t{}\t{}",
                p.index,
                p.name.as_deref().unwrap_or("(none)"),
                p.label.as_deref().unwrap_or(""),
                if p.bits == 0 {
                    "*".to_string()
                } else {
                    p.bits.to_string()
                },
                crate::format::fmt_f64(p.range, None),
                p.log_text.as_deref().map(str::trim).unwrap_or(""),
                p.gain
                    .map(|g| crate::format::fmt_f64(g, None))
                    .unwrap_or_default()
            )?;
        }
        if ds.repairs.is_empty() {
            writeln!(out, "  repairs: none")?;
        } else {
            writeln!(out, "  repairs:")?;
            for r in &ds.repairs {
                writeln!(out, "    - {r}")?;
            }
        }
        if !ds.notes.is_empty() {
            writeln!(out, "  notes:")?;
            for r in &ds.notes {
                writeln!(out, "    - {r}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// The events of data set `index` as (names, columns): scale values unless
/// `raw`, compensated with `matrix` (a file) or the file's spillover when
/// `compensate`.
pub fn load_columns(
    path: &Path,
    f: &FcsFile,
    index: usize,
    raw: bool,
    compensate: bool,
    matrix: Option<&Path>,
) -> anyhow::Result<(Vec<String>, Vec<Vec<f64>>)> {
    let ds = f
        .dataset(index)
        .with_context(|| format!("{}", path.display()))?;
    let ev = if raw {
        f.events::<f64>(index)
    } else {
        f.scaled_events(index)
    }
    .with_context(|| format!("{}", path.display()))?;
    let names = ds.names();
    let mut cols: Vec<Vec<f64>> = (0..ev.n_params()).map(|j| ev.column(j).to_vec()).collect();
    if compensate {
        let comp = match matrix {
            Some(m) => {
                let text = std::fs::read_to_string(m)
                    .with_context(|| format!("{}: cannot read", m.display()))?;
                let (chans, mat) =
                    parse_matrix_file(&text).with_context(|| format!("{}", m.display()))?;
                Compensation::from_spillover(&m.display().to_string(), &chans, &mat)?
            }
            None => match ds.spillover() {
                SpillLookup::Found(s) => Compensation::from_fcs(&s)?,
                SpillLookup::Absent => bail!(
                    "{}: --compensate: the file has no spillover keyword ($SPILLOVER, SPILL, $COMP); give one with --matrix",
                    path.display()
                ),
                SpillLookup::Unusable(m) => bail!("{}: --compensate: {m}", path.display()),
            },
        };
        comp.apply_in_place(&names, &mut cols)
            .with_context(|| format!("{}", path.display()))?;
    }
    Ok((names, cols))
}

/// Appends a number: shortest round-trip form, "" when not finite.
pub fn push_num(line: &mut String, v: f64, buf: &mut ryu::Buffer) {
    if v.is_finite() {
        let v = if v == 0.0 { 0.0 } else { v };
        let s = buf.format_finite(v);
        line.push_str(s.strip_suffix(".0").unwrap_or(s));
    }
}

fn export(a: ExportArgs) -> anyhow::Result<()> {
    let f = open(&a.file)?;
    let (names, cols) = load_columns(
        &a.file,
        &f,
        a.dataset,
        a.raw,
        a.compensate,
        a.matrix.as_deref(),
    )?;
    let mut out = open_output(&a.output)?;
    let mut line = String::new();
    for (j, n) in names.iter().enumerate() {
        if j > 0 {
            line.push(',');
        }
        push_csv_field(&mut line, n);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    let n = cols.first().map_or(0, Vec::len);
    let mut buf = ryu::Buffer::new();
    line.clear();
    for i in 0..n {
        for (j, c) in cols.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            push_num(&mut line, c[i], &mut buf);
        }
        line.push('\n');
        if line.len() > 1 << 16 {
            out.write_all(line.as_bytes())?;
            line.clear();
        }
    }
    out.write_all(line.as_bytes())?;
    out.flush()?;
    Ok(())
}
