//! `preclin bench study` — wall-clock time of `preclin analyze` on the
//! bundled example study (the one `preclin init` and `preclin demo` write).
//!
//! The study is written once to a temporary folder (timed separately);
//! then `preclin analyze study.toml --out OUT_k` is run `--reps` times as a
//! child process of this executable (so the time is what a user waits for:
//! process start, manifest checks, every engine, figures, the store and
//! the report), each into a fresh output folder and a fresh store. Prints
//! every run and the median; the figure and the command are recorded in
//! BENCHMARKS.md.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

/// Arguments of `preclin bench study`.
#[derive(Debug, Args)]
pub struct BenchStudyArgs {
    /// Timed runs of `analyze` (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Work folder (default: a fresh folder in the system temporary
    /// directory, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The median of `v` (mean of the two middle values for an even count);
/// `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

/// Runs `preclin bench study`.
pub fn run(a: BenchStudyArgs) -> anyhow::Result<()> {
    if a.reps == 0 {
        bail!("--reps must be at least 1");
    }
    let temp = a.dir.is_none();
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("preclin-bench-study-{}", std::process::id()))
    });
    let study = dir.join("study");
    let t = Instant::now();
    let files = crate::init::study_files();
    crate::init::write_files(&study, &files)?;
    let t_write = t.elapsed().as_secs_f64();
    println!(
        "example study: {} files written to {} in {:.3} s",
        files.len(),
        study.display(),
        t_write
    );
    let exe = std::env::current_exe().context("cannot locate the preclin executable")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut times = Vec::with_capacity(a.reps);
    for k in 0..a.reps {
        let out = dir.join(format!("out_{k}"));
        if out.exists() {
            std::fs::remove_dir_all(&out)
                .with_context(|| format!("{}: cannot remove", out.display()))?;
        }
        let t = Instant::now();
        let status = Command::new(&exe)
            .arg("analyze")
            .arg(study.join("study.toml"))
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        let secs = t.elapsed().as_secs_f64();
        if !status.success() {
            bail!(
                "preclin analyze {} failed ({status}); run it by hand to see why",
                study.join("study.toml").display()
            );
        }
        println!("run {}: analyze {:.3} s", k + 1, secs);
        times.push(secs);
    }
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let med = median(&times).unwrap_or(0.0);
    println!(
        "analyze of the example study: median {med:.3} s over {} runs ({threads} threads available; target < 3 s on 2 cores)",
        a.reps
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
