//! `preclin simulate` — the virtual lab: writes a complete simulated study
//! folder (instrument files, truths, `study.toml`) from a bundled scenario
//! of `preclin_sim`, which `preclin analyze` reads unchanged.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use preclin_sim::params::{DEFAULT_TOML, Params, parse};
use preclin_sim::scenario::{BUNDLED, bundled, calibration_table, run_with_calibration, write_dir};

/// Arguments of `preclin simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario to run (see --list).
    #[arg(long, default_value = "mi503")]
    pub scenario: String,
    /// Seed of the random streams (same seed → same bytes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (the study folder; study.toml at its top).
    #[arg(long, required_unless_present_any = ["list", "calibration"])]
    pub out: Option<PathBuf>,
    /// Model parameter file (TOML; default: the bundled one, written to
    /// OUT/params.toml on every run as a starting point).
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// List the bundled scenarios and exit.
    #[arg(long)]
    pub list: bool,
    /// Print the calibration table (published targets vs the model under
    /// --params) as CSV and exit.
    #[arg(long)]
    pub calibration: bool,
}

/// Runs `preclin simulate`.
pub fn run_simulate(a: SimulateArgs) -> anyhow::Result<()> {
    if a.list {
        for (name, desc) in BUNDLED {
            println!("{name}\t{desc}");
        }
        return Ok(());
    }
    let text = match &a.params {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?
        }
        None => DEFAULT_TOML.to_string(),
    };
    let params: Params = parse(&text).map_err(|e| match &a.params {
        Some(p) => anyhow::anyhow!("{}: {e}", p.display()),
        None => anyhow::anyhow!("{e}"),
    })?;
    let scenario = bundled(&a.scenario)?;
    if a.calibration {
        let table = calibration_table(&scenario, &params)?;
        print!("{}", preclin_sim::calibration::to_csv(&table));
        return Ok(());
    }
    let (files, table) = run_with_calibration(&scenario, &params, &text, a.seed)?;
    let out = a.out.context("--out is required")?;
    write_dir(&files, &out)?;
    let pass = table.iter().filter(|r| r.pass).count();
    println!(
        "{}: {} files written to {} (scenario {}, seed {}); calibration {pass}/{} targets pass (calibration.csv)",
        scenario.name,
        files.len(),
        out.display(),
        scenario.name,
        a.seed,
        table.len()
    );
    for r in table.iter().filter(|r| !r.pass) {
        println!(
            "  outside: {} — model {} {} (target {})",
            r.target,
            r.model
                .map(|v| format!("{v:.4}"))
                .unwrap_or_else(|| "not reached".into()),
            r.unit,
            r.range
        );
    }
    println!(
        "analyse with: preclin analyze {}",
        out.join("study.toml").display()
    );
    Ok(())
}
