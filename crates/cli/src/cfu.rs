//! `preclin cfu INPUT --control GROUP` — colony-forming-unit assays.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_invitro::colony::{ColonyOptions, ColonyResult, ColonyTest, analyse, read_dishes};
use preclin_invitro::table::Table;
use preclin_report::adapt::cfu_figure;

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main};

/// Test against the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CfuTestArg {
    /// Welch's t test on the sample means (default).
    Welch,
    /// Student's t test with pooled variance.
    Pooled,
    /// Dunnett's many-to-one comparisons.
    Dunnett,
    /// Quasi-Poisson log-linear model of the counts (offset: cells plated).
    QuasiPoisson,
    /// Poisson log-linear model (no over-dispersion).
    Poisson,
}

/// Arguments of `preclin cfu`.
#[derive(Debug, Args)]
pub struct CfuArgs {
    /// Tidy table: sample, group, dish, colonies (+ cells_plated, round).
    pub input: PathBuf,
    /// Control (vehicle) group.
    #[arg(long, value_name = "GROUP")]
    pub control: String,
    /// Test against the control.
    #[arg(long, value_enum, default_value_t = CfuTestArg::Welch)]
    pub test: CfuTestArg,
    /// Report colonies per 10^N cells plated (with a cells_plated column).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub per: i32,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Bar chart (SVG) of the first round.
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// Error bars of the figure: SEM instead of SD.
    #[arg(long)]
    pub sem: bool,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Runs `preclin cfu`.
pub fn run(a: CfuArgs) -> anyhow::Result<()> {
    if !(0..=9).contains(&a.per) {
        bail!(
            "--per must be between 0 and 9 (colonies per 10^N cells), got {}",
            a.per
        );
    }
    let table = Table::read_with(
        &a.input,
        &preclin_invitro::table::TableOptions {
            sheet: a.sheet.clone(),
            delimiter: None,
        },
    )?;
    let dishes = read_dishes(&table)?;
    let mut opts = ColonyOptions::new(&a.control);
    opts.per_log10 = a.per;
    opts.test = match a.test {
        CfuTestArg::Welch => ColonyTest::Welch,
        CfuTestArg::Pooled => ColonyTest::Pooled,
        CfuTestArg::Dunnett => ColonyTest::Dunnett,
        CfuTestArg::QuasiPoisson => ColonyTest::QuasiPoisson,
        CfuTestArg::Poisson => ColonyTest::Poisson,
    };
    let r = analyse(&dishes, &table.source, &opts)?;
    let tab = group_table(&r);
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        vec![
            ("control".into(), a.control.clone()),
            ("test".into(), opts.test.name().into()),
            ("per".into(), format!("1e{}", a.per)),
        ],
    );
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "groups",
        &tab,
        &prov,
        &[
            "dishes of a sample are averaged; samples (biological replicates) are the unit: n = samples, mean_colonies/sd/sem over sample means",
            "percent_of_control = 100 * mean / mean(control); ci_lower/ci_upper = 95% interval in percent of control (t tests: of the difference, relative to the control mean; GLM: 100*exp(beta +/- q*se))",
            "p_value against the control; p_adjusted = Holm over the groups (Dunnett: its own); quasi_poisson/poisson: log-linear model of counts with offset log(cells plated), rate_ratio = exp(beta)",
            "with a round column every round is analysed separately; percent_of_first_round = 100 * mean / mean of the same group in the first round (serial replating)",
        ],
        Vec::new(),
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.figure {
        let fig = cfu_figure(&r, "", None, a.sem);
        std::fs::write(p, fig.to_svg())
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

/// The result table of `preclin cfu` (one row per group and round).
pub(crate) fn group_table(r: &ColonyResult) -> OutTable {
    let mut tab = OutTable::new(&[
        "group",
        "n",
        "mean_colonies",
        "sd",
        "percent_of_control",
        "p_value",
        "sem",
        "n_dishes",
        "ci_lower",
        "ci_upper",
        "rate_ratio",
        "p_adjusted",
        "test",
        "unit",
        "round",
        "percent_of_first_round",
        "flags",
    ]);
    let unit = if r.normalised {
        format!("colonies per 1e{} cells", r.options.per_log10)
    } else {
        "colonies per dish".to_string()
    };
    for x in &r.rows {
        tab.rows.push(vec![
            t(&x.group),
            Cell::Int(x.n),
            n(x.mean_colonies),
            n(x.sd),
            n(x.percent_of_control),
            n(x.p_value),
            n(x.sem),
            Cell::Int(x.n_dishes),
            n(x.ci_lower),
            n(x.ci_upper),
            n(x.rate_ratio),
            n(x.p_adjusted),
            t(if x.is_control {
                ""
            } else {
                r.options.test.name()
            }),
            t(&unit),
            t(x.round.clone().unwrap_or_default()),
            n(x.percent_of_first_round),
            t(x.flags.join(";")),
        ]);
    }
    tab
}
