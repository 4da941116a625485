//! `preclin qpcr` (relative expression), `preclin qpcr efficiency`
//! (standard curves), `preclin qpcr genorm` (reference-gene stability) and
//! `preclin rdml` (what an RDML file holds; its Cq tables).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use preclin_invitro::qpcr::ddct::{DdctOptions, DdctResult, Method, Tubes, relative_expression};
use preclin_invitro::qpcr::efficiency::{delta_ct_slope, standard_curves};
use preclin_invitro::qpcr::genorm::{QuantitySource, genorm_from_set};
use preclin_invitro::qpcr::import_rdml::RdmlFile;
use preclin_invitro::qpcr::pfaffl::read_efficiency_file;
use preclin_invitro::qpcr::qc::{QcOptions, Severity, qc};
use preclin_invitro::qpcr::replicates::{ReplicateOptions, Undetected};
use preclin_invitro::qpcr::stats::Test;
use preclin_invitro::qpcr::tidy::{
    CqSet, ReadOptions, apply_groups, read_cq_file, read_group_sheet,
};
use preclin_report::adapt::fold_change_figure;
use preclin_report::figures::fold_change::ErrorBars;

use crate::fit::FormatArg;
use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::table_out::{OutTable, n, t, write_main, write_side};

/// Quantification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// ΔΔCt, 100 % efficiency (Livak & Schmittgen 2001).
    Livak,
    /// Efficiency-corrected ratio (Pfaffl 2001; several references as qbase).
    Pfaffl,
}

/// pcr's designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TubesArg {
    /// Target and reference in separate wells (error √(sd_t² + sd_r²)).
    Separate,
    /// Target and reference in the same well (error sd(ΔCt)).
    Same,
}

/// Test on ΔCt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestArg {
    /// Welch's t test (default; R t.test).
    Welch,
    /// Student's t test with pooled variance.
    Pooled,
    /// Wilcoxon rank-sum / Mann–Whitney (exact for small samples).
    #[value(alias = "mann-whitney")]
    Wilcoxon,
    /// Dunnett's many-to-one comparisons (one-way ANOVA model).
    Dunnett,
}

/// Input options shared by the qPCR commands.
#[derive(Debug, Clone, Args)]
pub struct CqInputArgs {
    /// Sample sheet `sample,group` (overrides groups in the file).
    #[arg(long, value_name = "FILE")]
    pub groups: Option<PathBuf>,
    /// RDML sample annotation holding the group (default: the one
    /// annotation every sample has).
    #[arg(long, value_name = "NAME")]
    pub group_annotation: Option<String>,
    /// Sheet of a workbook (default: `Results`, else the first).
    #[arg(long)]
    pub sheet: Option<String>,
}

impl CqInputArgs {
    /// Reads the Cq file and applies the sample sheet.
    pub fn read(&self, input: &PathBuf) -> anyhow::Result<CqSet> {
        let mut set = read_cq_file(
            input,
            &ReadOptions {
                sheet: self.sheet.clone(),
                group_annotation: self.group_annotation.clone(),
            },
        )?;
        if let Some(g) = &self.groups {
            apply_groups(&mut set, &read_group_sheet(g)?);
        }
        Ok(set)
    }
}

/// Output options shared by the qPCR commands.
#[derive(Debug, Clone, Args)]
pub struct OutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Significant digits (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
    /// No `#` comment lines in CSV.
    #[arg(long)]
    pub no_comments: bool,
}

/// Arguments of `preclin qpcr INPUT`.
#[derive(Debug, Clone, Args)]
pub struct QpcrRunArgs {
    /// Cq file: tidy CSV/XLSX (sample, group, gene, ct), RDML (.rdml/.xml),
    /// QuantStudio/StepOne or Bio-Rad CFX export.
    #[arg(required = true)]
    pub input: Option<PathBuf>,
    /// Reference gene(s), comma-separated (arithmetic mean of their Cts).
    #[arg(long, value_delimiter = ',', required = true, value_name = "GENE")]
    pub reference: Vec<String>,
    /// Control group (calibrator), e.g. DMSO.
    #[arg(long, required = true, value_name = "GROUP")]
    pub control: Option<String>,
    /// Quantification method.
    #[arg(long, value_enum, default_value_t = MethodArg::Livak)]
    pub method: MethodArg,
    /// Design: target and reference in separate wells or the same well.
    #[arg(long, value_enum, default_value_t = TubesArg::Separate)]
    pub tubes: TubesArg,
    /// Efficiencies `gene,efficiency` (fold, e.g. 1.95) or
    /// `gene,efficiency_pct` (the output of `preclin qpcr efficiency` works);
    /// default for Pfaffl: the efficiencies stored in an RDML file.
    #[arg(long, value_name = "FILE")]
    pub efficiency: Option<PathBuf>,
    /// Test of each group's ΔCt against the control's.
    #[arg(long, value_enum, default_value_t = TestArg::Welch)]
    pub test: TestArg,
    /// Not-detected wells: `drop` (default) or a Cq to substitute, e.g. 40.
    #[arg(long, default_value = "drop", value_name = "drop|CQ")]
    pub undetected: String,
    /// Technical-replicate spread (cycles) above which a sample is flagged.
    #[arg(long, default_value_t = 0.5)]
    pub max_spread: f64,
    /// Cq above which a well is flagged late (QC).
    #[arg(long, default_value_t = 35.0)]
    pub cq_limit: f64,
    /// Per-sample ΔCt table (CSV).
    #[arg(long, value_name = "FILE")]
    pub samples_out: Option<PathBuf>,
    /// QC findings table (CSV).
    #[arg(long, value_name = "FILE")]
    pub qc_out: Option<PathBuf>,
    /// Fold-change bar chart (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// log2 y axis in the figure.
    #[arg(long)]
    pub log2: bool,
    /// Error bars of the figure: the 95 % CI instead of pcr's ±SD band.
    #[arg(long)]
    pub figure_ci: bool,
    #[command(flatten)]
    pub input_opts: CqInputArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

/// `preclin qpcr`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct QpcrArgs {
    #[command(subcommand)]
    command: Option<QpcrCommand>,
    #[command(flatten)]
    run: QpcrRunArgs,
}

#[derive(Debug, Subcommand)]
enum QpcrCommand {
    /// Standard curves: slope, E = 10^(−1/slope), efficiency %, R², linear range.
    Efficiency(EfficiencyArgs),
    /// geNorm M values and stepwise ranking of candidate reference genes.
    Genorm(GenormArgs),
}

/// `preclin qpcr efficiency INPUT`.
#[derive(Debug, Args)]
pub struct EfficiencyArgs {
    /// Cq file with quantities (RDML standards, instrument export, or a tidy
    /// table with a `quantity` / `amount` column).
    pub input: PathBuf,
    /// Also report the slope of ΔCt (gene − REFERENCE) on log10 quantity
    /// (Livak's check that ΔΔCt is valid: |slope| < 0.1).
    #[arg(long, value_name = "GENE")]
    pub reference: Option<String>,
    /// Levels with a mean Cq above this are outside the linear range.
    #[arg(long, default_value_t = 35.0)]
    pub cq_limit: f64,
    #[command(flatten)]
    pub input_opts: CqInputArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Quantities for geNorm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QuantityArg {
    /// Ncopy/N0 from the file when every well has one, else Cq.
    Auto,
    /// 2^−Cq (or E^−Cq with --efficiency).
    Cq,
    /// The software's quantity (RDML Ncopy, else N0).
    Ncopy,
}

/// `preclin qpcr genorm INPUT`.
#[derive(Debug, Args)]
pub struct GenormArgs {
    /// Cq file.
    pub input: PathBuf,
    /// Candidate genes (default: all).
    #[arg(long, value_delimiter = ',', value_name = "GENE")]
    pub genes: Vec<String>,
    /// Source of the quantities.
    #[arg(long, value_enum, default_value_t = QuantityArg::Auto)]
    pub quantity: QuantityArg,
    /// Efficiencies for Cq-based quantities (as for `preclin qpcr`).
    #[arg(long, value_name = "FILE")]
    pub efficiency: Option<PathBuf>,
    /// Elimination steps (CSV: n_genes, gene, m, removed).
    #[arg(long, value_name = "FILE")]
    pub steps_out: Option<PathBuf>,
    #[command(flatten)]
    pub input_opts: CqInputArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Column meanings of the relative-expression table.
const MEANINGS: [&str; 7] = [
    "delta_ct = mean over samples of Ct(target) - mean Ct(reference genes); technical replicates averaged first; samples are the unit of statistics",
    "delta_delta_ct = delta_ct(group) - delta_ct(control); fold_change = 2^-delta_delta_ct (> 1 = higher than in the control)",
    "fold_lower, fold_upper = 2^-(delta_delta_ct +/- s), pcr's band: +/-1 SD of the group (s = sqrt(sd_target^2 + sd_reference^2) for separate tubes, sd(delta_ct) for the same tube); NOT a confidence interval",
    "ci_lower, ci_upper = 95% confidence interval of the fold change from the biological replicates (2^- of the CI of the difference in mean delta_ct, from the test in column test)",
    "p_value = test of the group's delta_ct against the control's; p_adjusted = Holm over the gene's groups (Dunnett: its own adjustment); anova_p = one-way ANOVA F test of the gene over all groups (Dunnett only)",
    "pfaffl: every Ct is multiplied by log2(E) of its gene first (efficiency-corrected ratio); delta_ct is then in cycles at 100% efficiency",
    "empty cell = value does not exist (see flags); not-detected wells are never read as 0",
];

fn method(m: MethodArg) -> Method {
    match m {
        MethodArg::Livak => Method::Livak,
        MethodArg::Pfaffl => Method::Pfaffl,
    }
}

fn undetected(s: &str) -> anyhow::Result<Undetected> {
    if s.eq_ignore_ascii_case("drop") {
        return Ok(Undetected::Drop);
    }
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 60.0 => Ok(Undetected::Substitute(v)),
        _ => bail!("--undetected must be 'drop' or a Cq between 0 and 60, got '{s}'"),
    }
}

/// Runs `preclin qpcr …`.
pub fn run(args: QpcrArgs) -> anyhow::Result<()> {
    match args.command {
        Some(QpcrCommand::Efficiency(a)) => run_efficiency(a),
        Some(QpcrCommand::Genorm(a)) => run_genorm(a),
        None => run_relative(args.run),
    }
}

fn run_relative(a: QpcrRunArgs) -> anyhow::Result<()> {
    let Some(input) = a.input.clone() else {
        bail!("an INPUT file is required");
    };
    let Some(control) = a.control.clone() else {
        bail!("--control GROUP is required");
    };
    if !(a.max_spread > 0.0) {
        bail!("--max-spread must be positive");
    }
    let set = a.input_opts.read(&input)?;
    let mut opts = DdctOptions::new(&[], &control);
    opts.reference = a.reference.clone();
    opts.method = method(a.method);
    opts.tubes = match a.tubes {
        TubesArg::Separate => Tubes::Separate,
        TubesArg::Same => Tubes::Same,
    };
    opts.test = match a.test {
        TestArg::Welch => Test::Welch,
        TestArg::Pooled => Test::Pooled,
        TestArg::Wilcoxon => Test::MannWhitney,
        TestArg::Dunnett => Test::Dunnett,
    };
    opts.replicates = ReplicateOptions {
        undetected: undetected(&a.undetected)?,
        max_spread: a.max_spread,
    };
    let mut inputs = vec![(input.display().to_string(), sha256_file(&input)?)];
    opts.efficiencies = set.efficiencies.clone();
    if let Some(f) = &a.efficiency {
        opts.efficiencies = read_efficiency_file(f)?;
        inputs.push((f.display().to_string(), sha256_file(f)?));
    }
    if let Some(g) = &a.input_opts.groups {
        inputs.push((g.display().to_string(), sha256_file(g)?));
    }
    let result = relative_expression(&set, &opts)?;
    // QC to standard error and optionally a file.
    let flags = qc(
        &set,
        &opts.reference,
        &QcOptions {
            cq_limit: a.cq_limit,
            max_spread: a.max_spread,
            ..Default::default()
        },
    );
    report_qc(&flags);
    if let Some(p) = &a.qc_out {
        write_side(p, &qc_table(&flags), None)?;
    }
    let nd = set.n_not_detected();
    if nd > 0 {
        eprintln!(
            "note: {}: {nd} wells not detected ({}), never read as 0",
            input.display(),
            match opts.replicates.undetected {
                Undetected::Drop =>
                    "left out; samples without any detected replicate are left out of that gene"
                        .to_string(),
                Undetected::Substitute(v) =>
                    format!("Cq {v} substituted: fold changes involving them are bounds"),
            }
        );
    }
    let options = vec![
        ("reference".into(), opts.reference.join(",")),
        ("control".into(), control.clone()),
        ("method".into(), format!("{:?}", a.method).to_lowercase()),
        ("tubes".into(), format!("{:?}", a.tubes).to_lowercase()),
        ("test".into(), opts.test.name().into()),
        ("undetected".into(), a.undetected.clone()),
        ("max_spread".into(), a.max_spread.to_string()),
    ];
    let prov = Provenance::new(inputs, options);
    let table = relative_table(&result);
    let mut extra = vec![("samples", sample_table(&result).json_rows())];
    extra.push(("qc", qc_table(&flags).json_rows()));
    if !result.anova_p.is_empty() {
        extra.push(("anova_p", serde_json::json!(result.anova_p)));
    }
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "results",
        &table,
        &prov,
        &MEANINGS,
        extra,
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.samples_out {
        write_side(p, &sample_table(&result), a.out.digits)?;
    }
    if let Some(p) = &a.figure {
        let fig = fold_change_figure(
            &result,
            "",
            a.log2,
            if a.figure_ci {
                ErrorBars::Ci
            } else {
                ErrorBars::Sd
            },
        );
        std::fs::write(p, fig.to_svg())
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

pub(crate) fn relative_table(r: &DdctResult) -> OutTable {
    let mut tab = OutTable::new(&[
        "gene",
        "group",
        "n",
        "delta_ct",
        "delta_delta_ct",
        "fold_change",
        "fold_lower",
        "fold_upper",
        "ci_lower",
        "ci_upper",
        "p_value",
        "p_adjusted",
        "test",
        "delta_ct_sd",
        "error",
        "n_not_detected",
        "anova_p",
        "method",
        "tubes",
        "flags",
    ]);
    let o = &r.options;
    for x in &r.rows {
        tab.rows.push(vec![
            t(&x.gene),
            t(&x.group),
            Cell::Int(x.n),
            n(x.delta_ct),
            n(x.delta_delta_ct),
            n(x.fold_change),
            n(x.fold_lower),
            n(x.fold_upper),
            n(x.ci_lower),
            n(x.ci_upper),
            n(x.p_value),
            n(x.p_adjusted),
            t(if x.is_control { "" } else { o.test.name() }),
            n(x.delta_ct_sd),
            n(x.error),
            Cell::Int(x.n_not_detected),
            n(r.anova_p.get(&x.gene).copied()),
            t(format!("{:?}", o.method).to_lowercase()),
            t(format!("{:?}", o.tubes).to_lowercase()),
            t(x.flags.join(";")),
        ]);
    }
    tab
}

pub(crate) fn sample_table(r: &DdctResult) -> OutTable {
    let mut tab = OutTable::new(&[
        "gene",
        "group",
        "sample",
        "target_ct",
        "reference_ct",
        "delta_ct",
        "n_wells",
        "line",
        "flags",
    ]);
    for s in &r.samples {
        tab.rows.push(vec![
            t(&s.gene),
            t(&s.group),
            t(&s.sample),
            n(s.target_ct),
            n(Some(s.reference_ct)),
            n(s.delta_ct),
            Cell::Int(s.n_wells),
            Cell::Int(s.line),
            t(s.flags.join(";")),
        ]);
    }
    tab
}

fn qc_table(flags: &[preclin_invitro::qpcr::qc::QcFlag]) -> OutTable {
    let mut tab = OutTable::new(&[
        "severity", "code", "sample", "gene", "well", "line", "message",
    ]);
    for f in flags {
        tab.rows.push(vec![
            t(match f.severity {
                Severity::Warning => "warning",
                Severity::Note => "note",
            }),
            t(f.code),
            t(&f.sample),
            t(&f.gene),
            t(f.well.clone().unwrap_or_default()),
            Cell::Int(f.line),
            t(&f.message),
        ]);
    }
    tab
}

/// One line per QC code on standard error (warnings first).
fn report_qc(flags: &[preclin_invitro::qpcr::qc::QcFlag]) {
    let mut counts: BTreeMap<(Severity, &str), (usize, &str)> = BTreeMap::new();
    for f in flags {
        let e = counts
            .entry((f.severity, f.code))
            .or_insert((0, &f.message));
        e.0 += 1;
    }
    for ((sev, code), (k, msg)) in counts.iter().rev() {
        let what = match sev {
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        if *k == 1 {
            eprintln!("qc {what}: {code}: {msg}");
        } else {
            eprintln!("qc {what}: {code} ×{k} (e.g. {msg}); details with --qc-out FILE");
        }
    }
}

fn run_efficiency(a: EfficiencyArgs) -> anyhow::Result<()> {
    let set = a.input_opts.read(&a.input)?;
    let curves = standard_curves(&set, a.cq_limit);
    if curves.is_empty() {
        bail!(
            "{}: no wells with a known quantity (RDML standards, an instrument's Quantity column, or a tidy 'quantity' / 'amount' column)",
            a.input.display()
        );
    }
    if let Some(r) = &a.reference {
        if !set.records.iter().any(|x| &x.gene == r) {
            bail!(
                "{}: reference gene '{r}' not found (genes: {})",
                a.input.display(),
                set.genes().join(", ")
            );
        }
    }
    let mut tab = OutTable::new(&[
        "gene",
        "n_points",
        "n_levels",
        "slope",
        "slope_se",
        "intercept",
        "r2",
        "efficiency",
        "efficiency_pct",
        "efficiency_pct_lower",
        "efficiency_pct_upper",
        "range_min",
        "range_max",
        "excluded_levels",
        "delta_ct_slope",
        "flags",
    ]);
    for c in &curves {
        let mut flags = c.flags.clone();
        let dslope = a
            .reference
            .as_ref()
            .filter(|r| **r != c.gene)
            .and_then(|r| delta_ct_slope(&set, &c.gene, r))
            .map(|f| f.slope);
        if dslope.is_some_and(|s| s.abs() >= 0.1) {
            flags.push("delta_ct_slope_not_flat".into());
        }
        tab.rows.push(vec![
            t(&c.gene),
            Cell::Int(c.n_points),
            Cell::Int(c.n_levels),
            n(c.slope),
            n(c.slope_se),
            n(c.intercept),
            n(c.r2),
            n(c.efficiency),
            n(c.efficiency_pct),
            n(c.efficiency_pct_lower),
            n(c.efficiency_pct_upper),
            n(c.range_min),
            n(c.range_max),
            t(c.excluded_levels
                .iter()
                .map(|v| crate::format::fmt_f64(*v, None))
                .collect::<Vec<_>>()
                .join(";")),
            n(dslope),
            t(flags.join(";")),
        ]);
    }
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        vec![("cq_limit".into(), a.cq_limit.to_string())],
    );
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "standard_curves",
        &tab,
        &prov,
        &[
            "Ct = intercept + slope * log10(quantity); efficiency (amplification factor) E = 10^(-1/slope); efficiency_pct = (E - 1) * 100",
            "range_min..range_max = linear range: the dilution levels fitted (levels all not detected or with mean Cq above the limit are excluded_levels)",
            "delta_ct_slope = slope of (Ct gene - Ct reference) on log10 quantity (Livak: |slope| < 0.1 for a valid delta-delta-Ct)",
            "flags: efficiency_out_of_range (outside 90-110%) low_r2 (< 0.98) few_levels (< 3) level_off_line (> 0.5 cycles) delta_ct_slope_not_flat",
        ],
        Vec::new(),
        a.out.digits,
        a.out.no_comments,
    )
}

fn run_genorm(a: GenormArgs) -> anyhow::Result<()> {
    let set = a.input_opts.read(&a.input)?;
    let eff = match &a.efficiency {
        Some(f) => read_efficiency_file(f)?,
        None => BTreeMap::new(),
    };
    let source = match a.quantity {
        QuantityArg::Auto => QuantitySource::Auto,
        QuantityArg::Cq => QuantitySource::Cq,
        QuantityArg::Ncopy => QuantitySource::Ncopy,
    };
    let g = genorm_from_set(&set, &a.genes, source, &eff)?;
    let mut tab = OutTable::new(&["rank", "gene", "m"]);
    for (i, (gene, m)) in g.ranking.iter().enumerate() {
        tab.rows.push(vec![Cell::Int(i + 1), t(gene), n(Some(*m))]);
    }
    let mut steps = OutTable::new(&["n_genes", "gene", "m", "removed"]);
    for s in &g.steps {
        for (gene, m) in &s.m {
            steps.rows.push(vec![
                Cell::Int(s.m.len()),
                t(gene),
                n(Some(*m)),
                t(if s.removed.as_ref() == Some(gene) {
                    "yes"
                } else {
                    ""
                }),
            ]);
        }
    }
    let v: Vec<String> = g
        .pairwise_v
        .iter()
        .map(|(k, v)| format!("V{k}/{} = {}", k + 1, crate::format::num(Some(*v), Some(4))))
        .collect();
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        vec![(
            "quantity".into(),
            format!("{:?}", a.quantity).to_lowercase(),
        )],
    );
    let note_v = format!(
        "pairwise variation (Vandesompele: below 0.15, n genes suffice): {}",
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    );
    let note_n = format!("samples used (complete cases): {}", g.n_samples);
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "ranking",
        &tab,
        &prov,
        &[
            "geNorm (Vandesompele 2002): M = mean pairwise SD of log2 expression ratios; the least stable gene is removed stepwise; rank 1-2 = the best pair (same M)",
            "m = M of the gene when it was removed (the best pair: the final M); M < 0.5 is stable in homogeneous samples (Hellemans 2007)",
            &note_v,
            &note_n,
        ],
        vec![
            ("steps", steps.json_rows()),
            ("pairwise_v", serde_json::json!(g.pairwise_v)),
        ],
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.steps_out {
        write_side(p, &steps, a.out.digits)?;
    }
    Ok(())
}

/// Arguments of `preclin rdml INPUT`.
#[derive(Debug, Args)]
pub struct RdmlArgs {
    /// RDML file (.rdml zip or plain XML), version 1.0–1.4.
    pub input: PathBuf,
    /// Write the reaction table (one row per reaction × target, values as stored) to FILE.
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Write a tidy Cq table (sample, group, gene, ct, …) to FILE.
    #[arg(long, value_name = "FILE")]
    pub tidy: Option<PathBuf>,
    /// Sample annotation holding the group (for --tidy).
    #[arg(long, value_name = "NAME")]
    pub group_annotation: Option<String>,
}

/// Runs `preclin rdml`.
pub fn run_rdml(a: RdmlArgs) -> anyhow::Result<()> {
    let file = a.input.display().to_string();
    let bytes = std::fs::read(&a.input).with_context(|| format!("{file}: cannot read file"))?;
    let f = RdmlFile::parse(&bytes, &file)?;
    let set = f.to_cq_set(a.group_annotation.as_deref())?;
    // Summary.
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for s in &f.samples {
        *by_type
            .entry(s.sample_type.clone().unwrap_or_else(|| "untyped".into()))
            .or_default() += 1;
    }
    let mut runs: Vec<(String, String)> = Vec::new();
    for r in &f.reactions {
        let k = (r.experiment.clone(), r.run.clone());
        if !runs.contains(&k) {
            runs.push(k);
        }
    }
    println!("{file}: RDML version {}", f.version);
    println!(
        "samples: {} ({})",
        f.samples.len(),
        by_type
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let props = f.annotation_properties();
    if !props.is_empty() {
        println!("sample annotations: {}", props.join(", "));
    }
    match f.group_property(a.group_annotation.as_deref())? {
        Some(p) => println!("groups from annotation '{p}': {}", set.groups().join(", ")),
        None => println!("groups: none (pass a sample sheet with --groups to preclin qpcr)"),
    }
    println!("targets: {}", f.targets.len());
    for tg in &f.targets {
        let eff = tg
            .amp_eff
            .map(|e| {
                format!(
                    ", efficiency {} (E = {})",
                    crate::format::fmt_f64(e, None),
                    crate::format::num(
                        Some(preclin_invitro::qpcr::import_rdml::efficiency_fold(e)),
                        Some(4)
                    )
                )
            })
            .unwrap_or_default();
        println!(
            "  {} [{}]{eff}",
            tg.id,
            tg.target_type.clone().unwrap_or_else(|| "untyped".into())
        );
    }
    println!("runs: {}", runs.len());
    for (e, r) in &runs {
        let k = f
            .reactions
            .iter()
            .filter(|x| &x.experiment == e && &x.run == r)
            .count();
        let melt = f
            .reactions
            .iter()
            .filter(|x| &x.experiment == e && &x.run == r && x.melt.is_some())
            .count();
        println!(
            "  {e} / {r}: {k} reactions × targets{}",
            if melt > 0 {
                format!(", {melt} with melt curves")
            } else {
                String::new()
            }
        );
    }
    let nd = set.n_not_detected();
    println!(
        "Cq: {} values, {nd} not detected (cq -1 or absent)",
        set.records.len() - nd
    );
    if let Some(p) = &a.table {
        let (h, rows) = f.reaction_table();
        let mut tab = OutTable::new(&[]);
        tab.header = h;
        tab.rows = rows
            .into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect();
        write_side(p, &tab, None)?;
    }
    if let Some(p) = &a.tidy {
        let mut tab = OutTable::new(&[
            "sample",
            "group",
            "gene",
            "ct",
            "sample_type",
            "well",
            "plate",
            "quantity",
            "omit",
            "flags",
        ]);
        for r in &set.records {
            tab.rows.push(vec![
                t(&r.sample),
                t(r.group.clone().unwrap_or_default()),
                t(&r.gene),
                n(r.cq),
                t(r.sample_type.name()),
                t(r.well.clone().unwrap_or_default()),
                t(r.plate.clone().unwrap_or_default()),
                n(r.quantity),
                t(if r.excluded { "true" } else { "" }),
                t(if r.cq.is_none() { "not_detected" } else { "" }),
            ]);
        }
        write_side(p, &tab, None)?;
    }
    Ok(())
}
