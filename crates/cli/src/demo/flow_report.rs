//! The demo report's flow cytometry sections: differentiation markers of
//! MOLM-13 under menin inhibition (vs vehicle) and PDX engraftment, from the
//! example's FCS files, with the truth beside every estimate.

use std::path::Path;

use anyhow::Context;
use preclin_flow::markers::{compare_with_threshold, engraftment, find_marker, threshold};
use preclin_flow::transforms::{Logicle, Scale};
use preclin_flow::{EventData, gate_events, parse_gatingml};
use preclin_report::figures::cytometry::{
    CytoAxis, CytoPlotFigure, GateOverlay, GateShape, PlotMode, render_plot,
};
use preclin_report::{Figure, Section, Table};

use super::flow_example::{MARKERS, PDX, SAMPLES};
use crate::format::fmt_f64;

fn sig(v: Option<f64>, d: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| fmt_f64(x, Some(d)))
        .unwrap_or_default()
}

/// Channel names, labels and columns of a sample.
type Channels = (Vec<String>, Vec<Option<String>>, Vec<Vec<f64>>);

/// A sample's compensated events inside the `cells` gate: names, labels,
/// columns.
fn cells(path: &Path, gates: &preclin_flow::GatingStrategy) -> anyhow::Result<Channels> {
    let f = preclin_fcs::FcsFile::open(path).with_context(|| format!("{}", path.display()))?;
    let ds = f.dataset(0)?;
    let d = EventData::from_fcs(&f, 0)?;
    let r = gate_events(gates, &d)?;
    let keep = &r.get("cells").context("no gate 'cells'")?.membership;
    let mut cols = d.columns.clone();
    if let Some(c) = &d.fcs_compensation {
        c.apply_in_place(&d.names, &mut cols)?;
    }
    let cols = cols
        .into_iter()
        .map(|c| {
            c.into_iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect()
        })
        .collect();
    Ok((
        d.names.clone(),
        ds.parameters.iter().map(|p| p.label.clone()).collect(),
        cols,
    ))
}

/// Writes flow/markers.csv, flow/engraftment.csv and the figures; returns
/// the two report sections.
pub fn sections(dir: &Path, out: &Path, fig_dir: &Path) -> anyhow::Result<Vec<Section>> {
    let gates = parse_gatingml(&std::fs::read_to_string(dir.join("flow_gates.xml"))?)?;
    let scale = Scale::Logicle(Logicle::new(262_144.0, 0.5, 4.5, 0.0)?);
    let flow_out = out.join("flow");
    std::fs::create_dir_all(&flow_out)?;
    // Differentiation: thresholds from the FMO control, changes vs vehicle.
    let (fnm, fl, fcols) = cells(&dir.join(format!("{}.fcs", SAMPLES[0].0)), &gates)?;
    let (vn, vl, vcols) = cells(&dir.join(format!("{}.fcs", SAMPLES[1].0)), &gates)?;
    let mut rows = Vec::new();
    let mut csv = String::from(
        "sample,treatment,marker,channel,percent_positive,truth_percent,vehicle_percent_positive,delta_percent,mfi_ratio,threshold_data\n",
    );
    let mut figures = Vec::new();
    for (stem, treatment, truth) in SAMPLES.iter().skip(1).copied() {
        let (n, l, cols) = cells(&dir.join(format!("{stem}.fcs")), &gates)?;
        for (k, (marker, _, _)) in MARKERS.iter().enumerate() {
            let j = find_marker(&n, &l, marker).with_context(|| format!("{stem}: {marker}"))?;
            let jc = find_marker(&vn, &vl, marker).with_context(|| format!("vehicle: {marker}"))?;
            let jf = find_marker(&fnm, &fl, marker).with_context(|| format!("FMO: {marker}"))?;
            let th = threshold(&fcols[jf], &scale, 99.0)?;
            let r = compare_with_threshold(stem, marker, &n[j], &cols[j], &vcols[jc], &scale, th);
            csv.push_str(&format!(
                "{stem},{treatment},{marker},{},{},{},{},{},{},{}\n",
                n[j],
                sig(r.sample_stats.percent_positive, 6),
                truth[k],
                sig(r.control_stats.percent_positive, 6),
                sig(r.delta_percent, 6),
                sig(r.mfi_ratio, 6),
                sig(Some(r.threshold.data), 6)
            ));
            rows.push(vec![
                treatment.to_string(),
                marker.to_string(),
                sig(r.sample_stats.percent_positive, 3),
                fmt_f64(truth[k], None),
                sig(r.delta_percent, 3),
                sig(r.mfi_ratio, 3),
            ]);
            if stem.ends_with("revumenib") {
                let svg = crate::flow_figures::marker_histogram(
                    marker,
                    &n[j],
                    &scale,
                    (treatment, &cols[j]),
                    ("vehicle", &vcols[jc]),
                    r.threshold.transformed,
                    r.sample_stats.percent_positive,
                );
                let name = format!("flow_revumenib_{marker}.svg");
                std::fs::write(fig_dir.join(&name), &svg)?;
                figures.push(Figure {
                    caption: format!("{marker} in MOLM-13 cells after revumenib (filled) and vehicle (grey line), logicle scale; the dashed line is the FMO control's 99th percentile, the positivity threshold. File: figures/{name}"),
                    svg,
                });
            }
        }
    }
    std::fs::write(flow_out.join("markers.csv"), csv)?;
    let diff = Section {
        heading: "Differentiation markers (flow cytometry)".into(),
        paragraphs: vec![
            "MOLM-13 cells after 7 days of vehicle, revumenib 100 nM or MI-503 1 µM (simulated FCS 3.1 files, examples/demo/flow_*.fcs). Events are compensated with the files' $SPILLOVER, gated on FSC-A/SSC-A (cells, flow_gates.xml, Gating-ML 2.0), and a marker is positive above the 99th percentile of a fluorescence-minus-one control (no marker antibodies) on the logicle scale (T 262144, W 0.5, M 4.5, A 0); changes are against the vehicle. Menin inhibition releases the differentiation block: CD11b and CD14 up, CD34 and CD117 down.".into(),
            "The truth column is the fraction of cells generated marker-bright; the estimate also counts the ~1 % of dim cells above the FMO threshold, which the threshold's definition puts there.".into(),
        ],
        tables: vec![Table {
            caption: "% positive per marker (truth beside), change vs vehicle in percentage points, MFI ratio".into(),
            headers: ["treatment", "marker", "% positive", "truth %", "Δ vs vehicle (pp)", "MFI ratio vs vehicle"].map(String::from).to_vec(),
            rows,
            notes: Vec::new(),
        }],
        figures,
    };
    // Engraftment: the hCD45 threshold is the non-engrafted control's 99th
    // percentile; the example has no human-only control for mCD45, so the
    // same threshold is used on the mCD45 axis (both markers are on the
    // same logicle scale with the same dim population) — stated in the
    // section text.
    let control = PDX.iter().find(|p| p.2 == 0.0).expect("a control");
    let (cn, cl, ccols) = cells(&dir.join(format!("{}.fcs", control.0)), &gates)?;
    let hj = find_marker(&cn, &cl, "hCD45").context("hCD45")?;
    let th_h = threshold(&ccols[hj], &scale, 99.0)?;
    let mut rows = Vec::new();
    let mut csv = String::from(
        "sample,tissue,human,mouse,double_positive,events,percent_human,truth_percent\n",
    );
    let mut figures = Vec::new();
    for (stem, tissue, truth) in PDX {
        let (n, l, cols) = cells(&dir.join(format!("{stem}.fcs")), &gates)?;
        let h = find_marker(&n, &l, "hCD45").context("hCD45")?;
        let m = find_marker(&n, &l, "mCD45").context("mCD45")?;
        let e = engraftment(&cols[h], &cols[m], &scale, &th_h, &th_h);
        csv.push_str(&format!(
            "{stem},{tissue},{},{},{},{},{},{truth}\n",
            e.human,
            e.mouse,
            e.double_positive,
            e.events,
            sig(e.percent_human, 6)
        ));
        rows.push(vec![
            tissue.to_string(),
            e.human.to_string(),
            e.mouse.to_string(),
            sig(e.percent_human, 3),
            fmt_f64(truth, None),
        ]);
        if *stem == *"pdx_M1_bone_marrow" {
            let pts: Vec<(f64, f64)> = cols[m]
                .iter()
                .zip(&cols[h])
                .map(|(&x, &y)| (scale.apply(x), scale.apply(y)))
                .collect();
            let axis = |title: &str| CytoAxis {
                title: format!("{title} (logicle)"),
                lo: 0.1,
                hi: 1.0,
                ticks: scale.ticks(-1000.0, 262_144.0),
            };
            let t = th_h.transformed;
            let fig = CytoPlotFigure {
                title: format!(
                    "PDX M1 {tissue}: {} % hCD45⁺ of CD45⁺",
                    sig(e.percent_human, 3)
                ),
                x: axis("mCD45 PE-Cy7"),
                y: axis("hCD45 APC-Cy7"),
                points: pts,
                mode: PlotMode::Density(96),
                gates: vec![GateOverlay {
                    label: "hCD45⁺ mCD45⁻".into(),
                    shape: GateShape::Rectangle {
                        x0: None,
                        x1: Some(t),
                        y0: Some(t),
                        y1: None,
                    },
                    percent: e.percent_human,
                }],
                width: 420.0,
                height: 400.0,
            };
            let svg = render_plot(&fig);
            let name = "flow_pdx_bone_marrow.svg".to_string();
            std::fs::write(fig_dir.join(&name), &svg)?;
            figures.push(Figure {
                caption: format!("hCD45 vs mCD45 of bone-marrow cells of PDX mouse M1, logicle axes; the box marks hCD45⁺ mCD45⁻ cells, thresholds at the non-engrafted control's hCD45 99th percentile. File: figures/{name}"),
                svg,
            });
        }
    }
    std::fs::write(flow_out.join("engraftment.csv"), csv)?;
    let engr = Section {
        heading: "Engraftment (PDX, flow cytometry)".into(),
        paragraphs: vec!["% human CD45⁺ of CD45⁺ cells = hCD45⁺mCD45⁻ / (hCD45⁺mCD45⁻ + mCD45⁺hCD45⁻) in bone marrow, spleen and blood of an engrafted mouse and the bone marrow of a non-engrafted control (simulated FCS files, examples/demo/pdx_*.fcs); both markers are thresholded at the control's hCD45 99th percentile on the logicle scale; double positives (doublets) are left out.".into()],
        tables: vec![Table {
            caption: "Engraftment per tissue (truth beside)".into(),
            headers: ["tissue", "hCD45⁺ cells", "mCD45⁺ cells", "% hCD45⁺", "truth %"].map(String::from).to_vec(),
            rows,
            notes: Vec::new(),
        }],
        figures,
    };
    Ok(vec![diff, engr])
}
