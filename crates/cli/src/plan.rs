//! `preclin plan xenograft|survival|viability`: power of a design by
//! simulation with the study's own analysis (`preclin_study::plan`), printed
//! as a table (n, power, Monte-Carlo SE, mean effect) and drawn as a
//! power-curve SVG.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_report::figures::power::{PowerFigure, PowerSeries};
use preclin_sim::pk::Route;
use preclin_study::plan::survival::{SurvivalPlan, plan_survival};
use preclin_study::plan::viability::{ViabilityPlan, plan_viability};
use preclin_study::plan::xenograft::{PlanResult, XenograftPlan, plan_xenograft};
use preclin_study::plan::{ArmSpec, Schedule, parse_n_range};

use crate::fit::FormatArg;
use crate::fit_table::Cell;
use crate::provenance::Provenance;
use crate::table_out::{OutTable, n, t, write_main};

/// Which study to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanKind {
    /// Subcutaneous xenograft: Welch t on ln volume vs vehicle (as `preclin xenograft`).
    Xenograft,
    /// Leukaemia survival: log-rank vs vehicle (as `preclin survival`).
    Survival,
    /// Viability plate: GI50 95 % CI within --fold of the estimate (LL.4 fit).
    Viability,
}

/// Route of administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteArg {
    /// Oral gavage.
    Po,
    /// Intraperitoneal.
    Ip,
    /// Intravenous bolus.
    Iv,
}

/// Arguments of `preclin plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Study type.
    #[arg(value_enum)]
    pub kind: PlanKind,
    /// Group sizes: mice per group (replicates per concentration for
    /// viability), e.g. `3..15`, `4..12:2` or `4,6,8`.
    #[arg(long, value_name = "GRID")]
    pub n: Option<String>,
    /// Simulated studies per design.
    #[arg(long, default_value_t = 200, value_name = "R")]
    pub reps: usize,
    /// Master seed (reported; same seed → same output bytes).
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05, value_name = "A")]
    pub alpha: f64,
    /// Target power for the smallest adequate n.
    #[arg(long, default_value_t = 0.8, value_name = "P")]
    pub power: f64,
    /// Doses (mg/kg per administration), comma-separated; one arm per
    /// dose × schedule (in vivo only). 0 checks the test's calibration.
    #[arg(long, value_name = "MG_PER_KG", value_delimiter = ',')]
    pub dose: Vec<f64>,
    /// Schedules (qd, bid, q2d, qw), comma-separated (in vivo only).
    #[arg(long, value_name = "S", value_delimiter = ',')]
    pub schedule: Vec<String>,
    /// Compound (default revumenib).
    #[arg(long, value_name = "NAME")]
    pub compound: Option<String>,
    /// Cell line of the parameter file (default MV4;11 xenograft, MOLM-13 otherwise).
    #[arg(long, value_name = "NAME")]
    pub line: Option<String>,
    /// Route of administration (in vivo).
    #[arg(long, value_enum, default_value_t = RouteArg::Po)]
    pub route: RouteArg,
    /// Xenograft: offset c of the Welch test's ln(V + c) (as `preclin xenograft --log-offset`).
    #[arg(long, default_value_t = 0.0, value_name = "C")]
    pub log_offset: f64,
    /// Viability: numbers of concentrations to compare, comma-separated.
    #[arg(long, value_name = "K", value_delimiter = ',')]
    pub concentrations: Vec<usize>,
    /// Viability: highest concentration (molar).
    #[arg(long, value_name = "M")]
    pub top: Option<f64>,
    /// Viability: fold dilution between concentrations.
    #[arg(long, value_name = "F")]
    pub dilution: Option<f64>,
    /// Viability: well-to-well SD in % of vehicle.
    #[arg(long, value_name = "PCT")]
    pub noise: Option<f64>,
    /// Viability: the CI must lie within this fold of the GI50.
    #[arg(long, value_name = "F")]
    pub fold: Option<f64>,
    /// Viability: assay duration (h).
    #[arg(long, value_name = "H")]
    pub hours: Option<f64>,
    /// Write the power-curve figure (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub figure: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Write the table here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn arms(a: &PlanArgs, default_dose: f64) -> anyhow::Result<Vec<ArmSpec>> {
    let doses = if a.dose.is_empty() {
        vec![default_dose]
    } else {
        a.dose.clone()
    };
    let scheds = if a.schedule.is_empty() {
        vec![Schedule::Bid]
    } else {
        a.schedule
            .iter()
            .map(|s| Schedule::parse(s))
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut v = Vec::new();
    for &s in &scheds {
        for &d in &doses {
            if !(d.is_finite() && d >= 0.0) {
                bail!("--dose {d}: must be a finite dose ≥ 0 mg/kg");
            }
            v.push(ArmSpec {
                mg_per_kg: d,
                schedule: s,
            });
        }
    }
    Ok(v)
}

fn route(r: RouteArg) -> Route {
    match r {
        RouteArg::Po => Route::Oral,
        RouteArg::Ip => Route::Ip,
        RouteArg::Iv => Route::IvBolus,
    }
}

fn grid(a: &PlanArgs, default: &str) -> anyhow::Result<Vec<usize>> {
    Ok(parse_n_range(a.n.as_deref().unwrap_or(default))?)
}

/// Runs `preclin plan`.
pub fn run(a: PlanArgs) -> anyhow::Result<()> {
    if !(a.power > 0.0 && a.power < 1.0) {
        bail!("--power {}: must be in (0, 1)", a.power);
    }
    let in_vivo = matches!(a.kind, PlanKind::Xenograft | PlanKind::Survival);
    if !in_vivo && (!a.dose.is_empty() || !a.schedule.is_empty()) {
        bail!("--dose / --schedule are for xenograft and survival plans");
    }
    let res = match a.kind {
        PlanKind::Xenograft => {
            let mut p = XenograftPlan::new(a.seed);
            p.arms = arms(&a, 30.0)?;
            p.n_grid = grid(&a, "3..15")?;
            p.reps = a.reps;
            p.alpha = a.alpha;
            p.route = route(a.route);
            p.log_offset = a.log_offset;
            if let Some(c) = &a.compound {
                p.compound = c.clone();
            }
            if let Some(l) = &a.line {
                p.line = l.clone();
            }
            plan_xenograft(&p)?
        }
        PlanKind::Survival => {
            let mut p = SurvivalPlan::new(a.seed);
            p.arms = arms(&a, 10.0)?;
            p.n_grid = grid(&a, "3..15")?;
            p.reps = a.reps;
            p.alpha = a.alpha;
            p.route = route(a.route);
            if let Some(c) = &a.compound {
                p.compound = c.clone();
            }
            if let Some(l) = &a.line {
                p.line = l.clone();
            }
            plan_survival(&p)?
        }
        PlanKind::Viability => {
            let mut p = ViabilityPlan::new(a.seed);
            p.n_grid = grid(&a, "2..6")?;
            p.reps = a.reps;
            if !a.concentrations.is_empty() {
                p.concentrations = a.concentrations.clone();
            }
            if let Some(c) = &a.compound {
                p.compound = c.clone();
            }
            if let Some(l) = &a.line {
                p.line = l.clone();
            }
            p.top_molar = a.top.unwrap_or(p.top_molar);
            p.dilution = a.dilution.unwrap_or(p.dilution);
            p.noise_pct = a.noise.unwrap_or(p.noise_pct);
            p.fold = a.fold.unwrap_or(p.fold);
            p.hours = a.hours.unwrap_or(p.hours);
            plan_viability(&p)?
        }
    };
    if let Some(f) = &a.figure {
        write_figure(f, &a, &res)?;
    }
    let (table, notes) = table(&res, a.power);
    let note_refs: Vec<&str> = notes.iter().map(String::as_str).collect();
    let smallest: Vec<serde_json::Value> = res
        .smallest(a.power)
        .into_iter()
        .map(|(arm, n)| serde_json::json!({"arm": arm, "smallest_n": n}))
        .collect();
    let prov = Provenance::new(
        vec![],
        vec![
            ("kind".into(), format!("{:?}", a.kind).to_lowercase()),
            ("seed".into(), a.seed.to_string()),
            ("reps".into(), a.reps.to_string()),
            ("alpha".into(), a.alpha.to_string()),
            ("power".into(), a.power.to_string()),
        ],
    );
    write_main(
        a.output.as_ref(),
        a.format,
        "power",
        &table,
        &prov,
        &note_refs,
        vec![
            ("smallest_n", serde_json::Value::Array(smallest)),
            ("method", serde_json::Value::String(res.method.clone())),
        ],
        Some(4),
        false,
    )
}

fn table(res: &PlanResult, target: f64) -> (OutTable, Vec<String>) {
    let mut tab = OutTable::new(&[
        "arm",
        "n",
        "power",
        "mc_se",
        &res.effect,
        &res.effect2,
        "rejections",
        "undefined",
        "reps",
    ]);
    for r in &res.rows {
        tab.rows.push(vec![
            t(r.arm.clone()),
            Cell::Int(r.n),
            n(Some(r.power)),
            n(Some(r.mc_se)),
            n(r.mean_effect),
            n(r.mean_effect2),
            Cell::Int(r.rejections),
            Cell::Int(r.undefined),
            Cell::Int(r.reps),
        ]);
    }
    let mut notes = vec![
        format!(
            "{} (seed {}, {} studies per design)",
            res.method, res.seed, res.reps
        ),
        format!(
            "power = fraction of simulated studies meeting the criterion; mc_se = sqrt(power(1 - power)/reps); {} and {} are means over the studies where defined (empty: never defined); undefined = studies whose test/CI was undefined (counted as failures)",
            res.effect, res.effect2
        ),
    ];
    for (arm, n) in res.smallest(target) {
        notes.push(match n {
            Some(n) => format!("smallest n with power >= {target}: {arm}: {n}"),
            None => format!("smallest n with power >= {target}: {arm}: not reached in the grid"),
        });
    }
    (tab, notes)
}

fn write_figure(path: &PathBuf, a: &PlanArgs, res: &PlanResult) -> anyhow::Result<()> {
    let mut series: Vec<PowerSeries> = Vec::new();
    for r in &res.rows {
        if series.last().is_none_or(|s| s.name != r.arm) {
            series.push(PowerSeries {
                name: r.arm.clone(),
                ..PowerSeries::default()
            });
        }
        if let Some(s) = series.last_mut() {
            s.n.push(r.n as f64);
            s.power.push(r.power);
            s.se.push(r.mc_se);
        }
    }
    let (title, x_label, alpha) = match a.kind {
        PlanKind::Xenograft => (
            "Xenograft power (Welch, ln V)",
            "Mice per group",
            Some(a.alpha),
        ),
        PlanKind::Survival => ("Survival power (log-rank)", "Mice per group", Some(a.alpha)),
        PlanKind::Viability => (
            "P(GI50 95 % CI within fold)",
            "Replicates per concentration",
            None,
        ),
    };
    let fig = PowerFigure {
        title: format!("{title}, {} studies, seed {}", res.reps, res.seed),
        x_label: x_label.into(),
        y_label: if alpha.is_some() {
            "Power".into()
        } else {
            "Probability".into()
        },
        series,
        target: Some(a.power),
        alpha,
        ..PowerFigure::default()
    };
    std::fs::write(path, fig.to_svg()).with_context(|| format!("{}: cannot write", path.display()))
}
