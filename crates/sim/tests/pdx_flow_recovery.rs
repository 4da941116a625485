//! The simulated PDX FCS files, gated and thresholded as `preclin markers`
//! does (Gating-ML `cells` gate, hCD45 threshold at the non-engrafted
//! control's 99.9th percentile on the logicle scale), give % hCD45 within
//! sampling error of the true fraction `B/(B + K_tissue)`.

use preclin_fcs::FcsFile;
use preclin_flow::markers::{compare_with_threshold, find_marker, threshold};
use preclin_flow::transforms::{Logicle, Scale};
use preclin_flow::{EventData, gate_events, parse_gatingml};
use preclin_sim::invivo::{EngraftmentWriter, InVivoParams};
use preclin_sim::invivo_readouts::pdx_flow::{CONTROL_FILE, GATES_FILE, PdxFlowParams};
use preclin_sim::params::Params;
use preclin_sim::pk::PkTable;
use preclin_sim::readouts::Files;
use preclin_sim::scenario::ExperimentWriter;

/// hCD45 values of the events in the `cells` gate.
fn hcd45_of_cells(bytes: &[u8], gates: &str) -> Vec<f64> {
    let f = FcsFile::from_bytes(bytes.to_vec()).unwrap();
    let ds = f.dataset(0).unwrap();
    let labels: Vec<Option<String>> = ds.parameters.iter().map(|p| p.label.clone()).collect();
    let data = EventData::from_fcs(&f, 0).unwrap();
    let j = find_marker(&data.names, &labels, "hCD45").unwrap();
    let strategy = parse_gatingml(gates).unwrap();
    let res = gate_events(&strategy, &data).unwrap();
    let keep = &res.get("cells").unwrap().membership;
    data.columns[j]
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(v, _)| *v)
        .collect()
}

#[test]
fn analysed_percent_hcd45_recovers_the_true_fraction() {
    let mut files = Files::new();
    let w = EngraftmentWriter {
        invivo: InVivoParams::bundled(),
        pk: PkTable::bundled(),
    };
    let parts = w.write(&Params::bundled(), 11, &mut files).unwrap();
    let block = &parts.experiments[1];
    assert!(block.contains("kind = \"flow\"") && block.contains("percentile = 99.9"));
    let gates = String::from_utf8(files[GATES_FILE].clone()).unwrap();
    let truth = String::from_utf8(files["pdx_flow_truth.csv"].clone()).unwrap();
    let scale = Scale::Logicle(Logicle::new(262_144.0, 0.5, 4.5, 0.0).unwrap());
    let control = hcd45_of_cells(&files[CONTROL_FILE], &gates);
    let th = threshold(&control, &scale, 99.9).unwrap();
    let p = PdxFlowParams::bundled();
    let mut n = 0;
    let (mut low, mut high) = (0, 0);
    for line in truth.lines().skip(2) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == CONTROL_FILE {
            continue;
        }
        n += 1;
        assert!(block.contains(f[0]), "{} not in the study block", f[0]);
        let true_pct: f64 = f[6].parse().unwrap();
        let cells = hcd45_of_cells(&files[f[0]], &gates);
        let row = compare_with_threshold(
            f[0],
            "hCD45",
            "APC-Cy7-A",
            &cells,
            &control,
            &scale,
            th.clone(),
        );
        let est = row.sample_stats.percent_positive.unwrap();
        // Binomial SE of the events in the gate, plus the threshold's
        // ≤ 0.1 point false-positive rate and a little gate loss.
        let q = true_pct / 100.0;
        let se = 100.0 * (q * (1.0 - q) / p.events as f64).sqrt();
        assert!(
            (est - true_pct).abs() < 4.0 * se + 0.3,
            "{}: analysed {est:.3} % vs true {true_pct:.3} % (SE {se:.3})",
            f[0]
        );
        if true_pct < 20.0 {
            low += 1;
        }
        if true_pct > 50.0 {
            high += 1;
        }
    }
    // 2 arms × 3 mice × 3 tissues, and the study spans low and high burdens.
    assert_eq!(n, 2 * p.mice_per_group * 3);
    assert!(low > 0 && high > 0, "low {low}, high {high}\n{truth}");
}

#[test]
fn marrow_is_more_engrafted_than_spleen_than_blood() {
    let mut files = Files::new();
    let w = EngraftmentWriter {
        invivo: InVivoParams::bundled(),
        pk: PkTable::bundled(),
    };
    w.write(&Params::bundled(), 3, &mut files).unwrap();
    let truth = String::from_utf8(files["pdx_flow_truth.csv"].clone()).unwrap();
    let rows: Vec<Vec<String>> = truth
        .lines()
        .skip(2)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    for r in rows.iter().filter(|r| r[3] == "blood" && r[5] != "0") {
        let of = |tissue: &str| -> f64 {
            rows.iter()
                .find(|x| x[1] == r[1] && x[3] == tissue)
                .unwrap()[6]
                .parse()
                .unwrap()
        };
        let (b, m, s) = (of("blood"), of("bone_marrow"), of("spleen"));
        assert!(
            m > s && s > b,
            "{}: marrow {m}, spleen {s}, blood {b}",
            r[1]
        );
    }
}
