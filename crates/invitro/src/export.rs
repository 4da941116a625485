//! CSV writers for the tidy outputs.
//!
//! Numbers are written in their shortest round-trip form; a value that does
//! not exist is an empty cell (never `0` or `NaN`). Flags are joined with `;`.
//! Response scales: `viability_pct` is percent of vehicle (100 = vehicle,
//! 0 = blank), `growth_pct` is NCI-60 percent growth (+100 … −100), `gr` is
//! the GR value (1 … −1).

use std::collections::BTreeSet;
use std::io::Write;

use crate::normalize::NormalizedWell;
use crate::qc::{EdgeBasis, MinControl, PlateQc};

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Fixed leading columns of [`write_csv`]; metadata columns follow, sorted by
/// name.
pub const WELL_COLUMNS: [&str; 17] = [
    "plate",
    "well",
    "edge",
    "role",
    "compound",
    "cell_line",
    "dose",
    "dose_unit",
    "raw",
    "note",
    "corrected",
    "viability_pct",
    "growth_pct",
    "gr",
    "flags",
    "outlier",
    "overflow",
];

/// Writes normalised wells as one CSV row per well: the columns of
/// [`WELL_COLUMNS`], then one column per metadata key found in any well
/// (sorted; a metadata key that clashes with a fixed column gets a `meta_`
/// prefix).
pub fn write_csv<W: Write>(wells: &[NormalizedWell], out: W) -> Result<(), csv::Error> {
    let keys: BTreeSet<&str> = wells
        .iter()
        .flat_map(|w| w.metadata.keys().map(String::as_str))
        .collect();
    let mut wtr = csv::Writer::from_writer(out);
    let mut header: Vec<String> = WELL_COLUMNS.iter().map(|s| s.to_string()).collect();
    for k in &keys {
        if WELL_COLUMNS.contains(k) {
            header.push(format!("meta_{k}"));
        } else {
            header.push(k.to_string());
        }
    }
    wtr.write_record(&header)?;
    for w in wells {
        let mut rec = vec![
            w.plate.clone(),
            w.well.to_string(),
            w.edge.to_string(),
            w.role.to_string(),
            w.compound.clone().unwrap_or_default(),
            w.cell_line.clone().unwrap_or_default(),
            num(w.dose),
            w.dose_unit
                .map(|u| u.symbol().to_string())
                .unwrap_or_default(),
            num(w.raw),
            w.note.clone().unwrap_or_default(),
            num(w.corrected),
            num(w.viability_pct),
            num(w.growth_pct),
            num(w.gr),
            w.flags
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            w.has(crate::normalize::Flag::Outlier).to_string(),
            w.has(crate::normalize::Flag::Overflow).to_string(),
        ];
        for k in &keys {
            rec.push(w.metadata.get(*k).cloned().unwrap_or_default());
        }
        wtr.write_record(&rec)?;
    }
    wtr.flush()?;
    Ok(())
}

/// Writes plate QC results, one row per plate.
pub fn write_qc_csv<W: Write>(qc: &[PlateQc], out: W) -> Result<(), csv::Error> {
    let mut wtr = csv::Writer::from_writer(out);
    wtr.write_record([
        "plate",
        "pass",
        "z_prime",
        "z_prime_min_control",
        "n_vehicle",
        "mean_vehicle",
        "cv_vehicle_pct",
        "n_blank",
        "cv_blank_pct",
        "edge_ratio",
        "edge_p_value",
        "edge_basis",
        "edge_flag",
        "n_outliers",
        "outlier_wells",
        "warnings",
    ])?;
    for q in qc {
        wtr.write_record([
            q.plate.clone(),
            q.pass.to_string(),
            num(q.z_prime),
            match q.z_prime_min_control {
                Some(MinControl::Positive) => "positive".into(),
                Some(MinControl::Blank) => "blank".into(),
                None => String::new(),
            },
            q.n_vehicle.to_string(),
            num(q.mean_vehicle),
            num(q.cv_vehicle_pct),
            q.n_blank.to_string(),
            num(q.cv_blank_pct),
            num(q.edge_ratio),
            num(q.edge_p_value),
            match q.edge_basis {
                Some(EdgeBasis::Vehicle) => "vehicle".into(),
                Some(EdgeBasis::SampleSameDose) => "sample_same_dose".into(),
                None => String::new(),
            },
            q.edge_flag.to_string(),
            q.n_outliers.to_string(),
            q.outlier_wells
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(";"),
            q.warnings.join(" | "),
        ])?;
    }
    wtr.flush()?;
    Ok(())
}
