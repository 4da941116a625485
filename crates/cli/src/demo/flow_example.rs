//! The example study's flow cytometry files: how they were generated.
//!
//! **Differentiation** (MOLM-13, 7 days, FCS 3.1 float32): a
//! fluorescence-minus-one style control without marker antibodies (sets
//! the thresholds), vehicle (DMSO), revumenib 100 nM and MI-503 1 µM. 6,000 events each with FSC-A, SSC-A
//! (a debris fraction of 10 % at low FSC, removed by the `cells` gate) and
//! four markers on logicle-like fluorescence: CD11b-PE, CD14-APC,
//! CD34-FITC and CD117-BV421. A fraction `p` of the cells is marker-bright
//! (lognormal around 10^3.8–10^4.2), the rest dim (around 10^2.2); the
//! fractions are the truth in `flow_truth.csv` — menin inhibition raises
//! CD11b and CD14 and lowers CD34 and CD117 (complete loss of CD117 is
//! reported for revumenib in NOMO-1). Small spillover (PE → APC 3 %, FITC →
//! PE 8 %) is written in `$SPILLOVER` and added to the data.
//!
//! **PDX engraftment** (FCS 3.1): bone marrow, spleen and blood of one
//! engrafted mouse and a non-engrafted control mouse's bone marrow, 4,000
//! events each with FSC-A, SSC-A, hCD45-APC-Cy7 and mCD45-PE-Cy7; the
//! fraction of human CD45⁺ cells among CD45⁺ cells is the truth.
//!
//! The values are illustrative choices for the example, not literature
//! values. Generated deterministically from [`SEED`]; the committed copies
//! in `examples/demo/` are checked byte for byte by a test.

use preclin_fcs::write::{FcsWriter, Storage};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Seed of the flow files' random stream.
pub const SEED: u64 = 20_261_122;

/// Differentiation samples: (file stem, treatment, % positive for CD11b,
/// CD14, CD34, CD117).
pub const SAMPLES: [(&str, &str, [f64; 4]); 4] = [
    (
        "flow_MOLM-13_FMO",
        "FMO control (no marker antibodies)",
        [0.0, 0.0, 0.0, 0.0],
    ),
    (
        "flow_MOLM-13_vehicle",
        "vehicle (DMSO)",
        [8.0, 3.0, 60.0, 85.0],
    ),
    (
        "flow_MOLM-13_revumenib",
        "revumenib 100 nM",
        [55.0, 24.0, 18.0, 10.0],
    ),
    (
        "flow_MOLM-13_MI-503",
        "MI-503 1 µM",
        [42.0, 15.0, 30.0, 35.0],
    ),
];

/// Markers: (name, $PnN, $PnS).
pub const MARKERS: [(&str, &str, &str); 4] = [
    ("CD11b", "PE-A", "CD11b PE"),
    ("CD14", "APC-A", "CD14 APC"),
    ("CD34", "FITC-A", "CD34 FITC"),
    ("CD117", "BV421-A", "CD117 BV421"),
];

/// PDX samples: (file stem, tissue, % human CD45 of CD45⁺).
pub const PDX: [(&str, &str, f64); 4] = [
    ("pdx_M1_bone_marrow", "bone marrow", 62.0),
    ("pdx_M1_spleen", "spleen", 35.0),
    ("pdx_M1_blood", "blood", 12.0),
    ("pdx_control_bone_marrow", "non-engrafted control", 0.0),
];

/// The cell gate of the example (Gating-ML 2.0).
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

fn scatter(rng: &mut Xoshiro256PlusPlus, n01: &Normal<f64>) -> (f64, f64) {
    if rng.random::<f64>() < 0.1 {
        // Debris.
        (
            (8000.0 + 4000.0 * n01.sample(rng)).abs(),
            (5000.0 + 2000.0 * n01.sample(rng)).abs(),
        )
    } else {
        (
            110_000.0 + 18_000.0 * n01.sample(rng),
            60_000.0 + 12_000.0 * n01.sample(rng),
        )
    }
}

fn marker(rng: &mut Xoshiro256PlusPlus, n01: &Normal<f64>, positive: bool, bright: f64) -> f64 {
    if positive {
        10f64.powf(bright + 0.25 * n01.sample(rng))
    } else {
        // Dim: around 10^2.2 with spread into negative values after
        // compensation-like noise.
        10f64.powf(2.2 + 0.3 * n01.sample(rng)) + 60.0 * n01.sample(rng)
    }
}

fn f32r(v: f64) -> f64 {
    (v.clamp(-262_144.0, 262_143.0) as f32) as f64
}

/// Every flow file of the example: (name, bytes).
pub fn generate() -> Vec<(String, Vec<u8>)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let mut out = Vec::new();
    let mut truth = String::from("file,kind,condition,quantity,truth_percent\n");
    let spill = "$SPILLOVER";
    let spill_value = "4,PE-A,APC-A,FITC-A,BV421-A,1,0.03,0,0,0,1,0,0,0.08,0,1,0,0,0,0,1";
    for (stem, treatment, pos) in SAMPLES {
        let n = 6000;
        let mut cols: Vec<Vec<f64>> = (0..6).map(|_| Vec::with_capacity(n)).collect();
        for _ in 0..n {
            let (fsc, ssc) = scatter(&mut rng, &n01);
            let is_debris = fsc < 40_000.0;
            let mut m = [0.0; 4];
            for (k, p) in pos.iter().enumerate() {
                let positive = !is_debris && rng.random::<f64>() * 100.0 < *p;
                m[k] = marker(&mut rng, &n01, positive, 3.8 + 0.1 * k as f64);
            }
            // Spillover: detector = Σ fluorochrome · S (PE→APC, FITC→PE).
            let pe = m[0] + 0.08 * m[2];
            let apc = m[1] + 0.03 * m[0];
            for (c, v) in cols.iter_mut().zip([fsc, ssc, pe, apc, m[2], m[3]]) {
                c.push(f32r(v));
            }
        }
        let mut w = FcsWriter::new(
            &["FSC-A", "SSC-A", "PE-A", "APC-A", "FITC-A", "BV421-A"],
            cols,
        )
        .expect("valid columns");
        for (j, (_, _, label)) in MARKERS.iter().enumerate() {
            let col = match j {
                0 => 2,
                1 => 3,
                2 => 4,
                _ => 5,
            };
            w = w.label(col, label);
        }
        let w = w
            .keyword("$CYT", "simulated (preclin example)")
            .and_then(|w| w.keyword("$FIL", &format!("{stem}.fcs")))
            .and_then(|w| w.keyword("$SRC", treatment))
            .and_then(|w| w.keyword(spill, spill_value))
            .expect("valid keywords");
        out.push((
            format!("{stem}.fcs"),
            w.to_bytes(Storage::Float32).expect("finite values"),
        ));
        for ((name, _, _), p) in MARKERS.iter().zip(pos) {
            truth.push_str(&format!(
                "{stem}.fcs,differentiation,{treatment},% {name}+,{p}\n"
            ));
        }
    }
    for (stem, tissue, human) in PDX {
        let n = 4000;
        let mut cols: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
        for _ in 0..n {
            let (fsc, ssc) = scatter(&mut rng, &n01);
            let is_debris = fsc < 40_000.0;
            let is_human = !is_debris && rng.random::<f64>() * 100.0 < human;
            let h = marker(&mut rng, &n01, is_human, 4.0);
            let m = marker(&mut rng, &n01, !is_debris && !is_human, 3.9);
            for (c, v) in cols.iter_mut().zip([fsc, ssc, h, m]) {
                c.push(f32r(v));
            }
        }
        let w = FcsWriter::new(&["FSC-A", "SSC-A", "APC-Cy7-A", "PE-Cy7-A"], cols)
            .expect("valid columns")
            .label(2, "hCD45 APC-Cy7")
            .label(3, "mCD45 PE-Cy7")
            .keyword("$CYT", "simulated (preclin example)")
            .and_then(|w| w.keyword("$FIL", &format!("{stem}.fcs")))
            .and_then(|w| w.keyword("$SRC", tissue))
            .expect("valid keywords");
        out.push((
            format!("{stem}.fcs"),
            w.to_bytes(Storage::Float32).expect("finite values"),
        ));
        truth.push_str(&format!(
            "{stem}.fcs,engraftment,{tissue},% hCD45 of CD45+,{human}\n"
        ));
    }
    out.push(("flow_gates.xml".into(), GATES.as_bytes().to_vec()));
    out.push(("flow_truth.csv".into(), truth.into_bytes()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_flow_files_are_what_the_generator_writes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
        for (name, contents) in generate() {
            let on_disk = std::fs::read(dir.join(&name))
                .unwrap_or_else(|e| panic!("examples/demo/{name}: {e}"));
            assert!(
                on_disk == contents,
                "examples/demo/{name} differs from the generator's output"
            );
        }
    }
}
