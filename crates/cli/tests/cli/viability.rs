//! `preclin viability` on the bundled example study (`examples/demo`):
//! the 7-day assay (MI-503, revumenib) and the 72-h assay with time-zero
//! plates (gilteritinib, venetoclax), checked against the simulation truth
//! in `examples/demo/truth.csv`; a second run writes the same bytes.

use std::path::{Path, PathBuf};

use crate::common::{Csv, TempDir, example_dir, preclin, read};

/// Example files `<prefix>*.csv`, sorted.
fn files(prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(example_dir())
        .expect("examples/demo")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".csv"))
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 5, "five cell lines of {prefix}");
    v
}

/// Runs `preclin viability` on one assay of the example into `out`.
fn run_assay(assay: &str, out: &Path) {
    let dir = example_dir();
    let mut args: Vec<std::ffi::OsString> = vec!["viability".into(), "--plates".into()];
    args.extend(
        files(&format!("plates_{assay}_"))
            .into_iter()
            .map(Into::into),
    );
    if assay == "72h" {
        args.push("--time-zero".into());
        args.extend(files("t0_72h_").into_iter().map(Into::into));
    }
    for (flag, value) in [
        ("--layout", dir.join(format!("layout_{assay}.csv"))),
        ("--plate-info", dir.join(format!("plate_info_{assay}.csv"))),
        ("--out", out.to_path_buf()),
    ] {
        args.push(flag.into());
        args.push(value.into());
    }
    args.extend(["--normal-lines".into(), "HEK293".into()]);
    let run = preclin(&args).ok();
    assert!(
        run.stderr
            .contains("15 plates (0 failed QC), 30 curves fitted"),
        "{}",
        run.stderr
    );
}

const OUTPUTS: [&str; 5] = [
    "normalized.csv",
    "qc.csv",
    "fits.csv",
    "potency.csv",
    "selectivity.csv",
];

/// Reads every output table and checks that no cell spells NaN / inf.
/// `gr50` may hold `inf` / `-inf` by the GRmetrics convention (GR50 not
/// reached / always exceeded).
fn outputs(out: &Path) -> Vec<Csv> {
    OUTPUTS
        .iter()
        .map(|name| {
            let t = Csv::read(&out.join(name));
            t.assert_no_non_finite(name, &["gr50"]);
            t
        })
        .collect()
}

/// Truth EC50 (nM) of (compound, cell line) in one assay.
fn truth(assay: &str) -> Vec<(String, String, f64)> {
    let t = Csv::read(&example_dir().join("truth.csv"));
    (0..t.rows.len())
        .filter(|&i| t.cell(i, "assay") == assay)
        .map(|i| {
            (
                t.cell(i, "compound").to_string(),
                t.cell(i, "cell_line").to_string(),
                t.num(i, "ec50_nM"),
            )
        })
        .collect()
}

/// Geometric-mean EC50s of the leukemia lines within a factor 1.5 of the
/// truth.
fn check_potency(potency: &Csv, assay: &str) {
    let mut n = 0;
    for (compound, line, ec50) in truth(assay) {
        let i = potency.find(&["compound", "cell_line"], &[&compound, &line]);
        assert_eq!(potency.cell(i, "n_experiments"), "3");
        assert_eq!(potency.cell(i, "dose_unit"), "nM");
        if line == "HEK293" {
            continue; // EC50 at or beyond the highest dose
        }
        let est = potency.num(i, "ec50_geomean");
        let ratio = est / ec50;
        assert!(
            (1.0 / 1.5..=1.5).contains(&ratio),
            "{assay} {compound} in {line}: geometric-mean EC50 {est} nM vs truth {ec50} nM"
        );
        assert!(potency.num(i, "ec50_lower") < est && est < potency.num(i, "ec50_upper"));
        n += 1;
    }
    assert_eq!(n, 8, "two compounds × four leukemia lines");
}

#[test]
fn day7_assay() {
    let dir = TempDir::new("viability-day7");
    let out = dir.join("out");
    run_assay("day7", &out);
    assert!(out.join("provenance.json").exists());
    let t = outputs(&out);
    let (norm, qc, fits, potency, sel) = (&t[0], &t[1], &t[2], &t[3], &t[4]);

    assert_eq!(norm.rows.len(), 15 * 96, "every well of 15 plates");
    assert!(norm.has("viability_pct"));

    assert_eq!(qc.rows.len(), 15);
    for i in 0..qc.rows.len() {
        assert_eq!(qc.cell(i, "pass"), "true", "plate {}", qc.cell(i, "plate"));
        assert!(qc.num(i, "z_prime") > 0.5);
    }
    // The simulated pipetting error is flagged (and kept).
    let i = qc.find(&["plate"], &["MOLM-13_day7_e2"]);
    assert!(
        qc.cell(i, "outlier_wells").split(';').any(|w| w == "B05"),
        "{}",
        qc.cell(i, "outlier_wells")
    );

    assert_eq!(
        fits.rows.len(),
        2 * 5 * 3,
        "compound × cell line × experiment"
    );
    assert!(fits.has("experiment"));
    // No time-zero plates (and no doubling time in the plate info): no
    // NCI-60 / GR metrics.
    let info = Csv::read(&example_dir().join("plate_info_day7.csv"));
    let no_growth = !info.has("doubling_time_h");
    for i in 0..fits.rows.len() {
        if fits.cell(i, "cell_line") != "HEK293" {
            assert_eq!(fits.cell(i, "converged"), "true", "row {i}");
            assert!(!fits.cell(i, "ec50").is_empty(), "row {i}");
        }
        if no_growth {
            assert_eq!(fits.cell(i, "gi50"), "");
            assert_eq!(fits.cell(i, "gr50"), "");
        }
    }

    check_potency(potency, "day7");

    // SI = CC50(HEK293) / IC50 for both compounds and the four leukemia lines.
    assert_eq!(sel.rows.len(), 8);
    let i = sel.find(&["compound", "target"], &["MI-503", "MV4-11"]);
    assert_eq!(sel.cell(i, "normal"), "HEK293");
    assert!(
        sel.num(i, "si") > 10.0,
        "MI-503 selectivity for MV4-11 (truth 100): {}",
        sel.cell(i, "si")
    );

    // A second run writes the same bytes.
    let again = dir.join("again");
    run_assay("day7", &again);
    for name in OUTPUTS {
        assert!(
            read(&out.join(name)) == read(&again.join(name)),
            "{name} differs between two runs"
        );
    }
}

#[test]
fn h72_assay_with_time_zero() {
    let dir = TempDir::new("viability-72h");
    let out = dir.join("out");
    run_assay("72h", &out);
    let t = outputs(&out);
    let (norm, qc, fits, potency) = (&t[0], &t[1], &t[2], &t[3]);

    assert_eq!(norm.rows.len(), 15 * 96);
    assert_eq!(qc.rows.len(), 15);
    // With time zero, samples carry NCI-60 % growth and GR values.
    let samples: Vec<usize> = (0..norm.rows.len())
        .filter(|&i| norm.cell(i, "role") == "sample")
        .collect();
    assert!(!samples.is_empty());
    for &i in &samples {
        assert!(!norm.cell(i, "growth_pct").is_empty(), "row {i}");
        assert!(!norm.cell(i, "gr").is_empty(), "row {i}");
    }

    assert_eq!(fits.rows.len(), 30);
    let mut leukemia = 0;
    for i in 0..fits.rows.len() {
        if fits.cell(i, "cell_line") == "HEK293" {
            continue;
        }
        leukemia += 1;
        let what = format!(
            "{} {} {}",
            fits.cell(i, "compound"),
            fits.cell(i, "cell_line"),
            fits.cell(i, "experiment")
        );
        for col in ["gi50", "tgi", "lc50", "gr50", "gr_max", "gr_aoc"] {
            let c = fits.cell(i, col);
            assert!(
                c.parse::<f64>().is_ok_and(|x| x.is_finite() && x != 0.0),
                "{what}: {col} = '{c}'"
            );
        }
        // The leukemia lines are killed inside the tested range.
        assert_eq!(fits.cell(i, "gi50_qualifier"), "", "{what}");
        assert_eq!(fits.cell(i, "tgi_qualifier"), "", "{what}");
        assert!(fits.num(i, "gi50") < fits.num(i, "tgi"), "{what}");
        assert!(fits.num(i, "gr_max") < 0.0, "{what}: cytotoxic");
    }
    assert_eq!(leukemia, 24);

    check_potency(potency, "72h");
}
