//! Flow cytometry of differentiation markers: FCS 3.1 files (float32,
//! written by `preclin_fcs::write::FcsWriter`) and a Gating-ML 2.0 cell
//! gate, in the layout of the bundled example (read by `preclin markers`
//! and `preclin analyze`'s `flow` kind).
//!
//! Per condition the model gives the differentiated share f of viable
//! cells after T hours ([`crate::culture::CultureState::differentiated_fraction`]);
//! a marker's % positive is `(1 − f)·u + f·d` with u, d its positivity in
//! undifferentiated / differentiated cells (parameter file). Events: 10 %
//! debris at low FSC / SSC (outside the cell gate); cells at FSC ~
//! N(110 000, 18 000), SSC ~ N(60 000, 12 000); a positive cell's marker is
//! 10^N(3.8 + 0.1 k, 0.25), a negative one 10^N(2.2, 0.3) + N(0, 60).
//! Spillover (PE → APC 3 %, FITC → PE 8 %) is added to the detector values
//! and written as `$SPILLOVER`. The FMO control has no marker antibodies
//! (all negative).

use std::fmt::Write as _;

use preclin_fcs::write::{FcsWriter, Storage};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, fmt_dose};
use crate::SimError;
use crate::culture::Culture;
use crate::params::Params;

/// Events per file.
pub const EVENTS: usize = 6000;

/// The cell gate (Gating-ML 2.0 polygon on FSC-A × SSC-A).
pub const GATES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating" xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <gating:PolygonGate gating:id="cells">
    <gating:dimension gating:compensation-ref="uncompensated"><data-type:fcs-dimension data-type:name="FSC-A" /></gating:dimension>
    <gating:dimension gating:compensation-ref="uncompensated"><data-type:fcs-dimension data-type:name="SSC-A" /></gating:dimension>
    <gating:vertex><gating:coordinate data-type:value="40000" /><gating:coordinate data-type:value="10000" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="200000" /><gating:coordinate data-type:value="20000" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="220000" /><gating:coordinate data-type:value="150000" /></gating:vertex>
    <gating:vertex><gating:coordinate data-type:value="60000" /><gating:coordinate data-type:value="120000" /></gating:vertex>
  </gating:PolygonGate>
</gating:Gating-ML>
"#;

/// A flow experiment: one line, conditions (compound, dose nM) at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowExperiment {
    /// Cell line.
    pub line: String,
    /// Treated conditions: (compound, dose nM).
    pub treatments: Vec<(String, f64)>,
    /// Treatment time (hours).
    pub hours: f64,
}

impl FlowExperiment {
    /// File name of a condition (`flow_<line>_<compound>.fcs`, `…_vehicle`, `…_FMO`).
    pub fn file(line: &str, condition: &str) -> String {
        format!("flow_{line}_{condition}.fcs")
    }
}

fn f32r(v: f64) -> f64 {
    (v.clamp(-262_144.0, 262_143.0) as f32) as f64
}

/// Writes the FCS files, `flow_gates.xml` and `flow_truth.csv`.
pub fn write(
    params: &Params,
    exp: &FlowExperiment,
    seed: u64,
    files: &mut Files,
) -> Result<(), SimError> {
    if params.markers.len() != 4 {
        return Err(SimError::Writer(
            "the flow readout needs exactly four markers (PE, APC, FITC, BV421 channels)".into(),
        ));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let probe = Culture::new(params, &exp.line, &[])?;
    let fname = probe.line().file_name();
    // (condition id, description, differentiated fraction, stained)
    let mut conditions = vec![(
        "FMO".to_string(),
        "FMO control (no marker antibodies)".to_string(),
        0.0,
        false,
    )];
    let veh = probe.run(&[], exp.hours).differentiated_fraction();
    conditions.push(("vehicle".into(), "vehicle (DMSO)".into(), veh, true));
    for (compound, dose) in &exp.treatments {
        let c = Culture::new(params, &exp.line, &[compound.as_str()])?;
        let f = c.run(&[dose * 1e-9], exp.hours).differentiated_fraction();
        conditions.push((
            compound.clone(),
            format!("{compound} {} nM", fmt_dose(*dose)),
            f,
            true,
        ));
    }
    let mut truth =
        String::from("file,condition,hours,differentiated_fraction,quantity,truth_percent\n");
    let channels: Vec<String> = params.markers.iter().map(|m| m.channel.clone()).collect();
    let spill = format!(
        "4,{},{},{},{},1,0.03,0,0,0,1,0,0,0.08,0,1,0,0,0,0,1",
        channels[0], channels[1], channels[2], channels[3]
    );
    for (id, desc, f, stained) in &conditions {
        let pct: Vec<f64> = params
            .markers
            .iter()
            .map(|m| {
                if *stained {
                    (1.0 - f) * m.undifferentiated_pct + f * m.differentiated_pct
                } else {
                    0.0
                }
            })
            .collect();
        let mut cols: Vec<Vec<f64>> = (0..6).map(|_| Vec::with_capacity(EVENTS)).collect();
        for _ in 0..EVENTS {
            let debris = rng.random::<f64>() < 0.1;
            let (fsc, ssc) = if debris {
                (
                    (8000.0 + 4000.0 * n01.sample(&mut rng)).abs(),
                    (5000.0 + 2000.0 * n01.sample(&mut rng)).abs(),
                )
            } else {
                (
                    110_000.0 + 18_000.0 * n01.sample(&mut rng),
                    60_000.0 + 12_000.0 * n01.sample(&mut rng),
                )
            };
            let mut m = [0.0; 4];
            for (k, p) in pct.iter().enumerate() {
                let pos = !debris && rng.random::<f64>() * 100.0 < *p;
                m[k] = if pos {
                    10f64.powf(3.8 + 0.1 * k as f64 + 0.25 * n01.sample(&mut rng))
                } else {
                    10f64.powf(2.2 + 0.3 * n01.sample(&mut rng)) + 60.0 * n01.sample(&mut rng)
                };
            }
            let pe = m[0] + 0.08 * m[2];
            let apc = m[1] + 0.03 * m[0];
            for (c, v) in cols.iter_mut().zip([fsc, ssc, pe, apc, m[2], m[3]]) {
                c.push(f32r(v));
            }
        }
        let names = [
            "FSC-A",
            "SSC-A",
            channels[0].as_str(),
            channels[1].as_str(),
            channels[2].as_str(),
            channels[3].as_str(),
        ];
        let file = FlowExperiment::file(&fname, id);
        let mut w = FcsWriter::new(&names, cols).map_err(|e| SimError::Writer(e.to_string()))?;
        for (j, mk) in params.markers.iter().enumerate() {
            w = w.label(2 + j, &mk.label);
        }
        let w = w
            .keyword("$CYT", "simulated (preclin virtual lab)")
            .and_then(|w| w.keyword("$FIL", &file))
            .and_then(|w| w.keyword("$SRC", desc))
            .and_then(|w| w.keyword("$SPILLOVER", &spill))
            .map_err(|e| SimError::Writer(e.to_string()))?;
        let bytes = w
            .to_bytes(Storage::Float32)
            .map_err(|e| SimError::Writer(e.to_string()))?;
        for (mk, p) in params.markers.iter().zip(&pct) {
            let _ = writeln!(
                truth,
                "{file},{desc},{},{f:.4},% {}+,{p:.2}",
                exp.hours, mk.name
            );
        }
        files.insert(file, bytes);
    }
    files.insert("flow_gates.xml".into(), GATES.as_bytes().to_vec());
    files.insert("flow_truth.csv".into(), truth.into_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcs_files_parse_and_truth_shows_differentiation() {
        let p = Params::bundled();
        let e = FlowExperiment {
            line: "MOLM-13".into(),
            treatments: vec![("MI-503".into(), 1000.0)],
            hours: 168.0,
        };
        let mut f = Files::new();
        write(&p, &e, 2, &mut f).unwrap();
        let bytes = &f["flow_MOLM-13_MI-503.fcs"];
        assert_eq!(&bytes[..6], b"FCS3.1");
        let truth = String::from_utf8(f["flow_truth.csv"].clone()).unwrap();
        let pct = |file: &str, q: &str| -> f64 {
            truth
                .lines()
                .find(|l| l.starts_with(file) && l.contains(q))
                .unwrap()
                .rsplit(',')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(
            pct("flow_MOLM-13_MI-503", "% CD11b+") > 2.0 * pct("flow_MOLM-13_vehicle", "% CD11b+")
        );
        assert!(
            pct("flow_MOLM-13_MI-503", "% CD117+") < 0.5 * pct("flow_MOLM-13_vehicle", "% CD117+")
        );
    }
}
