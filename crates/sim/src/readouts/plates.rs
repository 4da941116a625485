//! Viability plates (MTT / CellTiter-Glo) in the plate-reader matrix export
//! format that `preclin viability` reads, with the plate map, plate
//! information and time-zero plates.
//!
//! Layout (96 wells, as the bundled example): column 1 blank (medium
//! only); columns 2–10 nine 3-fold doses, highest in column 2, rows A–C
//! compound 1 and D–F compound 2; rows G–H vehicle; column 11 the positive
//! control (staurosporine 1 µM); column 12 vehicle.
//!
//! Expected background-free signal of a well with cells:
//! `s = S_veh,e · V(c·10^{δ_e}, T)/100 · (1 + edge)`, with `S_veh,e` the
//! line's `vehicle_signal` × (1 + 0.05 z_e) for experiment e, `V` the
//! model's viable cells in % of vehicle at the read time T
//! ([`crate::culture::Culture::viability_pct`]), `δ_e ~ N(0, 0.08)` the
//! experiment's potency shift (log10, per compound) and `edge` = 0.03 on
//! the outer wells (evaporation; assumption). Time-zero plates read the
//! seeded cells: `S_veh,e · N(0)/N_veh(T)`. The reader adds its noise
//! ([`preclin_invitro::simulate::read_plate`]): MTT absorbance or
//! CellTiter-Glo luminescence ([`PlateReadout`]).

use std::fmt::Write as _;

use preclin_invitro::plate::{PlateFormat, Well};
use preclin_invitro::simulate::{PlateExport, ReaderNoise, read_plate, write_matrix_export};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Files, cell, fmt_dose, three_fold};
use crate::SimError;
use crate::calibration::GI50_SEARCH_MAX;
use crate::culture::Culture;
use crate::params::Params;

/// Extra signal of outer wells (evaporation), fraction.
pub const EDGE_EFFECT: f64 = 0.03;

/// Between-experiment SD of the vehicle signal (fraction).
pub const VEHICLE_SD: f64 = 0.05;

/// Between-experiment SD of potency (log10 units).
pub const POTENCY_SD_LOG10: f64 = 0.08;

/// Positive-control compound and its concentration (nM).
pub const POSITIVE_CONTROL: (&str, f64) = ("staurosporine", 1000.0);

/// What the plate reader measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateReadout {
    /// MTT absorbance at 570 nm: the line's `vehicle_signal` (absorbance
    /// units above blank), reader blank 0.065, CV 4 %, SD 0.004.
    Mtt,
    /// CellTiter-Glo luminescence: `vehicle_signal` × [`CTG_RLU_PER_UNIT`]
    /// RLU, reader blank 150 RLU, CV 5 %, SD 40 RLU (assumption: typical
    /// ATP-luminescence plates, background ~0.1–1 % of vehicle wells).
    CellTiterGlo,
}

/// RLU of CellTiter-Glo per unit of the line's `vehicle_signal`.
pub const CTG_RLU_PER_UNIT: f64 = 100_000.0;

impl PlateReadout {
    fn scale(self) -> f64 {
        match self {
            PlateReadout::Mtt => 1.0,
            PlateReadout::CellTiterGlo => CTG_RLU_PER_UNIT,
        }
    }

    fn noise(self) -> ReaderNoise {
        match self {
            PlateReadout::Mtt => ReaderNoise::default(),
            PlateReadout::CellTiterGlo => ReaderNoise {
                blank: 150.0,
                cv: 0.05,
                sd: 40.0,
            },
        }
    }

    fn read_label(self) -> &'static str {
        match self {
            PlateReadout::Mtt => "Absorbance 570 nm",
            PlateReadout::CellTiterGlo => "Luminescence (CellTiter-Glo)",
        }
    }
}

/// One plate assay: compounds × cell lines × experiments read at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateAssay {
    /// Assay id used in file names (`7d`, `72h`).
    pub id: String,
    /// Read-out description (`7-day MTT`).
    pub label: String,
    /// Read time (hours after dosing).
    pub hours: f64,
    /// Two compounds with their top dose (nM).
    pub compounds: [(String, f64); 2],
    /// Cell lines (names or aliases in the parameter file).
    pub lines: Vec<String>,
    /// Independent experiments (plates per line).
    pub experiments: usize,
    /// Write time-zero plates.
    pub time_zero: bool,
    /// What the reader measures.
    pub readout: PlateReadout,
}

/// Role of a well: (role, Some((compound index, dose index)) for samples).
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

fn is_edge(w: Well) -> bool {
    w.row == 0 || w.row == 7 || w.col == 0 || w.col == 11
}

/// The layout CSV of an assay.
pub fn layout_csv(assay: &PlateAssay) -> String {
    let mut s = String::from("well,role,compound,dose,dose_unit\n");
    for w in PlateFormat::Wells96.wells() {
        match well_role(w) {
            ("sample", Some((ci, di))) => {
                let (name, top) = &assay.compounds[ci];
                let d = three_fold(*top, 9)[di];
                let _ = writeln!(s, "{w},sample,{name},{},nM", fmt_dose(d));
            }
            ("positive", _) => {
                let _ = writeln!(
                    s,
                    "{w},positive,{},{},nM",
                    POSITIVE_CONTROL.0,
                    fmt_dose(POSITIVE_CONTROL.1)
                );
            }
            (role, _) => {
                let _ = writeln!(s, "{w},{role},,,");
            }
        }
    }
    s
}

/// Writes the assay's files into `files` from the stream seeded by `seed`.
pub fn write(
    params: &Params,
    assay: &PlateAssay,
    seed: u64,
    files: &mut Files,
) -> Result<(), SimError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n01: Normal<f64> = Normal::new(0.0, 1.0).map_err(|e| SimError::Writer(e.to_string()))?;
    let noise = assay.readout.noise();
    let scale = assay.readout.scale();
    let id = &assay.id;
    files.insert(format!("layout_{id}.csv"), layout_csv(assay).into_bytes());
    let mut info = String::from("plate,cell_line,experiment,assay,time_zero\n");
    let mut truth = String::from(
        "compound,cell_line,assay,hours,gi50_nM,viability_at_top_pct,vehicle_signal,doubling_time_h,edge_effect\n",
    );
    let names = [assay.compounds[0].0.as_str(), assay.compounds[1].0.as_str()];
    for line_name in &assay.lines {
        let cultures = [
            Culture::new(params, line_name, &[names[0]])?,
            Culture::new(params, line_name, &[names[1]])?,
        ];
        let positive = Culture::new(params, line_name, &[POSITIVE_CONTROL.0])?;
        let line = cultures[0].line().clone();
        let fname = line.file_name();
        for (k, c) in cultures.iter().enumerate() {
            let top = assay.compounds[k].1;
            let _ = writeln!(
                truth,
                "{},{fname},{id},{},{},{},{},{},{EDGE_EFFECT}",
                names[k],
                assay.hours,
                cell(c.gi50(assay.hours, GI50_SEARCH_MAX).map(|x| x * 1e9)),
                cell(Some(c.viability_pct(&[top * 1e-9], assay.hours))),
                line.vehicle_signal,
                line.doubling_time_h
            );
        }
        let pos_pct = positive.viability_pct(&[POSITIVE_CONTROL.1 * 1e-9], assay.hours);
        let t0_ratio =
            cultures[0].seeded().viable() / cultures[0].run(&[0.0], assay.hours).viable();
        let mut treated = Vec::new();
        let mut t0 = Vec::new();
        for exp in 1..=assay.experiments {
            let vehicle = scale * line.vehicle_signal * (1.0 + VEHICLE_SD * n01.sample(&mut rng));
            let shift = [
                10f64.powf(POTENCY_SD_LOG10 * n01.sample(&mut rng)),
                10f64.powf(POTENCY_SD_LOG10 * n01.sample(&mut rng)),
            ];
            let expected: Vec<Option<f64>> = PlateFormat::Wells96
                .wells()
                .map(|w| {
                    let edge = if is_edge(w) { 1.0 + EDGE_EFFECT } else { 1.0 };
                    let pct = match well_role(w) {
                        ("blank", _) => return Some(0.0),
                        ("positive", _) => pos_pct,
                        ("sample", Some((ci, di))) => {
                            let d = three_fold(assay.compounds[ci].1, 9)[di];
                            cultures[ci].viability_pct(&[d * 1e-9 * shift[ci]], assay.hours)
                        }
                        _ => 100.0,
                    };
                    Some(vehicle * pct / 100.0 * edge)
                })
                .collect();
            let pid = format!("{fname}_{id}_e{exp}");
            let _ = writeln!(info, "{pid},{fname},exp{exp},{id},no");
            treated.push(PlateExport {
                id: pid,
                format: PlateFormat::Wells96,
                values: read_plate(&expected, &noise, &mut rng),
            });
            if assay.time_zero {
                let exp_t0: Vec<Option<f64>> = PlateFormat::Wells96
                    .wells()
                    .map(|w| match well_role(w) {
                        ("blank", _) => Some(0.0),
                        _ => Some(vehicle * t0_ratio),
                    })
                    .collect();
                let tid = format!("{fname}_{id}_e{exp}_t0");
                let _ = writeln!(info, "{tid},{fname},exp{exp},{id},yes");
                t0.push(PlateExport {
                    id: tid,
                    format: PlateFormat::Wells96,
                    values: read_plate(&exp_t0, &noise, &mut rng),
                });
            }
        }
        let header = vec![
            "preclin virtual lab plate reader (simulated data: preclin simulate)".to_string(),
            format!(
                "Assay: {}; Read: {}; Cell line: {fname}",
                assay.label,
                assay.readout.read_label()
            ),
        ];
        let mut buf = Vec::new();
        write_matrix_export(&header, &treated, &mut buf)
            .map_err(|e| SimError::Writer(e.to_string()))?;
        files.insert(format!("plates_{id}_{fname}.csv"), buf);
        if assay.time_zero {
            let mut buf = Vec::new();
            write_matrix_export(&header, &t0, &mut buf)
                .map_err(|e| SimError::Writer(e.to_string()))?;
            files.insert(format!("t0_{id}_{fname}.csv"), buf);
        }
    }
    files.insert(format!("plate_info_{id}.csv"), info.into_bytes());
    files.insert(format!("viability_truth_{id}.csv"), truth.into_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assay() -> PlateAssay {
        PlateAssay {
            id: "7d".into(),
            label: "7-day MTT".into(),
            hours: 168.0,
            compounds: [("MI-503".into(), 10_000.0), ("revumenib".into(), 1000.0)],
            lines: vec!["MV4-11".into(), "HEK293".into()],
            experiments: 2,
            time_zero: true,
            readout: PlateReadout::Mtt,
        }
    }

    #[test]
    fn plates_read_back_and_vehicle_wells_match_the_signal() {
        let p = Params::bundled();
        let mut f = Files::new();
        write(&p, &assay(), 5, &mut f).unwrap();
        let text = String::from_utf8(f["plates_7d_MV4-11.csv"].clone()).unwrap();
        let plates = preclin_invitro::reader::parse_matrix(&text, "x.csv", "x").unwrap();
        assert_eq!(plates.len(), 2);
        // Vehicle wells G2–G10 (inner): blank 0.065 + ~1.10.
        let g: Vec<f64> = (1..10)
            .map(|c| plates[0].values[6 * 12 + c].unwrap())
            .collect();
        let m = g.iter().sum::<f64>() / g.len() as f64;
        assert!((m - 1.165).abs() < 0.15, "{m}");
        // Top MI-503 dose (B02) far below vehicle in MV4-11.
        assert!(plates[0].values[12 + 1].unwrap() < 0.5 * m);
        assert!(f.contains_key("t0_7d_HEK293.csv"));
        let truth = String::from_utf8(f["viability_truth_7d.csv"].clone()).unwrap();
        assert!(truth.contains("MI-503,MV4-11,7d,168,"), "{truth}");
        let layout = String::from_utf8(f["layout_7d.csv"].clone()).unwrap();
        assert!(layout.contains("B02,sample,MI-503,10000,nM"));
        assert!(layout.contains("A11,positive,staurosporine,1000,nM"));
    }

    #[test]
    fn celltiter_glo_reads_luminescence() {
        let p = Params::bundled();
        let mut a = assay();
        a.readout = PlateReadout::CellTiterGlo;
        a.lines = vec!["SEM".into()];
        let mut f = Files::new();
        write(&p, &a, 5, &mut f).unwrap();
        let text = String::from_utf8(f["plates_7d_SEM.csv"].clone()).unwrap();
        assert!(text.contains("Read: Luminescence (CellTiter-Glo)"));
        let plates = preclin_invitro::reader::parse_matrix(&text, "x.csv", "x").unwrap();
        let blank = plates[0].values[0].unwrap();
        let vehicle = plates[0].values[6 * 12 + 5].unwrap();
        assert!((50.0..400.0).contains(&blank), "{blank}");
        assert!((vehicle / 105_150.0 - 1.0).abs() < 0.3, "{vehicle}");
    }
}
