//! Amplification efficiencies and the efficiency-corrected expression ratio
//! (Pfaffl 2001, Nucleic Acids Res 29:e45; several reference genes as in
//! qbase, Hellemans et al. 2007).
//!
//! With `E` the amplification factor per cycle (2 = 100 % efficiency) and
//! `ΔCq = Cq(control) − Cq(sample)`:
//! ```text
//! ratio = E_target^ΔCq_target / geomean_r( E_r^ΔCq_r )
//! ```
//! Taking `log2`, `log2 ratio = w_t ΔCq_t − mean_r(w_r ΔCq_r)` with
//! `w = log2 E`. So the Pfaffl ratio is the Livak computation applied to the
//! **efficiency-weighted Cq** `w·Cq` ("cycles at 100 % efficiency"):
//! [`super::ddct`] scales every Cq by `w` of its gene and then proceeds
//! exactly as for ΔΔCt. With `E = 2` for every gene (`w = 1`) both methods
//! coincide, and with one reference the formula is Pfaffl's equation 1.
//! ΔCt, ΔΔCt and their statistics are then in weighted cycles.

use std::collections::BTreeMap;
use std::path::Path;

use super::QpcrError;
use crate::table::Table;

/// `w = log2 E`, the weight of a gene's Cq in the efficiency-corrected
/// ratio.
pub fn weight(efficiency: f64) -> f64 {
    efficiency.log2()
}

/// Pfaffl's ratio for one target and one reference:
/// `E_t^ΔCq_t / E_r^ΔCq_r`, `ΔCq = Cq(control) − Cq(sample)`.
pub fn ratio(e_target: f64, dcq_target: f64, e_ref: f64, dcq_ref: f64) -> f64 {
    (weight(e_target) * dcq_target - weight(e_ref) * dcq_ref).exp2()
}

/// True for a plausible fold per cycle `1 < E ≤ 2.5`.
pub fn plausible(e: f64) -> bool {
    e > 1.0 && e <= 2.5
}

/// Reads an efficiency table: columns `gene` (alias `target`) and either
/// `efficiency` (fold per cycle, e.g. 1.95) or `efficiency_pct` (e.g. 95:
/// `E = 1 + pct/100`). The output of `preclin qpcr efficiency` has both and
/// is read directly. Rows with an empty efficiency are skipped.
pub fn read_efficiency_file(path: impl AsRef<Path>) -> Result<BTreeMap<String, f64>, QpcrError> {
    let t = Table::read(path)?;
    let gene = match t.find_column("gene").or_else(|| t.find_column("target")) {
        Some(c) => c,
        None => t.column("gene")?,
    };
    let fold = t.find_column("efficiency");
    let pct = t.find_column("efficiency_pct");
    if fold.is_none() && pct.is_none() {
        t.column("efficiency")?;
    }
    let mut map = BTreeMap::new();
    for row in &t.rows {
        let Some(g) = row.text(gene) else { continue };
        let e = match (fold, pct) {
            (Some(c), _) if row.text(c).is_some() => t.parse_f64(row, c)?,
            (_, Some(c)) => t.parse_f64(row, c)?.map(|p| 1.0 + p / 100.0),
            _ => None,
        };
        let Some(e) = e else { continue };
        if !plausible(e) {
            return Err(QpcrError::BadEfficiency {
                file: t.source.clone(),
                line: row.line,
                gene: g.to_string(),
                value: e,
            });
        }
        map.insert(g.to_string(), e);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_reduces_to_livak_at_e2() {
        // ΔΔCt = (25 − 22) − (20 − 20) → fold 2^−(−3)… with ΔCq = control − sample.
        let r = ratio(2.0, 3.0, 2.0, 0.0);
        assert!((r - 8.0).abs() < 1e-12);
        // Pfaffl 2001 style: E_t = 1.9, ΔCq_t = 4, E_r = 2.0, ΔCq_r = 1 → 1.9⁴/2.
        assert!((ratio(1.9, 4.0, 2.0, 1.0) - 1.9f64.powi(4) / 2.0).abs() < 1e-12);
    }
}
