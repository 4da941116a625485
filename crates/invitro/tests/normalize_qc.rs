//! Layout validation, normalisation (hand-computed values), NCI-60 growth,
//! GR, Z′, outliers and edge effect on constructed plates.

use std::path::PathBuf;

use preclin_invitro::export::write_csv;
use preclin_invitro::layout::{Layout, LayoutError, PlateInfo, Role};
use preclin_invitro::normalize::{
    Flag, NormalizeError, NormalizeOptions, NormalizedWell, normalize,
};
use preclin_invitro::plate::{PlateFormat, Well};
use preclin_invitro::qc::{EdgeBasis, MinControl, QcOptions, plate_qc};
use preclin_invitro::reader::RawPlate;
use preclin_invitro::table::Table;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

fn w(s: &str) -> Well {
    s.parse().unwrap()
}

fn layout(text: &str) -> Layout {
    Layout::from_table(&Table::parse_text(text, "layout.csv").unwrap()).unwrap()
}

fn info(text: &str) -> PlateInfo {
    PlateInfo::from_table(&Table::parse_text(text, "info.csv").unwrap()).unwrap()
}

/// A 96-well plate with the given readings, every other well `None`.
fn plate(id: &str, readings: &[(&str, f64)]) -> RawPlate {
    let mut p = RawPlate::new(id, PlateFormat::Wells96, format!("{id}.csv"));
    for (well, v) in readings {
        let i = p.format.index(w(well)).unwrap();
        p.values[i] = Some(*v);
    }
    p
}

fn get<'a>(wells: &'a [NormalizedWell], plate: &str, well: &str) -> &'a NormalizedWell {
    wells
        .iter()
        .find(|x| x.plate == plate && x.well == w(well))
        .unwrap_or_else(|| panic!("no {plate} {well}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn layout_files_and_errors() {
    let l = Layout::read(data("layout.csv")).unwrap();
    assert_eq!(l.wells.len(), 7);
    assert_eq!(l.wells[1].role, Role::Blank); // "media"
    assert_eq!(l.wells[2].role, Role::Vehicle); // "DMSO"
    assert_eq!(l.wells[4].metadata["replicate"], "1");

    let e = Layout::read(data("layout_bad_role.csv")).unwrap_err();
    assert!(
        matches!(&e, LayoutError::UnknownRole { line: 3, value, .. } if value == "control"),
        "{e}"
    );
    // Semicolon file: decimal comma dose is accepted, the missing unit is not.
    let e = Layout::read(data("layout_no_unit.csv")).unwrap_err();
    assert!(matches!(e, LayoutError::MissingUnit { line: 3, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("line 3: well C01 has a dose but no unit"),
        "{e}"
    );
    let e = Layout::read(data("layout_dup.csv")).unwrap_err();
    assert!(
        matches!(&e, LayoutError::DuplicateWell { line: 4, first_line: 3, plate: Some(p), .. } if p == "P1"),
        "{e}"
    );
    let i = PlateInfo::read(data("plate_info.csv")).unwrap();
    assert!(i.get("T0").unwrap().time_zero);
    assert_eq!(i.get("P1").unwrap().metadata["experiment"], "EXP7");
}

/// Blank b = 11, vehicle C = 100, time zero Tz = 25 (so C/Tz = 4).
fn growth_experiment() -> (Vec<RawPlate>, Layout, PlateInfo) {
    let layout = layout(
        "plate,well,role,compound,dose,dose_unit,replicate\n\
         ,A1,blank,,,,\n\
         ,A2,blank,,,,\n\
         P1,B1,vehicle,DMSO,0,,\n\
         P1,B2,vehicle,DMSO,0,,\n\
         P1,B3,vehicle,DMSO,0,,\n\
         P1,C1,sample,cpd,100,nM,r1\n\
         P1,C2,sample,cpd,1,uM,r1\n\
         P1,C3,sample,cpd,10,uM,r1\n\
         P1,C4,sample,cpd,10,uM,r2\n\
         T0,B1,untreated,,,,\n\
         T0,B2,untreated,,,,\n\
         T0,B3,untreated,,,,\n\
         T0,B4,untreated,,,,\n",
    );
    let info = info(
        "plate,cell_line,time_zero,experiment\n\
         P1,MV4-11,no,E1\n\
         T0,MV4-11,yes,E1\n",
    );
    let p1 = plate(
        "P1",
        &[
            ("A01", 10.0),
            ("A02", 12.0),
            ("B01", 111.0),
            ("B02", 101.0),
            ("B03", 121.0),
            ("C01", 61.0),  // x' = 50
            ("C02", 21.0),  // x' = 10
            ("C03", 6.0),   // x' = -5
            ("H12", 999.0), // not in the layout: not output
        ],
    );
    let t0 = plate(
        "T0",
        &[
            ("A01", 9.0),
            ("A02", 13.0),
            ("B01", 31.0),
            ("B02", 41.0),
            ("B03", 36.0),
            ("B04", 36.0),
        ],
    );
    (vec![p1, t0], layout, info)
}

#[test]
fn normalisation_growth_and_gr_by_hand() {
    let (plates, layout, info) = growth_experiment();
    let n = normalize(&plates, &layout, Some(&info), &NormalizeOptions::default()).unwrap();
    // Time-zero plate is summarised but not output.
    assert!(n.wells.iter().all(|x| x.plate == "P1"));
    assert_eq!(n.wells.len(), 2 + 3 + 4);
    let s = &n.plates[0];
    assert!(close(s.blank_mean, 11.0));
    assert!(close(s.control_mean, 100.0));
    assert!(close(s.time_zero_value, 25.0));
    assert_eq!(s.time_zero_plates, vec!["T0".to_string()]);
    assert_eq!(s.cell_line.as_deref(), Some("MV4-11"));
    assert!(n.plates[1].time_zero);
    assert!(close(n.plates[1].time_zero_value, 25.0));

    // Ti = 50 >= Tz: growth = 100 (50-25)/(100-25); GR = 2^(log2 2 / log2 4) - 1 = √2 - 1.
    let c1 = get(&n.wells, "P1", "C01");
    assert!(close(c1.corrected, 50.0));
    assert!(close(c1.viability_pct, 50.0));
    assert!(close(c1.growth_pct, 100.0 * 25.0 / 75.0));
    assert!(close(c1.gr, 2f64.sqrt() - 1.0));
    assert_eq!(c1.dose_unit.map(|u| u.symbol()), Some("nM"));
    assert_eq!(c1.cell_line.as_deref(), Some("MV4-11"));
    assert_eq!(c1.metadata["experiment"], "E1");
    assert_eq!(c1.metadata["replicate"], "r1");
    assert!(c1.flags.is_empty(), "{:?}", c1.flags);

    // Ti = 10 < Tz: growth = 100 (10-25)/25 = -60; GR = √0.4 - 1.
    let c2 = get(&n.wells, "P1", "C02");
    assert!(close(c2.viability_pct, 10.0));
    assert!(close(c2.growth_pct, -60.0));
    assert!(close(c2.gr, 0.4f64.sqrt() - 1.0));

    // Below the blank: flagged, GR undefined, growth still defined.
    let c3 = get(&n.wells, "P1", "C03");
    assert!(close(c3.viability_pct, -5.0));
    assert!(close(c3.growth_pct, -120.0));
    assert_eq!(c3.gr, None);
    assert!(c3.has(Flag::NegativeAfterBlank));

    // Vehicle wells average 100 %.
    let v: f64 = ["B01", "B02", "B03"]
        .iter()
        .map(|x| get(&n.wells, "P1", x).viability_pct.unwrap())
        .sum::<f64>()
        / 3.0;
    assert!((v - 100.0).abs() < 1e-9);

    // Tidy CSV: empty cells for missing values, metadata columns appended.
    let mut out = Vec::new();
    write_csv(&n.wells, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("plate,well,edge,role,compound,cell_line,dose,dose_unit,raw,note,corrected,viability_pct,growth_pct,gr,flags"));
    assert!(header.ends_with(",experiment,replicate"));
    let c3_line = text.lines().find(|l| l.starts_with("P1,C03,")).unwrap();
    assert!(
        c3_line.contains(",-120,,negative_after_blank,"),
        "{c3_line}"
    );
}

#[test]
fn time_zero_matching_by_cell_line() {
    let layout = layout(
        "well,role,compound,dose,dose_unit\nA1,blank,,,\nB1,vehicle,,,\nB2,vehicle,,,\nC1,sample,x,1,uM\n",
    );
    let info = info("plate,cell_line,time_zero\nPA,A,\nPB,B,\nPC,C,\nTA,A,yes\nTB,B,yes\n");
    let mk = |id: &str| {
        plate(
            id,
            &[("A01", 0.0), ("B01", 100.0), ("B02", 100.0), ("C01", 60.0)],
        )
    };
    // On time-zero plates only the defined non-blank wells count: B01, B02, C01.
    let plates = vec![
        mk("PA"),
        mk("PB"),
        mk("PC"),
        plate(
            "TA",
            &[("A01", 0.0), ("B01", 20.0), ("B02", 20.0), ("C01", 20.0)],
        ),
        plate(
            "TB",
            &[("A01", 0.0), ("B01", 40.0), ("B02", 40.0), ("C01", 40.0)],
        ),
    ];
    let n = normalize(&plates, &layout, Some(&info), &NormalizeOptions::default()).unwrap();
    let by = |id: &str| n.plates.iter().find(|s| s.plate == id).unwrap();
    assert!(close(by("PA").time_zero_value, 20.0));
    assert!(close(by("PB").time_zero_value, 40.0));
    assert_eq!(by("PC").time_zero_value, None);
    // 100 (60 - 20)/(100 - 20) = 50; 100 (60 - 40)/(100 - 40) = 33.3.
    assert!(close(get(&n.wells, "PA", "C01").growth_pct, 50.0));
    assert!(close(
        get(&n.wells, "PB", "C01").growth_pct,
        100.0 * 20.0 / 60.0
    ));
    let pc = get(&n.wells, "PC", "C01");
    assert_eq!(pc.growth_pct, None);
    assert!(pc.has(Flag::NoTimeZero));
    assert!(close(pc.viability_pct, 60.0));
}

#[test]
fn no_blank_and_untreated_fallback_are_flagged() {
    let layout = layout("well,role\nB1,untreated\nB2,untreated\nC1,positive\n");
    let p = plate("P", &[("B01", 80.0), ("B02", 120.0), ("C01", 25.0)]);
    let n = normalize(&[p], &layout, None, &NormalizeOptions::default()).unwrap();
    let c = get(&n.wells, "P", "C01");
    assert!(close(c.corrected, 25.0));
    assert!(close(c.viability_pct, 25.0));
    assert!(c.has(Flag::NoBlank));
    assert!(c.has(Flag::ControlUntreated));
    assert_eq!(c.growth_pct, None);
    assert!(!c.has(Flag::NoTimeZero)); // no time-zero plates at all
    assert!(n.plates[0].warnings.iter().any(|w| w.contains("no blank")));
}

#[test]
fn normalize_errors() {
    let l = layout("plate,well,role\nP1,A1,blank\n");
    let e = normalize(&[plate("P2", &[])], &l, None, &NormalizeOptions::default()).unwrap_err();
    assert!(matches!(e, NormalizeError::NoLayout { .. }), "{e}");
    let e = normalize(
        &[plate("P1", &[]), plate("P1", &[])],
        &l,
        None,
        &NormalizeOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, NormalizeError::DuplicatePlate { .. }), "{e}");
    let l = layout("well,role\nP24,blank\n");
    let e = normalize(&[plate("P1", &[])], &l, None, &NormalizeOptions::default()).unwrap_err();
    assert!(
        matches!(e, NormalizeError::WellOffPlate { line: 2, .. }),
        "{e}"
    );
}

#[test]
fn overflow_wells_are_kept_and_flagged() {
    let text = "well,role\nA1,blank\nA2,blank\nB1,vehicle\nB2,vehicle\n";
    let mut p = plate("P", &[("A01", 1.0), ("A02", 1.0), ("B01", 101.0)]);
    let i = p.format.index(w("B02")).unwrap();
    p.notes[i] = Some(preclin_invitro::reader::WellNote {
        kind: preclin_invitro::reader::NoteKind::Overflow,
        text: "OVER".into(),
    });
    let n = normalize(&[p], &layout(text), None, &NormalizeOptions::default()).unwrap();
    let b2 = get(&n.wells, "P", "B02");
    assert_eq!(b2.raw, None);
    assert_eq!(b2.viability_pct, None);
    assert_eq!(b2.note.as_deref(), Some("OVER"));
    assert!(b2.has(Flag::Overflow));
    assert!(close(get(&n.wells, "P", "B01").viability_pct, 100.0));
}

/// Layout of a QC plate: vehicle in columns 1–11 except the listed wells.
fn qc_layout(extra: &str) -> Layout {
    let mut s = String::from("well,role,compound,dose,dose_unit\n");
    s.push_str(extra);
    layout(&s)
}

#[test]
fn z_prime_on_constructed_plate() {
    // Vehicle 90/100/110 (mean 100, SD 10); positive 5/10/15 (mean 10, SD 5);
    // blanks 0/1/2. Z' = 1 - 3 (10 + 5)/90 = 0.5.
    let l = qc_layout(
        "B2,vehicle,,,\nB3,vehicle,,,\nB4,vehicle,,,\nC2,positive,stauro,1,uM\nC3,positive,stauro,1,uM\nC4,positive,stauro,1,uM\nD2,blank,,,\nD3,blank,,,\nD4,blank,,,\n",
    );
    let p = plate(
        "Z",
        &[
            ("B02", 90.0),
            ("B03", 100.0),
            ("B04", 110.0),
            ("C02", 5.0),
            ("C03", 10.0),
            ("C04", 15.0),
            ("D02", 0.0),
            ("D03", 1.0),
            ("D04", 2.0),
        ],
    );
    let n = normalize(
        std::slice::from_ref(&p),
        &l,
        None,
        &NormalizeOptions::default(),
    )
    .unwrap();
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert!(close(q.z_prime, 1.0 - 3.0 * 15.0 / 90.0));
    assert_eq!(q.z_prime_min_control, Some(MinControl::Positive));
    assert!(q.pass); // Z' = 0.5 ≥ 0.5
    assert!(close(q.cv_vehicle_pct, 10.0));
    assert!(close(q.cv_blank_pct, 100.0));
    let strict = QcOptions {
        min_z_prime: 0.6,
        ..Default::default()
    };
    assert!(!plate_qc(&n.wells, &strict)[0].pass);

    // Without positive controls the blanks are the minimum: mean 1, SD 1.
    let l = qc_layout(
        "B2,vehicle,,,\nB3,vehicle,,,\nB4,vehicle,,,\nD2,blank,,,\nD3,blank,,,\nD4,blank,,,\n",
    );
    let n = normalize(&[p], &l, None, &NormalizeOptions::default()).unwrap();
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert!(close(q.z_prime, 1.0 - 3.0 * 11.0 / 99.0));
    assert_eq!(q.z_prime_min_control, Some(MinControl::Blank));
    assert!(
        q.warnings
            .iter()
            .any(|w| w.contains("blank wells as the minimum-signal control"))
    );
}

#[test]
fn outliers_are_flagged_not_dropped() {
    let l = qc_layout(
        "A1,blank,,,\nA2,blank,,,\nB1,vehicle,,,\nB2,vehicle,,,\nB3,vehicle,,,\nC1,sample,cpd,1,uM\nC2,sample,cpd,1,uM\nC3,sample,cpd,1,uM\nC4,sample,cpd,1,uM\nC5,sample,cpd,1,uM\nD1,sample,cpd,2,uM\nD2,sample,cpd,2,uM\n",
    );
    let p = plate(
        "O",
        &[
            ("A01", 0.0),
            ("A02", 0.0),
            ("B01", 100.0),
            ("B02", 100.0),
            ("B03", 100.0),
            ("C01", 50.0),
            ("C02", 52.0),
            ("C03", 48.0),
            ("C04", 51.0),
            ("C05", 90.0),
            ("D01", 10.0),
            ("D02", 90.0), // group of 2: never examined
        ],
    );
    let n = normalize(&[p], &l, None, &NormalizeOptions::default()).unwrap();
    let c5 = get(&n.wells, "O", "C05");
    assert!(c5.has(Flag::Outlier));
    assert!(close(c5.viability_pct, 90.0)); // kept with its value
    let flagged: Vec<String> = n
        .wells
        .iter()
        .filter(|x| x.has(Flag::Outlier))
        .map(|x| x.well.to_string())
        .collect();
    assert_eq!(flagged, vec!["C05"]);
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert_eq!(q.n_outliers, 1);
    assert_eq!(q.outlier_wells, vec![w("C05")]);
}

/// Every well vehicle except 3 blanks and 3 positives inside; edge wells
/// read `edge_factor` × the inner level. Small symmetric noise.
fn edge_plate(edge_factor: f64) -> (RawPlate, Layout) {
    let f = PlateFormat::Wells96;
    let special = |x: Well| -> Option<&str> {
        match x.to_string().as_str() {
            "D05" | "D06" | "D07" => Some("blank"),
            "E05" | "E06" | "E07" => Some("positive"),
            _ => None,
        }
    };
    let mut text = String::from("well,role,compound,dose,dose_unit\n");
    let mut p = RawPlate::new("E", f, "edge.csv");
    for (i, x) in f.wells().enumerate() {
        let noise = [-2.0, -1.0, 0.0, 1.0, 2.0][(x.row as usize + x.col as usize) % 5];
        match special(x) {
            Some("blank") => {
                text.push_str(&format!("{x},blank,,,\n"));
                p.values[i] = Some(5.0 + noise * 0.1);
            }
            Some(_) => {
                text.push_str(&format!("{x},positive,stauro,1,uM\n"));
                p.values[i] = Some(15.0 + noise * 0.1);
            }
            None => {
                text.push_str(&format!("{x},vehicle,,,\n"));
                let level = if x.is_edge(f) {
                    1000.0 * edge_factor
                } else {
                    1000.0
                };
                p.values[i] = Some(level + 5.0 + noise * 10.0);
            }
        }
    }
    (p, layout(&text))
}

#[test]
fn edge_effect_detected_on_20_percent_drop() {
    let (p, l) = edge_plate(0.8);
    let n = normalize(&[p], &l, None, &NormalizeOptions::default()).unwrap();
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert_eq!(q.edge_basis, Some(EdgeBasis::Vehicle));
    let r = q.edge_ratio.unwrap();
    assert!((r - 0.8).abs() < 0.01, "ratio {r}");
    assert!(q.edge_flag);
    assert!(q.edge_p_value.unwrap() < 1e-6);
    assert!(
        q.warnings
            .iter()
            .any(|w| w.starts_with("edge effect: edge/inner = 0.8")),
        "{:?}",
        q.warnings
    );
    assert!(q.pass); // edge is a warning unless fail_on_edge
    let strict = QcOptions {
        fail_on_edge: true,
        ..Default::default()
    };
    assert!(!plate_qc(&n.wells, &strict)[0].pass);

    let (p, l) = edge_plate(1.0);
    let n = normalize(&[p], &l, None, &NormalizeOptions::default()).unwrap();
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert!((q.edge_ratio.unwrap() - 1.0).abs() < 0.01);
    assert!(!q.edge_flag, "{q:?}");
    assert!(q.z_prime.unwrap() > 0.9);
}

#[test]
fn edge_effect_from_same_dose_samples() {
    // Vehicles only inside (column 6, rows B–G); a dose series across columns with rows
    // A and H (edge) reading 80 % of rows B–G; columns 1 and 12 unused.
    let mut text = String::from("well,role,compound,dose,dose_unit\n");
    let mut p = RawPlate::new("S", PlateFormat::Wells96, "s.csv");
    let f = PlateFormat::Wells96;
    for x in f.wells() {
        let i = f.index(x).unwrap();
        let c = x.col_number();
        if c == 6 && (1..=6).contains(&x.row) {
            text.push_str(&format!("{x},vehicle,,,\n"));
            p.values[i] = Some(1000.0 + x.row as f64);
        } else if (2..=11).contains(&c) && c != 6 {
            text.push_str(&format!("{x},sample,cpd,{c},nM\n"));
            let base = 1000.0 - 20.0 * c as f64;
            let v = if x.row == 0 || x.row == 7 {
                0.8 * base
            } else {
                base
            };
            p.values[i] = Some(v + x.row as f64 * 0.5);
        }
    }
    let n = normalize(&[p], &layout(&text), None, &NormalizeOptions::default()).unwrap();
    let q = &plate_qc(&n.wells, &QcOptions::default())[0];
    assert_eq!(q.edge_basis, Some(EdgeBasis::SampleSameDose));
    assert!((q.edge_ratio.unwrap() - 0.8).abs() < 0.01, "{q:?}");
    assert!(q.edge_flag);
}

#[test]
fn gr_from_doubling_time_without_a_time_zero_plate() {
    // Blank 0.1, vehicle 1.7 (C = 1.6), 72 h assay, doubling time 24 h:
    // three doublings, so Tz = 1.6 / 8 = 0.2. A sample reading 0.5 (x′ = 0.4)
    // has GR = 2^(log2(0.4/0.2)/log2(1.6/0.2)) − 1 = 2^(1/3) − 1 and NCI
    // growth 100·(0.4 − 0.2)/(1.6 − 0.2).
    let l =
        layout("well,role,compound,dose,dose_unit\nA1,blank,,,\nA2,vehicle,,,\nA3,sample,X,1,uM\n");
    let i = info("plate,cell_line,assay_time_h,doubling_time_h\nP1,K562,72,24\n");
    let p = plate("P1", &[("A1", 0.1), ("A2", 1.7), ("A3", 0.5)]);
    let n = normalize(&[p], &l, Some(&i), &NormalizeOptions::default()).unwrap();
    let s = get(&n.wells, "P1", "A3");
    assert!(close(s.gr, 2f64.powf(1.0 / 3.0) - 1.0), "{:?}", s.gr);
    assert!(close(s.growth_pct, 100.0 * 0.2 / 1.4), "{:?}", s.growth_pct);
    assert!(s.flags.contains(&Flag::TimeZeroFromDoublingTime));
    // Without the columns there is no GR and no flag.
    let i = info("plate,cell_line\nP1,K562\n");
    let p = plate("P1", &[("A1", 0.1), ("A2", 1.7), ("A3", 0.5)]);
    let n = normalize(&[p], &l, Some(&i), &NormalizeOptions::default()).unwrap();
    let s = get(&n.wells, "P1", "A3");
    assert_eq!(s.gr, None);
    assert!(!s.flags.contains(&Flag::TimeZeroFromDoublingTime));
}
