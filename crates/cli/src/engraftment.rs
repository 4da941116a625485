//! `preclin engraftment INPUT` — PDX engraftment (% hCD45⁺ over time, time to
//! a threshold, AUC, end-of-study burden, comparisons against the control).
//!
//! Input columns (ASCII case ignored):
//! * tidy: `mouse,group,day,tissue` + `hcd45_pct`, or the counts
//!   `hcd45,mcd45` (both may be present: the counts win). Without a `tissue`
//!   column every row is blood.
//! * the flow engine's summary (`preclin markers --engraftment`):
//!   `sample,human,mouse,double_positive,events,percent_human`, recognised by
//!   its `human` column; `human` → hcd45 and `mouse` → mcd45 (mouse CD45
//!   events), and the design comes from the columns `animal` (or
//!   `mouse_id`), `group`, `day`, `tissue` added to the file, or from
//!   `--samples SHEET` (`sample,mouse,group,day,tissue`) joined on `sample`.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use preclin_invitro::table::{Table, TableOptions};
use preclin_invivo::engraftment::{
    EngraftmentError, EngraftmentOptions, EngraftmentResult, GroupSummary, RawRow, Tissue, analyse,
    validate,
};
use preclin_report::figures::engraftment::{EngraftmentFigure, EngraftmentGroup, EngraftmentPoint};

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main, write_side};

/// Arguments of `preclin engraftment`.
#[derive(Debug, Args)]
pub struct EngraftmentArgs {
    /// Tidy table (mouse, group, day, tissue, hcd45_pct or hcd45 + mcd45) or
    /// the summary written by `preclin markers --engraftment`.
    pub input: PathBuf,
    /// Control (vehicle) group: comparisons of every other group against it.
    #[arg(long, value_name = "GROUP")]
    pub control: Option<String>,
    /// Engraftment threshold, % hCD45 (time to threshold, n above it).
    #[arg(long, default_value_t = 1.0, value_name = "PCT")]
    pub threshold: f64,
    /// Interpolate the time to threshold linearly between visits (default:
    /// the first visit at or above it).
    #[arg(long)]
    pub interpolate: bool,
    /// Tissue of the AUC, the time to threshold and the figure.
    #[arg(long, default_value = "blood")]
    pub tissue: String,
    /// Burden day (default: each mouse's last day in each tissue).
    #[arg(long, value_name = "D")]
    pub day: Option<f64>,
    /// Sample sheet (sample, mouse, group, day, tissue) for a flow summary.
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Per-mouse AUC and time to threshold (CSV).
    #[arg(long, value_name = "FILE")]
    pub per_mouse: Option<PathBuf>,
    /// Time to --threshold in --tissue as survival data (CSV): per group the
    /// mice, how many reached it, the Kaplan–Meier median time with R's
    /// log-type 95 % CI, and the log-rank test against --control (Holm).
    #[arg(long, value_name = "FILE")]
    pub threshold_survival: Option<PathBuf>,
    /// Burden table per mouse × tissue (CSV).
    #[arg(long, value_name = "FILE")]
    pub burden: Option<PathBuf>,
    /// Engraftment curves (SVG) of --tissue.
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// Figure: log10 y axis.
    #[arg(long)]
    pub log_y: bool,
    /// Figure: leave out the per-mouse lines.
    #[arg(long)]
    pub no_mice: bool,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Column names used in messages: hCD45 / mCD45 count columns.
struct Cols {
    hcd45: String,
    mcd45: String,
}

fn read_table(path: &PathBuf, sheet: &Option<String>) -> anyhow::Result<Table> {
    Ok(Table::read_with(
        path,
        &TableOptions {
            sheet: sheet.clone(),
            delimiter: None,
        },
    )?)
}

fn text(t: &Table, row: &preclin_invitro::table::Row, c: usize) -> anyhow::Result<String> {
    row.text(c).map(str::to_string).ok_or_else(|| {
        anyhow!(
            "{}, line {}, column '{}': empty cell",
            t.source,
            row.line,
            t.headers[c]
        )
    })
}

fn number(t: &Table, row: &preclin_invitro::table::Row, c: usize) -> anyhow::Result<f64> {
    t.parse_f64(row, c)?.ok_or_else(|| {
        anyhow!(
            "{}, line {}, column '{}': empty cell",
            t.source,
            row.line,
            t.headers[c]
        )
    })
}

fn opt_number(
    t: &Table,
    row: &preclin_invitro::table::Row,
    c: Option<usize>,
) -> anyhow::Result<Option<f64>> {
    Ok(match c {
        Some(c) => t.parse_f64(row, c)?,
        None => None,
    })
}

/// Design of one flow sample from the sample sheet.
struct Design {
    mouse: String,
    group: String,
    day: f64,
    tissue: String,
}

fn read_sheet(path: &PathBuf) -> anyhow::Result<HashMap<String, Design>> {
    let t = read_table(path, &None)?;
    let (s, m, g, d) = (
        t.column("sample")?,
        t.column("mouse")?,
        t.column("group")?,
        t.column("day")?,
    );
    let ti = t.find_column("tissue");
    let mut out = HashMap::new();
    for row in &t.rows {
        let sample = text(&t, row, s)?;
        let design = Design {
            mouse: text(&t, row, m)?,
            group: text(&t, row, g)?,
            day: number(&t, row, d)?,
            tissue: match ti {
                Some(c) => text(&t, row, c)?,
                None => "blood".into(),
            },
        };
        if out.insert(sample.clone(), design).is_some() {
            bail!(
                "{}, line {}, column 'sample': sample '{sample}' appears twice",
                t.source,
                row.line
            );
        }
    }
    Ok(out)
}

/// Reads the rows of either input layout (see the module docs).
fn read_rows(a: &EngraftmentArgs, t: &Table) -> anyhow::Result<(Vec<RawRow>, Cols, bool)> {
    let flow = t.find_column("human").is_some();
    let mut rows = Vec::with_capacity(t.rows.len());
    if flow {
        let (h, m) = (t.column("human")?, t.column("mouse")?);
        let cols = Cols {
            hcd45: t.headers[h].clone(),
            mcd45: t.headers[m].clone(),
        };
        let sheet = match &a.samples {
            Some(p) => Some(read_sheet(p)?),
            None => None,
        };
        let animal = t
            .find_column("animal")
            .or_else(|| t.find_column("mouse_id"));
        let sample = t.find_column("sample");
        let inline = match (&sheet, animal) {
            (Some(_), _) => None,
            (None, Some(an)) => Some((
                an,
                t.column("group")?,
                t.column("day")?,
                t.find_column("tissue"),
            )),
            (None, None) => bail!(
                "{}: a flow engraftment summary (columns human, mouse) needs the study design: add columns animal, group, day, tissue, or give --samples SHEET (sample, mouse, group, day, tissue)",
                t.source
            ),
        };
        for row in &t.rows {
            let (mouse, group, day, tissue) = match (&sheet, inline) {
                (Some(sh), _) => {
                    let sc = sample.ok_or_else(|| {
                        anyhow!(
                            "{}: missing column 'sample' (needed with --samples)",
                            t.source
                        )
                    })?;
                    let s = text(t, row, sc)?;
                    let d = sh.get(&s).ok_or_else(|| {
                        anyhow!(
                            "{}, line {}, column '{}': sample '{s}' is not in the sample sheet",
                            t.source,
                            row.line,
                            t.headers[sc]
                        )
                    })?;
                    (d.mouse.clone(), d.group.clone(), d.day, d.tissue.clone())
                }
                (None, Some((an, g, d, ti))) => (
                    text(t, row, an)?,
                    text(t, row, g)?,
                    number(t, row, d)?,
                    match ti {
                        Some(c) => text(t, row, c)?,
                        None => "blood".into(),
                    },
                ),
                (None, None) => unreachable!("checked above"),
            };
            rows.push(RawRow {
                line: row.line,
                mouse,
                group,
                day,
                tissue,
                hcd45_pct: opt_number(t, row, t.find_column("percent_human"))?,
                hcd45: t.parse_f64(row, h)?,
                mcd45: t.parse_f64(row, m)?,
            });
        }
        return Ok((rows, cols, true));
    }
    let (m, g, d) = (t.column("mouse")?, t.column("group")?, t.column("day")?);
    let ti = t.find_column("tissue");
    let pct = t
        .find_column("hcd45_pct")
        .or_else(|| t.find_column("pct_hcd45"))
        .or_else(|| t.find_column("percent_human"));
    let (hc, mc) = (t.find_column("hcd45"), t.find_column("mcd45"));
    if pct.is_none() && (hc.is_none() || mc.is_none()) {
        bail!(
            "{}: missing column 'hcd45_pct' (or the counts 'hcd45' and 'mcd45'); columns present: {}",
            t.source,
            t.headers.join(", ")
        );
    }
    for row in &t.rows {
        rows.push(RawRow {
            line: row.line,
            mouse: text(t, row, m)?,
            group: text(t, row, g)?,
            day: number(t, row, d)?,
            tissue: match ti {
                Some(c) => text(t, row, c)?,
                None => "blood".into(),
            },
            hcd45_pct: opt_number(t, row, pct)?,
            hcd45: opt_number(t, row, hc)?,
            mcd45: opt_number(t, row, mc)?,
        });
    }
    Ok((
        rows,
        Cols {
            hcd45: "hcd45".into(),
            mcd45: "mcd45".into(),
        },
        false,
    ))
}

/// Adds the file (and the real column name of a count) to a library error.
fn row_error(file: &str, e: EngraftmentError, cols: &Cols) -> anyhow::Error {
    match e {
        EngraftmentError::BadCount {
            line,
            column,
            value,
        } => {
            let c = if column == "hcd45" {
                &cols.hcd45
            } else {
                &cols.mcd45
            };
            anyhow!(
                "{file}, line {line}, column '{c}': {value} is not an event count (a whole number ≥ 0)"
            )
        }
        EngraftmentError::NoEvents { line } => anyhow!(
            "{file}, line {line}: {} + {} = 0 (no CD45+ events), the percentage does not exist",
            cols.hcd45,
            cols.mcd45
        ),
        e => anyhow!("{file}, {e}"),
    }
}

fn day_cell(v: Option<f64>) -> Cell {
    n(v)
}

fn summary_row(tab: &mut OutTable, s: &GroupSummary) {
    let c = s.comparison.as_ref();
    tab.rows.push(vec![
        t(s.endpoint.name()),
        t(s.tissue.name()),
        day_cell(s.day),
        t(&s.group),
        Cell::Int(s.n),
        n(s.mean),
        n(s.sd),
        n(s.sem),
        n(s.median),
        n(s.min),
        n(s.max),
        Cell::Int(s.n_above_threshold),
        Cell::OptText(c.map(|c| c.control.clone())),
        n(c.and_then(|c| c.logit_diff)),
        n(c.and_then(|c| c.logit_ci_lower)),
        n(c.and_then(|c| c.logit_ci_upper)),
        n(c.and_then(|c| c.odds_ratio)),
        n(c.and_then(|c| c.welch_p)),
        n(c.and_then(|c| c.welch_p_holm)),
        n(c.and_then(|c| c.mw_p)),
        n(c.and_then(|c| c.mw_p_holm)),
        n(c.and_then(|c| c.hodges_lehmann)),
        t(c.map(|c| c.flags.join(";")).unwrap_or_default()),
    ]);
}

fn figure(r: &EngraftmentResult, tissue: Tissue, log_y: bool, mice: bool, thr: f64) -> String {
    let groups = r
        .groups
        .iter()
        .map(|g| EngraftmentGroup {
            name: g.clone(),
            points: r
                .summaries
                .iter()
                .filter(|s| &s.group == g && s.tissue == tissue)
                .map(|s| EngraftmentPoint {
                    day: s.day.unwrap_or(f64::NAN),
                    mean: s.mean,
                    sem: s.sem,
                    n: s.n,
                })
                .collect(),
            mice: r
                .series
                .iter()
                .filter(|s| &s.group == g && s.tissue == tissue)
                .map(|s| s.points.clone())
                .collect(),
        })
        .collect();
    EngraftmentFigure {
        title: format!("PDX engraftment ({})", tissue.name().replace('_', " ")),
        y_label: format!("% hCD45⁺ of CD45⁺ ({})", tissue.name().replace('_', " ")),
        groups,
        log_y,
        show_mice: mice,
        threshold: Some(thr),
        ..EngraftmentFigure::default()
    }
    .to_svg()
}

/// Runs `preclin engraftment`.
pub fn run(a: EngraftmentArgs) -> anyhow::Result<()> {
    let tissue = Tissue::parse(&a.tissue).ok_or_else(|| {
        anyhow!(
            "--tissue: unknown tissue '{}' (expected blood, bone_marrow or spleen)",
            a.tissue
        )
    })?;
    let table = read_table(&a.input, &a.sheet)?;
    let (rows, cols, flow) = read_rows(&a, &table)?;
    let obs = validate(&rows).map_err(|e| row_error(&table.source, e, &cols))?;
    let opts = EngraftmentOptions {
        control: a.control.clone(),
        threshold: a.threshold,
        interpolate: a.interpolate,
        tissue,
        burden_day: a.day,
        ..EngraftmentOptions::default()
    };
    let r = analyse(&obs, &opts).map_err(|e| anyhow!("{}: {e}", table.source))?;
    let mut tab = OutTable::new(&[
        "endpoint",
        "tissue",
        "day",
        "group",
        "n",
        "mean",
        "sd",
        "sem",
        "median",
        "min",
        "max",
        "n_above_threshold",
        "control",
        "logit_diff",
        "logit_ci_lower",
        "logit_ci_upper",
        "odds_ratio",
        "welch_p",
        "welch_p_holm",
        "mw_p",
        "mw_p_holm",
        "hodges_lehmann",
        "flags",
    ]);
    for s in r
        .summaries
        .iter()
        .chain(&r.auc_summaries)
        .chain(&r.burden_summaries)
    {
        summary_row(&mut tab, s);
    }
    let mut inputs = vec![(a.input.display().to_string(), sha256_file(&a.input)?)];
    if let Some(p) = &a.samples {
        inputs.push((p.display().to_string(), sha256_file(p)?));
    }
    let mut options = vec![
        ("threshold".into(), format!("{}", a.threshold)),
        ("interpolate".into(), a.interpolate.to_string()),
        ("tissue".into(), tissue.name().into()),
        ("logit_epsilon".into(), format!("{}", opts.logit_epsilon)),
        (
            "input_layout".into(),
            if flow { "flow_summary" } else { "tidy" }.into(),
        ),
    ];
    if let Some(c) = &a.control {
        options.push(("control".into(), c.clone()));
    }
    if let Some(d) = a.day {
        options.push(("burden_day".into(), format!("{d}")));
    }
    let prov = Provenance::new(inputs, options);
    let span = r
        .auc_span
        .map(|(a, b)| format!("the most common AUC span is day {a} to day {b}; mice with another span are flagged span_differs in --per-mouse"))
        .unwrap_or_else(|| "no mouse has two observations: no AUC".into());
    let notes = [
        "endpoint day: % hCD45+ of hCD45+ + mCD45+ on one day (n = mice, mean/sd/sem/median/min/max of the mice's values); auc_mean_level: per-mouse trapezoid AUC / span (time-averaged %) in --tissue; burden: each mouse's last day per tissue (or --day)",
        "counts: % = 100*hcd45/(hcd45+mcd45) (flow summaries: human/mouse events, double positives left out); n_above_threshold = mice with % >= threshold",
        "comparisons vs control: Welch t on logit(%/100) (0 and 100 % clamped to [1e-4, 1-1e-4], flag clamped): logit_diff = mean logit(group) - mean logit(control) with 95% CI, odds_ratio = exp(logit_diff); Mann-Whitney on % (hodges_lehmann shift in percentage points); *_holm = Holm over the groups of one endpoint x tissue x day",
        &span,
    ];
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "summaries",
        &tab,
        &prov,
        &notes,
        vec![
            ("auc", serde_json::to_value(&r.auc)?),
            (
                "time_to_threshold",
                serde_json::to_value(&r.time_to_threshold)?,
            ),
            ("burden", serde_json::to_value(&r.burden)?),
        ],
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.per_mouse {
        let mut pm = OutTable::new(&[
            "mouse",
            "group",
            "tissue",
            "first_day",
            "last_day",
            "n_points",
            "auc",
            "mean_level",
            "threshold",
            "time",
            "event",
            "interpolated",
            "flags",
        ]);
        for x in &r.auc {
            let tt = r
                .time_to_threshold
                .iter()
                .find(|t| t.mouse == x.mouse && t.tissue == x.tissue);
            let mut flags = x.flags.clone();
            if let Some(tt) = tt {
                flags.extend(tt.flags.iter().cloned());
            }
            pm.rows.push(vec![
                t(&x.mouse),
                t(&x.group),
                t(x.tissue.name()),
                n(Some(x.first_day)),
                n(Some(x.last_day)),
                Cell::Int(x.n_points),
                n(x.auc),
                n(x.mean_level),
                n(Some(a.threshold)),
                n(tt.map(|t| t.time)),
                match tt {
                    Some(t) => Cell::Int(usize::from(t.event)),
                    None => Cell::OptText(None),
                },
                t(tt.map_or("", |t| if t.interpolated { "true" } else { "false" })),
                t(flags.join(";")),
            ]);
        }
        write_side(p, &pm, a.out.digits)?;
    }
    if let Some(p) = &a.threshold_survival {
        write_side(p, &threshold_survival(&r, tissue, &a)?, a.out.digits)?;
    }
    if let Some(p) = &a.burden {
        let mut b = OutTable::new(&[
            "mouse",
            "group",
            "tissue",
            "day",
            "hcd45_pct",
            "hcd45",
            "mcd45",
            "ci_lower",
            "ci_upper",
        ]);
        for x in &r.burden {
            b.rows.push(vec![
                t(&x.mouse),
                t(&x.group),
                t(x.tissue.name()),
                n(Some(x.day)),
                n(Some(x.percent)),
                n(x.human_events.map(|v| v as f64)),
                n(x.mouse_events.map(|v| v as f64)),
                n(x.ci_lower),
                n(x.ci_upper),
            ]);
        }
        write_side(p, &b, a.out.digits)?;
    }
    if let Some(p) = &a.figure {
        std::fs::write(p, figure(&r, tissue, a.log_y, !a.no_mice, a.threshold))
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

/// `--threshold-survival`: the time-to-threshold pairs of `tissue` as
/// survival data — per group n, events (mice reaching the threshold), the
/// Kaplan–Meier median and its R `survfit` log-type 95 % CI
/// ([`preclin_stats::survival::kaplan_meier`]), and the two-group log-rank
/// test against the control with Holm's adjustment
/// ([`preclin_stats::survival::pairwise_logrank`]).
fn threshold_survival(
    r: &EngraftmentResult,
    tissue: Tissue,
    a: &EngraftmentArgs,
) -> anyhow::Result<OutTable> {
    use preclin_stats::survival::{ConfType, SurvGroup, Weighting, kaplan_meier, pairwise_logrank};
    let groups: Vec<SurvGroup> = r
        .groups
        .iter()
        .filter_map(|g| {
            let (time, event): (Vec<f64>, Vec<bool>) = r
                .time_to_threshold
                .iter()
                .filter(|t| &t.group == g && t.tissue == tissue)
                .map(|t| (t.time, t.event))
                .unzip();
            (!time.is_empty()).then(|| SurvGroup::new(g.clone(), &time, &event))
        })
        .collect();
    let tests = match &a.control {
        Some(c) if groups.len() > 1 && groups.iter().any(|g| &g.name == c) => {
            pairwise_logrank(&groups, Weighting::LogRank, Some(c))?
        }
        _ => Vec::new(),
    };
    let mut tab = OutTable::new(&[
        "group",
        "tissue",
        "threshold",
        "n",
        "reached",
        "median_time",
        "median_lower",
        "median_upper",
        "logrank_p_vs_control",
        "p_holm",
    ]);
    for g in &groups {
        let km = kaplan_meier(&g.time, &g.event, ConfType::Log, 0.95)?;
        let test = tests.iter().find(|t| t.group_b == g.name);
        tab.rows.push(vec![
            t(&g.name),
            t(tissue.name()),
            n(Some(a.threshold)),
            Cell::Int(km.n),
            Cell::Int(km.events),
            n(km.median),
            n(km.median_lower),
            n(km.median_upper),
            n(test.and_then(|x| x.p)),
            n(test.and_then(|x| x.p_holm)),
        ]);
    }
    Ok(tab)
}
