//! `preclin survival INPUT` — Kaplan–Meier medians with confidence
//! intervals, log-rank and Gehan–Breslow–Wilcoxon tests, hazard ratios,
//! % increase in median survival against a control, Cox models, curves and
//! the Kaplan–Meier figure. Every number comes from
//! [`preclin_stats::survival`]; this module reads the table, checks it and
//! writes the outputs.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_invitro::table::{Table, TableOptions};
use preclin_report::figures::km::{KmCurve, KmFigure};
use preclin_stats::survival::{
    ConfType, CoxFit, KaplanMeier, LogRank, SurvGroup, Ties, Weighting, at_risk, cox_groups,
    hazard_ratios, kaplan_meier, logrank_test, median_increase, pairwise_logrank,
};
use serde_json::json;

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main, write_side};

/// Confidence-interval type of the Kaplan–Meier bands and median limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfTypeArg {
    /// On log S (R survfit's default).
    Log,
    /// On log(−log S) (lifelines, SAS).
    LogLog,
    /// On S (linear).
    Plain,
}

/// Tie handling of the Cox model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TiesArg {
    /// Efron (R coxph and lifelines default).
    Efron,
    /// Breslow (SAS, Stata, Prism).
    Breslow,
}

/// Arguments of `preclin survival`.
#[derive(Debug, Args)]
pub struct SurvivalArgs {
    /// Tidy table, one row per animal / patient: time, event (1 = death or
    /// relapse, 0 = censored), group.
    pub input: PathBuf,
    /// Column of follow-up times (any unit, ≥ 0).
    #[arg(long, default_value = "time", value_name = "COLUMN")]
    pub time: String,
    /// Column of event indicators (1 = event, 0 = censored).
    #[arg(long, default_value = "event", value_name = "COLUMN")]
    pub event: String,
    /// Column of groups (default: `group` if present, else one group).
    #[arg(long, value_name = "COLUMN")]
    pub group: Option<String>,
    /// Control group: hazard ratios, % increase in median and tests
    /// against it (Holm-adjusted).
    #[arg(long, value_name = "NAME")]
    pub control: Option<String>,
    /// Confidence-interval type of the curves and median limits.
    #[arg(long, value_enum, default_value_t = ConfTypeArg::Log)]
    pub conf_type: ConfTypeArg,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub conf_level: f64,
    /// Write the Kaplan–Meier table (every group, every distinct time) as CSV.
    #[arg(long, value_name = "FILE")]
    pub curve: Option<PathBuf>,
    /// Write pairwise log-rank and Gehan–Breslow–Wilcoxon tests (Holm) as
    /// CSV: against the control when given, otherwise all pairs.
    #[arg(long, value_name = "FILE")]
    pub pairwise: Option<PathBuf>,
    /// Write a Cox proportional-hazards model on group (reference: the
    /// control, else the first group) as CSV.
    #[arg(long, value_name = "FILE")]
    pub cox: Option<PathBuf>,
    /// Ties of the Cox model.
    #[arg(long, value_enum, default_value_t = TiesArg::Efron)]
    pub ties: TiesArg,
    /// Kaplan–Meier figure (SVG) with censor ticks and a number-at-risk table.
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// Shade the confidence bands in the figure.
    #[arg(long)]
    pub figure_ci: bool,
    /// Numbers at risk at these times (columns `at_risk_<t>`), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "T,T,...")]
    pub at_risk: Vec<f64>,
    /// Seed of the bootstrap of the % increase in median (Xoshiro256++).
    #[arg(long, default_value_t = 20260421)]
    pub seed: u64,
    /// Bootstrap replicates of the % increase in median (0: no interval).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub boot: usize,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Reads the groups from the table: errors name file, line and column.
fn read_groups(
    table: &Table,
    time: &str,
    event: &str,
    group: Option<&str>,
) -> anyhow::Result<Vec<SurvGroup>> {
    let tc = table.column(time)?;
    let ec = table.column(event)?;
    let gc = match group {
        Some(g) => Some(table.column(g)?),
        None => table.find_column("group"),
    };
    let file = &table.source;
    let mut groups: Vec<SurvGroup> = Vec::new();
    for row in &table.rows {
        let tv = table.parse_f64(row, tc)?.with_context(|| {
            format!(
                "{file}, line {}, column '{}': missing time",
                row.line, table.headers[tc]
            )
        })?;
        if tv < 0.0 {
            bail!(
                "{file}, line {}, column '{}': time must be 0 or more, found {}",
                row.line,
                table.headers[tc],
                row.get(tc)
            );
        }
        let ev = match row.get(ec).trim() {
            "1" | "1.0" => true,
            "0" | "0.0" => false,
            other => bail!(
                "{file}, line {}, column '{}': event must be 1 (death/relapse) or 0 (censored), found '{other}'",
                row.line,
                table.headers[ec]
            ),
        };
        let name = match gc {
            Some(c) => row.text(c).map(str::to_string).with_context(|| {
                format!(
                    "{file}, line {}, column '{}': missing group",
                    row.line, table.headers[c]
                )
            })?,
            None => "all".to_string(),
        };
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => {
                g.time.push(tv);
                g.event.push(ev);
            }
            None => groups.push(SurvGroup::new(name, &[tv], &[ev])),
        }
    }
    if groups.is_empty() {
        bail!("{file}: no data rows");
    }
    Ok(groups)
}

fn test_json(lr: &LogRank) -> serde_json::Value {
    json!({
        "test": lr.weighting.name(),
        "chisq": lr.chisq,
        "df": lr.df,
        "p": lr.p,
        "groups": lr.groups.iter().map(|g| json!({
            "group": g.name, "n": g.n, "observed": g.observed, "expected": g.expected,
            "score": g.score, "variance": g.variance,
        })).collect::<Vec<_>>(),
    })
}

fn cox_json(c: &CoxFit, reference: &str) -> serde_json::Value {
    json!({
        "reference": reference,
        "ties": c.ties.name(),
        "n": c.n,
        "events": c.events,
        "terms": c.terms,
        "loglik_null": c.loglik_null,
        "loglik": c.loglik,
        "lr": {"chisq": c.lr_chisq, "df": c.df, "p": c.lr_p},
        "wald": {"chisq": c.wald_chisq, "df": c.df, "p": c.wald_p},
        "score": {"chisq": c.score_chisq, "df": c.df, "p": c.score_p},
        "converged": c.converged,
        "iterations": c.iterations,
        "flags": c.flags,
    })
}

/// Runs `preclin survival`.
pub fn run(a: SurvivalArgs) -> anyhow::Result<()> {
    if !(a.conf_level > 0.0 && a.conf_level < 1.0) {
        bail!("--conf-level must be between 0 and 1, got {}", a.conf_level);
    }
    if let Some(t) = a.at_risk.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
        bail!("--at-risk: times must be numbers >= 0, got {t}");
    }
    let table = Table::read_with(
        &a.input,
        &TableOptions {
            sheet: a.sheet.clone(),
            delimiter: None,
        },
    )?;
    let mut groups = read_groups(&table, &a.time, &a.event, a.group.as_deref())?;
    if let Some(c) = &a.control {
        let Some(i) = groups.iter().position(|g| &g.name == c) else {
            bail!(
                "--control '{c}' is not a group of {} (groups: {})",
                table.source,
                groups
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let g = groups.remove(i);
        groups.insert(0, g);
    }
    let conf_type = match a.conf_type {
        ConfTypeArg::Log => ConfType::Log,
        ConfTypeArg::LogLog => ConfType::LogLog,
        ConfTypeArg::Plain => ConfType::Plain,
    };
    let ties = match a.ties {
        TiesArg::Efron => Ties::Efron,
        TiesArg::Breslow => Ties::Breslow,
    };
    let kms: Vec<KaplanMeier> = groups
        .iter()
        .map(|g| kaplan_meier(&g.time, &g.event, conf_type, a.conf_level))
        .collect::<Result<_, _>>()?;
    let k = groups.len();
    let weightings = [
        Weighting::LogRank,
        Weighting::GehanBreslow,
        Weighting::TaroneWare,
        Weighting::Peto,
        Weighting::FlemingHarrington { p: 1.0, q: 0.0 },
    ];
    let tests: Vec<LogRank> = if k >= 2 {
        weightings
            .iter()
            .map(|&w| logrank_test(&groups, w))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let control = a.control.as_deref();
    let hrs = match control {
        Some(c) if k >= 2 => hazard_ratios(&groups, c, a.conf_level)?,
        _ => Vec::new(),
    };
    let vs_control = match control {
        Some(c) if k >= 2 => pairwise_logrank(&groups, Weighting::LogRank, Some(c))?,
        _ => Vec::new(),
    };
    let increases = match control {
        Some(_) if k >= 2 => groups[1..]
            .iter()
            .map(|g| {
                median_increase(
                    &g.time,
                    &g.event,
                    &groups[0].time,
                    &groups[0].event,
                    a.conf_level,
                    a.boot,
                    a.seed,
                )
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let mut header: Vec<String> = [
        "group",
        "n",
        "events",
        "median",
        "median_lower",
        "median_upper",
        "percent_increase_median",
        "percent_increase_median_lower",
        "percent_increase_median_upper",
        "hr_mh",
        "hr_mh_lower",
        "hr_mh_upper",
        "hr_logrank",
        "hr_logrank_lower",
        "hr_logrank_upper",
        "logrank_p_vs_control",
        "p_holm",
        "observed",
        "expected",
        "boot_not_reached",
        "conf_type",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for tm in &a.at_risk {
        header.push(format!("at_risk_{}", fmt_time(*tm)));
    }
    let mut tab = OutTable {
        header,
        rows: Vec::new(),
    };
    for (i, (g, km)) in groups.iter().zip(&kms).enumerate() {
        let other = (control.is_some() && i > 0).then(|| i - 1);
        let inc = other.and_then(|j| increases.get(j));
        let hr = other.and_then(|j| hrs.get(j));
        let pw = other.and_then(|j| vs_control.get(j));
        let oe = tests.first().map(|lr| &lr.groups[i]);
        let mut row = vec![
            t(&g.name),
            Cell::Int(km.n),
            Cell::Int(km.events),
            n(km.median),
            n(km.median_lower),
            n(km.median_upper),
            n(inc.and_then(|x| x.percent)),
            n(inc.and_then(|x| x.lower)),
            n(inc.and_then(|x| x.upper)),
            n(hr.and_then(|x| x.hr_mh)),
            n(hr.and_then(|x| x.hr_mh_lower)),
            n(hr.and_then(|x| x.hr_mh_upper)),
            n(hr.and_then(|x| x.hr_logrank)),
            n(hr.and_then(|x| x.hr_logrank_lower)),
            n(hr.and_then(|x| x.hr_logrank_upper)),
            n(pw.and_then(|x| x.p)),
            n(pw.and_then(|x| x.p_holm)),
            n(oe.map(|x| x.observed)),
            n(oe.map(|x| x.expected)),
            match inc {
                Some(x) if x.iterations > 0 => {
                    Cell::Int(x.boot_treated_not_reached + x.boot_control_not_reached)
                }
                _ => Cell::OptText(None),
            },
            t(conf_type.name()),
        ];
        for c in at_risk(&g.time, &a.at_risk) {
            row.push(Cell::Int(c));
        }
        tab.rows.push(row);
    }
    let mut options = vec![
        ("time".to_string(), a.time.clone()),
        ("event".to_string(), a.event.clone()),
        (
            "group".to_string(),
            a.group.clone().unwrap_or_else(|| "group".into()),
        ),
        ("conf_type".to_string(), conf_type.name().into()),
        ("conf_level".to_string(), a.conf_level.to_string()),
    ];
    if let Some(c) = control {
        options.push(("control".into(), c.into()));
        options.push(("boot".into(), a.boot.to_string()));
        options.push(("seed".into(), a.seed.to_string()));
    }
    if a.cox.is_some() {
        options.push(("ties".into(), ties.name().into()));
    }
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        options,
    );
    let mut notes: Vec<String> = vec![
        format!(
            "Kaplan-Meier per group; median = first time S(t) <= 0.5 (midpoint of a flat segment at 0.5, R survfit / Prism); median_lower/upper = where the {}% pointwise {} band (Greenwood variance) reaches 0.5; empty = not reached",
            fmt_time(100.0 * a.conf_level),
            conf_type.name()
        ),
        "percent_increase_median = 100*(median/median_control - 1); lower/upper = stratified bootstrap percentile interval (seed and replicates in the options); boot_not_reached = replicates in which a median was not reached (treated: counted as +infinity; control: excluded)".into(),
        "hr_mh = exp((O-E)/V) (Mantel-Haenszel), hr_logrank = (O/E)/(O_control/E_control), each from the two-group log-rank against the control; logrank_p_vs_control, p_holm = two-group log-rank p, Holm-adjusted over the groups".into(),
        "observed/expected = events and log-rank expected events in the k-group test; at_risk_<t> = subjects with follow-up >= t".into(),
    ];
    for lr in &tests {
        notes.push(format!(
            "{} test over {} groups: chisq={} df={} p={}",
            lr.weighting.name(),
            k,
            lr.chisq,
            lr.df,
            lr.p.map_or("".to_string(), |p| p.to_string())
        ));
    }
    // Pairwise tests (log-rank and Gehan–Breslow), Holm within each test.
    let pairwise = if k >= 2 {
        let mut v = Vec::new();
        for w in [Weighting::LogRank, Weighting::GehanBreslow] {
            for p in pairwise_logrank(&groups, w, control)? {
                v.push((w, p));
            }
        }
        v
    } else {
        Vec::new()
    };
    let reference = control.unwrap_or(groups[0].name.as_str()).to_string();
    let cox = if k >= 2 && (a.cox.is_some() || a.out.format == crate::fit::FormatArg::Json) {
        match cox_groups(&groups, &reference, ties, a.conf_level) {
            Ok(c) => Some(c),
            Err(e) if a.cox.is_some() => return Err(e).context("Cox model"),
            Err(_) => None,
        }
    } else {
        None
    };
    let note_refs: Vec<&str> = notes.iter().map(String::as_str).collect();
    let test_by = |w: Weighting| tests.iter().find(|x| x.weighting == w);
    let stat = |lr: Option<&LogRank>| match lr {
        Some(lr) => json!({"chisq": lr.chisq, "df": lr.df, "p": lr.p}),
        None => serde_json::Value::Null,
    };
    let extra = vec![
        ("logrank", stat(test_by(Weighting::LogRank))),
        ("gehan_breslow", stat(test_by(Weighting::GehanBreslow))),
        (
            "tests",
            serde_json::Value::Array(tests.iter().map(test_json).collect()),
        ),
        (
            "pairwise",
            serde_json::Value::Array(
                pairwise
                    .iter()
                    .map(|(w, p)| {
                        json!({"test": w.name(), "group_a": p.group_a, "group_b": p.group_b,
                               "chisq": p.chisq, "df": p.df, "p": p.p, "p_holm": p.p_holm})
                    })
                    .collect(),
            ),
        ),
        (
            "cox",
            cox.as_ref()
                .map_or(serde_json::Value::Null, |c| cox_json(c, &reference)),
        ),
        (
            "bootstrap",
            json!({
                "seed": a.seed,
                "iterations": a.boot,
                "comparisons": increases.iter().zip(groups.iter().skip(1)).map(|(x, g)| json!({
                    "group": g.name,
                    "treated_not_reached": x.boot_treated_not_reached,
                    "control_not_reached": x.boot_control_not_reached,
                })).collect::<Vec<_>>(),
            }),
        ),
    ];
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "groups",
        &tab,
        &prov,
        &note_refs,
        extra,
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.curve {
        let mut c = OutTable::new(&[
            "group",
            "time",
            "n_risk",
            "n_event",
            "n_censor",
            "surv",
            "se_log_surv",
            "se_surv",
            "lower",
            "upper",
            "conf_type",
        ]);
        for (g, km) in groups.iter().zip(&kms) {
            for r in &km.rows {
                c.rows.push(vec![
                    t(&g.name),
                    n(Some(r.time)),
                    Cell::Int(r.n_risk),
                    Cell::Int(r.n_event),
                    Cell::Int(r.n_censor),
                    n(Some(r.surv)),
                    n(r.se_log_surv),
                    n(r.se_surv),
                    n(r.lower),
                    n(r.upper),
                    t(conf_type.name()),
                ]);
            }
        }
        write_side(p, &c, a.out.digits)?;
    }
    if let Some(p) = &a.pairwise {
        let mut c = OutTable::new(&["group_a", "group_b", "test", "chisq", "df", "p", "p_holm"]);
        for (w, x) in &pairwise {
            c.rows.push(vec![
                t(&x.group_a),
                t(&x.group_b),
                t(w.name()),
                n(Some(x.chisq)),
                Cell::Int(x.df),
                n(x.p),
                n(x.p_holm),
            ]);
        }
        write_side(p, &c, a.out.digits)?;
    }
    if let (Some(p), Some(cf)) = (&a.cox, &cox) {
        let mut c = OutTable::new(&[
            "term",
            "reference",
            "coef",
            "se",
            "hr",
            "hr_lower",
            "hr_upper",
            "z",
            "p",
            "ties",
            "n",
            "events",
            "lr_chisq",
            "lr_df",
            "lr_p",
            "wald_chisq",
            "wald_p",
            "score_chisq",
            "score_p",
            "converged",
            "flags",
        ]);
        for term in &cf.terms {
            c.rows.push(vec![
                t(&term.name),
                t(&reference),
                n(Some(term.coef)),
                n(Some(term.se)),
                n(Some(term.hr)),
                n(Some(term.hr_lower)),
                n(Some(term.hr_upper)),
                n(Some(term.z)),
                n(Some(term.p)),
                t(cf.ties.name()),
                Cell::Int(cf.n),
                Cell::Int(cf.events),
                n(Some(cf.lr_chisq)),
                Cell::Int(cf.df),
                n(Some(cf.lr_p)),
                n(Some(cf.wald_chisq)),
                n(Some(cf.wald_p)),
                n(Some(cf.score_chisq)),
                n(Some(cf.score_p)),
                t(if cf.converged { "true" } else { "false" }),
                t(cf.flags.join(";")),
            ]);
        }
        write_side(p, &c, a.out.digits)?;
    }
    if let Some(p) = &a.figure {
        let x_max = groups
            .iter()
            .flat_map(|g| g.time.iter().copied())
            .fold(0.0, f64::max);
        let times = KmFigure::risk_times(x_max);
        let fig = KmFigure {
            x_label: a.time.clone(),
            curves: groups
                .iter()
                .zip(&kms)
                .map(|(g, km)| KmCurve::from_kaplan_meier(&g.name, km, at_risk(&g.time, &times)))
                .collect(),
            show_ci: a.figure_ci,
            show_median: true,
            risk_times: times,
            ..Default::default()
        };
        std::fs::write(p, fig.to_svg())
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

/// A time for a column name: shortest round-trip decimal.
fn fmt_time(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}
