//! `preclin db list | show | export | query` — read the embedded study store
//! (`preclin.db`, SQLite): the studies it holds, one study in detail, every
//! stored result, and questions across studies such as every GI50 of a
//! compound in every cell line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use preclin_study::store::{Store, ValueFilter, ValueRow};

use crate::fit::FormatArg;
use crate::fit_table::Cell;
use crate::provenance::Provenance;
use crate::table_out::{OutTable, n, open, t, write_main};

/// Arguments of `preclin db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The store (default: `preclin.db` in the current directory).
    #[arg(long, global = true, value_name = "PATH", default_value = "preclin.db")]
    pub db: PathBuf,
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// The studies in the store, with counts and the time of their last run.
    List(OutArgs),
    /// One study: compounds, cell lines / models, experiments and runs.
    Show(ShowArgs),
    /// Every stored key number (latest run of each experiment), or the raw
    /// rows of one run.
    Export(ExportArgs),
    /// Key numbers selected by compound, cell line, metric, study or kind
    /// (names and aliases in any case), or a read-only SQL query.
    Query(QueryArgs),
}

/// Output options of the `db` commands.
#[derive(Debug, Args)]
struct OutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// No `#` comment lines in CSV.
    #[arg(long)]
    no_comments: bool,
}

/// Format of `db show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ShowFormat {
    /// Readable text (default).
    Text,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// Study key (`[study] id` of its manifest).
    study: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    format: ShowFormat,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Only this study.
    #[arg(long)]
    study: Option<String>,
    /// Only this experiment kind.
    #[arg(long)]
    kind: Option<String>,
    /// Every run, not only the latest of each experiment.
    #[arg(long)]
    all_runs: bool,
    /// Export the raw rows (observations) of this run id instead.
    #[arg(long, value_name = "RUN_ID")]
    observations: Option<i64>,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Debug, Args)]
struct QueryArgs {
    /// Compound name or alias.
    #[arg(long)]
    compound: Option<String>,
    /// Cell line / model name or alias.
    #[arg(long)]
    cell_line: Option<String>,
    /// Metric, e.g. GI50.
    #[arg(long)]
    metric: Option<String>,
    /// Study key.
    #[arg(long)]
    study: Option<String>,
    /// Experiment kind.
    #[arg(long)]
    kind: Option<String>,
    /// Every run, not only the latest of each experiment.
    #[arg(long)]
    all_runs: bool,
    /// A read-only SQL statement instead (see the store's schema).
    #[arg(long, conflicts_with_all = ["compound", "cell_line", "metric", "study", "kind", "all_runs"])]
    sql: Option<String>,
    #[command(flatten)]
    out: OutArgs,
}

/// Runs `preclin db`.
pub fn run(a: DbArgs) -> anyhow::Result<()> {
    let store = open_store(&a.db)?;
    match a.command {
        DbCommand::List(o) => list(&store, &a.db, o),
        DbCommand::Show(s) => show(&store, s),
        DbCommand::Export(e) => export(&store, &a.db, e),
        DbCommand::Query(q) => query(&store, &a.db, q),
    }
}

/// Opens an existing store (reading never creates one).
fn open_store(path: &Path) -> anyhow::Result<Store> {
    if !path.is_file() {
        bail!(
            "{}: no store here (analyse a study first, or give --db PATH)",
            path.display()
        );
    }
    Ok(Store::open(path)?)
}

fn provenance(db: &Path, options: Vec<(String, String)>) -> Provenance {
    // The store changes with every import: it is named, not hashed.
    Provenance::new(vec![(db.display().to_string(), "-".into())], options)
}

fn list(store: &Store, db: &Path, o: OutArgs) -> anyhow::Result<()> {
    let mut tab = OutTable::new(&[
        "study",
        "name",
        "compounds",
        "cell_lines",
        "experiments",
        "runs",
        "last_run",
        "description",
    ]);
    for s in store.studies()? {
        tab.rows.push(vec![
            t(s.key),
            t(s.name),
            Cell::Int(s.n_compounds as usize),
            Cell::Int(s.n_cell_lines as usize),
            Cell::Int(s.n_experiments as usize),
            Cell::Int(s.n_runs as usize),
            Cell::opt_text(s.last_run.unwrap_or_default()),
            Cell::opt_text(s.description.unwrap_or_default()),
        ]);
    }
    write_main(
        o.output.as_ref(),
        o.format,
        "studies",
        &tab,
        &provenance(db, Vec::new()),
        &[
            "one row per study in the store; last_run = time of its latest run (UTC, SOURCE_DATE_EPOCH when set)",
        ],
        Vec::new(),
        None,
        o.no_comments,
    )
}

fn yes_no(x: Option<bool>) -> &'static str {
    match x {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

fn show(store: &Store, s: ShowArgs) -> anyhow::Result<()> {
    let d = store.study(&s.study)?;
    let mut out = open(s.output.as_deref())?;
    match s.format {
        ShowFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        ShowFormat::Text => {
            let st = &d.summary;
            writeln!(out, "study {}: {}", st.key, st.name)?;
            if let Some(desc) = &st.description {
                writeln!(out, "  {desc}")?;
            }
            writeln!(out, "\ncompounds ({})", d.compounds.len())?;
            for c in &d.compounds {
                let mut extra = Vec::new();
                if !c.aliases.is_empty() {
                    extra.push(format!("aliases {}", c.aliases.join(", ")));
                }
                if let Some(x) = &c.target {
                    extra.push(format!("target {x}"));
                }
                if let Some(x) = &c.class {
                    extra.push(format!("class {x}"));
                }
                if let Some(x) = c.molecular_weight {
                    extra.push(format!("MW {x} g/mol"));
                }
                writeln!(out, "  {}  {}", c.name, extra.join("; "))?;
            }
            writeln!(out, "\ncell lines and models ({})", d.cell_lines.len())?;
            for c in &d.cell_lines {
                writeln!(
                    out,
                    "  {}  [{}] KMT2A {}; NPM1c {}; FLT3-ITD {}; MEN1 {}{}{}",
                    c.name,
                    c.kind,
                    c.kmt2a_fusion.as_deref().unwrap_or("?"),
                    yes_no(c.npm1c),
                    yes_no(c.flt3_itd),
                    c.men1.as_deref().unwrap_or("?"),
                    if c.normal { "; non-malignant" } else { "" },
                    if c.aliases.is_empty() {
                        String::new()
                    } else {
                        format!("; aliases {}", c.aliases.join(", "))
                    }
                )?;
            }
            writeln!(out, "\nexperiments ({})", d.experiments.len())?;
            for e in &d.experiments {
                writeln!(out, "  {}  [{}]", e.name, e.kind)?;
            }
            writeln!(out, "\nruns ({}), newest first", d.runs.len())?;
            for r in &d.runs {
                writeln!(
                    out,
                    "  #{} {} {} [{}] preclin {}: {} raw rows, {} results, {} inputs, key {}",
                    r.id,
                    r.time,
                    r.experiment,
                    r.kind,
                    r.preclin_version,
                    r.n_observations,
                    r.n_results,
                    r.inputs.len(),
                    &r.run_key[..12.min(r.run_key.len())]
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn value_table(rows: Vec<ValueRow>) -> OutTable {
    let mut tab = OutTable::new(&[
        "study",
        "experiment",
        "kind",
        "run_id",
        "time",
        "compound",
        "cell_line",
        "label",
        "metric",
        "value",
        "ci_lower",
        "ci_upper",
        "unit",
        "flags",
    ]);
    for r in rows {
        tab.rows.push(vec![
            t(r.study),
            t(r.experiment),
            t(r.kind),
            Cell::Int(r.run_id as usize),
            t(r.time),
            Cell::opt_text(r.compound.unwrap_or_default()),
            Cell::opt_text(r.cell_line.unwrap_or_default()),
            Cell::opt_text(r.label.unwrap_or_default()),
            t(r.metric),
            n(r.value),
            n(r.ci_lower),
            n(r.ci_upper),
            Cell::opt_text(r.unit.unwrap_or_default()),
            t(r.flags),
        ]);
    }
    tab
}

const VALUE_NOTES: &[&str] = &[
    "one row per key number of a stored result; value/ci_lower/ci_upper empty when the number does not exist (e.g. a failed fit, see flags)",
    "latest run of each experiment unless --all-runs; compound and cell_line are the study's canonical names",
];

fn export(store: &Store, db: &Path, e: ExportArgs) -> anyhow::Result<()> {
    if let Some(run_id) = e.observations {
        let rows = store.observations(run_id)?;
        if rows.is_empty() && !store.runs(None)?.iter().any(|r| r.id == run_id) {
            bail!("no run {run_id} in {}", db.display());
        }
        let mut tab = OutTable::new(&[
            "run_id",
            "seq",
            "file",
            "line",
            "compound",
            "cell_line",
            "data",
        ]);
        for o in rows {
            tab.rows.push(vec![
                Cell::Int(o.run_id as usize),
                Cell::Int(o.seq as usize),
                Cell::opt_text(o.file.unwrap_or_default()),
                o.line
                    .map_or(Cell::OptText(None), |l| Cell::Int(l as usize)),
                Cell::opt_text(o.compound.unwrap_or_default()),
                Cell::opt_text(o.cell_line.unwrap_or_default()),
                t(o.data.to_string()),
            ]);
        }
        return write_main(
            e.out.output.as_ref(),
            e.out.format,
            "observations",
            &tab,
            &provenance(db, vec![("observations".into(), run_id.to_string())]),
            &["raw input rows of the run in input order; data = the row as a JSON object"],
            Vec::new(),
            None,
            e.out.no_comments,
        );
    }
    let filter = ValueFilter {
        study: e.study.clone(),
        kind: e.kind.clone(),
        all_runs: e.all_runs,
        ..Default::default()
    };
    let rows = store.values(&filter)?;
    write_main(
        e.out.output.as_ref(),
        e.out.format,
        "values",
        &value_table(rows),
        &provenance(db, filter_options(&filter)),
        VALUE_NOTES,
        Vec::new(),
        None,
        e.out.no_comments,
    )
}

fn filter_options(f: &ValueFilter) -> Vec<(String, String)> {
    let mut o = Vec::new();
    for (k, v) in [
        ("compound", &f.compound),
        ("cell_line", &f.cell_line),
        ("metric", &f.metric),
        ("study", &f.study),
        ("kind", &f.kind),
    ] {
        if let Some(v) = v {
            o.push((k.to_string(), v.clone()));
        }
    }
    if f.all_runs {
        o.push(("all_runs".into(), "true".into()));
    }
    o
}

fn query(store: &Store, db: &Path, q: QueryArgs) -> anyhow::Result<()> {
    if let Some(sql) = &q.sql {
        let r = store.query_sql(sql)?;
        let cols: Vec<&str> = r.columns.iter().map(String::as_str).collect();
        let mut tab = OutTable::new(&cols);
        for row in r.rows {
            tab.rows.push(
                row.into_iter()
                    .map(|v| match v {
                        serde_json::Value::Null => Cell::OptText(None),
                        serde_json::Value::Number(x) if x.is_u64() => {
                            Cell::Int(x.as_u64().unwrap_or(0) as usize)
                        }
                        serde_json::Value::Number(x) if x.is_i64() => t(x.to_string()),
                        serde_json::Value::Number(x) => n(x.as_f64()),
                        serde_json::Value::String(s) => t(s),
                        other => t(other.to_string()),
                    })
                    .collect(),
            );
        }
        return write_main(
            q.out.output.as_ref(),
            q.out.format,
            "rows",
            &tab,
            &provenance(db, vec![("sql".into(), sql.clone())]),
            &["result of a read-only SQL query on the store"],
            Vec::new(),
            None,
            q.out.no_comments,
        );
    }
    let filter = ValueFilter {
        compound: q.compound,
        cell_line: q.cell_line,
        metric: q.metric,
        study: q.study,
        kind: q.kind,
        all_runs: q.all_runs,
    };
    let rows = store.values(&filter)?;
    write_main(
        q.out.output.as_ref(),
        q.out.format,
        "values",
        &value_table(rows),
        &provenance(db, filter_options(&filter)),
        VALUE_NOTES,
        Vec::new(),
        None,
        q.out.no_comments,
    )
}
