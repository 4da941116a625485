//! `preclin fcs info`, `fcs export`, `gate` and `markers` end to end on the
//! reference FCS files (`tests/data/flow`) and on files written by the FCS
//! writer: output shape, repairs reported, compliance membership files,
//! error messages naming keyword and byte offset.

use std::path::PathBuf;

use preclin_fcs::write::{FcsWriter, Storage};

use crate::common::{Csv, TempDir, preclin, read};

fn flow_data(rel: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flow")
        .join(rel)
}

#[test]
fn fcs_info_text_and_json() {
    let f = flow_data("fcs/flowio/coulter.lmd");
    let run = preclin(["fcs".as_ref(), "info".as_ref(), f.as_os_str()]).ok();
    for s in [
        "data sets: 2",
        "version: FCS2.0",
        "version: FCS3.0",
        "byte order: 1,2",
        "one byte past",
    ] {
        assert!(run.stdout.contains(s), "missing {s:?} in:\n{}", run.stdout);
    }
    let run = preclin([
        "fcs".as_ref(),
        "info".as_ref(),
        f.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
    .ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let sets = v["datasets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0]["events"], 18110);
    assert_eq!(sets[1]["parameters"].as_array().unwrap().len(), 8);
    assert_eq!(sets[0]["repairs"].as_array().unwrap().len(), 1);
    assert_eq!(sets[1]["repairs"].as_array().unwrap().len(), 0);
    // Offset discrepancy: the consistent TEXT offsets are used and reported.
    let f = flow_data("fcs/flowio/noncompliant/data_start_offset_discrepancy_example.fcs");
    let run = preclin(["fcs".as_ref(), "info".as_ref(), f.as_os_str()]).ok();
    assert!(
        run.stdout.contains("used the TEXT offsets"),
        "{}",
        run.stdout
    );
}

#[test]
fn corrupt_files_are_refused_naming_keyword_and_offset() {
    let dir = TempDir::new("fcs-corrupt");
    // A valid file whose $TOT is then made larger than the DATA holds.
    let bytes = FcsWriter::new(&["A", "B"], vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])
        .unwrap()
        .to_bytes(Storage::Float32)
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let at = text.find("$TOT").unwrap();
    let mut bad = bytes.clone();
    // "$TOT/3/" → "$TOT/9/"
    bad[at + 5] = b'9';
    let p = dir.write("bad.fcs", &bad);
    let err = preclin(["fcs".as_ref(), "info".as_ref(), p.as_os_str()]).user_error();
    assert!(err.contains("$ENDDATA") && err.contains("at byte"), "{err}");
    assert!(err.contains(&p.display().to_string()), "{err}");
    let p = dir.write("short.fcs", b"FCS3.1    ");
    let err = preclin(["fcs".as_ref(), "info".as_ref(), p.as_os_str()]).user_error();
    assert!(err.contains("HEADER"), "{err}");
    let p = dir.write(
        "not.fcs",
        b"this is not an FCS file at all, just some text here......",
    );
    let err = preclin(["fcs".as_ref(), "export".as_ref(), p.as_os_str()]).user_error();
    assert!(err.contains("not an FCS file"), "{err}");
}

#[test]
fn fcs_export_scaled_raw_compensated_and_datasets() {
    let dir = TempDir::new("fcs-export");
    let f = flow_data("gatingml2_compliance/FCSFiles/data1.fcs");
    let out = dir.join("e.csv");
    preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        f.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .ok();
    let csv = Csv::read(&out);
    assert_eq!(
        csv.header,
        [
            "FSC-H", "SSC-H", "FL1-H", "FL2-H", "FL3-H", "FL2-A", "FL4-H", "Time"
        ]
    );
    assert_eq!(csv.rows.len(), 13367);
    let raw = dir.join("r.csv");
    preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        f.as_os_str(),
        "--raw".as_ref(),
        "-o".as_ref(),
        raw.as_os_str(),
    ])
    .ok();
    let raw = Csv::read(&raw);
    // $P1G = 3.67: scaled = stored / 3.67; FL1-H ($P3E 4,0): 10^(4x/1024).
    for i in 0..50 {
        let s: f64 = raw.num(i, "FSC-H");
        crate::common::assert_rel(csv.num(i, "FSC-H"), s / 3.67, 1e-12, "gain");
        let x: f64 = raw.num(i, "FL1-H");
        crate::common::assert_rel(
            csv.num(i, "FL1-H"),
            10f64.powf(4.0 * x / 1024.0),
            1e-12,
            "log",
        );
        assert_eq!(raw.cell(i, "FSC-H").parse::<f64>().unwrap().fract(), 0.0);
    }
    // Compensation: the file's SPILL; without one, a clear error.
    let f2 = flow_data("gatingml2_compliance/FCSFiles/data2.fcs");
    let c = dir.join("c.csv");
    preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        f2.as_os_str(),
        "--compensate".as_ref(),
        "-o".as_ref(),
        c.as_os_str(),
    ])
    .ok();
    let c = Csv::read(&c);
    let mean: f64 =
        (0..c.rows.len()).map(|i| c.num(i, "FITC-A")).sum::<f64>() / c.rows.len() as f64;
    // FlowKit 1.3.2's compensated mean (expected_channel_means.csv).
    crate::common::assert_rel(mean, 35520.3, 1e-5, "compensated FITC-A mean");
    let err = preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        f.as_os_str(),
        "--compensate".as_ref(),
    ])
    .user_error();
    assert!(err.contains("no spillover keyword"), "{err}");
    // Second data set of a multi-data-set file.
    let lmd = flow_data("fcs/flowio/coulter.lmd");
    let d1 = dir.join("d1.csv");
    preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        lmd.as_os_str(),
        "--dataset".as_ref(),
        "1".as_ref(),
        "-o".as_ref(),
        d1.as_os_str(),
    ])
    .ok();
    let d1 = Csv::read(&d1);
    assert_eq!(d1.header[7], "TIME");
    assert_eq!(d1.rows.len(), 18110);
    let err = preclin([
        "fcs".as_ref(),
        "export".as_ref(),
        lmd.as_os_str(),
        "--dataset".as_ref(),
        "2".as_ref(),
    ])
    .user_error();
    assert!(err.contains("data set 2 does not exist"), "{err}");
}

#[test]
fn gate_reproduces_the_compliance_memberships() {
    let dir = TempDir::new("gate-compliance");
    for (set, fcs) in [(1, "data1.fcs"), (2, "data2.fcs")] {
        let f = flow_data(&format!("gatingml2_compliance/FCSFiles/{fcs}"));
        let g = flow_data(&format!(
            "gatingml2_compliance/Gating-MLFiles/gates{set}.xml"
        ));
        let m = dir.join(&format!("m{set}"));
        let out = dir.join(&format!("g{set}.csv"));
        preclin([
            "gate".as_ref(),
            f.as_os_str(),
            "--gating".as_ref(),
            g.as_os_str(),
            "--membership".as_ref(),
            m.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ])
        .ok();
        let csv = Csv::read(&out);
        assert_eq!(
            csv.header,
            ["gate_id", "count", "percent_parent", "percent_total"]
        );
        let expected_dir = flow_data(&format!("gatingml2_compliance/ExpectedResults/set_{set}"));
        let mut compared = 0;
        for e in std::fs::read_dir(&expected_dir).unwrap() {
            let e = e.unwrap().path();
            let name = e.file_name().unwrap().to_string_lossy().into_owned();
            let id = name.trim_start_matches("Results_").trim_end_matches(".txt");
            let want = read(&e);
            let got = read(&m.join(format!("{id}.txt")));
            assert!(
                want.lines().eq(got.lines()),
                "set {set} gate {id}: membership differs"
            );
            let row = csv.find(&["gate_id"], &[id]);
            let count = want.lines().filter(|l| l.trim() == "1").count();
            assert_eq!(csv.cell(row, "count"), count.to_string(), "{id}");
            compared += 1;
        }
        assert_eq!(compared, if set == 1 { 60 } else { 40 });
    }
    // JSON, and a Gating-ML export that reads back to the same counts.
    let f = flow_data("gatingml2_compliance/FCSFiles/data1.fcs");
    let g = flow_data("gatingml2_compliance/Gating-MLFiles/gates1.xml");
    let exported = dir.join("export.xml");
    let run = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--write-gatingml".as_ref(),
        exported.as_os_str(),
    ])
    .ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["events"], 13367);
    let first = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
    ])
    .ok();
    let again = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        exported.as_os_str(),
    ])
    .ok();
    assert_eq!(first.stdout, again.stdout);
}

#[test]
fn gate_errors() {
    let dir = TempDir::new("gate-errors");
    let f = flow_data("gatingml2_compliance/FCSFiles/data1.fcs");
    let g = dir.write(
        "g.xml",
        r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <gating:RectangleGate gating:id="R">
    <gating:dimension gating:compensation-ref="uncompensated" gating:min="1">
      <data-type:fcs-dimension data-type:name="CD999" />
    </gating:dimension>
  </gating:RectangleGate>
</gating:Gating-ML>"#,
    );
    let err = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
    ])
    .user_error();
    assert!(
        err.contains("no channel 'CD999'") && err.contains("FSC-H"),
        "{err}"
    );
    let g = dir.write("bad.xml", "<gating:Gating-ML");
    let err = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
    ])
    .user_error();
    assert!(err.contains("XML"), "{err}");
}

/// Writes a sample with `n` events: FSC uniform, CD11b with a fraction
/// `pos` of bright events.
fn marker_file(dir: &TempDir, name: &str, n: usize, pos: f64) -> PathBuf {
    let fsc: Vec<f64> = (0..n).map(|i| 1000.0 + (i % 100) as f64 * 10.0).collect();
    let cd11b: Vec<f64> = (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            if u < pos {
                20_000.0 + 1000.0 * u
            } else {
                100.0 + 200.0 * u
            }
        })
        .collect();
    let bytes = FcsWriter::new(&["FSC-A", "FL1-A"], vec![fsc, cd11b])
        .unwrap()
        .label(1, "CD11b FITC")
        .to_bytes(Storage::Float32)
        .unwrap();
    dir.write(name, bytes)
}

#[test]
fn markers_against_a_vehicle_control() {
    let dir = TempDir::new("markers");
    let control = marker_file(&dir, "vehicle.fcs", 2000, 0.0);
    let treated = marker_file(&dir, "treated.fcs", 2000, 0.4);
    let g = dir.write(
        "g.xml",
        r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <gating:RectangleGate gating:id="cells">
    <gating:dimension gating:compensation-ref="uncompensated" gating:min="1000">
      <data-type:fcs-dimension data-type:name="FSC-A" />
    </gating:dimension>
  </gating:RectangleGate>
</gating:Gating-ML>"#,
    );
    let out = dir.join("m.csv");
    preclin([
        "markers".as_ref(),
        treated.as_os_str(),
        control.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
        "--control".as_ref(),
        control.as_os_str(),
        "--markers".as_ref(),
        "CD11b".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .ok();
    let csv = Csv::read(&out);
    assert_eq!(csv.rows.len(), 2);
    let t = csv.find(&["sample"], &["treated"]);
    assert_eq!(csv.cell(t, "channel"), "FL1-A");
    // 40 % bright events, plus the ~1 % of the dim ones above the control's
    // 99th percentile.
    let p = csv.num(t, "percent_positive");
    assert!((40.0..41.5).contains(&p), "{p}");
    let c = csv.find(&["sample"], &["vehicle"]);
    assert!((csv.num(c, "percent_positive") - 1.0).abs() < 0.2);
    assert!((csv.num(t, "delta_percent") - (p - csv.num(c, "percent_positive"))).abs() < 1e-6);
    let err = preclin([
        "markers".as_ref(),
        treated.as_os_str(),
        "--gating".as_ref(),
        g.as_os_str(),
        "--control".as_ref(),
        control.as_os_str(),
        "--markers".as_ref(),
        "CD34".as_ref(),
    ])
    .user_error();
    assert!(err.contains("no channel for marker 'CD34'"), "{err}");
}

#[test]
fn bench_fcs_reports_throughput() {
    let f = flow_data("gatingml2_compliance/FCSFiles/data1.fcs");
    let files = f.display().to_string();
    let run = preclin([
        "bench",
        "fcs",
        "--events",
        "3000",
        "--channels",
        "6",
        "--repeat",
        "1",
        "--files",
        &files,
    ])
    .ok();
    assert!(
        run.stdout.contains("read data1.fcs: 13367 events"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("end to end"), "{}", run.stdout);
    assert!(run.stdout.contains("M events/s"), "{}", run.stdout);
}

#[test]
fn gate_with_a_flowjo_workspace() {
    let dir = TempDir::new("gate-wsp");
    let f = flow_data("gatingml2_compliance/FCSFiles/data1.fcs");
    let ws = dir.write(
        "lab.wsp",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Workspace version="20.0" xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
<SampleList><Sample><DataSet uri="file:data1.fcs" sampleID="1"/>
<SampleNode name="data1.fcs" count="13367" sampleID="1"><Subpopulations>
<Population name="Range1" count="440"><Gate gating:id="ID1"><gating:RectangleGate gating:id="ID1">
<gating:dimension gating:min="100"><data-type:fcs-dimension data-type:name="FSC-H"/></gating:dimension>
</gating:RectangleGate></Gate></Population>
</Subpopulations></SampleNode></Sample></SampleList></Workspace>"#,
    );
    let out = dir.join("g.csv");
    preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        ws.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .ok();
    let csv = Csv::read(&out);
    // The same range gate as the compliance suite's Range1 (440 events).
    assert_eq!(csv.cell(0, "gate_id"), "Range1");
    assert_eq!(csv.cell(0, "count"), "440");
    let err = preclin([
        "gate".as_ref(),
        f.as_os_str(),
        "--gating".as_ref(),
        ws.as_os_str(),
        "--sample".as_ref(),
        "nope.fcs".as_ref(),
    ])
    .user_error();
    assert!(err.contains("no sample 'nope.fcs'"), "{err}");
}
