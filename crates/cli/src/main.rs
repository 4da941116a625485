//! `preclin` — the command-line front end of preclin.
//!
//! It only wires the library crates together: reading files, calling the
//! analyses, writing tables, figures and reports. Every number it prints is
//! computed in a library crate.

mod analyze;
mod bench;
mod bench_fcs;
mod bench_sim;
mod bench_study;
mod cfu;
mod compare;
mod compounds;
mod db;
mod demo;
mod engraftment;
mod fcs;
mod fit;
mod fit_table;
mod flow_figures;
mod format;
mod gate;
mod init;
mod input;
mod markers;
mod plan;
mod provenance;
mod qpcr;
mod randomize;
mod resistance;
mod simulate;
mod study_figures;
mod study_report;
mod survival;
mod synergy;
mod synergy_input;
mod synergy_invivo;
mod table_out;
mod viability;
mod xenograft;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// preclin: preclinical leukemia drug-evaluation toolkit.
#[derive(Debug, Parser)]
#[command(name = "preclin", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fit dose–response curves in a tidy CSV/XLSX table (one row per well).
    Fit(fit::FitArgs),
    /// Compare dose–response curves between the levels of a column
    /// (EC50 ratio with CI, F test, AICc, parallelism).
    Compare(compare::CompareArgs),
    /// Resistance factors of each drug in resistant vs parental lines, as
    /// a drug × line matrix (CSV, heatmap).
    Resistance(resistance::ResistanceArgs),
    /// Raw plate-reader plates + layout → normalised table, curve fits and QC.
    Viability(viability::ViabilityArgs),
    /// Drug-combination synergy (Bliss, HSA, Loewe, ZIP, Chou–Talalay) from a SynergyFinder long table.
    Synergy(synergy::SynergyArgs),
    /// In vivo combination synergy from tumour volumes (SynergyLMM, invivoSyn).
    SynergyInvivo(synergy_invivo::SynergyInvivoArgs),
    /// qRT-PCR relative expression (ΔΔCt / Pfaffl) with error bands, CIs and
    /// tests; `qpcr efficiency` (standard curves), `qpcr genorm`.
    Qpcr(Box<qpcr::QpcrArgs>),
    /// What an RDML file holds; export its reaction table or a tidy Cq table.
    Rdml(qpcr::RdmlArgs),
    /// Colony-forming-unit assays: colonies per 10^n cells, % of vehicle, tests.
    Cfu(cfu::CfuArgs),
    /// PDX engraftment: % hCD45+ over time per mouse and group, time to a
    /// threshold, AUC, end-of-study burden, comparisons against the control.
    Engraftment(engraftment::EngraftmentArgs),
    /// Survival: Kaplan–Meier medians with CIs, log-rank / Gehan–Breslow tests,
    /// hazard ratios, % increase in median vs control, Cox, figure.
    Survival(survival::SurvivalArgs),
    /// The bundled example study end to end: simulate it into OUT/study,
    /// `analyze` it into OUT (report, store), validate against the truth.
    Demo(demo::DemoArgs),
    /// Scaffold a study folder: a commented study.toml and example data.
    Init(init::InitArgs),
    /// FCS files: `fcs info` (what a file holds) and `fcs export` (events as CSV).
    Fcs(fcs::FcsArgs),
    /// Apply a Gating-ML 2.0 document (or FlowJo workspace) to an FCS file.
    Gate(gate::GateArgs),
    /// Marker positivity against a control, per sample and marker.
    Markers(markers::MarkersArgs),
    /// Xenograft tumour growth: TGI, T/C, regressions, mRECIST, growth
    /// rates, tests vs control, exits, body weight, figures.
    Xenograft(Box<xenograft::XenograftArgs>),
    /// Seeded balanced assignment of tumour-bearing mice to treatment groups.
    Randomize(randomize::RandomizeArgs),
    /// The reference compound table: list, search, add your rows, set a
    /// measured potency beside the published values.
    Compounds(compounds::CompoundsArgs),
    /// Analyse a whole study (study.toml): every experiment through its
    /// engine, results under OUT/<experiment>/, runs kept in the store.
    Analyze(analyze::AnalyzeArgs),
    /// Virtual lab: write a simulated study folder (files + study.toml) from a scenario.
    Simulate(simulate::SimulateArgs),
    /// Plan an experiment by simulation: power per group size (xenograft, survival, viability).
    Plan(plan::PlanArgs),
    /// The study store (SQLite): `db list`, `db show`, `db export`, `db query`.
    Db(db::DbArgs),
    /// Throughput benchmarks.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run_command(cli.command);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (e.g. `preclin fit … | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs one parsed command (also used by `demo` to run the commands it
/// shows in its report).
fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Fit(a) => fit::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Resistance(a) => resistance::run(a),
        Command::Viability(a) => viability::run(a),
        Command::Synergy(a) => synergy::run(a),
        Command::SynergyInvivo(a) => synergy_invivo::run(a),
        Command::Qpcr(a) => qpcr::run(*a),
        Command::Rdml(a) => qpcr::run_rdml(a),
        Command::Cfu(a) => cfu::run(a),
        Command::Engraftment(a) => engraftment::run(a),
        Command::Survival(a) => survival::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Init(a) => init::run(a),
        Command::Fcs(a) => fcs::run(a),
        Command::Gate(a) => gate::run(a),
        Command::Markers(a) => markers::run(a),
        Command::Xenograft(a) => xenograft::run(*a),
        Command::Randomize(a) => randomize::run(a),
        Command::Compounds(a) => compounds::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Simulate(a) => simulate::run_simulate(a),
        Command::Plan(a) => plan::run(a),
        Command::Db(a) => db::run(a),
        Command::Bench(a) => bench::run(a),
    }
}
