//! MIQE-minded quality control of a qPCR run (Bustin et al. 2009, Clin Chem
//! 55:611). Everything is flagged, nothing is removed.
//!
//! | code | severity | rule |
//! |---|---|---|
//! | `ntc_amplification` / `nrt_amplification` | warning | a no-template / no-RT control has a Cq below the Cq limit (default 35) |
//! | `ntc_late_amplification` / `nrt_late_amplification` | note | such a control has a Cq at or above the limit (often primer dimers; compare with the samples' Cqs) |
//! | `late_cq` | warning | a quantified sample's well has a Cq above the limit |
//! | `not_detected` | note | a quantified sample's well was not detected |
//! | `replicate_spread` | warning | technical replicates of a sample span more than 0.5 cycles |
//! | `melt_multiple_peaks` | warning | an amplified well's melt curve has more than one peak (non-specific product or primer dimers) |
//! | `reference_unstable` | warning | two or more reference genes with geNorm M > 0.5 |
//! | `reference_varies_with_group` | warning | one reference gene whose Ct differs between groups (one-way ANOVA p < 0.05) |
//! | `reference_stability` | note | the reference genes' geNorm M, or the ANOVA p of a single reference |
//!
//! **Melt peaks** ([`melt_peaks`]): the melt curve is sorted by temperature,
//! smoothed by a centred 5-point moving average, differentiated
//! (`−dF/dT`, central differences), and the local maxima of `−dF/dT` that
//! reach at least 20 % of the highest one and lie more than 2 °C from a
//! higher maximum are the peaks.

use serde::Serialize;

use super::genorm::{QuantitySource, genorm_from_set};
use super::replicates::{ReplicateOptions, average_records};
use super::tidy::{CqSet, MeltCurve, SampleType};

/// Severity of a QC flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Note,
    /// Likely to affect the result.
    Warning,
}

/// One QC finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QcFlag {
    /// Severity.
    pub severity: Severity,
    /// Machine-readable code (see the module docs).
    pub code: &'static str,
    /// Sample (empty for run-level findings).
    pub sample: String,
    /// Gene (empty when not gene-specific).
    pub gene: String,
    /// Well, if known.
    pub well: Option<String>,
    /// Line (row) in the input, 0 when not applicable.
    pub line: usize,
    /// Human-readable explanation.
    pub message: String,
}

/// Options of [`qc`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QcOptions {
    /// Cq limit for late amplification (35).
    pub cq_limit: f64,
    /// Technical-replicate spread limit in cycles (0.5).
    pub max_spread: f64,
    /// geNorm M above which reference genes are called unstable (0.5).
    pub max_reference_m: f64,
}

impl Default for QcOptions {
    fn default() -> Self {
        QcOptions {
            cq_limit: 35.0,
            max_spread: 0.5,
            max_reference_m: 0.5,
        }
    }
}

/// Melting temperatures (°C) of the peaks of `−dF/dT`, highest peak first
/// (see the module docs). Empty for fewer than 7 points.
pub fn melt_peaks(curve: &MeltCurve) -> Vec<f64> {
    let mut pts: Vec<(f64, f64)> = curve
        .temperature
        .iter()
        .zip(&curve.fluorescence)
        .filter(|(t, f)| t.is_finite() && f.is_finite())
        .map(|(t, f)| (*t, *f))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts.dedup_by(|a, b| a.0 == b.0);
    let n = pts.len();
    if n < 7 {
        return Vec::new();
    }
    let smooth: Vec<f64> = (0..n)
        .map(|i| {
            let lo = i.saturating_sub(2);
            let hi = (i + 2).min(n - 1);
            pts[lo..=hi].iter().map(|p| p.1).sum::<f64>() / (hi - lo + 1) as f64
        })
        .collect();
    let d: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(1), (i + 1).min(n - 1));
            let dt = pts[b].0 - pts[a].0;
            if dt > 0.0 {
                -(smooth[b] - smooth[a]) / dt
            } else {
                0.0
            }
        })
        .collect();
    let max = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(max > 0.0) {
        return Vec::new();
    }
    let mut cand: Vec<(f64, f64)> = (1..n - 1)
        .filter(|&i| d[i] >= d[i - 1] && d[i] > d[i + 1] && d[i] >= 0.2 * max)
        .map(|i| (pts[i].0, d[i]))
        .collect();
    cand.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut peaks: Vec<(f64, f64)> = Vec::new();
    for c in cand {
        if peaks.iter().all(|p| (p.0 - c.0).abs() > 2.0) {
            peaks.push(c);
        }
    }
    peaks.into_iter().map(|p| p.0).collect()
}

fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// Runs every check of the module docs. `reference` names the reference
/// genes (may be empty: no stability check).
pub fn qc(set: &CqSet, reference: &[String], opts: &QcOptions) -> Vec<QcFlag> {
    let mut out = Vec::new();
    for r in &set.records {
        let base = |severity, code, message: String| QcFlag {
            severity,
            code,
            sample: r.sample.clone(),
            gene: r.gene.clone(),
            well: r.well.clone(),
            line: r.line,
            message,
        };
        if r.excluded {
            continue;
        }
        match (r.sample_type, r.cq) {
            (SampleType::Ntc | SampleType::NoRt, Some(c)) => {
                let ntc = r.sample_type == SampleType::Ntc;
                let what = if ntc { "no-template" } else { "no-RT" };
                if c < opts.cq_limit {
                    out.push(base(
                        Severity::Warning,
                        if ntc {
                            "ntc_amplification"
                        } else {
                            "nrt_amplification"
                        },
                        format!(
                            "{what} control amplified at Cq {} (limit {}): contamination{}",
                            fmt(c),
                            fmt(opts.cq_limit),
                            if ntc { "" } else { " or genomic DNA" }
                        ),
                    ));
                } else {
                    out.push(base(
                        Severity::Note,
                        if ntc {
                            "ntc_late_amplification"
                        } else {
                            "nrt_late_amplification"
                        },
                        format!("{what} control has a late Cq {}", fmt(c)),
                    ));
                }
            }
            (SampleType::Unknown, Some(c)) if c > opts.cq_limit => out.push(base(
                Severity::Warning,
                "late_cq",
                format!("Cq {} above the limit {}", fmt(c), fmt(opts.cq_limit)),
            )),
            (SampleType::Unknown, None) => out.push(base(
                Severity::Note,
                "not_detected",
                "not detected (no Cq)".into(),
            )),
            _ => {}
        }
        if let (Some(m), Some(_)) = (&r.melt, r.cq) {
            if !r.sample_type.is_negative_control() {
                let p = melt_peaks(m);
                if p.len() > 1 {
                    out.push(base(
                        Severity::Warning,
                        "melt_multiple_peaks",
                        format!(
                            "melt curve has {} peaks (Tm {} °C): non-specific product or primer dimers",
                            p.len(),
                            p.iter().map(|t| fmt(*t)).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
    }
    let reps = average_records(
        set.records
            .iter()
            .filter(|r| r.sample_type == SampleType::Unknown),
        &ReplicateOptions {
            max_spread: opts.max_spread,
            ..Default::default()
        },
    );
    for c in reps.iter().filter(|c| c.spread_flag) {
        out.push(QcFlag {
            severity: Severity::Warning,
            code: "replicate_spread",
            sample: c.sample.clone(),
            gene: c.gene.clone(),
            well: None,
            line: c.line,
            message: format!(
                "technical replicates span {} cycles (limit {})",
                fmt(c.spread.unwrap_or(0.0)),
                fmt(opts.max_spread)
            ),
        });
    }
    // Reference stability.
    let present: Vec<String> = reference
        .iter()
        .filter(|g| set.records.iter().any(|r| &r.gene == *g))
        .cloned()
        .collect();
    let run_flag = |severity, code, gene: String, message| QcFlag {
        severity,
        code,
        sample: String::new(),
        gene,
        well: None,
        line: 0,
        message,
    };
    if present.len() >= 2 {
        if let Ok(g) = genorm_from_set(set, &present, QuantitySource::Cq, &Default::default()) {
            let m = g.ranking.iter().map(|r| r.1).fold(0.0, f64::max);
            let genes = present.join(", ");
            if m > opts.max_reference_m {
                out.push(run_flag(
                    Severity::Warning,
                    "reference_unstable",
                    genes,
                    format!(
                        "geNorm M of the reference genes up to {} (> {}): the normalisation is unreliable",
                        fmt(m),
                        fmt(opts.max_reference_m)
                    ),
                ));
            } else {
                out.push(run_flag(
                    Severity::Note,
                    "reference_stability",
                    genes,
                    format!("geNorm M of the reference genes at most {}", fmt(m)),
                ));
            }
        }
    } else if let Some(gene) = present.first() {
        let mut by_group: Vec<(String, Vec<f64>)> = Vec::new();
        for c in reps.iter().filter(|c| &c.gene == gene) {
            let (Some(g), Some(v)) = (&c.group, c.cq) else {
                continue;
            };
            match by_group.iter_mut().find(|(k, _)| k == g) {
                Some((_, vs)) => vs.push(v),
                None => by_group.push((g.clone(), vec![v])),
            }
        }
        let slices: Vec<&[f64]> = by_group.iter().map(|(_, v)| v.as_slice()).collect();
        if let Some(a) = preclin_stats::anova::one_way(&slices) {
            if a.p < 0.05 {
                out.push(run_flag(
                    Severity::Warning,
                    "reference_varies_with_group",
                    gene.clone(),
                    format!(
                        "reference Ct differs between groups (one-way ANOVA p = {:.3e}): the treatment may regulate the reference gene",
                        a.p
                    ),
                ));
            } else {
                out.push(run_flag(
                    Severity::Note,
                    "reference_stability",
                    gene.clone(),
                    format!(
                        "reference Ct does not differ between groups (one-way ANOVA p = {:.3})",
                        a.p
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauss(t: f64, mu: f64, s: f64) -> f64 {
        (-(t - mu) * (t - mu) / (2.0 * s * s)).exp()
    }

    #[test]
    fn melt_peak_counting() {
        // F(T) = amplitude·(1 − CDF) so −dF/dT is a Gaussian at Tm.
        let temps: Vec<f64> = (0..300).map(|i| 65.0 + i as f64 * 0.1).collect();
        let one = MeltCurve {
            temperature: temps.clone(),
            fluorescence: temps
                .iter()
                .map(|&t| {
                    (0..=((t - 65.0) / 0.1) as usize)
                        .map(|k| gauss(65.0 + k as f64 * 0.1, 84.0, 0.8))
                        .sum::<f64>()
                        * -0.1
                        + 100.0
                })
                .collect(),
        };
        let p = melt_peaks(&one);
        assert_eq!(p.len(), 1);
        assert!((p[0] - 84.0).abs() < 0.3, "{p:?}");
        let two = MeltCurve {
            temperature: temps.clone(),
            fluorescence: temps
                .iter()
                .map(|&t| {
                    (0..=((t - 65.0) / 0.1) as usize)
                        .map(|k| {
                            let x = 65.0 + k as f64 * 0.1;
                            gauss(x, 84.0, 0.8) + 0.5 * gauss(x, 76.0, 0.8)
                        })
                        .sum::<f64>()
                        * -0.1
                        + 100.0
                })
                .collect(),
        };
        let p = melt_peaks(&two);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(melt_peaks(&MeltCurve::default()).is_empty());
    }
}
