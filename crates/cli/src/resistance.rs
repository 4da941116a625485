//! `preclin resistance INPUT --parental NAME` — resistance factors of every
//! drug in every resistant (or mutant) line relative to the parental line,
//! as a drug × line matrix (CSV or JSON), with an optional heatmap (SVG)
//! and a long table.
//!
//! The lines are the levels of `--between` (default: a `variant` column
//! when the table has one — e.g. MEN1 WT / M327I / T349M within each cell
//! line — else `cell_line`). Within each group of the `--by` columns
//! (default: every other column except `experiment`, whose wells are
//! pooled) each non-parental level is compared with the parental one by
//! `preclin_curve::resistance`. Matrix rows are the first `--by` column
//! (the drug); columns are the other `--by` values with the level.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_curve::resistance::{
    ResistanceFactor, ResistanceMatrix, ResistanceOptions, RfPotency, classify, resistance_from,
};

use crate::compare::{CompareCommon, PairResult, Pairs, compare_pairs, read_pairs};
use crate::fit::{FormatArg, open_output};
use crate::fit_table::{Cell, cells_json, write_cells_csv};
use crate::input::{find, read_headers};
use crate::provenance::{Provenance, sha256_file};

/// Potency of the resistance factor on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PotencyArg {
    /// Relative EC50 (default).
    Relative,
    /// Absolute IC50 (50 % of each line's vehicle response).
    Absolute,
}

/// Arguments of `preclin resistance`.
#[derive(Debug, Args)]
pub struct ResistanceArgs {
    /// Tidy table: CSV/TSV (delimiter detected) or XLSX; one row per well.
    pub input: PathBuf,
    /// The parental (reference) level of --between, e.g. `MV4-11` or `WT`.
    #[arg(long)]
    pub parental: String,
    /// The column that marks parental and resistant lines (default:
    /// `variant` if present, else `cell_line`).
    #[arg(long)]
    pub between: Option<String>,
    /// Grouping columns, the drug first (default: every column except
    /// dose, response, replicate, well, plate, dose_unit, experiment and
    /// --between).
    #[arg(long, value_delimiter = ',')]
    pub by: Option<Vec<String>>,
    /// Relative EC50 or absolute IC50.
    #[arg(long, value_enum, default_value_t = PotencyArg::Relative)]
    pub potency: PotencyArg,
    /// RF above this (with its interval above 1) is cross-resistance.
    #[arg(long, default_value_t = 2.0)]
    pub cross: f64,
    /// RF below this (with its interval below 1) is collateral sensitivity.
    #[arg(long, default_value_t = 0.5)]
    pub collateral: f64,
    #[command(flatten)]
    pub common: CompareCommon,
    /// Write the cross-resistance heatmap (log2 RF, stars) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// Write the long table (one row per drug × line, every statistic) to
    /// this CSV file.
    #[arg(long, value_name = "FILE")]
    pub long: Option<PathBuf>,
    /// Output format of the matrix.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file for the matrix (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Significant digits in the output (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
    /// Do not write the `#` comment lines (provenance, meanings) in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

/// Meanings written at the top of the CSV outputs.
fn meanings(opts: &ResistanceOptions) -> Vec<String> {
    vec![
        format!(
            "# rf = resistance factor = {} of the resistant line / parental line, from one global fit of the two curves; lower/upper = its interval",
            match opts.potency {
                RfPotency::Relative => "relative EC50",
                RfPotency::Absolute => "absolute IC50 (50% of the line's vehicle response)",
            }
        ),
        format!(
            "# p = {}; stars: *** p < 0.001, ** p < 0.01, * p < 0.05",
            match opts.potency {
                RfPotency::Relative =>
                    "extra-sum-of-squares F test of one EC50 for both lines against one each",
                RfPotency::Absolute => "Wald t test of ln RF = 0",
            }
        ),
        format!(
            "# class: cross_resistance = rf > {hi} and lower > 1; collateral_sensitivity = rf < {lo} and upper < 1; unchanged = lower >= {lo} and upper <= {hi}; otherwise inconclusive",
            hi = opts.cross_threshold,
            lo = opts.collateral_threshold
        ),
        "# empty cell = value does not exist or the pair was not tested (see flags and message in the long table)".to_string(),
    ]
}

/// Header of the long table after the --by columns.
const LONG_COLUMNS: [&str; 17] = [
    "parental",
    "line",
    "potency",
    "parental_potency",
    "resistant_potency",
    "rf",
    "rf_lower",
    "rf_upper",
    "log2_rf",
    "p_value",
    "test",
    "stars",
    "class",
    "flags",
    "model",
    "dose_unit",
    "message",
];

/// What one resistance analysis produced.
pub struct Analysis {
    /// The options used.
    pub opts: ResistanceOptions,
    /// The table split into (group, level) pairs.
    pub pairs: Pairs,
    /// The comparison of each pair.
    pub results: Vec<PairResult>,
    /// The resistance factor of each pair (None where the comparison
    /// failed).
    pub factors: Vec<Option<ResistanceFactor>>,
    /// The drug × line matrix (every row and column of the pairs; failed
    /// pairs are empty cells).
    pub matrix: ResistanceMatrix,
}

/// Reads the table and computes every resistance factor (no files
/// written).
pub fn analyze(args: &ResistanceArgs) -> anyhow::Result<Analysis> {
    let compare = args.common.options()?;
    let opts = ResistanceOptions {
        compare,
        potency: match args.potency {
            PotencyArg::Relative => RfPotency::Relative,
            PotencyArg::Absolute => RfPotency::Absolute,
        },
        cross_threshold: args.cross,
        collateral_threshold: args.collateral,
    };
    opts.validate()
        .map_err(|e| anyhow::anyhow!("--cross / --collateral: {e}"))?;
    let between = match &args.between {
        Some(b) => b.clone(),
        None => {
            let (headers, _) = read_headers(&args.input)?;
            if find(&headers, "variant").is_some() {
                "variant".to_string()
            } else {
                "cell_line".to_string()
            }
        }
    };
    let pairs = read_pairs(
        &args.input,
        &args.common,
        &args.by,
        &between,
        Some(&args.parental),
        &["experiment"],
    )?;
    if pairs.pairs.is_empty() {
        bail!(
            "{}, column '{}': no group has both the parental level '{}' and another level",
            pairs.label,
            pairs.between,
            args.parental
        );
    }
    let results = compare_pairs(&pairs, &opts.compare)?;
    // One resistance factor per pair (None where the comparison failed).
    let factors: Vec<Option<ResistanceFactor>> = results
        .iter()
        .map(|r| {
            r.result.as_ref().ok().map(|cmp| {
                let mut f = resistance_from(cmp, &cmp.levels[0], &opts);
                // Honour --ci for the interval and the class.
                let ratio = match opts.potency {
                    RfPotency::Relative => cmp.levels[0].ec50_ratio,
                    RfPotency::Absolute => cmp.levels[0].ic50_ratio,
                };
                if let Some(r) = ratio {
                    (f.lower, f.upper) = args.common.interval(&r);
                    f.class = classify(
                        f.rf,
                        f.lower,
                        f.upper,
                        opts.cross_threshold,
                        opts.collateral_threshold,
                    );
                }
                f
            })
        })
        .collect();
    // Matrix: rows = first --by value, columns = the other --by values and
    // the level.
    let row_label = |g: &[String]| g.first().cloned().unwrap_or_else(|| "all".to_string());
    let col_label = |g: &[String], level: &str| {
        g.iter()
            .skip(1)
            .map(String::as_str)
            .chain([level])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut rows_order: Vec<String> = Vec::new();
    let mut cols_order: Vec<String> = Vec::new();
    for p in &pairs.pairs {
        let (r, c) = (row_label(&p.group), col_label(&p.group, &p.level));
        if !rows_order.contains(&r) {
            rows_order.push(r);
        }
        if !cols_order.contains(&c) {
            cols_order.push(c);
        }
    }
    // Every drug and line appears, a failed pair as an empty cell.
    let mut matrix = ResistanceMatrix {
        rows: rows_order.clone(),
        columns: cols_order.clone(),
        cells: vec![vec![None; cols_order.len()]; rows_order.len()],
    };
    for (p, f) in pairs.pairs.iter().zip(&factors) {
        let ri = rows_order.iter().position(|x| *x == row_label(&p.group));
        let ci = cols_order
            .iter()
            .position(|x| *x == col_label(&p.group, &p.level));
        if let (Some(ri), Some(ci)) = (ri, ci) {
            matrix.cells[ri][ci] = f.clone();
        }
    }
    Ok(Analysis {
        opts,
        pairs,
        results,
        factors,
        matrix,
    })
}

/// The cross-resistance heatmap of an analysis.
pub fn heatmap(a: &Analysis) -> preclin_report::HeatmapFigure {
    let title = format!(
        "Resistance factors vs {} ({})",
        a.pairs.reference,
        match a.opts.potency {
            RfPotency::Relative => "relative EC50",
            RfPotency::Absolute => "absolute IC50",
        }
    );
    let mut fig = preclin_report::adapt::resistance_heatmap(&a.matrix, &title);
    fig.x_label = if a.pairs.by_cols.len() > 1 {
        format!("{} {}", a.pairs.by_cols[1..].join(" "), a.pairs.between)
    } else {
        a.pairs.between.clone()
    };
    fig
}

/// Runs `preclin resistance`.
pub fn run(args: ResistanceArgs) -> anyhow::Result<()> {
    let a = analyze(&args)?;
    let (opts, pairs, results, factors, matrix) =
        (&a.opts, &a.pairs, &a.results, &a.factors, &a.matrix);
    let (rows_order, cols_order) = (matrix.rows.clone(), matrix.columns.clone());
    let hash = sha256_file(&args.input)?;
    let mut options = args.common.describe(&opts.compare);
    options.extend([
        ("between".to_string(), pairs.between.clone()),
        ("parental".to_string(), pairs.reference.clone()),
        ("potency".to_string(), opts.potency.name().to_string()),
        ("cross".to_string(), opts.cross_threshold.to_string()),
        (
            "collateral".to_string(),
            opts.collateral_threshold.to_string(),
        ),
    ]);
    let prov = Provenance::new(vec![(args.input.display().to_string(), hash)], options);
    let comments: Vec<String> = if args.no_comments {
        Vec::new()
    } else {
        prov.comment_lines()
            .into_iter()
            .chain(meanings(opts))
            .collect()
    };
    // Long table.
    let long_header: Vec<String> = pairs
        .by_cols
        .iter()
        .cloned()
        .chain(LONG_COLUMNS.iter().map(|s| s.to_string()))
        .collect();
    let long_rows: Vec<Vec<Cell>> = pairs
        .pairs
        .iter()
        .zip(results)
        .zip(factors)
        .map(|((p, r), f)| {
            let mut c: Vec<Cell> = p.group.iter().map(|g| Cell::Text(g.clone())).collect();
            c.extend([
                Cell::Text(pairs.reference.clone()),
                Cell::Text(p.level.clone()),
                Cell::Text(opts.potency.name().into()),
            ]);
            let f = f.as_ref();
            c.extend([
                Cell::Num(f.and_then(|f| f.parental)),
                Cell::Num(f.and_then(|f| f.resistant)),
                Cell::Num(f.and_then(|f| f.rf)),
                Cell::Num(f.and_then(|f| f.lower)),
                Cell::Num(f.and_then(|f| f.upper)),
                Cell::Num(f.and_then(|f| f.log2_rf)),
                Cell::Num(f.and_then(|f| f.p_value)),
                Cell::opt_text(f.map(|f| f.test.name().to_string()).unwrap_or_default()),
                Cell::Text(f.map(|f| f.stars.to_string()).unwrap_or_default()),
                Cell::opt_text(f.map(|f| f.class.name().to_string()).unwrap_or_default()),
                Cell::Text(f.map(|f| f.flags.to_string()).unwrap_or_default()),
                Cell::opt_text(
                    r.result
                        .as_ref()
                        .map(|c| c.alt.model.name().to_string())
                        .unwrap_or_default(),
                ),
                Cell::opt_text(r.unit.map(|u| u.symbol().to_string()).unwrap_or_default()),
                Cell::opt_text(r.result.as_ref().err().cloned().unwrap_or_default()),
            ]);
            c
        })
        .collect();
    if let Some(path) = &args.long {
        let mut w = open_output(&Some(path.clone()))?;
        write_cells_csv(&mut w, &comments, &long_header, &long_rows, args.digits)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        w.flush()?;
    }
    if let Some(path) = &args.figure {
        std::fs::write(path, heatmap(&a).to_svg())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    // The matrix: per column label, rf, lower, upper, p, stars, class.
    let mut header: Vec<String> = vec![
        pairs
            .by_cols
            .first()
            .cloned()
            .unwrap_or_else(|| "group".to_string()),
    ];
    for c in &cols_order {
        for s in ["rf", "lower", "upper", "p", "stars", "class"] {
            header.push(format!("{c}_{s}"));
        }
    }
    let rows: Vec<Vec<Cell>> = rows_order
        .iter()
        .zip(&matrix.cells)
        .map(|(r, cells)| {
            let mut v = vec![Cell::Text(r.clone())];
            for f in cells {
                let f = f.as_ref();
                v.extend([
                    Cell::Num(f.and_then(|f| f.rf)),
                    Cell::Num(f.and_then(|f| f.lower)),
                    Cell::Num(f.and_then(|f| f.upper)),
                    Cell::Num(f.and_then(|f| f.p_value)),
                    Cell::Text(f.map(|f| f.stars.to_string()).unwrap_or_default()),
                    Cell::opt_text(f.map(|f| f.class.name().to_string()).unwrap_or_default()),
                ]);
            }
            v
        })
        .collect();
    let mut out = open_output(&args.output)?;
    match args.format {
        FormatArg::Csv => write_cells_csv(&mut out, &comments, &header, &rows, args.digits)?,
        FormatArg::Json => {
            let doc = serde_json::json!({
                "provenance": prov,
                "notes": meanings(opts).iter().map(|m| m.trim_start_matches("# ").to_string()).collect::<Vec<_>>(),
                "rows": rows_order,
                "columns": cols_order,
                "resistance": cells_json(&long_header, &long_rows),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}
