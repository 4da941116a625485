//! `preclin fit INPUT` — fit dose–response curves in a tidy table.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use preclin_curve::experiments::across_experiments;
use preclin_curve::units::ConcUnit;
use preclin_curve::{
    CiMethod, FitOptions, Model, ModelChoice, PackedCurves, SummaryOptions, fit_packed,
};
use rayon::prelude::*;

use crate::fit_table::{
    Cell, MEANINGS, POTENCY_COLUMNS, ResultRow, fit_cells, fit_columns, fit_json, potency_cells,
};
use crate::input::{InputSpec, read_curves};
use crate::provenance::{Provenance, sha256_file};

/// Model choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// Two-parameter log-logistic (bottom 0, top 1).
    Ll2,
    /// Three-parameter (bottom 0).
    Ll3,
    /// Four-parameter (default).
    Ll4,
    /// Five-parameter (asymmetric).
    Ll5,
    /// The lowest AIC among LL.3, LL.4 and LL.5.
    Auto,
}

/// Confidence-interval method on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiArg {
    /// exp(ln x ± t·SE(ln x)), log-symmetric (default).
    DeltaLog,
    /// x ± t·SE(x), drc's `interval = "delta"`.
    Delta,
    /// Profile likelihood (Prism's asymmetric interval; LL.2–LL.4).
    Profile,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values (default).
    Csv,
    /// One JSON document.
    Json,
}

/// Options shared by every command that fits curves.
#[derive(Debug, Clone, Args)]
pub struct FitModelArgs {
    /// Model family.
    #[arg(long, value_enum, default_value_t = ModelArg::Ll4)]
    pub model: ModelArg,
    /// Fix the bottom (drc c, the high-dose asymptote), e.g. 0.
    #[arg(long, value_name = "Y")]
    pub fix_bottom: Option<f64>,
    /// Fix the top (drc d, the low-dose asymptote), e.g. 100.
    #[arg(long, value_name = "Y")]
    pub fix_top: Option<f64>,
    /// Fix the slope (drc b; positive = falling).
    #[arg(long, value_name = "B")]
    pub fix_hill: Option<f64>,
    /// Confidence-interval method for EC50 / IC50 / ED_p.
    #[arg(long, value_enum, default_value_t = CiArg::DeltaLog)]
    pub ci: CiArg,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Vehicle response for the absolute IC50, AUC and DSS (default: the
    /// mean response at dose 0 of each curve, else 100).
    #[arg(long, value_name = "Y")]
    pub control_response: Option<f64>,
    /// Extra relative ED_p levels to report, e.g. `--ed 10,90`.
    #[arg(long, value_delimiter = ',', value_name = "P")]
    pub ed: Vec<f64>,
    /// Iteration cap of the optimiser.
    #[arg(long, default_value_t = 200)]
    pub max_iter: u32,
}

impl FitModelArgs {
    /// The fit and summary options these arguments describe.
    pub fn options(&self) -> anyhow::Result<(ModelChoice, SummaryOptions)> {
        if !(self.level > 0.0 && self.level < 1.0) {
            bail!("--level must be between 0 and 1, got {}", self.level);
        }
        for &p in &self.ed {
            if !(p > 0.0 && p < 100.0) {
                bail!("--ed levels must be between 0 and 100 (percent), got {p}");
            }
        }
        let model = match self.model {
            ModelArg::Ll2 => Model::LL2,
            ModelArg::Ll3 => Model::LL3,
            ModelArg::Ll4 | ModelArg::Auto => Model::LL4,
            ModelArg::Ll5 => Model::LL5,
        };
        let base = FitOptions {
            model,
            fix_bottom: self.fix_bottom,
            fix_top: self.fix_top,
            fix_hill: self.fix_hill,
            max_iter: self.max_iter,
            ..FitOptions::default()
        };
        let choice = if self.model == ModelArg::Auto {
            ModelChoice::auto_from(&base)
        } else {
            ModelChoice::Fixed(base)
        };
        let sum = SummaryOptions {
            ci: match self.ci {
                CiArg::DeltaLog => CiMethod::DeltaLog,
                CiArg::Delta => CiMethod::DeltaNatural,
                CiArg::Profile => CiMethod::Profile,
            },
            level: self.level,
            control_response: self.control_response,
            ed_levels: self.ed.clone(),
            ..SummaryOptions::default()
        };
        Ok((choice, sum))
    }

    /// Options as key/value pairs for provenance.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("model".into(), format!("{:?}", self.model).to_lowercase()),
            ("ci".into(), format!("{:?}", self.ci).to_lowercase()),
            ("level".into(), self.level.to_string()),
        ];
        for (k, x) in [
            ("fix_bottom", self.fix_bottom),
            ("fix_top", self.fix_top),
            ("fix_hill", self.fix_hill),
            ("control_response", self.control_response),
        ] {
            if let Some(x) = x {
                v.push((k.into(), x.to_string()));
            }
        }
        if !self.ed.is_empty() {
            let e: Vec<String> = self.ed.iter().map(|x| x.to_string()).collect();
            v.push(("ed".into(), e.join(",")));
        }
        v
    }
}

/// Arguments of `preclin fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Tidy table: CSV/TSV (delimiter detected) or XLSX; one row per well.
    pub input: PathBuf,
    /// Dose column.
    #[arg(long, default_value = "dose")]
    pub dose: String,
    /// Response column.
    #[arg(long, default_value = "response")]
    pub response: String,
    /// Weight column (weights multiply squared residuals).
    #[arg(long)]
    pub weight: Option<String>,
    /// Grouping columns, comma-separated (default: every column except
    /// dose, response, replicate, well, plate, dose_unit).
    #[arg(long, value_delimiter = ',')]
    pub by: Option<Vec<String>>,
    /// Dose unit when the table has no `dose_unit` column.
    #[arg(long, default_value = "nM")]
    pub dose_unit: String,
    /// Unit of ec50 / ic50 and limits in the output (default: the input's).
    #[arg(long)]
    pub output_unit: Option<String>,
    /// Pool the wells of all experiments into one curve instead of fitting
    /// each `experiment` separately.
    #[arg(long)]
    pub pool: bool,
    #[command(flatten)]
    pub model: FitModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Across-experiment summary file (default with -o: <stem>_experiments.<ext>).
    #[arg(long)]
    pub summary_out: Option<PathBuf>,
    /// Significant digits in the output (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
    /// Do not write the `#` comment lines (provenance, meanings) in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

pub(crate) fn open_output(path: &Option<PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Curves fitted per parallel chunk (bounds the memory of results).
const CHUNK: usize = 16_384;

/// Runs `preclin fit`.
pub fn run(args: FitArgs) -> anyhow::Result<()> {
    let default_unit: ConcUnit = args
        .dose_unit
        .parse()
        .map_err(|e| anyhow!("--dose-unit: {e}"))?;
    let out_unit: Option<ConcUnit> = match &args.output_unit {
        Some(u) => Some(u.parse().map_err(|e| anyhow!("--output-unit: {e}"))?),
        None => None,
    };
    let (choice, sum_opts) = args.model.options()?;
    let spec = InputSpec {
        dose: args.dose.clone(),
        response: args.response.clone(),
        weight: args.weight.clone(),
        by: args.by.clone(),
        default_unit,
        pool_experiments: args.pool,
    };
    let curves = read_curves(&args.input, &spec)?;
    if curves.missing_responses > 0 {
        eprintln!(
            "note: {}: {} rows with an empty / NA response were skipped",
            args.input.display(),
            curves.missing_responses
        );
    }
    let hash = sha256_file(&args.input)?;
    let mut options = args.model.describe();
    options.push(("dose_unit".into(), default_unit.symbol().into()));
    if let Some(u) = out_unit {
        options.push(("output_unit".into(), u.symbol().into()));
    }
    if args.pool {
        options.push(("pool".into(), "true".into()));
    }
    let prov = Provenance::new(vec![(args.input.display().to_string(), hash)], options);
    // Output unit and conversion factor per curve.
    let conv: Vec<(Option<ConcUnit>, f64)> = curves
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| match (u, out_unit) {
            (Some(u), Some(o)) => u.factor_to(o).map(|f| (Some(o), f)).ok_or_else(|| {
                anyhow!(
                    "{}: curve starting at line {}: unit {u} cannot be converted to --output-unit {o} (mass and molar units need a molecular weight)",
                    args.input.display(),
                    curves.first_line[i]
                )
            }),
            (u, _) => Ok((*u, 1.0)),
        })
        .collect::<anyhow::Result<_>>()?;

    let mut out = open_output(&args.output)?;
    let cols = fit_columns(&sum_opts.ed_levels);
    let progress = progress_bar(curves.keys.len());
    // Potencies for the across-experiment summary.
    let exp_col = curves
        .group_cols
        .iter()
        .position(|c| c.eq_ignore_ascii_case("experiment"));
    let mut potencies: Vec<(Option<f64>, Option<f64>)> = Vec::with_capacity(curves.keys.len());
    let mut json_rows = Vec::new();
    if args.format == FormatArg::Csv && !args.no_comments {
        for l in prov
            .comment_lines()
            .iter()
            .map(String::as_str)
            .chain(MEANINGS)
        {
            writeln!(out, "{l}")?;
        }
    }
    if args.format == FormatArg::Csv {
        let header: Vec<String> = curves
            .group_cols
            .iter()
            .cloned()
            .chain(cols.clone())
            .collect();
        let mut line = String::new();
        for (k, c) in header.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            push_csv_field(&mut line, c);
        }
        writeln!(out, "{line}")?;
    }
    let mut chunk = PackedCurves::new();
    let mut start = 0;
    while start < curves.keys.len() {
        let end = (start + CHUNK).min(curves.keys.len());
        chunk.clear();
        chunk.weight = curves.data.weight.as_ref().map(|_| Vec::new());
        for i in start..end {
            let c = curves.data.get(i);
            chunk.push(c.dose, c.response);
            if let (Some(w), Some(cw)) = (chunk.weight.as_mut(), c.weight) {
                w.extend_from_slice(cw);
            }
        }
        let results = fit_packed(&chunk, &choice, &sum_opts);
        let row = |j: usize| {
            let i = start + j;
            ResultRow {
                key: &curves.keys[i],
                unit: conv[i].0,
                factor: conv[i].1,
                summary: &results[j],
            }
        };
        for (j, s) in results.iter().enumerate() {
            let f = conv[start + j].1;
            potencies.push((s.ec50.map(|v| v * f), s.ic50.map(|v| v * f)));
        }
        match args.format {
            FormatArg::Csv => {
                // Rows are formatted in parallel (one CSV line each, quoted
                // as the csv crate would) and written in order.
                let lines: Vec<String> = (0..results.len())
                    .into_par_iter()
                    .map(|j| {
                        let r = row(j);
                        let mut line = String::with_capacity(512);
                        let cells = fit_cells(&r, args.digits);
                        for (k, c) in r.key.iter().chain(cells.iter()).enumerate() {
                            if k > 0 {
                                line.push(',');
                            }
                            push_csv_field(&mut line, c);
                        }
                        line.push('\n');
                        line
                    })
                    .collect();
                for l in &lines {
                    out.write_all(l.as_bytes())?;
                }
            }
            FormatArg::Json => {
                for j in 0..results.len() {
                    json_rows.push(fit_json(&curves.group_cols, &row(j), &sum_opts.ed_levels));
                }
            }
        }
        if let Some(p) = &progress {
            p.inc((end - start) as u64);
        }
        start = end;
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let experiments = exp_col
        .filter(|_| !args.pool)
        .map(|ec| experiment_summary(&curves.group_cols, &curves.keys, &conv, &potencies, ec));
    match args.format {
        FormatArg::Csv => {
            out.flush()?;
            if let Some(table) = experiments {
                let path = args.summary_out.clone().or_else(|| {
                    args.output.as_ref().map(|p| {
                        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("fit");
                        p.with_file_name(format!("{stem}_experiments.csv"))
                    })
                });
                match path {
                    Some(p) => {
                        let mut w = csv::Writer::from_path(&p)
                            .with_context(|| format!("{}: cannot create", p.display()))?;
                        w.write_record(&table.0)?;
                        for r in &table.1 {
                            w.write_record(r.iter().map(|c| c.text(args.digits)))?;
                        }
                        w.flush()?;
                        eprintln!("note: across-experiment summary written to {}", p.display());
                    }
                    None => eprintln!(
                        "note: the table has an `experiment` column: each experiment was fitted separately; pass -o or --summary-out for the across-experiment summary, or --pool to fit all wells together"
                    ),
                }
            }
        }
        FormatArg::Json => {
            let mut doc = serde_json::json!({
                "provenance": prov,
                "notes": MEANINGS.iter().map(|m| m.trim_start_matches("# ")).collect::<Vec<_>>(),
                "curves": json_rows,
            });
            if let Some((h, rows)) = experiments {
                let objs: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let m: serde_json::Map<String, serde_json::Value> = h
                            .iter()
                            .zip(r)
                            .map(|(k, v)| (k.clone(), v.json()))
                            .collect();
                        serde_json::Value::Object(m)
                    })
                    .collect();
                doc["experiments"] = serde_json::Value::Array(objs);
            }
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Geometric-mean EC50 / IC50 and mean pEC50 / pIC50 ± SEM per group
/// without the experiment column.
fn experiment_summary(
    group_cols: &[String],
    keys: &[Vec<String>],
    conv: &[(Option<ConcUnit>, f64)],
    potencies: &[(Option<f64>, Option<f64>)],
    exp_col: usize,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut members: std::collections::HashMap<(Vec<String>, Option<ConcUnit>), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        let mut g = k.clone();
        g.remove(exp_col);
        let key = (g.clone(), conv[i].0);
        if !members.contains_key(&key) {
            order.push(g);
        }
        members.entry(key).or_default().push(i);
    }
    let mut header: Vec<String> = group_cols
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != exp_col)
        .map(|(_, c)| c.clone())
        .collect();
    header.extend(POTENCY_COLUMNS.iter().map(|c| c.to_string()));
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for g in order {
        for ((kg, unit), idx) in members.iter().filter(|((kg, _), _)| *kg == g) {
            if !seen.insert((kg.clone(), *unit)) {
                continue;
            }
            let to_molar = unit
                .filter(|u| u.is_molar())
                .and_then(|u| u.to_molar(1.0, None).ok())
                .map(|m| m.0);
            let ec: Vec<Option<f64>> = idx.iter().map(|&i| potencies[i].0).collect();
            let ic: Vec<Option<f64>> = idx.iter().map(|&i| potencies[i].1).collect();
            let se = across_experiments(&ec, to_molar);
            let si = across_experiments(&ic, to_molar);
            let mut r: Vec<Cell> = kg.iter().map(|s| Cell::Text(s.clone())).collect();
            r.extend(potency_cells(idx.len(), &se, &si, *unit));
            rows.push(r);
        }
    }
    (header, rows)
}

/// Appends one CSV field, quoted (with doubled quotes) when it holds a
/// comma, a quote, a line break, or leading / trailing spaces.
pub(crate) fn push_csv_field(line: &mut String, field: &str) {
    let needs =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// A progress bar on a terminal for long jobs; None when piped or small.
pub fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if total < 50_000 || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} curves ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}
