//! Figures the study report needs that the engines do not write: the block heatmaps of a
//! combination experiment ([`combination`]) and the dose–response curves of a viability
//! experiment (`OUT/<experiment>/dose_response_<compound>.svg`), one figure per
//! compound with a series per cell line — mean ± SD of the wells per dose from `normalized.csv`,
//! an LL.4 fit to the pooled wells with its 95 % pointwise band (display only, through
//! `preclin_curve::fit`; the reported potencies are `potency.csv`'s, per experiment), and a
//! marker at the reported geometric-mean EC50.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use preclin_curve::{CurveData, FitOptions};
use preclin_report::DoseResponseFigure;
use preclin_report::adapt::dose_response_series;
use preclin_report::study::fmt_sig;

type Rows = (Vec<String>, Vec<Vec<String>>);

/// One cell line's wells: (cell line, doses, responses).
type LineData = (String, Vec<f64>, Vec<f64>);

fn read(path: &Path) -> Option<Rows> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(path)
        .ok()?;
    let h: Vec<String> = rdr.headers().ok()?.iter().map(String::from).collect();
    let rows = rdr
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    Some((h, rows))
}

fn col<'a>(h: &[String], r: &'a [String], name: &str) -> &'a str {
    h.iter()
        .position(|c| c == name)
        .and_then(|i| r.get(i))
        .map(|s| s.trim())
        .unwrap_or("")
}

/// A file-name-safe form of a compound name.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the dose–response figures of a viability experiment folder `dir`; returns how many.
pub fn viability(dir: &Path) -> anyhow::Result<usize> {
    let Some((h, rows)) = read(&dir.join("normalized.csv")) else {
        return Ok(0);
    };
    // compound → cell line → (doses, responses), in file order of first appearance
    let mut data: BTreeMap<String, Vec<LineData>> = BTreeMap::new();
    let mut unit = String::from("nM");
    for r in &rows {
        if col(&h, r, "role") != "sample" {
            continue;
        }
        let (Ok(d), Ok(y)) = (
            col(&h, r, "dose").parse::<f64>(),
            col(&h, r, "viability_pct").parse::<f64>(),
        ) else {
            continue;
        };
        if !(d.is_finite() && y.is_finite() && d > 0.0) {
            continue;
        }
        let u = col(&h, r, "dose_unit");
        if !u.is_empty() {
            unit = u.to_string();
        }
        let lines = data.entry(col(&h, r, "compound").to_string()).or_default();
        let line = col(&h, r, "cell_line");
        match lines.iter_mut().find(|l| l.0 == line) {
            Some(l) => {
                l.1.push(d);
                l.2.push(y);
            }
            None => lines.push((line.to_string(), vec![d], vec![y])),
        }
    }
    let ec50: BTreeMap<(String, String), f64> = read(&dir.join("potency.csv"))
        .map(|(h, rows)| {
            rows.iter()
                .filter_map(|r| {
                    let v = col(&h, r, "ec50_geomean").parse::<f64>().ok()?;
                    Some((
                        (
                            col(&h, r, "compound").to_string(),
                            col(&h, r, "cell_line").to_string(),
                        ),
                        v,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut n = 0;
    for (compound, lines) in &data {
        let series = lines
            .iter()
            .map(|(line, dose, resp)| {
                let fit = preclin_curve::fit(
                    &CurveData {
                        dose,
                        response: resp,
                        weight: None,
                    },
                    &FitOptions::default(),
                )
                .ok();
                let marker = ec50
                    .get(&(compound.clone(), line.clone()))
                    .filter(|x| x.is_finite() && **x > 0.0)
                    .map(|&x| (x, format!("EC50 {} {unit}", fmt_sig(Some(x)))));
                dose_response_series(line, dose, resp, fit.as_ref(), 0.95, marker)
            })
            .collect();
        let fig = DoseResponseFigure {
            title: compound.clone(),
            x_label: format!("{compound} ({unit})"),
            y_label: "Viability (% of vehicle)".into(),
            series,
            ..Default::default()
        };
        let path = dir.join(format!("dose_response_{}.svg", slug(compound)));
        std::fs::write(&path, fig.to_svg())
            .with_context(|| format!("{}: cannot write", path.display()))?;
        n += 1;
    }
    Ok(n)
}

/// Writes the heatmaps of a combination experiment's blocks into `dir`: the dose–dose matrix
/// of mean % inhibition and the Bliss synergy per cell (bootstrap mean), scored by
/// `preclin_synergy::score_block` with the experiment's baseline, iterations and seed (the
/// block scores in the report are the engine's, from its CSV). Returns how many were written.
pub fn combination(
    dir: &Path,
    files: &[std::path::PathBuf],
    o: &preclin_study::manifest::CombinationOptions,
) -> anyhow::Result<usize> {
    use crate::synergy_input::{ResponseKind, read_synergy_table};
    use preclin_report::adapt::{response_heatmap, synergy_heatmap};
    use preclin_study::manifest::{self as mf};
    use preclin_synergy::{
        Baseline, BlockOptions, LoeweOptions, Method, ScoreOptions, ZipFitter, score_block,
    };

    let kind = match o.response_kind {
        mf::ResponseKind::Inhibition => ResponseKind::Inhibition,
        _ => ResponseKind::Viability,
    };
    let compat = o.compat.is_some();
    let opts = BlockOptions {
        score: ScoreOptions {
            methods: vec![Method::Bliss],
            baseline: match o.baseline {
                mf::Baseline::Part => Baseline::Part,
                mf::Baseline::All => Baseline::All,
                _ => Baseline::Non,
            },
            loewe: if compat {
                LoeweOptions::synergyfinder()
            } else {
                LoeweOptions::default()
            },
            zip: if compat {
                ZipFitter::SynergyFinder
            } else {
                ZipFitter::LeastSquares
            },
        },
        iterations: o.iterations,
        seed: o.seed,
    };
    let mut n = 0;
    for f in files {
        let Ok(table) = read_synergy_table(f, kind) else {
            continue;
        };
        for (bi, b) in table.blocks.iter().enumerate() {
            if b.drugs.len() != 2 {
                continue;
            }
            let unit = |k: usize| {
                table
                    .units
                    .get(bi)
                    .and_then(|u| u.get(k).copied().flatten())
                    .map(|u| u.to_string())
                    .unwrap_or_default()
            };
            let (u1, u2) = (unit(0), unit(1));
            let drugs = [b.drugs[0].as_str(), b.drugs[1].as_str()];
            let r = score_block(b, &opts);
            let resp = response_heatmap(
                &r.surface,
                drugs,
                [&u1, &u2],
                &format!("block {}: mean inhibition (%)", b.id),
            );
            let mut figs = vec![("response", resp.to_svg())];
            if let Some(bl) = r.method(Method::Bliss) {
                let syn: Vec<Option<f64>> = bl.cells.iter().map(|c| c.synergy).collect();
                let fig = synergy_heatmap(
                    &r.surface,
                    &syn,
                    drugs,
                    [&u1, &u2],
                    &format!("block {}: Bliss synergy", b.id),
                    "Bliss synergy (%)",
                );
                figs.push(("bliss", fig.to_svg()));
            }
            for (tag, svg) in figs {
                let path = dir.join(format!("block_{}_{tag}.svg", slug(&b.id)));
                std::fs::write(&path, svg)
                    .with_context(|| format!("{}: cannot write", path.display()))?;
                n += 1;
            }
        }
    }
    Ok(n)
}
