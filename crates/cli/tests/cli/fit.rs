//! `preclin fit` on drc's ryegrass data set (24 root lengths at 7
//! concentrations, mM) against drc's LL.4 fit: b = 2.98222,
//! c = 0.48141, d = 7.79296, e = 3.05796; delta-method 95 % interval of
//! the ED50 2.67053 – 3.44538 (see `tests/data/SOURCES.md`).

use crate::common::{Csv, assert_abs, assert_rel, fixture, preclin};

const HILL: f64 = 2.98222;
const BOTTOM: f64 = 0.48141;
const TOP: f64 = 7.79296;
const EC50: f64 = 3.05796;

/// `preclin fit ryegrass --dose conc --response rootl --dose-unit mM EXTRA…`.
fn ryegrass(extra: &[&str]) -> String {
    let f = fixture("drc_ryegrass.csv");
    let mut args = vec![
        "fit".to_string(),
        f.display().to_string(),
        "--dose".into(),
        "conc".into(),
        "--response".into(),
        "rootl".into(),
        "--dose-unit".into(),
        "mM".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    preclin(&args).ok().stdout
}

#[test]
fn csv_matches_drc() {
    let out = ryegrass(&[]);
    // Provenance and meanings come first, as `#` comment lines.
    assert!(out.starts_with("# preclin "), "{out}");
    assert!(out.contains("# hill = drc's b"), "{out}");
    let t = Csv::parse(&out);
    let required = [
        "model",
        "n",
        "converged",
        "top",
        "bottom",
        "hill",
        "ec50",
        "ec50_lower",
        "ec50_upper",
        "ic50",
        "auc",
        "r2",
        "rss",
        "aic",
        "flags",
        "dose_unit",
    ];
    // Every required column, in this order (others may sit in between).
    let pos: Vec<usize> = required.iter().map(|c| t.col(c)).collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "columns out of order: {:?}",
        t.header
    );
    // No group columns: ryegrass is one curve.
    assert_eq!(t.header[0], "model");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.cell(0, "model"), "LL.4");
    assert_eq!(t.cell(0, "n"), "24");
    assert_eq!(t.cell(0, "converged"), "true");
    assert_eq!(t.cell(0, "flags"), "");
    assert_eq!(t.cell(0, "dose_unit"), "mM");
    assert_rel(t.num(0, "hill"), HILL, 1e-4, "hill");
    assert_rel(t.num(0, "bottom"), BOTTOM, 1e-4, "bottom");
    assert_rel(t.num(0, "top"), TOP, 1e-4, "top");
    assert_rel(t.num(0, "ec50"), EC50, 1e-4, "ec50");
    // drc: AIC 42.31029 (logLik on n = 24, 5 parameters with sigma).
    assert_rel(t.num(0, "aic"), 42.31029, 1e-5, "aic");
    // The default interval is log-symmetric around the EC50.
    let (lo, hi, ec) = (
        t.num(0, "ec50_lower"),
        t.num(0, "ec50_upper"),
        t.num(0, "ec50"),
    );
    assert!(lo < ec && ec < hi);
    assert_rel((ec / lo).ln(), (hi / ec).ln(), 1e-9, "delta-log symmetry");
    t.assert_no_non_finite("ryegrass fit", &[]);
}

#[test]
fn json_gives_the_same_numbers() {
    let csv = Csv::parse(&ryegrass(&[]));
    let json = ryegrass(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let curves = doc["curves"].as_array().expect("curves array");
    assert_eq!(curves.len(), 1);
    let c = &curves[0];
    // The JSON text holds the same shortest round-trip digits as the CSV;
    // serde_json's default float parser may be off by an ulp reading them.
    for col in ["ec50", "hill", "top", "bottom", "ec50_lower", "ec50_upper"] {
        let x = c[col].as_f64().unwrap_or_else(|| panic!("JSON {col}"));
        assert_rel(x, csv.num(0, col), 1e-15, col);
        assert!(
            json.contains(&format!("\"{col}\": {}", csv.cell(0, col))),
            "JSON {col} is not written as {}",
            csv.cell(0, col)
        );
    }
    assert_eq!(c["n"].as_i64(), Some(24));
    assert_eq!(c["converged"].as_bool(), Some(true));
    assert_eq!(c["dose_unit"].as_str(), Some("mM"));
    assert_eq!(c["model"].as_str(), Some("LL.4"));
    // A value that does not exist is null.
    assert!(c["asymmetry"].is_null());
    assert!(
        doc["provenance"]["tool"]
            .as_str()
            .is_some_and(|s| s.starts_with("preclin ")),
        "{json}"
    );
    assert!(doc["notes"].as_array().is_some_and(|n| !n.is_empty()));
}

#[test]
fn output_unit_converts_potencies_only() {
    let mm = Csv::parse(&ryegrass(&[]));
    let um = Csv::parse(&ryegrass(&["--output-unit", "uM"]));
    assert_eq!(um.cell(0, "dose_unit"), "uM");
    for col in [
        "ec50",
        "ec50_lower",
        "ec50_upper",
        "ic50",
        "dose_min",
        "dose_max",
    ] {
        assert_rel(um.num(0, col), 1000.0 * mm.num(0, col), 1e-12, col);
    }
    assert_rel(um.num(0, "ec50"), 1000.0 * EC50, 1e-4, "ec50 in uM");
    // Responses and the slope do not change with the dose unit.
    for col in ["top", "bottom", "hill", "ic50_level", "auc", "rss", "aic"] {
        assert_eq!(um.cell(0, col), mm.cell(0, col), "{col}");
    }
}

#[test]
fn delta_interval_matches_drc() {
    let t = Csv::parse(&ryegrass(&["--ci", "delta"]));
    assert_rel(t.num(0, "ec50"), EC50, 1e-4, "ec50");
    assert_abs(t.num(0, "ec50_lower"), 2.67053, 5e-4, "ec50_lower");
    assert_abs(t.num(0, "ec50_upper"), 3.44538, 5e-4, "ec50_upper");
    // drc's natural-scale interval is symmetric around the estimate.
    let ec = t.num(0, "ec50");
    assert_rel(
        ec - t.num(0, "ec50_lower"),
        t.num(0, "ec50_upper") - ec,
        1e-9,
        "delta symmetry",
    );
}
