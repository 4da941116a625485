//! Shared helpers of the conformance tests: fixture loading and tolerant
//! comparison.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// Path of a fixture in tests/data.
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// Asserts |got − want| ≤ tol·max(|want|, 1e-8·…) (relative), with a small
/// absolute floor for values near zero.
pub fn close(got: f64, want: f64, rel: f64, what: &str) {
    let scale = want.abs().max(1e-3);
    assert!(
        (got - want).abs() <= rel * scale,
        "{what}: got {got}, want {want} (rel tol {rel})"
    );
}

/// Asserts |got − want| ≤ rel·max(|want|, scale): for parameters near
/// zero, `scale` (e.g. the parameter's standard error) sets the yardstick.
pub fn close_scaled(got: f64, want: f64, rel: f64, scale: f64, what: &str) {
    let s = want.abs().max(scale.abs());
    assert!(
        (got - want).abs() <= rel * s,
        "{what}: got {got}, want {want} (tol {rel} x {s})"
    );
}

/// One row of expected_drc_datasets_scipy_ll4.csv.
pub struct ExpectedRow {
    pub dataset: String,
    pub curve: String,
    pub model: String,
    pub values: HashMap<String, String>,
}

impl ExpectedRow {
    /// A numeric column; None when empty.
    pub fn get(&self, key: &str) -> Option<f64> {
        let v = self.values.get(key)?;
        if v.is_empty() {
            None
        } else {
            Some(v.parse().unwrap_or_else(|_| panic!("{key}={v}")))
        }
    }
}

/// Reads the expected drc-dataset fits.
pub fn read_expected() -> Vec<ExpectedRow> {
    let mut r = csv::Reader::from_path(data_path("expected_drc_datasets_scipy_ll4.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let values: HashMap<String, String> = headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            ExpectedRow {
                dataset: values["dataset"].clone(),
                curve: values["curve"].clone(),
                model: values["model"].clone(),
                values,
            }
        })
        .collect()
}

/// Loads (dose, response) of a drcData dataset; `curve` selects a subset
/// ("all" for the whole set).
pub fn load_dataset(dataset: &str, curve: &str) -> (Vec<f64>, Vec<f64>) {
    let (file, dose_col, resp_col, sel_col) = match dataset {
        "ryegrass" => ("drc_ryegrass.csv", "conc", "rootl", None),
        "spinach" => ("drc_spinach.csv", "DOSE", "SLOPE", Some("CURVE")),
        "S.alba" => ("drc_S.alba.csv", "Dose", "DryMatter", Some("Herbicide")),
        "terbuthylazin" => ("drc_terbuthylazin.csv", "dose", "rgr", None),
        "lettuce" => ("drc_lettuce.csv", "conc", "weight", None),
        other => panic!("unknown dataset {other}"),
    };
    let mut r = csv::Reader::from_path(data_path(file)).unwrap();
    let h = r.headers().unwrap().clone();
    let idx = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (di, ri) = (idx(dose_col), idx(resp_col));
    let si = sel_col.map(idx);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if let Some(si) = si
            && curve != "all"
            && &rec[si] != curve
        {
            continue;
        }
        x.push(rec[di].parse().unwrap());
        y.push(rec[ri].parse().unwrap());
    }
    (x, y)
}
