//! `preclin compounds [QUERY]` — list and search the reference compound
//! table (published potencies, in vivo / clinical outcomes, resistance),
//! optionally with the user's own rows, and set a measured potency beside
//! the published values.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_curve::units::ConcUnit;
use preclin_study::reference::{
    MeasuredPotency, ReferenceRow, ReferenceTable, Table, compare_potency,
};

use crate::fit::FormatArg;
use crate::provenance::{Provenance, sha256_file};
use crate::table_out::{OutTable, n, t, write_main};

/// A reference layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableArg {
    /// The seeds' Table 1 / Table 2.
    Seed,
    /// Published potencies.
    Potency,
    /// In vivo and clinical outcomes.
    Invivo,
    /// Resistance findings.
    Resistance,
}

impl TableArg {
    fn table(self) -> Table {
        match self {
            TableArg::Seed => Table::Seed,
            TableArg::Potency => Table::Potency,
            TableArg::Invivo => Table::InvivoClinical,
            TableArg::Resistance => Table::Resistance,
        }
    }
}

/// Arguments of `preclin compounds`.
#[derive(Debug, Args)]
pub struct CompoundsArgs {
    /// Free search: a compound or alias, cell line, class, genotype or
    /// metric (default: every row).
    pub query: Option<String>,
    /// Only rows of this compound (name or alias, any spelling).
    #[arg(long)]
    pub compound: Option<String>,
    /// Only rows of this class, e.g. `menin inhibitor`.
    #[arg(long)]
    pub class: Option<String>,
    /// Only rows of this cell line or model (any spelling).
    #[arg(long)]
    pub cell_line: Option<String>,
    /// Only rows of this table.
    #[arg(long, value_enum)]
    pub table: Option<TableArg>,
    /// Add your own rows: CSV files with the columns of one of the tables.
    #[arg(long, value_name = "FILE")]
    pub add: Vec<PathBuf>,
    /// Set a measured potency beside the published values (with
    /// --compound, --cell-line and --metric): the estimate.
    #[arg(long, value_name = "VALUE", requires_all = ["compound", "cell_line"])]
    pub measured: Option<f64>,
    /// The measured 95 % CI, `LOWER,UPPER`.
    #[arg(
        long,
        value_name = "LOWER,UPPER",
        value_delimiter = ',',
        requires = "measured"
    )]
    pub ci: Vec<f64>,
    /// Unit of --measured and --ci.
    #[arg(long, default_value = "nM")]
    pub unit: String,
    /// Metric of --measured (GI50, IC50, EC50, CC50).
    #[arg(long, default_value = "IC50")]
    pub metric: String,
    /// Molecular weight (g/mol) for mass units.
    #[arg(long, value_name = "G_PER_MOL")]
    pub mw: Option<f64>,
    /// Drug exposure of the measurement in hours (e.g. 72): published
    /// values from assays more than 1.5-fold shorter or longer are shown but
    /// not judged.
    #[arg(long, value_name = "HOURS")]
    pub assay_hours: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// No `#` comment lines in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

/// Runs `preclin compounds`.
pub fn run(a: CompoundsArgs) -> anyhow::Result<()> {
    let mut table = ReferenceTable::bundled();
    let mut inputs = Vec::new();
    for p in &a.add {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
        table.add_csv(&text, &p.display().to_string())?;
        inputs.push((p.display().to_string(), sha256_file(p)?));
    }
    let mut options = Vec::new();
    for (k, v) in [
        ("query", &a.query),
        ("compound", &a.compound),
        ("class", &a.class),
        ("cell_line", &a.cell_line),
    ] {
        if let Some(v) = v {
            options.push((k.to_string(), v.clone()));
        }
    }
    if let Some(v) = a.measured {
        return run_compare(&a, &table, v, inputs, options);
    }
    let rows: Vec<&ReferenceRow> = table
        .search(a.query.as_deref().unwrap_or(""))
        .into_iter()
        .filter(|r| a.compound.as_deref().is_none_or(|c| r.is_compound(c)))
        .filter(|r| a.class.as_deref().is_none_or(|c| r.is_class(c)))
        .filter(|r| a.cell_line.as_deref().is_none_or(|c| r.is_model(c)))
        .filter(|r| a.table.is_none_or(|tb| r.table == tb.table()))
        .collect();
    let mut tab = OutTable::new(&[
        "table",
        "compound",
        "target",
        "class",
        "cell_line_or_model",
        "genotype",
        "metric",
        "value",
        "low",
        "high",
        "qualifier",
        "unit",
        "dosing",
        "outcome",
        "source",
        "origin",
        "line",
    ]);
    for r in rows {
        tab.rows.push(reference_cells(r));
    }
    write_main(
        a.output.as_ref(),
        a.format,
        "rows",
        &tab,
        &Provenance::new(inputs, options),
        &[
            "bundled reference table (crates/study/data, sources per row); value = as published, low/high = the published interval (empty when unbounded or qualitative)",
            "qualifier: exact, range, approx (taken as printed), below (< high), above (> low), qualitative (text, never compared)",
        ],
        Vec::new(),
        None,
        a.no_comments,
    )
}

fn reference_cells(r: &ReferenceRow) -> Vec<crate::fit_table::Cell> {
    let q = serde_json::to_value(r.qualifier)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    vec![
        t(r.table.file_name().trim_end_matches(".csv")),
        t(&r.compound),
        t(r.target.clone().unwrap_or_default()),
        t(r.class.clone().unwrap_or_default()),
        t(r.model.clone().unwrap_or_default()),
        t(r.genotype.clone().unwrap_or_default()),
        t(&r.metric),
        t(r.value_display()),
        n(r.low),
        n(r.high),
        t(q),
        t(r.unit.clone().unwrap_or_default()),
        t(r.dosing.clone().unwrap_or_default()),
        t(r.outcome.clone().unwrap_or_default()),
        t(&r.source),
        t(&r.origin),
        crate::fit_table::Cell::Int(r.line),
    ]
}

fn run_compare(
    a: &CompoundsArgs,
    table: &ReferenceTable,
    value: f64,
    inputs: Vec<(String, String)>,
    mut options: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let unit: ConcUnit = a.unit.parse()?;
    let (ci_lower, ci_upper) = match a.ci.as_slice() {
        [] => (None, None),
        [l, u] if l <= u => (Some(*l), Some(*u)),
        _ => bail!("--ci must be LOWER,UPPER with LOWER <= UPPER"),
    };
    let m = MeasuredPotency {
        compound_names: a.compound.iter().cloned().collect(),
        cell_line_names: a.cell_line.iter().cloned().collect(),
        metric: a.metric.clone(),
        value,
        ci_lower,
        ci_upper,
        unit,
        molecular_weight: a.mw,
        assay_hours: a.assay_hours,
    };
    options.push(("measured".into(), format!("{value} {unit}")));
    let comparisons = compare_potency(table, &m);
    let mut tab = OutTable::new(&[
        "compound",
        "cell_line_or_model",
        "published_metric",
        "published",
        "published_low_nM",
        "published_high_nM",
        "measured_metric",
        "measured_lower_nM",
        "measured_upper_nM",
        "verdict",
        "fold",
        "notes",
        "source",
    ]);
    for c in &comparisons {
        let (verdict, fold) = match c.verdict {
            preclin_study::reference::Verdict::Agrees => ("agrees", None),
            preclin_study::reference::Verdict::MorePotent { fold } => ("more_potent", Some(fold)),
            preclin_study::reference::Verdict::LessPotent { fold } => ("less_potent", Some(fold)),
            preclin_study::reference::Verdict::NotComparable => ("not_comparable", None),
        };
        tab.rows.push(vec![
            t(&c.reference.compound),
            t(c.reference.model.clone().unwrap_or_default()),
            t(&c.reference.metric),
            t(c.reference.value_display()),
            n(c.published_nm.0),
            n(c.published_nm.1),
            t(&a.metric),
            n(c.measured_nm.map(|m| m.0)),
            n(c.measured_nm.map(|m| m.1)),
            t(verdict),
            n(fold),
            t(c.notes.join("; ")),
            t(&c.reference.source),
        ]);
    }
    write_main(
        a.output.as_ref(),
        a.format,
        "comparisons",
        &tab,
        &Provenance::new(inputs, options),
        &[
            "measured interval = its 95% CI (the estimate when no CI), published interval = [low, high] ((0, x] for < x, [x, inf) for > x), both in nM",
            "agrees: the intervals overlap; more_potent: measured upper < published low (fold = published low / measured upper); less_potent: measured lower > published high (fold = measured lower / published high)",
        ],
        Vec::new(),
        None,
        a.no_comments,
    )
}
