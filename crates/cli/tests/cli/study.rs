//! `preclin compounds` (the bundled reference table, user rows, measured
//! vs published) and `preclin db list/show/export/query` on a store written
//! through the library.

use std::collections::BTreeMap;
use std::path::Path;

use preclin_study::provenance::{Timestamp, sha256_hex};
use preclin_study::store::{
    CellLineRecord, CompoundRecord, ExperimentRecord, InputFile, MetricValue, Observation,
    Provenance, ResultRecord, RunImport, Store, StudyRecord,
};
use serde_json::json;

use crate::common::{TempDir, preclin};

/// CSV output without the `#` comment lines, as records.
fn records(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body: String = csv_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn compounds_lists_and_searches() {
    let all = preclin(["compounds"]).ok();
    let (_, rows) = records(&all.stdout);
    assert_eq!(rows.len(), 32 + 16 + 43 + 12);
    assert!(all.stdout.starts_with("# preclin "));

    let r = preclin([
        "compounds",
        "mi503",
        "--table",
        "seed",
        "--cell-line",
        "MV4-11",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    // Table 1 (GI50) and Table 2 (the MV4;11 xenograft)
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    assert_eq!(
        rows[1][col(&h, "cell_line_or_model")],
        "MV4;11 subcutaneous xenograft"
    );
    assert_eq!(rows[0][col(&h, "value")], "≈ 250–570 nM");
    assert_eq!(rows[0][col(&h, "low")], "250");
    assert_eq!(rows[0][col(&h, "qualifier")], "approx");
    assert!(rows[0][col(&h, "source")].contains("Comparative Guide to MI-503"));

    let r = preclin([
        "compounds",
        "--class",
        "menin inhibitor",
        "--format",
        "json",
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|x| x["compound"] == "menin inhibitors (class)")
    );
    assert!(rows.iter().all(|x| x["compound"] != "quizartinib"));
}

#[test]
fn compounds_sets_measured_beside_published() {
    let r = preclin([
        "compounds",
        "--compound",
        "MI-503",
        "--cell-line",
        "MV4;11",
        "--metric",
        "GI50",
        "--measured",
        "310",
        "--ci",
        "240,400",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 1, "{}", r.stdout);
    assert_eq!(rows[0][col(&h, "verdict")], "agrees");
    assert_eq!(rows[0][col(&h, "published_low_nM")], "250");
    assert_eq!(rows[0][col(&h, "measured_upper_nM")], "400");
    let r = preclin([
        "compounds",
        "--compound",
        "MI-503",
        "--cell-line",
        "MV4;11",
        "--metric",
        "GI50",
        "--measured",
        "2",
        "--ci",
        "1.5,2.6",
        "--unit",
        "uM",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows[0][col(&h, "verdict")], "less_potent");
    let fold: f64 = rows[0][col(&h, "fold")].parse().unwrap();
    assert!((fold - 1500.0 / 570.0).abs() < 1e-9);
}

#[test]
fn compounds_user_rows_and_errors() {
    let dir = TempDir::new("compounds");
    let mine = dir.write(
        "mine.csv",
        "compound,synonyms,target,mechanism,cell_line,genotype,assay,metric,value,unit,source\n\
         LAB-001,L1,menin,PPI inhibitor,MV4;11,KMT2A-AF4,CTG 7d,IC50,12-20,nM,our lab 2026\n",
    );
    let r = preclin([
        "compounds".as_ref(),
        "--compound".as_ref(),
        "l1".as_ref(),
        "--add".as_ref(),
        mine.as_os_str(),
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][col(&h, "value")], "12–20 nM");
    assert!(r.stdout.contains("# input ") && r.stdout.contains("mine.csv sha256="));
    let bad = dir.write("bad.csv", "compound,value\nX,1\n");
    let err = preclin(["compounds".as_ref(), "--add".as_ref(), bad.as_os_str()]).user_error();
    assert!(
        err.contains("bad.csv: the header matches no reference layout"),
        "{err}"
    );
    let err = preclin([
        "compounds",
        "--compound",
        "MI-503",
        "--cell-line",
        "MV4;11",
        "--measured",
        "3",
        "--unit",
        "furlongs",
    ])
    .user_error();
    assert!(
        err.contains("unknown concentration unit 'furlongs'"),
        "{err}"
    );
}

fn study(key: &str) -> StudyRecord {
    StudyRecord {
        key: key.into(),
        name: format!("Study {key}"),
        description: Some("menin inhibitor study".into()),
        manifest_sha256: None,
        compounds: vec![CompoundRecord {
            name: "MI-503".into(),
            aliases: vec!["MI503".into()],
            target: Some("menin".into()),
            class: Some("menin inhibitor".into()),
            molecular_weight: Some(564.6),
        }],
        cell_lines: vec![
            CellLineRecord {
                name: "MV4;11".into(),
                aliases: vec!["MV4-11".into()],
                kind: "cell_line".into(),
                species: Some("human".into()),
                kmt2a_fusion: Some("KMT2A::AFF1".into()),
                npm1c: Some(false),
                flt3_itd: Some(true),
                men1: Some("wild-type".into()),
                normal: false,
            },
            CellLineRecord {
                name: "MOLM-13".into(),
                aliases: vec![],
                kind: "cell_line".into(),
                species: None,
                kmt2a_fusion: Some("KMT2A::MLLT3".into()),
                npm1c: None,
                flt3_itd: Some(true),
                men1: None,
                normal: false,
            },
        ],
    }
}

fn import(db: &Path, key: &str, line: &str, gi50: Option<f64>) {
    let mut store = Store::open(db).unwrap();
    let mut data = serde_json::Map::new();
    data.insert("well".into(), json!("B2"));
    data.insert("response".into(), json!(88.5));
    store
        .import(&RunImport {
            study: study(key),
            experiment: ExperimentRecord {
                name: "viability".into(),
                kind: "viability".into(),
                options: json!({}),
            },
            provenance: Provenance {
                preclin_version: "0.1.0".into(),
                inputs: vec![InputFile {
                    path: "plates/p1.csv".into(),
                    sha256: sha256_hex(key.as_bytes()),
                }],
                options: json!({}),
                seeds: BTreeMap::new(),
                time: Timestamp(1_700_000_000),
            },
            observations: vec![Observation {
                file: Some("plates/p1.csv".into()),
                line: Some(2),
                compound: Some("MI503".into()),
                cell_line: Some(line.into()),
                data,
            }],
            results: vec![ResultRecord {
                compound: Some("MI-503".into()),
                cell_line: Some(line.into()),
                label: Some("curve 1".into()),
                flags: if gi50.is_none() {
                    vec!["fit_failed".into()]
                } else {
                    vec![]
                },
                values: vec![MetricValue {
                    metric: "GI50".into(),
                    value: gi50,
                    ci_lower: gi50.map(|v| v - 50.0),
                    ci_upper: gi50.map(|v| v + 60.0),
                    unit: Some("nM".into()),
                }],
                data: json!({}),
            }],
        })
        .unwrap();
}

#[test]
fn db_list_show_query_export() {
    let dir = TempDir::new("db");
    let db = dir.join("preclin.db");
    let dbs = db.to_str().unwrap();
    import(&db, "alpha", "MV4-11", Some(310.0));
    import(&db, "beta", "MOLM-13", Some(420.0));
    import(&db, "gamma", "MV4;11", None);

    let r = preclin(["db", "--db", dbs, "list"]).ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][col(&h, "study")], "alpha");
    assert_eq!(rows[0][col(&h, "runs")], "1");
    assert_eq!(rows[0][col(&h, "last_run")], "2023-11-14T22:13:20Z");

    let r = preclin(["db", "show", "beta", "--db", dbs]).ok();
    assert!(r.stdout.contains("study beta: Study beta"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("MOLM-13  [cell_line] KMT2A KMT2A::MLLT3; NPM1c ?; FLT3-ITD yes"),
        "{}",
        r.stdout
    );
    let r = preclin(["db", "show", "beta", "--db", dbs, "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["compounds"][0]["aliases"], json!(["MI503"]));

    // the cross-study question: every GI50 of MI-503, any spelling
    let r = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--compound",
        "mi503",
        "--metric",
        "gi50",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 3, "{}", r.stdout);
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|x| {
            (
                x[col(&h, "study")].clone(),
                x[col(&h, "cell_line")].clone(),
                x[col(&h, "value")].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("beta".to_string(), "MOLM-13".to_string(), "420".to_string()),
            ("alpha".to_string(), "MV4;11".to_string(), "310".to_string()),
            ("gamma".to_string(), "MV4;11".to_string(), String::new()),
        ]
    );
    assert_eq!(rows[2][col(&h, "flags")], "fit_failed");
    let r = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--cell-line",
        "mv4-11",
        "--format",
        "json",
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["values"].as_array().unwrap().len(), 2);
    assert_eq!(doc["values"][1]["value"], serde_json::Value::Null);

    let r = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--sql",
        "SELECT count(*) AS n FROM runs",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(h, vec!["n"]);
    assert_eq!(rows[0][0], "3");
    let err = preclin(["db", "--db", dbs, "query", "--sql", "DROP TABLE runs"]).user_error();
    assert!(err.contains("query refused"), "{err}");

    let r = preclin(["db", "--db", dbs, "export", "--study", "alpha"]).ok();
    let (_, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 1);
    let r = preclin(["db", "--db", dbs, "export", "--observations", "1"]).ok();
    let (h, rows) = records(&r.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][col(&h, "compound")], "MI-503");
    assert!(rows[0][col(&h, "data")].contains("\"response\":88.5"));

    let err = preclin(["db", "--db", dbs, "show", "delta"]).user_error();
    assert!(err.contains("no study 'delta'"), "{err}");
    let missing = dir.join("nothing.db");
    let err = preclin([
        "db".as_ref(),
        "--db".as_ref(),
        missing.as_os_str(),
        "list".as_ref(),
    ])
    .user_error();
    assert!(err.contains("no store here"), "{err}");
    assert!(!missing.exists());
}

/// The cross-study question end to end: two studies — the bundled example
/// and a virtual-lab study — analysed into one store, then one query for
/// every MI-503 EC50 in MV4;11 answers across both.
#[test]
fn db_query_across_two_analysed_studies() {
    let dir = TempDir::new("db_two_studies");
    let db = dir.join("shared.db");
    let dbs = db.to_str().unwrap();
    let sim = dir.join("sim");
    preclin([
        "simulate",
        "--scenario",
        "mi503",
        "--seed",
        "3",
        "--out",
        sim.to_str().unwrap(),
    ])
    .ok();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/study/study.toml");
    for (manifest, out) in [
        (sim.join("study.toml"), dir.join("out_sim")),
        (example, dir.join("out_example")),
    ] {
        preclin([
            "analyze",
            manifest.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--db",
            dbs,
        ])
        .ok();
    }
    let r = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--compound",
        "mi503",
        "--cell-line",
        "MV4-11",
        "--metric",
        "ec50",
    ])
    .ok();
    let (h, rows) = records(&r.stdout);
    let seven_day = |e: &str| e.ends_with("day7") || e.ends_with("_7d");
    let mut studies: Vec<&str> = rows.iter().map(|x| x[col(&h, "study")].as_str()).collect();
    studies.dedup();
    assert!(studies.contains(&"example-mi503"), "{}", r.stdout);
    assert!(studies.contains(&"sim-mi503-3"), "{}", r.stdout);
    for x in &rows {
        assert_eq!(x[col(&h, "compound")], "MI-503");
        assert_eq!(x[col(&h, "cell_line")], "MV4;11");
        assert_eq!(x[col(&h, "unit")], "nM");
        // every 7-day EC50 is finite, inside its CI, and in the published range's decade
        if seven_day(&x[col(&h, "experiment")]) {
            let v: f64 = x[col(&h, "value")].parse().unwrap();
            let lo: f64 = x[col(&h, "ci_lower")].parse().unwrap();
            let hi: f64 = x[col(&h, "ci_upper")].parse().unwrap();
            assert!(lo < v && v < hi && (100.0..1000.0).contains(&v), "{x:?}");
        }
    }
    // both studies' 7-day experiments answered
    let sevens = rows
        .iter()
        .filter(|x| seven_day(&x[col(&h, "experiment")]))
        .count();
    assert_eq!(sevens, 2, "{}", r.stdout);
}
