//! `preclin init DIR [--force]`: scaffold a study folder — a commented
//! `study.toml` (every section and experiment kind explained) and the
//! bundled example data it analyses.
//!
//! The files are the repository's `examples/demo` and
//! `examples/resistance` files, embedded at build time (`include_bytes!`),
//! so the scaffold is byte-stable and needs no repository checkout; a test
//! checks that they equal what the demo's generators write (`preclin demo`
//! writes the same study, simulated afresh, into `OUT/study/`).
//!
//! Layout written:
//!
//! ```text
//! DIR/study.toml                 the manifest (crates/cli/src/init_study.toml)
//! DIR/data/…                     examples/demo (plates, layouts, tables, FCS, truths, README.md)
//! DIR/data/resistance/…          examples/resistance
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

/// Arguments of `preclin init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The study folder to create (must be empty or absent).
    pub dir: PathBuf,
    /// Write into a non-empty folder (files of the same names are overwritten,
    /// other files are left alone).
    #[arg(long)]
    pub force: bool,
}

/// The commented manifest of the example study (paths relative to it).
pub const STUDY_TOML: &str = include_str!("init_study.toml");

/// Embeds `examples/<dir>/<name>` as (`<prefix><name>`, bytes).
macro_rules! embed {
    ($dir:literal, $prefix:literal, [$($name:literal),* $(,)?]) => {
        [$((
            concat!($prefix, $name),
            include_bytes!(concat!("../../../examples/", $dir, "/", $name)) as &[u8],
        )),*]
    };
}

/// The example data of `examples/demo`, as `data/<name>`.
const DEMO_FILES: [(&str, &[u8]); 46] = embed!(
    "demo",
    "data/",
    [
        "README.md",
        "cfu.csv",
        "cfu_truth.csv",
        "combination.csv",
        "combination_truth.csv",
        "engraftment.csv",
        "engraftment_truth.json",
        "flow_MOLM-13_FMO.fcs",
        "flow_MOLM-13_MI-503.fcs",
        "flow_MOLM-13_revumenib.fcs",
        "flow_MOLM-13_vehicle.fcs",
        "flow_gates.xml",
        "flow_truth.csv",
        "invivo_synergy.csv",
        "invivo_synergy_truth.json",
        "layout_72h.csv",
        "layout_day7.csv",
        "pdx_M1_blood.fcs",
        "pdx_M1_bone_marrow.fcs",
        "pdx_M1_spleen.fcs",
        "pdx_control_bone_marrow.fcs",
        "plate_info_72h.csv",
        "plate_info_day7.csv",
        "plates_72h_HEK293.csv",
        "plates_72h_KOPN-8.csv",
        "plates_72h_MOLM-13.csv",
        "plates_72h_MV4-11.csv",
        "plates_72h_SEM.csv",
        "plates_day7_HEK293.csv",
        "plates_day7_KOPN-8.csv",
        "plates_day7_MOLM-13.csv",
        "plates_day7_MV4-11.csv",
        "plates_day7_SEM.csv",
        "qpcr.csv",
        "qpcr_truth.csv",
        "survival.csv",
        "survival_truth.json",
        "t0_72h_HEK293.csv",
        "t0_72h_KOPN-8.csv",
        "t0_72h_MOLM-13.csv",
        "t0_72h_MV4-11.csv",
        "t0_72h_SEM.csv",
        "truth.csv",
        "xenograft.csv",
        "xenograft_endpoints.csv",
        "xenograft_truth.json",
    ]
);

/// The cross-resistance example of `examples/resistance`, as
/// `data/resistance/<name>`.
const RESISTANCE_FILES: [(&str, &[u8]); 3] = embed!(
    "resistance",
    "data/resistance/",
    ["README.md", "truth.csv", "viability.csv"]
);

/// The hand-written files of the example study (not produced by a
/// simulator): the manifest and the two data READMEs.
pub fn static_files() -> Vec<(String, Vec<u8>)> {
    let mut v = vec![("study.toml".to_string(), STUDY_TOML.as_bytes().to_vec())];
    for (name, bytes) in DEMO_FILES.iter().chain(&RESISTANCE_FILES) {
        if name.ends_with("README.md") {
            v.push((name.to_string(), bytes.to_vec()));
        }
    }
    v
}

/// Every file of the example study as (path relative to the study folder,
/// bytes), sorted by path.
pub fn study_files() -> Vec<(String, Vec<u8>)> {
    let mut v = vec![("study.toml".to_string(), STUDY_TOML.as_bytes().to_vec())];
    v.extend(
        DEMO_FILES
            .iter()
            .chain(&RESISTANCE_FILES)
            .map(|(n, b)| (n.to_string(), b.to_vec())),
    );
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Refuses a folder that exists and is not empty, unless `force`.
pub fn check_target(dir: &Path, force: bool) -> anyhow::Result<()> {
    if force || !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        bail!("{}: exists and is not a folder", dir.display());
    }
    let n = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read", dir.display()))?
        .count();
    if n > 0 {
        bail!(
            "{}: folder is not empty ({n} entries); choose a new folder, or pass --force to write \
             the example study into it (files of the same names are overwritten)",
            dir.display()
        );
    }
    Ok(())
}

/// Writes `files` (paths relative to `dir`, `/`-separated) under `dir`.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    for (name, bytes) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        std::fs::write(&p, bytes).with_context(|| format!("{}: cannot write", p.display()))?;
    }
    Ok(())
}

/// Runs `preclin init`.
pub fn run(a: InitArgs) -> anyhow::Result<()> {
    check_target(&a.dir, a.force)?;
    let files = study_files();
    write_files(&a.dir, &files)?;
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    println!(
        "example study written to {} ({} files, {:.1} MB): study.toml (commented) and data/",
        a.dir.display(),
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "next: preclin analyze {} --out {}",
        a.dir.join("study.toml").display(),
        a.dir.join("out").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_equal_the_generators_output() {
        let embedded = study_files();
        let generated = crate::demo::study_files();
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&generated));
        for ((n, a), (_, b)) in embedded.iter().zip(&generated) {
            assert!(a == b, "{n}: embedded bytes differ from the generator's");
        }
    }

    #[test]
    fn manifest_names_only_bundled_files() {
        let names: Vec<String> = study_files().into_iter().map(|f| f.0).collect();
        for line in STUDY_TOML
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
        {
            for part in line.split('"').skip(1).step_by(2) {
                if part.starts_with("data/") && !part.contains('*') {
                    assert!(names.iter().any(|n| n == part), "{part} is not bundled");
                }
            }
        }
    }

    #[test]
    fn refuses_a_non_empty_folder() {
        let dir = std::env::temp_dir().join(format!("preclin-init-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(check_target(&dir, false).is_ok(), "empty is fine");
        std::fs::write(dir.join("x.txt"), "x").unwrap();
        let err = check_target(&dir, false).unwrap_err().to_string();
        assert!(
            err.contains("not empty") && err.contains("--force"),
            "{err}"
        );
        assert!(check_target(&dir, true).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
