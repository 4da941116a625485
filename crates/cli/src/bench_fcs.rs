//! `preclin bench fcs` — FCS read throughput (file → in-memory column
//! matrix, byte order resolved) and the end-to-end pipeline file → scale
//! values → `$SPILLOVER` compensation → logicle on two channels → 5-vertex
//! polygon gate, on the reference files and on a synthetic file shaped like
//! the one the research notes timed FlowIO/FlowKit on (float32,
//! little-endian, 1 M events × 16 channels, lognormal).
//!
//! Every figure is the best of `--repeat` runs with the file in the page
//! cache. `--write-dir DIR` keeps the synthetic file (and its Gating-ML) so
//! that `bench/fcs_peers.py` can time FlowIO and FlowKit on the same bytes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use preclin_fcs::FcsFile;
use preclin_fcs::write::{FcsWriter, Storage};
use preclin_flow::{EventData, GateOptions, gate_events_with, parse_gatingml};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Arguments of `preclin bench fcs`.
#[derive(Debug, Args)]
pub struct BenchFcsArgs {
    /// Events in the synthetic file.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Channels in the synthetic file.
    #[arg(long, default_value_t = 16)]
    channels: usize,
    /// Runs per measurement (the best is reported).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Directory to keep the synthetic file and gates in (default: a
    /// temporary directory, removed afterwards).
    #[arg(long)]
    write_dir: Option<PathBuf>,
    /// Extra FCS files to time reading (e.g. the reference files).
    #[arg(long, value_delimiter = ',')]
    files: Vec<PathBuf>,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 20261121)]
    seed: u64,
}

/// The Gating-ML document of the end-to-end benchmark: logicle (T 262144,
/// W 0.5, M 4.5, A 0) on two FCS-compensated channels and a 5-vertex polygon.
pub fn bench_gates(x: &str, y: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <transforms:transformation transforms:id="logicle">
    <transforms:logicle transforms:T="262144" transforms:W="0.5" transforms:M="4.5" transforms:A="0" />
  </transforms:transformation>
  <gating:PolygonGate gating:id="poly">
    <gating:dimension gating:compensation-ref="FCS" gating:transformation-ref="logicle"><data-type:fcs-dimension data-type:name="{x}" /></gating:dimension>
    <gating:dimension gating:compensation-ref="FCS" gating:transformation-ref="logicle"><data-type:fcs-dimension data-type:name="{y}" /></gating:dimension>
    <gating:vertex><gating:coordinate data-type:value="0.3" /><gating:coordinate data-type:value="0.3" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="0.8" /><gating:coordinate data-type:value="0.35" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="0.85" /><gating:coordinate data-type:value="0.7" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="0.55" /><gating:coordinate data-type:value="0.9" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="0.25" /><gating:coordinate data-type:value="0.6" /></gating:vertex>
  </gating:PolygonGate>
</gating:Gating-ML>
"#
    )
}

/// Writes the synthetic file: FSC-A, SSC-A, FL1-A … lognormal float32,
/// little-endian, with a `$SPILLOVER` over the fluorescence channels.
fn write_synthetic(path: &Path, events: usize, channels: usize, seed: u64) -> anyhow::Result<()> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid");
    let names: Vec<String> = (0..channels)
        .map(|j| match j {
            0 => "FSC-A".to_string(),
            1 => "SSC-A".to_string(),
            _ => format!("FL{}-A", j - 1),
        })
        .collect();
    let mut cols: Vec<Vec<f64>> = (0..channels).map(|_| Vec::with_capacity(events)).collect();
    for _ in 0..events {
        for (j, c) in cols.iter_mut().enumerate() {
            let mu = if j < 2 { 11.0 } else { 6.0 + (j % 4) as f64 };
            let v: f64 = (mu + normal.sample(&mut rng)).exp().min(262_143.0);
            c.push((v as f32) as f64);
        }
    }
    let fl: Vec<&String> = names.iter().skip(2).collect();
    let mut spill = vec![fl.len().to_string()];
    spill.extend(fl.iter().map(|s| s.to_string()));
    for i in 0..fl.len() {
        for k in 0..fl.len() {
            let v = if i == k {
                1.0
            } else if k == i + 1 {
                0.12
            } else if i == k + 1 {
                0.03
            } else {
                0.0
            };
            spill.push(format!("{v}"));
        }
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let w = FcsWriter::new(&refs, cols)?.keyword("$SPILLOVER", &spill.join(","))?;
    w.write(path, Storage::Float32)?;
    Ok(())
}

fn best<T>(repeat: usize, mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(f64, T)> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f()?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    Ok((best, last.expect("at least one run")))
}

fn read_report(path: &Path, repeat: usize) -> anyhow::Result<()> {
    let bytes = std::fs::metadata(path)?.len() as f64;
    let (t64, (n, p)) = best(repeat, || {
        let f = FcsFile::open(path)?;
        let ev = f.events::<f64>(0)?;
        Ok((ev.n_events(), ev.n_params()))
    })?;
    let (t32, _) = best(repeat, || {
        let f = FcsFile::open(path)?;
        Ok(f.events::<f32>(0)?.n_events())
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    println!(
        "read {name}: {n} events × {p} channels, {:.1} MB: f64 {:.4} s = {:.1} M events/s, {:.0} MB/s; f32 {:.4} s = {:.1} M events/s, {:.0} MB/s",
        bytes / 1e6,
        t64,
        n as f64 / t64 / 1e6,
        bytes / t64 / 1e6,
        t32,
        n as f64 / t32 / 1e6,
        bytes / t32 / 1e6
    );
    Ok(())
}

fn end_to_end(
    path: &Path,
    gates: &str,
    repeat: usize,
    options: GateOptions,
) -> anyhow::Result<(f64, usize, usize)> {
    let strategy = parse_gatingml(gates)?;
    let (t, (n, inside)) = best(repeat, || {
        let f = FcsFile::open(path)?;
        let d = EventData::from_fcs(&f, 0)?;
        let r = gate_events_with(&strategy, &d, options)?;
        Ok((r.total, r.gates[0].count))
    })?;
    Ok((t, n, inside))
}

/// Runs `preclin bench fcs`.
pub fn run(a: BenchFcsArgs) -> anyhow::Result<()> {
    let threads = rayon::current_num_threads();
    println!(
        "preclin {} bench fcs: best of {} runs, {threads} threads",
        crate::provenance::VERSION,
        a.repeat
    );
    let dir = match &a.write_dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("preclin-bench-fcs-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let synth = dir.join(format!("synthetic_{}x{}.fcs", a.events, a.channels));
    let t = Instant::now();
    write_synthetic(&synth, a.events, a.channels, a.seed)?;
    eprintln!(
        "wrote {} in {:.2} s",
        synth.display(),
        t.elapsed().as_secs_f64()
    );
    let gates = bench_gates("FL1-A", "FL2-A");
    std::fs::write(dir.join("bench_gates.xml"), &gates)?;
    for f in a.files.iter().chain(std::iter::once(&synth)) {
        read_report(f, a.repeat).with_context(|| format!("{}", f.display()))?;
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    for (label, fast) in [("reference logicle", false), ("table-seeded logicle", true)] {
        let o = GateOptions { fast_logicle: fast };
        let (t, n, inside) = end_to_end(&synth, &gates, a.repeat, o)?;
        println!(
            "end to end (open → scale → compensate → {label} ×2 → polygon), {threads} threads: {:.4} s = {:.1} M events/s ({inside} of {n} events in the gate)",
            t,
            n as f64 / t / 1e6
        );
        let (t1, n1, _) = pool.install(|| end_to_end(&synth, &gates, a.repeat, o))?;
        println!(
            "end to end ({label}), 1 thread: {:.4} s = {:.1} M events/s",
            t1,
            n1 as f64 / t1 / 1e6
        );
    }
    if a.write_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
