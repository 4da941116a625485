//! The Gating-ML 2.0 compliance suite (gatingMLData, sets 1–5): every
//! gate's per-event membership must equal its `Results_<id>.txt`.
//!
//! Sets 1 and 2 are the official ISAC tests (data1.fcs, data2.fcs); sets
//! 3–5 are flowUtils' additional tests on 9399_1_3_NKR.fcs. The mapping of
//! result files to gate ids (8 abbreviated set-3 names, the quadrant ids of
//! set 1, flowUtils' complement ids `Not_myPolygon1/2` of set 5) is the
//! `gate_id`/`expected_file` columns of
//! `tests/data/flow/expected_gatingml2_compliance.csv`.
//!
//! FCS values are scale values (`$PnE`, `$PnG` applied), as the suite's R
//! harness reads them (`read.FCS(transformation =
//! "linearize-with-PnG-scaling")`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use preclin_fcs::FcsFile;
use preclin_flow::{EventData, gate_events, parse_gatingml};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flow/gatingml2_compliance")
}

struct Row {
    set: String,
    fcs: String,
    gate: String,
    file: String,
    expected_count: usize,
}

fn rows() -> Vec<Row> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flow/expected_gatingml2_compliance.csv");
    let mut r = csv::Reader::from_path(p).expect("compliance table");
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            Row {
                set: rec[0].to_string(),
                fcs: rec[1].to_string(),
                gate: rec[2].to_string(),
                file: rec[3].to_string(),
                expected_count: rec[5].parse().expect("count"),
            }
        })
        .collect()
}

fn expected(set: &str, file: &str) -> Vec<bool> {
    let t = std::fs::read_to_string(dir().join("ExpectedResults").join(set).join(file))
        .unwrap_or_else(|e| panic!("{set}/{file}: {e}"));
    t.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.trim() {
            "1" => true,
            "0" => false,
            other => panic!("{set}/{file}: unexpected line {other:?}"),
        })
        .collect()
}

/// (gate, expected count, our count, events that differ) per set.
fn run_set(set_no: usize) -> Vec<(String, usize, usize, usize)> {
    let set = format!("set_{set_no}");
    let table: Vec<Row> = rows().into_iter().filter(|r| r.set == set).collect();
    let fcs = &table[0].fcs;
    let file = FcsFile::open(dir().join("FCSFiles").join(fcs)).expect("FCS");
    let data = EventData::from_fcs(&file, 0).expect("events");
    let xml = std::fs::read_to_string(
        dir()
            .join("Gating-MLFiles")
            .join(format!("gates{set_no}.xml")),
    )
    .expect("gates xml");
    let strategy = parse_gatingml(&xml).unwrap_or_else(|e| panic!("{set}: {e}"));
    let res = gate_events(&strategy, &data).unwrap_or_else(|e| panic!("{set}: {e}"));
    let mut out = Vec::new();
    for r in &table {
        let want = expected(&set, &r.file);
        assert_eq!(want.len(), data.n_events(), "{set}/{}", r.file);
        assert_eq!(
            want.iter().filter(|&&b| b).count(),
            r.expected_count,
            "{set}/{}: table count",
            r.file
        );
        // flowUtils' complement ids.
        let (id, complement) = match r.gate.strip_prefix("Not_") {
            Some(g) if res.get(&r.gate).is_none() => (g.to_string(), true),
            _ => (r.gate.clone(), false),
        };
        let g = res
            .get(&id)
            .unwrap_or_else(|| panic!("{set}: gate {id} not in the strategy"));
        let got: Vec<bool> = g.membership.iter().map(|&b| b != complement).collect();
        let diff = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        out.push((
            r.gate.clone(),
            r.expected_count,
            got.iter().filter(|&&b| b).count(),
            diff,
        ));
    }
    out
}

fn check(set_no: usize, expected_gates: usize) {
    let res = run_set(set_no);
    assert_eq!(res.len(), expected_gates);
    let bad: BTreeMap<&str, (usize, usize, usize)> = res
        .iter()
        .filter(|r| r.3 != 0)
        .map(|r| (r.0.as_str(), (r.1, r.2, r.3)))
        .collect();
    assert!(
        bad.is_empty(),
        "set_{set_no}: {} of {} gates differ (gate: expected count, ours, events differing): {bad:#?}",
        bad.len(),
        res.len()
    );
}

#[test]
fn set_1_official_data1() {
    check(1, 60);
}

#[test]
fn set_2_official_data2() {
    check(2, 40);
}

#[test]
fn set_3_flowutils() {
    check(3, 56);
}

#[test]
fn set_4_flowutils_ratio_quadrants() {
    check(4, 21);
}

#[test]
fn set_5_flowutils_booleans() {
    check(5, 13);
}
