//! Shared helpers of the synergy tests: reading the SynergyFinder example
//! tables (copied into tests/data, see SOURCES.md there) into blocks.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use preclin_synergy::{Block, Observation};

/// Path of a file in tests/data.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Rows of a CSV: (line, cells).
pub type Rows = Vec<(usize, Vec<String>)>;

/// Reads a CSV into header → column-index map and rows of strings.
pub fn read_csv(name: &str) -> (BTreeMap<String, usize>, Rows) {
    let mut rdr = csv::Reader::from_path(data(name)).expect("fixture");
    let h: BTreeMap<String, usize> = rdr
        .headers()
        .expect("header")
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), i))
        .collect();
    let rows = rdr
        .records()
        .enumerate()
        .map(|(i, r)| (i + 2, r.expect("row").iter().map(str::to_string).collect()))
        .collect();
    (h, rows)
}

/// Blocks of a SynergyFinder long table: `drug_cols` / `conc_cols` name the
/// drug and concentration columns in drug order; `viability` converts the
/// response as 100 − v. Blocks in order of their ids.
pub fn blocks(name: &str, drug_cols: &[&str], conc_cols: &[&str], viability: bool) -> Vec<Block> {
    let (h, rows) = read_csv(name);
    let mut by: BTreeMap<String, (Vec<String>, Vec<Observation>)> = BTreeMap::new();
    for (line, r) in rows {
        let id = r[h["block_id"]].clone();
        let drugs: Vec<String> = drug_cols.iter().map(|c| r[h[*c]].clone()).collect();
        let concs: Vec<f64> = conc_cols
            .iter()
            .map(|c| r[h[*c]].parse().unwrap())
            .collect();
        let v: f64 = r[h["response"]].parse().unwrap();
        let e = by.entry(id).or_insert_with(|| (drugs, Vec::new()));
        e.1.push(Observation {
            concs,
            response: if viability { 100.0 - v } else { v },
            line,
        });
    }
    by.into_iter()
        .map(|(id, (drugs, obs))| Block::from_observations(&id, drugs, &obs).expect("valid block"))
        .collect()
}

/// The mathews data (viability, drug_row × drug_col).
pub fn mathews() -> Vec<Block> {
    blocks(
        "synergyfinder_mathews_screening_data.csv",
        &["drug_row", "drug_col"],
        &["conc_r", "conc_c"],
        true,
    )
}

/// The ONEIL data (inhibition, 4 replicates).
pub fn oneil() -> Vec<Block> {
    blocks(
        "synergyfinder_ONEIL_screening_data.csv",
        &["drug1", "drug2"],
        &["conc1", "conc2"],
        false,
    )
}

/// Whether `ours` equals a value printed with `digits` significant digits.
pub fn matches_printed(ours: f64, printed: &str, digits: i32) -> bool {
    let p: f64 = printed.parse().expect("number");
    if p == 0.0 {
        return ours.abs() < 1e-9;
    }
    let unit = 10f64.powi(p.abs().log10().floor() as i32 - (digits - 1));
    (ours - p).abs() <= 0.5 * unit * (1.0 + 1e-9) + 1e-12
}
