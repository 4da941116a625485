//! `preclin randomize INPUT --groups K` — seeded balanced assignment of
//! tumour-bearing mice to treatment groups (`preclin_invivo::randomize`).

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::Args;
use preclin_invitro::table::{Table, TableOptions};
use preclin_invivo::randomize::{Candidate, RandomizeOptions, randomize};
use preclin_invivo::xenograft::model::VolumeFormula;

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main, write_side};
use crate::xenograft::FormulaArg;

/// Arguments of `preclin randomize`.
#[derive(Debug, Args)]
pub struct RandomizeArgs {
    /// Tidy table `mouse,volume` (or `mouse,length,width` in mm); with a
    /// `day` column, the rows of `--day` (default: each mouse's last day).
    pub input: PathBuf,
    /// Number of groups.
    #[arg(long, value_name = "K")]
    pub groups: usize,
    /// Group names, comma-separated (default G1…GK).
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub names: Vec<String>,
    /// Seed of the random stream (reported in the output).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Smallest eligible volume (mm³).
    #[arg(long, default_value_t = 80.0, value_name = "MM3")]
    pub min_volume: f64,
    /// Largest eligible volume (mm³).
    #[arg(long, default_value_t = 150.0, value_name = "MM3")]
    pub max_volume: f64,
    /// Day whose volumes are used (with a `day` column).
    #[arg(long, value_name = "D")]
    pub day: Option<f64>,
    /// Swap proposals of the balancing search.
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub iterations: usize,
    /// Volume from caliper length and width.
    #[arg(long, value_enum, default_value_t = FormulaArg::Half)]
    pub volume_formula: FormulaArg,
    /// Per-group balance table (CSV).
    #[arg(long, value_name = "FILE")]
    pub balance: Option<PathBuf>,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Runs `preclin randomize`.
pub fn run(a: RandomizeArgs) -> anyhow::Result<()> {
    let tab = Table::read_with(
        &a.input,
        &TableOptions {
            sheet: a.sheet.clone(),
            delimiter: None,
        },
    )?;
    let mouse = tab
        .find_column("mouse")
        .or_else(|| tab.find_column("animal"))
        .map_or_else(|| tab.column("mouse"), Ok)?;
    let volume = tab.find_column("volume");
    let (length, width) = (tab.find_column("length"), tab.find_column("width"));
    if volume.is_none() && (length.is_none() || width.is_none()) {
        bail!(
            "{}: needs a 'volume' column or both 'length' and 'width' (columns present: {})",
            tab.source,
            tab.headers.join(", ")
        );
    }
    let day = tab.find_column("day");
    let formula = match a.volume_formula {
        FormulaArg::Half => VolumeFormula::Half,
        FormulaArg::Pi6 => VolumeFormula::Pi6,
    };
    // mouse → (day, volume, line)
    let mut latest: Vec<(String, f64, f64, usize)> = Vec::new();
    for row in &tab.rows {
        let m = row.text(mouse).map(str::to_string).ok_or_else(|| {
            anyhow!(
                "{}, line {}, column '{}': empty cell",
                tab.source,
                row.line,
                tab.headers[mouse]
            )
        })?;
        let d = match day {
            Some(c) => tab.parse_f64(row, c)?.ok_or_else(|| {
                anyhow!(
                    "{}, line {}, column 'day': day is empty",
                    tab.source,
                    row.line
                )
            })?,
            None => 0.0,
        };
        if a.day.is_some_and(|want| want != d) {
            continue;
        }
        let v = match volume {
            Some(c) => tab.parse_f64(row, c)?,
            None => match (
                tab.parse_f64(row, length.unwrap())?,
                tab.parse_f64(row, width.unwrap())?,
            ) {
                (Some(l), Some(w)) if l >= 0.0 && w >= 0.0 => {
                    Some(formula.volume(l.max(w), l.min(w)))
                }
                (Some(l), Some(w)) => bail!(
                    "{}, line {}: length {l} / width {w}: sizes must be ≥ 0",
                    tab.source,
                    row.line
                ),
                _ => None,
            },
        };
        let Some(v) = v else { continue };
        if !(v >= 0.0) {
            bail!("{}, line {}: volume {v} is negative", tab.source, row.line);
        }
        match latest.iter_mut().find(|x| x.0 == m) {
            Some(x) if x.1 == d => bail!(
                "{}, line {}: mouse '{m}' has a second volume on day {d} (first on line {})",
                tab.source,
                row.line,
                x.3
            ),
            Some(x) => {
                if d > x.1 {
                    *x = (m, d, v, row.line);
                }
            }
            None => latest.push((m, d, v, row.line)),
        }
    }
    let mut opts = RandomizeOptions::new(a.groups, a.seed);
    if !a.names.is_empty() {
        if a.names.len() != a.groups {
            bail!(
                "--names gives {} names for --groups {}",
                a.names.len(),
                a.groups
            );
        }
        opts.groups = a.names.iter().map(|s| s.trim().to_string()).collect();
    }
    opts.min_volume = a.min_volume;
    opts.max_volume = a.max_volume;
    opts.iterations = a.iterations;
    let cands: Vec<Candidate> = latest
        .iter()
        .map(|x| Candidate {
            mouse: x.0.clone(),
            volume: x.2,
        })
        .collect();
    let r = randomize(&cands, &opts).map_err(|e| anyhow!("{}: {e}", tab.source))?;
    let mut out = OutTable::new(&["mouse", "volume", "group"]);
    for x in &r.assignments {
        out.rows
            .push(vec![t(&x.mouse), n(Some(x.volume)), t(&x.group)]);
    }
    for x in &r.excluded {
        out.rows
            .push(vec![t(&x.mouse), n(Some(x.volume)), t("excluded")]);
    }
    let mut bal = OutTable::new(&["group", "n", "mean_volume", "sd_volume", "median_volume"]);
    for b in &r.balance {
        bal.rows.push(vec![
            t(&b.group),
            Cell::Int(b.n),
            n(b.mean),
            n(b.sd),
            n(b.median),
        ]);
    }
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        vec![
            ("groups".into(), opts.groups.join(",")),
            ("seed".into(), a.seed.to_string()),
            (
                "window".into(),
                format!("{}-{} mm3", opts.min_volume, opts.max_volume),
            ),
            ("iterations".into(), opts.iterations.to_string()),
            ("volume_formula".into(), formula.name().into()),
        ],
    );
    let mut balance_lines: Vec<String> = r
        .balance
        .iter()
        .map(|b| {
            format!(
                "balance {}: n={} mean={} sd={} median={}",
                b.group,
                b.n,
                b.mean.map_or(String::new(), |v| format!("{v:.2}")),
                b.sd.map_or(String::new(), |v| format!("{v:.2}")),
                b.median.map_or(String::new(), |v| format!("{v:.2}"))
            )
        })
        .collect();
    balance_lines.push(format!(
        "imbalance D = max|group mean - overall mean| + (max SD - min SD) = {:.4} mm3 (stratified start {:.4}); one-way ANOVA p = {}",
        r.imbalance,
        r.imbalance_start,
        r.anova_p.map_or("NA".into(), |p| format!("{p:.4}"))
    ));
    let mut notes: Vec<&str> = vec![
        "balanced stratified randomisation (Xoshiro256++ seeded): eligible mice (volume window) sorted by volume, blocks of K dealt to the groups in a random order, then seeded swaps kept when they lower D",
        "group = excluded: volume outside the window, not assigned",
    ];
    for l in &balance_lines {
        notes.push(l);
    }
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "assignments",
        &out,
        &prov,
        &notes,
        vec![
            ("balance", bal.json_rows()),
            ("imbalance", serde_json::json!(r.imbalance)),
            ("imbalance_start", serde_json::json!(r.imbalance_start)),
            ("anova_p", serde_json::json!(r.anova_p)),
            ("seed", serde_json::json!(r.seed)),
        ],
        a.out.digits,
        a.out.no_comments,
    )?;
    if let Some(p) = &a.balance {
        write_side(p, &bal, a.out.digits)?;
    }
    Ok(())
}
