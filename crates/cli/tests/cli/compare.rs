//! `preclin compare` and `preclin resistance` end to end.
//!
//! * drc's S.alba data (two herbicides, `tests/data/drc_S.alba.csv`):
//!   compared as parallel curves (`--share top,bottom,hill`) the numbers
//!   are those of the scipy reference in
//!   `crates/curve/tests/data/expected_global_scipy.csv` (case
//!   `salba_shared_bcd`): EC50 ratio Bentazone / Glyphosate 0.42539800,
//!   delta-log interval 0.35081884 – 0.51583165, F test of one EC50
//!   69.808547 on (1, 63) df, p 8.5501e-12; parallelism F 7.1618036,
//!   p 0.0095148.
//! * The bundled cross-resistance example (`examples/resistance`, simulated
//!   with known resistance factors): the classes of the matrix.
//! * Errors: unknown reference level, one level only, missing columns, a
//!   shared EC50, bad thresholds → exit status 2 and a message naming the
//!   file, the column and (for cell errors) the line.

use std::path::PathBuf;

use crate::common::{Csv, TempDir, assert_rel, fixture, preclin, read};

fn salba(extra: &[&str]) -> String {
    let f = fixture("drc_S.alba.csv");
    let mut args: Vec<String> = [
        "compare",
        &f.display().to_string(),
        "--dose",
        "Dose",
        "--response",
        "DryMatter",
        "--between",
        "Herbicide",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    preclin(&args).ok().stdout
}

fn resistance_example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/resistance/viability.csv")
}

#[test]
fn s_alba_parallel_curves_match_the_reference() {
    let out = salba(&["--share", "top,bottom,hill", "--reference", "Glyphosate"]);
    assert!(out.starts_with("# preclin "), "{out}");
    assert!(out.contains("# f_stat, p_value = extra-sum-of-squares F test"));
    let t = Csv::parse(&out);
    // The columns, in this order, first (no --by columns here).
    let want = [
        "reference",
        "level",
        "ec50_ratio",
        "ratio_lower",
        "ratio_upper",
        "f_stat",
        "p_value",
        "aic_delta",
        "preferred_model",
    ];
    assert_eq!(&t.header[..want.len()], want);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.cell(0, "reference"), "Glyphosate");
    assert_eq!(t.cell(0, "level"), "Bentazone");
    assert_rel(t.num(0, "ec50_ratio"), 0.42539800484861, 1e-5, "ratio");
    assert_rel(t.num(0, "ratio_lower"), 0.35081884324706, 1e-5, "lower");
    assert_rel(t.num(0, "ratio_upper"), 0.51583164933286, 1e-5, "upper");
    assert_rel(t.num(0, "f_stat"), 69.808546770705, 1e-5, "F");
    assert_rel(t.num(0, "p_value"), 8.550132206244e-12, 1e-4, "p");
    assert_eq!(t.cell(0, "df1"), "1");
    assert_eq!(t.cell(0, "df2"), "63");
    assert_rel(t.num(0, "parallel_f"), 7.161803614606, 1e-5, "parallel F");
    assert_rel(t.num(0, "parallel_p"), 0.009514790869, 1e-4, "parallel p");
    assert_eq!(t.cell(0, "preferred_model"), "separate");
    assert!(t.num(0, "aic_delta") > 0.0);
    assert_eq!(t.cell(0, "shared"), "hill,bottom,top");
    assert_eq!(t.cell(0, "flags"), "not_parallel");
    assert_eq!(t.cell(0, "message"), "");
    assert_eq!(t.cell(0, "dose_unit"), "nM");
    t.assert_no_non_finite("S.alba compare", &[]);
    // Fieller's interval is in its own columns; --ci fieller puts it in
    // ratio_lower / ratio_upper.
    let f = Csv::parse(&salba(&[
        "--share",
        "top,bottom,hill",
        "--reference",
        "Glyphosate",
        "--ci",
        "fieller",
    ]));
    assert_rel(
        f.num(0, "ratio_lower"),
        0.34970333962315,
        1e-5,
        "Fieller lower",
    );
    assert_rel(
        f.num(0, "ratio_upper"),
        0.51611548064730,
        1e-5,
        "Fieller upper",
    );
    assert_eq!(f.cell(0, "ratio_lower"), t.cell(0, "fieller_lower"));
}

#[test]
fn reference_defaults_to_the_first_level_and_inverts_the_ratio() {
    // Glyphosate comes first in the file.
    let a = Csv::parse(&salba(&["--share", "top,bottom,hill"]));
    let b = Csv::parse(&salba(&[
        "--share",
        "top,bottom,hill",
        "--reference",
        "Bentazone",
    ]));
    assert_eq!(a.cell(0, "reference"), "Glyphosate");
    assert_eq!(b.cell(0, "reference"), "Bentazone");
    assert_eq!(b.cell(0, "level"), "Glyphosate");
    assert_rel(
        a.num(0, "ec50_ratio") * b.num(0, "ec50_ratio"),
        1.0,
        1e-8,
        "R(a/b)·R(b/a)",
    );
    // The F test does not depend on the direction.
    assert_rel(a.num(0, "f_stat"), b.num(0, "f_stat"), 1e-6, "F");
}

#[test]
fn json_gives_the_same_numbers_and_nulls() {
    let csv = Csv::parse(&salba(&["--share", "top,bottom,hill"]));
    let json = salba(&["--share", "top,bottom,hill", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let rows = doc["comparisons"].as_array().expect("comparisons");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    for col in [
        "ec50_ratio",
        "ratio_lower",
        "ratio_upper",
        "f_stat",
        "p_value",
    ] {
        assert_rel(r[col].as_f64().unwrap(), csv.num(0, col), 1e-15, col);
    }
    assert_eq!(r["df2"].as_i64(), Some(63));
    assert_eq!(r["preferred_model"].as_str(), Some("separate"));
    assert_eq!(r["flags"], serde_json::json!(["not_parallel"]));
    assert!(doc["provenance"]["tool"].is_string());
    // Without --share the IC50 ratio exists; a value that does not is null.
    let json = salba(&["--format", "json", "--ed", "10"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let r = &doc["comparisons"][0];
    assert!(r["ed10_ratio"].as_f64().is_some());
    assert!(r["message"].is_null());
}

#[test]
fn groups_without_the_reference_get_a_row_with_a_message() {
    // spinach: curves 1–3 bentazon, 4–5 diuron; reference curve 1.
    let f = fixture("drc_spinach.csv");
    let out = preclin([
        "compare",
        &f.display().to_string(),
        "--dose",
        "DOSE",
        "--response",
        "SLOPE",
        "--between",
        "CURVE",
        "--by",
        "HERBICIDE",
        "--no-comments",
    ])
    .ok()
    .stdout;
    let t = Csv::parse(&out);
    assert_eq!(t.header[0], "HERBICIDE");
    assert_eq!(t.rows.len(), 4);
    let i = t.find(&["HERBICIDE", "level"], &["bentazon", "2"]);
    assert!(t.num(i, "ec50_ratio") > 0.0);
    assert_eq!(t.cell(i, "message"), "");
    let j = t.find(&["HERBICIDE", "level"], &["diuron", "4"]);
    assert_eq!(t.cell(j, "ec50_ratio"), "");
    assert!(
        t.cell(j, "message")
            .contains("reference level '1' is absent"),
        "{:?}",
        t.rows[j]
    );
    t.assert_no_non_finite("spinach compare", &[]);
}

#[test]
fn output_is_deterministic() {
    let dir = TempDir::new("compare-det");
    let f = fixture("drc_S.alba.csv");
    let run = |name: &str| {
        let p = dir.join(name);
        preclin([
            "compare",
            &f.display().to_string(),
            "--dose",
            "Dose",
            "--response",
            "DryMatter",
            "--between",
            "Herbicide",
            "-o",
            &p.display().to_string(),
            "--no-comments",
        ])
        .ok();
        read(&p)
    };
    assert_eq!(run("a.csv"), run("b.csv"));
}

/// Runs `preclin ARGS…`, expects status 2 and returns standard error.
fn user_error(args: &[&str]) -> String {
    preclin(args).user_error()
}

#[test]
fn compare_errors_name_file_line_and_column() {
    let dir = TempDir::new("compare-err");
    let two = dir.write(
        "two.csv",
        "compound,cell_line,dose,response\nA,P,0,100\nA,P,1,90\nA,R,0,100\nA,R,1,95\n",
    );
    let p = two.display().to_string();
    // Unknown reference level.
    let e = user_error(&[
        "compare",
        &p,
        "--by",
        "compound",
        "--between",
        "cell_line",
        "--reference",
        "X",
    ]);
    assert!(
        e.contains(&format!(
            "{p}, column 'cell_line': reference level 'X' not found (levels: P, R)"
        )),
        "{e}"
    );
    // One level only.
    let one = dir.write(
        "one.csv",
        "compound,cell_line,dose,response\nA,P,0,100\nA,P,1,90\n",
    );
    let e = user_error(&[
        "compare",
        &one.display().to_string(),
        "--between",
        "cell_line",
    ]);
    assert!(
        e.contains(&format!(
            "{}, column 'cell_line': only one level ('P')",
            one.display()
        )),
        "{e}"
    );
    // Missing --between column.
    let e = user_error(&["compare", &p, "--between", "variant"]);
    assert!(
        e.contains(&format!("{p}: missing --between column 'variant'"))
            && e.contains("columns present: compound, cell_line, dose, response"),
        "{e}"
    );
    // Missing --by column.
    let e = user_error(&["compare", &p, "--by", "drug", "--between", "cell_line"]);
    assert!(
        e.contains(&format!("{p}: missing grouping column 'drug'")),
        "{e}"
    );
    // --between inside --by.
    let e = user_error(&[
        "compare",
        &p,
        "--by",
        "compound,cell_line",
        "--between",
        "cell_line",
    ]);
    assert!(e.contains("cannot also be a grouping column"), "{e}");
    // A non-numeric dose names the line and the column.
    let bad = dir.write(
        "bad.csv",
        "compound,cell_line,dose,response\nA,P,0,100\nA,P,x,90\nA,R,1,95\n",
    );
    let e = user_error(&[
        "compare",
        &bad.display().to_string(),
        "--between",
        "cell_line",
    ]);
    assert!(
        e.contains(&format!("{}, line 3, column 'dose'", bad.display())),
        "{e}"
    );
    // Sharing the EC50, or an unknown parameter.
    let e = user_error(&["compare", &p, "--between", "cell_line", "--share", "ec50"]);
    assert!(e.contains("--share: the EC50 cannot be shared"), "{e}");
    let e = user_error(&["compare", &p, "--between", "cell_line", "--share", "tops"]);
    assert!(e.contains("--share: unknown parameter 'tops'"), "{e}");
}

#[test]
fn too_few_points_is_a_row_not_an_error() {
    let dir = TempDir::new("compare-few");
    let p = dir.write(
        "few.csv",
        "compound,cell_line,dose,response\nA,P,0,100\nA,P,1,90\nA,R,0,100\nA,R,1,95\n",
    );
    let out = preclin([
        "compare",
        &p.display().to_string(),
        "--between",
        "cell_line",
        "--no-comments",
    ])
    .ok()
    .stdout;
    let t = Csv::parse(&out);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.cell(0, "ec50_ratio"), "");
    assert!(
        t.cell(0, "message").contains("too few points"),
        "{:?}",
        t.rows
    );
}

#[test]
fn resistance_matrix_of_the_example() {
    let dir = TempDir::new("resistance");
    let (svg, long) = (dir.join("rf.svg"), dir.join("long.csv"));
    let out = preclin([
        "resistance",
        &resistance_example().display().to_string(),
        "--parental",
        "WT",
        "--figure",
        &svg.display().to_string(),
        "--long",
        &long.display().to_string(),
    ])
    .ok()
    .stdout;
    assert!(out.contains("# class: cross_resistance = rf > 2 and lower > 1"));
    let m = Csv::parse(&out);
    assert_eq!(m.header[0], "compound");
    assert_eq!(
        m.rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        [
            "revumenib",
            "MI-503",
            "gilteritinib",
            "pinometostat",
            "venetoclax"
        ]
    );
    let class = |drug: &str, line: &str| {
        let i = m.find(&["compound"], &[drug]);
        m.cell(i, &format!("MV4-11 {line}_class")).to_string()
    };
    // Truth (examples/resistance/truth.csv): revumenib RF 30 / 15, MI-503
    // 8 / 4, gilteritinib and venetoclax 1, pinometostat 0.3 in M327I.
    for line in ["M327I", "T349M"] {
        assert_eq!(class("revumenib", line), "cross_resistance");
        assert_eq!(class("MI-503", line), "cross_resistance");
        assert_eq!(class("gilteritinib", line), "unchanged");
        assert_eq!(class("venetoclax", line), "unchanged");
    }
    assert_eq!(class("pinometostat", "M327I"), "collateral_sensitivity");
    let i = m.find(&["compound"], &["revumenib"]);
    let rf = m.num(i, "MV4-11 M327I_rf");
    assert!(
        m.num(i, "MV4-11 M327I_lower") < 30.0 && 30.0 < m.num(i, "MV4-11 M327I_upper"),
        "RF {rf}: the interval should cover the truth 30"
    );
    assert_eq!(m.cell(i, "MV4-11 M327I_stars"), "***");
    m.assert_no_non_finite("resistance matrix", &[]);
    // The long table: one row per drug × line.
    let l = Csv::read(&long);
    assert_eq!(l.rows.len(), 10);
    for c in ["compound", "cell_line", "parental", "line", "rf", "class"] {
        assert!(l.has(c), "long table lacks {c}");
    }
    let j = l.find(&["compound", "line"], &["pinometostat", "M327I"]);
    assert!(l.num(j, "log2_rf") < -1.0);
    assert_eq!(l.cell(j, "test"), "f_test");
    // The heatmap.
    let s = read(&svg);
    assert!(s.starts_with("<svg"), "{}", &s[..s.len().min(100)]);
    assert!(s.contains("log2 resistance factor") && s.contains("revumenib"));
    assert!(!s.contains("NaN"));
}

#[test]
fn resistance_options_and_errors() {
    let ex = resistance_example().display().to_string();
    // Absolute IC50s: Wald test; JSON output.
    let json = preclin([
        "resistance",
        &ex,
        "--parental",
        "WT",
        "--potency",
        "absolute",
        "--format",
        "json",
    ])
    .ok()
    .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = doc["resistance"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["test"].as_str(), Some("wald_log"));
    assert_eq!(rows[0]["potency"].as_str(), Some("absolute"));
    assert_eq!(
        doc["columns"],
        serde_json::json!(["MV4-11 M327I", "MV4-11 T349M"])
    );
    // Unknown parental level.
    let e = user_error(&["resistance", &ex, "--parental", "WILD"]);
    assert!(
        e.contains("column 'variant': reference level 'WILD' not found (levels: WT, M327I, T349M)"),
        "{e}"
    );
    // Bad thresholds.
    let e = user_error(&["resistance", &ex, "--parental", "WT", "--cross", "0.8"]);
    assert!(e.contains("--cross / --collateral"), "{e}");
    // --between a column that is not there.
    let e = user_error(&["resistance", &ex, "--parental", "WT", "--between", "line"]);
    assert!(e.contains("missing --between column 'line'"), "{e}");
}

#[test]
fn levels_in_other_units_are_converted_to_the_reference_unit() {
    use crate::common::curve_obs;
    let dir = TempDir::new("compare-units");
    // Parental in µM (EC50 0.1 µM = 100 nM), resistant in nM (EC50 400 nM).
    let mut csv = String::from("compound,cell_line,dose,dose_unit,response\n");
    for o in curve_obs(&["A", "P"], 100.0, 3, false, 1) {
        csv.push_str(&format!("A,P,{},uM,{}\n", o.dose / 1000.0, o.response));
    }
    for o in curve_obs(&["A", "R"], 400.0, 3, false, 2) {
        csv.push_str(&format!("A,R,{},nM,{}\n", o.dose, o.response));
    }
    let p = dir.write("units.csv", csv);
    let t = Csv::parse(
        &preclin([
            "compare",
            &p.display().to_string(),
            "--by",
            "compound",
            "--between",
            "cell_line",
            "--no-comments",
        ])
        .ok()
        .stdout,
    );
    assert_eq!(t.cell(0, "dose_unit"), "uM");
    assert_rel(t.num(0, "ec50_ratio"), 4.0, 0.1, "ratio");
    assert_rel(t.num(0, "ec50_reference"), 0.1, 0.1, "reference EC50 in µM");
    assert_rel(t.num(0, "ec50_level"), 0.4, 0.1, "level EC50 in µM");
    // Mass and molar units cannot be mixed.
    let bad = dir.write(
        "mixed.csv",
        "compound,cell_line,dose,dose_unit,response\nA,P,1,uM,90\nA,R,1,ng/mL,80\n",
    );
    let e = user_error(&[
        "compare",
        &bad.display().to_string(),
        "--between",
        "cell_line",
    ]);
    assert!(
        e.contains(&format!("{}, line 3: dose unit", bad.display()))
            && e.contains("cannot be converted"),
        "{e}"
    );
}
