//! `preclin cfu` end to end: summaries, % of vehicle, tests, rounds,
//! figure, errors.

use crate::common::{Csv, TempDir, assert_rel, preclin, read};

const CFU: &str = "sample,group,dish,colonies,cells_plated\n\
e1,DMSO,1,52,1000\ne1,DMSO,2,61,1000\ne1,DMSO,3,47,1000\n\
e2,DMSO,1,58,1000\ne2,DMSO,2,55,1000\ne2,DMSO,3,63,1000\n\
e3,DMSO,1,49,1000\ne3,DMSO,2,50,1000\ne3,DMSO,3,44,1000\n\
e1,MI-2,1,12,1000\ne1,MI-2,2,18,1000\ne1,MI-2,3,9,1000\n\
e2,MI-2,1,15,1000\ne2,MI-2,2,11,1000\ne2,MI-2,3,14,1000\n\
e3,MI-2,1,8,1000\ne3,MI-2,2,10,1000\ne3,MI-2,3,13,1000\n";

#[test]
fn summary_columns_and_tests() {
    let dir = TempDir::new("cfu");
    let f = dir.write("cfu.csv", CFU);
    let fig = dir.join("cfu.svg");
    let run = preclin([
        "cfu",
        f.to_str().unwrap(),
        "--control",
        "DMSO",
        "--figure",
        fig.to_str().unwrap(),
    ])
    .ok();
    let csv = Csv::parse(&run.stdout);
    assert_eq!(
        &csv.header[..6],
        &[
            "group",
            "n",
            "mean_colonies",
            "sd",
            "percent_of_control",
            "p_value"
        ]
    );
    csv.assert_no_non_finite("cfu", &[]);
    assert_eq!(csv.cell(0, "group"), "DMSO");
    assert_eq!(csv.cell(0, "n"), "3");
    assert_eq!(csv.cell(0, "percent_of_control"), "100");
    assert_eq!(csv.cell(0, "p_value"), "");
    // Per 10⁴ cells: control sample means 533.3, 586.7, 476.7.
    assert_rel(
        csv.num(0, "mean_colonies"),
        532.2222222222222,
        1e-12,
        "mean",
    );
    assert_rel(
        csv.num(1, "percent_of_control"),
        100.0 * 110.0 / 479.0,
        1e-12,
        "%",
    );
    assert!(csv.num(1, "p_value") < 0.01);
    assert_eq!(csv.cell(1, "unit"), "colonies per 1e4 cells");
    assert!(read(&fig).contains("MI-2"));
    for test in ["pooled", "dunnett", "quasi-poisson", "poisson"] {
        let run = preclin([
            "cfu",
            f.to_str().unwrap(),
            "--control",
            "DMSO",
            "--test",
            test,
        ])
        .ok();
        let csv = Csv::parse(&run.stdout);
        assert!(csv.num(1, "p_value") < 0.01, "{test}");
        assert!(
            csv.num(1, "ci_lower") < csv.num(1, "percent_of_control"),
            "{test}"
        );
        if test.contains("poisson") {
            assert_rel(csv.num(1, "rate_ratio"), 110.0 / 479.0, 1e-9, "rate ratio");
        }
    }
}

#[test]
fn rounds_json_and_errors() {
    let dir = TempDir::new("cfu-rounds");
    let f = dir.write(
        "r.csv",
        "sample,group,colonies,round\ne1,V,100,1\ne2,V,110,1\ne1,D,50,1\ne2,D,40,1\ne1,V,90,2\ne2,V,95,2\ne1,D,10,2\ne2,D,12,2\n",
    );
    let run = preclin([
        "cfu",
        f.to_str().unwrap(),
        "--control",
        "V",
        "--format",
        "json",
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = doc["groups"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let d2 = rows
        .iter()
        .find(|r| r["group"] == "D" && r["round"] == "2")
        .unwrap();
    assert_rel(
        d2["percent_of_first_round"].as_f64().unwrap(),
        100.0 * 11.0 / 45.0,
        1e-12,
        "replating",
    );
    assert_eq!(d2["unit"], "colonies per dish");

    let e = preclin(["cfu", f.to_str().unwrap(), "--control", "DMSO"]).user_error();
    assert!(e.contains("control group 'DMSO' not found"), "{e}");
    let bad = dir.write("bad.csv", "sample,group,colonies\ne1,V,12\ne1,V,-4\n");
    let e = preclin(["cfu", bad.to_str().unwrap(), "--control", "V"]).user_error();
    assert!(e.contains("line 3") && e.contains("-4"), "{e}");
    let bad = dir.write("bad2.csv", "sample,group,colonies\ne1,V,many\n");
    let e = preclin(["cfu", bad.to_str().unwrap(), "--control", "V"]).user_error();
    assert!(e.contains("line 2") && e.contains("'many'"), "{e}");
}
