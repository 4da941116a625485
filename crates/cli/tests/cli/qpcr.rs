//! `preclin qpcr`, `preclin qpcr efficiency`, `preclin qpcr genorm` and
//! `preclin rdml` end to end: pcr's examples and the rdml-tools files (the
//! qPCR fixtures of `crates/invitro/tests/data/qpcr`, see its SOURCES.md),
//! instrument exports, XLSX, JSON, figures, and bad input (exit status 2).

use std::path::{Path, PathBuf};

use crate::common::{Csv, TempDir, XCell, assert_rel, preclin, read, write_xlsx};

/// A qPCR fixture of the invitro crate.
fn qpcr_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../invitro/tests/data/qpcr")
        .join(name)
}

/// pcr's wide ct1/ct2 table (c_myc, GAPDH; brain rows 1–6, kidney 7–12) as
/// a tidy CSV with one sample per row.
fn pcr_tidy(name: &str) -> String {
    let text = std::fs::read_to_string(qpcr_data(name)).unwrap();
    let mut out = String::from("sample,group,gene,ct\n");
    for (i, line) in text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let group = if i < 6 { "brain" } else { "kidney" };
        let v: Vec<&str> = line.trim().split(',').collect();
        out.push_str(&format!("{group}{i},{group},c_myc,{}\n", v[0]));
        out.push_str(&format!("{group}{i},{group},GAPDH,{}\n", v[1]));
    }
    out
}

const CONTRACT: [&str; 11] = [
    "gene",
    "group",
    "n",
    "delta_ct",
    "delta_delta_ct",
    "fold_change",
    "fold_lower",
    "fold_upper",
    "ci_lower",
    "ci_upper",
    "p_value",
];

#[test]
fn pcr_ct1_separate_and_ct2_same_tube() {
    let dir = TempDir::new("qpcr-pcr");
    let ct1 = dir.write("ct1.csv", pcr_tidy("pcr_ct1.csv"));
    let out = dir.join("ct1_out.csv");
    preclin([
        "qpcr",
        ct1.to_str().unwrap(),
        "--reference",
        "GAPDH",
        "--control",
        "brain",
        "-o",
        out.to_str().unwrap(),
    ])
    .ok();
    let text = read(&out);
    assert!(
        text.contains("NOT a confidence interval"),
        "the band is explained"
    );
    let csv = Csv::parse(&text);
    assert_eq!(&csv.header[..11], &CONTRACT);
    csv.assert_no_non_finite("ct1", &[]);
    let k = csv.find(&["gene", "group"], &["c_myc", "kidney"]);
    // pcr vignette: −2.50, 5.6 (5.3–6.0); full precision −2.495, 5.637283 (5.276399–6.022850).
    assert_rel(csv.num(k, "delta_delta_ct"), -2.495, 1e-12, "ddct");
    assert_rel(csv.num(k, "fold_change"), 5.6372830205680815, 1e-12, "fold");
    assert_rel(csv.num(k, "fold_lower"), 5.276399055034911, 1e-12, "lower");
    assert_rel(csv.num(k, "fold_upper"), 6.022849963112755, 1e-12, "upper");
    assert_eq!(csv.cell(k, "n"), "6");
    assert!(csv.num(k, "p_value") < 1e-6);
    let b = csv.find(&["gene", "group"], &["c_myc", "brain"]);
    assert_eq!(csv.cell(b, "p_value"), "");
    assert_eq!(csv.cell(b, "fold_change"), "1");

    let ct2 = dir.write("ct2.csv", pcr_tidy("pcr_ct2.csv"));
    let run = preclin([
        "qpcr",
        ct2.to_str().unwrap(),
        "--reference",
        "GAPDH",
        "--control",
        "brain",
        "--tubes",
        "same",
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let k = csv.find(&["gene", "group"], &["c_myc", "kidney"]);
    // pcr vignette: 5.77 (5.23–6.37) for the same-tube design.
    assert_rel(csv.num(k, "fold_change"), 5.775716782089986, 1e-12, "fold");
    assert_rel(csv.num(k, "fold_lower"), 5.232493223294116, 1e-12, "lower");
    assert_rel(csv.num(k, "fold_upper"), 6.375336368981438, 1e-12, "upper");
    assert_eq!(csv.cell(k, "tubes"), "same");
}

#[test]
fn rdml_relative_livak_pfaffl_json_figure() {
    let dir = TempDir::new("qpcr-rdml");
    let input = qpcr_data("rdmltools_relative.rdml");
    let fig = dir.join("fold.svg");
    let qc = dir.join("qc.csv");
    let samples = dir.join("samples.csv");
    let run = preclin([
        "qpcr",
        input.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--figure",
        fig.to_str().unwrap(),
        "--log2",
        "--qc-out",
        qc.to_str().unwrap(),
        "--samples-out",
        samples.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let a = csv.find(&["gene", "group"], &["ANF", "Adult"]);
    assert_rel(
        csv.num(a, "delta_delta_ct"),
        -4.037481481481482,
        1e-12,
        "ANF ddct",
    );
    assert_rel(
        csv.num(a, "fold_change"),
        16.421129758305206,
        1e-12,
        "ANF fold",
    );
    assert_eq!(csv.cell(a, "n"), "9");
    // Welch p on ΔCt from the reference collection: 4.770079e-5.
    assert_rel(
        csv.num(a, "p_value"),
        4.770079320453612e-05,
        1e-8,
        "welch p",
    );
    assert!(run.stderr.contains("not detected"), "{}", run.stderr);
    let svg = read(&fig);
    assert!(svg.starts_with("<svg") && svg.contains("ANF") && !svg.contains("NaN"));
    let q = Csv::read(&qc);
    assert!(q.rows.iter().any(|r| r[1] == "reference_stability"));
    let s = Csv::read(&samples);
    assert_eq!(s.rows.len(), 3 * 14);

    // Pfaffl with the efficiencies stored in the RDML targets.
    let run = preclin([
        "qpcr",
        input.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--method",
        "pfaffl",
        "--format",
        "json",
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = doc["results"].as_array().unwrap();
    let want = [
        ("ANF", 11.621939691986928),
        ("SCX", 1.0572916506581032),
        ("cTNI", 3183.055095141431),
    ];
    for (gene, fold) in want {
        let r = rows
            .iter()
            .find(|r| r["gene"] == gene && r["group"] == "Adult")
            .unwrap();
        assert_rel(r["fold_change"].as_f64().unwrap(), fold, 1e-10, gene);
        assert_eq!(r["method"], "pfaffl");
    }
    // The control rows have null p-values in JSON, never NaN.
    assert!(
        rows.iter()
            .filter(|r| r["group"] == "Embryo")
            .all(|r| r["p_value"].is_null())
    );
    assert!(doc["samples"].as_array().unwrap().len() == 42);

    // An efficiency file overrides (here: 2.0 everywhere = Livak).
    let eff = dir.write(
        "eff.csv",
        "gene,efficiency\nANF,2\nSCX,2\ncTNI,2\nPpia,2\nRpl32,2\n",
    );
    let run = preclin([
        "qpcr",
        input.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--method",
        "pfaffl",
        "--efficiency",
        eff.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let a = csv.find(&["gene", "group"], &["ANF", "Adult"]);
    assert_rel(
        csv.num(a, "fold_change"),
        16.421129758305206,
        1e-12,
        "E = 2",
    );
}

#[test]
fn tests_and_dunnett_columns() {
    let dir = TempDir::new("qpcr-tests");
    let mut s = String::from("sample,group,gene,ct,replicate\n");
    for (g, shift) in [("DMSO", 0.0), ("MI-2", 2.3), ("VTP50469", 3.1)] {
        for i in 0..4 {
            for rep in 0..3 {
                let j = (i * 3 + rep) as f64 * 0.037 % 0.2;
                s.push_str(&format!(
                    "{g}_{i},{g},ACTB,{},{rep}\n",
                    18.0 + j + i as f64 * 0.1
                ));
                s.push_str(&format!(
                    "{g}_{i},{g},MEIS1,{},{rep}\n",
                    24.0 + shift + 0.9 * j + i as f64 * 0.12
                ));
                s.push_str(&format!(
                    "{g}_{i},{g},HOXA9,{},{rep}\n",
                    25.0 + shift / 2.0 - j + i as f64 * 0.05
                ));
            }
        }
    }
    let f = dir.write("t.csv", &s);
    for test in ["welch", "pooled", "wilcoxon", "dunnett"] {
        let run = preclin([
            "qpcr",
            f.to_str().unwrap(),
            "--reference",
            "ACTB",
            "--control",
            "DMSO",
            "--test",
            test,
        ])
        .ok();
        let csv = Csv::parse(&run.stdout);
        assert_eq!(csv.rows.len(), 6);
        let r = csv.find(&["gene", "group"], &["MEIS1", "VTP50469"]);
        // 3.1 cycles later: about 2^−3.1 = 0.117.
        assert!((csv.num(r, "fold_change") - 0.117).abs() < 0.02);
        assert!(csv.num(r, "p_value") < 0.05, "{test}");
        assert!(csv.num(r, "p_adjusted") >= csv.num(r, "p_value") - 1e-15);
        assert!(csv.num(r, "ci_lower") < csv.num(r, "fold_change"));
        assert!(csv.num(r, "ci_upper") > csv.num(r, "fold_change"));
        assert_eq!(csv.cell(r, "anova_p").is_empty(), test != "dunnett");
    }
}

#[test]
fn xlsx_quantstudio_and_cfx_inputs() {
    let dir = TempDir::new("qpcr-formats");
    let tidy = pcr_tidy("pcr_ct1.csv");
    let rows: Vec<Vec<XCell>> = tidy
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            vec![
                XCell::Text(v[0].into()),
                XCell::Text(v[1].into()),
                XCell::Text(v[2].into()),
                XCell::Num(v[3].parse().unwrap()),
            ]
        })
        .collect();
    let x = dir.join("ct1.xlsx");
    write_xlsx(&x, &["sample", "group", "gene", "ct"], &rows);
    let run = preclin([
        "qpcr",
        x.to_str().unwrap(),
        "--reference",
        "GAPDH",
        "--control",
        "brain",
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let k = csv.find(&["gene", "group"], &["c_myc", "kidney"]);
    assert_rel(
        csv.num(k, "fold_change"),
        5.6372830205680815,
        1e-12,
        "xlsx fold",
    );

    // QuantStudio text export with an Undetermined well and an NTC.
    let mut qs = String::from(
        "* Experiment Type = Comparative Ct\n* Instrument Type = QuantStudio(TM) 7 Flex System\n\n[Results]\nWell\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tReporter\tQuencher\tCT\tCt Mean\tBiogroup Name\n",
    );
    let mut w = 1;
    for (g, d) in [("DMSO", 0.0), ("MI-2", 2.0)] {
        for i in 0..3 {
            for (gene, base) in [("GAPDH", 18.0), ("HOXA9", 26.0)] {
                for rep in 0..2 {
                    let ct = base
                        + if gene == "HOXA9" { d } else { 0.0 }
                        + 0.1 * i as f64
                        + 0.05 * rep as f64;
                    let ct = if g == "MI-2" && i == 2 && rep == 1 && gene == "HOXA9" {
                        "Undetermined".to_string()
                    } else {
                        format!("{ct:.3}")
                    };
                    qs.push_str(&format!(
                        "{w}\tA{w}\tfalse\t{g}-{i}\t{gene}\tUNKNOWN\tSYBR\tNone\t{ct}\t\t{g}\n"
                    ));
                    w += 1;
                }
            }
        }
    }
    qs.push_str(&format!(
        "{w}\tH12\tfalse\tNTC\tHOXA9\tNTC\tSYBR\tNone\t31.2\t\t\n"
    ));
    let f = dir.write("qs.txt", &qs);
    let run = preclin([
        "qpcr",
        f.to_str().unwrap(),
        "--reference",
        "GAPDH",
        "--control",
        "DMSO",
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let m = csv.find(&["gene", "group"], &["HOXA9", "MI-2"]);
    // 2 cycles later → 0.25; the Undetermined replicate is dropped, so the
    // third sample keeps its other replicate (0.05 cycles lower).
    let want = (-(2.0 - 0.025 / 3.0f64)).exp2();
    assert_rel(csv.num(m, "fold_change"), want, 1e-9, "QuantStudio fold");
    assert_eq!(csv.cell(m, "n"), "3");
    assert!(run.stderr.contains("ntc_amplification"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 wells not detected"),
        "{}",
        run.stderr
    );

    // Bio-Rad CFX Cq results with groups from a sample sheet.
    let mut cfx =
        String::from(",Well,Fluor,Target,Content,Sample,Biological Set Name,Cq,Cq Mean\n");
    for (s, d) in [("s1", 0.0), ("s2", 0.1), ("s3", 1.0), ("s4", 1.2)] {
        cfx.push_str(&format!(",A01,SYBR,ACTB,Unkn-01,{s},,{},\n", 17.0));
        cfx.push_str(&format!(",A02,SYBR,MEIS1,Unkn-01,{s},,{},\n", 23.0 + d));
    }
    cfx.push_str(",H12,SYBR,MEIS1,NTC,water,,NaN,\n");
    let f = dir.write("cfx.csv", &cfx);
    let sheet = dir.write(
        "groups.csv",
        "sample,group\ns1,DMSO\ns2,DMSO\ns3,drug\ns4,drug\n",
    );
    let run = preclin([
        "qpcr",
        f.to_str().unwrap(),
        "--reference",
        "ACTB",
        "--control",
        "DMSO",
        "--groups",
        sheet.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let m = csv.find(&["gene", "group"], &["MEIS1", "drug"]);
    assert_rel(csv.num(m, "delta_delta_ct"), 1.05, 1e-12, "CFX ddct");
}

#[test]
fn bad_input_exits_2_naming_sample_and_row() {
    let dir = TempDir::new("qpcr-errors");
    let run = |name: &str, text: &str, extra: &[&str]| {
        let f = dir.write(name, text);
        let mut args = vec!["qpcr".to_string(), f.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        preclin(&args).user_error()
    };
    let std = ["--reference", "ACTB", "--control", "DMSO"];
    let e = run(
        "noref.csv",
        "sample,group,gene,ct\na,DMSO,ACTB,18\na,DMSO,MEIS1,24\nb,DMSO,MEIS1,24.2\nc,X,ACTB,18\nc,X,MEIS1,22\n",
        &std,
    );
    assert!(
        e.contains("'b'") && e.contains("line 4") && e.contains("'ACTB'"),
        "{e}"
    );
    let e = run(
        "nocontrol.csv",
        "sample,group,gene,ct\na,A,ACTB,18\na,A,MEIS1,24\n",
        &std,
    );
    assert!(
        e.contains("control group 'DMSO' not found") && e.contains("groups: A"),
        "{e}"
    );
    let e = run(
        "range.csv",
        "sample,group,gene,ct\na,DMSO,ACTB,18\na,DMSO,MEIS1,85\n",
        &std,
    );
    assert!(
        e.contains("line 3") && e.contains("'a'") && e.contains("out of range"),
        "{e}"
    );
    let e = run(
        "text.csv",
        "sample,group,gene,ct\na,DMSO,ACTB,eighteen\n",
        &std,
    );
    assert!(e.contains("line 2") && e.contains("'eighteen'"), "{e}");
    let e = run("nogroup.csv", "sample,gene,ct\na,ACTB,18\n", &std);
    assert!(
        e.contains("line 2") && e.contains("'a' has no group"),
        "{e}"
    );
    let e = run(
        "undet.csv",
        "sample,group,gene,ct\na,DMSO,ACTB,18\na,DMSO,MEIS1,24\n",
        &[
            "--reference",
            "ACTB",
            "--control",
            "DMSO",
            "--undetected",
            "zero",
        ],
    );
    assert!(e.contains("--undetected"), "{e}");
    let e = run(
        "pf.csv",
        "sample,group,gene,ct\na,DMSO,ACTB,18\na,DMSO,MEIS1,24\n",
        &[
            "--reference",
            "ACTB",
            "--control",
            "DMSO",
            "--method",
            "pfaffl",
        ],
    );
    assert!(e.contains("efficiency") && e.contains("'ACTB'"), "{e}");
    // A broken RDML file.
    let e = run("broken.rdml", "PK\u{3}\u{4}not a zip", &std);
    assert!(e.contains("not a readable RDML file"), "{e}");
}

#[test]
fn efficiency_and_genorm() {
    let run = preclin([
        "qpcr",
        "efficiency",
        qpcr_data("RDMLpkg_stepone_std.rdml").to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(csv.rows.len(), 1);
    // The StepOne software stored 93.91181 % in the same file.
    assert!((csv.num(0, "efficiency_pct") - 93.91181).abs() < 0.01);
    assert_eq!(csv.cell(0, "range_min"), "625");
    assert_eq!(csv.cell(0, "range_max"), "10000");

    // pcr ct3 as a tidy table with an amount column.
    let dir = TempDir::new("qpcr-eff");
    let text = std::fs::read_to_string(qpcr_data("pcr_ct3.csv")).unwrap();
    let amounts = [1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];
    let mut s = String::from("sample,gene,ct,amount\n");
    for (i, line) in text.lines().skip(1).enumerate() {
        let v: Vec<&str> = line.split(',').collect();
        s.push_str(&format!(
            "s{i},c_myc,{},{}\ns{i},GAPDH,{},{}\n",
            v[0],
            amounts[i / 3],
            v[1],
            amounts[i / 3]
        ));
    }
    let f = dir.write("ct3.csv", &s);
    let run = preclin([
        "qpcr",
        "efficiency",
        f.to_str().unwrap(),
        "--reference",
        "GAPDH",
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    let c = csv.find(&["gene"], &["c_myc"]);
    assert_rel(csv.num(c, "slope"), -3.3880951818703156, 1e-10, "slope");
    assert_rel(csv.num(c, "efficiency"), 1.9731090754291036, 1e-10, "E");
    assert_rel(
        csv.num(c, "delta_ct_slope"),
        0.026456191907847974,
        1e-8,
        "dCt slope",
    );

    let run = preclin([
        "qpcr",
        "genorm",
        qpcr_data("rdmltools_genorm.rdml").to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(csv.rows.len(), 9);
    let best = [csv.cell(0, "gene"), csv.cell(1, "gene")];
    assert!(
        best.contains(&"Polr2a") && best.contains(&"Rpl4"),
        "{best:?}"
    );
    assert_rel(csv.num(0, "m"), 0.3270624292286085, 1e-12, "best pair M");
    assert_eq!(csv.cell(8, "gene"), "Ppia");
    assert!(run.stdout.contains("V2/3"));
}

#[test]
fn rdml_listing_table_and_tidy_round_trip() {
    let dir = TempDir::new("rdml");
    let input = qpcr_data("rdmltools_relative.rdml");
    let table = dir.join("table.csv");
    let tidy = dir.join("tidy.csv");
    let run = preclin([
        "rdml",
        input.to_str().unwrap(),
        "--table",
        table.to_str().unwrap(),
        "--tidy",
        tidy.to_str().unwrap(),
    ])
    .ok();
    assert!(run.stdout.contains("RDML version 1.4"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("groups from annotation 'Biological Replicate': Adult, Embryo")
            || run
                .stdout
                .contains("groups from annotation 'Biological Replicate': Embryo, Adult")
    );
    assert!(run.stdout.contains("ANF [toi]") && run.stdout.contains("1 not detected"));
    // The reaction table equals the reference collection's Cq table.
    let got = Csv::read(&table);
    let want = Csv::read(&qpcr_data("rdmltools_relative_cq_table.csv"));
    assert_eq!(got.rows.len(), want.rows.len());
    for col in &want.header {
        for i in 0..want.rows.len() {
            let (g, w) = (got.cell(i, col), want.cell(i, col));
            let same = match (g.parse::<f64>(), w.parse::<f64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => g == w,
            };
            assert!(same, "row {i} {col}: {g} vs {w}");
        }
    }
    // The tidy export reads back into the same result.
    let t = Csv::read(&tidy);
    assert!(
        t.rows
            .iter()
            .any(|r| r[t.col("flags")] == "not_detected" && r[t.col("ct")].is_empty())
    );
    let a = preclin([
        "qpcr",
        tidy.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--no-comments",
    ])
    .ok();
    let b = preclin([
        "qpcr",
        input.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--no-comments",
    ])
    .ok();
    assert_eq!(a.stdout, b.stdout);
    // Every other RDML file lists without error (1.0 StepOne, 1.1 Bio-Rad).
    for f in [
        "RDMLpkg_stepone_std.rdml",
        "RDMLpkg_BioRad_qPCR_melt.rdml",
        "rdmltools_absolute.rdml",
    ] {
        let run = preclin(["rdml", qpcr_data(f).to_str().unwrap()]).ok();
        assert!(run.stdout.contains("RDML version 1."), "{f}");
    }
}

#[test]
fn deterministic_output() {
    let input = qpcr_data("rdmltools_relative.rdml");
    let args = [
        "qpcr",
        input.to_str().unwrap(),
        "--reference",
        "Ppia,Rpl32",
        "--control",
        "Embryo",
        "--test",
        "dunnett",
    ];
    let a = preclin(args).ok();
    let b = preclin(args).ok();
    assert_eq!(a.stdout, b.stdout);
}
