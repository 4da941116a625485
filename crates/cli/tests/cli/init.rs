//! `preclin init DIR`: the scaffolded study equals the bundled example
//! files, a non-empty folder is refused without `--force`, and `preclin
//! analyze` runs on the scaffold unchanged (every experiment kind of it).

use std::path::Path;

use crate::common::{Csv, TempDir, example_dir, preclin, read};

/// Number of `[[experiments]]` in the scaffolded study.toml.
pub const EXPERIMENTS: usize = 11;

#[test]
fn init_writes_the_example_study_and_analyze_runs_on_it() {
    let dir = TempDir::new("init");
    let study = dir.join("study");
    let r = preclin(["init", study.to_str().unwrap()]).ok();
    assert!(r.stdout.contains("preclin analyze"), "{}", r.stdout);

    // the data files are the bundled example files, byte for byte
    for name in ["plates_day7_MV4-11.csv", "qpcr.csv", "flow_MOLM-13_FMO.fcs"] {
        assert_eq!(
            std::fs::read(study.join("data").join(name)).unwrap(),
            std::fs::read(example_dir().join(name)).unwrap(),
            "{name}"
        );
    }
    let res = example_dir().join("../resistance/viability.csv");
    assert_eq!(
        std::fs::read(study.join("data/resistance/viability.csv")).unwrap(),
        std::fs::read(res).unwrap()
    );
    // the manifest is commented and covers every kind
    let toml = read(&study.join("study.toml"));
    assert!(toml.lines().filter(|l| l.starts_with('#')).count() > 60);
    for kind in [
        "viability",
        "combination",
        "cross_resistance",
        "qpcr",
        "cfu",
        "flow",
        "xenograft",
        "survival",
        "engraftment",
        "invivo_synergy",
    ] {
        assert!(toml.contains(kind), "{kind} not explained");
    }
    assert_eq!(toml.matches("[[experiments]]").count(), EXPERIMENTS);

    // a second init into the now non-empty folder is refused …
    let err = preclin(["init", study.to_str().unwrap()]).user_error();
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    // … unless forced, and an empty existing folder is fine
    preclin(["init", study.to_str().unwrap(), "--force"]).ok();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    preclin(["init", dir.join("empty").to_str().unwrap()]).ok();

    // analyze runs on it unchanged
    let out = dir.join("out");
    let a = preclin([
        "analyze",
        study.join("study.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        a.stdout.matches(" observations, ").count(),
        EXPERIMENTS,
        "{}",
        a.stdout
    );
    check_outputs(&out);
    let db = out.join("preclin.db");
    let l = Csv::parse(
        &preclin(["db", "--db", db.to_str().unwrap(), "list"])
            .ok()
            .stdout,
    );
    assert_eq!(l.num(0, "runs"), EXPERIMENTS as f64);
    // a cross-experiment question: MI-503 in MV4;11, every stored key number
    let q = Csv::parse(
        &preclin([
            "db",
            "--db",
            db.to_str().unwrap(),
            "query",
            "--compound",
            "MI503",
            "--cell-line",
            "MV4-11",
        ])
        .ok()
        .stdout,
    );
    let kinds: std::collections::BTreeSet<&str> =
        (0..q.rows.len()).map(|i| q.cell(i, "kind")).collect();
    for k in [
        "viability",
        "combination",
        "qpcr",
        "cfu",
        "cross_resistance",
    ] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
}

/// The main output of every experiment of the scaffold exists and is not empty.
pub fn check_outputs(out: &Path) {
    for f in [
        "viability_day7/potency.csv",
        "viability_72h/potency.csv",
        "combination/combination.csv",
        "cross_resistance/viability_long.csv",
        "qpcr/qpcr.csv",
        "cfu/cfu.csv",
        "flow_markers/markers.csv",
        "xenograft/xenograft.csv",
        "survival/survival.csv",
        "engraftment/engraftment.csv",
        "invivo_synergy/invivo_synergy.csv",
    ] {
        let p = out.join(f);
        assert!(
            std::fs::metadata(&p).is_ok_and(|m| m.len() > 0),
            "{} missing or empty",
            p.display()
        );
    }
}
