//! `preclin viability` — raw plate-reader plates + layout → normalised
//! table, curve fits (per compound × cell line × experiment), summaries
//! across experiments, selectivity, NCI-60 / GR metrics with a time-zero
//! plate, and plate QC.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use preclin_curve::{ModelChoice, SummaryOptions};
use preclin_invitro::layout::{Layout, PlateInfo, PlateMeta};
use preclin_invitro::normalize::{NormalizeOptions, Normalized, normalize};
use preclin_invitro::qc::{PlateQc, QcOptions, plate_qc};
use preclin_invitro::reader::{RawPlate, read_plates};
use preclin_invitro::viability::{
    CurveResult, PotencySummary, Readout, Selectivity, assemble_curves, fit_curves, selectivity,
    summarize_experiments,
};

use crate::fit::FitModelArgs;
use crate::fit_table::{POTENCY_COLUMNS, ResultRow, fit_cells, fit_columns, potency_cells};
use crate::format::num;
use crate::provenance::{Provenance, sha256_file};

/// Readout on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadoutArg {
    /// Percent of vehicle (default).
    Viability,
    /// NCI-60 percent growth (needs --time-zero).
    Growth,
    /// GR value (needs --time-zero).
    Gr,
}

/// The command-line spelling of a readout.
fn readout_name(r: ReadoutArg) -> &'static str {
    match r {
        ReadoutArg::Viability => "viability",
        ReadoutArg::Growth => "growth",
        ReadoutArg::Gr => "gr",
    }
}

/// Arguments of `preclin viability`.
#[derive(Debug, Clone, Args)]
pub struct ViabilityArgs {
    /// Plate-reader exports (matrix CSV/XLSX, or long plate,well,value).
    #[arg(long, num_args = 1.., required = true)]
    pub plates: Vec<PathBuf>,
    /// Plate map: well, role, compound, dose, dose_unit[, plate, cell_line, …].
    #[arg(long)]
    pub layout: PathBuf,
    /// Time-zero plates (read when the drug is added), for NCI-60 GI50 /
    /// TGI / LC50 and GR metrics.
    #[arg(long, num_args = 1..)]
    pub time_zero: Vec<PathBuf>,
    /// Plate-level metadata: plate, cell_line, experiment, time_zero, ….
    #[arg(long)]
    pub plate_info: Option<PathBuf>,
    /// Response to fit.
    #[arg(long, value_enum, default_value_t = ReadoutArg::Viability)]
    pub readout: ReadoutArg,
    /// Plate metadata that separates independent experiments (fitted
    /// separately, then summarised); empty to pool all plates.
    #[arg(long, value_delimiter = ',', default_value = "experiment")]
    pub experiment_by: Vec<String>,
    /// Non-malignant cell lines: their absolute IC50 is the CC50 of the
    /// selectivity index SI = CC50 / IC50.
    #[arg(long, value_delimiter = ',')]
    pub normal_lines: Vec<String>,
    #[command(flatten)]
    pub model: FitModelArgs,
    /// Output directory.
    #[arg(short, long, default_value = "viability_out")]
    pub out: PathBuf,
    /// Significant digits in output tables (default: full precision).
    #[arg(long)]
    pub digits: Option<usize>,
}

/// Everything one viability analysis produced.
pub struct ViabilityRun {
    /// Normalised wells and plate summaries.
    pub normalized: Normalized,
    /// Plate QC.
    pub qc: Vec<PlateQc>,
    /// Curve fits.
    pub results: Vec<CurveResult>,
    /// EC50 / IC50 across experiments.
    pub potency: Vec<PotencySummary>,
    /// Selectivity indices.
    pub selectivity: Vec<Selectivity>,
    /// Provenance.
    pub provenance: Provenance,
    /// Summary options used (level, CI method).
    pub summary_options: SummaryOptions,
}

fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<RawPlate>> {
    let mut v = Vec::new();
    for p in paths {
        v.extend(read_plates(p)?);
    }
    Ok(v)
}

/// Runs the analysis (no files written).
pub fn analyze(args: &ViabilityArgs) -> anyhow::Result<ViabilityRun> {
    let mut plates = read_all(&args.plates)?;
    let t0 = read_all(&args.time_zero)?;
    let layout = Layout::read(&args.layout)?;
    let mut info = match &args.plate_info {
        Some(p) => PlateInfo::read(p)?,
        None => PlateInfo::default(),
    };
    for p in &t0 {
        match info.plates.iter_mut().find(|m| m.plate == p.id) {
            Some(m) => m.time_zero = true,
            None => info.plates.push(PlateMeta {
                line: 0,
                plate: p.id.clone(),
                cell_line: None,
                time_zero: true,
                metadata: Default::default(),
            }),
        }
    }
    plates.extend(t0);
    let normalized = normalize(&plates, &layout, Some(&info), &NormalizeOptions::default())?;
    let qc = plate_qc(&normalized.wells, &QcOptions::default());
    let readout = match args.readout {
        ReadoutArg::Viability => Readout::Viability,
        ReadoutArg::Growth => Readout::Growth,
        ReadoutArg::Gr => Readout::Gr,
    };
    let has_doublings = info.plates.iter().any(|m| {
        m.metadata.contains_key("assay_time_h") && m.metadata.contains_key("doubling_time_h")
    });
    if readout != Readout::Viability
        && args.time_zero.is_empty()
        && !info.plates.iter().any(|m| m.time_zero)
        && !has_doublings
    {
        bail!(
            "--readout {} needs time-zero plates (--time-zero, or time_zero = yes in --plate-info) or assay_time_h and doubling_time_h in --plate-info",
            readout_name(args.readout)
        );
    }
    let (choice, sum_opts) = args.model.options()?;
    let choice: ModelChoice = choice;
    let curves = assemble_curves(&normalized.wells, readout, &args.experiment_by);
    if curves.is_empty() {
        bail!(
            "{}: no sample wells with a compound and a dose: nothing to fit",
            args.layout.display()
        );
    }
    let results = fit_curves(
        &normalized.wells,
        curves,
        &choice,
        &sum_opts,
        &args.experiment_by,
    );
    let potency = summarize_experiments(&results);
    let selectivity = selectivity(&results, &args.normal_lines);
    let mut inputs = Vec::new();
    for p in args
        .plates
        .iter()
        .chain(&args.time_zero)
        .chain(std::iter::once(&args.layout))
        .chain(args.plate_info.iter())
    {
        inputs.push((p.display().to_string(), sha256_file(p)?));
    }
    let mut options = args.model.describe();
    options.push(("readout".into(), readout_name(args.readout).to_string()));
    options.push(("experiment_by".into(), args.experiment_by.join(",")));
    if !args.normal_lines.is_empty() {
        options.push(("normal_lines".into(), args.normal_lines.join(",")));
    }
    Ok(ViabilityRun {
        normalized,
        qc,
        results,
        potency,
        selectivity,
        provenance: Provenance::new(inputs, options),
        summary_options: sum_opts,
    })
}

fn writer(dir: &Path, name: &str) -> anyhow::Result<csv::Writer<std::fs::File>> {
    let p = dir.join(name);
    csv::Writer::from_path(&p).with_context(|| format!("{}: cannot create", p.display()))
}

/// Writes normalized.csv, qc.csv, fits.csv, potency.csv and
/// selectivity.csv into `dir`.
pub fn write_outputs(run: &ViabilityRun, dir: &Path, digits: Option<usize>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let f = std::fs::File::create(dir.join("normalized.csv"))?;
    preclin_invitro::export::write_csv(&run.normalized.wells, f)?;
    let f = std::fs::File::create(dir.join("qc.csv"))?;
    preclin_invitro::export::write_qc_csv(&run.qc, f)?;

    // fits.csv
    let mut group_keys: Vec<String> = run
        .results
        .iter()
        .flat_map(|r| r.curve.group.keys().cloned())
        .collect();
    group_keys.sort();
    group_keys.dedup();
    let mut w = writer(dir, "fits.csv")?;
    let mut header: Vec<String> = vec!["compound".into(), "cell_line".into()];
    header.extend(group_keys.iter().cloned());
    header.extend(["plates".into(), "n_outliers".into()]);
    header.extend(fit_columns(&run.summary_options.ed_levels));
    header.extend(
        [
            "gi50",
            "gi50_qualifier",
            "tgi",
            "tgi_qualifier",
            "lc50",
            "lc50_qualifier",
            "gr50",
            "gr50_qualifier",
            "gr_max",
            "gr_aoc",
            "gec50",
            "gr_inf",
            "h_gr",
            "gr_fit",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for r in &run.results {
        let key: Vec<String> = Vec::new();
        let row = ResultRow {
            key: &key,
            unit: r.curve.unit,
            factor: 1.0,
            summary: &r.summary,
        };
        let mut rec = vec![r.curve.compound.clone(), r.curve.cell_line.clone()];
        for k in &group_keys {
            rec.push(r.curve.group.get(k).cloned().unwrap_or_default());
        }
        rec.push(r.curve.plates.join(";"));
        rec.push(r.curve.n_outliers.to_string());
        rec.extend(fit_cells(&row, digits));
        match &r.nci {
            Some(m) => {
                for v in [m.gi50, m.tgi, m.lc50] {
                    let (x, q) = v.parts();
                    rec.push(num(Some(x), digits));
                    rec.push(q.to_string());
                }
            }
            None => rec.extend(std::iter::repeat_n(String::new(), 6)),
        }
        match &r.gr {
            Some(g) => {
                let pos = r.curve.dose.iter().copied().filter(|d| *d > 0.0);
                let lo = pos.clone().fold(f64::INFINITY, f64::min);
                let hi = pos.fold(0.0, f64::max);
                let (v, q) = g.gr50_censored(lo, hi).parts();
                rec.push(num(Some(v), digits));
                rec.push(q.to_string());
                rec.push(num(Some(g.gr_max), digits));
                rec.push(num(Some(g.gr_aoc), digits));
                rec.push(num(Some(g.gec50), digits));
                rec.push(num(Some(g.gr_inf), digits));
                rec.push(num(Some(g.h_gr), digits));
                rec.push(if g.flat { "flat" } else { "sigmoid" }.into());
            }
            None => rec.extend(std::iter::repeat_n(String::new(), 8)),
        }
        w.write_record(&rec)?;
    }
    w.flush()?;

    let mut w = writer(dir, "potency.csv")?;
    let mut header = vec!["compound", "cell_line"];
    header.extend(POTENCY_COLUMNS);
    header.push("flags");
    w.write_record(&header)?;
    for p in &run.potency {
        let mut rec = vec![p.compound.clone(), p.cell_line.clone()];
        rec.extend(
            potency_cells(p.ec50.n_total, &p.ec50, &p.ic50, p.unit)
                .iter()
                .map(|c| c.text(digits)),
        );
        rec.push(p.flags.clone());
        w.write_record(&rec)?;
    }
    w.flush()?;

    let mut w = writer(dir, "selectivity.csv")?;
    w.write_record([
        "compound",
        "target",
        "normal",
        "ic50_target",
        "cc50_normal",
        "si",
        "si_lower_bound",
        "dose_unit",
    ])?;
    for s in &run.selectivity {
        w.write_record([
            s.compound.clone(),
            s.target.clone(),
            s.normal.clone(),
            num(s.ic50_target, digits),
            num(s.cc50_normal, digits),
            num(s.si, digits),
            num(s.si_lower_bound, digits),
            s.unit.map(|u| u.symbol().to_string()).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    std::fs::write(
        dir.join("provenance.json"),
        serde_json::to_string_pretty(&run.provenance)? + "\n",
    )?;
    Ok(())
}

/// Runs `preclin viability`.
pub fn run(args: ViabilityArgs) -> anyhow::Result<()> {
    let run = analyze(&args)?;
    for w in &run.normalized.warnings {
        eprintln!("warning: {w}");
    }
    write_outputs(&run, &args.out, args.digits)?;
    let failed = run.qc.iter().filter(|q| !q.pass).count();
    eprintln!(
        "{} plates ({} failed QC), {} curves fitted → {}",
        run.qc.len(),
        failed,
        run.results.len(),
        args.out.display()
    );
    Ok(())
}
