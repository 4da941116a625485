//! The bundled example study: how its files were generated.
//!
//! An MI-503-like study: four compounds × five cell lines (four MLL-r
//! leukemia lines and HEK293 as the non-malignant line), three independent
//! experiments, raw MTT absorbances on 96-well plates. Menin inhibitors
//! (MI-503, revumenib) are read after 7 days — they act slowly — and the
//! FLT3 inhibitor gilteritinib and the BCL-2 inhibitor venetoclax after
//! 72 h, with time-zero plates for NCI-60 / GR metrics.
//!
//! Every number here is the *truth* the analysis should recover. The MI-503
//! values are set inside the 250–570 nM GI50 range of the seed document;
//! the others are illustrative values chosen for the example, not
//! literature values. The files are generated once, deterministically
//! (seed [`SEED`]), and kept in `examples/demo/`; a test regenerates them
//! and checks they are byte-identical.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use preclin_curve::Params;
use preclin_invitro::plate::{PlateFormat, Well};
use preclin_invitro::simulate::{PlateExport, ReaderNoise, read_plate, write_matrix_export};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Seed of the example's random stream.
pub const SEED: u64 = 20_261_121;

/// Cell lines: (name, vehicle MTT signal above blank, doubling time h).
pub const LINES: [(&str, f64, f64); 5] = [
    ("MV4-11", 1.10, 30.0),
    ("MOLM-13", 1.25, 28.0),
    ("KOPN-8", 0.95, 36.0),
    ("SEM", 1.05, 40.0),
    ("HEK293", 1.40, 34.0),
];

/// An assay: (id, read time, compounds with their top dose in nM).
pub type Assay = (&'static str, &'static str, [(&'static str, f64); 2]);

/// The two assays.
pub const ASSAYS: [Assay; 2] = [
    (
        "day7",
        "7-day MTT",
        [("MI-503", 10_000.0), ("revumenib", 1_000.0)],
    ),
    (
        "72h",
        "72-h MTT",
        [("gilteritinib", 1_000.0), ("venetoclax", 10_000.0)],
    ),
];

/// True curve of a compound in a cell line: (EC50 nM, hill, bottom %).
pub fn truth(compound: &str, line: &str) -> (f64, f64, f64) {
    let ec50 = match (compound, line) {
        ("MI-503", "MV4-11") => 250.0,
        ("MI-503", "MOLM-13") => 400.0,
        ("MI-503", "KOPN-8") => 480.0,
        ("MI-503", "SEM") => 570.0,
        ("MI-503", _) => 25_000.0,
        ("revumenib", "MV4-11") => 20.0,
        ("revumenib", "MOLM-13") => 35.0,
        ("revumenib", "KOPN-8") => 30.0,
        ("revumenib", "SEM") => 60.0,
        ("revumenib", _) => 4_000.0,
        ("gilteritinib", "MV4-11") => 1.5,
        ("gilteritinib", "MOLM-13") => 3.0,
        ("gilteritinib", "KOPN-8") => 80.0,
        ("gilteritinib", "SEM") => 120.0,
        ("gilteritinib", _) => 900.0,
        ("venetoclax", "MV4-11") => 8.0,
        ("venetoclax", "MOLM-13") => 60.0,
        ("venetoclax", "KOPN-8") => 15.0,
        ("venetoclax", "SEM") => 25.0,
        _ => 30_000.0,
    };
    let (hill, bottom) = match compound {
        "MI-503" => (1.2, 5.0),
        "revumenib" => (1.5, 8.0),
        "gilteritinib" => (1.3, 2.0),
        _ => (1.1, 4.0),
    };
    // The non-malignant line keeps more survivors.
    let bottom = if line == "HEK293" { 20.0 } else { bottom };
    (ec50, hill, bottom)
}

/// Nine doses, 3-fold, from the top dose down.
pub fn doses(top: f64) -> [f64; 9] {
    let mut d = [0.0; 9];
    for (k, v) in d.iter_mut().enumerate() {
        // Rounded to 4 significant digits, as a dilution sheet would print.
        let x = top / 3f64.powi(k as i32);
        let mag = 10f64.powf(x.log10().floor() - 3.0);
        *v = (x / mag).round() * mag;
    }
    d
}

/// Role of a well in the example layout and the compound index (0, 1) and
/// dose index for sample wells.
///
/// Column 1: blank (medium only). Columns 2–10: nine doses, highest in
/// column 2; rows A–C compound 1, rows D–F compound 2, rows G–H vehicle.
/// Column 11: positive control (staurosporine 1 µM). Column 12: vehicle.
pub fn well_role(w: Well) -> (&'static str, Option<(usize, usize)>) {
    let (r, c) = (w.row as usize, w.col as usize + 1);
    match c {
        1 => ("blank", None),
        11 => ("positive", None),
        12 => ("vehicle", None),
        _ => match r {
            0..=2 => ("sample", Some((0, c - 2))),
            3..=5 => ("sample", Some((1, c - 2))),
            _ => ("vehicle", None),
        },
    }
}

fn fmt_dose(d: f64) -> String {
    let s = format!("{d:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The layout CSV of an assay.
pub fn layout_csv(assay: usize) -> String {
    let (_, _, compounds) = ASSAYS[assay];
    let mut s = String::from("well,role,compound,dose,dose_unit\n");
    for w in PlateFormat::Wells96.wells() {
        let (role, sample) = well_role(w);
        match (role, sample) {
            ("sample", Some((ci, di))) => {
                let (name, top) = compounds[ci];
                let _ = writeln!(s, "{w},sample,{name},{},nM", fmt_dose(doses(top)[di]));
            }
            ("positive", _) => {
                let _ = writeln!(s, "{w},positive,staurosporine,1000,nM");
            }
            (role, _) => {
                let _ = writeln!(s, "{w},{role},,,");
            }
        }
    }
    s
}

/// Plate id of a treated plate.
pub fn plate_id(line: &str, assay: &str, exp: usize) -> String {
    format!("{line}_{assay}_e{exp}")
}

/// Plate id of a time-zero plate.
pub fn t0_id(line: &str, assay: &str, exp: usize) -> String {
    format!("{line}_{assay}_e{exp}_t0")
}

/// Generated files: (relative path, contents).
pub fn generate() -> Vec<(String, String)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let noise = ReaderNoise::default();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut truth_csv = String::from(
        "compound,cell_line,assay,ec50_nM,hill,bottom_pct,top_pct,doubling_time_h,vehicle_signal\n",
    );
    for (ai, (assay, read, compounds)) in ASSAYS.iter().enumerate() {
        files.insert(format!("layout_{assay}.csv"), layout_csv(ai));
        let mut info = String::from("plate,cell_line,experiment,assay,time_zero\n");
        let hours = if *assay == "day7" { 168.0 } else { 72.0 };
        for (line, signal, td) in LINES {
            for (name, _) in compounds {
                let (ec50, hill, bottom) = truth(name, line);
                let _ = writeln!(
                    truth_csv,
                    "{name},{line},{assay},{ec50},{hill},{bottom},100,{td},{signal}"
                );
            }
            let mut treated = Vec::new();
            let mut t0 = Vec::new();
            for exp in 1..=3 {
                // Between-experiment variation: vehicle signal SD 5 %, EC50
                // shifted by N(0, 0.08) in log10.
                let vehicle = signal * (1.0 + 0.05 * n01.sample(&mut rng));
                let shifts: Vec<f64> = compounds
                    .iter()
                    .map(|_| 0.08 * n01.sample(&mut rng))
                    .collect();
                let expected: Vec<Option<f64>> = PlateFormat::Wells96
                    .wells()
                    .map(|w| match well_role(w) {
                        ("blank", _) => Some(0.0),
                        ("positive", _) => Some(vehicle * 0.01),
                        ("sample", Some((ci, di))) => {
                            let (name, top) = compounds[ci];
                            let (ec50, hill, bottom) = truth(name, line);
                            let p = Params {
                                b: hill,
                                c: bottom,
                                d: 100.0,
                                e: ec50 * 10f64.powf(shifts[ci]),
                                f: 1.0,
                            };
                            Some(vehicle * p.eval(doses(top)[di]) / 100.0)
                        }
                        _ => Some(vehicle),
                    })
                    .collect();
                let mut values = read_plate(&expected, &noise, &mut rng);
                if line == "MOLM-13" && exp == 2 && ai == 0 {
                    // One pipetting error, to show outlier flagging: B5 ×1.6.
                    let i = 12 + 4;
                    values[i] = values[i].map(|v| (v * 1.6 * 1e4).round() / 1e4);
                }
                let id = plate_id(line, assay, exp);
                let _ = writeln!(info, "{id},{line},exp{exp},{assay},no");
                treated.push(PlateExport {
                    id,
                    format: PlateFormat::Wells96,
                    values,
                });
                if *assay == "72h" {
                    // Time zero: the seeded cells before drug, vehicle / 2^(t/Td).
                    let tz = vehicle / 2f64.powf(hours / td);
                    let exp_t0: Vec<Option<f64>> = PlateFormat::Wells96
                        .wells()
                        .map(|w| match well_role(w) {
                            ("blank", _) => Some(0.0),
                            _ => Some(tz),
                        })
                        .collect();
                    let id = t0_id(line, assay, exp);
                    let _ = writeln!(info, "{id},{line},exp{exp},{assay},yes");
                    t0.push(PlateExport {
                        id,
                        format: PlateFormat::Wells96,
                        values: read_plate(&exp_t0, &noise, &mut rng),
                    });
                }
            }
            let header = vec![
                "preclin virtual plate reader (simulated data, see examples/demo/README.md)"
                    .to_string(),
                format!("Assay: {read}; Read: Absorbance 570 nm; Cell line: {line}"),
            ];
            let mut buf = Vec::new();
            write_matrix_export(&header, &treated, &mut buf).expect("write to memory");
            files.insert(
                format!("plates_{assay}_{line}.csv"),
                String::from_utf8(buf).expect("ASCII"),
            );
            if !t0.is_empty() {
                let mut buf = Vec::new();
                let header = vec![
                    "preclin virtual plate reader (simulated data, see examples/demo/README.md)"
                        .to_string(),
                    format!("Assay: {read}, time zero; Read: Absorbance 570 nm; Cell line: {line}"),
                ];
                write_matrix_export(&header, &t0, &mut buf).expect("write to memory");
                files.insert(
                    format!("t0_{assay}_{line}.csv"),
                    String::from_utf8(buf).expect("ASCII"),
                );
            }
        }
        files.insert(format!("plate_info_{assay}.csv"), info);
    }
    files.insert("truth.csv".into(), truth_csv);
    let (combo, combo_truth) = combination_files();
    files.insert("combination.csv".into(), combo);
    files.insert("combination_truth.csv".into(), combo_truth);
    files.into_iter().collect()
}

/// Seed of the combination example (its own stream, so that the
/// single-agent files do not change when it does).
pub const COMBINATION_SEED: u64 = SEED + 1;

/// Cell lines of the combination example.
pub const COMBINATION_LINES: [&str; 2] = ["MV4-11", "MOLM-13"];

/// The combination drugs and their top doses (nM): 7 three-fold doses + 0.
pub const COMBINATION_DRUGS: [(&str, f64); 2] = [("MI-503", 3000.0), ("quizartinib", 3.0)];

/// True combination surface of a cell line: MI-503 and quizartinib alone
/// as LL.4 (% inhibition), combined by Bliss independence after quizartinib
/// shifts MI-503's potency with strength S (see
/// `preclin_synergy::synth::BlockTruth`). MI-503's
/// EC50s are the single-agent truths of this example (7-day MTT);
/// quizartinib's (sub-nanomolar in FLT3-ITD lines) and the synergy strengths
/// are illustrative, not literature values.
pub fn combination_truth(line: &str) -> preclin_synergy::synth::BlockTruth {
    let (mi_ec50, _, _) = truth("MI-503", line);
    let (qz_ec50, s) = match line {
        "MV4-11" => (0.6, 40.0),
        _ => (1.2, 20.0),
    };
    preclin_synergy::synth::BlockTruth {
        emax: [85.0, 90.0],
        hill: [1.2, 1.5],
        ec50: [mi_ec50, qz_ec50],
        synergy: s,
    }
}

/// Doses of a combination drug: 0 and seven 3-fold doses from the top,
/// rounded to 4 significant digits as a dilution sheet prints them.
pub fn combination_doses(top: f64) -> Vec<f64> {
    let mut v = vec![0.0];
    v.extend(doses(top)[..7].iter().rev());
    v
}

/// `combination.csv` (SynergyFinder long table, % viability, triplicate
/// wells) and `combination_truth.csv`.
fn combination_files() -> (String, String) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(COMBINATION_SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let mut csv =
        String::from("block_id,cell_line,drug1,drug2,conc1,conc2,response,conc_unit1,conc_unit2\n");
    let mut tcsv = String::from(
        "block_id,cell_line,drug,ec50_nM,hill,emax_pct,synergy_strength,mean_excess_over_bliss\n",
    );
    let d1 = combination_doses(COMBINATION_DRUGS[0].1);
    let d2 = combination_doses(COMBINATION_DRUGS[1].1);
    for (b, line) in COMBINATION_LINES.iter().enumerate() {
        let t = combination_truth(line);
        let mut excess = 0.0;
        for &a in &d1[1..] {
            for &c in &d2[1..] {
                excess += t.excess(a, c);
            }
        }
        excess /= ((d1.len() - 1) * (d2.len() - 1)) as f64;
        for k in 0..2 {
            let _ = writeln!(
                tcsv,
                "{},{line},{},{},{},{},{},{excess:.4}",
                b + 1,
                COMBINATION_DRUGS[k].0,
                t.ec50[k],
                t.hill[k],
                t.emax[k],
                t.synergy
            );
        }
        for &a in &d1 {
            for &c in &d2 {
                for _ in 0..3 {
                    // Viability = 100 − inhibition, with 4 % well-to-well noise.
                    let v = 100.0 - t.response(a, c) + 4.0 * n01.sample(&mut rng);
                    let _ = writeln!(
                        csv,
                        "{},{line},{},{},{},{},{:.3},nM,nM",
                        b + 1,
                        COMBINATION_DRUGS[0].0,
                        COMBINATION_DRUGS[1].0,
                        fmt_dose(a),
                        fmt_dose(c),
                        v
                    );
                }
            }
        }
    }
    (csv, tcsv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_are_a_rounded_three_fold_series() {
        let d = doses(10_000.0);
        assert_eq!(d[0], 10_000.0);
        assert_eq!(d[1], 3333.0);
        assert_eq!(d[8], 1.524);
    }

    #[test]
    fn layout_has_every_well_once() {
        let l = layout_csv(0);
        assert_eq!(l.lines().count(), 97);
        assert!(l.contains("B02,sample,MI-503,10000,nM"));
        assert!(l.contains("A01,blank,,,"));
    }

    #[test]
    fn bundled_files_are_what_the_generator_writes() {
        // The committed example must be exactly reproducible.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
        for (name, contents) in generate() {
            let on_disk = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("examples/demo/{name}: {e}"));
            assert!(
                on_disk == contents,
                "examples/demo/{name} differs from the generator's output"
            );
        }
    }
}
