//! geNorm reference-gene stability (Vandesompele et al. 2002, Genome Biol
//! 3:research0034).
//!
//! For candidate genes `j` with relative quantities `a_js` in samples `s`:
//! ```text
//! V_jk = sd_s( log2(a_js / a_ks) )          (sample SD, n − 1)
//! M_j  = mean_{k ≠ j} V_jk
//! ```
//! The gene with the largest `M` is the least stable; it is removed and the
//! `M` values of the rest recomputed, until two genes remain (they have the
//! same `M` and cannot be ranked against each other). The ranking lists the
//! best pair first, then the removed genes in reverse order of removal.
//! The pairwise variation `V_n/n+1 = sd_s(log2(NF_n/NF_{n+1}))`, with
//! `NF_n` the geometric mean of the `n` best-ranked genes, tells how many
//! reference genes are needed (Vandesompele: below 0.15, `n` suffices).
//! Hellemans et al. (2007) consider `M < 0.5` stable in homogeneous samples
//! (`< 1` in heterogeneous ones).
//!
//! Quantities come from Cq as `a = E^(−Cq)` (`log2 a = −log2(E)·Cq`, E = 2
//! unless given) or from the software's quantities (RDML `Ncopy` / `N0`);
//! technical replicates are averaged on the log scale; only samples with a
//! value for every candidate gene are used.

use std::collections::BTreeMap;

use serde::Serialize;

use super::QpcrError;
use super::replicates::{ReplicateOptions, average_records};
use super::tidy::{CqSet, SampleType};

/// One elimination step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenormStep {
    /// Genes remaining with their M, most stable first.
    pub m: Vec<(String, f64)>,
    /// Gene removed after this step (`None` at the final pair).
    pub removed: Option<String>,
}

/// Result of [`genorm`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Genorm {
    /// Samples used (complete cases).
    pub n_samples: usize,
    /// Elimination steps, from all genes down to the best pair.
    pub steps: Vec<GenormStep>,
    /// Genes from most to least stable, with the M at which each left
    /// (the best pair shares the final M).
    pub ranking: Vec<(String, f64)>,
    /// Pairwise variation `(n, V_n/n+1)` for `n = 2 … genes − 1`.
    pub pairwise_v: Vec<(usize, f64)>,
}

fn m_values(genes: &[usize], log2q: &[Vec<f64>]) -> Vec<f64> {
    genes
        .iter()
        .map(|&j| {
            let v: Vec<f64> = genes
                .iter()
                .filter(|&&k| k != j)
                .map(|&k| {
                    let d: Vec<f64> = log2q[j].iter().zip(&log2q[k]).map(|(a, b)| a - b).collect();
                    preclin_stats::desc::sd(&d).unwrap_or(f64::NAN)
                })
                .collect();
            preclin_stats::desc::mean(&v).unwrap_or(f64::NAN)
        })
        .collect()
}

/// geNorm on a matrix `log2q[gene][sample]` of log2 relative quantities
/// (see the module docs). `None` with fewer than 2 genes or 2 samples, or
/// rows of unequal length or non-finite values.
pub fn genorm(genes: &[String], log2q: &[Vec<f64>]) -> Option<Genorm> {
    let g = genes.len();
    if g < 2 || log2q.len() != g {
        return None;
    }
    let n = log2q[0].len();
    if n < 2
        || log2q
            .iter()
            .any(|r| r.len() != n || r.iter().any(|v| !v.is_finite()))
    {
        return None;
    }
    let mut left: Vec<usize> = (0..g).collect();
    let mut steps = Vec::new();
    let mut removed_order: Vec<(usize, f64)> = Vec::new();
    loop {
        let m = m_values(&left, log2q);
        let mut pairs: Vec<(usize, f64)> = left.iter().copied().zip(m).collect();
        pairs.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let named: Vec<(String, f64)> = pairs.iter().map(|&(j, m)| (genes[j].clone(), m)).collect();
        if left.len() == 2 {
            steps.push(GenormStep {
                m: named,
                removed: None,
            });
            break;
        }
        let (worst, wm) = *pairs.last()?;
        steps.push(GenormStep {
            m: named,
            removed: Some(genes[worst].clone()),
        });
        removed_order.push((worst, wm));
        left.retain(|&j| j != worst);
    }
    let last = &steps.last()?.m;
    let mut ranking: Vec<(String, f64)> = last.clone();
    for &(j, m) in removed_order.iter().rev() {
        ranking.push((genes[j].clone(), m));
    }
    // Pairwise variation over the ranking.
    let index: BTreeMap<&str, usize> = genes
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let order: Vec<usize> = ranking.iter().map(|(s, _)| index[s.as_str()]).collect();
    let nf = |k: usize, s: usize| -> f64 {
        order[..k].iter().map(|&j| log2q[j][s]).sum::<f64>() / k as f64
    };
    let pairwise_v = (2..g)
        .map(|k| {
            let d: Vec<f64> = (0..n).map(|s| nf(k, s) - nf(k + 1, s)).collect();
            (k, preclin_stats::desc::sd(&d).unwrap_or(f64::NAN))
        })
        .collect();
    Some(Genorm {
        n_samples: n,
        steps,
        ranking,
        pairwise_v,
    })
}

/// Where geNorm's quantities come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantitySource {
    /// `Ncopy`/`N0` when every well of the candidates has one, else Cq.
    Auto,
    /// `E^(−Cq)`.
    Cq,
    /// The software's quantity (RDML `Ncopy`, else `N0`).
    Ncopy,
}

/// geNorm of the candidate `genes` (all genes when empty) over the
/// quantified samples of `set`; `efficiencies` (fold per cycle) weight the
/// Cqs, 2 when absent.
pub fn genorm_from_set(
    set: &CqSet,
    genes: &[String],
    source: QuantitySource,
    efficiencies: &BTreeMap<String, f64>,
) -> Result<Genorm, QpcrError> {
    let genes: Vec<String> = if genes.is_empty() {
        set.genes()
    } else {
        for g in genes {
            if !set.records.iter().any(|r| &r.gene == g) {
                return Err(QpcrError::ReferenceMissing {
                    file: set.source.clone(),
                    gene: g.clone(),
                    available: set.genes(),
                });
            }
        }
        genes.to_vec()
    };
    let recs: Vec<_> = set
        .records
        .iter()
        .filter(|r| r.sample_type == SampleType::Unknown && genes.contains(&r.gene))
        .collect();
    let use_ncopy = match source {
        QuantitySource::Ncopy => true,
        QuantitySource::Cq => false,
        QuantitySource::Auto => !recs.is_empty() && recs.iter().all(|r| r.ncopy.is_some()),
    };
    let cqs = average_records(recs.iter().copied(), &ReplicateOptions::default());
    let mut samples: Vec<String> = Vec::new();
    for c in &cqs {
        if !samples.contains(&c.sample) {
            samples.push(c.sample.clone());
        }
    }
    let value = |s: &str, g: &str| -> Option<f64> {
        let c = cqs.iter().find(|c| c.sample == s && c.gene == g)?;
        if use_ncopy {
            c.log2_ncopy
        } else {
            let e = efficiencies.get(g).copied().unwrap_or(2.0);
            c.cq.map(|cq| -e.log2() * cq)
        }
    };
    let complete: Vec<&String> = samples
        .iter()
        .filter(|s| genes.iter().all(|g| value(s, g).is_some()))
        .collect();
    let matrix: Vec<Vec<f64>> = genes
        .iter()
        .map(|g| {
            complete
                .iter()
                .map(|s| value(s, g).unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    genorm(&genes, &matrix).ok_or_else(|| {
        QpcrError::Invalid(format!(
            "{}: geNorm needs at least 2 candidate genes and 2 samples with a value for every candidate (have {} genes, {} complete samples)",
            set.source,
            genes.len(),
            complete.len()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_genes_are_perfectly_stable() {
        let genes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let a = vec![1.0, 2.0, 3.0, 4.0];
        let b: Vec<f64> = a.iter().map(|v| v + 5.0).collect();
        let c = vec![0.0, 3.0, 1.0, 7.0];
        let r = genorm(&genes, &[a, b, c]).unwrap();
        assert_eq!(r.steps[0].removed.as_deref(), Some("c"));
        assert_eq!(r.ranking[0].1, 0.0);
        assert_eq!(r.ranking[2].0, "c");
        assert_eq!(r.pairwise_v.len(), 1);
    }
}
