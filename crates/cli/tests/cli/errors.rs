//! Bad input to `preclin fit`: every case exits with status 2 (never a
//! panic) and the message on standard error names the file, the line and
//! the column, or says what was expected.

use std::path::PathBuf;

use crate::common::{TempDir, XCell, preclin, write_xlsx};

/// Writes `contents` to `name`, runs `preclin fit FILE EXTRA…`, expects
/// status 2, and returns the file and standard error.
#[track_caller]
fn fit_error(dir: &TempDir, name: &str, contents: &str, extra: &[&str]) -> (PathBuf, String) {
    let p = dir.write(name, contents);
    let mut args = vec!["fit".to_string(), p.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let err = preclin(&args).user_error();
    (p, err)
}

/// Asserts that `err` contains every piece.
#[track_caller]
fn says(err: &str, pieces: &[&str]) {
    for p in pieces {
        assert!(err.contains(p), "expected {p:?} in the message: {err}");
    }
}

#[test]
fn missing_column() {
    let dir = TempDir::new("err-missing");
    let (p, err) = fit_error(&dir, "m.csv", "dose,resp\n0,100\n1,90\n", &[]);
    says(
        &err,
        &[
            &p.display().to_string(),
            "missing response column 'response'",
            "columns present: dose, resp",
        ],
    );
    // A missing --by column says it is a grouping column.
    let (p, err) = fit_error(
        &dir,
        "by.csv",
        "dose,response\n0,100\n1,90\n",
        &["--by", "compound"],
    );
    says(
        &err,
        &[&p.display().to_string(), "grouping column 'compound'"],
    );
}

#[test]
fn non_numeric_dose() {
    let dir = TempDir::new("err-nonnum");
    let (p, err) = fit_error(&dir, "n.csv", "dose,response\n0,100\n1,90\nabc,50\n", &[]);
    says(
        &err,
        &[
            &format!("{}, line 4, column 'dose'", p.display()),
            "expected a number, found 'abc'",
        ],
    );
    // Infinite values are not numbers either.
    let (p, err) = fit_error(&dir, "i.csv", "dose,response\n0,100\n1,inf\n", &[]);
    says(
        &err,
        &[
            &format!("{}, line 3, column 'response'", p.display()),
            "'inf'",
        ],
    );
}

#[test]
fn negative_and_empty_dose() {
    let dir = TempDir::new("err-neg");
    let (p, err) = fit_error(&dir, "neg.csv", "dose,response\n0,100\n-1,90\n", &[]);
    says(
        &err,
        &[
            &format!("{}, line 3, column 'dose'", p.display()),
            "negative",
        ],
    );
    let (p, err) = fit_error(&dir, "e.csv", "dose,response\n0,100\n,90\n", &[]);
    says(
        &err,
        &[
            &format!("{}, line 3, column 'dose'", p.display()),
            "dose is empty",
        ],
    );
}

#[test]
fn unknown_units() {
    let dir = TempDir::new("err-unit");
    let (_, err) = fit_error(
        &dir,
        "ok.csv",
        "dose,response\n0,100\n1,90\n",
        &["--dose-unit", "furlongs"],
    );
    says(
        &err,
        &["--dose-unit", "'furlongs'", "expected one of", "nM"],
    );
    let (_, err) = fit_error(
        &dir,
        "ok2.csv",
        "dose,response\n0,100\n1,90\n",
        &["--output-unit", "furlongs"],
    );
    says(&err, &["--output-unit", "'furlongs'", "expected one of"]);
    let (p, err) = fit_error(
        &dir,
        "u.csv",
        "dose,response,dose_unit\n0,100,nM\n1,90,parsecs\n",
        &[],
    );
    says(
        &err,
        &[
            &format!("{}, line 3, column 'dose_unit'", p.display()),
            "'parsecs'",
            "expected one of",
        ],
    );
    // Molar doses cannot be converted to a mass unit.
    let (p, err) = fit_error(
        &dir,
        "mass.csv",
        "dose,response\n0,100\n1,90\n",
        &["--output-unit", "ng/mL"],
    );
    says(
        &err,
        &[&p.display().to_string(), "line 2", "molecular weight"],
    );
}

#[test]
fn empty_file_and_header_only() {
    let dir = TempDir::new("err-empty");
    let (p, err) = fit_error(&dir, "empty.csv", "", &[]);
    says(&err, &[&p.display().to_string(), "empty"]);
    let (p, err) = fit_error(&dir, "comments.csv", "# nothing but a comment\n", &[]);
    says(&err, &[&p.display().to_string(), "no header"]);
    let (p, err) = fit_error(&dir, "header.csv", "dose,response\n", &[]);
    says(&err, &[&p.display().to_string(), "no data rows"]);
}

#[test]
fn ragged_rows() {
    let dir = TempDir::new("err-ragged");
    let (p, err) = fit_error(
        &dir,
        "short.csv",
        "compound,dose,response\nA,0,100\nA,1\nA,2,50\n",
        &[],
    );
    says(
        &err,
        &[&format!("{}, line 3", p.display()), "2 cells, expected 3"],
    );
    let (p, err) = fit_error(
        &dir,
        "long.csv",
        "compound,dose,response\nA,0,100\nA,1,90\nA,2,50,7\n",
        &[],
    );
    says(
        &err,
        &[&format!("{}, line 4", p.display()), "4 cells, expected 3"],
    );
}

#[test]
fn missing_file() {
    let dir = TempDir::new("err-nofile");
    let p = dir.join("nowhere.csv");
    let err = preclin(["fit".as_ref(), p.as_os_str()]).user_error();
    says(&err, &[&p.display().to_string(), "cannot open"]);
}

#[test]
fn xlsx_errors_name_the_sheet_row() {
    let dir = TempDir::new("err-xlsx");
    let p = dir.join("bad.xlsx");
    let rows = vec![
        vec![XCell::Num(0.0), XCell::Num(100.0)],
        vec![XCell::Text("ten".into()), XCell::Num(90.0)],
    ];
    write_xlsx(&p, &["dose", "response"], &rows);
    let err = preclin(["fit".as_ref(), p.as_os_str()]).user_error();
    // Sheet rows are numbered as Excel shows them: header 1, data from 2.
    says(
        &err,
        &[
            &p.display().to_string(),
            "line 3, column 'dose'",
            "expected a number, found 'ten'",
        ],
    );
}

#[test]
fn duplicate_column_names() {
    let dir = TempDir::new("err-dup");
    let (p, err) = fit_error(&dir, "d.csv", "dose,response,Dose\n0,100,1\n", &[]);
    says(
        &err,
        &[
            &p.display().to_string(),
            "'Dose' appears twice",
            "columns 1 and 3",
        ],
    );
}
