//! `preclin synergy-invivo` end to end on SynergyLMM's grwth_data (long) and invivoSyn's LS_1034 (wide):
//! values against the Python re-computation, aliases, JSON, determinism, errors.

use crate::common::{Csv, TempDir, assert_abs, assert_rel, fixture, preclin, read};

fn data(name: &str) -> String {
    fixture(&format!("synergy_invivo/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

const GRWTH_ARMS: [&str; 6] = [
    "--control",
    "Control",
    "--drugs",
    "DrugA,DrugB",
    "--combo",
    "Combination",
];

#[test]
fn synergylmm_rows_match_the_reference() {
    let mut args = vec![
        "synergy-invivo".to_string(),
        data("SynergyLMM_grwth_data.csv"),
    ];
    args.extend(GRWTH_ARMS.iter().map(|s| s.to_string()));
    args.extend(["--method", "synergylmm"].map(String::from));
    let run = preclin(&args).ok();
    assert!(run.stdout.contains("# "), "provenance comments");
    let csv = Csv::parse(&run.stdout);
    assert_eq!(csv.rows.len(), 20);
    let want = Csv::read(&fixture("synergy_invivo/synergylmm_reference.csv"));
    for w in 0..want.rows.len() {
        let null = want.cell(w, "null");
        let time = want.cell(w, "time");
        let r = csv.find(&["method", "null", "time"], &["synergylmm", null, time]);
        assert_abs(csv.num(r, "synergy_score"), want.num(w, "ss"), 1e-4, "ss");
        assert_rel(
            csv.num(r, "combination_index"),
            want.num(w, "ci"),
            1e-4,
            "ci",
        );
        assert_rel(
            csv.num(r, "ci_lower"),
            want.num(w, "ci_lower"),
            1e-4,
            "ci_lower",
        );
        assert_abs(csv.num(r, "p_value"), want.num(w, "p"), 1e-4, "p");
        assert_eq!(csv.cell(r, "p_antagonism"), "");
    }
}

#[test]
fn both_methods_on_wide_input_json_and_seed() {
    let dir = TempDir::new("synergy_invivo");
    let out1 = dir.join("a.json");
    let out2 = dir.join("b.json");
    let base = [
        "synergy-invivo",
        &data("invivoSyn_LS_1034.csv"),
        "--control",
        "Vehicle",
        "--drugs",
        "Rabusertib,Irinotecan",
        "--combo",
        "Irinotecan+Rabusertib",
        "--boot",
        "200",
        "--seed",
        "11",
        "--format",
        "json",
        "-o",
    ]
    .map(String::from)
    .to_vec();
    let mut a1 = base;
    a1.push(out1.to_str().unwrap().into());
    preclin(&a1).ok();
    let text = read(&out1);
    std::fs::rename(&out1, &out2).unwrap();
    preclin(&a1).ok();
    assert_eq!(read(&out1), read(&out2), "same seed → same bytes");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = doc["synergy"].as_array().unwrap();
    let inv: Vec<_> = rows.iter().filter(|r| r["method"] == "invivosyn").collect();
    assert_eq!(inv.len(), 2);
    // invivoSyn Bliss at t = 21 (numpy re-computation, crates/invivo/tests/data/synergy/invivosyn_reference.csv).
    let bliss = inv.iter().find(|r| r["null"] == "bliss").unwrap();
    assert_rel(
        bliss["combination_index"].as_f64().unwrap(),
        0.511_068_808_259_726_9,
        1e-12,
        "CI",
    );
    assert_rel(
        bliss["synergy_score"].as_f64().unwrap(),
        2.8224390813910847,
        1e-10,
        "SS",
    );
    assert!(rows.iter().any(|r| r["method"] == "synergylmm"));
    assert_eq!(doc["invivosyn"]["seed"], 11);
    assert_eq!(doc["invivosyn"]["boot"], 200);
    assert!(
        doc["synergylmm_model"]["growth_rate"]
            .as_array()
            .unwrap()
            .len()
            == 4
    );
}

#[test]
fn aliases_and_case() {
    let dir = TempDir::new("synergy_invivo_alias");
    let src = read(&fixture("synergy_invivo/SynergyLMM_grwth_data.csv"));
    let renamed = src.replacen(
        "subject,Time,Treatment,TumorVolume",
        "Mouse,DAY,group,Volume",
        1,
    );
    let f = dir.write("g.csv", renamed);
    let mut args = vec![
        "synergy-invivo".to_string(),
        f.to_str().unwrap().to_string(),
    ];
    args.extend(GRWTH_ARMS.iter().map(|s| s.to_string()));
    args.extend(["--method", "synergylmm", "--min-time", "27"].map(String::from));
    let csv = Csv::parse(&preclin(&args).ok().stdout);
    assert_eq!(csv.rows.len(), 4);
}

#[test]
fn bad_input_names_file_line_column() {
    let dir = TempDir::new("synergy_invivo_err");
    let f = dir.write("bad.csv", "mouse,group,day,volume\n1,C,0,100\n1,C,3,abc\n");
    let mut args = vec![
        "synergy-invivo".to_string(),
        f.to_str().unwrap().to_string(),
    ];
    args.extend(["--control", "C", "--drugs", "A,B", "--combo", "AB"].map(String::from));
    let err = preclin(&args).user_error();
    assert!(
        err.contains("bad.csv") && err.contains("line 3") && err.contains("volume"),
        "{err}"
    );

    let f = dir.write("neg.csv", "mouse,group,day,volume\n1,C,0,100\n1,C,3,-5\n");
    args[1] = f.to_str().unwrap().to_string();
    let err = preclin(&args).user_error();
    assert!(err.contains("line 3") && err.contains("negative"), "{err}");

    // Arm missing from the data.
    let mut args = vec![
        "synergy-invivo".to_string(),
        data("SynergyLMM_grwth_data.csv"),
    ];
    args.extend(
        [
            "--control",
            "Control",
            "--drugs",
            "DrugA,DrugX",
            "--combo",
            "Combination",
        ]
        .map(String::from),
    );
    let err = preclin(&args).user_error();
    assert!(err.contains("DrugX"), "{err}");

    let f = dir.write("wide.csv", "Treatment,Mouse,0,x7\nC,1,100,200\n");
    args[1] = f.to_str().unwrap().to_string();
    let err = preclin(&args).user_error();
    assert!(err.contains("column 4") && err.contains("x7"), "{err}");
}
