//! `preclin synergy INPUT` — drug-combination synergy from a SynergyFinder
//! long table: one row per block (block means and p-values), optional
//! per-cell and Chou–Talalay tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_synergy::chou_talalay::{ChouTalalay, chou_talalay, interpret};
use preclin_synergy::sensitivity::{Sensitivity, sensitivity};
use preclin_synergy::{
    Baseline, Block, BlockOptions, BlockResult, LoeweOptions, Method, ScoreOptions, ZipFitter,
    score_block,
};
use rayon::prelude::*;

use crate::fit::{FormatArg, open_output, push_csv_field};
use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::synergy_input::{ResponseKind, SynergyTable, read_synergy_table_with};

/// A method on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Bliss independence.
    Bliss,
    /// Highest single agent.
    Hsa,
    /// Loewe additivity.
    Loewe,
    /// Zero interaction potency.
    Zip,
    /// Chou–Talalay combination index (needs --ci-out for its tables).
    Ci,
}

/// Baseline correction on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// None (default).
    Non,
    /// Negative responses only.
    Part,
    /// Every response.
    All,
}

/// Compatibility modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatArg {
    /// SynergyFinder as run in R: its Loewe (LL.4 inverse, 100-point grid)
    /// and ZIP's curves fitted like drc 3.0-1 (self-start, BFGS, L.4 fallback).
    Synergyfinder,
}

/// Arguments of `preclin synergy`.
#[derive(Debug, Args)]
pub struct SynergyArgs {
    /// SynergyFinder long table (CSV/TSV/XLSX): block_id, drug1, drug2,
    /// conc1, conc2, response, conc_unit (SynergyFinder's aliases accepted).
    pub input: PathBuf,
    /// What the response column holds.
    #[arg(long, value_enum, default_value_t = ResponseKind::Viability)]
    pub response_kind: ResponseKind,
    /// Models, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "bliss,hsa,loewe,zip"
    )]
    pub methods: Vec<MethodArg>,
    /// Baseline correction (SynergyFinder's correct_baseline).
    #[arg(long, value_enum, default_value_t = BaselineArg::Non)]
    pub baseline: BaselineArg,
    /// Seed of the bootstrap of replicates.
    #[arg(long, default_value_t = 123)]
    pub seed: u64,
    /// Bootstrap iterations for blocks with replicates (SynergyFinder: 10).
    #[arg(long, default_value_t = 100)]
    pub iterations: usize,
    /// Reproduce SynergyFinder: its Loewe (inverse with (y − c)/(d − y), grid
    /// search) and ZIP with drc's fit path instead of least squares.
    #[arg(long, value_enum)]
    pub compat: Option<CompatArg>,
    /// Add SynergyFinder's `ReshapeData(noise = TRUE, seed = N)` noise
    /// (R's generator, N(0, 0.001) on % inhibition) before scoring, to
    /// reproduce its published numbers digit for digit (with --compat).
    #[arg(long, value_name = "SEED")]
    pub sf_noise: Option<u32>,
    /// Output format (all tables).
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Block table (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Per-cell table.
    #[arg(long)]
    pub cells: Option<PathBuf>,
    /// Chou–Talalay table per combination point (with `ci` in --methods);
    /// the constant-ratio table goes to <stem>_ratios.<ext> beside it.
    #[arg(long)]
    pub ci_out: Option<PathBuf>,
    /// Significant digits in the output (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
    /// Do not write the `#` comment lines (provenance, meanings) in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

/// A table to write: headers and rows.
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Meanings written at the top of the block table.
const MEANINGS: [&str; 4] = [
    "# scores on the % inhibition scale (viability v read as 100 - v, not renormalised); synergy = observed - expected, > 0 = synergy",
    "# bliss/hsa/loewe/zip = mean score over the combination cells (every drug > 0), as SynergyFinder; *_p = exp(-0.717 z - 0.416 z^2), z = |mean|/sd over those cells",
    "# with replicates: parametric bootstrap (--iterations, --seed); scores are bootstrap means, *_lower/*_upper the 2.5/97.5 % quantiles of the block mean",
    "# ic50_k = relative IC50 of drug k alone (capped at its top dose); ri_k = relative inhibition; css = combination sensitivity score (SynergyFinder)",
];

/// Runs `preclin synergy`.
pub fn run(args: SynergyArgs) -> anyhow::Result<()> {
    if args.ci_out.is_some() && !args.methods.contains(&MethodArg::Ci) {
        bail!("--ci-out needs `ci` in --methods (e.g. --methods bliss,hsa,loewe,zip,ci)");
    }
    let table = read_synergy_table_with(&args.input, args.response_kind, args.sf_noise)?;
    if args.response_kind == ResponseKind::Viability
        && table.response_column.eq_ignore_ascii_case("inhibition")
    {
        eprintln!(
            "note: the column '{}' was read as % viability (--response-kind viability, the default) and converted to 100 - v; pass --response-kind inhibition if it holds % inhibition",
            table.response_column
        );
    }
    let methods: Vec<Method> = args
        .methods
        .iter()
        .filter_map(|m| match m {
            MethodArg::Bliss => Some(Method::Bliss),
            MethodArg::Hsa => Some(Method::Hsa),
            MethodArg::Loewe => Some(Method::Loewe),
            MethodArg::Zip => Some(Method::Zip),
            MethodArg::Ci => None,
        })
        .fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        });
    let with_ci = args.methods.contains(&MethodArg::Ci);
    let opts = BlockOptions {
        score: ScoreOptions {
            methods: methods.clone(),
            baseline: match args.baseline {
                BaselineArg::Non => Baseline::Non,
                BaselineArg::Part => Baseline::Part,
                BaselineArg::All => Baseline::All,
            },
            loewe: match args.compat {
                Some(CompatArg::Synergyfinder) => LoeweOptions::synergyfinder(),
                None => LoeweOptions::default(),
            },
            zip: match args.compat {
                Some(CompatArg::Synergyfinder) => ZipFitter::SynergyFinder,
                None => ZipFitter::LeastSquares,
            },
        },
        iterations: args.iterations,
        seed: args.seed,
    };
    let results: Vec<(BlockResult, Sensitivity, Option<ChouTalalay>)> = table
        .blocks
        .par_iter()
        .map(|b| {
            let r = score_block(b, &opts);
            let sens = sensitivity(&r.surface);
            let ct = with_ci.then(|| chou_talalay(&r.surface));
            (r, sens, ct)
        })
        .collect();
    let hash = sha256_file(&args.input)?;
    let mut options = vec![
        (
            "response_kind".to_string(),
            format!("{:?}", args.response_kind).to_lowercase(),
        ),
        (
            "methods".into(),
            args.methods
                .iter()
                .map(|m| format!("{m:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "baseline".into(),
            format!("{:?}", args.baseline).to_lowercase(),
        ),
        ("seed".into(), args.seed.to_string()),
        ("iterations".into(), args.iterations.to_string()),
        (
            "loewe".into(),
            if args.compat.is_some() {
                "synergyfinder".into()
            } else {
                "exact".into()
            },
        ),
        (
            "zip_fit".into(),
            if args.compat.is_some() {
                "synergyfinder".into()
            } else {
                "least_squares".into()
            },
        ),
    ];
    if let Some(n) = args.sf_noise {
        options.push(("sf_noise_seed".into(), n.to_string()));
    }
    if let Some(d) = args.digits {
        options.push(("digits".into(), d.to_string()));
    }
    let prov = Provenance::new(vec![(args.input.display().to_string(), hash)], options);

    let blocks = block_table(&table, &results, &methods);
    write_table(
        &args.output,
        &blocks,
        args.format,
        args.digits,
        (!args.no_comments).then_some((&prov, &MEANINGS[..])),
    )?;
    if let Some(p) = &args.cells {
        let t = cell_table(&table, &results, &methods);
        write_table(
            &Some(p.clone()),
            &t,
            args.format,
            args.digits,
            (!args.no_comments).then_some((&prov, &[][..])),
        )?;
    }
    if let Some(p) = &args.ci_out {
        let (points, ratios) = ci_tables(&table, &results);
        write_table(
            &Some(p.clone()),
            &points,
            args.format,
            args.digits,
            (!args.no_comments).then_some((&prov, &CI_MEANINGS[..])),
        )?;
        let rp = sibling(p, "_ratios");
        write_table(
            &Some(rp.clone()),
            &ratios,
            args.format,
            args.digits,
            (!args.no_comments).then_some((&prov, &CI_MEANINGS[..])),
        )?;
        eprintln!(
            "note: Chou–Talalay CI at fa 0.5/0.75/0.9 of constant-ratio series written to {}",
            rp.display()
        );
    }
    Ok(())
}

const CI_MEANINGS: [&str; 2] = [
    "# Chou-Talalay: fa = % inhibition / 100; median-effect fit per drug on its monotherapy (0 < fa < 1); ci = sum d_k / Dx_k(fa) (< 1 synergism, 1 additive, > 1 antagonism); dri_k = Dx_k(fa) / d_k",
    "# interpretation: Chou 2006 bands; constant-ratio series (>= 3 points with the same dose proportions) give the CI at fa 0.5 / 0.75 / 0.9",
];

/// `dir/stem<suffix>.ext` beside `p`.
fn sibling(p: &Path, suffix: &str) -> PathBuf {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("ci");
    let ext = p.extension().and_then(|s| s.to_str()).unwrap_or("csv");
    p.with_file_name(format!("{stem}{suffix}.{ext}"))
}

fn unit_text(table: &SynergyTable, b: usize, k: usize) -> String {
    table.units[b]
        .get(k)
        .copied()
        .flatten()
        .map(|u| u.symbol().to_string())
        .unwrap_or_default()
}

fn block_table(
    table: &SynergyTable,
    results: &[(BlockResult, Sensitivity, Option<ChouTalalay>)],
    methods: &[Method],
) -> Table {
    let nd = table.n_drugs;
    let mut headers = vec!["block_id".to_string()];
    headers.extend((1..=nd).map(|k| format!("drug{k}")));
    headers.extend(methods.iter().map(|m| m.name().to_string()));
    headers.extend(methods.iter().map(|m| format!("{}_p", m.name())));
    for m in methods {
        headers.push(format!("{}_lower", m.name()));
        headers.push(format!("{}_upper", m.name()));
    }
    headers.extend(
        ["n_combinations", "replicates", "iterations", "seed"]
            .iter()
            .map(|s| s.to_string()),
    );
    headers.extend((1..=nd).map(|k| format!("ic50_{k}")));
    headers.extend((1..=nd).map(|k| format!("ri_{k}")));
    headers.push("css".into());
    headers.extend((1..=nd).map(|k| format!("conc_unit{k}")));
    headers.push("flags".into());
    let rows = table
        .blocks
        .iter()
        .zip(results)
        .enumerate()
        .map(|(bi, (b, (r, sens, _)))| {
            let mut row = vec![Cell::Text(b.id.clone())];
            row.extend((0..nd).map(|k| Cell::Text(b.drugs.get(k).cloned().unwrap_or_default())));
            let get = |m: &Method| r.method(*m);
            row.extend(
                methods
                    .iter()
                    .map(|m| Cell::Num(get(m).and_then(|x| x.summary.mean))),
            );
            row.extend(
                methods
                    .iter()
                    .map(|m| Cell::Num(get(m).and_then(|x| x.summary.p_value))),
            );
            for m in methods {
                let ci = get(m).and_then(|x| x.ci);
                row.push(Cell::Num(ci.map(|c| c.0)));
                row.push(Cell::Num(ci.map(|c| c.1)));
            }
            row.push(Cell::Int(r.surface.combination_cells().len()));
            row.push(Cell::Int(r.replicates.iter().copied().max().unwrap_or(1)));
            row.push(Cell::Int(r.iterations));
            row.push(Cell::Text(r.seed.to_string()));
            row.extend((0..nd).map(|k| Cell::Num(sens.ic50.get(k).copied().flatten())));
            row.extend((0..nd).map(|k| Cell::Num(sens.ri.get(k).copied().flatten())));
            row.push(Cell::Num(sens.css));
            row.extend((0..nd).map(|k| Cell::Text(unit_text(table, bi, k))));
            row.push(Cell::Text(block_flags(r)));
            row
        })
        .collect();
    Table { headers, rows }
}

/// Flags of a block: monotherapy fits at a bound or missing, ZIP lines that
/// could not be fitted.
fn block_flags(r: &BlockResult) -> String {
    let mut f = Vec::new();
    for (k, m) in r.point.mono.iter().enumerate() {
        match m {
            None => f.push(format!("mono{}_fit_failed", k + 1)),
            Some(c) if c.at_bound => f.push(format!("mono{}_at_bound", k + 1)),
            Some(c) if !c.converged => f.push(format!("mono{}_not_converged", k + 1)),
            _ => {}
        }
    }
    if let Some(z) = &r.point.zip
        && z.failed_lines > 0
    {
        f.push(format!("zip_lines_not_fitted={}", z.failed_lines));
    }
    f.join(";")
}

fn cell_table(
    table: &SynergyTable,
    results: &[(BlockResult, Sensitivity, Option<ChouTalalay>)],
    methods: &[Method],
) -> Table {
    let nd = table.n_drugs;
    let reps = table.blocks.iter().any(Block::has_replicates);
    let mut headers = vec!["block_id".to_string()];
    headers.extend((1..=nd).map(|k| format!("conc{k}")));
    headers.push("response".into());
    for m in Method::ALL {
        if methods.contains(&m) {
            headers.push(format!("{}_ref", m.name()));
            headers.push(m.name().to_string());
        }
    }
    if methods.contains(&Method::Zip) {
        headers.push("zip_fit".into());
    }
    if reps {
        headers.push("n".into());
        for m in Method::ALL {
            if methods.contains(&m) {
                for s in ["sd", "sem", "lower", "upper"] {
                    headers.push(format!("{}_{s}", m.name()));
                }
            }
        }
    }
    let mut rows = Vec::new();
    for (b, (r, _, _)) in table.blocks.iter().zip(results) {
        let s = &r.surface;
        for cell in 0..s.len() {
            let mut row = vec![Cell::Text(b.id.clone())];
            row.extend(
                (0..nd)
                    .map(|k| Cell::Num((k < s.n_drugs()).then(|| s.conc(cell, k)).or(Some(0.0)))),
            );
            row.push(Cell::Num(Some(s.y(cell))));
            for m in Method::ALL {
                if let Some(mr) = r.method(m) {
                    row.push(Cell::Num(mr.cells[cell].reference));
                    row.push(Cell::Num(mr.cells[cell].synergy));
                }
            }
            if methods.contains(&Method::Zip) {
                row.push(Cell::Num(r.point.zip.as_ref().and_then(|z| z.fitted[cell])));
            }
            if reps {
                row.push(Cell::Int(r.replicates[cell]));
                for m in Method::ALL {
                    if let Some(mr) = r.method(m) {
                        let c = &mr.cells[cell];
                        row.extend([c.sd, c.sem, c.ci_lower, c.ci_upper].map(Cell::Num));
                    }
                }
            }
            rows.push(row);
        }
    }
    Table { headers, rows }
}

fn ci_tables(
    table: &SynergyTable,
    results: &[(BlockResult, Sensitivity, Option<ChouTalalay>)],
) -> (Table, Table) {
    let nd = table.n_drugs;
    let mut ph = vec!["block_id".to_string()];
    ph.extend((1..=nd).map(|k| format!("conc{k}")));
    ph.extend(["fa", "ci"].map(String::from));
    ph.extend((1..=nd).map(|k| format!("dri{k}")));
    ph.push("interpretation".into());
    let mut rh = vec!["block_id".to_string()];
    rh.extend((1..=nd).map(|k| format!("proportion{k}")));
    rh.extend(["n_points", "m", "dm", "r", "fa", "total_dose", "ci"].map(String::from));
    rh.extend((1..=nd).map(|k| format!("dri{k}")));
    rh.push("interpretation".into());
    let mut prow = Vec::new();
    let mut rrow = Vec::new();
    for (b, (_, _, ct)) in table.blocks.iter().zip(results) {
        let Some(ct) = ct else { continue };
        for p in &ct.points {
            let mut row = vec![Cell::Text(b.id.clone())];
            row.extend((0..nd).map(|k| Cell::Num(p.doses.get(k).copied().or(Some(0.0)))));
            row.push(Cell::Num(Some(p.fa)));
            row.push(Cell::Num(p.ci));
            row.extend((0..nd).map(|k| Cell::Num(p.dri.get(k).copied().flatten())));
            row.push(Cell::Text(p.ci.map(interpret).unwrap_or_default().into()));
            prow.push(row);
        }
        for sr in &ct.series {
            for a in &sr.at {
                let mut row = vec![Cell::Text(b.id.clone())];
                row.extend((0..nd).map(|k| Cell::Num(sr.proportions.get(k).copied())));
                row.push(Cell::Int(sr.cells.len()));
                row.push(Cell::Num(sr.fit.map(|f| f.m)));
                row.push(Cell::Num(sr.fit.map(|f| f.dm)));
                row.push(Cell::Num(sr.fit.map(|f| f.r)));
                row.push(Cell::Num(Some(a.fa)));
                row.push(Cell::Num(a.total_dose));
                row.push(Cell::Num(a.ci));
                row.extend((0..nd).map(|k| Cell::Num(a.dri.get(k).copied().flatten())));
                row.push(Cell::Text(a.ci.map(interpret).unwrap_or_default().into()));
                rrow.push(row);
            }
        }
    }
    (
        Table {
            headers: ph,
            rows: prow,
        },
        Table {
            headers: rh,
            rows: rrow,
        },
    )
}

/// Writes a table as CSV (with optional `#` provenance / meaning lines) or
/// JSON (`{"provenance": …, "rows": [...]}`).
pub fn write_table(
    path: &Option<PathBuf>,
    t: &Table,
    format: FormatArg,
    digits: Option<usize>,
    comments: Option<(&Provenance, &[&str])>,
) -> anyhow::Result<()> {
    let mut out = open_output(path)?;
    match format {
        FormatArg::Csv => {
            if let Some((prov, meanings)) = comments {
                for l in prov.comment_lines() {
                    writeln!(out, "{l}")?;
                }
                for l in meanings {
                    writeln!(out, "{l}")?;
                }
            }
            let mut line = String::new();
            for (k, h) in t.headers.iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                push_csv_field(&mut line, h);
            }
            writeln!(out, "{line}")?;
            for r in &t.rows {
                line.clear();
                for (k, c) in r.iter().enumerate() {
                    if k > 0 {
                        line.push(',');
                    }
                    push_csv_field(&mut line, &c.text(digits));
                }
                writeln!(out, "{line}")?;
            }
        }
        FormatArg::Json => {
            let rows: Vec<serde_json::Value> = t
                .rows
                .iter()
                .map(|r| {
                    serde_json::Value::Object(
                        t.headers
                            .iter()
                            .zip(r)
                            .map(|(h, c)| {
                                let v = match (c, digits) {
                                    (Cell::Num(Some(x)), Some(_)) => c
                                        .text(digits)
                                        .parse::<f64>()
                                        .ok()
                                        .filter(|_| x.is_finite())
                                        .map_or(serde_json::Value::Null, |v| serde_json::json!(v)),
                                    _ => c.json(),
                                };
                                (h.clone(), v)
                            })
                            .collect(),
                    )
                })
                .collect();
            let mut doc = serde_json::json!({ "rows": rows });
            if let Some((prov, meanings)) = comments {
                doc["provenance"] = serde_json::to_value(prov)?;
                doc["notes"] = serde_json::json!(
                    meanings
                        .iter()
                        .map(|m| m.trim_start_matches("# "))
                        .collect::<Vec<_>>()
                );
            }
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()
        .with_context(|| "cannot write the output".to_string())?;
    Ok(())
}
