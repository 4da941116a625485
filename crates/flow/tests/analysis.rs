//! Compensation against FlowKit's compensated channel means for every
//! reference file with a spillover keyword, Gating-ML export → import
//! round trips of the five compliance documents, and a FlowJo 10 workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use preclin_fcs::{FcsFile, SpillLookup};
use preclin_flow::wsp::parse_workspace;
use preclin_flow::{Compensation, EventData, gate_events, parse_gatingml, write_gatingml};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flow")
        .join(rel)
}

#[test]
fn compensated_means_match_flowkit() {
    let mut r = csv::Reader::from_path(data("expected_channel_means.csv")).unwrap();
    let mut by_file: HashMap<(String, usize), Vec<(usize, f64)>> = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if rec[10].is_empty() {
            continue;
        }
        by_file
            .entry((rec[0].to_string(), rec[1].parse().unwrap()))
            .or_default()
            .push((
                rec[2].parse::<usize>().unwrap() - 1,
                rec[10].parse().unwrap(),
            ));
    }
    assert!(by_file.len() >= 5, "{:?}", by_file.keys());
    for ((file, ds), want) in by_file {
        let f = FcsFile::open(data(&file)).unwrap();
        let d = f.dataset(ds).unwrap();
        let SpillLookup::Found(s) = d.spillover() else {
            panic!("{file}: no spillover")
        };
        let c = Compensation::from_fcs(&s).unwrap();
        let ev = f.scaled_events(ds).unwrap();
        let mut cols: Vec<Vec<f64>> = (0..ev.n_params()).map(|j| ev.column(j).to_vec()).collect();
        c.apply_in_place(&d.names(), &mut cols).unwrap();
        for (j, m) in want {
            let got = cols[j].iter().sum::<f64>() / cols[j].len() as f64;
            // 6 significant digits in the CSV.
            let tol = (6e-6 * m.abs()).max(1e-4);
            assert!(
                (got - m).abs() <= tol,
                "{file} channel {}: {got} vs FlowKit {m}",
                j + 1
            );
        }
    }
}

#[test]
fn gatingml_export_round_trips() {
    for set in 1..=5 {
        let xml = std::fs::read_to_string(data(&format!(
            "gatingml2_compliance/Gating-MLFiles/gates{set}.xml"
        )))
        .unwrap();
        let s = parse_gatingml(&xml).unwrap();
        let out = write_gatingml(&s);
        let back = parse_gatingml(&out).unwrap_or_else(|e| panic!("set {set}: {e}\n{out}"));
        assert_eq!(back, s, "set {set}");
        // And the same memberships on the data (set 1 is quick).
        if set == 1 {
            let f = FcsFile::open(data("gatingml2_compliance/FCSFiles/data1.fcs")).unwrap();
            let d = EventData::from_fcs(&f, 0).unwrap();
            assert_eq!(
                gate_events(&s, &d).unwrap(),
                gate_events(&back, &d).unwrap()
            );
        }
    }
}

#[test]
fn gatingml_errors_name_line_and_id() {
    let bad = r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <gating:PolygonGate gating:id="P">
    <gating:dimension gating:compensation-ref="uncompensated"><data-type:fcs-dimension data-type:name="A" /></gating:dimension>
    <gating:dimension gating:compensation-ref="uncompensated"><data-type:fcs-dimension data-type:name="B" /></gating:dimension>
    <gating:vertex><gating:coordinate data-type:value="1" /><gating:coordinate data-type:value="x" /></gating:vertex>
  </gating:PolygonGate>
</gating:Gating-ML>"#;
    let e = parse_gatingml(bad).unwrap_err().to_string();
    assert!(
        e.contains("line 5") && e.contains("'P'") && e.contains("'x'"),
        "{e}"
    );
    let cyc = r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating">
  <gating:BooleanGate gating:id="A"><gating:not><gating:gateReference gating:ref="B" /></gating:not></gating:BooleanGate>
  <gating:BooleanGate gating:id="B"><gating:not><gating:gateReference gating:ref="A" /></gating:not></gating:BooleanGate>
</gating:Gating-ML>"#;
    let e = parse_gatingml(cyc).unwrap_err().to_string();
    assert!(e.contains("depends on itself"), "{e}");
    let missing = r#"<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating">
  <gating:BooleanGate gating:id="A"><gating:not><gating:gateReference gating:ref="Z" /></gating:not></gating:BooleanGate>
</gating:Gating-ML>"#;
    let e = parse_gatingml(missing).unwrap_err().to_string();
    assert!(e.contains("'Z'") && e.contains("not defined"), "{e}");
}

/// A small FlowJo 10 workspace for data2.fcs: compensation from the file's
/// SPILL, biex display transforms, a polygon on compensated channels under
/// a rectangle, a NOT node and an ellipse.
fn workspace_xml(spill: &preclin_fcs::Spillover) -> String {
    let mut m = String::from(
        r#"<transforms:spilloverMatrix prefix="Comp-" name="Acquisition-defined" id="1">
<data-type:parameters>"#,
    );
    for c in &spill.channels {
        m.push_str(&format!(
            r#"<data-type:parameter data-type:name="{c}" userProvidedCompInfix="Comp-{c}"/>"#
        ));
    }
    m.push_str("</data-type:parameters>\n");
    let n = spill.channels.len();
    for (i, c) in spill.channels.iter().enumerate() {
        m.push_str(&format!(
            r#"<transforms:spillover data-type:parameter="{c}">"#
        ));
        for (j, d) in spill.channels.iter().enumerate() {
            m.push_str(&format!(
                r#"<transforms:coefficient data-type:parameter="{d}" transforms:value="{}"/>"#,
                spill.matrix[i * n + j]
            ));
        }
        m.push_str("</transforms:spillover>\n");
    }
    m.push_str("</transforms:spilloverMatrix>");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Workspace version="20.0" xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
<SampleList>
<Sample>
<DataSet uri="file:data2.fcs" sampleID="1"/>
{m}
<Transformations>
<transforms:biex transforms:length="256" transforms:maxRange="262144" transforms:neg="0" transforms:width="-10" transforms:pos="4.42"><data-type:parameter data-type:name="Comp-FITC-A"/></transforms:biex>
<transforms:biex transforms:length="256" transforms:maxRange="262144" transforms:neg="0" transforms:width="-10" transforms:pos="4.42"><data-type:parameter data-type:name="Comp-PE-A"/></transforms:biex>
<transforms:linear transforms:minRange="0" transforms:maxRange="262144"><data-type:parameter data-type:name="FSC-A"/></transforms:linear>
</Transformations>
<Keywords><Keyword name="$FIL" value="data2.fcs"/></Keywords>
<SampleNode name="data2.fcs" count="10000" sampleID="1">
<Subpopulations>
<Population name="Cells" count="9000">
<Gate gating:id="ID1"><gating:RectangleGate gating:id="ID1">
<gating:dimension gating:min="20000" gating:max="250000"><data-type:fcs-dimension data-type:name="FSC-A"/></gating:dimension>
<gating:dimension gating:min="10000"><data-type:fcs-dimension data-type:name="SSC-A"/></gating:dimension>
</gating:RectangleGate></Gate>
<Subpopulations>
<Population name="FITC+" count="1">
<Gate gating:id="ID2"><gating:PolygonGate gating:id="ID2" gating:parent_id="ID1">
<gating:dimension><data-type:fcs-dimension data-type:name="Comp-FITC-A"/></gating:dimension>
<gating:dimension><data-type:fcs-dimension data-type:name="Comp-PE-A"/></gating:dimension>
<gating:vertex><gating:coordinate data-type:value="1000"/><gating:coordinate data-type:value="-1000"/></gating:vertex>
<gating:vertex><gating:coordinate data-type:value="262144"/><gating:coordinate data-type:value="-1000"/></gating:vertex>
<gating:vertex><gating:coordinate data-type:value="262144"/><gating:coordinate data-type:value="262144"/></gating:vertex>
<gating:vertex><gating:coordinate data-type:value="1000"/><gating:coordinate data-type:value="262144"/></gating:vertex>
</gating:PolygonGate></Gate>
</Population>
<NotNode name="not FITC+" count="1"><Dependents><Dependent name="../FITC+"/></Dependents></NotNode>
<Population name="Ell" count="1">
<Gate gating:id="ID3"><gating:EllipsoidGate gating:id="ID3">
<gating:dimension><data-type:fcs-dimension data-type:name="FSC-A"/></gating:dimension>
<gating:dimension><data-type:fcs-dimension data-type:name="SSC-A"/></gating:dimension>
<gating:foci><gating:vertex><gating:coordinate data-type:value="50000"/><gating:coordinate data-type:value="100000"/></gating:vertex><gating:vertex><gating:coordinate data-type:value="90000"/><gating:coordinate data-type:value="100000"/></gating:vertex></gating:foci>
<gating:edge><gating:vertex><gating:coordinate data-type:value="20000"/><gating:coordinate data-type:value="100000"/></gating:vertex><gating:vertex><gating:coordinate data-type:value="120000"/><gating:coordinate data-type:value="100000"/></gating:vertex><gating:vertex><gating:coordinate data-type:value="70000"/><gating:coordinate data-type:value="70000"/></gating:vertex><gating:vertex><gating:coordinate data-type:value="70000"/><gating:coordinate data-type:value="130000"/></gating:vertex></gating:edge>
</gating:EllipsoidGate></Gate>
</Population>
</Subpopulations>
</Population>
</Subpopulations>
</SampleNode>
</Sample>
</SampleList>
</Workspace>"#
    )
}

#[test]
fn flowjo_workspace_gates_like_the_equivalent_direct_computation() {
    let f = FcsFile::open(data("gatingml2_compliance/FCSFiles/data2.fcs")).unwrap();
    let ds = f.dataset(0).unwrap();
    let SpillLookup::Found(spill) = ds.spillover() else {
        panic!()
    };
    let ws = parse_workspace(&workspace_xml(&spill)).unwrap();
    let s = ws.pick(None, Some("data2.fcs")).unwrap();
    assert_eq!(s.fil.as_deref(), Some("data2.fcs"));
    let ids: Vec<&str> = s.strategy.gates.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        ["Cells", "Cells/FITC+", "Cells/not FITC+", "Cells/Ell"]
    );
    let d = EventData::from_fcs(&f, 0).unwrap();
    let r = gate_events(&s.strategy, &d).unwrap();
    // Direct computation.
    let col = |n: &str| d.columns[d.find(n).unwrap()].clone();
    let c = Compensation::from_fcs(&spill).unwrap();
    let mut comp = d.columns.clone();
    c.apply_in_place(&d.names, &mut comp).unwrap();
    let fitc = &comp[d.find("FITC-A").unwrap()];
    let (fsc, ssc) = (col("FSC-A"), col("SSC-A"));
    let cells: Vec<bool> = (0..d.n_events())
        .map(|i| fsc[i] >= 20000.0 && fsc[i] < 250000.0 && ssc[i] >= 10000.0)
        .collect();
    assert_eq!(r.get("Cells").unwrap().membership, cells);
    // The polygon is a rectangle in biex space: FITC ≥ 1000 (PE within).
    let pe = &comp[d.find("PE-A").unwrap()];
    let fitc_pos: Vec<bool> = (0..d.n_events())
        .map(|i| {
            cells[i]
                && fitc[i] >= 1000.0
                && fitc[i] <= 262144.0
                && pe[i] >= -1000.0
                && pe[i] <= 262144.0
        })
        .collect();
    assert_eq!(r.get("Cells/FITC+").unwrap().membership, fitc_pos);
    let not: Vec<bool> = (0..d.n_events())
        .map(|i| cells[i] && !fitc_pos[i])
        .collect();
    assert_eq!(r.get("Cells/not FITC+").unwrap().membership, not);
    // Ellipse: centre (70000, 100000), half-axes 50000 and 30000.
    let ell: Vec<bool> = (0..d.n_events())
        .map(|i| {
            let (x, y) = ((fsc[i] - 70000.0) / 50000.0, (ssc[i] - 100000.0) / 30000.0);
            cells[i] && x * x + y * y <= 1.0
        })
        .collect();
    let got = &r.get("Cells/Ell").unwrap().membership;
    let differ = got.iter().zip(&ell).filter(|(a, b)| a != b).count();
    assert!(
        differ <= 2,
        "{differ} events differ (rounding on the boundary only)"
    );
    assert!(ell.iter().filter(|&&b| b).count() > 100);
}
