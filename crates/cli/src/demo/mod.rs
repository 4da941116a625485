//! `preclin demo` — the bundled example study, end to end.
//!
//! 1. Simulates the example study from its seeds (the generators of
//!    [`example`], [`flow_example`], [`resistance_example`]) and writes it
//!    with the commented manifest of `preclin init` into `OUT/study/` —
//!    byte for byte what `preclin init` writes (tested).
//! 2. Runs `preclin analyze OUT/study/study.toml --out OUT` in-process:
//!    one folder per experiment, the store `OUT/preclin.db` and the study
//!    report `OUT/report.html` that `analyze` writes.
//! 3. Validates the estimates against the simulation's truths: its own
//!    analyses of the same files into `OUT/validation/` (CSV, SVG) and
//!    `OUT/validation.html` (estimates vs truth, interval coverage).
//!
//! Each step is timed separately and the times are printed.

pub mod example;
pub mod flow_example;
mod flow_report;
mod invivo_report;
pub mod invivo_synergy_example;
mod invivo_synergy_report;
mod report;
pub mod resistance_example;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::fit::{CiArg, FitModelArgs, ModelArg};
use crate::viability::{ReadoutArg, ViabilityArgs, analyze, write_outputs};

/// Arguments of `preclin demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output directory: study/ (the example study), one folder per
    /// experiment, preclin.db, report.html, validation/ and validation.html.
    #[arg(long, default_value = "demo_out")]
    pub out: PathBuf,
    /// Write the example input files into this directory and exit.
    #[arg(long, hide = true)]
    pub regenerate: Option<PathBuf>,
    /// Write the cross-resistance example (examples/resistance) into this
    /// directory and exit.
    #[arg(long, hide = true)]
    pub regenerate_resistance: Option<PathBuf>,
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

/// The example study simulated afresh: the generators' files under
/// `data/` and `data/resistance/`, plus the manifest and READMEs of
/// [`crate::init::static_files`]; (path, bytes) sorted by path. Equal to
/// [`crate::init::study_files`] (tested there).
pub fn study_files() -> Vec<(String, Vec<u8>)> {
    let mut v = crate::init::static_files();
    v.extend(
        example::generate()
            .into_iter()
            .map(|(n, c)| (format!("data/{n}"), c.into_bytes())),
    );
    v.extend(
        flow_example::generate()
            .into_iter()
            .map(|(n, c)| (format!("data/{n}"), c)),
    );
    v.extend(
        resistance_example::generate()
            .into_iter()
            .map(|(n, c)| (format!("data/resistance/{n}"), c.into_bytes())),
    );
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
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

/// True resistance factors of the example: (drug, MEN1 variant, RF).
type RfTruth = Vec<(String, String, f64)>;

/// Runs `preclin resistance` on the cross-resistance example in `dir`
/// (`viability.csv`) and returns the analysis and the true resistance
/// factors (drug, variant, RF).
fn resistance_analysis(dir: &Path) -> anyhow::Result<(crate::resistance::Analysis, RfTruth)> {
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
    let out = &args.out;
    let study = out.join("study");

    // 1. Simulate the example study and write it (as `preclin init` does).
    let t = Instant::now();
    let files = study_files();
    crate::init::write_files(&study, &files)?;
    let t_sim = t.elapsed().as_secs_f64();
    eprintln!(
        "simulated the example study: {} files → {} ({})",
        files.len(),
        study.display(),
        secs(t_sim)
    );

    // 2. Analyse it as a user would: `preclin analyze`.
    let t = Instant::now();
    crate::analyze::run(crate::analyze::AnalyzeArgs {
        manifest: study.join("study.toml"),
        out: out.clone(),
        db: None,
        templates: None,
    })?;
    let t_analyze = t.elapsed().as_secs_f64();
    eprintln!(
        "analysed it: preclin analyze {} --out {} ({})",
        study.join("study.toml").display(),
        out.display(),
        secs(t_analyze)
    );

    // 3. Estimates against the simulation's truths.
    let t = Instant::now();
    let path = validate(&study.join("data"), out)?;
    let t_val = t.elapsed().as_secs_f64();
    eprintln!("validated against the simulation truth ({})", secs(t_val));

    eprintln!("wrote:");
    for (what, p) in [
        ("example study (study.toml + data/)", study.clone()),
        ("results, one folder per experiment", out.clone()),
        (
            "study store (preclin db --db … query)",
            out.join("preclin.db"),
        ),
        ("study report", out.join("report.html")),
        ("estimates vs simulation truth", path),
    ] {
        if p.exists() {
            eprintln!("  {:<40} {}", what, p.display());
        }
    }
    eprintln!(
        "ask the store, e.g.: preclin db --db {} query --compound MI-503 --cell-line MV4-11",
        out.join("preclin.db").display()
    );
    eprintln!(
        "timings: simulate + write {}, analyze {}, validation {}",
        secs(t_sim),
        secs(t_analyze),
        secs(t_val)
    );
    Ok(())
}

fn secs(s: f64) -> String {
    format!("{s:.2} s")
}

/// The truth comparison: the demo's own analyses of the example files in
/// `data` into `out/validation/` and `out/validation.html` (returned).
fn validate(data: &Path, out: &Path) -> anyhow::Result<PathBuf> {
    let vdir = out.join("validation");
    std::fs::create_dir_all(&vdir).with_context(|| format!("{}: cannot create", vdir.display()))?;
    let mut runs = Vec::new();
    for (assay, _, _) in example::ASSAYS {
        let a = assay_args(data, assay, &vdir);
        let run = analyze(&a)?;
        write_outputs(&run, &a.out, a.digits)?;
        runs.push((assay, a, run));
    }
    let extra = match resistance_analysis(&data.join("resistance")) {
        Ok((a, truth)) => vec![report::resistance_section(&a, &truth, &vdir)?],
        Err(e) => {
            eprintln!("note: cross-resistance example skipped: {e:#}");
            Vec::new()
        }
    };
    let html = report::build(data, &vdir, &runs, extra)?;
    let path = out.join("validation.html");
    std::fs::write(&path, html).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(path)
}
