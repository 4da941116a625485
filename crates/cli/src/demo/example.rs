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
use rand::{RngExt, SeedableRng};
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
    let (qpcr, qpcr_truth) = qpcr_files();
    files.insert("qpcr.csv".into(), qpcr);
    files.insert("qpcr_truth.csv".into(), qpcr_truth);
    let (cfu, cfu_truth) = cfu_files();
    files.insert("cfu.csv".into(), cfu);
    files.insert("cfu_truth.csv".into(), cfu_truth);
    for (name, contents) in invivo_files()
        .into_iter()
        .chain(super::invivo_synergy_example::files())
    {
        files.insert(name, contents);
    }
    files.into_iter().collect()
}

/// Mice per group of the demo survival study.
pub const SURVIVAL_MICE: usize = 10;

/// Mice per group of the demo PDX engraftment study.
pub const ENGRAFTMENT_MICE: usize = 8;

/// The in vivo example files, from `preclin_invivo::simulate` with its demo
/// seeds: the MV4;11 xenograft calipers (`xenograft.csv`, with body weight
/// and the humane endpoints in its `exit` column, also listed in
/// `xenograft_endpoints.csv`), the MLL-AF9
/// survival table (`survival.csv`), the PDX engraftment table
/// (`engraftment.csv`), each with its truth as JSON.
fn invivo_files() -> Vec<(String, String)> {
    use preclin_invivo::simulate::{
        ENGRAFTMENT_SEED, SURVIVAL_SEED, XENOGRAFT_SEED, caliper_csv_with_exits, engraftment_csv,
        engraftment_study, humane_endpoints_csv, survival_csv, survival_study, xenograft_study,
    };
    let x = xenograft_study(XENOGRAFT_SEED);
    let s = survival_study(SURVIVAL_SEED, SURVIVAL_MICE);
    let e = engraftment_study(ENGRAFTMENT_SEED, ENGRAFTMENT_MICE);
    vec![
        (
            "xenograft.csv".into(),
            caliper_csv_with_exits(&x.rows, &x.humane_endpoints),
        ),
        (
            "xenograft_endpoints.csv".into(),
            humane_endpoints_csv(&x.humane_endpoints),
        ),
        ("xenograft_truth.json".into(), pretty_json(&x.truth)),
        ("survival.csv".into(), survival_csv(&s.rows)),
        ("survival_truth.json".into(), pretty_json(&s.truth)),
        ("engraftment.csv".into(), engraftment_csv(&e.rows)),
        ("engraftment_truth.json".into(), pretty_json(&e.truth)),
    ]
}

/// Pretty JSON of a truth struct (serde_json, keys in declaration order),
/// with a final newline.
fn pretty_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("truth structs serialise") + "\n"
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

/// Seed of the qRT-PCR example (its own stream).
pub const QPCR_SEED: u64 = SEED + 2;

/// Seed of the colony-forming example (its own stream).
pub const CFU_SEED: u64 = SEED + 3;

/// Treatment groups of the mechanism assays (qRT-PCR, colonies): (group,
/// MI-503 concentration in nM); the first is the vehicle (control).
pub const MECHANISM_GROUPS: [(&str, f64); 3] = [
    ("DMSO", 0.0),
    ("MI-503_250nM", 250.0),
    ("MI-503_1000nM", 1000.0),
];

/// A gene of the qRT-PCR example: its Ct in vehicle-treated MV4-11 (mean
/// over samples), the SD of its biological (sample-to-sample) variation in
/// cycles, and whether it is a reference gene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QpcrGene {
    /// Gene symbol.
    pub gene: &'static str,
    /// Mean Ct under vehicle (cycles).
    pub ct_vehicle: f64,
    /// Biological SD of the gene's own expression (cycles).
    pub biological_sd: f64,
    /// Reference (housekeeping) gene.
    pub reference: bool,
}

/// Genes of the qRT-PCR example: targets first, then the two reference
/// genes (analysed together: ΔCt against the mean of their Cts).
pub const QPCR_GENES: [QpcrGene; 4] = [
    QpcrGene {
        gene: "HOXA9",
        ct_vehicle: 24.2,
        biological_sd: 0.25,
        reference: false,
    },
    QpcrGene {
        gene: "MEIS1",
        ct_vehicle: 25.8,
        biological_sd: 0.25,
        reference: false,
    },
    QpcrGene {
        gene: "ACTB",
        ct_vehicle: 18.6,
        biological_sd: 0.1,
        reference: true,
    },
    QpcrGene {
        gene: "GAPDH",
        ct_vehicle: 19.5,
        biological_sd: 0.1,
        reference: true,
    },
];

/// SD of a sample's RNA / cDNA input (cycles, shared by every gene of the
/// sample, so it cancels in ΔCt).
pub const QPCR_INPUT_SD: f64 = 0.35;

/// SD of a well around its sample's Ct (technical replicates, cycles).
pub const QPCR_TECHNICAL_SD: f64 = 0.15;

/// Biological replicates per group and technical replicates per sample × gene.
pub const QPCR_REPLICATES: (usize, usize) = (3, 3);

/// True fold change 2^−ΔΔCt of a gene in a group against DMSO (1 for the
/// reference genes and the vehicle). Illustrative values in line with the
/// seeds (MI-2: > 80 % decrease of HOXA9 / MEIS1; VTP50469: > 2-fold decrease
/// of MEIS1): a partial decrease at 250 nM and more than 80 % at 1 µM.
pub fn qpcr_truth_fold(gene: &str, group: &str) -> f64 {
    match (gene, group) {
        ("HOXA9", "MI-503_250nM") => 0.45,
        ("HOXA9", "MI-503_1000nM") => 0.14,
        ("MEIS1", "MI-503_250nM") => 0.35,
        ("MEIS1", "MI-503_1000nM") => 0.10,
        _ => 1.0,
    }
}

/// Name of a biological replicate of the qRT-PCR example.
pub fn qpcr_sample(group: &str, rep: usize) -> String {
    format!("{group}_r{rep}")
}

/// `qpcr.csv` (tidy Cq table: sample, group, gene, ct, replicate) and
/// `qpcr_truth.csv`. MV4-11 treated 6 days with DMSO or MI-503; per sample
/// an input offset N(0, 0.35) common to all its genes, per sample × gene a
/// biological deviation N(0, sd of the gene), per well N(0, 0.15); Ct
/// printed with 3 decimals as instruments do.
fn qpcr_files() -> (String, String) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(QPCR_SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let mut csv = String::from("sample,group,gene,ct,replicate\n");
    let mut tcsv = String::from(
        "gene,role,group,ct_vehicle,delta_delta_ct,fold_change,percent_decrease,biological_sd,technical_sd,input_sd\n",
    );
    for g in QPCR_GENES {
        for (group, _) in MECHANISM_GROUPS {
            let fold = qpcr_truth_fold(g.gene, group);
            let _ = writeln!(
                tcsv,
                "{},{},{group},{},{:.4},{fold},{:.1},{},{QPCR_TECHNICAL_SD},{QPCR_INPUT_SD}",
                g.gene,
                if g.reference { "reference" } else { "target" },
                g.ct_vehicle,
                -fold.log2() + 0.0,
                100.0 * (1.0 - fold) + 0.0,
                g.biological_sd
            );
        }
    }
    let (n_bio, n_tech) = QPCR_REPLICATES;
    for (group, _) in MECHANISM_GROUPS {
        for rep in 1..=n_bio {
            let sample = qpcr_sample(group, rep);
            let input = QPCR_INPUT_SD * n01.sample(&mut rng);
            for g in QPCR_GENES {
                let ct = g.ct_vehicle - qpcr_truth_fold(g.gene, group).log2()
                    + input
                    + g.biological_sd * n01.sample(&mut rng);
                for tech in 1..=n_tech {
                    let well = ct + QPCR_TECHNICAL_SD * n01.sample(&mut rng);
                    let _ = writeln!(csv, "{sample},{group},{},{well:.3},{tech}", g.gene);
                }
            }
        }
    }
    (csv, tcsv)
}

/// Cells plated per dish in the colony example.
pub const CFU_CELLS_PLATED: f64 = 1000.0;

/// Expected colonies per dish under vehicle (15 % plating efficiency).
pub const CFU_VEHICLE_COLONIES: f64 = 150.0;

/// Between-sample variation of the colony rate (SD of its natural log).
pub const CFU_SAMPLE_SD: f64 = 0.12;

/// Dish-to-dish variation of the rate on top of Poisson counting (SD of
/// its natural log).
pub const CFU_DISH_SD: f64 = 0.10;

/// Samples per group and dishes per sample in the colony example.
pub const CFU_REPLICATES: (usize, usize) = (3, 2);

/// True colonies in % of vehicle for a group (illustrative).
pub fn cfu_truth_percent(group: &str) -> f64 {
    match group {
        "MI-503_250nM" => 55.0,
        "MI-503_1000nM" => 18.0,
        _ => 100.0,
    }
}

/// A Poisson draw by inversion (exact, deterministic; λ < 700).
fn poisson(lambda: f64, rng: &mut Xoshiro256PlusPlus) -> u64 {
    assert!((0.0..700.0).contains(&lambda), "poisson: lambda {lambda}");
    let u: f64 = rng.random();
    let (mut k, mut p) = (0u64, (-lambda).exp());
    let mut cdf = p;
    while u > cdf && p > 0.0 {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
    }
    k
}

/// `cfu.csv` (sample, group, dish, colonies, cells_plated) and
/// `cfu_truth.csv`: MLL-AF9 leukemia cells in methylcellulose with DMSO or
/// MI-503; per sample × group a rate `vehicle × % / 100 × exp(σ_s·z −
/// σ_s²/2)`, per dish `× exp(σ_d·z − σ_d²/2)`, colonies Poisson around it
/// (mean-preserving log-normal factors: over-dispersed counts whose
/// expectation is the truth).
fn cfu_files() -> (String, String) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(CFU_SEED);
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    let mut csv = String::from("sample,group,dish,colonies,cells_plated\n");
    let mut tcsv = String::from(
        "group,mi503_nM,percent_of_vehicle,expected_colonies_per_dish,cells_plated,sample_log_sd,dish_log_sd\n",
    );
    let (n_samples, n_dishes) = CFU_REPLICATES;
    for (group, dose) in MECHANISM_GROUPS {
        let pct = cfu_truth_percent(group);
        let mu = CFU_VEHICLE_COLONIES * pct / 100.0;
        let _ = writeln!(
            tcsv,
            "{group},{dose},{pct},{mu},{CFU_CELLS_PLATED},{CFU_SAMPLE_SD},{CFU_DISH_SD}"
        );
        for s in 1..=n_samples {
            let rate =
                mu * (CFU_SAMPLE_SD * n01.sample(&mut rng) - CFU_SAMPLE_SD.powi(2) / 2.0).exp();
            for d in 1..=n_dishes {
                let lambda =
                    rate * (CFU_DISH_SD * n01.sample(&mut rng) - CFU_DISH_SD.powi(2) / 2.0).exp();
                let k = poisson(lambda, &mut rng);
                let _ = writeln!(csv, "exp{s},{group},{d},{k},{CFU_CELLS_PLATED}");
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
