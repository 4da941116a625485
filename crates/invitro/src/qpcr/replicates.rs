//! Technical replicates → one Cq per sample and gene.
//!
//! Wells of the same sample and gene are technical replicates; their Cqs are
//! averaged (arithmetic mean) before anything else, so that the biological
//! replicates (samples) are the unit of every statistic (pcr / Livak
//! practice; MIQE). Wells marked excluded in the file are left out.
//!
//! **Not-detected rule** ([`Undetected`]): by default a not-detected well is
//! dropped and the sample's Cq is the mean of its detected replicates; a
//! sample none of whose replicates was detected has no Cq for that gene and
//! is left out of that gene's statistics (counted and flagged, never read as
//! 0). Alternatively a fixed Cq (e.g. the number of cycles run, 40) can be
//! substituted for not-detected wells; the fold change is then a bound
//! (the true expression is at most that low).
//!
//! **Spread flag**: the spread `max − min` of the replicates used; above
//! [`ReplicateOptions::max_spread`] (default 0.5 cycles) the sample is
//! flagged `replicate_spread` (kept, not removed).

use serde::Serialize;

use super::tidy::{CqRecord, CqSet, SampleType};

/// How not-detected wells enter the sample Cq.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undetected {
    /// Leave them out (default).
    Drop,
    /// Use this Cq for them (e.g. 40 = cycles run: a conservative bound).
    Substitute(f64),
}

/// Options of [`average`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReplicateOptions {
    /// Not-detected rule.
    pub undetected: Undetected,
    /// Spread (max − min, cycles) above which a sample is flagged.
    pub max_spread: f64,
}

impl Default for ReplicateOptions {
    fn default() -> Self {
        ReplicateOptions {
            undetected: Undetected::Drop,
            max_spread: 0.5,
        }
    }
}

/// The averaged Cq of one sample and gene.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleCq {
    /// Sample.
    pub sample: String,
    /// Group of the first well (consistency is checked by the analyses).
    pub group: Option<String>,
    /// Gene.
    pub gene: String,
    /// Sample type of the first well.
    pub sample_type: SampleType,
    /// Mean Cq of the wells used; `None` when none was detected (and no
    /// substitution was asked for).
    pub cq: Option<f64>,
    /// Wells (not excluded).
    pub n_wells: usize,
    /// Wells with a detected Cq.
    pub n_detected: usize,
    /// Wells whose Cq was substituted.
    pub n_substituted: usize,
    /// Wells excluded in the file.
    pub n_excluded: usize,
    /// `max − min` of the Cqs used (`None` for fewer than 2).
    pub spread: Option<f64>,
    /// Spread above the limit.
    pub spread_flag: bool,
    /// Line of the first well.
    pub line: usize,
    /// Quantity of the first well (standards).
    pub quantity: Option<f64>,
    /// Mean log2 of the software quantity (`ncopy`) over the wells that
    /// have one.
    pub log2_ncopy: Option<f64>,
}

/// Averages technical replicates of `records` (grouped by sample and gene,
/// in order of first appearance); see the module docs.
pub fn average_records<'a>(
    records: impl IntoIterator<Item = &'a CqRecord>,
    opts: &ReplicateOptions,
) -> Vec<SampleCq> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut wells: std::collections::HashMap<(String, String), Vec<&CqRecord>> =
        std::collections::HashMap::new();
    for r in records {
        let key = (r.sample.clone(), r.gene.clone());
        let e = wells.entry(key.clone()).or_default();
        if e.is_empty() {
            order.push(key);
        }
        e.push(r);
    }
    order
        .into_iter()
        .map(|key| {
            let ws = &wells[&key];
            let first = ws[0];
            let used: Vec<&&CqRecord> = ws.iter().filter(|w| !w.excluded).collect();
            let mut values = Vec::new();
            let mut n_detected = 0;
            let mut n_sub = 0;
            for w in &used {
                match (w.cq, opts.undetected) {
                    (Some(c), _) => {
                        values.push(c);
                        n_detected += 1;
                    }
                    (None, Undetected::Substitute(v)) => {
                        values.push(v);
                        n_sub += 1;
                    }
                    (None, Undetected::Drop) => {}
                }
            }
            let cq = preclin_stats::desc::mean(&values);
            let spread = if values.len() >= 2 {
                let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Some(hi - lo)
            } else {
                None
            };
            let logs: Vec<f64> = used
                .iter()
                .filter_map(|w| w.ncopy)
                .filter(|v| *v > 0.0)
                .map(f64::log2)
                .collect();
            SampleCq {
                sample: key.0,
                group: first.group.clone(),
                gene: key.1,
                sample_type: first.sample_type,
                cq,
                n_wells: used.len(),
                n_detected,
                n_substituted: n_sub,
                n_excluded: ws.len() - used.len(),
                spread,
                spread_flag: spread.is_some_and(|s| s > opts.max_spread),
                line: first.line,
                quantity: first.quantity,
                log2_ncopy: preclin_stats::desc::mean(&logs),
            }
        })
        .collect()
}

/// [`average_records`] over every record of `set`.
pub fn average(set: &CqSet, opts: &ReplicateOptions) -> Vec<SampleCq> {
    average_records(&set.records, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(sample: &str, cq: Option<f64>, excluded: bool) -> CqRecord {
        CqRecord {
            sample: sample.into(),
            group: Some("g".into()),
            gene: "G".into(),
            cq,
            sample_type: SampleType::Unknown,
            replicate: None,
            well: None,
            plate: None,
            quantity: None,
            excluded,
            line: 2,
            ncopy: None,
            melt: None,
        }
    }

    #[test]
    fn averages_flags_and_not_detected() {
        let rs = [
            rec("a", Some(20.0), false),
            rec("a", Some(20.8), false),
            rec("a", None, false),
            rec("a", Some(30.0), true),
            rec("b", None, false),
        ];
        let s = average_records(&rs, &ReplicateOptions::default());
        assert_eq!(s.len(), 2);
        assert!((s[0].cq.unwrap() - 20.4).abs() < 1e-12);
        assert_eq!((s[0].n_wells, s[0].n_detected, s[0].n_excluded), (3, 2, 1));
        assert!(s[0].spread_flag);
        assert_eq!(s[1].cq, None);
        let sub = ReplicateOptions {
            undetected: Undetected::Substitute(40.0),
            ..Default::default()
        };
        let s = average_records(&rs, &sub);
        assert!((s[0].cq.unwrap() - (20.0 + 20.8 + 40.0) / 3.0).abs() < 1e-12);
        assert_eq!(s[1].cq, Some(40.0));
        assert_eq!(s[1].n_substituted, 1);
    }
}
