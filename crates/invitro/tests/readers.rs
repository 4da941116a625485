//! Importer conformance: matrix exports (CSV, `;` + decimal comma, TSV 384,
//! XLSX), tidy long readings, malformed files, tidy tables from XLSX.

use std::path::PathBuf;

use preclin_invitro::plate::{PlateFormat, Well};
use preclin_invitro::reader::{
    self, NoteKind, ReaderError, ReaderOptions, SheetChoice, read_long, read_matrix,
    read_matrix_with, read_plates,
};
use preclin_invitro::table::{Table, TableError, TableOptions};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

fn w(s: &str) -> Well {
    s.parse().unwrap()
}

/// A unique scratch path for generated workbooks.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preclin-invitro-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn csv_with_metadata_and_two_blocks() {
    let plates = read_matrix(data("matrix_two_blocks.csv")).unwrap();
    assert_eq!(plates.len(), 2);
    let (p1, p2) = (&plates[0], &plates[1]);
    assert_eq!(p1.id, "P1");
    assert_eq!(p1.label.as_deref(), Some("P1"));
    assert_eq!(p1.format, PlateFormat::Wells96);
    assert_eq!(p1.line, 6);
    assert_eq!(p1.value(w("A01")), Some(0.1));
    assert_eq!(p1.value(w("H12")), Some(1.05));
    assert_eq!(p1.n_flagged(), 0);
    // Second block has no label line: stem#2.
    assert_eq!(p2.id, "matrix_two_blocks#2");
    assert_eq!(p2.label, None);
    assert_eq!(p2.line, 17);
    assert_eq!(p2.value(w("B01")), Some(13.0));
    // Overflow, empty, star: None and flagged, with the original text.
    assert_eq!(p2.value(w("A01")), None);
    let n = p2.note(w("A01")).unwrap();
    assert_eq!((n.kind, n.text.as_str()), (NoteKind::Overflow, "OVER"));
    assert_eq!(p2.note(w("D05")).unwrap().kind, NoteKind::Missing);
    assert_eq!(p2.note(w("F07")).unwrap().kind, NoteKind::Overflow);
    assert_eq!(p2.n_flagged(), 3);
    assert!(p2.source.ends_with("matrix_two_blocks.csv"));
}

#[test]
fn semicolon_decimal_comma_with_bom() {
    let plates = read_matrix(data("semicolon_decimal_comma.csv")).unwrap();
    assert_eq!(plates.len(), 1);
    let p = &plates[0];
    assert_eq!(p.id, "Plate 2");
    assert_eq!(p.value(w("A01")), Some(0.5));
    assert_eq!(p.value(w("C04")), Some(3.25));
    assert_eq!(p.value(w("H12")), Some(10.25));
}

#[test]
fn tsv_384() {
    let plates = read_matrix(data("plate384.tsv")).unwrap();
    let p = &plates[0];
    assert_eq!(p.id, "screen-384-01");
    assert_eq!(p.format, PlateFormat::Wells384);
    assert_eq!(p.values.len(), 384);
    assert_eq!(p.value(w("P24")), Some(1000.0 + 1500.0 + 23.0));
    assert_eq!(p.value(w("I13")), Some(1812.0));
}

#[test]
fn malformed_files_give_precise_errors() {
    let e = read_matrix(data("short_row.csv")).unwrap_err();
    assert!(
        matches!(
            e,
            ReaderError::RowLength {
                line: 5,
                row: 'C',
                found: 11,
                expected: 12,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("line 5: row C has 11 values, expected 12"),
        "{e}"
    );

    let e = read_matrix(data("non_numeric.csv")).unwrap_err();
    match &e {
        ReaderError::NotNumeric {
            line,
            column,
            well,
            value,
            ..
        } => {
            assert_eq!(
                (*line, column.as_str(), *well, value.as_str()),
                (6, "6", w("D05"), "abc")
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert!(e.to_string().contains("line 6, column 6 (well D05)"), "{e}");

    let e = read_matrix(data("missing_row.csv")).unwrap_err();
    assert!(
        matches!(
            e,
            ReaderError::MissingRow {
                line: 10,
                header_line: 1,
                expected: 'H',
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("expected row H"), "{e}");

    let e = read_matrix(data("layout.csv")).unwrap_err();
    assert!(matches!(e, ReaderError::NoPlate { .. }), "{e}");

    let e = read_matrix(data("does_not_exist.csv")).unwrap_err();
    assert!(
        matches!(e, ReaderError::Table(TableError::Io { .. })),
        "{e}"
    );
}

#[test]
fn long_readings() {
    let plates = read_long(data("readings_long.csv")).unwrap();
    assert_eq!(plates.len(), 2);
    assert_eq!(plates[0].id, "LP1");
    assert_eq!(plates[0].format, PlateFormat::Wells96);
    assert_eq!(plates[0].value(w("A01")), Some(0.5));
    assert_eq!(plates[0].value(w("H12")), Some(1.25));
    assert_eq!(plates[0].note(w("A02")).unwrap().kind, NoteKind::Overflow);
    assert_eq!(plates[0].value(w("B05")), None);
    assert!(plates[0].note(w("B05")).is_none());
    assert_eq!(plates[1].format, PlateFormat::Wells384);
    assert_eq!(plates[1].value(w("P24")), Some(3.0));
    assert_eq!(plates[1].note(w("A01")).unwrap().kind, NoteKind::Missing);

    // read_plates falls back to the long layout.
    assert_eq!(read_plates(data("readings_long.csv")).unwrap(), plates);
    assert_eq!(read_plates(data("plate384.tsv")).unwrap().len(), 1);

    let e = read_long(data("readings_long_dup.csv")).unwrap_err();
    assert!(
        matches!(
            e,
            ReaderError::DuplicateWell {
                line: 4,
                first_line: 2,
                ..
            }
        ),
        "{e}"
    );
}

fn write_xlsx_export(path: &PathBuf) {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Summary").unwrap();
    ws.write(0, 0, "Nothing here").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Results").unwrap();
    ws.write(0, 0, "Instrument: EnVision").unwrap();
    ws.write(1, 0, "Luminescence").unwrap();
    // Block starts at sheet row 5 (0-based 4), label in column B.
    ws.write(3, 1, "Plate: XL-1").unwrap();
    for c in 0..12u16 {
        ws.write(4, 2 + c, (c + 1) as f64).unwrap();
    }
    for r in 0..8u32 {
        ws.write(5 + r, 1, ((b'A' + r as u8) as char).to_string())
            .unwrap();
        for c in 0..12u16 {
            if (r, c) == (2, 3) {
                ws.write(5 + r, 2 + c, "OVRFLW").unwrap();
            } else if (r, c) == (4, 4) {
                // left empty
            } else {
                ws.write(5 + r, 2 + c, 1000.0 * r as f64 + c as f64 + 0.5)
                    .unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn xlsx_export() {
    let path = scratch("export.xlsx");
    write_xlsx_export(&path);
    // First sheet has no plate.
    assert!(matches!(
        read_matrix(&path),
        Err(ReaderError::NoPlate { .. })
    ));
    let opts = ReaderOptions {
        sheet: SheetChoice::Named("Results".into()),
        ..Default::default()
    };
    let plates = read_matrix_with(&path, &opts).unwrap();
    let p = &plates[0];
    assert_eq!(p.id, "XL-1");
    assert_eq!(p.line, 5);
    assert!(p.source.contains("[sheet Results]"));
    assert_eq!(p.value(w("A01")), Some(0.5));
    assert_eq!(p.value(w("H12")), Some(7011.5));
    assert_eq!(p.note(w("C04")).unwrap().text, "OVRFLW");
    assert_eq!(p.note(w("E05")).unwrap().kind, NoteKind::Missing);
    let all = read_matrix_with(
        &path,
        &ReaderOptions {
            sheet: SheetChoice::All,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(all, plates);
    let e = read_matrix_with(
        &path,
        &ReaderOptions {
            sheet: SheetChoice::Named("Nope".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("no sheet named 'Nope' (sheets: Summary, Results)"),
        "{e}"
    );
}

#[test]
fn xlsx_tidy_table_and_errors() {
    use rust_xlsxwriter::Workbook;
    let path = scratch("tidy.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("doses").unwrap();
    ws.write(1, 0, " compound ").unwrap();
    ws.write(1, 1, "dose").unwrap();
    ws.write(1, 2, "response").unwrap();
    ws.write(2, 0, "MI-503").unwrap();
    ws.write(2, 1, 0.001).unwrap();
    ws.write(2, 2, 98.5).unwrap();
    ws.write(3, 0, "MI-503").unwrap();
    ws.write(3, 1, 1e-7).unwrap();
    ws.write(3, 2, "n.d.").unwrap();
    wb.save(&path).unwrap();

    let t = Table::read_with(
        &path,
        &TableOptions {
            sheet: Some("DOSES".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(t.headers, vec!["compound", "dose", "response"]);
    assert_eq!(t.sheet.as_deref(), Some("doses"));
    assert_eq!(t.delimiter, None);
    assert_eq!(t.rows[0].line, 3);
    let d = t.column("dose").unwrap();
    assert_eq!(t.parse_f64(&t.rows[1], d).unwrap(), Some(1e-7));
    let r = t.column("response").unwrap();
    let e = t.parse_f64(&t.rows[1], r).unwrap_err();
    assert!(
        matches!(&e, TableError::NotNumeric { line: 4, column, value, .. } if column == "response" && value == "n.d."),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("[sheet doses], line 4, column 'response': expected a number, found 'n.d.'")
    );
}

#[test]
fn in_memory_matrix() {
    let mut text = String::from("Plate 7\n,1,2,3,4,5,6,7,8,9,10,11,12\n");
    for r in "ABCDEFGH".chars() {
        text.push(r);
        text.push_str(&",5".repeat(12));
        text.push('\n');
    }
    let p = reader::parse_matrix(&text, "mem", "mem").unwrap();
    assert_eq!(p[0].id, "Plate 7");
    assert!(p[0].values.iter().all(|v| *v == Some(5.0)));
}
