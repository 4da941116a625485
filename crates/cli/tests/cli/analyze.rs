//! `preclin analyze` on the example study (`examples/study/study.toml`,
//! files from `examples/demo`): every experiment's outputs, the store
//! (`preclin db query`), idempotent re-analysis, byte-identical outputs,
//! and bad manifests / data files (exit 2, line and column named).

use std::path::{Path, PathBuf};

use crate::common::{Csv, TempDir, example_dir, preclin, read};

fn study_toml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/study/study.toml")
}

/// The example manifest with its `../demo/` and `../resistance/` paths made absolute, so that
/// a modified copy can live in a temporary folder.
fn manifest_text() -> String {
    let demo = example_dir().canonicalize().unwrap();
    let res = example_dir().join("../resistance").canonicalize().unwrap();
    read(&study_toml())
        .replace("../demo/", &format!("{}/", demo.display()))
        .replace("../resistance/", &format!("{}/", res.display()))
}

const OUTPUTS: [&str; 19] = [
    "viability_day7/potency.csv",
    "viability_day7/fits.csv",
    "viability_day7/normalized.csv",
    "combination/combination.csv",
    "combination/combination.json",
    "qpcr/qpcr.csv",
    "qpcr/qpcr.svg",
    "cfu/cfu.csv",
    "cfu/cfu.svg",
    "xenograft/xenograft.csv",
    "xenograft/xenograft_growth.svg",
    "survival/survival.csv",
    "survival/survival.svg",
    "engraftment/engraftment.csv",
    "engraftment/engraftment.json",
    "cross_resistance/viability.csv",
    "cross_resistance/viability_long.csv",
    "cross_resistance/viability.svg",
    "flow_markers/markers.csv",
];

#[test]
fn analyze_example_study_into_store() {
    let dir = TempDir::new("analyze");
    let out = dir.join("out");
    let outs = out.to_str().unwrap();
    let manifest = study_toml();
    let r = preclin(["analyze", manifest.to_str().unwrap(), "--out", outs]).ok();
    assert!(r.stdout.contains("viability_day7:"), "{}", r.stdout);
    for f in OUTPUTS {
        let p = out.join(f);
        assert!(p.is_file(), "{} missing", p.display());
        assert!(std::fs::metadata(&p).unwrap().len() > 0, "{f} empty");
    }
    let before: Vec<Vec<u8>> = OUTPUTS
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();

    // the MI-503 EC50 in MV4-11 (an alias of MV4;11), from the store
    let db = out.join("preclin.db");
    let dbs = db.to_str().unwrap();
    let q = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--compound",
        "mi-503",
        "--cell-line",
        "MV4-11",
        "--metric",
        "EC50",
    ])
    .ok();
    let t = Csv::parse(&q.stdout);
    assert_eq!(t.rows.len(), 1, "{}", q.stdout);
    assert_eq!(t.cell(0, "cell_line"), "MV4;11");
    assert_eq!(t.cell(0, "unit"), "nM");
    let (v, lo, hi) = (
        t.num(0, "value"),
        t.num(0, "ci_lower"),
        t.num(0, "ci_upper"),
    );
    // simulated around the published 250–570 nM GI50 range (examples/demo/README.md)
    assert!(v > 100.0 && v < 1000.0, "EC50 {v}");
    assert!(lo < v && v < hi, "CI {lo}–{hi} around {v}");
    // the number in the store is the one in potency.csv
    let pot = Csv::read(&out.join("viability_day7/potency.csv"));
    let i = pot.find(&["compound", "cell_line"], &["MI-503", "MV4-11"]);
    assert_eq!(pot.num(i, "ec50_geomean"), v);

    let runs = |db: &str| {
        let l = Csv::parse(&preclin(["db", "--db", db, "list"]).ok().stdout);
        assert_eq!(l.rows.len(), 1);
        l.num(0, "runs")
    };
    assert_eq!(runs(dbs), 9.0);
    let x = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--kind",
            "xenograft",
            "--metric",
            "TGI",
        ])
        .ok()
        .stdout,
    );
    assert!(
        x.rows.iter().any(|r| r[x.col("compound")] == "MI-503"),
        "{:?}",
        x.rows
    );

    // revumenib resistance factor of MV4-11 M327I vs WT: simulated with RF 30
    // (examples/resistance/truth.csv); the 95 % CI covers it
    let rf = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--compound",
            "revumenib",
            "--kind",
            "cross_resistance",
            "--metric",
            "resistance_factor",
        ])
        .ok()
        .stdout,
    );
    let i = rf.find(&["label"], &["M327I vs WT"]);
    assert!(
        rf.num(i, "ci_lower") < 30.0 && 30.0 < rf.num(i, "ci_upper"),
        "{:?}",
        rf.rows[i]
    );
    // flow: MI-503 raises CD11b above the vehicle's
    let fl = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--kind",
            "flow",
            "--metric",
            "delta_percent",
        ])
        .ok()
        .stdout,
    );
    let i = fl.find(&["label"], &["flow_MOLM-13_MI-503 CD11b"]);
    assert_eq!(fl.cell(i, "compound"), "MI-503");
    assert!(fl.num(i, "value") > 0.0);

    // a second analysis replaces the runs and writes the same bytes
    let r2 = preclin(["analyze", manifest.to_str().unwrap(), "--out", outs]).ok();
    assert!(r2.stdout.contains("replaced"), "{}", r2.stdout);
    assert_eq!(runs(dbs), 9.0);
    for (f, b) in OUTPUTS.iter().zip(&before) {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), b, "{f} changed");
    }

    // --db elsewhere
    let other = dir.join("other.db");
    preclin([
        "analyze",
        manifest.to_str().unwrap(),
        "--out",
        dir.join("out2").to_str().unwrap(),
        "--db",
        other.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(runs(other.to_str().unwrap()), 9.0);
    assert!(!dir.join("out2/preclin.db").exists());
}

fn analyze_err(tag: &str, text: &str, extra: &[(&str, &str)]) -> String {
    let dir = TempDir::new(tag);
    for (name, body) in extra {
        dir.write(name, body);
    }
    let m = dir.write("study.toml", text);
    preclin([
        "analyze",
        m.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ])
    .user_error()
}

#[test]
fn analyze_unknown_compound_in_manifest() {
    let text = manifest_text().replace(
        "compounds = [\"MI-503\", \"quizartinib\"]",
        "compounds = [\"MI-503\", \"quizartinibb\"]",
    );
    let line = text
        .lines()
        .position(|l| l.contains("quizartinibb"))
        .unwrap()
        + 1;
    let err = analyze_err("analyze-compound", &text, &[]);
    assert!(err.contains("quizartinibb"), "{err}");
    assert!(
        err.contains(&format!("study.toml:{line}:")),
        "line {line}: {err}"
    );
}

#[test]
fn analyze_bad_glob() {
    let text = manifest_text().replace("cfu.csv\"]", "no_such_cfu_*.csv\"]");
    let line = text
        .lines()
        .position(|l| l.contains("no_such_cfu"))
        .unwrap()
        + 1;
    let err = analyze_err("analyze-glob", &text, &[]);
    assert!(err.contains("no_such_cfu"), "{err}");
    assert!(
        err.contains(&format!("study.toml:{line}:")),
        "line {line}: {err}"
    );
}

#[test]
fn analyze_unknown_compound_in_data_file() {
    let demo = example_dir().canonicalize().unwrap();
    let comb = read(&demo.join("combination.csv"));
    let mut lines: Vec<String> = comb.lines().map(String::from).collect();
    lines[3] = lines[3].replace("quizartinib", "ziftomenib");
    let text = manifest_text().replace(
        &format!("{}/combination.csv", demo.display()),
        "combination.csv",
    );
    let err = analyze_err(
        "analyze-data",
        &text,
        &[("combination.csv", &lines.join("\n"))],
    );
    assert!(err.contains("ziftomenib"), "{err}");
    assert!(err.contains("combination.csv:4:"), "{err}");
    assert!(err.contains("compound"), "{err}");
}

#[test]
fn analyze_unknown_invivo_option() {
    let text = manifest_text().replace("log_offset = 1", "log_offset = 1\nendpiont = 900");
    let err = analyze_err("analyze-option", &text, &[]);
    assert!(err.contains("endpiont"), "{err}");
    assert!(err.contains("xenograft"), "{err}");
}
