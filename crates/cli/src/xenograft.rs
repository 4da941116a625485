//! `preclin xenograft INPUT --control NAME` — tumour growth efficacy:
//! group metrics at an evaluation day, per-mouse metrics, group × day
//! summaries, exits, body-weight toxicity and figures.
//!
//! Input is a tidy table (`mouse,group,day` + `volume` or `length,width`,
//! optional `body_weight` and `exit`) or a wide invivoSyn table
//! (`Treatment,Mouse,<day>,<day>…`; days rebased to `day − min(day)`, mouse
//! key = treatment + mouse). Parsing is here; every number comes from
//! `preclin_invivo::xenograft`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use preclin_invitro::table::{Table, TableOptions};
use preclin_invivo::xenograft::efficacy::{
    EfficacyOptions, GroupEfficacy, MannWhitneyRule, efficacy, group_day_summaries,
};
use preclin_invivo::xenograft::model::{
    Record, Study, StudyOptions, VolumeFormula, records_from_wide,
};
use preclin_invivo::xenograft::mouse::{MouseOptions, all_mouse_metrics, waterfall};
use preclin_invivo::xenograft::toxicity::{ToxicityOptions, toxicity};
use preclin_report::figures::growth::{GrowthFigure, GrowthGroup, GrowthMouse};
use preclin_report::figures::waterfall::{WaterfallBar, WaterfallFigure};

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main, write_side};
use preclin_invivo::xenograft::mixed::{MixedOptions, mixed_model};

/// Which TGI fills `tgi_percent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TgiArg {
    /// `100·(1 − ΔT/ΔC)` on group means, Δ from day 0 (default).
    Groupmeans,
    /// invivoSyn: `100·(1 − mean_T(V_t − V₀)/mean_C(V_t − V₀))` per mouse.
    Deltatv,
    /// invivoSyn RTV / CombPDX: `100·(1 − mean_T(V_t/V₀)/mean_C(V_t/V₀))`.
    Rtv,
}

/// Caliper formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormulaArg {
    /// `W²·L/2` (default).
    Half,
    /// `π/6·W²·L`.
    Pi6,
}

/// Mann–Whitney p-value rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MwArg {
    /// R `wilcox.test` (exact without ties for n < 50).
    R,
    /// scipy `mannwhitneyu` default (exact only when a sample has ≤ 8 values).
    Scipy,
}

/// Arguments of `preclin xenograft`.
#[derive(Debug, Args)]
pub struct XenograftArgs {
    /// Caliper table: tidy `mouse,group,day,volume` (or `length,width` in
    /// mm; optional `body_weight`, `exit`), or wide invivoSyn
    /// `Treatment,Mouse,<day>…`.
    pub input: PathBuf,
    /// Control (vehicle) group.
    #[arg(long, value_name = "NAME")]
    pub control: String,
    /// Evaluation day (default: the last day with ≥ 80 % of control mice
    /// measured, as invivoSyn).
    #[arg(long, value_name = "D")]
    pub day: Option<f64>,
    /// Endpoint volume (mm³) for the per-mouse time to endpoint.
    #[arg(long, default_value_t = 1000.0, value_name = "V")]
    pub endpoint: f64,
    /// TGI definition reported as `tgi_percent` (all three are columns).
    #[arg(long, value_enum, default_value_t = TgiArg::Groupmeans)]
    pub tgi: TgiArg,
    /// Volume from caliper length and width.
    #[arg(long, value_enum, default_value_t = FormulaArg::Half)]
    pub volume_formula: FormulaArg,
    /// Complete regression: volume ≤ this (mm³).
    #[arg(long, default_value_t = 0.0, value_name = "MM3")]
    pub detection_limit: f64,
    /// Consecutive measurements needed for a (partial or complete) regression.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub consecutive: usize,
    /// Mann–Whitney p-value rule.
    #[arg(long, value_enum, default_value_t = MwArg::R)]
    pub mann_whitney: MwArg,
    /// Offset c of the log scale of the Welch test, ln(volume + c) in mm³
    /// (default 0: the test is empty when a tumour has regressed to 0; 1 =
    /// invivoSyn's ln(TV + 1)).
    #[arg(long, default_value_t = 0.0, value_name = "C")]
    pub log_offset: f64,
    /// Linear mixed model of ln(volume + --log-offset) with a random
    /// intercept and slope per mouse (REML): per group the mean growth rate
    /// and the treatment × time contrast vs control (t test, Holm), and the
    /// joint F test, as CSV.
    #[arg(long, value_name = "FILE")]
    pub mixed: Option<PathBuf>,
    /// Body weights in a second tidy file (`mouse,day,body_weight`).
    #[arg(long, value_name = "FILE")]
    pub body_weight: Option<PathBuf>,
    /// Per-mouse metrics CSV.
    #[arg(long, value_name = "FILE")]
    pub per_mouse: Option<PathBuf>,
    /// Group × day summary CSV (volumes, RTV, % change, body weight).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Mice that left the study (mouse, group, day, reason) CSV.
    #[arg(long, value_name = "FILE")]
    pub exits: Option<PathBuf>,
    /// Per-mouse body-weight flags CSV.
    #[arg(long, value_name = "FILE")]
    pub toxicity: Option<PathBuf>,
    /// Growth curves, mean ± SEM per group (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub figure_growth: Option<PathBuf>,
    /// Growth curves, one line per mouse (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub figure_spaghetti: Option<PathBuf>,
    /// Waterfall of best response (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub figure_waterfall: Option<PathBuf>,
    /// Log10 volume axis in the growth figures.
    #[arg(long)]
    pub log_y: bool,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

fn col_any(t: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| t.find_column(n))
}

/// True for a wide invivoSyn table.
fn is_wide(t: &Table) -> bool {
    t.headers.len() >= 3
        && t.headers[0].eq_ignore_ascii_case("treatment")
        && t.headers[1].eq_ignore_ascii_case("mouse")
        && t.headers[2..].iter().all(|h| h.parse::<f64>().is_ok())
}

fn need_text(t: &Table, row: &preclin_invitro::table::Row, c: usize) -> anyhow::Result<String> {
    row.text(c).map(str::to_string).ok_or_else(|| {
        anyhow!(
            "{}, line {}, column '{}': empty cell",
            t.source,
            row.line,
            t.headers[c]
        )
    })
}

fn wide_records(t: &Table) -> anyhow::Result<Vec<Record>> {
    let days: Vec<f64> = t.headers[2..].iter().map(|h| h.parse().unwrap()).collect();
    let mut rows = Vec::new();
    for row in &t.rows {
        let g = need_text(t, row, 0)?;
        let m = need_text(t, row, 1)?;
        let mut v = Vec::with_capacity(days.len());
        for c in 2..t.headers.len() {
            v.push(t.parse_f64(row, c)?);
        }
        rows.push((row.line, g, m, v));
    }
    records_from_wide(&days, &rows).map_err(|e| anyhow!("{}: {e}", t.source))
}

fn tidy_records(t: &Table) -> anyhow::Result<Vec<Record>> {
    let mouse =
        col_any(t, &["mouse", "animal", "mouse_id"]).map_or_else(|| t.column("mouse"), Ok)?;
    let group = col_any(t, &["group", "treatment"]).map_or_else(|| t.column("group"), Ok)?;
    let day = col_any(t, &["day", "time"]).map_or_else(|| t.column("day"), Ok)?;
    let volume = col_any(t, &["volume", "tumor_volume", "tumour_volume"]);
    let length = t.find_column("length");
    let width = t.find_column("width");
    if volume.is_none() && (length.is_none() || width.is_none()) {
        bail!(
            "{}: needs a 'volume' column or both 'length' and 'width' (columns present: {})",
            t.source,
            t.headers.join(", ")
        );
    }
    let bw = col_any(t, &["body_weight", "bw", "weight"]);
    let exit = col_any(t, &["exit", "exit_reason", "reason"]);
    let num =
        |row: &preclin_invitro::table::Row, c: Option<usize>| -> anyhow::Result<Option<f64>> {
            Ok(match c {
                Some(c) => t.parse_f64(row, c)?,
                None => None,
            })
        };
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let d = t.parse_f64(row, day)?.ok_or_else(|| {
            anyhow!(
                "{}, line {}, column '{}': day is empty",
                t.source,
                row.line,
                t.headers[day]
            )
        })?;
        out.push(Record {
            line: row.line,
            mouse: need_text(t, row, mouse)?,
            group: need_text(t, row, group)?,
            day: d,
            volume: num(row, volume)?,
            length: num(row, length)?,
            width: num(row, width)?,
            body_weight: num(row, bw)?,
            exit: exit.and_then(|c| row.text(c)).map(str::to_string),
        });
    }
    Ok(out)
}

/// Adds the weights of a second tidy file (`mouse,day,body_weight`).
fn add_body_weights(recs: &mut Vec<Record>, path: &Path) -> anyhow::Result<()> {
    let t = Table::read(path)?;
    let mouse =
        col_any(&t, &["mouse", "animal", "mouse_id"]).map_or_else(|| t.column("mouse"), Ok)?;
    let day = col_any(&t, &["day", "time"]).map_or_else(|| t.column("day"), Ok)?;
    let bw = col_any(&t, &["body_weight", "bw", "weight"])
        .map_or_else(|| t.column("body_weight"), Ok)?;
    let group_of: HashMap<String, String> = recs
        .iter()
        .map(|r| (r.mouse.clone(), r.group.clone()))
        .collect();
    let mut at: HashMap<(String, u64), usize> = HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        at.insert((r.mouse.clone(), r.day.to_bits()), i);
    }
    for row in &t.rows {
        let m = need_text(&t, row, mouse)?;
        let d = t.parse_f64(row, day)?.ok_or_else(|| {
            anyhow!(
                "{}, line {}, column 'day': day is empty",
                t.source,
                row.line
            )
        })?;
        let Some(w) = t.parse_f64(row, bw)? else {
            continue;
        };
        let Some(g) = group_of.get(&m) else {
            bail!(
                "{}, line {}: mouse '{m}' is not in the tumour table",
                t.source,
                row.line
            );
        };
        match at.get(&(m.clone(), d.to_bits())) {
            Some(&i) if recs[i].body_weight.is_none() => recs[i].body_weight = Some(w),
            Some(_) => bail!(
                "{}, line {}: mouse '{m}' already has a body weight on day {d}",
                t.source,
                row.line
            ),
            None => recs.push(Record {
                line: row.line,
                mouse: m,
                group: g.clone(),
                day: d,
                body_weight: Some(w),
                ..Record::default()
            }),
        }
    }
    Ok(())
}

fn tgi_of(e: &GroupEfficacy, which: TgiArg) -> Option<f64> {
    match which {
        TgiArg::Groupmeans => e.tgi_groupmeans_pct,
        TgiArg::Deltatv => e.tgi_deltatv_pct,
        TgiArg::Rtv => e.tgi_rtv_pct,
    }
}

fn write_svg(p: &Path, svg: String) -> anyhow::Result<()> {
    std::fs::write(p, svg).with_context(|| format!("{}: cannot write", p.display()))
}

/// Runs `preclin xenograft`.
pub fn run(a: XenograftArgs) -> anyhow::Result<()> {
    if !(a.endpoint.is_finite() && a.endpoint > 0.0) {
        bail!("--endpoint must be a positive volume, got {}", a.endpoint);
    }
    let table = Table::read_with(
        &a.input,
        &TableOptions {
            sheet: a.sheet.clone(),
            delimiter: None,
        },
    )?;
    let wide = is_wide(&table);
    let mut recs = if wide {
        wide_records(&table)?
    } else {
        tidy_records(&table)?
    };
    if let Some(p) = &a.body_weight {
        if wide {
            bail!(
                "--body-weight needs a tidy tumour table (mouse ids of a wide table repeat across groups)"
            );
        }
        add_body_weights(&mut recs, p)?;
    }
    let formula = match a.volume_formula {
        FormulaArg::Half => VolumeFormula::Half,
        FormulaArg::Pi6 => VolumeFormula::Pi6,
    };
    let study = Study::new(
        &recs,
        &StudyOptions {
            formula,
            rebase_days: wide,
            key_includes_group: wide,
        },
    )
    .map_err(|e| anyhow!("{}, {e}", table.source))?;
    for w in &study.warnings {
        eprintln!("warning: {}, {w}", table.source);
    }
    let mopts = MouseOptions {
        detection_limit: a.detection_limit,
        consecutive: a.consecutive,
        endpoint: a.endpoint,
        ..MouseOptions::default()
    };
    let metrics = all_mouse_metrics(&study, &mopts);
    let mut eopts = EfficacyOptions::new(&a.control);
    eopts.day = a.day;
    if !(a.log_offset >= 0.0 && a.log_offset.is_finite()) {
        bail!("--log-offset {}: must be a finite number ≥ 0", a.log_offset);
    }
    eopts.log_offset = a.log_offset;
    eopts.mann_whitney = match a.mann_whitney {
        MwArg::R => MannWhitneyRule::R,
        MwArg::Scipy => MannWhitneyRule::Scipy,
    };
    let eff = efficacy(&study, &metrics, &eopts)?;
    let day = eff[0].day;
    if !study.days().contains(&day) {
        bail!(
            "--day {day}: no tumour was measured on that day (days: {})",
            study
                .days()
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut tab = OutTable::new(&[
        "group",
        "day",
        "n",
        "mean_volume",
        "sem_volume",
        "tc_percent",
        "tgi_percent",
        "p_value",
        "sd_volume",
        "median_volume",
        "n_mice",
        "n_exited_before",
        "mean_volume_day0",
        "tgi_groupmeans_percent",
        "tgi_deltatv_percent",
        "tgi_rtv_percent",
        "dt_over_dc_percent",
        "tc_median_percent",
        "reduction_percent",
        "fold_reduction",
        "regression_percent",
        "welch_t_log",
        "p_value_unadjusted",
        "welch_t_volume",
        "welch_p_volume",
        "welch_p_volume_holm",
        "mann_whitney_p",
        "mann_whitney_p_holm",
        "mean_growth_rate",
        "mauc_ratio",
        "n_cr",
        "n_pr",
        "n_sd",
        "n_pd",
        "n_complete_regression",
        "n_partial_regression",
        "n_any_shrinkage",
    ]);
    for e in &eff {
        tab.rows.push(vec![
            t(&e.group),
            n(Some(e.day)),
            Cell::Int(e.n),
            n(e.mean),
            n(e.sem),
            n(e.tc_mean_pct),
            n(tgi_of(e, a.tgi)),
            n(e.welch_p_log_holm),
            n(e.sd),
            n(e.median),
            Cell::Int(e.n_mice),
            Cell::Int(e.n_exited_before),
            n(e.mean_v0),
            n(e.tgi_groupmeans_pct),
            n(e.tgi_deltatv_pct),
            n(e.tgi_rtv_pct),
            n(e.dt_over_dc_pct),
            n(e.tc_median_pct),
            n(e.reduction_pct),
            n(e.fold_reduction),
            n(e.regression_pct),
            n(e.welch_t_log),
            n(e.welch_p_log),
            n(e.welch_t),
            n(e.welch_p),
            n(e.welch_p_holm),
            n(e.mann_whitney_p),
            n(e.mann_whitney_p_holm),
            n(e.mean_rate),
            n(e.mauc_ratio),
            Cell::Int(e.mrecist[0]),
            Cell::Int(e.mrecist[1]),
            Cell::Int(e.mrecist[2]),
            Cell::Int(e.mrecist[3]),
            Cell::Int(e.n_complete_regression),
            Cell::Int(e.n_partial_regression),
            Cell::Int(e.n_any_shrinkage),
        ]);
    }
    // Per mouse.
    let mut pm = OutTable::new(&[
        "mouse",
        "group",
        "growth_rate",
        "best_response",
        "best_avg_response",
        "mrecist",
        "doubling_time",
        "auc_rate",
        "n_obs",
        "volume_day0",
        "last_day",
        "regression",
        "any_shrinkage",
        "time_to_endpoint",
        "endpoint_event",
        "censor_reason",
    ]);
    for m in &metrics {
        let tte = m.time_to_endpoint.as_ref();
        pm.rows.push(vec![
            t(&m.key),
            t(&m.group),
            n(m.growth_rate),
            n(m.best_response),
            n(m.best_avg_response),
            Cell::OptText(m.mrecist.map(|c| c.name().to_string())),
            n(m.doubling_time),
            n(m.auc_rate),
            Cell::Int(m.n_obs),
            n(m.v0),
            n(m.last_day),
            t(m.regression.name()),
            Cell::Int(usize::from(m.any_shrinkage)),
            n(tte.map(|x| x.time)),
            Cell::OptText(tte.map(|x| if x.event { "1" } else { "0" }.to_string())),
            Cell::OptText(tte.map(|x| x.censor_reason.clone())),
        ]);
    }
    // Exits.
    let exits = study.exits();
    let mut ex = OutTable::new(&["mouse", "group", "day", "reason", "stated"]);
    for e in &exits {
        ex.rows.push(vec![
            t(&e.mouse),
            t(&e.group),
            n(Some(e.day)),
            t(&e.reason),
            Cell::Int(usize::from(e.stated)),
        ]);
    }
    // Group × day summary (+ body-weight curves).
    let tox = toxicity(&study, &ToxicityOptions::default());
    let summaries = group_day_summaries(&study);
    let mut sm = OutTable::new(&[
        "group",
        "day",
        "n",
        "mean_volume",
        "sd_volume",
        "sem_volume",
        "median_volume",
        "mean_rtv",
        "sem_rtv",
        "mean_percent_change",
        "n_weighed",
        "mean_bw_percent_change",
        "sem_bw_percent_change",
    ]);
    // (group index, day): volume summary and/or body-weight curve point.
    let gi = |g: &str| {
        study
            .groups
            .iter()
            .position(|x| x == g)
            .unwrap_or(usize::MAX)
    };
    let mut keys: Vec<(usize, f64)> = summaries
        .iter()
        .map(|s| (gi(&s.group), s.day))
        .chain(tox.curves.iter().map(|c| (gi(&c.group), c.day)))
        .collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    for (g, d) in keys {
        let group = &study.groups[g];
        let s = summaries.iter().find(|s| &s.group == group && s.day == d);
        let bw = tox.curves.iter().find(|c| &c.group == group && c.day == d);
        sm.rows.push(vec![
            t(group),
            n(Some(d)),
            Cell::Int(s.map_or(0, |s| s.n)),
            n(s.and_then(|s| s.mean)),
            n(s.and_then(|s| s.sd)),
            n(s.and_then(|s| s.sem)),
            n(s.and_then(|s| s.median)),
            n(s.and_then(|s| s.mean_rtv)),
            n(s.and_then(|s| s.sem_rtv)),
            n(s.and_then(|s| s.mean_pct_change)),
            Cell::Int(bw.map_or(0, |b| b.n)),
            n(bw.and_then(|b| b.mean_pct)),
            n(bw.and_then(|b| b.sem_pct)),
        ]);
    }
    let mut tx = OutTable::new(&[
        "mouse",
        "group",
        "baseline_weight",
        "nadir_percent_change",
        "nadir_day",
        "first_day_loss_over_15",
        "first_day_loss_over_20",
    ]);
    for m in &tox.mice {
        tx.rows.push(vec![
            t(&m.mouse),
            t(&m.group),
            n(Some(m.baseline)),
            n(Some(m.nadir_pct)),
            n(Some(m.nadir_day)),
            n(m.first_day_over_warn),
            n(m.first_day_over_severe),
        ]);
    }
    let mut inputs = vec![(a.input.display().to_string(), sha256_file(&a.input)?)];
    if let Some(p) = &a.body_weight {
        inputs.push((p.display().to_string(), sha256_file(p)?));
    }
    let tgi_name = match a.tgi {
        TgiArg::Groupmeans => "groupmeans",
        TgiArg::Deltatv => "deltatv",
        TgiArg::Rtv => "rtv",
    };
    let prov = Provenance::new(
        inputs,
        vec![
            ("control".into(), a.control.clone()),
            ("day".into(), format!("{day}")),
            (
                "day_rule".into(),
                if a.day.is_some() {
                    "given".into()
                } else {
                    "last day with >=80% of control mice measured".into()
                },
            ),
            (
                "input_format".into(),
                if wide { "wide" } else { "tidy" }.into(),
            ),
            ("day_offset".into(), format!("{}", study.day_offset)),
            ("tgi".into(), tgi_name.into()),
            ("volume_formula".into(), formula.name().into()),
            ("detection_limit".into(), format!("{}", a.detection_limit)),
            ("consecutive".into(), format!("{}", a.consecutive)),
            ("endpoint".into(), format!("{}", a.endpoint)),
            ("log_offset".into(), format!("{}", a.log_offset)),
            (
                "mann_whitney".into(),
                match a.mann_whitney {
                    MwArg::R => "r",
                    MwArg::Scipy => "scipy",
                }
                .into(),
            ),
        ],
    );
    let warnings: Vec<String> = study.warnings.clone();
    let exit_note = format!(
        "{} mice left the study or stopped being measured before the last day (listed with --exits / in JSON); they are never carried forward",
        exits.len()
    );
    let mut notes: Vec<&str> = vec![
        "volumes in mm3; day 0 = first day (wide invivoSyn tables are rebased to day - min(day)); V0 = each mouse's first volume; n = mice measured on the day",
        "tc_percent = 100 * mean T / mean C on the day; tgi_percent = the --tgi definition: groupmeans 100*(1 - (mean T_t - mean T_0)/(mean C_t - mean C_0)), deltatv 100*(1 - mean_T(V_t - V0)/mean_C(V_t - V0)) (invivoSyn), rtv 100*(1 - mean_T(V_t/V0)/mean_C(V_t/V0)) (invivoSyn RTV / CombPDX)",
        "p_value = Welch t test on ln(volume + log_offset) vs control, Holm-adjusted over the treated groups (p_value_unadjusted before); welch_p_volume on the volume; mann_whitney_p two-sided; empty when undefined (e.g. a zero volume on the log scale)",
        "reduction_percent = 100 - tc_percent; fold_reduction = mean C / mean T; regression_percent = 100*(mean T_t - mean T_0)/mean T_0 when negative; mean_growth_rate = mean per-mouse OLS slope of ln V on day; mauc_ratio = invivoSyn mAUCr (median of AUC_T/AUC_C over all pairs)",
        "mRECIST (Gao 2015, Xeva rules, best responses over day >= 10): n_cr/n_pr/n_sd/n_pd; regressions: complete = volume <= detection_limit, partial = volume <= 50% of V0, each at >= consecutive measurements after baseline",
    ];
    notes.push(&exit_note);
    let warning_lines: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
    for w in &warning_lines {
        notes.push(w);
    }
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "groups",
        &tab,
        &prov,
        &notes,
        vec![
            ("per_mouse", pm.json_rows()),
            ("exits", ex.json_rows()),
            ("summary", sm.json_rows()),
            ("toxicity", tx.json_rows()),
            ("warnings", serde_json::json!(warnings)),
        ],
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.per_mouse {
        write_side(p, &pm, a.out.digits)?;
    }
    if let Some(p) = &a.mixed {
        let mut mo = MixedOptions::new(&a.control);
        mo.log_offset = a.log_offset;
        let m = mixed_model(&study, &mo).map_err(|e| anyhow!("{}: {e}", p.display()))?;
        let mut tab = OutTable::new(&[
            "group",
            "mice",
            "rate",
            "rate_se",
            "rate_difference",
            "difference_se",
            "difference_lower",
            "difference_upper",
            "t",
            "df",
            "p_value",
            "p_holm",
            "interaction_f",
            "interaction_df1",
            "interaction_df2",
            "interaction_p",
            "sigma2",
            "random_sd_intercept",
            "random_sd_slope",
            "loglik_reml",
            "n_obs",
            "excluded",
            "converged",
            "singular",
            "log_offset",
        ]);
        let (f, d1, d2, fp) = match m.interaction {
            Some((f, d1, d2, fp)) => (Some(f), Some(d1), Some(d2), Some(fp)),
            None => (None, None, None, None),
        };
        for g in &m.groups {
            tab.rows.push(vec![
                t(&g.group),
                n(Some(g.mice as f64)),
                n(Some(g.rate)),
                n(Some(g.rate_se)),
                n(g.rate_difference),
                n(g.difference_se),
                n(g.difference_lower),
                n(g.difference_upper),
                n(g.t),
                n(g.df),
                n(g.p),
                n(g.p_holm),
                n(f),
                n(d1),
                n(d2),
                n(fp),
                n(Some(m.sigma2)),
                n(m.random_sd.first().copied()),
                n(m.random_sd.get(1).copied()),
                n(Some(m.loglik)),
                n(Some(m.n_obs as f64)),
                n(Some(m.excluded as f64)),
                t(m.converged.to_string()),
                t(m.singular.to_string()),
                n(Some(m.log_offset)),
            ]);
        }
        write_side(p, &tab, a.out.digits)?;
    }
    if let Some(p) = &a.exits {
        write_side(p, &ex, a.out.digits)?;
    }
    if let Some(p) = &a.summary {
        write_side(p, &sm, a.out.digits)?;
    }
    if let Some(p) = &a.toxicity {
        write_side(p, &tx, a.out.digits)?;
    }
    let group_index = |g: &str| study.groups.iter().position(|x| x == g).unwrap_or(0);
    let growth_groups: Vec<GrowthGroup> = study
        .groups
        .iter()
        .map(|g| {
            let rows: Vec<_> = summaries.iter().filter(|s| &s.group == g).collect();
            GrowthGroup {
                name: g.clone(),
                days: rows.iter().map(|s| s.day).collect(),
                mean: rows.iter().map(|s| s.mean.unwrap_or(f64::NAN)).collect(),
                sem: rows.iter().map(|s| s.sem).collect(),
            }
        })
        .collect();
    let stem = a
        .input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(p) = &a.figure_growth {
        let fig = GrowthFigure {
            title: stem.clone(),
            log_y: a.log_y,
            groups: growth_groups.clone(),
            ..GrowthFigure::default()
        };
        write_svg(p, fig.to_svg())?;
    }
    if let Some(p) = &a.figure_spaghetti {
        let fig = GrowthFigure {
            title: stem.clone(),
            log_y: a.log_y,
            groups: growth_groups,
            mice: study
                .mice
                .iter()
                .map(|m| GrowthMouse {
                    group: group_index(&m.group),
                    label: m.key.clone(),
                    days: m.days(),
                    volumes: m.volumes(),
                })
                .collect(),
            show_means: false,
            ..GrowthFigure::default()
        };
        write_svg(p, fig.to_svg())?;
    }
    if let Some(p) = &a.figure_waterfall {
        let fig = WaterfallFigure {
            title: stem,
            groups: study.groups.clone(),
            bars: waterfall(&metrics)
                .into_iter()
                .map(|w| WaterfallBar {
                    label: w.mouse,
                    group: group_index(&w.group),
                    value: w.best_response,
                })
                .collect(),
            ..WaterfallFigure::default()
        };
        write_svg(p, fig.to_svg())?;
    }
    Ok(())
}
