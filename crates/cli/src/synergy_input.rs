//! Reading SynergyFinder long tables (one row per well) into combination
//! blocks.
//!
//! Column names are matched case- and style-insensitively (letters and
//! digits only: `BlockId`, `block_id` and `block-id` are the same), with
//! SynergyFinder's aliases:
//!
//! | meaning | accepted names |
//! |---|---|
//! | block | `block_id`, `BlockId`, `PairIndex` |
//! | drug k | `drugk`; drug 1 also `drug_row`, `DrugRow`; drug 2 also `drug_col`, `DrugCol` |
//! | concentration k | `conck`; 1 also `conc_r`, `conc_row`, `ConcRow`; 2 also `conc_c`, `conc_col`, `ConcCol` |
//! | response | `response`, `Response`, `inhibition`, `viability` |
//! | unit | `conc_unit` (all drugs), `conc_unitk`; 1 also `conc_r_unit`; 2 also `conc_c_unit` |
//!
//! Drugs 3, 4 … are read when `drug3`/`conc3` … exist. Errors name the file,
//! the line, the column and the block.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail};
use preclin_curve::units::ConcUnit;
use preclin_synergy::{Block, Observation};

use crate::input::{open, parse_num};

/// How the response column is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResponseKind {
    /// % viability: converted to % inhibition as 100 − v (SynergyFinder's
    /// default `data_type`).
    Viability,
    /// % inhibition, used as is.
    Inhibition,
}

/// The blocks of a table.
#[derive(Debug)]
pub struct SynergyTable {
    /// Blocks in order of first appearance.
    pub blocks: Vec<Block>,
    /// Unit of each drug's concentrations, per block.
    pub units: Vec<Vec<Option<ConcUnit>>>,
    /// Largest number of drugs in a block.
    pub n_drugs: usize,
    /// Name of the response column as found.
    pub response_column: String,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn find_any(headers: &[String], names: &[String]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| norm(h) == *n))
}

fn aliases(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| norm(s)).collect()
}

/// Reads every block of a SynergyFinder long table.
pub fn read_synergy_table(path: &Path, kind: ResponseKind) -> anyhow::Result<SynergyTable> {
    read_synergy_table_with(path, kind, None)
}

/// Reads every block of a SynergyFinder long table; with `noise_seed`, adds
/// the noise SynergyFinder 3.x's `ReshapeData(noise = TRUE, seed)` adds to
/// the % inhibition (`preclin_synergy::rrng::synergyfinder_noise`: R's
/// `set.seed(seed); rnorm(nrow, 0, 0.001)` with R's own generator, one draw
/// per data row after a stable sort of the rows by block id — numerically
/// when every id is a number, else by bytes, as `dplyr::arrange` sorts in
/// the C locale).
pub fn read_synergy_table_with(
    path: &Path,
    kind: ResponseKind,
    noise_seed: Option<u32>,
) -> anyhow::Result<SynergyTable> {
    let opened = open(path)?;
    let (headers, mut rows, dc, file) = (
        opened.headers,
        opened.rows,
        opened.decimal_comma,
        opened.label,
    );
    let need = |names: &[&str], what: &str| -> anyhow::Result<usize> {
        find_any(&headers, &aliases(names)).ok_or_else(|| {
            anyhow!(
                "{file}: missing {what} column '{}' (also accepted: {}; columns present: {})",
                names[0],
                names[1..].join(", "),
                headers.join(", ")
            )
        })
    };
    let bi = need(&["block_id", "BlockId", "PairIndex"], "block")?;
    let ri = need(
        &["response", "Response", "inhibition", "viability"],
        "response",
    )?;
    let drug_names = |k: usize| -> Vec<&'static str> {
        match k {
            1 => vec!["drug1", "drug_row", "DrugRow", "drug_r"],
            2 => vec!["drug2", "drug_col", "DrugCol", "drug_c"],
            _ => vec![],
        }
    };
    let conc_names = |k: usize| -> Vec<&'static str> {
        match k {
            1 => vec!["conc1", "conc_r", "conc_row", "ConcRow"],
            2 => vec!["conc2", "conc_c", "conc_col", "ConcCol"],
            _ => vec![],
        }
    };
    let mut drug_idx = Vec::new();
    let mut conc_idx = Vec::new();
    let mut unit_idx = Vec::new();
    let shared_unit = find_any(&headers, &aliases(&["conc_unit", "ConcUnit"]));
    for k in 1.. {
        let mut dn: Vec<String> = vec![format!("drug{k}")];
        dn.extend(drug_names(k).iter().map(|s| s.to_string()));
        let mut cn: Vec<String> = vec![format!("conc{k}")];
        cn.extend(conc_names(k).iter().map(|s| s.to_string()));
        let d = find_any(&headers, &dn.iter().map(|s| norm(s)).collect::<Vec<_>>());
        let c = find_any(&headers, &cn.iter().map(|s| norm(s)).collect::<Vec<_>>());
        match (d, c) {
            (Some(d), Some(c)) => {
                drug_idx.push(d);
                conc_idx.push(c);
                let mut un = vec![norm(&format!("conc_unit{k}"))];
                if k == 1 {
                    un.extend(aliases(&["conc_r_unit", "conc_row_unit"]));
                }
                if k == 2 {
                    un.extend(aliases(&["conc_c_unit", "conc_col_unit"]));
                }
                unit_idx.push(find_any(&headers, &un).or(shared_unit));
            }
            _ if k <= 2 => {
                let (what, names) = if d.is_none() {
                    ("drug", dn)
                } else {
                    ("concentration", cn)
                };
                bail!(
                    "{file}: missing {what} column '{}' (also accepted: {}; columns present: {})",
                    names[0],
                    names[1..].join(", "),
                    headers.join(", ")
                );
            }
            _ => break,
        }
    }
    let nd = drug_idx.len();
    // Per block: drugs, first line, units, observations.
    struct Acc {
        drugs: Vec<String>,
        first: usize,
        units: Vec<Option<ConcUnit>>,
        obs: Vec<Observation>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut acc: HashMap<String, Acc> = HashMap::new();
    let mut any = false;
    // (block id, line) of every data row, in input order (for the noise).
    let mut row_ids: Vec<(String, usize)> = Vec::new();
    while let Some(line) = rows.next_row()? {
        any = true;
        let cell = |i: usize| rows.cell(i);
        let id = cell(bi).to_string();
        if id.is_empty() {
            bail!(
                "{file}, line {line}, column '{}': the block id is empty",
                headers[bi]
            );
        }
        row_ids.push((id.clone(), line));
        let drugs: Vec<String> = drug_idx.iter().map(|&i| cell(i).to_string()).collect();
        let mut concs = Vec::with_capacity(nd);
        let mut units = Vec::with_capacity(nd);
        for k in 0..nd {
            let ci = conc_idx[k];
            let v = parse_num(cell(ci), dc, &file, line, &headers[ci])
                .map_err(|e| anyhow!("{e} (block {id})"))?
                .ok_or_else(|| {
                    anyhow!(
                        "{file}, line {line}, column '{}': concentration is empty (block {id}); use 0 for an absent drug",
                        headers[ci]
                    )
                })?;
            if v < 0.0 {
                bail!(
                    "{file}, line {line}, column '{}': concentration {v} is negative (block {id})",
                    headers[ci]
                );
            }
            concs.push(v);
            units.push(match unit_idx[k] {
                Some(ui) if !cell(ui).is_empty() => {
                    Some(cell(ui).parse::<ConcUnit>().map_err(|e| {
                        anyhow!("{file}, line {line}, column '{}': {e}", headers[ui])
                    })?)
                }
                _ => None,
            });
        }
        let v = parse_num(cell(ri), dc, &file, line, &headers[ri])
            .map_err(|e| anyhow!("{e} (block {id})"))?
            .ok_or_else(|| {
                anyhow!(
                    "{file}, line {line}, column '{}': response is empty (block {id}); every well needs a response (SynergyFinder would impute it; preclin does not)",
                    headers[ri]
                )
            })?;
        let response = match kind {
            ResponseKind::Viability => 100.0 - v,
            ResponseKind::Inhibition => v,
        };
        let a = match acc.get_mut(&id) {
            Some(a) => a,
            None => {
                order.push(id.clone());
                acc.entry(id.clone()).or_insert(Acc {
                    drugs: drugs.clone(),
                    first: line,
                    units: units.clone(),
                    obs: Vec::new(),
                })
            }
        };
        if a.drugs != drugs {
            bail!(
                "{file}, line {line}: block {id} has drugs {} here but {} on line {}; a block holds one drug combination",
                drugs.join(" + "),
                a.drugs.join(" + "),
                a.first
            );
        }
        for k in 0..nd {
            match (units[k], a.units[k]) {
                (Some(u), Some(bu)) if u != bu => {
                    let f = u.factor_to(bu).ok_or_else(|| {
                        anyhow!(
                            "{file}, line {line}: block {id}: unit {u} of drug {} cannot be converted to {bu}, its unit on line {}",
                            k + 1,
                            a.first
                        )
                    })?;
                    concs[k] *= f;
                }
                (Some(u), None) => a.units[k] = Some(u),
                _ => {}
            }
        }
        a.obs.push(Observation {
            concs,
            response,
            line,
        });
    }
    if !any {
        bail!("{file}: the table has a header but no data rows");
    }
    if let Some(seed) = noise_seed {
        let numeric: Option<Vec<f64>> = row_ids
            .iter()
            .map(|(id, _)| id.trim().parse::<f64>().ok())
            .collect();
        let mut idx: Vec<usize> = (0..row_ids.len()).collect();
        // `sort_by` is stable: rows of one block keep their input order.
        match &numeric {
            Some(v) => idx.sort_by(|&a, &b| v[a].total_cmp(&v[b])),
            None => idx.sort_by(|&a, &b| row_ids[a].0.as_bytes().cmp(row_ids[b].0.as_bytes())),
        }
        let noise = preclin_synergy::rrng::synergyfinder_noise(row_ids.len(), seed);
        let by_line: HashMap<usize, f64> = idx
            .iter()
            .enumerate()
            .map(|(rank, &i)| (row_ids[i].1, noise[rank]))
            .collect();
        for a in acc.values_mut() {
            for o in &mut a.obs {
                o.response += by_line.get(&o.line).copied().unwrap_or(0.0);
            }
        }
    }
    let mut blocks = Vec::with_capacity(order.len());
    let mut units = Vec::with_capacity(order.len());
    for id in order {
        let a = acc.remove(&id).expect("block");
        // Drugs that are absent in every row of a block (e.g. drug3 of a
        // 2-drug block in a mixed table) are left out.
        let present: Vec<usize> = (0..nd)
            .filter(|&k| !a.drugs[k].is_empty() || a.obs.iter().any(|o| o.concs[k] > 0.0))
            .collect();
        let drugs: Vec<String> = present.iter().map(|&k| a.drugs[k].clone()).collect();
        let obs: Vec<Observation> = a
            .obs
            .into_iter()
            .map(|o| Observation {
                concs: present.iter().map(|&k| o.concs[k]).collect(),
                ..o
            })
            .collect();
        let b = Block::from_observations(&id, drugs, &obs).map_err(|e| anyhow!("{file}: {e}"))?;
        units.push(present.iter().map(|&k| a.units[k]).collect());
        blocks.push(b);
    }
    Ok(SynergyTable {
        n_drugs: blocks.iter().map(|b| b.drugs.len()).max().unwrap_or(2),
        blocks,
        units,
        response_column: headers[ri].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_style_insensitive() {
        assert_eq!(norm("PairIndex"), "pairindex");
        assert_eq!(norm("conc_r_unit"), "concrunit");
        assert_eq!(norm("Conc-Unit"), "concunit");
        let h: Vec<String> = ["PairIndex", "Drug1", "ConcRow"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(find_any(&h, &aliases(&["block_id", "PairIndex"])), Some(0));
        assert_eq!(find_any(&h, &aliases(&["conc1", "conc_row"])), Some(2));
    }
}
