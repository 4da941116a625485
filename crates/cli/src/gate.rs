//! `preclin gate FILE.fcs --gating GATES` — apply a Gating-ML 2.0 document
//! (or a FlowJo 10 workspace) to an FCS file: per gate
//! `gate_id,count,percent_parent,percent_total`, optional per-channel
//! statistics, and per-event membership files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use preclin_flow::stats::channel_stats;
use preclin_flow::wsp::{Workspace, parse_workspace};
use preclin_flow::{EventData, GatingStrategy, gate_events, parse_gatingml, write_gatingml};
use serde_json::json;

use crate::fit::{FormatArg, open_output, push_csv_field};
use crate::format::num;

/// Arguments of `preclin gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The FCS file.
    pub file: PathBuf,
    /// Gating-ML 2.0 document (.xml) or FlowJo 10 workspace (.wsp).
    #[arg(long)]
    pub gating: PathBuf,
    /// For a FlowJo workspace: the sample whose gates to use (its $FIL or
    /// name in the workspace; default: the sample matching the FCS file
    /// name, else the first).
    #[arg(long)]
    pub sample: Option<String>,
    /// Data set of the FCS file (0-based).
    #[arg(long, default_value_t = 0)]
    pub dataset: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Write DIR/<gate_id>.txt: one 0/1 line per event in file order.
    #[arg(long, value_name = "DIR")]
    pub membership: Option<PathBuf>,
    /// Channels for per-gate statistics (median, mean, geometric mean of the
    /// FCS-compensated scale values), comma-separated $PnN.
    #[arg(long, value_delimiter = ',', value_name = "CHANNELS")]
    pub stats: Vec<String>,
    /// Write a density plot of every two-dimensional gate (its parent's
    /// events on the gate's transformed axes, gate drawn) to DIR/<gate_id>.svg.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Also write the gating strategy as Gating-ML 2.0 to this file.
    #[arg(long, value_name = "FILE")]
    pub write_gatingml: Option<PathBuf>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Reads a gating strategy from Gating-ML or a FlowJo workspace (`sample`
/// picks the workspace sample; `fcs_name` is the FCS file name used to
/// match one).
pub fn load_strategy(
    path: &Path,
    sample: Option<&str>,
    fcs_name: Option<&str>,
) -> anyhow::Result<GatingStrategy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let is_wsp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wsp"))
        || text.contains("<Workspace");
    if is_wsp {
        let ws: Workspace =
            parse_workspace(&text).with_context(|| format!("{}", path.display()))?;
        let s = ws
            .pick(sample, fcs_name)
            .with_context(|| format!("{}", path.display()))?;
        return Ok(s.strategy.clone());
    }
    parse_gatingml(&text).with_context(|| format!("{}", path.display()))
}

/// A file name for a gate id (path separators replaced by `_`).
pub fn membership_file_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{s}.txt")
}

/// Runs `preclin gate`.
pub fn run(a: GateArgs) -> anyhow::Result<()> {
    let f = crate::fcs::open(&a.file)?;
    let fcs_name = a.file.file_name().and_then(|n| n.to_str());
    let strategy = load_strategy(&a.gating, a.sample.as_deref(), fcs_name)?;
    if let Some(p) = &a.write_gatingml {
        std::fs::write(p, write_gatingml(&strategy))
            .with_context(|| format!("{}: cannot write", p.display()))?;
    }
    let data =
        EventData::from_fcs(&f, a.dataset).with_context(|| format!("{}", a.file.display()))?;
    let res = gate_events(&strategy, &data)
        .with_context(|| format!("{} gated with {}", a.file.display(), a.gating.display()))?;
    // Statistics columns: FCS-compensated scale values.
    let mut stat_cols: Vec<(String, Vec<f64>)> = Vec::new();
    if !a.stats.is_empty() {
        let mut cols = data.columns.clone();
        if let Some(c) = &data.fcs_compensation {
            c.apply_in_place(&data.names, &mut cols)?;
        }
        for ch in &a.stats {
            let Some(j) = data.find(ch) else {
                bail!(
                    "--stats: no channel '{ch}' in {} (channels: {})",
                    a.file.display(),
                    data.names.join(", ")
                );
            };
            stat_cols.push((data.names[j].clone(), cols[j].clone()));
        }
    }
    if let Some(dir) = &a.membership {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        for g in &res.gates {
            let p = dir.join(membership_file_name(&g.id));
            let mut s = String::with_capacity(g.membership.len() * 2);
            for &m in &g.membership {
                s.push(if m { '1' } else { '0' });
                s.push('\n');
            }
            std::fs::write(&p, s).with_context(|| format!("{}: cannot write", p.display()))?;
        }
    }
    if let Some(dir) = &a.plot {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        for g in &res.gates {
            if let Some(svg) = crate::flow_figures::gate_plot(&strategy, &data, &res, &g.id)? {
                let name = membership_file_name(&g.id).replace(".txt", ".svg");
                let p = dir.join(name);
                std::fs::write(&p, svg)
                    .with_context(|| format!("{}: cannot write", p.display()))?;
            }
        }
    }
    let mut out = open_output(&a.output)?;
    match a.format {
        FormatArg::Csv => {
            let mut header = vec![
                "gate_id".to_string(),
                "count".into(),
                "percent_parent".into(),
                "percent_total".into(),
            ];
            for (c, _) in &stat_cols {
                for s in ["median", "mean", "geomean"] {
                    header.push(format!("{c}_{s}"));
                }
            }
            let mut line = String::new();
            for (k, h) in header.iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                push_csv_field(&mut line, h);
            }
            writeln!(out, "{line}")?;
            for g in &res.gates {
                line.clear();
                push_csv_field(&mut line, &g.id);
                line.push_str(&format!(
                    ",{},{},{}",
                    g.count,
                    num(g.percent_parent(), Some(6)),
                    num(g.percent_total(), Some(6))
                ));
                for (c, v) in &stat_cols {
                    let s = channel_stats(c, v, &g.membership);
                    for x in [s.median, s.mean, s.geometric_mean] {
                        line.push(',');
                        line.push_str(&num(x, Some(6)));
                    }
                }
                writeln!(out, "{line}")?;
            }
        }
        FormatArg::Json => {
            let gates: Vec<serde_json::Value> = res
                .gates
                .iter()
                .map(|g| {
                    let stats: Vec<serde_json::Value> = stat_cols
                        .iter()
                        .map(|(c, v)| {
                            let s = channel_stats(c, v, &g.membership);
                            json!({"channel": s.channel, "median": fin(s.median), "mean": fin(s.mean), "geomean": fin(s.geometric_mean)})
                        })
                        .collect();
                    json!({
                        "gate_id": g.id,
                        "parent": g.parent,
                        "type": g.type_name,
                        "count": g.count,
                        "percent_parent": fin(g.percent_parent()),
                        "percent_total": fin(g.percent_total()),
                        "stats": stats,
                    })
                })
                .collect();
            let doc = json!({
                "file": a.file.display().to_string(),
                "gating": a.gating.display().to_string(),
                "events": res.total,
                "gates": gates,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A finite value or JSON null.
pub fn fin(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}
