//! `preclin synergy` on SynergyFinder's example tables (the fixtures of the
//! synergy crate, `crates/synergy/tests/data`, see SOURCES.md there): block
//! means equal to the reference, column aliases, replicates with a recorded
//! seed, Chou–Talalay tables, JSON, and bad input exiting with status 2 and
//! a message naming block and line.

use std::path::{Path, PathBuf};

use crate::common::{Csv, TempDir, preclin, read};

fn synergy_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../synergy/tests/data")
        .join(name)
}

fn mathews() -> PathBuf {
    synergy_data("synergyfinder_mathews_screening_data.csv")
}

fn oneil() -> PathBuf {
    synergy_data("synergyfinder_ONEIL_screening_data.csv")
}

fn run_csv(args: &[&str]) -> Csv {
    let run = preclin(args).ok();
    Csv::parse(&run.stdout)
}

/// Value printed with 6 significant digits in the reference.
fn six(ours: f64, printed: f64) -> bool {
    let unit = 10f64.powi(printed.abs().log10().floor() as i32 - 5);
    (ours - printed).abs() <= 0.5 * unit * (1.0 + 1e-9)
}

#[test]
fn block_means_match_the_reference_on_mathews_and_oneil() {
    let m = mathews();
    let t = run_csv(&["synergy", m.to_str().unwrap()]);
    assert_eq!(
        &t.header[..7],
        ["block_id", "drug1", "drug2", "bliss", "hsa", "loewe", "zip"]
    );
    t.assert_no_non_finite("mathews blocks", &[]);
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.cell(0, "drug1"), "ispinesib");
    assert_eq!(t.cell(1, "drug1"), "canertinib");
    assert_eq!(t.cell(0, "conc_unit1"), "nM");
    // expected_synergy_py_summary.csv (Bliss / HSA are exact).
    for (row, bliss, hsa) in [(0, 10.8565, 20.1951), (1, -13.0727, -41.4176)] {
        assert!(six(t.num(row, "bliss"), bliss), "{}", t.num(row, "bliss"));
        assert!(six(t.num(row, "hsa"), hsa), "{}", t.num(row, "hsa"));
    }
    assert_eq!(t.cell(0, "replicates"), "1");
    assert_eq!(
        t.cell(0, "bliss_lower"),
        "",
        "no interval without replicates"
    );
    assert!(t.num(0, "zip_p") > 0.0 && t.num(0, "zip_p") < 1.0);

    // ONEIL: % inhibition, four replicates → bootstrap with the seed.
    let o = oneil();
    let args = [
        "synergy",
        o.to_str().unwrap(),
        "--response-kind",
        "inhibition",
        "--iterations",
        "40",
        "--no-comments",
    ];
    let a = preclin(args).ok().stdout;
    let b = preclin(args).ok().stdout;
    assert_eq!(a, b, "same seed, same bytes");
    let t = Csv::parse(&a);
    t.assert_no_non_finite("oneil blocks", &[]);
    assert_eq!(t.cell(0, "replicates"), "4");
    assert_eq!(t.cell(0, "iterations"), "40");
    assert_eq!(t.cell(0, "seed"), "123");
    for (row, bliss) in [(0, 35.307), (1, -77.6791)] {
        // Bootstrap means stay close to the replicate-mean reference.
        let v = t.num(row, "bliss");
        assert!((v - bliss).abs() < 1.0, "{v} vs {bliss}");
        let (lo, hi) = (t.num(row, "bliss_lower"), t.num(row, "bliss_upper"));
        assert!(lo < v && v < hi, "{lo} {v} {hi}");
    }
    let other = preclin([
        "synergy",
        o.to_str().unwrap(),
        "--response-kind",
        "inhibition",
        "--iterations",
        "40",
        "--seed",
        "9",
        "--no-comments",
    ])
    .ok()
    .stdout;
    assert_ne!(a, other, "another seed, other bootstrap numbers");
}

#[test]
fn cells_table_and_aliases() {
    let dir = TempDir::new("syn-cells");
    let cells = dir.join("cells.csv");
    let m = mathews();
    preclin([
        "synergy",
        m.to_str().unwrap(),
        "--cells",
        cells.to_str().unwrap(),
        "-o",
        dir.join("b.csv").to_str().unwrap(),
    ])
    .ok();
    let c = Csv::read(&cells);
    assert_eq!(
        &c.header[..12],
        [
            "block_id",
            "conc1",
            "conc2",
            "response",
            "bliss_ref",
            "bliss",
            "hsa_ref",
            "hsa",
            "loewe_ref",
            "loewe",
            "zip_ref",
            "zip"
        ]
    );
    assert_eq!(c.rows.len(), 72);
    c.assert_no_non_finite("cells", &[]);
    // expected_synergy_py_cells.csv, mathews block 1, (2500, 50).
    let i = c.find(&["block_id", "conc1", "conc2"], &["1", "2500", "50"]);
    assert!(six(c.num(i, "response"), 92.1974));
    assert!(six(c.num(i, "bliss_ref"), 86.8603));
    assert!(six(c.num(i, "bliss"), 5.33705));
    assert!(six(c.num(i, "hsa"), 20.8925));
    // Monotherapy cells score exactly 0.
    let j = c.find(&["block_id", "conc1", "conc2"], &["1", "2500", "0"]);
    for m in ["bliss", "hsa", "loewe", "zip"] {
        assert_eq!(c.cell(j, m), "0");
    }

    // The same table with SynergyFinder's other column names.
    let text = read(&m);
    let mut lines = text.lines();
    let _ = lines.next();
    let renamed = format!(
        "PairIndex,Drug1,Drug2,ConcRow,ConcCol,Response,ConcRowUnit,ConcColUnit\n{}\n",
        lines.collect::<Vec<_>>().join("\n")
    );
    let p = dir.write("renamed.csv", renamed);
    let a = run_csv(&["synergy", m.to_str().unwrap(), "--no-comments"]);
    let b = run_csv(&["synergy", p.to_str().unwrap(), "--no-comments"]);
    assert_eq!(a.rows, b.rows);
}

#[test]
fn chou_talalay_json_and_compat() {
    let dir = TempDir::new("syn-ci");
    let o = oneil();
    let ci = dir.join("ci.csv");
    preclin([
        "synergy",
        o.to_str().unwrap(),
        "--response-kind",
        "inhibition",
        "--methods",
        "bliss,ci",
        "--ci-out",
        ci.to_str().unwrap(),
        "-o",
        dir.join("blocks.csv").to_str().unwrap(),
    ])
    .ok();
    let t = Csv::read(&ci);
    assert_eq!(
        &t.header[..7],
        ["block_id", "conc1", "conc2", "fa", "ci", "dri1", "dri2"]
    );
    assert_eq!(t.rows.len(), 32, "16 combination points per block");
    t.assert_no_non_finite("ci", &[]);
    let r = Csv::read(&dir.join("ci_ratios.csv"));
    assert!(r.has("proportion1") && r.has("ci") && r.has("fa"));
    let blocks = Csv::read(&dir.join("blocks.csv"));
    assert!(blocks.has("bliss") && !blocks.has("zip"));

    // JSON: same numbers, nulls for missing values.
    let m = mathews();
    let run = preclin(["synergy", m.to_str().unwrap(), "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["bliss_lower"].is_null());
    assert!((rows[0]["bliss"].as_f64().unwrap() - 10.8565).abs() < 1e-4);
    assert!(v["provenance"]["inputs"].is_array());

    // --compat synergyfinder changes Loewe and ZIP (drc's fit path: the
    // vignette's 19.57 / -2.98, held to 0.005 / 0.01 as in the synergy
    // crate's conformance_zip.rs).
    let a = run_csv(&["synergy", m.to_str().unwrap(), "--no-comments"]);
    let b = run_csv(&[
        "synergy",
        m.to_str().unwrap(),
        "--no-comments",
        "--compat",
        "synergyfinder",
    ]);
    for col in ["bliss", "hsa"] {
        assert_eq!(a.cell(0, col), b.cell(0, col));
    }
    assert_ne!(a.cell(0, "loewe"), b.cell(0, "loewe"));
    assert!(
        (a.num(0, "zip") - 11.50).abs() < 0.01,
        "{}",
        a.num(0, "zip")
    );
    assert!(
        (b.num(0, "zip") - 19.57).abs() < 0.005,
        "{}",
        b.num(0, "zip")
    );
    assert!((b.num(1, "zip") + 2.98).abs() < 0.01, "{}", b.num(1, "zip"));
    // With the vignette's ReshapeData(noise = TRUE, seed = 1) replayed, both
    // block means print as published to 2 decimals (19.571 / -2.984).
    let c = run_csv(&[
        "synergy",
        m.to_str().unwrap(),
        "--no-comments",
        "--compat",
        "synergyfinder",
        "--sf-noise",
        "1",
    ]);
    assert_eq!(format!("{:.2}", c.num(0, "zip")), "19.57");
    assert_eq!(format!("{:.2}", c.num(1, "zip")), "-2.98");
    // The noise is N(0, 0.001): Bliss moves by less than 0.01.
    assert!((c.num(0, "bliss") - b.num(0, "bliss")).abs() < 0.01);
}

#[test]
fn bad_input_names_block_and_line() {
    let dir = TempDir::new("syn-err");
    let header = "block_id,drug1,drug2,conc1,conc2,response\n";
    let grid = |block: &str, d2: &str, skip: Option<(f64, f64)>| {
        let mut s = String::new();
        for a in [0.0, 1.0, 2.0, 4.0] {
            for b in [0.0, 1.0, 3.0, 9.0] {
                if skip == Some((a, b)) {
                    continue;
                }
                s += &format!("{block},A,{d2},{a},{b},{}\n", 100.0 - 5.0 * (a + b));
            }
        }
        s
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("{header}{}{}", grid("7", "B", None), "7,A,C,1,1,50\n"),
            vec![
                "line 18",
                "block 7",
                "A + C",
                "A + B",
                "one drug combination",
            ],
        ),
        (
            format!("{header}{}", grid("3", "B", Some((0.0, 3.0)))),
            vec!["block 3", "no monotherapy at conc1 = 0, conc2 = 3"],
        ),
        (
            format!(
                "{header}{}",
                grid("5", "B", None)
                    .lines()
                    .filter(|l| !l.contains(",4,"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
            ),
            vec![
                "block 5",
                "drug 1 (A) has 2 non-zero concentration(s)",
                "at least 3",
            ],
        ),
        (
            format!(
                "{header}{}",
                grid("9", "B", None).replacen(",100\n", ",abc\n", 1)
            ),
            vec!["line 2", "column 'response'", "'abc'", "block 9"],
        ),
        (
            format!("{header}{}", grid("9", "B", Some((2.0, 9.0)))),
            vec!["block 9", "no combination at conc1 = 2, conc2 = 9"],
        ),
        (
            "block_id,drug1,conc1,conc2,response\n1,A,0,0,1\n".to_string(),
            vec!["missing drug column 'drug2'", "drug_col"],
        ),
    ];
    for (i, (text, pieces)) in cases.iter().enumerate() {
        let p = dir.write(&format!("bad{i}.csv"), text);
        let err = preclin(["synergy", p.to_str().unwrap()]).user_error();
        for piece in pieces {
            assert!(
                err.contains(piece),
                "case {i}: expected {piece:?} in: {err}"
            );
        }
    }
    // --ci-out without `ci` among the methods is a usage error.
    let err = preclin([
        "synergy",
        mathews().to_str().unwrap(),
        "--ci-out",
        dir.join("x.csv").to_str().unwrap(),
    ])
    .user_error();
    assert!(err.contains("--methods"), "{err}");
}
