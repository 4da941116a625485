//! `preclin markers FILES --gating GATES --control FILE` — per sample and
//! marker: % positive (threshold at a percentile of the control on the
//! transformed scale), MFI and the change against the control; optionally
//! the PDX engraftment summary (% hCD45⁺ of hCD45⁺ + mCD45⁺).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_flow::markers::{
    DEFAULT_PERCENTILE, Engraftment, MarkerRow, compare_marker, compare_with_threshold,
    engraftment, find_marker, threshold,
};
use preclin_flow::transforms::{Logicle, Scale};
use preclin_flow::{EventData, GatingStrategy, gate_events};
use serde_json::json;

use crate::fit::{FormatArg, open_output, push_csv_field};
use crate::format::num;

/// Transformed scale on which thresholds are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// Logicle T = 262144, W = 0.5, M = 4.5, A = 0 (default).
    Logicle,
    /// asinh(x / cofactor).
    Asinh,
    /// No transform.
    Linear,
}

/// Arguments of `preclin markers`.
#[derive(Debug, Args)]
pub struct MarkersArgs {
    /// Sample FCS files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Gating-ML 2.0 document or FlowJo workspace.
    #[arg(long)]
    pub gating: PathBuf,
    /// The control (FMO, isotype or vehicle) FCS file.
    #[arg(long)]
    pub control: PathBuf,
    /// The vehicle FCS file the changes are computed against (default: the
    /// control). Give it when the control is an FMO or isotype control, so
    /// that thresholds come from the control and Δ% / MFI ratio from the
    /// vehicle; the `control_*` columns then describe the vehicle.
    #[arg(long)]
    pub vehicle: Option<PathBuf>,
    /// Gate whose events are analysed (default: the last gate of the
    /// strategy).
    #[arg(long)]
    pub gate: Option<String>,
    /// Markers (matched to $PnS labels, then $PnN).
    #[arg(long, value_delimiter = ',', default_value = "CD11b,CD14,CD34,CD117")]
    pub markers: Vec<String>,
    /// Percentile of the control used as threshold.
    #[arg(long, default_value_t = DEFAULT_PERCENTILE)]
    pub percentile: f64,
    /// Scale of the thresholds.
    #[arg(long, value_enum, default_value_t = ScaleArg::Logicle)]
    pub scale: ScaleArg,
    /// Cofactor of --scale asinh.
    #[arg(long, default_value_t = 150.0)]
    pub cofactor: f64,
    /// Also write the PDX engraftment summary (% hCD45+ of hCD45+ + mCD45+)
    /// to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub engraftment: Option<PathBuf>,
    /// Human and mouse CD45 markers for --engraftment.
    #[arg(long, value_delimiter = ',', default_value = "hCD45,mCD45")]
    pub pdx_markers: Vec<String>,
    /// Write a histogram per sample and marker (sample vs control on the
    /// threshold scale, threshold drawn) to DIR/<sample>_<marker>.svg.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// A sample's gated, compensated events with names and labels.
pub struct GatedSample {
    /// Sample name (file stem).
    pub name: String,
    /// $PnN.
    pub names: Vec<String>,
    /// $PnS.
    pub labels: Vec<Option<String>>,
    /// Per channel, the values of the events in the gate.
    pub columns: Vec<Vec<f64>>,
}

/// Reads `path`, compensates with its spillover, gates with `strategy` and
/// keeps the events of `gate` (all events when `None` and the strategy is
/// empty).
pub fn gated_sample(
    path: &Path,
    strategy: &GatingStrategy,
    gate: Option<&str>,
) -> anyhow::Result<GatedSample> {
    let f = crate::fcs::open(path)?;
    let ds = f.dataset(0)?;
    let data = EventData::from_fcs(&f, 0).with_context(|| format!("{}", path.display()))?;
    let res =
        gate_events(strategy, &data).with_context(|| format!("{}: gating", path.display()))?;
    let keep: Vec<bool> = match gate.or(strategy.gates.last().map(|g| g.id.as_str())) {
        Some(id) => res
            .get(id)
            .with_context(|| format!("no gate '{id}' in the gating strategy"))?
            .membership
            .clone(),
        None => vec![true; data.n_events()],
    };
    let mut cols = data.columns.clone();
    if let Some(c) = &data.fcs_compensation {
        c.apply_in_place(&data.names, &mut cols)?;
    }
    let columns = cols
        .into_iter()
        .map(|c| {
            c.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect()
        })
        .collect();
    Ok(GatedSample {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        names: data.names.clone(),
        labels: ds.parameters.iter().map(|p| p.label.clone()).collect(),
        columns,
    })
}

fn channel<'a>(s: &'a GatedSample, marker: &str) -> anyhow::Result<(usize, &'a [f64])> {
    let j = find_marker(&s.names, &s.labels, marker).with_context(|| {
        format!(
            "{}: no channel for marker '{marker}' ($PnN: {}; $PnS: {})",
            s.name,
            s.names.join(", "),
            s.labels
                .iter()
                .map(|l| l.as_deref().unwrap_or("-"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok((j, &s.columns[j]))
}

/// Runs `preclin markers`.
pub fn run(a: MarkersArgs) -> anyhow::Result<()> {
    let scale = match a.scale {
        ScaleArg::Logicle => Scale::Logicle(Logicle::new(262_144.0, 0.5, 4.5, 0.0)?),
        ScaleArg::Asinh => {
            if !(a.cofactor > 0.0) {
                bail!("--cofactor must be > 0, got {}", a.cofactor);
            }
            Scale::Arcsinh {
                cofactor: a.cofactor,
            }
        }
        ScaleArg::Linear => Scale::Linear,
    };
    let strategy = crate::gate::load_strategy(&a.gating, None, None)?;
    let control = gated_sample(&a.control, &strategy, a.gate.as_deref())?;
    let vehicle = match &a.vehicle {
        Some(v) => Some(gated_sample(v, &strategy, a.gate.as_deref())?),
        None => None,
    };
    let mut rows: Vec<MarkerRow> = Vec::new();
    let mut pdx: Vec<(String, Engraftment)> = Vec::new();
    for file in &a.files {
        let s = gated_sample(file, &strategy, a.gate.as_deref())?;
        for m in &a.markers {
            let (j, v) = channel(&s, m)?;
            let (_, cv) = channel(&control, m)?;
            let reference = vehicle.as_ref().unwrap_or(&control);
            let (_, rv) = channel(reference, m)?;
            let row = match &vehicle {
                None => compare_marker(&s.name, m, &s.names[j], v, cv, &scale, a.percentile)
                    .with_context(|| format!("marker {m}, control {}", a.control.display()))?,
                Some(veh) => {
                    let th = threshold(cv, &scale, a.percentile)
                        .with_context(|| format!("marker {m}, control {}", a.control.display()))?;
                    let (_, vv) = channel(veh, m)?;
                    compare_with_threshold(&s.name, m, &s.names[j], v, vv, &scale, th)
                }
            };
            if let Some(dir) = &a.plot {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create", dir.display()))?;
                let svg = crate::flow_figures::marker_histogram(
                    m,
                    &s.names[j],
                    &scale,
                    (&s.name, v),
                    (&reference.name, rv),
                    row.threshold.transformed,
                    row.sample_stats.percent_positive,
                );
                let p = dir.join(format!("{}_{m}.svg", s.name).replace(['/', '\\'], "_"));
                std::fs::write(&p, svg)
                    .with_context(|| format!("{}: cannot write", p.display()))?;
            }
            rows.push(row);
        }
        if a.engraftment.is_some() {
            let [h, mo] = a.pdx_markers.as_slice() else {
                bail!("--pdx-markers needs two markers (human, mouse CD45)");
            };
            let (_, hv) = channel(&s, h)?;
            let (_, mv) = channel(&s, mo)?;
            let th_h = threshold(channel(&control, h)?.1, &scale, a.percentile)?;
            let th_m = threshold(channel(&control, mo)?.1, &scale, a.percentile)?;
            pdx.push((s.name.clone(), engraftment(hv, mv, &scale, &th_h, &th_m)));
        }
    }
    let mut out = open_output(&a.output)?;
    match a.format {
        FormatArg::Csv => {
            writeln!(
                out,
                "sample,marker,channel,events,positive,percent_positive,mfi,control_events,control_percent_positive,control_mfi,delta_percent,mfi_ratio,threshold,threshold_data,percentile"
            )?;
            for r in &rows {
                let mut l = String::new();
                for f in [&r.sample, &r.marker, &r.channel] {
                    push_csv_field(&mut l, f);
                    l.push(',');
                }
                l.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{},{},{}",
                    r.sample_stats.events,
                    r.sample_stats.positive,
                    num(r.sample_stats.percent_positive, Some(6)),
                    num(r.sample_stats.mfi, Some(6)),
                    r.control_stats.events,
                    num(r.control_stats.percent_positive, Some(6)),
                    num(r.control_stats.mfi, Some(6)),
                    num(r.delta_percent, Some(6)),
                    num(r.mfi_ratio, Some(6)),
                    num(Some(r.threshold.transformed), Some(6)),
                    num(Some(r.threshold.data), Some(6)),
                    num(Some(r.threshold.percentile), None),
                ));
                writeln!(out, "{l}")?;
            }
        }
        FormatArg::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "sample": r.sample, "marker": r.marker, "channel": r.channel,
                        "events": r.sample_stats.events, "positive": r.sample_stats.positive,
                        "percent_positive": crate::gate::fin(r.sample_stats.percent_positive),
                        "mfi": crate::gate::fin(r.sample_stats.mfi),
                        "control_percent_positive": crate::gate::fin(r.control_stats.percent_positive),
                        "control_mfi": crate::gate::fin(r.control_stats.mfi),
                        "delta_percent": crate::gate::fin(r.delta_percent),
                        "mfi_ratio": crate::gate::fin(r.mfi_ratio),
                        "threshold": crate::gate::fin(Some(r.threshold.transformed)),
                        "threshold_data": crate::gate::fin(Some(r.threshold.data)),
                        "percentile": r.threshold.percentile,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"scale": scale.describe(), "markers": v}),
            )?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    if let Some(p) = &a.engraftment {
        let mut w = open_output(&Some(p.clone()))?;
        writeln!(w, "sample,human,mouse,double_positive,events,percent_human")?;
        for (s, e) in &pdx {
            let mut l = String::new();
            push_csv_field(&mut l, s);
            writeln!(
                w,
                "{l},{},{},{},{},{}",
                e.human,
                e.mouse,
                e.double_positive,
                e.events,
                num(e.percent_human, Some(6))
            )?;
        }
        w.flush()?;
    }
    Ok(())
}
