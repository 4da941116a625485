//! `preclin compare INPUT --between COL` — within each `--by` group,
//! compare the curve of every level of the `--between` column with the
//! reference level's curve: potency ratio with its interval, F test and
//! AICc of "one EC50 for both", parallelism.
//!
//! Each comparison is one global fit of the two curves (reference and
//! level) with the `--share`d parameters common; the statistics are
//! computed by `preclin_curve::compare`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use preclin_curve::compare::{
    CompareError, CompareOptions, CurveComparison, PotencyRatio, Selection,
};
use preclin_curve::units::ConcUnit;
use preclin_curve::{
    Covariance, CurveData, FitOptions, GlobalError, Model, Sharing, compare_curves,
};
use rayon::prelude::*;

use crate::fit::{FormatArg, open_output};
use crate::fit_table::{Cell, cells_json, write_cells_csv};
use crate::input::{Curves, InputSpec, find, read_curves, read_headers};
use crate::provenance::{Provenance, sha256_file};

/// Model family of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareModelArg {
    /// Two-parameter log-logistic (bottom 0, top 1).
    Ll2,
    /// Three-parameter (bottom 0).
    Ll3,
    /// Four-parameter (default).
    Ll4,
    /// Five-parameter (the EC50 test then compares drc's e).
    Ll5,
}

/// Which interval fills `ratio_lower` / `ratio_upper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RatioCiArg {
    /// exp(ln R ± t·SE(ln R)) (default).
    DeltaLog,
    /// Fieller's interval (Finney 1978).
    Fieller,
    /// R ± t·SE(R), drc's `interval = "delta"`.
    Delta,
}

/// How the preferred model is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelectArg {
    /// Separate EC50s when the F test has p < --alpha (default).
    FTest,
    /// The lower AICc.
    Aicc,
}

/// Covariance of the global fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VcovArg {
    /// σ²(JᵀJ)⁻¹ as nls, Prism and scipy (default).
    Jtj,
    /// The observed Hessian, as drc.
    Hessian,
}

/// Options shared by `compare` and `resistance`: input columns, model and
/// comparison settings.
#[derive(Debug, Clone, Args)]
pub struct CompareCommon {
    /// Dose column.
    #[arg(long, default_value = "dose")]
    pub dose: String,
    /// Response column.
    #[arg(long, default_value = "response")]
    pub response: String,
    /// Weight column (weights multiply squared residuals).
    #[arg(long)]
    pub weight: Option<String>,
    /// Dose unit when the table has no `dose_unit` column.
    #[arg(long, default_value = "nM")]
    pub dose_unit: String,
    /// Model family.
    #[arg(long, value_enum, default_value_t = CompareModelArg::Ll4)]
    pub model: CompareModelArg,
    /// Fix the bottom (drc c), e.g. 0.
    #[arg(long, value_name = "Y")]
    pub fix_bottom: Option<f64>,
    /// Fix the top (drc d), e.g. 100.
    #[arg(long, value_name = "Y")]
    pub fix_top: Option<f64>,
    /// Fix the slope (drc b; positive = falling).
    #[arg(long, value_name = "B")]
    pub fix_hill: Option<f64>,
    /// Parameters common to the compared curves, e.g. `top,bottom,hill`
    /// (parallel curves); default none. Never `ec50`: it is what is tested.
    #[arg(long, value_name = "LIST")]
    pub share: Option<String>,
    /// Confidence level of the ratio intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Interval written as ratio_lower / ratio_upper.
    #[arg(long, value_enum, default_value_t = RatioCiArg::DeltaLog)]
    pub ci: RatioCiArg,
    /// How preferred_model is chosen.
    #[arg(long, value_enum, default_value_t = SelectArg::FTest)]
    pub select: SelectArg,
    /// Significance level of the F tests.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Vehicle response for the absolute IC50 (default: each curve's mean
    /// response at dose 0, else 100).
    #[arg(long, value_name = "Y")]
    pub control_response: Option<f64>,
    /// Extra relative ED_p ratios to report, e.g. `--ed 10,90`.
    #[arg(long, value_delimiter = ',', value_name = "P")]
    pub ed: Vec<f64>,
    /// Covariance of the fits.
    #[arg(long, value_enum, default_value_t = VcovArg::Jtj)]
    pub vcov: VcovArg,
    /// Iteration cap of the optimiser.
    #[arg(long, default_value_t = 200)]
    pub max_iter: u32,
}

impl CompareCommon {
    /// The comparison options these arguments describe.
    pub fn options(&self) -> anyhow::Result<CompareOptions> {
        if !(self.level > 0.0 && self.level < 1.0) {
            bail!("--level must be between 0 and 1, got {}", self.level);
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            bail!("--alpha must be between 0 and 1, got {}", self.alpha);
        }
        for &p in &self.ed {
            if !(p > 0.0 && p < 100.0) {
                bail!("--ed levels must be between 0 and 100 (percent), got {p}");
            }
        }
        let share = match &self.share {
            Some(s) => Sharing::parse(s).map_err(|e| anyhow!("--share: {e}"))?,
            None => Sharing::NONE,
        };
        if share.shares(preclin_curve::models::E) {
            bail!(
                "--share: the EC50 cannot be shared, it is what the comparison tests (share top, bottom, hill)"
            );
        }
        Ok(CompareOptions {
            fit: FitOptions {
                model: match self.model {
                    CompareModelArg::Ll2 => Model::LL2,
                    CompareModelArg::Ll3 => Model::LL3,
                    CompareModelArg::Ll4 => Model::LL4,
                    CompareModelArg::Ll5 => Model::LL5,
                },
                fix_bottom: self.fix_bottom,
                fix_top: self.fix_top,
                fix_hill: self.fix_hill,
                max_iter: self.max_iter,
                ..FitOptions::default()
            },
            share,
            level: self.level,
            alpha: self.alpha,
            selection: match self.select {
                SelectArg::FTest => Selection::FTest,
                SelectArg::Aicc => Selection::Aicc,
            },
            reference: 0,
            ed_levels: self.ed.clone(),
            control_response: self.control_response,
            covariance: match self.vcov {
                VcovArg::Jtj => Covariance::GaussNewton,
                VcovArg::Hessian => Covariance::ObservedHessian,
            },
            ..CompareOptions::default()
        })
    }

    /// Options as key/value pairs for provenance.
    pub fn describe(&self, opts: &CompareOptions) -> Vec<(String, String)> {
        let mut v = vec![
            ("model".into(), opts.fit.model.name().to_string()),
            ("share".into(), opts.share.to_string()),
            ("level".into(), self.level.to_string()),
            ("ci".into(), arg_name(self.ci)),
            ("select".into(), arg_name(self.select)),
            ("alpha".into(), self.alpha.to_string()),
            ("vcov".into(), arg_name(self.vcov)),
            ("dose_unit".into(), self.dose_unit.clone()),
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

    /// The (lower, upper) chosen by `--ci`.
    pub fn interval(&self, r: &PotencyRatio) -> (Option<f64>, Option<f64>) {
        match self.ci {
            RatioCiArg::DeltaLog => (r.lower, r.upper),
            RatioCiArg::Fieller => (r.fieller_lower, r.fieller_upper),
            RatioCiArg::Delta => (r.delta_lower, r.delta_upper),
        }
    }
}

/// The command-line spelling of a value (`delta-log`, `f-test`, …).
fn arg_name<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// Arguments of `preclin compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Tidy table: CSV/TSV (delimiter detected) or XLSX; one row per well.
    pub input: PathBuf,
    /// Grouping columns, comma-separated: one comparison set per group
    /// (default: every column except dose, response, replicate, well,
    /// plate, dose_unit and --between).
    #[arg(long, value_delimiter = ',')]
    pub by: Option<Vec<String>>,
    /// The column whose levels are compared, e.g. cell_line.
    #[arg(long)]
    pub between: String,
    /// The level every other level is compared with (the denominator of the
    /// ratios); default: the first level in file order.
    #[arg(long)]
    pub reference: Option<String>,
    #[command(flatten)]
    pub common: CompareCommon,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Significant digits in the output (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
    /// Do not write the `#` comment lines (provenance, meanings) in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

/// The tidy table split into comparison pairs.
pub struct Pairs {
    /// The table's name in messages.
    pub label: String,
    /// The curves (grouped by the --by columns and the --between column).
    pub curves: Curves,
    /// Names of the --by columns (the group columns without --between).
    pub by_cols: Vec<String>,
    /// Name of the --between column as written in the header.
    pub between: String,
    /// The reference level.
    pub reference: String,
    /// One entry per (group, non-reference level): the group values, the
    /// reference curve (None when the group lacks it) and the level's curve.
    pub pairs: Vec<Pair>,
}

/// One comparison to make.
pub struct Pair {
    /// Values of the --by columns.
    pub group: Vec<String>,
    /// The level compared with the reference.
    pub level: String,
    /// Index of the reference curve in `curves`.
    pub reference: Option<usize>,
    /// Index of the level's curve.
    pub curve: usize,
}

/// Reads the table and forms the pairs. `default_by_excludes` lists
/// columns left out of the default grouping (besides --between).
pub fn read_pairs(
    input: &std::path::Path,
    common: &CompareCommon,
    by: &Option<Vec<String>>,
    between: &str,
    reference: Option<&str>,
    default_by_excludes: &[&str],
) -> anyhow::Result<Pairs> {
    let default_unit: ConcUnit = common
        .dose_unit
        .parse()
        .map_err(|e| anyhow!("--dose-unit: {e}"))?;
    let (headers, label) = read_headers(input)?;
    let Some(bi) = find(&headers, between) else {
        bail!(
            "{label}: missing --between column '{between}' (columns present: {})",
            headers.join(", ")
        );
    };
    let between = headers[bi].clone();
    let group_cols: Vec<String> = match by {
        Some(cols) => {
            if let Some(c) = cols.iter().find(|c| c.eq_ignore_ascii_case(&between)) {
                bail!("--by {c}: the --between column cannot also be a grouping column");
            }
            cols.iter().cloned().chain([between.clone()]).collect()
        }
        None => headers
            .iter()
            .filter(|h| {
                let l = h.to_ascii_lowercase();
                !h.eq_ignore_ascii_case(&common.dose)
                    && !h.eq_ignore_ascii_case(&common.response)
                    && common
                        .weight
                        .as_ref()
                        .is_none_or(|w| !h.eq_ignore_ascii_case(w))
                    && !crate::input::NON_GROUP_COLUMNS.contains(&l.as_str())
                    && !default_by_excludes.contains(&l.as_str())
                    && !h.eq_ignore_ascii_case(&between)
            })
            .cloned()
            .chain([between.clone()])
            .collect(),
    };
    let spec = InputSpec {
        dose: common.dose.clone(),
        response: common.response.clone(),
        weight: common.weight.clone(),
        by: Some(group_cols),
        default_unit,
        pool_experiments: false,
    };
    let curves = read_curves(input, &spec)?;
    if curves.missing_responses > 0 {
        eprintln!(
            "note: {label}: {} rows with an empty / NA response were skipped",
            curves.missing_responses
        );
    }
    let nb = curves.group_cols.len() - 1;
    let mut levels: Vec<String> = Vec::new();
    for k in &curves.keys {
        if !levels.contains(&k[nb]) {
            levels.push(k[nb].clone());
        }
    }
    if levels.len() < 2 {
        bail!(
            "{label}, column '{between}': only one level ('{}'); a comparison needs at least two",
            levels.first().map_or("", String::as_str)
        );
    }
    let reference = match reference {
        Some(r) => levels.iter().find(|l| *l == r).cloned().ok_or_else(|| {
            anyhow!(
                "{label}, column '{between}': reference level '{r}' not found (levels: {})",
                levels.join(", ")
            )
        })?,
        None => levels[0].clone(),
    };
    // Groups in first-appearance order.
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for (i, k) in curves.keys.iter().enumerate() {
        let g = &k[..nb];
        match groups.iter_mut().find(|(key, _)| key.as_slice() == g) {
            Some((_, m)) => m.push(i),
            None => groups.push((g.to_vec(), vec![i])),
        }
    }
    let mut pairs = Vec::new();
    for (g, members) in &groups {
        let r = members
            .iter()
            .copied()
            .find(|&i| curves.keys[i][nb] == reference);
        for lv in levels.iter().filter(|l| **l != reference) {
            if let Some(i) = members.iter().copied().find(|&i| curves.keys[i][nb] == *lv) {
                pairs.push(Pair {
                    group: g.clone(),
                    level: lv.clone(),
                    reference: r,
                    curve: i,
                });
            }
        }
    }
    Ok(Pairs {
        label,
        by_cols: curves.group_cols[..nb].to_vec(),
        curves,
        between,
        reference,
        pairs,
    })
}

/// The outcome of one pair: the comparison (or why there is none) and the
/// dose unit of its potencies.
pub struct PairResult {
    /// The comparison; Err holds the message for the output row.
    pub result: Result<CurveComparison, String>,
    /// Dose unit of the potencies (the reference curve's).
    pub unit: Option<ConcUnit>,
}

/// Compares every pair (in parallel; results in pair order). The level's
/// doses are converted to the reference curve's unit.
pub fn compare_pairs(p: &Pairs, opts: &CompareOptions) -> anyhow::Result<Vec<PairResult>> {
    // Unit conversion factors first, so that errors name the line.
    let mut factors = Vec::with_capacity(p.pairs.len());
    for pair in &p.pairs {
        let f = match pair.reference {
            Some(r) => match (p.curves.units[pair.curve], p.curves.units[r]) {
                (Some(u), Some(ru)) if u != ru => u.factor_to(ru).ok_or_else(|| {
                    anyhow!(
                        "{}, line {}: dose unit {u} of level '{}' cannot be converted to {ru}, the unit of the reference '{}' (mass and molar units need a molecular weight)",
                        p.label,
                        p.curves.first_line[pair.curve],
                        pair.level,
                        p.reference
                    )
                })?,
                _ => 1.0,
            },
            None => 1.0,
        };
        factors.push(f);
    }
    Ok(p.pairs
        .par_iter()
        .zip(factors)
        .map(|(pair, f)| {
            let Some(r) = pair.reference else {
                return PairResult {
                    result: Err(format!(
                        "reference level '{}' is absent from this group",
                        p.reference
                    )),
                    unit: p.curves.units[pair.curve],
                };
            };
            let rc = p.curves.data.get(r);
            let lc = p.curves.data.get(pair.curve);
            let scaled: Vec<f64>;
            let lc = if f != 1.0 {
                scaled = lc.dose.iter().map(|d| d * f).collect();
                CurveData {
                    dose: &scaled,
                    ..lc
                }
            } else {
                lc
            };
            let result = compare_curves(&[rc, lc], opts).map_err(|e| match e {
                CompareError::Fit(GlobalError::Curve { curve, source }) => format!(
                    "{} curve: {source}",
                    if curve == 0 { "reference" } else { "level" }
                ),
                other => other.to_string(),
            });
            PairResult {
                result,
                unit: p.curves.units[r],
            }
        })
        .collect())
}

/// Meanings written at the top of the CSV output.
pub const MEANINGS: [&str; 6] = [
    "# ec50_ratio = EC50(level) / EC50(reference) (relative EC50s, from one global fit of the two curves with the shared parameters common); ratio_lower/upper = its interval (see ci in the options)",
    "# f_stat, p_value = extra-sum-of-squares F test of one EC50 for both curves (null) against one each; aic_delta = AICc(one EC50) - AICc(one each): > 0 favours separate EC50s",
    "# preferred_model = separate (the EC50s differ) or shared (one EC50 fits both), by the F test at alpha or by AICc (see select)",
    "# ic50_ratio = ratio of absolute IC50s (50% of each curve's vehicle response); parallel_f/p = F test of one hill slope for both curves (p < alpha: flag not_parallel, the ratio depends on the response level)",
    "# drc_se, drc_t, drc_p = drc's compParm/EDcomp convention: SE of the ratio on its own scale and the t test of ratio = 1",
    "# empty cell = value does not exist (see flags); flags: not_converged null_not_converged at_bound no_standard_errors not_parallel fieller_unbounded extrapolated never_reached",
];

/// Column names after the --by columns.
fn columns(ed: &[f64]) -> Vec<String> {
    let mut c: Vec<String> = [
        "reference",
        "level",
        "ec50_ratio",
        "ratio_lower",
        "ratio_upper",
        "f_stat",
        "p_value",
        "aic_delta",
        "preferred_model",
        "ec50_reference",
        "ec50_level",
        "ratio_se_log",
        "ratio_p",
        "fieller_lower",
        "fieller_upper",
        "drc_se",
        "drc_t",
        "drc_p",
        "ic50_ratio",
        "ic50_ratio_lower",
        "ic50_ratio_upper",
        "ic50_ratio_p",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in ed {
        let tag = crate::format::fmt_f64(*p, None).replace('.', "_");
        c.push(format!("ed{tag}_ratio"));
        c.push(format!("ed{tag}_ratio_lower"));
        c.push(format!("ed{tag}_ratio_upper"));
    }
    c.extend(
        [
            "df1",
            "df2",
            "prob_separate",
            "parallel_f",
            "parallel_p",
            "n_reference",
            "n_level",
            "model",
            "shared",
            "flags",
            "dose_unit",
            "message",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    c
}

/// The cells of one comparison row (after the --by columns).
fn row(
    common: &CompareCommon,
    opts: &CompareOptions,
    reference: &str,
    pair: &Pair,
    res: &PairResult,
) -> Vec<Cell> {
    let mut c = vec![Cell::Text(reference.into()), Cell::Text(pair.level.clone())];
    let num = Cell::Num;
    let unit = Cell::opt_text(res.unit.map(|u| u.symbol().to_string()).unwrap_or_default());
    let cmp = match &res.result {
        Ok(cmp) => cmp,
        Err(msg) => {
            let n = columns(&opts.ed_levels).len();
            c.resize_with(n - 2, || Cell::Num(None));
            c.push(unit);
            c.push(Cell::opt_text(msg.clone()));
            return c;
        }
    };
    let lvl = &cmp.levels[0];
    let er = lvl.ec50_ratio;
    let (lo, hi) = er.as_ref().map_or((None, None), |r| common.interval(r));
    let t = cmp.ec50_test;
    c.extend([
        num(er.map(|r| r.ratio)),
        num(lo),
        num(hi),
        num(t.and_then(|t| t.f)),
        num(t.map(|t| t.p_value)),
        num(t.and_then(|t| t.aicc_delta)),
        Cell::Text(
            cmp.preferred
                .map(|p| p.name().to_string())
                .unwrap_or_default(),
        ),
        num(er.map(|r| r.denominator)),
        num(er.map(|r| r.numerator)),
        num(er.and_then(|r| r.se_log)),
        num(er.and_then(|r| r.p_log)),
        num(er.and_then(|r| r.fieller_lower)),
        num(er.and_then(|r| r.fieller_upper)),
        num(er.and_then(|r| r.se)),
        num(er.and_then(|r| r.t_drc)),
        num(er.and_then(|r| r.p_drc)),
    ]);
    let ir = lvl.ic50_ratio;
    let (ilo, ihi) = ir.as_ref().map_or((None, None), |r| common.interval(r));
    c.extend([
        num(ir.map(|r| r.ratio)),
        num(ilo),
        num(ihi),
        num(ir.and_then(|r| r.p_log)),
    ]);
    for (_, r) in &lvl.ed_ratios {
        let (l, h) = r.as_ref().map_or((None, None), |r| common.interval(r));
        c.extend([num(r.map(|r| r.ratio)), num(l), num(h)]);
    }
    let pt = cmp.parallel_test;
    c.extend([
        t.map_or(Cell::Num(None), |t| Cell::Int(t.df1)),
        t.map_or(Cell::Num(None), |t| Cell::Int(t.df2)),
        num(t.and_then(|t| t.prob_alt)),
        num(pt.and_then(|t| t.f)),
        num(pt.map(|t| t.p_value)),
        Cell::Int(cmp.alt.n_curve[0]),
        Cell::Int(cmp.alt.n_curve[1]),
        Cell::Text(cmp.alt.model.name().into()),
        Cell::Text(cmp.alt.sharing.to_string()),
        Cell::Text(lvl.flags.to_string()),
        unit,
        Cell::OptText(None),
    ]);
    c
}

/// Runs `preclin compare`.
pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let opts = args.common.options()?;
    let pairs = read_pairs(
        &args.input,
        &args.common,
        &args.by,
        &args.between,
        args.reference.as_deref(),
        &[],
    )?;
    let results = compare_pairs(&pairs, &opts)?;
    let hash = sha256_file(&args.input)?;
    let mut options = args.common.describe(&opts);
    options.push(("between".into(), pairs.between.clone()));
    options.push(("reference".into(), pairs.reference.clone()));
    let prov = Provenance::new(vec![(args.input.display().to_string(), hash)], options);
    let header: Vec<String> = pairs
        .by_cols
        .iter()
        .cloned()
        .chain(columns(&opts.ed_levels))
        .collect();
    let rows: Vec<Vec<Cell>> = pairs
        .pairs
        .iter()
        .zip(&results)
        .map(|(pair, res)| {
            pair.group
                .iter()
                .map(|g| Cell::Text(g.clone()))
                .chain(row(&args.common, &opts, &pairs.reference, pair, res))
                .collect()
        })
        .collect();
    let mut out = open_output(&args.output)?;
    match args.format {
        FormatArg::Csv => {
            let comments: Vec<String> = if args.no_comments {
                Vec::new()
            } else {
                prov.comment_lines()
                    .into_iter()
                    .chain(MEANINGS.iter().map(|s| s.to_string()))
                    .collect()
            };
            write_cells_csv(&mut out, &comments, &header, &rows, args.digits)?;
        }
        FormatArg::Json => {
            let doc = serde_json::json!({
                "provenance": prov,
                "notes": MEANINGS.iter().map(|m| m.trim_start_matches("# ")).collect::<Vec<_>>(),
                "comparisons": cells_json(&header, &rows),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()
        .with_context(|| "cannot write the output".to_string())?;
    Ok(())
}
