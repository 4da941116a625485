//! `preclin bench fit` — curve-fitting throughput, in memory and end to end
//! through the CLI (CSV in → CSV out). Prints curves per second; the
//! figures and the command are recorded in BENCHMARKS.md.
//!
//! `preclin bench synergy` — blocks per second of each synergy model on
//! synthetic 8 × 8 blocks (`preclin_synergy::synth::benchmark_blocks`), in
//! memory, on all threads and on one.
//!
//! `preclin bench fcs` (see `bench_fcs.rs`) — FCS read and gating
//! throughput; `preclin bench study` (`bench_study.rs`) — `analyze` of the
//! example study.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use preclin_curve::synth::{SynthSpec, synthesize};
use preclin_curve::{FitOptions, ModelChoice, PackedCurves, SummaryOptions, fit_packed};

/// Arguments of `preclin bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Debug, Subcommand)]
enum BenchWhat {
    /// Fit synthetic 9-point LL.4 curves (3-fold doses, noise 5 % of span).
    Fit(BenchFitArgs),
    /// Score synthetic 8 × 8 combination blocks with each synergy model.
    Synergy(BenchSynergyArgs),
    /// FCS read throughput, and compensation + logicle + polygon gate end
    /// to end from the file.
    Fcs(crate::bench_fcs::BenchFcsArgs),
    /// Time `preclin analyze` on the bundled example study (median of runs).
    Study(crate::bench_study::BenchStudyArgs),
    /// Virtual mice with clonal evolution per second, virtual patient cohort.
    Sim(crate::bench_sim::BenchSimArgs),
}

#[derive(Debug, Args)]
struct BenchSynergyArgs {
    /// Number of blocks.
    #[arg(long, default_value_t = 20_000)]
    blocks: usize,
    /// Seed of the synthetic blocks.
    #[arg(long, default_value_t = 20261121)]
    seed: u64,
    /// Blocks for the single-thread figures (default: a fifth of --blocks).
    #[arg(long)]
    single: Option<usize>,
    /// Write the blocks as a SynergyFinder long table (% inhibition) and exit
    /// (input for bench/synergy_py.py).
    #[arg(long)]
    write_csv: Option<PathBuf>,
    /// Screen size for the extrapolated time of all four models.
    #[arg(long, default_value_t = 740_000)]
    screen: usize,
}

#[derive(Debug, Args)]
struct BenchFitArgs {
    /// Number of curves.
    #[arg(long, default_value_t = 100_000)]
    curves: usize,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 20261121)]
    seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also time `preclin fit` on the same curves written as CSV.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    end_to_end: bool,
    /// Write the synthetic curves as tidy CSV (curve,dose,response) and exit
    /// (input for the scipy comparison script bench/scipy_fit.py).
    #[arg(long)]
    write_csv: Option<PathBuf>,
    /// Directory for the end-to-end files (default: a temporary directory).
    #[arg(long)]
    workdir: Option<PathBuf>,
}

/// Runs `preclin bench`.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.what {
        BenchWhat::Fit(a) => bench_fit(a),
        BenchWhat::Synergy(a) => bench_synergy(a),
        BenchWhat::Fcs(a) => crate::bench_fcs::run(a),
        BenchWhat::Study(a) => crate::bench_study::run(a),
        BenchWhat::Sim(a) => crate::bench_sim::run(a),
    }
}

fn write_tidy(path: &std::path::Path, curves: &PackedCurves) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "curve,dose,response")?;
    for i in 0..curves.len() {
        let c = curves.get(i);
        for (d, r) in c.dose.iter().zip(c.response) {
            writeln!(w, "c{i},{d},{r}")?;
        }
    }
    w.flush()?;
    Ok(())
}

fn bench_fit(a: BenchFitArgs) -> anyhow::Result<()> {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let spec = SynthSpec::benchmark(a.curves, a.seed);
    let (curves, _truth) = synthesize(&spec);
    if let Some(p) = &a.write_csv {
        write_tidy(p, &curves)?;
        eprintln!("wrote {} curves to {}", curves.len(), p.display());
        return Ok(());
    }
    let choice = ModelChoice::Fixed(FitOptions::default());
    let opts = SummaryOptions::default();
    let threads = rayon::current_num_threads();
    println!(
        "preclin {} bench fit: {} synthetic 9-point LL.4 curves (seed {}), {} threads",
        crate::provenance::VERSION,
        a.curves,
        a.seed,
        threads
    );
    // Warm-up on a slice, then the timed run.
    let _ = fit_packed(&slice(&curves, 1000.min(curves.len())), &choice, &opts);
    let t = Instant::now();
    let res = fit_packed(&curves, &choice, &opts);
    let secs = t.elapsed().as_secs_f64();
    let converged = res.iter().filter(|s| s.converged).count();
    println!(
        "in memory (fit + summary): {:.0} curves/s  ({:.3} s; {} / {} converged)",
        a.curves as f64 / secs,
        secs,
        converged,
        a.curves
    );
    // Single thread for the per-core figure.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let n1 = a.curves.min(20_000);
    let sub = slice(&curves, n1);
    let t = Instant::now();
    pool.install(|| fit_packed(&sub, &choice, &opts));
    let s1 = t.elapsed().as_secs_f64();
    println!("in memory, 1 thread: {:.0} curves/s", n1 as f64 / s1);
    if a.end_to_end {
        let dir = match &a.workdir {
            Some(d) => d.clone(),
            None => std::env::temp_dir().join(format!("preclin-bench-{}", std::process::id())),
        };
        std::fs::create_dir_all(&dir)?;
        let input = dir.join("curves.csv");
        let output = dir.join("fits.csv");
        write_tidy(&input, &curves)?;
        let exe = std::env::current_exe()?;
        let t = Instant::now();
        let status = std::process::Command::new(exe)
            .arg("fit")
            .arg(&input)
            .arg("--dose-unit")
            .arg("nM")
            .arg("-o")
            .arg(&output)
            .status()?;
        let secs = t.elapsed().as_secs_f64();
        anyhow::ensure!(status.success(), "preclin fit failed in the benchmark");
        println!(
            "end to end `preclin fit` (CSV in -> CSV out): {:.0} curves/s  ({:.3} s)",
            a.curves as f64 / secs,
            secs
        );
        if a.workdir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    Ok(())
}

fn slice(c: &PackedCurves, n: usize) -> PackedCurves {
    let mut out = PackedCurves::new();
    for i in 0..n {
        let g = c.get(i);
        out.push(g.dose, g.response);
    }
    out
}

fn bench_synergy(a: BenchSynergyArgs) -> anyhow::Result<()> {
    use preclin_synergy::synth::benchmark_blocks;
    use preclin_synergy::{Method, ScoreOptions, score_surface};
    use rayon::prelude::*;

    let (blocks, _) = benchmark_blocks(a.blocks, a.seed);
    if let Some(p) = &a.write_csv {
        let mut w = std::io::BufWriter::new(std::fs::File::create(p)?);
        writeln!(w, "block_id,drug1,drug2,conc1,conc2,response,conc_unit")?;
        for (i, s) in blocks.iter().enumerate() {
            for c in 0..s.len() {
                writeln!(
                    w,
                    "{},A{i},B{i},{},{},{},nM",
                    i + 1,
                    s.conc(c, 0),
                    s.conc(c, 1),
                    s.y(c)
                )?;
            }
        }
        w.flush()?;
        eprintln!("wrote {} blocks to {}", blocks.len(), p.display());
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    println!(
        "preclin {} bench synergy: {} synthetic 8x8 blocks (seed {}), {} threads",
        crate::provenance::VERSION,
        a.blocks,
        a.seed,
        threads
    );
    let single = a.single.unwrap_or(a.blocks / 5).clamp(1, a.blocks);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let cases: Vec<(&str, Vec<Method>)> = vec![
        ("bliss", vec![Method::Bliss]),
        ("hsa", vec![Method::Hsa]),
        ("loewe", vec![Method::Loewe]),
        ("zip", vec![Method::Zip]),
        ("all four", Method::ALL.to_vec()),
    ];
    let mut all_rate = 0.0;
    for (name, methods) in cases {
        let opts = ScoreOptions {
            methods,
            ..ScoreOptions::default()
        };
        let run = |bs: &[preclin_synergy::Surface]| {
            bs.par_iter()
                .map(|s| {
                    let r = score_surface(s, &opts);
                    r.scores.len()
                })
                .sum::<usize>()
        };
        let _ = run(&blocks[..blocks.len().min(200)]);
        let t = Instant::now();
        let n = run(&blocks);
        let secs = t.elapsed().as_secs_f64();
        let t1 = Instant::now();
        pool.install(|| run(&blocks[..single]));
        let s1 = t1.elapsed().as_secs_f64();
        assert!(n > 0);
        let rate = a.blocks as f64 / secs;
        println!(
            "{name:>9}: {:>10.0} blocks/s ({threads} threads, {:.3} s)   {:>10.0} blocks/s (1 thread, {single} blocks)",
            rate,
            secs,
            single as f64 / s1
        );
        if name == "all four" {
            all_rate = rate;
        }
    }
    println!(
        "all four models on a {}-block screen: {:.0} s extrapolated ({threads} threads)",
        a.screen,
        a.screen as f64 / all_rate
    );
    Ok(())
}
