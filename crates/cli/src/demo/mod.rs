//! `preclin demo` — the main job on the bundled example study: raw plates
//! of two assays → normalisation, QC, fits per experiment, potency across
//! experiments, selectivity vs HEK293, NCI-60 / GR metrics → CSV results,
//! SVG figures and one self-contained `report.html`.

pub mod example;
pub mod flow_example;
mod flow_report;
mod invivo_report;
mod report;
pub mod resistance_example;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::fit::{CiArg, FitModelArgs, ModelArg};
use crate::viability::{ReadoutArg, ViabilityArgs, analyze, write_outputs};

/// Arguments of `preclin demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output directory (results, figures, report.html).
    #[arg(long, default_value = "demo_out")]
    pub out: PathBuf,
    /// Directory of the example input files (default: the repository's
    /// examples/demo; regenerated from the seed when absent).
    #[arg(long)]
    pub example_dir: Option<PathBuf>,
    /// Write the example input files into this directory and exit.
    #[arg(long, hide = true)]
    pub regenerate: Option<PathBuf>,
    /// Write the cross-resistance example (examples/resistance) into this
    /// directory and exit.
    #[arg(long, hide = true)]
    pub regenerate_resistance: Option<PathBuf>,
}

/// The repository's example directory, as known at build time.
fn default_example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo")
}

fn write_example(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    for (name, contents) in example::generate() {
        std::fs::write(dir.join(&name), contents)
            .with_context(|| format!("{}: cannot write", dir.join(&name).display()))?;
    }
    for (name, contents) in flow_example::generate() {
        std::fs::write(dir.join(&name), contents)
            .with_context(|| format!("{}: cannot write", dir.join(&name).display()))?;
    }
    Ok(())
}

fn assay_args(dir: &Path, assay: &str, out: &Path) -> ViabilityArgs {
    let lines: Vec<&str> = example::LINES.iter().map(|l| l.0).collect();
    let plates = lines
        .iter()
        .map(|l| dir.join(format!("plates_{assay}_{l}.csv")))
        .collect();
    let time_zero = if assay == "72h" {
        lines
            .iter()
            .map(|l| dir.join(format!("t0_{assay}_{l}.csv")))
            .collect()
    } else {
        Vec::new()
    };
    ViabilityArgs {
        plates,
        layout: dir.join(format!("layout_{assay}.csv")),
        time_zero,
        plate_info: Some(dir.join(format!("plate_info_{assay}.csv"))),
        readout: ReadoutArg::Viability,
        experiment_by: vec!["experiment".into()],
        normal_lines: vec!["HEK293".into()],
        model: FitModelArgs {
            model: ModelArg::Ll4,
            fix_bottom: None,
            fix_top: None,
            fix_hill: None,
            ci: CiArg::DeltaLog,
            level: 0.95,
            control_response: None,
            ed: Vec::new(),
            max_iter: 200,
        },
        out: out.join(assay),
        digits: Some(6),
    }
}

/// The repository's cross-resistance example directory.
fn default_resistance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/resistance")
}

/// True resistance factors of the example: (drug, MEN1 variant, RF).
type RfTruth = Vec<(String, String, f64)>;

/// Runs `preclin resistance` on the bundled example (generated into
/// `out/inputs_resistance` when the repository copy is absent) and returns
/// the analysis and the true resistance factors (drug, variant, RF).
fn resistance_analysis(out: &Path) -> anyhow::Result<(crate::resistance::Analysis, RfTruth)> {
    let mut dir = default_resistance_dir();
    if !dir.join("viability.csv").exists() {
        dir = out.join("inputs_resistance");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        for (name, contents) in resistance_example::generate() {
            std::fs::write(dir.join(&name), contents)
                .with_context(|| format!("{}: cannot write", dir.join(&name).display()))?;
        }
    }
    let args = crate::resistance::ResistanceArgs {
        input: dir.join("viability.csv"),
        parental: resistance_example::VARIANTS[0].to_string(),
        between: Some("variant".into()),
        by: Some(vec!["compound".into()]),
        potency: crate::resistance::PotencyArg::Relative,
        cross: 2.0,
        collateral: 0.5,
        common: crate::compare::CompareCommon {
            dose: "dose".into(),
            response: "response".into(),
            weight: None,
            dose_unit: "nM".into(),
            model: crate::compare::CompareModelArg::Ll4,
            fix_bottom: None,
            fix_top: None,
            fix_hill: None,
            share: None,
            level: 0.95,
            ci: crate::compare::RatioCiArg::DeltaLog,
            select: crate::compare::SelectArg::FTest,
            alpha: 0.05,
            control_response: None,
            ed: Vec::new(),
            vcov: crate::compare::VcovArg::Jtj,
            max_iter: 200,
        },
        figure: None,
        long: None,
        format: crate::fit::FormatArg::Csv,
        output: None,
        digits: None,
        no_comments: false,
    };
    let a = crate::resistance::analyze(&args)?;
    let mut truth = Vec::new();
    for (name, _, _, _, _, rf_m, rf_t) in resistance_example::COMPOUNDS {
        truth.push((
            name.to_string(),
            resistance_example::VARIANTS[1].to_string(),
            rf_m,
        ));
        truth.push((
            name.to_string(),
            resistance_example::VARIANTS[2].to_string(),
            rf_t,
        ));
    }
    Ok((a, truth))
}

/// Runs `preclin demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.regenerate_resistance {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        for (name, contents) in resistance_example::generate() {
            std::fs::write(dir.join(&name), contents)
                .with_context(|| format!("{}: cannot write", dir.join(&name).display()))?;
        }
        eprintln!("example files written to {}", dir.display());
        return Ok(());
    }
    if let Some(dir) = &args.regenerate {
        write_example(dir)?;
        eprintln!("example files written to {}", dir.display());
        return Ok(());
    }
    let dir = match &args.example_dir {
        Some(d) => d.clone(),
        None => {
            let d = default_example_dir();
            if d.join("truth.csv").exists() {
                d
            } else {
                let d = args.out.join("inputs");
                write_example(&d)?;
                d
            }
        }
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let mut runs = Vec::new();
    for (assay, _, _) in example::ASSAYS {
        let a = assay_args(&dir, assay, &args.out);
        let run = analyze(&a)?;
        write_outputs(&run, &a.out, a.digits)?;
        runs.push((assay, a, run));
    }
    let extra = match resistance_analysis(&args.out) {
        Ok((a, truth)) => vec![report::resistance_section(&a, &truth, &args.out)?],
        Err(e) => {
            eprintln!("note: cross-resistance example skipped: {e:#}");
            Vec::new()
        }
    };
    let html = report::build(&dir, &args.out, &runs, extra)?;
    let path = args.out.join("report.html");
    std::fs::write(&path, html).with_context(|| format!("{}: cannot write", path.display()))?;
    eprintln!("report: {}", path.display());
    Ok(())
}
