//! How `preclin fit` forms curves from a tidy table: default grouping
//! (every column but dose, response, replicate, well, plate, dose_unit),
//! `--by`, XLSX input, the `experiment` column with its across-experiment
//! summary and `--pool`, curves with too few points, and byte-identical
//! output on repeated runs.

use crate::common::{Csv, Obs, TempDir, assert_rel, curve_obs, obs_csv, obs_xlsx, preclin, read};

/// Two compounds × two cell lines × three replicates, nine doses each.
fn screen() -> Vec<Obs> {
    let mut v = Vec::new();
    for (ci, (compound, ec50)) in [("cmpA", 100.0), ("cmpB", 1000.0)].iter().enumerate() {
        for (li, (line, shift)) in [("L1", 1.0), ("L2", 3.0)].iter().enumerate() {
            v.extend(curve_obs(
                &[compound, line],
                ec50 * shift,
                3,
                true,
                ci * 2 + li,
            ));
        }
    }
    v
}

const SCREEN_COLS: [&str; 3] = ["compound", "cell_line", "replicate"];

#[test]
fn default_grouping_excludes_replicate() {
    let dir = TempDir::new("group-default");
    let input = dir.write("screen.csv", obs_csv(&SCREEN_COLS, &screen()));
    let t = Csv::parse(&preclin(["fit".as_ref(), input.as_os_str()]).ok().stdout);
    assert_eq!(&t.header[..3], ["compound", "cell_line", "model"]);
    assert!(!t.has("replicate"));
    assert_eq!(t.rows.len(), 4);
    // Curves in order of first appearance.
    let keys: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("cmpA", "L1"),
            ("cmpA", "L2"),
            ("cmpB", "L1"),
            ("cmpB", "L2")
        ]
    );
    for (i, truth) in [100.0, 300.0, 1000.0, 3000.0].iter().enumerate() {
        assert_eq!(t.cell(i, "n"), "27", "9 doses × 3 replicates");
        assert_eq!(t.cell(i, "converged"), "true");
        assert_eq!(t.cell(i, "dose_unit"), "nM");
        assert_rel(t.num(i, "ec50"), *truth, 0.25, "ec50 recovers the truth");
    }
    t.assert_no_non_finite("screen fit", &[]);
}

#[test]
fn by_compound_pools_cell_lines() {
    let dir = TempDir::new("group-by");
    let input = dir.write("screen.csv", obs_csv(&SCREEN_COLS, &screen()));
    let run = preclin([
        "fit".as_ref(),
        input.as_os_str(),
        "--by".as_ref(),
        "compound".as_ref(),
    ])
    .ok();
    let t = Csv::parse(&run.stdout);
    assert_eq!(&t.header[..2], ["compound", "model"]);
    assert!(!t.has("cell_line"));
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.cell(0, "compound"), "cmpA");
    assert_eq!(t.cell(1, "compound"), "cmpB");
    assert_eq!(t.cell(0, "n"), "54", "two cell lines × 27");
    assert_eq!(t.cell(1, "n"), "54");
    // The pooled EC50 lies between the two cell lines' EC50s.
    let ec = t.num(0, "ec50");
    assert!(ec > 100.0 && ec < 300.0, "pooled cmpA ec50 {ec}");
}

#[test]
fn xlsx_gives_the_same_numbers_as_csv() {
    let dir = TempDir::new("group-xlsx");
    let obs = screen();
    let csv_in = dir.write("screen.csv", obs_csv(&SCREEN_COLS, &obs));
    let xlsx_in = dir.join("screen.xlsx");
    obs_xlsx(&xlsx_in, &SCREEN_COLS, &obs);
    let from_csv = preclin(["fit".as_ref(), csv_in.as_os_str(), "--no-comments".as_ref()])
        .ok()
        .stdout;
    let from_xlsx = preclin([
        "fit".as_ref(),
        xlsx_in.as_os_str(),
        "--no-comments".as_ref(),
    ])
    .ok()
    .stdout;
    assert_eq!(Csv::parse(&from_xlsx).rows.len(), 4);
    assert_eq!(from_xlsx, from_csv, "XLSX and CSV inputs fit differently");
}

/// One compound in three experiments with EC50 80, 100 and 125 nM.
fn experiments_csv() -> String {
    let mut obs = Vec::new();
    for (k, ec50) in [80.0, 100.0, 125.0].iter().enumerate() {
        let e = format!("exp{}", k + 1);
        obs.extend(curve_obs(&["cmpA", &e], *ec50, 2, false, 10 + k));
    }
    obs_csv(&["compound", "experiment"], &obs)
}

#[test]
fn experiment_column_gives_per_experiment_rows_and_geometric_means() {
    let dir = TempDir::new("experiments");
    let input = dir.write("exp.csv", experiments_csv());
    let out = dir.join("fits.csv");
    let run = preclin([
        "fit".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .ok();
    assert_eq!(run.stdout, "", "with -o nothing goes to stdout");
    let summary_path = dir.join("fits_experiments.csv");
    assert!(
        run.stderr.contains("fits_experiments.csv"),
        "stderr should name the summary file: {}",
        run.stderr
    );
    let fits = Csv::read(&out);
    assert_eq!(&fits.header[..3], ["compound", "experiment", "model"]);
    assert_eq!(fits.rows.len(), 3);
    let ec50: Vec<f64> = (0..3).map(|i| fits.num(i, "ec50")).collect();
    for (i, e) in ["exp1", "exp2", "exp3"].iter().enumerate() {
        assert_eq!(fits.cell(i, "experiment"), *e);
        assert_eq!(fits.cell(i, "n"), "18");
    }

    let s = Csv::read(&summary_path);
    assert!(!s.has("experiment"), "{:?}", s.header);
    assert_eq!(s.rows.len(), 1);
    assert_eq!(s.cell(0, "compound"), "cmpA");
    assert_eq!(s.cell(0, "n_experiments"), "3");
    assert_eq!(s.cell(0, "ec50_n"), "3");
    assert_eq!(s.cell(0, "dose_unit"), "nM");
    let geo = (ec50.iter().map(|x| x.ln()).sum::<f64>() / 3.0).exp();
    assert_rel(s.num(0, "ec50_geomean"), geo, 1e-9, "geometric mean");
    assert_rel(geo, 100.0, 0.2, "geometric mean near the truth");
    // pEC50 = −log10(EC50 in mol/L); the doses are nM.
    let p = ec50.iter().map(|x| -(x * 1e-9).log10()).sum::<f64>() / 3.0;
    assert_rel(s.num(0, "pec50_mean"), p, 1e-9, "mean pEC50");
    assert!(s.num(0, "ec50_lower") < geo && geo < s.num(0, "ec50_upper"));
    assert!(s.num(0, "pec50_sem") > 0.0);
    s.assert_no_non_finite("experiment summary", &[]);

    // JSON carries the same summary.
    let json = preclin([
        "fit".as_ref(),
        input.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .ok()
    .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(doc["curves"].as_array().map(Vec::len), Some(3));
    let ex = &doc["experiments"][0];
    assert_eq!(ex["n_experiments"].as_u64(), Some(3));
    assert_rel(
        ex["ec50_geomean"].as_f64().expect("number"),
        geo,
        1e-12,
        "JSON geometric mean",
    );
}

#[test]
fn experiment_column_without_output_file_explains_itself() {
    let dir = TempDir::new("experiments-stdout");
    let input = dir.write("exp.csv", experiments_csv());
    let run = preclin(["fit".as_ref(), input.as_os_str()]).ok();
    assert_eq!(Csv::parse(&run.stdout).rows.len(), 3);
    assert!(run.stderr.contains("--pool"), "{}", run.stderr);
}

#[test]
fn pool_fits_all_experiments_together() {
    let dir = TempDir::new("pool");
    let input = dir.write("exp.csv", experiments_csv());
    let out = dir.join("pooled.csv");
    preclin([
        "fit".as_ref(),
        input.as_os_str(),
        "--pool".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .ok();
    let t = Csv::read(&out);
    assert!(!t.has("experiment"), "{:?}", t.header);
    assert_eq!(&t.header[..2], ["compound", "model"]);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.cell(0, "n"), "54");
    assert_rel(t.num(0, "ec50"), 100.0, 0.2, "pooled ec50");
    assert!(
        !dir.join("pooled_experiments.csv").exists(),
        "--pool must not write an across-experiment summary"
    );
    assert!(read(&out).contains("pool=true"), "options in provenance");
}

#[test]
fn too_few_points_is_a_flagged_row_not_an_error() {
    let dir = TempDir::new("too-few");
    let mut obs = curve_obs(&["good"], 100.0, 2, false, 1);
    obs.extend(
        curve_obs(&["short"], 100.0, 1, false, 2)
            .into_iter()
            .take(3),
    );
    let input = dir.write("few.csv", obs_csv(&["compound"], &obs));
    let out = preclin(["fit".as_ref(), input.as_os_str()]).ok().stdout;
    let t = Csv::parse(&out);
    assert_eq!(t.rows.len(), 2);
    let good = t.find(&["compound"], &["good"]);
    let short = t.find(&["compound"], &["short"]);
    assert_eq!(t.cell(good, "converged"), "true");
    assert!(!t.cell(good, "flags").contains("too_few_points"));
    assert_eq!(t.cell(short, "n"), "3");
    assert_eq!(t.cell(short, "converged"), "false");
    assert!(
        t.cell(short, "flags")
            .split(';')
            .any(|f| f == "too_few_points"),
        "flags: {}",
        t.cell(short, "flags")
    );
    for col in [
        "top",
        "bottom",
        "hill",
        "ec50",
        "ec50_lower",
        "ec50_upper",
        "ic50",
        "auc",
        "r2",
        "rss",
        "aic",
    ] {
        assert_eq!(
            t.cell(short, col),
            "",
            "column {col} of a too_few_points row"
        );
    }
    assert_eq!(t.cell(short, "dose_unit"), "nM");
    t.assert_no_non_finite("too few points", &[]);

    // JSON: null, never NaN.
    let json = preclin([
        "fit".as_ref(),
        input.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .ok()
    .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let c = &doc["curves"][1];
    assert_eq!(c["compound"].as_str(), Some("short"));
    assert!(c["ec50"].is_null() && c["hill"].is_null());
    assert_eq!(c["flags"][0].as_str(), Some("too_few_points"));
}

#[test]
fn repeated_runs_are_byte_identical() {
    let dir = TempDir::new("determinism");
    let input = dir.write("screen.csv", obs_csv(&SCREEN_COLS, &screen()));
    for extra in [
        &[][..],
        &["--format", "json"],
        &["--ci", "profile", "--ed", "10,90"],
    ] {
        let mut args = vec!["fit".to_string(), input.display().to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let a = preclin(&args).ok().stdout;
        let b = preclin(&args).ok().stdout;
        assert!(!a.is_empty());
        assert!(a == b, "two runs of preclin {args:?} differ");
    }
    // Files (and the across-experiment summary) too.
    let input = dir.write("exp.csv", experiments_csv());
    let out = dir.join("fits.csv");
    let args = [
        "fit".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ];
    preclin(args).ok();
    let (f1, s1) = (read(&out), read(&dir.join("fits_experiments.csv")));
    preclin(args).ok();
    assert!(read(&out) == f1, "fits.csv differs between runs");
    assert!(
        read(&dir.join("fits_experiments.csv")) == s1,
        "fits_experiments.csv differs between runs"
    );
}

/// European exports: `;`-delimited with decimal commas, and Latin-1 text,
/// read the same as the plain CSV.
#[test]
fn semicolon_decimal_comma_and_latin1() {
    let dir = TempDir::new("group-locale");
    let rows = [
        (0.0, 100.0),
        (1.5, 90.0),
        (3.0, 70.0),
        (10.0, 40.0),
        (30.0, 12.0),
        (100.0, 5.0),
    ];
    let mut plain = String::from("compound,dose,response\n");
    let mut semi = String::from("compound;dose;response\n");
    let mut latin: Vec<u8> = b"compound,dose,response\n".to_vec();
    for (d, r) in rows {
        plain.push_str(&format!("Cafe,{d},{r}\n"));
        semi.push_str(&format!("Cafe;{};{}\n", d.to_string().replace('.', ","), r));
        latin.extend_from_slice(b"Caf\xe9,");
        latin.extend_from_slice(format!("{d},{r}\n").as_bytes());
    }
    let a = dir.write("plain.csv", plain);
    let b = dir.write("semi.csv", semi);
    let c = dir.write("latin.csv", latin);
    let ec50 = |p: &std::path::Path| {
        let out = preclin(["fit".as_ref(), p.as_os_str(), "--no-comments".as_ref()]).ok();
        let csv = Csv::parse(&out.stdout);
        (csv.cell(0, "compound").to_string(), csv.num(0, "ec50"))
    };
    let (_, e_plain) = ec50(&a);
    let (_, e_semi) = ec50(&b);
    let (name, e_latin) = ec50(&c);
    assert_eq!(e_plain, e_semi);
    assert_eq!(e_plain, e_latin);
    assert_eq!(name, "Café");
}
